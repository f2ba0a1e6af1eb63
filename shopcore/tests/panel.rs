//! Signing in to the staff web panel (`Shop::issue_panel_link`, `open_panel_session`,
//! `panel_session`): one-time links bound to a staff member, sessions that end when idle,
//! old, revoked, or when their person is banned or demoted. Runs on both backends.

use crate::common::{TestShop, last_audit, uid};
use shopcore::{AuditAction, Error, PanelError, Role};

fn panel_error(e: Error) -> PanelError {
    match e {
        Error::Panel(p) => p,
        other => panic!("expected a panel error, got {other:?}"),
    }
}

#[test]
fn a_link_signs_in_once_and_the_session_acts_through_the_web() {
    let t = TestShop::new();
    let support = t.staff(10, Role::Support);
    let link = t.shop.issue_panel_link(&support).unwrap();
    assert_eq!(link.token.len(), 64);
    assert_eq!(last_audit(&t).action, AuditAction::IssuePanelLink);
    assert!(
        !format!("{:?}", last_audit(&t)).contains(&link.token),
        "the token is never audited"
    );
    assert!(!format!("{link:?}").contains(&link.token));
    let opened = t.shop.open_panel_session(&link.token).unwrap();
    assert_eq!(opened.user, uid(10));
    assert_ne!(opened.token, link.token);
    let entry = last_audit(&t);
    assert_eq!(entry.action, AuditAction::PanelSignIn);
    assert!(
        entry
            .details
            .iter()
            .any(|d| d.field == "via" && d.after.as_deref() == Some("web"))
    );
    // Used once: a second opening is refused, and so is a forged or malformed token.
    let again = t.shop.open_panel_session(&link.token).unwrap_err();
    assert_eq!(panel_error(again), PanelError::LinkUnknown);
    let forged = "0".repeat(64);
    assert_eq!(
        panel_error(t.shop.open_panel_session(&forged).unwrap_err()),
        PanelError::LinkUnknown
    );
    assert_eq!(
        panel_error(t.shop.open_panel_session("../etc").unwrap_err()),
        PanelError::LinkUnknown
    );
    // The session's actor acts as the person, and its audit entries say "via web".
    let session = t.shop.panel_session(&opened.token).unwrap();
    assert_eq!(session.user.id, uid(10));
    assert_eq!(session.actor.via(), Some("web"));
    assert_eq!(session.csrf.len(), 64);
    let shopper = t.user(20, Some("shopper"));
    t.shop
        .ban_user(&t.owner(), shopper.id, "spam")
        .expect("owner bans");
    let refused = t.shop.unban_user(&session.actor, shopper.id).unwrap_err();
    assert!(matches!(refused, Error::Denied(_)), "{refused:?}");
    let entry = last_audit(&t);
    assert_eq!(entry.action, AuditAction::UnbanUser);
    assert!(
        entry
            .details
            .iter()
            .any(|d| d.field == "via" && d.after.as_deref() == Some("web")),
        "a refusal through the web says so too: {entry:?}"
    );
    // Signing out ends it; twice is fine.
    t.shop.end_panel_session(&opened.token).unwrap();
    t.shop.end_panel_session(&opened.token).unwrap();
    assert_eq!(
        panel_error(t.shop.panel_session(&opened.token).unwrap_err()),
        PanelError::SessionUnknown
    );
    assert_eq!(last_audit(&t).action, AuditAction::PanelSignOut);
}

#[test]
fn shoppers_get_no_link_and_links_expire() {
    let t = TestShop::new();
    let shopper = t.staff(20, Role::User);
    assert_eq!(
        panel_error(t.shop.issue_panel_link(&shopper).unwrap_err()),
        PanelError::NotStaff { user: uid(20) }
    );
    let console = t.shop.system_actor("console").unwrap();
    assert!(matches!(
        t.shop.issue_panel_link(&console).unwrap_err(),
        Error::Denied(_)
    ));
    let support = t.staff(10, Role::Support);
    let link = t.shop.issue_panel_link(&support).unwrap();
    t.clock.advance_millis(10 * 60 * 1000);
    assert_eq!(
        panel_error(t.shop.open_panel_session(&link.token).unwrap_err()),
        PanelError::LinkExpired
    );
    // Expired is used up too.
    assert_eq!(
        panel_error(t.shop.open_panel_session(&link.token).unwrap_err()),
        PanelError::LinkUnknown
    );
    // A link of someone demoted before opening it signs nobody in.
    let link = t.shop.issue_panel_link(&support).unwrap();
    t.shop.set_role(&t.owner(), uid(10), Role::User).unwrap();
    assert_eq!(
        panel_error(t.shop.open_panel_session(&link.token).unwrap_err()),
        PanelError::NotStaff { user: uid(10) }
    );
    let entry = last_audit(&t);
    assert_eq!(entry.action, AuditAction::PanelSignIn);
    assert!(matches!(
        entry.outcome,
        shopcore::audit::Outcome::Failed { .. }
    ));
}

