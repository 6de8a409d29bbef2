//! Repetitions and holds.
//!
//! A rep is counted by hysteresis on the exercise's primary metric: the
//! working phase starts once the metric has gone past `start`, the turning
//! point is reached past `turn`, and the rep ends when the metric is back
//! past `start`; each change needs `min_frames` consecutive frames, and
//! frames where the metric is not seen are skipped. A hold is timed only
//! while the body is in position and no flag is up.

use super::config::{HoldDefinition, RepDefinition};
use super::measure::Measurements;
use crate::time::SourceTime;

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

/// Fraction of a rep's amplitude within which the metric counts as being at
/// the start position or at the turning point, for phase timing.
const PLATEAU_BAND: f32 = 0.10;
/// Movement phases are timed between the plateau bands, over the middle
/// 80 % of the amplitude; this scale turns that time into the whole phase
/// for a movement with the speed profile of a human one. Voluntary
/// movements from rest to rest follow the minimum-jerk profile
/// `10τ³ − 15τ⁴ + 6τ⁵` (Flash & Hogan 1985, J Neurosci 5:1688), which
/// crosses 10 % and 90 % of its amplitude at τ = 0.2466 and 0.7534: the
/// middle 80 % takes 0.5067 of the phase. A movement at steady speed or
/// with a raised-cosine profile reads longer (×1.58 and ×1.17), never
/// shorter: a slow rep is never called fast. (Measured on rendered
/// minimum-jerk reps: a steady-speed scale read a 3.6 s lowering as 2.2 s.)
const PHASE_SCALE: f64 = 1.0 / 0.5067;
/// Longest wait for the metric to settle at the start position after a rep,
/// ms (the rep is reported then at the latest).
const SETTLE_MS: f64 = 2000.0;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Phase {
    AtStart,
    Working,
    AtTurn,
    Returning,
    /// Back past the start threshold; waiting for the metric to settle.
    Settling {
        since: SourceTime,
    },
}

/// Counts reps on one metric.
///
/// Thresholds decide *that* a rep happened; its phases are timed on the
/// rep's own plateaus (within 10% of its amplitude of the start position
/// and of the turning point), so a slow rep is not called fast because the
/// thresholds sit inside its range.
#[derive(Clone, Debug)]
pub struct RepCounter {
    start: f32,
    turn: f32,
    min_frames: u32,
    phase: Phase,
    streak: u32,
    samples: Vec<(SourceTime, f32)>,
}

impl RepCounter {
    /// A counter for `def`.
    pub fn new(def: &RepDefinition) -> Self {
        RepCounter {
            start: *def.start.get_ref(),
            turn: *def.turn.get_ref(),
            min_frames: def.min_frames.max(1),
            phase: Phase::AtStart,
            streak: 0,
            samples: Vec::new(),
        }
    }

    /// Depth of `v` in the working direction (larger is further into the rep).
    fn depth(&self, v: f32) -> f32 {
        if self.turn < self.start {
            -v
        } else {
            v
        }
    }

    /// Whether a rep is under way.
    pub fn in_rep(&self) -> bool {
        self.phase != Phase::AtStart
    }

    /// Feeds one seen value at `t_ms`; returns a rep once it has completed
    /// and the metric has settled at the start position.
    pub fn update(&mut self, v: f32, t_ms: SourceTime) -> Option<RepTiming> {
        let d = self.depth(v);
        let at_start = d <= self.depth(self.start);
        let at_turn = d >= self.depth(self.turn);
        self.samples.push((t_ms, d));
        if let Phase::Settling { since } = self.phase {
            return self.settle(d, t_ms, since);
        }
        let (wanted, next) = match self.phase {
            Phase::AtStart => (!at_start, Phase::Working),
            Phase::Working => (at_turn, Phase::AtTurn),
            Phase::AtTurn => (!at_turn, Phase::Returning),
            Phase::Returning | Phase::Settling { .. } => {
                (at_start, Phase::Settling { since: t_ms })
            }
        };
        if !wanted {
            self.streak = 0;
            match self.phase {
                // Back to the start without reaching the turn: no rep.
                Phase::Working if at_start => self.phase = Phase::AtStart,
                // Keep a few seconds of the start position for timing.
                Phase::AtStart => {
                    let keep_from = t_ms.plus_ms(-3000.0);
                    let old = self
                        .samples
                        .iter()
                        .take_while(|(t, _)| *t < keep_from)
                        .count();
                    self.samples.drain(..old);
                }
                _ => {}
            }
            return None;
        }
        self.streak += 1;
        if self.streak >= self.min_frames {
            self.streak = 0;
            self.phase = next;
        }
        None
    }

