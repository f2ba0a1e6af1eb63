//! Group commit: a mutating call returns only after a flush that started after its
//! transaction committed, and concurrent callers share flushes.
//!
//! Each committed transaction takes a ticket (a number that grows by one per commit). A
//! flush that starts when `committed == n` makes every ticket `<= n` durable. At most one
//! flush runs at a time; callers that arrive during a flush wait for it and, if it did not
//! cover them, one of them starts the next flush, covering everyone who committed in the
//! meantime. With k concurrent callers that is about one flush per k commits.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};

#[derive(Debug, Default)]
struct State {
    /// The last ticket handed out.
    issued: u64,
    /// Tickets whose transaction has not finished yet (committed or not).
    running: BTreeSet<u64>,
    /// Every ticket up to this one is finished and, if it wrote, on disk.
    durable: u64,
    /// A flush is running.
    flushing: bool,
    /// The highest ticket that finished after writing.
    wrote_max: u64,
}

impl State {
    /// Every ticket up to this one has finished: a flush started now covers them all.
    fn finished_prefix(&self) -> u64 {
        self.running
            .first()
            .map_or(self.issued, |first| first.saturating_sub(1))
    }
}

/// A transaction's place in commit order, taken before it starts. Dropped without
/// [`GroupCommit::finish`] (the transaction panicked), it still leaves the running set, so
/// nobody waits for it forever.
#[derive(Debug)]
pub(crate) struct Ticket<'a> {
    number: u64,
    group: &'a GroupCommit,
    open: bool,
}

impl Ticket<'_> {
    fn close(&mut self) -> MutexGuard<'_, State> {
        let mut state = lock(&self.group.state);
        if self.open {
            self.open = false;
            state.running.remove(&self.number);
            // Someone may be waiting for every earlier transaction to finish.
            self.group.flushed.notify_all();
        }
        state
    }
}

impl Drop for Ticket<'_> {
    fn drop(&mut self) {
        drop(self.close());
    }
}

#[derive(Debug, Default)]
pub(crate) struct GroupCommit {
    state: Mutex<State>,
    flushed: Condvar,
    flushes: AtomicU64,
}

impl GroupCommit {
    /// Takes a ticket before a transaction starts. Any transaction whose effects another one
    /// can see started before that one ended, so it holds a lower ticket than the reader's
    /// `finish` sees as issued.
    pub(crate) fn begin(&self) -> Ticket<'_> {
        let mut state = lock(&self.state);
        state.issued += 1;
        let number = state.issued;
        state.running.insert(number);
        Ticket {
            number,
            group: self,
            open: true,
        }
    }

    /// Called when the transaction holding `ticket` has ended (committed, aborted or read
    /// only); returns once everything it may have seen or written is durable, running `flush`
    /// itself when no running flush covers it.
    ///
    /// A transaction that wrote waits for its own commit. One that only read waits for every
    /// transaction that started before it ended: it may have read (and may report, as a
    /// replayed result, say) a commit that is not on disk yet, and what it tells its caller
    /// must not be lost in a crash. When nothing is pending, a reader returns at once.
    pub(crate) fn finish<E>(
        &self,
        mut ticket: Ticket<'_>,
        wrote: bool,
        flush: impl Fn() -> Result<(), E>,
    ) -> Result<(), E> {
        let number = ticket.number;
        let mut state = ticket.close();
        if wrote {
            state.wrote_max = state.wrote_max.max(number);
        }
        let target = if wrote { number } else { state.issued };
        drop(state);
        drop(ticket);
        let mut state = lock(&self.state);
        loop {
            if state.durable >= target {
                return Ok(());
            }
            // A reader whose every predecessor has finished, none of them with writes that
            // are not on disk yet, has nothing to wait for.
            if !wrote && state.finished_prefix() >= target && state.wrote_max <= state.durable {
                return Ok(());
            }
            if state.flushing || state.finished_prefix() < target {
                // A flush is running, or an earlier transaction is still in flight: it will
                // finish (and flush, or wake us) soon.
                state = self
                    .flushed
                    .wait(state)
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
                continue;
            }
            state.flushing = true;
            // Everything finished up to now is covered by the flush we are about to start.
            let covered = state.finished_prefix();
            drop(state);
            let result = flush();
            self.flushes.fetch_add(1, Ordering::Relaxed);
            state = lock(&self.state);
            state.flushing = false;
            if result.is_ok() {
                state.durable = state.durable.max(covered);
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
    // The state is two plain fields updated atomically under the lock; a panic elsewhere
    // cannot leave it half-written, so a poisoned lock is still usable.
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
        group.finish(ticket, true, flush)
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
        group.finish(reader, false, || Err::<(), _>(())).unwrap();
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
                group
                    .finish(writer_ticket, true, || {
                        std::thread::sleep(Duration::from_millis(100));
                        flushed.store(true, Ordering::SeqCst);
                        Ok::<(), ()>(())
                    })
                    .unwrap();
            });
            // Whoever flushes (the writer, or the reader itself) makes the commit durable.
            group
                .finish(reader_ticket, false, || {
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
        group.finish(reader, false, || Ok::<(), ()>(())).unwrap();
    }
}
