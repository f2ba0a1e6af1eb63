//! The wallet: balance, top-ups (method → amount → proof as a photo or text) and history.

use super::{Answer, AnswerResult, Env, call};
use crate::HandlerResult;
use crate::core::Failure;
use crate::handlers::shop::proof_of;
use crate::payments;
use crate::render;
use crate::state::State;
use shopcore::money::parse_amount;
use shopcore::{
    AmountError, Currency, InvalidInput, Money, PaymentMethodId, Provider, RequestKey, TopupRequest,
};
use std::sync::Arc;
use teloxide::types::Message;

pub async fn wallet(env: &Env) -> AnswerResult {
    let user = env.ctx.user_id;
    let code = env.ctx.currency_code();
    let Some((wallet, currency)) = call(env, move |shop| {
        let currency = match shop.currency(&code) {
            Ok(c) if c.enabled => c,
            _ => Currency::usd(),
        };
        Ok((shop.wallet(user)?, currency))
    })
    .await?
    else {
        return Ok(Answer::Done);
    };
    env.out
        .show(render::wallet(env.lang(), &wallet, &currency))
        .await?;
    Ok(Answer::Done)
}

/// The referrer a `/start` payload names (`r<id>`), if any.
pub fn referrer_of_payload(payload: &str) -> Option<shopcore::UserId> {
    let digits = payload.strip_prefix('r')?;
    if digits.is_empty() || digits.len() > 19 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    shopcore::UserId::new(digits.parse().ok()?).ok()
}

/// The shopper's referral link, what it brought, and the shop's program.
pub async fn referrals(env: &Env) -> AnswerResult {
    let actor = env.actor.clone();
    let Some((stats, program)) = call(env, move |shop| {
        Ok((shop.my_referrals(&actor)?.0, shop.referral_program()?))
    })
    .await?
    else {
        return Ok(Answer::Done);
    };
    let me = teloxide::requests::Requester::get_me(&env.out.bot).await?;
    let link = format!(
        "https://t.me/{}?start=r{}",
        me.username(),
        env.ctx.user_id.get()
    );
    env.out
        .show(render::referrals(
            env.lang(),
            &link,
            &stats,
            program.as_ref(),
        ))
        .await?;
    Ok(Answer::Done)
}

pub async fn topup(env: &Env) -> AnswerResult {
    let payments = Arc::clone(&env.payments);
    let Some((methods, providers)) = call(env, move |shop| {
        Ok((
            shop.payment_methods_for_shoppers()?,
            payments::providers(shop, &payments),
        ))
    })
    .await?
    else {
        return Ok(Answer::Done);
    };
    env.out
        .show(render::topup_methods(env.lang(), &methods, &providers))
        .await?;
    Ok(Answer::Done)
}

/// Top up through a payment provider: asks how much, in USD.
pub async fn topup_provider(env: &Env, provider: Provider) -> AnswerResult {
    let payments = Arc::clone(&env.payments);
    let Some(rate) = call(env, move |shop| {
        payments::providers(shop, &payments)
            .contains(&provider)
            .then(|| shop.currency(provider.currency()))
            .transpose()
    })
    .await?
    else {
        return Ok(Answer::Done);
    };
    let Some(currency) = rate else {
        return Ok(Answer::Notice(env.lang().t("notice-unavailable")));
    };
    env.set_state(State::TopupInvoiceAmount { provider })
        .await?;
    env.out
        .show(render::topup_invoice_prompt(
            env.lang(),
            provider,
            &currency,
        ))
        .await?;
    Ok(Answer::Done)
}

/// The amount of a top-up through a provider: the core opens the invoice (one per message:
/// a redelivered update replays it), then the shopper is shown how to pay it.
pub async fn invoice_amount_input(env: &Env, provider: Provider, msg: &Message) -> HandlerResult {
    let text = msg.text().unwrap_or_default();
    let amount = match parse_amount(
        text,
        shopcore::currency::USD_DECIMALS,
        Money::units(shopcore::settlement::TOPUP_INVOICE_MAX_USD),
    ) {
        Ok(amount) => amount,
        // The shopper stays at this step and may type the amount again.
        Err(source) => {
            env.fail(&amount_failure(source)).await?;
            return Ok(());
        }
    };
    let actor = env.actor.clone();
    let key = format!("tg:invoice:{}:{}", msg.chat.id.0, msg.id.0);
    let opened = crate::core::run(&env.shop, move |shop| {
        shop.open_topup_invoice(&actor, provider, amount, &RequestKey::new(&key)?)
    })
    .await;
    env.reset().await?;
    match opened {
        Ok(invoice) => {
            payments::present(
                &env.out,
                &env.shop,
                &env.payments,
                env.lang(),
                &invoice,
                None,
            )
            .await?;
        }
        Err(failure) => env.fail(&failure).await?,
    }
    Ok(())
}

