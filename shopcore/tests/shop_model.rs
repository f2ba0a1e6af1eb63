//! The whole-shop property test: random sequences of top-ups, orders (from balance and
//! through a payment method, with and without a coupon), completions, failures,
//! cancellations, payment confirmations, expiry, supplier runs that succeed or fail, mode
//! switches and database reopenings run against the shop and an in-memory model. After
//! every step each outcome matches the model, balances, stock, code pools, coupon uses and
//! order statuses agree, and `verify()` is empty.

use crate::common::{TestShop, key, new_method, new_product, uid};
use proptest::prelude::*;
use shopcore::coupons::{CouponKind, CouponScope, NewCoupon};
use shopcore::{
    Behaviour, Delivery, FulfilmentMode, OrderId, OrderRequest, OrderStatus, PaymentChoice,
    PaymentMethodId, ProductId, Proof, ScriptedSupplier, Stock,
};
use std::collections::BTreeMap;

const USERS: [u64; 3] = [10, 11, 12];
/// Product 0: manual, 6 in stock, 3.00. Product 1: 8 codes, 2.50. Product 2: supplier, 1.25.
const PRICES: [i64; 3] = [300, 250, 125];

#[derive(Clone, Debug)]
enum Op {
    Topup {
        user: usize,
        cents: i64,
    },
    Order {
        user: usize,
        product: usize,
        coupon: bool,
        via_method: bool,
    },
    Complete {
        pick: usize,
    },
    Fail {
        pick: usize,
    },
    Cancel {
        pick: usize,
    },
    Confirm {
        pick: usize,
    },
    Expire,
    Supplier {
        succeed: bool,
    },
    ToggleMode,
    Reopen,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0..3usize, 100i64..2_000).prop_map(|(user, cents)| Op::Topup { user, cents }),
        6 => (0..3usize, 0..3usize, any::<bool>(), prop::bool::weighted(0.25))
            .prop_map(|(user, product, coupon, via_method)| Op::Order { user, product, coupon, via_method }),
        2 => any::<usize>().prop_map(|pick| Op::Complete { pick }),
        1 => any::<usize>().prop_map(|pick| Op::Fail { pick }),
        1 => any::<usize>().prop_map(|pick| Op::Cancel { pick }),
        1 => any::<usize>().prop_map(|pick| Op::Confirm { pick }),
        1 => Just(Op::Expire),
        2 => any::<bool>().prop_map(|succeed| Op::Supplier { succeed }),
        1 => Just(Op::ToggleMode),
        1 => Just(Op::Reopen),
    ]
}

#[derive(Clone, Debug, PartialEq)]
struct MOrder {
    id: OrderId,
    user: u64,
    product: usize,
    total: i64,
    status: OrderStatus,
    paid: bool,
    coupon: bool,
    supplier: bool,
    attempts: u32,
    due: bool,
}

struct Model {
    balance: BTreeMap<u64, i64>,
    stock: u64,
    codes: u64,
    coupon_uses: u32,
    orders: Vec<MOrder>,
    auto: bool,
}

impl Model {
    fn open_order(&self, user: u64) -> bool {
        self.orders
            .iter()
            .any(|o| o.user == user && o.status.is_open())
    }

    fn coupon_live_for(&self, user: u64) -> bool {
        self.orders.iter().any(|o| {
            o.user == user
                && o.coupon
                && !matches!(o.status, OrderStatus::Failed | OrderStatus::Cancelled)
        })
    }

    /// Gives back what an ending order holds.
    fn release(&mut self, i: usize) {
        let o = self.orders[i].clone();
        match o.product {
            0 => self.stock += 1,
            1 => self.codes += 1,
            _ => {}
        }
        if o.coupon {
            self.coupon_uses -= 1;
        }
        if o.paid {
            *self.balance.entry(o.user).or_default() += o.total;
        }
    }
}

fn cents(c: i64) -> shopcore::Money {
    shopcore::Money::from_decimal(rust_decimal::Decimal::new(c, 2))
}

struct World {
    t: Option<TestShop>,
    products: [ProductId; 3],
    method: PaymentMethodId,
}

impl World {
    fn t(&self) -> &TestShop {
        self.t.as_ref().expect("open")
    }
}

