//! Delivers the shop's outbox (`pending_notifications("telegram", …)`) to shoppers: an order
//! completed (with its delivery), failed or cancelled (with the refund), a payment
//! confirmed, a top-up approved or rejected. Staff notifications (a top-up waiting for
//! review, an order waiting for a person) go to the configured staff chat (setting
//! `staff_chat_id`, passed in by `ops::run`), with a button into the panel; without a staff
//! chat they are stepped over. Each message is acknowledged right after it is sent, so a
//! crash repeats at most one message and never drops one.
//!
//! One bad recipient must never hold up everyone else's notices, so Telegram's refusals are
//! classified ([`classify`]) by their parameters and their description (teloxide 0.17 drops
//! `error_code`, but Telegram's description starts with its code's name: "Forbidden: " is
//! 403, "Bad Request: " is 400):
//! - the group became a supergroup (`migrate_to_chat_id`): the notice is sent to the new
//!   chat, which is remembered durably (shopcore's session store) for later notices;
//! - the recipient is gone (blocked the bot, bot kicked from the group, chat not found): the
//!   notice is parked (acknowledged and logged); a shopper is marked as having blocked the
//!   bot, a dead staff chat raises a staff alert and a metric;
//! - the message itself was refused (another 400): parked and logged;
//! - a failure that may pass (429 with `retry_after`, 5xx, the network): the notice is set
//!   aside in a small durable retry list with backoff and the queue moves on; later notices
//!   to the same chat wait behind it so each chat still reads its notices in order.

use crate::SCOPE;
use crate::core;
use crate::i18n::Lang;
use crate::ops::alerts::{self, AlertKind};
use crate::ops::telemetry::{names, redact};
use crate::render;
use serde::{Deserialize, Serialize};
use shopcore::{Notification, Order, Shop, Topup};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use teloxide::prelude::*;
use teloxide::{ApiError, RequestError};

/// Notifications read per pass.
pub const BATCH: usize = 50;
/// Notices set aside for a retry at most at once (they are kept in one session record);
/// when it is full, a failing notice stops the pass instead (as a plain queue would).
pub const DEFERRED_MAX: usize = 32;
/// Retries of a notice set aside before it is given up (logged and alerted); with the
/// backoff below that is about a day.
pub const DEFERRED_ATTEMPTS_MAX: u32 = 30;
/// The first retry's wait; it doubles up to [`BACKOFF_MAX`].
const BACKOFF_FIRST: Duration = Duration::from_secs(2);
const BACKOFF_MAX: Duration = Duration::from_secs(3600);
/// Session scope and id of the retry list.
const DEFERRED_SCOPE: &str = "telegram_deferred";
/// Session scope of a staff chat's migration (id: the configured chat id's bits).
const MIGRATION_SCOPE: &str = "telegram_chat_moved";

/// Where staff notifications go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StaffChat {
    pub chat: ChatId,
    pub lang: Lang,
}

impl StaffChat {
    /// The staff chat of the configuration (`staff_chat_id`, `staff_lang`), if one is set.
    pub fn from_config(config: &crate::ops::config::BotConfig) -> Option<StaffChat> {
        config.staff_chat_id.map(|chat| StaffChat {
            chat: ChatId(chat),
            lang: config.staff_lang,
        })
    }
}

/// What to do after Telegram refused a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The group became a supergroup with this id: send there.
    Migrated(ChatId),
    /// The recipient can't receive messages from the bot (403, chat gone).
    Gone,
    /// This message will never be accepted (400): drop it.
    Refused,
    /// It may pass: try again later (after at least the given wait, when Telegram says).
    Retry(Option<Duration>),
}

/// Telegram's description of an API error.
fn description(error: &ApiError) -> String {
    match error {
        ApiError::Unknown(text) => text.clone(),
        other => other.to_string(),
    }
}

