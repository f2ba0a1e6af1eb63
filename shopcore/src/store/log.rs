//! Append-only logs in chunks: entries numbered by a sequence number, each record holding
//! [`LOG_CHUNK`] consecutive ones (chunk number = seq ÷ `LOG_CHUNK` → the chunk's entries as
//! (seq, encoded entry), ascending). The commits of one writer batch append consecutive
//! sequence numbers, so they rewrite one or two chunk records instead of writing a key each;
//! appending re-encodes the entries' bytes, never the entries. An entry removed from a chunk
//! (retention) leaves the others in place; a chunk that empties goes.

use super::{Record, Span, Store, StoreError, Tx, decode, encode, record};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::ops::Bound;

/// A lane of a log kept per writer: its entries are numbered `lane · 2⁴⁰ + n`, n = 1, 2, …
/// in the order its writer committed them, so each writer appends to chunks of its own and
/// the lanes of several processes never share a record. Lane 0 is the log as it always
/// was (sled has only it); readers that follow a log in order follow each lane.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Lane(pub(crate) u32);

/// The bits of a sequence number below its lane.
const LANE_SHIFT: u32 = 40;

impl Lane {
    /// The highest lane: numbers of a lane above it would not fit in 64 bits.
    pub(crate) const MAX: u32 = (1 << (64 - LANE_SHIFT)) - 1;

    /// The lane of sequence number `seq`.
    pub(crate) fn of(seq: u64) -> Lane {
        Lane(u32::try_from(seq >> LANE_SHIFT).unwrap_or(u32::MAX))
    }

    /// The number before the lane's first entry (its entries start one above).
    pub(crate) fn base(self) -> u64 {
        u64::from(self.0) << LANE_SHIFT
    }

    /// The lane's last possible sequence number.
    pub(crate) fn last(self) -> u64 {
        self.base() | ((1u64 << LANE_SHIFT) - 1)
    }

    /// The next lane, if there is one.
    pub(crate) fn next(self) -> Option<Lane> {
        (self.0 < Lane::MAX).then(|| Lane(self.0 + 1))
    }

    /// Lane `n`, if there is one.
    pub(crate) fn numbered(n: u64) -> Option<Lane> {
        u32::try_from(n).ok().filter(|n| *n <= Lane::MAX).map(Lane)
    }
}

/// The lanes a log holds entries in, ascending: one seek per lane.
pub(crate) fn lanes<L: Log>(store: &Store) -> Result<Vec<Lane>, StoreError> {
    lanes_by(|from| seqs::<L>(store, Bound::Included(from), Bound::Unbounded, false).next())
}

/// The lanes of anything numbered in lanes, ascending, given the first number at or after
/// a number (`first_from`): one call per lane.
pub(crate) fn lanes_by(
    mut first_from: impl FnMut(u64) -> Option<Result<u64, StoreError>>,
) -> Result<Vec<Lane>, StoreError> {
    let mut out = Vec::new();
    let mut from = 0u64;
    while let Some(seq) = first_from(from) {
        let lane = Lane::of(seq?);
        out.push(lane);
        match lane.next() {
            Some(next) => from = next.base(),
            None => break,
        }
    }
    Ok(out)
}

/// Entries per chunk.
pub(crate) const LOG_CHUNK: u64 = 8;

/// A chunk: (sequence number, the entry's encoding), ascending.
pub(crate) type Chunk = Vec<(u64, Bytes)>;

/// An entry's encoding inside a chunk, written and read as one run of bytes (the same bytes
/// bincode writes for a `Vec<u8>`: its length, then the bytes), not byte by byte.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Bytes(pub(crate) Vec<u8>);

impl Serialize for Bytes {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Bytes {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Bytes, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Bytes;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an entry's bytes")
            }
            fn visit_bytes<E: serde::de::Error>(self, bytes: &[u8]) -> Result<Bytes, E> {
                Ok(Bytes(bytes.to_vec()))
            }
            fn visit_byte_buf<E: serde::de::Error>(self, bytes: Vec<u8>) -> Result<Bytes, E> {
                Ok(Bytes(bytes))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Bytes, A::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0));
                while let Some(b) = seq.next_element::<u8>()? {
                    out.push(b);
                }
                Ok(Bytes(out))
            }
        }
        deserializer.deserialize_byte_buf(Visit)
    }
}

