//! The dialogue state: where a shopper is in a conversation (a purchase waiting for a player
//! id, a top-up waiting for its proof). It is stored durably in the shop (see `storage`), so
//! a restart doesn't drop a half-finished purchase; it therefore holds only plain data.

use serde::{Deserialize, Serialize};
use shopcore::{Money, PaymentMethodId, ProductId, Proof};

/// How the shopper chose to pay for the draft order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PayWith {
    Balance,
    Method(PaymentMethodId),
}

/// A purchase being put together, step by step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    pub product: ProductId,
    pub player_id: Option<String>,
    pub coupon: Option<String>,
    pub payment: Option<PayWith>,
    pub proof: Option<Proof>,
}

impl Draft {
    pub fn new(product: ProductId) -> Draft {
        Draft {
            product,
            player_id: None,
            coupon: None,
            payment: None,
            proof: None,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum State {
    /// No conversation in progress.
    #[default]
    Idle,
    /// Waiting for the player id the product asks for.
    PlayerId { draft: Draft },
    /// Waiting for a coupon code (or Skip).
    Coupon { draft: Draft },
    /// Waiting for the payment choice.
    Payment { draft: Draft },
    /// Waiting for proof of an outside payment (a photo or text).
    Proof {
        draft: Draft,
        method: PaymentMethodId,
    },
    /// The summary is shown; its Confirm button carries `nonce`.
    Confirm { draft: Draft, nonce: u32 },
    /// A top-up: waiting for the amount (in the method's currency).
    TopupAmount { method: PaymentMethodId },
    /// A top-up: waiting for the proof.
    TopupProof {
        method: PaymentMethodId,
        amount: Money,
    },
}
