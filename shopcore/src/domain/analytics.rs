//! Analytics: the statistics dashboard of SEED §7 at a cost that does not grow with the
//! number of orders. Roll-ups (shop totals, per-day and per-product counters, and a
//! last-active-day histogram) are updated in the same transactions as the users, orders and
//! top-ups they count; the dashboard reads a bounded number of them.
//!
//! Days follow the shop's time zone (`Settings::time_zone`: an IANA zone with its daylight
//! saving, or a fixed UTC offset): "today" is the shop's calendar day, "this week" starts on
//! Monday, "this month" on the 1st. Changing the zone rebuilds the roll-ups. Revenue is the total (net of discounts) of completed orders, on the
//! day they completed; completed orders are never refunded, so no refund is subtracted from it.
//!
//! Peers: audit, invoices, orders, settings, users, wallet.

use crate::Shop;
use crate::audit::{self, AuditAction, Detail, Target};
use crate::error::{InvalidInput, Result};
use crate::ids::{ProductId, UserId};
use crate::money::Money;
use crate::orders::{Order, OrderStatus};
use crate::roles::Permission;
use crate::settings;
use crate::shop::{Actor, require};
use crate::store::{Span, Store, StoreError, Table, Tx};
use crate::users::User;
use crate::wallet::{Topup, TopupStatus};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Shop-wide running totals, kept in the same transactions as the records they count
/// ([`Shop::totals`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    /// Registered users.
    pub users: u64,
    /// Users banned now.
    pub banned: u64,
    /// Orders ever placed.
    pub orders: u64,
    /// Current orders per status, indexed like `OrderStatus::ALL`.
    pub by_status: [u64; 6],
    /// Orders completed by staff.
    pub completed_manual: u64,
    /// Orders completed without a person (a code pool in AUTO mode, or the supplier).
    pub completed_auto: u64,
    /// The total (net of discounts) of every completed order, in USD.
    pub revenue_usd: Money,
    /// Top-ups approved.
    pub topups: u64,
    /// What approved top-ups credited, in USD.
    pub topups_usd: Money,
}

/// One shop day.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayStats {
    /// Users who registered that day.
    pub new_users: u64,
    /// Orders created that day.
    pub orders: u64,
    /// Orders completed that day, and their revenue.
    pub completed: u64,
    /// The total of the orders completed that day, in USD.
    pub revenue_usd: Money,
    /// Top-ups approved that day.
    pub topups: u64,
    /// What the top-ups approved that day credited, in USD.
    pub topups_usd: Money,
    /// Distinct users active that day.
    pub active_users: u64,
}

/// How money came in: how an order was paid, or how a top-up arrived.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Route {
    /// From the wallet balance.
    Balance,
    /// Through a payment method, confirmed by staff (orders and approved top-ups).
    Method,
    /// Telegram Stars.
    Stars,
    /// Crypto Pay.
    CryptoPay,
}

impl Route {
    /// Every route, in the dashboard's order.
    pub const ALL: [Route; 4] = [
        Route::Balance,
        Route::Method,
        Route::Stars,
        Route::CryptoPay,
    ];

    fn code(self) -> u8 {
        match self {
            Route::Balance => 0,
            Route::Method => 1,
            Route::Stars => 2,
            Route::CryptoPay => 3,
        }
    }

    /// The route's stable name: `balance`, `method`, `stars`, `crypto_pay`.
    pub fn name(self) -> &'static str {
        match self {
            Route::Balance => "balance",
            Route::Method => "method",
            Route::Stars => "stars",
            Route::CryptoPay => "crypto_pay",
        }
    }

    /// How an order was paid.
    pub fn of_order(order: &Order) -> Route {
        match &order.payment {
            crate::orders::Payment::Balance => Route::Balance,
            crate::orders::Payment::Method { .. } => Route::Method,
            crate::orders::Payment::Invoice { provider, .. } => Route::of_provider(*provider),
        }
    }

    /// A payment provider's route.
    pub fn of_provider(provider: crate::invoices::Provider) -> Route {
        match provider {
            crate::invoices::Provider::Stars => Route::Stars,
            crate::invoices::Provider::CryptoPay => Route::CryptoPay,
        }
    }
}

crate::store::code_part!(Route, Route::code, Route::ALL);

/// What came in through one route.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteStats {
    /// Orders paid this way that completed.
    pub completed: u64,
    /// Their total, in USD.
    pub revenue_usd: Money,
    /// Money credited to balances this way: approved top-ups (methods) and invoice
    /// payments (providers).
    pub credits: u64,
    /// What they credited, in USD.
    pub credits_usd: Money,
}

/// One product's sales.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductStats {
    /// Units sold by completed orders (each order's quantity).
    pub units: u64,
    /// Their total, in USD.
    pub revenue_usd: Money,
}

