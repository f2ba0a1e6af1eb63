//! The panel's pages and forms. Each handler re-reads the session, shows only what the role
//! permits, and turns every action into one core call with the session's actor; a refusal
//! is shown next to the form that caused it.

use super::{Panel, html, lang_of, lang_of_request};
use crate::core::{self, Failure};
use crate::i18n::Lang;
use crate::render;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use shopcore::roles::has_permission;
use shopcore::{DashboardOptions, PanelSession, Permission, RequestKey, Role};
use std::sync::Arc;

pub(super) type P = State<Arc<Panel>>;

/// Rows per page of every list.
pub(super) const PAGE: usize = 25;

pub(super) fn routes() -> Router<Arc<Panel>> {
    Router::new()
        .route("/panel/style.css", get(style))
        .route("/panel/login/{token}", get(login_page))
        .route("/panel/login", post(login))
        .route("/panel/logout", post(logout))
        .route("/panel/language", post(language))
        .route("/panel", get(dashboard))
        .route("/panel/", get(dashboard))
        .merge(super::queues::routes())
        .merge(super::invoices::routes())
        .merge(super::users::routes())
        .merge(super::ops::routes())
        .merge(super::audit::routes())
        .merge(super::catalog::routes())
        .merge(super::payments::routes())
        .merge(super::broadcasts::routes())
}

/// Localized texts for templates: `l.t(…)` with a key from the locale files.
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
    pub(super) l: L,
    pub(super) lang: &'static str,
    pub(super) dir: &'static str,
    pub(super) title: String,
    pub(super) nav: Option<Nav>,
}

