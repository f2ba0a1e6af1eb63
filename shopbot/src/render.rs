//! Pure functions from core values to what a shopper sees: a text and an inline keyboard.
//! No I/O and no shop calls, so every screen can be snapshot-tested in both languages. The
//! one mapping from core errors to localized messages lives here too ([`failure`]).

use crate::callback::Callback;
use crate::core::Failure;
use crate::i18n::Lang;
use shopcore::catalog::{PlayerField, PlayerIdRule};
use shopcore::{
    AmountError, Category, CouponError, Currency, Error, InvalidInput, LedgerEntry, Money,
    NotificationKind, Order, OrderError, OrderStatus, Payment, PaymentMethod, Product, Provider,
    Quote, Settings, StoreState, Timestamp, Topup, TopupStatus, Wallet, WalletError, Zone,
};
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};

pub mod staff;

/// Products per page in a category.
pub const PRODUCTS_PER_PAGE: usize = 8;
/// Orders per page in "My orders".
pub const ORDERS_PER_PAGE: usize = 8;
/// Ledger entries per page in the wallet history.
pub const HISTORY_PER_PAGE: usize = 10;
/// Recent top-ups shown with the history.
pub const TOPUPS_SHOWN: usize = 5;

/// A message: its text and its buttons.
#[derive(Clone, Debug, PartialEq)]
pub struct Screen {
    pub text: String,
    pub keyboard: Option<InlineKeyboardMarkup>,
    /// A picture shown with the text (a Telegram file id): the text becomes its caption.
    pub photo: Option<String>,
}

impl Screen {
    pub fn text(text: String) -> Screen {
        Screen {
            text,
            keyboard: None,
            photo: None,
        }
    }

    fn with(text: String, rows: Vec<Vec<InlineKeyboardButton>>) -> Screen {
        Screen {
            text,
            keyboard: Some(InlineKeyboardMarkup::new(rows)),
            photo: None,
        }
    }
}

fn button(label: String, callback: Callback) -> InlineKeyboardButton {
    InlineKeyboardButton::callback(label, callback.encode())
}

/// The answer to a command in a group: the shop is in the private chat with the bot.
pub fn private_only(lang: Lang, bot_username: &str) -> Result<Screen, url::ParseError> {
    Ok(Screen::with(
        lang.t("group-private_only"),
        vec![vec![InlineKeyboardButton::url(
            lang.t("button-open_private"),
            url::Url::parse(&format!("https://t.me/{bot_username}"))?,
        )]],
    ))
}

/// A Crypto Pay invoice: what to pay, and the button that opens its link.
pub fn crypto_invoice(
    lang: Lang,
    invoice: &shopcore::Invoice,
    url: &str,
) -> Result<Screen, url::ParseError> {
    Ok(Screen::with(
        lang.tf(
            "invoice-crypto_pay",
            &[
                ("id", &invoice.id.get().to_string()),
                ("amount", &usd(invoice.amount_usd)),
            ],
        ),
        vec![
            vec![InlineKeyboardButton::url(
                lang.t("button-pay_crypto"),
                url::Url::parse(url)?,
            )],
            vec![button(lang.t("button-wallet"), Callback::Wallet)],
        ],
    ))
}

fn back_to_menu(lang: Lang) -> Vec<InlineKeyboardButton> {
    vec![button(lang.t("button-menu"), Callback::Menu)]
}

fn cancel_row(lang: Lang) -> Vec<InlineKeyboardButton> {
    vec![button(lang.t("button-cancel"), Callback::CancelFlow)]
}

/// An amount in a currency: "12.50 USD".
pub fn amount(currency: &Currency, value: Money) -> String {
    currency.format(value)
}

/// A USD amount: "12.50 USD".
pub fn usd(value: Money) -> String {
    Currency::usd().format(value)
}

/// An amount in a currency named by its code: USD as [`usd`] formats it (two decimals),
/// another as it was given with its code.
pub fn money_in(value: Money, code: &shopcore::CurrencyCode) -> String {
    if code.as_str() == "USD" {
        usd(value)
    } else {
        format!("{value} {code}")
    }
}

/// Whether an amount in `code` needs its USD worth beside it (not when it is USD already).
pub fn needs_usd(code: &shopcore::CurrencyCode) -> bool {
    code.as_str() != "USD"
}

/// A USD amount and, when the shopper uses another currency, its local equivalent.
pub fn usd_and_local(lang: Lang, value: Money, currency: &Currency) -> String {
    both(lang, value, currency, currency.from_usd(value))
}

/// A price in USD and in the shopper's currency as the shop asks it (rounded up, so the
/// shown price is never below what checkout asks).
pub fn price_and_local(lang: Lang, value: Money, currency: &Currency) -> String {
    both(lang, value, currency, currency.ask_for_usd(value))
}

fn both(lang: Lang, value: Money, currency: &Currency, local: Option<Money>) -> String {
    if currency.code.as_str() == "USD" {
        return usd(value);
    }
    match local {
        Some(local) => lang.tf(
            "money-local_and_usd",
            &[("local", &amount(currency, local)), ("usd", &usd(value))],
        ),
        None => usd(value),
    }
}

/// A moment as people read it, in the shop's time zone: `2026-01-01 09:05 EET`.
pub fn date(zone: &shopcore::Zone, at: Timestamp) -> String {
    zone.format(at)
}

fn status(lang: Lang, status: OrderStatus) -> String {
    lang.t(&format!("status-{}", status.name()))
}

fn topup_status(lang: Lang, status: TopupStatus) -> String {
    lang.t(&format!("topup_status-{}", status.name()))
}

