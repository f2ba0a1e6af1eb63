//! The deployment files in `shopbot/deploy/` against the code they describe: the dashboard
//! and the alert rules only use metrics the bot exports (and the dashboard shows them all),
//! the systemd unit only sets settings that exist and agrees with the binary's exit codes,
//! and the new gauges (queues, store state, disk, verify) really appear in /metrics.
//! (`promtool` and `systemd-analyze` check the same files in CI: .ci/run.)

use crate::common::*;
use shopbot::ops::config::{CONFIG_VAR, SETTINGS};
use shopbot::ops::health::{self, Health};
use shopbot::ops::telemetry::names;
use std::collections::BTreeSet;
use std::sync::Arc;

fn deploy_file(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("deploy")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every `shopbot_…` metric name in `text`, histogram series folded into their metric.
fn metrics_in(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(at) = text[i..].find("shopbot_") {
        let start = i + at;
        let boundary = start == 0 || !(bytes[start - 1].is_ascii_alphanumeric());
        let mut end = start;
        while end < bytes.len() && (bytes[end].is_ascii_lowercase() || bytes[end] == b'_') {
            end += 1;
        }
        let name = &text[start..end];
        if boundary && name != "shopbot_" {
            let name = ["_bucket", "_sum", "_count"]
                .iter()
                .find_map(|s| name.strip_suffix(s))
                .filter(|base| *base == names::HANDLER_SECONDS)
                .unwrap_or(name);
            found.insert(name.to_owned());
        }
        i = end.max(start + 1);
    }
    found
}

#[test]
fn the_dashboard_and_the_alerts_use_only_exported_metrics_and_show_them_all() {
    let exported: BTreeSet<String> = names::ALL.iter().map(|n| (*n).to_owned()).collect();
    let dashboard_text = deploy_file("grafana/shopbot-dashboard.json");
    let dashboard: serde_json::Value =
        serde_json::from_str(&dashboard_text).expect("the dashboard is JSON");
    assert_eq!(dashboard["uid"], "shopbot-overview");
    // Keep only the queries: a description may name things loosely.
    let mut queries = String::new();
    for panel in dashboard["panels"].as_array().expect("panels") {
        for target in panel["targets"].as_array().into_iter().flatten() {
            queries.push_str(target["expr"].as_str().expect("expr"));
            queries.push('\n');
        }
    }
    let shown = metrics_in(&queries);
    let unknown: Vec<_> = shown.difference(&exported).collect();
    assert!(unknown.is_empty(), "the dashboard queries {unknown:?}");
    let missing: Vec<_> = exported.difference(&shown).collect();
    assert!(missing.is_empty(), "the dashboard doesn't show {missing:?}");

    let rules = deploy_file("prometheus/shopbot-alerts.yml");
    let alerted = metrics_in(&rules);
    let unknown: Vec<_> = alerted.difference(&exported).collect();
    assert!(unknown.is_empty(), "the alert rules use {unknown:?}");
    for needed in [
        names::LISTENER_ERRORS,
        names::NOTIFICATIONS_PENDING,
        names::VERIFY_PROBLEMS,
        names::DISK_FREE,
        names::STORE_STATE,
        names::BACKUP_AGE,
    ] {
        assert!(alerted.contains(needed), "no alert on {needed}");
    }
}

#[test]
fn the_unit_sets_only_real_settings_and_matches_the_exit_codes() {
    let unit = deploy_file("shopbot.service");
    let lines: Vec<&str> = unit
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .collect();
    let value = |key: &str| -> Vec<&str> {
        lines
            .iter()
            .filter_map(|l| l.strip_prefix(key)?.strip_prefix('='))
            .collect()
    };
    assert_eq!(value("ExecStart"), ["/usr/local/bin/shopbot run"]);
    assert_eq!(
        value("ExecStartPre"),
        ["/usr/local/bin/shopbot check-config"]
    );
    // A configuration error (exit 2) is not restarted into a loop.
    assert_eq!(value("RestartPreventExitStatus"), ["2"]);
    assert_eq!(value("User"), ["shopbot"]);
    let known: BTreeSet<&str> = SETTINGS.iter().map(|s| s.env).chain([CONFIG_VAR]).collect();
    let envs = value("Environment");
    assert!(!envs.is_empty());
    for env in envs {
        let (name, _) = env.split_once('=').expect("NAME=value");
        assert!(known.contains(name), "the unit sets unknown {name}");
        let secret = SETTINGS.iter().any(|s| s.secret && s.env == name);
        assert!(
            !secret,
            "a secret ({name}) in the unit; it belongs in /etc/shopbot/env"
        );
    }
    // Stopping gives in-flight updates their grace and the flush some room.
    let stop: u64 = value("TimeoutStopSec")[0].parse().unwrap();
    let grace: u64 = SETTINGS
        .iter()
        .find(|s| s.key == "shutdown_grace_seconds")
        .and_then(|s| s.default)
        .unwrap()
        .parse()
        .unwrap();
    assert!(stop >= grace + 20, "TimeoutStopSec {stop} vs grace {grace}");
}

#[tokio::test]
async fn the_queue_state_disk_and_verify_gauges_reach_metrics() {
    let t = TestShop::new();
    t.register(7_001, "en");
    let health = Health::watching(
        Arc::clone(&t.shop),
        "polling",
        None,
        Some(t.dir.path().to_path_buf()),
    );
    health::refresh_figures(&health).await.expect("figures");
    let text = health.metrics.render();
    let gauge = |line_start: &str| -> f64 {
        text.lines()
            .find(|l| l.starts_with(line_start))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{line_start} not in\n{text}"))
    };
    assert_eq!(gauge("shopbot_store_state{state=\"open\"}"), 1.0);
    assert_eq!(gauge("shopbot_store_state{state=\"emergency\"}"), 0.0);
    assert!(gauge("shopbot_db_bytes ") > 0.0);
    let free = gauge("shopbot_disk_free_bytes ");
    let size = gauge("shopbot_disk_size_bytes ");
    assert!(free > 0.0 && free <= size, "{free} of {size}");
    assert_eq!(gauge("shopbot_notifications_pending "), 0.0);
    // Two top-up requests: two staff notices wait in the outbox.
    let method = t.method("Bank transfer", "USD", "1", "500");
    for user in [7_002, 7_003] {
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
            .expect("top-up");
    }
    let queued = t
        .shop
        .pending_notifications(shopbot::SCOPE, 100)
        .expect("pending");
    assert_eq!(queued.len(), 2);
    assert_eq!(t.shop.notification_backlog(shopbot::SCOPE).unwrap(), 2);
    t.shop
        .ack_notifications(shopbot::SCOPE, queued[0].seq)
        .expect("ack");
    health::refresh_figures(&health).await.expect("figures");
    let text = health.metrics.render();
    let pending = text
        .lines()
        .find(|l| l.starts_with("shopbot_notifications_pending "))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse::<f64>().ok());
    assert_eq!(pending, Some(1.0), "{text}");
}

