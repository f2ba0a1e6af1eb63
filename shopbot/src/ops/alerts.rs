//! Alerts to the staff chat for what needs a person: storage errors, a failed `verify()`,
//! failed backups, handler errors. Each kind is sent at most once per
//! `alert_interval_seconds`; what was held back in between is counted and mentioned in the
//! next alert of that kind, so an error storm costs one message, not thousands.
//!
//! Alerts are raised from anywhere (including [`crate::core::run`], which sees every shop
//! error) through [`raise`], which reaches the process-wide [`Alerts`] once [`install`]ed.

use crate::i18n::Lang;
use crate::ops::telemetry::names;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};
use teloxide::prelude::*;

/// What an alert is about; also its rate-limit bucket and its metric label.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AlertKind {
    Storage,
    Verify,
    Backup,
    Handler,
    Retention,
    /// The staff chat refused a notice (the bot was removed, the chat is gone).
    StaffChat,
    /// A provider's payment could not be settled, or was refused.
    Payments,
}

impl AlertKind {
    pub fn name(self) -> &'static str {
        match self {
            AlertKind::Storage => "storage",
            AlertKind::Verify => "verify",
            AlertKind::Backup => "backup",
            AlertKind::Handler => "handler",
            AlertKind::Retention => "retention",
            AlertKind::StaffChat => "staff_chat",
            AlertKind::Payments => "payments",
        }
    }

    fn key(self) -> &'static str {
        match self {
            AlertKind::Storage => "alert-storage",
            AlertKind::Verify => "alert-verify",
            AlertKind::Backup => "alert-backup",
            AlertKind::Handler => "alert-handler",
            AlertKind::Retention => "alert-retention",
            AlertKind::StaffChat => "alert-staff_chat",
            AlertKind::Payments => "alert-payments",
        }
    }
}

#[derive(Debug, Default)]
struct Bucket {
    last_sent: Option<Instant>,
    suppressed: u64,
}

/// Where alerts go and how often.
pub struct Alerts {
    bot: Bot,
    /// Follows the staff chat when it moves (a group upgraded to a supergroup).
    chat: Mutex<Option<ChatId>>,
    interval: Duration,
    buckets: Mutex<HashMap<AlertKind, Bucket>>,
}

/// The decision for one raised alert.
#[derive(Debug, PartialEq, Eq)]
pub enum Decision {
    /// Send it, mentioning this many held back since the last one.
    Send {
        suppressed: u64,
    },
    Hold,
}

impl Alerts {
    pub fn new(bot: Bot, chat: Option<i64>, interval: Duration) -> Arc<Alerts> {
        Arc::new(Alerts {
            bot,
            chat: Mutex::new(chat.map(ChatId)),
            interval,
            buckets: Mutex::new(HashMap::new()),
        })
    }

    /// Whether an alert of `kind` raised at `now` goes out.
    pub fn decide(&self, kind: AlertKind, now: Instant) -> Decision {
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let bucket = buckets.entry(kind).or_default();
        match bucket.last_sent {
            Some(last) if now.duration_since(last) < self.interval => {
                bucket.suppressed += 1;
                Decision::Hold
            }
            _ => {
                bucket.last_sent = Some(now);
                Decision::Send {
                    suppressed: std::mem::take(&mut bucket.suppressed),
                }
            }
        }
    }

    /// The alert text (the staff chat reads English).
    pub fn text(kind: AlertKind, detail: &str, suppressed: u64) -> String {
        let lang = Lang::EN;
        let mut text = lang.tf(kind.key(), &[("detail", detail)]);
        if suppressed > 0 {
            text.push('\n');
            text.push_str(&lang.tf("alert-suppressed", &[("count", &suppressed.to_string())]));
        }
        text
    }

    /// Logs the alert and, unless held back, sends it to the staff chat (in the background).
    pub fn raise(self: &Arc<Self>, kind: AlertKind, detail: &str) {
        metrics::counter!(names::ALERTS, "kind" => kind.name()).increment(1);
        let Decision::Send { suppressed } = self.decide(kind, Instant::now()) else {
            return;
        };
        let chat = *self.chat.lock().unwrap_or_else(|p| p.into_inner());
        let Some(chat) = chat else {
            tracing::warn!(
                kind = kind.name(),
                "no staff chat configured; alert only logged"
            );
            return;
        };
        let text = Alerts::text(kind, detail, suppressed);
        let bot = self.bot.clone();
        tokio::spawn(async move {
            if let Err(error) = bot.send_message(chat, text).await {
                let error = crate::ops::telemetry::redact(&error.to_string());
                tracing::warn!(%error, "staff alert not delivered");
            }
        });
    }
}

impl Alerts {
    /// Sends later alerts to `to`: the staff chat moved there.
    pub fn chat_moved(&self, to: ChatId) {
        let mut chat = self.chat.lock().unwrap_or_else(|p| p.into_inner());
        if chat.is_some() {
            *chat = Some(to);
        }
    }
}

static GLOBAL: OnceLock<Arc<Alerts>> = OnceLock::new();

/// Makes `alerts` the destination of [`raise`] (first call wins).
pub fn install(alerts: Arc<Alerts>) {
    let _ = GLOBAL.set(alerts);
}

/// Raises an alert through the installed [`Alerts`]; before one is installed it is only
/// logged. Call it from inside a tokio runtime.
pub fn raise(kind: AlertKind, detail: &str) {
    tracing::error!(kind = kind.name(), detail, "alert");
    if let Some(alerts) = GLOBAL.get()
        && tokio::runtime::Handle::try_current().is_ok()
    {
        alerts.raise(kind, detail);
    }
}

/// Tells the installed [`Alerts`] that the staff chat moved to `to`.
pub fn chat_moved(to: ChatId) {
    if let Some(alerts) = GLOBAL.get() {
        alerts.chat_moved(to);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_storm_sends_one_alert_and_counts_the_rest() {
        let alerts = Alerts::new(
            Bot::new("1:test-token"),
            Some(-100),
            Duration::from_secs(60),
        );
        let t0 = Instant::now();
        assert_eq!(
            alerts.decide(AlertKind::Storage, t0),
            Decision::Send { suppressed: 0 }
        );
        for i in 1..=500 {
            assert_eq!(
                alerts.decide(AlertKind::Storage, t0 + Duration::from_millis(i)),
                Decision::Hold
            );
        }
        // Another kind has its own bucket.
        assert_eq!(
            alerts.decide(AlertKind::Verify, t0),
            Decision::Send { suppressed: 0 }
        );
        assert_eq!(
            alerts.decide(AlertKind::Storage, t0 + Duration::from_secs(61)),
            Decision::Send { suppressed: 500 }
        );
        let text = Alerts::text(AlertKind::Storage, "disk full", 500);
        assert!(text.contains("disk full") && text.contains("500"), "{text}");
    }
}
