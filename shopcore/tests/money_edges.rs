//! Money safety at the edges (issue 16): staff deciding on their own orders, unknown supplier
//! outcomes, codes as secrets until delivery, and the code pool's memory of every code. Each
//! test here failed on the code before the fix it names.

use crate::common::{RawStore, TestShop, key, money, new_method, refused, uid};
use crate::orders::{Shop, by_balance, product, shop};
use shopcore::{
    Behaviour, Delivery, Fulfilment, FulfilmentMode, OrderRequest, OrderStatus, PaymentChoice,
    Proof, Role, ScriptedSupplier, Stock,
};

/// A staff member with 0 USD orders through a payment method with made-up proof.
fn staff_order_through_method(s: &Shop, staff: &shopcore::Actor) -> shopcore::Order {
    let t = &s.t;
    let m = t
        .shop
        .create_payment_method(&t.owner(), &new_method("Bank", "USD", "1", "1000"))
        .unwrap();
    let p = product(s, "Gift card", "100", Delivery::Manual, Stock::Unlimited);
    let request = OrderRequest {
        quantity: 1,
        payment: PaymentChoice::Method(m.id),
        proof: Some(Proof::Text("made up".into())),
        ..by_balance(p)
    };
    t.shop.create_order(staff, &request, &key("self")).unwrap()
}

#[test]
fn staff_cannot_decide_on_their_own_orders() {
    let s = shop();
    let t = &s.t;
    let agent = s.support.clone();
    let agent_id = agent.user_id().unwrap();
    let order = staff_order_through_method(&s, &agent);

    // Confirming one's own payment was how 0 became 100 USD: refused, state unchanged.
    let err = refused(t, || t.shop.confirm_payment(&agent, order.id, &key("c")));
    assert_eq!(err.kind(), "denied.self_action");
    let err = refused(t, || {
        t.shop
            .complete_order(&agent, order.id, Some("to me"), &key("k"))
    });
    assert_eq!(err.kind(), "denied.self_action");
    let err = refused(t, || t.shop.fail_order(&agent, order.id, "no", &key("f")));
    assert_eq!(err.kind(), "denied.self_action");
    // The refusal is audited as denied, by the agent.
    let denied = crate::common::last_audit(t);
    assert_eq!(denied.actor, shopcore::ActorRef::User(agent_id));
    assert!(matches!(
        denied.outcome,
        shopcore::audit::Outcome::Denied { .. }
    ));

    // The buyer's own cancel is still theirs, and refunds nothing (nothing was paid).
    let cancelled = t.shop.cancel_order(&agent, order.id, &key("x")).unwrap();
    assert_eq!(cancelled.status, OrderStatus::Cancelled);
    assert_eq!(t.shop.balance(agent_id).unwrap(), money("0"));

    // Another staff member may confirm it; then the agent still can't complete it.
    let order = t
        .shop
        .create_order(
            &agent,
            &OrderRequest {
                quantity: 1,
                proof: Some(Proof::Text("real".into())),
                ..request_of(&cancelled)
            },
            &key("again"),
        )
        .unwrap();
    let colleague = t.staff(4, Role::Support);
    t.shop
        .confirm_payment(&colleague, order.id, &key("c2"))
        .unwrap();
    let err = refused(t, || {
        t.shop
            .complete_order(&agent, order.id, Some("me"), &key("k2"))
    });
    assert_eq!(err.kind(), "denied.self_action");
    assert!(t.shop.verify().unwrap().is_healthy());
}

fn request_of(order: &shopcore::Order) -> OrderRequest {
    let shopcore::Payment::Method { method, .. } = &order.payment else {
        panic!("a method order");
    };
    OrderRequest {
        quantity: 1,
        payment: PaymentChoice::Method(*method),
        ..by_balance(order.product)
    }
}

