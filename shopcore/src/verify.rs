//! Integrity checking at two levels. `Shop::verify` recomputes what the shop's invariants
//! say must hold and reports every violation it finds (empty means healthy); when it finds
//! none it records a **verified watermark** — the link each lane of the audit chain reached
//! and the entry each lane of the ledger reached, with the ledger's sums there.
//! `Shop::check_startup` then checks only what was written after the watermark, plus a
//! random sample of older links and entries, so a restart costs what happened since the
//! last check, not what the store holds.

use crate::Shop;
use crate::audit::{self, AuditHead, Link};
use crate::clock::Timestamp;
use crate::error::Result;
use crate::store::log::Lane;
use crate::store::{Counter, StoreError, Table};
use crate::wallet::{self, LedgerSums};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

crate::store::record!(
    /// How far the last healthy check reached (not shop state: `state_digest` skips it).
    Verified: Table::Meta, "verified", b"verified", () => Watermark
);
crate::store::record!(
    /// How far the last healthy check reached in each audit lane but lane 0 (whose link is
    /// in [`Verified`]), written with it: lane number → the link and its hash.
    VerifiedLanes: Table::Meta, "verified_lanes", b"verified_lanes", () => LaneMarks
);

crate::store::record!(
    /// How far the last healthy check reached in each ledger lane but lane 0 (whose entry
    /// is in [`Verified`]), written with it: lane number → the last entry verified.
    VerifiedLedgerLanes: Table::Meta, "verified_ledger_lanes", b"verified_ledger_lanes", () => BTreeMap<u64, u64>
);

/// What a check that found nothing can certify: the watermark, the other audit lanes'
/// links and the other ledger lanes' entries.
type Certified = (Watermark, LaneMarks, BTreeMap<u64, u64>);

/// The verified link of each audit lane but lane 0, by lane number.
pub(crate) type LaneMarks = BTreeMap<u64, AuditHead>;

/// The heads of lanes other than 0, as the watermark keeps them.
fn other_lanes(heads: &BTreeMap<Lane, AuditHead>) -> LaneMarks {
    heads
        .iter()
        .filter(|(lane, _)| **lane != Lane(0))
        .map(|(lane, head)| (u64::from(lane.0), *head))
        .collect()
}

/// The last entries of ledger lanes other than 0, as the watermark keeps them.
fn other_ledger_lanes(last: &BTreeMap<Lane, u64>) -> BTreeMap<u64, u64> {
    last.iter()
        .filter(|(lane, seq)| **lane != Lane(0) && **seq > lane.base())
        .map(|(lane, seq)| (u64::from(lane.0), *seq))
        .collect()
}

/// How many older audit links and ledger entries the start-up check samples (of each lane).
pub const STARTUP_SAMPLES: u32 = 32;

/// What the last successful check proved, and up to where: every audit link up to
/// `audit_seq` chains to `audit_hash`, and every ledger entry up to `ledger_seq` adds up,
/// continues its user's previous entry and is bound into its audit entry, with `sums` the
/// ledger's sums there (lane 0's; the other lanes' are beside it, in [`VerifiedLanes`] and
/// [`VerifiedLedgerLanes`], and `sums` covers every lane's entries up to its mark).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Watermark {
    pub(crate) audit_seq: u64,
    pub(crate) audit_hash: [u8; 32],
    pub(crate) ledger_seq: u64,
    pub(crate) sums: LedgerSums,
    /// When a check last moved it.
    pub(crate) at: Timestamp,
    /// When the full `verify()` last passed (the start-up check moves the watermark too).
    pub(crate) full_at: Option<Timestamp>,
}

/// The result of [`Shop::verify`]: one line per violated invariant.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct VerifyReport {
    /// One line per violated invariant, prefixed by its area and naming the record
    /// (`"wallet: ledger entry 17 does not add up"`); empty when the shop is healthy.
    pub problems: Vec<String>,
}

impl VerifyReport {
    /// No problem was found.
    pub fn is_healthy(&self) -> bool {
        self.problems.is_empty()
    }
}

impl fmt::Display for VerifyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.problems.is_empty() {
            return f.write_str("healthy: every invariant holds");
        }
        writeln!(f, "{} problem(s):", self.problems.len())?;
        for p in &self.problems {
            writeln!(f, "- {p}")?;
        }
        Ok(())
    }
}

