//! Reused proof of payment: manual payments live on screenshots and transaction ids, and the
//! classic fraud is sending the same one twice. Every proof's identity (a photo's stable
//! `unique_id`, a file reference, or a normalized text; never the caption) is remembered
//! with the first request that used it (`proofs_seen`); a later request with the same proof
//! records which one it repeats (`proof_reuses`), its audit entry says so, and approving it
//! takes an explicit second confirmation (`approve_topup_despite_reused_proof`,
//! `confirm_payment_despite_reused_proof`).
//!
//! `Proof` (what a payer submits) is declared here and re-exported by `wallet`.
//!
//! Peers: notifications.

use crate::Shop;
use crate::error::Result;
use crate::ids::{OrderId, TopupId};
use crate::roles::Permission;
use crate::shop::{Actor, require};
use crate::store::{Column, KeyPart, StoreError, Table, Tx, take_array};
use crate::text::TextRule;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

/// A text proof or a caption: at most 500 characters, line breaks allowed.
pub const PROOF_TEXT: TextRule = TextRule::multi_line("payment proof", 500);
/// A proof's file reference or photo id: one line, at most 200 characters.
pub const PROOF_FILE: TextRule = TextRule::single_line("proof file reference", 200);

/// What the payer submits as proof of an outside payment. A proof is recognised when it is
/// used again (see [`crate::proofs`]): by the photo's `unique_id`, the file reference, or
/// the text with case and spacing ignored; never by the caption.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Proof {
    /// A transaction id or a note ([`PROOF_TEXT`]).
    Text(String),
    /// An opaque reference to a file the frontend stores (a Telegram `file_id`).
    File {
        /// The frontend's reference ([`PROOF_FILE`]).
        reference: String,
        /// The payer's caption, if any ([`PROOF_TEXT`]; blank counts as none).
        caption: Option<String>,
    },
    /// A photo: the frontend's reference to fetch it (a Telegram `file_id`) and the id that
    /// stays the same whenever the same file is uploaded again (Telegram's `file_unique_id`),
    /// by which a reused screenshot is recognised.
    Photo {
        /// How the frontend fetches the photo ([`PROOF_FILE`]).
        file_id: String,
        /// The photo's stable identity ([`PROOF_FILE`]).
        unique_id: String,
        /// The payer's caption, if any ([`PROOF_TEXT`]; blank counts as none).
        caption: Option<String>,
    },
}

impl Proof {
    /// The proof as the shop keeps it, or the rule it breaks (too long, a forbidden
    /// character): frontends check it before keeping a dialogue step, with the same rules.
    pub fn checked(&self) -> Result<Proof> {
        Ok(match self {
            Proof::Text(t) => Proof::Text(PROOF_TEXT.check(t)?),
            Proof::File { reference, caption } => Proof::File {
                reference: PROOF_FILE.check(reference)?,
                caption: checked_caption(caption)?,
            },
            Proof::Photo {
                file_id,
                unique_id,
                caption,
            } => Proof::Photo {
                file_id: PROOF_FILE.check(file_id)?,
                unique_id: PROOF_FILE.check(unique_id)?,
                caption: checked_caption(caption)?,
            },
        })
    }

    /// The frontend's reference to the proof's file, for a file or a photo.
    pub fn file_reference(&self) -> Option<&str> {
        match self {
            Proof::Text(_) => None,
            Proof::File { reference, .. } => Some(reference),
            Proof::Photo { file_id, .. } => Some(file_id),
        }
    }

    /// The caption of a file or photo.
    pub fn caption(&self) -> Option<&str> {
        match self {
            Proof::Text(_) => None,
            Proof::File { caption, .. } | Proof::Photo { caption, .. } => caption.as_deref(),
        }
    }
}

fn checked_caption(caption: &Option<String>) -> Result<Option<String>> {
    Ok(caption
        .as_deref()
        .filter(|c| !c.trim().is_empty())
        .map(|c| PROOF_TEXT.check(c))
        .transpose()?)
}

/// A request that carried a proof.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProofUse {
    /// A top-up request.
    Topup(TopupId),
    /// An order paid through a payment method.
    Order(OrderId),
}