crate::store::record!(
    /// The shop-wide running totals.
    pub(crate) RollupTotals: Table::Rollups, "rollup_totals", b"t", () => Totals
);
crate::store::record!(
    /// Each day's figures (day number in the shop's offset).
    pub(crate) RollupDays: Table::Rollups, "rollup_days", b"d", i64 => DayStats
);
crate::store::record!(
    /// Each product's completed units and revenue.
    pub(crate) RollupProducts: Table::Rollups, "rollup_products", b"p", ProductId => ProductStats
);
crate::store::record!(
    /// What came in through each payment route (schema 13).
    pub(crate) RollupRoutes: Table::Rollups, "rollup_routes", b"r", Route => RouteStats
);
crate::store::record!(
    /// How many users were last active on each day.
    RollupLastActive: Table::Rollups, "rollup_last_active", b"h", i64 => u64
);
crate::store::record!(
    /// The totals' changes made by the writer of a lane other than 0 (`store::log::Lane`):
    /// each writer counts in records of its own, so the commits of two processes share no
    /// roll-up; the figures are lane 0's records plus every lane's ([`Tally`]).
    pub(crate) LaneTotals: Table::Rollups, "rollup_lane_totals", b"T", u64 => Totals
);
crate::store::record!(
    /// Each day's figures changed by the writer of a lane: day · lane.
    pub(crate) LaneDays: Table::Rollups, "rollup_lane_days", b"D", (i64, u64) => DayStats
);
crate::store::record!(
    /// Each product's figures changed by the writer of a lane: product · lane.
    pub(crate) LaneProducts: Table::Rollups, "rollup_lane_products", b"P", (ProductId, u64) => ProductStats
);
crate::store::record!(
    /// Each payment route's figures changed by the writer of a lane: route · lane.
    LaneRoutes: Table::Rollups, "rollup_lane_routes", b"R", (Route, u64) => RouteStats
);
crate::store::record!(
    /// The last-active histogram's changes made by the writer of a lane: day · lane.
    LaneLastActive: Table::Rollups, "rollup_lane_last_active", b"H", (i64, u64) => u64
);
crate::store::record!(
    /// One entry per user per active day (the raw record behind daily active users).
    Activity: Table::Activity, "activity", (i64, UserId) => ()
);

/// One roll-up record, by kind and key (rebuilds and checks compare them all).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Rollup {
    Totals,
    Day(i64),
    Product(ProductId),
    LastActive(i64),
    Route(Route),
}

impl Rollup {
    /// Its key as stored, in hex (for problem reports).
    fn hex(self) -> String {
        use crate::store::cursor_bytes;
        let bytes = match self {
            Rollup::Totals => cursor_bytes::<RollupTotals>(&()),
            Rollup::Day(d) => cursor_bytes::<RollupDays>(&d),
            Rollup::Product(id) => cursor_bytes::<RollupProducts>(&id),
            Rollup::LastActive(d) => cursor_bytes::<RollupLastActive>(&d),
            Rollup::Route(r) => cursor_bytes::<RollupRoutes>(&r),
        };
        crate::store::hex(&bytes)
    }

    fn delete(self, tx: &Tx<'_>) -> std::result::Result<bool, StoreError> {
        match self {
            Rollup::Totals => tx.delete::<RollupTotals>(&()),
            Rollup::Day(d) => tx.delete::<RollupDays>(&d),
            Rollup::Product(id) => tx.delete::<RollupProducts>(&id),
            Rollup::LastActive(d) => tx.delete::<RollupLastActive>(&d),
            Rollup::Route(r) => tx.delete::<RollupRoutes>(&r),
        }
    }

    /// Deletes the record of lane `lane` kept beside this one.
    fn delete_lane(self, tx: &Tx<'_>, lane: u64) -> std::result::Result<bool, StoreError> {
        match self {
            Rollup::Totals => tx.delete::<LaneTotals>(&lane),
            Rollup::Day(d) => tx.delete::<LaneDays>(&(d, lane)),
            Rollup::Product(id) => tx.delete::<LaneProducts>(&(id, lane)),
            Rollup::LastActive(d) => tx.delete::<LaneLastActive>(&(d, lane)),
            Rollup::Route(r) => tx.delete::<LaneRoutes>(&(r, lane)),
        }
    }

    fn save_encoded(self, tx: &Tx<'_>, bytes: &[u8]) -> std::result::Result<(), StoreError> {
        match self {
            Rollup::Totals => tx.save_encoded::<RollupTotals>(&(), bytes),
            Rollup::Day(d) => tx.save_encoded::<RollupDays>(&d, bytes),
            Rollup::Product(id) => tx.save_encoded::<RollupProducts>(&id, bytes),
            Rollup::LastActive(d) => tx.save_encoded::<RollupLastActive>(&d, bytes),
            Rollup::Route(r) => tx.save_encoded::<RollupRoutes>(&r, bytes),
        }
    }
}

/// Adds a lane's encoded figures to those of `rollup` in `out` (zero when absent); figures
/// that do not decode are appended as they are, so the sum differs from any recomputation.
fn sum_into<T: Tally>(
    out: &mut BTreeMap<Rollup, Vec<u8>>,
    rollup: Rollup,
    lane: &[u8],
) -> std::result::Result<(), StoreError> {
    let decode = |bytes: &[u8]| crate::store::decode::<T>(Table::Rollups, &[], bytes);
    let sum = match out.get(&rollup) {
        Some(bytes) => bytes.clone(),
        None => crate::store::encode(&T::default())?,
    };
    let sum = match (decode(&sum), decode(lane)) {
        (Ok(mut sum), Ok(lane)) => {
            sum.absorb(&lane);
            crate::store::encode(&sum)?
        }
        _ => [sum, lane.to_vec()].concat(),
    };
    out.insert(rollup, sum);
    Ok(())
}

