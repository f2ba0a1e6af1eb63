//! A shop set up for benchmarking through shopcore's public API only: a category with a
//! code-pool product (AUTO fulfilment: an order completes inside its own transaction), a
//! manually delivered product, a payment method for top-ups, a support user who approves
//! and completes, and helpers to add shoppers with a balance and to restock codes.
//!
//! Works on an empty shop and on an existing one (the products are new each time, and user
//! ids start from a process-unique base, so nothing collides with earlier runs).

use shopcore::{
    Actor, CategoryId, Config, Delivery, Durability, FulfilmentMode, Money, NewPaymentMethod,
    NewProduct, OrderRequest, PaymentMethodId, ProductId, ProductKind, Proof, Registration,
    RequestKey, Result, Role, Shop, Stock, TopupRequest, UserId,
};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The price of the code product, in USD.
pub const CODE_PRICE_USD: i64 = 1;
/// The price of the manual product, in USD.
pub const MANUAL_PRICE_USD: i64 = 2;
/// The balance each new shopper starts with (one adjustment; the maximum allowed).
pub const SHOPPER_BALANCE_USD: i64 = 100_000;
/// Codes added per upload (shopcore's limit per upload).
pub const CODES_PER_UPLOAD: usize = 5_000;

/// Opens a shop with the default config and the given durability.
pub fn open(path: &std::path::Path, durability: Durability) -> Result<Shop> {
    open_with(path, durability, None)
}

/// Opens a shop with the given durability and, if given, sled cache size in bytes.
pub fn open_with(
    path: &std::path::Path,
    durability: Durability,
    cache_bytes: Option<u64>,
) -> Result<Shop> {
    let mut config = Config::default().with_durability(durability);
    if let Some(bytes) = cache_bytes {
        config.cache_capacity_bytes = bytes;
    }
    Shop::open(path, config)
}

/// A source of fresh user ids: the current time in milliseconds times 1,000, plus a counter,
/// so ids from different runs against the same database do not collide.
#[derive(Debug)]
pub struct IdSource(AtomicU64);

impl IdSource {
    pub fn new() -> IdSource {
        let ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(1);
        IdSource(AtomicU64::new(ms.saturating_mul(1_000)))
    }

    pub fn next(&self) -> u64 {
        self.0.fetch_add(1, Ordering::Relaxed)
    }
}

impl Default for IdSource {
    fn default() -> IdSource {
        IdSource::new()
    }
}

/// A request key from text (panics on an invalid key: the benchmarks make only valid ones).
pub fn key(text: &str) -> RequestKey {
    RequestKey::new(text).expect("a valid request key")
}

/// Everything a benchmark needs in an open shop.
#[derive(Debug)]
pub struct Fixture {
    /// The super-admin identity of the benchmark (adjustments, restocking, settings).
    pub admin: Actor,
    /// A registered support user: approves top-ups and completes orders.
    pub support: Actor,
    pub category: CategoryId,
    /// Delivered from a code pool; completes at once in AUTO mode.
    pub code_product: ProductId,
    /// Delivered by staff.
    pub manual_product: ProductId,
    pub method: PaymentMethodId,
    pub ids: IdSource,
    codes: AtomicU64,
}

fn product(category: CategoryId, name: &str, price: i64, delivery: Delivery) -> NewProduct {
    NewProduct {
        category,
        name: name.into(),
        description: "Made by the benchmark".into(),
        price_usd: Money::units(price),
        kind: ProductKind::GiftCard,
        delivery,
        stock: Stock::Unlimited,
        player_field: None,
        sort_order: 0,
        active: true,
    }
}

impl Fixture {
    /// Creates the catalog, the payment method and the support user, sets AUTO fulfilment,
    /// and uploads `codes` codes (rounded up to whole uploads).
    pub fn setup(shop: &Shop, codes: usize) -> Result<Fixture> {
        let admin = shop.system_actor("bench")?;
        let ids = IdSource::new();
        let category = shop.create_category(&admin, "Benchmark", 0)?.id;
        let code_product = shop
            .create_product(
                &admin,
                &product(category, "Gift card $1", CODE_PRICE_USD, Delivery::Codes),
            )?
            .id;
        let manual_product = shop
            .create_product(
                &admin,
                &product(category, "Top-up $2", MANUAL_PRICE_USD, Delivery::Manual),
            )?
            .id;
        let method = shop
            .create_payment_method(
                &admin,
                &NewPaymentMethod {
                    name: "Bank transfer".into(),
                    instructions: "Send to account 123-456".into(),
                    currency: "USD".into(),
                    min_amount: Money::units(1),
                    max_amount: Money::units(1_000),
                    active: true,
                },
            )?
            .id;
        shop.set_fulfilment_mode(&admin, FulfilmentMode::Auto)?;
        let support_id = UserId::new(ids.next())?;
        register(shop, support_id, "Support")?;
        shop.set_role(&admin, support_id, Role::Support)?;
        let support = shop.actor(support_id)?;
        let fixture = Fixture {
            admin,
            support,
            category,
            code_product,
            manual_product,
            method,
            ids,
            codes: AtomicU64::new(0),
        };
        let mut added = 0;
        while added < codes {
            fixture.restock(shop)?;
            added += CODES_PER_UPLOAD;
        }
        Ok(fixture)
    }

