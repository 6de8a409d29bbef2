//! The schema, as a list of migrations applied in order, for both places a
//! store lives: an SQLite file (a patient at home, a station's journal) and
//! a clinic's PostgreSQL server.
//!
//! There is one schema source. Each migration's shared part is written
//! once, with SQLite's type names; [`Migration::postgres`] maps those onto
//! PostgreSQL's (`INTEGER` is `BIGINT`, `REAL` is `DOUBLE PRECISION`), so a
//! table has the same columns, keys and checks in both. What only one side
//! has (SQLite's `PRAGMA`s, a station's outbox; the server's stations,
//! therapists and audit log) is in the migration's `sqlite_only` or
//! `postgres_only` part.
//!
//! `PRAGMA user_version` (SQLite) or the `formcheck_schema` table
//! (PostgreSQL) holds how many have been applied; each runs in its own
//! transaction together with the version bump, so a crash during an
//! upgrade leaves the database at the previous version, never half-way. A
//! migration, once released, is never edited: a change is a new entry.
//!
//! Floating-point columns are nullable: SQLite stores NaN as NULL, and the
//! store reads NULL back as NaN, so a measurement that was not a number is
//! kept as such instead of failing the whole write.

use std::path::Path;

use rusqlite::{Connection, TransactionBehavior};

use super::error::{from_sqlite, StoreError};

/// `PRAGMA application_id` of a formcheck database ("fmck"): tells a
/// formcheck database from another program's SQLite file.
pub const APPLICATION_ID: i32 = 0x666d_636b;

/// One step of the schema.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// Run on both, written with SQLite's type names.
    pub both: &'static str,
    /// Run after `both` on SQLite only.
    pub sqlite_only: &'static str,
    /// Run after `both` on PostgreSQL only.
    pub postgres_only: &'static str,
}

impl Migration {
    /// The SQL that SQLite runs.
    pub fn sqlite(&self) -> String {
        format!("{}\n{}", self.both, self.sqlite_only)
    }

    /// The SQL that PostgreSQL runs: the shared part with PostgreSQL's
    /// type names, then its own part.
    pub fn postgres(&self) -> String {
        format!("{}\n{}", postgres_types(self.both), self.postgres_only)
    }
}

/// `sql` with SQLite's integer and floating-point type names replaced by
/// PostgreSQL's 64-bit ones (whole words only).
fn postgres_types(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 64);
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        out.push_str(match word.as_str() {
            "INTEGER" => "BIGINT",
            "REAL" => "DOUBLE PRECISION",
            other => other,
        });
        word.clear();
    };
    for c in sql.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// The migrations, in order: the database's `user_version` is the number
