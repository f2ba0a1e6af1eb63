//! Retention: keeping the database from growing without bound, so that what one user can
//! make the shop store is bounded by what the shop keeps on purpose. Prunable, once older
//! than the policy's cutoffs: audit entries that record views and profile refreshes, and
//! every denied or failed attempt (it changed nothing); dialogue sessions nobody touched;
//! outbox entries every consumer has acknowledged; and request keys past the retry window
//! ([`REQUEST_KEY_KEEP_MS`]; a replay after that is treated as a new request). The ledger and
//! every successful audit entry about money, roles, the catalog or settings are never
//! pruned; a pruned audit entry leaves a stub with its hashes, so the chain still verifies.
//!
//! Peers: audit, notifications, requests, sessions, settings.

use crate::Shop;
use crate::audit::{self, AuditAction, Detail, Outcome, Target};
use crate::clock::Timestamp;
use crate::error::Result;
use crate::notifications::{self, Outbox, OutboxCursors};
use crate::requests::RequestKeys;
use crate::roles::Permission;
use crate::sessions::Sessions;
use crate::shop::{Actor, require};
use crate::store::Span;
use std::ops::Bound;

/// What to prune.
#[derive(Clone, Copy, Debug)]
pub struct RetentionPolicy {
    /// Prunable audit entries (views, profile refreshes, refused attempts) older than this go.
    pub audit_before: Timestamp,
    /// Sessions not updated since this go.
    pub sessions_before: Timestamp,
    /// Outbox entries older than this that every consumer has acknowledged go.
    pub outbox_before: Timestamp,
    /// Request keys remembered before this go, but never one younger than
    /// [`REQUEST_KEY_KEEP_MS`]: a client may retry that long.
    pub request_keys_before: Timestamp,
}

impl RetentionPolicy {
    /// The same cutoff for everything.
    pub fn everything_before(cutoff: Timestamp) -> RetentionPolicy {
        RetentionPolicy {
            audit_before: cutoff,
            sessions_before: cutoff,
            outbox_before: cutoff,
            request_keys_before: cutoff,
        }
    }
}

/// How long a request key is kept at least: a replay within this window returns the first
/// result; after it, the key may be pruned and the same key is a new request. Frontends
/// retry within minutes; seven days also covers a bot that was down for days.
pub const REQUEST_KEY_KEEP_MS: i64 = 7 * 24 * 60 * 60 * 1000;

/// What one [`Shop::prune`] call removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct PruneReport {
    /// Audit entries replaced by stubs.
    pub audit_entries: u64,
    /// Sessions removed.
    pub sessions: u64,
    /// Acknowledged outbox entries removed.
    pub outbox_entries: u64,
    /// Request keys forgotten.
    pub request_keys: u64,
    /// More was eligible than one call prunes; call again.
    pub more: bool,
}

/// Records pruned per call (each batch is one transaction).
const PRUNE_BATCH: usize = 5_000;

