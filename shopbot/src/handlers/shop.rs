//! The shop: categories, product pages and cards, and buying — player id, coupon, payment
//! choice (balance, or a method with its instructions and a proof), the summary from
//! `quote`, then Confirm. Each step's state is kept in the dialogue, so a restart resumes
//! where the shopper was.

use super::{Answer, AnswerResult, Env, call};
use crate::HandlerResult;
use crate::core::{self, Failure};
use crate::render::{self, PaymentLine};
use crate::state::{Draft, PayWith, State};
use shopcore::{
    CategoryId, Currency, Error, ModeError, Money, OrderId, OrderRequest, PaymentChoice,
    PaymentMethodId, ProductId, Proof, RequestKey, Shop, StoreState,
};
use teloxide::types::Message;

/// The furthest page a button may ask for (a bound on the walk through the category).
const PAGE_MAX: u32 = 1_000;

/// The currency to show prices in: the shopper's, when the shop still has it enabled.
fn display_currency(shop: &Shop, code: &str) -> Currency {
    match shop.currency(code) {
        Ok(currency) if currency.enabled => currency,
        _ => Currency::usd(),
    }
}

fn unavailable(env: &Env) -> Answer {
    Answer::Notice(env.lang().t("notice-unavailable"))
}

fn stale(env: &Env) -> Answer {
    Answer::Notice(render::stale(env.lang()))
}

pub async fn categories(env: &Env) -> AnswerResult {
    let Some(list) = call(env, |shop| shop.categories(true)).await? else {
        return Ok(Answer::Done);
    };
    env.out.show(render::categories(env.lang(), &list)).await?;
    Ok(Answer::Done)
}

pub async fn category(env: &Env, id: CategoryId, page: u32) -> AnswerResult {
    let code = env.ctx.currency_code();
    let wanted = page.min(PAGE_MAX);
    let Some(found) = call(env, move |shop| {
        let Some(category) = shop.category(id)?.filter(|c| c.active) else {
            return Ok(None);
        };
        let currency = display_currency(shop, &code);
        // The core's cursors are opaque, so a page is found by walking from the start.
        let mut cursor = None;
        let mut page = 0;
        loop {
            let found = shop.products_on_sale(id, cursor.as_ref(), render::PRODUCTS_PER_PAGE)?;
            if page == wanted || found.next.is_none() {
                let has_next = found.next.is_some();
                return Ok(Some((category, found.products, page, has_next, currency)));
            }
            cursor = found.next;
            page += 1;
        }
    })
    .await?
    else {
        return Ok(Answer::Done);
    };
    let Some((category, products, page, has_next, currency)) = found else {
        return Ok(unavailable(env));
    };
    env.out
        .show(render::category_page(
            env.lang(),
            &category,
            &products,
            page,
            has_next,
            &currency,
        ))
        .await?;
    Ok(Answer::Done)
}

pub async fn product(env: &Env, id: ProductId) -> AnswerResult {
    let code = env.ctx.currency_code();
    let Some(found) = call(env, move |shop| {
        let photo = shop.product_photo(id)?.map(|p| p.reference);
        let also = shop.recommendations(id, render::ALSO_BOUGHT)?;
        let per_order = shop.order_limit(id)?;
        Ok(shop
            .product(id)?
            .filter(|p| p.on_sale())
            .map(|p| (p, display_currency(shop, &code), photo, also, per_order)))
    })
    .await?
    else {
        return Ok(Answer::Done);
    };
    let Some((product, currency, photo, also, per_order)) = found else {
        return Ok(unavailable(env));
    };
    let mut card = render::also_bought(
        env.lang(),
        render::with_per_order(
            env.lang(),
            render::product_card(env.lang(), &product, &currency),
            per_order,
        ),
        &also,
    );
    card.photo = photo;
    env.out.show(card).await?;
    Ok(Answer::Done)
}

/// Asks what to search for; the next message is the query.
pub async fn search_prompt(env: &Env) -> AnswerResult {
    env.set_state(State::SearchQuery).await?;
    env.out.show(render::search_prompt(env.lang())).await?;
    Ok(Answer::Done)
}

