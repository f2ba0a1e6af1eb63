//! The single writer. Transaction bodies run one at a time, in the order their callers
//! arrived, each exactly once, against its own overlay of writes stacked on the *pending
//! batch*: the writes of the bodies before it that are not applied to sled yet. A body that
//! succeeds adds its overlay to the pending batch; one that fails leaves nothing. When no
//! caller is waiting for the writer (or the batch is full), the body that just ran applies
//! the pending batch to sled as one `apply_batch` — atomic, also across a crash — and every
//! body in it learns the outcome; then group commit (`durability`) makes it durable with one
//! flush for all of them.
//!
//! Why a writer and not sled's transactions: sled 0.34 runs every transaction under one
//! process-wide write lock anyway, tracks conflicts and may run a body again; here a body
//! runs once, sled's lock is taken once per batch instead of once per body, and a key that
//! several bodies of a batch write (counters, the audit head, roll-ups, stock) is written to
//! sled once.
//!
//! Why the bodies run on their callers' threads, handed the writer in turn (a FIFO lock),
//! rather than on a writer thread: a body borrows its caller's data (`Fn(&Tx)` closures over
//! references), which a thread of our own could only run through `unsafe` lifetime erasure;
//! and on this project's 2-core machines a handoff to another thread costs a wake-up per
//! body. Handing over in arrival order (not a plain mutex, which lets a newcomer barge
//! ahead of a waiter) keeps the tail latency bounded: measured, a plain mutex in front of
//! sled raised the durable order p99 by half.
//!
//! Every body that could have seen pending writes waits for the batch's outcome before it
//! answers: a failed `apply_batch` then fails it too, so nothing is reported that never
//! reached sled.

use super::StoreError;
use super::durability::GroupCommit;
use super::engine::Engine;
use sled::IVec;
use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::Thread;

/// Writes keyed by full (prefixed) key: `Some(bytes)` puts, `None` removes. Keys are `IVec`s:
/// most are at most 22 bytes and then live inline, and they move into the sled batch as they
/// are, so a key is allocated (if at all) once, by the body that wrote it.
pub(crate) type Writes = BTreeMap<IVec, Option<IVec>>;

/// At most this many bodies share one batch, so the first of them never waits for more than
/// this many others to run.
const BATCH_BODIES_MAX: usize = 64;
/// A batch is applied once its writes hold this many bytes (keys and values), bounding the
/// memory a batch holds and the time sled's lock is held to apply it.
const BATCH_BYTES_MAX: usize = 4 * 1024 * 1024;

/// What the store counts about its writes, for benchmarks ([`crate::Shop::store_counters`]).
#[doc(hidden)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct StoreCounters {
    /// Transaction bodies run, read-only and refused ones included (on PostgreSQL a body
    /// run again after a conflict counts again).
    pub transactions: u64,
    /// Bodies whose writes were applied.
    pub commits: u64,
    /// Batches applied to sled (`apply_batch` calls), each of one or more commits.
    pub batches: u64,
    /// Keys written to sled (inserted or removed), summed over batches: a key that several
    /// commits of one batch write counts once.
    pub sled_writes: u64,
    /// Keys written by the committed bodies, summed over bodies: what `sled_writes` would be
    /// with one batch per commit.
    pub body_writes: u64,
    /// Batches that found, when they committed, a record they read changed by another
    /// process (PostgreSQL), and whose bodies therefore ran again.
    pub conflicts: u64,
    /// Batches that compared what they read with the database because another process had
    /// committed since (PostgreSQL; a writer alone compares nothing).
    pub compared: u64,
}

#[derive(Debug, Default)]
struct Counters {
    transactions: AtomicU64,
    commits: AtomicU64,
    batches: AtomicU64,
    sled_writes: AtomicU64,
    body_writes: AtomicU64,
    by_tag: TagCounts,
}

/// Keys written to sled per table tag (the last slot takes any tag beyond it).
#[derive(Debug)]
struct TagCounts([AtomicU64; 64]);

impl Default for TagCounts {
    fn default() -> TagCounts {
        TagCounts(std::array::from_fn(|_| AtomicU64::new(0)))
    }
}

/// The writer: a FIFO handoff of the right to run a body, and the pending batch.
#[derive(Debug, Default)]
pub(crate) struct Writer {
    queue: Mutex<Queue>,
    pending: Mutex<Pending>,
    counters: Counters,
}

