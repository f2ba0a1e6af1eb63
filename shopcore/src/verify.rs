//! Integrity checking: `Shop::verify` recomputes what the shop's invariants say must hold
//! and reports every violation it finds. Empty means healthy.

use crate::Shop;
use crate::error::Result;
use std::fmt;

/// The result of [`Shop::verify`]: one line per violated invariant.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct VerifyReport {
    pub problems: Vec<String>,
}

impl VerifyReport {
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
    /// Checks every invariant the shop keeps (indexes, counters, the audit hash chain, and as
    /// later modules add them, money and stock). Reads a consistent-enough snapshot: run it on
    /// a quiet shop for an exact answer.
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