impl Shop {
    /// Checks only the audit log: every entry's hash, the chain from the first entry to the
    /// head, and the indexes (the part of [`Shop::verify`] a reader of the log asks for; on a
    /// big shop it reads the whole log). Needs [`crate::Permission::ViewAuditLogs`].
    pub fn verify_audit_chain(&self, actor: &crate::Actor) -> Result<VerifyReport> {
        self.validated(
            actor,
            audit::AuditAction::ViewAuditLogs,
            audit::Target::None,
            crate::Permission::ViewAuditLogs,
            self.transact(|tx| {
                crate::shop::require(tx, actor, crate::Permission::ViewAuditLogs).map(|_| ())
            }),
        )?;
        let problems = self
            .store
            .consistent(|| audit::verify(&self.store, |_| {}))??;
        Ok(VerifyReport { problems })
    }

    /// [`Shop::verify`] for a staff member asking through a frontend (the web panel): needs
    /// [`crate::Permission::ManageSettings`] (as backups do), refused with `Denied` and
    /// audited otherwise.
    pub fn verify_as(&self, actor: &crate::Actor) -> Result<VerifyReport> {
        self.validated(
            actor,
            audit::AuditAction::ViewStats,
            audit::Target::Settings,
            crate::Permission::ManageSettings,
            self.transact(|tx| {
                crate::shop::require(tx, actor, crate::Permission::ManageSettings).map(|_| ())
            }),
        )?;
        self.verify()
    }

    /// Checks every invariant the shop keeps and reports each violation: users and their
    /// indexes; the audit hash chain of each lane, its head and counter; the catalog's indexes, stock and
    /// code pools; wallets replayed from the ledger, top-ups and the shop-wide money total,
    /// with every ledger amount bound into the audit entry that posted it; orders against
    /// their ledger entries and the state machine; the statistics roll-ups.
    ///
    /// When it finds nothing, it records the verified watermark [`Shop::check_startup`]
    /// starts from. It streams: what it keeps in memory grows with the number of users, not
    /// with orders or the ledger (sled's own cache aside).
    ///
    /// It reads record by record while the shop keeps running, so a change committed during
    /// the check can show as a passing mismatch: run it on a quiet shop for an exact answer.
    /// It reads everything, so it takes time on a large shop (a few seconds per 100,000
    /// orders).
    /// `Err` only when the store can't be read at all; damaged records are reported as
    /// problems.
    ///
    /// ```
    /// use shopcore::{Config, Shop};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let dir = tempfile::tempdir()?;
    /// let shop = Shop::open(dir.path().join("shop.db"), Config::default())?;
    /// let report = shop.verify()?;
    /// assert!(report.is_healthy(), "{report}");
    /// assert_eq!(report.to_string(), "healthy: every invariant holds");
    /// # Ok(())
    /// # }
    /// ```
    pub fn verify(&self) -> Result<VerifyReport> {
        // Every check reads one state of the store: a commit landing between two reads
        // (a code leaving the pool after the product's count was read) is no problem.
        let (problems, mark) = self.store.consistent(|| self.verify_reads())??;
        if problems.is_empty()
            && let Some((mark, lanes, ledger_lanes)) = mark
        {
            self.advance_watermark(mark, lanes, ledger_lanes)?;
        }
        Ok(VerifyReport { problems })
    }

