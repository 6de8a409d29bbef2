//! The session store: patients, sessions, sets, reps, flags, pain scores and
//! recordings, in one SQLite file per installation or clinic station.
//!
//! A clinic needs the session log to survive the things that happen at a
//! station: the program killed, the power cut, the disk filling up. The
//! store is built for that:
//!
//! - every write is one SQLite transaction, so a set's events are stored
//!   all or not at all;
//! - the journal is a write-ahead log with `synchronous = FULL`: each commit
//!   is on the disk before the call returns, so a power cut loses at most
//!   the write that was in progress (with `NORMAL` a power cut could also
//!   roll back the last few *committed* writes, such as the end of the
//!   previous set; the price of `FULL` is one `fsync` per write, a few
//!   milliseconds, and writes come once per rep or flag, not per frame);
//! - a set is `recording` until [`Store::finish_set`]; after a crash,
//!   [`Store::recover`] marks what was left `recording` as `incomplete`, with
//!   the events stored until then;
//! - a file that is not a formcheck database, or is damaged, is refused
//!   before anything writes to it: its header is checked and SQLite's
//!   `quick_check` runs on a read-only connection first.
//!
//! The file and any folder the store creates are readable by their owner
//! only (0600, 0700): the data is about a patient's health, even under a
//! pseudonym. A `.lock` file next to the database tells the processes that
//! use it apart from the ones that died (see [`Store::recover`]).
//!
//! Writes cost a few milliseconds (an `fsync`): call them from a sink
//! thread, never from the analysis stage.

mod error;
mod journal;
mod programme;
mod pseudonym;
mod read;
mod rows;
mod schema;
mod text;

use std::fs::{DirBuilder, File, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use rusqlite::{Transaction, TransactionBehavior};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::analysis::config::Fault;
use crate::analysis::events::Event;
use crate::file_kinds::SQLITE_HEADER;

pub use error::StoreError;
pub use journal::{Batch, Outbox, PendingRow, Station, TableShape, Uncopied, DELIVERED_TABLES};
pub use programme::{
    ExerciseOutcome, Measure, Moment, Outcome, PlannedExercise, SessionExercise, SessionExerciseId,
    SessionRecord, PSFS, SCORE_ITEM,
};
pub use pseudonym::{Pseudonym, PseudonymError};
pub use rows::{
    FlagRow, HoldRow, PatientId, RedFlagAnswers, RedFlagCheck, RepRow, SessionDetail, SessionId,
    SessionRow, SetId, SetRow, SetStatus, SetSummaryRow,
};
pub use schema::{current_version, Migration, APPLICATION_ID, MIGRATIONS};
pub use text::{detail_text, sessions_text};

use crate::time::SourceTime;
use error::{from_io, from_sqlite};

/// File name of the database in the default folder.
pub const FILE_NAME: &str = "formcheck.sqlite";

/// Environment variable that overrides the default database path.
pub const DB_ENV: &str = "FORMCHECK_DB";

/// The kinds of recording a set can have.
pub const RECORDING_KINDS: &[&str] = &["raw_video", "overlay_video", "track", "events", "metrics"];

/// How long a write waits for another process' write to finish.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Size of SQLite's file header: a shorter, non-empty file is not a
/// database.
const HEADER_LEN: usize = 100;

/// Why a set left `recording` without [`Store::finish_set`].
const CRASHED: &str =
    "formcheck stopped before the set was finished (a crash, a power cut or a failed write)";

/// Highest pain score.
const PAIN_MAX: u8 = 10;

/// A session store: one SQLite database, open for reading and writing.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// Shared lock on `<db>.lock` while this store is open for writing;
    /// `None` when opened for reading only.
    lock: Option<File>,
}

impl Store {
    /// `$FORMCHECK_DB`, else `$XDG_DATA_HOME/formcheck/formcheck.sqlite`,
    /// else `~/.local/share/formcheck/formcheck.sqlite` (else a relative
    /// `formcheck.sqlite` when there is no home either).
    pub fn default_path() -> PathBuf {
        let non_empty = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
        if let Some(path) = non_empty(DB_ENV) {
            return PathBuf::from(path);
        }
        crate::data_dir::user_dir().map_or_else(|| PathBuf::from(FILE_NAME), |d| d.join(FILE_NAME))
    }

