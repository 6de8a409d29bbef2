//! A station's journal: the SQLite store of a station that delivers to a
//! clinic's PostgreSQL server.
//!
//! The station records into the journal exactly as a patient's own
//! database, so losing the server never loses a set. Two things differ, set
//! up by the `station` row (schema migration 4):
//!
//! - ids: each row's id is above the station's `id_base`, a random multiple
//!   of 2³² drawn when the journal is made, so the rows of many stations
//!   meet on the server without renumbering; a patient's id is made from
//!   the pseudonym, so two stations seeing the same patient agree on it;
//! - the outbox: triggers queue every row written, in order, for
//!   [`Outbox`] to hand to the delivery, which empties it into the server.

use std::collections::HashMap;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use rusqlite::types::Value;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension, Transaction};
use sha2::{Digest, Sha256};

use super::error::{from_sqlite, StoreError};
use super::{begin, Store, BUSY_TIMEOUT};

/// The tables a journal delivers, parents before children.
pub const DELIVERED_TABLES: &[&str] = &[
    "patients",
    "sessions",
    "red_flag_checks",
    "sets",
    "reps",
    "rep_peaks",
    "rep_at_turn",
    "holds",
    "flags",
    "recordings",
    "session_exercises",
    "outcomes",
];

/// Width of a station's id range: 2³² rows per table.
const RANGE_BITS: u32 = 32;

/// A station, as its journal names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Station {
    /// Random, made with the journal: the station's key at the server.
    pub uid: String,
    /// Its name on the dashboard.
    pub name: String,
    /// Its rows' ids are above this (and below the next 2³²).
    pub id_base: i64,
    /// The server it delivers to, without a password.
    pub server: String,
}

/// SQL for the id of a new row of `table`: one above the highest, and in a
/// journal above the station's base.
pub(crate) fn next_id(table: &str) -> String {
    format!(
        "(SELECT max(coalesce(max(id), 0), (SELECT coalesce(max(id_base), 0) FROM station)) + 1
          FROM {table})"
    )
}

/// In a journal, the id of the patient with `pseudonym`: the first 63 bits
/// of its SHA-256, the same on every station. `None` in a patient's own
/// database, whose ids count up from 1.
pub(crate) fn patient_id(tx: &Transaction<'_>, pseudonym: &str) -> rusqlite::Result<Option<i64>> {
    let journal: bool = tx.query_row("SELECT EXISTS (SELECT 1 FROM station)", [], |r| r.get(0))?;
    Ok(journal.then(|| {
        let digest = Sha256::digest(pseudonym.as_bytes());
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        // 63 bits: a positive id, never 0 (ids count from 1).
        i64::try_from(u64::from_be_bytes(first) >> 1).map_or(1, |id| id.max(1))
    }))
}

impl Store {
    /// Opens (creating when new) the journal at `path` of a station named
    /// `name` delivering to `server`. A new file becomes a journal; an
    /// existing journal must deliver to the same server; a patient's own
    /// database, with sessions in it, is refused (its rows were never
    /// queued for a server).
    pub fn open_journal(path: &Path, server: &str, name: &str) -> Result<Store, StoreError> {
        let mut store = Store::open(path)?;
        let err = |e| from_sqlite(path, "cannot set the station's journal up", e);
        let tx = begin(&mut store.conn).map_err(err)?;
        match read_station(&tx).map_err(err)? {
            Some(station) if station.server == server => {}
            Some(station) => {
                return Err(StoreError::Invalid(format!(
                    "{} is the journal of a station delivering to {}, not {server}: \
                     give this server its own journal (--journal)",
                    path.display(),
                    station.server
                )))
            }
            None => {
                let sessions: i64 = tx
                    .query_row("SELECT count(*) FROM sessions", [], |r| r.get(0))
                    .map_err(err)?;
                if sessions > 0 {
                    return Err(StoreError::Invalid(format!(
                        "{} holds {sessions} sessions of its own and is not a station's journal: \
                         give the station a new file (--journal)",
                        path.display()
                    )));
                }
                let random = random_u64(path)?;
                let uid = format!("{random:016x}");
                // 1 ..= 2³¹ - 1 ranges of 2³² ids: positive 63-bit ids.
                let range = i64::try_from(random >> 33).unwrap_or(1).max(1);
                tx.execute(
                    "INSERT INTO station (singleton, uid, name, id_base, server)
                     VALUES (1, ?1, ?2, ?3, ?4)",
                    params![uid, name, range << RANGE_BITS, server],
                )
                .map_err(err)?;
            }
        }
        tx.commit().map_err(err)?;
        Ok(store)
    }

