//! Automatic payments on the bot's side: showing a shopper the invoice the core opened
//! (Telegram Stars: a Bot API invoice; Crypto Pay: a link to pay, see
//! [`crate::ops::cryptopay`]), answering Telegram's pre-checkout query only after the core
//! says the invoice is still payable, settling the successful payment exactly once through
//! `Shop::settle_invoice` with the Telegram charge id as its key, and sending refunds back
//! through `refundStarPayment`.
//!
//! Payment updates go around the rate limiter and the staff panel's interception: a payment
//! Telegram already took must be recorded whoever made it and however fast.

use crate::core::{self, Failure};
use crate::handlers::Out;
use crate::i18n::Lang;
use crate::ops::alerts::{self, AlertKind};
use crate::ops::cryptopay::CryptoPay;
use crate::{BotError, HandlerResult};
use shopcore::{
    Invoice, InvoiceId, InvoicePurpose, Money, PaymentEffect, Provider, RefundOutcome, Settlement,
    Shop,
};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;
use teloxide::RequestError;
use teloxide::prelude::*;
use teloxide::types::{LabeledPrice, PreCheckoutQuery, TelegramTransactionId};

/// What the bot puts in a provider's invoice to name the shop's: `inv:` and the id.
const PAYLOAD_PREFIX: &str = "inv:";
/// How often a settlement that failed on our side (the database unreachable) is tried
/// again before staff are alerted to settle it by hand.
const SETTLE_ATTEMPTS: u32 = 5;
/// Telegram's limits on an invoice's title and description (characters).
const TITLE_CHARS_MAX: usize = 32;
const DESCRIPTION_CHARS_MAX: usize = 255;
/// The most refunds sent back in one pass.
const REFUNDS_PER_PASS: usize = 20;
/// How long the core may take to say whether an invoice is payable: Telegram waits 10
/// seconds for the answer, so after 8 the bot refuses (the shopper may try again).
const PRE_CHECKOUT_BUDGET: Duration = Duration::from_secs(8);
/// Star transactions read per `getStarTransactions` call, and calls per pass at most.
const STAR_PAGE: u8 = 100;
const STAR_PAGES_PER_PASS: u32 = 10;

/// The payload that names `invoice` at the provider.
pub fn payload(invoice: InvoiceId) -> String {
    format!("{PAYLOAD_PREFIX}{}", invoice.get())
}

/// The invoice a provider's payload names, if it is one of ours.
pub fn parse_payload(payload: &str) -> Option<InvoiceId> {
    let digits = payload.strip_prefix(PAYLOAD_PREFIX)?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || digits.starts_with('0') {
        return None;
    }
    InvoiceId::new(digits.parse().ok()?).ok()
}

/// The payment providers this process talks to: a dependency of the handler tree
/// ([`crate::schema::dependencies_with`]). Stars need nothing but the bot.
#[derive(Clone, Debug, Default)]
pub struct Payments {
    /// Crypto Pay's client, when it is configured.
    pub crypto: Option<Arc<CryptoPay>>,
}

/// The providers a shopper may pay through now: Stars when the shop keeps a Stars rate (an
/// enabled `XTR` currency), Crypto Pay when it is configured (and USD enabled).
pub fn providers(shop: &Shop, payments: &Payments) -> Vec<Provider> {
    Provider::ALL
        .into_iter()
        .filter(|p| {
            let configured = match p {
                Provider::Stars => true,
                Provider::CryptoPay => payments.crypto.is_some(),
            };
            configured && shop.currency(p.currency()).is_ok_and(|c| c.enabled)
        })
        .collect()
}

/// A whole number of stars, as the Bot API takes it.
fn stars(amount: Money) -> Option<u32> {
    if amount.decimals() > 0 && amount.round_to(0) != amount {
        return None;
    }
    u32::try_from(amount.decimal().mantissa() / 10i128.pow(amount.decimal().scale())).ok()
}

fn clip(text: String, max: usize) -> String {
    if text.chars().count() <= max {
        return text;
    }
    let mut clipped: String = text.chars().take(max.saturating_sub(1)).collect();
    clipped.push('…');
    clipped
}

