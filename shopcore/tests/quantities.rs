//! Orders of several units: the limit per order staff set, every unit's code or stock
//! reserved together (all or none), coupons per unit, release and delivery of every unit,
//! revocation of one unit's code, and `verify()` over each code's fate.

use crate::common::{key, last_audit, money, refused, uid};
use crate::orders::{product, shop};
use shopcore::coupons::{CouponKind, CouponScope, NewCoupon};
use shopcore::{AuditAction, Delivery, FulfilmentMode, OrderRequest, OrderStatus, Role, Stock};

#[test]
fn staff_set_the_limit_per_order_within_bounds_and_it_is_audited() {
    let s = shop();
    let t = &s.t;
    let owner = t.owner();
    let p = product(&s, "Gift card", "5", Delivery::Manual, Stock::Limited(10));
    assert_eq!(t.shop.order_limit(p).unwrap(), 1, "one unit unless raised");
    for bad in [0, 101] {
        let err = refused(t, || t.shop.set_order_limit(&owner, p, bad));
        assert_eq!(err.kind(), "catalog.bad_order_limit", "{bad}: {err}");
    }
    let err = refused(t, || t.shop.set_order_limit(&owner, p, 1));
    assert_eq!(err.kind(), "invalid.unchanged");
    let err = refused(t, || t.shop.set_order_limit(&s.shopper, p, 5));
    assert_eq!(err.kind(), "denied.missing_permission");
    let err = refused(t, || t.shop.set_order_limit(&s.support, p, 5));
    assert_eq!(err.kind(), "denied.missing_permission");
    assert_eq!(t.shop.set_order_limit(&owner, p, 5).unwrap(), 5);
    assert_eq!(t.shop.order_limit(p).unwrap(), 5);
    let entry = last_audit(t);
    assert_eq!(entry.action, AuditAction::UpdateProduct);
    assert!(
        format!("{:?}", entry.details).contains("per_order"),
        "{entry:?}"
    );
    // Back to 1 removes the record; a deleted product takes its limit with it.
    t.shop.set_order_limit(&owner, p, 1).unwrap();
    assert_eq!(t.shop.order_limit(p).unwrap(), 1);
    t.shop.set_order_limit(&owner, p, 3).unwrap();
    t.shop.delete_product(&owner, p).unwrap();
    assert!(t.shop.verify().unwrap().is_healthy());
}

#[test]
fn a_quantity_outside_the_limit_or_the_stock_is_refused_with_nothing_changed() {
    let s = shop();
    let t = &s.t;
    let owner = t.owner();
    let p = product(&s, "Gift card", "5", Delivery::Manual, Stock::Limited(4));
    // The default limit is one unit.
    let err = refused(t, || {
        t.shop
            .create_order(&s.shopper, &OrderRequest::from_balance(p, 2), &key("a"))
    });
    assert_eq!(err.kind(), "order.bad_quantity");
    assert!(err.to_string().contains("between 1 and 1"), "{err}");
    t.shop.set_order_limit(&owner, p, 6).unwrap();
    for (quantity, kind) in [
        (0, "order.bad_quantity"),
        (7, "order.bad_quantity"),
        (u32::MAX, "order.bad_quantity"),
        (5, "order.not_enough_stock"),
    ] {
        let err = refused(t, || {
            t.shop
                .quote(&s.shopper, &OrderRequest::from_balance(p, quantity))
        });
        assert_eq!(err.kind(), kind, "quote of {quantity}: {err}");
        let err = refused(t, || {
            t.shop.create_order(
                &s.shopper,
                &OrderRequest::from_balance(p, quantity),
                &key(&format!("q{quantity}")),
            )
        });
        assert_eq!(err.kind(), kind, "order of {quantity}: {err}");
    }
    let err = refused(t, || {
        t.shop
            .create_order(&s.shopper, &OrderRequest::from_balance(p, 5), &key("five"))
    });
    assert!(err.to_string().contains("only 4"), "{err}");
    // A balance that covers one unit but not three.
    t.user(11, Some("light"));
    t.shop
        .adjust_balance(&owner, uid(11), money("12"), "float", &key("f11"))
        .unwrap();
    let light = t.shop.actor(uid(11)).unwrap();
    let err = refused(t, || {
        t.shop
            .create_order(&light, &OrderRequest::from_balance(p, 3), &key("l3"))
    });
    assert_eq!(err.kind(), "wallet.insufficient_balance");
}

