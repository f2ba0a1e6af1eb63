//! The move from the per-table layout of schemas 1 and 2 (one sled tree per [`Table`], named
//! `Table::name`) to schema 3's single `records` tree (each key prefixed by its table's tag).
//!
//! The move is crash-safe at every point, because the version record decides which layout
//! is authoritative:
//! 1. every record of every legacy tree is copied into `records` under its tag, except the
//!    schema version; copying again writes the same bytes, so an interrupted copy is simply
//!    done again (the legacy trees are not touched);
//! 2. once the copy is flushed, the version record is written into `records` (the legacy
//!    version, 1 or 2: the migrations then run on the one tree) and flushed;
//! 3. the legacy trees are dropped. A store whose `records` tree holds a version and which
//!    still has legacy trees was stopped between 2 and the end of 3: opening drops them.
//!
//! Until step 2, a store is read as a per-table store: its `records` tree may hold part of
//! a copy, which step 1 completes. For a while the database holds every record twice (the
//! disk needs room for a second copy of the data).

use super::{SCHEMA_KEY, Store, StoreError, Table, decode, full_key};

/// The name of the one tree of schema 3.
pub(super) const RECORDS_TREE: &str = "records";
/// sled's own default tree, present in every database.
const DEFAULT_TREE: &[u8] = b"__sled__default";
/// Records copied per sled batch (bounds the memory of one batch).
const COPY_CHUNK_RECORDS: usize = 4096;

/// The legacy tables whose trees exist in `db`.
fn legacy_tables(db: &sled::Db) -> Vec<Table> {
    let names = db.tree_names();
    Table::ALL
        .into_iter()
        .filter(|t| names.iter().any(|n| n.as_ref() == t.name().as_bytes()))
        .collect()
}

/// The schema version stored in the per-table layout, if there is one.
pub(super) fn legacy_schema_version(db: &sled::Db) -> Result<Option<u32>, StoreError> {
    if !legacy_tables(db).contains(&Table::Meta) {
        return Ok(None);
    }
    // The tree exists: opening it creates nothing.
    let meta = db
        .open_tree(Table::Meta.name())
        .map_err(StoreError::from_sled)?;
    match meta.get(SCHEMA_KEY).map_err(StoreError::from_sled)? {
        Some(bytes) => decode(Table::Meta, SCHEMA_KEY, &bytes).map(Some),
        None => Ok(None),
    }
}

/// Whether `db` holds a tree that is neither sled's default, `records`, nor a legacy table.
pub(super) fn has_foreign_trees(db: &sled::Db) -> bool {
    db.tree_names().iter().any(|name| {
        name.as_ref() != DEFAULT_TREE
            && name.as_ref() != RECORDS_TREE.as_bytes()
            && !Table::ALL
                .iter()
                .any(|t| t.name().as_bytes() == name.as_ref())
    })
}

