//! `shopcore` keeps the whole state of a digital-goods shop — users and roles, settings and
//! store modes, the audit log, and (as the project grows) catalog, wallets, orders, coupons
//! and currencies — in an embedded sled database. Every change is one atomic transaction
//! together with its audit entry, durable before the call returns.
//!
//! Frontends (the Telegram bot, the operator console) are thin layers over [`Shop`]; every
//! rule — permissions, validation, modes — is enforced here, so a frontend that forgets a
//! check can't break an invariant.
//!
//! ```
//! use shopcore::{Config, Registration, Role, Shop, UserId};
//!
//! # fn main() -> Result<(), shopcore::Error> {
//! let dir = tempfile::tempdir().unwrap();
//! let owner = UserId::new(1)?;
//! let shop = Shop::open(dir.path().join("shop.db"), Config::default().with_super_admins(vec![owner]))?;
//!
//! // A shopper shows up on Telegram.
//! let alice = shop.register_user(&Registration {
//!     id: UserId::new(42)?,
//!     username: Some("alice"),
//!     display_name: "Alice",
//!     language: Some("ar"),
//! })?;
//!
//! // The owner makes her support staff; the change is audited.
//! let admin = shop.actor(owner)?;
//! let alice = shop.set_role(&admin, alice.id, Role::Support)?;
//! assert_eq!(shop.find_user(&admin, "@ALICE")?.role, Role::Support);
//! assert!(shop.verify()?.is_healthy());
//! # Ok(())
//! # }
//! ```

/// The README's embedding example, compiled and run as a doctest so it stays true.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;

pub mod analytics;
pub mod audit;
pub mod backup;
pub mod broadcast;
pub mod catalog;
pub mod clock;
pub mod config;
pub mod coupons;
pub mod currency;
pub mod error;
pub mod ids;
pub mod money;
pub mod notifications;
pub mod orders;
pub mod payment_methods;
pub mod proofs;
mod requests;
pub mod retention;
pub mod roles;
pub mod sessions;
pub mod settings;
mod shop;
mod store;
pub mod supplier;
#[cfg(feature = "testkit")]
pub mod testkit;
pub mod text;
pub mod users;
pub mod verify;
pub mod wallet;

pub use analytics::{Dashboard, DashboardOptions};
pub use audit::{ActorRef, AuditAction, AuditCursor, AuditEntry, AuditPage, AuditQuery, Target};
pub use backup::{BackupSummary, ExportKind};
pub use broadcast::{Broadcast, BroadcastDelivery, BroadcastStatus};
pub use catalog::{
    CatalogError, Category, CategoryChange, Delivery, NewProduct, PlayerField, PlayerIdRule,
    Product, ProductChange, ProductFilter, ProductKind, Stock,
};
pub use clock::{Clock, ManualClock, SystemClock, Timestamp};
pub use config::{Config, Durability};
pub use coupons::{Coupon, CouponError, CouponKind, CouponScope, NewCoupon};
pub use currency::{Currency, CurrencyError};
pub use error::{Denied, Error, InvalidInput, ModeError, Result, StoreError, UserError};
pub use ids::{
    BroadcastId, CategoryId, CouponCode, CurrencyCode, LanguageCode, OrderId, PaymentMethodId,
    ProductId, RequestKey, TopupId, UserId, Username,
};
pub use money::{AmountError, Money};
pub use notifications::{Notification, NotificationKind};
pub use orders::{
    Fulfilment, Order, OrderError, OrderPage, OrderRequest, OrderStatus, Payment, PaymentChoice,
    Quote, SupplierRun,
};
pub use payment_methods::{
    MethodFilter, NewPaymentMethod, PaymentMethod, PaymentMethodChange, PaymentMethodError,
};
pub use proofs::ProofUse;
pub use roles::{Permission, Role};
pub use settings::{FulfilmentMode, Settings, StoreState};
pub use shop::{Actor, Shop};
pub use store::SCHEMA_VERSION;
pub use supplier::{Behaviour, ScriptedSupplier, Supplier, SupplierOrder, SupplierResult};
pub use users::{Registration, User, UserFilter, UserPage};
pub use verify::VerifyReport;
pub use wallet::{
    LedgerEntry, LedgerKind, LedgerPage, LedgerRef, Proof, Topup, TopupRequest, TopupStatus,
    Wallet, WalletError,
};

impl Shop {
    /// Reads the audit log, newest first (`view_audit_logs`).
    pub fn audit_log(&self, actor: &Actor, query: &AuditQuery) -> Result<AuditPage> {
        self.transact(|tx| shop::require(tx, actor, Permission::ViewAuditLogs).map(|_| ()))?;
        audit::query(&self.store, query)
    }
}
