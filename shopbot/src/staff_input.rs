//! Pure parsers for what staff type in the panel: player-id rules, signed balance
//! adjustments, coupon discounts, stock, method limits, new currencies, pasted codes and
//! search queries. Each returns `None` (or an error the core would give) for anything it
//! does not understand, so the handler can ask again instead of guessing.

use shopcore::catalog::{PLAYER_ID_LEN_MAX, PlayerField, PlayerIdRule};
use shopcore::money::parse_amount;
use shopcore::{AmountError, CouponKind, Money, OrderId, Stock};

/// Maps Arabic-Indic digits to ASCII so counts typed on Arabic keyboards are understood.
fn ascii_digits(text: &str) -> String {
    text.trim()
        .chars()
        .map(|c| match c {
            '\u{0660}'..='\u{0669}' => char::from_digit(u32::from(c) - 0x0660, 10).unwrap_or(c),
            '\u{06F0}'..='\u{06F9}' => char::from_digit(u32::from(c) - 0x06F0, 10).unwrap_or(c),
            other => other,
        })
        .collect()
}

/// A whole number with no sign, at most `max`.
pub fn count(text: &str, max: u64) -> Option<u64> {
    let digits = ascii_digits(text);
    if digits.is_empty() || digits.len() > 19 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|n| *n <= max)
}

/// Stock: a number, or "∞", "-" or the word for unlimited in any of the bot's languages
/// (`staff-stock_unlimited`: "unlimited", "غير محدود" …), whatever language the staff member
/// reads.
pub fn stock(text: &str, max: u64) -> Option<Stock> {
    let trimmed = text.trim().to_lowercase();
    if trimmed == "∞"
        || trimmed == "-"
        || crate::i18n::Lang::all().any(|l| l.t("staff-stock_unlimited").to_lowercase() == trimmed)
    {
        return Some(Stock::Unlimited);
    }
    count(&trimmed, max).map(Stock::Limited)
}

/// A player field: `LABEL | RULE` where the rule is `digits MIN-MAX`, `alnum MIN-MAX` or
/// `mask PATTERN`. `-` (alone) removes the field: `Some(None)`.
pub fn player_field(text: &str) -> Option<Option<PlayerField>> {
    let trimmed = text.trim();
    if trimmed == "-" {
        return Some(None);
    }
    let (label, rule) = trimmed.split_once('|')?;
    let label = label.trim();
    let rule = rule.trim();
    if label.is_empty() {
        return None;
    }
    let (word, rest) = rule.split_once(char::is_whitespace)?;
    let rest = rest.trim();
    let lengths = |rest: &str| -> Option<(u8, u8)> {
        let (min, max) = rest.split_once('-')?;
        let min = u8::try_from(count(min, u64::from(PLAYER_ID_LEN_MAX))?).ok()?;
        let max = u8::try_from(count(max, u64::from(PLAYER_ID_LEN_MAX))?).ok()?;
        Some((min, max))
    };
    let rule = match word.to_lowercase().as_str() {
        "digits" => {
            let (len_min, len_max) = lengths(rest)?;
            PlayerIdRule::Digits { len_min, len_max }
        }
        "alnum" | "alphanumeric" => {
            let (len_min, len_max) = lengths(rest)?;
            PlayerIdRule::Alphanumeric { len_min, len_max }
        }
        "mask" if !rest.is_empty() => PlayerIdRule::Mask(rest.to_owned()),
        _ => return None,
    };
    Some(Some(PlayerField {
        label: label.to_owned(),
        rule,
    }))
}

/// A signed USD amount for a balance adjustment: `+10`, `-2.50`, `10` (a credit).
pub fn signed_amount(text: &str, max: Money) -> Result<Money, AmountError> {
    let trimmed = text.trim();
    let (negative, rest) = match trimmed.chars().next() {
        Some('-' | '−') => (
            true,
            &trimmed[trimmed.chars().next().map_or(0, char::len_utf8)..],
        ),
        Some('+') => (false, &trimmed[1..]),
        _ => (false, trimmed),
    };
    let amount = parse_amount(rest, 2, max)?;
    Ok(if negative { amount.negated() } else { amount })
}

/// A coupon discount: `20%` (a percentage) or `5` / `5.00` (fixed USD).
pub fn coupon_kind(text: &str) -> Option<CouponKind> {
    let trimmed = text.trim();
    if let Some(number) = trimmed
        .strip_suffix('%')
        .or_else(|| trimmed.strip_suffix('٪'))
    {
        let value = parse_amount(number, 2, Money::units(100)).ok()?;
        return Some(CouponKind::Percentage(value.decimal()));
    }
    let value = parse_amount(
        trimmed,
        2,
        Money::units(shopcore::coupons::COUPON_AMOUNT_MAX_USD),
    )
    .ok()?;
    Some(CouponKind::Fixed(value))
}

/// Method limits typed as `MIN MAX` (or `MIN-MAX`), in the method's currency.
pub fn limits(text: &str, decimals: u32, max: Money) -> Result<(Money, Money), AmountError> {
    let normalized = text.trim().replace(['-', '–'], " ");
    let mut words = normalized.split_whitespace();
    let not_a_number = || AmountError::NotANumber {
        text: text.chars().take(40).collect(),
    };
    let (Some(min), Some(top), None) = (words.next(), words.next(), words.next()) else {
        return Err(not_a_number());
    };
    Ok((
        parse_amount(min, decimals, max)?,
        parse_amount(top, decimals, max)?,
    ))
}

