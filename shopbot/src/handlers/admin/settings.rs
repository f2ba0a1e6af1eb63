//! Shop settings for staff: fulfilment mode, the store state (maintenance; emergency behind a
//! confirmation, lifted by the same permission), currencies and their rates, and the support
//! contact shoppers see.

use super::{ask, call, can, not_permitted};
use crate::HandlerResult;
use crate::core::{self, Failure};
use crate::handlers::{Answer, AnswerResult, Env};
use crate::render::Screen;
use crate::render::staff as view;
use crate::staff_input;
use crate::state::AdminInput;
use shopcore::currency::parse_rate;
use shopcore::{CurrencyCode, FulfilmentMode, Permission, Settings, StoreState};

fn may_see(env: &Env) -> bool {
    can(env, Permission::ManageSettings) || can(env, Permission::EmergencyStop)
}

async fn show_settings(env: &Env, settings: &Settings) -> HandlerResult {
    env.out
        .show(view::settings(env.lang(), super::role(env), settings))
        .await?;
    Ok(())
}

pub async fn show(env: &Env) -> AnswerResult {
    if !may_see(env) {
        return Ok(not_permitted(env));
    }
    let settings = env.settings.clone();
    show_settings(env, &settings).await?;
    Ok(Answer::Done)
}

pub async fn fulfilment(env: &Env, mode: FulfilmentMode) -> AnswerResult {
    let actor = env.actor.clone();
    let Some(settings) = call(env, move |shop| shop.set_fulfilment_mode(&actor, mode)).await?
    else {
        return Ok(Answer::Done);
    };
    show_settings(env, &settings).await?;
    Ok(Answer::Notice(env.lang().t("staff-saved")))
}

async fn set_state(env: &Env, state: StoreState) -> AnswerResult {
    let actor = env.actor.clone();
    let Some(settings) = call(env, move |shop| shop.set_store_state(&actor, state, None)).await?
    else {
        return Ok(Answer::Done);
    };
    show_settings(env, &settings).await?;
    Ok(Answer::Notice(env.lang().t("staff-saved")))
}

/// Entering an emergency asks first; other states switch at once.
pub async fn store_state(env: &Env, state: StoreState) -> AnswerResult {
    if state == StoreState::Emergency {
        if !can(env, Permission::EmergencyStop) {
            return Ok(not_permitted(env));
        }
        env.out.show(view::confirm_emergency(env.lang())).await?;
        return Ok(Answer::Done);
    }
    set_state(env, state).await
}

pub async fn emergency_yes(env: &Env) -> AnswerResult {
    set_state(env, StoreState::Emergency).await
}

pub async fn currencies(env: &Env) -> AnswerResult {
    if !can(env, Permission::ManageSettings) {
        return Ok(not_permitted(env));
    }
    let Some(list) = call(env, |shop| shop.currencies()).await? else {
        return Ok(Answer::Done);
    };
    env.out.show(view::currencies(env.lang(), &list)).await?;
    Ok(Answer::Done)
}

async fn show_currencies_again(env: &Env) -> HandlerResult {
    if let Some(list) = call(env, |shop| shop.currencies()).await? {
        env.out.send(view::currencies(env.lang(), &list)).await?;
    }
    Ok(())
}

pub async fn rate(env: &Env, code: CurrencyCode) -> AnswerResult {
    if !can(env, Permission::ManageSettings) {
        return Ok(not_permitted(env));
    }
    let text = env
        .lang()
        .tf("staff-currencies-rate_prompt", &[("code", code.as_str())]);
    ask(
        env,
        AdminInput::CurrencyRate { code },
        view::prompt(env.lang(), text),
    )
    .await?;
    Ok(Answer::Done)
}

/// Ends a typed settings change: a validation error keeps the question open.
async fn after<T>(env: &Env, result: Result<T, Failure>) -> Result<bool, crate::BotError> {
    match result {
        Ok(_) => {
            env.reset().await?;
            env.out
                .send(Screen::text(env.lang().t("staff-saved")))
                .await?;
            Ok(true)
        }
        Err(failure) => {
            if !matches!(&failure, Failure::Core(shopcore::Error::Invalid(_))) {
                env.reset().await?;
            }
            super::fail(env, &failure).await?;
            Ok(false)
        }
    }
}

