//! What the store gives back: sessions, sets, reps, flags, as plain rows.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use rusqlite::types::{FromSql, FromSqlResult, ToSql, ToSqlOutput, ValueRef};

use crate::analysis::config::Fault;
use crate::time::SourceTime;

/// Id of a patient row.
pub type PatientId = i64;
/// Id of a session row.
pub type SessionId = i64;
/// Id of a set row.
pub type SetId = i64;

/// The answers to the red-flag questions asked before a session: any yes
/// means the patient must see a doctor (possible cauda equina syndrome or a
/// progressing nerve deficit) and the session does not go on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedFlagAnswers {
    /// Pain, numbness or tingling in both legs.
    pub both_legs: bool,
    /// New or worsening weakness in a leg or foot.
    pub leg_weakness: bool,
    /// Numbness around the back passage or genitals ("saddle" area).
    pub saddle_numbness: bool,
    /// New trouble passing or holding urine or stool.
    pub bladder_bowel: bool,
}

impl RedFlagAnswers {
    /// Whether any answer is yes.
    pub fn any(&self) -> bool {
        self.both_legs || self.leg_weakness || self.saddle_numbness || self.bladder_bowel
    }

    /// The questions answered yes, in words.
    pub fn yes(&self) -> Vec<&'static str> {
        [
            (self.both_legs, "both legs affected"),
            (self.leg_weakness, "new or worsening leg weakness"),
            (self.saddle_numbness, "saddle numbness"),
            (self.bladder_bowel, "bladder or bowel changes"),
        ]
        .into_iter()
        .filter_map(|(yes, what)| yes.then_some(what))
        .collect()
    }
}

/// Where a set stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SetStatus {
    /// Being recorded (or the program died and [`super::Store::recover`]
    /// has not run yet).
    Recording,
    /// Finished normally.
    Complete,
    /// The program stopped before the set was finished (crash, power cut).
    Incomplete,
}

impl SetStatus {
    /// The text stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            SetStatus::Recording => "recording",
            SetStatus::Complete => "complete",
            SetStatus::Incomplete => "incomplete",
        }
    }

    /// The status stored as `text`, if it is one.
    pub fn parse(text: &str) -> Option<SetStatus> {
        [
            SetStatus::Recording,
            SetStatus::Complete,
            SetStatus::Incomplete,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// One line of the session list.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SessionRow {
    /// Session id.
    pub id: SessionId,
    /// Patient pseudonym.
    pub patient: String,
    /// Start, RFC 3339 UTC.
    pub started_at: String,
    /// End, RFC 3339 UTC; `None` while running or when the program died.
    pub ended_at: Option<String>,
    /// Why the session was stopped, when it was.
    pub stopped_because: Option<String>,
    /// The last red-flag check of the session, if it was asked.
    pub red_flags: Option<RedFlagAnswers>,
    /// Sets started.
    pub sets: u32,
    /// Sets finished normally.
    pub complete_sets: u32,
    /// Sets cut short by a crash or power cut.
    pub incomplete_sets: u32,
    /// Flags raised over all its sets.
    pub flags: u32,
}

/// A session with everything recorded in it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SessionDetail {
    /// Session id.
    pub id: SessionId,
    /// Patient pseudonym.
    pub patient: String,
    /// The patient's profile, as last given.
    pub profile: Option<PathBuf>,
    /// Start, RFC 3339 UTC.
    pub started_at: String,
    /// End, RFC 3339 UTC.
    pub ended_at: Option<String>,
    /// Why the session was stopped, when it was.
    pub stopped_because: Option<String>,
    /// The last red-flag check, and when it was answered.
    pub red_flags: Option<RedFlagCheck>,
    /// Where its recordings go.
    pub folder: PathBuf,
    /// Its sets, in order.
    pub sets: Vec<SetRow>,
}

/// A red-flag check as recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RedFlagCheck {
    /// When it was answered, RFC 3339 UTC.
    pub answered_at: String,
    /// The answers.
    pub answers: RedFlagAnswers,
}

