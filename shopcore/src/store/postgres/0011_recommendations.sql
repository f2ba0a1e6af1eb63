-- Schema version 11 of a shop in PostgreSQL: the recommendations' roll-ups. Co-purchase
-- counts (store table `co_purchases`, tag 68), their ranking (`co_purchase_rank`, 69) and
-- each shopper's basket of recent different purchases (`purchase_baskets`, 70).
CREATE TABLE "co_purchases" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
CREATE TABLE "co_purchase_rank" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
CREATE TABLE "purchase_baskets" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
