//! Wallets: each user's USD balance, the financial ledger every balance change is written
//! to, top-up requests and their review, and staff adjustments.
//!
//! Invariants (checked by `Shop::verify`): a balance never goes negative; it equals the sum
//! of the user's ledger entries, whose before/after amounts form an unbroken chain; every
//! approved top-up has exactly one TOPUP entry, pending and rejected ones none; ledger
//! entries are never edited or deleted (mistakes are corrected by new entries).
//!
//! Peers: audit, currency, notifications, payment_methods, proofs, requests, settings, users.

use crate::Shop;
use crate::audit::{self, ActorRef, AuditAction, Detail, Target};
use crate::clock::Timestamp;
use crate::currency::{self, USD_DECIMALS};
use crate::error::{Denied, Error, InvalidInput, Result};
use crate::ids::{CurrencyCode, InvoiceId, OrderId, PaymentMethodId, RequestKey, TopupId, UserId};
use crate::money::{AmountError, Money};
use crate::notifications::{self, NotificationKind};
use crate::payment_methods;
use crate::requests::{self, RequestOutcome};
use crate::roles::{Permission, can_manage_user, has_permission};
use crate::settings::refuse_in_emergency;
use crate::shop::{Actor, require, role_of};
use crate::store::log::Lane;
use crate::store::{Counter, Span, StoreError, Table, Tx, decode_as, log};
use crate::text;
use crate::users;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::ops::Bound;

pub use crate::proofs::{PROOF_FILE, PROOF_TEXT, Proof};

/// The highest balance a wallet may hold, in USD.
pub const BALANCE_MAX_USD: i64 = 1_000_000;
/// The largest single adjustment, in USD.
pub const ADJUSTMENT_MAX_USD: i64 = 100_000;
/// The largest page of ledger entries or top-ups a listing returns.
pub const PAGE_LIMIT_MAX: usize = 100;

/// How far back through the shop-wide ledger (or orders) a listing looks for a user's
/// newest entry below a bound that is not one of theirs, before it walks their chain.
pub(crate) const SEEK_BACK: usize = 256;

/// A user's wallet. Users with no wallet record have a zero balance.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Wallet {
    /// The balance in USD: never negative, at most [`BALANCE_MAX_USD`].
    pub balance: Money,
    /// Top-ups waiting for review.
    pub pending_topups: u32,
    /// Ledger entries written for this user.
    pub entries: u64,
    /// The sequence number of the newest one: the head of the user's ledger chain.
    pub last_entry: Option<u64>,
    /// The user's newest order: the head of the chain of their orders (each order names
    /// the user's previous one, `Order::prev_for_user`).
    pub last_order: Option<OrderId>,
    /// The user's open order (awaiting payment, paid or processing), if any: at most one.
    pub open_order: Option<OrderId>,
}

/// Why a balance changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum LedgerKind {
    /// An approved top-up (a credit; references the top-up).
    Topup,
    /// An order's price (a debit; references the order). Every paid order has exactly one.
    Purchase,
    /// An order's PURCHASE given back when it failed or was cancelled after payment (a
    /// credit of exactly the amount debited).
    Refund,
    /// A staff credit or debit with a reason ([`Shop::adjust_balance`]).
    Adjustment,
    /// Money received outside the bot for an order paid through a payment method or an
    /// invoice (references the order).
    Payment,
    /// Money a payment provider received for an invoice, credited to the balance (a credit;
    /// references the invoice): a top-up by invoice, or a payment that arrived when the
    /// invoice could no longer pay its order (expired, cancelled, or paid already).
    Invoice,
    /// Money sent back through the provider that received it (references the invoice): a
    /// debit when a refund of a Stars payment starts, and a credit of the same amount if
    /// the provider refused it.
    ProviderRefund,
    /// A referrer's reward for a referred shopper's first completed order (a credit;
    /// references that order; `crate::referrals`).
    Referral,
}

impl LedgerKind {
    /// The kind's stable name: `TOPUP`, `PURCHASE`, `REFUND`, `ADJUSTMENT`, `PAYMENT`,
    /// `INVOICE`, `PROVIDER_REFUND`.
    pub fn name(self) -> &'static str {
        match self {
            LedgerKind::Topup => "TOPUP",
            LedgerKind::Purchase => "PURCHASE",
            LedgerKind::Refund => "REFUND",
            LedgerKind::Adjustment => "ADJUSTMENT",
            LedgerKind::Payment => "PAYMENT",
            LedgerKind::Invoice => "INVOICE",
            LedgerKind::ProviderRefund => "PROVIDER_REFUND",
            LedgerKind::Referral => "REFERRAL",
        }
    }
}

impl fmt::Display for LedgerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a ledger entry is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LedgerRef {
    /// Nothing (an adjustment).
    None,
    /// The top-up it credits.
    Topup(TopupId),
    /// The order it pays, refunds or receives money for.
    Order(OrderId),
    /// The invoice whose payment it credits or sends back.
    Invoice(InvoiceId),
    /// The referred shopper whose first completed order it rewards (a `REFERRAL`).
    Referral(UserId),
}

/// One balance change. Never edited or deleted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerEntry {
    /// The entry's number in the shop-wide ledger: 1, 2, 3, … with no gaps, in the lane of
    /// the process that wrote it (lane `n`'s numbers start at `n · 2⁴⁰ + 1`; one process,
    /// and sled, write lane 0).
    pub seq: u64,
    /// Whose balance changed.
    pub user: UserId,
    /// Signed USD: credits are positive, debits negative.
    pub amount: Money,
    /// The balance before, in USD: the previous entry's `balance_after`.
    pub balance_before: Money,
    /// The balance after: `balance_before + amount`, never negative.
    pub balance_after: Money,
    /// Why it changed.
    pub kind: LedgerKind,
    /// What it is about.
    pub reference: LedgerRef,
    /// Who caused it (the staff member, the buyer, or a system actor).
    pub actor: ActorRef,
    /// When.
    pub at: Timestamp,
    /// The reason, for adjustments.
    pub note: Option<String>,
    /// The sequence number of this user's previous entry (`None` for their first): a user's
    /// ledger is a chain that starts at [`Wallet::last_entry`], so it needs no index.
    pub prev_for_user: Option<u64>,
}

/// A ledger entry as schemas 1 to 3 stored it (before `prev_for_user`); the migration to 4
/// rewrites them.
#[derive(Deserialize)]
struct LedgerEntryV3 {
    seq: u64,
    user: UserId,
    amount: Money,
    balance_before: Money,
    balance_after: Money,
    kind: LedgerKind,
    reference: LedgerRef,
    actor: ActorRef,
    at: Timestamp,
    note: Option<String>,
}

/// Schema 3 → 4: every ledger entry learns its user's previous entry (a walk of the ledger
/// in order, remembering each user's newest), and the user index goes.
pub(crate) fn migrate_ledger_chains(
    store: &crate::store::Store,
) -> std::result::Result<(), StoreError> {
    const DOING: &str = "linking each user's ledger entries";
    store.report_progress(DOING, 0);
    let mut done = 0u64;
    let mut newest: std::collections::HashMap<UserId, u64> = std::collections::HashMap::new();
    let mut batch: Vec<(u64, Vec<u8>)> = Vec::new();
    for item in store.scan_raw(Span::<LedgerByKey>::all()) {
        let (k, v) = item?;
        let entry = match decode_as::<LedgerByKey, LedgerEntryV3>(&k, &v) {
            Ok(old) => LedgerEntry {
                prev_for_user: newest.get(&old.user).copied(),
                seq: old.seq,
                user: old.user,
                amount: old.amount,
                balance_before: old.balance_before,
                balance_after: old.balance_after,
                kind: old.kind,
                reference: old.reference,
                actor: old.actor,
                at: old.at,
                note: old.note,
            },
            // Already rewritten (a migration stopped part way runs again).
            Err(_) => decode_as::<LedgerByKey, LedgerEntry>(&k, &v)?,
        };
        newest.insert(entry.user, entry.seq);
        batch.push((k, crate::store::encode(&entry)?));
        done += 1;
        if batch.len() == 10_000 {
            store.put_encoded_for_migration::<LedgerByKey>(std::mem::take(&mut batch))?;
            store.report_progress(DOING, done);
        }
    }
    store.put_encoded_for_migration::<LedgerByKey>(batch)?;
    store.clear_kind_for_migration::<LedgerByUser>()
}

/// Where a top-up request stands. It leaves `Pending` once, for good.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TopupStatus {
    /// Waiting for staff review.
    Pending,
    /// Approved: the wallet was credited.
    Approved,
    /// Rejected with a reason: nothing was credited.
    Rejected,
}

impl TopupStatus {
    fn code(self) -> u8 {
        match self {
            TopupStatus::Pending => 0,
            TopupStatus::Approved => 1,
            TopupStatus::Rejected => 2,
        }
    }

