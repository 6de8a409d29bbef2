//! The therapist's report: one self-contained HTML page per session, and a
//! CSV export of its reps and flags.
//!
//! A set is read back from what the analysis wrote while it ran: the event
//! log (JSON Lines of [`crate::analysis::events::Event`]: flags, reps,
//! holds, views, the set summary) and the metrics CSV (every measurement of
//! every frame, [`crate::recording::metrics`]). The exercise file says which
//! measurements the rules judge, against which limits, and what the camera
//! cannot see. From those the page shows, per set, each judged measurement
//! over time with its safe region and limit, the spans where a flag was up,
//! a row per rep (tempo, range, flags), a row per flag with a thumbnail of
//! the flagged frame from the overlay video, and the pain scores; across
//! sessions, the trend of pain, range reached and flags per set.
//!
//! Clinical honesty is part of the layout: every measurement is named as
//! the proxy it is, next to what the camera cannot measure (lumbar
//! curvature itself, rotation from a single side view), and a limit that
//! is a change from the patient's neutral baseline is drawn only where the
//! baseline can be recovered from the recorded flags.
//!
//! The page has no external resource (no font, script, stylesheet or image
//! is fetched: plots are inline SVG, thumbnails are data URIs), escapes
//! every text it is given, and prints one set per page.

mod data;
mod export;
pub mod fhir;
mod from_store;
mod html;
mod plot;
pub mod progress;
mod progress_html;
mod thumbs;

use std::path::{Path, PathBuf};

use crate::analysis::config::ConfigError;
use crate::store::SetStatus;

pub use export::{FLAGS_HEADER, REPS_HEADER};
pub use from_store::input_from_store;

/// Everything a report shows, as the session store holds it.
#[derive(Clone, Debug)]
pub struct ReportInput {
    /// The patient's pseudonym.
    pub patient: String,
    /// The session's id in the store.
    pub session_id: i64,
    /// When the session started, as stored (e.g. ISO 8601).
    pub started_at: String,
    /// When it ended; `None` for a session that did not close.
    pub ended_at: Option<String>,
    /// Whether the red-flag screen before the session was clear; `None`
    /// when it was not recorded.
    pub red_flags_clear: Option<bool>,
    /// The session's sets, in order.
    pub sets: Vec<SetInput>,
    /// Every set of this patient's sessions (this one included, if the
    /// store has it), for the trends across sessions.
    pub history: Vec<HistoryPoint>,
    /// Progress over weeks up to this session: adherence, the outcome
    /// measures' trends, progressions.
    pub progress: progress::Progress,
    /// The rise in pain, NRS points, that the programme treats as
    /// meaningful (`pain.stop_rise` of `calibration/programme.toml`): the
    /// report marks it where the session stopped on it.
    pub pain_rise: u8,
}

/// One set of the session.
#[derive(Clone, Debug)]
pub struct SetInput {
    /// 1-based set number within the session.
    pub number: u32,
    /// The exercise: the name of `calibration/exercises/NAME.toml`.
    pub exercise: String,
    /// How the set ended (`recording` for one the store has not recovered).
    pub status: SetStatus,
    /// Why the set, or the exercise after it, was stopped, if it was.
    pub stopped_because: Option<String>,
    /// Pain before the set, NRS 0–10.
    pub pain_before: Option<u8>,
    /// Pain after the set, NRS 0–10.
    pub pain_after: Option<u8>,
    /// Whether leg symptoms spread further down the leg (peripheralisation).
    pub leg_symptoms_spread: Option<bool>,
    /// The set's event log (`events.jsonl`).
    pub events: PathBuf,
    /// The set's metrics CSV.
    pub metrics: PathBuf,
    /// The video with the overlay, for thumbnails of flagged frames.
    pub overlay_video: Option<PathBuf>,
    /// The set's landmark track, for the back's outline on the thumbnails
    /// of its flags.
    pub track: Option<PathBuf>,
}

/// One set of any session, for the trends across sessions.
#[derive(Clone, Debug)]
pub struct HistoryPoint {
    /// The session's id.
    pub session_id: i64,
    /// When the session started, as stored (the first 10 characters, the
    /// date of an ISO 8601 time, label the axis).
    pub started_at: String,
    /// The exercise's name.
    pub exercise: String,
    /// 1-based set number within the session.
    pub set_number: u32,
    /// Pain before the set, NRS 0–10.
    pub pain_before: Option<u8>,
    /// Pain after the set, NRS 0–10.
    pub pain_after: Option<u8>,
    /// The best value of the exercise's primary metric reached in the set.
    pub range: Option<f32>,
    /// Flags raised in the set.
    pub flags: u32,
}

/// Errors of building a report.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The set's event log cannot be read.
    #[error(transparent)]
    Events(#[from] crate::recording::events::EventLogError),
    /// The set's metrics CSV cannot be read.
    #[error(transparent)]
    Metrics(#[from] crate::recording::metrics::MetricsError),
    /// A set names an exercise that cannot be loaded.
    #[error("set {set}: {source}")]
    Exercise {
        /// The set number.
        set: u32,
        /// Why.
        source: ConfigError,
    },
    /// A plot could not be drawn.
    #[error("cannot draw the plot of {what}: {message}")]
    Plot {
        /// The plot.
        what: String,
        /// The plotting library's message.
        message: String,
    },
    /// The session store.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// The programme (the pain rule the report marks).
    #[error(transparent)]
    Programme(#[from] crate::toml_file::TomlError),
    /// The outcome measures' minimal clinically important changes.
    #[error(transparent)]
    Outcomes(#[from] ConfigError),
    /// An export file could not be written.
    #[error("{path}: cannot be written: {message}")]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        message: String,
    },
}

/// The whole report as one self-contained HTML page.
///
/// Reads every set's event log, metrics CSV and (for thumbnails) overlay
/// video. A missing or malformed event log or metrics CSV is an error that
/// names the file; a video that cannot be read only loses the thumbnails,
/// and the page says so where they would be.
pub fn render(input: &ReportInput) -> Result<String, ReportError> {
    let sets = input
        .sets
        .iter()
        .map(data::SetData::load)
        .collect::<Result<Vec<_>, _>>()?;
    html::page(input, &sets)
}

/// Writes `reps.csv` and `flags.csv` of every set of the session into
/// `dir` (created if missing); returns their paths.
pub fn write_csv(input: &ReportInput, dir: &Path) -> Result<Vec<PathBuf>, ReportError> {
    let sets = input
        .sets
        .iter()
        .map(data::SetData::load)
        .collect::<Result<Vec<_>, _>>()?;
    export::write(input, &sets, dir)
}
