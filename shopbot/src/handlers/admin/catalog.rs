//! Products and categories for staff: the list (all products, paged by the core's cursor
//! token), a product's card, the guided creation, one edit per field, activation, deletion
//! behind a confirmation, and code uploads (pasted or a `.txt` file; the codes are never
//! shown back, only counts).

use super::{ask, call, can, not_permitted};
use crate::HandlerResult;
use crate::callback::{DeliveryChoice, ProductField};
use crate::core::{self, Failure};
use crate::handlers::{Answer, AnswerResult, Env};
use crate::render::staff as view;
use crate::render::{self, Screen};
use crate::staff_input;
use crate::state::{AdminInput, DraftStep, ProductDraft};
use shopcore::catalog::{ProductCursor, STOCK_MAX, parse_price};
use shopcore::{
    CategoryChange, CategoryId, Delivery, NewProduct, Permission, Product, ProductChange,
    ProductFilter, ProductId, ProductKind, Stock,
};
use teloxide::net::Download;
use teloxide::prelude::*;
use teloxide::types::Message;

/// The largest code file accepted, in bytes (5,000 codes of 200 characters fit).
const CODES_FILE_BYTES_MAX: u32 = 1_048_576;

fn stale(env: &Env) -> Answer {
    Answer::Notice(render::stale(env.lang()))
}

fn saved(env: &Env) -> Answer {
    Answer::Notice(env.lang().t("staff-saved"))
}

async fn show_product(env: &Env, product: Product) -> HandlerResult {
    let (category_id, id) = (product.category, product.id);
    let (category, photo, per_order) = core::run(&env.shop, move |shop| {
        Ok((
            shop.category(category_id)?,
            shop.product_photo(id)?,
            shop.order_limit(id)?,
        ))
    })
    .await
    .unwrap_or((None, None, 1));
    let mut screen = view::product(
        env.lang(),
        super::role(env),
        &product,
        category.as_ref(),
        photo.is_some(),
        per_order,
    );
    // Staff see the picture shoppers will see.
    screen.photo = photo.map(|p| p.reference);
    env.out.show(screen).await?;
    Ok(())
}

pub async fn photo(env: &Env, id: ProductId) -> AnswerResult {
    if !can(env, Permission::ManageProducts) {
        return Ok(not_permitted(env));
    }
    let Some(product) = load_product(env, id).await? else {
        return Ok(Answer::Done);
    };
    let has_photo = call(env, move |shop| shop.product_photo(id))
        .await?
        .flatten()
        .is_some();
    ask(
        env,
        AdminInput::ProductPhoto { id },
        view::photo_prompt(env.lang(), &product, has_photo),
    )
    .await?;
    Ok(Answer::Done)
}

/// The photo staff sent for a product: its largest size's file id is kept.
pub async fn photo_input(env: &Env, id: ProductId, msg: &Message) -> HandlerResult {
    let Some(largest) = msg
        .photo()
        .and_then(|sizes| sizes.iter().max_by_key(|s| s.width * s.height))
    else {
        // Not a photo (a file or text): ask again, the question stays open.
        env.out
            .send(Screen::text(env.lang().t("staff-photo-expected")))
            .await?;
        return Ok(());
    };
    let reference = largest.file.id.to_string();
    let actor = env.actor.clone();
    let result = core::run(&env.shop, move |shop| {
        shop.set_product_photo(&actor, id, Some(&reference))
    })
    .await;
    env.reset().await?;
    match result {
        Ok(_) => {
            env.out
                .send(Screen::text(env.lang().t("staff-photo-saved")))
                .await?;
            if let Some(product) = load_product(env, id).await? {
                let mut env = env.clone();
                env.out.edit = None;
                show_product(&env, product).await?;
            }
            Ok(())
        }
        Err(failure) => super::fail(env, &failure).await.map(|_| ()),
    }
}

pub async fn photo_remove(env: &Env, id: ProductId) -> AnswerResult {
    let actor = env.actor.clone();
    let Some(_) = call(env, move |shop| shop.set_product_photo(&actor, id, None)).await? else {
        return Ok(Answer::Done);
    };
    env.reset().await?;
    if let Some(product) = load_product(env, id).await? {
        let mut env = env.clone();
        env.out.edit = None;
        show_product(&env, product).await?;
    }
    Ok(Answer::Notice(env.lang().t("staff-photo-removed")))
}

