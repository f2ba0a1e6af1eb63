//! `shopbot check-config`: what can be checked before starting, without touching the store.
//!
//! The configuration has already been parsed and validated ([`BotConfig::load`]); this
//! checks what it points at: the directories exist or can be created and are writable by
//! this user, the addresses can be bound, a webhook URL uses a port Telegram accepts, and
//! (with `--online`) that Telegram takes the token and how updates are set up there. It never
//! opens the store (a running bot holds it) and never changes anything: probe files are
//! removed, probe sockets closed.

use crate::ops::config::{BotConfig, Mode};
use crate::ops::telemetry::redact;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;
use teloxide::prelude::*;

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Ok,
    /// The bot starts, but something is probably not what the owner wants.
    Warn,
    /// The bot would not start, or would fail at its first use of this.
    Error,
}

/// One line of the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub level: Level,
    /// The setting or thing checked (`db_path`, `http_addr`, `telegram`).
    pub subject: String,
    pub detail: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tag = match self.level {
            Level::Ok => "ok   ",
            Level::Warn => "warn ",
            Level::Error => "error",
        };
        write!(f, "{tag} {}: {}", self.subject, self.detail)
    }
}

fn finding(level: Level, subject: &str, detail: impl Into<String>) -> Finding {
    Finding {
        level,
        subject: subject.to_owned(),
        detail: detail.into(),
    }
}

/// Ports Telegram delivers webhooks to (Bot API, setWebhook).
pub const WEBHOOK_PORTS: [u16; 4] = [443, 80, 88, 8443];

/// The checks that need no network.
pub fn check_local(config: &BotConfig) -> Vec<Finding> {
    let mut out = vec![finding(
        Level::Ok,
        "configuration",
        format!(
            "valid ({} mode, store at {})",
            config.mode.name(),
            config.location()
        ),
    )];
    if config.is_postgres() {
        out.push(finding(
            Level::Ok,
            "db_path",
            format!(
                "{}: a PostgreSQL database (reached when the bot starts)",
                config.location()
            ),
        ));
    } else {
        out.push(check_store_dir(&config.db_path));
    }
    out.push(check_dir("backup_dir", &config.backup_dir));
    if config.backup_interval.is_none() {
        out.push(finding(
            Level::Warn,
            "backup_interval_minutes",
            "0: no scheduled backups (staff can still back up on demand)",
        ));
    }
    if let Some(dir) = &config.log_dir {
        out.push(check_dir("log_dir", dir));
    }
    if let Some(addr) = config.http_addr {
        out.push(check_bind("http_addr", addr));
    }
    if let Mode::Webhook { url, listen } = &config.mode {
        out.push(check_bind("webhook_listen", *listen));
        match url.port_or_known_default() {
            Some(port) if WEBHOOK_PORTS.contains(&port) => out.push(finding(
                Level::Ok,
                "webhook_url",
                format!("https on port {port}, which Telegram accepts"),
            )),
            port => out.push(finding(
                Level::Error,
                "webhook_url",
                format!(
                    "port {} is not one Telegram delivers to (443, 80, 88 or 8443)",
                    port.map_or_else(|| "?".to_owned(), |p| p.to_string())
                ),
            )),
        }
    }
    if config.super_admins.is_empty() {
        out.push(finding(
            Level::Warn,
            "super_admins",
            "empty: on a new shop nobody can open /admin (set your Telegram user id)",
        ));
    }
    if config.staff_chat_id.is_none() {
        out.push(finding(
            Level::Warn,
            "staff_chat_id",
            "unset: alerts and staff notices go to the log only",
        ));
    }
    match &config.supplier {
        Some(supplier) => out.push(finding(
            Level::Ok,
            "supplier_url",
            format!("supplier orders go to {}", supplier.url),
        )),
        None => out.push(finding(
            Level::Ok,
            "supplier_url",
            "unset: supplier products go to staff",
        )),
    }
    out
}

/// The store directory: an existing store, an empty or missing directory that will hold a
/// new one, or a problem.
fn check_store_dir(path: &Path) -> Finding {
    let base = check_dir("db_path", path);
    if base.level != Level::Ok || !path.is_dir() {
        return base;
    }
    // sled keeps a `conf` and a `db` file in the directory.
    let holds_store = path.join("conf").is_file() && path.join("db").is_file();
    let empty = std::fs::read_dir(path).is_ok_and(|mut entries| entries.next().is_none());
    if holds_store {
        finding(
            Level::Ok,
            "db_path",
            format!(
                "{}: an existing store (migrated at start if it is older than this \
                 version), writable",
                path.display()
            ),
        )
    } else if empty {
        base
    } else {
        finding(
            Level::Warn,
            "db_path",
            format!(
                "{}: a directory that is not empty and holds no store; a new store will be \
                 created in it (is this the right path?)",
                path.display()
            ),
        )
    }
}

