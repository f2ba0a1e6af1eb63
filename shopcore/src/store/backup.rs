//! Backups: a consistent snapshot of every table in one versioned, checksummed file, and
//! restoring it into a new database.
//!
//! File layout (all integers big-endian). A table is written under its name with its keys
//! within the table (without the tag of the `records` tree), as when each table was a sled
//! tree of its own: the format did not change with schema 3, so backups of schemas 1 and 2
//! restore (they are migrated when the restored shop is opened).
//! ```text
//! "SHOPBAK\n"                      8 bytes magic
//! format version                   u32 (1)
//! schema version                   u32
//! table count                      u32
//! per table: name length u16, name, entry count u64,
//!            per entry: key length u32, key, value length u32, value
//! SHA-256 of everything above      32 bytes
//! ```
//! Writers are held off while the snapshot is read (no change is half included); readers are
//! not. The file is written to a temporary name, synced, then renamed into place.
//!
//! Both directions stream, so a backup costs the same memory for ten orders as for a
//! million: records go to the file as they are read (each table's count is written as a
//! placeholder and filled in once the table is done, and the checksum is computed by
//! reading the file back after writers are let go); a restore reads the file three times —
//! the checksum, then the structure, then the records, loaded in batches — so nothing is
//! written anywhere before the whole file is known to be sound.

use super::{SCHEMA_VERSION, Store, StoreError, Table, full_key};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::Path;

const MAGIC: &[u8; 8] = b"SHOPBAK\n";
const FORMAT_VERSION: u32 = 1;
/// No single key or value in a backup may claim more than this (a corrupt length can't make
/// restore allocate without bound).
const ITEM_BYTES_MAX: usize = 64 * 1024 * 1024;

/// What a backup holds ([`crate::Shop::backup`]).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct BackupSummary {
    /// Tables written (every table of the store, empty ones included).
    pub tables: usize,
    /// Records written, across every table.
    pub entries: u64,
    /// The file's size in bytes.
    pub bytes: u64,
}

/// Why a backup, a restore or an export failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BackupError {
    /// The file does not start like a shopcore backup.
    #[error("{path} is not a shopcore backup")]
    NotABackup {
        /// The file.
        path: String,
    },
    /// The file is truncated, its checksum does not match, or its contents don't parse.
    #[error("the backup is damaged: {reason}")]
    Corrupt {
        /// What is wrong.
        reason: String,
    },
    /// The file uses a backup format this build does not read.
    #[error("the backup uses format {found}; this build reads format {FORMAT_VERSION}")]
    UnknownFormat {
        /// The file's format version.
        found: u32,
    },
    /// The backup holds a newer schema than this build supports.
    #[error(
        "the backup was made by a newer shopcore (schema {found}, this build supports {supported})"
    )]
    SchemaTooNew {
        /// The backup's schema version.
        found: u32,
        /// [`crate::SCHEMA_VERSION`].
        supported: u32,
    },
    /// Restoring into a path that exists.
    #[error("{path} already exists; restore into a new path")]
    TargetExists {
        /// The path.
        path: String,
    },
    /// The restored shop's [`crate::Shop::verify`] found problems; it was removed.
    #[error("the restored shop fails verification: {problems}")]
    FailsVerification {
        /// The problems, joined by `"; "`.
        problems: String,
    },
    /// Copying into a store that already holds records.
    #[error("{location} already holds records; copy into a new directory or an empty schema")]
    TargetNotEmpty {
        /// The target (a URL without its password).
        location: String,
    },
    /// The copy's records differ from the shop's (the shop changed while it was copied:
    /// stop the other processes first); the copy was emptied.
    #[error(
        "the copy differs from the shop ({reason}); it was emptied: copy again with the shop stopped"
    )]
    CopyDiffers {
        /// What differs.
        reason: String,
    },
    /// Reading or writing a file (or an export's output) failed.
    #[error("i/o error: {reason}")]
    Io {
        /// The operating system's error.
        reason: String,
    },
}

impl BackupError {
    /// A stable, machine-readable name for the error (`"backup.corrupt"`); see
    /// [`crate::Error::kind`].
    pub fn kind(&self) -> &'static str {
        match self {
            BackupError::NotABackup { .. } => "backup.not_a_backup",
            BackupError::TargetNotEmpty { .. } => "backup.target_not_empty",
            BackupError::CopyDiffers { .. } => "backup.copy_differs",
            BackupError::Corrupt { .. } => "backup.corrupt",
            BackupError::UnknownFormat { .. } => "backup.unknown_format",
            BackupError::SchemaTooNew { .. } => "backup.schema_too_new",
            BackupError::TargetExists { .. } => "backup.target_exists",
            BackupError::FailsVerification { .. } => "backup.fails_verification",
            BackupError::Io { .. } => "backup.io",
        }
    }
}

