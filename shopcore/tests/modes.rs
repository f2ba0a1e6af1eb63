//! Store modes and settings: who may switch them, what emergency mode stops, the cache.

use crate::common::{TestShop, uid};
use shopcore::{
    AuditAction, AuditQuery, Denied, Error, FulfilmentMode, ModeError, Role, StoreState,
};

#[test]
fn maintenance_needs_manage_settings() {
    let t = TestShop::new();
    let operator = t.staff(2, Role::Operator);
    let before = t.digest();
    let err = t
        .shop
        .set_store_state(&operator, StoreState::Maintenance, None)
        .unwrap_err();
    assert!(matches!(
        err,
        Error::Denied(Denied::MissingPermission {
            role: Role::Operator,
            ..
        })
    ));
    assert_eq!(t.digest(), before);
    assert_eq!(t.shop.settings().state, StoreState::Open);

    // SEED pre-release test 11: switch on maintenance mode.
    let settings = t
        .shop
        .set_store_state(&t.owner(), StoreState::Maintenance, Some("upgrading"))
        .unwrap();
    assert_eq!(settings.state, StoreState::Maintenance);
    assert_eq!(t.shop.settings().state, StoreState::Maintenance);
    assert_eq!(t.shop.settings().state_reason.as_deref(), Some("upgrading"));
    // Everything but new orders still works: registration and staff actions do.
    t.user(9, None);
    t.shop.ban_user(&operator, uid(9), "spam").unwrap();

    let err = t
        .shop
        .set_store_state(&t.owner(), StoreState::Maintenance, None)
        .unwrap_err();
    assert_eq!(err.kind(), "invalid.unchanged");
}

#[test]
fn emergency_stops_everything_but_lifting_it() {
    let t = TestShop::new();
    let operator = t.staff(2, Role::Operator);
    let support = t.staff(3, Role::Support);
    t.user(4, None);

    // Support can't pull the emergency brake; an operator can (SEED pre-release test 12).
    assert!(
        t.shop
            .set_store_state(&support, StoreState::Emergency, None)
            .is_err()
    );
    t.shop
        .set_store_state(&operator, StoreState::Emergency, Some("fraud wave"))
        .unwrap();
    assert_eq!(t.shop.settings().state, StoreState::Emergency);

    let before = t.digest();
    let emergency = |r: Result<_, Error>| {
        assert!(
            matches!(r, Err(Error::Mode(ModeError::Emergency))),
            "{:?}",
            r.err()
        );
    };
    emergency(
        t.shop
            .register_user(&shopcore::Registration {
                id: uid(50),
                username: None,
                display_name: "New",
                language: None,
            })
            .map(|_| ()),
    );
    emergency(t.shop.ban_user(&operator, uid(4), "x").map(|_| ()));
    emergency(
        t.shop
            .set_role(&t.owner(), uid(4), Role::Support)
            .map(|_| ()),
    );
    emergency(
        t.shop
            .set_fulfilment_mode(&t.owner(), FulfilmentMode::Auto)
            .map(|_| ()),
    );
    emergency(
        t.shop
            .set_support_contact(&t.owner(), Some("@help"))
            .map(|_| ()),
    );
    let me = t.shop.actor(uid(4)).unwrap();
    emergency(t.shop.set_preferred_language(&me, "ar").map(|_| ()));
    assert_eq!(t.digest(), before, "nothing changed during the emergency");

    // Staff reads work.
    assert_eq!(t.shop.find_user(&support, "4").unwrap().id, uid(4));
    assert!(
        t.shop
            .audit_log(
                &operator,
                &AuditQuery {
                    limit: 5,
                    ..Default::default()
                }
            )
            .is_ok()
    );

    // Going to maintenance from emergency is lifting it: needs emergency_stop, not settings.
    assert!(
        t.shop
            .set_store_state(&support, StoreState::Open, None)
            .is_err()
    );
    t.shop
        .set_store_state(&operator, StoreState::Open, None)
        .unwrap();
    t.shop.ban_user(&operator, uid(4), "x").unwrap();
}

#[test]
fn settings_are_audited_cached_and_persisted() {
    let t = TestShop::new();
    let owner = t.owner();
    let v0 = t.shop.settings().version;
    t.shop
        .set_fulfilment_mode(&owner, FulfilmentMode::Auto)
        .unwrap();
    t.shop
        .set_support_contact(&owner, Some("  @shop_help "))
        .unwrap();
    let cached = t.shop.settings();
    assert_eq!(cached.version, v0 + 2);
    assert_eq!(cached.fulfilment, FulfilmentMode::Auto);
    assert_eq!(cached.support_contact.as_deref(), Some("@shop_help"));
    assert_eq!(
        t.shop
            .set_support_contact(&owner, Some("a\u{0}b"))
            .unwrap_err()
            .kind(),
        "invalid.forbidden_character"
    );

    let page = t
        .shop
        .audit_log(
            &owner,
            &AuditQuery {
                action: Some(AuditAction::SetFulfilmentMode),
                limit: 5,
                ..Default::default()
            },
        )
        .unwrap();
    let detail = &page.entries[0].details[0];
    assert_eq!(
        (detail.before.as_deref(), detail.after.as_deref()),
        (Some("manual"), Some("auto"))
    );

    let t = t.reopen();
    assert_eq!(t.shop.settings(), cached);
}

#[test]
fn expiry_and_pruning_wait_for_the_emergency_to_end() {
    let t = TestShop::new();
    let owner = t.owner();
    t.shop
        .set_store_state(&owner, StoreState::Emergency, None)
        .unwrap();
    let policy = shopcore::retention::RetentionPolicy::everything_before(t.shop.now());
    let before = t.digest();
    assert_eq!(
        t.shop.prune(&owner, &policy).unwrap_err().kind(),
        "mode.emergency"
    );
    assert_eq!(t.digest(), before);
    t.shop
        .set_store_state(&owner, StoreState::Open, None)
        .unwrap();
    assert!(t.shop.prune(&owner, &policy).is_ok());
}
