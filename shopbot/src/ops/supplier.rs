//! Automatic fulfilment in production: the adapter between `shopcore`'s synchronous
//! [`Supplier`] trait and a supplier's HTTP JSON API ([`HttpSupplier`]), the stand-in used
//! when no supplier is configured ([`NoSupplier`]: supplier products go to staff at once),
//! and the schedules that drive `Shop::run_supplier_queue` and
//! `Shop::reconcile_supplier_orders` on blocking threads ([`schedule`]).
//!
//! The wire protocol (the order id is the idempotency key, also sent as `Idempotency-Key`):
//! - `POST {url}/orders` with `{"order_id", "sku", "player_id", "quantity", "total_usd"}` →
//!   2xx `{"status":"delivered","payload":…}` (delivered), 2xx `{"status":"rejected",
//!   "reason":…}` or 400/404/409/410/422 (a definite refusal: staff take over), anything
//!   else (5xx, 429, other 4xx, an unreadable answer, "still processing") is a failure that
//!   may pass: the core retries with backoff, then hands the order to staff.
//! - `GET {url}/orders/{order_id}` → `delivered` / `failed` (or `rejected`) / `in_progress`
//!   (or `pending`, `accepted`), 404 → never received.
//!
//! Timeouts (connect, and the whole call) become `SupplierError::Timeout`; refused or dropped
//! connections and 5xx become `SupplierError::Unavailable`. The credential header's value is
//! never logged.

use crate::core::{self, Failure};
use crate::ops::config::SupplierConfig;
use crate::ops::telemetry::names;
use serde::Deserialize;
use serde_json::{Value, json};
use shopcore::supplier::{Supplier, SupplierError, SupplierOrder, SupplierResult, SupplierStatus};
use shopcore::{OrderId, Shop, SupplierRun};
use std::sync::Arc;
use std::time::Duration;

/// How much of a supplier's answer is kept in a reason (audit entries, logs).
const REASON_CHARS_MAX: usize = 200;

/// The supplier's HTTP JSON API, called with a blocking client (`ureq`, rustls).
pub struct HttpSupplier {
    agent: ureq::Agent,
    /// The base URL without a trailing slash.
    base: String,
    auth: Option<(String, String)>,
}

impl std::fmt::Debug for HttpSupplier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpSupplier")
            .field("base", &self.base)
            .field("auth", &self.auth.as_ref().map(|(name, _)| name))
            .finish()
    }
}

/// The answer body, as far as the adapter reads it.
#[derive(Debug, Deserialize)]
struct Answer {
    status: Option<String>,
    payload: Option<Value>,
    reason: Option<String>,
    error: Option<String>,
}

impl Answer {
    fn reason(&self, fallback: &str) -> String {
        let text = self
            .reason
            .as_deref()
            .or(self.error.as_deref())
            .unwrap_or(fallback);
        clip(text)
    }
}

fn clip(text: &str) -> String {
    text.chars().take(REASON_CHARS_MAX).collect()
}

/// A payload as the buyer receives it: text as it is, anything else as JSON.
fn payload_text(payload: Value) -> String {
    match payload {
        Value::String(text) => text,
        other => other.to_string(),
    }
}

/// Statuses that mean "this order will never be accepted as it is".
fn is_refusal(status: u16) -> bool {
    matches!(status, 400 | 404 | 409 | 410 | 422)
}

fn transport_error(error: ureq::Error) -> SupplierError {
    match error {
        ureq::Error::Timeout(_) => SupplierError::Timeout,
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => SupplierError::Timeout,
        other => SupplierError::Unavailable {
            reason: clip(&other.to_string()),
        },
    }
}