/// Why writing a backup failed: reading the store, or writing the file.
#[derive(Debug)]
pub(crate) enum BackupFailure {
    /// Reading the store failed.
    Store(StoreError),
    /// Writing the backup failed.
    Backup(BackupError),
}

impl From<StoreError> for BackupFailure {
    fn from(e: StoreError) -> BackupFailure {
        BackupFailure::Store(e)
    }
}

impl From<BackupError> for BackupFailure {
    fn from(e: BackupError) -> BackupFailure {
        BackupFailure::Backup(e)
    }
}

fn io(e: std::io::Error) -> BackupError {
    BackupError::Io {
        reason: e.to_string(),
    }
}

impl Store {
    /// Writes a consistent snapshot of every table to `path`.
    pub(crate) fn backup(&self, path: &Path) -> Result<BackupSummary, BackupFailure> {
        self.backup_as(path, SCHEMA_VERSION)
    }

    /// Writes the snapshot stamped with schema `schema`: the store's own version, which is
    /// older than this build's while the store waits to be migrated.
    pub(crate) fn backup_as(
        &self,
        path: &Path,
        schema: u32,
    ) -> Result<BackupSummary, BackupFailure> {
        let temporary = path.with_extension("partial");
        let written = self.write_backup(&temporary, schema);
        match written {
            Ok(summary) => {
                std::fs::rename(&temporary, path).map_err(io)?;
                Ok(summary)
            }
            Err(failure) => {
                let _ = std::fs::remove_file(&temporary);
                Err(failure)
            }
        }
    }

    fn write_backup(&self, temporary: &Path, schema: u32) -> Result<BackupSummary, BackupFailure> {
        let file = File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(temporary)
            .map_err(io)?;
        let mut out = Counting {
            inner: BufWriter::with_capacity(1 << 20, &file),
            at: 0,
        };
        // Where each table's count goes, and the count.
        let mut counts: Vec<(u64, u64)> = Vec::with_capacity(Table::ALL.len());
        let mut entries = 0u64;
        // One state of the store, so that no transaction is half included (`consistent`:
        // this process's writers held off on sled, a snapshot on PostgreSQL).
        self.consistent(|| -> Result<(), BackupFailure> {
            out.put(MAGIC)?;
            out.put(&FORMAT_VERSION.to_be_bytes())?;
            out.put(&schema.to_be_bytes())?;
            let tables = u32::try_from(Table::ALL.len()).unwrap_or(u32::MAX);
            out.put(&tables.to_be_bytes())?;
            for table in Table::ALL {
                let name = table.name().as_bytes();
                out.put(&u16::try_from(name.len()).unwrap_or(u16::MAX).to_be_bytes())?;
                out.put(name)?;
                let count_at = out.at;
                out.put(&0u64.to_be_bytes())?;
                let mut count = 0u64;
                for item in self.scan_table(table) {
                    let (k, v) = item?;
                    for part in [k.as_slice(), v.as_ref()] {
                        out.put(&u32::try_from(part.len()).unwrap_or(u32::MAX).to_be_bytes())?;
                        out.put(part)?;
                    }
                    count += 1;
                }
                counts.push((count_at, count));
                entries += count;
            }
            out.inner.flush().map_err(io)?;
            Ok(())
        })??;
        let body_len = out.at;
        drop(out);
        let mut file = &file;
        for (at, count) in counts {
            file.seek(SeekFrom::Start(at)).map_err(io)?;
            file.write_all(&count.to_be_bytes()).map_err(io)?;
        }
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        let digest = digest_of(&mut file, body_len)?;
        file.seek(SeekFrom::Start(body_len)).map_err(io)?;
        file.write_all(&digest).map_err(io)?;
        file.sync_all().map_err(io)?;
        Ok(BackupSummary {
            tables: Table::ALL.len(),
            entries,
            bytes: body_len + 32,
        })
    }

    /// Loads a checked backup file's records ([`check`] first) into this new, empty store,
    /// in batches, and flushes.
    pub(crate) fn load_backup(&self, path: &Path) -> Result<(), BackupFailure> {
        read_records(path, |table, k, v| {
            self.engine.put_direct(full_key(table, &k), v)?;
            Ok(())
        })?;
        Ok(self.flush()?)
    }
}

/// Records a copy writes per batch.
const COPY_BATCH: usize = 2_048;

