//! Users for staff: find by id or @username, a user's card (balance, recent orders, role,
//! ban state), ban/unban with a reason, balance adjustments with a reason, role changes.
//! The buttons follow the viewer's role; the core applies the rank rules (outrank the
//! person, not yourself, not the last super admin) and audits refusals.

use super::{ask, call, can, message_key, not_permitted};
use crate::HandlerResult;
use crate::core::{self, Failure};
use crate::handlers::{Answer, AnswerResult, Env};
use crate::render::Screen;
use crate::render::staff as view;
use crate::staff_input;
use crate::state::AdminInput;
use shopcore::wallet::ADJUSTMENT_MAX_USD;
use shopcore::{InvalidInput, Money, Permission, RequestKey, Role, UserId};
use teloxide::types::Message;

pub async fn find(env: &Env) -> AnswerResult {
    if !can(env, Permission::ViewUsers) {
        return Ok(not_permitted(env));
    }
    ask(
        env,
        AdminInput::UserQuery,
        view::prompt(env.lang(), env.lang().t("staff-user-query_prompt")),
    )
    .await?;
    Ok(Answer::Done)
}

/// Shows a user's card for `query` (an id or `@username`), as a new message or in place.
async fn card(env: &Env, query: String, new_message: bool) -> HandlerResult {
    let actor = env.actor.clone();
    let role = super::role(env);
    let Some((user, wallet, orders)) = call(env, move |shop| {
        let user = shop.find_user(&actor, &query)?;
        let wallet = shop.wallet(user.id)?;
        let orders = if shopcore::roles::has_permission(role, Permission::ManageOrders) {
            shop.orders_of(&actor, user.id, None, view::USER_ORDERS_SHOWN)?
                .orders
        } else {
            Vec::new()
        };
        Ok((user, wallet, orders))
    })
    .await?
    else {
        return Ok(());
    };
    let screen = view::user(env.lang(), &env.zone(), role, &user, &wallet, &orders);
    if new_message {
        env.out.send(screen).await?;
    } else {
        env.out.show(screen).await?;
    }
    Ok(())
}

pub async fn query_input(env: &Env, text: &str) -> HandlerResult {
    let query = text.trim().to_owned();
    let actor = env.actor.clone();
    let probe = query.clone();
    // Not found keeps the question open; anything else ends it.
    match core::run(&env.shop, move |shop| shop.find_user(&actor, &probe)).await {
        Ok(_) => {
            env.reset().await?;
            card(env, query, true).await
        }
        Err(failure) => {
            let kind = failure.kind();
            if !(kind == "user.not_found" || kind.starts_with("invalid.")) {
                env.reset().await?;
            }
            super::fail(env, &failure).await
        }
    }
}

pub async fn show(env: &Env, id: UserId) -> AnswerResult {
    card(env, id.to_string(), false).await?;
    Ok(Answer::Done)
}

/// A user's orders, for the orders search.
pub async fn orders_of_query(env: &Env, query: &str) -> HandlerResult {
    let actor = env.actor.clone();
    let query = query.to_owned();
    let Some(orders) = call(env, move |shop| {
        let user = shop.find_user(&actor, &query)?;
        Ok(shop
            .orders_of(&actor, user.id, None, view::LIST_PAGE)?
            .orders)
    })
    .await?
    else {
        return Ok(());
    };
    env.out
        .send(view::orders(env.lang(), "staff-orders-user_title", &orders))
        .await?;
    Ok(())
}

pub async fn orders(env: &Env, id: UserId) -> AnswerResult {
    let actor = env.actor.clone();
    let Some(page) = call(env, move |shop| {
        shop.orders_of(&actor, id, None, view::LIST_PAGE)
    })
    .await?
    else {
        return Ok(Answer::Done);
    };
    env.out
        .show(view::orders(
            env.lang(),
            "staff-orders-user_title",
            &page.orders,
        ))
        .await?;
    Ok(Answer::Done)
}