/// Entries read back, with their sequence numbers.
pub(crate) type Entries<'a, T> = Box<dyn Iterator<Item = Result<(u64, T), StoreError>> + 'a>;

/// A kind of record that is a log in chunks, and the type of its entries.
pub(crate) trait Log: Record<Key = u64, Value = Chunk> {
    /// What the log holds.
    type Entry: Serialize + DeserializeOwned;
}

fn chunk_of(seq: u64) -> u64 {
    seq / LOG_CHUNK
}

fn decode_entry<L: Log>(seq: u64, bytes: &[u8]) -> Result<L::Entry, StoreError> {
    decode(L::TABLE, &record::key_bytes::<L>(&chunk_of(seq)), bytes).map_err(|e| match e {
        StoreError::Corrupt { table, reason, .. } => StoreError::Corrupt {
            table,
            key: format!("entry {seq}"),
            reason,
        },
        other => other,
    })
}

/// Appends (or replaces) entry `seq`, inside a transaction.
pub(crate) fn append<L: Log>(tx: &Tx<'_>, seq: u64, entry: &L::Entry) -> Result<(), StoreError> {
    let key = chunk_of(seq);
    let mut chunk = tx.load::<L>(&key)?.unwrap_or_default();
    let bytes = Bytes(encode(entry)?);
    match chunk.binary_search_by_key(&seq, |(s, _)| *s) {
        Ok(at) => chunk[at].1 = bytes,
        Err(at) => chunk.insert(at, (seq, bytes)),
    }
    tx.save::<L>(&key, &chunk)
}

/// Entry `seq`, inside a transaction.
pub(crate) fn load<L: Log>(tx: &Tx<'_>, seq: u64) -> Result<Option<L::Entry>, StoreError> {
    let Some(chunk) = tx.load::<L>(&chunk_of(seq))? else {
        return Ok(None);
    };
    match chunk.binary_search_by_key(&seq, |(s, _)| *s) {
        Ok(at) => decode_entry::<L>(seq, &chunk[at].1.0).map(Some),
        Err(_) => Ok(None),
    }
}

/// Whether entry `seq` is there, inside a transaction.
pub(crate) fn has<L: Log>(tx: &Tx<'_>, seq: u64) -> Result<bool, StoreError> {
    Ok(tx
        .load::<L>(&chunk_of(seq))?
        .is_some_and(|chunk| chunk.binary_search_by_key(&seq, |(s, _)| *s).is_ok()))
}

/// Removes entry `seq`, inside a transaction; returns whether it was there.
pub(crate) fn remove<L: Log>(tx: &Tx<'_>, seq: u64) -> Result<bool, StoreError> {
    let key = chunk_of(seq);
    let Some(mut chunk) = tx.load::<L>(&key)? else {
        return Ok(false);
    };
    let Ok(at) = chunk.binary_search_by_key(&seq, |(s, _)| *s) else {
        return Ok(false);
    };
    chunk.remove(at);
    if chunk.is_empty() {
        tx.delete::<L>(&key)?;
    } else {
        tx.save::<L>(&key, &chunk)?;
    }
    Ok(true)
}

/// Entry `seq`, outside a transaction.
pub(crate) fn fetch<L: Log>(store: &Store, seq: u64) -> Result<Option<L::Entry>, StoreError> {
    let Some(chunk) = store.fetch::<L>(&chunk_of(seq))? else {
        return Ok(None);
    };
    match chunk.binary_search_by_key(&seq, |(s, _)| *s) {
        Ok(at) => decode_entry::<L>(seq, &chunk[at].1.0).map(Some),
        Err(_) => Ok(None),
    }
}

