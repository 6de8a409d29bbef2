//! The safety and programme rules around the sets, from
//! `calibration/programme.toml`: the red-flag check that stops a session,
//! the pain rules that stop an exercise, the rest between resistance
//! sessions for the same muscles, and when progression may be suggested.
//!
//! Pure decisions over answers and numbers: the prompts, the store and the
//! clock are the caller's.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::toml_file::{self, TomlError};

/// What a red-flag question asks about: the store keeps one answer for each
/// (`red_flag_checks`), so a question must be one of these.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RedFlag {
    /// Pain, numbness or tingling in both legs.
    BothLegs,
    /// New or worsening weakness in a leg or foot.
    LegWeakness,
    /// Numbness in the saddle area.
    SaddleNumbness,
    /// New trouble passing or holding urine or stool.
    BladderBowel,
}

/// One red-flag question.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    /// What it asks about, as stored.
    pub id: RedFlag,
    /// What the person is asked (yes or no).
    pub text: String,
}

/// The red-flag check at the start of a session.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedFlags {
    /// Where the questions come from.
    pub source: String,
    /// What to do after any yes.
    pub advice: String,
    /// The questions; any yes stops the session.
    pub questions: Vec<Question>,
}

/// When pain stops an exercise.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PainRules {
    /// A rise of at least this much (0–10 scale) from before to after a set
    /// stops the exercise.
    pub stop_rise: Spanned<u8>,
    /// Where that number comes from.
    pub stop_rise_source: String,
    /// What to say then (`{rise}` is replaced by the rise).
    pub rise_advice: String,
    /// What to say when symptoms spread further down the leg.
    pub spreading_advice: String,
    /// Where that rule comes from.
    pub spreading_source: String,
}

/// Rest and progression.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Progression {
    /// A set is pain-free when the pain after it is at most this.
    pub pain_free_max: Spanned<u8>,
    /// Where that comes from.
    pub pain_free_source: String,
    /// What to suggest after a pain-free, flag-free set.
    pub suggestion: String,
    /// Hours between resistance sessions for the same muscles.
    pub rest_h: Spanned<f64>,
    /// Where that comes from.
    pub rest_source: String,
    /// What to say when the rest was shorter (`{hours}`, `{rest}`).
    pub rest_warning: String,
}

/// `calibration/programme.toml`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Programme {
    /// The red-flag check.
    pub red_flags: RedFlags,
    /// The pain rules.
    pub pain: PainRules,
    /// Rest and progression.
    pub progression: Progression,
}

/// What happens after a set.
#[derive(Clone, Debug, PartialEq)]
pub enum SetVerdict {
    /// Go on.
    Continue,
    /// Stop this exercise, with the advice to show.
    Stop(String),
    /// Pain-free and flag-free, and the therapist allows it: suggest
    /// progression.
    Progress(String),
}

/// How a set went, for [`Programme::after_set`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SetOutcome {
    /// Pain before, 0–10.
    pub pain_before: Option<u8>,
    /// Pain after, 0–10.
    pub pain_after: Option<u8>,
    /// Symptoms spread further down the leg.
    pub spreading: bool,
    /// Form flags raised during the set.
    pub flags: u32,
    /// Whether the patient's profile allows progression of this exercise.
    pub progression_allowed: bool,
}

/// The programme file shipped with formcheck.
pub fn programme_path() -> PathBuf {
    crate::data_dir::path("calibration/programme.toml")
}

impl Programme {
    /// Loads and validates a programme file.
    pub fn load(path: &Path) -> Result<Programme, TomlError> {
        let (programme, text): (Programme, String) = toml_file::read(path)?;
        let invalid = |field: &str, span: std::ops::Range<usize>, message: &str| {
            Err(toml_file::invalid(path, &text, span.start, field, message))
        };
        let p = &programme;
        if !(1..=10).contains(p.pain.stop_rise.get_ref()) {
            return invalid(
                "pain.stop_rise",
                p.pain.stop_rise.span(),
                "must be between 1 and 10 (points of the 0–10 scale)",
            );
        }
        if *p.progression.pain_free_max.get_ref() > 10 {
            return invalid(
                "progression.pain_free_max",
                p.progression.pain_free_max.span(),
                "must be between 0 and 10",
            );
        }
        let rest = *p.progression.rest_h.get_ref();
        if !(rest.is_finite() && rest >= 0.0) {
            return invalid(
                "progression.rest_h",
                p.progression.rest_h.span(),
                "must be zero or more hours",
            );
        }
        if p.red_flags.questions.is_empty() {
            return Err(TomlError::Invalid {
                path: path.into(),
                line: 1,
                field: "red_flags.questions".into(),
                message: "must ask at least one question".into(),
            });
        }
        Ok(programme)
    }