/// Adds every record of the lanes' kind `RL` to the figures in `out` (`split` tells which
/// roll-up and lane its key is), noting each in `lanes`.
fn sum_lanes<RL: crate::store::Record>(
    store: &Store,
    out: &mut BTreeMap<Rollup, Vec<u8>>,
    lanes: &mut Vec<(Rollup, u64)>,
    split: impl Fn(RL::Key) -> (Rollup, u64),
) -> std::result::Result<(), StoreError>
where
    RL::Value: Tally,
{
    for item in store.scan_raw(Span::<RL>::all()) {
        let (k, v) = item?;
        let (rollup, lane) = split(k);
        sum_into::<RL::Value>(out, rollup, &v)?;
        lanes.push((rollup, lane));
    }
    Ok(())
}

/// Every stored roll-up with its encoded figures, every lane's added to lane 0's, and the
/// lanes' own records (roll-up and lane).
#[allow(clippy::type_complexity)]
fn stored_rollups(
    store: &Store,
) -> std::result::Result<(BTreeMap<Rollup, Vec<u8>>, Vec<(Rollup, u64)>), StoreError> {
    let mut out = BTreeMap::new();
    for item in store.scan_raw(Span::<RollupTotals>::all()) {
        out.insert(Rollup::Totals, item?.1.to_vec());
    }
    for item in store.scan_raw(Span::<RollupDays>::all()) {
        let (d, v) = item?;
        out.insert(Rollup::Day(d), v.to_vec());
    }
    for item in store.scan_raw(Span::<RollupProducts>::all()) {
        let (id, v) = item?;
        out.insert(Rollup::Product(id), v.to_vec());
    }
    for item in store.scan_raw(Span::<RollupLastActive>::all()) {
        let (d, v) = item?;
        out.insert(Rollup::LastActive(d), v.to_vec());
    }
    for item in store.scan_raw(Span::<RollupRoutes>::all()) {
        let (r, v) = item?;
        out.insert(Rollup::Route(r), v.to_vec());
    }
    let mut lanes = Vec::new();
    sum_lanes::<LaneTotals>(store, &mut out, &mut lanes, |l| (Rollup::Totals, l))?;
    sum_lanes::<LaneDays>(store, &mut out, &mut lanes, |(d, l)| (Rollup::Day(d), l))?;
    sum_lanes::<LaneProducts>(store, &mut out, &mut lanes, |(id, l)| {
        (Rollup::Product(id), l)
    })?;
    sum_lanes::<LaneLastActive>(store, &mut out, &mut lanes, |(d, l)| {
        (Rollup::LastActive(d), l)
    })?;
    sum_lanes::<LaneRoutes>(store, &mut out, &mut lanes, |(r, l)| (Rollup::Route(r), l))?;
    Ok((out, lanes))
}

fn status_index(status: OrderStatus) -> usize {
    OrderStatus::ALL
        .iter()
        .position(|s| *s == status)
        .unwrap_or(0)
}

fn add(a: Money, b: Money) -> Money {
    a.checked_add(b).unwrap_or(a)
}

/// A roll-up's figures, summed over the lanes that counted them. A lane's record holds the
/// changes its writer made, which may take a count below zero on its own (an order placed
/// in one lane and paid in another): counts change and sum wrapping, so the sum of the
/// lanes is the true figure.
pub(crate) trait Tally: Default + Serialize + serde::de::DeserializeOwned {
    /// Adds `other`'s figures to these.
    fn absorb(&mut self, other: &Self);
}

impl Tally for u64 {
    fn absorb(&mut self, other: &u64) {
        *self = self.wrapping_add(*other);
    }
}

impl Tally for Totals {
    fn absorb(&mut self, o: &Totals) {
        self.users.absorb(&o.users);
        self.banned.absorb(&o.banned);
        self.orders.absorb(&o.orders);
        for (a, b) in self.by_status.iter_mut().zip(o.by_status) {
            a.absorb(&b);
        }
        self.completed_manual.absorb(&o.completed_manual);
        self.completed_auto.absorb(&o.completed_auto);
        self.revenue_usd = add(self.revenue_usd, o.revenue_usd);
        self.topups.absorb(&o.topups);
        self.topups_usd = add(self.topups_usd, o.topups_usd);
    }
}

impl Tally for DayStats {
    fn absorb(&mut self, o: &DayStats) {
        self.new_users.absorb(&o.new_users);
        self.orders.absorb(&o.orders);
        self.completed.absorb(&o.completed);
        self.revenue_usd = add(self.revenue_usd, o.revenue_usd);
        self.topups.absorb(&o.topups);
        self.topups_usd = add(self.topups_usd, o.topups_usd);
        self.active_users.absorb(&o.active_users);
    }
}

impl Tally for ProductStats {
    fn absorb(&mut self, o: &ProductStats) {
        self.units.absorb(&o.units);
        self.revenue_usd = add(self.revenue_usd, o.revenue_usd);
    }
}

impl Tally for RouteStats {
    fn absorb(&mut self, o: &RouteStats) {
        self.completed.absorb(&o.completed);
        self.revenue_usd = add(self.revenue_usd, o.revenue_usd);
        self.credits.absorb(&o.credits);
        self.credits_usd = add(self.credits_usd, o.credits_usd);
    }
}