/// The rule a player id must follow, in words.
pub fn player_rule(lang: Lang, rule: &PlayerIdRule) -> String {
    match rule {
        PlayerIdRule::Digits { len_min, len_max } => lang.tf(
            "rule-digits",
            &[("min", &len_min.to_string()), ("max", &len_max.to_string())],
        ),
        PlayerIdRule::Alphanumeric { len_min, len_max } => lang.tf(
            "rule-alphanumeric",
            &[("min", &len_min.to_string()), ("max", &len_max.to_string())],
        ),
        PlayerIdRule::Mask(mask) => lang.tf("rule-mask", &[("mask", mask)]),
    }
}

// ----- menu, help, settings ------------------------------------------------------------

/// The line explaining a store state other than open, if any.
fn store_state_notice(lang: Lang, settings: &Settings) -> Option<String> {
    let key = match settings.state {
        StoreState::Open => return None,
        StoreState::Maintenance => "notice-maintenance",
        StoreState::Emergency => "notice-emergency",
    };
    let mut text = lang.t(key);
    if let Some(reason) = &settings.state_reason {
        text.push('\n');
        text.push_str(&lang.tf("notice-reason", &[("reason", reason)]));
    }
    Some(text)
}

pub fn main_menu(lang: Lang, name: &str, settings: &Settings) -> Screen {
    let mut text = lang.tf("menu-greeting", &[("name", name)]);
    if let Some(notice) = store_state_notice(lang, settings) {
        text.push_str("\n\n");
        text.push_str(&notice);
    }
    Screen::with(
        text,
        vec![
            vec![button(lang.t("button-shop"), Callback::Shop)],
            vec![
                button(lang.t("button-wallet"), Callback::Wallet),
                button(lang.t("button-orders"), Callback::Orders { before: None }),
            ],
            vec![
                button(lang.t("button-settings"), Callback::Settings),
                button(lang.t("button-help"), Callback::Help),
            ],
        ],
    )
}

pub fn help(lang: Lang, settings: &Settings) -> Screen {
    let mut text = lang.t("help-text");
    text.push_str("\n\n");
    text.push_str(&match &settings.support_contact {
        Some(contact) => lang.tf("help-support", &[("contact", contact)]),
        None => lang.t("help-no_support"),
    });
    Screen::with(text, vec![back_to_menu(lang)])
}

/// The settings screen; `muted`: whether the shopper muted the shop's broadcasts.
pub fn settings(lang: Lang, currency: &str, muted: bool) -> Screen {
    let mut text = lang.tf(
        "settings-text",
        &[
            ("language", &lang.t("language-name")),
            ("currency", currency),
        ],
    );
    text.push('\n');
    text.push_str(&lang.t(if muted {
        "settings-broadcasts_muted"
    } else {
        "settings-broadcasts_on"
    }));
    Screen::with(
        text,
        vec![
            Lang::all()
                .map(|l| button(l.name(), Callback::Language { lang: l }))
                .collect(),
            vec![button(lang.t("button-currency"), Callback::Currencies)],
            vec![button(
                lang.t(if muted {
                    "button-unmute_broadcasts"
                } else {
                    "button-mute_broadcasts"
                }),
                Callback::MuteBroadcasts { muted: !muted },
            )],
            back_to_menu(lang),
        ],
    )
}

/// The buttons under a broadcast: mute the next ones, or open the shop.
pub fn broadcast_buttons(lang: Lang) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new(vec![vec![
        button(lang.t("button-open_menu"), Callback::Menu),
        button(
            lang.t("button-mute_broadcasts"),
            Callback::MuteBroadcasts { muted: true },
        ),
    ]])
}

pub fn currencies(lang: Lang, currencies: &[Currency], current: &str) -> Screen {
    let mut rows: Vec<Vec<InlineKeyboardButton>> = currencies
        .iter()
        .filter(|c| c.enabled)
        .map(|c| {
            let mark = if c.code.as_str() == current {
                "✓ "
            } else {
                ""
            };
            vec![button(
                format!("{mark}{} ({})", c.code, c.symbol),
                Callback::SetCurrency {
                    code: c.code.clone(),
                },
            )]
        })
        .collect();
    rows.push(vec![button(lang.t("button-back"), Callback::Settings)]);
    Screen::with(lang.t("currency-choose"), rows)
}

// ----- catalog ------------------------------------------------------------------------

pub fn categories(lang: Lang, categories: &[Category]) -> Screen {
    if categories.is_empty() {
        return Screen::with(lang.t("shop-empty"), vec![back_to_menu(lang)]);
    }
    let mut rows: Vec<Vec<InlineKeyboardButton>> = categories
        .iter()
        .map(|c| {
            vec![button(
                c.name.clone(),
                Callback::Category { id: c.id, page: 0 },
            )]
        })
        .collect();
    rows.push(vec![button(lang.t("button-search"), Callback::Search)]);
    rows.push(back_to_menu(lang));
    Screen::with(lang.t("shop-choose_category"), rows)
}

/// What to search for.
pub fn search_prompt(lang: Lang) -> Screen {
    Screen::with(lang.t("search-prompt"), vec![cancel_row(lang)])
}

/// A product as a button: its name and price in the shopper's currency.
fn product_button(p: &Product, currency: &Currency) -> Vec<InlineKeyboardButton> {
    let price = currency
        .ask_for_usd(p.price_usd)
        .map_or_else(|| usd(p.price_usd), |local| amount(currency, local));
    vec![button(
        format!("{} · {price}", p.name),
        Callback::Product { id: p.id },
    )]
}