    /// The status's stable name: `pending`, `approved` or `rejected`.
    pub fn name(self) -> &'static str {
        match self {
            TopupStatus::Pending => "pending",
            TopupStatus::Approved => "approved",
            TopupStatus::Rejected => "rejected",
        }
    }
}

impl fmt::Display for TopupStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A top-up request and its review.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Topup {
    /// Its id, numbered from 1.
    pub id: TopupId,
    /// Whose wallet it credits.
    pub user: UserId,
    /// The payment method the payer used.
    pub method: PaymentMethodId,
    /// What the payer says they paid, in the method's currency.
    pub amount: Money,
    /// The method's currency.
    pub currency: CurrencyCode,
    /// The rate used (units of `currency` per USD) when the request was made.
    pub units_per_usd: Money,
    /// What approval credits: `amount` at `units_per_usd`, rounded down to the cent.
    pub amount_usd: Money,
    /// The payer's proof, as checked.
    pub proof: Proof,
    /// Pending, approved or rejected.
    pub status: TopupStatus,
    /// When it was requested.
    pub requested_at: Timestamp,
    /// When staff decided it.
    pub decided_at: Option<Timestamp>,
    /// Who decided it.
    pub decided_by: Option<ActorRef>,
    /// Why it was rejected.
    pub reject_reason: Option<String>,
    /// The TOPUP ledger entry, once approved.
    pub ledger_seq: Option<u64>,
}

/// A shopper's top-up request ([`Shop::request_topup`]).
#[derive(Clone, Debug)]
pub struct TopupRequest {
    /// The payment method used: active, not deleted, its currency enabled.
    pub method: PaymentMethodId,
    /// In the method's currency: within the method's limits and the currency's decimal
    /// places, and worth at least a cent.
    pub amount: Money,
    /// Proof of the payment ([`Proof::checked`] rules).
    pub proof: Proof,
    /// Makes the request idempotent: the same key and request return the first top-up.
    pub key: RequestKey,
}

/// One page of a user's ledger, newest first.
#[derive(Clone, Debug)]
pub struct LedgerPage {
    /// The entries on this page.
    pub entries: Vec<LedgerEntry>,
    /// Pass as `before` for the next (older) page.
    pub next: Option<u64>,
}

/// Failures about money.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WalletError {
    /// The balance does not cover an order's total or a debit.
    #[error("the balance is {balance} USD, {needed} USD is needed")]
    InsufficientBalance {
        /// The balance, in USD.
        balance: Money,
        /// What was needed, in USD.
        needed: Money,
    },
    /// A credit would take the balance above [`BALANCE_MAX_USD`].
    #[error("the balance would exceed the limit of {max} USD")]
    BalanceLimit {
        /// The limit, in USD.
        max: Money,
    },
    /// No top-up has this id.
    #[error("top-up {id} does not exist")]
    TopupNotFound {
        /// The id asked for.
        id: TopupId,
    },
    /// Approving or rejecting a top-up that was already decided.
    #[error("top-up {id} was already {status}")]
    AlreadyDecided {
        /// The top-up.
        id: TopupId,
        /// What it was decided.
        status: TopupStatus,
    },
    /// The user has [`crate::Config::pending_topups_per_user_max`] top-ups waiting already.
    #[error("you already have {pending} top-ups waiting for review (the limit is {max})")]
    TooManyPendingTopups {
        /// Top-ups waiting.
        pending: u32,
        /// The limit.
        max: u32,
    },
    /// A top-up amount worth less than one cent at the currency's rate.
    #[error("{amount} {currency} is less than one cent in USD")]
    RoundsToZero {
        /// The amount given.
        amount: Money,
        /// Its currency.
        currency: CurrencyCode,
    },
    /// Approving a top-up or confirming an order whose proof repeats an earlier request's:
    /// nothing was done. After looking, staff confirm with
    /// [`Shop::approve_topup_despite_reused_proof`] or
    /// [`Shop::confirm_payment_despite_reused_proof`].
    #[error(
        "this proof of payment was already used for {earlier}; approving needs an explicit confirmation"
    )]
    ProofReused {
        /// The earlier request that used the same proof.
        earlier: crate::proofs::ProofUse,
    },
}

impl WalletError {
    /// A stable, machine-readable name for the error (`"wallet.insufficient_balance"`);
    /// see [`crate::Error::kind`].
    pub fn kind(&self) -> &'static str {
        match self {
            WalletError::InsufficientBalance { .. } => "wallet.insufficient_balance",
            WalletError::BalanceLimit { .. } => "wallet.balance_limit",
            WalletError::TopupNotFound { .. } => "wallet.topup_not_found",
            WalletError::AlreadyDecided { .. } => "wallet.already_decided",
            WalletError::TooManyPendingTopups { .. } => "wallet.too_many_pending",
            WalletError::RoundsToZero { .. } => "wallet.rounds_to_zero",
            WalletError::ProofReused { .. } => "wallet.proof_reused",
        }
    }
}

crate::store::code_part!(
    TopupStatus,
    TopupStatus::code,
    [
        TopupStatus::Pending,
        TopupStatus::Approved,
        TopupStatus::Rejected
    ]
);

crate::store::record!(
    /// Each user's account: the balance, pending top-ups, and the heads of their ledger
    /// and order chains and their open order.
    pub(crate) Wallets: Table::Wallets, "wallets", UserId => Wallet
);
crate::store::record!(
    /// Retired in schema 10 (the ledger is in chunks): a record per entry.
    LedgerByKey: Table::Ledger, "ledger", u64 => LedgerEntry
);
crate::store::record!(
    /// The ledger, never edited or deleted, in chunks of 8 consecutive entries
    /// (`store::log`).
    pub(crate) Ledger: Table::LedgerChunks, "ledger_chunks", u64 => log::Chunk
);

impl log::Log for Ledger {
    type Entry = LedgerEntry;
}

/// Schema 9 → 10: the ledger moves into chunks (`store::log`), 16,384 entries per flush;
/// the table of one record per entry is emptied.
pub(crate) fn migrate_ledger_chunks(
    store: &crate::store::Store,
) -> std::result::Result<(), StoreError> {
    log::migrate_from_records::<LedgerByKey, Ledger>(store, "moving the ledger into chunks")
}
crate::store::record!(
    /// Retired in schema 4 (a user's ledger is a chain): user · seq.
    LedgerByUser: Table::LedgerByUser, "ledger_by_user", (UserId, u64) => ()
);
crate::store::record!(
    /// Top-up requests, by id.
    pub(crate) Topups: Table::Topups, "topups", TopupId => Topup
);

impl crate::store::BlockId for TopupId {
    fn number(&self) -> u64 {
        self.get()
    }

    fn numbered(n: u64) -> Option<TopupId> {
        TopupId::new(n).ok()
    }
}
crate::store::record!(
    /// Index: top-ups by status.
    TopupsByStatus: Table::TopupsByStatus, "topups_by_status", (TopupStatus, TopupId) => ()
);
crate::store::record!(
    /// Index: top-ups by user.
    TopupsByUser: Table::TopupsByUser, "topups_by_user", (UserId, TopupId) => ()
);
crate::store::record!(
    /// The staff member who filed a top-up for the user (they may not review it).
    TopupsFiledFor: Table::TopupsFiledFor, "topups_filed_for", TopupId => ActorRef
);
crate::store::record!(
    /// Where audit bindings of ledger entries start (see [`migrate_ledger_bindings`]).
    pub(crate) LedgerBoundFrom: Table::Meta, "ledger_bound_from", b"ledger_bound_from", () => u64
);

pub(crate) fn load_wallet(tx: &Tx<'_>, user: UserId) -> std::result::Result<Wallet, StoreError> {
    Ok(tx.load::<Wallets>(&user)?.unwrap_or_default())
}

pub(crate) fn save_wallet(
    tx: &Tx<'_>,
    user: UserId,
    wallet: &Wallet,
) -> std::result::Result<(), StoreError> {
    tx.save::<Wallets>(&user, wallet)
}

