//! Calling the shop from async handlers. `shopcore` blocks (sled, group-commit flushes), so
//! every call runs on tokio's blocking pool, never on the runtime's worker threads.

use shopcore::Shop;
use std::sync::Arc;

/// A shop call that did not produce an answer.
#[derive(Debug)]
pub enum Failure {
    /// The shop refused or failed; `Error::kind` names why.
    Core(shopcore::Error),
    /// The blocking task panicked or was cancelled (a bug): the shopper sees a generic
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

/// Runs `call` against the shop on the blocking pool.
pub async fn run<T, F>(shop: &Arc<Shop>, call: F) -> Result<T, Failure>
where
    T: Send + 'static,
    F: FnOnce(&Shop) -> shopcore::Result<T> + Send + 'static,
{
    let shop = Arc::clone(shop);
    match tokio::task::spawn_blocking(move || call(&shop)).await {
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
        Err(join) => {
            tracing::error!(error = %join, "a shop call panicked");
            Err(Failure::Crashed)
        }
    }
}
