//! Exercise definitions and patient profiles: TOML files under
//! `calibration/`, validated on load with errors that name the file, the
//! line and the field.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::measure::Metric;
use crate::toml_file::{self, line_of, line_of_key, TomlError};

/// Errors of loading an exercise or a profile.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file cannot be read, is not valid TOML, or has a wrong value.
    #[error(transparent)]
    Toml(#[from] TomlError),
    /// No exercise of that name exists.
    #[error("unknown exercise `{name}`: known exercises are {known}")]
    UnknownExercise {
        /// The name asked for.
        name: String,
        /// The names that exist.
        known: String,
    },
}

/// Where the camera must be for a rule or an exercise.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum View {
    /// Camera at the person's side (sagittal plane).
    Side,
    /// Camera in front of or behind the person (frontal plane).
    Front,
    /// Between the two: neither plane is seen square on.
    Oblique,
    /// Anywhere.
    Any,
}

impl View {
    /// Whether a camera with view `actual` satisfies this requirement.
    pub fn accepts(self, actual: View) -> bool {
        self == View::Any || self == actual
    }

    /// What to tell the person so that the camera has this view.
    pub fn placement_hint(self) -> &'static str {
        match self {
            View::Side => "Place the camera at your side",
            View::Front => "Place the camera in front of you (or behind you)",
            View::Oblique | View::Any => "",
        }
    }
}

/// Which way a rule's metric goes wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Too high: the flag fires above the limit.
    Above,
    /// Too low: the flag fires below the limit.
    Below,
    /// Too far either way from the reference (absolute difference).
    Beyond,
}

/// What a rule's limit is measured from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reference {
    /// The raw measurement.
    #[default]
    Absolute,
    /// The patient's neutral baseline (profile), else the start of the set.
    Baseline,
}

/// The clinical fault a rule guards against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Fault {
    /// Lumbar flexion (proxies only: the spine itself is not visible).
    LumbarFlexion,
    /// Rotation or lateral shift under load.
    Rotation,
    /// Movement beyond the prescribed or safe range.
    RangeOfMotion,
    /// Movement too fast, or a hold too long.
    Tempo,
}

/// One rule of an exercise.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Identifier, unique within the exercise (used by profiles and events).
    pub id: String,
    /// What it guards against.
    pub fault: Fault,
    /// The measurement it watches.
    pub metric: Metric,
    /// Which way is wrong.
    pub fires: Direction,
    /// The limit (degrees or ratio, as the metric).
    pub limit: Spanned<f32>,
    /// Raw value or change from baseline.
    #[serde(default)]
    pub relative_to: Reference,
    /// How far back inside the limit the value must come to clear the flag.
    pub hysteresis: Spanned<f32>,
    /// How long the limit must be exceeded before the flag is raised, seconds.
    pub min_duration_s: Spanned<f32>,
    /// The camera view the rule needs.
    pub view: View,
    /// Landmarks used must be at least this visible.
    #[serde(default = "default_min_visibility")]
    pub min_visibility: Spanned<f32>,
    /// What the patient is told while the flag is up.
    pub message: String,
    /// Short spoken cue.
    pub cue: String,
    /// Where the number comes from (S stated, D derived, G guess: see
    /// `../shared/clinical/thresholds.md`).
    pub source: String,
}

impl Direction {
    /// Whether `value` is past `limit` this way.
    pub fn past(self, value: f32, limit: f32) -> bool {
        match self {
            Direction::Above => value > limit,
            Direction::Below => value < limit,
            Direction::Beyond => value.abs() > limit,
        }
    }
}

impl Rule {
    /// Whether `value` (as judged) is past the limit.
    pub fn exceeded_by(&self, value: f32) -> bool {
        self.fires.past(value, *self.limit.get_ref())
    }

