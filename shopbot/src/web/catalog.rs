//! The catalog: categories, and products with every field — create, edit, put on and take
//! off sale, delete (after a confirmation page) — and their code pools, filled by pasting or
//! uploading a `.txt` / `.csv` file. Codes are never shown: only counted.

use super::pages::{Chrome, CsrfForm, L, P, chrome, forged, refusal};
use super::{Panel, html, lang_of};
use crate::core::{self, Failure};
use crate::render;
use askama::Template;
use axum::extract::{DefaultBodyLimit, Form, Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use shopcore::catalog::{CODES_PER_UPLOAD_MAX, ProductCursor, STOCK_MAX, parse_price};
use shopcore::roles::has_permission;
use shopcore::{
    CategoryId, Delivery, NewProduct, PanelSession, Permission, Product, ProductChange,
    ProductFilter, ProductId, ProductKind, Stock,
};

/// The largest code file accepted (a few hundred thousand codes).
const CODE_FILE_BYTES_MAX: usize = 8 * 1024 * 1024;
/// Products per page.
const PAGE: usize = 25;

pub(super) fn routes() -> axum::Router<std::sync::Arc<Panel>> {
    axum::Router::new()
        .route("/panel/catalog", get(catalog))
        .route("/panel/categories", post(create_category))
        .route("/panel/categories/{id}/delete", post(delete_category))
        .route("/panel/products/new", get(new_product))
        .route("/panel/products", post(create_product))
        .route("/panel/products/{id}", get(product).post(edit_product))
        .route("/panel/products/{id}/toggle", post(toggle_product))
        .route(
            "/panel/products/{id}/delete",
            get(confirm_delete).post(delete_product),
        )
        .route(
            "/panel/products/{id}/revoke",
            get(confirm_revoke).post(revoke_codes),
        )
        .route(
            "/panel/products/{id}/codes",
            post(upload_codes).layer(DefaultBodyLimit::max(CODE_FILE_BYTES_MAX + 64 * 1024)),
        )
}

struct CategoryRow {
    id: u64,
    name: String,
    products: u64,
    active: bool,
}

struct ProductRow {
    id: u64,
    name: String,
    category: String,
    price: String,
    kind: String,
    delivery: String,
    stock: String,
    active: bool,
    archived: bool,
}

#[derive(Template)]
#[template(path = "panel/catalog.html")]
struct CatalogPage {
    c: Chrome,
    l: L,
    csrf: String,
    categories: Vec<CategoryRow>,
    products: Vec<ProductRow>,
    next: Option<String>,
    error: Option<String>,
    done: Option<String>,
    can_edit: bool,
}

#[derive(Deserialize, Default)]
struct CatalogQuery {
    cursor: Option<String>,
    done: Option<String>,
}

fn can_view(session: &PanelSession) -> bool {
    has_permission(session.user.role, Permission::ViewCatalog)
}

fn can_edit(session: &PanelSession) -> bool {
    has_permission(session.user.role, Permission::ManageProducts)
}

fn kind_label(lang: crate::i18n::Lang, kind: ProductKind) -> String {
    lang.t(&format!("kind-{}", kind.name()))
}

fn delivery_label(lang: crate::i18n::Lang, delivery: &Delivery) -> String {
    match delivery {
        Delivery::Manual => lang.t("delivery-manual"),
        Delivery::Codes => lang.t("delivery-codes"),
        Delivery::Supplier { sku } => lang.tf("delivery-supplier_sku", &[("sku", sku)]),
    }
}

fn stock_label(lang: crate::i18n::Lang, product: &Product) -> String {
    match (&product.delivery, product.stock) {
        (Delivery::Codes, _) => lang.tf(
            "web-catalog-codes_left",
            &[("count", &product.codes_available.to_string())],
        ),
        (_, Stock::Unlimited) => lang.t("web-catalog-unlimited"),
        (_, Stock::Limited(n)) => n.to_string(),
    }
}

async fn catalog(State(p): P, headers: HeaderMap, Query(q): Query<CatalogQuery>) -> Response {
    let (session, _) = match p.session(&headers).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    let lang = lang_of(&session);
    let done = q.done.as_deref().map(|d| match d {
        "category" => lang.t("web-done-category"),
        "deleted" => lang.t("web-done-product_deleted"),
        _ => lang.t("web-done-product"),
    });
    catalog_page(&p, &session, q.cursor, None, done).await
}

async fn catalog_page(
    p: &Panel,
    session: &PanelSession,
    cursor: Option<String>,
    error: Option<String>,
    done: Option<String>,
) -> Response {
    let lang = lang_of(session);
    if !can_view(session) {
        let page = super::pages::MessagePage {
            c: chrome(lang, "web-title-catalog", Some(session), "/panel/catalog"),
            text: lang.t("web-not_permitted"),
        };
        return html(StatusCode::FORBIDDEN, page.render());
    }
    let actor = session.actor.clone();
    let loaded = core::run(&p.shop, move |shop| {
        let categories = shop.categories(false)?;
        let cursor = cursor
            .as_deref()
            .map(ProductCursor::from_token)
            .transpose()?;
        let page = shop.list_products(
            &actor,
            &ProductFilter {
                include_archived: false,
                ..Default::default()
            },
            cursor.as_ref(),
            PAGE,
        )?;
        Ok((categories, page))
    })
    .await;
    let (categories, page) = match loaded {
        Ok(v) => v,
        Err(failure) => {
            let page = super::pages::MessagePage {
                c: chrome(lang, "web-title-catalog", Some(session), "/panel/catalog"),
                text: refusal(lang, &failure, &p.shop),
            };
            return html(StatusCode::FORBIDDEN, page.render());
        }
    };
    let name_of = |id: CategoryId| {
        categories
            .iter()
            .find(|c| c.id == id)
            .map(|c| c.name.clone())
            .unwrap_or_else(|| id.to_string())
    };
    let products = page
        .products
        .iter()
        .map(|pr| ProductRow {
            id: pr.id.get(),
            name: pr.name.clone(),
            category: name_of(pr.category),
            price: render::usd(pr.price_usd),
            kind: kind_label(lang, pr.kind),
            delivery: delivery_label(lang, &pr.delivery),
            stock: stock_label(lang, pr),
            active: pr.active,
            archived: pr.archived,
        })
        .collect();
    let categories = categories
        .iter()
        .map(|c| CategoryRow {
            id: c.id.get(),
            name: c.name.clone(),
            products: c.product_count,
            active: c.active,
        })
        .collect();
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = CatalogPage {
        c: chrome(lang, "web-title-catalog", Some(session), "/panel/catalog"),
        l: L(lang),
        csrf: session.csrf.clone(),
        categories,
        products,
        next: page
            .next
            .map(|c| format!("/panel/catalog?cursor={}", c.to_token())),
        error,
        done,
        can_edit: can_edit(session),
    };
    html(status, page.render())
}

#[derive(Deserialize)]
struct CategoryForm {
    csrf: String,
    name: String,
    #[serde(default)]
    sort_order: String,
}

async fn create_category(
    State(p): P,
    headers: HeaderMap,
    Form(form): Form<CategoryForm>,
) -> Response {
    let (session, _) = match p.session(&headers).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    if let Some(page) = forged(&session, &form.csrf) {
        return page;
    }
    let lang = lang_of(&session);
    let sort = match form.sort_order.trim() {
        "" => Ok(0),
        text => text
            .parse::<i32>()
            .map_err(|_| lang.t("web-catalog-bad_sort_order")),
    };
    let result = match sort {
        Ok(sort) => {
            let actor = session.actor.clone();
            let name = form.name;
            core::run(&p.shop, move |shop| {
                shop.create_category(&actor, &name, sort)
            })
            .await
            .map(|_| ())
            .map_err(|f| refusal(lang, &f, &p.shop))
        }
        Err(text) => Err(text),
    };
    match result {
        Ok(()) => Redirect::to("/panel/catalog?done=category").into_response(),
        Err(text) => catalog_page(&p, &session, None, Some(text), None).await,
    }
}

async fn delete_category(
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
    let result = core::run(&p.shop, move |shop| {
        let id = CategoryId::new(id).map_err(shopcore::Error::from)?;
        shop.delete_category(&actor, id)
    })
    .await;
    match result {
        Ok(()) => Redirect::to("/panel/catalog?done=category").into_response(),
        Err(failure) => {
            let text = refusal(lang, &failure, &p.shop);
            catalog_page(&p, &session, None, Some(text), None).await
        }
    }
}

/// A product form as typed.
#[derive(Deserialize, Default, Clone)]
struct ProductForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    price: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    delivery: String,
    #[serde(default)]
    sku: String,
    #[serde(default)]
    stock: String,
    /// Units one order may buy; empty is 1.
    #[serde(default)]
    per_order: String,
    #[serde(default)]
    player_field: String,
    #[serde(default)]
    sort_order: String,
    #[serde(default)]
    active: Option<String>,
}

