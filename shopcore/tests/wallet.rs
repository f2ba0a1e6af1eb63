//! Wallets: SEED pre-release tests 8 and 9, idempotency, adjustments, races, refusals.

use crate::common::{TestShop, key, last_audit, money, new_method, refused, topup_request, uid};
use shopcore::{
    AuditAction, Denied, Error, LedgerKind, LedgerRef, MethodFilter, PaymentMethodError,
    PaymentMethodId, Proof, Role, StoreState, Target, TopupId, TopupStatus, WalletError,
};
use std::sync::Arc;

struct Fixture {
    t: TestShop,
    method: PaymentMethodId,
    shopper: shopcore::Actor,
    support: shopcore::Actor,
}

fn fixture() -> Fixture {
    let t = TestShop::new();
    let method = t
        .shop
        .create_payment_method(&t.owner(), &new_method("Bank", "USD", "1", "500"))
        .unwrap()
        .id;
    t.user(10, Some("shopper"));
    let shopper = t.shop.actor(uid(10)).unwrap();
    let support = t.staff(3, Role::Support);
    Fixture {
        t,
        method,
        shopper,
        support,
    }
}

#[test]
fn seed_test_8_top_up_a_balance() {
    let Fixture {
        t,
        method,
        shopper,
        support,
    } = fixture();
    let topup = t
        .shop
        .request_topup(&shopper, &topup_request(method, "25.50", "u1"))
        .unwrap();
    assert_eq!(topup.status, TopupStatus::Pending);
    assert_eq!(topup.amount_usd, money("25.5"));
    assert_eq!(t.shop.wallet(uid(10)).unwrap().pending_topups, 1);
    assert_eq!(
        t.shop.payment_method(method).unwrap().unwrap().pending_uses,
        1
    );
    assert_eq!(last_audit(&t).action, AuditAction::RequestDeposit);
    assert_eq!(t.shop.balance(uid(10)).unwrap(), money("0"));
    let queue = t.shop.pending_topups(&support, None, 10).unwrap();
    assert_eq!(
        queue.iter().map(|x| x.id).collect::<Vec<_>>(),
        vec![topup.id]
    );

    let approved = t
        .shop
        .approve_topup(&support, topup.id, &key("a1"))
        .unwrap();
    assert_eq!(approved.status, TopupStatus::Approved);
    assert_eq!(t.shop.balance(uid(10)).unwrap(), money("25.5"));
    let wallet = t.shop.wallet(uid(10)).unwrap();
    assert_eq!((wallet.pending_topups, wallet.entries), (0, 1));
    assert_eq!(
        t.shop.payment_method(method).unwrap().unwrap().pending_uses,
        0
    );
    assert!(
        t.shop
            .pending_topups(&support, None, 10)
            .unwrap()
            .is_empty()
    );

    let page = t.shop.ledger(&shopper, uid(10), None, 10).unwrap();
    let entry = &page.entries[0];
    assert_eq!(entry.kind, LedgerKind::Topup);
    assert_eq!(entry.reference, LedgerRef::Topup(topup.id));
    assert_eq!(
        (entry.balance_before, entry.balance_after),
        (money("0"), money("25.5"))
    );
    assert_eq!(approved.ledger_seq, Some(entry.seq));

    let audit = last_audit(&t);
    assert_eq!(
        (audit.action, audit.target),
        (AuditAction::ApproveDeposit, Target::Topup(topup.id))
    );
    assert!(
        audit
            .details
            .iter()
            .any(|d| d.field == "balance" && d.after.as_deref() == Some("25.5"))
    );
    assert!(
        t.shop.verify().unwrap().is_healthy(),
        "{}",
        t.shop.verify().unwrap()
    );
}

