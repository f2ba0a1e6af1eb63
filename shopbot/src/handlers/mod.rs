//! Update handlers, one module per area. This module holds what they share: the [`Env`] a
//! handler runs in, [`Out`] (where a screen goes: a new message, or an edit of the message
//! whose button was tapped), and the two entry points the schema routes to — typed messages
//! and button taps.

pub mod admin;
pub mod inline;
pub mod orders;
pub mod settings;
pub mod shop;
pub mod start;
pub mod wallet;

use crate::HandlerResult;
use crate::callback::Callback;
use crate::context::Ctx;
use crate::core::{self, Failure};
use crate::i18n::Lang;
use crate::render::{self, Screen};
use crate::state::State;
use shopcore::{Actor, Settings, Shop};
use std::sync::Arc;
use teloxide::ApiError;
use teloxide::RequestError;
use teloxide::dispatching::dialogue::ErasedStorage;
use teloxide::prelude::*;
use teloxide::types::{CallbackQuery, ChatId, MessageId};

/// The dialogue handle, over the shop-backed storage (erased).
pub type Dialogue = teloxide::dispatching::dialogue::Dialogue<State, ErasedStorage<State>>;

/// The longest caption Telegram takes under a photo, in UTF-16 code units.
const CAPTION_MAX: usize = 1024;

/// Where a screen goes.
#[derive(Clone, Debug)]
pub struct Out {
    pub bot: Bot,
    pub chat: ChatId,
    /// The message to edit in place (the one whose button was tapped).
    pub edit: Option<MessageId>,
}

impl Out {
    /// Shows a screen: edits the tapped message when there is one, else sends a new message.
    pub async fn show(&self, screen: Screen) -> Result<(), RequestError> {
        let Some(id) = self.edit else {
            return self.send(screen).await;
        };
        if screen.photo.is_some() {
            // A text message can't become a photo: the photo replaces it.
            if let Err(error) = self.bot.delete_message(self.chat, id).await {
                tracing::debug!(%error, "the screen a photo replaces stays");
            }
            return self.send(screen).await;
        }
        let mut request = self
            .bot
            .edit_message_text(self.chat, id, screen.text.clone());
        if let Some(keyboard) = screen.keyboard.clone() {
            request = request.reply_markup(keyboard);
        }
        match request.await {
            Ok(_) => Ok(()),
            // The same screen again (a second tap): nothing to change.
            Err(RequestError::Api(ApiError::MessageNotModified)) => Ok(()),
            // Too old to edit, or gone: send it as a new message instead.
            Err(RequestError::Api(_)) => self.send(screen).await,
            Err(other) => Err(other),
        }
    }

    /// Sends a screen as a new message: with its photo when it has one (the text as the
    /// caption, or after the photo when longer than a caption may be).
    pub async fn send(&self, mut screen: Screen) -> Result<(), RequestError> {
        if let Some(photo) = screen.photo.take() {
            let file = teloxide::types::InputFile::file_id(teloxide::types::FileId(photo));
            let fits = screen.text.encode_utf16().count() <= CAPTION_MAX;
            let mut request = self.bot.send_photo(self.chat, file);
            if fits {
                request = request.caption(screen.text.clone());
                if let Some(keyboard) = screen.keyboard.clone() {
                    request = request.reply_markup(keyboard);
                }
            }
            match request.await {
                Ok(_) if fits => return Ok(()),
                Ok(_) => {}
                // A file id Telegram no longer knows (another bot token, a deleted file):
                // the screen is still shown, without its picture.
                Err(RequestError::Api(error)) => {
                    tracing::warn!(%error, "a photo could not be shown");
                }
                Err(other) => return Err(other),
            }
        }
        let mut request = self.bot.send_message(self.chat, screen.text);
        if let Some(keyboard) = screen.keyboard {
            request = request.reply_markup(keyboard);
        }
        request.await.map(|_| ())
    }
}

/// Everything a handler needs for one update from a shopper who may act.
#[derive(Clone)]
pub struct Env {
    pub shop: Arc<Shop>,
    /// The payment providers this process talks to.
    pub payments: Arc<crate::payments::Payments>,
    pub ctx: Ctx,
    pub actor: Actor,
    pub dialogue: Dialogue,
    pub out: Out,
    /// The shop's settings when the update arrived (store state, support contact).
    pub settings: Settings,
}

/// What a button tap answers with, besides any screen it showed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// Just stop the button's spinner.
    Done,
    /// A short notice shown over the chat.
    Notice(String),
}

impl Env {
    pub fn lang(&self) -> Lang {
        self.ctx.lang
    }

    /// The shop's time zone, for dates shown (from the settings in memory).
    pub fn zone(&self) -> shopcore::Zone {
        self.shop.settings().time_zone
    }

