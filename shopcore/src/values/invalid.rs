//! The two refusals that need nothing but values to state: input that breaks a rule
//! ([`InvalidInput`]) and an actor who may not act ([`Denied`]). Both are variants of
//! [`crate::Error`] and are re-exported from [`crate::error`].

use crate::ids::UserId;
use crate::roles::{Permission, Role};

/// Input that breaks a rule; nothing was changed. Texts quoted back (`text`) are cut to a
/// few dozen characters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidInput {
    /// A required text is empty once trimmed.
    #[error("the {field} is empty")]
    EmptyText {
        /// Which text ("display name", "reason").
        field: &'static str,
    },
    /// A text is longer than its field allows (or a session value larger than its limit,
    /// counted in bytes).
    #[error("the {field} is {chars} characters long; the limit is {chars_max}")]
    TextTooLong {
        /// Which text.
        field: &'static str,
        /// Its length, in characters after trimming.
        chars: usize,
        /// The field's limit.
        chars_max: usize,
    },
    /// A text holds a character its field forbids (a control character, a line break in a
    /// single-line field, a Unicode direction override).
    #[error("the {field} contains a forbidden character (U+{code_point:04X})")]
    ForbiddenCharacter {
        /// Which text.
        field: &'static str,
        /// The first forbidden character's code point.
        code_point: u32,
    },
    /// Not a positive whole number, where an id (product, order, …) was expected.
    #[error("{text:?} is not a valid {what} (a positive whole number)")]
    BadId {
        /// Which kind of id ("order id").
        what: &'static str,
        /// The text given.
        text: String,
    },
    /// Not a valid user id: 1 to [`UserId::MAX`].
    #[error("{text:?} is not a valid user id (a positive whole number)")]
    BadUserId {
        /// The text given.
        text: String,
    },
    /// Not a valid `@username` (see [`crate::Username::parse`]).
    #[error("{text:?} is not a valid username: {why}")]
    BadUsername {
        /// The text given.
        text: String,
        /// Which rule it breaks.
        why: &'static str,
    },
    /// Not a language tag (see [`crate::LanguageCode::parse`]).
    #[error("{text:?} is not a valid language code (like \"en\" or \"ar\")")]
    BadLanguageCode {
        /// The text given.
        text: String,
    },
    /// Not three letters (see [`crate::CurrencyCode::parse`]). Whether the shop knows the
    /// currency is [`crate::CurrencyError::Unknown`].
    #[error("{text:?} is not a valid currency code (three letters, like \"USD\")")]
    BadCurrencyCode {
        /// The text given.
        text: String,
    },
    /// Not a valid request key (see [`crate::RequestKey::new`]).
    #[error("{text:?} is not a valid request key (1 to 100 printable ASCII characters)")]
    BadRequestKey {
        /// The text given.
        text: String,
    },
    /// The actor used this request key before for a different request (another payload, or
    /// another kind of call); nothing was done. A client retrying must send the same
    /// request with the same key; a new request needs a new key.
    #[error("request key {key:?} was already used for a different request")]
    RequestKeyReused {
        /// The key.
        key: String,
    },
    /// Not a valid coupon code (see [`crate::CouponCode::parse`]).
    #[error("{text:?} is not a valid coupon code (3 to 32 letters, digits, - or _)")]
    BadCouponCode {
        /// The text given.
        text: String,
    },
    /// A page size (or a dashboard's series length or best-seller count) outside
    /// `1..=limit_max`.
    #[error("page size {limit} is out of range 1..={limit_max}")]
    BadPageSize {
        /// The size asked for.
        limit: usize,
        /// The largest size allowed.
        limit_max: usize,
    },
    /// A name that is not one of the known ones (a product type, an audit action, a page
    /// token, a consumer or session scope, a broadcast id, a UTC offset out of range).
    #[error("{text:?} is not a known {what}")]
    UnknownName {
        /// What was expected.
        what: &'static str,
        /// The text given.
        text: String,
    },
    /// The change asked for is already the state of things (the product already has that
    /// price, the shop is already in maintenance).
    #[error("nothing to change: {what}")]
    Unchanged {
        /// What is already so.
        what: String,
    },
    /// An amount breaks its rules (a top-up amount, an adjustment, a minimum order).
    #[error("{what}: {source}")]
    Amount {
        /// Which amount ("top-up amount").
        what: &'static str,
        /// The rule it breaks.
        source: crate::money::AmountError,
    },
}

impl InvalidInput {
    /// A stable, machine-readable name for the error (`"invalid.empty_text"`); see
    /// [`crate::Error::kind`].
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
    /// The actor's role lacks the permission the call needs.
    #[error("a {role} may not {permission}")]
    MissingPermission {
        /// The actor's current role.
        role: Role,
        /// The permission needed.
        permission: Permission,
    },
    /// The actor's user is not registered.
    #[error("user {user} is not registered with the shop")]
    UnknownActor {
        /// The actor's user id.
        user: UserId,
    },
    /// The actor's user is banned (or, for a registration, the user registering is).
    #[error("user {user} is banned")]
    ActorBanned {
        /// The banned user.
        user: UserId,
    },
    /// The actor does not outrank the user they act on (super admins may manage each other).
    #[error("a {actor_role} can't manage a {target_role}")]
    CannotManage {
        /// The actor's role.
        actor_role: Role,
        /// The target user's role.
        target_role: Role,
    },
    /// The actor may not hand out this role (only roles below one's own, except for super
    /// admins).
    #[error("a {actor_role} can't grant the role {role}")]
    CannotGrant {
        /// The actor's role.
        actor_role: Role,
        /// The role they tried to grant.
        role: Role,
    },
    /// Nobody decides on their own account or money: banning oneself, changing one's own
    /// role, adjusting one's own balance, reviewing one's own top-up (or one filed for
    /// someone else), confirming, completing or failing one's own order.
    #[error("you can't {what} yourself")]
    SelfAction {
        /// What was attempted ("adjust the balance of").
        what: &'static str,
    },
    /// A system actor ([`crate::Shop::system_actor`]) can't do what only a registered user
    /// can (order, top up, set their preferences).
    #[error("only a registered user can do this, not a system identity")]
    NotAUser,
}

impl Denied {
    /// A stable, machine-readable name for the error (`"denied.missing_permission"`); see
    /// [`crate::Error::kind`].
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
