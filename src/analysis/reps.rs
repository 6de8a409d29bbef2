//! Repetitions and holds.
//!
//! A rep is counted by hysteresis on the exercise's primary metric: the
//! working phase starts once the metric has gone past `start`, the turning
//! point is reached past `turn`, and the rep ends when the metric is back
//! past `start`; each change needs `min_frames` consecutive frames, and
//! frames where the metric is not seen are skipped. A hold is timed only
//! while the body is in position and no flag is up.

use super::config::{HoldDefinition, RepDefinition};

/// Timing and range of a completed rep.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RepTiming {
    /// From leaving the start position to reaching the turning point, s.
    pub eccentric_s: f64,
    /// At the turning point, s.
    pub turn_s: f64,
    /// From leaving the turning point to the start position, s.
    pub concentric_s: f64,
    /// The furthest value of the metric.
    pub range: f32,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Phase {
    AtStart,
    Working {
        left_start: f64,
    },
    AtTurn {
        left_start: f64,
        reached: f64,
    },
    Returning {
        left_start: f64,
        reached: f64,
        left_turn: f64,
    },
}

/// Counts reps on one metric.
#[derive(Clone, Debug)]
pub struct RepCounter {
    start: f32,
    turn: f32,
    min_frames: u32,
    phase: Phase,
    last_at_start: f64,
    last_at_turn: f64,
    streak: u32,
    streak_start: f64,
    extreme: f32,
}

impl RepCounter {
    /// A counter for `def`.
    pub fn new(def: &RepDefinition) -> Self {
        RepCounter {
            start: *def.start.get_ref(),
            turn: *def.turn.get_ref(),
            min_frames: def.min_frames.max(1),
            phase: Phase::AtStart,
            last_at_start: 0.0,
            last_at_turn: 0.0,
            streak: 0,
            streak_start: 0.0,
            extreme: f32::NAN,
        }
    }

    /// Whether `v` is past `limit` in the working direction.
    fn past(&self, v: f32, limit: f32) -> bool {
        if self.turn < self.start {
            v < limit
        } else {
            v > limit
        }
    }

    /// Whether a rep is under way.
    pub fn in_rep(&self) -> bool {
        self.phase != Phase::AtStart
    }

    /// Feeds one seen value at `t_ms`; returns a rep when one completes.
    pub fn update(&mut self, v: f32, t_ms: f64) -> Option<RepTiming> {
        let at_start = !self.past(v, self.start);
        let at_turn = self.past(v, self.turn);
        if self.in_rep() && (self.extreme.is_nan() || self.past(v, self.extreme)) {
            self.extreme = v;
        }
        // The condition that moves the phase on, and where it goes.
        let (wanted, next) = match self.phase {
            Phase::AtStart => (
                !at_start,
                Phase::Working {
                    left_start: self.last_at_start,
                },
            ),
            Phase::Working { left_start } => (
                at_turn,
                Phase::AtTurn {
                    left_start,
                    reached: t_ms,
                },
            ),
            Phase::AtTurn {
                left_start,
                reached,
            } => (
                !at_turn,
                Phase::Returning {
                    left_start,
                    reached,
                    left_turn: self.last_at_turn,
                },
            ),
            Phase::Returning { .. } => (at_start, Phase::AtStart),
        };
        if at_start {
            self.last_at_start = t_ms;
        }
        if at_turn {
            self.last_at_turn = t_ms;
        }
        if !wanted {
            self.streak = 0;
            // Back to the start without reaching the turn: no rep.
            if matches!(self.phase, Phase::Working { .. }) && at_start {
                self.phase = Phase::AtStart;
                self.extreme = f32::NAN;
            }
            return None;
        }
        if self.streak == 0 {
            self.streak_start = t_ms;
        }
        self.streak += 1;
        if self.streak < self.min_frames {
            return None;
        }
        self.streak = 0;
        // Changes are dated from the first frame of the confirming streak.
        let (next, done) = match (self.phase, next) {
            (
                Phase::Returning {
                    left_start,
                    reached,
                    left_turn,
                },
                Phase::AtStart,
            ) => (
                Phase::AtStart,
                Some(RepTiming {
                    eccentric_s: (reached - left_start) / 1000.0,
                    turn_s: (left_turn - reached) / 1000.0,
                    concentric_s: (self.streak_start - left_turn) / 1000.0,
                    range: self.extreme,
                }),
            ),
            (_, Phase::AtTurn { left_start, .. }) => (
                Phase::AtTurn {
                    left_start,
                    reached: self.streak_start,
                },
                None,
            ),
            (_, next) => (next, None),
        };
        self.phase = next;
        if done.is_some() {
            self.extreme = f32::NAN;
        }
        if matches!(next, Phase::Working { .. }) {
            self.extreme = v;
        }
        done
    }
}

