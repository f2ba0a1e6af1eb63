//! Logs and metrics. Logs go to the console and to a daily-rotated file (`shopbot.log.DATE`
//! in the log directory) through a non-blocking writer whose [`LogGuard`] must live as long
//! as the process, or the file loses its tail. Metrics are kept by the `metrics` crate and
//! rendered in Prometheus' text format by [`Metrics::render`] for `/metrics`.
//!
//! What never reaches a log: the bot token (teloxide's URLs carry it, so request errors are
//! logged through [`redact`]), codes delivered to shoppers, message texts.

use std::path::Path;
use std::sync::OnceLock;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Metric names, in one place.
pub mod names {
    pub const UPDATES: &str = "shopbot_updates_total";
    pub const HANDLER_SECONDS: &str = "shopbot_handler_duration_seconds";
    pub const ERRORS: &str = "shopbot_errors_total";
    pub const RATE_LIMITED: &str = "shopbot_rate_limited_total";
    pub const ALERTS: &str = "shopbot_alerts_total";
    pub const ORDERS: &str = "shopbot_orders";
    pub const TOPUPS: &str = "shopbot_topups_approved";
    pub const USERS: &str = "shopbot_users";
    pub const STATS_AGE: &str = "shopbot_stats_age_seconds";
    pub const BACKUPS: &str = "shopbot_backups_total";
    pub const BACKUP_AGE: &str = "shopbot_backup_age_seconds";
    pub const BACKUP_BYTES: &str = "shopbot_backup_last_bytes";
    pub const BROADCAST_DELIVERIES: &str = "shopbot_broadcast_deliveries_total";
    pub const IN_FLIGHT: &str = "shopbot_updates_in_flight";
    pub const UP: &str = "shopbot_up";
    pub const ORDERS_EXPIRED: &str = "shopbot_orders_expired_total";
    pub const SUPPLIER_ORDERS: &str = "shopbot_supplier_orders_total";
    pub const SUPPLIER_RECONCILED: &str = "shopbot_supplier_reconciled_total";
    pub const NOTIFICATIONS: &str = "shopbot_notifications_total";
    /// Notifications queued in the shop and not delivered yet.
    pub const NOTIFICATIONS_PENDING: &str = "shopbot_notifications_pending";
    /// Failed `getUpdates` calls (polling mode).
    pub const LISTENER_ERRORS: &str = "shopbot_update_listener_errors_total";
    /// Problems the last `verify()` found (0: every invariant holds).
    pub const VERIFY_PROBLEMS: &str = "shopbot_verify_problems";
    /// When `verify()` last finished, in seconds since the epoch.
    pub const VERIFY_LAST: &str = "shopbot_verify_last_run_timestamp_seconds";
    /// 1 for the store state the shop is in (open, maintenance, emergency), 0 for the others.
    pub const STORE_STATE: &str = "shopbot_store_state";
    /// Free and total bytes of the file system holding the database.
    pub const DISK_FREE: &str = "shopbot_disk_free_bytes";
    pub const DISK_SIZE: &str = "shopbot_disk_size_bytes";
    /// The database's size on disk.
    pub const DB_BYTES: &str = "shopbot_db_bytes";
    /// Always 1, labelled with the version.
    pub const BUILD_INFO: &str = "shopbot_build_info";

    /// Every metric the bot exports, for the dashboard and alert tests.
    pub const ALL: &[&str] = &[
        UPDATES,
        HANDLER_SECONDS,
        ERRORS,
        RATE_LIMITED,
        ALERTS,
        ORDERS,
        TOPUPS,
        USERS,
        STATS_AGE,
        BACKUPS,
        BACKUP_AGE,
        BACKUP_BYTES,
        BROADCAST_DELIVERIES,
        IN_FLIGHT,
        UP,
        ORDERS_EXPIRED,
        SUPPLIER_ORDERS,
        SUPPLIER_RECONCILED,
        NOTIFICATIONS,
        NOTIFICATIONS_PENDING,
        LISTENER_ERRORS,
        VERIFY_PROBLEMS,
        VERIFY_LAST,
        STORE_STATE,
        DISK_FREE,
        DISK_SIZE,
        DB_BYTES,
        BUILD_INFO,
    ];
}

/// Keeps the log file writer flushing; drop it only when the process ends.
pub struct LogGuard {
    _file: Option<tracing_appender::non_blocking::WorkerGuard>,
}