#[test]
fn a_self_confirmed_code_order_never_delivers_in_auto_mode() {
    let s = shop();
    let t = &s.t;
    t.shop
        .set_fulfilment_mode(&t.owner(), FulfilmentMode::Auto)
        .unwrap();
    let m = t
        .shop
        .create_payment_method(&t.owner(), &new_method("Bank", "USD", "1", "1000"))
        .unwrap();
    let p = product(&s, "Steam", "5", Delivery::Codes, Stock::Unlimited);
    t.shop.add_codes(&t.owner(), p, &["SECRET-1"]).unwrap();
    let operator = t.staff(5, Role::Operator);
    let order = t
        .shop
        .create_order(
            &operator,
            &OrderRequest {
                quantity: 1,
                payment: PaymentChoice::Method(m.id),
                proof: Some(Proof::Text("fake".into())),
                ..by_balance(p)
            },
            &key("o"),
        )
        .unwrap();
    let err = refused(t, || t.shop.confirm_payment(&operator, order.id, &key("c")));
    assert_eq!(err.kind(), "denied.self_action");
    let seen = t.shop.order(&operator, order.id).unwrap();
    assert_eq!(seen.status, OrderStatus::AwaitingPayment);
    assert_eq!(seen.delivery, None);
}

/// An order paid from balance for a supplier product, in AUTO mode.
fn supplier_order() -> (Shop, shopcore::Order) {
    let (s, p) = crate::orders::supplier_shop();
    let order =
        s.t.shop
            .create_order(&s.shopper, &by_balance(p), &key("sup"))
            .unwrap();
    (s, order)
}

#[test]
fn an_unknown_supplier_outcome_cannot_be_cancelled_failed_or_refunded() {
    let (s, order) = supplier_order();
    let t = &s.t;
    // The supplier delivers, but its answer times out.
    let supplier = ScriptedSupplier::new([Behaviour::DeliverThenTimeout]);
    assert_eq!(
        t.shop
            .run_supplier_queue(&supplier, 10)
            .unwrap()
            .retry_scheduled,
        1
    );
    assert_eq!(supplier.deliveries(order.id), 1);
    let now = t.shop.order(&s.support, order.id).unwrap();
    assert_eq!(
        now.status,
        OrderStatus::Processing,
        "an unknown outcome stays with the supplier"
    );
    // Before the fix the order was PAID again here and the buyer's cancel refunded it.
    let err = refused(t, || t.shop.cancel_order(&s.shopper, order.id, &key("x")));
    assert_eq!(err.kind(), "order.with_supplier");
    let err = refused(t, || {
        t.shop.fail_order(&s.support, order.id, "x", &key("f"))
    });
    assert_eq!(err.kind(), "order.with_supplier");
    let err = refused(t, || t.shop.cancel_order(&s.support, order.id, &key("y")));
    assert_eq!(err.kind(), "order.with_supplier");
    let err = refused(t, || {
        t.shop
            .complete_order(&s.support, order.id, Some("by hand"), &key("k"))
    });
    assert_eq!(err.kind(), "order.with_supplier");
    assert_eq!(t.shop.balance(uid(10)).unwrap(), money("99"));

    // Reconciliation settles it exactly once: delivered → completed, never refunded.
    assert_eq!(t.shop.reconcile_supplier_orders(&supplier).unwrap(), 1);
    let done = t.shop.order(&s.shopper, order.id).unwrap();
    assert_eq!(done.status, OrderStatus::Completed);
    assert_eq!(t.shop.reconcile_supplier_orders(&supplier).unwrap(), 0);
    assert_eq!(supplier.deliveries(order.id), 1);
    assert_eq!(t.shop.balance(uid(10)).unwrap(), money("99"));
    assert!(t.shop.verify().unwrap().is_healthy());
}

#[test]
fn exhausted_attempts_go_to_staff_only_when_the_supplier_says_it_never_delivered() {
    let (s, order) = supplier_order();
    let t = &s.t;
    // Three timeouts in which the supplier delivered the last time.
    let supplier = ScriptedSupplier::new([
        Behaviour::Fail,
        Behaviour::Fail,
        Behaviour::DeliverThenTimeout,
    ]);
    for wait in [0, 30_000, 60_000] {
        t.clock.advance_millis(wait);
        assert_eq!(
            t.shop
                .run_supplier_queue(&supplier, 10)
                .unwrap()
                .retry_scheduled,
            1
        );
    }
    t.clock.advance_millis(120_000);
    // Attempts are used up: the supplier is asked, says delivered, the order completes
    // (before the fix it went to staff, who could fail and refund it).
    assert_eq!(
        t.shop.run_supplier_queue(&supplier, 10).unwrap().delivered,
        1
    );
    assert_eq!(supplier.calls(), 3);
    let done = t.shop.order(&s.support, order.id).unwrap();
    assert_eq!(
        (done.status, done.fulfilment),
        (OrderStatus::Completed, Fulfilment::Supplier)
    );
}

