//! Typed callback data for inline buttons: one enum, a compact text encoding with a version
//! prefix that always fits Telegram's 64-byte limit, and a parser that returns `Result`, so a
//! stale or tampered button is recognised instead of misread.

use crate::i18n::Lang;
use shopcore::{CategoryId, CurrencyCode, OrderId, PaymentMethodId, ProductId};
use std::fmt::Write as _;

/// Telegram's limit on `callback_data`, in bytes.
pub const CALLBACK_DATA_BYTES_MAX: usize = 64;

/// The encoding version. Bump it when the meaning of an encoding changes: buttons from the
/// old version are then refused as stale rather than misread.
pub const VERSION: &str = "1";

/// Everything a button can ask for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Callback {
    /// The main menu.
    Menu,
    /// The list of categories.
    Shop,
    /// One page (0-based) of a category's products.
    Category { id: CategoryId, page: u32 },
    /// A product card.
    Product { id: ProductId },
    /// Start buying a product.
    Buy { id: ProductId },
    /// Continue without a coupon.
    SkipCoupon,
    /// Pay from the wallet balance.
    PayBalance,
    /// Pay through a payment method.
    PayMethod { id: PaymentMethodId },
    /// Place the order shown on the summary with this nonce.
    Confirm { nonce: u32 },
    /// Abandon the conversation in progress (purchase or top-up).
    CancelFlow,
    /// The wallet screen.
    Wallet,
    /// Choose a method to top up with.
    Topup,
    /// Top up through this method.
    TopupMethod { id: PaymentMethodId },
    /// Wallet history, entries older than `before` (a ledger sequence number).
    History { before: Option<u64> },
    /// My orders, older than `before`.
    Orders { before: Option<OrderId> },
    /// One order's details.
    Order { id: OrderId },
    /// Ask to cancel an order (shows a confirmation).
    CancelOrder { id: OrderId },
    /// Cancel the order for real.
    CancelOrderYes { id: OrderId },
    /// The settings screen.
    Settings,
    /// Switch the language.
    Language { lang: Lang },
    /// The list of currencies.
    Currencies,
    /// Show prices in this currency.
    SetCurrency { code: CurrencyCode },
    /// Help and the support contact.
    Help,
}

/// Why callback data was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CallbackError {
    #[error("callback data is {bytes} bytes; the limit is {CALLBACK_DATA_BYTES_MAX}")]
    TooLong { bytes: usize },
    #[error("callback data has version {found:?}, not {VERSION:?}")]
    Version { found: String },
    #[error("unknown callback tag {tag:?}")]
    UnknownTag { tag: String },
    #[error("malformed callback data {data:?}")]
    Malformed { data: String },
}

impl Callback {
    /// The compact text form: `VERSION`, a tag, then `:`-separated fields.
    pub fn encode(&self) -> String {
        let mut out = String::with_capacity(CALLBACK_DATA_BYTES_MAX);
        out.push_str(VERSION);
        // `write!` into a String cannot fail.
        let _ = match self {
            Callback::Menu => write!(out, "m"),
            Callback::Shop => write!(out, "s"),
            Callback::Category { id, page } => write!(out, "c:{}:{page}", id.get()),
            Callback::Product { id } => write!(out, "p:{}", id.get()),
            Callback::Buy { id } => write!(out, "b:{}", id.get()),
            Callback::SkipCoupon => write!(out, "k"),
            Callback::PayBalance => write!(out, "pb"),
            Callback::PayMethod { id } => write!(out, "pm:{}", id.get()),
            Callback::Confirm { nonce } => write!(out, "y:{nonce}"),
            Callback::CancelFlow => write!(out, "x"),
            Callback::Wallet => write!(out, "w"),
            Callback::Topup => write!(out, "t"),
            Callback::TopupMethod { id } => write!(out, "tm:{}", id.get()),
            Callback::History { before: None } => write!(out, "h"),
            Callback::History { before: Some(seq) } => write!(out, "h:{seq}"),
            Callback::Orders { before: None } => write!(out, "o"),
            Callback::Orders { before: Some(id) } => write!(out, "o:{}", id.get()),
            Callback::Order { id } => write!(out, "od:{}", id.get()),
            Callback::CancelOrder { id } => write!(out, "oc:{}", id.get()),
            Callback::CancelOrderYes { id } => write!(out, "oy:{}", id.get()),
            Callback::Settings => write!(out, "g"),
            Callback::Language { lang: Lang::En } => write!(out, "l:en"),
            Callback::Language { lang: Lang::Ar } => write!(out, "l:ar"),
            Callback::Currencies => write!(out, "cu"),
            Callback::SetCurrency { code } => write!(out, "cs:{}", code.as_str()),
            Callback::Help => write!(out, "?"),
        };
        debug_assert!(
            out.len() <= CALLBACK_DATA_BYTES_MAX,
            "callback data too long"
        );
        out
    }