    /// Uploads one batch of fresh codes to the code product.
    pub fn restock(&self, shop: &Shop) -> Result<()> {
        let first = self
            .codes
            .fetch_add(CODES_PER_UPLOAD as u64, Ordering::Relaxed);
        let codes: Vec<String> = (first..first + CODES_PER_UPLOAD as u64)
            .map(|n| format!("GIFT-{n:010}"))
            .collect();
        let refs: Vec<&str> = codes.iter().map(String::as_str).collect();
        shop.add_codes(&self.admin, self.code_product, &refs)?;
        Ok(())
    }

    /// Codes left in the pool.
    pub fn codes_available(&self, shop: &Shop) -> Result<u64> {
        Ok(shop
            .product(self.code_product)?
            .and_then(|p| p.available())
            .unwrap_or(0))
    }

    /// Registers a new shopper with [`SHOPPER_BALANCE_USD`] and returns their actor.
    pub fn shopper(&self, shop: &Shop) -> Result<Actor> {
        let id = UserId::new(self.ids.next())?;
        register(shop, id, "Shopper")?;
        shop.adjust_balance(
            &self.admin,
            id,
            Money::units(SHOPPER_BALANCE_USD),
            "benchmark float",
            &key(&format!("float-{id}")),
        )?;
        shop.actor(id)
    }

    /// An order for `product` paid from the balance.
    pub fn by_balance(product: ProductId) -> OrderRequest {
        OrderRequest::from_balance(product, 1)
    }

    /// A top-up request of `usd` through the fixture's method.
    pub fn topup(&self, usd: i64, request_key: &str) -> TopupRequest {
        TopupRequest {
            method: self.method,
            amount: Money::units(usd),
            proof: Proof::Text(format!("txn {request_key}")),
            key: key(request_key),
        }
    }
}

fn register(shop: &Shop, id: UserId, name: &str) -> Result<()> {
    shop.register_user(&Registration {
        id,
        username: None,
        display_name: name,
        language: Some("en"),
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use shopcore::OrderStatus;

    #[test]
    fn fixture_orders_complete_at_once_and_the_shop_verifies() {
        let dir = tempfile::tempdir().unwrap();
        let shop = open(&dir.path().join("shop.db"), Durability::Background).unwrap();
        let f = Fixture::setup(&shop, 1).unwrap();
        assert_eq!(f.codes_available(&shop).unwrap(), CODES_PER_UPLOAD as u64);
        let buyer = f.shopper(&shop).unwrap();
        for i in 0..3 {
            let order = shop
                .create_order(
                    &buyer,
                    &Fixture::by_balance(f.code_product),
                    &key(&format!("o{i}")),
                )
                .unwrap();
            assert_eq!(order.status, OrderStatus::Completed);
        }
        let manual = shop
            .create_order(&buyer, &Fixture::by_balance(f.manual_product), &key("m"))
            .unwrap();
        assert_eq!(manual.status, OrderStatus::Paid);
        shop.complete_order(&f.support, manual.id, Some("sent"), &key("c"))
            .unwrap();
        let topup = shop.request_topup(&buyer, &f.topup(5, "t")).unwrap();
        shop.approve_topup(&f.support, topup.id, &key("a")).unwrap();
        assert_eq!(
            f.codes_available(&shop).unwrap(),
            CODES_PER_UPLOAD as u64 - 3
        );
        let report = shop.verify().unwrap();
        assert!(report.is_healthy(), "{report}");
    }

    #[test]
    fn ids_are_fresh() {
        let ids = IdSource::new();
        let a = ids.next();
        assert_eq!(ids.next(), a + 1);
    }
}
