//! The audit log: an append-only, hash-chained record of every administrative action,
//! financial operation, permission change and denied attempt. Entries are written in the
//! same transaction as the change they record; each carries the SHA-256 of the previous
//! entry, so editing, removing or reordering entries is detected by `Shop::verify`.

use crate::clock::Timestamp;
use crate::error::InvalidInput;
use crate::ids::{
    BroadcastId, CategoryId, CouponCode, CurrencyCode, OrderId, PaymentMethodId, ProductId,
    TopupId, UserId,
};
use crate::store::{Counter, StoreError, Table, Tx, key};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;
use std::ops::Bound;

/// Who did something, as recorded: a stored user, or a named trusted system identity (the
/// operator console, start-up bootstrap).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ActorRef {
    User(UserId),
    System(String),
}

impl ActorRef {
    pub(crate) fn index_prefix(&self) -> Vec<u8> {
        match self {
            ActorRef::User(id) => key::join(&[&[1], &id.key()]),
            // System names never contain NUL (they pass the text rules), so NUL ends them.
            ActorRef::System(name) => key::join(&[&[2], name.as_bytes(), &[0]]),
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
    ($($variant:ident = $code:literal => $name:literal,)*) => {
        /// What an audit entry records. Codes are stored on disk: never reuse or renumber one.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[non_exhaustive]
        pub enum AuditAction { $($variant,)* }

        impl AuditAction {
            pub const ALL: &'static [AuditAction] = &[$(AuditAction::$variant,)*];

            /// The action's name in the seed's style (`CREATE_PRODUCT`).
            pub fn name(self) -> &'static str {
                match self { $(AuditAction::$variant => $name,)* }
            }

            fn code(self) -> u16 {
                match self { $(AuditAction::$variant => $code,)* }
            }

            /// Parses a name, case-insensitively.
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
    RegisterUser = 1 => "REGISTER_USER",
    UpdateUserProfile = 2 => "UPDATE_USER_PROFILE",
    BanUser = 3 => "BAN_USER",
    UnbanUser = 4 => "UNBAN_USER",
    ChangeRole = 5 => "CHANGE_ROLE",
    BootstrapSuperAdmin = 6 => "BOOTSTRAP_SUPER_ADMIN",
    SetStoreState = 7 => "SET_STORE_STATE",
    SetFulfilmentMode = 8 => "SET_FULFILMENT_MODE",
    UpdateSettings = 9 => "UPDATE_SETTINGS",
    ViewAuditLogs = 10 => "VIEW_AUDIT_LOGS",
    AddCurrency = 11 => "ADD_CURRENCY",
    SetExchangeRate = 12 => "SET_EXCHANGE_RATE",
    UpdateCurrency = 13 => "UPDATE_CURRENCY",
    CreateProduct = 20 => "CREATE_PRODUCT",
    UpdateProduct = 21 => "UPDATE_PRODUCT",
    DeleteProduct = 22 => "DELETE_PRODUCT",
    ActivateProduct = 23 => "ACTIVATE_PRODUCT",
    DeactivateProduct = 24 => "DEACTIVATE_PRODUCT",
    AddCodes = 25 => "ADD_CODES",
    RevokeCodes = 26 => "REVOKE_CODES",
    CreateCategory = 27 => "CREATE_CATEGORY",
    UpdateCategory = 28 => "UPDATE_CATEGORY",
    DeleteCategory = 29 => "DELETE_CATEGORY",
    CreatePaymentMethod = 30 => "CREATE_PAYMENT_METHOD",
    UpdatePaymentMethod = 31 => "UPDATE_PAYMENT_METHOD",
    DeletePaymentMethod = 32 => "DELETE_PAYMENT_METHOD",
    ViewPaymentMethodsPanel = 33 => "VIEW_PAYMENT_METHODS_PANEL",
    ApproveDeposit = 40 => "APPROVE_DEPOSIT",
    RejectDeposit = 41 => "REJECT_DEPOSIT",
    RequestDeposit = 42 => "REQUEST_DEPOSIT",
    AdjustBalance = 43 => "ADJUST_BALANCE",
    FinalizeOrderCompleted = 50 => "FINALIZE_ORDER_COMPLETED",
    FinalizeOrderFailed = 51 => "FINALIZE_ORDER_FAILED",
    CreateOrder = 52 => "CREATE_ORDER",
    CancelOrder = 53 => "CANCEL_ORDER",
    ConfirmPayment = 54 => "CONFIRM_PAYMENT",
    ExpireOrder = 55 => "EXPIRE_ORDER",
    SupplierFallback = 56 => "SUPPLIER_FALLBACK",
    CreateCoupon = 57 => "CREATE_COUPON",
    UpdateCoupon = 58 => "UPDATE_COUPON",
    ViewStats = 60 => "VIEW_STATS",
    CreateBroadcast = 70 => "CREATE_BROADCAST",
    CancelBroadcast = 71 => "CANCEL_BROADCAST",
    PruneRecords = 72 => "PRUNE_RECORDS",
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
    None,
    User(UserId),
    Settings,
    Currency(CurrencyCode),
    Category(CategoryId),
    Product(ProductId),
    PaymentMethod(PaymentMethodId),
    Topup(TopupId),
    Order(OrderId),
    Coupon(CouponCode),
    Broadcast(BroadcastId),
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
        }
    }
}

/// One changed or noted field: before and after where something changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Detail {
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

impl Detail {
    pub fn changed(field: &str, before: impl fmt::Display, after: impl fmt::Display) -> Detail {
        Detail {
            field: field.to_owned(),
            before: Some(before.to_string()),
            after: Some(after.to_string()),
        }
    }

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
    Done,
    /// The actor lacked the right; nothing changed.
    Denied {
        reason: String,
    },
    /// A privileged action failed validation; nothing changed.
    Failed {
        reason: String,
    },
}

/// One audit log entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub seq: u64,
    pub at: Timestamp,
    pub actor: ActorRef,
    pub action: AuditAction,
    pub target: Target,
    pub details: Vec<Detail>,
    pub outcome: Outcome,
    pub prev_hash: [u8; 32],
    pub hash: [u8; 32],
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
#[derive(Deserialize)]
struct PrunedEntryV1 {
    seq: u64,
    at: Timestamp,
    action: AuditAction,
    prev_hash: [u8; 32],
    hash: [u8; 32],
}

/// Schema 1 → 2: stubs gain `refused` (every schema-1 stub was a successful view).
pub(crate) fn migrate_stubs(store: &crate::store::Store) -> Result<(), StoreError> {
    let old: Vec<(Vec<u8>, PrunedEntryV1)> = store
        .range::<PrunedEntryV1>(
            Table::AuditPruned,
            Bound::Unbounded,
            Bound::Unbounded,
            false,
        )
        .collect::<Result<_, _>>()?;
    for (k, stub) in old {
        store.put_for_migration(
            Table::AuditPruned,
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

/// Removes one entry and its index keys, leaving a stub (inside the caller's transaction).
pub(crate) fn prune_entry(tx: &Tx<'_>, entry: &AuditEntry) -> Result<(), StoreError> {
    let seq_key = key::u64(entry.seq);
    tx.remove(Table::Audit, &seq_key)?;
    tx.remove(
        Table::AuditByActor,
        &key::join(&[&entry.actor.index_prefix(), &seq_key]),
    )?;
    tx.remove(
        Table::AuditByAction,
        &key::join(&[&entry.action.code().to_be_bytes(), &seq_key]),
    )?;
    tx.remove(
        Table::AuditByTime,
        &key::join(&[&entry.at.to_key_bytes(), &seq_key]),
    )?;
    tx.put(
        Table::AuditPruned,
        &seq_key,
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

pub(crate) const HEAD_KEY: &[u8] = b"audit_head";

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
    let record = Record { details, ..record };
    let head: Option<AuditHead> = tx.get(Table::Meta, HEAD_KEY)?;
    let seq = tx.next_id(Counter::AuditSeq)?;
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
    let seq_key = key::u64(seq);
    tx.put(Table::Audit, &seq_key, &entry)?;
    tx.put_key(
        Table::AuditByActor,
        &key::join(&[&entry.actor.index_prefix(), &seq_key]),
    )?;
    tx.put_key(
        Table::AuditByAction,
        &key::join(&[&entry.action.code().to_be_bytes(), &seq_key]),
    )?;
    tx.put_key(
        Table::AuditByTime,
        &key::join(&[&entry.at.to_key_bytes(), &seq_key]),
    )?;
    tx.put(
        Table::Meta,
        HEAD_KEY,
        &AuditHead {
            seq,
            hash: entry.hash,
        },
    )?;
    Ok(seq)
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

/// Filters for reading the log. Results are newest first.
#[derive(Clone, Debug, Default)]
pub struct AuditQuery {
    pub actor: Option<ActorRef>,
    pub action: Option<AuditAction>,
    /// Entries at or after this time.
    pub since: Option<Timestamp>,
    /// Entries before this time.
    pub until: Option<Timestamp>,
    /// Continue after a previous page.
    pub cursor: Option<AuditCursor>,
    pub limit: usize,
}

/// Where a page ended; pass it back to get the next page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditCursor(Vec<u8>);

#[derive(Clone, Debug)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    /// `Some` when there may be more entries.
    pub next: Option<AuditCursor>,
}

pub const PAGE_LIMIT_MAX: usize = 200;
/// How many index entries one page may examine before it returns (with a cursor), so a
/// filter that matches nothing can't make one call scan the whole log.
const SCAN_BUDGET: usize = 20_000;

pub(crate) fn query(
    store: &crate::store::Store,
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
    let (table, prefix): (Table, Vec<u8>) = if let Some(actor) = &query.actor {
        (Table::AuditByActor, actor.index_prefix())
    } else if let Some(action) = query.action {
        (Table::AuditByAction, action.code().to_be_bytes().to_vec())
    } else if query.since.is_some() || query.until.is_some() {
        (Table::AuditByTime, Vec::new())
    } else {
        (Table::Audit, Vec::new())
    };
    let mut lower = Bound::Included(prefix.clone());
    let mut upper = match key::prefix_end(&prefix) {
        Some(end) if !prefix.is_empty() => Bound::Excluded(end),
        _ => Bound::Unbounded,
    };
    if table == Table::AuditByTime {
        if let Some(since) = query.since {
            lower = Bound::Included(since.to_key_bytes().to_vec());
        }
        if let Some(until) = query.until {
            upper = Bound::Excluded(until.to_key_bytes().to_vec());
        }
    }
    if let Some(AuditCursor(cursor)) = &query.cursor {
        let past_cursor = match &upper {
            Bound::Excluded(end) => cursor < end,
            _ => true,
        };
        if past_cursor {
            upper = Bound::Excluded(cursor.clone());
        }
    }
    let mut entries = Vec::new();
    let mut last_key = None;
    let mut exhausted = true;
    for (scanned, item) in store.keys(table, lower, upper, true).enumerate() {
        if scanned >= SCAN_BUDGET || entries.len() == query.limit {
            exhausted = false;
            break;
        }
        let index_key = item?;
        let seq = if table == Table::Audit {
            key::read_u64(&index_key, 0)
        } else {
            index_key
                .len()
                .checked_sub(8)
                .and_then(|at| key::read_u64(&index_key, at))
        };
        let seq = seq.ok_or_else(|| StoreError::Corrupt {
            table: table.name(),
            key: key::hex(&index_key),
            reason: "index key too short".into(),
        })?;
        last_key = Some(index_key);
        let Some(entry) = store.read::<AuditEntry>(Table::Audit, &key::u64(seq))? else {
            continue; // A dangling index key; verify() reports it.
        };
        if query.action.is_some_and(|a| a != entry.action)
            || query.since.is_some_and(|t| entry.at < t)
            || query.until.is_some_and(|t| entry.at >= t)
        {
            continue;
        }
        entries.push(entry);
    }
    Ok(AuditPage {
        entries,
        next: if exhausted {
            None
        } else {
            last_key.map(AuditCursor)
        },
    })
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

/// The ledger entries each audit entry binds ("ledger" details: `seq kind user amount`),
/// by ledger sequence number, with the audit entry's number.
pub(crate) fn ledger_bindings(
    store: &crate::store::Store,
) -> Result<std::collections::BTreeMap<u64, (String, u64)>, StoreError> {
    let mut bound = std::collections::BTreeMap::new();
    for item in store.range::<AuditEntry>(Table::Audit, Bound::Unbounded, Bound::Unbounded, false) {
        let Ok((_, entry)) = item else { continue };
        for detail in entry.details.iter().filter(|d| d.field == LEDGER_NOTE) {
            let Some(value) = &detail.after else { continue };
            if let Some(seq) = value.split(' ').next().and_then(|s| s.parse::<u64>().ok()) {
                bound.insert(seq, (value.clone(), entry.seq));
            }
        }
    }
    Ok(bound)
}

/// The detail field that binds a ledger entry into its operation's audit entry.
pub(crate) const LEDGER_NOTE: &str = "ledger";

pub(crate) fn verify(store: &crate::store::Store) -> Result<Vec<String>, StoreError> {
    let mut problems = Vec::new();
    let mut expected_seq = 1u64;
    let mut prev_hash = [0u8; 32];
    let mut count = 0usize;
    // Pruned entries leave a stub with their hashes, so the chain still links across them.
    let mut pruned = store
        .range::<PrunedEntry>(
            Table::AuditPruned,
            Bound::Unbounded,
            Bound::Unbounded,
            false,
        )
        .filter_map(|item| match item {
            Ok((_, stub)) => Some(stub),
            Err(e) => {
                problems.push(format!("audit: unreadable pruned stub: {e}"));
                None
            }
        })
        .collect::<Vec<_>>()
        .into_iter()
        .peekable();
    for item in store.range::<AuditEntry>(Table::Audit, Bound::Unbounded, Bound::Unbounded, false) {
        let (k, entry) = match item {
            Ok(pair) => pair,
            Err(e) => {
                problems.push(format!("audit: unreadable entry: {e}"));
                continue;
            }
        };
        while let Some(stub) = pruned.next_if(|stub| stub.seq < entry.seq) {
            check_stub(&stub, &mut problems);
            if stub.seq != expected_seq || stub.prev_hash != prev_hash {
                problems.push(format!(
                    "audit: pruned entry {} does not fit the chain",
                    stub.seq
                ));
            }
            prev_hash = stub.hash;
            expected_seq = stub.seq.saturating_add(1);
        }
        count += 1;
        if key::read_u64(&k, 0) != Some(entry.seq) {
            problems.push(format!(
                "audit: entry under key {} says seq {}",
                key::hex(&k),
                entry.seq
            ));
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
    }
    for stub in pruned {
        check_stub(&stub, &mut problems);
        if stub.seq != expected_seq || stub.prev_hash != prev_hash {
            problems.push(format!(
                "audit: pruned entry {} does not fit the chain",
                stub.seq
            ));
        }
        prev_hash = stub.hash;
        expected_seq = stub.seq.saturating_add(1);
    }
    let last_seq = expected_seq - 1;
    let head: Option<AuditHead> = store.read(Table::Meta, HEAD_KEY)?;
    match head {
        Some(h) if h.seq != last_seq || h.hash != prev_hash => problems.push(format!(
            "audit: the head record names entry {} but the log ends at {last_seq} (tail lost or altered)",
            h.seq
        )),
        None if last_seq != 0 => problems.push("audit: head record missing".into()),
        _ => {}
    }
    let counter = store.read_counter(Counter::AuditSeq)?;
    if counter != last_seq {
        problems.push(format!(
            "audit: sequence counter {counter} but the log ends at {last_seq} (tail lost or altered)"
        ));
    }
    for table in [
        Table::AuditByActor,
        Table::AuditByAction,
        Table::AuditByTime,
    ] {
        let n = store.len(table);
        if n != count {
            problems.push(format!(
                "audit: index {} has {n} keys for {count} entries",
                table.name()
            ));
        }
    }
    Ok(problems)
}
