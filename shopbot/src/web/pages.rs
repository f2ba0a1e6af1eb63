//! The panel's pages and forms. Each handler re-reads the session, shows only what the role
//! permits, and turns every action into one core call with the session's actor; a refusal
//! is shown next to the form that caused it.

use super::{Panel, html, lang_of, lang_of_request, nonce};
use crate::core::{self, Failure};
use crate::i18n::Lang;
use crate::render;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use shopcore::roles::has_permission;
use shopcore::{
    DashboardOptions, ExportKind, OrderId, OrderStatus, PanelSession, Permission, RequestKey, Role,
    TopupId, UserId,
};
use std::sync::Arc;

type P = State<Arc<Panel>>;

/// Rows per page of every list.
const PAGE: usize = 25;

pub(super) fn routes() -> Router<Arc<Panel>> {
    Router::new()
        .route("/panel/style.css", get(style))
        .route("/panel/login/{token}", get(login_page))
        .route("/panel/login", post(login))
        .route("/panel/logout", post(logout))
        .route("/panel", get(dashboard))
        .route("/panel/", get(dashboard))
        .route("/panel/topups", get(topups))
        .route("/panel/topups/{id}/{action}", post(topup_action))
        .route("/panel/orders", get(orders))
        .route("/panel/orders/{id}/{action}", post(order_action))
        .route("/panel/users", get(users))
        .route("/panel/users/{id}/role", post(user_role))
        .route("/panel/users/{id}/sessions", post(user_sessions))
        .route("/panel/ops", get(ops))
        .route("/panel/ops/verify", post(verify))
        .route("/panel/export/{kind}", get(export))
}

/// Localized texts for templates: `l.t("key")`.
#[derive(Clone, Copy)]
pub(crate) struct L(pub Lang);

impl L {
    pub fn t(&self, key: &str) -> String {
        self.0.t(key)
    }
    pub fn tf(&self, key: &str, name: &str, value: &str) -> String {
        self.0.tf(key, &[(name, value)])
    }
}

/// What every page shows around its content.
pub(crate) struct Chrome {
    l: L,
    lang: &'static str,
    dir: &'static str,
    title: String,
    nav: Option<Nav>,
}

pub(crate) struct Nav {
    items: Vec<NavItem>,
    csrf: String,
    who: String,
}

pub(crate) struct NavItem {
    href: &'static str,
    label: String,
    current: bool,
}

fn chrome(lang: Lang, title_key: &str, session: Option<&PanelSession>, here: &str) -> Chrome {
    let l = L(lang);
    let nav = session.map(|s| {
        let role = s.user.role;
        let mut items = vec![("/panel/", "web.nav.dashboard", true)];
        items.push((
            "/panel/topups",
            "web.nav.topups",
            has_permission(role, Permission::ReviewTopups),
        ));
        items.push((
            "/panel/orders",
            "web.nav.orders",
            has_permission(role, Permission::ManageOrders),
        ));
        items.push((
            "/panel/users",
            "web.nav.users",
            has_permission(role, Permission::ViewUsers),
        ));
        items.push(("/panel/ops", "web.nav.ops", true));
        Nav {
            items: items
                .into_iter()
                .filter(|(_, _, shown)| *shown)
                .map(|(href, key, _)| NavItem {
                    href,
                    label: lang.t(key),
                    current: href == here,
                })
                .collect(),
            csrf: s.csrf.clone(),
            who: who(&s.user),
        }
    });
    Chrome {
        l,
        lang: lang.code(),
        dir: if lang == Lang::Ar { "rtl" } else { "ltr" },
        title: lang.t(title_key),
        nav,
    }
}

fn who(user: &shopcore::User) -> String {
    match &user.username {
        Some(name) => format!("{} ({name})", user.display_name),
        None => format!("{} ({})", user.display_name, user.id),
    }
}

fn role_label(lang: Lang, role: Role) -> String {
    lang.t(&format!("role.{}", role.name()))
}

/// The text for a refusal, for staff.
fn refusal(lang: Lang, failure: &Failure, shop: &shopcore::Shop) -> String {
    render::staff::failure(lang, failure, &shop.settings())
}