#[derive(Debug, Default)]
struct Queue {
    /// Someone holds the writer.
    busy: bool,
    /// Callers waiting for it, in arrival order.
    waiting: VecDeque<Arc<Waiter>>,
}

#[derive(Debug)]
struct Waiter {
    thread: Thread,
    granted: AtomicBool,
}

/// The writes run but not yet applied, and who waits for them.
#[derive(Debug, Default)]
struct Pending {
    writes: Writes,
    bytes: usize,
    /// Bodies waiting for this batch's outcome.
    bodies: usize,
    /// Of those, bodies that wrote.
    commits: u64,
    /// Keys the committed bodies wrote, before merging.
    body_writes: u64,
    outcome: Arc<Outcome>,
}

/// A batch's outcome: its commit number once applied, or why applying failed.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    result: Mutex<Option<Result<u64, StoreError>>>,
    ready: Condvar,
}

impl Outcome {
    fn set(&self, result: Result<u64, StoreError>) {
        *lock(&self.result) = Some(result);
        self.ready.notify_all();
    }

    /// Waits for the batch to be applied; returns its commit number.
    pub(crate) fn wait(&self) -> Result<u64, StoreError> {
        let mut result = lock(&self.result);
        loop {
            if let Some(result) = result.as_ref() {
                return result.clone();
            }
            result = self
                .ready
                .wait(result)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
    }
}

/// How a body that has run joins the pending batch.
pub(crate) enum Join {
    /// It does not: it saw no pending write, or (when it failed) its answer does not depend
    /// on one.
    No,
    /// It saw pending writes and must not answer before they are applied.
    Reader,
    /// It succeeded and wrote these.
    Writes(Writes),
}

/// The right to run one body, held from [`Writer::turn`] until [`Turn::end`] (or until
/// dropped, when the body panicked).
pub(crate) struct Turn<'a> {
    writer: &'a Writer,
    engine: &'a Engine,
    group: &'a GroupCommit,
    pending: Option<MutexGuard<'a, Pending>>,
}

impl Writer {
    /// Waits for the writer, in arrival order.
    pub(crate) fn turn<'a>(&'a self, engine: &'a Engine, group: &'a GroupCommit) -> Turn<'a> {
        let mut queue = lock(&self.queue);
        if queue.busy {
            let waiter = Arc::new(Waiter {
                thread: std::thread::current(),
                granted: AtomicBool::new(false),
            });
            queue.waiting.push_back(waiter.clone());
            drop(queue);
            // `park` may return spuriously: the grant is the flag.
            while !waiter.granted.load(Ordering::Acquire) {
                std::thread::park();
            }
        } else {
            queue.busy = true;
            drop(queue);
        }
        self.counters.transactions.fetch_add(1, Ordering::Relaxed);
        Turn {
            writer: self,
            engine,
            group,
            pending: Some(lock(&self.pending)),
        }
    }

    pub(crate) fn counters(&self) -> StoreCounters {
        let c = &self.counters;
        StoreCounters {
            transactions: c.transactions.load(Ordering::Relaxed),
            commits: c.commits.load(Ordering::Relaxed),
            batches: c.batches.load(Ordering::Relaxed),
            sled_writes: c.sled_writes.load(Ordering::Relaxed),
            body_writes: c.body_writes.load(Ordering::Relaxed),
            conflicts: 0,
            compared: 0,
        }
    }

    /// Keys written to sled so far per table tag, for benchmarks.
    pub(crate) fn writes_by_tag(&self) -> Vec<(u8, u64)> {
        (0u8..64)
            .zip(&self.counters.by_tag.0)
            .map(|(tag, n)| (tag, n.load(Ordering::Relaxed)))
            .filter(|(_, n)| *n > 0)
            .collect()
    }

    /// Passes the writer to the next caller in line, or frees it.
    fn release(&self) {
        let mut queue = lock(&self.queue);
        match queue.waiting.pop_front() {
            Some(next) => {
                drop(queue);
                grant(&next);
            }
            None => queue.busy = false,
        }
    }
}

fn grant(waiter: &Waiter) {
    waiter.granted.store(true, Ordering::Release);
    waiter.thread.unpark();
}

