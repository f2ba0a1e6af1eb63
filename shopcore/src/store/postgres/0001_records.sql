-- Schema version 1 of a shop in PostgreSQL: one table per store table (docs/storage.md).
-- k: the record's key within its table (bytewise order is the key tuple's order);
-- v: the record's value, encoded as on every backend (bincode 2): what the shop reads;
-- body: the same value as JSON, for the kinds people read (store/describe.rs), written with v.
CREATE TABLE "meta" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
CREATE TABLE "counters" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
CREATE TABLE "users" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
CREATE TABLE "usernames" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
CREATE TABLE "users_by_role" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
CREATE TABLE "banned_users" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
CREATE TABLE "audit" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
CREATE TABLE "audit_by_actor" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
CREATE TABLE "audit_by_action" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
CREATE TABLE "audit_by_time" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
CREATE TABLE "settings" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
CREATE TABLE "currencies" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
CREATE TABLE "categories" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
CREATE TABLE "categories_by_order" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
CREATE TABLE "products" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
CREATE TABLE "products_by_category" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
CREATE TABLE "codes" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
CREATE TABLE "codes_by_hash" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
CREATE TABLE "payment_methods" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
CREATE TABLE "wallets" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
CREATE TABLE "ledger" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
CREATE TABLE "ledger_by_user" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
CREATE TABLE "topups" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
CREATE TABLE "topups_by_status" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
CREATE TABLE "topups_by_user" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
CREATE TABLE "request_keys" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
CREATE TABLE "orders" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
CREATE TABLE "orders_by_status" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
CREATE TABLE "orders_by_user" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
CREATE TABLE "open_orders" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
CREATE TABLE "coupons" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
CREATE TABLE "coupon_uses" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
CREATE TABLE "sessions" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
CREATE TABLE "outbox" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
CREATE TABLE "outbox_cursors" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
CREATE TABLE "rollups" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
CREATE TABLE "activity" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
CREATE TABLE "broadcasts" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
CREATE TABLE "blocked_bot" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
CREATE TABLE "audit_pruned" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
CREATE TABLE "codes_seen" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
CREATE TABLE "proofs_seen" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
CREATE TABLE "proof_reuses" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
CREATE TABLE "topups_filed_for" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
CREATE TABLE "audit_actor_postings" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
CREATE TABLE "audit_action_postings" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
CREATE TABLE "audit_time_postings" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
CREATE TABLE "code_chunks" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
CREATE TABLE "order_status_postings" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
CREATE TABLE "audit_chunks" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
CREATE TABLE "outbox_chunks" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
CREATE TABLE "ledger_chunks" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
-- The shop's commit sequence: every committing transaction moves it on, under the shop's
-- writer lock. A writer whose records cache was filled at sequence N uses it only while the
-- sequence is still N (no other process committed since); see store/postgres.rs.
-- Editing records by hand while a shop runs: move it on too (UPDATE shopcore_commits SET seq = seq + 1).
CREATE TABLE shopcore_commits (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    seq bigint NOT NULL
);
INSERT INTO shopcore_commits (seq) VALUES (0);