/// Whether any legacy tree holds a record.
pub(super) fn legacy_trees_hold_data(db: &sled::Db) -> Result<bool, StoreError> {
    for table in legacy_tables(db) {
        let tree = db.open_tree(table.name()).map_err(StoreError::from_sled)?;
        if !tree.is_empty() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Moves a per-table store at schema `version` into the `records` tree (steps 1 to 3 of the
/// module documentation).
pub(super) fn move_to_records(store: &Store, version: u32) -> Result<(), StoreError> {
    store
        .migrating_from
        .store(version, std::sync::atomic::Ordering::Relaxed);
    store.report_progress("moving every table into one tree", 0);
    copy_legacy_trees(&store.sled_engine().db, &store.sled_engine().records, None)?;
    store.flush()?;
    store.write_schema_version(version)?; // flushes
    drop_legacy_trees(&store.sled_engine().db)?;
    Ok(())
}

/// Step 1: copies every legacy tree's records into `records` under their tags, except the
/// schema version. Returns how many records it copied. `stop_after_records` (tests) stops
/// after that many, as a crash would.
fn copy_legacy_trees(
    db: &sled::Db,
    records: &sled::Tree,
    stop_after_records: Option<u64>,
) -> Result<u64, StoreError> {
    let mut copied = 0u64;
    for table in legacy_tables(db) {
        let tree = db.open_tree(table.name()).map_err(StoreError::from_sled)?;
        let mut batch = sled::Batch::default();
        let mut in_batch = 0usize;
        for item in tree.iter() {
            let (k, v) = item.map_err(StoreError::from_sled)?;
            if table == Table::Meta && k.as_ref() == SCHEMA_KEY {
                continue;
            }
            if stop_after_records.is_some_and(|stop| copied >= stop) {
                break;
            }
            batch.insert(full_key(table, &k), v);
            in_batch += 1;
            copied += 1;
            if in_batch == COPY_CHUNK_RECORDS {
                records
                    .apply_batch(std::mem::take(&mut batch))
                    .map_err(StoreError::from_sled)?;
                in_batch = 0;
            }
        }
        records.apply_batch(batch).map_err(StoreError::from_sled)?;
    }
    Ok(copied)
}

/// Step 3: drops every legacy tree still present and flushes. Returns how many it dropped.
pub(super) fn drop_legacy_trees(db: &sled::Db) -> Result<usize, StoreError> {
    let tables = legacy_tables(db);
    for table in &tables {
        db.drop_tree(table.name()).map_err(StoreError::from_sled)?;
    }
    if !tables.is_empty() {
        db.flush().map_err(StoreError::from_sled)?;
    }
    Ok(tables.len())
}

#[cfg(test)]
mod tests {
    //! A move stopped at every point between its steps (as a crash would leave it) is
    //! finished by the next open, and the shop then holds what it held. The store is the
    //! schema-2 shop checked in under `tests/data/schema2`.
    use super::*;
    use crate::config::Config;
    use std::path::{Path, PathBuf};

    fn schema2_copy() -> (tempfile::TempDir, PathBuf) {
        let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/schema2/shop.db");
        let dir = tempfile::tempdir().unwrap();
        let to = dir.path().join("shop.db");
        std::fs::create_dir_all(to.join("blobs")).unwrap();
        for file in ["conf", "db"] {
            std::fs::copy(from.join(file), to.join(file)).unwrap();
        }
        (dir, to)
    }

    /// What every open of the untouched schema-2 shop gives: its state digest after the
    /// move (the schema version record is the only difference from the shop's own).
    fn reference_digest() -> [u8; 32] {
        let (_dir, path) = schema2_copy();
        let shop = crate::Shop::open(&path, Config::default()).unwrap();
        shop.state_digest().unwrap()
    }

    fn records_in_legacy_trees(path: &Path) -> u64 {
        let store = Store::open_empty(path, &Config::default()).unwrap();
        let mut n = 0;
        for table in legacy_tables(&store.sled_engine().db) {
            n += u64::try_from(
                store
                    .sled_engine()
                    .db
                    .open_tree(table.name())
                    .unwrap()
                    .len(),
            )
            .unwrap();
        }
        n
    }

    /// Opens the shop after the interruption and checks it is whole and fully moved.
    fn assert_finished(path: &Path, expected: &[u8; 32]) {
        {
            let shop = crate::Shop::open(path, Config::default()).unwrap();
            assert_eq!(&shop.state_digest().unwrap(), expected);
            let report = shop.verify().unwrap();
            assert!(report.is_healthy(), "{report}");
        }
        let store = Store::open_empty(path, &Config::default()).unwrap();
        assert!(
            legacy_tables(&store.sled_engine().db).is_empty(),
            "legacy trees left"
        );
        let version: Option<u32> = store.read(Table::Meta, SCHEMA_KEY).unwrap();
        assert_eq!(version, Some(crate::store::SCHEMA_VERSION));
    }

    #[test]
    fn an_older_store_without_its_migrations_is_refused() {
        let (_dir, path) = schema2_copy();
        let err = Store::open(&path, &Config::default(), &[], Default::default()).unwrap_err();
        assert!(
            matches!(&err, StoreError::Storage { reason } if reason == "no migration from schema 2 to 3"),
            "{err:?}"
        );
    }

    #[test]
    fn a_copy_stopped_part_way_is_done_again() {
        let expected = reference_digest();
        let (_dir, path) = schema2_copy();
        let total = records_in_legacy_trees(&path) - 1; // the schema version is not copied
        for stop in [0, 1, total / 2, total - 1] {
            let (_dir, path) = schema2_copy();
            {
                let store = Store::open_empty(&path, &Config::default()).unwrap();
                let copied = copy_legacy_trees(
                    &store.sled_engine().db,
                    &store.sled_engine().records,
                    Some(stop),
                )
                .unwrap();
                assert_eq!(copied, stop);
                store.flush().unwrap();
                // Still a per-table store: no version in `records`, the legacy trees whole.
                let version: Option<u32> = store.read(Table::Meta, SCHEMA_KEY).unwrap();
                assert_eq!(version, None);
                assert_eq!(
                    legacy_schema_version(&store.sled_engine().db).unwrap(),
                    Some(2)
                );
            }
            assert_finished(&path, &expected);
        }
    }

    #[test]
    fn a_whole_copy_without_its_version_record_is_done_again() {
        let expected = reference_digest();
        let (_dir, path) = schema2_copy();
        {
            let store = Store::open_empty(&path, &Config::default()).unwrap();
            copy_legacy_trees(&store.sled_engine().db, &store.sled_engine().records, None).unwrap();
            store.flush().unwrap();
        }
        assert_finished(&path, &expected);
    }

    #[test]
    fn a_move_stopped_before_dropping_the_legacy_trees_drops_them() {
        let expected = reference_digest();
        for dropped_before_the_stop in [0, 20] {
            let (_dir, path) = schema2_copy();
            {
                let store = Store::open_empty(&path, &Config::default()).unwrap();
                copy_legacy_trees(&store.sled_engine().db, &store.sled_engine().records, None)
                    .unwrap();
                store.flush().unwrap();
                store.write_schema_version(2).unwrap();
                for table in legacy_tables(&store.sled_engine().db)
                    .into_iter()
                    .take(dropped_before_the_stop)
                {
                    store.sled_engine().db.drop_tree(table.name()).unwrap();
                }
                store.flush().unwrap();
            }
            assert_finished(&path, &expected);
        }
    }

    #[test]
    fn a_moved_store_at_schema_3_with_legacy_trees_left_drops_them() {
        let expected = reference_digest();
        let (_dir, path) = schema2_copy();
        {
            let store = Store::open_empty(&path, &Config::default()).unwrap();
            copy_legacy_trees(&store.sled_engine().db, &store.sled_engine().records, None).unwrap();
            store.flush().unwrap();
            // What the move of schema 3 stamps (later migrations run at the next open).
            store.write_schema_version(3).unwrap();
        }
        assert_finished(&path, &expected);
    }
}
