//! The one entry point every update goes through before the shop's handler tree
//! ([`crate::schema::schema`]): it opens the update's tracing span (update id, user id,
//! update kind — never message text), applies the per-user rate limit, routes the
//! operations commands (`/backup`, `/broadcast`), times the handler, and is the central
//! error handler: a handler error is logged, the shopper gets a localized apology, storage
//! errors alert the staff chat (rate-limited), and the process keeps running.

use crate::BotError;
use crate::i18n::Lang;
use crate::ops::alerts::{self, AlertKind};
use crate::ops::ratelimit::{UserLimiter, Verdict};
use crate::ops::staff::Staff;
use crate::ops::telemetry::{names, redact};
use crate::storage::SessionError;
use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::Instant;
use teloxide::dispatching::UpdateHandler;
use teloxide::dptree;
use teloxide::prelude::*;
use teloxide::types::{Me, UpdateKind};
use tracing::Instrument;

/// Shared by every update.
pub struct Guard {
    inner: UpdateHandler<BotError>,
    deps: dptree::di::DependencyMap,
    limiter: UserLimiter,
    staff: Arc<Staff>,
}

/// A short, stable name for an update's kind (a metric label and a span field).
pub fn kind_name(kind: &UpdateKind) -> &'static str {
    match kind {
        UpdateKind::Message(_) => "message",
        UpdateKind::EditedMessage(_) => "edited_message",
        UpdateKind::CallbackQuery(_) => "callback_query",
        UpdateKind::InlineQuery(_) => "inline_query",
        UpdateKind::MyChatMember(_) => "my_chat_member",
        UpdateKind::ChatMember(_) => "chat_member",
        UpdateKind::PreCheckoutQuery(_) => "pre_checkout_query",
        UpdateKind::ChannelPost(_) => "channel_post",
        _ => "other",
    }
}

impl Guard {
    /// `deps` are the inner tree's dependencies ([`crate::schema::dependencies`]).
    pub fn new(
        inner: UpdateHandler<BotError>,
        deps: dptree::di::DependencyMap,
        limiter: UserLimiter,
        staff: Arc<Staff>,
    ) -> Arc<Guard> {
        Arc::new(Guard {
            inner,
            deps,
            limiter,
            staff,
        })
    }

    /// The handler tree to give the dispatcher (with `Arc<Guard>` among its dependencies).
    pub fn schema() -> UpdateHandler<BotError> {
        dptree::endpoint(handle)
    }

    async fn run(&self, bot: Bot, me: Me, update: Update) {
        let from = update.from().filter(|u| !u.is_bot).cloned();
        let kind = kind_name(&update.kind);
        // A payment Telegram took (or asks about) is never dropped by the limiter, nor taken
        // by the staff panel: it goes straight to the handler tree's payment branches.
        let payment = match &update.kind {
            UpdateKind::PreCheckoutQuery(_) => true,
            UpdateKind::Message(m) => m.successful_payment().is_some(),
            _ => false,
        };
        if let (Some(user), false) = (&from, payment) {
            match self.limiter.check(user.id.0) {
                Verdict::Allow => {}
                verdict => {
                    metrics::counter!(names::RATE_LIMITED).increment(1);
                    metrics::counter!(names::UPDATES, "kind" => kind, "outcome" => "rate_limited")
                        .increment(1);
                    if verdict == Verdict::DropWithNotice {
                        tracing::info!("rate limited; notice sent");
                        self.slow_down(&bot, &update, user).await;
                    }
                    return;
                }
            }
        }
        metrics::gauge!(names::IN_FLIGHT).increment(1.0);
        let started = Instant::now();
        let intercepted = if payment {
            None
        } else {
            self.staff.intercept(&bot, &update).await
        };
        let result = match intercepted {
            Some(result) => result,
            None => {
                let mut deps = self.deps.clone();
                deps.insert(bot.clone());
                deps.insert(me);
                deps.insert(update.clone());
                match self.inner.dispatch(deps).await {
                    ControlFlow::Break(result) => result,
                    ControlFlow::Continue(_) => Ok(()),
                }
            }
        };
        let elapsed = started.elapsed();
        metrics::gauge!(names::IN_FLIGHT).decrement(1.0);
        metrics::histogram!(names::HANDLER_SECONDS, "kind" => kind).record(elapsed.as_secs_f64());
        let outcome = if result.is_ok() { "ok" } else { "error" };
        metrics::counter!(names::UPDATES, "kind" => kind, "outcome" => outcome).increment(1);
        match result {
            Ok(()) => tracing::debug!(ms = elapsed.as_millis(), "update handled"),
            Err(error) => self.on_error(&bot, &update, from.as_ref(), error).await,
        }
    }

    /// The central error handler.
    async fn on_error(
        &self,
        bot: &Bot,
        update: &Update,
        from: Option<&teloxide::types::User>,
        error: BotError,
    ) {
        let text = redact(&error.to_string());
        let storage = error.downcast_ref::<SessionError>().is_some_and(
            |e| matches!(e, SessionError::Shop(core) if core.kind().starts_with("store.")),
        );
        metrics::counter!(names::ERRORS, "kind" => if storage { "storage" } else { "handler" })
            .increment(1);
        tracing::error!(error = %text, "update failed");
        if storage {
            alerts::raise(AlertKind::Storage, &text);
        }
        let (Some(user), Some(chat)) = (from, update.chat()) else {
            return;
        };
        let lang = Lang::from_code(user.language_code.as_deref().unwrap_or("en"));
        if let Err(error) = bot.send_message(chat.id, lang.t("error-internal")).await {
            tracing::warn!(error = %redact(&error.to_string()), "apology not delivered");
        }
    }

    async fn slow_down(&self, bot: &Bot, update: &Update, user: &teloxide::types::User) {
        let lang = Lang::from_code(user.language_code.as_deref().unwrap_or("en"));
        let text = lang.t("ratelimit-notice");
        let sent = match &update.kind {
            UpdateKind::CallbackQuery(q) => bot
                .answer_callback_query(q.id.clone())
                .text(text)
                .await
                .map(|_| ()),
            _ => match update.chat() {
                Some(chat) => bot.send_message(chat.id, text).await.map(|_| ()),
                None => Ok(()),
            },
        };
        if let Err(error) = sent {
            tracing::warn!(error = %redact(&error.to_string()), "rate-limit notice not delivered");
        }
    }
}

async fn handle(guard: Arc<Guard>, bot: Bot, me: Me, update: Update) -> Result<(), BotError> {
    let user = update.from().map(|u| u.id.0);
    let kind = kind_name(&update.kind);
    let span = tracing::info_span!("update", id = update.id.0, user, kind);
    guard.run(bot, me, update).instrument(span).await;
    Ok(())
}
