//! Backups and exports for operators: `Shop::backup` writes a consistent, checksummed
//! snapshot; `Shop::restore` builds a new database from one and refuses damaged files; CSV
//! exports give accountants the orders, the ledger, the audit log and the users.
//!
//! Peers: audit, orders, users, wallet.

use crate::Shop;
use crate::audit::Outcome;
use crate::config::Config;
use crate::error::Result;
use crate::roles::Permission;
use crate::shop::{Actor, require};
use crate::store::backup;
use crate::store::{Span, Store};
use std::io::Write;
use std::path::Path;

pub use crate::store::backup::{BackupError, BackupSummary};

/// What [`Shop::copy_to`] copied.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct CopySummary {
    /// Records copied, across every table.
    pub records: u64,
    /// Tables copied (every table of the store, empty ones included).
    pub tables: usize,
    /// The SHA-256 of every record, equal on both sides (hex).
    pub digest: String,
    /// How long it took.
    pub seconds: f64,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What to export ([`Shop::export_csv`]), and the permission each needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportKind {
    /// Every order (`manage_orders`).
    Orders,
    /// The whole ledger (`manage_users`).
    Ledger,
    /// The audit log (`view_audit_logs`).
    Audit,
    /// Every user (`view_users`).
    Users,
}

impl ExportKind {
    /// A kind by name, case-insensitively: `orders`, `ledger`, `audit` or `users`.
    pub fn parse(text: &str) -> Option<ExportKind> {
        match text.trim().to_ascii_lowercase().as_str() {
            "orders" => Some(ExportKind::Orders),
            "ledger" => Some(ExportKind::Ledger),
            "audit" => Some(ExportKind::Audit),
            "users" => Some(ExportKind::Users),
            _ => None,
        }
    }

    /// The permission this export needs.
    pub fn permission(self) -> Permission {
        match self {
            ExportKind::Orders => Permission::ManageOrders,
            ExportKind::Ledger => Permission::ManageUsers,
            ExportKind::Audit => Permission::ViewAuditLogs,
            ExportKind::Users => Permission::ViewUsers,
        }
    }
}

