//! Production operation: configuration, the health and metrics endpoint over a real
//! loopback socket, broadcasts against the fake Bot API (403, 429, resume after a restart),
//! and the `shopbot` binary itself against the fake: graceful shutdown on SIGTERM with an
//! update in flight, and per-user rate limiting under a flood. Every socket is on
//! 127.0.0.1 and every wait is bounded.

use crate::common::telegram::TOKEN;
use crate::common::*;
use serde_json::Value;
use shopbot::ops::backups::Backups;
use shopbot::ops::broadcast::Broadcaster;
use shopbot::ops::config::{BotConfig, ConfigError, Mode};
use shopbot::ops::health::{self, Health};
use shopcore::testkit::postgres::TestSchema;
use shopcore::{BroadcastStatus, Shop};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use teloxide::prelude::*;

// ---------------------------------------------------------------- configuration

fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |k| map.get(k).cloned()
}

fn load(pairs: &[(&str, &str)]) -> Result<BotConfig, ConfigError> {
    let mut all = vec![("TELOXIDE_TOKEN", TOKEN)];
    all.extend_from_slice(pairs);
    BotConfig::load(vars(&all), None)
}

#[test]
fn config_defaults_are_sane() {
    let config = load(&[]).expect("defaults");
    assert_eq!(config.mode, Mode::Polling);
    assert_eq!(config.db_path, std::path::PathBuf::from("./shop.db"));
    assert_eq!(config.backup_keep, 7);
    assert_eq!(config.backup_interval, Some(Duration::from_secs(86_400)));
    assert_eq!(config.http_addr, Some("127.0.0.1:9470".parse().unwrap()));
    assert_eq!(config.blocking_threads, 16);
    assert_eq!(config.call_threads, 4);
    assert_eq!(
        config.verify_interval,
        Some(Duration::from_secs(24 * 3_600))
    );
    assert_eq!(config.log_level, tracing::Level::INFO);
    assert_eq!(config.broadcast_per_second, 25);
    assert!(config.api_url.is_none() && config.staff_chat_id.is_none());
}

#[test]
fn the_supplier_and_the_staff_chat_come_from_the_config() {
    let config = load(&[
        ("SHOPBOT_STAFF_CHAT_ID", "-100777"),
        ("SHOPBOT_STAFF_LANG", "ar"),
        ("SHOPBOT_SUPPLIER_URL", "https://supplier.example/api"),
        ("SHOPBOT_SUPPLIER_AUTH_VALUE", "Bearer very-secret"),
        ("SHOPBOT_SUPPLIER_TIMEOUT_SECONDS", "12"),
    ])
    .expect("config");
    assert_eq!(
        shopbot::notify::StaffChat::from_config(&config),
        Some(shopbot::notify::StaffChat {
            chat: ChatId(-100_777),
            lang: crate::common::arabic()
        })
    );
    let supplier = config.supplier.clone().expect("a supplier");
    assert_eq!(supplier.url.as_str(), "https://supplier.example/api");
    assert_eq!(supplier.timeout, Duration::from_secs(12));
    assert_eq!(supplier.connect_timeout, Duration::from_secs(5));
    let (header, value) = supplier.auth.expect("credential");
    assert_eq!(
        (header.as_str(), value.expose()),
        ("Authorization", "Bearer very-secret")
    );
    assert!(!format!("{config:?}").contains("very-secret"));
    assert_eq!(config.expiry_interval, Some(Duration::from_secs(60)));
    let help = shopbot::ops::cli::help();
    for var in [
        "SHOPBOT_STAFF_LANG",
        "SHOPBOT_SUPPLIER_URL",
        "SHOPBOT_EXPIRY_INTERVAL_SECONDS",
    ] {
        assert!(help.contains(var), "{var} missing from --help");
    }
    // Without a supplier URL there is no supplier (supplier products go to staff).
    assert!(load(&[]).expect("defaults").supplier.is_none());
}

#[test]
fn missing_token_says_how_to_get_one() {
    let error = BotConfig::load(vars(&[]), None).unwrap_err();
    assert_eq!(error, ConfigError::MissingToken);
    assert!(error.to_string().contains("@BotFather"), "{error}");
    let blank = BotConfig::load(vars(&[("TELOXIDE_TOKEN", "  ")]), None).unwrap_err();
    assert_eq!(blank, ConfigError::MissingToken);
}

#[test]
fn every_invalid_setting_names_itself() {
    let cases: &[(&str, &str, &str)] = &[
        ("TELOXIDE_TOKEN", "not a token", "`token`"),
        ("SHOPBOT_API_URL", "ftp://x", "`api_url`"),
        ("SHOPBOT_API_URL", "::", "`api_url`"),
        ("SHOPBOT_DB", "off", "`db_path`"),
        ("SHOPBOT_REPLICA_NAME", "bot one", "`replica_name`"),
        ("SHOPBOT_REPLICA_NAME", &"r".repeat(65), "`replica_name`"),
        ("SHOPBOT_CACHE_MB", "0", "`cache_mb`"),
        ("SHOPBOT_CACHE_MB", "lots", "`cache_mb`"),
        ("SHOPBOT_SUPER_ADMINS", "1,bob", "`super_admins`"),
        ("SHOPBOT_STAFF_CHAT_ID", "0", "`staff_chat_id`"),
        ("SHOPBOT_STAFF_CHAT_ID", "group", "`staff_chat_id`"),
        ("SHOPBOT_STAFF_LANG", "fr", "`staff_lang`"),
        (
            "SHOPBOT_EXPIRY_INTERVAL_SECONDS",
            "-1",
            "`expiry_interval_seconds`",
        ),
        ("SHOPBOT_SUPPLIER_URL", "ftp://x", "`supplier_url`"),
        ("SHOPBOT_SUPPLIER_BATCH", "0", "`supplier_batch`"),
        ("SHOPBOT_UTC_OFFSET_MINUTES", "900", "`utc_offset_minutes`"),
        ("SHOPBOT_TIME_ZONE", "Mars/Olympus", "`time_zone`"),
        ("SHOPBOT_TIME_ZONE", "UTC+3", "`time_zone`"),
        ("SHOPBOT_SUPPORT_CONTACT", "a\nb", "`support_contact`"),
        (
            "SHOPBOT_BACKUP_INTERVAL_MINUTES",
            "-1",
            "`backup_interval_minutes`",
        ),
        ("SHOPBOT_BACKUP_KEEP", "0", "`backup_keep`"),
        ("SHOPBOT_RETENTION_DAYS", "x", "`retention_days`"),
        ("SHOPBOT_HTTP_ADDR", "localhost", "`http_addr`"),
        (
            "SHOPBOT_STATS_INTERVAL_SECONDS",
            "99999999",
            "`stats_interval_seconds`",
        ),
        ("SHOPBOT_LOG_LEVEL", "loud", "`log_level`"),
        ("SHOPBOT_MODE", "carrier-pigeon", "`mode`"),
        ("SHOPBOT_WEBHOOK_LISTEN", "nowhere", "`webhook_listen`"),
        ("SHOPBOT_RATE_PER_MINUTE", "0", "`rate_per_minute`"),
        ("SHOPBOT_RATE_BURST", "100000", "`rate_burst`"),
        ("SHOPBOT_BLOCKING_THREADS", "0", "`blocking_threads`"),
        ("SHOPBOT_BLOCKING_THREADS", "513", "`blocking_threads`"),
        ("SHOPBOT_CALL_THREADS", "0", "`call_threads`"),
        ("SHOPBOT_CALL_THREADS", "65", "`call_threads`"),
        (
            "SHOPBOT_VERIFY_INTERVAL_HOURS",
            "9000",
            "`verify_interval_hours`",
        ),
        (
            "SHOPBOT_BROADCAST_PER_SECOND",
            "31",
            "`broadcast_per_second`",
        ),
        (
            "SHOPBOT_SHUTDOWN_GRACE_SECONDS",
            "0",
            "`shutdown_grace_seconds`",
        ),
        (
            "SHOPBOT_ALERT_INTERVAL_SECONDS",
            "-5",
            "`alert_interval_seconds`",
        ),
    ];
    for (var, value, named) in cases {
        let mut pairs = vec![(*var, *value)];
        if var.starts_with("SHOPBOT_WEBHOOK") {
            pairs.push(("SHOPBOT_MODE", "webhook"));
            pairs.push(("SHOPBOT_WEBHOOK_URL", "https://shop.example/hook"));
        }
        let error = if *var == "TELOXIDE_TOKEN" {
            BotConfig::load(vars(&pairs), None)
        } else {
            load(&pairs)
        }
        .expect_err(&format!("{var}={value:?} must be refused"));
        let text = error.to_string();
        assert!(text.contains(named), "{var}={value:?}: {text}");
        assert!(
            text.contains(var),
            "{var}={value:?} doesn't name the variable: {text}"
        );
        assert!(!text.contains("TEST-token"), "the token leaked: {text}");
    }
}

