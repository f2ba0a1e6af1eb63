//! The bot's configuration: every setting has a TOML key (for the optional file), an
//! environment variable (which wins over the file) and, where it makes sense, a default.
//! [`SETTINGS`] is the one table of them; `--help` and the sample file are written from it,
//! so the documentation can't drift from what is read.
//!
//! Every value is checked before anything starts: a bad or missing setting stops start-up
//! with one message naming the setting (its key and its variable). Secret values (the token)
//! are never echoed in those messages, nor in `Debug` output.

use shopcore::UserId;
use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The environment variable naming the configuration file (`--config` wins over it).
pub const CONFIG_VAR: &str = "SHOPBOT_CONFIG";

/// One setting: where it is read from, what it means, and how the sample file shows it.
#[derive(Clone, Copy, Debug)]
pub struct Spec {
    /// The key in the TOML file.
    pub key: &'static str,
    /// The environment variable (wins over the file; a command-line flag wins over both).
    pub env: &'static str,
    /// The value when neither gives one (`None`: no value means "off" or, for the token,
    /// an error).
    pub default: Option<&'static str>,
    /// One sentence for `--help`, the sample file and docs/configuration.md.
    pub help: &'static str,
    /// Never echoed back (error messages, `Debug`), and never a command-line flag (the
    /// process list would show it): environment or file only.
    pub secret: bool,
    /// The heading of the group this setting opens in the sample file and the docs.
    pub section: Option<&'static str>,
    /// The TOML text the sample file shows (otherwise the default, or empty).
    pub sample: Option<&'static str>,
}

const fn spec(
    key: &'static str,
    env: &'static str,
    default: Option<&'static str>,
    help: &'static str,
) -> Spec {
    Spec {
        key,
        env,
        default,
        help,
        secret: false,
        section: None,
        sample: None,
    }
}

impl Spec {
    const fn secret(mut self) -> Spec {
        self.secret = true;
        self
    }

    const fn section(mut self, title: &'static str) -> Spec {
        self.section = Some(title);
        self
    }

    const fn sample(mut self, toml: &'static str) -> Spec {
        self.sample = Some(toml);
        self
    }

    /// The command-line flag (`--db-path` for `db_path`); secrets have none.
    pub fn flag(&self) -> Option<String> {
        (!self.secret).then(|| self.key.replace('_', "-"))
    }
}

