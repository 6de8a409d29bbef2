//! A set read back from its files: the event log, the metrics CSV and the
//! exercise definition.

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::Path;

use serde::Deserialize;

use super::{ReportError, SetInput};
use crate::analysis::config::{Exercise, Fault, Reference, Rule, View};
use crate::analysis::measure::Metric;

/// Slack, ms, when placing a flag inside a rep (the rep's start is
/// reconstructed from its phase durations).
const REP_SLACK_MS: f64 = 50.0;

/// The events the report uses, as written by the analysis. Other events
/// (and fields) are skipped.
#[derive(Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
enum Record {
    FlagStart {
        rule: String,
        fault: Fault,
        metric: String,
        value: f32,
        limit: f32,
        frame: u64,
        t_ms: f64,
        message: String,
    },
    FlagEnd {
        rule: String,
        peak: f32,
        frame: u64,
        t_ms: f64,
    },
    Rep {
        index: u32,
        frame: u64,
        t_ms: f64,
        eccentric_s: f64,
        turn_s: f64,
        concentric_s: f64,
        range: f32,
        flags: Vec<String>,
        #[serde(default)]
        at_turn: BTreeMap<String, f32>,
    },
    Hold {
        index: u32,
        t_ms: f64,
        duration_s: f64,
        target_s: f32,
    },
    View {
        t_ms: f64,
        view: View,
        needed: View,
    },
    CannotSee {
        rule: String,
        hint: String,
    },
    SetSummary {
        frames: u64,
        frames_without_person: u64,
        cannot_measure: Vec<String>,
    },
    #[serde(other)]
    Other,
}

/// A flag, from its start to its end.
#[derive(Clone, Debug)]
pub struct Flag {
    /// Rule id.
    pub rule: String,
    /// What it guards against.
    pub fault: Fault,
    /// The metric's name (or `phase_duration_s`, `hold_s`).
    pub metric: String,
    /// The value that raised it (a change from baseline where the rule is).
    pub value: f32,
    /// The worst value while it was up.
    pub peak: f32,
    /// The limit in force.
    pub limit: f32,
    /// Frame and time it was raised.
    pub start_frame: u64,
    /// Time it was raised, ms.
    pub start_ms: f64,
    /// Frame it cleared.
    pub end_frame: u64,
    /// Time it cleared, ms.
    pub end_ms: f64,
    /// Whether the log ends with the flag still up.
    pub open: bool,
    /// What the patient was told.
    pub message: String,
    /// The rep it fell in, if any.
    pub rep: Option<u32>,
}

/// A completed rep.
#[derive(Clone, Debug)]
pub struct Rep {
    /// 1-based.
    pub index: u32,
    /// Frame of its end.
    pub end_frame: u64,
    /// Time of its end, ms.
    pub end_ms: f64,
    /// Working phase, s.
    pub eccentric_s: f64,
    /// At the turning point, s.
    pub turn_s: f64,
    /// Return phase, s.
    pub concentric_s: f64,
    /// Furthest value of the primary metric.
    pub range: f32,
    /// Rules that fired during the rep (a rule may appear more than once).
    pub flags: Vec<String>,
    /// The bend of the back's outline at the rep's deepest point (°), when
    /// the set judged it and it was seen.
    pub back_bend: Option<f32>,
}

impl Rep {
    /// When the rep started, ms (its end less its phases).
    pub fn start_ms(&self) -> f64 {
        self.end_ms - (self.eccentric_s + self.turn_s + self.concentric_s) * 1000.0
    }
}

/// A hold in correct position.
#[derive(Clone, Debug)]
pub struct Hold {
    /// 1-based.
    pub index: u32,
    /// Time of its end, ms.
    pub end_ms: f64,
    /// How long, s.
    pub duration_s: f64,
    /// The target, s.
    pub target_s: f32,
}

