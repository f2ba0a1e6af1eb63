//! Running the bot in production: configuration ([`config`]), logs and metrics
//! ([`telemetry`]), the health endpoint ([`health`]), graceful shutdown ([`shutdown`]),
//! backups ([`backups`]) and retention ([`retention`]), expiry of unpaid orders ([`expiry`]),
//! automatic fulfilment through the supplier ([`supplier`]), per-user rate limiting ([`ratelimit`]), staff alerts ([`alerts`]),
//! broadcasts ([`broadcast`]), the staff's operations commands ([`staff`]) and the guard
//! every update passes through ([`guard`]). [`run`] wires them in order; `main` only parses
//! the command line and calls it.
//!
//! Start-up order: open the shop → apply the time zone and support contact → the start-up
//! check (`Shop::check_startup`: what was written since the last check, plus a sample of
//! older records; the full `verify()` when the store was never checked; a failure puts the
//! shop in EMERGENCY and alerts staff) → health endpoint → background
//! tasks (notifications, expiry of unpaid orders, the supplier queue and reconciliation,
//! backups, figures, broadcasts, indexing the audit log) → updates. Shutdown runs it
//! backwards: stop taking updates, let in-flight ones finish (with a deadline), stop the
//! tasks, flush the database, exit 0.

pub mod alerts;
pub mod backups;
pub mod broadcast;
pub mod cli;
pub mod config;
pub mod cryptopay;
pub mod expiry;
pub mod guard;
pub mod health;
pub mod lease;
pub mod preflight;
pub mod ratelimit;
pub mod retention;
pub mod shutdown;
pub mod staff;
pub mod supplier;
pub mod telemetry;

use crate::core;
use crate::ops::alerts::{AlertKind, Alerts};
use crate::ops::backups::Backups;
use crate::ops::broadcast::Broadcaster;
use crate::ops::config::{BotConfig, Mode};
use crate::ops::guard::Guard;
use crate::ops::health::Health;
use crate::ops::ratelimit::UserLimiter;
use crate::ops::staff::Staff;
use crate::ops::telemetry::redact;
use crate::{notify, schema};
use shopcore::{Shop, StoreState};
use std::sync::Arc;
use std::time::Duration;
use teloxide::prelude::*;
use teloxide::update_listeners::{Polling, UpdateListener, webhooks};

/// How often the outbox is polled for notifications.
const NOTIFY_PERIOD: Duration = Duration::from_secs(2);
/// Long-polling timeout: also the longest a shutdown waits for an idle `getUpdates`.
const POLL_TIMEOUT: Duration = Duration::from_secs(10);

/// Why the bot stopped before serving.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("can't open the shop at {path}: {error}")]
    Open {
        path: String,
        error: shopcore::Error,
    },
    #[error("start-up step `{step}` failed: {error}")]
    Shop {
        step: &'static str,
        error: shopcore::Error,
    },
    #[error("the health endpoint can't listen on {addr}: {error}")]
    Http {
        addr: std::net::SocketAddr,
        error: std::io::Error,
    },
    #[error("Telegram refused the start-up requests (check the token and api_url): {0}")]
    Telegram(String),
    #[error("a start-up task crashed")]
    Crashed,
}

fn step(step: &'static str) -> impl FnOnce(core::Failure) -> StartError {
    move |failure| match failure {
        core::Failure::Core(error) => StartError::Shop { step, error },
        core::Failure::Crashed => StartError::Crashed,
    }
}