/// One CSV field: quoted when it holds a comma, quote, line break or edge space; text that a
/// spreadsheet would run as a formula (`=`, `+`, `-`, `@` first) gets a leading `'`.
pub fn csv_field(text: &str, is_number: bool) -> String {
    let guarded = if !is_number && text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    let needs_quotes = guarded.contains([',', '"', '\n', '\r'])
        || guarded.starts_with(' ')
        || guarded.ends_with(' ');
    if needs_quotes {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

fn row(out: &mut dyn Write, fields: &[(String, bool)]) -> std::io::Result<()> {
    let line: Vec<String> = fields.iter().map(|(f, n)| csv_field(f, *n)).collect();
    out.write_all(line.join(",").as_bytes())?;
    out.write_all(b"\r\n")
}

fn t(text: impl ToString) -> (String, bool) {
    (text.to_string(), false)
}

fn n(number: impl ToString) -> (String, bool) {
    (number.to_string(), true)
}

impl Shop {
    /// Writes a consistent snapshot of the whole shop to `path`, a file (`manage_settings`).
    ///
    /// Writers wait while the snapshot is read, so no change is half included; readers do
    /// not. The file is written under a temporary name, synced, then renamed into place
    /// (replacing a file at `path`). It holds every record, sessions and the outbox
    /// included, with a SHA-256 checksum; restore it with [`Shop::restore`]. Not audited.
    /// Allowed in every store mode.
    ///
    /// ```
    /// use shopcore::{Config, Shop, UserId};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let dir = tempfile::tempdir()?;
    /// # let owner = UserId::new(1)?;
    /// # let shop = Shop::open(dir.path().join("shop.db"), Config::default().with_super_admins(vec![owner]))?;
    /// let file = dir.path().join("nightly.bak");
    /// let summary = shop.backup(&shop.actor(owner)?, &file)?;
    /// assert_eq!(summary.bytes, std::fs::metadata(&file)?.len());
    ///
    /// let copy = Shop::restore(&file, dir.path().join("copy.db"), Config::default())?;
    /// assert!(copy.user(owner)?.is_some());
    /// # Ok(())
    /// # }
    /// ```
    pub fn backup(&self, actor: &Actor, path: impl AsRef<Path>) -> Result<BackupSummary> {
        self.transact(|tx| require(tx, actor, Permission::ManageSettings).map(|_| ()))?;
        Ok(self.store.backup(path.as_ref())?)
    }

    /// Builds a new shop at `new_path` from a backup file, checks it with `verify()`, and
    /// returns it open with `config`. A damaged, truncated or foreign file is refused before
    /// anything is written; a restore that fails verification is removed.
    ///
    /// Fails with [`BackupError::TargetExists`] when `new_path` exists (restore never
    /// overwrites), [`BackupError::NotABackup`], [`BackupError::Corrupt`],
    /// [`BackupError::UnknownFormat`] or [`BackupError::SchemaTooNew`] for a file it can't
    /// use, [`BackupError::FailsVerification`], and [`BackupError::Io`]. See
    /// [`Shop::backup`] for an example.
    pub fn restore(
        backup_path: impl AsRef<Path>,
        new_path: impl AsRef<Path>,
        config: Config,
    ) -> Result<Shop> {
        let backup_path = backup_path.as_ref();
        let new_path = new_path.as_ref();
        if new_path.exists() {
            return Err(BackupError::TargetExists {
                path: new_path.display().to_string(),
            }
            .into());
        }
        backup::check(backup_path)?;
        let result = (|| {
            {
                let store = Store::open_empty(new_path, &config)?;
                store.load_backup(backup_path)?;
            }
            // The file restored from is the copy of the store before any migration.
            let config = Config {
                backup_before_migration: false,
                ..config
            };
            let shop = Shop::open(new_path, config)?;
            let report = shop.verify()?;
            if !report.is_healthy() {
                return Err(BackupError::FailsVerification {
                    problems: report.problems.join("; "),
                }
                .into());
            }
            Ok(shop)
        })();
        if result.is_err() {
            let _ = std::fs::remove_dir_all(new_path);
        }
        result
    }

    /// Copies the shop, record for record, into a new store at `target`: a directory that
    /// does not exist yet (sled) or a PostgreSQL database whose schema holds no records —
    /// how a shop moves from the embedded store to PostgreSQL and back. Needs
    /// `manage_settings` (like a backup, it reads and is not audited). `progress` hears each table's name and the records
    /// copied so far.
    ///
    /// The copy is checked before it is reported done: a digest of every record it holds
    /// (the audit log included) must equal the digest of what was read, and opened as a
    /// shop with `config` its [`Shop::verify`] must be healthy; otherwise it is emptied.
    /// The copy is the shop at one moment (on sled this process's writers wait while it
    /// copies; on PostgreSQL it reads a snapshot and nobody waits); stop the bot first so that
    /// nothing is written to the old store after it.
    ///
    /// Fails with [`BackupError::TargetExists`] for a directory that exists,
    /// [`BackupError::TargetNotEmpty`] for a database schema that holds records,
    /// [`BackupError::FailsVerification`] or [`BackupError::CopyDiffers`] when the check
    /// fails.
    pub fn copy_to(
        &self,
        actor: &Actor,
        target: impl Into<crate::config::Location>,
        config: Config,
        mut progress: impl FnMut(&str, u64),
    ) -> Result<CopySummary> {
        self.transact(|tx| require(tx, actor, Permission::ManageSettings).map(|_| ()))?;
        let target = target.into();
        if let crate::config::Location::Path(path) = &target
            && path.exists()
        {
            return Err(BackupError::TargetExists {
                path: path.display().to_string(),
            }
            .into());
        }
        let started = std::time::Instant::now();
        let copy = Store::open_empty_at(&target, &config, crate::shop::describers())?;
        if !copy.is_empty()? {
            return Err(BackupError::TargetNotEmpty {
                location: target.to_string(),
            }
            .into());
        }
        let checked = (|| {
            let (ours, records) = self
                .store
                .copy_into(&copy, &mut |table, n| progress(table, n))?;
            // Compared before the copy is opened as a shop (its check writes a watermark).
            let (theirs, copied) = copy.records_digest()?;
            if ours != theirs {
                return Err(BackupError::CopyDiffers {
                    reason: format!(
                        "{copied} records in the copy, {records} copied, and their digests differ"
                    ),
                }
                .into());
            }
            drop(copy);
            let config = Config {
                backup_before_migration: false,
                ..config.clone()
            };
            let shop = Shop::open(target.clone(), config)?;
            let report = shop.verify()?;
            if !report.is_healthy() {
                return Err(crate::Error::from(BackupError::FailsVerification {
                    problems: report.problems.join("; "),
                }));
            }
            Ok(CopySummary {
                records,
                tables: crate::store::Table::ALL.len(),
                digest: hex(&ours),
                seconds: started.elapsed().as_secs_f64(),
            })
        })();
        if checked.is_err() {
            match &target {
                crate::config::Location::Path(path) => {
                    let _ = std::fs::remove_dir_all(path);
                }
                crate::config::Location::Postgres(_) => {
                    if let Ok(copy) =
                        Store::open_empty_at(&target, &config, crate::shop::describers())
                    {
                        let _ = copy.clear_all();
                    }
                }
            }
        }
        checked
    }

    /// Writes a CSV export to `out` (a header line, then one line per record, CRLF line
    /// ends) and returns the number of records. Orders need `manage_orders`, the ledger
    /// `manage_users`, the audit log `view_audit_logs`, users `view_users`. Codes are never
    /// exported, and text a spreadsheet would run as a formula is defused ([`csv_field`]).
    /// Not audited.
    pub fn export_csv(&self, actor: &Actor, kind: ExportKind, out: &mut dyn Write) -> Result<u64> {
        self.transact(|tx| require(tx, actor, kind.permission()).map(|_| ()))?;
        let io = |e: std::io::Error| {
            crate::Error::from(BackupError::Io {
                reason: e.to_string(),
            })
        };
        let mut rows = 0u64;
        match kind {
            ExportKind::Orders => {
                row(
                    out,
                    &[
                        "id",
                        "created_at_ms",
                        "user",
                        "product",
                        "product_name",
                        "status",
                        "fulfilment",
                        "price_usd",
                        "discount_usd",
                        "total_usd",
                        "currency",
                        "exchange_rate",
                        "price_local",
                        "coupon",
                        "payment",
                    ]
                    .map(t),
                )
                .map_err(io)?;
                for item in self.store.scan(Span::<crate::orders::Orders>::all(), false) {
                    let (_, o) = item?;
                    let payment = match &o.payment {
                        crate::orders::Payment::Balance => "balance".to_owned(),
                        crate::orders::Payment::Method { method, .. } => format!("method {method}"),
                        crate::orders::Payment::Invoice {
                            invoice, provider, ..
                        } => format!("{provider} invoice {invoice}"),
                    };
                    row(
                        out,
                        &[
                            n(o.id.get()),
                            n(o.created_at.millis()),
                            n(o.user),
                            n(o.product.get()),
                            t(&o.product_name),
                            t(o.status),
                            t(o.fulfilment),
                            n(o.price_usd),
                            n(o.discount_usd),
                            n(o.total_usd),
                            t(&o.currency),
                            n(o.exchange_rate),
                            n(o.price_local),
                            t(o.coupon.as_ref().map_or(String::new(), ToString::to_string)),
                            t(payment),
                        ],
                    )
                    .map_err(io)?;
                    rows += 1;
                }
            }
            ExportKind::Ledger => {
                row(
                    out,
                    &[
                        "seq",
                        "at_ms",
                        "user",
                        "kind",
                        "amount_usd",
                        "balance_before",
                        "balance_after",
                        "reference",
                        "actor",
                        "note",
                    ]
                    .map(t),
                )
                .map_err(io)?;
                for item in crate::store::log::scan::<crate::wallet::Ledger>(
                    &self.store,
                    std::ops::Bound::Unbounded,
                    std::ops::Bound::Unbounded,
                    false,
                ) {
                    let (_, e) = item?;
                    let reference = match e.reference {
                        crate::wallet::LedgerRef::None => String::new(),
                        crate::wallet::LedgerRef::Topup(id) => format!("topup {id}"),
                        crate::wallet::LedgerRef::Order(id) => format!("order {id}"),
                        crate::wallet::LedgerRef::Invoice(id) => format!("invoice {id}"),
                        crate::wallet::LedgerRef::Referral(id) => format!("referral of user {id}"),
                    };
                    row(
                        out,
                        &[
                            n(e.seq),
                            n(e.at.millis()),
                            n(e.user),
                            t(e.kind),
                            n(e.amount),
                            n(e.balance_before),
                            n(e.balance_after),
                            t(reference),
                            t(&e.actor),
                            t(e.note.unwrap_or_default()),
                        ],
                    )
                    .map_err(io)?;
                    rows += 1;
                }
            }
            ExportKind::Audit => {
                row(
                    out,
                    &[
                        "seq", "at_ms", "actor", "action", "target", "outcome", "details",
                    ]
                    .map(t),
                )
                .map_err(io)?;
                for item in crate::store::log::scan::<crate::audit::Entries>(
                    &self.store,
                    std::ops::Bound::Unbounded,
                    std::ops::Bound::Unbounded,
                    false,
                ) {
                    let (_, e) = item?;
                    let outcome = match &e.outcome {
                        Outcome::Done => "done".to_owned(),
                        Outcome::Denied { reason } => format!("denied: {reason}"),
                        Outcome::Failed { reason } => format!("failed: {reason}"),
                    };
                    let details: Vec<String> = e
                        .details
                        .iter()
                        .map(|d| {
                            format!(
                                "{}: {} -> {}",
                                d.field,
                                d.before.as_deref().unwrap_or(""),
                                d.after.as_deref().unwrap_or("")
                            )
                        })
                        .collect();
                    row(
                        out,
                        &[
                            n(e.seq),
                            n(e.at.millis()),
                            t(&e.actor),
                            t(e.action),
                            t(&e.target),
                            t(outcome),
                            t(details.join("; ")),
                        ],
                    )
                    .map_err(io)?;
                    rows += 1;
                }
            }
            ExportKind::Users => {
                row(
                    out,
                    &[
                        "id",
                        "username",
                        "display_name",
                        "role",
                        "banned",
                        "language",
                        "currency",
                        "created_at_ms",
                        "last_active_at_ms",
                        "balance_usd",
                    ]
                    .map(t),
                )
                .map_err(io)?;
                for item in self.store.scan(Span::<crate::users::Users>::all(), false) {
                    let (_, u) = item?;
                    let balance = self.balance(u.id)?;
                    row(
                        out,
                        &[
                            n(u.id),
                            t(u.username
                                .as_ref()
                                .map_or(String::new(), |x| x.as_str().to_owned())),
                            t(&u.display_name),
                            t(u.role),
                            t(u.is_banned()),
                            t(u.preferred_language
                                .or(u.language)
                                .map_or(String::new(), |l| l.to_string())),
                            t(u.preferred_currency
                                .map_or(String::new(), |c| c.to_string())),
                            n(u.created_at.millis()),
                            n(u.last_active_at.millis()),
                            n(balance),
                        ],
                    )
                    .map_err(io)?;
                    rows += 1;
                }
            }
        }
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn csv_quoting() {
        assert_eq!(csv_field("plain", false), "plain");
        assert_eq!(csv_field("a,b", false), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\"", false), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines", false), "\"two\nlines\"");
        assert_eq!(
            csv_field("=HYPERLINK(\"x\")", false),
            "\"'=HYPERLINK(\"\"x\"\")\""
        );
        assert_eq!(csv_field("-5.00", true), "-5.00");
        assert_eq!(csv_field("-5.00", false), "'-5.00");
        assert_eq!(csv_field(" edge", false), "\" edge\"");
        assert_eq!(csv_field("مرحبا", false), "مرحبا");
    }
}
