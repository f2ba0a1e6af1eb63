//! The audit log: an append-only, hash-chained record of every administrative action,
//! financial operation, permission change and denied attempt. Entries are written in the
//! same transaction as the change they record; each carries the SHA-256 of the previous
//! entry, so editing, removing or reordering entries is detected by `Shop::verify`.
//!
//! Peers: none.

use crate::clock::Timestamp;
use crate::error::InvalidInput;
use crate::ids::{
    BroadcastId, CategoryId, CouponCode, CurrencyCode, InvoiceId, OrderId, PaymentMethodId,
    ProductId, TopupId, UserId,
};
use crate::store::log::{self, Lane};
use crate::store::postings::{self, block_of};
use crate::store::{Column, Counter, KeyPart, Span, StoreError, Table, Tx, take_array};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::fmt;
use std::ops::Bound;

/// Who did something, as recorded: a stored user, or a named trusted system identity (the
/// operator console, start-up bootstrap).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ActorRef {
    /// A registered user, staff or shopper.
    User(UserId),
    /// A trusted system identity, by name: one made by [`crate::Shop::system_actor`]
    /// (`"console"`), or the shop's own `bootstrap`, `expiry`, `auto-fulfilment`,
    /// `supplier` and `reconciliation`.
    System(String),
}

/// As a key: `1` and the user id, or `2` and the system name ended by NUL (system names
/// never contain NUL: they pass the text rules).
impl KeyPart for ActorRef {
    const COLUMN: Column = Column::Actor;
    fn put(&self, out: &mut Vec<u8>, _last: bool) {
        match self {
            ActorRef::User(id) => {
                out.push(1);
                id.put(out, false);
            }
            ActorRef::System(name) => {
                out.push(2);
                out.extend_from_slice(name.as_bytes());
                out.push(0);
            }
        }
    }
    fn take(input: &mut &[u8], _last: bool) -> Option<ActorRef> {
        match take_array::<1>(input)? {
            [1] => UserId::take(input, false).map(ActorRef::User),
            [2] => String::take(input, false).map(ActorRef::System),
            _ => None,
        }
    }
}

impl fmt::Display for ActorRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ActorRef::User(id) => write!(f, "user {id}"),
            ActorRef::System(name) => write!(f, "system:{name}"),
        }
    }
}

