//! Races on orders: many threads at once, one outcome. Each asserts the exact count of
//! winners and that `verify()` stays empty.

use crate::common::{key, money, uid};
use crate::orders::{by_balance, product, shop};
use shopcore::coupons::{CouponKind, CouponScope, NewCoupon};
use shopcore::{Delivery, FulfilmentMode, Role, Stock};
use std::sync::Arc;

fn buyers(t: &crate::common::TestShop, n: u64, balance: &str) -> Vec<shopcore::Actor> {
    (0..n)
        .map(|i| {
            let id = 1_000 + i;
            t.user(id, None);
            t.shop
                .adjust_balance(
                    &t.owner(),
                    uid(id),
                    money(balance),
                    "float",
                    &key(&format!("f{id}")),
                )
                .unwrap();
            t.shop.actor(uid(id)).unwrap()
        })
        .collect()
}

type OrderResult = Result<shopcore::Order, shopcore::Error>;
type Job = Box<dyn FnOnce() -> OrderResult + Send>;

fn race(jobs: Vec<Job>) -> Vec<OrderResult> {
    let handles: Vec<_> = jobs.into_iter().map(std::thread::spawn).collect();
    handles.into_iter().map(|h| h.join().unwrap()).collect()
}

#[test]
fn sixteen_buyers_for_the_last_unit() {
    let s = shop();
    let p = product(&s, "Last one", "5", Delivery::Manual, Stock::Limited(1));
    let actors = buyers(&s.t, 16, "10");
    let t = Arc::new(s.t);
    let jobs = actors
        .into_iter()
        .map(|a| {
            let t = t.clone();
            Box::new(move || t.shop.create_order(&a, &by_balance(p), &key("buy"))) as Job
        })
        .collect();
    let results = race(jobs);
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
    assert!(
        results
            .iter()
            .filter_map(|r| r.as_ref().err())
            .all(|e| e.kind() == "order.out_of_stock")
    );
    assert_eq!(t.shop.product(p).unwrap().unwrap().stock, Stock::Limited(0));
    assert!(t.shop.verify().unwrap().is_healthy());
}

#[test]
fn concurrent_orders_never_overdraw_a_balance() {
    let s = shop();
    let owner = s.t.owner();
    s.t.shop
        .set_fulfilment_mode(&owner, FulfilmentMode::Auto)
        .unwrap();
    // Code orders complete at once, so one buyer can place many in a row.
    let p = product(&s, "Card", "7", Delivery::Codes, Stock::Unlimited);
    let codes: Vec<String> = (0..40).map(|i| format!("C{i}")).collect();
    let codes: Vec<&str> = codes.iter().map(String::as_str).collect();
    s.t.shop.add_codes(&owner, p, &codes).unwrap();
    let buyer = buyers(&s.t, 1, "50").remove(0);
    let t = Arc::new(s.t);
    let jobs = (0..16)
        .map(|i| {
            let t = t.clone();
            let buyer = buyer.clone();
            Box::new(move || {
                t.shop
                    .create_order(&buyer, &by_balance(p), &key(&format!("k{i}")))
            }) as Job
        })
        .collect();
    let results = race(jobs);
    let wins = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(wins, 7, "50 / 7 = 7 orders fit");
    assert!(
        results
            .iter()
            .filter_map(|r| r.as_ref().err())
            .all(|e| e.kind() == "wallet.insufficient_balance")
    );
    assert_eq!(t.shop.balance(uid(1_000)).unwrap(), money("1"));
    assert_eq!(t.shop.product(p).unwrap().unwrap().codes_available, 33);
    assert!(t.shop.verify().unwrap().is_healthy());
}

