//! The catalog: SEED pre-release tests 1-3, every refusal, listings, code pools, modes.

use crate::common::{TestShop, last_audit, money, new_product, refused};
use shopcore::audit::Outcome;
use shopcore::catalog::{ProductCursor, ProductFilter, parse_price};
use shopcore::{
    AuditAction, CatalogError, CategoryChange, CategoryId, Delivery, Denied, Error, PlayerField,
    PlayerIdRule, ProductChange, ProductId, ProductKind, Role, Stock, StoreState, Target,
};

fn shop_with_category() -> (TestShop, CategoryId) {
    let t = TestShop::new();
    let category = t
        .shop
        .create_category(&t.owner(), "PUBG Mobile", 1)
        .unwrap();
    (t, category.id)
}

#[test]
fn seed_test_1_create_a_product() {
    let (t, cat) = shop_with_category();
    let operator = t.staff(2, Role::Operator);
    let mut new = new_product(cat, "660 UC", "9.99");
    new.description = "Delivered to your player id\nwithin minutes".into();
    new.player_field = Some(PlayerField {
        label: "Player ID".into(),
        rule: PlayerIdRule::Digits {
            len_min: 6,
            len_max: 12,
        },
    });
    let product = t.shop.create_product(&operator, &new).unwrap();
    assert_eq!(product.id, ProductId::new(1).unwrap());

    let stored = t.shop.product(product.id).unwrap().unwrap();
    assert_eq!(stored, product);
    assert_eq!(stored.price_usd, money("9.99"));
    assert_eq!(stored.name, "660 UC");
    assert!(stored.on_sale());
    assert_eq!(t.shop.category(cat).unwrap().unwrap().product_count, 1);

    let entry = last_audit(&t);
    assert_eq!(entry.action, AuditAction::CreateProduct);
    assert_eq!(entry.target, Target::Product(product.id));
    assert_eq!(entry.actor, shopcore::ActorRef::User(crate::common::uid(2)));
    assert!(
        entry
            .details
            .iter()
            .any(|d| d.field == "price_usd" && d.after.as_deref() == Some("9.99"))
    );
    assert!(t.shop.verify().unwrap().is_healthy());
}

#[test]
fn seed_test_2_edit_a_product() {
    let (t, cat) = shop_with_category();
    let owner = t.owner();
    let p = t
        .shop
        .create_product(&owner, &new_product(cat, "60 UC", "0.99"))
        .unwrap();
    let other = t.shop.create_category(&owner, "Free Fire", 2).unwrap();
    let edits = [
        (
            ProductChange::Name("60 UC (fast)".into()),
            "name",
            "60 UC",
            "60 UC (fast)",
        ),
        (
            ProductChange::Price(money("1.49")),
            "price_usd",
            "0.99",
            "1.49",
        ),
        (
            ProductChange::Description("New text".into()),
            "description",
            "",
            "New text",
        ),
        (
            ProductChange::Kind(ProductKind::GiftCard),
            "kind",
            "game_top_up",
            "gift_card",
        ),
        (
            ProductChange::Stock(Stock::Limited(5)),
            "stock",
            "unlimited",
            "5",
        ),
        (ProductChange::Category(other.id), "category", "#1", "#2"),
        (
            ProductChange::Delivery(Delivery::Supplier {
                sku: "PUBG-60".into(),
            }),
            "delivery",
            "manual",
            "supplier:PUBG-60",
        ),
        (ProductChange::SortOrder(-3), "sort_order", "0", "-3"),
    ];
    for (change, field, before, after) in edits {
        t.shop.update_product(&owner, p.id, change).unwrap();
        let entry = last_audit(&t);
        assert_eq!(entry.action, AuditAction::UpdateProduct);
        let d = &entry.details[0];
        assert_eq!(
            (d.field.as_str(), d.before.as_deref(), d.after.as_deref()),
            (field, Some(before), Some(after))
        );
    }
    let stored = t.shop.product(p.id).unwrap().unwrap();
    assert_eq!(stored.name, "60 UC (fast)");
    assert_eq!(stored.price_usd, money("1.49"));
    assert_eq!(stored.category, other.id);
    assert_eq!(stored.stock, Stock::Limited(5));
    assert_eq!(t.shop.category(cat).unwrap().unwrap().product_count, 0);
    assert_eq!(t.shop.category(other.id).unwrap().unwrap().product_count, 1);

    // Toggles have their own audit actions.
    t.shop
        .update_product(&owner, p.id, ProductChange::Active(false))
        .unwrap();
    assert_eq!(last_audit(&t).action, AuditAction::DeactivateProduct);
    assert!(!t.shop.product(p.id).unwrap().unwrap().on_sale());
    t.shop
        .update_product(&owner, p.id, ProductChange::Active(true))
        .unwrap();
    assert_eq!(last_audit(&t).action, AuditAction::ActivateProduct);

    let err = refused(&t, || {
        t.shop
            .update_product(&owner, p.id, ProductChange::Active(true))
    });
    assert_eq!(err.kind(), "invalid.unchanged");
    assert!(t.shop.verify().unwrap().is_healthy());
}

