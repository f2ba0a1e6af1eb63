//! Orders: SEED pre-release tests 6, 7, 11 and 12, the seven validations in order, payment
//! through methods, expiry, code pools, suppliers with fallback and reconciliation, the
//! state machine, and refusals.

use crate::common::{TestShop, key, last_audit, money, new_method, new_product, refused, uid};
use shopcore::coupons::{CouponKind, CouponScope, NewCoupon};
use shopcore::orders::{TRANSITIONS, can_transition};
use shopcore::{
    Actor, AuditAction, Behaviour, CategoryId, Delivery, Fulfilment, FulfilmentMode, LedgerKind,
    OrderRequest, OrderStatus, PaymentChoice, PlayerField, PlayerIdRule, ProductChange, ProductId,
    Proof, Role, ScriptedSupplier, Stock, StoreState,
};
use std::time::Duration;

pub struct Shop {
    pub t: TestShop,
    pub cat: CategoryId,
    pub shopper: Actor,
    pub support: Actor,
}

pub fn shop() -> Shop {
    let t = TestShop::new();
    let cat = t.shop.create_category(&t.owner(), "Games", 0).unwrap().id;
    t.user(10, Some("buyer"));
    t.shop
        .adjust_balance(&t.owner(), uid(10), money("100"), "float", &key("float"))
        .unwrap();
    let shopper = t.shop.actor(uid(10)).unwrap();
    let support = t.staff(3, Role::Support);
    Shop {
        t,
        cat,
        shopper,
        support,
    }
}

pub fn product(s: &Shop, name: &str, price: &str, delivery: Delivery, stock: Stock) -> ProductId {
    let mut new = new_product(s.cat, name, price);
    new.delivery = delivery;
    new.stock = stock;
    s.t.shop.create_product(&s.t.owner(), &new).unwrap().id
}

pub fn by_balance(product: ProductId) -> OrderRequest {
    OrderRequest::from_balance(product, 1)
}

#[test]
fn seed_test_6_order_paid_from_balance() {
    let s = shop();
    let t = &s.t;
    let p = product(&s, "660 UC", "9.99", Delivery::Manual, Stock::Limited(5));
    let quote = t.shop.quote(&s.shopper, &by_balance(p)).unwrap();
    assert_eq!(
        (quote.price_usd, quote.discount_usd, quote.total_usd),
        (money("9.99"), money("0"), money("9.99"))
    );
    let before = t.digest();
    t.shop.quote(&s.shopper, &by_balance(p)).unwrap();
    assert_eq!(t.digest(), before, "a quote writes nothing");

    let order = t
        .shop
        .create_order(&s.shopper, &by_balance(p), &key("o1"))
        .unwrap();
    assert_eq!(order.status, OrderStatus::Paid);
    assert_eq!(order.fulfilment, Fulfilment::Manual);
    assert_eq!(
        (order.price_usd, order.total_usd),
        (money("9.99"), money("9.99"))
    );
    assert_eq!(
        (
            order.currency.as_str(),
            order.exchange_rate,
            order.price_local
        ),
        ("USD", money("1"), money("9.99"))
    );
    assert_eq!(t.shop.balance(uid(10)).unwrap(), money("90.01"));
    assert_eq!(t.shop.product(p).unwrap().unwrap().stock, Stock::Limited(4));
    let entry = &t.shop.ledger(&s.shopper, uid(10), None, 1).unwrap().entries[0];
    assert_eq!(
        (entry.kind, entry.amount),
        (LedgerKind::Purchase, money("-9.99"))
    );
    assert_eq!(last_audit(t).action, AuditAction::CreateOrder);
    // Replaying the creation returns the same order and charges nothing more.
    assert_eq!(
        t.shop
            .create_order(&s.shopper, &by_balance(p), &key("o1"))
            .unwrap(),
        order
    );
    assert_eq!(t.shop.balance(uid(10)).unwrap(), money("90.01"));

    // One open order at a time.
    let err = refused(t, || {
        t.shop.create_order(&s.shopper, &by_balance(p), &key("o2"))
    });
    assert_eq!(err.kind(), "order.open_order_exists");

    let queue = t.shop.manual_queue(&s.support, 10).unwrap();
    assert_eq!(
        queue.iter().map(|o| o.id).collect::<Vec<_>>(),
        vec![order.id]
    );
    let err = refused(t, || {
        t.shop
            .complete_order(&s.support, order.id, None, &key("c0"))
    });
    assert_eq!(err.kind(), "order.delivery_required");
    let done = t
        .shop
        .complete_order(
            &s.support,
            order.id,
            Some("Sent 660 UC to your account"),
            &key("c1"),
        )
        .unwrap();
    assert_eq!(done.status, OrderStatus::Completed);
    assert_eq!(
        done.delivery.as_deref(),
        Some("Sent 660 UC to your account")
    );
    assert_eq!(last_audit(t).action, AuditAction::FinalizeOrderCompleted);
    assert!(
        t.shop
            .order_summary(&s.shopper, order.id)
            .unwrap()
            .contains("completed")
    );
    // The slot is free again.
    t.shop
        .create_order(&s.shopper, &by_balance(p), &key("o3"))
        .unwrap();
    assert!(
        t.shop.verify().unwrap().is_healthy(),
        "{}",
        t.shop.verify().unwrap()
    );
}

fn coupon(code: &str, kind: CouponKind, max_uses: u32) -> NewCoupon {
    NewCoupon {
        code: code.into(),
        kind,
        max_uses,
        uses_per_user: 1,
        min_order_usd: None,
        expires_at: None,
        scope: CouponScope::All,
    }
}

