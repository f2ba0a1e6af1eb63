-- Schema version 7 of a shop in PostgreSQL: the search index of product names (store table
-- `search_terms`, tag 62): a normalized word prefix · a product id.
CREATE TABLE "search_terms" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