/// The fields of a product form, checked; or the first field that is wrong and why.
struct Parsed {
    category: CategoryId,
    name: String,
    description: String,
    price: shopcore::Money,
    kind: ProductKind,
    delivery: Delivery,
    stock: Stock,
    per_order: u32,
    player_field: Option<shopcore::PlayerField>,
    sort_order: i32,
    active: bool,
}

/// A field's error: which field, and the text shown beside it.
struct FieldError {
    field: &'static str,
    text: String,
}

fn parse_form(
    lang: crate::i18n::Lang,
    shop: &shopcore::Shop,
    f: &ProductForm,
) -> Result<Parsed, FieldError> {
    let bad = |field: &'static str, key: &str| FieldError {
        field,
        text: lang.t(key),
    };
    let category = f
        .category
        .trim()
        .parse::<u64>()
        .ok()
        .and_then(|id| CategoryId::new(id).ok())
        .ok_or_else(|| bad("category", "web-catalog-bad_category"))?;
    let price = parse_price(&f.price).map_err(|e| FieldError {
        field: "price",
        text: refusal(lang, &Failure::Core(e), shop),
    })?;
    let kind = ProductKind::parse(&f.kind).map_err(|_| bad("kind", "web-catalog-bad_kind"))?;
    let delivery = match f.delivery.as_str() {
        "manual" => Delivery::Manual,
        "codes" => Delivery::Codes,
        "supplier" => Delivery::Supplier {
            sku: f.sku.trim().to_owned(),
        },
        _ => return Err(bad("delivery", "web-catalog-bad_delivery")),
    };
    let stock = match f.stock.trim() {
        "" => Stock::Unlimited,
        text => crate::staff_input::stock(text, STOCK_MAX)
            .ok_or_else(|| bad("stock", "web-catalog-bad_stock"))?,
    };
    let per_order = match f.per_order.trim() {
        "" => 1,
        text => crate::staff_input::count(text, u64::from(u32::MAX))
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| FieldError {
                field: "per_order",
                text: lang.tf(
                    "web-catalog-bad_per_order",
                    &[("max", &shopcore::catalog::ORDER_QUANTITY_MAX.to_string())],
                ),
            })?,
    };
    // Checked before anything is written: a new product is created before its limit is
    // set, so a limit the core would refuse must not leave a product behind. The core
    // checks it again; the text is its refusal's.
    if !(1..=shopcore::catalog::ORDER_QUANTITY_MAX).contains(&per_order) {
        return Err(FieldError {
            field: "per_order",
            text: refusal(
                lang,
                &Failure::Core(shopcore::CatalogError::BadOrderLimit { max: per_order }.into()),
                shop,
            ),
        });
    }
    let player_field = match f.player_field.trim() {
        "" | "-" => None,
        text => crate::staff_input::player_field(text)
            .ok_or_else(|| bad("player_field", "web-catalog-bad_player_field"))?,
    };
    let sort_order = match f.sort_order.trim() {
        "" => 0,
        text => text
            .parse::<i32>()
            .map_err(|_| bad("sort_order", "web-catalog-bad_sort_order"))?,
    };
    Ok(Parsed {
        category,
        name: f.name.clone(),
        description: f.description.clone(),
        price,
        kind,
        delivery,
        stock,
        per_order,
        player_field,
        sort_order,
        active: f.active.is_some(),
    })
}

