//! The dialogue state: where a shopper is in a conversation (a purchase waiting for a player
//! id, a top-up waiting for its proof). It is stored durably in the shop (see `storage`), so
//! a restart doesn't drop a half-finished purchase; it therefore holds only plain data.

use crate::callback::{DeliveryChoice, MethodField, ProductField};
use serde::{Deserialize, Serialize};
use shopcore::{
    CategoryId, CouponKind, CurrencyCode, Money, OrderId, PaymentMethodId, ProductId, ProductKind,
    Proof, Provider, Stock, TopupId, UserId,
};

/// How the shopper chose to pay for the draft order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PayWith {
    Balance,
    Method(PaymentMethodId),
    /// Through a payment provider's invoice.
    Invoice(Provider),
}

/// A purchase being put together, step by step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    pub product: ProductId,
    pub player_id: Option<String>,
    pub coupon: Option<String>,
    pub payment: Option<PayWith>,
    pub proof: Option<Proof>,
    /// How many units (a draft saved before quantities were asked is for one).
    #[serde(default = "one")]
    pub quantity: u32,
}

fn one() -> u32 {
    1
}

impl Draft {
    pub fn new(product: ProductId) -> Draft {
        Draft {
            product,
            player_id: None,
            coupon: None,
            payment: None,
            proof: None,
            quantity: 1,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum State {
    /// No conversation in progress.
    #[default]
    Idle,
    /// Waiting for how many units (a button or a number), up to `max`.
    Quantity { draft: Draft, max: u32 },
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
    /// A staff conversation in the panel.
    Admin { input: AdminInput },
    /// A top-up through a payment provider: waiting for the amount, in USD.
    TopupInvoiceAmount { provider: Provider },
    /// Waiting for what to search for.
    SearchQuery,
}

/// A product being created step by step; the next question is the first field still
/// missing (see [`ProductDraft::next_step`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductDraft {
    pub name: Option<String>,
    pub price: Option<Money>,
    pub category: Option<CategoryId>,
    pub kind: Option<ProductKind>,
    pub delivery: Option<DeliveryChoice>,
    pub sku: Option<String>,
    pub stock: Option<Stock>,
    /// `Some("")` once skipped.
    pub description: Option<String>,
}

/// The questions of the product creation, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DraftStep {
    Name,
    Price,
    Category,
    Kind,
    Delivery,
    Sku,
    Stock,
    Description,
    Done,
}

impl ProductDraft {
    pub fn next_step(&self) -> DraftStep {
        if self.name.is_none() {
            DraftStep::Name
        } else if self.price.is_none() {
            DraftStep::Price
        } else if self.category.is_none() {
            DraftStep::Category
        } else if self.kind.is_none() {
            DraftStep::Kind
        } else if self.delivery.is_none() {
            DraftStep::Delivery
        } else if self.delivery == Some(DeliveryChoice::Supplier) && self.sku.is_none() {
            DraftStep::Sku
        } else if self.delivery != Some(DeliveryChoice::Codes) && self.stock.is_none() {
            DraftStep::Stock
        } else if self.description.is_none() {
            DraftStep::Description
        } else {
            DraftStep::Done
        }
    }
}

/// A payment method being created step by step.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MethodDraft {
    pub name: Option<String>,
    pub currency: Option<CurrencyCode>,
    pub min: Option<Money>,
    pub max: Option<Money>,
}

/// The questions of the method creation, in order (instructions come last and create it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MethodStep {
    Name,
    Currency,
    Min,
    Max,
    Instructions,
}

impl MethodDraft {
    pub fn next_step(&self) -> MethodStep {
        if self.name.is_none() {
            MethodStep::Name
        } else if self.currency.is_none() {
            MethodStep::Currency
        } else if self.min.is_none() {
            MethodStep::Min
        } else if self.max.is_none() {
            MethodStep::Max
        } else {
            MethodStep::Instructions
        }
    }
}

/// A coupon being created step by step (uses per user comes last and creates it).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CouponDraft {
    pub code: Option<String>,
    pub kind: Option<CouponKind>,
    pub max_uses: Option<u32>,
}

/// What a staff member is being asked for. Request keys taken from the tap that started a
/// decision travel with it, so a repeated message can't decide twice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AdminInput {
    ProductDraft(ProductDraft),
    ProductField {
        id: ProductId,
        field: ProductField,
    },
    Codes {
        id: ProductId,
    },
    CategoryName {
        id: Option<CategoryId>,
    },
    MethodDraft(MethodDraft),
    MethodField {
        id: PaymentMethodId,
        field: MethodField,
    },
    RejectReason {
        id: TopupId,
        key: String,
    },
    Delivery {
        id: OrderId,
        key: String,
    },
    FailReason {
        id: OrderId,
        key: String,
    },
    OrderSearch,
    UserQuery,
    BanReason {
        user: UserId,
    },
    AdjustAmount {
        user: UserId,
    },
    AdjustReason {
        user: UserId,
        amount: Money,
    },
    CouponDraft(CouponDraft),
    AuditFilter,
    CurrencyAdd,
    CurrencyRate {
        code: CurrencyCode,
    },
    SupportContact,
    TimeZone,
    ProductPhoto {
        id: ProductId,
    },
}