/// Opens the shop, applies the start-up settings and runs the start-up check; returns the
/// shop and what the check found.
pub async fn open_shop(
    config: &BotConfig,
) -> Result<(Arc<Shop>, shopcore::StartupCheck), StartError> {
    let location = config.location();
    let shop_config = config.shop_config();
    let opened = location.clone();
    let shop = tokio::task::spawn_blocking(move || Shop::open(opened, shop_config))
        .await
        .map_err(|_| StartError::Crashed)?
        .map_err(|error| StartError::Open {
            // A URL is shown without its password.
            path: location.to_string(),
            error,
        })?;
    let shop = Arc::new(shop);
    let offset = config.utc_offset_minutes;
    let zone = config.time_zone.clone();
    let referral_program = config.referral_program;
    let contact = config.support_contact.clone();
    core::run(&shop, move |shop| {
        let actor = shop.system_actor("startup")?;
        let settings = shop.settings();
        if let Some(minutes) = offset
            && shopcore::Zone::fixed(minutes) != settings.time_zone
        {
            shop.set_utc_offset(&actor, minutes)?;
        }
        if let Some(zone) = zone
            && zone != settings.time_zone
        {
            shop.set_time_zone(&actor, zone.name())?;
        }
        if let Some(program) = referral_program
            && program != shop.referral_program()?
        {
            shop.set_referral_program(&actor, program)?;
        }
        if contact.is_some() && contact != settings.support_contact {
            shop.set_support_contact(&actor, contact.as_deref())?;
        }
        Ok(())
    })
    .await
    .map_err(step("apply settings"))?;
    let check = core::run(&shop, |shop| shop.check_startup())
        .await
        .map_err(step("start-up check"))?;
    Ok((shop, check))
}

/// Puts the shop in EMERGENCY because `verify()` found problems (`when`: "at start-up").
async fn enter_emergency(
    shop: &Arc<Shop>,
    problems: &[String],
    when: &str,
) -> Result<(), StartError> {
    let mut reason = format!("verify() failed {when}: {}", problems.join("; "));
    if reason.chars().count() > 400 {
        reason = reason.chars().take(399).collect::<String>() + "…";
    }
    core::run(shop, move |shop| {
        if shop.settings().state == StoreState::Emergency {
            return Ok(());
        }
        let actor = shop.system_actor("startup")?;
        shop.set_store_state(&actor, StoreState::Emergency, Some(&reason))
            .map(|_| ())
    })
    .await
    .map_err(step("enter emergency"))
}

/// Publishes the outcome of a check in /metrics: its problems, and when the full `verify()`
/// last passed (`full_at`, Unix milliseconds; `None`: it has just run).
fn record_verify(problems: usize, full_at: Option<i64>) {
    metrics::gauge!(telemetry::names::VERIFY_PROBLEMS).set(problems as f64);
    let when = match full_at {
        Some(ms) => ms as f64 / 1000.0,
        None => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64()),
    };
    metrics::gauge!(telemetry::names::VERIFY_LAST).set(when);
}

/// When the first scheduled full `verify()` is due after a start-up check: one period after
/// the last full run (a restart does not postpone it), but not before `MIN_FIRST_VERIFY`.
pub fn first_verify_in(check: &shopcore::StartupCheck, now_ms: i64, every: Duration) -> Duration {
    let since_full = match (check.level, check.since) {
        (shopcore::CheckLevel::Tail, Some(at)) => {
            Duration::from_millis(u64::try_from(now_ms.saturating_sub(at.0)).unwrap_or(0))
        }
        // The full verify() just ran at start-up, or was never recorded.
        (shopcore::CheckLevel::Full, _) => Duration::ZERO,
        (shopcore::CheckLevel::Tail, None) => every,
    };
    every
        .saturating_sub(since_full)
        .max(MIN_FIRST_VERIFY.min(every))
}

/// The earliest a scheduled full `verify()` runs after start-up: the bot first settles in.
pub const MIN_FIRST_VERIFY: Duration = Duration::from_secs(60);

/// Runs the full `verify()` every `every`, the first time after `first`; problems put the
/// shop in EMERGENCY and alert staff, as at start-up.
pub fn schedule_verify(
    shop: Arc<Shop>,
    first: Duration,
    every: Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + first, every);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            if !lease::mine(&shop, lease::jobs::VERIFY, every).await {
                continue;
            }
            let report = match core::run(&shop, |shop| shop.verify()).await {
                Ok(report) => report,
                Err(failure) => {
                    tracing::warn!(kind = failure.kind(), "scheduled verify failed to run");
                    continue;
                }
            };
            record_verify(report.problems.len(), None);
            if report.problems.is_empty() {
                tracing::info!("scheduled verify: every invariant holds");
                continue;
            }
            tracing::error!(
                problems = report.problems.len(),
                "scheduled verify found problems; entering emergency"
            );
            if let Err(error) = enter_emergency(&shop, &report.problems, "while running").await {
                tracing::error!(%error, "could not enter emergency");
            }
            alerts::raise(AlertKind::Verify, &report.problems.join("\n"));
        }
    })
}