    /// Opens the database at `path`, creating it (and its folder) when
    /// missing and upgrading its schema. An existing file that is not a
    /// formcheck database, or is damaged, is refused without being written
    /// to ([`StoreError::Corrupt`]); one written by a newer formcheck is
    /// refused too ([`StoreError::Newer`]).
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => {
                return Err(StoreError::Invalid(format!(
                    "{} is a folder: the database is a file (e.g. {})",
                    path.display(),
                    path.join(FILE_NAME).display()
                )))
            }
            Ok(meta) => {
                check_existing(path, meta.len())?;
                owner_only(path, &meta)?;
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => create_file(path)?,
            Err(e) => {
                return Err(StoreError::Unreadable {
                    path: path.to_path_buf(),
                    source: e,
                })
            }
        }
        let lock = lock_file(path)?;
        let mut conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| from_sqlite(path, "cannot open the database", e))?;
        let err = |e| from_sqlite(path, "cannot set the database up", e);
        if conn.is_readonly(rusqlite::MAIN_DB).map_err(err)? {
            return Err(StoreError::Unwritable {
                path: path.to_path_buf(),
                source: io::Error::new(
                    io::ErrorKind::PermissionDenied,
                    "the file is read-only for this user",
                ),
            });
        }
        conn.busy_timeout(BUSY_TIMEOUT).map_err(err)?;
        let mode: String = conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
            .map_err(err)?;
        if !mode.eq_ignore_ascii_case("wal") {
            tracing::warn!(
                "{}: journal mode {mode}, not WAL: readers and the writer will wait for each other",
                path.display()
            );
        }
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(err)?;
        conn.pragma_update(None, "foreign_keys", true)
            .map_err(err)?;
        schema::migrate(&mut conn, path)?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
            lock: Some(lock),
        })
    }

    /// Opens the database at `path` for reading only (`sessions`, `report`,
    /// `review`): it is never created, and nothing is written to it or
    /// beside it (no recovery of unfinished sets, no lock file), so a copy
    /// on a read-only medium can be read; only permissions that let others
    /// read it are tightened, where they can be. A database written by an older
    /// formcheck is upgraded first ([`Store::open`]) when it can be written.
    pub fn open_read_only(path: &Path) -> Result<Store, StoreError> {
        let meta = match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => {
                return Err(StoreError::Invalid(format!(
                    "{} is a folder: the database is a file (e.g. {})",
                    path.display(),
                    path.join(FILE_NAME).display()
                )))
            }
            Ok(meta) => meta,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(StoreError::Missing {
                    path: path.to_path_buf(),
                })
            }
            Err(e) => {
                return Err(StoreError::Unreadable {
                    path: path.to_path_buf(),
                    source: e,
                })
            }
        };
        check_existing(path, meta.len())?;
        // Health data is owner-only: a copy left readable by others is
        // tightened where this user may change it (not its contents).
        if let Err(e) = owner_only(path, &meta) {
            tracing::debug!("{} left as it is: {e}", path.display());
        }
        let conn = read_only_connection(path)?;
        let err = |e| from_sqlite(path, "cannot read the database", e);
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(err)?;
        if version < current_version() {
            drop(conn);
            return Store::open(path);
        }
        Ok(Store {
            conn,
            path: path.to_path_buf(),
            lock: None,
        })
    }

    /// An empty store in memory with the current schema, named `origin`
    /// in messages: the read model of data that lives elsewhere (a clinic's
    /// server, [`crate::clinic::read`]), filled with [`Store::import`].
    pub fn in_memory(origin: &str) -> Result<Store, StoreError> {
        let path = PathBuf::from(origin);
        let mut conn = Connection::open_in_memory()
            .map_err(|e| from_sqlite(&path, "cannot make a store in memory", e))?;
        conn.pragma_update(None, "foreign_keys", true)
            .map_err(|e| from_sqlite(&path, "cannot make a store in memory", e))?;
        schema::migrate(&mut conn, &path)?;
        Ok(Store {
            conn,
            path,
            lock: None,
        })
    }

    /// Adds `rows` (values in `columns` order, ids included) to `table`,
    /// one of [`DELIVERED_TABLES`], in one transaction.
    pub fn import(
        &mut self,
        table: &str,
        columns: &[String],
        rows: &[Vec<rusqlite::types::Value>],
    ) -> Result<(), StoreError> {
        if !DELIVERED_TABLES.contains(&table) {
            return Err(StoreError::Invalid(format!(
                "no table {table} to import into"
            )));
        }
        let path = &self.path;
        let err = |e| from_sqlite(path, &format!("cannot import the rows of {table}"), e);
        let tx = begin(&mut self.conn).map_err(err)?;
        {
            let marks = vec!["?"; columns.len()].join(", ");
            let mut insert = tx
                .prepare(&format!(
                    "INSERT INTO {table} ({}) VALUES ({marks})",
                    columns.join(", ")
                ))
                .map_err(err)?;
            for row in rows {
                insert
                    .execute(rusqlite::params_from_iter(row.iter()))
                    .map_err(err)?;
            }
        }
        tx.commit().map_err(err)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The patient with this pseudonym, created if new. A profile given
    /// replaces the one recorded.
    pub fn patient(
        &mut self,
        pseudonym: &str,
        profile: Option<&Path>,
    ) -> Result<PatientId, StoreError> {
        let pseudonym = pseudonym.trim();
        if pseudonym.is_empty() {
            return Err(StoreError::Invalid(
                "the patient pseudonym is empty".to_string(),
            ));
        }
        let profile = profile.map(path_text).transpose()?;
        let context = format!("cannot record patient `{pseudonym}`");
        let path = &self.path;
        let err = |e| from_sqlite(path, &context, e);
        let tx = begin(&mut self.conn).map_err(err)?;
        let found: Option<PatientId> = tx
            .query_row(
                "SELECT id FROM patients WHERE pseudonym = ?1",
                [pseudonym],
                |r| r.get(0),
            )
            .optional()
            .map_err(err)?;
        let id = match found {
            Some(id) => {
                if let Some(profile) = &profile {
                    tx.execute(
                        "UPDATE patients SET profile = ?1 WHERE id = ?2",
                        params![profile, id],
                    )
                    .map_err(err)?;
                }
                id
            }
            None => {
                let id = journal::patient_id(&tx, pseudonym).map_err(err)?;
                tx.execute(
                    &format!(
                        "INSERT INTO patients (id, pseudonym, profile, created_at)
                         VALUES ({}, ?1, ?2, ?3)",
                        id.map_or_else(|| journal::next_id("patients"), |id| id.to_string())
                    ),
                    params![pseudonym, profile, now()],
                )
                .map_err(err)?;
                tx.last_insert_rowid()
            }
        };
        tx.commit().map_err(err)?;
        Ok(id)
    }

    /// Starts a session of `patient` now; its recordings go to `folder`.
    pub fn start_session(
        &mut self,
        patient: PatientId,
        folder: &Path,
    ) -> Result<SessionId, StoreError> {
        let folder = path_text(folder)?;
        let path = &self.path;
        let err = |e| from_sqlite(path, "cannot start the session", e);
        let tx = begin(&mut self.conn).map_err(err)?;
        let known: bool = tx
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM patients WHERE id = ?1)",
                [patient],
                |r| r.get(0),
            )
            .map_err(err)?;
        if !known {
            return Err(StoreError::Invalid(format!(
                "no patient with id {patient} in {}",
                path.display()
            )));
        }
        tx.execute(
            &format!(
                "INSERT INTO sessions (id, patient_id, started_at, folder) VALUES ({}, ?1, ?2, ?3)",
                journal::next_id("sessions")
            ),
            params![patient, now(), folder],
        )
        .map_err(err)?;
        let id = tx.last_insert_rowid();
        tx.commit().map_err(err)?;
        Ok(id)
    }

    /// Records the answers to the red-flag check. Any yes also ends the
    /// session, with the reason, so that no set can start in it.
    pub fn record_red_flags(
        &mut self,
        session: SessionId,
        answers: &RedFlagAnswers,
    ) -> Result<(), StoreError> {
        let path = &self.path;
        let err = |e| from_sqlite(path, "cannot record the red-flag check", e);
        let tx = begin(&mut self.conn).map_err(err)?;
        if session_state(&tx, session).map_err(err)?.is_none() {
            return Err(StoreError::UnknownSession { id: session });
        }
        let at = now();
        tx.execute(
            &format!(
                "INSERT INTO red_flag_checks (id, session_id, answered_at, both_legs,
                     leg_weakness, saddle_numbness, bladder_bowel)
                 VALUES ({}, ?1, ?2, ?3, ?4, ?5, ?6)",
                journal::next_id("red_flag_checks")
            ),
            params![
                session,
                at,
                answers.both_legs,
                answers.leg_weakness,
                answers.saddle_numbness,
                answers.bladder_bowel
            ],
        )
        .map_err(err)?;
        if answers.any() {
            let because = format!("red flag: {}", answers.yes().join(", "));
            tx.execute(
                "UPDATE sessions SET ended_at = coalesce(ended_at, ?2),
                     stopped_because = coalesce(stopped_because, ?3)
                 WHERE id = ?1",
                params![session, at, because],
            )
            .map_err(err)?;
        }
        tx.commit().map_err(err)?;
        Ok(())
    }

    /// Starts set `number` (1-based) of `exercise` in `session`; its status
    /// is `recording` until [`Store::finish_set`].
    pub fn start_set(
        &mut self,
        session: SessionId,
        exercise: &str,
        number: u32,
        folder: &Path,
        pain_before: Option<u8>,
    ) -> Result<SetId, StoreError> {
        check_pain(pain_before)?;
        let folder = path_text(folder)?;
        let context = format!("cannot start set {number} of session {session}");
        let path = &self.path;
        let err = |e| from_sqlite(path, &context, e);
        let tx = begin(&mut self.conn).map_err(err)?;
        let Some(state) = session_state(&tx, session).map_err(err)? else {
            return Err(StoreError::UnknownSession { id: session });
        };
        if state.ended {
            return Err(StoreError::SessionEnded {
                id: session,
                because: state.because,
            });
        }
        tx.execute(
            &format!(
                "INSERT INTO sets (id, session_id, exercise, number, folder, status, started_at,
                     pain_before)
                 VALUES ({}, ?1, ?2, ?3, ?4, 'recording', ?5, ?6)",
                journal::next_id("sets")
            ),
            params![session, exercise, number, folder, now(), pain_before],
        )
        .map_err(err)?;
        let id = tx.last_insert_rowid();
        tx.commit().map_err(err)?;
        Ok(id)
    }

    /// Stores `events` of `set` in one transaction: a rep row per `Rep`, a
    /// hold row per `Hold`, a flag row per `FlagStart` (closed by the next
    /// `FlagEnd` of the same rule, in this call or a later one), the
    /// summary from `SetSummary`. `View` and `CannotSee` events are not
    /// stored (the event log has them). Either all are stored or none.
    pub fn add_events(&mut self, set: SetId, events: &[Event]) -> Result<(), StoreError> {
        if events.is_empty() {
            return Ok(());
        }
        let context = format!("cannot store the events of set {set}");
        let path = &self.path;
        let err = |e| from_sqlite(path, &context, e);
        let tx = begin(&mut self.conn).map_err(err)?;
        ensure_recording(&tx, set).map_err(err)??;
        let mut last: Option<SourceTime> = None;
        for event in events {
            if let Some(t_ms) = store_event(&tx, set, event, &err)? {
                last = Some(last.map_or(t_ms, |l| l.max(t_ms)));
            }
        }
        if let Some(last_ms) = last {
            tx.prepare_cached(
                "UPDATE sets SET last_event_ms = max(coalesce(last_event_ms, ?2), ?2) WHERE id = ?1",
            )
            .and_then(|mut s| s.execute(params![set, last_ms]))
            .map_err(err)?;
        }
        tx.commit().map_err(err)?;
        Ok(())
    }

    /// Records a file of `set`: `kind` is one of [`RECORDING_KINDS`].
    /// Allowed after the set is finished (a video is closed after the set).
    pub fn add_recording(&mut self, set: SetId, kind: &str, path: &Path) -> Result<(), StoreError> {
        if !RECORDING_KINDS.contains(&kind) {
            return Err(StoreError::Invalid(format!(
                "recording kind `{kind}`: expected one of {}",
                RECORDING_KINDS.join(", ")
            )));
        }
        let file = path_text(path)?;
        let context = format!("cannot record the {kind} of set {set}");
        let db = &self.path;
        let err = |e| from_sqlite(db, &context, e);
        let tx = begin(&mut self.conn).map_err(err)?;
        if set_status(&tx, set).map_err(err)?.is_none() {
            return Err(StoreError::UnknownSet { id: set });
        }
        tx.execute(
            &format!(
                "INSERT INTO recordings (id, set_id, kind, path, added_at)
                 VALUES ({}, ?1, ?2, ?3, ?4)",
                journal::next_id("recordings")
            ),
            params![set, kind, file, now()],
        )
        .map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(())
    }

    /// Finishes `set`: status `complete`, the pain after it (0–10), whether
    /// leg symptoms spread further down the leg, and why it was stopped
    /// early when it was.
    pub fn finish_set(
        &mut self,
        set: SetId,
        pain_after: Option<u8>,
        leg_symptoms_spread: Option<bool>,
        stopped_because: Option<&str>,
    ) -> Result<(), StoreError> {
        check_pain(pain_after)?;
        let context = format!("cannot finish set {set}");
        let path = &self.path;
        let err = |e| from_sqlite(path, &context, e);
        let tx = begin(&mut self.conn).map_err(err)?;
        ensure_recording(&tx, set).map_err(err)??;
        tx.execute(
            "UPDATE sets SET status = 'complete', finished_at = ?2, pain_after = ?3,
                 leg_symptoms_spread = ?4, stopped_because = ?5
             WHERE id = ?1",
            params![set, now(), pain_after, leg_symptoms_spread, stopped_because],
        )
        .map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(())
    }

    /// Marks `set` `incomplete` now, keeping what was stored of it: its
    /// recording failed (`because` says how) and it cannot go on.
    pub fn abandon_set(&mut self, set: SetId, because: &str) -> Result<(), StoreError> {
        let context = format!("cannot mark set {set} incomplete");
        let path = &self.path;
        let err = |e| from_sqlite(path, &context, e);
        let tx = begin(&mut self.conn).map_err(err)?;
        ensure_recording(&tx, set).map_err(err)??;
        tx.execute(
            "UPDATE sets SET status = 'incomplete', finished_at = ?2, stopped_because = ?3
             WHERE id = ?1",
            params![set, now(), because],
        )
        .map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(())
    }

    /// Marks the sets left `recording` by a process that died (a crash, a
    /// power cut) as `incomplete`, keeping what was stored of them, and
    /// ends the sessions it left open at their last set's time; returns
    /// them. When another [`Store`] has the database open (in another
    /// process, or in this one), nothing is touched, since its sets may be
    /// live, and the list is empty: the next start alone on the database
    /// recovers them. Call it once, right after [`Store::open`].
    pub fn recover(&mut self) -> Result<Vec<SetId>, StoreError> {
        let Some(lock) = &self.lock else {
            // Opened for reading: nothing is written.
            return Ok(Vec::new());
        };
        let alone = lock.try_lock().is_ok();
        // Back to the shared lock (a failed conversion may have dropped it).
        lock.lock_shared().map_err(|e| StoreError::Unwritable {
            path: lock_path(&self.path),
            source: e,
        })?;
        if !alone {
            tracing::warn!(
                "{}: another formcheck has the database open; its unfinished sets are left as they are",
                self.path.display()
            );
            return Ok(Vec::new());
        }
        let path = &self.path;
        let err = |e| from_sqlite(path, "cannot recover the unfinished sets", e);
        let tx = begin(&mut self.conn).map_err(err)?;
        let ids = tx
            .prepare(
                "UPDATE sets SET status = 'incomplete',
                     stopped_because = coalesce(stopped_because, ?1)
                 WHERE status = 'recording' RETURNING id",
            )
            .and_then(|mut s| {
                s.query_map([CRASHED], |r| r.get(0))?
                    .collect::<Result<Vec<SetId>, _>>()
            })
            .map_err(err)?;
        // Sessions nobody is running any more end when their last set was
        // last heard of (the crash itself left no time).
        tx.execute(
            "UPDATE sessions SET ended_at = coalesce(
                 (SELECT max(coalesce(finished_at, started_at)) FROM sets
                  WHERE session_id = sessions.id),
                 started_at)
             WHERE ended_at IS NULL",
            [],
        )
        .map_err(err)?;
        tx.commit().map_err(err)?;
        let mut ids = ids;
        ids.sort_unstable();
        Ok(ids)
    }

    /// Ends `session` now (a session already ended keeps its end).
    pub fn end_session(&mut self, session: SessionId) -> Result<(), StoreError> {
        let path = &self.path;
        let err = |e| from_sqlite(path, "cannot end the session", e);
        let tx = begin(&mut self.conn).map_err(err)?;
        if session_state(&tx, session).map_err(err)?.is_none() {
            return Err(StoreError::UnknownSession { id: session });
        }
        tx.execute(
            "UPDATE sessions SET ended_at = coalesce(ended_at, ?2) WHERE id = ?1",
            params![session, now()],
        )
        .map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(())
    }
}

