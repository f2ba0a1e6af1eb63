//! Identifier and code newtypes. Each is validated when built, so a value of one of these
//! types is always well-formed; the store never sees a raw, unchecked id.

use crate::values::invalid::InvalidInput;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A person's id as given by the frontend's platform (a Telegram user id). Positive and
/// at most `i64::MAX`, so it survives any signed 64-bit or JSON round trip.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct UserId(u64);

impl UserId {
    /// The largest id accepted: `i64::MAX`.
    pub const MAX: u64 = i64::MAX as u64;

    /// Wraps a platform user id. Fails with [`InvalidInput::BadUserId`] for 0 and for
    /// anything above [`UserId::MAX`]. (Whether such a user is registered is checked where
    /// it is used.) Text is parsed with [`str::parse`].
    pub fn new(raw: u64) -> Result<UserId, InvalidInput> {
        if raw == 0 || raw > Self::MAX {
            return Err(InvalidInput::BadUserId {
                text: raw.to_string(),
            });
        }
        Ok(UserId(raw))
    }

    /// The raw id.
    pub fn get(self) -> u64 {
        self.0
    }
}

impl FromStr for UserId {
    type Err = InvalidInput;
    fn from_str(text: &str) -> Result<UserId, InvalidInput> {
        let bad = || InvalidInput::BadUserId {
            text: text.chars().take(40).collect(),
        };
        let trimmed = text.trim();
        if trimmed.is_empty() || !trimmed.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let raw: u64 = trimmed.parse().map_err(|_| bad())?;
        UserId::new(raw).map_err(|_| bad())
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A public handle such as a Telegram `@username`: 3 to 32 characters of ASCII letters,
/// digits and underscores, starting with a letter. Stored as typed; compared and indexed
/// case-insensitively (see [`Username::folded`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Username(String);

impl Username {
    /// The shortest handle accepted, in characters (without the `@`).
    pub const CHARS_MIN: usize = 3;
    /// The longest handle accepted, in characters (without the `@`).
    pub const CHARS_MAX: usize = 32;

    /// Accepts the handle with or without a leading `@`; fails with
    /// [`InvalidInput::BadUsername`], saying why, otherwise.
    ///
    /// ```
    /// use shopcore::Username;
    ///
    /// let name = Username::parse("@Layla_1").unwrap();
    /// assert_eq!(name.as_str(), "Layla_1");
    /// assert_eq!(name.to_string(), "@Layla_1");
    /// assert_eq!(name.folded(), "layla_1");
    /// assert!(Username::parse("1layla").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<Username, InvalidInput> {
        let bad = |why: &'static str| InvalidInput::BadUsername {
            text: text.chars().take(40).collect(),
            why,
        };
        let body = text.trim().strip_prefix('@').unwrap_or(text.trim());
        if body.len() < Self::CHARS_MIN || body.len() > Self::CHARS_MAX {
            return Err(bad("it must be 3 to 32 characters long"));
        }
        if !body.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(bad("only letters a-z, digits and _ are allowed"));
        }
        if !body.as_bytes()[0].is_ascii_alphabetic() {
            return Err(bad("it must start with a letter"));
        }
        Ok(Username(body.to_owned()))
    }

    /// The handle as typed, without the `@`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The case-folded form used by the lookup index.
    pub fn folded(&self) -> String {
        self.0.to_ascii_lowercase()
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "@{}", self.0)
    }
}

/// A language tag such as `en`, `ar` or `pt-br`, as frontends report it. Lower-cased.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LanguageCode(String);

impl LanguageCode {
    /// Accepts 2 to 10 characters of letters and `-`, starting with a letter, in any case
    /// (stored lower-cased); fails with [`InvalidInput::BadLanguageCode`] otherwise.
    pub fn parse(text: &str) -> Result<LanguageCode, InvalidInput> {
        let lower = text.trim().to_ascii_lowercase();
        let ok = (2..=10).contains(&lower.len())
            && lower.as_bytes()[0].is_ascii_alphabetic()
            && lower.bytes().all(|b| b.is_ascii_lowercase() || b == b'-');
        if !ok {
            return Err(InvalidInput::BadLanguageCode {
                text: text.chars().take(20).collect(),
            });
        }
        Ok(LanguageCode(lower))
    }

    /// The lower-cased tag.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for LanguageCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An ISO-4217-style currency code: three ASCII letters, upper-cased. Whether the shop
/// knows and accepts the currency is a separate check against its currency table.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct CurrencyCode(String);

impl CurrencyCode {
    /// Accepts three ASCII letters in any case (stored upper-cased); fails with
    /// [`InvalidInput::BadCurrencyCode`] otherwise.
    pub fn parse(text: &str) -> Result<CurrencyCode, InvalidInput> {
        let upper = text.trim().to_ascii_uppercase();
        if upper.len() != 3 || !upper.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(InvalidInput::BadCurrencyCode {
                text: text.chars().take(20).collect(),
            });
        }
        Ok(CurrencyCode(upper))
    }

    /// The shop's base currency; every stored amount is in it unless said otherwise.
    pub fn usd() -> CurrencyCode {
        CurrencyCode("USD".to_owned())
    }