/// Every setting, in the order `--help`, the sample file and the docs list them.
pub const SETTINGS: &[Spec] = &[
    spec(
        "token",
        "TELOXIDE_TOKEN",
        None,
        "Bot token from @BotFather (required); prefer the variable to the file.",
    )
    .secret()
    .section("Telegram")
    .sample("\"123456789:replace-with-your-token\""),
    spec(
        "api_url",
        "SHOPBOT_API_URL",
        None,
        "Bot API base URL, for a local Bot API server (default: Telegram's).",
    ),
    spec(
        "mode",
        "SHOPBOT_MODE",
        Some("polling"),
        "How updates arrive: polling, or webhook (then webhook_url is required).",
    ),
    spec(
        "webhook_url",
        "SHOPBOT_WEBHOOK_URL",
        None,
        "Public https URL Telegram posts updates to (required in webhook mode); usually your reverse proxy.",
    ),
    spec(
        "webhook_listen",
        "SHOPBOT_WEBHOOK_LISTEN",
        Some("0.0.0.0:8443"),
        "Address the webhook server listens on (behind a reverse proxy: 127.0.0.1:8443).",
    ),
    spec(
        "db_path",
        "SHOPBOT_DB",
        Some("./shop.db"),
        "Database directory (sled, embedded), or a postgres:// URL: a PostgreSQL database that several bot replicas, the console and reporting tools can share (README, PostgreSQL). `?schema=NAME` picks the schema (default shopcore).",
    )
    .section("The shop"),
    spec(
        "replica_name",
        "SHOPBOT_REPLICA_NAME",
        None,
        "This bot's name among replicas sharing a PostgreSQL shop (1-64 letters, digits, _ - . :); default: the host name. Give each replica on one machine its own; a restarted replica takes its periodic jobs straight back.",
    ),
    spec(
        "cache_mb",
        "SHOPBOT_CACHE_MB",
        Some("64"),
        "Database page cache in MiB (1-65536). Raise it for a big shop: with about a million orders, 64 runs orders at 0.6-0.7x of an empty shop's speed and 512 at 0.9x (README, Performance).",
    ),
    spec(
        "super_admins",
        "SHOPBOT_SUPER_ADMINS",
        None,
        "Telegram user ids made super admins at every start (comma-separated, or a TOML array): the recovery path.",
    )
    .sample("[123456789]"),
    spec(
        "staff_chat_id",
        "SHOPBOT_STAFF_CHAT_ID",
        None,
        "Chat id that receives alerts and staff notices (a group id is negative); empty: log only.",
    ),
    spec(
        "staff_lang",
        "SHOPBOT_STAFF_LANG",
        Some("en"),
        "Language of the staff notices: the code of one of the bot's languages (en, ar, fa, ru, tr).",
    ),
    spec(
        "time_zone",
        "SHOPBOT_TIME_ZONE",
        None,
        "Shop time zone, an IANA name (Africa/Cairo, Asia/Riyadh, Europe/Istanbul; daylight saving followed) for statistics days and dates shown, applied at start-up; empty: keep the shop's.",
    )
    .sample("\"Asia/Riyadh\""),
    spec(
        "utc_offset_minutes",
        "SHOPBOT_UTC_OFFSET_MINUTES",
        None,
        "Shop time zone as a fixed offset in minutes east of UTC (-720..=840; 180 = UTC+3), for shops without an IANA zone, applied at start-up; set this or time_zone, not both.",
    ),
    spec(
        "support_contact",
        "SHOPBOT_SUPPORT_CONTACT",
        None,
        "Support contact shown to shoppers (e.g. @shop_support), applied at start-up; empty: keep the shop's.",
    )
    .sample("\"@shop_support\""),
    spec(
        "referral_reward",
        "SHOPBOT_REFERRAL_REWARD",
        None,
        "Referral program, applied at start-up: what a referrer earns when a shopper they invited completes a first order, a percentage of that order (\"5%\") or USD (\"2.50\"); \"off\" ends it; empty: keep the shop's.",
    )
    .sample("\"5%\""),
    spec(
        "referral_max_rewards",
        "SHOPBOT_REFERRAL_MAX_REWARDS",
        Some("100"),
        "The most referrals one shopper is rewarded for, in all (1..=1000000).",
    ),
    spec(
        "referral_max_rewards_per_period",
        "SHOPBOT_REFERRAL_MAX_REWARDS_PER_PERIOD",
        Some("10"),
        "The most referrals one shopper is rewarded for in one period (1..=1000000).",
    ),
    spec(
        "referral_period_days",
        "SHOPBOT_REFERRAL_PERIOD_DAYS",
        Some("30"),
        "The referral period's length in days (1..=366).",
    ),
    spec(
        "backup_dir",
        "SHOPBOT_BACKUP_DIR",
        Some("./backups"),
        "Directory for backups.",
    )
    .section("Backups, retention and integrity"),
    spec(
        "backup_interval_minutes",
        "SHOPBOT_BACKUP_INTERVAL_MINUTES",
        Some("1440"),
        "Minutes between scheduled backups; 0 turns scheduled backups off.",
    ),
    spec(
        "backup_keep",
        "SHOPBOT_BACKUP_KEEP",
        Some("7"),
        "How many backups to keep (1-1000); older ones are deleted.",
    ),
    spec(
        "retention_days",
        "SHOPBOT_RETENTION_DAYS",
        Some("0"),
        "Prune non-financial audit entries and idle sessions older than this many days; 0 keeps everything.",
    ),
    spec(
        "verify_interval_hours",
        "SHOPBOT_VERIFY_INTERVAL_HOURS",
        Some("24"),
        "Hours between full integrity checks (verify()) while running, counted from the last full one (every start runs the fast start-up check of what changed since); problems put the shop in EMERGENCY and alert staff; 0 runs only the start-up check (0-8760).",
    ),
    spec(
        "http_addr",
        "SHOPBOT_HTTP_ADDR",
        Some("127.0.0.1:9470"),
        "Address of the /healthz, /readyz and /metrics endpoint (keep it private); \"off\" turns it off.",
    )
    .section("Monitoring and logs"),
    spec(
        "panel_url",
        "SHOPBOT_PANEL_URL",
        None,
        "Public URL of the staff web panel, served under /panel on http_addr (e.g. https://shop.example.com behind a reverse proxy with TLS, or http://127.0.0.1:9470 on the machine itself); staff get sign-in links with /web. Unset: no panel.",
    ),
    spec(
        "stats_interval_seconds",
        "SHOPBOT_STATS_INTERVAL_SECONDS",
        Some("300"),
        "Seconds between refreshes of the shop figures in /metrics (orders by status, users, queues, disk); 0 turns them off.",
    ),
    spec(
        "log_dir",
        "SHOPBOT_LOG_DIR",
        Some("./logs"),
        "Directory for the daily-rotated log file; \"off\" logs to standard error only (the journal, under systemd).",
    ),
    spec(
        "log_level",
        "SHOPBOT_LOG_LEVEL",
        Some("info"),
        "Least severe level logged: error, warn, info, debug or trace (RUST_LOG, when set, wins).",
    ),
    spec(
        "rate_per_minute",
        "SHOPBOT_RATE_PER_MINUTE",
        Some("30"),
        "Updates per minute one user may send before being slowed down (1-6000).",
    )
    .section("Limits and timing"),
    spec(
        "rate_burst",
        "SHOPBOT_RATE_BURST",
        Some("10"),
        "Updates one user may send at once (1-1000).",
    ),
    spec(
        "blocking_threads",
        "SHOPBOT_BLOCKING_THREADS",
        Some("16"),
        "Most threads for long jobs at once (1-512): backups, verify(), exports, charts; more wait their turn. Shop calls do not use them (see `call_threads`).",
    ),
    spec(
        "call_threads",
        "SHOPBOT_CALL_THREADS",
        Some("4"),
        "Threads that run shop calls (1-64); callers wait for their answer without holding a thread, so a burst of shoppers queues instead of starting threads.",
    ),
    spec(
        "broadcast_per_second",
        "SHOPBOT_BROADCAST_PER_SECOND",
        Some("25"),
        "Broadcast messages sent per second (1-30; Telegram allows about 30).",
    ),
    spec(
        "shutdown_grace_seconds",
        "SHOPBOT_SHUTDOWN_GRACE_SECONDS",
        Some("20"),
        "Seconds in-flight updates get to finish after SIGTERM/SIGINT (1-600).",
    ),
    spec(
        "alert_interval_seconds",
        "SHOPBOT_ALERT_INTERVAL_SECONDS",
        Some("300"),
        "Least seconds between two staff alerts of the same kind (0-86400).",
    ),
    spec(
        "expiry_interval_seconds",
        "SHOPBOT_EXPIRY_INTERVAL_SECONDS",
        Some("60"),
        "Seconds between sweeps that cancel unpaid orders past their deadline (also once at start-up); 0 turns them off.",
    ),
    spec(
        "supplier_url",
        "SHOPBOT_SUPPLIER_URL",
        None,
        "Base URL of the supplier's HTTP JSON API (POST {url}/orders, GET {url}/orders/{id}; the order id is the idempotency key); unset: supplier products go to staff at once.",
    )
    .section("Supplier (automatic fulfilment)"),
    spec(
        "supplier_auth_header",
        "SHOPBOT_SUPPLIER_AUTH_HEADER",
        Some("Authorization"),
        "Name of the header that carries the supplier credential.",
    ),
    spec(
        "supplier_auth_value",
        "SHOPBOT_SUPPLIER_AUTH_VALUE",
        None,
        "Value of that header (e.g. \"Bearer <key>\"); unset: no credential is sent. Prefer the variable to the file.",
    )
    .secret(),
    spec(
        "supplier_connect_timeout_seconds",
        "SHOPBOT_SUPPLIER_CONNECT_TIMEOUT_SECONDS",
        Some("5"),
        "Seconds to wait for a connection to the supplier (1-300).",
    ),
    spec(
        "supplier_timeout_seconds",
        "SHOPBOT_SUPPLIER_TIMEOUT_SECONDS",
        Some("30"),
        "Seconds one supplier call may take in all, answer included (1-600).",
    ),
    spec(
        "supplier_queue_interval_seconds",
        "SHOPBOT_SUPPLIER_QUEUE_INTERVAL_SECONDS",
        Some("10"),
        "Seconds between runs of the supplier queue (paid orders sent to the supplier, AUTO mode only) (1-3600).",
    ),
    spec(
        "supplier_batch",
        "SHOPBOT_SUPPLIER_BATCH",
        Some("20"),
        "Supplier orders sent per run of the queue (1-500).",
    ),
    spec(
        "supplier_reconcile_interval_seconds",
        "SHOPBOT_SUPPLIER_RECONCILE_INTERVAL_SECONDS",
        Some("300"),
        "Seconds between reconciliations of orders left PROCESSING (also once at start-up) (1-86400).",
    ),
    spec(
        "payments_poll_interval_seconds",
        "SHOPBOT_PAYMENTS_POLL_INTERVAL_SECONDS",
        Some("30"),
        "Seconds between passes that send waiting Telegram Stars refunds and ask Crypto Pay about open invoices (so a missed webhook never loses a payment) (5-3600). Stars are offered when the shop has an enabled XTR currency: its rate is the stars per USD.",
    )
    .section("Automatic payments (Telegram Stars, Crypto Pay)"),
    spec(
        "crypto_pay_token",
        "SHOPBOT_CRYPTO_PAY_TOKEN",
        None,
        "API token of the shop's Crypto Pay app (@CryptoBot → Crypto Pay → Create App); unset: no crypto invoices. Prefer the variable to the file.",
    )
    .secret(),
    spec(
        "crypto_pay_network",
        "SHOPBOT_CRYPTO_PAY_NETWORK",
        Some("main"),
        "main (https://pay.crypt.bot, real money) or test (https://testnet-pay.crypt.bot, @CryptoTestnetBot).",
    ),
    spec(
        "crypto_pay_api_url",
        "SHOPBOT_CRYPTO_PAY_API_URL",
        None,
        "Another address for the Crypto Pay API (a proxy); unset: the network's own.",
    ),
    spec(
        "crypto_pay_assets",
        "SHOPBOT_CRYPTO_PAY_ASSETS",
        Some("USDT,TON,BTC"),
        "Assets a shopper may pay a crypto invoice in, comma-separated (invoices are priced in USD; Crypto Pay converts).",
    ),
    spec(
        "crypto_pay_webhook_path",
        "SHOPBOT_CRYPTO_PAY_WEBHOOK_PATH",
        Some("/payments/crypto-pay"),
        "Path on http_addr where Crypto Pay's webhook is received (set https://<your host><path> as the app's webhook in @CryptoBot); requests are checked against the token's signature.",
    ),
];

