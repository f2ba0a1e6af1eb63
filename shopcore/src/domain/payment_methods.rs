//! Payment methods: the ways shoppers pay outside the bot (a bank account, a wallet
//! address), with limits in the method's currency. Deleting is soft (`deleted_at`); every
//! listing ignores deleted methods unless staff ask for them, and history keeps resolving
//! their names. A method can't be deleted while pending top-ups or unpaid orders use it.
//!
//! Peers: audit, currency, settings.

use crate::Shop;
use crate::audit::{self, AuditAction, Detail, Target};
use crate::clock::Timestamp;
use crate::currency;
use crate::error::{InvalidInput, Result};
use crate::ids::{CurrencyCode, PaymentMethodId};
use crate::money::{AmountError, Money};
use crate::roles::Permission;
use crate::settings::refuse_in_emergency;
use crate::shop::{Actor, require};
use crate::store::{Counter, Span, StoreError, Table, Tx};
use crate::text::TextRule;
use serde::{Deserialize, Serialize};

/// A method's name: one line, at most 60 characters.
pub const METHOD_NAME: TextRule = TextRule::single_line("payment method name", 60);
/// A method's instructions for the payer: at most 1,000 characters, line breaks allowed.
pub const METHOD_INSTRUCTIONS: TextRule = TextRule::multi_line("payment instructions", 1_000);
/// The highest limit a method may have, in its own currency's units.
pub const AMOUNT_LIMIT_MAX: i64 = 1_000_000_000;

/// A way to pay outside the bot, used by top-ups and by orders paid through a method.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentMethod {
    /// Its id, numbered from 1.
    pub id: PaymentMethodId,
    /// Its name, shown to payers ([`METHOD_NAME`]).
    pub name: String,
    /// Shown to the payer: account number, wallet address, steps.
    pub instructions: String,
    /// The currency payers pay in; amounts and limits are in it.
    pub currency: CurrencyCode,
    /// The smallest payment accepted, in the method's currency.
    pub min_amount: Money,
    /// The largest payment accepted, in the method's currency.
    pub max_amount: Money,
    /// Offered to payers. An inactive method refuses new payments
    /// ([`PaymentMethodError::Inactive`]); pending ones go on.
    pub active: bool,
    /// When it was deleted; a deleted method is kept for history, hidden and unusable.
    pub deleted_at: Option<Timestamp>,
    /// Pending top-ups and unpaid orders using this method, kept by their transactions.
    pub pending_uses: u64,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
}

impl PaymentMethod {
    /// Usable for new payments: active and not deleted.
    pub fn usable(&self) -> bool {
        self.active && self.deleted_at.is_none()
    }
}

/// Everything needed to create a method ([`Shop::create_payment_method`]).
#[derive(Clone, Debug)]
pub struct NewPaymentMethod {
    /// Its name ([`METHOD_NAME`]).
    pub name: String,
    /// What the payer must do ([`METHOD_INSTRUCTIONS`]).
    pub instructions: String,
    /// The code of a known, enabled currency (`"USD"`, `"egp"`).
    pub currency: String,
    /// The smallest payment, in that currency: positive, within its decimal places, at
    /// most [`AMOUNT_LIMIT_MAX`].
    pub min_amount: Money,
    /// The largest payment, in that currency, not below `min_amount`.
    pub max_amount: Money,
    /// Offered to payers from the start.
    pub active: bool,
}

/// One edit to a method ([`Shop::update_payment_method`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PaymentMethodChange {
    /// A new name.
    Name(String),
    /// New instructions.
    Instructions(String),
    /// New minimum and maximum, in the method's currency.
    Limits {
        /// The smallest payment.
        min: Money,
        /// The largest payment.
        max: Money,
    },
    /// Offered or withdrawn (activating needs its currency enabled).
    Active(bool),
}

/// Which methods a listing shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MethodFilter {
    /// Active and not deleted: what shoppers may use.
    ActiveOnly,
    /// Active and inactive, not deleted.
    NotDeleted,
    /// Every method, deleted ones too.
    IncludingDeleted,
}