/// The products a search found, each a button to its card.
pub fn search_results(
    lang: Lang,
    query: &str,
    products: &[Product],
    currency: &Currency,
) -> Screen {
    let text = if products.is_empty() {
        lang.tf("search-nothing", &[("query", query)])
    } else {
        lang.tf("search-found", &[("query", query)])
    };
    let mut rows: Vec<Vec<InlineKeyboardButton>> = products
        .iter()
        .map(|p| product_button(p, currency))
        .collect();
    rows.push(vec![
        button(lang.t("button-search_again"), Callback::Search),
        button(lang.t("button-categories"), Callback::Shop),
    ]);
    Screen::with(text, rows)
}

pub fn category_page(
    lang: Lang,
    category: &Category,
    products: &[Product],
    page: u32,
    has_next: bool,
    currency: &Currency,
) -> Screen {
    let mut text = lang.tf("category-title", &[("name", &category.name)]);
    text.push('\n');
    if products.is_empty() {
        text.push_str(&lang.t("category-empty"));
    } else {
        text.push_str(&lang.t("category-choose_product"));
    }
    let mut rows: Vec<Vec<InlineKeyboardButton>> = products
        .iter()
        .map(|p| product_button(p, currency))
        .collect();
    let mut nav = Vec::new();
    if page > 0 {
        nav.push(button(
            lang.t("button-previous"),
            Callback::Category {
                id: category.id,
                page: page - 1,
            },
        ));
    }
    if has_next {
        nav.push(button(
            lang.t("button-next"),
            Callback::Category {
                id: category.id,
                page: page.saturating_add(1),
            },
        ));
    }
    if !nav.is_empty() {
        rows.push(nav);
    }
    rows.push(vec![button(lang.t("button-categories"), Callback::Shop)]);
    Screen::with(text, rows)
}

pub fn product_card(lang: Lang, product: &Product, currency: &Currency) -> Screen {
    let mut text = lang.tf("product-title", &[("name", &product.name)]);
    if !product.description.is_empty() {
        text.push_str("\n\n");
        text.push_str(&product.description);
    }
    text.push_str("\n\n");
    text.push_str(&lang.tf(
        "product-price",
        &[("price", &price_and_local(lang, product.price_usd, currency))],
    ));
    text.push('\n');
    text.push_str(&match product.available() {
        _ if !product.in_stock() => lang.t("product-out_of_stock"),
        None => lang.t("product-in_stock"),
        Some(n) => lang.tf("product-stock_left", &[("count", &n.to_string())]),
    });
    if let Some(field) = &product.player_field {
        text.push('\n');
        text.push_str(&lang.tf(
            "product-needs_player_id",
            &[
                ("label", &field.label),
                ("rule", &player_rule(lang, &field.rule)),
            ],
        ));
    }
    let mut rows = Vec::new();
    if product.in_stock() && product.on_sale() {
        rows.push(vec![button(
            lang.t("button-buy"),
            Callback::Buy { id: product.id },
        )]);
    }
    rows.push(vec![button(
        lang.t("button-back"),
        Callback::Category {
            id: product.category,
            page: 0,
        },
    )]);
    Screen::with(text, rows)
}

/// Adds how many units one order may buy to a product card, when staff allow more than
/// one.
pub fn with_per_order(lang: Lang, mut card: Screen, per_order: u32) -> Screen {
    if per_order > 1 {
        card.text.push('\n');
        card.text
            .push_str(&lang.tf("product-per_order", &[("count", &per_order.to_string())]));
    }
    card
}

// ----- buying --------------------------------------------------------------------------

/// The quantity buttons offered for at most `max` units: the usual counts up to `max`, and
/// `max` itself.
pub fn quantity_choices(max: u32) -> Vec<u32> {
    let mut choices: Vec<u32> = [1, 2, 3, 4, 5, 10, 20, 50, 100]
        .into_iter()
        .filter(|n| *n <= max)
        .collect();
    if !choices.contains(&max) {
        choices.push(max);
    }
    choices
}

/// How many units of `name`: buttons for the usual counts, or a number typed.
pub fn quantity_prompt(lang: Lang, name: &str, max: u32) -> Screen {
    let mut rows: Vec<Vec<InlineKeyboardButton>> = quantity_choices(max)
        .chunks(5)
        .map(|chunk| {
            chunk
                .iter()
                .map(|n| button(n.to_string(), Callback::Quantity { units: *n }))
                .collect()
        })
        .collect();
    rows.push(vec![button(lang.t("button-cancel"), Callback::CancelFlow)]);
    Screen::with(
        lang.tf(
            "quantity-prompt",
            &[("name", name), ("max", &max.to_string())],
        ),
        rows,
    )
}

/// A typed quantity that isn't a whole number from 1 to `max`.
pub fn quantity_rejected(lang: Lang, max: u32) -> Screen {
    Screen::text(lang.tf("quantity-rejected", &[("max", &max.to_string())]))
}

/// A quantity the shop can't sell now (fewer left): the reason, and the question again.
pub fn quantity_refused(lang: Lang, reason: &str, max: u32) -> Screen {
    Screen::text(format!(
        "{reason}\n{}",
        lang.tf("quantity-rejected", &[("max", &max.to_string())])
    ))
}

pub fn player_id_prompt(lang: Lang, field: &PlayerField) -> Screen {
    Screen::with(
        lang.tf(
            "buy-player_id_prompt",
            &[
                ("label", &field.label),
                ("rule", &player_rule(lang, &field.rule)),
            ],
        ),
        vec![cancel_row(lang)],
    )
}

