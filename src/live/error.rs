//! Why a live run or a patient's session stopped with an error.

use std::path::PathBuf;

use crate::analysis::config::ConfigError;
use crate::output::CreateError;
use crate::pipeline::PipelineError;
use crate::prompt::PromptError;
use crate::recording::video::VideoError;
use crate::sinks::cues::CueError;
use crate::sinks::recorder::RecordError;
use crate::store::StoreError;
use crate::toml_file::TomlError;
use crate::ui::hud::HudError;
use crate::ui::window::WindowError;

/// Errors of a run: each says what failed and, through its source, why.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    /// The pipeline could not start, or a stage failed.
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
    /// An exercise or the profile cannot be read or written.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The programme cannot be read.
    #[error(transparent)]
    Toml(#[from] TomlError),
    /// The session database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A question could not be asked.
    #[error(transparent)]
    Prompt(#[from] PromptError),
    /// The clinic's server or the station's journal.
    #[error(transparent)]
    Clinic(#[from] crate::clinic::ClinicError),
    /// A set's recording failed.
    #[error(transparent)]
    Record(#[from] RecordError),
    /// A video cannot be written.
    #[error(transparent)]
    Video(#[from] VideoError),
    /// The window failed.
    #[error(transparent)]
    Window(#[from] WindowError),
    /// The display could not be drawn.
    #[error(transparent)]
    Hud(#[from] HudError),
    /// The spoken cues failed.
    #[error(transparent)]
    Cues(#[from] CueError),
    /// An output cannot be created.
    #[error(transparent)]
    Output(#[from] CreateError),
    /// A frame could not be copied.
    #[error("cannot copy the frame: {0}")]
    Image(#[from] opencv::Error),
    /// A file or folder cannot be written or read.
    #[error("{what}")]
    Io {
        /// What could not be done ("cannot write the events").
        what: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The red-flag questions were not all answered.
    #[error("the red-flag check was not finished: no session started")]
    RedFlagsUnanswered(#[source] PromptError),
    /// A set's recording failed; what reached the disk and the database
    /// is kept and the set is marked incomplete.
    #[error("set {number} stopped: its recording in {} failed", dir.display())]
    RecordingFailed {
        /// The set's number.
        number: u32,
        /// Its folder.
        dir: PathBuf,
        /// What failed.
        #[source]
        source: Box<LiveError>,
    },
    /// A frame came for a set that is not open.
    #[error("no set is open")]
    NoOpenSet,
    /// A session was asked for without an exercise to do.
    #[error("a session needs an exercise: give --exercise, or a profile with a [programme]")]
    NoExercise,
    /// Ctrl-C cannot be caught.
    #[error("cannot install the Ctrl-C handler")]
    CtrlC(#[source] ctrlc::Error),
}

impl LiveError {
    /// What failed when `what` failed with `source`.
    pub fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> LiveError {
        let what = what.into();
        move |source| LiveError::Io { what, source }
    }

    /// The error and every cause below it, as one line ("a: b: c").
    pub fn chain(&self) -> String {
        chain(self)
    }
}

/// `error` and every cause below it, as one line ("a: b: c"), each cause
/// once: one that a message above already quotes is not repeated.
pub fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(c) = cause {
        let said = c.to_string();
        if !text.contains(&said) {
            text.push_str(": ");
            text.push_str(&said);
        }
        cause = c.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chain_names_each_cause_once() {
        let quoted = crate::toml_file::TomlError::Read {
            path: "p7.toml".into(),
            source: std::io::Error::other("disk on fire"),
        };
        assert_eq!(chain(&quoted), "p7.toml: disk on fire");
        let failed = LiveError::RecordingFailed {
            number: 2,
            dir: "set-02".into(),
            source: Box::new(LiveError::io("cannot write the events")(
                std::io::Error::other("no space left"),
            )),
        };
        assert_eq!(
            failed.chain(),
            "set 2 stopped: its recording in set-02 failed: cannot write the events: no space left"
        );
    }
}
