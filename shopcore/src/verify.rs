//! Integrity checking: `Shop::verify` recomputes what the shop's invariants say must hold
//! and reports every violation it finds. Empty means healthy.

use crate::Shop;
use crate::error::Result;
use std::fmt;

/// The result of [`Shop::verify`]: one line per violated invariant.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct VerifyReport {
    /// One line per violated invariant, prefixed by its area and naming the record
    /// (`"wallet: ledger entry 17 does not add up"`); empty when the shop is healthy.
    pub problems: Vec<String>,
}

impl VerifyReport {
    /// No problem was found.
    pub fn is_healthy(&self) -> bool {
        self.problems.is_empty()
    }
}

impl fmt::Display for VerifyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.problems.is_empty() {
            return f.write_str("healthy: every invariant holds");
        }
        writeln!(f, "{} problem(s):", self.problems.len())?;
        for p in &self.problems {
            writeln!(f, "- {p}")?;
        }
        Ok(())
    }
}

impl Shop {
    /// Checks every invariant the shop keeps and reports each violation: users and their
    /// indexes; the audit hash chain, its head and counters; the catalog's indexes, stock and
    /// code pools; wallets replayed from the ledger, top-ups and the shop-wide money total,
    /// with every ledger amount bound into the audit entry that posted it; orders against
    /// their ledger entries and the state machine; the statistics roll-ups.
    ///
    /// It reads record by record while the shop keeps running, so a change committed during
    /// the check can show as a passing mismatch: run it on a quiet shop for an exact answer.
    /// It reads everything, so it takes time on a large shop (a few seconds per 100,000
    /// orders).
    /// `Err` only when the store can't be read at all; damaged records are reported as
    /// problems.
    ///
    /// ```
    /// use shopcore::{Config, Shop};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let dir = tempfile::tempdir()?;
    /// let shop = Shop::open(dir.path().join("shop.db"), Config::default())?;
    /// let report = shop.verify()?;
    /// assert!(report.is_healthy(), "{report}");
    /// assert_eq!(report.to_string(), "healthy: every invariant holds");
    /// # Ok(())
    /// # }
    /// ```
    pub fn verify(&self) -> Result<VerifyReport> {
        let mut problems = Vec::new();
        problems.extend(crate::users::verify(&self.store)?);
        problems.extend(crate::audit::verify(&self.store)?);
        problems.extend(crate::catalog::verify(&self.store)?);
        problems.extend(crate::wallet::verify(&self.store)?);
        problems.extend(crate::orders::verify(&self.store)?);
        problems.extend(crate::analytics::verify(
            &self.store,
            self.settings().utc_offset_minutes,
        )?);
        Ok(VerifyReport { problems })
    }

    /// A digest of every record except the audit log: equal digests before and after an
    /// operation prove it changed nothing else. For tests and tooling.
    #[doc(hidden)]
    pub fn state_digest(&self) -> Result<[u8; 32]> {
        Ok(self.store.state_digest()?)
    }
}