#[test]
fn seed_test_9_approve_and_reject_exactly_once() {
    let Fixture {
        t,
        method,
        shopper,
        support,
    } = fixture();
    let operator = t.staff(2, Role::Operator);
    let a = t
        .shop
        .request_topup(&shopper, &topup_request(method, "10", "r1"))
        .unwrap();
    let b = t
        .shop
        .request_topup(&shopper, &topup_request(method, "20", "r2"))
        .unwrap();

    let rejected = t
        .shop
        .reject_topup(&support, b.id, "no such transfer", &key("rej-b"))
        .unwrap();
    assert_eq!(rejected.status, TopupStatus::Rejected);
    assert_eq!(rejected.reject_reason.as_deref(), Some("no such transfer"));
    assert_eq!(last_audit(&t).action, AuditAction::RejectDeposit);
    assert_eq!(t.shop.balance(uid(10)).unwrap(), money("0"));

    t.shop.approve_topup(&support, a.id, &key("app-a")).unwrap();
    // Replaying the same request returns the first result and credits nothing more.
    let replay = t.shop.approve_topup(&support, a.id, &key("app-a")).unwrap();
    assert_eq!(replay.status, TopupStatus::Approved);
    assert_eq!(t.shop.balance(uid(10)).unwrap(), money("10"));

    // Any other decision on a decided top-up is refused and changes nothing.
    let err = refused(&t, || t.shop.approve_topup(&operator, a.id, &key("again")));
    assert!(
        matches!(
            err,
            Error::Wallet(WalletError::AlreadyDecided {
                status: TopupStatus::Approved,
                ..
            })
        ),
        "{err}"
    );
    let err = refused(&t, || {
        t.shop.reject_topup(&operator, a.id, "late", &key("late"))
    });
    assert_eq!(err.kind(), "wallet.already_decided");
    let err = refused(&t, || {
        t.shop
            .approve_topup(&operator, b.id, &key("b-after-reject"))
    });
    assert!(
        matches!(
            err,
            Error::Wallet(WalletError::AlreadyDecided {
                status: TopupStatus::Rejected,
                ..
            })
        ),
        "{err}"
    );
    // The same key for a different request is refused.
    let err = refused(&t, || {
        t.shop.reject_topup(&support, a.id, "other", &key("app-a"))
    });
    assert_eq!(err.kind(), "invalid.request_key_reused");
    assert!(t.shop.verify().unwrap().is_healthy());
}

#[test]
fn topup_requests_are_idempotent() {
    let Fixture {
        t, method, shopper, ..
    } = fixture();
    let first = t
        .shop
        .request_topup(&shopper, &topup_request(method, "10", "same"))
        .unwrap();
    let again = t
        .shop
        .request_topup(&shopper, &topup_request(method, "10", "same"))
        .unwrap();
    assert_eq!(first, again);
    assert_eq!(t.shop.wallet(uid(10)).unwrap().pending_topups, 1);
    let err = refused(&t, || {
        t.shop
            .request_topup(&shopper, &topup_request(method, "11", "same"))
    });
    assert_eq!(err.kind(), "invalid.request_key_reused");
    // Keys are scoped to the actor: another shopper may use the same string.
    t.user(11, None);
    let other = t.shop.actor(uid(11)).unwrap();
    let theirs = t
        .shop
        .request_topup(&other, &topup_request(method, "10", "same"))
        .unwrap();
    assert_ne!(theirs.id, first.id);
}

#[test]
fn foreign_currency_topups_record_the_rate() {
    let Fixture {
        t,
        shopper,
        support,
        ..
    } = fixture();
    let owner = t.owner();
    t.shop
        .add_currency(&owner, "EGP", "E£", 2, money("50"))
        .unwrap();
    t.shop
        .add_currency(&owner, "IQD", "ع.د", 0, money("1310"))
        .unwrap();
    let egp = t
        .shop
        .create_payment_method(&owner, &new_method("InstaPay", "EGP", "50", "50000"))
        .unwrap();
    let iqd = t
        .shop
        .create_payment_method(&owner, &new_method("ZainCash", "IQD", "1000", "5000000"))
        .unwrap();
    let topup = t
        .shop
        .request_topup(&shopper, &topup_request(egp.id, "512.50", "e1"))
        .unwrap();
    assert_eq!(
        (
            topup.currency.as_str(),
            topup.units_per_usd,
            topup.amount_usd
        ),
        ("EGP", money("50"), money("10.25"))
    );
    // A later rate change does not touch what approval credits.
    t.shop
        .set_exchange_rate(&owner, "EGP", money("60"))
        .unwrap();
    t.shop
        .approve_topup(&support, topup.id, &key("ok"))
        .unwrap();
    assert_eq!(t.shop.balance(uid(10)).unwrap(), money("10.25"));
    let err = refused(&t, || {
        t.shop
            .request_topup(&shopper, &topup_request(iqd.id, "1500.5", "i1"))
    });
    assert_eq!(err.kind(), "amount.too_many_decimals");
    let ok = t
        .shop
        .request_topup(&shopper, &topup_request(iqd.id, "13100", "i2"))
        .unwrap();
    assert_eq!(ok.amount_usd, money("10"));
}