    /// The checks of [`Shop::verify`], reading only; the watermark they would certify.
    fn verify_reads(&self) -> Result<(Vec<String>, Option<Certified>)> {
        let mut problems = Vec::new();
        // The heads as they stand now are the watermark this run can certify: each lane's
        // chain up to its head, and each lane of the ledger up to its last entry bound by
        // an entry up to a head.
        let marks = audit::heads(&self.store)?;
        let bound_from: u64 = self
            .store
            .fetch::<wallet::LedgerBoundFrom>(&())?
            .unwrap_or(1);
        let mut mark_ledger = BTreeMap::from([(Lane(0), bound_from.saturating_sub(1))]);
        let mut hash_at_mark = BTreeMap::new();
        problems.extend(crate::users::verify(&self.store)?);
        problems.extend(audit::verify(&self.store, |link| {
            let lane = Lane::of(link.seq());
            let Some(mark) = marks.get(&lane) else {
                return;
            };
            if link.seq() == mark.seq {
                hash_at_mark.insert(lane, link.hash());
            }
            if link.seq() <= mark.seq
                && let Link::Entry(entry) = link
            {
                for (seq, _) in audit::bindings_of(entry) {
                    let lane = Lane::of(seq);
                    let mark = mark_ledger.entry(lane).or_insert(lane.base());
                    *mark = (*mark).max(seq);
                }
            }
        })?);
        for (lane, mark) in &marks {
            if mark.seq > lane.base() && hash_at_mark.get(lane) != Some(&mark.hash) {
                problems.push(format!(
                    "audit: the head record named entry {}, whose hash differs",
                    mark.seq
                ));
            }
        }
        let held_by_order =
            |order, fate: &crate::catalog::CodeFate, is_the_code: &dyn Fn(&str) -> bool| {
                crate::orders::holds_code(&self.store, order, fate, is_the_code)
            };
        problems.extend(crate::catalog::verify(&self.store, &held_by_order)?);
        let check_reference = |entry: &wallet::LedgerEntry, order, problems: &mut Vec<String>| {
            crate::orders::check_ledger_reference(&self.store, entry, order, problems)
        };
        let invoice_entries = std::cell::RefCell::new(crate::invoices::InvoiceEntries::new());
        let note_invoice_entry = |entry: &wallet::LedgerEntry, invoice| {
            invoice_entries
                .borrow_mut()
                .insert(entry.seq, (invoice, entry.kind, entry.amount, entry.user));
        };
        let referral_entries = std::cell::RefCell::new(std::collections::BTreeSet::new());
        let note_referral_entry = |entry: &wallet::LedgerEntry| {
            referral_entries.borrow_mut().insert(entry.seq);
        };
        let orders = wallet::OrderChecks {
            check_reference: &check_reference,
            awaiting_per_method: crate::orders::awaiting_per_method(&self.store)?,
            note_invoice_entry: &note_invoice_entry,
            note_referral_entry: &note_referral_entry,
        };
        let (wallet_problems, sums) = wallet::verify(&self.store, &mark_ledger, &orders)?;
        problems.extend(wallet_problems);
        let order_payment = |id| {
            Ok(self
                .store
                .fetch::<crate::orders::Orders>(&id)?
                .and_then(|o| o.payment_seq))
        };
        problems.extend(crate::invoices::verify(
            &self.store,
            invoice_entries.take(),
            &order_payment,
        )?);
        problems.extend(crate::orders::verify(&self.store)?);
        problems.extend(crate::recommendations::verify(
            &self.store,
            crate::orders::completed_purchases(&self.store)?,
        )?);
        problems.extend(crate::referrals::verify(
            &self.store,
            &referral_entries.take(),
        )?);
        problems.extend(crate::analytics::verify(
            &self.store,
            &crate::settings::fetch(&self.store)?.time_zone,
        )?);
        let now = self.now();
        let lane_0 = marks.get(&Lane(0)).copied();
        let mark = problems.is_empty().then(|| {
            (
                Watermark {
                    audit_seq: lane_0.map_or(0, |h| h.seq),
                    audit_hash: lane_0.map_or([0; 32], |h| h.hash),
                    ledger_seq: mark_ledger.get(&Lane(0)).copied().unwrap_or(0),
                    sums,
                    at: now,
                    full_at: Some(now),
                },
                other_lanes(&marks),
                other_ledger_lanes(&mark_ledger),
            )
        });
        Ok((problems, mark))
    }