/// Writes one balance change and its ledger entry inside the caller's transaction. Refuses
/// to take a balance below zero or above the limit.
pub(crate) fn post(
    tx: &Tx<'_>,
    user: UserId,
    amount: Money,
    kind: LedgerKind,
    reference: LedgerRef,
    actor: &ActorRef,
    note: Option<String>,
) -> Result<LedgerEntry> {
    let mut wallet = load_wallet(tx, user)?;
    let before = wallet.balance;
    let after = before
        .checked_add(amount)
        .ok_or(WalletError::BalanceLimit {
            max: Money::units(BALANCE_MAX_USD),
        })?;
    if after.is_negative() {
        return Err(WalletError::InsufficientBalance {
            balance: before,
            needed: amount.negated(),
        }
        .into());
    }
    if after > Money::units(BALANCE_MAX_USD) {
        return Err(WalletError::BalanceLimit {
            max: Money::units(BALANCE_MAX_USD),
        }
        .into());
    }
    // Numbered in the writer's lane (`log::Lane`), as its audit entry is: the ledgers of two
    // processes share no record but the wallets they both post to.
    let seq = tx.next_in_lane(Counter::LedgerSeq, tx.lane()?)?;
    let entry = LedgerEntry {
        seq,
        user,
        amount,
        balance_before: before,
        balance_after: after,
        kind,
        reference,
        actor: actor.clone(),
        at: tx.now,
        note,
        prev_for_user: wallet.last_entry,
    };
    log::append::<Ledger>(tx, seq, &entry)?;
    // Bound into the operation's audit entry, so the hash chain covers every amount.
    tx.audit_notes
        .borrow_mut()
        .push((crate::audit::LEDGER_NOTE, ledger_binding(&entry)));
    wallet.balance = after;
    wallet.entries += 1;
    wallet.last_entry = Some(seq);
    tx.save::<Wallets>(&user, &wallet)?;
    Ok(entry)
}

/// How an audit entry names a ledger entry it posted: `seq kind user amount`.
pub(crate) fn ledger_binding(entry: &LedgerEntry) -> String {
    format!(
        "{} {} {} {}",
        entry.seq,
        entry.kind.name(),
        entry.user.get(),
        entry.amount
    )
}

/// Schema 1 → 2: ledger entries written so far have no audit binding; remember where
/// binding starts.
pub(crate) fn migrate_ledger_bindings(
    store: &crate::store::Store,
) -> std::result::Result<(), StoreError> {
    let next = store.read_counter(Counter::LedgerSeq)?.saturating_add(1);
    store.put_direct_record::<LedgerBoundFrom>(&(), &next)
}

fn load_topup(tx: &Tx<'_>, id: TopupId) -> Result<Topup> {
    tx.load::<Topups>(&id)?
        .ok_or_else(|| WalletError::TopupNotFound { id }.into())
}

/// A top-up was approved (reported to `store::effects` once, in the approving transaction).
pub(crate) struct TopupApproved;

impl crate::store::Event for TopupApproved {
    type Data<'a> = Topup;
}

fn save_topup(
    tx: &Tx<'_>,
    before: Option<&Topup>,
    topup: &Topup,
) -> std::result::Result<(), StoreError> {
    if let Some(b) = before {
        tx.delete::<TopupsByStatus>(&(b.status, b.id))?;
    } else {
        tx.save::<TopupsByUser>(&(topup.user, topup.id), &())?;
    }
    tx.save::<TopupsByStatus>(&(topup.status, topup.id), &())?;
    tx.save::<Topups>(&topup.id, topup)
}

/// Leaves the pending state: the wallet's and the method's pending counts drop.
fn settle_pending(tx: &Tx<'_>, topup: &Topup) -> std::result::Result<(), StoreError> {
    let mut wallet = load_wallet(tx, topup.user)?;
    wallet.pending_topups = wallet.pending_topups.saturating_sub(1);
    tx.save::<Wallets>(&topup.user, &wallet)?;
    payment_methods::adjust_pending(tx, topup.method, -1)
}

fn replayed_topup(tx: &Tx<'_>, outcome: RequestOutcome) -> Result<Topup> {
    match outcome {
        RequestOutcome::Topup(id) => load_topup(tx, id),
        _ => Err(Error::from(StoreError::Corrupt {
            table: Table::RequestKeys.name(),
            key: "(request)".into(),
            reason: "a top-up request key remembers something else".into(),
        })),
    }
}

fn check_adjustment(amount: Money) -> Result<Money> {
    let magnitude = if amount.is_negative() {
        amount.negated()
    } else {
        amount
    };
    magnitude
        .check(USD_DECIMALS, Money::units(ADJUSTMENT_MAX_USD))
        .map_err(|source| InvalidInput::Amount {
            what: "adjustment",
            source,
        })?;
    Ok(amount)
}

impl Shop {
    /// A shopper asks to top up their wallet through a payment method. The amount is in the
    /// method's currency and within its limits; the request records the rate used and the
    /// USD amount approval will credit. Idempotent by `request.key`. Audited
    /// `REQUEST_DEPOSIT`; staff are told through the outbox
    /// ([`NotificationKind::StaffTopupWaiting`]).
    ///
    /// Fails with [`crate::PaymentMethodError`] for an unknown, inactive or deleted method,
    /// [`crate::CurrencyError`] for a disabled currency, [`InvalidInput::Amount`] outside
    /// the method's limits or decimal places, [`WalletError::RoundsToZero`],
    /// [`WalletError::TooManyPendingTopups`], [`Denied::NotAUser`] for a system actor, and
    /// in emergency mode. A proof used before is accepted here and flagged for the
    /// reviewer ([`WalletError::ProofReused`] at approval).
    ///
    /// See [`Shop::approve_topup`] for an example.
    pub fn request_topup(&self, actor: &Actor, request: &TopupRequest) -> Result<Topup> {
        self.open_topup(actor, actor, request)
    }

    /// Requests a top-up on `user`'s behalf (`act_for_users`), e.g. money handed over at a
    /// counter: the request is the user's (their pending limit, their wallet when approved);
    /// its audit entry and request key are the staff member's, naming the user. Someone else
    /// must review it: the staff member who filed it can't approve or reject it.
    pub fn request_topup_for(
        &self,
        staff: &Actor,
        user: UserId,
        request: &TopupRequest,
    ) -> Result<Topup> {
        let buyer = self.on_behalf_of(staff, user, AuditAction::RequestDeposit)?;
        self.open_topup(staff, &buyer, request)
    }

    fn open_topup(&self, actor: &Actor, owner: &Actor, request: &TopupRequest) -> Result<Topup> {
        let user = owner.user_id().ok_or(Denied::NotAUser)?;
        let on_behalf = actor != owner;
        let proof = request.proof.checked()?;
        let fingerprint = requests::fingerprint(
            "request_topup",
            &(request.method, request.amount, &proof, user),
        )?;
        let pending_max = self.pending_topups_max;
        self.transact(|tx| {
            role_of(tx, actor)?;
            if on_behalf {
                require(tx, actor, Permission::ActForUsers)?;
                role_of(tx, owner)?; // the user exists and is not banned
            }
            if let Some(outcome) = requests::replayed(tx, actor.who(), &request.key, &fingerprint)?
            {
                return replayed_topup(tx, outcome);
            }
            refuse_in_emergency(tx)?;
            let method = payment_methods::usable(tx, request.method)?;
            let currency = currency::enabled(tx, &method.currency)?;
            let amount = request
                .amount
                .check(currency.decimals, method.max_amount)
                .map_err(|source| InvalidInput::Amount {
                    what: "top-up amount",
                    source,
                })?;
            if amount < method.min_amount {
                return Err(InvalidInput::Amount {
                    what: "top-up amount",
                    source: AmountError::TooSmall {
                        min: method.min_amount,
                    },
                }
                .into());
            }
            let amount_usd = crate::currency::credit_usd(amount, currency.units_per_usd)
                .filter(|usd| usd.is_positive())
                .ok_or_else(|| WalletError::RoundsToZero {
                    amount,
                    currency: currency.code.clone(),
                })?;
            let mut wallet = load_wallet(tx, user)?;
            if wallet.pending_topups >= pending_max {
                return Err(WalletError::TooManyPendingTopups {
                    pending: wallet.pending_topups,
                    max: pending_max,
                }
                .into());
            }
            wallet.pending_topups += 1;
            tx.save::<Wallets>(&user, &wallet)?;
            payment_methods::adjust_pending(tx, method.id, 1)?;
            let id = TopupId::new(tx.next_in_block(Counter::TopupSeq)?)?;
            let topup = Topup {
                id,
                user,
                method: method.id,
                amount,
                currency: currency.code.clone(),
                units_per_usd: currency.units_per_usd,
                amount_usd,
                proof: proof.clone(),
                status: TopupStatus::Pending,
                requested_at: tx.now,
                decided_at: None,
                decided_by: None,
                reject_reason: None,
                ledger_seq: None,
            };
            save_topup(tx, None, &topup)?;
            // A staff member who files for someone may not review it; the operator's own
            // console identity (a system actor with the shop's authority) is not a staff
            // member deciding on money they handled, and is not restricted.
            if on_behalf && actor.user_id().is_some() {
                tx.save::<TopupsFiledFor>(&id, actor.who())?;
            }
            let reused = crate::proofs::note_use(tx, &proof, crate::proofs::ProofUse::Topup(id))?;
            notifications::push(tx, user, NotificationKind::StaffTopupWaiting { topup: id })?;
            requests::remember(
                tx,
                actor.who(),
                &request.key,
                fingerprint,
                RequestOutcome::Topup(id),
            )?;
            audit::done(
                tx,
                actor.who(),
                AuditAction::RequestDeposit,
                Target::Topup(id),
                vec![
                    Detail::noted("amount", currency.format(amount)),
                    Detail::noted("amount_usd", amount_usd),
                    Detail::noted("units_per_usd", currency.units_per_usd),
                    Detail::noted("method", method.id),
                    Detail::noted("user", user),
                ]
                .into_iter()
                .chain(reused.map(|earlier| Detail::noted("proof_reused_from", earlier)))
                .collect(),
            )?;
            Ok(topup)
        })
    }

