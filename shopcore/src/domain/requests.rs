//! Idempotency: request keys stored in the same transaction as the change they made. A
//! replay with the same payload gets the first outcome back; a different payload under the
//! same key is refused. This is what keeps a Telegram update delivered twice from crediting
//! a wallet twice.
//!
//! Peers: audit.

use crate::audit::ActorRef;
use crate::clock::Timestamp;
use crate::error::{InvalidInput, Result};
use crate::ids::{InvoiceId, OrderId, RequestKey, TopupId};
use crate::store::{StoreError, Table, Tx};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// What a remembered request produced.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum RequestOutcome {
    /// A top-up was requested, approved or rejected.
    Topup(TopupId),
    /// A ledger entry was written (balance adjustments).
    LedgerEntry(u64),
    /// An order was created or changed.
    Order(OrderId),
    /// An invoice was opened or settled.
    Invoice(InvoiceId),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StoredRequest {
    pub(crate) payload_hash: [u8; 32],
    pub(crate) outcome: RequestOutcome,
    pub(crate) at: Timestamp,
}

/// A fingerprint of one request: the operation's name and its payload.
pub(crate) fn fingerprint<T: Serialize>(
    operation: &str,
    payload: &T,
) -> std::result::Result<[u8; 32], StoreError> {
    let mut hasher = Sha256::new();
    hasher.update(operation.as_bytes());
    hasher.update([0]);
    hasher.update(crate::store::encode(payload)?);
    Ok(hasher.finalize().into())
}

crate::store::record!(
    /// What a request key did, by the actor who used it and the key: the key is the
    /// actor's own, so two actors may use the same text.
    pub(crate) RequestKeys: Table::RequestKeys, "request_keys", (ActorRef, RequestKey) => StoredRequest
);

/// `Some(outcome)` when this exact request already ran; an error when the key was used for
/// something else; `None` when it is new.
pub(crate) fn replayed(
    tx: &Tx<'_>,
    actor: &ActorRef,
    request: &RequestKey,
    payload_hash: &[u8; 32],
) -> Result<Option<RequestOutcome>> {
    match tx.load::<RequestKeys>(&(actor.clone(), request.clone()))? {
        None => Ok(None),
        Some(stored) if stored.payload_hash == *payload_hash => {
            // A replay answers with the first call's result only once that is on disk.
            tx.reports_committed_state.set(true);
            Ok(Some(stored.outcome))
        }
        Some(_) => Err(InvalidInput::RequestKeyReused {
            key: request.to_string(),
        }
        .into()),
    }
}

pub(crate) fn remember(
    tx: &Tx<'_>,
    actor: &ActorRef,
    request: &RequestKey,
    payload_hash: [u8; 32],
    outcome: RequestOutcome,
) -> std::result::Result<(), StoreError> {
    tx.save::<RequestKeys>(
        &(actor.clone(), request.clone()),
        &StoredRequest {
            payload_hash,
            outcome,
            at: tx.now,
        },
    )
}
