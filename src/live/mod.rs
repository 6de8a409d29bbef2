//! The live run: frames from the pipeline written, shown, judged aloud and
//! recorded as they come, on the main thread. `formcheck analyze`, `live`
//! and `calibrate baseline` all run here; they differ in their input and in
//! which outputs are on ([`RunOptions`]).
//!
//! One concern per module: [`run`] the loop, with one handler per thing
//! that happens (a frame, a set's end, a notice, a key); [`screen`] what the
//! person sees and the keys that change it ([`keys`]); [`outputs`] the files
//! asked for; [`cues`] the spoken cues; [`baseline`] the captured neutral
//! baseline; [`session`] a patient's session around the sets (questions,
//! store, recordings, the programme's verdict); [`station`] its link to a
//! clinic's server; [`pace`] whether a live run keeps up.

pub mod baseline;
pub mod cues;
mod error;
pub mod guide;
pub mod keys;
pub mod outputs;
pub mod pace;
pub mod plan;
pub mod run;
pub mod screen;
pub mod session;
pub mod station;

use std::collections::BTreeMap;
use std::path::PathBuf;

pub use error::{chain, LiveError};
pub use run::{run, Stage};

use crate::analysis::measure::Metric;
use crate::pipeline::assess::AssessSetup;
use crate::pipeline::Input;
use crate::sinks::cues::CueOutput;
use session::SessionOptions;

/// Where recordings started with `r` go unless told otherwise.
pub const RECORDINGS: &str = "recordings";

/// What to run and where the results go.
pub struct RunOptions {
    /// The input.
    pub input: Input,
    /// The exercise, profile and camera calibration.
    pub setup: AssessSetup,
    /// Where to write the events (`-` for standard output).
    pub events: Option<String>,
    /// Where to write every measurement (CSV).
    pub metrics: Option<PathBuf>,
    /// Where to write the video with the overlay.
    pub overlay_video: Option<PathBuf>,
    /// Whether to print the timing summary at the end.
    pub print_timings: bool,
    /// Where to write the timing summary as JSON.
    pub timings_json: Option<PathBuf>,
    /// The patient's profile file, where a captured baseline is kept.
    pub profile_path: Option<PathBuf>,
    /// Capture the neutral baseline from the start, its hold beginning this
    /// many seconds in.
    pub baseline_after_s: Option<f64>,
    /// Where spoken cues go, if anywhere.
    pub cues: Option<CueOutput>,
    /// Whether the cues start muted.
    pub mute: bool,
    /// Whether to show the window (when there is a display).
    pub window: bool,
    /// Whether the back's outline is drawn from the start (`b` toggles it).
    pub outline: bool,
    /// Where recordings started with `r` go.
    pub record_dir: PathBuf,
    /// The patient's session, recording every set.
    pub session: Option<SessionOptions>,
}

impl RunOptions {
    /// `setup` judged on `input` with every output, the window, the cues and
    /// the session off: set the fields wanted.
    pub fn new(input: Input, setup: AssessSetup) -> RunOptions {
        RunOptions {
            input,
            setup,
            events: None,
            metrics: None,
            overlay_video: None,
            print_timings: false,
            timings_json: None,
            profile_path: None,
            baseline_after_s: None,
            cues: None,
            mute: false,
            window: false,
            outline: false,
            record_dir: PathBuf::from(RECORDINGS),
            session: None,
        }
    }
}

/// What a run gives back.
#[derive(Debug, Default)]
pub struct RunOutcome {
    /// The last neutral baseline captured, if any.
    pub baseline: Option<BTreeMap<Metric, f32>>,
    /// Why the last baseline capture was refused, if it was.
    pub baseline_refused: Option<String>,
    /// Why the last baseline captured could not be kept in the profile.
    pub baseline_unsaved: Option<String>,
    /// Whether Ctrl-C (or SIGTERM, SIGHUP) ended the run before its input
    /// did: the set was finished cleanly, on part of the input.
    pub interrupted: bool,
}
