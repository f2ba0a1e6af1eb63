//! Orders: quoting, creating, paying, fulfilling (staff, code pools, suppliers), finalizing,
//! cancelling and expiring, with an explicit state machine.
//!
//! ```text
//! AwaitingPayment ──► Paid ──► Processing ──► Completed   (the supplier delivered)
//!        │              │  ╲        │
//!        │              │   ╲       ╰──► Paid   (never received: queued again, or to staff)
//!        ▼              ▼    ╲
//!    Cancelled     Cancelled  ╲─► Failed ◄── (awaiting payment or paid; refund if paid)
//!                             Completed (staff, or at once from a code pool in AUTO mode)
//! ```
//!
//! A PROCESSING order's supplier outcome may be unknown (the call timed out after the
//! supplier delivered): nothing but the supplier's answer or reconciliation moves it.
//!
//! Everything an order does to money, stock and coupons happens in the order's own
//! transaction, and is undone exactly once by the transaction that fails, cancels or expires
//! it. A paid order has one PURCHASE ledger entry; a refunded one also one REFUND entry; an
//! order paid through a payment method also one PAYMENT entry (the money received outside).
//!
//! Peers: audit, catalog, coupons, currency, invoices, notifications, payment_methods, proofs, recommendations, referrals, requests, settings, supplier, users, wallet.

use crate::Shop;
use crate::audit::{self, ActorRef, AuditAction, Detail, Target};
use crate::catalog::{self, Delivery, Product, Stock};
use crate::clock::Timestamp;
use crate::coupons::{self, Coupon};
use crate::currency::{self, Currency};
use crate::error::{Denied, Error, Result};
use crate::ids::{
    CouponCode, CurrencyCode, InvoiceId, OrderId, PaymentMethodId, ProductId, RequestKey, UserId,
};
use crate::invoices::{self, Invoice, InvoicePurpose, InvoiceStatus, Provider};
use crate::money::Money;
use crate::notifications::{self, NotificationKind};
use crate::payment_methods::{self, PaymentMethod};
use crate::proofs::ProofUse;
use crate::requests::{self, RequestOutcome};
use crate::roles::{Permission, has_permission};
use crate::settings::{self, FulfilmentMode, refuse_in_emergency, refuse_new_orders};
use crate::shop::{Actor, require, role_of};
use crate::store::postings;
use crate::store::{Counter, Span, StoreError, Table, Tx};
use crate::supplier::{Supplier, SupplierOrder, SupplierResult, SupplierStatus};
use crate::text::{self, TextRule};
use crate::wallet::{self, LedgerKind, LedgerRef, Proof};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::Bound;

/// What staff deliver when completing an order (a code, account details, a note): at most
/// 2,000 characters, line breaks allowed.
pub const DELIVERY_TEXT: TextRule = TextRule::multi_line("delivery text", 2_000);
/// The largest page of orders a listing returns.
pub const PAGE_LIMIT_MAX: usize = 100;

/// Where an order stands. The allowed moves are [`TRANSITIONS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum OrderStatus {
    /// Placed to be paid through a payment method; waits for staff to confirm the money
    /// arrived, until its deadline ([`Order::expires_at`]).
    AwaitingPayment,
    /// Paid (the balance was debited, or the outside payment confirmed); waits for
    /// fulfilment: staff, or the supplier queue.
    Paid,
    /// With the supplier: a call is running or its outcome is not known yet. Only the
    /// supplier's answer or reconciliation moves it; nobody may cancel, fail or refund it.
    Processing,
    /// Delivered ([`Order::delivery`]). Final; never refunded.
    Completed,
    /// Failed by staff with a reason; refunded if it was paid. Final.
    Failed,
    /// Cancelled by the buyer or staff, or expired unpaid; refunded if it was paid. Final.
    Cancelled,
}

impl OrderStatus {
    /// Every status, in the order of their codes (as the statistics list them).
    pub const ALL: [OrderStatus; 6] = [
        OrderStatus::AwaitingPayment,
        OrderStatus::Paid,
        OrderStatus::Processing,
        OrderStatus::Completed,
        OrderStatus::Failed,
        OrderStatus::Cancelled,
    ];

    fn code(self) -> u8 {
        match self {
            OrderStatus::AwaitingPayment => 0,
            OrderStatus::Paid => 1,
            OrderStatus::Processing => 2,
            OrderStatus::Completed => 3,
            OrderStatus::Failed => 4,
            OrderStatus::Cancelled => 5,
        }
    }

    /// The status's stable name: `awaiting_payment`, `paid`, `processing`, `completed`,
    /// `failed` or `cancelled`.
    pub fn name(self) -> &'static str {
        match self {
            OrderStatus::AwaitingPayment => "awaiting_payment",
            OrderStatus::Paid => "paid",
            OrderStatus::Processing => "processing",
            OrderStatus::Completed => "completed",
            OrderStatus::Failed => "failed",
            OrderStatus::Cancelled => "cancelled",
        }
    }

    /// Not yet finished: holds the user's one open-order slot.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            OrderStatus::AwaitingPayment | OrderStatus::Paid | OrderStatus::Processing
        )
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Every allowed status change. Anything else is refused with `OrderError::BadTransition`.
///
/// A PROCESSING order is with the supplier, whose outcome may be unknown: only the supplier's
/// answer (or reconciliation) moves it on — to COMPLETED, or back to PAID (never received,
/// or handed to staff) — never straight to FAILED or CANCELLED, which would refund goods that
/// may have been delivered.
pub const TRANSITIONS: [(OrderStatus, OrderStatus); 9] = [
    (OrderStatus::AwaitingPayment, OrderStatus::Paid),
    (OrderStatus::AwaitingPayment, OrderStatus::Cancelled),
    (OrderStatus::AwaitingPayment, OrderStatus::Failed),
    (OrderStatus::Paid, OrderStatus::Processing),
    (OrderStatus::Paid, OrderStatus::Completed),
    (OrderStatus::Paid, OrderStatus::Failed),
    (OrderStatus::Paid, OrderStatus::Cancelled),
    (OrderStatus::Processing, OrderStatus::Completed),
    (OrderStatus::Processing, OrderStatus::Paid),
];

/// Whether [`TRANSITIONS`] allows an order to move from `from` to `to`.
///
/// ```
/// use shopcore::OrderStatus::*;
/// use shopcore::orders::can_transition;
///
/// assert!(can_transition(Paid, Completed));
/// assert!(!can_transition(Processing, Cancelled)); // the supplier may have delivered
/// assert!(!can_transition(Completed, Failed));
/// ```
pub fn can_transition(from: OrderStatus, to: OrderStatus) -> bool {
    TRANSITIONS.contains(&(from, to))
}

/// Who fulfils the order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Fulfilment {
    /// Staff deliver by hand.
    Manual,
    /// A code reserved from the product's pool when the order was made.
    Codes,
    /// The supplier API (AUTO mode); falls back to `Manual`.
    Supplier,
}

impl fmt::Display for Fulfilment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Fulfilment::Manual => "manual",
            Fulfilment::Codes => "codes",
            Fulfilment::Supplier => "supplier",
        })
    }
}

/// How the buyer pays, as recorded on the order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Payment {
    /// From their wallet, when the order was placed.
    Balance,
    /// Outside the bot, through a payment method, confirmed by staff.
    Method {
        /// The method.
        method: PaymentMethodId,
        /// What to pay, in the method's currency, at `units_per_usd`: the total converted
        /// and rounded up to the currency's smallest unit.
        amount: Money,
        /// The method's currency.
        currency: CurrencyCode,
        /// The method currency's rate when the order was placed (units per USD).
        units_per_usd: Money,
        /// The buyer's proof of payment.
        proof: Option<Proof>,
    },
    /// Through a payment provider's invoice, settled without staff
    /// ([`Shop::settle_invoice`]).
    Invoice {
        /// The invoice.
        invoice: InvoiceId,
        /// Who collects it.
        provider: Provider,
        /// What to pay, in the provider's currency (rounded up).
        amount: Money,
        /// The provider's currency.
        currency: CurrencyCode,
        /// Its rate when the order was placed (units per USD).
        units_per_usd: Money,
    },
}

/// An order: one product for one buyer, with everything it was sold at.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    /// Its id, numbered from 1.
    pub id: OrderId,
    /// The buyer.
    pub user: UserId,
    /// The product bought.
    pub product: ProductId,
    /// The product's name when ordered (history survives renames).
    pub product_name: String,
    /// The player id given, checked against the product's rule (trimmed).
    pub player_id: Option<String>,
    /// The product's price when ordered, in USD.
    pub price_usd: Money,
    /// The coupon's discount, in USD (zero without one).
    pub discount_usd: Money,
    /// What the buyer pays: `price_usd - discount_usd`, in USD. The PURCHASE entry debits
    /// it, a REFUND gives it back.
    pub total_usd: Money,
    /// The currency the buyer saw, its rate, and the total in it.
    pub currency: CurrencyCode,
    /// The display currency's rate when ordered, in units per USD.
    pub exchange_rate: Money,
    /// `total_usd` in the display currency, rounded up as the shop would ask it.
    pub price_local: Money,
    /// The coupon used, if any.
    pub coupon: Option<CouponCode>,
    /// How the buyer pays.
    pub payment: Payment,
    /// Where the order stands.
    pub status: OrderStatus,
    /// Who fulfils it; a supplier or code order may fall back to `Manual`.
    pub fulfilment: Fulfilment,
    /// The code reserved from the pool: a secret until delivered, so it can't be read
    /// outside shopcore (see [`Order::holds_code`]); it is never printed or serialized for
    /// people (Debug and JSON show it sealed).
    pub(crate) reserved_code: Option<SealedCode>,
    /// What the buyer received, once completed: the code (for a code order, followed by any
    /// note from staff), the staff's delivery text, or the supplier's payload.
    pub delivery: Option<String>,
    /// Why it failed, or `"payment not received in time"` for an expired order.
    pub failure_reason: Option<String>,
    /// Supplier placements so far.
    pub supplier_attempts: u32,
    /// When the supplier queue next looks at it (after a call without a definite answer).
    pub next_attempt_at: Option<Timestamp>,
    /// Completed without a person: from a code pool in AUTO mode, or by the supplier.
    pub auto_fulfilled: bool,
    /// The PAYMENT ledger entry (money received through a method), once confirmed.
    pub payment_seq: Option<u64>,
    /// The PURCHASE ledger entry, once paid.
    pub purchase_seq: Option<u64>,
    /// The REFUND ledger entry, if it was refunded.
    pub refund_seq: Option<u64>,
    /// The payment deadline of an order awaiting payment; `None` otherwise.
    pub expires_at: Option<Timestamp>,
    /// When it was placed.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
    /// The buyer's previous order (`None` for their first): a user's orders are a chain that
    /// starts at [`wallet::Wallet::last_order`], so they need no index.
    pub prev_for_user: Option<OrderId>,
    /// How many units were bought (at least 1, at most the product's limit per order when
    /// ordered). `price_usd`, `discount_usd` and `total_usd` are for all of them.
    pub quantity: u32,
    /// The codes reserved for the units after the first (`reserved_code` holds the first):
    /// sealed like it, delivered together with it, released together with it.
    pub(crate) more_codes: Vec<SealedCode>,
}

impl Order {
    /// The buyer paid (balance debited, or outside payment confirmed).
    pub fn is_paid(&self) -> bool {
        self.purchase_seq.is_some()
    }

    /// A code from the product's pool is reserved for this order (what it is stays sealed
    /// until delivery puts it into [`Order::delivery`]).
    pub fn holds_code(&self) -> bool {
        self.reserved_code.is_some()
    }

    /// The price of one unit, in USD (`price_usd` is for all `quantity` of them).
    pub fn unit_price_usd(&self) -> Money {
        Money::from_decimal(
            self.price_usd.decimal() / rust_decimal::Decimal::from(self.quantity.max(1)),
        )
    }

    /// Every code the order holds, the first unit's first.
    pub(crate) fn codes(&self) -> impl Iterator<Item = &SealedCode> {
        self.reserved_code.iter().chain(&self.more_codes)
    }

    /// Takes every code the order holds out of it.
    fn take_codes(&mut self) -> Vec<SealedCode> {
        let mut codes: Vec<SealedCode> = self.reserved_code.take().into_iter().collect();
        codes.append(&mut self.more_codes);
        codes
    }
}

/// A code reserved for an order. The store keeps it (bincode, not human-readable); every
/// human-readable form — `Debug`, JSON — shows `"sealed"` instead, so no API, log or export
/// can leak it before delivery.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct SealedCode(pub(crate) String);

impl fmt::Debug for SealedCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SealedCode(sealed)")
    }
}

impl Serialize for SealedCode {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            serializer.serialize_str("sealed")
        } else {
            serializer.serialize_str(&self.0)
        }
    }
}

impl<'de> Deserialize<'de> for SealedCode {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Self, D::Error> {
        String::deserialize(deserializer).map(SealedCode)
    }
}

/// How a shopper wants to pay.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PaymentChoice {
    /// From their wallet: the balance must cover the total, and is debited at once.
    Balance,
    /// Outside the bot through this payment method, with a proof; staff confirm it.
    Method(PaymentMethodId),
    /// Through this provider's invoice (no proof): the order awaits the provider's payment
    /// until its deadline.
    Invoice(Provider),
}

