//! The typed record seam. Domain modules declare each kind of record they keep — the table
//! it lives in, the typed tuple that identifies it ([`Key`]) and its value — with
//! `record!`; they read, write and scan records by those typed keys and
//! never build a byte key. The store turns a key into bytes here, and only here.
//!
//! A key is a tuple of parts ([`KeyPart`]), each with a [`Column`] type. For sled the parts
//! are concatenated so that byte order is the tuple's order: integers big-endian, signed
//! ones with the sign bit flipped, text as its UTF-8 bytes (ended by a NUL unless it is the
//! last part), self-delimiting enums as a tag followed by their fields. PostgreSQL keeps the
//! same bytes as each row's primary key (bytea orders bytewise), so a span is the same range
//! there; [`Record::COLUMNS`] says what type each part is (spans check their prefixes
//! against it).
//!
//! A [`Span`] selects keys by a leading part of the tuple (a prefix) and bounds made of
//! leading parts: a partial key stands for the block of every key that starts with it, so
//! "after (status)" means after every key of that status. Backends answer the same span
//! with the same records in the same order.

use super::{StoreError, Table, key};
use crate::clock::Timestamp;
use crate::ids::{
    BroadcastId, CategoryId, CouponCode, CurrencyCode, InvoiceId, OrderId, PaymentMethodId,
    ProductId, RequestKey, TopupId, UserId,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::marker::PhantomData;
use std::ops::Bound;

/// The type of one key part.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Column {
    /// A small code (a status, a role): `u8`.
    Code8,
    /// A wider code (an audit action): `u16`.
    Code16,
    /// An unsigned 64-bit integer: a sequence number, a slot.
    U64,
    /// A user id.
    User,
    /// A sequential id of the named kind (`"order"`, `"product"`, …).
    Id(&'static str),
    /// A signed 32-bit integer (a sort order).
    I32,
    /// A point in time (signed 64-bit milliseconds).
    Time,
    /// A signed 64-bit integer (a day number).
    I64,
    /// A SHA-256 digest.
    Hash,
    /// UTF-8 text without NUL.
    Text,
    /// Who did something: a user id, or a system name.
    Actor,
    /// What a proof was first used for: a top-up or an order.
    ProofUse,
}

/// One part of a key.
pub(crate) trait KeyPart: Sized {
    /// Its column type.
    const COLUMN: Column;
    /// Appends the part's bytes; `last` when nothing follows it in the key.
    fn put(&self, out: &mut Vec<u8>, last: bool);
    /// Reads the part from the front of `input`, advancing it; `last` as for [`Self::put`].
    fn take(input: &mut &[u8], last: bool) -> Option<Self>;
}

/// A whole key, or a leading part of one: a tuple of [`KeyPart`]s (one part on its own,
/// `()` for a record that is alone in its kind).
pub(crate) trait Key: Sized {
    /// The columns of the tuple, in order.
    const COLUMNS: &'static [Column];
    /// Appends the key's bytes. `complete` when the tuple is the whole key of its record
    /// (its last part is then the key's last part).
    fn put_key(&self, out: &mut Vec<u8>, complete: bool);
    /// Reads a whole key; `None` when the bytes are not one.
    fn take_key(input: &[u8]) -> Option<Self>;
}

/// Takes exactly `N` bytes from the front of `input`.
pub(crate) fn take_array<const N: usize>(input: &mut &[u8]) -> Option<[u8; N]> {
    let (head, rest) = input.split_at_checked(N)?;
    *input = rest;
    head.try_into().ok()
}

impl KeyPart for u64 {
    const COLUMN: Column = Column::U64;
    fn put(&self, out: &mut Vec<u8>, _last: bool) {
        out.extend_from_slice(&self.to_be_bytes());
    }
    fn take(input: &mut &[u8], _last: bool) -> Option<u64> {
        take_array(input).map(u64::from_be_bytes)
    }
}

impl KeyPart for u8 {
    const COLUMN: Column = Column::Code8;
    fn put(&self, out: &mut Vec<u8>, _last: bool) {
        out.push(*self);
    }
    fn take(input: &mut &[u8], _last: bool) -> Option<u8> {
        take_array::<1>(input).map(|[b]| b)
    }
}

impl KeyPart for u16 {
    const COLUMN: Column = Column::Code16;
    fn put(&self, out: &mut Vec<u8>, _last: bool) {
        out.extend_from_slice(&self.to_be_bytes());
    }
    fn take(input: &mut &[u8], _last: bool) -> Option<u16> {
        take_array(input).map(u16::from_be_bytes)
    }
}

impl KeyPart for i32 {
    const COLUMN: Column = Column::I32;
    fn put(&self, out: &mut Vec<u8>, _last: bool) {
        // The sign bit flipped: byte order is numeric order for negative values too.
        out.extend_from_slice(
            &(u32::from_be_bytes(self.to_be_bytes()) ^ 0x8000_0000).to_be_bytes(),
        );
    }
    fn take(input: &mut &[u8], _last: bool) -> Option<i32> {
        let raw = u32::from_be_bytes(take_array(input)?) ^ 0x8000_0000;
        Some(i32::from_be_bytes(raw.to_be_bytes()))
    }
}

impl KeyPart for i64 {
    const COLUMN: Column = Column::I64;
    fn put(&self, out: &mut Vec<u8>, _last: bool) {
        // The sign bit flipped, as for times.
        out.extend_from_slice(&Timestamp(*self).to_key_bytes());
    }
    fn take(input: &mut &[u8], last: bool) -> Option<i64> {
        Timestamp::take(input, last).map(|t| t.0)
    }
}

impl KeyPart for Timestamp {
    const COLUMN: Column = Column::Time;
    fn put(&self, out: &mut Vec<u8>, _last: bool) {
        out.extend_from_slice(&self.to_key_bytes());
    }
    fn take(input: &mut &[u8], _last: bool) -> Option<Timestamp> {
        let raw = u64::from_be_bytes(take_array(input)?) ^ (1 << 63);
        Some(Timestamp(i64::from_be_bytes(raw.to_be_bytes())))
    }
}

impl KeyPart for [u8; 32] {
    const COLUMN: Column = Column::Hash;
    fn put(&self, out: &mut Vec<u8>, _last: bool) {
        out.extend_from_slice(self);
    }
    fn take(input: &mut &[u8], _last: bool) -> Option<[u8; 32]> {
        take_array(input)
    }
}

impl KeyPart for String {
    const COLUMN: Column = Column::Text;
    fn put(&self, out: &mut Vec<u8>, last: bool) {
        // Keys' text never holds NUL (every text passes the text rules), so NUL ends it.
        out.extend_from_slice(self.as_bytes());
        if !last {
            out.push(0);
        }
    }
    fn take(input: &mut &[u8], last: bool) -> Option<String> {
        let (text, rest) = if last {
            (*input, &[][..])
        } else {
            let end = input.iter().position(|&b| b == 0)?;
            (&input[..end], &input[end + 1..])
        };
        let text = std::str::from_utf8(text).ok()?.to_owned();
        *input = rest;
        Some(text)
    }
}

impl KeyPart for UserId {
    const COLUMN: Column = Column::User;
    fn put(&self, out: &mut Vec<u8>, last: bool) {
        self.get().put(out, last);
    }
    fn take(input: &mut &[u8], last: bool) -> Option<UserId> {
        UserId::new(u64::take(input, last)?).ok()
    }
}

macro_rules! id_parts {
    ($($id:ident => $name:literal),* $(,)?) => {$(
        impl KeyPart for $id {
            const COLUMN: Column = Column::Id($name);
            fn put(&self, out: &mut Vec<u8>, last: bool) {
                self.get().put(out, last);
            }
            fn take(input: &mut &[u8], last: bool) -> Option<$id> {
                $id::new(u64::take(input, last)?).ok()
            }
        }
    )*};
}

id_parts!(
    CategoryId => "category",
    ProductId => "product",
    PaymentMethodId => "payment_method",
    TopupId => "topup",
    InvoiceId => "invoice",
    OrderId => "order",
    BroadcastId => "broadcast",
);

/// A key part for an enum stored as its `u8` code: `code_part!(Type, code_fn, [variants])`.
macro_rules! code_part {
    ($ty:ty, $code:expr, $all:expr) => {
        /// As a key: its code, `u8`.
        impl $crate::store::KeyPart for $ty {
            const COLUMN: $crate::store::Column = $crate::store::Column::Code8;
            fn put(&self, out: &mut Vec<u8>, last: bool) {
                $crate::store::KeyPart::put(&$code(*self), out, last);
            }
            fn take(input: &mut &[u8], last: bool) -> Option<$ty> {
                let code = <u8 as $crate::store::KeyPart>::take(input, last)?;
                $all.into_iter().find(|v| $code(*v) == code)
            }
        }
    };
}
pub(crate) use code_part;

macro_rules! text_parts {
    ($($text:ident => $make:path),* $(,)?) => {$(
        impl KeyPart for $text {
            const COLUMN: Column = Column::Text;
            fn put(&self, out: &mut Vec<u8>, last: bool) {
                out.extend_from_slice(self.as_str().as_bytes());
                if !last {
                    out.push(0);
                }
            }
            fn take(input: &mut &[u8], last: bool) -> Option<$text> {
                $make(&String::take(input, last)?).ok()
            }
        }
    )*};
}

text_parts!(
    CurrencyCode => CurrencyCode::parse,
    CouponCode => CouponCode::parse,
    RequestKey => RequestKey::new,
);

impl Key for () {
    const COLUMNS: &'static [Column] = &[];
    fn put_key(&self, _out: &mut Vec<u8>, _complete: bool) {}
    fn take_key(input: &[u8]) -> Option<()> {
        input.is_empty().then_some(())
    }
}

impl<A: KeyPart> Key for A {
    const COLUMNS: &'static [Column] = &[A::COLUMN];
    fn put_key(&self, out: &mut Vec<u8>, complete: bool) {
        self.put(out, complete);
    }
    fn take_key(mut input: &[u8]) -> Option<A> {
        let a = A::take(&mut input, true)?;
        input.is_empty().then_some(a)
    }
}

impl<A: KeyPart, B: KeyPart> Key for (A, B) {
    const COLUMNS: &'static [Column] = &[A::COLUMN, B::COLUMN];
    fn put_key(&self, out: &mut Vec<u8>, complete: bool) {
        self.0.put(out, false);
        self.1.put(out, complete);
    }
    fn take_key(mut input: &[u8]) -> Option<(A, B)> {
        let a = A::take(&mut input, false)?;
        let b = B::take(&mut input, true)?;
        input.is_empty().then_some((a, b))
    }
}

impl<A: KeyPart, B: KeyPart, C: KeyPart> Key for (A, B, C) {
    const COLUMNS: &'static [Column] = &[A::COLUMN, B::COLUMN, C::COLUMN];
    fn put_key(&self, out: &mut Vec<u8>, complete: bool) {
        self.0.put(out, false);
        self.1.put(out, false);
        self.2.put(out, complete);
    }
    fn take_key(mut input: &[u8]) -> Option<(A, B, C)> {
        let a = A::take(&mut input, false)?;
        let b = B::take(&mut input, false)?;
        let c = C::take(&mut input, true)?;
        input.is_empty().then_some((a, b, c))
    }
}

/// A kind of record: the table it lives in, its key and its value. Declared by the domain
/// module that owns it, with `record!`.
pub(crate) trait Record {
    /// The table.
    const TABLE: Table;
    /// Bytes every key of this kind starts with inside its table, when the table holds
    /// several kinds (the roll-ups, the shop's single records in `meta`); empty otherwise.
    const FIXED: &'static [u8];
    /// The name of the kind (in messages, and the kind PostgreSQL's JSON is rendered for).
    const NAME: &'static str;
    /// What identifies one record.
    type Key: Key + 'static;
    /// What the record holds (`()` for an index entry).
    type Value: Serialize + DeserializeOwned + 'static;

    /// The key's columns.
    const COLUMNS: &'static [Column] = <Self::Key as Key>::COLUMNS;
}

/// Declares a kind of record: `record!(/// doc; pub(crate) Name: Table::X, "name",
/// [fixed bytes,] KeyTuple => Value);`
macro_rules! record {
    ($(#[$doc:meta])* $vis:vis $name:ident: $table:expr, $kind:literal, $key:ty => $value:ty) => {
        $crate::store::record!($(#[$doc])* $vis $name: $table, $kind, b"", $key => $value);
    };
    ($(#[$doc:meta])* $vis:vis $name:ident: $table:expr, $kind:literal, $fixed:expr, $key:ty => $value:ty) => {
        $(#[$doc])*
        $vis struct $name;
        impl $crate::store::Record for $name {
            const TABLE: $crate::store::Table = $table;
            const FIXED: &'static [u8] = $fixed;
            const NAME: &'static str = $kind;
            type Key = $key;
            type Value = $value;
        }
    };
}
pub(crate) use record;

/// The bytes of a whole key of `R` within its table.
pub(crate) fn key_bytes<R: Record>(key: &R::Key) -> Vec<u8> {
    let mut out = Vec::with_capacity(R::FIXED.len() + 16);
    out.extend_from_slice(R::FIXED);
    key.put_key(&mut out, true);
    out
}

/// How the reason of a key that is not one of its kind's starts.
const NOT_A_KEY: &str = "not a key of";

/// Whether `error` is a stored key that does not decode as its kind's key (rather than a
/// value that does not decode, or a storage failure): checks report such a record and go on.
pub(crate) fn is_bad_key(error: &StoreError) -> bool {
    matches!(error, StoreError::Corrupt { reason, .. } if reason.starts_with(NOT_A_KEY))
}

/// Reads a key of `R` from its bytes within the table.
pub(crate) fn decode_key<R: Record>(bytes: &[u8]) -> Result<R::Key, StoreError> {
    bytes
        .strip_prefix(R::FIXED)
        .and_then(<R::Key as Key>::take_key)
        .ok_or_else(|| StoreError::Corrupt {
            table: R::TABLE.name(),
            key: key::hex(bytes),
            reason: format!("{NOT_A_KEY} {} ({:?})", R::NAME, R::COLUMNS),
        })
}

/// The bytes of a leading part `P` of `R`'s keys (the whole key when `P` has every column).
/// Panics when `P`'s columns do not lead `R`'s: a programming error, caught by any test that
/// runs the call.
fn prefix_bytes<R: Record, P: Key>(prefix: &P) -> Vec<u8> {
    assert!(
        R::COLUMNS.starts_with(P::COLUMNS),
        "{:?} is not a leading part of the keys of {} ({:?})",
        P::COLUMNS,
        R::NAME,
        R::COLUMNS
    );
    let mut out = R::FIXED.to_vec();
    prefix.put_key(&mut out, P::COLUMNS.len() == R::COLUMNS.len());
    out
}

/// A selection of the records of one kind, in key order: every key that starts with a
/// prefix, narrowed by bounds. Bounds may be partial keys, each standing for the block of
/// keys that start with it.
pub(crate) struct Span<R: Record> {
    lower: Bound<Vec<u8>>,
    upper: Bound<Vec<u8>>,
    _kind: PhantomData<R>,
}

impl<R: Record> Span<R> {
    /// Every record of the kind.
    pub(crate) fn all() -> Span<R> {
        Span::within(&())
    }

    /// Every record whose key starts with `prefix` (a leading part of the key).
    pub(crate) fn within<P: Key>(prefix: &P) -> Span<R> {
        let start = prefix_bytes::<R, P>(prefix);
        let (lower, upper) = if P::COLUMNS.len() == R::COLUMNS.len() {
            // A whole key: the block is that key alone.
            (Bound::Included(start.clone()), Bound::Included(start))
        } else {
            let upper = key::prefix_end(&start).map_or(Bound::Unbounded, Bound::Excluded);
            let lower = if start.is_empty() {
                Bound::Unbounded
            } else {
                Bound::Included(start)
            };
            (lower, upper)
        };
        Span {
            lower,
            upper,
            _kind: PhantomData,
        }
    }

    /// Keeps only keys after (`Excluded`) or from (`Included`) the block of `bound`.
    pub(crate) fn from<P: Key>(mut self, bound: Bound<&P>) -> Span<R> {
        let lower = match bound {
            Bound::Unbounded => return self,
            Bound::Included(p) => Bound::Included(prefix_bytes::<R, P>(p)),
            Bound::Excluded(p) => {
                let start = prefix_bytes::<R, P>(p);
                if P::COLUMNS.len() == R::COLUMNS.len() {
                    Bound::Excluded(start)
                } else {
                    match key::prefix_end(&start) {
                        Some(end) => Bound::Included(end),
                        // Nothing follows a block of all 0xFF.
                        None => Bound::Excluded(start),
                    }
                }
            }
        };
        if lower_is_tighter(&lower, &self.lower) {
            self.lower = lower;
        }
        self
    }

    /// Keeps only keys before (`Excluded`) or up to (`Included`) the block of `bound`.
    pub(crate) fn to<P: Key>(mut self, bound: Bound<&P>) -> Span<R> {
        let upper = match bound {
            Bound::Unbounded => return self,
            Bound::Excluded(p) => Bound::Excluded(prefix_bytes::<R, P>(p)),
            Bound::Included(p) => {
                let start = prefix_bytes::<R, P>(p);
                if P::COLUMNS.len() == R::COLUMNS.len() {
                    Bound::Included(start)
                } else {
                    key::prefix_end(&start).map_or(Bound::Unbounded, Bound::Excluded)
                }
            }
        };
        if upper_is_tighter(&upper, &self.upper) {
            self.upper = upper;
        }
        self
    }

    /// The bounds, as byte keys within the table.
    pub(crate) fn into_bounds(self) -> (Bound<Vec<u8>>, Bound<Vec<u8>>) {
        (self.lower, self.upper)
    }
}

fn lower_is_tighter(new: &Bound<Vec<u8>>, old: &Bound<Vec<u8>>) -> bool {
    match (new, old) {
        (Bound::Unbounded, _) => false,
        (_, Bound::Unbounded) => true,
        (Bound::Included(n) | Bound::Excluded(n), Bound::Included(o)) => n >= o,
        (Bound::Included(n), Bound::Excluded(o)) => n > o,
        (Bound::Excluded(n), Bound::Excluded(o)) => n >= o,
    }
}

fn upper_is_tighter(new: &Bound<Vec<u8>>, old: &Bound<Vec<u8>>) -> bool {
    match (new, old) {
        (Bound::Unbounded, _) => false,
        (_, Bound::Unbounded) => true,
        (Bound::Included(n) | Bound::Excluded(n), Bound::Included(o)) => n <= o,
        (Bound::Included(n), Bound::Excluded(o)) => n < o,
        (Bound::Excluded(n), Bound::Excluded(o)) => n <= o,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    crate::store::record!(
        /// Test kind: text then a user.
        Pairs: Table::CouponUses, "pairs", (String, UserId) => u32
    );
    crate::store::record!(
        /// Test kind with a fixed lead.
        Days: Table::Rollups, "days", b"d", Timestamp => u64
    );

    fn user(n: u64) -> UserId {
        UserId::new(n).unwrap()
    }

    #[test]
    fn keys_round_trip_and_sort_like_their_tuples() {
        let keys = [
            ("A".to_owned(), user(2)),
            ("A".to_owned(), user(300)),
            ("AB".to_owned(), user(1)),
            ("B".to_owned(), user(1)),
        ];
        let bytes: Vec<Vec<u8>> = keys.iter().map(key_bytes::<Pairs>).collect();
        for pair in bytes.windows(2) {
            assert!(pair[0] < pair[1]);
        }
        for (k, b) in keys.iter().zip(&bytes) {
            assert_eq!(&decode_key::<Pairs>(b).unwrap(), k);
        }
        // The layout the tables have always had: text, NUL, big-endian id.
        assert_eq!(
            bytes[0],
            [b"A".as_slice(), &[0], &2u64.to_be_bytes()].concat()
        );
        let days = [Timestamp(-5), Timestamp(0), Timestamp(7)];
        let day_bytes: Vec<Vec<u8>> = days.iter().map(key_bytes::<Days>).collect();
        assert!(day_bytes.windows(2).all(|p| p[0] < p[1]));
        assert_eq!(day_bytes[1][0], b'd');
        assert_eq!(decode_key::<Days>(&day_bytes[0]).unwrap(), Timestamp(-5));
        for i in [-3i32, -1, 0, 1, i32::MAX] {
            let mut out = Vec::new();
            i.put(&mut out, true);
            assert_eq!(i32::take(&mut out.as_slice(), true), Some(i));
        }
    }

    #[test]
    fn bad_bytes_are_reported_as_corruption() {
        assert!(is_bad_key(&decode_key::<Pairs>(b"A").unwrap_err())); // no NUL, no id
        let value_error = StoreError::Corrupt {
            table: "t",
            key: String::new(),
            reason: "trailing bytes".into(),
        };
        assert!(!is_bad_key(&value_error));
        assert!(decode_key::<Pairs>(&[b'A', 0, 0, 0, 0, 0, 0, 0, 0, 0]).is_err()); // id 0
        assert!(decode_key::<Days>(&[b'x'; 9]).is_err()); // wrong lead
        let mut long = key_bytes::<Days>(&Timestamp(1));
        long.push(1);
        assert!(decode_key::<Days>(&long).is_err());
    }

    fn within(span: &Span<Pairs>, key: &(String, UserId)) -> bool {
        use std::ops::RangeBounds;
        let (lower, upper) = (span.lower.clone(), span.upper.clone());
        (lower, upper).contains(&key_bytes::<Pairs>(key))
    }

    #[test]
    fn spans_select_blocks_of_leading_parts() {
        let a2 = ("A".to_owned(), user(2));
        let a9 = ("A".to_owned(), user(9));
        let ab1 = ("AB".to_owned(), user(1));
        let b1 = ("B".to_owned(), user(1));
        let all = Span::<Pairs>::all();
        assert!([&a2, &a9, &ab1, &b1].iter().all(|k| within(&all, k)));
        // A prefix of text does not take longer text with the same start.
        let a = Span::<Pairs>::within(&"A".to_owned());
        assert!(within(&a, &a2) && within(&a, &a9));
        assert!(!within(&a, &ab1) && !within(&a, &b1));
        // Bounds by whole keys and by blocks.
        let after_a2 = Span::<Pairs>::within(&"A".to_owned()).from(Bound::Excluded(&a2));
        assert!(!within(&after_a2, &a2) && within(&after_a2, &a9));
        let after_block_a = Span::<Pairs>::all().from(Bound::Excluded(&"A".to_owned()));
        assert!(!within(&after_block_a, &a9) && within(&after_block_a, &ab1));
        let up_to_ab = Span::<Pairs>::all().to(Bound::Included(&"AB".to_owned()));
        assert!(within(&up_to_ab, &ab1) && !within(&up_to_ab, &b1));
        let before_ab = Span::<Pairs>::all().to(Bound::Excluded(&"AB".to_owned()));
        assert!(within(&before_ab, &a9) && !within(&before_ab, &ab1));
        // Narrowing never widens: a bound outside the prefix leaves the prefix's bounds.
        let narrowed = Span::<Pairs>::within(&"A".to_owned()).to(Bound::Included(&b1));
        assert!(!within(&narrowed, &ab1));
        // A whole key as the prefix: that record alone.
        let one = Span::<Pairs>::within(&a2);
        assert!(within(&one, &a2) && !within(&one, &a9));
    }

    #[test]
    #[should_panic(expected = "not a leading part")]
    fn a_prefix_of_the_wrong_type_is_a_programming_error() {
        let _ = Span::<Pairs>::within(&user(1));
    }
}