#[test]
fn bad_topups_are_refused() {
    let Fixture {
        t,
        method,
        shopper,
        support,
    } = fixture();
    let owner = t.owner();
    for (amount, kind) in [
        ("0", "amount.not_positive"),
        ("-5", "amount.not_positive"),
        ("0.5", "amount.too_small"),
        ("500.01", "amount.too_large"),
        ("1.001", "amount.too_many_decimals"),
        ("100000000000", "amount.too_large"),
    ] {
        let err = refused(&t, || {
            t.shop
                .request_topup(&shopper, &topup_request(method, amount, "k"))
        });
        assert_eq!(err.kind(), kind, "{amount}");
    }
    let missing = PaymentMethodId::new(99).unwrap();
    let err = refused(&t, || {
        t.shop
            .request_topup(&shopper, &topup_request(missing, "5", "k"))
    });
    assert_eq!(err.kind(), "payment_method.not_found");
    let inactive = t
        .shop
        .create_payment_method(&owner, &new_method("Off", "USD", "1", "9"))
        .unwrap();
    t.shop
        .update_payment_method(
            &owner,
            inactive.id,
            shopcore::PaymentMethodChange::Active(false),
        )
        .unwrap();
    let err = refused(&t, || {
        t.shop
            .request_topup(&shopper, &topup_request(inactive.id, "5", "k"))
    });
    assert_eq!(err.kind(), "payment_method.inactive");
    t.shop.delete_payment_method(&owner, inactive.id).unwrap();
    let err = refused(&t, || {
        t.shop
            .request_topup(&shopper, &topup_request(inactive.id, "5", "k"))
    });
    assert_eq!(err.kind(), "payment_method.deleted");

    let mut empty_proof = topup_request(method, "5", "k");
    empty_proof.proof = Proof::Text("  ".into());
    assert_eq!(
        refused(&t, || t.shop.request_topup(&shopper, &empty_proof)).kind(),
        "invalid.empty_text"
    );
    let mut bad_file = topup_request(method, "5", "k");
    bad_file.proof = Proof::File {
        reference: "x".repeat(201),
        caption: None,
    };
    assert_eq!(
        refused(&t, || t.shop.request_topup(&shopper, &bad_file)).kind(),
        "invalid.text_too_long"
    );
    assert_eq!(
        shopcore::RequestKey::new("has space").unwrap_err().kind(),
        "invalid.request_key"
    );
    assert_eq!(
        shopcore::RequestKey::new("").unwrap_err().kind(),
        "invalid.request_key"
    );

    let console = t.shop.system_actor("console").unwrap();
    let err = refused(&t, || {
        t.shop
            .request_topup(&console, &topup_request(method, "5", "k"))
    });
    assert_eq!(err.kind(), "denied.not_a_user");

    // Reviewing: unknown id, a plain user, one's own top-up.
    let unknown = TopupId::new(999).unwrap();
    let err = refused(&t, || t.shop.approve_topup(&support, unknown, &key("x")));
    assert_eq!(err.kind(), "wallet.topup_not_found");
    let mine = t
        .shop
        .request_topup(&shopper, &topup_request(method, "5", "mine"))
        .unwrap();
    let err = refused(&t, || t.shop.approve_topup(&shopper, mine.id, &key("self")));
    assert!(
        matches!(
            err,
            Error::Denied(Denied::MissingPermission {
                role: Role::User,
                ..
            })
        ),
        "{err}"
    );
    let staff_topup = t
        .shop
        .request_topup(&support, &topup_request(method, "5", "staff"))
        .unwrap();
    let err = refused(&t, || {
        t.shop.approve_topup(&support, staff_topup.id, &key("self"))
    });
    assert!(
        matches!(err, Error::Denied(Denied::SelfAction { .. })),
        "{err}"
    );
    let err = refused(&t, || t.shop.reject_topup(&support, mine.id, "", &key("r")));
    assert_eq!(err.kind(), "invalid.empty_text");
    assert!(t.shop.verify().unwrap().is_healthy());
}