/// Whether `tool` can run here. CI sets SHOPBOT_DEPLOY_TOOLS=required, and then a missing
/// tool fails the test instead of skipping its check.
fn have(tool: &str) -> bool {
    let found = std::process::Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var("SHOPBOT_DEPLOY_TOOLS").as_deref() != Ok("required"),
            "{tool} is required here (SHOPBOT_DEPLOY_TOOLS=required) but can't run"
        );
        eprintln!("{tool} is not installed: its check of the deploy files is skipped");
    }
    found
}

fn run(tool: &str, args: &[&str], dir: &std::path::Path) -> String {
    let out = std::process::Command::new(tool)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("{tool}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{tool} {args:?} failed:\n{text}");
    text
}

#[test]
fn promtool_accepts_the_rules_their_tests_and_every_dashboard_query() {
    if !have("promtool") {
        return;
    }
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/prometheus");
    run("promtool", &["check", "rules", "shopbot-alerts.yml"], &dir);
    let tested = run(
        "promtool",
        &["test", "rules", "shopbot-alerts.test.yml"],
        &dir,
    );
    assert!(tested.contains("SUCCESS"), "{tested}");
    run("promtool", &["check", "config", "prometheus.yml"], &dir);
    // The dashboard's queries, as recording rules: promtool parses each one.
    let dashboard: serde_json::Value =
        serde_json::from_str(&deploy_file("grafana/shopbot-dashboard.json")).unwrap();
    let mut rules = String::from("groups:\n  - name: dashboard\n    rules:\n");
    let mut n = 0;
    for panel in dashboard["panels"].as_array().unwrap() {
        for target in panel["targets"].as_array().into_iter().flatten() {
            let expr = target["expr"].as_str().unwrap().replace("$instance", ".*");
            n += 1;
            rules.push_str(&format!(
                "      - record: dashboard:query{n}\n        expr: {}\n",
                serde_json::to_string(&expr).unwrap()
            ));
        }
    }
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("dashboard.yml"), rules).unwrap();
    let checked = run("promtool", &["check", "rules", "dashboard.yml"], tmp.path());
    assert!(
        checked.contains(&format!("SUCCESS: {n} rules found")),
        "{checked}"
    );
}

#[test]
fn systemd_accepts_the_unit_and_rates_it_well_hardened() {
    if !have("systemd-analyze") {
        return;
    }
    // `verify` wants ExecStart's program to exist: point it at the binary just built.
    let unit = deploy_file("shopbot.service")
        .replace("/usr/local/bin/shopbot", env!("CARGO_BIN_EXE_shopbot"));
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("shopbot.service"), unit).unwrap();
    run(
        "systemd-analyze",
        &["verify", "shopbot.service"],
        tmp.path(),
    );
    // Exposure 0.0 (locked down) to 10.0 (exposed), in tenths: fail above 2.0.
    let rated = run(
        "systemd-analyze",
        &[
            "security",
            "--offline=yes",
            "--threshold=20",
            "shopbot.service",
        ],
        tmp.path(),
    );
    assert!(rated.contains("Overall exposure level"), "{rated}");
}