#[derive(Template)]
#[template(path = "panel/product.html")]
struct ProductPage {
    c: Chrome,
    l: L,
    csrf: String,
    /// `None` for a new product.
    id: Option<u64>,
    form: ProductForm,
    categories: Vec<(u64, String, bool)>,
    kinds: Vec<(&'static str, String, bool)>,
    deliveries: Vec<(&'static str, String, bool)>,
    /// The field in error and its text.
    error: Option<(&'static str, String)>,
    done: Option<String>,
    codes: Option<u64>,
    can_edit: bool,
}

impl ProductPage {
    /// The error text for `field`, if it is the one in error.
    fn error_for(&self, field: &str) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|(f, _)| *f == field)
            .map(|(_, t)| t.as_str())
    }
}

fn form_of(product: &Product, per_order: u32) -> ProductForm {
    ProductForm {
        csrf: String::new(),
        category: product.category.get().to_string(),
        name: product.name.clone(),
        description: product.description.clone(),
        price: product.price_usd.to_string(),
        kind: product.kind.name().to_owned(),
        delivery: match &product.delivery {
            Delivery::Manual => "manual",
            Delivery::Codes => "codes",
            Delivery::Supplier { .. } => "supplier",
        }
        .to_owned(),
        sku: match &product.delivery {
            Delivery::Supplier { sku } => sku.clone(),
            _ => String::new(),
        },
        stock: match product.stock {
            Stock::Unlimited => String::new(),
            Stock::Limited(n) => n.to_string(),
        },
        per_order: per_order.to_string(),
        player_field: product
            .player_field
            .as_ref()
            .map(|f| format!("{} | {}", f.label, f.rule))
            .unwrap_or_default(),
        sort_order: product.sort_order.to_string(),
        active: product.active.then(|| "on".to_owned()),
    }
}

async fn product_page(
    p: &Panel,
    session: &PanelSession,
    id: Option<u64>,
    form: ProductForm,
    codes: Option<u64>,
    error: Option<(&'static str, String)>,
    done: Option<String>,
) -> Response {
    let lang = lang_of(session);
    let categories = core::run(&p.shop, |shop| shop.categories(false))
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|c| {
            let id = c.id.get();
            (id, c.name, id.to_string() == form.category)
        })
        .collect();
    let kinds = ProductKind::ALL
        .iter()
        .map(|k| (k.name(), kind_label(lang, *k), k.name() == form.kind))
        .collect();
    let deliveries = ["manual", "codes", "supplier"]
        .into_iter()
        .map(|d| (d, lang.t(&format!("delivery-{d}")), d == form.delivery))
        .collect();
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let title = if id.is_some() {
        "web-title-product"
    } else {
        "web-title-new_product"
    };
    let page = ProductPage {
        c: chrome(lang, title, Some(session), "/panel/catalog"),
        l: L(lang),
        csrf: session.csrf.clone(),
        id,
        form,
        categories,
        kinds,
        deliveries,
        error,
        done,
        codes,
        can_edit: can_edit(session),
    };
    html(status, page.render())
}

async fn new_product(State(p): P, headers: HeaderMap) -> Response {
    let (session, _) = match p.session(&headers).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    let form = ProductForm {
        kind: ProductKind::GameTopUp.name().to_owned(),
        delivery: "manual".to_owned(),
        active: Some("on".to_owned()),
        ..Default::default()
    };
    product_page(&p, &session, None, form, None, None, None).await
}

async fn create_product(
    State(p): P,
    headers: HeaderMap,
    Form(form): Form<ProductForm>,
) -> Response {
    let (session, _) = match p.session(&headers).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    if let Some(page) = forged(&session, &form.csrf) {
        return page;
    }
    let lang = lang_of(&session);
    let parsed = match parse_form(lang, &p.shop, &form) {
        Ok(v) => v,
        Err(e) => {
            return product_page(
                &p,
                &session,
                None,
                form,
                None,
                Some((e.field, e.text)),
                None,
            )
            .await;
        }
    };
    let actor = session.actor.clone();
    let per_order = parsed.per_order;
    let created = core::run(&p.shop, move |shop| {
        let product = shop.create_product(
            &actor,
            &NewProduct {
                category: parsed.category,
                name: parsed.name,
                description: parsed.description,
                price_usd: parsed.price,
                kind: parsed.kind,
                delivery: parsed.delivery,
                stock: parsed.stock,
                player_field: parsed.player_field,
                sort_order: parsed.sort_order,
                active: parsed.active,
            },
        )?;
        if per_order != 1 {
            shop.set_order_limit(&actor, product.id, per_order)?;
        }
        Ok(product)
    })
    .await;
    match created {
        Ok(product) => Redirect::to(&format!(
            "/panel/products/{}?done=created",
            product.id.get()
        ))
        .into_response(),
        Err(failure) => {
            let text = refusal(lang, &failure, &p.shop);
            let field = field_of(&failure);
            product_page(&p, &session, None, form, None, Some((field, text)), None).await
        }
    }
}

/// The form field a core refusal is about, so the text shows beside it ("" for the form).
fn field_of(failure: &Failure) -> &'static str {
    let kind = failure.kind();
    let message = match failure {
        Failure::Core(e) => e.to_string(),
        Failure::Crashed => String::new(),
    };
    if kind.contains("price") {
        "price"
    } else if message.contains("product name") {
        "name"
    } else if message.contains("description") {
        "description"
    } else if message.contains("SKU") {
        "sku"
    } else if kind.contains("category") {
        "category"
    } else if message.contains("player") {
        "player_field"
    } else if kind == "catalog.bad_order_limit" {
        "per_order"
    } else {
        ""
    }
}

