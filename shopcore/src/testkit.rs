//! The shared operation model (feature `testkit`): one [`Op`] enum covering the shop's
//! state-changing operations, a simple in-memory reference [`Model`], and a [`Harness`] that
//! runs ops against a real shop and the model and reports any disagreement. The property
//! tests, the fuzzer (`fuzz/`, target `shop_ops`) and the crash test all drive the shop
//! through it.
//!
//! The fixture: three shoppers (10, 11, 12) and a support user (3); product 0 is manual with
//! 6 in stock at 3.00 USD, product 1 a pool of 8 codes at 2.50, product 2 a supplier product
//! at 1.25; a coupon `HALF` (50%, 4 uses, 1 per user); a USD payment method; a referral
//! program paying 10% of a referred shopper's first completed order, at most 2 rewards per
//! referrer and 1 per 30-day period.

#[cfg(feature = "postgres")]
pub mod postgres;

use crate::coupons::{CouponKind, CouponScope, NewCoupon};
use crate::{
    Behaviour, Config, Delivery, Durability, FulfilmentMode, ManualClock, Money, NewPaymentMethod,
    NewProduct, OrderId, OrderRequest, OrderStatus, PaymentChoice, PaymentMethodId, ProductId,
    ProductKind, Proof, Registration, RequestKey, Role, ScriptedSupplier, Shop, Stock, StoreState,
    Timestamp, TopupRequest, UserId,
};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The fixture's shoppers' user ids; an op's `user` picks one (modulo 3).
pub const SHOPPERS: [u64; 3] = [10, 11, 12];
/// The fixture's support staff member, who reviews top-ups and completes, fails and
/// confirms orders.
pub const SUPPORT: u64 = 3;
/// The fixture's configured super admin.
pub const OWNER: u64 = 1;
/// Prices in cents of products 0, 1 and 2.
pub const PRICES: [i64; 3] = [300, 250, 125];
/// The units per order each product allows (staff set them when the fixture is made).
pub const LIMITS: [u32; 3] = [3, 2, 1];
const START: i64 = 1_767_225_600_000;

/// One state-changing operation. Indexes (`user`, `product`, `pick`) are taken modulo what
/// exists, so every value is meaningful.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "testkit", derive(arbitrary::Arbitrary))]
pub enum Op {
    /// A shopper asks for a top-up of `cents` and staff approve it.
    Topup {
        /// Which shopper ([`SHOPPERS`], modulo 3).
        user: u8,
        /// The amount, in US cents.
        cents: u16,
    },
    /// A shopper asks for a top-up and staff reject it.
    RejectedTopup {
        /// Which shopper.
        user: u8,
        /// The amount, in US cents.
        cents: u16,
    },
    /// Staff credit (or debit) a shopper.
    Adjust {
        /// Which shopper.
        user: u8,
        /// The amount, in US cents; negative debits.
        cents: i16,
    },
    /// A shopper orders a product, from the balance or through the payment method.
    Order {
        /// Which shopper.
        user: u8,
        /// Which product: 0 manual, 1 codes, 2 supplier (modulo 3).
        product: u8,
        /// With the coupon `HALF`.
        coupon: bool,
        /// Through the payment method (with a proof) instead of the balance.
        via_method: bool,
        /// How many units: modulo 5 (0 is refused; each product allows [`LIMITS`]).
        quantity: u8,
    },
    /// Support staff complete an order.
    Complete {
        /// Which order: an index into the orders placed so far, modulo their number.
        pick: u16,
    },
    /// Support staff fail an order.
    Fail {
        /// Which order.
        pick: u16,
    },
    /// The buyer cancels an order.
    Cancel {
        /// Which order.
        pick: u16,
    },
    /// Support staff confirm an order's outside payment.
    Confirm {
        /// Which order.
        pick: u16,
    },
    /// Moves the clock past the payment deadline and expires unpaid orders.
    Expire,
    /// Runs the supplier queue with a supplier that delivers, or one that is unavailable.
    Supplier {
        /// Whether the supplier delivers.
        succeed: bool,
    },
    /// Switches between manual and automatic fulfilment.
    ToggleMode,
    /// Switches between open and maintenance.
    ToggleMaintenance,
    /// Staff ban a shopper.
    Ban {
        /// Which shopper.
        user: u8,
    },
    /// Staff lift a shopper's ban.
    Unban {
        /// Which shopper.
        user: u8,
    },
    /// Replays the previous successful money call with its request key.
    Replay,
    /// Closes and reopens the database.
    Reopen,
    /// A shopper arrives through another shopper's referral link (the same one: a
    /// self-referral, refused).
    Refer {
        /// The arriving shopper.
        user: u8,
        /// The shopper whose link it is.
        referrer: u8,
    },
}

