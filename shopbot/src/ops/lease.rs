//! Which replica runs each periodic job. Several bots may share one PostgreSQL shop
//! (replicas behind one webhook address); each job that must run in one place at a time —
//! delivering the outbox, the supplier queue and its reconciliation, expiry sweeps, scheduled
//! backups, retention, the scheduled `verify()`, audit indexing, each broadcast — is claimed
//! through shopcore's leases (`Shop::claim_job`) before each run: the holder renews its lease
//! at every tick, the others skip, and when the holder dies its leases lapse and another
//! replica takes the jobs over. On an embedded (sled) shop there is one process by
//! construction and nothing is claimed.

use crate::core;
use shopcore::{Shop, leases};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

static HOLDER: OnceLock<String> = OnceLock::new();

/// Names this process (the `replica_name` setting) before any job runs; a second call is
/// ignored.
pub fn set_holder(name: &str) {
    let _ = HOLDER.set(name.to_owned());
}

/// This process's name among the replicas: the `replica_name` setting, or this machine's
/// host name.
pub fn holder() -> &'static str {
    HOLDER.get_or_init(default_name)
}

/// The host name made a lease holder's name (what `Shop::claim_job` accepts: other
/// characters become `-`, at most 64 of them).
pub fn default_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .unwrap_or_default();
    let name: String = host
        .trim()
        .bytes()
        .map(|b| {
            if leases::is_name_byte(b) {
                char::from(b)
            } else {
                '-'
            }
        })
        .take(leases::NAME_BYTES_MAX)
        .collect();
    if name.is_empty() {
        "shopbot".to_owned()
    } else {
        name
    }
}

/// How long a claim made at each tick of a job run every `period` lasts: three periods
/// and 10 s for frequent jobs (a dead holder's job moves within seconds), one period and
/// a half (at most 10 minutes more) for rare ones.
pub fn ttl(period: Duration) -> Duration {
    if period <= Duration::from_secs(60) {
        period * 3 + Duration::from_secs(10)
    } else {
        period + (period / 2).min(Duration::from_secs(600))
    }
}

/// Whether this process runs `job` now (claimed or renewed for [`ttl`] of `period`). Always
/// on an embedded shop; `false` when the claim fails (the database unreachable: the job
/// waits for the next tick, as it would have failed anyway).
pub async fn mine(shop: &Arc<Shop>, job: &str, period: Duration) -> bool {
    if !shop.is_shared() {
        return true;
    }
    let job = job.to_owned();
    let holder = holder().to_owned();
    let ttl = ttl(period);
    match core::run(shop, move |shop| shop.claim_job(&job, &holder, ttl)).await {
        Ok(mine) => mine,
        Err(failure) => {
            tracing::warn!(kind = failure.kind(), "claiming a periodic job failed");
            false
        }
    }
}

/// Gives up every job this process holds (a clean shutdown: the other replicas take them
/// at once instead of after the leases lapse).
pub async fn release_all(shop: &Arc<Shop>) {
    if !shop.is_shared() {
        return;
    }
    let holder = holder().to_owned();
    let released = core::run(shop, move |shop| {
        let mut released = 0;
        for lease in shop.job_leases()? {
            if lease.holder == holder && shop.release_job(&lease.job, &holder)? {
                released += 1;
            }
        }
        Ok(released)
    })
    .await;
    match released {
        Ok(n) => tracing::info!(jobs = n, "periodic jobs released"),
        Err(failure) => tracing::warn!(kind = failure.kind(), "releasing periodic jobs failed"),
    }
}

/// The job names, one place for all of them.
pub mod jobs {
    /// Delivering the outbox.
    pub const OUTBOX: &str = "outbox";
    /// Expiring unpaid orders.
    pub const EXPIRY: &str = "expiry";
    /// The supplier queue.
    pub const SUPPLIER_QUEUE: &str = "supplier_queue";
    /// Reconciling orders with the supplier.
    pub const SUPPLIER_RECONCILE: &str = "supplier_reconcile";
    /// Scheduled backups.
    pub const BACKUPS: &str = "backups";
    /// Retention.
    pub const RETENTION: &str = "retention";
    /// The scheduled full `verify()`.
    pub const VERIFY: &str = "verify";
    /// Indexing the audit log.
    pub const AUDIT_INDEX: &str = "audit_index";
    /// Stars refunds and Crypto Pay polling.
    pub const PAYMENTS: &str = "payments";

    /// The job of sending broadcast `id`.
    pub fn broadcast(id: shopcore::BroadcastId) -> String {
        format!("broadcast:{}", id.get())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leases_outlive_their_period_and_rare_jobs_move_within_ten_minutes_more() {
        assert_eq!(ttl(Duration::from_secs(1)), Duration::from_secs(13));
        assert_eq!(ttl(Duration::from_secs(60)), Duration::from_secs(190));
        assert_eq!(ttl(Duration::from_secs(600)), Duration::from_secs(900));
        assert_eq!(
            ttl(Duration::from_secs(86_400)),
            Duration::from_secs(86_400 + 600)
        );
    }

    #[test]
    fn a_broadcasts_job_name_is_a_valid_name() {
        let name = jobs::broadcast(shopcore::BroadcastId::new(42).unwrap());
        assert_eq!(name, "broadcast:42");
        assert!(name.bytes().all(leases::is_name_byte));
    }

    #[test]
    fn the_default_name_is_a_valid_holder() {
        leases::check_holder_name(&default_name()).unwrap();
    }
}
