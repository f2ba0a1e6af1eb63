//! Referrals (`Shop::attribute_referral`, the program, the reward when the referred
//! shopper's first order completes): attributed once, never to oneself, rewarded once
//! through the ledger within the caps, and `verify()` holds it. Runs on both backends.

use crate::common::{TestShop, buy_completed, key, last_audit, money, new_product, refused, uid};
use shopcore::referrals::{NoReward, Outcome, Program, Reward};
use shopcore::{
    Actor, AuditAction, Error, LedgerKind, NotificationKind, OrderStatus, ProductId, Role,
    Timestamp,
};

fn assert_healthy(t: &TestShop) {
    let report = t.shop.verify().expect("verify");
    assert!(report.is_healthy(), "{report}");
}

fn program(reward: Reward, max_rewards: u32, per_period: u32) -> Program {
    Program {
        reward,
        max_rewards,
        max_rewards_per_period: per_period,
        period_days: 30,
    }
}

fn shopper(t: &TestShop, id: u64) -> Actor {
    t.staff(id, Role::User)
}

fn referral_kind(e: Error) -> &'static str {
    match e {
        Error::Referral(r) => r.kind(),
        other => panic!("expected a referral error, got {other:?}"),
    }
}

fn balance(t: &TestShop, user: u64) -> shopcore::Money {
    t.shop.wallet(uid(user)).unwrap().balance
}

fn setup() -> (TestShop, ProductId) {
    let t = TestShop::new();
    let owner = t.owner();
    let cat = t.shop.create_category(&owner, "All", 0).unwrap().id;
    let product = t
        .shop
        .create_product(&owner, &new_product(cat, "UC 660", "20"))
        .unwrap()
        .id;
    (t, product)
}

#[test]
fn a_referred_shoppers_first_completed_order_rewards_the_referrer_once() {
    let (t, product) = setup();
    let owner = t.owner();
    t.shop
        .set_referral_program(&owner, Some(program(Reward::Percent(money("5")), 10, 10)))
        .unwrap();
    shopper(&t, 10);
    let newcomer = shopper(&t, 11);
    let referral = t.shop.attribute_referral(&newcomer, uid(10)).unwrap();
    assert_eq!((referral.referrer, referral.outcome), (uid(10), None));
    assert_eq!(last_audit(&t).action, AuditAction::AttributeReferral);
    // Attributed once.
    let again = refused(&t, || t.shop.attribute_referral(&newcomer, uid(10)));
    assert_eq!(referral_kind(again), "referral.already_attributed");

    let first = buy_completed(&t, 11, product, "o1");
    // 5% of 20 USD.
    assert_eq!(balance(&t, 10), money("1.00"));
    let entries = t.shop.ledger(&owner, uid(10), None, 10).unwrap();
    let reward = entries
        .entries
        .iter()
        .find(|e| e.kind == LedgerKind::Referral)
        .expect("REFERRAL entry");
    assert_eq!(reward.amount, money("1.00"));
    let (stats, _) = t
        .shop
        .my_referrals(&t.shop.actor(uid(10)).unwrap())
        .unwrap();
    assert_eq!(
        (stats.referred, stats.rewarded, stats.earned_usd),
        (1, 1, money("1.00"))
    );
    let (_, mine) = t.shop.my_referrals(&newcomer).unwrap();
    assert_eq!(
        mine.unwrap().outcome,
        Some(Outcome::Rewarded {
            order: first.id,
            amount: money("1.00"),
            ledger_seq: reward.seq
        })
    );
    // The referrer is told, with the amount.
    assert!(
        t.shop
            .pending_notifications("test", 100)
            .unwrap()
            .iter()
            .any(|n| n.user == uid(10)
                && n.kind
                    == NotificationKind::ReferralRewarded {
                        referred: uid(11),
                        amount: money("1.00")
                    })
    );
    assert_healthy(&t);
    // A second completed order rewards nothing more.
    buy_completed(&t, 11, product, "o2");
    assert_eq!(balance(&t, 10), money("1.00"));
    assert_healthy(&t);
    let t = t.reopen();
    assert_eq!(balance(&t, 10), money("1.00"));
    assert_healthy(&t);
}