/// Classifies a failed request by Telegram's parameters and the error code its description
/// starts with (not only by the texts teloxide knows).
pub fn classify(error: &RequestError) -> Verdict {
    match error {
        RequestError::MigrateToChatId(chat) => Verdict::Migrated(*chat),
        RequestError::RetryAfter(wait) => Verdict::Retry(Some(wait.duration())),
        RequestError::Network(_) | RequestError::Io(_) | RequestError::InvalidJson { .. } => {
            Verdict::Retry(None)
        }
        RequestError::Api(api) => {
            let text = description(api);
            let lower = text.to_ascii_lowercase();
            if lower.starts_with("forbidden") {
                Verdict::Gone
            } else if lower.starts_with("unauthorized") {
                // Old texts for "kicked" and "can't write first"; otherwise the token is
                // wrong, which fails every message alike: wait for it to be fixed.
                if lower.contains("kicked") || lower.contains("can't") {
                    Verdict::Gone
                } else {
                    Verdict::Retry(None)
                }
            } else if lower.starts_with("bad request") {
                let gone = [
                    "chat not found",
                    "user not found",
                    "group is deactivated",
                    "chat was deactivated",
                    "kicked",
                    "not enough rights to send",
                    "have no rights to send",
                    "need administrator rights",
                    "chat_write_forbidden",
                    "peer_id_invalid",
                ];
                if gone.iter().any(|g| lower.contains(g)) {
                    Verdict::Gone
                } else {
                    Verdict::Refused
                }
            } else {
                // 5xx ("Internal Server Error", "Bad Gateway"), 429 without parameters,
                // anything new: it may pass.
                Verdict::Retry(None)
            }
        }
    }
}

/// A notice set aside for a retry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Deferred {
    notification: Notification,
    /// Where it goes (to keep each chat's notices in order).
    chat: i64,
    attempts: u32,
    /// Wall-clock milliseconds after which it is tried again.
    due_ms: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
struct DeferredList {
    items: Vec<Deferred>,
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

fn backoff(attempts: u32, at_least: Option<Duration>) -> Duration {
    let exp = BACKOFF_FIRST.saturating_mul(1u32 << attempts.saturating_sub(1).min(16));
    exp.min(BACKOFF_MAX).max(at_least.unwrap_or_default())
}

fn deadline(attempts: u32, at_least: Option<Duration>) -> u64 {
    now_ms().saturating_add(u64::try_from(backoff(attempts, at_least).as_millis()).unwrap_or(0))
}

async fn load_deferred(shop: &Arc<Shop>) -> Result<DeferredList, DeliveryError> {
    let bytes = core::run(shop, |shop| shop.session(DEFERRED_SCOPE, 0))
        .await
        .map_err(DeliveryError::Shop)?;
    Ok(bytes
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default())
}

async fn save_deferred(shop: &Arc<Shop>, list: &DeferredList) -> Result<(), DeliveryError> {
    let bytes = serde_json::to_vec(list).unwrap_or_default();
    let empty = list.items.is_empty();
    core::run(shop, move |shop| {
        if empty {
            shop.clear_session(DEFERRED_SCOPE, 0)
        } else {
            shop.set_session(DEFERRED_SCOPE, 0, &bytes)
        }
    })
    .await
    .map_err(DeliveryError::Shop)
}

fn migration_id(chat: ChatId) -> u64 {
    u64::from_ne_bytes(chat.0.to_ne_bytes())
}

/// The staff chat to write to: the configured one, or where it moved to (a group upgraded to
/// a supergroup), as remembered in the shop.
pub async fn resolve_staff_chat(shop: &Arc<Shop>, staff: Option<StaffChat>) -> Option<StaffChat> {
    let mut staff = staff?;
    let id = migration_id(staff.chat);
    if let Ok(Some(bytes)) = core::run(shop, move |shop| shop.session(MIGRATION_SCOPE, id)).await
        && let Some(moved) = std::str::from_utf8(&bytes)
            .ok()
            .and_then(|t| t.parse::<i64>().ok())
    {
        staff.chat = ChatId(moved);
    }
    Some(staff)
}

async fn remember_migration(shop: &Arc<Shop>, configured: ChatId, to: ChatId) {
    let id = migration_id(configured);
    let text = to.0.to_string();
    if let Err(failure) = core::run(shop, move |shop| {
        shop.set_session(MIGRATION_SCOPE, id, text.as_bytes())
    })
    .await
    {
        tracing::warn!(
            kind = failure.kind(),
            "the staff chat's new id was not saved"
        );
    }
}

/// The order a notification is about (the notification itself authorizes reading it).
fn order_of(shop: &Shop, n: &Notification) -> Option<Order> {
    shop.order_for_notification(n).ok().flatten()
}

/// Why a delivery pass stopped early.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error("reading or acknowledging the outbox failed: {0:?}")]
    Shop(core::Failure),
    #[error("sending a notification failed: {0}")]
    Telegram(#[from] RequestError),
}

/// A notification with what rendering it needs.
struct Prepared {
    notification: Notification,
    lang: Lang,
    order: Option<Order>,
    topup: Option<Topup>,
    /// For a staff notice: the earlier request whose proof the waiting one repeats.
    reused: Option<shopcore::ProofUse>,
    /// The person it is about (for a staff notice, named by name rather than id).
    person: Option<shopcore::User>,
}

async fn prepare(
    shop: &Arc<Shop>,
    notifications: Vec<Notification>,
) -> Result<Vec<Prepared>, DeliveryError> {
    core::run(shop, move |shop| {
        Ok(notifications
            .into_iter()
            .map(|n| {
                let person = shop.user(n.user).ok().flatten();
                let lang = person
                    .as_ref()
                    .and_then(|u| u.preferred_language.clone().or(u.language.clone()))
                    .map_or(Lang::EN, |l| Lang::from_code(l.as_str()));
                let order = order_of(shop, &n);
                let (topup, reused): (Option<Topup>, _) = if n.kind.is_for_staff() {
                    (
                        shop.topup_for_notification(&n).ok().flatten(),
                        shop.proof_reused_for_notification(&n).ok().flatten(),
                    )
                } else {
                    (None, None)
                };
                Prepared {
                    notification: n,
                    lang,
                    order,
                    topup,
                    reused,
                    person,
                }
            })
            .collect())
    })
    .await
    .map_err(DeliveryError::Shop)
}

/// The outcome of one notice.
enum Sent {
    /// Sent, stepped over (no staff chat), or parked for good: acknowledge it.
    Done,
    /// Try again later.
    Retry(Option<Duration>),
}

/// One delivery pass's context.
struct Pass<'a> {
    bot: &'a Bot,
    shop: &'a Arc<Shop>,
    configured_staff: Option<StaffChat>,
    staff: Option<StaffChat>,
    sent: usize,
}