/// A new currency: `CODE SYMBOL DECIMALS RATE` (`EUR € 2 0.92`).
pub fn new_currency(text: &str) -> Option<(String, String, u32, Money)> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let [code, symbol, decimals, rate] = words.as_slice() else {
        return None;
    };
    let decimals = u32::try_from(count(decimals, 8)?).ok()?;
    let rate = shopcore::currency::parse_rate(rate).ok()?;
    Some(((*code).to_owned(), (*symbol).to_owned(), decimals, rate))
}

/// Codes pasted or uploaded: one per line, blank lines dropped.
pub fn codes(text: &str) -> Vec<&str> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect()
}

/// What an orders search asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OrderQuery {
    /// `#123` or `123`: that order (or, for a bare number, the user with that id).
    Order(OrderId),
    /// `@name` or `u123`: that user's orders.
    User(String),
}

pub fn order_query(text: &str) -> Option<OrderQuery> {
    let trimmed = text.trim();
    if trimmed.starts_with('@') {
        return Some(OrderQuery::User(trimmed.to_owned()));
    }
    if let Some(id) = trimmed
        .strip_prefix('u')
        .or_else(|| trimmed.strip_prefix('U'))
    {
        return count(id, u64::MAX).map(|_| OrderQuery::User(ascii_digits(id)));
    }
    let number = trimmed.strip_prefix('#').unwrap_or(trimmed);
    let id = count(number, u64::MAX)?;
    OrderId::new(id).ok().map(OrderQuery::Order)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn money(text: &str) -> Money {
        Money::from_decimal(text.parse().expect("decimal"))
    }

    #[test]
    fn player_fields() {
        assert_eq!(player_field(" - "), Some(None));
        assert_eq!(
            player_field("Player ID | digits 5-12"),
            Some(Some(PlayerField {
                label: "Player ID".into(),
                rule: PlayerIdRule::Digits {
                    len_min: 5,
                    len_max: 12
                }
            }))
        );
        assert_eq!(
            player_field("Account|mask ###-AAA").map(|f| f.map(|f| f.rule)),
            Some(Some(PlayerIdRule::Mask("###-AAA".into())))
        );
        for bad in [
            "Player ID",
            "| digits 1-2",
            "ID | digits 5",
            "ID | words 1-2",
            "ID | mask",
        ] {
            assert_eq!(player_field(bad), None, "{bad}");
        }
    }

    #[test]
    fn signed_amounts() {
        let max = Money::units(1000);
        assert_eq!(signed_amount("+10", max), Ok(money("10")));
        assert_eq!(signed_amount("-2.50", max), Ok(money("-2.50")));
        assert_eq!(signed_amount("−٣", max), Ok(money("-3")));
        assert!(signed_amount("--3", max).is_err());
        assert!(signed_amount("1.001", max).is_err());
        assert!(signed_amount("5000", max).is_err());
    }

    #[test]
    fn coupons_stock_limits_currencies_codes() {
        assert_eq!(
            coupon_kind("20%"),
            Some(CouponKind::Percentage("20".parse().expect("20")))
        );
        assert_eq!(coupon_kind("5"), Some(CouponKind::Fixed(money("5"))));
        assert_eq!(coupon_kind("150%"), None);
        assert_eq!(stock("unlimited", 10), Some(Stock::Unlimited));
        assert_eq!(stock(" Unlimited ", 10), Some(Stock::Unlimited));
        for lang in crate::i18n::Lang::all() {
            let word = lang.t("staff-stock_unlimited");
            assert_eq!(stock(&word, 10), Some(Stock::Unlimited), "{word}");
        }
        assert_eq!(stock("7", 10), Some(Stock::Limited(7)));
        assert_eq!(stock("11", 10), None);
        assert_eq!(
            limits("10 - 5000", 2, Money::units(100_000)),
            Ok((money("10"), money("5000")))
        );
        assert!(limits("10", 2, Money::units(100)).is_err());
        let (code, symbol, decimals, rate) = new_currency("EUR € 2 0.92").expect("currency");
        assert_eq!((code.as_str(), symbol.as_str(), decimals), ("EUR", "€", 2));
        assert_eq!(rate, money("0.92"));
        assert_eq!(new_currency("EUR 2 0.92"), None);
        assert_eq!(codes("A\n\n  B  \r\nC"), vec!["A", "B", "C"]);
    }

    #[test]
    fn order_queries() {
        let id = |n| OrderId::new(n).expect("id");
        assert_eq!(order_query("#12"), Some(OrderQuery::Order(id(12))));
        assert_eq!(order_query("12"), Some(OrderQuery::Order(id(12))));
        assert_eq!(order_query("@sam"), Some(OrderQuery::User("@sam".into())));
        assert_eq!(order_query("u5001"), Some(OrderQuery::User("5001".into())));
        assert_eq!(order_query("hello"), None);
        assert_eq!(order_query("#0"), None);
    }
}
