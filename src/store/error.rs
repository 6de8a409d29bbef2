//! What can go wrong with the session store, and how SQLite's and the
//! operating system's errors map onto it.

use std::io;
use std::path::{Path, PathBuf};

use rusqlite::ErrorCode;

/// An error of the session store. Each message names the database file and
/// says what to do next.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The file is not a formcheck database, or it is damaged. It was not
    /// modified.
    #[error(
        "{}: not a formcheck database or damaged ({why}): the file was left as it is; \
         restore a backup or use --db with a new path",
        path.display()
    )]
    Corrupt {
        /// The database file.
        path: PathBuf,
        /// What gave it away.
        why: String,
    },
    /// The database, or the folder it lives in, cannot be written.
    #[error(
        "cannot write {}: {source}; use --db (or FORMCHECK_DB) with a folder you can write to",
        path.display()
    )]
    Unwritable {
        /// The file or folder.
        path: PathBuf,
        /// The operating system's or SQLite's reason.
        source: io::Error,
    },
    /// The database or folder cannot be read.
    #[error("cannot read {}: {source}", path.display())]
    Unreadable {
        /// The file or folder.
        path: PathBuf,
        /// The operating system's reason.
        source: io::Error,
    },
    /// The disk (or the user's quota) is full. The write that failed was
    /// rolled back; everything committed before it is intact.
    #[error(
        "{}: the disk is full: the last write was not saved, earlier sets are intact; \
         free some space",
        path.display()
    )]
    DiskFull {
        /// The database file.
        path: PathBuf,
    },
    /// A reading command was given a database that does not exist (it is
    /// never created for reading).
    #[error(
        "{} does not exist: no sessions were recorded there; check --db (or FORMCHECK_DB)",
        path.display()
    )]
    Missing {
        /// The path given.
        path: PathBuf,
    },
    /// No session with this id.
    #[error("no session {id} in this database: `formcheck sessions` lists them")]
    UnknownSession {
        /// The id asked for.
        id: i64,
    },
    /// No set with this id.
    #[error("no set {id} in this database")]
    UnknownSet {
        /// The id asked for.
        id: i64,
    },
    /// No patient with this pseudonym.
    #[error("no patient `{pseudonym}` in this database (patients: {known})")]
    UnknownPatient {
        /// The pseudonym asked for.
        pseudonym: String,
        /// The pseudonyms there are, comma separated (`none` when empty).
        known: String,
    },
    /// The set is no longer being recorded (finished, or marked incomplete
    /// after a crash): nothing more can be added to it.
    #[error("set {id} is {status}: nothing more can be added to it")]
    SetClosed {
        /// The set.
        id: i64,
        /// Its status.
        status: String,
    },
    /// The session has ended (or was stopped by the red-flag check): no new
    /// set can start in it.
    #[error("session {id} has ended{}: start a new session", because.as_deref().map(|b| format!(" ({b})")).unwrap_or_default())]
    SessionEnded {
        /// The session.
        id: i64,
        /// Why it was stopped, when it was.
        because: Option<String>,
    },
    /// The database was written by a newer formcheck.
    #[error(
        "{}: written by a newer formcheck (schema version {found}, this one knows up to \
         {supported}): update formcheck, or use --db with another file",
        path.display()
    )]
    Newer {
        /// The database file.
        path: PathBuf,
        /// Its schema version.
        found: i64,
        /// The newest this build knows.
        supported: i64,
    },
    /// A value the store refuses (a pain score outside 0–10, an empty
    /// pseudonym, a path that is not UTF-8...).
    #[error("{0}")]
    Invalid(String),
    /// Any other SQLite error.
    #[error("{context}: {source}")]
    Sqlite {
        /// What the store was doing.
        context: String,
        /// SQLite's error.
        source: rusqlite::Error,
    },
}

/// `errno` values that mean "no space": ENOSPC and EDQUOT (Linux numbers,
/// for the `io::Error`s that carry no `ErrorKind` for them).
const ENOSPC: i32 = 28;
/// Disk quota exceeded (Linux).
const EDQUOT: i32 = 122;

/// An error of the operating system while creating or reading `path`.
pub(crate) fn from_io(path: &Path, source: io::Error) -> StoreError {
    let full = matches!(
        source.kind(),
        io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded
    ) || matches!(source.raw_os_error(), Some(ENOSPC | EDQUOT));
    if full {
        StoreError::DiskFull {
            path: path.to_path_buf(),
        }
    } else {
        StoreError::Unwritable {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// An error of SQLite while working on the database at `path`.
pub(crate) fn from_sqlite(path: &Path, context: &str, source: rusqlite::Error) -> StoreError {
    match source.sqlite_error_code() {
        Some(ErrorCode::DiskFull) => StoreError::DiskFull {
            path: path.to_path_buf(),
        },
        Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => StoreError::Corrupt {
            path: path.to_path_buf(),
            why: source.to_string(),
        },
        Some(ErrorCode::ReadOnly | ErrorCode::PermissionDenied | ErrorCode::CannotOpen) => {
            StoreError::Unwritable {
                path: path.to_path_buf(),
                source: io::Error::new(io::ErrorKind::PermissionDenied, source.to_string()),
            }
        }
        _ => StoreError::Sqlite {
            context: context.to_string(),
            source,
        },
    }
}
