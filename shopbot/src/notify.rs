//! Delivers the shop's outbox (`pending_notifications("telegram", …)`) to shoppers: an order
//! completed (with its delivery), failed or cancelled (with the refund), a payment
//! confirmed, a top-up approved or rejected. Staff notifications (a top-up waiting for
//! review, an order waiting for a person) go to the configured staff chat, with a button
//! into the panel; without a staff chat they are stepped over. Each message is acknowledged
//! right after it is sent, so a crash repeats at most one message and never drops one.

use crate::SCOPE;
use crate::core;
use crate::i18n::Lang;
use crate::render;
use shopcore::{Notification, Order, Shop, Topup};
use std::sync::Arc;
use std::time::Duration;
use teloxide::prelude::*;
use teloxide::{ApiError, RequestError};

/// Notifications read per pass.
pub const BATCH: usize = 50;

/// The environment variable naming the staff chat (a group's id, or a person's).
pub const STAFF_CHAT_VAR: &str = "SHOPBOT_STAFF_CHAT_ID";
/// The environment variable choosing the staff chat's language (`en` or `ar`; English when
/// unset).
pub const STAFF_LANG_VAR: &str = "SHOPBOT_STAFF_LANG";

/// Where staff notifications go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StaffChat {
    pub chat: ChatId,
    pub lang: Lang,
}

impl StaffChat {
    /// Reads the staff chat through `var` (the process environment in production); `None`
    /// when it is unset, blank, zero or not a number.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Option<StaffChat> {
        let chat = var(STAFF_CHAT_VAR)?.trim().parse::<i64>().ok()?;
        if chat == 0 {
            return None;
        }
        let lang = var(STAFF_LANG_VAR).map_or(Lang::En, |code| Lang::from_code(&code));
        Some(StaffChat {
            chat: ChatId(chat),
            lang,
        })
    }
}

/// The order a notification is about (the notification itself authorizes reading it).
fn order_of(shop: &Shop, n: &Notification) -> Option<Order> {
    shop.order_for_notification(n).ok().flatten()
}

/// Errors after which a message can never be delivered: skip it rather than block the queue.
fn undeliverable(error: &RequestError) -> bool {
    matches!(
        error,
        RequestError::Api(
            ApiError::BotBlocked
                | ApiError::ChatNotFound
                | ApiError::UserNotFound
                | ApiError::UserDeactivated
                | ApiError::CantInitiateConversation
                | ApiError::CantTalkWithBots
                | ApiError::BotKicked
        )
    )
}

/// Why a delivery pass stopped early.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error("reading or acknowledging the outbox failed: {0:?}")]
    Shop(core::Failure),
    #[error("sending a notification failed: {0}")]
    Telegram(#[from] RequestError),
}

/// One pass without a staff chat: staff notifications are stepped over (acknowledged).
pub async fn deliver_pending(bot: &Bot, shop: &Arc<Shop>) -> Result<usize, DeliveryError> {
    deliver_pending_with(bot, shop, None).await
}

/// One pass: sends every pending notification (up to [`BATCH`]) — shoppers' to them, staff
/// ones to `staff` — and acknowledges each after sending. Returns how many were sent. Stops
/// at the first transient Telegram error (the rest wait for the next pass).
pub async fn deliver_pending_with(
    bot: &Bot,
    shop: &Arc<Shop>,
    staff: Option<StaffChat>,
) -> Result<usize, DeliveryError> {
    let pending = core::run(shop, |shop| {
        let pending = shop.pending_notifications(SCOPE, BATCH)?;
        Ok(pending
            .into_iter()
            .map(|n| {
                let lang = shop
                    .user(n.user)
                    .ok()
                    .flatten()
                    .and_then(|u| u.preferred_language.or(u.language))
                    .map_or(Lang::En, |l| Lang::from_code(l.as_str()));
                let order = order_of(shop, &n);
                let topup: Option<Topup> = if n.kind.is_for_staff() {
                    shop.topup_for_notification(&n).ok().flatten()
                } else {
                    None
                };
                (n, lang, order, topup)
            })
            .collect::<Vec<_>>())
    })
    .await
    .map_err(DeliveryError::Shop)?;
    let mut sent = 0;
    for (notification, lang, order, topup) in pending {
        let addressed = if notification.kind.is_for_staff() {
            staff.and_then(|staff| {
                render::staff::staff_notification(
                    staff.lang,
                    &notification,
                    topup.as_ref(),
                    order.as_ref(),
                )
                .map(|screen| (staff.chat, screen))
            })
        } else {
            render::notification(lang, &notification.kind, order.as_ref()).map(|screen| {
                let chat = ChatId(i64::try_from(notification.user.get()).unwrap_or(i64::MAX));
                (chat, screen)
            })
        };
        // Nothing to send (a staff notification without a staff chat): step over it.
        let Some((chat, screen)) = addressed else {
            let seq = notification.seq;
            core::run(shop, move |shop| shop.ack_notifications(SCOPE, seq))
                .await
                .map_err(DeliveryError::Shop)?;
            continue;
        };
        let mut request = bot.send_message(chat, screen.text);
        if let Some(keyboard) = screen.keyboard {
            request = request.reply_markup(keyboard);
        }
        match request.await {
            Ok(_) => sent += 1,
            Err(error) if undeliverable(&error) => {
                tracing::info!(user = %notification.user, %error, "notification undeliverable");
                // Remember it, so broadcasts skip them until they talk to the bot again.
                let user = notification.user;
                let _ = core::run(shop, move |shop| shop.set_blocked_bot(user, true)).await;
            }
            Err(error) => return Err(error.into()),
        }
        let seq = notification.seq;
        core::run(shop, move |shop| shop.ack_notifications(SCOPE, seq))
            .await
            .map_err(DeliveryError::Shop)?;
    }
    Ok(sent)
}

/// Runs a delivery pass every `period` until the process ends; staff notifications go to the
/// staff chat named by [`STAFF_CHAT_VAR`], if any.
pub fn spawn(bot: Bot, shop: Arc<Shop>, period: Duration) -> tokio::task::JoinHandle<()> {
    let staff = StaffChat::from_vars(|name| std::env::var(name).ok());
    spawn_with(bot, shop, period, staff)
}

/// Runs [`deliver_pending_with`] every `period` until the process ends.
pub fn spawn_with(
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
            match deliver_pending_with(&bot, &shop, staff).await {
                Ok(0) => {}
                Ok(sent) => tracing::debug!(sent, "notifications delivered"),
                Err(error) => tracing::warn!(%error, "notification delivery paused"),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staff_chat_from_the_environment() {
        assert_eq!(StaffChat::from_vars(|_| None), None);
        let vars = |chat: &'static str, lang: Option<&'static str>| {
            move |name: &str| match name {
                STAFF_CHAT_VAR => Some(chat.to_owned()),
                STAFF_LANG_VAR => lang.map(str::to_owned),
                _ => None,
            }
        };
        assert_eq!(StaffChat::from_vars(vars("0", None)), None);
        assert_eq!(StaffChat::from_vars(vars("group", None)), None);
        assert_eq!(
            StaffChat::from_vars(vars(" -100123 ", Some("ar"))),
            Some(StaffChat {
                chat: ChatId(-100_123),
                lang: Lang::Ar
            })
        );
    }
}
