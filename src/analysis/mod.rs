//! Analysis: from landmark sequences to measurements, camera view, reps,
//! holds and form flags. Pure functions and state machines over landmarks:
//! no model, camera, screen or thread.
//!
//! A frame is measured ([`measure`]), the camera's view is tracked
//! ([`view`]), every rule of the exercise is judged ([`rules`]): a flag only
//! after its limit has been exceeded for its minimum duration, cleared with
//! hysteresis, and never on landmarks the model cannot see (a `cannot_see`
//! event says what to bring into view) nor from a camera placed for another
//! plane (a `view` event says where to put it). Reps and holds are counted
//! on the exercise's primary metric ([`reps`]).

pub mod back_outline;
pub mod baseline;
pub mod config;
pub mod events;
pub mod geometry;
pub mod measure;
pub mod plausibility;
pub mod prescription;
pub mod reps;
pub mod rules;
pub mod setup_check;
pub mod status;
pub mod view;

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet};

use back_outline::{BackReading, Unmeasurable};
use config::{Exercise, Fault, Profile, Reference, RepExtreme, RepReference, Rule, View};
use events::{Event, Judged, RepJudgement, SetQuantity};
use measure::{measure, nearer_side, Measurements, Metric, Side, MIN_VISIBILITY};
use plausibility::PlausibilityGate;
use reps::{HoldFrame, HoldTimer, RepCounter, RepTiming};
use rules::{At, Judgement, RuleTracker};
use status::{FormState, Gauge, HoldClock, Status, Tempo};
use view::ViewTracker;

use nalgebra::Vector2;

use crate::body::{ImageSize, Pose, NUM_LANDMARKS};
use crate::time::SourceTime;

/// Frames averaged for a baseline taken at the start of a set.
const BASELINE_FRAMES: usize = 15;
/// Widest spread of a baseline's frames, as a share of its rule's limit: a
/// neutral posture is held still, and a baseline taken while the body
/// settles would move every later judgement by the settling.
const BASELINE_STILLNESS: f32 = 0.5;
/// Holds shorter than this are not reported, seconds.
const MIN_HOLD_S: f64 = 0.5;
/// Rule id of the tempo flag.
pub const TEMPO_RULE: &str = "tempo_too_fast";
/// Rule id of the hold-too-long flag.
pub const HOLD_RULE: &str = "hold_too_long";

/// How long a flag judged on a whole rep (tempo, rep rules) stays on the
/// live display, ms.
const INSTANT_FLAG_SHOWN_MS: f64 = 3000.0;

/// Said in the set summary when the exercise judges the back's outline but
/// the run never read it.
const BACK_NOT_READ: &str = "the back's outline: not measured in this run (the segmentation did not run: a landmark track made without `pose --back`, or the heavy model); its rules judged nothing";

/// Frames either side of a rep's turning point whose values judge it
/// ([`RepExtreme::AtTurn`]).
const AT_TURN_FRAMES: usize = 3;
/// Fewest seen values around the turning point that judge it: most of them.
const AT_TURN_MIN_SEEN: usize = AT_TURN_FRAMES + 1;

/// What a frame brings besides its landmarks.
#[derive(Clone, Copy, Debug, Default)]
pub struct Extras<'a> {
    /// The landmarks' pixel positions, as a camera calibration undistorts
    /// them (in the pose's landmark order).
    pub pixels: Option<&'a [Vector2<f32>; NUM_LANDMARKS]>,
    /// The back's outline, when the segmentation runs.
    pub back: Option<BackReading>,
}

/// A frame of the rep in progress, kept for the rules judged at its turn.
#[derive(Clone, Copy, Debug)]
struct RepFrame {
    at: At,
    /// The rep's primary metric, where seen.
    primary: Option<f32>,
    measurements: Measurements,
    /// Why the back's outline was not measured, where it was not.
    back_unmeasurable: Option<Unmeasurable>,
    /// Whether the back's outline was read at all (the segmentation ran).
    back_read: bool,
}

/// A flag judged on a whole rep (tempo, rep rules).
struct InstantFlag {
    /// The frame it is about when not the rep's last (the turn, for a rule
    /// judged there: where the report shows it).
    at: Option<At>,
    rule: String,
    fault: Fault,
    metric: Judged,
    value: f32,
    limit: f32,
    message: String,
}

/// Where the body stands in getting into a held exercise's position.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
enum Settling {
    /// Out of position (or not seen in it yet).
    #[default]
    Out,
    /// In position since this time (ms), not yet settled.
    Since(SourceTime),
    /// Settled: the form rules judge.
    Settled,
}

/// A metric some rules judge relative to the baseline: the smallest of
/// their limits (its stillness is measured against it) and the highest of
/// their visibilities.
#[derive(Clone, Copy, Debug)]
struct BaselineMetric {
    metric: Metric,
    limit: f32,
    min_visibility: f32,
}