#[test]
fn seed_test_3_delete_a_product() {
    let (t, cat) = shop_with_category();
    let owner = t.owner();
    let p = t
        .shop
        .create_product(&owner, &new_product(cat, "Gift card", "25"))
        .unwrap();
    assert_eq!(
        t.shop.delete_product(&owner, p.id).unwrap(),
        None,
        "no orders: removed"
    );
    assert!(t.shop.product(p.id).unwrap().is_none());
    assert_eq!(t.shop.category(cat).unwrap().unwrap().product_count, 0);
    let entry = last_audit(&t);
    assert_eq!(entry.action, AuditAction::DeleteProduct);
    assert_eq!(entry.target, Target::Product(p.id));
    let err = refused(&t, || t.shop.delete_product(&owner, p.id));
    assert!(
        matches!(err, Error::Catalog(CatalogError::ProductNotFound { .. })),
        "{err}"
    );
    // The category is empty now and can go too.
    t.shop.delete_category(&owner, cat).unwrap();
    assert!(t.shop.category(cat).unwrap().is_none());
    assert!(t.shop.verify().unwrap().is_healthy());
}

#[test]
fn bad_prices_are_refused() {
    let (t, cat) = shop_with_category();
    let owner = t.owner();
    for (price, kind) in [
        ("0", "amount.not_positive"),
        ("-5", "amount.not_positive"),
        ("1.999", "amount.too_many_decimals"),
        ("100000.01", "amount.too_large"),
        ("1000000000000000000000000000", "amount.too_large"),
    ] {
        let err = refused(&t, || {
            t.shop.create_product(&owner, &new_product(cat, "X", price))
        });
        assert_eq!(err.kind(), kind, "{price}");
    }
    for (text, kind) in [
        ("1e30", "amount.not_a_number"),
        ("ten", "amount.not_a_number"),
        ("0", "amount.not_positive"),
        ("-1", "amount.not_positive"),
        ("1.005", "amount.too_many_decimals"),
    ] {
        assert_eq!(parse_price(text).unwrap_err().kind(), kind, "{text}");
    }
    let p = t
        .shop
        .create_product(&owner, &new_product(cat, "X", "5"))
        .unwrap();
    let err = refused(&t, || {
        t.shop
            .update_product(&owner, p.id, ProductChange::Price(money("0")))
    });
    assert_eq!(err.kind(), "amount.not_positive");
    assert!(matches!(last_audit(&t).outcome, Outcome::Failed { .. }));
}

#[test]
fn bad_text_and_ids_are_refused() {
    let (t, cat) = shop_with_category();
    let owner = t.owner();
    let long = "n".repeat(101);
    for (name, kind) in [
        ("", "invalid.empty_text"),
        ("  ", "invalid.empty_text"),
        (long.as_str(), "invalid.text_too_long"),
        ("bad\u{0}name", "invalid.forbidden_character"),
        ("two\nlines", "invalid.forbidden_character"),
        ("spoof\u{202E}txt", "invalid.forbidden_character"),
    ] {
        let err = refused(&t, || {
            t.shop.create_product(&owner, &new_product(cat, name, "1"))
        });
        assert_eq!(err.kind(), kind, "{name:?}");
        let err = refused(&t, || t.shop.create_category(&owner, name, 0));
        assert!(err.kind().starts_with("invalid."), "{name:?}");
    }
    let huge = "d".repeat(2_001);
    let mut new = new_product(cat, "Y", "1");
    new.description = huge;
    assert_eq!(
        refused(&t, || t.shop.create_product(&owner, &new)).kind(),
        "invalid.text_too_long"
    );

    let missing_cat = CategoryId::new(99).unwrap();
    let err = refused(&t, || {
        t.shop
            .create_product(&owner, &new_product(missing_cat, "Z", "1"))
    });
    assert!(
        matches!(err, Error::Catalog(CatalogError::CategoryNotFound { .. })),
        "{err}"
    );
    let missing = ProductId::new(99).unwrap();
    let err = refused(&t, || {
        t.shop
            .update_product(&owner, missing, ProductChange::Name("A".into()))
    });
    assert!(
        matches!(err, Error::Catalog(CatalogError::ProductNotFound { .. })),
        "{err}"
    );
    assert_eq!("abc".parse::<ProductId>().unwrap_err().kind(), "invalid.id");
    assert_eq!("0".parse::<ProductId>().unwrap_err().kind(), "invalid.id");
    assert_eq!("#7".parse::<ProductId>().unwrap().get(), 7);

    let mut bad_rule = new_product(cat, "R", "1");
    bad_rule.player_field = Some(PlayerField {
        label: "Player ID".into(),
        rule: PlayerIdRule::Digits {
            len_min: 9,
            len_max: 3,
        },
    });
    assert_eq!(
        refused(&t, || t.shop.create_product(&owner, &bad_rule)).kind(),
        "catalog.bad_player_rule"
    );
    let mut huge_stock = new_product(cat, "S", "1");
    huge_stock.stock = Stock::Limited(u64::MAX);
    assert_eq!(
        refused(&t, || t.shop.create_product(&owner, &huge_stock)).kind(),
        "catalog.stock_too_large"
    );
}