    /// The station this journal belongs to; `None` in a patient's own
    /// database.
    pub fn station(&self) -> Result<Option<Station>, StoreError> {
        read_station(&self.conn).map_err(|e| from_sqlite(&self.path, "cannot read the station", e))
    }
}

fn read_station(conn: &Connection) -> rusqlite::Result<Option<Station>> {
    conn.query_row("SELECT uid, name, id_base, server FROM station", [], |r| {
        Ok(Station {
            uid: r.get(0)?,
            name: r.get(1)?,
            id_base: r.get(2)?,
            server: r.get(3)?,
        })
    })
    .optional()
}

/// 64 random bits from the operating system.
fn random_u64(db: &Path) -> Result<u64, StoreError> {
    let mut bytes = [0u8; 8];
    File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .map_err(|e| StoreError::Unreadable {
            path: PathBuf::from("/dev/urandom"),
            source: std::io::Error::new(e.kind(), format!("for the journal {}: {e}", db.display())),
        })?;
    Ok(u64::from_le_bytes(bytes))
}

/// A row waiting in the outbox, as it is now in the journal.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingRow {
    /// Its place in the outbox: rows are delivered in this order.
    pub seq: i64,
    /// The table.
    pub table: &'static str,
    /// The row's values, in [`TableShape::columns`] order.
    pub values: Vec<Value>,
}

/// A file of a finished set that the clinic's recordings folder lacks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uncopied {
    /// The recording's id.
    pub id: i64,
    /// The file on this station.
    pub path: PathBuf,
    /// Its set's folder on this station.
    pub set_folder: PathBuf,
}

/// Entries of the outbox, read together.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    /// The rows, each once, in the order first queued.
    pub rows: Vec<PendingRow>,
    /// The last sequence number the batch covers (the `after` asked for
    /// when it is empty).
    pub through: i64,
    /// Outbox entries it covers (a row queued twice is one row, two
    /// entries).
    pub entries: usize,
}

/// A delivered table's columns and primary key, as the journal has them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableShape {
    /// Every column, in the table's order.
    pub columns: Vec<String>,
    /// The primary key's columns.
    pub key: Vec<String>,
}

/// A second connection to a journal that reads its outbox and empties it
/// once rows are delivered. It runs on the delivery's thread, beside the
/// [`Store`] the live run writes through (the journal is a write-ahead log:
/// reading does not stop the writer).
pub struct Outbox {
    conn: Connection,
    path: PathBuf,
    shapes: HashMap<&'static str, TableShape>,
}

impl Outbox {
    /// Opens the outbox of the journal at `path` (made by
    /// [`Store::open_journal`]).
    pub fn open(path: &Path) -> Result<Outbox, StoreError> {
        let err = |e| from_sqlite(path, "cannot open the journal's outbox", e);
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(err)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(err)?;
        let mut shapes = HashMap::new();
        for &table in DELIVERED_TABLES {
            let columns: Vec<(String, i64)> = conn
                .prepare(&format!(
                    "SELECT name, pk FROM pragma_table_info('{table}') ORDER BY cid"
                ))
                .and_then(|mut s| s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect())
                .map_err(err)?;
            let mut key: Vec<&(String, i64)> = columns.iter().filter(|(_, pk)| *pk > 0).collect();
            key.sort_by_key(|(_, pk)| *pk);
            let key = key.into_iter().map(|(name, _)| name.clone()).collect();
            let columns = columns.into_iter().map(|(name, _)| name).collect();
            shapes.insert(table, TableShape { columns, key });
        }
        Ok(Outbox {
            conn,
            path: path.to_path_buf(),
            shapes,
        })
    }

    /// The columns and key of a delivered `table`.
    pub fn shape(&self, table: &str) -> Option<&TableShape> {
        self.shapes.get(table)
    }

