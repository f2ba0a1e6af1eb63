//! Hostile input pushed through every text field of every operation: each string is either
//! stored exactly as the rules say (trimmed) or refused with a specific, non-storage error
//! that changes nothing. Nothing panics.

use crate::common::{TestShop, key, money, new_method, new_product, refused, topup_request, uid};
use shopcore::coupons::{CouponKind, CouponScope, NewCoupon};
use shopcore::{
    CategoryChange, Delivery, PaymentMethodChange, PlayerField, PlayerIdRule, ProductChange, Proof,
    Registration, RequestKey, Role,
};

fn corpus() -> Vec<String> {
    let mut strings: Vec<String> = [
        "",
        " ",
        "\t\n ",
        "normal",
        "مرحبا بالعالم",
        "ok 👍🏽 emoji",
        "\u{0}nul",
        "bell\u{7}",
        "esc\u{1b}[31mred",
        "\u{202E}override",
        "rli\u{2067}x\u{2069}",
        "zero\u{200B}width",
        "\u{FEFF}bom",
        "*bold* _it_ `code` [link](http://x)",
        "<b>x</b><script>alert(1)</script>",
        "'; DROP TABLE users; --",
        "=HYPERLINK(\"http://evil\")",
        "99999999999999999999999999999999999999",
        "-1",
        "1e308",
        "NaN",
        "@admin",
        "@аdmin",
        "line one\nline two",
        "\r\ncrlf",
        "../../etc/passwd",
        "%s%n%x",
        "\u{10FFFF}",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    strings.push("x".repeat(100_000));
    strings.push("é".repeat(5_000));
    strings
}

/// Checks one attempt: a stored value equals the trimmed input; a refusal is specific and
/// changed nothing.
fn attempt<T: std::fmt::Debug>(
    t: &TestShop,
    input: &str,
    call: impl FnOnce() -> Result<T, shopcore::Error>,
    stored: impl FnOnce(&T) -> Option<String>,
) {
    let before = t.digest();
    match call() {
        Ok(value) => {
            if let Some(text) = stored(&value) {
                assert_eq!(text, input.trim(), "stored text differs from the input");
                assert!(
                    !text.chars().any(|c| c.is_control() && c != '\n'),
                    "{text:?} stored a control character"
                );
                assert!(
                    !text.contains('\u{202E}'),
                    "{text:?} stored a direction override"
                );
            }
        }
        Err(e) => {
            assert!(
                !e.kind().starts_with("store."),
                "{input:?}: storage error {e}"
            );
            assert_eq!(
                t.digest(),
                before,
                "{input:?}: a refusal changed state ({e})"
            );
        }
    }
}

#[test]
fn every_text_field_takes_hostile_input_safely() {
    let t = TestShop::new();
    let owner = t.owner();
    let cat = t.shop.create_category(&owner, "Base", 0).unwrap().id;
    let product = t
        .shop
        .create_product(&owner, &new_product(cat, "Base", "1"))
        .unwrap()
        .id;
    let mut codes = new_product(cat, "Codes", "1");
    codes.delivery = Delivery::Codes;
    let codes = t.shop.create_product(&owner, &codes).unwrap().id;
    let method = t
        .shop
        .create_payment_method(&owner, &new_method("Bank", "USD", "1", "100"))
        .unwrap()
        .id;
    t.user(10, None);
    let shopper = t.shop.actor(uid(10)).unwrap();
    t.shop
        .adjust_balance(&owner, uid(10), money("50"), "float", &key("float"))
        .unwrap();

    for (i, s) in corpus().iter().enumerate() {
        let s = s.as_str();
        let next_id = 1_001 + u64::try_from(i).unwrap();
        let letter = char::from(b'A' + u8::try_from(i % 26).unwrap());
        let fresh_code = format!("Q{letter}{letter}");
        attempt(
            &t,
            s,
            || {
                t.shop.register_user(&Registration {
                    id: uid(next_id),
                    username: None,
                    display_name: s,
                    language: None,
                })
            },
            |u| Some(u.display_name.clone()),
        );
        attempt(
            &t,
            s,
            || {
                t.shop.register_user(&Registration {
                    id: uid(next_id + 500_000),
                    username: Some(s),
                    display_name: "n",
                    language: None,
                })
            },
            |u| {
                u.username
                    .as_ref()
                    .map(|n| format!("@{}", n.as_str()))
                    .filter(|_| false)
            },
        );
        attempt(
            &t,
            s,
            || {
                t.shop.register_user(&Registration {
                    id: uid(next_id + 900_000),
                    username: None,
                    display_name: "n",
                    language: Some(s),
                })
            },
            |_| None,
        );
        attempt(
            &t,
            s,
            || t.shop.create_category(&owner, s, 0),
            |c| Some(c.name.clone()),
        );
        attempt(
            &t,
            s,
            || {
                t.shop
                    .update_category(&owner, cat, CategoryChange::Name(s.into()))
            },
            |c| Some(c.name.clone()),
        );
        attempt(
            &t,
            s,
            || t.shop.create_product(&owner, &new_product(cat, s, "1")),
            |p| Some(p.name.clone()),
        );
        attempt(
            &t,
            s,
            || {
                t.shop
                    .update_product(&owner, product, ProductChange::Name(s.into()))
            },
            |p| Some(p.name.clone()),
        );
        attempt(
            &t,
            s,
            || {
                t.shop
                    .update_product(&owner, product, ProductChange::Description(s.into()))
            },
            |p| (!p.description.is_empty()).then(|| p.description.clone()),
        );
        attempt(
            &t,
            s,
            || {
                t.shop.update_product(
                    &owner,
                    product,
                    ProductChange::Delivery(Delivery::Supplier { sku: s.into() }),
                )
            },
            |_| None,
        );
        attempt(
            &t,
            s,
            || {
                t.shop.update_product(
                    &owner,
                    product,
                    ProductChange::PlayerField(Some(PlayerField {
                        label: s.into(),
                        rule: PlayerIdRule::Mask(s.into()),
                    })),
                )
            },
            |_| None,
        );
        attempt(&t, s, || t.shop.add_codes(&owner, codes, &[s]), |_| None);
        attempt(
            &t,
            s,
            || {
                t.shop
                    .create_payment_method(&owner, &new_method(s, "USD", "1", "2"))
            },
            |m| Some(m.name.clone()),
        );
        attempt(
            &t,
            s,
            || {
                t.shop.update_payment_method(
                    &owner,
                    method,
                    PaymentMethodChange::Instructions(s.into()),
                )
            },
            |m| Some(m.instructions.clone()),
        );
        attempt(
            &t,
            s,
            || t.shop.add_currency(&owner, s, "x", 2, money("1")),
            |_| None,
        );
        attempt(
            &t,
            s,
            || t.shop.add_currency(&owner, &fresh_code, s, 2, money("1")),
            |c| Some(c.symbol.clone()),
        );
        attempt(
            &t,
            s,
            || {
                t.shop.create_coupon(
                    &owner,
                    &NewCoupon {
                        code: s.into(),
                        kind: CouponKind::Fixed(money("1")),
                        max_uses: 1,
                        uses_per_user: 1,
                        min_order_usd: None,
                        expires_at: None,
                        scope: CouponScope::All,
                    },
                )
            },
            |_| None,
        );
        attempt(
            &t,
            s,
            || t.shop.ban_user(&owner, uid(next_id), s),
            |u| u.ban.as_ref().map(|b| b.reason.clone()),
        );
        attempt(
            &t,
            s,
            || {
                t.shop
                    .adjust_balance(&owner, uid(10), money("1"), s, &key(&format!("adj{i}")))
            },
            |e| e.note.clone(),
        );
        attempt(
            &t,
            s,
            || t.shop.set_support_contact(&owner, Some(s)),
            |x| x.support_contact.clone(),
        );
        attempt(
            &t,
            s,
            || {
                let mut request = topup_request(method, "5", &format!("t{i}"));
                request.proof = Proof::Text(s.into());
                t.shop.request_topup(&shopper, &request)
            },
            |_| None,
        );
        attempt(
            &t,
            s,
            || t.shop.find_user(&owner, s).map(|u| u.id),
            |_| None,
        );
        attempt(
            &t,
            s,
            || t.shop.set_preferred_currency(&shopper, s),
            |_| None,
        );
        attempt(
            &t,
            s,
            || t.shop.set_preferred_language(&shopper, s),
            |_| None,
        );
        attempt(
            &t,
            s,
            || RequestKey::new(s).map_err(shopcore::Error::from),
            |_| None,
        );
        attempt(
            &t,
            s,
            || {
                shopcore::money::parse_amount(s, 2, money("1000")).map_err(|source| {
                    shopcore::Error::from(shopcore::InvalidInput::Amount {
                        what: "amount",
                        source,
                    })
                })
            },
            |_| None,
        );
        attempt(
            &t,
            s,
            || s.parse::<shopcore::UserId>().map_err(shopcore::Error::from),
            |_| None,
        );
        attempt(
            &t,
            s,
            || {
                s.parse::<shopcore::OrderId>()
                    .map_err(shopcore::Error::from)
            },
            |_| None,
        );
        attempt(
            &t,
            s,
            || shopcore::AuditAction::parse(s).map_err(shopcore::Error::from),
            |_| None,
        );
        attempt(
            &t,
            s,
            || shopcore::catalog::ProductCursor::from_token(s),
            |_| None,
        );
        attempt(
            &t,
            s,
            || t.shop.set_session("telegram", 1, s.as_bytes()),
            |_| None,
        );
        attempt(&t, s, || t.shop.system_actor(s).map(|_| ()), |_| None);
    }
    assert!(
        t.shop.verify().unwrap().is_healthy(),
        "{}",
        t.shop.verify().unwrap()
    );
}

#[test]
fn nobody_reaches_into_someone_elses_money_or_orders() {
    let t = TestShop::new();
    let owner = t.owner();
    let cat = t.shop.create_category(&owner, "C", 0).unwrap().id;
    let p = t
        .shop
        .create_product(&owner, &new_product(cat, "P", "1"))
        .unwrap()
        .id;
    let method = t
        .shop
        .create_payment_method(&owner, &new_method("Bank", "USD", "1", "100"))
        .unwrap()
        .id;
    for id in [10, 11] {
        t.user(id, None);
        t.shop
            .adjust_balance(
                &owner,
                uid(id),
                money("10"),
                "float",
                &key(&format!("f{id}")),
            )
            .unwrap();
    }
    let alice = t.shop.actor(uid(10)).unwrap();
    let mallory = t.shop.actor(uid(11)).unwrap();
    let order = t
        .shop
        .create_order(
            &alice,
            &shopcore::OrderRequest::from_balance(p, 1),
            &key("o"),
        )
        .unwrap();
    let topup = t
        .shop
        .request_topup(&alice, &topup_request(method, "5", "t"))
        .unwrap();
    // Every id Mallory can guess gets the same answer as an id that doesn't exist.
    for id in 1..=3u64 {
        let oid = shopcore::OrderId::new(id).unwrap();
        let kind = refused(&t, || t.shop.order(&mallory, oid)).kind();
        assert_eq!(kind, "order.not_found");
        assert_eq!(
            refused(&t, || t.shop.cancel_order(&mallory, oid, &key("x"))).kind(),
            "order.not_found"
        );
    }
    assert_eq!(
        refused(&t, || t.shop.topup(&mallory, topup.id)).kind(),
        "denied.missing_permission"
    );
    assert_eq!(
        refused(&t, || t.shop.ledger(&mallory, uid(10), None, 10)).kind(),
        "denied.missing_permission"
    );
    assert_eq!(
        refused(&t, || t.shop.orders_of(&mallory, uid(10), None, 10)).kind(),
        "denied.missing_permission"
    );
    assert_eq!(
        refused(&t, || t.shop.topups_of(&mallory, uid(10), None, 10)).kind(),
        "denied.missing_permission"
    );
    assert_eq!(
        refused(&t, || t.shop.approve_topup(&mallory, topup.id, &key("x"))).kind(),
        "denied.missing_permission"
    );
    assert_eq!(
        refused(&t, || t.shop.complete_order(
            &mallory,
            order.id,
            Some("x"),
            &key("x")
        ))
        .kind(),
        "denied.missing_permission"
    );
    assert_eq!(
        refused(&t, || t.shop.adjust_balance(
            &mallory,
            uid(11),
            money("100"),
            "me",
            &key("x")
        ))
        .kind(),
        "denied.missing_permission"
    );
    assert_eq!(
        refused(&t, || t.shop.set_role(&mallory, uid(11), Role::SuperAdmin)).kind(),
        "denied.missing_permission"
    );
    // Each refused staff action was audited.
    let denied = t
        .shop
        .audit_log(
            &owner,
            &shopcore::AuditQuery {
                actor: Some(shopcore::ActorRef::User(uid(11))),
                limit: 50,
                ..Default::default()
            },
        )
        .unwrap()
        .entries
        .iter()
        .filter(|e| matches!(e.outcome, shopcore::audit::Outcome::Denied { .. }))
        .count();
    assert!(denied >= 4, "{denied} denied attempts audited");
    assert_eq!(t.shop.balance(uid(10)).unwrap(), money("9"));
}
