//! The two work queues: top-ups waiting for review (with the proof photo or file) and orders
//! waiting for a person (complete with the delivery, fail with a reason — the core refunds —
//! or confirm an outside payment), plus a search by order id or user.
//!
//! Every decision carries a request key made from the tap that started it, so a double tap
//! or a redelivered update makes one effect; when two staff race, the core lets one win and
//! the other is told what already happened (`wallet.already_decided`,
//! `order.bad_transition`).

use super::{ask, call, can, not_permitted, tap_key};
use crate::HandlerResult;
use crate::core::{self, Failure};
use crate::handlers::{Answer, AnswerResult, Env};
use crate::render::Screen;
use crate::render::staff as view;
use crate::staff_input::{self, OrderQuery};
use crate::state::AdminInput;
use shopcore::{
    OrderId, OrderStatus, Payment, Permission, Proof, ProofUse, RequestKey, TopupId, WalletError,
};
use teloxide::prelude::*;
use teloxide::types::{CallbackQuery, FileId, InputFile};

pub async fn topups(env: &Env) -> AnswerResult {
    let actor = env.actor.clone();
    let Some(list) = call(env, move |shop| {
        shop.pending_topups(&actor, None, view::LIST_PAGE)
    })
    .await?
    else {
        return Ok(Answer::Done);
    };
    env.out
        .show(view::topups(env.lang(), &env.zone(), &list))
        .await?;
    Ok(Answer::Done)
}

pub async fn topup(env: &Env, id: TopupId) -> AnswerResult {
    if !can(env, Permission::ReviewTopups) {
        return Ok(not_permitted(env));
    }
    let actor = env.actor.clone();
    let Some((topup, user, method, reused)) = call(env, move |shop| {
        let topup = shop.topup(&actor, id)?;
        let user = shop.user(topup.user)?;
        let method = shop.payment_method(topup.method)?;
        let reused = shop.proof_reused(&actor, ProofUse::Topup(id))?;
        Ok((topup, user, method, reused))
    })
    .await?
    else {
        return Ok(Answer::Done);
    };
    // The proof goes first, as its own message; the review screen follows it. Telegram
    // refuses a document's file id in sendPhoto ("type of file mismatch") and the other way
    // round, so each kind goes back the way it came.
    if let Some(reference) = topup.proof.file_reference() {
        let file = InputFile::file_id(FileId(reference.to_owned()));
        let caption = view::proof_caption(env.lang(), &topup);
        let sent = match &topup.proof {
            Proof::Photo { .. } => env
                .out
                .bot
                .send_photo(env.out.chat, file)
                .caption(caption)
                .await
                .map(|_| ()),
            _ => env
                .out
                .bot
                .send_document(env.out.chat, file)
                .caption(caption)
                .await
                .map(|_| ()),
        };
        if let Err(error) = sent {
            tracing::warn!(%error, topup = %topup.id, "could not show the proof photo");
        }
        env.out
            .send(view::topup(
                env.lang(),
                &env.zone(),
                &topup,
                user.as_ref(),
                method.as_ref(),
                reused,
            ))
            .await?;
    } else {
        env.out
            .show(view::topup(
                env.lang(),
                &env.zone(),
                &topup,
                user.as_ref(),
                method.as_ref(),
                reused,
            ))
            .await?;
    }
    Ok(Answer::Done)
}

/// The earlier request named by a refusal to approve or confirm on a reused proof.
fn reused_proof(failure: &Failure) -> Option<ProofUse> {
    match failure {
        Failure::Core(shopcore::Error::Wallet(WalletError::ProofReused { earlier })) => {
            Some(*earlier)
        }
        _ => None,
    }
}

pub async fn approve(env: &Env, id: TopupId, q: &CallbackQuery) -> AnswerResult {
    let actor = env.actor.clone();
    let key = tap_key("approve", q);
    let approved = core::run(&env.shop, move |shop| {
        shop.approve_topup(&actor, id, &RequestKey::new(&key)?)
    })
    .await;
    match approved {
        Ok(topup) => {
            env.out
                .show(view::topup_decided(env.lang(), &topup))
                .await?;
        }
        // The proof repeats an earlier request's: nothing was credited; the reviewer sees
        // the warning and decides with a second, explicit button.
        Err(failure) => match reused_proof(&failure) {
            Some(earlier) => {
                env.out
                    .show(view::topup_reused(env.lang(), id, earlier))
                    .await?;
            }
            None => super::fail(env, &failure).await?,
        },
    }
    Ok(Answer::Done)
}

/// "Approve anyway" on the reused-proof warning.
pub async fn approve_reused(env: &Env, id: TopupId, q: &CallbackQuery) -> AnswerResult {
    let actor = env.actor.clone();
    let key = tap_key("approve_reused", q);
    let Some(topup) = call(env, move |shop| {
        shop.approve_topup_despite_reused_proof(&actor, id, &RequestKey::new(&key)?)
    })
    .await?
    else {
        return Ok(Answer::Done);
    };
    env.out
        .show(view::topup_decided(env.lang(), &topup))
        .await?;
    Ok(Answer::Done)
}