/// A set with its reps, holds, flags and recordings.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SetRow {
    /// Set id.
    pub id: SetId,
    /// The session it belongs to.
    pub session: SessionId,
    /// Exercise name.
    pub exercise: String,
    /// 1-based number within the session.
    pub number: u32,
    /// Where it stands.
    pub status: SetStatus,
    /// Start, RFC 3339 UTC.
    pub started_at: String,
    /// End, RFC 3339 UTC.
    pub finished_at: Option<String>,
    /// Where its recordings go.
    pub folder: PathBuf,
    /// Pain before the set, 0–10.
    pub pain_before: Option<u8>,
    /// Pain after the set, 0–10.
    pub pain_after: Option<u8>,
    /// Whether leg symptoms spread further down the leg during or after it
    /// (peripheralisation: a sign to stop or change the exercise).
    pub leg_symptoms_spread: Option<bool>,
    /// Why it was stopped early, when it was.
    pub stopped_because: Option<String>,
    /// Time within the set of the last event stored, ms: how far an
    /// incomplete set got.
    pub last_event_ms: Option<f64>,
    /// The set summary, once the analysis gave it.
    pub summary: Option<SetSummaryRow>,
    /// Its reps, in order.
    pub reps: Vec<RepRow>,
    /// Its holds, in order.
    pub holds: Vec<HoldRow>,
    /// Its flags, in the order raised.
    pub flags: Vec<FlagRow>,
    /// Its recordings: kind (raw_video, overlay_video, track, events,
    /// metrics) and path.
    pub recordings: Vec<(String, PathBuf)>,
}

/// A repetition.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RepRow {
    /// 1-based rep number.
    pub index: u32,
    /// Frame of its end.
    pub frame: u64,
    /// Time of its end.
    pub t_ms: SourceTime,
    /// Working (lowering) phase, seconds.
    pub eccentric_s: f64,
    /// Time at the turning point, seconds.
    pub turn_s: f64,
    /// Return phase, seconds.
    pub concentric_s: f64,
    /// Furthest value of the primary metric.
    pub range: f32,
    /// Lowest and highest value of every rule metric during the rep.
    pub peaks: BTreeMap<String, [f32; 2]>,
    /// The values rep rules judged at its deepest point, by metric name
    /// (`back_bend`: the bend of the back's outline, degrees).
    pub at_turn: BTreeMap<String, f32>,
    /// Rules that fired during the rep.
    pub flags: Vec<String>,
}

/// A hold in correct position.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HoldRow {
    /// 1-based hold number.
    pub index: u32,
    /// Frame of its end.
    pub frame: u64,
    /// Time of its end.
    pub t_ms: SourceTime,
    /// How long it was held correctly, seconds.
    pub duration_s: f64,
    /// The target, seconds.
    pub target_s: f32,
}

/// A flag: a rule's limit exceeded, from its start to its end.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FlagRow {
    /// Rule id.
    pub rule: String,
    /// What it guards against.
    pub fault: Fault,
    /// Metric name.
    pub metric: String,
    /// The value that raised it.
    pub value: f32,
    /// The limit.
    pub limit: f32,
    /// Frame it was raised at.
    pub start_frame: u64,
    /// Time it was raised at.
    pub start_ms: SourceTime,
    /// What the patient was told.
    pub message: String,
    /// Frame it ended at; `None` when it was still up at the end of the set.
    pub end_frame: Option<u64>,
    /// Time it ended at.
    pub end_ms: Option<SourceTime>,
    /// How long it was up, ms.
    pub duration_ms: Option<f64>,
    /// Worst value while it was up (known once it ended).
    pub peak: Option<f32>,
}

/// The analysis' summary of a set.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SetSummaryRow {
    /// Frames analysed.
    pub frames: u64,
    /// Frames without a person.
    pub frames_without_person: u64,
    /// Completed reps.
    pub reps: u32,
    /// Holds.
    pub holds: u32,
    /// Longest correct hold, seconds.
    pub longest_hold_s: f64,
    /// Flags raised, per rule.
    pub flags: BTreeMap<String, u32>,
    /// What the camera cannot measure for this exercise.
    pub cannot_measure: Vec<String>,
}

/// A moment is stored as its milliseconds (`REAL`).
impl ToSql for SourceTime {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.ms()))
    }
}

impl FromSql for SourceTime {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        f64::column_result(value).map(SourceTime::from_ms)
    }
}
