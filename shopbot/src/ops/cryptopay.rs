//! Crypto Pay (@CryptoBot): invoices priced in USD and paid in a crypto asset. The client
//! creates the provider's invoice after the core committed ours (its id is the payload), the
//! signed webhook settles a payment at once, and polling settles what a missed webhook left —
//! both through `Shop::settle_invoice`, keyed by Crypto Pay's invoice id, so a webhook and a
//! poll reporting the same payment credit it once.
//!
//! The wire protocol (<https://help.crypt.bot/crypto-pay-api>): every call is
//! `POST {url}/api/<method>` with the header `Crypto-Pay-API-Token` and a JSON body, and
//! answers `{"ok":true,"result":…}` or `{"ok":false,"error":{"code":…,"name":…}}`. A
//! webhook is a POST of `{"update_id","update_type":"invoice_paid","request_date",
//! "payload":<invoice>}` whose header `crypto-pay-api-signature` is the hex HMAC-SHA-256 of
//! the body keyed with the SHA-256 of the token. The token never appears in logs.

use crate::BotError;
use crate::core::{self, Failure};
use crate::i18n::Lang;
use crate::ops::config::CryptoPayConfig;
use crate::payments;
use crate::render::Screen;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use hmac::{Hmac, Mac};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use shopcore::{Invoice, InvoiceId, Money, Provider, Settlement, Shop};
use std::sync::Arc;
use std::time::Duration;
use teloxide::prelude::*;

/// How long one call to Crypto Pay may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(15);
/// Invoices asked about in one `getInvoices` call.
const POLL_BATCH: usize = 100;
/// A webhook older than this is refused (a replay); polling settles what it was about.
const WEBHOOK_AGE_MAX_SECS: i64 = 3_600;
/// The largest webhook body read.
const WEBHOOK_BYTES_MAX: usize = 64 * 1024;

/// A Crypto Pay client.
pub struct CryptoPay {
    agent: ureq::Agent,
    /// The base URL without a trailing slash.
    base: String,
    token: crate::ops::config::Secret,
    /// The SHA-256 of the token: the key of the webhook's signature.
    webhook_key: [u8; 32],
    assets: Vec<String>,
    webhook_path: String,
}

impl std::fmt::Debug for CryptoPay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CryptoPay")
            .field("base", &self.base)
            .field("assets", &self.assets)
            .finish()
    }
}

/// Why a call to Crypto Pay gave no answer to act on.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    /// Crypto Pay answered with an error (`name`, e.g. `UNAUTHORIZED`).
    #[error("Crypto Pay refused: {0}")]
    Refused(String),
    /// It could not be reached, timed out, or answered something unreadable.
    #[error("Crypto Pay is unavailable: {0}")]
    Unavailable(String),
}

/// An invoice as Crypto Pay describes it (the fields the shop reads).
#[derive(Clone, Debug, Deserialize)]
pub struct ProviderInvoice {
    pub invoice_id: u64,
    pub status: String,
    #[serde(default)]
    pub currency_type: Option<String>,
    #[serde(default)]
    pub asset: Option<String>,
    #[serde(default)]
    pub fiat: Option<String>,
    pub amount: String,
    #[serde(default)]
    pub payload: Option<String>,
    #[serde(default)]
    pub bot_invoice_url: Option<String>,
    #[serde(default)]
    pub pay_url: Option<String>,
}

impl ProviderInvoice {
    /// The settlement it reports, when it is paid and names one of the shop's invoices.
    pub fn settlement(&self) -> Option<Settlement> {
        if self.status != "paid" {
            return None;
        }
        let invoice = payments::parse_payload(self.payload.as_deref()?)?;
        let currency = match self.currency_type.as_deref() {
            Some("crypto") => self.asset.clone()?,
            _ => self.fiat.clone()?,
        };
        Some(Settlement {
            provider: Provider::CryptoPay,
            invoice,
            payment_id: self.invoice_id.to_string(),
            provider_invoice: Some(self.invoice_id.to_string()),
            amount: Money::from_decimal(self.amount.parse().ok()?),
            currency,
        })
    }
}

