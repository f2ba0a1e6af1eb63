//! Calling the shop from async code without a blocking thread per caller: [`Shop::call`]
//! queues the call and returns a [`Call`], a future of any runtime (no runtime in here).
//!
//! A few *call threads* of the shop's own (`Config::call_threads`) take calls in arrival
//! order and run them with the store's durability waits deferred
//! (`Store::deferring`): each transaction commits through the single writer as usual (so the
//! next call, on this thread or another, sees it), but the thread does not sit through the
//! flush; it hands the answer, with what must be durable before it may be given, to one
//! *flusher* thread and takes the next call. The flusher waits for all the answers it holds
//! with one group-commit flush (shared with blocking callers, see `store::durability`), then
//! wakes their futures. So a burst of callers costs queued closures, not threads, and what a
//! future yields is on disk exactly as if the call had blocked.
//!
//! The threads start when first needed and end when the shop closes. Calls that take long
//! (a full `verify()`, a backup, an export) are better run on a thread of the caller's own,
//! since they would hold one of the few call threads meanwhile.

use crate::error::{Error, Result};
use crate::shop::Shop;
use crate::store::{Need, StoreError};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::task::{Context, Poll};

/// The answer of a call run by [`Shop::call`]: a future that resolves once the call has run
/// and everything it did or reported is durable under the shop's
/// [`Durability`](crate::Durability).
///
/// It yields `Err(payload)` when the call panicked (as [`std::thread::JoinHandle::join`]
/// does) and otherwise the call's own result; a flush that fails turns it into
/// [`StoreError::NotDurable`]. Dropping it does not cancel the call: the call still runs and
/// its changes still commit; only the answer is dropped.
#[must_use = "the call runs anyway; await the answer to learn what happened"]
#[derive(Debug)]
pub struct Call<T> {
    answer: futures_channel::oneshot::Receiver<std::thread::Result<Result<T>>>,
}

impl<T> Future for Call<T> {
    type Output = std::thread::Result<Result<T>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.answer).poll(cx).map(|answer| {
            // The sender is dropped unanswered only if a call thread died outside the call
            // (the call's own panics are caught and answered).
            answer.unwrap_or_else(|_| Err(Box::new("the shop call was lost before it answered")))
        })
    }
}

type Job = Box<dyn FnOnce() + Send>;

/// An answer waiting for the flusher: the shop (to flush it), what must be durable, and how
/// to give the answer (with the flush's outcome).
struct Waiting {
    shop: Arc<Shop>,
    need: Need,
    give: Box<dyn FnOnce(std::result::Result<(), StoreError>) + Send>,
}

/// A shop's call threads and flusher (one per open shop, shared with its threads).
#[derive(Default)]
pub(crate) struct Calls {
    threads_max: usize,
    runs: Mutex<Runs>,
    run_ready: Condvar,
    flushes: Mutex<Flushes>,
    flush_ready: Condvar,
}

impl std::fmt::Debug for Calls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let runs = lock(&self.runs);
        f.debug_struct("Calls")
            .field("threads_max", &self.threads_max)
            .field("threads", &runs.threads)
            .field("queued", &runs.queue.len())
            .finish()
    }
}

#[derive(Default)]
struct Runs {
    queue: VecDeque<Job>,
    threads: usize,
    idle: usize,
    closed: bool,
}

#[derive(Default)]
struct Flushes {
    waiting: Vec<Waiting>,
    flusher: bool,
    closed: bool,
}

impl Calls {
    /// Call threads to run at most (at least one).
    pub(crate) fn new(threads_max: usize) -> Calls {
        Calls {
            threads_max: threads_max.max(1),
            ..Calls::default()
        }
    }

    /// How many call threads run now (for tests and metrics).
    pub(crate) fn threads(&self) -> usize {
        lock(&self.runs).threads
    }

    /// The shop is closing: the threads end once their queues are empty (they are: every
    /// queued call holds the shop open).
    pub(crate) fn close(&self) {
        lock(&self.runs).closed = true;
        self.run_ready.notify_all();
        lock(&self.flushes).closed = true;
        self.flush_ready.notify_all();
    }

    fn push(self: &Arc<Self>, job: Job) {
        let mut runs = lock(&self.runs);
        runs.queue.push_back(job);
        if runs.idle == 0 && runs.threads < self.threads_max {
            runs.threads += 1;
            drop(runs);
            let calls = Arc::clone(self);
            let started = std::thread::Builder::new()
                .name("shop-call".into())
                .spawn(move || calls.run());
            if started.is_err() {
                // No new thread: the ones running take the call (or, with none, the next
                // push tries again).
                lock(&self.runs).threads -= 1;
            }
        } else {
            drop(runs);
            self.run_ready.notify_one();
        }
    }

