//! Store modes and shop-wide settings. Settings live in one record, are cached in memory
//! (reads never touch sled) and are refreshed from each committed change.
//!
//! Store states (SEED §10), precisely:
//! - `Open`: everything works.
//! - `Maintenance`: new orders are refused; everything else (catalog edits, top-ups,
//!   finalizing existing orders, user management) works.
//! - `Emergency`: every change to shop state is refused, except lifting the emergency (by a
//!   holder of `emergency_stop`); reads by staff work. Still written, because recovery or
//!   bookkeeping needs them: audit entries (refused attempts and audited views), start-up
//!   bootstrap of configured super admins, backups (a read), frontend sessions and outbox
//!   acknowledgements (interface state), broadcast delivery records and cancelling a
//!   broadcast (stopping one is what an emergency wants), marks of users who blocked the bot,
//!   and recording what a supplier already delivered (`reconcile_supplier_orders`: the goods
//!   are out; the order must say so). Expiring unpaid orders, running the supplier queue and
//!   pruning wait until the emergency is lifted.
//!
//! Fulfilment mode `Manual` (default): staff fulfil orders. `Auto`: orders are fulfilled
//! from code pools or a supplier, falling back to manual when the supplier fails.
//!
//! Peers: audit.

use crate::Shop;
use crate::audit::{self, AuditAction, Detail, Target};
use crate::error::{Error, ModeError, Result};
use crate::roles::Permission;
use crate::shop::Actor;
use crate::store::{StoreError, Table, Tx};
use crate::text;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Who fulfils paid orders; changed with [`Shop::set_fulfilment_mode`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum FulfilmentMode {
    /// Staff complete every order by hand, code orders included (the default).
    #[default]
    Manual,
    /// A code order completes as soon as it is paid, with its reserved code; a supplier
    /// order goes through [`Shop::run_supplier_queue`], falling back to staff when the
    /// supplier definitely fails. Manual products still wait for staff.
    Auto,
}

impl FulfilmentMode {
    /// Every mode.
    pub const ALL: [FulfilmentMode; 2] = [FulfilmentMode::Manual, FulfilmentMode::Auto];

    /// The mode's stable name: `manual` or `auto`.
    pub fn name(self) -> &'static str {
        match self {
            FulfilmentMode::Manual => "manual",
            FulfilmentMode::Auto => "auto",
        }
    }
}

impl fmt::Display for FulfilmentMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Whether the shop takes orders and changes; set with [`Shop::set_store_state`]. The module
/// documentation lists exactly what each state allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum StoreState {
    /// Everything works (the default).
    #[default]
    Open,
    /// New orders are refused ([`ModeError::Maintenance`]); everything else works.
    Maintenance,
    /// Every change to shop state is refused ([`ModeError::Emergency`]) until staff with
    /// `emergency_stop` lift it; staff reads, backups and a few bookkeeping writes go on.
    Emergency,
}

impl StoreState {
    /// Every state.
    pub const ALL: [StoreState; 3] = [
        StoreState::Open,
        StoreState::Maintenance,
        StoreState::Emergency,
    ];

    /// The state's stable name: `open`, `maintenance` or `emergency`.
    pub fn name(self) -> &'static str {
        match self {
            StoreState::Open => "open",
            StoreState::Maintenance => "maintenance",
            StoreState::Emergency => "emergency",
        }
    }
}

impl fmt::Display for StoreState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The shop-wide settings record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Settings {
    /// Grows by one with every change; the cache keeps the highest version it has seen.
    pub version: u64,
    /// Who fulfils paid orders.
    pub fulfilment: FulfilmentMode,
    /// Whether the shop takes orders and changes.
    pub state: StoreState,
    /// Why the shop is in its current state (shown to staff).
    pub state_reason: Option<String>,
    /// How shoppers reach a person (shown by frontends).
    pub support_contact: Option<String>,
    /// The shop's fixed offset from UTC in minutes, used while no IANA zone is set (shops
    /// made before zones existed keep counting their days at it).
    pub utc_offset_minutes: i32,
    /// The shop's time zone: its IANA zone ([`Shop::set_time_zone`], kept in a record of its
    /// own), else the fixed offset above. Days in statistics, dates shown to people and
    /// day-based queries follow it. Filled when the settings are read; not part of the
    /// settings record.
    #[serde(skip)]
    pub time_zone: crate::clock::Zone,
}