pub async fn rate_input(env: &Env, code: CurrencyCode, text: &str) -> HandlerResult {
    let actor = env.actor.clone();
    let text = text.to_owned();
    let result = core::run(&env.shop, move |shop| {
        let rate = parse_rate(&text)?;
        shop.set_exchange_rate(&actor, code.as_str(), rate)
    })
    .await;
    if after(env, result).await? {
        show_currencies_again(env).await?;
    }
    Ok(())
}

pub async fn currency_enabled(env: &Env, code: CurrencyCode, enabled: bool) -> AnswerResult {
    let actor = env.actor.clone();
    let Some(list) = call(env, move |shop| {
        shop.set_currency_enabled(&actor, code.as_str(), enabled)?;
        shop.currencies()
    })
    .await?
    else {
        return Ok(Answer::Done);
    };
    env.out.show(view::currencies(env.lang(), &list)).await?;
    Ok(Answer::Notice(env.lang().t("staff-saved")))
}

pub async fn currency_add(env: &Env) -> AnswerResult {
    if !can(env, Permission::ManageSettings) {
        return Ok(not_permitted(env));
    }
    ask(
        env,
        AdminInput::CurrencyAdd,
        view::prompt(env.lang(), env.lang().t("staff-currencies-add_prompt")),
    )
    .await?;
    Ok(Answer::Done)
}

pub async fn currency_add_input(env: &Env, text: &str) -> HandlerResult {
    let Some((code, symbol, decimals, rate)) = staff_input::new_currency(text) else {
        env.out
            .send(Screen::text(env.lang().t("staff-currencies-add_prompt")))
            .await?;
        return Ok(());
    };
    let actor = env.actor.clone();
    let result = core::run(&env.shop, move |shop| {
        shop.add_currency(&actor, &code, &symbol, decimals, rate)
    })
    .await;
    if after(env, result).await? {
        show_currencies_again(env).await?;
    }
    Ok(())
}

pub async fn support(env: &Env) -> AnswerResult {
    if !can(env, Permission::ManageSettings) {
        return Ok(not_permitted(env));
    }
    let current = env.settings.support_contact.clone();
    ask(
        env,
        AdminInput::SupportContact,
        view::support_prompt(env.lang(), current.as_deref()),
    )
    .await?;
    Ok(Answer::Done)
}

/// Ends a typed change of the settings: "saved" and the settings screen anew, or the
/// refusal (the question stays open for a validation error).
async fn saved_then_settings(env: &Env, result: Result<Settings, Failure>) -> HandlerResult {
    let Ok(settings) = &result else {
        return after(env, result).await.map(|_| ());
    };
    let settings = settings.clone();
    if after(env, result).await? {
        let mut env = env.clone();
        env.out.edit = None;
        show_settings(&env, &settings).await?;
    }
    Ok(())
}

pub async fn support_input(env: &Env, text: &str) -> HandlerResult {
    let actor = env.actor.clone();
    let contact = text.trim().to_owned();
    let result = core::run(&env.shop, move |shop| {
        shop.set_support_contact(&actor, Some(&contact))
    })
    .await;
    saved_then_settings(env, result).await
}

pub async fn time_zone(env: &Env) -> AnswerResult {
    if !can(env, Permission::ManageSettings) {
        return Ok(not_permitted(env));
    }
    let current = env.settings.time_zone.name().to_owned();
    ask(
        env,
        AdminInput::TimeZone,
        view::time_zone_prompt(env.lang(), &current),
    )
    .await?;
    Ok(Answer::Done)
}

pub async fn time_zone_input(env: &Env, text: &str) -> HandlerResult {
    // Not a zone: say what is asked and keep the question open (the core checks again).
    if shopcore::Zone::named(text).is_err() {
        env.out
            .send(Screen::text(
                env.lang().t("staff-settings-time_zone_unknown"),
            ))
            .await?;
        return Ok(());
    }
    let actor = env.actor.clone();
    let name = text.trim().to_owned();
    let result = core::run(&env.shop, move |shop| shop.set_time_zone(&actor, &name)).await;
    saved_then_settings(env, result).await
}

pub async fn support_clear(env: &Env) -> AnswerResult {
    let actor = env.actor.clone();
    let Some(settings) = call(env, move |shop| shop.set_support_contact(&actor, None)).await?
    else {
        return Ok(Answer::Done);
    };
    env.reset().await?;
    show_settings(env, &settings).await?;
    Ok(Answer::Notice(env.lang().t("staff-saved")))
}
