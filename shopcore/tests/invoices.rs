//! Automatic payments (`Shop::open_topup_invoice`, `PaymentChoice::Invoice`,
//! `Shop::settle_invoice`, `check_payable`, refunds through the provider): every double,
//! late, wrong or forged payment ends in exactly one correct ledger effect or a clear
//! refusal, and `verify()` holds it. Runs on both backends.

use crate::common::{TestShop, key, last_audit, money, new_product, refused, uid};
use shopcore::{
    AuditAction, Error, Invoice, InvoiceError, InvoiceProblem, InvoicePurpose, InvoiceStatus,
    LedgerKind, Money, NotificationKind, OrderRequest, OrderStatus, PaymentChoice, PaymentEffect,
    Provider, RefundOutcome, Role, Settlement, Target,
};
use std::sync::Barrier;

/// 77 stars to the dollar: 10 USD asks 770 XTR.
fn with_stars(t: &TestShop) {
    t.shop
        .add_currency(&t.owner(), "XTR", "⭐", 0, money("77"))
        .expect("add XTR");
}

fn paid(invoice: &Invoice, payment_id: &str) -> Settlement {
    Settlement {
        provider: invoice.provider,
        invoice: invoice.id,
        payment_id: payment_id.into(),
        provider_invoice: invoice.provider_invoice.clone(),
        amount: invoice.amount,
        currency: invoice.currency.as_str().into(),
    }
}

fn invoice_error(e: Error) -> InvoiceError {
    match e {
        Error::Invoice(i) => i,
        other => panic!("expected an invoice error, got {other:?}"),
    }
}

fn assert_healthy(t: &TestShop) {
    let report = t.shop.verify().expect("verify");
    assert!(report.is_healthy(), "{report}");
}

fn staff_problems(t: &TestShop) -> Vec<InvoiceProblem> {
    t.shop
        .pending_notifications("test_staff", 500)
        .unwrap()
        .into_iter()
        .filter_map(|n| match n.kind {
            NotificationKind::StaffInvoiceProblem { problem, .. } => Some(problem),
            _ => None,
        })
        .collect()
}

fn ledger_kinds(t: &TestShop, user: u64) -> Vec<(LedgerKind, Money)> {
    let mut entries: Vec<_> = t
        .shop
        .ledger(&t.owner(), uid(user), None, 100)
        .unwrap()
        .entries
        .into_iter()
        .map(|e| (e.kind, e.amount))
        .collect();
    entries.reverse();
    entries
}

