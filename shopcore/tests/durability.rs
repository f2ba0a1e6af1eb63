//! Durable commits: group commit shares flushes between concurrent callers, and an
//! acknowledged change survives the process being killed with SIGKILL.

use crate::common::uid;
use shopcore::{Config, Durability, Registration, Shop};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;

const CHILD_ENV: &str = "SHOPCORE_TEST_CHILD_CRASH";

fn durable_config() -> Config {
    Config::default().with_durability(Durability::Immediate)
}

fn register(shop: &Shop, id: u64) {
    shop.register_user(&Registration {
        id: uid(id),
        username: None,
        display_name: "crash test",
        language: None,
    })
    .unwrap();
}

#[test]
fn concurrent_callers_share_flushes() {
    let dir = tempfile::tempdir().unwrap();
    let shop = Arc::new(Shop::open(dir.path().join("shop.db"), durable_config()).unwrap());
    let threads = 16u64;
    let per_thread = 25u64;
    let start_flushes = shop.flush_count();
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let shop = shop.clone();
            std::thread::spawn(move || {
                for i in 0..per_thread {
                    register(&shop, 1_000 + t * per_thread + i);
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let flushes = shop.flush_count() - start_flushes;
    let commits = threads * per_thread;
    assert!(
        flushes < commits,
        "{commits} durable commits took {flushes} flushes"
    );
    assert!(flushes > 0);
    for id in 1_000..1_000 + commits {
        assert!(shop.user(uid(id)).unwrap().is_some());
    }
}

#[test]
fn power_safe_policy_works() {
    let dir = tempfile::tempdir().unwrap();
    let shop = Shop::open(
        dir.path().join("shop.db"),
        Config::default().with_durability(Durability::PowerSafe),
    )
    .unwrap();
    register(&shop, 5);
    assert!(shop.flush_count() >= 1);
    drop(shop);
    let shop = Shop::open(dir.path().join("shop.db"), Config::default()).unwrap();
    assert!(shop.user(uid(5)).unwrap().is_some());
}

/// Not a test on its own: as a child process, registers users forever, printing each id
/// once `register_user` has returned (acknowledged), until it is killed.
#[test]
fn child_crash_writer() {
    let Ok(path) = std::env::var(CHILD_ENV) else {
        return;
    };
    let shop = Shop::open(path, durable_config()).unwrap();
    for id in 1.. {
        register(&shop, id);
        println!("ACK {id}");
    }
}

#[test]
fn acknowledged_writes_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shop.db");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["durability::child_crash_writer", "--exact", "--nocapture"])
        .env(CHILD_ENV, &path)
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn child");
    let stdout = child.stdout.take().unwrap();
    let mut acked = 0u64;
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if let Some(id) = line.strip_prefix("ACK ") {
            acked = id.trim().parse().unwrap();
            if acked >= 150 {
                break;
            }
        }
    }
    child.kill().expect("SIGKILL the child");
    child.wait().unwrap();
    assert!(acked >= 150);
    let shop = Shop::open(&path, Config::default()).unwrap();
    for id in 1..=acked {
        assert!(
            shop.user(uid(id)).unwrap().is_some(),
            "acknowledged user {id} was lost"
        );
    }
    let report = shop.verify().unwrap();
    assert!(report.is_healthy(), "{report}");
}
