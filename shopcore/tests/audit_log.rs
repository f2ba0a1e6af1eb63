//! The audit log: queries and pagination, and tamper detection by `verify()`.

use crate::common::{TestShop, config, uid};
use shopcore::audit::Outcome;
use shopcore::{ActorRef, AuditAction, AuditEntry, AuditQuery, Error, Role, Shop, Timestamp};

fn history() -> TestShop {
    let t = TestShop::new();
    let operator = t.staff(2, Role::Operator);
    for id in 10..30 {
        t.clock.advance_millis(1_000);
        t.user(id, None);
        if id % 2 == 0 {
            t.shop.ban_user(&operator, uid(id), "spam").unwrap();
        }
    }
    t
}

fn all_pages(t: &TestShop, query: AuditQuery) -> Vec<AuditEntry> {
    let mut out = Vec::new();
    let mut query = query;
    loop {
        let page = t.shop.audit_log(&t.owner(), &query).unwrap();
        assert!(page.entries.len() <= query.limit);
        out.extend(page.entries);
        match page.next {
            Some(cursor) => query.cursor = Some(cursor),
            None => return out,
        }
    }
}

#[test]
fn queries_filter_and_paginate() {
    let t = history();
    let everything = all_pages(
        &t,
        AuditQuery {
            limit: 3,
            ..Default::default()
        },
    );
    let seqs: Vec<u64> = everything.iter().map(|e| e.seq).collect();
    let base = seqs[0] >> 40 << 40;
    let expected: Vec<u64> = (1..=seqs.len() as u64).rev().map(|n| base + n).collect();
    assert_eq!(seqs, expected, "every entry once, newest first");

    let bans = all_pages(
        &t,
        AuditQuery {
            action: Some(AuditAction::BanUser),
            limit: 4,
            ..Default::default()
        },
    );
    assert_eq!(bans.len(), 10);
    assert!(
        bans.iter()
            .all(|e| e.action == AuditAction::BanUser && e.outcome == Outcome::Done)
    );

    let by_operator = all_pages(
        &t,
        AuditQuery {
            actor: Some(ActorRef::User(uid(2))),
            limit: 5,
            ..Default::default()
        },
    );
    assert_eq!(by_operator.len(), 11, "registration + 10 bans");

    // Users 10..=14 registered at START + 1s..5s.
    let since = Timestamp(crate::common::START.millis() + 1_000);
    let until = Timestamp(crate::common::START.millis() + 6_000);
    let window = all_pages(
        &t,
        AuditQuery {
            since: Some(since),
            until: Some(until),
            action: Some(AuditAction::RegisterUser),
            limit: 2,
            ..Default::default()
        },
    );
    let targets: Vec<String> = window.iter().map(|e| format!("{:?}", e.target)).collect();
    assert_eq!(window.len(), 5, "{targets:?}");
    assert!(window.iter().all(|e| e.at >= since && e.at < until));

    let err = t
        .shop
        .audit_log(
            &t.owner(),
            &AuditQuery {
                limit: 0,
                ..Default::default()
            },
        )
        .unwrap_err();
    assert_eq!(err.kind(), "invalid.page_size");
    assert!(AuditAction::parse("ban_user").is_ok());
    assert!(AuditAction::parse("HACK").is_err());
}

#[test]
fn reading_needs_view_audit_logs() {
    let t = history();
    let support = t.staff(3, Role::Support);
    let err = t
        .shop
        .audit_log(
            &support,
            &AuditQuery {
                limit: 10,
                ..Default::default()
            },
        )
        .unwrap_err();
    assert!(matches!(err, Error::Denied(_)), "{err}");
}

