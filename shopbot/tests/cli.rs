//! The command line: clap parsing and precedence (flag > environment > file > default), and
//! the `shopbot` binary's `--version`, `check-config` (local checks, and `--online` against
//! a Bot API on 127.0.0.1 that accepts one token and refuses others as Telegram does),
//! `sample-config` and `settings`.

use axum::Router;
use axum::extract::Path;
use axum::routing::post;
use serde_json::{Value, json};
use shopbot::ops::cli::{self, Command};
use shopbot::ops::config::BotConfig;
use std::collections::HashMap;
use std::process::Output;

const TOKEN: &str = "123456:TEST-token_abcdefgh";

fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |k| map.get(k).cloned()
}

#[test]
fn a_flag_wins_over_the_environment_which_wins_over_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("shopbot.toml");
    std::fs::write(
        &file,
        "db_path = \"/from/file\"\ncache_mb = 10\nbackup_keep = 3\n",
    )
    .unwrap();
    let file_arg = file.to_str().unwrap();
    let parsed = cli::parse_from([
        "shopbot",
        "--config",
        file_arg,
        "--cache-mb",
        "20",
        "check-config",
        "--backup-keep",
        "9",
    ])
    .expect("parses");
    assert_eq!(parsed.command(), Command::CheckConfig { online: false });
    assert_eq!(parsed.args.config.as_deref(), Some(file.as_path()));
    let env = vars(&[
        ("TELOXIDE_TOKEN", TOKEN),
        ("SHOPBOT_DB", "/from/env"),
        ("SHOPBOT_CACHE_MB", "30"),
    ]);
    let config = BotConfig::load(parsed.var(env), parsed.args.config.as_deref()).expect("loads");
    assert_eq!(
        config.cache_mb, 20,
        "the flag beats the environment and the file"
    );
    assert_eq!(config.db_path, std::path::PathBuf::from("/from/env"));
    assert_eq!(config.backup_keep, 9, "a flag after the command counts too");
    // Nothing on the command line: the file, then the default.
    let parsed = cli::parse_from(["shopbot", "--config", file_arg]).unwrap();
    assert_eq!(parsed.command(), Command::Run);
    assert!(parsed.flags.is_empty(), "{:?}", parsed.flags);
    let config = BotConfig::load(
        parsed.var(vars(&[("TELOXIDE_TOKEN", TOKEN)])),
        Some(file.as_path()),
    )
    .unwrap();
    assert_eq!(
        (config.cache_mb, config.backup_keep, config.rate_burst),
        (10, 3, 10)
    );
}

#[test]
fn the_old_check_flag_still_checks() {
    let parsed = cli::parse_from(["shopbot", "--check-config"]).unwrap();
    assert_eq!(parsed.command(), Command::CheckConfig { online: false });
    let parsed = cli::parse_from(["shopbot", "check-config", "--online"]).unwrap();
    assert_eq!(parsed.command(), Command::CheckConfig { online: true });
}

#[test]
fn misspelt_flags_get_a_suggestion_and_secrets_have_no_flag() {
    let error = cli::parse_from(["shopbot", "--db-pth", "x"]).unwrap_err();
    assert_eq!(error.kind(), clap::error::ErrorKind::UnknownArgument);
    assert_eq!(error.exit_code(), 2);
    assert!(error.to_string().contains("--db-path"), "{error}");
    // A token on the command line would show in the process list.
    let error = cli::parse_from(["shopbot", "--token", TOKEN]).unwrap_err();
    assert_eq!(error.kind(), clap::error::ErrorKind::UnknownArgument);
    let error = cli::parse_from(["shopbot", "chek-config"]).unwrap_err();
    assert!(error.to_string().contains("check-config"), "{error}");
}

// ---------------------------------------------------------------- the binary

/// Runs `shopbot` with only `env` in its environment.
fn shopbot(args: &[&str], env: &[(&str, &str)]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_shopbot"))
        .env_clear()
        .envs(env.iter().copied())
        .args(args)
        .output()
        .expect("run shopbot")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn version_help_sample_and_settings() {
    let out = shopbot(&["--version"], &[]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("shopbot {}", env!("CARGO_PKG_VERSION"))
    );
    let out = shopbot(&["--help"], &[]);
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("[env: SHOPBOT_DB=]") && help.contains("[default: ./shop.db]"));
    assert!(
        help.contains("TELOXIDE_TOKEN"),
        "secrets are listed: {help}"
    );
    let out = shopbot(&["sample-config"], &[]);
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), cli::sample_config());
    let out = shopbot(&["settings"], &[]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        cli::settings_markdown()
    );
    let out = shopbot(&["--bogus"], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
}

/// A configuration whose directories are all inside `dir`.
fn local_env(dir: &std::path::Path) -> Vec<(&'static str, String)> {
    vec![
        ("TELOXIDE_TOKEN", TOKEN.to_owned()),
        (
            "SHOPBOT_DB",
            dir.join("state/shop.db").display().to_string(),
        ),
        (
            "SHOPBOT_BACKUP_DIR",
            dir.join("state/backups").display().to_string(),
        ),
        ("SHOPBOT_LOG_DIR", dir.join("logs").display().to_string()),
        ("SHOPBOT_HTTP_ADDR", "127.0.0.1:0".to_owned()),
        ("SHOPBOT_SUPER_ADMINS", "1".to_owned()),
    ]
}

