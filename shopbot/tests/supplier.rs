//! Automatic fulfilment through the HTTP supplier adapter, against a fake supplier on
//! 127.0.0.1 that behaves like a real one (idempotent by the `Idempotency-Key` header,
//! errors included): it answers, rejects, fails with 5xx, delivers and then answers too late,
//! and drops the connection. Every test goes through a real `Shop` (sled in a temporary
//! directory) in AUTO mode, and checks the order's end state and how many times the fake
//! delivered.

use crate::common::*;
use serde_json::{Value, json};
use shopbot::ops::config::{Secret, SupplierConfig};
use shopbot::ops::supplier::{self, HttpSupplier, NoSupplier};
use shopcore::supplier::{Supplier, SupplierError, SupplierOrder, SupplierResult, SupplierStatus};
use shopcore::{
    Config, Delivery, Durability, Fulfilment, FulfilmentMode, ManualClock, NewProduct,
    NotificationKind, Order, OrderId, OrderRequest, OrderStatus, PaymentChoice, ProductKind, Shop,
    Stock,
};
use std::collections::{HashMap, VecDeque};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the fake supplier does with its next `POST /orders`.
#[derive(Clone, Debug)]
enum Behave {
    Normal,
    Reject,
    Fail500,
    /// Records the delivery, then sleeps this long before answering.
    DeliverThenSleep(Duration),
    /// Reads the request and closes the connection without answering (a crash).
    Crash,
    /// Answers this status and body.
    Raw(u16, Value),
}

#[derive(Default)]
struct FakeState {
    script: VecDeque<Behave>,
    /// Idempotency key → (payload, order id): placing the same key again delivers nothing new.
    by_key: HashMap<String, (String, u64)>,
    /// Deliveries per order id.
    deliveries: HashMap<u64, u32>,
    /// Every POST: (headers, body).
    posts: Vec<(HashMap<String, String>, Value)>,
    gets: u32,
    /// `GET` answers per order id when set (else: delivered or 404).
    status_override: HashMap<u64, (u16, Value)>,
}

#[derive(Clone)]
struct FakeSupplier {
    addr: SocketAddr,
    state: Arc<Mutex<FakeState>>,
}

impl FakeSupplier {
    fn start() -> FakeSupplier {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        let state = Arc::new(Mutex::new(FakeState::default()));
        let shared = Arc::clone(&state);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let state = Arc::clone(&shared);
                std::thread::spawn(move || serve(stream, &state));
            }
        });
        FakeSupplier { addr, state }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, FakeState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn then(&self, behave: Behave) {
        self.lock().script.push_back(behave);
    }

    fn deliveries(&self, order: OrderId) -> u32 {
        self.lock()
            .deliveries
            .get(&order.get())
            .copied()
            .unwrap_or(0)
    }

    fn posts(&self) -> usize {
        self.lock().posts.len()
    }

    fn config(&self, timeout: Duration) -> SupplierConfig {
        SupplierConfig {
            url: url::Url::parse(&format!("http://{}/api/", self.addr)).expect("url"),
            auth: Some(("X-Api-Key".into(), Secret::new("s3cret"))),
            connect_timeout: Duration::from_secs(2),
            timeout,
        }
    }

    fn client(&self) -> HttpSupplier {
        HttpSupplier::new(&self.config(Duration::from_secs(5)))
    }
}