#[test]
fn support_staff_cannot_edit_the_catalog() {
    let (t, cat) = shop_with_category();
    let p = t
        .shop
        .create_product(&t.owner(), &new_product(cat, "X", "5"))
        .unwrap();
    let support = t.staff(3, Role::Support);
    let err = refused(&t, || {
        t.shop
            .update_product(&support, p.id, ProductChange::Price(money("1")))
    });
    assert!(matches!(
        err,
        Error::Denied(Denied::MissingPermission {
            role: Role::Support,
            ..
        })
    ));
    let entry = last_audit(&t);
    assert_eq!(
        (entry.action, entry.target.clone()),
        (AuditAction::UpdateProduct, Target::Product(p.id))
    );
    assert!(matches!(entry.outcome, Outcome::Denied { .. }));
    refused(&t, || {
        t.shop.create_product(&support, &new_product(cat, "Y", "5"))
    });
    refused(&t, || t.shop.delete_product(&support, p.id));
    refused(&t, || t.shop.create_category(&support, "C", 0));
    refused(&t, || t.shop.add_codes(&support, p.id, &["A"]));
    // But support can see the staff catalog.
    let page = t
        .shop
        .list_products(&support, &ProductFilter::default(), None, 10)
        .unwrap();
    assert_eq!(page.products.len(), 1);
    let shopper = {
        t.user(4, None);
        t.shop.actor(crate::common::uid(4)).unwrap()
    };
    refused(&t, || {
        t.shop
            .list_products(&shopper, &ProductFilter::default(), None, 10)
    });
}