/// A supplier whose `place` blocks until the test lets it answer, to race a call in flight.
struct Gate {
    inner: ScriptedSupplier,
    entered: std::sync::Barrier,
    release: std::sync::Barrier,
}

impl shopcore::Supplier for Gate {
    fn place(
        &self,
        order: &shopcore::supplier::SupplierOrder,
    ) -> Result<shopcore::supplier::SupplierResult, shopcore::supplier::SupplierError> {
        self.entered.wait();
        self.release.wait();
        self.inner.place(order)
    }
    fn status(
        &self,
        id: shopcore::OrderId,
    ) -> Result<shopcore::supplier::SupplierStatus, shopcore::supplier::SupplierError> {
        self.inner.status(id)
    }
}

#[test]
fn a_call_in_flight_is_neither_failed_by_staff_nor_stolen_by_reconciliation() {
    let (s, order) = supplier_order();
    let t = &s.t;
    let gate = Gate {
        inner: ScriptedSupplier::new([Behaviour::Succeed]),
        entered: std::sync::Barrier::new(2),
        release: std::sync::Barrier::new(2),
    };
    std::thread::scope(|scope| {
        let queue = scope.spawn(|| t.shop.run_supplier_queue(&gate, 10).unwrap());
        gate.entered.wait();
        // The call is in flight. (Checks run under catch_unwind so that a failure still
        // lets the supplier answer and the thread end.)
        let checks = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let err = refused(t, || {
                t.shop
                    .fail_order(&s.support, order.id, "gave up", &key("f"))
            });
            assert_eq!(err.kind(), "order.with_supplier");
            // Reconciliation leaves the live claim alone (before the fix it asked the
            // supplier, heard "unknown", and queued the order again mid-call).
            assert_eq!(t.shop.reconcile_supplier_orders(&gate.inner).unwrap(), 0);
            assert_eq!(
                t.shop.order(&s.support, order.id).unwrap().status,
                OrderStatus::Processing
            );
        }));
        gate.release.wait();
        assert_eq!(queue.join().unwrap().delivered, 1);
        if let Err(panic) = checks {
            std::panic::resume_unwind(panic);
        }
    });
    assert_eq!(gate.inner.deliveries(order.id), 1);
    assert_eq!(gate.inner.calls(), 1);
}

// ----- codes are secrets until delivered ---------------------------------------------------

fn code_shop() -> (Shop, shopcore::ProductId) {
    let s = shop();
    let p = product(&s, "Steam $5", "5", Delivery::Codes, Stock::Unlimited);
    s.t.shop
        .add_codes(&s.t.owner(), p, &["SECRET-A", "SECRET-B"])
        .unwrap();
    (s, p)
}

#[test]
fn an_unpaid_order_never_shows_its_code() {
    let (s, p) = code_shop();
    let t = &s.t;
    let m = t
        .shop
        .create_payment_method(&t.owner(), &new_method("Bank", "USD", "1", "1000"))
        .unwrap();
    let order = t
        .shop
        .create_order(
            &s.shopper,
            &OrderRequest {
                quantity: 1,
                payment: PaymentChoice::Method(m.id),
                proof: Some(Proof::Text("ref".into())),
                ..by_balance(p)
            },
            &key("o"),
        )
        .unwrap();
    assert!(order.holds_code());
    let shown = [
        format!("{order:?}"),
        serde_json::to_string(&order).unwrap(),
        format!("{:?}", t.shop.order(&s.shopper, order.id).unwrap()),
        format!(
            "{:?}",
            t.shop
                .orders_of(&s.shopper, uid(10), None, 10)
                .unwrap()
                .orders
        ),
        serde_json::to_string(
            &t.shop
                .orders_of(&s.shopper, uid(10), None, 10)
                .unwrap()
                .orders,
        )
        .unwrap(),
        t.shop.order_summary(&s.shopper, order.id).unwrap(),
    ];
    for text in shown {
        assert!(!text.contains("SECRET"), "a code leaked: {text}");
    }
    // After delivery the buyer sees it.
    t.shop
        .confirm_payment(&s.support, order.id, &key("c"))
        .unwrap();
    let done = t
        .shop
        .complete_order(&s.support, order.id, None, &key("k"))
        .unwrap();
    assert_eq!(done.delivery.as_deref(), Some("SECRET-A"));
}

