//! The cues that are not a rule's own: `calibration/cues.toml`, the one list
//! that both the renderer (`scripts/render_cues.py`) and the selector read.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::CueError;
use crate::toml_file;

/// The fixed cues, as written in `calibration/cues.toml`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CueTexts {
    /// Said when a hold goes past the exercise's longest allowed time (flag
    /// [`crate::analysis::HOLD_RULE`]).
    pub hold_too_long: String,
    /// Said when a rep phase is too fast (flag
    /// [`crate::analysis::TEMPO_RULE`]).
    pub tempo_too_fast: String,
    /// Said when a joint a rule needs, or the person, goes out of sight.
    pub cannot_see: String,
    /// Said when the camera is placed for the wrong plane.
    pub wrong_view: String,
    /// Said when a correct hold reaches its target time.
    pub hold_target: String,
    /// The rep counts said aloud (as their number) when reached, ascending.
    pub reps: Vec<u32>,
}

/// The file as written, with spans so that errors name the line.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCueTexts {
    hold_too_long: Spanned<String>,
    tempo_too_fast: Spanned<String>,
    cannot_see: Spanned<String>,
    wrong_view: Spanned<String>,
    hold_target: Spanned<String>,
    reps: Spanned<Vec<u32>>,
}

/// The fixed cues shipped with formcheck.
pub fn cue_texts_path() -> PathBuf {
    crate::data_dir::path("calibration/cues.toml")
}

impl CueTexts {
    /// Loads and validates a cue file: every cue said must be non-empty,
    /// the rep counts positive and ascending.
    pub fn load(path: &Path) -> Result<CueTexts, CueError> {
        let (raw, text): (RawCueTexts, String) = toml_file::read(path)?;
        let invalid = |field: &str, start: usize, message: &str| {
            toml_file::invalid(path, &text, start, field, message)
        };
        let said = |field: &str, value: Spanned<String>| {
            let start = value.span().start;
            let value = value.into_inner().trim().to_string();
            if value.is_empty() {
                return Err(invalid(
                    field,
                    start,
                    "is empty; it must be the words to say",
                ));
            }
            Ok(value)
        };
        let reps_at = raw.reps.span().start;
        let reps = raw.reps.into_inner();
        if reps.first() == Some(&0) || reps.windows(2).any(|w| w[0] >= w[1]) {
            return Err(invalid(
                "reps",
                reps_at,
                "must be rep counts above zero, in ascending order",
            )
            .into());
        }
        Ok(CueTexts {
            hold_too_long: said("hold_too_long", raw.hold_too_long)?,
            tempo_too_fast: said("tempo_too_fast", raw.tempo_too_fast)?,
            cannot_see: said("cannot_see", raw.cannot_see)?,
            wrong_view: said("wrong_view", raw.wrong_view)?,
            hold_target: said("hold_target", raw.hold_target)?,
            reps,
        })
    }

    /// The shipped `calibration/cues.toml`.
    pub fn shipped() -> Result<CueTexts, CueError> {
        CueTexts::load(&cue_texts_path())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(name: &str, text: &str) -> PathBuf {
        crate::toml_file::temp_file(&format!("cues-{name}"), text)
    }

    const GOOD: &str = "hold_too_long = \"Rest now\"\ntempo_too_fast = \"Slow down\"\n\
        cannot_see = \"Can't see you\"\nwrong_view = \"Move the camera\"\n\
        hold_target = \"Time, rest\"\nreps = [5, 10]\n";

    #[test]
    fn the_shipped_cues_load() {
        let texts = CueTexts::shipped().unwrap();
        assert_eq!(texts.tempo_too_fast, "Slow down");
        assert!(!texts.reps.is_empty());
    }

    #[test]
    fn an_empty_cue_names_its_line() {
        let path = write("empty.toml", &GOOD.replace("\"Move the camera\"", "\" \""));
        let err = CueTexts::load(&path).unwrap_err().to_string();
        assert!(
            err.contains("line 4") && err.contains("wrong_view"),
            "{err}"
        );
        std::fs::remove_file(path).ok();
    }

    #[test]
    fn rep_counts_must_ascend() {
        let path = write("reps.toml", &GOOD.replace("[5, 10]", "[10, 5]"));
        let err = CueTexts::load(&path).unwrap_err().to_string();
        assert!(err.contains("line 6") && err.contains("reps"), "{err}");
        std::fs::remove_file(path).ok();
    }

    #[test]
    fn an_unknown_cue_is_a_syntax_error() {
        let path = write("unknown.toml", &format!("{GOOD}set_done = \"Done\"\n"));
        let err = CueTexts::load(&path).unwrap_err().to_string();
        assert!(err.contains("line 7"), "{err}");
        std::fs::remove_file(path).ok();
    }
}