/// One roll-up's figures: lane 0's record (`R0` at `key`) plus every lane's (`RL`, whose
/// keys are `key` and the lane).
fn tally<R0, RL>(store: &Store, key: &R0::Key) -> std::result::Result<R0::Value, StoreError>
where
    R0: crate::store::Record,
    RL: crate::store::Record<Value = R0::Value>,
    R0::Value: Tally,
{
    let mut value = store.fetch::<R0>(key)?.unwrap_or_default();
    for item in store.scan(Span::<RL>::within(key), false) {
        value.absorb(&item?.1);
    }
    Ok(value)
}

fn offset(tx: &Tx<'_>) -> std::result::Result<crate::clock::Zone, StoreError> {
    Ok(settings::load(tx)?.time_zone)
}

/// Changes a roll-up in the transaction's lane: lane 0's record (`R0` at `key`) or the
/// lane's own (`RL` at `lane_key(lane)`), which start from zero.
fn update<R0, RL>(
    tx: &Tx<'_>,
    key: &R0::Key,
    lane_key: impl FnOnce(u64) -> RL::Key,
    change: impl FnOnce(&mut R0::Value),
) -> std::result::Result<(), StoreError>
where
    R0: crate::store::Record,
    RL: crate::store::Record<Value = R0::Value>,
    R0::Value: Default,
{
    let lane = tx.lane()?;
    if lane == crate::store::log::Lane(0) {
        let mut value = tx.load::<R0>(key)?.unwrap_or_default();
        change(&mut value);
        tx.save::<R0>(key, &value)
    } else {
        let key = lane_key(u64::from(lane.0));
        let mut value = tx.load::<RL>(&key)?.unwrap_or_default();
        change(&mut value);
        tx.save::<RL>(&key, &value)
    }
}

fn totals(tx: &Tx<'_>, change: impl FnOnce(&mut Totals)) -> std::result::Result<(), StoreError> {
    update::<RollupTotals, LaneTotals>(tx, &(), |lane| lane, change)
}

fn day(
    tx: &Tx<'_>,
    day: i64,
    change: impl FnOnce(&mut DayStats),
) -> std::result::Result<(), StoreError> {
    update::<RollupDays, LaneDays>(tx, &day, |lane| (day, lane), change)
}

fn route(
    tx: &Tx<'_>,
    route: Route,
    change: impl FnOnce(&mut RouteStats),
) -> std::result::Result<(), StoreError> {
    update::<RollupRoutes, LaneRoutes>(tx, &route, |lane| (route, lane), change)
}

fn bump_histogram(tx: &Tx<'_>, day: i64, delta: i64) -> std::result::Result<(), StoreError> {
    update::<RollupLastActive, LaneLastActive>(
        tx,
        &day,
        |lane| (day, lane),
        |n| {
            *n = if delta >= 0 {
                n.wrapping_add(delta.unsigned_abs())
            } else {
                n.wrapping_sub(delta.unsigned_abs())
            }
        },
    )
}

/// Counts a user's registration, ban changes and activity (called from every user save).
pub(crate) fn on_user_saved(
    tx: &Tx<'_>,
    &(before, user): &(Option<&User>, &User),
) -> std::result::Result<(), StoreError> {
    let off = offset(tx)?;
    let was_banned = before.is_some_and(User::is_banned);
    let new_user = before.is_none();
    if new_user || was_banned != user.is_banned() {
        totals(tx, |t| {
            if new_user {
                t.users += 1;
            }
            match (was_banned, user.is_banned()) {
                (false, true) => t.banned = t.banned.wrapping_add(1),
                (true, false) => t.banned = t.banned.wrapping_sub(1),
                _ => {}
            }
        })?;
    }
    if new_user {
        day(tx, user.created_at.day_in(&off), |d| d.new_users += 1)?;
    }
    let day = user.last_active_at.day_in(&off);
    let previous = before.map(|b| b.last_active_at.day_in(&off));
    if previous != Some(day) && !tx.has::<Activity>(&(day, user.id))? {
        tx.save::<Activity>(&(day, user.id), &())?;
        self::day(tx, day, |d| d.active_users += 1)?;
    }
    if previous != Some(day) {
        if let Some(p) = previous {
            bump_histogram(tx, p, -1)?;
        }
        bump_histogram(tx, day, 1)?;
    }
    Ok(())
}

/// Counts an order's creation, status changes and completion (called from every order save).
pub(crate) fn on_order_saved(
    tx: &Tx<'_>,
    &(before, order): &(Option<&Order>, &Order),
) -> std::result::Result<(), StoreError> {
    let off = offset(tx)?;
    let completed_now = order.status == OrderStatus::Completed
        && before.is_none_or(|b| b.status != OrderStatus::Completed);
    if before.map(|b| b.status) == Some(order.status) && !completed_now {
        return Ok(());
    }
    totals(tx, |t| {
        if before.is_none() {
            t.orders += 1;
        }
        if let Some(b) = before {
            let i = status_index(b.status);
            t.by_status[i] = t.by_status[i].wrapping_sub(1);
        }
        let i = status_index(order.status);
        t.by_status[i] = t.by_status[i].wrapping_add(1);
        if completed_now {
            if order.auto_fulfilled {
                t.completed_auto += 1;
            } else {
                t.completed_manual += 1;
            }
            t.revenue_usd = add(t.revenue_usd, order.total_usd);
        }
    })?;
    if before.is_none() {
        day(tx, order.created_at.day_in(&off), |d| d.orders += 1)?;
    }
    if completed_now {
        day(tx, order.updated_at.day_in(&off), |d| {
            d.completed += 1;
            d.revenue_usd = add(d.revenue_usd, order.total_usd);
        })?;
        let product = order.product;
        update::<RollupProducts, LaneProducts>(
            tx,
            &product,
            |lane| (product, lane),
            |p| {
                p.units += u64::from(order.quantity);
                p.revenue_usd = add(p.revenue_usd, order.total_usd);
            },
        )?;
        route(tx, Route::of_order(order), |r| {
            r.completed += 1;
            r.revenue_usd = add(r.revenue_usd, order.total_usd);
        })?;
    }
    Ok(())
}