#[test]
fn a_stars_top_up_is_credited_once_however_often_it_is_reported() {
    let t = TestShop::new();
    with_stars(&t);
    t.user(20, None);
    let shopper = t.shop.actor(uid(20)).unwrap();
    let invoice = t
        .shop
        .open_topup_invoice(&shopper, Provider::Stars, money("10"), &key("tg-1"))
        .unwrap();
    assert_eq!(invoice.amount, money("770"));
    assert_eq!(invoice.currency.as_str(), "XTR");
    assert_eq!(invoice.amount_usd, money("10"));
    assert_eq!(invoice.status, InvoiceStatus::Open);
    assert_eq!(invoice.purpose, InvoicePurpose::Topup);
    assert_eq!(last_audit(&t).action, AuditAction::OpenInvoice);
    // The same request again is the same invoice.
    let again = t
        .shop
        .open_topup_invoice(&shopper, Provider::Stars, money("10"), &key("tg-1"))
        .unwrap();
    assert_eq!(again.id, invoice.id);
    assert_eq!(t.shop.balance(uid(20)).unwrap(), Money::ZERO);

    // The pre-checkout query: payable by its payer, for its amount only.
    t.shop
        .check_payable(uid(20), Provider::Stars, invoice.id, money("770"), "XTR")
        .unwrap();
    for (payer, amount, currency) in [(21, "770", "XTR"), (20, "769", "XTR"), (20, "770", "USD")] {
        let e = t
            .shop
            .check_payable(
                uid(payer),
                Provider::Stars,
                invoice.id,
                money(amount),
                currency,
            )
            .unwrap_err();
        assert!(matches!(invoice_error(e), InvoiceError::Mismatch { .. }));
    }

    let first = t.shop.settle_invoice(&paid(&invoice, "charge-1")).unwrap();
    assert!(!first.replayed);
    assert!(matches!(
        first.effect,
        PaymentEffect::Credited { late: false, .. }
    ));
    assert_eq!(first.invoice.status, InvoiceStatus::Paid);
    assert_eq!(first.invoice.payment_id.as_deref(), Some("charge-1"));
    assert_eq!(t.shop.balance(uid(20)).unwrap(), money("10"));
    let entry = last_audit(&t);
    assert_eq!(entry.action, AuditAction::SettleInvoice);
    assert_eq!(entry.target, Target::Invoice(invoice.id));
    // A webhook retried, a poll, a restart: each replays, nothing more is credited.
    let t = t.reopen();
    for _ in 0..3 {
        let replay = t.shop.settle_invoice(&paid(&invoice, "charge-1")).unwrap();
        assert!(replay.replayed);
        assert_eq!(replay.effect, first.effect);
    }
    assert_eq!(t.shop.balance(uid(20)).unwrap(), money("10"));
    assert_eq!(
        ledger_kinds(&t, 20),
        vec![(LedgerKind::Invoice, money("10"))]
    );
    // Paid: no longer payable.
    let e = t
        .shop
        .check_payable(uid(20), Provider::Stars, invoice.id, money("770"), "XTR")
        .unwrap_err();
    assert!(matches!(
        invoice_error(e),
        InvoiceError::NotPayable {
            status: InvoiceStatus::Paid,
            ..
        }
    ));
    assert_healthy(&t);
}

#[test]
fn a_payment_that_is_not_the_invoices_is_refused_remembered_and_reported_once() {
    let t = TestShop::new();
    with_stars(&t);
    t.user(20, None);
    let shopper = t.shop.actor(uid(20)).unwrap();
    let invoice = t
        .shop
        .open_topup_invoice(&shopper, Provider::CryptoPay, money("25"), &key("tg-1"))
        .unwrap();
    assert_eq!(
        (invoice.amount, invoice.currency.as_str()),
        (money("25"), "USD")
    );
    let invoice = t
        .shop
        .attach_provider_invoice(
            invoice.id,
            "CP-1001",
            Some("https://t.me/CryptoBot?start=IV1"),
        )
        .unwrap();
    assert_eq!(
        invoice.pay_url.as_deref(),
        Some("https://t.me/CryptoBot?start=IV1")
    );
    // The same id again is fine; another is refused.
    t.shop
        .attach_provider_invoice(invoice.id, "CP-1001", None)
        .unwrap();
    assert!(matches!(
        invoice_error(
            t.shop
                .attach_provider_invoice(invoice.id, "CP-2002", None)
                .unwrap_err()
        ),
        InvoiceError::ProviderInvoiceSet { .. }
    ));

    let wrongs = [
        Settlement {
            amount: money("24.99"),
            ..paid(&invoice, "p-amount")
        },
        Settlement {
            currency: "EUR".into(),
            ..paid(&invoice, "p-currency")
        },
        Settlement {
            provider: Provider::Stars,
            ..paid(&invoice, "p-provider")
        },
        Settlement {
            provider_invoice: Some("CP-9999".into()),
            ..paid(&invoice, "p-other-invoice")
        },
    ];
    for wrong in &wrongs {
        let settled = t.shop.settle_invoice(wrong).unwrap();
        assert!(!settled.replayed);
        assert!(
            matches!(settled.effect, PaymentEffect::Refused { .. }),
            "{wrong:?} gave {:?}",
            settled.effect
        );
        assert_eq!(settled.invoice.status, InvoiceStatus::Open);
        assert_eq!(last_audit(&t).action, AuditAction::RefuseSettlement);
        // Reported again: remembered, not audited or reported twice.
        let again = t.shop.settle_invoice(wrong).unwrap();
        assert!(again.replayed);
        assert_eq!(last_audit(&t).action, AuditAction::RefuseSettlement);
    }
    assert_eq!(t.shop.balance(uid(20)).unwrap(), Money::ZERO);
    let problems = staff_problems(&t);
    assert_eq!(problems.len(), wrongs.len(), "{problems:?}");
    assert!(
        problems
            .iter()
            .all(|p| matches!(p, InvoiceProblem::Refused { .. }))
    );
    // The right payment still settles it.
    let settled = t.shop.settle_invoice(&paid(&invoice, "p-right")).unwrap();
    assert!(matches!(settled.effect, PaymentEffect::Credited { .. }));
    assert_eq!(t.shop.balance(uid(20)).unwrap(), money("25"));
    assert_healthy(&t);
}