/// The secret Telegram sends with every webhook update (`X-Telegram-Bot-Api-Secret-Token`),
/// derived from the bot's token: every replica of one bot computes the same one, so whichever
/// replica set the webhook last, all of them accept Telegram's updates (a random secret per
/// process — teloxide's default — would make every replica but the last refuse them), and
/// nobody without the token can compute it. 64 hex digits (Telegram allows 1-256 of
/// `A-Z a-z 0-9 _ -`).
pub fn webhook_secret(token: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::new()
        .chain_update(b"shopbot webhook secret v1\0")
        .chain_update(token.as_bytes())
        .finalize();
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// How often a replica of a shared shop looks for broadcasts nobody drives any more.
pub const BROADCAST_WATCH_PERIOD: Duration = Duration::from_secs(30);

/// How often the bot writes the audit log's index keys for new entries
/// (`Shop::index_audit_log`): appends leave them out so that orders write less, and staff
/// queries would otherwise index everything pending first.
pub const AUDIT_INDEX_PERIOD: Duration = Duration::from_secs(2);

/// Indexes new audit entries every `every`.
pub fn schedule_audit_index(shop: Arc<Shop>, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            if !lease::mine(&shop, lease::jobs::AUDIT_INDEX, every).await {
                continue;
            }
            if let Err(failure) = core::run(&shop, |shop| shop.index_audit_log()).await {
                tracing::warn!(kind = failure.kind(), "indexing the audit log failed");
            }
        }
    })
}

/// The bot for these settings (with the local Bot API server, when configured).
pub fn bot(config: &BotConfig) -> Bot {
    let bot = Bot::new(config.token.expose());
    match &config.api_url {
        Some(url) => bot.set_api_url(url.clone()),
        None => bot,
    }
}

/// How many workers handle updates. teloxide runs one worker per key and keeps idle workers
/// until more are idle than were ever busy at once, so keying by chat (its default) left a
/// worker, its queue and a copy of the dependencies behind for every chat of a burst: after
/// 1,000 `/start`s the bot stayed at ~230 MiB. Keyed by chat modulo this, a chat's updates
/// still run in order, different chats still run concurrently, and memory stays bounded.
pub const UPDATE_WORKERS: i64 = 64;

/// The worker an update goes to (see [`UPDATE_WORKERS`]); updates without a chat share one.
fn update_worker(update: &Update) -> Option<i64> {
    update
        .chat()
        .map(|chat| chat.id.0.rem_euclid(UPDATE_WORKERS))
}

/// Listener errors, logged without the token.
async fn listener_error(error: teloxide::RequestError) {
    metrics::counter!(telemetry::names::LISTENER_ERRORS).increment(1);
    tracing::warn!(error = %redact(&error.to_string()), "getting updates failed");
}