/// Hours from `rfc3339` to now (negative if it is in the future).
pub fn hours_since(rfc3339: &str) -> Result<f64, StoreError> {
    let then = OffsetDateTime::parse(rfc3339, &Rfc3339)
        .map_err(|e| StoreError::Invalid(format!("`{rfc3339}` is not an RFC 3339 time: {e}")))?;
    Ok((OffsetDateTime::now_utc() - then).as_seconds_f64() / 3600.0)
}

/// Now, RFC 3339 in UTC with milliseconds: a fixed width, so that the text
/// sorts as the time does.
pub(crate) fn now() -> String {
    rfc3339(OffsetDateTime::now_utc())
}

/// `t` as [`now`] writes it.
pub(crate) fn rfc3339(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

/// A transaction that takes the write lock at once (no upgrade deadlock
/// with another writer).
/// A database error in the words of the call that met it.
type SqlError<'a> = &'a dyn Fn(rusqlite::Error) -> StoreError;

/// Stores one event of `set` in `tx`; the time it counts towards the set's
/// last event, if it does.
fn store_event(
    tx: &Transaction<'_>,
    set: SetId,
    event: &Event,
    err: SqlError<'_>,
) -> Result<Option<SourceTime>, StoreError> {
    match event {
        Event::FlagStart {
            rule,
            fault,
            metric,
            value,
            limit,
            frame,
            t_ms,
            message,
        } => {
            tx.prepare_cached(&format!(
                "INSERT INTO flags (id, set_id, rule, fault, metric, value, limit_value,
                     start_frame, start_ms, message)
                 VALUES ({}, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                journal::next_id("flags")
            ))
            .and_then(|mut s| {
                s.execute(params![
                    set,
                    rule,
                    fault_text(*fault),
                    metric.name(),
                    value,
                    limit,
                    frame_int(*frame),
                    t_ms,
                    message
                ])
            })
            .map_err(err)?;
            Ok(Some(*t_ms))
        }
        Event::FlagEnd {
            rule,
            peak,
            frame,
            t_ms,
            duration_ms,
            ..
        } => {
            close_flag(tx, set, rule, (*frame, *t_ms), (*duration_ms, *peak), err)?;
            Ok(Some(*t_ms))
        }
        Event::Rep { .. } => store_rep(tx, set, event, err),
        Event::Hold {
            index,
            frame,
            t_ms,
            duration_s,
            target_s,
        } => {
            tx.prepare_cached(
                "INSERT INTO holds (set_id, idx, frame, t_ms, duration_s, target_s)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .and_then(|mut s| {
                s.execute(params![
                    set,
                    index,
                    frame_int(*frame),
                    t_ms,
                    duration_s,
                    target_s
                ])
            })
            .map_err(err)?;
            Ok(Some(*t_ms))
        }
        Event::SetSummary {
            frames,
            frames_without_person,
            reps,
            holds,
            longest_hold_s,
            flags,
            cannot_measure,
            ..
        } => {
            let summary = SetSummaryRow {
                frames: *frames,
                frames_without_person: *frames_without_person,
                reps: *reps,
                holds: *holds,
                longest_hold_s: *longest_hold_s,
                flags: flags.clone(),
                cannot_measure: cannot_measure.clone(),
            };
            let json = serde_json::to_string(&summary)
                .map_err(|e| StoreError::Invalid(format!("summary of set {set}: {e}")))?;
            tx.prepare_cached("UPDATE sets SET summary = ?2 WHERE id = ?1")
                .and_then(|mut s| s.execute(params![set, json]))
                .map_err(err)?;
            Ok(None)
        }
        Event::View { .. } | Event::CannotSee { .. } => Ok(None),
    }
}

