//! Reports for staff: the dashboard (text plus a revenue chart rendered in-process and sent as
//! a photo) and the audit log, newest first, filtered by action or user, a page at a time.

use super::{ask, call, can, not_permitted};
use crate::HandlerResult;
use crate::callback::AuditFilter;
use crate::chart;
use crate::handlers::{Answer, AnswerResult, Env};
use crate::render::Screen;
use crate::render::staff as view;
use crate::state::AdminInput;
use shopcore::{ActorRef, AuditAction, AuditQuery, DashboardOptions, Permission};
use teloxide::prelude::*;
use teloxide::types::InputFile;

/// The furthest audit page a button may ask for (a bound on the walk from the newest entry).
const AUDIT_PAGE_MAX: u32 = 500;

pub async fn stats(env: &Env) -> AnswerResult {
    let actor = env.actor.clone();
    let Some(dashboard) = call(env, move |shop| {
        shop.dashboard(&actor, DashboardOptions::default())
    })
    .await?
    else {
        return Ok(Answer::Done);
    };
    env.out
        .show(view::dashboard(env.lang(), &dashboard))
        .await?;
    let series = dashboard.revenue_series.clone();
    let days = series.len();
    // Drawing is CPU work: keep it off the runtime's threads.
    let png = tokio::task::spawn_blocking(move || chart::revenue_png(&series)).await;
    match png {
        Ok(Ok(png)) => {
            env.out
                .bot
                .send_photo(
                    env.out.chat,
                    InputFile::memory(png).file_name("revenue.png"),
                )
                .caption(view::chart_caption(env.lang(), days))
                .await?;
        }
        Ok(Err(error)) => tracing::error!(%error, "the revenue chart failed"),
        Err(error) => tracing::error!(%error, "the revenue chart task failed"),
    }
    Ok(Answer::Done)
}

pub async fn audit(env: &Env, page: u32, filter: AuditFilter) -> AnswerResult {
    let wanted = page.min(AUDIT_PAGE_MAX);
    let actor = env.actor.clone();
    let query_filter = filter.clone();
    let Some((entries, page, has_next)) = call(env, move |shop| {
        let mut query = AuditQuery {
            limit: view::AUDIT_PAGE,
            ..AuditQuery::default()
        };
        match query_filter {
            AuditFilter::All => {}
            AuditFilter::Action(action) => query.action = Some(action),
            AuditFilter::User(user) => query.actor = Some(ActorRef::User(user)),
        }
        // The core's audit cursor can't travel in a button, so a page is found by walking
        // from the newest entry (bounded by AUDIT_PAGE_MAX).
        let mut current = 0;
        loop {
            let found = shop.audit_log(&actor, &query)?;
            if current == wanted || found.next.is_none() {
                let has_next = found.next.is_some() && !found.entries.is_empty();
                return Ok((found.entries, current, has_next));
            }
            query.cursor = found.next;
            current += 1;
        }
    })
    .await?
    else {
        return Ok(Answer::Done);
    };
    env.out
        .show(view::audit(
            env.lang(),
            &env.zone(),
            &entries,
            page,
            has_next,
            &filter,
        ))
        .await?;
    Ok(Answer::Done)
}

pub async fn audit_filter(env: &Env) -> AnswerResult {
    if !can(env, Permission::ViewAuditLogs) {
        return Ok(not_permitted(env));
    }
    ask(
        env,
        AdminInput::AuditFilter,
        view::prompt(env.lang(), env.lang().t("staff-audit-filter_prompt")),
    )
    .await?;
    Ok(Answer::Done)
}

/// An action name (`BAN_USER`) or a user (`123`, `@name`).
pub async fn filter_input(env: &Env, text: &str) -> HandlerResult {
    let text = text.trim().to_owned();
    let filter = if let Ok(action) = AuditAction::parse(&text) {
        AuditFilter::Action(action)
    } else {
        let actor = env.actor.clone();
        let query = text.clone();
        match crate::core::run(&env.shop, move |shop| shop.find_user(&actor, &query)).await {
            Ok(user) => AuditFilter::User(user.id),
            Err(_) => {
                env.out
                    .send(Screen::text(env.lang().t("staff-audit-filter_prompt")))
                    .await?;
                return Ok(());
            }
        }
    };
    env.reset().await?;
    audit(env, 0, filter).await?;
    Ok(())
}