fn read_request(
    stream: &mut TcpStream,
) -> Option<(String, String, HashMap<String, String>, Value)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_owned();
    let path = first.next()?.to_owned();
    let headers: HashMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .get("content-length")
        .and_then(|l| l.parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + length {
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = serde_json::from_slice(&buf[head_end..head_end + length]).unwrap_or(Value::Null);
    Some((method, path, headers, body))
}

fn respond(stream: &mut TcpStream, status: u16, body: &Value) {
    let body = body.to_string();
    let _ = write!(
        stream,
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.flush();
}

fn serve(mut stream: TcpStream, state: &Mutex<FakeState>) {
    let Some((method, path, headers, body)) = read_request(&mut stream) else {
        return;
    };
    let lock = || state.lock().unwrap_or_else(|p| p.into_inner());
    if method == "GET" {
        let id: u64 = path
            .rsplit('/')
            .next()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let (status, answer) = {
            let mut s = lock();
            s.gets += 1;
            if let Some(fixed) = s.status_override.get(&id) {
                fixed.clone()
            } else if let Some((payload, _)) = s.by_key.values().find(|(_, o)| *o == id) {
                (200, json!({"status": "delivered", "payload": payload}))
            } else {
                (404, json!({"error": "no such order"}))
            }
        };
        respond(&mut stream, status, &answer);
        return;
    }
    assert_eq!(path, "/api/orders", "the adapter posts to {{url}}/orders");
    let behave = {
        let mut s = lock();
        s.posts.push((headers.clone(), body.clone()));
        s.script.pop_front().unwrap_or(Behave::Normal)
    };
    // Idempotent by the header, as a real supplier is: a second placement under the same key
    // returns the first delivery.
    let deliver = || {
        let mut s = lock();
        let key = headers.get("idempotency-key").cloned().unwrap_or_default();
        let order = body["order_id"].as_u64().unwrap_or(0);
        let sku = body["sku"].as_str().unwrap_or("").to_owned();
        if let Some((payload, _)) = s.by_key.get(&key).filter(|_| !key.is_empty()) {
            return payload.clone();
        }
        let payload = format!("CODE-{sku}-{order}");
        if !key.is_empty() {
            s.by_key.insert(key, (payload.clone(), order));
        }
        *s.deliveries.entry(order).or_default() += 1;
        payload
    };
    match behave {
        Behave::Normal => {
            let payload = deliver();
            respond(
                &mut stream,
                200,
                &json!({"status": "delivered", "payload": payload}),
            );
        }
        Behave::Reject => respond(
            &mut stream,
            200,
            &json!({"status": "rejected", "reason": "unknown player id"}),
        ),
        Behave::Fail500 => respond(&mut stream, 500, &json!({"error": "database down"})),
        Behave::DeliverThenSleep(wait) => {
            let payload = deliver();
            std::thread::sleep(wait);
            respond(
                &mut stream,
                200,
                &json!({"status": "delivered", "payload": payload}),
            );
        }
        Behave::Crash => {
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
        Behave::Raw(status, answer) => respond(&mut stream, status, &answer),
    }
}

// ---------------------------------------------------------------- a shop in AUTO mode

struct AutoShop {
    t: TestShop,
    clock: Arc<ManualClock>,
}

impl AutoShop {
    /// Asserts that `id` completed with what the fake supplier delivers for it.
    fn assert_delivered(&self, id: OrderId) {
        let done = self.order(id);
        assert_eq!(done.status, OrderStatus::Completed, "{done:?}");
        assert_eq!(
            done.delivery.as_deref(),
            Some(format!("CODE-pubg-660-{}", id.get()).as_str()),
            "the fake supplier's delivery for {id}"
        );
    }

    fn new() -> AutoShop {
        let _ = tracing_subscriber::fmt().with_test_writer().try_init();
        let dir = tempfile::tempdir().expect("tempdir");
        let clock = Arc::new(ManualClock::new(START));
        let shop = Shop::open(
            dir.path().join("shop.db"),
            Config::default()
                .with_clock(clock.clone())
                .with_durability(Durability::Background)
                .with_super_admins(vec![uid(OWNER)]),
        )
        .expect("open");
        let t = TestShop {
            shop: Arc::new(shop),
            dir,
        };
        t.shop
            .set_fulfilment_mode(&t.owner(), FulfilmentMode::Auto)
            .expect("auto");
        AutoShop { t, clock }
    }

    /// A paid order for a supplier product, sent to the supplier (AUTO mode).
    fn paid_order(&self, buyer: u64) -> Order {
        self.paid_order_of(buyer, 1)
    }

    /// A paid order of `quantity` units of a supplier product (AUTO mode).
    fn paid_order_of(&self, buyer: u64, quantity: u32) -> Order {
        let games = self.t.category(&format!("Games {buyer}"));
        let product = self
            .t
            .shop
            .create_product(
                &self.t.owner(),
                &NewProduct {
                    category: games,
                    name: "PUBG 660 UC".into(),
                    description: String::new(),
                    price_usd: money("10.00"),
                    kind: ProductKind::GameTopUp,
                    delivery: Delivery::Supplier {
                        sku: "pubg-660".into(),
                    },
                    stock: Stock::Unlimited,
                    player_field: None,
                    sort_order: 0,
                    active: true,
                },
            )
            .expect("product");
        if quantity > 1 {
            self.t
                .shop
                .set_order_limit(&self.t.owner(), product.id, quantity)
                .expect("limit");
        }
        self.t.fund(buyer, "50.00");
        let actor = self.t.shop.actor(uid(buyer)).expect("actor");
        let order = self
            .t
            .shop
            .create_order(
                &actor,
                &OrderRequest {
                    quantity,
                    product: product.id,
                    payment: PaymentChoice::Balance,
                    coupon: None,
                    player_id: None,
                    currency: None,
                    proof: None,
                },
                &key(&format!("order-{buyer}")),
            )
            .expect("order");
        assert_eq!(order.status, OrderStatus::Paid);
        assert_eq!(order.fulfilment, Fulfilment::Supplier, "the AUTO mode path");
        order
    }

    fn order(&self, id: OrderId) -> Order {
        self.t.shop.order(&self.t.owner(), id).expect("order")
    }

    /// The buyer's cancel of an order, refused: its error kind.
    fn buyer_cancel_refused(&self, buyer: u64, id: OrderId, attempt: &str) -> &'static str {
        let actor = self.t.shop.actor(uid(buyer)).expect("actor");
        self.t
            .shop
            .cancel_order(&actor, id, &key(attempt))
            .expect_err("the buyer can't cancel an order with the supplier")
            .kind()
    }

    /// Lets any supplier backoff pass.
    fn later(&self) {
        self.clock.advance_millis(24 * 60 * 60 * 1000);
    }

    fn staff_notices(&self, order: OrderId) -> usize {
        self.t
            .shop
            .pending_notifications(shopbot::SCOPE, 100)
            .expect("pending")
            .iter()
            .filter(|n| n.kind == NotificationKind::StaffOrderWaiting { order })
            .count()
    }
}

async fn run_queue(a: &AutoShop, supplier: Arc<dyn Supplier>) -> shopcore::SupplierRun {
    supplier::run_queue(&a.t.shop, &supplier, 10)
        .await
        .expect("queue runs")
}

#[tokio::test]
async fn a_supplier_order_is_delivered_once_with_its_idempotency_key_and_credential() {
    let a = AutoShop::new();
    let fake = FakeSupplier::start();
    let order = a.paid_order(SHOPPER);
    let run = run_queue(&a, Arc::new(fake.client())).await;
    assert_eq!(
        (run.delivered, run.retry_scheduled, run.fell_back),
        (1, 0, 0)
    );
    a.assert_delivered(order.id);
    assert_eq!(fake.deliveries(order.id), 1);
    let (headers, body) = fake.lock().posts[0].clone();
    assert_eq!(headers["idempotency-key"], order.id.get().to_string());
    assert_eq!(headers["x-api-key"], "s3cret");
    assert_eq!(
        body,
        json!({"order_id": order.id.get(), "sku": "pubg-660", "player_id": null, "quantity": 1, "total_usd": "10.00"})
    );
    // Nothing more to send: a second run calls nobody.
    let again = run_queue(&a, Arc::new(fake.client())).await;
    assert_eq!(again.delivered + again.retry_scheduled + again.fell_back, 0);
    assert_eq!(fake.posts(), 1);
}

#[tokio::test]
async fn a_rejection_hands_the_order_to_staff_at_once() {
    let a = AutoShop::new();
    let fake = FakeSupplier::start();
    fake.then(Behave::Reject);
    let order = a.paid_order(SHOPPER);
    let run = run_queue(&a, Arc::new(fake.client())).await;
    assert_eq!(run.fell_back, 1);
    let after = a.order(order.id);
    assert_eq!(after.status, OrderStatus::Paid);
    assert_eq!(after.fulfilment, Fulfilment::Manual);
    assert_eq!(a.staff_notices(order.id), 1, "staff are told");
    assert_eq!(fake.deliveries(order.id), 0);
}

#[tokio::test]
async fn a_5xx_is_retried_after_the_backoff_and_then_delivered_once() {
    let a = AutoShop::new();
    let fake = FakeSupplier::start();
    fake.then(Behave::Fail500);
    let order = a.paid_order(SHOPPER);
    let run = run_queue(&a, Arc::new(fake.client())).await;
    assert_eq!(run.retry_scheduled, 1);
    // A 5xx is no definite answer: the supplier may have delivered, so the order stays
    // with it (PROCESSING), untouchable, until the backoff has passed.
    let after = a.order(order.id);
    assert_eq!(
        (after.status, after.fulfilment),
        (OrderStatus::Processing, Fulfilment::Supplier)
    );
    assert_eq!(after.supplier_attempts, 1);
    assert!(after.next_attempt_at.is_some());
    assert_eq!(
        a.buyer_cancel_refused(SHOPPER, order.id, "cancel-1"),
        "order.with_supplier"
    );
    // Not due yet: nothing is sent.
    let early = run_queue(&a, Arc::new(fake.client())).await;
    assert_eq!(early.delivered + early.retry_scheduled + early.fell_back, 0);
    assert_eq!(fake.posts(), 1);
    assert_eq!(a.order(order.id).status, OrderStatus::Processing);
    a.later();
    // Placed again under the same id.
    let run = run_queue(&a, Arc::new(fake.client())).await;
    assert_eq!(run.delivered, 1);
    let done = a.order(order.id);
    assert_eq!(done.status, OrderStatus::Completed);
    assert_eq!(done.supplier_attempts, 2);
    assert_eq!(fake.posts(), 2);
    let keys: Vec<String> = fake
        .lock()
        .posts
        .iter()
        .map(|(headers, _)| headers["idempotency-key"].clone())
        .collect();
    assert_eq!(keys, vec![order.id.get().to_string(); 2]);
    assert_eq!(fake.deliveries(order.id), 1);
    assert_eq!(a.staff_notices(order.id), 0, "staff weren't needed");
}

#[tokio::test]
async fn delivered_then_timed_out_is_retried_without_a_second_delivery() {
    let a = AutoShop::new();
    let fake = FakeSupplier::start();
    // The supplier delivers, then answers after the client gave up (1 s).
    fake.then(Behave::DeliverThenSleep(Duration::from_millis(2_500)));
    let order = a.paid_order(SHOPPER);
    let client: Arc<dyn Supplier> =
        Arc::new(HttpSupplier::new(&fake.config(Duration::from_secs(1))));
    let started = std::time::Instant::now();
    let run = run_queue(&a, Arc::clone(&client)).await;
    assert!(
        started.elapsed() < Duration::from_millis(2_400),
        "the client timed out"
    );
    assert_eq!(run.retry_scheduled, 1);
    assert_eq!(
        fake.deliveries(order.id),
        1,
        "delivered on the supplier's side"
    );
    // The timeout left the outcome unknown: the order stays with the supplier.
    let after = a.order(order.id);
    assert_eq!(
        (after.status, after.fulfilment),
        (OrderStatus::Processing, Fulfilment::Supplier)
    );
    assert!(after.next_attempt_at.is_some());
    assert_eq!(
        a.buyer_cancel_refused(SHOPPER, order.id, "cancel-1"),
        "order.with_supplier"
    );
    a.later();
    let run = run_queue(&a, client).await;
    assert_eq!(run.delivered, 1);
    a.assert_delivered(order.id);
    assert_eq!(fake.posts(), 2);
    assert_eq!(fake.deliveries(order.id), 1, "delivered exactly once");
}

#[tokio::test]
async fn a_dropped_connection_is_retried_and_delivered_once() {
    let a = AutoShop::new();
    let fake = FakeSupplier::start();
    fake.then(Behave::Crash);
    let order = a.paid_order(SHOPPER);
    let run = run_queue(&a, Arc::new(fake.client())).await;
    assert_eq!(run.retry_scheduled, 1);
    assert_eq!(fake.deliveries(order.id), 0);
    assert_eq!(a.order(order.id).status, OrderStatus::Processing);
    a.later();
    assert_eq!(run_queue(&a, Arc::new(fake.client())).await.delivered, 1);
    assert_eq!(a.order(order.id).status, OrderStatus::Completed);
    assert_eq!(fake.deliveries(order.id), 1);
}

#[tokio::test]
async fn repeated_failures_fall_back_to_staff() {
    let a = AutoShop::new();
    let fake = FakeSupplier::start();
    let order = a.paid_order(SHOPPER);
    for _ in 0..3 {
        fake.then(Behave::Fail500);
    }
    // Three placements (the configured attempts), each ending in a 5xx: each leaves the
    // outcome unknown, so the order waits with the supplier.
    for attempt in 1..=3 {
        let run = run_queue(&a, Arc::new(fake.client())).await;
        assert_eq!(
            (run.delivered, run.retry_scheduled, run.fell_back),
            (0, 1, 0),
            "attempt {attempt}"
        );
        let after = a.order(order.id);
        assert_eq!(
            (after.status, after.fulfilment, after.supplier_attempts),
            (OrderStatus::Processing, Fulfilment::Supplier, attempt)
        );
        a.later();
    }
    assert_eq!(fake.posts(), 3);
    // After the last failure the order is still with the supplier: the buyer can't cancel
    // it (the supplier may have delivered) and staff aren't told yet.
    assert_eq!(
        a.buyer_cancel_refused(SHOPPER, order.id, "cancel-1"),
        "order.with_supplier"
    );
    assert_eq!(a.staff_notices(order.id), 0);

    // Attempts used up: the supplier is asked for the order's status, not sent it again.
    // No answer (a 503) settles nothing: the order waits another backoff.
    fake.lock()
        .status_override
        .insert(order.id.get(), (503, json!({"error": "maintenance"})));
    let run = run_queue(&a, Arc::new(fake.client())).await;
    assert_eq!(
        (run.delivered, run.retry_scheduled, run.fell_back),
        (0, 1, 0)
    );
    assert_eq!((fake.posts(), fake.lock().gets), (3, 1));
    let after = a.order(order.id);
    assert_eq!(after.status, OrderStatus::Processing);
    assert!(after.next_attempt_at.is_some());
    assert_eq!(
        a.buyer_cancel_refused(SHOPPER, order.id, "cancel-2"),
        "order.with_supplier"
    );
    // Not due again yet.
    let early = run_queue(&a, Arc::new(fake.client())).await;
    assert_eq!(early.delivered + early.retry_scheduled + early.fell_back, 0);
    assert_eq!(fake.lock().gets, 1);

    // The supplier says it never received the order (404): staff take over.
    fake.lock().status_override.clear();
    a.later();
    let run = run_queue(&a, Arc::new(fake.client())).await;
    assert_eq!(
        (run.delivered, run.retry_scheduled, run.fell_back),
        (0, 0, 1)
    );
    assert_eq!((fake.posts(), fake.lock().gets), (3, 2));
    let after = a.order(order.id);
    assert_eq!(
        (after.status, after.fulfilment),
        (OrderStatus::Paid, Fulfilment::Manual)
    );
    assert_eq!(after.next_attempt_at, None);
    assert_eq!(a.staff_notices(order.id), 1);
    assert_eq!(fake.deliveries(order.id), 0);
    // Handed to staff for good: later runs send nothing.
    a.later();
    let run = run_queue(&a, Arc::new(fake.client())).await;
    assert_eq!(run.delivered + run.retry_scheduled + run.fell_back, 0);
    assert_eq!(fake.posts(), 3);
}

#[tokio::test]
async fn used_up_attempts_complete_an_order_the_status_says_was_delivered() {
    let a = AutoShop::new();
    let fake = FakeSupplier::start();
    let order = a.paid_order(SHOPPER);
    // Delivered on the first call, but every answer is lost (the connection drops).
    fake.then(Behave::DeliverThenSleep(Duration::from_millis(1_500)));
    fake.then(Behave::Crash);
    fake.then(Behave::Crash);
    let client: Arc<dyn Supplier> =
        Arc::new(HttpSupplier::new(&fake.config(Duration::from_millis(500))));
    for _ in 0..3 {
        assert_eq!(run_queue(&a, Arc::clone(&client)).await.retry_scheduled, 1);
        a.later();
    }
    assert_eq!(a.order(order.id).status, OrderStatus::Processing);
    assert_eq!(fake.deliveries(order.id), 1);
    // The status call finds the delivery: completed, never handed to staff.
    let run = run_queue(&a, client).await;
    assert_eq!(
        (run.delivered, run.retry_scheduled, run.fell_back),
        (1, 0, 0)
    );
    a.assert_delivered(order.id);
    assert_eq!((fake.posts(), fake.lock().gets), (3, 1));
    assert_eq!(fake.deliveries(order.id), 1);
    assert_eq!(a.staff_notices(order.id), 0);
}

/// A supplier whose caller dies after the call, before the answer is recorded.
struct DiesAfter(HttpSupplier);

impl Supplier for DiesAfter {
    fn place(&self, order: &SupplierOrder) -> Result<SupplierResult, SupplierError> {
        let _ = self.0.place(order);
        panic!("the bot died after placing order {}", order.order_id);
    }
    fn status(
        &self,
        order_id: OrderId,
    ) -> Result<shopcore::supplier::SupplierStatus, SupplierError> {
        self.0.status(order_id)
    }
}

#[tokio::test]
async fn reconciliation_settles_an_order_left_processing_by_a_crash() {
    let a = AutoShop::new();
    let fake = FakeSupplier::start();
    let delivered = a.paid_order(SHOPPER);
    let unknown = a.paid_order(SHOPPER + 1);
    // The first order is delivered, but the answer comes late and the bot dies before it
    // records it; while that call is still running, a second run sends the other order,
    // which the supplier never receives (the connection drops), and dies too.
    fake.then(Behave::DeliverThenSleep(Duration::from_millis(1_000)));
    fake.then(Behave::Crash);
    let dies = Arc::new(DiesAfter(fake.client()));
    let first = {
        let (shop, dies) = (Arc::clone(&a.t.shop), Arc::clone(&dies));
        std::thread::spawn(move || shop.run_supplier_queue(dies.as_ref(), 1))
    };
    let started = std::time::Instant::now();
    while fake.posts() == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the first call never came"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    // The first order's call is live: the second run leaves it alone and sends the other.
    let shop = Arc::clone(&a.t.shop);
    let crashed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        shop.run_supplier_queue(dies.as_ref(), 10)
    }));
    assert!(crashed.is_err());
    assert!(first.join().is_err(), "the first run died too");
    assert_eq!(fake.posts(), 2);
    assert_eq!(
        (fake.deliveries(delivered.id), fake.deliveries(unknown.id)),
        (1, 0)
    );
    for order in [&delivered, &unknown] {
        assert_eq!(a.order(order.id).status, OrderStatus::Processing);
    }
    assert_eq!(
        a.buyer_cancel_refused(SHOPPER, delivered.id, "cancel-1"),
        "order.with_supplier"
    );

    // Without a configured supplier nobody can say what became of them: reconciliation
    // leaves both with the supplier, untouchable.
    let none: Arc<dyn Supplier> = Arc::new(NoSupplier);
    let settled = supplier::reconcile(&a.t.shop, &none)
        .await
        .expect("reconcile");
    assert_eq!(settled, 0);
    for order in [&delivered, &unknown] {
        let after = a.order(order.id);
        assert_eq!(
            (after.status, after.fulfilment),
            (OrderStatus::Processing, Fulfilment::Supplier)
        );
    }
    assert_eq!(a.staff_notices(delivered.id), 0);
    assert_eq!(a.staff_notices(unknown.id), 0);
    assert_eq!(fake.lock().gets, 0);

    // The supplier itself settles them: delivered → completed; never received → queued
    // again.
    let client: Arc<dyn Supplier> = Arc::new(fake.client());
    let settled = supplier::reconcile(&a.t.shop, &client)
        .await
        .expect("reconcile");
    assert_eq!(settled, 2);
    assert_eq!(fake.lock().gets, 2);
    a.assert_delivered(delivered.id);
    assert_eq!(fake.deliveries(delivered.id), 1);
    let queued = a.order(unknown.id);
    assert_eq!(
        (queued.status, queued.fulfilment),
        (OrderStatus::Paid, Fulfilment::Supplier),
        "queued again"
    );
    assert_eq!(a.staff_notices(unknown.id), 0);
    // A second pass has nothing left to settle.
    assert_eq!(
        supplier::reconcile(&a.t.shop, &client)
            .await
            .expect("reconcile"),
        0
    );
    let run = run_queue(&a, client).await;
    assert_eq!(
        (run.delivered, run.retry_scheduled, run.fell_back),
        (1, 0, 0)
    );
    assert_eq!(a.order(unknown.id).status, OrderStatus::Completed);
    assert_eq!(fake.deliveries(unknown.id), 1);
    assert_eq!(fake.deliveries(delivered.id), 1, "never delivered twice");
    assert_eq!(fake.posts(), 3, "the delivered order was not sent again");
}