fn run_with(args: &[&str], env: &[(&'static str, String)]) -> Output {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    shopbot(args, &env)
}

#[test]
fn check_config_passes_a_good_configuration_without_creating_anything() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_with(&["check-config"], &local_env(dir.path()));
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(0), "{shown}");
    assert!(shown.contains("ok    db_path"), "{shown}");
    assert!(shown.contains("will be created at start"), "{shown}");
    assert!(shown.contains("warn  staff_chat_id"), "{shown}");
    assert!(shown.contains("the bot would start"), "{shown}");
    assert!(!shown.contains(TOKEN), "the token is never printed");
    // It checked, it did not create.
    assert!(!dir.path().join("state").exists());
    assert!(!dir.path().join("logs").exists());
}

#[test]
fn check_config_fails_on_a_directory_that_cannot_exist() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("afile"), "x").unwrap();
    let mut env = local_env(dir.path());
    env.push((
        "SHOPBOT_BACKUP_DIR",
        dir.path().join("afile/backups").display().to_string(),
    ));
    let out = run_with(&["check-config"], &env);
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(2), "{shown}");
    assert!(shown.contains("error backup_dir"), "{shown}");
    assert!(shown.contains("is not a directory"), "{shown}");
    assert!(shown.contains("would not start"), "{shown}");
}

#[test]
fn check_config_refuses_a_webhook_port_telegram_does_not_deliver_to() {
    let dir = tempfile::tempdir().unwrap();
    let mut env = local_env(dir.path());
    env.push(("SHOPBOT_MODE", "webhook".to_owned()));
    env.push((
        "SHOPBOT_WEBHOOK_URL",
        "https://shop.example.com:9443/hook".to_owned(),
    ));
    env.push(("SHOPBOT_WEBHOOK_LISTEN", "127.0.0.1:0".to_owned()));
    let out = run_with(&["check-config"], &env);
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(2), "{shown}");
    assert!(
        shown.contains("error webhook_url: port 9443 is not one Telegram delivers to"),
        "{shown}"
    );
}

#[test]
fn check_config_names_an_unknown_key_in_the_file_and_suggests_one() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("shopbot.toml");
    std::fs::write(&file, "db_pth = \"./shop.db\"\n").unwrap();
    let out = run_with(
        &["--config", file.to_str().unwrap(), "check-config"],
        &local_env(dir.path()),
    );
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(2), "{shown}");
    assert!(
        shown.contains("unknown setting `db_pth`; did you mean `db_path`?"),
        "{shown}"
    );
}

/// A Bot API on 127.0.0.1 that knows `TOKEN` only.
async fn bot_api() -> url::Url {
    async fn method(Path((bot, method)): Path<(String, String)>) -> axum::Json<Value> {
        if bot != format!("bot{TOKEN}") {
            return axum::Json(
                json!({"ok": false, "error_code": 401, "description": "Unauthorized"}),
            );
        }
        // Teloxide names methods in PascalCase ("GetMe"); Telegram ignores case.
        axum::Json(match method.to_ascii_lowercase().as_str() {
            "getme" => json!({"ok": true, "result": {
                "id": 123456, "is_bot": true, "first_name": "Shop",
                "username": "shop_test_bot", "can_join_groups": true,
                "can_read_all_group_messages": false, "supports_inline_queries": false,
                "has_main_web_app": false
            }}),
            "getwebhookinfo" => json!({"ok": true, "result": {
                "url": "https://old.example.com/hook", "has_custom_certificate": false,
                "pending_update_count": 4,
                "last_error_date": 1767259800,
                "last_error_message": "Connection refused"
            }}),
            _ => {
                json!({"ok": false, "error_code": 404, "description": "Not Found: method not found"})
            }
        })
    }
    let app = Router::new().route("/{bot}/{method}", post(method));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    url::Url::parse(&format!("http://{addr}/")).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_config_online_asks_telegram_about_the_token() {
    let api = bot_api().await;
    let dir = tempfile::tempdir().unwrap();
    let mut env = local_env(dir.path());
    env.push(("SHOPBOT_API_URL", api.to_string()));
    let good = env.clone();
    let out = tokio::task::spawn_blocking(move || run_with(&["check-config", "--online"], &good))
        .await
        .unwrap();
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(0), "{shown}");
    assert!(
        shown.contains("ok    token: Telegram knows it: @shop_test_bot (id 123456)"),
        "{shown}"
    );
    assert!(
        shown.contains("warn  mode: a webhook is set (https://old.example.com/hook); polling deletes it at start"),
        "{shown}"
    );
    assert!(
        shown.contains("Telegram's last delivery error: Connection refused"),
        "{shown}"
    );
    assert!(shown.contains("4 waiting at Telegram"), "{shown}");

    env.push(("TELOXIDE_TOKEN", "654321:revoked-token_abc".to_owned()));
    let out = tokio::task::spawn_blocking(move || run_with(&["check-config", "--online"], &env))
        .await
        .unwrap();
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(3), "{shown}");
    assert!(
        shown.contains("error token: Telegram refused the token"),
        "{shown}"
    );
    assert!(!shown.contains("revoked-token"), "{shown}");
}