#[test]
fn seed_test_7_order_with_a_coupon() {
    let s = shop();
    let t = &s.t;
    let owner = t.owner();
    let p = product(&s, "Gift card", "9.99", Delivery::Manual, Stock::Unlimited);
    let c = t
        .shop
        .create_coupon(
            &owner,
            &coupon("save10", CouponKind::Percentage("10".parse().unwrap()), 5),
        )
        .unwrap();
    assert_eq!(last_audit(t).action, AuditAction::CreateCoupon);
    let mut request = by_balance(p);
    request.coupon = Some("SAVE10".into());
    let quote = t.shop.quote(&s.shopper, &request).unwrap();
    assert_eq!(
        (quote.discount_usd, quote.total_usd),
        (money("1"), money("8.99"))
    );
    let order = t
        .shop
        .create_order(&s.shopper, &request, &key("o1"))
        .unwrap();
    assert_eq!(order.coupon, Some(c.code.clone()));
    assert_eq!(order.total_usd, money("8.99"));
    assert_eq!(t.shop.balance(uid(10)).unwrap(), money("91.01"));
    assert_eq!(t.shop.coupon("save10").unwrap().unwrap().uses, 1);

    // Failing the order refunds it and gives the coupon use back, exactly once.
    let failed = t
        .shop
        .fail_order(
            &s.support,
            order.id,
            "out of codes at the supplier",
            &key("f1"),
        )
        .unwrap();
    assert_eq!(failed.status, OrderStatus::Failed);
    assert_eq!(t.shop.balance(uid(10)).unwrap(), money("100"));
    assert_eq!(t.shop.coupon("save10").unwrap().unwrap().uses, 0);
    let err = refused(t, || {
        t.shop.fail_order(&s.support, order.id, "again", &key("f2"))
    });
    assert_eq!(err.kind(), "order.bad_transition");
    assert_eq!(t.shop.balance(uid(10)).unwrap(), money("100"));

    // The use came back, so the shopper may use it again; then it is theirs used up.
    let o2 = t
        .shop
        .create_order(&s.shopper, &request, &key("o2"))
        .unwrap();
    t.shop
        .complete_order(&s.support, o2.id, Some("done"), &key("c2"))
        .unwrap();
    let err = refused(t, || t.shop.quote(&s.shopper, &request));
    assert_eq!(err.kind(), "coupon.already_used_by_you");

    // A fixed coupon larger than the price makes the order free, never negative.
    t.shop
        .create_coupon(&owner, &coupon("FREE50", CouponKind::Fixed(money("50")), 5))
        .unwrap();
    request.coupon = Some("free50".into());
    let free = t
        .shop
        .create_order(&s.shopper, &request, &key("o3"))
        .unwrap();
    assert_eq!(
        (free.discount_usd, free.total_usd),
        (money("9.99"), money("0"))
    );
    assert!(
        t.shop.verify().unwrap().is_healthy(),
        "{}",
        t.shop.verify().unwrap()
    );
}

#[test]
fn coupon_rules_are_enforced() {
    let s = shop();
    let t = &s.t;
    let owner = t.owner();
    let cheap = product(&s, "Cheap", "2", Delivery::Manual, Stock::Unlimited);
    let other_cat = t.shop.create_category(&owner, "Other", 1).unwrap().id;
    let mut c = coupon("BIG", CouponKind::Fixed(money("1")), 5);
    c.min_order_usd = Some(money("5"));
    t.shop.create_coupon(&owner, &c).unwrap();
    let mut c = coupon("SOON", CouponKind::Fixed(money("1")), 5);
    c.expires_at = Some(t.shop.now().plus_millis(1_000));
    t.shop.create_coupon(&owner, &c).unwrap();
    let mut c = coupon("OTHERCAT", CouponKind::Fixed(money("1")), 5);
    c.scope = CouponScope::Category(other_cat);
    t.shop.create_coupon(&owner, &c).unwrap();
    t.shop
        .create_coupon(&owner, &coupon("OFF", CouponKind::Fixed(money("1")), 5))
        .unwrap();
    t.shop.set_coupon_active(&owner, "off", false).unwrap();
    t.clock.advance_millis(1_000);
    for (code, kind) in [
        ("BIG", "coupon.below_minimum"),
        ("SOON", "coupon.expired"),
        ("OTHERCAT", "coupon.not_applicable"),
        ("OFF", "coupon.inactive"),
        ("NOPE", "coupon.not_found"),
        ("x", "invalid.coupon_code"),
    ] {
        let mut request = by_balance(cheap);
        request.coupon = Some(code.into());
        let err = refused(t, || t.shop.create_order(&s.shopper, &request, &key("k")));
        assert_eq!(err.kind(), kind, "{code}");
    }
    for (new, kind) in [
        (
            coupon("PCT0", CouponKind::Percentage("0".parse().unwrap()), 1),
            "coupon.bad_percentage",
        ),
        (
            coupon("PCT101", CouponKind::Percentage("101".parse().unwrap()), 1),
            "coupon.bad_percentage",
        ),
        (
            coupon("FIX0", CouponKind::Fixed(money("0")), 1),
            "amount.not_positive",
        ),
        (
            coupon("USES0", CouponKind::Fixed(money("1")), 0),
            "coupon.bad_uses",
        ),
        (
            coupon("BIG", CouponKind::Fixed(money("1")), 1),
            "coupon.already_exists",
        ),
        (
            coupon("a b", CouponKind::Fixed(money("1")), 1),
            "invalid.coupon_code",
        ),
    ] {
        assert_eq!(
            refused(t, || t.shop.create_coupon(&owner, &new)).kind(),
            kind,
            "{}",
            new.code
        );
    }
    assert_eq!(
        refused(t, || t.shop.create_coupon(
            &s.support,
            &coupon("SUP", CouponKind::Fixed(money("1")), 1)
        ))
        .kind(),
        "denied.missing_permission"
    );
}

