//! Automatic payments: opening invoices for top-ups, answering a provider's "may this be
//! paid?", settling a provider's payment exactly once, expiring and cancelling unpaid
//! invoices, and finishing refunds sent back through a provider. The invoice record and its
//! steps are `invoices.rs`; an order's invoice is opened and closed with the order.
//!
//! Settling is keyed by (provider, payment id): the first report of a payment credits the
//! balance or pays the order; every later one — a webhook retried, a poll finding the same
//! payment, a restart — replays the first answer. A payment that is not the invoice's is
//! refused and remembered (staff are told once); a payment the invoice can no longer take
//! is credited to the payer's balance, never lost.
//!
//! Peers: audit, currency, invoices, notifications, orders, requests, settings, wallet.

use crate::Shop;
use crate::audit::{ActorRef, AuditAction, Detail, Target};
use crate::currency::USD_DECIMALS;
use crate::error::{Denied, InvalidInput, Result};
use crate::ids::{InvoiceId, RequestKey, UserId};
use crate::invoices::{
    self, Invoice, InvoiceError, InvoicePurpose, InvoiceStatus, OPEN_TOPUP_INVOICES_MAX,
    PAY_URL_MAX, PROVIDER_ID_MAX, PaymentEffect, Provider, ProviderPayment, Settled, Settlement,
};
use crate::money::Money;
use crate::notifications::{self, InvoiceProblem, NotificationKind};
use crate::requests::{self, RequestOutcome};
use crate::roles::{Permission, has_permission};
use crate::settings::refuse_in_emergency;
use crate::shop::{Actor, require, role_of};
use crate::store::{Span, StoreError, Table, Tx};
use crate::text::TextRule;
use crate::wallet;
use std::ops::Bound;

/// A provider's id of a payment or an invoice: 1 to 200 printable characters.
const PROVIDER_ID: TextRule = TextRule::single_line("provider id", PROVIDER_ID_MAX);
/// A payment link: 1 to 500 printable characters, `https://`.
const PAY_URL: TextRule = TextRule::single_line("payment link", PAY_URL_MAX);
/// The most a top-up by invoice may bring, in USD.
pub const TOPUP_INVOICE_MAX_USD: i64 = 10_000;
/// The largest page of invoices a listing returns.
pub const PAGE_LIMIT_MAX: usize = 100;

/// How the provider answered a refund ([`Shop::finish_provider_refund`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RefundOutcome {
    /// The money went back to the payer (or the provider says it already had).
    Done,
    /// The provider refused for good, with its answer: the amount goes back to the balance.
    Refused(String),
}

fn provider_text(what: &'static str, raw: &str) -> Result<String> {
    PROVIDER_ID
        .check(raw)
        .map_err(|_| InvoiceError::BadProviderText { what }.into())
}

fn replayed_invoice(tx: &Tx<'_>, outcome: RequestOutcome) -> Result<Invoice> {
    match outcome {
        RequestOutcome::Invoice(id) => invoices::load(tx, id),
        _ => Err(StoreError::Corrupt {
            table: Table::RequestKeys.name(),
            key: "(request)".into(),
            reason: "an invoice request key remembers something else".into(),
        }
        .into()),
    }
}