/// A shopper's order, as quoted ([`Shop::quote`]) and as placed ([`Shop::create_order`]).
#[derive(Clone, Debug)]
pub struct OrderRequest {
    /// The product to buy.
    pub product: ProductId,
    /// How to pay.
    pub payment: PaymentChoice,
    /// A coupon code as typed (any case).
    pub coupon: Option<String>,
    /// The player id, when the product asks for one.
    pub player_id: Option<String>,
    /// The currency to show prices in; the user's preferred currency when `None`.
    pub currency: Option<String>,
    /// Proof of an outside payment, when paying through a method.
    pub proof: Option<Proof>,
    /// How many units (1 up to the product's limit per order, [`Shop::order_limit`]).
    pub quantity: u32,
}

impl OrderRequest {
    /// `quantity` units of `product` paid from the buyer's balance, with no coupon, player
    /// id or display currency: fill those in with struct update syntax.
    ///
    /// ```
    /// # use shopcore::{OrderRequest, PaymentChoice, ProductId};
    /// let request = OrderRequest {
    ///     coupon: Some("WELCOME10".into()),
    ///     ..OrderRequest::from_balance(ProductId::new(7).unwrap(), 2)
    /// };
    /// assert_eq!((request.quantity, request.payment), (2, PaymentChoice::Balance));
    /// ```
    pub fn from_balance(product: ProductId, quantity: u32) -> OrderRequest {
        OrderRequest {
            product,
            payment: PaymentChoice::Balance,
            coupon: None,
            player_id: None,
            currency: None,
            proof: None,
            quantity,
        }
    }
}

/// The confirmation screen: every check passed, nothing written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Quote {
    /// The product as it is now.
    pub product: Product,
    /// How many units.
    pub quantity: u32,
    /// The price of the units, in USD (one unit's price × `quantity`).
    pub price_usd: Money,
    /// The coupon's discount, in USD (zero without one; taken off each unit).
    pub discount_usd: Money,
    /// What the order would cost, in USD.
    pub total_usd: Money,
    /// The currency to show the total in (the request's, else the buyer's preferred one,
    /// else USD), with its rate now.
    pub currency: Currency,
    /// `total_usd` in that currency, rounded up as the shop would ask it.
    pub total_local: Money,
    /// For method payments: what to pay and in which currency.
    pub pay: Option<(Money, CurrencyCode)>,
    /// The coupon applied, upper-cased.
    pub coupon: Option<CouponCode>,
    /// The player id, checked and trimmed.
    pub player_id: Option<String>,
}

impl Quote {
    /// The price of one unit, in USD.
    pub fn unit_price_usd(&self) -> Money {
        self.product.price_usd
    }
}

/// One page of orders.
#[derive(Clone, Debug)]
pub struct OrderPage {
    /// The orders on this page.
    pub orders: Vec<Order>,
    /// Pass back (as `before` or `after`, as the listing names it) for the next page;
    /// `None` at the end.
    pub next: Option<OrderId>,
}

/// What one pass over the supplier queue did ([`Shop::run_supplier_queue`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SupplierRun {
    /// Orders the supplier delivered: completed.
    pub delivered: u32,
    /// Calls that ended without a definite answer: the order stays with the supplier and
    /// is looked at again after its backoff.
    pub retry_scheduled: u32,
    /// Orders handed to staff (a definite rejection or failure, or never received after
    /// every attempt).
    pub fell_back: u32,
}

/// Failures about orders. The checks of [`Shop::quote`] and [`Shop::create_order`] give
/// most of these to the shopper; the rest refuse moves the state machine forbids.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OrderError {
    /// No order has this id, or it is someone else's (a shopper can't tell the two apart).
    #[error("order {id} does not exist")]
    NotFound {
        /// The id asked for.
        id: OrderId,
    },
    /// The product, or its category, is switched off.
    #[error("product {id} is not on sale right now")]
    ProductInactive {
        /// The product.
        id: ProductId,
    },
    /// The product was deleted (it is kept for its orders).
    #[error("product {id} is no longer sold")]
    ProductArchived {
        /// The product.
        id: ProductId,
    },
    /// No unit left (stock at zero, or an empty code pool).
    #[error("product {id} is out of stock")]
    OutOfStock {
        /// The product.
        id: ProductId,
    },
    /// Fewer units left than asked for (some are).
    #[error("only {available} of product {id} left; {wanted} were asked for")]
    NotEnoughStock {
        /// The product.
        id: ProductId,
        /// The units left.
        available: u64,
        /// The units asked for.
        wanted: u32,
    },
    /// A quantity below 1 or above the product's limit per order.
    #[error("the quantity must be between 1 and {max}; {quantity} was asked for")]
    BadQuantity {
        /// The quantity asked for.
        quantity: u32,
        /// The product's limit per order.
        max: u32,
    },
    /// The buyer has an open order (awaiting payment, paid or processing): one at a time.
    /// An unpaid order past its deadline does not count.
    #[error("you already have an open order ({order}); finish or cancel it first")]
    OpenOrderExists {
        /// The open order.
        order: OrderId,
    },
    /// The amount to pay through a method falls outside the method's limits.
    #[error(
        "the amount to pay, {amount} {currency}, is outside this method's limits ({min} to {max})"
    )]
    PaymentOutOfRange {
        /// The amount, in the method's currency.
        amount: Money,
        /// The method's currency.
        currency: CurrencyCode,
        /// The method's minimum.
        min: Money,
        /// The method's maximum.
        max: Money,
    },
    /// The product asks for a player id and none was given.
    #[error("this product needs your {label}")]
    PlayerIdRequired {
        /// The product's label for it ("Player ID").
        label: String,
    },
    /// The player id breaks the product's rule.
    #[error("{0}")]
    BadPlayerId(#[from] crate::catalog::PlayerIdError),
    /// A move [`TRANSITIONS`] forbids (completing a cancelled order, confirming a paid one).
    #[error("order {id} is {from}; it can't become {to}")]
    BadTransition {
        /// The order.
        id: OrderId,
        /// Its status.
        from: OrderStatus,
        /// The status asked for.
        to: OrderStatus,
    },
    /// Completing an order that holds no code without a delivery text.
    #[error("completing this order needs the delivery text (the code or account details)")]
    DeliveryRequired,
    /// Ordering through a payment method without a proof.
    #[error("paying through a payment method needs proof of payment")]
    ProofRequired,
    /// Cancelling, failing or completing an order that is with the supplier
    /// ([`OrderStatus::Processing`]).
    #[error(
        "order {id} is with the supplier and its outcome is not known yet; it is settled by the supplier's answer or by reconciliation"
    )]
    WithSupplier {
        /// The order.
        id: OrderId,
    },
}

impl OrderError {
    /// A stable, machine-readable name for the error (`"order.out_of_stock"`); see
    /// [`crate::Error::kind`].
    pub fn kind(&self) -> &'static str {
        match self {
            OrderError::NotFound { .. } => "order.not_found",
            OrderError::ProductInactive { .. } => "order.product_inactive",
            OrderError::ProductArchived { .. } => "order.product_archived",
            OrderError::OutOfStock { .. } => "order.out_of_stock",
            OrderError::NotEnoughStock { .. } => "order.not_enough_stock",
            OrderError::BadQuantity { .. } => "order.bad_quantity",
            OrderError::OpenOrderExists { .. } => "order.open_order_exists",
            OrderError::PaymentOutOfRange { .. } => "order.payment_out_of_range",
            OrderError::PlayerIdRequired { .. } => "order.player_id_required",
            OrderError::BadPlayerId(_) => "order.bad_player_id",
            OrderError::BadTransition { .. } => "order.bad_transition",
            OrderError::DeliveryRequired => "order.delivery_required",
            OrderError::ProofRequired => "order.proof_required",
            OrderError::WithSupplier { .. } => "order.with_supplier",
        }
    }
}

// ----- keys and records --------------------------------------------------------------------

crate::store::code_part!(
    OrderStatus,
    OrderStatus::code,
    OrderStatus::ALL.iter().copied()
);

crate::store::record!(
    /// Orders, by id.
    pub(crate) Orders: Table::Orders, "orders", OrderId => Order
);

impl crate::store::BlockId for OrderId {
    fn number(&self) -> u64 {
        self.get()
    }

    fn numbered(n: u64) -> Option<OrderId> {
        OrderId::new(n).ok()
    }
}
crate::store::record!(
    /// Retired in schema 7 (posting chunks replaced it): one key per order, by status.
    OrdersByStatus: Table::OrdersByStatus, "orders_by_status", (OrderStatus, OrderId) => ()
);
crate::store::record!(
    /// Index: orders by status (the staff queues and the sweeps), in posting chunks: status ·
    /// block (order id ÷ 1,024) → the block's order ids in that status, ascending. The orders
    /// of one writer batch are mostly neighbours, so they share their chunks' writes.
    StatusPostings: Table::OrderStatusPostings, "order_status_postings", (OrderStatus, u64) => Vec<u64>
);
crate::store::record!(
    /// Retired in schema 4 (a user's orders are a chain): user · order.
    OrdersByUser: Table::OrdersByUser, "orders_by_user", (UserId, OrderId) => ()
);
crate::store::record!(
    /// Retired in schema 4 (the account holds it): a user's open order.
    OpenOrders: Table::OpenOrders, "open_orders", UserId => OrderId
);

fn load(tx: &Tx<'_>, id: OrderId) -> Result<Order> {
    tx.load::<Orders>(&id)?
        .ok_or_else(|| OrderError::NotFound { id }.into())
}

/// Writes an order with its status index, and the buyer's account (their wallet record):
/// a new order heads the chain of their orders, and the open one is marked there.
/// Whether a fulfilment counts as automatic when the system completed it.
fn is_auto(fulfilment: Fulfilment, by_system: bool) -> bool {
    by_system && fulfilment != Fulfilment::Manual
}

/// An order is about to be saved (reported to `store::effects`): the stored order, if any,
/// and the new one.
pub(crate) struct OrderSaved;

impl crate::store::Event for OrderSaved {
    type Data<'a> = (Option<&'a Order>, &'a Order);
}

fn save(tx: &Tx<'_>, before: Option<&Order>, order: &Order) -> std::result::Result<(), StoreError> {
    match before {
        Some(b) if b.status != order.status => {
            postings::remove::<StatusPostings, _>(tx, b.status, b.id.get())?;
            postings::add_one::<StatusPostings, _>(tx, order.status, order.id.get())?;
        }
        Some(_) => {}
        None => {
            postings::add_one::<StatusPostings, _>(tx, order.status, order.id.get())?;
        }
    }
    let mut account = wallet::load_wallet(tx, order.user)?;
    let was = account.clone();
    if before.is_none() {
        account.last_order = Some(order.id);
    }
    if order.status.is_open() {
        account.open_order = Some(order.id);
    } else if account.open_order == Some(order.id) {
        account.open_order = None;
    }
    if account != was {
        wallet::save_wallet(tx, order.user, &account)?;
    }
    tx.report::<OrderSaved>(&(before, order))?;
    tx.save::<Orders>(&order.id, order)
}

fn transition(order: &mut Order, to: OrderStatus, now: Timestamp) -> Result<()> {
    if !can_transition(order.status, to) {
        return Err(OrderError::BadTransition {
            id: order.id,
            from: order.status,
            to,
        }
        .into());
    }
    order.status = to;
    order.updated_at = now;
    Ok(())
}

/// What an order paid through a method credits for the money received: the amount asked,
/// at the order's rate, rounded down to the cent — never more than received, and at least
/// the total, since the amount asked was rounded up. (An order placed before that rule may
/// have asked less than its total; confirming it then takes the difference from the
/// buyer's balance, or is refused if the balance can't cover it.)
pub(crate) fn received_usd(order: &Order) -> Money {
    match &order.payment {
        Payment::Method {
            amount,
            units_per_usd,
            ..
        }
        | Payment::Invoice {
            amount,
            units_per_usd,
            ..
        } => currency::credit_usd(*amount, *units_per_usd).unwrap_or(Money::ZERO),
        Payment::Balance => order.total_usd,
    }
}

/// Records an outside payment of `before` (awaiting payment, moved to PAID in `order`):
/// the money received (PAYMENT, `received`) and spent (PURCHASE), the order saved, the buyer
/// told. Returns the PAYMENT entry's sequence number.
fn take_payment(
    tx: &Tx<'_>,
    before: &Order,
    order: &mut Order,
    received: Money,
    by: &ActorRef,
) -> Result<u64> {
    let id = order.id;
    let payment = wallet::post(
        tx,
        order.user,
        received,
        LedgerKind::Payment,
        LedgerRef::Order(id),
        by,
        None,
    )?;
    let purchase = wallet::post(
        tx,
        order.user,
        order.total_usd.negated(),
        LedgerKind::Purchase,
        LedgerRef::Order(id),
        by,
        None,
    )?;
    order.payment_seq = Some(payment.seq);
    order.purchase_seq = Some(purchase.seq);
    order.expires_at = None;
    save(tx, Some(before), order)?;
    notifications::push(
        tx,
        order.user,
        NotificationKind::PaymentConfirmed { order: id },
    )?;
    Ok(payment.seq)
}

/// Whether order `id` still awaits the payment of `invoice`: awaiting payment through it,
/// and not past its deadline (the pre-checkout check).
pub(crate) fn awaits_invoice(tx: &Tx<'_>, id: OrderId, invoice: InvoiceId) -> Result<bool> {
    let order = load(tx, id)?;
    Ok(order.status == OrderStatus::AwaitingPayment
        && !is_expired(&order, tx.now)
        && matches!(order.payment, Payment::Invoice { invoice: i, .. } if i == invoice))
}

