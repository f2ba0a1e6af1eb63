//! Who is talking to the bot: every update is resolved to a shop user (registered on first
//! contact), their language, and whether they may act (banned users and, before they could
//! register, everyone during an emergency may not).

use crate::core::{self, Failure};
use crate::i18n::Lang;
use shopcore::{Actor, LanguageCode, Registration, Shop, User, UserId, Username};
use std::sync::Arc;
use teloxide::types::User as TgUser;

/// The shopper behind an update.
#[derive(Clone, Debug)]
pub struct Ctx {
    pub user_id: UserId,
    /// The shop's record of them (absent only when registration was refused).
    pub user: Option<User>,
    pub lang: Lang,
    /// The actor to call the shop as; `None` when they may not act (see `blocked`).
    pub actor: Option<Actor>,
    /// Why they may not act, when `actor` is `None`.
    pub blocked: Option<Arc<Failure>>,
}

impl Ctx {
    /// The currency the shopper sees prices in.
    pub fn currency_code(&self) -> String {
        self.user
            .as_ref()
            .and_then(|u| u.preferred_currency.as_ref())
            .map_or_else(|| "USD".to_owned(), |c| c.as_str().to_owned())
    }

    /// The name to greet them by.
    pub fn name(&self) -> String {
        self.user
            .as_ref()
            .map_or_else(|| self.user_id.to_string(), |u| u.display_name.clone())
    }
}

/// The display name the shop stores: Telegram's first and last name with the characters the
/// shop refuses (controls, direction overrides) removed, cut to the shop's limit; the
/// numeric id when nothing is left.
pub fn display_name(tg: &TgUser) -> String {
    let full = match &tg.last_name {
        Some(last) => format!("{} {last}", tg.first_name),
        None => tg.first_name.clone(),
    };
    let cleaned = shopcore::text::DISPLAY_NAME.sanitize(&full);
    if cleaned.is_empty() {
        tg.id.0.to_string()
    } else {
        cleaned
    }
}

/// The shop's language for a user: their choice in the bot, else Telegram's.
pub fn language_of(user: Option<&User>, tg: &TgUser) -> Lang {
    if let Some(chosen) = user.and_then(|u| u.preferred_language.as_ref()) {
        return Lang::from_code(chosen.as_str());
    }
    if let Some(code) = &tg.language_code {
        return Lang::from_code(code);
    }
    user.and_then(|u| u.language.as_ref())
        .map_or(Lang::EN, |l| Lang::from_code(l.as_str()))
}

/// Registers (or refreshes) the Telegram user with the shop.
pub async fn register(shop: &Arc<Shop>, tg: &TgUser) -> Result<User, Failure> {
    let id = UserId::new(tg.id.0).map_err(shopcore::Error::from)?;
    let username = tg.username.clone().filter(|u| Username::parse(u).is_ok());
    let language = tg
        .language_code
        .clone()
        .filter(|l| LanguageCode::parse(l).is_ok());
    let display = display_name(tg);
    core::run(shop, move |shop| {
        shop.register_user(&Registration {
            id,
            username: username.as_deref(),
            display_name: &display,
            language: language.as_deref(),
        })
    })
    .await
}

/// Resolves the shopper behind an update; `refresh` re-registers them even when known
/// (`/start`). Returns `None` only for ids the shop can't represent.
pub async fn load(shop: &Arc<Shop>, tg: &TgUser, refresh: bool) -> Option<Ctx> {
    let user_id = UserId::new(tg.id.0).ok()?;
    let known = core::run(shop, move |shop| shop.user(user_id)).await;
    let mut blocked = None;
    let user = match known {
        Ok(Some(user)) if !refresh => Some(user),
        Ok(known) => match register(shop, tg).await {
            Ok(user) => Some(user),
            // A known shopper whose profile refresh was refused (an emergency) still reads.
            Err(failure) if known.is_some() => {
                tracing::warn!(kind = failure.kind(), "profile refresh refused");
                known
            }
            Err(failure) => {
                blocked = Some(Arc::new(failure));
                None
            }
        },
        Err(failure) => {
            blocked = Some(Arc::new(failure));
            None
        }
    };
    let lang = language_of(user.as_ref(), tg);
    let actor = match (&blocked, &user) {
        (None, Some(_)) => match core::run(shop, move |shop| shop.actor(user_id)).await {
            Ok(actor) => Some(actor),
            Err(failure) => {
                blocked = Some(Arc::new(failure));
                None
            }
        },
        _ => None,
    };
    Some(Ctx {
        user_id,
        user,
        lang,
        actor,
        blocked,
    })
}
