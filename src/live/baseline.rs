//! The patient's neutral baseline as a run captures it: kept in their
//! profile when there is one, and what became of the last capture.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::error::chain;
use crate::analysis::config::Profile;
use crate::analysis::measure::Metric;

/// The baseline captures of a run.
#[derive(Debug, Default)]
pub struct Baselines {
    /// The profile file a captured baseline is kept in, if any.
    profile: Option<PathBuf>,
    /// The exercise it is captured for.
    exercise: String,
    /// The last baseline captured.
    pub captured: Option<BTreeMap<Metric, f32>>,
    /// Why the last capture was refused, if it was.
    pub refused: Option<String>,
    /// Why the last baseline captured could not be kept in the profile.
    pub unsaved: Option<String>,
}

impl Baselines {
    /// Captures of `exercise`, kept in `profile` when given.
    pub fn new(profile: Option<PathBuf>, exercise: &str) -> Baselines {
        Baselines {
            profile,
            exercise: exercise.to_owned(),
            ..Baselines::default()
        }
    }

    /// A capture was refused because of `why`.
    pub fn refused(&mut self, why: String) {
        self.refused = Some(why);
    }

    /// `values` were captured: kept in the profile if there is one; why
    /// they could not be kept, if they could not.
    pub fn captured(&mut self, values: BTreeMap<Metric, f32>) -> Option<&str> {
        self.unsaved = self.keep(&values).err();
        self.captured = Some(values);
        self.refused = None;
        self.unsaved.as_deref()
    }

    /// Writes `values` into the profile, if there is one.
    fn keep(&self, values: &BTreeMap<Metric, f32>) -> Result<(), String> {
        let Some(path) = &self.profile else {
            return Ok(());
        };
        let patient = path
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default();
        Profile::save_baseline(path, &patient, &self.exercise, values).map_err(|e| chain(&e))?;
        eprintln!(
            "neutral baseline for {} saved in {}",
            self.exercise,
            path.display()
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_capture_is_kept_in_the_profile_and_clears_a_refusal() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p7.toml");
        std::fs::write(&path, "# the patient's limits\n").unwrap();
        let mut baselines = Baselines::new(Some(path.clone()), "squat");
        baselines.refused("you moved".into());
        let values = BTreeMap::from([(Metric::TrunkFromVertical, 12.5)]);
        assert_eq!(baselines.captured(values.clone()), None);
        assert_eq!(baselines.captured, Some(values));
        assert_eq!(baselines.refused, None);
        let written = std::fs::read_to_string(&path).unwrap();
        assert!(written.contains("# the patient's limits"), "{written}");
        assert!(
            written.contains("[baseline.squat]\ntrunk_from_vertical = 12.5"),
            "{written}"
        );
    }

    #[test]
    fn a_capture_that_cannot_be_kept_says_why_and_keeps_the_values() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("no-such-folder").join("p7.toml");
        let mut baselines = Baselines::new(Some(missing), "squat");
        let values = BTreeMap::from([(Metric::HipAngle, 170.0)]);
        let why = baselines.captured(values.clone()).map(str::to_owned);
        assert!(why.is_some_and(|w| w.contains("p7.toml")));
        assert_eq!(baselines.captured, Some(values));
    }

    #[test]
    fn without_a_profile_a_capture_is_only_kept_in_memory() {
        let mut baselines = Baselines::new(None, "plank");
        let values = BTreeMap::from([(Metric::BodyLine, 3.0)]);
        assert_eq!(baselines.captured(values), None);
        assert!(baselines.captured.is_some());
    }
}
