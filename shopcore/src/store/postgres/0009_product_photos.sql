-- Schema version 9 of a shop in PostgreSQL: each product's photo (store table
-- `product_photos`, tag 64): the frontend's reference to the picture, never its bytes.
CREATE TABLE "product_photos" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
