//! A guided session's programme and the patient's outcome measures: each
//! prescribed exercise of the session with what became of it (done,
//! skipped or stopped, and why), and dated measures such as back and leg
//! pain at the session's start and end.

use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use super::error::{from_sqlite, StoreError};
use super::rows::{PatientId, SessionId, SetId};
use super::{begin, check_pain, journal, now, session_state, Store};

/// Id of a row of a session's programme.
pub type SessionExerciseId = i64;

/// What became of a prescribed exercise in a session.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExerciseOutcome {
    /// Every prescribed set was done.
    Done,
    /// Not started (the set-up was never right, or the patient chose to).
    Skipped,
    /// Started and ended early (pain, the patient's choice, the programme).
    Stopped,
}

impl ExerciseOutcome {
    /// The outcome as stored, and as said: "done", "skipped", "stopped".
    pub fn as_str(self) -> &'static str {
        match self {
            ExerciseOutcome::Done => "done",
            ExerciseOutcome::Skipped => "skipped",
            ExerciseOutcome::Stopped => "stopped",
        }
    }

    fn parse(text: &str) -> Option<ExerciseOutcome> {
        match text {
            "done" => Some(ExerciseOutcome::Done),
            "skipped" => Some(ExerciseOutcome::Skipped),
            "stopped" => Some(ExerciseOutcome::Stopped),
            _ => None,
        }
    }
}

/// One exercise as prescribed for a session.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PlannedExercise {
    /// The exercise.
    pub exercise: String,
    /// Sets prescribed.
    pub sets: u32,
    /// Reps a set, for an exercise counted in reps.
    pub reps: Option<u32>,
    /// Seconds a hold, for a held one.
    pub hold_s: Option<f32>,
    /// Rest between sets, seconds.
    pub rest_s: f32,
}

/// A prescribed exercise of a session and what became of it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SessionExercise {
    /// 1-based place in the session.
    pub position: u32,
    /// As prescribed.
    #[serde(flatten)]
    pub planned: PlannedExercise,
    /// Sets done.
    pub sets_done: u32,
    /// What became of it; `None` while it is under way (or the program
    /// died during it).
    pub outcome: Option<ExerciseOutcome>,
    /// Why it was skipped or stopped.
    pub reason: Option<String>,
}

/// A session as the programme's history sees it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SessionRecord {
    /// The session.
    pub session: SessionId,
    /// Its start, RFC 3339 UTC.
    pub started_at: String,
    /// Its programme, for a guided session (empty otherwise).
    pub exercises: Vec<SessionExercise>,
    /// The exercises whose sets suggested progressing.
    pub progression_suggested: Vec<String>,
}

/// A pain asked at a moment of a session.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// Low-back pain, 0–10 numeric rating scale.
    BackPain,
    /// Leg pain (sciatica), 0–10 numeric rating scale.
    LegPain,
}

impl Measure {
    /// The name stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Measure::BackPain => "back_pain",
            Measure::LegPain => "leg_pain",
        }
    }
}

/// The stored name of the Patient-Specific Functional Scale.
pub const PSFS: &str = "psfs";
/// The item of a questionnaire's or a scale's total score.
pub const SCORE_ITEM: &str = "score";

/// When in a session a measure was taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Moment {
    /// Before the first exercise.
    SessionStart,
    /// After the last.
    SessionEnd,
}

impl Moment {
    /// The name stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Moment::SessionStart => "session_start",
            Moment::SessionEnd => "session_end",
        }
    }
}

/// A dated outcome measure.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Outcome {
    /// The session it was taken in, if any.
    pub session: Option<SessionId>,
    /// When, RFC 3339 UTC.
    pub taken_at: String,
    /// The measure's stored name (`back_pain`, `psfs`, `odi`...).
    pub measure: String,
    /// The item: a PSFS activity, a questionnaire's item number, or
    /// [`SCORE_ITEM`]; `None` for a single number such as pain.
    pub item: Option<String>,
    /// The moment's stored name (`session_start`...).
    pub moment: String,
    /// The value.
    pub value: f64,
}

