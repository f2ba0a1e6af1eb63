//! Group commit: a mutating call returns only after a flush that started after its
//! transaction committed, and concurrent callers share flushes.
//!
//! Each committed transaction takes a ticket (a number that grows by one per commit). A
//! flush that starts when `committed == n` makes every ticket `<= n` durable. At most one
//! flush runs at a time; callers that arrive during a flush wait for it and, if it did not
//! cover them, one of them starts the next flush, covering everyone who committed in the
//! meantime. With k concurrent callers that is about one flush per k commits.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};

#[derive(Debug, Default)]
struct State {
    /// Every ticket up to this one is on disk.
    durable: u64,
    /// A flush is running.
    flushing: bool,
}

#[derive(Debug, Default)]
pub(crate) struct GroupCommit {
    committed: AtomicU64,
    state: Mutex<State>,
    flushed: Condvar,
    flushes: AtomicU64,
}

impl GroupCommit {
    /// Called right after a transaction commits; returns once that commit is durable, running
    /// `flush` itself when no running flush covers it.
    pub(crate) fn wait_durable<E>(&self, flush: impl Fn() -> Result<(), E>) -> Result<(), E> {
        let ticket = self.committed.fetch_add(1, Ordering::SeqCst) + 1;
        let mut state = lock(&self.state);
        loop {
            if state.durable >= ticket {
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
            // Everything committed up to now is covered by the flush we are about to start.
            let target = self.committed.load(Ordering::SeqCst);
            drop(state);
            let result = flush();
            self.flushes.fetch_add(1, Ordering::Relaxed);
            state = lock(&self.state);
            state.flushing = false;
            if result.is_ok() {
                state.durable = state.durable.max(target);
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

    #[test]
    fn one_caller_flushes_every_time() {
        let group = GroupCommit::default();
        for _ in 0..5 {
            group.wait_durable(|| Ok::<(), ()>(())).unwrap();
        }
        assert_eq!(group.flush_count(), 5);
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
                        group
                            .wait_durable(|| {
                                calls.fetch_add(1, Ordering::SeqCst);
                                std::thread::sleep(Duration::from_millis(2));
                                Ok::<(), ()>(())
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
        assert_eq!(group.wait_durable(|| Err::<(), _>("disk")), Err("disk"));
        assert_eq!(lock(&group.state).durable, 0);
        group.wait_durable(|| Ok::<(), &str>(())).unwrap();
        assert_eq!(lock(&group.state).durable, 2);
    }
}