/// Failures about payment methods.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PaymentMethodError {
    /// No method has this id.
    #[error("payment method {id} does not exist")]
    NotFound {
        /// The id asked for.
        id: PaymentMethodId,
    },
    /// The method was deleted: it takes no payments and no edits.
    #[error("payment method {id} was deleted")]
    Deleted {
        /// The method.
        id: PaymentMethodId,
    },
    /// The method is switched off: it takes no new payments.
    #[error("payment method {id} is not active")]
    Inactive {
        /// The method.
        id: PaymentMethodId,
    },
    /// Deleting a method that pending top-ups or unpaid orders still use.
    #[error("payment method {id} is still used by {pending} pending top-up(s) or unpaid order(s)")]
    InUse {
        /// The method.
        id: PaymentMethodId,
        /// How many use it.
        pending: u64,
    },
    /// A limit that is not positive, has more decimals than the currency or is above
    /// [`AMOUNT_LIMIT_MAX`].
    #[error("the {which} amount is invalid: {source}")]
    BadLimit {
        /// `"minimum"` or `"maximum"`.
        which: &'static str,
        /// The rule it breaks.
        source: AmountError,
    },
    /// The minimum is above the maximum.
    #[error("the minimum {min} is above the maximum {max}")]
    MinAboveMax {
        /// The minimum given.
        min: Money,
        /// The maximum given.
        max: Money,
    },
}

impl PaymentMethodError {
    /// A stable, machine-readable name for the error (`"payment_method.in_use"`); see
    /// [`crate::Error::kind`].
    pub fn kind(&self) -> &'static str {
        match self {
            PaymentMethodError::NotFound { .. } => "payment_method.not_found",
            PaymentMethodError::Deleted { .. } => "payment_method.deleted",
            PaymentMethodError::Inactive { .. } => "payment_method.inactive",
            PaymentMethodError::InUse { .. } => "payment_method.in_use",
            PaymentMethodError::BadLimit { source, .. } => source.kind(),
            PaymentMethodError::MinAboveMax { .. } => "payment_method.min_above_max",
        }
    }
}

fn check_limits(min: Money, max: Money, decimals: u32) -> Result<(Money, Money)> {
    let limit = Money::units(AMOUNT_LIMIT_MAX);
    let min = min
        .check(decimals, limit)
        .map_err(|source| PaymentMethodError::BadLimit {
            which: "minimum",
            source,
        })?;
    let max = max
        .check(decimals, limit)
        .map_err(|source| PaymentMethodError::BadLimit {
            which: "maximum",
            source,
        })?;
    if min > max {
        return Err(PaymentMethodError::MinAboveMax { min, max }.into());
    }
    Ok((min, max))
}

crate::store::record!(
    /// Payment methods, by id (soft-deleted ones stay).
    pub(crate) PaymentMethods: Table::PaymentMethods, "payment_methods", PaymentMethodId => PaymentMethod
);

pub(crate) fn load(tx: &Tx<'_>, id: PaymentMethodId) -> Result<PaymentMethod> {
    tx.load::<PaymentMethods>(&id)?
        .ok_or_else(|| PaymentMethodError::NotFound { id }.into())
}

/// A method that new payments may use, inside a transaction.
pub(crate) fn usable(tx: &Tx<'_>, id: PaymentMethodId) -> Result<PaymentMethod> {
    let method = load(tx, id)?;
    if method.deleted_at.is_some() {
        return Err(PaymentMethodError::Deleted { id }.into());
    }
    if !method.active {
        return Err(PaymentMethodError::Inactive { id }.into());
    }
    Ok(method)
}

/// Changes a method's pending-use count (top-ups and unpaid orders call this in their own
/// transactions).
pub(crate) fn adjust_pending(
    tx: &Tx<'_>,
    id: PaymentMethodId,
    delta: i64,
) -> std::result::Result<(), StoreError> {
    if let Some(mut method) = tx.load::<PaymentMethods>(&id)? {
        method.pending_uses = if delta >= 0 {
            method.pending_uses.saturating_add(delta.unsigned_abs())
        } else {
            method.pending_uses.saturating_sub(delta.unsigned_abs())
        };
        tx.save::<PaymentMethods>(&id, &method)?;
    }
    Ok(())
}

