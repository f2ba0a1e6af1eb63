//! The staff panel (`/admin`): what a staff member's role permits, one module per area.
//! This module routes the panel's buttons and typed answers, and holds what the areas share.
//!
//! The panel shows only what the role permits (`has_permission`), but it never relies on
//! that: every change is a shopcore call, which checks the actor's stored role, refuses with
//! `Denied` and audits the attempt. Reads the core does not check itself (a product, a
//! method, the settings) are gated here by the same permission table.

pub mod catalog;
pub mod coupons;
pub mod methods;
pub mod queues;
pub mod reports;
pub mod settings;
pub mod users;

use super::{Answer, AnswerResult, Env};
use crate::HandlerResult;
use crate::callback::Admin;
use crate::core::{self, Failure};
use crate::render::staff::{self, Queues};
use crate::render::{Screen, staff as view};
use crate::state::{AdminInput, State};
use shopcore::roles::{has_permission, is_staff};
use shopcore::{Permission, Role, Shop};
use teloxide::payloads::SendMessageSetters;
use teloxide::prelude::Requester;
use teloxide::types::{CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message};

/// The role of the person behind the update, as stored in the shop when it arrived.
pub fn role(env: &Env) -> Role {
    env.ctx.user.as_ref().map_or(Role::User, |u| u.role)
}

/// Whether the viewer's role holds `permission` (for showing; the core enforces).
pub fn can(env: &Env, permission: Permission) -> bool {
    has_permission(role(env), permission)
}

/// The answer to a button the viewer's role does not include.
pub fn not_permitted(env: &Env) -> Answer {
    Answer::Notice(view::not_permitted(env.lang()))
}

/// Tells a staff member why a shop call failed, as a new message with a way back.
pub async fn fail(env: &Env, failure: &Failure) -> HandlerResult {
    if let Failure::Core(error) = failure
        && error.kind().starts_with("store.")
    {
        tracing::error!(%error, "shop storage error");
    }
    let text = staff::failure(env.lang(), failure, &env.settings);
    env.out
        .send(Screen {
            photo: None,
            text,
            keyboard: Some(InlineKeyboardMarkup::new([[
                InlineKeyboardButton::callback(
                    env.lang().t("staff-button-panel"),
                    crate::callback::Callback::Admin(Admin::Panel).encode(),
                ),
            ]])),
        })
        .await?;
    Ok(())
}

/// Runs a shop call; on failure tells the staff member (with staff wording) and returns
/// `None`.
pub async fn call<T, F>(env: &Env, f: F) -> Result<Option<T>, crate::BotError>
where
    T: Send + 'static,
    F: FnOnce(&Shop) -> shopcore::Result<T> + Send + 'static,
{
    match core::run(&env.shop, f).await {
        Ok(value) => Ok(Some(value)),
        Err(failure) => {
            fail(env, &failure).await?;
            Ok(None)
        }
    }
}

/// Puts the staff member in a conversation and shows its question.
pub async fn ask(env: &Env, input: AdminInput, screen: Screen) -> HandlerResult {
    env.set_state(State::Admin { input }).await?;
    env.out.show(screen).await?;
    Ok(())
}

/// A request key from a button tap: the callback query id is unique per tap, and Telegram
/// redelivers the same id, so a double tap or a redelivery makes one effect.
pub fn tap_key(action: &str, q: &CallbackQuery) -> String {
    let mut key = format!("tg:{action}:{}", q.id.0);
    key.truncate(100);
    key
}

/// A request key from a typed message (its chat and message id).
pub fn message_key(action: &str, msg: &Message) -> String {
    format!("tg:{action}:{}:{}", msg.chat.id.0, msg.id.0)
}

/// `/admin` and the panel button: the home screen, with the queues the role works on.
pub async fn panel(env: &Env) -> AnswerResult {
    let role = role(env);
    if !is_staff(role) {
        super::start::not_understood(env).await?;
        return Ok(Answer::Done);
    }
    let actor = env.actor.clone();
    let queues = core::run(&env.shop, move |shop| {
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
        Ok(Queues { topups, orders })
    })
    .await
    .unwrap_or_default();
    env.out
        .show(view::panel(env.lang(), role, &env.settings, queues))
        .await?;
    Ok(Answer::Done)
}

/// Abandons the staff conversation in progress and returns to the panel.
pub async fn cancel(env: &Env) -> AnswerResult {
    env.reset().await?;
    panel(env).await?;
    Ok(Answer::Notice(env.lang().t("staff-cancelled")))
}

