//! Where the records are kept: the engines under a store. The store above speaks in full
//! keys (a table's tag followed by the key within it) and encoded values; an engine keeps
//! them. Two engines: sled, embedded (the default: a directory), and PostgreSQL (behind the
//! `postgres` feature: a database reached by URL, see `postgres.rs`).
//!
//! What every engine guarantees to the store:
//! - `apply` is atomic (all of a batch or none, also across a crash) and, once it returns,
//!   every later read sees it;
//! - reads inside a writer's turn (`get_in_turn`) see everything applied before the turn
//!   by this process, and a batch's bodies see one value per record; on sled nothing else
//!   writes, on PostgreSQL another process may have committed a record after it was read,
//!   and `apply` then refuses the whole batch (`StoreError::Conflict`, when
//!   `validates_reads`) rather than write on it: what a batch applies is always what its
//!   bodies decided on current records;
//! - ranges come in key order (bytewise), forward or reverse.

use super::writer::Writes;
use super::{StoreError, Table, full_key, table_key};
use sled::IVec;
use std::fs::File;
use std::ops::Bound;

/// A range's items: keys within the table, and values.
pub(crate) type Items<'a> = Box<dyn Iterator<Item = Result<(Vec<u8>, IVec), StoreError>> + 'a>;

/// The engine a store keeps its records in.
#[derive(Debug)]
pub(crate) enum Engine {
    /// sled, embedded: one directory, one process.
    Sled(SledEngine),
    /// A PostgreSQL database, shared by any number of processes.
    #[cfg(feature = "postgres")]
    Postgres(Box<super::postgres::PgEngine>),
}

/// sled: every table's records in one tree, `records`, under the table's tag.
#[derive(Debug)]
pub(crate) struct SledEngine {
    pub(super) db: sled::Db,
    pub(super) records: sled::Tree,
    /// sled's data file, synced once per group commit under `Durability::PowerSafe`.
    pub(super) data_file: Option<File>,
}

impl Engine {
    /// The sled engine, for what only sled has (its legacy layout, its files).
    pub(crate) fn sled(&self) -> Option<&SledEngine> {
        match self {
            Engine::Sled(sled) => Some(sled),
            #[cfg(feature = "postgres")]
            Engine::Postgres(_) => None,
        }
    }

    /// Reads one committed value, outside any writer's turn.
    pub(crate) fn get(&self, full: &[u8]) -> Result<Option<IVec>, StoreError> {
        match self {
            Engine::Sled(s) => s.records.get(full).map_err(StoreError::from_sled),
            #[cfg(feature = "postgres")]
            Engine::Postgres(pg) => pg.get(full),
        }
    }

    /// Reads one value inside the writer's turn: what every batch applied so far holds,
    /// with other processes' writers kept out until the turn's batch ends.
    pub(crate) fn get_in_turn(&self, full: &[u8]) -> Result<Option<IVec>, StoreError> {
        match self {
            Engine::Sled(s) => s.records.get(full).map_err(StoreError::from_sled),
            #[cfg(feature = "postgres")]
            Engine::Postgres(pg) => pg.get_in_turn(full),
        }
    }

    /// [`Engine::get_in_turn`] past the writer's cache, where there is one.
    pub(crate) fn get_in_turn_fresh(&self, full: &[u8]) -> Result<Option<IVec>, StoreError> {
        match self {
            Engine::Sled(s) => s.records.get(full).map_err(StoreError::from_sled),
            #[cfg(feature = "postgres")]
            Engine::Postgres(pg) => pg.get_in_turn_fresh(full),
        }
    }

    /// Applies a batch of writes atomically (ending the writer's turn on engines that
    /// hold one open).
    pub(crate) fn apply(&self, writes: Writes) -> Result<(), StoreError> {
        match self {
            Engine::Sled(s) => {
                let mut batch = sled::Batch::default();
                for (key, value) in writes {
                    match value {
                        Some(value) => batch.insert(key, value),
                        None => batch.remove(key),
                    }
                }
                s.records.apply_batch(batch).map_err(StoreError::from_sled)
            }
            #[cfg(feature = "postgres")]
            Engine::Postgres(pg) => pg.apply(writes),
        }
    }

    /// Whether reads inside a writer's turn are compared at commit (PostgreSQL: another
    /// process may change a record after it was read), so that a body that read must wait
    /// for its batch's commit before answering, even when it wrote nothing.
    pub(crate) fn validates_reads(&self) -> bool {
        match self {
            Engine::Sled(_) => false,
            #[cfg(feature = "postgres")]
            Engine::Postgres(_) => true,
        }
    }

    /// The writer's lane: which lane of the shop's logs kept per writer (the audit chain,
    /// the outbox) this process appends to. sled has one process and one lane, 0; on PostgreSQL each writer
    /// holds a lane of its own while its connection lives (`PgEngine::lane`).
    pub(crate) fn lane(&self) -> Result<u32, StoreError> {
        match self {
            Engine::Sled(_) => Ok(0),
            #[cfg(feature = "postgres")]
            Engine::Postgres(pg) => pg.lane(),
        }
    }

    /// Batches that conflicted with another process's commit and ran again.
    pub(crate) fn conflicts(&self) -> u64 {
        match self {
            Engine::Sled(_) => 0,
            #[cfg(feature = "postgres")]
            Engine::Postgres(pg) => pg.conflicts(),
        }
    }

