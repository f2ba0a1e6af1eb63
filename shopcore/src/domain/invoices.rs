//! Invoices of payment providers that settle on their own (Telegram Stars, Crypto Pay): the
//! record, its indexes, and the steps the settling, ordering and refunding modules take
//! inside their transactions. The providers stay outside: frontends talk to them and hand
//! their answers to [`crate::Shop::settle_invoice`] (see `settlement.rs`).
//!
//! ```text
//! Open ──► Paid ──► Refunding ──► Refunded      (a Stars refund of a failed order)
//!   │        ▲           ╰──► Paid              (the provider refused the refund)
//!   ├──► Expired ─╮
//!   ╰──► Cancelled┴──► Paid (late: the money went to the balance)
//! ```
//!
//! Every provider payment is remembered by (provider, payment id) with what it did, so a
//! payment reported twice — by a webhook and by polling, or retried — changes nothing the
//! second time.
//!
//! Peers: audit, currency, notifications, wallet.

use crate::audit::{self, ActorRef, AuditAction, Detail, Target};
use crate::clock::Timestamp;
use crate::currency::{self, Currency};
use crate::error::Result;
use crate::ids::{CurrencyCode, InvoiceId, OrderId, UserId};
use crate::money::Money;
use crate::notifications::{self, InvoiceProblem, NotificationKind};
use crate::store::{Counter, StoreError, Table, Tx};
use crate::wallet::{self, LedgerKind, LedgerRef};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The most open top-up invoices one shopper may hold at once.
pub const OPEN_TOPUP_INVOICES_MAX: usize = 3;
/// The longest payment id or provider invoice id kept (characters).
pub const PROVIDER_ID_MAX: usize = 200;
/// The longest payment link kept (characters).
pub const PAY_URL_MAX: usize = 500;

/// A payment provider that settles invoices without staff.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Provider {
    /// Telegram Stars (Bot API invoices in `XTR`), refundable through the Bot API.
    Stars,
    /// Crypto Pay (@CryptoBot) invoices priced in USD, paid in a crypto asset.
    CryptoPay,
}

impl Provider {
    /// Every provider.
    pub const ALL: [Provider; 2] = [Provider::Stars, Provider::CryptoPay];

    fn code(self) -> u8 {
        match self {
            Provider::Stars => 1,
            Provider::CryptoPay => 2,
        }
    }

    /// The provider's stable name: `stars` or `crypto_pay`.
    pub fn name(self) -> &'static str {
        match self {
            Provider::Stars => "stars",
            Provider::CryptoPay => "crypto_pay",
        }
    }

    /// Parses [`Provider::name`].
    pub fn parse(name: &str) -> Option<Provider> {
        Provider::ALL.into_iter().find(|p| p.name() == name)
    }

    /// The currency its invoices are priced in: `XTR` (Stars, whole stars) or `USD`. The
    /// shop's currency of that code gives the rate (staff keep the Stars rate like any
    /// other).
    pub fn currency(self) -> &'static str {
        match self {
            Provider::Stars => "XTR",
            Provider::CryptoPay => "USD",
        }
    }

    /// Whether a payment can be sent back through it ([`InvoiceStatus::Refunding`]).
    pub fn refunds(self) -> bool {
        self == Provider::Stars
    }

    /// The system actor its settlements are recorded under: `stars` or `crypto_pay`.
    pub(crate) fn actor(self) -> ActorRef {
        ActorRef::System(self.name().into())
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What an invoice pays for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum InvoicePurpose {
    /// Money for the payer's wallet.
    Topup,
    /// An order awaiting this payment.
    Order(OrderId),
}

/// Where an invoice stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum InvoiceStatus {
    /// Waiting for the payment.
    Open,
    /// Paid: the order was paid or the balance credited ([`Invoice::late`] when the money
    /// went to the balance because the invoice could no longer take it).
    Paid,
    /// Passed its deadline unpaid.
    Expired,
    /// Cancelled unpaid (by the shopper, or with its order).
    Cancelled,
    /// A refund through the provider started; the amount left the balance.
    Refunding,
    /// The provider sent the payment back.
    Refunded,
}

