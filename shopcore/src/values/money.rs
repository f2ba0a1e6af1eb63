//! Money: a decimal amount type with checked arithmetic, and the one parser every frontend
//! uses for amounts people type. No `f64` comes near money.
//!
//! A `Money` value carries no currency; the field it sits in says which (prices and balances
//! are USD, the shop's base currency; a top-up's paid amount is in its method's currency).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::fmt;

/// An exact decimal amount of money (a [`Decimal`]), signed: ledger amounts are negative for
/// debits. Serialized as text, so every encoding is exact.
///
/// A `Money` carries no currency; the field it sits in says which. Values are kept
/// normalized (no trailing zeros: `12.50` is stored and displayed as `12.5`); use
/// [`Money::display_with`] to show a fixed number of places. Arithmetic is checked:
/// overflow gives `None`, never a wrapped or rounded amount.
///
/// ```
/// use shopcore::Money;
///
/// let price = shopcore::catalog::parse_price("12.50").unwrap();
/// assert_eq!(price.to_string(), "12.5");
/// assert_eq!(price.display_with(2), "12.50");
/// assert_eq!(price.checked_sub(Money::units(20)).map(Money::is_negative), Some(true));
/// ```
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
pub struct Money(#[serde(with = "rust_decimal::serde::str")] Decimal);

/// Why an amount was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AmountError {
    /// The text is not a plain decimal number (signs, exponents, separators and other
    /// characters are refused rather than guessed).
    #[error("{text:?} is not an amount (write it like 12.50)")]
    NotANumber {
        /// The text given, cut to 40 characters.
        text: String,
    },
    /// Zero or negative.
    #[error("the amount must be more than zero")]
    NotPositive,
    /// More decimal places than this kind of amount allows (trailing zeros don't count).
    #[error("the amount has more than {decimals_max} decimal places")]
    TooManyDecimals {
        /// The most decimal places allowed.
        decimals_max: u32,
    },
    /// Above the limit for this kind of amount.
    #[error("the amount is above the limit of {max}")]
    TooLarge {
        /// The limit.
        max: Money,
    },
    /// Below the minimum for this kind of amount (a payment method's minimum).
    #[error("the amount is below the minimum of {min}")]
    TooSmall {
        /// The minimum.
        min: Money,
    },
}

impl AmountError {
    /// A stable, machine-readable name for the error (`"amount.too_large"`), like
    /// [`crate::Error::kind`].
    pub fn kind(&self) -> &'static str {
        match self {
            AmountError::NotANumber { .. } => "amount.not_a_number",
            AmountError::NotPositive => "amount.not_positive",
            AmountError::TooManyDecimals { .. } => "amount.too_many_decimals",
            AmountError::TooLarge { .. } => "amount.too_large",
            AmountError::TooSmall { .. } => "amount.too_small",
        }
    }
}

impl Money {
    /// Zero.
    pub const ZERO: Money = Money(Decimal::ZERO);

    /// Wraps a decimal, normalized (trailing zeros removed). No rounding or range check:
    /// the operation that takes the amount checks it.
    pub fn from_decimal(value: Decimal) -> Money {
        Money(value.normalize())
    }

    /// Whole units, for constants and tests.
    pub fn units(units: i64) -> Money {
        Money(Decimal::from(units))
    }

    /// The amount as a decimal.
    pub fn decimal(self) -> Decimal {
        self.0
    }

    /// Above zero.
    pub fn is_positive(self) -> bool {
        self.0 > Decimal::ZERO
    }

    /// Below zero.
    pub fn is_negative(self) -> bool {
        self.0 < Decimal::ZERO
    }

