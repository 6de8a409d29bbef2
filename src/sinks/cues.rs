//! Spoken cues, for patients who cannot look at a screen: someone doing a
//! bridge or a dead bug lies on their back, facing the ceiling.
//!
//! Each flag, and the few milestones worth hearing, has a short cue ("Hips
//! up", "Slow down", "Time, rest"). Peers cue sparingly, and so does this
//! module: a cue is for what the patient must act on, at most one per frame,
//! flags before camera guidance before milestones, and the same cue never
//! again within [`COOL_DOWN_MS`] of the source's clock.
//!
//! Three parts, one job each:
//!
//! - [`CueSelector`] (no I/O, no thread) turns a frame's analysis events
//!   into at most one [`Cue`]; it also holds the [`MuteSwitch`].
//! - [`CueBook`] holds each cue's sound, mono 16-bit PCM read from the WAV
//!   files that `make setup` renders with espeak-ng (`scripts/render_cues.py`
//!   speaks every rule's `cue` in `calibration/exercises/` and every cue in
//!   `calibration/cues.toml` into `.cache/cues/`). Nothing recorded is
//!   shipped. A cue that was not rendered plays a short tone, after one
//!   warning.
//! - [`CuePlayer`] owns the `cues` thread, fed by a bounded queue that never
//!   blocks the pipeline (a full queue drops the cue and counts it), and
//!   plays one cue at a time: on the sound device ([`CueOutput::Device`],
//!   silent after one warning where there is none), or into a WAV file
//!   ([`CueOutput::Wav`], for `--cues-wav` and the tests) laid out on the
//!   source's clock, so that what would have been heard can be checked
//!   without a sound card.

mod book;
mod player;
mod select;
mod texts;

use std::path::PathBuf;

pub use book::{cues_dir, CueBook};
pub use player::{CueOutput, CuePlayer, PlayerReport, GAP_MS, QUEUE_CAPACITY};
pub use select::{Cue, CueKind, CueSelector, MuteSwitch, COOL_DOWN_MS};
pub use texts::{cue_texts_path, CueTexts, GuideTexts};

use crate::toml_file::TomlError;

/// Errors of the spoken cues.
#[derive(Debug, thiserror::Error)]
pub enum CueError {
    /// `calibration/cues.toml` cannot be read or is invalid.
    #[error(transparent)]
    Config(#[from] TomlError),
    /// The rendered cues' index is absent or unreadable.
    #[error("spoken cues not rendered ({path}: {reason}): run `make setup`")]
    NotRendered {
        /// The index file.
        path: PathBuf,
        /// Why it cannot be used.
        reason: String,
    },
    /// A WAV file cannot be read or written.
    #[error("{path}: {source}")]
    Wav {
        /// The file.
        path: PathBuf,
        /// Why.
        source: hound::Error,
    },
    /// A rendered cue is not mono 16-bit PCM at the other cues' rate.
    #[error("{path}: {message}; render the cues again with `make setup`")]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The `cues` thread could not be started.
    #[error("cannot start the cue thread: {0}")]
    Thread(std::io::Error),
    /// The `cues` thread panicked.
    #[error("the cue thread panicked")]
    Panicked,
}