/// Counts an invoice payment credited to a balance (a top-up by invoice, or a late one).
pub(crate) fn on_invoice_credited(
    tx: &Tx<'_>,
    invoice: &crate::invoices::Invoice,
) -> std::result::Result<(), StoreError> {
    route(tx, Route::of_provider(invoice.provider), |r| {
        r.credits += 1;
        r.credits_usd = add(r.credits_usd, invoice.amount_usd);
    })
}

/// Counts an approved top-up.
pub(crate) fn on_topup_approved(tx: &Tx<'_>, topup: &Topup) -> std::result::Result<(), StoreError> {
    let day = topup.decided_at.unwrap_or(tx.now).day_in(&offset(tx)?);
    totals(tx, |t| {
        t.topups += 1;
        t.topups_usd = add(t.topups_usd, topup.amount_usd);
    })?;
    self::day(tx, day, |d| {
        d.topups += 1;
        d.topups_usd = add(d.topups_usd, topup.amount_usd);
    })?;
    route(tx, Route::Method, |r| {
        r.credits += 1;
        r.credits_usd = add(r.credits_usd, topup.amount_usd);
    })
}

// ----- the dashboard -----------------------------------------------------------------------

/// How much the dashboard shows.
#[derive(Clone, Copy, Debug)]
pub struct DashboardOptions {
    /// Products in each best-seller list.
    pub top_n: usize,
    /// Days in the revenue and activity series (ending today).
    pub series_days: usize,
}

impl Default for DashboardOptions {
    fn default() -> DashboardOptions {
        DashboardOptions {
            top_n: 5,
            series_days: 30,
        }
    }
}

/// The largest [`DashboardOptions::series_days`].
pub const SERIES_DAYS_MAX: usize = 366;
/// The largest [`DashboardOptions::top_n`].
pub const TOP_N_MAX: usize = 50;

/// The dashboard's figures about users. Activity counts users by the day they were last
/// active (registered, showed up or changed a preference).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UserFigures {
    /// Registered users.
    pub total: u64,
    /// Users who registered today.
    pub new_today: u64,
    /// Users who registered since Monday.
    pub new_this_week: u64,
    /// Users banned now.
    pub banned: u64,
    /// Users last active today.
    pub active_1d: u64,
    /// Users last active in the last 7 days, today included.
    pub active_7d: u64,
    /// Users last active in the last 30 days, today included.
    pub active_30d: u64,
}

/// The dashboard's figures about orders.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OrderFigures {
    /// Orders ever placed.
    pub total: u64,
    /// Orders placed today.
    pub today: u64,
    /// Orders placed since Monday.
    pub this_week: u64,
    /// Current count per status, in `OrderStatus::ALL` order.
    pub by_status: Vec<(OrderStatus, u64)>,
    /// Completed / (completed + failed), in percent with two decimals; `None` before any.
    pub success_rate_percent: Option<rust_decimal::Decimal>,
    /// Orders completed by staff.
    pub completed_manual: u64,
    /// Orders completed without a person.
    pub completed_auto: u64,
}

/// The dashboard's revenue figures, in USD: totals (net of discounts) of completed orders,
/// on the day they completed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RevenueFigures {
    /// Since the shop opened.
    pub total: Money,
    /// Today.
    pub today: Money,
    /// Since Monday.
    pub this_week: Money,
    /// Since the 1st of the month.
    pub this_month: Money,
    /// Revenue / completed orders, rounded to cents; zero before any.
    pub average_order_value: Money,
}

/// The dashboard's figures about approved top-ups.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TopupFigures {
    /// Top-ups approved since the shop opened.
    pub count: u64,
    /// What they credited, in USD.
    pub total: Money,
    /// Top-ups approved today.
    pub today_count: u64,
    /// What they credited, in USD.
    pub today_total: Money,
}

/// A product in a best-seller list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BestSeller {
    /// The product.
    pub product: ProductId,
    /// Its current name (`"product #id"` if it was removed).
    pub name: String,
    /// Units sold by completed orders (an order of three counts three).
    pub units: u64,
    /// Their total, in USD.
    pub revenue: Money,
}