pub fn player_id_rejected(lang: Lang, field: &PlayerField) -> Screen {
    Screen::with(
        lang.tf(
            "buy-player_id_rejected",
            &[
                ("label", &field.label),
                ("rule", &player_rule(lang, &field.rule)),
            ],
        ),
        vec![cancel_row(lang)],
    )
}

pub fn coupon_prompt(lang: Lang) -> Screen {
    Screen::with(
        lang.t("buy-coupon_prompt"),
        vec![
            vec![button(lang.t("button-skip_coupon"), Callback::SkipCoupon)],
            cancel_row(lang),
        ],
    )
}

/// A refused coupon, with the way forward: another code, Skip or Cancel.
pub fn coupon_rejected(lang: Lang, reason: &str) -> Screen {
    Screen::with(
        lang.tf("buy-coupon_rejected", &[("reason", reason)]),
        vec![
            vec![button(lang.t("button-skip_coupon"), Callback::SkipCoupon)],
            cancel_row(lang),
        ],
    )
}

pub fn payment_choice(
    lang: Lang,
    balance: Money,
    methods: &[PaymentMethod],
    providers: &[Provider],
) -> Screen {
    let mut rows = vec![vec![button(
        lang.tf("button-pay_balance", &[("balance", &usd(balance))]),
        Callback::PayBalance,
    )]];
    for method in methods.iter().filter(|m| m.usable()) {
        rows.push(vec![button(
            method.name.clone(),
            Callback::PayMethod { id: method.id },
        )]);
    }
    for provider in providers {
        rows.push(vec![button(
            provider_name(lang, *provider),
            Callback::PayProvider {
                provider: *provider,
            },
        )]);
    }
    rows.push(cancel_row(lang));
    Screen::with(lang.t("buy-payment_prompt"), rows)
}

/// How to pay through a method and what proof to send. `pay` is what to send, formatted.
pub fn payment_instructions(lang: Lang, method: &PaymentMethod, pay: &str) -> Screen {
    Screen::with(
        lang.tf(
            "buy-method_instructions",
            &[
                ("method", &method.name),
                ("amount", pay),
                ("instructions", &method.instructions),
            ],
        ),
        vec![cancel_row(lang)],
    )
}

/// How the summary names the payment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PaymentLine {
    /// From the balance, which holds this much now.
    Balance { balance: Money },
    /// Through a method; `pay` is what to send, formatted in its currency.
    Method { name: String, pay: String },
    /// Through a provider's invoice; `pay` is what it will ask, formatted.
    Invoice { provider: Provider, pay: String },
}

pub fn order_summary(lang: Lang, quote: &Quote, payment: &PaymentLine, nonce: u32) -> Screen {
    let mut lines = vec![
        lang.t("summary-title"),
        lang.tf("summary-product", &[("name", &quote.product.name)]),
    ];
    if let Some(player) = &quote.player_id {
        let label = quote
            .product
            .player_field
            .as_ref()
            .map_or_else(|| lang.t("summary-player_id_label"), |f| f.label.clone());
        lines.push(lang.tf(
            "summary-player_id",
            &[("label", &label), ("player_id", player)],
        ));
    }
    if quote.quantity > 1 {
        lines.push(lang.tf(
            "summary-quantity",
            &[
                ("count", &quote.quantity.to_string()),
                ("price", &usd(quote.unit_price_usd())),
            ],
        ));
    }
    lines.push(lang.tf("summary-price", &[("price", &usd(quote.price_usd))]));
    if let Some(code) = &quote.coupon {
        lines.push(lang.tf(
            "summary-discount",
            &[
                ("coupon", code.as_str()),
                ("discount", &usd(quote.discount_usd)),
            ],
        ));
    }
    lines.push(lang.tf("summary-total", &[("total", &usd(quote.total_usd))]));
    if quote.currency.code.as_str() != "USD" {
        lines.push(lang.tf(
            "summary-total_local",
            &[("total", &amount(&quote.currency, quote.total_local))],
        ));
    }
    lines.push(match payment {
        PaymentLine::Balance { balance } => {
            lang.tf("summary-pay_balance", &[("balance", &usd(*balance))])
        }
        PaymentLine::Method { name, pay } => {
            lang.tf("summary-pay_method", &[("method", name), ("amount", pay)])
        }
        PaymentLine::Invoice { provider, pay } => lang.tf(
            "summary-pay_method",
            &[("method", &provider_name(lang, *provider)), ("amount", pay)],
        ),
    });
    lines.push(String::new());
    lines.push(lang.t("summary-confirm_hint"));
    Screen::with(
        lines.join("\n"),
        vec![vec![
            button(lang.t("button-confirm"), Callback::Confirm { nonce }),
            button(lang.t("button-cancel"), Callback::CancelFlow),
        ]],
    )
}

pub fn order_placed(lang: Lang, zone: &Zone, order: &Order) -> Screen {
    let mut text = lang.tf("order-placed", &[("id", &order.id.get().to_string())]);
    text.push_str("\n\n");
    text.push_str(&order_body(lang, zone, order));
    Screen::with(
        text,
        vec![
            vec![button(
                lang.t("button-orders"),
                Callback::Orders { before: None },
            )],
            back_to_menu(lang),
        ],
    )
}

/// How many recommendations a screen shows.
pub const ALSO_BOUGHT: usize = 3;

