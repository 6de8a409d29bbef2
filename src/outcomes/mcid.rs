//! The minimal clinically important change of each outcome measure, from
//! `calibration/outcomes.toml` (each with its source): whether a change
//! from a first value to a latest one matters clinically, and which way.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::analysis::config::ConfigError;
use crate::toml_file;

/// Which way a measure improves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Better {
    /// Lower is better (pain, disability).
    Lower,
    /// Higher is better (function).
    Higher,
}

/// A measure's minimal clinically important change.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Mcid {
    /// The measure and its range, in words.
    pub title: String,
    /// The change in points that matters.
    pub points: f64,
    /// Or the change as a share of the first value, percent.
    pub percent: Option<f64>,
    /// Which way is improvement.
    pub better: Better,
    /// Where the numbers come from.
    pub source: String,
}

/// A change from a first value to a latest one, judged.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Change {
    /// Latest minus first.
    pub points: f64,
    /// At least the minimal clinically important change.
    pub important: bool,
    /// The change is an improvement (rather than a worsening).
    pub improved: bool,
}

impl Mcid {
    /// Every measure's, by its stored name (`back_pain`, `psfs`...).
    pub fn load(path: &Path) -> Result<BTreeMap<String, Mcid>, ConfigError> {
        Ok(toml_file::read(path)?.0)
    }

    /// The shipped `calibration/outcomes.toml`.
    pub fn shipped() -> Result<BTreeMap<String, Mcid>, ConfigError> {
        Mcid::load(&crate::data_dir::path("calibration/outcomes.toml"))
    }

    /// The change from `first` to `latest`.
    pub fn change(&self, first: f64, latest: f64) -> Change {
        let points = latest - first;
        let share = self
            .percent
            .filter(|_| first.abs() > f64::EPSILON)
            .is_some_and(|p| (points / first).abs() * 100.0 >= p);
        let improved = match self.better {
            Better::Lower => points < 0.0,
            Better::Higher => points > 0.0,
        };
        Change {
            points,
            important: points.abs() >= self.points || share,
            improved,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_matters_at_its_points_or_its_share() {
        let mcid = Mcid::shipped().unwrap();
        let pain = &mcid["back_pain"];
        assert!(pain.source.contains("Ostelo"));
        let c = pain.change(6.0, 4.0);
        assert!(c.important && c.improved, "{c:?}");
        // 1 point of 3 is a third: important by share.
        assert!(pain.change(3.0, 2.0).important);
        assert!(!pain.change(8.0, 7.0).important);
        let worse = pain.change(2.0, 5.0);
        assert!(worse.important && !worse.improved);
        let psfs = &mcid["psfs"];
        assert!(psfs.change(3.0, 5.0).improved);
        assert!(!psfs.change(3.0, 4.0).important);
        for name in ["leg_pain", "odi", "rmdq"] {
            assert!(mcid.contains_key(name), "{name}");
        }
    }
}