    /// Batches that compared what they read because another process had committed.
    pub(crate) fn compared(&self) -> u64 {
        match self {
            Engine::Sled(_) => 0,
            #[cfg(feature = "postgres")]
            Engine::Postgres(pg) => pg.compared(),
        }
    }

    /// The writer's turn ended without a batch to apply: lets other writers in.
    pub(crate) fn end_turn(&self) {
        match self {
            Engine::Sled(_) => {}
            #[cfg(feature = "postgres")]
            Engine::Postgres(pg) => pg.end_turn(),
        }
    }

    /// Applies writes outside the writer, atomically: migrations, restores and the
    /// verified watermark (see `Store::put_direct`).
    pub(crate) fn apply_direct(&self, writes: Writes) -> Result<(), StoreError> {
        match self {
            Engine::Sled(_) => self.apply(writes),
            #[cfg(feature = "postgres")]
            Engine::Postgres(pg) => pg.apply_direct(writes),
        }
    }

    /// The records of `table` between two bounds (keys within the table), in key order or
    /// reversed; only keys (values empty) when `keys_only`.
    pub(crate) fn range(
        &self,
        table: Table,
        lower: Bound<Vec<u8>>,
        upper: Bound<Vec<u8>>,
        reverse: bool,
        keys_only: bool,
    ) -> Items<'_> {
        match self {
            Engine::Sled(s) => {
                let iter = s
                    .records
                    .range::<Vec<u8>, _>(full_range(table, lower, upper))
                    .map(move |item| {
                        let (k, v) = item.map_err(StoreError::from_sled)?;
                        Ok((table_key(&k), if keys_only { IVec::default() } else { v }))
                    });
                if reverse {
                    Box::new(iter.rev())
                } else {
                    Box::new(iter)
                }
            }
            #[cfg(feature = "postgres")]
            Engine::Postgres(pg) => pg.range(table, lower, upper, reverse, keys_only),
        }
    }

    /// How many records of `table` lie between two bounds.
    pub(crate) fn count(
        &self,
        table: Table,
        lower: Bound<Vec<u8>>,
        upper: Bound<Vec<u8>>,
    ) -> Result<u64, StoreError> {
        match self {
            Engine::Sled(_) => {
                let mut n = 0u64;
                for item in self.range(table, lower, upper, false, true) {
                    item?;
                    n += 1;
                }
                Ok(n)
            }
            #[cfg(feature = "postgres")]
            Engine::Postgres(pg) => pg.count(table, lower, upper),
        }
    }

    /// Whether no table holds a record.
    pub(crate) fn is_empty(&self) -> Result<bool, StoreError> {
        match self {
            Engine::Sled(s) => Ok(s.records.is_empty()),
            #[cfg(feature = "postgres")]
            Engine::Postgres(pg) => pg.is_empty(),
        }
    }

    /// Makes everything applied so far durable. PostgreSQL's commits are durable when they
    /// return (unless the durability policy says otherwise), so only sled flushes.
    pub(crate) fn flush(&self, sync_data_file: bool) -> Result<(), StoreError> {
        match self {
            Engine::Sled(s) => {
                s.db.flush().map_err(StoreError::from_sled)?;
                if let (true, Some(file)) = (sync_data_file, &s.data_file) {
                    file.sync_data().map_err(|e| StoreError::Storage {
                        reason: e.to_string(),
                    })?;
                }
                Ok(())
            }
            #[cfg(feature = "postgres")]
            Engine::Postgres(pg) => pg.flush(),
        }
    }

    /// The space the records take, in bytes.
    pub(crate) fn size_on_disk(&self) -> Result<u64, StoreError> {
        match self {
            Engine::Sled(s) => s.db.size_on_disk().map_err(StoreError::from_sled),
            #[cfg(feature = "postgres")]
            Engine::Postgres(pg) => pg.size_on_disk(),
        }
    }

    /// Writes one record outside the writer, atomically.
    pub(crate) fn put_direct(&self, full: Vec<u8>, value: Vec<u8>) -> Result<(), StoreError> {
        let mut writes = Writes::new();
        writes.insert(IVec::from(full), Some(IVec::from(value)));
        self.apply_direct(writes)
    }

    /// Removes every record of `table` outside the writer (migrations).
    pub(crate) fn clear_table(&self, table: Table) -> Result<(), StoreError> {
        loop {
            let mut writes = Writes::new();
            for item in self
                .range(table, Bound::Unbounded, Bound::Unbounded, false, true)
                .take(10_000)
            {
                let (k, _) = item?;
                writes.insert(IVec::from(full_key(table, &k)), None);
            }
            if writes.is_empty() {
                return Ok(());
            }
            self.apply_direct(writes)?;
        }
    }
}

/// A range of `table`'s keys as a range of full keys.
fn full_range(
    table: Table,
    lower: Bound<Vec<u8>>,
    upper: Bound<Vec<u8>>,
) -> (Bound<Vec<u8>>, Bound<Vec<u8>>) {
    let (first, after) = table.prefix_bounds();
    let lower = match lower {
        Bound::Included(k) => Bound::Included(full_key(table, &k)),
        Bound::Excluded(k) => Bound::Excluded(full_key(table, &k)),
        Bound::Unbounded => Bound::Included(first),
    };
    let upper = match upper {
        Bound::Included(k) => Bound::Included(full_key(table, &k)),
        Bound::Excluded(k) => Bound::Excluded(full_key(table, &k)),
        Bound::Unbounded => Bound::Excluded(after),
    };
    (lower, upper)
}