impl CryptoPay {
    pub fn new(config: &CryptoPayConfig) -> CryptoPay {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(CALL_TIMEOUT))
            .http_status_as_error(false)
            .build()
            .new_agent();
        CryptoPay {
            agent,
            base: config.url.as_str().trim_end_matches('/').to_owned(),
            webhook_key: Sha256::digest(config.token.expose().as_bytes()).into(),
            token: config.token.clone(),
            assets: config.assets.clone(),
            webhook_path: config.webhook_path.clone(),
        }
    }

    /// Where the webhook is received.
    pub fn webhook_path(&self) -> &str {
        &self.webhook_path
    }

    fn call(&self, method: &str, body: &Value) -> Result<Value, CallError> {
        let url = format!("{}/api/{method}", self.base);
        let mut answer = self
            .agent
            .post(&url)
            .header("Crypto-Pay-API-Token", self.token.expose())
            .send_json(body)
            .map_err(|e| CallError::Unavailable(e.to_string()))?;
        let status = answer.status();
        let value: Value = answer
            .body_mut()
            .read_json()
            .map_err(|e| CallError::Unavailable(format!("HTTP {status}: {e}")))?;
        if value.get("ok") == Some(&Value::Bool(true)) {
            return Ok(value.get("result").cloned().unwrap_or(Value::Null));
        }
        let name = value
            .pointer("/error/name")
            .and_then(Value::as_str)
            .unwrap_or("unknown error");
        if status.is_server_error() || status.as_u16() == 429 {
            return Err(CallError::Unavailable(format!("HTTP {status}: {name}")));
        }
        Err(CallError::Refused(name.chars().take(100).collect()))
    }

    /// Creates the provider's invoice for ours: priced in its currency (USD, as fiat),
    /// payable in the accepted assets, with our id as the payload, expiring with ours.
    pub fn create_invoice(
        &self,
        invoice: &Invoice,
        description: &str,
        now_ms: i64,
    ) -> Result<ProviderInvoice, CallError> {
        let expires_in = ((invoice.expires_at.0 - now_ms) / 1_000).clamp(60, 2_678_400);
        let result = self.call(
            "createInvoice",
            &json!({
                "currency_type": "fiat",
                "fiat": invoice.currency.as_str(),
                "amount": invoice.amount.to_string(),
                "accepted_assets": self.assets.join(","),
                "description": description.chars().take(1024).collect::<String>(),
                "payload": payments::payload(invoice.id),
                "expires_in": expires_in,
                "allow_comments": false,
                "allow_anonymous": true,
            }),
        )?;
        serde_json::from_value(result).map_err(|e| CallError::Unavailable(e.to_string()))
    }

    /// The provider's invoices with these ids.
    pub fn invoices(&self, ids: &[String]) -> Result<Vec<ProviderInvoice>, CallError> {
        let result = self.call(
            "getInvoices",
            &json!({"invoice_ids": ids.join(","), "count": ids.len().max(1)}),
        )?;
        let items = result
            .get("items")
            .cloned()
            .unwrap_or(Value::Array(Vec::new()));
        serde_json::from_value(items).map_err(|e| CallError::Unavailable(e.to_string()))
    }

    /// Whether `signature` (hex) is the HMAC-SHA-256 of `body` under the token's key.
    pub fn signed(&self, body: &[u8], signature: &str) -> bool {
        let Ok(given) = hex_bytes(signature) else {
            return false;
        };
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.webhook_key).expect("HMAC takes any key");
        mac.update(body);
        mac.verify_slice(&given).is_ok()
    }
}

fn hex_bytes(text: &str) -> Result<Vec<u8>, ()> {
    let text = text.trim();
    if !text.len().is_multiple_of(2) || text.len() > 128 {
        return Err(());
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).map_err(|_| ()))
        .collect()
}

/// The shopper's way to pay a Crypto Pay invoice: the provider's invoice is created (once;
/// its id recorded with ours) and its link shown. When Crypto Pay can't be reached, the
/// shopper is told to try again later; the invoice expires unpaid.
pub async fn present(
    out: &crate::handlers::Out,
    shop: &Arc<Shop>,
    client: &Arc<CryptoPay>,
    lang: Lang,
    invoice: &Invoice,
    description: &str,
) -> Result<(), BotError> {
    let link = match (&invoice.provider_invoice, &invoice.pay_url) {
        (Some(_), Some(url)) => Some(url.clone()),
        _ => {
            let (client, for_provider, description) =
                (Arc::clone(client), invoice.clone(), description.to_owned());
            let now = shop.now().0;
            let created = tokio::task::spawn_blocking(move || {
                client.create_invoice(&for_provider, &description, now)
            })
            .await
            .map_err(|e| format!("the Crypto Pay call panicked: {e}"))?;
            match created {
                Ok(theirs) => {
                    let url = theirs.bot_invoice_url.or(theirs.pay_url);
                    let id = invoice.id;
                    let provider_id = theirs.invoice_id.to_string();
                    let url_for_core = url.clone();
                    core::run(shop, move |shop| {
                        shop.attach_provider_invoice(id, &provider_id, url_for_core.as_deref())
                    })
                    .await
                    .map_err(|f| format!("recording Crypto Pay's invoice: {}", f.kind()))?;
                    url
                }
                Err(error) => {
                    tracing::warn!(%error, invoice = invoice.id.get(), "Crypto Pay invoice not created");
                    None
                }
            }
        }
    };
    let screen = match link {
        Some(url) => crate::render::crypto_invoice(lang, invoice, &url)?,
        None => Screen::text(lang.t("invoice-crypto_unavailable")),
    };
    out.send(screen).await?;
    Ok(())
}

