//! The whole-shop property test, driven by the shared operation model
//! (`shopcore::testkit`): random sequences of top-ups (approved and rejected), adjustments,
//! orders from balance and through a payment method with and without a coupon, completions,
//! failures, cancellations, payment confirmations, expiry, supplier runs that succeed or
//! fail, mode and maintenance switches, bans, referrals (attribution and the reward when a
//! referred shopper's first order completes), replayed request keys and database reopenings.
//! After every step the shop agrees with the model (outcomes, balances, stock, code pools,
//! coupon uses, order statuses, referral rewards) and `verify()` — which includes the analytics roll-ups
//! against a recomputation — is empty.

use proptest::prelude::*;
use shopcore::testkit::{Harness, Op, strategies};

fn run(ops: Vec<Op>) {
    let place = crate::common::Place::new();
    let mut harness = Harness::new(&place.location()).unwrap();
    for op in &ops {
        if let Err(problem) = harness.apply(op) {
            panic!("{problem}\nops: {ops:?}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn the_shop_matches_the_model(ops in prop::collection::vec(strategies::op(), 1..60)) {
        run(ops);
    }
}

#[test]
fn a_hand_written_sequence_exercises_every_op() {
    use Op::*;
    run(vec![
        // A self-referral, 11 brought by 10, a cycle back, a second attribution.
        Refer {
            user: 0,
            referrer: 0,
        },
        Refer {
            user: 1,
            referrer: 0,
        },
        Refer {
            user: 0,
            referrer: 1,
        },
        Refer {
            user: 1,
            referrer: 2,
        },
        Topup {
            user: 0,
            cents: 1_000,
        },
        RejectedTopup {
            user: 1,
            cents: 500,
        },
        Adjust {
            user: 1,
            cents: 700,
        },
        Order {
            user: 0,
            product: 0,
            coupon: true,
            via_method: false,
            quantity: 2,
        },
        Replay,
        Complete { pick: 0 },
        Order {
            user: 1,
            product: 2,
            coupon: false,
            via_method: true,
            quantity: 1,
        },
        Confirm { pick: 1 },
        ToggleMode,
        Supplier { succeed: false },
        Expire,
        Supplier { succeed: true },
        Order {
            user: 2,
            product: 1,
            coupon: false,
            via_method: true,
            quantity: 2,
        },
        Expire,
        ToggleMaintenance,
        Order {
            user: 0,
            product: 0,
            coupon: false,
            via_method: false,
            quantity: 1,
        },
        ToggleMaintenance,
        Ban { user: 0 },
        Order {
            user: 0,
            product: 0,
            coupon: false,
            via_method: false,
            quantity: 1,
        },
        Cancel { pick: 0 },
        Unban { user: 0 },
        Order {
            user: 0,
            product: 1,
            coupon: false,
            via_method: false,
            quantity: 2,
        },
        Fail { pick: 3 },
        Reopen,
        Adjust {
            user: 0,
            cents: -30_000,
        },
    ]);
}
