//! The audit log: filters (person, action, dates), newest first with cursor pages, and a
//! check of the whole hash chain.

use super::pages::{Chrome, CsrfForm, L, P, chrome, forged, refusal};
use super::{Panel, html, lang_of};
use crate::core;
use askama::Template;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;
use shopcore::{ActorRef, AuditAction, AuditCursor, AuditQuery, PanelSession, Timestamp, UserId};

pub(super) fn routes() -> axum::Router<std::sync::Arc<Panel>> {
    axum::Router::new()
        .route("/panel/audit", get(audit))
        .route("/panel/audit/verify", post(verify_chain))
}

/// Entries per page.
const PAGE: usize = 50;

struct Row {
    seq: u64,
    at: String,
    actor: String,
    action: &'static str,
    target: String,
    details: String,
    outcome: String,
    refused: bool,
}

#[derive(Template)]
#[template(path = "panel/audit.html")]
struct AuditPage {
    c: Chrome,
    l: L,
    csrf: String,
    rows: Vec<Row>,
    actions: Vec<(&'static str, bool)>,
    filter_user: String,
    filter_from: String,
    filter_to: String,
    next: Option<String>,
    error: Option<String>,
    report: Option<Vec<String>>,
}

#[derive(Deserialize, Default, Clone)]
struct Filters {
    #[serde(default)]
    user: String,
    #[serde(default)]
    action: String,
    /// `YYYY-MM-DD` (UTC), inclusive.
    #[serde(default)]
    from: String,
    /// `YYYY-MM-DD` (UTC), inclusive.
    #[serde(default)]
    to: String,
    #[serde(default)]
    cursor: String,
}

/// The start of a `YYYY-MM-DD` day in the shop's time zone, as shopcore reads dates.
pub(super) fn day_start(text: &str, zone: &shopcore::Zone) -> Option<Timestamp> {
    shopcore::analytics::parse_day(text, zone)
}

/// The end (exclusive) of a `YYYY-MM-DD` day in the shop's time zone: the next day's start,
/// so a day of 23 or 25 hours (daylight saving) is whole.
pub(super) fn day_end(text: &str, zone: &shopcore::Zone) -> Option<Timestamp> {
    let start = day_start(text, zone)?;
    Some(zone.start_of_day(zone.day(start) + 1))
}

async fn audit(State(p): P, headers: HeaderMap, Query(f): Query<Filters>) -> Response {
    let (session, _) = match p.session(&headers).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    audit_page(&p, &session, f, None).await
}

async fn audit_page(
    p: &Panel,
    session: &PanelSession,
    f: Filters,
    report: Option<Vec<String>>,
) -> Response {
    let lang = lang_of(session);
    let zone = p.shop.settings().time_zone;
    let mut error = None;
    let mut query = AuditQuery {
        limit: PAGE,
        ..Default::default()
    };
    if !f.user.trim().is_empty() {
        match f
            .user
            .trim()
            .parse::<u64>()
            .ok()
            .and_then(|id| UserId::new(id).ok())
        {
            Some(id) => query.actor = Some(ActorRef::User(id)),
            None => error = Some(lang.t("web-audit-bad_user")),
        }
    }
    if !f.action.is_empty() {
        match AuditAction::parse(&f.action) {
            Ok(action) => query.action = Some(action),
            Err(_) => error = Some(lang.t("web-audit-bad_action")),
        }
    }
    for (text, since) in [(&f.from, true), (&f.to, false)] {
        if text.trim().is_empty() {
            continue;
        }
        let bound = if since {
            day_start(text, &zone)
        } else {
            day_end(text, &zone)
        };
        match bound {
            Some(t) if since => query.since = Some(t),
            Some(t) => query.until = Some(t),
            None => error = Some(lang.t("web-audit-bad_date")),
        }
    }
    if !f.cursor.is_empty() {
        query.cursor = AuditCursor::from_token(&f.cursor);
    }
    let mut rows = Vec::new();
    let mut next = None;
    if error.is_none() {
        let actor = session.actor.clone();
        match core::run(&p.shop, move |shop| shop.audit_log(&actor, &query)).await {
            Ok(page) => {
                next = page.next.map(|c| c.to_token());
                rows = page
                    .entries
                    .iter()
                    .map(|e| {
                        let (outcome, refused) = match &e.outcome {
                            shopcore::audit::Outcome::Done => (lang.t("web-audit-done"), false),
                            shopcore::audit::Outcome::Denied { reason } => {
                                (format!("{}: {reason}", lang.t("web-audit-denied")), true)
                            }
                            shopcore::audit::Outcome::Failed { reason } => {
                                (format!("{}: {reason}", lang.t("web-audit-failed")), true)
                            }
                        };
                        Row {
                            seq: e.seq,
                            at: crate::render::date(&zone, e.at),
                            actor: e.actor.to_string(),
                            action: e.action.name(),
                            target: e.target.to_string(),
                            details: e
                                .details
                                .iter()
                                .map(|d| match (&d.before, &d.after) {
                                    (Some(b), Some(a)) => format!("{}: {b} → {a}", d.field),
                                    (None, Some(a)) => format!("{}: {a}", d.field),
                                    (Some(b), None) => format!("{}: {b} → —", d.field),
                                    (None, None) => d.field.clone(),
                                })
                                .collect::<Vec<_>>()
                                .join("; "),
                            outcome,
                            refused,
                        }
                    })
                    .collect();
            }
            Err(failure) => error = Some(refusal(lang, &failure, &p.shop)),
        }
    }
    let next = next.map(|cursor| {
        let pairs = [
            ("user", f.user.as_str()),
            ("action", f.action.as_str()),
            ("from", f.from.as_str()),
            ("to", f.to.as_str()),
            ("cursor", cursor.as_str()),
        ];
        let mut url = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in pairs {
            url.append_pair(k, v);
        }
        format!("/panel/audit?{}", url.finish())
    });
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = AuditPage {
        c: chrome(lang, "web-title-audit", Some(session), "/panel/audit"),
        l: L(lang),
        csrf: session.csrf.clone(),
        rows,
        actions: AuditAction::ALL
            .iter()
            .map(|a| (a.name(), a.name() == f.action))
            .collect(),
        filter_user: f.user,
        filter_from: f.from,
        filter_to: f.to,
        next,
        error,
        report,
    };
    html(status, page.render())
}

async fn verify_chain(State(p): P, headers: HeaderMap, Form(form): Form<CsrfForm>) -> Response {
    let (session, _) = match p.session(&headers).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    if let Some(page) = forged(&session, &form.csrf) {
        return page;
    }
    let lang = lang_of(&session);
    let actor = session.actor.clone();
    match core::run_long(&p.shop, move |shop| shop.verify_audit_chain(&actor)).await {
        Ok(report) => audit_page(&p, &session, Filters::default(), Some(report.problems)).await,
        Err(failure) => {
            let text = refusal(lang, &failure, &p.shop);
            let mut response = audit_page(&p, &session, Filters::default(), Some(vec![text])).await;
            *response.status_mut() = StatusCode::FORBIDDEN;
            response
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn days_start_at_midnight_in_the_shops_zone() {
        let utc = shopcore::Zone::utc();
        assert_eq!(super::day_start("1970-01-01", &utc).unwrap().0, 0);
        assert_eq!(
            super::day_start("2026-01-01", &utc).unwrap().0,
            1_767_225_600_000
        );
        assert!(super::day_start("2026-13-01", &utc).is_none());
        assert!(
            super::day_start("2026-02-31", &utc).is_none(),
            "a day that doesn't exist"
        );
        assert!(super::day_start("yesterday", &utc).is_none());
        // Riyadh is UTC+3 all year: its day starts at 21:00 UTC the day before.
        let riyadh = shopcore::Zone::named("Asia/Riyadh").unwrap();
        assert_eq!(
            super::day_start("2026-01-01", &riyadh).unwrap().0,
            1_767_225_600_000 - 3 * 3_600_000
        );
        // Berlin's 2026-03-29 has 23 hours (summer time starts).
        let berlin = shopcore::Zone::named("Europe/Berlin").unwrap();
        let (start, end) = (
            super::day_start("2026-03-29", &berlin).unwrap(),
            super::day_end("2026-03-29", &berlin).unwrap(),
        );
        assert_eq!(end.0 - start.0, 23 * 3_600_000);
    }
}