impl Turn<'_> {
    /// The writes of earlier bodies that are not applied yet; the body reads through them.
    pub(crate) fn pending_writes(&self) -> &Writes {
        match &self.pending {
            Some(pending) => &pending.writes,
            None => unreachable!("a turn holds the pending batch until it ends"),
        }
    }

    /// Ends the turn: joins the body to the pending batch as `join` says, applies the batch
    /// when nobody else is waiting for the writer (or it is full), and passes the writer on.
    /// Returns the batch's outcome for a body that joined it.
    pub(crate) fn end(mut self, join: Join) -> Option<Arc<Outcome>> {
        self.finish(join)
    }

    fn finish(&mut self, join: Join) -> Option<Arc<Outcome>> {
        let mut pending = self.pending.take()?;
        let outcome = match join {
            Join::No => None,
            Join::Reader => {
                pending.bodies += 1;
                Some(pending.outcome.clone())
            }
            Join::Writes(writes) => {
                pending.bodies += 1;
                pending.commits += 1;
                pending.body_writes += u64::try_from(writes.len()).unwrap_or(u64::MAX);
                for (key, value) in writes {
                    pending.bytes += key.len() + value.as_ref().map_or(0, |v| v.len());
                    pending.writes.insert(key, value);
                }
                Some(pending.outcome.clone())
            }
        };
        if pending.bodies > 0 {
            let full = pending.bodies >= BATCH_BODIES_MAX || pending.bytes >= BATCH_BYTES_MAX;
            let mut queue = lock(&self.writer.queue);
            if !full && let Some(next) = queue.waiting.pop_front() {
                // The next body runs on top of this batch; whoever ends the batch applies it.
                drop(queue);
                drop(pending);
                grant(&next);
                return outcome;
            }
            drop(queue);
            self.apply(&mut pending);
        } else {
            // Nothing to apply: the engine's turn (a database transaction holding the other
            // processes' writers out) ends here.
            self.engine.end_turn();
        }
        drop(pending);
        self.writer.release();
        outcome
    }

    /// Applies the pending batch as one atomic sled batch, numbers it for group commit and
    /// tells its bodies.
    fn apply(&self, pending: &mut Pending) {
        let batch = std::mem::take(pending);
        let keys = u64::try_from(batch.writes.len()).unwrap_or(u64::MAX);
        let mut by_tag = [0u64; 64];
        for key in batch.writes.keys() {
            let tag = key.first().map_or(0, |t| usize::from(*t).min(63));
            by_tag[tag] += 1;
        }
        let result = self
            .engine
            .apply(batch.writes)
            .map(|()| self.group.number_commit());
        if result.is_ok() {
            let c = &self.writer.counters;
            c.commits.fetch_add(batch.commits, Ordering::Relaxed);
            c.batches.fetch_add(1, Ordering::Relaxed);
            c.sled_writes.fetch_add(keys, Ordering::Relaxed);
            c.body_writes
                .fetch_add(batch.body_writes, Ordering::Relaxed);
            for (count, n) in c.by_tag.0.iter().zip(by_tag) {
                if n > 0 {
                    count.fetch_add(n, Ordering::Relaxed);
                }
            }
        }
        batch.outcome.set(result);
    }
}

