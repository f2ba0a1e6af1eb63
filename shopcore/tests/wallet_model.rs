//! A property test: random sequences of top-up requests, approvals, rejections,
//! adjustments, replays and database reopenings run against the shop and against a simple
//! in-memory model. After every step the outcomes agree, balances match, and `verify()` is
//! empty.

use crate::common::{TestShop, key, new_method, topup_request, uid};
use proptest::prelude::*;
use shopcore::{PaymentMethodId, Role, TopupId};
use std::collections::BTreeMap;

#[derive(Clone, Debug)]
enum Op {
    Request {
        user: u64,
        cents: i64,
    },
    Approve {
        pick: usize,
    },
    Reject {
        pick: usize,
    },
    Adjust {
        user: u64,
        cents: i64,
    },
    /// Sends the previous successful money call again with the same key.
    Replay,
    Reopen,
}

fn op() -> impl Strategy<Value = Op> {
    let user = 10u64..13;
    prop_oneof![
        4 => (user.clone(), prop_oneof![50i64..=60_000, Just(100), Just(50_000)])
            .prop_map(|(user, cents)| Op::Request { user, cents }),
        3 => any::<usize>().prop_map(|pick| Op::Approve { pick }),
        1 => any::<usize>().prop_map(|pick| Op::Reject { pick }),
        2 => (user, -8_000i64..8_000).prop_map(|(user, cents)| Op::Adjust { user, cents }),
        1 => Just(Op::Replay),
        1 => Just(Op::Reopen),
    ]
}

#[derive(Default)]
struct Model {
    balance_cents: BTreeMap<u64, i64>,
    /// (id, user, cents, status: 0 pending, 1 approved, 2 rejected)
    topups: Vec<(TopupId, u64, i64, u8)>,
}

impl Model {
    fn pending(&self, user: u64) -> usize {
        self.topups
            .iter()
            .filter(|t| t.1 == user && t.3 == 0)
            .count()
    }
}

fn cents(c: i64) -> shopcore::Money {
    shopcore::Money::from_decimal(rust_decimal::Decimal::new(c, 2))
}

/// What the last successful money call was, to replay it.
#[derive(Clone)]
enum Last {
    Request { user: u64, cents: i64, key: String },
    Approve { id: TopupId, key: String },
    Adjust { user: u64, cents: i64, key: String },
}

fn shop(t: &Option<TestShop>) -> &TestShop {
    t.as_ref().expect("shop is open")
}

fn run(ops: Vec<Op>) {
    let mut t = Some(TestShop::new());
    let method: PaymentMethodId = {
        let s = shop(&t);
        for user in 10..13 {
            s.user(user, None);
        }
        s.staff(3, Role::Support);
        s.shop
            .create_payment_method(&s.owner(), &new_method("Bank", "USD", "1", "500"))
            .unwrap()
            .id
    };
    let mut model = Model::default();
    let mut last: Option<Last> = None;
    for (step, op) in ops.into_iter().enumerate() {
        let k = format!("k{step}");
        let s = shop(&t);
        let support = s.shop.actor(uid(3)).unwrap();
        match op.clone() {
            Op::Request { user, cents: c } => {
                let actor = s.shop.actor(uid(user)).unwrap();
                let mut request = topup_request(method, "1", &k);
                request.amount = cents(c);
                let result = s.shop.request_topup(&actor, &request);
                let expected = if c < 100 {
                    Err("amount.too_small")
                } else if c > 50_000 {
                    Err("amount.too_large")
                } else if model.pending(user) >= 3 {
                    Err("wallet.too_many_pending")
                } else {
                    Ok(())
                };
                match (expected, result) {
                    (Ok(()), Ok(topup)) => {
                        assert_eq!(topup.amount_usd, cents(c));
                        model.topups.push((topup.id, user, c, 0));
                        last = Some(Last::Request {
                            user,
                            cents: c,
                            key: k,
                        });
                    }
                    (Err(kind), Err(e)) => assert_eq!(e.kind(), kind, "{op:?}"),
                    (e, r) => panic!("{op:?}: expected {e:?}, got {r:?}"),
                }
            }
            Op::Approve { pick } | Op::Reject { pick } => {
                if model.topups.is_empty() {
                    continue;
                }
                let i = pick % model.topups.len();
                let (id, user, c, status) = model.topups[i];
                let approve = matches!(op, Op::Approve { .. });
                let result = if approve {
                    s.shop.approve_topup(&support, id, &key(&k))
                } else {
                    s.shop.reject_topup(&support, id, "not received", &key(&k))
                };
                if status == 0 {
                    result.unwrap_or_else(|e| panic!("{op:?}: {e}"));
                    model.topups[i].3 = if approve { 1 } else { 2 };
                    if approve {
                        *model.balance_cents.entry(user).or_default() += c;
                        last = Some(Last::Approve { id, key: k });
                    }
                } else {
                    assert_eq!(result.unwrap_err().kind(), "wallet.already_decided");
                }
            }
            Op::Adjust { user, cents: c } => {
                let result =
                    s.shop
                        .adjust_balance(&s.owner(), uid(user), cents(c), "model", &key(&k));
                let balance = model.balance_cents.get(&user).copied().unwrap_or(0);
                if c == 0 {
                    assert_eq!(result.unwrap_err().kind(), "amount.not_positive");
                } else if balance + c < 0 {
                    assert_eq!(result.unwrap_err().kind(), "wallet.insufficient_balance");
                } else {
                    result.unwrap_or_else(|e| panic!("{op:?}: {e}"));
                    *model.balance_cents.entry(user).or_default() += c;
                    last = Some(Last::Adjust {
                        user,
                        cents: c,
                        key: k,
                    });
                }
            }
            Op::Replay => match last.clone() {
                None => {}
                Some(Last::Request {
                    user,
                    cents: c,
                    key: k,
                }) => {
                    let actor = s.shop.actor(uid(user)).unwrap();
                    let mut request = topup_request(method, "1", &k);
                    request.amount = cents(c);
                    // Same key, same payload: the first result, no new top-up.
                    let topup = s.shop.request_topup(&actor, &request).unwrap();
                    assert!(model.topups.iter().any(|t| t.0 == topup.id));
                }
                Some(Last::Approve { id, key: k }) => {
                    let topup = s.shop.approve_topup(&support, id, &key(&k)).unwrap();
                    assert_eq!(topup.status, shopcore::TopupStatus::Approved);
                }
                Some(Last::Adjust {
                    user,
                    cents: c,
                    key: k,
                }) => {
                    s.shop
                        .adjust_balance(&s.owner(), uid(user), cents(c), "model", &key(&k))
                        .unwrap();
                }
            },
            Op::Reopen => {
                t = Some(t.take().unwrap().reopen());
            }
        }
        let s = shop(&t);
        for user in 10..13 {
            let expected = model.balance_cents.get(&user).copied().unwrap_or(0);
            assert_eq!(
                s.shop.balance(uid(user)).unwrap(),
                cents(expected),
                "user {user} after {op:?}"
            );
            let pending = u32::try_from(model.pending(user)).unwrap();
            assert_eq!(s.shop.wallet(uid(user)).unwrap().pending_topups, pending);
        }
        let report = s.shop.verify().unwrap();
        assert!(report.is_healthy(), "after {op:?}: {report}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn wallet_matches_the_model(ops in prop::collection::vec(op(), 1..40)) {
        run(ops);
    }
}