impl Pass<'_> {
    /// Where a notice goes and what it says; `None`: nothing to send.
    fn address(&self, p: &Prepared) -> Option<(ChatId, render::Screen)> {
        let n = &p.notification;
        if n.kind.is_for_staff() {
            let staff = self.staff?;
            render::staff::staff_notification(
                staff.lang,
                n,
                p.topup.as_ref(),
                p.order.as_ref(),
                p.reused,
                p.person.as_ref(),
            )
            .map(|screen| (staff.chat, screen))
        } else {
            render::notification(p.lang, &n.kind, p.order.as_ref()).map(|screen| {
                let chat = ChatId(i64::try_from(n.user.get()).unwrap_or(i64::MAX));
                (chat, screen)
            })
        }
    }

    async fn send(&self, chat: ChatId, screen: &render::Screen) -> Result<(), RequestError> {
        let mut request = self.bot.send_message(chat, screen.text.clone());
        if let Some(keyboard) = screen.keyboard.clone() {
            request = request.reply_markup(keyboard);
        }
        request.await.map(|_| ())
    }

    /// Sends one notice, following a staff chat's migration once.
    async fn deliver(&mut self, p: &Prepared) -> Sent {
        let Some((mut chat, screen)) = self.address(p) else {
            return Sent::Done;
        };
        let to_staff = p.notification.kind.is_for_staff();
        let mut followed = false;
        loop {
            let error = match self.send(chat, &screen).await {
                Ok(()) => {
                    self.sent += 1;
                    metrics::counter!(names::NOTIFICATIONS, "outcome" => "sent").increment(1);
                    return Sent::Done;
                }
                Err(error) => error,
            };
            let shown = redact(&error.to_string());
            match classify(&error) {
                Verdict::Migrated(to) if to_staff && !followed => {
                    tracing::warn!(
                        from = chat.0,
                        to = to.0,
                        "the staff chat moved; following it"
                    );
                    metrics::counter!(names::NOTIFICATIONS, "outcome" => "migrated").increment(1);
                    if let (Some(configured), Some(staff)) =
                        (self.configured_staff, &mut self.staff)
                    {
                        staff.chat = to;
                        alerts::chat_moved(to);
                        remember_migration(self.shop, configured.chat, to).await;
                    }
                    chat = to;
                    followed = true;
                }
                Verdict::Migrated(_) | Verdict::Gone if to_staff => {
                    metrics::counter!(names::NOTIFICATIONS, "outcome" => "staff_chat_gone")
                        .increment(1);
                    tracing::error!(chat = chat.0, error = %shown, seq = p.notification.seq,
                        "the staff chat can't be reached; staff notice parked");
                    alerts::raise(AlertKind::StaffChat, &shown);
                    return Sent::Done;
                }
                Verdict::Migrated(_) | Verdict::Gone => {
                    metrics::counter!(names::NOTIFICATIONS, "outcome" => "gone").increment(1);
                    tracing::info!(user = %p.notification.user, error = %shown, "notification undeliverable");
                    // Remember it, so broadcasts skip them until they talk to the bot again.
                    let user = p.notification.user;
                    let _ =
                        core::run(self.shop, move |shop| shop.set_blocked_bot(user, true)).await;
                    return Sent::Done;
                }
                Verdict::Refused => {
                    metrics::counter!(names::NOTIFICATIONS, "outcome" => "refused").increment(1);
                    tracing::error!(chat = chat.0, error = %shown, seq = p.notification.seq,
                        "Telegram refused a notification; parked");
                    return Sent::Done;
                }
                Verdict::Retry(wait) => {
                    metrics::counter!(names::NOTIFICATIONS, "outcome" => "retry").increment(1);
                    tracing::warn!(chat = chat.0, error = %shown, seq = p.notification.seq,
                        "notification not sent; it will be retried");
                    return Sent::Retry(wait);
                }
            }
        }
    }

    fn chat_of(&self, p: &Prepared) -> i64 {
        self.address(p).map_or(0, |(chat, _)| chat.0)
    }
}