macro_rules! audit_actions {
    ($($(#[$doc:meta])* $variant:ident = $code:literal => $name:literal,)*) => {
        /// What an audit entry records. Refused attempts are recorded under the action they
        /// attempted, with a denied or failed [`Outcome`]. Codes are stored on disk: never
        /// reuse or renumber one.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[non_exhaustive]
        pub enum AuditAction { $($(#[$doc])* $variant,)* }

        impl AuditAction {
            /// Every action, in code order.
            pub const ALL: &'static [AuditAction] = &[$(AuditAction::$variant,)*];

            /// The action's name in the seed's style (`CREATE_PRODUCT`).
            pub fn name(self) -> &'static str {
                match self { $(AuditAction::$variant => $name,)* }
            }

            fn code(self) -> u16 {
                match self { $(AuditAction::$variant => $code,)* }
            }

            fn from_code(code: u16) -> Option<AuditAction> {
                match code { $($code => Some(AuditAction::$variant),)* _ => None }
            }

            /// Parses a name (`"approve_deposit"`), case-insensitively; fails with
            /// [`InvalidInput::UnknownName`] otherwise.
            pub fn parse(text: &str) -> Result<AuditAction, InvalidInput> {
                let upper = text.trim().to_ascii_uppercase();
                AuditAction::ALL
                    .iter()
                    .copied()
                    .find(|a| a.name() == upper)
                    .ok_or_else(|| InvalidInput::UnknownName {
                        what: "audit action",
                        text: text.chars().take(40).collect(),
                    })
            }
        }
    };
}

audit_actions! {
    /// A person registered ([`crate::Shop::register_user`], first time); actor and target are
    /// the new user.
    RegisterUser = 1 => "REGISTER_USER",
    /// A registration changed a user's username or display name, or took a username from
    /// another user who held it (then the target is that user).
    UpdateUserProfile = 2 => "UPDATE_USER_PROFILE",
    /// A user was banned ([`crate::Shop::ban_user`]); the reason is a detail.
    BanUser = 3 => "BAN_USER",
    /// A ban was lifted ([`crate::Shop::unban_user`]).
    UnbanUser = 4 => "UNBAN_USER",
    /// A user's role changed ([`crate::Shop::set_role`]), before and after.
    ChangeRole = 5 => "CHANGE_ROLE",
    /// A configured super admin was (re)instated at open ([`crate::Config::super_admins`]), by
    /// the `bootstrap` system actor.
    BootstrapSuperAdmin = 6 => "BOOTSTRAP_SUPER_ADMIN",
    /// The store state changed ([`crate::Shop::set_store_state`]).
    SetStoreState = 7 => "SET_STORE_STATE",
    /// The fulfilment mode changed ([`crate::Shop::set_fulfilment_mode`]).
    SetFulfilmentMode = 8 => "SET_FULFILMENT_MODE",
    /// Another setting changed: the support contact or the UTC offset.
    UpdateSettings = 9 => "UPDATE_SETTINGS",
    /// Reserved for reading the audit log. This version does not write it: reads of the log are
    /// not audited.
    ViewAuditLogs = 10 => "VIEW_AUDIT_LOGS",
    /// A currency was added ([`crate::Shop::add_currency`]).
    AddCurrency = 11 => "ADD_CURRENCY",
    /// A currency's rate changed ([`crate::Shop::set_exchange_rate`]), old and new.
    SetExchangeRate = 12 => "SET_EXCHANGE_RATE",
    /// A currency was enabled or disabled ([`crate::Shop::set_currency_enabled`]).
    UpdateCurrency = 13 => "UPDATE_CURRENCY",
    /// A product was created ([`crate::Shop::create_product`]).
    CreateProduct = 20 => "CREATE_PRODUCT",
    /// One field of a product changed ([`crate::Shop::update_product`]), other than its active
    /// flag.
    UpdateProduct = 21 => "UPDATE_PRODUCT",
    /// A product was deleted: removed, or archived when it has orders
    /// ([`crate::Shop::delete_product`]).
    DeleteProduct = 22 => "DELETE_PRODUCT",
    /// A product was put on sale ([`crate::ProductChange::Active`]`(true)`).
    ActivateProduct = 23 => "ACTIVATE_PRODUCT",
    /// A product was taken off sale ([`crate::ProductChange::Active`]`(false)`).
    DeactivateProduct = 24 => "DEACTIVATE_PRODUCT",
    /// Codes were added to a product's pool ([`crate::Shop::add_codes`]); counts only, never
    /// the codes.
    AddCodes = 25 => "ADD_CODES",
    /// Codes were revoked ([`crate::Shop::revoke_codes`], [`crate::Shop::revoke_all_codes`]);
    /// counts only.
    RevokeCodes = 26 => "REVOKE_CODES",
    /// A category was created ([`crate::Shop::create_category`]).
    CreateCategory = 27 => "CREATE_CATEGORY",
    /// A category changed ([`crate::Shop::update_category`]).
    UpdateCategory = 28 => "UPDATE_CATEGORY",
    /// An empty category was deleted ([`crate::Shop::delete_category`]).
    DeleteCategory = 29 => "DELETE_CATEGORY",
    /// A payment method was created ([`crate::Shop::create_payment_method`]).
    CreatePaymentMethod = 30 => "CREATE_PAYMENT_METHOD",
    /// A payment method changed ([`crate::Shop::update_payment_method`]).
    UpdatePaymentMethod = 31 => "UPDATE_PAYMENT_METHOD",
    /// A payment method was soft-deleted ([`crate::Shop::delete_payment_method`]).
    DeletePaymentMethod = 32 => "DELETE_PAYMENT_METHOD",
    /// Staff opened the payment methods panel ([`crate::Shop::payment_methods_panel`]);
    /// prunable.
    ViewPaymentMethodsPanel = 33 => "VIEW_PAYMENT_METHODS_PANEL",
    /// A top-up was approved and the wallet credited ([`crate::Shop::approve_topup`]); binds
    /// its TOPUP ledger entry.
    ApproveDeposit = 40 => "APPROVE_DEPOSIT",
    /// A top-up was rejected ([`crate::Shop::reject_topup`]); the reason is a detail.
    RejectDeposit = 41 => "REJECT_DEPOSIT",
    /// A top-up was requested ([`crate::Shop::request_topup`],
    /// [`crate::Shop::request_topup_for`]).
    RequestDeposit = 42 => "REQUEST_DEPOSIT",
    /// Staff credited or debited a balance ([`crate::Shop::adjust_balance`]); binds its
    /// ADJUSTMENT ledger entry.
    AdjustBalance = 43 => "ADJUST_BALANCE",
    /// An order completed: by staff, by automatic fulfilment from a code pool, or by the
    /// supplier.
    FinalizeOrderCompleted = 50 => "FINALIZE_ORDER_COMPLETED",
    /// Staff failed an order ([`crate::Shop::fail_order`]); binds its REFUND entry if it was
    /// paid.
    FinalizeOrderFailed = 51 => "FINALIZE_ORDER_FAILED",
    /// An order was placed ([`crate::Shop::create_order`], [`crate::Shop::create_order_for`]);
    /// binds its PURCHASE entry when paid from the balance.
    CreateOrder = 52 => "CREATE_ORDER",
    /// An order was cancelled by its buyer or by staff ([`crate::Shop::cancel_order`]); binds
    /// its REFUND entry if it was paid.
    CancelOrder = 53 => "CANCEL_ORDER",
    /// Staff confirmed an outside payment ([`crate::Shop::confirm_payment`]); binds its PAYMENT
    /// and PURCHASE entries.
    ConfirmPayment = 54 => "CONFIRM_PAYMENT",
    /// An unpaid order passed its deadline and was cancelled, by the `expiry` system actor.
    ExpireOrder = 55 => "EXPIRE_ORDER",
    /// A supplier order was handed to staff (a definite rejection or failure, or never received
    /// after every attempt).
    SupplierFallback = 56 => "SUPPLIER_FALLBACK",
    /// A coupon was created ([`crate::Shop::create_coupon`]).
    CreateCoupon = 57 => "CREATE_COUPON",
    /// A coupon was switched on or off ([`crate::Shop::set_coupon_active`]).
    UpdateCoupon = 58 => "UPDATE_COUPON",
    /// Staff opened the statistics dashboard ([`crate::Shop::dashboard`]); prunable.
    ViewStats = 60 => "VIEW_STATS",
    /// A broadcast was created ([`crate::Shop::create_broadcast`]).
    CreateBroadcast = 70 => "CREATE_BROADCAST",
    /// A broadcast was cancelled ([`crate::Shop::cancel_broadcast`]).
    CancelBroadcast = 71 => "CANCEL_BROADCAST",
    /// Retention pruned records ([`crate::Shop::prune`]), with the counts.
    PruneRecords = 72 => "PRUNE_RECORDS",
    /// A staff member asked for a sign-in link to the web panel
    /// ([`crate::Shop::issue_panel_link`]); its expiry is a detail, never the token.
    IssuePanelLink = 80 => "ISSUE_PANEL_LINK",
    /// A staff member signed in to the web panel with a link
    /// ([`crate::Shop::open_panel_session`]), or was refused.
    PanelSignIn = 81 => "PANEL_SIGN_IN",
    /// A staff member signed out of the web panel ([`crate::Shop::end_panel_session`]).
    PanelSignOut = 82 => "PANEL_SIGN_OUT",
    /// Someone's web panel sessions were all ended ([`crate::Shop::revoke_panel_sessions`]),
    /// with how many.
    RevokePanelSessions = 83 => "REVOKE_PANEL_SESSIONS",
    /// An invoice of a payment provider was opened for a top-up
    /// ([`crate::Shop::open_topup_invoice`]); an order's invoice is part of its
    /// `CREATE_ORDER`.
    OpenInvoice = 84 => "OPEN_INVOICE",
    /// A provider's payment settled an invoice ([`crate::Shop::settle_invoice`]): the
    /// order paid or the balance credited, with the provider's payment id.
    SettleInvoice = 85 => "SETTLE_INVOICE",
    /// A provider's payment was refused (amount, currency or provider not the invoice's);
    /// nothing was credited, staff were told.
    RefuseSettlement = 86 => "REFUSE_SETTLEMENT",
    /// An unpaid invoice passed its deadline ([`crate::Shop::expire_invoices`]).
    ExpireInvoice = 87 => "EXPIRE_INVOICE",
    /// The shopper cancelled an unpaid top-up invoice ([`crate::Shop::cancel_invoice`]).
    CancelInvoice = 88 => "CANCEL_INVOICE",
    /// A refund through the provider started: the amount left the balance and waits for
    /// the provider ([`crate::Shop::finish_provider_refund`]).
    StartProviderRefund = 89 => "START_PROVIDER_REFUND",
    /// The provider answered a refund: done, or refused (the amount went back to the
    /// balance).
    FinishProviderRefund = 90 => "FINISH_PROVIDER_REFUND",
    /// A new shopper was attributed to the referrer whose link they came through
    /// ([`crate::Shop::attribute_referral`]).
    AttributeReferral = 91 => "ATTRIBUTE_REFERRAL",
    /// A referrer was credited for a referred shopper's first completed order.
    RewardReferral = 92 => "REWARD_REFERRAL",
}

impl fmt::Display for AuditAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What an action was about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Target {
    /// Nothing in particular (a view; a creation refused before the record existed).
    None,
    /// A user.
    User(UserId),
    /// The shop-wide settings.
    Settings,
    /// A currency.
    Currency(CurrencyCode),
    /// A category.
    Category(CategoryId),
    /// A product.
    Product(ProductId),
    /// A payment method.
    PaymentMethod(PaymentMethodId),
    /// A top-up request.
    Topup(TopupId),
    /// An order.
    Order(OrderId),
    /// A coupon.
    Coupon(CouponCode),
    /// A broadcast.
    Broadcast(BroadcastId),
    /// An invoice of a payment provider.
    Invoice(InvoiceId),
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::None => f.write_str("-"),
            Target::User(id) => write!(f, "user {id}"),
            Target::Settings => f.write_str("settings"),
            Target::Currency(code) => write!(f, "currency {code}"),
            Target::Category(id) => write!(f, "category {id}"),
            Target::Product(id) => write!(f, "product {id}"),
            Target::PaymentMethod(id) => write!(f, "payment method {id}"),
            Target::Topup(id) => write!(f, "top-up {id}"),
            Target::Order(id) => write!(f, "order {id}"),
            Target::Coupon(code) => write!(f, "coupon {code}"),
            Target::Broadcast(id) => write!(f, "broadcast {id}"),
            Target::Invoice(id) => write!(f, "invoice {id}"),
        }
    }
}

/// One changed or noted field: before and after where something changed, only `after`
/// for a value noted ("reason", "amount_usd"). Values are text as displayed. A `ledger`
/// detail (`"seq KIND user amount"`) binds a ledger entry the operation posted, so that
/// the hash chain covers every amount.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Detail {
    /// The field's name (`"price_usd"`).
    pub field: String,
    /// The value before the change; `None` for a noted value or one that did not exist.
    pub before: Option<String>,
    /// The value after the change, or the noted value; `None` when it was removed.
    pub after: Option<String>,
}

impl Detail {
    /// A field that changed from `before` to `after`.
    pub fn changed(field: &str, before: impl fmt::Display, after: impl fmt::Display) -> Detail {
        Detail {
            field: field.to_owned(),
            before: Some(before.to_string()),
            after: Some(after.to_string()),
        }
    }

    /// A value noted about the action.
    pub fn noted(field: &str, value: impl fmt::Display) -> Detail {
        Detail {
            field: field.to_owned(),
            before: None,
            after: Some(value.to_string()),
        }
    }
}

/// How the attempt ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    /// The action happened.
    Done,
    /// The actor lacked the right; nothing changed.
    Denied {
        /// The [`crate::Denied`] error's message.
        reason: String,
    },
    /// A privileged action failed validation; nothing changed.
    Failed {
        /// The error's message.
        reason: String,
    },
}