/// The invoice's title and description in the shopper's language.
pub fn invoice_texts(lang: Lang, invoice: &Invoice, product: Option<&str>) -> (String, String) {
    let id = invoice.id.get().to_string();
    let usd = crate::render::usd(invoice.amount_usd);
    match invoice.purpose {
        InvoicePurpose::Topup => (
            clip(
                lang.tf("invoice-title_topup", &[("id", &id)]),
                TITLE_CHARS_MAX,
            ),
            clip(
                lang.tf("invoice-description_topup", &[("amount", &usd)]),
                DESCRIPTION_CHARS_MAX,
            ),
        ),
        InvoicePurpose::Order(order) => (
            clip(
                lang.tf("invoice-title_order", &[("id", &order.get().to_string())]),
                TITLE_CHARS_MAX,
            ),
            clip(
                lang.tf(
                    "invoice-description_order",
                    &[("product", product.unwrap_or("")), ("amount", &usd)],
                ),
                DESCRIPTION_CHARS_MAX,
            ),
        ),
    }
}

/// Shows the shopper how to pay `invoice`: a Stars invoice, or Crypto Pay's link. The core
/// committed the invoice first, so nothing the shopper is shown can be lost.
pub async fn present(
    out: &Out,
    shop: &Arc<Shop>,
    payments: &Payments,
    lang: Lang,
    invoice: &Invoice,
    product: Option<&str>,
) -> Result<(), BotError> {
    let (title, description) = invoice_texts(lang, invoice, product);
    match invoice.provider {
        Provider::Stars => {
            let amount = stars(invoice.amount).ok_or("a Stars invoice of a fraction of a star")?;
            out.bot
                .send_invoice(
                    out.chat,
                    title,
                    description,
                    payload(invoice.id),
                    "XTR",
                    [LabeledPrice::new(
                        lang.tf(
                            "invoice-price_label",
                            &[("id", &invoice.id.get().to_string())],
                        ),
                        amount,
                    )],
                )
                .await?;
        }
        Provider::CryptoPay => match &payments.crypto {
            Some(client) => {
                crate::ops::cryptopay::present(out, shop, client, lang, invoice, &description)
                    .await?;
            }
            None => {
                out.send(crate::render::Screen::text(
                    lang.t("invoice-crypto_unavailable"),
                ))
                .await?;
            }
        },
    }
    Ok(())
}

/// Telegram asks whether a Stars invoice may be paid: yes only when the core confirms it is
/// open, its order still waits for it and the amount is the invoice's. Answered well within
/// Telegram's 10 seconds (one read).
pub async fn on_pre_checkout(bot: Bot, q: PreCheckoutQuery, shop: Arc<Shop>) -> HandlerResult {
    let lang = Lang::from_code(q.from.language_code.as_deref().unwrap_or("en"));
    let payer = shopcore::UserId::new(q.from.id.0).ok();
    let invoice = parse_payload(&q.invoice_payload);
    let amount = Money::units(i64::from(q.total_amount));
    let currency = q.currency.clone();
    let verdict = match (payer, invoice) {
        (Some(payer), Some(id)) => {
            let asked = core::run(&shop, move |shop| {
                shop.check_payable(payer, Provider::Stars, id, amount, &currency)
            });
            match tokio::time::timeout(PRE_CHECKOUT_BUDGET, asked).await {
                Ok(answer) => answer,
                Err(_) => {
                    tracing::warn!("the shop did not answer a pre-checkout query in time");
                    Err(Failure::Crashed)
                }
            }
        }
        _ => Err(Failure::Core(
            shopcore::InvoiceError::Mismatch {
                id: InvoiceId::new(1).expect("1 is an id"),
                reason: "not one of the shop's invoices".into(),
            }
            .into(),
        )),
    };
    let answer = match verdict {
        Ok(_) => bot.answer_pre_checkout_query(q.id.clone(), true).await,
        Err(failure) => {
            tracing::info!(kind = failure.kind(), "pre-checkout refused");
            let text = match &failure {
                Failure::Core(e) if e.kind().starts_with("invoice.") => {
                    lang.t(&crate::i18n::error_key(e.kind()))
                }
                _ => lang.t("error-internal"),
            };
            bot.answer_pre_checkout_query(q.id.clone(), false)
                .error_message(text)
                .await
        }
    };
    answer?;
    Ok(())
}