impl Shop {
    /// Prunes what `policy` allows (`manage_settings`), audited `PRUNE_RECORDS`. One call
    /// prunes a bounded batch of each kind in one transaction; when
    /// [`PruneReport::more`] is set, call again. Refused in emergency mode. The audit chain
    /// still verifies afterwards: each pruned entry leaves a stub with its hashes.
    pub fn prune(&self, actor: &Actor, policy: &RetentionPolicy) -> Result<PruneReport> {
        self.transact(|tx| {
            require(tx, actor, Permission::ManageSettings)?;
            crate::settings::refuse_in_emergency(tx)
        })?;
        // Candidates are found through the time index: bring it up to date.
        audit::index_all(&self.store, self.now())?;
        let heads: Vec<u64> = audit::heads(&self.store)?
            .into_values()
            .map(|h| h.seq)
            .collect();
        let mut entries = Vec::new();
        let mut more = false;
        for item in audit::seqs_in_hours_up_to(&self.store, policy.audit_before) {
            let seq = item?;
            if heads.contains(&seq) {
                continue; // the newest entry of a lane anchors its head record
            }
            let Some(entry) = crate::store::log::fetch::<audit::Entries>(&self.store, seq)? else {
                continue;
            };
            if entry.at >= policy.audit_before {
                continue; // the index goes by the hour
            }
            let refused = entry.outcome != Outcome::Done;
            if entry.action.is_prunable() || refused {
                if entries.len() == PRUNE_BATCH {
                    more = true;
                    break;
                }
                entries.push(entry);
            }
        }
        let mut sessions = Vec::new();
        for item in self.store.scan(Span::<Sessions>::all(), false) {
            let (k, s) = item?;
            if s.updated_at < policy.sessions_before {
                if sessions.len() == PRUNE_BATCH {
                    more = true;
                    break;
                }
                sessions.push(k);
            }
        }
        // Outbox entries every consumer has acknowledged, lane by lane (none while no
        // consumer has a cursor; a consumer that never acknowledged in a lane holds all of
        // it).
        let mut consumers = std::collections::BTreeSet::new();
        for item in self.store.scan_keys(Span::<OutboxCursors>::all(), false) {
            consumers.insert(item?);
        }
        for item in self
            .store
            .scan_keys(Span::<notifications::OutboxLaneCursors>::all(), false)
        {
            consumers.insert(item?.1);
        }
        let mut outbox = Vec::new();
        let lanes = if consumers.is_empty() {
            Vec::new()
        } else {
            notifications::lanes(&self.store)?
        };
        for lane in lanes {
            let mut acknowledged = u64::MAX;
            for consumer in &consumers {
                acknowledged =
                    acknowledged.min(notifications::cursor(&self.store, consumer, lane)?);
            }
            let acked = crate::store::log::scan::<Outbox>(
                &self.store,
                Bound::Excluded(lane.base()),
                Bound::Included(acknowledged.min(lane.last())),
                false,
            );
            for item in acked {
                let (k, n) = item?;
                if n.at >= policy.outbox_before {
                    break; // a lane's order is its time order
                }
                if outbox.len() == PRUNE_BATCH {
                    more = true;
                    break;
                }
                outbox.push(k);
            }
        }
        let keys_before = policy
            .request_keys_before
            .min(self.now().plus_millis(-REQUEST_KEY_KEEP_MS));
        let mut request_keys = Vec::new();
        for item in self.store.scan(Span::<RequestKeys>::all(), false) {
            let (k, stored) = item?;
            if stored.at < keys_before {
                if request_keys.len() == PRUNE_BATCH {
                    more = true;
                    break;
                }
                request_keys.push(k);
            }
        }
        let count = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
        let report = PruneReport {
            audit_entries: count(entries.len()),
            sessions: count(sessions.len()),
            outbox_entries: count(outbox.len()),
            request_keys: count(request_keys.len()),
            more,
        };
        self.audited(actor, AuditAction::PruneRecords, Target::None, |tx| {
            require(tx, actor, Permission::ManageSettings)?;
            for entry in &entries {
                if crate::store::log::has::<audit::Entries>(tx, entry.seq)? {
                    audit::prune_entry(tx, entry)?;
                }
            }
            for k in &sessions {
                tx.delete::<Sessions>(k)?;
            }
            for k in &outbox {
                crate::store::log::remove::<Outbox>(tx, *k)?;
            }
            for k in &request_keys {
                // Re-checked inside the transaction: a key remembered again meanwhile stays.
                if let Some(stored) = tx.load::<RequestKeys>(k)?
                    && stored.at < keys_before
                {
                    tx.delete::<RequestKeys>(k)?;
                }
            }
            audit::done(
                tx,
                actor.who(),
                AuditAction::PruneRecords,
                Target::None,
                vec![
                    Detail::noted("audit_entries", report.audit_entries),
                    Detail::noted("sessions", report.sessions),
                    Detail::noted("outbox_entries", report.outbox_entries),
                    Detail::noted("request_keys", report.request_keys),
                ],
            )?;
            Ok(report)
        })
    }
}
