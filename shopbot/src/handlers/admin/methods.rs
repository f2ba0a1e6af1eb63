//! Payment methods for staff: the list (active, or all including deleted — the core audits
//! each view of this panel), a method's card, guided creation, edits, activation, and soft
//! delete behind a confirmation (refused by the core while pending items use the method;
//! the refusal says how many).

use super::{ask, call, can, not_permitted};
use crate::HandlerResult;
use crate::callback::MethodField;
use crate::core::{self, Failure};
use crate::handlers::{Answer, AnswerResult, Env};
use crate::render::staff as view;
use crate::render::{self, Screen};
use crate::staff_input;
use crate::state::{AdminInput, MethodDraft, MethodStep};
use shopcore::money::parse_amount;
use shopcore::payment_methods::AMOUNT_LIMIT_MAX;
use shopcore::{
    CurrencyCode, InvalidInput, MethodFilter, Money, NewPaymentMethod, PaymentMethod,
    PaymentMethodChange, PaymentMethodId, Permission,
};

async fn load(env: &Env, id: PaymentMethodId) -> Result<Option<PaymentMethod>, crate::BotError> {
    let found = call(env, move |shop| shop.payment_method(id)).await?;
    match found {
        Some(Some(method)) => Ok(Some(method)),
        Some(None) => {
            super::fail(
                env,
                &Failure::Core(shopcore::PaymentMethodError::NotFound { id }.into()),
            )
            .await?;
            Ok(None)
        }
        None => Ok(None),
    }
}

pub async fn list(env: &Env, all: bool) -> AnswerResult {
    let actor = env.actor.clone();
    let filter = if all {
        MethodFilter::IncludingDeleted
    } else {
        MethodFilter::ActiveOnly
    };
    let Some(methods) = call(env, move |shop| shop.payment_methods_panel(&actor, filter)).await?
    else {
        return Ok(Answer::Done);
    };
    env.out
        .show(view::methods(env.lang(), &methods, all))
        .await?;
    Ok(Answer::Done)
}

pub async fn show(env: &Env, id: PaymentMethodId) -> AnswerResult {
    if !can(env, Permission::ManagePaymentMethods) {
        return Ok(not_permitted(env));
    }
    if let Some(method) = load(env, id).await? {
        env.out
            .show(view::method(env.lang(), &env.zone(), &method))
            .await?;
    }
    Ok(Answer::Done)
}

pub async fn new(env: &Env) -> AnswerResult {
    if !can(env, Permission::ManagePaymentMethods) {
        return Ok(not_permitted(env));
    }
    ask(
        env,
        AdminInput::MethodDraft(MethodDraft::default()),
        view::method_prompt(env.lang(), MethodStep::Name, &[]),
    )
    .await?;
    Ok(Answer::Done)
}