    /// Whether `value` (as judged: relative to the baseline where the rule
    /// is) is within the rule's hysteresis of its limit, or past it: a
    /// caution.
    pub fn near_limit(&self, value: f32) -> bool {
        let (limit, margin) = (*self.limit.get_ref(), *self.hysteresis.get_ref());
        match self.fires {
            Direction::Above => value > limit - margin,
            Direction::Below => value < limit + margin,
            Direction::Beyond => value.abs() > limit - margin,
        }
    }
}

fn default_min_visibility() -> Spanned<f32> {
    Spanned::new(0..0, crate::analysis::measure::MIN_VISIBILITY)
}

/// Which extreme of a rep a rep rule judges.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RepExtreme {
    /// The highest value the metric reached during the rep.
    Highest,
    /// The lowest value the metric reached during the rep.
    Lowest,
    /// The value at the rep's turning point (its deepest): the median of
    /// the values seen within three frames of it. For a measure too noisy
    /// to judge on its highest frame (the back's outline).
    AtTurn,
}

impl RepExtreme {
    /// The judged value in words ("judged on each rep's …").
    pub fn describe(self) -> &'static str {
        match self {
            RepExtreme::Highest => "highest value",
            RepExtreme::Lowest => "lowest value",
            RepExtreme::AtTurn => "value at its deepest point (median of ±3 frames)",
        }
    }
}

/// What a rep rule's limit is measured from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RepReference {
    /// The rep's own value.
    #[default]
    Absolute,
    /// The change from the same value of the set's first rep that had one:
    /// the patient's own neutral for the movement, where bodies differ too
    /// much for one absolute limit (the back's outline at the bottom of a
    /// good hinge). The first rep itself is judged by the absolute rules.
    FirstRep,
}

/// A rule judged once per rep, on the furthest the rep went (e.g. a bridge
/// that never reaches full extension), rather than frame by frame.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RepRule {
    /// Identifier, unique within the exercise.
    pub id: String,
    /// What it guards against.
    pub fault: Fault,
    /// The measurement it judges.
    pub metric: Metric,
    /// Which extreme of the rep is judged.
    pub extreme: RepExtreme,
    /// Which way is wrong.
    pub fires: Direction,
    /// The limit.
    pub limit: Spanned<f32>,
    /// The rep's value, or its change from the set's first rep.
    #[serde(default)]
    pub relative_to: RepReference,
    /// What the patient is told.
    pub message: String,
    /// Short spoken cue.
    pub cue: String,
    /// Where the number comes from.
    pub source: String,
}

/// How reps are counted: hysteresis on the primary angle.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RepDefinition {
    /// The primary metric.
    pub metric: Metric,
    /// The working phase starts when the metric goes past this...
    pub start: Spanned<f32>,
    /// ...and the rep's turning point is reached past this.
    pub turn: Spanned<f32>,
    /// Consecutive frames needed to change phase.
    #[serde(default = "default_min_frames")]
    pub min_frames: u32,
    /// Fastest acceptable eccentric (lowering) phase, seconds.
    pub eccentric_min_s: Option<Spanned<f32>>,
    /// Fastest acceptable concentric (lifting) phase, seconds.
    pub concentric_min_s: Option<Spanned<f32>>,
    /// Where the tempo numbers come from.
    pub tempo_source: Option<String>,
}

fn default_min_frames() -> u32 {
    3
}

/// How a hold is timed: while the metric is in position and no flag is up.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HoldDefinition {
    /// The metric that says the person is in position.
    pub metric: Metric,
    /// In position above this value...
    pub above: Option<f32>,
    /// ...or below this one.
    pub below: Option<f32>,
    /// Target duration, seconds.
    pub target_s: Spanned<f32>,
    /// Longest allowed, seconds (a flag fires past it).
    pub max_s: Option<Spanned<f32>>,
    /// Further conditions of the position (the plank's straight knees: on
    /// the knees, the trunk is as level as in the plank).
    #[serde(default)]
    pub also: Vec<PositionCheck>,
    /// Whether the rules judge only while the body is in position (not
    /// getting in or resting): for exercises whose position is told apart
    /// from the set-up in every view the rules judge in (the plank, whose
    /// get-in on the knees would read as a sag).
    #[serde(default)]
    pub rules_in_position_only: bool,
    /// With `rules_in_position_only`, the longest the body may settle into
    /// the position before its form is judged, seconds (a side plank's hips
    /// still coming up from the floor): judging starts as soon as every
    /// rule is inside its limits, or after this. 0 (the default): judged
    /// from the first frame in position.
    #[serde(default)]
    pub settle_s: f32,
    /// Where the numbers come from.
    pub source: String,
}