impl HttpSupplier {
    pub fn new(config: &SupplierConfig) -> HttpSupplier {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_connect(Some(config.connect_timeout))
            .timeout_global(Some(config.timeout))
            // 4xx and 5xx are answers to read, not transport errors.
            .http_status_as_error(false)
            .user_agent(concat!("shopbot/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        HttpSupplier {
            agent,
            base: config.url.as_str().trim_end_matches('/').to_owned(),
            auth: config
                .auth
                .as_ref()
                .map(|(name, value)| (name.clone(), value.expose().to_owned())),
        }
    }

    fn read(response: &mut ureq::http::Response<ureq::Body>) -> Option<Answer> {
        let text = response
            .body_mut()
            .with_config()
            .limit(64 * 1024)
            .read_to_string()
            .ok()?;
        serde_json::from_str(&text).ok()
    }
}

impl Supplier for HttpSupplier {
    fn place(&self, order: &SupplierOrder) -> Result<SupplierResult, SupplierError> {
        let id = order.order_id.get().to_string();
        let body = json!({
            "order_id": order.order_id.get(),
            "sku": order.sku,
            "player_id": order.player_id,
            "quantity": order.quantity,
            "total_usd": order.total_usd.display_with(2),
        });
        let mut request = self
            .agent
            .post(format!("{}/orders", self.base))
            .header("Idempotency-Key", &id);
        if let Some((name, value)) = &self.auth {
            request = request.header(name, value);
        }
        let mut response = request.send_json(&body).map_err(transport_error)?;
        let status = response.status().as_u16();
        let answer = HttpSupplier::read(&mut response);
        match status {
            200..=299 => {
                let Some(answer) = answer else {
                    return Err(SupplierError::Unavailable {
                        reason: format!("HTTP {status} with an unreadable body"),
                    });
                };
                match answer.status.as_deref() {
                    Some("delivered") => match answer.payload {
                        Some(payload) => Ok(SupplierResult::Delivered {
                            payload: payload_text(payload),
                        }),
                        None => Err(SupplierError::Unavailable {
                            reason: "delivered without a payload".into(),
                        }),
                    },
                    Some("rejected" | "failed") => Ok(SupplierResult::Rejected {
                        reason: answer.reason("rejected"),
                    }),
                    // Accepted but not finished: placing again (same key) asks again.
                    Some("in_progress" | "pending" | "accepted") => {
                        Err(SupplierError::Unavailable {
                            reason: "the supplier is still processing the order".into(),
                        })
                    }
                    other => Err(SupplierError::Unavailable {
                        reason: clip(&format!("unexpected status {other:?}")),
                    }),
                }
            }
            408 => Err(SupplierError::Timeout),
            s if is_refusal(s) => Ok(SupplierResult::Rejected {
                reason: answer
                    .map_or_else(|| format!("HTTP {s}"), |a| a.reason(&format!("HTTP {s}"))),
            }),
            s => Err(SupplierError::Unavailable {
                reason: answer
                    .map_or_else(|| format!("HTTP {s}"), |a| a.reason(&format!("HTTP {s}"))),
            }),
        }
    }

    fn status(&self, order_id: OrderId) -> Result<SupplierStatus, SupplierError> {
        let mut request = self
            .agent
            .get(format!("{}/orders/{}", self.base, order_id.get()));
        if let Some((name, value)) = &self.auth {
            request = request.header(name, value);
        }
        let mut response = request.call().map_err(transport_error)?;
        let status = response.status().as_u16();
        let answer = HttpSupplier::read(&mut response);
        match (status, answer) {
            (404, _) => Ok(SupplierStatus::Unknown),
            (200..=299, Some(answer)) => match answer.status.as_deref() {
                Some("delivered") => match answer.payload {
                    Some(payload) => Ok(SupplierStatus::Delivered {
                        payload: payload_text(payload),
                    }),
                    None => Err(SupplierError::Unavailable {
                        reason: "delivered without a payload".into(),
                    }),
                },
                Some("failed" | "rejected") => Ok(SupplierStatus::Failed {
                    reason: answer.reason("failed"),
                }),
                Some("in_progress" | "pending" | "accepted") => Ok(SupplierStatus::InProgress),
                Some("unknown" | "not_found") => Ok(SupplierStatus::Unknown),
                other => Err(SupplierError::Unavailable {
                    reason: clip(&format!("unexpected status {other:?}")),
                }),
            },
            (408, _) => Err(SupplierError::Timeout),
            (s, _) => Err(SupplierError::Unavailable {
                reason: format!("HTTP {s}"),
            }),
        }
    }
}

/// The supplier when none is configured: it refuses every order at once, which the core
/// records as a definite rejection, so the order goes to staff (audited
/// `SUPPLIER_FALLBACK`) instead of waiting for a supplier that doesn't exist. It can't know
/// what became of orders left PROCESSING by an earlier configuration (the old supplier may
/// have delivered them), so it gives no status for them: they stay with the supplier,
/// untouchable, until the supplier is configured again and reconciliation settles them.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoSupplier;

/// The reason recorded on orders handed to staff because no supplier is configured.
pub const NO_SUPPLIER: &str = "no supplier is configured (setting supplier_url)";

impl Supplier for NoSupplier {
    fn place(&self, order: &SupplierOrder) -> Result<SupplierResult, SupplierError> {
        if order.attempt > 1 {
            // A retry: an earlier supplier may have delivered it. Only that supplier can
            // say, so the order stays undecided rather than going to staff.
            return Err(SupplierError::Unavailable {
                reason: NO_SUPPLIER.into(),
            });
        }
        Ok(SupplierResult::Rejected {
            reason: NO_SUPPLIER.into(),
        })
    }

