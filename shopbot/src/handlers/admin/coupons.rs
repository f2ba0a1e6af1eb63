//! Coupons for staff: the list with use counts, guided creation (code → discount → total
//! uses → uses per person), and switching a coupon off or on again.

use super::{ask, call, can, not_permitted};
use crate::HandlerResult;
use crate::core;
use crate::handlers::{Answer, AnswerResult, Env};
use crate::render::Screen;
use crate::render::staff as view;
use crate::staff_input;
use crate::state::{AdminInput, CouponDraft};
use shopcore::coupons::USES_MAX;
use shopcore::{CouponCode, CouponScope, NewCoupon, Permission};

pub async fn list(env: &Env) -> AnswerResult {
    let actor = env.actor.clone();
    let Some(coupons) = call(env, move |shop| shop.coupons(&actor)).await? else {
        return Ok(Answer::Done);
    };
    env.out.show(view::coupons(env.lang(), &coupons)).await?;
    Ok(Answer::Done)
}

pub async fn new(env: &Env) -> AnswerResult {
    if !can(env, Permission::ManageCoupons) {
        return Ok(not_permitted(env));
    }
    ask(
        env,
        AdminInput::CouponDraft(CouponDraft::default()),
        view::prompt(env.lang(), env.lang().t("staff-coupon-ask_code")),
    )
    .await?;
    Ok(Answer::Done)
}

pub async fn draft_input(env: &Env, mut draft: CouponDraft, text: &str) -> HandlerResult {
    let lang = env.lang();
    let retry = |key: &str| Screen::text(lang.t(key));
    let next_key = if draft.code.is_none() {
        match CouponCode::parse(text.trim()) {
            Ok(code) => draft.code = Some(code.as_str().to_owned()),
            Err(error) => return super::fail(env, &core::Failure::Core(error.into())).await,
        }
        "staff-coupon-ask_discount"
    } else if draft.kind.is_none() {
        let Some(kind) = staff_input::coupon_kind(text) else {
            env.out.send(retry("staff-coupon-ask_discount")).await?;
            return Ok(());
        };
        draft.kind = Some(kind);
        "staff-coupon-ask_uses"
    } else if draft.max_uses.is_none() {
        let Some(uses) = staff_input::count(text, u64::from(USES_MAX))
            .and_then(|n| u32::try_from(n).ok())
            .filter(|n| *n > 0)
        else {
            env.out.send(retry("staff-coupon-ask_uses")).await?;
            return Ok(());
        };
        draft.max_uses = Some(uses);
        "staff-coupon-ask_per_user"
    } else {
        let Some(per_user) = staff_input::count(text, u64::from(USES_MAX))
            .and_then(|n| u32::try_from(n).ok())
            .filter(|n| *n > 0)
        else {
            env.out.send(retry("staff-coupon-ask_per_user")).await?;
            return Ok(());
        };
        let (Some(code), Some(kind), Some(max_uses)) = (draft.code, draft.kind, draft.max_uses)
        else {
            env.reset().await?;
            return Ok(());
        };
        let new = NewCoupon {
            code,
            kind,
            max_uses,
            uses_per_user: per_user,
            min_order_usd: None,
            expires_at: None,
            scope: CouponScope::All,
        };
        let actor = env.actor.clone();
        let created = core::run(&env.shop, move |shop| {
            shop.create_coupon(&actor, &new)?;
            shop.coupons(&actor)
        })
        .await;
        env.reset().await?;
        return match created {
            Ok(coupons) => {
                env.out.send(view::coupons(lang, &coupons)).await?;
                Ok(())
            }
            Err(failure) => super::fail(env, &failure).await,
        };
    };
    ask(
        env,
        AdminInput::CouponDraft(draft),
        view::prompt(lang, lang.t(next_key)),
    )
    .await
}

pub async fn active(env: &Env, code: CouponCode, active: bool) -> AnswerResult {
    let actor = env.actor.clone();
    let Some(coupons) = call(env, move |shop| {
        shop.set_coupon_active(&actor, code.as_str(), active)?;
        shop.coupons(&actor)
    })
    .await?
    else {
        return Ok(Answer::Done);
    };
    env.out.show(view::coupons(env.lang(), &coupons)).await?;
    Ok(Answer::Notice(env.lang().t("staff-saved")))
}