/// A further condition of a hold's position: a metric above or below a value.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PositionCheck {
    /// The metric.
    pub metric: Metric,
    /// In position above this value...
    pub above: Option<f32>,
    /// ...or below this one.
    pub below: Option<f32>,
}

impl PositionCheck {
    /// Whether `v` is in position.
    pub fn holds(&self, v: f32) -> bool {
        self.above.is_none_or(|a| v > a) && self.below.is_none_or(|b| v < b)
    }
}

impl HoldDefinition {
    /// Every condition of the position: the hold's own metric, then `also`.
    pub fn position_checks(&self) -> impl Iterator<Item = PositionCheck> + '_ {
        let main = PositionCheck {
            metric: self.metric,
            above: self.above,
            below: self.below,
        };
        std::iter::once(main).chain(self.also.iter().cloned())
    }
}

/// An exercise: where the camera goes, how reps or holds are counted, the
/// rules.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exercise {
    /// Identifier (the file name without `.toml`).
    pub name: String,
    /// Human name.
    pub title: String,
    /// The view the exercise needs overall.
    pub view: View,
    /// How the body is placed at the start (checked before a guided set),
    /// where the camera's view lets the orientation be told.
    #[serde(default)]
    pub start_position: Option<super::view::Orientation>,
    /// What to do, in a few short lines, shown with the demonstration.
    #[serde(default)]
    pub key_points: Vec<String>,
    /// Rep counting, for repetition exercises.
    pub reps: Option<RepDefinition>,
    /// Hold timing, for isometric exercises.
    pub hold: Option<HoldDefinition>,
    /// The rules.
    #[serde(rename = "rule", default)]
    pub rules: Vec<Rule>,
    /// Rules judged once per rep.
    #[serde(rename = "rep_rule", default)]
    pub rep_rules: Vec<RepRule>,
    /// What the camera cannot measure for this exercise (shown in reports).
    #[serde(default)]
    pub cannot_measure: Vec<String>,
    /// Whether it trains against a load (rest rules apply between sessions).
    #[serde(default)]
    pub resistance: bool,
    /// The muscles it loads, for the rest between resistance sessions.
    #[serde(default)]
    pub muscles: Vec<String>,
}

/// A patient's profile: prescribed limits and a neutral baseline.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// A pseudonym.
    pub patient: String,
    /// Per exercise name: rule id → the prescribed limit, overriding the
    /// exercise file's.
    #[serde(default)]
    pub limits: BTreeMap<String, BTreeMap<String, Spanned<f32>>>,
    /// Exercises the therapist allows formcheck to suggest progressing
    /// (after pain-free, flag-free sets).
    #[serde(default)]
    pub progression: Vec<String>,
    /// The neutral baseline captured with the therapist, per exercise
    /// name: metric → value (`formcheck calibrate baseline`).
    #[serde(default)]
    pub baseline: BTreeMap<String, BTreeMap<Metric, Spanned<f32>>>,
    /// The programme the therapist prescribes (`[programme]`).
    #[serde(default)]
    pub programme: Option<super::prescription::Prescription>,
    /// The outcome measures asked in guided sessions, and how often
    /// (`[outcomes]`).
    #[serde(default)]
    pub outcomes: Option<crate::outcomes::OutcomePlan>,
}

/// The folder of exercise definitions shipped with formcheck.
pub fn exercises_dir() -> PathBuf {
    crate::data_dir::path("calibration/exercises")
}