#[test]
fn webhook_mode_needs_an_https_url() {
    let error = load(&[("SHOPBOT_MODE", "webhook")]).unwrap_err();
    assert!(error.to_string().contains("`webhook_url`"), "{error}");
    let error = load(&[
        ("SHOPBOT_MODE", "webhook"),
        ("SHOPBOT_WEBHOOK_URL", "http://shop.example/hook"),
    ])
    .unwrap_err();
    assert!(error.to_string().contains("https"), "{error}");
    let config = load(&[
        ("SHOPBOT_MODE", "webhook"),
        ("SHOPBOT_WEBHOOK_URL", "https://shop.example/hook"),
    ])
    .expect("webhook");
    assert_eq!(config.mode.name(), "webhook");
}

#[test]
fn the_panel_needs_an_http_url_and_the_operations_endpoint() {
    assert!(load(&[]).expect("defaults").panel_url.is_none());
    let error = load(&[("SHOPBOT_PANEL_URL", "ftp://shop.example")]).unwrap_err();
    assert!(error.to_string().contains("http(s)"), "{error}");
    let error = load(&[
        ("SHOPBOT_PANEL_URL", "https://shop.example"),
        ("SHOPBOT_HTTP_ADDR", "off"),
    ])
    .unwrap_err();
    assert!(error.to_string().contains("http_addr"), "{error}");
    let config = load(&[("SHOPBOT_PANEL_URL", "https://shop.example")]).expect("panel");
    assert_eq!(
        config.panel_url.map(|u| u.to_string()).as_deref(),
        Some("https://shop.example/")
    );
}

#[test]
fn the_environment_wins_over_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("shopbot.toml");
    std::fs::write(
        &path,
        format!(
            "token = \"{TOKEN}\"\ndb_path = \"/from/file\"\nbackup_keep = 3\n\
             super_admins = [11, 12]\nhttp_addr = \"off\"\nlog_dir = \"off\"\n"
        ),
    )
    .unwrap();
    let config = BotConfig::load(vars(&[("SHOPBOT_BACKUP_KEEP", "9")]), Some(&path)).unwrap();
    assert_eq!(config.db_path, std::path::PathBuf::from("/from/file"));
    assert_eq!(config.backup_keep, 9, "the environment wins");
    assert_eq!(config.super_admins, vec![uid(11), uid(12)]);
    assert_eq!(config.http_addr, None);
    assert_eq!(config.log_dir, None);

    std::fs::write(&path, "tokn = \"x\"\n").unwrap();
    let error = BotConfig::load(vars(&[]), Some(&path)).unwrap_err();
    assert!(
        error.to_string().contains("unknown setting `tokn`"),
        "{error}"
    );
    std::fs::write(&path, "backup_keep = [\n").unwrap();
    assert!(matches!(
        BotConfig::load(vars(&[]), Some(&path)),
        Err(ConfigError::File { .. })
    ));
    let missing = BotConfig::load(vars(&[]), Some(&dir.path().join("none.toml"))).unwrap_err();
    assert!(missing.to_string().contains("none.toml"), "{missing}");
}

#[test]
fn the_sample_config_is_valid() {
    let sample = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("shopbot.sample.toml");
    let config = BotConfig::load(vars(&[]), Some(&sample)).expect("sample parses");
    assert_eq!(
        config.time_zone.as_ref().map(|z| z.name()),
        Some("Asia/Riyadh")
    );
    // A zone and a fixed offset together: which one was meant is not guessed.
    let both = load(&[
        ("SHOPBOT_TIME_ZONE", "Africa/Cairo"),
        ("SHOPBOT_UTC_OFFSET_MINUTES", "120"),
    ])
    .unwrap_err();
    assert!(both.to_string().contains("not both"), "{both}");
}

// ---------------------------------------------------------------- HTTP helpers

/// One HTTP/1.1 GET over a real socket; returns (status, body).
fn http_get(addr: SocketAddr, path: &str) -> (u16, String) {
    let mut stream =
        std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(5)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map_or(String::new(), |(_, b)| b.to_owned());
    (status, body)
}

async fn get(addr: SocketAddr, path: &'static str) -> (u16, String) {
    tokio::task::spawn_blocking(move || http_get(addr, path))
        .await
        .expect("http task")
}