#[test]
fn pending_topups_are_limited_per_user() {
    let Fixture {
        t,
        method,
        shopper,
        support,
    } = fixture();
    for i in 0..3 {
        t.shop
            .request_topup(&shopper, &topup_request(method, "5", &format!("p{i}")))
            .unwrap();
    }
    let err = refused(&t, || {
        t.shop
            .request_topup(&shopper, &topup_request(method, "5", "p3"))
    });
    assert!(
        matches!(
            err,
            Error::Wallet(WalletError::TooManyPendingTopups { pending: 3, max: 3 })
        ),
        "{err}"
    );
    let first = t.shop.pending_topups(&support, None, 1).unwrap()[0].id;
    t.shop
        .reject_topup(&support, first, "dup", &key("x"))
        .unwrap();
    t.shop
        .request_topup(&shopper, &topup_request(method, "5", "p3"))
        .unwrap();
}

#[test]
fn a_method_with_a_pending_topup_cannot_be_deleted() {
    let Fixture {
        t,
        method,
        shopper,
        support,
    } = fixture();
    let owner = t.owner();
    let topup = t
        .shop
        .request_topup(&shopper, &topup_request(method, "5", "k"))
        .unwrap();
    let err = refused(&t, || t.shop.delete_payment_method(&owner, method));
    assert!(
        matches!(
            err,
            Error::PaymentMethod(PaymentMethodError::InUse { pending: 1, .. })
        ),
        "{err}"
    );
    assert!(err.to_string().contains("pending"), "{err}");
    t.shop
        .approve_topup(&support, topup.id, &key("ok"))
        .unwrap();
    t.shop.delete_payment_method(&owner, method).unwrap();
    // History still resolves the deleted method.
    let stored = t.shop.topup(&shopper, topup.id).unwrap();
    assert_eq!(
        t.shop.payment_method(stored.method).unwrap().unwrap().name,
        "Bank"
    );
    assert!(
        t.shop
            .payment_methods_panel(&owner, MethodFilter::NotDeleted)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn adjustments() {
    let Fixture {
        t,
        shopper,
        support,
        ..
    } = fixture();
    let operator = t.staff(2, Role::Operator);
    let credit = t
        .shop
        .adjust_balance(&operator, uid(10), money("30"), "compensation", &key("c1"))
        .unwrap();
    assert_eq!(
        (credit.kind, credit.balance_after),
        (LedgerKind::Adjustment, money("30"))
    );
    assert_eq!(credit.note.as_deref(), Some("compensation"));
    assert_eq!(last_audit(&t).action, AuditAction::AdjustBalance);
    // Replay: same entry, no second credit.
    let replay = t
        .shop
        .adjust_balance(&operator, uid(10), money("30"), "compensation", &key("c1"))
        .unwrap();
    assert_eq!(replay, credit);
    assert_eq!(t.shop.balance(uid(10)).unwrap(), money("30"));
    let err = refused(&t, || {
        t.shop
            .adjust_balance(&operator, uid(10), money("31"), "compensation", &key("c1"))
    });
    assert_eq!(err.kind(), "invalid.request_key_reused");

    t.shop
        .adjust_balance(&operator, uid(10), money("-12.5"), "chargeback", &key("d1"))
        .unwrap();
    assert_eq!(t.shop.balance(uid(10)).unwrap(), money("17.5"));
    let err = refused(&t, || {
        t.shop
            .adjust_balance(&operator, uid(10), money("-17.51"), "too much", &key("d2"))
    });
    assert!(
        matches!(err, Error::Wallet(WalletError::InsufficientBalance { .. })),
        "{err}"
    );
    for (amount, reason, kind) in [
        ("0", "r", "amount.not_positive"),
        ("1.001", "r", "amount.too_many_decimals"),
        ("100000.01", "r", "amount.too_large"),
        ("5", "", "invalid.empty_text"),
    ] {
        let err = refused(&t, || {
            t.shop
                .adjust_balance(&operator, uid(10), money(amount), reason, &key("z"))
        });
        assert_eq!(err.kind(), kind, "{amount} {reason:?}");
    }
    let err = refused(&t, || {
        t.shop
            .adjust_balance(&support, uid(10), money("5"), "r", &key("s"))
    });
    assert_eq!(err.kind(), "denied.missing_permission");
    let err = refused(&t, || {
        t.shop
            .adjust_balance(&operator, uid(2), money("5"), "r", &key("s"))
    });
    assert_eq!(err.kind(), "denied.self_action");
    let err = refused(&t, || {
        t.shop
            .adjust_balance(&operator, uid(1), money("5"), "r", &key("s"))
    });
    assert_eq!(err.kind(), "denied.cannot_manage");
    let err = refused(&t, || {
        t.shop
            .adjust_balance(&operator, uid(404), money("5"), "r", &key("s"))
    });
    assert_eq!(err.kind(), "user.not_found");

    // The shopper sees their own history, newest first; not someone else's.
    let page = t.shop.ledger(&shopper, uid(10), None, 1).unwrap();
    assert_eq!(page.entries[0].amount, money("-12.5"));
    let older = t.shop.ledger(&shopper, uid(10), page.next, 10).unwrap();
    assert_eq!(older.entries.len(), 1);
    assert_eq!(older.entries[0].amount, money("30"));
    assert!(older.next.is_none());
    t.user(11, None);
    let other = t.shop.actor(uid(11)).unwrap();
    assert_eq!(
        refused(&t, || t.shop.ledger(&other, uid(10), None, 10)).kind(),
        "denied.missing_permission"
    );
    assert!(t.shop.verify().unwrap().is_healthy());
}

#[test]
fn emergency_stops_money_maintenance_does_not() {
    let Fixture {
        t,
        method,
        shopper,
        support,
    } = fixture();
    let owner = t.owner();
    t.shop
        .set_store_state(&owner, StoreState::Maintenance, None)
        .unwrap();
    let topup = t
        .shop
        .request_topup(&shopper, &topup_request(method, "5", "m1"))
        .unwrap();
    let pending = t
        .shop
        .request_topup(&shopper, &topup_request(method, "6", "m2"))
        .unwrap();
    t.shop
        .approve_topup(&support, topup.id, &key("m-ok"))
        .unwrap();
    t.shop
        .set_store_state(&owner, StoreState::Emergency, None)
        .unwrap();
    for err in [
        refused(&t, || {
            t.shop
                .request_topup(&shopper, &topup_request(method, "5", "e1"))
        }),
        refused(&t, || {
            t.shop.approve_topup(&support, pending.id, &key("e2"))
        }),
        refused(&t, || {
            t.shop.reject_topup(&support, pending.id, "x", &key("e3"))
        }),
        refused(&t, || {
            t.shop
                .adjust_balance(&owner, uid(10), money("1"), "x", &key("e4"))
        }),
    ] {
        assert_eq!(err.kind(), "mode.emergency");
    }
    assert_eq!(t.shop.balance(uid(10)).unwrap(), money("5"));
}

#[test]
fn sixteen_staff_approving_at_once_credit_once() {
    let Fixture {
        t, method, shopper, ..
    } = fixture();
    let topup = t
        .shop
        .request_topup(&shopper, &topup_request(method, "40", "race"))
        .unwrap();
    let staff: Vec<_> = (0..16).map(|i| t.staff(100 + i, Role::Support)).collect();
    let shop = Arc::new(t);
    let handles: Vec<_> = staff
        .into_iter()
        .enumerate()
        .map(|(i, actor)| {
            let shop = shop.clone();
            std::thread::spawn(move || {
                shop.shop
                    .approve_topup(&actor, topup.id, &key(&format!("k{i}")))
            })
        })
        .collect();
    let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let wins = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(wins, 1);
    for r in &results {
        if let Err(e) = r {
            assert_eq!(e.kind(), "wallet.already_decided");
        }
    }
    assert_eq!(shop.shop.balance(uid(10)).unwrap(), money("40"));
    assert_eq!(shop.shop.wallet(uid(10)).unwrap().entries, 1);
    assert!(shop.shop.verify().unwrap().is_healthy());
}

#[test]
fn sixteen_debits_at_once_never_go_negative() {
    let Fixture { t, .. } = fixture();
    let owner = t.owner();
    t.shop
        .adjust_balance(&owner, uid(10), money("100"), "float", &key("seed"))
        .unwrap();
    let shop = Arc::new(t);
    let handles: Vec<_> = (0..16)
        .map(|i| {
            let shop = shop.clone();
            let owner = owner.clone();
            std::thread::spawn(move || {
                shop.shop.adjust_balance(
                    &owner,
                    uid(10),
                    money("-7"),
                    "debit",
                    &key(&format!("d{i}")),
                )
            })
        })
        .collect();
    let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let wins = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(wins, 14, "100 / 7 = 14 debits fit");
    assert!(
        results
            .iter()
            .filter_map(|r| r.as_ref().err())
            .all(|e| e.kind() == "wallet.insufficient_balance")
    );
    assert_eq!(shop.shop.balance(uid(10)).unwrap(), money("2"));
    assert!(shop.shop.verify().unwrap().is_healthy());
}

#[test]
fn verify_catches_a_tampered_balance() {
    let Fixture { t, .. } = fixture();
    t.shop
        .adjust_balance(&t.owner(), uid(10), money("10"), "x", &key("x"))
        .unwrap();
    let crate::common::TestShop { shop, clock, dir } = t;
    drop(shop);
    {
        let db = crate::common::RawStore::open(&dir.location());
        let wallets = db.table("wallets");
        let k = 10u64.to_be_bytes();
        let (mut wallet, _): (shopcore::Wallet, usize) = bincode::serde::decode_from_slice(
            &wallets.get(k).unwrap().unwrap(),
            bincode::config::standard(),
        )
        .unwrap();
        wallet.balance = money("1000");
        wallets
            .insert(
                k,
                bincode::serde::encode_to_vec(&wallet, bincode::config::standard()).unwrap(),
            )
            .unwrap();
        db.flush().unwrap();
    }
    let shop = shopcore::Shop::open(dir.location(), crate::common::config(&clock)).unwrap();
    let report = shop.verify().unwrap();
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.contains("ledger sums to 10")),
        "{report}"
    );
    assert!(
        report.problems.iter().any(|p| p.contains("not conserved")),
        "{report}"
    );
}