impl BaselineMetric {
    fn of(rules: &[Rule]) -> Vec<BaselineMetric> {
        let mut out: Vec<BaselineMetric> = Vec::new();
        for rule in rules
            .iter()
            .filter(|r| r.relative_to == Reference::Baseline)
        {
            let (limit, visibility) = (rule.limit.get_ref().abs(), *rule.min_visibility.get_ref());
            match out.iter_mut().find(|b| b.metric == rule.metric) {
                Some(b) => {
                    b.limit = b.limit.min(limit);
                    b.min_visibility = b.min_visibility.max(visibility);
                }
                None => out.push(BaselineMetric {
                    metric: rule.metric,
                    limit,
                    min_visibility: visibility,
                }),
            }
        }
        out
    }
}

/// Analyses one set of one exercise, frame by frame.
pub struct Analyzer {
    exercise: Exercise,
    /// The neutral each baseline-relative rule is judged against.
    baseline: BTreeMap<Metric, f32>,
    /// Metrics whose baseline was given (the profile's, or captured live):
    /// never replaced by the automatic one.
    baseline_given: BTreeSet<Metric>,
    /// The metrics rules judge relative to the baseline.
    judged_from_baseline: Vec<BaselineMetric>,
    baseline_samples: BTreeMap<Metric, Vec<f32>>,
    /// Whether the exercise has begun (the first rep or hold): the automatic
    /// baseline is the last still posture before it, and the rules judged
    /// against it wait for it.
    started: bool,
    trackers: Vec<RuleTracker>,
    view: ViewTracker,
    plausibility: PlausibilityGate,
    side: Option<Side>,
    reps: Option<RepCounter>,
    rep_peaks: BTreeMap<&'static str, [f32; 2]>,
    /// The frames of the rep in progress (for the rules judged at its
    /// turn; empty when the exercise has none).
    rep_frames: Vec<RepFrame>,
    rep_flags: Vec<String>,
    rep_count: u32,
    rep_judgements: Vec<RepJudgement>,
    /// The value each rep rule relative to the first rep is judged from:
    /// rule id → the first value it had in this set.
    first_rep: BTreeMap<String, f32>,
    last_rep: Option<Tempo>,
    /// The last flag that is not a rule's continuous one (tempo, rep rule,
    /// hold too long): when, what it said, what it guards against.
    last_instant: Option<(SourceTime, String, Fault)>,
    /// The last rep a rule could not judge at its turn: when, and what to
    /// do about it.
    last_blind: Option<(SourceTime, String)>,
    /// Why the back's outline was not measured on the last frame.
    back_unmeasurable: Option<Unmeasurable>,
    /// Whether the back's outline was read on the last frame, and on any.
    back_read: bool,
    back_ever_read: bool,
    hold: HoldTimer,
    /// Whether the body has settled in a held exercise's position: reached
    /// it with every rule inside its limits, or stayed in it for the hold's
    /// `settle_s`. Reset when it leaves the position.
    settled: Settling,
    hold_count: u32,
    hold_too_long: bool,
    longest_hold_s: f64,
    extra_flags: BTreeMap<String, u32>,
    frames: u64,
    frames_without_person: u64,
    person: bool,
    last: At,
    measurements: Measurements,
}

impl Analyzer {
    /// An analyser for `exercise`, with the patient's `profile` (prescribed
    /// limits, neutral baseline) if there is one.
    pub fn new(exercise: Exercise, profile: Option<&Profile>) -> Analyzer {
        let exercise = match profile {
            Some(p) => exercise.with_profile(p),
            None => exercise,
        };
        let baseline: BTreeMap<Metric, f32> = profile
            .map(|p| p.baseline_for(&exercise.name))
            .unwrap_or_default();
        Analyzer {
            trackers: vec![RuleTracker::default(); exercise.rules.len()],
            reps: exercise.reps.as_ref().map(RepCounter::new),
            baseline_given: baseline.keys().copied().collect(),
            judged_from_baseline: BaselineMetric::of(&exercise.rules),
            baseline,
            baseline_samples: BTreeMap::new(),
            // With neither reps nor a hold, nothing marks the start.
            started: exercise.reps.is_none() && exercise.hold.is_none(),
            view: ViewTracker::default(),
            plausibility: PlausibilityGate::default(),
            side: None,
            rep_peaks: BTreeMap::new(),
            rep_frames: Vec::new(),
            rep_flags: Vec::new(),
            rep_count: 0,
            rep_judgements: Vec::new(),
            first_rep: BTreeMap::new(),
            last_rep: None,
            last_instant: None,
            last_blind: None,
            back_unmeasurable: None,
            back_read: false,
            back_ever_read: false,
            hold: HoldTimer::new(),
            settled: Settling::Out,
            hold_count: 0,
            hold_too_long: false,
            longest_hold_s: 0.0,
            extra_flags: BTreeMap::new(),
            frames: 0,
            frames_without_person: 0,
            person: false,
            last: At {
                frame: 0,
                t_ms: SourceTime::START,
            },
            measurements: Measurements::default(),
            exercise,
        }
    }