/// A stretch of the set with one camera view.
#[derive(Clone, Debug)]
pub struct ViewSpan {
    /// From, ms.
    pub from_ms: f64,
    /// To, ms.
    pub to_ms: f64,
    /// The view the camera had.
    pub view: View,
    /// The view the exercise needs.
    pub needed: View,
}

/// The set summary's counts.
#[derive(Clone, Debug)]
pub struct Summary {
    /// Frames analysed.
    pub frames: u64,
    /// Frames without a person.
    pub frames_without_person: u64,
}

/// One metric's column of the metrics CSV.
#[derive(Clone, Debug, Default)]
pub struct Column {
    /// Value per row, `None` where not measured.
    pub value: Vec<Option<f32>>,
    /// Visibility per row.
    pub visibility: Vec<Option<f32>>,
}

/// The metrics CSV: the rows' frames and times, and the columns the report
/// needs.
#[derive(Clone, Debug, Default)]
pub struct Series {
    /// Frame index per row.
    pub frames: Vec<u64>,
    /// Time per row, s.
    pub t_s: Vec<f64>,
    /// Metric → column.
    pub columns: BTreeMap<Metric, Column>,
}

impl Series {
    /// The row of `frame`: its position in the overlay video too, which has
    /// a frame per row even when a live source dropped frames.
    pub fn row_of(&self, frame: u64) -> Option<usize> {
        self.frames.iter().position(|f| *f == frame)
    }

    /// The last time, s.
    pub fn end_s(&self) -> f64 {
        self.t_s.last().copied().unwrap_or(0.0)
    }
}

/// Where a baseline-relative rule's baseline stands.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Baseline {
    /// The rule is absolute.
    NotNeeded,
    /// Recovered from the flags: raw value at the flag's frame less the
    /// change it reported.
    Inferred(f32),
    /// No flag of the rule fired, so the files do not say.
    Unknown,
    /// The flags disagree: the baseline was re-captured during the set.
    Changed,
}

/// A set, read back.
pub struct SetData<'a> {
    /// What the store said.
    pub input: &'a SetInput,
    /// The exercise definition.
    pub exercise: Exercise,
    /// Flags, in order of start.
    pub flags: Vec<Flag>,
    /// Reps.
    pub reps: Vec<Rep>,
    /// Holds.
    pub holds: Vec<Hold>,
    /// Camera views over the set.
    pub views: Vec<ViewSpan>,
    /// Rule id → (times it could not be judged, what to bring into view).
    pub blind: BTreeMap<String, (u32, String)>,
    /// The set summary, if the set ended cleanly.
    pub summary: Option<Summary>,
    /// What the camera cannot measure (from the summary, else the exercise).
    pub cannot_measure: Vec<String>,
    /// The metrics CSV.
    pub series: Series,
}

impl<'a> SetData<'a> {
    /// Reads a set's files.
    pub fn load(input: &'a SetInput) -> Result<SetData<'a>, ReportError> {
        let exercise =
            Exercise::named(&input.exercise).map_err(|source| ReportError::Exercise {
                set: input.number,
                source,
            })?;
        let mut set = SetData {
            input,
            cannot_measure: exercise.cannot_measure.clone(),
            series: read_metrics(&input.metrics, &plotted_metrics(&exercise))?,
            exercise,
            flags: Vec::new(),
            reps: Vec::new(),
            holds: Vec::new(),
            views: Vec::new(),
            blind: BTreeMap::new(),
            summary: None,
        };
        set.read_events(&input.events)?;
        Ok(set)
    }

    fn read_events(&mut self, path: &Path) -> Result<(), ReportError> {
        let read = |source| ReportError::Read {
            path: path.into(),
            source,
        };
        let file = std::fs::File::open(path).map_err(read)?;
        for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
            let line = line.map_err(read)?;
            if line.trim().is_empty() {
                continue;
            }
            let record: Record = serde_json::from_str(&line).map_err(|e| ReportError::Event {
                path: path.into(),
                line: i + 1,
                message: e.to_string(),
            })?;
            self.add(record);
        }
        let end_ms = self.series.end_s() * 1000.0;
        if let Some(last) = self.views.last_mut() {
            last.to_ms = end_ms.max(last.from_ms);
        }
        for flag in self.flags.iter_mut().filter(|f| f.open) {
            flag.end_ms = end_ms.max(flag.start_ms);
        }
        for flag in &mut self.flags {
            flag.rep = self
                .reps
                .iter()
                .find(|r| {
                    flag.start_ms >= r.start_ms() - REP_SLACK_MS
                        && flag.start_ms <= r.end_ms + REP_SLACK_MS
                })
                .map(|r| r.index);
        }
        Ok(())
    }

