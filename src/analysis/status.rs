//! Where a set stands right now, for a live display: the form state, the one
//! message to show, the rule gauges, reps, tempo and the hold timer.
//!
//! Events say what changed; a [`Status`] says what is, so that a window can
//! be drawn from any single frame.

use serde::Serialize;

use super::config::{Direction, Fault};
use super::measure::Metric;

/// The state the skeleton is drawn in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FormState {
    /// Every rule that can be judged is inside its limit.
    #[default]
    Fine,
    /// A rule's limit is exceeded but not yet for its minimum duration, or
    /// a value is within its hysteresis of the limit.
    Caution,
    /// A flag is up.
    Flag,
    /// The person, or the joints a rule needs, cannot be seen, or the
    /// camera is placed for another plane.
    CannotSee,
}

/// One rule as a gauge: its value against its limit.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Gauge {
    /// Rule id.
    pub rule: String,
    /// The metric.
    pub metric: Metric,
    /// The value judged (relative to the baseline where the rule is), when
    /// it could be judged.
    pub value: Option<f32>,
    /// The limit.
    pub limit: f32,
    /// Which way is wrong.
    pub fires: Direction,
    /// This rule's state.
    pub state: FormState,
}

/// The last completed rep's tempo against its target.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Tempo {
    /// Lowering phase, seconds.
    pub eccentric_s: f64,
    /// Lifting phase, seconds.
    pub concentric_s: f64,
    /// Slowest acceptable lowering, seconds.
    pub eccentric_min_s: Option<f32>,
    /// Slowest acceptable lifting, seconds.
    pub concentric_min_s: Option<f32>,
}

/// The hold being timed.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct HoldClock {
    /// Held correctly so far, seconds (0 when not in position).
    pub held_s: f64,
    /// Target, seconds.
    pub target_s: f32,
    /// Longest allowed, seconds.
    pub max_s: Option<f32>,
}

/// The set at the current frame.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Status {
    /// The worst state of any rule; [`FormState::CannotSee`] without a person.
    pub state: FormState,
    /// The fault behind the message, when a flag is up.
    pub fault: Option<Fault>,
    /// The one message to show: the flag's, else what cannot be seen, else
    /// where to put the camera; empty when all is well.
    pub message: String,
    /// One gauge per rule.
    pub gauges: Vec<Gauge>,
    /// Completed reps.
    pub reps: u32,
    /// The last rep's tempo.
    pub last_rep: Option<Tempo>,
    /// The hold, for isometric exercises.
    pub hold: Option<HoldClock>,
}