/// One audit log entry. Entries are never edited; retention may replace old prunable ones
/// ([`AuditAction::is_prunable`], refused attempts) by stubs that keep the chain's hashes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// The entry's number: 1, 2, 3, … with no gaps within its lane (lane 0, the only one
    /// on sled; another PostgreSQL process numbers its entries `lane · 2⁴⁰ + 1, 2, …`).
    pub seq: u64,
    /// When it happened (the transaction's time).
    pub at: Timestamp,
    /// Who did it.
    pub actor: ActorRef,
    /// What they did (or tried to do).
    pub action: AuditAction,
    /// What it was about.
    pub target: Target,
    /// What changed, what was noted, which ledger entries were posted.
    pub details: Vec<Detail>,
    /// Whether it happened, or was denied or failed.
    pub outcome: Outcome,
    /// The previous entry's `hash` (zeros for the first entry).
    #[serde(with = "digest_text")]
    pub prev_hash: [u8; 32],
    /// SHA-256 of this entry with `hash` zeroed ([`AuditEntry::compute_hash`]).
    #[serde(with = "digest_text")]
    pub hash: [u8; 32],
}

/// A digest as 64 hex digits where serde writes text for people (JSON: the console's
/// `--json`, PostgreSQL's `body`), and as its 32 bytes where it encodes for the store
/// (bincode is not human-readable), so the stored encoding — and every hash computed over
/// it — is unchanged.
mod digest_text {
    use serde::de::Error;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub(super) fn serialize<S: Serializer>(digest: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            let text: String = digest.iter().map(|b| format!("{b:02x}")).collect();
            s.serialize_str(&text)
        } else {
            digest.serialize(s)
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
        if d.is_human_readable() {
            let text = String::deserialize(d)?;
            let mut digest = [0u8; 32];
            if text.len() != 64 {
                return Err(D::Error::custom("a digest is 64 hex digits"));
            }
            for (byte, pair) in digest.iter_mut().zip(text.as_bytes().chunks(2)) {
                let pair = std::str::from_utf8(pair).map_err(D::Error::custom)?;
                *byte = u8::from_str_radix(pair, 16).map_err(D::Error::custom)?;
            }
            Ok(digest)
        } else {
            <[u8; 32]>::deserialize(d)
        }
    }
}

impl AuditEntry {
    /// SHA-256 of the entry's encoding with `hash` zeroed (it covers `prev_hash`).
    pub fn compute_hash(&self) -> Result<[u8; 32], StoreError> {
        let mut unhashed = self.clone();
        unhashed.hash = [0; 32];
        let bytes = crate::store::encode(&unhashed)?;
        Ok(Sha256::digest(&bytes).into())
    }
}

/// What stays of a pruned entry: enough to keep the hash chain verifiable.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PrunedEntry {
    pub(crate) seq: u64,
    pub(crate) at: Timestamp,
    pub(crate) action: AuditAction,
    pub(crate) prev_hash: [u8; 32],
    pub(crate) hash: [u8; 32],
    /// The pruned entry recorded a denied or failed attempt (which changed nothing).
    pub(crate) refused: bool,
}

/// A stub as schema 1 wrote it (before `refused`); the migration to 2 rewrites them.
#[derive(Serialize, Deserialize)]
struct PrunedEntryV1 {
    seq: u64,
    at: Timestamp,
    action: AuditAction,
    prev_hash: [u8; 32],
    hash: [u8; 32],
}

/// As a key: its code, `u16`.
impl KeyPart for AuditAction {
    const COLUMN: Column = Column::Code16;
    fn put(&self, out: &mut Vec<u8>, last: bool) {
        self.code().put(out, last);
    }
    fn take(input: &mut &[u8], last: bool) -> Option<AuditAction> {
        AuditAction::from_code(u16::take(input, last)?)
    }
}

crate::store::record!(
    /// Retired in schema 8 (the log is in chunks): one record per entry, by sequence number.
    EntriesByKey: Table::Audit, "audit", u64 => AuditEntry
);
crate::store::record!(
    /// The log in chunks of 8 consecutive entries (`store::log`): chunk number → (seq,
    /// entry), ascending.
    pub(crate) Entries: Table::AuditChunks, "audit_chunks", u64 => log::Chunk
);

impl log::Log for Entries {
    type Entry = AuditEntry;
}
crate::store::record!(
    /// The stub a pruned entry left, by sequence number.
    pub(crate) Stubs: Table::AuditPruned, "audit_pruned", u64 => PrunedEntry
);
crate::store::record!(
    /// Retired in schema 5 (posting chunks replaced it): one key per entry, by actor.
    ByActor: Table::AuditByActor, "audit_by_actor", (ActorRef, u64) => ()
);
crate::store::record!(
    /// Retired in schema 5: one key per entry, by action.
    ByAction: Table::AuditByAction, "audit_by_action", (AuditAction, u64) => ()
);
crate::store::record!(
    /// Retired in schema 5: one key per entry, by time.
    ByTime: Table::AuditByTime, "audit_by_time", (Timestamp, u64) => ()
);
crate::store::record!(
    /// Index: the entries of each actor, a chunk per block of [`postings::BLOCK`] sequence
    /// numbers (actor · block → the block's sequence numbers of that actor, ascending).
    ActorPostings: Table::AuditActorPostings, "audit_actor_postings", (ActorRef, u64) => Vec<u64>
);
crate::store::record!(
    /// Index: the entries of each action, a chunk per block of sequence numbers.
    ActionPostings: Table::AuditActionPostings, "audit_action_postings", (AuditAction, u64) => Vec<u64>
);
crate::store::record!(
    /// Index: the entries of each hour ([`TIME_BUCKET_MS`]), a chunk per block of sequence
    /// numbers (hour · block → sequence numbers, ascending).
    TimePostings: Table::AuditTimePostings, "audit_time_postings", (i64, u64) => Vec<u64>
);
crate::store::record!(
    /// Where the audit indexes stand: every entry up to this sequence number has its index
    /// keys; later ones get them from [`index_pending`].
    pub(crate) Indexed: Table::Meta, "audit_indexed", b"audit_indexed", () => u64
);
crate::store::record!(
    /// The newest entry's sequence number and hash, kept beside the log so that losing the
    /// tail of the log is detected too: lane 0's (the only lane on sled).
    pub(crate) Head: Table::Meta, "audit_head", b"audit_head", () => AuditHead
);
crate::store::record!(
    /// The head of each other lane ([`log::Lane`]: the chain of one PostgreSQL writer's
    /// entries), by lane number.
    pub(crate) LaneHeads: Table::Meta, "audit_lane_heads", b"audit_head/", u64 => AuditHead
);
crate::store::record!(
    /// Where the indexes stand in each other lane: every entry of the lane up to this
    /// sequence number has its index keys.
    pub(crate) LaneIndexed: Table::Meta, "audit_lane_indexed", b"audit_indexed/", u64 => u64
);
crate::store::record!(
    /// Schema 1's stubs, for the migration to 2.
    StubsV1: Table::AuditPruned, "audit_pruned", u64 => PrunedEntryV1
);

/// Schema 1 → 2: stubs gain `refused` (every schema-1 stub was a successful view).
pub(crate) fn migrate_stubs(store: &crate::store::Store) -> Result<(), StoreError> {
    let old: Vec<(u64, PrunedEntryV1)> = store
        .scan(Span::<StubsV1>::all(), false)
        .collect::<Result<_, _>>()?;
    for (k, stub) in old {
        store.put_direct_record::<Stubs>(
            &k,
            &PrunedEntry {
                seq: stub.seq,
                at: stub.at,
                action: stub.action,
                prev_hash: stub.prev_hash,
                hash: stub.hash,
                refused: false,
            },
        )?;
    }
    Ok(())
}

impl AuditAction {
    /// Entries that retention may prune: views and profile refreshes, never a change to
    /// money, roles, the catalog or settings.
    pub fn is_prunable(self) -> bool {
        matches!(
            self,
            AuditAction::ViewStats
                | AuditAction::ViewPaymentMethodsPanel
                | AuditAction::ViewAuditLogs
                | AuditAction::UpdateUserProfile
        )
    }
}

