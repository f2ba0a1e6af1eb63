-- Schema version 10 of a shop in PostgreSQL: referrals. The program (store table
-- `referral_program`, tag 65), each attributed shopper's referral (`referrals`, 66) and each
-- referrer's counts (`referrers`, 67).
CREATE TABLE "referral_program" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
CREATE TABLE "referrals" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
CREATE TABLE "referrers" (k bytea PRIMARY KEY, v bytea NOT NULL, body jsonb);
