//! The `Shop`: one open database plus its clock and settings cache. Every public operation
//! is a method on it, grouped by domain in the other modules. This module holds opening,
//! actors and the shared authorization and audit plumbing.

use crate::audit::{self, ActorRef, AuditAction, Outcome, Record, Target};
use crate::clock::{Clock, Timestamp};
use crate::config::Config;
use crate::error::{Denied, Error, Result};
use crate::ids::UserId;
use crate::roles::{Permission, Role, has_permission};
use crate::settings::Settings;
use crate::store::{Store, Tx};
use crate::text;
use crate::users::User;
use std::sync::{Arc, RwLock};

/// An open shop: the one type every frontend talks to.
///
/// Every operation is a method on it, documented with the module of its domain
/// ([`crate::users`], [`crate::catalog`], [`crate::wallet`], [`crate::orders`], …); the
/// [crate documentation](crate) walks through the main flows. Each mutating call runs in one
/// transaction together with its audit entry and returns once the change is durable under
/// the configured [`Durability`](crate::Durability).
///
/// `Send + Sync`: open it once and share it (in an `Arc`) between every thread of a
/// frontend. Calls block; from async code, use [`Shop::call`], which runs them on a few
/// threads of the shop's own and answers with a future. Dropping the shop
/// flushes everything committed and closes the database.
#[derive(Debug)]
pub struct Shop {
    pub(crate) store: Store,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) settings_cache: RwLock<Settings>,
    /// When a shared store's settings were last read (`Shop::settings`).
    pub(crate) settings_read_at: std::sync::Mutex<Option<std::time::Instant>>,
    pub(crate) pending_topups_max: u32,
    pub(crate) limits: Limits,
    /// Orders whose supplier call is running in this process right now (live claims).
    /// sled is single-process, so a claim not in this set belongs to a process that is gone
    /// (or to a call that returned without a definite answer): reconciliation may settle it.
    pub(crate) supplier_claims: std::sync::Mutex<std::collections::BTreeSet<crate::ids::OrderId>>,
    /// The call threads and flusher of [`Shop::call`].
    pub(crate) calls: Arc<crate::calls::Calls>,
}

/// Timing limits copied from `Config` at open.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    pub(crate) unpaid_order_ttl_ms: i64,
    pub(crate) supplier_attempts_max: u32,
    pub(crate) supplier_backoff_ms: i64,
}

/// The one place where cross-cutting effects hang: which module follows which change. A
/// module reports a change it makes (`Tx::report`) without naming who follows it; the
/// handlers run in the same transaction.
fn effects() -> crate::store::Effects {
    use crate::domain::{analytics, broadcast, orders, users, wallet};
    crate::store::Effects::default()
        // Someone who shows up again has not blocked the bot (any more).
        .on::<users::Arrived>(broadcast::clear_blocked)
        // Statistics roll-ups follow users, orders and approved top-ups.
        .on::<users::UserSaved>(analytics::on_user_saved)
        .on::<orders::OrderSaved>(analytics::on_order_saved)
        .on::<wallet::TopupApproved>(analytics::on_topup_approved)
        .on::<crate::invoices::InvoiceCredited>(analytics::on_invoice_credited)
}

impl Drop for Shop {
    fn drop(&mut self) {
        // Make a clean close durable under every policy (`Background` included).
        let _ = self.store.flush();
        self.calls.close();
    }
}

/// Someone acting on the shop. Only the shop makes these ([`Shop::actor`],
/// [`Shop::system_actor`]), and every operation re-reads the actor's stored role and ban
/// state inside its own transaction, so a caller can't claim a role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    who: ActorRef,
    /// The channel the actor acts through when it is not the frontend's own (the web panel),
    /// noted in every audit entry the actor writes.
    via: Option<&'static str>,
}

impl Actor {
    /// One of the shop's own system identities (`stars`, `expiry`), for calls without a
    /// person behind them.
    pub(crate) fn internal(who: ActorRef) -> Actor {
        Actor { who, via: None }
    }

    /// An actor for a user id without checking it, for the test harness only: every
    /// operation still checks the stored user, role and ban inside its transaction.
    #[cfg(feature = "testkit")]
    pub(crate) fn for_harness(id: UserId) -> Actor {
        Actor {
            who: ActorRef::User(id),
            via: None,
        }
    }