/// A Stars payment arrived: settle it, keyed by its Telegram charge id. A payment for an
/// invoice that can no longer take it is credited to the balance by the core; the shopper
/// hears either way through the outbox. A failure on our side is retried, then raised to
/// staff with the charge id, never dropped silently.
pub async fn on_successful_payment(msg: Message, shop: Arc<Shop>) -> HandlerResult {
    let Some(paid) = msg.successful_payment() else {
        return Ok(());
    };
    let Some(invoice) = parse_payload(&paid.invoice_payload) else {
        alerts::raise(
            AlertKind::Payments,
            &format!(
                "a Stars payment ({}) names no invoice of the shop: {:?}",
                paid.telegram_payment_charge_id.0, paid.invoice_payload
            ),
        );
        return Ok(());
    };
    let settlement = Settlement {
        provider: Provider::Stars,
        invoice,
        payment_id: paid.telegram_payment_charge_id.0.clone(),
        provider_invoice: None,
        amount: Money::units(i64::from(paid.total_amount)),
        currency: paid.currency.clone(),
    };
    settle(&shop, settlement).await;
    Ok(())
}

/// Settles a payment, retrying failures on our side; returns what it did, if it could.
pub async fn settle(shop: &Arc<Shop>, settlement: Settlement) -> Option<shopcore::Settled> {
    let mut delay = Duration::from_millis(200);
    for attempt in 1..=SETTLE_ATTEMPTS {
        let s = settlement.clone();
        match core::run(shop, move |shop| shop.settle_invoice(&s)).await {
            Ok(settled) => {
                if let PaymentEffect::Refused { reason } = &settled.effect
                    && !settled.replayed
                {
                    alerts::raise(
                        AlertKind::Payments,
                        &format!(
                            "{} payment {} for invoice {} refused: {reason}",
                            settlement.provider, settlement.payment_id, settlement.invoice
                        ),
                    );
                }
                return Some(settled);
            }
            // Refused for good (an unknown invoice, a malformed id): retrying can't help.
            Err(Failure::Core(e)) if !e.kind().starts_with("store.") => {
                alerts::raise(
                    AlertKind::Payments,
                    &format!(
                        "{} payment {} for invoice {} not settled: {e}",
                        settlement.provider, settlement.payment_id, settlement.invoice
                    ),
                );
                return None;
            }
            Err(failure) => {
                tracing::warn!(
                    attempt,
                    kind = failure.kind(),
                    "settlement failed; retrying"
                );
                if attempt < SETTLE_ATTEMPTS {
                    tokio::time::sleep(delay).await;
                    delay *= 2;
                }
            }
        }
    }
    alerts::raise(
        AlertKind::Payments,
        &format!(
            "{} payment {} for invoice {} could not be recorded; settle it by hand",
            settlement.provider, settlement.payment_id, settlement.invoice
        ),
    );
    None
}

/// Sends waiting Stars refunds back (`refundStarPayment`) and records each answer: done
/// (also when Telegram says it was refunded already), or refused for good (the amount goes
/// back to the shopper's balance). A network failure leaves the refund for the next pass.
/// Returns how many were finished.
pub async fn refund_stars(bot: &Bot, shop: &Arc<Shop>) -> Result<u32, Failure> {
    let waiting = core::run(shop, |shop| {
        shop.refunds_waiting(Provider::Stars, REFUNDS_PER_PASS)
    })
    .await?;
    let mut finished = 0;
    for invoice in waiting {
        let Some(charge) = invoice.payment_id.clone() else {
            continue;
        };
        let sent = bot
            .refund_star_payment(
                teloxide::types::UserId(invoice.user.get()),
                TelegramTransactionId(charge),
            )
            .await;
        let outcome = match sent {
            Ok(_) => RefundOutcome::Done,
            Err(RequestError::Api(e)) if e.to_string().contains("ALREADY_REFUNDED") => {
                RefundOutcome::Done
            }
            Err(RequestError::Api(e)) => RefundOutcome::Refused(e.to_string()),
            Err(other) => {
                tracing::warn!(error = %crate::ops::telemetry::redact(&other.to_string()), "Stars refund not sent; next pass");
                continue;
            }
        };
        let id = invoice.id;
        core::run(shop, move |shop| shop.finish_provider_refund(id, &outcome)).await?;
        finished += 1;
    }
    Ok(finished)
}

