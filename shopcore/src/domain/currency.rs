//! Currencies: USD is the base (built in, rate 1, never disabled); staff add others with a
//! rate in units per USD. Unknown or disabled codes are refused wherever a currency is named.
//!
//! Conversion rules (ARCHITECTURE.md, "Currencies and rounding"): prices *shown* in another
//! currency round half away from zero ([`Currency::from_usd`]); what the shop *asks* to be
//! paid rounds up to the currency's smallest unit, so it always covers the price
//! ([`Currency::ask_for_usd`]); what it *credits* for money received rounds down to the cent,
//! so it never credits more than it received ([`credit_usd`]); a refund returns the USD the
//! order debited, never more. The rate used is recorded beside every converted amount.
//!
//! Peers: audit, settings.

use crate::Shop;
use crate::audit::{self, AuditAction, Detail, Target};
use crate::clock::Timestamp;
use crate::error::{Error, InvalidInput, Result};
use crate::ids::CurrencyCode;
use crate::money::{AmountError, Money};
use crate::roles::Permission;
use crate::settings::refuse_in_emergency;
use crate::shop::{Actor, require};
use crate::store::{Span, Table, Tx};
use crate::text::TextRule;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// A currency the shop knows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Currency {
    /// Its code (`"EGP"`).
    pub code: CurrencyCode,
    /// How many units of this currency one USD buys.
    pub units_per_usd: Money,
    /// Decimal places amounts in this currency use (0 to 4).
    pub decimals: u32,
    /// Its symbol for display (`"E£"`), at most 8 characters.
    pub symbol: String,
    /// Usable: prices may be shown in it and payment methods use it. A disabled currency
    /// is refused wherever it is named ([`CurrencyError::Disabled`]).
    pub enabled: bool,
    /// When its rate or state last changed.
    pub updated_at: Timestamp,
}

impl Currency {
    /// The built-in base currency.
    pub fn usd() -> Currency {
        Currency {
            code: CurrencyCode::usd(),
            units_per_usd: Money::units(1),
            decimals: USD_DECIMALS,
            symbol: "$".into(),
            enabled: true,
            updated_at: Timestamp(0),
        }
    }

    /// `usd` in this currency, rounded half away from zero to its decimal places: for
    /// showing an amount only (what the shop asks is [`Currency::ask_for_usd`]). `None` on
    /// overflow.
    pub fn from_usd(&self, usd: Money) -> Option<Money> {
        Some(
            usd.checked_mul(self.units_per_usd.decimal())?
                .round_to(self.decimals),
        )
    }

    /// `local` (in this currency) in USD, rounded to cents: for showing an amount only;
    /// a credit for money received uses [`credit_usd`].
    pub fn to_usd(&self, local: Money) -> Option<Money> {
        let usd = local.decimal().checked_div(self.units_per_usd.decimal())?;
        Some(Money::from_decimal(usd).round_to(USD_DECIMALS))
    }

    /// What the shop asks, in this currency, for a price of `usd`: rounded *up* to the
    /// currency's decimals, so the payment always covers the price (a currency whose
    /// smallest unit is worth more than a cent asks for the next whole unit). `None` on
    /// overflow.
    ///
    /// ```
    /// use shopcore::{Currency, CurrencyCode, Money, Timestamp};
    ///
    /// let dinar = Currency {
    ///     code: CurrencyCode::parse("XDN").unwrap(),
    ///     units_per_usd: Money::from_decimal("0.4".parse().unwrap()),
    ///     decimals: 0,
    ///     symbol: "D".into(),
    ///     enabled: true,
    ///     updated_at: Timestamp(0),
    /// };
    /// let price = shopcore::catalog::parse_price("3.74").unwrap();
    /// // 3.74 × 0.4 = 1.496: the shop asks 2 dinars (5.00 USD), never 1 (2.50 USD).
    /// assert_eq!(dinar.ask_for_usd(price), Some(Money::units(2)));
    /// assert_eq!(dinar.from_usd(price), Some(Money::units(1)));
    /// ```
    pub fn ask_for_usd(&self, usd: Money) -> Option<Money> {
        Some(
            usd.checked_mul(self.units_per_usd.decimal())?
                .round_up_to(self.decimals),
        )
    }
}