    /// A staff member acting through a channel other than the chat (the web panel): only
    /// the panel's sessions make these ([`crate::Shop::panel_session`]).
    pub(crate) fn through(id: UserId, via: &'static str) -> Actor {
        Actor {
            who: ActorRef::User(id),
            via: Some(via),
        }
    }

    /// The channel this actor acts through, when not the frontend's own (`"web"`).
    pub fn via(&self) -> Option<&'static str> {
        self.via
    }

    /// Who this actor is, as the audit log records them.
    pub fn who(&self) -> &ActorRef {
        &self.who
    }

    /// The user behind this actor; `None` for system actors.
    pub fn user_id(&self) -> Option<UserId> {
        match self.who {
            ActorRef::User(id) => Some(id),
            ActorRef::System(_) => None,
        }
    }
}

/// The kinds of record a database that people read directly (PostgreSQL) shows as JSON,
/// from which its typed columns and reporting views are computed (`store::describe`).
/// Indexes, postings and roll-up scratch records are derived and need none; pools of codes
/// are secrets and get none.
#[cfg(feature = "postgres")]
pub(crate) fn describers() -> crate::store::Describers {
    use crate::store::describe::Describer;
    vec![
        Describer::record::<crate::users::Users>(),
        Describer::record::<crate::wallet::Wallets>(),
        Describer::record::<crate::wallet::Topups>(),
        Describer::log::<crate::wallet::Ledger>(),
        Describer::record::<crate::orders::Orders>(),
        Describer::record::<crate::catalog::Categories>(),
        Describer::record::<crate::catalog::Products>(),
        Describer::record::<crate::coupons::Coupons>(),
        Describer::record::<crate::coupons::CouponUses>(),
        Describer::record::<crate::currency::Currencies>(),
        Describer::record::<crate::payment_methods::PaymentMethods>(),
        Describer::log::<crate::audit::Entries>(),
        Describer::record::<crate::audit::Stubs>(),
        Describer::log::<crate::notifications::Outbox>(),
        Describer::record::<crate::broadcast::Broadcasts>(),
        Describer::record::<crate::settings::SettingsRecord>(),
        Describer::record::<crate::analytics::RollupDays>(),
        Describer::record::<crate::analytics::RollupProducts>(),
        Describer::record::<crate::analytics::RollupTotals>(),
        Describer::record::<crate::analytics::LaneDays>(),
        Describer::record::<crate::analytics::LaneProducts>(),
        Describer::record::<crate::analytics::LaneTotals>(),
        Describer::record::<crate::leases::Leases>(),
        Describer::record::<crate::invoices::Invoices>(),
        Describer::record::<crate::invoices::Payments>(),
    ]
}

/// Without PostgreSQL, nothing is described.
#[cfg(not(feature = "postgres"))]
pub(crate) fn describers() -> crate::store::Describers {}

impl Shop {
    /// Opens (or creates) the shop at `location`: a directory (the embedded sled database)
    /// or, with the `postgres` feature, a `postgres://` URL ([`crate::Location`]).
    ///
    /// An older database is migrated to [`crate::SCHEMA_VERSION`] first; then the
    /// configured [`Config::super_admins`] are made active super admins (registered if
    /// unknown, audited as the `bootstrap` system actor).
    ///
    /// Fails with [`crate::StoreError::InUse`] when another process has it open, with
    /// [`crate::StoreError::SchemaTooNew`] when a newer shopcore wrote it, with
    /// [`crate::StoreError::NotAShop`] when the directory holds something else, and with
    /// [`crate::StoreError::Corrupt`] or [`crate::StoreError::Storage`] when the files are
    /// damaged.
    ///
    /// ```
    /// use shopcore::{Config, Role, Shop, UserId};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let dir = tempfile::tempdir()?;
    /// let owner = UserId::new(1)?;
    /// let shop = Shop::open(dir.path().join("shop.db"), Config::default().with_super_admins(vec![owner]))?;
    /// assert_eq!(shop.user(owner)?.map(|u| u.role), Some(Role::SuperAdmin));
    /// # Ok(())
    /// # }
    /// ```
    pub fn open(location: impl Into<crate::config::Location>, config: Config) -> Result<Shop> {
        let store = Store::open_at(
            &location.into(),
            &config,
            crate::domain::migrations::ALL,
            effects(),
            describers(),
        )?;
        let shop = Shop {
            store,
            clock: config.clock.clone(),
            settings_cache: RwLock::new(Settings::default()),
            settings_read_at: std::sync::Mutex::new(None),
            pending_topups_max: config.pending_topups_per_user_max,
            limits: Limits {
                unpaid_order_ttl_ms: config.unpaid_order_ttl_ms.max(1),
                supplier_attempts_max: config.supplier_attempts_max.max(1),
                supplier_backoff_ms: config.supplier_backoff_ms.max(0),
            },
            supplier_claims: Default::default(),
            calls: Arc::new(crate::calls::Calls::new(config.call_threads)),
        };
        shop.load_settings_cache()?;
        if shop.store.migrated() {
            // Every record may have been rewritten: the next start-up check is the full
            // `verify()` (the watermark vouched for the records as they were).
            shop.forget_watermark()?;
        }
        shop.bootstrap_super_admins(&config.super_admins)?;
        Ok(shop)
    }

