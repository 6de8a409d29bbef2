//! A recorded set as review reads it: the flags, reps and camera views of
//! its event log (`events.jsonl`, the JSON Lines of
//! [`Event`](crate::analysis::events::Event)) and every frame's
//! measurements from its metrics CSV (`metrics.csv`, see
//! [`MetricsWriter`](crate::recording::metrics::MetricsWriter)).
//!
//! Everything is placed on the video's own timeline, by position in the
//! recording. The events and metrics number frames as the source did: a
//! set after the first starts where the one before ended, and a live
//! source that dropped a stale frame skips its number. Each analysed frame
//! has one row in the metrics CSV and one frame in each video, so the
//! source's numbers are turned into positions through the CSV's rows
//! ([`RecordedSet::new`]).
//!
//! The metrics CSV holds raw measurements; a rule judged relative to the
//! patient's neutral baseline compares the change from it with its limit,
//! and the log does not record the baseline. Each time such a rule raised a
//! flag, though, the log has the change it saw and the CSV the raw value of
//! that frame: their difference is the baseline (to the CSV's three
//! decimals).
//! [`RecordedSet::baseline`] takes it from the nearest flag of the rule
//! (before the frame, else after); a rule that never raised a flag has no
//! known baseline, and review says so rather than guess.

use std::collections::BTreeMap;
use std::path::Path;

use super::ReviewError;
use crate::analysis::config::{Exercise, Reference, Rule, View};
use crate::analysis::measure::{Measurements, Metric};
use crate::recording::events::EventLog;
use crate::recording::metrics::MetricRows;

/// A flag as it was up: from the frame it was raised to the frame it
/// cleared.
#[derive(Clone, Debug, PartialEq)]
pub struct FlagSpan {
    /// Rule id.
    pub rule: String,
    /// What the rule measures: a [`Metric`] name, or another quantity
    /// (`phase_duration_s` for tempo).
    pub metric: String,
    /// The frame it was raised on.
    pub start: u64,
    /// The first frame it was no longer up (equal to `start` for a flag
    /// judged at one moment, such as a rep's tempo); the set's last frame
    /// when the log ends with it still up.
    pub end: u64,
    /// What the patient was told.
    pub message: String,
    /// The value that raised it (relative to the baseline where the rule
    /// is).
    pub value: f32,
    /// The worst value while it was up.
    pub peak: f32,
    /// The limit.
    pub limit: f32,
}

impl FlagSpan {
    /// Whether the flag was up at `frame` (a flag of one moment: at that
    /// frame).
    pub fn covers(&self, frame: u64) -> bool {
        frame >= self.start && (frame < self.end || frame == self.start)
    }
}

/// A completed rep.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RepMark {
    /// 1-based rep number.
    pub index: u32,
    /// The frame it ended on.
    pub frame: u64,
    /// Whether no rule flagged during it.
    pub good: bool,
}

/// The camera's view from a frame on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ViewChange {
    /// The frame the view was judged on.
    pub frame: u64,
    /// The view the camera had.
    pub view: View,
}

/// What the event log says about a set.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SetEvents {
    /// The flags, in the order they were raised.
    pub flags: Vec<FlagSpan>,
    /// The reps, in order.
    pub reps: Vec<RepMark>,
    /// Each metric's value at the turn of the first rep that had one (what
    /// a rep rule relative to the first rep judges from).
    pub first_at_turn: BTreeMap<String, f32>,
    /// The camera's view, each time it changed.
    pub views: Vec<ViewChange>,
    /// Frames analysed, from the set's summary (absent when the log was
    /// cut short).
    pub frames: Option<u64>,
}

impl SetEvents {
    /// Reads the event log at `path`.
    pub fn load(path: &Path) -> Result<SetEvents, ReviewError> {
        Ok(SetEvents::from_log(EventLog::read(path)?))
    }

    /// Parses an event log's `text` (read from `path`, for errors). A last
    /// line cut short (the recording stopped while writing it) is skipped.
    pub fn parse(text: &str, path: &Path) -> Result<SetEvents, ReviewError> {
        Ok(SetEvents::from_log(EventLog::parse(text, path)?))
    }