/// The time index's granularity: one hour.
pub(crate) const TIME_BUCKET_MS: i64 = 3_600_000;

fn hour_of(at: Timestamp) -> i64 {
    at.0.div_euclid(TIME_BUCKET_MS)
}

/// The index chunks an entry belongs in.
fn posting_keys(entry: &AuditEntry) -> ((ActorRef, u64), (AuditAction, u64), (i64, u64)) {
    let block = block_of(entry.seq);
    (
        (entry.actor.clone(), block),
        (entry.action, block),
        (hour_of(entry.at), block),
    )
}

/// Entries grouped by the index chunks they go to: per actor, action and hour, the
/// sequence numbers of each block.
#[derive(Default)]
struct IndexGroups {
    actor: std::collections::HashMap<(ActorRef, u64), Vec<u64>>,
    action: std::collections::HashMap<(AuditAction, u64), Vec<u64>>,
    hour: std::collections::HashMap<(i64, u64), Vec<u64>>,
}

impl IndexGroups {
    /// Adds an entry (entries come in ascending order).
    fn push(&mut self, entry: &AuditEntry) {
        let (actor, action, hour) = posting_keys(entry);
        self.actor.entry(actor).or_default().push(entry.seq);
        self.action.entry(action).or_default().push(entry.seq);
        self.hour.entry(hour).or_default().push(entry.seq);
    }

    /// How many chunks the groups fill.
    fn chunks(&self) -> usize {
        self.actor.len() + self.action.len() + self.hour.len()
    }

    /// Adds the entries to their chunks, inside the caller's transaction.
    fn add(self, tx: &Tx<'_>) -> Result<(), StoreError> {
        postings::add::<ActorPostings, _>(tx, self.actor)?;
        postings::add::<ActionPostings, _>(tx, self.action)?;
        postings::add::<TimePostings, _>(tx, self.hour)
    }

    /// Writes the groups as whole chunks, outside any transaction (migrations), and empties
    /// them.
    fn put_for_migration(&mut self, store: &crate::store::Store) -> Result<(), StoreError> {
        postings::put_for_migration::<ActorPostings, _>(store, &mut self.actor)?;
        postings::put_for_migration::<ActionPostings, _>(store, &mut self.action)?;
        postings::put_for_migration::<TimePostings, _>(store, &mut self.hour)
    }
}

/// The sequence numbers of an index, newest first, each with its group's order (the hour for
/// the time index, 0 for the others).
fn postings_desc<'a, R, G>(
    store: &'a crate::store::Store,
    span: Span<R>,
    order_of: fn(&G) -> i64,
) -> Box<dyn Iterator<Item = Result<(i64, u64), StoreError>> + 'a>
where
    R: crate::store::Record<Key = (G, u64), Value = Vec<u64>> + 'a,
    G: KeyPart + Clone + 'static,
{
    Box::new(
        postings::ids::<R, G>(store, span, true)
            .map(move |item| item.map(|(group, seq)| (order_of(&group), seq))),
    )
}

/// The sequence numbers in the time index before `before`'s hour ends, oldest hour first
/// (retention's candidates; the caller checks each entry's time).
pub(crate) fn seqs_in_hours_up_to(
    store: &crate::store::Store,
    before: Timestamp,
) -> impl Iterator<Item = Result<u64, StoreError>> + '_ {
    let last_hour = hour_of(Timestamp(before.0.saturating_sub(1)));
    store
        .scan(
            Span::<TimePostings>::all().to(Bound::Included(&last_hour)),
            false,
        )
        .flat_map(
            |item| -> Box<dyn Iterator<Item = Result<u64, StoreError>>> {
                match item {
                    Ok((_, chunk)) => Box::new(chunk.into_iter().map(Ok)),
                    Err(e) => Box::new(std::iter::once(Err(e))),
                }
            },
        )
}

/// Entries indexed per transaction by [`index_pending`]. A transaction writes a record per
/// actor, action and hour among them (plus the cursor), so a larger batch costs an order
/// in the same batch little more.
pub(crate) const INDEX_BATCH: usize = 1024;

/// Indexes up to [`INDEX_BATCH`] entries appended since the last call, in
/// one transaction, and moves the index cursor; returns how many entries it indexed and
/// whether more are waiting. Appending an entry writes no index key: the indexes serve
/// only staff queries and retention, which call this first, and the bot calls it in the
/// background, so the writes leave the path of every order and happen in large batches.
pub(crate) fn index_pending(
    store: &crate::store::Store,
    now: Timestamp,
) -> Result<(u64, bool), StoreError> {
    let (mut total, mut more) = (0, false);
    for lane in writing_lanes(store)? {
        let (n, lane_more) = index_lane(store, now, lane)?;
        total += n;
        more |= lane_more;
    }
    Ok((total, more))
}

/// Indexes up to [`INDEX_BATCH`] entries of one lane after its cursor.
fn index_lane(
    store: &crate::store::Store,
    now: Timestamp,
    lane: Lane,
) -> Result<(u64, bool), StoreError> {
    let cursor = indexed_to(store, lane)?;
    // Entries are immutable once applied (pruning only removes them), and a lane's entries
    // are committed in order (each appends after its lane's head): seeing entry n means
    // every entry of its lane before it is visible. Other lanes commit in their own order,
    // so each has its own cursor.
    let mut entries = Vec::new();
    let mut more = false;
    let within = log::scan::<Entries>(
        store,
        Bound::Excluded(cursor),
        Bound::Included(lane.last()),
        false,
    );
    for item in within {
        if entries.len() == INDEX_BATCH {
            more = true;
            break;
        }
        entries.push(item?.1);
    }
    let Some(last) = entries.last().map(|e| e.seq) else {
        return Ok((0, false));
    };
    let indexed = store.transact(now, |tx| {
        if load_indexed(tx, lane)? != cursor {
            // Another caller indexed meanwhile: what was read is stale.
            return Ok::<_, StoreError>(None);
        }
        let mut indexed = 0u64;
        let mut present = IndexGroups::default();
        for entry in &entries {
            // Pruned meanwhile: its keys must not come back.
            if log::has::<Entries>(tx, entry.seq)? {
                present.push(entry);
                indexed += 1;
            }
        }
        present.add(tx)?;
        save_indexed(tx, lane, last)?;
        Ok(Some(indexed))
    })?;
    Ok(match indexed {
        Some(n) => (n, more),
        // Read again from where the other caller left the cursor.
        None => (0, true),
    })
}

/// Indexes every entry appended so far (see [`index_pending`]); returns how many.
pub(crate) fn index_all(store: &crate::store::Store, now: Timestamp) -> Result<u64, StoreError> {
    let mut total = 0;
    loop {
        let (n, more) = index_pending(store, now)?;
        total += n;
        if !more {
            return Ok(total);
        }
    }
}

/// Schema 3 → 4: appends used to write the index keys themselves, so every entry so far
/// is indexed — unless the indexes are empty (a log whose keys were lost or never written),
/// in which case they are rebuilt from the start by `index_pending`.
pub(crate) fn migrate_index_cursor(store: &crate::store::Store) -> Result<(), StoreError> {
    let indexed = if store.count(Span::<ByTime>::all())? == 0 {
        0
    } else {
        store.read_counter(Counter::AuditSeq)?
    };
    store.put_direct_record::<Indexed>(&(), &indexed)
}