    fn add(&mut self, record: Record) {
        match record {
            Record::FlagStart {
                rule,
                fault,
                metric,
                value,
                limit,
                frame,
                t_ms,
                message,
            } => self.flags.push(Flag {
                rule,
                fault,
                metric,
                value,
                peak: value,
                limit,
                start_frame: frame,
                start_ms: t_ms,
                end_frame: frame,
                end_ms: t_ms,
                open: true,
                message,
                rep: None,
            }),
            Record::FlagEnd {
                rule,
                peak,
                frame,
                t_ms,
            } => {
                if let Some(flag) = self.flags.iter_mut().find(|f| f.open && f.rule == rule) {
                    flag.open = false;
                    flag.peak = peak;
                    flag.end_frame = frame;
                    flag.end_ms = t_ms;
                }
            }
            Record::Rep {
                index,
                frame,
                t_ms,
                eccentric_s,
                turn_s,
                concentric_s,
                range,
                flags,
                at_turn,
            } => self.reps.push(Rep {
                index,
                end_frame: frame,
                end_ms: t_ms,
                eccentric_s,
                turn_s,
                concentric_s,
                range,
                flags,
                back_bend: at_turn.get(Metric::BackBend.name()).copied(),
            }),
            Record::Hold {
                index,
                t_ms,
                duration_s,
                target_s,
            } => self.holds.push(Hold {
                index,
                end_ms: t_ms,
                duration_s,
                target_s,
            }),
            Record::View { t_ms, view, needed } => {
                if let Some(last) = self.views.last_mut() {
                    last.to_ms = t_ms;
                }
                self.views.push(ViewSpan {
                    from_ms: t_ms,
                    to_ms: t_ms,
                    view,
                    needed,
                });
            }
            Record::CannotSee { rule, hint } => {
                let entry = self.blind.entry(rule).or_insert((0, hint));
                entry.0 += 1;
            }
            Record::SetSummary {
                frames,
                frames_without_person,
                cannot_measure,
            } => {
                if !cannot_measure.is_empty() {
                    self.cannot_measure = cannot_measure;
                }
                self.summary = Some(Summary {
                    frames,
                    frames_without_person,
                });
            }
            Record::Other => {}
        }
    }

    /// The camera's view at `t_ms`, once known.
    pub fn view_at(&self, t_ms: f64) -> Option<View> {
        self.views
            .iter()
            .rev()
            .find(|v| v.from_ms <= t_ms)
            .map(|v| v.view)
    }

    /// The metrics plotted, in order: the rep metric, then those of the
    /// rules and rep rules.
    pub fn metrics(&self) -> Vec<Metric> {
        plotted_metrics(&self.exercise)
    }

    /// The baseline of a rule, recovered from its flags where it is
    /// relative to one.
    pub fn baseline(&self, rule: &Rule) -> Baseline {
        if rule.relative_to == Reference::Absolute {
            return Baseline::NotNeeded;
        }
        let Some(column) = self.series.columns.get(&rule.metric) else {
            return Baseline::Unknown;
        };
        let inferred: Vec<f32> = self
            .flags
            .iter()
            .filter(|f| f.rule == rule.id)
            .filter_map(|f| {
                let row = self.series.row_of(f.start_frame)?;
                let raw = column.value.get(row).copied().flatten()?;
                Some(raw - f.value)
            })
            .collect();
        let (Some(lo), Some(hi)) = (
            inferred.iter().copied().reduce(f32::min),
            inferred.iter().copied().reduce(f32::max),
        ) else {
            return Baseline::Unknown;
        };
        // The CSV rounds to 3 decimals; anything wider is a new baseline.
        let tolerance = 0.01 + 0.02 * rule.limit.get_ref().abs();
        if hi - lo > tolerance {
            Baseline::Changed
        } else {
            Baseline::Inferred((lo + hi) / 2.0)
        }
    }

