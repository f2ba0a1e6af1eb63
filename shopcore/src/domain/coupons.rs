//! Coupons: percentage or fixed discounts with a use limit, a per-user limit, a minimum
//! order, an expiry and an optional scope. The discount rule is a pure function
//! ([`discount`]); uses are counted in the order's own transaction and given back when an
//! order fails or is cancelled.
//!
//! Peers: audit, catalog, currency, settings.

use crate::Shop;
use crate::audit::{self, AuditAction, Detail, Target};
use crate::catalog::Product;
use crate::clock::Timestamp;
use crate::currency::USD_DECIMALS;
use crate::error::{Error, InvalidInput, Result};
use crate::ids::{CategoryId, CouponCode, ProductId, UserId};
use crate::money::{AmountError, Money};
use crate::roles::Permission;
use crate::settings::refuse_in_emergency;
use crate::shop::{Actor, require};
use crate::store::{Span, StoreError, Table, Tx};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The largest fixed discount and minimum order, in USD.
pub const COUPON_AMOUNT_MAX_USD: i64 = 100_000;
/// The most uses a coupon may allow.
pub const USES_MAX: u32 = 1_000_000;

/// How much a coupon takes off.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CouponKind {
    /// A percentage off, `0 < p <= 100`, at most two decimal places.
    Percentage(#[serde(with = "rust_decimal::serde::str")] Decimal),
    /// A fixed USD amount off (never more than the price).
    Fixed(Money),
}

impl fmt::Display for CouponKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CouponKind::Percentage(p) => write!(f, "{}%", p.normalize()),
            CouponKind::Fixed(m) => write!(f, "{m} USD"),
        }
    }
}

/// What a coupon applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CouponScope {
    /// Every product.
    All,
    /// One product.
    Product(ProductId),
    /// Every product in one category (where the product is when the order is placed).
    Category(CategoryId),
}

impl fmt::Display for CouponScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CouponScope::All => f.write_str("everything"),
            CouponScope::Product(id) => write!(f, "product {id}"),
            CouponScope::Category(id) => write!(f, "category {id}"),
        }
    }
}

/// A discount code shoppers name when ordering.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coupon {
    /// Its code, upper-cased.
    pub code: CouponCode,
    /// What it takes off.
    pub kind: CouponKind,
    /// Total redemptions allowed.
    pub max_uses: u32,
    /// Live redemptions (orders not failed or cancelled).
    pub uses: u32,
    /// Live redemptions one user may hold.
    pub uses_per_user: u32,
    /// The smallest product price (before the discount) it applies to, in USD.
    pub min_order_usd: Option<Money>,
    /// From this moment on it is refused ([`CouponError::Expired`]).
    pub expires_at: Option<Timestamp>,
    /// Switched on ([`Shop::set_coupon_active`]); an inactive coupon is refused.
    pub active: bool,
    /// What it applies to.
    pub scope: CouponScope,
    /// When it was created.
    pub created_at: Timestamp,
}

/// Everything needed to create a coupon ([`Shop::create_coupon`]); it starts active, with
/// no uses.
#[derive(Clone, Debug)]
pub struct NewCoupon {
    /// The code ([`CouponCode::parse`]: 3 to 32 letters, digits, `-`, `_`; any case).
    pub code: String,
    /// What it takes off: a percentage above 0 and at most 100 with at most 2 decimals, or
    /// a fixed amount of at most [`COUPON_AMOUNT_MAX_USD`] with at most 2 decimals.
    pub kind: CouponKind,
    /// Total redemptions allowed, 1 to [`USES_MAX`].
    pub max_uses: u32,
    /// Redemptions one user may hold, 1 to [`USES_MAX`].
    pub uses_per_user: u32,
    /// The smallest price it applies to, in USD (at most [`COUPON_AMOUNT_MAX_USD`]).
    pub min_order_usd: Option<Money>,
    /// When it stops working, if ever.
    pub expires_at: Option<Timestamp>,
    /// What it applies to; a named product or category must exist.
    pub scope: CouponScope,
}

