//! Leases on periodic jobs (`Shop::claim_job`): one holder at a time, renewed while it
//! lives, taken over once it lapses. Runs on both backends.

use crate::common::TestShop;
use std::time::Duration;

const MINUTE: Duration = Duration::from_secs(60);

#[test]
fn one_holder_at_a_time_renewed_and_taken_over_when_it_lapses() {
    let t = TestShop::new();
    assert!(t.shop.claim_job("outbox", "a", MINUTE).unwrap());
    let first = t.shop.job_leases().unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(
        (first[0].job.as_str(), first[0].holder.as_str()),
        ("outbox", "a")
    );
    assert_eq!(first[0].until.0 - first[0].since.0, 60_000);
    // Another holder is refused while the lease runs, and changes nothing.
    assert!(!t.shop.claim_job("outbox", "b", MINUTE).unwrap());
    assert_eq!(t.shop.job_leases().unwrap(), first);
    // The holder renews: the lease runs on from now, `since` stays.
    t.clock.advance_millis(30_000);
    assert!(t.shop.claim_job("outbox", "a", MINUTE).unwrap());
    let renewed = &t.shop.job_leases().unwrap()[0];
    assert_eq!(renewed.since, first[0].since);
    assert_eq!(renewed.until.0, first[0].until.0 + 30_000);
    // Other jobs are separate.
    assert!(t.shop.claim_job("expiry", "b", MINUTE).unwrap());
    // Until the last moment it is a's; then b takes it over.
    t.clock.advance_millis(59_999);
    assert!(!t.shop.claim_job("outbox", "b", MINUTE).unwrap());
    t.clock.advance_millis(1);
    assert!(t.shop.claim_job("outbox", "b", MINUTE).unwrap());
    let taken = t
        .shop
        .job_leases()
        .unwrap()
        .into_iter()
        .find(|l| l.job == "outbox")
        .unwrap();
    assert_eq!(taken.holder, "b");
    assert_eq!(taken.since, t.shop.now());
    // a lost it: a's renewal is now a refused claim.
    assert!(!t.shop.claim_job("outbox", "a", MINUTE).unwrap());
}

#[test]
fn a_release_hands_the_job_over_at_once_and_only_its_holder_may_release() {
    let t = TestShop::new();
    assert!(t.shop.claim_job("backups", "a", MINUTE).unwrap());
    assert!(!t.shop.release_job("backups", "b").unwrap());
    assert!(!t.shop.claim_job("backups", "b", MINUTE).unwrap());
    assert!(t.shop.release_job("backups", "a").unwrap());
    assert!(!t.shop.release_job("backups", "a").unwrap());
    assert!(t.shop.claim_job("backups", "b", MINUTE).unwrap());
    // Leases survive a restart.
    let t = t.reopen();
    assert!(!t.shop.claim_job("backups", "a", MINUTE).unwrap());
}

#[test]
fn bad_names_are_refused_and_lengths_are_clamped() {
    let t = TestShop::new();
    let digest = t.digest();
    for (job, holder) in [
        ("", "a"),
        ("a", ""),
        ("out box", "a"),
        ("outbox", "a\u{0}"),
        (&"j".repeat(65) as &str, "a"),
        ("outbox", "ٱ"),
    ] {
        let err = t.shop.claim_job(job, holder, MINUTE).unwrap_err();
        assert_eq!(
            err.kind(),
            "invalid.unknown_name",
            "{job:?} {holder:?}: {err}"
        );
        assert!(t.shop.release_job(job, holder).is_err());
    }
    assert_eq!(t.digest(), digest, "a refused claim changes nothing");
    assert!(t.shop.claim_job("j", "a", Duration::ZERO).unwrap());
    assert!(
        t.shop
            .claim_job("k", "a", Duration::from_secs(365 * 24 * 3600))
            .unwrap()
    );
    let leases = t.shop.job_leases().unwrap();
    assert_eq!(leases[0].until.0 - leases[0].since.0, 1_000);
    assert_eq!(leases[1].until.0 - leases[1].since.0, 7 * 24 * 3600 * 1_000);
}

#[test]
fn sixteen_claimants_at_once_one_winner() {
    let t = TestShop::new();
    let winners = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..16)
            .map(|i| {
                let shop = &t.shop;
                scope.spawn(move || {
                    shop.claim_job("supplier", &format!("r{i}"), MINUTE)
                        .unwrap()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap())
            .filter(|won| *won)
            .count()
    });
    assert_eq!(winners, 1);
}