#[derive(Clone, Debug, PartialEq)]
struct ModelOrder {
    id: OrderId,
    user: u64,
    product: usize,
    quantity: u64,
    total: i64,
    status: OrderStatus,
    paid: bool,
    coupon: bool,
    supplier: bool,
    attempts: u32,
    due: bool,
}

/// The reference model: what the shop's money, stock, coupon and order state must be.
#[derive(Debug, Default)]
pub struct Model {
    balance: BTreeMap<u64, i64>,
    banned: BTreeMap<u64, bool>,
    stock: u64,
    codes: u64,
    coupon_uses: u32,
    orders: Vec<ModelOrder>,
    auto: bool,
    maintenance: bool,
    /// Referred shopper → (referrer, decided).
    referrals: BTreeMap<u64, (u64, bool)>,
    /// Referrer → (rewards in all, period of the last reward, rewards in it).
    rewards: BTreeMap<u64, (u32, i64, u32)>,
    /// Milliseconds the clock has moved since the fixture was made.
    elapsed: i64,
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

    fn release(&mut self, i: usize) {
        let o = self.orders[i].clone();
        match o.product {
            0 => self.stock += o.quantity,
            1 => self.codes += o.quantity,
            _ => {}
        }
        if o.coupon {
            self.coupon_uses -= 1;
        }
        if o.paid {
            *self.balance.entry(o.user).or_default() += o.total;
        }
    }

    /// Order `i` just completed: its buyer's referral, if undecided, is decided by the
    /// fixture's program (10%, 2 in all, 1 per 30-day period; nothing for a banned referrer).
    fn completed(&mut self, i: usize) {
        let o = self.orders[i].clone();
        let Some((referrer, decided)) = self.referrals.get(&o.user).copied() else {
            return;
        };
        if decided {
            return;
        }
        self.referrals.insert(o.user, (referrer, true));
        if self.banned.get(&referrer).copied().unwrap_or(false) {
            return;
        }
        let period = (START + self.elapsed).div_euclid(86_400_000).div_euclid(30);
        let (all, last_period, in_period) =
            self.rewards.get(&referrer).copied().unwrap_or((0, 0, 0));
        let in_period = if last_period == period { in_period } else { 0 };
        let amount = o.total / 10;
        if all >= 2 || in_period >= 1 || amount <= 0 {
            return;
        }
        *self.balance.entry(referrer).or_default() += amount;
        self.rewards
            .insert(referrer, (all + 1, period, in_period + 1));
    }

    /// The total of all balances, in cents.
    pub fn total_balance_cents(&self) -> i64 {
        self.balance.values().sum()
    }
}

#[derive(Clone)]
enum Last {
    Topup {
        user: u64,
        cents: i64,
        key: String,
    },
    Adjust {
        user: u64,
        cents: i64,
        key: String,
    },
    Order {
        user: u64,
        request: OrderRequest,
        key: String,
        id: OrderId,
    },
}

fn cents(c: i64) -> Money {
    Money::from_decimal(rust_decimal::Decimal::new(c, 2))
}

fn key(text: &str) -> Result<RequestKey, String> {
    RequestKey::new(text).map_err(|e| e.to_string())
}