    fn status(&self, _order_id: OrderId) -> Result<SupplierStatus, SupplierError> {
        Err(SupplierError::Unavailable {
            reason: NO_SUPPLIER.into(),
        })
    }
}

/// The supplier for these settings.
pub fn from_config(config: Option<&SupplierConfig>) -> Arc<dyn Supplier> {
    match config {
        Some(config) => Arc::new(HttpSupplier::new(config)),
        None => Arc::new(NoSupplier),
    }
}

/// One run of the queue (at most `limit` orders), on a blocking thread; logged and counted.
pub async fn run_queue(
    shop: &Arc<Shop>,
    supplier: &Arc<dyn Supplier>,
    limit: usize,
) -> Result<SupplierRun, Failure> {
    let supplier = Arc::clone(supplier);
    let result = core::run(shop, move |shop| {
        shop.run_supplier_queue(supplier.as_ref(), limit)
    })
    .await;
    match &result {
        Ok(run) => {
            for (outcome, n) in [
                ("delivered", run.delivered),
                ("retry_scheduled", run.retry_scheduled),
                ("fell_back", run.fell_back),
            ] {
                metrics::counter!(names::SUPPLIER_ORDERS, "outcome" => outcome)
                    .increment(u64::from(n));
            }
            if run.delivered + run.retry_scheduled + run.fell_back > 0 {
                tracing::info!(
                    delivered = run.delivered,
                    retry_scheduled = run.retry_scheduled,
                    fell_back = run.fell_back,
                    "supplier queue ran"
                );
            }
        }
        Err(failure) => tracing::warn!(kind = failure.kind(), "supplier queue failed"),
    }
    result
}

/// One reconciliation of PROCESSING orders, on a blocking thread; logged and counted.
pub async fn reconcile(shop: &Arc<Shop>, supplier: &Arc<dyn Supplier>) -> Result<u32, Failure> {
    let supplier = Arc::clone(supplier);
    let result = core::run(shop, move |shop| {
        shop.reconcile_supplier_orders(supplier.as_ref())
    })
    .await;
    match &result {
        Ok(settled) => {
            metrics::counter!(names::SUPPLIER_RECONCILED).increment(u64::from(*settled));
            if *settled > 0 {
                tracing::info!(settled, "supplier orders reconciled");
            }
        }
        Err(failure) => tracing::warn!(kind = failure.kind(), "supplier reconciliation failed"),
    }
    result
}

/// Reconciles now and every `reconcile_every`, and runs the queue now and every
/// `queue_every` (after the first reconciliation, so an order left PROCESSING by a crash is
/// settled before anything new is sent). Runs until aborted.
pub fn schedule(
    shop: Arc<Shop>,
    supplier: Arc<dyn Supplier>,
    queue_every: Duration,
    limit: usize,
    reconcile_every: Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut reconcile_ticker = tokio::time::interval(reconcile_every);
        reconcile_ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut queue_ticker = tokio::time::interval(queue_every);
        queue_ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // The first tick of each is immediate: reconcile first.
        reconcile_ticker.tick().await;
        use super::lease::{jobs, mine};
        if mine(&shop, jobs::SUPPLIER_RECONCILE, reconcile_every).await {
            let _ = reconcile(&shop, &supplier).await;
        }
        loop {
            tokio::select! {
                _ = queue_ticker.tick() => {
                    if mine(&shop, jobs::SUPPLIER_QUEUE, queue_every).await {
                        let _ = run_queue(&shop, &supplier, limit).await;
                    }
                }
                _ = reconcile_ticker.tick() => {
                    if mine(&shop, jobs::SUPPLIER_RECONCILE, reconcile_every).await {
                        let _ = reconcile(&shop, &supplier).await;
                    }
                }
            }
        }
    })
}