/// The entries between two bounds, in order (descending when `reverse`), with their
/// sequence numbers. A chunk that does not decode is one error; an entry that does not
/// decode is one error, and the walk goes on.
pub(crate) fn scan<'a, L: Log + 'a>(
    store: &'a Store,
    lower: Bound<u64>,
    upper: Bound<u64>,
    reverse: bool,
) -> Entries<'a, L::Entry> {
    Box::new(
        raw::<L>(store, lower, upper, reverse)
            .map(|item| item.and_then(|(seq, bytes)| Ok((seq, decode_entry::<L>(seq, &bytes)?)))),
    )
}

/// The sequence numbers between two bounds, in order, without decoding the entries.
pub(crate) fn seqs<'a, L: Log + 'a>(
    store: &'a Store,
    lower: Bound<u64>,
    upper: Bound<u64>,
    reverse: bool,
) -> Box<dyn Iterator<Item = Result<u64, StoreError>> + 'a> {
    Box::new(raw::<L>(store, lower, upper, reverse).map(|item| item.map(|(seq, _)| seq)))
}

/// The entries' encodings between two bounds, in order.
fn raw<'a, L: Log + 'a>(
    store: &'a Store,
    lower: Bound<u64>,
    upper: Bound<u64>,
    reverse: bool,
) -> impl Iterator<Item = Result<(u64, Vec<u8>), StoreError>> + 'a {
    // The chunks holding the bounds are read whole, and their entries filtered.
    let mut span = Span::<L>::all();
    if let Bound::Included(s) | Bound::Excluded(s) = lower {
        span = span.from(Bound::Included(&chunk_of(s)));
    }
    if let Bound::Included(s) | Bound::Excluded(s) = upper {
        span = span.to(Bound::Included(&chunk_of(s)));
    }
    let within = move |seq: &u64| {
        (match lower {
            Bound::Included(l) => *seq >= l,
            Bound::Excluded(l) => *seq > l,
            Bound::Unbounded => true,
        }) && (match upper {
            Bound::Included(u) => *seq <= u,
            Bound::Excluded(u) => *seq < u,
            Bound::Unbounded => true,
        })
    };
    store
        .scan(span, reverse)
        .flat_map(move |item| -> Entries<'static, Vec<u8>> {
            match item {
                Ok((_, chunk)) => {
                    let entries = chunk
                        .into_iter()
                        .filter(move |(seq, _)| within(seq))
                        .map(|(seq, bytes)| (seq, bytes.0));
                    if reverse {
                        Box::new(entries.rev().map(Ok))
                    } else {
                        Box::new(entries.map(Ok))
                    }
                }
                Err(e) => Box::new(std::iter::once(Err(e))),
            }
        })
}

/// Moves a log kept as a record per entry (`Old`, keyed by sequence number) into the chunks
/// of `New`, 16,384 entries per flush, reporting progress as `doing`, and empties `Old`: the
/// migration of every log that moved into chunks. Run again after an interruption it writes
/// the same chunks.
pub(crate) fn migrate_from_records<Old, New>(
    store: &Store,
    doing: &'static str,
) -> Result<(), StoreError>
where
    Old: Record<Key = u64>,
    New: Log,
{
    store.report_progress(doing, 0);
    let mut batch = Vec::new();
    let mut done = 0u64;
    for item in store.scan_raw(Span::<Old>::all()) {
        let (seq, bytes) = item?;
        batch.push((seq, bytes.to_vec()));
        done += 1;
        if batch.len() == 16 * 1024 {
            put_for_migration::<New>(store, std::mem::take(&mut batch))?;
            store.report_progress(doing, done);
        }
    }
    put_for_migration::<New>(store, batch)?;
    store.clear_kind_for_migration::<Old>()
}