/// Settles one payment inside a transaction, as `by` (the provider's system actor, or a
/// staff member settling by hand).
fn settle_in(tx: &Tx<'_>, s: &Settlement, payment_id: &str, by: &ActorRef) -> Result<Settled> {
    let key = (s.provider, payment_id.to_owned());
    if let Some(known) = tx.load::<invoices::Payments>(&key)? {
        if known.invoice != s.invoice {
            return Err(InvoiceError::Mismatch {
                id: s.invoice,
                reason: format!("payment {payment_id} settled invoice {}", known.invoice),
            }
            .into());
        }
        // A replay answers with the first settlement only once that is on disk: a webhook
        // answered "done" must not be lost in a crash.
        tx.reports_committed_state.set(true);
        return Ok(Settled {
            invoice: invoices::load(tx, known.invoice)?,
            effect: known.effect,
            replayed: true,
        });
    }
    let before = invoices::load(tx, s.invoice)?;
    let remember = |effect: &PaymentEffect| {
        tx.save::<invoices::Payments>(
            &key,
            &ProviderPayment {
                invoice: before.id,
                amount: s.amount,
                currency: s.currency.chars().take(12).collect(),
                at: tx.now,
                by: by.clone(),
                effect: effect.clone(),
            },
        )
    };
    let reported = Detail::noted("paid", format!("{} {}", s.amount, s.currency));
    if let Some(reason) = invoices::mismatch(&before, s) {
        let effect = PaymentEffect::Refused {
            reason: reason.clone(),
        };
        remember(&effect)?;
        notifications::push(
            tx,
            before.user,
            NotificationKind::StaffInvoiceProblem {
                invoice: before.id,
                problem: InvoiceProblem::Refused {
                    reason: reason.clone(),
                },
            },
        )?;
        crate::audit::done(
            tx,
            by,
            AuditAction::RefuseSettlement,
            Target::Invoice(before.id),
            vec![
                Detail::noted("provider", s.provider),
                Detail::noted("payment_id", payment_id),
                reported,
                Detail::noted("expected", format!("{} {}", before.amount, before.currency)),
                Detail::noted("reason", &reason),
            ],
        )?;
        return Ok(Settled {
            invoice: before,
            effect,
            replayed: false,
        });
    }
    let paid_order = match (before.status, before.purpose) {
        (InvoiceStatus::Open, InvoicePurpose::Order(order)) => {
            crate::orders::pay_with_invoice(tx, order, &before, by)?.map(|seq| (order, seq))
        }
        _ => None,
    };
    let (effect, ledger_seq) = match paid_order {
        Some((order, ledger_seq)) => (PaymentEffect::PaidOrder { order, ledger_seq }, ledger_seq),
        // A top-up's own payment, or one the invoice can no longer take (expired,
        // cancelled, its order gone, paid already by another payment): to the balance.
        None => {
            let late =
                !(before.status == InvoiceStatus::Open && before.purpose == InvoicePurpose::Topup);
            let entry = invoices::credit(tx, &before, by, late)?;
            (
                PaymentEffect::Credited {
                    ledger_seq: entry.seq,
                    late,
                },
                entry.seq,
            )
        }
    };
    let mut invoice = before.clone();
    // A paid invoice keeps its own payment; a later one is remembered on its own.
    if !before.status.is_paid() {
        invoice.status = InvoiceStatus::Paid;
        invoice.late = matches!(effect, PaymentEffect::Credited { late: true, .. });
        invoice.payment_id = Some(payment_id.to_owned());
        invoice.paid_at = Some(tx.now);
        invoice.settled_by = Some(by.clone());
        invoice.ledger_seq = Some(ledger_seq);
        if let Some(theirs) = &s.provider_invoice
            && invoice.provider_invoice.is_none()
        {
            invoice.provider_invoice = Some(theirs.clone());
        }
        invoices::save(tx, Some(&before), &invoice)?;
    }
    remember(&effect)?;
    let outcome = match &effect {
        PaymentEffect::PaidOrder { order, .. } => format!("paid order {order}"),
        PaymentEffect::Credited { late: false, .. } => "credited".to_owned(),
        PaymentEffect::Credited { late: true, .. } => "credited late".to_owned(),
        PaymentEffect::Refused { .. } => String::new(),
    };
    crate::audit::done(
        tx,
        by,
        AuditAction::SettleInvoice,
        Target::Invoice(before.id),
        vec![
            Detail::noted("provider", s.provider),
            Detail::noted("payment_id", payment_id),
            reported,
            Detail::noted("amount_usd", before.amount_usd),
            Detail::noted("user", before.user),
            Detail::noted("outcome", outcome),
        ],
    )?;
    Ok(Settled {
        invoice,
        effect,
        replayed: false,
    })
}