/// Adds "shoppers who bought this also bought" to a screen: a line, and a button to each
/// product's card, above the screen's last row (its way back).
pub fn also_bought(lang: Lang, mut screen: Screen, also: &[shopcore::Product]) -> Screen {
    if also.is_empty() {
        return screen;
    }
    screen.text.push_str("\n\n");
    screen.text.push_str(&lang.t("product-also_bought"));
    if let Some(keyboard) = screen.keyboard.as_mut() {
        let at = keyboard.inline_keyboard.len().saturating_sub(1);
        for (i, product) in also.iter().enumerate() {
            keyboard.inline_keyboard.insert(
                at + i,
                vec![button(
                    format!("🛍 {}", product.name),
                    Callback::Product { id: product.id },
                )],
            );
        }
    }
    screen
}

pub fn flow_cancelled(lang: Lang) -> Screen {
    Screen::with(lang.t("flow-cancelled"), vec![back_to_menu(lang)])
}

// ----- orders --------------------------------------------------------------------------

/// Whether the shopper may cancel the order themselves: the core's state machine allows
/// the move to `Cancelled` (before processing starts).
pub fn cancellable(order: &Order) -> bool {
    shopcore::orders::can_transition(order.status, OrderStatus::Cancelled)
}

fn order_body(lang: Lang, zone: &Zone, order: &Order) -> String {
    let mut lines = vec![
        lang.tf("order-product", &[("name", &order.product_name)]),
        lang.tf("order-status", &[("status", &status(lang, order.status))]),
    ];
    if order.quantity > 1 {
        lines.push(lang.tf(
            "order-quantity",
            &[
                ("count", &order.quantity.to_string()),
                ("price", &usd(order.unit_price_usd())),
            ],
        ));
    }
    if let Some(player) = &order.player_id {
        lines.push(lang.tf("order-player_id", &[("player_id", player)]));
    }
    lines.push(lang.tf("order-total", &[("total", &usd(order.total_usd))]));
    if order.currency.as_str() != "USD" {
        lines.push(lang.tf(
            "order-total_local",
            &[(
                "total",
                &format!("{} {}", order.price_local, order.currency),
            )],
        ));
    }
    if let Some(code) = &order.coupon {
        lines.push(lang.tf(
            "order-coupon",
            &[
                ("coupon", code.as_str()),
                ("discount", &usd(order.discount_usd)),
            ],
        ));
    }
    match &order.payment {
        Payment::Method {
            amount, currency, ..
        } => lines.push(lang.tf(
            "order-paid_by_method",
            &[("amount", &format!("{amount} {currency}"))],
        )),
        Payment::Invoice {
            provider,
            amount,
            currency,
            ..
        } => lines.push(lang.tf(
            "order-paid_by_provider",
            &[
                ("provider", &provider_name(lang, *provider)),
                ("amount", &format!("{amount} {currency}")),
            ],
        )),
        _ => {}
    }
    lines.push(lang.tf("order-created", &[("date", &date(zone, order.created_at))]));
    if let Some(delivery) = &order.delivery {
        lines.push(lang.tf("order-delivery", &[("delivery", delivery)]));
    }
    if let Some(reason) = &order.failure_reason {
        lines.push(lang.tf("order-failure", &[("reason", reason)]));
    }
    if order.status == OrderStatus::AwaitingPayment {
        lines.push(lang.t("order-awaiting_review"));
    }
    lines.join("\n")
}

pub fn orders(lang: Lang, orders: &[Order], next: Option<shopcore::OrderId>) -> Screen {
    let text = if orders.is_empty() {
        lang.t("orders-empty")
    } else {
        lang.t("orders-title")
    };
    let mut rows: Vec<Vec<InlineKeyboardButton>> = orders
        .iter()
        .map(|o| {
            vec![button(
                format!(
                    "{} · {} · {}",
                    o.id,
                    order_item(lang, o),
                    status(lang, o.status)
                ),
                Callback::Order { id: o.id },
            )]
        })
        .collect();
    if let Some(before) = next {
        rows.push(vec![button(
            lang.t("button-older"),
            Callback::Orders {
                before: Some(before),
            },
        )]);
    }
    rows.push(back_to_menu(lang));
    Screen::with(text, rows)
}

/// What an order bought, for a list: the product, with its quantity when above one.
pub fn order_item(lang: Lang, order: &Order) -> String {
    if order.quantity > 1 {
        lang.tf(
            "order-item_units",
            &[
                ("count", &order.quantity.to_string()),
                ("name", &order.product_name),
            ],
        )
    } else {
        order.product_name.clone()
    }
}

pub fn order_details(lang: Lang, zone: &Zone, order: &Order) -> Screen {
    let text = format!(
        "{}\n{}",
        lang.tf("order-title", &[("id", &order.id.get().to_string())]),
        order_body(lang, zone, order)
    );
    let mut rows = Vec::new();
    if cancellable(order) {
        rows.push(vec![button(
            lang.t("button-cancel_order"),
            Callback::CancelOrder { id: order.id },
        )]);
    }
    rows.push(vec![button(
        lang.t("button-orders"),
        Callback::Orders { before: None },
    )]);
    Screen::with(text, rows)
}

pub fn cancel_order_confirm(lang: Lang, order: &Order) -> Screen {
    let key = if order.is_paid() {
        "order-cancel_confirm_refund"
    } else {
        "order-cancel_confirm"
    };
    Screen::with(
        lang.tf(
            key,
            &[
                ("id", &order.id.get().to_string()),
                ("total", &usd(order.total_usd)),
            ],
        ),
        vec![vec![
            button(
                lang.t("button-yes_cancel_order"),
                Callback::CancelOrderYes { id: order.id },
            ),
            button(lang.t("button-back"), Callback::Order { id: order.id }),
        ]],
    )
}

