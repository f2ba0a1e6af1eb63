//! Retention: once a day, prunes what the shop allows to be pruned (non-financial audit
//! entries such as VIEW_STATS, and dialogue sessions untouched for as long) older than
//! `retention_days`, as the system actor "retention" (`Shop::prune`; the audit chain still
//! verifies). A prune is done in bounded batches; a failure alerts staff.

use crate::core::{self, Failure};
use crate::ops::alerts::{self, AlertKind};
use shopcore::Shop;
use shopcore::clock::Timestamp;
use shopcore::retention::{PruneReport, RetentionPolicy};
use std::sync::Arc;
use std::time::Duration;

/// Batches per run (each `Shop::prune` call is one bounded batch).
const BATCHES_MAX: usize = 100;
/// How often retention runs.
pub const EVERY: Duration = Duration::from_secs(24 * 60 * 60);
/// The first run comes this long after start-up (not during the start-up rush).
const FIRST_AFTER: Duration = Duration::from_secs(10 * 60);

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// Prunes everything prunable older than `before`; returns the totals.
pub async fn prune_before(shop: &Arc<Shop>, before: Timestamp) -> Result<PruneReport, Failure> {
    let mut total = PruneReport::default();
    for _ in 0..BATCHES_MAX {
        let report = core::run(shop, move |shop| {
            let actor = shop.system_actor("retention")?;
            shop.prune(&actor, &RetentionPolicy::everything_before(before))
        })
        .await?;
        total.audit_entries += report.audit_entries;
        total.sessions += report.sessions;
        total.outbox_entries += report.outbox_entries;
        total.request_keys += report.request_keys;
        total.more = report.more;
        if !report.more {
            break;
        }
    }
    Ok(total)
}

/// One run for a policy of `days`.
pub async fn run_once(shop: &Arc<Shop>, days: u32) -> Result<PruneReport, Failure> {
    let before = Timestamp(shop.now().0 - i64::from(days) * DAY_MS);
    let result = prune_before(shop, before).await;
    match &result {
        Ok(report) => tracing::info!(
            days,
            audit_entries = report.audit_entries,
            sessions = report.sessions,
            more = report.more,
            "retention pruned old records"
        ),
        Err(failure) => alerts::raise(AlertKind::Retention, failure.kind()),
    }
    result
}

/// Runs retention daily until aborted.
pub fn schedule(shop: Arc<Shop>, days: u32) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + FIRST_AFTER, EVERY);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            if super::lease::mine(&shop, super::lease::jobs::RETENTION, EVERY).await {
                let _ = run_once(&shop, days).await;
            }
        }
    })
}