#[test]
fn the_seven_checks_come_in_order_each_with_its_own_error() {
    let s = shop();
    let t = &s.t;
    let owner = t.owner();
    let mut new = new_product(s.cat, "Needs id", "5");
    new.player_field = Some(PlayerField {
        label: "Player ID".into(),
        rule: PlayerIdRule::Digits {
            len_min: 6,
            len_max: 10,
        },
    });
    let p = t.shop.create_product(&owner, &new).unwrap().id;
    let ok = |pid: &str| OrderRequest {
        quantity: 1,
        player_id: Some(pid.into()),
        ..by_balance(p)
    };

    // 7. player id.
    assert_eq!(
        refused(t, || t.shop.quote(&s.shopper, &by_balance(p))).kind(),
        "order.player_id_required"
    );
    assert_eq!(
        refused(t, || t.shop.quote(&s.shopper, &ok("12ab56"))).kind(),
        "order.bad_player_id"
    );
    // 6. balance comes before the player id.
    let pricey = product(&s, "Pricey", "500", Delivery::Manual, Stock::Unlimited);
    assert_eq!(
        refused(t, || t.shop.quote(&s.shopper, &by_balance(pricey))).kind(),
        "wallet.insufficient_balance"
    );
    // 5. payment method.
    let m = t
        .shop
        .create_payment_method(&owner, &new_method("Bank", "USD", "1", "1000"))
        .unwrap();
    t.shop.delete_payment_method(&owner, m.id).unwrap();
    let mut by_method = ok("123456");
    by_method.payment = PaymentChoice::Method(m.id);
    by_method.proof = Some(Proof::Text("txn 1".into()));
    assert_eq!(
        refused(t, || t.shop.create_order(&s.shopper, &by_method, &key("m"))).kind(),
        "payment_method.deleted"
    );
    // 4. open order.
    let first = t
        .shop
        .create_order(&s.shopper, &ok("123456"), &key("first"))
        .unwrap();
    assert_eq!(
        refused(t, || t.shop.quote(&s.shopper, &by_balance(pricey))).kind(),
        "order.open_order_exists"
    );
    t.shop
        .cancel_order(&s.shopper, first.id, &key("cancel"))
        .unwrap();
    // 3. store mode (SEED pre-release test 11: maintenance refuses new orders).
    t.shop
        .set_store_state(&owner, StoreState::Maintenance, None)
        .unwrap();
    assert_eq!(
        refused(t, || t.shop.create_order(
            &s.shopper,
            &ok("123456"),
            &key("x")
        ))
        .kind(),
        "mode.maintenance"
    );
    t.shop
        .set_store_state(&owner, StoreState::Open, None)
        .unwrap();
    // 2. product.
    let gone = ProductId::new(999).unwrap();
    assert_eq!(
        refused(t, || t.shop.quote(&s.shopper, &by_balance(gone))).kind(),
        "catalog.product_not_found"
    );
    t.shop
        .update_product(&owner, p, ProductChange::Active(false))
        .unwrap();
    assert_eq!(
        refused(t, || t.shop.quote(&s.shopper, &ok("123456"))).kind(),
        "order.product_inactive"
    );
    let sold_out = product(&s, "Sold out", "1", Delivery::Manual, Stock::Limited(0));
    assert_eq!(
        refused(t, || t.shop.quote(&s.shopper, &by_balance(sold_out))).kind(),
        "order.out_of_stock"
    );
    // A product with orders is archived on delete, and can't be ordered.
    t.shop
        .update_product(&owner, p, ProductChange::Active(true))
        .unwrap();
    let archived = t
        .shop
        .delete_product(&owner, p)
        .unwrap()
        .expect("archived, not removed");
    assert!(archived.archived);
    assert_eq!(
        refused(t, || t.shop.quote(&s.shopper, &ok("123456"))).kind(),
        "order.product_archived"
    );
    // 1. user: a banned shopper gets that first, even for a product that is also archived.
    t.shop.ban_user(&owner, uid(10), "fraud").unwrap();
    assert_eq!(
        refused(t, || t.shop.quote(&s.shopper, &ok("123456"))).kind(),
        "denied.banned"
    );
    let console = t.shop.system_actor("console").unwrap();
    assert_eq!(
        refused(t, || t.shop.quote(&console, &by_balance(pricey))).kind(),
        "denied.not_a_user"
    );
}

#[test]
fn seed_test_12_emergency_stops_orders_and_their_staff_actions() {
    let s = shop();
    let t = &s.t;
    let p = product(&s, "X", "5", Delivery::Manual, Stock::Unlimited);
    let order = t
        .shop
        .create_order(&s.shopper, &by_balance(p), &key("o"))
        .unwrap();
    let operator = t.staff(2, Role::Operator);
    t.shop
        .set_store_state(&operator, StoreState::Emergency, Some("incident"))
        .unwrap();
    for err in [
        refused(t, || t.shop.quote(&s.shopper, &by_balance(p))),
        refused(t, || {
            t.shop
                .complete_order(&s.support, order.id, Some("x"), &key("c"))
        }),
        refused(t, || {
            t.shop.fail_order(&s.support, order.id, "x", &key("f"))
        }),
        refused(t, || t.shop.cancel_order(&s.shopper, order.id, &key("k"))),
    ] {
        assert_eq!(err.kind(), "mode.emergency");
    }
    // Staff can still read.
    assert_eq!(
        t.shop.order(&s.support, order.id).unwrap().status,
        OrderStatus::Paid
    );
    t.shop
        .set_store_state(&operator, StoreState::Open, None)
        .unwrap();
    t.shop
        .complete_order(&s.support, order.id, Some("x"), &key("c"))
        .unwrap();
}

#[test]
fn orders_shown_in_the_buyers_currency() {
    let s = shop();
    let t = &s.t;
    let owner = t.owner();
    t.shop
        .add_currency(&owner, "EGP", "E£", 2, money("48.25"))
        .unwrap();
    t.shop.set_preferred_currency(&s.shopper, "egp").unwrap();
    let p = product(&s, "X", "10", Delivery::Manual, Stock::Unlimited);
    let quote = t.shop.quote(&s.shopper, &by_balance(p)).unwrap();
    assert_eq!(
        (quote.currency.code.as_str(), quote.total_local),
        ("EGP", money("482.5"))
    );
    let order = t
        .shop
        .create_order(&s.shopper, &by_balance(p), &key("o"))
        .unwrap();
    assert_eq!(
        (
            order.currency.as_str(),
            order.exchange_rate,
            order.price_local
        ),
        ("EGP", money("48.25"), money("482.5"))
    );
    // A later rate change leaves the order as it was.
    t.shop
        .set_exchange_rate(&owner, "EGP", money("50"))
        .unwrap();
    assert_eq!(
        t.shop.order(&s.shopper, order.id).unwrap().exchange_rate,
        money("48.25")
    );
    t.shop
        .cancel_order(&s.shopper, order.id, &key("cancel"))
        .unwrap();
    let mut request = by_balance(p);
    request.currency = Some("XYZ".into());
    assert_eq!(
        refused(t, || t.shop.quote(&s.shopper, &request)).kind(),
        "currency.unknown"
    );
    t.shop.set_currency_enabled(&owner, "EGP", false).unwrap();
    assert_eq!(
        refused(t, || t.shop.quote(&s.shopper, &by_balance(p))).kind(),
        "currency.disabled"
    );
}

