//! The shop's errors. One enum per family of failure, gathered in [`Error`], which every
//! public operation returns. Each variant carries what a person needs to understand it;
//! frontends map them to localized text in one place (see `Error::kind`).

use crate::ids::UserId;
use crate::roles::{Permission, Role};
pub use crate::store::StoreError;

/// Everything a shop operation can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error(transparent)]
    Invalid(#[from] InvalidInput),
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error(transparent)]
    Mode(#[from] ModeError),
    #[error(transparent)]
    User(#[from] UserError),
    #[error(transparent)]
    Currency(#[from] crate::currency::CurrencyError),
    #[error(transparent)]
    Catalog(#[from] crate::catalog::CatalogError),
    #[error(transparent)]
    PaymentMethod(#[from] crate::payment_methods::PaymentMethodError),
    #[error(transparent)]
    Wallet(#[from] crate::wallet::WalletError),
    #[error(transparent)]
    Coupon(#[from] crate::coupons::CouponError),
    #[error(transparent)]
    Order(#[from] crate::orders::OrderError),
    #[error(transparent)]
    Backup(#[from] crate::store::backup::BackupError),
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
            Error::Store(e) => e.kind(),
        }
    }
}

/// Input that breaks a rule; nothing was changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidInput {
    #[error("the {field} is empty")]
    EmptyText { field: &'static str },
    #[error("the {field} is {chars} characters long; the limit is {chars_max}")]
    TextTooLong {
        field: &'static str,
        chars: usize,
        chars_max: usize,
    },
    #[error("the {field} contains a forbidden character (U+{code_point:04X})")]
    ForbiddenCharacter {
        field: &'static str,
        code_point: u32,
    },
    #[error("{text:?} is not a valid {what} (a positive whole number)")]
    BadId { what: &'static str, text: String },
    #[error("{text:?} is not a valid user id (a positive whole number)")]
    BadUserId { text: String },
    #[error("{text:?} is not a valid username: {why}")]
    BadUsername { text: String, why: &'static str },
    #[error("{text:?} is not a valid language code (like \"en\" or \"ar\")")]
    BadLanguageCode { text: String },
    #[error("{text:?} is not a valid currency code (three letters, like \"USD\")")]
    BadCurrencyCode { text: String },
    #[error("{text:?} is not a valid request key (1 to 100 printable ASCII characters)")]
    BadRequestKey { text: String },
    #[error("request key {key:?} was already used for a different request")]
    RequestKeyReused { key: String },
    #[error("{text:?} is not a valid coupon code (3 to 32 letters, digits, - or _)")]
    BadCouponCode { text: String },
    #[error("page size {limit} is out of range 1..={limit_max}")]
    BadPageSize { limit: usize, limit_max: usize },
    #[error("{text:?} is not a known {what}")]
    UnknownName { what: &'static str, text: String },
    #[error("nothing to change: {what}")]
    Unchanged { what: String },
    #[error("{what}: {source}")]
    Amount {
        what: &'static str,
        source: crate::money::AmountError,
    },
}

impl InvalidInput {
    pub fn kind(&self) -> &'static str {
        match self {
            InvalidInput::EmptyText { .. } => "invalid.empty_text",
            InvalidInput::TextTooLong { .. } => "invalid.text_too_long",
            InvalidInput::ForbiddenCharacter { .. } => "invalid.forbidden_character",
            InvalidInput::BadId { .. } => "invalid.id",
            InvalidInput::BadUserId { .. } => "invalid.user_id",
            InvalidInput::BadUsername { .. } => "invalid.username",
            InvalidInput::BadLanguageCode { .. } => "invalid.language_code",
            InvalidInput::BadCurrencyCode { .. } => "invalid.currency_code",
            InvalidInput::BadPageSize { .. } => "invalid.page_size",
            InvalidInput::BadCouponCode { .. } => "invalid.coupon_code",
            InvalidInput::BadRequestKey { .. } => "invalid.request_key",
            InvalidInput::RequestKeyReused { .. } => "invalid.request_key_reused",
            InvalidInput::UnknownName { .. } => "invalid.unknown_name",
            InvalidInput::Unchanged { .. } => "invalid.unchanged",
            InvalidInput::Amount { source, .. } => source.kind(),
        }
    }
}

/// The actor may not do this. Denied attempts at privileged actions are audited.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Denied {
    #[error("a {role} may not {permission}")]
    MissingPermission { role: Role, permission: Permission },
    #[error("user {user} is not registered with the shop")]
    UnknownActor { user: UserId },
    #[error("user {user} is banned")]
    ActorBanned { user: UserId },
    #[error("a {actor_role} can't manage a {target_role}")]
    CannotManage { actor_role: Role, target_role: Role },
    #[error("a {actor_role} can't grant the role {role}")]
    CannotGrant { actor_role: Role, role: Role },
    #[error("you can't {what} yourself")]
    SelfAction { what: &'static str },
    #[error("only a registered user can do this, not a system identity")]
    NotAUser,
}

impl Denied {
    pub fn kind(&self) -> &'static str {
        match self {
            Denied::MissingPermission { .. } => "denied.missing_permission",
            Denied::UnknownActor { .. } => "denied.unknown_actor",
            Denied::ActorBanned { .. } => "denied.banned",
            Denied::CannotManage { .. } => "denied.cannot_manage",
            Denied::CannotGrant { .. } => "denied.cannot_grant",
            Denied::SelfAction { .. } => "denied.self_action",
            Denied::NotAUser => "denied.not_a_user",
        }
    }
}

/// The store's state refuses the operation (see `StoreState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ModeError {
    #[error("the shop is in emergency mode: everything is stopped until staff lift it")]
    Emergency,
    #[error("the shop is in maintenance mode: new orders are not accepted right now")]
    Maintenance,
}

/// Failures about users themselves.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UserError {
    #[error("no user matches {query:?}")]
    NotFound { query: String },
    #[error("user {user} is already banned")]
    AlreadyBanned { user: UserId },
    #[error("user {user} is not banned")]
    NotBanned { user: UserId },
    #[error("user {user} already has the role {role}")]
    RoleUnchanged { user: UserId, role: Role },
    #[error("user {user} is the last super admin; promote another first")]
    LastSuperAdmin { user: UserId },
}

impl UserError {
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

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Page sizes run from 1 to `limit_max`.
pub(crate) fn check_page_size(limit: usize, limit_max: usize) -> Result<(), InvalidInput> {
    if limit == 0 || limit > limit_max {
        return Err(InvalidInput::BadPageSize { limit, limit_max });
    }
    Ok(())
}