    /// The limit in force for a rule: the one its flags carry (a patient's
    /// prescribed limit), else the exercise file's; and whether it came
    /// from the flags.
    pub fn limit(&self, rule_id: &str, default: f32) -> (f32, bool) {
        match self.flags.iter().find(|f| f.rule == rule_id) {
            Some(f) => (f.limit, true),
            None => (default, false),
        }
    }

    /// Whether the rep exercise's working phase lowers the primary metric
    /// (a squat's knee angle) rather than raising it (a bridge's hip).
    pub fn range_is_lowest(&self) -> bool {
        self.exercise
            .reps
            .as_ref()
            .is_some_and(|r| r.turn.get_ref() < r.start.get_ref())
    }
}

/// The fault's name in outputs (as in the event log).
pub fn fault_id(fault: Fault) -> &'static str {
    match fault {
        Fault::LumbarFlexion => "lumbar_flexion",
        Fault::Rotation => "rotation",
        Fault::RangeOfMotion => "range_of_motion",
        Fault::Tempo => "tempo",
    }
}

/// The fault as a therapist reads it.
pub fn fault_label(fault: Fault) -> &'static str {
    match fault {
        Fault::LumbarFlexion => "Lumbar flexion (proxy)",
        Fault::Rotation => "Rotation / shift",
        Fault::RangeOfMotion => "Range of motion",
        Fault::Tempo => "Tempo",
    }
}

/// The metrics a report plots for an exercise.
pub fn plotted_metrics(exercise: &Exercise) -> Vec<Metric> {
    let mut out: Vec<Metric> = Vec::new();
    let reps = exercise.reps.iter().map(|r| r.metric);
    let hold = exercise.hold.iter().map(|h| h.metric);
    let rules = exercise.rules.iter().map(|r| r.metric);
    let rep_rules = exercise.rep_rules.iter().map(|r| r.metric);
    for m in reps.chain(hold).chain(rules).chain(rep_rules) {
        if !out.contains(&m) {
            out.push(m);
        }
    }
    out
}