pub fn order_cancelled(lang: Lang, order: &Order) -> Screen {
    let text = if order.refund_seq.is_some() {
        lang.tf(
            "order-cancelled_refunded",
            &[
                ("id", &order.id.get().to_string()),
                ("total", &usd(order.total_usd)),
            ],
        )
    } else {
        lang.tf("order-cancelled", &[("id", &order.id.get().to_string())])
    };
    Screen::with(
        text,
        vec![
            vec![button(
                lang.t("button-orders"),
                Callback::Orders { before: None },
            )],
            back_to_menu(lang),
        ],
    )
}

// ----- wallet --------------------------------------------------------------------------

pub fn wallet(lang: Lang, wallet: &Wallet, currency: &Currency) -> Screen {
    let mut text = lang.tf(
        "wallet-balance",
        &[("balance", &usd_and_local(lang, wallet.balance, currency))],
    );
    if wallet.pending_topups > 0 {
        text.push('\n');
        text.push_str(&lang.tf(
            "wallet-pending",
            &[("count", &wallet.pending_topups.to_string())],
        ));
    }
    Screen::with(
        text,
        vec![
            vec![
                button(lang.t("button-topup"), Callback::Topup),
                button(lang.t("button-history"), Callback::History { before: None }),
            ],
            vec![button(lang.t("button-referrals"), Callback::Referrals)],
            back_to_menu(lang),
        ],
    )
}

/// The shopper's referral link, what the program pays, and what the link brought.
pub fn referrals(
    lang: Lang,
    link: &str,
    stats: &shopcore::ReferrerStats,
    program: Option<&shopcore::referrals::Program>,
) -> Screen {
    let reward = match program.map(|p| p.reward) {
        Some(shopcore::referrals::Reward::Percent(p)) => {
            lang.tf("referral-reward_percent", &[("percent", &p.to_string())])
        }
        Some(shopcore::referrals::Reward::Fixed(a)) => {
            lang.tf("referral-reward_fixed", &[("amount", &usd(a))])
        }
        None => lang.t("referral-no_program"),
    };
    let text = [
        lang.t("referral-title"),
        lang.tf("referral-link", &[("link", link)]),
        reward,
        lang.tf(
            "referral-stats",
            &[
                ("referred", &stats.referred.to_string()),
                ("rewarded", &stats.rewarded.to_string()),
                ("earned", &usd(stats.earned_usd)),
            ],
        ),
    ]
    .join("\n\n");
    Screen::with(
        text,
        vec![
            vec![button(lang.t("button-wallet"), Callback::Wallet)],
            back_to_menu(lang),
        ],
    )
}

/// A payment provider's name for shoppers.
pub fn provider_name(lang: Lang, provider: Provider) -> String {
    lang.t(&format!("provider-{}", provider.name()))
}

pub fn topup_methods(lang: Lang, methods: &[PaymentMethod], providers: &[Provider]) -> Screen {
    let usable: Vec<&PaymentMethod> = methods.iter().filter(|m| m.usable()).collect();
    if usable.is_empty() && providers.is_empty() {
        return Screen::with(
            lang.t("topup-no_methods"),
            vec![vec![button(lang.t("button-wallet"), Callback::Wallet)]],
        );
    }
    let mut rows: Vec<Vec<InlineKeyboardButton>> = usable
        .iter()
        .map(|m| {
            vec![button(
                format!("{} ({})", m.name, m.currency),
                Callback::TopupMethod { id: m.id },
            )]
        })
        .collect();
    for provider in providers {
        rows.push(vec![button(
            provider_name(lang, *provider),
            Callback::TopupProvider {
                provider: *provider,
            },
        )]);
    }
    rows.push(vec![button(lang.t("button-wallet"), Callback::Wallet)]);
    Screen::with(lang.t("topup-choose_method"), rows)
}

pub fn topup_amount_prompt(lang: Lang, method: &PaymentMethod) -> Screen {
    Screen::with(
        lang.tf(
            "topup-amount_prompt",
            &[
                ("method", &method.name),
                ("instructions", &method.instructions),
                ("currency", method.currency.as_str()),
                ("min", &method.min_amount.to_string()),
                ("max", &method.max_amount.to_string()),
            ],
        ),
        vec![cancel_row(lang)],
    )
}

/// How much to top up through a provider, in USD; `currency` is the provider's, with the
/// rate the invoice will use.
pub fn topup_invoice_prompt(lang: Lang, provider: Provider, currency: &Currency) -> Screen {
    let key = match provider {
        Provider::Stars => "topup-stars_amount_prompt",
        Provider::CryptoPay => "topup-crypto_amount_prompt",
    };
    Screen::with(
        lang.tf(
            key,
            &[
                ("rate", &currency.units_per_usd.to_string()),
                (
                    "max",
                    &usd(shopcore::Money::units(
                        shopcore::settlement::TOPUP_INVOICE_MAX_USD,
                    )),
                ),
            ],
        ),
        vec![cancel_row(lang)],
    )
}

pub fn topup_proof_prompt(lang: Lang, amount_text: &str) -> Screen {
    Screen::with(
        lang.tf("topup-proof_prompt", &[("amount", amount_text)]),
        vec![cancel_row(lang)],
    )
}

pub fn topup_requested(lang: Lang, topup: &Topup) -> Screen {
    Screen::with(
        if needs_usd(&topup.currency) {
            lang.tf(
                "topup-requested",
                &[
                    ("id", &topup.id.get().to_string()),
                    ("amount", &money_in(topup.amount, &topup.currency)),
                    ("usd", &usd(topup.amount_usd)),
                ],
            )
        } else {
            lang.tf(
                "topup-requested_usd",
                &[
                    ("id", &topup.id.get().to_string()),
                    ("amount", &usd(topup.amount)),
                ],
            )
        },
        vec![
            vec![button(lang.t("button-wallet"), Callback::Wallet)],
            back_to_menu(lang),
        ],
    )
}

