//! Analytics: SEED pre-release test 10 with exact figures from a scripted history over
//! several days in a UTC+3 shop, roll-up rebuilds, time-zone changes and permissions.

use crate::common::{
    TestShop, key, last_audit, money, new_method, new_product, topup_request, uid,
};
use shopcore::analytics::{civil_from_days, month_start, week_start};
use shopcore::{
    AuditAction, DashboardOptions, Delivery, FulfilmentMode, OrderRequest, OrderStatus,
    Registration, Timestamp, Zone,
};

const HOUR: i64 = Timestamp::MILLIS_PER_HOUR;
const DAY: i64 = Timestamp::MILLIS_PER_DAY;
/// 2026-01-01T00:00:00Z, a Thursday.
const JAN_1: i64 = 1_767_225_600_000;

fn at(t: &TestShop, day_of_january: i64, utc_hour: i64, minute: i64) {
    t.clock.set(Timestamp(
        JAN_1 + (day_of_january - 1) * DAY + utc_hour * HOUR + minute * 60_000,
    ));
}

fn buy(t: &TestShop, user: u64, product: shopcore::ProductId, k: &str) -> shopcore::Order {
    let actor = t.shop.actor(uid(user)).unwrap();
    let request = OrderRequest::from_balance(product, 1);
    t.shop.create_order(&actor, &request, &key(k)).unwrap()
}

fn touch(t: &TestShop, user: u64) {
    t.shop
        .register_user(&Registration {
            id: uid(user),
            username: None,
            display_name: "x",
            language: None,
        })
        .unwrap();
}

/// The scripted history; returns the shop at "now" = Wed 2026-01-07 15:00 shop time.
fn history() -> TestShop {
    let t = TestShop::new(); // the owner is bootstrapped at 2026-01-01 00:00Z
    let owner = t.owner();
    t.shop.set_utc_offset(&owner, 180).unwrap();
    let cat = t.shop.create_category(&owner, "All", 0).unwrap().id;
    let p1 = t
        .shop
        .create_product(&owner, &new_product(cat, "UC 660", "10"))
        .unwrap()
        .id;
    let mut codes = new_product(cat, "Card", "5");
    codes.delivery = Delivery::Codes;
    let p2 = t.shop.create_product(&owner, &codes).unwrap().id;
    t.shop.add_codes(&owner, p2, &["A", "B"]).unwrap();
    let method = t
        .shop
        .create_payment_method(&owner, &new_method("Bank", "USD", "1", "100"))
        .unwrap()
        .id;

    // Thu Jan 1, 13:00 shop time.
    at(&t, 1, 10, 0);
    touch(&t, 10);
    touch(&t, 11);
    for user in [10, 11] {
        t.shop
            .adjust_balance(
                &owner,
                uid(user),
                money("50"),
                "float",
                &key(&format!("f{user}")),
            )
            .unwrap();
    }
    let o = buy(&t, 10, p1, "o1");
    t.shop
        .complete_order(&owner, o.id, Some("sent"), &key("c1"))
        .unwrap();
    let shopper = t.shop.actor(uid(11)).unwrap();
    let topup = t
        .shop
        .request_topup(&shopper, &topup_request(method, "20", "t1"))
        .unwrap();
    t.shop.approve_topup(&owner, topup.id, &key("a1")).unwrap();

    // Mon Jan 5, 12:00 shop time.
    at(&t, 5, 9, 0);
    touch(&t, 12);
    t.shop
        .adjust_balance(&owner, uid(12), money("50"), "float", &key("f12"))
        .unwrap();
    t.shop
        .set_fulfilment_mode(&owner, FulfilmentMode::Auto)
        .unwrap();
    let auto = buy(&t, 10, p2, "o2");
    assert_eq!(auto.status, OrderStatus::Completed);
    t.shop
        .set_fulfilment_mode(&owner, FulfilmentMode::Manual)
        .unwrap();
    let failed = buy(&t, 11, p1, "o3");
    t.shop
        .fail_order(&owner, failed.id, "no stock upstream", &key("f3"))
        .unwrap();

    // Tue Jan 6 21:30 UTC = Wed Jan 7 00:30 shop time.
    at(&t, 6, 21, 30);
    let late = buy(&t, 12, p1, "o4");
    t.shop
        .complete_order(&owner, late.id, Some("sent"), &key("c4"))
        .unwrap();

    // Wed Jan 7, 15:00 shop time.
    at(&t, 7, 12, 0);
    touch(&t, 10);
    t.shop.ban_user(&owner, uid(11), "chargeback").unwrap();
    t
}

