-- Schema version 4 of a shop in PostgreSQL: the staff web panel's one-time sign-in links
-- (store table `panel_links`, tag 54) and sessions (`panel_sessions`, tag 55), each keyed by
-- the SHA-256 digest of its token (the tokens themselves are never stored).
CREATE TABLE "panel_links" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
CREATE TABLE "panel_sessions" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