impl InvoiceStatus {
    /// Every status.
    pub const ALL: [InvoiceStatus; 6] = [
        InvoiceStatus::Open,
        InvoiceStatus::Paid,
        InvoiceStatus::Expired,
        InvoiceStatus::Cancelled,
        InvoiceStatus::Refunding,
        InvoiceStatus::Refunded,
    ];

    fn code(self) -> u8 {
        match self {
            InvoiceStatus::Open => 0,
            InvoiceStatus::Paid => 1,
            InvoiceStatus::Expired => 2,
            InvoiceStatus::Cancelled => 3,
            InvoiceStatus::Refunding => 4,
            InvoiceStatus::Refunded => 5,
        }
    }

    /// The status's stable name: `open`, `paid`, `expired`, `cancelled`, `refunding`,
    /// `refunded`.
    pub fn name(self) -> &'static str {
        match self {
            InvoiceStatus::Open => "open",
            InvoiceStatus::Paid => "paid",
            InvoiceStatus::Expired => "expired",
            InvoiceStatus::Cancelled => "cancelled",
            InvoiceStatus::Refunding => "refunding",
            InvoiceStatus::Refunded => "refunded",
        }
    }

    /// A payment was received for it.
    pub fn is_paid(self) -> bool {
        matches!(
            self,
            InvoiceStatus::Paid | InvoiceStatus::Refunding | InvoiceStatus::Refunded
        )
    }
}

impl fmt::Display for InvoiceStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An invoice of a payment provider.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invoice {
    /// Its id, numbered from 1; frontends put it in the provider's invoice (the payload),
    /// so a payment names it.
    pub id: InvoiceId,
    /// Who pays it, and whose wallet a credit goes to.
    pub user: UserId,
    /// A top-up, or an order.
    pub purpose: InvoicePurpose,
    /// Who collects it.
    pub provider: Provider,
    /// What the provider must receive, in `currency`.
    pub amount: Money,
    /// [`Provider::currency`].
    pub currency: CurrencyCode,
    /// The currency's rate when it was opened (units per USD).
    pub units_per_usd: Money,
    /// What the payment is worth, in USD: the top-up's amount, or what paying the order
    /// credits (PAYMENT) — `amount` at the rate, rounded down, never more than received.
    pub amount_usd: Money,
    /// The provider's own id for the invoice, once the frontend created it there.
    pub provider_invoice: Option<String>,
    /// The link that pays it, when the provider gives one.
    pub pay_url: Option<String>,
    /// Where it stands.
    pub status: InvoiceStatus,
    /// When it was opened.
    pub created_at: Timestamp,
    /// Its deadline: after it, it expires (an order's with the order).
    pub expires_at: Timestamp,
    /// The provider's id of the payment that settled it.
    pub payment_id: Option<String>,
    /// When that payment was settled.
    pub paid_at: Option<Timestamp>,
    /// Who settled it: the provider's system actor, or the staff member who did by hand.
    pub settled_by: Option<ActorRef>,
    /// The ledger entry of the payment: PAYMENT (an order paid) or INVOICE (a credit).
    pub ledger_seq: Option<u64>,
    /// The payment went to the balance because the invoice could no longer take it.
    pub late: bool,
    /// The PROVIDER_REFUND debit of a refund through the provider.
    pub refund_seq: Option<u64>,
    /// The PROVIDER_REFUND credit when the provider refused that refund.
    pub refund_back_seq: Option<u64>,
    /// The provider's answer when it refused the refund.
    pub refund_refused: Option<String>,
}

/// What a provider reports about a payment ([`crate::Shop::settle_invoice`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settlement {
    /// Who received it.
    pub provider: Provider,
    /// The invoice it names (the payload the frontend gave the provider).
    pub invoice: InvoiceId,
    /// The provider's id of the payment (Stars: the Telegram charge id; Crypto Pay: its
    /// invoice id): the key that makes settling exactly-once.
    pub payment_id: String,
    /// The provider's id of the invoice, when it gives one (checked against the invoice's).
    pub provider_invoice: Option<String>,
    /// What was paid, as the provider says.
    pub amount: Money,
    /// In which currency (`XTR`, `USD`).
    pub currency: String,
}