/// What `local` received at `units_per_usd` is worth in USD, rounded *down* to the cent: the
/// most the shop may credit for it. `None` for a zero rate or on overflow.
///
/// ```
/// use shopcore::Money;
/// use shopcore::currency::credit_usd;
///
/// // 1,000 at 48.25 per USD is 20.7253… USD: 20.72 is credited.
/// let rate = Money::from_decimal("48.25".parse().unwrap());
/// assert_eq!(credit_usd(Money::units(1_000), rate), Some(Money::from_decimal("20.72".parse().unwrap())));
/// ```
pub fn credit_usd(local: Money, units_per_usd: Money) -> Option<Money> {
    let usd = local.decimal().checked_div(units_per_usd.decimal())?;
    Some(Money::from_decimal(usd).round_down_to(USD_DECIMALS))
}

impl Currency {
    /// Formats an amount in this currency ("12.50 USD").
    pub fn format(&self, amount: Money) -> String {
        format!("{} {}", amount.display_with(self.decimals), self.code)
    }
}

/// Decimal places of USD amounts: prices, balances and the ledger are in cents.
pub const USD_DECIMALS: u32 = 2;
/// The highest rate accepted, in units per USD (some currencies trade at tens of thousands).
pub const RATE_MAX: i64 = 1_000_000;
/// Rates carry at most this many decimal places.
pub const RATE_DECIMALS_MAX: u32 = 8;
/// The most decimal places a currency may use.
pub const DECIMALS_MAX: u32 = 4;
const SYMBOL: TextRule = TextRule::single_line("currency symbol", 8);

/// Failures about currencies.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CurrencyError {
    /// The shop has no currency with this code.
    #[error("the shop does not know the currency {code}")]
    Unknown {
        /// The code.
        code: CurrencyCode,
    },
    /// The currency exists but is disabled.
    #[error("the currency {code} is disabled")]
    Disabled {
        /// The code.
        code: CurrencyCode,
    },
    /// Adding a currency that exists (USD included).
    #[error("the currency {code} already exists")]
    AlreadyExists {
        /// The code.
        code: CurrencyCode,
    },
    /// Changing USD's rate or disabling it.
    #[error("USD is the base currency; its rate is always 1 and it can't be disabled")]
    BaseCurrencyFixed,
    /// Decimal places above [`DECIMALS_MAX`].
    #[error("{decimals} decimal places is out of range 0..={DECIMALS_MAX}")]
    BadDecimals {
        /// The number given.
        decimals: u32,
    },
    /// A rate that is not positive, has more than [`RATE_DECIMALS_MAX`] decimals or is above
    /// [`RATE_MAX`].
    #[error("the exchange rate is invalid: {source}")]
    BadRate {
        /// The rule it breaks.
        source: AmountError,
    },
    /// Disabling a currency that active payment methods use.
    #[error("the currency {code} is used by {methods} active payment method(s)")]
    InUse {
        /// The code.
        code: CurrencyCode,
        /// How many active, undeleted methods use it.
        methods: usize,
    },
}

impl CurrencyError {
    /// A stable, machine-readable name for the error (`"currency.unknown"`); see
    /// [`crate::Error::kind`].
    pub fn kind(&self) -> &'static str {
        match self {
            CurrencyError::Unknown { .. } => "currency.unknown",
            CurrencyError::Disabled { .. } => "currency.disabled",
            CurrencyError::AlreadyExists { .. } => "currency.already_exists",
            CurrencyError::BaseCurrencyFixed => "currency.base_fixed",
            CurrencyError::BadDecimals { .. } => "currency.bad_decimals",
            CurrencyError::BadRate { .. } => "currency.bad_rate",
            CurrencyError::InUse { .. } => "currency.in_use",
        }
    }
}

fn check_rate(rate: Money) -> Result<Money> {
    rate.check(RATE_DECIMALS_MAX, Money::units(RATE_MAX))
        .map_err(|source| CurrencyError::BadRate { source }.into())
}