/// A button of the panel.
pub async fn route(env: &Env, state: &State, admin: Admin, q: &CallbackQuery) -> AnswerResult {
    // Anyone may have a crafted button; only staff get anything from the panel. Changes
    // would be refused by the core anyway; this keeps shoppers from even seeing screens.
    if !is_staff(role(env)) {
        return Ok(not_permitted(env));
    }
    let input = match state {
        State::Admin { input } => Some(input),
        _ => None,
    };
    match admin {
        Admin::Panel => panel(env).await,
        Admin::Cancel => cancel(env).await,
        Admin::Skip => match input {
            Some(AdminInput::ProductDraft(draft)) => catalog::draft_skip(env, draft.clone()).await,
            _ => Ok(Answer::Notice(crate::render::stale(env.lang()))),
        },
        Admin::Products { page } => catalog::products(env, page).await,
        Admin::Product { id } => catalog::product(env, id).await,
        Admin::ProductNew => catalog::product_new(env).await,
        Admin::ProductEdit { id, field } => catalog::edit(env, id, field).await,
        Admin::ProductSetKind { id, kind } => {
            catalog::change(env, id, shopcore::ProductChange::Kind(kind)).await
        }
        Admin::ProductSetCategory { id, category } => {
            catalog::change(env, id, shopcore::ProductChange::Category(category)).await
        }
        Admin::ProductSetDelivery { id, delivery } => {
            catalog::set_delivery(env, id, delivery).await
        }
        Admin::ProductActive { id, active } => {
            catalog::change(env, id, shopcore::ProductChange::Active(active)).await
        }
        Admin::ProductDelete { id } => catalog::delete(env, id).await,
        Admin::ProductDeleteYes { id } => catalog::delete_yes(env, id).await,
        Admin::ProductCodes { id } => catalog::codes(env, id).await,
        Admin::ProductRevokeCodes { id } => catalog::revoke(env, id).await,
        Admin::ProductRevokeCodesYes { id } => catalog::revoke_yes(env, id).await,
        Admin::DraftCategory { id } => catalog::draft_category(env, input, id).await,
        Admin::DraftKind { kind } => catalog::draft_kind(env, input, kind).await,
        Admin::DraftDelivery { delivery } => catalog::draft_delivery(env, input, delivery).await,
        Admin::DraftUnlimited => catalog::draft_unlimited(env, input).await,
        Admin::DraftCurrency { code } => methods::draft_currency(env, input, code).await,
        Admin::Categories => catalog::categories(env).await,
        Admin::Category { id } => catalog::category(env, id).await,
        Admin::CategoryNew => catalog::category_new(env).await,
        Admin::CategoryRename { id } => catalog::category_rename(env, id).await,
        Admin::CategoryActive { id, active } => catalog::category_active(env, id, active).await,
        Admin::CategoryDelete { id } => catalog::category_delete(env, id).await,
        Admin::CategoryDeleteYes { id } => catalog::category_delete_yes(env, id).await,
        Admin::Methods { all } => methods::list(env, all).await,
        Admin::Method { id } => methods::show(env, id).await,
        Admin::MethodNew => methods::new(env).await,
        Admin::MethodEdit { id, field } => methods::edit(env, id, field).await,
        Admin::MethodActive { id, active } => methods::active(env, id, active).await,
        Admin::MethodDelete { id } => methods::delete(env, id).await,
        Admin::MethodDeleteYes { id } => methods::delete_yes(env, id).await,
        Admin::Topups => queues::topups(env).await,
        Admin::Topup { id } => queues::topup(env, id).await,
        Admin::TopupApprove { id } => queues::approve(env, id, q).await,
        Admin::TopupReject { id } => queues::reject(env, id, q).await,
        Admin::TopupApproveReused { id } => queues::approve_reused(env, id, q).await,
        Admin::Orders => queues::manual_orders(env).await,
        Admin::AwaitingOrders => queues::awaiting_orders(env).await,
        Admin::Order { id } => queues::order(env, id).await,
        Admin::OrderComplete { id } => queues::complete(env, id, q).await,
        Admin::OrderCompleteCode { id } => queues::complete_with_code(env, id, q).await,
        Admin::OrderFail { id } => queues::fail_order(env, id, q).await,
        Admin::OrderConfirmPayment { id } => queues::confirm_payment(env, id, q).await,
        Admin::OrderConfirmReused { id } => queues::confirm_reused(env, id, q).await,
        Admin::OrderSearch => queues::search(env).await,
        Admin::UserFind => users::find(env).await,
        Admin::User { id } => users::show(env, id).await,
        Admin::UserOrders { id } => users::orders(env, id).await,
        Admin::UserBan { id } => users::ban(env, id).await,
        Admin::UserUnban { id } => users::unban(env, id).await,
        Admin::UserAdjust { id } => users::adjust(env, id).await,
        Admin::UserRoles { id } => users::roles(env, id).await,
        Admin::UserSetRole { id, role } => users::set_role(env, id, role).await,
        Admin::Coupons => coupons::list(env).await,
        Admin::CouponNew => coupons::new(env).await,
        Admin::CouponActive { code, active } => coupons::active(env, code, active).await,
        Admin::Stats => reports::stats(env).await,
        Admin::Audit { page, filter } => reports::audit(env, page, filter).await,
        Admin::AuditFilterAsk => reports::audit_filter(env).await,
        Admin::Settings => settings::show(env).await,
        Admin::Fulfilment { mode } => settings::fulfilment(env, mode).await,
        Admin::StoreState { state } => settings::store_state(env, state).await,
        Admin::EmergencyYes => settings::emergency_yes(env).await,
        Admin::Currencies => settings::currencies(env).await,
        Admin::CurrencyRate { code } => settings::rate(env, code).await,
        Admin::CurrencyEnabled { code, enabled } => {
            settings::currency_enabled(env, code, enabled).await
        }
        Admin::CurrencyAdd => settings::currency_add(env).await,
        Admin::SupportContact => settings::support(env).await,
        Admin::SupportContactClear => settings::support_clear(env).await,
        Admin::TimeZone => settings::time_zone(env).await,
        Admin::ProductPhoto { id } => catalog::photo(env, id).await,
        Admin::ProductPhotoRemove { id } => catalog::photo_remove(env, id).await,
    }
}