impl Store {
    /// Copies every record of every table into `target` (an empty store), in batches, from
    /// one state of the store (`consistent`) so that no transaction is half included; tells `progress` each table's name and the
    /// records copied so far. Returns the records copied and their digest (as
    /// [`Store::records_digest`] computes it).
    pub(crate) fn copy_into(
        &self,
        target: &Store,
        progress: &mut dyn FnMut(&'static str, u64),
    ) -> Result<([u8; 32], u64), StoreError> {
        // One state of the store (see `write_backup`).
        self.consistent(|| -> Result<([u8; 32], u64), StoreError> {
            let mut hasher = Sha256::new();
            let mut copied = 0u64;
            for table in Table::ALL {
                let mut batch = super::writer::Writes::new();
                for item in self.scan_table(table) {
                    let (k, v) = item?;
                    hash_record(&mut hasher, table, &k, &v);
                    batch.insert(sled::IVec::from(full_key(table, &k)), Some(v));
                    if batch.len() >= COPY_BATCH {
                        copied += u64::try_from(batch.len()).unwrap_or(u64::MAX);
                        target.engine.apply_direct(std::mem::take(&mut batch))?;
                        progress(table.name(), copied);
                    }
                }
                copied += u64::try_from(batch.len()).unwrap_or(u64::MAX);
                if !batch.is_empty() {
                    target.engine.apply_direct(batch)?;
                }
                progress(table.name(), copied);
            }
            target.flush()?;
            Ok((hasher.finalize().into(), copied))
        })?
    }

    /// A SHA-256 over every record of every table, audit log included, and how many there
    /// are: equal for two stores holding the same records, whatever their engines.
    pub(crate) fn records_digest(&self) -> Result<([u8; 32], u64), StoreError> {
        let mut hasher = Sha256::new();
        let mut records = 0u64;
        for table in Table::ALL {
            for item in self.scan_table(table) {
                let (k, v) = item?;
                hash_record(&mut hasher, table, &k, &v);
                records += 1;
            }
        }
        Ok((hasher.finalize().into(), records))
    }

    /// Whether no table holds a record.
    pub(crate) fn is_empty(&self) -> Result<bool, StoreError> {
        self.engine.is_empty()
    }

    /// Removes every record (a copy that failed its check).
    pub(crate) fn clear_all(&self) -> Result<(), StoreError> {
        for table in Table::ALL {
            self.engine.clear_table(table)?;
        }
        self.flush()
    }
}

/// Adds one record to a digest of records: its table's name, key and value, each with its
/// length.
fn hash_record(hasher: &mut Sha256, table: Table, k: &[u8], v: &[u8]) {
    for part in [table.name().as_bytes(), k, v] {
        hasher.update(u64::try_from(part.len()).unwrap_or(u64::MAX).to_be_bytes());
        hasher.update(part);
    }
}

/// A writer that knows how many bytes it was given.
struct Counting<W: Write> {
    inner: W,
    at: u64,
}

impl<W: Write> Counting<W> {
    fn put(&mut self, bytes: &[u8]) -> Result<(), BackupError> {
        self.inner.write_all(bytes).map_err(io)?;
        self.at += u64::try_from(bytes.len()).unwrap_or(u64::MAX);
        Ok(())
    }
}

/// The SHA-256 of the next `len` bytes of `from`.
fn digest_of(from: &mut impl Read, len: u64) -> Result<[u8; 32], BackupError> {
    let mut hasher = Sha256::new();
    let mut body = BufReader::with_capacity(1 << 20, from.take(len));
    let mut buffer = vec![0u8; 1 << 16];
    let mut read = 0u64;
    loop {
        let n = body.read(&mut buffer).map_err(io)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        read += u64::try_from(n).unwrap_or(u64::MAX);
    }
    if read != len {
        return Err(BackupError::Corrupt {
            reason: "the file is truncated".into(),
        });
    }
    Ok(hasher.finalize().into())
}

/// Checks a backup file completely — what it is, its checksum, then its structure — before
/// anything is written anywhere, reading it as a stream (memory does not grow with it).
pub(crate) fn check(path: &Path) -> Result<(), BackupError> {
    let mut file = File::open(path).map_err(io)?;
    let len = file.metadata().map_err(io)?.len();
    let mut magic = [0u8; 8];
    let magic_len = read_up_to(&mut file, &mut magic)?;
    if magic_len < MAGIC.len() || &magic != MAGIC {
        return Err(BackupError::NotABackup {
            path: path.display().to_string(),
        });
    }
    if len < u64::try_from(MAGIC.len() + 12 + 32).unwrap_or(u64::MAX) {
        return Err(BackupError::Corrupt {
            reason: "the file is truncated".into(),
        });
    }
    file.seek(SeekFrom::Start(0)).map_err(io)?;
    let body_len = len - 32;
    let actual = digest_of(&mut file, body_len)?;
    let mut stored = [0u8; 32];
    file.read_exact(&mut stored).map_err(io)?;
    if actual != stored {
        return Err(BackupError::Corrupt {
            reason: "the checksum does not match (the file is truncated or altered)".into(),
        });
    }
    read_records(path, |_, _, _| Ok(())).map_err(|failure| match failure {
        BackupFailure::Backup(e) => e,
        BackupFailure::Store(e) => BackupError::Io {
            reason: e.to_string(),
        },
    })
}

/// Reads as many bytes as there are, up to `buffer`'s length.
fn read_up_to(from: &mut impl Read, buffer: &mut [u8]) -> Result<usize, BackupError> {
    let mut filled = 0;
    while filled < buffer.len() {
        let n = from.read(&mut buffer[filled..]).map_err(io)?;
        if n == 0 {
            break;
        }
        filled += n;
    }
    Ok(filled)
}

/// Streams a backup file's records (table, key within the table, value) to `each`, checking
/// the structure as it goes: known format and schema, known tables, lengths within bounds,
/// nothing after the last table but the checksum.
fn read_records(
    path: &Path,
    mut each: impl FnMut(Table, Vec<u8>, Vec<u8>) -> Result<(), StoreError>,
) -> Result<(), BackupFailure> {
    let file = File::open(path).map_err(io)?;
    let len = file.metadata().map_err(io)?.len();
    let body_len = len.saturating_sub(32);
    let mut reader = Reader {
        inner: BufReader::with_capacity(1 << 20, file.take(body_len)),
    };
    let mut magic = [0u8; 8];
    reader.exact(&mut magic)?;
    let format = reader.u32()?;
    if format != FORMAT_VERSION {
        return Err(BackupError::UnknownFormat { found: format }.into());
    }
    let schema = reader.u32()?;
    if schema > SCHEMA_VERSION {
        return Err(BackupError::SchemaTooNew {
            found: schema,
            supported: SCHEMA_VERSION,
        }
        .into());
    }
    let tables = reader.u32()?;
    for _ in 0..tables {
        let name_len = usize::from(reader.u16()?);
        let name = reader.bytes(name_len)?;
        let table = Table::ALL
            .into_iter()
            .find(|t| t.name().as_bytes() == name.as_slice())
            .ok_or_else(|| BackupError::Corrupt {
                reason: format!("unknown tree {:?}", String::from_utf8_lossy(&name)),
            })?;
        let count = reader.u64()?;
        for _ in 0..count {
            let k_len = reader.len32()?;
            let k = reader.bytes(k_len)?;
            let v_len = reader.len32()?;
            let v = reader.bytes(v_len)?;
            each(table, k, v)?;
        }
    }
    let mut rest = [0u8; 1];
    if read_up_to(&mut reader.inner, &mut rest)? != 0 {
        return Err(BackupError::Corrupt {
            reason: "unexpected bytes after the last tree".into(),
        }
        .into());
    }
    Ok(())
}

struct Reader<R: Read> {
    inner: R,
}

impl<R: Read> Reader<R> {
    fn exact(&mut self, buffer: &mut [u8]) -> Result<(), BackupError> {
        if read_up_to(&mut self.inner, buffer)? < buffer.len() {
            return Err(BackupError::Corrupt {
                reason: "a record runs past the end of the file".into(),
            });
        }
        Ok(())
    }

    fn bytes(&mut self, n: usize) -> Result<Vec<u8>, BackupError> {
        let mut out = vec![0u8; n];
        self.exact(&mut out)?;
        Ok(out)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], BackupError> {
        let mut out = [0u8; N];
        self.exact(&mut out)?;
        Ok(out)
    }

    fn u16(&mut self) -> Result<u16, BackupError> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    fn u32(&mut self) -> Result<u32, BackupError> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    fn u64(&mut self) -> Result<u64, BackupError> {
        Ok(u64::from_be_bytes(self.array()?))
    }

    fn len32(&mut self) -> Result<usize, BackupError> {
        let n = usize::try_from(self.u32()?).unwrap_or(usize::MAX);
        if n > ITEM_BYTES_MAX {
            return Err(BackupError::Corrupt {
                reason: format!("a record claims {n} bytes"),
            });
        }
        Ok(n)
    }
}