#[test]
fn units_of_stock_are_taken_together_and_given_back_together() {
    let s = shop();
    let t = &s.t;
    let owner = t.owner();
    let p = product(&s, "Gift card", "2.50", Delivery::Manual, Stock::Limited(5));
    t.shop.set_order_limit(&owner, p, 4).unwrap();
    let quote = t
        .shop
        .quote(&s.shopper, &OrderRequest::from_balance(p, 3))
        .unwrap();
    assert_eq!(quote.quantity, 3);
    assert_eq!(quote.unit_price_usd(), money("2.50"));
    assert_eq!(quote.total_usd, money("7.50"));
    let order = t
        .shop
        .create_order(&s.shopper, &OrderRequest::from_balance(p, 3), &key("o"))
        .unwrap();
    assert_eq!((order.quantity, order.status), (3, OrderStatus::Paid));
    assert_eq!(order.price_usd, money("7.50"));
    assert_eq!(order.unit_price_usd(), money("2.50"));
    assert_eq!(t.shop.balance(uid(10)).unwrap(), money("92.50"));
    assert_eq!(t.shop.product(p).unwrap().unwrap().available(), Some(2));
    // The same key again is the same order; another quantity under it is refused.
    assert_eq!(
        t.shop
            .create_order(&s.shopper, &OrderRequest::from_balance(p, 3), &key("o"))
            .unwrap()
            .id,
        order.id
    );
    let err = refused(t, || {
        t.shop
            .create_order(&s.shopper, &OrderRequest::from_balance(p, 2), &key("o"))
    });
    assert_eq!(err.kind(), "invalid.request_key_reused");
    t.shop
        .fail_order(&s.support, order.id, "out of cards", &key("f"))
        .unwrap();
    assert_eq!(t.shop.balance(uid(10)).unwrap(), money("100"));
    assert_eq!(t.shop.product(p).unwrap().unwrap().available(), Some(5));
    assert!(t.shop.verify().unwrap().is_healthy());
}

#[test]
fn a_coupon_takes_its_discount_off_each_unit_and_its_minimum_is_per_unit() {
    let s = shop();
    let t = &s.t;
    let owner = t.owner();
    let p = product(&s, "Gift card", "2.50", Delivery::Manual, Stock::Unlimited);
    t.shop.set_order_limit(&owner, p, 10).unwrap();
    for (code, kind, min) in [
        ("TENOFF", CouponKind::Percentage(10.into()), None),
        ("ONEOFF", CouponKind::Fixed(money("1")), None),
        ("BIGONLY", CouponKind::Fixed(money("1")), Some(money("3"))),
        ("HUGE", CouponKind::Fixed(money("9")), None),
    ] {
        t.shop
            .create_coupon(
                &owner,
                &NewCoupon {
                    code: code.into(),
                    kind,
                    max_uses: 5,
                    uses_per_user: 5,
                    min_order_usd: min,
                    expires_at: None,
                    scope: CouponScope::All,
                },
            )
            .unwrap();
    }
    let with = |coupon: &str, quantity| shopcore::OrderRequest {
        coupon: Some(coupon.into()),
        ..OrderRequest::from_balance(p, quantity)
    };
    // 10% of 2.50 is 0.25 a unit.
    let q = t.shop.quote(&s.shopper, &with("TENOFF", 3)).unwrap();
    assert_eq!(
        (q.discount_usd, q.total_usd),
        (money("0.75"), money("6.75"))
    );
    // 1.00 off each unit.
    let q = t.shop.quote(&s.shopper, &with("ONEOFF", 4)).unwrap();
    assert_eq!((q.discount_usd, q.total_usd), (money("4"), money("6")));
    // A discount above the unit's price takes the unit's price, each unit.
    let q = t.shop.quote(&s.shopper, &with("HUGE", 2)).unwrap();
    assert_eq!((q.discount_usd, q.total_usd), (money("5"), money("0")));
    // The minimum is one unit's price: four units of 2.50 don't make a 3.00 unit.
    let err = refused(t, || t.shop.quote(&s.shopper, &with("BIGONLY", 4)));
    assert_eq!(err.kind(), "coupon.below_minimum");
    // An order counts one use of the coupon, whatever its quantity.
    let order = t
        .shop
        .create_order(&s.shopper, &with("ONEOFF", 4), &key("c"))
        .unwrap();
    assert_eq!(order.total_usd, money("6"));
    assert_eq!(t.shop.coupon("ONEOFF").unwrap().unwrap().uses, 1);
    assert!(t.shop.verify().unwrap().is_healthy());
}

