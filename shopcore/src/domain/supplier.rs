//! The supplier boundary: how automatic fulfilment talks to an outside API without the core
//! knowing HTTP. A frontend implements [`Supplier`] (blocking; it is called outside any
//! transaction, with the order id as the supplier's idempotency key), and the shop drives it
//! through `Shop::run_supplier_queue` and `Shop::reconcile_supplier_orders`.
//!
//! [`ScriptedSupplier`] is a supplier that does what it is told (succeed, reject, fail,
//! hang); tests, demos and fuzzers use it.
//!
//! Peers: none.

use crate::ids::OrderId;
use crate::money::Money;
use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

/// What the shop asks a supplier to deliver.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SupplierOrder {
    /// The supplier's idempotency key: placing the same order twice must not deliver twice.
    pub order_id: OrderId,
    /// The product's SKU at the supplier ([`crate::Delivery::Supplier`]).
    pub sku: String,
    /// The player id the buyer gave, if the product asks for one.
    pub player_id: Option<String>,
    /// How many units to deliver (one answer delivers them all, or none).
    pub quantity: u32,
    /// What the buyer paid, in USD (for the supplier's records; not a price to charge).
    pub total_usd: Money,
    /// 1 for the first placement; more for a retry after an answer that never came (the
    /// supplier may have delivered it: an idempotent supplier answers with that delivery).
    pub attempt: u32,
}

/// A definite answer from the supplier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SupplierResult {
    /// Delivered; `payload` is what the buyer receives (a code, a receipt).
    Delivered {
        /// What the buyer receives (cut to 2,000 characters).
        payload: String,
    },
    /// Refused for good (bad player id, SKU gone): staff take over.
    Rejected {
        /// Why, for staff.
        reason: String,
    },
}

/// A call that ended without a definite answer: the supplier may or may not have the order.
/// The order stays with the supplier ([`crate::OrderStatus::Processing`]); it is placed
/// again (under the same id) after a backoff, and once the attempts are used up the
/// supplier is asked for its status.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SupplierError {
    /// No answer in time.
    #[error("the supplier did not answer in time")]
    Timeout,
    /// The supplier could not be reached or answered with an error.
    #[error("the supplier is unavailable: {reason}")]
    Unavailable {
        /// What went wrong, for logs.
        reason: String,
    },
}

/// What the supplier knows about an order (for reconciliation after a crash).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SupplierStatus {
    /// It delivered the order: the order completes with this payload.
    Delivered {
        /// What the buyer receives.
        payload: String,
    },
    /// It failed the order for good: staff take over.
    Failed {
        /// Why, for staff.
        reason: String,
    },
    /// It is still working on it: the order stays with the supplier.
    InProgress,
    /// The supplier never received the order.
    Unknown,
}

/// An outside fulfilment API, called synchronously from a frontend's worker thread, never
/// inside a transaction. Implementations must be idempotent by [`SupplierOrder::order_id`]:
/// the shop may place the same order again after an answer that never came, and must get
/// the first delivery back rather than a second one.
pub trait Supplier: Send + Sync {
    /// Places an order. `Ok` is a definite answer (delivered or rejected); `Err` means the
    /// outcome is unknown.
    fn place(&self, order: &SupplierOrder) -> Result<SupplierResult, SupplierError>;
    /// What the supplier knows about an order, for retries that ran out and for
    /// reconciliation after a crash. `Err` means no answer: the order is left as it is.
    fn status(&self, order_id: OrderId) -> Result<SupplierStatus, SupplierError>;
}

/// What a [`ScriptedSupplier`] does on its next `place` call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Behaviour {
    /// Delivers (`SUPPLIER-{sku}-{order id}`), or returns the earlier delivery of the order.
    Succeed,
    /// Refuses the order for good with this reason.
    Reject(String),
    /// Answers with [`SupplierError::Unavailable`] without receiving the order.
    Fail,
    /// Blocks for the duration, then times out (the order stays unplaced).
    Hang(Duration),
    /// Delivers, then times out before answering.
    DeliverThenTimeout,
    /// Delivers, then panics: the caller dies between the call and recording its answer.
    DeliverThenCrash,
    /// Panics before the order reaches the supplier.
    CrashBeforeSending,
}

/// A supplier that follows a script; after the script runs out it succeeds. Deliveries are
/// idempotent by order id, as a real supplier's must be, and counted.
#[derive(Debug, Default)]
pub struct ScriptedSupplier {
    script: Mutex<VecDeque<Behaviour>>,
    delivered: Mutex<BTreeMap<OrderId, (String, u32)>>,
    calls: Mutex<u32>,
}

impl ScriptedSupplier {
    /// A supplier that answers its `place` calls with `script`, in order, then succeeds.
    /// Its `status` answers `Delivered` for every order it delivered, `Unknown` otherwise.
    pub fn new(script: impl IntoIterator<Item = Behaviour>) -> ScriptedSupplier {
        ScriptedSupplier {
            script: Mutex::new(script.into_iter().collect()),
            ..ScriptedSupplier::default()
        }
    }

    /// Appends behaviours to the script.
    pub fn then(&self, behaviour: Behaviour) {
        self.script
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push_back(behaviour);
    }

    /// How many times `place` was called.
    pub fn calls(&self) -> u32 {
        *self.calls.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// How many times an order was delivered (1 for a correct shop, however many retries).
    pub fn deliveries(&self, order_id: OrderId) -> u32 {
        self.delivered
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&order_id)
            .map_or(0, |(_, n)| *n)
    }

    fn deliver(&self, order: &SupplierOrder) -> String {
        let mut delivered = self.delivered.lock().unwrap_or_else(|p| p.into_inner());
        let entry = delivered.entry(order.order_id).or_insert_with(|| {
            (
                format!("SUPPLIER-{}-{}", order.sku, order.order_id.get()),
                0,
            )
        });
        // Idempotent: a second placement returns the first delivery without a new one.
        if entry.1 == 0 {
            entry.1 = 1;
        }
        entry.0.clone()
    }
}

impl Supplier for ScriptedSupplier {
    fn place(&self, order: &SupplierOrder) -> Result<SupplierResult, SupplierError> {
        *self.calls.lock().unwrap_or_else(|p| p.into_inner()) += 1;
        let next = self
            .script
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .pop_front()
            .unwrap_or(Behaviour::Succeed);
        match next {
            Behaviour::Succeed => Ok(SupplierResult::Delivered {
                payload: self.deliver(order),
            }),
            Behaviour::Reject(reason) => Ok(SupplierResult::Rejected { reason }),
            Behaviour::Fail => Err(SupplierError::Unavailable {
                reason: "scripted failure".into(),
            }),
            Behaviour::Hang(duration) => {
                std::thread::sleep(duration);
                Err(SupplierError::Timeout)
            }
            Behaviour::DeliverThenTimeout => {
                self.deliver(order);
                Err(SupplierError::Timeout)
            }
            Behaviour::DeliverThenCrash => {
                self.deliver(order);
                panic!("scripted crash after delivering order {}", order.order_id);
            }
            Behaviour::CrashBeforeSending => {
                panic!("scripted crash before sending order {}", order.order_id);
            }
        }
    }

    fn status(&self, order_id: OrderId) -> Result<SupplierStatus, SupplierError> {
        Ok(
            match self
                .delivered
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get(&order_id)
            {
                Some((payload, _)) => SupplierStatus::Delivered {
                    payload: payload.clone(),
                },
                None => SupplierStatus::Unknown,
            },
        )
    }
}