fn ledger_line(lang: Lang, zone: &Zone, entry: &LedgerEntry) -> String {
    let sign = if entry.amount.is_negative() { "" } else { "+" };
    lang.tf(
        "history-entry",
        &[
            ("date", &date(zone, entry.at)),
            (
                "kind",
                &lang.t(&format!(
                    "ledger-{}",
                    entry.kind.name().to_ascii_lowercase()
                )),
            ),
            ("amount", &format!("{sign}{}", usd(entry.amount))),
            ("balance", &usd(entry.balance_after)),
        ],
    )
}

pub fn history(
    lang: Lang,
    zone: &Zone,
    entries: &[LedgerEntry],
    topups: &[Topup],
    next: Option<u64>,
) -> Screen {
    let mut lines = vec![lang.t("history-title")];
    if entries.is_empty() {
        lines.push(lang.t("history-empty"));
    }
    lines.extend(entries.iter().map(|e| ledger_line(lang, zone, e)));
    if !topups.is_empty() {
        lines.push(String::new());
        lines.push(lang.t("history-topups_title"));
        lines.extend(topups.iter().map(|t| {
            lang.tf(
                "history-topup",
                &[
                    ("id", &t.id.get().to_string()),
                    ("amount", &money_in(t.amount, &t.currency)),
                    ("status", &topup_status(lang, t.status)),
                ],
            )
        }));
    }
    let mut rows = Vec::new();
    if let Some(before) = next {
        rows.push(vec![button(
            lang.t("button-older"),
            Callback::History {
                before: Some(before),
            },
        )]);
    }
    rows.push(vec![button(lang.t("button-wallet"), Callback::Wallet)]);
    Screen::with(lines.join("\n"), rows)
}

// ----- notifications --------------------------------------------------------------------

fn refund_line(lang: Lang, order: Option<&Order>) -> String {
    match order {
        Some(order) => lang.tf("notify-refunded", &[("total", &usd(order.total_usd))]),
        None => lang.t("notify-refunded_plain"),
    }
}

/// The message for one outbox entry to its shopper, or `None` for entries meant for staff.
/// `order` is the order it is about, when it could be read (for the delivery of a completed
/// order).
pub fn notification(lang: Lang, kind: &NotificationKind, order: Option<&Order>) -> Option<Screen> {
    let text = match kind {
        NotificationKind::StaffTopupWaiting { .. }
        | NotificationKind::StaffOrderWaiting { .. }
        | NotificationKind::StaffInvoiceProblem { .. } => {
            return None;
        }
        NotificationKind::InvoiceCredited {
            invoice,
            amount_usd,
            late,
        } => lang.tf(
            if *late {
                "notify-invoice_credited_late"
            } else {
                "notify-invoice_credited"
            },
            &[
                ("id", &invoice.get().to_string()),
                ("amount", &usd(*amount_usd)),
            ],
        ),
        NotificationKind::InvoiceRefunded {
            invoice,
            amount_usd,
        } => lang.tf(
            "notify-invoice_refunded",
            &[
                ("id", &invoice.get().to_string()),
                ("amount", &usd(*amount_usd)),
            ],
        ),
        NotificationKind::OrderCompleted { order: id } => {
            let mut text = lang.tf("notify-order_completed", &[("id", &id.get().to_string())]);
            if let Some(delivery) = order.and_then(|o| o.delivery.as_deref()) {
                text.push('\n');
                text.push_str(&lang.tf("order-delivery", &[("delivery", delivery)]));
            }
            text
        }
        NotificationKind::OrderFailed {
            order: id,
            refunded,
            reason,
        } => {
            let mut text = lang.tf(
                "notify-order_failed",
                &[("id", &id.get().to_string()), ("reason", reason)],
            );
            if *refunded {
                text.push('\n');
                text.push_str(&refund_line(lang, order));
            }
            text
        }
        NotificationKind::OrderCancelled {
            order: id,
            refunded,
        } => {
            let mut text = lang.tf("notify-order_cancelled", &[("id", &id.get().to_string())]);
            if *refunded {
                text.push('\n');
                text.push_str(&refund_line(lang, order));
            }
            text
        }
        NotificationKind::PaymentConfirmed { order: id } => {
            lang.tf("notify-payment_confirmed", &[("id", &id.get().to_string())])
        }
        NotificationKind::TopupApproved { topup, amount_usd } => lang.tf(
            "notify-topup_approved",
            &[
                ("id", &topup.get().to_string()),
                ("amount", &usd(*amount_usd)),
            ],
        ),
        NotificationKind::TopupRejected { topup, reason } => lang.tf(
            "notify-topup_rejected",
            &[("id", &topup.get().to_string()), ("reason", reason)],
        ),
        NotificationKind::ReferralRewarded { amount, .. } => {
            lang.tf("notify-referral_rewarded", &[("amount", &usd(*amount))])
        }
    };
    let rows = match kind {
        NotificationKind::TopupApproved { .. }
        | NotificationKind::TopupRejected { .. }
        | NotificationKind::InvoiceCredited { .. }
        | NotificationKind::InvoiceRefunded { .. }
        | NotificationKind::ReferralRewarded { .. } => {
            vec![vec![button(lang.t("button-wallet"), Callback::Wallet)]]
        }
        NotificationKind::OrderCompleted { order }
        | NotificationKind::OrderFailed { order, .. }
        | NotificationKind::OrderCancelled { order, .. }
        | NotificationKind::PaymentConfirmed { order } => vec![vec![button(
            lang.t("button-order_details"),
            Callback::Order { id: *order },
        )]],
        NotificationKind::StaffTopupWaiting { .. }
        | NotificationKind::StaffOrderWaiting { .. }
        | NotificationKind::StaffInvoiceProblem { .. } => {
            return None;
        }
    };
    Some(Screen::with(text, rows))
}