    /// Tells the shopper why something failed, as a new message with a way back to the menu.
    pub async fn fail(&self, failure: &Failure) -> Result<(), RequestError> {
        if let Failure::Core(error) = failure
            && error.kind().starts_with("store.")
        {
            tracing::error!(%error, "shop storage error");
        }
        let text = render::failure(self.lang(), failure, &self.settings);
        self.out
            .send(Screen {
                photo: None,
                text,
                keyboard: Some(teloxide::types::InlineKeyboardMarkup::new([[
                    teloxide::types::InlineKeyboardButton::callback(
                        self.lang().t("button-menu"),
                        Callback::Menu.encode(),
                    ),
                ]])),
            })
            .await
    }

    /// Sets the dialogue state.
    pub async fn set_state(&self, state: State) -> HandlerResult {
        self.dialogue.update(state).await?;
        Ok(())
    }

    /// Ends any conversation in progress.
    pub async fn reset(&self) -> HandlerResult {
        self.dialogue.exit().await?;
        Ok(())
    }
}

async fn settings_of(shop: &Arc<Shop>) -> Settings {
    // Settings come from memory (a copy taken under a read lock): read inline.
    shop.settings()
}

/// Messages from someone who may not act (banned; or unregistered during an emergency).
pub async fn blocked_message(bot: Bot, msg: Message, shop: Arc<Shop>, ctx: Ctx) -> HandlerResult {
    let settings = settings_of(&shop).await;
    let failure = ctx.blocked.as_deref().unwrap_or(&Failure::Crashed);
    bot.send_message(msg.chat.id, render::failure(ctx.lang, failure, &settings))
        .await?;
    Ok(())
}

/// Button taps from someone who may not act: the tap is answered with the reason.
pub async fn blocked_callback(
    bot: Bot,
    q: CallbackQuery,
    shop: Arc<Shop>,
    ctx: Ctx,
) -> HandlerResult {
    let settings = settings_of(&shop).await;
    let failure = ctx.blocked.as_deref().unwrap_or(&Failure::Crashed);
    bot.answer_callback_query(q.id)
        .text(notice_text(&render::failure(ctx.lang, failure, &settings)))
        .show_alert(true)
        .await?;
    Ok(())
}

fn env(
    (shop, payments): (Arc<Shop>, Arc<crate::payments::Payments>),
    ctx: Ctx,
    dialogue: Dialogue,
    out: Out,
    settings: Settings,
) -> Option<Env> {
    let actor = ctx.actor.clone()?;
    Some(Env {
        shop,
        payments,
        ctx,
        actor,
        dialogue,
        out,
        settings,
    })
}

/// A message in a group: the shop is a private conversation, so a command meant for this bot
/// (`/start@ThisBot`, or a bare `/start`) is answered once with a button to the private chat,
/// `/web` says where it works, and everything else (chatter, other bots' commands) is left
/// alone — the group never sees the shop's menus.
async fn in_group(env: &Env, msg: &Message, me: &teloxide::types::Me) -> HandlerResult {
    let Some(text) = msg.text() else {
        return Ok(());
    };
    let Some(command) = command_of(text) else {
        return Ok(());
    };
    let addressed = text
        .split_whitespace()
        .next()
        .and_then(|word| word.split_once('@'))
        .is_none_or(|(_, bot)| bot.eq_ignore_ascii_case(me.username()));
    if !addressed {
        return Ok(());
    }
    if command == "web" {
        return admin::web_link(env, false).await;
    }
    env.out
        .send(render::private_only(env.lang(), me.username())?)
        .await?;
    Ok(())
}

/// A command: the first word of a message starting with `/`, without any `@botname`.
pub fn command_of(text: &str) -> Option<&str> {
    let word = text.split_whitespace().next()?;
    let word = word.strip_prefix('/')?;
    Some(word.split('@').next().unwrap_or(word))
}

