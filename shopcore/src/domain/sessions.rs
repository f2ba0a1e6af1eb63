//! A small durable session store for frontends: half-finished conversations (a purchase
//! waiting for a player id, a top-up waiting for its proof) survive a restart. Values are
//! opaque bytes the frontend encodes; the shop only stores them, keyed by a scope (the
//! frontend's name) and a numeric id (a chat).
//!
//! Sessions are interface state, not shop state: they are written in every store mode
//! (emergency included) and not audited.
//!
//! Peers: none.

use crate::Shop;
use crate::clock::Timestamp;
use crate::error::{InvalidInput, Result};
use crate::store::Table;
use serde::{Deserialize, Serialize};

/// The largest session value, in bytes.
pub const SESSION_BYTES_MAX: usize = 16 * 1024;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StoredSession {
    data: Vec<u8>,
    pub(crate) updated_at: Timestamp,
}

crate::store::record!(
    /// A frontend's stored state, by its scope (the frontend's name) and id (a chat).
    pub(crate) Sessions: Table::Sessions, "sessions", (String, u64) => StoredSession
);

fn session_key(scope: &str, id: u64) -> Result<(String, u64)> {
    let ok = !scope.is_empty()
        && scope.len() <= 32
        && scope
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if !ok {
        return Err(InvalidInput::UnknownName {
            what: "session scope (1 to 32 letters, digits or _)",
            text: scope.chars().take(40).collect(),
        }
        .into());
    }
    Ok((scope.to_owned(), id))
}

impl Shop {
    /// The stored session for `(scope, id)`, if any. `scope` is the frontend's name: 1 to 32
    /// letters, digits or `_` ([`crate::InvalidInput::UnknownName`] otherwise).
    pub fn session(&self, scope: &str, id: u64) -> Result<Option<Vec<u8>>> {
        let k = session_key(scope, id)?;
        Ok(self.store.fetch::<Sessions>(&k)?.map(|s| s.data))
    }

    /// Stores (durably) the session for `(scope, id)`, replacing any. At most
    /// [`SESSION_BYTES_MAX`] bytes ([`crate::InvalidInput::TextTooLong`] otherwise).
    ///
    /// ```
    /// use shopcore::{Config, Shop};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let dir = tempfile::tempdir()?;
    /// # let shop = Shop::open(dir.path().join("shop.db"), Config::default())?;
    /// let chat = 42;
    /// shop.set_session("bot", chat, b"buying:product=7:step=player_id")?;
    /// assert_eq!(shop.session("bot", chat)?.as_deref(), Some(&b"buying:product=7:step=player_id"[..]));
    /// shop.clear_session("bot", chat)?;
    /// assert_eq!(shop.session("bot", chat)?, None);
    /// # Ok(())
    /// # }
    /// ```
    pub fn set_session(&self, scope: &str, id: u64, data: &[u8]) -> Result<()> {
        let k = session_key(scope, id)?;
        if data.len() > SESSION_BYTES_MAX {
            return Err(InvalidInput::TextTooLong {
                field: "session",
                chars: data.len(),
                chars_max: SESSION_BYTES_MAX,
            }
            .into());
        }
        self.transact(|tx| {
            tx.save::<Sessions>(
                &k,
                &StoredSession {
                    data: data.to_vec(),
                    updated_at: tx.now,
                },
            )?;
            Ok(())
        })
    }

    /// Forgets the session for `(scope, id)`.
    pub fn clear_session(&self, scope: &str, id: u64) -> Result<()> {
        let k = session_key(scope, id)?;
        self.transact(|tx| {
            tx.delete::<Sessions>(&k)?;
            Ok(())
        })
    }
}