#[test]
fn bad_reports_and_bad_requests_change_nothing() {
    let t = TestShop::new();
    with_stars(&t);
    t.user(20, None);
    t.user(21, None);
    let shopper = t.shop.actor(uid(20)).unwrap();
    let other = t.shop.actor(uid(21)).unwrap();
    let invoice = t
        .shop
        .open_topup_invoice(&shopper, Provider::Stars, money("1"), &key("tg-1"))
        .unwrap();
    assert_eq!(invoice.amount, money("77"));
    for payment_id in ["", "   ", "a\u{7}b", &"x".repeat(201)] {
        let e = refused(&t, || t.shop.settle_invoice(&paid(&invoice, payment_id)));
        assert!(
            matches!(invoice_error(e), InvoiceError::BadProviderText { .. }),
            "{payment_id:?}"
        );
    }
    let mut unknown = paid(&invoice, "c-1");
    unknown.invoice = shopcore::InvoiceId::new(999).unwrap();
    let e = refused(&t, || t.shop.settle_invoice(&unknown));
    assert!(matches!(invoice_error(e), InvoiceError::NotFound { .. }));
    for amount in ["0", "-5", "0.001", "10000.01", "99999999"] {
        let e = refused(&t, || {
            t.shop
                .open_topup_invoice(&shopper, Provider::Stars, money(amount), &key("tg-x"))
        });
        assert!(matches!(e, Error::Invalid(_)), "{amount}: {e:?}");
    }
    // The provider's currency must be a shop currency: without CRYPTO rates, no invoice.
    t.shop
        .set_currency_enabled(&t.owner(), "XTR", false)
        .unwrap();
    let e = refused(&t, || {
        t.shop
            .open_topup_invoice(&shopper, Provider::Stars, money("5"), &key("tg-2"))
    });
    assert!(matches!(e, Error::Currency(_)), "{e:?}");
    t.shop
        .set_currency_enabled(&t.owner(), "XTR", true)
        .unwrap();
    // Someone else's invoice: neither seen nor cancelled.
    let e = refused(&t, || t.shop.invoice(&other, invoice.id));
    assert!(matches!(invoice_error(e), InvoiceError::NotFound { .. }));
    let e = refused(&t, || {
        t.shop.cancel_invoice(&other, invoice.id, &key("c-1"))
    });
    assert!(matches!(invoice_error(e), InvoiceError::NotFound { .. }));
    // A system actor has no wallet.
    let console = t.shop.system_actor("console").unwrap();
    let e = refused(&t, || {
        t.shop
            .open_topup_invoice(&console, Provider::Stars, money("5"), &key("c-2"))
    });
    assert!(matches!(e, Error::Denied(_)));
    // At most three open at once; cancelling one makes room.
    for n in 2..=3 {
        t.shop
            .open_topup_invoice(
                &shopper,
                Provider::Stars,
                money("1"),
                &key(&format!("tg-{n}")),
            )
            .unwrap();
    }
    let e = refused(&t, || {
        t.shop
            .open_topup_invoice(&shopper, Provider::Stars, money("1"), &key("tg-4"))
    });
    assert!(matches!(
        invoice_error(e),
        InvoiceError::TooManyOpen { open: 3 }
    ));
    let cancelled = t
        .shop
        .cancel_invoice(&shopper, invoice.id, &key("c-3"))
        .unwrap();
    assert_eq!(cancelled.status, InvoiceStatus::Cancelled);
    assert_eq!(last_audit(&t).action, AuditAction::CancelInvoice);
    t.shop
        .open_topup_invoice(&shopper, Provider::Stars, money("1"), &key("tg-4"))
        .unwrap();
    assert_eq!(
        t.shop
            .invoices_of(&shopper, uid(20), None, 10)
            .unwrap()
            .len(),
        4
    );
    assert_healthy(&t);
}

