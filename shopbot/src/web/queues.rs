//! The staff queues: top-ups to review (approve, reject) and orders by status (confirm a
//! payment, complete with the delivery, fail, cancel).

use super::pages::{
    ActionForm, Chrome, L, MessagePage, P, PAGE, chrome, forged, form_key, refusal,
};
use super::{Panel, html, lang_of, nonce};
use crate::core::{self, Failure};
use crate::render;
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use shopcore::PanelSession;
use shopcore::{OrderId, OrderStatus, TopupId};

pub(super) fn routes() -> axum::Router<std::sync::Arc<Panel>> {
    axum::Router::new()
        .route("/panel/topups", get(topups))
        .route("/panel/topups/{id}/{action}", post(topup_action))
        .route("/panel/topups/{id}/proof", get(proof))
        .route("/panel/orders", get(orders))
        .route("/panel/orders/{id}/{action}", post(order_action))
        .route("/panel/orders/{id}", get(order_detail))
}

// ----- top-ups

struct TopupRow {
    /// Whether the proof is a photo (shown from `/panel/topups/{id}/proof`).
    photo: bool,
    id: String,
    user: String,
    amount: String,
    usd: String,
    requested: String,
    proof: String,
    nonce: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "panel/topups.html")]
struct TopupsPage {
    c: Chrome,
    l: L,
    csrf: String,
    rows: Vec<TopupRow>,
    next: Option<String>,
    done: Option<String>,
}

#[derive(Deserialize, Default)]
struct After {
    after: Option<u64>,
    done: Option<String>,
}

async fn topups(State(p): P, headers: HeaderMap, Query(q): Query<After>) -> Response {
    let (session, _) = match p.session(&headers).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    topups_page(&p, &session, q, None).await
}