#[test]
fn answers_map_to_the_suppliers_outcomes() {
    let fake = FakeSupplier::start();
    let client = fake.client();
    let order = SupplierOrder {
        quantity: 1,
        order_id: OrderId::new(77).expect("id"),
        sku: "sku".into(),
        player_id: Some("5123456".into()),
        total_usd: money("3.50"),
        attempt: 1,
    };
    fake.then(Behave::Raw(422, json!({"reason": "bad player id"})));
    assert_eq!(
        client.place(&order),
        Ok(SupplierResult::Rejected {
            reason: "bad player id".into()
        })
    );
    fake.then(Behave::Raw(429, json!({"error": "slow down"})));
    assert!(matches!(
        client.place(&order),
        Err(SupplierError::Unavailable { .. })
    ));
    fake.then(Behave::Raw(200, json!({"status": "in_progress"})));
    assert!(matches!(
        client.place(&order),
        Err(SupplierError::Unavailable { .. })
    ));
    fake.then(Behave::Raw(
        200,
        json!({"status": "delivered", "payload": {"pin": "1234"}}),
    ));
    assert_eq!(
        client.place(&order),
        Ok(SupplierResult::Delivered {
            payload: r#"{"pin":"1234"}"#.into()
        })
    );
    // Status: never received, in progress, failed.
    let id = OrderId::new(88).expect("id");
    assert_eq!(client.status(id), Ok(SupplierStatus::Unknown));
    fake.lock()
        .status_override
        .insert(88, (200, json!({"status": "in_progress"})));
    assert_eq!(client.status(id), Ok(SupplierStatus::InProgress));
    fake.lock().status_override.insert(
        88,
        (200, json!({"status": "failed", "reason": "out of stock"})),
    );
    assert_eq!(
        client.status(id),
        Ok(SupplierStatus::Failed {
            reason: "out of stock".into()
        })
    );
    fake.lock()
        .status_override
        .insert(88, (503, json!({"error": "maintenance"})));
    assert!(matches!(
        client.status(id),
        Err(SupplierError::Unavailable { .. })
    ));
    // Nobody listening: unavailable.
    let closed = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = closed.local_addr().expect("addr");
    drop(closed);
    let nobody = HttpSupplier::new(&SupplierConfig {
        url: url::Url::parse(&format!("http://{addr}")).expect("url"),
        auth: None,
        connect_timeout: Duration::from_secs(1),
        timeout: Duration::from_secs(1),
    });
    assert!(matches!(
        nobody.place(&order),
        Err(SupplierError::Unavailable { .. })
    ));
}

