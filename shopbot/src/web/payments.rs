//! Payments and prices: payment methods (create, switch on and off, soft delete),
//! currencies and their rates, and coupons — each section shown to the roles that manage it.

use super::pages::{Chrome, CsrfForm, L, P, chrome, forged, refusal};
use super::{Panel, html, lang_of};
use crate::core::{self, Failure};
use crate::render;
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use shopcore::payment_methods::{AMOUNT_LIMIT_MAX, MethodFilter};
use shopcore::roles::has_permission;
use shopcore::{
    CouponScope, Money, NewCoupon, NewPaymentMethod, PanelSession, PaymentMethodId, Permission,
};

pub(super) fn routes() -> axum::Router<std::sync::Arc<Panel>> {
    axum::Router::new()
        .route("/panel/payments", get(payments))
        .route("/panel/methods", post(create_method))
        .route("/panel/methods/{id}/{action}", post(method_action))
        .route("/panel/currencies", post(add_currency))
        .route("/panel/currencies/{code}/{action}", post(currency_action))
        .route("/panel/coupons", post(create_coupon))
        .route("/panel/coupons/{code}/{action}", post(coupon_action))
}

struct MethodRow {
    id: u64,
    name: String,
    currency: String,
    limits: String,
    active: bool,
    deleted: bool,
    pending: u64,
}

struct CurrencyRow {
    code: String,
    symbol: String,
    rate: String,
    decimals: u32,
    enabled: bool,
    base: bool,
}

struct CouponRow {
    code: String,
    kind: String,
    uses: String,
    scope: String,
    expires: String,
    active: bool,
}

#[derive(Template)]
#[template(path = "panel/payments.html")]
struct PaymentsPage {
    c: Chrome,
    l: L,
    csrf: String,
    methods: Option<Vec<MethodRow>>,
    currencies: Option<Vec<CurrencyRow>>,
    coupons: Option<Vec<CouponRow>>,
    currency_codes: Vec<String>,
    /// The section in error (`methods`, `currencies`, `coupons`) and the text.
    error: Option<(&'static str, String)>,
    done: Option<String>,
}

impl PaymentsPage {
    fn error_for(&self, section: &str) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|(s, _)| *s == section)
            .map(|(_, t)| t.as_str())
    }
}

#[derive(Deserialize, Default)]
struct DoneQuery {
    done: Option<String>,
}

async fn payments(State(p): P, headers: HeaderMap, Query(q): Query<DoneQuery>) -> Response {
    let (session, _) = match p.session(&headers).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    let lang = lang_of(&session);
    let done = q.done.map(|_| lang.t("web-done-saved"));
    payments_page(&p, &session, None, done).await
}

async fn payments_page(
    p: &Panel,
    session: &PanelSession,
    error: Option<(&'static str, String)>,
    done: Option<String>,
) -> Response {
    let lang = lang_of(session);
    let zone = p.shop.settings().time_zone;
    let role = session.user.role;
    let actor = session.actor.clone();
    let show_methods = has_permission(role, Permission::ManagePaymentMethods);
    let show_currencies = has_permission(role, Permission::ManageSettings);
    let show_coupons = has_permission(role, Permission::ManageCoupons);
    let loaded = core::run(&p.shop, move |shop| {
        let methods = if show_methods {
            Some(shop.payment_methods_panel(&actor, MethodFilter::IncludingDeleted)?)
        } else {
            None
        };
        let coupons = if show_coupons {
            Some(shop.coupons(&actor)?)
        } else {
            None
        };
        Ok((methods, shop.currencies()?, coupons))
    })
    .await;
    let (methods, currencies, coupons) = match loaded {
        Ok(v) => v,
        Err(failure) => {
            return super::pages::failure_page(
                lang,
                StatusCode::SERVICE_UNAVAILABLE,
                failure.kind(),
            );
        }
    };
    let currency_codes = currencies
        .iter()
        .filter(|c| c.enabled)
        .map(|c| c.code.to_string())
        .collect();
    let page = PaymentsPage {
        c: chrome(lang, "web-title-payments", Some(session), "/panel/payments"),
        l: L(lang),
        csrf: session.csrf.clone(),
        methods: methods.map(|list| {
            list.iter()
                .map(|m| MethodRow {
                    id: m.id.get(),
                    name: m.name.clone(),
                    currency: m.currency.to_string(),
                    limits: format!("{} – {}", m.min_amount, m.max_amount),
                    active: m.active,
                    deleted: m.deleted_at.is_some(),
                    pending: m.pending_uses,
                })
                .collect()
        }),
        currencies: show_currencies.then(|| {
            currencies
                .iter()
                .map(|c| CurrencyRow {
                    code: c.code.to_string(),
                    symbol: c.symbol.clone(),
                    rate: c.units_per_usd.to_string(),
                    decimals: c.decimals,
                    enabled: c.enabled,
                    base: c.code.as_str() == "USD",
                })
                .collect()
        }),
        coupons: coupons.map(|list| {
            list.iter()
                .map(|c| CouponRow {
                    code: c.code.to_string(),
                    kind: c.kind.to_string(),
                    uses: format!("{} / {}", c.uses, c.max_uses),
                    scope: match &c.scope {
                        CouponScope::All => lang.t("web-coupons-everything"),
                        CouponScope::Product(id) => format!("#{}", id.get()),
                        CouponScope::Category(id) => {
                            format!("{} {}", lang.t("web-catalog-category"), id.get())
                        }
                    },
                    expires: c
                        .expires_at
                        .map(|at| render::date(&zone, at))
                        .unwrap_or_default(),
                    active: c.active,
                })
                .collect()
        }),
        currency_codes,
        error: error.clone(),
        done,
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    html(status, page.render())
}

/// Back to the page after a change, or the page with the refusal in its section.
async fn after(
    p: &Panel,
    session: &PanelSession,
    section: &'static str,
    result: Result<(), String>,
) -> Response {
    match result {
        Ok(()) => Redirect::to("/panel/payments?done=1").into_response(),
        Err(text) => payments_page(p, session, Some((section, text)), None).await,
    }
}

fn amount_error<'a>(
    lang: crate::i18n::Lang,
    shop: &'a shopcore::Shop,
    what: &'static str,
) -> impl Fn(shopcore::AmountError) -> String + 'a {
    move |source| {
        refusal(
            lang,
            &Failure::Core(shopcore::InvalidInput::Amount { what, source }.into()),
            shop,
        )
    }
}