#[test]
fn paying_through_a_method_then_confirm_or_expire() {
    let s = shop();
    let t = &s.t;
    let owner = t.owner();
    t.shop
        .add_currency(&owner, "EGP", "E£", 2, money("50"))
        .unwrap();
    let m = t
        .shop
        .create_payment_method(&owner, &new_method("InstaPay", "EGP", "10", "10000"))
        .unwrap();
    let p = product(&s, "X", "20", Delivery::Manual, Stock::Limited(1));
    let request = OrderRequest {
        quantity: 1,
        payment: PaymentChoice::Method(m.id),
        proof: Some(Proof::Text("ref 42".into())),
        ..by_balance(p)
    };
    let mut no_proof = request.clone();
    no_proof.proof = None;
    assert_eq!(
        refused(t, || t.shop.create_order(&s.shopper, &no_proof, &key("np"))).kind(),
        "order.proof_required"
    );

    let order = t
        .shop
        .create_order(&s.shopper, &request, &key("o1"))
        .unwrap();
    assert_eq!(order.status, OrderStatus::AwaitingPayment);
    match &order.payment {
        shopcore::Payment::Method {
            amount, currency, ..
        } => assert_eq!((*amount, currency.as_str()), (money("1000"), "EGP")),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        t.shop.balance(uid(10)).unwrap(),
        money("100"),
        "nothing charged from the balance"
    );
    assert_eq!(
        t.shop.payment_method(m.id).unwrap().unwrap().pending_uses,
        1
    );
    assert_eq!(
        refused(t, || t.shop.delete_payment_method(&owner, m.id)).kind(),
        "payment_method.in_use"
    );
    assert_eq!(
        t.shop.product(p).unwrap().unwrap().stock,
        Stock::Limited(0),
        "stock is reserved"
    );

    let paid = t
        .shop
        .confirm_payment(&s.support, order.id, &key("pay"))
        .unwrap();
    assert_eq!(paid.status, OrderStatus::Paid);
    assert!(paid.payment_seq.is_some() && paid.purchase_seq.is_some());
    assert_eq!(
        t.shop.balance(uid(10)).unwrap(),
        money("100"),
        "PAYMENT and PURCHASE cancel out"
    );
    assert_eq!(
        t.shop.payment_method(m.id).unwrap().unwrap().pending_uses,
        0
    );
    // Failing it now refunds to the wallet: the money was received.
    t.shop
        .fail_order(&s.support, order.id, "cannot deliver", &key("f"))
        .unwrap();
    assert_eq!(t.shop.balance(uid(10)).unwrap(), money("120"));
    assert_eq!(
        t.shop.product(p).unwrap().unwrap().stock,
        Stock::Limited(1),
        "stock is back"
    );

    // An unpaid order expires after the deadline and frees everything.
    let unpaid = t
        .shop
        .create_order(&s.shopper, &request, &key("o2"))
        .unwrap();
    t.clock.advance_millis(29 * 60 * 1_000);
    assert_eq!(t.shop.expire_unpaid_orders().unwrap(), 0);
    t.clock.advance_millis(60 * 1_000);
    assert_eq!(t.shop.expire_unpaid_orders().unwrap(), 1);
    let expired = t.shop.order(&s.shopper, unpaid.id).unwrap();
    assert_eq!(expired.status, OrderStatus::Cancelled);
    assert_eq!(t.shop.product(p).unwrap().unwrap().stock, Stock::Limited(1));
    assert_eq!(
        t.shop.payment_method(m.id).unwrap().unwrap().pending_uses,
        0
    );
    assert_eq!(
        t.shop.balance(uid(10)).unwrap(),
        money("120"),
        "no refund for an unpaid order"
    );

    // A stale unpaid order never locks the buyer out: creating a new one expires it.
    let stale = t
        .shop
        .create_order(&s.shopper, &request, &key("o3"))
        .unwrap();
    t.clock.advance_millis(31 * 60 * 1_000);
    let fresh = t
        .shop
        .create_order(&s.shopper, &by_balance(p), &key("o4"))
        .unwrap();
    assert_eq!(fresh.status, OrderStatus::Paid);
    assert_eq!(
        t.shop.order(&s.shopper, stale.id).unwrap().status,
        OrderStatus::Cancelled
    );
    assert!(
        t.shop.verify().unwrap().is_healthy(),
        "{}",
        t.shop.verify().unwrap()
    );
}

#[test]
fn uploads_across_pool_chunks_are_delivered_in_upload_order() {
    let s = shop();
    let t = &s.t;
    let owner = t.owner();
    let p = product(&s, "Card 50c", "0.5", Delivery::Codes, Stock::Unlimited);
    let codes: Vec<String> = (0..170).map(|i| format!("C{i:03}")).collect();
    let refs: Vec<&str> = codes.iter().map(String::as_str).collect();
    // 70 codes (a whole chunk of 64 and part of the next), then 100 starting mid-chunk.
    assert_eq!(
        t.shop.add_codes(&owner, p, &refs[..70]).unwrap().available,
        70
    );
    assert_eq!(
        t.shop.add_codes(&owner, p, &refs[70..]).unwrap().available,
        170
    );
    assert!(t.shop.verify().unwrap().is_healthy());
    t.shop
        .set_fulfilment_mode(&owner, FulfilmentMode::Auto)
        .unwrap();
    for (i, code) in codes.iter().enumerate().take(140) {
        let order = t
            .shop
            .create_order(&s.shopper, &by_balance(p), &key(&format!("o{i}")))
            .unwrap();
        assert_eq!(order.delivery.as_deref(), Some(code.as_str()), "order {i}");
    }
    assert_eq!(t.shop.product(p).unwrap().unwrap().codes_available, 30);
    // A code already in the pool, or delivered, is refused in a later upload.
    let err = refused(t, || t.shop.add_codes(&owner, p, &["C010", "C169", "NEW"]));
    assert_eq!(err.kind(), "catalog.duplicate_codes");
    assert!(err.to_string().starts_with("2 of these codes"), "{err}");
    assert!(t.shop.verify().unwrap().is_healthy());
}

#[test]
fn code_products_deliver_at_once_in_auto_mode_and_return_codes_on_failure() {
    let s = shop();
    let t = &s.t;
    let owner = t.owner();
    let p = product(&s, "Steam $5", "5", Delivery::Codes, Stock::Unlimited);
    t.shop.add_codes(&owner, p, &["CODE-A", "CODE-B"]).unwrap();

    // MANUAL mode: the code is reserved, staff complete, the reserved code is delivered.
    let manual = t
        .shop
        .create_order(&s.shopper, &by_balance(p), &key("m"))
        .unwrap();
    assert_eq!(manual.status, OrderStatus::Paid);
    assert!(manual.holds_code());
    assert!(
        !format!("{manual:?}").contains("CODE-"),
        "a reserved code is sealed"
    );
    assert_eq!(t.shop.product(p).unwrap().unwrap().codes_available, 1);
    // Failing gives the code back to the pool.
    t.shop
        .fail_order(&s.support, manual.id, "duplicate", &key("f"))
        .unwrap();
    assert_eq!(t.shop.product(p).unwrap().unwrap().codes_available, 2);

    t.shop
        .set_fulfilment_mode(&owner, FulfilmentMode::Auto)
        .unwrap();
    let auto = t
        .shop
        .create_order(&s.shopper, &by_balance(p), &key("a"))
        .unwrap();
    assert_eq!(auto.status, OrderStatus::Completed);
    assert_eq!(auto.delivery.as_deref(), Some("CODE-B"));
    let again = t
        .shop
        .create_order(&s.shopper, &by_balance(p), &key("b"))
        .unwrap();
    assert_eq!(again.delivery.as_deref(), Some("CODE-A"));
    assert_eq!(t.shop.product(p).unwrap().unwrap().codes_available, 0);
    assert_eq!(
        refused(t, || t.shop.quote(&s.shopper, &by_balance(p))).kind(),
        "order.out_of_stock"
    );
    // Codes never reach the audit log.
    let page = t
        .shop
        .audit_log(
            &owner,
            &shopcore::AuditQuery {
                limit: 50,
                ..Default::default()
            },
        )
        .unwrap();
    assert!(!format!("{:?}", page.entries).contains("CODE-"));
    assert!(
        t.shop.verify().unwrap().is_healthy(),
        "{}",
        t.shop.verify().unwrap()
    );
}