#[test]
fn seed_test_10_view_statistics() {
    let t = history();
    let d = t
        .shop
        .dashboard(
            &t.owner(),
            DashboardOptions {
                top_n: 5,
                series_days: 7,
            },
        )
        .unwrap();
    assert_eq!(d.date, (2026, 1, 7));
    assert_eq!(d.time_zone, "UTC+03:00");
    let u = &d.users;
    assert_eq!(
        (u.total, u.new_today, u.new_this_week, u.banned),
        (4, 0, 1, 1)
    );
    assert_eq!((u.active_1d, u.active_7d, u.active_30d), (1, 4, 4));
    let o = &d.orders;
    assert_eq!((o.total, o.today, o.this_week), (4, 1, 3));
    let status = |s: OrderStatus| o.by_status.iter().find(|(k, _)| *k == s).unwrap().1;
    assert_eq!(
        (
            status(OrderStatus::Completed),
            status(OrderStatus::Failed),
            status(OrderStatus::Paid)
        ),
        (3, 1, 0)
    );
    assert_eq!(o.success_rate_percent, Some("75.00".parse().unwrap()));
    assert_eq!((o.completed_manual, o.completed_auto), (2, 1));
    let r = &d.revenue;
    assert_eq!(
        (
            r.total,
            r.today,
            r.this_week,
            r.this_month,
            r.average_order_value
        ),
        (
            money("25"),
            money("10"),
            money("15"),
            money("25"),
            money("8.33")
        )
    );
    assert_eq!(
        (d.topups.count, d.topups.total, d.topups.today_count),
        (1, money("20"), 0)
    );
    let names: Vec<_> = d
        .best_by_units
        .iter()
        .map(|b| (b.name.as_str(), b.units, b.revenue))
        .collect();
    assert_eq!(
        names,
        vec![("UC 660", 2, money("20")), ("Card", 1, money("5"))]
    );
    assert_eq!(d.best_by_revenue[0].name, "UC 660");
    let series: Vec<_> = d.revenue_series.iter().map(|(_, m)| *m).collect();
    assert_eq!(
        series,
        ["10", "0", "0", "0", "5", "0", "10"].map(money).to_vec()
    );
    let activity: Vec<_> = d.activity_series.iter().map(|(_, n)| *n).collect();
    assert_eq!(activity, vec![3, 0, 0, 0, 1, 0, 1]);
    assert_eq!(civil_from_days(d.revenue_series[0].0), (2026, 1, 1));
    assert_eq!(last_audit(&t).action, AuditAction::ViewStats);
    // The same totals, read for monitoring without an actor or an audit entry.
    let before = last_audit(&t).seq;
    let totals = t.shop.totals().unwrap();
    assert_eq!((totals.users, totals.orders, totals.topups), (4, 4, 1));
    assert_eq!(last_audit(&t).seq, before);
    assert!(
        t.shop.verify().unwrap().is_healthy(),
        "{}",
        t.shop.verify().unwrap()
    );
}

#[test]
fn rebuilding_gives_the_same_figures_and_a_new_offset_moves_day_boundaries() {
    let t = history();
    let owner = t.owner();
    let options = DashboardOptions {
        top_n: 3,
        series_days: 7,
    };
    let before = t.shop.dashboard(&owner, options).unwrap();
    t.shop.rebuild_rollups(&owner).unwrap();
    assert_eq!(t.shop.dashboard(&owner, options).unwrap(), before);

    // In UTC the late order falls on Tuesday the 6th.
    t.shop.set_utc_offset(&owner, 0).unwrap();
    let utc = t.shop.dashboard(&owner, options).unwrap();
    assert_eq!(utc.orders.today, 0);
    assert_eq!(utc.revenue.today, money("0"));
    assert_eq!(utc.revenue_series[5].1, money("10"));
    assert!(
        t.shop.verify().unwrap().is_healthy(),
        "{}",
        t.shop.verify().unwrap()
    );
    assert_eq!(
        t.shop.set_utc_offset(&owner, 15 * 60).unwrap_err().kind(),
        "invalid.unknown_name"
    );
}