async fn topups_page(
    p: &Panel,
    session: &PanelSession,
    q: After,
    error: Option<(u64, String)>,
) -> Response {
    let lang = lang_of(session);
    let zone = p.shop.settings().time_zone;
    let actor = session.actor.clone();
    let after = q.after.and_then(|a| TopupId::new(a).ok());
    let listed = core::run(&p.shop, move |shop| {
        let mut list = shop.pending_topups(&actor, after, PAGE + 1)?;
        let more = list.len() > PAGE;
        list.truncate(PAGE);
        Ok((list, more))
    })
    .await;
    let (list, more) = match listed {
        Ok(v) => v,
        Err(failure) => {
            let page = MessagePage {
                c: chrome(lang, "web-title-topups", Some(session), "/panel/topups"),
                text: refusal(lang, &failure, &p.shop),
            };
            return html(StatusCode::FORBIDDEN, page.render());
        }
    };
    let next = more
        .then(|| list.last().map(|t| t.id.to_string()))
        .flatten();
    let rows = list
        .iter()
        .map(|t| TopupRow {
            photo: t.proof.file_reference().is_some(),
            id: t.id.get().to_string(),
            user: t.user.to_string(),
            amount: render::money_in(t.amount, &t.currency),
            usd: render::usd(t.amount_usd),
            requested: render::date(&zone, t.requested_at),
            proof: match (&t.proof, t.proof.caption()) {
                (shopcore::Proof::Text(text), _) => text.clone(),
                (_, Some(caption)) => caption.to_owned(),
                (_, None) => String::new(),
            },
            nonce: nonce(),
            error: error
                .as_ref()
                .filter(|(id, _)| *id == t.id.get())
                .map(|(_, e)| e.clone()),
        })
        .collect();
    let done = q.done.as_deref().map(|d| match d {
        "approved" => lang.t("web-done-topup_approved"),
        _ => lang.t("web-done-topup_rejected"),
    });
    let page = TopupsPage {
        c: chrome(lang, "web-title-topups", Some(session), "/panel/topups"),
        l: L(lang),
        csrf: session.csrf.clone(),
        rows,
        next,
        done,
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    html(status, page.render())
}

async fn topup_action(
    State(p): P,
    headers: HeaderMap,
    Path((id, action)): Path<(u64, String)>,
    Form(form): Form<ActionForm>,
) -> Response {
    let (session, _) = match p.session(&headers).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    if let Some(page) = forged(&session, &form.csrf) {
        return page;
    }
    let lang = lang_of(&session);
    let actor = session.actor.clone();
    let approve = match action.as_str() {
        "approve" => true,
        "reject" => false,
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    let result = match (TopupId::new(id), form_key(&action, id, &form.nonce)) {
        (Ok(topup), Ok(key)) => {
            let text = form.text;
            core::run(&p.shop, move |shop| {
                if approve {
                    shop.approve_topup(&actor, topup, &key)
                } else {
                    shop.reject_topup(&actor, topup, &text, &key)
                }
            })
            .await
            .map(|_| ())
        }
        (Err(e), _) => Err(Failure::Core(e.into())),
        (_, Err(f)) => Err(f),
    };
    match result {
        Ok(()) => Redirect::to(if approve {
            "/panel/topups?done=approved"
        } else {
            "/panel/topups?done=rejected"
        })
        .into_response(),
        Err(failure) => {
            let text = refusal(lang, &failure, &p.shop);
            topups_page(&p, &session, After::default(), Some((id, text))).await
        }
    }
}

// ----- orders

struct OrderRow {
    id: String,
    user: String,
    product: String,
    player: String,
    total: String,
    status: String,
    created: String,
    actions: Vec<(&'static str, String, bool)>,
    nonce: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "panel/orders.html")]
struct OrdersPage {
    c: Chrome,
    l: L,
    csrf: String,
    statuses: Vec<(&'static str, String, bool)>,
    rows: Vec<OrderRow>,
    next: Option<String>,
    done: Option<String>,
    filter_user: String,
    filter_product: String,
    filter_from: String,
    filter_to: String,
}

#[derive(Deserialize, Default)]
struct OrdersQuery {
    /// A status name, or `any` (only with a user).
    status: Option<String>,
    /// The user whose orders to list (their id).
    #[serde(default)]
    user: String,
    /// Only this product (its id).
    #[serde(default)]
    product: String,
    /// Placed on or after this day (`YYYY-MM-DD`, UTC).
    #[serde(default)]
    from: String,
    /// Placed on or before this day (`YYYY-MM-DD`, UTC).
    #[serde(default)]
    to: String,
    /// Where the previous page stopped (an order id).
    cursor: Option<u64>,
    done: Option<String>,
}

/// Orders one page may look at when filters (product, dates) drop some: a page with fewer
/// rows than asked and a next link is the result of a bounded scan, never of reading every
/// order.
const FILTER_SCAN_BUDGET: usize = 2_000;

/// The filters of an orders page, checked.
struct OrderFilters {
    status: Option<OrderStatus>,
    user: Option<shopcore::UserId>,
    product: Option<u64>,
    from: Option<shopcore::Timestamp>,
    until: Option<shopcore::Timestamp>,
}

impl OrderFilters {
    fn keeps(&self, o: &shopcore::Order) -> bool {
        self.status.is_none_or(|s| o.status == s)
            && self.product.is_none_or(|p| o.product.get() == p)
            && self.from.is_none_or(|t| o.created_at >= t)
            && self.until.is_none_or(|t| o.created_at < t)
    }
}

fn order_filters(
    lang: crate::i18n::Lang,
    zone: &shopcore::Zone,
    q: &OrdersQuery,
) -> Result<OrderFilters, String> {
    let user = match q.user.trim() {
        "" => None,
        t => Some(
            t.parse::<u64>()
                .ok()
                .and_then(|id| shopcore::UserId::new(id).ok())
                .ok_or_else(|| lang.t("web-audit-bad_user"))?,
        ),
    };
    let status = match q.status.as_deref() {
        Some("any") if user.is_some() => None,
        other => Some(status_named(other)),
    };
    let product = match q.product.trim() {
        "" => None,
        t => Some(
            t.parse::<u64>()
                .ok()
                .filter(|id| *id > 0)
                .ok_or_else(|| lang.t("web-orders-bad_product"))?,
        ),
    };
    let bad_date = || lang.t("web-audit-bad_date");
    let from = match q.from.trim() {
        "" => None,
        t => Some(super::audit::day_start(t, zone).ok_or_else(bad_date)?),
    };
    let until = match q.to.trim() {
        "" => None,
        t => Some(super::audit::day_end(t, zone).ok_or_else(bad_date)?),
    };
    Ok(OrderFilters {
        status,
        user,
        product,
        from,
        until,
    })
}

async fn orders(State(p): P, headers: HeaderMap, Query(q): Query<OrdersQuery>) -> Response {
    let (session, _) = match p.session(&headers).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    orders_page(&p, &session, q, None).await
}

fn status_named(name: Option<&str>) -> OrderStatus {
    name.and_then(|n| OrderStatus::ALL.iter().copied().find(|s| s.name() == n))
        .unwrap_or(OrderStatus::Paid)
}

async fn orders_page(
    p: &Panel,
    session: &PanelSession,
    q: OrdersQuery,
    error: Option<(u64, String)>,
) -> Response {
    let lang = lang_of(session);
    let zone = p.shop.settings().time_zone;
    let actor = session.actor.clone();
    let filters = match order_filters(lang, &zone, &q) {
        Ok(f) => f,
        Err(text) => {
            let page = MessagePage {
                c: chrome(lang, "web-title-orders", Some(session), "/panel/orders"),
                text,
            };
            return html(StatusCode::UNPROCESSABLE_ENTITY, page.render());
        }
    };
    let cursor = q.cursor.and_then(|a| OrderId::new(a).ok());
    let (status, user) = (filters.status, filters.user);
    let listed = core::run(&p.shop, move |shop| {
        // A user's orders come newest first along their chain; otherwise the status index,
        // oldest first (the queue's order). Either way, in chunks, up to the scan budget.
        let mut kept = Vec::new();
        let mut scanned = 0;
        let mut position = cursor;
        let mut more = true;
        while kept.len() < PAGE && scanned < FILTER_SCAN_BUDGET {
            let chunk = match user {
                Some(user) => shop.orders_of(&actor, user, position, 100)?,
                None => shop.orders_with_status(
                    &actor,
                    status.unwrap_or(OrderStatus::Paid),
                    position,
                    100,
                )?,
            };
            for order in &chunk.orders {
                scanned += 1;
                position = Some(order.id);
                if filters.keeps(order) {
                    kept.push(order.clone());
                    if kept.len() == PAGE {
                        break;
                    }
                }
            }
            if chunk.next.is_none() && position == chunk.orders.last().map(|o| o.id) {
                more = false;
                break;
            }
        }
        Ok(shopcore::OrderPage {
            orders: kept,
            next: if more { position } else { None },
        })
    })
    .await;
    let page_of = match listed {
        Ok(v) => v,
        Err(failure) => {
            let page = MessagePage {
                c: chrome(lang, "web-title-orders", Some(session), "/panel/orders"),
                text: refusal(lang, &failure, &p.shop),
            };
            return html(StatusCode::FORBIDDEN, page.render());
        }
    };
    let rows = page_of
        .orders
        .iter()
        .map(|o| {
            let actions: Vec<(&'static str, String, bool)> = match o.status {
                OrderStatus::AwaitingPayment => vec![
                    ("confirm", lang.t("web-order-confirm"), false),
                    ("cancel", lang.t("web-order-cancel"), false),
                ],
                OrderStatus::Paid | OrderStatus::Processing => vec![
                    ("complete", lang.t("web-order-complete"), true),
                    ("fail", lang.t("web-order-fail"), true),
                ],
                _ => vec![],
            };
            OrderRow {
                id: o.id.get().to_string(),
                user: o.user.to_string(),
                product: render::order_item(lang, o),
                player: o.player_id.clone().unwrap_or_default(),
                total: render::usd(o.total_usd),
                status: lang.t(&format!("status-{}", o.status.name())),
                created: render::date(&zone, o.created_at),
                actions,
                nonce: nonce(),
                error: error
                    .as_ref()
                    .filter(|(id, _)| *id == o.id.get())
                    .map(|(_, e)| e.clone()),
            }
        })
        .collect();
    let mut statuses: Vec<(&'static str, String, bool)> = OrderStatus::ALL
        .iter()
        .map(|s| {
            (
                s.name(),
                lang.t(&format!("status-{}", s.name())),
                Some(*s) == status,
            )
        })
        .collect();
    statuses.push(("any", lang.t("web-orders-any_status"), status.is_none()));
    let done = q.done.as_deref().map(|_| lang.t("web-done-order"));
    let status_name = status.map_or("any", |s| s.name());
    let next = page_of.next.map(|n| {
        let mut url = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("status", status_name),
            ("user", q.user.as_str()),
            ("product", q.product.as_str()),
            ("from", q.from.as_str()),
            ("to", q.to.as_str()),
        ] {
            url.append_pair(k, v);
        }
        url.append_pair("cursor", &n.get().to_string());
        format!("/panel/orders?{}", url.finish())
    });
    let page = OrdersPage {
        c: chrome(lang, "web-title-orders", Some(session), "/panel/orders"),
        l: L(lang),
        csrf: session.csrf.clone(),
        statuses,
        rows,
        next,
        done,
        filter_user: q.user.clone(),
        filter_product: q.product.clone(),
        filter_from: q.from.clone(),
        filter_to: q.to.clone(),
    };
    let code = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    html(code, page.render())
}

async fn order_action(
    State(p): P,
    headers: HeaderMap,
    Path((id, action)): Path<(u64, String)>,
    Form(form): Form<ActionForm>,
) -> Response {
    let (session, _) = match p.session(&headers).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    if let Some(page) = forged(&session, &form.csrf) {
        return page;
    }
    let lang = lang_of(&session);
    if !matches!(action.as_str(), "confirm" | "cancel" | "complete" | "fail") {
        return StatusCode::NOT_FOUND.into_response();
    }
    let actor = session.actor.clone();
    let result = match (OrderId::new(id), form_key(&action, id, &form.nonce)) {
        (Ok(order), Ok(key)) => {
            let text = form.text;
            let action = action.clone();
            core::run(&p.shop, move |shop| match action.as_str() {
                "confirm" => shop.confirm_payment(&actor, order, &key),
                "cancel" => shop.cancel_order(&actor, order, &key),
                "complete" => {
                    let delivery = (!text.trim().is_empty()).then_some(text.as_str());
                    shop.complete_order(&actor, order, delivery, &key)
                }
                _ => shop.fail_order(&actor, order, &text, &key),
            })
            .await
            .map(|o| o.status)
        }
        (Err(e), _) => Err(Failure::Core(e.into())),
        (_, Err(f)) => Err(f),
    };
    match result {
        Ok(_) => Redirect::to("/panel/orders?done=1").into_response(),
        Err(failure) => {
            let text = refusal(lang, &failure, &p.shop);
            let before = core::run(&p.shop, {
                let actor = session.actor.clone();
                move |shop| {
                    OrderId::new(id)
                        .map_err(shopcore::Error::from)
                        .and_then(|o| shop.order(&actor, o))
                }
            })
            .await
            .ok()
            .map(|o| o.status.name().to_owned());
            let q = OrdersQuery {
                status: before,
                ..Default::default()
            };
            orders_page(&p, &session, q, Some((id, text))).await
        }
    }
}

/// A top-up's proof photo, for staff who review top-ups: fetched from Telegram (the store
/// keeps only its file id) and cached.
async fn proof(State(p): P, headers: HeaderMap, Path(id): Path<u64>) -> Response {
    let (session, _) = match p.session(&headers).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    let actor = session.actor.clone();
    let topup = core::run(&p.shop, move |shop| {
        let id = TopupId::new(id).map_err(shopcore::Error::from)?;
        shop.topup(&actor, id)
    })
    .await;
    let file_id = match topup {
        Ok(topup) => match topup.proof.file_reference() {
            Some(reference) => reference.to_owned(),
            None => return StatusCode::NOT_FOUND.into_response(),
        },
        Err(Failure::Core(shopcore::Error::Denied(_))) => {
            return StatusCode::FORBIDDEN.into_response();
        }
        Err(_) => return StatusCode::NOT_FOUND.into_response(),
    };
    match p.proof_photo(&file_id).await {
        Some(bytes) => {
            let kind = if bytes.starts_with(b"\x89PNG") {
                "image/png"
            } else if bytes.starts_with(&[0xFF, 0xD8]) {
                "image/jpeg"
            } else if bytes.starts_with(b"RIFF") {
                "image/webp"
            } else {
                "application/octet-stream"
            };
            (
                [
                    (header::CONTENT_TYPE, HeaderValue::from_static(kind)),
                    (
                        header::CACHE_CONTROL,
                        HeaderValue::from_static("private, max-age=3600"),
                    ),
                ],
                bytes.as_ref().clone(),
            )
                .into_response()
        }
        None => StatusCode::BAD_GATEWAY.into_response(),
    }
}

#[derive(Template)]
#[template(path = "panel/order.html")]
struct OrderDetailPage {
    c: Chrome,
    l: L,
    csrf: String,
    row: OrderRow,
    fields: Vec<(String, String)>,
}

/// One order, every field (a code delivered from a pool is not shown: only that it was).
async fn order_detail(State(p): P, headers: HeaderMap, Path(id): Path<u64>) -> Response {
    let (session, _) = match p.session(&headers).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    let lang = lang_of(&session);
    let zone = p.shop.settings().time_zone;
    let actor = session.actor.clone();
    let loaded = core::run(&p.shop, move |shop| {
        let id = OrderId::new(id).map_err(shopcore::Error::from)?;
        shop.order(&actor, id)
    })
    .await;
    let o = match loaded {
        Ok(o) => o,
        Err(failure) => {
            let page = MessagePage {
                c: chrome(lang, "web-title-orders", Some(&session), "/panel/orders"),
                text: refusal(lang, &failure, &p.shop),
            };
            return html(StatusCode::NOT_FOUND, page.render());
        }
    };
    let t = |key: &str| lang.t(key);
    let mut fields = vec![
        (t("web-col-user"), o.user.to_string()),
        (
            t("web-col-product"),
            format!("{} (#{})", render::order_item(lang, &o), o.product.get()),
        ),
        (
            t("web-col-status"),
            lang.t(&format!("status-{}", o.status.name())),
        ),
        (t("web-order-price"), render::usd(o.price_usd)),
        (t("web-order-discount"), render::usd(o.discount_usd)),
        (t("web-col-total"), render::usd(o.total_usd)),
        (
            t("web-order-local"),
            format!("{} {} (× {})", o.price_local, o.currency, o.exchange_rate),
        ),
        (
            t("web-order-payment"),
            match &o.payment {
                shopcore::Payment::Balance => t("web-order-paid_from_balance"),
                shopcore::Payment::Method {
                    method,
                    amount,
                    currency,
                    ..
                } => format!("#{} · {amount} {currency}", method.get()),
                shopcore::Payment::Invoice {
                    invoice,
                    provider,
                    amount,
                    currency,
                    ..
                } => format!(
                    "{} {} · {amount} {currency}",
                    render::provider_name(lang, *provider),
                    invoice
                ),
                #[allow(unreachable_patterns)]
                _ => String::new(),
            },
        ),
        (t("web-order-fulfilment"), o.fulfilment.to_string()),
        (t("web-col-created"), render::date(&zone, o.created_at)),
        (t("web-order-updated"), render::date(&zone, o.updated_at)),
    ];
    if let Some(player) = &o.player_id {
        fields.push((t("web-col-player"), player.clone()));
    }
    if let Some(coupon) = &o.coupon {
        fields.push((t("web-coupons-code"), coupon.to_string()));
    }
    if let Some(expires) = o.expires_at {
        fields.push((t("web-order-expires"), render::date(&zone, expires)));
    }
    if let Some(delivery) = &o.delivery {
        let shown = if o.holds_code() || o.fulfilment == shopcore::Fulfilment::Codes {
            t("web-order-code_delivered")
        } else {
            delivery.clone()
        };
        fields.push((t("web-order-delivery"), shown));
    }
    if let Some(reason) = &o.failure_reason {
        fields.push((t("web-order-failure"), reason.clone()));
    }
    let actions: Vec<(&'static str, String, bool)> = match o.status {
        OrderStatus::AwaitingPayment => vec![
            ("confirm", lang.t("web-order-confirm"), false),
            ("cancel", lang.t("web-order-cancel"), false),
        ],
        OrderStatus::Paid | OrderStatus::Processing => vec![
            ("complete", lang.t("web-order-complete"), true),
            ("fail", lang.t("web-order-fail"), true),
        ],
        _ => vec![],
    };
    let row = OrderRow {
        id: o.id.get().to_string(),
        user: o.user.to_string(),
        product: render::order_item(lang, &o),
        player: o.player_id.clone().unwrap_or_default(),
        total: render::usd(o.total_usd),
        status: lang.t(&format!("status-{}", o.status.name())),
        created: render::date(&zone, o.created_at),
        actions,
        nonce: nonce(),
        error: None,
    };
    let page = OrderDetailPage {
        c: chrome(lang, "web-title-order", Some(&session), "/panel/orders"),
        l: L(lang),
        csrf: session.csrf.clone(),
        row,
        fields,
    };
    html(StatusCode::OK, page.render())
}