#[test]
fn a_payment_after_the_deadline_goes_to_the_balance_and_staff_hear_of_it() {
    let t = TestShop::new();
    with_stars(&t);
    t.user(20, None);
    let shopper = t.shop.actor(uid(20)).unwrap();
    let invoice = t
        .shop
        .open_topup_invoice(&shopper, Provider::Stars, money("3"), &key("tg-1"))
        .unwrap();
    t.clock.advance_millis(29 * 60 * 1_000);
    assert_eq!(t.shop.expire_invoices().unwrap(), 0);
    t.clock.advance_millis(60 * 1_000);
    assert_eq!(t.shop.expire_invoices().unwrap(), 1);
    assert_eq!(last_audit(&t).action, AuditAction::ExpireInvoice);
    assert_eq!(
        t.shop.invoice(&shopper, invoice.id).unwrap().status,
        InvoiceStatus::Expired
    );
    let e = t
        .shop
        .check_payable(uid(20), Provider::Stars, invoice.id, invoice.amount, "XTR")
        .unwrap_err();
    assert!(matches!(invoice_error(e), InvoiceError::NotPayable { .. }));
    // The provider took the money anyway (a payment racing the deadline): not lost.
    let settled = t.shop.settle_invoice(&paid(&invoice, "late-1")).unwrap();
    assert_eq!(
        settled.effect,
        PaymentEffect::Credited {
            ledger_seq: settled.invoice.ledger_seq.unwrap(),
            late: true
        }
    );
    assert!(settled.invoice.late);
    assert_eq!(settled.invoice.status, InvoiceStatus::Paid);
    assert_eq!(t.shop.balance(uid(20)).unwrap(), money("3"));
    assert_eq!(staff_problems(&t), vec![InvoiceProblem::LatePayment]);
    // A second payment of the same invoice is money received too: credited, once.
    let twice = t.shop.settle_invoice(&paid(&invoice, "late-2")).unwrap();
    assert!(matches!(
        twice.effect,
        PaymentEffect::Credited { late: true, .. }
    ));
    assert_eq!(twice.invoice.payment_id.as_deref(), Some("late-1"));
    t.shop.settle_invoice(&paid(&invoice, "late-2")).unwrap();
    assert_eq!(t.shop.balance(uid(20)).unwrap(), money("6"));
    assert_healthy(&t);
}

fn shop_with_product(t: &TestShop, price: &str) -> shopcore::ProductId {
    let owner = t.owner();
    let cat = t.shop.create_category(&owner, "Cards", 0).unwrap();
    t.shop
        .create_product(&owner, &new_product(cat.id, "Gift card", price))
        .unwrap()
        .id
}

fn by_invoice(product: shopcore::ProductId, provider: Provider) -> OrderRequest {
    OrderRequest {
        quantity: 1,
        product,
        payment: PaymentChoice::Invoice(provider),
        coupon: None,
        player_id: None,
        currency: None,
        proof: None,
    }
}

