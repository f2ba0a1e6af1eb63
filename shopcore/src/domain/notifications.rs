//! An outbox of things to tell people: written in the same transaction as the event (an
//! order completed, a top-up approved), so an acknowledged event is never lost and never
//! invented. Frontends read it after their own cursor, deliver, then move the cursor; a
//! crash between delivery and acknowledgement repeats a message rather than dropping it.
//!
//! Peers: none.

use crate::Shop;
use crate::clock::Timestamp;
use crate::error::{InvalidInput, Result};
use crate::ids::{InvoiceId, OrderId, TopupId, UserId};
use crate::money::Money;
use crate::store::log::{self, Lane};
use crate::store::{Counter, StoreError, Table, Tx};
use serde::{Deserialize, Serialize};
use std::ops::Bound;

/// What happened. Each names the record it is about; frontends read the details from it
/// ([`Shop::order_for_notification`], [`Shop::topup_for_notification`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum NotificationKind {
    /// The order was delivered; the buyer reads the delivery from the order.
    OrderCompleted {
        /// The order.
        order: OrderId,
    },
    /// Staff failed the order; `refunded` says whether money went back to the wallet.
    OrderFailed {
        /// The order.
        order: OrderId,
        /// Whether it was refunded to the wallet.
        refunded: bool,
        /// The reason staff gave.
        reason: String,
    },
    /// The order was cancelled (by staff, or because payment did not arrive in time).
    OrderCancelled {
        /// The order.
        order: OrderId,
        /// Whether it was refunded to the wallet.
        refunded: bool,
    },
    /// Staff confirmed an outside payment for the order.
    PaymentConfirmed {
        /// The order.
        order: OrderId,
    },
    /// Staff approved a top-up: the wallet was credited.
    TopupApproved {
        /// The top-up.
        topup: TopupId,
        /// What was credited, in USD.
        amount_usd: Money,
    },
    /// Staff rejected a top-up.
    TopupRejected {
        /// The top-up.
        topup: TopupId,
        /// The reason staff gave.
        reason: String,
    },
    /// For staff: a top-up is waiting for review (`user` is the shopper who asked).
    StaffTopupWaiting {
        /// The top-up.
        topup: TopupId,
    },
    /// For staff: a paid order is waiting for a person (`user` is the buyer).
    StaffOrderWaiting {
        /// The order.
        order: OrderId,
    },
    /// A payment provider's payment was credited to the wallet: a top-up by invoice, or a
    /// payment that came when its order could no longer take it (`late`).
    InvoiceCredited {
        /// The invoice.
        invoice: InvoiceId,
        /// What was credited, in USD.
        amount_usd: Money,
        /// The invoice could not take it any more (expired, cancelled or paid already): the
        /// money is in the wallet instead.
        late: bool,
    },
    /// A payment was sent back through the provider (a Stars refund): it left the wallet.
    InvoiceRefunded {
        /// The invoice.
        invoice: InvoiceId,
        /// What left the wallet, in USD.
        amount_usd: Money,
    },
    /// For staff: an invoice's payment needs a person (`user` is the payer).
    StaffInvoiceProblem {
        /// The invoice.
        invoice: InvoiceId,
        /// What happened.
        problem: InvoiceProblem,
    },
    /// A shopper the user referred completed a first order: the user was credited.
    ReferralRewarded {
        /// The referred shopper.
        referred: UserId,
        /// What was credited, in USD.
        amount: Money,
    },
}

/// Why staff hear about an invoice ([`NotificationKind::StaffInvoiceProblem`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum InvoiceProblem {
    /// A payment came for an invoice that could no longer take it; it was credited to the
    /// payer's balance.
    LatePayment,
    /// A payment was refused: its amount, currency or provider was not the invoice's
    /// (`reason` says which). Nothing was credited.
    Refused {
        /// What differed, as the audit entry says it.
        reason: String,
    },
    /// The provider refused to send a payment back; the amount is in the payer's balance.
    RefundRefused {
        /// The provider's answer.
        reason: String,
    },
}