    /// `self + other`, or `None` on overflow.
    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money::from_decimal)
    }

    /// `self - other` (which may be negative), or `None` on overflow.
    pub fn checked_sub(self, other: Money) -> Option<Money> {
        self.0.checked_sub(other.0).map(Money::from_decimal)
    }

    /// `self × factor`, unrounded, or `None` on overflow.
    pub fn checked_mul(self, factor: Decimal) -> Option<Money> {
        self.0.checked_mul(factor).map(Money::from_decimal)
    }

    /// `-self`.
    pub fn negated(self) -> Money {
        Money(-self.0)
    }

    /// Decimal places actually used (after normalizing away trailing zeros).
    pub fn decimals(self) -> u32 {
        self.0.normalize().scale()
    }

    /// Rounds half away from zero to `decimals` places (the shop's documented rule for
    /// converted amounts shown or charged in another currency).
    pub fn round_to(self, decimals: u32) -> Money {
        Money::from_decimal(self.0.round_dp_with_strategy(
            decimals,
            rust_decimal::RoundingStrategy::MidpointAwayFromZero,
        ))
    }

    /// Rounds up (away from zero) to `decimals` places: what the shop asks, so that the
    /// amount asked always covers the price.
    pub fn round_up_to(self, decimals: u32) -> Money {
        Money::from_decimal(
            self.0
                .round_dp_with_strategy(decimals, rust_decimal::RoundingStrategy::AwayFromZero),
        )
    }

    /// Rounds down (toward zero) to `decimals` places: what the shop credits, so that it
    /// never credits more than it received.
    pub fn round_down_to(self, decimals: u32) -> Money {
        Money::from_decimal(
            self.0
                .round_dp_with_strategy(decimals, rust_decimal::RoundingStrategy::ToZero),
        )
    }

    /// Checks an amount against the rules for one kind of amount: positive, at most
    /// `decimals_max` places, at most `max`. Returns it normalized, or the first rule it
    /// breaks ([`AmountError::NotPositive`], [`AmountError::TooManyDecimals`],
    /// [`AmountError::TooLarge`]).
    pub fn check(self, decimals_max: u32, max: Money) -> Result<Money, AmountError> {
        if !self.is_positive() {
            return Err(AmountError::NotPositive);
        }
        if self.decimals() > decimals_max {
            return Err(AmountError::TooManyDecimals { decimals_max });
        }
        if self > max {
            return Err(AmountError::TooLarge { max });
        }
        Ok(Money::from_decimal(self.0))
    }

    /// Formats with exactly `decimals` places (for display).
    pub fn display_with(self, decimals: u32) -> String {
        let mut d = self.0;
        d.rescale(decimals);
        d.to_string()
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.normalize())
    }
}

/// Parses an amount a person typed: digits with an optional decimal point. Arabic-Indic and
/// Eastern Arabic-Indic digits and the Arabic decimal separator (٫) are accepted, since
/// Arabic keyboards type them. No signs, exponents, spaces inside or thousands separators:
/// anything unusual is refused rather than guessed. The result is then checked with
/// [`Money::check`] (positive, `decimals_max` places, at most `max`).
///
/// ```
/// use shopcore::Money;
/// use shopcore::money::{AmountError, parse_amount};
///
/// let max = Money::units(10_000);
/// assert_eq!(parse_amount("12.50", 2, max), Ok(Money::from_decimal("12.5".parse().unwrap())));
/// assert_eq!(parse_amount("١٢٫٥", 2, max), parse_amount("12.5", 2, max));
/// assert_eq!(parse_amount("1,000", 2, max).unwrap_err().kind(), "amount.not_a_number");
/// assert_eq!(parse_amount("1.234", 2, max), Err(AmountError::TooManyDecimals { decimals_max: 2 }));
/// ```
pub fn parse_amount(text: &str, decimals_max: u32, max: Money) -> Result<Money, AmountError> {
    let not_a_number = || AmountError::NotANumber {
        text: text.chars().take(40).collect(),
    };
    let trimmed = text.trim();
    if trimmed.is_empty() || trimmed.len() > 64 {
        return Err(not_a_number());
    }
    let mut ascii = String::with_capacity(trimmed.len());
    for c in trimmed.chars() {
        let mapped = match c {
            '0'..='9' | '.' => c,
            '\u{0660}'..='\u{0669}' => arabic_digit(c, '\u{0660}'),
            '\u{06F0}'..='\u{06F9}' => arabic_digit(c, '\u{06F0}'),
            '\u{066B}' => '.',
            '-' if ascii.is_empty() => return Err(AmountError::NotPositive),
            _ => return Err(not_a_number()),
        };
        ascii.push(mapped);
    }
    let (whole, fraction) = match ascii.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (ascii.as_str(), None),
    };
    if whole.is_empty() && fraction.is_none_or(str::is_empty) {
        return Err(not_a_number());
    }
    if let Some(f) = fraction {
        if f.contains('.') {
            return Err(not_a_number());
        }
        let significant = f.trim_end_matches('0').len();
        if u32::try_from(significant).unwrap_or(u32::MAX) > decimals_max {
            return Err(AmountError::TooManyDecimals { decimals_max });
        }
    }
    // Anything with more whole digits than the limit has is too large, even if it would not
    // fit a Decimal at all.
    let whole_digits = whole.trim_start_matches('0').len();
    if whole_digits > 20 {
        return Err(AmountError::TooLarge { max });
    }
    let value: Decimal = ascii
        .trim_end_matches('.')
        .parse()
        .map_err(|_| not_a_number())?;
    Money::from_decimal(value).check(decimals_max, max)
}

