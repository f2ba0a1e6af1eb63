//! Recommendations: "shoppers who bought this also bought", from co-purchase counts kept as
//! roll-ups in the transaction that completes each order, so reading them costs the same
//! whatever the number of orders.
//!
//! Each shopper has a basket: the last [`BASKET_MAX`] different products their completed
//! orders bought. When an order completes for a product not in the buyer's basket, every
//! product in the basket and the new one count one co-purchase each way, and the product
//! joins the basket (the oldest leaves a full one). A shopper's orders complete one after
//! another (one open order at a time), so replaying the completed orders of each shopper
//! in id order gives exactly the stored counts: they can be rebuilt, and `verify()` checks
//! them so. Products off sale, out of stock or in a hidden category are never recommended.
//!
//! Peers: catalog.

use crate::catalog::{Product, Shelf};
use crate::error::Result;
use crate::ids::{ProductId, UserId};
use crate::store::{Span, StoreError, Table, Tx};
use std::collections::BTreeMap;

/// The most different products a shopper's basket keeps.
pub const BASKET_MAX: usize = 8;
/// The most recommendations asked for at once.
pub const RECOMMENDATIONS_MAX: usize = 10;
/// The most ranking entries one query reads (skipping those not on sale).
const RANK_SCAN_MAX: usize = 50;

crate::store::record!(
    /// How many shoppers bought both products: product · other product → count
    /// (schema 19).
    pub(crate) CoPurchases: Table::CoPurchases, "co_purchases", (ProductId, ProductId) => u64
);
crate::store::record!(
    /// Index: each product's co-purchases, most first: product · (`u64::MAX` − count) ·
    /// other product (schema 19).
    pub(crate) CoPurchaseRank: Table::CoPurchaseRank, "co_purchase_rank", (ProductId, u64, ProductId) => ()
);
crate::store::record!(
    /// Each shopper's basket: the last different products their completed orders bought,
    /// oldest first (schema 19).
    pub(crate) Baskets: Table::PurchaseBaskets, "purchase_baskets", UserId => Vec<ProductId>
);

fn rank_key(a: ProductId, count: u64, b: ProductId) -> (ProductId, u64, ProductId) {
    (a, u64::MAX - count, b)
}

/// The basket after buying `product`, and the products it was bought together with (empty
/// when it was in the basket already).
fn add_to_basket(basket: &mut Vec<ProductId>, product: ProductId) -> Vec<ProductId> {
    if basket.contains(&product) {
        return Vec::new();
    }
    let together = basket.clone();
    basket.push(product);
    if basket.len() > BASKET_MAX {
        basket.remove(0);
    }
    together
}

fn bump(tx: &Tx<'_>, a: ProductId, b: ProductId) -> std::result::Result<(), StoreError> {
    let count = tx.load::<CoPurchases>(&(a, b))?.unwrap_or(0);
    if count > 0 {
        tx.delete::<CoPurchaseRank>(&rank_key(a, count, b))?;
    }
    tx.save::<CoPurchases>(&(a, b), &(count + 1))?;
    tx.save::<CoPurchaseRank>(&rank_key(a, count + 1, b), &())?;
    Ok(())
}

/// Counts a completed order of `user` for `product` (in the transaction that completes it).
pub(crate) fn on_completed(
    tx: &Tx<'_>,
    user: UserId,
    product: ProductId,
) -> std::result::Result<(), StoreError> {
    let mut basket = tx.load::<Baskets>(&user)?.unwrap_or_default();
    if basket.contains(&product) {
        return Ok(());
    }
    for other in add_to_basket(&mut basket, product) {
        bump(tx, product, other)?;
        bump(tx, other, product)?;
    }
    tx.save::<Baskets>(&user, &basket)?;
    Ok(())
}

/// The counts and baskets the completed orders give: `completed` is (buyer, product) of
/// every completed order, each buyer's in id order.
pub(crate) type Recomputed = (
    BTreeMap<(ProductId, ProductId), u64>,
    BTreeMap<UserId, Vec<ProductId>>,
);