    /// The start-up check: proves, at a cost that depends on what was written since the
    /// last check rather than on the store's size, what a restart must know before the shop
    /// takes traffic. With a verified watermark (left by the last `verify()` or start-up
    /// check that found nothing) it checks:
    ///
    /// - the watermark still holds: the audit link it names in each lane of the log (one
    ///   per writer, see `store::log::Lane`) has the hash it recorded, and the lane did not
    ///   end before it;
    /// - in each lane, every audit link after it follows its predecessor and every entry
    ///   hashes to its stored hash, up to the lane's head record, which must name the last
    ///   one, with the lane's counter equal to it (a lane the watermark does not name is
    ///   checked from its first link);
    /// - in each lane of the ledger, every entry after it follows with no gap up to the
    ///   lane's counter, adds up, stays non-negative, continues its user's previous entry
    ///   (whatever lane that is in), and is named with its kind, user and amount by an audit
    ///   entry after the watermark; every user it touched ends with the balance their wallet
    ///   holds;
    /// - what approved top-ups credited (the dashboard's total) equals the watermark's TOPUP
    ///   sum plus the tail's;
    /// - the order, top-up and invoice counters against their last stored records, and each
    ///   writer's block of ids: its last id handed out is stored, nothing after it in the
    ///   block is;
    /// - [`STARTUP_SAMPLES`] older audit links of each lane picked at random hash correctly
    ///   and follow their predecessors, and as many older ledger entries of each lane add up
    ///   and continue their user's previous entry.
    ///
    /// It does not recheck what only the full `verify()` covers (orders against the state
    /// machine, stock and code pools, roll-ups, indexes, older records not sampled): run
    /// that on a schedule (the bot does) and after a restore. Without a watermark (a store
    /// never fully verified, or verified by an older version) it runs the full `verify()`,
    /// which leaves one. When it finds nothing it moves the watermark to where it ended.
    /// Run it before the shop takes traffic: a commit made during the check may show as a
    /// passing problem.
    pub fn check_startup(&self) -> Result<StartupCheck> {
        let started = std::time::Instant::now();
        let Some(mark) = self.store.fetch::<Verified>(&())? else {
            let report = self.verify()?;
            return Ok(StartupCheck {
                problems: report.problems,
                level: CheckLevel::Full,
                audit_entries: 0,
                ledger_entries: 0,
                sampled: 0,
                since: None,
                elapsed: started.elapsed(),
            });
        };
        let mut problems = Vec::new();
        let store = &self.store;
        // Each lane's verified link (lane 0's in the watermark, the others' beside it).
        let mut marks: BTreeMap<Lane, (u64, [u8; 32])> =
            BTreeMap::from([(Lane(0), (mark.audit_seq, mark.audit_hash))]);
        for (lane, head) in store.fetch::<VerifiedLanes>(&())?.unwrap_or_default() {
            let Some(lane) = Lane::numbered(lane) else {
                problems.push(format!(
                    "audit: the verified watermark names lane {lane}, which cannot be"
                ));
                continue;
            };
            marks.insert(lane, (head.seq, head.hash));
        }
        // The watermark's own links are still what they were.
        for (lane, (seq, hash)) in &marks {
            if *seq <= lane.base() {
                continue;
            }
            match audit::read_link(store, *seq)? {
                Some(link) if link.hash == *hash => {}
                Some(_) => problems.push(format!(
                    "audit: entry {seq} no longer has the hash the verified watermark recorded (altered)"
                )),
                None => problems.push(format!(
                    "audit: entry {seq} named by the verified watermark is missing (log cut)"
                )),
            }
        }
        // Each lane's tail, collecting the ledger entries it binds.
        let mut bindings: BTreeMap<u64, (String, u64)> = BTreeMap::new();
        let heads = audit::heads(store)?;
        let mut lanes: std::collections::BTreeSet<Lane> = marks.keys().copied().collect();
        lanes.extend(audit::lanes(store)?);
        let mut ends = BTreeMap::new();
        let mut audit_entries = 0;
        for lane in lanes {
            let (from, from_hash) = marks.get(&lane).copied().unwrap_or((lane.base(), [0; 32]));
            let end = audit::walk_chain(
                store,
                from.saturating_add(1),
                from_hash,
                Some(lane.last()),
                &mut problems,
                |link| {
                    if let Link::Entry(entry) = link {
                        for (seq, text) in audit::bindings_of(entry) {
                            bindings.insert(seq, (text.to_string(), entry.seq));
                        }
                    }
                },
            )?;
            audit::check_lane_end(store, lane, &end, heads.get(&lane), &mut problems)?;
            audit_entries += end.entries;
            ends.insert(
                lane,
                AuditHead {
                    seq: end.seq,
                    hash: end.hash,
                },
            );
        }
        // The ledger tail of each lane against those bindings, the wallets it touched and
        // the sums.
        let mut ledger_marks = BTreeMap::from([(Lane(0), mark.ledger_seq)]);
        for (lane, seq) in store.fetch::<VerifiedLedgerLanes>(&())?.unwrap_or_default() {
            match Lane::numbered(lane) {
                Some(lane) if Lane::of(seq) == lane => {
                    ledger_marks.insert(lane, seq);
                }
                _ => problems.push(format!(
                    "wallet: the verified watermark names entry {seq} of ledger lane {lane}, which cannot be"
                )),
            }
        }
        let tail = wallet::check_tail(
            store,
            &ledger_marks,
            mark.sums,
            &mut bindings,
            &mut problems,
        )?;
        let totals = self.store_totals()?;
        if totals.topups_usd != tail.sums.topups {
            problems.push(format!(
                "wallet: approved top-ups credited {} (statistics) but TOPUP entries sum to {}",
                totals.topups_usd, tail.sums.topups
            ));
        }
        // The order, top-up and invoice counters against the last records stored and
        // each lane's block of them.
        problems.extend(store.check_id_blocks::<crate::orders::Orders>(
            Counter::OrderSeq,
            "orders",
            "order",
            None,
        )?);
        problems.extend(store.check_id_blocks::<wallet::Topups>(
            Counter::TopupSeq,
            "top-ups",
            "top-up",
            None,
        )?);
        problems.extend(store.check_id_blocks::<crate::invoices::Invoices>(
            Counter::InvoiceSeq,
            "invoices",
            "invoice",
            None,
        )?);
        // A random sample of older links and entries.
        let mut sampled = 0;
        let mut seed = sample_seed();
        for (lane, (seq, _)) in &marks {
            let verified = seq.saturating_sub(lane.base());
            if verified == 0 {
                continue;
            }
            for _ in 0..STARTUP_SAMPLES {
                let seq = lane.base() + 1 + next_random(&mut seed) % verified;
                sample_link(store, seq, &mut problems)?;
                sampled += 1;
            }
        }
        for (lane, seq) in &ledger_marks {
            let verified = seq.saturating_sub(lane.base());
            if verified == 0 {
                continue;
            }
            for _ in 0..STARTUP_SAMPLES {
                let seq = lane.base() + 1 + next_random(&mut seed) % verified;
                wallet::check_sample(store, seq, &mut problems)?;
                sampled += 1;
            }
        }
        let moved = ends
            .iter()
            .any(|(lane, end)| marks.get(lane).is_none_or(|(seq, _)| *seq != end.seq))
            || tail
                .last
                .iter()
                .any(|(lane, seq)| ledger_marks.get(lane).unwrap_or(&lane.base()) != seq);
        if problems.is_empty() && moved {
            let lane_0 = ends.get(&Lane(0)).copied();
            self.advance_watermark(
                Watermark {
                    audit_seq: lane_0.map_or(0, |h| h.seq),
                    audit_hash: lane_0.map_or([0; 32], |h| h.hash),
                    ledger_seq: tail.last.get(&Lane(0)).copied().unwrap_or(0),
                    sums: tail.sums,
                    at: self.now(),
                    full_at: mark.full_at,
                },
                other_lanes(&ends),
                other_ledger_lanes(&tail.last),
            )?;
        }
        Ok(StartupCheck {
            problems,
            level: CheckLevel::Tail,
            audit_entries,
            ledger_entries: tail.entries,
            sampled,
            since: mark.full_at,
            elapsed: started.elapsed(),
        })
    }