/// Schema 4 → 5: the indexes become chunks of sequence numbers. The chunks of every entry
/// the cursor covers are built here, block by block (the memory of one block at a time),
/// and the one-key-per-entry tables are emptied; entries after the cursor are indexed by
/// `index_pending` as before. Run again after an interruption, it writes the same chunks.
pub(crate) fn migrate_index_postings(store: &crate::store::Store) -> Result<(), StoreError> {
    const DOING: &str = "rebuilding the audit indexes in chunks";
    store.report_progress(DOING, 0);
    let indexed: u64 = store.fetch::<Indexed>(&())?.unwrap_or(0);
    let mut groups = IndexGroups::default();
    let mut block = None;
    // (Before schema 8: one record per entry.)
    let covered = Span::<EntriesByKey>::all().to(Bound::Included(&indexed));
    for (done, item) in (0u64..).zip(store.scan(covered, false)) {
        let (_, entry) = item?;
        // Whole blocks at a time, some thousands of chunks per flush.
        if block.is_some_and(|b| b != block_of(entry.seq)) && groups.chunks() >= 8_192 {
            groups.put_for_migration(store)?;
            store.report_progress(DOING, done);
        }
        block = Some(block_of(entry.seq));
        groups.push(&entry);
    }
    groups.put_for_migration(store)?;
    store.clear_kind_for_migration::<ByActor>()?;
    store.clear_kind_for_migration::<ByAction>()?;
    store.clear_kind_for_migration::<ByTime>()
}

/// Schema 7 → 8: the log moves into chunks of 8 entries (`store::log`), some thousands of
/// entries per flush; the table of one record per entry is emptied. Run again after an
/// interruption it writes the same chunks.
pub(crate) fn migrate_log_chunks(store: &crate::store::Store) -> Result<(), StoreError> {
    log::migrate_from_records::<EntriesByKey, Entries>(store, "moving the audit log into chunks")
}

/// Removes one entry and its index keys, leaving a stub (inside the caller's transaction).
pub(crate) fn prune_entry(tx: &Tx<'_>, entry: &AuditEntry) -> Result<(), StoreError> {
    log::remove::<Entries>(tx, entry.seq)?;
    let (actor, action, hour) = posting_keys(entry);
    postings::remove::<ActorPostings, _>(tx, actor.0, entry.seq)?;
    postings::remove::<ActionPostings, _>(tx, action.0, entry.seq)?;
    postings::remove::<TimePostings, _>(tx, hour.0, entry.seq)?;
    tx.save::<Stubs>(
        &entry.seq,
        &PrunedEntry {
            seq: entry.seq,
            at: entry.at,
            action: entry.action,
            prev_hash: entry.prev_hash,
            hash: entry.hash,
            refused: entry.outcome != Outcome::Done,
        },
    )
}

/// The newest entry's sequence number and hash, kept beside the log so that losing the
/// tail of the log is detected too.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct AuditHead {
    pub(crate) seq: u64,
    pub(crate) hash: [u8; 32],
}

/// A new entry, before it has a sequence number and hashes.
pub(crate) struct Record<'a> {
    pub(crate) actor: &'a ActorRef,
    pub(crate) action: AuditAction,
    pub(crate) target: Target,
    pub(crate) details: Vec<Detail>,
    pub(crate) outcome: Outcome,
}

/// Appends an entry inside the caller's transaction; returns its sequence number.
pub(crate) fn append(tx: &Tx<'_>, record: Record<'_>) -> Result<u64, StoreError> {
    let mut details = record.details;
    details.extend(
        tx.audit_notes
            .borrow_mut()
            .drain(..)
            .map(|(field, value)| Detail::noted(field, value)),
    );
    if let Some(via) = tx.via.get() {
        details.push(Detail::noted("via", via));
    }
    let record = Record { details, ..record };
    let lane = tx.lane()?;
    let head = load_head(tx, lane)?;
    let seq = tx.next_in_lane(Counter::AuditSeq, lane)?;
    let mut entry = AuditEntry {
        seq,
        at: tx.now,
        actor: record.actor.clone(),
        action: record.action,
        target: record.target,
        details: record.details,
        outcome: record.outcome,
        prev_hash: head.map(|h| h.hash).unwrap_or([0; 32]),
        hash: [0; 32],
    };
    entry.hash = entry.compute_hash()?;
    // The index keys (by actor, action, time) come later, from `index_pending`: only
    // staff queries and retention read them, and they catch up first.
    log::append::<Entries>(tx, seq, &entry)?;
    save_head(
        tx,
        lane,
        &AuditHead {
            seq,
            hash: entry.hash,
        },
    )?;
    Ok(seq)
}

// Each lane's head and index cursor: lane 0's in the records it always had (`Head`,
// `Indexed`), another lane's in a record keyed by its number.

/// The head of `lane`, inside a transaction.
fn load_head(tx: &Tx<'_>, lane: Lane) -> Result<Option<AuditHead>, StoreError> {
    if lane == Lane(0) {
        tx.load::<Head>(&())
    } else {
        tx.load::<LaneHeads>(&u64::from(lane.0))
    }
}

fn save_head(tx: &Tx<'_>, lane: Lane, head: &AuditHead) -> Result<(), StoreError> {
    if lane == Lane(0) {
        tx.save::<Head>(&(), head)
    } else {
        tx.save::<LaneHeads>(&u64::from(lane.0), head)
    }
}

/// Where the indexes stand in `lane`, inside a transaction (see [`indexed_to`]).
fn load_indexed(tx: &Tx<'_>, lane: Lane) -> Result<u64, StoreError> {
    Ok(if lane == Lane(0) {
        tx.load::<Indexed>(&())?.unwrap_or(0)
    } else {
        tx.load::<LaneIndexed>(&u64::from(lane.0))?
            .unwrap_or(lane.base())
    })
}

fn save_indexed(tx: &Tx<'_>, lane: Lane, indexed: u64) -> Result<(), StoreError> {
    if lane == Lane(0) {
        tx.save::<Indexed>(&(), &indexed)
    } else {
        tx.save::<LaneIndexed>(&u64::from(lane.0), &indexed)
    }
}

/// The lanes entries are appended to: every lane with a head, and lane 0.
fn writing_lanes(store: &crate::store::Store) -> Result<BTreeSet<Lane>, StoreError> {
    let mut lanes: BTreeSet<Lane> = heads(store)?.into_keys().collect();
    lanes.insert(Lane(0));
    Ok(lanes)
}

/// The head of every lane that has one, by lane.
pub(crate) fn heads(
    store: &crate::store::Store,
) -> Result<std::collections::BTreeMap<Lane, AuditHead>, StoreError> {
    let mut out = std::collections::BTreeMap::new();
    if let Some(head) = store.fetch::<Head>(&())? {
        out.insert(Lane(0), head);
    }
    for item in store.scan(Span::<LaneHeads>::all(), false) {
        let (lane, head) = item?;
        out.insert(lane_numbered(lane)?, head);
    }
    Ok(out)
}

/// A lane by the number a record keys it with.
fn lane_numbered(n: u64) -> Result<Lane, StoreError> {
    Lane::numbered(n).ok_or_else(|| StoreError::Corrupt {
        table: Table::Meta.name(),
        key: format!("lane {n}"),
        reason: "not a lane number".into(),
    })
}

/// Where the indexes stand in `lane` (the lane's base when nothing of it is indexed).
pub(crate) fn indexed_to(store: &crate::store::Store, lane: Lane) -> Result<u64, StoreError> {
    Ok(if lane == Lane(0) {
        store.fetch::<Indexed>(&())?.unwrap_or(0)
    } else {
        store
            .fetch::<LaneIndexed>(&u64::from(lane.0))?
            .unwrap_or(lane.base())
    })
}

/// Checks where a walk of `lane`'s chain ended against the lane's head record, its
/// counter and where its indexes stand: a lost or rewritten tail shows in one of them.
pub(crate) fn check_lane_end(
    store: &crate::store::Store,
    lane: Lane,
    end: &ChainEnd,
    head: Option<&AuditHead>,
    problems: &mut Vec<String>,
) -> Result<(), StoreError> {
    match head {
        Some(h) if h.seq != end.seq || h.hash != end.hash => problems.push(format!(
            "audit: the head record names entry {} but the log ends at {} (tail lost or altered)",
            h.seq, end.seq
        )),
        None if end.seq != lane.base() => {
            problems.push(format!("audit: head record missing (lane {})", lane.0));
        }
        _ => {}
    }
    let indexed = indexed_to(store, lane)?;
    if indexed > end.seq {
        problems.push(format!(
            "audit: the indexes claim entries up to {indexed} but the log ends at {}",
            end.seq
        ));
    }
    let counter = store.read_lane_counter(Counter::AuditSeq, lane)?;
    if counter != end.seq {
        problems.push(format!(
            "audit: sequence counter {counter} but the log ends at {} (tail lost or altered)",
            end.seq
        ));
    }
    Ok(())
}