    /// The exercise (with the profile's limits applied).
    pub fn exercise(&self) -> &Exercise {
        &self.exercise
    }

    /// The measurements of the last frame.
    pub fn measurements(&self) -> &Measurements {
        &self.measurements
    }

    /// The camera's view, once known.
    pub fn view(&self) -> Option<View> {
        self.view.view()
    }

    /// The body's orientation, once known.
    pub fn orientation(&self) -> Option<view::Orientation> {
        self.view.orientation()
    }

    /// The metrics the exercise's rules judge relative to the baseline from
    /// the camera's view (every such rule while the view is not known): a
    /// capture from the side does not need the front-only trunk twist.
    pub fn baseline_metrics(&self) -> Vec<Metric> {
        let view = self.view.view();
        let mut metrics: Vec<Metric> = self
            .exercise
            .rules
            .iter()
            .filter(|r| r.relative_to == Reference::Baseline)
            .filter(|r| view.is_none_or(|v| r.view.accepts(v)))
            .map(|r| r.metric)
            .collect();
        metrics.sort();
        metrics.dedup();
        metrics
    }

    /// Replaces the neutral baseline (a capture during the set).
    pub fn set_baseline(&mut self, baseline: BTreeMap<Metric, f32>) {
        self.baseline_given = baseline.keys().copied().collect();
        self.baseline = baseline;
        self.baseline_samples.clear();
    }

    /// Analyses one frame, appending its events to `events`. `pose` is
    /// `None` on frames without a person.
    pub fn push(
        &mut self,
        frame: u64,
        t_ms: SourceTime,
        size: ImageSize,
        pose: Option<&Pose>,
        events: &mut Vec<Event>,
    ) {
        self.push_with(frame, t_ms, size, pose, Extras::default(), events);
    }

    /// [`Analyzer::push`] with what else is known of the frame: the
    /// landmarks' undistorted pixels, the back's outline.
    pub fn push_with(
        &mut self,
        frame: u64,
        t_ms: SourceTime,
        size: ImageSize,
        pose: Option<&Pose>,
        extras: Extras,
        events: &mut Vec<Event>,
    ) {
        self.frames += 1;
        let at = At { frame, t_ms };
        self.last = at;
        self.person = pose.is_some();
        let Some(pose) = pose else {
            self.frames_without_person += 1;
            self.measurements = Measurements::default();
            for (tracker, rule) in self.trackers.iter_mut().zip(&self.exercise.rules) {
                tracker.update(rule, Judgement::CannotSee, at, events);
            }
            self.end_hold(HoldFrame::Unseen, at, events);
            return;
        };
        // Landmarks that cannot be right count as unseen.
        let mut pose = pose.clone();
        self.plausibility.apply(&mut pose, size);
        let pose = &pose;
        // The side facing the camera, chosen once per set.
        let side = *self.side.get_or_insert_with(|| nearer_side(pose));
        self.measurements = measure(pose, size, side, extras.pixels);
        self.back_unmeasurable = None;
        self.back_read = extras.back.is_some();
        self.back_ever_read |= self.back_read;
        match extras.back {
            Some(BackReading::Measured {
                degrees,
                confidence,
            }) => self
                .measurements
                .set(Metric::BackBend, Some(degrees), confidence),
            Some(BackReading::Unmeasurable { why }) => self.back_unmeasurable = Some(why),
            None => {}
        }
        let m = self.measurements;

        // The view is held while a flag is up: the fault that raised it
        // (a trunk rolling away from a front camera) can also narrow the
        // shoulders the view is judged on.
        let flagged = self.trackers.iter().any(RuleTracker::is_active);
        if !flagged && self.view.update(&m, pose) {
            if let Some(view) = self.view.view() {
                let needed = self.exercise.view;
                let message = if needed.accepts(view) {
                    String::new()
                } else {
                    needed.placement_hint().to_string()
                };
                let orientation = self.view.orientation();
                events.push(Event::View {
                    frame,
                    t_ms,
                    view,
                    needed,
                    orientation,
                    message,
                });
            }
        }
        let view = self.view.view().unwrap_or(View::Oblique);
        let resting = self.resting(&m, view, t_ms);
        // The neutral is never taken inside a fault that an absolute rule
        // has flagged (a plank that starts sagging).
        let in_fault = self
            .trackers
            .iter()
            .zip(&self.exercise.rules)
            .any(|(t, r)| t.is_active() && r.relative_to == Reference::Absolute);
        self.collect_baseline(&m, resting || in_fault);

        for (i, rule) in self.exercise.rules.iter().enumerate() {
            let baseline = self.baseline_of(rule);
            let tracker = &mut self.trackers[i];
            let judgement = if resting {
                Judgement::Resting
            } else if rule.metric == Metric::BackBend && !self.back_read {
                Judgement::NotMeasured
            } else {
                RuleTracker::judge(rule, m.get(rule.metric), self.view.view(), baseline)
            };
            let was_active = tracker.is_active();
            tracker.update(rule, judgement, at, events);
            if tracker.is_active() && !was_active && !self.rep_flags.contains(&rule.id) {
                self.rep_flags.push(rule.id.clone());
            }
        }
        self.count_reps(&m, view, at, events);
        self.time_hold(&m, view, resting, at, events);
    }