pub fn supplier_shop() -> (Shop, ProductId) {
    let s = shop();
    s.t.shop
        .set_fulfilment_mode(&s.t.owner(), FulfilmentMode::Auto)
        .unwrap();
    let p = product(
        &s,
        "PUBG 60",
        "1",
        Delivery::Supplier {
            sku: "PUBG-60".into(),
        },
        Stock::Unlimited,
    );
    (s, p)
}

#[test]
fn supplier_success_completes_the_order() {
    let (s, p) = supplier_shop();
    let t = &s.t;
    let order = t
        .shop
        .create_order(&s.shopper, &by_balance(p), &key("o"))
        .unwrap();
    assert_eq!(
        (order.status, order.fulfilment),
        (OrderStatus::Paid, Fulfilment::Supplier)
    );
    assert!(
        t.shop.manual_queue(&s.support, 10).unwrap().is_empty(),
        "not the staff's job in AUTO mode"
    );
    let supplier = ScriptedSupplier::new([Behaviour::Succeed]);
    let run = t.shop.run_supplier_queue(&supplier, 10).unwrap();
    assert_eq!(run.delivered, 1);
    let done = t.shop.order(&s.shopper, order.id).unwrap();
    assert_eq!(done.status, OrderStatus::Completed);
    assert_eq!(
        done.delivery.as_deref(),
        Some(format!("SUPPLIER-PUBG-60-{}", order.id.get()).as_str())
    );
    assert_eq!(supplier.deliveries(order.id), 1);
    assert_eq!(
        t.shop.run_supplier_queue(&supplier, 10).unwrap(),
        shopcore::SupplierRun::default()
    );
}

#[test]
fn supplier_failures_retry_with_backoff_then_fall_back_to_staff() {
    let (s, p) = supplier_shop();
    let t = &s.t;
    let order = t
        .shop
        .create_order(&s.shopper, &by_balance(p), &key("o"))
        .unwrap();
    let supplier = ScriptedSupplier::new([
        Behaviour::Fail,
        Behaviour::Hang(Duration::from_millis(5)),
        Behaviour::Fail,
    ]);
    assert_eq!(
        t.shop
            .run_supplier_queue(&supplier, 10)
            .unwrap()
            .retry_scheduled,
        1
    );
    // Not due yet: nothing happens until the backoff passes (30 s, then 60 s).
    assert_eq!(
        t.shop.run_supplier_queue(&supplier, 10).unwrap(),
        shopcore::SupplierRun::default()
    );
    t.clock.advance_millis(30_000);
    assert_eq!(
        t.shop
            .run_supplier_queue(&supplier, 10)
            .unwrap()
            .retry_scheduled,
        1
    );
    t.clock.advance_millis(59_000);
    assert_eq!(
        t.shop
            .run_supplier_queue(&supplier, 10)
            .unwrap()
            .retry_scheduled,
        0
    );
    t.clock.advance_millis(1_000);
    // The third attempt fails too: still unknown, so it waits (120 s) ...
    assert_eq!(
        t.shop
            .run_supplier_queue(&supplier, 10)
            .unwrap()
            .retry_scheduled,
        1
    );
    t.clock.advance_millis(120_000);
    // ... then the supplier is asked, says it never received the order, and only then do
    // staff take over (they may refund it: nothing was delivered).
    assert_eq!(
        t.shop.run_supplier_queue(&supplier, 10).unwrap().fell_back,
        1
    );
    assert_eq!(supplier.calls(), 3);
    let order = t.shop.order(&s.support, order.id).unwrap();
    assert_eq!(
        (order.status, order.fulfilment),
        (OrderStatus::Paid, Fulfilment::Manual)
    );
    assert_eq!(last_audit(t).action, AuditAction::SupplierFallback);
    assert_eq!(t.shop.manual_queue(&s.support, 10).unwrap().len(), 1);
    // Charged once, never refunded: staff now finish it.
    assert_eq!(t.shop.balance(uid(10)).unwrap(), money("99"));
    t.shop
        .complete_order(&s.support, order.id, Some("delivered by hand"), &key("c"))
        .unwrap();
    assert!(t.shop.verify().unwrap().is_healthy());
}

#[test]
fn a_supplier_rejection_goes_to_staff_at_once() {
    let (s, p) = supplier_shop();
    let t = &s.t;
    let order = t
        .shop
        .create_order(&s.shopper, &by_balance(p), &key("o"))
        .unwrap();
    let supplier = ScriptedSupplier::new([Behaviour::Reject("unknown player".into())]);
    assert_eq!(
        t.shop.run_supplier_queue(&supplier, 10).unwrap().fell_back,
        1
    );
    assert_eq!(
        t.shop.order(&s.support, order.id).unwrap().fulfilment,
        Fulfilment::Manual
    );
}

#[test]
fn a_lost_supplier_answer_is_not_delivered_twice() {
    let (s, p) = supplier_shop();
    let t = &s.t;
    let order = t
        .shop
        .create_order(&s.shopper, &by_balance(p), &key("o"))
        .unwrap();
    // The supplier delivers but its answer is lost (a timeout): a retry is scheduled.
    let supplier = ScriptedSupplier::new([Behaviour::DeliverThenTimeout]);
    assert_eq!(
        t.shop
            .run_supplier_queue(&supplier, 10)
            .unwrap()
            .retry_scheduled,
        1
    );
    assert_eq!(supplier.deliveries(order.id), 1);
    // The retry places it again under the same id: the supplier does not deliver twice.
    t.clock.advance_millis(30_000);
    assert_eq!(
        t.shop.run_supplier_queue(&supplier, 10).unwrap().delivered,
        1
    );
    assert_eq!(supplier.deliveries(order.id), 1);
    assert_eq!(
        t.shop.balance(uid(10)).unwrap(),
        money("99"),
        "charged once"
    );
}