async fn ask_next(env: &Env, draft: MethodDraft) -> HandlerResult {
    let step = draft.next_step();
    let currencies = if step == MethodStep::Currency {
        call(env, |shop| shop.currencies())
            .await?
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    ask(
        env,
        AdminInput::MethodDraft(draft),
        view::method_prompt(env.lang(), step, &currencies),
    )
    .await
}

fn amount_failure(source: shopcore::AmountError) -> Failure {
    Failure::Core(
        InvalidInput::Amount {
            what: "limit",
            source,
        }
        .into(),
    )
}

pub async fn draft_input(env: &Env, mut draft: MethodDraft, text: &str) -> HandlerResult {
    let decimals = match &draft.currency {
        Some(code) => {
            let code = code.as_str().to_owned();
            core::run(&env.shop, move |shop| shop.currency(&code))
                .await
                .map_or(2, |c| c.decimals)
        }
        None => 2,
    };
    let limit = Money::units(AMOUNT_LIMIT_MAX);
    match draft.next_step() {
        MethodStep::Name => draft.name = Some(text.trim().to_owned()),
        MethodStep::Currency => {}
        MethodStep::Min => match parse_amount(text, decimals, limit) {
            Ok(min) => draft.min = Some(min),
            Err(source) => return super::fail(env, &amount_failure(source)).await,
        },
        MethodStep::Max => match parse_amount(text, decimals, limit) {
            Ok(max) => draft.max = Some(max),
            Err(source) => return super::fail(env, &amount_failure(source)).await,
        },
        MethodStep::Instructions => {
            let (Some(name), Some(currency), Some(min), Some(max)) =
                (draft.name, draft.currency, draft.min, draft.max)
            else {
                env.reset().await?;
                return Ok(());
            };
            let new = NewPaymentMethod {
                name,
                instructions: text.to_owned(),
                currency: currency.as_str().to_owned(),
                min_amount: min,
                max_amount: max,
                active: true,
            };
            let actor = env.actor.clone();
            let created = core::run(&env.shop, move |shop| {
                shop.create_payment_method(&actor, &new)
            })
            .await;
            env.reset().await?;
            return match created {
                Ok(method) => {
                    env.out
                        .send(view::method(env.lang(), &env.zone(), &method))
                        .await?;
                    Ok(())
                }
                Err(failure) => super::fail(env, &failure).await,
            };
        }
    }
    ask_next(env, draft).await
}

pub async fn draft_currency(
    env: &Env,
    input: Option<&AdminInput>,
    code: CurrencyCode,
) -> AnswerResult {
    let Some(AdminInput::MethodDraft(draft)) = input else {
        return Ok(Answer::Notice(render::stale(env.lang())));
    };
    if draft.next_step() != MethodStep::Currency {
        return Ok(Answer::Notice(render::stale(env.lang())));
    }
    let mut draft = draft.clone();
    draft.currency = Some(code);
    ask_next(env, draft).await?;
    Ok(Answer::Done)
}

pub async fn edit(env: &Env, id: PaymentMethodId, field: MethodField) -> AnswerResult {
    if !can(env, Permission::ManagePaymentMethods) {
        return Ok(not_permitted(env));
    }
    let Some(method) = load(env, id).await? else {
        return Ok(Answer::Done);
    };
    let lang = env.lang();
    let mut text = lang.t(&format!("staff-method_ask-{}", field.name()));
    let current = match field {
        MethodField::Name => method.name.clone(),
        MethodField::Instructions => method.instructions.clone(),
        MethodField::Limits => format!("{} {}", method.min_amount, method.max_amount),
    };
    text.push('\n');
    text.push_str(&lang.tf("staff-current", &[("value", &current)]));
    ask(
        env,
        AdminInput::MethodField { id, field },
        view::prompt(lang, text),
    )
    .await?;
    Ok(Answer::Done)
}

pub async fn field_input(
    env: &Env,
    id: PaymentMethodId,
    field: MethodField,
    text: &str,
) -> HandlerResult {
    let change = match field {
        MethodField::Name => PaymentMethodChange::Name(text.trim().to_owned()),
        MethodField::Instructions => PaymentMethodChange::Instructions(text.to_owned()),
        MethodField::Limits => {
            let Some(method) = load(env, id).await? else {
                env.reset().await?;
                return Ok(());
            };
            let code = method.currency.as_str().to_owned();
            let decimals = core::run(&env.shop, move |shop| shop.currency(&code))
                .await
                .map_or(2, |c| c.decimals);
            match staff_input::limits(text, decimals, Money::units(AMOUNT_LIMIT_MAX)) {
                Ok((min, max)) => PaymentMethodChange::Limits { min, max },
                Err(source) => return super::fail(env, &amount_failure(source)).await,
            }
        }
    };
    let actor = env.actor.clone();
    let updated = core::run(&env.shop, move |shop| {
        shop.update_payment_method(&actor, id, change)
    })
    .await;
    match updated {
        Ok(method) => {
            env.reset().await?;
            env.out
                .send(Screen::text(env.lang().t("staff-saved")))
                .await?;
            env.out
                .send(view::method(env.lang(), &env.zone(), &method))
                .await?;
            Ok(())
        }
        Err(failure) => {
            if !matches!(&failure, Failure::Core(shopcore::Error::Invalid(_))) {
                env.reset().await?;
            }
            super::fail(env, &failure).await
        }
    }
}

pub async fn active(env: &Env, id: PaymentMethodId, active: bool) -> AnswerResult {
    let actor = env.actor.clone();
    let Some(method) = call(env, move |shop| {
        shop.update_payment_method(&actor, id, PaymentMethodChange::Active(active))
    })
    .await?
    else {
        return Ok(Answer::Done);
    };
    env.out
        .show(view::method(env.lang(), &env.zone(), &method))
        .await?;
    Ok(Answer::Notice(env.lang().t("staff-saved")))
}

pub async fn delete(env: &Env, id: PaymentMethodId) -> AnswerResult {
    if !can(env, Permission::ManagePaymentMethods) {
        return Ok(not_permitted(env));
    }
    if let Some(method) = load(env, id).await? {
        env.out
            .show(view::confirm_delete_method(env.lang(), &method))
            .await?;
    }
    Ok(Answer::Done)
}

pub async fn delete_yes(env: &Env, id: PaymentMethodId) -> AnswerResult {
    let actor = env.actor.clone();
    let Some(method) = call(env, move |shop| shop.delete_payment_method(&actor, id)).await? else {
        return Ok(Answer::Done);
    };
    env.out
        .show(view::done(
            env.lang(),
            env.lang()
                .tf("staff-method-deleted", &[("name", &method.name)]),
            crate::callback::Admin::Methods { all: false },
        ))
        .await?;
    Ok(Answer::Done)
}