    /// Whether other processes may share this shop (a PostgreSQL database): periodic work
    /// must then be claimed ([`Shop::claim_job`]) so that it runs in one place at a time.
    pub fn is_shared(&self) -> bool {
        self.store.is_shared()
    }

    /// The shop's current time, from its [`Config::clock`].
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// Writes everything committed so far to disk. Only needed under
    /// [`Durability::Background`](crate::Durability::Background): the other policies flush
    /// before each mutating call returns.
    pub fn flush(&self) -> Result<()> {
        Ok(self.store.flush()?)
    }

    /// How many group-commit flushes have run since the shop was opened (for metrics: with
    /// many concurrent callers, one flush covers several calls).
    pub fn flush_count(&self) -> u64 {
        self.store.flush_count()
    }

    /// What the store has counted since the shop was opened: transactions, commits, the
    /// batches they were applied in, and keys written. A benchmark aid (the `load` program
    /// reports sled writes per order from it), not a stable API.
    #[doc(hidden)]
    pub fn store_counters(&self) -> crate::store::StoreCounters {
        self.store.counters()
    }

    /// Keys written to sled since the shop was opened, per table (name, count): where the
    /// writes of `store_counters` go. A benchmark aid, not a stable API.
    #[doc(hidden)]
    pub fn store_writes_by_table(&self) -> Vec<(&'static str, u64)> {
        self.store.writes_by_table()
    }

    /// The database's size on disk in bytes.
    pub fn size_on_disk_bytes(&self) -> Result<u64> {
        Ok(self.store.size_on_disk_bytes()?)
    }

    /// The actor for a registered user: how a frontend acts for the person it is talking to.
    ///
    /// Fails with [`Denied::UnknownActor`] when the user is not registered and
    /// [`Denied::ActorBanned`] when they are banned. Holding an actor grants nothing by
    /// itself: every call re-reads the user's role and ban inside its own transaction, so a
    /// role change or a ban takes effect at once, even for actors made before it.
    pub fn actor(&self, id: UserId) -> Result<Actor> {
        let user: Option<User> = self.store.fetch::<crate::users::Users>(&id)?;
        match user {
            None => Err(Denied::UnknownActor { user: id }.into()),
            Some(u) if u.ban.is_some() => Err(Denied::ActorBanned { user: id }.into()),
            Some(_) => Ok(Actor {
                who: ActorRef::User(id),
                via: None,
            }),
        }
    }

    /// The actor a staff member uses to act on `user`'s behalf (`act_for_users`): the user's
    /// own rules (ban, balance, limits) still apply inside each transaction, while audit
    /// entries, ledger entries and request keys stay the staff member's. A denied attempt is
    /// audited. Acting for oneself is simply acting.
    pub(crate) fn on_behalf_of(
        &self,
        staff: &Actor,
        user: UserId,
        action: AuditAction,
    ) -> Result<Actor> {
        if staff.user_id() == Some(user) {
            return Ok(staff.clone());
        }
        self.audited(staff, action, Target::User(user), |tx| {
            require(tx, staff, Permission::ActForUsers).map(|_| ())
        })?;
        Ok(Actor {
            who: ActorRef::User(user),
            via: staff.via,
        })
    }

