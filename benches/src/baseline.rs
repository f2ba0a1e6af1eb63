//! Same-run disk baselines, measured next to the database under test so that a busy host
//! disk moves the baseline and the shop together:
//!
//! - [`fsync_4k`]: one 4 KiB overwrite of a plain file followed by `sync_data` (fdatasync),
//!   in a loop — the disk's one-commit-at-a-time limit;
//! - [`sled_flush_per_write`]: a bare `sled::Db` doing one insert of an order-sized value and
//!   one `flush()` per write — what a store without group commit gets.

use std::io::{Seek, SeekFrom, Write};
use std::path::Path;
use std::time::{Duration, Instant};

/// How many operations ran in how long.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rate {
    pub ops: u64,
    pub elapsed: Duration,
}

impl Rate {
    pub fn per_second(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.ops as f64 / secs
        } else {
            0.0
        }
    }
}

/// Runs `op` until `duration` has passed or `max_ops` ran (at least once).
fn timed_loop(
    duration: Duration,
    max_ops: u64,
    mut op: impl FnMut(u64) -> std::io::Result<()>,
) -> std::io::Result<Rate> {
    let start = Instant::now();
    let mut ops = 0;
    loop {
        op(ops)?;
        ops += 1;
        if ops >= max_ops.max(1) || start.elapsed() >= duration {
            break;
        }
    }
    Ok(Rate {
        ops,
        elapsed: start.elapsed(),
    })
}

/// One fsync per 4 KiB write: overwrites the first 4 KiB of `dir/fsync-baseline.bin` and
/// calls `sync_data` each time. The file is removed afterwards.
pub fn fsync_4k(dir: &Path, duration: Duration, max_ops: u64) -> std::io::Result<Rate> {
    let path = dir.join("fsync-baseline.bin");
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(true)
        .read(true)
        .write(true)
        .open(&path)?;
    let mut block = [0u8; 4096];
    file.write_all(&block)?;
    file.sync_all()?;
    let rate = timed_loop(duration, max_ops, |i| {
        block[..8].copy_from_slice(&i.to_le_bytes());
        file.seek(SeekFrom::Start(0))?;
        file.write_all(&block)?;
        file.sync_data()
    });
    drop(file);
    let _ = std::fs::remove_file(&path);
    rate
}

/// One sled flush per write: a fresh `sled::Db` at `dir/sled-baseline.db` (64 MiB cache, as
/// the shop's default) takes an insert of a 512-byte value under a new key, then `flush()`,
/// per operation. The database is removed afterwards.
pub fn sled_flush_per_write(dir: &Path, duration: Duration, max_ops: u64) -> std::io::Result<Rate> {
    let path = dir.join("sled-baseline.db");
    let _ = std::fs::remove_dir_all(&path);
    let db = sled::Config::new()
        .path(&path)
        .cache_capacity(64 * 1024 * 1024)
        .open()
        .map_err(std::io::Error::other)?;
    let value = vec![0x5a_u8; 512];
    let rate = timed_loop(duration, max_ops, |i| {
        db.insert(i.to_be_bytes(), value.as_slice())
            .map_err(std::io::Error::other)?;
        db.flush().map_err(std::io::Error::other)?;
        Ok(())
    });
    drop(db);
    let _ = std::fs::remove_dir_all(&path);
    rate
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates() {
        let r = Rate {
            ops: 50,
            elapsed: Duration::from_millis(500),
        };
        assert_eq!(r.per_second(), 100.0);
        assert_eq!(
            Rate {
                ops: 5,
                elapsed: Duration::ZERO
            }
            .per_second(),
            0.0
        );
    }

    #[test]
    fn baselines_stop_at_max_ops_and_clean_up() {
        let dir = tempfile::tempdir().unwrap();
        let r = fsync_4k(dir.path(), Duration::from_secs(60), 3).unwrap();
        assert_eq!(r.ops, 3);
        let r = sled_flush_per_write(dir.path(), Duration::from_secs(60), 3).unwrap();
        assert_eq!(r.ops, 3);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
