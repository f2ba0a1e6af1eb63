//! The operations endpoint (axum, plain HTTP, meant for a private address):
//! - `GET /healthz` — 200 when the database answers a read, with the update mode and the
//!   store state as JSON; 503 otherwise.
//! - `GET /readyz` — 200 while the bot takes updates; 503 while starting or shutting down.
//! - `GET /metrics` — Prometheus text: updates, handler latency, errors, rate limiting,
//!   alerts, backups and their age, broadcast deliveries, and the shop's figures (orders by
//!   status, approved top-ups, users) as of the last refresh (see [`refresh_figures`]).

use crate::ops::backups::Backups;
use crate::ops::telemetry::{Metrics, names};
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use shopcore::{Shop, UserId};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// What the endpoint reports on.
pub struct Health {
    pub shop: Arc<Shop>,
    pub mode: &'static str,
    pub ready: AtomicBool,
    pub backups: Option<Arc<Backups>>,
    pub metrics: Metrics,
    /// The database directory, for the disk-space gauges (`None` in tests that don't care).
    pub db_path: Option<std::path::PathBuf>,
    started: Instant,
    figures_at: std::sync::Mutex<Option<Instant>>,
}

impl Health {
    pub fn new(shop: Arc<Shop>, mode: &'static str, backups: Option<Arc<Backups>>) -> Arc<Health> {
        Health::watching(shop, mode, backups, None)
    }

    /// Like [`Health::new`], with the database directory whose disk the gauges report on.
    pub fn watching(
        shop: Arc<Shop>,
        mode: &'static str,
        backups: Option<Arc<Backups>>,
        db_path: Option<std::path::PathBuf>,
    ) -> Arc<Health> {
        Arc::new(Health {
            shop,
            mode,
            ready: AtomicBool::new(false),
            backups,
            metrics: Metrics::global(),
            db_path,
            started: Instant::now(),
            figures_at: std::sync::Mutex::new(None),
        })
    }

    pub fn set_ready(&self, ready: bool) {
        self.ready.store(ready, Ordering::SeqCst);
    }
}

fn json_escape(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_owned())
}

async fn healthz(State(health): State<Arc<Health>>) -> impl IntoResponse {
    let shop = Arc::clone(&health.shop);
    let probe = tokio::time::timeout(
        Duration::from_secs(5),
        tokio::task::spawn_blocking(move || {
            // A read that goes to the database (not the settings cache).
            let id = UserId::new(1)?;
            shop.user(id)?;
            Ok::<_, shopcore::Error>(shop.settings().state.name())
        }),
    )
    .await;
    let (status, database, state) = match probe {
        Ok(Ok(Ok(state))) => (StatusCode::OK, "ok".to_owned(), state),
        Ok(Ok(Err(error))) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("error: {}", error.kind()),
            "unknown",
        ),
        Ok(Err(_)) => (StatusCode::SERVICE_UNAVAILABLE, "crashed".into(), "unknown"),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "timeout".into(), "unknown"),
    };
    let body = format!(
        "{{\"status\":{},\"database\":{},\"mode\":{},\"store_state\":{},\"uptime_seconds\":{}}}\n",
        json_escape(if status == StatusCode::OK {
            "ok"
        } else {
            "unhealthy"
        }),
        json_escape(&database),
        json_escape(health.mode),
        json_escape(state),
        health.started.elapsed().as_secs()
    );
    (status, [(header::CONTENT_TYPE, "application/json")], body)
}

async fn readyz(State(health): State<Arc<Health>>) -> impl IntoResponse {
    if health.ready.load(Ordering::SeqCst) {
        (StatusCode::OK, "ready\n")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "not ready\n")
    }
}

async fn metrics_text(State(health): State<Arc<Health>>) -> impl IntoResponse {
    if let Some(age) = health.backups.as_ref().and_then(|b| b.age()) {
        metrics::gauge!(names::BACKUP_AGE).set(age.as_secs_f64());
    }
    if let Some(at) = *health.figures_at.lock().unwrap_or_else(|p| p.into_inner()) {
        metrics::gauge!(names::STATS_AGE).set(at.elapsed().as_secs_f64());
    }
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        health.metrics.render(),
    )
}