    /// The upper-cased code, like `"USD"`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CurrencyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_ids() {
        assert_eq!("42".parse::<UserId>().unwrap().get(), 42);
        for bad in ["0", "-1", "", "abc", "1.5", "9223372036854775808", "+5"] {
            assert!(bad.parse::<UserId>().is_err(), "{bad}");
        }
        assert!(UserId::new(UserId::MAX).is_ok());
    }

    #[test]
    fn usernames() {
        assert_eq!(Username::parse("@Alice_1").unwrap().as_str(), "Alice_1");
        assert_eq!(Username::parse("Alice_1").unwrap().folded(), "alice_1");
        for bad in [
            "",
            "@",
            "@@alice",
            "ab",
            "1alice",
            "al ice",
            "ålice",
            &"a".repeat(33),
        ] {
            assert!(Username::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn codes() {
        assert_eq!(LanguageCode::parse("AR").unwrap().as_str(), "ar");
        assert_eq!(LanguageCode::parse("pt-br").unwrap().as_str(), "pt-br");
        assert!(LanguageCode::parse("e").is_err());
        assert!(LanguageCode::parse("e n").is_err());
        assert_eq!(CurrencyCode::parse("egp").unwrap().as_str(), "EGP");
        assert!(CurrencyCode::parse("EU").is_err());
        assert!(CurrencyCode::parse("E$P").is_err());
    }
}

macro_rules! sequential_id {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub struct $name(u64);

        impl $name {
            /// Wraps a raw id (from a button, a command). Whether it exists is checked when used.
            /// Fails with [`InvalidInput::BadId`] for 0. Text (`"12"` or `"#12"`) is parsed
            /// with [`str::parse`]; it displays as `#12`.
            pub fn new(raw: u64) -> Result<$name, InvalidInput> {
                if raw == 0 {
                    return Err(InvalidInput::BadId { what: $what, text: "0".into() });
                }
                Ok($name(raw))
            }

            /// The raw id.
            pub fn get(self) -> u64 {
                self.0
            }
        }

        impl FromStr for $name {
            type Err = InvalidInput;
            fn from_str(text: &str) -> Result<$name, InvalidInput> {
                let trimmed = text.trim().trim_start_matches('#');
                let raw = if !trimmed.is_empty() && trimmed.bytes().all(|b| b.is_ascii_digit()) {
                    trimmed.parse::<u64>().ok()
                } else {
                    None
                };
                raw.and_then(|r| $name::new(r).ok()).ok_or_else(|| InvalidInput::BadId {
                    what: $what,
                    text: text.chars().take(40).collect(),
                })
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "#{}", self.0)
            }
        }
    };
}

sequential_id!(
    /// A product category, numbered by the shop from 1.
    CategoryId,
    "category id"
);
sequential_id!(
    /// A product, numbered by the shop from 1.
    ProductId,
    "product id"
);
sequential_id!(
    /// A payment method, numbered by the shop from 1.
    PaymentMethodId,
    "payment method id"
);
sequential_id!(
    /// A wallet top-up request, numbered by the shop from 1.
    TopupId,
    "top-up id"
);
sequential_id!(
    /// An invoice of a payment provider (Telegram Stars, Crypto Pay), numbered by the shop
    /// from 1.
    InvoiceId,
    "invoice id"
);

/// A caller-chosen key that makes a money-moving call idempotent: the same key with the
/// same request returns the first result without a second effect; with a different request
/// it is refused. Frontends use something unique per intent (a Telegram update id, a
/// callback query id). 1 to 100 printable ASCII characters; scoped to the actor.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RequestKey(String);

impl RequestKey {
    /// The longest key accepted, in characters.
    pub const CHARS_MAX: usize = 100;

    /// Accepts 1 to [`RequestKey::CHARS_MAX`] printable ASCII characters (no spaces); fails
    /// with [`InvalidInput::BadRequestKey`] otherwise.
    ///
    /// ```
    /// use shopcore::RequestKey;
    ///
    /// assert!(RequestKey::new("tg-update-734112").is_ok());
    /// assert!(RequestKey::new("with space").is_err());
    /// ```
    pub fn new(text: &str) -> Result<RequestKey, InvalidInput> {
        let ok = !text.is_empty()
            && text.len() <= Self::CHARS_MAX
            && text.bytes().all(|b| b.is_ascii_graphic());
        if !ok {
            return Err(InvalidInput::BadRequestKey {
                text: text.chars().take(40).collect(),
            });
        }
        Ok(RequestKey(text.to_owned()))
    }

    /// The key as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RequestKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
sequential_id!(
    /// An order, numbered by the shop from 1.
    OrderId,
    "order id"
);

/// A coupon code: 3 to 32 characters of letters, digits, `-` and `_`, compared
/// case-insensitively (stored upper-cased).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct CouponCode(String);

impl CouponCode {
    /// Accepts 3 to 32 letters, digits, `-` and `_` in any case (stored upper-cased),
    /// ignoring surrounding spaces; fails with [`InvalidInput::BadCouponCode`] otherwise.
    pub fn parse(text: &str) -> Result<CouponCode, InvalidInput> {
        let upper = text.trim().to_ascii_uppercase();
        let ok = (3..=32).contains(&upper.len())
            && upper
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if !ok {
            return Err(InvalidInput::BadCouponCode {
                text: text.chars().take(40).collect(),
            });
        }
        Ok(CouponCode(upper))
    }

    /// The upper-cased code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CouponCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
sequential_id!(
    /// A broadcast job, numbered by the shop from 1.
    BroadcastId,
    "broadcast id"
);
