//! Reading the store back: the session list, a session in detail, a
//! patient's history, the last session with given exercises.

use std::collections::BTreeMap;
use std::path::PathBuf;

use rusqlite::{params_from_iter, OptionalExtension, Row};

use super::error::{from_sqlite, StoreError};
use super::rows::{
    FlagRow, HoldRow, PatientId, RedFlagAnswers, RedFlagCheck, RepRow, SessionDetail, SessionId,
    SessionRow, SetId, SetRow, SetStatus,
};
use super::text::shown;
use super::{fault_of, Store};
use crate::time::SourceTime;

impl Store {
    /// The sessions, oldest first; only `patient`'s when given (an unknown
    /// pseudonym is [`StoreError::UnknownPatient`]).
    pub fn sessions(&self, patient: Option<&str>) -> Result<Vec<SessionRow>, StoreError> {
        if let Some(p) = patient {
            self.patient_id(p)?;
        }
        let err = |e| from_sqlite(&self.path, "cannot list the sessions", e);
        let mut stmt = self
            .conn
            .prepare(
                "SELECT s.id, p.pseudonym, s.started_at, s.ended_at, s.stopped_because,
                     (SELECT count(*) FROM sets t WHERE t.session_id = s.id),
                     (SELECT count(*) FROM sets t WHERE t.session_id = s.id AND t.status = 'complete'),
                     (SELECT count(*) FROM sets t WHERE t.session_id = s.id AND t.status = 'incomplete'),
                     (SELECT count(*) FROM flags f JOIN sets t ON t.id = f.set_id
                         WHERE t.session_id = s.id)
                 FROM sessions s JOIN patients p ON p.id = s.patient_id
                 WHERE ?1 IS NULL OR p.pseudonym = ?1
                 ORDER BY s.started_at, s.id",
            )
            .map_err(err)?;
        let rows = stmt
            .query_map([patient.map(str::trim)], |r| {
                Ok(SessionRow {
                    id: r.get(0)?,
                    patient: r.get(1)?,
                    started_at: r.get(2)?,
                    ended_at: r.get(3)?,
                    stopped_because: r.get(4)?,
                    red_flags: None,
                    sets: r.get(5)?,
                    complete_sets: r.get(6)?,
                    incomplete_sets: r.get(7)?,
                    flags: r.get(8)?,
                })
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(err)?;
        rows.into_iter()
            .map(|mut row| {
                row.red_flags = self.red_flags(row.id)?.map(|c| c.answers);
                Ok(row)
            })
            .collect()
    }

    /// Session `id` with its sets, reps, flags and recordings.
    pub fn session(&self, id: SessionId) -> Result<SessionDetail, StoreError> {
        let err = |e| from_sqlite(&self.path, &format!("cannot read session {id}"), e);
        let found = self
            .conn
            .query_row(
                "SELECT p.pseudonym, p.profile, s.started_at, s.ended_at, s.stopped_because,
                     s.folder
                 FROM sessions s JOIN patients p ON p.id = s.patient_id WHERE s.id = ?1",
                [id],
                |r| {
                    Ok(SessionDetail {
                        id,
                        patient: r.get(0)?,
                        profile: r.get::<_, Option<String>>(1)?.map(PathBuf::from),
                        started_at: r.get(2)?,
                        ended_at: r.get(3)?,
                        stopped_because: r.get(4)?,
                        red_flags: None,
                        folder: PathBuf::from(r.get::<_, String>(5)?),
                        sets: Vec::new(),
                    })
                },
            )
            .optional()
            .map_err(err)?;
        let Some(mut detail) = found else {
            return Err(StoreError::UnknownSession { id });
        };
        detail.red_flags = self.red_flags(id)?;
        detail.sets = self.sets_where("t.session_id = ?1", id)?;
        Ok(detail)
    }

    /// Every set of `patient` across sessions, oldest first.
    pub fn history(&self, patient: &str) -> Result<Vec<SetRow>, StoreError> {
        let id = self.patient_id(patient)?;
        self.sets_where("s.patient_id = ?1", id)
    }

    /// When `patient` last did a set of one of `exercises` (RFC 3339 UTC,
    /// the start of the latest such set), for the rest rule between
    /// resistance sessions (`progression.rest_h` of the programme,
    /// [`crate::safety::Programme`]). Every set counts,
    /// unfinished ones too, the current session's included: ask before its
    /// first set of those exercises.
    pub fn last_session_with(
        &self,
        patient: PatientId,
        exercises: &[&str],
    ) -> Result<Option<String>, StoreError> {
        if exercises.is_empty() {
            return Ok(None);
        }
        let marks = (0..exercises.len())
            .map(|i| format!("?{}", i + 2))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT max(t.started_at) FROM sets t JOIN sessions s ON s.id = t.session_id
             WHERE s.patient_id = ?1 AND t.exercise IN ({marks})"
        );
        let values: Vec<rusqlite::types::Value> = std::iter::once(patient.into())
            .chain(exercises.iter().map(|e| e.to_string().into()))
            .collect();
        self.conn
            .query_row(&sql, params_from_iter(values), |r| r.get(0))
            .map_err(|e| from_sqlite(&self.path, "cannot look up the last session", e))
    }

    /// The id of the patient with this pseudonym.
    pub fn patient_id(&self, pseudonym: &str) -> Result<PatientId, StoreError> {
        let err = |e| from_sqlite(&self.path, "cannot look up the patient", e);
        let pseudonym = pseudonym.trim();
        let found = self
            .conn
            .query_row(
                "SELECT id FROM patients WHERE pseudonym = ?1",
                [pseudonym],
                |r| r.get(0),
            )
            .optional()
            .map_err(err)?;
        if let Some(id) = found {
            return Ok(id);
        }
        let known: Vec<String> = self
            .conn
            .prepare("SELECT pseudonym FROM patients ORDER BY pseudonym")
            .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
            .map_err(err)?;
        let known: Vec<String> = known.iter().map(|p| shown(p).into_owned()).collect();
        Err(StoreError::UnknownPatient {
            pseudonym: shown(pseudonym).into_owned(),
            known: if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            },
        })
    }