/// Runs the supplier queue with a supplier that panics mid-call: the order is left
/// PROCESSING, exactly as after a crash between the call and recording its answer.
fn crash_during_supplier_call(t: &TestShop, supplier: &ScriptedSupplier) {
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        t.shop.run_supplier_queue(supplier, 10)
    }));
    assert!(result.is_err(), "the scripted supplier crashes");
}

#[test]
fn reconciliation_settles_orders_left_processing_by_a_crash() {
    let (s, p) = supplier_shop();
    let t = &s.t;
    let delivered = t
        .shop
        .create_order(&s.shopper, &by_balance(p), &key("o1"))
        .unwrap();
    let supplier = ScriptedSupplier::new([Behaviour::DeliverThenCrash]);
    crash_during_supplier_call(t, &supplier);
    assert_eq!(
        t.shop.order(&s.support, delivered.id).unwrap().status,
        OrderStatus::Processing
    );
    // Reopen, as a restarted process would, then reconcile.
    let shopper_id = uid(10);
    let Shop { t, support, .. } = s;
    let t = t.reopen();
    let support = t.shop.actor(support.user_id().unwrap()).unwrap();
    assert_eq!(t.shop.reconcile_supplier_orders(&supplier).unwrap(), 1);
    let order = t.shop.order(&support, delivered.id).unwrap();
    assert_eq!(order.status, OrderStatus::Completed);
    assert_eq!(supplier.deliveries(delivered.id), 1);
    assert_eq!(t.shop.balance(shopper_id).unwrap(), money("99"));

    // A crash before the order reached the supplier: reconciliation queues it again and the
    // next run delivers it once.
    let shopper = t.shop.actor(shopper_id).unwrap();
    let unsent = t
        .shop
        .create_order(&shopper, &by_balance(p), &key("o2"))
        .unwrap();
    let supplier2 = ScriptedSupplier::new([Behaviour::CrashBeforeSending]);
    crash_during_supplier_call(&t, &supplier2);
    assert_eq!(
        t.shop.order(&support, unsent.id).unwrap().status,
        OrderStatus::Processing
    );
    assert_eq!(t.shop.reconcile_supplier_orders(&supplier2).unwrap(), 1);
    assert_eq!(
        t.shop.order(&support, unsent.id).unwrap().status,
        OrderStatus::Paid
    );
    assert_eq!(
        t.shop.run_supplier_queue(&supplier2, 10).unwrap().delivered,
        1
    );
    assert_eq!(supplier2.deliveries(unsent.id), 1);
    assert!(
        t.shop.verify().unwrap().is_healthy(),
        "{}",
        t.shop.verify().unwrap()
    );
}

#[test]
fn the_state_machine_table() {
    for from in OrderStatus::ALL {
        for to in OrderStatus::ALL {
            let listed = TRANSITIONS.contains(&(from, to));
            assert_eq!(can_transition(from, to), listed, "{from} -> {to}");
            // Terminal states go nowhere; nothing returns to AwaitingPayment.
            if matches!(
                from,
                OrderStatus::Completed | OrderStatus::Failed | OrderStatus::Cancelled
            ) || to == OrderStatus::AwaitingPayment
                || from == to
            {
                assert!(!can_transition(from, to), "{from} -> {to}");
            }
        }
    }
    assert_eq!(TRANSITIONS.len(), 9);
    // With the supplier, the outcome may be unknown: never straight to a refund.
    assert!(!can_transition(
        OrderStatus::Processing,
        OrderStatus::Failed
    ));
    assert!(!can_transition(
        OrderStatus::Processing,
        OrderStatus::Cancelled
    ));
    // Through the API: a completed order can't be cancelled, completed or failed again.
    let s = shop();
    let t = &s.t;
    let p = product(&s, "X", "1", Delivery::Manual, Stock::Unlimited);
    let o = t
        .shop
        .create_order(&s.shopper, &by_balance(p), &key("o"))
        .unwrap();
    t.shop
        .complete_order(&s.support, o.id, Some("x"), &key("c"))
        .unwrap();
    for err in [
        refused(t, || t.shop.cancel_order(&s.shopper, o.id, &key("k1"))),
        refused(t, || {
            t.shop
                .complete_order(&s.support, o.id, Some("y"), &key("k2"))
        }),
        refused(t, || t.shop.fail_order(&s.support, o.id, "z", &key("k3"))),
        refused(t, || t.shop.confirm_payment(&s.support, o.id, &key("k4"))),
    ] {
        assert_eq!(err.kind(), "order.bad_transition");
    }
}

#[test]
fn other_peoples_orders_and_replayed_keys() {
    let s = shop();
    let t = &s.t;
    let p = product(&s, "X", "1", Delivery::Manual, Stock::Unlimited);
    let o = t
        .shop
        .create_order(&s.shopper, &by_balance(p), &key("o"))
        .unwrap();
    t.user(11, None);
    let stranger = t.shop.actor(uid(11)).unwrap();
    assert_eq!(
        refused(t, || t.shop.order(&stranger, o.id)).kind(),
        "order.not_found"
    );
    assert_eq!(
        refused(t, || t.shop.cancel_order(&stranger, o.id, &key("x"))).kind(),
        "order.not_found"
    );
    assert_eq!(
        refused(t, || t.shop.orders_of(&stranger, uid(10), None, 10)).kind(),
        "denied.missing_permission"
    );
    assert_eq!(
        refused(t, || t.shop.complete_order(
            &stranger,
            o.id,
            Some("x"),
            &key("x")
        ))
        .kind(),
        "denied.missing_permission"
    );
    let p2 = product(&s, "Y", "1", Delivery::Manual, Stock::Unlimited);
    assert_eq!(
        refused(t, || t.shop.create_order(
            &s.shopper,
            &by_balance(p2),
            &key("o")
        ))
        .kind(),
        "invalid.request_key_reused"
    );
    // The buyer cancels their own paid order before processing: refunded.
    t.shop
        .cancel_order(&s.shopper, o.id, &key("cancel"))
        .unwrap();
    assert_eq!(t.shop.balance(uid(10)).unwrap(), money("100"));
    let mine = t.shop.orders_of(&s.shopper, uid(10), None, 10).unwrap();
    assert_eq!(mine.orders.len(), 1);
    assert!(t.shop.verify().unwrap().is_healthy());
}