macro_rules! ensure {
    ($cond:expr, $($fmt:tt)*) => {
        if !$cond {
            return Err(format!($($fmt)*));
        }
    };
}

fn shopper(index: u8) -> u64 {
    SHOPPERS[usize::from(index) % SHOPPERS.len()]
}

fn actor_of(user: u64) -> Result<crate::Actor, String> {
    let id = UserId::new(user).map_err(|e| e.to_string())?;
    Ok(crate::Actor::for_harness(id))
}

/// A real shop plus the model, stepping together.
pub struct Harness {
    shop: Option<Shop>,
    path: PathBuf,
    clock: Arc<ManualClock>,
    config: Config,
    products: [ProductId; 3],
    method: PaymentMethodId,
    model: Model,
    last: Option<Last>,
    step: u64,
}

fn setup_err(e: crate::Error) -> String {
    format!("setting up the fixture failed: {e}")
}

impl Harness {
    /// Creates the fixture shop in a new directory `path` (it must not exist yet).
    pub fn new(path: &Path) -> Result<Harness, String> {
        let clock = Arc::new(ManualClock::new(Timestamp(START)));
        let config = Config::default()
            .with_clock(clock.clone())
            .with_durability(Durability::Background)
            .with_super_admins(vec![UserId::new(OWNER).map_err(|e| e.to_string())?]);
        let shop = Shop::open(path, config.clone()).map_err(setup_err)?;
        let owner = shop.system_actor("harness").map_err(setup_err)?;
        let cat = shop
            .create_category(&owner, "All", 0)
            .map_err(setup_err)?
            .id;
        let mut products = [ProductId::new(1).map_err(|e| e.to_string())?; 3];
        for (i, (delivery, stock)) in [
            (Delivery::Manual, Stock::Limited(6)),
            (Delivery::Codes, Stock::Unlimited),
            (Delivery::Supplier { sku: "SKU".into() }, Stock::Unlimited),
        ]
        .into_iter()
        .enumerate()
        {
            products[i] = shop
                .create_product(
                    &owner,
                    &NewProduct {
                        category: cat,
                        name: format!("P{i}"),
                        description: String::new(),
                        price_usd: cents(PRICES[i]),
                        kind: ProductKind::Other,
                        delivery,
                        stock,
                        player_field: None,
                        sort_order: 0,
                        active: true,
                    },
                )
                .map_err(setup_err)?
                .id;
        }
        let codes: Vec<String> = (0..8).map(|i| format!("CODE{i}")).collect();
        let codes: Vec<&str> = codes.iter().map(String::as_str).collect();
        shop.add_codes(&owner, products[1], &codes)
            .map_err(setup_err)?;
        for (product, limit) in products.iter().zip(LIMITS) {
            if limit > 1 {
                shop.set_order_limit(&owner, *product, limit)
                    .map_err(setup_err)?;
            }
        }
        shop.create_coupon(
            &owner,
            &NewCoupon {
                code: "HALF".into(),
                kind: CouponKind::Percentage(50.into()),
                max_uses: 4,
                uses_per_user: 1,
                min_order_usd: None,
                expires_at: None,
                scope: CouponScope::All,
            },
        )
        .map_err(setup_err)?;
        let method = shop
            .create_payment_method(
                &owner,
                &NewPaymentMethod {
                    name: "Bank".into(),
                    instructions: "pay".into(),
                    currency: "USD".into(),
                    min_amount: cents(1),
                    max_amount: Money::units(1_000),
                    active: true,
                },
            )
            .map_err(setup_err)?
            .id;
        for user in SHOPPERS.into_iter().chain([SUPPORT]) {
            shop.register_user(&Registration {
                id: UserId::new(user).map_err(|e| e.to_string())?,
                username: None,
                display_name: "model",
                language: None,
            })
            .map_err(setup_err)?;
        }
        shop.set_role(
            &owner,
            UserId::new(SUPPORT).map_err(|e| e.to_string())?,
            Role::Support,
        )
        .map_err(setup_err)?;
        shop.set_referral_program(
            &owner,
            Some(crate::referrals::Program {
                reward: crate::referrals::Reward::Percent(Money::units(10)),
                max_rewards: 2,
                max_rewards_per_period: 1,
                period_days: 30,
            }),
        )
        .map_err(setup_err)?;
        Ok(Harness {
            shop: Some(shop),
            path: path.to_path_buf(),
            clock,
            config,
            products,
            method,
            model: Model {
                stock: 6,
                codes: 8,
                ..Model::default()
            },
            last: None,
            step: 0,
        })
    }