/// Stars payments whose successful-payment update never reached the bot (it crashed after
/// Telegram sent it): while a Stars invoice is open, the bot's Star transactions are read
/// (`getStarTransactions`) and every incoming invoice payment naming an open invoice is
/// settled by its transaction id — the same id as the charge id the update would have
/// carried, so a payment reported both ways is settled once. `read` is where the last pass
/// stopped (transactions from the start of the list), kept by the caller in memory: after a
/// restart the list is read again, and what was settled replays. Returns how many it
/// settled.
pub async fn reconcile_stars(
    bot: &Bot,
    shop: &Arc<Shop>,
    read: &AtomicU32,
) -> Result<u32, Failure> {
    let open: std::collections::BTreeSet<InvoiceId> = core::run(shop, |shop| {
        shop.open_invoices(Provider::Stars, None, shopcore::settlement::PAGE_LIMIT_MAX)
    })
    .await?
    .into_iter()
    .map(|i| i.id)
    .collect();
    if open.is_empty() {
        return Ok(0);
    }
    // Telegram lists the transactions in chronological order, so the newest are at one
    // end: read the first page, and from just before where the last pass stopped onwards
    // (all from the start on the first pass), within a bounded number of calls.
    let resume = read
        .load(Ordering::Relaxed)
        .saturating_sub(u32::from(STAR_PAGE));
    let walks = if resume == 0 {
        vec![(0, STAR_PAGES_PER_PASS)]
    } else {
        vec![(0, 1), (resume, STAR_PAGES_PER_PASS - 1)]
    };
    let mut settled = 0;
    for (start, pages) in walks {
        let mut at = start;
        for _ in 0..pages {
            let page = match bot
                .get_star_transactions()
                .offset(at)
                .limit(STAR_PAGE)
                .await
            {
                Ok(page) => page.transactions,
                Err(error) => {
                    tracing::warn!(error = %crate::ops::telemetry::redact(&error.to_string()), "Star transactions not read; next pass");
                    return Ok(settled);
                }
            };
            let got = u32::try_from(page.len()).unwrap_or(u32::MAX);
            for transaction in page {
                if let Some(settlement) = star_settlement(&transaction, &open)
                    && let Some(done) = settle(shop, settlement).await
                    && !done.replayed
                {
                    settled += 1;
                }
            }
            at = at.saturating_add(got);
            read.fetch_max(at, Ordering::Relaxed);
            if got < u32::from(STAR_PAGE) {
                break;
            }
        }
    }
    Ok(settled)
}

/// The settlement a Star transaction reports: an incoming invoice payment naming one of the
/// `open` invoices.
fn star_settlement(
    transaction: &teloxide::types::StarTransaction,
    open: &std::collections::BTreeSet<InvoiceId>,
) -> Option<Settlement> {
    let Some(teloxide::types::TransactionPartner::User(partner)) = &transaction.source else {
        return None;
    };
    let teloxide::types::TransactionPartnerUserKind::InvoicePayment(payment) = &partner.kind else {
        return None;
    };
    let invoice = payment.invoice_payload.as_deref().and_then(parse_payload)?;
    open.contains(&invoice).then(|| Settlement {
        provider: Provider::Stars,
        invoice,
        payment_id: transaction.id.0.clone(),
        provider_invoice: None,
        amount: Money::units(i64::from(transaction.amount)),
        currency: "XTR".into(),
    })
}