#[test]
fn self_referral_old_shoppers_cycles_and_unknown_referrers_are_refused() {
    let (t, product) = setup();
    let sam = shopper(&t, 10);
    let self_ref = refused(&t, || t.shop.attribute_referral(&sam, uid(10)));
    assert_eq!(referral_kind(self_ref), "referral.self_referral");
    let unknown = refused(&t, || t.shop.attribute_referral(&sam, uid(999)));
    assert_eq!(referral_kind(unknown), "referral.unknown_referrer");
    // A banned referrer brings no one.
    shopper(&t, 12);
    t.shop.ban_user(&t.owner(), uid(12), "fraud").unwrap();
    let banned = refused(&t, || t.shop.attribute_referral(&sam, uid(12)));
    assert_eq!(referral_kind(banned), "referral.referrer_banned");
    // A pair can't refer each other.
    let lina = shopper(&t, 13);
    t.shop.attribute_referral(&lina, uid(10)).unwrap();
    let cycle = refused(&t, || t.shop.attribute_referral(&sam, uid(13)));
    assert_eq!(referral_kind(cycle), "referral.cycle");
    // A shopper who has ordered, or registered over a day ago, is not new.
    let buyer = shopper(&t, 14);
    buy_completed(&t, 14, product, "o1");
    let ordered = refused(&t, || t.shop.attribute_referral(&buyer, uid(10)));
    assert_eq!(referral_kind(ordered), "referral.not_new");
    let late = shopper(&t, 15);
    t.clock.advance_millis(25 * Timestamp::MILLIS_PER_HOUR);
    let old = refused(&t, || t.shop.attribute_referral(&late, uid(10)));
    assert_eq!(referral_kind(old), "referral.not_new");
    // A system actor is no shopper.
    let console = t.shop.system_actor("console").unwrap();
    assert!(t.shop.attribute_referral(&console, uid(10)).is_err());
    assert_healthy(&t);
}

#[test]
fn caps_a_missing_program_and_a_banned_referrer_earn_nothing_and_say_why() {
    let (t, product) = setup();
    let owner = t.owner();
    shopper(&t, 10);
    // No program: recorded, not rewarded.
    let a = shopper(&t, 11);
    t.shop.attribute_referral(&a, uid(10)).unwrap();
    let order = buy_completed(&t, 11, product, "a");
    let outcome = |user: u64| {
        t.shop
            .my_referrals(&t.shop.actor(uid(user)).unwrap())
            .unwrap()
            .1
            .unwrap()
            .outcome
    };
    assert_eq!(
        outcome(11),
        Some(Outcome::NotRewarded {
            order: order.id,
            reason: NoReward::ProgramOff
        })
    );
    // A fixed reward, one per period, two in all.
    t.shop
        .set_referral_program(&owner, Some(program(Reward::Fixed(money("2.50")), 2, 1)))
        .unwrap();
    for user in [12, 13, 14] {
        let s = shopper(&t, user);
        t.shop.attribute_referral(&s, uid(10)).unwrap();
    }
    buy_completed(&t, 12, product, "b");
    buy_completed(&t, 13, product, "c");
    assert!(matches!(
        outcome(13),
        Some(Outcome::NotRewarded {
            reason: NoReward::PeriodCap,
            ..
        })
    ));
    assert_eq!(balance(&t, 10), money("2.50"));
    // The next period: rewarded, then the cap in all.
    t.clock.advance_millis(31 * Timestamp::MILLIS_PER_DAY);
    buy_completed(&t, 14, product, "d");
    assert_eq!(balance(&t, 10), money("5.00"));
    let late = shopper(&t, 15);
    t.shop.attribute_referral(&late, uid(10)).unwrap();
    buy_completed(&t, 15, product, "e");
    assert!(matches!(
        outcome(15),
        Some(Outcome::NotRewarded {
            reason: NoReward::Cap,
            ..
        })
    ));
    assert_eq!(balance(&t, 10), money("5.00"));
    // A referrer banned before the first order completes earns nothing.
    shopper(&t, 20);
    let b = shopper(&t, 21);
    t.shop.attribute_referral(&b, uid(20)).unwrap();
    t.shop.ban_user(&owner, uid(20), "fraud").unwrap();
    buy_completed(&t, 21, product, "f");
    assert!(matches!(
        outcome(21),
        Some(Outcome::NotRewarded {
            reason: NoReward::ReferrerBanned,
            ..
        })
    ));
    assert_eq!(balance(&t, 20), money("0"));
    assert_healthy(&t);
}

