//! Progress over weeks, for the report and as data a dashboard or a
//! spreadsheet can take (`progress.json`): adherence week by week (sessions
//! done against the days a week prescribed, exercises done, skipped and
//! stopped), each outcome measure from its first value to its latest with
//! the minimal clinically important change marked (and its source), and
//! the progressions the program suggested and those the therapist made.

use std::collections::BTreeMap;

use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use time::{Date, Duration, OffsetDateTime};

use super::{HistoryPoint, ReportError};
use crate::analysis::config::{Exercise, Profile};
use crate::analysis::prescription::Target;
use crate::outcomes::mcid::{Change, Mcid};
use crate::store::{ExerciseOutcome, Outcome, PlannedExercise, SessionRecord, Store, SCORE_ITEM};

/// The measures followed, in the order shown.
const MEASURES: [&str; 5] = ["back_pain", "leg_pain", "psfs", "odi", "rmdq"];

/// One week (Monday to Sunday) of the programme.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Week {
    /// Its Monday, `YYYY-MM-DD`.
    pub starts: String,
    /// Sessions started in it.
    pub sessions: u32,
    /// Sessions prescribed (the profile's days a week), when known.
    pub prescribed: Option<u32>,
    /// Exercises done in full.
    pub done: u32,
    /// Exercises skipped.
    pub skipped: u32,
    /// Exercises stopped before their last set.
    pub stopped: u32,
    /// Why exercises were skipped or stopped, each once.
    pub reasons: Vec<String>,
}

/// One measure from its first value to its latest.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Trend {
    /// Its stored name.
    pub measure: String,
    /// Its minimal clinically important change, with its source.
    pub mcid: Mcid,
    /// Each value at a session's start: (date `YYYY-MM-DD`, value).
    pub values: Vec<(String, f64)>,
    /// From the first value to the latest (`None` with one value only).
    pub change: Option<Change>,
}

/// A change of the programme: suggested by the program, or made.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Progression {
    /// The session's date, `YYYY-MM-DD`.
    pub date: String,
    /// The exercise's title.
    pub exercise: String,
    /// What: "suggested" (sets pain-free and without flags), or the
    /// prescription before and after ("2 sets of 8 reps → 3 sets of 8
    /// reps").
    pub what: String,
}

/// Progress over weeks up to a session.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Progress {
    /// Sessions a week prescribed, when the profile can be read.
    pub days_per_week: Option<u32>,
    /// Every week from the first session's to the report's, empty ones too.
    pub weeks: Vec<Week>,
    /// Sessions done over those prescribed in all those weeks, percent.
    pub adherence_percent: Option<f64>,
    /// The measures given at least once.
    pub trends: Vec<Trend>,
    /// Progressions suggested and made, in order.
    pub progressions: Vec<Progression>,
    /// Each exercise's range reached and flags, session by session.
    pub exercises: Vec<ExerciseSeries>,
}

/// One exercise over the sessions it was done in.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ExerciseSeries {
    /// Its name.
    pub exercise: String,
    /// Per session, in order.
    pub sessions: Vec<ExerciseSession>,
}

/// One exercise in one session.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ExerciseSession {
    /// The session.
    pub session: i64,
    /// Its date, `YYYY-MM-DD`.
    pub date: String,
    /// The furthest its sets went on the exercise's primary metric.
    pub range: Option<f32>,
    /// Flags per set.
    pub flags_per_set: f64,
}

/// Each exercise's range and flags per session, from the report's history
/// (ranges already the furthest of each set; the furthest of the sets is
/// the lowest or the highest as the exercise's reps go).
pub fn exercise_series(history: &[HistoryPoint]) -> Vec<ExerciseSeries> {
    let mut out: Vec<ExerciseSeries> = Vec::new();
    for point in history {
        let lower_is_further = super::from_store::lower_is_further(&point.exercise);
        let at = match out.iter().position(|s| s.exercise == point.exercise) {
            Some(at) => at,
            None => {
                out.push(ExerciseSeries {
                    exercise: point.exercise.clone(),
                    sessions: Vec::new(),
                });
                out.len() - 1
            }
        };
        let sessions = &mut out[at].sessions;
        if sessions
            .last()
            .is_none_or(|s| s.session != point.session_id)
        {
            sessions.push(ExerciseSession {
                session: point.session_id,
                date: point.started_at.chars().take(10).collect(),
                range: None,
                flags_per_set: 0.0,
            });
        }
        let sets = history
            .iter()
            .filter(|p| p.session_id == point.session_id && p.exercise == point.exercise)
            .count();
        if let Some(session) = sessions.last_mut() {
            session.flags_per_set += f64::from(point.flags) / sets.max(1) as f64;
            session.range = match (session.range, point.range) {
                (Some(a), Some(b)) if lower_is_further => Some(a.min(b)),
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            };
        }
    }
    out
}

/// The date of an RFC 3339 time; `None` when it does not parse.
fn date_of(rfc3339: &str) -> Option<Date> {
    OffsetDateTime::parse(rfc3339, &Rfc3339)
        .ok()
        .map(OffsetDateTime::date)
}

/// The Monday of `date`'s week.
fn monday(date: Date) -> Date {
    date - Duration::days(i64::from(date.weekday().number_days_from_monday()))
}