#[derive(Deserialize, Default)]
struct DoneQuery {
    done: Option<String>,
}

/// A product and how many units one order of it may buy.
async fn load_product(
    p: &Panel,
    session: &PanelSession,
    id: u64,
) -> Result<(Product, u32), Failure> {
    let _ = session;
    core::run(&p.shop, move |shop| {
        let id = ProductId::new(id).map_err(shopcore::Error::from)?;
        let product = shop
            .product(id)?
            .ok_or_else(|| shopcore::Error::from(shopcore::CatalogError::ProductNotFound { id }))?;
        Ok((product, shop.order_limit(id)?))
    })
    .await
}

async fn product(
    State(p): P,
    headers: HeaderMap,
    Path(id): Path<u64>,
    Query(q): Query<DoneQuery>,
) -> Response {
    let (session, _) = match p.session(&headers).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    let lang = lang_of(&session);
    if !can_view(&session) {
        return catalog_page(&p, &session, None, None, None).await;
    }
    match load_product(&p, &session, id).await {
        Ok((product, per_order)) => {
            let done = q.done.as_deref().map(|d| match d {
                "codes" => lang.t("web-done-codes"),
                "revoked" => lang.t("web-done-revoked"),
                "created" => lang.t("web-done-product_created"),
                _ => lang.t("web-done-product"),
            });
            let codes =
                matches!(product.delivery, Delivery::Codes).then_some(product.codes_available);
            product_page(
                &p,
                &session,
                Some(id),
                form_of(&product, per_order),
                codes,
                None,
                done,
            )
            .await
        }
        Err(failure) => {
            let text = refusal(lang, &failure, &p.shop);
            catalog_page(&p, &session, None, Some(text), None).await
        }
    }
}