    /// When the full `verify()` last found the shop healthy (`None`: never, or not since
    /// this version records it).
    pub fn last_full_verify(&self) -> Result<Option<Timestamp>> {
        Ok(self.store.fetch::<Verified>(&())?.and_then(|m| m.full_at))
    }

    /// Forgets the verified watermark, so that the next [`Shop::check_startup`] is the full
    /// `verify()`: after a migration, which rewrites records the watermark vouched for.
    pub(crate) fn forget_watermark(&self) -> Result<()> {
        self.store.transact(self.now(), |tx| {
            tx.delete::<Verified>(&())?;
            tx.delete::<VerifiedLanes>(&())?;
            tx.delete::<VerifiedLedgerLanes>(&())?;
            Ok(())
        })
    }

    fn store_totals(&self) -> Result<crate::analytics::Totals> {
        Ok(crate::analytics::read_totals(&self.store)?)
    }

    /// Records `mark`, with the other lanes' verified links, unless a later one is already
    /// recorded (one whose lane 0 link is further on), in one transaction: the ledger part
    /// of the watermark holds with the links it was found with.
    fn advance_watermark(
        &self,
        mark: Watermark,
        lanes: LaneMarks,
        ledger_lanes: BTreeMap<u64, u64>,
    ) -> std::result::Result<(), StoreError> {
        self.store.transact(self.now(), |tx| {
            let current: Option<Watermark> = tx.load::<Verified>(&())?;
            match current {
                Some(current) if current.audit_seq > mark.audit_seq => {
                    tx.save::<Verified>(
                        &(),
                        &Watermark {
                            full_at: mark.full_at.or(current.full_at),
                            ..current
                        },
                    )?;
                }
                current => {
                    tx.save::<Verified>(
                        &(),
                        &Watermark {
                            full_at: mark.full_at.or(current.and_then(|c| c.full_at)),
                            ..mark.clone()
                        },
                    )?;
                    if lanes.is_empty() {
                        tx.delete::<VerifiedLanes>(&())?;
                    } else {
                        tx.save::<VerifiedLanes>(&(), &lanes)?;
                    }
                    if ledger_lanes.is_empty() {
                        tx.delete::<VerifiedLedgerLanes>(&())?;
                    } else {
                        tx.save::<VerifiedLedgerLanes>(&(), &ledger_lanes)?;
                    }
                }
            }
            Ok(())
        })
    }