/// Pays order `id` with the settled payment of `invoice`, as a confirmed outside payment:
/// the money received (PAYMENT, the invoice's worth) and spent (PURCHASE), the buyer told,
/// a code order in AUTO mode completed. Returns the PAYMENT entry, or `None` when the order
/// no longer awaits this invoice (the caller credits the balance instead). An order past
/// its deadline that the sweep has not cancelled yet is still paid, as staff could confirm
/// it: the provider took the money while the order was there.
pub(crate) fn pay_with_invoice(
    tx: &Tx<'_>,
    id: OrderId,
    invoice: &Invoice,
    by: &ActorRef,
) -> Result<Option<u64>> {
    let before = load(tx, id)?;
    let waits = before.status == OrderStatus::AwaitingPayment
        && matches!(before.payment, Payment::Invoice { invoice: i, .. } if i == invoice.id);
    if !waits {
        return Ok(None);
    }
    let mut order = before.clone();
    transition(&mut order, OrderStatus::Paid, tx.now)?;
    let seq = take_payment(tx, &before, &mut order, invoice.amount_usd, by)?;
    after_payment(tx, order)?;
    Ok(Some(seq))
}

/// Nobody decides on their own money: staff may not confirm the payment of, complete, fail
/// or (as staff) cancel an order they placed themselves. A buyer's own cancel is not a staff
/// decision and goes through the buyer's rules.
fn refuse_own_order(actor: &Actor, order: &Order) -> Result<()> {
    if actor.user_id() == Some(order.user) {
        return Err(Denied::SelfAction {
            what: "decide on an order placed by",
        }
        .into());
    }
    Ok(())
}

/// An order with the supplier (PROCESSING) is settled only by the supplier's answer or by
/// reconciliation: staff can't complete, fail or cancel it, nor the buyer cancel it.
fn refuse_with_supplier(order: &Order) -> Result<()> {
    if order.status == OrderStatus::Processing {
        return Err(OrderError::WithSupplier { id: order.id }.into());
    }
    Ok(())
}

/// Undoes what an order holds: its reserved stock or code, its coupon use, its refund if paid,
/// its method's pending use if unpaid. Runs once, in the transaction that ends the order.
fn release(tx: &Tx<'_>, order: &mut Order, actor: &ActorRef) -> Result<()> {
    let mut product = catalog::load_product(tx, order.product)?;
    let before = product.clone();
    let codes = order.take_codes();
    if order.fulfilment == Fulfilment::Codes && !codes.is_empty() {
        for code in &codes {
            catalog::return_code(tx, &mut product, &code.0, order.id)?;
        }
    } else if let Stock::Limited(n) = product.stock
        && product.delivery != Delivery::Codes
    {
        product.stock = Stock::Limited(n.saturating_add(u64::from(order.quantity.max(1))));
    }
    if product != before {
        catalog::save_product(tx, Some(&before), &product)?;
    }
    if let Some(code) = &order.coupon {
        coupons::release(tx, code, order.user)?;
    }
    if order.is_paid() {
        let entry = wallet::post(
            tx,
            order.user,
            order.total_usd,
            LedgerKind::Refund,
            LedgerRef::Order(order.id),
            actor,
            None,
        )?;
        order.refund_seq = Some(entry.seq);
        // Money a provider took goes back through it when it can (a Stars refund).
        if let Payment::Invoice { invoice, .. } = &order.payment {
            invoices::start_refund(tx, *invoice, actor)?;
        }
    } else if let Payment::Method { method, .. } = &order.payment {
        payment_methods::adjust_pending(tx, *method, -1)?;
    } else if let Payment::Invoice { invoice, .. } = &order.payment {
        invoices::close_unpaid(tx, *invoice, InvoiceStatus::Cancelled)?;
    }
    order.expires_at = None;
    order.next_attempt_at = None;
    Ok(())
}

impl Shop {
    /// Revokes the given codes of a product (`manage_products`): codes in the pool leave
    /// it, and a code reserved by an open order is taken from that order, which gets another
    /// code from the pool or, with the pool empty, goes to staff. Returns how many codes were
    /// revoked; a revoked code can never enter the pool again. Audited with counts only.
    pub fn revoke_codes(&self, actor: &Actor, id: ProductId, codes: &[&str]) -> Result<u64> {
        self.revoke_codes_with(actor, id, codes, revoke_reserved_code)
    }

    /// Revokes every code of a product (`manage_products`): the whole pool and the codes
    /// reserved by open orders (those orders go to staff). Returns how many were revoked.
    pub fn revoke_all_codes(&self, actor: &Actor, id: ProductId) -> Result<u64> {
        self.revoke_all_codes_with(actor, id, revoke_reserved_code)
    }
}

/// A code reserved by `id` (its `codes_seen` key is `revoked`) is being revoked: the order
/// takes the next code from the pool in its place, or, with the pool empty, gives its other
/// codes back to the pool and goes to staff whole (who are told once it is paid). The
/// caller marks the revoked code's fate.
pub(crate) fn revoke_reserved_code(
    tx: &Tx<'_>,
    product: &mut Product,
    id: OrderId,
    revoked: &catalog::CodeKey,
) -> Result<()> {
    let before = load(tx, id)?;
    if !before.holds_code() || !before.status.is_open() {
        return Ok(());
    }
    let mut order = before.clone();
    let mut codes = order.take_codes();
    let Some(at) = codes
        .iter()
        .position(|c| &catalog::code_hash_key(product.id, &c.0) == revoked)
    else {
        return Ok(());
    };
    match catalog::take_code(tx, product, id)? {
        Some(code) => {
            codes[at] = SealedCode(code);
            let mut codes = codes.into_iter();
            order.reserved_code = codes.next();
            order.more_codes = codes.collect();
        }
        None => {
            codes.remove(at);
            for code in &codes {
                catalog::return_code(tx, product, &code.0, id)?;
            }
            order.fulfilment = Fulfilment::Manual;
            if order.status == OrderStatus::Paid {
                notifications::push(
                    tx,
                    order.user,
                    NotificationKind::StaffOrderWaiting { order: id },
                )?;
            }
        }
    }
    order.updated_at = tx.now;
    save(tx, Some(&before), &order)?;
    Ok(())
}

/// Everything validated and priced for one order request.
struct Priced {
    product: Product,
    coupon: Option<Coupon>,
    method: Option<(PaymentMethod, Currency)>,
    /// Paying through a provider's invoice: the provider and its currency now.
    invoice: Option<(Provider, Currency)>,
    price: Money,
    discount: Money,
    total: Money,
    currency: Currency,
    total_local: Money,
    pay_amount: Option<Money>,
    player_id: Option<String>,
    quantity: u32,
}

/// The seven checks of SEED §3, in order, each with its own error; then the price.
/// `expired_open_order` tells whether an open order that has passed its payment deadline
/// blocks (it does not: creation expires it in the same transaction).
fn price(
    tx: &Tx<'_>,
    actor: &Actor,
    request: &OrderRequest,
    coupon: Option<&CouponCode>,
) -> Result<Priced> {
    // 1. The user exists and is not banned.
    let user_id = actor.user_id().ok_or(Denied::NotAUser)?;
    role_of(tx, actor)?;
    let user = crate::users::load(tx, user_id)?; // the buyer record (preferred currency)
    // 2. The product exists, is active, not archived, in stock.
    let product = catalog::load_product(tx, request.product)?;
    if product.archived {
        return Err(OrderError::ProductArchived { id: product.id }.into());
    }
    let category_active = tx
        .load::<catalog::Categories>(&product.category)?
        .is_some_and(|c| c.active);
    if !product.active || !category_active {
        return Err(OrderError::ProductInactive { id: product.id }.into());
    }
    if !product.in_stock() {
        return Err(OrderError::OutOfStock { id: product.id }.into());
    }
    // The quantity: within the product's limit per order, and that many units left.
    let quantity = request.quantity;
    let max = catalog::order_limit(tx, product.id)?;
    if quantity == 0 || quantity > max {
        return Err(OrderError::BadQuantity { quantity, max }.into());
    }
    if let Some(available) = product.available()
        && available < u64::from(quantity)
    {
        return Err(OrderError::NotEnoughStock {
            id: product.id,
            available,
            wanted: quantity,
        }
        .into());
    }
    // 3. The store takes orders.
    refuse_new_orders(tx)?;
    // 4. No other open order (an unpaid one past its deadline does not count).
    if let Some(open) = wallet::load_wallet(tx, user_id)?.open_order {
        let order = load(tx, open)?;
        if !is_expired(&order, tx.now) {
            return Err(OrderError::OpenOrderExists { order: open }.into());
        }
    }
    // 5. The payment method, when one is given.
    let method = match request.payment {
        PaymentChoice::Balance | PaymentChoice::Invoice(_) => None,
        PaymentChoice::Method(id) => {
            let method = payment_methods::usable(tx, id)?;
            let currency = currency::enabled(tx, &method.currency)?;
            Some((method, currency))
        }
    };
    let invoice = match request.payment {
        PaymentChoice::Invoice(provider) => {
            Some((provider, invoices::provider_currency(tx, provider)?))
        }
        PaymentChoice::Balance | PaymentChoice::Method(_) => None,
    };
    // The coupon, then the price. A coupon's rules are per unit: its minimum is compared
    // with one unit's price and its discount taken off each unit; the order counts one use.
    let unit_price = product.price_usd;
    let coupon = match coupon {
        None => None,
        Some(code) => {
            let coupon = coupons::load(tx, code)?;
            let used = coupons::user_uses(tx, code, user_id)?;
            coupons::check_eligible(&coupon, &product, unit_price, used, tx.now)?;
            Some(coupon)
        }
    };
    let unit_discount = coupon
        .as_ref()
        .map_or(Money::ZERO, |c| coupons::discount(unit_price, c.kind));
    let units = rust_decimal::Decimal::from(quantity);
    let too_much = || OrderError::BadQuantity { quantity, max };
    let price = unit_price.checked_mul(units).ok_or_else(too_much)?;
    let discount = unit_discount.checked_mul(units).ok_or_else(too_much)?;
    let total = price.checked_sub(discount).unwrap_or(Money::ZERO);
    let display_code = match &request.currency {
        Some(code) => CurrencyCode::parse(code)?,
        None => user
            .preferred_currency
            .clone()
            .unwrap_or_else(CurrencyCode::usd),
    };
    let currency = currency::enabled(tx, &display_code)?;
    // Shown in the buyer's currency as the shop would ask it (rounded up), so the price a
    // shopper sees is never below what checkout asks.
    let total_local = currency.ask_for_usd(total).unwrap_or(Money::ZERO);
    let pay_amount = match &method {
        None => invoice
            .as_ref()
            .map(|(_, c)| c.ask_for_usd(total).unwrap_or(Money::ZERO)),
        Some((method, method_currency)) => {
            let amount = method_currency.ask_for_usd(total).unwrap_or(Money::ZERO);
            if amount < method.min_amount || amount > method.max_amount {
                return Err(OrderError::PaymentOutOfRange {
                    amount,
                    currency: method.currency.clone(),
                    min: method.min_amount,
                    max: method.max_amount,
                }
                .into());
            }
            Some(amount)
        }
    };
    // 6. The balance, when paying from it.
    if request.payment == PaymentChoice::Balance {
        let balance = wallet::load_wallet(tx, user_id)?.balance;
        if balance < total {
            return Err(crate::wallet::WalletError::InsufficientBalance {
                balance,
                needed: total,
            }
            .into());
        }
    }
    // 7. The player id, when the product asks for one.
    let player_id = match &product.player_field {
        None => None,
        Some(field) => {
            let given = request
                .player_id
                .as_deref()
                .filter(|p| !p.trim().is_empty())
                .ok_or_else(|| OrderError::PlayerIdRequired {
                    label: field.label.clone(),
                })?;
            Some(field.rule.check(given).map_err(OrderError::from)?)
        }
    };
    Ok(Priced {
        product,
        coupon,
        method,
        invoice,
        price,
        discount,
        total,
        currency,
        total_local,
        pay_amount,
        player_id,
        quantity,
    })
}

fn is_expired(order: &Order, now: Timestamp) -> bool {
    order.status == OrderStatus::AwaitingPayment && order.expires_at.is_some_and(|at| now >= at)
}

fn expire(tx: &Tx<'_>, order: &Order) -> Result<Order> {
    let actor = ActorRef::System("expiry".into());
    let mut expired = order.clone();
    transition(&mut expired, OrderStatus::Cancelled, tx.now)?;
    if let Payment::Invoice { invoice, .. } = &order.payment {
        invoices::close_unpaid(tx, *invoice, InvoiceStatus::Expired)?;
    }
    release(tx, &mut expired, &actor)?;
    expired.failure_reason = Some("payment not received in time".into());
    save(tx, Some(order), &expired)?;
    notifications::push(
        tx,
        order.user,
        NotificationKind::OrderCancelled {
            order: order.id,
            refunded: false,
        },
    )?;
    audit::done(
        tx,
        &actor,
        AuditAction::ExpireOrder,
        Target::Order(order.id),
        vec![],
    )?;
    Ok(expired)
}

/// Completes an order with what the buyer receives.
fn complete(tx: &Tx<'_>, before: &Order, delivery: String, actor: &ActorRef) -> Result<Order> {
    let mut order = before.clone();
    transition(&mut order, OrderStatus::Completed, tx.now)?;
    for code in order.take_codes() {
        catalog::set_code_fate(
            tx,
            order.product,
            &code.0,
            catalog::CodeFate::Delivered { order: order.id },
        )?;
    }
    order.delivery = Some(delivery);
    order.next_attempt_at = None;
    order.auto_fulfilled = is_auto(order.fulfilment, matches!(actor, ActorRef::System(_)));
    save(tx, Some(before), &order)?;
    notifications::push(
        tx,
        order.user,
        NotificationKind::OrderCompleted { order: order.id },
    )?;
    audit::done(
        tx,
        actor,
        AuditAction::FinalizeOrderCompleted,
        Target::Order(order.id),
        vec![Detail::noted("fulfilment", order.fulfilment)],
    )?;
    crate::referrals::on_order_completed(tx, order.user, order.id, order.total_usd)?;
    crate::recommendations::on_completed(tx, order.user, order.product)?;
    Ok(order)
}