/// Closes the latest open flag of `rule` in `set` at `frame` and `t_ms`
/// with its duration and peak; an end without a start is logged, not stored.
fn close_flag(
    tx: &Transaction<'_>,
    set: SetId,
    rule: &str,
    (frame, t_ms): (u64, SourceTime),
    (duration_ms, peak): (f64, f32),
    err: SqlError<'_>,
) -> Result<(), StoreError> {
    let closed = tx
        .prepare_cached(
            "UPDATE flags SET end_frame = ?3, end_ms = ?4, duration_ms = ?5, peak = ?6
             WHERE id = (SELECT id FROM flags
                 WHERE set_id = ?1 AND rule = ?2 AND end_frame IS NULL
                 ORDER BY start_frame DESC, id DESC LIMIT 1)",
        )
        .and_then(|mut s| {
            s.execute(params![
                set,
                rule,
                frame_int(frame),
                t_ms,
                duration_ms,
                peak
            ])
        })
        .map_err(err)?;
    if closed == 0 {
        tracing::warn!(
            "set {set}: flag_end of `{rule}` at frame {frame} has no flag_start; not stored"
        );
    }
    Ok(())
}

/// Stores a rep of `set`, its peaks and its values at the turn.
fn store_rep(
    tx: &Transaction<'_>,
    set: SetId,
    rep: &Event,
    err: SqlError<'_>,
) -> Result<Option<SourceTime>, StoreError> {
    let Event::Rep {
        index,
        frame,
        t_ms,
        eccentric_s,
        turn_s,
        concentric_s,
        range,
        peaks,
        at_turn,
        flags,
    } = rep
    else {
        return Ok(None);
    };
    let flags = serde_json::to_string(flags)
        .map_err(|e| StoreError::Invalid(format!("rep {index} of set {set}: {e}")))?;
    tx.prepare_cached(
        "INSERT INTO reps (set_id, idx, frame, t_ms, eccentric_s, turn_s,
             concentric_s, range_reached, flags)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )
    .and_then(|mut s| {
        s.execute(params![
            set,
            index,
            frame_int(*frame),
            t_ms,
            eccentric_s,
            turn_s,
            concentric_s,
            range,
            flags
        ])
    })
    .map_err(err)?;
    let mut insert = tx
        .prepare_cached(
            "INSERT INTO rep_peaks (set_id, rep_idx, metric, low, high)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .map_err(err)?;
    for (metric, [low, high]) in peaks {
        insert
            .execute(params![set, index, metric, low, high])
            .map_err(err)?;
    }
    let mut insert = tx
        .prepare_cached(
            "INSERT INTO rep_at_turn (set_id, rep_idx, metric, value) VALUES (?1, ?2, ?3, ?4)",
        )
        .map_err(err)?;
    for (metric, value) in at_turn {
        insert
            .execute(params![set, index, metric, value])
            .map_err(err)?;
    }
    Ok(Some(*t_ms))
}