/// Runs the bot until SIGTERM/SIGINT. Returns after a clean shutdown (database flushed).
pub async fn run(config: BotConfig) -> Result<(), StartError> {
    let metrics = telemetry::Metrics::global();
    drop(metrics);
    lease::set_holder(&config.replica_name);
    let (shop, check) = open_shop(&config).await?;
    let problems = check.problems.clone();
    let bot = bot(&config);
    // The staff chat, where it moved to if the group became a supergroup.
    let staff_chat =
        notify::resolve_staff_chat(&shop, notify::StaffChat::from_config(&config)).await;
    let alerts = Alerts::new(
        bot.clone(),
        staff_chat.map(|s| s.chat.0),
        config.alert_interval,
    );
    alerts::install(Arc::clone(&alerts));
    if problems.is_empty() {
        tracing::info!(%check, "start-up check: healthy");
    } else {
        tracing::error!(
            problems = problems.len(),
            "start-up check found problems; entering emergency"
        );
        enter_emergency(&shop, &problems, "at start-up").await?;
        alerts::raise(AlertKind::Verify, &problems.join("\n"));
    }
    record_verify(
        problems.len(),
        match check.level {
            shopcore::CheckLevel::Full => None,
            shopcore::CheckLevel::Tail => check.since.map(|t| t.0),
        },
    );

    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let backups = Backups::new(config.backup_dir.clone(), config.backup_keep);
    let health = Health::watching(
        Arc::clone(&shop),
        config.mode.name(),
        Some(Arc::clone(&backups)),
        (!config.is_postgres()).then(|| config.db_path.clone()),
    );
    let payments = crate::payments::Payments {
        crypto: config
            .crypto_pay
            .as_ref()
            .map(|c| Arc::new(cryptopay::CryptoPay::new(c))),
    };
    let mut http_task = None;
    let mut panel: Option<Arc<crate::web::Panel>> = None;
    if payments.crypto.is_some() && config.http_addr.is_none() {
        tracing::warn!(
            "Crypto Pay without http_addr: no webhook; payments are found by polling only"
        );
    }
    if let Some(addr) = config.http_addr {
        let mut stop = stop_rx.clone();
        let mut app = health::router(Arc::clone(&health));
        if let Some(client) = &payments.crypto {
            app = app.merge(cryptopay::router(cryptopay::Webhook {
                shop: Arc::clone(&shop),
                client: Arc::clone(client),
            }));
            tracing::info!(path = client.webhook_path(), "Crypto Pay webhook served");
        }
        if let Some(url) = &config.panel_url {
            crate::web::set_public_url(url.clone());
            let p = crate::web::Panel::new(Arc::clone(&shop), url);
            panel = Some(Arc::clone(&p));
            app = app.merge(crate::web::router(p));
            tracing::info!(%url, "web panel served under /panel");
        }
        let (bound, task) = health::serve_router(addr, app, async move {
            let _ = stop.wait_for(|s| *s).await;
        })
        .await
        .map_err(|error| StartError::Http { addr, error })?;
        tracing::info!(%bound, "health endpoint listening");
        http_task = Some(task);
    }

    let mut tasks = vec![notify::spawn(
        bot.clone(),
        Arc::clone(&shop),
        NOTIFY_PERIOD,
        notify::StaffChat::from_config(&config),
    )];
    if let Some(every) = config.expiry_interval {
        tasks.push(expiry::schedule(Arc::clone(&shop), every));
    }
    if config.supplier.is_none() {
        tracing::info!("no supplier configured: supplier products go to staff");
    }
    tasks.push(supplier::schedule(
        Arc::clone(&shop),
        supplier::from_config(config.supplier.as_ref()),
        config.supplier_queue_interval,
        config.supplier_batch,
        config.supplier_reconcile_interval,
    ));
    if let Some(every) = config.backup_interval {
        tasks.push(backups.schedule(Arc::clone(&shop), every));
    }
    if let Some(days) = config.retention_days {
        tasks.push(retention::schedule(Arc::clone(&shop), days));
    }
    tasks.push(schedule_audit_index(Arc::clone(&shop), AUDIT_INDEX_PERIOD));
    tasks.push(cryptopay::schedule(
        bot.clone(),
        Arc::clone(&shop),
        payments.crypto.clone(),
        config.payments_poll_interval,
    ));
    if let Some(every) = config.verify_interval {
        let first = first_verify_in(&check, shop.now().0, every);
        tracing::info!(first_in_secs = first.as_secs(), "full verify() scheduled");
        tasks.push(schedule_verify(Arc::clone(&shop), first, every));
    }
    if let Some(every) = config.stats_interval {
        tasks.push(health::schedule_figures(Arc::clone(&health), every));
    }
    let broadcaster = Broadcaster::new(
        bot.clone(),
        Arc::clone(&shop),
        config.broadcast_per_second,
        stop_rx.clone(),
        staff_chat.map(|s| s.chat.0),
    );
    if let Some(panel) = &panel {
        panel.set_broadcaster(Arc::clone(&broadcaster));
        panel.set_bot(bot.clone());
    }
    match broadcaster.resume_all().await {
        Ok(0) => {}
        Ok(n) => tracing::info!(jobs = n, "broadcasts resumed"),
        Err(failure) => tracing::error!(kind = failure.kind(), "broadcasts not resumed"),
    }
    if shop.is_shared() {
        // A broadcast whose replica died is taken over once its lease lapses.
        tasks.push(broadcaster.watch_orphans(BROADCAST_WATCH_PERIOD));
    }

    let staff = Staff::new(
        Arc::clone(&shop),
        Some(Arc::clone(&backups)),
        Some(Arc::clone(&broadcaster)),
    );
    let guard = Guard::new(
        schema::schema(),
        schema::dependencies_with(Arc::clone(&shop), payments),
        UserLimiter::new(config.rate_per_minute, config.rate_burst),
        staff,
    );
    let mut dispatcher = Dispatcher::builder(bot.clone(), Guard::schema())
        .dependencies(teloxide::dptree::deps![guard])
        .default_handler(|_| async {})
        .distribution_function(update_worker)
        .build();
    let token = dispatcher.shutdown_token();
    let signal = shutdown::signal();

    let served = match &config.mode {
        Mode::Polling => {
            let mut listener = Polling::builder(bot.clone())
                .timeout(POLL_TIMEOUT)
                .delete_webhook()
                .await
                .build();
            let stop_listener = listener.stop_token();
            shutdown::serve_until(
                async move {
                    dispatcher
                        .try_dispatch_with_listener(listener, Arc::new(listener_error))
                        .await
                },
                signal,
                token,
                stop_listener,
                config.shutdown_grace,
                &health,
            )
            .await
        }
        Mode::Webhook { url, listen } => {
            let mut listener = webhooks::axum(
                bot.clone(),
                webhooks::Options::new(*listen, url.clone())
                    .secret_token(webhook_secret(config.token.expose())),
            )
            .await
            .map_err(|e| StartError::Telegram(redact(&e.to_string())))?;
            let stop_listener = listener.stop_token();
            shutdown::serve_until(
                async move {
                    dispatcher
                        .try_dispatch_with_listener(
                            listener,
                            Arc::new(|e: std::convert::Infallible| async move { match e {} }),
                        )
                        .await
                },
                signal,
                token,
                stop_listener,
                config.shutdown_grace,
                &health,
            )
            .await
        }
    };
    health.set_ready(false);
    let _ = stop_tx.send(true);
    broadcaster.join(config.shutdown_grace).await;
    for task in tasks {
        task.abort();
    }
    // The other replicas take the periodic jobs over at once.
    lease::release_all(&shop).await;
    let flushed = core::run(&shop, |shop| shop.flush()).await;
    if let Some(task) = http_task {
        let _ = tokio::time::timeout(Duration::from_secs(2), task).await;
    }
    match flushed {
        Ok(()) => tracing::info!("database flushed; goodbye"),
        Err(failure) => tracing::error!(kind = failure.kind(), "final flush failed"),
    }
    served
        .map(|_stopped| ())
        .map_err(|e| StartError::Telegram(redact(&e.to_string())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_webhook_secret_is_one_per_token_and_what_telegram_accepts() {
        let a = webhook_secret("123:abc");
        assert_eq!(
            a,
            webhook_secret("123:abc"),
            "every replica computes the same"
        );
        assert_ne!(a, webhook_secret("123:abd"));
        assert_eq!(a.len(), 64);
        assert!(a.bytes().all(|b| b.is_ascii_hexdigit()));
        assert!(!a.contains("abc"));
    }

    fn message_in(chat: i64) -> Update {
        // teloxide reads updates from text, not from a `serde_json::Value`.
        let json = serde_json::json!({
            "update_id": 1,
            "message": {
                "message_id": 1, "date": 1767259800,
                "chat": {"id": chat, "type": "private", "first_name": "U"},
                "from": {"id": chat.unsigned_abs(), "is_bot": false, "first_name": "U"},
                "text": "/start"
            }
        });
        serde_json::from_str(&json.to_string()).expect("an update")
    }

    #[test]
    fn a_chat_always_goes_to_the_same_one_of_a_bounded_set_of_workers() {
        let mut seen = std::collections::BTreeSet::new();
        for chat in [1_i64, 2, 63, 64, 65, 5_001, 7_000_000_000] {
            let worker = update_worker(&message_in(chat)).expect("a chat has a worker");
            assert!((0..UPDATE_WORKERS).contains(&worker), "{chat} → {worker}");
            assert_eq!(update_worker(&message_in(chat)), Some(worker));
            seen.insert(worker);
        }
        assert!(seen.len() > 1, "different chats spread over workers");
        assert_eq!(
            update_worker(&message_in(1)),
            update_worker(&message_in(65))
        );
    }
}