/// After payment: a code order in AUTO mode completes at once; an order that needs a
/// person is announced to staff.
fn after_payment(tx: &Tx<'_>, order: Order) -> Result<Order> {
    let auto = settings::load(tx)?.fulfilment == FulfilmentMode::Auto;
    match (&order.fulfilment, &order.reserved_code) {
        (Fulfilment::Codes, Some(_)) if auto => {
            let codes = delivered_codes(&order);
            complete(
                tx,
                &order,
                codes,
                &ActorRef::System("auto-fulfilment".into()),
            )
        }
        (Fulfilment::Supplier, _) if auto => Ok(order),
        _ => {
            notifications::push(
                tx,
                order.user,
                NotificationKind::StaffOrderWaiting { order: order.id },
            )?;
            Ok(order)
        }
    }
}

/// A code order's codes as the buyer receives them: one per line, the first unit's first
/// (what [`holds_code`] finds in a completed order's delivery).
fn delivered_codes(order: &Order) -> String {
    order
        .codes()
        .map(|c| c.0.as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

fn replayed_order(tx: &Tx<'_>, outcome: RequestOutcome) -> Result<Order> {
    match outcome {
        RequestOutcome::Order(id) => load(tx, id),
        _ => Err(StoreError::Corrupt {
            table: Table::RequestKeys.name(),
            key: "(request)".into(),
            reason: "an order request key remembers something else".into(),
        }
        .into()),
    }
}

impl Shop {
    /// Runs every check and prices an order without writing anything: the shopper's
    /// confirmation screen. It fails exactly as [`Shop::create_order`] would at this moment
    /// (the checks are listed there), except for request keys and proofs; see it for an
    /// example.
    pub fn quote(&self, actor: &Actor, request: &OrderRequest) -> Result<Quote> {
        let coupon = request
            .coupon
            .as_deref()
            .map(CouponCode::parse)
            .transpose()?;
        self.transact(|tx| {
            let p = price(tx, actor, request, coupon.as_ref())?;
            Ok(Quote {
                pay: p.pay_amount.zip(
                    p.method
                        .as_ref()
                        .map(|(m, _)| m.currency.clone())
                        .or_else(|| p.invoice.as_ref().map(|(_, c)| c.code.clone())),
                ),
                product: p.product,
                price_usd: p.price,
                discount_usd: p.discount,
                total_usd: p.total,
                total_local: p.total_local,
                currency: p.currency,
                coupon: p.coupon.map(|c| c.code),
                player_id: p.player_id,
                quantity: p.quantity,
            })
        })
    }

    /// Places an order: the seven checks, then in one transaction the stock or code is
    /// reserved, the coupon use counted, the balance debited (PURCHASE) or the order left
    /// awaiting an outside payment, the order and its indexes written, and the audit entry
    /// (`CREATE_ORDER`). Idempotent by `key`: a retry returns the first order.
    ///
    /// The checks, in order, each with its error: the buyer is a registered user, not
    /// banned ([`Denied`]); the product exists, is not archived, is active in an active
    /// category and in stock ([`OrderError`]); the shop is open ([`crate::ModeError`]);
    /// the buyer has no other open order ([`OrderError::OpenOrderExists`]; an unpaid one past
    /// its deadline is expired first); the payment method is usable
    /// ([`crate::PaymentMethodError`]); a coupon is eligible ([`crate::CouponError`]); the
    /// amount to pay is within the method's limits ([`OrderError::PaymentOutOfRange`]); the
    /// balance covers the total ([`crate::WalletError::InsufficientBalance`]); the player
    /// id follows the product's rule. Before any of them, paying through a method needs a
    /// proof ([`OrderError::ProofRequired`]).
    ///
    /// Paid from the balance, the order is `Paid` at once (and, for a code product in
    /// [`FulfilmentMode::Auto`], `Completed` with its code); through a method it is
    /// `AwaitingPayment` until [`Shop::confirm_payment`] or its deadline.
    ///
    /// ```
    /// use shopcore::catalog::parse_price;
    /// use shopcore::{
    ///     Config, Delivery, Money, NewProduct, OrderRequest, OrderStatus, PaymentChoice,
    ///     ProductKind, Registration, RequestKey, Shop, Stock, UserId,
    /// };
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let dir = tempfile::tempdir()?;
    /// # let owner = UserId::new(1)?;
    /// # let shop = Shop::open(dir.path().join("shop.db"), Config::default().with_super_admins(vec![owner]))?;
    /// # let admin = shop.actor(owner)?;
    /// # let cat = shop.create_category(&admin, "Games", 0)?;
    /// # let gems = shop.create_product(&admin, &NewProduct {
    /// #     category: cat.id, name: "60 gems".into(), description: String::new(), price_usd: parse_price("0.99")?,
    /// #     kind: ProductKind::GameTopUp, delivery: Delivery::Manual, stock: Stock::Limited(10),
    /// #     player_field: Some(shopcore::PlayerField { label: "Player ID".into(), rule: shopcore::PlayerIdRule::Digits { len_min: 9, len_max: 10 } }),
    /// #     sort_order: 0, active: true,
    /// # })?.id;
    /// # let alice = UserId::new(42)?;
    /// # shop.register_user(&Registration { id: alice, username: None, display_name: "Alice", language: None })?;
    /// # shop.adjust_balance(&admin, alice, Money::units(5), "welcome", &RequestKey::new("adj-1")?)?;
    /// let buyer = shop.actor(alice)?;
    /// let request = OrderRequest {
    ///     quantity: 1,
    ///     product: gems, // 0.99 USD, asks for a 9-10 digit player id
    ///     payment: PaymentChoice::Balance,
    ///     coupon: None,
    ///     player_id: Some(" 512345678 ".into()),
    ///     currency: None,
    ///     proof: None,
    /// };
    /// let quote = shop.quote(&buyer, &request)?;
    /// assert_eq!(quote.total_usd, parse_price("0.99")?);
    /// assert_eq!(quote.player_id.as_deref(), Some("512345678"));
    ///
    /// let key = RequestKey::new("tg-update-9001")?;
    /// let order = shop.create_order(&buyer, &request, &key)?;
    /// assert_eq!(order.status, OrderStatus::Paid);
    /// assert_eq!(shop.balance(alice)?, parse_price("4.01")?);
    /// assert_eq!(shop.product(gems)?.unwrap().available(), Some(9));
    ///
    /// // The same key again (a retried update) is the same order, not a second purchase.
    /// assert_eq!(shop.create_order(&buyer, &request, &key)?.id, order.id);
    /// assert_eq!(shop.balance(alice)?, parse_price("4.01")?);
    /// # Ok(())
    /// # }
    /// ```
    pub fn create_order(
        &self,
        actor: &Actor,
        request: &OrderRequest,
        key: &RequestKey,
    ) -> Result<Order> {
        self.place_order(actor, actor, request, key)
    }

    /// Places an order on `buyer`'s behalf (a phone order; `act_for_users`): the buyer's
    /// balance, open-order slot and checks apply as if they ordered; the audit entry, the
    /// ledger entries and the request key are the staff member's, naming the buyer. Nobody
    /// acts for themselves this way.
    pub fn create_order_for(
        &self,
        staff: &Actor,
        buyer: UserId,
        request: &OrderRequest,
        key: &RequestKey,
    ) -> Result<Order> {
        let buyer = self.on_behalf_of(staff, buyer, AuditAction::CreateOrder)?;
        self.place_order(staff, &buyer, request, key)
    }

    fn place_order(
        &self,
        actor: &Actor,
        buyer: &Actor,
        request: &OrderRequest,
        key: &RequestKey,
    ) -> Result<Order> {
        let coupon = request
            .coupon
            .as_deref()
            .map(CouponCode::parse)
            .transpose()?;
        let proof = match (&request.payment, &request.proof) {
            (PaymentChoice::Method(_), None) => return Err(OrderError::ProofRequired.into()),
            (PaymentChoice::Method(_), Some(proof)) => Some(proof.checked()?),
            (PaymentChoice::Balance | PaymentChoice::Invoice(_), _) => None,
        };
        let fingerprint = requests::fingerprint(
            "create_order",
            &(
                request.product,
                format!("{:?}", request.payment),
                &coupon,
                &request.player_id,
                &request.currency,
                &proof,
                buyer.user_id(),
                request.quantity,
            ),
        )?;
        let unpaid_ttl = self.limits.unpaid_order_ttl_ms;
        let on_behalf = actor != buyer;
        self.transact(|tx| {
            role_of(tx, actor)?;
            if on_behalf {
                require(tx, actor, Permission::ActForUsers)?;
            }
            if let Some(outcome) = requests::replayed(tx, actor.who(), key, &fingerprint)? {
                return replayed_order(tx, outcome);
            }
            let user_id = buyer.user_id().ok_or(Denied::NotAUser)?;
            // An unpaid order past its deadline gives its slot (and stock) back first.
            if let Some(open) = wallet::load_wallet(tx, user_id)?.open_order {
                let order = load(tx, open)?;
                if is_expired(&order, tx.now) {
                    expire(tx, &order)?;
                }
            }
            let p = price(tx, buyer, request, coupon.as_ref())?;
            let mode = settings::load(tx)?.fulfilment;
            let id = OrderId::new(tx.next_in_block(Counter::OrderSeq)?)?;

            // Reserve the goods: every unit's code, or every unit of stock, or nothing (an
            // error here drops the whole transaction, codes taken before it included).
            let mut product = p.product.clone();
            let mut codes = Vec::new();
            let short = |available: u64| -> Error {
                if available == 0 {
                    OrderError::OutOfStock { id: p.product.id }.into()
                } else {
                    OrderError::NotEnoughStock {
                        id: p.product.id,
                        available,
                        wanted: p.quantity,
                    }
                    .into()
                }
            };
            let fulfilment = match &product.delivery {
                Delivery::Codes => {
                    for _ in 0..p.quantity {
                        match catalog::take_code(tx, &mut product, id)? {
                            Some(code) => codes.push(SealedCode(code)),
                            None => return Err(short(codes.len() as u64)),
                        }
                    }
                    Fulfilment::Codes
                }
                Delivery::Supplier { .. } if mode == FulfilmentMode::Auto => Fulfilment::Supplier,
                _ => Fulfilment::Manual,
            };
            if product.delivery != Delivery::Codes
                && let Stock::Limited(n) = product.stock
            {
                product.stock = Stock::Limited(
                    n.checked_sub(u64::from(p.quantity))
                        .ok_or_else(|| short(n))?,
                );
            }
            let mut codes = codes.into_iter();
            let reserved_code = codes.next();
            let more_codes: Vec<SealedCode> = codes.collect();
            product.order_count += 1;
            catalog::save_product(tx, Some(&p.product), &product)?;
            if let Some(coupon) = &p.coupon {
                coupons::redeem(tx, coupon, user_id)?;
            }

            let mut reused = None;
            let mut order = Order {
                id,
                user: user_id,
                product: product.id,
                product_name: product.name.clone(),
                player_id: p.player_id.clone(),
                price_usd: p.price,
                discount_usd: p.discount,
                total_usd: p.total,
                currency: p.currency.code.clone(),
                exchange_rate: p.currency.units_per_usd,
                price_local: p.total_local,
                coupon: p.coupon.as_ref().map(|c| c.code.clone()),
                payment: Payment::Balance,
                status: OrderStatus::Paid,
                fulfilment,
                reserved_code,
                delivery: None,
                failure_reason: None,
                supplier_attempts: 0,
                next_attempt_at: None,
                auto_fulfilled: false,
                payment_seq: None,
                purchase_seq: None,
                refund_seq: None,
                expires_at: None,
                created_at: tx.now,
                updated_at: tx.now,
                prev_for_user: wallet::load_wallet(tx, user_id)?.last_order,
                quantity: p.quantity,
                more_codes,
            };
            match (&p.method, &p.invoice) {
                (None, Some((provider, _))) => {
                    let invoice = invoices::open(
                        tx,
                        user_id,
                        InvoicePurpose::Order(id),
                        *provider,
                        p.total,
                        unpaid_ttl,
                    )?;
                    order.payment = Payment::Invoice {
                        invoice: invoice.id,
                        provider: *provider,
                        amount: invoice.amount,
                        currency: invoice.currency.clone(),
                        units_per_usd: invoice.units_per_usd,
                    };
                    order.status = OrderStatus::AwaitingPayment;
                    order.expires_at = Some(invoice.expires_at);
                }
                (None, None) => {
                    let entry = wallet::post(
                        tx,
                        user_id,
                        p.total.negated(),
                        LedgerKind::Purchase,
                        LedgerRef::Order(id),
                        actor.who(),
                        None,
                    )?;
                    order.purchase_seq = Some(entry.seq);
                }
                (Some((method, method_currency)), _) => {
                    order.payment = Payment::Method {
                        method: method.id,
                        amount: p.pay_amount.unwrap_or(Money::ZERO),
                        currency: method.currency.clone(),
                        units_per_usd: method_currency.units_per_usd,
                        proof: proof.clone(),
                    };
                    order.status = OrderStatus::AwaitingPayment;
                    order.expires_at = Some(tx.now.plus_millis(unpaid_ttl));
                    payment_methods::adjust_pending(tx, method.id, 1)?;
                    if let Some(proof) = &proof {
                        reused = crate::proofs::note_use(tx, proof, ProofUse::Order(id))?;
                    }
                }
            }
            save(tx, None, &order)?;
            requests::remember(tx, actor.who(), key, fingerprint, RequestOutcome::Order(id))?;
            audit::done(
                tx,
                actor.who(),
                AuditAction::CreateOrder,
                Target::Order(id),
                vec![
                    Detail::noted("product", product.id),
                    Detail::noted("total_usd", p.total),
                    Detail::noted("discount_usd", p.discount),
                    Detail::noted(
                        "coupon",
                        order
                            .coupon
                            .as_ref()
                            .map_or("-".to_owned(), ToString::to_string),
                    ),
                    Detail::noted(
                        "payment",
                        match &order.payment {
                            Payment::Balance => "balance".to_owned(),
                            Payment::Method { .. } => "method".to_owned(),
                            Payment::Invoice {
                                invoice, provider, ..
                            } => format!("{provider} invoice {invoice}"),
                        },
                    ),
                    Detail::noted("status", order.status),
                    Detail::noted("buyer", user_id),
                ]
                .into_iter()
                .chain(reused.map(|earlier| Detail::noted("proof_reused_from", earlier)))
                .collect(),
            )?;
            if order.status == OrderStatus::Paid {
                after_payment(tx, order)
            } else {
                Ok(order)
            }
        })
    }

    /// Staff confirm that an outside payment arrived (`manage_orders`): the money received is
    /// recorded (PAYMENT) and spent (PURCHASE); a code order in AUTO mode completes at once.
    /// Audited `CONFIRM_PAYMENT`; idempotent by `key`. The PAYMENT credits the amount asked
    /// at the order's rate rounded down to the cent, which covers the total; any excess stays
    /// in the buyer's wallet.
    ///
    /// Only an order awaiting payment can be confirmed ([`OrderError::BadTransition`]);
    /// staff can't confirm an order they placed ([`Denied::SelfAction`]); a proof used
    /// before gives [`crate::WalletError::ProofReused`] until confirmed with
    /// [`Shop::confirm_payment_despite_reused_proof`]. An order past its deadline can still
    /// be confirmed until [`Shop::expire_unpaid_orders`] cancels it.
    pub fn confirm_payment(&self, actor: &Actor, id: OrderId, key: &RequestKey) -> Result<Order> {
        self.confirm(actor, id, key, false)
    }

    /// Confirms the payment of an order whose proof repeats an earlier request's, after the
    /// reviewer saw the warning (`WalletError::ProofReused`) and confirmed.
    pub fn confirm_payment_despite_reused_proof(
        &self,
        actor: &Actor,
        id: OrderId,
        key: &RequestKey,
    ) -> Result<Order> {
        self.confirm(actor, id, key, true)
    }

    fn confirm(
        &self,
        actor: &Actor,
        id: OrderId,
        key: &RequestKey,
        despite_reused_proof: bool,
    ) -> Result<Order> {
        let fingerprint = requests::fingerprint("confirm_payment", &id)?;
        self.audited(
            actor,
            AuditAction::ConfirmPayment,
            Target::Order(id),
            |tx| {
                require(tx, actor, Permission::ManageOrders)?;
                if let Some(outcome) = requests::replayed(tx, actor.who(), key, &fingerprint)? {
                    return replayed_order(tx, outcome);
                }
                refuse_in_emergency(tx)?;
                let before = load(tx, id)?;
                refuse_own_order(actor, &before)?;
                // Only an unpaid order is confirmed (PROCESSING → PAID is the supplier's
                // path, not a second payment).
                if before.status != OrderStatus::AwaitingPayment {
                    return Err(OrderError::BadTransition {
                        id,
                        from: before.status,
                        to: OrderStatus::Paid,
                    }
                    .into());
                }
                let reused = crate::proofs::reused_from(tx, ProofUse::Order(id))?;
                if let Some(earlier) = reused
                    && !despite_reused_proof
                {
                    return Err(wallet::WalletError::ProofReused { earlier }.into());
                }
                let mut order = before.clone();
                transition(&mut order, OrderStatus::Paid, tx.now)?;
                let Payment::Method { method, .. } = &order.payment else {
                    return Err(OrderError::BadTransition {
                        id,
                        from: before.status,
                        to: OrderStatus::Paid,
                    }
                    .into());
                };
                payment_methods::adjust_pending(tx, *method, -1)?;
                // The money received, credited at the order's rate and rounded down; the
                // amount asked was rounded up, so this covers the price, and what is left
                // over stays in the buyer's wallet.
                let received = received_usd(&order);
                take_payment(tx, &before, &mut order, received, actor.who())?;
                requests::remember(tx, actor.who(), key, fingerprint, RequestOutcome::Order(id))?;
                audit::done(
                    tx,
                    actor.who(),
                    AuditAction::ConfirmPayment,
                    Target::Order(id),
                    [Detail::noted("total_usd", order.total_usd)]
                        .into_iter()
                        .chain(reused.map(|e| Detail::noted("proof_reuse_confirmed", e)))
                        .collect(),
                )?;
                after_payment(tx, order)
            },
        )
    }

    /// Staff complete a paid order (`manage_orders`). A code order delivers its reserved code
    /// (plus `delivery` as a note, if given); any other needs the delivery text
    /// ([`OrderError::DeliveryRequired`], [`DELIVERY_TEXT`] rules). Audited
    /// `FINALIZE_ORDER_COMPLETED`; the buyer is told; idempotent by `key`. Refused for an
    /// order the staff member placed, one with the supplier
    /// ([`OrderError::WithSupplier`]), and one not paid ([`OrderError::BadTransition`]).
    pub fn complete_order(
        &self,
        actor: &Actor,
        id: OrderId,
        delivery: Option<&str>,
        key: &RequestKey,
    ) -> Result<Order> {
        let delivery = self.validated(
            actor,
            AuditAction::FinalizeOrderCompleted,
            Target::Order(id),
            Permission::ManageOrders,
            delivery
                .filter(|d| !d.trim().is_empty())
                .map(|d| DELIVERY_TEXT.check(d))
                .transpose()
                .map_err(Error::from),
        )?;
        let fingerprint = requests::fingerprint("complete_order", &(id, &delivery))?;
        self.audited(
            actor,
            AuditAction::FinalizeOrderCompleted,
            Target::Order(id),
            |tx| {
                require(tx, actor, Permission::ManageOrders)?;
                if let Some(outcome) = requests::replayed(tx, actor.who(), key, &fingerprint)? {
                    return replayed_order(tx, outcome);
                }
                refuse_in_emergency(tx)?;
                let before = load(tx, id)?;
                refuse_own_order(actor, &before)?;
                refuse_with_supplier(&before)?;
                if !can_transition(before.status, OrderStatus::Completed) {
                    return Err(OrderError::BadTransition {
                        id,
                        from: before.status,
                        to: OrderStatus::Completed,
                    }
                    .into());
                }
                let text = match (before.holds_code(), &delivery) {
                    (true, Some(note)) => format!("{}\n{note}", delivered_codes(&before)),
                    (true, None) => delivered_codes(&before),
                    (false, Some(note)) => note.clone(),
                    (false, None) => return Err(OrderError::DeliveryRequired.into()),
                };
                let order = complete(tx, &before, text, actor.who())?;
                requests::remember(tx, actor.who(), key, fingerprint, RequestOutcome::Order(id))?;
                Ok(order)
            },
        )
    }

    /// Staff fail an order with a reason (`manage_orders`): the buyer is refunded if they
    /// paid, stock and coupon use are restored, exactly once. Works on orders awaiting
    /// payment or paid; audited `FINALIZE_ORDER_FAILED`; the buyer is told the reason;
    /// idempotent by `key`. Refused for an order the staff member placed and one with the
    /// supplier.
    pub fn fail_order(
        &self,
        actor: &Actor,
        id: OrderId,
        reason: &str,
        key: &RequestKey,
    ) -> Result<Order> {
        let reason = self.validated(
            actor,
            AuditAction::FinalizeOrderFailed,
            Target::Order(id),
            Permission::ManageOrders,
            text::REASON.check(reason).map_err(Error::from),
        )?;
        let fingerprint = requests::fingerprint("fail_order", &(id, &reason))?;
        self.audited(
            actor,
            AuditAction::FinalizeOrderFailed,
            Target::Order(id),
            |tx| {
                require(tx, actor, Permission::ManageOrders)?;
                if let Some(outcome) = requests::replayed(tx, actor.who(), key, &fingerprint)? {
                    return replayed_order(tx, outcome);
                }
                refuse_in_emergency(tx)?;
                let before = load(tx, id)?;
                refuse_own_order(actor, &before)?;
                refuse_with_supplier(&before)?;
                let mut order = before.clone();
                transition(&mut order, OrderStatus::Failed, tx.now)?;
                release(tx, &mut order, actor.who())?;
                order.failure_reason = Some(reason.clone());
                save(tx, Some(&before), &order)?;
                notifications::push(
                    tx,
                    order.user,
                    NotificationKind::OrderFailed {
                        order: id,
                        refunded: order.refund_seq.is_some(),
                        reason: reason.clone(),
                    },
                )?;
                requests::remember(tx, actor.who(), key, fingerprint, RequestOutcome::Order(id))?;
                audit::done(
                    tx,
                    actor.who(),
                    AuditAction::FinalizeOrderFailed,
                    Target::Order(id),
                    vec![
                        Detail::noted("reason", &reason),
                        Detail::noted("refunded", order.refund_seq.is_some()),
                    ],
                )?;
                Ok(order)
            },
        )
    }

    /// Cancels an order before processing starts: the buyer cancels their own, staff with
    /// `manage_orders` any (e.g. rejecting an outside payment). Refund and restock as for a
    /// failure. Works on orders awaiting payment or paid, not on one with the supplier.
    /// Audited `CANCEL_ORDER`; the buyer is told when staff cancelled; idempotent by `key`.
    /// Someone else's order, for a shopper, is [`OrderError::NotFound`].
    pub fn cancel_order(&self, actor: &Actor, id: OrderId, key: &RequestKey) -> Result<Order> {
        let fingerprint = requests::fingerprint("cancel_order", &id)?;
        self.audited(actor, AuditAction::CancelOrder, Target::Order(id), |tx| {
            let role = role_of(tx, actor)?;
            if let Some(outcome) = requests::replayed(tx, actor.who(), key, &fingerprint)? {
                return replayed_order(tx, outcome);
            }
            let before = load(tx, id)?;
            if actor.user_id() != Some(before.user)
                && !has_permission(role, Permission::ManageOrders)
            {
                // Someone else's order: answer as if it did not exist.
                return Err(OrderError::NotFound { id }.into());
            }
            refuse_in_emergency(tx)?;
            refuse_with_supplier(&before)?;
            let mut order = before.clone();
            transition(&mut order, OrderStatus::Cancelled, tx.now)?;
            release(tx, &mut order, actor.who())?;
            save(tx, Some(&before), &order)?;
            if actor.user_id() != Some(order.user) {
                notifications::push(
                    tx,
                    order.user,
                    NotificationKind::OrderCancelled {
                        order: id,
                        refunded: order.refund_seq.is_some(),
                    },
                )?;
            }
            requests::remember(tx, actor.who(), key, fingerprint, RequestOutcome::Order(id))?;
            audit::done(
                tx,
                actor.who(),
                AuditAction::CancelOrder,
                Target::Order(id),
                vec![Detail::noted("refunded", order.refund_seq.is_some())],
            )?;
            Ok(order)
        })
    }

    /// [`Shop::expire_unpaid_orders`] asked for by a staff member (the web panel's "expire
    /// now"): needs [`Permission::ManageOrders`]; the expiries are still the `expiry` system
    /// actor's.
    pub fn expire_unpaid_orders_as(&self, actor: &Actor) -> Result<u32> {
        self.transact(|tx| require(tx, actor, Permission::ManageOrders).map(|_| ()))?;
        self.expire_unpaid_orders()
    }

    /// Cancels every unpaid order past its payment deadline, giving back stock and coupon
    /// uses. Frontends call it periodically; creation also expires a buyer's own stale order.
    /// Returns how many were cancelled. Each is audited `EXPIRE_ORDER` by the `expiry`
    /// system actor and its buyer told. Fails (doing nothing) in emergency mode.
    pub fn expire_unpaid_orders(&self) -> Result<u32> {
        let mut expired = 0;
        for id in self.order_ids_with_status(OrderStatus::AwaitingPayment)? {
            let done = self.transact(|tx| {
                refuse_in_emergency(tx)?;
                let order = load(tx, id)?;
                if !is_expired(&order, tx.now) {
                    return Ok(false);
                }
                expire(tx, &order)?;
                Ok(true)
            })?;
            if done {
                expired += 1;
            }
        }
        Ok(expired)
    }

    // ----- supplier fulfilment ---------------------------------------------------------

    /// Sends due supplier orders to `supplier` (AUTO mode only), at most `limit` calls. Each
    /// order is claimed (PROCESSING) in one transaction, the supplier is called outside any
    /// transaction with the order id as its idempotency key, and the answer is recorded in
    /// another.
    ///
    /// An order whose call ended without a definite answer (a timeout, an error) stays
    /// PROCESSING: the supplier may have delivered, so nobody may cancel, fail or refund it.
    /// When its backoff has passed it is placed again under the same id (the supplier must
    /// not deliver twice); after the configured attempts the supplier is asked for the
    /// order's status, and only a definite "failed" or "never received" hands it to staff
    /// (audited `SUPPLIER_FALLBACK`). A definite rejection goes to staff at once.
    ///
    /// Run it periodically from a worker thread, and [`Shop::reconcile_supplier_orders`] at
    /// start-up. Does nothing in [`FulfilmentMode::Manual`] or in emergency mode.
    ///
    /// ```
    /// use shopcore::catalog::parse_price;
    /// use shopcore::{
    ///     Behaviour, Config, Delivery, Error, FulfilmentMode, ManualClock, Money, NewProduct,
    ///     OrderError, OrderRequest, OrderStatus, PaymentChoice, ProductKind, Registration,
    ///     RequestKey, ScriptedSupplier, Shop, Stock, Timestamp, UserId,
    /// };
    /// use std::sync::Arc;
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let dir = tempfile::tempdir()?;
    /// # let owner = UserId::new(1)?;
    /// let clock = Arc::new(ManualClock::new(Timestamp(1_767_225_600_000)));
    /// # let config = Config::default().with_clock(clock.clone()).with_super_admins(vec![owner]);
    /// # let shop = Shop::open(dir.path().join("shop.db"), config)?;
    /// # let admin = shop.actor(owner)?;
    /// # let cat = shop.create_category(&admin, "Games", 0)?;
    /// # let alice = UserId::new(42)?;
    /// # shop.register_user(&Registration { id: alice, username: None, display_name: "Alice", language: None })?;
    /// # shop.adjust_balance(&admin, alice, Money::units(5), "welcome", &RequestKey::new("adj-1")?)?;
    /// # let buyer = shop.actor(alice)?;
    /// shop.set_fulfilment_mode(&admin, FulfilmentMode::Auto)?;
    /// let pass = shop.create_product(&admin, &NewProduct {
    ///     category: cat.id,
    ///     name: "Battle pass".into(),
    ///     description: String::new(),
    ///     price_usd: parse_price("4.99")?,
    ///     kind: ProductKind::GameTopUp,
    ///     delivery: Delivery::Supplier { sku: "BP-S12".into() },
    ///     stock: Stock::Unlimited,
    ///     player_field: None,
    ///     sort_order: 0,
    ///     active: true,
    /// })?;
    /// let request = OrderRequest {
    ///     quantity: 1,
    ///     product: pass.id,
    ///     payment: PaymentChoice::Balance,
    ///     coupon: None,
    ///     player_id: None,
    ///     currency: None,
    ///     proof: None,
    /// };
    /// let order = shop.create_order(&buyer, &request, &RequestKey::new("tg-1")?)?;
    /// assert_eq!(order.status, OrderStatus::Paid); // queued for the supplier
    ///
    /// // The supplier's first answer never comes: the order stays with the supplier, and
    /// // nobody may cancel or refund it while the outcome is unknown.
    /// let supplier = ScriptedSupplier::new([Behaviour::Fail]);
    /// assert_eq!(shop.run_supplier_queue(&supplier, 10)?.retry_scheduled, 1);
    /// assert_eq!(shop.order(&buyer, order.id)?.status, OrderStatus::Processing);
    /// let cancel = shop.cancel_order(&buyer, order.id, &RequestKey::new("tg-2")?);
    /// assert!(matches!(cancel, Err(Error::Order(OrderError::WithSupplier { .. }))));
    ///
    /// // After the backoff (30 s by default) it is placed again, under the same id.
    /// clock.advance_millis(30_000);
    /// assert_eq!(shop.run_supplier_queue(&supplier, 10)?.delivered, 1);
    /// let done = shop.order(&buyer, order.id)?;
    /// assert_eq!(done.status, OrderStatus::Completed);
    /// assert_eq!(supplier.deliveries(order.id), 1);
    /// assert!(done.delivery.is_some());
    /// # Ok(())
    /// # }
    /// ```
    pub fn run_supplier_queue(&self, supplier: &dyn Supplier, limit: usize) -> Result<SupplierRun> {
        let mut run = SupplierRun::default();
        let settings = self.settings();
        if settings.fulfilment != FulfilmentMode::Auto
            || settings.state == settings::StoreState::Emergency
        {
            return Ok(run);
        }
        let mut processed = 0;
        let unsettled = self.order_ids_with_status(OrderStatus::Processing)?;
        let queued = self.order_ids_with_status(OrderStatus::Paid)?;
        for id in unsettled.into_iter().chain(queued) {
            if processed >= limit {
                break;
            }
            let Some(claim) = self.claim_for_supplier(id)? else {
                continue;
            };
            processed += 1;
            let verdict = match &claim.call {
                SupplierCall::Place(request) => match supplier.place(request) {
                    Ok(SupplierResult::Delivered { payload }) => Verdict::Delivered(payload),
                    Ok(SupplierResult::Rejected { reason }) => {
                        Verdict::ToStaff(format!("supplier rejected: {reason}"))
                    }
                    Err(_) => Verdict::Unknown,
                },
                SupplierCall::AskStatus => match supplier.status(id) {
                    Ok(SupplierStatus::Delivered { payload }) => Verdict::Delivered(payload),
                    Ok(SupplierStatus::Failed { reason }) => {
                        Verdict::ToStaff(format!("supplier failed: {reason}"))
                    }
                    Ok(SupplierStatus::Unknown) => Verdict::ToStaff(format!(
                        "the supplier never received it after {} attempts",
                        claim.attempt
                    )),
                    Ok(SupplierStatus::InProgress) | Err(_) => Verdict::Unknown,
                },
            };
            let recorded = self.record_supplier_verdict(&claim, verdict)?;
            match recorded {
                Some(Settled::Delivered) => run.delivered += 1,
                Some(Settled::FellBack) => run.fell_back += 1,
                Some(Settled::Waiting) => run.retry_scheduled += 1,
                None => {}
            }
        }
        Ok(run)
    }

    /// Takes a live claim on a due supplier order: a PAID one is placed (first attempt or a
    /// retry after "never received"); a PROCESSING one with an unknown outcome is placed
    /// again while attempts remain, else its status is asked. `None` when the order is not
    /// due, not a supplier order, or claimed by a call running right now.
    fn claim_for_supplier(&self, id: OrderId) -> Result<Option<SupplierClaim<'_>>> {
        let Some(live) = LiveClaim::take(self, id) else {
            return Ok(None);
        };
        let attempts_max = self.limits.supplier_attempts_max;
        let claimed = self.transact(|tx| {
            refuse_in_emergency(tx)?;
            let before = load(tx, id)?;
            let due = before.next_attempt_at.is_none_or(|at| tx.now >= at);
            let claimable = matches!(before.status, OrderStatus::Paid | OrderStatus::Processing);
            if !claimable || before.fulfilment != Fulfilment::Supplier || !due {
                return Ok(None);
            }
            let product = catalog::load_product(tx, before.product)?;
            let mut order = before.clone();
            if before.status == OrderStatus::Processing && before.supplier_attempts >= attempts_max
            {
                order.next_attempt_at = None;
                save(tx, Some(&before), &order)?;
                return Ok(Some((order.supplier_attempts, SupplierCall::AskStatus)));
            }
            let Delivery::Supplier { sku } = &product.delivery else {
                if before.status == OrderStatus::Processing {
                    // Placed before: only the supplier can say what happened.
                    return Ok(Some((order.supplier_attempts, SupplierCall::AskStatus)));
                }
                // The product stopped being a supplier product before it was ever sent:
                // staff take over.
                order.fulfilment = Fulfilment::Manual;
                save(tx, Some(&before), &order)?;
                return Ok(None);
            };
            if order.status == OrderStatus::Paid {
                transition(&mut order, OrderStatus::Processing, tx.now)?;
            }
            order.supplier_attempts += 1;
            order.next_attempt_at = None;
            order.updated_at = tx.now;
            save(tx, Some(&before), &order)?;
            let request = SupplierOrder {
                order_id: id,
                sku: sku.clone(),
                player_id: order.player_id.clone(),
                quantity: order.quantity,
                total_usd: order.total_usd,
                attempt: order.supplier_attempts,
            };
            Ok(Some((
                order.supplier_attempts,
                SupplierCall::Place(request),
            )))
        })?;
        Ok(claimed.map(|(attempt, call)| SupplierClaim {
            id,
            attempt,
            call,
            _live: live,
        }))
    }

    /// When the next look at an unsettled order is due: the backoff doubles per attempt.
    fn supplier_backoff(&self, attempts: u32, now: Timestamp) -> Timestamp {
        let exponent = attempts.saturating_sub(1).min(16);
        now.plus_millis(
            self.limits
                .supplier_backoff_ms
                .saturating_mul(1i64 << exponent),
        )
    }

    /// Records what a claim's call brought: a placement's answer, or (attempts used up) the
    /// supplier's status for the order. Ignored (`None`) when the order is no longer the one
    /// this claim placed (settled or placed again by someone else).
    fn record_supplier_verdict(
        &self,
        claim: &SupplierClaim<'_>,
        verdict: Verdict,
    ) -> Result<Option<Settled>> {
        let system = ActorRef::System("supplier".into());
        self.transact(|tx| {
            let before = load(tx, claim.id)?;
            if before.status != OrderStatus::Processing || before.supplier_attempts != claim.attempt
            {
                return Ok(None);
            }
            match &verdict {
                Verdict::Delivered(payload) => {
                    complete(tx, &before, supplier_payload(payload), &system)?;
                    Ok(Some(Settled::Delivered))
                }
                Verdict::ToStaff(reason) => {
                    fall_back(tx, &before, reason, &system)?;
                    Ok(Some(Settled::FellBack))
                }
                Verdict::Unknown => {
                    // No definite answer: the order stays PROCESSING until one settles it.
                    let mut order = before.clone();
                    order.next_attempt_at =
                        Some(self.supplier_backoff(order.supplier_attempts, tx.now));
                    save(tx, Some(&before), &order)?;
                    Ok(Some(Settled::Waiting))
                }
            }
        })
    }

    /// Settles every PROCESSING order that no call in this process is working on (left by a
    /// crash, or by a call that ended without a definite answer) by asking the supplier:
    /// delivered → completed; failed → staff; never received → queued again (safe: the
    /// order id is the supplier's idempotency key, and a PAID order was never delivered);
    /// in progress or no answer → left PROCESSING, untouchable, for the next pass. Returns
    /// how many were settled. Allowed in an emergency (it only records goods already
    /// delivered or moves orders to staff).
    pub fn reconcile_supplier_orders(&self, supplier: &dyn Supplier) -> Result<u32> {
        let mut settled = 0;
        let system = ActorRef::System("reconciliation".into());
        for id in self.order_ids_with_status(OrderStatus::Processing)? {
            let Some(_live) = LiveClaim::take(self, id) else {
                continue; // a call is running right now: its answer settles the order
            };
            let status = match supplier.status(id) {
                Ok(status) => status,
                Err(_) => continue,
            };
            let changed = self.transact(|tx| {
                let before = load(tx, id)?;
                if before.status != OrderStatus::Processing {
                    return Ok(false);
                }
                match &status {
                    SupplierStatus::Delivered { payload } => {
                        complete(tx, &before, supplier_payload(payload), &system)?;
                    }
                    SupplierStatus::Failed { reason } => {
                        fall_back(tx, &before, &format!("supplier failed: {reason}"), &system)?;
                    }
                    SupplierStatus::Unknown => {
                        let mut order = before.clone();
                        transition(&mut order, OrderStatus::Paid, tx.now)?;
                        order.next_attempt_at = None;
                        save(tx, Some(&before), &order)?;
                    }
                    SupplierStatus::InProgress => return Ok(false),
                }
                Ok(true)
            })?;
            if changed {
                settled += 1;
            }
        }
        Ok(settled)
    }

    // ----- reads -----------------------------------------------------------------------

    /// One order: its buyer, or staff with `manage_orders`. Someone else's order is reported
    /// as not found.
    pub fn order(&self, actor: &Actor, id: OrderId) -> Result<Order> {
        let order = self.transact(|tx| {
            let role = role_of(tx, actor)?;
            let order = load(tx, id)?;
            if actor.user_id() != Some(order.user)
                && !has_permission(role, Permission::ManageOrders)
            {
                return Err(OrderError::NotFound { id }.into());
            }
            Ok(order)
        })?;
        // What an order says (paid, delivered) is acted on: only once it is on disk.
        self.store.read_barrier()?;
        Ok(order)
    }

    /// A summary line for an order (SEED's `get_order_summary`), with the same access rule
    /// as [`Shop::order`]: `"order #3 · 60 gems · 0.99 USD (0.99 USD) · paid"`.
    pub fn order_summary(&self, actor: &Actor, id: OrderId) -> Result<String> {
        let order = self.order(actor, id)?;
        Ok(format!(
            "order {} · {} · {} USD ({} {}) · {}",
            order.id,
            order.product_name,
            order.total_usd,
            order.price_local,
            order.currency,
            order.status
        ))
    }

    /// A user's orders, newest first: their own, or anyone's for staff with `manage_orders`.
    /// Up to `limit` (1 to [`PAGE_LIMIT_MAX`]) orders older than `before`.
    pub fn orders_of(
        &self,
        actor: &Actor,
        user: UserId,
        before: Option<OrderId>,
        limit: usize,
    ) -> Result<OrderPage> {
        check_limit(limit)?;
        self.transact(|tx| {
            let role = role_of(tx, actor)?;
            if actor.user_id() != Some(user) && !has_permission(role, Permission::ManageOrders) {
                return Err(Denied::MissingPermission {
                    role,
                    permission: Permission::ManageOrders,
                }
                .into());
            }
            Ok(())
        })?;
        // The user's chain, newest first (see `Shop::ledger` for the cursor and the bound).
        let head = || -> Result<Option<OrderId>> {
            Ok(self
                .store
                .fetch::<wallet::Wallets>(&user)?
                .and_then(|w| w.last_order))
        };
        let read = |id: OrderId| -> Result<Option<Order>> {
            Ok(self.store.fetch::<Orders>(&id)?.filter(|o| o.user == user))
        };
        let mut next_id = match before {
            None => head()?,
            Some(id) => match read(id)? {
                Some(cursor) => cursor.prev_for_user,
                None => match self
                    .store
                    .scan(Span::<Orders>::all().to(Bound::Excluded(&id)), true)
                    .take(wallet::SEEK_BACK)
                    .find_map(|item| item.ok().filter(|(_, o)| o.user == user))
                {
                    Some((_, order)) => Some(order.id),
                    None => head()?,
                },
            },
        };
        let mut orders = Vec::new();
        let mut more = false;
        while let Some(id) = next_id {
            let Some(order) = read(id)? else {
                break; // A broken chain; verify() reports it.
            };
            next_id = order.prev_for_user;
            if before.is_some_and(|b| id >= b) {
                continue;
            }
            if orders.len() == limit {
                more = true;
                break;
            }
            orders.push(order);
        }
        let page = OrderPage {
            next: if more {
                orders.last().map(|o| o.id)
            } else {
                None
            },
            orders,
        };
        self.store.read_barrier()?;
        Ok(page)
    }

    /// Orders in one status, oldest first (`manage_orders`): the staff queues. Up to `limit`
    /// (1 to [`PAGE_LIMIT_MAX`]) orders after the id `after`.
    pub fn orders_with_status(
        &self,
        actor: &Actor,
        status: OrderStatus,
        after: Option<OrderId>,
        limit: usize,
    ) -> Result<OrderPage> {
        check_limit(limit)?;
        self.transact(|tx| require(tx, actor, Permission::ManageOrders).map(|_| ()))?;
        let ids =
            postings::ids_after::<StatusPostings, _>(&self.store, &status, after.map(OrderId::get));
        let mut orders = Vec::new();
        let mut more = false;
        for item in ids {
            let id = OrderId::new(item?).map_err(|_| corrupt_index(status))?;
            if orders.len() == limit {
                more = true;
                break;
            }
            if let Some(order) = self.store.fetch::<Orders>(&id)? {
                orders.push(order);
            }
        }
        let next = if more {
            orders.last().map(|o| o.id)
        } else {
            None
        };
        Ok(OrderPage { orders, next })
    }

    /// The staff's manual queue: paid orders waiting for a person (`manage_orders`), oldest
    /// first, at most `limit`. In [`FulfilmentMode::Auto`] it leaves out supplier orders,
    /// which the supplier queue fulfils. A code order is always listed: `Auto` delivers its
    /// code in the transaction that takes the payment, so a paid one (paid before the switch
    /// to `Auto`) waits for staff.
    pub fn manual_queue(&self, actor: &Actor, limit: usize) -> Result<Vec<Order>> {
        check_limit(limit)?;
        let auto = self.settings().fulfilment == FulfilmentMode::Auto;
        let mut out = Vec::new();
        let mut after = None;
        loop {
            let page = self.orders_with_status(actor, OrderStatus::Paid, after, PAGE_LIMIT_MAX)?;
            for order in page.orders {
                let waits_for_staff = match order.fulfilment {
                    Fulfilment::Manual | Fulfilment::Codes => true,
                    Fulfilment::Supplier => !auto,
                };
                if waits_for_staff && out.len() < limit {
                    out.push(order);
                }
            }
            match page.next {
                Some(next) if out.len() < limit => after = Some(next),
                _ => return Ok(out),
            }
        }
    }

    fn order_ids_with_status(&self, status: OrderStatus) -> Result<Vec<OrderId>> {
        let mut ids = Vec::new();
        for item in postings::ids_after::<StatusPostings, _>(&self.store, &status, None) {
            ids.push(OrderId::new(item?).map_err(|_| corrupt_index(status))?);
        }
        Ok(ids)
    }
}

/// An order id 0 in the status index.
fn corrupt_index(status: OrderStatus) -> StoreError {
    StoreError::Corrupt {
        table: Table::OrderStatusPostings.name(),
        key: status.name().to_owned(),
        reason: "order id 0 in the status index".into(),
    }
}

fn fall_back(tx: &Tx<'_>, before: &Order, reason: &str, actor: &ActorRef) -> Result<()> {
    let mut order = before.clone();
    if order.status == OrderStatus::Processing {
        transition(&mut order, OrderStatus::Paid, tx.now)?;
    }
    order.fulfilment = Fulfilment::Manual;
    order.next_attempt_at = None;
    save(tx, Some(before), &order)?;
    notifications::push(
        tx,
        order.user,
        NotificationKind::StaffOrderWaiting { order: order.id },
    )?;
    audit::done(
        tx,
        actor,
        AuditAction::SupplierFallback,
        Target::Order(order.id),
        vec![Detail::noted("reason", reason)],
    )?;
    Ok(())
}

fn check_limit(limit: usize) -> Result<()> {
    Ok(crate::error::check_page_size(limit, PAGE_LIMIT_MAX)?)
}

/// What the buyer receives from a supplier's payload (cut to the delivery text's limit).
fn supplier_payload(payload: &str) -> String {
    DELIVERY_TEXT
        .check(payload)
        .unwrap_or_else(|_| payload.chars().take(2_000).collect())
}

/// What a claim asks of the supplier.
enum SupplierCall {
    Place(SupplierOrder),
    AskStatus,
}

/// What a supplier call established about an order.
enum Verdict {
    /// Delivered: what the buyer receives.
    Delivered(String),
    /// Definitely not delivered: staff take over, for this reason.
    ToStaff(String),
    /// No definite answer (a timeout, an error, still in progress).
    Unknown,
}

/// How a supplier call's result was recorded.
enum Settled {
    Delivered,
    FellBack,
    /// Still unknown: PROCESSING until the next look.
    Waiting,
}

/// A claim on one order for one supplier call: the attempt it placed and the live marker
/// that keeps reconciliation away while the call runs.
struct SupplierClaim<'a> {
    id: OrderId,
    attempt: u32,
    call: SupplierCall,
    _live: LiveClaim<'a>,
}