impl Store {
    /// Records that `session` goes on to `planned`, its `position`-th
    /// exercise (1-based).
    pub fn start_session_exercise(
        &mut self,
        session: SessionId,
        position: u32,
        planned: &PlannedExercise,
    ) -> Result<SessionExerciseId, StoreError> {
        let context = format!("cannot record exercise {position} of session {session}");
        let path = &self.path;
        let err = |e| from_sqlite(path, &context, e);
        let tx = begin(&mut self.conn).map_err(err)?;
        if session_state(&tx, session).map_err(err)?.is_none() {
            return Err(StoreError::UnknownSession { id: session });
        }
        tx.execute(
            &format!(
                "INSERT INTO session_exercises (id, session_id, position, exercise,
                     sets_prescribed, reps, hold_s, rest_s)
                 VALUES ({}, ?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                journal::next_id("session_exercises")
            ),
            params![
                session,
                position,
                planned.exercise,
                planned.sets,
                planned.reps,
                planned.hold_s,
                planned.rest_s
            ],
        )
        .map_err(err)?;
        let id = tx.last_insert_rowid();
        tx.commit().map_err(err)?;
        Ok(id)
    }

    /// Records what became of a session's exercise: `sets_done`, the
    /// outcome and why (for a skip or a stop).
    pub fn finish_session_exercise(
        &mut self,
        id: SessionExerciseId,
        sets_done: u32,
        outcome: ExerciseOutcome,
        reason: Option<&str>,
    ) -> Result<(), StoreError> {
        let path = &self.path;
        let err = |e| from_sqlite(path, "cannot record what became of an exercise", e);
        let changed = self
            .conn
            .execute(
                "UPDATE session_exercises SET sets_done = ?2, outcome = ?3, reason = ?4
                 WHERE id = ?1",
                params![id, sets_done, outcome.as_str(), reason],
            )
            .map_err(err)?;
        if changed == 0 {
            return Err(StoreError::Invalid(format!(
                "no exercise row {id} in {}",
                path.display()
            )));
        }
        Ok(())
    }

    /// A session's programme in order, with what became of each exercise.
    pub fn session_exercises(
        &self,
        session: SessionId,
    ) -> Result<Vec<SessionExercise>, StoreError> {
        let err = |e| {
            from_sqlite(
                &self.path,
                &format!("cannot read the programme of session {session}"),
                e,
            )
        };
        let mut statement = self
            .conn
            .prepare(
                "SELECT position, exercise, sets_prescribed, reps, hold_s, rest_s, sets_done,
                     outcome, reason
                 FROM session_exercises WHERE session_id = ?1 ORDER BY position",
            )
            .map_err(err)?;
        let rows = statement
            .query_map([session], |r| {
                Ok(SessionExercise {
                    position: r.get(0)?,
                    planned: PlannedExercise {
                        exercise: r.get(1)?,
                        sets: r.get(2)?,
                        reps: r.get(3)?,
                        hold_s: r.get::<_, Option<f64>>(4)?.map(|h| h as f32),
                        rest_s: r.get::<_, f64>(5)? as f32,
                    },
                    sets_done: r.get(6)?,
                    outcome: r
                        .get::<_, Option<String>>(7)?
                        .as_deref()
                        .and_then(ExerciseOutcome::parse),
                    reason: r.get(8)?,
                })
            })
            .map_err(err)?;
        rows.collect::<rusqlite::Result<_>>().map_err(err)
    }

