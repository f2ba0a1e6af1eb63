//! Currencies: adding, rates with bounds and audited old/new values, enabling, refusals.

use crate::common::{TestShop, last_audit, money, new_method, refused};
use shopcore::currency::parse_rate;
use shopcore::{AuditAction, Role};

#[test]
fn add_rate_and_disable() {
    let t = TestShop::new();
    let owner = t.owner();
    let egp = t
        .shop
        .add_currency(&owner, "egp", "E£", 2, money("48.25"))
        .unwrap();
    assert_eq!(egp.code.as_str(), "EGP");
    assert_eq!(t.shop.currency("EGP").unwrap(), egp);
    assert_eq!(t.shop.currencies().unwrap().len(), 2);
    assert_eq!(egp.from_usd(money("10")), Some(money("482.5")));

    t.shop
        .set_exchange_rate(&owner, "EGP", money("50.10"))
        .unwrap();
    let entry = last_audit(&t);
    assert_eq!(entry.action, AuditAction::SetExchangeRate);
    assert_eq!(entry.details[0].before.as_deref(), Some("48.25"));
    assert_eq!(entry.details[0].after.as_deref(), Some("50.1"));

    // A method in EGP; while it is active the currency can't be disabled.
    let m = t
        .shop
        .create_payment_method(&owner, &new_method("InstaPay", "EGP", "50", "20000"))
        .unwrap();
    assert_eq!(
        refused(&t, || t.shop.set_currency_enabled(&owner, "EGP", false)).kind(),
        "currency.in_use"
    );
    t.shop.delete_payment_method(&owner, m.id).unwrap();
    t.shop.set_currency_enabled(&owner, "EGP", false).unwrap();
    // A disabled currency is refused for new methods.
    let err = refused(&t, || {
        t.shop
            .create_payment_method(&owner, &new_method("X", "EGP", "1", "2"))
    });
    assert_eq!(err.kind(), "currency.disabled");
    t.shop.set_currency_enabled(&owner, "EGP", true).unwrap();
}

#[test]
fn bad_currencies_and_rates_are_refused() {
    let t = TestShop::new();
    let owner = t.owner();
    t.shop
        .add_currency(&owner, "IQD", "ع.د", 0, money("1310"))
        .unwrap();
    let cases = [
        (
            t.shop.add_currency(&owner, "IQD", "x", 0, money("1")).err(),
            "currency.already_exists",
        ),
        (
            t.shop.add_currency(&owner, "USD", "$", 2, money("1")).err(),
            "currency.already_exists",
        ),
        (
            t.shop.add_currency(&owner, "EU", "€", 2, money("1")).err(),
            "invalid.currency_code",
        ),
        (
            t.shop.add_currency(&owner, "EUR", "€", 9, money("1")).err(),
            "currency.bad_decimals",
        ),
        (
            t.shop.add_currency(&owner, "EUR", "", 2, money("1")).err(),
            "invalid.empty_text",
        ),
        (
            t.shop.add_currency(&owner, "EUR", "€", 2, money("0")).err(),
            "currency.bad_rate",
        ),
        (
            t.shop
                .add_currency(&owner, "EUR", "€", 2, money("-1"))
                .err(),
            "currency.bad_rate",
        ),
        (
            t.shop
                .add_currency(&owner, "EUR", "€", 2, money("1000001"))
                .err(),
            "currency.bad_rate",
        ),
        (
            t.shop
                .add_currency(&owner, "EUR", "€", 2, money("0.123456789"))
                .err(),
            "currency.bad_rate",
        ),
        (
            t.shop.set_exchange_rate(&owner, "USD", money("2")).err(),
            "currency.base_fixed",
        ),
        (
            t.shop.set_exchange_rate(&owner, "XXX", money("2")).err(),
            "currency.unknown",
        ),
        (
            t.shop.set_exchange_rate(&owner, "IQD", money("1310")).err(),
            "invalid.unchanged",
        ),
        (
            t.shop.set_currency_enabled(&owner, "USD", false).err(),
            "currency.base_fixed",
        ),
    ];
    for (err, kind) in cases {
        assert_eq!(err.expect("refused").kind(), kind);
    }
    assert!(t.shop.currency("EUR").is_err());
    assert_eq!(parse_rate("48.5").unwrap(), money("48.5"));
    assert!(parse_rate("1e3").is_err());

    let operator = t.staff(2, Role::Operator);
    let err = refused(&t, || {
        t.shop.set_exchange_rate(&operator, "IQD", money("1400"))
    });
    assert_eq!(err.kind(), "denied.missing_permission");
    assert_eq!(t.shop.currency("IQD").unwrap().units_per_usd, money("1310"));
}