/// Closes the shop, applies `tamper` to the raw audit table, reopens, returns the report.
/// `tamper` gets the newest entry's sequence number and the number before the first of its
/// lane (0 but on PostgreSQL, where the suites append in another lane).
fn tampered(tamper: impl FnOnce(&crate::common::RawTable<'_>, u64, u64)) -> Vec<String> {
    let t = history();
    assert!(t.shop.verify().unwrap().is_healthy());
    let last = t
        .shop
        .audit_log(
            &t.owner(),
            &AuditQuery {
                limit: 1,
                ..Default::default()
            },
        )
        .unwrap()
        .entries[0]
        .seq;
    let crate::common::TestShop { shop, clock, dir } = t;
    drop(shop);
    {
        let db = crate::common::RawStore::open(&dir.location());
        tamper(&db.table("audit"), last, last >> 40 << 40);
        db.flush().unwrap();
    }
    let shop = Shop::open(dir.location(), config(&clock)).unwrap();
    shop.verify().unwrap().problems
}

fn decode(bytes: &[u8]) -> AuditEntry {
    bincode::serde::decode_from_slice(bytes, bincode::config::standard())
        .unwrap()
        .0
}

fn encode(entry: &AuditEntry) -> Vec<u8> {
    bincode::serde::encode_to_vec(entry, bincode::config::standard()).unwrap()
}

#[test]
fn editing_an_entry_is_detected() {
    let mut fifth = 0;
    let problems = tampered(|tree, _, base| {
        fifth = base + 5;
        let key = fifth.to_be_bytes();
        let mut entry = decode(&tree.get(key).unwrap().unwrap());
        entry.actor = ActorRef::System("nobody".into());
        tree.insert(key, encode(&entry)).unwrap();
    });
    assert!(
        problems
            .iter()
            .any(|p| p.contains(&format!("entry {fifth} was altered"))),
        "{problems:?}"
    );
}

#[test]
fn rehashing_an_edited_entry_still_breaks_the_chain() {
    let mut fifth = 0;
    let problems = tampered(|tree, _, base| {
        fifth = base + 5;
        let key = fifth.to_be_bytes();
        let mut entry = decode(&tree.get(key).unwrap().unwrap());
        entry.details.clear();
        // A forger who recomputes this entry's hash breaks the link to the next one.
        entry.hash = entry.compute_hash().unwrap();
        tree.insert(key, encode(&entry)).unwrap();
    });
    assert!(
        !problems
            .iter()
            .any(|p| p.contains(&format!("entry {fifth} was altered"))),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.contains(&format!("entry {} does not follow", fifth + 1))),
        "{problems:?}"
    );
}

#[test]
fn deleting_a_middle_entry_is_detected() {
    let mut seventh = 0;
    let problems = tampered(|tree, _, base| {
        seventh = base + 7;
        tree.remove(seventh.to_be_bytes()).unwrap();
    });
    assert!(
        problems
            .iter()
            .any(|p| p.contains(&format!("expected entry {seventh}"))),
        "{problems:?}"
    );
}

#[test]
fn deleting_the_newest_entry_is_detected() {
    let problems = tampered(|tree, last, _| {
        tree.remove(last.to_be_bytes()).unwrap();
    });
    assert!(
        problems.iter().any(|p| p.contains("tail lost")),
        "{problems:?}"
    );
}