    /// The shipped programme.
    pub fn shipped() -> Result<Programme, TomlError> {
        Programme::load(&programme_path())
    }

    /// What to do after a set.
    pub fn after_set(&self, set: &SetOutcome) -> SetVerdict {
        if set.spreading {
            return SetVerdict::Stop(self.pain.spreading_advice.clone());
        }
        let rise = match (set.pain_before, set.pain_after) {
            (Some(before), Some(after)) => i16::from(after) - i16::from(before),
            _ => 0,
        };
        if rise >= i16::from(*self.pain.stop_rise.get_ref()) {
            return SetVerdict::Stop(self.pain.rise_advice.replace("{rise}", &rise.to_string()));
        }
        let pain_free = set
            .pain_after
            .is_some_and(|p| p <= *self.progression.pain_free_max.get_ref())
            && rise <= 0;
        if pain_free && set.flags == 0 && set.progression_allowed {
            return SetVerdict::Progress(self.progression.suggestion.clone());
        }
        SetVerdict::Continue
    }

    /// The warning to give when the same muscles had a resistance session
    /// `hours_since` hours ago, if that is too soon.
    pub fn rest_warning(&self, hours_since: f64) -> Option<String> {
        let rest = *self.progression.rest_h.get_ref();
        (hours_since < rest).then(|| {
            self.progression
                .rest_warning
                .replace("{hours:.0}", &format!("{hours_since:.0}"))
                .replace("{rest:.0}", &format!("{rest:.0}"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(before: u8, after: u8, spreading: bool, flags: u32) -> SetOutcome {
        SetOutcome {
            pain_before: Some(before),
            pain_after: Some(after),
            spreading,
            flags,
            progression_allowed: true,
        }
    }

    #[test]
    fn pain_rising_by_two_or_spreading_stops_the_exercise() {
        let p = Programme::shipped().unwrap();
        assert!(
            matches!(p.after_set(&set(3, 5, false, 0)), SetVerdict::Stop(m) if m.contains("2 points"))
        );
        assert_eq!(p.after_set(&set(3, 4, false, 0)), SetVerdict::Continue);
        assert!(
            matches!(p.after_set(&set(0, 0, true, 0)), SetVerdict::Stop(m) if m.contains("down the leg"))
        );
    }

    #[test]
    fn progression_only_after_pain_free_flag_free_allowed_sets() {
        let p = Programme::shipped().unwrap();
        assert!(matches!(
            p.after_set(&set(0, 0, false, 0)),
            SetVerdict::Progress(_)
        ));
        assert_eq!(p.after_set(&set(0, 0, false, 1)), SetVerdict::Continue);
        assert_eq!(p.after_set(&set(2, 1, false, 0)), SetVerdict::Continue);
        let not_allowed = SetOutcome {
            progression_allowed: false,
            ..set(0, 0, false, 0)
        };
        assert_eq!(p.after_set(&not_allowed), SetVerdict::Continue);
    }

    #[test]
    fn resistance_sessions_closer_than_48_hours_are_warned() {
        let p = Programme::shipped().unwrap();
        let w = p.rest_warning(20.0).unwrap();
        assert!(w.contains("20 hours") && w.contains("48 hours"), "{w}");
        assert_eq!(p.rest_warning(50.0), None);
    }

    #[test]
    fn a_bad_number_names_its_line() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("programme.toml");
        let text = std::fs::read_to_string(programme_path())
            .unwrap()
            .replace("stop_rise = 2", "stop_rise = 0");
        std::fs::write(&path, &text).unwrap();
        let e = Programme::load(&path).unwrap_err().to_string();
        let line = text
            .lines()
            .position(|l| l.starts_with("stop_rise"))
            .unwrap()
            + 1;
        assert!(
            e.contains(&format!("line {line}")) && e.contains("pain.stop_rise"),
            "{e}"
        );
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn a_red_flag_question_the_store_cannot_keep_is_refused_on_loading() {
        let text = std::fs::read_to_string(programme_path())
            .unwrap()
            .replace("id = \"bladder_bowel\"", "id = \"fever\"");
        let path = crate::toml_file::temp_file("programme.toml", &text);
        let e = Programme::load(&path).unwrap_err().to_string();
        let line = text.lines().position(|l| l.contains("\"fever\"")).unwrap() + 1;
        assert!(
            e.contains(&format!("line {line}")) && e.contains("fever"),
            "{e}"
        );
        assert!(e.contains("bladder_bowel"), "the ids it knows: {e}");
    }
}
