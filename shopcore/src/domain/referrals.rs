//! Referrals: a shopper who arrives through another shopper's link is attributed to them,
//! once, and when the referred shopper's first order completes the referrer is credited —
//! a percentage of that order or a fixed amount, as the shop's program says — through the
//! ledger (kind `REFERRAL`, audited `REWARD_REFERRAL`), in the transaction that completes
//! the order.
//!
//! Rules, enforced here:
//! - Attribution: only a new shopper (registered less than [`ATTRIBUTION_WINDOW_MS`] ago and
//!   without any order) may be attributed, once; never to themselves, to an unknown or
//!   banned referrer, or to someone they referred (a pair referring each other).
//! - Reward: only for the referred shopper's first completed order, decided once: paid
//!   when the program is on, the referrer is not banned, and the referrer is under both
//!   caps (rewards in all, rewards in the current period of `period_days` UTC days); else
//!   recorded as not rewarded, with why. A completed order is final in this shop (no state
//!   leads from `Completed` to a refund), so a reward never has to be taken back: an order
//!   refunded before completing never completes and rewards nothing.
//!
//! Peers: audit, notifications, settings, users, wallet.

use crate::audit::{self, ActorRef, AuditAction, Detail, Target};
use crate::clock::Timestamp;
use crate::error::{Error, InvalidInput, Result};
use crate::ids::{OrderId, UserId};
use crate::money::Money;
use crate::notifications::{self, NotificationKind};
use crate::store::{Span, StoreError, Table, Tx};
use crate::wallet::{self, LedgerKind, LedgerRef};
use serde::{Deserialize, Serialize};

/// How long after registering a shopper can still be attributed to a referrer.
pub const ATTRIBUTION_WINDOW_MS: i64 = 24 * crate::clock::Timestamp::MILLIS_PER_HOUR;
/// The largest percentage reward.
pub const PERCENT_MAX: i64 = 50;
/// The largest fixed reward, in USD.
pub const FIXED_MAX_USD: i64 = 100;
/// The largest cap (rewards per referrer, in all or per period).
pub const CAP_MAX: u32 = 1_000_000;
/// The longest period, in days.
pub const PERIOD_DAYS_MAX: u32 = 366;

/// What a referrer earns for a referred shopper's first completed order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Reward {
    /// This percentage (up to 2 decimals, more than 0, at most [`PERCENT_MAX`]) of the
    /// order's total, rounded down to the cent.
    Percent(Money),
    /// This many USD (2 decimals, more than 0, at most [`FIXED_MAX_USD`]).
    Fixed(Money),
}

/// The shop's referral program; none: referrals are recorded but earn nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Program {
    /// What each rewarded referral earns.
    pub reward: Reward,
    /// The most referrals one referrer is rewarded for, in all.
    pub max_rewards: u32,
    /// The most referrals one referrer is rewarded for in one period.
    pub max_rewards_per_period: u32,
    /// The period's length in UTC days (periods are counted from 1970-01-01).
    pub period_days: u32,
}

/// Why a referral earned nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum NoReward {
    /// The shop had no program when the first order completed.
    ProgramOff,
    /// The referrer had reached the cap in all.
    Cap,
    /// The referrer had reached the cap of the period.
    PeriodCap,
    /// The referrer was banned.
    ReferrerBanned,
    /// The reward rounded to nothing (a percentage of a tiny order).
    Nothing,
}

impl NoReward {
    /// The reason's stable name.
    pub fn name(self) -> &'static str {
        match self {
            NoReward::ProgramOff => "program_off",
            NoReward::Cap => "cap",
            NoReward::PeriodCap => "period_cap",
            NoReward::ReferrerBanned => "referrer_banned",
            NoReward::Nothing => "nothing",
        }
    }
}

/// What became of a referral when the referred shopper's first order completed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    /// The referrer was credited `amount` by the `REFERRAL` ledger entry `ledger_seq`, for
    /// the referred shopper's first completed `order`.
    Rewarded {
        /// The referred shopper's first completed order.
        order: OrderId,
        /// What the referrer was credited, in USD.
        amount: Money,
        /// The `REFERRAL` ledger entry.
        ledger_seq: u64,
    },
    /// Nothing was credited.
    NotRewarded {
        /// The referred shopper's first completed order.
        order: OrderId,
        /// Why.
        reason: NoReward,
    },
}