#[test]
fn tampered_rollups_are_reported() {
    let t = history();
    let crate::common::TestShop { shop, clock, dir } = t;
    drop(shop);
    {
        let db = crate::common::RawStore::open(&dir.location());
        let rollups = db.table("rollups");
        let (mut totals, _): (shopcore::analytics::Totals, usize) =
            bincode::serde::decode_from_slice(
                &rollups.get(b"t").unwrap().unwrap(),
                bincode::config::standard(),
            )
            .unwrap();
        totals.orders += 1;
        rollups
            .insert(
                b"t",
                bincode::serde::encode_to_vec(&totals, bincode::config::standard()).unwrap(),
            )
            .unwrap();
        db.flush().unwrap();
    }
    let shop = shopcore::Shop::open(dir.location(), crate::common::config(&clock)).unwrap();
    let report = shop.verify().unwrap();
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.contains("analytics: roll-up 74")),
        "{report}"
    );
}

#[test]
fn the_dashboard_needs_view_stats() {
    let t = history();
    let support = t.staff(3, shopcore::Role::Support);
    assert!(
        t.shop
            .dashboard(&support, DashboardOptions::default())
            .is_ok()
    );
    let shopper = t.shop.actor(uid(10)).unwrap();
    let err = t
        .shop
        .dashboard(&shopper, DashboardOptions::default())
        .unwrap_err();
    assert_eq!(err.kind(), "denied.missing_permission");
    let err = t
        .shop
        .dashboard(
            &support,
            DashboardOptions {
                top_n: 5,
                series_days: 0,
            },
        )
        .unwrap_err();
    assert_eq!(err.kind(), "invalid.page_size");
}

#[test]
fn calendar_helpers() {
    // 2026-01-07 is day 20_460 and a Wednesday.
    let day = (JAN_1 / DAY) + 6;
    assert_eq!(civil_from_days(day), (2026, 1, 7));
    assert_eq!(civil_from_days(week_start(day)), (2026, 1, 5));
    assert_eq!(civil_from_days(month_start(day)), (2026, 1, 1));
    assert_eq!(civil_from_days(0), (1970, 1, 1));
    assert_eq!(civil_from_days(-1), (1969, 12, 31));
    assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    assert_eq!(Timestamp(JAN_1 - 1).day_in(&Zone::utc()), JAN_1 / DAY - 1);
    assert_eq!(Timestamp(JAN_1 - 1).day_in(&Zone::fixed(60)), JAN_1 / DAY);
}

/// 2026-07-01T00:00:00Z.
const JUL_1: i64 = 1_782_864_000_000;