/// The router, for tests and for [`serve`].
pub fn router(health: Arc<Health>) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics_text))
        .with_state(health)
}

/// Binds `addr` and serves until `stop` resolves. Returns the bound address (useful with
/// port 0) and the server task.
pub async fn serve(
    addr: SocketAddr,
    health: Arc<Health>,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    serve_router(addr, router(health), stop).await
}

/// Like [`serve`], for any router (the endpoint with the web panel merged in); handlers see
/// the peer's address (`ConnectInfo`).
pub async fn serve_router(
    addr: SocketAddr,
    app: Router,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    let task = tokio::spawn(async move {
        let app = app.into_make_service_with_connect_info::<SocketAddr>();
        if let Err(error) = axum::serve(listener, app)
            .with_graceful_shutdown(stop)
            .await
        {
            tracing::error!(%error, "health endpoint stopped");
        }
    });
    Ok((local, task))
}

/// What [`refresh_figures`] reads on a blocking thread.
struct Figures {
    totals: shopcore::analytics::Totals,
    state: shopcore::StoreState,
    pending: u64,
    db_bytes: u64,
    disk: Option<(u64, u64)>,
}

/// Free and total bytes of the file system holding `path`.
fn disk_space(path: &std::path::Path) -> Option<(u64, u64)> {
    let stat = rustix::fs::statvfs(path).ok()?;
    let unit = stat.f_frsize;
    Some((stat.f_bavail * unit, stat.f_blocks * unit))
}

/// Reads the shop's figures into gauges: orders by status, approved top-ups and users (from
/// `Shop::totals`, one unaudited read of aggregate counters), the store state, the
/// notifications not yet delivered, the database's size and the free space of its disk.
pub async fn refresh_figures(health: &Arc<Health>) -> Result<(), shopcore::Error> {
    let shop = Arc::clone(&health.shop);
    let db_path = health.db_path.clone();
    let figures = tokio::task::spawn_blocking(move || {
        Ok::<_, shopcore::Error>(Figures {
            totals: shop.totals()?,
            state: shop.settings().state,
            pending: shop.notification_backlog(crate::SCOPE)?,
            db_bytes: shop.size_on_disk_bytes()?,
            disk: db_path.as_deref().and_then(disk_space),
        })
    })
    .await
    .map_err(|_| {
        shopcore::Error::from(shopcore::InvalidInput::UnknownName {
            what: "figures task",
            text: "crashed".into(),
        })
    })??;
    let totals = &figures.totals;
    for (status, count) in shopcore::OrderStatus::ALL
        .iter()
        .zip(totals.by_status.iter())
    {
        metrics::gauge!(names::ORDERS, "status" => status.name()).set(*count as f64);
    }
    metrics::gauge!(names::TOPUPS).set(totals.topups as f64);
    metrics::gauge!(names::USERS, "kind" => "total").set(totals.users as f64);
    metrics::gauge!(names::USERS, "kind" => "banned").set(totals.banned as f64);
    for state in [
        shopcore::StoreState::Open,
        shopcore::StoreState::Maintenance,
        shopcore::StoreState::Emergency,
    ] {
        let on = if state == figures.state { 1.0 } else { 0.0 };
        metrics::gauge!(names::STORE_STATE, "state" => state.name()).set(on);
    }
    metrics::gauge!(names::NOTIFICATIONS_PENDING).set(figures.pending as f64);
    metrics::gauge!(names::DB_BYTES).set(figures.db_bytes as f64);
    if let Some((free, size)) = figures.disk {
        metrics::gauge!(names::DISK_FREE).set(free as f64);
        metrics::gauge!(names::DISK_SIZE).set(size as f64);
    }
    *health.figures_at.lock().unwrap_or_else(|p| p.into_inner()) = Some(Instant::now());
    metrics::gauge!(names::STATS_AGE).set(0.0);
    Ok(())
}

/// Refreshes the figures now and then every `every`, until aborted.
pub fn schedule_figures(health: Arc<Health>, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(every);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            if let Err(error) = refresh_figures(&health).await {
                tracing::warn!(kind = error.kind(), "shop figures not refreshed");
            }
        }
    })
}