/// applied.
pub const MIGRATIONS: &[Migration] = &[
    // 1: the first schema.
    Migration {
        both: "

    -- A patient, by pseudonym only (no name, no birth date).
    CREATE TABLE patients (
        id INTEGER PRIMARY KEY,
        pseudonym TEXT NOT NULL UNIQUE CHECK (length(trim(pseudonym)) > 0),
        profile TEXT,                 -- path of the profile (limits, baseline)
        created_at TEXT NOT NULL      -- RFC 3339, UTC
    );

    CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        patient_id INTEGER NOT NULL REFERENCES patients(id),
        started_at TEXT NOT NULL,
        ended_at TEXT,                -- NULL: still running, or the program died
        folder TEXT NOT NULL,         -- where its recordings go
        stopped_because TEXT          -- e.g. a red flag at the start
    );

    -- The red-flag questions asked at the start of a session (1 = yes).
    CREATE TABLE red_flag_checks (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id),
        answered_at TEXT NOT NULL,
        both_legs INTEGER NOT NULL CHECK (both_legs IN (0, 1)),
        leg_weakness INTEGER NOT NULL CHECK (leg_weakness IN (0, 1)),
        saddle_numbness INTEGER NOT NULL CHECK (saddle_numbness IN (0, 1)),
        bladder_bowel INTEGER NOT NULL CHECK (bladder_bowel IN (0, 1))
    );

    CREATE TABLE sets (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id),
        exercise TEXT NOT NULL,
        number INTEGER NOT NULL CHECK (number > 0),
        folder TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('recording', 'complete', 'incomplete')),
        started_at TEXT NOT NULL,
        finished_at TEXT,
        pain_before INTEGER CHECK (pain_before BETWEEN 0 AND 10),
        pain_after INTEGER CHECK (pain_after BETWEEN 0 AND 10),
        leg_symptoms_spread INTEGER CHECK (leg_symptoms_spread IN (0, 1)),
        stopped_because TEXT,
        summary TEXT,                 -- the set_summary event, JSON
        UNIQUE (session_id, number)
    );

    CREATE TABLE reps (
        set_id INTEGER NOT NULL REFERENCES sets(id),
        idx INTEGER NOT NULL,         -- 1-based rep number
        frame INTEGER NOT NULL,       -- frame of its end
        t_ms REAL,                    -- time of its end
        eccentric_s REAL,
        turn_s REAL,
        concentric_s REAL,
        range_reached REAL,           -- furthest value of the primary metric
        flags TEXT NOT NULL,          -- rules that fired during it, JSON array
        PRIMARY KEY (set_id, idx)
    );

    -- Lowest and highest value of each rule metric during a rep.
    CREATE TABLE rep_peaks (
        set_id INTEGER NOT NULL,
        rep_idx INTEGER NOT NULL,
        metric TEXT NOT NULL,
        low REAL,
        high REAL,
        PRIMARY KEY (set_id, rep_idx, metric),
        FOREIGN KEY (set_id, rep_idx) REFERENCES reps(set_id, idx)
    );

    CREATE TABLE holds (
        set_id INTEGER NOT NULL REFERENCES sets(id),
        idx INTEGER NOT NULL,
        frame INTEGER NOT NULL,
        t_ms REAL,
        duration_s REAL,
        target_s REAL,
        PRIMARY KEY (set_id, idx)
    );

    -- A flag: raised by a flag_start, closed by the flag_end of the same rule.
    CREATE TABLE flags (
        id INTEGER PRIMARY KEY,
        set_id INTEGER NOT NULL REFERENCES sets(id),
        rule TEXT NOT NULL,
        fault TEXT NOT NULL,
        metric TEXT NOT NULL,
        value REAL,                   -- the value that raised it
        limit_value REAL,
        start_frame INTEGER NOT NULL,
        start_ms REAL,
        message TEXT NOT NULL,
        end_frame INTEGER,            -- NULL: still up when the set ended
        end_ms REAL,
        duration_ms REAL,
        peak REAL                     -- worst value while it was up
    );

    CREATE TABLE recordings (
        id INTEGER PRIMARY KEY,
        set_id INTEGER NOT NULL REFERENCES sets(id),
        kind TEXT NOT NULL,
        path TEXT NOT NULL,
        added_at TEXT NOT NULL
    );
    ",
        sqlite_only: "PRAGMA application_id = 1718444907; -- APPLICATION_ID, 'fmck'",
        postgres_only: "",
    },
    // 2: how far an unfinished set got, and indexes for the lookups that
    // otherwise scan whole tables (closing a flag, a session's sets and
    // flags, a patient's sessions, the 48 h rest rule).
    Migration {
        both: "
    ALTER TABLE sets ADD COLUMN last_event_ms REAL; -- time of the last event stored
    CREATE INDEX flags_by_set ON flags (set_id, rule, end_frame);
    CREATE INDEX recordings_by_set ON recordings (set_id);
    CREATE INDEX sessions_by_patient ON sessions (patient_id, started_at);
    CREATE INDEX sets_by_exercise ON sets (exercise, started_at);
    CREATE INDEX red_flag_checks_by_session ON red_flag_checks (session_id);
    ",
        // Sets recorded by version 1 (no PostgreSQL database is that old).
        sqlite_only: "
    UPDATE sets SET last_event_ms = (
        SELECT max(t) FROM (
            SELECT t_ms AS t FROM reps WHERE reps.set_id = sets.id
            UNION ALL SELECT coalesce(end_ms, start_ms) FROM flags WHERE flags.set_id = sets.id
            UNION ALL SELECT t_ms FROM holds WHERE holds.set_id = sets.id
        )
    );
    ",
        postgres_only: "",
    },
    // 3: the values a rep rule judged at the rep's deepest point (the bend
    // of the back's outline), which the report and a clinic's dashboard show
    // per rep.
    Migration {
        both: "
    CREATE TABLE rep_at_turn (
        set_id INTEGER NOT NULL,
        rep_idx INTEGER NOT NULL,
        metric TEXT NOT NULL,
        value REAL,
        PRIMARY KEY (set_id, rep_idx, metric),
        FOREIGN KEY (set_id, rep_idx) REFERENCES reps(set_id, idx)
    );
    ",
        sqlite_only: "",
        postgres_only: "",
    },
    JOURNAL_AND_CLINIC,
    // 5: where a recording's copy is in a clinic's recordings folder (a
    // network share the dashboard reads), with the SHA-256 the copy was
    // verified against.
    Migration {
        both: "
    ALTER TABLE recordings ADD COLUMN shared_path TEXT;
    ALTER TABLE recordings ADD COLUMN sha256 TEXT;
    ",
        sqlite_only: "",
        postgres_only: "",
    },
    // 6: a guided session's programme, exercise by exercise, with what
    // became of each (done, skipped, stopped, and why); whether a set's
    // end suggested progressing; and the patient's outcome measures, dated
    // (back and leg pain, the PSFS, the clinic's questionnaire).
    Migration {
        both: "
    ALTER TABLE sets ADD COLUMN progression_suggested INTEGER
        CHECK (progression_suggested IN (0, 1));
    CREATE TABLE session_exercises (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id),
        position INTEGER NOT NULL CHECK (position > 0),
        exercise TEXT NOT NULL,
        sets_prescribed INTEGER NOT NULL CHECK (sets_prescribed > 0),
        reps INTEGER,                 -- per set, for an exercise counted in reps
        hold_s REAL,                  -- per set, for a held one
        rest_s REAL NOT NULL,
        sets_done INTEGER NOT NULL DEFAULT 0,
        outcome TEXT CHECK (outcome IN ('done', 'skipped', 'stopped')),
        reason TEXT,                  -- why it was skipped or stopped
        UNIQUE (session_id, position)
    );
    CREATE TABLE outcomes (
        id INTEGER PRIMARY KEY,
        patient_id INTEGER NOT NULL REFERENCES patients(id),
        session_id INTEGER REFERENCES sessions(id),
        taken_at TEXT NOT NULL,       -- RFC 3339, UTC
        measure TEXT NOT NULL,        -- back_pain, leg_pain, psfs, odi, rmdq
        item TEXT,                    -- a PSFS activity, a questionnaire's item number, or
                                      -- 'score' (its total); NULL for a single number
        moment TEXT NOT NULL,         -- session_start, session_end
        value REAL NOT NULL
    );
    CREATE INDEX outcomes_by_patient ON outcomes (patient_id, measure, taken_at);
    ",
        sqlite_only: "
    CREATE TRIGGER session_exercises_outbox_insert AFTER INSERT ON session_exercises WHEN EXISTS (SELECT 1 FROM station)
        BEGIN INSERT INTO outbox (tbl, row_id) VALUES ('session_exercises', NEW.rowid); END;
    CREATE TRIGGER session_exercises_outbox_update AFTER UPDATE ON session_exercises WHEN EXISTS (SELECT 1 FROM station)
        BEGIN INSERT INTO outbox (tbl, row_id) VALUES ('session_exercises', NEW.rowid); END;
    CREATE TRIGGER outcomes_outbox_insert AFTER INSERT ON outcomes WHEN EXISTS (SELECT 1 FROM station)
        BEGIN INSERT INTO outbox (tbl, row_id) VALUES ('outcomes', NEW.rowid); END;
    CREATE TRIGGER outcomes_outbox_update AFTER UPDATE ON outcomes WHEN EXISTS (SELECT 1 FROM station)
        BEGIN INSERT INTO outbox (tbl, row_id) VALUES ('outcomes', NEW.rowid); END;
    ",
        postgres_only: "",
    },
];

