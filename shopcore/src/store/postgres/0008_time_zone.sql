-- Schema version 8 of a shop in PostgreSQL: the shop's IANA time zone (store table
-- `time_zone`, tag 63), one record, absent while the shop keeps a fixed UTC offset.
CREATE TABLE "time_zone" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