impl NotificationKind {
    /// Meant for the staff chat rather than the user it names.
    pub fn is_for_staff(&self) -> bool {
        matches!(
            self,
            NotificationKind::StaffTopupWaiting { .. }
                | NotificationKind::StaffOrderWaiting { .. }
                | NotificationKind::StaffInvoiceProblem { .. }
        )
    }
}

/// One entry of the outbox.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    /// Its place in the outbox: 1, 2, 3, … in its lane (lane 0, the only one on sled;
    /// another PostgreSQL process numbers its notifications `lane · 2⁴⁰ + 1, 2, …`);
    /// acknowledge up to it with [`Shop::ack_notifications`].
    pub seq: u64,
    /// Who it is for; for a staff kind ([`NotificationKind::is_for_staff`]), who it is
    /// about.
    pub user: UserId,
    /// When the event happened.
    pub at: Timestamp,
    /// What happened.
    pub kind: NotificationKind,
}

/// The most notifications [`Shop::pending_notifications`] returns at once.
pub const PAGE_LIMIT_MAX: usize = 500;

crate::store::record!(
    /// Retired in schema 9 (the outbox is in chunks): a record per notification.
    OutboxByKey: Table::Outbox, "outbox", u64 => Notification
);
crate::store::record!(
    /// The outbox: notifications written with their events, in chunks of 8 consecutive
    /// sequence numbers (`store::log`).
    pub(crate) Outbox: Table::OutboxChunks, "outbox_chunks", u64 => log::Chunk
);

impl log::Log for Outbox {
    type Entry = Notification;
}

/// Schema 8 → 9: the outbox moves into chunks (`store::log`), 16,384 notifications per
/// flush; the table of one record per notification is emptied.
pub(crate) fn migrate_outbox_chunks(
    store: &crate::store::Store,
) -> std::result::Result<(), StoreError> {
    log::migrate_from_records::<OutboxByKey, Outbox>(store, "moving the outbox into chunks")
}
crate::store::record!(
    /// How far each consumer has delivered the outbox (lane 0 of it), by consumer name.
    pub(crate) OutboxCursors: Table::OutboxCursors, "outbox_cursors", String => u64
);
crate::store::record!(
    /// How far each consumer has delivered each other lane of the outbox: lane · consumer
    /// → the last sequence number acknowledged there.
    pub(crate) OutboxLaneCursors: Table::OutboxLaneCursors, "outbox_lane_cursors", (u64, String) => u64
);

/// Queues a notification inside the caller's transaction.
pub(crate) fn push(
    tx: &Tx<'_>,
    user: UserId,
    kind: NotificationKind,
) -> std::result::Result<(), StoreError> {
    // In the writer's lane: the notifications of two processes share no record.
    let seq = tx.next_in_lane(Counter::OutboxSeq, tx.lane()?)?;
    log::append::<Outbox>(
        tx,
        seq,
        &Notification {
            seq,
            user,
            at: tx.now,
            kind,
        },
    )
}

/// Where `consumer` stands in `lane`: the last number it acknowledged there (the lane's
/// base when none).
pub(crate) fn cursor(
    store: &crate::store::Store,
    consumer: &String,
    lane: Lane,
) -> std::result::Result<u64, StoreError> {
    Ok(if lane == Lane(0) {
        store.fetch::<OutboxCursors>(consumer)?.unwrap_or(0)
    } else {
        store
            .fetch::<OutboxLaneCursors>(&(u64::from(lane.0), consumer.clone()))?
            .unwrap_or(lane.base())
    })
}

/// Every lane of the outbox that holds anything or that a consumer acknowledged in, and
/// lane 0, ascending.
pub(crate) fn lanes(store: &crate::store::Store) -> std::result::Result<Vec<Lane>, StoreError> {
    let mut lanes: std::collections::BTreeSet<Lane> =
        log::lanes::<Outbox>(store)?.into_iter().collect();
    lanes.insert(Lane(0));
    for item in store.scan_keys(crate::store::Span::<OutboxLaneCursors>::all(), false) {
        let (lane, _) = item?;
        if let Some(lane) = Lane::numbered(lane) {
            lanes.insert(lane);
        }
    }
    Ok(lanes.into_iter().collect())
}