#[test]
fn orders_survive_reopen() {
    let s = shop();
    let p = product(&s, "X", "3", Delivery::Manual, Stock::Limited(3));
    let o =
        s.t.shop
            .create_order(&s.shopper, &by_balance(p), &key("o"))
            .unwrap();
    let digest = s.t.digest();
    let t = s.t.reopen();
    assert_eq!(t.digest(), digest);
    let shopper = t.shop.actor(uid(10)).unwrap();
    assert_eq!(t.shop.order(&shopper, o.id).unwrap(), o);
    assert!(t.shop.verify().unwrap().is_healthy());
}

#[test]
fn notifications_are_queued_with_their_events_and_acknowledged() {
    use shopcore::NotificationKind;
    let s = shop();
    let t = &s.t;
    let p = product(&s, "X", "2", Delivery::Manual, Stock::Unlimited);
    let a = t
        .shop
        .create_order(&s.shopper, &by_balance(p), &key("a"))
        .unwrap();
    assert!(
        t.shop
            .pending_notifications("telegram", 10)
            .unwrap()
            .iter()
            .all(|n| n.kind.is_for_staff()),
        "nothing to tell the buyer yet"
    );
    t.shop
        .complete_order(&s.support, a.id, Some("here you go"), &key("c"))
        .unwrap();
    let b = t
        .shop
        .create_order(&s.shopper, &by_balance(p), &key("b"))
        .unwrap();
    t.shop
        .fail_order(&s.support, b.id, "supplier down", &key("f"))
        .unwrap();
    let pending = t.shop.pending_notifications("telegram", 10).unwrap();
    // Staff heard about each paid order waiting for them.
    let staff: Vec<_> = pending
        .iter()
        .filter(|n| n.kind.is_for_staff())
        .map(|n| n.kind.clone())
        .collect();
    assert_eq!(
        staff,
        vec![
            NotificationKind::StaffOrderWaiting { order: a.id },
            NotificationKind::StaffOrderWaiting { order: b.id }
        ]
    );
    assert_eq!(
        t.shop
            .order_for_notification(&pending[0])
            .unwrap()
            .map(|o| o.id),
        Some(a.id)
    );
    let pending: Vec<_> = pending
        .into_iter()
        .filter(|n| !n.kind.is_for_staff())
        .collect();
    let kinds: Vec<_> = pending.iter().map(|n| (n.user, n.kind.clone())).collect();
    assert_eq!(
        kinds,
        vec![
            (uid(10), NotificationKind::OrderCompleted { order: a.id }),
            (
                uid(10),
                NotificationKind::OrderFailed {
                    order: b.id,
                    refunded: true,
                    reason: "supplier down".into()
                }
            ),
        ]
    );
    // Each consumer has its own cursor; acknowledging moves only forward.
    assert_eq!(t.shop.pending_notifications("email", 10).unwrap().len(), 4);
    t.shop
        .ack_notifications("telegram", pending[0].seq)
        .unwrap();
    let left = t.shop.pending_notifications("telegram", 10).unwrap();
    assert!(left.iter().all(|n| n.seq > pending[0].seq));
    t.shop.ack_notifications("telegram", 0).unwrap();
    assert_eq!(t.shop.pending_notifications("telegram", 10).unwrap(), left);
    // A number not yet written is refused and moves nothing (it would skip what comes).
    let newest = left.iter().map(|n| n.seq).max().unwrap();
    let err = t
        .shop
        .ack_notifications("telegram", newest + 1)
        .unwrap_err();
    assert_eq!(err.kind(), "invalid.unknown_name", "{err}");
    assert_eq!(t.shop.pending_notifications("telegram", 10).unwrap(), left);
    // A failed attempt queues nothing.
    let before = t.shop.pending_notifications("email", 10).unwrap().len();
    assert!(
        t.shop
            .fail_order(&s.support, b.id, "again", &key("f2"))
            .is_err()
    );
    assert_eq!(
        t.shop.pending_notifications("email", 10).unwrap().len(),
        before
    );
    assert!(t.shop.pending_notifications("bad name", 10).is_err());
}

#[test]
fn unpaid_orders_expire_only_after_an_emergency_is_lifted() {
    let s = shop();
    let t = &s.t;
    let owner = t.owner();
    let m = t
        .shop
        .create_payment_method(&owner, &new_method("Bank", "USD", "1", "100"))
        .unwrap();
    let p = product(&s, "X", "5", Delivery::Manual, Stock::Limited(1));
    let request = OrderRequest {
        quantity: 1,
        payment: PaymentChoice::Method(m.id),
        proof: Some(Proof::Text("ref".into())),
        ..by_balance(p)
    };
    let order = t
        .shop
        .create_order(&s.shopper, &request, &key("o"))
        .unwrap();
    t.shop
        .set_store_state(&owner, StoreState::Emergency, None)
        .unwrap();
    t.clock.advance_millis(31 * 60 * 1_000);
    assert_eq!(
        refused(t, || t.shop.expire_unpaid_orders()).kind(),
        "mode.emergency"
    );
    t.shop
        .set_store_state(&owner, StoreState::Open, None)
        .unwrap();
    assert_eq!(t.shop.expire_unpaid_orders().unwrap(), 1);
    assert_eq!(
        t.shop.order(&s.shopper, order.id).unwrap().status,
        OrderStatus::Cancelled
    );
}

/// A code order paid while the shop fulfilled by hand still waits for staff after a switch
/// to AUTO: AUTO delivers codes at payment, so nothing else would ever complete it (it stayed
/// PAID, hidden from the manual queue, with the shopper's money taken).
#[test]
fn a_code_order_paid_in_manual_mode_stays_in_the_queue_after_the_switch_to_auto() {
    let s = shop();
    let t = &s.t;
    let owner = t.owner();
    t.shop
        .set_fulfilment_mode(&owner, FulfilmentMode::Manual)
        .unwrap();
    let p = product(&s, "Steam 10", "10", Delivery::Codes, Stock::Unlimited);
    t.shop.add_codes(&owner, p, &["STEAM-AAAA-1111"]).unwrap();
    let order = t
        .shop
        .create_order(&s.shopper, &by_balance(p), &key("o"))
        .unwrap();
    assert_eq!(
        (order.status, order.fulfilment),
        (OrderStatus::Paid, Fulfilment::Codes)
    );
    t.shop
        .set_fulfilment_mode(&owner, FulfilmentMode::Auto)
        .unwrap();
    let queue = t.shop.manual_queue(&s.support, 10).unwrap();
    assert_eq!(
        queue.iter().map(|o| o.id).collect::<Vec<_>>(),
        vec![order.id],
        "the paid code order waits for a person"
    );
    let done = t
        .shop
        .complete_order(&s.support, order.id, None, &key("c"))
        .unwrap();
    assert_eq!(done.status, OrderStatus::Completed);
    assert_eq!(done.delivery.as_deref(), Some("STEAM-AAAA-1111"));
    assert!(t.shop.manual_queue(&s.support, 10).unwrap().is_empty());
}