impl Drop for Turn<'_> {
    /// A body that panicked leaves nothing, but the bodies before it in the batch still get
    /// their outcome and the writer passes on.
    fn drop(&mut self) {
        self.finish(Join::No);
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every structure behind these locks is updated in whole steps under the lock (a body
    // runs on its own overlay, never on the pending batch), so a panic elsewhere can't leave
    // one half-written and a poisoned lock is still usable.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::super::{Store, StoreError, Table, Tx};
    use super::lock;
    use crate::clock::Timestamp;
    use std::sync::Mutex;
    use std::time::Duration;

    const T: Table = Table::Sessions;

    fn store() -> (tempfile::TempDir, Store) {
        Store::temporary(Default::default())
    }

    fn waiting(store: &Store) -> usize {
        lock(&store.writer.queue).waiting.len()
    }

    /// Waits until `n` callers wait for the writer.
    fn until_waiting(store: &Store, n: usize) {
        for _ in 0..5_000 {
            if waiting(store) == n {
                return;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        panic!("{} callers wait, not {n}", waiting(store));
    }

    fn transact<T>(
        store: &Store,
        body: impl FnOnce(&Tx<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        // A body runs again only after a conflict with another process's commit, which a
        // sled store never has.
        let body = std::cell::Cell::new(Some(body));
        store.transact(Timestamp(0), |tx| {
            body.take().expect("a body runs once on sled")(tx)
        })
    }

    type Body<'a> = Box<dyn FnOnce(&Tx<'_>) -> Result<(), StoreError> + Send + 'a>;

    /// Runs `first` while `later` callers arrive one after another and queue for the
    /// writer; returns each caller's result, in arrival order.
    fn batch_of(
        store: &Store,
        first: impl FnOnce(&Tx<'_>) -> Result<(), StoreError> + Send,
        later: Vec<Body<'_>>,
    ) -> Vec<std::thread::Result<Result<(), StoreError>>> {
        let count = later.len();
        std::thread::scope(|scope| {
            let (started, running) = std::sync::mpsc::channel();
            let mut handles = vec![scope.spawn(move || {
                transact(store, |tx| {
                    started.send(()).unwrap();
                    // Hold the writer until every later caller waits for it.
                    until_waiting(store, count);
                    first(tx)
                })
            })];
            running.recv().unwrap();
            for (i, body) in later.into_iter().enumerate() {
                handles.push(scope.spawn(move || transact(store, body)));
                // The next caller arrives only once this one waits (so arrival order is
                // known). After the last, the first body goes on and the queue drains.
                if i + 1 < count {
                    until_waiting(store, i + 1);
                }
            }
            handles.into_iter().map(|h| h.join()).collect()
        })
    }

    #[test]
    fn bodies_queued_behind_one_share_its_batch_and_flush_and_run_in_arrival_order() {
        let (_dir, store) = store();
        let ran = Mutex::new(Vec::new());
        let before = store.counters();
        let flushes = store.flush_count();
        let ran_ref = &ran;
        let later: Vec<Body<'_>> = (1..4u8)
            .map(|i| {
                Box::new(move |tx: &Tx<'_>| {
                    ran_ref.lock().unwrap().push(i);
                    // Each body sees the writes of the bodies before it, not yet applied.
                    let previous: Option<u8> = tx.get(T, &[i - 1])?;
                    assert_eq!(previous, Some(i - 1));
                    tx.put(T, &[i], &i)?;
                    tx.put(T, b"hot", &i) // a key every body writes
                }) as Body<'_>
            })
            .collect();
        let results = batch_of(
            &store,
            |tx| {
                ran.lock().unwrap().push(0);
                tx.put(T, &[0], &0u8)?;
                tx.put(T, b"hot", &0u8)
            },
            later,
        );
        assert!(results.iter().all(|r| matches!(r, Ok(Ok(())))));
        assert_eq!(*ran.lock().unwrap(), [0, 1, 2, 3]);
        let after = store.counters();
        assert_eq!(after.commits - before.commits, 4);
        assert_eq!(after.batches - before.batches, 1);
        assert_eq!(after.body_writes - before.body_writes, 8);
        assert_eq!(
            after.sled_writes - before.sled_writes,
            5,
            "the hot key once"
        );
        assert_eq!(store.flush_count() - flushes, 1, "one flush for the batch");
        for i in 0..4u8 {
            assert_eq!(store.read::<u8>(T, &[i]).unwrap(), Some(i));
        }
        assert_eq!(store.read::<u8>(T, b"hot").unwrap(), Some(3));
    }

    #[test]
    fn a_failing_body_in_a_batch_leaves_nothing_and_the_others_commit() {
        let (_dir, store) = store();
        let results = batch_of(
            &store,
            |tx| tx.put(T, b"a", &1u8),
            vec![
                Box::new(|tx: &Tx<'_>| {
                    // It saw the pending write, then fails: its writes are dropped.
                    assert_eq!(tx.get::<u8>(T, b"a")?, Some(1));
                    tx.put(T, b"b", &2u8)?;
                    tx.remove(T, b"a")?;
                    Err(StoreError::Encode {
                        reason: "refused".into(),
                    })
                }),
                Box::new(|tx: &Tx<'_>| {
                    assert_eq!(tx.get::<u8>(T, b"b")?, None);
                    assert_eq!(tx.get::<u8>(T, b"a")?, Some(1));
                    tx.put(T, b"c", &3u8)
                }),
            ],
        );
        assert!(matches!(results[0], Ok(Ok(()))));
        assert!(matches!(results[1], Ok(Err(StoreError::Encode { .. }))));
        assert!(matches!(results[2], Ok(Ok(()))));
        assert_eq!(store.read::<u8>(T, b"a").unwrap(), Some(1));
        assert_eq!(store.read::<u8>(T, b"b").unwrap(), None);
        assert_eq!(store.read::<u8>(T, b"c").unwrap(), Some(3));
    }

    #[test]
    fn a_panicking_body_in_a_batch_leaves_nothing_and_blocks_nobody() {
        let (_dir, store) = store();
        let results = batch_of(
            &store,
            |tx| tx.put(T, b"a", &1u8),
            vec![
                Box::new(|tx: &Tx<'_>| {
                    tx.put(T, b"b", &2u8)?;
                    panic!("a bug in a body");
                }),
                Box::new(|tx: &Tx<'_>| tx.put(T, b"c", &3u8)),
            ],
        );
        assert!(matches!(results[0], Ok(Ok(()))));
        assert!(results[1].is_err(), "the body panicked");
        assert!(matches!(results[2], Ok(Ok(()))));
        assert_eq!(store.read::<u8>(T, b"a").unwrap(), Some(1));
        assert_eq!(store.read::<u8>(T, b"b").unwrap(), None);
        assert_eq!(store.read::<u8>(T, b"c").unwrap(), Some(3));
        // The writer is free again.
        transact(&store, |tx| tx.put(T, b"d", &4u8)).unwrap();
        // A body that panics while nothing else is pending leaves the writer free too.
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            transact(&store, |_| -> Result<(), StoreError> { panic!("again") })
        }));
        assert!(panicked.is_err());
        transact(&store, |tx| tx.put(T, b"e", &5u8)).unwrap();
        assert_eq!(store.read::<u8>(T, b"e").unwrap(), Some(5));
    }

    #[test]
    fn a_deferred_call_commits_without_flushing_and_says_what_to_wait_for() {
        let (_dir, store) = store();
        let flushes = store.flush_count();
        let ((), need) = store.deferring(|| {
            transact(&store, |tx| tx.put(T, b"a", &1u8)).unwrap();
            // The next transaction of the same call sees the commit.
            let a = transact(&store, |tx| tx.get::<u8>(T, b"a")).unwrap();
            assert_eq!(a, Some(1));
        });
        assert_eq!(
            store.flush_count(),
            flushes,
            "the call itself did not flush"
        );
        assert!(!need.is_nothing(), "the commit is not durable yet");
        // Another thread, not deferring, waits as usual.
        std::thread::scope(|scope| {
            scope
                .spawn(|| transact(&store, |tx| tx.put(T, b"b", &2u8)).unwrap())
                .join()
                .unwrap();
        });
        let after_other = store.flush_count();
        assert!(after_other > flushes);
        // Waiting for the need needs no flush now (the other caller's covered it)...
        store.wait_durable(need).unwrap();
        assert_eq!(store.flush_count(), after_other);
        // ...and a need made after that is met by one more.
        let ((), need) = store.deferring(|| transact(&store, |tx| tx.put(T, b"c", &3u8)).unwrap());
        assert!(!need.is_nothing());
        store.wait_durable(need).unwrap();
        assert_eq!(store.flush_count(), after_other + 1);
        // A deferred read with nothing pending needs nothing.
        let (_, need) = store.deferring(|| store.read_barrier().unwrap());
        assert!(need.is_nothing());
    }

    #[test]
    fn a_body_reads_its_own_writes_and_removing_an_absent_key_writes_nothing() {
        let (_dir, store) = store();
        let before = store.counters();
        let removed = transact(&store, |tx| {
            assert!(!tx.remove(T, b"absent")?);
            tx.put(T, b"k", &7u8)?;
            assert_eq!(tx.get::<u8>(T, b"k")?, Some(7));
            assert!(tx.contains_key(T, b"k")?);
            assert!(tx.remove(T, b"k")?);
            assert!(!tx.contains_key(T, b"k")?);
            tx.put(T, b"index", &())?;
            tx.next_id(crate::store::Counter::BroadcastSeq)
        })
        .unwrap();
        assert_eq!(removed, 1);
        let after = store.counters();
        assert_eq!(after.commits - before.commits, 1);
        // `k` put then removed (a removal of a key sled does not hold), the index key and
        // the counter: the absent key's removal is not among them.
        assert_eq!(after.sled_writes - before.sled_writes, 3);
        assert_eq!(store.read::<u8>(T, b"k").unwrap(), None);
        assert!(store.read::<()>(T, b"index").unwrap().is_some());
        // A read-only body commits nothing.
        transact(&store, |tx| tx.get::<u8>(T, b"k")).unwrap();
        assert_eq!(store.counters().commits, after.commits);
        assert_eq!(store.counters().transactions - after.transactions, 1);
    }
}