    /// Whether the form rules rest on this frame: for a held exercise whose
    /// rules judge only in position, while the body is out of it (getting
    /// in, resting on the knees) or still settling into it (hips coming up
    /// from the floor). The exercise is judged, not the set-up.
    fn resting(&mut self, m: &Measurements, view: View, t_ms: SourceTime) -> bool {
        let Some(def) = self.exercise.hold.as_ref() else {
            return false;
        };
        if !def.rules_in_position_only || !self.exercise.view.accepts(view) {
            return false;
        }
        match HoldTimer::position(def, m, MIN_VISIBILITY) {
            Some(false) => self.settled = Settling::Out,
            None => {}
            Some(true) => {
                let since = match self.settled {
                    Settling::Settled => return false,
                    Settling::Since(since) => since,
                    Settling::Out => t_ms,
                };
                let inside = self.exercise.rules.iter().all(|rule| {
                    let baseline = self.baseline_of(rule);
                    let judged = RuleTracker::judge(rule, m.get(rule.metric), Some(view), baseline);
                    !matches!(judged, Judgement::Seen(v) if rule.exceeded_by(v))
                });
                self.settled = if inside || t_ms.secs_since(since) >= f64::from(def.settle_s) {
                    Settling::Settled
                } else {
                    Settling::Since(since)
                };
            }
        }
        self.settled != Settling::Settled
    }

    /// The baseline `rule` is judged against: none for an absolute rule;
    /// a given one (the profile's, a live capture) as soon as it is known;
    /// the automatic one once the exercise has begun.
    fn baseline_of(&self, rule: &Rule) -> Option<f32> {
        let known = self.started || self.baseline_given.contains(&rule.metric);
        match rule.relative_to {
            Reference::Baseline if known => self.baseline.get(&rule.metric).copied(),
            _ => None,
        }
    }

    /// Collects the automatic neutral baseline: for each metric judged
    /// relative to it, the mean of the last [`BASELINE_FRAMES`] frames in a
    /// row before the exercise begins that are seen, in the exercise's
    /// position (when its rules judge only in position) and still (spread
    /// no wider than [`BASELINE_STILLNESS`] of its rules' smallest limit):
    /// the posture the person holds as they start, not the one they had
    /// while setting up. Past the start it is kept; a metric with none by
    /// then takes the first still frames. Frames that are `skipped`
    /// (resting, or inside a flagged fault) break the row.
    fn collect_baseline(&mut self, m: &Measurements, skipped: bool) {
        for &BaselineMetric {
            metric,
            limit,
            min_visibility,
        } in &self.judged_from_baseline
        {
            let settled = self.started && self.baseline.contains_key(&metric);
            if settled || self.baseline_given.contains(&metric) {
                continue;
            }
            let samples = self.baseline_samples.entry(metric).or_default();
            let Some(v) = m
                .get(metric)
                .filter(|v| !skipped && v.visibility >= min_visibility)
            else {
                samples.clear();
                continue;
            };
            samples.push(v.value);
            if samples.len() > BASELINE_FRAMES {
                samples.remove(0);
            }
            if samples.len() == BASELINE_FRAMES
                && metric.spread(samples) <= BASELINE_STILLNESS * limit
            {
                if let Some(mean) = metric.mean(samples) {
                    self.baseline.insert(metric, mean);
                }
            }
        }
    }