fn setup() -> World {
    let t = TestShop::new();
    let owner = t.owner();
    let cat = t.shop.create_category(&owner, "All", 0).unwrap().id;
    let mut products = [ProductId::new(1).unwrap(); 3];
    for (i, (delivery, stock)) in [
        (Delivery::Manual, Stock::Limited(6)),
        (Delivery::Codes, Stock::Unlimited),
        (Delivery::Supplier { sku: "SKU".into() }, Stock::Unlimited),
    ]
    .into_iter()
    .enumerate()
    {
        let mut new = new_product(cat, &format!("P{i}"), &cents(PRICES[i]).to_string());
        new.delivery = delivery;
        new.stock = stock;
        products[i] = t.shop.create_product(&owner, &new).unwrap().id;
    }
    let codes: Vec<String> = (0..8).map(|i| format!("CODE{i}")).collect();
    let codes: Vec<&str> = codes.iter().map(String::as_str).collect();
    t.shop.add_codes(&owner, products[1], &codes).unwrap();
    t.shop
        .create_coupon(
            &owner,
            &NewCoupon {
                code: "HALF".into(),
                kind: CouponKind::Percentage("50".parse().unwrap()),
                max_uses: 4,
                uses_per_user: 1,
                min_order_usd: None,
                expires_at: None,
                scope: CouponScope::All,
            },
        )
        .unwrap();
    let method = t
        .shop
        .create_payment_method(&owner, &new_method("Bank", "USD", "0.01", "1000"))
        .unwrap()
        .id;
    for user in USERS {
        t.user(user, None);
    }
    t.staff(3, shopcore::Role::Support);
    World {
        t: Some(t),
        products,
        method,
    }
}