/// Products on sale whose names match `query`, as buttons to their cards. A query the core
/// refuses (too long, control characters) is explained and the shopper may type another.
pub async fn search(env: &Env, query: &str) -> HandlerResult {
    let code = env.ctx.currency_code();
    let text = query.to_owned();
    let found = core::run(&env.shop, move |shop| {
        Ok((
            shop.search_products(&text, SEARCH_RESULTS)?,
            display_currency(shop, &code),
        ))
    })
    .await;
    match found {
        Ok((products, currency)) => {
            env.reset().await?;
            let shown: String = query.trim().chars().take(40).collect();
            env.out
                .send(render::search_results(
                    env.lang(),
                    &shown,
                    &products,
                    &currency,
                ))
                .await?;
        }
        Err(failure) => env.fail(&failure).await?,
    }
    Ok(())
}

/// The most products one search shows.
const SEARCH_RESULTS: usize = 10;

fn order_request(draft: &Draft) -> OrderRequest {
    OrderRequest {
        quantity: draft.quantity,
        product: draft.product,
        payment: match draft.payment {
            Some(PayWith::Method(id)) => PaymentChoice::Method(id),
            Some(PayWith::Invoice(provider)) => PaymentChoice::Invoice(provider),
            Some(PayWith::Balance) | None => PaymentChoice::Balance,
        },
        coupon: draft.coupon.clone(),
        player_id: draft.player_id.clone(),
        currency: None,
        proof: draft.proof.clone(),
    }
}

/// Starts buying: refuses at once what can't succeed (the shop not taking orders, the
/// product gone, an open order), then asks for the player id or the coupon.
pub async fn buy(env: &Env, id: ProductId) -> AnswerResult {
    match env.settings.state {
        StoreState::Open => {}
        StoreState::Maintenance => {
            env.fail(&Failure::Core(Error::Mode(ModeError::Maintenance)))
                .await?;
            return Ok(Answer::Done);
        }
        StoreState::Emergency => {
            env.fail(&Failure::Core(Error::Mode(ModeError::Emergency)))
                .await?;
            return Ok(Answer::Done);
        }
    }
    let actor = env.actor.clone();
    let draft = Draft::new(id);
    let request = order_request(&draft);
    let checked = core::run(&env.shop, move |shop| {
        let product = shop.product(id)?;
        let limit = shop.order_limit(id)?;
        // A dry run of the order: only the balance and the player id may still be missing.
        let quote = shop.quote(&actor, &request).map(|_| ());
        Ok((product.map(|p| (p, limit)), quote))
    })
    .await;
    let (product, limit) = match checked {
        Ok((Some(product), Ok(()))) => product,
        Ok((Some(product), Err(error)))
            if matches!(
                error.kind(),
                "wallet.insufficient_balance" | "order.player_id_required" | "order.bad_player_id"
            ) =>
        {
            product
        }
        Ok((Some(_), Err(error))) => {
            env.fail(&Failure::Core(error)).await?;
            return Ok(Answer::Done);
        }
        Ok((None, _)) => return Ok(unavailable(env)),
        Err(failure) => {
            env.fail(&failure).await?;
            return Ok(Answer::Done);
        }
    };
    // How many, when staff allow more than one and more than one is left.
    let max = product.available().map_or(limit, |left| {
        limit.min(u32::try_from(left).unwrap_or(u32::MAX))
    });
    if max > 1 {
        env.set_state(State::Quantity { draft, max }).await?;
        env.out
            .show(render::quantity_prompt(env.lang(), &product.name, max))
            .await?;
        return Ok(Answer::Done);
    }
    after_quantity(env, &product, draft).await?;
    Ok(Answer::Done)
}

/// The quantity is known: the player id next when the product asks for one, else the
/// coupon.
async fn after_quantity(env: &Env, product: &shopcore::Product, draft: Draft) -> HandlerResult {
    match &product.player_field {
        Some(field) => {
            env.set_state(State::PlayerId { draft }).await?;
            env.out
                .show(render::player_id_prompt(env.lang(), field))
                .await?;
        }
        None => ask_coupon(env, draft).await?,
    }
    Ok(())
}

