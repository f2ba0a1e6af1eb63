//! Payment methods: SEED pre-release tests 4-5, soft delete, listings, refusals, modes.
//! (Deleting a method with a pending top-up is tested with the wallet.)

use crate::common::{TestShop, last_audit, money, new_method, refused};
use shopcore::audit::Outcome;
use shopcore::{
    AuditAction, Error, MethodFilter, PaymentMethodChange, PaymentMethodError, PaymentMethodId,
    Role, StoreState, Target,
};

#[test]
fn seed_test_4_create_a_payment_method() {
    let t = TestShop::new();
    let operator = t.staff(2, Role::Operator);
    let m = t
        .shop
        .create_payment_method(&operator, &new_method("Vodafone Cash", "usd", "5", "500"))
        .unwrap();
    assert_eq!(m.currency.as_str(), "USD");
    assert_eq!((m.min_amount, m.max_amount), (money("5"), money("500")));
    assert!(m.usable());
    assert_eq!(t.shop.payment_method(m.id).unwrap().unwrap(), m);
    assert_eq!(
        t.shop.payment_methods_for_shoppers().unwrap(),
        vec![m.clone()]
    );
    let entry = last_audit(&t);
    assert_eq!(entry.action, AuditAction::CreatePaymentMethod);
    assert_eq!(entry.target, Target::PaymentMethod(m.id));
}

#[test]
fn seed_test_5_soft_delete_a_payment_method() {
    let t = TestShop::new();
    let owner = t.owner();
    let keep = t
        .shop
        .create_payment_method(&owner, &new_method("Bank", "USD", "1", "100"))
        .unwrap();
    let gone = t
        .shop
        .create_payment_method(&owner, &new_method("Old wallet", "USD", "1", "100"))
        .unwrap();
    let deleted = t.shop.delete_payment_method(&owner, gone.id).unwrap();
    assert_eq!(deleted.deleted_at, Some(t.shop.now()));
    let entry = last_audit(&t);
    assert_eq!(
        (entry.action, entry.target),
        (
            AuditAction::DeletePaymentMethod,
            Target::PaymentMethod(gone.id)
        )
    );

    // Still stored (history resolves its name), gone from every listing but "including deleted".
    assert_eq!(
        t.shop.payment_method(gone.id).unwrap().unwrap().name,
        "Old wallet"
    );
    let ids = |filter| -> Vec<PaymentMethodId> {
        t.shop
            .payment_methods_panel(&owner, filter)
            .unwrap()
            .into_iter()
            .map(|m| m.id)
            .collect()
    };
    assert_eq!(ids(MethodFilter::ActiveOnly), vec![keep.id]);
    assert_eq!(ids(MethodFilter::NotDeleted), vec![keep.id]);
    assert_eq!(ids(MethodFilter::IncludingDeleted), vec![keep.id, gone.id]);
    assert_eq!(last_audit(&t).action, AuditAction::ViewPaymentMethodsPanel);
    assert_eq!(t.shop.payment_methods_for_shoppers().unwrap().len(), 1);

    // A deleted method can't be edited, re-deleted or reactivated.
    let err = refused(&t, || {
        t.shop
            .update_payment_method(&owner, gone.id, PaymentMethodChange::Name("X".into()))
    });
    assert!(
        matches!(
            err,
            Error::PaymentMethod(PaymentMethodError::Deleted { .. })
        ),
        "{err}"
    );
    refused(&t, || {
        t.shop
            .update_payment_method(&owner, gone.id, PaymentMethodChange::Active(true))
    });
    refused(&t, || t.shop.delete_payment_method(&owner, gone.id));
    assert!(t.shop.verify().unwrap().is_healthy());
}