/// How updates arrive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    Polling,
    Webhook { url: url::Url, listen: SocketAddr },
}

impl Mode {
    pub fn name(&self) -> &'static str {
        match self {
            Mode::Polling => "polling",
            Mode::Webhook { .. } => "webhook",
        }
    }
}

/// A value that must not be printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// The checked configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct BotConfig {
    pub token: Secret,
    pub api_url: Option<url::Url>,
    pub db_path: PathBuf,
    /// The name this process claims periodic jobs under (`ops::lease`).
    pub replica_name: String,
    pub cache_mb: u64,
    pub super_admins: Vec<UserId>,
    pub staff_chat_id: Option<i64>,
    /// The language of staff notices.
    pub staff_lang: crate::i18n::Lang,
    /// The shop's IANA time zone, applied at start-up.
    pub time_zone: Option<shopcore::Zone>,
    /// The referral program to apply at start-up: `Some(None)` ends it, `None` keeps the
    /// shop's.
    pub referral_program: Option<Option<shopcore::referrals::Program>>,
    pub utc_offset_minutes: Option<i32>,
    pub support_contact: Option<String>,
    pub backup_dir: PathBuf,
    /// `None`: no scheduled backups.
    pub backup_interval: Option<Duration>,
    pub backup_keep: usize,
    /// `None`: keep everything.
    pub retention_days: Option<u32>,
    /// `None`: only the start-up check runs (`Shop::check_startup`), no scheduled `verify()`.
    pub verify_interval: Option<Duration>,
    pub http_addr: Option<SocketAddr>,
    /// Where staff open the web panel (`/web` links point here); `None`: no panel.
    pub panel_url: Option<url::Url>,
    /// `None`: no refresh of the shop figures.
    pub stats_interval: Option<Duration>,
    pub log_dir: Option<PathBuf>,
    pub log_level: tracing::Level,
    pub mode: Mode,
    pub rate_per_minute: u32,
    pub rate_burst: u32,
    /// The size cap of the runtime's blocking pool (long jobs: backups, verify, charts).
    pub blocking_threads: usize,
    /// The shop's call threads (`shopcore::Config::call_threads`).
    pub call_threads: usize,
    pub broadcast_per_second: u32,
    pub shutdown_grace: Duration,
    pub alert_interval: Duration,
    /// `None`: unpaid orders are not swept (the core still expires one when its buyer orders
    /// again).
    pub expiry_interval: Option<Duration>,
    /// `None`: no supplier; supplier products go to staff.
    pub supplier: Option<SupplierConfig>,
    pub supplier_queue_interval: Duration,
    pub supplier_batch: usize,
    pub supplier_reconcile_interval: Duration,
    /// Stars refunds and Crypto Pay polling.
    pub payments_poll_interval: Duration,
    /// `None`: no crypto invoices.
    pub crypto_pay: Option<CryptoPayConfig>,
}

