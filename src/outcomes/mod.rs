//! Outcome measures a clinic expects, asked at the start of a guided
//! session when they are due: back and leg pain each session (0–10), the
//! Patient-Specific Functional Scale (the patient's own activities, 0–10),
//! and a disability questionnaire whose wording the clinic supplies under
//! its own licence ([`questionnaire`]: formcheck ships the file format and
//! the scoring, not the copyrighted text). How often each is asked lives in
//! the patient's profile (`[outcomes]`); the minimal clinically important
//! changes, with their sources, in `calibration/outcomes.toml` ([`mcid`]).

pub mod mcid;
pub mod questionnaire;

use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::analysis::config::ConfigError;
use crate::toml_file;
pub use questionnaire::{Instrument, Questionnaire};

/// The activities of a PSFS: the scale asks about three to five.
const PSFS_ACTIVITIES: std::ops::RangeInclusive<usize> = 1..=5;
/// Days between two askings of a measure.
const EVERY_DAYS: std::ops::RangeInclusive<u32> = 1..=365;

/// The outcome measures a patient's profile asks for (`[outcomes]`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutcomePlan {
    /// The Patient-Specific Functional Scale's activities, in the patient's
    /// words (chosen with the therapist).
    #[serde(default = "no_activities")]
    pub psfs_activities: Spanned<Vec<String>>,
    /// Days between two PSFS.
    #[serde(default = "weekly")]
    pub psfs_every_days: Spanned<u32>,
    /// The clinic's questionnaire file (relative to the profile).
    pub questionnaire: Option<Spanned<PathBuf>>,
    /// Days between two questionnaires.
    #[serde(default = "monthly")]
    pub questionnaire_every_days: Spanned<u32>,
}

fn no_activities() -> Spanned<Vec<String>> {
    Spanned::new(0..0, Vec::new())
}

fn weekly() -> Spanned<u32> {
    Spanned::new(0..0, 7)
}

fn monthly() -> Spanned<u32> {
    Spanned::new(0..0, 28)
}

impl OutcomePlan {
    /// Checks the plan of the profile at `path` (its text `text`): one to
    /// five named activities, intervals of 1 to 365 days, a questionnaire
    /// file that loads. The questionnaire, when there is one.
    pub(crate) fn check(&self, path: &Path, text: &str) -> Result<(), ConfigError> {
        let at = |offset: usize, field: &str, message: String| -> ConfigError {
            toml_file::invalid(path, text, offset, field, message).into()
        };
        let activities = self.psfs_activities.get_ref();
        let start = self.psfs_activities.span().start;
        if !activities.is_empty() && !PSFS_ACTIVITIES.contains(&activities.len()) {
            return Err(at(
                start,
                "outcomes.psfs_activities",
                format!(
                    "has {}; the scale takes 1 to 5 activities",
                    activities.len()
                ),
            ));
        }
        if activities.iter().any(|a| a.trim().is_empty()) {
            return Err(at(
                start,
                "outcomes.psfs_activities",
                "has an empty activity: name each in the patient's words".into(),
            ));
        }
        for (field, days) in [
            ("outcomes.psfs_every_days", &self.psfs_every_days),
            (
                "outcomes.questionnaire_every_days",
                &self.questionnaire_every_days,
            ),
        ] {
            if !EVERY_DAYS.contains(days.get_ref()) {
                return Err(at(
                    days.span().start,
                    field,
                    format!("is {}; it must be 1 to 365 days", days.get_ref()),
                ));
            }
        }
        if let Some(file) = &self.questionnaire {
            let found = self.questionnaire_path(path).unwrap_or_default();
            Questionnaire::load(&found).map_err(|e| {
                at(
                    file.span().start,
                    "outcomes.questionnaire",
                    format!("{}: {e}", found.display()),
                )
            })?;
        }
        Ok(())
    }

    /// The questionnaire's file, relative to the profile at `profile`.
    pub fn questionnaire_path(&self, profile: &Path) -> Option<PathBuf> {
        let file = self.questionnaire.as_ref()?.get_ref();
        Some(match profile.parent() {
            Some(dir) if file.is_relative() => dir.join(file),
            _ => file.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::analysis::config::Profile;
    use crate::toml_file::temp_file;

    fn error(outcomes: &str) -> String {
        let text = format!("patient = \"p-1\"\n\n[outcomes]\n{outcomes}");
        Profile::load(&temp_file("outcomes.toml", &text))
            .map_or_else(|e| e.to_string(), |_| "loaded".into())
    }

    #[test]
    fn the_outcome_plan_is_checked_with_its_line_and_field() {
        assert_eq!(
            error("psfs_activities = [\"Socks\", \"Sitting\"]\n"),
            "loaded"
        );
        let six = error("psfs_activities = [\"a\", \"b\", \"c\", \"d\", \"e\", \"f\"]\n");
        assert!(
            six.contains("line 4") && six.contains("1 to 5 activities"),
            "{six}"
        );
        let blank = error("psfs_activities = [\" \"]\n");
        assert!(blank.contains("empty activity"), "{blank}");
        let days = error("psfs_every_days = 0\n");
        assert!(
            days.contains("psfs_every_days") && days.contains("1 to 365"),
            "{days}"
        );
        let missing = error("questionnaire = \"no-such-odi.toml\"\n");
        assert!(
            missing.contains("outcomes.questionnaire") && missing.contains("no-such-odi.toml"),
            "{missing}"
        );
    }
}
