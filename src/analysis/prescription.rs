//! The therapist's prescription in a patient's profile (`[programme]`):
//! the exercises of a session in order, each with its sets, its reps or its
//! hold time, and the rest between sets, and how many days a week. Checked
//! when the profile loads: an error names the file, the line and the field.
//!
//! ```toml
//! [programme]
//! days_per_week = 3
//!
//! [[programme.exercise]]
//! name = "glute_bridge"
//! sets = 3
//! reps = 10
//! rest_s = 60
//!
//! [[programme.exercise]]
//! name = "plank"
//! sets = 3
//! hold_s = 20
//! rest_s = 45
//! ```

use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::config::{ConfigError, Exercise};
use crate::toml_file;

/// Sets of one exercise in a session.
const SETS: std::ops::RangeInclusive<u32> = 1..=10;
/// Reps of a set.
const REPS: std::ops::RangeInclusive<u32> = 1..=50;
/// A hold, seconds.
const HOLD_S: std::ops::RangeInclusive<f32> = 5.0..=300.0;
/// Rest between sets, seconds.
const REST_S: std::ops::RangeInclusive<f32> = 0.0..=600.0;
/// Sessions a week.
const DAYS: std::ops::RangeInclusive<u32> = 1..=7;

/// The programme a therapist prescribes.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Prescription {
    /// Sessions a week.
    pub days_per_week: Spanned<u32>,
    /// The exercises of a session, in order.
    #[serde(rename = "exercise")]
    pub exercises: Vec<Prescribed>,
}

/// One exercise of the programme.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Prescribed {
    /// The exercise (a file of `calibration/exercises`).
    pub name: Spanned<String>,
    /// Sets in a session.
    pub sets: Spanned<u32>,
    /// Reps a set, for an exercise counted in reps.
    pub reps: Option<Spanned<u32>>,
    /// Seconds a hold, for a held exercise.
    pub hold_s: Option<Spanned<f32>>,
    /// Rest between sets, seconds.
    pub rest_s: Spanned<f32>,
    /// What the therapist asks the patient to watch in this exercise, said
    /// before it and on the session's summary.
    pub watch: Option<String>,
}

/// What a set aims at.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Target {
    /// This many reps.
    Reps(u32),
    /// A hold this many seconds long.
    HoldS(f32),
}

impl Target {
    /// The target in words: "10 reps", "a 20 s hold".
    pub fn text(self) -> String {
        match self {
            Target::Reps(1) => "1 rep".into(),
            Target::Reps(n) => format!("{n} reps"),
            Target::HoldS(s) => format!("a {s} s hold"),
        }
    }

    /// `sets` sets of this target in words: "3 sets of 10 reps", "1 set
    /// of a 20 s hold".
    pub fn with_sets(self, sets: u32) -> String {
        let unit = if sets == 1 { "set" } else { "sets" };
        format!("{sets} {unit} of {}", self.text())
    }
}

impl Prescribed {
    /// What each set aims at (a checked programme has one or the other).
    pub fn target(&self) -> Target {
        match (&self.reps, &self.hold_s) {
            (Some(reps), _) => Target::Reps(*reps.get_ref()),
            (None, Some(hold)) => Target::HoldS(*hold.get_ref()),
            (None, None) => Target::Reps(1),
        }
    }
}

impl Prescription {
    /// Checks the programme of the profile at `path` (its text `text`):
    /// known exercises, reps for an exercise counted in reps and a hold
    /// time for a held one, every number within its bounds.
    pub(crate) fn check(&self, path: &Path, text: &str) -> Result<(), ConfigError> {
        let at = |offset: usize, field: &str, message: String| -> ConfigError {
            toml_file::invalid(path, text, offset, field, message).into()
        };
        if !DAYS.contains(self.days_per_week.get_ref()) {
            return Err(at(
                self.days_per_week.span().start,
                "programme.days_per_week",
                format!("is {}; it must be 1 to 7", self.days_per_week.get_ref()),
            ));
        }
        if self.exercises.is_empty() {
            return Err(at(
                self.days_per_week.span().start,
                "programme.exercise",
                "is missing: prescribe at least one [[programme.exercise]]".into(),
            ));
        }
        for (i, prescribed) in self.exercises.iter().enumerate() {
            let field = |name: &str| format!("programme.exercise[{}].{name}", i + 1);
            let exercise = Exercise::named(prescribed.name.get_ref())
                .map_err(|e| at(prescribed.name.span().start, &field("name"), e.to_string()))?;
            let sets = &prescribed.sets;
            if !SETS.contains(sets.get_ref()) {
                return Err(at(
                    sets.span().start,
                    &field("sets"),
                    format!("is {}; it must be 1 to 10", sets.get_ref()),
                ));
            }
            let rest = &prescribed.rest_s;
            if !REST_S.contains(rest.get_ref()) {
                return Err(at(
                    rest.span().start,
                    &field("rest_s"),
                    format!("is {}; it must be 0 to 600 seconds", rest.get_ref()),
                ));
            }
            let name = prescribed.name.get_ref();
            let title = &exercise.title;
            match (
                &prescribed.reps,
                &prescribed.hold_s,
                exercise.hold.is_some(),
            ) {
                (Some(reps), None, false) if REPS.contains(reps.get_ref()) => {}
                (Some(reps), None, false) => {
                    return Err(at(
                        reps.span().start,
                        &field("reps"),
                        format!("is {}; it must be 1 to 50", reps.get_ref()),
                    ))
                }
                (None, Some(hold), true) if HOLD_S.contains(hold.get_ref()) => {}
                (None, Some(hold), true) => {
                    return Err(at(
                        hold.span().start,
                        &field("hold_s"),
                        format!("is {}; it must be 5 to 300 seconds", hold.get_ref()),
                    ))
                }
                (_, Some(hold), false) => {
                    return Err(at(
                        hold.span().start,
                        &field("hold_s"),
                        format!("is given, but {title} ({name}) is counted in reps: give reps"),
                    ))
                }
                (Some(reps), _, true) => {
                    return Err(at(
                        reps.span().start,
                        &field("reps"),
                        format!("is given, but {title} ({name}) is a hold: give hold_s"),
                    ))
                }
                (None, None, held) => {
                    return Err(at(
                        prescribed.name.span().start,
                        &field(if held { "hold_s" } else { "reps" }),
                        format!("is missing for {title} ({name})"),
                    ))
                }
            }
        }
        Ok(())
    }