#[test]
fn an_order_paid_with_stars_is_paid_once_and_refunded_through_the_provider() {
    let t = TestShop::new();
    with_stars(&t);
    let product = shop_with_product(&t, "4.99");
    t.user(20, None);
    let buyer = t.shop.actor(uid(20)).unwrap();
    let request = by_invoice(product, Provider::Stars);
    let quote = t.shop.quote(&buyer, &request).unwrap();
    // 4.99 × 77 = 384.23 → 385 stars, worth 5.00 USD at the rate.
    assert_eq!(
        quote.pay,
        Some((money("385"), shopcore::CurrencyCode::parse("XTR").unwrap()))
    );
    let order = t.shop.create_order(&buyer, &request, &key("o-1")).unwrap();
    assert_eq!(order.status, OrderStatus::AwaitingPayment);
    let shopcore::Payment::Invoice { invoice: id, .. } = order.payment else {
        panic!("{:?}", order.payment)
    };
    let invoice = t.shop.invoice(&buyer, id).unwrap();
    assert_eq!(invoice.purpose, InvoicePurpose::Order(order.id));
    assert_eq!(
        (invoice.amount, invoice.amount_usd),
        (money("385"), money("5"))
    );
    assert_eq!(order.expires_at, Some(invoice.expires_at));
    t.shop
        .check_payable(uid(20), Provider::Stars, id, money("385"), "XTR")
        .unwrap();
    // Staff can't confirm it as an outside payment: the provider settles it.
    let support = t.staff(5, Role::Support);
    assert!(
        t.shop
            .confirm_payment(&support, order.id, &key("s-1"))
            .is_err()
    );

    let settled = t.shop.settle_invoice(&paid(&invoice, "charge-7")).unwrap();
    let PaymentEffect::PaidOrder {
        order: paid_order,
        ledger_seq,
    } = settled.effect
    else {
        panic!("{:?}", settled.effect)
    };
    assert_eq!(paid_order, order.id);
    let now = t.shop.order(&buyer, order.id).unwrap();
    assert_eq!(now.status, OrderStatus::Paid);
    assert_eq!(now.payment_seq, Some(ledger_seq));
    // 5.00 received, 4.99 spent: the cent the rounding asked stays in the wallet.
    assert_eq!(t.shop.balance(uid(20)).unwrap(), money("0.01"));
    assert!(
        t.shop
            .settle_invoice(&paid(&invoice, "charge-7"))
            .unwrap()
            .replayed
    );
    assert_eq!(t.shop.balance(uid(20)).unwrap(), money("0.01"));
    assert_healthy(&t);

    // Staff fail it: the money goes back through Stars, not into the wallet.
    t.shop
        .fail_order(&support, order.id, "out of cards", &key("s-2"))
        .unwrap();
    assert_eq!(t.shop.balance(uid(20)).unwrap(), Money::ZERO);
    let refunding = t.shop.invoice(&buyer, id).unwrap();
    assert_eq!(refunding.status, InvoiceStatus::Refunding);
    assert_eq!(
        ledger_kinds(&t, 20),
        vec![
            (LedgerKind::Payment, money("5")),
            (LedgerKind::Purchase, money("-4.99")),
            (LedgerKind::Refund, money("4.99")),
            (LedgerKind::ProviderRefund, money("-5")),
        ]
    );
    let waiting = t.shop.refunds_waiting(Provider::Stars, 10).unwrap();
    assert_eq!(waiting.iter().map(|i| i.id).collect::<Vec<_>>(), vec![id]);
    assert!(
        t.shop
            .refunds_waiting(Provider::CryptoPay, 10)
            .unwrap()
            .is_empty()
    );
    assert_healthy(&t);
    let done = t
        .shop
        .finish_provider_refund(id, &RefundOutcome::Done)
        .unwrap();
    assert_eq!(done.status, InvoiceStatus::Refunded);
    assert_eq!(last_audit(&t).action, AuditAction::FinishProviderRefund);
    // Reported twice (a retry after a lost answer): nothing more.
    t.shop
        .finish_provider_refund(id, &RefundOutcome::Done)
        .unwrap();
    assert!(
        t.shop
            .refunds_waiting(Provider::Stars, 10)
            .unwrap()
            .is_empty()
    );
    assert_eq!(t.shop.balance(uid(20)).unwrap(), Money::ZERO);
    assert!(
        t.shop
            .pending_notifications("test", 500)
            .unwrap()
            .iter()
            .any(|n| matches!(n.kind, NotificationKind::InvoiceRefunded { invoice, .. } if invoice == id))
    );
    assert_healthy(&t);
}

