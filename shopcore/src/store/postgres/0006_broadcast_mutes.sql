-- Schema version 6 of a shop in PostgreSQL: the shoppers who muted broadcasts (store table
-- `broadcast_mutes`, tag 61), each with when.
CREATE TABLE "broadcast_mutes" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