/// One attribution: who brought whom, and what came of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Referral {
    /// The shopper who arrived through the link.
    pub referred: UserId,
    /// The shopper whose link it was.
    pub referrer: UserId,
    /// When the attribution was made.
    pub at: Timestamp,
    /// Decided when the referred shopper's first order completes.
    pub outcome: Option<Outcome>,
}

/// What a referrer has brought in.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReferrerStats {
    /// Shoppers attributed to them.
    pub referred: u64,
    /// Referrals rewarded.
    pub rewarded: u64,
    /// What the rewards came to, in USD.
    pub earned_usd: Money,
    /// The period the next count is for (its number), and rewards in it.
    pub period: i64,
    /// Rewards in `period`.
    pub period_rewarded: u32,
}

/// A referral the shop refuses.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReferralError {
    /// A shopper can't refer themselves.
    #[error("a shopper can't refer themselves")]
    SelfReferral,
    /// The referrer isn't a shopper of this shop.
    #[error("user {referrer} is not a shopper here")]
    UnknownReferrer {
        /// The id in the link.
        referrer: UserId,
    },
    /// The referrer is banned.
    #[error("user {referrer} is banned")]
    ReferrerBanned {
        /// The referrer.
        referrer: UserId,
    },
    /// The shopper was attributed before.
    #[error("already attributed to user {referrer}")]
    AlreadyAttributed {
        /// Whom to.
        referrer: UserId,
    },
    /// The shopper isn't new (registered too long ago, or has ordered).
    #[error("only a new shopper can be attributed to a referrer")]
    NotNew,
    /// The referrer was brought by this shopper.
    #[error("user {referrer} was referred by this shopper")]
    Cycle {
        /// The referrer.
        referrer: UserId,
    },
    /// A program the shop refuses (what is wrong is said).
    #[error("the referral program is not valid: {reason}")]
    BadProgram {
        /// What is wrong.
        reason: &'static str,
    },
}

impl ReferralError {
    /// The error's stable kind, `referral.*`.
    pub fn kind(&self) -> &'static str {
        match self {
            ReferralError::SelfReferral => "referral.self_referral",
            ReferralError::UnknownReferrer { .. } => "referral.unknown_referrer",
            ReferralError::ReferrerBanned { .. } => "referral.referrer_banned",
            ReferralError::AlreadyAttributed { .. } => "referral.already_attributed",
            ReferralError::NotNew => "referral.not_new",
            ReferralError::Cycle { .. } => "referral.cycle",
            ReferralError::BadProgram { .. } => "referral.bad_program",
        }
    }
}

crate::store::record!(
    /// The shop's referral program (absent: none) (schema 18).
    pub(crate) ProgramRecord: Table::ReferralProgram, "referral_program", () => Program
);
crate::store::record!(
    /// Each attributed shopper's referral (schema 18).
    pub(crate) Referrals: Table::Referrals, "referrals", UserId => Referral
);
crate::store::record!(
    /// Each referrer's counts (schema 18).
    pub(crate) Referrers: Table::Referrers, "referrers", UserId => ReferrerStats
);

/// Checks a program: rewards in range with at most 2 decimals, caps and period in range.
pub fn check_program(program: &Program) -> std::result::Result<(), ReferralError> {
    let bad = |reason| Err(ReferralError::BadProgram { reason });
    match program.reward {
        Reward::Percent(p) if !p.is_positive() || p.decimals() > 2 => {
            return bad("the percentage must be more than 0 with at most 2 decimals");
        }
        Reward::Percent(p) if p > Money::units(PERCENT_MAX) => {
            return bad("the percentage must be at most 50");
        }
        Reward::Fixed(a) if !a.is_positive() || a.decimals() > 2 => {
            return bad("the amount must be more than 0 USD with at most 2 decimals");
        }
        Reward::Fixed(a) if a > Money::units(FIXED_MAX_USD) => {
            return bad("the amount must be at most 100 USD");
        }
        _ => {}
    }
    if !(1..=CAP_MAX).contains(&program.max_rewards)
        || !(1..=CAP_MAX).contains(&program.max_rewards_per_period)
    {
        return bad("the caps must be 1 to 1000000");
    }
    if !(1..=PERIOD_DAYS_MAX).contains(&program.period_days) {
        return bad("the period must be 1 to 366 days");
    }
    Ok(())
}