/// What a provider payment did, remembered by (provider, payment id).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PaymentEffect {
    /// It paid the invoice's order (the PAYMENT entry).
    PaidOrder {
        /// The order.
        order: OrderId,
        /// Its PAYMENT ledger entry.
        ledger_seq: u64,
    },
    /// It was credited to the payer's balance (an INVOICE entry): a top-up, or a payment
    /// the invoice could no longer take.
    Credited {
        /// The INVOICE ledger entry.
        ledger_seq: u64,
        /// Whether it was late (the invoice expired, cancelled or paid already).
        late: bool,
    },
    /// Refused: nothing was credited; staff were told.
    Refused {
        /// What differed.
        reason: String,
    },
}

/// One provider payment, as settled.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderPayment {
    /// The invoice it named.
    pub invoice: InvoiceId,
    /// What was paid, as reported.
    pub amount: Money,
    /// In which currency, as reported.
    pub currency: String,
    /// When it was settled.
    pub at: Timestamp,
    /// Who settled it.
    pub by: ActorRef,
    /// What it did.
    pub effect: PaymentEffect,
}

/// The answer to a settlement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settled {
    /// The invoice as it is now.
    pub invoice: Invoice,
    /// What this payment did (the first time it was reported).
    pub effect: PaymentEffect,
    /// The payment was settled before: nothing changed this time.
    pub replayed: bool,
}

/// Failures about invoices.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvoiceError {
    /// No invoice has this id, or it is someone else's.
    #[error("invoice {id} does not exist")]
    NotFound {
        /// The id asked for.
        id: InvoiceId,
    },
    /// The invoice can't be paid any more (paid, expired or cancelled, or its order moved
    /// on): the answer to a pre-checkout query.
    #[error("invoice {id} is {status} and can't be paid")]
    NotPayable {
        /// The invoice.
        id: InvoiceId,
        /// Its status.
        status: InvoiceStatus,
    },
    /// The payment offered is not the invoice's (amount, currency, provider or payer).
    #[error("this payment does not match invoice {id}: {reason}")]
    Mismatch {
        /// The invoice.
        id: InvoiceId,
        /// What differs.
        reason: String,
    },
    /// The shopper holds [`OPEN_TOPUP_INVOICES_MAX`] unpaid top-up invoices already.
    #[error("you already have {open} unpaid invoices; pay or cancel one first")]
    TooManyOpen {
        /// How many.
        open: usize,
    },
    /// The provider already has another id for this invoice.
    #[error("invoice {id} is already created at the provider as {existing}")]
    ProviderInvoiceSet {
        /// The invoice.
        id: InvoiceId,
        /// The id recorded.
        existing: String,
    },
    /// A payment id, invoice id or link that is empty, too long or holds control characters.
    #[error("the provider's {what} is empty, too long or not printable")]
    BadProviderText {
        /// What it was.
        what: &'static str,
    },
    /// Cancelling an invoice that is not an open top-up invoice (an order's is cancelled
    /// with its order).
    #[error("invoice {id} can't be cancelled (it is {status})")]
    NotCancellable {
        /// The invoice.
        id: InvoiceId,
        /// Its status.
        status: InvoiceStatus,
    },
    /// Finishing a refund of an invoice that is not being refunded.
    #[error("invoice {id} has no refund waiting (it is {status})")]
    NoRefundWaiting {
        /// The invoice.
        id: InvoiceId,
        /// Its status.
        status: InvoiceStatus,
    },
}

impl InvoiceError {
    /// A stable, machine-readable name for the error (`"invoice.not_payable"`); see
    /// [`crate::Error::kind`].
    pub fn kind(&self) -> &'static str {
        match self {
            InvoiceError::NotFound { .. } => "invoice.not_found",
            InvoiceError::NotPayable { .. } => "invoice.not_payable",
            InvoiceError::Mismatch { .. } => "invoice.mismatch",
            InvoiceError::TooManyOpen { .. } => "invoice.too_many_open",
            InvoiceError::ProviderInvoiceSet { .. } => "invoice.provider_invoice_set",
            InvoiceError::BadProviderText { .. } => "invoice.bad_provider_text",
            InvoiceError::NotCancellable { .. } => "invoice.not_cancellable",
            InvoiceError::NoRefundWaiting { .. } => "invoice.no_refund_waiting",
        }
    }
}

// ----- keys and records --------------------------------------------------------------------

crate::store::code_part!(Provider, Provider::code, Provider::ALL);
crate::store::code_part!(InvoiceStatus, InvoiceStatus::code, InvoiceStatus::ALL);

