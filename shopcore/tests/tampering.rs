//! `verify()` sees what a tamperer does (issue 16): each test edits the database directly, as
//! someone with the files would, and expects a named problem. Each of these edits passed as
//! healthy before every ledger entry was bound into its operation's hash-chained audit entry
//! and counters were checked against the last stored key.

use crate::common::{RawStore, TestShop, key, money, new_method, topup_request, uid};
use serde::{Deserialize, Serialize};
use shopcore::wallet::{LedgerEntry, Wallet};
use shopcore::{AuditAction, AuditEntry, LedgerKind, Timestamp};

pub(crate) fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    bincode::serde::encode_to_vec(value, bincode::config::standard()).unwrap()
}

pub(crate) fn decode<T: for<'de> Deserialize<'de>>(bytes: &[u8]) -> T {
    bincode::serde::decode_from_slice(bytes, bincode::config::standard())
        .unwrap()
        .0
}

pub(crate) fn be(n: u64) -> [u8; 8] {
    n.to_be_bytes()
}

/// A shop where user 10 got a 100 USD top-up, a −5 adjustment and a refunded order, then
/// closed; returns the directory.
pub(crate) fn history() -> (crate::common::Place, std::sync::Arc<shopcore::ManualClock>) {
    let t = TestShop::new();
    let owner = t.owner();
    t.user(10, Some("buyer"));
    let shopper = t.shop.actor(uid(10)).unwrap();
    let method = t
        .shop
        .create_payment_method(&owner, &new_method("Bank", "USD", "1", "1000"))
        .unwrap();
    let topup = t
        .shop
        .request_topup(&shopper, &topup_request(method.id, "100", "t1"))
        .unwrap();
    t.shop
        .approve_topup(&owner, topup.id, &key("approve"))
        .unwrap();
    t.shop
        .adjust_balance(&owner, uid(10), money("-5"), "fee", &key("fee"))
        .unwrap();
    let cat = t.shop.create_category(&owner, "Games", 0).unwrap().id;
    let p = t
        .shop
        .create_product(&owner, &crate::common::new_product(cat, "X", "10"))
        .unwrap();
    let order = t
        .shop
        .create_order(&shopper, &crate::orders::by_balance(p.id), &key("o"))
        .unwrap();
    t.shop
        .fail_order(&owner, order.id, "out of codes", &key("f"))
        .unwrap();
    // Views after the money: the tail of the audit log has no ledger entries in it.
    for _ in 0..3 {
        t.shop.dashboard(&owner, Default::default()).unwrap();
    }
    assert!(t.shop.verify().unwrap().is_healthy());
    let TestShop { shop, clock, dir } = t;
    drop(shop);
    (dir, clock)
}

/// Opens the tampered store and returns verify's report as text.
fn report(dir: &crate::common::Place, clock: &std::sync::Arc<shopcore::ManualClock>) -> String {
    let shop = shopcore::Shop::open(dir.location(), crate::common::config(clock)).unwrap();
    let report = shop.verify().unwrap();
    assert!(!report.is_healthy(), "the tampering went unnoticed");
    report.to_string()
}

pub(crate) fn ledger_entries(db: &RawStore) -> Vec<LedgerEntry> {
    db.table("ledger")
        .iter()
        .map(|item| decode(&item.unwrap().1))
        .collect()
}

pub(crate) fn put_ledger(db: &RawStore, entry: &LedgerEntry) {
    db.table("ledger")
        .insert(be(entry.seq), encode(entry))
        .unwrap();
}

pub(crate) fn set_balance(db: &RawStore, user: u64, change: impl FnOnce(&mut Wallet)) {
    let wallets = db.table("wallets");
    let mut wallet: Wallet = decode(&wallets.get(be(user)).unwrap().unwrap());
    change(&mut wallet);
    wallets.insert(be(user), encode(&wallet)).unwrap();
}

/// Rewrites one ledger entry's amount and every later balance of its user, as a careful
/// tamperer would so that the ledger still replays.
fn inflate(db: &RawStore, kind: LedgerKind, new_amount: &str) {
    let entries = ledger_entries(db);
    let target = entries.iter().find(|e| e.kind == kind).unwrap().clone();
    let delta = money(new_amount).checked_sub(target.amount).unwrap();
    for mut entry in entries.into_iter().filter(|e| e.seq >= target.seq) {
        if entry.seq == target.seq {
            entry.amount = money(new_amount);
        } else {
            entry.balance_before = entry.balance_before.checked_add(delta).unwrap();
        }
        entry.balance_after = entry.balance_after.checked_add(delta).unwrap();
        put_ledger(db, &entry);
    }
    set_balance(db, 10, |w| {
        w.balance = w.balance.checked_add(delta).unwrap()
    });
    db.flush().unwrap();
}

