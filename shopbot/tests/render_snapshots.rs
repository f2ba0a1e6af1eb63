//! Snapshots of the main screens in both languages (`tests/snapshots/`). Isolates are shown as
//! `<FSI>`/`<PDI>` so a review sees where direction is protected; buttons are listed with
//! their callback data.

use crate::common::{SHOPPER, TestShop, money, uid};
use shopbot::i18n::{FSI, PDI};
use shopbot::render::{self, PaymentLine, Screen};
use shopcore::catalog::{PlayerField, PlayerIdRule};
use shopcore::{Currency, OrderRequest, PaymentChoice, Stock, Wallet};

pub fn show(screen: &Screen) -> String {
    let mut out = screen.text.replace(FSI, "<FSI>").replace(PDI, "<PDI>");
    out.push_str("\n---");
    if let Some(keyboard) = &screen.keyboard {
        for row in &keyboard.inline_keyboard {
            out.push('\n');
            let cells: Vec<String> = row
                .iter()
                .map(|b| match &b.kind {
                    teloxide::types::InlineKeyboardButtonKind::CallbackData(d) => {
                        format!("[{} → {d}]", b.text)
                    }
                    other => format!("[{} → {other:?}]", b.text),
                })
                .collect();
            out.push_str(&cells.join(" "));
        }
    }
    out
}

fn sar() -> Currency {
    Currency {
        code: shopcore::CurrencyCode::parse("SAR").expect("SAR"),
        units_per_usd: money("3.75"),
        decimals: 2,
        symbol: "ر.س".into(),
        enabled: true,
        updated_at: shopcore::Timestamp(0),
    }
}

/// A shop with a game top-up that asks for a player id, a coupon, SAR, and a funded shopper.
fn seeded() -> (TestShop, shopcore::Product) {
    let t = TestShop::new();
    t.sar();
    t.coupon("SAVE20", "20");
    let games = t.category("Games");
    let product = t.product_with(games, "PUBG 660 UC", "10.00", |p| {
        p.description = "Delivered to your PUBG Mobile account within minutes.".into();
        p.stock = Stock::Limited(7);
        p.player_field = Some(PlayerField {
            label: "Player ID".into(),
            rule: PlayerIdRule::Digits {
                len_min: 5,
                len_max: 12,
            },
        });
    });
    t.fund(SHOPPER, "50.00");
    (t, product)
}

#[test]
fn product_card() {
    let (_t, product) = seeded();
    for lang in crate::common::snapshot_languages() {
        insta::assert_snapshot!(
            format!("product_card_{}", lang.code()),
            show(&render::product_card(lang, &product, &sar()))
        );
    }
}

#[test]
fn order_summary() {
    let (t, product) = seeded();
    let actor = t.shop.actor(uid(SHOPPER)).expect("actor");
    t.shop
        .set_preferred_currency(&actor, "SAR")
        .expect("currency");
    let quote = t
        .shop
        .quote(
            &actor,
            &OrderRequest {
                quantity: 1,
                product: product.id,
                payment: PaymentChoice::Balance,
                coupon: Some("save20".into()),
                player_id: Some("5123456789".into()),
                currency: None,
                proof: None,
            },
        )
        .expect("quote");
    for lang in crate::common::snapshot_languages() {
        let screen = render::order_summary(
            lang,
            &quote,
            &PaymentLine::Balance {
                balance: money("50.00"),
            },
            4242,
        );
        insta::assert_snapshot!(format!("order_summary_{}", lang.code()), show(&screen));
    }
}

#[test]
fn wallet_and_history() {
    let (t, _) = seeded();
    let actor = t.shop.actor(uid(SHOPPER)).expect("actor");
    let wallet = Wallet {
        balance: money("42.50"),
        pending_topups: 1,
        entries: 2,
        last_entry: Some(2),
        ..Default::default()
    };
    let ledger = t
        .shop
        .ledger(&actor, uid(SHOPPER), None, 10)
        .expect("ledger");
    for lang in crate::common::snapshot_languages() {
        insta::assert_snapshot!(
            format!("wallet_{}", lang.code()),
            show(&render::wallet(lang, &wallet, &sar()))
        );
        insta::assert_snapshot!(
            format!("history_{}", lang.code()),
            show(&render::history(
                lang,
                &shopcore::Zone::utc(),
                &ledger.entries,
                &[],
                None
            ))
        );
    }
}

#[test]
fn main_menu_in_maintenance() {
    let settings = shopcore::Settings {
        state: shopcore::StoreState::Maintenance,
        state_reason: Some("Updating prices".into()),
        ..Default::default()
    };
    for lang in crate::common::snapshot_languages() {
        insta::assert_snapshot!(
            format!("main_menu_maintenance_{}", lang.code()),
            show(&render::main_menu(lang, "Sam", &settings))
        );
    }
}
