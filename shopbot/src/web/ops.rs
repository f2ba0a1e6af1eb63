//! Operations: the store state and fulfilment mode, verify(), CSV exports, backups, one's
//! own sessions.

use super::pages::{Chrome, CsrfForm, L, P, chrome, forged, refusal};
use super::{Panel, html, lang_of};
use crate::core::{self, Failure};
use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use shopcore::PanelSession;
use shopcore::roles::has_permission;
use shopcore::{ExportKind, FulfilmentMode, Permission, StoreState};

pub(super) fn routes() -> axum::Router<std::sync::Arc<Panel>> {
    axum::Router::new()
        .route("/panel/ops", get(ops))
        .route("/panel/ops/verify", post(verify))
        .route("/panel/ops/state", post(set_state))
        .route("/panel/ops/fulfilment", post(set_fulfilment))
        .route("/panel/ops/backup", post(backup))
        .route("/panel/ops/expire", post(expire))
        .route("/panel/export/{kind}", get(export))
}

#[derive(Template)]
#[template(path = "panel/ops.html")]
struct OpsPage {
    c: Chrome,
    l: L,
    csrf: String,
    state: String,
    state_reason: String,
    fulfilment: String,
    states: Vec<(&'static str, String, bool)>,
    modes: Vec<(&'static str, String, bool)>,
    can_settings: bool,
    can_state: bool,
    can_orders: bool,
    exports: Vec<(&'static str, String)>,
    report: Option<Vec<String>>,
    error: Option<String>,
    done: Option<String>,
    sessions: Vec<(String, String, bool)>,
    me: String,
}

const EXPORTS: [(&str, ExportKind, &str); 4] = [
    ("orders", ExportKind::Orders, "web-export-orders"),
    ("ledger", ExportKind::Ledger, "web-export-ledger"),
    ("audit", ExportKind::Audit, "web-export-audit"),
    ("users", ExportKind::Users, "web-export-users"),
];

#[derive(Deserialize, Default)]
struct Done {
    done: Option<String>,
    count: Option<u32>,
}

async fn ops(
    State(p): P,
    headers: HeaderMap,
    axum::extract::Query(q): axum::extract::Query<Done>,
) -> Response {
    let (session, token) = match p.session(&headers).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    let lang = lang_of(&session);
    let done = q.done.as_deref().map(|d| match d {
        "state" => lang.t("web-done-state"),
        "expired" => lang.tf(
            "web-done-expired",
            &[("count", &q.count.unwrap_or(0).to_string())],
        ),
        _ => lang.t("web-done-fulfilment"),
    });
    ops_page(&p, &session, &token, None, None, done).await
}

async fn ops_page(
    p: &Panel,
    session: &PanelSession,
    token: &str,
    report: Option<Vec<String>>,
    error: Option<String>,
    done: Option<String>,
) -> Response {
    let lang = lang_of(session);
    let zone = p.shop.settings().time_zone;
    let role = session.user.role;
    let settings = p.shop.settings();
    let token = token.to_owned();
    let sessions = core::run(&p.shop, move |shop| shop.my_panel_sessions(&token))
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|s| {
            (
                crate::render::date(&zone, s.started_at),
                crate::render::date(&zone, s.last_seen),
                s.current,
            )
        })
        .collect();
    let page = OpsPage {
        c: chrome(lang, "web-title-ops", Some(session), "/panel/ops"),
        l: L(lang),
        csrf: session.csrf.clone(),
        state: lang.t(&format!("store_state-{}", settings.state.name())),
        state_reason: settings.state_reason.clone().unwrap_or_default(),
        fulfilment: lang.t(&format!("fulfilment-{}", settings.fulfilment.name())),
        states: [
            StoreState::Open,
            StoreState::Maintenance,
            StoreState::Emergency,
        ]
        .iter()
        .map(|s| {
            (
                s.name(),
                lang.t(&format!("store_state-{}", s.name())),
                *s == settings.state,
            )
        })
        .collect(),
        modes: [FulfilmentMode::Manual, FulfilmentMode::Auto]
            .iter()
            .map(|m| {
                (
                    m.name(),
                    lang.t(&format!("fulfilment-{}", m.name())),
                    *m == settings.fulfilment,
                )
            })
            .collect(),
        can_settings: has_permission(role, Permission::ManageSettings),
        can_state: has_permission(role, Permission::ManageSettings)
            || has_permission(role, Permission::EmergencyStop),
        can_orders: has_permission(role, Permission::ManageOrders),
        exports: EXPORTS
            .iter()
            .filter(|(_, kind, _)| has_permission(role, kind.permission()))
            .map(|(name, _, key)| (*name, lang.t(key)))
            .collect(),
        report,
        error,
        done,
        sessions,
        me: session.user.id.to_string(),
    };
    html(StatusCode::OK, page.render())
}

async fn verify(State(p): P, headers: HeaderMap, Form(form): Form<CsrfForm>) -> Response {
    let (session, token) = match p.session(&headers).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    if let Some(page) = forged(&session, &form.csrf) {
        return page;
    }
    let lang = lang_of(&session);
    let actor = session.actor.clone();
    match core::run_long(&p.shop, move |shop| shop.verify_as(&actor)).await {
        Ok(report) => ops_page(&p, &session, &token, Some(report.problems), None, None).await,
        Err(failure) => {
            let text = refusal(lang, &failure, &p.shop);
            ops_page(&p, &session, &token, None, Some(text), None).await
        }
    }
}

#[derive(Deserialize)]
struct StateForm {
    csrf: String,
    state: String,
    #[serde(default)]
    reason: String,
}

async fn set_state(State(p): P, headers: HeaderMap, Form(form): Form<StateForm>) -> Response {
    let (session, token) = match p.session(&headers).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    if let Some(page) = forged(&session, &form.csrf) {
        return page;
    }
    let lang = lang_of(&session);
    let actor = session.actor.clone();
    let state = match form.state.as_str() {
        "open" => Some(StoreState::Open),
        "maintenance" => Some(StoreState::Maintenance),
        "emergency" => Some(StoreState::Emergency),
        _ => None,
    };
    let result = match state {
        Some(state) => {
            let reason = form.reason;
            core::run(&p.shop, move |shop| {
                let reason = (!reason.trim().is_empty()).then_some(reason.as_str());
                shop.set_store_state(&actor, state, reason)
            })
            .await
            .map(|_| ())
        }
        None => Err(Failure::Core(
            shopcore::InvalidInput::UnknownName {
                what: "store state",
                text: form.state.chars().take(40).collect(),
            }
            .into(),
        )),
    };
    match result {
        Ok(()) => Redirect::to("/panel/ops?done=state").into_response(),
        Err(failure) => {
            let text = refusal(lang, &failure, &p.shop);
            ops_page(&p, &session, &token, None, Some(text), None).await
        }
    }
}

#[derive(Deserialize)]
struct ModeForm {
    csrf: String,
    mode: String,
}

async fn set_fulfilment(State(p): P, headers: HeaderMap, Form(form): Form<ModeForm>) -> Response {
    let (session, token) = match p.session(&headers).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    if let Some(page) = forged(&session, &form.csrf) {
        return page;
    }
    let lang = lang_of(&session);
    let actor = session.actor.clone();
    let mode = match form.mode.as_str() {
        "manual" => Some(FulfilmentMode::Manual),
        "auto" => Some(FulfilmentMode::Auto),
        _ => None,
    };
    let result = match mode {
        Some(mode) => core::run(&p.shop, move |shop| shop.set_fulfilment_mode(&actor, mode))
            .await
            .map(|_| ()),
        None => Err(Failure::Core(
            shopcore::InvalidInput::UnknownName {
                what: "fulfilment mode",
                text: form.mode.chars().take(40).collect(),
            }
            .into(),
        )),
    };
    match result {
        Ok(()) => Redirect::to("/panel/ops?done=fulfilment").into_response(),
        Err(failure) => {
            let text = refusal(lang, &failure, &p.shop);
            ops_page(&p, &session, &token, None, Some(text), None).await
        }
    }
}

/// An I/O failure, as the core reports its own.
fn io_error(error: std::io::Error) -> shopcore::Error {
    shopcore::Error::from(shopcore::backup::BackupError::Io {
        reason: error.to_string(),
    })
}

/// A file made now and downloaded: `write` (a long core call) writes it at the path it is
/// given, in a private temporary directory; it is streamed to the browser as `name` (never
/// held in memory whole) and nothing stays behind — the open file stays readable after its
/// name is gone.
async fn download<F>(
    p: &Panel,
    name: String,
    content_type: &'static str,
    write: F,
) -> Result<Response, Failure>
where
    F: FnOnce(&shopcore::Shop, &std::path::Path) -> shopcore::Result<()> + Send + 'static,
{
    let dir = std::env::temp_dir().join(format!("shopbot-panel-{}", super::nonce()));
    let path = dir.join(&name);
    let written = {
        let (dir, path) = (dir.clone(), path.clone());
        core::run_long(&p.shop, move |shop| {
            std::fs::create_dir_all(&dir).map_err(io_error)?;
            write(shop, &path)
        })
        .await
    };
    let opened = match written {
        Ok(()) => tokio::fs::File::open(&path)
            .await
            .map_err(|e| Failure::Core(io_error(e))),
        Err(failure) => Err(failure),
    };
    let _ = tokio::fs::remove_dir_all(&dir).await;
    let file = opened?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
                    .unwrap_or(HeaderValue::from_static("attachment")),
            ),
        ],
        axum::body::Body::from_stream(tokio_util::io::ReaderStream::new(file)),
    )
        .into_response())
}