/// A quantity button. Only the question it belongs to takes it, and only a number it
/// offered (an old or forged button is answered as out of date).
pub async fn quantity(env: &Env, state: &State, units: u32) -> AnswerResult {
    let State::Quantity { draft, max } = state else {
        return Ok(stale(env));
    };
    if units == 0 || units > *max {
        return Ok(stale(env));
    }
    choose_quantity(env, draft.clone(), *max, units).await?;
    Ok(Answer::Done)
}

/// A quantity typed: a whole number from 1 to `max`, or the question is asked again.
pub async fn quantity_input(env: &Env, draft: Draft, max: u32, msg: &Message) -> HandlerResult {
    // Arabic-Indic and Persian digits count as digits.
    let units = msg
        .text()
        .and_then(|t| crate::staff_input::count(t, u64::from(max)))
        .and_then(|n| u32::try_from(n).ok())
        .filter(|n| *n >= 1);
    match units {
        Some(units) => choose_quantity(env, draft, max, units).await,
        None => {
            env.out
                .send(render::quantity_rejected(env.lang(), max))
                .await?;
            Ok(())
        }
    }
}

/// Checks `units` against the shop now (stock may have gone meanwhile): fewer left keeps
/// the question open with the reason; anything else that can't succeed ends the purchase.
async fn choose_quantity(env: &Env, mut draft: Draft, max: u32, units: u32) -> HandlerResult {
    draft.quantity = units;
    let actor = env.actor.clone();
    let request = order_request(&draft);
    let id = draft.product;
    let checked = core::run(&env.shop, move |shop| {
        Ok((shop.product(id)?, shop.quote(&actor, &request).map(|_| ())))
    })
    .await;
    match checked {
        Ok((Some(product), Ok(()))) => after_quantity(env, &product, draft).await,
        Ok((Some(product), Err(error)))
            if matches!(
                error.kind(),
                "wallet.insufficient_balance" | "order.player_id_required" | "order.bad_player_id"
            ) =>
        {
            after_quantity(env, &product, draft).await
        }
        Ok((Some(_), Err(error)))
            if matches!(
                error.kind(),
                "order.not_enough_stock" | "order.bad_quantity"
            ) =>
        {
            let reason = render::failure(env.lang(), &Failure::Core(error), &env.settings);
            env.out
                .send(render::quantity_refused(env.lang(), &reason, max))
                .await?;
            Ok(())
        }
        Ok((Some(_), Err(error))) => {
            env.reset().await?;
            env.fail(&Failure::Core(error)).await?;
            Ok(())
        }
        Ok((None, _)) => {
            env.reset().await?;
            env.out.send(render::flow_cancelled(env.lang())).await?;
            Ok(())
        }
        Err(failure) => {
            env.reset().await?;
            env.fail(&failure).await?;
            Ok(())
        }
    }
}

async fn ask_coupon(env: &Env, draft: Draft) -> HandlerResult {
    env.set_state(State::Coupon { draft }).await?;
    env.out.show(render::coupon_prompt(env.lang())).await?;
    Ok(())
}

pub async fn player_id_input(env: &Env, mut draft: Draft, msg: &Message) -> HandlerResult {
    let product_id = draft.product;
    let Some(product) = call(env, move |shop| shop.product(product_id)).await? else {
        return Ok(());
    };
    let Some(field) = product.and_then(|p| p.player_field) else {
        // The product changed under the shopper: start over.
        env.reset().await?;
        env.out.send(render::flow_cancelled(env.lang())).await?;
        return Ok(());
    };
    match msg.text().map(|text| field.rule.check(text)) {
        Some(Ok(player_id)) => {
            draft.player_id = Some(player_id);
            ask_coupon(env, draft).await
        }
        _ => {
            env.out
                .send(render::player_id_rejected(env.lang(), &field))
                .await?;
            Ok(())
        }
    }
}