// ----- static

async fn style() -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/css")),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            ),
        ],
        include_str!("panel.css"),
    )
        .into_response()
}

// ----- messages (signed out, failures, sign-in)

#[derive(Template)]
#[template(path = "panel/message.html")]
struct MessagePage {
    c: Chrome,
    text: String,
}

pub(super) fn signed_out(lang: Lang, why: Option<&str>) -> Response {
    let text = match why {
        Some("panel.session_expired") => lang.t("web.session_expired"),
        Some("panel.not_staff") => lang.t("web.not_staff"),
        Some("denied.banned") => lang.t("web.banned"),
        _ => lang.t("web.signed_out"),
    };
    let page = MessagePage {
        c: chrome(lang, "web.title.sign_in", None, ""),
        text,
    };
    html(StatusCode::UNAUTHORIZED, page.render())
}

pub(super) fn failure_page(lang: Lang, status: StatusCode, kind: &str) -> Response {
    let text = if status == StatusCode::FORBIDDEN {
        lang.t("web.forged")
    } else {
        tracing::warn!(kind, "a panel page failed");
        lang.t("web.unavailable")
    };
    let page = MessagePage {
        c: chrome(lang, "web.title.error", None, ""),
        text,
    };
    html(status, page.render())
}

#[derive(Template)]
#[template(path = "panel/login.html")]
struct LoginPage {
    c: Chrome,
    token: String,
}

async fn login_page(headers: HeaderMap, Path(token): Path<String>) -> Response {
    let lang = lang_of_request(&headers);
    // Only the shape is checked here: the link is used up by the POST, not by a GET that a
    // link preview or a prefetcher may make.
    let token: String = token
        .chars()
        .filter(char::is_ascii_hexdigit)
        .take(64)
        .collect();
    let page = LoginPage {
        c: chrome(lang, "web.title.sign_in", None, ""),
        token,
    };
    html(StatusCode::OK, page.render())
}

#[derive(Deserialize)]
struct LoginForm {
    token: String,
}

async fn login(
    State(p): P,
    headers: HeaderMap,
    axum::extract::ConnectInfo(addr): axum::extract::ConnectInfo<std::net::SocketAddr>,
    Form(form): Form<LoginForm>,
) -> Response {
    let lang = lang_of_request(&headers);
    let ip = addr.ip();
    if p.sign_in.check_key(&ip).is_err() {
        let page = MessagePage {
            c: chrome(lang, "web.title.sign_in", None, ""),
            text: lang.t("web.too_many_attempts"),
        };
        return html(StatusCode::TOO_MANY_REQUESTS, page.render());
    }
    let token = form.token;
    match core::run(&p.shop, move |shop| shop.open_panel_session(&token)).await {
        Ok(session) => {
            let mut response = Redirect::to("/panel/").into_response();
            if let Ok(v) = HeaderValue::from_str(&p.session_cookie(&session.token)) {
                response.headers_mut().insert(header::SET_COOKIE, v);
            }
            tracing::info!(user = %session.user, "signed in to the web panel");
            response
        }
        Err(failure) => {
            let text = match failure.kind() {
                "panel.link_expired" => lang.t("web.link_expired"),
                "panel.not_staff" => lang.t("web.not_staff"),
                "denied.banned" => lang.t("web.banned"),
                "panel.link_unknown" => lang.t("web.link_unknown"),
                _ => lang.t("web.unavailable"),
            };
            let page = MessagePage {
                c: chrome(lang, "web.title.sign_in", None, ""),
                text,
            };
            html(StatusCode::FORBIDDEN, page.render())
        }
    }
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf: String,
}

/// Checks a form's CSRF token against the session's: `None` when it matches, else the
/// forged-form page.
fn forged(session: &PanelSession, sent: &str) -> Option<Response> {
    if shopcore::panel::tokens_match(sent, &session.csrf) {
        None
    } else {
        tracing::warn!(user = %session.user.id, "a panel form without a valid CSRF token");
        Some(failure_page(
            lang_of(session),
            StatusCode::FORBIDDEN,
            "panel.forged",
        ))
    }
}