    /// Staff approve a pending top-up (`review_topups`): the wallet is credited with the
    /// recorded USD amount (a TOPUP ledger entry), audited `APPROVE_DEPOSIT`, and the user
    /// is told ([`NotificationKind::TopupApproved`]). Idempotent by `key`.
    ///
    /// A top-up is decided once; later attempts get [`WalletError::AlreadyDecided`]. Nobody
    /// reviews their own top-up, nor one they filed for someone else
    /// ([`Denied::SelfAction`]). A proof used before gives [`WalletError::ProofReused`]
    /// until approved with [`Shop::approve_topup_despite_reused_proof`]. A credit past
    /// [`BALANCE_MAX_USD`] is refused ([`WalletError::BalanceLimit`]).
    ///
    /// ```
    /// use shopcore::{
    ///     Config, Money, NewPaymentMethod, Proof, Registration, RequestKey, Role, Shop,
    ///     TopupRequest, TopupStatus, UserId,
    /// };
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let dir = tempfile::tempdir()?;
    /// # let owner = UserId::new(1)?;
    /// # let shop = Shop::open(dir.path().join("shop.db"), Config::default().with_super_admins(vec![owner]))?;
    /// # let admin = shop.actor(owner)?;
    /// # let alice = UserId::new(42)?;
    /// # shop.register_user(&Registration { id: alice, username: None, display_name: "Alice", language: None })?;
    /// # let sam = UserId::new(7)?;
    /// # shop.register_user(&Registration { id: sam, username: None, display_name: "Sam", language: None })?;
    /// # shop.set_role(&admin, sam, Role::Support)?;
    /// let bank = shop.create_payment_method(&admin, &NewPaymentMethod {
    ///     name: "Bank transfer".into(),
    ///     instructions: "IBAN EG00 0000 0000 0000".into(),
    ///     currency: "USD".into(),
    ///     min_amount: Money::units(5),
    ///     max_amount: Money::units(500),
    ///     active: true,
    /// })?;
    /// let topup = shop.request_topup(&shop.actor(alice)?, &TopupRequest {
    ///     method: bank.id,
    ///     amount: Money::units(25),
    ///     proof: Proof::Text("transfer ref 55120".into()),
    ///     key: RequestKey::new("tg-update-1")?,
    /// })?;
    /// assert_eq!(shop.balance(alice)?, Money::ZERO); // nothing until staff approve
    ///
    /// let support = shop.actor(sam)?;
    /// let key = RequestKey::new("cb-1")?;
    /// let approved = shop.approve_topup(&support, topup.id, &key)?;
    /// assert_eq!(approved.status, TopupStatus::Approved);
    /// assert_eq!(shop.balance(alice)?, Money::units(25));
    /// // A double tap on the button replays the first answer; nothing is credited twice.
    /// shop.approve_topup(&support, topup.id, &key)?;
    /// assert_eq!(shop.balance(alice)?, Money::units(25));
    /// # Ok(())
    /// # }
    /// ```
    pub fn approve_topup(&self, actor: &Actor, id: TopupId, key: &RequestKey) -> Result<Topup> {
        self.approve(actor, id, key, false)
    }

    /// Approves a top-up whose proof repeats an earlier request's, after the reviewer saw the
    /// warning ([`WalletError::ProofReused`]) and confirmed; the audit entry records both.
    pub fn approve_topup_despite_reused_proof(
        &self,
        actor: &Actor,
        id: TopupId,
        key: &RequestKey,
    ) -> Result<Topup> {
        self.approve(actor, id, key, true)
    }

    fn approve(
        &self,
        actor: &Actor,
        id: TopupId,
        key: &RequestKey,
        despite_reused_proof: bool,
    ) -> Result<Topup> {
        let fingerprint = requests::fingerprint("approve_topup", &id)?;
        self.audited(
            actor,
            AuditAction::ApproveDeposit,
            Target::Topup(id),
            |tx| {
                require(tx, actor, Permission::ReviewTopups)?;
                if let Some(outcome) = requests::replayed(tx, actor.who(), key, &fingerprint)? {
                    return replayed_topup(tx, outcome);
                }
                refuse_in_emergency(tx)?;
                let before = self.pending_for_review(tx, actor, id)?;
                let reused = crate::proofs::reused_from(tx, crate::proofs::ProofUse::Topup(id))?;
                if let Some(earlier) = reused
                    && !despite_reused_proof
                {
                    return Err(WalletError::ProofReused { earlier }.into());
                }
                let entry = post(
                    tx,
                    before.user,
                    before.amount_usd,
                    LedgerKind::Topup,
                    LedgerRef::Topup(id),
                    actor.who(),
                    None,
                )?;
                let mut topup = before.clone();
                topup.status = TopupStatus::Approved;
                topup.decided_at = Some(tx.now);
                topup.decided_by = Some(actor.who().clone());
                topup.ledger_seq = Some(entry.seq);
                save_topup(tx, Some(&before), &topup)?;
                tx.report::<TopupApproved>(&topup)?;
                notifications::push(
                    tx,
                    topup.user,
                    NotificationKind::TopupApproved {
                        topup: id,
                        amount_usd: topup.amount_usd,
                    },
                )?;
                settle_pending(tx, &topup)?;
                requests::remember(tx, actor.who(), key, fingerprint, RequestOutcome::Topup(id))?;
                audit::done(
                    tx,
                    actor.who(),
                    AuditAction::ApproveDeposit,
                    Target::Topup(id),
                    vec![
                        Detail::noted("user", topup.user),
                        Detail::noted("amount_usd", topup.amount_usd),
                        Detail::changed("balance", entry.balance_before, entry.balance_after),
                        Detail::noted("ledger_seq", entry.seq),
                    ]
                    .into_iter()
                    .chain(reused.map(|earlier| Detail::noted("proof_reuse_confirmed", earlier)))
                    .collect(),
                )?;
                Ok(topup)
            },
        )
    }

    /// Staff reject a pending top-up with a reason (`review_topups`), audited
    /// `REJECT_DEPOSIT`. Nothing is credited; the user is told the reason
    /// ([`NotificationKind::TopupRejected`]). Idempotent by `key`; the same rules as
    /// [`Shop::approve_topup`] on who may decide, and once.
    pub fn reject_topup(
        &self,
        actor: &Actor,
        id: TopupId,
        reason: &str,
        key: &RequestKey,
    ) -> Result<Topup> {
        let reason = self.validated(
            actor,
            AuditAction::RejectDeposit,
            Target::Topup(id),
            Permission::ReviewTopups,
            text::REASON.check(reason).map_err(Error::from),
        )?;
        let fingerprint = requests::fingerprint("reject_topup", &(id, &reason))?;
        self.audited(actor, AuditAction::RejectDeposit, Target::Topup(id), |tx| {
            require(tx, actor, Permission::ReviewTopups)?;
            if let Some(outcome) = requests::replayed(tx, actor.who(), key, &fingerprint)? {
                return replayed_topup(tx, outcome);
            }
            refuse_in_emergency(tx)?;
            let before = self.pending_for_review(tx, actor, id)?;
            let mut topup = before.clone();
            topup.status = TopupStatus::Rejected;
            topup.decided_at = Some(tx.now);
            topup.decided_by = Some(actor.who().clone());
            topup.reject_reason = Some(reason.clone());
            save_topup(tx, Some(&before), &topup)?;
            notifications::push(
                tx,
                topup.user,
                NotificationKind::TopupRejected {
                    topup: id,
                    reason: reason.clone(),
                },
            )?;
            settle_pending(tx, &topup)?;
            requests::remember(tx, actor.who(), key, fingerprint, RequestOutcome::Topup(id))?;
            audit::done(
                tx,
                actor.who(),
                AuditAction::RejectDeposit,
                Target::Topup(id),
                vec![
                    Detail::noted("user", topup.user),
                    Detail::noted("amount_usd", topup.amount_usd),
                    Detail::noted("reason", &reason),
                ],
            )?;
            Ok(topup)
        })
    }

