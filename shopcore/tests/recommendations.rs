//! Recommendations (`Shop::recommendations`): "shoppers who bought this also bought", from
//! co-purchase roll-ups kept as orders complete; never what is off sale, out of stock or in
//! a hidden category; checked by `verify()`. Runs on both backends.

use crate::common::{TestShop, buy_completed, new_product};
use shopcore::{CategoryChange, ProductChange, ProductId, Stock};

fn assert_healthy(t: &TestShop) {
    let report = t.shop.verify().expect("verify");
    assert!(report.is_healthy(), "{report}");
}

fn names(t: &TestShop, product: ProductId) -> Vec<String> {
    t.shop
        .recommendations(product, 5)
        .unwrap()
        .into_iter()
        .map(|p| p.name)
        .collect()
}

#[test]
fn shoppers_who_bought_this_also_bought_most_often_first() {
    let t = TestShop::new();
    let owner = t.owner();
    let games = t.shop.create_category(&owner, "Games", 0).unwrap().id;
    let cards = t.shop.create_category(&owner, "Cards", 1).unwrap().id;
    let mut ids = Vec::new();
    for (cat, name) in [
        (games, "PUBG"),
        (games, "Free Fire"),
        (cards, "Steam"),
        (games, "Roblox"),
    ] {
        ids.push(
            t.shop
                .create_product(&owner, &new_product(cat, name, "5"))
                .unwrap()
                .id,
        );
    }
    let [pubg, ff, steam, roblox] = ids[..] else {
        unreachable!()
    };
    assert!(names(&t, pubg).is_empty());
    // Three shoppers buy PUBG and Free Fire, one PUBG and Steam, one PUBG and Roblox twice.
    for (user, k) in [(10, "a"), (11, "b"), (12, "c")] {
        buy_completed(&t, user, pubg, &format!("{k}1"));
        buy_completed(&t, user, ff, &format!("{k}2"));
    }
    buy_completed(&t, 13, steam, "d1");
    buy_completed(&t, 13, pubg, "d2");
    buy_completed(&t, 14, pubg, "e1");
    buy_completed(&t, 14, roblox, "e2");
    buy_completed(&t, 14, roblox, "e3");
    assert_eq!(names(&t, pubg)[0], "Free Fire");
    assert_eq!(names(&t, pubg).len(), 3);
    assert_eq!(names(&t, ff), ["PUBG"]);
    assert_eq!(names(&t, steam), ["PUBG"]);
    // A repeated purchase counts once: Roblox is with PUBG once, not twice.
    assert_eq!(
        t.shop.recommendations(pubg, 2).unwrap().len(),
        2,
        "the limit is kept"
    );
    assert_healthy(&t);

    // Never what can't be bought: out of stock, switched off, in a hidden category.
    t.shop
        .update_product(&owner, ff, ProductChange::Stock(Stock::Limited(0)))
        .unwrap();
    assert!(!names(&t, pubg).contains(&"Free Fire".to_owned()));
    t.shop
        .update_product(&owner, roblox, ProductChange::Active(false))
        .unwrap();
    assert!(!names(&t, pubg).contains(&"Roblox".to_owned()));
    t.shop
        .update_category(&owner, cards, CategoryChange::Active(false))
        .unwrap();
    assert!(names(&t, pubg).is_empty(), "{:?}", names(&t, pubg));
    // Bad limits are refused.
    assert!(t.shop.recommendations(pubg, 0).is_err());
    assert!(t.shop.recommendations(pubg, 11).is_err());
    assert_healthy(&t);
    let t = t.reopen();
    assert_healthy(&t);
}

#[test]
fn a_basket_keeps_the_last_eight_products_and_verify_recomputes_it() {
    let t = TestShop::new();
    let owner = t.owner();
    let cat = t.shop.create_category(&owner, "All", 0).unwrap().id;
    let products: Vec<ProductId> = (0..10)
        .map(|i| {
            t.shop
                .create_product(&owner, &new_product(cat, &format!("P{i}"), "1"))
                .unwrap()
                .id
        })
        .collect();
    for (i, p) in products.iter().enumerate() {
        buy_completed(&t, 10, *p, &format!("o{i}"));
    }
    // P9 was bought with the 8 before it, not with P0 (out of the basket by then).
    let with_last = names(&t, products[9]);
    assert_eq!(with_last.len(), 5);
    assert!(
        !t.shop
            .recommendations(products[9], 10)
            .unwrap()
            .iter()
            .any(|p| p.id == products[0])
    );
    assert_healthy(&t);
}
