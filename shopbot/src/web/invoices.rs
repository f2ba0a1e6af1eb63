//! Invoices of the payment providers (Telegram Stars, Crypto Pay) for staff who review
//! top-ups: by status, with what each paid and how; an open invoice can be settled by hand
//! for a support case (the shopper shows the provider's receipt), through the same
//! exactly-once call the providers' payments go through.

use super::pages::{Chrome, L, MessagePage, P, PAGE, chrome, forged, refusal};
use super::{Panel, html, lang_of};
use crate::core::{self, Failure};
use crate::render;
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use shopcore::{InvoiceId, InvoicePurpose, InvoiceStatus, PanelSession, PaymentEffect, Settlement};

pub(super) fn routes() -> axum::Router<std::sync::Arc<Panel>> {
    axum::Router::new()
        .route("/panel/invoices", get(invoices))
        .route("/panel/invoices/{id}/settle", post(settle))
}

struct InvoiceRow {
    id: String,
    user: String,
    purpose: String,
    provider: String,
    amount: String,
    usd: String,
    created: String,
    expires: String,
    payment: String,
    open: bool,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "panel/invoices.html")]
struct InvoicesPage {
    c: Chrome,
    l: L,
    csrf: String,
    statuses: Vec<(&'static str, String, bool)>,
    status: &'static str,
    rows: Vec<InvoiceRow>,
    next: Option<String>,
    done: Option<String>,
}

#[derive(Deserialize, Default)]
struct InvoicesQuery {
    status: Option<String>,
    after: Option<u64>,
    done: Option<String>,
}

fn status_named(name: Option<&str>) -> InvoiceStatus {
    InvoiceStatus::ALL
        .into_iter()
        .find(|s| Some(s.name()) == name)
        .unwrap_or(InvoiceStatus::Open)
}

async fn invoices(State(p): P, headers: HeaderMap, Query(q): Query<InvoicesQuery>) -> Response {
    let (session, _) = match p.session(&headers).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    invoices_page(&p, &session, q, None).await
}

async fn invoices_page(
    p: &Panel,
    session: &PanelSession,
    q: InvoicesQuery,
    error: Option<(u64, String)>,
) -> Response {
    let lang = lang_of(session);
    let zone = p.shop.settings().time_zone;
    let status = status_named(q.status.as_deref());
    let actor = session.actor.clone();
    let after = q.after.and_then(|a| InvoiceId::new(a).ok());
    let listed = core::run(&p.shop, move |shop| {
        let mut list = shop.invoices_with_status(&actor, status, after, PAGE + 1)?;
        let more = list.len() > PAGE;
        list.truncate(PAGE);
        Ok((list, more))
    })
    .await;
    let (list, more) = match listed {
        Ok(v) => v,
        Err(failure) => {
            let page = MessagePage {
                c: chrome(lang, "web-title-invoices", Some(session), "/panel/invoices"),
                text: refusal(lang, &failure, &p.shop),
            };
            return html(StatusCode::FORBIDDEN, page.render());
        }
    };
    let next = more
        .then(|| list.last().map(|i| i.id.get().to_string()))
        .flatten();
    let rows = list
        .iter()
        .map(|i| InvoiceRow {
            id: i.id.get().to_string(),
            user: i.user.to_string(),
            purpose: match i.purpose {
                InvoicePurpose::Topup => lang.t("web-invoices-topup"),
                InvoicePurpose::Order(order) => {
                    lang.tf("web-invoices-order", &[("id", &order.get().to_string())])
                }
            },
            provider: render::provider_name(lang, i.provider),
            amount: render::money_in(i.amount, &i.currency),
            usd: render::usd(i.amount_usd),
            created: render::date(&zone, i.created_at),
            expires: render::date(&zone, i.expires_at),
            payment: match (&i.payment_id, i.late) {
                (Some(id), false) => id.clone(),
                (Some(id), true) => lang.tf("web-invoices-late", &[("id", id)]),
                (None, _) => String::new(),
            },
            open: i.status == InvoiceStatus::Open,
            error: error
                .as_ref()
                .filter(|(id, _)| *id == i.id.get())
                .map(|(_, e)| e.clone()),
        })
        .collect();
    let statuses = InvoiceStatus::ALL
        .iter()
        .map(|s| {
            (
                s.name(),
                lang.t(&format!("invoice_status-{}", s.name())),
                *s == status,
            )
        })
        .collect();
    let done = q.done.as_deref().map(|d| match d {
        "settled" => lang.t("web-done-invoice_settled"),
        _ => lang.t("web-done-invoice_replayed"),
    });
    let page = InvoicesPage {
        c: chrome(lang, "web-title-invoices", Some(session), "/panel/invoices"),
        l: L(lang),
        csrf: session.csrf.clone(),
        statuses,
        status: status.name(),
        rows,
        next,
        done,
    };
    let code = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    html(code, page.render())
}

#[derive(Deserialize)]
struct SettleForm {
    csrf: String,
    #[serde(default)]
    payment_id: String,
    #[serde(default)]
    amount: String,
}

/// Settles an open invoice by hand: the provider, invoice and currency are the invoice's;
/// the payment id and the amount are what the receipt says (an amount that differs is
/// refused and recorded, as a provider's would be).
async fn settle(
    State(p): P,
    headers: HeaderMap,
    Path(id): Path<u64>,
    Form(form): Form<SettleForm>,
) -> Response {
    let (session, _) = match p.session(&headers).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    if let Some(page) = forged(&session, &form.csrf) {
        return page;
    }
    let lang = lang_of(&session);
    let Ok(invoice) = InvoiceId::new(id) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let actor = session.actor.clone();
    let result = core::run(&p.shop, move |shop| {
        let found = shop.invoice(&actor, invoice)?;
        let amount = shopcore::money::parse_amount(
            &form.amount,
            found.amount.decimals().max(8),
            shopcore::Money::units(1_000_000_000),
        )
        .map_err(|source| shopcore::InvalidInput::Amount {
            what: "amount paid",
            source,
        })?;
        shop.settle_invoice_by_hand(
            &actor,
            &Settlement {
                provider: found.provider,
                invoice,
                payment_id: form.payment_id.clone(),
                provider_invoice: None,
                amount,
                currency: found.currency.as_str().to_owned(),
            },
        )
    })
    .await;
    let to_error = |failure: &Failure| refusal(lang, failure, &p.shop);
    match result {
        Ok(settled) => match settled.effect {
            PaymentEffect::Refused { reason } => {
                let text = lang.tf("web-invoices-refused", &[("reason", &reason)]);
                invoices_page(&p, &session, InvoicesQuery::default(), Some((id, text))).await
            }
            _ if settled.replayed => Redirect::to("/panel/invoices?done=replayed").into_response(),
            _ => Redirect::to("/panel/invoices?done=settled").into_response(),
        },
        Err(failure) => {
            let text = to_error(&failure);
            invoices_page(&p, &session, InvoicesQuery::default(), Some((id, text))).await
        }
    }
}