/// Everything a shopper types or sends: commands anywhere; otherwise input for the
/// conversation in progress.
// dptree hands a handler its dependencies as parameters, one each.
#[allow(clippy::too_many_arguments)]
pub async fn on_message(
    bot: Bot,
    msg: Message,
    me: teloxide::types::Me,
    shop: Arc<Shop>,
    payments: Arc<crate::payments::Payments>,
    ctx: Ctx,
    dialogue: Dialogue,
    state: State,
) -> HandlerResult {
    let settings = settings_of(&shop).await;
    let out = Out {
        bot,
        chat: msg.chat.id,
        edit: None,
    };
    let Some(env) = env((shop, payments), ctx, dialogue, out, settings) else {
        return Ok(());
    };
    if !msg.chat.is_private() {
        return in_group(&env, &msg, &me).await;
    }
    if let Some(command) = msg.text().and_then(command_of) {
        return match command {
            "start" => {
                let payload = msg.text().and_then(|t| t.split_whitespace().nth(1));
                if let Some(product) = payload.and_then(inline::product_of_payload) {
                    // A deep link from an inline result: that product's card.
                    return shop::product(&env, product).await.map(|_| ());
                }
                if let Some(referrer) = payload.and_then(wallet::referrer_of_payload) {
                    // A friend's referral link: attributed if the shopper is new.
                    return start::start_referred(&env, referrer).await;
                }
                start::start(&env).await
            }
            "admin" => {
                env.reset().await?;
                admin::panel(&env).await.map(|_| ())
            }
            "web" => admin::web_link(&env, msg.chat.is_private()).await,
            "cancel" if matches!(state, State::Admin { .. }) => {
                admin::cancel(&env).await.map(|_| ())
            }
            "menu" => start::menu(&env).await,
            "cancel" => shop::cancel_flow(&env, &state).await.map(|_| ()),
            "help" => start::help(&env).await,
            "shop" => shop::categories(&env).await.map(|_| ()),
            "search" => {
                let query = msg
                    .text()
                    .and_then(|t| t.split_once(char::is_whitespace))
                    .map(|(_, rest)| rest.trim())
                    .unwrap_or("");
                if query.is_empty() {
                    shop::search_prompt(&env).await.map(|_| ())
                } else {
                    shop::search(&env, query).await
                }
            }
            "wallet" => wallet::wallet(&env).await.map(|_| ()),
            "orders" => orders::list(&env, None).await.map(|_| ()),
            "settings" => settings::show(&env).await.map(|_| ()),
            _ => start::not_understood(&env).await,
        };
    }
    match state {
        State::Quantity { draft, max } => shop::quantity_input(&env, draft, max, &msg).await,
        State::PlayerId { draft } => shop::player_id_input(&env, draft, &msg).await,
        State::Coupon { draft } => shop::coupon_input(&env, draft, &msg).await,
        State::Proof { draft, method } => shop::proof_input(&env, draft, method, &msg).await,
        State::TopupAmount { method } => wallet::amount_input(&env, method, &msg).await,
        State::TopupProof { method, amount } => {
            wallet::proof_input(&env, method, amount, &msg).await
        }
        State::Admin { input } => admin::on_input(&env, input, &msg).await,
        State::TopupInvoiceAmount { provider } => {
            wallet::invoice_amount_input(&env, provider, &msg).await
        }
        State::SearchQuery => match msg.text() {
            Some(query) => shop::search(&env, query).await,
            None => start::not_understood(&env).await,
        },
        State::Idle | State::Payment { .. } | State::Confirm { .. } => {
            start::not_understood(&env).await
        }
    }
}

/// A button tap: the data is parsed into a [`Callback`]; stale or tampered data gets a
/// short notice and changes nothing.
pub async fn on_callback(
    bot: Bot,
    q: CallbackQuery,
    shop: Arc<Shop>,
    payments: Arc<crate::payments::Payments>,
    ctx: Ctx,
    dialogue: Dialogue,
    state: State,
) -> HandlerResult {
    let lang = ctx.lang;
    let callback = match q.data.as_deref().map(Callback::parse) {
        Some(Ok(callback)) => callback,
        Some(Err(error)) => {
            tracing::info!(%error, "refused callback data");
            return answer(&bot, &q, Answer::Notice(render::stale(lang))).await;
        }
        None => return answer(&bot, &q, Answer::Notice(render::stale(lang))).await,
    };
    let settings = settings_of(&shop).await;
    let out = Out {
        bot: bot.clone(),
        chat: dialogue.chat_id(),
        edit: q.message.as_ref().map(|m| m.id()),
    };
    let Some(env) = env((shop, payments), ctx, dialogue, out, settings) else {
        return Ok(());
    };
    let result = route(&env, &state, callback, &q).await;
    match result {
        Ok(reply) => answer(&bot, &q, reply).await,
        Err(error) => {
            // Still stop the spinner; the dispatcher logs the error.
            let _ = bot.answer_callback_query(q.id.clone()).await;
            Err(error)
        }
    }
}