#[test]
fn a_refund_the_provider_refuses_goes_back_to_the_balance() {
    let t = TestShop::new();
    with_stars(&t);
    let product = shop_with_product(&t, "2");
    t.user(20, None);
    let buyer = t.shop.actor(uid(20)).unwrap();
    let order = t
        .shop
        .create_order(&buyer, &by_invoice(product, Provider::Stars), &key("o-1"))
        .unwrap();
    let shopcore::Payment::Invoice { invoice: id, .. } = order.payment else {
        panic!()
    };
    let invoice = t.shop.invoice(&buyer, id).unwrap();
    t.shop.settle_invoice(&paid(&invoice, "charge-1")).unwrap();
    let support = t.staff(5, Role::Support);
    t.shop
        .cancel_order(&support, order.id, &key("s-1"))
        .unwrap();
    assert_eq!(t.shop.balance(uid(20)).unwrap(), Money::ZERO);
    let back = t
        .shop
        .finish_provider_refund(id, &RefundOutcome::Refused("CHARGE_NOT_FOUND".into()))
        .unwrap();
    assert_eq!(back.status, InvoiceStatus::Paid);
    assert_eq!(back.refund_refused.as_deref(), Some("CHARGE_NOT_FOUND"));
    assert_eq!(t.shop.balance(uid(20)).unwrap(), money("2"));
    assert!(matches!(
        staff_problems(&t).as_slice(),
        [InvoiceProblem::RefundRefused { .. }]
    ));
    // Nothing is waiting any more, and a late "done" can't take the money twice.
    let e = refused(&t, || {
        t.shop.finish_provider_refund(id, &RefundOutcome::Done)
    });
    assert!(matches!(
        invoice_error(e),
        InvoiceError::NoRefundWaiting { .. }
    ));
    assert_healthy(&t);
}

#[test]
fn an_order_cancelled_before_its_payment_is_credited_to_the_balance() {
    let t = TestShop::new();
    let product = shop_with_product(&t, "7.50");
    t.user(20, None);
    let buyer = t.shop.actor(uid(20)).unwrap();
    let order = t
        .shop
        .create_order(
            &buyer,
            &by_invoice(product, Provider::CryptoPay),
            &key("o-1"),
        )
        .unwrap();
    let shopcore::Payment::Invoice { invoice: id, .. } = order.payment else {
        panic!()
    };
    let invoice = t.shop.invoice(&buyer, id).unwrap();
    assert_eq!(
        (invoice.amount, invoice.currency.as_str()),
        (money("7.50"), "USD")
    );
    t.shop.cancel_order(&buyer, order.id, &key("o-2")).unwrap();
    assert_eq!(
        t.shop.invoice(&buyer, id).unwrap().status,
        InvoiceStatus::Cancelled
    );
    let e = t
        .shop
        .check_payable(uid(20), Provider::CryptoPay, id, money("7.50"), "USD")
        .unwrap_err();
    assert!(matches!(invoice_error(e), InvoiceError::NotPayable { .. }));
    let settled = t.shop.settle_invoice(&paid(&invoice, "cp-1")).unwrap();
    assert!(matches!(
        settled.effect,
        PaymentEffect::Credited { late: true, .. }
    ));
    assert_eq!(
        t.shop.order(&buyer, order.id).unwrap().status,
        OrderStatus::Cancelled
    );
    assert_eq!(t.shop.balance(uid(20)).unwrap(), money("7.50"));
    // An order invoice expires with its order.
    let second = t
        .shop
        .create_order(
            &buyer,
            &by_invoice(product, Provider::CryptoPay),
            &key("o-3"),
        )
        .unwrap();
    let shopcore::Payment::Invoice {
        invoice: second_id, ..
    } = second.payment
    else {
        panic!()
    };
    t.clock.advance_millis(31 * 60 * 1_000);
    assert_eq!(t.shop.expire_unpaid_orders().unwrap(), 1);
    assert_eq!(
        t.shop.invoice(&buyer, second_id).unwrap().status,
        InvoiceStatus::Expired
    );
    assert_healthy(&t);
}

