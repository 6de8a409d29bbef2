//! A set read back from its files: the event log, the metrics CSV and the
//! exercise definition.

use std::collections::BTreeMap;
use std::path::Path;

use super::{ReportError, SetInput};
use crate::analysis::config::{Exercise, Fault, Reference, Rule, View};
use crate::analysis::measure::Metric;
use crate::recording::events::{EventLog, LoggedFlag, LoggedHold, Moment};
use crate::recording::metrics::MetricRows;
use crate::time::SourceTime;

/// Slack, ms, when placing a flag inside a rep (the rep's start is
/// reconstructed from its phase durations).
const REP_SLACK_MS: f64 = 50.0;

/// A flag as the report shows it: as logged, with the moment it cleared
/// (the end of the set for a flag still up when the log ends) and the rep it
/// fell in.
#[derive(Clone, Debug)]
pub struct Flag {
    /// The flag as the event log has it.
    pub logged: LoggedFlag,
    /// When it cleared, or the end of the set.
    pub cleared: Moment,
    /// The rep it fell in, if any.
    pub rep: Option<u32>,
}

impl Flag {
    /// Whether the log ends with the flag still up.
    pub fn open(&self) -> bool {
        self.logged.end.is_none()
    }
}

/// A completed rep.
#[derive(Clone, Debug)]
pub struct Rep {
    /// 1-based.
    pub index: u32,
    /// Frame of its end.
    pub end_frame: u64,
    /// Time of its end.
    pub end: SourceTime,
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
    /// When the rep started (its end less its phases).
    pub fn start(&self) -> SourceTime {
        self.end
            .plus_ms(-(self.eccentric_s + self.turn_s + self.concentric_s) * 1000.0)
    }
}