    /// After the rep: reports it once the metric stops returning (it is back
    /// at its start plateau, turns into the next rep, or time runs out).
    fn settle(&mut self, d: f32, t_ms: SourceTime, since: SourceTime) -> Option<RepTiming> {
        let bottom = self.samples.iter().map(|s| s.1).fold(f32::MIN, f32::max);
        let top_before = self
            .samples
            .iter()
            .take_while(|s| s.1 < bottom)
            .map(|s| s.1)
            .fold(f32::MAX, f32::min);
        let band = PLATEAU_BAND * (bottom - top_before).max(f32::EPSILON);
        let lowest_since = self
            .samples
            .iter()
            .filter(|s| s.0 >= since)
            .map(|s| s.1)
            .fold(f32::MAX, f32::min);
        let settled =
            d <= top_before + band || d > lowest_since + band || t_ms.ms_since(since) >= SETTLE_MS;
        if !settled {
            return None;
        }
        let timing = self.timing(bottom, top_before, band);
        // The next rep starts from here.
        let last = self.samples.last().copied();
        self.samples.clear();
        self.samples.extend(last);
        self.phase = Phase::AtStart;
        Some(timing)
    }

    fn timing(&self, bottom: f32, top_before: f32, band: f32) -> RepTiming {
        let s = &self.samples;
        let near_bottom = |d: f32| d >= bottom - band;
        let first_bottom = s.iter().position(|x| near_bottom(x.1)).unwrap_or(0);
        let last_bottom = s
            .iter()
            .rposition(|x| near_bottom(x.1))
            .unwrap_or(first_bottom);
        let leave_top = s[..first_bottom]
            .iter()
            .rposition(|x| x.1 <= top_before + band)
            .unwrap_or(0);
        // Back at the start plateau; for a rep that does not come all the
        // way back, at its highest point.
        let after = &s[last_bottom..];
        let highest = after
            .iter()
            .enumerate()
            .min_by(|a, b| a.1 .1.total_cmp(&b.1 .1))
            .map_or(0, |(i, _)| i);
        let reach_top = last_bottom
            + after
                .iter()
                .position(|x| x.1 <= top_before + band)
                .unwrap_or(highest);
        RepTiming {
            eccentric_s: s[first_bottom].0.secs_since(s[leave_top].0) * PHASE_SCALE,
            turn_s: s[last_bottom].0.secs_since(s[first_bottom].0),
            concentric_s: s[reach_top].0.secs_since(s[last_bottom].0) * PHASE_SCALE,
            range: self.depth(bottom),
        }
    }
}

/// Longest stretch, ms, of frames where the position cannot be judged (not
/// visible, no person) that a hold survives.
const HOLD_GAP_MS: f64 = 1000.0;

/// What a frame says about a hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HoldFrame {
    /// In position, no flag up.
    Correct,
    /// Seen out of position, or a flag is up: the hold ends here.
    Broken,
    /// The position cannot be judged on this frame.
    Unseen,
}

/// Times holds of an isometric exercise: only while the posture is correct,
/// bridging short stretches where it cannot be seen.
#[derive(Clone, Debug)]
pub struct HoldTimer {
    since: Option<SourceTime>,
    unseen_since: Option<SourceTime>,
}

impl HoldTimer {
    /// A timer not holding.
    pub fn new() -> Self {
        HoldTimer {
            since: None,
            unseen_since: None,
        }
    }

    /// Whether the body is in the hold's position on a frame: `None` when a
    /// metric it needs is not seen (visibility under `min_visibility`).
    pub fn position(def: &HoldDefinition, m: &Measurements, min_visibility: f32) -> Option<bool> {
        let seen = |metric| m.get(metric).filter(|v| v.visibility >= min_visibility);
        let mut inside = true;
        for check in def.position_checks() {
            inside &= check.holds(seen(check.metric)?.value);
        }
        Some(inside)
    }

    /// Seconds held so far, if holding.
    pub fn held_s(&self, t_ms: SourceTime) -> Option<f64> {
        self.since.map(|s| t_ms.secs_since(s))
    }