#[test]
fn edits_and_inactive_methods() {
    let t = TestShop::new();
    let owner = t.owner();
    let m = t
        .shop
        .create_payment_method(&owner, &new_method("Bank", "USD", "1", "100"))
        .unwrap();
    t.shop
        .update_payment_method(
            &owner,
            m.id,
            PaymentMethodChange::Limits {
                min: money("2"),
                max: money("50"),
            },
        )
        .unwrap();
    let d = &last_audit(&t).details[0];
    assert_eq!(
        (d.before.as_deref(), d.after.as_deref()),
        (Some("1..=100"), Some("2..=50"))
    );
    t.shop
        .update_payment_method(&owner, m.id, PaymentMethodChange::Active(false))
        .unwrap();
    assert!(t.shop.payment_methods_for_shoppers().unwrap().is_empty());
    assert_eq!(
        t.shop
            .payment_methods_panel(&owner, MethodFilter::NotDeleted)
            .unwrap()
            .len(),
        1
    );
    t.shop
        .update_payment_method(
            &owner,
            m.id,
            PaymentMethodChange::Instructions("IBAN EG00 1234\nRef: your id".into()),
        )
        .unwrap();
    assert!(
        t.shop
            .payment_method(m.id)
            .unwrap()
            .unwrap()
            .instructions
            .contains('\n')
    );
}

#[test]
fn bad_methods_are_refused() {
    let t = TestShop::new();
    let owner = t.owner();
    let cases = [
        (new_method("", "USD", "1", "10"), "invalid.empty_text"),
        (
            new_method("Bank\u{1b}[31m", "USD", "1", "10"),
            "invalid.forbidden_character",
        ),
        (
            new_method(&"n".repeat(61), "USD", "1", "10"),
            "invalid.text_too_long",
        ),
        (new_method("Bank", "XYZ", "1", "10"), "currency.unknown"),
        (
            new_method("Bank", "dollars", "1", "10"),
            "invalid.currency_code",
        ),
        (new_method("Bank", "USD", "0", "10"), "amount.not_positive"),
        (new_method("Bank", "USD", "1", "-10"), "amount.not_positive"),
        (
            new_method("Bank", "USD", "1.001", "10"),
            "amount.too_many_decimals",
        ),
        (
            new_method("Bank", "USD", "20", "10"),
            "payment_method.min_above_max",
        ),
        (
            new_method("Bank", "USD", "1", "1000000001"),
            "amount.too_large",
        ),
    ];
    for (new, kind) in cases {
        let err = refused(&t, || t.shop.create_payment_method(&owner, &new));
        assert_eq!(err.kind(), kind, "{new:?}");
    }
    let mut no_instructions = new_method("Bank", "USD", "1", "10");
    no_instructions.instructions = " ".into();
    assert_eq!(
        refused(&t, || t
            .shop
            .create_payment_method(&owner, &no_instructions))
        .kind(),
        "invalid.empty_text"
    );

    let missing = PaymentMethodId::new(42).unwrap();
    let err = refused(&t, || t.shop.delete_payment_method(&owner, missing));
    assert!(
        matches!(
            err,
            Error::PaymentMethod(PaymentMethodError::NotFound { .. })
        ),
        "{err}"
    );

    let support = t.staff(3, Role::Support);
    let err = refused(&t, || {
        t.shop
            .create_payment_method(&support, &new_method("B", "USD", "1", "2"))
    });
    assert_eq!(err.kind(), "denied.missing_permission");
    assert!(matches!(last_audit(&t).outcome, Outcome::Denied { .. }));
    refused(&t, || {
        t.shop
            .payment_methods_panel(&support, MethodFilter::IncludingDeleted)
    });
}

#[test]
fn emergency_refuses_method_changes() {
    let t = TestShop::new();
    let owner = t.owner();
    let m = t
        .shop
        .create_payment_method(&owner, &new_method("Bank", "USD", "1", "100"))
        .unwrap();
    t.shop
        .set_store_state(&owner, StoreState::Emergency, None)
        .unwrap();
    for err in [
        refused(&t, || {
            t.shop
                .create_payment_method(&owner, &new_method("B2", "USD", "1", "2"))
        }),
        refused(&t, || {
            t.shop
                .update_payment_method(&owner, m.id, PaymentMethodChange::Active(false))
        }),
        refused(&t, || t.shop.delete_payment_method(&owner, m.id)),
    ] {
        assert_eq!(err.kind(), "mode.emergency");
    }
    // Viewing the panel still works (and is audited).
    assert_eq!(
        t.shop
            .payment_methods_panel(&owner, MethodFilter::ActiveOnly)
            .unwrap()
            .len(),
        1
    );
}