    /// The last red-flag check of `session`.
    fn red_flags(&self, session: SessionId) -> Result<Option<RedFlagCheck>, StoreError> {
        self.conn
            .prepare_cached(
                "SELECT answered_at, both_legs, leg_weakness, saddle_numbness, bladder_bowel
                 FROM red_flag_checks WHERE session_id = ?1 ORDER BY id DESC LIMIT 1",
            )
            .and_then(|mut s| {
                s.query_row([session], |r| {
                    Ok(RedFlagCheck {
                        answered_at: r.get(0)?,
                        answers: RedFlagAnswers {
                            both_legs: r.get(1)?,
                            leg_weakness: r.get(2)?,
                            saddle_numbness: r.get(3)?,
                            bladder_bowel: r.get(4)?,
                        },
                    })
                })
                .optional()
            })
            .map_err(|e| from_sqlite(&self.path, "cannot read the red-flag check", e))
    }

    /// The sets matching `condition` (on `sets t` joined with `sessions
    /// s`, one parameter), oldest first, with everything recorded in them.
    fn sets_where(&self, condition: &str, value: i64) -> Result<Vec<SetRow>, StoreError> {
        let err = |e| from_sqlite(&self.path, "cannot read the sets", e);
        let sql = format!(
            "SELECT t.id, t.session_id, t.exercise, t.number, t.status, t.started_at,
                 t.finished_at, t.folder, t.pain_before, t.pain_after, t.leg_symptoms_spread,
                 t.stopped_because, t.last_event_ms, t.summary
             FROM sets t JOIN sessions s ON s.id = t.session_id
             WHERE {condition} ORDER BY t.started_at, t.id"
        );
        let mut sets = self
            .conn
            .prepare(&sql)
            .and_then(|mut s| {
                s.query_map([value], set_row)?
                    .collect::<Result<Vec<_>, _>>()
            })
            .map_err(err)?;
        for set in &mut sets {
            set.reps = self.reps(set.id).map_err(err)?;
            set.holds = self.holds(set.id).map_err(err)?;
            set.flags = self.flags(set.id).map_err(err)?;
            set.recordings = self.recordings(set.id).map_err(err)?;
        }
        Ok(sets)
    }