fn begin(conn: &mut Connection) -> rusqlite::Result<Transaction<'_>> {
    conn.transaction_with_behavior(TransactionBehavior::Immediate)
}

/// Whether a session has ended, and why it was stopped.
struct SessionState {
    ended: bool,
    because: Option<String>,
}

fn session_state(conn: &Connection, session: SessionId) -> rusqlite::Result<Option<SessionState>> {
    conn.query_row(
        "SELECT ended_at IS NOT NULL, stopped_because FROM sessions WHERE id = ?1",
        [session],
        |r| {
            Ok(SessionState {
                ended: r.get(0)?,
                because: r.get(1)?,
            })
        },
    )
    .optional()
}

fn set_status(conn: &Connection, set: SetId) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached("SELECT status FROM sets WHERE id = ?1")?
        .query_row([set], |r| r.get(0))
        .optional()
}

/// Ok when `set` is being recorded; the store's error when it is unknown or
/// closed (the outer result is SQLite's).
fn ensure_recording(conn: &Connection, set: SetId) -> rusqlite::Result<Result<(), StoreError>> {
    Ok(match set_status(conn, set)? {
        None => Err(StoreError::UnknownSet { id: set }),
        Some(status) if status == SetStatus::Recording.as_str() => Ok(()),
        Some(status) => Err(StoreError::SetClosed { id: set, status }),
    })
}