/// Installs the global logger: the console, and the daily file when `dir` is given.
/// `RUST_LOG`, when set, wins over `level`. Fails only if the log directory can't be made.
pub fn init_logging(dir: Option<&Path>, level: tracing::Level) -> std::io::Result<LogGuard> {
    let filter = || {
        EnvFilter::try_from_default_env().unwrap_or_else(|_| {
            // Teloxide's and hyper's own chatter stays at warn unless asked for.
            EnvFilter::new(format!(
                "{level},hyper=warn,reqwest=warn,teloxide=warn,h2=warn"
            ))
        })
    };
    // Colours only on a terminal: under systemd the journal would store the escape codes.
    let console = tracing_subscriber::fmt::layer()
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .with_target(false)
        .with_filter_fn(filter());
    let (file, guard) = match dir {
        Some(dir) => {
            std::fs::create_dir_all(dir)?;
            let appender = tracing_appender::rolling::Builder::new()
                .rotation(tracing_appender::rolling::Rotation::DAILY)
                .filename_prefix("shopbot.log")
                .max_log_files(30)
                .build(dir)
                .map_err(std::io::Error::other)?;
            let (writer, guard) = tracing_appender::non_blocking(appender);
            let layer = tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .with_writer(writer)
                .with_filter_fn(filter());
            (Some(layer), Some(guard))
        }
        None => (None, None),
    };
    let _ = tracing_subscriber::registry()
        .with(console)
        .with(file)
        .try_init();
    Ok(LogGuard { _file: guard })
}

/// `fmt::layer().with_filter(EnvFilter)`, named for readability above.
trait FilterFn<S>: Sized {
    fn with_filter_fn(
        self,
        filter: EnvFilter,
    ) -> tracing_subscriber::filter::Filtered<Self, EnvFilter, S>;
}

impl<S, L> FilterFn<S> for L
where
    L: tracing_subscriber::Layer<S>,
    S: tracing::Subscriber,
{
    fn with_filter_fn(
        self,
        filter: EnvFilter,
    ) -> tracing_subscriber::filter::Filtered<Self, EnvFilter, S> {
        tracing_subscriber::Layer::with_filter(self, filter)
    }
}

/// Removes a bot token (`<digits>:<secret>` after `/bot`) from text such as a request error.
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("/bot") {
        out.push_str(&rest[..at + 4]);
        let after = &rest[at + 4..];
        let end = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == ':' || c == '_' || c == '-'))
            .unwrap_or(after.len());
        if after[..end].contains(':') {
            out.push_str("<token>");
        } else {
            out.push_str(&after[..end]);
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// The process-wide metrics recorder (installed once; tests share it).
#[derive(Clone)]
pub struct Metrics {
    handle: metrics_exporter_prometheus::PrometheusHandle,
}

static METRICS: OnceLock<Metrics> = OnceLock::new();

impl Metrics {
    /// Installs the recorder on first use and returns it.
    pub fn global() -> Metrics {
        METRICS
            .get_or_init(|| {
                let recorder = metrics_exporter_prometheus::PrometheusBuilder::new()
                    .set_buckets_for_metric(
                        metrics_exporter_prometheus::Matcher::Full(
                            names::HANDLER_SECONDS.to_owned(),
                        ),
                        &[
                            0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
                        ],
                    )
                    .expect("non-empty buckets")
                    .build_recorder();
                let handle = recorder.handle();
                // Another recorder may already be installed (never in the binary); then the
                // handle still renders, only empty.
                let _ = metrics::set_global_recorder(recorder);
                metrics::describe_counter!(names::UPDATES, "Updates handled, by kind and outcome.");
                metrics::describe_histogram!(
                    names::HANDLER_SECONDS,
                    metrics::Unit::Seconds,
                    "Time to handle one update."
                );
                metrics::describe_counter!(names::ERRORS, "Errors, by kind.");
                metrics::describe_gauge!(
                    names::BACKUP_AGE,
                    metrics::Unit::Seconds,
                    "Seconds since the last successful backup."
                );
                metrics::gauge!(names::UP).set(1.0);
                metrics::gauge!(names::BUILD_INFO, "version" => env!("CARGO_PKG_VERSION")).set(1.0);
                Metrics { handle }
            })
            .clone()
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        self.handle.render()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_redacted() {
        let text =
            "error sending request for url (https://api.telegram.org/bot123456:AAH-x_y/getMe)";
        let clean = redact(text);
        assert!(!clean.contains("AAH-x_y"), "{clean}");
        assert!(clean.contains("/bot<token>/getMe"));
        assert_eq!(redact("no token /bots here"), "no token /bots here");
    }
}
