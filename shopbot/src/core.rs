//! Calling the shop from async handlers: through [`Shop::call`], which runs the call on one
//! of the shop's few call threads and answers with a future once the call's effects are
//! durable. No thread waits for a flush and a burst of shoppers starts no threads; the
//! runtime's worker threads never block on the shop.

use shopcore::Shop;
use std::sync::Arc;

/// A shop call that did not produce an answer.
#[derive(Debug)]
pub enum Failure {
    /// The shop refused or failed; `Error::kind` names why.
    Core(shopcore::Error),
    /// The call panicked (a bug): the shopper sees a generic
    /// apology, the log gets the details.
    Crashed,
}

impl Failure {
    /// The stable name of the failure (`Error::kind`, or `"internal"`).
    pub fn kind(&self) -> &'static str {
        match self {
            Failure::Core(e) => e.kind(),
            Failure::Crashed => "internal",
        }
    }
}

impl From<shopcore::Error> for Failure {
    fn from(error: shopcore::Error) -> Failure {
        Failure::Core(error)
    }
}

/// Runs a long `call` (a full `verify()`, a backup, an export) on a thread of tokio's
/// blocking pool instead of one of the shop's few call threads, so it doesn't hold up the
/// shoppers' calls queued behind it. Failures are reported as [`run`] reports them.
pub async fn run_long<T, F>(shop: &Arc<Shop>, call: F) -> Result<T, Failure>
where
    T: Send + 'static,
    F: FnOnce(&Shop) -> shopcore::Result<T> + Send + 'static,
{
    let shop = Arc::clone(shop);
    let joined = tokio::task::spawn_blocking(move || call(&shop)).await;
    match joined {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => {
            if error.kind().starts_with("store.") {
                crate::ops::alerts::raise(
                    crate::ops::alerts::AlertKind::Storage,
                    &error.to_string(),
                );
            }
            Err(Failure::Core(error))
        }
        Err(join) => {
            tracing::error!(error = %join, "a long shop call panicked");
            Err(Failure::Crashed)
        }
    }
}

/// Runs `call` against the shop (see the module doc).
pub async fn run<T, F>(shop: &Arc<Shop>, call: F) -> Result<T, Failure>
where
    T: Send + 'static,
    F: FnOnce(&Shop) -> shopcore::Result<T> + Send + 'static,
{
    match shop.call(call).await {
        Ok(result) => result.map_err(|error| {
            // Storage errors need a person: they alert the staff chat (rate-limited).
            if error.kind().starts_with("store.") {
                crate::ops::alerts::raise(
                    crate::ops::alerts::AlertKind::Storage,
                    &error.to_string(),
                );
            }
            Failure::Core(error)
        }),
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            tracing::error!(error = %message, "a shop call panicked");
            Err(Failure::Crashed)
        }
    }
}