crate::store::record!(
    /// Invoices, by id.
    pub(crate) Invoices: Table::Invoices, "invoices", InvoiceId => Invoice
);

impl crate::store::BlockId for InvoiceId {
    fn number(&self) -> u64 {
        self.get()
    }

    fn numbered(n: u64) -> Option<InvoiceId> {
        InvoiceId::new(n).ok()
    }
}
crate::store::record!(
    /// Index: invoices by status (the expiry sweep, polling, refunds waiting).
    pub(crate) InvoicesByStatus: Table::InvoicesByStatus, "invoices_by_status", (InvoiceStatus, InvoiceId) => ()
);
crate::store::record!(
    /// Index: a user's invoices.
    pub(crate) InvoicesByUser: Table::InvoicesByUser, "invoices_by_user", (UserId, InvoiceId) => ()
);
crate::store::record!(
    /// A user's open top-up invoices (at most [`OPEN_TOPUP_INVOICES_MAX`]); absent when none.
    pub(crate) OpenTopupInvoices: Table::InvoicesOpenByUser, "invoices_open_by_user", UserId => Vec<InvoiceId>
);
crate::store::record!(
    /// Every provider payment settled, by (provider, payment id): what it did.
    pub(crate) Payments: Table::InvoicePayments, "invoice_payments", (Provider, String) => ProviderPayment
);

pub(crate) fn load(tx: &Tx<'_>, id: InvoiceId) -> Result<Invoice> {
    tx.load::<Invoices>(&id)?
        .ok_or_else(|| InvoiceError::NotFound { id }.into())
}

/// Writes an invoice with its indexes (and the user's open top-up invoices).
pub(crate) fn save(
    tx: &Tx<'_>,
    before: Option<&Invoice>,
    invoice: &Invoice,
) -> std::result::Result<(), StoreError> {
    match before {
        Some(b) if b.status != invoice.status => {
            tx.delete::<InvoicesByStatus>(&(b.status, b.id))?;
            tx.save::<InvoicesByStatus>(&(invoice.status, invoice.id), &())?;
        }
        Some(_) => {}
        None => {
            tx.save::<InvoicesByStatus>(&(invoice.status, invoice.id), &())?;
            tx.save::<InvoicesByUser>(&(invoice.user, invoice.id), &())?;
        }
    }
    if invoice.purpose == InvoicePurpose::Topup {
        let was_open = before.is_some_and(|b| b.status == InvoiceStatus::Open);
        let is_open = invoice.status == InvoiceStatus::Open;
        if was_open != is_open {
            let mut open = tx
                .load::<OpenTopupInvoices>(&invoice.user)?
                .unwrap_or_default();
            open.retain(|id| *id != invoice.id);
            if is_open {
                open.push(invoice.id);
            }
            if open.is_empty() {
                tx.delete::<OpenTopupInvoices>(&invoice.user)?;
            } else {
                tx.save::<OpenTopupInvoices>(&invoice.user, &open)?;
            }
        }
    }
    tx.save::<Invoices>(&invoice.id, invoice)
}

/// The shopper's open top-up invoices, in the transaction.
pub(crate) fn open_topups_of(
    tx: &Tx<'_>,
    user: UserId,
) -> std::result::Result<Vec<InvoiceId>, StoreError> {
    Ok(tx.load::<OpenTopupInvoices>(&user)?.unwrap_or_default())
}

/// The provider's currency, enabled, with its rate now.
pub(crate) fn provider_currency(tx: &Tx<'_>, provider: Provider) -> Result<Currency> {
    let code = CurrencyCode::parse(provider.currency())?;
    currency::enabled(tx, &code)
}