/// One pass without a staff chat: staff notifications are stepped over (acknowledged).
pub async fn deliver_pending(bot: &Bot, shop: &Arc<Shop>) -> Result<usize, DeliveryError> {
    deliver_pending_with(bot, shop, None).await
}

/// One pass: retries the notices set aside whose time has come, then sends every pending
/// notification (up to [`BATCH`]) — shoppers' to them, staff ones to `staff` (or where it
/// moved) — and acknowledges each after it is sent or set aside. Returns how many were sent.
/// Stops early only when the shop fails, or when a notice can't be sent and the retry list is
/// full.
pub async fn deliver_pending_with(
    bot: &Bot,
    shop: &Arc<Shop>,
    staff: Option<StaffChat>,
) -> Result<usize, DeliveryError> {
    let mut pass = Pass {
        bot,
        shop,
        configured_staff: staff,
        staff: resolve_staff_chat(shop, staff).await,
        sent: 0,
    };
    let mut deferred = load_deferred(shop).await?;

    // The notices set aside, oldest first, when due.
    if !deferred.items.is_empty() {
        let now = now_ms();
        let items = std::mem::take(&mut deferred.items);
        let mut blocked_chats = Vec::new();
        let mut keep = Vec::new();
        let prepared =
            prepare(shop, items.iter().map(|d| d.notification.clone()).collect()).await?;
        for (mut item, p) in items.into_iter().zip(prepared) {
            if item.due_ms > now || blocked_chats.contains(&item.chat) {
                blocked_chats.push(item.chat);
                keep.push(item);
                continue;
            }
            match pass.deliver(&p).await {
                Sent::Done => {}
                Sent::Retry(wait) => {
                    item.attempts += 1;
                    if item.attempts > DEFERRED_ATTEMPTS_MAX {
                        metrics::counter!(names::NOTIFICATIONS, "outcome" => "given_up")
                            .increment(1);
                        tracing::error!(
                            seq = item.notification.seq,
                            chat = item.chat,
                            "notification given up after many attempts"
                        );
                        alerts::raise(
                            AlertKind::StaffChat,
                            &format!(
                                "notification {} to chat {} given up",
                                item.notification.seq, item.chat
                            ),
                        );
                    } else {
                        item.due_ms = deadline(item.attempts, wait);
                        blocked_chats.push(item.chat);
                        keep.push(item);
                    }
                }
            }
        }
        deferred.items = keep;
        save_deferred(shop, &deferred).await?;
    }

    let pending = core::run(shop, |shop| shop.pending_notifications(SCOPE, BATCH))
        .await
        .map_err(DeliveryError::Shop)?;
    for p in prepare(shop, pending).await? {
        let chat = pass.chat_of(&p);
        let waiting = chat != 0 && deferred.items.iter().any(|d| d.chat == chat);
        let outcome = if waiting {
            // Behind an earlier notice to the same chat: keep the order.
            Sent::Retry(None)
        } else {
            pass.deliver(&p).await
        };
        if let Sent::Retry(wait) = outcome {
            if deferred.items.len() >= DEFERRED_MAX {
                // Nowhere to set it aside: it waits in the outbox.
                return Ok(pass.sent);
            }
            deferred.items.push(Deferred {
                notification: p.notification.clone(),
                chat,
                attempts: u32::from(!waiting),
                due_ms: if waiting { 0 } else { deadline(1, wait) },
            });
            // On disk before the outbox moves past it: a crash repeats, never drops.
            save_deferred(shop, &deferred).await?;
        }
        let seq = p.notification.seq;
        core::run(shop, move |shop| shop.ack_notifications(SCOPE, seq))
            .await
            .map_err(DeliveryError::Shop)?;
    }
    Ok(pass.sent)
}