    /// Feeds a frame at `t_ms`; returns the duration of a hold that ended.
    pub fn update(&mut self, frame: HoldFrame, t_ms: SourceTime) -> Option<f64> {
        let since = match (self.since, frame) {
            (None, HoldFrame::Correct) => {
                self.since = Some(t_ms);
                return None;
            }
            (None, _) => return None,
            (Some(since), _) => since,
        };
        match frame {
            HoldFrame::Correct => {
                self.unseen_since = None;
                None
            }
            HoldFrame::Unseen => {
                let unseen = *self.unseen_since.get_or_insert(t_ms);
                (t_ms.ms_since(unseen) >= HOLD_GAP_MS).then(|| self.end(since, unseen))
            }
            HoldFrame::Broken => Some(self.end(since, self.unseen_since.unwrap_or(t_ms))),
        }
    }

    fn end(&mut self, since: SourceTime, at: SourceTime) -> f64 {
        self.since = None;
        self.unseen_since = None;
        at.secs_since(since)
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

    fn ms(t: f64) -> SourceTime {
        SourceTime::from_ms(t)
    }
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
            let t = f64::from(i) / 30.0;
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
            reps.extend(c.update(v, SourceTime::from_secs(t)));
        }
        assert_eq!(reps.len(), 2);
        let r = reps[0];
        assert!((r.range - 80.0).abs() < 1e-3);
        // Steady 2 s movements: their middle 80 % (1.6 s) is read as a
        // minimum-jerk phase, 3.16 s; the turn is the 1 s at the bottom
        // plus the two 0.2 s bands around it.
        assert!((r.eccentric_s - 1.6 * PHASE_SCALE).abs() < 0.1, "{r:?}");
        assert!((r.concentric_s - 1.6 * PHASE_SCALE).abs() < 0.1, "{r:?}");
        assert!((r.turn_s - 1.4).abs() < 0.1, "{r:?}");
    }

    #[test]
    fn a_minimum_jerk_phase_is_timed_at_its_length() {
        // 3 s down and 1.5 s up with the minimum-jerk profile, 1 s at each end.
        let mut c = RepCounter::new(&def(150.0, 100.0));
        let min_jerk = |u: f64| u * u * u * (10.0 - 15.0 * u + 6.0 * u * u);
        let mut reps = Vec::new();
        for i in 0..(30 * 13) {
            let t = f64::from(i) / 30.0;
            let phase = t % 6.5;
            let depth = if phase < 1.0 {
                0.0
            } else if phase < 4.0 {
                min_jerk((phase - 1.0) / 3.0)
            } else if phase < 5.0 {
                1.0
            } else {
                1.0 - min_jerk(((phase - 5.0) / 1.5).min(1.0))
            };
            reps.extend(c.update((170.0 - 90.0 * depth) as f32, SourceTime::from_secs(t)));
        }
        let r = reps[0];
        assert!((r.eccentric_s - 3.0).abs() < 0.1, "{r:?}");
        assert!((r.concentric_s - 1.5).abs() < 0.1, "{r:?}");
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
            n += u32::from(
                c.update(v, SourceTime::from_ms(f64::from(i) * 33.3))
                    .is_some(),
            );
        }
        assert_eq!(n, 0);
    }

    #[test]
    fn holds_are_timed_while_correct() {
        let mut h = HoldTimer::new();
        assert_eq!(h.update(HoldFrame::Correct, ms(1000.0)), None);
        assert_eq!(h.held_s(ms(4000.0)), Some(3.0));
        assert_eq!(h.update(HoldFrame::Broken, ms(8000.0)), Some(7.0));
        assert_eq!(h.held_s(ms(9000.0)), None);
    }

    #[test]
    fn a_hold_survives_a_short_unseen_stretch_but_not_a_long_one() {
        let mut h = HoldTimer::new();
        h.update(HoldFrame::Correct, ms(0.0));
        assert_eq!(h.update(HoldFrame::Unseen, ms(2000.0)), None);
        assert_eq!(h.update(HoldFrame::Correct, ms(2500.0)), None);
        // Unseen from 3 s: the hold ends there once 1 s has passed.
        assert_eq!(h.update(HoldFrame::Unseen, ms(3000.0)), None);
        assert_eq!(h.update(HoldFrame::Unseen, ms(4000.0)), Some(3.0));
    }
}