fn run(ops: Vec<Op>) {
    let mut w = setup();
    let mut m = Model {
        balance: BTreeMap::new(),
        stock: 6,
        codes: 8,
        coupon_uses: 0,
        orders: Vec::new(),
        auto: false,
    };
    for (step, op) in ops.into_iter().enumerate() {
        let k = key(&format!("k{step}"));
        let t = w.t();
        let support = t.shop.actor(uid(3)).unwrap();
        match op.clone() {
            Op::Topup { user, cents: c } => {
                let id = USERS[user];
                let actor = t.shop.actor(uid(id)).unwrap();
                let mut request = crate::common::topup_request(w.method, "1", &format!("t{step}"));
                request.amount = cents(c);
                let topup = t.shop.request_topup(&actor, &request).unwrap();
                t.shop.approve_topup(&support, topup.id, &k).unwrap();
                *m.balance.entry(id).or_default() += c;
            }
            Op::Order {
                user,
                product,
                coupon,
                via_method,
            } => {
                let id = USERS[user];
                let actor = t.shop.actor(uid(id)).unwrap();
                let request = OrderRequest {
                    product: w.products[product],
                    payment: if via_method {
                        PaymentChoice::Method(w.method)
                    } else {
                        PaymentChoice::Balance
                    },
                    coupon: coupon.then(|| "HALF".to_owned()),
                    player_id: None,
                    currency: None,
                    proof: via_method.then(|| Proof::Text("paid".into())),
                };
                let price = PRICES[product];
                let total = if coupon {
                    price - (price + 1) / 2
                } else {
                    price
                };
                let expected = if (product == 0 && m.stock == 0) || (product == 1 && m.codes == 0) {
                    Err("order.out_of_stock")
                } else if m.open_order(id) {
                    Err("order.open_order_exists")
                } else if coupon && m.coupon_uses >= 4 {
                    Err("coupon.used_up")
                } else if coupon && m.coupon_live_for(id) {
                    Err("coupon.already_used_by_you")
                } else if !via_method && m.balance.get(&id).copied().unwrap_or(0) < total {
                    Err("wallet.insufficient_balance")
                } else {
                    Ok(())
                };
                let result = t.shop.create_order(&actor, &request, &k);
                match (expected, result) {
                    (Ok(()), Ok(order)) => {
                        assert_eq!(order.total_usd, cents(total), "{op:?}");
                        match product {
                            0 => m.stock -= 1,
                            1 => m.codes -= 1,
                            _ => {}
                        }
                        if coupon {
                            m.coupon_uses += 1;
                        }
                        if !via_method {
                            *m.balance.entry(id).or_default() -= total;
                        }
                        let status = if via_method {
                            OrderStatus::AwaitingPayment
                        } else if product == 1 && m.auto {
                            OrderStatus::Completed
                        } else {
                            OrderStatus::Paid
                        };
                        m.orders.push(MOrder {
                            id: order.id,
                            user: id,
                            product,
                            total,
                            status,
                            paid: !via_method,
                            coupon,
                            supplier: product == 2 && m.auto,
                            attempts: 0,
                            due: true,
                        });
                    }
                    (Err(kind), Err(e)) => assert_eq!(e.kind(), kind, "{op:?}"),
                    (e, r) => panic!("{op:?}: expected {e:?}, got {r:?}"),
                }
            }
            Op::Complete { pick }
            | Op::Fail { pick }
            | Op::Cancel { pick }
            | Op::Confirm { pick } => {
                if m.orders.is_empty() {
                    continue;
                }
                let i = pick % m.orders.len();
                let o = m.orders[i].clone();
                let owner_actor = t.shop.actor(uid(o.user)).unwrap();
                let (result, target, allowed): (_, OrderStatus, &[OrderStatus]) = match op {
                    Op::Complete { .. } => (
                        t.shop.complete_order(&support, o.id, Some("delivered"), &k),
                        OrderStatus::Completed,
                        &[OrderStatus::Paid, OrderStatus::Processing],
                    ),
                    Op::Fail { .. } => (
                        t.shop.fail_order(&support, o.id, "model", &k),
                        OrderStatus::Failed,
                        &[
                            OrderStatus::AwaitingPayment,
                            OrderStatus::Paid,
                            OrderStatus::Processing,
                        ],
                    ),
                    Op::Cancel { .. } => (
                        t.shop.cancel_order(&owner_actor, o.id, &k),
                        OrderStatus::Cancelled,
                        &[OrderStatus::AwaitingPayment, OrderStatus::Paid],
                    ),
                    _ => (
                        t.shop.confirm_payment(&support, o.id, &k),
                        OrderStatus::Paid,
                        &[OrderStatus::AwaitingPayment],
                    ),
                };
                if allowed.contains(&o.status) {
                    let order = result.unwrap_or_else(|e| panic!("{op:?} on {o:?}: {e}"));
                    match target {
                        OrderStatus::Failed | OrderStatus::Cancelled => {
                            m.release(i);
                            m.orders[i].status = target;
                        }
                        OrderStatus::Paid => {
                            m.orders[i].paid = true;
                            m.orders[i].status = if o.product == 1 && m.auto {
                                OrderStatus::Completed
                            } else {
                                OrderStatus::Paid
                            };
                        }
                        _ => m.orders[i].status = target,
                    }
                    assert_eq!(order.status, m.orders[i].status, "{op:?}");
                } else {
                    assert_eq!(
                        result.unwrap_err().kind(),
                        "order.bad_transition",
                        "{op:?} on {o:?}"
                    );
                }
            }
            Op::Expire => {
                t.clock.advance_millis(31 * 60 * 1_000);
                let expected = m
                    .orders
                    .iter()
                    .filter(|o| o.status == OrderStatus::AwaitingPayment)
                    .count();
                assert_eq!(
                    t.shop.expire_unpaid_orders().unwrap(),
                    u32::try_from(expected).unwrap()
                );
                for i in 0..m.orders.len() {
                    if m.orders[i].status == OrderStatus::AwaitingPayment {
                        m.release(i);
                        m.orders[i].status = OrderStatus::Cancelled;
                    }
                    m.orders[i].due = true;
                }
            }
            Op::Supplier { succeed } => {
                let supplier = ScriptedSupplier::new(std::iter::repeat_n(
                    if succeed {
                        Behaviour::Succeed
                    } else {
                        Behaviour::Fail
                    },
                    64,
                ));
                let run = t.shop.run_supplier_queue(&supplier, 100).unwrap();
                let mut expected = shopcore::SupplierRun::default();
                if m.auto {
                    for o in m.orders.iter_mut() {
                        if o.status == OrderStatus::Paid && o.supplier && o.due {
                            o.attempts += 1;
                            if succeed {
                                o.status = OrderStatus::Completed;
                                expected.delivered += 1;
                            } else if o.attempts >= 3 {
                                o.supplier = false;
                                expected.fell_back += 1;
                            } else {
                                o.due = false;
                                expected.retry_scheduled += 1;
                            }
                        }
                    }
                }
                assert_eq!(run, expected);
            }
            Op::ToggleMode => {
                m.auto = !m.auto;
                let mode = if m.auto {
                    FulfilmentMode::Auto
                } else {
                    FulfilmentMode::Manual
                };
                t.shop.set_fulfilment_mode(&t.owner(), mode).unwrap();
            }
            Op::Reopen => {
                w.t = Some(w.t.take().unwrap().reopen());
            }
        }
        // Everything agrees with the model.
        let t = w.t();
        for user in USERS {
            assert_eq!(
                t.shop.balance(uid(user)).unwrap(),
                cents(m.balance.get(&user).copied().unwrap_or(0)),
                "user {user} after {op:?}"
            );
        }
        assert_eq!(
            t.shop.product(w.products[0]).unwrap().unwrap().stock,
            Stock::Limited(m.stock)
        );
        assert_eq!(
            t.shop
                .product(w.products[1])
                .unwrap()
                .unwrap()
                .codes_available,
            m.codes
        );
        assert_eq!(t.shop.coupon("HALF").unwrap().unwrap().uses, m.coupon_uses);
        let support = t.shop.actor(uid(3)).unwrap();
        for o in &m.orders {
            assert_eq!(
                t.shop.order(&support, o.id).unwrap().status,
                o.status,
                "{o:?} after {op:?}"
            );
        }
        let report = t.shop.verify().unwrap();
        assert!(report.is_healthy(), "after {op:?}: {report}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn the_shop_matches_the_model(ops in prop::collection::vec(op(), 1..60)) {
        run(ops);
    }
}