    /// How many rows wait.
    pub fn waiting(&self) -> Result<i64, StoreError> {
        self.conn
            .query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))
            .map_err(|e| from_sqlite(&self.path, "cannot read the journal's outbox", e))
    }

    /// The next `limit` entries of the outbox after `after`, oldest first,
    /// as rows with their values now. A row queued several times (written,
    /// then updated) comes once, at its first place, with its latest
    /// values: a parent still comes before its children.
    pub fn pending(&self, after: i64, limit: usize) -> Result<Batch, StoreError> {
        let err = |e| from_sqlite(&self.path, "cannot read the journal's outbox", e);
        let queued: Vec<(i64, String, i64)> = self
            .conn
            .prepare_cached(
                "SELECT seq, tbl, row_id FROM outbox WHERE seq > ?1 ORDER BY seq LIMIT ?2",
            )
            .and_then(|mut s| {
                s.query_map(
                    params![after, i64::try_from(limit).unwrap_or(i64::MAX)],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )?
                .collect()
            })
            .map_err(err)?;
        let through = queued.last().map_or(after, |(seq, _, _)| *seq);
        let entries = queued.len();
        let mut seen = std::collections::HashSet::new();
        let mut rows = Vec::with_capacity(queued.len());
        for (seq, table, row_id) in queued {
            let Some((&table, shape)) = self.shapes.get_key_value(table.as_str()) else {
                return Err(StoreError::Invalid(format!(
                    "{}: the outbox names table `{table}`, which is not delivered",
                    self.path.display()
                )));
            };
            if !seen.insert((table, row_id)) {
                continue;
            }
            let sql = format!(
                "SELECT {} FROM {table} WHERE rowid = ?1",
                shape.columns.join(", ")
            );
            let values = self
                .conn
                .prepare_cached(&sql)
                .and_then(|mut s| {
                    s.query_row([row_id], |r| {
                        (0..shape.columns.len())
                            .map(|i| r.get::<_, Value>(i))
                            .collect()
                    })
                    .optional()
                })
                .map_err(err)?;
            // A row the journal no longer has (none is deleted today) has
            // nothing to deliver.
            if let Some(values) = values {
                rows.push(PendingRow { seq, table, values });
            }
        }
        Ok(Batch {
            rows,
            through,
            entries,
        })
    }

    /// Up to `limit` files of finished sets not yet copied to the clinic's
    /// recordings folder, oldest first.
    pub fn uncopied(&self, limit: usize) -> Result<Vec<Uncopied>, StoreError> {
        self.conn
            .prepare_cached(
                "SELECT r.id, r.path, t.folder FROM recordings r JOIN sets t ON t.id = r.set_id
                 WHERE r.shared_path IS NULL AND t.status <> 'recording'
                 ORDER BY r.id LIMIT ?1",
            )
            .and_then(|mut s| {
                s.query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
                    Ok(Uncopied {
                        id: r.get(0)?,
                        path: PathBuf::from(r.get::<_, String>(1)?),
                        set_folder: PathBuf::from(r.get::<_, String>(2)?),
                    })
                })?
                .collect()
            })
            .map_err(|e| from_sqlite(&self.path, "cannot list the recordings to copy", e))
    }

    /// Records where recording `id` was copied, and the SHA-256 the copy
    /// was verified against (delivered to the server like any write).
    pub fn copied(&mut self, id: i64, shared: &Path, sha256: &str) -> Result<(), StoreError> {
        let shared = shared
            .to_str()
            .ok_or_else(|| StoreError::Invalid(format!("{}: not valid UTF-8", shared.display())))?;
        self.conn
            .execute(
                "UPDATE recordings SET shared_path = ?2, sha256 = ?3 WHERE id = ?1",
                params![id, shared, sha256],
            )
            .map(drop)
            .map_err(|e| from_sqlite(&self.path, "cannot record a recording's copy", e))
    }

    /// Empties the outbox up to `seq`: the server has those rows.
    pub fn delivered(&mut self, seq: i64) -> Result<(), StoreError> {
        self.conn
            .execute("DELETE FROM outbox WHERE seq <= ?1", [seq])
            .map(drop)
            .map_err(|e| from_sqlite(&self.path, "cannot empty the journal's outbox", e))
    }
}
