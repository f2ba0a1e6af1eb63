//! `Shop::call`: calls from async code answered by a future, run on a few threads of the
//! shop's own, answered only once durable, in arrival order, panics contained.

use crate::common::uid;
use futures_executor::block_on;
use shopcore::{Config, Durability, Registration, Shop};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

const CHILD_ENV: &str = "SHOPCORE_TEST_CHILD_CALLS";

fn open(path: &std::path::Path, threads: usize) -> Arc<Shop> {
    let config = Config {
        call_threads: threads,
        ..Config::default().with_durability(Durability::Immediate)
    };
    Arc::new(Shop::open(path, config).unwrap())
}

fn registration(id: u64) -> Registration<'static> {
    Registration {
        id: uid(id),
        username: None,
        display_name: "caller",
        language: None,
    }
}

#[test]
fn many_calls_queue_on_a_few_threads_share_flushes_and_all_answer() {
    let dir = tempfile::tempdir().unwrap();
    let shop = open(&dir.path().join("shop.db"), 2);
    let flushes = shop.flush_count();
    // 300 callers at once, none awaited before the last is made: a burst.
    let calls: Vec<_> = (1..=300u64)
        .map(|id| shop.call(move |shop| shop.register_user(&registration(id))))
        .collect();
    assert!(shop.call_threads() <= 2, "{} threads", shop.call_threads());
    for (id, call) in (1..=300u64).zip(calls) {
        let user = block_on(call).expect("no panic").unwrap();
        assert_eq!(user.id, uid(id));
    }
    assert!(shop.call_threads() <= 2, "{} threads", shop.call_threads());
    let flushes = shop.flush_count() - flushes;
    assert!(flushes > 0, "answered without a flush");
    assert!(flushes < 300, "300 commits took {flushes} flushes");
    for id in 1..=300 {
        assert!(shop.user(uid(id)).unwrap().is_some());
    }
}

#[test]
fn calls_start_in_arrival_order() {
    let dir = tempfile::tempdir().unwrap();
    let shop = open(&dir.path().join("shop.db"), 1);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let calls: Vec<_> = (0..50u64)
        .map(|i| {
            let seen = Arc::clone(&seen);
            shop.call(move |shop| {
                seen.lock().unwrap().push(i);
                shop.register_user(&registration(100 + i))
            })
        })
        .collect();
    for call in calls {
        block_on(call).unwrap().unwrap();
    }
    assert_eq!(*seen.lock().unwrap(), (0..50).collect::<Vec<_>>());
}

#[test]
fn refusals_and_panics_come_back_and_the_threads_go_on() {
    let dir = tempfile::tempdir().unwrap();
    let shop = open(&dir.path().join("shop.db"), 1);
    // A refusal is the call's own error.
    let refused = block_on(shop.call(|shop| shop.actor(uid(77)))).expect("no panic");
    assert_eq!(refused.unwrap_err().kind(), "denied.unknown_actor");
    // A panic is answered as a panic, like a joined thread's.
    let panicked = block_on(shop.call(|_| -> shopcore::Result<()> { panic!("a bug") }));
    let payload = panicked.expect_err("the call panicked");
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"a bug"));
    // The one call thread still runs calls.
    let user = block_on(shop.call(|shop| shop.register_user(&registration(5))))
        .unwrap()
        .unwrap();
    assert_eq!(user.id, uid(5));
    assert_eq!(shop.call_threads(), 1);
}

#[test]
fn a_dropped_answer_does_not_cancel_the_call() {
    let dir = tempfile::tempdir().unwrap();
    let shop = open(&dir.path().join("shop.db"), 1);
    drop(shop.call(|shop| shop.register_user(&registration(9))));
    // Calls run in order: once the next one answers, the dropped one has run.
    block_on(shop.call(|shop| shop.register_user(&registration(10))))
        .unwrap()
        .unwrap();
    assert!(shop.user(uid(9)).unwrap().is_some());
}

#[test]
fn the_shop_is_closed_when_the_last_caller_lets_go_after_its_answer() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shop.db");
    let shop = open(&path, 2);
    block_on(shop.call(|shop| shop.register_user(&registration(3))))
        .unwrap()
        .unwrap();
    drop(shop);
    // The call and flusher threads held the shop only until they answered: it is closed,
    // so it opens again at once (sled refuses a second open of a database in use).
    let shop = Shop::open(&path, Config::default()).unwrap();
    assert!(shop.user(uid(3)).unwrap().is_some());
}

/// Not a test on its own: as a child process, registers users through `Shop::call`, eight
/// calls in flight at a time, printing each id once its future has answered, until killed.
#[test]
fn child_call_writer() {
    let Ok(path) = std::env::var(CHILD_ENV) else {
        return;
    };
    let shop = open(std::path::Path::new(&path), 4);
    let mut next = 1u64;
    loop {
        let calls: Vec<_> = (next..next + 8)
            .map(|id| {
                (
                    id,
                    shop.call(move |shop| shop.register_user(&registration(id))),
                )
            })
            .collect();
        for (id, call) in calls {
            block_on(call).unwrap().unwrap();
            println!("ACK {id}");
        }
        next += 8;
    }
}

#[test]
fn what_a_call_answered_survives_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shop.db");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["calls::child_call_writer", "--exact", "--nocapture"])
        .env(CHILD_ENV, &path)
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn child");
    let stdout = child.stdout.take().unwrap();
    let mut acked = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if let Some(id) = line.strip_prefix("ACK ") {
            acked.push(id.trim().parse::<u64>().unwrap());
            if acked.len() >= 300 {
                break;
            }
        }
    }
    child.kill().expect("SIGKILL the child");
    child.wait().unwrap();
    assert!(acked.len() >= 300);
    let shop = Shop::open(&path, Config::default()).unwrap();
    for id in acked {
        assert!(
            shop.user(uid(id)).unwrap().is_some(),
            "user {id}, answered by a call, was lost"
        );
    }
    let report = shop.verify().unwrap();
    assert!(report.is_healthy(), "{report}");
}