impl Shop {
    /// A shopper opens an invoice to top up their wallet by `amount_usd` through
    /// `provider`. The amount to pay is in the provider's currency ([`Provider::currency`],
    /// a shop currency staff keep the rate of), rounded up; the payment, once settled,
    /// credits `amount_usd` (INVOICE). It expires after the unpaid-order deadline
    /// ([`crate::Config::unpaid_order_ttl_ms`]). Idempotent by `key`; audited
    /// `OPEN_INVOICE`. At most [`OPEN_TOPUP_INVOICES_MAX`] open at once.
    ///
    /// Fails for a system actor ([`Denied::NotAUser`]), a banned user, in emergency mode,
    /// for an amount that is not positive, has more than 2 decimals or exceeds
    /// [`TOPUP_INVOICE_MAX_USD`] ([`InvalidInput::Amount`]), and when the provider's
    /// currency is missing or disabled ([`crate::CurrencyError`]).
    pub fn open_topup_invoice(
        &self,
        actor: &Actor,
        provider: Provider,
        amount_usd: Money,
        key: &RequestKey,
    ) -> Result<Invoice> {
        let user = actor.user_id().ok_or(Denied::NotAUser)?;
        let amount = amount_usd
            .check(USD_DECIMALS, Money::units(TOPUP_INVOICE_MAX_USD))
            .map_err(|source| InvalidInput::Amount {
                what: "top-up amount",
                source,
            })?;
        let fingerprint = requests::fingerprint("open_topup_invoice", &(provider, amount, user))?;
        let ttl = self.limits.unpaid_order_ttl_ms;
        self.transact(|tx| {
            role_of(tx, actor)?;
            if let Some(outcome) = requests::replayed(tx, actor.who(), key, &fingerprint)? {
                return replayed_invoice(tx, outcome);
            }
            refuse_in_emergency(tx)?;
            let open = invoices::open_topups_of(tx, user)?;
            if open.len() >= OPEN_TOPUP_INVOICES_MAX {
                return Err(InvoiceError::TooManyOpen { open: open.len() }.into());
            }
            let invoice = invoices::open(tx, user, InvoicePurpose::Topup, provider, amount, ttl)?;
            requests::remember(
                tx,
                actor.who(),
                key,
                fingerprint,
                RequestOutcome::Invoice(invoice.id),
            )?;
            crate::audit::done(
                tx,
                actor.who(),
                AuditAction::OpenInvoice,
                Target::Invoice(invoice.id),
                vec![
                    Detail::noted("provider", provider),
                    Detail::noted("amount", format!("{} {}", invoice.amount, invoice.currency)),
                    Detail::noted("amount_usd", invoice.amount_usd),
                    Detail::noted("units_per_usd", invoice.units_per_usd),
                ],
            )?;
            Ok(invoice)
        })
    }

    /// Records the provider's own id for an invoice (and its payment link) once the
    /// frontend created it there. Setting the same id again changes nothing; another id is
    /// refused ([`InvoiceError::ProviderInvoiceSet`]). Frontends create the provider's
    /// invoice after [`Shop::open_topup_invoice`] or the order committed, with the invoice
    /// id as its payload, so a crash in between loses nothing (polling finds it by payload).
    pub fn attach_provider_invoice(
        &self,
        id: InvoiceId,
        provider_invoice: &str,
        pay_url: Option<&str>,
    ) -> Result<Invoice> {
        let theirs = provider_text("invoice id", provider_invoice)?;
        let url = pay_url
            .map(|u| {
                PAY_URL
                    .check(u)
                    .ok()
                    .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
                    .ok_or(InvoiceError::BadProviderText {
                        what: "payment link",
                    })
            })
            .transpose()?;
        self.transact(|tx| {
            let before = invoices::load(tx, id)?;
            match &before.provider_invoice {
                Some(existing) if *existing == theirs => {
                    tx.reports_committed_state.set(true);
                    return Ok(before);
                }
                Some(existing) => {
                    return Err(InvoiceError::ProviderInvoiceSet {
                        id,
                        existing: existing.clone(),
                    }
                    .into());
                }
                None => {}
            }
            let mut invoice = before.clone();
            invoice.provider_invoice = Some(theirs.clone());
            invoice.pay_url = url.clone();
            invoices::save(tx, Some(&before), &invoice)?;
            Ok(invoice)
        })
    }

    /// An invoice: the payer's own, or anyone's for staff with `view_users`.
    pub fn invoice(&self, actor: &Actor, id: InvoiceId) -> Result<Invoice> {
        let invoice = self.transact(|tx| {
            let role = role_of(tx, actor)?;
            let invoice = invoices::load(tx, id)?;
            if actor.user_id() != Some(invoice.user) && !has_permission(role, Permission::ViewUsers)
            {
                return Err(InvoiceError::NotFound { id }.into());
            }
            Ok(invoice)
        })?;
        self.store.read_barrier()?;
        Ok(invoice)
    }

