//! Expiry of unpaid orders: an order paid through a payment method holds its stock, code and
//! coupon until its deadline; nothing else releases them if the buyer never comes back, so
//! the bot sweeps `Shop::expire_unpaid_orders` once at start-up and then every
//! `expiry_interval_seconds` (on a blocking thread), and logs and counts what it cancelled.
//! The buyer hears of it through the outbox (an "order cancelled" notice). The same sweep
//! drops the web panel's expired sign-in links and sessions (`Shop::sweep_panel`) and
//! expires unpaid top-up invoices (`Shop::expire_invoices`; an order's expires with it).

use crate::core::{self, Failure};
use crate::ops::telemetry::names;
use shopcore::{Shop, StoreState};
use std::sync::Arc;
use std::time::Duration;

/// One sweep; returns how many orders were cancelled.
pub async fn run_once(shop: &Arc<Shop>) -> Result<u32, Failure> {
    let result = core::run(shop, |shop| {
        // Expiry waits during an emergency (the core would refuse it).
        if shop.settings().state == StoreState::Emergency {
            return Ok(0);
        }
        shop.expire_unpaid_orders()
    })
    .await;
    match &result {
        Ok(0) => {}
        Ok(expired) => {
            metrics::counter!(names::ORDERS_EXPIRED).increment(u64::from(*expired));
            tracing::info!(expired, "unpaid orders past their deadline cancelled");
        }
        Err(failure) => tracing::warn!(kind = failure.kind(), "expiring unpaid orders failed"),
    }
    result
}

/// Expires unpaid top-up invoices past their deadline; returns how many.
pub async fn expire_invoices(shop: &Arc<Shop>) -> Result<u32, Failure> {
    let result = core::run(shop, |shop| shop.expire_invoices()).await;
    match &result {
        Ok(0) => {}
        Ok(expired) => tracing::info!(expired, "unpaid invoices past their deadline expired"),
        Err(failure) => tracing::warn!(kind = failure.kind(), "expiring invoices failed"),
    }
    result
}

/// Drops the web panel's expired sign-in links and sessions; returns how many went.
pub async fn sweep_panel(shop: &Arc<Shop>) -> Result<usize, Failure> {
    let result = core::run(shop, |shop| shop.sweep_panel()).await;
    match &result {
        Ok(0) => {}
        Ok(gone) => tracing::debug!(gone, "expired panel links and sessions dropped"),
        Err(failure) => tracing::warn!(kind = failure.kind(), "sweeping panel sessions failed"),
    }
    result
}

/// Sweeps now and then every `every`, until aborted.
pub fn schedule(shop: Arc<Shop>, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(every);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            if super::lease::mine(&shop, super::lease::jobs::EXPIRY, every).await {
                let _ = run_once(&shop).await;
                let _ = expire_invoices(&shop).await;
                let _ = sweep_panel(&shop).await;
            }
        }
    })
}