/// Checks the limits of every rule and rep rule, and that their ids are
/// unique.
fn check_rules(path: &Path, text: &str, exercise: &Exercise) -> Result<(), ConfigError> {
    for rule in &exercise.rules {
        let f = |name: &str| format!("rule `{}` {name}", rule.id);
        let (_, _, unit) = rule.metric.range();
        let span = rule.metric.largest_change();
        check(
            path,
            text,
            &f("hysteresis"),
            &rule.hysteresis,
            (0.0..=span).contains(rule.hysteresis.get_ref()),
            &format!("between 0 and {span} {unit}"),
        )?;
        check(
            path,
            text,
            &f("min_duration_s"),
            &rule.min_duration_s,
            (0.0..=60.0).contains(rule.min_duration_s.get_ref()),
            "between 0 and 60 seconds",
        )?;
        let v = *rule.min_visibility.get_ref();
        check(
            path,
            text,
            &f("min_visibility"),
            &rule.min_visibility,
            (0.0..=1.0).contains(&v),
            "between 0 and 1",
        )?;
        let change = rule.relative_to == Reference::Baseline;
        check_value(path, text, &f("limit"), &rule.limit, rule.metric, change)?;
    }
    for rule in &exercise.rep_rules {
        let field = format!("rep_rule `{}` limit", rule.id);
        let change = rule.relative_to == RepReference::FirstRep;
        check_value(path, text, &field, &rule.limit, rule.metric, change)?;
        if change && rule.extreme != RepExtreme::AtTurn {
            return Err(toml_file::invalid(
                path,
                text,
                rule.limit.span().start,
                &format!("rep_rule `{}` relative_to", rule.id),
                "`first_rep` needs `extreme = \"at_turn\"`: only the value at the turn is kept with each rep",
            )
            .into());
        }
        if exercise.reps.is_none() {
            return Err(toml_file::invalid(
                path,
                text,
                rule.limit.span().start,
                &format!("rep_rule `{}`", rule.id),
                "needs a [reps] section: it is judged once per rep",
            )
            .into());
        }
    }
    let limits = exercise.rules.iter().map(|r| (r.id.as_str(), &r.limit));
    let limits: Vec<_> = limits
        .chain(exercise.rep_rules.iter().map(|r| (r.id.as_str(), &r.limit)))
        .collect();
    for (i, (id, limit)) in limits.iter().enumerate() {
        if limits[i + 1..].iter().any(|(other, _)| other == id) {
            return Err(toml_file::invalid(
                path,
                text,
                limit.span().start,
                "id",
                format!("`{id}` is used by two rules; ids must be unique"),
            )
            .into());
        }
    }
    Ok(())
}

/// Checks the `[reps]` section.
fn check_reps(path: &Path, text: &str, reps: &RepDefinition) -> Result<(), ConfigError> {
    check_value(path, text, "reps.start", &reps.start, reps.metric, false)?;
    check_value(path, text, "reps.turn", &reps.turn, reps.metric, false)?;
    check(
        path,
        text,
        "reps.turn",
        &reps.turn,
        reps.turn.get_ref() != reps.start.get_ref(),
        "different from `start`",
    )?;
    for (name, value) in [
        ("reps.eccentric_min_s", &reps.eccentric_min_s),
        ("reps.concentric_min_s", &reps.concentric_min_s),
    ] {
        if let Some(v) = value {
            let ok = (0.0..=60.0).contains(v.get_ref());
            check(path, text, name, v, ok, "between 0 and 60 seconds")?;
        }
    }
    if reps.min_frames == 0 || reps.min_frames > 300 {
        return Err(invalid_at_key(
            path,
            text,
            "min_frames",
            "reps.min_frames",
            format!(
                "is {}; it must be between 1 and 300 frames",
                reps.min_frames
            ),
        ));
    }
    Ok(())
}

