//! The operations commands staff type in the bot, routed by [`crate::ops::guard`] before
//! the shop's handler tree:
//! - `/backup` — takes a backup now (`manage_settings`).
//! - `/broadcast` — then the text (in the same message or the next one): a preview with the
//!   audience size and Send/Cancel buttons; Send creates the job and shows its progress in
//!   one edited message with a Cancel button (`broadcast`).
//!
//! Shoppers who type these commands fall through to the normal tree ("not understood");
//! staff without the permission are told so. The shop checks permissions again anyway.

use crate::core::{self, Failure};
use crate::handlers::command_of;
use crate::i18n::Lang;
use crate::ops::backups::Backups;
use crate::ops::broadcast::{Broadcaster, Progress, cancel_keyboard, progress_text};
use crate::{BotError, HandlerResult};
use shopcore::roles::has_permission;
use shopcore::{BroadcastId, Permission, Role, Shop, UserId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup, UpdateKind, User as TgUser};

/// Drafts kept while staff look at the preview (in memory: a restart drops them).
const DRAFTS_MAX: usize = 100;

pub struct Staff {
    shop: Arc<Shop>,
    backups: Option<Arc<Backups>>,
    broadcaster: Option<Arc<Broadcaster>>,
    /// Staff who typed `/broadcast` alone: their next message is the text.
    composing: Mutex<HashMap<u64, ()>>,
    /// Previews waiting for Send: nonce → (staff user, text).
    drafts: Mutex<HashMap<u32, (u64, String)>>,
    next_nonce: std::sync::atomic::AtomicU32,
}

fn lang_of(user: &TgUser) -> Lang {
    Lang::from_code(user.language_code.as_deref().unwrap_or("en"))
}

impl Staff {
    pub fn new(
        shop: Arc<Shop>,
        backups: Option<Arc<Backups>>,
        broadcaster: Option<Arc<Broadcaster>>,
    ) -> Arc<Staff> {
        Arc::new(Staff {
            shop,
            backups,
            broadcaster,
            composing: Mutex::new(HashMap::new()),
            drafts: Mutex::new(HashMap::new()),
            next_nonce: std::sync::atomic::AtomicU32::new(1),
        })
    }

    /// The user's role, when they are known staff (`None` for shoppers and strangers).
    async fn staff_role(&self, user: &TgUser) -> Option<Role> {
        let id = UserId::new(user.id.0).ok()?;
        let record = core::run(&self.shop, move |shop| shop.user(id))
            .await
            .ok()??;
        (record.role != Role::User && record.ban.is_none()).then_some(record.role)
    }

    /// Handles the update when it is an operations command; `None` passes it on.
    pub async fn intercept(&self, bot: &Bot, update: &Update) -> Option<HandlerResult> {
        match &update.kind {
            UpdateKind::Message(msg) => {
                let from = msg.from.as_ref()?;
                let text = msg.text()?;
                let command = command_of(text);
                let composing = self
                    .composing
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .remove(&from.id.0)
                    .is_some();
                match command {
                    Some("backup") => {
                        let role = self.staff_role(from).await?;
                        Some(self.backup(bot, msg, from, role).await)
                    }
                    Some("broadcast") => {
                        let role = self.staff_role(from).await?;
                        let rest = text.split_once(char::is_whitespace).map(|(_, r)| r.trim());
                        Some(self.compose(bot, msg, from, role, rest).await)
                    }
                    None if composing => {
                        let role = self.staff_role(from).await?;
                        Some(self.compose(bot, msg, from, role, Some(text.trim())).await)
                    }
                    _ => None,
                }
            }
            UpdateKind::CallbackQuery(q) => {
                let data = q.data.as_deref()?.strip_prefix("ops:bc:")?;
                Some(self.button(bot, q, data).await)
            }
            _ => None,
        }
    }

    async fn backup(&self, bot: &Bot, msg: &Message, from: &TgUser, role: Role) -> HandlerResult {
        let lang = lang_of(from);
        if !has_permission(role, Permission::ManageSettings) {
            bot.send_message(msg.chat.id, lang.t("staff-not_allowed"))
                .await?;
            return Ok(());
        }
        let Some(backups) = &self.backups else {
            bot.send_message(msg.chat.id, lang.t("backup-failed"))
                .await?;
            return Ok(());
        };
        tracing::info!("backup requested by staff");
        let text = match backups.run(&self.shop).await {
            Ok(done) => lang.tf(
                "backup-done",
                &[
                    (
                        "file",
                        &done
                            .path
                            .file_name()
                            .map(|n| n.to_string_lossy().into_owned())
                            .unwrap_or_default(),
                    ),
                    ("bytes", &done.bytes.to_string()),
                ],
            ),
            Err(_) => lang.t("backup-failed"),
        };
        bot.send_message(msg.chat.id, text).await?;
        Ok(())
    }