/// A directory the bot writes to: writable if it exists, creatable if it doesn't.
fn check_dir(subject: &str, path: &Path) -> Finding {
    if path.exists() {
        if !path.is_dir() {
            return finding(
                Level::Error,
                subject,
                format!("{} exists and is not a directory", path.display()),
            );
        }
        return match probe_write(path) {
            Ok(()) => finding(
                Level::Ok,
                subject,
                format!("{}: exists, writable", path.display()),
            ),
            Err(e) => finding(
                Level::Error,
                subject,
                format!("{}: not writable by this user ({e})", path.display()),
            ),
        };
    }
    let Some(parent) = nearest_existing_ancestor(path) else {
        return finding(
            Level::Error,
            subject,
            format!("{}: no part of this path exists", path.display()),
        );
    };
    if !parent.is_dir() {
        return finding(
            Level::Error,
            subject,
            format!(
                "{}: can't be created, {} is not a directory",
                path.display(),
                parent.display()
            ),
        );
    }
    match probe_write(&parent) {
        Ok(()) => finding(
            Level::Ok,
            subject,
            format!(
                "{}: will be created at start ({} is writable)",
                path.display(),
                parent.display()
            ),
        ),
        Err(e) => finding(
            Level::Error,
            subject,
            format!(
                "{}: can't be created, {} is not writable by this user ({e})",
                path.display(),
                parent.display()
            ),
        ),
    }
}

fn nearest_existing_ancestor(path: &Path) -> Option<PathBuf> {
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().ok()?.join(path)
    };
    absolute
        .ancestors()
        .find(|p| p.exists())
        .map(Path::to_path_buf)
}

/// Creates and removes a file in `dir`.
fn probe_write(dir: &Path) -> std::io::Result<()> {
    let probe = dir.join(format!(".shopbot-check-{}", std::process::id()));
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)?;
    std::fs::remove_file(&probe)
}

fn check_bind(subject: &str, addr: SocketAddr) -> Finding {
    match std::net::TcpListener::bind(addr) {
        Ok(_) => finding(Level::Ok, subject, format!("{addr} can be bound")),
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => finding(
            Level::Warn,
            subject,
            format!("{addr} is in use now (by a running bot? it must be free at start)"),
        ),
        Err(e) => finding(Level::Error, subject, format!("{addr} can't be bound: {e}")),
    }
}

/// Asks Telegram about the token (getMe) and the update set-up (getWebhookInfo).
pub async fn check_online(config: &BotConfig) -> Vec<Finding> {
    let bot = crate::ops::bot(config);
    let base = config
        .api_url
        .as_ref()
        .map_or_else(|| "https://api.telegram.org".to_owned(), |u| u.to_string());
    let wait = Duration::from_secs(15);
    let me = match tokio::time::timeout(wait, bot.get_me()).await {
        Err(_) => {
            return vec![finding(
                Level::Error,
                "telegram",
                format!("no answer from {base} within {}s", wait.as_secs()),
            )];
        }
        Ok(Err(teloxide::RequestError::Api(teloxide::ApiError::InvalidToken))) => {
            return vec![finding(
                Level::Error,
                "token",
                "Telegram refused the token (revoked or mistyped?); copy it again from @BotFather",
            )];
        }
        Ok(Err(e)) => {
            return vec![finding(
                Level::Error,
                "telegram",
                format!("getMe at {base} failed: {}", redact(&e.to_string())),
            )];
        }
        Ok(Ok(me)) => me,
    };
    let mut out = vec![finding(
        Level::Ok,
        "token",
        format!("Telegram knows it: @{} (id {})", me.username(), me.id),
    )];
    match tokio::time::timeout(wait, bot.get_webhook_info()).await {
        Ok(Ok(info)) => {
            let set = info.url.as_ref().map(|u| u.to_string());
            match (&config.mode, set) {
                (Mode::Polling, Some(url)) => out.push(finding(
                    Level::Warn,
                    "mode",
                    format!(
                        "a webhook is set ({}); polling deletes it at start",
                        redact(&url)
                    ),
                )),
                (Mode::Polling, None) => {
                    out.push(finding(Level::Ok, "mode", "polling; no webhook is set"))
                }
                (Mode::Webhook { url, .. }, set) => {
                    let detail = if set.as_deref() == Some(url.as_str()) {
                        "the webhook is already set to webhook_url".to_owned()
                    } else {
                        "the webhook will be set to webhook_url at start".to_owned()
                    };
                    out.push(finding(Level::Ok, "mode", detail));
                }
            }
            if let Some(error) = info.last_error_message {
                out.push(finding(
                    Level::Warn,
                    "webhook",
                    format!("Telegram's last delivery error: {}", redact(&error)),
                ));
            }
            if info.pending_update_count > 0 {
                out.push(finding(
                    Level::Ok,
                    "updates",
                    format!("{} waiting at Telegram", info.pending_update_count),
                ));
            }
        }
        Ok(Err(e)) => out.push(finding(
            Level::Warn,
            "webhook",
            format!("getWebhookInfo failed: {}", redact(&e.to_string())),
        )),
        Err(_) => out.push(finding(
            Level::Warn,
            "webhook",
            format!("getWebhookInfo: no answer within {}s", wait.as_secs()),
        )),
    }
    out
}

/// The worst level among `findings`.
pub fn worst(findings: &[Finding]) -> Level {
    findings.iter().map(|f| f.level).max().unwrap_or(Level::Ok)
}