    /// A digest of every record except the audit log: equal digests before and after an
    /// operation prove it changed nothing else. For tests and tooling.
    #[doc(hidden)]
    pub fn state_digest(&self) -> Result<[u8; 32]> {
        Ok(self.store.state_digest()?)
    }
}

/// How much the start-up check covered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum CheckLevel {
    /// There was no verified watermark: the full `verify()` ran.
    Full,
    /// What followed the verified watermark, and a sample of what preceded it.
    Tail,
}

/// The result of [`Shop::check_startup`].
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct StartupCheck {
    /// One line per violated invariant (as in [`VerifyReport`]); empty when healthy.
    pub problems: Vec<String>,
    /// Whether the tail after the watermark or the whole store was checked.
    pub level: CheckLevel,
    /// Audit entries checked after the watermark.
    pub audit_entries: u64,
    /// Ledger entries checked after the watermark.
    pub ledger_entries: u64,
    /// Older audit links and ledger entries checked at random.
    pub sampled: u32,
    /// When the full `verify()` last passed, as the watermark recorded it.
    pub since: Option<Timestamp>,
    /// How long the check took.
    #[serde(skip)]
    pub elapsed: std::time::Duration,
}

impl StartupCheck {
    /// No problem was found.
    pub fn is_healthy(&self) -> bool {
        self.problems.is_empty()
    }
}

impl fmt::Display for StartupCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.level {
            CheckLevel::Full => write!(f, "full check (no verified watermark yet)")?,
            CheckLevel::Tail => write!(
                f,
                "{} audit and {} ledger entries after the watermark, {} older ones sampled",
                self.audit_entries, self.ledger_entries, self.sampled
            )?,
        }
        write!(f, " in {:.3} s: ", self.elapsed.as_secs_f64())?;
        if self.problems.is_empty() {
            return f.write_str("healthy");
        }
        writeln!(f, "{} problem(s):", self.problems.len())?;
        for p in &self.problems {
            writeln!(f, "- {p}")?;
        }
        Ok(())
    }
}

/// Checks one older audit link: it hashes to what it says and follows its predecessor.
fn sample_link(
    store: &crate::store::Store,
    seq: u64,
    problems: &mut Vec<String>,
) -> std::result::Result<(), StoreError> {
    let Some(link) = audit::read_link(store, seq)? else {
        problems.push(format!("audit: entry {seq} is missing (entries missing)"));
        return Ok(());
    };
    if let Some(entry) = &link.entry
        && (entry.seq != seq || entry.compute_hash()? != link.hash)
    {
        problems.push(format!("audit: entry {seq} was altered (hash mismatch)"));
    }
    let expected = if seq == Lane::of(seq).base() + 1 {
        Some([0; 32])
    } else {
        audit::read_link(store, seq - 1)?.map(|link| link.hash)
    };
    if expected != Some(link.prev_hash) {
        problems.push(format!(
            "audit: entry {seq} does not follow its predecessor (chain broken)"
        ));
    }
    Ok(())
}

/// A seed that differs between runs (the sample must not be predictable from the store).
fn sample_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    hasher.finish()
}

/// splitmix64.
fn next_random(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
