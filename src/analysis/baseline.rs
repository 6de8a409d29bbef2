//! Capturing the patient's neutral: after a short countdown, the person
//! holds their neutral position for a few seconds and the mean of each
//! measurement becomes their baseline, so that rules relative to the
//! baseline judge movement away from *their* neutral.
//!
//! A capture is refused when the body was not seen for most of the hold or
//! moved too much: a baseline taken while moving would shift every flag.

use std::collections::BTreeMap;

use super::measure::{Measurements, Metric};

/// Seconds of countdown before the hold starts.
pub const COUNTDOWN_S: f64 = 3.0;
/// Seconds the neutral position is held.
pub const HOLD_S: f64 = 5.0;
/// Fraction of the hold's frames in which a metric must be seen for its
/// baseline to be taken.
const MIN_SEEN_FRACTION: f64 = 0.8;
/// Largest standard deviation of an angle during the hold, degrees: more
/// means the person moved.
const MAX_SPREAD_DEG: f32 = 3.0;
/// Visibility a measurement needs to be sampled.
const MIN_VISIBILITY: f32 = 0.5;

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
    started_ms: Option<f64>,
    frames: usize,
    samples: BTreeMap<Metric, Vec<f32>>,
    needed: Vec<Metric>,
}

impl BaselineCapture {
    /// A capture that must at least measure `needed` (the metrics the
    /// exercise's rules judge relative to the baseline).
    pub fn new(needed: Vec<Metric>) -> BaselineCapture {
        BaselineCapture {
            started_ms: None,
            frames: 0,
            samples: BTreeMap::new(),
            needed,
        }
    }

    /// Feeds one frame's measurements (`None` without a person).
    pub fn update(&mut self, t_ms: f64, m: Option<&Measurements>) -> BaselineProgress {
        let started = *self.started_ms.get_or_insert(t_ms);
        let elapsed = (t_ms - started) / 1000.0;
        if elapsed < COUNTDOWN_S {
            return BaselineProgress::Countdown(COUNTDOWN_S - elapsed);
        }
        if elapsed < COUNTDOWN_S + HOLD_S {
            self.frames += 1;
            if let Some(m) = m {
                for metric in Metric::ALL {
                    if let Some(v) = m.get(metric).filter(|v| v.visibility >= MIN_VISIBILITY) {
                        self.samples.entry(metric).or_default().push(v.value);
                    }
                }
            }
            return BaselineProgress::Holding(COUNTDOWN_S + HOLD_S - elapsed);
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
            let n = values.len() as f32;
            let mean = values.iter().sum::<f32>() / n;
            let spread = (values.iter().map(|v| (v - mean).powi(2)).sum::<f32>() / n).sqrt();
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