#[test]
fn revoking_reaches_reserved_codes_and_a_code_enters_a_pool_once() {
    let (s, p) = code_shop();
    let t = &s.t;
    let owner = t.owner();
    // SECRET-A is reserved by an order paid from balance (MANUAL mode).
    let first = t
        .shop
        .create_order(&s.shopper, &by_balance(p), &key("o1"))
        .unwrap();
    assert!(first.holds_code());
    // Before the fix this returned 0, and the code came back to the pool after a cancel.
    assert_eq!(t.shop.revoke_codes(&owner, p, &["SECRET-A"]).unwrap(), 1);
    // The order took SECRET-B instead; cancelling does not bring SECRET-A back.
    t.shop
        .cancel_order(&s.shopper, first.id, &key("x"))
        .unwrap();
    assert_eq!(t.shop.product(p).unwrap().unwrap().codes_available, 1);
    let second = t
        .shop
        .create_order(&s.shopper, &by_balance(p), &key("o2"))
        .unwrap();
    let done = t
        .shop
        .complete_order(&s.support, second.id, None, &key("k"))
        .unwrap();
    assert_eq!(done.delivery.as_deref(), Some("SECRET-B"));

    // Neither a delivered nor a revoked code can be uploaded again (before the fix a
    // re-upload sold a delivered code to a second buyer).
    for old in ["SECRET-B", "SECRET-A"] {
        let err = refused(t, || t.shop.add_codes(&owner, p, &[old, "NEW-1"]));
        assert_eq!(err.kind(), "catalog.duplicate_codes");
        assert!(err.to_string().starts_with("1 of these"), "{err}");
    }

    // With the pool empty, revoking a reserved code hands the order to staff.
    t.shop.add_codes(&owner, p, &["SECRET-C"]).unwrap();
    let third = t
        .shop
        .create_order(&s.shopper, &by_balance(p), &key("o3"))
        .unwrap();
    assert_eq!(t.shop.revoke_all_codes(&owner, p).unwrap(), 1);
    let third = t.shop.order(&s.support, third.id).unwrap();
    assert!(!third.holds_code());
    assert_eq!(third.fulfilment, Fulfilment::Manual);
    assert_eq!(t.shop.manual_queue(&s.support, 10).unwrap().len(), 1);
    let err = refused(t, || {
        t.shop
            .complete_order(&s.support, third.id, None, &key("k3"))
    });
    assert_eq!(err.kind(), "order.delivery_required");
    assert!(
        t.shop.verify().unwrap().is_healthy(),
        "{}",
        t.shop.verify().unwrap()
    );
}

#[test]
fn a_store_from_schema_1_learns_the_fate_of_its_codes() {
    let (s, p) = code_shop();
    let t = &s.t;
    let sold = t
        .shop
        .create_order(&s.shopper, &by_balance(p), &key("o1"))
        .unwrap();
    t.shop
        .complete_order(&s.support, sold.id, None, &key("k"))
        .unwrap();
    let reserved = t
        .shop
        .create_order(&s.shopper, &by_balance(p), &key("o2"))
        .unwrap();
    let Shop { t, .. } = s;
    let TestShop { shop, clock, dir } = t;
    drop(shop);
    {
        // What schema 1 looked like: no `codes_seen` (here already moved into the one tree
        // of schema 3; `storage::migration` starts from the per-table layout).
        let db = RawStore::open(&dir.location());
        assert!(db.table("codes_seen").len() > 0);
        db.table("codes_seen").clear();
        db.table("meta")
            .insert(
                "schema_version",
                bincode::serde::encode_to_vec(1u32, bincode::config::standard()).unwrap(),
            )
            .unwrap();
        db.flush().unwrap();
    }
    let t = TestShop {
        shop: shopcore::Shop::open(dir.location(), crate::common::config(&clock)).unwrap(),
        clock,
        dir,
    };
    assert!(
        t.shop.verify().unwrap().is_healthy(),
        "{}",
        t.shop.verify().unwrap()
    );
    let owner = t.owner();
    for old in ["SECRET-A", "SECRET-B"] {
        assert_eq!(
            refused(&t, || t.shop.add_codes(&owner, p, &[old])).kind(),
            "catalog.duplicate_codes"
        );
    }
    assert_eq!(t.shop.revoke_codes(&owner, p, &["SECRET-B"]).unwrap(), 1);
    let reserved = t.shop.order(&owner, reserved.id).unwrap();
    assert_eq!(reserved.fulfilment, Fulfilment::Manual);
}