    fn count_reps(&mut self, m: &Measurements, view: View, at: At, events: &mut Vec<Event>) {
        let Some(def) = &self.exercise.reps else {
            return;
        };
        if self.reps.is_none() {
            return;
        }
        let (metric, lowering) = (def.metric, def.turn.get_ref() < def.start.get_ref());
        let min_s = |m: &Option<toml::Spanned<f32>>| m.as_ref().map(|m| *m.get_ref());
        let tempo_min = (min_s(&def.eccentric_min_s), min_s(&def.concentric_min_s));
        self.track_peaks(m);
        if !self.exercise.view.accepts(view) {
            // Reps are not counted from this view, so their start is not
            // seen either: the baseline is the first still posture.
            self.started = true;
            return;
        }
        let Some(v) = m.get(metric).filter(|v| v.visibility >= MIN_VISIBILITY) else {
            return;
        };
        if self
            .exercise
            .rep_rules
            .iter()
            .any(|r| r.extreme == RepExtreme::AtTurn)
        {
            self.rep_frames.push(RepFrame {
                at,
                primary: Some(v.value),
                measurements: *m,
                back_unmeasurable: self.back_unmeasurable,
                back_read: self.back_read,
            });
        }
        let Some(counter) = &mut self.reps else {
            return;
        };
        let was_in_rep = counter.in_rep();
        let rep = counter.update(v.value, at.t_ms);
        let in_rep = counter.in_rep();
        self.started |= in_rep || rep.is_some();
        let Some(rep) = rep else {
            if !was_in_rep && !in_rep {
                // Between reps: peaks and flags start afresh with the next.
                self.rep_peaks.clear();
                self.rep_frames.clear();
                self.rep_flags.retain(|id| {
                    self.exercise
                        .rules
                        .iter()
                        .zip(&self.trackers)
                        .any(|(r, t)| &r.id == id && t.is_active())
                });
            }
            return;
        };
        self.rep_count += 1;
        self.last_rep = Some(Tempo {
            eccentric_s: rep.eccentric_s,
            concentric_s: rep.concentric_s,
            eccentric_min_s: tempo_min.0,
            concentric_min_s: tempo_min.1,
        });
        self.judge_tempo(&rep, tempo_min, at, events);
        let frames = std::mem::take(&mut self.rep_frames);
        let (at_turn, turn_at) = self.values_at_turn(lowering, &frames, at, events);
        for flag in self.judge_rep_rules(&at_turn, &turn_at) {
            self.instant_flag(flag, at, events);
        }
        events.push(Event::Rep {
            index: self.rep_count,
            frame: at.frame,
            t_ms: at.t_ms,
            eccentric_s: rep.eccentric_s,
            turn_s: rep.turn_s,
            concentric_s: rep.concentric_s,
            range: rep.range,
            peaks: std::mem::take(&mut self.rep_peaks),
            at_turn,
            flags: self.rep_flags.clone(),
        });
        let mut flags = std::mem::take(&mut self.rep_flags);
        flags.dedup();
        self.rep_judgements.push(RepJudgement {
            rep: self.rep_count,
            flags,
        });
    }

    /// Widens this rep's peaks with the frame's visible values of every
    /// metric a rule judges.
    fn track_peaks(&mut self, m: &Measurements) {
        let rule_metrics = self.exercise.rules.iter().map(|r| r.metric);
        let rep_rule_metrics = self.exercise.rep_rules.iter().map(|r| r.metric);
        for metric in rule_metrics.chain(rep_rule_metrics) {
            if let Some(v) = m.get(metric).filter(|v| v.visibility >= MIN_VISIBILITY) {
                let p = self
                    .rep_peaks
                    .entry(metric.name())
                    .or_insert([v.value, v.value]);
                p[0] = p[0].min(v.value);
                p[1] = p[1].max(v.value);
            }
        }
    }

    /// Flags each phase of `rep` done faster than its minimum (lowering,
    /// lifting), in seconds.
    fn judge_tempo(
        &mut self,
        rep: &RepTiming,
        (eccentric_min_s, concentric_min_s): (Option<f32>, Option<f32>),
        at: At,
        events: &mut Vec<Event>,
    ) {
        let checks = [
            (eccentric_min_s, rep.eccentric_s, "lowering"),
            (concentric_min_s, rep.concentric_s, "lifting"),
        ];
        for (min, took, phase) in checks {
            let Some(min) = min else { continue };
            if took + 1e-9 < f64::from(min) {
                let flag = InstantFlag {
                    at: None,
                    rule: TEMPO_RULE.to_string(),
                    fault: Fault::Tempo,
                    metric: Judged::Set(SetQuantity::PhaseDurationS),
                    value: took as f32,
                    limit: min,
                    message: format!("Slow down: take {min:.0} seconds for the {phase}"),
                };
                self.instant_flag(flag, at, events);
            }
        }
    }