/// Parses a rate typed by a person ("48.25").
pub fn parse_rate(text: &str) -> Result<Money> {
    crate::money::parse_amount(text, RATE_DECIMALS_MAX, Money::units(RATE_MAX))
        .map_err(|source| CurrencyError::BadRate { source }.into())
}

crate::store::record!(
    /// The currencies besides USD (which is built in), by code.
    pub(crate) Currencies: Table::Currencies, "currencies", CurrencyCode => Currency
);

/// The currency `code`, enabled, inside a transaction. Unknown or disabled codes fail.
pub(crate) fn enabled(tx: &Tx<'_>, code: &CurrencyCode) -> Result<Currency> {
    if *code == CurrencyCode::usd() {
        return Ok(Currency::usd());
    }
    let currency: Currency = tx
        .load::<Currencies>(code)?
        .ok_or_else(|| CurrencyError::Unknown { code: code.clone() })?;
    if !currency.enabled {
        return Err(CurrencyError::Disabled { code: code.clone() }.into());
    }
    Ok(currency)
}

impl Shop {
    /// A currency by code (enabled or not); USD is always there.
    pub fn currency(&self, code: &str) -> Result<Currency> {
        let code = CurrencyCode::parse(code)?;
        if code == CurrencyCode::usd() {
            return Ok(Currency::usd());
        }
        self.store
            .fetch::<Currencies>(&code)?
            .ok_or_else(|| CurrencyError::Unknown { code }.into())
    }

    /// Every currency, USD first, then by code.
    pub fn currencies(&self) -> Result<Vec<Currency>> {
        let mut out = vec![Currency::usd()];
        for item in self.store.scan(Span::<Currencies>::all(), false) {
            out.push(item?.1);
        }
        Ok(out)
    }

    /// Adds an enabled currency (`manage_settings`), audited `ADD_CURRENCY`: its code, a
    /// display symbol, its decimal places (0 to [`DECIMALS_MAX`]) and its rate in units per
    /// USD (positive, at most [`RATE_DECIMALS_MAX`] decimals, at most [`RATE_MAX`]).
    pub fn add_currency(
        &self,
        actor: &Actor,
        code: &str,
        symbol: &str,
        decimals: u32,
        units_per_usd: Money,
    ) -> Result<Currency> {
        let (code, symbol, rate) = self.validated(
            actor,
            AuditAction::AddCurrency,
            Target::None,
            Permission::ManageSettings,
            (|| {
                let code = CurrencyCode::parse(code)?;
                let symbol = SYMBOL.check(symbol)?;
                if decimals > DECIMALS_MAX {
                    return Err(CurrencyError::BadDecimals { decimals }.into());
                }
                Ok((code, symbol, check_rate(units_per_usd)?))
            })(),
        )?;
        let target = Target::Currency(code.clone());
        self.audited(actor, AuditAction::AddCurrency, target.clone(), |tx| {
            require(tx, actor, Permission::ManageSettings)?;
            refuse_in_emergency(tx)?;
            if code == CurrencyCode::usd() || tx.load::<Currencies>(&code)?.is_some() {
                return Err(CurrencyError::AlreadyExists { code: code.clone() }.into());
            }
            let currency = Currency {
                code: code.clone(),
                units_per_usd: rate,
                decimals,
                symbol: symbol.clone(),
                enabled: true,
                updated_at: tx.now,
            };
            tx.save::<Currencies>(&code, &currency)?;
            audit::done(
                tx,
                actor.who(),
                AuditAction::AddCurrency,
                target.clone(),
                vec![
                    Detail::noted("units_per_usd", rate),
                    Detail::noted("decimals", decimals),
                    Detail::noted("symbol", &symbol),
                ],
            )?;
            Ok(currency)
        })
    }

