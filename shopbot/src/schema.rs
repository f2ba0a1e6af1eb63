//! The handler tree. Every update is resolved to a shopper ([`crate::context`]) and their
//! dialogue state first; shoppers who may not act get one explanation; the rest go to the
//! message or button entry points in [`crate::handlers`].
//!
//! Dependencies the tree needs: `Arc<Shop>` and `Arc<ErasedStorage<State>>` (see
//! [`dependencies`]).

use crate::BotError;
use crate::context::{self, Ctx};
use crate::handlers::{self, command_of};
use crate::payments::Payments;
use crate::state::State;
use crate::storage::SessionStorage;
use shopcore::Shop;
use std::sync::Arc;
use teloxide::dispatching::dialogue::{ErasedStorage, Storage};
use teloxide::dispatching::{HandlerExt, UpdateFilterExt, UpdateHandler};
use teloxide::dptree;
use teloxide::prelude::*;

/// The dependencies [`schema`] needs, for `Dispatcher::builder(..).dependencies(..)`, with
/// no payment provider but Telegram Stars.
pub fn dependencies(shop: Arc<Shop>) -> dptree::di::DependencyMap {
    dependencies_with(shop, Payments::default())
}

/// The dependencies [`schema`] needs, with the payment providers this process talks to.
pub fn dependencies_with(shop: Arc<Shop>, payments: Payments) -> dptree::di::DependencyMap {
    dptree::deps![Arc::clone(&shop), storage(shop), Arc::new(payments)]
}

/// The dialogue storage over the shop's sessions, erased as the schema expects it.
pub fn storage(shop: Arc<Shop>) -> Arc<ErasedStorage<State>> {
    SessionStorage::new(shop).erase()
}

async fn message_context(msg: Message, shop: Arc<Shop>) -> Option<Ctx> {
    let from = msg.from.as_ref()?;
    if from.is_bot {
        return None;
    }
    let refresh = msg.text().and_then(command_of) == Some("start");
    context::load(&shop, from, refresh).await
}

async fn callback_context(q: CallbackQuery, shop: Arc<Shop>) -> Option<Ctx> {
    context::load(&shop, &q.from, false).await
}

fn blocked(ctx: Ctx) -> bool {
    ctx.actor.is_none()
}

pub fn schema() -> UpdateHandler<BotError> {
    // Payments first: a payment Telegram took is recorded whoever made it, banned or in the
    // middle of a conversation.
    let payments = Update::filter_message()
        .filter(|msg: Message| msg.successful_payment().is_some())
        .endpoint(crate::payments::on_successful_payment);
    let pre_checkout =
        Update::filter_pre_checkout_query().endpoint(crate::payments::on_pre_checkout);
    let inline = Update::filter_inline_query().endpoint(handlers::inline::on_inline_query);
    let messages = Update::filter_message()
        .filter_map_async(message_context)
        .branch(dptree::filter(blocked).endpoint(handlers::blocked_message))
        .branch(
            dptree::entry()
                .enter_dialogue::<Message, ErasedStorage<State>, State>()
                .endpoint(handlers::on_message),
        );
    let callbacks = Update::filter_callback_query()
        .filter_map_async(callback_context)
        .branch(dptree::filter(blocked).endpoint(handlers::blocked_callback))
        .branch(
            dptree::entry()
                .enter_dialogue::<CallbackQuery, ErasedStorage<State>, State>()
                .endpoint(handlers::on_callback),
        );
    dptree::entry()
        .branch(payments)
        .branch(pre_checkout)
        .branch(inline)
        .branch(messages)
        .branch(callbacks)
}