pub async fn coupon_input(env: &Env, mut draft: Draft, msg: &Message) -> HandlerResult {
    let Some(text) = msg.text().map(str::trim).filter(|t| !t.is_empty()) else {
        env.out.send(render::coupon_prompt(env.lang())).await?;
        return Ok(());
    };
    draft.coupon = Some(text.to_owned());
    let actor = env.actor.clone();
    let request = order_request(&draft);
    let checked = core::run(&env.shop, move |shop| shop.quote(&actor, &request)).await;
    match checked {
        Ok(quote) => {
            draft.coupon = quote.coupon.map(|c| c.as_str().to_owned());
            ask_payment(env, draft).await
        }
        // The coupon passed; paying from the balance may still not be possible, and
        // another payment method may be chosen next.
        Err(failure) if failure.kind() == "wallet.insufficient_balance" => {
            ask_payment(env, draft).await
        }
        Err(failure)
            if failure.kind().starts_with("coupon.") || failure.kind() == "invalid.coupon_code" =>
        {
            let reason = render::failure(env.lang(), &failure, &env.settings);
            env.out
                .send(render::coupon_rejected(env.lang(), &reason))
                .await?;
            Ok(())
        }
        Err(failure) => {
            env.reset().await?;
            env.fail(&failure).await?;
            Ok(())
        }
    }
}

pub async fn skip_coupon(env: &Env, state: &State) -> AnswerResult {
    let State::Coupon { draft } = state else {
        return Ok(stale(env));
    };
    let mut draft = draft.clone();
    draft.coupon = None;
    ask_payment(env, draft).await?;
    Ok(Answer::Done)
}

async fn ask_payment(env: &Env, draft: Draft) -> HandlerResult {
    let user = env.ctx.user_id;
    let payments = std::sync::Arc::clone(&env.payments);
    let Some((balance, methods, providers)) = call(env, move |shop| {
        Ok((
            shop.balance(user)?,
            shop.payment_methods_for_shoppers()?,
            crate::payments::providers(shop, &payments),
        ))
    })
    .await?
    else {
        return Ok(());
    };
    let mut screen = render::payment_choice(env.lang(), balance, &methods, &providers);
    if let Some(code) = &draft.coupon {
        screen.text = format!(
            "{}\n\n{}",
            env.lang().tf("buy-coupon_applied", &[("coupon", code)]),
            screen.text
        );
    }
    env.set_state(State::Payment { draft }).await?;
    env.out.show(screen).await?;
    Ok(())
}

/// Pay through a provider's invoice: the summary shows what the invoice will ask.
pub async fn pay_provider(env: &Env, state: &State, provider: shopcore::Provider) -> AnswerResult {
    let State::Payment { draft } = state else {
        return Ok(stale(env));
    };
    let payments = std::sync::Arc::clone(&env.payments);
    let Some(offered) = call(env, move |shop| {
        Ok(crate::payments::providers(shop, &payments).contains(&provider))
    })
    .await?
    else {
        return Ok(Answer::Done);
    };
    if !offered {
        return Ok(Answer::Notice(env.lang().t("notice-unavailable")));
    }
    let mut draft = draft.clone();
    draft.payment = Some(PayWith::Invoice(provider));
    draft.proof = None;
    show_summary(env, draft).await?;
    Ok(Answer::Done)
}

pub async fn pay_balance(env: &Env, state: &State) -> AnswerResult {
    let State::Payment { draft } = state else {
        return Ok(stale(env));
    };
    let mut draft = draft.clone();
    draft.payment = Some(PayWith::Balance);
    draft.proof = None;
    show_summary(env, draft).await?;
    Ok(Answer::Done)
}

/// What to send through a method, formatted in its currency.
fn pay_text(shop: &Shop, pay: Option<(Money, shopcore::CurrencyCode)>) -> String {
    match pay {
        Some((amount, code)) => match shop.currency(code.as_str()) {
            Ok(currency) => currency.format(amount),
            Err(_) => format!("{amount} {code}"),
        },
        None => String::new(),
    }
}