/// Every lane the log has anything in — entries, stubs or a head — and lane 0, ascending.
pub(crate) fn lanes(store: &crate::store::Store) -> Result<Vec<Lane>, StoreError> {
    let mut lanes = writing_lanes(store)?;
    lanes.extend(log::lanes::<Entries>(store)?);
    lanes.extend(log::lanes_by(|from| {
        store
            .scan_keys(Span::<Stubs>::all().from(Bound::Included(&from)), false)
            .next()
    })?);
    Ok(lanes.into_iter().collect())
}

/// Appends a successful action's entry (the common case) inside the caller's transaction.
pub(crate) fn done(
    tx: &Tx<'_>,
    actor: &ActorRef,
    action: AuditAction,
    target: Target,
    details: Vec<Detail>,
) -> Result<u64, StoreError> {
    append(
        tx,
        Record {
            actor,
            action,
            target,
            details,
            outcome: Outcome::Done,
        },
    )
}

/// Filters for reading the log ([`crate::Shop::audit_log`]). Results are newest first.
/// `limit` must be set (1 to [`PAGE_LIMIT_MAX`]): the default of 0 is refused.
#[derive(Clone, Debug, Default)]
pub struct AuditQuery {
    /// Only entries by this actor.
    pub actor: Option<ActorRef>,
    /// Only entries of this action.
    pub action: Option<AuditAction>,
    /// Entries at or after this time.
    pub since: Option<Timestamp>,
    /// Entries before this time.
    pub until: Option<Timestamp>,
    /// Continue after a previous page.
    pub cursor: Option<AuditCursor>,
    /// The most entries to return: 1 to [`PAGE_LIMIT_MAX`].
    pub limit: usize,
}

/// Where a page ended; pass it back to get the next page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditCursor(Vec<(Lane, LaneAt)>);

/// Where a page ended in one lane of the log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum LaneAt {
    /// After this position: (the group's order, sequence number).
    At(i64, u64),
    /// Nothing left in the lane.
    Done,
}

impl AuditCursor {
    /// The cursor as text, for a link to the next page (`"1767225600000-42"`; with several
    /// lanes, one `lane:order-seq` or `lane:done` each, comma-separated).
    pub fn to_token(&self) -> String {
        if let [(Lane(0), LaneAt::At(order, seq))] = self.0.as_slice() {
            return format!("{}-{seq}", order.saturating_mul(TIME_BUCKET_MS));
        }
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|(lane, at)| match at {
                LaneAt::At(order, seq) => format!("{}:{order}-{seq}", lane.0),
                LaneAt::Done => format!("{}:done", lane.0),
            })
            .collect();
        parts.join(",")
    }

    /// A cursor from [`AuditCursor::to_token`]'s text; `None` for anything else.
    pub fn from_token(text: &str) -> Option<AuditCursor> {
        if !text.contains(':') {
            let (at, seq) = text.split_once('-')?;
            let at = Timestamp(at.parse().ok()?);
            return Some(AuditCursor(vec![(
                Lane(0),
                LaneAt::At(hour_of(at), seq.parse().ok()?),
            )]));
        }
        let mut lanes = Vec::new();
        for part in text.split(',') {
            let (lane, at) = part.split_once(':')?;
            let lane = Lane::numbered(lane.parse().ok()?)?;
            let at = if at == "done" {
                LaneAt::Done
            } else {
                let (order, seq) = at.rsplit_once('-')?;
                LaneAt::At(order.parse().ok()?, seq.parse().ok()?)
            };
            if lanes.iter().any(|(l, _)| *l == lane) || lanes.len() >= LANES_IN_CURSOR_MAX {
                return None;
            }
            lanes.push((lane, at));
        }
        Some(AuditCursor(lanes))
    }

    /// Where the page ended in `lane` (`None`: nothing of it listed yet).
    fn at(&self, lane: Lane) -> Option<LaneAt> {
        self.0.iter().find(|(l, _)| *l == lane).map(|(_, at)| *at)
    }
}

/// The most lanes a cursor names (a token naming more is not one of ours).
const LANES_IN_CURSOR_MAX: usize = 1_024;

/// One page of the audit log.
#[derive(Clone, Debug)]
pub struct AuditPage {
    /// The entries, newest first. A page may hold fewer than `limit` entries and still have
    /// a next one: one call examines a bounded number of index entries.
    pub entries: Vec<AuditEntry>,
    /// `Some` when there may be more entries: pass it as [`AuditQuery::cursor`].
    pub next: Option<AuditCursor>,
}

/// The largest [`AuditQuery::limit`].
pub const PAGE_LIMIT_MAX: usize = 200;
/// How many index entries one page may examine before it returns (with a cursor), so a
/// filter that matches nothing can't make one call scan the whole log.
const SCAN_BUDGET: usize = 20_000;

pub(crate) fn query(
    store: &crate::store::Store,
    now: Timestamp,
    query: &AuditQuery,
) -> Result<AuditPage, crate::Error> {
    if query.limit == 0 || query.limit > PAGE_LIMIT_MAX {
        return Err(InvalidInput::BadPageSize {
            limit: query.limit,
            limit_max: PAGE_LIMIT_MAX,
        }
        .into());
    }
    // Pick the narrowest index: actor, then action, then time, else the log itself.
    let uses_index = query.actor.is_some()
        || query.action.is_some()
        || query.since.is_some()
        || query.until.is_some();
    if uses_index {
        // The indexes trail the log (see `index_pending`): bring them up to date first.
        index_all(store, now)?;
    }
    // Each lane's entries are listed from its own index positions, and the lanes merged
    // newest first by time: lanes commit independently, so numbers say nothing about
    // time across lanes. The cursor keeps where each lane stopped.
    let mut runs = Vec::new();
    for lane in writing_lanes(store)? {
        let at = query.cursor.as_ref().and_then(|c| c.at(lane));
        let (positions, done) = match at {
            Some(LaneAt::Done) => (None, true),
            Some(LaneAt::At(order, seq)) => (
                Some(positions(store, query, Some((order, seq)), lane)),
                false,
            ),
            None => (Some(positions(store, query, None, lane)), false),
        };
        runs.push(LaneRun {
            lane,
            positions,
            head: None,
            at: if done { Some(LaneAt::Done) } else { at },
        });
    }
    let mut entries = Vec::new();
    let mut scanned = 0usize;
    while scanned < SCAN_BUDGET && entries.len() < query.limit {
        // Each lane's next entry (read once), then the newest of them.
        for run in &mut runs {
            if run.head.is_some() || run.at == Some(LaneAt::Done) {
                continue;
            }
            let Some(positions) = run.positions.as_mut() else {
                continue;
            };
            match positions.next() {
                None => run.at = Some(LaneAt::Done),
                Some(item) => {
                    scanned += 1;
                    let (order, seq) = item?;
                    run.head = Some(((order, seq), log::fetch::<Entries>(store, seq)?));
                }
            }
        }
        let newest = runs
            .iter()
            .enumerate()
            .filter_map(|(i, run)| {
                let ((_, seq), entry) = run.head.as_ref()?;
                // A dangling index key (verify() reports it) goes first, to be skipped.
                Some((i, entry.as_ref().map(|e| (e.at, *seq))))
            })
            .min_by_key(|(_, key)| {
                key.map(|(at, seq)| (std::cmp::Reverse(at), std::cmp::Reverse(seq)))
            });
        let Some((i, _)) = newest else {
            break; // every lane is done
        };
        let run = &mut runs[i];
        let ((order, seq), entry) = run.head.take().expect("picked a lane with a head");
        // The cursor is the position in the index, whether or not the entry is there.
        run.at = Some(LaneAt::At(order, seq));
        let Some(entry) = entry else {
            continue;
        };
        if query.action.is_some_and(|a| a != entry.action)
            || query.since.is_some_and(|t| entry.at < t)
            || query.until.is_some_and(|t| entry.at >= t)
        {
            continue;
        }
        entries.push(entry);
    }
    let exhausted = runs
        .iter()
        .all(|run| run.head.is_none() && run.at == Some(LaneAt::Done));
    let next = (!exhausted).then(|| {
        AuditCursor(
            runs.iter()
                .filter_map(|run| Some((run.lane, run.at?)))
                .collect(),
        )
    });
    Ok(AuditPage { entries, next })
}

