//! `shopcore` keeps the whole state of a digital-goods shop (game top-ups, gift cards,
//! subscriptions sold through a chat) in an embedded [sled](https://docs.rs/sled/0.34.7)
//! database: users and roles, the catalog and its code pools, payment methods and currencies,
//! wallets and their ledger, orders, coupons, settings and a hash-chained audit log. Every
//! change is one atomic transaction together with its audit entry, and is on disk before the
//! call returns.
//!
//! Frontends — a Telegram bot, an operator console, your own bot — are thin layers over one
//! type, [`Shop`]. Every rule (permissions, validation, store modes, "nobody decides on their
//! own money") is enforced inside the shop's transactions, so a frontend that forgets a check
//! can't break an invariant. `shopcore` knows nothing of Telegram, HTTP or async runtimes.
//!
#![doc = include_str!("guide.md")]
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

/// This crate's own README (its page on crates.io), run as a doctest too.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct CrateReadmeDoctests;

// The layers, bottom up: `values` (no I/O), `store` (records, keys, the writer, sled),
// `domain` (the rules), and on top the `Shop` facade and `verify`. The modules keep their
// paths at the crate root (`shopcore::orders`, `crate::money`), re-exported from their
// layer's folder.
mod calls;
mod domain;
mod shop;
mod store;
#[cfg(feature = "testkit")]
#[cfg_attr(docsrs, doc(cfg(feature = "testkit")))]
pub mod testkit;
mod values;
pub mod verify;

use domain::requests;
pub use domain::{
    analytics, audit, backup, broadcast, catalog, coupons, currency, error, invoices, leases,
    notifications, orders, panel, payment_methods, proofs, recommendations, referrals, retention,
    search, sessions, settings, settlement, supplier, users, wallet,
};
pub use values::{clock, config, ids, money, roles, text};

pub use analytics::{Dashboard, DashboardOptions};
pub use audit::{ActorRef, AuditAction, AuditCursor, AuditEntry, AuditPage, AuditQuery, Target};
pub use backup::{BackupError, BackupSummary, CopySummary, ExportKind};
pub use broadcast::{Broadcast, BroadcastDelivery, BroadcastStatus};
pub use calls::Call;
pub use catalog::{
    CatalogError, Category, CategoryChange, Delivery, NewProduct, PlayerField, PlayerIdRule,
    Product, ProductChange, ProductFilter, ProductKind, ProductPhoto, Stock,
};
pub use clock::{Clock, ManualClock, SystemClock, Timestamp, Zone};
pub use config::{Config, Durability, Location, MigrationProgress, MigrationProgressFn};
pub use coupons::{Coupon, CouponError, CouponKind, CouponScope, NewCoupon};
pub use currency::{Currency, CurrencyError};
pub use error::{Denied, Error, InvalidInput, ModeError, Result, StoreError, UserError};
pub use ids::{
    BroadcastId, CategoryId, CouponCode, CurrencyCode, InvoiceId, LanguageCode, OrderId,
    PaymentMethodId, ProductId, RequestKey, TopupId, UserId, Username,
};
pub use invoices::{
    Invoice, InvoiceError, InvoicePurpose, InvoiceStatus, PaymentEffect, Provider, ProviderPayment,
    Settled, Settlement,
};
pub use leases::Lease;
pub use money::{AmountError, Money};
pub use notifications::{InvoiceProblem, Notification, NotificationKind};
pub use orders::{
    Fulfilment, Order, OrderError, OrderPage, OrderRequest, OrderStatus, Payment, PaymentChoice,
    Quote, SupplierRun,
};
pub use panel::{NewPanelSession, PanelError, PanelLink, PanelSession, PanelSessionInfo};
pub use payment_methods::{
    MethodFilter, NewPaymentMethod, PaymentMethod, PaymentMethodChange, PaymentMethodError,
};
pub use proofs::ProofUse;
pub use referrals::{Referral, ReferralError, ReferrerStats};
pub use roles::{Permission, Role};
/// The decimal type of [`Money::from_decimal`], percentage coupons and the dashboard's
/// rates, re-exported so an embedder needs no `rust_decimal` dependency of its own.
pub use rust_decimal::Decimal;
pub use settings::{FulfilmentMode, Settings, StoreState};
pub use settlement::RefundOutcome;
pub use shop::{Actor, Shop};
pub use store::SCHEMA_VERSION;
#[doc(hidden)]
pub use store::StoreCounters;
pub use supplier::{Behaviour, ScriptedSupplier, Supplier, SupplierOrder, SupplierResult};
pub use users::{Registration, User, UserFilter, UserPage};
pub use verify::{CheckLevel, STARTUP_SAMPLES, StartupCheck, VerifyReport};
pub use wallet::{
    LedgerEntry, LedgerKind, LedgerPage, LedgerRef, Proof, Topup, TopupRequest, TopupStatus,
    Wallet, WalletError,
};

impl Shop {
    /// Reads the audit log, newest first, filtered and a page at a time
    /// (`view_audit_logs`); see [`AuditQuery`]. Reading is not audited. Fails with
    /// [`InvalidInput::BadPageSize`] unless `query.limit` is 1 to
    /// [`audit::PAGE_LIMIT_MAX`].
    pub fn audit_log(&self, actor: &Actor, query: &AuditQuery) -> Result<AuditPage> {
        self.transact(|tx| shop::require(tx, actor, Permission::ViewAuditLogs).map(|_| ()))?;
        audit::query(&self.store, self.now(), query)
    }

    /// Writes the audit log's index keys (by actor, action and time) for the entries
    /// appended since the last call, a bounded batch per transaction, and returns how many
    /// it indexed. Appending an entry does not write them (they would cost every order six
    /// writes): queries and retention bring the indexes up to date before they read them,
    /// and a frontend calls this now and then (the bot every few seconds) so that they
    /// rarely have much to do. Needs no permission: it changes no state anyone sees.
    pub fn index_audit_log(&self) -> Result<u64> {
        Ok(audit::index_all(&self.store, self.now())?)
    }
}