/// A backup made now, downloaded (the same format as scheduled backups, restorable with
/// `shop-console restore`).
async fn backup(State(p): P, headers: HeaderMap, Form(form): Form<CsrfForm>) -> Response {
    let (session, token) = match p.session(&headers).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    if let Some(page) = forged(&session, &form.csrf) {
        return page;
    }
    let actor = session.actor.clone();
    let name = crate::ops::backups::file_name(p.shop.now().0);
    let made = download(&p, name, "application/octet-stream", move |shop, path| {
        shop.backup(&actor, path).map(|_| ())
    })
    .await;
    match made {
        Ok(response) => response,
        Err(failure) => {
            let text = refusal(lang_of(&session), &failure, &p.shop);
            ops_page(&p, &session, &token, None, Some(text), None).await
        }
    }
}

/// A CSV export, downloaded.
async fn export(State(p): P, headers: HeaderMap, Path(file): Path<String>) -> Response {
    let (session, token) = match p.session(&headers).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    let Some((name, kind, _)) = EXPORTS
        .iter()
        .find(|(name, _, _)| file.strip_suffix(".csv") == Some(*name))
    else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let kind = *kind;
    let actor = session.actor.clone();
    let made = download(
        &p,
        format!("{name}.csv"),
        "text/csv; charset=utf-8",
        move |shop, path| {
            let mut out = std::io::BufWriter::new(std::fs::File::create(path).map_err(io_error)?);
            shop.export_csv(&actor, kind, &mut out)?;
            std::io::Write::flush(&mut out).map_err(io_error)
        },
    )
    .await;
    match made {
        Ok(response) => response,
        Err(failure) => {
            let text = refusal(lang_of(&session), &failure, &p.shop);
            ops_page(&p, &session, &token, None, Some(text), None).await
        }
    }
}

/// Expires overdue unpaid orders now (the bot's sweep does it every few minutes).
async fn expire(State(p): P, headers: HeaderMap, Form(form): Form<CsrfForm>) -> Response {
    let (session, token) = match p.session(&headers).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    if let Some(page) = forged(&session, &form.csrf) {
        return page;
    }
    let lang = lang_of(&session);
    let actor = session.actor.clone();
    match core::run_long(&p.shop, move |shop| shop.expire_unpaid_orders_as(&actor)).await {
        Ok(count) => {
            Redirect::to(&format!("/panel/ops?done=expired&count={count}")).into_response()
        }
        Err(failure) => {
            let text = refusal(lang, &failure, &p.shop);
            ops_page(&p, &session, &token, None, Some(text), None).await
        }
    }
}