async fn load_product(env: &Env, id: ProductId) -> Result<Option<Product>, crate::BotError> {
    let found = call(env, move |shop| shop.product(id)).await?;
    match found {
        Some(Some(product)) => Ok(Some(product)),
        Some(None) => {
            super::fail(
                env,
                &Failure::Core(shopcore::CatalogError::ProductNotFound { id }.into()),
            )
            .await?;
            Ok(None)
        }
        None => Ok(None),
    }
}

pub async fn products(env: &Env, page: Option<String>) -> AnswerResult {
    let cursor = match page.as_deref().map(ProductCursor::from_token) {
        Some(Ok(cursor)) => Some(cursor),
        Some(Err(_)) => return Ok(stale(env)),
        None => None,
    };
    let actor = env.actor.clone();
    let Some(page) = call(env, move |shop| {
        let filter = ProductFilter {
            include_archived: true,
            ..ProductFilter::default()
        };
        shop.list_products(&actor, &filter, cursor.as_ref(), view::LIST_PAGE)
    })
    .await?
    else {
        return Ok(Answer::Done);
    };
    env.out
        .show(view::products(
            env.lang(),
            super::role(env),
            &page.products,
            page.next.map(|c| c.to_token()),
        ))
        .await?;
    Ok(Answer::Done)
}

pub async fn product(env: &Env, id: ProductId) -> AnswerResult {
    if !can(env, Permission::ViewCatalog) {
        return Ok(not_permitted(env));
    }
    if let Some(product) = load_product(env, id).await? {
        show_product(env, product).await?;
    }
    Ok(Answer::Done)
}

// ----- creation ----------------------------------------------------------------------------

pub async fn product_new(env: &Env) -> AnswerResult {
    if !can(env, Permission::ManageProducts) {
        return Ok(not_permitted(env));
    }
    let draft = ProductDraft::default();
    ask(
        env,
        AdminInput::ProductDraft(draft),
        view::draft_prompt(env.lang(), DraftStep::Name, &[]),
    )
    .await?;
    Ok(Answer::Done)
}