/// Writes encoded entries outside any transaction, into their chunks (merged with what a
/// chunk holds already), flushing once: for migrations.
pub(crate) fn put_for_migration<L: Log>(
    store: &Store,
    entries: Vec<(u64, Vec<u8>)>,
) -> Result<(), StoreError> {
    let mut chunks: std::collections::BTreeMap<u64, Chunk> = Default::default();
    for (seq, bytes) in entries {
        chunks
            .entry(chunk_of(seq))
            .or_default()
            .push((seq, Bytes(bytes)));
    }
    let mut batch = Vec::with_capacity(chunks.len());
    for (k, new) in chunks {
        let mut chunk = store.fetch::<L>(&k)?.unwrap_or_default();
        for (seq, bytes) in new {
            match chunk.binary_search_by_key(&seq, |(s, _)| *s) {
                Ok(at) => chunk[at].1 = bytes,
                Err(at) => chunk.insert(at, (seq, bytes)),
            }
        }
        batch.push((k, encode(&chunk)?));
    }
    store.put_encoded_for_migration::<L>(batch)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Timestamp;
    use crate::store::Table;

    crate::store::record!(
        /// A test log of numbers.
        Numbers: Table::Sessions, "numbers", u64 => Chunk
    );
    impl Log for Numbers {
        type Entry = String;
    }

    fn seqs_of(store: &Store, lower: Bound<u64>, upper: Bound<u64>, reverse: bool) -> Vec<u64> {
        scan::<Numbers>(store, lower, upper, reverse)
            .map(|item| {
                let (seq, text) = item.unwrap();
                assert_eq!(text, format!("entry {seq}"));
                seq
            })
            .collect()
    }

    #[test]
    fn entries_append_read_scan_and_remove_through_their_chunks() {
        let (_dir, store) = Store::temporary(Default::default());
        // 40 entries in three transactions, over several chunks.
        let chunks = |seqs: &[u64]| -> u64 {
            let set: std::collections::BTreeSet<u64> = seqs.iter().map(|s| chunk_of(*s)).collect();
            set.len() as u64
        };
        for range in [1..=10u64, 11..=30, 31..=40] {
            store
                .transact(Timestamp(0), |tx| {
                    for seq in range.clone() {
                        append::<Numbers>(tx, seq, &format!("entry {seq}"))?;
                    }
                    Ok::<_, StoreError>(())
                })
                .unwrap();
        }
        let all: Vec<u64> = (1..=40).collect();
        assert_eq!(store.count(Span::<Numbers>::all()).unwrap(), chunks(&all));
        assert!(chunks(&all) > 2);
        assert_eq!(
            fetch::<Numbers>(&store, 17).unwrap().as_deref(),
            Some("entry 17")
        );
        assert_eq!(fetch::<Numbers>(&store, 41).unwrap(), None);
        assert_eq!(
            seqs_of(&store, Bound::Unbounded, Bound::Unbounded, false),
            all
        );
        // Bounds inside chunks, both directions.
        assert_eq!(
            seqs_of(&store, Bound::Excluded(15), Bound::Included(17), false),
            vec![16, 17]
        );
        assert_eq!(
            seqs_of(&store, Bound::Included(30), Bound::Excluded(34), true),
            vec![33, 32, 31, 30]
        );
        assert_eq!(
            seqs::<Numbers>(&store, Bound::Unbounded, Bound::Excluded(3), true)
                .map(Result::unwrap)
                .collect::<Vec<_>>(),
            vec![2, 1]
        );
        // Removing leaves the rest of the chunk; an emptied chunk goes.
        store
            .transact(Timestamp(0), |tx| {
                assert!(remove::<Numbers>(tx, 17)?);
                assert!(!remove::<Numbers>(tx, 17)?);
                assert!(!has::<Numbers>(tx, 17)?);
                assert!(has::<Numbers>(tx, 18)?);
                for seq in 32..=40 {
                    remove::<Numbers>(tx, seq)?;
                }
                Ok::<_, StoreError>(())
            })
            .unwrap();
        let left: Vec<u64> = (1..=31).filter(|s| *s != 17).collect();
        assert_eq!(store.count(Span::<Numbers>::all()).unwrap(), chunks(&left));
        assert_eq!(
            seqs_of(&store, Bound::Unbounded, Bound::Unbounded, false),
            left
        );
        // A migration's writes merge into the chunks already there.
        put_for_migration::<Numbers>(&store, vec![(17, encode(&"entry 17").unwrap())]).unwrap();
        assert_eq!(
            seqs_of(&store, Bound::Included(16), Bound::Included(18), false),
            vec![16, 17, 18]
        );
    }
}
