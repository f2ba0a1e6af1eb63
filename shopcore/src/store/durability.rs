//! Group commit: a mutating call returns only after a flush that started after its
//! transaction committed, and concurrent callers share flushes; a call that only read but
//! reports committed state (a replayed request key, a refusal, a balance) returns only after
//! a flush that started after it read, unless nothing can be pending.
//!
//! Each applied batch of commits (see `writer`) takes a number (`committed` grows by one per
//! batch, and every transaction in the batch waits for that number). A flush
//! that starts when `committed == n` makes every commit `<= n` durable; since a flush writes
//! sled's whole log up to that moment, it also covers every commit any transaction that
//! ended before the flush started could have seen. At most one flush runs at a time; callers
//! that arrive during a flush wait for it and, if it did not cover them, one of them starts
//! the next flush, covering everyone who committed in the meantime. With k concurrent callers
//! that is about one flush per k commits.
//!
//! Every transaction is counted in `in_flight` from before it starts until after its commit
//! is numbered, so a reader that sees no transaction in flight and every numbered commit
//! durable knows that what it read is on disk, and returns without a flush.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};

#[derive(Debug, Default)]
struct State {
    /// Every commit up to this number is on disk.
    durable: u64,
    /// A flush is running.
    flushing: bool,
    /// Flushes started so far (the running one included).
    started: u64,
    /// The newest flush (by start order) that succeeded.
    succeeded: u64,
}

/// A transaction in flight, taken before it starts. Dropped without
/// [`GroupCommit::finish`] (the transaction panicked or the policy does not wait), it still
/// leaves the count.
#[derive(Debug)]
pub(crate) struct Ticket<'a> {
    group: &'a GroupCommit,
    open: bool,
}

impl Ticket<'_> {
    fn close(&mut self) {
        if self.open {
            self.open = false;
            self.group.in_flight.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

impl Drop for Ticket<'_> {
    fn drop(&mut self) {
        self.close();
    }
}

/// What an answer waits for before it may be given: every commit up to `commit` durable,
/// and a flush numbered `flush` or later (by start order) succeeded. The default needs
/// nothing. Needs merge by taking the larger of each.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Need {
    commit: u64,
    flush: u64,
}

impl Need {
    /// Both needs at once.
    pub(crate) fn and(self, other: Need) -> Need {
        Need {
            commit: self.commit.max(other.commit),
            flush: self.flush.max(other.flush),
        }
    }

    /// Nothing is needed.
    pub(crate) fn is_nothing(self) -> bool {
        self == Need::default()
    }
}

#[derive(Debug, Default)]
pub(crate) struct GroupCommit {
    committed: AtomicU64,
    in_flight: AtomicU64,
    state: Mutex<State>,
    flushed: Condvar,
    flushes: AtomicU64,
}

impl GroupCommit {
    /// Counts a transaction in flight before it starts.
    pub(crate) fn begin(&self) -> Ticket<'_> {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        Ticket {
            group: self,
            open: true,
        }
    }

    /// Numbers a commit that has just been applied (one number per applied batch) and
    /// returns its number. Called before the tickets of the transactions in it close, so a
    /// reader that sees no transaction in flight sees this number.
    pub(crate) fn number_commit(&self) -> u64 {
        self.committed.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// Called by a transaction whose writes were applied as commit `number`: returns once
    /// that commit is durable. Runs `flush` itself when no running flush covers it. (The
    /// store does this in two steps, so a deferred call can wait later: `commit_need`,
    /// `wait_for`.)
    #[cfg(test)]
    fn finish_commit<E>(
        &self,
        ticket: Ticket<'_>,
        number: u64,
        flush: impl Fn() -> Result<(), E>,
    ) -> Result<(), E> {
        let need = self.commit_need(ticket, number);
        self.wait_for(need, flush)
    }

    /// Called by a transaction that only read, once it has ended: returns once everything
    /// it could have seen is durable (at once when nothing is pending). Runs `flush` itself
    /// when no running flush covers the caller.
    #[cfg(test)]
    fn finish_read<E>(
        &self,
        ticket: Ticket<'_>,
        flush: impl Fn() -> Result<(), E>,
    ) -> Result<(), E> {
        let need = self.read_need(ticket);
        self.wait_for(need, flush)
    }

    /// What a transaction whose writes were applied as commit `number` needs before it
    /// answers: that commit durable. Closes its ticket.
    pub(crate) fn commit_need(&self, mut ticket: Ticket<'_>, number: u64) -> Need {
        ticket.close();
        Need {
            commit: number,
            flush: 0,
        }
    }

    /// What a transaction that only read needs before it answers, once it has ended:
    /// nothing when nothing is pending, else a flush that starts from now on (it covers
    /// whatever the read saw). Closes its ticket.
    pub(crate) fn read_need(&self, mut ticket: Ticket<'_>) -> Need {
        ticket.close();
        let state = lock(&self.state);
        if self.in_flight.load(Ordering::SeqCst) == 0
            && state.durable >= self.committed.load(Ordering::SeqCst)
        {
            return Need::default(); // nothing this read could have seen is unflushed
        }
        Need {
            commit: 0,
            flush: state.started + 1,
        }
    }

    /// Returns once `need` is met, starting flushes while none is running.
    pub(crate) fn wait_for<E>(
        &self,
        need: Need,
        flush: impl Fn() -> Result<(), E>,
    ) -> Result<(), E> {
        self.wait(flush, |state, _| {
            state.durable >= need.commit && state.succeeded >= need.flush
        })
    }

    /// Waits until `done` holds, starting flushes while none is running.
    fn wait<E>(
        &self,
        flush: impl Fn() -> Result<(), E>,
        done: impl Fn(&State, ()) -> bool,
    ) -> Result<(), E> {
        let mut state = lock(&self.state);
        loop {
            if done(&state, ()) {
                return Ok(());
            }
            if state.flushing {
                state = self
                    .flushed
                    .wait(state)
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
                continue;
            }
            state.flushing = true;
            state.started += 1;
            let generation = state.started;
            // Everything committed up to now is covered by the flush we are about to start.
            let covered = self.committed.load(Ordering::SeqCst);
            drop(state);
            let result = flush();
            self.flushes.fetch_add(1, Ordering::Relaxed);
            state = lock(&self.state);
            state.flushing = false;
            if result.is_ok() {
                state.durable = state.durable.max(covered);
                state.succeeded = state.succeeded.max(generation);
            }
            self.flushed.notify_all();
            // On failure, report it to this caller; waiters retry the flush themselves.
            result?;
        }
    }

    /// How many flushes have run (for tests and metrics).
    pub(crate) fn flush_count(&self) -> u64 {
        self.flushes.load(Ordering::Relaxed)
    }
}