/// Marks an order's supplier call as running in this process; dropped (also when the call
/// panics) when the call is over.
struct LiveClaim<'a> {
    shop: &'a Shop,
    id: OrderId,
}

impl<'a> LiveClaim<'a> {
    fn take(shop: &'a Shop, id: OrderId) -> Option<LiveClaim<'a>> {
        let inserted = shop
            .supplier_claims
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id);
        // Built only when taken: dropping a claim that was never taken would release
        // someone else's.
        inserted.then(|| LiveClaim { shop, id })
    }
}

impl Drop for LiveClaim<'_> {
    fn drop(&mut self) {
        self.shop
            .supplier_claims
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.id);
    }
}

/// Checks orders against the ledger, coupons, products, and the open-order markers.
pub(crate) fn verify(store: &crate::store::Store) -> std::result::Result<Vec<String>, StoreError> {
    use std::collections::BTreeMap;
    let mut problems = Vec::new();
    let mut coupon_uses: BTreeMap<CouponCode, u32> = BTreeMap::new();
    // Per (coupon, user): kept compact (a coupon's number, not its code), as a shop may
    // have a use per user of a popular coupon.
    let mut coupon_numbers: BTreeMap<CouponCode, u32> = BTreeMap::new();
    let mut coupon_user_uses: std::collections::HashMap<(u32, UserId), u32> =
        std::collections::HashMap::new();
    let mut per_product: BTreeMap<ProductId, u64> = BTreeMap::new();
    let mut open_per_user: BTreeMap<UserId, Vec<OrderId>> = BTreeMap::new();
    let mut newest_per_user: std::collections::HashMap<UserId, OrderId> =
        std::collections::HashMap::new();
    let mut orders = 0usize;
    let mut index_sum = 0u64;
    for item in store.scan(Span::<Orders>::all(), false) {
        let (_, order) = item?;
        orders += 1;
        *per_product.entry(order.product).or_default() += 1;
        // The order's side of its ledger entries: the ones it names exist, are of their
        // kind, are about it and carry the right amounts. The ledger's side (no entry about
        // the order that it does not name) is checked in the ledger walk
        // (`check_ledger_reference`), so together each kind is there exactly as expected.
        let paid = order.is_paid();
        let named = |seq: Option<u64>,
                     kind: LedgerKind|
         -> std::result::Result<Option<wallet::LedgerEntry>, StoreError> {
            let Some(seq) = seq else { return Ok(None) };
            Ok(
                crate::store::log::fetch::<wallet::Ledger>(store, seq)?.filter(|e| {
                    e.kind == kind
                        && e.reference == LedgerRef::Order(order.id)
                        && e.user == order.user
                }),
            )
        };
        let purchase = named(order.purchase_seq, LedgerKind::Purchase)?;
        if order.purchase_seq.is_some() && purchase.is_none() {
            problems.push(format!(
                "orders: order {} names PURCHASE entry {:?}, which is not its PURCHASE",
                order.id, order.purchase_seq
            ));
        } else if let Some(e) = &purchase
            && e.amount != order.total_usd.negated()
        {
            problems.push(format!(
                "orders: order {} PURCHASE entry is {} for a total of {}",
                order.id, e.amount, order.total_usd
            ));
        }
        let refunded = matches!(order.status, OrderStatus::Failed | OrderStatus::Cancelled) && paid;
        let refund = named(order.refund_seq, LedgerKind::Refund)?;
        if order.refund_seq.is_some() != refunded || order.refund_seq.is_some() != refund.is_some()
        {
            problems.push(format!(
                "orders: order {} ({}) has {} REFUND entries",
                order.id,
                order.status,
                usize::from(refund.is_some())
            ));
        }
        if let Some(e) = &refund
            && e.amount != order.total_usd
        {
            problems.push(format!(
                "orders: order {} REFUND entry is {}, the order debited {}",
                order.id, e.amount, order.total_usd
            ));
        }
        let method_paid = paid
            && matches!(
                order.payment,
                Payment::Method { .. } | Payment::Invoice { .. }
            );
        let payment = named(order.payment_seq, LedgerKind::Payment)?;
        if payment.is_some() != method_paid || order.payment_seq.is_some() != method_paid {
            problems.push(format!(
                "orders: order {} has {} PAYMENT entries",
                order.id,
                usize::from(payment.is_some())
            ));
        } else if let Some(e) = &payment
            && (e.amount > received_usd(&order) || !e.amount.is_positive())
        {
            problems.push(format!(
                "orders: order {} PAYMENT entry credits {}, more than the {} received",
                order.id,
                e.amount,
                received_usd(&order)
            ));
        }
        for code in order.codes() {
            let fate: Option<catalog::CodeFate> = store
                .fetch::<catalog::CodesSeen>(&catalog::code_hash_key(order.product, &code.0))?;
            if fate != Some(catalog::CodeFate::Reserved { order: order.id }) {
                problems.push(format!(
                    "orders: order {} holds a code recorded as {fate:?}",
                    order.id
                ));
            }
        }
        if !(1..=catalog::ORDER_QUANTITY_MAX).contains(&order.quantity) {
            problems.push(format!(
                "orders: order {} is for {} units",
                order.id, order.quantity
            ));
        }
        let held = order.codes().count();
        if order.reserved_code.is_none() && !order.more_codes.is_empty()
            || held != 0
                && (held != usize::try_from(order.quantity).unwrap_or(0)
                    || order.fulfilment != Fulfilment::Codes
                    || !order.status.is_open())
        {
            problems.push(format!(
                "orders: order {} ({}, {} units) holds {held} codes",
                order.id, order.status, order.quantity
            ));
        }
        if !paid
            && !matches!(
                order.status,
                OrderStatus::AwaitingPayment | OrderStatus::Cancelled | OrderStatus::Failed
            )
        {
            problems.push(format!(
                "orders: order {} is {} but unpaid",
                order.id, order.status
            ));
        }
        if let Some(code) = &order.coupon
            && !matches!(order.status, OrderStatus::Failed | OrderStatus::Cancelled)
        {
            *coupon_uses.entry(code.clone()).or_default() += 1;
            let next = u32::try_from(coupon_numbers.len()).unwrap_or(u32::MAX);
            let number = *coupon_numbers.entry(code.clone()).or_insert(next);
            *coupon_user_uses.entry((number, order.user)).or_default() += 1;
        }
        if order.status.is_open() {
            open_per_user.entry(order.user).or_default().push(order.id);
        }
        // Each order names the buyer's previous one (ids grow, so the walk in id order
        // meets them in chain order).
        let previous = newest_per_user.insert(order.user, order.id);
        if order.prev_for_user != previous {
            problems.push(format!(
                "orders: order {} names {:?} as user {}'s previous order, which was {previous:?} (chain broken)",
                order.id, order.prev_for_user, order.user
            ));
        }
        if order.price_usd.checked_sub(order.discount_usd) != Some(order.total_usd)
            || order.total_usd.is_negative()
        {
            problems.push(format!("orders: order {} totals do not add up", order.id));
        }
        index_sum = index_sum.wrapping_add(postings::share::<StatusPostings>(
            &(order.status, postings::block_of(order.id.get())),
            order.id.get(),
        ));
    }
    let last_order = u64::try_from(orders).unwrap_or(u64::MAX);
    problems.extend(store.check_id_blocks::<Orders>(
        Counter::OrderSeq,
        "orders",
        "order",
        Some(last_order),
    )?);
    let (indexed, sum) = postings::checksum::<StatusPostings, _>(store)?;
    if indexed != last_order {
        problems.push(format!(
            "orders: the status index holds {indexed} orders for {last_order} stored"
        ));
    } else if sum != index_sum {
        problems.push("orders: the status index does not match the orders' statuses".into());
    }
    // One open order per user; each account marks it and heads the chain of the user's
    // orders.
    for (user, open) in &open_per_user {
        if open.len() > 1 {
            problems.push(format!(
                "orders: user {user} has {} open orders",
                open.len()
            ));
        }
    }
    for item in store.scan(Span::<wallet::Wallets>::all(), false) {
        let Ok((user, account)) = item else {
            continue; // wallet::verify names a bad key
        };
        let newest = newest_per_user.remove(&user);
        if account.last_order != newest {
            problems.push(format!(
                "orders: user {user}'s account names {:?} as their newest order, which is {newest:?} (chain broken)",
                account.last_order
            ));
        }
        let open = open_per_user.remove(&user).and_then(|o| o.first().copied());
        if account.open_order != open {
            problems.push(format!(
                "orders: user {user}'s open-order marker is {:?}, open orders {open:?}",
                account.open_order
            ));
        }
    }
    for (user, newest) in newest_per_user {
        problems.push(format!(
            "orders: user {user} has orders (newest {newest}) but no account record"
        ));
    }
    // Coupons: uses = live redemptions.
    for item in store.scan(Span::<coupons::Coupons>::all(), false) {
        let (_, coupon) = item?;
        let live = coupon_uses.remove(&coupon.code).unwrap_or(0);
        if coupon.uses != live {
            problems.push(format!(
                "orders: coupon {} counts {} uses, {live} orders hold it",
                coupon.code, coupon.uses
            ));
        }
        if coupon.uses > coupon.max_uses {
            problems.push(format!(
                "orders: coupon {} is used {} times, over its {}",
                coupon.code, coupon.uses, coupon.max_uses
            ));
        }
    }
    for (code, n) in coupon_uses {
        problems.push(format!("orders: {n} orders hold unknown coupon {code}"));
    }
    let mut stored_user_uses = 0usize;
    for item in store.scan(Span::<coupons::CouponUses>::all(), false) {
        stored_user_uses += 1;
        let ((code, user), n) = match item {
            Ok(record) => record,
            Err(e) => {
                problems.push(format!("orders: unreadable per-user coupon count: {e}"));
                continue;
            }
        };
        let live = coupon_numbers
            .get(&code)
            .and_then(|number| coupon_user_uses.get(&(*number, user)))
            .copied()
            .unwrap_or(0);
        if n != live {
            problems.push(format!(
                "orders: a per-user coupon count says {n}, orders say {live}"
            ));
        }
    }
    if stored_user_uses != coupon_user_uses.len() {
        problems.push("orders: per-user coupon counts and orders differ".into());
    }
    // Products count their orders.
    for item in store.scan(Span::<catalog::Products>::all(), false) {
        let (_, product) = item?;
        let n = per_product.get(&product.id).copied().unwrap_or(0);
        if product.order_count != n {
            problems.push(format!(
                "orders: product {} counts {} orders, there are {n}",
                product.id, product.order_count
            ));
        }
    }
    Ok(problems)
}