/// The statistics dashboard ([`Shop::dashboard`]). Days are the shop's, at its UTC offset;
/// weeks start on Monday.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Dashboard {
    /// The shop day the figures are for (days since 1970-01-01) and its date.
    pub today: i64,
    /// Today's date: (year, month, day).
    pub date: (i32, u32, u32),
    /// The shop's time zone the days follow (`Africa/Cairo`, `UTC+03:00`).
    pub time_zone: String,
    /// Users.
    pub users: UserFigures,
    /// Orders.
    pub orders: OrderFigures,
    /// Revenue.
    pub revenue: RevenueFigures,
    /// Approved top-ups.
    pub topups: TopupFigures,
    /// The best sellers by completed orders (ties by revenue, then id), at most `top_n`.
    pub best_by_units: Vec<BestSeller>,
    /// The best sellers by revenue (ties by units, then id), at most `top_n`.
    pub best_by_revenue: Vec<BestSeller>,
    /// (day, revenue) for the last `series_days` days, oldest first.
    pub revenue_series: Vec<(i64, Money)>,
    /// (day, distinct active users), oldest first.
    pub activity_series: Vec<(i64, u64)>,
    /// What came in through each payment route, in `Route::ALL` order.
    pub routes: Vec<(Route, RouteStats)>,
}

pub use crate::clock::civil_from_days;

/// `YYYY-MM-DD` → the first moment of that day in the shop's `zone`; `None` for anything
/// else, a day that doesn't exist (2026-02-31) included, or a year outside 1970-9999.
pub fn parse_day(text: &str, zone: &crate::clock::Zone) -> Option<crate::clock::Timestamp> {
    let mut parts = text.trim().split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || [y, m, d].iter().any(|p| p.is_empty() || p.len() > 4) {
        return None;
    }
    let (y, m, d): (i64, i64, i64) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    crate::clock::days_from_civil(y, m, d).map(|day| zone.start_of_day(day))
}

/// The first day of `day`'s ISO week (Monday).
pub fn week_start(day: i64) -> i64 {
    // 1970-01-01 was a Thursday (weekday 3 counting from Monday = 0).
    day - (day + 3).rem_euclid(7)
}

/// The first day of `day`'s month.
pub fn month_start(day: i64) -> i64 {
    let (_, _, d) = civil_from_days(day);
    day - i64::from(d) + 1
}

impl Shop {
    /// The statistics dashboard (`view_stats`), audited `VIEW_STATS`. Reads a bounded number
    /// of roll-up records whatever the number of orders. `options.series_days` must be 1 to
    /// [`SERIES_DAYS_MAX`] and `options.top_n` 1 to [`TOP_N_MAX`]
    /// ([`InvalidInput::BadPageSize`] otherwise).
    ///
    /// ```
    /// use shopcore::{Config, DashboardOptions, Shop, UserId};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let dir = tempfile::tempdir()?;
    /// # let owner = UserId::new(1)?;
    /// # let shop = Shop::open(dir.path().join("shop.db"), Config::default().with_super_admins(vec![owner]))?;
    /// let stats = shop.dashboard(&shop.actor(owner)?, DashboardOptions { top_n: 3, series_days: 7 })?;
    /// assert_eq!(stats.users.total, 1); // the owner
    /// assert_eq!(stats.revenue_series.len(), 7);
    /// assert_eq!(stats.orders.success_rate_percent, None); // nothing completed or failed yet
    /// # Ok(())
    /// # }
    /// ```
    pub fn dashboard(&self, actor: &Actor, options: DashboardOptions) -> Result<Dashboard> {
        if options.series_days == 0
            || options.series_days > SERIES_DAYS_MAX
            || options.top_n == 0
            || options.top_n > TOP_N_MAX
        {
            return Err(InvalidInput::BadPageSize {
                limit: options.series_days.max(options.top_n),
                limit_max: SERIES_DAYS_MAX,
            }
            .into());
        }
        self.audited(actor, AuditAction::ViewStats, Target::None, |tx| {
            require(tx, actor, Permission::ViewStats)?;
            audit::done(
                tx,
                actor.who(),
                AuditAction::ViewStats,
                Target::None,
                vec![Detail::noted("series_days", options.series_days)],
            )?;
            Ok(())
        })?;
        let off = self.settings().time_zone;
        let today = self.now().day_in(&off);
        let totals: Totals = read_totals(&self.store)?;
        let day =
            |d: i64| -> Result<DayStats> { Ok(tally::<RollupDays, LaneDays>(&self.store, &d)?) };
        let sum_days = |from: i64| -> Result<DayStats> {
            let mut acc = DayStats::default();
            for d in from..=today {
                let s = day(d)?;
                acc.new_users += s.new_users;
                acc.orders += s.orders;
                acc.completed += s.completed;
                acc.revenue_usd = add(acc.revenue_usd, s.revenue_usd);
            }
            Ok(acc)
        };
        let today_stats = day(today)?;
        let week = sum_days(week_start(today))?;
        let month = sum_days(month_start(today))?;
        let active = |days: i64| -> Result<u64> {
            let mut n: u64 = 0;
            for d in (today - days + 1)..=today {
                n = n.wrapping_add(tally::<RollupLastActive, LaneLastActive>(&self.store, &d)?);
            }
            Ok(n)
        };
        let completed = totals.by_status[status_index(OrderStatus::Completed)];
        let failed = totals.by_status[status_index(OrderStatus::Failed)];
        let success_rate_percent = (completed + failed > 0).then(|| {
            (rust_decimal::Decimal::from(completed) * rust_decimal::Decimal::ONE_HUNDRED
                / rust_decimal::Decimal::from(completed + failed))
            .round_dp(2)
        });
        let completed_total = totals.completed_manual + totals.completed_auto;
        let average_order_value = if completed_total == 0 {
            Money::ZERO
        } else {
            Money::from_decimal(
                totals.revenue_usd.decimal() / rust_decimal::Decimal::from(completed_total),
            )
            .round_to(2)
        };
        // Best sellers: one record per product (bounded by the catalog, not by orders).
        let mut sales: BTreeMap<ProductId, ProductStats> = BTreeMap::new();
        for item in self.store.scan(Span::<RollupProducts>::all(), false) {
            let (id, stats) = item?;
            sales.entry(id).or_default().absorb(&stats);
        }
        for item in self.store.scan(Span::<LaneProducts>::all(), false) {
            let ((id, _), stats) = item?;
            sales.entry(id).or_default().absorb(&stats);
        }
        let mut sellers = Vec::new();
        for (id, stats) in sales {
            let name = self
                .product(id)?
                .map_or_else(|| format!("product {id}"), |p| p.name);
            sellers.push(BestSeller {
                product: id,
                name,
                units: stats.units,
                revenue: stats.revenue_usd,
            });
        }
        let mut best_by_units = sellers.clone();
        best_by_units.sort_by(|a, b| {
            b.units
                .cmp(&a.units)
                .then(b.revenue.cmp(&a.revenue))
                .then(a.product.cmp(&b.product))
        });
        best_by_units.truncate(options.top_n);
        let mut best_by_revenue = sellers;
        best_by_revenue.sort_by(|a, b| {
            b.revenue
                .cmp(&a.revenue)
                .then(b.units.cmp(&a.units))
                .then(a.product.cmp(&b.product))
        });
        best_by_revenue.truncate(options.top_n);
        let first = today - i64::try_from(options.series_days).unwrap_or(30) + 1;
        let mut revenue_series = Vec::new();
        let mut activity_series = Vec::new();
        for d in first..=today {
            let s = day(d)?;
            revenue_series.push((d, s.revenue_usd));
            activity_series.push((d, s.active_users));
        }
        Ok(Dashboard {
            today,
            date: civil_from_days(today),
            time_zone: off.name().to_owned(),
            users: UserFigures {
                total: totals.users,
                new_today: today_stats.new_users,
                new_this_week: week.new_users,
                banned: totals.banned,
                active_1d: active(1)?,
                active_7d: active(7)?,
                active_30d: active(30)?,
            },
            orders: OrderFigures {
                total: totals.orders,
                today: today_stats.orders,
                this_week: week.orders,
                by_status: OrderStatus::ALL
                    .iter()
                    .map(|s| (*s, totals.by_status[status_index(*s)]))
                    .collect(),
                success_rate_percent,
                completed_manual: totals.completed_manual,
                completed_auto: totals.completed_auto,
            },
            revenue: RevenueFigures {
                total: totals.revenue_usd,
                today: today_stats.revenue_usd,
                this_week: week.revenue_usd,
                this_month: month.revenue_usd,
                average_order_value,
            },
            topups: TopupFigures {
                count: totals.topups,
                total: totals.topups_usd,
                today_count: today_stats.topups,
                today_total: today_stats.topups_usd,
            },
            best_by_units,
            best_by_revenue,
            revenue_series,
            activity_series,
            routes: Route::ALL
                .iter()
                .map(|r| Ok((*r, tally::<RollupRoutes, LaneRoutes>(&self.store, r)?)))
                .collect::<Result<_>>()?,
        })
    }