/// Asks Crypto Pay about every open crypto invoice and settles the paid ones (a missed or
/// refused webhook, the bot down when it came). Returns how many payments it settled (new
/// ones, not replays).
pub async fn poll(shop: &Arc<Shop>, client: &Arc<CryptoPay>) -> Result<u32, Failure> {
    let mut settled = 0;
    let mut after: Option<InvoiceId> = None;
    loop {
        let open = core::run(shop, move |shop| {
            shop.open_invoices(Provider::CryptoPay, after, POLL_BATCH)
        })
        .await?;
        let Some(last) = open.last() else { break };
        after = Some(last.id);
        let ids: Vec<String> = open
            .iter()
            .filter_map(|i| i.provider_invoice.clone())
            .collect();
        if ids.is_empty() {
            continue;
        }
        let c = Arc::clone(client);
        let answer = tokio::task::spawn_blocking(move || c.invoices(&ids)).await;
        let theirs = match answer {
            Ok(Ok(theirs)) => theirs,
            Ok(Err(error)) => {
                tracing::warn!(%error, "Crypto Pay not polled; next pass");
                return Ok(settled);
            }
            Err(join) => {
                tracing::error!(error = %join, "the Crypto Pay poll panicked");
                return Ok(settled);
            }
        };
        for settlement in theirs.iter().filter_map(ProviderInvoice::settlement) {
            if let Some(done) = payments::settle(shop, settlement).await
                && !done.replayed
            {
                settled += 1;
            }
        }
    }
    Ok(settled)
}

/// What the webhook handler needs.
#[derive(Clone)]
pub struct Webhook {
    pub shop: Arc<Shop>,
    pub client: Arc<CryptoPay>,
}

/// The webhook's route, at the configured path.
pub fn router(webhook: Webhook) -> axum::Router {
    let path = webhook.client.webhook_path().to_owned();
    axum::Router::new()
        .route(&path, axum::routing::post(receive))
        .layer(axum::extract::DefaultBodyLimit::max(WEBHOOK_BYTES_MAX))
        .with_state(webhook)
}

#[derive(Deserialize)]
struct Update {
    update_type: String,
    request_date: String,
    payload: ProviderInvoice,
}

/// A webhook: refused (401) unless signed with the token's key; refused (400) when older
/// than an hour (a replay) or unreadable; otherwise settled, and 200 once it is recorded —
/// a failure on our side answers 503 so Crypto Pay sends it again.
async fn receive(State(hook): State<Webhook>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let signature = headers
        .get("crypto-pay-api-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !hook.client.signed(&body, signature) {
        tracing::warn!("a Crypto Pay webhook with a wrong signature was refused");
        return StatusCode::UNAUTHORIZED;
    }
    let Ok(update) = serde_json::from_slice::<Update>(&body) else {
        return StatusCode::BAD_REQUEST;
    };
    let now_secs = hook.shop.now().0 / 1_000;
    let sent = chrono_secs(&update.request_date);
    if sent.is_none_or(|at| (now_secs - at).abs() > WEBHOOK_AGE_MAX_SECS) {
        tracing::warn!(request_date = %update.request_date, "a stale Crypto Pay webhook was refused");
        return StatusCode::BAD_REQUEST;
    }
    if update.update_type != "invoice_paid" {
        return StatusCode::OK;
    }
    let Some(settlement) = update.payload.settlement() else {
        return StatusCode::OK;
    };
    match payments::settle(&hook.shop, settlement).await {
        Some(_) => StatusCode::OK,
        None => StatusCode::SERVICE_UNAVAILABLE,
    }
}

/// Seconds since the epoch of an ISO 8601 date (`2026-12-06T14:21:55.123Z`).
fn chrono_secs(text: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|d| d.timestamp())
}

/// The periodic pass: Stars refunds waiting, then Crypto Pay polling. One replica runs it.
pub fn schedule(
    bot: Bot,
    shop: Arc<Shop>,
    client: Option<Arc<CryptoPay>>,
    every: Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(every);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let stars_read = std::sync::atomic::AtomicU32::new(0);
        loop {
            ticker.tick().await;
            if !crate::ops::lease::mine(&shop, crate::ops::lease::jobs::PAYMENTS, every).await {
                continue;
            }
            match payments::reconcile_stars(&bot, &shop, &stars_read).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(
                    payments = n,
                    "Stars payments settled from the transaction list"
                ),
                Err(failure) => tracing::warn!(kind = failure.kind(), "Stars not reconciled"),
            }
            match payments::refund_stars(&bot, &shop).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(refunds = n, "Stars refunds sent"),
                Err(failure) => tracing::warn!(kind = failure.kind(), "Stars refunds not sent"),
            }
            if let Some(client) = &client {
                match poll(&shop, client).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(payments = n, "Crypto Pay payments settled by polling"),
                    Err(failure) => tracing::warn!(kind = failure.kind(), "Crypto Pay not polled"),
                }
            }
        }
    })
}