/// A frame index as SQLite's integer (frames never reach 2⁶³; saturate
/// rather than wrap if one did).
fn frame_int(frame: u64) -> i64 {
    i64::try_from(frame).unwrap_or(i64::MAX)
}

fn fault_text(fault: Fault) -> &'static str {
    match fault {
        Fault::LumbarFlexion => "lumbar_flexion",
        Fault::Rotation => "rotation",
        Fault::RangeOfMotion => "range_of_motion",
        Fault::Tempo => "tempo",
    }
}

fn fault_of(text: &str) -> Option<Fault> {
    [
        Fault::LumbarFlexion,
        Fault::Rotation,
        Fault::RangeOfMotion,
        Fault::Tempo,
    ]
    .into_iter()
    .find(|f| fault_text(*f) == text)
}

fn check_pain(pain: Option<u8>) -> Result<(), StoreError> {
    match pain {
        Some(p) if p > PAIN_MAX => Err(StoreError::Invalid(format!(
            "pain score {p}: the scale is 0 (none) to {PAIN_MAX} (worst imaginable)"
        ))),
        _ => Ok(()),
    }
}

/// `path` made absolute (recordings are found from any working folder), as
/// UTF-8 text.
fn path_text(path: &Path) -> Result<String, StoreError> {
    let absolute = std::path::absolute(path).map_err(|e| {
        StoreError::Invalid(format!("{}: cannot make it absolute: {e}", path.display()))
    })?;
    absolute.to_str().map(str::to_string).ok_or_else(|| {
        StoreError::Invalid(format!(
            "{}: the path is not valid UTF-8; rename it",
            path.display()
        ))
    })
}