/// A stretch of the set with one camera view.
#[derive(Clone, Debug)]
pub struct ViewSpan {
    /// From.
    pub from: SourceTime,
    /// To.
    pub to: SourceTime,
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
    pub holds: Vec<LoggedHold>,
    /// Camera views over the set.
    pub views: Vec<ViewSpan>,
    /// Rule id → (times it could not be judged, what to bring into view).
    pub blind: BTreeMap<String, (usize, String)>,
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
        let series = read_metrics(&input.metrics, &plotted_metrics(&exercise))?;
        let mut set = SetData::new(input, exercise, series);
        set.take_events(EventLog::read(&input.events)?);
        Ok(set)
    }

    /// A set of `exercise` with its metrics and no events yet.
    fn new(input: &'a SetInput, exercise: Exercise, series: Series) -> SetData<'a> {
        SetData {
            input,
            cannot_measure: exercise.cannot_measure.clone(),
            series,
            exercise,
            flags: Vec::new(),
            reps: Vec::new(),
            holds: Vec::new(),
            views: Vec::new(),
            blind: BTreeMap::new(),
            summary: None,
        }
    }

    /// Takes the flags, reps, holds, views and summary of the set's event
    /// log; open flags and the last view run to the metrics' last time.
    fn take_events(&mut self, log: EventLog) {
        let end = SourceTime::from_secs(self.series.end_s());
        self.flags = log
            .flags
            .into_iter()
            .map(|f| Flag {
                cleared: f.end.unwrap_or(Moment {
                    frame: f.start.frame,
                    t_ms: end.max(f.start.t_ms),
                }),
                logged: f,
                rep: None,
            })
            .collect();
        self.reps = log
            .reps
            .into_iter()
            .map(|r| Rep {
                index: r.index,
                end_frame: r.end.frame,
                end: r.end.t_ms,
                eccentric_s: r.eccentric_s,
                turn_s: r.turn_s,
                concentric_s: r.concentric_s,
                range: r.range,
                back_bend: r.at_turn.get(Metric::BackBend.name()).copied(),
                flags: r.flags,
            })
            .collect();
        self.holds = log.holds;
        let froms: Vec<SourceTime> = log.views.iter().map(|v| v.at.t_ms).collect();
        self.views = log
            .views
            .iter()
            .enumerate()
            .map(|(i, v)| ViewSpan {
                from: v.at.t_ms,
                to: froms.get(i + 1).copied().unwrap_or(end.max(v.at.t_ms)),
                view: v.view,
                needed: v.needed,
            })
            .collect();
        self.blind = log.cannot_see;
        if let Some(summary) = log.summary {
            if !summary.cannot_measure.is_empty() {
                self.cannot_measure = summary.cannot_measure;
            }
            self.summary = Some(Summary {
                frames: summary.frames,
                frames_without_person: summary.frames_without_person,
            });
        }
        for flag in &mut self.flags {
            flag.rep = self
                .reps
                .iter()
                .find(|r| {
                    flag.logged.start.t_ms >= r.start().plus_ms(-REP_SLACK_MS)
                        && flag.logged.start.t_ms <= r.end.plus_ms(REP_SLACK_MS)
                })
                .map(|r| r.index);
        }
    }

    /// The camera's view at `t`, once known.
    pub fn view_at(&self, t: SourceTime) -> Option<View> {
        self.views
            .iter()
            .rev()
            .find(|v| v.from <= t)
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
            .filter(|f| f.logged.rule == rule.id)
            .filter_map(|f| {
                let row = self.series.row_of(f.logged.start.frame)?;
                let raw = column.value.get(row).copied().flatten()?;
                Some(raw - f.logged.value)
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
        match self.flags.iter().find(|f| f.logged.rule == rule_id) {
            Some(f) => (f.logged.limit, true),
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

/// The columns of `metrics` from a metrics CSV; a metric the file lacks
/// reads as never measured, a missing visibility as unknown.
fn read_metrics(path: &Path, metrics: &[Metric]) -> Result<Series, ReportError> {
    let mut rows = MetricRows::read(path)?;
    let n = rows.frames.len();
    let columns = metrics
        .iter()
        .map(|m| {
            let column = rows.columns.remove(m).unwrap_or_default();
            let value = if column.value.is_empty() {
                vec![None; n]
            } else {
                column.value
            };
            let visibility = column.visibility.unwrap_or_else(|| vec![None; n]);
            (*m, Column { value, visibility })
        })
        .collect();
    Ok(Series {
        frames: rows.frames,
        t_s: rows.t_ms.iter().map(|t| t.secs()).collect(),
        columns,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_pair_flags_and_place_them_in_reps() {
        let input = SetInput {
            number: 1,
            exercise: "squat".into(),
            status: crate::store::SetStatus::Complete,
            stopped_because: None,
            pain_before: None,
            pain_after: None,
            leg_symptoms_spread: None,
            events: "e".into(),
            metrics: "m".into(),
            overlay_video: None,
            track: None,
        };
        let series = Series {
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
        };
        let mut set = SetData::new(&input, Exercise::named("squat").unwrap(), series);
        let lines = [
            r#"{"event":"flag_start","rule":"trunk_flexion","fault":"lumbar_flexion","metric":"trunk_from_vertical","value":50.0,"limit":45.0,"frame":1,"t_ms":1000.0,"message":"m"}"#,
            r#"{"event":"flag_end","rule":"trunk_flexion","metric":"trunk_from_vertical","peak":51.0,"limit":45.0,"frame":2,"t_ms":2000.0,"duration_ms":1000.0}"#,
            r#"{"event":"rep","index":1,"frame":2,"t_ms":2000.0,"eccentric_s":1.0,"turn_s":0.2,"concentric_s":0.8,"range":90.0,"peaks":{},"flags":["trunk_flexion"]}"#,
            r#"{"event":"rep","index":2,"frame":3,"t_ms":3000.0,"eccentric_s":0.4,"turn_s":0.2,"concentric_s":0.4,"range":88.0,"peaks":{},"flags":[],"at_turn":{"back_bend":12.5}}"#,
            r#"{"event":"unknown_future_event","x":1}"#,
        ];
        set.take_events(EventLog::parse(&lines.join("\n"), Path::new("e")).unwrap());
        assert_eq!(set.flags.len(), 1);
        let f = &set.flags[0];
        assert!(!f.open() && f.logged.peak == 51.0 && f.cleared.frame == 2);
        assert_eq!(set.reps[0].start(), SourceTime::START);
        assert_eq!(set.reps[0].back_bend, None, "a rep without the outline");
        assert_eq!(set.reps[1].back_bend, Some(12.5));
        let rule = set.exercise.rules[0].clone();
        assert_eq!(set.baseline(&rule), Baseline::Inferred(10.0));
        assert_eq!(set.limit("trunk_flexion", 1.0), (45.0, true));
        assert_eq!(set.limit("lateral_shift", 0.1), (0.1, false));
        assert!(set.range_is_lowest());
    }
}