/// Checks the `[hold]` section.
fn check_hold(path: &Path, text: &str, hold: &HoldDefinition) -> Result<(), ConfigError> {
    check(
        path,
        text,
        "hold.target_s",
        &hold.target_s,
        (0.0..=3600.0).contains(hold.target_s.get_ref()) && *hold.target_s.get_ref() > 0.0,
        "a positive number of seconds, at most 3600",
    )?;
    if let Some(max) = &hold.max_s {
        let ok = *max.get_ref() >= *hold.target_s.get_ref() && *max.get_ref() <= 3600.0;
        check(
            path,
            text,
            "hold.max_s",
            max,
            ok,
            "between `target_s` and 3600 seconds",
        )?;
    }
    if !(0.0..=60.0).contains(&hold.settle_s) {
        return Err(invalid_at_key(
            path,
            text,
            "settle_s",
            "hold.settle_s",
            format!("is {}; it must be between 0 and 60 seconds", hold.settle_s),
        ));
    }
    for position in hold.position_checks() {
        let (lo, hi, unit) = position.metric.range();
        for (key, value) in [("above", position.above), ("below", position.below)] {
            if let Some(v) = value.filter(|v| !(lo..=hi).contains(v)) {
                return Err(invalid_at_key(
                    path,
                    text,
                    key,
                    &format!("hold {key} ({})", position.metric.name()),
                    format!("is {v}; it must be between {lo} and {hi} {unit}"),
                ));
            }
        }
    }
    Ok(())
}

/// Checks one number; `ok` says whether it is acceptable.
fn check(
    path: &Path,
    text: &str,
    field: &str,
    value: &Spanned<f32>,
    ok: bool,
    expected: &str,
) -> Result<(), ConfigError> {
    if ok && value.get_ref().is_finite() {
        return Ok(());
    }
    Err(toml_file::invalid(
        path,
        text,
        value.span().start,
        field,
        format!("is {}; it must be {expected}", value.get_ref()),
    )
    .into())
}

/// Checks that `value` of `metric` (a change from a baseline when
/// `change`) is one the metric can take.
fn check_value(
    path: &Path,
    text: &str,
    field: &str,
    value: &Spanned<f32>,
    metric: Metric,
    change: bool,
) -> Result<(), ConfigError> {
    let (lo, hi, unit) = metric.range();
    let (lo, hi) = if change {
        (-metric.largest_change(), metric.largest_change())
    } else {
        (lo, hi)
    };
    let what = if change { "a change of " } else { "" };
    let expected = format!("{what}between {lo} and {hi} {unit} (`{}`)", metric.name());
    check(
        path,
        text,
        field,
        value,
        (lo..=hi).contains(value.get_ref()),
        &expected,
    )
}

/// An error at `key`'s line.
fn invalid_at_key(path: &Path, text: &str, key: &str, field: &str, message: String) -> ConfigError {
    ConfigError::Toml(TomlError::Invalid {
        path: path.into(),
        line: line_of_key(text, key),
        field: field.into(),
        message,
    })
}

impl Exercise {
    /// Whether a rule or a rep rule judges `metric`.
    pub fn judges(&self, metric: Metric) -> bool {
        self.rules.iter().any(|r| r.metric == metric)
            || self.rep_rules.iter().any(|r| r.metric == metric)
    }

    /// Loads and validates an exercise file.
    pub fn load(path: &Path) -> Result<Exercise, ConfigError> {
        let (exercise, text): (Exercise, String) = toml_file::read(path)?;
        check_rules(path, &text, &exercise)?;
        if let Some(reps) = &exercise.reps {
            check_reps(path, &text, reps)?;
        }
        if let Some(hold) = &exercise.hold {
            check_hold(path, &text, hold)?;
        }
        let stem = path.file_stem().map(|s| s.to_string_lossy());
        if stem.as_deref() != Some(exercise.name.as_str()) {
            return Err(invalid_at_key(
                path,
                &text,
                "name",
                "name",
                format!(
                    "is `{}`; it must be the file's name without `.toml` (`{}`)",
                    exercise.name,
                    stem.unwrap_or_default()
                ),
            ));
        }
        Ok(exercise)
    }