/// Refuses an existing file that is not a healthy formcheck database,
/// without writing to it: the header is read as plain bytes, then SQLite
/// looks at it through a read-only connection.
fn check_existing(path: &Path, len: u64) -> Result<(), StoreError> {
    let corrupt = |why: String| StoreError::Corrupt {
        path: path.to_path_buf(),
        why,
    };
    if len == 0 {
        // SQLite's empty database (a file created just before a crash).
        return Ok(());
    }
    let mut header = [0u8; HEADER_LEN];
    let read = File::open(path)
        .and_then(|mut f| {
            let mut n = 0;
            while n < HEADER_LEN {
                match f.read(&mut header[n..])? {
                    0 => break,
                    k => n += k,
                }
            }
            Ok(n)
        })
        .map_err(|e| StoreError::Unreadable {
            path: path.to_path_buf(),
            source: e,
        })?;
    if read < HEADER_LEN {
        return Err(corrupt(format!(
            "{read} bytes, shorter than an SQLite header"
        )));
    }
    if &header[..SQLITE_HEADER.len()] != SQLITE_HEADER {
        return Err(corrupt(
            "it does not start with SQLite's header".to_string(),
        ));
    }
    let conn = read_only_connection(path)?;
    let check = |e: rusqlite::Error| match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase) => {
            corrupt(e.to_string())
        }
        _ => from_sqlite(path, "cannot check the database", e),
    };
    let problems: Vec<String> = conn
        .prepare("PRAGMA quick_check")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .map_err(check)?;
    if problems.first().map(String::as_str) != Some("ok") {
        return Err(corrupt(format!(
            "SQLite's check: {}",
            problems.first().map_or("no answer", String::as_str)
        )));
    }
    let (app, version, tables): (i32, i64, i64) = conn
        .query_row(
            "SELECT (SELECT application_id FROM pragma_application_id),
                 (SELECT user_version FROM pragma_user_version),
                 (SELECT count(*) FROM sqlite_schema)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .map_err(check)?;
    if app != APPLICATION_ID && (app != 0 || version != 0 || tables != 0) {
        return Err(corrupt(format!(
            "another program's SQLite database: application id {app:#x}, {tables} tables and indexes"
        )));
    }
    if version > current_version() {
        return Err(StoreError::Newer {
            path: path.to_path_buf(),
            found: version,
            supported: current_version(),
        });
    }
    Ok(())
}