    /// The shop-wide running totals (users, orders per status, revenue, top-ups), for
    /// monitoring. Aggregates only, no personal data, so no actor and no audit entry; one read.
    pub fn totals(&self) -> Result<Totals> {
        Ok(read_totals(&self.store)?)
    }

    /// Recomputes every roll-up from the raw records and replaces the stored ones
    /// (`manage_settings`). A maintenance operation: run it on a quiet shop (it reads
    /// everything). Not audited.
    pub fn rebuild_rollups(&self, actor: &Actor) -> Result<()> {
        self.transact(|tx| require(tx, actor, Permission::ManageSettings).map(|_| ()))?;
        self.rebuild_rollups_unchecked()
    }

    pub(crate) fn rebuild_rollups_unchecked(&self) -> Result<()> {
        let computed = recompute(&self.store, &settings::fetch(&self.store)?.time_zone)?;
        let (existing, lanes) = stored_rollups(&self.store)?;
        self.transact(|tx| {
            for k in existing.keys() {
                k.delete(tx)?;
            }
            for (k, lane) in &lanes {
                k.delete_lane(tx, *lane)?;
            }
            for (k, v) in &computed {
                k.save_encoded(tx, v)?;
            }
            Ok(())
        })
    }
}

/// Every roll-up record, recomputed from users, orders, top-ups and the activity log.
fn recompute(
    store: &Store,
    off: &crate::clock::Zone,
) -> std::result::Result<BTreeMap<Rollup, Vec<u8>>, StoreError> {
    let mut totals = Totals::default();
    let mut days: BTreeMap<i64, DayStats> = BTreeMap::new();
    let mut products: BTreeMap<ProductId, ProductStats> = BTreeMap::new();
    let mut histogram: BTreeMap<i64, u64> = BTreeMap::new();
    let mut routes: BTreeMap<Route, RouteStats> = BTreeMap::new();
    for item in store.scan(Span::<crate::users::Users>::all(), false) {
        let Ok((_, user)) = item else {
            continue; // unreadable records are reported by the other checks
        };
        totals.users += 1;
        if user.is_banned() {
            totals.banned += 1;
        }
        days.entry(user.created_at.day_in(off))
            .or_default()
            .new_users += 1;
        *histogram
            .entry(user.last_active_at.day_in(off))
            .or_default() += 1;
    }
    for item in store.scan_keys(Span::<Activity>::all(), false) {
        let (day, _) = item?;
        days.entry(day).or_default().active_users += 1;
    }
    for item in store.scan(Span::<crate::orders::Orders>::all(), false) {
        let Ok((_, order)) = item else {
            continue; // unreadable records are reported by the other checks
        };
        totals.orders += 1;
        totals.by_status[status_index(order.status)] += 1;
        days.entry(order.created_at.day_in(off)).or_default().orders += 1;
        if order.status == OrderStatus::Completed {
            if order.auto_fulfilled {
                totals.completed_auto += 1;
            } else {
                totals.completed_manual += 1;
            }
            totals.revenue_usd = add(totals.revenue_usd, order.total_usd);
            let d = days.entry(order.updated_at.day_in(off)).or_default();
            d.completed += 1;
            d.revenue_usd = add(d.revenue_usd, order.total_usd);
            let p = products.entry(order.product).or_default();
            p.units += u64::from(order.quantity);
            p.revenue_usd = add(p.revenue_usd, order.total_usd);
            let r = routes.entry(Route::of_order(&order)).or_default();
            r.completed += 1;
            r.revenue_usd = add(r.revenue_usd, order.total_usd);
        }
    }
    for item in store.scan(Span::<crate::invoices::Payments>::all(), false) {
        let Ok(((provider, _), payment)) = item else {
            continue; // unreadable records are reported by the other checks
        };
        if let crate::invoices::PaymentEffect::Credited { .. } = payment.effect
            && let Some(invoice) = store.fetch::<crate::invoices::Invoices>(&payment.invoice)?
        {
            let r = routes.entry(Route::of_provider(provider)).or_default();
            r.credits += 1;
            r.credits_usd = add(r.credits_usd, invoice.amount_usd);
        }
    }
    for item in store.scan(Span::<crate::wallet::Topups>::all(), false) {
        let Ok((_, topup)) = item else {
            continue; // unreadable records are reported by the other checks
        };
        if topup.status == TopupStatus::Approved {
            totals.topups += 1;
            totals.topups_usd = add(totals.topups_usd, topup.amount_usd);
            let d = days
                .entry(topup.decided_at.unwrap_or(topup.requested_at).day_in(off))
                .or_default();
            d.topups += 1;
            d.topups_usd = add(d.topups_usd, topup.amount_usd);
            let r = routes.entry(Route::Method).or_default();
            r.credits += 1;
            r.credits_usd = add(r.credits_usd, topup.amount_usd);
        }
    }
    let mut out = BTreeMap::new();
    for (route, stats) in routes {
        out.insert(Rollup::Route(route), crate::store::encode(&stats)?);
    }
    if totals != Totals::default() {
        out.insert(Rollup::Totals, crate::store::encode(&totals)?);
    }
    for (day, stats) in days {
        out.insert(Rollup::Day(day), crate::store::encode(&stats)?);
    }
    for (id, stats) in products {
        out.insert(Rollup::Product(id), crate::store::encode(&stats)?);
    }
    for (day, n) in histogram {
        if n > 0 {
            out.insert(Rollup::LastActive(day), crate::store::encode(&n)?);
        }
    }
    Ok(out)
}

