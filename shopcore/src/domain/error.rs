//! The shop's errors. One enum per family of failure, gathered in [`Error`], which every
//! public operation returns. Each variant carries what a person needs to understand it;
//! frontends map them to localized text in one place (see `Error::kind`).
//!
//! Peers: catalog, coupons, currency, invoices, orders, panel, payment_methods, referrals, wallet.

use crate::ids::UserId;
use crate::roles::Role;
pub use crate::store::StoreError;
pub use crate::values::invalid::{Denied, InvalidInput};

/// Everything a shop operation can fail with, by family.
///
/// A refused call changed nothing, except that a refused *privileged* call (one that needs a
/// staff permission) is recorded in the audit log as denied or failed. Only
/// [`Error::Store`] means something went wrong underneath; every other variant is the shop
/// saying no, with a reason a person can be shown. Its `Display` is an English sentence;
/// [`Error::kind`] is a stable name to look a translation up by.
///
/// ```
/// use shopcore::{Config, Error, InvalidInput, Shop, UserId};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let dir = tempfile::tempdir()?;
/// let owner = UserId::new(1)?;
/// let shop = Shop::open(dir.path().join("shop.db"), Config::default().with_super_admins(vec![owner]))?;
/// let err = shop.create_category(&shop.actor(owner)?, "   ", 0).unwrap_err();
/// assert!(matches!(err, Error::Invalid(InvalidInput::EmptyText { field: "category name" })));
/// assert_eq!(err.kind(), "invalid.empty_text");
/// assert_eq!(err.to_string(), "the category name is empty");
/// # Ok(())
/// # }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input breaks a rule (text, ids, amounts, page sizes, request keys).
    #[error(transparent)]
    Invalid(#[from] InvalidInput),
    /// The actor may not do this (a permission, a rank, a ban, their own money).
    #[error(transparent)]
    Denied(#[from] Denied),
    /// The store's state (maintenance, emergency) refuses it.
    #[error(transparent)]
    Mode(#[from] ModeError),
    /// About a user: not found, already banned, the last super admin, …
    #[error(transparent)]
    User(#[from] UserError),
    /// About a currency: unknown, disabled, a bad rate, …
    #[error(transparent)]
    Currency(#[from] crate::currency::CurrencyError),
    /// About the catalog: a missing product or category, a bad price, codes, …
    #[error(transparent)]
    Catalog(#[from] crate::catalog::CatalogError),
    /// About a payment method: missing, deleted, inactive, in use, bad limits.
    #[error(transparent)]
    PaymentMethod(#[from] crate::payment_methods::PaymentMethodError),
    /// About money: an insufficient balance, a top-up already decided, a reused proof, …
    #[error(transparent)]
    Wallet(#[from] crate::wallet::WalletError),
    /// About a coupon: unknown, expired, used up, not applicable, …
    #[error(transparent)]
    Coupon(#[from] crate::coupons::CouponError),
    /// About an order: out of stock, another open order, a transition the state machine
    /// forbids, …
    #[error(transparent)]
    Order(#[from] crate::orders::OrderError),
    /// About a backup file or a restore.
    #[error(transparent)]
    Backup(#[from] crate::store::backup::BackupError),
    /// Signing in to the web panel, or a panel session, was refused.
    #[error(transparent)]
    Panel(#[from] crate::panel::PanelError),
    /// About an invoice of a payment provider, or a payment reported for one.
    #[error(transparent)]
    Invoice(#[from] crate::invoices::InvoiceError),
    /// A referral the shop refuses.
    #[error(transparent)]
    Referral(#[from] crate::referrals::ReferralError),
    /// The database could not be opened, read or written, or holds a corrupt record.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Error {
    /// A stable, machine-readable name for the error ("denied.missing_permission"), for
    /// JSON output, metrics and locale keys.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Invalid(e) => e.kind(),
            Error::Denied(e) => e.kind(),
            Error::Mode(ModeError::Emergency) => "mode.emergency",
            Error::Mode(ModeError::Maintenance) => "mode.maintenance",
            Error::User(e) => e.kind(),
            Error::Currency(e) => e.kind(),
            Error::Catalog(e) => e.kind(),
            Error::PaymentMethod(e) => e.kind(),
            Error::Wallet(e) => e.kind(),
            Error::Coupon(e) => e.kind(),
            Error::Order(e) => e.kind(),
            Error::Backup(e) => e.kind(),
            Error::Panel(e) => e.kind(),
            Error::Invoice(e) => e.kind(),
            Error::Referral(e) => e.kind(),
            Error::Store(e) => e.kind(),
        }
    }
}

impl From<crate::store::backup::BackupFailure> for Error {
    fn from(failure: crate::store::backup::BackupFailure) -> Error {
        match failure {
            crate::store::backup::BackupFailure::Store(e) => Error::Store(e),
            crate::store::backup::BackupFailure::Backup(e) => Error::Backup(e),
        }
    }
}

/// The store's state refuses the operation (see [`crate::StoreState`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ModeError {
    /// The shop is in [`crate::StoreState::Emergency`]: every change is refused except
    /// lifting it.
    #[error("the shop is in emergency mode: everything is stopped until staff lift it")]
    Emergency,
    /// The shop is in [`crate::StoreState::Maintenance`]: new orders are refused.
    #[error("the shop is in maintenance mode: new orders are not accepted right now")]
    Maintenance,
}

/// Failures about users themselves.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UserError {
    /// No registered user has this id or `@username`.
    #[error("no user matches {query:?}")]
    NotFound {
        /// The id or username looked for.
        query: String,
    },
    /// Banning a user who is already banned.
    #[error("user {user} is already banned")]
    AlreadyBanned {
        /// The user.
        user: UserId,
    },
    /// Unbanning a user who is not banned.
    #[error("user {user} is not banned")]
    NotBanned {
        /// The user.
        user: UserId,
    },
    /// Giving a user the role they already have.
    #[error("user {user} already has the role {role}")]
    RoleUnchanged {
        /// The user.
        user: UserId,
        /// Their role.
        role: Role,
    },
    /// Banning or demoting the last active (unbanned) super admin, which would leave the
    /// shop without one.
    #[error("user {user} is the last super admin; promote another first")]
    LastSuperAdmin {
        /// The last super admin.
        user: UserId,
    },
}

impl UserError {
    /// A stable, machine-readable name for the error (`"user.not_found"`); see
    /// [`Error::kind`].
    pub fn kind(&self) -> &'static str {
        match self {
            UserError::NotFound { .. } => "user.not_found",
            UserError::AlreadyBanned { .. } => "user.already_banned",
            UserError::NotBanned { .. } => "user.not_banned",
            UserError::RoleUnchanged { .. } => "user.role_unchanged",
            UserError::LastSuperAdmin { .. } => "user.last_super_admin",
        }
    }
}

/// The result of every shop operation: [`Error`] unless said otherwise.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Page sizes run from 1 to `limit_max`.
pub(crate) fn check_page_size(limit: usize, limit_max: usize) -> Result<(), InvalidInput> {
    if limit == 0 || limit > limit_max {
        return Err(InvalidInput::BadPageSize { limit, limit_max });
    }
    Ok(())
}
