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

use super::{SCHEMA_VERSION, Store, StoreError, Table, full_key};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::Path;

const MAGIC: &[u8; 8] = b"SHOPBAK\n";
const FORMAT_VERSION: u32 = 1;
/// No single key or value in a backup may claim more than this (a corrupt length can't make
/// restore allocate without bound).
const ITEM_BYTES_MAX: usize = 64 * 1024 * 1024;

/// One record of a backup: its table, key within the table and encoded value.
pub(crate) type Entry = (Table, Vec<u8>, Vec<u8>);

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
        let mut bytes = Vec::new();
        let mut entries = 0u64;
        {
            // Hold writers off so that no transaction is half included.
            let _gate = self.gate.write().unwrap_or_else(|p| p.into_inner());
            bytes.extend_from_slice(MAGIC);
            bytes.extend_from_slice(&FORMAT_VERSION.to_be_bytes());
            bytes.extend_from_slice(&SCHEMA_VERSION.to_be_bytes());
            let count = u32::try_from(Table::ALL.len()).unwrap_or(u32::MAX);
            bytes.extend_from_slice(&count.to_be_bytes());
            for table in Table::ALL {
                let name = table.name().as_bytes();
                bytes.extend_from_slice(
                    &u16::try_from(name.len()).unwrap_or(u16::MAX).to_be_bytes(),
                );
                bytes.extend_from_slice(name);
                let items: Vec<(Vec<u8>, sled::IVec)> =
                    self.scan_table(table).collect::<Result<_, _>>()?;
                bytes.extend_from_slice(
                    &u64::try_from(items.len()).unwrap_or(u64::MAX).to_be_bytes(),
                );
                for (k, v) in items {
                    for part in [k.as_slice(), v.as_ref()] {
                        bytes.extend_from_slice(
                            &u32::try_from(part.len()).unwrap_or(u32::MAX).to_be_bytes(),
                        );
                        bytes.extend_from_slice(part);
                    }
                    entries += 1;
                }
            }
        }
        let digest: [u8; 32] = Sha256::digest(&bytes).into();
        bytes.extend_from_slice(&digest);
        let temporary = path.with_extension("partial");
        {
            let mut file = std::fs::File::create(&temporary).map_err(io)?;
            file.write_all(&bytes).map_err(io)?;
            file.sync_all().map_err(io)?;
        }
        std::fs::rename(&temporary, path).map_err(io)?;
        Ok(BackupSummary {
            tables: Table::ALL.len(),
            entries,
            bytes: u64::try_from(bytes.len()).unwrap_or(u64::MAX),
        })
    }

    /// Loads a backup's entries into this (new, empty) store.
    pub(crate) fn load_backup(
        &self,
        entries: &[(Table, Vec<u8>, Vec<u8>)],
    ) -> Result<(), StoreError> {
        for (table, k, v) in entries {
            self.records
                .insert(full_key(*table, k), v.as_slice())
                .map_err(StoreError::from_sled)?;
        }
        self.flush()
    }
}

/// Reads and checks a backup file completely before anything is written anywhere.
pub(crate) fn parse(bytes: &[u8], path: &Path) -> Result<Vec<Entry>, BackupError> {
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        return Err(BackupError::NotABackup {
            path: path.display().to_string(),
        });
    }
    if bytes.len() < MAGIC.len() + 12 + 32 {
        return Err(BackupError::Corrupt {
            reason: "the file is truncated".into(),
        });
    }
    let (body, digest) = bytes.split_at(bytes.len() - 32);
    let actual: [u8; 32] = Sha256::digest(body).into();
    if actual.as_slice() != digest {
        return Err(BackupError::Corrupt {
            reason: "the checksum does not match (the file is truncated or altered)".into(),
        });
    }
    let mut reader = Reader {
        bytes: body,
        at: MAGIC.len(),
    };
    let format = reader.u32()?;
    if format != FORMAT_VERSION {
        return Err(BackupError::UnknownFormat { found: format });
    }
    let schema = reader.u32()?;
    if schema > SCHEMA_VERSION {
        return Err(BackupError::SchemaTooNew {
            found: schema,
            supported: SCHEMA_VERSION,
        });
    }
    let tables = reader.u32()?;
    let mut out = Vec::new();
    for _ in 0..tables {
        let name_len = usize::from(reader.u16()?);
        let name = reader.take(name_len)?;
        let table = Table::ALL
            .into_iter()
            .find(|t| t.name().as_bytes() == name)
            .ok_or_else(|| BackupError::Corrupt {
                reason: format!("unknown tree {:?}", String::from_utf8_lossy(name)),
            })?;
        let count = reader.u64()?;
        for _ in 0..count {
            let k_len = reader.len32()?;
            let k = reader.take(k_len)?.to_vec();
            let v_len = reader.len32()?;
            let v = reader.take(v_len)?.to_vec();
            out.push((table, k, v));
        }
    }
    if reader.at != body.len() {
        return Err(BackupError::Corrupt {
            reason: "unexpected bytes after the last tree".into(),
        });
    }
    Ok(out)
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], BackupError> {
        let end = self
            .at
            .checked_add(n)
            .filter(|end| *end <= self.bytes.len())
            .ok_or_else(|| BackupError::Corrupt {
                reason: "a record runs past the end of the file".into(),
            })?;
        let slice = &self.bytes[self.at..end];
        self.at = end;
        Ok(slice)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], BackupError> {
        let slice = self.take(N)?;
        let mut out = [0u8; N];
        out.copy_from_slice(slice);
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