/// Migration 4: a station's journal (SQLite) and a clinic's server
/// (PostgreSQL). The clinical tables are unchanged.
///
/// A station that stores into a clinic's server writes every row to a
/// local SQLite journal first. In a journal, `station` has its one row:
/// rows get ids in the station's own range (above `id_base`), and the
/// triggers queue each row written in `outbox`, which the delivery empties
/// into the server in order (`crate::clinic::delivery`). In a patient's own
/// database `station` is empty and the triggers do nothing.
const JOURNAL_AND_CLINIC: Migration = Migration {
    both: "",
    sqlite_only: "
    CREATE TABLE station (
        singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
        uid TEXT NOT NULL,            -- random: names this journal at the server
        name TEXT NOT NULL,           -- the station's name on the dashboard
        id_base INTEGER NOT NULL CHECK (id_base > 0), -- its rows' ids are above this
        server TEXT NOT NULL          -- where it delivers, without a password
    );

    -- Rows written and not yet delivered, in the order written. AUTOINCREMENT:
    -- a sequence number is never used twice, even after the queue empties.
    CREATE TABLE outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        tbl TEXT NOT NULL,
        row_id INTEGER NOT NULL
    );

    CREATE TRIGGER patients_outbox_insert AFTER INSERT ON patients WHEN EXISTS (SELECT 1 FROM station)
        BEGIN INSERT INTO outbox (tbl, row_id) VALUES ('patients', NEW.rowid); END;
    CREATE TRIGGER patients_outbox_update AFTER UPDATE ON patients WHEN EXISTS (SELECT 1 FROM station)
        BEGIN INSERT INTO outbox (tbl, row_id) VALUES ('patients', NEW.rowid); END;
    CREATE TRIGGER sessions_outbox_insert AFTER INSERT ON sessions WHEN EXISTS (SELECT 1 FROM station)
        BEGIN INSERT INTO outbox (tbl, row_id) VALUES ('sessions', NEW.rowid); END;
    CREATE TRIGGER sessions_outbox_update AFTER UPDATE ON sessions WHEN EXISTS (SELECT 1 FROM station)
        BEGIN INSERT INTO outbox (tbl, row_id) VALUES ('sessions', NEW.rowid); END;
    CREATE TRIGGER red_flag_checks_outbox_insert AFTER INSERT ON red_flag_checks WHEN EXISTS (SELECT 1 FROM station)
        BEGIN INSERT INTO outbox (tbl, row_id) VALUES ('red_flag_checks', NEW.rowid); END;
    CREATE TRIGGER red_flag_checks_outbox_update AFTER UPDATE ON red_flag_checks WHEN EXISTS (SELECT 1 FROM station)
        BEGIN INSERT INTO outbox (tbl, row_id) VALUES ('red_flag_checks', NEW.rowid); END;
    CREATE TRIGGER sets_outbox_insert AFTER INSERT ON sets WHEN EXISTS (SELECT 1 FROM station)
        BEGIN INSERT INTO outbox (tbl, row_id) VALUES ('sets', NEW.rowid); END;
    CREATE TRIGGER sets_outbox_update AFTER UPDATE ON sets WHEN EXISTS (SELECT 1 FROM station)
        BEGIN INSERT INTO outbox (tbl, row_id) VALUES ('sets', NEW.rowid); END;
    CREATE TRIGGER reps_outbox_insert AFTER INSERT ON reps WHEN EXISTS (SELECT 1 FROM station)
        BEGIN INSERT INTO outbox (tbl, row_id) VALUES ('reps', NEW.rowid); END;
    CREATE TRIGGER reps_outbox_update AFTER UPDATE ON reps WHEN EXISTS (SELECT 1 FROM station)
        BEGIN INSERT INTO outbox (tbl, row_id) VALUES ('reps', NEW.rowid); END;
    CREATE TRIGGER rep_peaks_outbox_insert AFTER INSERT ON rep_peaks WHEN EXISTS (SELECT 1 FROM station)
        BEGIN INSERT INTO outbox (tbl, row_id) VALUES ('rep_peaks', NEW.rowid); END;
    CREATE TRIGGER rep_peaks_outbox_update AFTER UPDATE ON rep_peaks WHEN EXISTS (SELECT 1 FROM station)
        BEGIN INSERT INTO outbox (tbl, row_id) VALUES ('rep_peaks', NEW.rowid); END;
    CREATE TRIGGER holds_outbox_insert AFTER INSERT ON holds WHEN EXISTS (SELECT 1 FROM station)
        BEGIN INSERT INTO outbox (tbl, row_id) VALUES ('holds', NEW.rowid); END;
    CREATE TRIGGER holds_outbox_update AFTER UPDATE ON holds WHEN EXISTS (SELECT 1 FROM station)
        BEGIN INSERT INTO outbox (tbl, row_id) VALUES ('holds', NEW.rowid); END;
    CREATE TRIGGER flags_outbox_insert AFTER INSERT ON flags WHEN EXISTS (SELECT 1 FROM station)
        BEGIN INSERT INTO outbox (tbl, row_id) VALUES ('flags', NEW.rowid); END;
    CREATE TRIGGER flags_outbox_update AFTER UPDATE ON flags WHEN EXISTS (SELECT 1 FROM station)
        BEGIN INSERT INTO outbox (tbl, row_id) VALUES ('flags', NEW.rowid); END;
    CREATE TRIGGER recordings_outbox_insert AFTER INSERT ON recordings WHEN EXISTS (SELECT 1 FROM station)
        BEGIN INSERT INTO outbox (tbl, row_id) VALUES ('recordings', NEW.rowid); END;
    CREATE TRIGGER recordings_outbox_update AFTER UPDATE ON recordings WHEN EXISTS (SELECT 1 FROM station)
        BEGIN INSERT INTO outbox (tbl, row_id) VALUES ('recordings', NEW.rowid); END;
    CREATE TRIGGER rep_at_turn_outbox_insert AFTER INSERT ON rep_at_turn WHEN EXISTS (SELECT 1 FROM station)
        BEGIN INSERT INTO outbox (tbl, row_id) VALUES ('rep_at_turn', NEW.rowid); END;
    CREATE TRIGGER rep_at_turn_outbox_update AFTER UPDATE ON rep_at_turn WHEN EXISTS (SELECT 1 FROM station)
        BEGIN INSERT INTO outbox (tbl, row_id) VALUES ('rep_at_turn', NEW.rowid); END;
    ",
    postgres_only: "
    -- The stations that deliver here: each journal's id range, and the
    -- sequence number of the last row delivered (in the same transaction
    -- as the rows, so nothing is applied twice).
    CREATE TABLE stations (
        uid TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        id_base BIGINT NOT NULL UNIQUE,
        delivered_seq BIGINT NOT NULL DEFAULT 0,
        last_seen TEXT,               -- RFC 3339 UTC: when it was last heard from
        live TEXT                     -- JSON: what it is doing now (the live board)
    );

    -- Therapists who may log in to the dashboard.
    CREATE TABLE therapists (
        name TEXT PRIMARY KEY CHECK (length(trim(name)) > 0),
        password_hash TEXT NOT NULL,  -- argon2id, PHC string
        created_at TEXT NOT NULL
    );

    -- Logged-in browsers: the SHA-256 of the cookie's token, never the token.
    CREATE TABLE logins (
        token_sha256 TEXT PRIMARY KEY,
        therapist TEXT NOT NULL REFERENCES therapists(name),
        expires_at TEXT NOT NULL
    );

    -- Who opened which patient's data, and when.
    CREATE TABLE audit_log (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at TEXT NOT NULL,
        therapist TEXT NOT NULL,
        action TEXT NOT NULL,
        patient TEXT
    );
    CREATE INDEX audit_log_by_patient ON audit_log (patient, at);
    ",
};