    /// The values the rep rules judge at the rep's deepest point (metric →
    /// value) and when that was, each metric read once however many rules
    /// judge it; a rule that could not see it there says so with a
    /// `CannotSee` event.
    fn values_at_turn(
        &mut self,
        lowering: bool,
        frames: &[RepFrame],
        at: At,
        events: &mut Vec<Event>,
    ) -> (BTreeMap<&'static str, f32>, BTreeMap<&'static str, At>) {
        let mut read: BTreeMap<&'static str, Result<(f32, At), String>> = BTreeMap::new();
        for rule in &self.exercise.rep_rules {
            if rule.extreme != RepExtreme::AtTurn {
                continue;
            }
            if rule.metric == Metric::BackBend && !frames.iter().any(|f| f.back_read) {
                // Not measured in this run: the set summary says so.
                continue;
            }
            let value = read
                .entry(rule.metric.name())
                .or_insert_with(|| at_turn_value(lowering, rule.metric, frames));
            if let Err(hint) = value {
                events.push(Event::CannotSee {
                    rule: rule.id.clone(),
                    metric: rule.metric,
                    frame: at.frame,
                    t_ms: at.t_ms,
                    hint: hint.clone(),
                });
                self.last_blind = Some((at.t_ms, hint.clone()));
            }
        }
        let mut at_turn = BTreeMap::new();
        let mut turn_at = BTreeMap::new();
        for (name, (value, turn)) in read.into_iter().filter_map(|(n, v)| Some((n, v.ok()?))) {
            at_turn.insert(name, value);
            turn_at.insert(name, turn);
        }
        (at_turn, turn_at)
    }

    /// The rep rules broken by this rep: its peaks, or its values at the
    /// turn, past their limits (a rule relative to the first rep: its
    /// change from that rep's value). One flag per fault and metric: a
    /// rule whose fault an earlier rule on the same metric already flagged
    /// on this rep stays quiet.
    fn judge_rep_rules(
        &mut self,
        at_turn: &BTreeMap<&'static str, f32>,
        turn_at: &BTreeMap<&'static str, At>,
    ) -> Vec<InstantFlag> {
        let mut flags: Vec<InstantFlag> = Vec::new();
        for rule in &self.exercise.rep_rules {
            let [lowest, highest] = self
                .rep_peaks
                .get(rule.metric.name())
                .copied()
                .unwrap_or([f32::NAN; 2]);
            let value = match rule.extreme {
                RepExtreme::Highest => highest,
                RepExtreme::Lowest => lowest,
                RepExtreme::AtTurn => at_turn.get(rule.metric.name()).copied().unwrap_or(f32::NAN),
            };
            if value.is_nan() {
                continue;
            }
            let value = match rule.relative_to {
                RepReference::Absolute => value,
                RepReference::FirstRep => match self.first_rep.entry(rule.id.clone()) {
                    Entry::Occupied(first) => value - first.get(),
                    Entry::Vacant(first) => {
                        first.insert(value);
                        continue;
                    }
                },
            };
            let limit = *rule.limit.get_ref();
            let metric = Judged::from(rule.metric);
            let said = flags
                .iter()
                .any(|f| f.fault == rule.fault && f.metric == metric);
            if rule.fires.past(value, limit) && !said {
                flags.push(InstantFlag {
                    at: turn_at.get(rule.metric.name()).copied(),
                    rule: rule.id.clone(),
                    fault: rule.fault,
                    metric,
                    value,
                    limit,
                    message: rule.message.clone(),
                });
            }
        }
        flags
    }

    /// A flag judged on a whole rep: it starts and ends on the rep's last
    /// frame (or the frame it is about).
    fn instant_flag(&mut self, flag: InstantFlag, at: At, events: &mut Vec<Event>) {
        let at = flag.at.unwrap_or(at);
        *self.extra_flags.entry(flag.rule.clone()).or_default() += 1;
        self.rep_flags.push(flag.rule.clone());
        self.last_instant = Some((at.t_ms, flag.message.clone(), flag.fault));
        events.push(Event::FlagStart {
            rule: flag.rule.clone(),
            fault: flag.fault,
            metric: flag.metric,
            value: flag.value,
            limit: flag.limit,
            frame: at.frame,
            t_ms: at.t_ms,
            message: flag.message,
        });
        events.push(Event::FlagEnd {
            rule: flag.rule,
            metric: flag.metric,
            peak: flag.value,
            limit: flag.limit,
            frame: at.frame,
            t_ms: at.t_ms,
            duration_ms: 0.0,
        });
    }

