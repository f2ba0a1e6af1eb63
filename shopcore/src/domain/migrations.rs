//! The migrations, one per schema version (`SCHEMA_VERSION` in `store/`): each rewrites the
//! records of the domain modules whose layout changed, so the list lives with them and
//! `store/` runs it without knowing what a record means.
//!
//! Peers: analytics, audit, catalog, notifications, orders, recommendations, wallet.

use crate::store::{Migration, Store, StoreError};

/// Migrations: entry `i` upgrades a database from version `i + 1` to `i + 2`. Each runs once,
/// in order, when an older database is opened, before anything else touches it, and reads
/// and writes through the one `records` tree: a database still in the per-table layout of
/// schemas 1 and 2 is moved into it first (`layout`).
pub(crate) const ALL: &[Migration] = &[
    to_version_2,
    to_version_3,
    to_version_4,
    to_version_5,
    to_version_6,
    to_version_7,
    to_version_8,
    to_version_9,
    to_version_10,
    to_version_11,
    to_version_12,
    to_version_13,
    to_version_14,
    to_version_15,
    to_version_16,
    to_version_17,
    to_version_18,
    to_version_19,
    to_version_20,
    to_version_21,
    to_version_22,
];

/// Schema 1 → 2: records the fate of every code already known — in a pool, reserved by an
/// open order, or delivered by a completed code order (its delivery starts with the code).
fn codes_seen_of_pools_and_orders(store: &Store) -> Result<(), StoreError> {
    use crate::catalog::{CodeFate, Codes, CodesSeen, code_hash_key};
    use crate::orders::{Fulfilment, OrderStatus, Orders};
    use crate::store::Span;
    for item in store.scan(Span::<Codes>::all(), false) {
        let ((product, slot), stored) = item?;
        store.put_direct_record::<CodesSeen>(
            &code_hash_key(product, &stored.code),
            &CodeFate::InPool { slot },
        )?;
    }
    for item in store.scan(Span::<Orders>::all(), false) {
        let (_, order) = item?;
        if let Some(code) = &order.reserved_code {
            store.put_direct_record::<CodesSeen>(
                &code_hash_key(order.product, &code.0),
                &CodeFate::Reserved { order: order.id },
            )?;
        } else if order.fulfilment == Fulfilment::Codes
            && order.status == OrderStatus::Completed
            && let Some(code) = order.delivery.as_deref().and_then(|d| d.lines().next())
        {
            store.put_direct_record::<CodesSeen>(
                &code_hash_key(order.product, code),
                &CodeFate::Delivered { order: order.id },
            )?;
        }
    }
    Ok(())
}

/// 1 → 2: `codes_seen`, the fate of every code a product has seen; audit stubs say whether
/// they stand for a refused attempt; and where the ledger's audit bindings start.
fn to_version_2(store: &Store) -> Result<(), StoreError> {
    codes_seen_of_pools_and_orders(store)?;
    crate::audit::migrate_stubs(store)?;
    crate::wallet::migrate_ledger_bindings(store)
}

/// 2 → 3: every table moves from its own sled tree into the one `records` tree under its
/// tag. That move is `layout::move_to_records`, which `Store::check_schema` runs before any
/// migration (they all read through the one tree), so nothing is left to do here; the
/// records themselves are unchanged.
fn to_version_3(_store: &Store) -> Result<(), StoreError> {
    Ok(())
}

/// 3 → 4: six kinds of keys leave the path of every order. The counters become one
/// record (an order moved four). A user's ledger and orders become chains (each entry or
/// order names the user's previous one; the wallet record, now the user's account, names
/// the newest and the open order), so `ledger_by_user`, `orders_by_user` and `open_orders`
/// go. Audit entries are indexed after
/// the fact (`audit::index_pending`): the index cursor starts at the newest entry, which
/// schema 3 indexed when appending. `codes_by_hash` goes: a code's fate in `codes_seen`
/// (`InPool { slot }`) already says where it is.
fn to_version_4(store: &Store) -> Result<(), StoreError> {
    store.merge_counters_for_migration()?;
    crate::wallet::migrate_ledger_chains(store)?;
    crate::orders::migrate_order_chains(store)?;
    crate::audit::migrate_index_cursor(store)?;
    store.clear_kind_for_migration::<crate::catalog::CodesByHash>()
}

/// 4 → 5: the audit indexes become chunks of sequence numbers (an actor's, an action's or
/// an hour's entries among 1,024 consecutive ones), so indexing a batch writes a record per
/// actor, action and hour instead of three per entry (`audit::migrate_index_postings`).
fn to_version_5(store: &Store) -> Result<(), StoreError> {
    crate::audit::migrate_index_postings(store)
}

/// 5 → 6: the code pools move into chunks of 64 slots (`catalog::migrate_code_chunks`), so
/// the orders of one batch that take codes from one product write its chunk once.
fn to_version_6(store: &Store) -> Result<(), StoreError> {
    crate::catalog::migrate_code_chunks(store)
}

/// 6 → 7: the order status index becomes posting chunks (a status's orders among 1,024
/// consecutive ids in one record; `orders::migrate_status_postings`), so the orders of one
/// batch, mostly neighbours, share their index writes.
fn to_version_7(store: &Store) -> Result<(), StoreError> {
    crate::orders::migrate_status_postings(store)
}

/// 7 → 8: the audit log moves into chunks of 8 consecutive entries (`store::log`;
/// `audit::migrate_log_chunks`), so the commits of one batch append to one or two records.
fn to_version_8(store: &Store) -> Result<(), StoreError> {
    crate::audit::migrate_log_chunks(store)
}

