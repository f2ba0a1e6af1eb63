-- Schema version 5 of a shop in PostgreSQL: invoices of payment providers (store table
-- `invoices`, tag 56, with its indexes `invoices_by_status` 57, `invoices_by_user` 58 and
-- `invoices_open_by_user` 59) and every provider payment settled (`invoice_payments`, 60).
CREATE TABLE "invoices" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
CREATE TABLE "invoices_by_status" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
CREATE TABLE "invoices_by_user" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
CREATE TABLE "invoices_open_by_user" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
CREATE TABLE "invoice_payments" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);

ALTER TABLE invoices
    ADD COLUMN invoice_id bigint GENERATED ALWAYS AS ((body ->> 'id')::bigint) STORED,
    ADD COLUMN user_id bigint GENERATED ALWAYS AS ((body ->> 'user')::bigint) STORED,
    ADD COLUMN order_id bigint GENERATED ALWAYS AS ((body -> 'purpose' ->> 'Order')::bigint) STORED,
    ADD COLUMN provider text GENERATED ALWAYS AS (body ->> 'provider') STORED
        CHECK (provider IN ('Stars', 'CryptoPay')),
    ADD COLUMN status text GENERATED ALWAYS AS (body ->> 'status') STORED
        CHECK (status IN ('Open', 'Paid', 'Expired', 'Cancelled', 'Refunding', 'Refunded')),
    ADD COLUMN amount numeric GENERATED ALWAYS AS ((body ->> 'amount')::numeric) STORED
        CHECK (amount > 0),
    ADD COLUMN currency text GENERATED ALWAYS AS (body ->> 'currency') STORED,
    ADD COLUMN amount_usd numeric GENERATED ALWAYS AS ((body ->> 'amount_usd')::numeric) STORED
        CHECK (amount_usd > 0),
    ADD COLUMN payment_id text GENERATED ALWAYS AS (body ->> 'payment_id') STORED,
    ADD COLUMN created_at timestamptz GENERATED ALWAYS AS (shop_time(body -> 'created_at')) STORED,
    ADD COLUMN expires_at timestamptz GENERATED ALWAYS AS (shop_time(body -> 'expires_at')) STORED,
    ADD COLUMN paid_at timestamptz GENERATED ALWAYS AS (shop_time(body -> 'paid_at')) STORED,
    ADD CONSTRAINT invoices_invoice_id_unique UNIQUE (invoice_id),
    ADD CONSTRAINT invoices_user FOREIGN KEY (user_id) REFERENCES users (user_id)
        DEFERRABLE INITIALLY DEFERRED,
    -- A paid invoice names the payment that settled it; an unpaid one none.
    ADD CONSTRAINT invoices_paid_by_a_payment CHECK (
        (status IN ('Paid', 'Refunding', 'Refunded')) = (payment_id IS NOT NULL));
-- One payment settles one invoice.
CREATE UNIQUE INDEX invoices_payment_idx ON invoices (provider, payment_id)
    WHERE payment_id IS NOT NULL;
CREATE INDEX invoices_queue_idx ON invoices (status, invoice_id);
CREATE INDEX invoices_by_user_idx ON invoices (user_id, invoice_id);

-- An invoice moves only forward: open → paid, expired or cancelled; expired or cancelled →
-- paid (a late payment, credited to the balance); paid → refunding → refunded, or back to
-- paid when the provider refused the refund. The shop writes a batch of transactions as
-- one statement, so a row may make several moves at once (open → refunding): the trigger
-- refuses what no sequence of moves reaches — back to open, out of refunded, and an unpaid
-- close to anything but paid.
CREATE FUNCTION shop_invoice_moves_forward() RETURNS trigger
    LANGUAGE plpgsql AS $$
DECLARE
    was text := OLD.body ->> 'status';
    now_ text := NEW.body ->> 'status';
BEGIN
    IF was IS DISTINCT FROM now_ AND (
        now_ = 'Open'
        OR was = 'Refunded'
        OR (was IN ('Expired', 'Cancelled') AND now_ <> 'Paid')
    ) THEN
        RAISE EXCEPTION 'invoice % can''t go from % to %', OLD.body ->> 'id', was, now_
            USING ERRCODE = 'check_violation';
    END IF;
    IF OLD.body ->> 'payment_id' IS NOT NULL
       AND NEW.body ->> 'payment_id' IS DISTINCT FROM OLD.body ->> 'payment_id' THEN
        RAISE EXCEPTION 'invoice % was settled by payment %; that is final',
            OLD.body ->> 'id', OLD.body ->> 'payment_id'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER invoices_move_forward BEFORE UPDATE ON invoices
    FOR EACH ROW EXECUTE FUNCTION shop_invoice_moves_forward();

-- Every provider payment settled, and what it did (paid an order, credited the balance,
-- or refused): never edited once written.
ALTER TABLE invoice_payments
    ADD COLUMN invoice_id bigint GENERATED ALWAYS AS ((body ->> 'invoice')::bigint) STORED,
    ADD COLUMN amount numeric GENERATED ALWAYS AS ((body ->> 'amount')::numeric) STORED,
    ADD COLUMN currency text GENERATED ALWAYS AS (body ->> 'currency') STORED,
    ADD COLUMN at timestamptz GENERATED ALWAYS AS (shop_time(body -> 'at')) STORED,
    ADD CONSTRAINT invoice_payments_invoice FOREIGN KEY (invoice_id)
        REFERENCES invoices (invoice_id) DEFERRABLE INITIALLY DEFERRED;
CREATE FUNCTION shop_payment_is_final() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.v IS DISTINCT FROM OLD.v THEN
        RAISE EXCEPTION 'a settled provider payment is final' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER invoice_payments_final BEFORE UPDATE ON invoice_payments
    FOR EACH ROW EXECUTE FUNCTION shop_payment_is_final();
