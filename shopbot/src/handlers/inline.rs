//! Inline mode: `@shop_bot query` in any chat lists the products on sale that match (the
//! core's search), each posted as its name and price with a button that opens its card in
//! the private chat (`/start p<id>`). Needs inline mode switched on with @BotFather
//! (`/setinline`).

use crate::core;
use crate::i18n::Lang;
use crate::{HandlerResult, render};
use shopcore::Shop;
use std::sync::Arc;
use teloxide::prelude::*;
use teloxide::types::{
    InlineKeyboardButton, InlineKeyboardMarkup, InlineQuery, InlineQueryResult,
    InlineQueryResultArticle, InputMessageContent, InputMessageContentText, Me,
};

/// The most results one inline query shows.
const RESULTS: usize = 20;
/// How long Telegram may show the same results for the same query (seconds).
const CACHE_SECONDS: u32 = 30;

/// The deep link that opens product `id`'s card in the private chat.
pub fn product_link(me: &Me, id: shopcore::ProductId) -> String {
    format!("https://t.me/{}?start=p{}", me.username(), id.get())
}

/// The product a `/start` payload names (`p<id>`), if any.
pub fn product_of_payload(payload: &str) -> Option<shopcore::ProductId> {
    let digits = payload.strip_prefix('p')?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    shopcore::ProductId::new(digits.parse().ok()?).ok()
}

pub async fn on_inline_query(bot: Bot, q: InlineQuery, me: Me, shop: Arc<Shop>) -> HandlerResult {
    let lang = Lang::from_code(q.from.language_code.as_deref().unwrap_or("en"));
    let query = q.query.trim().to_owned();
    let found = if query.is_empty() {
        Vec::new()
    } else {
        // A refused query (too long, control characters) finds nothing.
        core::run(&shop, move |shop| shop.search_products(&query, RESULTS))
            .await
            .unwrap_or_default()
    };
    let mut results = Vec::with_capacity(found.len());
    for product in &found {
        let price = render::usd(product.price_usd);
        let text = lang.tf(
            "inline-product",
            &[("name", &product.name), ("price", &price)],
        );
        let open = url::Url::parse(&product_link(&me, product.id))?;
        results.push(InlineQueryResult::Article(
            InlineQueryResultArticle::new(
                product.id.get().to_string(),
                product.name.clone(),
                InputMessageContent::Text(InputMessageContentText::new(text)),
            )
            .description(price)
            .reply_markup(InlineKeyboardMarkup::new(vec![vec![
                InlineKeyboardButton::url(lang.t("button-open_product"), open),
            ]])),
        ));
    }
    bot.answer_inline_query(q.id, results)
        .cache_time(CACHE_SECONDS)
        .await?;
    Ok(())
}