#[test]
fn at_most_five_unused_links_each() {
    let t = TestShop::new();
    let support = t.staff(10, Role::Support);
    for _ in 0..5 {
        t.shop.issue_panel_link(&support).unwrap();
    }
    assert!(matches!(
        panel_error(t.shop.issue_panel_link(&support).unwrap_err()),
        PanelError::TooManyLinks { minutes: 10 }
    ));
    // Once they expire, new ones come (the expired ones are dropped).
    t.clock.advance_millis(10 * 60 * 1000);
    t.shop.issue_panel_link(&support).unwrap();
}

#[test]
fn sessions_end_when_idle_old_banned_demoted_or_revoked() {
    let t = TestShop::new();
    let operator = t.staff(10, Role::Operator);
    let sign_in = |actor: &shopcore::Actor| {
        let link = t.shop.issue_panel_link(actor).unwrap();
        t.shop.open_panel_session(&link.token).unwrap().token
    };
    // Idle: 30 minutes without a request.
    let token = sign_in(&operator);
    t.clock.advance_millis(29 * 60 * 1000);
    t.shop.panel_session(&token).unwrap();
    t.clock.advance_millis(29 * 60 * 1000);
    t.shop.panel_session(&token).unwrap();
    t.clock.advance_millis(30 * 60 * 1000 + 1);
    assert_eq!(
        panel_error(t.shop.panel_session(&token).unwrap_err()),
        PanelError::SessionExpired
    );
    assert_eq!(
        panel_error(t.shop.panel_session(&token).unwrap_err()),
        PanelError::SessionUnknown,
        "an expired session is removed"
    );
    // Old: 12 hours after sign-in, however busy.
    let token = sign_in(&operator);
    for _ in 0..24 {
        t.clock.advance_millis(29 * 60 * 1000);
        t.shop.panel_session(&token).unwrap();
    }
    t.clock.advance_millis(29 * 60 * 1000);
    assert_eq!(
        panel_error(t.shop.panel_session(&token).unwrap_err()),
        PanelError::SessionExpired
    );
    // Demoted: the open session is refused at once.
    let token = sign_in(&operator);
    t.shop.set_role(&t.owner(), uid(10), Role::User).unwrap();
    assert_eq!(
        panel_error(t.shop.panel_session(&token).unwrap_err()),
        PanelError::NotStaff { user: uid(10) }
    );
    // Banned: likewise.
    t.shop
        .set_role(&t.owner(), uid(10), Role::Operator)
        .unwrap();
    let token = sign_in(&operator);
    t.shop.ban_user(&t.owner(), uid(10), "left").unwrap();
    assert!(matches!(
        t.shop.panel_session(&token).unwrap_err(),
        Error::Denied(shopcore::Denied::ActorBanned { .. })
    ));
    t.shop.unban_user(&t.owner(), uid(10)).unwrap();
    // Revoked: by themselves, or by someone who outranks them; not by a peer.
    let first = sign_in(&operator);
    let second = sign_in(&operator);
    let mine = t.shop.my_panel_sessions(&first).unwrap();
    assert_eq!(mine.len(), 2);
    assert_eq!(mine.iter().filter(|s| s.current).count(), 1);
    let peer = t.staff(11, Role::Operator);
    assert!(matches!(
        t.shop.revoke_panel_sessions(&peer, uid(10)).unwrap_err(),
        Error::Denied(shopcore::Denied::CannotManage { .. })
    ));
    t.shop.panel_session(&first).unwrap();
    assert_eq!(t.shop.revoke_panel_sessions(&operator, uid(10)).unwrap(), 2);
    assert_eq!(last_audit(&t).action, AuditAction::RevokePanelSessions);
    for token in [&first, &second] {
        assert_eq!(
            panel_error(t.shop.panel_session(token).unwrap_err()),
            PanelError::SessionUnknown
        );
    }
    let third = sign_in(&operator);
    assert_eq!(
        t.shop.revoke_panel_sessions(&t.owner(), uid(10)).unwrap(),
        1
    );
    assert!(t.shop.panel_session(&third).is_err());
}

#[test]
fn sessions_survive_a_restart_and_the_sweep_removes_only_expired_ones() {
    let t = TestShop::new();
    let support = t.staff(10, Role::Support);
    let link = t.shop.issue_panel_link(&support).unwrap();
    let token = t.shop.open_panel_session(&link.token).unwrap().token;
    let stale = t.shop.issue_panel_link(&support).unwrap();
    let t = t.reopen();
    t.shop.panel_session(&token).unwrap();
    assert_eq!(t.shop.sweep_panel().unwrap(), 0);
    t.clock.advance_millis(11 * 60 * 1000);
    assert_eq!(t.shop.sweep_panel().unwrap(), 1, "the unused link");
    t.shop.panel_session(&token).unwrap();
    t.clock.advance_millis(31 * 60 * 1000);
    assert_eq!(t.shop.sweep_panel().unwrap(), 1, "the idle session");
    assert!(t.shop.open_panel_session(&stale.token).is_err());
    assert!(t.shop.verify().unwrap().is_healthy());
}