/// Failures about coupons. The eligibility errors are what a shopper sees when a coupon
/// named in an order (or a quote) can't be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CouponError {
    /// No coupon has this code.
    #[error("coupon {code} does not exist")]
    NotFound {
        /// The code.
        code: CouponCode,
    },
    /// Creating a coupon whose code exists.
    #[error("coupon {code} already exists")]
    AlreadyExists {
        /// The code.
        code: CouponCode,
    },
    /// The coupon is switched off.
    #[error("coupon {code} is not active")]
    Inactive {
        /// The code.
        code: CouponCode,
    },
    /// The coupon's expiry has passed.
    #[error("coupon {code} has expired")]
    Expired {
        /// The code.
        code: CouponCode,
    },
    /// Every allowed redemption is live.
    #[error("coupon {code} has been used up")]
    UsedUp {
        /// The code.
        code: CouponCode,
    },
    /// The shopper holds as many live redemptions as one user may.
    #[error("you have already used coupon {code}")]
    AlreadyUsedByYou {
        /// The code.
        code: CouponCode,
    },
    /// The product's price is below the coupon's minimum order.
    #[error("coupon {code} needs an order of at least {min} USD")]
    BelowMinimum {
        /// The code.
        code: CouponCode,
        /// The minimum, in USD.
        min: Money,
    },
    /// The coupon is for another product or category.
    #[error("coupon {code} does not apply to this product")]
    NotApplicable {
        /// The code.
        code: CouponCode,
    },
    /// A percentage that is not above 0 and at most 100, or has more than 2 decimals.
    #[error("a percentage must be above 0 and at most 100, with at most 2 decimals")]
    BadPercentage,
    /// A fixed discount that is not positive, has more than 2 decimals or is above
    /// [`COUPON_AMOUNT_MAX_USD`].
    #[error("the discount amount is invalid: {source}")]
    BadAmount {
        /// The rule it breaks.
        source: AmountError,
    },
    /// A use limit of 0 or above [`USES_MAX`].
    #[error("uses must be between 1 and {USES_MAX}")]
    BadUses,
}

impl CouponError {
    /// A stable, machine-readable name for the error (`"coupon.expired"`); see
    /// [`crate::Error::kind`].
    pub fn kind(&self) -> &'static str {
        match self {
            CouponError::NotFound { .. } => "coupon.not_found",
            CouponError::AlreadyExists { .. } => "coupon.already_exists",
            CouponError::Inactive { .. } => "coupon.inactive",
            CouponError::Expired { .. } => "coupon.expired",
            CouponError::UsedUp { .. } => "coupon.used_up",
            CouponError::AlreadyUsedByYou { .. } => "coupon.already_used_by_you",
            CouponError::BelowMinimum { .. } => "coupon.below_minimum",
            CouponError::NotApplicable { .. } => "coupon.not_applicable",
            CouponError::BadPercentage => "coupon.bad_percentage",
            CouponError::BadAmount { source } => source.kind(),
            CouponError::BadUses => "coupon.bad_uses",
        }
    }
}

/// The discount `coupon` gives on `price` (USD): a percentage is rounded half away from zero
/// to cents; a fixed amount is capped at the price. The total never goes below zero. Pure:
/// eligibility (expiry, uses, scope, minimum) is checked by [`check_eligible`].
pub fn discount(price: Money, kind: CouponKind) -> Money {
    let raw = match kind {
        CouponKind::Percentage(p) => price
            .checked_mul(p / Decimal::ONE_HUNDRED)
            .map(|d| d.round_to(USD_DECIMALS))
            .unwrap_or(price),
        CouponKind::Fixed(amount) => amount,
    };
    if raw > price { price } else { raw }
}

/// Whether `coupon` may be used for `product` at `price` (USD), at `now`, by a user who holds
/// `user_uses` live redemptions of it. Checks, in order: active, not expired, not used up,
/// the user's limit, the scope, the minimum order; the first that fails is the error.
pub fn check_eligible(
    coupon: &Coupon,
    product: &Product,
    price: Money,
    user_uses: u32,
    now: Timestamp,
) -> std::result::Result<(), CouponError> {
    let code = coupon.code.clone();
    if !coupon.active {
        return Err(CouponError::Inactive { code });
    }
    if coupon.expires_at.is_some_and(|at| now >= at) {
        return Err(CouponError::Expired { code });
    }
    if coupon.uses >= coupon.max_uses {
        return Err(CouponError::UsedUp { code });
    }
    if user_uses >= coupon.uses_per_user {
        return Err(CouponError::AlreadyUsedByYou { code });
    }
    let applies = match coupon.scope {
        CouponScope::All => true,
        CouponScope::Product(id) => id == product.id,
        CouponScope::Category(id) => id == product.category,
    };
    if !applies {
        return Err(CouponError::NotApplicable { code });
    }
    if let Some(min) = coupon.min_order_usd
        && price < min
    {
        return Err(CouponError::BelowMinimum { code, min });
    }
    Ok(())
}

fn check_kind(kind: CouponKind) -> std::result::Result<CouponKind, CouponError> {
    match kind {
        CouponKind::Percentage(p) => {
            let p = p.normalize();
            if p <= Decimal::ZERO || p > Decimal::ONE_HUNDRED || p.scale() > 2 {
                return Err(CouponError::BadPercentage);
            }
            Ok(CouponKind::Percentage(p))
        }
        CouponKind::Fixed(m) => m
            .check(USD_DECIMALS, Money::units(COUPON_AMOUNT_MAX_USD))
            .map(CouponKind::Fixed)
            .map_err(|source| CouponError::BadAmount { source }),
    }
}