#[test]
fn an_adjustment_turned_from_minus_5_into_plus_995_is_named() {
    let (dir, clock) = history();
    inflate(
        &RawStore::open(&dir.location()),
        LedgerKind::Adjustment,
        "995",
    );
    let text = report(&dir, &clock);
    assert!(
        text.contains("ADJUSTMENT 10 995\" but audit entry") && text.contains("(altered)"),
        "{text}"
    );
}

#[test]
fn a_refund_of_10_turned_into_1000_is_named() {
    let (dir, clock) = history();
    inflate(&RawStore::open(&dir.location()), LedgerKind::Refund, "1000");
    let text = report(&dir, &clock);
    assert!(text.contains("REFUND entry is 1000"), "{text}");
    assert!(text.contains("(altered)"), "{text}");
}

#[test]
fn the_newest_ledger_entry_deleted_with_the_wallet_rolled_back_is_named() {
    let (dir, clock) = history();
    let newest = {
        let db = RawStore::open(&dir.location());
        let newest = ledger_entries(&db).pop().unwrap();
        db.table("ledger").remove(be(newest.seq)).unwrap();
        let mut user_key = be(newest.user.get()).to_vec();
        user_key.extend(be(newest.seq));
        db.table("ledger_by_user").remove(user_key).unwrap();
        set_balance(&db, newest.user.get(), |w| {
            w.balance = newest.balance_before;
            w.entries -= 1;
            w.last_entry = Some(newest.seq - 1);
        });
        db.flush().unwrap();
        newest.seq
    };
    // (Numbered in the lane of the process that wrote it: 1099511627776 + 4 in lane 1.)
    let lane = newest >> 40;
    assert_eq!(newest - (lane << 40), 4);
    let of_lane = if lane == 0 {
        String::new()
    } else {
        format!(" of lane {lane}")
    };
    let text = report(&dir, &clock);
    assert!(
        text.contains(&format!(
            "ledger counter{of_lane} is {newest} but the ledger ends at {}",
            newest - 1
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!("which is missing (seq {newest})")),
        "{text}"
    );
}

/// Removes one audit entry and its three index postings, as a tamperer cleaning up would.
pub(crate) fn remove_audit_entry(db: &RawStore, k: &[u8]) {
    db.table("audit").remove(k).unwrap();
    let seq = u64::from_be_bytes(k.try_into().unwrap());
    for index in [
        "audit_actor_postings",
        "audit_action_postings",
        "audit_time_postings",
    ] {
        let tree = db.table(index);
        let chunks: Vec<_> = tree.iter().map(|item| item.unwrap()).collect();
        for (ck, cv) in chunks {
            let mut chunk: Vec<u64> = decode(&cv);
            if let Some(at) = chunk.iter().position(|s| *s == seq) {
                chunk.remove(at);
                if chunk.is_empty() {
                    tree.remove(ck).unwrap();
                } else {
                    tree.insert(ck, encode(&chunk)).unwrap();
                }
            }
        }
    }
}

/// Replaces the first audit entry with `action` by a stub claiming to be a pruned view.
fn replace_by_stub(db: &RawStore, action: AuditAction, stub_action: AuditAction) -> AuditEntry {
    let (k, v) = db
        .table("audit")
        .iter()
        .map(Result::unwrap)
        .find(|(_, v)| decode::<AuditEntry>(v).action == action)
        .unwrap();
    let entry: AuditEntry = decode(&v);
    remove_audit_entry(db, &k);
    db.table("audit_pruned")
        .insert(
            &k,
            encode(&Stub {
                seq: entry.seq,
                at: entry.at,
                action: stub_action,
                prev_hash: entry.prev_hash,
                hash: entry.hash,
                refused: false,
            }),
        )
        .unwrap();
    db.flush().unwrap();
    entry
}

#[derive(Serialize, Deserialize)]
struct Head {
    seq: u64,
    hash: [u8; 32],
}

#[test]
fn an_audit_tail_truncated_with_its_head_rewritten_is_named() {
    let (dir, clock) = history();
    {
        let db = RawStore::open(&dir.location());
        let audit = db.table("audit");
        // Drop the last two entries (views) and every index key of theirs.
        for _ in 0..2 {
            let (k, v) = audit.last().unwrap().unwrap();
            let entry: AuditEntry = decode(&v);
            assert!(entry.action == AuditAction::ViewStats, "{:?}", entry.action);
            remove_audit_entry(&db, &k);
        }
        let (_, v) = audit.last().unwrap().unwrap();
        let last: AuditEntry = decode(&v);
        // Lane 0's head, or another lane's (on PostgreSQL the suites append in another).
        let lane = last.seq >> 40;
        let mut head_key = b"audit_head".to_vec();
        if lane > 0 {
            head_key.push(b'/');
            head_key.extend_from_slice(&lane.to_be_bytes());
        }
        db.table("meta")
            .insert(
                head_key,
                encode(&Head {
                    seq: last.seq,
                    hash: last.hash,
                }),
            )
            .unwrap();
        db.flush().unwrap();
    }
    let text = report(&dir, &clock);
    assert!(text.contains("audit: sequence counter"), "{text}");
    assert!(text.contains("(tail lost or altered)"), "{text}");
}

#[derive(Serialize, Deserialize)]
struct Stub {
    seq: u64,
    at: Timestamp,
    action: AuditAction,
    prev_hash: [u8; 32],
    hash: [u8; 32],
    refused: bool,
}

#[test]
fn an_approval_replaced_by_a_pruned_view_stub_is_named() {
    let (dir, clock) = history();
    replace_by_stub(
        &RawStore::open(&dir.location()),
        AuditAction::ApproveDeposit,
        AuditAction::ViewStats,
    );
    let first = ledger_entries(&RawStore::open(&dir.location()))[0].seq;
    let text = report(&dir, &clock);
    assert!(
        text.contains(&format!(
            "ledger entry {first} is not recorded by any audit entry"
        )),
        "{text}"
    );
}

#[test]
fn a_stub_for_an_action_that_is_never_pruned_is_named() {
    let (dir, clock) = history();
    replace_by_stub(
        &RawStore::open(&dir.location()),
        AuditAction::CreateCategory,
        AuditAction::CreateCategory,
    );
    let text = report(&dir, &clock);
    assert!(text.contains("is never pruned"), "{text}");
}

#[test]
fn a_refund_moved_to_another_order_is_named_from_both_sides() {
    // The binding names seq, kind, user and amount, not the order: the order and the ledger
    // must agree on which entries belong to which order.
    let (dir, clock) = history();
    {
        let db = RawStore::open(&dir.location());
        let mut refund = ledger_entries(&db)
            .into_iter()
            .find(|e| e.kind == LedgerKind::Refund)
            .unwrap();
        refund.reference = shopcore::wallet::LedgerRef::Order(shopcore::OrderId::new(99).unwrap());
        put_ledger(&db, &refund);
        db.flush().unwrap();
    }
    let text = report(&dir, &clock);
    assert!(text.contains("refers to missing order #99"), "{text}");
    assert!(text.contains("has 0 REFUND entries"), "{text}");
}

#[test]
fn a_ledger_entry_cut_out_of_its_users_chain_is_named() {
    // A user's ledger is read newest-first along `prev_for_user`: a link pointed past an
    // entry would hide it from the user's history.
    let (dir, clock) = history();
    {
        let db = RawStore::open(&dir.location());
        let mut newest = ledger_entries(&db).pop().unwrap();
        let hidden = newest.prev_for_user.unwrap();
        newest.prev_for_user = ledger_entries(&db)
            .into_iter()
            .find(|e| e.seq == hidden)
            .unwrap()
            .prev_for_user;
        put_ledger(&db, &newest);
        db.flush().unwrap();
    }
    let text = report(&dir, &clock);
    assert!(text.contains("(chain broken)"), "{text}");
}

#[test]
fn an_account_that_loses_the_head_of_its_order_chain_is_named() {
    // Hiding a user's orders from their history by cutting the chain at its head.
    let (dir, clock) = history();
    {
        let db = RawStore::open(&dir.location());
        set_balance(&db, 10, |w| w.last_order = None);
        db.flush().unwrap();
    }
    let text = report(&dir, &clock);
    assert!(
        text.contains("user 10's account names None as their newest order"),
        "{text}"
    );
}

#[test]
fn records_under_keys_that_are_no_keys_are_reported_and_the_check_goes_on() {
    let (dir, clock) = history();
    {
        let db = RawStore::open(&dir.location());
        // A wallet under a 3-byte key (a user id is 8), and a code fate under a key without
        // its hash: both values are well formed.
        let wallet = db.table("wallets").iter().next().unwrap().unwrap().1;
        db.table("wallets").insert(b"abc", wallet).unwrap();
        // (`CodeFate::Revoked`: the fourth variant, encoded as its index.)
        db.table("codes_seen").insert(be(1), encode(&3u32)).unwrap();
        db.flush().unwrap();
    }
    let text = report(&dir, &clock);
    assert!(text.contains("wallet: bad wallet record"), "{text}");
    assert!(text.contains("a code fate has a malformed key"), "{text}");
    // The rest of the check still ran: the ledger and the audit chain were read and found
    // whole.
    assert!(!text.contains("audit:"), "{text}");
    assert!(!text.contains("ledger entry"), "{text}");
}