#[tokio::test]
async fn without_a_supplier_supplier_products_go_to_staff_at_once() {
    let a = AutoShop::new();
    let order = a.paid_order(SHOPPER);
    let run = run_queue(&a, Arc::new(NoSupplier)).await;
    assert_eq!(run.fell_back, 1, "no retries, no waiting");
    let after = a.order(order.id);
    assert_eq!(
        (after.status, after.fulfilment),
        (OrderStatus::Paid, Fulfilment::Manual)
    );
    assert_eq!(a.staff_notices(order.id), 1);
}

#[test]
fn without_a_supplier_a_retry_stays_undecided() {
    // A retry means an earlier supplier may have delivered the order: with none configured
    // now, it must not be refused (which would hand it to staff, who could refund it).
    let mut order = SupplierOrder {
        quantity: 1,
        order_id: OrderId::new(5).expect("id"),
        sku: "sku".into(),
        player_id: None,
        total_usd: money("1"),
        attempt: 1,
    };
    assert!(matches!(
        NoSupplier.place(&order),
        Ok(shopcore::supplier::SupplierResult::Rejected { .. })
    ));
    order.attempt = 2;
    assert!(matches!(
        NoSupplier.place(&order),
        Err(SupplierError::Unavailable { .. })
    ));
}

/// Several units go to the supplier as one request with its quantity and the total for all
/// of them; its one answer delivers them all.
#[tokio::test]
async fn several_units_are_one_supplier_request_with_their_quantity() {
    let a = AutoShop::new();
    let fake = FakeSupplier::start();
    let order = a.paid_order_of(SHOPPER, 3);
    assert_eq!(a.t.balance(SHOPPER), money("20.00"));
    let run = run_queue(&a, Arc::new(fake.client())).await;
    assert_eq!(run.delivered, 1);
    a.assert_delivered(order.id);
    assert_eq!(fake.deliveries(order.id), 1);
    let (_, body) = fake.lock().posts[0].clone();
    assert_eq!(body["quantity"], 3);
    assert_eq!(body["total_usd"], "30.00");
    let done = a.order(order.id);
    assert_eq!((done.quantity, done.status), (3, OrderStatus::Completed));
}