pub async fn pay_method(env: &Env, state: &State, id: PaymentMethodId) -> AnswerResult {
    let State::Payment { draft } = state else {
        return Ok(stale(env));
    };
    let mut draft = draft.clone();
    draft.payment = Some(PayWith::Method(id));
    draft.proof = None;
    let actor = env.actor.clone();
    let request = order_request(&draft);
    // The choice is kept on failure (limits, a method gone): another one may be picked.
    let Some((method, pay)) = call(env, move |shop| {
        let quote = shop.quote(&actor, &request)?;
        let method = shop
            .payment_method(id)?
            .ok_or(shopcore::PaymentMethodError::NotFound { id })?;
        Ok((method, pay_text(shop, quote.pay)))
    })
    .await?
    else {
        return Ok(Answer::Done);
    };
    env.set_state(State::Proof { draft, method: id }).await?;
    env.out
        .show(render::payment_instructions(env.lang(), &method, &pay))
        .await?;
    Ok(Answer::Done)
}

/// The proof a message carries: the largest size of a photo, a document, or text.
pub fn proof_of(msg: &Message) -> Option<Proof> {
    let caption = msg.caption().map(str::to_owned);
    if let Some(sizes) = msg.photo() {
        let largest = sizes
            .iter()
            .max_by_key(|p| p.width.saturating_mul(p.height))?;
        // The unique id stays the same whenever the same picture is sent again: the shop
        // recognises a reused screenshot by it.
        return Some(Proof::Photo {
            file_id: largest.file.id.0.clone(),
            unique_id: largest.file.unique_id.0.clone(),
            caption,
        });
    }
    if let Some(document) = msg.document() {
        return Some(Proof::File {
            reference: document.file.id.0.clone(),
            caption,
        });
    }
    msg.text()
        .map(str::trim)
        .filter(|t| !t.is_empty() && !t.starts_with('/'))
        .map(|t| Proof::Text(t.to_owned()))
}

/// Checks a proof by the shop's rules before it is kept, so a refused one (too long) is
/// reported at once and the shopper stays at this step to send another.
pub fn check_proof(proof: &Proof) -> Result<(), Failure> {
    proof.checked().map(|_| ()).map_err(Failure::Core)
}

pub async fn proof_input(
    env: &Env,
    mut draft: Draft,
    method: PaymentMethodId,
    msg: &Message,
) -> HandlerResult {
    let Some(proof) = proof_of(msg) else {
        env.out
            .send(render::Screen::text(env.lang().t("buy-proof_expected")))
            .await?;
        return Ok(());
    };
    if let Err(failure) = check_proof(&proof) {
        // The shopper stays at this step and may send a shorter proof.
        env.fail(&failure).await?;
        return Ok(());
    }
    draft.payment = Some(PayWith::Method(method));
    draft.proof = Some(proof);
    show_summary(env, draft).await
}

/// A nonce for a summary's Confirm button, so an older summary's button can't confirm a
/// newer draft.
fn nonce(shop: &Shop) -> u32 {
    u32::try_from(shop.now().millis().rem_euclid(1_000_000_000)).unwrap_or(0)
}

async fn show_summary(env: &Env, draft: Draft) -> HandlerResult {
    let actor = env.actor.clone();
    let user = env.ctx.user_id;
    let request = order_request(&draft);
    let payment = draft.payment.clone();
    let summary = core::run(&env.shop, move |shop| {
        let quote = shop.quote(&actor, &request)?;
        let line = match payment {
            None | Some(PayWith::Balance) => PaymentLine::Balance {
                balance: shop.balance(user)?,
            },
            Some(PayWith::Method(id)) => PaymentLine::Method {
                name: shop.payment_method(id)?.map(|m| m.name).unwrap_or_default(),
                pay: pay_text(shop, quote.pay.clone()),
            },
            Some(PayWith::Invoice(provider)) => PaymentLine::Invoice {
                provider,
                pay: pay_text(shop, quote.pay.clone()),
            },
        };
        Ok((quote, line, nonce(shop)))
    })
    .await;
    match summary {
        Ok((quote, line, nonce)) => {
            env.set_state(State::Confirm { draft, nonce }).await?;
            env.out
                .show(render::order_summary(env.lang(), &quote, &line, nonce))
                .await?;
        }
        Err(failure) => {
            env.reset().await?;
            env.fail(&failure).await?;
        }
    }
    Ok(())
}

