//! Capturing the patient's neutral: after a short countdown, the person
//! holds their neutral position for a few seconds and the mean of each
//! measurement becomes their baseline, so that rules relative to the
//! baseline judge movement away from *their* neutral.
//!
//! A capture is refused when the body was not seen for most of the hold or
//! moved too much: a baseline taken while moving would shift every flag.

use std::collections::BTreeMap;

use super::measure::{Measurements, Metric, MIN_VISIBILITY};
use crate::time::SourceTime;

/// Seconds of countdown before the hold starts, live.
pub const COUNTDOWN_S: f64 = 3.0;
/// Seconds the neutral position is held.
pub const HOLD_S: f64 = 5.0;
/// Fraction of the hold's frames in which a metric must be seen for its
/// baseline to be taken.
const MIN_SEEN_FRACTION: f64 = 0.8;
/// Largest standard deviation of an angle during the hold, degrees: more
/// means the person moved.
const MAX_SPREAD_DEG: f32 = 3.0;

/// Where a capture stands after a frame.
#[derive(Clone, Debug, PartialEq)]
pub enum BaselineProgress {
    /// Counting down to the hold: seconds left.
    Countdown(f64),
    /// Holding: seconds left.
    Holding(f64),
    /// Done: the baseline of every metric seen steadily throughout.
    Done(BTreeMap<Metric, f32>),
    /// Refused, and why (for the person).
    Failed(String),
}

/// One capture of the neutral baseline.
#[derive(Clone, Debug)]
pub struct BaselineCapture {
    countdown_s: f64,
    started: Option<SourceTime>,
    frames: usize,
    samples: BTreeMap<Metric, Vec<f32>>,
    needed: Vec<Metric>,
}

impl BaselineCapture {
    /// A capture that must at least measure `needed` (the metrics the
    /// exercise's rules judge relative to the baseline), whose hold starts
    /// `countdown_s` after its first frame.
    pub fn new(needed: Vec<Metric>, countdown_s: f64) -> BaselineCapture {
        BaselineCapture {
            countdown_s,
            started: None,
            frames: 0,
            samples: BTreeMap::new(),
            needed,
        }
    }

    /// Replaces the metrics the capture must see (the rules' needs change
    /// once the camera's view is known).
    pub fn set_needed(&mut self, needed: Vec<Metric>) {
        self.needed = needed;
    }

    /// Feeds one frame's measurements (`None` without a person).
    pub fn update(&mut self, t_ms: SourceTime, m: Option<&Measurements>) -> BaselineProgress {
        let started = *self.started.get_or_insert(t_ms);
        let elapsed = t_ms.secs_since(started);
        if elapsed < self.countdown_s {
            return BaselineProgress::Countdown(self.countdown_s - elapsed);
        }
        if elapsed < self.countdown_s + HOLD_S {
            self.frames += 1;
            if let Some(m) = m {
                for metric in Metric::ALL {
                    if let Some(v) = m.get(metric).filter(|v| v.visibility >= MIN_VISIBILITY) {
                        self.samples.entry(metric).or_default().push(v.value);
                    }
                }
            }
            return BaselineProgress::Holding(self.countdown_s + HOLD_S - elapsed);
        }
        self.finish()
    }

    fn finish(&self) -> BaselineProgress {
        let enough = (self.frames as f64 * MIN_SEEN_FRACTION).ceil() as usize;
        let mut baseline = BTreeMap::new();
        for (&metric, values) in &self.samples {
            if values.len() < enough.max(1) {
                continue;
            }
            let Some(mean) = metric.mean(values) else {
                continue;
            };
            let n = values.len() as f32;
            let spread = (values
                .iter()
                .map(|v| metric.change(*v, mean).powi(2))
                .sum::<f32>()
                / n)
                .sqrt();
            if metric.is_angle() && spread > MAX_SPREAD_DEG {
                if self.needed.contains(&metric) {
                    return BaselineProgress::Failed(format!(
                        "You moved while holding neutral ({} varied by {spread:.1}°): hold still and try again",
                        metric.name()
                    ));
                }
                continue;
            }
            baseline.insert(metric, mean);
        }
        if let Some(missing) = self.needed.iter().find(|m| !baseline.contains_key(m)) {
            return BaselineProgress::Failed(missing.cannot_see_hint());
        }
        BaselineProgress::Done(baseline)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(trunk: f32) -> Measurements {
        let mut m = Measurements::default();
        m.set(Metric::TrunkDirection, Some(trunk), 0.9);
        m
    }

    fn capture(values: impl Fn(usize) -> Option<f32>) -> BaselineProgress {
        let mut c = BaselineCapture::new(vec![Metric::TrunkDirection], 1.0);
        let mut last = BaselineProgress::Countdown(1.0);
        for i in 0..=(7.0 * 30.0) as usize {
            let m = values(i).map(frame);
            last = c.update(SourceTime::from_ms(i as f64 * 1000.0 / 30.0), m.as_ref());
            if matches!(
                last,
                BaselineProgress::Done(_) | BaselineProgress::Failed(_)
            ) {
                break;
            }
        }
        last
    }

    #[test]
    fn a_still_hold_gives_its_mean_after_the_countdown() {
        // Moving during the countdown does not matter.
        let got = capture(|i| Some(if i < 30 { 40.0 } else { 10.0 + (i % 2) as f32 }));
        let BaselineProgress::Done(b) = got else {
            panic!("{got:?}")
        };
        assert!((b[&Metric::TrunkDirection] - 10.5).abs() < 0.05, "{b:?}");
    }

    #[test]
    fn moving_or_unseen_holds_are_refused() {
        let moved = capture(|i| Some(i as f32 * 0.2));
        assert!(
            matches!(moved, BaselineProgress::Failed(ref m) if m.contains("hold still")),
            "{moved:?}"
        );
        let unseen = capture(|i| (i % 2 == 0).then_some(10.0));
        assert!(
            matches!(unseen, BaselineProgress::Failed(ref m) if m.contains("Can't see")),
            "{unseen:?}"
        );
    }
}
