-- Schema version 13 of a shop in PostgreSQL: commits lock the records they touch, not the
-- shop. A writer's batch of transaction bodies runs on what the writer last saw (its cache
-- or a fresh read) and commits with one call of shopcore_commit: the call takes the shop's
-- lock in SHARED mode (a writer that reads under the lock takes it EXCLUSIVE, as every
-- writer did before this version), then one advisory lock per record read or written, in
-- the ascending order the caller sorted them in (so two commits never wait for each other
-- in a cycle; a batch of very many records takes the shop's lock EXCLUSIVE instead, as the
-- server's lock table is sized for about 64 locks per connection), then compares every record the bodies read with what they saw (SHA-256 of
-- the encoded value; NULL: absent). When all match, it writes; otherwise it writes nothing
-- and returns the records that changed, with their current values, and the writer runs the
-- batch's bodies again. Commits touching different records no longer wait for each other.
--
-- The commit sequence every commit moved on is gone: a writer no longer needs to know
-- whether anyone else committed (a changed record is found when it is compared), and a
-- process of an older build, which would trust its cache on that sequence, now stops
-- with an error instead of committing on records it did not re-read.
DROP TABLE shopcore_commits;

CREATE FUNCTION shopcore_commit(
    shop_space integer, shop_key integer, exclusive boolean, locks bigint[],
    read_tables text[], read_keys bytea[], read_digests bytea[],
    write_tables text[], write_keys bytea[], write_values bytea[], write_bodies text[]
) RETURNS TABLE (table_name text, k bytea, v bytea)
LANGUAGE plpgsql AS $$
DECLARE
    lock_key bigint;
    t text;
    changed boolean := false;
BEGIN
    IF exclusive THEN
        PERFORM pg_advisory_xact_lock(shop_space, shop_key);
    ELSE
        PERFORM pg_advisory_xact_lock_shared(shop_space, shop_key);
    END IF;
    FOREACH lock_key IN ARRAY locks LOOP
        PERFORM pg_advisory_xact_lock(lock_key);
    END LOOP;
    -- Each statement below reads what is committed once every lock is held (a function's
    -- statements each take a new snapshot at READ COMMITTED).
    FOR t IN SELECT DISTINCT u.t FROM unnest(read_tables) AS u(t) LOOP
        RETURN QUERY EXECUTE format(
            'SELECT %L::text, r.k, c.v FROM unnest($1, $2, $3) AS r(t, k, d) '
            'LEFT JOIN %I AS c ON c.k = r.k '
            'WHERE r.t = %L AND sha256(c.v) IS DISTINCT FROM r.d',
            t, t, t)
            USING read_tables, read_keys, read_digests;
        changed := changed OR FOUND;
    END LOOP;
    IF changed THEN
        RETURN;
    END IF;
    FOR t IN SELECT DISTINCT u.t FROM unnest(write_tables) AS u(t) LOOP
        EXECUTE format(
            'DELETE FROM %I WHERE k IN (SELECT w.k FROM unnest($1, $2, $3) AS w(t, k, v) '
            'WHERE w.t = %L AND w.v IS NULL)',
            t, t)
            USING write_tables, write_keys, write_values;
        EXECUTE format(
            'INSERT INTO %I (k, v, body) SELECT w.k, w.v, w.b::jsonb '
            'FROM unnest($1, $2, $3, $4) AS w(t, k, v, b) WHERE w.t = %L AND w.v IS NOT NULL '
            'ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v, body = EXCLUDED.body',
            t, t)
            USING write_tables, write_keys, write_values, write_bodies;
    END LOOP;
END;
$$;