/// Whether order `id` holds a code as `fate` says: reserved by it while open, or delivered
/// by it (one of the first `quantity` lines of its delivery, one code per unit) once
/// completed; `is_the_code` tests a code against
/// the fate's hash. The orders part of the catalog's check of code fates.
pub(crate) fn holds_code(
    store: &crate::store::Store,
    id: OrderId,
    fate: &catalog::CodeFate,
    is_the_code: &dyn Fn(&str) -> bool,
) -> std::result::Result<bool, StoreError> {
    let Some(order) = store.fetch::<Orders>(&id)? else {
        return Ok(false);
    };
    Ok(match fate {
        catalog::CodeFate::Reserved { .. } => {
            order.status.is_open() && order.codes().any(|c| is_the_code(&c.0))
        }
        catalog::CodeFate::Delivered { .. } => {
            order.status == OrderStatus::Completed
                && order.delivery.as_deref().is_some_and(|d| {
                    d.lines()
                        .take(usize::try_from(order.quantity.max(1)).unwrap_or(1))
                        .any(is_the_code)
                })
        }
        catalog::CodeFate::InPool { .. } | catalog::CodeFate::Revoked => false,
    })
}

/// (buyer, product) of every completed order, by order id: each buyer's in the order they
/// completed (a buyer has one open order at a time), for the recommendations' roll-ups.
pub(crate) fn completed_purchases(
    store: &crate::store::Store,
) -> std::result::Result<Vec<(UserId, ProductId)>, StoreError> {
    let mut out = Vec::new();
    for item in store.scan(Span::<Orders>::all(), false) {
        let Ok((_, order)) = item else {
            continue; // unreadable orders are reported by the orders' check
        };
        if order.status == OrderStatus::Completed {
            out.push((order.user, order.product));
        }
    }
    Ok(out)
}

