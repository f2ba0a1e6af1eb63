-- Schema version 2 of a shop in PostgreSQL: typed columns, the constraints that back the
-- shop's invariants, the indexes of its queries, and views to read it with.
--
-- Every typed column is GENERATED from the record's JSON (body, written by the shop in the
-- same statement as the record), so it can never disagree with the record. Money is
-- numeric, times are timestamptz (the shop keeps milliseconds since 1970, UTC), statuses
-- and roles are text with a CHECK of the values the shop knows. A record the database
-- refuses (a negative balance, a coupon used beyond its limit, a changed decision) makes
-- the whole transaction fail: a second line of defence behind the shop's own rules.

-- Milliseconds since 1970 (JSON number) → timestamptz.
CREATE FUNCTION shop_time(ms jsonb) RETURNS timestamptz
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN to_timestamp((ms #>> '{}')::double precision / 1000.0);

-- A key part: the big-endian unsigned 64-bit integer at byte `at` (0-based) of a key.
CREATE FUNCTION shop_key_u64(k bytea, at integer) RETURNS bigint
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN ('x' || encode(substring(k FROM at + 1 FOR 8), 'hex'))::bit(64)::bigint;

-- Who did something, as text: a user's id, or `system:NAME`.
CREATE FUNCTION shop_actor(actor jsonb) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN COALESCE(actor ->> 'User', 'system:' || (actor ->> 'System'));

-- Every entry of a ledger chunk adds up (after = before + amount) and leaves no balance
-- below zero.
CREATE FUNCTION shop_ledger_chunk_adds_up(entries jsonb) RETURNS boolean
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN (SELECT COALESCE(bool_and(
                (e ->> 'balance_after')::numeric
                    = (e ->> 'balance_before')::numeric + (e ->> 'amount')::numeric
                AND (e ->> 'balance_after')::numeric >= 0), true)
            FROM jsonb_array_elements(entries) AS e);

-- Users.
ALTER TABLE users
    ADD COLUMN user_id bigint GENERATED ALWAYS AS ((body ->> 'id')::bigint) STORED,
    ADD COLUMN username text GENERATED ALWAYS AS (body ->> 'username') STORED,
    ADD COLUMN display_name text GENERATED ALWAYS AS (body ->> 'display_name') STORED,
    ADD COLUMN role text GENERATED ALWAYS AS (body ->> 'role') STORED
        CHECK (role IN ('User', 'Support', 'Operator', 'SuperAdmin')),
    ADD COLUMN banned boolean GENERATED ALWAYS AS (jsonb_typeof(body -> 'ban') = 'object') STORED,
    ADD COLUMN language text GENERATED ALWAYS AS (body ->> 'language') STORED,
    ADD COLUMN created_at timestamptz GENERATED ALWAYS AS (shop_time(body -> 'created_at')) STORED,
    ADD COLUMN last_active_at timestamptz GENERATED ALWAYS AS (shop_time(body -> 'last_active_at')) STORED,
    ADD CONSTRAINT users_user_id_unique UNIQUE (user_id);
CREATE INDEX users_username_idx ON users (lower(username));
CREATE INDEX users_role_idx ON users (role, user_id);

-- Accounts (one per user): the balance and the one open order.
ALTER TABLE wallets
    ADD COLUMN user_id bigint GENERATED ALWAYS AS (shop_key_u64(k, 0)) STORED,
    ADD COLUMN balance numeric GENERATED ALWAYS AS ((body ->> 'balance')::numeric) STORED
        CONSTRAINT balance_never_below_zero CHECK (balance >= 0),
    ADD COLUMN pending_topups integer GENERATED ALWAYS AS ((body ->> 'pending_topups')::integer) STORED
        CHECK (pending_topups >= 0),
    ADD COLUMN open_order bigint GENERATED ALWAYS AS ((body ->> 'open_order')::bigint) STORED,
    ADD CONSTRAINT wallets_user_id_unique UNIQUE (user_id),
    ADD CONSTRAINT wallets_user FOREIGN KEY (user_id) REFERENCES users (user_id)
        DEFERRABLE INITIALLY DEFERRED;
-- At most one open order per user (the account holds one), and an order is open for one
-- user only.
CREATE UNIQUE INDEX wallets_open_order_idx ON wallets (open_order) WHERE open_order IS NOT NULL;

-- The ledger, in chunks of entries: every chunk adds up.
ALTER TABLE ledger_chunks
    ADD CONSTRAINT ledger_entries_add_up CHECK (shop_ledger_chunk_adds_up(body));

-- Top-ups.
ALTER TABLE topups
    ADD COLUMN topup_id bigint GENERATED ALWAYS AS ((body ->> 'id')::bigint) STORED,
    ADD COLUMN user_id bigint GENERATED ALWAYS AS ((body ->> 'user')::bigint) STORED,
    ADD COLUMN status text GENERATED ALWAYS AS (body ->> 'status') STORED
        CHECK (status IN ('Pending', 'Approved', 'Rejected')),
    ADD COLUMN amount numeric GENERATED ALWAYS AS ((body ->> 'amount')::numeric) STORED
        CHECK (amount > 0),
    ADD COLUMN currency text GENERATED ALWAYS AS (body ->> 'currency') STORED,
    ADD COLUMN amount_usd numeric GENERATED ALWAYS AS ((body ->> 'amount_usd')::numeric) STORED
        CHECK (amount_usd > 0),
    ADD COLUMN method_id bigint GENERATED ALWAYS AS ((body ->> 'method')::bigint) STORED,
    ADD COLUMN requested_at timestamptz GENERATED ALWAYS AS (shop_time(body -> 'requested_at')) STORED,
    ADD COLUMN decided_at timestamptz GENERATED ALWAYS AS (shop_time(body -> 'decided_at')) STORED,
    ADD COLUMN decided_by text GENERATED ALWAYS AS (shop_actor(body -> 'decided_by')) STORED,
    ADD CONSTRAINT topups_topup_id_unique UNIQUE (topup_id),
    ADD CONSTRAINT topups_user FOREIGN KEY (user_id) REFERENCES users (user_id)
        DEFERRABLE INITIALLY DEFERRED;
CREATE INDEX topups_queue_idx ON topups (status, topup_id);
CREATE INDEX topups_by_user_idx ON topups (user_id, topup_id);

-- One decision per top-up: once approved or rejected, it stays so.
CREATE FUNCTION shop_topup_decided_once() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.body ->> 'status' <> 'Pending'
       AND NEW.body ->> 'status' IS DISTINCT FROM OLD.body ->> 'status' THEN
        RAISE EXCEPTION 'top-up % was already %; a decision is final',
            OLD.body ->> 'id', OLD.body ->> 'status'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER topups_decided_once BEFORE UPDATE ON topups
    FOR EACH ROW EXECUTE FUNCTION shop_topup_decided_once();

-- Orders.
ALTER TABLE orders
    ADD COLUMN order_id bigint GENERATED ALWAYS AS ((body ->> 'id')::bigint) STORED,
    ADD COLUMN user_id bigint GENERATED ALWAYS AS ((body ->> 'user')::bigint) STORED,
    ADD COLUMN product_id bigint GENERATED ALWAYS AS ((body ->> 'product')::bigint) STORED,
    ADD COLUMN product_name text GENERATED ALWAYS AS (body ->> 'product_name') STORED,
    ADD COLUMN status text GENERATED ALWAYS AS (body ->> 'status') STORED
        CHECK (status IN ('AwaitingPayment', 'Paid', 'Processing', 'Completed', 'Failed', 'Cancelled')),
    ADD COLUMN price_usd numeric GENERATED ALWAYS AS ((body ->> 'price_usd')::numeric) STORED
        CHECK (price_usd >= 0),
    ADD COLUMN discount_usd numeric GENERATED ALWAYS AS ((body ->> 'discount_usd')::numeric) STORED,
    ADD COLUMN total_usd numeric GENERATED ALWAYS AS ((body ->> 'total_usd')::numeric) STORED
        CHECK (total_usd >= 0),
    ADD COLUMN currency text GENERATED ALWAYS AS (body ->> 'currency') STORED,
    ADD COLUMN price_local numeric GENERATED ALWAYS AS ((body ->> 'price_local')::numeric) STORED,
    ADD COLUMN coupon text GENERATED ALWAYS AS (body ->> 'coupon') STORED,
    ADD COLUMN payment jsonb GENERATED ALWAYS AS (body -> 'payment') STORED,
    ADD COLUMN created_at timestamptz GENERATED ALWAYS AS (shop_time(body -> 'created_at')) STORED,
    ADD COLUMN updated_at timestamptz GENERATED ALWAYS AS (shop_time(body -> 'updated_at')) STORED,
    ADD CONSTRAINT orders_order_id_unique UNIQUE (order_id),
    ADD CONSTRAINT orders_discount_within_price CHECK (discount_usd >= 0 AND discount_usd <= price_usd),
    ADD CONSTRAINT orders_user FOREIGN KEY (user_id) REFERENCES users (user_id)
        DEFERRABLE INITIALLY DEFERRED;
CREATE INDEX orders_queue_idx ON orders (status, order_id);
CREATE INDEX orders_by_user_idx ON orders (user_id, order_id);
CREATE INDEX orders_by_product_idx ON orders (product_id, order_id);
CREATE INDEX orders_by_time_idx ON orders (created_at);

-- Catalog.
ALTER TABLE categories
    ADD COLUMN category_id bigint GENERATED ALWAYS AS ((body ->> 'id')::bigint) STORED,
    ADD COLUMN name text GENERATED ALWAYS AS (body ->> 'name') STORED,
    ADD COLUMN active boolean GENERATED ALWAYS AS ((body ->> 'active')::boolean) STORED,
    ADD COLUMN sort_order integer GENERATED ALWAYS AS ((body ->> 'sort_order')::integer) STORED;
ALTER TABLE products
    ADD COLUMN product_id bigint GENERATED ALWAYS AS ((body ->> 'id')::bigint) STORED,
    ADD COLUMN category_id bigint GENERATED ALWAYS AS ((body ->> 'category')::bigint) STORED,
    ADD COLUMN name text GENERATED ALWAYS AS (body ->> 'name') STORED,
    ADD COLUMN price_usd numeric GENERATED ALWAYS AS ((body ->> 'price_usd')::numeric) STORED
        CHECK (price_usd > 0),
    ADD COLUMN active boolean GENERATED ALWAYS AS ((body ->> 'active')::boolean) STORED,
    ADD COLUMN archived boolean GENERATED ALWAYS AS ((body ->> 'archived')::boolean) STORED,
    ADD COLUMN stock_left bigint GENERATED ALWAYS AS ((body -> 'stock' ->> 'Limited')::bigint) STORED
        CHECK (stock_left >= 0),
    ADD COLUMN codes_available bigint GENERATED ALWAYS AS ((body ->> 'codes_available')::bigint) STORED
        CHECK (codes_available >= 0);
CREATE INDEX products_by_category_idx ON products (category_id, product_id);

-- Coupons: uses within the limit.
ALTER TABLE coupons
    ADD COLUMN code text GENERATED ALWAYS AS (body ->> 'code') STORED,
    ADD COLUMN uses integer GENERATED ALWAYS AS ((body ->> 'uses')::integer) STORED,
    ADD COLUMN max_uses integer GENERATED ALWAYS AS ((body ->> 'max_uses')::integer) STORED,
    ADD COLUMN active boolean GENERATED ALWAYS AS ((body ->> 'active')::boolean) STORED,
    ADD COLUMN expires_at timestamptz GENERATED ALWAYS AS (shop_time(body -> 'expires_at')) STORED,
    ADD CONSTRAINT coupon_uses_within_limit CHECK (uses >= 0 AND uses <= max_uses);

-- Currencies and payment methods.
ALTER TABLE currencies
    ADD COLUMN code text GENERATED ALWAYS AS (body ->> 'code') STORED,
    ADD COLUMN units_per_usd numeric GENERATED ALWAYS AS ((body ->> 'units_per_usd')::numeric) STORED
        CHECK (units_per_usd > 0),
    ADD COLUMN enabled boolean GENERATED ALWAYS AS ((body ->> 'enabled')::boolean) STORED;
ALTER TABLE payment_methods
    ADD COLUMN method_id bigint GENERATED ALWAYS AS ((body ->> 'id')::bigint) STORED,
    ADD COLUMN name text GENERATED ALWAYS AS (body ->> 'name') STORED,
    ADD COLUMN currency text GENERATED ALWAYS AS (body ->> 'currency') STORED,
    ADD COLUMN min_amount numeric GENERATED ALWAYS AS ((body ->> 'min_amount')::numeric) STORED,
    ADD COLUMN max_amount numeric GENERATED ALWAYS AS ((body ->> 'max_amount')::numeric) STORED,
    ADD COLUMN active boolean GENERATED ALWAYS AS ((body ->> 'active')::boolean) STORED,
    ADD COLUMN pending_uses integer GENERATED ALWAYS AS ((body ->> 'pending_uses')::integer) STORED
        CHECK (pending_uses >= 0),
    ADD CONSTRAINT payment_methods_limits CHECK (min_amount > 0 AND min_amount <= max_amount);

-- Views: the logs one row per entry, and what reporting may read.

CREATE VIEW ledger_entries AS
SELECT (e ->> 'seq')::bigint AS seq,
       (e ->> 'user')::bigint AS user_id,
       e ->> 'kind' AS kind,
       (e ->> 'amount')::numeric AS amount,
       (e ->> 'balance_before')::numeric AS balance_before,
       (e ->> 'balance_after')::numeric AS balance_after,
       shop_time(e -> 'at') AS at,
       shop_actor(e -> 'actor') AS actor,
       e -> 'reference' AS reference,
       e ->> 'note' AS note
FROM ledger_chunks, jsonb_array_elements(ledger_chunks.body) AS e;

CREATE VIEW audit_entries AS
SELECT (e ->> 'seq')::bigint AS seq,
       shop_time(e -> 'at') AS at,
       shop_actor(e -> 'actor') AS actor,
       e ->> 'action' AS action,
       e -> 'target' AS target,
       e -> 'outcome' AS outcome,
       e -> 'details' AS details,
       e ->> 'hash' AS hash,
       e ->> 'prev_hash' AS prev_hash
FROM audit_chunks, jsonb_array_elements(audit_chunks.body) AS e;

CREATE VIEW notifications AS
SELECT (e ->> 'seq')::bigint AS seq,
       (e ->> 'user')::bigint AS user_id,
       shop_time(e -> 'at') AS at,
       e -> 'kind' AS kind
FROM outbox_chunks, jsonb_array_elements(outbox_chunks.body) AS e;

-- Orders without what was delivered (codes are secrets): grant reporting roles this view,
-- not the table.
CREATE VIEW report_orders AS
SELECT order_id, user_id, product_id, product_name, status, price_usd, discount_usd,
       total_usd, currency, price_local, coupon, payment, created_at, updated_at
FROM orders;

CREATE VIEW report_daily AS
SELECT date_trunc('day', created_at) AS day,
       count(*) AS orders,
       count(*) FILTER (WHERE status = 'Completed') AS completed,
       sum(total_usd) FILTER (WHERE status = 'Completed') AS revenue_usd
FROM orders
GROUP BY 1;
