//! Users, roles and permissions through the public API: success paths, and every refusal
//! with its specific error, no state change, and a `Denied`/`Failed` audit entry.

use crate::common::{OWNER, TestShop, last_audit as last_entry, refused, uid};
use shopcore::audit::Outcome;
use shopcore::{AuditAction, AuditQuery, Denied, Error, Registration, Role, UserError, UserFilter};

#[test]
fn register_lookup_and_rename() {
    let t = TestShop::new();
    let alice = t.user(42, Some("Alice"));
    assert_eq!(alice.role, Role::User);
    assert_eq!(alice.language.as_ref().unwrap().as_str(), "en");
    let owner = t.owner();
    assert_eq!(t.shop.find_user(&owner, "@alice").unwrap().id, uid(42));
    assert_eq!(t.shop.find_user(&owner, "ALICE").unwrap().id, uid(42));
    assert_eq!(t.shop.find_user(&owner, "42").unwrap().id, uid(42));

    // Rename: the old name stops resolving.
    t.user(42, Some("alice_new"));
    assert!(matches!(
        t.shop.find_user(&owner, "@alice"),
        Err(Error::User(UserError::NotFound { .. }))
    ));
    assert_eq!(t.shop.find_user(&owner, "@Alice_New").unwrap().id, uid(42));

    // Another account claims the name: the newest claim wins, the old holder loses it.
    t.user(43, Some("ALICE_NEW"));
    assert_eq!(t.shop.find_user(&owner, "@alice_new").unwrap().id, uid(43));
    assert_eq!(t.shop.user(uid(42)).unwrap().unwrap().username, None);
    assert!(t.shop.verify().unwrap().is_healthy());
}

