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
    /// What a guided session says between the sets.
    pub guide: GuideTexts,
}

/// What a guided session says: the set-up check's advice (short; the
/// screen has it in full), and the steps between sets.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuideTexts {
    /// Nobody in the picture.
    pub get_in_view: String,
    /// The head or shoulders cut off.
    pub head_in_view: String,
    /// The knees or feet cut off.
    pub feet_in_view: String,
    /// Too close altogether.
    pub move_back: String,
    /// The camera must see the side.
    pub turn_side: String,
    /// The camera must face the person.
    pub turn_front: String,
    /// The body is not in the starting position.
    pub position: String,
    /// The set-up is right: the set starts.
    pub ready: String,
    /// A rest between sets begins.
    pub rest: String,
    /// The rest is over.
    pub next_set: String,
    /// The session is over.
    pub finished: String,
}

impl GuideTexts {
    /// Every text, with its field's name.
    pub fn all(&self) -> [(&'static str, &str); 11] {
        [
            ("get_in_view", &self.get_in_view),
            ("head_in_view", &self.head_in_view),
            ("feet_in_view", &self.feet_in_view),
            ("move_back", &self.move_back),
            ("turn_side", &self.turn_side),
            ("turn_front", &self.turn_front),
            ("position", &self.position),
            ("ready", &self.ready),
            ("rest", &self.rest),
            ("next_set", &self.next_set),
            ("finished", &self.finished),
        ]
    }
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
    guide: Spanned<GuideTexts>,
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
        let guide_at = raw.guide.span().start;
        let guide = raw.guide.into_inner();
        if let Some((field, _)) = guide.all().into_iter().find(|(_, t)| t.trim().is_empty()) {
            return Err(invalid(
                &format!("guide.{field}"),
                guide_at,
                "is empty; it must be the words to say",
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
            guide,
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
        hold_target = \"Time, rest\"\nreps = [5, 10]\n\
        [guide]\nget_in_view = \"a\"\nhead_in_view = \"b\"\nfeet_in_view = \"c\"\n\
        move_back = \"d\"\nturn_side = \"e\"\nturn_front = \"f\"\nposition = \"g\"\n\
        ready = \"h\"\nrest = \"i\"\nnext_set = \"j\"\nfinished = \"k\"\n";

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
        let unknown = GOOD.replace("[guide]", "set_done = \"Done\"\n[guide]");
        let path = write("unknown.toml", &unknown);
        let err = CueTexts::load(&path).unwrap_err().to_string();
        assert!(err.contains("line 7"), "{err}");
        std::fs::remove_file(path).ok();
    }
}