/// Cairo keeps daylight saving (UTC+2 in winter, UTC+3 from the last Friday of April to the
/// last Thursday of October): a summer order at 21:30 UTC is already the next day there, a
/// winter one at 21:30 UTC is not — which no fixed offset gets right for both.
#[test]
fn an_iana_zone_follows_daylight_saving_in_the_statistics() {
    let t = TestShop::new();
    let owner = t.owner();
    let settings = t.shop.set_time_zone(&owner, "Africa/Cairo").unwrap();
    assert_eq!(settings.time_zone.name(), "Africa/Cairo");
    let audit = last_audit(&t);
    assert_eq!(audit.action, AuditAction::UpdateSettings);
    assert!(
        audit.details.iter().any(|d| d.field == "time_zone"
            && d.before.as_deref() == Some("UTC")
            && d.after.as_deref() == Some("Africa/Cairo")),
        "{audit:?}"
    );
    let cat = t.shop.create_category(&owner, "All", 0).unwrap().id;
    let product = t
        .shop
        .create_product(&owner, &new_product(cat, "UC 660", "10"))
        .unwrap()
        .id;
    touch(&t, 10);
    t.shop
        .adjust_balance(&owner, uid(10), money("50"), "float", &key("f"))
        .unwrap();
    let complete_at = |at: i64, k: &str| {
        t.clock.set(Timestamp(at));
        let o = buy(&t, 10, product, k);
        t.shop
            .complete_order(&owner, o.id, Some("sent"), &key(&format!("c{k}")))
            .unwrap();
    };
    // Winter: Jan 10 21:30 UTC = 23:30 in Cairo (UTC+2), still the 10th.
    complete_at(JAN_1 + 9 * DAY + 21 * HOUR + 30 * 60_000, "w");
    // Summer: Jul 10 21:30 UTC = 00:30 on the 11th in Cairo (UTC+3).
    complete_at(JUL_1 + 9 * DAY + 21 * HOUR + 30 * 60_000, "s");
    t.clock.set(Timestamp(JUL_1 + 10 * DAY + 12 * HOUR));
    let options = DashboardOptions {
        top_n: 3,
        series_days: 2,
    };
    let cairo = t.shop.dashboard(&owner, options).unwrap();
    assert_eq!(cairo.time_zone, "Africa/Cairo");
    assert_eq!(cairo.date, (2026, 7, 11));
    assert_eq!((cairo.orders.today, cairo.revenue.today), (1, money("10")));
    assert_eq!(civil_from_days(cairo.revenue_series[1].0), (2026, 7, 11));
    assert!(t.shop.verify().unwrap().is_healthy());
    // The winter order's day is the 10th in Cairo (a UTC+3 offset would say the 11th).
    let zone = t.shop.settings().time_zone;
    let winter = Timestamp(JAN_1 + 9 * DAY + 21 * HOUR + 30 * 60_000);
    assert_eq!(civil_from_days(winter.day_in(&zone)), (2026, 1, 10));
    assert_eq!(
        civil_from_days(winter.day_in(&Zone::fixed(180))),
        (2026, 1, 11)
    );

    // A fixed UTC+2 offset puts the summer order on the 10th: not today.
    t.shop.set_utc_offset(&owner, 120).unwrap();
    let fixed = t.shop.dashboard(&owner, options).unwrap();
    assert_eq!(fixed.time_zone, "UTC+02:00");
    assert_eq!(fixed.orders.today, 0);
    assert!(t.shop.verify().unwrap().is_healthy());

    // Back to Cairo, and the zone survives a restart.
    t.shop.set_time_zone(&owner, "Africa/Cairo").unwrap();
    let t = t.reopen();
    assert_eq!(t.shop.settings().time_zone.name(), "Africa/Cairo");
    let again = t.shop.dashboard(&t.owner(), options).unwrap();
    assert_eq!((again.orders.today, again.date), (1, (2026, 7, 11)));
}

#[test]
fn a_bad_time_zone_or_a_shopper_changes_nothing() {
    let t = TestShop::new();
    let owner = t.owner();
    let before = t.shop.settings();
    for bad in [
        "",
        "Mars/Olympus",
        "Africa/Cairo\u{0}",
        "UTC+3",
        &"A".repeat(200),
    ] {
        let err = t.shop.set_time_zone(&owner, bad).unwrap_err();
        assert_eq!(err.kind(), "invalid.unknown_name", "{bad:?}");
    }
    touch(&t, 10);
    let shopper = t.shop.actor(uid(10)).unwrap();
    let err = t.shop.set_time_zone(&shopper, "Asia/Riyadh").unwrap_err();
    assert_eq!(err.kind(), "denied.missing_permission");
    assert_eq!(t.shop.settings(), before);
    // The same zone again changes nothing and writes no audit entry.
    t.shop.set_time_zone(&owner, "Asia/Riyadh").unwrap();
    let version = t.shop.settings().version;
    let audited = last_audit(&t).seq;
    t.shop.set_time_zone(&owner, "asia/riyadh").unwrap();
    assert_eq!(t.shop.settings().version, version);
    assert_eq!(last_audit(&t).seq, audited);
}