fn arabic_digit(c: char, zero: char) -> char {
    let offset = u32::from(c) - u32::from(zero);
    char::from_digit(offset, 10).unwrap_or('?')
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn parse_table() {
        let max = Money::units(10_000);
        let ok = |t: &str, want: Decimal| {
            assert_eq!(
                parse_amount(t, 2, max),
                Ok(Money::from_decimal(want)),
                "{t}"
            )
        };
        ok("12", dec!(12));
        ok(" 12.5 ", dec!(12.5));
        ok("12.50", dec!(12.5));
        ok("0.01", dec!(0.01));
        ok(".5", dec!(0.5));
        ok("5.", dec!(5));
        ok("١٢٫٥", dec!(12.5));
        ok("۱۰۰", dec!(100));
        ok("1.2300", dec!(1.23));
        let err = |t: &str| parse_amount(t, 2, max).unwrap_err().kind();
        assert_eq!(err("0"), "amount.not_positive");
        assert_eq!(err("0.00"), "amount.not_positive");
        assert_eq!(err("-5"), "amount.not_positive");
        assert_eq!(err("1.234"), "amount.too_many_decimals");
        assert_eq!(err("10000.01"), "amount.too_large");
        assert_eq!(err("1e30"), "amount.not_a_number");
        assert_eq!(
            err("1000000000000000000000000000000000"),
            "amount.too_large"
        );
        assert_eq!(err("12,50"), "amount.not_a_number");
        assert_eq!(err("1 000"), "amount.not_a_number");
        assert_eq!(err("+5"), "amount.not_a_number");
        assert_eq!(err("abc"), "amount.not_a_number");
        assert_eq!(err(""), "amount.not_a_number");
        assert_eq!(err("."), "amount.not_a_number");
        assert_eq!(err("1.2.3"), "amount.not_a_number");
        assert_eq!(err("NaN"), "amount.not_a_number");
        assert_eq!(err("5-"), "amount.not_a_number");
    }

    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!(
            Money::from_decimal(dec!(1.005)).round_to(2),
            Money::from_decimal(dec!(1.01))
        );
        assert_eq!(
            Money::from_decimal(dec!(1.004)).round_to(2),
            Money::from_decimal(dec!(1.00))
        );
        assert_eq!(Money::from_decimal(dec!(2.5)).round_to(0), Money::units(3));
    }

    #[test]
    fn serde_round_trip_is_exact() {
        let m = Money::from_decimal(dec!(1234.56));
        let bytes = bincode::serde::encode_to_vec(m, bincode::config::standard()).unwrap();
        let (back, _): (Money, _) =
            bincode::serde::decode_from_slice(&bytes, bincode::config::standard()).unwrap();
        assert_eq!(back, m);
        assert_eq!(m.display_with(2), "1234.56");
        assert_eq!(Money::units(5).display_with(2), "5.00");
    }
}
