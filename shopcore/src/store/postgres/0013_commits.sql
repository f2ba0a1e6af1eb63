-- Schema version 13 of a shop in PostgreSQL: commits lock the records they touch, not the
-- shop. A writer's batch of transaction bodies runs on what the writer last saw (its cache
-- or a fresh read) and commits in a transaction that first calls shopcore_lock: the shop's
-- lock in SHARED mode (a writer that reads under the lock takes it EXCLUSIVE, as every
-- writer did before this version), then one advisory lock per record read or written, in
-- the ascending order the caller sorted them in, so two commits never wait for each other
-- in a cycle (a batch of very many records takes the shop's lock EXCLUSIVE instead, as the
-- server's lock table is sized for about 64 locks per connection). The next statement,
-- whose snapshot is taken once every lock is held, compares every record the bodies read
-- with what they saw and writes only when none changed; otherwise it returns the records
-- that changed, with their current values, and the writer runs the batch's bodies again.
-- Commits touching different records no longer wait for each other.
--
-- The one commit sequence every commit moved on (a row every commit waited on) is gone; a
-- process of an older build, which trusted its cache on it, now stops with an error
-- instead of committing on records it did not re-read. In its place each writer counts its
-- own commits in a row of shopcore_writers (a slot it picks at random: two writers
-- sharing one only compare more often). A writer that finds the sum of all rows grown by
-- exactly its own commits since it last looked knows nobody else committed, trusts its
-- cache and skips the comparison.
DROP TABLE shopcore_commits;
CREATE TABLE shopcore_writers (
    id integer PRIMARY KEY,
    seq bigint NOT NULL
);

CREATE FUNCTION shopcore_lock(shop_space integer, shop_key integer, exclusive boolean, locks bigint[])
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF exclusive THEN
        PERFORM pg_advisory_xact_lock(shop_space, shop_key);
    ELSE
        PERFORM pg_advisory_xact_lock_shared(shop_space, shop_key);
    END IF;
    -- One statement for every lock (a statement per lock cost a millisecond per batch of
    -- 150): a function scan of the array yields its elements in order, and each row's
    -- lock is taken as the row is produced, so the locks are taken in the array's order.
    PERFORM pg_advisory_xact_lock(l) FROM unnest(locks) AS u(l);
END;
$$;