fn lock(mutex: &Mutex<State>) -> MutexGuard<'_, State> {
    // The state is plain fields updated under the lock; a panic elsewhere cannot leave it
    // half-written, so a poisoned lock is still usable.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::AtomicUsize;
    use std::time::Duration;

    fn commit(group: &GroupCommit, flush: impl Fn() -> Result<(), ()>) -> Result<(), ()> {
        let ticket = group.begin();
        let number = group.number_commit();
        group.finish_commit(ticket, number, flush)
    }

    #[test]
    fn one_caller_flushes_every_time() {
        let group = GroupCommit::default();
        for _ in 0..5 {
            commit(&group, || Ok(())).unwrap();
        }
        assert_eq!(group.flush_count(), 5);
    }

    #[test]
    fn a_reader_with_nothing_pending_does_not_flush() {
        let group = GroupCommit::default();
        commit(&group, || Ok(())).unwrap();
        let reader = group.begin();
        group.finish_read(reader, || Err::<(), _>(())).unwrap();
        assert_eq!(group.flush_count(), 1);
    }

    #[test]
    fn concurrent_callers_share_flushes() {
        let group = Arc::new(GroupCommit::default());
        let calls = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..16)
            .map(|_| {
                let group = group.clone();
                let calls = calls.clone();
                std::thread::spawn(move || {
                    for _ in 0..20 {
                        commit(&group, || {
                            calls.fetch_add(1, Ordering::SeqCst);
                            std::thread::sleep(Duration::from_millis(2));
                            Ok(())
                        })
                        .unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let flushes = calls.load(Ordering::SeqCst);
        assert!(flushes < 320, "16x20 commits took {flushes} flushes");
        let state = lock(&group.state);
        assert_eq!(state.durable, 320);
    }

    #[test]
    fn a_failed_flush_is_reported_and_not_counted_durable() {
        let group = GroupCommit::default();
        assert_eq!(commit(&group, || Err(())), Err(()));
        assert_eq!(lock(&group.state).durable, 0);
        commit(&group, || Ok(())).unwrap();
        assert_eq!(lock(&group.state).durable, 2);
    }

    #[test]
    fn a_reader_waits_for_the_commit_it_saw() {
        // A writer committed and is flushing (slowly); a reader that ends after that commit
        // must not return before the flush does.
        let group = GroupCommit::default();
        let flushed = std::sync::atomic::AtomicBool::new(false);
        let writer_ticket = group.begin();
        let reader_ticket = group.begin();
        std::thread::scope(|scope| {
            let writer = scope.spawn(|| {
                let number = group.number_commit();
                group
                    .finish_commit(writer_ticket, number, || {
                        std::thread::sleep(Duration::from_millis(100));
                        flushed.store(true, Ordering::SeqCst);
                        Ok::<(), ()>(())
                    })
                    .unwrap();
            });
            // Whoever flushes (the writer, or the reader itself) makes the commit durable.
            group
                .finish_read(reader_ticket, || {
                    flushed.store(true, Ordering::SeqCst);
                    Ok::<(), ()>(())
                })
                .unwrap();
            assert!(
                flushed.load(Ordering::SeqCst),
                "the reader returned before the commit it could see was durable"
            );
            writer.join().unwrap();
        });
    }

    #[test]
    fn a_panicking_transaction_does_not_block_others() {
        let group = GroupCommit::default();
        let lost = group.begin();
        drop(lost);
        commit(&group, || Ok(())).unwrap();
        let reader = group.begin();
        group.finish_read(reader, || Ok::<(), ()>(())).unwrap();
    }
}