    fn pending_for_review(&self, tx: &Tx<'_>, actor: &Actor, id: TopupId) -> Result<Topup> {
        let topup = load_topup(tx, id)?;
        if actor.user_id() == Some(topup.user) {
            return Err(Denied::SelfAction {
                what: "review a top-up of",
            }
            .into());
        }
        // Nor one they filed for someone else: filing and approving would be one person
        // deciding on money they handled.
        if tx.load::<TopupsFiledFor>(&id)?.as_ref() == Some(actor.who()) {
            return Err(Denied::SelfAction {
                what: "review a top-up filed by",
            }
            .into());
        }
        if topup.status != TopupStatus::Pending {
            return Err(WalletError::AlreadyDecided {
                id,
                status: topup.status,
            }
            .into());
        }
        Ok(topup)
    }

    /// Staff credit (positive `amount`) or debit (negative) a user's balance with a reason
    /// (`manage_users`; the actor must outrank the user; not their own). A debit can't take
    /// the balance below zero. Audited `ADJUST_BALANCE`; idempotent by `key`.
    pub fn adjust_balance(
        &self,
        actor: &Actor,
        target: UserId,
        amount: Money,
        reason: &str,
        key: &RequestKey,
    ) -> Result<LedgerEntry> {
        let (amount, reason) = self.validated(
            actor,
            AuditAction::AdjustBalance,
            Target::User(target),
            Permission::ManageUsers,
            (|| Ok((check_adjustment(amount)?, text::REASON.check(reason)?)))(),
        )?;
        let fingerprint = requests::fingerprint("adjust_balance", &(target, amount, &reason))?;
        self.audited(
            actor,
            AuditAction::AdjustBalance,
            Target::User(target),
            |tx| {
                let actor_role = require(tx, actor, Permission::ManageUsers)?;
                if let Some(outcome) = requests::replayed(tx, actor.who(), key, &fingerprint)? {
                    return match outcome {
                        RequestOutcome::LedgerEntry(seq) => log::load::<Ledger>(tx, seq)?
                            .ok_or_else(|| {
                                Error::from(StoreError::Corrupt {
                                    table: Table::Ledger.name(),
                                    key: seq.to_string(),
                                    reason: "a request key names a missing ledger entry".into(),
                                })
                            }),
                        RequestOutcome::Topup(_)
                        | RequestOutcome::Order(_)
                        | RequestOutcome::Invoice(_) => Err(InvalidInput::RequestKeyReused {
                            key: key.to_string(),
                        }
                        .into()),
                    };
                }
                refuse_in_emergency(tx)?;
                if actor.user_id() == Some(target) {
                    return Err(Denied::SelfAction {
                        what: "adjust the balance of",
                    }
                    .into());
                }
                let user = users::load(tx, target)?;
                if !can_manage_user(actor_role, user.role) {
                    return Err(Denied::CannotManage {
                        actor_role,
                        target_role: user.role,
                    }
                    .into());
                }
                let entry = post(
                    tx,
                    target,
                    amount,
                    LedgerKind::Adjustment,
                    LedgerRef::None,
                    actor.who(),
                    Some(reason.clone()),
                )?;
                requests::remember(
                    tx,
                    actor.who(),
                    key,
                    fingerprint,
                    RequestOutcome::LedgerEntry(entry.seq),
                )?;
                audit::done(
                    tx,
                    actor.who(),
                    AuditAction::AdjustBalance,
                    Target::User(target),
                    vec![
                        Detail::noted("amount_usd", amount),
                        Detail::changed("balance", entry.balance_before, entry.balance_after),
                        Detail::noted("reason", &reason),
                        Detail::noted("ledger_seq", entry.seq),
                    ],
                )?;
                Ok(entry)
            },
        )
    }

    /// A user's wallet (a zero wallet for users who never had money, and for unknown ids).
    /// No actor: frontends read the wallet of the person they talk to. Waits until what it
    /// reports is on disk.
    pub fn wallet(&self, user: UserId) -> Result<Wallet> {
        let wallet = self.store.fetch::<Wallets>(&user)?.unwrap_or_default();
        self.store.read_barrier()?;
        Ok(wallet)
    }

    /// A user's balance in USD.
    pub fn balance(&self, user: UserId) -> Result<Money> {
        Ok(self.wallet(user)?.balance)
    }

    /// A user's ledger, newest first, a page at a time: the entries older than `before`
    /// (the `next` of the previous page, or any sequence number), at most `limit`. The user
    /// sees their own; staff with `view_users` see anyone's.
    pub fn ledger(
        &self,
        actor: &Actor,
        user: UserId,
        before: Option<u64>,
        limit: usize,
    ) -> Result<LedgerPage> {
        check_limit(limit)?;
        self.own_or(actor, user, Permission::ViewUsers)?;
        // The user's chain, from the newest entry back. A cursor from a previous page is
        // the user's own entry, so the walk starts at the entry before it; any other
        // sequence number is an upper bound, and the walk skips the newer entries.
        let head = || -> Result<Option<u64>> {
            Ok(self
                .store
                .fetch::<Wallets>(&user)?
                .and_then(|w| w.last_entry))
        };
        let mut next_seq = match before {
            None => head()?,
            Some(seq) => match log::fetch::<Ledger>(&self.store, seq)?.filter(|e| e.user == user) {
                Some(cursor) => cursor.prev_for_user,
                // Any other bound: the user's newest entry below it, found by looking back
                // through the shop-wide ledger a little (users' entries interleave), else
                // by walking the user's chain from its head.
                None => match log::scan::<Ledger>(
                    &self.store,
                    Bound::Unbounded,
                    Bound::Excluded(seq),
                    true,
                )
                .take(SEEK_BACK)
                .find_map(|item| item.ok().filter(|(_, e)| e.user == user))
                {
                    Some((_, entry)) => Some(entry.seq),
                    None => head()?,
                },
            },
        };
        let mut entries = Vec::new();
        let mut more = false;
        let mut skipping = before;
        while let Some(seq) = next_seq {
            if skipping.is_some_and(|b| Lane::of(seq) == Lane::of(b) && seq >= b) {
                // Newer than the bound (in its lane: across lanes numbers do not say which
                // came first): skip along the chain, until the first entry kept.
                next_seq = log::fetch::<Ledger>(&self.store, seq)?
                    .filter(|e| e.user == user)
                    .and_then(|e| e.prev_for_user);
                continue;
            }
            if entries.len() == limit {
                more = true;
                break;
            }
            let Some(entry) = log::fetch::<Ledger>(&self.store, seq)?.filter(|e| e.user == user)
            else {
                break; // A broken chain; verify() reports it.
            };
            next_seq = entry.prev_for_user;
            skipping = None;
            entries.push(entry);
        }
        let next = if more {
            entries.last().map(|e| e.seq)
        } else {
            None
        };
        self.store.read_barrier()?;
        Ok(LedgerPage { entries, next })
    }

    /// One top-up: its owner or staff with `review_topups` may look.
    pub fn topup(&self, actor: &Actor, id: TopupId) -> Result<Topup> {
        let topup: Topup = self
            .store
            .fetch::<Topups>(&id)?
            .ok_or(WalletError::TopupNotFound { id })?;
        self.own_or(actor, topup.user, Permission::ReviewTopups)?;
        self.store.read_barrier()?;
        Ok(topup)
    }

    /// The review queue: pending top-ups, oldest first (`review_topups`).
    pub fn pending_topups(
        &self,
        actor: &Actor,
        after: Option<TopupId>,
        limit: usize,
    ) -> Result<Vec<Topup>> {
        check_limit(limit)?;
        self.transact(|tx| require(tx, actor, Permission::ReviewTopups).map(|_| ()))?;
        let mut span = Span::<TopupsByStatus>::within(&TopupStatus::Pending);
        if let Some(id) = after {
            span = span.from(Bound::Excluded(&(TopupStatus::Pending, id)));
        }
        let mut out = Vec::new();
        for item in self.store.scan_keys(span, false).take(limit) {
            let (_, id) = item?;
            if let Some(topup) = self.store.fetch::<Topups>(&id)? {
                out.push(topup);
            }
        }
        Ok(out)
    }

    /// A user's top-ups, newest first. The user sees their own; staff with `view_users` too.
    pub fn topups_of(
        &self,
        actor: &Actor,
        user: UserId,
        before: Option<TopupId>,
        limit: usize,
    ) -> Result<Vec<Topup>> {
        check_limit(limit)?;
        self.own_or(actor, user, Permission::ViewUsers)?;
        let mut span = Span::<TopupsByUser>::within(&user);
        if let Some(id) = before {
            span = span.to(Bound::Excluded(&(user, id)));
        }
        let mut out = Vec::new();
        for item in self.store.scan_keys(span, true).take(limit) {
            let (_, id) = item?;
            if let Some(topup) = self.store.fetch::<Topups>(&id)? {
                out.push(topup);
            }
        }
        self.store.read_barrier()?;
        Ok(out)
    }