// ----- rounding in the shop's favour, never the buyer's -------------------------------------

#[test]
fn what_the_shop_asks_covers_the_price_and_what_it_credits_never_exceeds_what_it_received() {
    use shopcore::currency::credit_usd;
    let rates = [
        "0.00000001",
        "0.0001",
        "0.4",
        "0.75",
        "1",
        "3",
        "3.6725",
        "48.5",
        "1000",
        "1000000",
    ];
    let totals = ["0.01", "0.99", "1", "3.74", "99.99", "12345.67"];
    for decimals in 0..=3u32 {
        for rate in rates {
            let currency = shopcore::Currency {
                decimals,
                units_per_usd: money(rate),
                ..shopcore::Currency::usd()
            };
            let unit = shopcore::Money::from_decimal(rust_decimal::Decimal::new(1, decimals));
            for total in totals {
                let total = money(total);
                let ask = currency.ask_for_usd(total).unwrap();
                assert!(ask.decimals() <= decimals, "{ask} has too many places");
                let credit = credit_usd(ask, currency.units_per_usd).unwrap();
                let case = format!(
                    "{total} USD at {rate} ({decimals} places): ask {ask}, credit {credit}"
                );
                // What is asked covers the price ...
                assert!(credit >= total, "{case}");
                // ... and is the least that does: one unit less would not.
                let less = ask.checked_sub(unit).unwrap();
                let less_worth = less.decimal() / currency.units_per_usd.decimal();
                assert!(less_worth < total.decimal(), "{case}");
                // What is credited never exceeds the value received.
                let worth = ask.decimal() / currency.units_per_usd.decimal();
                assert!(credit.decimal() <= worth, "{case}");
                assert!(
                    worth - credit.decimal() < rust_decimal::Decimal::new(1, 2),
                    "{case}"
                );
            }
        }
    }
}

#[test]
fn paying_in_a_coarse_currency_and_cancelling_mints_nothing() {
    let s = shop();
    let t = &s.t;
    let owner = t.owner();
    t.shop
        .add_currency(&owner, "XAF", "F", 0, money("0.4"))
        .unwrap();
    let m = t
        .shop
        .create_payment_method(&owner, &new_method("Cash", "XAF", "1", "1000"))
        .unwrap();
    let p = product(&s, "Top-up", "3.74", Delivery::Manual, Stock::Unlimited);
    let buyer = t.staff(20, Role::User);
    let mut received_usd = money("0");
    for round in 0..10 {
        let order = t
            .shop
            .create_order(
                &buyer,
                &OrderRequest {
                    quantity: 1,
                    payment: PaymentChoice::Method(m.id),
                    proof: Some(Proof::Text(format!("cash {round}"))),
                    ..by_balance(p)
                },
                &key(&format!("o{round}")),
            )
            .unwrap();
        let shopcore::Payment::Method { amount, .. } = &order.payment else {
            panic!("a method order");
        };
        // 3.74 USD is 1.496 units: the shop asks 2 (5.00 USD), never 1 (2.50 USD).
        assert_eq!(*amount, money("2"));
        received_usd = received_usd
            .checked_add(
                amount
                    .decimal()
                    .checked_div(money("0.4").decimal())
                    .map(shopcore::Money::from_decimal)
                    .unwrap(),
            )
            .unwrap();
        t.shop
            .confirm_payment(&s.support, order.id, &key(&format!("c{round}")))
            .unwrap();
        t.shop
            .cancel_order(&buyer, order.id, &key(&format!("x{round}")))
            .unwrap();
    }
    // Before the fix: 25.00 USD paid became 37.40 USD of balance.
    let balance = t.shop.balance(uid(20)).unwrap();
    assert_eq!(received_usd, money("50"));
    assert!(
        balance <= received_usd,
        "{balance} credited for {received_usd} received"
    );
    assert_eq!(balance, money("50"));
    assert!(
        t.shop.verify().unwrap().is_healthy(),
        "{}",
        t.shop.verify().unwrap()
    );
}

