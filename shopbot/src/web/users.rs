//! Users: find one by id or @username; their balance, ledger, role, ban and web sessions.

use super::pages::{Chrome, CsrfForm, L, P, chrome, forged, refusal, role_label};
use super::{Panel, html, lang_of};
use crate::core::{self, Failure};
use crate::render;
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use shopcore::PanelSession;
use shopcore::roles::has_permission;
use shopcore::{Permission, Role, UserId};

pub(super) fn routes() -> axum::Router<std::sync::Arc<Panel>> {
    axum::Router::new()
        .route("/panel/users", get(users))
        .route("/panel/users/{id}/role", post(user_role))
        .route("/panel/users/{id}/sessions", post(user_sessions))
        .route("/panel/users/{id}/adjust", post(user_adjust))
        .route("/panel/users/{id}/ban", post(user_ban))
        .route("/panel/users/{id}/unban", post(user_unban))
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
    ledger: Vec<LedgerRow>,
    ledger_next: Option<String>,
}

struct LedgerRow {
    seq: u64,
    at: String,
    kind: String,
    amount: String,
    balance: String,
    note: String,
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
    can_manage: bool,
    nonce: String,
    /// Without a search: a page of users by role or ban.
    listed: Vec<ListedUser>,
    list_next: Option<String>,
    roles_filter: Vec<(&'static str, String, bool)>,
    banned_only: bool,
}

struct ListedUser {
    id: u64,
    name: String,
    username: String,
    role: String,
    banned: bool,
}

/// Users per list page.
const USER_PAGE: usize = 50;

#[derive(Deserialize, Default)]
struct UsersQuery {
    q: Option<String>,
    done: Option<String>,
    /// The ledger page: entries before this sequence number.
    before: Option<u64>,
    /// The list's filters (without `q`): a role name, banned users only, the cursor.
    role: Option<String>,
    banned: Option<String>,
    after: Option<u64>,
}

/// Ledger entries per page.
const LEDGER_PAGE: usize = 20;

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
    let zone = p.shop.settings().time_zone;
    let query = q.q.unwrap_or_default();
    let mut found = None;
    let mut error = error;
    if !query.trim().is_empty() {
        let actor = session.actor.clone();
        let asked = query.clone();
        let before = q.before;
        match core::run(&p.shop, move |shop| {
            let user = shop.find_user(&actor, &asked)?;
            let balance = shop.balance(user.id)?;
            let ledger = shop.ledger(&actor, user.id, before, LEDGER_PAGE)?;
            Ok((user, balance, ledger))
        })
        .await
        {
            Ok((user, balance, ledger)) => {
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
                    joined: render::date(&zone, user.created_at),
                    roles: Role::ALL
                        .iter()
                        .map(|r| (r.name(), role_label(lang, *r), *r == user.role))
                        .collect(),
                    ledger: ledger
                        .entries
                        .iter()
                        .map(|e| LedgerRow {
                            seq: e.seq,
                            at: render::date(&zone, e.at),
                            kind: lang.t(&format!("ledger-{}", e.kind.name().to_ascii_lowercase())),
                            amount: render::usd(e.amount),
                            balance: render::usd(e.balance_after),
                            note: e.note.clone().unwrap_or_default(),
                        })
                        .collect(),
                    ledger_next: ledger
                        .next
                        .map(|n| format!("/panel/users?q={}&before={n}", user.id)),
                })
            }
            Err(failure) if error.is_none() => error = Some(refusal(lang, &failure, &p.shop)),
            Err(_) => {}
        }
    }
    let mut listed = Vec::new();
    let mut list_next = None;
    let role_filter = q.role.as_deref().and_then(Role::parse);
    let banned_only = q.banned.is_some();
    if query.trim().is_empty() {
        let actor = session.actor.clone();
        let after = q.after.and_then(|a| UserId::new(a).ok());
        let filter = shopcore::UserFilter {
            role: role_filter,
            banned_only,
        };
        match core::run(&p.shop, move |shop| {
            shop.list_users(&actor, &filter, after, USER_PAGE)
        })
        .await
        {
            Ok(page) => {
                listed = page
                    .users
                    .iter()
                    .map(|u| ListedUser {
                        id: u.id.get(),
                        name: u.display_name.clone(),
                        username: u
                            .username
                            .as_ref()
                            .map(|n| n.to_string())
                            .unwrap_or_default(),
                        role: role_label(lang, u.role),
                        banned: u.ban.is_some(),
                    })
                    .collect();
                list_next = page.next.map(|n| {
                    let mut url = format!("/panel/users?after={}", n.get());
                    if let Some(role) = role_filter {
                        url.push_str(&format!("&role={}", role.name()));
                    }
                    if banned_only {
                        url.push_str("&banned=1");
                    }
                    url
                });
            }
            Err(failure) if error.is_none() => error = Some(refusal(lang, &failure, &p.shop)),
            Err(_) => {}
        }
    }
    let done = q.done.as_deref().map(|d| match d {
        "role" => lang.t("web-done-role"),
        "adjust" => lang.t("web-done-adjust"),
        "ban" => lang.t("web-done-ban"),
        "unban" => lang.t("web-done-unban"),
        _ => lang.t("web-done-sessions"),
    });
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = UsersPage {
        c: chrome(lang, "web-title-users", Some(session), "/panel/users"),
        l: L(lang),
        csrf: session.csrf.clone(),
        query,
        found,
        error,
        done,
        can_roles: has_permission(session.user.role, Permission::ManageRoles),
        can_manage: has_permission(session.user.role, Permission::ManageUsers),
        nonce: super::nonce(),
        listed,
        list_next,
        roles_filter: Role::ALL
            .iter()
            .map(|r| (r.name(), role_label(lang, *r), Some(*r) == role_filter))
            .collect(),
        banned_only,
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
                ..Default::default()
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
                ..Default::default()
            };
            users_page(&p, &session, q, Some(text)).await
        }
    }
}