    fn time_hold(
        &mut self,
        m: &Measurements,
        view: View,
        resting: bool,
        at: At,
        events: &mut Vec<Event>,
    ) {
        let Some(def) = &self.exercise.hold else {
            return;
        };
        let position = HoldTimer::position(def, m, MIN_VISIBILITY)
            .filter(|_| self.exercise.view.accepts(view));
        self.started |= position == Some(true);
        let flagged = self.trackers.iter().any(RuleTracker::is_active);
        let frame = match position {
            _ if flagged || resting => HoldFrame::Broken,
            Some(true) => HoldFrame::Correct,
            Some(false) => HoldFrame::Broken,
            None => HoldFrame::Unseen,
        };
        if frame != HoldFrame::Correct {
            self.end_hold(frame, at, events);
            return;
        }
        self.hold.update(HoldFrame::Correct, at.t_ms);
        let max_s = def.max_s.as_ref().map(|m| *m.get_ref());
        if let (Some(max), Some(held)) = (max_s, self.hold.held_s(at.t_ms)) {
            if held > f64::from(max) && !self.hold_too_long {
                self.hold_too_long = true;
                *self.extra_flags.entry(HOLD_RULE.to_string()).or_default() += 1;
                let message = format!("Rest now: hold for at most {max:.0} seconds");
                self.last_instant = Some((at.t_ms, message.clone(), Fault::Tempo));
                events.push(Event::FlagStart {
                    rule: HOLD_RULE.to_string(),
                    fault: Fault::Tempo,
                    metric: Judged::Set(SetQuantity::HoldS),
                    value: held as f32,
                    limit: max,
                    frame: at.frame,
                    t_ms: at.t_ms,
                    message,
                });
            }
        }
    }

    /// Feeds a frame that is not a correct hold; reports the hold if it ends.
    fn end_hold(&mut self, frame: HoldFrame, at: At, events: &mut Vec<Event>) {
        let Some(def) = &self.exercise.hold else {
            return;
        };
        let Some(held) = self.hold.update(frame, at.t_ms) else {
            return;
        };
        if self.hold_too_long {
            self.hold_too_long = false;
            let max = def.max_s.as_ref().map_or(0.0, |m| *m.get_ref());
            events.push(Event::FlagEnd {
                rule: HOLD_RULE.to_string(),
                metric: Judged::Set(SetQuantity::HoldS),
                peak: held as f32,
                limit: max,
                frame: at.frame,
                t_ms: at.t_ms,
                duration_ms: (held - f64::from(max)) * 1000.0,
            });
        }
        if held >= MIN_HOLD_S {
            self.hold_count += 1;
            self.longest_hold_s = self.longest_hold_s.max(held);
            events.push(Event::Hold {
                index: self.hold_count,
                frame: at.frame,
                t_ms: at.t_ms,
                duration_s: held,
                target_s: *def.target_s.get_ref(),
            });
        }
    }

    /// Where the set stands after the last frame pushed.
    pub fn status(&self) -> Status {
        let mut status = Status {
            reps: self.rep_count,
            last_rep: self.last_rep,
            hold: self.exercise.hold.as_ref().map(|def| HoldClock {
                held_s: self.hold.held_s(self.last.t_ms).unwrap_or(0.0),
                target_s: *def.target_s.get_ref(),
                max_s: def.max_s.as_ref().map(|m| *m.get_ref()),
            }),
            ..Status::default()
        };
        let (mut flag, mut blind, mut wrong_view) = (None, None, false);
        // A rule for another plane than the camera's is only a wrong camera
        // when the exercise's own view is wrong too, or nothing is judged
        // or counted from this one (the squat's front-only rotation rules,
        // seen from the side, are not; the hip hinge, whose only rule needs
        // the front, counts its reps from the side).
        let counted = self.exercise.reps.is_some() || self.exercise.hold.is_some();
        let camera_right = self.view.view().is_some_and(|v| {
            self.exercise.view.accepts(v)
                && (counted || self.exercise.rules.iter().any(|r| r.view.accepts(v)))
        });
        for (tracker, rule) in self.trackers.iter().zip(&self.exercise.rules) {
            if tracker.last() == Some(Judgement::NotMeasured) {
                // No gauge for what this run does not measure.
                continue;
            }
            let limit = *rule.limit.get_ref();
            let (value, state) = match tracker.last() {
                Some(Judgement::Seen(v)) if tracker.is_active() => (Some(v), FormState::Flag),
                Some(Judgement::Seen(v)) if tracker.pending() || rule.near_limit(v) => {
                    (Some(v), FormState::Caution)
                }
                Some(Judgement::Seen(v)) => (Some(v), FormState::Fine),
                Some(Judgement::CannotSee) => (None, FormState::CannotSee),
                Some(Judgement::WrongView) if camera_right => (None, FormState::Fine),
                Some(Judgement::WrongView) => {
                    wrong_view = true;
                    (None, FormState::CannotSee)
                }
                Some(Judgement::NoBaseline | Judgement::Resting | Judgement::NotMeasured)
                | None => (None, FormState::Fine),
            };
            if state == FormState::Flag && flag.is_none() {
                flag = Some(rule);
            }
            if tracker.last() == Some(Judgement::CannotSee) && blind.is_none() {
                blind = Some(rule.metric);
            }
            status.gauges.push(Gauge {
                rule: rule.id.clone(),
                metric: rule.metric,
                value,
                limit,
                fires: rule.fires,
                state,
            });
        }
        let worst = |wanted: FormState| status.gauges.iter().any(|g| g.state == wanted);
        if !self.person {
            status.state = FormState::CannotSee;
            status.message = "Can't see you: step into view".into();
        } else if let Some(rule) = flag {
            status.state = FormState::Flag;
            status.fault = Some(rule.fault);
            status.message = rule.message.clone();
        } else if let Some((_, message, fault)) = self.last_instant.as_ref().filter(|(t, ..)| {
            self.hold_too_long || self.last.t_ms.ms_since(*t) < INSTANT_FLAG_SHOWN_MS
        }) {
            status.state = FormState::Flag;
            status.fault = Some(*fault);
            status.message = message.clone();
        } else if let Some(metric) = blind {
            status.state = FormState::CannotSee;
            status.message = blind_hint(metric, self.back_unmeasurable);
        } else if let Some((_, hint)) = self
            .last_blind
            .as_ref()
            .filter(|(t, _)| self.last.t_ms.ms_since(*t) < INSTANT_FLAG_SHOWN_MS)
        {
            status.state = FormState::CannotSee;
            status.message = hint.clone();
        } else if wrong_view {
            status.state = FormState::CannotSee;
            status.message = self.exercise.view.placement_hint().to_string();
            if status.message.is_empty() {
                let needed = self.exercise.rules.iter().map(|r| r.view);
                status.message = needed
                    .map(config::View::placement_hint)
                    .find(|h| !h.is_empty())
                    .unwrap_or_default()
                    .to_string();
            }
        } else if worst(FormState::Caution) {
            status.state = FormState::Caution;
        }
        status
    }