#[test]
fn a_webhook_and_a_poll_settling_one_payment_at_once_credit_it_once() {
    let t = TestShop::new();
    t.user(20, None);
    let shopper = t.shop.actor(uid(20)).unwrap();
    let invoice = t
        .shop
        .open_topup_invoice(&shopper, Provider::CryptoPay, money("12.34"), &key("tg-1"))
        .unwrap();
    let barrier = Barrier::new(8);
    let settlement = paid(&invoice, "cp-77");
    let results: Vec<_> = std::thread::scope(|scope| {
        let threads: Vec<_> = (0..8)
            .map(|_| {
                scope.spawn(|| {
                    barrier.wait();
                    t.shop.settle_invoice(&settlement).unwrap()
                })
            })
            .collect();
        threads.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(results.iter().filter(|r| !r.replayed).count(), 1);
    assert!(results.iter().all(|r| r.effect == results[0].effect));
    assert_eq!(t.shop.balance(uid(20)).unwrap(), money("12.34"));
    assert_healthy(&t);
}

#[test]
fn a_settlement_racing_a_cancellation_ends_in_one_correct_effect() {
    for round in 0..6 {
        let t = TestShop::new();
        with_stars(&t);
        let product = shop_with_product(&t, "3");
        t.user(20, None);
        let buyer = t.shop.actor(uid(20)).unwrap();
        let order = t
            .shop
            .create_order(&buyer, &by_invoice(product, Provider::Stars), &key("o-1"))
            .unwrap();
        let shopcore::Payment::Invoice { invoice: id, .. } = order.payment else {
            panic!()
        };
        let invoice = t.shop.invoice(&buyer, id).unwrap();
        let barrier = Barrier::new(2);
        let settlement = paid(&invoice, "c-1");
        let (settled, cancelled) = std::thread::scope(|scope| {
            let settle = scope.spawn(|| {
                barrier.wait();
                t.shop.settle_invoice(&settlement).unwrap()
            });
            let cancel = scope.spawn(|| {
                barrier.wait();
                t.shop.cancel_order(&buyer, order.id, &key("o-2"))
            });
            (settle.join().unwrap(), cancel.join().unwrap())
        });
        let order = t.shop.order(&buyer, order.id).unwrap();
        let invoice = t.shop.invoice(&buyer, id).unwrap();
        let balance = t.shop.balance(uid(20)).unwrap();
        match settled.effect {
            // Paid first: the buyer may cancel a paid order; the money goes back by Stars.
            PaymentEffect::PaidOrder { .. } => {
                if cancelled.is_ok() {
                    assert_eq!(order.status, OrderStatus::Cancelled, "round {round}");
                    assert_eq!(invoice.status, InvoiceStatus::Refunding);
                    assert_eq!(balance, Money::ZERO);
                } else {
                    assert_eq!(order.status, OrderStatus::Paid);
                    assert_eq!(balance, Money::ZERO);
                }
            }
            // Cancelled first: the late payment is in the wallet.
            PaymentEffect::Credited { late: true, .. } => {
                assert_eq!(order.status, OrderStatus::Cancelled, "round {round}");
                assert!(invoice.late);
                assert_eq!(balance, money("3"));
            }
            other => panic!("round {round}: {other:?}"),
        }
        assert_healthy(&t);
    }
}

#[test]
fn staff_settle_by_hand_through_the_same_exactly_once_call() {
    let t = TestShop::new();
    with_stars(&t);
    t.user(20, None);
    let shopper = t.shop.actor(uid(20)).unwrap();
    let support = t.staff(5, Role::Support);
    let invoice = t
        .shop
        .open_topup_invoice(&shopper, Provider::Stars, money("2"), &key("tg-1"))
        .unwrap();
    // A shopper can't settle, not even their own.
    let e = refused(&t, || {
        t.shop
            .settle_invoice_by_hand(&shopper, &paid(&invoice, "receipt-1"))
    });
    assert!(matches!(e, Error::Denied(_)), "{e:?}");
    let settled = t
        .shop
        .settle_invoice_by_hand(&support, &paid(&invoice, "receipt-1"))
        .unwrap();
    assert!(!settled.replayed);
    assert_eq!(
        settled.invoice.settled_by,
        Some(shopcore::ActorRef::User(uid(5)))
    );
    // The provider's own report of the same payment later replays it.
    assert!(
        t.shop
            .settle_invoice(&paid(&invoice, "receipt-1"))
            .unwrap()
            .replayed
    );
    assert_eq!(t.shop.balance(uid(20)).unwrap(), money("2"));
    // Nobody settles their own invoice.
    let own = t
        .shop
        .open_topup_invoice(&support, Provider::Stars, money("2"), &key("tg-2"))
        .unwrap();
    let e = refused(&t, || {
        t.shop
            .settle_invoice_by_hand(&support, &paid(&own, "receipt-2"))
    });
    assert!(matches!(e, Error::Denied(_)), "{e:?}");
    assert_healthy(&t);
}

#[test]
fn the_dashboard_counts_what_came_in_by_payment_route() {
    let t = TestShop::new();
    with_stars(&t);
    let product = shop_with_product(&t, "3");
    t.user(20, None);
    let buyer = t.shop.actor(uid(20)).unwrap();
    let topup = t
        .shop
        .open_topup_invoice(&buyer, Provider::CryptoPay, money("8"), &key("t-1"))
        .unwrap();
    t.shop.settle_invoice(&paid(&topup, "cp-1")).unwrap();
    let order = t
        .shop
        .create_order(&buyer, &by_invoice(product, Provider::Stars), &key("o-1"))
        .unwrap();
    let shopcore::Payment::Invoice { invoice, .. } = order.payment else {
        panic!()
    };
    let invoice = t.shop.invoice(&buyer, invoice).unwrap();
    t.shop.settle_invoice(&paid(&invoice, "st-1")).unwrap();
    let support = t.staff(5, Role::Support);
    t.shop
        .complete_order(&support, order.id, Some("CODE-1"), &key("c-1"))
        .unwrap();
    let from_balance = t
        .shop
        .create_order(
            &buyer,
            &OrderRequest {
                quantity: 1,
                payment: PaymentChoice::Balance,
                ..by_invoice(product, Provider::Stars)
            },
            &key("o-2"),
        )
        .unwrap();
    t.shop
        .complete_order(&support, from_balance.id, Some("CODE-2"), &key("c-2"))
        .unwrap();
    let stats = t
        .shop
        .dashboard(&t.owner(), shopcore::DashboardOptions::default())
        .unwrap();
    let route = |r: shopcore::analytics::Route| {
        stats
            .routes
            .iter()
            .find(|(x, _)| *x == r)
            .map(|(_, s)| s.clone())
            .unwrap()
    };
    use shopcore::analytics::Route;
    assert_eq!(
        (
            route(Route::Stars).completed,
            route(Route::Stars).revenue_usd
        ),
        (1, money("3"))
    );
    assert_eq!(
        (
            route(Route::Balance).completed,
            route(Route::Balance).revenue_usd
        ),
        (1, money("3"))
    );
    assert_eq!(
        (
            route(Route::CryptoPay).credits,
            route(Route::CryptoPay).credits_usd
        ),
        (1, money("8"))
    );
    assert_eq!(route(Route::Method), Default::default());
    // The roll-ups agree with a recomputation.
    assert_healthy(&t);
}