/// A read-only connection to `path`. A file without a write-ahead log
/// beside it has no writer (a writer in WAL mode keeps the log while it is
/// connected): `immutable` reads it without locking, creating no `-shm` or
/// `-wal` file next to a file that may not be ours. With a log (a running
/// formcheck, or one that died), a plain read-only connection reads the log
/// too.
fn read_only_connection(path: &Path) -> Result<Connection, StoreError> {
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    let quiet = !Path::new(&wal).exists();
    let conn = Connection::open_with_flags(
        read_only_uri(path, quiet)?,
        OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI,
    )
    .map_err(|e| from_sqlite(path, "cannot open the database", e))?;
    conn.busy_timeout(BUSY_TIMEOUT)
        .map_err(|e| from_sqlite(path, "cannot open the database", e))?;
    Ok(conn)
}

/// `file:` URI of `path` for a read-only connection; `immutable`: one that
/// takes no lock and creates no file.
fn read_only_uri(path: &Path, immutable: bool) -> Result<String, StoreError> {
    let text = path_text(path)?;
    let mut uri = String::from("file:");
    for c in text.chars() {
        match c {
            '%' => uri.push_str("%25"),
            '?' => uri.push_str("%3f"),
            '#' => uri.push_str("%23"),
            c => uri.push(c),
        }
    }
    uri.push_str(if immutable {
        "?mode=ro&immutable=1"
    } else {
        "?mode=ro"
    });
    Ok(uri)
}

/// Tightens an existing database that others can read (made by an older
/// version, or copied in) to its owner only; a file that is not the
/// user's to change is left as it is, and opened as it allows.
fn owner_only(path: &Path, meta: &std::fs::Metadata) -> Result<(), StoreError> {
    use std::os::unix::fs::PermissionsExt;
    if meta.permissions().mode() & 0o077 == 0 {
        return Ok(());
    }
    match std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)) {
        Err(e) if e.kind() != io::ErrorKind::PermissionDenied => Err(from_io(path, e)),
        _ => Ok(()),
    }
}

/// Creates an empty database file readable by its owner only, and its
/// folder (owner only) when missing.
fn create_file(path: &Path) -> Result<(), StoreError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if !dir.is_dir() {
            DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .map_err(|e| from_io(dir, e))?;
        }
    }
    match OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(from_io(path, e)),
    }
}

fn lock_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// Opens `<db>.lock` (created owner-only) and takes a shared lock on it
/// for as long as the store is open.
fn lock_file(db: &Path) -> Result<File, StoreError> {
    let path = lock_path(db);
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(&path)
        .map_err(|e| from_io(&path, e))?;
    file.lock_shared().map_err(|e| from_io(&path, e))?;
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_store_can_move_to_a_sink_thread() {
        fn send<T: Send>() {}
        send::<Store>();
    }

    #[test]
    fn the_first_migration_sets_the_application_id() {
        assert!(MIGRATIONS[0]
            .sqlite_only
            .contains(&format!("application_id = {APPLICATION_ID};")));
    }

    #[test]
    fn times_are_fixed_width_rfc3339() {
        let t = now();
        assert_eq!(t.len(), "2026-01-02T03:04:05.678Z".len(), "{t}");
        assert!(OffsetDateTime::parse(&t, &Rfc3339).is_ok(), "{t}");
        assert!(hours_since(&t).is_ok_and(|h| (-0.01..0.01).contains(&h)));
    }

    #[test]
    fn faults_round_trip_as_their_serde_names() {
        for f in [
            Fault::LumbarFlexion,
            Fault::Rotation,
            Fault::RangeOfMotion,
            Fault::Tempo,
        ] {
            let json = serde_json::to_value(f).unwrap();
            assert_eq!(json.as_str(), Some(fault_text(f)));
            assert_eq!(fault_of(fault_text(f)), Some(f));
        }
    }

    #[test]
    fn red_flag_answers_name_each_yes() {
        let a = RedFlagAnswers {
            saddle_numbness: true,
            ..RedFlagAnswers::default()
        };
        assert!(a.any());
        assert_eq!(a.yes(), ["saddle numbness"]);
        assert!(!RedFlagAnswers::default().any());
    }
}