/// One lane of a query: its positions, its next entry read (position, entry when stored),
/// and where it stands (`None`: nothing of it listed yet).
struct LaneRun<'a> {
    lane: Lane,
    positions: Option<Positions<'a>>,
    head: Option<((i64, u64), Option<AuditEntry>)>,
    at: Option<LaneAt>,
}

/// Index positions, newest first: (the group's order, sequence number).
type Positions<'a> = Box<dyn Iterator<Item = Result<(i64, u64), StoreError>> + 'a>;

/// The positions of `query`'s candidates in `lane` after `after`, newest first: from the
/// narrowest index (actor, then action, then time), else the log itself.
fn positions<'a>(
    store: &'a crate::store::Store,
    query: &AuditQuery,
    after: Option<(i64, u64)>,
    lane: Lane,
) -> Positions<'a> {
    let (first_block, last_block) = (block_of(lane.base()), block_of(lane.last()));
    let upper_block = after.map_or(last_block, |(_, seq)| block_of(seq).min(last_block));
    let mut positions: Positions<'a> = if let Some(actor) = &query.actor {
        let span = Span::<ActorPostings>::within(actor)
            .from(Bound::Included(&(actor.clone(), first_block)))
            .to(Bound::Included(&(actor.clone(), upper_block)));
        postings_desc(store, span, |_: &ActorRef| 0)
    } else if let Some(action) = query.action {
        let span = Span::<ActionPostings>::within(&action)
            .from(Bound::Included(&(action, first_block)))
            .to(Bound::Included(&(action, upper_block)));
        postings_desc(store, span, |_: &AuditAction| 0)
    } else if query.since.is_some() || query.until.is_some() {
        let mut span = Span::<TimePostings>::all();
        if let Some(since) = query.since {
            span = span.from(Bound::Included(&hour_of(since)));
        }
        if let Some(until) = query.until {
            span = span.to(Bound::Included(&hour_of(Timestamp(
                until.0.saturating_sub(1),
            ))));
        }
        if let Some((hour, seq)) = after {
            span = span.to(Bound::Included(&(hour, block_of(seq))));
        }
        // Hour by hour, every lane's chunks of the hour: this lane's are picked out.
        Box::new(
            postings_desc(store, span, |hour: &i64| *hour)
                .filter(move |p| p.as_ref().map_or(true, |(_, seq)| Lane::of(*seq) == lane)),
        )
    } else {
        let upper = after.map_or(Bound::Included(lane.last()), |(_, seq)| {
            Bound::Excluded(seq.min(lane.last().saturating_add(1)))
        });
        Box::new(
            log::seqs::<Entries>(store, Bound::Excluded(lane.base()), upper, true)
                .map(|k| k.map(|seq| (0, seq))),
        )
    };
    if let Some(after) = after {
        positions = Box::new(positions.filter(move |p| p.as_ref().map_or(true, |p| *p < after)));
    }
    positions
}

/// Checks the hash chain, the head record, the counter and the indexes; returns problems.
/// Only entries retention may prune leave stubs — views and profile refreshes, and refused
/// attempts of any kind: a stub standing for anything else is a forgery (and one that claims
/// to replace a money operation leaves that operation's ledger entries unbound).
fn check_stub(stub: &PrunedEntry, problems: &mut Vec<String>) {
    if !stub.action.is_prunable() && !stub.refused {
        problems.push(format!(
            "audit: entry {} is pruned but its action {} is never pruned",
            stub.seq,
            stub.action.name()
        ));
    }
}

/// The entries of one lane of the ledger the audit log binds, as (ledger sequence number,
/// binding text, audit sequence number), in ledger order as far as the log gives it: each
/// lane of the log binds in its commit order, which is the order of its ledger numbers
/// (handed out in commit order, in the same lane), and the lanes are merged by ledger
/// number. Read entry by entry, so memory does
/// not grow with the log. Unreadable entries are skipped (the chain walk reports them).
pub(crate) struct Bindings<'a> {
    lanes: Vec<LaneBindings<'a>>,
    /// The ledger lane's first and last numbers: bindings outside are skipped, and a lane
    /// of the log whose next binding is beyond `below` is read no further.
    from: u64,
    below: u64,
}

/// One lane's bindings, and the next ones read.
struct LaneBindings<'a> {
    entries: log::Entries<'a, AuditEntry>,
    ready: std::collections::VecDeque<(u64, String, u64)>,
}

impl LaneBindings<'_> {
    /// The lane's next binding, reading entries until one binds something.
    fn peek(&mut self) -> Option<&(u64, String, u64)> {
        while self.ready.is_empty() {
            let Ok((_, entry)) = self.entries.next()? else {
                continue;
            };
            for (seq, text) in bindings_of(&entry) {
                self.ready.push_back((seq, text.to_string(), entry.seq));
            }
        }
        self.ready.front()
    }
}

impl<'a> Bindings<'a> {
    /// The bindings of the ledger entries of ledger lane `ledger`. A transaction posts in
    /// its writer's lane of the ledger and audits in the same lane of the log, so lane `n`
    /// of the ledger is bound by lane `n` of the log alone, except lane 0, which every lane
    /// of the log bound before schema 22 (the ledger had one lane): those lanes are read up
    /// to their first binding beyond it.
    pub(crate) fn of_ledger_lane(
        store: &'a crate::store::Store,
        ledger: Lane,
    ) -> Result<Bindings<'a>, StoreError> {
        let lanes = lanes(store)?
            .into_iter()
            .filter(|lane| ledger == Lane(0) || *lane == ledger)
            .map(|lane| LaneBindings {
                entries: log::scan::<Entries>(
                    store,
                    Bound::Excluded(lane.base()),
                    Bound::Included(lane.last()),
                    false,
                ),
                ready: Default::default(),
            })
            .collect();
        Ok(Bindings {
            lanes,
            below: ledger.last(),
            from: ledger.base() + 1,
        })
    }
}

impl Iterator for Bindings<'_> {
    type Item = (u64, String, u64);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let mut first: Option<(usize, u64)> = None;
            for (i, lane) in self.lanes.iter_mut().enumerate() {
                if let Some((seq, _, _)) = lane.peek()
                    && *seq <= self.below
                    && first.is_none_or(|(_, least)| *seq < least)
                {
                    first = Some((i, *seq));
                }
            }
            let binding = self.lanes[first?.0].ready.pop_front()?;
            if binding.0 >= self.from {
                return Some(binding);
            }
        }
    }
}

/// The detail field that binds a ledger entry into its operation's audit entry.
pub(crate) const LEDGER_NOTE: &str = "ledger";

/// One link of the hash chain: a stored entry, or the stub a pruned entry left.
pub(crate) enum Link<'a> {
    /// A stored entry.
    Entry(&'a AuditEntry),
    /// The stub of a pruned entry.
    Stub(&'a PrunedEntry),
}

impl Link<'_> {
    pub(crate) fn seq(&self) -> u64 {
        match self {
            Link::Entry(e) => e.seq,
            Link::Stub(s) => s.seq,
        }
    }

    pub(crate) fn hash(&self) -> [u8; 32] {
        match self {
            Link::Entry(e) => e.hash,
            Link::Stub(s) => s.hash,
        }
    }
}

/// Where a walk of the chain ended: the last link's sequence number and hash (`0` and
/// zeros for an empty walk), and how many stored entries it passed.
pub(crate) struct ChainEnd {
    pub(crate) seq: u64,
    pub(crate) hash: [u8; 32],
    pub(crate) entries: u64,
}

