//! The `demo` command: a small, realistic shop to explore — categories, products of every
//! delivery kind, two payment methods, a second currency, coupons, staff and shoppers with
//! some history.

use crate::console::{CommandError, Console, Output};
use serde_json::json;
use shopcore::coupons::{CouponKind, CouponScope, NewCoupon};
use shopcore::{
    Actor, Delivery, Money, NewPaymentMethod, NewProduct, OrderRequest, PaymentChoice, PlayerField,
    PlayerIdRule, ProductKind, Registration, Role, Stock, UserId,
};

fn money(text: &str) -> Money {
    Money::from_decimal(text.parse().unwrap_or_default())
}

pub fn seed(console: &Console, actor: &Actor) -> Result<Output, CommandError> {
    let shop = console.shop();
    if !shop.categories(false)?.is_empty() {
        return Err(CommandError::Usage {
            message: "the shop already has a catalog; demo seeds only an empty shop".into(),
            usage: "demo".into(),
        });
    }
    let pubg = shop.create_category(actor, "PUBG Mobile", 1)?.id;
    let cards = shop.create_category(actor, "Gift cards", 2)?.id;
    let subs = shop.create_category(actor, "Subscriptions", 3)?.id;
    let product = |category,
                   name: &str,
                   price: &str,
                   kind,
                   delivery,
                   stock,
                   player: Option<PlayerField>|
     -> Result<shopcore::ProductId, CommandError> {
        Ok(shop
            .create_product(
                actor,
                &NewProduct {
                    category,
                    name: name.into(),
                    description: String::new(),
                    price_usd: money(price),
                    kind,
                    delivery,
                    stock,
                    player_field: player,
                    sort_order: 0,
                    active: true,
                },
            )?
            .id)
    };
    let player = || {
        Some(PlayerField {
            label: "Player ID".into(),
            rule: PlayerIdRule::Digits {
                len_min: 6,
                len_max: 12,
            },
        })
    };
    let uc60 = product(
        pubg,
        "60 UC",
        "0.99",
        ProductKind::GameTopUp,
        Delivery::Manual,
        Stock::Unlimited,
        player(),
    )?;
    product(
        pubg,
        "660 UC",
        "9.99",
        ProductKind::GameTopUp,
        Delivery::Supplier {
            sku: "PUBG-660".into(),
        },
        Stock::Unlimited,
        player(),
    )?;
    let steam = product(
        cards,
        "Steam $10",
        "10.50",
        ProductKind::GiftCard,
        Delivery::Codes,
        Stock::Unlimited,
        None,
    )?;
    product(
        cards,
        "بطاقة آيتونز 25$",
        "26",
        ProductKind::GiftCard,
        Delivery::Manual,
        Stock::Limited(5),
        None,
    )?;
    product(
        subs,
        "Netflix 1 month",
        "8",
        ProductKind::Subscription,
        Delivery::Manual,
        Stock::Limited(10),
        None,
    )?;
    shop.add_codes(
        actor,
        steam,
        &["STEAM-AAAA-1111", "STEAM-BBBB-2222", "STEAM-CCCC-3333"],
    )?;
    shop.add_currency(actor, "EGP", "ج.م", 2, money("48.50"))?;
    let vodafone = shop.create_payment_method(
        actor,
        &NewPaymentMethod {
            name: "Vodafone Cash".into(),
            instructions: "Send to 010 1234 5678, then upload the receipt.".into(),
            currency: "EGP".into(),
            min_amount: money("50"),
            max_amount: money("20000"),
            active: true,
        },
    )?;
    shop.create_payment_method(
        actor,
        &NewPaymentMethod {
            name: "USDT (TRC20)".into(),
            instructions: "Address: TXYZ…demo. Network TRC20 only.".into(),
            currency: "USD".into(),
            min_amount: money("5"),
            max_amount: money("1000"),
            active: true,
        },
    )?;
    for (code, kind) in [
        ("WELCOME10", CouponKind::Percentage(10.into())),
        ("FIVEOFF", CouponKind::Fixed(money("5"))),
    ] {
        shop.create_coupon(
            actor,
            &NewCoupon {
                code: code.into(),
                kind,
                max_uses: 100,
                uses_per_user: 1,
                min_order_usd: None,
                expires_at: None,
                scope: CouponScope::All,
            },
        )?;
    }
    let people = [
        (100, "layla_support", "ليلى", "ar", Role::Support),
        (101, "omar_ops", "Omar", "en", Role::Operator),
        (102, "sara", "سارة", "ar", Role::User),
        (103, "john", "John", "en", Role::User),
    ];
    for (id, username, name, language, role) in people {
        let id = UserId::new(id).map_err(shopcore::Error::from)?;
        shop.register_user(&Registration {
            id,
            username: Some(username),
            display_name: name,
            language: Some(language),
        })?;
        if role != Role::User {
            shop.set_role(actor, id, role)?;
        }
    }
    // Some history: a reviewed top-up and a completed order.
    let sara = shop.actor(UserId::new(102).map_err(shopcore::Error::from)?)?;
    let topup = shop.request_topup(
        &sara,
        &shopcore::TopupRequest {
            method: vodafone.id,
            amount: money("970"),
            proof: shopcore::Proof::Text("Vodafone ref 88123".into()),
            key: console.request_key()?,
        },
    )?;
    shop.approve_topup(actor, topup.id, &console.request_key()?)?;
    let order = shop.create_order(
        &sara,
        &OrderRequest {
            quantity: 1,
            product: uc60,
            payment: PaymentChoice::Balance,
            coupon: None,
            player_id: Some("5123456789".into()),
            currency: None,
            proof: None,
        },
        &console.request_key()?,
    )?;
    shop.complete_order(
        actor,
        order.id,
        Some("60 UC sent to 5123456789"),
        &console.request_key()?,
    )?;
    Ok(Output {
        text: "demo shop seeded: 3 categories, 5 products, 2 payment methods, EGP, 2 coupons, 4 users, 1 top-up, 1 order\ntry: product list · user list · order list · stats · audit · verify".into(),
        json: json!({"categories": 3, "products": 5, "methods": 2, "coupons": 2, "users": 4}),
    })
}