#[test]
fn pruning_views_keeps_money_and_a_verifiable_chain() {
    use shopcore::retention::RetentionPolicy;
    let t = TestShop::new();
    let owner = t.owner();
    t.user(10, None);
    for i in 0..5 {
        t.shop
            .dashboard(&owner, shopcore::DashboardOptions::default())
            .unwrap();
        t.shop
            .adjust_balance(
                &owner,
                uid(10),
                crate::common::money("1"),
                "gift",
                &crate::common::key(&format!("k{i}")),
            )
            .unwrap();
        t.shop.set_session("telegram", i, b"old").unwrap();
    }
    t.clock.advance_millis(90 * Timestamp::MILLIS_PER_DAY);
    t.shop.set_session("telegram", 99, b"fresh").unwrap();
    t.shop
        .dashboard(&owner, shopcore::DashboardOptions::default())
        .unwrap();
    let before = all_pages(
        &t,
        AuditQuery {
            limit: 50,
            ..Default::default()
        },
    )
    .len();

    let cutoff = Timestamp(t.shop.now().millis() - 30 * Timestamp::MILLIS_PER_DAY);
    let policy = RetentionPolicy::everything_before(cutoff);
    let report = t.shop.prune(&owner, &policy).unwrap();
    assert_eq!(
        (report.audit_entries, report.sessions, report.more),
        (5, 5, false)
    );
    let after = all_pages(
        &t,
        AuditQuery {
            limit: 50,
            ..Default::default()
        },
    );
    assert_eq!(
        after.len(),
        before - 5 + 1,
        "5 old views gone, the prune itself recorded"
    );
    assert_eq!(
        after
            .iter()
            .filter(|e| e.action == AuditAction::AdjustBalance)
            .count(),
        5,
        "money entries stay"
    );
    assert_eq!(
        after
            .iter()
            .filter(|e| e.action == AuditAction::ViewStats)
            .count(),
        1,
        "the recent view stays"
    );
    assert_eq!(
        t.shop.session("telegram", 99).unwrap().as_deref(),
        Some(&b"fresh"[..])
    );
    assert_eq!(t.shop.session("telegram", 0).unwrap(), None);
    assert!(
        t.shop.verify().unwrap().is_healthy(),
        "{}",
        t.shop.verify().unwrap()
    );
    // Nothing left to prune; the chain still verifies after a reopen and a backup round trip.
    assert_eq!(t.shop.prune(&owner, &policy).unwrap().audit_entries, 0);
    let t = t.reopen();
    assert!(t.shop.verify().unwrap().is_healthy());
    let file = t.dir.path().join("pruned.bak");
    t.shop.backup(&t.owner(), &file).unwrap();
    let restored =
        Shop::restore(&file, t.dir.path().join("restored.db"), config(&t.clock)).unwrap();
    assert!(restored.verify().unwrap().is_healthy());
    // Support staff can't prune.
    let support = t.staff(3, Role::Support);
    assert!(t.shop.prune(&support, &policy).is_err());
}

// ---------------------------------------------------------------- indexes after the fact

/// Entries in each raw audit index of the closed shop `t` (the sequence numbers its chunks
/// hold); returns the shop reopened.
fn index_sizes(t: TestShop) -> (TestShop, [usize; 3]) {
    let path = t.path();
    let TestShop { shop, clock, dir } = t;
    drop(shop);
    let sizes = {
        let raw = crate::common::RawStore::open(&path);
        [
            "audit_actor_postings",
            "audit_action_postings",
            "audit_time_postings",
        ]
        .map(|name| {
            raw.table(name)
                .iter()
                .map(|item| crate::tampering::decode::<Vec<u64>>(&item.unwrap().1).len())
                .sum()
        })
    };
    let shop = Shop::open(&path, config(&clock)).unwrap();
    (TestShop { shop, clock, dir }, sizes)
}

#[test]
fn appends_write_no_index_keys_and_queries_catch_up_first() {
    let t = history();
    let (t, sizes) = index_sizes(t);
    assert_eq!(sizes, [0, 0, 0], "appending wrote index keys");
    assert!(t.shop.verify().unwrap().is_healthy());
    // A filtered query indexes what is pending first, so it finds every entry.
    let operator = ActorRef::User(uid(2));
    let by_operator = all_pages(
        &t,
        AuditQuery {
            actor: Some(operator.clone()),
            limit: 4,
            ..Default::default()
        },
    );
    let everything = all_pages(
        &t,
        AuditQuery {
            limit: 200,
            ..Default::default()
        },
    );
    let expected: Vec<u64> = everything
        .iter()
        .filter(|e| e.actor == operator)
        .map(|e| e.seq)
        .collect();
    assert!(expected.len() >= 10, "ten bans by the operator, at least");
    assert_eq!(
        by_operator.iter().map(|e| e.seq).collect::<Vec<_>>(),
        expected
    );
    let (t, sizes) = index_sizes(t);
    let entries = everything.len();
    assert_eq!(sizes, [entries; 3]);
    // Later entries wait for the next query or the background call.
    t.user(99, None);
    t.user(98, None);
    assert_eq!(t.shop.index_audit_log().unwrap(), 2);
    assert_eq!(t.shop.index_audit_log().unwrap(), 0);
    let (t, sizes) = index_sizes(t);
    assert_eq!(sizes, [entries + 2; 3]);
    assert!(t.shop.verify().unwrap().is_healthy());
}