    /// Sets a currency's rate in units per USD (`manage_settings`); audited
    /// `SET_EXCHANGE_RATE` with the old and new rate. Top-ups and orders already made keep
    /// the rate they recorded.
    pub fn set_exchange_rate(
        &self,
        actor: &Actor,
        code: &str,
        units_per_usd: Money,
    ) -> Result<Currency> {
        let (code, rate) = self.validated(
            actor,
            AuditAction::SetExchangeRate,
            Target::None,
            Permission::ManageSettings,
            (|| Ok((CurrencyCode::parse(code)?, check_rate(units_per_usd)?)))(),
        )?;
        self.update_currency(actor, &code, AuditAction::SetExchangeRate, |currency| {
            if currency.units_per_usd == rate {
                return Err(InvalidInput::Unchanged {
                    what: format!("the rate of {} is already {rate}", currency.code),
                }
                .into());
            }
            let detail = Detail::changed("units_per_usd", currency.units_per_usd, rate);
            currency.units_per_usd = rate;
            Ok(detail)
        })
    }

    /// Enables or disables a currency (`manage_settings`). A currency used by an active
    /// payment method can't be disabled.
    pub fn set_currency_enabled(
        &self,
        actor: &Actor,
        code: &str,
        enabled: bool,
    ) -> Result<Currency> {
        let code = CurrencyCode::parse(code)?;
        if !enabled {
            let methods = self
                .all_payment_methods_unchecked()?
                .into_iter()
                .filter(|m| m.currency == code && m.active && m.deleted_at.is_none())
                .count();
            if methods > 0 {
                return Err(CurrencyError::InUse { code, methods }.into());
            }
        }
        self.update_currency(actor, &code, AuditAction::UpdateCurrency, |currency| {
            if currency.enabled == enabled {
                return Err(InvalidInput::Unchanged {
                    what: format!(
                        "{} is already {}",
                        currency.code,
                        if enabled { "enabled" } else { "disabled" }
                    ),
                }
                .into());
            }
            let detail = Detail::changed("enabled", currency.enabled, enabled);
            currency.enabled = enabled;
            Ok(detail)
        })
    }

    fn update_currency(
        &self,
        actor: &Actor,
        code: &CurrencyCode,
        action: AuditAction,
        change: impl Fn(&mut Currency) -> Result<Detail>,
    ) -> Result<Currency> {
        let target = Target::Currency(code.clone());
        self.audited(actor, action, target.clone(), |tx| {
            require(tx, actor, Permission::ManageSettings)?;
            refuse_in_emergency(tx)?;
            if *code == CurrencyCode::usd() {
                return Err(Error::from(CurrencyError::BaseCurrencyFixed));
            }
            let mut currency: Currency = tx
                .load::<Currencies>(code)?
                .ok_or_else(|| CurrencyError::Unknown { code: code.clone() })?;
            let detail = change(&mut currency)?;
            currency.updated_at = tx.now;
            tx.save::<Currencies>(code, &currency)?;
            audit::done(tx, actor.who(), action, target.clone(), vec![detail])?;
            Ok(currency)
        })
    }
}

/// Parses a currency rate from a decimal (for callers that already have one).
pub fn rate(value: Decimal) -> Result<Money> {
    check_rate(Money::from_decimal(value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn conversions_round_half_away_from_zero() {
        let egp = Currency {
            code: CurrencyCode::parse("EGP").unwrap(),
            units_per_usd: Money::from_decimal(dec!(48.25)),
            decimals: 2,
            symbol: "E£".into(),
            enabled: true,
            updated_at: Timestamp(0),
        };
        assert_eq!(
            egp.from_usd(Money::from_decimal(dec!(10))),
            Some(Money::from_decimal(dec!(482.5)))
        );
        assert_eq!(
            egp.to_usd(Money::from_decimal(dec!(482.5))),
            Some(Money::units(10))
        );
        // 100 / 48.25 = 2.0725388… → 2.07
        assert_eq!(
            egp.to_usd(Money::units(100)),
            Some(Money::from_decimal(dec!(2.07)))
        );
        assert_eq!(egp.format(Money::units(5)), "5.00 EGP");
        let iqd = Currency {
            decimals: 0,
            units_per_usd: Money::units(1310),
            ..egp
        };
        assert_eq!(
            iqd.from_usd(Money::from_decimal(dec!(1.99))),
            Some(Money::units(2607))
        );
    }
}