#[test]
fn a_users_orders_page_along_their_chain_and_any_bound_works() {
    let t = TestShop::new();
    let owner = t.owner();
    let cat = t.shop.create_category(&owner, "Games", 0).unwrap().id;
    let p = t
        .shop
        .create_product(&owner, &crate::common::new_product(cat, "X", "1"))
        .unwrap()
        .id;
    for user in [10, 11] {
        t.user(user, None);
        t.shop
            .adjust_balance(
                &owner,
                uid(user),
                money("100"),
                "gift",
                &key(&format!("g{user}")),
            )
            .unwrap();
    }
    // Interleaved orders of two users, each completed so the next may be placed.
    let mut mine = Vec::new();
    for i in 0..7 {
        let user = if i % 2 == 0 { 10 } else { 11 };
        let buyer = t.shop.actor(uid(user)).unwrap();
        let order = t
            .shop
            .create_order(&buyer, &by_balance(p), &key(&format!("o{i}")))
            .unwrap();
        t.shop
            .complete_order(&owner, order.id, Some("done"), &key(&format!("c{i}")))
            .unwrap();
        if user == 10 {
            mine.push(order.id);
        }
    }
    mine.reverse();
    let mut seen = Vec::new();
    let mut before = None;
    loop {
        let page = t.shop.orders_of(&owner, uid(10), before, 2).unwrap();
        seen.extend(page.orders.iter().map(|o| o.id));
        match page.next {
            Some(next) => before = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, mine, "newest first, every order once");
    for bound in [mine[1].get() + 1, mine[2].get() - 1] {
        let bound = shopcore::OrderId::new(bound).unwrap();
        let page = t.shop.orders_of(&owner, uid(10), Some(bound), 50).unwrap();
        let expected: Vec<_> = mine.iter().copied().filter(|id| *id < bound).collect();
        assert_eq!(
            page.orders.iter().map(|o| o.id).collect::<Vec<_>>(),
            expected
        );
    }
    // The account marks the open order and heads the chain.
    let buyer = t.shop.actor(uid(10)).unwrap();
    let open = t
        .shop
        .create_order(&buyer, &by_balance(p), &key("open"))
        .unwrap();
    let account = t.shop.wallet(uid(10)).unwrap();
    assert_eq!(
        (account.last_order, account.open_order),
        (Some(open.id), Some(open.id))
    );
    assert_eq!(open.prev_for_user, Some(mine[0]));
    assert!(t.shop.verify().unwrap().is_healthy());
}

/// 1,100 orders from 11 shoppers: all but each shopper's last completed, so both queues span
/// more than one status-index chunk (1,024 ids).
fn many_orders() -> (TestShop, Vec<u64>, Vec<u64>) {
    let t = TestShop::new();
    let owner = t.owner();
    let cat = t.shop.create_category(&owner, "Cards", 0).unwrap().id;
    let p = t
        .shop
        .create_product(&owner, &new_product(cat, "Card", "1"))
        .unwrap()
        .id;
    let shoppers: Vec<_> = (10..21)
        .map(|id| {
            t.user(id, None);
            t.shop
                .adjust_balance(
                    &owner,
                    uid(id),
                    money("500"),
                    "gift",
                    &key(&format!("g{id}")),
                )
                .unwrap();
            t.shop.actor(uid(id)).unwrap()
        })
        .collect();
    let (mut completed, mut paid) = (Vec::new(), Vec::new());
    for i in 0..1_100usize {
        let order = t
            .shop
            .create_order(&shoppers[i % 11], &by_balance(p), &key(&format!("o{i}")))
            .unwrap();
        if i < 1_089 {
            t.shop
                .complete_order(&owner, order.id, Some("done"), &key(&format!("c{i}")))
                .unwrap();
            completed.push(order.id.get());
        } else {
            paid.push(order.id.get());
        }
    }
    (t, completed, paid)
}

fn queue(t: &TestShop, status: OrderStatus, limit: usize) -> Vec<u64> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page = t
            .shop
            .orders_with_status(&t.owner(), status, after, limit)
            .unwrap();
        out.extend(page.orders.iter().map(|o| o.id.get()));
        assert!(page.orders.iter().all(|o| o.status == status));
        match page.next {
            Some(next) => after = Some(next),
            None => return out,
        }
    }
}

#[test]
fn status_queues_page_across_index_chunks() {
    let (t, completed, paid) = many_orders();
    assert!(completed.last().unwrap() > &1_024);
    assert_eq!(queue(&t, OrderStatus::Completed, 97), completed);
    assert_eq!(queue(&t, OrderStatus::Paid, 4), paid);
    assert_eq!(queue(&t, OrderStatus::Failed, 10), Vec::<u64>::new());
    // Statuses move between chunks: failing a paid order moves it.
    let moved = shopcore::OrderId::new(paid[0]).unwrap();
    t.shop
        .fail_order(&t.owner(), moved, "out of stock", &key("fail"))
        .unwrap();
    assert_eq!(queue(&t, OrderStatus::Paid, 4), paid[1..].to_vec());
    assert_eq!(queue(&t, OrderStatus::Failed, 10), vec![paid[0]]);
    assert!(t.shop.verify().unwrap().is_healthy());
}

#[test]
fn verify_finds_an_order_in_another_status_chunk() {
    let (t, completed, _) = many_orders();
    let path = t.path();
    let TestShop { shop, clock, dir } = t;
    drop(shop);
    {
        // A completed order listed as paid instead: as many entries, one in the wrong chunk.
        use crate::tampering::{decode, encode};
        let raw = crate::common::RawStore::open(&path);
        let table = raw.table("order_status_postings");
        let chunk_key = |status: u8, block: u64| {
            let mut k = vec![status];
            k.extend(block.to_be_bytes());
            k
        };
        let (done, paid) = (chunk_key(3, 0), chunk_key(1, 0));
        let mut from: Vec<u64> = decode(&table.get(&done).unwrap().unwrap());
        let id = completed[4];
        from.retain(|x| *x != id);
        table.insert(&done, encode(&from)).unwrap();
        table.insert(&paid, encode(&vec![id])).unwrap();
    }
    crate::common::assert_verify_reports(&path, &clock, "the status index does not match");
    drop(dir);
}