/// The lowest UTC offset accepted, in minutes: UTC-12:00 (offsets in use on Earth run from
/// UTC-12:00 to UTC+14:00).
pub const UTC_OFFSET_MINUTES_MIN: i32 = -12 * 60;
/// The highest UTC offset accepted, in minutes: UTC+14:00.
pub const UTC_OFFSET_MINUTES_MAX: i32 = 14 * 60;

crate::store::record!(
    /// The shop's settings: one record.
    pub(crate) SettingsRecord: Table::Settings, "settings", b"settings", () => Settings
);

crate::store::record!(
    /// The shop's IANA time zone name, when staff set one (schema 16).
    pub(crate) TimeZoneRecord: Table::TimeZone, "time_zone", () => String
);

/// The zone a shop with these settings and this stored zone name lives in. A name the zone
/// database no longer knows (it renames zones rarely) falls back to the fixed offset.
fn zone_of(settings: &Settings, name: Option<String>) -> crate::clock::Zone {
    match name {
        Some(name) => crate::clock::Zone::named(&name)
            .unwrap_or_else(|_| crate::clock::Zone::fixed(settings.utc_offset_minutes)),
        None => crate::clock::Zone::fixed(settings.utc_offset_minutes),
    }
}

pub(crate) fn load(tx: &Tx<'_>) -> std::result::Result<Settings, StoreError> {
    let mut settings = tx.load::<SettingsRecord>(&())?.unwrap_or_default();
    settings.time_zone = zone_of(&settings, tx.load::<TimeZoneRecord>(&())?);
    Ok(settings)
}

/// The settings as stored, read outside a transaction (migrations, verification).
pub(crate) fn fetch(store: &crate::store::Store) -> std::result::Result<Settings, StoreError> {
    let mut settings = store.fetch::<SettingsRecord>(&())?.unwrap_or_default();
    settings.time_zone = zone_of(&settings, store.fetch::<TimeZoneRecord>(&())?);
    Ok(settings)
}

/// Refuses every state change while the shop is in emergency mode.
pub(crate) fn refuse_in_emergency(tx: &Tx<'_>) -> Result<()> {
    if load(tx)?.state == StoreState::Emergency {
        return Err(ModeError::Emergency.into());
    }
    Ok(())
}

/// Refuses new orders in maintenance and emergency modes.
pub(crate) fn refuse_new_orders(tx: &Tx<'_>) -> Result<()> {
    match load(tx)?.state {
        StoreState::Open => Ok(()),
        StoreState::Maintenance => Err(ModeError::Maintenance.into()),
        StoreState::Emergency => Err(ModeError::Emergency.into()),
    }
}

