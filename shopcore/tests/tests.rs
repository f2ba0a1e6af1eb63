//! shopcore's integration tests: one binary, one module per area.

mod common;

mod analytics;
mod audit_log;
mod broadcasts;
mod calls;
mod catalog;
mod corruption;
mod currencies;
mod disk_full;
mod durability;
mod hostile;
mod invoices;
mod leases;
mod modes;
mod money_edges;
mod order_races;
mod orders;
mod panel;
mod payment_methods;
mod postgres;
mod quantities;
mod recommendations;
mod referrals;
mod shop_model;
mod startup_check;
mod storage;
mod tampering;
mod tidy;
mod users_and_roles;
mod wallet;
mod wallet_model;
