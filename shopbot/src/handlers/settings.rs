//! Settings: the language the bot speaks, the currency prices are shown in, and whether the
//! shop's broadcasts reach the shopper.

use super::{AnswerResult, Env, call};
use crate::handlers::Answer;
use crate::i18n::Lang;
use crate::render;
use shopcore::CurrencyCode;

/// The settings screen in `lang`, with whether the shopper muted broadcasts.
async fn screen(env: &Env, lang: Lang) -> Result<Option<render::Screen>, crate::BotError> {
    let user = env.ctx.user_id;
    let currency = env.ctx.currency_code();
    Ok(call(env, move |shop| shop.broadcasts_muted(user))
        .await?
        .map(|muted| render::settings(lang, &currency, muted)))
}

pub async fn show(env: &Env) -> AnswerResult {
    if let Some(screen) = screen(env, env.lang()).await? {
        env.out.show(screen).await?;
    }
    Ok(Answer::Done)
}

/// Mutes or unmutes the shop's broadcasts (from the settings, or the button under a
/// broadcast); the settings screen shows the result.
pub async fn mute(env: &Env, muted: bool) -> AnswerResult {
    let actor = env.actor.clone();
    if call(env, move |shop| shop.set_broadcasts_muted(&actor, muted))
        .await?
        .is_none()
    {
        return Ok(Answer::Done);
    }
    if let Some(screen) = screen(env, env.lang()).await? {
        env.out.show(screen).await?;
    }
    Ok(Answer::Notice(env.lang().t(if muted {
        "settings-muted_notice"
    } else {
        "settings-unmuted_notice"
    })))
}

/// Switches the language; the settings screen is redrawn in it.
pub async fn language(env: &Env, lang: Lang) -> AnswerResult {
    let actor = env.actor.clone();
    let Some(user) = call(env, move |shop| {
        shop.set_preferred_language(&actor, lang.code())
    })
    .await?
    else {
        return Ok(Answer::Done);
    };
    let mut env = env.clone();
    env.ctx.lang = lang;
    env.ctx.user = Some(user);
    if let Some(screen) = screen(&env, lang).await? {
        env.out.show(screen).await?;
    }
    Ok(Answer::Notice(lang.t("settings-language_changed")))
}

pub async fn currencies(env: &Env) -> AnswerResult {
    let Some(list) = call(env, |shop| shop.currencies()).await? else {
        return Ok(Answer::Done);
    };
    env.out
        .show(render::currencies(
            env.lang(),
            &list,
            &env.ctx.currency_code(),
        ))
        .await?;
    Ok(Answer::Done)
}

pub async fn set_currency(env: &Env, code: CurrencyCode) -> AnswerResult {
    let actor = env.actor.clone();
    let Some(user) = call(env, move |shop| {
        shop.set_preferred_currency(&actor, code.as_str())
    })
    .await?
    else {
        return Ok(Answer::Done);
    };
    let mut env = env.clone();
    env.ctx.user = Some(user);
    if let Some(screen) = screen(&env, env.lang()).await? {
        env.out.show(screen).await?;
    }
    Ok(Answer::Notice(env.lang().t("settings-currency_changed")))
}