pub(crate) struct Nav {
    pub(super) items: Vec<NavItem>,
    pub(super) csrf: String,
    pub(super) who: String,
    /// The other languages (code, name in itself), offered in the header.
    pub(super) other_languages: Vec<(&'static str, String)>,
}

pub(crate) struct NavItem {
    pub(super) href: &'static str,
    pub(super) label: String,
    pub(super) current: bool,
}

pub(super) fn chrome(
    lang: Lang,
    title_key: &str,
    session: Option<&PanelSession>,
    here: &str,
) -> Chrome {
    let l = L(lang);
    let nav = session.map(|s| {
        let role = s.user.role;
        let mut items = vec![("/panel/", "web-nav-dashboard", true)];
        items.push((
            "/panel/topups",
            "web-nav-topups",
            has_permission(role, Permission::ReviewTopups),
        ));
        items.push((
            "/panel/invoices",
            "web-nav-invoices",
            has_permission(role, Permission::ReviewTopups),
        ));
        items.push((
            "/panel/orders",
            "web-nav-orders",
            has_permission(role, Permission::ManageOrders),
        ));
        items.push((
            "/panel/catalog",
            "web-nav-catalog",
            has_permission(role, Permission::ViewCatalog),
        ));
        items.push((
            "/panel/payments",
            "web-nav-payments",
            has_permission(role, Permission::ManagePaymentMethods)
                || has_permission(role, Permission::ManageCoupons)
                || has_permission(role, Permission::ManageSettings),
        ));
        items.push((
            "/panel/users",
            "web-nav-users",
            has_permission(role, Permission::ViewUsers),
        ));
        items.push((
            "/panel/broadcasts",
            "web-nav-broadcasts",
            has_permission(role, Permission::Broadcast),
        ));
        items.push((
            "/panel/audit",
            "web-nav-audit",
            has_permission(role, Permission::ViewAuditLogs),
        ));
        items.push(("/panel/ops", "web-nav-ops", true));
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
            other_languages: Lang::all()
                .filter(|l| *l != lang)
                .map(|l| (l.code(), l.name()))
                .collect(),
        }
    });
    Chrome {
        l,
        lang: lang.code(),
        dir: if lang.is_rtl() { "rtl" } else { "ltr" },
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

pub(super) fn role_label(lang: Lang, role: Role) -> String {
    lang.t(&format!("role-{}", role.name()))
}

/// The text for a refusal, for staff.
pub(super) fn refusal(lang: Lang, failure: &Failure, shop: &shopcore::Shop) -> String {
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
pub(super) struct MessagePage {
    pub(super) c: Chrome,
    pub(super) text: String,
}

pub(super) fn signed_out(lang: Lang, why: Option<&str>) -> Response {
    let text = match why {
        Some("panel.session_expired") => lang.t("web-session_expired"),
        Some("panel.not_staff") => lang.t("web-not_staff"),
        Some("denied.banned") => lang.t("web-banned"),
        _ => lang.t("web-signed_out"),
    };
    let page = MessagePage {
        c: chrome(lang, "web-title-sign_in", None, ""),
        text,
    };
    html(StatusCode::UNAUTHORIZED, page.render())
}

pub(super) fn failure_page(lang: Lang, status: StatusCode, kind: &str) -> Response {
    let text = if status == StatusCode::FORBIDDEN {
        lang.t("web-forged")
    } else {
        tracing::warn!(kind, "a panel page failed");
        lang.t("web-unavailable")
    };
    let page = MessagePage {
        c: chrome(lang, "web-title-error", None, ""),
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
        c: chrome(lang, "web-title-sign_in", None, ""),
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
    let ip = super::client_address(addr.ip(), &headers);
    if p.sign_in.check_key(&ip).is_err() {
        let page = MessagePage {
            c: chrome(lang, "web-title-sign_in", None, ""),
            text: lang.t("web-too_many_attempts"),
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
                "panel.link_expired" => lang.t("web-link_expired"),
                "panel.not_staff" => lang.t("web-not_staff"),
                "denied.banned" => lang.t("web-banned"),
                "panel.link_unknown" => lang.t("web-link_unknown"),
                _ => lang.t("web-unavailable"),
            };
            let page = MessagePage {
                c: chrome(lang, "web-title-sign_in", None, ""),
                text,
            };
            html(StatusCode::FORBIDDEN, page.render())
        }
    }
}

#[derive(Deserialize)]
pub(super) struct CsrfForm {
    pub(super) csrf: String,
}

#[derive(Deserialize)]
pub(super) struct ActionForm {
    pub(super) csrf: String,
    pub(super) nonce: String,
    #[serde(default)]
    pub(super) text: String,
}

/// The request key of a form: the action, the record and the form's nonce, so sending the
/// same form twice (a double click, a reload) acts once.
pub(super) fn form_key(action: &str, id: u64, nonce: &str) -> Result<RequestKey, Failure> {
    let nonce: String = nonce
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(32)
        .collect();
    RequestKey::new(&format!("web:{action}:{id}:{nonce}"))
        .map_err(|e| Failure::Core(shopcore::Error::from(e)))
}

/// Checks a form's CSRF token against the session's: `None` when it matches, else the
/// forged-form page.
pub(super) fn forged(session: &PanelSession, sent: &str) -> Option<Response> {
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

#[derive(Deserialize)]
struct LanguageForm {
    csrf: String,
    language: String,
}

/// Switches the person's language (the one the bot speaks to them too) and goes back home.
async fn language(State(p): P, headers: HeaderMap, Form(form): Form<LanguageForm>) -> Response {
    let (session, _) = match p.session(&headers).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    if let Some(page) = forged(&session, &form.csrf) {
        return page;
    }
    let Some(code) = Lang::parse(&form.language).map(|l| l.code().to_owned()) else {
        return StatusCode::UNPROCESSABLE_ENTITY.into_response();
    };
    let actor = session.actor.clone();
    match core::run(&p.shop, move |shop| {
        shop.set_preferred_language(&actor, &code)
    })
    .await
    {
        Ok(_) => Redirect::to("/panel/").into_response(),
        Err(failure) => failure_page(
            lang_of(&session),
            StatusCode::SERVICE_UNAVAILABLE,
            failure.kind(),
        ),
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
    /// (route, completed orders, revenue, credits, credited).
    routes: Vec<(String, u64, String, u64, String)>,
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
        queues.push((lang.t("web-queue-topups"), count(n), "/panel/topups"));
    }
    if let Some(n) = orders {
        queues.push((lang.t("web-queue-orders"), count(n), "/panel/orders"));
    }
    let mut figures = Vec::new();
    let mut series = Vec::new();
    let mut best = Vec::new();
    let mut routes = Vec::new();
    let mut series_max = 1;
    let stats_shown = stats.is_some();
    if let Some(d) = stats {
        figures = vec![
            (lang.t("web-stat-users"), d.users.total.to_string()),
            (
                lang.t("web-stat-users_today"),
                d.users.new_today.to_string(),
            ),
            (lang.t("web-stat-active_7d"), d.users.active_7d.to_string()),
            (lang.t("web-stat-orders"), d.orders.total.to_string()),
            (lang.t("web-stat-orders_today"), d.orders.today.to_string()),
            (lang.t("web-stat-revenue"), render::usd(d.revenue.total)),
            (
                lang.t("web-stat-revenue_today"),
                render::usd(d.revenue.today),
            ),
            (
                lang.t("web-stat-revenue_month"),
                render::usd(d.revenue.this_month),
            ),
            (
                lang.t("web-stat-average_order"),
                render::usd(d.revenue.average_order_value),
            ),
            (lang.t("web-stat-topups"), render::usd(d.topups.total)),
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
        routes = d
            .routes
            .iter()
            .map(|(route, s)| {
                (
                    lang.t(&format!("route-{}", route.name())),
                    s.completed,
                    render::usd(s.revenue_usd),
                    s.credits,
                    render::usd(s.credits_usd),
                )
            })
            .collect();
        best = d
            .best_by_units
            .iter()
            .map(|b| (b.name.clone(), b.units, render::usd(b.revenue)))
            .collect();
    }
    let page = DashboardPage {
        c: chrome(lang, "web-title-dashboard", Some(&session), "/panel/"),
        l: L(lang),
        figures,
        queues,
        series,
        series_max,
        best,
        routes,
        stats_shown,
    };
    html(StatusCode::OK, page.render())
}
