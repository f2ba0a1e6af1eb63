//! A fake Crypto Pay API on 127.0.0.1 that behaves as the real one does for what the shop
//! uses: `createInvoice` and `getInvoices` with the `Crypto-Pay-API-Token` header, the
//! `{"ok":…}` envelope and its errors — and, driven by the test, payments: paid once, twice
//! (the webhook sent again), late, for the wrong amount, with a wrong signature or a stale
//! date, or without any webhook at all (silent: only polling finds it). It can also be down.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::sync::{Arc, Mutex};

/// The token the fake accepts.
pub const TOKEN: &str = "4242:AAtestTokenForTheFakeCryptoPay";

/// How a webhook is signed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sign {
    Right,
    Wrong,
}

#[derive(Default)]
struct World {
    invoices: Vec<Value>,
    /// The bodies of the calls the shop made, by method.
    calls: Vec<(String, Value)>,
    /// Answer every call with 503 while set.
    down: bool,
}

pub struct FakeCryptoPay {
    world: Arc<Mutex<World>>,
    url: url::Url,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for FakeCryptoPay {
    fn drop(&mut self) {
        self.server.abort();
    }
}

fn envelope_error(status: StatusCode, name: &str) -> Response {
    (
        status,
        axum::Json(json!({"ok": false, "error": {"code": status.as_u16(), "name": name}})),
    )
        .into_response()
}

async fn serve(
    State(world): State<Arc<Mutex<World>>>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let method = uri.path().trim_start_matches("/api/").to_owned();
    if headers
        .get("Crypto-Pay-API-Token")
        .and_then(|v| v.to_str().ok())
        != Some(TOKEN)
    {
        return envelope_error(StatusCode::UNAUTHORIZED, "UNAUTHORIZED");
    }
    let params: Value = serde_json::from_slice(&body).unwrap_or(json!({}));
    let mut world = world.lock().unwrap_or_else(|p| p.into_inner());
    world.calls.push((method.clone(), params.clone()));
    if world.down {
        return envelope_error(StatusCode::SERVICE_UNAVAILABLE, "SERVICE_UNAVAILABLE");
    }
    let text = |name: &str| params.get(name).and_then(Value::as_str).unwrap_or("");
    let result = match method.as_str() {
        "createInvoice" => {
            if text("currency_type") != "fiat" || text("fiat").is_empty() {
                return envelope_error(StatusCode::BAD_REQUEST, "FIAT_INVALID");
            }
            let amount: f64 = text("amount").parse().unwrap_or(0.0);
            if amount <= 0.0 {
                return envelope_error(StatusCode::BAD_REQUEST, "AMOUNT_INVALID");
            }
            if text("accepted_assets").is_empty() {
                return envelope_error(StatusCode::BAD_REQUEST, "ACCEPTED_ASSETS_INVALID");
            }
            if text("payload").len() > 4096 {
                return envelope_error(StatusCode::BAD_REQUEST, "PAYLOAD_TOO_LONG");
            }
            let expires = params
                .get("expires_in")
                .and_then(Value::as_i64)
                .unwrap_or(0);
            if !(1..=2_678_400).contains(&expires) {
                return envelope_error(StatusCode::BAD_REQUEST, "EXPIRES_IN_INVALID");
            }
            let id = world.invoices.len() as u64 + 1;
            let invoice = json!({
                "invoice_id": id,
                "hash": format!("IV{id}"),
                "currency_type": "fiat",
                "fiat": text("fiat"),
                "amount": text("amount"),
                "accepted_assets": text("accepted_assets").split(',').collect::<Vec<_>>(),
                "status": "active",
                "description": text("description"),
                "payload": text("payload"),
                "bot_invoice_url": format!("https://t.me/CryptoBot?start=IV{id}"),
                "created_at": "2026-01-01T10:00:00.000Z",
                "allow_comments": false,
                "allow_anonymous": true,
            });
            world.invoices.push(invoice.clone());
            invoice
        }
        "getInvoices" => {
            let ids: Vec<u64> = text("invoice_ids")
                .split(',')
                .filter_map(|i| i.trim().parse().ok())
                .collect();
            let items: Vec<Value> = world
                .invoices
                .iter()
                .filter(|i| ids.is_empty() || ids.contains(&i["invoice_id"].as_u64().unwrap_or(0)))
                .cloned()
                .collect();
            json!({"items": items})
        }
        _ => return envelope_error(StatusCode::NOT_FOUND, "METHOD_NOT_FOUND"),
    };
    axum::Json(json!({"ok": true, "result": result})).into_response()
}

impl FakeCryptoPay {
    /// Starts the fake on a free port of 127.0.0.1. Must run inside a Tokio runtime.
    pub fn start() -> FakeCryptoPay {
        let world = Arc::new(Mutex::new(World::default()));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("addr");
        let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
        let app = Router::new().fallback(serve).with_state(Arc::clone(&world));
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeCryptoPay {
            world,
            url: url::Url::parse(&format!("http://{addr}")).expect("url"),
            server,
        }
    }