/// The calling shopper (not a system actor), known and not banned.
fn require_user(tx: &Tx<'_>, actor: &crate::shop::Actor) -> Result<UserId> {
    let id = actor.user_id().ok_or(crate::error::Denied::NotAUser)?;
    crate::shop::role_of(tx, actor)?;
    Ok(id)
}

fn period_of(now: Timestamp, days: u32) -> i64 {
    now.0
        .div_euclid(Timestamp::MILLIS_PER_DAY)
        .div_euclid(i64::from(days.max(1)))
}

/// The reward a program pays for an order of `total`.
pub fn reward_for(program: &Program, total: Money) -> Money {
    match program.reward {
        Reward::Fixed(amount) => amount,
        Reward::Percent(p) => total
            .checked_mul(p.decimal() / rust_decimal::Decimal::from(100))
            .map_or(Money::ZERO, |m| m.round_down_to(2)),
    }
}

/// Attributes `referred` to `referrer` inside a transaction (see the module's rules).
pub(crate) fn attribute(tx: &Tx<'_>, referred: UserId, referrer: UserId) -> Result<Referral> {
    if referred == referrer {
        return Err(ReferralError::SelfReferral.into());
    }
    if let Some(existing) = tx.load::<Referrals>(&referred)? {
        return Err(ReferralError::AlreadyAttributed {
            referrer: existing.referrer,
        }
        .into());
    }
    let shopper = crate::users::load(tx, referred)?;
    let wallet = wallet::load_wallet(tx, referred)?;
    if wallet.last_order.is_some() || tx.now.0 - shopper.created_at.0 > ATTRIBUTION_WINDOW_MS {
        return Err(ReferralError::NotNew.into());
    }
    let Some(by) = tx.load::<crate::users::Users>(&referrer)? else {
        return Err(ReferralError::UnknownReferrer { referrer }.into());
    };
    if by.is_banned() {
        return Err(ReferralError::ReferrerBanned { referrer }.into());
    }
    if tx
        .load::<Referrals>(&referrer)?
        .is_some_and(|r| r.referrer == referred)
    {
        return Err(ReferralError::Cycle { referrer }.into());
    }
    let referral = Referral {
        referred,
        referrer,
        at: tx.now,
        outcome: None,
    };
    tx.save::<Referrals>(&referred, &referral)?;
    let mut stats = tx.load::<Referrers>(&referrer)?.unwrap_or_default();
    stats.referred += 1;
    tx.save::<Referrers>(&referrer, &stats)?;
    Ok(referral)
}