impl Shop {
    /// Creates a payment method (`manage_payment_methods`), audited
    /// `CREATE_PAYMENT_METHOD`. Its currency must be known and enabled
    /// ([`crate::CurrencyError`] otherwise); limits follow that currency's decimal places
    /// ([`PaymentMethodError::BadLimit`], [`PaymentMethodError::MinAboveMax`]).
    pub fn create_payment_method(
        &self,
        actor: &Actor,
        new: &NewPaymentMethod,
    ) -> Result<PaymentMethod> {
        let (name, instructions, code) = self.validated(
            actor,
            AuditAction::CreatePaymentMethod,
            Target::None,
            Permission::ManagePaymentMethods,
            (|| {
                Ok((
                    METHOD_NAME.check(&new.name)?,
                    METHOD_INSTRUCTIONS.check(&new.instructions)?,
                    CurrencyCode::parse(&new.currency)?,
                ))
            })(),
        )?;
        self.audited(
            actor,
            AuditAction::CreatePaymentMethod,
            Target::None,
            |tx| {
                require(tx, actor, Permission::ManagePaymentMethods)?;
                refuse_in_emergency(tx)?;
                let currency = currency::enabled(tx, &code)?;
                let (min, max) = check_limits(new.min_amount, new.max_amount, currency.decimals)?;
                let id = PaymentMethodId::new(tx.next_id(Counter::PaymentMethodSeq)?)?;
                let method = PaymentMethod {
                    id,
                    name: name.clone(),
                    instructions: instructions.clone(),
                    currency: code.clone(),
                    min_amount: min,
                    max_amount: max,
                    active: new.active,
                    deleted_at: None,
                    pending_uses: 0,
                    created_at: tx.now,
                    updated_at: tx.now,
                };
                tx.save::<PaymentMethods>(&id, &method)?;
                audit::done(
                    tx,
                    actor.who(),
                    AuditAction::CreatePaymentMethod,
                    Target::PaymentMethod(id),
                    vec![
                        Detail::noted("name", &name),
                        Detail::noted("currency", &code),
                        Detail::noted("limits", format!("{min}..={max}")),
                        Detail::noted("active", new.active),
                    ],
                )?;
                Ok(method)
            },
        )
    }

    /// Changes one thing about a method (`manage_payment_methods`), audited
    /// `UPDATE_PAYMENT_METHOD`. Deleted methods can't be edited
    /// ([`PaymentMethodError::Deleted`]); a change to what it already is fails with
    /// [`InvalidInput::Unchanged`]. New limits apply to new payments only.
    pub fn update_payment_method(
        &self,
        actor: &Actor,
        id: PaymentMethodId,
        change: PaymentMethodChange,
    ) -> Result<PaymentMethod> {
        let change = self.validated(
            actor,
            AuditAction::UpdatePaymentMethod,
            Target::PaymentMethod(id),
            Permission::ManagePaymentMethods,
            (|| {
                Ok(match change {
                    PaymentMethodChange::Name(n) => {
                        PaymentMethodChange::Name(METHOD_NAME.check(&n)?)
                    }
                    PaymentMethodChange::Instructions(i) => {
                        PaymentMethodChange::Instructions(METHOD_INSTRUCTIONS.check(&i)?)
                    }
                    other => other,
                })
            })(),
        )?;
        self.audited(
            actor,
            AuditAction::UpdatePaymentMethod,
            Target::PaymentMethod(id),
            |tx| {
                require(tx, actor, Permission::ManagePaymentMethods)?;
                refuse_in_emergency(tx)?;
                let before = load(tx, id)?;
                if before.deleted_at.is_some() {
                    return Err(PaymentMethodError::Deleted { id }.into());
                }
                let mut method = before.clone();
                let detail = match &change {
                    PaymentMethodChange::Name(n) => {
                        method.name = n.clone();
                        Detail::changed("name", &before.name, n)
                    }
                    PaymentMethodChange::Instructions(i) => {
                        method.instructions = i.clone();
                        Detail::changed("instructions", &before.instructions, i)
                    }
                    PaymentMethodChange::Limits { min, max } => {
                        let decimals = currency::enabled(tx, &before.currency)?.decimals;
                        let (min, max) = check_limits(*min, *max, decimals)?;
                        method.min_amount = min;
                        method.max_amount = max;
                        Detail::changed(
                            "limits",
                            format!("{}..={}", before.min_amount, before.max_amount),
                            format!("{min}..={max}"),
                        )
                    }
                    PaymentMethodChange::Active(a) => {
                        if *a {
                            currency::enabled(tx, &before.currency)?;
                        }
                        method.active = *a;
                        Detail::changed("active", before.active, a)
                    }
                };
                if method == before {
                    return Err(InvalidInput::Unchanged {
                        what: format!("payment method {id} already has that {}", detail.field),
                    }
                    .into());
                }
                method.updated_at = tx.now;
                tx.save::<PaymentMethods>(&id, &method)?;
                audit::done(
                    tx,
                    actor.who(),
                    AuditAction::UpdatePaymentMethod,
                    Target::PaymentMethod(id),
                    vec![detail],
                )?;
                Ok(method)
            },
        )
    }

