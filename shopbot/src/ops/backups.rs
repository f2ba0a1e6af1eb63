//! Backups: `Shop::backup` (as the system actor "backup") into the backup directory, one
//! file per run named by its UTC time, keeping the newest `backup_keep`. Scheduled runs and
//! the staff `/backup` command share one lock, so two never overlap. The time of the last
//! good backup feeds the `shopbot_backup_age_seconds` gauge; a failed one alerts staff.

use crate::ops::alerts::{self, AlertKind};
use crate::ops::telemetry::names;
use shopcore::Shop;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const PREFIX: &str = "shop-";
const SUFFIX: &str = ".backup";

/// What one backup produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackupDone {
    pub path: PathBuf,
    pub bytes: u64,
    /// Old backups deleted to keep `backup_keep`.
    pub removed: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum BackupFailure {
    #[error("the shop refused or failed the backup: {0}")]
    Shop(#[from] shopcore::Error),
    #[error("backup directory {path}: {error}")]
    Io { path: String, error: std::io::Error },
    #[error("the backup task crashed")]
    Crashed,
}

/// The backup directory, its retention and the last success.
pub struct Backups {
    pub dir: PathBuf,
    pub keep: usize,
    /// Unix milliseconds of the last good backup (0: none since start-up and none on disk).
    last_ok_ms: AtomicI64,
    lock: tokio::sync::Mutex<()>,
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// `shop-20260101-093000-123.backup` for a Unix time in milliseconds (UTC): names sort by time.
pub fn file_name(unix_ms: i64) -> String {
    let t = shopcore::Zone::utc().local(shopcore::Timestamp(unix_ms));
    format!(
        "{PREFIX}{:04}{:02}{:02}-{:02}{:02}{:02}-{:03}{SUFFIX}",
        t.year, t.month, t.day, t.hour, t.minute, t.second, t.millisecond
    )
}

/// The backups in `dir`, oldest first.
pub fn list(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(PREFIX) && n.ends_with(SUFFIX))
        })
        .collect();
    found.sort();
    Ok(found)
}

impl Backups {
    pub fn new(dir: PathBuf, keep: usize) -> Arc<Backups> {
        // A backup already on disk counts for the age gauge.
        let newest = list(&dir)
            .ok()
            .and_then(|l| l.last().cloned())
            .and_then(|p| std::fs::metadata(p).ok()?.modified().ok())
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(0));
        Arc::new(Backups {
            dir,
            keep: keep.max(1),
            last_ok_ms: AtomicI64::new(newest),
            lock: tokio::sync::Mutex::new(()),
        })
    }

    /// Seconds since the last good backup, if there was one.
    pub fn age(&self) -> Option<Duration> {
        let last = self.last_ok_ms.load(Ordering::Relaxed);
        (last > 0).then(|| {
            Duration::from_millis(u64::try_from(now_ms().saturating_sub(last)).unwrap_or(0))
        })
    }

    /// Takes one backup now and prunes old ones. Logs the outcome; a failure alerts staff.
    pub async fn run(&self, shop: &Arc<Shop>) -> Result<BackupDone, BackupFailure> {
        let _one_at_a_time = self.lock.lock().await;
        let started = now_ms();
        let dir = self.dir.clone();
        let keep = self.keep;
        let shop = Arc::clone(shop);
        let result = tokio::task::spawn_blocking(move || -> Result<BackupDone, BackupFailure> {
            let io = |error| BackupFailure::Io {
                path: dir.display().to_string(),
                error,
            };
            std::fs::create_dir_all(&dir).map_err(io)?;
            let path = dir.join(file_name(started));
            let actor = shop.system_actor("backup")?;
            let summary = shop.backup(&actor, &path)?;
            let existing = list(&dir).map_err(io)?;
            let mut removed = 0;
            if existing.len() > keep {
                for old in &existing[..existing.len() - keep] {
                    match std::fs::remove_file(old) {
                        Ok(()) => removed += 1,
                        Err(error) => {
                            tracing::warn!(path = %old.display(), %error, "old backup not removed");
                        }
                    }
                }
            }
            Ok(BackupDone {
                path,
                bytes: summary.bytes,
                removed,
            })
        })
        .await
        .unwrap_or(Err(BackupFailure::Crashed));
        match &result {
            Ok(done) => {
                self.last_ok_ms.store(started, Ordering::Relaxed);
                metrics::counter!(names::BACKUPS, "outcome" => "ok").increment(1);
                metrics::gauge!(names::BACKUP_BYTES).set(done.bytes as f64);
                tracing::info!(
                    path = %done.path.display(),
                    bytes = done.bytes,
                    removed = done.removed,
                    "backup written"
                );
            }
            Err(error) => {
                metrics::counter!(names::BACKUPS, "outcome" => "failed").increment(1);
                alerts::raise(AlertKind::Backup, &error.to_string());
            }
        }
        result
    }

    /// Runs a backup every `every` (the first one after one period) until the task is
    /// aborted.
    pub fn schedule(
        self: &Arc<Self>,
        shop: Arc<Shop>,
        every: Duration,
    ) -> tokio::task::JoinHandle<()> {
        let backups = Arc::clone(self);
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticker.tick().await;
                if super::lease::mine(&shop, super::lease::jobs::BACKUPS, every).await {
                    let _ = backups.run(&shop).await;
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_sort_by_time() {
        assert_eq!(
            file_name(1_767_259_800_123),
            "shop-20260101-093000-123.backup"
        );
        assert!(file_name(1_767_259_800_000) < file_name(1_767_259_801_000));
    }
}