impl Shop {
    /// The current settings: from memory on an embedded store (every change goes through
    /// this shop); on a shared database (another process may change them) read again when
    /// the copy is a second old or more, falling back to the last known settings when the
    /// read fails. The rules themselves never use this copy: each transaction reads the
    /// settings it checks. Safe to call from async code.
    pub fn settings(&self) -> Settings {
        if self.store.is_shared() && self.settings_refresh_due() {
            // On a thread of its own: the database client blocks, which the threads of an
            // async runtime (where frontends read the settings) may not do.
            std::thread::scope(|scope| {
                let _ = scope.spawn(|| self.load_settings_cache()).join();
            });
        }
        self.settings_cache
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Whether the settings of a shared store were last read a second ago or more (then
    /// marks them read now).
    fn settings_refresh_due(&self) -> bool {
        let mut last = self
            .settings_read_at
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let due = last.is_none_or(|at| at.elapsed() >= std::time::Duration::from_secs(1));
        if due {
            *last = Some(std::time::Instant::now());
        }
        due
    }

    fn remember_settings(&self, settings: &Settings) {
        let mut cache = self
            .settings_cache
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if settings.version > cache.version {
            *cache = settings.clone();
        }
    }

    /// Changes the store state, with an optional reason shown to staff. Entering or leaving
    /// `Emergency` needs `emergency_stop`; switching between `Open` and `Maintenance` needs
    /// `manage_settings`. While in emergency, only leaving it is allowed. Setting the state
    /// the shop is already in fails with [`crate::InvalidInput::Unchanged`]. Audited
    /// `SET_STORE_STATE`.
    ///
    /// ```
    /// use shopcore::{Config, Error, ModeError, Shop, StoreState, UserId};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let dir = tempfile::tempdir()?;
    /// # let owner = UserId::new(1)?;
    /// # let shop = Shop::open(dir.path().join("shop.db"), Config::default().with_super_admins(vec![owner]))?;
    /// let admin = shop.actor(owner)?;
    /// shop.set_store_state(&admin, StoreState::Emergency, Some("leaked codes"))?;
    /// let err = shop.create_category(&admin, "Gift cards", 0).unwrap_err();
    /// assert!(matches!(err, Error::Mode(ModeError::Emergency)));
    /// shop.set_store_state(&admin, StoreState::Open, None)?;
    /// assert_eq!(shop.settings().state, StoreState::Open);
    /// # Ok(())
    /// # }
    /// ```
    pub fn set_store_state(
        &self,
        actor: &Actor,
        state: StoreState,
        reason: Option<&str>,
    ) -> Result<Settings> {
        // Either permission may apply; validation failures are audited under the weaker.
        let reason = self.validated(
            actor,
            AuditAction::SetStoreState,
            Target::Settings,
            Permission::EmergencyStop,
            reason
                .map(|r| text::REASON.check(r))
                .transpose()
                .map_err(Error::from),
        )?;
        let settings = self.audited(actor, AuditAction::SetStoreState, Target::Settings, |tx| {
            let mut settings = load(tx)?;
            let before = settings.state;
            let permission = if before == StoreState::Emergency || state == StoreState::Emergency {
                Permission::EmergencyStop
            } else {
                Permission::ManageSettings
            };
            crate::shop::require(tx, actor, permission)?;
            if before == state {
                return Err(crate::error::InvalidInput::Unchanged {
                    what: format!("the shop is already {state}"),
                }
                .into());
            }
            settings.state = state;
            settings.state_reason = reason.clone();
            settings.version += 1;
            tx.save::<SettingsRecord>(&(), &settings)?;
            let mut details = vec![Detail::changed("state", before, state)];
            if let Some(r) = &reason {
                details.push(Detail::noted("reason", r));
            }
            audit::done(
                tx,
                actor.who(),
                AuditAction::SetStoreState,
                Target::Settings,
                details,
            )?;
            Ok(settings)
        })?;
        self.remember_settings(&settings);
        Ok(settings)
    }

    /// Switches between manual and automatic fulfilment (`manage_settings`), audited
    /// `SET_FULFILMENT_MODE`. The mode is read when an order is placed (a supplier product
    /// goes to the supplier only if ordered in `Auto`) and when it is paid (a code order
    /// completes at once only if paid in `Auto`); [`Shop::run_supplier_queue`] works only in
    /// `Auto`.
    pub fn set_fulfilment_mode(&self, actor: &Actor, mode: FulfilmentMode) -> Result<Settings> {
        let settings = self.audited(
            actor,
            AuditAction::SetFulfilmentMode,
            Target::Settings,
            |tx| {
                crate::shop::require(tx, actor, Permission::ManageSettings)?;
                refuse_in_emergency(tx)?;
                let mut settings = load(tx)?;
                let before = settings.fulfilment;
                settings.fulfilment = mode;
                settings.version += 1;
                tx.save::<SettingsRecord>(&(), &settings)?;
                audit::done(
                    tx,
                    actor.who(),
                    AuditAction::SetFulfilmentMode,
                    Target::Settings,
                    vec![Detail::changed("fulfilment", before, mode)],
                )?;
                Ok(settings)
            },
        )?;
        self.remember_settings(&settings);
        Ok(settings)
    }

    /// Sets or clears the support contact shown to shoppers (`manage_settings`).
    pub fn set_support_contact(&self, actor: &Actor, contact: Option<&str>) -> Result<Settings> {
        let contact = self.validated(
            actor,
            AuditAction::UpdateSettings,
            Target::Settings,
            Permission::ManageSettings,
            contact
                .map(|c| text::SUPPORT_CONTACT.check(c))
                .transpose()
                .map_err(Error::from),
        )?;
        let settings =
            self.audited(actor, AuditAction::UpdateSettings, Target::Settings, |tx| {
                crate::shop::require(tx, actor, Permission::ManageSettings)?;
                refuse_in_emergency(tx)?;
                let mut settings = load(tx)?;
                let before = settings.support_contact.clone();
                settings.support_contact = contact.clone();
                settings.version += 1;
                tx.save::<SettingsRecord>(&(), &settings)?;
                audit::done(
                    tx,
                    actor.who(),
                    AuditAction::UpdateSettings,
                    Target::Settings,
                    vec![Detail {
                        field: "support_contact".into(),
                        before,
                        after: contact.clone(),
                    }],
                )?;
                Ok(settings)
            })?;
        self.remember_settings(&settings);
        Ok(settings)
    }

    /// Sets the shop's UTC offset (`manage_settings`) and rebuilds the statistics roll-ups
    /// for the new day boundaries.
    pub fn set_utc_offset(&self, actor: &Actor, minutes: i32) -> Result<Settings> {
        let minutes = self.validated(
            actor,
            AuditAction::UpdateSettings,
            Target::Settings,
            Permission::ManageSettings,
            if (UTC_OFFSET_MINUTES_MIN..=UTC_OFFSET_MINUTES_MAX).contains(&minutes) {
                Ok(minutes)
            } else {
                Err(crate::error::InvalidInput::UnknownName {
                    what: "UTC offset (minutes between -720 and 840)",
                    text: minutes.to_string(),
                }
                .into())
            },
        )?;
        let settings =
            self.audited(actor, AuditAction::UpdateSettings, Target::Settings, |tx| {
                crate::shop::require(tx, actor, Permission::ManageSettings)?;
                refuse_in_emergency(tx)?;
                let mut settings = load(tx)?;
                let before = settings.time_zone.name().to_owned();
                settings.utc_offset_minutes = minutes;
                settings.time_zone = crate::clock::Zone::fixed(minutes);
                settings.version += 1;
                tx.save::<SettingsRecord>(&(), &settings)?;
                tx.delete::<TimeZoneRecord>(&())?;
                audit::done(
                    tx,
                    actor.who(),
                    AuditAction::UpdateSettings,
                    Target::Settings,
                    vec![Detail::changed(
                        "time_zone",
                        before,
                        settings.time_zone.name(),
                    )],
                )?;
                Ok(settings)
            })?;
        self.remember_settings(&settings);
        self.rebuild_rollups_unchecked()?;
        Ok(settings)
    }

    /// Sets the shop's time zone to the IANA zone `name` (`Africa/Cairo`, `Asia/Riyadh`,
    /// `UTC`; `manage_settings`), audited with the zone before and after, and rebuilds the
    /// statistics roll-ups for the new day boundaries. Daylight saving is followed from then
    /// on. An unknown name is refused ([`InvalidInput::UnknownName`]) with nothing changed;
    /// the zone the shop already has changes nothing and is not audited.
    ///
    /// [`InvalidInput::UnknownName`]: crate::error::InvalidInput::UnknownName
    pub fn set_time_zone(&self, actor: &Actor, name: &str) -> Result<Settings> {
        let zone = self.validated(
            actor,
            AuditAction::UpdateSettings,
            Target::Settings,
            Permission::ManageSettings,
            crate::clock::Zone::named(name).map_err(|e| {
                crate::error::InvalidInput::UnknownName {
                    what: "time zone (an IANA name such as Africa/Cairo)",
                    text: e.name,
                }
                .into()
            }),
        )?;
        let (settings, changed) =
            self.audited(actor, AuditAction::UpdateSettings, Target::Settings, |tx| {
                crate::shop::require(tx, actor, Permission::ManageSettings)?;
                refuse_in_emergency(tx)?;
                let mut settings = load(tx)?;
                if settings.time_zone == zone {
                    return Ok((settings, false));
                }
                let before = settings.time_zone.name().to_owned();
                settings.time_zone = zone.clone();
                settings.version += 1;
                tx.save::<SettingsRecord>(&(), &settings)?;
                tx.save::<TimeZoneRecord>(&(), &zone.name().to_owned())?;
                audit::done(
                    tx,
                    actor.who(),
                    AuditAction::UpdateSettings,
                    Target::Settings,
                    vec![Detail::changed("time_zone", before, zone.name())],
                )?;
                Ok((settings, true))
            })?;
        if changed {
            self.remember_settings(&settings);
            self.rebuild_rollups_unchecked()?;
        }
        Ok(settings)
    }

    pub(crate) fn load_settings_cache(&self) -> Result<()> {
        let settings = fetch(&self.store).map_err(Error::from)?;
        self.remember_settings(&settings);
        Ok(())
    }
}