    /// A call thread: runs queued calls in arrival order until the shop closes.
    fn run(&self) {
        loop {
            let job = {
                let mut runs = lock(&self.runs);
                loop {
                    if let Some(job) = runs.queue.pop_front() {
                        break job;
                    }
                    if runs.closed {
                        runs.threads -= 1;
                        return;
                    }
                    runs.idle += 1;
                    runs = self
                        .run_ready
                        .wait(runs)
                        .unwrap_or_else(|poisoned| poisoned.into_inner());
                    runs.idle -= 1;
                }
            };
            job();
        }
    }

    fn answer_when_durable(self: &Arc<Self>, waiting: Waiting) {
        let mut flushes = lock(&self.flushes);
        flushes.waiting.push(waiting);
        if !flushes.flusher {
            flushes.flusher = true;
            drop(flushes);
            let calls = Arc::clone(self);
            let started = std::thread::Builder::new()
                .name("shop-flush".into())
                .spawn(move || calls.flush());
            if started.is_err() {
                // No flusher: answer here, as a blocking caller would.
                let mut flushes = lock(&self.flushes);
                flushes.flusher = false;
                let waiting = std::mem::take(&mut flushes.waiting);
                drop(flushes);
                give_all(waiting);
            }
        } else {
            drop(flushes);
            self.flush_ready.notify_one();
        }
    }

    /// The flusher: waits for everything its answers need with one flush, gives them, and
    /// takes the ones that arrived meanwhile.
    fn flush(&self) {
        loop {
            let waiting = {
                let mut flushes = lock(&self.flushes);
                loop {
                    if !flushes.waiting.is_empty() {
                        break std::mem::take(&mut flushes.waiting);
                    }
                    if flushes.closed {
                        flushes.flusher = false;
                        return;
                    }
                    flushes = self
                        .flush_ready
                        .wait(flushes)
                        .unwrap_or_else(|poisoned| poisoned.into_inner());
                }
            };
            give_all(waiting);
        }
    }
}

/// Waits once for everything `waiting` needs, then gives every answer. The shops are let
/// go before any answer is given, so a caller that closes the shop after its answer finds it
/// closed.
fn give_all(waiting: Vec<Waiting>) {
    let Some(first) = waiting.first() else {
        return;
    };
    let need = waiting
        .iter()
        .fold(first.need, |need, waiting| need.and(waiting.need));
    let durable = first.shop.store.wait_durable(need);
    let gives: Vec<_> = waiting
        .into_iter()
        .map(|Waiting { shop, give, .. }| {
            drop(shop);
            give
        })
        .collect();
    for give in gives {
        give(durable.clone());
    }
}

impl Shop {
    /// Runs `call` against this shop on one of its call threads and returns its answer as
    /// a future, for async frontends: no thread waits while the call's changes are flushed
    /// (one flusher thread waits for every call's flush at once), and a burst of callers
    /// queues instead of starting threads. Calls start in arrival order.
    ///
    /// The future resolves once the call has returned and what it did or reported is
    /// durable, exactly as if `call(&shop)` had been called directly; it works with any
    /// executor. See [`Call`] for panics and dropped futures. A call must not wait for
    /// another call of the same shop (with every call thread waiting, none would run it);
    /// it can simply call the shop's methods.
    ///
    /// ```
    /// use shopcore::{Config, Shop, UserId};
    /// use std::sync::Arc;
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let dir = tempfile::tempdir()?;
    /// let owner = UserId::new(1)?;
    /// let shop = Arc::new(Shop::open(dir.path().join("shop.db"), Config::default().with_super_admins(vec![owner]))?);
    /// let call = shop.call(move |shop| shop.user(owner));
    /// // From async code: `call.await`. Here, any executor does:
    /// let user = futures_executor::block_on(call).expect("no panic")?;
    /// assert!(user.is_some());
    /// # Ok(())
    /// # }
    /// ```
    pub fn call<T, F>(self: &Arc<Self>, call: F) -> Call<T>
    where
        T: Send + 'static,
        F: FnOnce(&Shop) -> Result<T> + Send + 'static,
    {
        let (answer, answered) = futures_channel::oneshot::channel();
        let shop = Arc::clone(self);
        let calls = Arc::clone(&self.calls);
        let job: Job = Box::new(move || {
            let (result, need) = shop.store.deferring(|| {
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| call(&shop)))
            });
            match result {
                Ok(result) if !need.is_nothing() => {
                    let calls = Arc::clone(&shop.calls);
                    calls.answer_when_durable(Waiting {
                        shop,
                        need,
                        give: Box::new(move |durable| {
                            let result = match durable {
                                Ok(()) => result,
                                Err(error) => Err(Error::Store(error)),
                            };
                            let _ = answer.send(Ok(result));
                        }),
                    });
                }
                result => {
                    drop(shop);
                    let _ = answer.send(result);
                }
            }
        });
        calls.push(job);
        Call { answer: answered }
    }

    /// How many call threads ([`Shop::call`]) run now.
    pub fn call_threads(&self) -> usize {
        self.calls.threads()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Queues updated in whole steps under the lock; a panic elsewhere leaves them usable.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