    /// The title of the shipped exercise called `name`, or the name itself
    /// when there is no such exercise.
    pub fn title_of(name: &str) -> String {
        Exercise::named(name).map_or_else(|_| name.to_string(), |e| e.title)
    }

    /// The shipped exercise called `name`.
    pub fn named(name: &str) -> Result<Exercise, ConfigError> {
        let dir = exercises_dir();
        let path = dir.join(format!("{name}.toml"));
        if !path.is_file() || name.contains('/') {
            let mut known: Vec<String> = std::fs::read_dir(&dir)
                .into_iter()
                .flatten()
                .flatten()
                .filter_map(|e| {
                    e.path()
                        .file_stem()
                        .map(|s| s.to_string_lossy().into_owned())
                })
                .collect();
            known.sort();
            return Err(ConfigError::UnknownExercise {
                name: name.into(),
                known: known.join(", "),
            });
        }
        Exercise::load(&path)
    }

    /// Applies a patient's prescribed limits (for this exercise) to the rules.
    pub fn with_profile(mut self, profile: &Profile) -> Exercise {
        if let Some(limits) = profile.limits.get(&self.name) {
            for rule in &mut self.rules {
                if let Some(limit) = limits.get(&rule.id) {
                    rule.limit = limit.clone();
                }
            }
            for rule in &mut self.rep_rules {
                if let Some(limit) = limits.get(&rule.id) {
                    rule.limit = limit.clone();
                }
            }
        }
        self
    }

    /// The ids of every rule, frame and rep rules alike.
    pub fn rule_ids(&self) -> impl Iterator<Item = &str> {
        let rules = self.rules.iter().map(|r| r.id.as_str());
        rules.chain(self.rep_rules.iter().map(|r| r.id.as_str()))
    }
}

impl Profile {
    /// Loads and validates a profile; every prescribed limit must name a rule
    /// of a shipped exercise.
    pub fn load(path: &Path) -> Result<Profile, ConfigError> {
        let (profile, text): (Profile, String) = toml_file::read(path)?;
        for (exercise, limits) in &profile.limits {
            let known = Exercise::named(exercise).ok();
            for (id, value) in limits {
                let field = format!("limits.{exercise}.{id}");
                let exists = known
                    .as_ref()
                    .is_some_and(|e| e.rule_ids().any(|r| r == id));
                let expected = match &known {
                    None => format!("a limit of a known exercise (no exercise `{exercise}`)"),
                    Some(e) => format!(
                        "a limit of a rule of `{exercise}` ({})",
                        e.rule_ids().collect::<Vec<_>>().join(", ")
                    ),
                };
                check(path, &text, &field, value, exists, &expected)?;
                let rule = known.as_ref().and_then(|e| {
                    let frame = e.rules.iter().find(|r| &r.id == id);
                    let frame = frame.map(|r| (r.metric, r.relative_to == Reference::Baseline));
                    frame.or_else(|| {
                        let rep = e.rep_rules.iter().find(|r| &r.id == id);
                        rep.map(|r| (r.metric, false))
                    })
                });
                if let Some((metric, change)) = rule {
                    check_value(path, &text, &field, value, metric, change)?;
                }
            }
        }
        for exercise in &profile.progression {
            if Exercise::named(exercise).is_err() {
                return Err(invalid_at_key(
                    path,
                    &text,
                    "progression",
                    "progression",
                    format!("names `{exercise}`, which is not a known exercise"),
                ));
            }
        }
        if let Some(programme) = &profile.programme {
            programme.check(path, &text)?;
        }
        if let Some(outcomes) = &profile.outcomes {
            outcomes.check(path, &text)?;
        }
        for (exercise, values) in &profile.baseline {
            let known = Exercise::named(exercise).is_ok();
            for (metric, value) in values {
                let field = format!("baseline.{exercise}.{}", metric.name());
                let expected = if known {
                    "a number (degrees, or a ratio for ratio metrics)".to_string()
                } else {
                    format!("the baseline of a known exercise (no exercise `{exercise}`)")
                };
                check(path, &text, &field, value, known, &expected)?;
                check_value(path, &text, &field, value, *metric, false)?;
            }
        }
        Ok(profile)
    }

