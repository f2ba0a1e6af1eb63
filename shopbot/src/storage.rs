//! Teloxide's dialogue `Storage` over the shop's durable session store
//! (`Shop::session`/`set_session`, scope `"telegram"`, keyed by chat id). States are JSON;
//! `Idle` is the absence of a session.
//! A stored state this version can't read (the enum changed) is dropped with a warning: the
//! shopper starts over rather than being stuck.

use crate::SCOPE;
use crate::state::State;
use shopcore::Shop;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use teloxide::dispatching::dialogue::Storage;
use teloxide::types::ChatId;

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("the shop refused the session operation: {0}")]
    Shop(#[from] shopcore::Error),
    #[error("encoding the dialogue state failed: {0}")]
    Encode(#[from] serde_json::Error),
    #[error("the session task panicked")]
    Crashed,
}

/// Dialogue storage kept in the shop's database.
#[derive(Debug, Clone)]
pub struct SessionStorage {
    shop: Arc<Shop>,
}

impl SessionStorage {
    pub fn new(shop: Arc<Shop>) -> Arc<SessionStorage> {
        Arc::new(SessionStorage { shop })
    }
}

/// The session id for a chat: the chat id's bits (group chats have negative ids).
pub fn session_id(chat: ChatId) -> u64 {
    chat.0.cast_unsigned()
}

async fn on_shop<T: Send + 'static>(
    shop: &Arc<Shop>,
    call: impl FnOnce(&Shop) -> Result<T, SessionError> + Send + 'static,
) -> Result<T, SessionError> {
    shop.call(move |shop| Ok(call(shop)))
        .await
        .map_err(|_| SessionError::Crashed)?
        .map_err(SessionError::from)?
}

impl Storage<State> for SessionStorage {
    type Error = SessionError;

    fn remove_dialogue(self: Arc<Self>, chat_id: ChatId) -> BoxFuture<Result<(), SessionError>> {
        Box::pin(async move {
            on_shop(&self.shop, move |shop| {
                Ok(shop.clear_session(SCOPE, session_id(chat_id))?)
            })
            .await
        })
    }

    fn update_dialogue(
        self: Arc<Self>,
        chat_id: ChatId,
        dialogue: State,
    ) -> BoxFuture<Result<(), SessionError>> {
        Box::pin(async move {
            let id = session_id(chat_id);
            if dialogue == State::Idle {
                // Idle is stored as no session at all. Teloxide stores the default state for
                // every chat it sees; this keeps that from costing a durable write per update.
                return on_shop(&self.shop, move |shop| {
                    if shop.session(SCOPE, id)?.is_some() {
                        shop.clear_session(SCOPE, id)?;
                    }
                    Ok(())
                })
                .await;
            }
            let bytes = serde_json::to_vec(&dialogue)?;
            on_shop(&self.shop, move |shop| {
                Ok(shop.set_session(SCOPE, id, &bytes)?)
            })
            .await
        })
    }

    fn get_dialogue(
        self: Arc<Self>,
        chat_id: ChatId,
    ) -> BoxFuture<Result<Option<State>, SessionError>> {
        Box::pin(async move {
            let bytes = on_shop(&self.shop, move |shop| {
                Ok(shop.session(SCOPE, session_id(chat_id))?)
            })
            .await?;
            Ok(bytes.and_then(|b| match serde_json::from_slice(&b) {
                Ok(state) => Some(state),
                Err(error) => {
                    tracing::warn!(chat = chat_id.0, %error, "dropping an unreadable session");
                    None
                }
            }))
        })
    }
}