    async fn compose(
        &self,
        bot: &Bot,
        msg: &Message,
        from: &TgUser,
        role: Role,
        text: Option<&str>,
    ) -> HandlerResult {
        let lang = lang_of(from);
        if !has_permission(role, Permission::Broadcast) || self.broadcaster.is_none() {
            bot.send_message(msg.chat.id, lang.t("staff-not_allowed"))
                .await?;
            return Ok(());
        }
        let Some(text) = text.filter(|t| !t.is_empty()) else {
            self.composing
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(from.id.0, ());
            bot.send_message(msg.chat.id, lang.t("broadcast-ask_text"))
                .await?;
            return Ok(());
        };
        let staff = UserId::new(from.id.0).map_err(shopcore::Error::from)?;
        let audience = core::run(&self.shop, move |shop| {
            let actor = shop.actor(staff)?;
            shop.broadcast_audience(&actor)
        })
        .await;
        let audience = match audience {
            Ok(n) => n,
            Err(failure) => return self.refused(bot, msg.chat.id, lang, &failure).await,
        };
        let nonce = self
            .next_nonce
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        {
            let mut drafts = self.drafts.lock().unwrap_or_else(|p| p.into_inner());
            if drafts.len() >= DRAFTS_MAX {
                drafts.clear();
            }
            drafts.insert(nonce, (from.id.0, text.to_owned()));
        }
        bot.send_message(msg.chat.id, lang.tf("broadcast-preview", &[("text", text)]))
            .await?;
        let keyboard = InlineKeyboardMarkup::new([[
            InlineKeyboardButton::callback(
                lang.t("broadcast-button_send"),
                format!("ops:bc:send:{nonce}"),
            ),
            InlineKeyboardButton::callback(
                lang.t("broadcast-button_discard"),
                format!("ops:bc:drop:{nonce}"),
            ),
        ]]);
        bot.send_message(
            msg.chat.id,
            lang.tf("broadcast-confirm", &[("audience", &audience.to_string())]),
        )
        .reply_markup(keyboard)
        .await?;
        Ok(())
    }

    async fn refused(
        &self,
        bot: &Bot,
        chat: ChatId,
        lang: Lang,
        failure: &Failure,
    ) -> HandlerResult {
        let settings = self.shop.settings();
        bot.send_message(chat, crate::render::failure(lang, failure, &settings))
            .await?;
        Ok(())
    }

    async fn button(&self, bot: &Bot, q: &CallbackQuery, data: &str) -> HandlerResult {
        let lang = lang_of(&q.from);
        let Some(broadcaster) = &self.broadcaster else {
            bot.answer_callback_query(q.id.clone()).await?;
            return Ok(());
        };
        let Some(chat) = q.message.as_ref().map(|m| m.chat().id) else {
            bot.answer_callback_query(q.id.clone()).await?;
            return Ok(());
        };
        let message = q.message.as_ref().map(|m| m.id());
        let staff = UserId::new(q.from.id.0).map_err(shopcore::Error::from)?;
        let (action, arg) = data.split_once(':').unwrap_or((data, ""));
        match action {
            "send" | "drop" => {
                let nonce: u32 = arg.parse().unwrap_or(0);
                let draft = self
                    .drafts
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .remove(&nonce)
                    .filter(|(owner, _)| *owner == q.from.id.0);
                let Some((_, text)) = draft else {
                    bot.answer_callback_query(q.id.clone())
                        .text(lang.t("notice-stale_button"))
                        .await?;
                    return Ok(());
                };
                bot.answer_callback_query(q.id.clone()).await?;
                if action == "drop" {
                    self.replace(bot, chat, message, lang.t("broadcast-discarded"))
                        .await?;
                    return Ok(());
                }
                let created = core::run(&self.shop, move |shop| {
                    let actor = shop.actor(staff)?;
                    shop.create_broadcast(&actor, &text)
                })
                .await;
                let job = match created {
                    Ok(job) => job,
                    Err(failure) => return self.refused(bot, chat, lang, &failure).await,
                };
                tracing::info!(broadcast = %job.id, audience = job.audience, "broadcast started");
                let shown = bot
                    .send_message(chat, progress_text(lang, &job))
                    .reply_markup(cancel_keyboard(lang, job.id))
                    .await?;
                broadcaster.start(
                    job,
                    Some(Progress {
                        chat,
                        message: shown.id,
                    }),
                );
            }
            "stop" => {
                let id = arg
                    .parse::<u64>()
                    .ok()
                    .and_then(|n| BroadcastId::new(n).ok());
                let Some(id) = id else {
                    bot.answer_callback_query(q.id.clone())
                        .text(lang.t("notice-stale_button"))
                        .await?;
                    return Ok(());
                };
                let cancelled = core::run(&self.shop, move |shop| {
                    let actor = shop.actor(staff)?;
                    shop.cancel_broadcast(&actor, id)
                })
                .await;
                match cancelled {
                    Ok(job) => {
                        bot.answer_callback_query(q.id.clone())
                            .text(lang.t("broadcast-cancelling"))
                            .await?;
                        tracing::info!(broadcast = %job.id, "broadcast cancelled by staff");
                    }
                    Err(failure) => {
                        bot.answer_callback_query(q.id.clone())
                            .text(crate::handlers::notice_text(&crate::render::failure(
                                lang,
                                &failure,
                                &self.shop.settings(),
                            )))
                            .await?;
                    }
                }
            }
            _ => {
                bot.answer_callback_query(q.id.clone())
                    .text(lang.t("notice-stale_button"))
                    .await?;
            }
        }
        Ok(())
    }

    async fn replace(
        &self,
        bot: &Bot,
        chat: ChatId,
        message: Option<teloxide::types::MessageId>,
        text: String,
    ) -> Result<(), BotError> {
        match message {
            Some(id) => {
                bot.edit_message_text(chat, id, text).await?;
            }
            None => {
                bot.send_message(chat, text).await?;
            }
        }
        Ok(())
    }
}
