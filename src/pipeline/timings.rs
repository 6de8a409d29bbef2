//! Per-stage timings, dropped frames and glass-to-flag latency, gathered
//! from the assessments as they reach the sinks.

use std::fmt;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::messages::Assessment;

/// Median, 95th percentile and maximum of a series, ms.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Spread {
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
    /// Largest.
    pub max: f64,
}

impl Spread {
    /// The spread of `samples` (sorted in place); zeros when empty.
    pub fn of(samples: &mut [f64]) -> Spread {
        if samples.is_empty() {
            return Spread::default();
        }
        samples.sort_by(f64::total_cmp);
        let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
        Spread {
            p50: at(0.5),
            p95: at(0.95),
            max: samples[samples.len() - 1],
        }
    }
}

impl fmt::Display for Spread {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "p50 {:.1} / p95 {:.1} / max {:.1} ms",
            self.p50, self.p95, self.max
        )
    }
}

/// A run's figures.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct TimingSummary {
    /// Frames read from the source.
    pub frames_read: u64,
    /// Frames assessed.
    pub frames_assessed: u64,
    /// Frames dropped because a newer one arrived first (live sources).
    pub frames_dropped: u64,
    /// Assessed frames per second of wall-clock time.
    pub fps: f64,
    /// Reading and decoding a frame.
    pub read_ms: Spread,
    /// The pose engine.
    pub pose_ms: Spread,
    /// The analysis.
    pub analysis_ms: Spread,
    /// The sinks (window, video, events) on the caller's thread.
    pub sinks_ms: Spread,
    /// From the frame entering the pipeline to its assessment being ready.
    pub latency_ms: Spread,
}

impl fmt::Display for TimingSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} frames read, {} assessed, {} dropped ({:.1}%), {:.1} frames/s",
            self.frames_read,
            self.frames_assessed,
            self.frames_dropped,
            100.0 * self.frames_dropped as f64 / (self.frames_read.max(1)) as f64,
            self.fps
        )?;
        writeln!(f, "  read      {}", self.read_ms)?;
        writeln!(f, "  pose      {}", self.pose_ms)?;
        writeln!(f, "  analysis  {}", self.analysis_ms)?;
        writeln!(f, "  sinks     {}", self.sinks_ms)?;
        write!(f, "  capture→assessment latency {}", self.latency_ms)
    }
}

/// Collects timings frame by frame.
#[derive(Debug)]
pub struct Timings {
    started: Instant,
    read: Vec<f64>,
    pose: Vec<f64>,
    analysis: Vec<f64>,
    sinks: Vec<f64>,
    latency: Vec<f64>,
    /// When the last question to the person was answered.
    answered: Option<Instant>,
}

impl Default for Timings {
    fn default() -> Self {
        Timings {
            started: Instant::now(),
            read: Vec::new(),
            pose: Vec::new(),
            analysis: Vec::new(),
            sinks: Vec::new(),
            latency: Vec::new(),
            answered: None,
        }
    }
}

impl Timings {
    /// Records an assessment as it arrives.
    pub fn assessed(&mut self, a: &Assessment) {
        self.read.push(ms(a.frame.read));
        self.pose.push(ms(a.pose_time));
        self.analysis.push(ms(a.analysis_time));
        // A frame that waited behind a question tells nothing of the
        // pipeline's latency.
        if self.answered.is_none_or(|at| a.frame.captured >= at) {
            self.latency.push(ms(a.latency()));
        }
    }

    /// A question to the person was answered at `at`: the frames captured
    /// before it waited for the answer, so their latency is not counted.
    pub fn question_answered(&mut self, at: Instant) {
        self.answered = Some(at);
    }

    /// Records the time the sinks took over a frame.
    pub fn sinks(&mut self, took: Duration) {
        self.sinks.push(ms(took));
    }

    /// The last `n` frames' figures, for the on-screen display.
    pub fn recent(&self, n: usize) -> String {
        let tail = |v: &[f64]| {
            let mut t = v[v.len().saturating_sub(n)..].to_vec();
            Spread::of(&mut t).p50
        };
        format!(
            "read {:.1} ms  pose {:.1} ms  analysis {:.2} ms  sinks {:.1} ms  latency {:.1} ms",
            tail(&self.read),
            tail(&self.pose),
            tail(&self.analysis),
            tail(&self.sinks),
            tail(&self.latency)
        )
    }

    /// The figures so far.
    pub fn summary(&self, frames_read: u64, frames_dropped: u64) -> TimingSummary {
        let secs = self.started.elapsed().as_secs_f64().max(1e-9);
        TimingSummary {
            frames_read,
            frames_assessed: self.latency.len() as u64,
            frames_dropped,
            fps: self.latency.len() as f64 / secs,
            read_ms: Spread::of(&mut self.read.clone()),
            pose_ms: Spread::of(&mut self.pose.clone()),
            analysis_ms: Spread::of(&mut self.analysis.clone()),
            sinks_ms: Spread::of(&mut self.sinks.clone()),
            latency_ms: Spread::of(&mut self.latency.clone()),
        }
    }
}

/// `d` in milliseconds, the unit every figure here is kept and shown in.
fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_of_one_to_a_hundred() {
        let mut v: Vec<f64> = (1..=100).rev().map(f64::from).collect();
        let s = Spread::of(&mut v);
        assert_eq!((s.p50, s.p95, s.max), (51.0, 95.0, 100.0));
        assert_eq!(Spread::of(&mut []), Spread::default());
    }
}