#[test]
fn indexing_while_others_append_misses_nothing() {
    let t = std::sync::Arc::new(history());
    let writers: Vec<_> = (0..3u64)
        .map(|w| {
            let t = std::sync::Arc::clone(&t);
            std::thread::spawn(move || {
                for i in 0..40 {
                    t.user(1_000 + w * 100 + i, None);
                }
            })
        })
        .collect();
    let indexer = {
        let t = std::sync::Arc::clone(&t);
        std::thread::spawn(move || {
            let mut total = 0;
            for _ in 0..50 {
                total += t.shop.index_audit_log().unwrap();
            }
            total
        })
    };
    for w in writers {
        w.join().unwrap();
    }
    indexer.join().unwrap();
    let t = std::sync::Arc::into_inner(t).unwrap();
    t.shop.index_audit_log().unwrap();
    let expected = all_pages(
        &t,
        AuditQuery {
            limit: 200,
            ..Default::default()
        },
    )
    .into_iter()
    .filter(|e| e.action == AuditAction::RegisterUser)
    .count();
    assert!(expected >= 140);
    let registrations = all_pages(
        &t,
        AuditQuery {
            action: Some(AuditAction::RegisterUser),
            limit: 200,
            ..Default::default()
        },
    );
    assert_eq!(
        registrations.len(),
        expected,
        "every registration is in the action index"
    );
    let report = t.shop.verify().unwrap();
    assert!(report.is_healthy(), "{report}");
}

/// Raw keys in each audit index table of the closed shop `t`; returns the shop reopened.
fn index_keys(t: TestShop) -> (TestShop, [usize; 3]) {
    let path = t.path();
    let TestShop { shop, clock, dir } = t;
    drop(shop);
    let keys = {
        let raw = crate::common::RawStore::open(&path);
        [
            "audit_actor_postings",
            "audit_action_postings",
            "audit_time_postings",
        ]
        .map(|name| raw.table(name).len())
    };
    let shop = Shop::open(&path, config(&clock)).unwrap();
    (TestShop { shop, clock, dir }, keys)
}

/// 1,800 entries over 150 hours by two actors: more than one chunk per actor, action and
/// hour, so every filter pages across chunk and hour boundaries.
fn long_history() -> TestShop {
    let t = TestShop::new();
    let operator = t.staff(2, Role::Operator);
    t.user(50, None);
    let owner = t.owner();
    for i in 0..1_800 {
        t.clock.advance_millis(5 * 60 * 1_000);
        if i % 3 == 0 {
            if i % 2 == 0 {
                t.shop.ban_user(&operator, uid(50), "spam").unwrap();
            } else {
                t.shop.unban_user(&operator, uid(50)).unwrap();
            }
        } else {
            t.shop
                .dashboard(&owner, shopcore::DashboardOptions::default())
                .unwrap();
        }
    }
    t
}