pub async fn reject(env: &Env, id: TopupId, q: &CallbackQuery) -> AnswerResult {
    if !can(env, Permission::ReviewTopups) {
        return Ok(not_permitted(env));
    }
    ask(
        env,
        AdminInput::RejectReason {
            id,
            key: tap_key("reject", q),
        },
        view::prompt(
            env.lang(),
            env.lang().tf(
                "staff-topup-reject_prompt",
                &[("id", &crate::render::staff::plain(id))],
            ),
        ),
    )
    .await?;
    Ok(Answer::Done)
}

pub async fn reject_input(env: &Env, id: TopupId, key: String, reason: &str) -> HandlerResult {
    let actor = env.actor.clone();
    let reason = reason.to_owned();
    let rejected = core::run(&env.shop, move |shop| {
        shop.reject_topup(&actor, id, &reason, &RequestKey::new(&key)?)
    })
    .await;
    finish(env, rejected, |env, topup| {
        view::topup_decided(env.lang(), &topup)
    })
    .await
}

/// Ends a decision typed as text: on success or a final refusal the conversation is over;
/// a validation error (an empty reason) keeps the question open.
async fn finish<T>(
    env: &Env,
    result: Result<T, Failure>,
    screen: impl FnOnce(&Env, T) -> Screen,
) -> HandlerResult {
    match result {
        Ok(value) => {
            env.reset().await?;
            env.out.send(screen(env, value)).await?;
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

// ----- orders ------------------------------------------------------------------------------

pub async fn manual_orders(env: &Env) -> AnswerResult {
    let actor = env.actor.clone();
    let Some(list) = call(env, move |shop| shop.manual_queue(&actor, view::LIST_PAGE)).await?
    else {
        return Ok(Answer::Done);
    };
    env.out
        .show(view::orders(env.lang(), "staff-orders-manual_title", &list))
        .await?;
    Ok(Answer::Done)
}

pub async fn awaiting_orders(env: &Env) -> AnswerResult {
    let actor = env.actor.clone();
    let Some(page) = call(env, move |shop| {
        shop.orders_with_status(&actor, OrderStatus::AwaitingPayment, None, view::LIST_PAGE)
    })
    .await?
    else {
        return Ok(Answer::Done);
    };
    env.out
        .show(view::orders(
            env.lang(),
            "staff-orders-awaiting_title",
            &page.orders,
        ))
        .await?;
    Ok(Answer::Done)
}

pub async fn order(env: &Env, id: OrderId) -> AnswerResult {
    if !can(env, Permission::ManageOrders) {
        return Ok(not_permitted(env));
    }
    show_order(env, id, false).await?;
    Ok(Answer::Done)
}

async fn show_order(env: &Env, id: OrderId, new_message: bool) -> HandlerResult {
    let actor = env.actor.clone();
    let Some((order, buyer, reused)) = call(env, move |shop| {
        let order = shop.order(&actor, id)?;
        let buyer = shop.user(order.user)?;
        // Only an order paid by a method carries a proof.
        let reused = if matches!(order.payment, Payment::Method { .. }) {
            shop.proof_reused(&actor, ProofUse::Order(id))?
        } else {
            None
        };
        Ok((order, buyer, reused))
    })
    .await?
    else {
        return Ok(());
    };
    let screen = view::order(
        env.lang(),
        &env.zone(),
        &order,
        buyer.as_ref(),
        env.ctx.user_id,
        reused,
    );
    if new_message {
        env.out.send(screen).await?;
    } else {
        env.out.show(screen).await?;
    }
    Ok(())
}

/// Whether `id` is the viewer's own order: staff don't decide on their own orders (the
/// core refuses it too); an old button gets a notice instead of a prompt.
async fn own_order(env: &Env, id: OrderId) -> bool {
    let actor = env.actor.clone();
    let me = env.ctx.user_id;
    core::run(&env.shop, move |shop| shop.order(&actor, id))
        .await
        .is_ok_and(|order| order.user == me)
}

fn own_order_notice(env: &Env) -> Answer {
    Answer::Notice(env.lang().t("staff-order-own"))
}

pub async fn complete(env: &Env, id: OrderId, q: &CallbackQuery) -> AnswerResult {
    if !can(env, Permission::ManageOrders) {
        return Ok(not_permitted(env));
    }
    if own_order(env, id).await {
        return Ok(own_order_notice(env));
    }
    ask(
        env,
        AdminInput::Delivery {
            id,
            key: tap_key("complete", q),
        },
        view::prompt(
            env.lang(),
            env.lang().tf(
                "staff-order-delivery_prompt",
                &[("id", &crate::render::staff::plain(id))],
            ),
        ),
    )
    .await?;
    Ok(Answer::Done)
}

pub async fn delivery_input(env: &Env, id: OrderId, key: String, text: &str) -> HandlerResult {
    let actor = env.actor.clone();
    let delivery = text.to_owned();
    let completed = core::run(&env.shop, move |shop| {
        shop.complete_order(&actor, id, Some(&delivery), &RequestKey::new(&key)?)
    })
    .await;
    finish(env, completed, |env, order| {
        view::order_done(env.lang(), &order)
    })
    .await
}

pub async fn complete_with_code(env: &Env, id: OrderId, q: &CallbackQuery) -> AnswerResult {
    if own_order(env, id).await {
        return Ok(own_order_notice(env));
    }
    let actor = env.actor.clone();
    let key = tap_key("complete", q);
    let Some(order) = call(env, move |shop| {
        shop.complete_order(&actor, id, None, &RequestKey::new(&key)?)
    })
    .await?
    else {
        return Ok(Answer::Done);
    };
    env.out.show(view::order_done(env.lang(), &order)).await?;
    Ok(Answer::Done)
}

pub async fn fail_order(env: &Env, id: OrderId, q: &CallbackQuery) -> AnswerResult {
    if !can(env, Permission::ManageOrders) {
        return Ok(not_permitted(env));
    }
    if own_order(env, id).await {
        return Ok(own_order_notice(env));
    }
    ask(
        env,
        AdminInput::FailReason {
            id,
            key: tap_key("fail", q),
        },
        view::prompt(
            env.lang(),
            env.lang().tf(
                "staff-order-fail_prompt",
                &[("id", &crate::render::staff::plain(id))],
            ),
        ),
    )
    .await?;
    Ok(Answer::Done)
}

pub async fn fail_input(env: &Env, id: OrderId, key: String, reason: &str) -> HandlerResult {
    let actor = env.actor.clone();
    let reason = reason.to_owned();
    let failed = core::run(&env.shop, move |shop| {
        shop.fail_order(&actor, id, &reason, &RequestKey::new(&key)?)
    })
    .await;
    finish(env, failed, |env, order| {
        view::order_done(env.lang(), &order)
    })
    .await
}

pub async fn confirm_payment(env: &Env, id: OrderId, q: &CallbackQuery) -> AnswerResult {
    if own_order(env, id).await {
        return Ok(own_order_notice(env));
    }
    let actor = env.actor.clone();
    let key = tap_key("confirm", q);
    let confirmed = core::run(&env.shop, move |shop| {
        shop.confirm_payment(&actor, id, &RequestKey::new(&key)?)
    })
    .await;
    match confirmed {
        Ok(order) => env.out.show(view::order_done(env.lang(), &order)).await?,
        Err(failure) => match reused_proof(&failure) {
            Some(earlier) => {
                env.out
                    .show(view::order_reused(env.lang(), id, earlier))
                    .await?;
            }
            None => super::fail(env, &failure).await?,
        },
    }
    Ok(Answer::Done)
}

/// "Confirm anyway" on the reused-proof warning.
pub async fn confirm_reused(env: &Env, id: OrderId, q: &CallbackQuery) -> AnswerResult {
    if own_order(env, id).await {
        return Ok(own_order_notice(env));
    }
    let actor = env.actor.clone();
    let key = tap_key("confirm_reused", q);
    let Some(order) = call(env, move |shop| {
        shop.confirm_payment_despite_reused_proof(&actor, id, &RequestKey::new(&key)?)
    })
    .await?
    else {
        return Ok(Answer::Done);
    };
    env.out.show(view::order_done(env.lang(), &order)).await?;
    Ok(Answer::Done)
}

pub async fn search(env: &Env) -> AnswerResult {
    if !can(env, Permission::ManageOrders) {
        return Ok(not_permitted(env));
    }
    ask(
        env,
        AdminInput::OrderSearch,
        view::prompt(env.lang(), env.lang().t("staff-orders-search_prompt")),
    )
    .await?;
    Ok(Answer::Done)
}

pub async fn search_input(env: &Env, text: &str) -> HandlerResult {
    let Some(query) = staff_input::order_query(text) else {
        env.out
            .send(Screen::text(env.lang().t("staff-orders-search_prompt")))
            .await?;
        return Ok(());
    };
    env.reset().await?;
    match query {
        OrderQuery::Order(id) => {
            let actor = env.actor.clone();
            let found = core::run(&env.shop, move |shop| shop.order(&actor, id)).await;
            match found {
                Ok(_) => show_order(env, id, true).await,
                // A bare number that is no order may be a user id.
                Err(failure) if failure.kind() == "order.not_found" => {
                    super::users::orders_of_query(env, &crate::render::staff::plain(id)).await
                }
                Err(failure) => super::fail(env, &failure).await,
            }
        }
        OrderQuery::User(who) => super::users::orders_of_query(env, &who).await,
    }
}