async fn logout(State(p): P, headers: HeaderMap, Form(form): Form<CsrfForm>) -> Response {
    let (session, token) = match p.session(&headers).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    if let Some(page) = forged(&session, &form.csrf) {
        return page;
    }
    let _ = core::run(&p.shop, move |shop| shop.end_panel_session(&token)).await;
    p.signed_out(lang_of(&session), None)
}

// ----- dashboard

#[derive(Template)]
#[template(path = "panel/dashboard.html")]
struct DashboardPage {
    c: Chrome,
    l: L,
    figures: Vec<(String, String)>,
    queues: Vec<(String, String, &'static str)>,
    series: Vec<(String, String, i64)>,
    series_max: i64,
    best: Vec<(String, u64, String)>,
    stats_shown: bool,
}

async fn dashboard(State(p): P, headers: HeaderMap) -> Response {
    let (session, _) = match p.session(&headers).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    let lang = lang_of(&session);
    let role = session.user.role;
    let actor = session.actor.clone();
    let loaded = core::run(&p.shop, move |shop| {
        let stats = if has_permission(role, Permission::ViewStats) {
            Some(shop.dashboard(
                &actor,
                DashboardOptions {
                    top_n: 5,
                    series_days: 14,
                },
            )?)
        } else {
            None
        };
        let topups = if has_permission(role, Permission::ReviewTopups) {
            Some(shop.pending_topups(&actor, None, 100)?.len())
        } else {
            None
        };
        let orders = if has_permission(role, Permission::ManageOrders) {
            Some(shop.manual_queue(&actor, 100)?.len())
        } else {
            None
        };
        Ok((stats, topups, orders))
    })
    .await;
    let (stats, topups, orders) = match loaded {
        Ok(v) => v,
        Err(failure) => {
            return failure_page(lang, StatusCode::SERVICE_UNAVAILABLE, failure.kind());
        }
    };
    let count = |n: usize| {
        if n >= 100 {
            "100+".to_owned()
        } else {
            n.to_string()
        }
    };
    let mut queues = Vec::new();
    if let Some(n) = topups {
        queues.push((lang.t("web.queue.topups"), count(n), "/panel/topups"));
    }
    if let Some(n) = orders {
        queues.push((lang.t("web.queue.orders"), count(n), "/panel/orders"));
    }
    let mut figures = Vec::new();
    let mut series = Vec::new();
    let mut best = Vec::new();
    let mut series_max = 1;
    let stats_shown = stats.is_some();
    if let Some(d) = stats {
        figures = vec![
            (lang.t("web.stat.users"), d.users.total.to_string()),
            (
                lang.t("web.stat.users_today"),
                d.users.new_today.to_string(),
            ),
            (lang.t("web.stat.active_7d"), d.users.active_7d.to_string()),
            (lang.t("web.stat.orders"), d.orders.total.to_string()),
            (lang.t("web.stat.orders_today"), d.orders.today.to_string()),
            (lang.t("web.stat.revenue"), render::usd(d.revenue.total)),
            (
                lang.t("web.stat.revenue_today"),
                render::usd(d.revenue.today),
            ),
            (
                lang.t("web.stat.revenue_month"),
                render::usd(d.revenue.this_month),
            ),
            (
                lang.t("web.stat.average_order"),
                render::usd(d.revenue.average_order_value),
            ),
            (lang.t("web.stat.topups"), render::usd(d.topups.total)),
        ];
        for (day, money) in &d.revenue_series {
            let (y, m, dd) = shopcore::analytics::civil_from_days(*day);
            let cents = (money.decimal() * rust_decimal::Decimal::from(100))
                .trunc()
                .try_into()
                .unwrap_or(0i64);
            series_max = series_max.max(cents);
            series.push((format!("{y:04}-{m:02}-{dd:02}"), render::usd(*money), cents));
        }
        best = d
            .best_by_units
            .iter()
            .map(|b| (b.name.clone(), b.units, render::usd(b.revenue)))
            .collect();
    }
    let page = DashboardPage {
        c: chrome(lang, "web.title.dashboard", Some(&session), "/panel/"),
        l: L(lang),
        figures,
        queues,
        series,
        series_max,
        best,
        stats_shown,
    };
    html(StatusCode::OK, page.render())
}

// ----- top-ups

struct TopupRow {
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
                c: chrome(lang, "web.title.topups", Some(session), "/panel/topups"),
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
            id: t.id.get().to_string(),
            user: t.user.to_string(),
            amount: format!("{} {}", t.amount, t.currency),
            usd: render::usd(t.amount_usd),
            requested: render::date(t.requested_at),
            proof: match &t.proof {
                shopcore::Proof::Text(text) => text.clone(),
                shopcore::Proof::File { caption, .. } => {
                    let photo = lang.t("web.proof.photo");
                    match caption {
                        Some(c) => format!("{photo}: {c}"),
                        None => photo,
                    }
                }
                _ => lang.t("web.proof.photo"),
            },
            nonce: nonce(),
            error: error
                .as_ref()
                .filter(|(id, _)| *id == t.id.get())
                .map(|(_, e)| e.clone()),
        })
        .collect();
    let done = q.done.as_deref().map(|d| match d {
        "approved" => lang.t("web.done.topup_approved"),
        _ => lang.t("web.done.topup_rejected"),
    });
    let page = TopupsPage {
        c: chrome(lang, "web.title.topups", Some(session), "/panel/topups"),
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

#[derive(Deserialize)]
struct ActionForm {
    csrf: String,
    nonce: String,
    #[serde(default)]
    text: String,
}

/// The request key of a form: the action, the record and the form's nonce, so sending the
/// same form twice (a double click, a reload) acts once.
fn form_key(action: &str, id: u64, nonce: &str) -> Result<RequestKey, Failure> {
    let nonce: String = nonce
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(32)
        .collect();
    RequestKey::new(&format!("web:{action}:{id}:{nonce}"))
        .map_err(|e| Failure::Core(shopcore::Error::from(e)))
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
    status: &'static str,
    rows: Vec<OrderRow>,
    next: Option<String>,
    done: Option<String>,
}

#[derive(Deserialize, Default)]
struct OrdersQuery {
    status: Option<String>,
    after: Option<u64>,
    done: Option<String>,
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
    let actor = session.actor.clone();
    let status = status_named(q.status.as_deref());
    let after = q.after.and_then(|a| OrderId::new(a).ok());
    let listed = core::run(&p.shop, move |shop| {
        shop.orders_with_status(&actor, status, after, PAGE)
    })
    .await;
    let page_of = match listed {
        Ok(v) => v,
        Err(failure) => {
            let page = MessagePage {
                c: chrome(lang, "web.title.orders", Some(session), "/panel/orders"),
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
                    ("confirm", lang.t("web.order.confirm"), false),
                    ("cancel", lang.t("web.order.cancel"), false),
                ],
                OrderStatus::Paid | OrderStatus::Processing => vec![
                    ("complete", lang.t("web.order.complete"), true),
                    ("fail", lang.t("web.order.fail"), true),
                ],
                _ => vec![],
            };
            OrderRow {
                id: o.id.get().to_string(),
                user: o.user.to_string(),
                product: o.product_name.clone(),
                player: o.player_id.clone().unwrap_or_default(),
                total: render::usd(o.total_usd),
                status: lang.t(&format!("status.{}", o.status.name())),
                created: render::date(o.created_at),
                actions,
                nonce: nonce(),
                error: error
                    .as_ref()
                    .filter(|(id, _)| *id == o.id.get())
                    .map(|(_, e)| e.clone()),
            }
        })
        .collect();
    let statuses = OrderStatus::ALL
        .iter()
        .map(|s| {
            (
                s.name(),
                lang.t(&format!("status.{}", s.name())),
                *s == status,
            )
        })
        .collect();
    let done = q.done.as_deref().map(|_| lang.t("web.done.order"));
    let page = OrdersPage {
        c: chrome(lang, "web.title.orders", Some(session), "/panel/orders"),
        l: L(lang),
        csrf: session.csrf.clone(),
        statuses,
        status: status.name(),
        rows,
        next: page_of.next.map(|n| n.get().to_string()),
        done,
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

// ----- users

struct UserView {
    id: String,
    name: String,
    username: String,
    role: String,
    banned: bool,
    balance: String,
    joined: String,
    roles: Vec<(&'static str, String, bool)>,
}

#[derive(Template)]
#[template(path = "panel/users.html")]
struct UsersPage {
    c: Chrome,
    l: L,
    csrf: String,
    query: String,
    found: Option<UserView>,
    error: Option<String>,
    done: Option<String>,
    can_roles: bool,
}

#[derive(Deserialize, Default)]
struct UsersQuery {
    q: Option<String>,
    done: Option<String>,
}

async fn users(State(p): P, headers: HeaderMap, Query(q): Query<UsersQuery>) -> Response {
    let (session, _) = match p.session(&headers).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    users_page(&p, &session, q, None).await
}

async fn users_page(
    p: &Panel,
    session: &PanelSession,
    q: UsersQuery,
    error: Option<String>,
) -> Response {
    let lang = lang_of(session);
    let query = q.q.unwrap_or_default();
    let mut found = None;
    let mut error = error;
    if !query.trim().is_empty() {
        let actor = session.actor.clone();
        let asked = query.clone();
        match core::run(&p.shop, move |shop| {
            let user = shop.find_user(&actor, &asked)?;
            let balance = shop.balance(user.id)?;
            Ok((user, balance))
        })
        .await
        {
            Ok((user, balance)) => {
                found = Some(UserView {
                    id: user.id.to_string(),
                    name: user.display_name.clone(),
                    username: user
                        .username
                        .as_ref()
                        .map(|u| u.to_string())
                        .unwrap_or_default(),
                    role: role_label(lang, user.role),
                    banned: user.ban.is_some(),
                    balance: render::usd(balance),
                    joined: render::date(user.created_at),
                    roles: Role::ALL
                        .iter()
                        .map(|r| (r.name(), role_label(lang, *r), *r == user.role))
                        .collect(),
                })
            }
            Err(failure) if error.is_none() => error = Some(refusal(lang, &failure, &p.shop)),
            Err(_) => {}
        }
    }
    let done = q.done.as_deref().map(|d| match d {
        "role" => lang.t("web.done.role"),
        _ => lang.t("web.done.sessions"),
    });
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = UsersPage {
        c: chrome(lang, "web.title.users", Some(session), "/panel/users"),
        l: L(lang),
        csrf: session.csrf.clone(),
        query,
        found,
        error,
        done,
        can_roles: has_permission(session.user.role, Permission::ManageRoles),
    };
    html(status, page.render())
}

#[derive(Deserialize)]
struct RoleForm {
    csrf: String,
    role: String,
}

async fn user_role(
    State(p): P,
    headers: HeaderMap,
    Path(id): Path<u64>,
    Form(form): Form<RoleForm>,
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
    let result = match (UserId::new(id), Role::parse(&form.role)) {
        (Ok(user), Some(role)) => core::run(&p.shop, move |shop| shop.set_role(&actor, user, role))
            .await
            .map(|_| ()),
        (Err(e), _) => Err(Failure::Core(e.into())),
        (_, None) => Err(Failure::Core(
            shopcore::InvalidInput::UnknownName {
                what: "role",
                text: form.role.chars().take(40).collect(),
            }
            .into(),
        )),
    };
    match result {
        Ok(()) => Redirect::to(&format!("/panel/users?q={id}&done=role")).into_response(),
        Err(failure) => {
            let text = refusal(lang, &failure, &p.shop);
            let q = UsersQuery {
                q: Some(id.to_string()),
                done: None,
            };
            users_page(&p, &session, q, Some(text)).await
        }
    }
}

async fn user_sessions(
    State(p): P,
    headers: HeaderMap,
    Path(id): Path<u64>,
    Form(form): Form<CsrfForm>,
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
    let result = match UserId::new(id) {
        Ok(user) => core::run(&p.shop, move |shop| {
            shop.revoke_panel_sessions(&actor, user)
        })
        .await
        .map(|_| ()),
        Err(e) => Err(Failure::Core(e.into())),
    };
    match result {
        // Ending one's own sessions ends this one too.
        Ok(()) if Some(id) == session.actor.user_id().map(|u| u.get()) => p.signed_out(lang, None),
        Ok(()) => Redirect::to(&format!("/panel/users?q={id}&done=sessions")).into_response(),
        Err(failure) => {
            let text = refusal(lang, &failure, &p.shop);
            let q = UsersQuery {
                q: Some(id.to_string()),
                done: None,
            };
            users_page(&p, &session, q, Some(text)).await
        }
    }
}

// ----- operations

#[derive(Template)]
#[template(path = "panel/ops.html")]
struct OpsPage {
    c: Chrome,
    l: L,
    csrf: String,
    state: String,
    fulfilment: String,
    can_verify: bool,
    exports: Vec<(&'static str, String)>,
    report: Option<Vec<String>>,
    error: Option<String>,
    me: String,
}

const EXPORTS: [(&str, ExportKind, &str); 4] = [
    ("orders", ExportKind::Orders, "web.export.orders"),
    ("ledger", ExportKind::Ledger, "web.export.ledger"),
    ("audit", ExportKind::Audit, "web.export.audit"),
    ("users", ExportKind::Users, "web.export.users"),
];

async fn ops(State(p): P, headers: HeaderMap) -> Response {
    let (session, _) = match p.session(&headers).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    ops_page(&p, &session, None, None)
}

fn ops_page(
    p: &Panel,
    session: &PanelSession,
    report: Option<Vec<String>>,
    error: Option<String>,
) -> Response {
    let lang = lang_of(session);
    let role = session.user.role;
    let settings = p.shop.settings();
    let page = OpsPage {
        c: chrome(lang, "web.title.ops", Some(session), "/panel/ops"),
        l: L(lang),
        csrf: session.csrf.clone(),
        state: format!("{:?}", settings.state),
        fulfilment: format!("{:?}", settings.fulfilment),
        can_verify: has_permission(role, Permission::ManageSettings),
        exports: EXPORTS
            .iter()
            .filter(|(_, kind, _)| has_permission(role, kind.permission()))
            .map(|(name, _, key)| (*name, lang.t(key)))
            .collect(),
        report,
        error,
        me: session.user.id.to_string(),
    };
    html(StatusCode::OK, page.render())
}

async fn verify(State(p): P, headers: HeaderMap, Form(form): Form<CsrfForm>) -> Response {
    let (session, _) = match p.session(&headers).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    if let Some(page) = forged(&session, &form.csrf) {
        return page;
    }
    let lang = lang_of(&session);
    let actor = session.actor.clone();
    match core::run(&p.shop, move |shop| shop.verify_as(&actor)).await {
        Ok(report) => ops_page(&p, &session, Some(report.problems), None),
        Err(failure) => {
            let text = refusal(lang, &failure, &p.shop);
            ops_page(&p, &session, None, Some(text))
        }
    }
}

async fn export(State(p): P, headers: HeaderMap, Path(file): Path<String>) -> Response {
    let (session, _) = match p.session(&headers).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    let lang = lang_of(&session);
    let Some((name, kind, _)) = EXPORTS
        .iter()
        .find(|(name, _, _)| file.strip_suffix(".csv") == Some(*name))
    else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let kind = *kind;
    let actor = session.actor.clone();
    match core::run(&p.shop, move |shop| {
        let mut out = Vec::new();
        shop.export_csv(&actor, kind, &mut out)?;
        Ok(out)
    })
    .await
    {
        Ok(body) => (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/csv; charset=utf-8"),
                ),
                (
                    header::CONTENT_DISPOSITION,
                    HeaderValue::from_str(&format!("attachment; filename=\"{name}.csv\""))
                        .unwrap_or(HeaderValue::from_static("attachment")),
                ),
            ],
            body,
        )
            .into_response(),
        Err(failure) => {
            let text = refusal(lang, &failure, &p.shop);
            ops_page(&p, &session, None, Some(text))
        }
    }
}