/// A prescription in words: "2 sets of 8 reps", "1 set of a 20 s hold".
fn prescription(p: &PlannedExercise) -> String {
    let target = match (p.reps, p.hold_s) {
        (Some(n), _) => Target::Reps(n),
        (None, Some(s)) => Target::HoldS(s),
        (None, None) => return format!("{} sets", p.sets),
    };
    target.with_sets(p.sets)
}

/// The patient `pseudonym`'s progress up to the session started at
/// `until` (RFC 3339), with the days a week of their `profile` when it can
/// be read.
pub fn progress(
    store: &Store,
    pseudonym: &str,
    until: &str,
    profile: Option<&Profile>,
) -> Result<Progress, ReportError> {
    let records: Vec<SessionRecord> = store
        .programme_history(pseudonym)?
        .into_iter()
        .filter(|r| r.started_at.as_str() <= until)
        .collect();
    let days_per_week = profile
        .and_then(|p| p.programme.as_ref())
        .map(|p| *p.days_per_week.get_ref());
    let weeks = weeks(&records, until, days_per_week);
    let adherence_percent = days_per_week.filter(|_| !weeks.is_empty()).map(|d| {
        let done: u32 = weeks.iter().map(|w| w.sessions).sum();
        f64::from(done) / f64::from(d * weeks.len() as u32) * 100.0
    });
    let outcomes: Vec<Outcome> = store
        .patient_outcomes(pseudonym)?
        .into_iter()
        .filter(|o| records.iter().any(|r| Some(r.session) == o.session))
        .collect();
    let mcids = Mcid::shipped()?;
    let trends = MEASURES
        .iter()
        .filter_map(|&measure| {
            let mcid = mcids.get(measure)?.clone();
            let values: Vec<(String, f64)> = outcomes
                .iter()
                .filter(|o| o.measure == measure && o.moment == "session_start")
                .filter(|o| o.item.is_none() || o.item.as_deref() == Some(SCORE_ITEM))
                .map(|o| (o.taken_at.chars().take(10).collect(), o.value))
                .collect();
            let (first, latest) = (values.first()?.1, values.last()?.1);
            let change = (values.len() > 1).then(|| mcid.change(first, latest));
            Some(Trend {
                measure: measure.to_string(),
                mcid,
                values,
                change,
            })
        })
        .collect();
    Ok(Progress {
        days_per_week,
        weeks,
        adherence_percent,
        trends,
        progressions: progressions(&records),
        exercises: Vec::new(),
    })
}

/// Every week from the first session's to `until`'s.
fn weeks(records: &[SessionRecord], until: &str, prescribed: Option<u32>) -> Vec<Week> {
    let mut by_week: BTreeMap<Date, Week> = BTreeMap::new();
    let (Some(first), Some(last)) = (
        records.first().and_then(|r| date_of(&r.started_at)),
        date_of(until),
    ) else {
        return Vec::new();
    };
    let mut monday_at = monday(first);
    while monday_at <= monday(last) {
        by_week.insert(
            monday_at,
            Week {
                starts: monday_at.to_string(),
                sessions: 0,
                prescribed,
                done: 0,
                skipped: 0,
                stopped: 0,
                reasons: Vec::new(),
            },
        );
        monday_at += Duration::weeks(1);
    }
    for record in records {
        let Some(week) = date_of(&record.started_at).and_then(|d| by_week.get_mut(&monday(d)))
        else {
            continue;
        };
        week.sessions += 1;
        for e in &record.exercises {
            match e.outcome {
                Some(ExerciseOutcome::Done) => week.done += 1,
                Some(ExerciseOutcome::Skipped) => week.skipped += 1,
                Some(ExerciseOutcome::Stopped) | None => week.stopped += 1,
            }
            if let Some(reason) = &e.reason {
                let said = format!("{}: {reason}", Exercise::title_of(&e.planned.exercise));
                if !week.reasons.contains(&said) {
                    week.reasons.push(said);
                }
            }
        }
    }
    by_week.into_values().collect()
}

/// The progressions suggested (a set pain-free and without flags, where
/// the profile allows it) and made (the prescription changed between two
/// guided sessions), in order.
fn progressions(records: &[SessionRecord]) -> Vec<Progression> {
    let mut out = Vec::new();
    let mut last: BTreeMap<&str, &PlannedExercise> = BTreeMap::new();
    for record in records {
        let date: String = record.started_at.chars().take(10).collect();
        for e in &record.exercises {
            let name = e.planned.exercise.as_str();
            if let Some(before) = last.get(name).filter(|b| ***b != e.planned) {
                out.push(Progression {
                    date: date.clone(),
                    exercise: Exercise::title_of(name),
                    what: format!("{} → {}", prescription(before), prescription(&e.planned)),
                });
            }
            last.insert(name, &e.planned);
        }
        for name in &record.progression_suggested {
            out.push(Progression {
                date: date.clone(),
                exercise: Exercise::title_of(name),
                what: "suggested: sets pain-free and without flags".into(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_start_on_monday() {
        let thursday = Date::from_calendar_date(2026, time::Month::December, 3).unwrap();
        assert_eq!(monday(thursday).to_string(), "2026-11-30");
        assert_eq!(monday(monday(thursday)), monday(thursday));
    }

    #[test]
    fn a_prescription_reads_in_words() {
        let p = PlannedExercise {
            exercise: "plank".into(),
            sets: 1,
            reps: None,
            hold_s: Some(20.0),
            rest_s: 30.0,
        };
        assert_eq!(prescription(&p), "1 set of a 20 s hold");
    }
}