/// Times holds of an isometric exercise.
#[derive(Clone, Debug)]
pub struct HoldTimer {
    since: Option<f64>,
}

impl HoldTimer {
    /// A timer not holding.
    pub fn new() -> Self {
        HoldTimer { since: None }
    }

    /// Whether `v` is in position for `def`.
    pub fn in_position(def: &HoldDefinition, v: f32) -> bool {
        def.above.is_none_or(|a| v > a) && def.below.is_none_or(|b| v < b)
    }

    /// Seconds held so far, if holding.
    pub fn held_s(&self, t_ms: f64) -> Option<f64> {
        self.since.map(|s| (t_ms - s) / 1000.0)
    }

    /// Feeds whether the posture is correct at `t_ms`; returns the duration
    /// of a hold that just ended.
    pub fn update(&mut self, correct: bool, t_ms: f64) -> Option<f64> {
        match (self.since, correct) {
            (None, true) => {
                self.since = Some(t_ms);
                None
            }
            (Some(s), false) => {
                self.since = None;
                Some((t_ms - s) / 1000.0)
            }
            _ => None,
        }
    }
}

impl Default for HoldTimer {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use toml::Spanned;

    fn def(start: f32, turn: f32) -> RepDefinition {
        RepDefinition {
            metric: super::super::measure::Metric::KneeAngle,
            start: Spanned::new(0..0, start),
            turn: Spanned::new(0..0, turn),
            min_frames: 3,
            eccentric_min_s: None,
            concentric_min_s: None,
            tempo_source: None,
        }
    }

    #[test]
    fn counts_reps_and_times_their_phases() {
        // Knee 170° → 80° over 2 s, 1 s at the bottom, back up over 2 s, 1 s rest.
        let mut c = RepCounter::new(&def(150.0, 100.0));
        let mut reps = Vec::new();
        for i in 0..(30 * 12) {
            let t = i as f64 / 30.0;
            let phase = t % 6.0;
            let v = if phase < 2.0 {
                170.0 - 45.0 * phase
            } else if phase < 3.0 {
                80.0
            } else if phase < 5.0 {
                80.0 + 45.0 * (phase - 3.0)
            } else {
                170.0
            } as f32;
            reps.extend(c.update(v, t * 1000.0));
        }
        assert_eq!(reps.len(), 2);
        let r = reps[0];
        assert!((r.range - 80.0).abs() < 1e-3);
        // 170→150 takes 0.44 s; 150→100 takes 1.1 s; the turn 100→100 back.
        assert!((r.eccentric_s - 1.11).abs() < 0.1, "{r:?}");
        assert!((r.concentric_s - 1.11).abs() < 0.1, "{r:?}");
        assert!((r.turn_s - 1.89).abs() < 0.1, "{r:?}");
    }

    #[test]
    fn a_half_rep_or_jitter_is_not_a_rep() {
        let mut c = RepCounter::new(&def(150.0, 100.0));
        let mut n = 0;
        for i in 0..300 {
            // Jitter around the start threshold, and a dip that never turns.
            let v = if i < 100 {
                150.0 + if i % 2 == 0 { 2.0 } else { -2.0 }
            } else if i < 200 {
                120.0
            } else {
                170.0
            };
            n += c.update(v, i as f64 * 33.3).is_some() as u32;
        }
        assert_eq!(n, 0);
    }

    #[test]
    fn holds_are_timed_while_correct() {
        let mut h = HoldTimer::new();
        assert_eq!(h.update(true, 1000.0), None);
        assert_eq!(h.held_s(4000.0), Some(3.0));
        assert_eq!(h.update(false, 8000.0), Some(7.0));
        assert_eq!(h.held_s(9000.0), None);
    }
}