/// Decides the referral of `user` when an order of theirs completes (in the transaction
/// that completes it): only their first completed order counts.
pub(crate) fn on_order_completed(
    tx: &Tx<'_>,
    user: UserId,
    order: OrderId,
    total: Money,
) -> Result<()> {
    let Some(mut referral) = tx.load::<Referrals>(&user)? else {
        return Ok(());
    };
    if referral.outcome.is_some() {
        return Ok(());
    }
    let referrer = referral.referrer;
    let mut stats = tx.load::<Referrers>(&referrer)?.unwrap_or_default();
    let program = tx.load::<ProgramRecord>(&())?;
    let banned = tx
        .load::<crate::users::Users>(&referrer)?
        .is_none_or(|u| u.is_banned());
    let decision = match program {
        None => Err(NoReward::ProgramOff),
        Some(_) if banned => Err(NoReward::ReferrerBanned),
        Some(p) => {
            let period = period_of(tx.now, p.period_days);
            let in_period = if stats.period == period {
                stats.period_rewarded
            } else {
                0
            };
            let amount = reward_for(&p, total);
            if stats.rewarded >= u64::from(p.max_rewards) {
                Err(NoReward::Cap)
            } else if in_period >= p.max_rewards_per_period {
                Err(NoReward::PeriodCap)
            } else if !amount.is_positive() {
                Err(NoReward::Nothing)
            } else {
                Ok((amount, period, in_period))
            }
        }
    };
    let system = ActorRef::System("referrals".into());
    match decision {
        Ok((amount, period, in_period)) => {
            let entry = wallet::post(
                tx,
                referrer,
                amount,
                LedgerKind::Referral,
                LedgerRef::Referral(user),
                &system,
                Some(format!("referral of user {user}")),
            )?;
            referral.outcome = Some(Outcome::Rewarded {
                order,
                amount,
                ledger_seq: entry.seq,
            });
            stats.rewarded += 1;
            stats.earned_usd = stats
                .earned_usd
                .checked_add(amount)
                .unwrap_or(stats.earned_usd);
            stats.period = period;
            stats.period_rewarded = in_period + 1;
            tx.save::<Referrers>(&referrer, &stats)?;
            notifications::push(
                tx,
                referrer,
                NotificationKind::ReferralRewarded {
                    referred: user,
                    amount,
                },
            )?;
            audit::done(
                tx,
                &system,
                AuditAction::RewardReferral,
                Target::User(referrer),
                vec![
                    Detail::noted("referred", user),
                    Detail::noted("order", order),
                    Detail::noted("amount_usd", amount),
                ],
            )?;
        }
        Err(reason) => {
            referral.outcome = Some(Outcome::NotRewarded { order, reason });
        }
    }
    tx.save::<Referrals>(&user, &referral)?;
    Ok(())
}

impl crate::Shop {
    /// Sets the referral program (`manage_settings`), or ends it with `None` (referrals are
    /// still recorded, and earn nothing while there is none). Audited `UPDATE_SETTINGS`.
    /// Fails with [`ReferralError::BadProgram`] for rewards or caps out of range.
    pub fn set_referral_program(
        &self,
        actor: &crate::shop::Actor,
        program: Option<Program>,
    ) -> Result<Option<Program>> {
        let program = self.validated(
            actor,
            AuditAction::UpdateSettings,
            Target::Settings,
            crate::roles::Permission::ManageSettings,
            program
                .map(|p| check_program(&p).map(|()| p).map_err(Error::from))
                .transpose(),
        )?;
        self.audited(actor, AuditAction::UpdateSettings, Target::Settings, |tx| {
            crate::shop::require(tx, actor, crate::roles::Permission::ManageSettings)?;
            crate::settings::refuse_in_emergency(tx)?;
            let before = tx.load::<ProgramRecord>(&())?;
            if before == program {
                return Err(InvalidInput::Unchanged {
                    what: "referral program".into(),
                }
                .into());
            }
            match &program {
                Some(p) => tx.save::<ProgramRecord>(&(), p)?,
                None => {
                    tx.delete::<ProgramRecord>(&())?;
                }
            }
            let said = |p: &Option<Program>| p.map_or("none".to_owned(), |p| format!("{p:?}"));
            audit::done(
                tx,
                actor.who(),
                AuditAction::UpdateSettings,
                Target::Settings,
                vec![Detail::changed(
                    "referral_program",
                    said(&before),
                    said(&program),
                )],
            )?;
            Ok(program)
        })
    }

    /// The shop's referral program, if any.
    pub fn referral_program(&self) -> Result<Option<Program>> {
        Ok(self.store.fetch::<ProgramRecord>(&())?)
    }