    /// Allows the user themselves, or staff holding `permission`.
    fn own_or(&self, actor: &Actor, user: UserId, permission: Permission) -> Result<()> {
        self.transact(|tx| {
            let role = role_of(tx, actor)?;
            if actor.user_id() == Some(user) || has_permission(role, permission) {
                Ok(())
            } else {
                Err(Denied::MissingPermission { role, permission }.into())
            }
        })
    }
}

fn check_limit(limit: usize) -> Result<()> {
    Ok(crate::error::check_page_size(limit, PAGE_LIMIT_MAX)?)
}

/// Recomputes balances from the ledger and top-ups and compares with what is stored.
/// Sums of the ledger up to a point: every amount, and the TOPUP amounts alone.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct LedgerSums {
    /// Every amount: what all wallets held together after that entry.
    pub(crate) total: Money,
    /// TOPUP amounts: what approved top-ups credited.
    pub(crate) topups: Money,
}

impl LedgerSums {
    fn add(&mut self, entry: &LedgerEntry) {
        self.total = self.total.checked_add(entry.amount).unwrap_or(self.total);
        if entry.kind == LedgerKind::Topup {
            self.topups = self.topups.checked_add(entry.amount).unwrap_or(self.topups);
        }
    }
}

/// Checks a ledger entry against the order it names, adding what is wrong.
pub(crate) type CheckReference<'a> =
    dyn Fn(&LedgerEntry, OrderId, &mut Vec<String>) -> std::result::Result<(), StoreError> + 'a;

/// What the full check of the wallet needs from the orders module above it, handed in by
/// `verify.rs`.
pub(crate) struct OrderChecks<'a> {
    /// Checks a ledger entry that names an order against that order, adding what is wrong.
    pub(crate) check_reference: &'a CheckReference<'a>,
    /// Orders awaiting payment through each payment method (each counts as a pending use).
    pub(crate) awaiting_per_method: std::collections::BTreeMap<PaymentMethodId, u64>,
    /// Collects a ledger entry about an invoice, for the invoices' check after the walk.
    pub(crate) note_invoice_entry: &'a dyn Fn(&LedgerEntry, InvoiceId),
    /// Collects a ledger entry about a referral, for the referrals' check after the walk.
    pub(crate) note_referral_entry: &'a dyn Fn(&LedgerEntry),
}

/// The ledger's lanes (`log::Lane`) read side by side in an order every user's chain
/// follows. Each lane is in its writer's commit order, and an entry is committed after its
/// user's previous one, so some lane's next entry always continues its user's chain (`follows`)
/// while the ledger is whole: it is taken from the lane last taken from while that one can
/// give one, else from the next lane that can. When none can (a chain is broken), the next
/// lane's entry is taken anyway, for the caller to report. Keeps one entry per lane.
struct ChainOrder<'a> {
    lanes: Vec<std::iter::Peekable<log::Entries<'a, LedgerEntry>>>,
    current: usize,
}

impl<'a> ChainOrder<'a> {
    /// Lane `lanes[i]` read from the entry after `after(lanes[i])` to its end.
    fn new(store: &'a crate::store::Store, lanes: &[Lane], after: impl Fn(Lane) -> u64) -> Self {
        let lanes = lanes
            .iter()
            .map(|lane| {
                log::scan::<Ledger>(
                    store,
                    Bound::Excluded(after(*lane)),
                    Bound::Included(lane.last()),
                    false,
                )
                .peekable()
            })
            .collect();
        ChainOrder { lanes, current: 0 }
    }

    /// The next entry and the index of its lane, or the next lane's unreadable entry.
    #[allow(clippy::type_complexity)]
    fn next(
        &mut self,
        follows: impl Fn(&LedgerEntry) -> bool,
    ) -> Option<(usize, std::result::Result<(u64, LedgerEntry), StoreError>)> {
        let n = self.lanes.len();
        let mut fallback = None;
        let mut pick = None;
        for step in 0..n {
            let i = (self.current + step) % n;
            match self.lanes[i].peek() {
                None => {}
                Some(Ok((_, entry))) if !follows(entry) => {
                    fallback = fallback.or(Some(i));
                }
                Some(_) => {
                    pick = Some(i);
                    break;
                }
            }
        }
        let i = pick.or(fallback)?;
        self.current = i;
        Some((i, self.lanes[i].next()?))
    }
}

/// The lanes of the ledger to check: those holding entries, those counting them, those of
/// the audit log (which bind theirs) and lane 0.
fn ledger_lanes(
    store: &crate::store::Store,
    also: impl IntoIterator<Item = Lane>,
) -> std::result::Result<Vec<Lane>, StoreError> {
    let mut lanes: std::collections::BTreeSet<Lane> =
        log::lanes::<Ledger>(store)?.into_iter().collect();
    lanes.extend(store.lanes_counting(Counter::LedgerSeq)?);
    lanes.extend(crate::audit::lanes(store)?);
    lanes.extend(also);
    lanes.insert(Lane(0));
    Ok(lanes.into_iter().collect())
}

/// Where each lane of the ledger was verified to (`marks`; a lane it does not name: none of
/// it, its base).
fn mark_of(marks: &BTreeMap<Lane, u64>, lane: Lane) -> u64 {
    marks.get(&lane).copied().unwrap_or(lane.base())
}

/// The check that a lane's counter names its last entry.
fn check_lane_counter(
    store: &crate::store::Store,
    lane: Lane,
    last: u64,
    problems: &mut Vec<String>,
) -> std::result::Result<(), StoreError> {
    let counter = store.read_lane_counter(Counter::LedgerSeq, lane)?;
    if counter != last {
        let of_lane = if lane == Lane(0) {
            String::new()
        } else {
            format!(" of lane {}", lane.0)
        };
        problems.push(format!(
            "wallet: ledger counter{of_lane} is {counter} but the ledger ends at {last} (entries lost or added)"
        ));
    }
    Ok(())
}

/// One lane of the ledger in the full check: the number expected next, and the audit log's
/// bindings of the lane, with those read ahead of the walk.
struct LaneWalk<'a> {
    expected: u64,
    bindings: Box<dyn Iterator<Item = (u64, String, u64)> + 'a>,
    early: BTreeMap<u64, (String, u64)>,
}