    /// Writes `baseline` as the neutral of `exercise` into the profile at
    /// `path` (created with `patient` as its pseudonym if missing), keeping
    /// everything else in the file, comments included. The file is replaced
    /// atomically, so a crash leaves the old one or the new one.
    pub fn save_baseline(
        path: &Path,
        patient: &str,
        exercise: &str,
        baseline: &BTreeMap<Metric, f32>,
    ) -> Result<(), ConfigError> {
        let io = |source| {
            ConfigError::Toml(TomlError::Read {
                path: path.into(),
                source,
            })
        };
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                format!("patient = {}\n", toml_edit::Value::from(patient))
            }
            Err(e) => return Err(io(e)),
        };
        let mut doc: toml_edit::DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| {
            let line = e.span().map_or(1, |s| line_of(&text, s.start));
            ConfigError::Toml(TomlError::Syntax {
                path: path.into(),
                line,
                message: e.message().to_string(),
            })
        })?;
        let tables = doc
            .entry("baseline")
            .or_insert_with(|| {
                let mut t = toml_edit::Table::new();
                t.set_implicit(true);
                toml_edit::Item::Table(t)
            })
            .as_table_mut()
            .ok_or_else(|| {
                ConfigError::Toml(TomlError::Invalid {
                    path: path.into(),
                    line: 1,
                    field: "baseline".into(),
                    message: "must be a table of exercises".into(),
                })
            })?;
        let mut table = toml_edit::Table::new();
        for (metric, value) in baseline {
            let rounded = (f64::from(*value) * 100.0).round() / 100.0;
            table.insert(metric.name(), toml_edit::value(rounded));
        }
        tables.insert(exercise, toml_edit::Item::Table(table));
        let mut out = crate::private_files::Replacement::create(path).map_err(io)?;
        std::io::Write::write_all(&mut out, doc.to_string().as_bytes()).map_err(io)?;
        out.commit().map_err(io)
    }

    /// The neutral baseline captured for `exercise`, metric → value.
    pub fn baseline_for(&self, exercise: &str) -> BTreeMap<Metric, f32> {
        self.baseline
            .get(exercise)
            .map(|values| values.iter().map(|(m, v)| (*m, *v.get_ref())).collect())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(name: &str, text: &str) -> PathBuf {
        crate::toml_file::temp_file(&format!("config-{name}"), text)
    }

    #[test]
    fn every_shipped_exercise_loads() {
        let mut n = 0;
        for entry in std::fs::read_dir(exercises_dir()).unwrap() {
            let path = entry.unwrap().path();
            let e = Exercise::load(&path).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(
                Some(e.name.as_str()),
                path.file_stem().and_then(|s| s.to_str())
            );
            // Something to count or judge (the clamshell, whose top the
            // camera at the feet cannot tell, only judges).
            assert!(
                e.reps.is_some() || e.hold.is_some() || !e.rules.is_empty(),
                "{}: no reps, hold or rule",
                e.name
            );
            for r in &e.rules {
                assert!(
                    !r.source.is_empty() && !r.message.is_empty(),
                    "{} {}",
                    e.name,
                    r.id
                );
            }
            n += 1;
        }
        assert!(n >= 8);
    }

    #[test]
    fn a_bad_number_names_file_line_and_field() {
        let path = write(
            "bad.toml",
            "patient = \"p1\"\n\n[limits.leg_press]\nknee_depth = 95.0\nnot_a_rule = 3.0\n",
        );
        let err = Profile::load(&path).unwrap_err().to_string();
        assert!(
            err.contains("line 5") && err.contains("limits.leg_press.not_a_rule"),
            "{err}"
        );
        std::fs::remove_file(path).ok();
    }

    #[test]
    fn a_syntax_error_names_the_line() {
        let path = write(
            "syntax.toml",
            "patient = \"p1\"\n[limits.leg_press]\nknee_depth = \n",
        );
        let err = Profile::load(&path).unwrap_err().to_string();
        assert!(err.contains("line 3"), "{err}");
        std::fs::remove_file(path).ok();
    }

    #[test]
    fn unknown_exercise_lists_the_known_ones() {
        let err = Exercise::named("handstand").unwrap_err().to_string();
        assert!(err.contains("leg_press"), "{err}");
    }

    #[test]
    fn the_example_profile_loads_and_overrides_a_limit() {
        let profile =
            Profile::load(&crate::data_dir::path("calibration/patients/example.toml")).unwrap();
        let leg_press = Exercise::named("leg_press").unwrap().with_profile(&profile);
        let prescribed = profile.limits["leg_press"]["knee_depth"].get_ref();
        let rule = leg_press
            .rules
            .iter()
            .find(|r| r.id == "knee_depth")
            .unwrap();
        assert_eq!(rule.limit.get_ref(), prescribed);
    }

    #[test]
    fn profile_numbers_out_of_range_are_refused_with_their_unit() {
        let cases = [
            (
                "[limits.leg_press]\nknee_depth = 720.0\n",
                "limits.leg_press.knee_depth",
                "180 degrees",
            ),
            (
                "[limits.leg_press]\nknee_depth = 1e38\n",
                "limits.leg_press.knee_depth",
                "degrees",
            ),
            (
                "[limits.dead_bug]\nleg_too_low = -400.0\n",
                "limits.dead_bug.leg_too_low",
                "degrees",
            ),
            (
                "[baseline.bird_dog]\ntrunk_direction = 500.0\n",
                "baseline.bird_dog.trunk_direction",
                "180 degrees",
            ),
            (
                "[limits.squat]\nlateral_shift = 9.0\n",
                "limits.squat.lateral_shift",
                "hip widths",
            ),
        ];
        for (i, (table, field, unit)) in cases.into_iter().enumerate() {
            let path = write(
                &format!("range-{i}.toml"),
                &format!("patient = \"p1\"\n\n{table}"),
            );
            let err = Profile::load(&path).unwrap_err().to_string();
            assert!(
                err.contains("line 4") && err.contains(field) && err.contains(unit),
                "{err}"
            );
            std::fs::remove_file(path).ok();
        }
        let path = write(
            "progression.toml",
            "patient = \"p1\"\nprogression = [\"handstand\"]\n",
        );
        let err = Profile::load(&path).unwrap_err().to_string();
        assert!(err.contains("line 2") && err.contains("handstand"), "{err}");
        std::fs::remove_file(path).ok();
    }

    #[test]
    fn exercise_file_numbers_and_name_are_checked() {
        let squat = std::fs::read_to_string(exercises_dir().join("squat.toml")).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let load = |file: &str, text: &str| {
            let path = dir.path().join(file);
            std::fs::write(&path, text).unwrap();
            Exercise::load(&path).map(|_| ()).map_err(|e| e.to_string())
        };
        assert_eq!(load("squat.toml", &squat), Ok(()));
        let bad = [
            ("min_frames = 3", "min_frames = 0", "reps.min_frames"),
            (
                "limit = 45.0",
                "limit = 720.0",
                "rule `trunk_flexion` limit",
            ),
            ("start = 150.0", "start = 1500.0", "reps.start"),
            (
                "eccentric_min_s = 2.0",
                "eccentric_min_s = -2.0",
                "reps.eccentric_min_s",
            ),
        ];
        for (old, new, field) in bad {
            let text = squat.replacen(old, new, 1);
            let line = text.lines().position(|l| l == new).unwrap() + 1;
            let err = load("squat.toml", &text).unwrap_err();
            assert!(
                err.contains(field) && err.contains(&format!("line {line}")),
                "{err}"
            );
        }
        let err = load("squat2.toml", &squat).unwrap_err();
        assert!(err.contains("squat2") && err.contains("line 2"), "{err}");
    }
}