    /// Parses what [`Callback::encode`] produced; anything else is an error.
    pub fn parse(data: &str) -> Result<Callback, CallbackError> {
        if data.len() > CALLBACK_DATA_BYTES_MAX {
            return Err(CallbackError::TooLong { bytes: data.len() });
        }
        let malformed = || CallbackError::Malformed {
            data: data.chars().take(CALLBACK_DATA_BYTES_MAX).collect(),
        };
        let Some(body) = data.strip_prefix(VERSION) else {
            return Err(CallbackError::Version {
                found: data.chars().take(1).collect(),
            });
        };
        let mut parts = body.split(':');
        let tag = parts.next().unwrap_or_default();
        let fields: Vec<&str> = parts.collect();
        let number = |i: usize| -> Result<u64, CallbackError> {
            let text = fields.get(i).ok_or_else(malformed)?;
            // Only canonical decimal numbers: no signs, no leading zeros, no padding.
            if text.is_empty()
                || !text.bytes().all(|b| b.is_ascii_digit())
                || (text.len() > 1 && text.starts_with('0'))
            {
                return Err(malformed());
            }
            text.parse().map_err(|_| malformed())
        };
        let arity = |n: usize| -> Result<(), CallbackError> {
            if fields.len() == n {
                Ok(())
            } else {
                Err(malformed())
            }
        };
        let callback = match tag {
            "m" => arity(0).map(|()| Callback::Menu)?,
            "s" => arity(0).map(|()| Callback::Shop)?,
            "c" => {
                arity(2)?;
                Callback::Category {
                    id: CategoryId::new(number(0)?).map_err(|_| malformed())?,
                    page: u32::try_from(number(1)?).map_err(|_| malformed())?,
                }
            }
            "p" => {
                arity(1)?;
                Callback::Product {
                    id: ProductId::new(number(0)?).map_err(|_| malformed())?,
                }
            }
            "b" => {
                arity(1)?;
                Callback::Buy {
                    id: ProductId::new(number(0)?).map_err(|_| malformed())?,
                }
            }
            "k" => arity(0).map(|()| Callback::SkipCoupon)?,
            "pb" => arity(0).map(|()| Callback::PayBalance)?,
            "pm" => {
                arity(1)?;
                Callback::PayMethod {
                    id: PaymentMethodId::new(number(0)?).map_err(|_| malformed())?,
                }
            }
            "y" => {
                arity(1)?;
                Callback::Confirm {
                    nonce: u32::try_from(number(0)?).map_err(|_| malformed())?,
                }
            }
            "x" => arity(0).map(|()| Callback::CancelFlow)?,
            "w" => arity(0).map(|()| Callback::Wallet)?,
            "t" => arity(0).map(|()| Callback::Topup)?,
            "tm" => {
                arity(1)?;
                Callback::TopupMethod {
                    id: PaymentMethodId::new(number(0)?).map_err(|_| malformed())?,
                }
            }
            "h" if fields.is_empty() => Callback::History { before: None },
            "h" => {
                arity(1)?;
                Callback::History {
                    before: Some(number(0)?),
                }
            }
            "o" if fields.is_empty() => Callback::Orders { before: None },
            "o" => {
                arity(1)?;
                Callback::Orders {
                    before: Some(OrderId::new(number(0)?).map_err(|_| malformed())?),
                }
            }
            "od" | "oc" | "oy" => {
                arity(1)?;
                let id = OrderId::new(number(0)?).map_err(|_| malformed())?;
                match tag {
                    "od" => Callback::Order { id },
                    "oc" => Callback::CancelOrder { id },
                    _ => Callback::CancelOrderYes { id },
                }
            }
            "g" => arity(0).map(|()| Callback::Settings)?,
            "l" => {
                arity(1)?;
                let lang = match fields[0] {
                    "en" => Lang::En,
                    "ar" => Lang::Ar,
                    _ => return Err(malformed()),
                };
                Callback::Language { lang }
            }
            "cu" => arity(0).map(|()| Callback::Currencies)?,
            "cs" => {
                arity(1)?;
                let code = CurrencyCode::parse(fields[0]).map_err(|_| malformed())?;
                // Only the canonical (upper-case) spelling.
                if code.as_str() != fields[0] {
                    return Err(malformed());
                }
                Callback::SetCurrency { code }
            }
            "?" => arity(0).map(|()| Callback::Help)?,
            other => {
                return Err(CallbackError::UnknownTag {
                    tag: other.chars().take(8).collect(),
                });
            }
        };
        Ok(callback)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_tampered_data() {
        for bad in [
            "",
            "m",
            "2m",
            "1",
            "1zz",
            "1p",
            "1p:",
            "1p:0",
            "1p:-1",
            "1p:01",
            "1p:+1",
            "1p:1:2",
            "1p:99999999999999999999999",
            "1c:1",
            "1c:1:4294967296",
            "1l:fr",
            "1cs:usd",
            "1cs:US",
            "1m:1",
            "1y:",
        ] {
            assert!(Callback::parse(bad).is_err(), "{bad:?} must be refused");
        }
        let long = format!("1p:{}", "1".repeat(80));
        assert!(matches!(
            Callback::parse(&long),
            Err(CallbackError::TooLong { .. })
        ));
    }
}
