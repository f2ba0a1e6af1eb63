//! Broadcasts: a message from staff to every user, as a durable job. The job keeps a cursor
//! over the users (in id order), so a frontend that restarts resumes where it stopped. The
//! frontend sends, then records each delivery; users who blocked the bot are remembered and
//! skipped by later broadcasts until they talk to the bot again.
//!
//! Delivery is at least once: a crash between sending and recording repeats that one
//! message after a restart; recording the same user twice changes nothing.
//!
//! Peers: audit, settings, users.

use crate::Shop;
use crate::audit::{self, ActorRef, AuditAction, Detail, Target};
use crate::clock::Timestamp;
use crate::error::{Error, InvalidInput, Result};
use crate::ids::{BroadcastId, UserId};
use crate::roles::Permission;
use crate::settings::refuse_in_emergency;
use crate::shop::{Actor, require};
use crate::store::{Counter, Span, StoreError, Table, Tx};
use crate::text::TextRule;
use crate::users::{User, Users};
use serde::{Deserialize, Serialize};
use std::ops::Bound;

/// Telegram allows 4096 characters per message; leave room for a frontend's framing.
pub const BROADCAST_TEXT: TextRule = TextRule::multi_line("broadcast text", 3_500);
/// The most recipients [`Shop::broadcast_recipients`] returns at once.
pub const RECIPIENTS_LIMIT_MAX: usize = 1_000;

/// Where a broadcast job stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BroadcastStatus {
    /// Sending: the frontend asks for recipients and records deliveries.
    Running,
    /// Stopped by staff before the end.
    Cancelled,
    /// Every recipient was handled.
    Finished,
}

/// What happened when sending a broadcast to one user.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BroadcastDelivery {
    /// The message was delivered.
    Sent,
    /// The user blocked the bot (Telegram 403); later broadcasts skip them.
    Blocked,
    /// Any other permanent failure for this user.
    Failed,
}

/// A message from staff to every reachable user, sent by a frontend as a durable job.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Broadcast {
    /// Its id, numbered from 1.
    pub id: BroadcastId,
    /// The message ([`BROADCAST_TEXT`]).
    pub text: String,
    /// Running, cancelled or finished.
    pub status: BroadcastStatus,
    /// Users who could receive it when it was created.
    pub audience: u64,
    /// Users it was delivered to.
    pub sent: u64,
    /// Users who had blocked the bot.
    pub blocked: u64,
    /// Users it could not reach for another reason.
    pub failed: u64,
    /// The last user handled; the job resumes after it.
    pub cursor: Option<UserId>,
    /// Who created it.
    pub created_by: ActorRef,
    /// When.
    pub created_at: Timestamp,
    /// When it finished or was cancelled.
    pub finished_at: Option<Timestamp>,
}

crate::store::record!(
    /// Broadcast jobs, by id.
    pub(crate) Broadcasts: Table::Broadcasts, "broadcasts", BroadcastId => Broadcast
);
crate::store::record!(
    /// Users seen blocking the bot, with when.
    BlockedBot: Table::BlockedBot, "blocked_bot", UserId => Timestamp
);

fn load(tx: &Tx<'_>, id: BroadcastId) -> Result<Broadcast> {
    tx.load::<Broadcasts>(&id)?.ok_or_else(|| {
        Error::from(InvalidInput::UnknownName {
            what: "broadcast",
            text: id.to_string(),
        })
    })
}

crate::store::record!(
    /// Users who muted broadcasts, with when (schema 14).
    pub(crate) BroadcastMutes: Table::BroadcastMutes, "broadcast_mutes", UserId => Timestamp
);

fn reachable(store: &crate::store::Store, user: &User) -> std::result::Result<bool, StoreError> {
    Ok(!user.is_banned()
        && store.fetch::<BlockedBot>(&user.id)?.is_none()
        && store.fetch::<BroadcastMutes>(&user.id)?.is_none())
}

/// Forgets that a user blocked the bot (they talked to it again). Inside the caller's
/// transaction.
pub(crate) fn clear_blocked(tx: &Tx<'_>, &user: &UserId) -> std::result::Result<(), StoreError> {
    if tx.has::<BlockedBot>(&user)? {
        tx.delete::<BlockedBot>(&user)?;
    }
    Ok(())
}