    /// A user's invoices, newest first: their own, or staff with `view_users`.
    pub fn invoices_of(
        &self,
        actor: &Actor,
        user: UserId,
        before: Option<InvoiceId>,
        limit: usize,
    ) -> Result<Vec<Invoice>> {
        crate::error::check_page_size(limit, PAGE_LIMIT_MAX)?;
        self.transact(|tx| {
            let role = role_of(tx, actor)?;
            if actor.user_id() == Some(user) || has_permission(role, Permission::ViewUsers) {
                Ok(())
            } else {
                Err(Denied::MissingPermission {
                    role,
                    permission: Permission::ViewUsers,
                }
                .into())
            }
        })?;
        let mut span = Span::<invoices::InvoicesByUser>::within(&user);
        if let Some(id) = before {
            span = span.to(Bound::Excluded(&(user, id)));
        }
        let mut out = Vec::new();
        for item in self.store.scan_keys(span, true).take(limit) {
            let (_, id) = item?;
            if let Some(invoice) = self.store.fetch::<invoices::Invoices>(&id)? {
                out.push(invoice);
            }
        }
        self.store.read_barrier()?;
        Ok(out)
    }

    /// Invoices in a status, oldest first, after `after` (`review_topups`): the staff's
    /// view of open, refunding and refused payments.
    pub fn invoices_with_status(
        &self,
        actor: &Actor,
        status: InvoiceStatus,
        after: Option<InvoiceId>,
        limit: usize,
    ) -> Result<Vec<Invoice>> {
        crate::error::check_page_size(limit, PAGE_LIMIT_MAX)?;
        self.transact(|tx| require(tx, actor, Permission::ReviewTopups).map(|_| ()))?;
        self.invoices_in(status, None, after, limit)
    }

    /// Open invoices of one provider, oldest first: what a frontend polls the provider
    /// about (a missed webhook never loses a payment). For the frontend's worker; no actor.
    pub fn open_invoices(
        &self,
        provider: Provider,
        after: Option<InvoiceId>,
        limit: usize,
    ) -> Result<Vec<Invoice>> {
        crate::error::check_page_size(limit, PAGE_LIMIT_MAX)?;
        self.invoices_in(InvoiceStatus::Open, Some(provider), after, limit)
    }

    /// Refunds through `provider` waiting for the frontend to call it, oldest first. For
    /// the frontend's worker; no actor.
    pub fn refunds_waiting(&self, provider: Provider, limit: usize) -> Result<Vec<Invoice>> {
        crate::error::check_page_size(limit, PAGE_LIMIT_MAX)?;
        self.invoices_in(InvoiceStatus::Refunding, Some(provider), None, limit)
    }

    fn invoices_in(
        &self,
        status: InvoiceStatus,
        provider: Option<Provider>,
        after: Option<InvoiceId>,
        limit: usize,
    ) -> Result<Vec<Invoice>> {
        let mut span = Span::<invoices::InvoicesByStatus>::within(&status);
        if let Some(id) = after {
            span = span.from(Bound::Excluded(&(status, id)));
        }
        let mut out = Vec::new();
        for item in self.store.scan_keys(span, false) {
            if out.len() >= limit {
                break;
            }
            let (_, id) = item?;
            if let Some(invoice) = self.store.fetch::<invoices::Invoices>(&id)?
                && provider.is_none_or(|p| p == invoice.provider)
            {
                out.push(invoice);
            }
        }
        self.store.read_barrier()?;
        Ok(out)
    }

    /// The provider asks whether `payer` may pay `amount` `currency` for invoice `id` (the
    /// Bot API's pre-checkout query): yes only while the invoice is open and before its
    /// deadline, its order (if any) still awaits this payment, and the payer, provider,
    /// amount and currency are the invoice's. Reads only.
    pub fn check_payable(
        &self,
        payer: UserId,
        provider: Provider,
        id: InvoiceId,
        amount: Money,
        currency: &str,
    ) -> Result<Invoice> {
        self.transact(|tx| {
            let invoice = invoices::load(tx, id)?;
            if invoice.user != payer {
                return Err(InvoiceError::Mismatch {
                    id,
                    reason: "the payer is not the invoice's".into(),
                }
                .into());
            }
            let offered = Settlement {
                provider,
                invoice: id,
                payment_id: String::new(),
                provider_invoice: None,
                amount,
                currency: currency.to_owned(),
            };
            if let Some(reason) = invoices::mismatch(&invoice, &offered) {
                return Err(InvoiceError::Mismatch { id, reason }.into());
            }
            let order_waits = match invoice.purpose {
                InvoicePurpose::Topup => true,
                InvoicePurpose::Order(order) => crate::orders::awaits_invoice(tx, order, id)?,
            };
            if invoice.status != InvoiceStatus::Open || tx.now >= invoice.expires_at || !order_waits
            {
                return Err(InvoiceError::NotPayable {
                    id,
                    status: if invoice.status == InvoiceStatus::Open {
                        InvoiceStatus::Expired
                    } else {
                        invoice.status
                    },
                }
                .into());
            }
            Ok(invoice)
        })
    }