#[test]
fn filters_page_across_index_chunks_and_hours() {
    let t = long_history();
    let everything = all_pages(
        &t,
        AuditQuery {
            limit: 200,
            ..Default::default()
        },
    );
    assert!(everything.len() > 1_800);
    let seqs = |entries: &[AuditEntry]| entries.iter().map(|e| e.seq).collect::<Vec<_>>();
    let expect = |keep: &dyn Fn(&AuditEntry) -> bool| -> Vec<u64> {
        everything
            .iter()
            .filter(|e| keep(e))
            .map(|e| e.seq)
            .collect()
    };
    let owner = ActorRef::User(uid(1));
    let by_owner = all_pages(
        &t,
        AuditQuery {
            actor: Some(owner.clone()),
            limit: 97,
            ..Default::default()
        },
    );
    assert!(by_owner.len() > 1_024, "more than one chunk");
    assert_eq!(seqs(&by_owner), expect(&|e| e.actor == owner));
    let views = all_pages(
        &t,
        AuditQuery {
            action: Some(AuditAction::ViewStats),
            limit: 200,
            ..Default::default()
        },
    );
    assert_eq!(
        seqs(&views),
        expect(&|e| e.action == AuditAction::ViewStats)
    );
    // A window of whole and part hours, alone and with an action.
    let since = Timestamp(crate::common::START.millis() + 10 * 3_600_000 + 123_456);
    let until = Timestamp(crate::common::START.millis() + 60 * 3_600_000 + 1);
    let window = all_pages(
        &t,
        AuditQuery {
            since: Some(since),
            until: Some(until),
            limit: 33,
            ..Default::default()
        },
    );
    assert!(window.len() > 500);
    assert_eq!(seqs(&window), expect(&|e| e.at >= since && e.at < until));
    let unbans = all_pages(
        &t,
        AuditQuery {
            since: Some(since),
            action: Some(AuditAction::UnbanUser),
            limit: 7,
            ..Default::default()
        },
    );
    assert_eq!(
        seqs(&unbans),
        expect(&|e| e.at >= since && e.action == AuditAction::UnbanUser)
    );
    // Chunks, not a key per entry: a few actors and actions, 151 hours.
    let (t, postings) = index_sizes(t);
    let (t, keys) = index_keys(t);
    assert_eq!(postings, [everything.len(); 3]);
    assert!(keys[0] <= 3 * 2, "actor chunks: {keys:?}");
    assert!(keys[1] <= 8 * 2, "action chunks: {keys:?}");
    assert!(keys[2] <= 151 + 2, "hour chunks: {keys:?}");
    assert!(t.shop.verify().unwrap().is_healthy());
}

#[test]
fn verify_finds_an_index_posting_moved_to_another_chunk() {
    let t = history();
    t.shop.index_audit_log().unwrap();
    assert!(t.shop.verify().unwrap().is_healthy());
    let path = t.path();
    let TestShop { shop, clock, dir } = t;
    drop(shop);
    {
        // One of the operator's bans moved into the owner's chunk: as many postings as
        // before, each chunk still sorted, but one in the wrong actor's.
        use crate::tampering::{decode, encode};
        let raw = crate::common::RawStore::open(&path);
        let table = raw.table("audit_actor_postings");
        let chunks: Vec<_> = table.iter().map(|item| item.unwrap()).collect();
        let (from_key, from) = chunks
            .iter()
            .map(|(k, v)| (k.clone(), decode::<Vec<u64>>(v)))
            .max_by_key(|(_, c)| c.len())
            .unwrap();
        let (to_key, to) = chunks
            .iter()
            .map(|(k, v)| (k.clone(), decode::<Vec<u64>>(v)))
            .find(|(k, _)| *k != from_key)
            .unwrap();
        let moved = from[0];
        let mut to = to;
        to.push(moved);
        to.sort_unstable();
        table
            .insert(&from_key, encode(&from[1..].to_vec()))
            .unwrap();
        table.insert(&to_key, encode(&to)).unwrap();
    }
    crate::common::assert_verify_reports(&path, &clock, "the actor index does not match");
    drop(dir);
}

/// Shown to people (JSON: the console's `--json`, PostgreSQL's `body`), an entry's hashes are
/// 64 hex digits; encoded for the store they are still the 32 bytes every hash covers.
#[test]
fn hashes_read_as_hex_in_json_and_stay_bytes_in_the_store() {
    let t = history();
    let entry = crate::common::last_audit(&t);
    let json = serde_json::to_value(&entry).unwrap();
    let hex: String = entry.hash.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(json["hash"], serde_json::Value::String(hex));
    assert_eq!(json["prev_hash"].as_str().map(str::len), Some(64));
    let back: AuditEntry = serde_json::from_value(json).unwrap();
    assert_eq!(back, entry);
    let bytes = bincode::serde::encode_to_vec(&entry, bincode::config::standard()).unwrap();
    assert!(
        bytes.windows(32).any(|w| w == entry.hash),
        "the encoding holds the hash's bytes"
    );
    assert_eq!(entry.compute_hash().unwrap(), entry.hash);
    let bad = serde_json::json!("zz");
    assert!(serde_json::from_value::<AuditEntry>(serde_json::json!({"hash": bad})).is_err());
}
