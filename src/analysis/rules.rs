//! Rules turned into flags: a limit exceeded for a minimum duration raises a
//! flag, a return inside the limit by the hysteresis margin clears it, and
//! nothing is judged on landmarks the model cannot see or from a camera
//! placed for another plane.

use super::config::{Direction, Reference, Rule, View};
use super::events::Event;
use super::measure::Measurement;
use crate::time::SourceTime;

/// Where a rule stands on a frame.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Judgement {
    /// Judged; the value (relative to the baseline where the rule says so).
    Seen(f32),
    /// The landmarks are not visible enough.
    CannotSee,
    /// The camera does not have the rule's view.
    WrongView,
    /// The rule needs a baseline that is not known yet.
    NoBaseline,
    /// The body is not in the exercise's position (set-up, get-in, a rest):
    /// nothing is judged.
    Resting,
    /// This run does not measure the rule's metric at all (the back's
    /// outline without the segmentation): nothing is judged, and the set
    /// summary says so.
    NotMeasured,
}

/// A rule's flag state over a set.
#[derive(Clone, Debug, Default)]
pub struct RuleTracker {
    last: Option<Judgement>,
    violating_since: Option<SourceTime>,
    active: Option<(SourceTime, f32)>,
    blind: bool,
    raised: u32,
}

/// The frame a judgement is made on.
#[derive(Clone, Copy, Debug)]
pub struct At {
    /// Frame index.
    pub frame: u64,
    /// Frame time, ms.
    pub t_ms: SourceTime,
}

fn worse(direction: Direction, a: f32, b: f32) -> f32 {
    match direction {
        Direction::Above => a.max(b),
        Direction::Below => a.min(b),
        Direction::Beyond => {
            if a.abs() >= b.abs() {
                a
            } else {
                b
            }
        }
    }
}

impl RuleTracker {
    /// How `rule` stands given the frame's measurement, camera view (`None`
    /// while not known) and baseline.
    pub fn judge(
        rule: &Rule,
        value: Option<Measurement>,
        view: Option<View>,
        baseline: Option<f32>,
    ) -> Judgement {
        // A known view for another plane comes first: the landmarks a front
        // rule needs are often hidden from the side, and that is not the
        // person's to fix. While the view is unknown, what cannot be seen is
        // said first: the view itself may be unknown because of it.
        if view.is_some_and(|v| !rule.view.accepts(v)) {
            return Judgement::WrongView;
        }
        let Some(m) = value.filter(|m| m.visibility >= *rule.min_visibility.get_ref()) else {
            return Judgement::CannotSee;
        };
        if view.is_none() && rule.view != View::Any {
            return Judgement::WrongView;
        }
        match (rule.relative_to, baseline) {
            (Reference::Absolute, _) => Judgement::Seen(m.value),
            (Reference::Baseline, Some(b)) => Judgement::Seen(rule.metric.change(m.value, b)),
            (Reference::Baseline, None) => Judgement::NoBaseline,
        }
    }

    /// Whether the flag is up.
    pub fn is_active(&self) -> bool {
        self.active.is_some()
    }

    /// The last frame's judgement.
    pub fn last(&self) -> Option<Judgement> {
        self.last
    }

    /// Whether the limit is exceeded but not yet for the minimum duration.
    pub fn pending(&self) -> bool {
        self.violating_since.is_some() && self.active.is_none()
    }

    /// How many times the flag was raised.
    pub fn raised(&self) -> u32 {
        self.raised
    }

    /// Advances the rule by one frame, pushing any event.
    pub fn update(&mut self, rule: &Rule, judgement: Judgement, at: At, events: &mut Vec<Event>) {
        let limit = *rule.limit.get_ref();
        let hysteresis = *rule.hysteresis.get_ref();
        self.last = Some(judgement);
        let Judgement::Seen(v) = judgement else {
            // Unjudgeable: drop any flag and pending violation.
            self.end(rule, at, events);
            self.violating_since = None;
            if judgement == Judgement::CannotSee && !self.blind {
                events.push(Event::CannotSee {
                    rule: rule.id.clone(),
                    metric: rule.metric,
                    frame: at.frame,
                    t_ms: at.t_ms,
                    hint: rule.metric.cannot_see_hint(),
                });
            }
            self.blind = judgement == Judgement::CannotSee;
            return;
        };
        self.blind = false;
        let violating = rule.exceeded_by(v);
        let cleared = match rule.fires {
            Direction::Above => v < limit - hysteresis,
            Direction::Below => v > limit + hysteresis,
            Direction::Beyond => v.abs() < limit - hysteresis,
        };
        if let Some((start, peak)) = self.active {
            self.active = Some((start, worse(rule.fires, peak, v)));
            if cleared {
                self.end(rule, at, events);
            }
            return;
        }
        if !violating {
            self.violating_since = None;
            return;
        }
        let since = *self.violating_since.get_or_insert(at.t_ms);
        if at.t_ms.secs_since(since) + 1e-9 >= f64::from(*rule.min_duration_s.get_ref()) {
            self.active = Some((at.t_ms, v));
            self.raised += 1;
            events.push(Event::FlagStart {
                rule: rule.id.clone(),
                fault: rule.fault,
                metric: rule.metric.into(),
                value: v,
                limit,
                frame: at.frame,
                t_ms: at.t_ms,
                message: rule.message.clone(),
            });
        }
    }

    /// Clears the flag if it is up.
    pub fn end(&mut self, rule: &Rule, at: At, events: &mut Vec<Event>) {
        if let Some((start, peak)) = self.active.take() {
            self.violating_since = None;
            events.push(Event::FlagEnd {
                rule: rule.id.clone(),
                metric: rule.metric.into(),
                peak,
                limit: *rule.limit.get_ref(),
                frame: at.frame,
                t_ms: at.t_ms,
                duration_ms: at.t_ms.ms_since(start),
            });
        }
    }
}