#[test]
fn shopper_listing_is_filtered_ordered_and_paginated() {
    let (t, cat) = shop_with_category();
    let owner = t.owner();
    let mut expected = Vec::new();
    for i in 0..23i32 {
        let mut new = new_product(cat, &format!("P{i}"), "1");
        // Sort orders out of id order, with ties broken by id.
        new.sort_order = (i * 7) % 5 - 2;
        let p = t.shop.create_product(&owner, &new).unwrap();
        match i % 6 {
            1 => {
                t.shop
                    .update_product(&owner, p.id, ProductChange::Active(false))
                    .unwrap();
            }
            2 => {
                t.shop
                    .update_product(&owner, p.id, ProductChange::Stock(Stock::Limited(0)))
                    .unwrap();
            }
            _ => expected.push((new.sort_order, p.id)),
        }
    }
    expected.sort();
    let expected: Vec<ProductId> = expected.into_iter().map(|(_, id)| id).collect();
    for limit in [1, 4, 7, 100] {
        let mut seen = Vec::new();
        let mut cursor: Option<ProductCursor> = None;
        loop {
            let page = t
                .shop
                .products_on_sale(cat, cursor.as_ref(), limit)
                .unwrap();
            assert!(page.products.len() <= limit);
            seen.extend(page.products.iter().map(|p| p.id));
            match page.next {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        assert_eq!(seen, expected, "limit {limit}");
    }
    // Staff see everything, in id order, also across pages.
    let mut staff_seen = 0;
    let mut cursor = None;
    loop {
        let page = t
            .shop
            .list_products(&owner, &ProductFilter::default(), cursor.as_ref(), 5)
            .unwrap();
        staff_seen += page.products.len();
        match page.next {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(staff_seen, 23);
    let inactive = t
        .shop
        .list_products(
            &owner,
            &ProductFilter {
                active: Some(false),
                ..Default::default()
            },
            None,
            100,
        )
        .unwrap();
    assert_eq!(inactive.products.len(), 4);

    // An inactive category shows nothing to shoppers and disappears from their list.
    t.shop
        .update_category(&owner, cat, CategoryChange::Active(false))
        .unwrap();
    assert!(
        t.shop
            .products_on_sale(cat, None, 10)
            .unwrap()
            .products
            .is_empty()
    );
    assert!(t.shop.categories(true).unwrap().is_empty());
    assert_eq!(t.shop.categories(false).unwrap().len(), 1);
    assert_eq!(
        t.shop.products_on_sale(cat, None, 0).unwrap_err().kind(),
        "invalid.page_size"
    );
}

#[test]
fn categories_sort_and_refuse_deletion_while_full() {
    let t = TestShop::new();
    let owner = t.owner();
    let b = t.shop.create_category(&owner, "B", 2).unwrap();
    let a = t.shop.create_category(&owner, "A", 1).unwrap();
    let c = t.shop.create_category(&owner, "C", -1).unwrap();
    let order: Vec<_> = t
        .shop
        .categories(false)
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(order, vec![c.id, a.id, b.id]);
    t.shop
        .update_category(&owner, c.id, CategoryChange::SortOrder(5))
        .unwrap();
    let order: Vec<_> = t
        .shop
        .categories(false)
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(order, vec![a.id, b.id, c.id]);
    t.shop
        .create_product(&owner, &new_product(a.id, "X", "1"))
        .unwrap();
    let err = refused(&t, || t.shop.delete_category(&owner, a.id));
    assert!(
        matches!(
            err,
            Error::Catalog(CatalogError::CategoryNotEmpty { products: 1, .. })
        ),
        "{err}"
    );
    assert!(t.shop.verify().unwrap().is_healthy());
}

#[test]
fn code_pools_are_counted_deduplicated_revoked_and_secret() {
    let (t, cat) = shop_with_category();
    let owner = t.owner();
    let mut new = new_product(cat, "Steam $10", "10");
    new.delivery = Delivery::Codes;
    let p = t.shop.create_product(&owner, &new).unwrap();
    assert!(!p.on_sale(), "an empty pool is out of stock");

    // A code repeated within an upload refuses the whole upload, naming the count.
    let err = refused(&t, || {
        t.shop.add_codes(
            &owner,
            p.id,
            &["AAAA-1111", "", "BBBB-2222", "AAAA-1111", " CCCC-3333 "],
        )
    });
    assert_eq!(err.kind(), "catalog.duplicate_codes");
    assert!(err.to_string().starts_with("1 of these codes"), "{err}");
    let added = t
        .shop
        .add_codes(&owner, p.id, &["AAAA-1111", "", "BBBB-2222", " CCCC-3333 "])
        .unwrap();
    assert_eq!((added.added, added.available), (3, 3));
    // So does a code already in the pool.
    let err = refused(&t, || {
        t.shop.add_codes(&owner, p.id, &["BBBB-2222", "DDDD-4444"])
    });
    assert_eq!(err.kind(), "catalog.duplicate_codes");
    let again = t.shop.add_codes(&owner, p.id, &["DDDD-4444"]).unwrap();
    assert_eq!((again.added, again.available), (1, 4));
    let product = t.shop.product(p.id).unwrap().unwrap();
    assert_eq!(product.available(), Some(4));
    assert!(product.on_sale());

    // Codes never appear in the audit log.
    let entry = last_audit(&t);
    assert_eq!(entry.action, AuditAction::AddCodes);
    let text = format!("{entry:?}");
    assert!(!text.contains("DDDD") && !text.contains("BBBB"), "{text}");

    // Stock comes from the pool; delivery can't change while codes remain; nor can it be deleted.
    let err = refused(&t, || {
        t.shop
            .update_product(&owner, p.id, ProductChange::Stock(Stock::Limited(9)))
    });
    assert_eq!(err.kind(), "catalog.stock_from_codes");
    let err = refused(&t, || {
        t.shop
            .update_product(&owner, p.id, ProductChange::Delivery(Delivery::Manual))
    });
    assert_eq!(err.kind(), "catalog.codes_in_pool");
    let err = refused(&t, || t.shop.delete_product(&owner, p.id));
    assert_eq!(err.kind(), "catalog.codes_in_pool");

    // Bad uploads change nothing.
    let long = "c".repeat(201);
    assert_eq!(
        refused(&t, || t.shop.add_codes(&owner, p.id, &["OK", &long])).kind(),
        "catalog.bad_code"
    );
    assert_eq!(
        refused(&t, || t.shop.add_codes(&owner, p.id, &["OK", "bad\u{7}"])).kind(),
        "catalog.bad_code"
    );
    assert_eq!(
        refused(&t, || t.shop.add_codes(&owner, p.id, &["", "  "])).kind(),
        "catalog.no_codes"
    );
    let many: Vec<String> = (0..5_001).map(|i| format!("C{i}")).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    assert_eq!(
        refused(&t, || t.shop.add_codes(&owner, p.id, &many)).kind(),
        "catalog.too_many_codes"
    );

    assert_eq!(
        t.shop
            .revoke_codes(&owner, p.id, &["BBBB-2222", "NOPE"])
            .unwrap(),
        1
    );
    assert_eq!(t.shop.product(p.id).unwrap().unwrap().codes_available, 3);
    assert!(t.shop.verify().unwrap().is_healthy());
    assert_eq!(t.shop.revoke_all_codes(&owner, p.id).unwrap(), 3);
    assert_eq!(t.shop.product(p.id).unwrap().unwrap().codes_available, 0);
    // A revoked code can never be uploaded again (a code enters a pool once, ever).
    assert_eq!(
        refused(&t, || t.shop.add_codes(&owner, p.id, &["BBBB-2222"])).kind(),
        "catalog.duplicate_codes"
    );
    assert!(t.shop.verify().unwrap().is_healthy());

    let manual = t
        .shop
        .create_product(&owner, &new_product(cat, "Manual", "1"))
        .unwrap();
    assert_eq!(
        refused(&t, || t.shop.add_codes(&owner, manual.id, &["X"])).kind(),
        "catalog.not_a_codes_product"
    );
    assert_eq!(
        refused(&t, || t.shop.revoke_codes(&owner, manual.id, &["X"])).kind(),
        "catalog.not_a_codes_product"
    );
}

#[test]
fn emergency_refuses_catalog_changes_maintenance_does_not() {
    let (t, cat) = shop_with_category();
    let owner = t.owner();
    let p = t
        .shop
        .create_product(&owner, &new_product(cat, "X", "5"))
        .unwrap();
    t.shop
        .set_store_state(&owner, StoreState::Maintenance, None)
        .unwrap();
    t.shop
        .update_product(&owner, p.id, ProductChange::Price(money("6")))
        .unwrap();
    t.shop
        .create_product(&owner, &new_product(cat, "Y", "5"))
        .unwrap();
    t.shop
        .set_store_state(&owner, StoreState::Emergency, None)
        .unwrap();
    let emergency = |e: Error| assert_eq!(e.kind(), "mode.emergency");
    emergency(refused(&t, || {
        t.shop
            .update_product(&owner, p.id, ProductChange::Price(money("7")))
    }));
    emergency(refused(&t, || {
        t.shop.create_product(&owner, &new_product(cat, "Z", "5"))
    }));
    emergency(refused(&t, || t.shop.delete_product(&owner, p.id)));
    emergency(refused(&t, || t.shop.create_category(&owner, "C", 0)));
    emergency(refused(&t, || {
        t.shop
            .update_category(&owner, cat, CategoryChange::Name("N".into()))
    }));
    // Reads still work.
    assert_eq!(t.shop.product(p.id).unwrap().unwrap().price_usd, money("6"));
    assert_eq!(
        t.shop
            .list_products(&owner, &ProductFilter::default(), None, 10)
            .unwrap()
            .products
            .len(),
        2
    );
}

#[test]
fn catalog_survives_reopen() {
    let (t, cat) = shop_with_category();
    let mut new = new_product(cat, "Codes", "3");
    new.delivery = Delivery::Codes;
    let p = t.shop.create_product(&t.owner(), &new).unwrap();
    t.shop.add_codes(&t.owner(), p.id, &["A1", "A2"]).unwrap();
    let digest = t.digest();
    let t = t.reopen();
    assert_eq!(t.digest(), digest);
    assert_eq!(t.shop.product(p.id).unwrap().unwrap().codes_available, 2);
    // Ids keep counting after a reopen.
    let next = t
        .shop
        .create_product(&t.owner(), &new_product(cat, "Next", "1"))
        .unwrap();
    assert_eq!(next.id.get(), p.id.get() + 1);
    assert!(t.shop.verify().unwrap().is_healthy());
}

/// A raw pool chunk: its key and its slots.
type RawChunk = (Vec<u8>, Vec<Option<String>>);

/// Keys of the raw `code_chunks` table of the closed shop `t`, each with its slots (a code
/// or `None`); returns the shop reopened.
fn code_chunks(t: TestShop) -> (TestShop, Vec<RawChunk>) {
    let path = t.path();
    let TestShop { shop, clock, dir } = t;
    drop(shop);
    let chunks = {
        let raw = crate::common::RawStore::open(&path);
        assert_eq!(raw.table("codes").len(), 0, "no record per code");
        raw.table("code_chunks")
            .iter()
            .map(|item| {
                let (k, v) = item.unwrap();
                let slots: Vec<Option<(String, i64)>> = crate::tampering::decode(&v);
                (
                    k.to_vec(),
                    slots.into_iter().map(|s| s.map(|c| c.0)).collect(),
                )
            })
            .collect()
    };
    let shop = shopcore::Shop::open(&path, crate::common::config(&clock)).unwrap();
    (TestShop { shop, clock, dir }, chunks)
}

#[test]
fn code_pools_are_kept_in_chunks_of_64() {
    let (t, cat) = shop_with_category();
    let owner = t.owner();
    let mut new = new_product(cat, "Gift card", "5");
    new.delivery = Delivery::Codes;
    let p = t.shop.create_product(&owner, &new).unwrap().id;
    let codes: Vec<String> = (0..130).map(|i| format!("CODE-{i:04}")).collect();
    let refs: Vec<&str> = codes.iter().map(String::as_str).collect();
    t.shop.add_codes(&owner, p, &refs).unwrap();
    let (t, chunks) = code_chunks(t);
    let sizes: Vec<usize> = chunks.iter().map(|(_, slots)| slots.len()).collect();
    assert_eq!(
        sizes,
        [64, 64, 2],
        "an upload of 130 codes writes three records"
    );
    assert_eq!(chunks[0].1[0].as_deref(), Some("CODE-0000"));
    assert_eq!(chunks[2].1[1].as_deref(), Some("CODE-0129"));
    // Selling the first 64 codes empties the first chunk, which goes; a revoked code in the
    // second leaves a hole; the pool and every fate still agree.
    t.user(10, None);
    t.shop
        .adjust_balance(
            &owner,
            crate::common::uid(10),
            money("1000"),
            "gift",
            &crate::common::key("gift"),
        )
        .unwrap();
    let shopper = t.shop.actor(crate::common::uid(10)).unwrap();
    for i in 0..64 {
        let order = t
            .shop
            .create_order(
                &shopper,
                &crate::orders::by_balance(p),
                &crate::common::key(&format!("o{i}")),
            )
            .unwrap();
        t.shop
            .complete_order(
                &owner,
                order.id,
                None,
                &crate::common::key(&format!("c{i}")),
            )
            .unwrap();
    }
    assert_eq!(t.shop.revoke_codes(&owner, p, &["CODE-0070"]).unwrap(), 1);
    let (t, chunks) = code_chunks(t);
    assert_eq!(chunks.len(), 2);
    assert_eq!(chunks[0].1[70 - 64], None);
    assert_eq!(
        chunks[0].1.iter().filter(|c| c.is_some()).count(),
        63,
        "the revoked code left a hole"
    );
    let product = t.shop.product(p).unwrap().unwrap();
    assert_eq!(product.codes_available, 130 - 64 - 1);
    let report = t.shop.verify().unwrap();
    assert!(report.is_healthy(), "{report}");
}

#[test]
fn verify_finds_pool_codes_moved_between_slots() {
    let (t, cat) = shop_with_category();
    let owner = t.owner();
    let mut new = new_product(cat, "Gift card", "5");
    new.delivery = Delivery::Codes;
    let p = t.shop.create_product(&owner, &new).unwrap().id;
    t.shop.add_codes(&owner, p, &["A-1", "B-2", "C-3"]).unwrap();
    assert!(t.shop.verify().unwrap().is_healthy());
    let path = t.path();
    let TestShop { shop, clock, dir } = t;
    drop(shop);
    {
        // The first two codes swapped: the pool holds the same codes, in the wrong slots.
        use crate::tampering::{decode, encode};
        let raw = crate::common::RawStore::open(&path);
        let table = raw.table("code_chunks");
        let (k, v) = table.iter().next().unwrap().unwrap();
        let mut slots: Vec<Option<(String, i64)>> = decode(&v);
        slots.swap(0, 1);
        table.insert(k, encode(&slots)).unwrap();
    }
    crate::common::assert_verify_reports(
        &path,
        &clock,
        "a code in the pool of product #1 is recorded as",
    );
    drop(dir);
}

#[test]
fn a_page_token_that_is_no_position_of_its_listing_is_refused() {
    let (t, cat) = shop_with_category();
    let owner = t.owner();
    let mut ids = Vec::new();
    for i in 0..3 {
        let name = format!("Card {i}");
        ids.push(
            t.shop
                .create_product(&owner, &new_product(cat, &name, "1"))
                .unwrap()
                .id,
        );
    }
    let before = t.digest();
    let staff_page = t
        .shop
        .list_products(&owner, &ProductFilter::default(), None, 1)
        .unwrap();
    let staff_token = staff_page.next.unwrap().to_token();
    let shop_page = t.shop.products_on_sale(cat, None, 1).unwrap();
    let shop_token = shop_page.next.unwrap().to_token();
    // Well-formed hex, but not a key of either listing (an id 0, a truncated key), or a
    // position of the other listing: a clear refusal, not a page from somewhere else.
    for token in ["00", "0000000000000000", &shop_token] {
        let cursor = ProductCursor::from_token(token).unwrap();
        let err = t
            .shop
            .list_products(&owner, &ProductFilter::default(), Some(&cursor), 5)
            .unwrap_err();
        assert_eq!(err.kind(), "invalid.unknown_name", "{token}: {err}");
    }
    for token in ["00", &staff_token] {
        let cursor = ProductCursor::from_token(token).unwrap();
        let err = t.shop.products_on_sale(cat, Some(&cursor), 5).unwrap_err();
        assert_eq!(err.kind(), "invalid.unknown_name", "{token}: {err}");
    }
    // Each listing's own token still works.
    let cursor = ProductCursor::from_token(&staff_token).unwrap();
    let rest = t
        .shop
        .list_products(&owner, &ProductFilter::default(), Some(&cursor), 5)
        .unwrap();
    assert_eq!(
        rest.products.iter().map(|p| p.id).collect::<Vec<_>>(),
        ids[1..]
    );
    assert_eq!(t.digest(), before, "reading changed nothing");
}

#[test]
fn shoppers_search_products_by_name_whatever_the_spelling() {
    let t = crate::common::TestShop::new();
    let owner = t.owner();
    let games = t.shop.create_category(&owner, "Games", 0).unwrap();
    let cards = t.shop.create_category(&owner, "Cards", 1).unwrap();
    let add = |category, name: &str| {
        t.shop
            .create_product(&owner, &crate::common::new_product(category, name, "1"))
            .unwrap()
    };
    let pubg60 = add(games.id, "PUBG Mobile 60 UC");
    let pubg660 = add(games.id, "PUBG Mobile 660 UC");
    let google = add(cards.id, "بطاقة جوجل بلاي ٢٥ دولار");
    let amazon = add(cards.id, "أمازون 10$");
    let ids = |query: &str| -> Vec<u64> {
        t.shop
            .search_products(query, 10)
            .unwrap()
            .iter()
            .map(|p| p.id.get())
            .collect()
    };
    assert_eq!(ids("pubg"), vec![pubg60.id.get(), pubg660.id.get()]);
    assert_eq!(ids("PUBG 660"), vec![pubg660.id.get()]);
    assert_eq!(ids("mob 60"), vec![pubg60.id.get()]);
    // Arabic: taa marbuta, hamza forms, Arabic-Indic digits, tatweel and diacritics.
    assert_eq!(ids("بطاقه"), vec![google.id.get()]);
    assert_eq!(ids("جـوجل 25"), vec![google.id.get()]);
    assert_eq!(ids("امازون"), vec![amazon.id.get()]);
    assert_eq!(ids("أَمازون"), vec![amazon.id.get()]);
    assert!(ids("fortnite").is_empty());
    assert!(ids("!!!").is_empty());
    // Renamed, switched off, deleted: the index follows.
    t.shop
        .update_product(
            &owner,
            pubg60.id,
            shopcore::ProductChange::Name("Free Fire 100 diamonds".into()),
        )
        .unwrap();
    assert_eq!(ids("pubg"), vec![pubg660.id.get()]);
    assert_eq!(ids("free fire"), vec![pubg60.id.get()]);
    t.shop
        .update_product(&owner, pubg660.id, shopcore::ProductChange::Active(false))
        .unwrap();
    assert!(ids("pubg").is_empty());
    t.shop
        .update_category(&owner, cards.id, shopcore::CategoryChange::Active(false))
        .unwrap();
    assert!(ids("amazon").is_empty() && ids("امازون").is_empty());
    // Bad queries are refused; a bad page size too.
    assert!(t.shop.search_products("", 10).is_err());
    assert!(t.shop.search_products(&"x".repeat(101), 10).is_err());
    assert!(t.shop.search_products("a\u{7}", 10).is_err());
    assert!(t.shop.search_products("pubg", 0).is_err());
    let t = t.reopen();
    assert_eq!(
        t.shop
            .search_products("free", 5)
            .unwrap()
            .iter()
            .map(|p| p.id)
            .collect::<Vec<_>>(),
        vec![pubg60.id]
    );
    assert!(t.shop.verify().unwrap().is_healthy());
}

#[test]
fn a_product_photo_is_a_reference_set_changed_and_removed_with_the_product() {
    let (t, cat) = shop_with_category();
    let owner = t.owner();
    let product = t
        .shop
        .create_product(&owner, &new_product(cat, "Gift card", "25"))
        .unwrap();
    assert_eq!(t.shop.product_photo(product.id).unwrap(), None);
    let photo = t
        .shop
        .set_product_photo(&owner, product.id, Some("AgACAgQAAxkBAAIBQ2Z-photo-1"))
        .unwrap()
        .expect("set");
    assert_eq!(photo.reference, "AgACAgQAAxkBAAIBQ2Z-photo-1");
    assert_eq!(t.shop.product_photo(product.id).unwrap(), Some(photo));
    let audit = last_audit(&t);
    assert_eq!(audit.action, AuditAction::UpdateProduct);
    assert_eq!(audit.target, Target::Product(product.id));
    assert!(
        audit.details.iter().any(|d| d.field == "photo"
            && d.before.as_deref() == Some("none")
            && d.after.as_deref() == Some("set")),
        "{audit:?}"
    );

    // Bad references, the same photo again, a missing product: refused, nothing changed.
    for bad in ["", "line\nbreak", "bell\u{7}", &"x".repeat(201)] {
        refused(&t, || {
            t.shop.set_product_photo(&owner, product.id, Some(bad))
        });
    }
    let same = refused(&t, || {
        t.shop
            .set_product_photo(&owner, product.id, Some("AgACAgQAAxkBAAIBQ2Z-photo-1"))
    });
    assert_eq!(same.kind(), "invalid.unchanged");
    let missing = refused(&t, || {
        t.shop
            .set_product_photo(&owner, ProductId::new(999).unwrap(), Some("p"))
    });
    assert_eq!(missing.kind(), "catalog.product_not_found");
    // A shopper may not.
    let shopper = t.staff(77, Role::User);
    let denied = refused(&t, || {
        t.shop
            .set_product_photo(&shopper, product.id, Some("other"))
    });
    assert!(matches!(
        denied,
        Error::Denied(Denied::MissingPermission { .. })
    ));

    // Replaced, then removed.
    t.shop
        .set_product_photo(&owner, product.id, Some("second"))
        .unwrap();
    assert_eq!(
        t.shop.product_photo(product.id).unwrap().unwrap().reference,
        "second"
    );
    assert_eq!(
        t.shop.set_product_photo(&owner, product.id, None).unwrap(),
        None
    );
    assert_eq!(t.shop.product_photo(product.id).unwrap(), None);
    let none_again = refused(&t, || t.shop.set_product_photo(&owner, product.id, None));
    assert_eq!(none_again.kind(), "invalid.unchanged");

    // Deleting the product (never ordered) removes its photo too; verify() stays clean.
    t.shop
        .set_product_photo(&owner, product.id, Some("third"))
        .unwrap();
    assert!(t.shop.verify().unwrap().is_healthy());
    assert_eq!(t.shop.delete_product(&owner, product.id).unwrap(), None);
    assert_eq!(t.shop.product_photo(product.id).unwrap(), None);
    assert!(t.shop.verify().unwrap().is_healthy());
    // The photo survives a restart.
    let kept = t
        .shop
        .create_product(&owner, &new_product(cat, "Card", "5"))
        .unwrap();
    t.shop
        .set_product_photo(&owner, kept.id, Some("kept"))
        .unwrap();
    let t = t.reopen();
    assert_eq!(
        t.shop.product_photo(kept.id).unwrap().unwrap().reference,
        "kept"
    );
}