/// Compares the stored roll-ups with a recomputation.
pub(crate) fn verify(
    store: &Store,
    off: &crate::clock::Zone,
) -> std::result::Result<Vec<String>, StoreError> {
    let computed = recompute(store, off)?;
    let (mut stored, _) = stored_rollups(store)?;
    // Zero-valued records (a histogram day that emptied) are equivalent to absent ones.
    let zero_u64 = crate::store::encode(&0u64)?;
    stored.retain(|k, v| !(matches!(k, Rollup::LastActive(_)) && *v == zero_u64));
    let mut problems = Vec::new();
    for (k, v) in &computed {
        if stored.get(k) != Some(v) {
            problems.push(format!(
                "analytics: roll-up {} differs from a recomputation",
                k.hex()
            ));
        }
    }
    for k in stored.keys() {
        if !computed.contains_key(k) {
            problems.push(format!(
                "analytics: roll-up {} has no raw records behind it",
                k.hex()
            ));
        }
    }
    Ok(problems)
}

/// Schema 12 → 13: the roll-ups of what came in by payment route, computed from the
/// completed orders and approved top-ups already there (no invoice exists yet).
pub(crate) fn migrate_route_rollups(store: &Store) -> std::result::Result<(), StoreError> {
    let off = settings::fetch(store)?.time_zone;
    // (The recomputation is the whole figure: no lane keeps a part of it beside.)
    store.delete_kind_for_migration::<LaneRoutes>()?;
    for (k, v) in recompute(store, &off)? {
        if let Rollup::Route(route) = k {
            let stats: RouteStats = crate::store::decode(Table::Rollups, &[], &v)?;
            store.put_direct_record::<RollupRoutes>(&route, &stats)?;
        }
    }
    Ok(())
}

/// The shop-wide totals roll-up as stored: lane 0's and every lane's.
pub(crate) fn read_totals(store: &Store) -> std::result::Result<Totals, StoreError> {
    tally::<RollupTotals, LaneTotals>(store, &())
}