/// The ledger's side of an order's entries (called from the ledger walk of `verify()`): a
/// PURCHASE, REFUND or PAYMENT entry about an order is the one that order names for its
/// kind — so a second or forged entry about it is found.
pub(crate) fn check_ledger_reference(
    store: &crate::store::Store,
    entry: &wallet::LedgerEntry,
    id: OrderId,
    problems: &mut Vec<String>,
) -> std::result::Result<(), StoreError> {
    let Some(order) = store.fetch::<Orders>(&id)? else {
        problems.push(format!(
            "orders: ledger entry {} refers to missing order {id}",
            entry.seq
        ));
        return Ok(());
    };
    let named = match entry.kind {
        LedgerKind::Purchase => order.purchase_seq,
        LedgerKind::Refund => order.refund_seq,
        LedgerKind::Payment => order.payment_seq,
        LedgerKind::Topup
        | LedgerKind::Adjustment
        | LedgerKind::Invoice
        | LedgerKind::ProviderRefund
        | LedgerKind::Referral => None,
    };
    if named != Some(entry.seq) {
        problems.push(format!(
            "orders: ledger entry {} ({}) is about order {id}, which does not name it (extra {} entry)",
            entry.seq,
            entry.kind.name(),
            entry.kind.name()
        ));
    }
    Ok(())
}