/// Opens an invoice for `usd` (what paying it must be worth, in USD): the amount asked in
/// the provider's currency is rounded up to its smallest unit (the shop's favour), and
/// what the payment is worth is that amount at the rate rounded down to the cent — never
/// less than `usd`.
pub(crate) fn open(
    tx: &Tx<'_>,
    user: UserId,
    purpose: InvoicePurpose,
    provider: Provider,
    usd: Money,
    ttl_ms: i64,
) -> Result<Invoice> {
    let currency = provider_currency(tx, provider)?;
    let amount = currency.ask_for_usd(usd).unwrap_or(Money::ZERO);
    let amount_usd = currency::credit_usd(amount, currency.units_per_usd).unwrap_or(Money::ZERO);
    if !amount.is_positive() || amount_usd < usd {
        return Err(crate::wallet::WalletError::RoundsToZero {
            amount: usd,
            currency: CurrencyCode::usd(),
        }
        .into());
    }
    let id = InvoiceId::new(tx.next_in_block(Counter::InvoiceSeq)?)?;
    let invoice = Invoice {
        id,
        user,
        purpose,
        provider,
        amount,
        currency: currency.code.clone(),
        units_per_usd: currency.units_per_usd,
        amount_usd,
        provider_invoice: None,
        pay_url: None,
        status: InvoiceStatus::Open,
        created_at: tx.now,
        expires_at: tx.now.plus_millis(ttl_ms),
        payment_id: None,
        paid_at: None,
        settled_by: None,
        ledger_seq: None,
        late: false,
        refund_seq: None,
        refund_back_seq: None,
        refund_refused: None,
    };
    save(tx, None, &invoice)?;
    Ok(invoice)
}

/// Closes an open invoice unpaid (`Expired` or `Cancelled`), with its order or on its own.
/// An invoice that is not open is left as it is.
pub(crate) fn close_unpaid(
    tx: &Tx<'_>,
    id: InvoiceId,
    status: InvoiceStatus,
) -> std::result::Result<Option<Invoice>, crate::Error> {
    let before = load(tx, id)?;
    if before.status != InvoiceStatus::Open {
        return Ok(None);
    }
    let mut invoice = before.clone();
    invoice.status = status;
    save(tx, Some(&before), &invoice)?;
    Ok(Some(invoice))
}

/// Checks a reported payment against the invoice: the provider, the provider's invoice id
/// when both are known, the currency and the amount. `Err` holds what differs.
pub(crate) fn mismatch(invoice: &Invoice, s: &Settlement) -> Option<String> {
    if s.provider != invoice.provider {
        return Some(format!(
            "provider {} is not the invoice's {}",
            s.provider, invoice.provider
        ));
    }
    if let (Some(theirs), Some(ours)) = (&s.provider_invoice, &invoice.provider_invoice)
        && theirs != ours
    {
        return Some(format!(
            "the provider's invoice {theirs} is not the invoice's {ours}"
        ));
    }
    if !s.currency.eq_ignore_ascii_case(invoice.currency.as_str()) {
        return Some(format!(
            "currency {} is not the invoice's {}",
            s.currency.chars().take(12).collect::<String>(),
            invoice.currency
        ));
    }
    if s.amount != invoice.amount {
        return Some(format!(
            "amount {} is not the invoice's {}",
            s.amount, invoice.amount
        ));
    }
    None
}

/// A payment was credited to a balance (reported to `store::effects`, in the crediting
/// transaction).
pub(crate) struct InvoiceCredited;

impl crate::store::Event for InvoiceCredited {
    type Data<'a> = Invoice;
}

/// Credits a payment to the payer's balance (INVOICE), as the invoice's own payment or a
/// late one; the payer is told.
pub(crate) fn credit(
    tx: &Tx<'_>,
    invoice: &Invoice,
    by: &ActorRef,
    late: bool,
) -> Result<wallet::LedgerEntry> {
    let entry = wallet::post(
        tx,
        invoice.user,
        invoice.amount_usd,
        LedgerKind::Invoice,
        LedgerRef::Invoice(invoice.id),
        by,
        None,
    )?;
    tx.report::<InvoiceCredited>(invoice)?;
    notifications::push(
        tx,
        invoice.user,
        NotificationKind::InvoiceCredited {
            invoice: invoice.id,
            amount_usd: invoice.amount_usd,
            late,
        },
    )?;
    if late {
        notifications::push(
            tx,
            invoice.user,
            NotificationKind::StaffInvoiceProblem {
                invoice: invoice.id,
                problem: InvoiceProblem::LatePayment,
            },
        )?;
    }
    Ok(entry)
}