#[tokio::test]
async fn health_and_metrics_over_loopback() {
    let t = TestShop::new();
    let backups_dir = t.dir.path().join("backups");
    let backups = Backups::new(backups_dir.clone(), 2);
    let health = Health::new(Arc::clone(&t.shop), "polling", Some(Arc::clone(&backups)));
    let (stop_tx, mut stop_rx) = tokio::sync::watch::channel(false);
    let (addr, server) = health::serve(
        "127.0.0.1:0".parse().unwrap(),
        Arc::clone(&health),
        async move {
            let _ = stop_rx.wait_for(|s| *s).await;
        },
    )
    .await
    .expect("bind");

    let (status, body) = get(addr, "/healthz").await;
    assert_eq!(status, 200, "{body}");
    let json: Value = serde_json::from_str(body.trim()).expect("json");
    assert_eq!(json["database"], "ok");
    assert_eq!(json["mode"], "polling");
    assert_eq!(json["store_state"], "open");

    assert_eq!(get(addr, "/readyz").await.0, 503, "not ready before start");
    health.set_ready(true);
    assert_eq!(get(addr, "/readyz").await.0, 200);

    // Three backups with keep = 2 leave two files; the age gauge appears.
    for _ in 0..3 {
        backups.run(&t.shop).await.expect("backup");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(shopbot::ops::backups::list(&backups_dir).unwrap().len(), 2);
    health::refresh_figures(&health).await.expect("figures");
    let (status, metrics) = get(addr, "/metrics").await;
    assert_eq!(status, 200);
    for needle in [
        "shopbot_backup_age_seconds",
        "shopbot_backups_total{outcome=\"ok\"}",
        "shopbot_orders{status=\"completed\"}",
        "shopbot_topups_approved",
        "shopbot_up 1",
    ] {
        assert!(
            metrics.contains(needle),
            "{needle} missing from:\n{metrics}"
        );
    }
    assert_eq!(get(addr, "/nothing").await.0, 404);
    let _ = stop_tx.send(true);
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("server stops")
        .unwrap();
}

// ---------------------------------------------------------------- broadcasts

const RECIPIENTS: [u64; 6] = [101, 102, 103, 104, 105, 106];
const BLOCKER: u64 = 102;
const SLOW: u64 = 104;

#[tokio::test]
async fn broadcast_handles_403_and_429_and_resumes_after_a_restart_once_each() {
    let t = TestShop::new();
    for user in RECIPIENTS {
        t.register(user, "en");
    }
    let tg = FakeTelegram::start();
    tg.fail_next(BLOCKER as i64, [Fault::Blocked]);
    tg.fail_next(SLOW as i64, [Fault::RetryAfter(1)]);
    let bot = tg.bot();
    let job = t
        .shop
        .create_broadcast(&t.owner(), "Eid sale: 20% off all cards")
        .expect("create");
    // The owner is a user too: 7 recipients, one of whom blocked the bot.
    assert_eq!(job.audience, RECIPIENTS.len() as u64 + 1);

    // First run: stop (like a shutdown) once three messages are out.
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let broadcaster = Broadcaster::new(bot.clone(), Arc::clone(&t.shop), 30, stop_rx, None);
    let driver = {
        let broadcaster = Arc::clone(&broadcaster);
        let job = job.clone();
        tokio::spawn(async move { broadcaster.drive(job, None).await })
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while tg.delivered().len() < 3 {
        assert!(
            Instant::now() < deadline,
            "no progress: {:?}",
            tg.requests()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    stop_tx.send(true).unwrap();
    let stopped = tokio::time::timeout(Duration::from_secs(10), driver)
        .await
        .expect("stops")
        .unwrap()
        .expect("drive");
    assert_eq!(
        stopped.status,
        BroadcastStatus::Running,
        "interrupted, not finished"
    );
    assert!(
        stopped.sent >= 3 && stopped.sent < job.audience,
        "{stopped:?}"
    );
    drop(broadcaster);

    // Restart: reopen the shop; the running job resumes after its cursor.
    let t = t.reopen();
    let (_stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let broadcaster = Broadcaster::new(bot.clone(), Arc::clone(&t.shop), 30, stop_rx, None);
    let running = t.shop.running_broadcasts().expect("running");
    assert_eq!(running.len(), 1);
    let started = Instant::now();
    let done = tokio::time::timeout(
        Duration::from_secs(20),
        broadcaster.drive(running[0].clone(), None),
    )
    .await
    .expect("finishes")
    .expect("drive");
    assert_eq!(done.status, BroadcastStatus::Finished, "{done:?}");
    assert_eq!(done.sent, job.audience - 1);
    assert_eq!(done.blocked, 1);
    assert_eq!(done.failed, 0);
    // Exactly once each: the 429'd user got one message after waiting; the blocker none.
    for user in RECIPIENTS.into_iter().chain([OWNER]) {
        let got = tg.delivered_to(user as i64);
        let expected = usize::from(user != BLOCKER);
        assert_eq!(got.len(), expected, "user {user} got {got:?}");
    }
    let slow_attempts = tg.calls_to("sendMessage", SLOW as i64);
    assert_eq!(slow_attempts, 2, "429 then a retry");
    let _ = started;

    // A later broadcast skips the user who blocked the bot…
    let second = t
        .shop
        .create_broadcast(&t.owner(), "New cards are in")
        .expect("second");
    assert_eq!(second.audience, job.audience - 1);
    broadcaster.drive(second, None).await.expect("second drive");
    assert_eq!(tg.delivered_to(BLOCKER as i64).len(), 0);
    // …until they talk to the bot again.
    t.register(BLOCKER, "en");
    let third = t
        .shop
        .create_broadcast(&t.owner(), "Last call")
        .expect("third");
    assert_eq!(third.audience, job.audience);
}

#[tokio::test]
async fn a_cancelled_broadcast_stops_sending() {
    let t = TestShop::new();
    for user in RECIPIENTS {
        t.register(user, "en");
    }
    let tg = FakeTelegram::start();
    let bot = tg.bot();
    let job = t
        .shop
        .create_broadcast(&t.owner(), "Hello")
        .expect("create");
    let (_stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    // One message a second: the cancel lands long before the end.
    let broadcaster = Broadcaster::new(bot, Arc::clone(&t.shop), 1, stop_rx, None);
    let driver = {
        let broadcaster = Arc::clone(&broadcaster);
        let job = job.clone();
        tokio::spawn(async move { broadcaster.drive(job, None).await })
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while tg.delivered().is_empty() {
        assert!(
            Instant::now() < deadline,
            "no progress: {:?}",
            tg.requests()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    t.shop.cancel_broadcast(&t.owner(), job.id).expect("cancel");
    let done = tokio::time::timeout(Duration::from_secs(10), driver)
        .await
        .expect("stops")
        .unwrap()
        .expect("drive");
    assert_eq!(done.status, BroadcastStatus::Cancelled);
    assert!(
        tg.delivered().len() < RECIPIENTS.len(),
        "kept sending after cancel"
    );
}

// ---------------------------------------------------------------- notifications

const STAFF: i64 = -100_200;
const SUPERGROUP: i64 = -100_123;

fn staff_chat() -> shopbot::notify::StaffChat {
    shopbot::notify::StaffChat {
        chat: ChatId(STAFF),
        lang: shopbot::i18n::Lang::EN,
    }
}

/// `user` asks for a top-up (a staff notice), and returns its id.
fn request_topup(t: &TestShop, method: shopcore::PaymentMethodId, user: u64) -> shopcore::TopupId {
    t.register(user, "en");
    let actor = t.shop.actor(uid(user)).expect("actor");
    t.shop
        .request_topup(
            &actor,
            &shopcore::TopupRequest {
                method,
                amount: money("20"),
                proof: shopcore::Proof::Text(format!("transfer from {user}")),
                key: key(&format!("topup-{user}")),
            },
        )
        .expect("top-up")
        .id
}

fn pending(t: &TestShop) -> usize {
    t.shop
        .pending_notifications(shopbot::SCOPE, 100)
        .expect("pending")
        .len()
}

#[tokio::test]
async fn a_staff_notice_to_a_dead_chat_does_not_hold_up_a_shoppers_notice() {
    let t = TestShop::new();
    let method = t.method("Bank", "USD", "1", "1000");
    // A staff notice (a top-up waiting) and then the shopper's (it was approved).
    let topup = request_topup(&t, method, SHOPPER);
    t.shop
        .approve_topup(&t.owner(), topup, &key("approve"))
        .expect("approve");
    let tg = FakeTelegram::start();
    tg.fail_always(STAFF, Fault::Kicked);
    let bot = tg.bot();

    let sent = shopbot::notify::deliver_pending_with(&bot, &t.shop, Some(staff_chat()))
        .await
        .expect("a pass");
    assert_eq!(sent, 1);
    let got = tg.delivered_to(SHOPPER as i64);
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(
        got[0].contains(&format!("Top-up {topup} approved")),
        "{got:?}"
    );
    assert_eq!(
        pending(&t),
        0,
        "the dead chat's notice was parked, not retried"
    );
    // Later passes do not try the dead chat's notice again, and the shopper is not taken
    // for someone who blocked the bot.
    shopbot::notify::deliver_pending_with(&bot, &t.shop, Some(staff_chat()))
        .await
        .expect("a second pass");
    assert_eq!(tg.calls_to("sendMessage", STAFF), 1);
    let job = t
        .shop
        .create_broadcast(&t.owner(), "hello")
        .expect("broadcast");
    assert_eq!(job.audience, 2, "the owner and the shopper");
}

#[tokio::test]
async fn a_staff_chat_that_became_a_supergroup_is_followed_and_remembered() {
    let t = TestShop::new();
    let method = t.method("Bank", "USD", "1", "1000");
    let first = request_topup(&t, method, SHOPPER);
    let tg = FakeTelegram::start();
    tg.fail_always(STAFF, Fault::Migrated(SUPERGROUP));
    let bot = tg.bot();

    shopbot::notify::deliver_pending_with(&bot, &t.shop, Some(staff_chat()))
        .await
        .expect("a pass");
    let got = tg.delivered_to(SUPERGROUP);
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(
        got[0].contains(&format!("New top-up #{}", first.get())),
        "{got:?}"
    );
    assert_eq!(pending(&t), 0);

    // After a restart, the next staff notice goes straight to the supergroup.
    let t = t.reopen();
    let second = request_topup(&t, method, SHOPPER + 1);
    assert_eq!(
        shopbot::notify::resolve_staff_chat(&t.shop, Some(staff_chat()))
            .await
            .map(|s| s.chat),
        Some(ChatId(SUPERGROUP))
    );
    shopbot::notify::deliver_pending_with(&bot, &t.shop, Some(staff_chat()))
        .await
        .expect("a pass");
    assert_eq!(
        tg.calls_to("sendMessage", STAFF),
        1,
        "the old chat was asked only once"
    );
    let got = tg.delivered_to(SUPERGROUP);
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(
        got[1].contains(&format!("New top-up #{}", second.get())),
        "{got:?}"
    );
}

#[tokio::test]
async fn a_flood_wait_or_a_telegram_failure_for_one_chat_lets_the_others_through() {
    let t = TestShop::new();
    let method = t.method("Bank", "USD", "1", "1000");
    const SLOW: u64 = 7_101;
    const BROKEN: u64 = 7_102;
    const FINE: u64 = 7_103;
    let mut topups = Vec::new();
    for user in [SLOW, BROKEN, FINE] {
        let id = request_topup(&t, method, user);
        t.shop
            .approve_topup(&t.owner(), id, &key(&format!("approve-{user}")))
            .expect("approve");
        topups.push(id);
    }
    // SLOW also gets a second notice, which must not overtake the first.
    let extra = {
        let actor = t.shop.actor(uid(SLOW)).expect("actor");
        let id = t
            .shop
            .request_topup(
                &actor,
                &shopcore::TopupRequest {
                    method,
                    amount: money("5"),
                    proof: shopcore::Proof::Text("again".into()),
                    key: key("topup-slow-2"),
                },
            )
            .expect("second top-up")
            .id;
        t.shop
            .reject_topup(&t.owner(), id, "no transfer seen", &key("reject-slow-2"))
            .expect("reject");
        id
    };
    let tg = FakeTelegram::start();
    tg.fail_next(SLOW as i64, [Fault::RetryAfter(1)]);
    tg.fail_next(BROKEN as i64, [Fault::ServerError]);
    let bot = tg.bot();

    shopbot::notify::deliver_pending(&bot, &t.shop)
        .await
        .expect("a pass");
    assert_eq!(tg.delivered_to(FINE as i64).len(), 1, "not held up");
    assert!(tg.delivered_to(SLOW as i64).is_empty());
    assert!(tg.delivered_to(BROKEN as i64).is_empty());
    assert_eq!(pending(&t), 0, "the outbox moved on");
    assert_eq!(
        tg.calls_to("sendMessage", SLOW as i64),
        1,
        "the second notice waits behind the first"
    );

    // Once the waits are over, the notices set aside are delivered, SLOW's in order.
    let deadline = Instant::now() + Duration::from_secs(20);
    while tg.delivered_to(SLOW as i64).len() < 2 || tg.delivered_to(BROKEN as i64).is_empty() {
        assert!(
            Instant::now() < deadline,
            "not retried: {:?}",
            tg.requests()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
        shopbot::notify::deliver_pending(&bot, &t.shop)
            .await
            .expect("a pass");
    }
    let slow = tg.delivered_to(SLOW as i64);
    assert!(
        slow[0].contains(&format!("Top-up {} approved", topups[0])),
        "{slow:?}"
    );
    assert!(
        slow[1].contains(&format!("Top-up {extra} was rejected")),
        "{slow:?}"
    );
    assert!(tg.delivered_to(BROKEN as i64)[0].contains(&format!("Top-up {} approved", topups[1])));
    assert_eq!(tg.delivered_to(FINE as i64).len(), 1, "sent once");
    // Nothing is left set aside: another pass sends nothing.
    let before = tg.delivered().len();
    shopbot::notify::deliver_pending(&bot, &t.shop)
        .await
        .expect("a pass");
    assert_eq!(tg.delivered().len(), before);
}

// ---------------------------------------------------------------- the binary

pub(crate) struct Running {
    pub(crate) child: std::process::Child,
    pub(crate) dir: tempfile::TempDir,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn spawn_bot(api: &url::Url, extra: &[(&str, String)]) -> Running {
    spawn_bot_in(tempfile::tempdir().expect("tempdir"), api, extra, &[])
}

/// The bot over the shop in `dir`, with `extra` variables and `args`.
pub(crate) fn spawn_bot_in(
    dir: tempfile::TempDir,
    api: &url::Url,
    extra: &[(&str, String)],
    args: &[String],
) -> Running {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_shopbot"));
    command
        .env_clear()
        .env("TELOXIDE_TOKEN", TOKEN)
        .env("SHOPBOT_API_URL", api.as_str())
        .env("SHOPBOT_DB", dir.path().join("shop.db"))
        .env("SHOPBOT_LOG_DIR", dir.path().join("logs"))
        .env("SHOPBOT_BACKUP_DIR", dir.path().join("backups"))
        .env("SHOPBOT_BACKUP_INTERVAL_MINUTES", "0")
        .env("SHOPBOT_STATS_INTERVAL_SECONDS", "0")
        .env("SHOPBOT_HTTP_ADDR", "off")
        .env("SHOPBOT_SHUTDOWN_GRACE_SECONDS", "15")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    for (k, v) in extra {
        command.env(k, v);
    }
    command.args(args);
    Running {
        child: command.spawn().expect("spawn shopbot"),
        dir,
    }
}

pub(crate) async fn wait_exit(running: &mut Running, within: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + within;
    loop {
        if let Some(status) = running.child.try_wait().expect("wait") {
            return status;
        }
        if Instant::now() > deadline {
            let _ = running.child.kill();
            panic!("shopbot did not exit within {within:?}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub(crate) async fn wait_for(what: &str, within: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub(crate) fn sigterm(running: &Running) {
    let status = std::process::Command::new("kill")
        .args(["-TERM", &running.child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
}

#[tokio::test]
async fn sigterm_finishes_the_update_in_flight_flushes_and_exits_zero() {
    let tg = FakeTelegram::start();
    const USER: i64 = 5_001;
    tg.delay(USER, Duration::from_millis(1_500));
    tg.user_says(USER as u64, "/start");
    let url = tg.url();
    let mut running = spawn_bot(&url, &[]);
    // The reply is being sent (the fake holds it for 1.5 s) when SIGTERM arrives.
    wait_for("the reply to start", Duration::from_secs(60), || {
        tg.calls("sendMessage") >= 1
    })
    .await;
    let signalled = Instant::now();
    sigterm(&running);
    let status = wait_exit(&mut running, Duration::from_secs(30)).await;
    let took = signalled.elapsed();
    assert!(status.success(), "exit status {status:?}");
    let replies = tg.delivered_to(USER);
    assert_eq!(
        replies.len(),
        1,
        "the in-flight reply completed: {replies:?}"
    );
    assert!(replies[0].starts_with("Hello"), "{replies:?}");
    assert!(took < Duration::from_secs(15), "shutdown took {took:?}");
    eprintln!("shutdown with an update in flight took {took:?}");
    // The shop was flushed and closed: it opens again with the shopper registered.
    let shop = Shop::open(
        running.dir.path().join("shop.db"),
        shopcore::Config::default(),
    )
    .expect("reopen after shutdown");
    assert!(shop.user(uid(USER as u64)).unwrap().is_some());
    assert!(
        std::fs::read_dir(running.dir.path().join("logs"))
            .unwrap()
            .next()
            .is_some(),
        "a log file was written"
    );
}

/// The staff chat set only in the config file, an unpaid order past its deadline and a
/// supplier order with no supplier configured, all in a shop made before the bot starts.
#[tokio::test]
async fn the_bot_expires_unpaid_orders_hands_supplier_orders_to_staff_and_notifies_the_configured_staff_chat()
 {
    const FILE_STAFF: i64 = -100_777;
    const LATE: u64 = 8_001;
    const AUTO: u64 = 8_002;
    let dir = tempfile::tempdir().expect("tempdir");
    let (unpaid, supplied) = {
        // Two hours ago: the unpaid order's 30 minutes are long over by the time the bot runs.
        let past = shopcore::Timestamp(
            i64::try_from(
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_millis(),
            )
            .unwrap()
                - 2 * 60 * 60 * 1000,
        );
        let shop = Shop::open(
            dir.path().join("shop.db"),
            shopcore::Config::default()
                .with_clock(Arc::new(shopcore::ManualClock::new(past)))
                .with_super_admins(vec![uid(OWNER)]),
        )
        .expect("shop");
        let t = TestShop {
            shop: Arc::new(shop),
            dir: tempfile::tempdir().expect("unused"),
        };
        let games = t.category("Games");
        let card = t.product(games, "Gift card", "10.00");
        let method = t.method("Bank", "USD", "1", "1000");
        t.register(LATE, "en");
        let late = t.shop.actor(uid(LATE)).expect("actor");
        let unpaid = t
            .shop
            .create_order(
                &late,
                &shopcore::OrderRequest {
                    quantity: 1,
                    product: card.id,
                    payment: shopcore::PaymentChoice::Method(method),
                    coupon: None,
                    player_id: None,
                    currency: None,
                    proof: Some(shopcore::Proof::Text("sent it".into())),
                },
                &key("late-order"),
            )
            .expect("unpaid order");
        assert_eq!(unpaid.status, shopcore::OrderStatus::AwaitingPayment);
        t.shop
            .set_fulfilment_mode(&t.owner(), shopcore::FulfilmentMode::Auto)
            .expect("auto");
        let uc = t.product_with(games, "PUBG 660 UC", "5.00", |p| {
            p.delivery = shopcore::Delivery::Supplier {
                sku: "pubg-660".into(),
            };
        });
        t.fund(AUTO, "20.00");
        let auto = t.shop.actor(uid(AUTO)).expect("actor");
        let supplied = t
            .shop
            .create_order(
                &auto,
                &shopcore::OrderRequest::from_balance(uc.id, 1),
                &key("auto-order"),
            )
            .expect("supplier order");
        assert_eq!(supplied.fulfilment, shopcore::Fulfilment::Supplier);
        // Whatever was queued so far (a staff notice for the unpaid order) is not the point.
        let last = t
            .shop
            .pending_notifications(shopbot::SCOPE, 100)
            .unwrap()
            .last()
            .map(|n| n.seq);
        if let Some(seq) = last {
            t.shop.ack_notifications(shopbot::SCOPE, seq).unwrap();
        }
        t.shop.flush().expect("flush");
        (unpaid.id, supplied.id)
    };
    let config = dir.path().join("shopbot.toml");
    std::fs::write(&config, format!("staff_chat_id = {FILE_STAFF}\n")).expect("config file");

    let tg = FakeTelegram::start();
    let url = tg.url();
    let mut running = spawn_bot_in(
        dir,
        &url,
        &[],
        &["--config".into(), config.display().to_string()],
    );
    wait_for("the notices", Duration::from_secs(60), || {
        !tg.delivered_to(FILE_STAFF).is_empty() && !tg.delivered_to(LATE as i64).is_empty()
    })
    .await;
    let staff = tg.delivered_to(FILE_STAFF);
    assert!(
        staff
            .iter()
            .any(|m| m.contains(&format!("Order #{} from Sam ({AUTO})", supplied.get()))),
        "{staff:?}"
    );
    let late = tg.delivered_to(LATE as i64);
    assert!(
        late[0].contains(&format!("order #{} was cancelled", unpaid.get())),
        "{late:?}"
    );
    sigterm(&running);
    assert!(
        wait_exit(&mut running, Duration::from_secs(30))
            .await
            .success()
    );
    let shop = Shop::open(
        running.dir.path().join("shop.db"),
        shopcore::Config::default(),
    )
    .expect("reopen");
    let owner = shop.actor(uid(OWNER)).unwrap();
    assert_eq!(
        shop.order(&owner, unpaid).unwrap().status,
        shopcore::OrderStatus::Cancelled
    );
    let handed = shop.order(&owner, supplied).unwrap();
    assert_eq!(
        (handed.status, handed.fulfilment),
        (shopcore::OrderStatus::Paid, shopcore::Fulfilment::Manual)
    );
}

#[tokio::test]
async fn a_flood_from_one_user_does_not_delay_another() {
    let tg = FakeTelegram::start();
    const FLOODER: i64 = 7_001;
    const OTHER: i64 = 7_002;
    // Every reply to the flooder takes 100 ms: unthrottled, 150 of them would fill the
    // dispatcher's queue for that chat and hold everyone else's updates behind it.
    tg.delay(FLOODER, Duration::from_millis(100));
    for _ in 0..150 {
        tg.user_says(FLOODER as u64, "/help");
    }
    tg.user_says(OTHER as u64, "/help");
    let url = tg.url();
    let port = free_port();
    let mut running = spawn_bot(
        &url,
        &[
            ("SHOPBOT_RATE_BURST", "3".into()),
            ("SHOPBOT_RATE_PER_MINUTE", "6".into()),
            ("SHOPBOT_HTTP_ADDR", format!("127.0.0.1:{port}")),
        ],
    );
    wait_for("the other user's reply", Duration::from_secs(60), || {
        !tg.delivered_to(OTHER).is_empty()
    })
    .await;
    // Let the flood settle, then look at what each got.
    tokio::time::sleep(Duration::from_millis(800)).await;
    let (first_flood, other_at) = {
        let delivered = tg.delivered();
        let first = delivered
            .iter()
            .find(|d| d.chat == FLOODER)
            .map(|d| d.at)
            .expect("flooder answered");
        let other = delivered
            .iter()
            .find(|d| d.chat == OTHER)
            .map(|d| d.at)
            .unwrap();
        (first, other)
    };
    let flood = tg.delivered_to(FLOODER);
    let notices = flood.iter().filter(|t| t.contains("very fast")).count();
    assert_eq!(notices, 1, "one polite notice: {flood:#?}");
    assert_eq!(
        flood.len(),
        3 + 1,
        "the burst is answered, the rest dropped"
    );
    let lag = other_at.saturating_duration_since(first_flood);
    eprintln!("the other user's reply came {lag:?} after the flooder's first");
    assert!(
        lag < Duration::from_secs(2),
        "other user delayed by {lag:?}"
    );

    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let (status, metrics) = get(addr, "/metrics").await;
    assert_eq!(status, 200);
    for needle in [
        "shopbot_rate_limited_total 147",
        "shopbot_updates_total{kind=\"message\",outcome=\"ok\"} 4",
        "shopbot_handler_duration_seconds_bucket",
    ] {
        assert!(metrics.contains(needle), "{needle} missing:\n{metrics}");
    }
    let (status, health) = get(addr, "/healthz").await;
    assert_eq!(status, 200, "{health}");
    assert!(health.contains("\"mode\":\"polling\""), "{health}");
    sigterm(&running);
    assert!(
        wait_exit(&mut running, Duration::from_secs(30))
            .await
            .success()
    );
}

// ---------------------------------------------------------------- retention

#[tokio::test]
async fn retention_prunes_views_and_the_chain_still_verifies() {
    let t = TestShop::new();
    for _ in 0..3 {
        t.shop
            .dashboard(&t.owner(), shopcore::DashboardOptions::default())
            .expect("dashboard");
    }
    let before = t.shop.now();
    let report =
        shopbot::ops::retention::prune_before(&t.shop, shopcore::clock::Timestamp(before.0 + 1))
            .await
            .expect("prune");
    assert!(!report.more);
    assert!(t.shop.verify().expect("verify").is_healthy());
    // The newest view was the chain's head and stayed; once the prune's own entry is the
    // head, it goes too. Then the three views are gone and nothing else is prunable.
    let cut = shopcore::clock::Timestamp(before.0 + 1);
    let again = shopbot::ops::retention::prune_before(&t.shop, cut)
        .await
        .expect("prune again");
    assert_eq!(
        report.audit_entries + again.audit_entries,
        3,
        "{report:?} {again:?}"
    );
    let last = shopbot::ops::retention::prune_before(&t.shop, cut)
        .await
        .expect("prune a third time");
    assert_eq!(last.audit_entries, 0, "{last:?}");
    assert!(t.shop.verify().expect("verify").is_healthy());
}

// ---------------------------------------------------------------- start-up check

#[tokio::test]
async fn start_up_checks_the_tail_and_keeps_the_full_verify_schedule() {
    use shopbot::ops::{MIN_FIRST_VERIFY, first_verify_in, open_shop};
    use shopcore::CheckLevel;
    use std::time::Duration;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shop.db");
    let config = load(&[("SHOPBOT_DB", db.to_str().unwrap())]).expect("config");
    let day = Duration::from_secs(24 * 3600);
    // A new store: the full verify() runs once and leaves its watermark.
    let (shop, check) = open_shop(&config).await.expect("start");
    assert_eq!(check.level, CheckLevel::Full, "{check}");
    assert!(check.is_healthy(), "{check}");
    assert_eq!(first_verify_in(&check, shop.now().0, day), day);
    drop(shop);
    // A restart checks what followed (the start-up settings' audit entries, if any).
    let (shop, check) = open_shop(&config).await.expect("restart");
    assert_eq!(check.level, CheckLevel::Tail, "{check}");
    assert!(check.is_healthy(), "{check}");
    let full_at = check.since.expect("the full verify is recorded").0;
    // The schedule counts from the last full run: a restart 23 hours later runs it in an
    // hour, a restart 2 days later soon after start.
    let hour = 3_600_000;
    assert_eq!(
        first_verify_in(&check, full_at + 23 * hour, day),
        Duration::from_secs(3600)
    );
    assert_eq!(
        first_verify_in(&check, full_at + 48 * hour, day),
        MIN_FIRST_VERIFY
    );
    drop(shop);
}

#[tokio::test]
async fn the_background_indexer_keeps_the_audit_indexes_current() {
    let t = TestShop::new();
    let owner = t.shop.actor(shopcore::UserId::new(1).unwrap()).unwrap();
    for i in 0..5 {
        t.shop
            .set_support_contact(&owner, Some(&format!("@help{i}")))
            .unwrap();
    }
    let task = shopbot::ops::schedule_audit_index(
        Arc::clone(&t.shop),
        std::time::Duration::from_millis(20),
    );
    // The indexer catches up on its own: after a few of its periods, a direct call finds
    // nothing left to index (it would index the five entries otherwise).
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    assert_eq!(t.shop.index_audit_log().unwrap(), 0);
    // And it keeps up with what follows.
    t.shop.set_support_contact(&owner, Some("@later")).unwrap();
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    assert_eq!(t.shop.index_audit_log().unwrap(), 0);
    task.abort();
    assert!(t.shop.verify().unwrap().is_healthy());
}

// ---------------------------------------------------------------- replicas

/// Users `ids` each get a top-up approved: one notice each, to be delivered by the bots.
fn approved_topups(shop: &Shop, method: shopcore::PaymentMethodId, ids: std::ops::Range<u64>) {
    let owner = shop.actor(uid(OWNER)).unwrap();
    for user in ids {
        shop.register_user(&shopcore::Registration {
            id: uid(user),
            username: None,
            display_name: &format!("User {user}"),
            language: Some("en"),
        })
        .unwrap();
        let actor = shop.actor(uid(user)).unwrap();
        let topup = shop
            .request_topup(
                &actor,
                &shopcore::TopupRequest {
                    method,
                    amount: money("20"),
                    proof: shopcore::Proof::Text(format!("transfer {user}")),
                    key: key(&format!("topup-{user}")),
                },
            )
            .unwrap();
        shop.approve_topup(&owner, topup.id, &key(&format!("ok-{user}")))
            .unwrap();
    }
}

/// POSTs `update` to a replica's webhook listener with `secret` as Telegram's header;
/// returns the HTTP status.
fn post_update(port: u16, secret: &str, update: &Value) -> u16 {
    let body = update.to_string();
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "POST /telegram HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
         X-Telegram-Bot-Api-Secret-Token: {secret}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    response
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0)
}

fn outbox_holder(shop: &Shop) -> Option<String> {
    shop.job_leases()
        .unwrap()
        .into_iter()
        .find(|l| l.job == "outbox")
        .map(|l| l.holder)
}

/// A plain test (shopcore's PostgreSQL client blocks, which a runtime's own threads may not
/// do): the waits run on a runtime of their own.
#[test]
fn two_replicas_on_one_database_deliver_each_notice_once_even_when_one_is_killed() {
    let Some(schema) = TestSchema::from_env("the replica test") else {
        return;
    };
    // The fake Bot API serves from the runtime's worker threads; the shop's calls run on
    // this one, outside it.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let url = schema.url();
    let tg = rt.block_on(async { FakeTelegram::start() });
    let shop = Shop::open(
        url.as_str(),
        shopcore::Config::default().with_super_admins(vec![uid(OWNER)]),
    )
    .unwrap();
    let owner = shop.actor(uid(OWNER)).unwrap();
    let method = shop
        .create_payment_method(
            &owner,
            &shopcore::NewPaymentMethod {
                name: "Bank".into(),
                instructions: "Send to 123".into(),
                currency: "USD".into(),
                min_amount: money("1"),
                max_amount: money("500"),
                active: true,
            },
        )
        .unwrap()
        .id;
    approved_topups(&shop, method, 2_001..2_021);
    // Webhook mode, as behind a reverse proxy: each replica listens on its own port.
    let (port_a, port_b) = (free_port(), free_port());
    let replica = |name: &str, port: u16| {
        spawn_bot_in(
            tempfile::tempdir().unwrap(),
            &tg.url(),
            &[
                ("SHOPBOT_DB", url.clone()),
                ("SHOPBOT_REPLICA_NAME", name.to_owned()),
                ("SHOPBOT_MODE", "webhook".to_owned()),
                (
                    "SHOPBOT_WEBHOOK_URL",
                    "https://shop.example/telegram".to_owned(),
                ),
                ("SHOPBOT_WEBHOOK_LISTEN", format!("127.0.0.1:{port}")),
            ],
            &[],
        )
    };
    let mut a = replica("replica-a", port_a);
    let mut b = replica("replica-b", port_b);
    // Both set the webhook with the same secret (derived from the token), so Telegram's
    // updates are accepted by whichever replica the proxy picks.
    let secret = shopbot::ops::webhook_secret(TOKEN);
    rt.block_on(wait_for(
        "both webhooks set",
        Duration::from_secs(60),
        || tg.calls("setWebhook") >= 2,
    ));
    let secrets: Vec<Value> = tg
        .requests()
        .into_iter()
        .filter(|r| r.method == "setWebhook")
        .map(|r| r.body["secret_token"].clone())
        .collect();
    assert!(
        secrets.iter().all(|s| s.as_str() == Some(secret.as_str())),
        "{secrets:?}"
    );
    rt.block_on(wait_for("both listeners", Duration::from_secs(30), || {
        [port_a, port_b]
            .iter()
            .all(|p| std::net::TcpStream::connect(("127.0.0.1", *p)).is_ok())
    }));
    for (user, port) in [(3_001u64, port_a), (3_002, port_b)] {
        let update = tg.arrive(&Incoming::text(Person::new(user, "U", "en"), "/start"));
        assert_eq!(post_update(port, &secret, &update), 200);
    }
    // An update without the secret is refused and answered by nobody.
    let forged = tg.arrive(&Incoming::text(Person::new(3_003, "U", "en"), "/start"));
    assert_eq!(post_update(port_a, "forged", &forged), 401);
    rt.block_on(wait_for(
        "each replica's reply",
        Duration::from_secs(30),
        || !tg.delivered_to(3_001).is_empty() && !tg.delivered_to(3_002).is_empty(),
    ));
    assert!(tg.delivered_to(3_003).is_empty());
    let all_once = |users: std::ops::Range<u64>| {
        let tg = &tg;
        move || {
            users
                .clone()
                .all(|u| tg.delivered_to(i64::try_from(u).unwrap()).len() == 1)
        }
    };
    rt.block_on(wait_for(
        "the first notices",
        Duration::from_secs(60),
        all_once(2_001..2_021),
    ));
    // Two more delivery periods: a second deliverer would have sent them again by now.
    std::thread::sleep(Duration::from_secs(5));
    for u in 2_001..2_021i64 {
        assert_eq!(
            tg.delivered_to(u).len(),
            1,
            "user {u}: {:?}",
            tg.delivered_to(u)
        );
    }
    // Kill the replica delivering the outbox, mid-run: no goodbye, its lease stays behind.
    let holder = outbox_holder(&shop).expect("a replica holds the outbox");
    let (dead, survivor) = if holder == "replica-a" {
        (&mut a, "replica-b")
    } else {
        (&mut b, "replica-a")
    };
    dead.child.kill().unwrap();
    dead.child.wait().unwrap();
    approved_topups(&shop, method, 2_021..2_041);
    // The survivor takes the outbox over once the lease lapses (3 periods and 10 s).
    rt.block_on(wait_for(
        "the notices after the kill",
        Duration::from_secs(90),
        all_once(2_021..2_041),
    ));
    std::thread::sleep(Duration::from_secs(5));
    for u in 2_001..2_041i64 {
        assert_eq!(
            tg.delivered_to(u).len(),
            1,
            "user {u}: {:?}",
            tg.delivered_to(u)
        );
    }
    assert_eq!(outbox_holder(&shop).as_deref(), Some(survivor));
    assert!(
        shop.pending_notifications(shopbot::SCOPE, 10)
            .unwrap()
            .is_empty()
    );
    // A clean stop gives the jobs back at once.
    let alive = if survivor == "replica-a" {
        &mut a
    } else {
        &mut b
    };
    sigterm(alive);
    assert!(
        rt.block_on(wait_exit(alive, Duration::from_secs(30)))
            .success()
    );
    assert_eq!(outbox_holder(&shop), None);
    assert!(shop.verify().unwrap().is_healthy());
}

/// On a shared shop, a broadcast another live replica drives is left to it: this replica
/// neither resumes it nor sends a message of it; once the other's lease is gone it takes
/// the broadcast over and sends each message once.
#[test]
fn a_broadcast_another_replica_drives_is_left_to_it() {
    let Some(schema) = TestSchema::from_env("the broadcast take-over test") else {
        return;
    };
    let url = schema.url();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let tg = rt.block_on(async { FakeTelegram::start() });
    let shop = Arc::new(
        Shop::open(
            url.as_str(),
            shopcore::Config::default().with_super_admins(vec![uid(OWNER)]),
        )
        .unwrap(),
    );
    for user in 4_001..4_006u64 {
        shop.register_user(&shopcore::Registration {
            id: uid(user),
            username: None,
            display_name: "U",
            language: Some("en"),
        })
        .unwrap();
    }
    let owner = shop.actor(uid(OWNER)).unwrap();
    let job = shop.create_broadcast(&owner, "Eid sale").unwrap();
    let lease = format!("broadcast:{}", job.id.get());
    assert!(
        shop.claim_job(&lease, "another-replica", Duration::from_secs(60))
            .unwrap()
    );
    let (_stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let broadcaster = Broadcaster::new(tg.bot(), Arc::clone(&shop), 30, stop_rx, None);
    let resumed = rt.block_on(broadcaster.resume_all()).unwrap();
    assert_eq!(resumed, 0, "the other replica's");
    let driven = rt.block_on(broadcaster.drive(job.clone(), None)).unwrap();
    assert_eq!(driven.sent, 0);
    assert_eq!(tg.calls("sendMessage"), 0);
    // The other replica stopped cleanly: this one takes it over and finishes it.
    assert!(shop.release_job(&lease, "another-replica").unwrap());
    let done = rt.block_on(broadcaster.drive(job, None)).unwrap();
    assert_eq!(done.status, BroadcastStatus::Finished, "{done:?}");
    assert_eq!(done.sent, done.audience);
    for user in 4_001..4_006i64 {
        assert_eq!(tg.delivered_to(user).len(), 1);
    }
}

/// teloxide's dispatcher hears a shutdown request only while it waits for the next update
/// (its state change wakes current waiters and keeps no permit): asked while it hands an
/// update to a busy worker, the request was lost and the bot polled on until the grace ran
/// out (a CI run's SIGTERM took the whole 15 s). Stopping the listener as well ends it
/// whatever it was doing, after the updates already taken.
#[tokio::test]
async fn a_shutdown_asked_while_the_dispatcher_hands_over_an_update_is_not_lost() {
    use futures::StreamExt;
    use shopbot::ops::shutdown::{self, Stopped};
    use teloxide::update_listeners::StatefulListener;

    let tg = FakeTelegram::start();
    let bot = Bot::new(TOKEN).set_api_url(tg.url());
    let (stop_listener, flag) = teloxide::stop::mk_stop_token();
    let (updates, received) = futures::channel::mpsc::unbounded::<Update>();
    let stream = received
        .map(Ok::<Update, std::convert::Infallible>)
        .take_until(flag)
        .boxed();
    let listener = StatefulListener::new(
        (Some(stream), stop_listener.clone()),
        |state: &mut (Option<_>, teloxide::stop::StopToken)| state.0.take().expect("streamed once"),
        |state: &mut (Option<_>, teloxide::stop::StopToken)| state.1.clone(),
    );
    // The one worker holds every update until the gate opens; its queue takes one more.
    let gate = Arc::new(tokio::sync::Semaphore::new(0));
    let handled = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Arc::new(tokio::sync::Notify::new());
    let handler = {
        let (gate, handled, started) = (gate.clone(), handled.clone(), started.clone());
        teloxide::dptree::endpoint(move |_: Update| {
            let (gate, handled, started) = (gate.clone(), handled.clone(), started.clone());
            async move {
                started.notify_one();
                gate.acquire().await.expect("gate").forget();
                handled.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                Ok::<(), std::convert::Infallible>(())
            }
        })
    };
    let mut dispatcher = Dispatcher::builder(bot, handler)
        .worker_queue_size(1)
        .distribution_function(|_| Some(0_u8))
        .build();
    let token = dispatcher.shutdown_token();
    let dir = tempfile::tempdir().expect("tempdir");
    let shop = Arc::new(
        Shop::open(dir.path().join("shop.db"), shopcore::Config::default()).expect("shop"),
    );
    let health = Health::new(shop, "polling", None);
    let (ask_stop, stop) = tokio::sync::oneshot::channel::<()>();
    let serving = shutdown::serve_until(
        dispatcher
            .try_dispatch_with_listener(listener, Arc::new(|_: std::convert::Infallible| async {})),
        async move {
            let _ = stop.await;
        },
        token,
        stop_listener,
        Duration::from_secs(30),
        &health,
    );
    let driving = async {
        for chat in 0..3 {
            updates
                .unbounded_send(message_update(chat))
                .expect("listener open");
        }
        started.notified().await;
        // The first update is in the worker, the second in its queue, and the dispatcher
        // waits to hand over the third when the shutdown is asked.
        tokio::time::sleep(Duration::from_millis(300)).await;
        ask_stop.send(()).expect("serving");
        tokio::time::sleep(Duration::from_millis(300)).await;
        gate.add_permits(3);
    };
    let (stopped, ()) = tokio::join!(serving, driving);
    let stopped = stopped.expect("dispatch");
    assert_eq!(
        stopped,
        Stopped::Drained,
        "the grace ran out: the request was lost"
    );
    assert_eq!(
        handled.load(std::sync::atomic::Ordering::SeqCst),
        3,
        "every update taken before the shutdown was handled"
    );
}

fn message_update(n: u64) -> Update {
    let json = serde_json::json!({
        "update_id": n,
        "message": {
            "message_id": n, "date": 1767259800,
            "chat": {"id": 42, "type": "private", "first_name": "U"},
            "from": {"id": 42, "is_bot": false, "first_name": "U"},
            "text": "hello"
        }
    });
    serde_json::from_str(&json.to_string()).expect("an update")
}
