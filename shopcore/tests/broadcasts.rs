//! Broadcast jobs: a durable cursor that resumes after a reopen, each recipient recorded
//! once, users who blocked the bot skipped until they come back, permissions and audit.

use crate::common::{TestShop, last_audit, uid};
use shopcore::{AuditAction, BroadcastDelivery, BroadcastStatus, Role};

#[test]
fn a_broadcast_resumes_and_reaches_each_user_once() {
    let t = TestShop::new();
    let owner = t.owner();
    for id in 10..20 {
        t.user(id, None);
    }
    t.shop.ban_user(&owner, uid(15), "spam").unwrap();
    // Owner + 9 unbanned shoppers.
    assert_eq!(t.shop.broadcast_audience(&owner).unwrap(), 10);
    let job = t
        .shop
        .create_broadcast(&owner, "  Eid sale: 20% off!  ")
        .unwrap();
    assert_eq!(
        (job.text.as_str(), job.audience, job.status),
        ("Eid sale: 20% off!", 10, BroadcastStatus::Running)
    );
    assert_eq!(last_audit(&t).action, AuditAction::CreateBroadcast);

    let first = t.shop.broadcast_recipients(job.id, 4).unwrap();
    assert_eq!(first, [1, 10, 11, 12].map(uid).to_vec());
    t.shop
        .record_broadcast_delivery(job.id, uid(1), BroadcastDelivery::Sent)
        .unwrap();
    t.shop
        .record_broadcast_delivery(job.id, uid(10), BroadcastDelivery::Blocked)
        .unwrap();
    t.shop
        .record_broadcast_delivery(job.id, uid(11), BroadcastDelivery::Sent)
        .unwrap();
    // Recording the same user again changes nothing.
    let again = t
        .shop
        .record_broadcast_delivery(job.id, uid(11), BroadcastDelivery::Sent)
        .unwrap();
    assert_eq!(again.sent, 2);

    // A restart resumes after the last recorded user.
    let t = t.reopen();
    assert_eq!(t.shop.running_broadcasts().unwrap().len(), 1);
    let mut delivered = vec![uid(1), uid(10), uid(11)];
    loop {
        let batch = t.shop.broadcast_recipients(job.id, 3).unwrap();
        if batch.is_empty() {
            break;
        }
        for user in batch {
            delivered.push(user);
            t.shop
                .record_broadcast_delivery(job.id, user, BroadcastDelivery::Sent)
                .unwrap();
        }
    }
    let expected: Vec<_> = [1, 10, 11, 12, 13, 14, 16, 17, 18, 19].map(uid).to_vec();
    assert_eq!(
        delivered, expected,
        "each reachable user once, banned 15 skipped"
    );
    let done = t.shop.broadcast(job.id).unwrap().unwrap();
    assert_eq!(
        (done.status, done.sent, done.blocked),
        (BroadcastStatus::Finished, 9, 1)
    );

    // The user who blocked the bot is skipped next time, until they talk to it again.
    let owner = t.owner();
    assert_eq!(t.shop.broadcast_audience(&owner).unwrap(), 9);
    t.user(10, None);
    assert_eq!(t.shop.broadcast_audience(&owner).unwrap(), 10);
    assert!(t.shop.verify().unwrap().is_healthy());
}

#[test]
fn broadcasts_need_the_permission_and_can_be_cancelled() {
    let t = TestShop::new();
    let support = t.staff(3, Role::Support);
    let operator = t.staff(4, Role::Operator);
    assert_eq!(
        t.shop.create_broadcast(&support, "hi").unwrap_err().kind(),
        "denied.missing_permission"
    );
    assert_eq!(
        t.shop.create_broadcast(&operator, " ").unwrap_err().kind(),
        "invalid.empty_text"
    );
    assert_eq!(
        t.shop
            .create_broadcast(&operator, &"x".repeat(3_501))
            .unwrap_err()
            .kind(),
        "invalid.text_too_long"
    );
    let job = t.shop.create_broadcast(&operator, "hello").unwrap();
    let cancelled = t.shop.cancel_broadcast(&operator, job.id).unwrap();
    assert_eq!(cancelled.status, BroadcastStatus::Cancelled);
    assert!(t.shop.broadcast_recipients(job.id, 10).unwrap().is_empty());
    assert_eq!(
        t.shop
            .cancel_broadcast(&operator, job.id)
            .unwrap_err()
            .kind(),
        "invalid.unchanged"
    );
    assert_eq!(
        t.shop.broadcast_recipients(job.id, 0).unwrap_err().kind(),
        "invalid.page_size"
    );
}

#[test]
fn shoppers_who_mute_broadcasts_are_skipped_until_they_unmute() {
    let t = TestShop::new();
    let owner = t.owner();
    for id in 10..14 {
        t.user(id, None);
    }
    assert_eq!(t.shop.broadcast_audience(&owner).unwrap(), 5);
    let muter = t.shop.actor(uid(11)).unwrap();
    assert!(t.shop.set_broadcasts_muted(&muter, true).unwrap());
    // Muting twice is the same as once; it survives a restart.
    assert!(t.shop.set_broadcasts_muted(&muter, true).unwrap());
    let t = t.reopen();
    assert!(t.shop.broadcasts_muted(uid(11)).unwrap());
    assert!(!t.shop.broadcasts_muted(uid(12)).unwrap());
    assert_eq!(t.shop.broadcast_audience(&owner).unwrap(), 4);
    let job = t
        .shop
        .create_broadcast(&owner, "New cards in stock")
        .unwrap();
    assert_eq!(job.audience, 4);
    let recipients = t.shop.broadcast_recipients(job.id, 10).unwrap();
    assert_eq!(recipients, [1, 10, 12, 13].map(uid).to_vec());
    // Unmuted: the next broadcast reaches them again.
    let muter = t.shop.actor(uid(11)).unwrap();
    assert!(!t.shop.set_broadcasts_muted(&muter, false).unwrap());
    assert_eq!(t.shop.broadcast_audience(&owner).unwrap(), 5);
    // A system identity has no inbox to mute.
    let console = t.shop.system_actor("console").unwrap();
    assert!(matches!(
        t.shop.set_broadcasts_muted(&console, true),
        Err(shopcore::Error::Denied(_))
    ));
    assert!(t.shop.verify().unwrap().is_healthy());
}