/// Starts sending a paid invoice's money back through its provider, when the provider
/// refunds and the balance holds it (after the order's REFUND put it there): the amount
/// leaves the balance (PROVIDER_REFUND) and the invoice waits in `Refunding` for the
/// frontend to call the provider. Otherwise the money stays in the balance. Returns whether
/// it started.
pub(crate) fn start_refund(tx: &Tx<'_>, id: InvoiceId, by: &ActorRef) -> Result<bool> {
    let before = load(tx, id)?;
    if !before.provider.refunds() || before.status != InvoiceStatus::Paid || before.late {
        return Ok(false);
    }
    if wallet::load_wallet(tx, before.user)?.balance < before.amount_usd {
        return Ok(false);
    }
    let entry = wallet::post(
        tx,
        before.user,
        before.amount_usd.negated(),
        LedgerKind::ProviderRefund,
        LedgerRef::Invoice(id),
        by,
        None,
    )?;
    let mut invoice = before.clone();
    invoice.status = InvoiceStatus::Refunding;
    invoice.refund_seq = Some(entry.seq);
    save(tx, Some(&before), &invoice)?;
    audit::done(
        tx,
        by,
        AuditAction::StartProviderRefund,
        Target::Invoice(id),
        vec![
            Detail::noted("provider", invoice.provider),
            Detail::noted("amount", format!("{} {}", invoice.amount, invoice.currency)),
            Detail::noted("amount_usd", invoice.amount_usd),
            Detail::noted("user", invoice.user),
        ],
    )?;
    Ok(true)
}

/// What `verify()` collects about the ledger's INVOICE and PROVIDER_REFUND entries while it
/// walks the ledger: entry → (invoice, kind, amount, user).
pub(crate) type InvoiceEntries =
    std::collections::BTreeMap<u64, (InvoiceId, LedgerKind, Money, UserId)>;