pub async fn ban(env: &Env, id: UserId) -> AnswerResult {
    if !can(env, Permission::ManageUsers) {
        return Ok(not_permitted(env));
    }
    ask(
        env,
        AdminInput::BanReason { user: id },
        view::prompt(
            env.lang(),
            env.lang()
                .tf("staff-user-ban_prompt", &[("user", &id.to_string())]),
        ),
    )
    .await?;
    Ok(Answer::Done)
}

/// Ends a typed change: a validation error keeps the question open.
async fn after(env: &Env, result: Result<UserId, Failure>) -> HandlerResult {
    match result {
        Ok(user) => {
            env.reset().await?;
            env.out
                .send(Screen::text(env.lang().t("staff-saved")))
                .await?;
            card(env, user.to_string(), true).await
        }
        Err(failure) => {
            if !matches!(&failure, Failure::Core(shopcore::Error::Invalid(_))) {
                env.reset().await?;
            }
            super::fail(env, &failure).await
        }
    }
}

pub async fn ban_input(env: &Env, user: UserId, reason: &str) -> HandlerResult {
    let actor = env.actor.clone();
    let reason = reason.to_owned();
    let banned = core::run(&env.shop, move |shop| {
        shop.ban_user(&actor, user, &reason).map(|u| u.id)
    })
    .await;
    after(env, banned).await
}

pub async fn unban(env: &Env, id: UserId) -> AnswerResult {
    let actor = env.actor.clone();
    if call(env, move |shop| shop.unban_user(&actor, id))
        .await?
        .is_none()
    {
        return Ok(Answer::Done);
    }
    card(env, id.to_string(), false).await?;
    Ok(Answer::Notice(env.lang().t("staff-saved")))
}

pub async fn adjust(env: &Env, id: UserId) -> AnswerResult {
    if !can(env, Permission::ManageUsers) {
        return Ok(not_permitted(env));
    }
    ask(
        env,
        AdminInput::AdjustAmount { user: id },
        view::prompt(
            env.lang(),
            env.lang()
                .tf("staff-user-adjust_prompt", &[("user", &id.to_string())]),
        ),
    )
    .await?;
    Ok(Answer::Done)
}

pub async fn amount_input(env: &Env, user: UserId, text: &str) -> HandlerResult {
    match staff_input::signed_amount(text, Money::units(ADJUSTMENT_MAX_USD)) {
        Ok(amount) => {
            ask(
                env,
                AdminInput::AdjustReason { user, amount },
                view::prompt(
                    env.lang(),
                    env.lang().tf(
                        "staff-user-adjust_reason",
                        &[("amount", &crate::render::usd(amount))],
                    ),
                ),
            )
            .await
        }
        Err(source) => {
            super::fail(
                env,
                &Failure::Core(
                    InvalidInput::Amount {
                        what: "adjustment",
                        source,
                    }
                    .into(),
                ),
            )
            .await
        }
    }
}

pub async fn reason_input(
    env: &Env,
    user: UserId,
    amount: Money,
    reason: &str,
    msg: &Message,
) -> HandlerResult {
    let actor = env.actor.clone();
    let reason = reason.to_owned();
    // One adjustment per reason message: a redelivered message replays the first result.
    let key = message_key("adjust", msg);
    let adjusted = core::run(&env.shop, move |shop| {
        shop.adjust_balance(&actor, user, amount, &reason, &RequestKey::new(&key)?)
            .map(|_| user)
    })
    .await;
    after(env, adjusted).await
}

pub async fn roles(env: &Env, id: UserId) -> AnswerResult {
    if !can(env, Permission::ManageRoles) {
        return Ok(not_permitted(env));
    }
    let actor = env.actor.clone();
    let Some(user) = call(env, move |shop| shop.find_user(&actor, &id.to_string())).await? else {
        return Ok(Answer::Done);
    };
    env.out
        .show(view::roles(env.lang(), super::role(env), &user))
        .await?;
    Ok(Answer::Done)
}

pub async fn set_role(env: &Env, id: UserId, role: Role) -> AnswerResult {
    let actor = env.actor.clone();
    if call(env, move |shop| shop.set_role(&actor, id, role))
        .await?
        .is_none()
    {
        return Ok(Answer::Done);
    }
    card(env, id.to_string(), false).await?;
    Ok(Answer::Notice(env.lang().t("staff-saved")))
}