pub async fn topup_method(env: &Env, id: PaymentMethodId) -> AnswerResult {
    let Some(method) = call(env, move |shop| shop.payment_method(id)).await? else {
        return Ok(Answer::Done);
    };
    let Some(method) = method.filter(|m| m.usable()) else {
        return Ok(Answer::Notice(env.lang().t("notice-unavailable")));
    };
    env.set_state(State::TopupAmount { method: id }).await?;
    env.out
        .show(render::topup_amount_prompt(env.lang(), &method))
        .await?;
    Ok(Answer::Done)
}

fn amount_failure(source: AmountError) -> Failure {
    Failure::Core(
        InvalidInput::Amount {
            what: "top-up amount",
            source,
        }
        .into(),
    )
}

pub async fn amount_input(env: &Env, id: PaymentMethodId, msg: &Message) -> HandlerResult {
    let Some(found) = call(env, move |shop| {
        let Some(method) = shop.payment_method(id)?.filter(|m| m.usable()) else {
            return Ok(None);
        };
        let currency = shop.currency(method.currency.as_str())?;
        Ok(Some((method, currency)))
    })
    .await?
    else {
        return Ok(());
    };
    let Some((method, currency)) = found else {
        env.reset().await?;
        env.out.send(render::flow_cancelled(env.lang())).await?;
        return Ok(());
    };
    let text = msg.text().unwrap_or_default();
    let parsed = parse_amount(text, currency.decimals, method.max_amount).and_then(|amount| {
        if amount < method.min_amount {
            Err(AmountError::TooSmall {
                min: method.min_amount,
            })
        } else {
            Ok(amount)
        }
    });
    match parsed {
        Ok(amount) => {
            env.set_state(State::TopupProof { method: id, amount })
                .await?;
            env.out
                .send(render::topup_proof_prompt(
                    env.lang(),
                    &currency.format(amount),
                ))
                .await?;
        }
        // The shopper stays at this step and may type the amount again.
        Err(source) => env.fail(&amount_failure(source)).await?,
    }
    Ok(())
}

pub async fn proof_input(
    env: &Env,
    method: PaymentMethodId,
    amount: Money,
    msg: &Message,
) -> HandlerResult {
    let Some(proof) = proof_of(msg) else {
        env.out
            .send(render::Screen::text(env.lang().t("buy-proof_expected")))
            .await?;
        return Ok(());
    };
    if let Err(failure) = crate::handlers::shop::check_proof(&proof) {
        // The shopper stays at this step and may send a shorter proof.
        env.fail(&failure).await?;
        return Ok(());
    }
    let actor = env.actor.clone();
    // One request per proof message: a redelivered update replays the first result.
    let key = format!("tg:topup:{}:{}", msg.chat.id.0, msg.id.0);
    let requested = crate::core::run(&env.shop, move |shop| {
        let key = RequestKey::new(&key)?;
        shop.request_topup(
            &actor,
            &TopupRequest {
                method,
                amount,
                proof,
                key,
            },
        )
    })
    .await;
    match requested {
        Ok(topup) => {
            env.reset().await?;
            env.out
                .send(render::topup_requested(env.lang(), &topup))
                .await?;
        }
        // Refused input: the shopper stays at this step and may send another proof.
        Err(failure) if failure.kind().starts_with("invalid.") => env.fail(&failure).await?,
        Err(failure) => {
            env.reset().await?;
            env.fail(&failure).await?;
        }
    }
    Ok(())
}

pub async fn history(env: &Env, before: Option<u64>) -> AnswerResult {
    let actor = env.actor.clone();
    let user = env.ctx.user_id;
    let Some((page, topups)) = call(env, move |shop| {
        let page = shop.ledger(&actor, user, before, render::HISTORY_PER_PAGE)?;
        // Recent top-ups (with their review status) on the first page only.
        let topups = match before {
            None => shop.topups_of(&actor, user, None, render::TOPUPS_SHOWN)?,
            Some(_) => Vec::new(),
        };
        Ok((page, topups))
    })
    .await?
    else {
        return Ok(Answer::Done);
    };
    env.out
        .show(render::history(
            env.lang(),
            &env.zone(),
            &page.entries,
            &topups,
            page.next,
        ))
        .await?;
    Ok(Answer::Done)
}