/// How to reach the Crypto Pay API (see [`crate::ops::cryptopay`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CryptoPayConfig {
    /// The API's base URL (`https://pay.crypt.bot`); `/api/<method>` is appended.
    pub url: url::Url,
    pub token: Secret,
    /// The accepted assets, upper case.
    pub assets: Vec<String>,
    /// Where the webhook is received on `http_addr`.
    pub webhook_path: String,
}

/// How to reach the supplier's HTTP JSON API (see [`crate::ops::supplier`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SupplierConfig {
    /// The base URL; `/orders` is appended.
    pub url: url::Url,
    /// The credential header (name, value), when one is configured.
    pub auth: Option<(String, Secret)>,
    pub connect_timeout: Duration,
    pub timeout: Duration,
}

/// Why the bot can't start. The text is for the operator at the terminal.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    #[error(
        "the bot token is not set (setting `token`, variable TELOXIDE_TOKEN). Get one by \
         talking to @BotFather on Telegram (send /newbot), then set TELOXIDE_TOKEN=<token> or \
         `token = \"<token>\"` in the config file."
    )]
    MissingToken,
    #[error("setting `{key}` (variable {env}) is invalid: {reason}")]
    Invalid {
        key: &'static str,
        env: &'static str,
        reason: String,
    },
    #[error("setting `{key}` (variable {env}) is required {when}")]
    Required {
        key: &'static str,
        env: &'static str,
        when: &'static str,
    },
    #[error("the config file {path} can't be read: {reason}")]
    File { path: String, reason: String },
    #[error("the config file {path} has an unknown setting `{key}`{hint} (see shopbot --help)")]
    UnknownKey {
        path: String,
        key: String,
        /// "; did you mean `…`?" when a setting's key is close, else empty.
        hint: String,
    },
}