#[derive(Deserialize)]
struct MethodForm {
    csrf: String,
    name: String,
    #[serde(default)]
    instructions: String,
    currency: String,
    min: String,
    max: String,
}

async fn create_method(State(p): P, headers: HeaderMap, Form(f): Form<MethodForm>) -> Response {
    let (session, _) = match p.session(&headers).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    if let Some(page) = forged(&session, &f.csrf) {
        return page;
    }
    let lang = lang_of(&session);
    let limit = Money::units(AMOUNT_LIMIT_MAX);
    let parse = |text: &str, what| {
        shopcore::money::parse_amount(text, 8, limit).map_err(amount_error(lang, &p.shop, what))
    };
    let result = match (parse(&f.min, "minimum"), parse(&f.max, "maximum")) {
        (Ok(min_amount), Ok(max_amount)) => {
            let actor = session.actor.clone();
            let new = NewPaymentMethod {
                name: f.name,
                instructions: f.instructions,
                currency: f.currency,
                min_amount,
                max_amount,
                active: true,
            };
            core::run(&p.shop, move |shop| {
                shop.create_payment_method(&actor, &new)
            })
            .await
            .map(|_| ())
            .map_err(|failure| refusal(lang, &failure, &p.shop))
        }
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    after(&p, &session, "methods", result).await
}

async fn method_action(
    State(p): P,
    headers: HeaderMap,
    Path((id, action)): Path<(u64, String)>,
    Form(f): Form<CsrfForm>,
) -> Response {
    let (session, _) = match p.session(&headers).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    if let Some(page) = forged(&session, &f.csrf) {
        return page;
    }
    let lang = lang_of(&session);
    let actor = session.actor.clone();
    let result = core::run(&p.shop, move |shop| {
        let id = PaymentMethodId::new(id).map_err(shopcore::Error::from)?;
        match action.as_str() {
            "delete" => shop.delete_payment_method(&actor, id).map(|_| ()),
            "enable" | "disable" => shop
                .update_payment_method(
                    &actor,
                    id,
                    shopcore::PaymentMethodChange::Active(action == "enable"),
                )
                .map(|_| ()),
            _ => Err(shopcore::InvalidInput::UnknownName {
                what: "action",
                text: action.chars().take(40).collect(),
            }
            .into()),
        }
    })
    .await
    .map_err(|failure| refusal(lang, &failure, &p.shop));
    after(&p, &session, "methods", result).await
}

#[derive(Deserialize)]
struct CurrencyForm {
    csrf: String,
    code: String,
    #[serde(default)]
    symbol: String,
    #[serde(default)]
    decimals: String,
    rate: String,
}

async fn add_currency(State(p): P, headers: HeaderMap, Form(f): Form<CurrencyForm>) -> Response {
    let (session, _) = match p.session(&headers).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    if let Some(page) = forged(&session, &f.csrf) {
        return page;
    }
    let lang = lang_of(&session);
    let decimals = crate::staff_input::count(&f.decimals, 8)
        .and_then(|d| u32::try_from(d).ok())
        .ok_or_else(|| lang.t("web-currencies-bad_decimals"));
    let rate = shopcore::currency::parse_rate(&f.rate)
        .map_err(|e| refusal(lang, &Failure::Core(e), &p.shop));
    let result = match (decimals, rate) {
        (Ok(decimals), Ok(rate)) => {
            let actor = session.actor.clone();
            let (code, symbol) = (f.code, f.symbol);
            core::run(&p.shop, move |shop| {
                shop.add_currency(&actor, &code, &symbol, decimals, rate)
            })
            .await
            .map(|_| ())
            .map_err(|failure| refusal(lang, &failure, &p.shop))
        }
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    after(&p, &session, "currencies", result).await
}

#[derive(Deserialize)]
struct RateForm {
    csrf: String,
    #[serde(default)]
    rate: String,
}

async fn currency_action(
    State(p): P,
    headers: HeaderMap,
    Path((code, action)): Path<(String, String)>,
    Form(f): Form<RateForm>,
) -> Response {
    let (session, _) = match p.session(&headers).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    if let Some(page) = forged(&session, &f.csrf) {
        return page;
    }
    let lang = lang_of(&session);
    let actor = session.actor.clone();
    let result = match action.as_str() {
        "rate" => match shopcore::currency::parse_rate(&f.rate) {
            Ok(rate) => core::run(&p.shop, move |shop| {
                shop.set_exchange_rate(&actor, &code, rate)
            })
            .await
            .map(|_| ())
            .map_err(|failure| refusal(lang, &failure, &p.shop)),
            Err(e) => Err(refusal(lang, &Failure::Core(e), &p.shop)),
        },
        "enable" | "disable" => {
            let enabled = action == "enable";
            core::run(&p.shop, move |shop| {
                shop.set_currency_enabled(&actor, &code, enabled)
            })
            .await
            .map(|_| ())
            .map_err(|failure| refusal(lang, &failure, &p.shop))
        }
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    after(&p, &session, "currencies", result).await
}

#[derive(Deserialize)]
struct CouponForm {
    csrf: String,
    code: String,
    discount: String,
    #[serde(default)]
    max_uses: String,
    #[serde(default)]
    uses_per_user: String,
    #[serde(default)]
    min_order: String,
    /// `YYYY-MM-DD`: the coupon works until the end of that day (UTC).
    #[serde(default)]
    expires: String,
}

async fn create_coupon(State(p): P, headers: HeaderMap, Form(f): Form<CouponForm>) -> Response {
    let (session, _) = match p.session(&headers).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    if let Some(page) = forged(&session, &f.csrf) {
        return page;
    }
    let lang = lang_of(&session);
    let count = |text: &str, default: u32| -> Result<u32, String> {
        match text.trim() {
            "" => Ok(default),
            t => crate::staff_input::count(t, u64::from(u32::MAX))
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| lang.t("web-coupons-bad_count")),
        }
    };
    let parsed = (|| -> Result<NewCoupon, String> {
        let kind = crate::staff_input::coupon_kind(&f.discount)
            .ok_or_else(|| lang.t("web-coupons-bad_discount"))?;
        let min_order_usd = match f.min_order.trim() {
            "" => None,
            t => Some(
                shopcore::money::parse_amount(t, 2, Money::units(1_000_000))
                    .map_err(amount_error(lang, &p.shop, "minimum order"))?,
            ),
        };
        let expires_at = match f.expires.trim() {
            "" => None,
            t => Some(
                super::audit::day_end(t, &p.shop.settings().time_zone)
                    .ok_or_else(|| lang.t("web-audit-bad_date"))?
                    .plus_millis(-1),
            ),
        };
        Ok(NewCoupon {
            code: f.code.clone(),
            kind,
            max_uses: count(&f.max_uses, 100)?,
            uses_per_user: count(&f.uses_per_user, 1)?,
            min_order_usd,
            expires_at,
            scope: CouponScope::All,
        })
    })();
    let result = match parsed {
        Ok(new) => {
            let actor = session.actor.clone();
            core::run(&p.shop, move |shop| shop.create_coupon(&actor, &new))
                .await
                .map(|_| ())
                .map_err(|failure| refusal(lang, &failure, &p.shop))
        }
        Err(text) => Err(text),
    };
    after(&p, &session, "coupons", result).await
}

async fn coupon_action(
    State(p): P,
    headers: HeaderMap,
    Path((code, action)): Path<(String, String)>,
    Form(f): Form<CsrfForm>,
) -> Response {
    let (session, _) = match p.session(&headers).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    if let Some(page) = forged(&session, &f.csrf) {
        return page;
    }
    let lang = lang_of(&session);
    let active = match action.as_str() {
        "enable" => true,
        "disable" => false,
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    let actor = session.actor.clone();
    let result = core::run(&p.shop, move |shop| {
        shop.set_coupon_active(&actor, &code, active)
    })
    .await
    .map(|_| ())
    .map_err(|failure| refusal(lang, &failure, &p.shop));
    after(&p, &session, "coupons", result).await
}