impl Shop {
    /// A shopper mutes (or unmutes) broadcasts for themselves: later broadcasts, and the
    /// rest of running ones, skip them. What concerns their own orders and money still
    /// reaches them. A preference: not audited. Returns whether they are muted now.
    pub fn set_broadcasts_muted(&self, actor: &Actor, muted: bool) -> Result<bool> {
        let user = actor.user_id().ok_or(crate::error::Denied::NotAUser)?;
        self.transact(|tx| {
            crate::shop::role_of(tx, actor)?;
            match (muted, tx.has::<BroadcastMutes>(&user)?) {
                (true, false) => tx.save::<BroadcastMutes>(&user, &tx.now)?,
                (false, true) => {
                    tx.delete::<BroadcastMutes>(&user)?;
                }
                _ => {}
            }
            Ok(muted)
        })
    }

    /// Whether `user` muted broadcasts.
    pub fn broadcasts_muted(&self, user: UserId) -> Result<bool> {
        Ok(self.store.exists::<BroadcastMutes>(&user)?)
    }

    /// How many users a broadcast would reach now (not banned, not blocking the bot, not
    /// muting broadcasts), for staff with `broadcast`. Reads every user.
    pub fn broadcast_audience(&self, actor: &Actor) -> Result<u64> {
        self.transact(|tx| require(tx, actor, Permission::Broadcast).map(|_| ()))?;
        let mut n = 0;
        for item in self.store.scan(Span::<Users>::all(), false) {
            if reachable(&self.store, &item?.1)? {
                n += 1;
            }
        }
        Ok(n)
    }

    /// Creates a running broadcast job (`broadcast`), audited `CREATE_BROADCAST`. The text
    /// must pass [`BROADCAST_TEXT`]. Refused in emergency mode.
    pub fn create_broadcast(&self, actor: &Actor, text: &str) -> Result<Broadcast> {
        let text = self.validated(
            actor,
            AuditAction::CreateBroadcast,
            Target::None,
            Permission::Broadcast,
            BROADCAST_TEXT.check(text).map_err(Error::from),
        )?;
        let audience = self.broadcast_audience(actor)?;
        self.audited(actor, AuditAction::CreateBroadcast, Target::None, |tx| {
            require(tx, actor, Permission::Broadcast)?;
            refuse_in_emergency(tx)?;
            let id = BroadcastId::new(tx.next_id(Counter::BroadcastSeq)?)?;
            let broadcast = Broadcast {
                id,
                text: text.clone(),
                status: BroadcastStatus::Running,
                audience,
                sent: 0,
                blocked: 0,
                failed: 0,
                cursor: None,
                created_by: actor.who().clone(),
                created_at: tx.now,
                finished_at: None,
            };
            tx.save::<Broadcasts>(&id, &broadcast)?;
            audit::done(
                tx,
                actor.who(),
                AuditAction::CreateBroadcast,
                Target::Broadcast(id),
                vec![
                    Detail::noted("audience", audience),
                    Detail::noted("characters", text.chars().count()),
                ],
            )?;
            Ok(broadcast)
        })
    }

    /// A broadcast job by id; `None` when there is none.
    pub fn broadcast(&self, id: BroadcastId) -> Result<Option<Broadcast>> {
        Ok(self.store.fetch::<Broadcasts>(&id)?)
    }

    /// The newest broadcasts, newest first, at most `limit` (1 to 100), for staff with
    /// [`Permission::Broadcast`]: their text, progress and state.
    pub fn recent_broadcasts(&self, actor: &Actor, limit: usize) -> Result<Vec<Broadcast>> {
        crate::error::check_page_size(limit, 100)?;
        self.transact(|tx| require(tx, actor, Permission::Broadcast).map(|_| ()))?;
        let mut out = Vec::new();
        for item in self.store.scan(Span::<Broadcasts>::all(), true).take(limit) {
            out.push(item?.1);
        }
        Ok(out)
    }

    /// Broadcasts still running (to resume after a restart), oldest first.
    pub fn running_broadcasts(&self) -> Result<Vec<Broadcast>> {
        let mut out = Vec::new();
        for item in self.store.scan(Span::<Broadcasts>::all(), false) {
            let (_, b) = item?;
            if b.status == BroadcastStatus::Running {
                out.push(b);
            }
        }
        Ok(out)
    }