    /// Settles a provider's payment, exactly once per (provider, payment id), as the
    /// provider's system actor (`stars`, `crypto_pay`). The first report pays the invoice's
    /// order (PAYMENT and PURCHASE, as a confirmed outside payment; a code order in AUTO mode
    /// completes) or credits a top-up (INVOICE); a payment the invoice can no longer take —
    /// it expired, was cancelled with its order, or was paid already — is credited to the
    /// payer's balance and staff are told. A payment whose provider, provider invoice id,
    /// currency or amount is not the invoice's is refused: nothing is credited, it is
    /// remembered, audited `REFUSE_SETTLEMENT` and staff are told. Every later report of
    /// the same payment returns the first answer with `replayed` set. Settling is not
    /// refused in emergency mode: the money was received and must be recorded.
    ///
    /// Fails with [`InvoiceError::NotFound`] for an unknown invoice and
    /// [`InvoiceError::BadProviderText`] for an empty or overlong payment id (both audited
    /// as refusals).
    pub fn settle_invoice(&self, settlement: &Settlement) -> Result<Settled> {
        let actor = Actor::internal(settlement.provider.actor());
        self.settle_as(&actor, settlement, false)
    }

    /// Staff settle a payment by hand for a support case (`review_topups`): the payer shows
    /// the provider's receipt; the same exactly-once call as [`Shop::settle_invoice`], under
    /// the staff member's name. Nobody settles their own invoice ([`Denied::SelfAction`]).
    pub fn settle_invoice_by_hand(
        &self,
        actor: &Actor,
        settlement: &Settlement,
    ) -> Result<Settled> {
        self.settle_as(actor, settlement, true)
    }

    fn settle_as(&self, actor: &Actor, s: &Settlement, by_hand: bool) -> Result<Settled> {
        let target = Target::Invoice(s.invoice);
        let payment_id = self.validated(
            actor,
            AuditAction::SettleInvoice,
            target.clone(),
            Permission::ReviewTopups,
            provider_text("payment id", &s.payment_id),
        )?;
        self.audited(actor, AuditAction::SettleInvoice, target.clone(), |tx| {
            if by_hand {
                require(tx, actor, Permission::ReviewTopups)?;
                if actor.user_id() == Some(invoices::load(tx, s.invoice)?.user) {
                    return Err(Denied::SelfAction {
                        what: "settle an invoice of",
                    }
                    .into());
                }
            }
            settle_in(tx, s, &payment_id, actor.who())
        })
    }

    /// The payer cancels their open top-up invoice (an order's invoice is cancelled with
    /// the order). A payment that still comes is credited to the balance. Audited
    /// `CANCEL_INVOICE`; idempotent by `key`.
    pub fn cancel_invoice(
        &self,
        actor: &Actor,
        id: InvoiceId,
        key: &RequestKey,
    ) -> Result<Invoice> {
        let fingerprint = requests::fingerprint("cancel_invoice", &id)?;
        self.audited(
            actor,
            AuditAction::CancelInvoice,
            Target::Invoice(id),
            |tx| {
                role_of(tx, actor)?;
                if let Some(outcome) = requests::replayed(tx, actor.who(), key, &fingerprint)? {
                    return replayed_invoice(tx, outcome);
                }
                let before = invoices::load(tx, id)?;
                if actor.user_id() != Some(before.user) {
                    return Err(InvoiceError::NotFound { id }.into());
                }
                if before.purpose != InvoicePurpose::Topup || before.status != InvoiceStatus::Open {
                    return Err(InvoiceError::NotCancellable {
                        id,
                        status: before.status,
                    }
                    .into());
                }
                let invoice =
                    invoices::close_unpaid(tx, id, InvoiceStatus::Cancelled)?.unwrap_or(before);
                requests::remember(
                    tx,
                    actor.who(),
                    key,
                    fingerprint,
                    RequestOutcome::Invoice(id),
                )?;
                crate::audit::done(
                    tx,
                    actor.who(),
                    AuditAction::CancelInvoice,
                    Target::Invoice(id),
                    vec![Detail::noted("provider", invoice.provider)],
                )?;
                Ok(invoice)
            },
        )
    }