    /// The shop under test.
    pub fn shop(&self) -> &Shop {
        self.shop.as_ref().expect("the shop is open between steps")
    }

    /// The reference model.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// Applies `op` to the shop and the model; `Err` describes a disagreement (a bug).
    pub fn apply(&mut self, op: &Op) -> Result<(), String> {
        self.step += 1;
        let k = format!("k{}", self.step);
        let result = self.apply_inner(op, &k);
        result.map_err(|e| format!("step {} {op:?}: {e}", self.step))?;
        self.check()
            .map_err(|e| format!("after step {} {op:?}: {e}", self.step))
    }

    fn apply_inner(&mut self, op: &Op, k: &str) -> Result<(), String> {
        let Harness {
            shop: open_shop,
            path,
            clock,
            config,
            products,
            method,
            model: m,
            last,
            ..
        } = self;
        let method = *method;
        let products = *products;
        let shop = open_shop.as_ref().ok_or("shop closed")?;
        let staff = shop.system_actor("harness").map_err(|e| e.to_string())?;
        let support = actor_of(SUPPORT)?;
        let refused = m.maintenance;
        match op.clone() {
            Op::Topup { user, cents: c } | Op::RejectedTopup { user, cents: c } => {
                let id = shopper(user);
                let c = i64::from(c);
                let actor = actor_of(id)?;
                // Each request's own proof: a repeated one would need a second confirmation.
                let request = TopupRequest {
                    method,
                    amount: cents(c),
                    proof: Proof::Text(format!("paid t{k}")),
                    key: key(&format!("t{k}"))?,
                };
                let result = shop.request_topup(&actor, &request);
                let banned = m.banned.get(&id).copied().unwrap_or(false);
                if banned {
                    ensure!(
                        result.as_ref().err().map(|e| e.kind()) == Some("denied.banned"),
                        "banned top-up: {result:?}"
                    );
                    return Ok(());
                }
                if !(1..=100_000).contains(&c) {
                    ensure!(result.is_err(), "out-of-range top-up accepted: {result:?}");
                    return Ok(());
                }
                let topup = result.map_err(|e| format!("top-up request: {e}"))?;
                if matches!(op, Op::Topup { .. }) {
                    shop.approve_topup(&support, topup.id, &key(k)?)
                        .map_err(|e| format!("approve: {e}"))?;
                    *m.balance.entry(id).or_default() += c;
                    *last = Some(Last::Topup {
                        user: id,
                        cents: c,
                        key: format!("t{k}"),
                    });
                } else {
                    shop.reject_topup(&support, topup.id, "not received", &key(k)?)
                        .map_err(|e| format!("reject: {e}"))?;
                }
            }
            Op::Adjust { user, cents: c } => {
                let id = shopper(user);
                let c = i64::from(c);
                let result = shop.adjust_balance(
                    &staff,
                    UserId::new(id).map_err(|e| e.to_string())?,
                    cents(c),
                    "model",
                    &key(k)?,
                );
                let balance = m.balance.get(&id).copied().unwrap_or(0);
                if c == 0 {
                    ensure!(
                        result.as_ref().err().map(|e| e.kind()) == Some("amount.not_positive"),
                        "{result:?}"
                    );
                } else if balance + c < 0 {
                    ensure!(
                        result.as_ref().err().map(|e| e.kind())
                            == Some("wallet.insufficient_balance"),
                        "{result:?}"
                    );
                } else {
                    result.map_err(|e| format!("adjust: {e}"))?;
                    *m.balance.entry(id).or_default() += c;
                    *last = Some(Last::Adjust {
                        user: id,
                        cents: c,
                        key: k.to_owned(),
                    });
                }
            }
            Op::Order {
                user,
                product,
                coupon,
                via_method,
                quantity,
            } => {
                let id = shopper(user);
                let product = usize::from(product) % 3;
                let quantity = u32::from(quantity % 5);
                let actor = actor_of(id)?;
                let request = OrderRequest {
                    quantity,
                    product: products[product],
                    payment: if via_method {
                        PaymentChoice::Method(method)
                    } else {
                        PaymentChoice::Balance
                    },
                    coupon: coupon.then(|| "HALF".to_owned()),
                    player_id: None,
                    currency: None,
                    proof: via_method.then(|| Proof::Text(format!("paid o{k}"))),
                };
                let price = PRICES[product];
                let unit_total = if coupon {
                    price - (price + 1) / 2
                } else {
                    price
                };
                let total = unit_total * i64::from(quantity);
                let available = match product {
                    0 => Some(m.stock),
                    1 => Some(m.codes),
                    _ => None,
                };
                let banned = m.banned.get(&id).copied().unwrap_or(false);
                let expected = if banned {
                    Err("denied.banned")
                } else if available == Some(0) {
                    Err("order.out_of_stock")
                } else if quantity == 0 || quantity > LIMITS[product] {
                    Err("order.bad_quantity")
                } else if available.is_some_and(|a| a < u64::from(quantity)) {
                    Err("order.not_enough_stock")
                } else if refused {
                    Err("mode.maintenance")
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
                let result = shop.create_order(&actor, &request, &key(k)?);
                match (expected, result) {
                    (Ok(()), Ok(order)) => {
                        ensure!(
                            order.total_usd == cents(total),
                            "total {} for {total}",
                            order.total_usd
                        );
                        ensure!(
                            order.quantity == quantity,
                            "{} units for {quantity}",
                            order.quantity
                        );
                        match product {
                            0 => m.stock -= u64::from(quantity),
                            1 => m.codes -= u64::from(quantity),
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
                        ensure!(
                            order.status == status,
                            "status {} instead of {status}",
                            order.status
                        );
                        m.orders.push(ModelOrder {
                            id: order.id,
                            user: id,
                            product,
                            quantity: u64::from(quantity),
                            total,
                            status,
                            paid: !via_method,
                            coupon,
                            supplier: product == 2 && m.auto,
                            attempts: 0,
                            due: true,
                        });
                        if status == OrderStatus::Completed {
                            m.completed(m.orders.len() - 1);
                        }
                        *last = Some(Last::Order {
                            user: id,
                            request,
                            key: k.to_owned(),
                            id: order.id,
                        });
                    }
                    (Err(kind), Err(e)) => {
                        ensure!(e.kind() == kind, "expected {kind}, got {}: {e}", e.kind())
                    }
                    (e, r) => return Err(format!("expected {e:?}, got {r:?}")),
                }
            }
            Op::Complete { pick }
            | Op::Fail { pick }
            | Op::Cancel { pick }
            | Op::Confirm { pick } => {
                if m.orders.is_empty() {
                    return Ok(());
                }
                let i = usize::from(pick) % m.orders.len();
                let o = m.orders[i].clone();
                let owner = actor_of(o.user)?;
                let buyer_banned = m.banned.get(&o.user).copied().unwrap_or(false);
                let (result, target, allowed): (_, OrderStatus, &[OrderStatus]) = match op {
                    Op::Complete { .. } => (
                        shop.complete_order(&support, o.id, Some("delivered"), &key(k)?),
                        OrderStatus::Completed,
                        &[OrderStatus::Paid],
                    ),
                    Op::Fail { .. } => (
                        shop.fail_order(&support, o.id, "model", &key(k)?),
                        OrderStatus::Failed,
                        &[OrderStatus::AwaitingPayment, OrderStatus::Paid],
                    ),
                    Op::Cancel { .. } => (
                        shop.cancel_order(&owner, o.id, &key(k)?),
                        OrderStatus::Cancelled,
                        &[OrderStatus::AwaitingPayment, OrderStatus::Paid],
                    ),
                    _ => (
                        shop.confirm_payment(&support, o.id, &key(k)?),
                        OrderStatus::Paid,
                        &[OrderStatus::AwaitingPayment],
                    ),
                };
                if matches!(op, Op::Cancel { .. }) && buyer_banned {
                    ensure!(
                        result.as_ref().err().map(|e| e.kind()) == Some("denied.banned"),
                        "a banned buyer cancelled: {result:?}"
                    );
                    return Ok(());
                }
                if allowed.contains(&o.status) {
                    let order = result.map_err(|e| format!("{e} on {o:?}"))?;
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
                    if m.orders[i].status == OrderStatus::Completed {
                        m.completed(i);
                    }
                    ensure!(
                        order.status == m.orders[i].status,
                        "status {} instead of {}",
                        order.status,
                        m.orders[i].status
                    );
                } else {
                    // An order with the supplier (its outcome may be unknown) is settled only
                    // by the supplier; confirming it is not a payment.
                    let expected = if o.status == OrderStatus::Processing
                        && !matches!(op, Op::Confirm { .. })
                    {
                        "order.with_supplier"
                    } else {
                        "order.bad_transition"
                    };
                    let kind = result.as_ref().err().map(|e| e.kind());
                    ensure!(
                        kind == Some(expected),
                        "expected {expected} on {o:?}, got {result:?}"
                    );
                }
            }
            Op::Expire => {
                clock.advance_millis(31 * 60 * 1_000);
                m.elapsed += 31 * 60 * 1_000;
                let expected = m
                    .orders
                    .iter()
                    .filter(|o| o.status == OrderStatus::AwaitingPayment)
                    .count();
                let n = shop.expire_unpaid_orders().map_err(|e| e.to_string())?;
                ensure!(
                    usize::try_from(n).unwrap_or(0) == expected,
                    "expired {n}, expected {expected}"
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
                let run = shop
                    .run_supplier_queue(&supplier, 100)
                    .map_err(|e| e.to_string())?;
                let mut expected = crate::SupplierRun::default();
                let mut delivered = Vec::new();
                if m.auto {
                    for (i, o) in m.orders.iter_mut().enumerate() {
                        let queued = o.status == OrderStatus::Paid;
                        let unsettled = o.status == OrderStatus::Processing;
                        if !(queued || unsettled) || !o.supplier || !o.due {
                            continue;
                        }
                        if unsettled && o.attempts >= 3 {
                            // Attempts used up: the supplier is asked; it never delivered
                            // (every earlier call failed), so staff take over.
                            o.status = OrderStatus::Paid;
                            o.supplier = false;
                            expected.fell_back += 1;
                            continue;
                        }
                        o.attempts += 1;
                        if succeed {
                            o.status = OrderStatus::Completed;
                            expected.delivered += 1;
                            delivered.push(i);
                        } else {
                            // No definite answer: the order stays with the supplier.
                            o.status = OrderStatus::Processing;
                            o.due = false;
                            expected.retry_scheduled += 1;
                        }
                    }
                }
                for i in delivered {
                    m.completed(i);
                }
                ensure!(
                    run == expected,
                    "supplier run {run:?}, expected {expected:?}"
                );
            }
            Op::ToggleMode => {
                m.auto = !m.auto;
                let mode = if m.auto {
                    FulfilmentMode::Auto
                } else {
                    FulfilmentMode::Manual
                };
                shop.set_fulfilment_mode(&staff, mode)
                    .map_err(|e| e.to_string())?;
            }
            Op::ToggleMaintenance => {
                m.maintenance = !m.maintenance;
                let state = if m.maintenance {
                    StoreState::Maintenance
                } else {
                    StoreState::Open
                };
                shop.set_store_state(&staff, state, None)
                    .map_err(|e| e.to_string())?;
            }
            Op::Ban { user } | Op::Unban { user } => {
                let id = shopper(user);
                let ban = matches!(op, Op::Ban { .. });
                let was = m.banned.get(&id).copied().unwrap_or(false);
                let target = UserId::new(id).map_err(|e| e.to_string())?;
                let result = if ban {
                    shop.ban_user(&staff, target, "model").map(|_| ())
                } else {
                    shop.unban_user(&staff, target).map(|_| ())
                };
                if was == ban {
                    ensure!(result.is_err(), "{op:?} twice succeeded");
                } else {
                    result.map_err(|e| e.to_string())?;
                    m.banned.insert(id, ban);
                }
            }
            Op::Replay => match last.clone() {
                None => {}
                Some(Last::Topup {
                    user,
                    cents: c,
                    key: kk,
                }) => {
                    if m.banned.get(&user).copied().unwrap_or(false) {
                        return Ok(());
                    }
                    let actor = actor_of(user)?;
                    let request = TopupRequest {
                        method,
                        amount: cents(c),
                        proof: Proof::Text(format!("paid {kk}")),
                        key: key(&kk)?,
                    };
                    let topup = shop
                        .request_topup(&actor, &request)
                        .map_err(|e| format!("replayed top-up: {e}"))?;
                    ensure!(
                        topup.status == crate::TopupStatus::Approved,
                        "a replay created a new top-up: {topup:?}"
                    );
                }
                Some(Last::Adjust {
                    user,
                    cents: c,
                    key: kk,
                }) => {
                    let target = UserId::new(user).map_err(|e| e.to_string())?;
                    shop.adjust_balance(&staff, target, cents(c), "model", &key(&kk)?)
                        .map_err(|e| format!("replayed adjustment: {e}"))?;
                }
                Some(Last::Order {
                    user,
                    request,
                    key: kk,
                    id,
                }) => {
                    if m.banned.get(&user).copied().unwrap_or(false) {
                        return Ok(());
                    }
                    let actor = actor_of(user)?;
                    let order = shop
                        .create_order(&actor, &request, &key(&kk)?)
                        .map_err(|e| format!("replayed order: {e}"))?;
                    ensure!(
                        order.id == id,
                        "a replay created order {} instead of returning {id}",
                        order.id
                    );
                }
            },
            Op::Refer { user, referrer } => {
                let (id, by) = (shopper(user), shopper(referrer));
                let actor = actor_of(id)?;
                let expected = if m.banned.get(&id).copied().unwrap_or(false) {
                    Err("denied.banned")
                } else if id == by {
                    Err("referral.self_referral")
                } else if m.referrals.contains_key(&id) {
                    Err("referral.already_attributed")
                } else if m.orders.iter().any(|o| o.user == id)
                    || m.elapsed > crate::referrals::ATTRIBUTION_WINDOW_MS
                {
                    Err("referral.not_new")
                } else if m.banned.get(&by).copied().unwrap_or(false) {
                    Err("referral.referrer_banned")
                } else if m.referrals.get(&by).is_some_and(|(r, _)| *r == id) {
                    Err("referral.cycle")
                } else {
                    Ok(())
                };
                let result =
                    shop.attribute_referral(&actor, UserId::new(by).map_err(|e| e.to_string())?);
                match (expected, result) {
                    (Ok(()), Ok(referral)) => {
                        ensure!(referral.referrer.get() == by, "attributed to {referral:?}");
                        m.referrals.insert(id, (by, false));
                    }
                    (Err(kind), Err(e)) => {
                        ensure!(e.kind() == kind, "expected {kind}, got {}: {e}", e.kind())
                    }
                    (e, r) => return Err(format!("expected {e:?}, got {r:?}")),
                }
            }
            Op::Reopen => {
                drop(open_shop.take());
                *open_shop =
                    Some(Shop::open(&*path, config.clone()).map_err(|e| format!("reopen: {e}"))?);
            }
        }
        Ok(())
    }

    /// Everything the model knows agrees with the shop, and `verify()` is empty.
    pub fn check(&self) -> Result<(), String> {
        let shop = self.shop();
        let m = &self.model;
        for user in SHOPPERS {
            let id = UserId::new(user).map_err(|e| e.to_string())?;
            let balance = shop.balance(id).map_err(|e| e.to_string())?;
            let expected = cents(m.balance.get(&user).copied().unwrap_or(0));
            ensure!(
                balance == expected,
                "user {user} holds {balance}, the model says {expected}"
            );
        }
        let p0 = shop
            .product(self.products[0])
            .map_err(|e| e.to_string())?
            .ok_or("product 0 gone")?;
        ensure!(
            p0.stock == Stock::Limited(m.stock),
            "stock {:?}, model {}",
            p0.stock,
            m.stock
        );
        let p1 = shop
            .product(self.products[1])
            .map_err(|e| e.to_string())?
            .ok_or("product 1 gone")?;
        ensure!(
            p1.codes_available == m.codes,
            "codes {}, model {}",
            p1.codes_available,
            m.codes
        );
        let coupon = shop
            .coupon("HALF")
            .map_err(|e| e.to_string())?
            .ok_or("coupon gone")?;
        ensure!(
            coupon.uses == m.coupon_uses,
            "coupon uses {}, model {}",
            coupon.uses,
            m.coupon_uses
        );
        let system = shop.system_actor("harness").map_err(|e| e.to_string())?;
        for o in &m.orders {
            let order = shop.order(&system, o.id).map_err(|e| e.to_string())?;
            ensure!(
                order.status == o.status,
                "order {} is {}, the model says {}",
                o.id,
                order.status,
                o.status
            );
        }
        let report = shop.verify().map_err(|e| e.to_string())?;
        ensure!(report.is_healthy(), "{report}");
        Ok(())
    }
}

#[cfg(feature = "testkit")]
pub mod strategies {
    //! proptest strategies for [`Op`].
    use super::Op;
    use proptest::prelude::*;

    /// Any op, weighted towards orders, top-ups and completions.
    pub fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            3 => (0..3u8, 100u16..2_000).prop_map(|(user, cents)| Op::Topup { user, cents }),
            1 => (0..3u8, any::<u16>()).prop_map(|(user, cents)| Op::RejectedTopup { user, cents }),
            2 => (0..3u8, -800i16..800).prop_map(|(user, cents)| Op::Adjust { user, cents }),
            6 => (0..3u8, 0..3u8, any::<bool>(), prop::bool::weighted(0.25), prop_oneof![3 => Just(1u8), 1 => 0..5u8])
                .prop_map(|(user, product, coupon, via_method, quantity)| Op::Order { user, product, coupon, via_method, quantity }),
            2 => any::<u16>().prop_map(|pick| Op::Complete { pick }),
            1 => any::<u16>().prop_map(|pick| Op::Fail { pick }),
            1 => any::<u16>().prop_map(|pick| Op::Cancel { pick }),
            1 => any::<u16>().prop_map(|pick| Op::Confirm { pick }),
            1 => Just(Op::Expire),
            2 => any::<bool>().prop_map(|succeed| Op::Supplier { succeed }),
            1 => Just(Op::ToggleMode),
            1 => Just(Op::ToggleMaintenance),
            1 => (0..3u8).prop_map(|user| Op::Ban { user }),
            1 => (0..3u8).prop_map(|user| Op::Unban { user }),
            1 => Just(Op::Replay),
            1 => Just(Op::Reopen),
            2 => (0..3u8, 0..3u8).prop_map(|(user, referrer)| Op::Refer { user, referrer }),
        ]
    }
}