/// Reads the columns of `metrics` from a metrics CSV.
fn read_metrics(path: &Path, metrics: &[Metric]) -> Result<Series, ReportError> {
    let file = std::fs::File::open(path).map_err(|source| ReportError::Read {
        path: path.into(),
        source,
    })?;
    let bad = |line: u64, message: String| ReportError::Metrics {
        path: path.into(),
        line,
        message,
    };
    let mut reader = csv::Reader::from_reader(file);
    let headers = reader
        .headers()
        .map_err(|e| bad(1, format!("cannot read the header: {e}")))?
        .clone();
    let find = |name: &str| {
        headers.iter().position(|h| h == name).ok_or_else(|| {
            bad(
                1,
                format!("no `{name}` column: not a formcheck metrics CSV"),
            )
        })
    };
    let frame_col = find("frame")?;
    let t_col = find("t_ms")?;
    let mut wanted = Vec::new();
    for m in metrics {
        wanted.push((
            *m,
            find(m.name())?,
            find(&format!("{}_visibility", m.name()))?,
        ));
    }
    let mut series = Series::default();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, csv::Position::line);
            bad(line, e.to_string())
        })?;
        let line = record.position().map_or(0, csv::Position::line);
        let cell = |col: usize| record.get(col).unwrap_or("").trim();
        let number = |col: usize| -> Result<Option<f64>, ReportError> {
            let text = cell(col);
            if text.is_empty() {
                return Ok(None);
            }
            text.parse::<f64>().map(Some).map_err(|_| {
                bad(
                    line,
                    format!("`{}` is `{text}`, not a number", &headers[col]),
                )
            })
        };
        let frame = cell(frame_col).parse::<u64>().map_err(|_| {
            bad(
                line,
                format!("`frame` is `{}`, not a frame index", cell(frame_col)),
            )
        })?;
        let t_ms = number(t_col)?.ok_or_else(|| bad(line, "`t_ms` is empty".to_string()))?;
        series.frames.push(frame);
        series.t_s.push(t_ms / 1000.0);
        for (metric, value_col, vis_col) in &wanted {
            let column = series.columns.entry(*metric).or_default();
            column.value.push(number(*value_col)?.map(|v| v as f32));
            column.visibility.push(number(*vis_col)?.map(|v| v as f32));
        }
    }
    for (metric, ..) in &wanted {
        series.columns.entry(*metric).or_default();
    }
    Ok(series)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_pair_flags_and_place_them_in_reps() {
        let mut set = SetData {
            input: &SetInput {
                number: 1,
                exercise: "squat".into(),
                status: "complete".into(),
                stopped_because: None,
                pain_before: None,
                pain_after: None,
                leg_symptoms_spread: None,
                events: "e".into(),
                metrics: "m".into(),
                overlay_video: None,
                track: None,
            },
            exercise: Exercise::named("squat").unwrap(),
            flags: Vec::new(),
            reps: Vec::new(),
            holds: Vec::new(),
            views: Vec::new(),
            blind: BTreeMap::new(),
            summary: None,
            cannot_measure: Vec::new(),
            series: Series {
                frames: vec![0, 1, 2],
                t_s: vec![0.0, 1.0, 2.0],
                columns: [(
                    Metric::TrunkFromVertical,
                    Column {
                        value: vec![Some(10.0), Some(60.0), Some(12.0)],
                        visibility: vec![Some(0.9); 3],
                    },
                )]
                .into(),
            },
        };
        let lines = [
            r#"{"event":"flag_start","rule":"trunk_flexion","fault":"lumbar_flexion","metric":"trunk_from_vertical","value":50.0,"limit":45.0,"frame":1,"t_ms":1000.0,"message":"m"}"#,
            r#"{"event":"flag_end","rule":"trunk_flexion","metric":"trunk_from_vertical","peak":51.0,"limit":45.0,"frame":2,"t_ms":2000.0,"duration_ms":1000.0}"#,
            r#"{"event":"rep","index":1,"frame":2,"t_ms":2000.0,"eccentric_s":1.0,"turn_s":0.2,"concentric_s":0.8,"range":90.0,"peaks":{},"flags":["trunk_flexion"]}"#,
            r#"{"event":"rep","index":2,"frame":3,"t_ms":3000.0,"eccentric_s":0.4,"turn_s":0.2,"concentric_s":0.4,"range":88.0,"peaks":{},"flags":[],"at_turn":{"back_bend":12.5}}"#,
            r#"{"event":"unknown_future_event","x":1}"#,
        ];
        for l in lines {
            set.add(serde_json::from_str(l).unwrap());
        }
        assert_eq!(set.flags.len(), 1);
        let f = &set.flags[0];
        assert!(!f.open && f.peak == 51.0 && f.end_frame == 2);
        assert_eq!(set.reps[0].start_ms(), 0.0);
        assert_eq!(set.reps[0].back_bend, None, "a rep without the outline");
        assert_eq!(set.reps[1].back_bend, Some(12.5));
        let rule = set.exercise.rules[0].clone();
        assert_eq!(set.baseline(&rule), Baseline::Inferred(10.0));
        assert_eq!(set.limit("trunk_flexion", 1.0), (45.0, true));
        assert_eq!(set.limit("lateral_shift", 0.1), (0.1, false));
        assert!(set.range_is_lowest());
    }
}