    /// Review's frames of a log: a flag still up at its end runs to the
    /// set's last frame.
    fn from_log(log: EventLog) -> SetEvents {
        let frames = log.summary.as_ref().map(|s| s.frames);
        let last = frames.map_or(log.last_frame, |n| n.saturating_sub(1));
        let mut first_at_turn = BTreeMap::new();
        for rep in &log.reps {
            for (metric, value) in &rep.at_turn {
                first_at_turn.entry(metric.clone()).or_insert(*value);
            }
        }
        SetEvents {
            first_at_turn,
            flags: log
                .flags
                .into_iter()
                .map(|f| FlagSpan {
                    start: f.start.frame,
                    end: f.end.map_or(last, |e| e.frame).max(f.start.frame),
                    rule: f.rule,
                    metric: f.metric,
                    message: f.message,
                    value: f.value,
                    peak: f.peak,
                    limit: f.limit,
                })
                .collect(),
            reps: log
                .reps
                .iter()
                .map(|r| RepMark {
                    index: r.index,
                    frame: r.end.frame,
                    good: r.flags.is_empty(),
                })
                .collect(),
            views: log
                .views
                .iter()
                .map(|v| ViewChange {
                    frame: v.at.frame,
                    view: v.view,
                })
                .collect(),
            frames,
        }
    }

    /// The camera's view at `frame`, once it was known.
    pub fn view_at(&self, frame: u64) -> Option<View> {
        let judged = self.views.partition_point(|v| v.frame <= frame);
        judged.checked_sub(1).map(|i| self.views[i].view)
    }

    /// Reps completed by `frame`.
    pub fn reps_done(&self, frame: u64) -> usize {
        self.reps.iter().filter(|r| r.frame <= frame).count()
    }

    /// The last rep completed by `frame`, if any.
    pub fn last_rep(&self, frame: u64) -> Option<&RepMark> {
        self.reps.iter().rev().find(|r| r.frame <= frame)
    }
}

/// Every frame's measurements, from the metrics CSV.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MetricsTable {
    /// Frame index and its measurements, by frame.
    rows: Vec<(u64, Measurements)>,
}

/// Visibility of a value whose visibility column is missing.
const UNKNOWN_VISIBILITY: f32 = 1.0;

impl MetricsTable {
    /// Reads the metrics CSV at `path`.
    pub fn load(path: &Path) -> Result<MetricsTable, ReviewError> {
        Ok(MetricsTable::from_rows(&MetricRows::read(path)?))
    }

    /// Parses a metrics CSV's `text` (read from `path`, for errors).
    pub fn parse(text: &str, path: &Path) -> Result<MetricsTable, ReviewError> {
        Ok(MetricsTable::from_rows(&MetricRows::parse(
            text.as_bytes(),
            path,
        )?))
    }

    /// Each row's measurements, by frame; a value whose visibility column
    /// is missing counts as seen.
    fn from_rows(read: &MetricRows) -> MetricsTable {
        let mut rows: Vec<(u64, Measurements)> = read
            .frames
            .iter()
            .enumerate()
            .map(|(i, &frame)| {
                let mut m = Measurements::default();
                for (&metric, column) in &read.columns {
                    let visibility = column
                        .visibility
                        .as_ref()
                        .map_or(UNKNOWN_VISIBILITY, |v| v[i].unwrap_or(0.0));
                    m.set(metric, column.value[i], visibility);
                }
                (frame, m)
            })
            .collect();
        rows.sort_by_key(|(frame, _)| *frame);
        MetricsTable { rows }
    }

    /// The measurements of `frame`, when it was measured.
    pub fn at(&self, frame: u64) -> Option<&Measurements> {
        let i = self.rows.binary_search_by_key(&frame, |(f, _)| *f).ok()?;
        Some(&self.rows[i].1)
    }
}