/// The schema version this build writes.
pub fn current_version() -> i64 {
    MIGRATIONS.len() as i64
}

/// Applies the migrations `conn` lacks, one transaction each. The version
/// is read inside each transaction, so two processes opening the same new
/// file do not both apply a migration.
pub(crate) fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    loop {
        let err = |e| from_sqlite(path, "cannot upgrade the database schema", e);
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        let version: i64 = tx
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(err)?;
        if version > current_version() {
            return Err(StoreError::Newer {
                path: path.to_path_buf(),
                found: version,
                supported: current_version(),
            });
        }
        let Some(sql) = usize::try_from(version)
            .ok()
            .and_then(|v| MIGRATIONS.get(v))
        else {
            return Ok(());
        };
        tx.execute_batch(&sql.sqlite()).map_err(|e| {
            from_sqlite(
                path,
                &format!(
                    "cannot upgrade the database schema to version {}",
                    version + 1
                ),
                e,
            )
        })?;
        tx.pragma_update(None, "user_version", version + 1)
            .map_err(err)?;
        tx.commit().map_err(err)?;
        tracing::info!("{}: schema version {}", path.display(), version + 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgresql_gets_64_bit_types_and_only_whole_words_change() {
        assert_eq!(
            postgres_types("id INTEGER PRIMARY KEY, t_ms REAL, real_name TEXT, INTEGERS REAL)"),
            "id BIGINT PRIMARY KEY, t_ms DOUBLE PRECISION, real_name TEXT, INTEGERS DOUBLE PRECISION)"
        );
        for migration in MIGRATIONS {
            let sql = migration.postgres();
            assert!(!sql.contains("PRAGMA"), "{sql}");
            assert!(!sql.contains(" INTEGER") && !sql.contains(" REAL"), "{sql}");
        }
    }
}