/// Runs [`deliver_pending_with`] every `period` until the process ends; staff notifications
/// go to `staff` (the configuration's `staff_chat_id`), if any.
pub fn spawn(
    bot: Bot,
    shop: Arc<Shop>,
    period: Duration,
    staff: Option<StaffChat>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(period);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            if !crate::ops::lease::mine(&shop, crate::ops::lease::jobs::OUTBOX, period).await {
                continue;
            }
            match deliver_pending_with(&bot, &shop, staff).await {
                Ok(0) => {}
                Ok(sent) => tracing::debug!(sent, "notifications delivered"),
                Err(error) => {
                    tracing::warn!(error = %redact(&error.to_string()), "notification delivery paused")
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(text: &str) -> RequestError {
        RequestError::Api(ApiError::Unknown(text.to_owned()))
    }

    #[test]
    fn telegrams_refusals_are_classified() {
        assert_eq!(
            classify(&api("Forbidden: bot was kicked from the group chat")),
            Verdict::Gone
        );
        assert_eq!(
            classify(&RequestError::Api(ApiError::BotBlocked)),
            Verdict::Gone
        );
        assert_eq!(
            classify(&RequestError::Api(ApiError::ChatNotFound)),
            Verdict::Gone
        );
        assert_eq!(
            classify(&RequestError::MigrateToChatId(ChatId(-100_123))),
            Verdict::Migrated(ChatId(-100_123))
        );
        assert_eq!(
            classify(&RequestError::RetryAfter(
                teloxide::types::Seconds::from_seconds(7)
            )),
            Verdict::Retry(Some(Duration::from_secs(7)))
        );
        assert_eq!(
            classify(&api("Internal Server Error")),
            Verdict::Retry(None)
        );
        assert_eq!(classify(&api("Unauthorized")), Verdict::Retry(None));
        assert_eq!(
            classify(&api("Bad Request: message is too long")),
            Verdict::Refused
        );
    }

    #[test]
    fn backoff_doubles_and_honours_retry_after() {
        assert_eq!(backoff(1, None), Duration::from_secs(2));
        assert_eq!(backoff(3, None), Duration::from_secs(8));
        assert_eq!(backoff(40, None), BACKOFF_MAX);
        assert_eq!(
            backoff(1, Some(Duration::from_secs(30))),
            Duration::from_secs(30)
        );
    }
}