    /// A trusted local identity with super-admin rights, such as the operator console
    /// (`"console"`). It is recorded by name in the audit log ([`ActorRef::System`]). Only
    /// frontends that run with the operator's own authority (the REPL on the shop's machine)
    /// should make one. A system actor is not a user: calls that need one (placing an order,
    /// requesting a top-up) refuse it with [`Denied::NotAUser`].
    ///
    /// Fails with [`crate::InvalidInput`] when `name` is empty, longer than 64 characters
    /// or holds control characters.
    pub fn system_actor(&self, name: &str) -> Result<Actor> {
        let name = text::SYSTEM_ACTOR.check(name)?;
        Ok(Actor {
            who: ActorRef::System(name),
            via: None,
        })
    }

    /// Runs a privileged operation in one transaction. The body writes its own audit entry
    /// on success; when it is denied or fails validation, a `Denied`/`Failed` entry is
    /// written instead, in a transaction of its own (the body's changes are all discarded).
    pub(crate) fn audited<T>(
        &self,
        actor: &Actor,
        action: AuditAction,
        target: Target,
        body: impl Fn(&Tx<'_>) -> Result<T>,
    ) -> Result<T> {
        let result = self.store.transact(self.now(), body);
        if let Err(error) = &result {
            self.record_refusal(actor, action, &target, error);
        }
        result
    }

    /// Passes validated input through; when validation failed, answers as a privileged
    /// operation would: `Denied` if the actor lacks `permission` anyway, else the validation
    /// error, and audits the refusal either way.
    pub(crate) fn validated<V>(
        &self,
        actor: &Actor,
        action: AuditAction,
        target: Target,
        permission: Permission,
        input: Result<V>,
    ) -> Result<V> {
        let error = match input {
            Ok(value) => return Ok(value),
            Err(error) => error,
        };
        let error = match self.transact(|tx| require(tx, actor, permission).map(|_| ())) {
            Err(denied @ Error::Denied(_)) => denied,
            _ => error,
        };
        self.record_refusal(actor, action, &target, &error);
        Err(error)
    }

    pub(crate) fn record_refusal(
        &self,
        actor: &Actor,
        action: AuditAction,
        target: &Target,
        error: &Error,
    ) {
        let outcome = match error {
            Error::Denied(d) => Outcome::Denied {
                reason: d.to_string(),
            },
            Error::Store(_) => return,
            other => Outcome::Failed {
                reason: other.to_string(),
            },
        };
        // Best effort: if even this fails, the caller still gets the original error.
        let _ = self.store.transact(self.now(), |tx| {
            if let Some(via) = actor.via {
                tx.set_via(via);
            }
            audit::append(
                tx,
                Record {
                    actor: &actor.who,
                    action,
                    target: target.clone(),
                    details: Vec::new(),
                    outcome: outcome.clone(),
                },
            )
        });
    }

    /// Runs a read-only or self-service operation in one transaction.
    pub(crate) fn transact<T>(&self, body: impl Fn(&Tx<'_>) -> Result<T>) -> Result<T> {
        self.store.transact(self.now(), body)
    }
}

/// The actor's current role, read inside the transaction. Unknown and banned users are
/// denied; system actors are super admins.
pub(crate) fn role_of(tx: &Tx<'_>, actor: &Actor) -> Result<Role> {
    if let Some(via) = actor.via {
        tx.set_via(via);
    }
    match &actor.who {
        ActorRef::System(_) => Ok(Role::SuperAdmin),
        ActorRef::User(id) => {
            let user: User = tx
                .load::<crate::users::Users>(id)?
                .ok_or(Denied::UnknownActor { user: *id })?;
            if user.ban.is_some() {
                return Err(Denied::ActorBanned { user: *id }.into());
            }
            Ok(user.role)
        }
    }
}

/// Checks that the actor holds `permission`; returns their role.
pub(crate) fn require(tx: &Tx<'_>, actor: &Actor, permission: Permission) -> Result<Role> {
    let role = role_of(tx, actor)?;
    if !has_permission(role, permission) {
        return Err(Denied::MissingPermission { role, permission }.into());
    }
    Ok(role)
}