fn consumer_key(consumer: &str) -> Result<String> {
    let ok = !consumer.is_empty()
        && consumer.len() <= 32
        && consumer
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if !ok {
        return Err(InvalidInput::UnknownName {
            what: "notification consumer (1 to 32 letters, digits or _)",
            text: consumer.chars().take(40).collect(),
        }
        .into());
    }
    Ok(consumer.to_owned())
}

impl Shop {
    /// Notifications the `consumer` (a frontend's name: 1 to 32 letters, digits or `_`) has
    /// not acknowledged, oldest first, at most `limit` (1 to [`PAGE_LIMIT_MAX`]). Each
    /// consumer has its own cursor, so several frontends can read the same outbox.
    pub fn pending_notifications(&self, consumer: &str, limit: usize) -> Result<Vec<Notification>> {
        if limit == 0 || limit > PAGE_LIMIT_MAX {
            return Err(InvalidInput::BadPageSize {
                limit,
                limit_max: PAGE_LIMIT_MAX,
            }
            .into());
        }
        let consumer = consumer_key(consumer)?;
        // Each lane from where the consumer stands in it, in its order (a lane is written
        // in its writer's commit order, and acknowledging one moves past every earlier one
        // of its lane), the lanes merged by time: a prefix of each lane.
        let mut runs = Vec::new();
        for lane in lanes(&self.store)? {
            let from = cursor(&self.store, &consumer, lane)?;
            let pending = log::scan::<Outbox>(
                &self.store,
                Bound::Excluded(from),
                Bound::Included(lane.last()),
                false,
            );
            let run = pending
                .take(limit)
                .map(|item| item.map(|(_, n)| n))
                .collect::<std::result::Result<std::collections::VecDeque<_>, _>>()?;
            runs.push(run);
        }
        let mut out = Vec::new();
        while out.len() < limit {
            let oldest = runs
                .iter_mut()
                .filter(|run| !run.is_empty())
                .min_by_key(|run| run.front().map(|n| (n.at, n.seq)));
            match oldest.and_then(|run| run.pop_front()) {
                Some(n) => out.push(n),
                None => break,
            }
        }
        Ok(out)
    }

    /// How many notifications `consumer` has not acknowledged: two reads per lane, for
    /// monitoring (a backlog that keeps growing means delivery is stuck).
    pub fn notification_backlog(&self, consumer: &str) -> Result<u64> {
        let consumer = consumer_key(consumer)?;
        let mut backlog = 0u64;
        for lane in lanes(&self.store)? {
            let last = self.store.read_lane_counter(Counter::OutboxSeq, lane)?;
            let acknowledged = cursor(&self.store, &consumer, lane)?;
            backlog = backlog.saturating_add(last.saturating_sub(acknowledged));
        }
        Ok(backlog)
    }

    /// Marks every notification up to `seq` of its lane as delivered for `consumer`: on
    /// sled and with one process, every notification up to `seq`; with several processes
    /// on PostgreSQL each writes its notifications in a lane of its own (numbered from
    /// `lane · 2⁴⁰`), so acknowledge each notification delivered, or the last of each lane.
    /// The cursor only moves forward. A `seq` not yet written is refused.
    pub fn ack_notifications(&self, consumer: &str, seq: u64) -> Result<()> {
        let k = consumer_key(consumer)?;
        let lane = Lane::of(seq);
        if seq > self.store.read_lane_counter(Counter::OutboxSeq, lane)? {
            return Err(InvalidInput::UnknownName {
                what: "notification",
                text: seq.to_string(),
            }
            .into());
        }
        self.transact(|tx| {
            if lane == Lane(0) {
                let cursor: u64 = tx.load::<OutboxCursors>(&k)?.unwrap_or(0);
                if seq > cursor {
                    tx.save::<OutboxCursors>(&k, &seq)?;
                }
            } else {
                let key = (u64::from(lane.0), k.clone());
                let cursor = tx.load::<OutboxLaneCursors>(&key)?.unwrap_or(lane.base());
                if seq > cursor {
                    tx.save::<OutboxLaneCursors>(&key, &seq)?;
                }
            }
            Ok(())
        })
    }
}
