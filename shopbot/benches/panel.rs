//! How long the web panel takes to answer its pages with a big shop: every page of the
//! panel, signed in as the owner, against a store of 10,000 orders (the baseline, measured
//! in the same run) and one of 1,000,000 (`PANEL_SIZES=10000,1000000` by default). Each
//! iteration is one HTTP request over loopback to the panel's own server, so the figure is
//! the server's time plus a loopback round trip.
//!
//! The stores are the ones the dashboard benchmark builds through shopcore's public API
//! (`shop_benches::bigstore`, cached under `target/bench-data/`).

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use shop_benches::bigstore;
use shopcore::{Durability, Shop, UserId};
use std::sync::Arc;
use std::time::Duration;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The pages measured: every list the panel has, a detail page, a search.
fn pages(orders: u64) -> Vec<(&'static str, String)> {
    let middle = orders / 2;
    vec![
        ("dashboard", "/panel/".to_owned()),
        (
            "orders_completed",
            "/panel/orders?status=completed".to_owned(),
        ),
        ("orders_paid", "/panel/orders?status=paid".to_owned()),
        (
            "orders_of_a_user",
            format!("/panel/orders?status=any&user={}", 1_000 + middle),
        ),
        ("order", format!("/panel/orders/{middle}")),
        ("user_search", format!("/panel/users?q={}", 1_000 + middle)),
        ("audit", "/panel/audit".to_owned()),
        (
            "audit_by_action",
            "/panel/audit?action=FINALIZE_ORDER_COMPLETED".to_owned(),
        ),
        ("topups", "/panel/topups".to_owned()),
        ("catalog", "/panel/catalog".to_owned()),
        ("ops", "/panel/ops".to_owned()),
    ]
}

fn panel(c: &mut Criterion) {
    let sizes: Vec<u64> = std::env::var("PANEL_SIZES")
        .unwrap_or_else(|_| "10000,1000000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .build()
        .into();
    let mut group = c.benchmark_group("panel");
    group.sample_size(30);
    group.measurement_time(Duration::from_secs(3));
    group.warm_up_time(Duration::from_millis(500));
    for orders in sizes {
        let path = bigstore::store_for(orders).expect("the big store");
        let clock = bigstore::clock_after(orders);
        // Durable, as in production.
        let shop = Arc::new(
            Shop::open(&path, bigstore::config(clock, Durability::Immediate)).expect("open"),
        );
        let owner = shop
            .actor(UserId::new(bigstore::OWNER).expect("id"))
            .expect("owner");
        let link = shop.issue_panel_link(&owner).expect("a sign-in link");
        let session = shop.open_panel_session(&link.token).expect("a session");
        let cookie = format!("shopcore_panel={}", session.token);
        let url = url::Url::parse("http://127.0.0.1/").expect("url");
        let panel = shopbot::web::Panel::new(Arc::clone(&shop), &url);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (addr, task) = rt
            .block_on(shopbot::ops::health::serve_router(
                "127.0.0.1:0".parse().expect("addr"),
                shopbot::web::router(panel),
                async move {
                    let _ = stopped.await;
                },
            ))
            .expect("serve");
        for (name, path) in pages(orders) {
            let url = format!("http://{addr}{path}");
            // Every page must answer 200 with the page, or the figure means nothing.
            let mut first = agent
                .get(&url)
                .header("Cookie", &cookie)
                .call()
                .expect("the page");
            assert_eq!(first.status().as_u16(), 200, "{name}: {url}");
            let body = first.body_mut().read_to_string().expect("body");
            assert!(body.contains("</html>"), "{name}: {body}");
            group.bench_with_input(BenchmarkId::new(name, orders), &url, |b, url| {
                b.iter(|| {
                    let mut r = agent
                        .get(url)
                        .header("Cookie", &cookie)
                        .call()
                        .expect("the page");
                    r.body_mut().read_to_vec().expect("body").len()
                })
            });
        }
        let _ = stop.send(());
        let _ = rt.block_on(task);
        drop(shop);
    }
    group.finish();
}

// No plots: shopbot's plotters (for its own charts) has no font registered for criterion's.
criterion_group! {
    name = benches;
    config = Criterion::default().without_plots();
    targets = panel
}
criterion_main!(benches);