/// A typed answer in a staff conversation.
pub async fn on_input(env: &Env, input: AdminInput, msg: &Message) -> HandlerResult {
    if !is_staff(role(env)) {
        // Demoted mid-conversation: drop it.
        env.reset().await?;
        return super::start::not_understood(env).await;
    }
    // Documents (a .txt of codes) carry no text; everything else here is text.
    if let AdminInput::Codes { id } = input {
        return catalog::codes_input(env, id, msg).await;
    }
    if let AdminInput::ProductPhoto { id } = input {
        return catalog::photo_input(env, id, msg).await;
    }
    let Some(text) = msg.text().map(str::to_owned) else {
        env.out
            .send(Screen::text(env.lang().t("staff-text_expected")))
            .await?;
        return Ok(());
    };
    match input {
        AdminInput::ProductDraft(draft) => catalog::draft_input(env, draft, &text).await,
        AdminInput::ProductField { id, field } => catalog::field_input(env, id, field, &text).await,
        AdminInput::Codes { .. } => Ok(()),
        AdminInput::CategoryName { id } => catalog::category_name_input(env, id, &text).await,
        AdminInput::MethodDraft(draft) => methods::draft_input(env, draft, &text).await,
        AdminInput::MethodField { id, field } => methods::field_input(env, id, field, &text).await,
        AdminInput::RejectReason { id, key } => queues::reject_input(env, id, key, &text).await,
        AdminInput::Delivery { id, key } => queues::delivery_input(env, id, key, &text).await,
        AdminInput::FailReason { id, key } => queues::fail_input(env, id, key, &text).await,
        AdminInput::OrderSearch => queues::search_input(env, &text).await,
        AdminInput::UserQuery => users::query_input(env, &text).await,
        AdminInput::BanReason { user } => users::ban_input(env, user, &text).await,
        AdminInput::AdjustAmount { user } => users::amount_input(env, user, &text).await,
        AdminInput::AdjustReason { user, amount } => {
            users::reason_input(env, user, amount, &text, msg).await
        }
        AdminInput::CouponDraft(draft) => coupons::draft_input(env, draft, &text).await,
        AdminInput::AuditFilter => reports::filter_input(env, &text).await,
        AdminInput::CurrencyAdd => settings::currency_add_input(env, &text).await,
        AdminInput::CurrencyRate { code } => settings::rate_input(env, code, &text).await,
        AdminInput::SupportContact => settings::support_input(env, &text).await,
        AdminInput::TimeZone => settings::time_zone_input(env, &text).await,
        AdminInput::ProductPhoto { .. } => Ok(()),
    }
}

/// `/web`: a one-time sign-in link to the staff web panel, in a private chat only (a link
/// posted in a group could be opened by anyone there first). Shoppers get the usual "not
/// understood": the core would refuse them anyway.
pub async fn web_link(env: &Env, private: bool) -> HandlerResult {
    if !is_staff(role(env)) {
        return super::start::not_understood(env).await;
    }
    let lang = env.lang();
    let say = |text: String| {
        let request = env.out.bot.send_message(env.out.chat, text);
        async move { request.await.map(|_| ()) }
    };
    if !private {
        say(lang.t("web-link-private_only")).await?;
        return Ok(());
    }
    if crate::web::sign_in_link("").is_none() {
        say(lang.t("web-link-not_configured")).await?;
        return Ok(());
    }
    let actor = env.actor.clone();
    let Some(link) = call(env, move |shop| shop.issue_panel_link(&actor)).await? else {
        return Ok(());
    };
    let Some(url) = crate::web::sign_in_link(&link.token) else {
        return Ok(());
    };
    let minutes = shopcore::panel::LINK_TTL.as_secs().div_ceil(60).to_string();
    let text = lang.tf("web-link-message", &[("link", &url), ("minutes", &minutes)]);
    env.out
        .bot
        .send_message(env.out.chat, text)
        .link_preview_options(teloxide::types::LinkPreviewOptions {
            is_disabled: true,
            url: None,
            prefer_small_media: false,
            prefer_large_media: false,
            show_above_text: false,
        })
        .await?;
    Ok(())
}
