//! Leases on periodic jobs: when several processes share one shop (bot replicas on one
//! PostgreSQL database), each job that must run in one place at a time — delivering the
//! outbox, running broadcasts, the supplier queue, expiry sweeps, scheduled backups — is
//! claimed by one holder until a time, renewed by that holder while it lives, and taken
//! over by another once it lapses (a holder killed without releasing it). A claim is one
//! transaction through the single writer, so two holders never both win.
//!
//! Leases are coordination state, not shop state: they are written in every store mode and
//! not audited. They use the shop's clock: holders on several machines need clocks in step
//! to well under a lease's length (NTP).
//!
//! Peers: none.

use crate::Shop;
use crate::clock::Timestamp;
use crate::error::{InvalidInput, Result};
use crate::store::Table;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The shortest lease: shorter claims are made this long.
pub const LEASE_MIN: Duration = Duration::from_secs(1);
/// The longest lease: longer claims are made this long.
pub const LEASE_MAX: Duration = Duration::from_secs(7 * 24 * 3600);

/// Who holds a job, since when and until when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    /// The job.
    pub job: String,
    /// The holder (a replica's name).
    pub holder: String,
    /// When this holder first claimed it (kept across renewals).
    pub since: Timestamp,
    /// When it lapses unless renewed.
    pub until: Timestamp,
}

crate::store::record!(
    /// The lease of each job, by the job's name.
    pub(crate) Leases: Table::Leases, "leases", String => Lease
);

/// The longest job or holder name, in bytes.
pub const NAME_BYTES_MAX: usize = 64;

/// Whether `b` may appear in a job's or a holder's name: an ASCII letter or digit, `_`,
/// `-`, `.` or `:`.
pub fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':')
}

const HOLDER: &str = "holder name (1 to 64 letters, digits, _ - . :)";
const JOB: &str = "job name (1 to 64 letters, digits, _ - . :)";

/// A job's or a holder's name: 1 to [`NAME_BYTES_MAX`] bytes, each [`is_name_byte`].
fn name(what: &'static str, text: &str) -> Result<String> {
    if !text.is_empty() && text.len() <= NAME_BYTES_MAX && text.bytes().all(is_name_byte) {
        Ok(text.to_owned())
    } else {
        Err(InvalidInput::UnknownName {
            what,
            text: text.chars().take(70).collect(),
        }
        .into())
    }
}

/// Checks a holder's name as [`Shop::claim_job`] will (a frontend validating its setting
/// before it starts): [`crate::InvalidInput::UnknownName`] when it is not one.
pub fn check_holder_name(text: &str) -> Result<()> {
    name(HOLDER, text).map(drop)
}

fn millis(ttl: Duration) -> i64 {
    i64::try_from(ttl.clamp(LEASE_MIN, LEASE_MAX).as_millis()).unwrap_or(i64::MAX)
}

impl Shop {
    /// Claims `job` for `holder` for `ttl` (clamped to [`LEASE_MIN`]..=[`LEASE_MAX`]) from
    /// now: granted (`true`) when nobody holds it, its holder's lease has lapsed, or
    /// `holder` holds it already (renewed); refused (`false`) while another holder's lease
    /// runs. Names are 1 to 64 letters, digits, `_`, `-`, `.` or `:`
    /// ([`crate::InvalidInput::UnknownName`] otherwise).
    ///
    /// ```
    /// use shopcore::{Config, Shop};
    /// use std::time::Duration;
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let dir = tempfile::tempdir()?;
    /// # let shop = Shop::open(dir.path().join("shop.db"), Config::default())?;
    /// let minute = Duration::from_secs(60);
    /// assert!(shop.claim_job("outbox", "replica-a", minute)?);
    /// assert!(!shop.claim_job("outbox", "replica-b", minute)?); // a's lease runs
    /// assert!(shop.claim_job("outbox", "replica-a", minute)?); // renewed
    /// shop.release_job("outbox", "replica-a")?;
    /// assert!(shop.claim_job("outbox", "replica-b", minute)?);
    /// # Ok(())
    /// # }
    /// ```
    pub fn claim_job(&self, job: &str, holder: &str, ttl: Duration) -> Result<bool> {
        let job = name(JOB, job)?;
        let holder = name(HOLDER, holder)?;
        let ttl = millis(ttl);
        self.transact(|tx| {
            let now = tx.now;
            // Read as it is now: the holder renews it every period, so a copy this process
            // read a period ago is stale, and comparing it would run the claim again.
            let since = match tx.load_fresh::<Leases>(&job)? {
                Some(lease) if lease.holder == holder => lease.since,
                Some(lease) if lease.until > now => return Ok(false),
                _ => now,
            };
            tx.save::<Leases>(
                &job,
                &Lease {
                    job: job.clone(),
                    holder: holder.clone(),
                    since,
                    until: Timestamp(now.0.saturating_add(ttl)),
                },
            )?;
            Ok(true)
        })
    }

    /// Gives `job` up if `holder` holds it (a replica shutting down), so that another takes
    /// it at once; returns whether it did.
    pub fn release_job(&self, job: &str, holder: &str) -> Result<bool> {
        let job = name(JOB, job)?;
        let holder = name(HOLDER, holder)?;
        self.transact(|tx| match tx.load::<Leases>(&job)? {
            Some(lease) if lease.holder == holder => Ok(tx.delete::<Leases>(&job)?),
            _ => Ok(false),
        })
    }

    /// Every job's lease, lapsed ones included, by job name.
    pub fn job_leases(&self) -> Result<Vec<Lease>> {
        self.store
            .scan::<Leases>(crate::store::Span::all(), false)
            .map(|item| Ok(item?.1))
            .collect()
    }
}