#[test]
fn a_coupons_last_use_goes_to_exactly_one_buyer() {
    let s = shop();
    let p = product(&s, "X", "10", Delivery::Manual, Stock::Unlimited);
    s.t.shop
        .create_coupon(
            &s.t.owner(),
            &NewCoupon {
                code: "LAST".into(),
                kind: CouponKind::Fixed(money("2")),
                max_uses: 3,
                uses_per_user: 1,
                min_order_usd: None,
                expires_at: None,
                scope: CouponScope::All,
            },
        )
        .unwrap();
    let actors = buyers(&s.t, 16, "20");
    let t = Arc::new(s.t);
    let jobs = actors
        .into_iter()
        .map(|a| {
            let t = t.clone();
            Box::new(move || {
                let mut request = by_balance(p);
                request.coupon = Some("LAST".into());
                t.shop.create_order(&a, &request, &key("buy"))
            }) as Job
        })
        .collect();
    let results = race(jobs);
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 3);
    assert!(
        results
            .iter()
            .filter_map(|r| r.as_ref().err())
            .all(|e| e.kind() == "coupon.used_up")
    );
    assert_eq!(t.shop.coupon("LAST").unwrap().unwrap().uses, 3);
    assert!(t.shop.verify().unwrap().is_healthy());
}

#[test]
fn finalize_against_cancel_has_one_outcome() {
    let s = shop();
    let p = product(&s, "X", "4", Delivery::Manual, Stock::Unlimited);
    let support = s.t.staff(4, Role::Support);
    let t = Arc::new(s.t);
    for round in 0..12 {
        let shopper = t.shop.actor(uid(10)).unwrap();
        let order = t
            .shop
            .create_order(&shopper, &by_balance(p), &key(&format!("o{round}")))
            .unwrap();
        let (t1, t2) = (t.clone(), t.clone());
        let support = support.clone();
        let complete = std::thread::spawn(move || {
            t1.shop
                .complete_order(&support, order.id, Some("done"), &key(&format!("c{round}")))
        });
        let cancel = std::thread::spawn(move || {
            t2.shop
                .cancel_order(&shopper, order.id, &key(&format!("x{round}")))
        });
        let (a, b) = (complete.join().unwrap(), cancel.join().unwrap());
        assert!(
            a.is_ok() != b.is_ok(),
            "round {round}: exactly one wins ({a:?} / {b:?})"
        );
        let loser = if a.is_ok() { b } else { a };
        assert_eq!(loser.unwrap_err().kind(), "order.bad_transition");
    }
    // Each round either charged 4 (completed) or refunded it (cancelled).
    let completed = t
        .shop
        .orders_with_status(&t.owner(), shopcore::OrderStatus::Completed, None, 100)
        .unwrap()
        .orders
        .len();
    let expected = 100 - 4 * i64::try_from(completed).unwrap();
    assert_eq!(
        t.shop.balance(uid(10)).unwrap(),
        money(&expected.to_string())
    );
    assert!(t.shop.verify().unwrap().is_healthy());
}

/// `verify()` while orders take codes from a pool, top-ups are approved and balances move:
/// it reads one consistent state, so what it reports are problems, never a moment between
/// two records of one commit.
#[test]
fn verify_during_orders_reports_nothing() {
    let s = shop();
    let p = product(&s, "Gift card", "1", Delivery::Codes, Stock::Unlimited);
    let codes: Vec<String> = (0..600).map(|i| format!("CODE-{i:04}")).collect();
    let refs: Vec<&str> = codes.iter().map(String::as_str).collect();
    s.t.shop.add_codes(&s.t.owner(), p, &refs).unwrap();
    // Code orders complete inside their own transaction.
    s.t.shop
        .set_fulfilment_mode(&s.t.owner(), FulfilmentMode::Auto)
        .unwrap();
    let actors = buyers(&s.t, 4, "1000");
    let t = Arc::new(s.t);
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let workers: Vec<_> = actors
        .into_iter()
        .enumerate()
        .map(|(w, a)| {
            let (t, stop) = (t.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut n = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) && n < 120 {
                    t.shop
                        .create_order(&a, &by_balance(p), &key(&format!("w{w}-{n}")))
                        .unwrap();
                    n += 1;
                }
            })
        })
        .collect();
    let mut reports = Vec::new();
    for _ in 0..8 {
        reports.push(t.shop.verify().unwrap());
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for w in workers {
        w.join().unwrap();
    }
    for report in &reports {
        assert!(report.is_healthy(), "{report}");
    }
    assert!(t.shop.verify().unwrap().is_healthy());
}