/// Asks the draft's next question, or creates the product when nothing is missing.
async fn advance(env: &Env, draft: ProductDraft) -> HandlerResult {
    let step = draft.next_step();
    if step != DraftStep::Done {
        let categories = if step == DraftStep::Category {
            call(env, |shop| shop.categories(false))
                .await?
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        return ask(
            env,
            AdminInput::ProductDraft(draft),
            view::draft_prompt(env.lang(), step, &categories),
        )
        .await;
    }
    let delivery = match draft.delivery {
        Some(DeliveryChoice::Codes) => Delivery::Codes,
        Some(DeliveryChoice::Supplier) => Delivery::Supplier {
            sku: draft.sku.clone().unwrap_or_default(),
        },
        _ => Delivery::Manual,
    };
    let (Some(category), Some(name), Some(price), Some(kind)) =
        (draft.category, draft.name, draft.price, draft.kind)
    else {
        return Ok(());
    };
    let new = NewProduct {
        category,
        name,
        description: draft.description.unwrap_or_default(),
        price_usd: price,
        kind,
        delivery,
        stock: draft.stock.unwrap_or(Stock::Unlimited),
        player_field: None,
        sort_order: 0,
        active: true,
    };
    let actor = env.actor.clone();
    let created = core::run(&env.shop, move |shop| shop.create_product(&actor, &new)).await;
    env.reset().await?;
    match created {
        Ok(product) => {
            env.out
                .send(Screen::text(env.lang().tf(
                    "staff-product-created",
                    &[("id", &crate::render::staff::plain(product.id))],
                )))
                .await?;
            let mut env = env.clone();
            env.out.edit = None;
            show_product(&env, product).await
        }
        Err(failure) => super::fail(env, &failure).await,
    }
}

pub async fn draft_input(env: &Env, mut draft: ProductDraft, text: &str) -> HandlerResult {
    let step = draft.next_step();
    match step {
        DraftStep::Name => draft.name = Some(text.trim().to_owned()),
        DraftStep::Price => match parse_price(text) {
            Ok(price) => draft.price = Some(price),
            Err(error) => return super::fail(env, &Failure::Core(error)).await,
        },
        DraftStep::Sku => draft.sku = Some(text.trim().to_owned()),
        DraftStep::Stock => match staff_input::stock(text, STOCK_MAX) {
            Some(stock) => draft.stock = Some(stock),
            None => {
                env.out
                    .send(Screen::text(env.lang().t("staff-bad-stock")))
                    .await?;
                return Ok(());
            }
        },
        DraftStep::Description => draft.description = Some(text.trim().to_owned()),
        // These steps are answered with buttons: show them again.
        DraftStep::Category | DraftStep::Kind | DraftStep::Delivery | DraftStep::Done => {}
    }
    advance(env, draft).await
}

fn draft_of(input: Option<&AdminInput>) -> Option<ProductDraft> {
    match input {
        Some(AdminInput::ProductDraft(draft)) => Some(draft.clone()),
        _ => None,
    }
}

pub async fn draft_skip(env: &Env, mut draft: ProductDraft) -> AnswerResult {
    if draft.next_step() != DraftStep::Description {
        return Ok(stale(env));
    }
    draft.description = Some(String::new());
    advance(env, draft).await?;
    Ok(Answer::Done)
}

pub async fn draft_category(env: &Env, input: Option<&AdminInput>, id: CategoryId) -> AnswerResult {
    let Some(mut draft) = draft_of(input).filter(|d| d.next_step() == DraftStep::Category) else {
        return Ok(stale(env));
    };
    draft.category = Some(id);
    advance(env, draft).await?;
    Ok(Answer::Done)
}

pub async fn draft_kind(env: &Env, input: Option<&AdminInput>, kind: ProductKind) -> AnswerResult {
    let Some(mut draft) = draft_of(input).filter(|d| d.next_step() == DraftStep::Kind) else {
        return Ok(stale(env));
    };
    draft.kind = Some(kind);
    advance(env, draft).await?;
    Ok(Answer::Done)
}

pub async fn draft_delivery(
    env: &Env,
    input: Option<&AdminInput>,
    delivery: DeliveryChoice,
) -> AnswerResult {
    let Some(mut draft) = draft_of(input).filter(|d| d.next_step() == DraftStep::Delivery) else {
        return Ok(stale(env));
    };
    draft.delivery = Some(delivery);
    advance(env, draft).await?;
    Ok(Answer::Done)
}

pub async fn draft_unlimited(env: &Env, input: Option<&AdminInput>) -> AnswerResult {
    let Some(mut draft) = draft_of(input).filter(|d| d.next_step() == DraftStep::Stock) else {
        return Ok(stale(env));
    };
    draft.stock = Some(Stock::Unlimited);
    advance(env, draft).await?;
    Ok(Answer::Done)
}

// ----- edits -------------------------------------------------------------------------------

pub async fn edit(env: &Env, id: ProductId, field: ProductField) -> AnswerResult {
    if !can(env, Permission::ManageProducts) {
        return Ok(not_permitted(env));
    }
    let Some(product) = load_product(env, id).await? else {
        return Ok(Answer::Done);
    };
    let lang = env.lang();
    match field {
        ProductField::Kind => env.out.show(view::kind_choice(lang, Some(id))).await?,
        ProductField::Delivery => env.out.show(view::delivery_choice(lang, Some(id))).await?,
        ProductField::Category => {
            let categories = call(env, |shop| shop.categories(false))
                .await?
                .unwrap_or_default();
            env.out
                .show(view::category_choice(lang, Some(id), &categories))
                .await?;
        }
        ProductField::PerOrder => {
            let Some(current) = call(env, move |shop| shop.order_limit(id)).await? else {
                return Ok(Answer::Done);
            };
            ask(
                env,
                AdminInput::ProductField { id, field },
                view::per_order_prompt(lang, current),
            )
            .await?;
        }
        _ => {
            ask(
                env,
                AdminInput::ProductField { id, field },
                view::product_field_prompt(lang, field, &product),
            )
            .await?;
        }
    }
    Ok(Answer::Done)
}

/// Applies one change and shows the product again. The core checks `manage_products`.
pub async fn change(env: &Env, id: ProductId, change: ProductChange) -> AnswerResult {
    let actor = env.actor.clone();
    let Some(product) = call(env, move |shop| shop.update_product(&actor, id, change)).await?
    else {
        return Ok(Answer::Done);
    };
    show_product(env, product).await?;
    Ok(saved(env))
}

pub async fn set_delivery(env: &Env, id: ProductId, delivery: DeliveryChoice) -> AnswerResult {
    match delivery {
        DeliveryChoice::Manual => change(env, id, ProductChange::Delivery(Delivery::Manual)).await,
        DeliveryChoice::Codes => change(env, id, ProductChange::Delivery(Delivery::Codes)).await,
        DeliveryChoice::Supplier => edit(env, id, ProductField::Sku).await,
    }
}

pub async fn field_input(
    env: &Env,
    id: ProductId,
    field: ProductField,
    text: &str,
) -> HandlerResult {
    let lang = env.lang();
    if field == ProductField::PerOrder {
        return per_order_input(env, id, text).await;
    }
    let parsed = match field {
        ProductField::Name => Ok(ProductChange::Name(text.trim().to_owned())),
        ProductField::Description => Ok(ProductChange::Description(if text.trim() == "-" {
            String::new()
        } else {
            text.to_owned()
        })),
        ProductField::Price => parse_price(text)
            .map(ProductChange::Price)
            .map_err(|e| staff_failure_text(env, e)),
        ProductField::Stock => staff_input::stock(text, STOCK_MAX)
            .map(ProductChange::Stock)
            .ok_or_else(|| lang.t("staff-bad-stock")),
        ProductField::PlayerRule => staff_input::player_field(text)
            .map(ProductChange::PlayerField)
            .ok_or_else(|| lang.t("staff-bad-player_rule")),
        ProductField::Sku => Ok(ProductChange::Delivery(Delivery::Supplier {
            sku: text.trim().to_owned(),
        })),
        ProductField::Kind
        | ProductField::Category
        | ProductField::Delivery
        | ProductField::PerOrder => {
            env.reset().await?;
            return Ok(());
        }
    };
    let change = match parsed {
        Ok(change) => change,
        Err(message) => {
            // Stay at this question: the staff member may type it again.
            env.out.send(Screen::text(message)).await?;
            return Ok(());
        }
    };
    let actor = env.actor.clone();
    let updated = core::run(&env.shop, move |shop| {
        shop.update_product(&actor, id, change)
    })
    .await;
    match updated {
        Ok(product) => {
            env.reset().await?;
            env.out.send(Screen::text(lang.t("staff-saved"))).await?;
            show_product(env, product).await
        }
        // Validation failures keep the question open; anything else ends it.
        Err(failure) => {
            if !matches!(&failure, Failure::Core(shopcore::Error::Invalid(_))) {
                env.reset().await?;
            }
            super::fail(env, &failure).await
        }
    }
}

/// How many units one order may buy: a whole number; the core checks the range and the
/// permission, and a refusal keeps the question open.
async fn per_order_input(env: &Env, id: ProductId, text: &str) -> HandlerResult {
    let lang = env.lang();
    let Some(max) =
        staff_input::count(text, u64::from(u32::MAX)).and_then(|n| u32::try_from(n).ok())
    else {
        env.out
            .send(Screen::text(lang.tf(
                "staff-bad-per_order",
                &[("max", &shopcore::catalog::ORDER_QUANTITY_MAX.to_string())],
            )))
            .await?;
        return Ok(());
    };
    let actor = env.actor.clone();
    let set = core::run(&env.shop, move |shop| {
        shop.set_order_limit(&actor, id, max)?;
        shop.product(id)
    })
    .await;
    match set {
        Ok(Some(product)) => {
            env.reset().await?;
            env.out.send(Screen::text(lang.t("staff-saved"))).await?;
            show_product(env, product).await
        }
        Ok(None) => env.reset().await,
        Err(failure) => {
            if !matches!(
                &failure,
                Failure::Core(
                    shopcore::Error::Invalid(_)
                        | shopcore::Error::Catalog(shopcore::CatalogError::BadOrderLimit { .. })
                )
            ) {
                env.reset().await?;
            }
            super::fail(env, &failure).await
        }
    }
}

fn staff_failure_text(env: &Env, error: shopcore::Error) -> String {
    view::failure(env.lang(), &Failure::Core(error), &env.settings)
}

// ----- delete ------------------------------------------------------------------------------

pub async fn delete(env: &Env, id: ProductId) -> AnswerResult {
    if !can(env, Permission::ManageProducts) {
        return Ok(not_permitted(env));
    }
    if let Some(product) = load_product(env, id).await? {
        env.out
            .show(view::confirm_delete_product(env.lang(), &product))
            .await?;
    }
    Ok(Answer::Done)
}

pub async fn delete_yes(env: &Env, id: ProductId) -> AnswerResult {
    let actor = env.actor.clone();
    let Some(archived) = call(env, move |shop| shop.delete_product(&actor, id)).await? else {
        return Ok(Answer::Done);
    };
    env.out
        .show(view::product_deleted(env.lang(), id, archived.is_some()))
        .await?;
    Ok(Answer::Done)
}

// ----- codes -------------------------------------------------------------------------------

pub async fn codes(env: &Env, id: ProductId) -> AnswerResult {
    if !can(env, Permission::ManageProducts) {
        return Ok(not_permitted(env));
    }
    if let Some(product) = load_product(env, id).await? {
        ask(
            env,
            AdminInput::Codes { id },
            view::codes_prompt(env.lang(), &product),
        )
        .await?;
    }
    Ok(Answer::Done)
}

/// Reads a `.txt` document sent as codes.
async fn document_text(env: &Env, msg: &Message) -> Result<Option<String>, crate::BotError> {
    let Some(document) = msg.document() else {
        return Ok(None);
    };
    let is_text = document
        .file_name
        .as_deref()
        .is_some_and(|n| n.to_ascii_lowercase().ends_with(".txt"))
        || document
            .mime_type
            .as_ref()
            .is_some_and(|m| m.essence_str() == "text/plain");
    if !is_text || document.file.size > CODES_FILE_BYTES_MAX {
        return Ok(None);
    }
    let file = env.out.bot.get_file(document.file.id.clone()).await?;
    let mut bytes: Vec<u8> = Vec::new();
    env.out.bot.download_file(&file.path, &mut bytes).await?;
    Ok(String::from_utf8(bytes).ok())
}

pub async fn codes_input(env: &Env, id: ProductId, msg: &Message) -> HandlerResult {
    let text = match msg.text() {
        Some(text) => Some(text.to_owned()),
        None => document_text(env, msg).await?,
    };
    let Some(text) = text else {
        env.out
            .send(Screen::text(env.lang().t("staff-codes-expected")))
            .await?;
        return Ok(());
    };
    // The message holding the codes is deleted from the chat where possible, so the secrets
    // don't linger in the history; failing to delete (no right to) is not an error.
    let _ = env.out.bot.delete_message(msg.chat.id, msg.id).await;
    let actor = env.actor.clone();
    let added = core::run(&env.shop, move |shop| {
        let codes = staff_input::codes(&text);
        shop.add_codes(&actor, id, &codes)
    })
    .await;
    env.reset().await?;
    match added {
        Ok(added) => {
            env.out
                .send(view::codes_added(env.lang(), id, &added))
                .await?;
        }
        Err(failure) => super::fail(env, &failure).await?,
    }
    Ok(())
}

pub async fn revoke(env: &Env, id: ProductId) -> AnswerResult {
    if !can(env, Permission::ManageProducts) {
        return Ok(not_permitted(env));
    }
    if let Some(product) = load_product(env, id).await? {
        env.out
            .show(view::confirm_revoke_codes(env.lang(), &product))
            .await?;
    }
    Ok(Answer::Done)
}

pub async fn revoke_yes(env: &Env, id: ProductId) -> AnswerResult {
    let actor = env.actor.clone();
    let Some(removed) = call(env, move |shop| shop.revoke_all_codes(&actor, id)).await? else {
        return Ok(Answer::Done);
    };
    env.out
        .show(view::done(
            env.lang(),
            env.lang()
                .tf("staff-codes-revoked", &[("count", &removed.to_string())]),
            crate::callback::Admin::Product { id },
        ))
        .await?;
    Ok(Answer::Done)
}

// ----- categories --------------------------------------------------------------------------

pub async fn categories(env: &Env) -> AnswerResult {
    if !can(env, Permission::ViewCatalog) {
        return Ok(not_permitted(env));
    }
    let Some(list) = call(env, |shop| shop.categories(false)).await? else {
        return Ok(Answer::Done);
    };
    env.out
        .show(view::categories(env.lang(), super::role(env), &list))
        .await?;
    Ok(Answer::Done)
}

async fn load_category(
    env: &Env,
    id: CategoryId,
) -> Result<Option<shopcore::Category>, crate::BotError> {
    let found = call(env, move |shop| shop.category(id)).await?;
    match found {
        Some(Some(category)) => Ok(Some(category)),
        Some(None) => {
            super::fail(
                env,
                &Failure::Core(shopcore::CatalogError::CategoryNotFound { id }.into()),
            )
            .await?;
            Ok(None)
        }
        None => Ok(None),
    }
}

pub async fn category(env: &Env, id: CategoryId) -> AnswerResult {
    if !can(env, Permission::ViewCatalog) {
        return Ok(not_permitted(env));
    }
    if let Some(category) = load_category(env, id).await? {
        env.out
            .show(view::category(env.lang(), super::role(env), &category))
            .await?;
    }
    Ok(Answer::Done)
}

pub async fn category_new(env: &Env) -> AnswerResult {
    if !can(env, Permission::ManageProducts) {
        return Ok(not_permitted(env));
    }
    ask(
        env,
        AdminInput::CategoryName { id: None },
        view::prompt(env.lang(), env.lang().t("staff-ask-category_name")),
    )
    .await?;
    Ok(Answer::Done)
}

pub async fn category_rename(env: &Env, id: CategoryId) -> AnswerResult {
    if !can(env, Permission::ManageProducts) {
        return Ok(not_permitted(env));
    }
    ask(
        env,
        AdminInput::CategoryName { id: Some(id) },
        view::prompt(env.lang(), env.lang().t("staff-ask-category_name")),
    )
    .await?;
    Ok(Answer::Done)
}

pub async fn category_name_input(env: &Env, id: Option<CategoryId>, text: &str) -> HandlerResult {
    let actor = env.actor.clone();
    let name = text.trim().to_owned();
    let result = core::run(&env.shop, move |shop| match id {
        Some(id) => shop.update_category(&actor, id, CategoryChange::Name(name)),
        None => shop.create_category(&actor, &name, 0),
    })
    .await;
    match result {
        Ok(category) => {
            env.reset().await?;
            env.out
                .send(view::category(env.lang(), super::role(env), &category))
                .await?;
        }
        Err(failure) => {
            if !matches!(&failure, Failure::Core(shopcore::Error::Invalid(_))) {
                env.reset().await?;
            }
            super::fail(env, &failure).await?;
        }
    }
    Ok(())
}

pub async fn category_active(env: &Env, id: CategoryId, active: bool) -> AnswerResult {
    let actor = env.actor.clone();
    let Some(category) = call(env, move |shop| {
        shop.update_category(&actor, id, CategoryChange::Active(active))
    })
    .await?
    else {
        return Ok(Answer::Done);
    };
    env.out
        .show(view::category(env.lang(), super::role(env), &category))
        .await?;
    Ok(saved(env))
}

pub async fn category_delete(env: &Env, id: CategoryId) -> AnswerResult {
    if !can(env, Permission::ManageProducts) {
        return Ok(not_permitted(env));
    }
    if let Some(category) = load_category(env, id).await? {
        env.out
            .show(view::confirm_delete_category(env.lang(), &category))
            .await?;
    }
    Ok(Answer::Done)
}

pub async fn category_delete_yes(env: &Env, id: CategoryId) -> AnswerResult {
    let actor = env.actor.clone();
    if call(env, move |shop| shop.delete_category(&actor, id))
        .await?
        .is_none()
    {
        return Ok(Answer::Done);
    }
    env.out
        .show(view::done(
            env.lang(),
            env.lang().t("staff-category-deleted"),
            crate::callback::Admin::Categories,
        ))
        .await?;
    Ok(Answer::Done)
}