    pub fn url(&self) -> url::Url {
        self.url.clone()
    }

    fn world(&self) -> std::sync::MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The shop's configuration for this fake.
    pub fn config(&self) -> shopbot::ops::config::CryptoPayConfig {
        shopbot::ops::config::CryptoPayConfig {
            url: self.url(),
            token: shopbot::ops::config::Secret::new(TOKEN),
            assets: vec!["USDT".into(), "TON".into()],
            webhook_path: "/payments/crypto-pay".into(),
        }
    }

    /// The calls made to `method`, with their bodies.
    pub fn calls(&self, method: &str) -> Vec<Value> {
        self.world()
            .calls
            .iter()
            .filter(|(m, _)| m == method)
            .map(|(_, body)| body.clone())
            .collect()
    }

    /// How many invoices the fake holds (the id of the newest).
    pub fn created(&self) -> u64 {
        self.world().invoices.len() as u64
    }

    pub fn set_down(&self, down: bool) {
        self.world().down = down;
    }

    /// The invoice as the fake holds it.
    pub fn invoice(&self, id: u64) -> Value {
        self.world().invoices[(id - 1) as usize].clone()
    }

    /// The payer pays invoice `id` in `asset`: it becomes `paid`. `amount` overrides the
    /// amount reported (a provider that got it wrong). Returns the invoice as paid.
    pub fn pay(&self, id: u64, asset: &str, amount: Option<&str>) -> Value {
        let mut world = self.world();
        let invoice = &mut world.invoices[(id - 1) as usize];
        invoice["status"] = json!("paid");
        invoice["paid_asset"] = json!(asset);
        invoice["paid_amount"] = json!("25.1");
        invoice["paid_at"] = json!("2026-01-01T10:05:00.000Z");
        if let Some(amount) = amount {
            invoice["amount"] = json!(amount);
        }
        invoice.clone()
    }

    /// Sends the `invoice_paid` webhook for `invoice` to `url`, signed as `sign` says, dated
    /// `request_date`; returns the HTTP status the shop answered.
    pub async fn webhook(&self, url: &str, invoice: &Value, sign: Sign, request_date: &str) -> u16 {
        let body = serde_json::to_vec(&json!({
            "update_id": invoice["invoice_id"],
            "update_type": "invoice_paid",
            "request_date": request_date,
            "payload": invoice,
        }))
        .expect("json");
        let key = match sign {
            Sign::Right => Sha256::digest(TOKEN.as_bytes()).to_vec(),
            Sign::Wrong => Sha256::digest(b"another app's token").to_vec(),
        };
        let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("key");
        mac.update(&body);
        let signature: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let url = url.to_owned();
        tokio::task::spawn_blocking(move || {
            let agent = ureq::Agent::config_builder()
                .http_status_as_error(false)
                .build()
                .new_agent();
            agent
                .post(&url)
                .header("crypto-pay-api-signature", &signature)
                .header("content-type", "application/json")
                .send(&body[..])
                .map(|r| r.status().as_u16())
                .unwrap_or(0)
        })
        .await
        .expect("the webhook call")
    }
}