/// The full check of invoices: each invoice's indexes; every paid one settled by exactly
/// one remembered payment and one ledger entry of its amount (PAYMENT of its order, or
/// INVOICE); unpaid ones with no money; refunds with their PROVIDER_REFUND entries; and
/// every INVOICE or PROVIDER_REFUND entry of the ledger (`entries`) named by the invoice or
/// payment it is about — so a second or forged credit shows.
pub(crate) fn verify(
    store: &crate::store::Store,
    mut entries: InvoiceEntries,
    order_payment_seq: &dyn Fn(OrderId) -> std::result::Result<Option<u64>, StoreError>,
) -> std::result::Result<Vec<String>, StoreError> {
    use crate::store::Span;
    let mut problems = Vec::new();
    let mut take = |seq: Option<u64>,
                    invoice: &Invoice,
                    kind: LedgerKind,
                    amount: Money,
                    what: &str,
                    problems: &mut Vec<String>| {
        let Some(seq) = seq else {
            problems.push(format!("invoices: invoice {} has no {what}", invoice.id));
            return;
        };
        match entries.remove(&seq) {
            Some((id, k, a, user))
                if id == invoice.id && k == kind && a == amount && user == invoice.user => {}
            other => problems.push(format!(
                "invoices: invoice {}'s {what} (ledger entry {seq}) is not a {} of {amount} for it (found {other:?})",
                invoice.id,
                kind.name()
            )),
        }
    };
    let mut count = 0u64;
    let mut open_topups: std::collections::BTreeMap<UserId, Vec<InvoiceId>> =
        std::collections::BTreeMap::new();
    for item in store.scan(Span::<Invoices>::all(), false) {
        let (id, invoice) = item?;
        count += 1;
        if id != invoice.id {
            problems.push(format!(
                "invoices: invoice {} stored under {id}",
                invoice.id
            ));
        }
        if !store.exists::<InvoicesByStatus>(&(invoice.status, id))?
            || !store.exists::<InvoicesByUser>(&(invoice.user, id))?
        {
            problems.push(format!("invoices: invoice {id} missing from an index"));
        }
        if invoice.purpose == InvoicePurpose::Topup && invoice.status == InvoiceStatus::Open {
            open_topups.entry(invoice.user).or_default().push(id);
        }
        if invoice.status.is_paid() {
            let payment = match &invoice.payment_id {
                Some(pid) => store.fetch::<Payments>(&(invoice.provider, pid.clone()))?,
                None => None,
            };
            let settled_by_it = match payment.as_ref().map(|p| (&p.invoice, &p.effect)) {
                Some((pid, PaymentEffect::PaidOrder { order, ledger_seq }))
                    if *pid == id && invoice.purpose == InvoicePurpose::Order(*order) =>
                {
                    if order_payment_seq(*order)? != Some(*ledger_seq)
                        || invoice.ledger_seq != Some(*ledger_seq)
                    {
                        problems.push(format!(
                            "invoices: invoice {id} paid order {order} with ledger entry {ledger_seq}, which the order or invoice does not name"
                        ));
                    }
                    true
                }
                Some((pid, PaymentEffect::Credited { ledger_seq, late }))
                    if *pid == id && *late == invoice.late =>
                {
                    if invoice.ledger_seq != Some(*ledger_seq) {
                        problems.push(format!(
                            "invoices: invoice {id} names ledger entry {:?}, its payment {ledger_seq}",
                            invoice.ledger_seq
                        ));
                    }
                    take(
                        Some(*ledger_seq),
                        &invoice,
                        LedgerKind::Invoice,
                        invoice.amount_usd,
                        "credit",
                        &mut problems,
                    );
                    true
                }
                _ => false,
            };
            if !settled_by_it {
                problems.push(format!(
                    "invoices: {} invoice {id} has no payment that settled it (payment {:?})",
                    invoice.status, invoice.payment_id
                ));
            }
        } else if invoice.ledger_seq.is_some() || invoice.payment_id.is_some() {
            problems.push(format!(
                "invoices: {} invoice {id} has a payment",
                invoice.status
            ));
        }
        let refunded = matches!(
            invoice.status,
            InvoiceStatus::Refunding | InvoiceStatus::Refunded
        ) || invoice.refund_back_seq.is_some();
        if refunded {
            take(
                invoice.refund_seq,
                &invoice,
                LedgerKind::ProviderRefund,
                invoice.amount_usd.negated(),
                "refund debit",
                &mut problems,
            );
        } else if invoice.refund_seq.is_some() {
            problems.push(format!(
                "invoices: {} invoice {id} names a refund",
                invoice.status
            ));
        }
        if invoice.refund_back_seq.is_some() || invoice.refund_refused.is_some() {
            if invoice.status != InvoiceStatus::Paid {
                problems.push(format!(
                    "invoices: {} invoice {id} names a refused refund",
                    invoice.status
                ));
            }
            take(
                invoice.refund_back_seq,
                &invoice,
                LedgerKind::ProviderRefund,
                invoice.amount_usd,
                "refund given back",
                &mut problems,
            );
        }
    }
    // Later payments of a paid invoice, credited to the balance.
    for item in store.scan(Span::<Payments>::all(), false) {
        let ((provider, pid), payment) = item?;
        let Some(invoice) = store.fetch::<Invoices>(&payment.invoice)? else {
            problems.push(format!(
                "invoices: payment {provider}:{pid} names missing invoice {}",
                payment.invoice
            ));
            continue;
        };
        let its_own = invoice.payment_id.as_deref() == Some(pid.as_str());
        if let PaymentEffect::Credited { ledger_seq, .. } = payment.effect
            && !its_own
        {
            take(
                Some(ledger_seq),
                &invoice,
                LedgerKind::Invoice,
                invoice.amount_usd,
                "later payment's credit",
                &mut problems,
            );
        }
    }
    for (seq, (id, kind, amount, _)) in entries {
        problems.push(format!(
            "invoices: ledger entry {seq} ({} of {amount}) is about invoice {id}, which does not name it",
            kind.name()
        ));
    }
    for item in store.scan(Span::<OpenTopupInvoices>::all(), false) {
        let (user, mut listed) = item?;
        listed.sort();
        let mut actual = open_topups.remove(&user).unwrap_or_default();
        actual.sort();
        if listed != actual {
            problems.push(format!(
                "invoices: user {user}'s open top-up invoices are listed as {listed:?}, they are {actual:?}"
            ));
        }
    }
    for (user, actual) in open_topups {
        problems.push(format!(
            "invoices: user {user}'s open top-up invoices {actual:?} are not listed"
        ));
    }
    if store.count(Span::<InvoicesByStatus>::all())? != count
        || store.count(Span::<InvoicesByUser>::all())? != count
    {
        problems.push("invoices: invoice indexes and invoices differ in size".into());
    }
    problems.extend(store.check_id_blocks::<Invoices>(
        Counter::InvoiceSeq,
        "invoices",
        "invoice",
        Some(count),
    )?);
    Ok(problems)
}