#[test]
fn a_topup_credits_what_was_received_rounded_down() {
    let s = shop();
    let t = &s.t;
    let owner = t.owner();
    t.shop
        .add_currency(&owner, "SAR", "﷼", 2, money("3"))
        .unwrap();
    let m = t
        .shop
        .create_payment_method(&owner, &new_method("STC Pay", "SAR", "1", "1000"))
        .unwrap();
    // 2 SAR at 3 per USD is 0.6666… USD: credited 0.66, not 0.67.
    let topup = t
        .shop
        .request_topup(&s.shopper, &crate::common::topup_request(m.id, "2", "t1"))
        .unwrap();
    assert_eq!(topup.amount_usd, money("0.66"));
}

// ----- acting for others, banned users, username probing -------------------------------------

#[test]
fn acting_for_another_user_needs_act_for_users_and_is_audited_as_the_staff_member() {
    let s = shop();
    let t = &s.t;
    let p = product(&s, "X", "5", Delivery::Manual, Stock::Unlimited);
    t.user(11, None);
    let other = t.staff(12, Role::User);
    // A shopper can't spend someone else's balance (before the fix the console did this).
    let err = refused(t, || {
        t.shop
            .create_order_for(&other, uid(10), &by_balance(p), &key("o"))
    });
    assert_eq!(err.kind(), "denied.missing_permission");
    let denied = crate::common::last_audit(t);
    assert_eq!(denied.actor, shopcore::ActorRef::User(uid(12)));
    // Support staff can't either; an operator can, and the audit entry is theirs.
    let err = refused(t, || {
        t.shop
            .create_order_for(&s.support, uid(10), &by_balance(p), &key("o"))
    });
    assert_eq!(err.kind(), "denied.missing_permission");
    let operator = t.staff(30, Role::Operator);
    let order = t
        .shop
        .create_order_for(&operator, uid(10), &by_balance(p), &key("o"))
        .unwrap();
    assert_eq!(order.user, uid(10));
    assert_eq!(t.shop.balance(uid(10)).unwrap(), money("95"));
    let entry = crate::common::last_audit(t);
    assert_eq!(entry.actor, shopcore::ActorRef::User(uid(30)));
    assert!(
        entry
            .details
            .iter()
            .any(|d| d.field == "buyer" && d.after.as_deref() == Some("10"))
    );
    // The buyer's own rules still hold: a banned buyer can't be ordered for.
    t.shop.ban_user(&t.owner(), uid(11), "fraud").unwrap();
    let err = refused(t, || {
        t.shop
            .create_order_for(&operator, uid(11), &by_balance(p), &key("o2"))
    });
    assert_eq!(err.kind(), "denied.banned");
    assert!(t.shop.verify().unwrap().is_healthy());
}

#[test]
fn a_top_up_filed_for_a_user_is_reviewed_by_someone_else() {
    let s = shop();
    let t = &s.t;
    let m = t
        .shop
        .create_payment_method(&t.owner(), &new_method("Cash desk", "USD", "1", "1000"))
        .unwrap();
    let operator = t.staff(30, Role::Operator);
    let topup = t
        .shop
        .request_topup_for(
            &operator,
            uid(10),
            &crate::common::topup_request(m.id, "50", "cash"),
        )
        .unwrap();
    assert_eq!(topup.user, uid(10));
    for err in [
        refused(t, || t.shop.approve_topup(&operator, topup.id, &key("a"))),
        refused(t, || {
            t.shop.reject_topup(&operator, topup.id, "no", &key("r"))
        }),
    ] {
        assert_eq!(err.kind(), "denied.self_action");
    }
    t.shop
        .approve_topup(&s.support, topup.id, &key("a2"))
        .unwrap();
    assert_eq!(t.shop.balance(uid(10)).unwrap(), money("150"));
    assert!(t.shop.verify().unwrap().is_healthy());
}