/// What changed between a product and its edited form, as the core's changes.
fn changes(before: &Product, after: &Parsed) -> Vec<ProductChange> {
    let mut out = Vec::new();
    if after.name != before.name {
        out.push(ProductChange::Name(after.name.clone()));
    }
    if after.description != before.description {
        out.push(ProductChange::Description(after.description.clone()));
    }
    if after.price != before.price_usd {
        out.push(ProductChange::Price(after.price));
    }
    if after.kind != before.kind {
        out.push(ProductChange::Kind(after.kind));
    }
    if after.category != before.category {
        out.push(ProductChange::Category(after.category));
    }
    if after.delivery != before.delivery {
        out.push(ProductChange::Delivery(after.delivery.clone()));
    }
    if after.stock != before.stock && !matches!(after.delivery, Delivery::Codes) {
        out.push(ProductChange::Stock(after.stock));
    }
    if after.player_field != before.player_field {
        out.push(ProductChange::PlayerField(after.player_field.clone()));
    }
    if after.sort_order != before.sort_order {
        out.push(ProductChange::SortOrder(after.sort_order));
    }
    if after.active != before.active {
        out.push(ProductChange::Active(after.active));
    }
    out
}

async fn edit_product(
    State(p): P,
    headers: HeaderMap,
    Path(id): Path<u64>,
    Form(form): Form<ProductForm>,
) -> Response {
    let (session, _) = match p.session(&headers).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    if let Some(page) = forged(&session, &form.csrf) {
        return page;
    }
    let lang = lang_of(&session);
    let parsed = match parse_form(lang, &p.shop, &form) {
        Ok(v) => v,
        Err(e) => {
            return product_page(
                &p,
                &session,
                Some(id),
                form,
                None,
                Some((e.field, e.text)),
                None,
            )
            .await;
        }
    };
    let (before, limit_before) = match load_product(&p, &session, id).await {
        Ok(loaded) => loaded,
        Err(failure) => {
            let text = refusal(lang, &failure, &p.shop);
            return catalog_page(&p, &session, None, Some(text), None).await;
        }
    };
    let wanted = changes(&before, &parsed);
    let per_order = (parsed.per_order != limit_before).then_some(parsed.per_order);
    let actor = session.actor.clone();
    // Each field is one audited change, in the form's order; a refused one stops the rest
    // and is shown beside its field (the ones before it are saved, as the page then shows).
    let result = core::run(&p.shop, move |shop| {
        let id = ProductId::new(id).map_err(shopcore::Error::from)?;
        for change in wanted {
            shop.update_product(&actor, id, change)?;
        }
        if let Some(max) = per_order {
            shop.set_order_limit(&actor, id, max)?;
        }
        Ok(())
    })
    .await;
    match result {
        Ok(()) => Redirect::to(&format!("/panel/products/{id}?done=saved")).into_response(),
        Err(failure) => {
            let text = refusal(lang, &failure, &p.shop);
            let field = field_of(&failure);
            product_page(
                &p,
                &session,
                Some(id),
                form,
                None,
                Some((field, text)),
                None,
            )
            .await
        }
    }
}

