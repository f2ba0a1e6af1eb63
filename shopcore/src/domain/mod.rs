//! The domain layer: the shop's rules, each module over `values/` and `store/` and the few
//! peers its `//!` doc names in a `Peers:` line (a test holds every module to its list:
//! `tests/tidy.rs`). Each module declares the kinds of record it keeps (`record!`), its
//! rules as functions over a transaction (`Tx`), and the operations of the facade that
//! belong to it (an `impl Shop` block using the facade's plumbing: `transact`, `audited`,
//! `validated`, `require`).

pub mod analytics;
pub mod audit;
pub mod backup;
pub mod broadcast;
pub mod catalog;
pub mod coupons;
pub mod currency;
pub mod error;
pub mod invoices;
pub mod leases;
pub(crate) mod migrations;
pub mod notifications;
pub mod orders;
pub mod panel;
pub mod payment_methods;
pub mod proofs;
pub mod recommendations;
pub mod referrals;
pub(crate) mod requests;
pub mod retention;
pub mod search;
pub mod sessions;
pub mod settings;
pub mod settlement;
pub mod supplier;
pub mod users;
pub mod wallet;