/// Whether a rule could be judged on a frame, and what was measured.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Sight {
    /// The raw measurement, visible enough, from the rule's view.
    Seen(f32),
    /// The landmarks the rule needs were not visible enough (or there was
    /// no person).
    CannotSee,
    /// The camera had another view than the rule needs (`None`: the view
    /// was not known yet).
    WrongView(Option<View>),
}

/// A recorded set: its exercise, event log and measurements.
#[derive(Clone, Debug)]
pub struct RecordedSet {
    /// The exercise, for its rules' metrics and limits.
    pub exercise: Exercise,
    /// The event log.
    pub events: SetEvents,
    /// Every frame's measurements.
    pub metrics: MetricsTable,
    /// Per rule of the exercise: the baseline found at each of its flags
    /// (frame, baseline), by frame.
    baselines: Vec<Vec<(u64, f32)>>,
}

impl RecordedSet {
    /// The set of `exercise` with its `events` and `metrics`, their frame
    /// numbers turned into positions in the recording.
    pub fn new(exercise: Exercise, events: SetEvents, metrics: MetricsTable) -> RecordedSet {
        let (events, metrics) = on_video_timeline(events, metrics);
        let baselines = exercise
            .rules
            .iter()
            .map(|rule| baselines_at_flags(rule, &events, &metrics))
            .collect();
        RecordedSet {
            exercise,
            events,
            metrics,
            baselines,
        }
    }

    /// `metric` at `frame`, if it was measured at least `min_visibility`
    /// visible.
    pub fn measured(&self, metric: Metric, frame: u64, min_visibility: f32) -> Option<f32> {
        let m = self.metrics.at(frame)?.get(metric)?;
        (m.visibility >= min_visibility).then_some(m.value)
    }

    /// Whether `rule` could be judged at `frame`, as the analysis decides
    /// it: a known view for another plane first, then visibility, then a
    /// view not yet known.
    pub fn sight(&self, rule: &Rule, frame: u64) -> Sight {
        let view = self.events.view_at(frame);
        if view.is_some_and(|v| !rule.view.accepts(v)) {
            return Sight::WrongView(view);
        }
        let Some(value) = self.measured(rule.metric, frame, *rule.min_visibility.get_ref()) else {
            return Sight::CannotSee;
        };
        if view.is_none() && rule.view != View::Any {
            return Sight::WrongView(None);
        }
        Sight::Seen(value)
    }

    /// The baseline rule `rule` (an index into the exercise's rules) was
    /// judged against around `frame`: found at its nearest flag before
    /// `frame`, else after; `None` for a rule that never raised a flag (or
    /// is not relative to a baseline).
    pub fn baseline(&self, rule: usize, frame: u64) -> Option<f32> {
        let found = self.baselines.get(rule)?;
        let before = found.partition_point(|(f, _)| *f <= frame);
        let (_, baseline) = found.get(before.saturating_sub(1))?;
        Some(*baseline)
    }
}

/// `events` and `metrics` with the source's frame numbers replaced by
/// positions in the recording: the row of the frame in `metrics` (a frame
/// without a row, none in a whole recording, goes to the next row).
fn on_video_timeline(mut events: SetEvents, metrics: MetricsTable) -> (SetEvents, MetricsTable) {
    let rows = &metrics.rows;
    if rows
        .iter()
        .enumerate()
        .all(|(i, (frame, _))| *frame == i as u64)
    {
        return (events, metrics);
    }
    let position = |frame: u64| rows.partition_point(|(f, _)| *f < frame) as u64;
    for flag in &mut events.flags {
        (flag.start, flag.end) = (position(flag.start), position(flag.end));
    }
    for rep in &mut events.reps {
        rep.frame = position(rep.frame);
    }
    for view in &mut events.views {
        view.frame = position(view.frame);
    }
    let rows = metrics
        .rows
        .into_iter()
        .enumerate()
        .map(|(i, (_, m))| (i as u64, m))
        .collect();
    (events, MetricsTable { rows })
}