/// After a change to user `id`: back to their page, or their page with the refusal.
async fn after_change(
    p: &Panel,
    session: &PanelSession,
    id: u64,
    result: Result<(), Failure>,
    done: &str,
) -> Response {
    match result {
        Ok(()) => Redirect::to(&format!("/panel/users?q={id}&done={done}")).into_response(),
        Err(failure) => {
            let text = refusal(lang_of(session), &failure, &p.shop);
            let q = UsersQuery {
                q: Some(id.to_string()),
                ..Default::default()
            };
            users_page(p, session, q, Some(text)).await
        }
    }
}

#[derive(Deserialize)]
struct AdjustForm {
    csrf: String,
    nonce: String,
    amount: String,
    #[serde(default)]
    reason: String,
}

async fn user_adjust(
    State(p): P,
    headers: HeaderMap,
    Path(id): Path<u64>,
    Form(form): Form<AdjustForm>,
) -> Response {
    let (session, _) = match p.session(&headers).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    if let Some(page) = forged(&session, &form.csrf) {
        return page;
    }
    let actor = session.actor.clone();
    let max = shopcore::Money::units(shopcore::wallet::ADJUSTMENT_MAX_USD);
    let result = match (
        UserId::new(id),
        crate::staff_input::signed_amount(&form.amount, max),
        super::pages::form_key("adjust", id, &form.nonce),
    ) {
        (Ok(user), Ok(amount), Ok(key)) => {
            let reason = form.reason;
            core::run(&p.shop, move |shop| {
                shop.adjust_balance(&actor, user, amount, &reason, &key)
            })
            .await
            .map(|_| ())
        }
        (Err(e), _, _) => Err(Failure::Core(e.into())),
        (_, Err(source), _) => Err(Failure::Core(
            shopcore::InvalidInput::Amount {
                what: "adjustment",
                source,
            }
            .into(),
        )),
        (_, _, Err(f)) => Err(f),
    };
    after_change(&p, &session, id, result, "adjust").await
}

#[derive(Deserialize)]
struct BanForm {
    csrf: String,
    #[serde(default)]
    reason: String,
}

async fn user_ban(
    State(p): P,
    headers: HeaderMap,
    Path(id): Path<u64>,
    Form(form): Form<BanForm>,
) -> Response {
    let (session, _) = match p.session(&headers).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    if let Some(page) = forged(&session, &form.csrf) {
        return page;
    }
    let actor = session.actor.clone();
    let result = match UserId::new(id) {
        Ok(user) => {
            let reason = form.reason;
            core::run(&p.shop, move |shop| shop.ban_user(&actor, user, &reason))
                .await
                .map(|_| ())
        }
        Err(e) => Err(Failure::Core(e.into())),
    };
    after_change(&p, &session, id, result, "ban").await
}

async fn user_unban(
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
    let actor = session.actor.clone();
    let result = match UserId::new(id) {
        Ok(user) => core::run(&p.shop, move |shop| shop.unban_user(&actor, user))
            .await
            .map(|_| ()),
        Err(e) => Err(Failure::Core(e.into())),
    };
    after_change(&p, &session, id, result, "unban").await
}