/// Schema 3 → 4: every order learns its buyer's previous order, and every buyer's account
/// (wallet record) its newest and open order, which `orders_by_user` and `open_orders` held
/// until then; both go. The new fields are the last of their records, so a record of the
/// older shape is its new shape without their encoding at the end: the migration appends it
/// (and a record that already has it, from a migration stopped part way, decodes as it is).
/// Schema 20: rewrites every order with the fields it gained at its end (`quantity` 1, no
/// `more_codes`; the store reads an older record with them appended, `Table::grown_tail`).
pub(crate) fn migrate_order_quantities(
    store: &crate::store::Store,
) -> std::result::Result<(), StoreError> {
    use crate::store::{decode_as, encode};
    const DOING: &str = "giving every order its quantity";
    store.report_progress(DOING, 0);
    let mut done = 0u64;
    let mut batch = Vec::new();
    for item in store.scan_raw(Span::<Orders>::all()) {
        let (k, v) = item?;
        let order: Order = decode_as::<Orders, Order>(&k, &v)?;
        batch.push((k, encode(&order)?));
        done += 1;
        if batch.len() == 10_000 {
            store.put_encoded_for_migration::<Orders>(std::mem::take(&mut batch))?;
            store.report_progress(DOING, done);
        }
    }
    store.put_encoded_for_migration::<Orders>(batch)
}

pub(crate) fn migrate_order_chains(
    store: &crate::store::Store,
) -> std::result::Result<(), StoreError> {
    use crate::store::{decode_as, encode};
    let complete = |k: &OrderId, v: &[u8], missing: &[u8]| {
        let mut extended = v.to_vec();
        extended.extend_from_slice(missing);
        decode_as::<Orders, Order>(k, v).or_else(|_| decode_as::<Orders, Order>(k, &extended))
    };
    let none = encode(&None::<OrderId>)?;
    const DOING: &str = "linking each user's orders";
    store.report_progress(DOING, 0);
    let mut done = 0u64;
    let mut newest: std::collections::HashMap<UserId, OrderId> = std::collections::HashMap::new();
    let mut batch = Vec::new();
    for item in store.scan_raw(Span::<Orders>::all()) {
        let (k, v) = item?;
        let mut order = complete(&k, &v, &none)?;
        order.prev_for_user = newest.insert(order.user, order.id);
        batch.push((k, encode(&order)?));
        done += 1;
        if batch.len() == 10_000 {
            store.put_encoded_for_migration::<Orders>(std::mem::take(&mut batch))?;
            store.report_progress(DOING, done);
        }
    }
    store.put_encoded_for_migration::<Orders>(batch)?;
    let mut open: std::collections::HashMap<UserId, OrderId> = std::collections::HashMap::new();
    for item in store.scan(Span::<OpenOrders>::all(), false) {
        let (user, id) = item?;
        open.insert(user, id);
    }
    let two_nones = [none.clone(), none].concat();
    store.report_progress("recording each account's newest and open order", 0);
    let mut batch = Vec::new();
    for item in store.scan_raw(Span::<wallet::Wallets>::all()) {
        let (user, v) = item?;
        let mut extended = v.to_vec();
        extended.extend_from_slice(&two_nones);
        let mut account: wallet::Wallet = decode_as::<wallet::Wallets, _>(&user, &v)
            .or_else(|_| decode_as::<wallet::Wallets, _>(&user, &extended))?;
        account.last_order = newest.remove(&user);
        // (A record already of the new shape keeps its marker.)
        account.open_order = open.remove(&user).or(account.open_order);
        batch.push((user, encode(&account)?));
    }
    // Buyers who never had money have no wallet record yet: their account starts here.
    let users: std::collections::BTreeSet<UserId> =
        newest.keys().chain(open.keys()).copied().collect();
    for user in users {
        let account = wallet::Wallet {
            last_order: newest.get(&user).copied(),
            open_order: open.get(&user).copied(),
            ..Default::default()
        };
        batch.push((user, encode(&account)?));
    }
    store.put_encoded_for_migration::<wallet::Wallets>(batch)?;
    store.clear_kind_for_migration::<OrdersByUser>()?;
    store.clear_kind_for_migration::<OpenOrders>()
}

/// Schema 6 → 7: the status index becomes posting chunks, built in one pass over the orders
/// (some thousands of chunks per flush); the table of one key per order is emptied. Run
/// again after an interruption it writes the same chunks.
pub(crate) fn migrate_status_postings(
    store: &crate::store::Store,
) -> std::result::Result<(), StoreError> {
    const DOING: &str = "rebuilding the order status index in chunks";
    store.report_progress(DOING, 0);
    let mut chunks = std::collections::HashMap::new();
    let mut block = None;
    for (done, item) in (0u64..).zip(store.scan(Span::<Orders>::all(), false)) {
        let (id, order) = item?;
        let this = postings::block_of(id.get());
        // Whole blocks at a time: a chunk is written once, complete.
        if block.is_some_and(|b| b != this) && chunks.len() >= 4_096 {
            postings::put_for_migration::<StatusPostings, _>(store, &mut chunks)?;
            store.report_progress(DOING, done);
        }
        block = Some(this);
        chunks
            .entry((order.status, this))
            .or_default()
            .push(id.get());
    }
    postings::put_for_migration::<StatusPostings, _>(store, &mut chunks)?;
    store.clear_kind_for_migration::<OrdersByStatus>()
}

/// Pending uses of each payment method by unpaid orders (for the method check in verify).
pub(crate) fn awaiting_per_method(
    store: &crate::store::Store,
) -> std::result::Result<std::collections::BTreeMap<PaymentMethodId, u64>, StoreError> {
    let mut out = std::collections::BTreeMap::new();
    for item in store.scan(Span::<Orders>::all(), false) {
        let (_, order) = item?;
        if let (OrderStatus::AwaitingPayment, Payment::Method { method, .. }) =
            (order.status, &order.payment)
        {
            *out.entry(*method).or_default() += 1;
        }
    }
    Ok(out)
}

impl Shop {
    /// The order a notification is about, for the frontend delivering it (the notification
    /// is the authorization: it was addressed to that order's buyer or to staff).
    pub fn order_for_notification(
        &self,
        notification: &notifications::Notification,
    ) -> Result<Option<Order>> {
        let id = match &notification.kind {
            notifications::NotificationKind::OrderCompleted { order }
            | notifications::NotificationKind::OrderFailed { order, .. }
            | notifications::NotificationKind::OrderCancelled { order, .. }
            | notifications::NotificationKind::PaymentConfirmed { order }
            | notifications::NotificationKind::StaffOrderWaiting { order } => *order,
            _ => return Ok(None),
        };
        Ok(self.store.fetch::<Orders>(&id)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The store's defaults for the fields orders gained in schema 20 are those fields'
    /// encodings: quantity 1, no further codes.
    #[test]
    fn the_grown_tail_is_one_unit_and_no_further_codes() {
        let tail = [
            crate::store::encode(&1u32).unwrap(),
            crate::store::encode(&Vec::<SealedCode>::new()).unwrap(),
        ]
        .concat();
        assert_eq!(Table::Orders.grown_tail(), Some(tail.as_slice()));
    }
}