#[test]
fn registration_is_audited_once_and_updates_last_active() {
    let t = TestShop::new();
    let first = t.user(7, None);
    t.clock.advance_millis(60_000);
    let again = t.user(7, None);
    assert_eq!(again.created_at, first.created_at);
    assert_eq!(
        again.last_active_at.millis(),
        first.last_active_at.millis() + 60_000
    );
    let page = t
        .shop
        .audit_log(
            &t.owner(),
            &AuditQuery {
                action: Some(AuditAction::RegisterUser),
                limit: 10,
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(page.entries.len(), 1);
}

#[test]
fn bad_registrations_change_nothing() {
    let t = TestShop::new();
    let long = "x".repeat(129);
    let cases: Vec<(Option<&str>, &str, Option<&str>, &str)> = vec![
        (Some("@@x"), "Name", None, "invalid.username"),
        (Some("a b c"), "Name", None, "invalid.username"),
        (Some("9lives"), "Name", None, "invalid.username"),
        (None, "", None, "invalid.empty_text"),
        (None, "   ", None, "invalid.empty_text"),
        (None, "bad\u{0000}name", None, "invalid.forbidden_character"),
        (None, "line\nbreak", None, "invalid.forbidden_character"),
        (None, &long, None, "invalid.text_too_long"),
        (None, "Name", Some("english!"), "invalid.language_code"),
    ];
    for (username, display_name, language, kind) in cases {
        let err = refused(&t, || {
            t.shop.register_user(&Registration {
                id: uid(50),
                username,
                display_name,
                language,
            })
        });
        assert_eq!(
            err.kind(),
            kind,
            "{username:?} {display_name:?} {language:?}"
        );
    }
    assert!(t.shop.user(uid(50)).unwrap().is_none());
}

#[test]
fn role_changes_follow_the_rules() {
    let t = TestShop::new();
    let operator = t.staff(2, Role::Operator);
    let support = t.staff(3, Role::Support);
    t.user(4, Some("shopper"));

    // An operator can make someone support, and audit records before/after.
    let user = t.shop.set_role(&operator, uid(4), Role::Support).unwrap();
    assert_eq!(user.role, Role::Support);
    let entry = last_entry(&t);
    assert_eq!(entry.action, AuditAction::ChangeRole);
    assert_eq!(entry.details[0].before.as_deref(), Some("user"));
    assert_eq!(entry.details[0].after.as_deref(), Some("support"));

    // Support can't manage roles at all.
    let err = refused(&t, || t.shop.set_role(&support, uid(4), Role::Operator));
    assert!(matches!(
        err,
        Error::Denied(Denied::MissingPermission {
            role: Role::Support,
            ..
        })
    ));
    let entry = last_entry(&t);
    assert_eq!(entry.action, AuditAction::ChangeRole);
    assert!(matches!(entry.outcome, Outcome::Denied { .. }), "{entry:?}");

    // An operator can't grant operator (their own rank) nor touch a peer.
    let err = refused(&t, || t.shop.set_role(&operator, uid(4), Role::Operator));
    assert!(
        matches!(err, Error::Denied(Denied::CannotGrant { .. })),
        "{err}"
    );
    t.staff(5, Role::Operator);
    let err = refused(&t, || t.shop.set_role(&operator, uid(5), Role::User));
    assert!(
        matches!(err, Error::Denied(Denied::CannotManage { .. })),
        "{err}"
    );

    // Nobody changes their own role.
    let err = refused(&t, || t.shop.set_role(&operator, uid(2), Role::User));
    assert!(
        matches!(err, Error::Denied(Denied::SelfAction { .. })),
        "{err}"
    );

    // Unknown target.
    let err = refused(&t, || t.shop.set_role(&operator, uid(999), Role::Support));
    assert!(
        matches!(err, Error::User(UserError::NotFound { .. })),
        "{err}"
    );
    assert!(matches!(last_entry(&t).outcome, Outcome::Failed { .. }));

    // Same role again.
    let err = refused(&t, || t.shop.set_role(&t.owner(), uid(4), Role::Support));
    assert!(
        matches!(err, Error::User(UserError::RoleUnchanged { .. })),
        "{err}"
    );
}

#[test]
fn the_last_super_admin_stays() {
    let t = TestShop::new();
    let console = t.shop.system_actor("console").unwrap();
    let err = refused(&t, || t.shop.set_role(&console, uid(OWNER), Role::Operator));
    assert!(
        matches!(err, Error::User(UserError::LastSuperAdmin { .. })),
        "{err}"
    );
    let err = refused(&t, || t.shop.ban_user(&console, uid(OWNER), "test"));
    assert!(
        matches!(err, Error::User(UserError::LastSuperAdmin { .. })),
        "{err}"
    );

    // With a second super admin, one may be demoted; then the other is the last.
    t.staff(2, Role::SuperAdmin);
    t.shop
        .set_role(&console, uid(OWNER), Role::Operator)
        .unwrap();
    let err = refused(&t, || t.shop.ban_user(&console, uid(2), "test"));
    assert!(
        matches!(err, Error::User(UserError::LastSuperAdmin { .. })),
        "{err}"
    );
    assert!(t.shop.verify().unwrap().is_healthy());
}

#[test]
fn bans() {
    let t = TestShop::new();
    let operator = t.staff(2, Role::Operator);
    let support_actor = t.staff(3, Role::Support);
    t.user(4, None);

    let err = refused(&t, || t.shop.ban_user(&operator, uid(2), "me"));
    assert!(
        matches!(err, Error::Denied(Denied::SelfAction { .. })),
        "{err}"
    );
    let err = refused(&t, || t.shop.ban_user(&support_actor, uid(4), "spam"));
    assert!(
        matches!(err, Error::Denied(Denied::MissingPermission { .. })),
        "{err}"
    );
    let err = refused(&t, || t.shop.ban_user(&operator, uid(4), " \n "));
    assert_eq!(err.kind(), "invalid.empty_text");
    let err = refused(&t, || t.shop.ban_user(&operator, uid(4), &"r".repeat(501)));
    assert_eq!(err.kind(), "invalid.text_too_long");
    let err = refused(&t, || t.shop.ban_user(&operator, uid(404), "spam"));
    assert!(
        matches!(err, Error::User(UserError::NotFound { .. })),
        "{err}"
    );

    // The operator bans the support user, who then can't act, even with an old Actor.
    let banned = t.shop.ban_user(&operator, uid(3), "abuse").unwrap();
    assert_eq!(banned.ban.as_ref().unwrap().reason, "abuse");
    assert!(matches!(
        t.shop.actor(uid(3)),
        Err(Error::Denied(Denied::ActorBanned { .. }))
    ));
    let err = refused(&t, || t.shop.find_user(&support_actor, "4"));
    assert!(
        matches!(err, Error::Denied(Denied::ActorBanned { .. })),
        "{err}"
    );
    let err = refused(&t, || t.shop.set_preferred_language(&support_actor, "ar"));
    assert!(
        matches!(err, Error::Denied(Denied::ActorBanned { .. })),
        "{err}"
    );

    let err = refused(&t, || t.shop.ban_user(&operator, uid(3), "again"));
    assert!(
        matches!(err, Error::User(UserError::AlreadyBanned { .. })),
        "{err}"
    );
    let banned_list = t
        .shop
        .list_users(
            &operator,
            &UserFilter {
                banned_only: true,
                role: None,
            },
            None,
            10,
        )
        .unwrap();
    assert_eq!(
        banned_list.users.iter().map(|u| u.id).collect::<Vec<_>>(),
        vec![uid(3)]
    );

    t.shop.unban_user(&operator, uid(3)).unwrap();
    let err = refused(&t, || t.shop.unban_user(&operator, uid(3)));
    assert!(
        matches!(err, Error::User(UserError::NotBanned { .. })),
        "{err}"
    );
    assert!(t.shop.actor(uid(3)).is_ok());
    assert!(t.shop.verify().unwrap().is_healthy());
}

#[test]
fn unknown_actors_and_preferences() {
    let t = TestShop::new();
    assert!(matches!(
        t.shop.actor(uid(77)),
        Err(Error::Denied(Denied::UnknownActor { .. }))
    ));
    t.user(77, None);
    let me = t.shop.actor(uid(77)).unwrap();
    assert_eq!(
        t.shop
            .set_preferred_language(&me, "AR")
            .unwrap()
            .preferred_language
            .unwrap()
            .as_str(),
        "ar"
    );
    assert_eq!(
        t.shop
            .set_preferred_currency(&me, "usd")
            .unwrap()
            .preferred_currency
            .unwrap()
            .as_str(),
        "USD"
    );
    let err = refused(&t, || t.shop.set_preferred_currency(&me, "XYZ"));
    assert_eq!(err.kind(), "currency.unknown");
    let err = refused(&t, || t.shop.set_preferred_currency(&me, "dollars"));
    assert_eq!(err.kind(), "invalid.currency_code");
    // A shopper can't look people up.
    let err = refused(&t, || t.shop.find_user(&me, "1"));
    assert!(
        matches!(err, Error::Denied(Denied::MissingPermission { .. })),
        "{err}"
    );
    // System actor names follow the text rules.
    assert!(t.shop.system_actor("con\u{7}sole").is_err());
}

#[test]
fn a_system_actor_has_no_preferences() {
    let t = TestShop::new();
    let console = t.shop.system_actor("console").unwrap();
    for err in [
        refused(&t, || t.shop.set_preferred_language(&console, "ar")),
        refused(&t, || t.shop.set_preferred_currency(&console, "USD")),
    ] {
        assert!(matches!(err, Error::Denied(Denied::NotAUser)), "{err}");
    }
}

#[test]
fn listing_users_pages_through_everyone_once() {
    let t = TestShop::new();
    for id in 10..47 {
        t.user(id, None);
    }
    t.staff(100, Role::Support);
    let owner = t.owner();
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = t
            .shop
            .list_users(&owner, &UserFilter::default(), after, 7)
            .unwrap();
        assert!(page.users.len() <= 7);
        seen.extend(page.users.iter().map(|u| u.id.get()));
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    let mut expected: Vec<u64> = vec![OWNER];
    expected.extend(10..47);
    expected.push(100);
    assert_eq!(seen, expected);

    let support = t
        .shop
        .list_users(
            &owner,
            &UserFilter {
                role: Some(Role::Support),
                banned_only: false,
            },
            None,
            50,
        )
        .unwrap();
    assert_eq!(support.users.len(), 1);
    assert_eq!(support.users[0].id, uid(100));
    assert_eq!(
        t.shop
            .list_users(&owner, &UserFilter::default(), None, 0)
            .unwrap_err()
            .kind(),
        "invalid.page_size"
    );
}

#[test]
fn persistence_across_reopen() {
    let t = TestShop::new();
    t.user(42, Some("alice"));
    t.shop
        .set_role(&t.owner(), uid(42), Role::Operator)
        .unwrap();
    let digest = t.digest();
    let t = t.reopen();
    assert_eq!(t.digest(), digest);
    let alice = t.shop.find_user(&t.owner(), "@alice").unwrap();
    assert_eq!(alice.role, Role::Operator);
    assert!(t.shop.verify().unwrap().is_healthy());
}