async fn toggle_product(
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
    let result = core::run(&p.shop, move |shop| {
        let id = ProductId::new(id).map_err(shopcore::Error::from)?;
        let product = shop
            .product(id)?
            .ok_or_else(|| shopcore::Error::from(shopcore::CatalogError::ProductNotFound { id }))?;
        shop.update_product(&actor, id, ProductChange::Active(!product.active))
    })
    .await;
    match result {
        Ok(_) => Redirect::to("/panel/catalog?done=product").into_response(),
        Err(failure) => {
            let text = refusal(lang, &failure, &p.shop);
            catalog_page(&p, &session, None, Some(text), None).await
        }
    }
}

#[derive(Template)]
#[template(path = "panel/confirm.html")]
struct ConfirmPage {
    c: Chrome,
    l: L,
    csrf: String,
    question: String,
    action: String,
    back: String,
}

/// What a confirmation page asks about a product, and where its "yes" posts.
enum Confirm {
    Delete,
    Revoke,
}

/// The page that asks before deleting a product or revoking its codes (a GET changes
/// nothing).
async fn confirm(p: &Panel, headers: &HeaderMap, id: u64, what: Confirm) -> Response {
    let (session, _) = match p.session(headers).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    let lang = lang_of(&session);
    let product = match load_product(p, &session, id).await {
        Ok((product, _)) => product,
        Err(failure) => {
            let text = refusal(lang, &failure, &p.shop);
            return catalog_page(p, &session, None, Some(text), None).await;
        }
    };
    let (question, action) = match what {
        Confirm::Delete if product.order_count > 0 => (
            lang.tf("web-catalog-confirm_archive", &[("name", &product.name)]),
            "delete",
        ),
        Confirm::Delete => (
            lang.tf("web-catalog-confirm_delete", &[("name", &product.name)]),
            "delete",
        ),
        Confirm::Revoke => (
            lang.tf(
                "web-catalog-confirm_revoke",
                &[
                    ("name", &product.name),
                    ("count", &product.codes_available.to_string()),
                ],
            ),
            "revoke",
        ),
    };
    let page = ConfirmPage {
        c: chrome(lang, "web-title-confirm", Some(&session), "/panel/catalog"),
        l: L(lang),
        csrf: session.csrf.clone(),
        question,
        action: format!("/panel/products/{id}/{action}"),
        back: format!("/panel/products/{id}"),
    };
    html(StatusCode::OK, page.render())
}

