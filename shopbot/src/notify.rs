//! Delivers the shop's outbox (`pending_notifications("telegram", …)`) to shoppers: an order
//! completed (with its delivery), failed or cancelled (with the refund), a payment
//! confirmed, a top-up approved or rejected. Each message is acknowledged right after it is
//! sent, so a crash repeats at most one message and never drops one.

use crate::SCOPE;
use crate::core;
use crate::i18n::Lang;
use crate::render;
use shopcore::{Notification, Order, Shop};
use std::sync::Arc;
use std::time::Duration;
use teloxide::prelude::*;
use teloxide::{ApiError, RequestError};

/// Notifications read per pass.
pub const BATCH: usize = 50;

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

/// One pass: sends every pending notification (up to [`BATCH`]) and acknowledges each after
/// sending. Returns how many were sent. Stops at the first transient Telegram error (the rest
/// wait for the next pass).
pub async fn deliver_pending(bot: &Bot, shop: &Arc<Shop>) -> Result<usize, DeliveryError> {
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
                (n, lang, order)
            })
            .collect::<Vec<_>>())
    })
    .await
    .map_err(DeliveryError::Shop)?;
    let mut sent = 0;
    for (notification, lang, order) in pending {
        // Staff notifications go to the staff chat (the staff panel delivers them); here
        // they are only stepped over.
        let Some(screen) = render::notification(lang, &notification.kind, order.as_ref()) else {
            let seq = notification.seq;
            core::run(shop, move |shop| shop.ack_notifications(SCOPE, seq))
                .await
                .map_err(DeliveryError::Shop)?;
            continue;
        };
        let chat = ChatId(i64::try_from(notification.user.get()).unwrap_or(i64::MAX));
        let mut request = bot.send_message(chat, screen.text);
        if let Some(keyboard) = screen.keyboard {
            request = request.reply_markup(keyboard);
        }
        match request.await {
            Ok(_) => sent += 1,
            Err(error) if undeliverable(&error) => {
                tracing::info!(user = %notification.user, %error, "notification undeliverable");
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

/// Runs [`deliver_pending`] every `period` until the process ends.
pub fn spawn(bot: Bot, shop: Arc<Shop>, period: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(period);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            match deliver_pending(&bot, &shop).await {
                Ok(0) => {}
                Ok(sent) => tracing::debug!(sent, "notifications delivered"),
                Err(error) => tracing::warn!(%error, "notification delivery paused"),
            }
        }
    })
}