#[test]
fn every_units_code_is_delivered_together_or_none_is_taken() {
    let s = shop();
    let t = &s.t;
    let owner = t.owner();
    let p = product(&s, "Steam $5", "5", Delivery::Codes, Stock::Unlimited);
    t.shop.set_order_limit(&owner, p, 5).unwrap();
    t.shop
        .add_codes(&owner, p, &["C-1", "C-2", "C-3", "C-4"])
        .unwrap();
    // Five units from a pool of four: refused, the pool untouched.
    let err = refused(t, || {
        t.shop
            .create_order(&s.shopper, &OrderRequest::from_balance(p, 5), &key("five"))
    });
    assert_eq!(err.kind(), "order.not_enough_stock");
    assert_eq!(t.shop.product(p).unwrap().unwrap().codes_available, 4);

    // MANUAL mode: three codes are reserved, sealed; staff complete with a note.
    let order = t
        .shop
        .create_order(&s.shopper, &OrderRequest::from_balance(p, 3), &key("three"))
        .unwrap();
    assert!(order.holds_code());
    assert!(
        !format!("{order:?}").contains("C-"),
        "reserved codes are sealed"
    );
    assert!(
        !serde_json::to_string(&order).unwrap().contains("C-"),
        "and not in JSON"
    );
    assert_eq!(t.shop.product(p).unwrap().unwrap().codes_available, 1);
    assert!(t.shop.verify().unwrap().is_healthy());
    let done = t
        .shop
        .complete_order(&s.support, order.id, Some("enjoy"), &key("done"))
        .unwrap();
    assert_eq!(done.delivery.as_deref(), Some("C-1\nC-2\nC-3\nenjoy"));
    assert!(!done.holds_code());
    assert!(t.shop.verify().unwrap().is_healthy());

    // AUTO mode: delivered at once, every code on its own line.
    t.shop.add_codes(&owner, p, &["C-5", "C-6"]).unwrap();
    t.shop
        .set_fulfilment_mode(&owner, FulfilmentMode::Auto)
        .unwrap();
    let auto = t
        .shop
        .create_order(&s.shopper, &OrderRequest::from_balance(p, 2), &key("two"))
        .unwrap();
    assert_eq!(auto.status, OrderStatus::Completed);
    assert_eq!(auto.delivery.as_deref(), Some("C-4\nC-5"));
    assert_eq!(t.shop.balance(uid(10)).unwrap(), money("75"));
    // The best sellers count units: three and two.
    let dashboard = t
        .shop
        .dashboard(&owner, shopcore::DashboardOptions::default())
        .unwrap();
    let best = &dashboard.best_by_units[0];
    assert_eq!((best.product, best.units), (p, 5));
    assert_eq!(best.revenue, money("25"));
    // A delivered code is never uploaded again.
    let err = refused(t, || t.shop.add_codes(&owner, p, &["C-2", "C-5"]));
    assert_eq!(err.kind(), "catalog.duplicate_codes");
    assert!(t.shop.verify().unwrap().is_healthy());
}