    fn reps(&self, set: SetId) -> rusqlite::Result<Vec<RepRow>> {
        let mut reps = self
            .conn
            .prepare_cached(
                "SELECT idx, frame, t_ms, eccentric_s, turn_s, concentric_s, range_reached, flags
                 FROM reps WHERE set_id = ?1 ORDER BY idx",
            )?
            .query_map([set], |r| {
                let flags: String = r.get(7)?;
                Ok(RepRow {
                    index: r.get(0)?,
                    frame: frame_of(r, 1)?,
                    t_ms: SourceTime::from_ms(real(r, 2)?),
                    eccentric_s: real(r, 3)?,
                    turn_s: real(r, 4)?,
                    concentric_s: real(r, 5)?,
                    range: real(r, 6)? as f32,
                    peaks: BTreeMap::new(),
                    at_turn: BTreeMap::new(),
                    flags: serde_json::from_str(&flags).map_err(|e| conversion(7, Box::new(e)))?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        self.per_rep(
            "SELECT rep_idx, metric, low, high FROM rep_peaks WHERE set_id = ?1
             ORDER BY rep_idx, metric",
            set,
            &mut reps,
            |rep, r| {
                rep.peaks
                    .insert(r.get(1)?, [real(r, 2)? as f32, real(r, 3)? as f32]);
                Ok(())
            },
        )?;
        self.per_rep(
            "SELECT rep_idx, metric, value FROM rep_at_turn WHERE set_id = ?1
             ORDER BY rep_idx, metric",
            set,
            &mut reps,
            |rep, r| {
                rep.at_turn.insert(r.get(1)?, real(r, 2)? as f32);
                Ok(())
            },
        )?;
        Ok(reps)
    }

    /// Runs `sql` (rows of `set` whose first column is a rep's index) and
    /// hands each row to `take` with its rep; rows of reps not in `reps` are
    /// skipped.
    fn per_rep(
        &self,
        sql: &str,
        set: SetId,
        reps: &mut [RepRow],
        mut take: impl FnMut(&mut RepRow, &Row<'_>) -> rusqlite::Result<()>,
    ) -> rusqlite::Result<()> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let mut rows = stmt.query([set])?;
        while let Some(r) = rows.next()? {
            let index: u32 = r.get(0)?;
            if let Some(rep) = reps.iter_mut().find(|rep| rep.index == index) {
                take(rep, r)?;
            }
        }
        Ok(())
    }

    fn holds(&self, set: SetId) -> rusqlite::Result<Vec<HoldRow>> {
        self.conn
            .prepare_cached(
                "SELECT idx, frame, t_ms, duration_s, target_s FROM holds WHERE set_id = ?1
                 ORDER BY idx",
            )?
            .query_map([set], |r| {
                Ok(HoldRow {
                    index: r.get(0)?,
                    frame: frame_of(r, 1)?,
                    t_ms: SourceTime::from_ms(real(r, 2)?),
                    duration_s: real(r, 3)?,
                    target_s: real(r, 4)? as f32,
                })
            })?
            .collect()
    }

    fn flags(&self, set: SetId) -> rusqlite::Result<Vec<FlagRow>> {
        self.conn
            .prepare_cached(
                "SELECT rule, fault, metric, value, limit_value, start_frame, start_ms, message,
                     end_frame, end_ms, duration_ms, peak
                 FROM flags WHERE set_id = ?1 ORDER BY start_frame, id",
            )?
            .query_map([set], |r| {
                let fault: String = r.get(1)?;
                Ok(FlagRow {
                    rule: r.get(0)?,
                    fault: fault_of(&fault)
                        .ok_or_else(|| conversion(1, format!("unknown fault `{fault}`").into()))?,
                    metric: r.get(2)?,
                    value: real(r, 3)? as f32,
                    limit: real(r, 4)? as f32,
                    start_frame: frame_of(r, 5)?,
                    start_ms: SourceTime::from_ms(real(r, 6)?),
                    message: r.get(7)?,
                    end_frame: match r.get_ref(8)? {
                        rusqlite::types::ValueRef::Null => None,
                        _ => Some(frame_of(r, 8)?),
                    },
                    end_ms: r.get(9)?,
                    duration_ms: r.get(10)?,
                    peak: r.get::<_, Option<f64>>(11)?.map(|p| p as f32),
                })
            })?
            .collect()
    }

    /// The set's files: each where this machine can read it, the clinic's
    /// copy first (on a dashboard, the station's own disk is elsewhere),
    /// else where the station wrote it.
    fn recordings(&self, set: SetId) -> rusqlite::Result<Vec<(String, PathBuf)>> {
        self.conn
            .prepare_cached(
                "SELECT kind, path, shared_path FROM recordings WHERE set_id = ?1 ORDER BY id",
            )?
            .query_map([set], |r| {
                let local = PathBuf::from(r.get::<_, String>(1)?);
                let shared = r.get::<_, Option<String>>(2)?.map(PathBuf::from);
                let path = shared.filter(|p| p.exists()).unwrap_or(local);
                Ok((r.get(0)?, path))
            })?
            .collect()
    }
}

/// A text column that does not hold what it should.
fn conversion(column: usize, e: Box<dyn std::error::Error + Send + Sync>) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(column, rusqlite::types::Type::Text, e)
}

fn set_row(r: &Row<'_>) -> rusqlite::Result<SetRow> {
    let status: String = r.get(4)?;
    let summary: Option<String> = r.get(13)?;
    Ok(SetRow {
        id: r.get(0)?,
        session: r.get(1)?,
        exercise: r.get(2)?,
        number: r.get(3)?,
        status: SetStatus::parse(&status)
            .ok_or_else(|| conversion(4, format!("unknown set status `{status}`").into()))?,
        started_at: r.get(5)?,
        finished_at: r.get(6)?,
        folder: PathBuf::from(r.get::<_, String>(7)?),
        pain_before: r.get(8)?,
        pain_after: r.get(9)?,
        leg_symptoms_spread: r.get(10)?,
        stopped_because: r.get(11)?,
        last_event_ms: r.get(12)?,
        summary: summary
            .map(|s| serde_json::from_str(&s))
            .transpose()
            .map_err(|e| conversion(13, Box::new(e)))?,
        reps: Vec::new(),
        holds: Vec::new(),
        flags: Vec::new(),
        recordings: Vec::new(),
    })
}

/// A REAL column; NULL (how SQLite stores NaN) reads as NaN.
fn real(r: &Row<'_>, i: usize) -> rusqlite::Result<f64> {
    Ok(r.get::<_, Option<f64>>(i)?.unwrap_or(f64::NAN))
}

/// A frame index column (never negative: written by `frame_int`).
fn frame_of(r: &Row<'_>, i: usize) -> rusqlite::Result<u64> {
    let v: i64 = r.get(i)?;
    u64::try_from(v).map_err(|_| rusqlite::Error::IntegralValueOutOfRange(i, v))
}
