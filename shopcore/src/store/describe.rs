//! How a backend that people read directly shows a record: its value as JSON. PostgreSQL
//! keeps it beside the encoded value (`body`), and its typed columns, constraints and
//! reporting views are computed from it (`postgres/0002_columns.sql`), so a shop owner can
//! read orders, the ledger and the audit log with `psql` or Metabase and no shopcore code.
//! The shop reads only the encoded value; the JSON is written with it, in the same
//! statement, and never read back.
//!
//! The domain lists the kinds it describes (`shop.rs`, `describers`): the records people
//! ask about. Indexes, postings and roll-ups are derived from those and keep no body.

use super::log::{Chunk, Log};
use super::{Record, StoreError, Table, decode};

/// Renders one kind's encoded value as JSON.
#[derive(Clone, Copy)]
pub(crate) struct Describer {
    /// The kind's table.
    pub(crate) table: Table,
    /// The bytes its keys start with inside the table.
    pub(crate) fixed: &'static [u8],
    /// The kind's name.
    pub(crate) name: &'static str,
    /// Encoded value (and the key within the table, for messages) → JSON.
    pub(crate) render: fn(&[u8], &[u8]) -> Result<serde_json::Value, StoreError>,
}

impl std::fmt::Debug for Describer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Describer")
            .field("kind", &self.name)
            .finish()
    }
}

fn json_error(table: Table, key: &[u8], e: &serde_json::Error) -> StoreError {
    StoreError::Encode {
        reason: format!(
            "rendering a record of {} ({}) as JSON: {e}",
            table.name(),
            super::key::hex(key)
        ),
    }
}

fn render_record<R: Record>(key: &[u8], bytes: &[u8]) -> Result<serde_json::Value, StoreError> {
    let value: R::Value = decode(R::TABLE, key, bytes)?;
    serde_json::to_value(&value).map_err(|e| json_error(R::TABLE, key, &e))
}

/// A log chunk as an array of its entries, each with its sequence number as `seq`.
fn render_log<L: Log>(key: &[u8], bytes: &[u8]) -> Result<serde_json::Value, StoreError> {
    let chunk: Chunk = decode(L::TABLE, key, bytes)?;
    let mut entries = Vec::with_capacity(chunk.len());
    for (seq, entry) in chunk {
        let entry: L::Entry = decode(L::TABLE, key, &entry.0)?;
        let mut json = serde_json::to_value(&entry).map_err(|e| json_error(L::TABLE, key, &e))?;
        if let serde_json::Value::Object(fields) = &mut json {
            fields.insert("seq".into(), seq.into());
        }
        entries.push(json);
    }
    Ok(serde_json::Value::Array(entries))
}

impl Describer {
    /// A kind whose value is shown as it is.
    pub(crate) fn record<R: Record>() -> Describer {
        Describer {
            table: R::TABLE,
            fixed: R::FIXED,
            name: R::NAME,
            render: render_record::<R>,
        }
    }

    /// A log in chunks, shown as the array of its entries.
    pub(crate) fn log<L: Log>() -> Describer {
        Describer {
            table: L::TABLE,
            fixed: L::FIXED,
            name: L::NAME,
            render: render_log::<L>,
        }
    }
}

/// The describers of one table, found by a key within it: the one whose fixed lead the key
/// starts with (the longest, when several do).
pub(crate) fn find<'d>(
    describers: &'d [Describer],
    table: Table,
    key: &[u8],
) -> Option<&'d Describer> {
    describers
        .iter()
        .filter(|d| d.table == table && key.starts_with(d.fixed))
        .max_by_key(|d| d.fixed.len())
}
