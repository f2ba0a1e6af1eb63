-- Schema version 12 of a shop in PostgreSQL: an order buys a quantity. Each product's limit
-- of units per order when staff raised it above 1 (store table `order_limits`, tag 71), and
-- the orders' quantity as a column (an order written before has none in its body: 1).
CREATE TABLE "order_limits" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
ALTER TABLE orders
    ADD COLUMN quantity integer GENERATED ALWAYS AS (COALESCE((body ->> 'quantity')::integer, 1)) STORED
        CONSTRAINT orders_quantity_positive CHECK (quantity >= 1);
CREATE OR REPLACE VIEW report_orders AS
SELECT order_id, user_id, product_id, product_name, status, price_usd, discount_usd,
       total_usd, currency, price_local, coupon, payment, created_at, updated_at, quantity
FROM orders;
