-- Schema version 3 of a shop in PostgreSQL: the leases of periodic jobs (store table
-- `leases`, tag 53): which process runs the outbox, broadcasts, the supplier queue, expiry
-- sweeps and scheduled backups, and until when.
CREATE TABLE "leases" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
ALTER TABLE leases
    ADD COLUMN job text GENERATED ALWAYS AS (body ->> 'job') STORED,
    ADD COLUMN holder text GENERATED ALWAYS AS (body ->> 'holder') STORED,
    ADD COLUMN since timestamptz GENERATED ALWAYS AS (shop_time(body -> 'since')) STORED,
    ADD COLUMN until timestamptz GENERATED ALWAYS AS (shop_time(body -> 'until')) STORED;