/// Walks the chain from link `from` on (`prev_hash` is what link `from - 1` hashed to),
/// entries and stubs merged in order, up to and including `upto` (the end when `None`):
/// every link must follow its predecessor, sit under its own key, and each entry must hash
/// to its stored hash; stubs only for prunable actions. `visit` sees every link. Streams:
/// memory does not grow with the log.
pub(crate) fn walk_chain(
    store: &crate::store::Store,
    from: u64,
    prev_hash: [u8; 32],
    upto: Option<u64>,
    problems: &mut Vec<String>,
    mut visit: impl FnMut(Link<'_>),
) -> Result<ChainEnd, StoreError> {
    let upper = match upto {
        Some(last) => Bound::Included(last),
        None => Bound::Unbounded,
    };
    let mut stubs = store
        .scan(
            Span::<Stubs>::all()
                .from(Bound::Included(&from))
                .to(upper.as_ref()),
            false,
        )
        .peekable();
    let mut expected_seq = from;
    let mut prev_hash = prev_hash;
    let mut entries = 0u64;
    let stub_link = |stub: &PrunedEntry,
                     expected_seq: &mut u64,
                     prev_hash: &mut [u8; 32],
                     problems: &mut Vec<String>| {
        check_stub(stub, problems);
        if stub.seq != *expected_seq || stub.prev_hash != *prev_hash {
            problems.push(format!(
                "audit: pruned entry {} does not fit the chain",
                stub.seq
            ));
        }
        *prev_hash = stub.hash;
        *expected_seq = stub.seq.saturating_add(1);
    };
    let mut next_stub = |problems: &mut Vec<String>, before: Option<u64>| -> Option<PrunedEntry> {
        loop {
            let fits = match stubs.peek()? {
                Ok((_, stub)) => before.is_none_or(|seq| stub.seq < seq),
                Err(_) => true,
            };
            if !fits {
                return None;
            }
            match stubs.next()? {
                Ok((_, stub)) => return Some(stub),
                Err(e) => problems.push(format!("audit: unreadable pruned stub: {e}")),
            }
        }
    };
    for item in log::scan::<Entries>(store, Bound::Included(from), upper, false) {
        let (k, entry) = match item {
            Ok(pair) => pair,
            Err(e) => {
                problems.push(format!("audit: unreadable entry: {e}"));
                continue;
            }
        };
        while let Some(stub) = next_stub(problems, Some(entry.seq)) {
            stub_link(&stub, &mut expected_seq, &mut prev_hash, problems);
            visit(Link::Stub(&stub));
        }
        entries += 1;
        if k != entry.seq {
            problems.push(format!("audit: entry under key {k} says seq {}", entry.seq));
        }
        if entry.seq != expected_seq {
            problems.push(format!(
                "audit: expected entry {expected_seq}, found {} (entries missing)",
                entry.seq
            ));
        }
        if entry.prev_hash != prev_hash {
            problems.push(format!(
                "audit: entry {} does not follow its predecessor (chain broken)",
                entry.seq
            ));
        }
        if entry.compute_hash()? != entry.hash {
            problems.push(format!(
                "audit: entry {} was altered (hash mismatch)",
                entry.seq
            ));
        }
        prev_hash = entry.hash;
        expected_seq = entry.seq.saturating_add(1);
        visit(Link::Entry(&entry));
    }
    while let Some(stub) = next_stub(problems, None) {
        stub_link(&stub, &mut expected_seq, &mut prev_hash, problems);
        visit(Link::Stub(&stub));
    }
    Ok(ChainEnd {
        seq: expected_seq.saturating_sub(1),
        hash: prev_hash,
        entries,
    })
}

/// A link read by its sequence number: the entry (`None` for a pruned one's stub), and the
/// hashes it records.
pub(crate) struct StoredLink {
    pub(crate) entry: Option<AuditEntry>,
    pub(crate) prev_hash: [u8; 32],
    pub(crate) hash: [u8; 32],
}

/// The link stored under `seq`: the entry, or the stub it left when pruned.
pub(crate) fn read_link(
    store: &crate::store::Store,
    seq: u64,
) -> Result<Option<StoredLink>, StoreError> {
    if let Some(entry) = log::fetch::<Entries>(store, seq)? {
        let (prev_hash, hash) = (entry.prev_hash, entry.hash);
        return Ok(Some(StoredLink {
            entry: Some(entry),
            prev_hash,
            hash,
        }));
    }
    Ok(store.fetch::<Stubs>(&seq)?.map(|stub| StoredLink {
        entry: None,
        prev_hash: stub.prev_hash,
        hash: stub.hash,
    }))
}

/// The ledger entries an audit entry binds: (ledger sequence number, the binding text).
pub(crate) fn bindings_of(entry: &AuditEntry) -> impl Iterator<Item = (u64, &str)> {
    entry
        .details
        .iter()
        .filter(|d| d.field == LEDGER_NOTE)
        .filter_map(|d| d.after.as_deref())
        .filter_map(|value| {
            let seq = value.split(' ').next()?.parse::<u64>().ok()?;
            Some((seq, value))
        })
}

/// The full check of the log: each lane's chain from its first link, with its head record,
/// counter and index cursor ([`check_lane_end`]), and the indexes against the entries.
/// `visit` sees every link.
pub(crate) fn verify(
    store: &crate::store::Store,
    mut visit: impl FnMut(Link<'_>),
) -> Result<Vec<String>, StoreError> {
    let mut problems = Vec::new();
    let heads = heads(store)?;
    let mut indexed = 0usize;
    // What the indexes must hold, as a sum of one hash per (chunk, entry): any posting
    // missing, extra, or in another actor's, action's or hour's chunk changes it.
    let mut sums = [0u64; 3];
    for lane in lanes(store)? {
        let indexed_to = indexed_to(store, lane)?;
        let end = walk_chain(
            store,
            lane.base() + 1,
            [0; 32],
            Some(lane.last()),
            &mut problems,
            |link| {
                if let Link::Entry(entry) = &link
                    && entry.seq <= indexed_to
                {
                    indexed += 1;
                    let (actor, action, hour) = posting_keys(entry);
                    sums[0] =
                        sums[0].wrapping_add(postings::share::<ActorPostings>(&actor, entry.seq));
                    sums[1] =
                        sums[1].wrapping_add(postings::share::<ActionPostings>(&action, entry.seq));
                    sums[2] =
                        sums[2].wrapping_add(postings::share::<TimePostings>(&hour, entry.seq));
                }
                visit(link);
            },
        )?;
        check_lane_end(store, lane, &end, heads.get(&lane), &mut problems)?;
    }
    let count = u64::try_from(indexed).unwrap_or(u64::MAX);
    for (name, (n, sum), expected) in [
        (
            "actor",
            postings::checksum::<ActorPostings, _>(store)?,
            sums[0],
        ),
        (
            "action",
            postings::checksum::<ActionPostings, _>(store)?,
            sums[1],
        ),
        (
            "time",
            postings::checksum::<TimePostings, _>(store)?,
            sums[2],
        ),
    ] {
        if n != count {
            problems.push(format!(
                "audit: the {name} index holds {n} entries for {count} indexed entries"
            ));
        } else if sum != expected {
            problems.push(format!(
                "audit: the {name} index does not match the entries it indexes"
            ));
        }
    }
    Ok(problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_read_back_what_they_wrote_and_nothing_else() {
        // One lane: the token of a shop with one writer, as it always was.
        let one = AuditCursor(vec![(Lane(0), LaneAt::At(490_896, 42))]);
        assert_eq!(one.to_token(), format!("{}-42", 490_896 * TIME_BUCKET_MS));
        assert_eq!(AuditCursor::from_token(&one.to_token()), Some(one));
        // Several: each lane's position, or that it is done.
        let several = AuditCursor(vec![
            (Lane(0), LaneAt::At(0, 17)),
            (Lane(1), LaneAt::Done),
            (Lane(7), LaneAt::At(-3, Lane(7).base() + 5)),
        ]);
        assert_eq!(AuditCursor::from_token(&several.to_token()), Some(several));
        for forged in [
            "",
            "-",
            "5",
            "x-5",
            "1:",
            "1:5",
            "x:done",
            "1:done,1:done",
            "1:5-x",
            ":5-5",
            "1:5-5,,",
            "4294967296:done",
            "16777216:done",
        ] {
            assert_eq!(AuditCursor::from_token(forged), None, "{forged:?}");
        }
    }
}