pub(crate) fn recompute(completed: impl IntoIterator<Item = (UserId, ProductId)>) -> Recomputed {
    let mut counts: BTreeMap<(ProductId, ProductId), u64> = BTreeMap::new();
    let mut baskets: BTreeMap<UserId, Vec<ProductId>> = BTreeMap::new();
    for (user, product) in completed {
        let basket = baskets.entry(user).or_default();
        for other in add_to_basket(basket, product) {
            *counts.entry((product, other)).or_default() += 1;
            *counts.entry((other, product)).or_default() += 1;
        }
    }
    (counts, baskets)
}

/// Writes the recomputed counts, ranking and baskets (the migration to schema 19, on a
/// store that has none yet).
pub(crate) fn rebuild(
    store: &crate::store::Store,
    completed: impl IntoIterator<Item = (UserId, ProductId)>,
) -> std::result::Result<(), StoreError> {
    let (counts, baskets) = recompute(completed);
    for ((a, b), count) in &counts {
        store.put_direct_record::<CoPurchases>(&(*a, *b), count)?;
        store.put_direct_record::<CoPurchaseRank>(&rank_key(*a, *count, *b), &())?;
    }
    for (user, basket) in &baskets {
        store.put_direct_record::<Baskets>(user, basket)?;
    }
    Ok(())
}

/// The stored counts, ranking and baskets against a recomputation from the completed
/// orders.
pub(crate) fn verify(
    store: &crate::store::Store,
    completed: impl IntoIterator<Item = (UserId, ProductId)>,
) -> std::result::Result<Vec<String>, StoreError> {
    let mut problems = Vec::new();
    let (mut counts, mut baskets) = recompute(completed);
    let mut pairs = 0u64;
    for item in store.scan(Span::<CoPurchases>::all(), false) {
        let ((a, b), count) = match item {
            Ok(pair) => pair,
            Err(e) => {
                problems.push(format!("recommendations: unreadable count: {e}"));
                continue;
            }
        };
        pairs += 1;
        let expected = counts.remove(&(a, b)).unwrap_or(0);
        if count != expected {
            problems.push(format!(
                "recommendations: products {a} and {b} count {count} co-purchases, the orders {expected}"
            ));
        }
        if !store.exists::<CoPurchaseRank>(&rank_key(a, count, b))? {
            problems.push(format!(
                "recommendations: products {a} and {b} missing from the ranking"
            ));
        }
    }
    for (a, b) in counts.keys() {
        problems.push(format!(
            "recommendations: products {a} and {b} were bought together but not counted"
        ));
    }
    if store.count(Span::<CoPurchaseRank>::all())? != pairs {
        problems.push("recommendations: the ranking and the counts differ in size".into());
    }
    for item in store.scan(Span::<Baskets>::all(), false) {
        let (user, basket) = match item {
            Ok(pair) => pair,
            Err(e) => {
                problems.push(format!("recommendations: unreadable basket: {e}"));
                continue;
            }
        };
        if baskets.remove(&user).as_ref() != Some(&basket) {
            problems.push(format!(
                "recommendations: user {user}'s basket differs from their orders"
            ));
        }
    }
    for user in baskets.keys() {
        problems.push(format!("recommendations: user {user} has no basket"));
    }
    Ok(problems)
}

impl crate::Shop {
    /// Products shoppers who bought `product` also bought, most often first, at most
    /// `limit` (1 to [`RECOMMENDATIONS_MAX`]); only products on sale and in stock, in an
    /// active category, never `product` itself. Reads a bounded number of entries whatever
    /// the number of orders.
    pub fn recommendations(&self, product: ProductId, limit: usize) -> Result<Vec<Product>> {
        crate::error::check_page_size(limit, RECOMMENDATIONS_MAX)?;
        let mut out = Vec::new();
        let mut shelf = Shelf::default();
        for item in self
            .store
            .scan_keys(Span::<CoPurchaseRank>::within(&product), false)
            .take(RANK_SCAN_MAX)
        {
            let (_, _, other) = item?;
            if other == product {
                continue;
            }
            if let Some(candidate) = shelf.offered(&self.store, other)? {
                out.push(candidate);
                if out.len() == limit {
                    break;
                }
            }
        }
        Ok(out)
    }
}
