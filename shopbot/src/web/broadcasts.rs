//! Broadcasts: compose a message to every shopper (with a preview and the audience's size
//! before it goes), follow each one's progress, cancel a running one. Sending is the bot's
//! broadcaster, paced for Telegram's limits, as for broadcasts started in the chat.

use super::pages::{Chrome, CsrfForm, L, P, chrome, forged, refusal};
use super::{Panel, html, lang_of};
use crate::core;
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use shopcore::{BroadcastId, BroadcastStatus, PanelSession};

pub(super) fn routes() -> axum::Router<std::sync::Arc<Panel>> {
    axum::Router::new()
        .route("/panel/broadcasts", get(broadcasts).post(compose))
        .route("/panel/broadcasts/{id}/cancel", post(cancel))
}

struct Row {
    id: u64,
    text: String,
    status: String,
    progress: String,
    running: bool,
    created: String,
}

#[derive(Template)]
#[template(path = "panel/broadcasts.html")]
struct BroadcastsPage {
    c: Chrome,
    l: L,
    csrf: String,
    audience: u64,
    rows: Vec<Row>,
    /// A message waiting for confirmation.
    preview: Option<String>,
    draft: String,
    error: Option<String>,
    done: Option<String>,
}

#[derive(Deserialize, Default)]
struct DoneQuery {
    done: Option<String>,
}

async fn broadcasts(State(p): P, headers: HeaderMap, Query(q): Query<DoneQuery>) -> Response {
    let (session, _) = match p.session(&headers).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    let lang = lang_of(&session);
    let done = q.done.as_deref().map(|d| match d {
        "sent" => lang.t("web-done-broadcast"),
        _ => lang.t("web-done-broadcast_cancelled"),
    });
    page(&p, &session, None, String::new(), None, done).await
}

async fn page(
    p: &Panel,
    session: &PanelSession,
    preview: Option<String>,
    draft: String,
    error: Option<String>,
    done: Option<String>,
) -> Response {
    let lang = lang_of(session);
    let zone = p.shop.settings().time_zone;
    let actor = session.actor.clone();
    let loaded = core::run(&p.shop, move |shop| {
        Ok((
            shop.broadcast_audience(&actor)?,
            shop.recent_broadcasts(&actor, 20)?,
        ))
    })
    .await;
    let (audience, recent) = match loaded {
        Ok(v) => v,
        Err(failure) => {
            let page = super::pages::MessagePage {
                c: chrome(
                    lang,
                    "web-title-broadcasts",
                    Some(session),
                    "/panel/broadcasts",
                ),
                text: refusal(lang, &failure, &p.shop),
            };
            return html(StatusCode::FORBIDDEN, page.render());
        }
    };
    let rows = recent
        .iter()
        .map(|b| Row {
            id: b.id.get(),
            text: b.text.clone(),
            status: lang.t(match b.status {
                BroadcastStatus::Running => "web-broadcasts-running",
                BroadcastStatus::Cancelled => "web-broadcasts-cancelled",
                BroadcastStatus::Finished => "web-broadcasts-finished",
            }),
            progress: lang.tf(
                "web-broadcasts-progress",
                &[
                    ("sent", &b.sent.to_string()),
                    ("audience", &b.audience.to_string()),
                    ("blocked", &b.blocked.to_string()),
                    ("failed", &b.failed.to_string()),
                ],
            ),
            running: b.status == BroadcastStatus::Running,
            created: crate::render::date(&zone, b.created_at),
        })
        .collect();
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = BroadcastsPage {
        c: chrome(
            lang,
            "web-title-broadcasts",
            Some(session),
            "/panel/broadcasts",
        ),
        l: L(lang),
        csrf: session.csrf.clone(),
        audience,
        rows,
        preview,
        draft,
        error,
        done,
    };
    html(status, page.render())
}

#[derive(Deserialize)]
struct ComposeForm {
    csrf: String,
    text: String,
    /// Present once the preview was confirmed.
    #[serde(default)]
    confirm: Option<String>,
}

/// The first press shows a preview with the audience's size; the confirmed one creates the
/// job and starts sending it.
async fn compose(State(p): P, headers: HeaderMap, Form(form): Form<ComposeForm>) -> Response {
    let (session, _) = match p.session(&headers).await {
        Ok(s) => s,
        Err(page_) => return page_,
    };
    if let Some(page_) = forged(&session, &form.csrf) {
        return page_;
    }
    let lang = lang_of(&session);
    if form.confirm.is_none() {
        // Checked by the core before the preview, so the preview never shows what can't go.
        let text = shopcore::broadcast::BROADCAST_TEXT.check(&form.text);
        return match text {
            Ok(text) => page(&p, &session, Some(text.clone()), text, None, None).await,
            Err(e) => {
                let error = refusal(lang, &crate::core::Failure::Core(e.into()), &p.shop);
                page(&p, &session, None, form.text, Some(error), None).await
            }
        };
    }
    let actor = session.actor.clone();
    let text = form.text.clone();
    match core::run(&p.shop, move |shop| shop.create_broadcast(&actor, &text)).await {
        Ok(job) => {
            p.start_broadcast(job);
            Redirect::to("/panel/broadcasts?done=sent").into_response()
        }
        Err(failure) => {
            let error = refusal(lang, &failure, &p.shop);
            page(&p, &session, None, form.text, Some(error), None).await
        }
    }
}

async fn cancel(
    State(p): P,
    headers: HeaderMap,
    Path(id): Path<u64>,
    Form(form): Form<CsrfForm>,
) -> Response {
    let (session, _) = match p.session(&headers).await {
        Ok(s) => s,
        Err(page_) => return page_,
    };
    if let Some(page_) = forged(&session, &form.csrf) {
        return page_;
    }
    let lang = lang_of(&session);
    let actor = session.actor.clone();
    let result = core::run(&p.shop, move |shop| {
        let id = BroadcastId::new(id).map_err(shopcore::Error::from)?;
        shop.cancel_broadcast(&actor, id)
    })
    .await;
    match result {
        Ok(_) => Redirect::to("/panel/broadcasts?done=cancelled").into_response(),
        Err(failure) => {
            let error = refusal(lang, &failure, &p.shop);
            page(&p, &session, None, String::new(), Some(error), None).await
        }
    }
}