    /// The programme in words, one line per exercise.
    pub fn text(&self) -> String {
        let mut lines = vec![format!(
            "{} sessions a week, each:",
            self.days_per_week.get_ref()
        )];
        for (i, p) in self.exercises.iter().enumerate() {
            let title = Exercise::title_of(p.name.get_ref());
            let watch = p
                .watch
                .as_ref()
                .map_or_else(String::new, |w| format!("; watch: {w}"));
            lines.push(format!(
                "{}. {title}: {}, {} s rest between sets{watch}",
                i + 1,
                p.target().with_sets(*p.sets.get_ref()),
                p.rest_s.get_ref()
            ));
        }
        lines.join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::super::config::Profile;
    use crate::toml_file::temp_file;

    const GOOD: &str = "patient = \"p-1\"\n\n[programme]\ndays_per_week = 3\n\n\
        [[programme.exercise]]\nname = \"glute_bridge\"\nsets = 3\nreps = 10\nrest_s = 60\n\n\
        [[programme.exercise]]\nname = \"plank\"\nsets = 2\nhold_s = 20\nrest_s = 45\n";

    fn error(text: &str) -> String {
        Profile::load(&temp_file("profile.toml", text))
            .map_or_else(|e| e.to_string(), |_| "loaded".into())
    }

    #[test]
    fn a_programme_loads_and_reads_in_words() {
        let profile =
            Profile::load(&temp_file("profile.toml", GOOD)).unwrap_or_else(|e| panic!("{e}"));
        let programme = profile.programme.unwrap_or_else(|| panic!("no programme"));
        assert_eq!(
            programme.text(),
            "3 sessions a week, each:\n\
             1. Glute bridge: 3 sets of 10 reps, 60 s rest between sets\n\
             2. Plank: 2 sets of a 20 s hold, 45 s rest between sets"
        );
    }

    #[test]
    fn each_mistake_is_named_with_its_line_and_field() {
        for (from, to, line, field, says) in [
            (
                "name = \"plank\"",
                "name = \"planck\"",
                13,
                "programme.exercise[2].name",
                "unknown exercise",
            ),
            (
                "sets = 3",
                "sets = 0",
                8,
                "programme.exercise[1].sets",
                "1 to 10",
            ),
            (
                "reps = 10",
                "hold_s = 10",
                9,
                "programme.exercise[1].hold_s",
                "counted in reps",
            ),
            (
                "hold_s = 20",
                "reps = 20",
                15,
                "programme.exercise[2].reps",
                "is a hold",
            ),
            (
                "rest_s = 45",
                "rest_s = 900",
                16,
                "programme.exercise[2].rest_s",
                "0 to 600",
            ),
            (
                "days_per_week = 3",
                "days_per_week = 8",
                4,
                "programme.days_per_week",
                "1 to 7",
            ),
            (
                "reps = 10\n",
                "",
                7,
                "programme.exercise[1].reps",
                "is missing",
            ),
        ] {
            let text = GOOD.replacen(from, to, 1);
            let message = error(&text);
            assert!(
                message.contains(&format!("line {line}"))
                    && message.contains(field)
                    && message.contains(says),
                "{from} -> {to}: {message}"
            );
        }
        let unknown = error(&GOOD.replacen("rest_s = 60", "rest_s = 60\nrest_min = 1", 1));
        assert!(unknown.contains("rest_min"), "{unknown}");
    }
}