/// "; did you mean `db_path`?" for a misspelt key, when one is close enough.
fn nearest_key(key: &str) -> String {
    SETTINGS
        .iter()
        .map(|s| (strsim::jaro_winkler(key, s.key), s.key))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| format!("; did you mean `{k}`?"))
        .unwrap_or_default()
}

/// Raw values by key, before checking: the file's, then the environment's over them.
fn gather(
    var: &dyn Fn(&str) -> Option<String>,
    file: Option<&Path>,
) -> Result<BTreeMap<&'static str, String>, ConfigError> {
    let mut raw = BTreeMap::new();
    if let Some(path) = file {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::File {
            path: shown.clone(),
            reason: e.to_string(),
        })?;
        let table: toml::Table = toml::from_str(&text).map_err(|e| ConfigError::File {
            path: shown.clone(),
            reason: e.to_string(),
        })?;
        for (key, value) in table {
            let Some(spec) = SETTINGS.iter().find(|s| s.key == key) else {
                let hint = nearest_key(&key);
                return Err(ConfigError::UnknownKey {
                    path: shown,
                    key,
                    hint,
                });
            };
            raw.insert(spec.key, toml_text(spec, &value)?);
        }
    }
    for s in SETTINGS {
        if let Some(value) = var(s.env) {
            raw.insert(s.key, value);
        }
    }
    Ok(raw)
}

fn toml_text(spec: &Spec, value: &toml::Value) -> Result<String, ConfigError> {
    Ok(match value {
        toml::Value::String(s) => s.clone(),
        toml::Value::Integer(i) => i.to_string(),
        toml::Value::Boolean(b) => b.to_string(),
        toml::Value::Array(items) => {
            let mut parts = Vec::new();
            for item in items {
                parts.push(toml_text(spec, item)?);
            }
            parts.join(",")
        }
        _ => {
            return Err(invalid(spec, "expected a string, a number or a list"));
        }
    })
}

fn invalid(spec: &Spec, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        key: spec.key,
        env: spec.env,
        reason: reason.into(),
    }
}

fn spec_of(key: &str) -> &'static Spec {
    SETTINGS
        .iter()
        .find(|s| s.key == key)
        .unwrap_or(&SETTINGS[0])
}

/// Typed access to the gathered values.
struct Values {
    raw: BTreeMap<&'static str, String>,
}

impl Values {
    /// The trimmed value, the default, or `None` (empty counts as unset).
    fn text(&self, key: &str) -> Option<String> {
        let spec = spec_of(key);
        self.raw
            .get(spec.key)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .or_else(|| spec.default.map(str::to_owned))
    }

    fn number<T: std::str::FromStr + PartialOrd + fmt::Display + Copy>(
        &self,
        key: &str,
        min: T,
        max: T,
    ) -> Result<Option<T>, ConfigError> {
        let spec = spec_of(key);
        let Some(text) = self.text(key) else {
            return Ok(None);
        };
        let value: T = text
            .parse()
            .map_err(|_| invalid(spec, format!("{text:?} is not a whole number")))?;
        if value < min || value > max {
            return Err(invalid(
                spec,
                format!("{value} is out of range ({min}..={max})"),
            ));
        }
        Ok(Some(value))
    }

    fn required_number<T: std::str::FromStr + PartialOrd + fmt::Display + Copy>(
        &self,
        key: &str,
        min: T,
        max: T,
    ) -> Result<T, ConfigError> {
        let spec = spec_of(key);
        self.number(key, min, max)?.ok_or(ConfigError::Required {
            key: spec.key,
            env: spec.env,
            when: "(it has no default)",
        })
    }

    fn addr(&self, key: &str) -> Result<Option<SocketAddr>, ConfigError> {
        let spec = spec_of(key);
        match self.text(key) {
            None => Ok(None),
            Some(t) if t.eq_ignore_ascii_case("off") => Ok(None),
            Some(t) => t
                .parse()
                .map(Some)
                .map_err(|_| invalid(spec, format!("{t:?} is not an address like 127.0.0.1:9470"))),
        }
    }

    fn url(&self, key: &str) -> Result<Option<url::Url>, ConfigError> {
        let spec = spec_of(key);
        let Some(text) = self.text(key) else {
            return Ok(None);
        };
        let url = url::Url::parse(&text)
            .map_err(|e| invalid(spec, format!("{text:?} is not a URL ({e})")))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(invalid(spec, format!("{text:?} is not an http(s) URL")));
        }
        Ok(Some(url))
    }
}