/// As a key: `"t"` and the top-up id, or `"o"` and the order id.
impl KeyPart for ProofUse {
    const COLUMN: Column = Column::ProofUse;
    fn put(&self, out: &mut Vec<u8>, last: bool) {
        match self {
            ProofUse::Topup(id) => {
                out.push(b't');
                id.put(out, last);
            }
            ProofUse::Order(id) => {
                out.push(b'o');
                id.put(out, last);
            }
        }
    }
    fn take(input: &mut &[u8], last: bool) -> Option<ProofUse> {
        match take_array::<1>(input)? {
            [b't'] => TopupId::take(input, last).map(ProofUse::Topup),
            [b'o'] => OrderId::take(input, last).map(ProofUse::Order),
            _ => None,
        }
    }
}

crate::store::record!(
    /// The first request that used a proof, by the SHA-256 of the proof's identity.
    ProofsSeen: Table::ProofsSeen, "proofs_seen", [u8; 32] => ProofUse
);
crate::store::record!(
    /// The earlier request whose proof a request repeats.
    ProofReuses: Table::ProofReuses, "proof_reuses", ProofUse => ProofUse
);

impl fmt::Display for ProofUse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProofUse::Topup(id) => write!(f, "top-up {id}"),
            ProofUse::Order(id) => write!(f, "order {id}"),
        }
    }
}

/// What makes two proofs the same: the photo's stable id, the file reference, or the text
/// with case and spacing ignored. Captions are not part of it.
fn identity(proof: &Proof) -> String {
    match proof {
        Proof::Text(text) => format!(
            "text:{}",
            text.split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase()
        ),
        Proof::File { reference, .. } => format!("file:{reference}"),
        Proof::Photo { unique_id, .. } => format!("photo:{unique_id}"),
    }
}

fn seen_key(proof: &Proof) -> [u8; 32] {
    Sha256::digest(identity(proof).as_bytes()).into()
}

/// Records that `used_by` carries `proof`, inside the request's transaction; returns the
/// earlier request that carried the same proof, if any (remembered for `used_by` too).
pub(crate) fn note_use(
    tx: &Tx<'_>,
    proof: &Proof,
    used_by: ProofUse,
) -> std::result::Result<Option<ProofUse>, StoreError> {
    let k = seen_key(proof);
    match tx.load::<ProofsSeen>(&k)? {
        Some(first) if first != used_by => {
            tx.save::<ProofReuses>(&used_by, &first)?;
            Ok(Some(first))
        }
        Some(_) => Ok(None),
        None => {
            tx.save::<ProofsSeen>(&k, &used_by)?;
            Ok(None)
        }
    }
}

/// The earlier request whose proof `request` repeats, inside a transaction.
pub(crate) fn reused_from(
    tx: &Tx<'_>,
    request: ProofUse,
) -> std::result::Result<Option<ProofUse>, StoreError> {
    tx.load::<ProofReuses>(&request)
}

impl Shop {
    /// For a staff notification about a top-up or an order waiting for a person: the earlier
    /// request whose proof it repeats (the notification itself authorizes reading it, as
    /// with `order_for_notification`).
    pub fn proof_reused_for_notification(
        &self,
        notification: &crate::notifications::Notification,
    ) -> Result<Option<ProofUse>> {
        use crate::notifications::NotificationKind;
        let request = match notification.kind {
            NotificationKind::StaffTopupWaiting { topup } => ProofUse::Topup(topup),
            NotificationKind::StaffOrderWaiting { order } => ProofUse::Order(order),
            _ => return Ok(None),
        };
        Ok(self.store.fetch::<ProofReuses>(&request)?)
    }

    /// The earlier request whose proof `request` repeats, for staff reviewing it
    /// (`review_topups` for top-ups, `manage_orders` for orders).
    pub fn proof_reused(&self, actor: &Actor, request: ProofUse) -> Result<Option<ProofUse>> {
        let permission = match request {
            ProofUse::Topup(_) => Permission::ReviewTopups,
            ProofUse::Order(_) => Permission::ManageOrders,
        };
        self.transact(|tx| {
            require(tx, actor, permission)?;
            Ok(reused_from(tx, request)?)
        })
    }
}