/// The baseline of `rule` at each of its flags: the raw value of the
/// flag's first frame less the change the flag reported.
fn baselines_at_flags(rule: &Rule, events: &SetEvents, metrics: &MetricsTable) -> Vec<(u64, f32)> {
    if rule.relative_to != Reference::Baseline {
        return Vec::new();
    }
    let mut found: Vec<(u64, f32)> = events
        .flags
        .iter()
        .filter(|flag| flag.rule == rule.id)
        .filter_map(|flag| {
            let raw = metrics.at(flag.start)?.get(rule.metric)?.value;
            // Within the metric's range, for an angle that wraps round.
            Some((flag.start, rule.metric.change(raw - flag.value, 0.0)))
        })
        .collect();
    found.sort_by_key(|(frame, _)| *frame);
    found
}

/// Sets for the tests of review.
#[cfg(test)]
pub(crate) mod fixtures {
    use std::fmt::Write as _;

    use super::*;

    /// A squat set: side view from frame 0, front view from 150; trunk
    /// flexion measured 40° + frame/2 in frames 0..200 (hidden in 50..60);
    /// a trunk flag at frame 100 reporting a change of 46° (so the
    /// baseline is 100/2 + 40 − 46 = 44°), up to 110.
    pub fn squat_set() -> RecordedSet {
        let mut csv = String::from("frame,t_ms,trunk_from_vertical,trunk_from_vertical_visibility,lateral_shift,lateral_shift_visibility\n");
        for frame in 0..200u64 {
            let visibility = if (50..60).contains(&frame) { 0.1 } else { 0.9 };
            let _ = writeln!(
                csv,
                "{frame},0,{},{visibility},0.02,0.9",
                40.0 + frame as f32 / 2.0
            );
        }
        let metrics = MetricsTable::parse(&csv, Path::new("metrics.csv")).unwrap();
        let events = SetEvents {
            flags: vec![FlagSpan {
                rule: "trunk_flexion".into(),
                metric: "trunk_from_vertical".into(),
                start: 100,
                end: 110,
                message: "Keep your chest up".into(),
                value: 46.0,
                peak: 48.0,
                limit: 45.0,
            }],
            reps: vec![],
            views: vec![
                ViewChange {
                    frame: 0,
                    view: View::Side,
                },
                ViewChange {
                    frame: 150,
                    view: View::Front,
                },
            ],
            frames: Some(200),
            first_at_turn: BTreeMap::new(),
        };
        RecordedSet::new(Exercise::named("squat").unwrap(), events, metrics)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::analysis::config::Fault;
    use crate::analysis::events::Event;
    use crate::recording::metrics::MetricsWriter;
    use crate::time::SourceTime;

    #[test]
    fn a_later_set_with_a_dropped_frame_is_placed_by_position_in_its_recording() {
        use std::fmt::Write as _;
        // Set 2 of a live session: source frames 900..1100, frame 905
        // dropped by the live source (so not recorded).
        let mut csv =
            String::from("frame,t_ms,trunk_from_vertical,trunk_from_vertical_visibility\n");
        for frame in (900..1100u64).filter(|&f| f != 905) {
            let _ = writeln!(csv, "{frame},0,{},0.9", frame as f32 / 10.0);
        }
        let metrics = MetricsTable::parse(&csv, Path::new("metrics.csv")).unwrap();
        let events = SetEvents {
            flags: vec![FlagSpan {
                rule: "trunk_flexion".into(),
                metric: "trunk_from_vertical".into(),
                start: 1000,
                end: 1010,
                message: "Keep your chest up".into(),
                value: 46.0,
                peak: 48.0,
                limit: 45.0,
            }],
            reps: vec![RepMark {
                index: 1,
                frame: 904,
                good: true,
            }],
            views: vec![ViewChange {
                frame: 900,
                view: View::Side,
            }],
            frames: Some(199),
            first_at_turn: BTreeMap::new(),
        };
        let set = RecordedSet::new(Exercise::named("squat").unwrap(), events, metrics);
        // Frames before the drop move back by 900, after it by 901.
        assert_eq!(
            (set.events.flags[0].start, set.events.flags[0].end),
            (99, 109)
        );
        assert_eq!(set.events.reps[0].frame, 4);
        assert_eq!(set.events.views[0].frame, 0);
        assert_eq!(
            set.measured(Metric::TrunkFromVertical, 99, 0.5),
            Some(100.0)
        );
        assert_eq!(
            set.measured(Metric::TrunkFromVertical, 198, 0.5),
            Some(109.9)
        );
        assert_eq!(set.measured(Metric::TrunkFromVertical, 199, 0.5), None);
    }

    fn path() -> &'static Path {
        Path::new("set/events.jsonl")
    }