/// The full check of wallets, ledger and top-ups; also returns the ledger's sums over the
/// entries up to `marks` (each lane's, for the verified watermark). Streams: each lane of
/// the ledger is read once, side by side with the others along the users' chains
/// ([`ChainOrder`]), and with the audit log's bindings of the lane; what it keeps grows
/// with the number of users (a balance, a count and a sequence number each) and of lanes,
/// not with the ledger.
pub(crate) fn verify(
    store: &crate::store::Store,
    marks: &BTreeMap<Lane, u64>,
    orders: &OrderChecks<'_>,
) -> std::result::Result<(Vec<String>, LedgerSums), StoreError> {
    let mut problems = Vec::new();
    let mut sums = LedgerSums::default();
    // Each user's balance, entry count and last entry, replayed along their chain.
    let mut replayed: std::collections::HashMap<UserId, (Money, u64, Option<u64>)> =
        std::collections::HashMap::new();
    let mut by_kind: BTreeMap<&'static str, Money> = BTreeMap::new();
    // Every entry from `bound_from` on is named, with its kind, user and amount, by the
    // hash-chained audit entry of the operation that posted it: an edited amount, a deleted
    // entry or a lost audit tail shows here. A lane of the ledger and its bindings grow in
    // the same order, so the bindings are read alongside; only those read ahead wait in
    // `early`.
    let bound_from: u64 = store.fetch::<LedgerBoundFrom>(&())?.unwrap_or(1);
    let lanes = ledger_lanes(store, [])?;
    let mut walks = Vec::with_capacity(lanes.len());
    for lane in &lanes {
        walks.push(LaneWalk {
            expected: lane.base() + 1,
            bindings: Box::new(
                crate::audit::Bindings::of_ledger_lane(store, *lane)?
                    .filter(move |(seq, _, _)| *seq >= bound_from),
            ),
            early: BTreeMap::new(),
        });
    }
    let missing = |seq: u64, bound: &str, audit_seq: u64, problems: &mut Vec<String>| {
        problems.push(format!(
            "wallet: audit entry {audit_seq} recorded ledger entry \"{bound}\", which is missing (seq {seq})"
        ));
    };
    let mut order = ChainOrder::new(store, &lanes, Lane::base);
    while let Some((i, item)) = order
        .next(|entry| replayed.get(&entry.user).and_then(|state| state.2) == entry.prev_for_user)
    {
        let walk = &mut walks[i];
        let (k, entry) = match item {
            Ok(pair) => pair,
            Err(e) => {
                problems.push(format!("wallet: unreadable ledger entry: {e}"));
                continue;
            }
        };
        if k != entry.seq || entry.seq != walk.expected {
            problems.push(format!(
                "wallet: ledger entry {} out of sequence (expected {})",
                entry.seq, walk.expected
            ));
        }
        walk.expected = entry.seq.saturating_add(1);
        if entry.seq >= bound_from {
            while walk
                .early
                .last_key_value()
                .is_none_or(|(seq, _)| *seq < entry.seq)
            {
                let Some((seq, bound, audit_seq)) = walk.bindings.next() else {
                    break;
                };
                walk.early.insert(seq, (bound, audit_seq));
            }
            // Bindings of entries before this one that were never met: those are missing.
            while let Some(first) = walk.early.first_entry() {
                if *first.key() >= entry.seq {
                    break;
                }
                let (seq, (bound, audit_seq)) = first.remove_entry();
                missing(seq, &bound, audit_seq, &mut problems);
            }
            check_binding(&entry, walk.early.remove(&entry.seq), "", &mut problems);
        }
        let state = replayed.entry(entry.user).or_insert((Money::ZERO, 0, None));
        if entry.prev_for_user != state.2 {
            problems.push(format!(
                "wallet: ledger entry {} of user {} names {:?} as the user's previous entry, which was {:?} (chain broken)",
                entry.seq, entry.user, entry.prev_for_user, state.2
            ));
        }
        if entry.balance_before != state.0 {
            problems.push(format!(
                "wallet: ledger entry {} of user {} starts at {} but the previous balance was {}",
                entry.seq, entry.user, entry.balance_before, state.0
            ));
        }
        check_entry_arithmetic(&entry, &mut problems);
        state.0 = entry.balance_after;
        state.1 += 1;
        state.2 = Some(entry.seq);
        if entry.seq <= mark_of(marks, Lane::of(entry.seq)) {
            sums.add(&entry);
        }
        let sum = by_kind.entry(entry.kind.name()).or_insert(Money::ZERO);
        *sum = sum.checked_add(entry.amount).unwrap_or(*sum);
        match entry.reference {
            LedgerRef::Topup(id) => check_topup_reference(store, &entry, id, &mut problems)?,
            LedgerRef::Order(id) => (orders.check_reference)(&entry, id, &mut problems)?,
            LedgerRef::Invoice(id) => (orders.note_invoice_entry)(&entry, id),
            LedgerRef::Referral(_) => (orders.note_referral_entry)(&entry),
            LedgerRef::None => {}
        }
    }
    for (lane, walk) in lanes.iter().zip(walks) {
        check_lane_counter(store, *lane, walk.expected - 1, &mut problems)?;
        for (seq, (bound, audit_seq)) in walk.early {
            missing(seq, &bound, audit_seq, &mut problems);
        }
        for (seq, bound, audit_seq) in walk.bindings {
            missing(seq, &bound, audit_seq, &mut problems);
        }
    }

    // Top-ups: approved ones have exactly one matching TOPUP entry; others none.
    let mut pending_per_user: BTreeMap<UserId, u32> = BTreeMap::new();
    let mut pending_per_method: BTreeMap<PaymentMethodId, u64> = BTreeMap::new();
    let mut approved_usd = Money::ZERO;
    let mut topups = 0usize;
    for item in store.scan(Span::<Topups>::all(), false) {
        let (_, topup) = item?;
        topups += 1;
        // The top-up's side; the ledger's side (every TOPUP entry belongs to the approved
        // top-up that names it) was checked in the ledger walk, so together: exactly one.
        match topup.status {
            TopupStatus::Approved => {
                approved_usd = approved_usd
                    .checked_add(topup.amount_usd)
                    .unwrap_or(approved_usd);
                let entry = match topup.ledger_seq {
                    Some(seq) => log::fetch::<Ledger>(store, seq)?,
                    None => None,
                };
                let ok = entry.is_some_and(|e| {
                    e.kind == LedgerKind::Topup
                        && e.amount == topup.amount_usd
                        && e.user == topup.user
                        && e.reference == LedgerRef::Topup(topup.id)
                });
                if !ok {
                    problems.push(format!(
                        "wallet: approved top-up {} has no matching TOPUP ledger entry (ledger entry {:?})",
                        topup.id, topup.ledger_seq
                    ));
                }
            }
            TopupStatus::Pending | TopupStatus::Rejected => {
                if topup.ledger_seq.is_some() {
                    problems.push(format!(
                        "wallet: {} top-up {} has ledger entries",
                        topup.status, topup.id
                    ));
                }
                if topup.status == TopupStatus::Pending {
                    *pending_per_user.entry(topup.user).or_default() += 1;
                    *pending_per_method.entry(topup.method).or_default() += 1;
                }
            }
        }
        if !store.exists::<TopupsByStatus>(&(topup.status, topup.id))?
            || !store.exists::<TopupsByUser>(&(topup.user, topup.id))?
        {
            problems.push(format!("wallet: top-up {} missing from an index", topup.id));
        }
    }
    let topups = u64::try_from(topups).unwrap_or(u64::MAX);
    if store.count(Span::<TopupsByStatus>::all())? != topups
        || store.count(Span::<TopupsByUser>::all())? != topups
    {
        problems.push("wallet: top-up indexes and top-ups differ in size".into());
    }

    // Wallets against the replayed ledger.
    let mut total_balances = Money::ZERO;
    for item in store.scan(Span::<Wallets>::all(), false) {
        let (user, wallet) = match item {
            Ok(pair) => pair,
            Err(e) if crate::store::is_bad_key(&e) => {
                problems.push(format!("wallet: bad wallet record: {e}"));
                continue;
            }
            Err(e) => return Err(e),
        };
        total_balances = total_balances
            .checked_add(wallet.balance)
            .unwrap_or(total_balances);
        if wallet.balance.is_negative() {
            problems.push(format!(
                "wallet: user {user} has a negative balance {}",
                wallet.balance
            ));
        }
        let (ledger_balance, entries, last) =
            replayed.remove(&user).unwrap_or((Money::ZERO, 0, None));
        if wallet.balance != ledger_balance
            || wallet.entries != entries
            || wallet.last_entry != last
        {
            problems.push(format!(
                "wallet: user {user} holds {} but the ledger sums to {ledger_balance}",
                wallet.balance
            ));
        }
        let pending = pending_per_user.remove(&user).unwrap_or(0);
        if wallet.pending_topups != pending {
            problems.push(format!(
                "wallet: user {user} counts {} pending top-ups, there are {pending}",
                wallet.pending_topups
            ));
        }
    }
    for (user, (balance, _, _)) in replayed {
        problems.push(format!(
            "wallet: user {user} has ledger entries (sum {balance}) but no wallet"
        ));
    }
    for (user, n) in pending_per_user {
        problems.push(format!(
            "wallet: user {user} has {n} pending top-ups but no wallet"
        ));
    }
    let awaiting_orders = &orders.awaiting_per_method;
    for item in store.scan(Span::<payment_methods::PaymentMethods>::all(), false) {
        let (_, method) = item?;
        let pending = pending_per_method.get(&method.id).copied().unwrap_or(0)
            + awaiting_orders.get(&method.id).copied().unwrap_or(0);
        if method.pending_uses != pending {
            problems.push(format!(
                "wallet: payment method {} counts {} pending uses, there are {pending}",
                method.id, method.pending_uses
            ));
        }
    }

    // Shop-wide conservation: balances = top-ups + outside payments + adjustments
    // - purchases + refunds.
    let kind_sum = |kind: LedgerKind| by_kind.get(kind.name()).copied().unwrap_or(Money::ZERO);
    if kind_sum(LedgerKind::Topup) != approved_usd {
        problems.push(format!(
            "wallet: TOPUP entries sum to {} but approved top-ups to {approved_usd}",
            kind_sum(LedgerKind::Topup)
        ));
    }
    let expected_total = [
        LedgerKind::Topup,
        LedgerKind::Payment,
        LedgerKind::Adjustment,
        LedgerKind::Purchase,
        LedgerKind::Refund,
        LedgerKind::Invoice,
        LedgerKind::ProviderRefund,
        LedgerKind::Referral,
    ]
    .into_iter()
    .try_fold(Money::ZERO, |acc, kind| acc.checked_add(kind_sum(kind)));
    if expected_total != Some(total_balances) {
        problems.push(format!(
            "wallet: money is not conserved: balances total {total_balances}, the ledger says {expected_total:?}"
        ));
    }
    problems.extend(store.check_id_blocks::<Topups>(
        Counter::TopupSeq,
        "wallet",
        "top-up",
        Some(topups),
    )?);
    Ok((problems, sums))
}

/// Where the ledger's tail ended, for the start-up check: the last entry checked in each
/// lane and the sums up to them.
pub(crate) struct LedgerTail {
    pub(crate) last: BTreeMap<Lane, u64>,
    pub(crate) sums: LedgerSums,
    pub(crate) entries: u64,
}