    /// The next recipients after the job's cursor (skipping banned users, users who
    /// blocked the bot and users who muted broadcasts), in id order, at most `limit` (1 to [`RECIPIENTS_LIMIT_MAX`]). When
    /// none are left, the job is marked finished; a job not running gives none. Record each
    /// one with [`Shop::record_broadcast_delivery`] after sending.
    pub fn broadcast_recipients(&self, id: BroadcastId, limit: usize) -> Result<Vec<UserId>> {
        if limit == 0 || limit > RECIPIENTS_LIMIT_MAX {
            return Err(InvalidInput::BadPageSize {
                limit,
                limit_max: RECIPIENTS_LIMIT_MAX,
            }
            .into());
        }
        let Some(job) = self.broadcast(id)? else {
            return Err(InvalidInput::UnknownName {
                what: "broadcast",
                text: id.to_string(),
            }
            .into());
        };
        if job.status != BroadcastStatus::Running {
            return Ok(Vec::new());
        }
        let span = Span::<Users>::all().from(
            job.cursor
                .as_ref()
                .map_or(Bound::Unbounded, Bound::Excluded),
        );
        let mut out = Vec::new();
        for item in self.store.scan(span, false) {
            let (_, user) = item?;
            if reachable(&self.store, &user)? {
                out.push(user.id);
                if out.len() == limit {
                    break;
                }
            }
        }
        if out.is_empty() {
            self.transact(|tx| {
                let mut job = load(tx, id)?;
                if job.status == BroadcastStatus::Running {
                    job.status = BroadcastStatus::Finished;
                    job.finished_at = Some(tx.now);
                    tx.save::<Broadcasts>(&id, &job)?;
                }
                Ok(())
            })?;
        }
        Ok(out)
    }

    /// Records what happened when sending to `user` and moves the cursor past them.
    /// Recording a user at or before the cursor again changes nothing.
    pub fn record_broadcast_delivery(
        &self,
        id: BroadcastId,
        user: UserId,
        delivery: BroadcastDelivery,
    ) -> Result<Broadcast> {
        self.transact(|tx| {
            let mut job = load(tx, id)?;
            if job.status != BroadcastStatus::Running || job.cursor.is_some_and(|c| c >= user) {
                return Ok(job);
            }
            job.cursor = Some(user);
            match delivery {
                BroadcastDelivery::Sent => job.sent += 1,
                BroadcastDelivery::Blocked => {
                    job.blocked += 1;
                    tx.save::<BlockedBot>(&user, &tx.now)?;
                }
                BroadcastDelivery::Failed => job.failed += 1,
            }
            tx.save::<Broadcasts>(&id, &job)?;
            Ok(job)
        })
    }

    /// Remembers (or forgets) that a user blocked the bot, e.g. when a notification came back
    /// with Telegram's 403.
    pub fn set_blocked_bot(&self, user: UserId, blocked: bool) -> Result<()> {
        self.transact(|tx| {
            if blocked {
                tx.save::<BlockedBot>(&user, &tx.now)?;
            } else {
                clear_blocked(tx, &user)?;
            }
            Ok(())
        })
    }

    /// Stops a running broadcast (`broadcast`), audited `CANCEL_BROADCAST`.
    pub fn cancel_broadcast(&self, actor: &Actor, id: BroadcastId) -> Result<Broadcast> {
        self.audited(
            actor,
            AuditAction::CancelBroadcast,
            Target::Broadcast(id),
            |tx| {
                require(tx, actor, Permission::Broadcast)?;
                let mut job = load(tx, id)?;
                if job.status != BroadcastStatus::Running {
                    return Err(InvalidInput::Unchanged {
                        what: format!("broadcast {id} is not running"),
                    }
                    .into());
                }
                job.status = BroadcastStatus::Cancelled;
                job.finished_at = Some(tx.now);
                tx.save::<Broadcasts>(&id, &job)?;
                audit::done(
                    tx,
                    actor.who(),
                    AuditAction::CancelBroadcast,
                    Target::Broadcast(id),
                    vec![Detail::noted("sent", job.sent)],
                )?;
                Ok(job)
            },
        )
    }
}

// Telegram's message limit is 4096 characters.
const _: () = assert!(BROADCAST_TEXT.chars_max < 4_096);