/// Places the order. The callback query's id is the request key: a redelivered tap replays
/// the first result; a second tap finds the conversation over and gets the stale notice.
pub async fn confirm(env: &Env, state: &State, nonce: u32, query_id: &str) -> AnswerResult {
    let State::Confirm {
        draft,
        nonce: expected,
    } = state
    else {
        return answered_confirm(env, query_id).await;
    };
    if *expected != nonce {
        return answered_confirm(env, query_id).await;
    }
    let actor = env.actor.clone();
    let request = order_request(draft);
    let key = format!("tg:order:{query_id}");
    let placed = core::run(&env.shop, move |shop| {
        let key = RequestKey::new(&key)?;
        shop.create_order(&actor, &request, &key)
    })
    .await;
    env.reset().await?;
    match placed {
        Ok(order) => {
            remember_confirm(env, query_id, order.id).await;
            let product = order.product;
            let also = core::run(&env.shop, move |shop| {
                shop.recommendations(product, render::ALSO_BOUGHT)
            })
            .await
            .unwrap_or_default();
            env.out
                .show(render::also_bought(
                    env.lang(),
                    render::order_placed(env.lang(), &env.zone(), &order),
                    &also,
                ))
                .await?;
            present_invoice(env, &order).await?;
        }
        Err(failure) => env.fail(&failure).await?,
    }
    Ok(Answer::Done)
}

/// For an order paid through a provider: shows the shopper how to pay its invoice.
async fn present_invoice(env: &Env, order: &shopcore::Order) -> HandlerResult {
    let shopcore::Payment::Invoice { invoice, .. } = &order.payment else {
        return Ok(());
    };
    let (id, actor) = (*invoice, env.actor.clone());
    let Some(invoice) = call(env, move |shop| shop.invoice(&actor, id)).await? else {
        return Ok(());
    };
    crate::payments::present(
        &env.out,
        &env.shop,
        &env.payments,
        env.lang(),
        &invoice,
        Some(&order.product_name),
    )
    .await
}

/// Session scope of the last Confirm each shopper's tap placed: (query id, order id).
const CONFIRMED_SCOPE: &str = "telegram_confirmed";

/// Remembers that the tap `query_id` placed `order`, so a redelivery of the same tap shows
/// the order again instead of an error. Best effort: the order is placed either way.
async fn remember_confirm(env: &Env, query_id: &str, order: OrderId) {
    let user = env.ctx.user_id.get();
    let data = format!("{query_id}\n{}", order.get());
    if let Err(failure) = core::run(&env.shop, move |shop| {
        shop.set_session(CONFIRMED_SCOPE, user, data.as_bytes())
    })
    .await
    {
        tracing::warn!(
            kind = failure.kind(),
            "the placed order's tap was not remembered"
        );
    }
}

/// A Confirm tap outside the summary it belongs to: when it is a redelivery of the tap that
/// placed an order (Telegram sends an update again when an answer was slow), the order is
/// shown again; any other tap gets the stale notice.
async fn answered_confirm(env: &Env, query_id: &str) -> AnswerResult {
    let user = env.ctx.user_id.get();
    let actor = env.actor.clone();
    let query_id = query_id.to_owned();
    let found = core::run(&env.shop, move |shop| {
        let Some(bytes) = shop.session(CONFIRMED_SCOPE, user)? else {
            return Ok(None);
        };
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let Some((query, id)) = text.split_once('\n') else {
            return Ok(None);
        };
        let Some(id) = id.parse::<u64>().ok().and_then(|id| OrderId::new(id).ok()) else {
            return Ok(None);
        };
        if query != query_id {
            return Ok(None);
        }
        shop.order(&actor, id).map(Some)
    })
    .await;
    match found {
        Ok(Some(order)) => {
            env.out
                .show(render::order_placed(env.lang(), &env.zone(), &order))
                .await?;
            Ok(Answer::Done)
        }
        _ => Ok(stale(env)),
    }
}

/// Abandons the conversation in progress (a purchase or a top-up).
pub async fn cancel_flow(env: &Env, state: &State) -> AnswerResult {
    if *state == State::Idle && env.out.edit.is_some() {
        return Ok(stale(env));
    }
    env.reset().await?;
    env.out.show(render::flow_cancelled(env.lang())).await?;
    Ok(Answer::Done)
}