#[test]
fn a_users_ledger_pages_along_its_chain_and_any_bound_works() {
    use crate::common::{TestShop, key, money, uid};
    let t = TestShop::new();
    let owner = t.owner();
    t.user(10, None);
    t.user(11, None);
    // Interleaved entries of two users: 10 gets the odd adjustments, 11 the even ones.
    let mut mine = Vec::new();
    for i in 0..9 {
        let user = if i % 2 == 0 { 10 } else { 11 };
        let entry = t
            .shop
            .adjust_balance(
                &owner,
                uid(user),
                money("1"),
                "gift",
                &key(&format!("g{i}")),
            )
            .unwrap();
        if user == 10 {
            mine.push(entry.seq);
        }
    }
    mine.reverse();
    let mut seen = Vec::new();
    let mut before = None;
    loop {
        let page = t.shop.ledger(&owner, uid(10), before, 2).unwrap();
        seen.extend(page.entries.iter().map(|e| e.seq));
        match page.next {
            Some(next) => before = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, mine, "newest first, every entry once");
    // A bound that is not one of the user's entries (the other user's, or a gap).
    for bound in [mine[1] + 1, mine[2] - 1, u64::MAX] {
        let page = t.shop.ledger(&owner, uid(10), Some(bound), 50).unwrap();
        let expected: Vec<u64> = mine.iter().copied().filter(|s| *s < bound).collect();
        assert_eq!(
            page.entries.iter().map(|e| e.seq).collect::<Vec<_>>(),
            expected,
            "before {bound}"
        );
    }
}
