//! Retention: keeping the database from growing without bound. Old audit entries that
//! record views and profile refreshes, and dialogue sessions nobody touched for a long time,
//! can be pruned. The ledger and every audit entry about money, roles, the catalog or
//! settings are never pruned; a pruned audit entry leaves a stub with its hashes, so the
//! chain still verifies.

use crate::Shop;
use crate::audit::{self, AuditAction, AuditEntry, Detail, Outcome, Target};
use crate::clock::Timestamp;
use crate::error::Result;
use crate::roles::Permission;
use crate::shop::{Actor, require};
use crate::store::{Table, key};
use serde::Deserialize;
use std::ops::Bound;

/// What to prune.
#[derive(Clone, Copy, Debug)]
pub struct RetentionPolicy {
    /// Prunable audit entries older than this go.
    pub audit_before: Timestamp,
    /// Sessions not updated since this go.
    pub sessions_before: Timestamp,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct PruneReport {
    pub audit_entries: u64,
    pub sessions: u64,
    /// More was eligible than one call prunes; call again.
    pub more: bool,
}

/// Records pruned per call (each batch is one transaction).
const PRUNE_BATCH: usize = 5_000;

#[derive(Deserialize)]
struct SessionTime {
    #[allow(dead_code)]
    data: Vec<u8>,
    updated_at: Timestamp,
}

impl Shop {
    /// Prunes what `policy` allows (`manage_settings`), audited `PRUNE_RECORDS`.
    pub fn prune(&self, actor: &Actor, policy: &RetentionPolicy) -> Result<PruneReport> {
        self.transact(|tx| {
            require(tx, actor, Permission::ManageSettings)?;
            crate::settings::refuse_in_emergency(tx)
        })?;
        let head: Option<u64> = self
            .store
            .read::<audit::AuditHead>(Table::Meta, audit::HEAD_KEY)?
            .map(|h| h.seq);
        let mut entries = Vec::new();
        let mut more = false;
        for item in self.store.keys(
            Table::AuditByTime,
            Bound::Unbounded,
            Bound::Excluded(policy.audit_before.to_key_bytes().to_vec()),
            false,
        ) {
            let k = item?;
            let Some(seq) = k.len().checked_sub(8).and_then(|at| key::read_u64(&k, at)) else {
                continue;
            };
            if Some(seq) == head {
                continue; // the newest entry anchors the head record
            }
            let Some(entry) = self
                .store
                .read::<AuditEntry>(Table::Audit, &key::u64(seq))?
            else {
                continue;
            };
            if entry.action.is_prunable() && entry.outcome == Outcome::Done {
                if entries.len() == PRUNE_BATCH {
                    more = true;
                    break;
                }
                entries.push(entry);
            }
        }
        let mut sessions = Vec::new();
        for item in self.store.range::<SessionTime>(
            Table::Sessions,
            Bound::Unbounded,
            Bound::Unbounded,
            false,
        ) {
            let (k, s) = item?;
            if s.updated_at < policy.sessions_before {
                if sessions.len() == PRUNE_BATCH {
                    more = true;
                    break;
                }
                sessions.push(k);
            }
        }
        let report = PruneReport {
            audit_entries: u64::try_from(entries.len()).unwrap_or(u64::MAX),
            sessions: u64::try_from(sessions.len()).unwrap_or(u64::MAX),
            more,
        };
        self.audited(actor, AuditAction::PruneRecords, Target::None, |tx| {
            require(tx, actor, Permission::ManageSettings)?;
            for entry in &entries {
                if tx.contains_key(Table::Audit, &key::u64(entry.seq))? {
                    audit::prune_entry(tx, entry)?;
                }
            }
            for k in &sessions {
                tx.remove(Table::Sessions, k)?;
            }
            audit::done(
                tx,
                actor.who(),
                AuditAction::PruneRecords,
                Target::None,
                vec![
                    Detail::noted("audit_entries", report.audit_entries),
                    Detail::noted("sessions", report.sessions),
                ],
            )?;
            Ok(report)
        })
    }
}