    fn start(rule: &str, frame: u64, value: f32) -> Event {
        Event::FlagStart {
            rule: rule.into(),
            fault: Fault::Rotation,
            metric: Metric::LateralShift.into(),
            value,
            limit: 0.1,
            frame,
            t_ms: SourceTime::from_ms(frame as f64 * 100.0 / 3.0),
            message: format!("{rule} message"),
        }
    }

    fn end(rule: &str, frame: u64, peak: f32) -> Event {
        Event::FlagEnd {
            rule: rule.into(),
            metric: Metric::LateralShift.into(),
            peak,
            limit: 0.1,
            frame,
            t_ms: SourceTime::from_ms(frame as f64 * 100.0 / 3.0),
            duration_ms: 0.0,
        }
    }

    fn rep(index: u32, frame: u64) -> Event {
        Event::Rep {
            index,
            frame,
            t_ms: SourceTime::from_ms(0.0),
            eccentric_s: 1.0,
            turn_s: 0.1,
            concentric_s: 1.0,
            range: 90.0,
            peaks: BTreeMap::new(),
            at_turn: BTreeMap::new(),
            flags: vec![],
        }
    }

    fn view(frame: u64, view: View) -> Event {
        Event::View {
            frame,
            t_ms: SourceTime::from_ms(0.0),
            view,
            needed: View::Side,
            orientation: None,
            message: String::new(),
        }
    }

    fn log(events: &[Event]) -> String {
        events
            .iter()
            .map(|e| serde_json::to_string(e).unwrap() + "\n")
            .collect()
    }

    #[test]
    fn the_events_the_analysis_writes_become_flag_spans_reps_and_views() {
        let text = log(&[
            view(0, View::Side),
            start("lateral_shift", 52, -0.69),
            end("lateral_shift", 56, -0.7),
            view(60, View::Front),
            start("tempo_too_fast", 174, 1.2),
            end("tempo_too_fast", 174, 1.2),
            start("tempo_too_fast", 174, 0.3),
            end("tempo_too_fast", 174, 0.3),
            rep(1, 174),
            Event::CannotSee {
                rule: "trunk_flexion".into(),
                metric: Metric::TrunkFromVertical,
                frame: 180,
                t_ms: SourceTime::from_ms(0.0),
                hint: String::new(),
            },
            start("trunk_flexion", 200, 46.0),
        ]);
        let set = SetEvents::parse(&text, path()).unwrap();
        assert_eq!(set.flags.len(), 4);
        let shift = &set.flags[0];
        assert_eq!((shift.start, shift.end), (52, 56));
        assert_eq!((shift.value, shift.peak, shift.limit), (-0.69, -0.7, 0.1));
        assert_eq!(shift.message, "lateral_shift message");
        assert!(!shift.covers(51) && shift.covers(52) && shift.covers(55) && !shift.covers(56));
        let tempo = &set.flags[1];
        assert_eq!((tempo.start, tempo.end), (174, 174));
        assert!(tempo.covers(174) && !tempo.covers(175));
        assert_eq!(set.flags[2].value, 0.3);
        // Still up when the log ends: up to its last frame.
        assert_eq!((set.flags[3].start, set.flags[3].end), (200, 200));
        assert_eq!(
            set.reps,
            [RepMark {
                index: 1,
                frame: 174,
                good: true,
            }]
        );
        assert_eq!(set.view_at(59), Some(View::Side));
        assert_eq!(set.view_at(60), Some(View::Front));
        assert_eq!(set.frames, None);
    }