/// The start-up check of the ledger after the verified watermark (`marks`, each lane's
/// last verified entry, with the sums up to them): in each lane the entries follow each
/// other with no gap up to the lane's counter; each adds up and stays non-negative, each
/// continues its user's previous entry (read along the users' chains across the lanes, and
/// found through the entry it names when that is older than the tail), each from
/// `bound_from` on is named by the audit entry of its operation (`bindings`, taken from the
/// audit tail; what is left in it names entries that are missing), and every user touched
/// ends with the balance their wallet holds. Costs what the tail holds, not what the store
/// holds.
pub(crate) fn check_tail(
    store: &crate::store::Store,
    marks: &BTreeMap<Lane, u64>,
    sums: LedgerSums,
    bindings: &mut BTreeMap<u64, (String, u64)>,
    problems: &mut Vec<String>,
) -> std::result::Result<LedgerTail, StoreError> {
    let bound_from: u64 = store.fetch::<LedgerBoundFrom>(&())?.unwrap_or(1);
    let lanes = ledger_lanes(store, marks.keys().copied())?;
    let mut tail = LedgerTail {
        last: lanes
            .iter()
            .map(|lane| (*lane, mark_of(marks, *lane)))
            .collect(),
        sums,
        entries: 0,
    };
    // (Tail-sized: the users the tail touched.)
    let mut touched: BTreeMap<UserId, (Money, u64)> = BTreeMap::new();
    let verified = |seq: u64| seq <= mark_of(marks, Lane::of(seq));
    let mut order = ChainOrder::new(store, &lanes, |lane| mark_of(marks, lane));
    while let Some((i, item)) = order.next(|entry| match touched.get(&entry.user) {
        Some((_, seq)) => entry.prev_for_user == Some(*seq),
        None => entry.prev_for_user.is_none_or(verified),
    }) {
        let (k, entry) = match item {
            Ok(pair) => pair,
            Err(e) => {
                problems.push(format!("wallet: unreadable ledger entry: {e}"));
                continue;
            }
        };
        let last = tail.last.entry(lanes[i]).or_insert(lanes[i].base());
        let expected = last.saturating_add(1);
        if k != entry.seq || entry.seq != expected {
            problems.push(format!(
                "wallet: ledger entry {} out of sequence (expected {expected})",
                entry.seq
            ));
        }
        *last = entry.seq;
        tail.entries += 1;
        if entry.seq >= bound_from {
            check_binding(
                &entry,
                bindings.remove(&entry.seq),
                " after the verified watermark",
                problems,
            );
        }
        check_entry_arithmetic(&entry, problems);
        let previous = match touched.get(&entry.user) {
            Some((balance, seq)) => {
                if entry.prev_for_user != Some(*seq) {
                    problems.push(format!(
                        "wallet: ledger entry {} names {:?} as user {}'s previous entry, which was {seq} (chain broken)",
                        entry.seq, entry.prev_for_user, entry.user
                    ));
                }
                *balance
            }
            None => previous_balance(store, &entry, problems)?,
        };
        if entry.balance_before != previous {
            problems.push(format!(
                "wallet: ledger entry {} of user {} starts at {} but the previous balance was {previous}",
                entry.seq, entry.user, entry.balance_before
            ));
        }
        touched.insert(entry.user, (entry.balance_after, entry.seq));
        tail.sums.add(&entry);
    }
    for (seq, (bound, audit_seq)) in bindings.range(bound_from..) {
        if !verified(*seq) {
            problems.push(format!(
                "wallet: audit entry {audit_seq} recorded ledger entry \"{bound}\", which is missing (seq {seq})"
            ));
        }
    }
    for (lane, last) in &tail.last {
        check_lane_counter(store, *lane, *last, problems)?;
    }
    for (user, (balance, seq)) in touched {
        let wallet: Wallet = store.fetch::<Wallets>(&user)?.unwrap_or_default();
        if wallet.balance != balance || wallet.last_entry != Some(seq) {
            problems.push(format!(
                "wallet: user {user} holds {} but the ledger ends at {balance} (entry {seq})",
                wallet.balance
            ));
        }
    }
    Ok(tail)
}

/// Checks one older ledger entry picked at random by the start-up check: it adds up, stays
/// non-negative and continues its user's previous entry.
pub(crate) fn check_sample(
    store: &crate::store::Store,
    seq: u64,
    problems: &mut Vec<String>,
) -> std::result::Result<(), StoreError> {
    let Some(entry) = log::fetch::<Ledger>(store, seq)? else {
        problems.push(format!("wallet: ledger entry {seq} is missing"));
        return Ok(());
    };
    if entry.seq != seq {
        problems.push(format!(
            "wallet: ledger entry under {seq} says seq {}",
            entry.seq
        ));
    }
    check_entry_arithmetic(&entry, problems);
    let previous = previous_balance(store, &entry, problems)?;
    if entry.balance_before != previous {
        problems.push(format!(
            "wallet: ledger entry {} of user {} starts at {} but the previous balance was {previous}",
            entry.seq, entry.user, entry.balance_before
        ));
    }
    Ok(())
}

/// An entry against what its operation's audit entry recorded for it (`bound`: the
/// binding text and the audit entry's number; `None`: no audit entry `where_` names it).
fn check_binding(
    entry: &LedgerEntry,
    bound: Option<(String, u64)>,
    where_: &str,
    problems: &mut Vec<String>,
) {
    match bound {
        None => problems.push(format!(
            "wallet: ledger entry {} is not recorded by any audit entry{where_}",
            entry.seq
        )),
        Some((bound, audit_seq)) if bound != ledger_binding(entry) => problems.push(format!(
            "wallet: ledger entry {} says \"{}\" but audit entry {audit_seq} recorded \"{bound}\" (altered)",
            entry.seq,
            ledger_binding(entry)
        )),
        Some(_) => {}
    }
}

fn check_entry_arithmetic(entry: &LedgerEntry, problems: &mut Vec<String>) {
    if entry.balance_before.checked_add(entry.amount) != Some(entry.balance_after) {
        problems.push(format!(
            "wallet: ledger entry {} does not add up",
            entry.seq
        ));
    }
    if entry.balance_after.is_negative() {
        problems.push(format!(
            "wallet: ledger entry {} leaves a negative balance",
            entry.seq
        ));
    }
}

/// The balance `entry`'s user had before it: the `balance_after` of the entry it names as
/// the user's previous one, zero for their first.
fn previous_balance(
    store: &crate::store::Store,
    entry: &LedgerEntry,
    problems: &mut Vec<String>,
) -> std::result::Result<Money, StoreError> {
    let Some(seq) = entry.prev_for_user else {
        return Ok(Money::ZERO);
    };
    match log::fetch::<Ledger>(store, seq)? {
        // (Within a lane a user's previous entry is an earlier one; across lanes the
        // numbers say nothing about which came first.)
        Some(prev)
            if prev.user == entry.user
                && (prev.seq < entry.seq || Lane::of(prev.seq) != Lane::of(entry.seq)) =>
        {
            Ok(prev.balance_after)
        }
        _ => {
            problems.push(format!(
                "wallet: ledger entry {} names entry {seq} as user {}'s previous one, which it is not (chain broken)",
                entry.seq, entry.user
            ));
            Ok(Money::ZERO)
        }
    }
}

/// The ledger's side of a TOPUP: the entry belongs to an approved top-up that names it.
fn check_topup_reference(
    store: &crate::store::Store,
    entry: &LedgerEntry,
    id: TopupId,
    problems: &mut Vec<String>,
) -> std::result::Result<(), StoreError> {
    match store.fetch::<Topups>(&id)? {
        None => problems.push(format!(
            "wallet: ledger entry {} refers to missing top-up {id}",
            entry.seq
        )),
        Some(topup) if topup.status != TopupStatus::Approved => problems.push(format!(
            "wallet: {} top-up {id} has ledger entries (entry {})",
            topup.status, entry.seq
        )),
        Some(topup) if topup.ledger_seq != Some(entry.seq) || entry.kind != LedgerKind::Topup => {
            problems.push(format!(
                "wallet: approved top-up {id} has another ledger entry ({} {}), not exactly one matching TOPUP",
                entry.seq,
                entry.kind.name()
            ))
        }
        Some(_) => {}
    }
    Ok(())
}

impl Shop {
    /// The top-up a notification is about (see `Shop::order_for_notification`).
    pub fn topup_for_notification(
        &self,
        notification: &notifications::Notification,
    ) -> Result<Option<Topup>> {
        let id = match &notification.kind {
            notifications::NotificationKind::TopupApproved { topup, .. }
            | notifications::NotificationKind::TopupRejected { topup, .. }
            | notifications::NotificationKind::StaffTopupWaiting { topup } => *topup,
            _ => return Ok(None),
        };
        Ok(self.store.fetch::<Topups>(&id)?)
    }
}