/// 8 → 9: the outbox moves into chunks of 8 consecutive notifications (`store::log`;
/// `notifications::migrate_outbox_chunks`).
fn to_version_9(store: &Store) -> Result<(), StoreError> {
    crate::notifications::migrate_outbox_chunks(store)
}

/// 9 → 10: the ledger moves into chunks of 8 consecutive entries (`store::log`;
/// `wallet::migrate_ledger_chunks`).
fn to_version_10(store: &Store) -> Result<(), StoreError> {
    crate::wallet::migrate_ledger_chunks(store)
}

/// 10 → 11: the `leases` table, empty until a process claims a job. Nothing to rewrite: the
/// version only keeps older builds, which know no such table, from opening the store (or
/// restoring its backups).
fn to_version_11(_store: &Store) -> Result<(), StoreError> {
    Ok(())
}

/// 11 → 12: the `panel_links` and `panel_sessions` tables of the staff web panel, empty
/// until someone signs in. Nothing to rewrite: the version keeps older builds out.
fn to_version_12(_store: &Store) -> Result<(), StoreError> {
    Ok(())
}

/// 12 → 13: the invoices of payment providers (`invoices` and its indexes,
/// `invoice_payments`), empty until a shopper pays through one, and the roll-ups of what
/// came in by payment route (computed from the orders and top-ups there). The version also
/// keeps older builds out (they would not know the new ledger kinds).
fn to_version_13(store: &Store) -> Result<(), StoreError> {
    crate::analytics::migrate_route_rollups(store)
}

/// 13 → 14: `broadcast_mutes`, the shoppers who muted broadcasts, empty until one does.
/// Nothing to rewrite: the version keeps older builds (which would broadcast to them) out.
fn to_version_14(_store: &Store) -> Result<(), StoreError> {
    Ok(())
}

/// 14 → 15: `search_terms`, the index of product names for search, built from the
/// products there.
fn to_version_15(store: &Store) -> Result<(), StoreError> {
    crate::catalog::migrate_search_index(store)
}

/// 15 → 16: `time_zone`, the shop's IANA time zone, absent until staff set one (the shop
/// keeps its fixed UTC offset, so its figures stay as they were). Nothing to rewrite: the
/// version keeps older builds, which would count days at the offset, out.
fn to_version_16(_store: &Store) -> Result<(), StoreError> {
    Ok(())
}

/// 16 → 17: `product_photos`, each product's photo reference, empty until staff attach
/// one. Nothing to rewrite: the version keeps older builds, which would delete a product and
/// leave its photo behind, out.
fn to_version_17(_store: &Store) -> Result<(), StoreError> {
    Ok(())
}

/// 17 → 18: `referral_program`, `referrals` and `referrers`, empty until a shopper
/// arrives through a referral link; ledger kind `REFERRAL`, audit actions 91-92 and a
/// notification (new variants at the end). Nothing to rewrite: the version keeps older
/// builds, which can't read those, out.
fn to_version_18(_store: &Store) -> Result<(), StoreError> {
    Ok(())
}

/// 18 → 19: `co_purchases`, `co_purchase_rank` and `purchase_baskets`, the
/// recommendations' counts, built from the completed orders there.
fn to_version_19(store: &Store) -> Result<(), StoreError> {
    crate::recommendations::rebuild(store, crate::orders::completed_purchases(store)?)
}

/// 19 → 20: orders buy a quantity: every order gains `quantity` (1) and `more_codes`
/// (none) at its end (`orders::migrate_order_quantities`); `order_limits`, each product's
/// units per order, empty until staff raise one.
fn to_version_20(store: &Store) -> Result<(), StoreError> {
    crate::orders::migrate_order_quantities(store)
}

/// 20 → 21: the audit log and the outbox in lanes (`store::log::Lane`): a PostgreSQL
/// writer other than the first appends to a chain and an outbox lane of its own, numbered
/// from `lane · 2⁴⁰ + 1`, with its head at `meta/audit_head/<lane>`, its counters at
/// `counters/audit_seq/<lane>` and `counters/outbox_seq/<lane>`, its index cursor at
/// `meta/audit_indexed/<lane>` and each consumer's cursor in `outbox_lane_cursors`; the
/// verified watermark gains `meta/verified_lanes`. Nothing to rewrite (everything so far is
/// lane 0's): the version keeps older builds out, which would read the lanes as one broken
/// chain and deliver or index past entries not yet committed.
fn to_version_21(_store: &Store) -> Result<(), StoreError> {
    Ok(())
}

/// 21 → 22: what every order shares, per lane too. A writer posts in its lane of the
/// ledger (`lane · 2⁴⁰ + 1, 2, …`, counted at `counters/ledger_seq/<lane>`), the lane its
/// audit entries bind from, and the verified watermark gains `meta/verified_ledger_lanes`; a
/// writer other than lane 0's takes order, top-up and invoice ids in blocks of
/// `store::ID_BLOCK` (its block at `counters/<sequence>/<lane>`); it counts the roll-ups in
/// records of its own (`rollup_lane_*`), summed when read. Nothing to rewrite (everything
/// so far is lane 0's): the version keeps older builds out, which would read a second lane
/// of the ledger as a gap, the blocks as lost orders and the figures without the lanes'.
fn to_version_22(_store: &Store) -> Result<(), StoreError> {
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn there_is_one_migration_per_schema_version() {
        assert_eq!(
            super::ALL.len() + 1,
            usize::try_from(crate::store::SCHEMA_VERSION).unwrap()
        );
    }
}
