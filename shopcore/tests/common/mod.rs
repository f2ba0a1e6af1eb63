//! Helpers shared by the integration tests: a shop in a temporary directory on a manual
//! clock, and quick ways to make users and actors.

use shopcore::{
    Actor, Config, Durability, ManualClock, Registration, Role, Shop, Timestamp, User, UserId,
};
use std::path::PathBuf;
use std::sync::Arc;

/// 2026-01-01T00:00:00Z.
pub const START: Timestamp = Timestamp(1_767_225_600_000);
pub const OWNER: u64 = 1;

pub struct TestShop {
    pub shop: Shop,
    pub clock: Arc<ManualClock>,
    pub dir: tempfile::TempDir,
}

impl TestShop {
    /// A fresh shop whose only super admin is user 1.
    pub fn new() -> TestShop {
        let dir = tempfile::tempdir().expect("tempdir");
        let clock = Arc::new(ManualClock::new(START));
        let shop = Shop::open(dir.path().join("shop.db"), config(&clock)).expect("open");
        TestShop { shop, clock, dir }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.path().join("shop.db")
    }

    /// Closes and reopens the database.
    pub fn reopen(self) -> TestShop {
        let TestShop { shop, clock, dir } = self;
        drop(shop);
        let shop = Shop::open(dir.path().join("shop.db"), config(&clock)).expect("reopen");
        TestShop { shop, clock, dir }
    }

    pub fn owner(&self) -> Actor {
        self.shop.actor(uid(OWNER)).expect("owner actor")
    }

    pub fn user(&self, id: u64, username: Option<&str>) -> User {
        self.shop
            .register_user(&Registration {
                id: uid(id),
                username,
                display_name: &format!("User {id}"),
                language: Some("en"),
            })
            .expect("register")
    }

    /// Registers user `id` and gives them `role` (as the owner).
    pub fn staff(&self, id: u64, role: Role) -> Actor {
        self.user(id, None);
        if role != Role::User {
            self.shop
                .set_role(&self.owner(), uid(id), role)
                .expect("set role");
        }
        self.shop.actor(uid(id)).expect("actor")
    }

    pub fn digest(&self) -> [u8; 32] {
        self.shop.state_digest().expect("digest")
    }
}

pub fn config(clock: &Arc<ManualClock>) -> Config {
    Config::default()
        .with_clock(clock.clone())
        .with_durability(Durability::Background)
        .with_super_admins(vec![uid(OWNER)])
}

pub fn uid(id: u64) -> UserId {
    UserId::new(id).expect("valid id")
}

/// Runs `attempt`, which must fail; asserts that nothing but the audit log changed.
pub fn refused<T: std::fmt::Debug>(
    t: &TestShop,
    attempt: impl FnOnce() -> Result<T, shopcore::Error>,
) -> shopcore::Error {
    let before = t.digest();
    let err = attempt().expect_err("the attempt must be refused");
    assert_eq!(t.digest(), before, "a refused attempt changed state: {err}");
    err
}

/// The newest audit entry.
pub fn last_audit(t: &TestShop) -> shopcore::AuditEntry {
    let page = t
        .shop
        .audit_log(
            &t.owner(),
            &shopcore::AuditQuery {
                limit: 1,
                ..Default::default()
            },
        )
        .expect("audit log");
    page.entries.into_iter().next().expect("an audit entry")
}

pub fn money(text: &str) -> shopcore::Money {
    shopcore::Money::from_decimal(text.parse().expect("decimal"))
}

/// A manual-delivery product with unlimited stock.
pub fn new_product(
    category: shopcore::CategoryId,
    name: &str,
    price: &str,
) -> shopcore::NewProduct {
    shopcore::NewProduct {
        category,
        name: name.into(),
        description: String::new(),
        price_usd: money(price),
        kind: shopcore::ProductKind::GameTopUp,
        delivery: shopcore::Delivery::Manual,
        stock: shopcore::Stock::Unlimited,
        player_field: None,
        sort_order: 0,
        active: true,
    }
}

pub fn new_method(name: &str, currency: &str, min: &str, max: &str) -> shopcore::NewPaymentMethod {
    shopcore::NewPaymentMethod {
        name: name.into(),
        instructions: "Send to account 123-456".into(),
        currency: currency.into(),
        min_amount: money(min),
        max_amount: money(max),
        active: true,
    }
}

pub fn key(text: &str) -> shopcore::RequestKey {
    shopcore::RequestKey::new(text).expect("request key")
}

/// A shopper's top-up request with a text proof.
pub fn topup_request(
    method: shopcore::PaymentMethodId,
    amount: &str,
    request_key: &str,
) -> shopcore::TopupRequest {
    shopcore::TopupRequest {
        method,
        amount: money(amount),
        proof: shopcore::Proof::Text(format!("txn {request_key}")),
        key: key(request_key),
    }
}

/// Opens the database with sled directly (to tamper with it), waiting briefly for the lock
/// of a shop that was just closed: sled finishes its last writes on a background thread.
pub fn raw_sled(path: &std::path::Path) -> sled::Db {
    for _ in 0..100 {
        match sled::open(path) {
            Ok(db) => return db,
            Err(_) => std::thread::sleep(std::time::Duration::from_millis(20)),
        }
    }
    sled::open(path).expect("raw sled open")
}