crate::store::record!(
    /// Coupons, by code (with their live use counts).
    pub(crate) Coupons: Table::Coupons, "coupons", CouponCode => Coupon
);
crate::store::record!(
    /// Each user's live uses of a coupon.
    pub(crate) CouponUses: Table::CouponUses, "coupon_uses", (CouponCode, UserId) => u32
);

fn use_key(code: &CouponCode, user: UserId) -> (CouponCode, UserId) {
    (code.clone(), user)
}

pub(crate) fn load(tx: &Tx<'_>, code: &CouponCode) -> Result<Coupon> {
    tx.load::<Coupons>(code)?
        .ok_or_else(|| CouponError::NotFound { code: code.clone() }.into())
}

pub(crate) fn user_uses(
    tx: &Tx<'_>,
    code: &CouponCode,
    user: UserId,
) -> std::result::Result<u32, StoreError> {
    Ok(tx.load::<CouponUses>(&use_key(code, user))?.unwrap_or(0))
}

/// Counts one redemption (inside the order's transaction).
pub(crate) fn redeem(
    tx: &Tx<'_>,
    coupon: &Coupon,
    user: UserId,
) -> std::result::Result<(), StoreError> {
    let mut updated = coupon.clone();
    updated.uses += 1;
    tx.save::<Coupons>(&coupon.code, &updated)?;
    let used = user_uses(tx, &coupon.code, user)?;
    tx.save::<CouponUses>(&use_key(&coupon.code, user), &(used + 1))
}

/// Gives a redemption back (the order failed or was cancelled).
pub(crate) fn release(
    tx: &Tx<'_>,
    code: &CouponCode,
    user: UserId,
) -> std::result::Result<(), StoreError> {
    if let Some(mut coupon) = tx.load::<Coupons>(code)? {
        coupon.uses = coupon.uses.saturating_sub(1);
        tx.save::<Coupons>(code, &coupon)?;
    }
    let used = user_uses(tx, code, user)?;
    if used <= 1 {
        tx.delete::<CouponUses>(&use_key(code, user))?;
    } else {
        tx.save::<CouponUses>(&use_key(code, user), &(used - 1))?;
    }
    Ok(())
}

impl Shop {
    /// Creates a coupon (`manage_coupons`), active and unused, audited `CREATE_COUPON`.
    /// Fails with [`CouponError::AlreadyExists`], [`CouponError::BadPercentage`],
    /// [`CouponError::BadAmount`] or [`CouponError::BadUses`], an invalid code or minimum
    /// ([`crate::InvalidInput`]), or a scope naming a product or category that does not
    /// exist.
    pub fn create_coupon(&self, actor: &Actor, new: &NewCoupon) -> Result<Coupon> {
        let (code, kind, min) = self.validated(
            actor,
            AuditAction::CreateCoupon,
            Target::None,
            Permission::ManageCoupons,
            (|| {
                let code = CouponCode::parse(&new.code)?;
                let kind = check_kind(new.kind)?;
                if new.max_uses == 0
                    || new.max_uses > USES_MAX
                    || new.uses_per_user == 0
                    || new.uses_per_user > USES_MAX
                {
                    return Err(Error::from(CouponError::BadUses));
                }
                let min = new
                    .min_order_usd
                    .map(|m| m.check(USD_DECIMALS, Money::units(COUPON_AMOUNT_MAX_USD)))
                    .transpose()
                    .map_err(|source| InvalidInput::Amount {
                        what: "minimum order",
                        source,
                    })?;
                Ok((code, kind, min))
            })(),
        )?;
        self.audited(
            actor,
            AuditAction::CreateCoupon,
            Target::Coupon(code.clone()),
            |tx| {
                require(tx, actor, Permission::ManageCoupons)?;
                refuse_in_emergency(tx)?;
                if tx.load::<Coupons>(&code)?.is_some() {
                    return Err(CouponError::AlreadyExists { code: code.clone() }.into());
                }
                match new.scope {
                    CouponScope::Product(id) => {
                        crate::catalog::load_product(tx, id)?;
                    }
                    CouponScope::Category(id) => {
                        if tx.load::<crate::catalog::Categories>(&id)?.is_none() {
                            return Err(
                                crate::catalog::CatalogError::CategoryNotFound { id }.into()
                            );
                        }
                    }
                    CouponScope::All => {}
                }
                let coupon = Coupon {
                    code: code.clone(),
                    kind,
                    max_uses: new.max_uses,
                    uses: 0,
                    uses_per_user: new.uses_per_user,
                    min_order_usd: min,
                    expires_at: new.expires_at,
                    active: true,
                    scope: new.scope,
                    created_at: tx.now,
                };
                tx.save::<Coupons>(&code, &coupon)?;
                audit::done(
                    tx,
                    actor.who(),
                    AuditAction::CreateCoupon,
                    Target::Coupon(code.clone()),
                    vec![
                        Detail::noted("kind", kind),
                        Detail::noted("max_uses", new.max_uses),
                        Detail::noted("uses_per_user", new.uses_per_user),
                        Detail::noted("scope", new.scope),
                    ],
                )?;
                Ok(coupon)
            },
        )
    }