    #[test]
    fn a_flag_up_at_the_end_of_the_set_runs_to_its_last_frame() {
        let text = log(&[
            start("trunk_flexion", 200, 46.0),
            Event::SetSummary {
                exercise: "squat".into(),
                frames: 230,
                frames_without_person: 0,
                reps: 0,
                holds: 0,
                longest_hold_s: 0.0,
                flags: BTreeMap::new(),
                cannot_measure: vec![],
                rep_judgements: vec![],
            },
        ]);
        let set = SetEvents::parse(&text, path()).unwrap();
        assert_eq!(set.frames, Some(230));
        assert_eq!((set.flags[0].start, set.flags[0].end), (200, 229));
        assert_eq!(set.view_at(0), None);
    }

    #[test]
    fn a_last_line_cut_short_is_skipped_and_a_bad_line_is_named() {
        let mut text = log(&[start("lateral_shift", 52, -0.69)]);
        text.push_str(r#"{"event":"flag_end","rule":"lateral_sh"#);
        let set = SetEvents::parse(&text, path()).unwrap();
        assert_eq!(set.flags.len(), 1);

        text.push('\n');
        let err = SetEvents::parse(&text, path()).unwrap_err();
        assert!(
            matches!(
                err,
                ReviewError::Events(crate::recording::events::EventLogError::Line { line: 2, .. })
            ),
            "{err}"
        );
        assert!(err.to_string().contains("set/events.jsonl line 2"), "{err}");
    }

    #[test]
    fn the_metrics_csv_the_analysis_writes_is_read_back_by_frame() {
        let mut a = Measurements::default();
        a.set(Metric::TrunkFromVertical, Some(12.5), 0.9);
        a.set(Metric::LateralShift, Some(-0.25), 0.4);
        let mut csv = MetricsWriter::new(Vec::new()).unwrap();
        csv.write(7, SourceTime::from_ms(233.3), &a).unwrap();
        csv.write(9, SourceTime::from_ms(300.0), &Measurements::default())
            .unwrap();
        let text = String::from_utf8(csv.finish().unwrap()).unwrap();
        let table = MetricsTable::parse(&text, Path::new("metrics.csv")).unwrap();
        let read = table.at(7).unwrap();
        let trunk = read.get(Metric::TrunkFromVertical).unwrap();
        assert_eq!((trunk.value, trunk.visibility), (12.5, 0.9));
        assert_eq!(read.get(Metric::LateralShift).unwrap().value, -0.25);
        assert_eq!(read.get(Metric::KneeAngle), None);
        assert_eq!(table.at(9), Some(&Measurements::default()));
        assert_eq!(table.at(8), None);
    }

    #[test]
    fn a_bad_metrics_csv_names_its_line_and_column() {
        let text = "frame,t_ms,knee_angle,knee_angle_visibility,future_metric\n\
                    0,0.0,170.0,0.9,1\n\
                    1,33.3,1x0,0.9,1\n";
        let err = MetricsTable::parse(text, Path::new("metrics.csv")).unwrap_err();
        assert!(
            matches!(
                err,
                ReviewError::Metrics(crate::recording::metrics::MetricsError::Line { line: 3, .. })
            ),
            "{err}"
        );
        assert!(err.to_string().contains("knee_angle"), "{err}");
        let err = MetricsTable::parse("t_ms,knee_angle\n", Path::new("m.csv")).unwrap_err();
        assert!(err.to_string().contains("`frame`"), "{err}");
        let ok = "frame,t_ms,knee_angle,future_metric\n0,0.0,170.0,1\n";
        let table = MetricsTable::parse(ok, Path::new("m.csv")).unwrap();
        assert_eq!(
            table.at(0).unwrap().get(Metric::KneeAngle).unwrap().value,
            170.0
        );
    }
}