    /// Records that the end of `set` suggested progressing the exercise.
    pub fn suggest_progression(&mut self, set: SetId) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE sets SET progression_suggested = 1 WHERE id = ?1",
                [set],
            )
            .map_err(|e| from_sqlite(&self.path, "cannot record the progression suggested", e))?;
        Ok(())
    }

    /// The patient `pseudonym`'s sessions in order of start: each with its
    /// programme (for a guided session) and the exercises whose sets
    /// suggested progressing.
    pub fn programme_history(&self, pseudonym: &str) -> Result<Vec<SessionRecord>, StoreError> {
        let err = |e| from_sqlite(&self.path, "cannot read the programme's history", e);
        let mut statement = self
            .conn
            .prepare(
                "SELECT s.id, s.started_at,
                     (SELECT group_concat(DISTINCT t.exercise) FROM sets t
                      WHERE t.session_id = s.id AND t.progression_suggested = 1)
                 FROM sessions s JOIN patients p ON p.id = s.patient_id
                 WHERE p.pseudonym = ?1 ORDER BY s.started_at, s.id",
            )
            .map_err(err)?;
        let rows = statement
            .query_map([pseudonym], |r| {
                let suggested: Option<String> = r.get(2)?;
                Ok(SessionRecord {
                    session: r.get(0)?,
                    started_at: r.get(1)?,
                    exercises: Vec::new(),
                    progression_suggested: suggested
                        .map(|s| s.split(',').map(str::to_string).collect())
                        .unwrap_or_default(),
                })
            })
            .map_err(err)?;
        let mut records = rows.collect::<rusqlite::Result<Vec<_>>>().map_err(err)?;
        for record in &mut records {
            record.exercises = self.session_exercises(record.session)?;
        }
        Ok(records)
    }

    /// Records a pain score (0–10) of the patient of `session` at `moment`.
    pub fn record_pain(
        &mut self,
        session: SessionId,
        measure: Measure,
        moment: Moment,
        pain: u8,
    ) -> Result<(), StoreError> {
        check_pain(Some(pain))?;
        self.record_outcome(session, measure.as_str(), None, moment, f64::from(pain))
    }

    /// Records `value` of `measure` (its `item`, if any) for the patient of
    /// `session` at `moment`.
    pub fn record_outcome(
        &mut self,
        session: SessionId,
        measure: &str,
        item: Option<&str>,
        moment: Moment,
        value: f64,
    ) -> Result<(), StoreError> {
        let path = &self.path;
        let err = |e| from_sqlite(path, &format!("cannot record {measure}"), e);
        let tx = begin(&mut self.conn).map_err(err)?;
        let patient: Option<PatientId> = tx
            .query_row(
                "SELECT patient_id FROM sessions WHERE id = ?1",
                [session],
                |r| r.get(0),
            )
            .optional()
            .map_err(err)?;
        let patient = patient.ok_or(StoreError::UnknownSession { id: session })?;
        tx.execute(
            &format!(
                "INSERT INTO outcomes (id, patient_id, session_id, taken_at, measure, item, moment,
                     value)
                 VALUES ({}, ?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                journal::next_id("outcomes")
            ),
            params![
                patient,
                session,
                now(),
                measure,
                item,
                moment.as_str(),
                value
            ],
        )
        .map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(())
    }

    /// When the patient of `session` last gave `measure` in an earlier
    /// session (RFC 3339 UTC), if ever.
    pub fn last_taken(
        &self,
        session: SessionId,
        measure: &str,
    ) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row(
                "SELECT max(o.taken_at) FROM outcomes o
                 JOIN sessions s ON s.patient_id = o.patient_id
                 WHERE s.id = ?1 AND o.measure = ?2 AND o.session_id IS NOT ?1",
                params![session, measure],
                |r| r.get(0),
            )
            .map_err(|e| {
                from_sqlite(
                    &self.path,
                    &format!("cannot read when {measure} was last taken"),
                    e,
                )
            })
    }

    /// Every outcome measure of the patient `pseudonym`, in the order taken.
    pub fn patient_outcomes(&self, pseudonym: &str) -> Result<Vec<Outcome>, StoreError> {
        self.outcomes_where(
            "o.patient_id = (SELECT id FROM patients WHERE pseudonym = ?1)",
            pseudonym,
        )
    }

    /// The outcome measures taken in `session`, in the order taken.
    pub fn session_outcomes(&self, session: SessionId) -> Result<Vec<Outcome>, StoreError> {
        self.outcomes_where("o.session_id = ?1", session)
    }

    /// The outcomes matching `condition` (on `outcomes o`, with `?1` as
    /// `param`), in the order taken.
    fn outcomes_where(
        &self,
        condition: &str,
        param: impl rusqlite::ToSql,
    ) -> Result<Vec<Outcome>, StoreError> {
        let err = |e| from_sqlite(&self.path, "cannot read the outcome measures", e);
        let mut statement = self
            .conn
            .prepare(&format!(
                "SELECT o.session_id, o.taken_at, o.measure, o.item, o.moment, o.value
                 FROM outcomes o WHERE {condition} ORDER BY o.taken_at, o.id"
            ))
            .map_err(err)?;
        let rows = statement
            .query_map([param], |r| {
                Ok(Outcome {
                    session: r.get(0)?,
                    taken_at: r.get(1)?,
                    measure: r.get(2)?,
                    item: r.get(3)?,
                    moment: r.get(4)?,
                    value: r.get(5)?,
                })
            })
            .map_err(err)?;
        rows.collect::<rusqlite::Result<_>>().map_err(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn planned(exercise: &str) -> PlannedExercise {
        PlannedExercise {
            exercise: exercise.into(),
            sets: 2,
            reps: Some(8),
            hold_s: None,
            rest_s: 45.0,
        }
    }

    #[test]
    fn a_sessions_programme_and_pain_are_kept_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("s.sqlite")).unwrap();
        let patient = store.patient("p-1", None).unwrap();
        let session = store.start_session(patient, dir.path()).unwrap();
        let first = store
            .start_session_exercise(session, 1, &planned("glute_bridge"))
            .unwrap();
        let second = store
            .start_session_exercise(session, 2, &planned("dead_bug"))
            .unwrap();
        store
            .finish_session_exercise(first, 2, ExerciseOutcome::Done, None)
            .unwrap();
        store
            .finish_session_exercise(second, 0, ExerciseOutcome::Skipped, Some("pain"))
            .unwrap();
        store
            .record_pain(session, Measure::BackPain, Moment::SessionStart, 4)
            .unwrap();
        store
            .record_pain(session, Measure::LegPain, Moment::SessionStart, 2)
            .unwrap();
        let rows = store.session_exercises(session).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].planned, planned("glute_bridge"));
        assert_eq!(
            (rows[0].sets_done, rows[0].outcome),
            (2, Some(ExerciseOutcome::Done))
        );
        assert_eq!(rows[1].outcome, Some(ExerciseOutcome::Skipped));
        assert_eq!(rows[1].reason.as_deref(), Some("pain"));
        let pain = store.session_outcomes(session).unwrap();
        let read: Vec<(&str, f64)> = pain.iter().map(|o| (o.measure.as_str(), o.value)).collect();
        assert_eq!(read, [("back_pain", 4.0), ("leg_pain", 2.0)]);
        assert!(store
            .record_pain(session, Measure::LegPain, Moment::SessionEnd, 11)
            .is_err());
        assert_eq!(store.last_taken(session, "back_pain").unwrap(), None);
        let next = store.start_session(patient, dir.path()).unwrap();
        store
            .record_outcome(
                next,
                PSFS,
                Some("Putting on socks"),
                Moment::SessionStart,
                6.0,
            )
            .unwrap();
        let last = store.last_taken(next, "back_pain").unwrap();
        let back = pain.iter().find(|o| o.measure == "back_pain");
        assert_eq!(last, back.map(|o| o.taken_at.clone()));
        let all = store.patient_outcomes("p-1").unwrap();
        assert_eq!(all.len(), 3);
        assert_eq!(all[2].item.as_deref(), Some("Putting on socks"));
        assert!(store
            .start_session_exercise(session, 1, &planned("plank"))
            .is_err());
    }
}
