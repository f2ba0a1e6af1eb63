//! Settings: the language the bot speaks and the currency prices are shown in.

use super::{AnswerResult, Env, call};
use crate::handlers::Answer;
use crate::i18n::Lang;
use crate::render;
use shopcore::CurrencyCode;

pub async fn show(env: &Env) -> AnswerResult {
    env.out
        .show(render::settings(env.lang(), &env.ctx.currency_code()))
        .await?;
    Ok(Answer::Done)
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
    env.out
        .show(render::settings(lang, &env.ctx.currency_code()))
        .await?;
    Ok(Answer::Notice(lang.t("settings.language_changed")))
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
    env.out
        .show(render::settings(env.lang(), &env.ctx.currency_code()))
        .await?;
    Ok(Answer::Notice(env.lang().t("settings.currency_changed")))
}