    /// Expires every open top-up invoice past its deadline (an order's expires with the
    /// order, [`Shop::expire_unpaid_orders`]), audited `EXPIRE_INVOICE` by `expiry`.
    /// Returns how many. A payment that still comes is credited to the balance.
    pub fn expire_invoices(&self) -> Result<u32> {
        let mut expired = 0;
        let mut after = None;
        loop {
            let page = self.invoices_in(InvoiceStatus::Open, None, after, PAGE_LIMIT_MAX)?;
            let Some(last) = page.last() else { break };
            after = Some(last.id);
            for candidate in page {
                if candidate.purpose != InvoicePurpose::Topup {
                    continue;
                }
                let done = self.transact(|tx| {
                    let invoice = invoices::load(tx, candidate.id)?;
                    if invoice.status != InvoiceStatus::Open || tx.now < invoice.expires_at {
                        return Ok(false);
                    }
                    invoices::close_unpaid(tx, invoice.id, InvoiceStatus::Expired)?;
                    crate::audit::done(
                        tx,
                        &ActorRef::System("expiry".into()),
                        AuditAction::ExpireInvoice,
                        Target::Invoice(invoice.id),
                        vec![Detail::noted("provider", invoice.provider)],
                    )?;
                    Ok(true)
                })?;
                if done {
                    expired += 1;
                }
            }
        }
        Ok(expired)
    }

    /// Records the provider's answer to a refund waiting ([`Shop::refunds_waiting`]), as
    /// the provider's system actor: done (the payer is told), or refused for good (the
    /// amount goes back to the payer's balance, PROVIDER_REFUND, and staff are told).
    /// Reporting `Done` again for a refunded invoice changes nothing. Audited
    /// `FINISH_PROVIDER_REFUND`.
    pub fn finish_provider_refund(
        &self,
        id: InvoiceId,
        outcome: &RefundOutcome,
    ) -> Result<Invoice> {
        let reason = match outcome {
            RefundOutcome::Done => None,
            RefundOutcome::Refused(reason) => Some(
                crate::text::REASON
                    .check(reason)
                    .unwrap_or_else(|_| "refused".to_owned()),
            ),
        };
        self.transact(|tx| {
            let before = invoices::load(tx, id)?;
            let by = before.provider.actor();
            if before.status == InvoiceStatus::Refunded && reason.is_none() {
                tx.reports_committed_state.set(true);
                return Ok(before);
            }
            if before.status != InvoiceStatus::Refunding {
                return Err(InvoiceError::NoRefundWaiting {
                    id,
                    status: before.status,
                }
                .into());
            }
            let mut invoice = before.clone();
            let mut details = vec![Detail::noted("amount_usd", invoice.amount_usd)];
            match &reason {
                None => {
                    invoice.status = InvoiceStatus::Refunded;
                    notifications::push(
                        tx,
                        invoice.user,
                        NotificationKind::InvoiceRefunded {
                            invoice: id,
                            amount_usd: invoice.amount_usd,
                        },
                    )?;
                    details.push(Detail::noted("outcome", "done"));
                }
                Some(reason) => {
                    let entry = wallet::post(
                        tx,
                        invoice.user,
                        invoice.amount_usd,
                        crate::wallet::LedgerKind::ProviderRefund,
                        crate::wallet::LedgerRef::Invoice(id),
                        &by,
                        None,
                    )?;
                    invoice.status = InvoiceStatus::Paid;
                    invoice.refund_back_seq = Some(entry.seq);
                    invoice.refund_refused = Some(reason.clone());
                    notifications::push(
                        tx,
                        invoice.user,
                        NotificationKind::StaffInvoiceProblem {
                            invoice: id,
                            problem: InvoiceProblem::RefundRefused {
                                reason: reason.clone(),
                            },
                        },
                    )?;
                    details.push(Detail::noted("outcome", "refused"));
                    details.push(Detail::noted("reason", reason));
                }
            }
            invoices::save(tx, Some(&before), &invoice)?;
            crate::audit::done(
                tx,
                &by,
                AuditAction::FinishProviderRefund,
                Target::Invoice(id),
                details,
            )?;
            Ok(invoice)
        })
    }
}