/// A Telegram bot token looks like `123456:ABC-def_…`.
fn token_shape_ok(token: &str) -> bool {
    let Some((id, secret)) = token.split_once(':') else {
        return false;
    };
    !id.is_empty()
        && id.bytes().all(|b| b.is_ascii_digit())
        && secret.len() >= 8
        && secret
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

impl BotConfig {
    /// Where the shop is: `db_path` as a directory or a `postgres://` URL.
    pub fn location(&self) -> shopcore::Location {
        shopcore::Location::from(&self.db_path)
    }

    /// Whether the shop is in a PostgreSQL database.
    pub fn is_postgres(&self) -> bool {
        matches!(self.location(), shopcore::Location::Postgres(_))
    }

    /// Reads the configuration: the file (if any) under the environment read through `var`.
    pub fn load(
        var: impl Fn(&str) -> Option<String>,
        file: Option<&Path>,
    ) -> Result<BotConfig, ConfigError> {
        let values = Values {
            raw: gather(&var, file)?,
        };
        let token = values.text("token").ok_or(ConfigError::MissingToken)?;
        if !token_shape_ok(&token) {
            return Err(invalid(
                spec_of("token"),
                "it doesn't look like a bot token (digits, a colon, then letters, digits, _ or -); \
                 copy it again from @BotFather",
            ));
        }
        let super_admins = match values.text("super_admins") {
            None => Vec::new(),
            Some(list) => {
                let mut ids = Vec::new();
                for part in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                    let id = part
                        .parse::<u64>()
                        .ok()
                        .and_then(|n| UserId::new(n).ok())
                        .ok_or_else(|| {
                            invalid(
                                spec_of("super_admins"),
                                format!("{part:?} is not a Telegram user id"),
                            )
                        })?;
                    ids.push(id);
                }
                ids
            }
        };
        let staff_chat_id = values.number::<i64>("staff_chat_id", i64::MIN + 1, i64::MAX)?;
        if staff_chat_id == Some(0) {
            return Err(invalid(spec_of("staff_chat_id"), "0 is not a chat id"));
        }
        let time_zone = match values.text("time_zone") {
            None => None,
            Some(name) => Some(
                shopcore::Zone::named(&name)
                    .map_err(|e| invalid(spec_of("time_zone"), e.to_string()))?,
            ),
        };
        let utc_offset_minutes = values.number("utc_offset_minutes", -720, 840)?;
        if time_zone.is_some() && utc_offset_minutes.is_some() {
            return Err(invalid(
                spec_of("utc_offset_minutes"),
                "set time_zone or utc_offset_minutes, not both",
            ));
        }
        let referral_program = match values.text("referral_reward").as_deref().map(str::trim) {
            None => None,
            Some("off") => Some(None),
            Some(text) => {
                let bad = |reason: String| invalid(spec_of("referral_reward"), reason);
                let reward = match text.strip_suffix('%') {
                    Some(p) => shopcore::referrals::Reward::Percent(
                        shopcore::money::parse_amount(p.trim(), 2, shopcore::Money::units(100))
                            .map_err(|e| bad(format!("{text:?}: {e}")))?,
                    ),
                    None => shopcore::referrals::Reward::Fixed(
                        shopcore::money::parse_amount(text, 2, shopcore::Money::units(1_000))
                            .map_err(|e| bad(format!("{text:?}: {e}")))?,
                    ),
                };
                let program = shopcore::referrals::Program {
                    reward,
                    max_rewards: values
                        .number("referral_max_rewards", 1, 1_000_000)?
                        .unwrap_or(100),
                    max_rewards_per_period: values
                        .number("referral_max_rewards_per_period", 1, 1_000_000)?
                        .unwrap_or(10),
                    period_days: values.number("referral_period_days", 1, 366)?.unwrap_or(30),
                };
                shopcore::referrals::check_program(&program).map_err(|e| bad(e.to_string()))?;
                Some(Some(program))
            }
        };
        let staff_lang = match values.text("staff_lang").as_deref() {
            None => crate::i18n::Lang::EN,
            Some(code) if let Some(lang) = crate::i18n::Lang::parse(code) => lang,
            Some(other) => {
                return Err(invalid(
                    spec_of("staff_lang"),
                    format!(
                        "{other:?} is not a language of the bot ({})",
                        crate::i18n::Lang::all()
                            .map(|l| l.code())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
        };
        let supplier = match values.url("supplier_url")? {
            None => None,
            Some(url) => {
                let header = values.text("supplier_auth_header").unwrap_or_default();
                if !header.is_empty()
                    && !header
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                {
                    return Err(invalid(
                        spec_of("supplier_auth_header"),
                        format!("{header:?} is not a header name (letters, digits, - or _)"),
                    ));
                }
                let auth = match values.text("supplier_auth_value") {
                    Some(value) if !header.is_empty() => {
                        if value.chars().any(char::is_control) {
                            return Err(invalid(
                                spec_of("supplier_auth_value"),
                                "it must be one line without control characters",
                            ));
                        }
                        Some((header, Secret::new(value)))
                    }
                    _ => None,
                };
                Some(SupplierConfig {
                    url,
                    auth,
                    connect_timeout: Duration::from_secs(values.required_number(
                        "supplier_connect_timeout_seconds",
                        1,
                        300,
                    )?),
                    timeout: Duration::from_secs(values.required_number(
                        "supplier_timeout_seconds",
                        1,
                        600,
                    )?),
                })
            }
        };
        let crypto_pay = match values.text("crypto_pay_token") {
            None => None,
            Some(token) => {
                let spec = spec_of("crypto_pay_token");
                // An app token looks like `12345:AAzQcZWQqQAbsfgPnOLr4FHC8Dfsq3dFMp9`.
                let shaped = token.split_once(':').is_some_and(|(app, key)| {
                    !app.is_empty()
                        && app.bytes().all(|b| b.is_ascii_digit())
                        && !key.is_empty()
                        && key
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
                });
                if !shaped {
                    return Err(invalid(
                        spec,
                        "it does not look like a Crypto Pay token (digits, a colon, then letters and digits)",
                    ));
                }
                let network = values.text("crypto_pay_network").unwrap_or_default();
                let url = match (values.url("crypto_pay_api_url")?, network.as_str()) {
                    (Some(url), _) => url,
                    (None, "main") => url::Url::parse("https://pay.crypt.bot").expect("a URL"),
                    (None, "test") => {
                        url::Url::parse("https://testnet-pay.crypt.bot").expect("a URL")
                    }
                    (None, other) => {
                        return Err(invalid(
                            spec_of("crypto_pay_network"),
                            format!("{other:?} is not main or test"),
                        ));
                    }
                };
                let assets: Vec<String> = values
                    .text("crypto_pay_assets")
                    .unwrap_or_default()
                    .split(',')
                    .map(|a| a.trim().to_ascii_uppercase())
                    .filter(|a| !a.is_empty())
                    .collect();
                if assets.is_empty()
                    || assets
                        .iter()
                        .any(|a| a.len() > 10 || !a.bytes().all(|b| b.is_ascii_alphanumeric()))
                {
                    return Err(invalid(
                        spec_of("crypto_pay_assets"),
                        "list one or more asset codes, e.g. USDT,TON",
                    ));
                }
                let path = values.text("crypto_pay_webhook_path").unwrap_or_default();
                if !path.starts_with('/')
                    || path.len() > 200
                    || path.starts_with("/panel")
                    || path.starts_with("/metrics")
                    || !path
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"/-_.~".contains(&b))
                {
                    return Err(invalid(
                        spec_of("crypto_pay_webhook_path"),
                        format!("{path:?} is not a path like /payments/crypto-pay"),
                    ));
                }
                Some(CryptoPayConfig {
                    url,
                    token: Secret::new(token),
                    assets,
                    webhook_path: path,
                })
            }
        };
        let expiry = values.required_number::<u64>("expiry_interval_seconds", 0, 86_400)?;
        let support_contact = values.text("support_contact");
        if let Some(contact) = &support_contact
            && shopcore::text::SUPPORT_CONTACT.check(contact).is_err()
        {
            return Err(invalid(
                spec_of("support_contact"),
                format!(
                    "it must be one line of at most {} characters",
                    shopcore::text::SUPPORT_CONTACT.chars_max
                ),
            ));
        }
        let log_level = match values.text("log_level").as_deref() {
            Some(level) => level.parse::<tracing::Level>().map_err(|_| {
                invalid(
                    spec_of("log_level"),
                    format!("{level:?} is not one of error, warn, info, debug, trace"),
                )
            })?,
            None => tracing::Level::INFO,
        };
        let mode = match values.text("mode").as_deref() {
            None | Some("polling") => Mode::Polling,
            Some("webhook") => {
                let spec = spec_of("webhook_url");
                let url = values.url("webhook_url")?.ok_or(ConfigError::Required {
                    key: spec.key,
                    env: spec.env,
                    when: "in webhook mode",
                })?;
                if url.scheme() != "https" {
                    return Err(invalid(spec, "Telegram only posts to https URLs"));
                }
                let listen = values
                    .addr("webhook_listen")?
                    .ok_or(ConfigError::Required {
                        key: "webhook_listen",
                        env: spec_of("webhook_listen").env,
                        when: "in webhook mode",
                    })?;
                Mode::Webhook { url, listen }
            }
            Some(other) => {
                return Err(invalid(
                    spec_of("mode"),
                    format!("{other:?} is not polling or webhook"),
                ));
            }
        };
        let path_or_off = |key: &str| -> Option<PathBuf> {
            values
                .text(key)
                .filter(|t| !t.eq_ignore_ascii_case("off"))
                .map(PathBuf::from)
        };
        let minutes = values.required_number::<u64>("backup_interval_minutes", 0, 525_600)?;
        let stats = values.required_number::<u64>("stats_interval_seconds", 0, 86_400)?;
        let retention = values.required_number::<u32>("retention_days", 0, 36_500)?;
        let verify_hours = values.required_number::<u64>("verify_interval_hours", 0, 8_760)?;
        Ok(BotConfig {
            token: Secret::new(token),
            api_url: values.url("api_url")?,
            db_path: path_or_off("db_path").ok_or(ConfigError::Required {
                key: "db_path",
                env: spec_of("db_path").env,
                when: "(\"off\" is not a directory)",
            })?,
            replica_name: match values.text("replica_name") {
                None => super::lease::default_name(),
                Some(name) => {
                    // The rule is the shop's (`Shop::claim_job`), checked before starting.
                    shopcore::leases::check_holder_name(&name)
                        .map_err(|e| invalid(spec_of("replica_name"), e.to_string()))?;
                    name
                }
            },
            cache_mb: values.required_number("cache_mb", 1, 65_536)?,
            super_admins,
            staff_chat_id,
            staff_lang,
            time_zone,
            referral_program,
            utc_offset_minutes,
            support_contact,
            backup_dir: values
                .text("backup_dir")
                .map_or_else(|| PathBuf::from("./backups"), PathBuf::from),
            backup_interval: (minutes > 0).then(|| Duration::from_secs(minutes * 60)),
            backup_keep: values.required_number("backup_keep", 1, 1_000)?,
            retention_days: (retention > 0).then_some(retention),
            verify_interval: (verify_hours > 0).then(|| Duration::from_secs(verify_hours * 3_600)),
            http_addr: values.addr("http_addr")?,
            panel_url: match values.url("panel_url")? {
                Some(_) if values.addr("http_addr")?.is_none() => {
                    return Err(invalid(
                        spec_of("panel_url"),
                        "the panel is served on http_addr, which is off",
                    ));
                }
                other => other,
            },
            stats_interval: (stats > 0).then(|| Duration::from_secs(stats)),
            log_dir: path_or_off("log_dir"),
            log_level,
            mode,
            rate_per_minute: values.required_number("rate_per_minute", 1, 6_000)?,
            rate_burst: values.required_number("rate_burst", 1, 1_000)?,
            blocking_threads: values.required_number("blocking_threads", 1, 512)?,
            call_threads: values.required_number("call_threads", 1, 64)?,
            broadcast_per_second: values.required_number("broadcast_per_second", 1, 30)?,
            shutdown_grace: Duration::from_secs(values.required_number(
                "shutdown_grace_seconds",
                1,
                600,
            )?),
            alert_interval: Duration::from_secs(values.required_number(
                "alert_interval_seconds",
                0,
                86_400,
            )?),
            expiry_interval: (expiry > 0).then(|| Duration::from_secs(expiry)),
            supplier,
            supplier_queue_interval: Duration::from_secs(values.required_number(
                "supplier_queue_interval_seconds",
                1,
                3_600,
            )?),
            supplier_batch: values.required_number("supplier_batch", 1, 500)?,
            supplier_reconcile_interval: Duration::from_secs(values.required_number(
                "supplier_reconcile_interval_seconds",
                1,
                86_400,
            )?),
            payments_poll_interval: Duration::from_secs(values.required_number(
                "payments_poll_interval_seconds",
                5,
                3_600,
            )?),
            crypto_pay,
        })
    }

    /// The shop's configuration for these settings.
    pub fn shop_config(&self) -> shopcore::Config {
        let mut config = shopcore::Config::default()
            .with_super_admins(self.super_admins.clone())
            .with_migration_progress(|p| {
                tracing::info!(
                    from_schema = p.from,
                    doing = p.doing,
                    done = p.done,
                    "migrating the database to the current schema; the bot starts when it is done"
                );
            });
        config.cache_capacity_bytes = self.cache_mb * 1024 * 1024;
        config.call_threads = self.call_threads;
        config
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The checked-in sample file and settings reference are the generators' output
    /// (regenerate with `shopbot sample-config` and `shopbot settings`).
    #[test]
    fn the_sample_and_the_docs_are_written_from_the_table() {
        let sample = include_str!("../../shopbot.sample.toml");
        assert!(
            sample == crate::ops::cli::sample_config(),
            "shopbot.sample.toml is stale: run `cargo run -p shopbot -- sample-config > shopbot/shopbot.sample.toml`"
        );
        let docs = include_str!("../../../docs/configuration.md");
        assert!(
            docs == crate::ops::cli::settings_markdown(),
            "docs/configuration.md is stale: run `cargo run -p shopbot -- settings > docs/configuration.md`"
        );
    }

    #[test]
    fn a_misspelt_key_in_the_file_suggests_the_right_one() {
        assert_eq!(nearest_key("db_pth"), "; did you mean `db_path`?");
        assert_eq!(nearest_key("tokn"), "; did you mean `token`?");
        assert_eq!(nearest_key("zzzz"), "");
    }

    #[test]
    fn secrets_are_not_printed() {
        let config = BotConfig::load(
            |k| (k == "TELOXIDE_TOKEN").then(|| "123:abcdefghijk".to_owned()),
            None,
        )
        .unwrap();
        assert!(!format!("{config:?}").contains("abcdefghijk"));
    }
}
