//! Graceful shutdown: on SIGTERM or SIGINT the bot stops taking updates, lets the updates
//! already taken finish (teloxide's dispatcher drains its workers) within a deadline, and
//! returns so the caller can stop its tasks and flush the database. A second signal during
//! the wait is ignored: the deadline bounds it anyway.

use crate::ops::health::Health;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use teloxide::dispatching::ShutdownToken;
use teloxide::stop::StopToken;

/// Resolves on the first SIGTERM or SIGINT.
pub async fn signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut int)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) else {
            tracing::error!("can't listen for signals; stop the bot with SIGKILL");
            std::future::pending::<()>().await;
            return;
        };
        tokio::select! {
            _ = term.recv() => tracing::info!("SIGTERM received: shutting down"),
            _ = int.recv() => tracing::info!("SIGINT received: shutting down"),
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("interrupt received: shutting down");
    }
}

/// How serving ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopped {
    /// The dispatcher ended, every update it had taken handled.
    Drained,
    /// The grace ran out first.
    DeadlinePassed,
}

/// Runs `dispatch` until it ends or `stop` resolves; then asks the dispatcher to stop, stops
/// its listener (`listener`, the listener's own stop token) and waits for in-flight updates,
/// at most `grace`.
///
/// Both are needed: the dispatcher hears its token only while it waits for the next update
/// (teloxide wakes the waiters of the moment and keeps no permit), so a request made while
/// it hands an update to a busy worker would be lost and the listener would poll on until
/// the grace ran out. A stopped listener ends its stream whatever the dispatcher was doing,
/// and the dispatcher then finishes the updates it took.
pub async fn serve_until<E>(
    dispatch: impl Future<Output = Result<(), E>>,
    stop: impl Future<Output = ()>,
    token: ShutdownToken,
    listener: StopToken,
    grace: Duration,
    health: &Arc<Health>,
) -> Result<Stopped, E> {
    let mut dispatch = std::pin::pin!(dispatch);
    health.set_ready(true);
    tokio::select! {
        result = &mut dispatch => return result.map(|()| Stopped::Drained),
        () = stop => {}
    }
    health.set_ready(false);
    listener.stop();
    let drained = tokio::time::timeout(grace, async {
        // The dispatcher may still be starting (getMe); retry until it takes the request.
        loop {
            match token.shutdown() {
                // The dispatcher future below does the work (it is not spawned), so the
                // returned "done" future is not awaited here.
                Ok(_done) => break,
                Err(_) => {
                    tokio::select! {
                        result = &mut dispatch => return Some(result),
                        () = tokio::time::sleep(Duration::from_millis(50)) => {}
                    }
                }
            }
        }
        Some((&mut dispatch).await)
    })
    .await;
    match drained {
        Ok(Some(result)) => {
            tracing::info!("updates in flight finished");
            result.map(|()| Stopped::Drained)
        }
        Ok(None) => Ok(Stopped::Drained),
        Err(_) => {
            tracing::warn!(
                grace_secs = grace.as_secs(),
                "in-flight updates did not finish before the deadline; stopping anyway"
            );
            Ok(Stopped::DeadlinePassed)
        }
    }
}