// ----- errors ---------------------------------------------------------------------------

/// The notice for a stale or tampered button.
pub fn stale(lang: Lang) -> String {
    lang.t("notice-stale_button")
}

/// The one place core errors become words. Every error a shopper can meet has its own key
/// (`error.<kind>`); details the shopper needs (balances, limits) are filled in; anything
/// else gets a generic apology — never the raw error.
pub fn failure(lang: Lang, failure: &Failure, settings: &Settings) -> String {
    let Failure::Core(error) = failure else {
        return lang.t("error-internal");
    };
    let kind = error.kind();
    let key = crate::i18n::error_key(kind);
    let mut text = match error {
        Error::Wallet(WalletError::InsufficientBalance { balance, needed }) => lang.tf(
            &key,
            &[("balance", &usd(*balance)), ("needed", &usd(*needed))],
        ),
        Error::Wallet(WalletError::TooManyPendingTopups { max, .. }) => {
            lang.tf(&key, &[("max", &max.to_string())])
        }
        Error::Order(OrderError::OpenOrderExists { order }) => {
            lang.tf(&key, &[("id", &order.get().to_string())])
        }
        Error::Order(OrderError::PaymentOutOfRange {
            amount,
            currency,
            min,
            max,
        }) => lang.tf(
            &key,
            &[
                ("amount", &format!("{amount} {currency}")),
                ("min", &format!("{min} {currency}")),
                ("max", &format!("{max} {currency}")),
            ],
        ),
        Error::Order(OrderError::PlayerIdRequired { label }) => lang.tf(&key, &[("label", label)]),
        Error::Order(OrderError::NotEnoughStock {
            available, wanted, ..
        }) => lang.tf(
            &key,
            &[
                ("available", &available.to_string()),
                ("wanted", &wanted.to_string()),
            ],
        ),
        Error::Order(OrderError::BadQuantity { max, .. }) => {
            lang.tf(&key, &[("max", &max.to_string())])
        }
        // A role that lost a permission while a screen was open (a demoted staff member).
        Error::Denied(shopcore::Denied::MissingPermission { permission, .. }) => {
            lang.tf(&key, &[("permission", permission.name())])
        }
        Error::Coupon(CouponError::BelowMinimum { min, .. }) => {
            lang.tf(&key, &[("min", &usd(*min))])
        }
        Error::Invalid(InvalidInput::Amount { source, .. }) => match source {
            AmountError::TooLarge { max } => lang.tf(&key, &[("max", &max.to_string())]),
            AmountError::TooSmall { min } => lang.tf(&key, &[("min", &min.to_string())]),
            AmountError::TooManyDecimals { decimals_max } => {
                lang.tf(&key, &[("decimals", &decimals_max.to_string())])
            }
            _ => lang.t(&key),
        },
        _ if kind.starts_with("store.") => lang.t("error-internal"),
        // A message with details this renderer does not fill is not shown half-done.
        _ if lang.has(&key) && !crate::i18n::has_placeholders(lang, &key) => lang.t(&key),
        _ => {
            tracing::warn!(
                kind,
                "no message for this error kind; showing the generic one"
            );
            lang.t("error-generic")
        }
    };
    if matches!(error, Error::Mode(_))
        && let Some(reason) = &settings.state_reason
    {
        text.push('\n');
        text.push_str(&lang.tf("notice-reason", &[("reason", reason)]));
    }
    text
}

/// The error kinds a shopper can meet, each with its own message (a test checks the keys).
pub const SHOPPER_ERROR_KINDS: &[&str] = &[
    "denied.banned",
    "denied.unknown_actor",
    "mode.emergency",
    "mode.maintenance",
    "wallet.insufficient_balance",
    "wallet.balance_limit",
    "wallet.too_many_pending",
    "wallet.rounds_to_zero",
    "wallet.topup_not_found",
    "order.not_found",
    "order.product_inactive",
    "order.product_archived",
    "order.out_of_stock",
    "order.not_enough_stock",
    "order.bad_quantity",
    "order.open_order_exists",
    "order.payment_out_of_range",
    "order.player_id_required",
    "order.bad_player_id",
    "order.bad_transition",
    "order.proof_required",
    "order.with_supplier",
    "invoice.not_found",
    "invoice.not_payable",
    "invoice.mismatch",
    "invoice.too_many_open",
    "invoice.not_cancellable",
    "catalog.product_not_found",
    "catalog.category_not_found",
    "payment_method.not_found",
    "payment_method.deleted",
    "payment_method.inactive",
    "currency.unknown",
    "currency.disabled",
    "coupon.not_found",
    "coupon.inactive",
    "coupon.expired",
    "coupon.used_up",
    "coupon.already_used_by_you",
    "coupon.below_minimum",
    "coupon.not_applicable",
    "invalid.coupon_code",
    "invalid.empty_text",
    "invalid.text_too_long",
    "invalid.forbidden_character",
    "invalid.request_key_reused",
    "amount.not_a_number",
    "amount.not_positive",
    "amount.too_many_decimals",
    "amount.too_large",
    "amount.too_small",
];