#[test]
fn a_failed_order_rewards_nothing_and_the_next_completed_one_counts() {
    let (t, product) = setup();
    let owner = t.owner();
    t.shop
        .set_referral_program(&owner, Some(program(Reward::Fixed(money("3")), 5, 5)))
        .unwrap();
    shopper(&t, 10);
    let a = shopper(&t, 11);
    t.shop.attribute_referral(&a, uid(10)).unwrap();
    t.shop
        .adjust_balance(&owner, uid(11), money("100"), "float", &key("f"))
        .unwrap();
    let order = t
        .shop
        .create_order(&a, &crate::orders::by_balance(product), &key("o"))
        .unwrap();
    let failed = t
        .shop
        .fail_order(&owner, order.id, "no stock upstream", &key("x"))
        .unwrap();
    assert_eq!(failed.status, OrderStatus::Failed);
    assert_eq!(balance(&t, 10), money("0"));
    // The referred shopper's first *completed* order is what counts.
    buy_completed(&t, 11, product, "o2");
    assert_eq!(balance(&t, 10), money("3"));
    assert_healthy(&t);
}

#[test]
fn a_bad_program_or_a_shopper_changes_nothing() {
    let (t, _) = setup();
    let owner = t.owner();
    for bad in [
        program(Reward::Percent(money("0")), 1, 1),
        program(Reward::Percent(money("51")), 1, 1),
        program(Reward::Percent(money("1.005")), 1, 1),
        program(Reward::Fixed(money("-1")), 1, 1),
        program(Reward::Fixed(money("100.01")), 1, 1),
        program(Reward::Fixed(money("1")), 0, 1),
        program(Reward::Fixed(money("1")), 1, 0),
        Program {
            period_days: 0,
            ..program(Reward::Fixed(money("1")), 1, 1)
        },
        Program {
            period_days: 400,
            ..program(Reward::Fixed(money("1")), 1, 1)
        },
    ] {
        let e = refused(&t, || t.shop.set_referral_program(&owner, Some(bad)));
        assert_eq!(referral_kind(e), "referral.bad_program", "{bad:?}");
    }
    let s = shopper(&t, 10);
    let denied = refused(&t, || {
        t.shop
            .set_referral_program(&s, Some(program(Reward::Fixed(money("1")), 1, 1)))
    });
    assert_eq!(denied.kind(), "denied.missing_permission");
    let none = refused(&t, || t.shop.set_referral_program(&owner, None));
    assert_eq!(none.kind(), "invalid.unchanged");
    let p = program(Reward::Fixed(money("1")), 1, 1);
    t.shop.set_referral_program(&owner, Some(p)).unwrap();
    assert_eq!(t.shop.referral_program().unwrap(), Some(p));
    assert_eq!(last_audit(&t).action, AuditAction::UpdateSettings);
}

#[test]
fn a_forged_referral_credit_shows_in_verify() {
    let (t, product) = setup();
    let owner = t.owner();
    t.shop
        .set_referral_program(&owner, Some(program(Reward::Fixed(money("2")), 5, 5)))
        .unwrap();
    shopper(&t, 10);
    let a = shopper(&t, 11);
    t.shop.attribute_referral(&a, uid(10)).unwrap();
    buy_completed(&t, 11, product, "o");
    assert_healthy(&t);
    // The counts must agree with the referrals: a referrer's count edited on disk is found.
    let crate::common::TestShop { shop, clock, dir } = t;
    drop(shop);
    let db = crate::common::RawStore::open(&dir.location());
    let referrers = db.table("referrers");
    let key = uid(10).get().to_be_bytes();
    let mut stats: shopcore::ReferrerStats =
        crate::tampering::decode(&referrers.get(key).unwrap().unwrap());
    stats.rewarded += 1;
    referrers
        .insert(key, crate::tampering::encode(&stats))
        .unwrap();
    db.flush().unwrap();
    drop(db);
    let shop = shopcore::Shop::open(dir.location(), crate::common::config(&clock)).unwrap();
    let report = shop.verify().unwrap();
    assert!(!report.is_healthy());
    assert!(
        report.to_string().contains("referrals: user 10's counts"),
        "{report}"
    );
}