#[test]
fn a_failed_order_gives_every_code_back_and_a_revoked_one_is_replaced_or_the_order_goes_to_staff_whole()
 {
    let s = shop();
    let t = &s.t;
    let owner = t.owner();
    let p = product(&s, "Steam $5", "5", Delivery::Codes, Stock::Unlimited);
    t.shop.set_order_limit(&owner, p, 3).unwrap();
    t.shop
        .add_codes(&owner, p, &["K-1", "K-2", "K-3", "K-4"])
        .unwrap();
    let order = t
        .shop
        .create_order(&s.shopper, &OrderRequest::from_balance(p, 3), &key("o"))
        .unwrap();
    // Revoking one of its codes while the pool has another: the order takes it.
    assert_eq!(t.shop.revoke_codes(&owner, p, &["K-2"]).unwrap(), 1);
    let after = t.shop.order(&owner, order.id).unwrap();
    assert!(after.holds_code());
    assert_eq!(after.fulfilment, shopcore::Fulfilment::Codes);
    assert_eq!(t.shop.product(p).unwrap().unwrap().codes_available, 0);
    assert!(t.shop.verify().unwrap().is_healthy());
    // Failing it gives all three back.
    t.shop
        .fail_order(&s.support, order.id, "wrong region", &key("f"))
        .unwrap();
    assert_eq!(t.shop.product(p).unwrap().unwrap().codes_available, 3);
    assert_eq!(t.shop.balance(uid(10)).unwrap(), money("100"));
    assert!(t.shop.verify().unwrap().is_healthy());

    // With the pool empty, revoking one unit's code sends the order to staff whole: its
    // other codes go back to the pool, and staff deliver by hand.
    let order = t
        .shop
        .create_order(&s.shopper, &OrderRequest::from_balance(p, 3), &key("o2"))
        .unwrap();
    assert_eq!(t.shop.product(p).unwrap().unwrap().codes_available, 0);
    assert_eq!(t.shop.revoke_codes(&owner, p, &["K-3"]).unwrap(), 1);
    let after = t.shop.order(&owner, order.id).unwrap();
    assert!(!after.holds_code());
    assert_eq!(after.fulfilment, shopcore::Fulfilment::Manual);
    assert_eq!(t.shop.product(p).unwrap().unwrap().codes_available, 2);
    assert!(t.shop.verify().unwrap().is_healthy());
    let err = refused(t, || {
        t.shop
            .complete_order(&s.support, order.id, None, &key("c0"))
    });
    assert_eq!(err.kind(), "order.delivery_required");
    t.shop
        .complete_order(
            &s.support,
            order.id,
            Some("three cards by email"),
            &key("c"),
        )
        .unwrap();
    // Revoking everything leaves nothing in the pool: the order's first code finds no
    // replacement, so its second goes back to the pool, where the same pass revokes it.
    let third = t
        .shop
        .create_order(&s.shopper, &OrderRequest::from_balance(p, 2), &key("o3"))
        .unwrap();
    assert_eq!(t.shop.revoke_all_codes(&owner, p).unwrap(), 2);
    assert_eq!(t.shop.product(p).unwrap().unwrap().codes_available, 0);
    let third = t.shop.order(&owner, third.id).unwrap();
    assert!(!third.holds_code());
    assert!(t.shop.verify().unwrap().is_healthy());
}

#[test]
fn an_operator_may_raise_a_limit() {
    let s = shop();
    let t = &s.t;
    let p = product(&s, "Gift card", "5", Delivery::Manual, Stock::Limited(3));
    let operator = t.staff(4, Role::Operator);
    assert_eq!(t.shop.set_order_limit(&operator, p, 2).unwrap(), 2);
}