async fn confirm_delete(State(p): P, headers: HeaderMap, Path(id): Path<u64>) -> Response {
    confirm(&p, &headers, id, Confirm::Delete).await
}

async fn confirm_revoke(State(p): P, headers: HeaderMap, Path(id): Path<u64>) -> Response {
    confirm(&p, &headers, id, Confirm::Revoke).await
}

/// A confirmed deletion or revocation: one core call, then back to `done`.
async fn confirmed(p: &Panel, headers: &HeaderMap, id: u64, csrf: &str, what: Confirm) -> Response {
    let (session, _) = match p.session(headers).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    if let Some(page) = forged(&session, csrf) {
        return page;
    }
    let actor = session.actor.clone();
    let (result, done) = match what {
        Confirm::Delete => (
            core::run(&p.shop, move |shop| {
                let id = ProductId::new(id).map_err(shopcore::Error::from)?;
                shop.delete_product(&actor, id).map(|_| ())
            })
            .await,
            "/panel/catalog?done=deleted".to_owned(),
        ),
        Confirm::Revoke => (
            core::run(&p.shop, move |shop| {
                let id = ProductId::new(id).map_err(shopcore::Error::from)?;
                shop.revoke_all_codes(&actor, id).map(|_| ())
            })
            .await,
            format!("/panel/products/{id}?done=revoked"),
        ),
    };
    match result {
        Ok(()) => Redirect::to(&done).into_response(),
        Err(failure) => {
            let text = refusal(lang_of(&session), &failure, &p.shop);
            catalog_page(p, &session, None, Some(text), None).await
        }
    }
}

async fn delete_product(
    State(p): P,
    headers: HeaderMap,
    Path(id): Path<u64>,
    Form(form): Form<CsrfForm>,
) -> Response {
    confirmed(&p, &headers, id, &form.csrf, Confirm::Delete).await
}

/// Revokes every code left in a product's pool (counts only in the audit log).
async fn revoke_codes(
    State(p): P,
    headers: HeaderMap,
    Path(id): Path<u64>,
    Form(form): Form<CsrfForm>,
) -> Response {
    confirmed(&p, &headers, id, &form.csrf, Confirm::Revoke).await
}