    /// Attributes the calling shopper to `referrer`, who shared the link they came
    /// through; audited `ATTRIBUTE_REFERRAL`. Fails with a [`ReferralError`] per the
    /// module's rules, changing nothing.
    pub fn attribute_referral(
        &self,
        actor: &crate::shop::Actor,
        referrer: UserId,
    ) -> Result<Referral> {
        self.audited(
            actor,
            AuditAction::AttributeReferral,
            Target::User(referrer),
            |tx| {
                let me = require_user(tx, actor)?;
                crate::settings::refuse_in_emergency(tx)?;
                let referral = attribute(tx, me, referrer)?;
                audit::done(
                    tx,
                    actor.who(),
                    AuditAction::AttributeReferral,
                    Target::User(referrer),
                    vec![Detail::noted("referred", me)],
                )?;
                Ok(referral)
            },
        )
    }

    /// What the calling shopper has brought in, and who brought them (if anyone).
    pub fn my_referrals(
        &self,
        actor: &crate::shop::Actor,
    ) -> Result<(ReferrerStats, Option<Referral>)> {
        let me = self.transact(|tx| require_user(tx, actor))?;
        Ok((
            self.store.fetch::<Referrers>(&me)?.unwrap_or_default(),
            self.store.fetch::<Referrals>(&me)?,
        ))
    }
}

/// Every referral and referrer count agrees with the others and with the ledger: each
/// reward names a `REFERRAL` entry of its amount crediting its referrer for the referred
/// shopper, and
/// every `REFERRAL` entry of the ledger (`ledger_referrals`) is named by one.
pub(crate) fn verify(
    store: &crate::store::Store,
    ledger_referrals: &std::collections::BTreeSet<u64>,
) -> std::result::Result<Vec<String>, StoreError> {
    let mut problems = Vec::new();
    let mut named = std::collections::BTreeSet::new();
    let mut per_referrer: std::collections::BTreeMap<UserId, ReferrerStats> = Default::default();
    for item in store.scan(Span::<Referrals>::all(), false) {
        let (referred, referral) = match item {
            Ok(pair) => pair,
            Err(e) => {
                problems.push(format!("referrals: unreadable referral: {e}"));
                continue;
            }
        };
        if referral.referred != referred || referral.referrer == referred {
            problems.push(format!(
                "referrals: referral of user {referred} is malformed"
            ));
        }
        let stats = per_referrer.entry(referral.referrer).or_default();
        stats.referred += 1;
        if let Some(Outcome::Rewarded {
            amount, ledger_seq, ..
        }) = referral.outcome
        {
            stats.rewarded += 1;
            stats.earned_usd = stats
                .earned_usd
                .checked_add(amount)
                .unwrap_or(stats.earned_usd);
            named.insert(ledger_seq);
            let entry = crate::store::log::fetch::<wallet::Ledger>(store, ledger_seq)?;
            let right = entry.is_some_and(|e| {
                e.kind == LedgerKind::Referral
                    && e.user == referral.referrer
                    && e.amount == amount
                    && e.reference == LedgerRef::Referral(referred)
            });
            if !right {
                problems.push(format!(
                    "referrals: the reward for user {referred} names ledger entry {ledger_seq}, which is not it"
                ));
            }
        }
    }
    for item in store.scan(Span::<Referrers>::all(), false) {
        let (referrer, stats) = match item {
            Ok(pair) => pair,
            Err(e) => {
                problems.push(format!("referrals: unreadable referrer counts: {e}"));
                continue;
            }
        };
        let counted = per_referrer.remove(&referrer).unwrap_or_default();
        if (stats.referred, stats.rewarded, stats.earned_usd)
            != (counted.referred, counted.rewarded, counted.earned_usd)
        {
            problems.push(format!(
                "referrals: user {referrer}'s counts ({} referred, {} rewarded, {}) differ from their referrals ({}, {}, {})",
                stats.referred,
                stats.rewarded,
                stats.earned_usd,
                counted.referred,
                counted.rewarded,
                counted.earned_usd
            ));
        }
    }
    for referrer in per_referrer.keys() {
        problems.push(format!(
            "referrals: user {referrer} has referrals but no counts"
        ));
    }
    for seq in ledger_referrals.difference(&named) {
        problems.push(format!(
            "referrals: ledger entry {seq} is a REFERRAL credit no referral names"
        ));
    }
    Ok(problems)
}