async fn route(env: &Env, state: &State, callback: Callback, q: &CallbackQuery) -> AnswerResult {
    match callback {
        Callback::Menu => start::menu(env).await.map(|()| Answer::Done),
        Callback::Help => start::help(env).await.map(|()| Answer::Done),
        Callback::MuteBroadcasts { muted } => settings::mute(env, muted).await,
        Callback::Search => shop::search_prompt(env).await,
        Callback::Referrals => wallet::referrals(env).await,
        Callback::Shop => shop::categories(env).await,
        Callback::Category { id, page } => shop::category(env, id, page).await,
        Callback::Product { id } => shop::product(env, id).await,
        Callback::Buy { id } => shop::buy(env, id).await,
        Callback::Quantity { units } => shop::quantity(env, state, units).await,
        Callback::SkipCoupon => shop::skip_coupon(env, state).await,
        Callback::PayBalance => shop::pay_balance(env, state).await,
        Callback::PayMethod { id } => shop::pay_method(env, state, id).await,
        Callback::Confirm { nonce } => shop::confirm(env, state, nonce, &q.id.0).await,
        Callback::CancelFlow => shop::cancel_flow(env, state).await,
        Callback::Wallet => wallet::wallet(env).await,
        Callback::Topup => wallet::topup(env).await,
        Callback::TopupMethod { id } => wallet::topup_method(env, id).await,
        Callback::TopupProvider { provider } => wallet::topup_provider(env, provider).await,
        Callback::PayProvider { provider } => shop::pay_provider(env, state, provider).await,
        Callback::History { before } => wallet::history(env, before).await,
        Callback::Orders { before } => orders::list(env, before).await,
        Callback::Order { id } => orders::details(env, id).await,
        Callback::CancelOrder { id } => orders::cancel(env, id).await,
        Callback::CancelOrderYes { id } => orders::cancel_yes(env, id, &q.id.0).await,
        Callback::Settings => settings::show(env).await,
        Callback::Language { lang } => settings::language(env, lang).await,
        Callback::Currencies => settings::currencies(env).await,
        Callback::SetCurrency { code } => settings::set_currency(env, code).await,
        Callback::Admin(admin) => admin::route(env, state, admin, q).await,
    }
}

/// What button handlers return.
pub type AnswerResult = Result<Answer, crate::BotError>;

/// Telegram's limit on the text of a callback answer, in characters.
pub const NOTICE_CHARS_MAX: usize = 200;

/// A notice cut to what Telegram accepts (a long store-state reason could exceed it).
pub fn notice_text(text: &str) -> String {
    if text.chars().count() <= NOTICE_CHARS_MAX {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(NOTICE_CHARS_MAX - 1).collect();
    cut.push('…');
    cut
}

async fn answer(bot: &Bot, q: &CallbackQuery, reply: Answer) -> HandlerResult {
    let request = bot.answer_callback_query(q.id.clone());
    let answered = match reply {
        Answer::Done => request.await,
        Answer::Notice(text) => request.text(notice_text(&text)).await,
    };
    match answered {
        Ok(_) => Ok(()),
        // A redelivered tap whose query was already answered (or is too old to answer):
        // the work is done, so this is not an error to apologise for.
        Err(error) if already_answered(&error) => {
            tracing::debug!(%error, "callback query already answered");
            Ok(())
        }
        Err(error) => Err(error.into()),
    }
}

/// Telegram's refusal to answer a callback query twice, or one too old.
pub fn already_answered(error: &RequestError) -> bool {
    match error {
        RequestError::Api(ApiError::InvalidQueryId) => true,
        RequestError::Api(ApiError::Unknown(text)) => {
            let text = text.to_ascii_lowercase();
            text.contains("query is too old") || text.contains("query id is invalid")
        }
        _ => false,
    }
}

/// Runs a shop call; on failure tells the shopper and returns `None`.
pub async fn call<T, F>(env: &Env, f: F) -> Result<Option<T>, crate::BotError>
where
    T: Send + 'static,
    F: FnOnce(&Shop) -> shopcore::Result<T> + Send + 'static,
{
    match core::run(&env.shop, f).await {
        Ok(value) => Ok(Some(value)),
        Err(failure) => {
            env.fail(&failure).await?;
            Ok(None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_and_notices() {
        assert_eq!(command_of("/start"), Some("start"));
        assert_eq!(command_of("  /start@shop_bot payload"), Some("start"));
        assert_eq!(command_of("start"), None);
        assert_eq!(command_of(""), None);
        let long = "ب".repeat(300);
        let cut = notice_text(&long);
        assert_eq!(cut.chars().count(), NOTICE_CHARS_MAX);
        assert!(cut.ends_with('…'));
        assert_eq!(notice_text("short"), "short");
    }

    #[test]
    fn an_already_answered_query_is_not_an_error() {
        assert!(already_answered(&RequestError::Api(
            ApiError::InvalidQueryId
        )));
        assert!(already_answered(&RequestError::Api(ApiError::Unknown(
            "Bad Request: query is too old and response timeout expired or query ID is invalid"
                .into()
        ))));
        assert!(!already_answered(&RequestError::Api(ApiError::BotBlocked)));
    }
}
