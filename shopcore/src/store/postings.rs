//! Posting chunks: an index whose records each hold the ids of one group (an actor, an
//! action, an hour, an order status) among [`BLOCK`] consecutive ids — group · block → the
//! ids, ascending. Writing an index entry for each of k ids of one group that fall in one
//! block rewrites one record, and the commits of one writer batch that touch the same chunk
//! write it once: the index costs a fraction of a key per entry instead of a key each.
//! Reading a group back is a scan of its chunks in order.
//!
//! The checks that an index matches what it indexes use [`checksum`]: a sum of one hash per
//! (chunk, id), computed once from the indexed records and once from the chunks, so that an
//! id missing, extra or in another group's chunk is found without a lookup per record.

use super::{KeyPart, Record, Span, Store, StoreError, Tx};
use std::collections::HashMap;
use std::hash::Hash;
use std::ops::Bound;

/// Ids per chunk.
pub(crate) const BLOCK: u64 = 1024;

/// The block of an id.
pub(crate) fn block_of(id: u64) -> u64 {
    id / BLOCK
}

/// Adds ids to their chunks, each chunk read and written once.
pub(crate) fn add<R, G>(tx: &Tx<'_>, ids: HashMap<(G, u64), Vec<u64>>) -> Result<(), StoreError>
where
    R: Record<Key = (G, u64), Value = Vec<u64>>,
    G: KeyPart + Hash + Eq,
{
    for (key, new) in ids {
        let mut chunk = tx.load::<R>(&key)?.unwrap_or_default();
        for id in new {
            if let Err(at) = chunk.binary_search(&id) {
                chunk.insert(at, id);
            }
        }
        tx.save::<R>(&key, &chunk)?;
    }
    Ok(())
}

/// Writes whole chunks outside any transaction, flushing once, and empties `chunks`: for
/// migrations that build an index from the records it indexes (each chunk must hold every id
/// of its block, as it replaces what is stored).
pub(crate) fn put_for_migration<R, G>(
    store: &Store,
    chunks: &mut HashMap<(G, u64), Vec<u64>>,
) -> Result<(), StoreError>
where
    R: Record<Key = (G, u64), Value = Vec<u64>>,
    G: KeyPart + Hash + Eq,
{
    let batch = chunks
        .drain()
        .map(|(key, ids)| Ok((key, super::encode(&ids)?)))
        .collect::<Result<Vec<_>, StoreError>>()?;
    store.put_encoded_for_migration::<R>(batch)
}

/// Adds one id to `group`'s chunk.
pub(crate) fn add_one<R, G>(tx: &Tx<'_>, group: G, id: u64) -> Result<(), StoreError>
where
    R: Record<Key = (G, u64), Value = Vec<u64>>,
    G: KeyPart + Hash + Eq,
{
    add::<R, G>(tx, HashMap::from([((group, block_of(id)), vec![id])]))
}

/// Removes an id from `group`'s chunk (the chunk goes when it empties).
pub(crate) fn remove<R, G>(tx: &Tx<'_>, group: G, id: u64) -> Result<(), StoreError>
where
    R: Record<Key = (G, u64), Value = Vec<u64>>,
    G: KeyPart,
{
    let key = (group, block_of(id));
    if let Some(mut chunk) = tx.load::<R>(&key)?
        && let Ok(at) = chunk.binary_search(&id)
    {
        chunk.remove(at);
        if chunk.is_empty() {
            tx.delete::<R>(&key)?;
        } else {
            tx.save::<R>(&key, &chunk)?;
        }
    }
    Ok(())
}

/// The ids of `span`'s chunks with their group, in order (descending when `reverse`).
pub(crate) fn ids<'a, R, G>(
    store: &'a Store,
    span: Span<R>,
    reverse: bool,
) -> Box<dyn Iterator<Item = Result<(G, u64), StoreError>> + 'a>
where
    R: Record<Key = (G, u64), Value = Vec<u64>> + 'a,
    G: KeyPart + Clone + 'static,
{
    Box::new(store.scan(span, reverse).flat_map(
        move |item| -> Box<dyn Iterator<Item = Result<(G, u64), StoreError>>> {
            match item {
                Ok(((group, _), chunk)) => {
                    let with_group = move |id| Ok((group.clone(), id));
                    if reverse {
                        Box::new(chunk.into_iter().rev().map(with_group))
                    } else {
                        Box::new(chunk.into_iter().map(with_group))
                    }
                }
                Err(e) => Box::new(std::iter::once(Err(e))),
            }
        },
    ))
}

/// The ids of one group after `after` (all of them when `None`), ascending.
pub(crate) fn ids_after<'a, R, G>(
    store: &'a Store,
    group: &G,
    after: Option<u64>,
) -> impl Iterator<Item = Result<u64, StoreError>> + 'a
where
    R: Record<Key = (G, u64), Value = Vec<u64>> + 'a,
    G: KeyPart + Clone + 'static,
{
    let mut span = Span::<R>::within(group);
    if let Some(after) = after {
        span = span.from(Bound::Included(&(group.clone(), block_of(after))));
    }
    ids::<R, G>(store, span, false)
        .map(|item| item.map(|(_, id)| id))
        .filter(move |item| match (item, after) {
            (Ok(id), Some(after)) => *id > after,
            _ => true,
        })
}

/// One indexed id's share of an index's checksum: the key of the chunk it belongs in and
/// the id.
pub(crate) fn share<R: Record>(chunk: &R::Key, id: u64) -> u64 {
    use std::hash::Hasher;
    let mut hasher = std::hash::DefaultHasher::new();
    super::cursor_bytes::<R>(chunk).hash(&mut hasher);
    id.hash(&mut hasher);
    hasher.finish()
}

/// How many ids an index holds and its checksum (the wrapping sum of every id's
/// [`share`]). A chunk whose ids are not ascending or not of its block adds 1 more, so it
/// never matches.
pub(crate) fn checksum<R, G>(store: &Store) -> Result<(u64, u64), StoreError>
where
    R: Record<Key = (G, u64), Value = Vec<u64>>,
    G: KeyPart + 'static,
{
    let (mut n, mut sum) = (0u64, 0u64);
    for item in store.scan(Span::<R>::all(), false) {
        let (key, chunk) = item?;
        let well_formed = !chunk.is_empty()
            && chunk.windows(2).all(|w| w[0] < w[1])
            && chunk.iter().all(|id| block_of(*id) == key.1);
        for id in &chunk {
            n += 1;
            sum = sum.wrapping_add(share::<R>(&key, *id));
        }
        if !well_formed {
            sum = sum.wrapping_add(1);
        }
    }
    Ok((n, sum))
}