    /// Activates or deactivates a coupon (`manage_coupons`), audited `UPDATE_COUPON`. Orders
    /// already placed keep their discount.
    pub fn set_coupon_active(&self, actor: &Actor, code: &str, active: bool) -> Result<Coupon> {
        let code = self.validated(
            actor,
            AuditAction::UpdateCoupon,
            Target::None,
            Permission::ManageCoupons,
            CouponCode::parse(code).map_err(Error::from),
        )?;
        self.audited(
            actor,
            AuditAction::UpdateCoupon,
            Target::Coupon(code.clone()),
            |tx| {
                require(tx, actor, Permission::ManageCoupons)?;
                refuse_in_emergency(tx)?;
                let before = load(tx, &code)?;
                if before.active == active {
                    return Err(InvalidInput::Unchanged {
                        what: format!(
                            "coupon {code} is already {}",
                            if active { "active" } else { "inactive" }
                        ),
                    }
                    .into());
                }
                let mut coupon = before.clone();
                coupon.active = active;
                tx.save::<Coupons>(&code, &coupon)?;
                audit::done(
                    tx,
                    actor.who(),
                    AuditAction::UpdateCoupon,
                    Target::Coupon(code.clone()),
                    vec![Detail::changed("active", before.active, active)],
                )?;
                Ok(coupon)
            },
        )
    }

    /// Every coupon with its use count (`manage_coupons`), by code.
    pub fn coupons(&self, actor: &Actor) -> Result<Vec<Coupon>> {
        self.transact(|tx| require(tx, actor, Permission::ManageCoupons).map(|_| ()))?;
        let mut out = Vec::new();
        for item in self.store.scan(Span::<Coupons>::all(), false) {
            out.push(item?.1);
        }
        Ok(out)
    }

    /// A coupon by code (any case), with its use count; `None` when there is none. No actor:
    /// frontends show shoppers what a coupon they typed does.
    pub fn coupon(&self, code: &str) -> Result<Option<Coupon>> {
        let code = CouponCode::parse(code)?;
        Ok(self.store.fetch::<Coupons>(&code)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn m(d: Decimal) -> Money {
        Money::from_decimal(d)
    }

    #[test]
    fn discount_table() {
        let cases = [
            (dec!(10), CouponKind::Percentage(dec!(10)), dec!(1)),
            (dec!(9.99), CouponKind::Percentage(dec!(15)), dec!(1.50)), // 1.4985 -> 1.50
            (dec!(0.05), CouponKind::Percentage(dec!(10)), dec!(0.01)), // 0.005 -> 0.01
            (dec!(10), CouponKind::Percentage(dec!(100)), dec!(10)),
            (dec!(10), CouponKind::Fixed(m(dec!(5))), dec!(5)),
            (dec!(3), CouponKind::Fixed(m(dec!(5))), dec!(3)), // never below zero
            (dec!(5), CouponKind::Fixed(m(dec!(5))), dec!(5)),
        ];
        for (price, kind, expected) in cases {
            let d = discount(m(price), kind);
            assert_eq!(d, m(expected), "{price} {kind}");
            assert!(!m(price).checked_sub(d).unwrap().is_negative());
        }
    }

    #[test]
    fn kinds_are_checked() {
        assert!(check_kind(CouponKind::Percentage(dec!(0))).is_err());
        assert!(check_kind(CouponKind::Percentage(dec!(100.01))).is_err());
        assert!(check_kind(CouponKind::Percentage(dec!(-5))).is_err());
        assert!(check_kind(CouponKind::Percentage(dec!(12.345))).is_err());
        assert!(check_kind(CouponKind::Percentage(dec!(12.50))).is_ok());
        assert!(check_kind(CouponKind::Fixed(m(dec!(0)))).is_err());
        assert!(check_kind(CouponKind::Fixed(m(dec!(1.005)))).is_err());
    }

    #[test]
    fn codes() {
        assert_eq!(CouponCode::parse(" save-10 ").unwrap().as_str(), "SAVE-10");
        for bad in ["ab", "with space", "ÄBC", &"A".repeat(33), "semi;colon"] {
            assert!(CouponCode::parse(bad).is_err(), "{bad}");
        }
    }
}