#[test]
fn a_banned_user_cannot_rename_or_take_usernames_and_shoppers_cannot_probe_usernames() {
    let s = shop();
    let t = &s.t;
    t.user(11, Some("mallory"));
    t.user(12, Some("alice"));
    t.shop.ban_user(&t.owner(), uid(11), "fraud").unwrap();
    let err = refused(t, || {
        t.shop.register_user(&shopcore::Registration {
            id: uid(11),
            username: Some("alice"),
            display_name: "Totally Alice",
            language: None,
        })
    });
    assert_eq!(err.kind(), "denied.banned");
    assert_eq!(
        t.shop.find_user(&t.owner(), "@alice").unwrap().id,
        uid(12),
        "alice keeps her name"
    );
    // A shopper learns nothing about which usernames exist: the same refusal for both.
    let real = refused(t, || t.shop.find_user(&s.shopper, "@alice")).kind();
    let made_up = refused(t, || t.shop.find_user(&s.shopper, "@nobody_here")).kind();
    assert_eq!(
        (real, made_up),
        ("denied.missing_permission", "denied.missing_permission")
    );
}

// ----- what one user can make the shop store -------------------------------------------------

#[test]
fn refused_attempts_acknowledged_notices_and_old_request_keys_are_pruned() {
    let s = shop();
    let t = &s.t;
    let owner = t.owner();
    let m = t
        .shop
        .create_payment_method(&owner, &new_method("Bank", "USD", "1", "1000"))
        .unwrap();
    let p = product(&s, "X", "5", Delivery::Manual, Stock::Unlimited);
    let abuser = t.staff(40, Role::User);
    let cycles = 100;
    for i in 0..cycles {
        let order = t
            .shop
            .create_order(
                &abuser,
                &OrderRequest {
                    quantity: 1,
                    payment: PaymentChoice::Method(m.id),
                    proof: Some(Proof::Text("x".into())),
                    ..by_balance(p)
                },
                &key(&format!("o{i}")),
            )
            .unwrap();
        t.shop
            .cancel_order(&abuser, order.id, &key(&format!("c{i}")))
            .unwrap();
        // A refused action: audited as denied.
        t.shop
            .confirm_payment(&abuser, order.id, &key(&format!("p{i}")))
            .unwrap_err();
    }
    // Notices: a top-up waiting for staff, then its rejection, both acknowledged.
    let topup = t
        .shop
        .request_topup(&abuser, &crate::common::topup_request(m.id, "5", "t"))
        .unwrap();
    t.shop
        .reject_topup(&owner, topup.id, "no transfer", &key("r"))
        .unwrap();
    let pending = t.shop.pending_notifications("telegram", 500).unwrap();
    assert!(pending.len() >= 2);
    t.shop
        .ack_notifications("telegram", pending.last().unwrap().seq)
        .unwrap();

    // Nothing young goes: request keys are kept for the retry window whatever the cutoff.
    t.clock.advance_millis(1);
    let now = shopcore::retention::RetentionPolicy::everything_before(t.shop.now());
    let early = t.shop.prune(&owner, &now).unwrap();
    assert_eq!(
        early.request_keys, 0,
        "keys younger than the retry window stay"
    );
    assert_eq!(early.audit_entries, u64::try_from(cycles).unwrap());
    assert_eq!(early.outbox_entries, u64::try_from(pending.len()).unwrap());
    // A replay inside the window still answers with the first result.
    let replay = t
        .shop
        .cancel_order(&abuser, shopcore::OrderId::new(1).unwrap(), &key("c0"))
        .unwrap();
    assert_eq!(replay.status, OrderStatus::Cancelled);

    t.clock
        .advance_millis(shopcore::retention::REQUEST_KEY_KEEP_MS + 1);
    let later = t
        .shop
        .prune(
            &owner,
            &shopcore::retention::RetentionPolicy::everything_before(t.shop.now()),
        )
        .unwrap();
    // Two keys per cycle (order, cancel), plus the top-up's, the rejection's and the
    // set-up's float adjustment; denied attempts remember no key.
    assert_eq!(later.request_keys, u64::try_from(2 * cycles + 3).unwrap());
    assert!(
        t.shop.verify().unwrap().is_healthy(),
        "{}",
        t.shop.verify().unwrap()
    );
}