/// The codes in an uploaded file: one per line; in a `.csv`, the first column, without a
/// `code` header and without quotes.
fn codes_in(file_name: &str, text: &str) -> Vec<String> {
    let csv = file_name.to_ascii_lowercase().ends_with(".csv");
    let mut out = Vec::new();
    for (i, line) in crate::staff_input::codes(text).into_iter().enumerate() {
        let code = if csv {
            let first = line.split([',', ';']).next().unwrap_or("").trim();
            first.trim_matches('"').trim()
        } else {
            line
        };
        if code.is_empty() || (csv && i == 0 && code.eq_ignore_ascii_case("code")) {
            continue;
        }
        out.push(code.to_owned());
    }
    out
}

/// Adds the codes of an uploaded file (or pasted text) to a product's pool, in batches of
/// [`CODES_PER_UPLOAD_MAX`]; only counts come back.
async fn upload_codes(
    State(p): P,
    headers: HeaderMap,
    Path(id): Path<u64>,
    mut multipart: Multipart,
) -> Response {
    let (session, _) = match p.session(&headers).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    let lang = lang_of(&session);
    let mut csrf = String::new();
    let mut codes: Vec<String> = Vec::new();
    let mut problem = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or("").to_owned();
                let file_name = field.file_name().unwrap_or("").to_owned();
                match field.bytes().await {
                    Ok(bytes) => match (name.as_str(), std::str::from_utf8(&bytes)) {
                        ("csrf", Ok(text)) => csrf = text.to_owned(),
                        ("file" | "pasted", Ok(text)) => codes.extend(codes_in(&file_name, text)),
                        ("file" | "pasted", Err(_)) => {
                            problem = Some(lang.t("web-catalog-codes_not_text"));
                        }
                        _ => {}
                    },
                    Err(_) => {
                        problem = Some(lang.t("web-catalog-codes_too_big"));
                        break;
                    }
                }
            }
            Ok(None) => break,
            Err(_) => {
                problem = Some(lang.t("web-catalog-codes_too_big"));
                break;
            }
        }
    }
    if let Some(page) = forged(&session, &csrf) {
        return page;
    }
    if problem.is_none() && codes.is_empty() {
        problem = Some(lang.t("web-catalog-codes_empty"));
    }
    let result = match problem {
        Some(text) => Err(text),
        None => {
            let actor = session.actor.clone();
            core::run(&p.shop, move |shop| {
                let id = ProductId::new(id).map_err(shopcore::Error::from)?;
                let mut added = 0;
                for batch in codes.chunks(CODES_PER_UPLOAD_MAX) {
                    let batch: Vec<&str> = batch.iter().map(String::as_str).collect();
                    added += shop.add_codes(&actor, id, &batch)?.added;
                }
                Ok(added)
            })
            .await
            .map_err(|f| refusal(lang, &f, &p.shop))
        }
    };
    match result {
        Ok(_) => Redirect::to(&format!("/panel/products/{id}?done=codes")).into_response(),
        Err(text) => match load_product(&p, &session, id).await {
            Ok((product, per_order)) => {
                let codes = Some(product.codes_available);
                product_page(
                    &p,
                    &session,
                    Some(id),
                    form_of(&product, per_order),
                    codes,
                    Some(("codes", text)),
                    None,
                )
                .await
            }
            Err(_) => catalog_page(&p, &session, None, Some(text), None).await,
        },
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn codes_come_one_per_line_or_from_the_first_csv_column() {
        assert_eq!(
            super::codes_in("codes.txt", "AAA-1\n\n BBB-2 \r\nCCC,3\n"),
            ["AAA-1", "BBB-2", "CCC,3"]
        );
        assert_eq!(
            super::codes_in("codes.CSV", "code,serial\n\"AAA-1\",1\nBBB-2;2\n"),
            ["AAA-1", "BBB-2"]
        );
    }
}