    /// Soft-deletes a method (`manage_payment_methods`), audited `DELETE_PAYMENT_METHOD`:
    /// `deleted_at` is set, it is deactivated, and it disappears from listings. Refused while
    /// pending top-ups or unpaid orders use it ([`PaymentMethodError::InUse`]).
    pub fn delete_payment_method(
        &self,
        actor: &Actor,
        id: PaymentMethodId,
    ) -> Result<PaymentMethod> {
        self.audited(
            actor,
            AuditAction::DeletePaymentMethod,
            Target::PaymentMethod(id),
            |tx| {
                require(tx, actor, Permission::ManagePaymentMethods)?;
                refuse_in_emergency(tx)?;
                let before = load(tx, id)?;
                if before.deleted_at.is_some() {
                    return Err(PaymentMethodError::Deleted { id }.into());
                }
                if before.pending_uses > 0 {
                    return Err(PaymentMethodError::InUse {
                        id,
                        pending: before.pending_uses,
                    }
                    .into());
                }
                let mut method = before.clone();
                method.deleted_at = Some(tx.now);
                method.active = false;
                method.updated_at = tx.now;
                tx.save::<PaymentMethods>(&id, &method)?;
                audit::done(
                    tx,
                    actor.who(),
                    AuditAction::DeletePaymentMethod,
                    Target::PaymentMethod(id),
                    vec![Detail::noted("name", &before.name)],
                )?;
                Ok(method)
            },
        )
    }

    /// A method by id, deleted or not (history resolves names through this).
    pub fn payment_method(&self, id: PaymentMethodId) -> Result<Option<PaymentMethod>> {
        Ok(self.store.fetch::<PaymentMethods>(&id)?)
    }

    /// The methods a shopper may pay with: active and not deleted, in id order.
    pub fn payment_methods_for_shoppers(&self) -> Result<Vec<PaymentMethod>> {
        self.payment_methods_filtered(MethodFilter::ActiveOnly)
    }

    /// The staff panel's list (`manage_payment_methods`); the view itself is audited
    /// (`VIEW_PAYMENT_METHODS_PANEL`), as the seed asks.
    pub fn payment_methods_panel(
        &self,
        actor: &Actor,
        filter: MethodFilter,
    ) -> Result<Vec<PaymentMethod>> {
        self.audited(
            actor,
            AuditAction::ViewPaymentMethodsPanel,
            Target::None,
            |tx| {
                require(tx, actor, Permission::ManagePaymentMethods)?;
                audit::done(
                    tx,
                    actor.who(),
                    AuditAction::ViewPaymentMethodsPanel,
                    Target::None,
                    vec![Detail::noted("filter", format!("{filter:?}"))],
                )?;
                Ok(())
            },
        )?;
        self.payment_methods_filtered(filter)
    }

    fn payment_methods_filtered(&self, filter: MethodFilter) -> Result<Vec<PaymentMethod>> {
        Ok(self
            .all_payment_methods_unchecked()?
            .into_iter()
            .filter(|m| match filter {
                MethodFilter::ActiveOnly => m.usable(),
                MethodFilter::NotDeleted => m.deleted_at.is_none(),
                MethodFilter::IncludingDeleted => true,
            })
            .collect())
    }

    pub(crate) fn all_payment_methods_unchecked(&self) -> Result<Vec<PaymentMethod>> {
        let mut out = Vec::new();
        for item in self.store.scan(Span::<PaymentMethods>::all(), false) {
            out.push(item?.1);
        }
        Ok(out)
    }
}
