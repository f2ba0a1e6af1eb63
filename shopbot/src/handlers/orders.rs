//! My orders: the list, one order's details, and cancelling while the core allows it.

use super::{Answer, AnswerResult, Env, call};
use crate::render;
use shopcore::{OrderId, RequestKey};

pub async fn list(env: &Env, before: Option<OrderId>) -> AnswerResult {
    let actor = env.actor.clone();
    let user = env.ctx.user_id;
    let Some(page) = call(env, move |shop| {
        shop.orders_of(&actor, user, before, render::ORDERS_PER_PAGE)
    })
    .await?
    else {
        return Ok(Answer::Done);
    };
    env.out
        .show(render::orders(env.lang(), &page.orders, page.next))
        .await?;
    Ok(Answer::Done)
}

pub async fn details(env: &Env, id: OrderId) -> AnswerResult {
    let actor = env.actor.clone();
    let Some(order) = call(env, move |shop| shop.order(&actor, id)).await? else {
        return Ok(Answer::Done);
    };
    env.out
        .show(render::order_details(env.lang(), &env.zone(), &order))
        .await?;
    Ok(Answer::Done)
}

/// Asks "are you sure?"; an order past the point of cancelling shows its details instead.
pub async fn cancel(env: &Env, id: OrderId) -> AnswerResult {
    let actor = env.actor.clone();
    let Some(order) = call(env, move |shop| shop.order(&actor, id)).await? else {
        return Ok(Answer::Done);
    };
    if !render::cancellable(&order) {
        env.out
            .show(render::order_details(env.lang(), &env.zone(), &order))
            .await?;
        return Ok(Answer::Notice(env.lang().t("order-not_cancellable")));
    }
    env.out
        .show(render::cancel_order_confirm(env.lang(), &order))
        .await?;
    Ok(Answer::Done)
}

pub async fn cancel_yes(env: &Env, id: OrderId, query_id: &str) -> AnswerResult {
    let actor = env.actor.clone();
    let key = format!("tg:cancel:{query_id}");
    let Some(order) = call(env, move |shop| {
        let key = RequestKey::new(&key)?;
        shop.cancel_order(&actor, id, &key)
    })
    .await?
    else {
        return Ok(Answer::Done);
    };
    env.out
        .show(render::order_cancelled(env.lang(), &order))
        .await?;
    Ok(Answer::Done)
}