    /// Ends the set: clears open flags and holds, and pushes the summary.
    pub fn finish(mut self, events: &mut Vec<Event>) {
        let at = self.last;
        for (tracker, rule) in self.trackers.iter_mut().zip(&self.exercise.rules) {
            tracker.end(rule, at, events);
        }
        self.end_hold(HoldFrame::Broken, at, events);
        let mut flags = self.extra_flags.clone();
        for (tracker, rule) in self.trackers.iter().zip(&self.exercise.rules) {
            if tracker.raised() > 0 {
                flags.insert(rule.id.clone(), tracker.raised());
            }
        }
        let mut cannot_measure = self.exercise.cannot_measure.clone();
        if self.exercise.judges(Metric::BackBend) && !self.back_ever_read {
            cannot_measure.push(BACK_NOT_READ.to_string());
        }
        events.push(Event::SetSummary {
            exercise: self.exercise.name.clone(),
            frames: self.frames,
            frames_without_person: self.frames_without_person,
            reps: self.rep_count,
            holds: self.hold_count,
            longest_hold_s: self.longest_hold_s,
            flags,
            cannot_measure,
            rep_judgements: self.rep_judgements,
        });
    }
}

/// What to tell the person when `metric` cannot be seen: for the back's
/// outline, why it was not measured (`why`), when known.
fn blind_hint(metric: Metric, why: Option<Unmeasurable>) -> String {
    match (metric, why) {
        (Metric::BackBend, Some(why)) => format!("Can't see your back: {why}"),
        _ => metric.cannot_see_hint(),
    }
}

/// The value of `metric` at the rep's turning point (its deepest,
/// by the primary metric, which falls to it when `lowering`): the median of
/// those seen within [`AT_TURN_FRAMES`] of it. Too few seen: what to tell
/// the person.
fn at_turn_value(lowering: bool, metric: Metric, frames: &[RepFrame]) -> Result<(f32, At), String> {
    let blind = |why| blind_hint(metric, why);
    let deepest = frames
        .iter()
        .enumerate()
        .filter_map(|(i, f)| f.primary.map(|p| (i, p)))
        .min_by(|a, b| {
            let order = a.1.total_cmp(&b.1);
            if lowering {
                order
            } else {
                order.reverse()
            }
        })
        .map(|(i, _)| i);
    let Some(i) = deepest else {
        return Err(blind(None));
    };
    let near =
        &frames[i.saturating_sub(AT_TURN_FRAMES)..(i + AT_TURN_FRAMES + 1).min(frames.len())];
    let mut seen: Vec<f32> = near
        .iter()
        .filter_map(|f| f.measurements.get(metric))
        .filter(|v| v.visibility >= MIN_VISIBILITY)
        .map(|v| v.value)
        .collect();
    if seen.len() < AT_TURN_MIN_SEEN {
        return Err(blind(near.iter().rev().find_map(|f| f.back_unmeasurable)));
    }
    seen.sort_by(f32::total_cmp);
    let mid = seen.len() / 2;
    let median = if seen.len() % 2 == 1 {
        seen[mid]
    } else {
        (seen[mid - 1] + seen[mid]) / 2.0
    };
    Ok((median, frames[i].at))
}
