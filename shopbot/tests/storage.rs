//! The dialogue storage over the shop's sessions: round trips, removal, survival across a
//! restart, and unreadable sessions dropped instead of wedging the chat.

use crate::common::TestShop;
use shopbot::state::{Draft, PayWith, State};
use shopbot::storage::{SessionStorage, session_id};
use shopcore::{PaymentMethodId, ProductId, Proof};
use std::sync::Arc;
use teloxide::dispatching::dialogue::Storage;
use teloxide::types::ChatId;

fn draft() -> Draft {
    Draft {
        product: ProductId::new(u64::MAX).expect("id"),
        player_id: Some("123456".into()),
        coupon: Some("SAVE20".into()),
        payment: Some(PayWith::Method(PaymentMethodId::new(3).expect("id"))),
        proof: Some(Proof::File {
            reference: "AgADBAAD".into(),
            caption: Some("رقم العملية ٤٢".into()),
        }),
        quantity: 3,
    }
}

#[tokio::test]
async fn states_round_trip_survive_a_restart_and_can_be_removed() {
    let t = TestShop::new();
    let chat = ChatId(5001);
    let group = ChatId(-100_123);
    let state = State::Confirm {
        draft: draft(),
        nonce: 77,
    };
    let storage = SessionStorage::new(Arc::clone(&t.shop));
    Arc::clone(&storage)
        .update_dialogue(chat, state.clone())
        .await
        .expect("update");
    Arc::clone(&storage)
        .update_dialogue(group, State::Idle)
        .await
        .expect("update group");
    drop(storage);

    let t = t.reopen();
    let storage = SessionStorage::new(Arc::clone(&t.shop));
    assert_eq!(
        Arc::clone(&storage).get_dialogue(chat).await.expect("get"),
        Some(state)
    );
    // Idle is stored as no session.
    assert_eq!(
        Arc::clone(&storage).get_dialogue(group).await.expect("get"),
        None
    );
    assert_eq!(
        t.shop
            .session(shopbot::SCOPE, session_id(group))
            .expect("read"),
        None
    );
    Arc::clone(&storage)
        .remove_dialogue(chat)
        .await
        .expect("remove");
    assert_eq!(
        Arc::clone(&storage).get_dialogue(chat).await.expect("get"),
        None
    );
    assert_ne!(session_id(group), session_id(ChatId(100_123)));
}

#[tokio::test]
async fn an_unreadable_session_is_dropped() {
    let t = TestShop::new();
    t.shop
        .set_session(shopbot::SCOPE, 5001, b"{not json")
        .expect("set");
    let storage = SessionStorage::new(Arc::clone(&t.shop));
    assert_eq!(storage.get_dialogue(ChatId(5001)).await.expect("get"), None);
}

/// A purchase saved before quantities were asked (no `quantity` in its JSON) reads back
/// as one unit, so a restart across the upgrade keeps it.
#[test]
fn a_draft_saved_before_quantities_is_for_one_unit() {
    let mut json = serde_json::to_value(draft()).expect("json");
    json.as_object_mut().expect("object").remove("quantity");
    let read: Draft = serde_json::from_value(json).expect("read");
    assert_eq!(read.quantity, 1);
    assert_eq!(read.coupon.as_deref(), Some("SAVE20"));
}
