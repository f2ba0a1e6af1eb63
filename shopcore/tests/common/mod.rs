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
