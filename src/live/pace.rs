//! Whether the live run keeps up with its source. A camera does not wait:
//! when the machine is slower than the frames come, the pipeline drops the
//! stale ones (and counts them). A patient on a slow laptop would otherwise
//! see a jumpy, late picture without knowing why, so every few seconds the
//! share of frames dropped is looked at, and a run that falls behind says
//! so, with what would keep up.

use std::time::{Duration, Instant};

/// The stretch over which the share dropped is judged.
const STRETCH: Duration = Duration::from_secs(5);

/// The share of a stretch's frames dropped above which the run says so:
/// twice the live budget of 1 % (`BENCHMARKS.md`), so that a single late
/// frame in a stretch says nothing.
const TOO_MANY: f64 = 0.02;

/// The least time between two warnings.
const QUIET: Duration = Duration::from_secs(30);

/// The frames read and dropped at the start of the current stretch.
#[derive(Debug)]
pub struct Pace {
    since: Instant,
    read: u64,
    dropped: u64,
    warned: Option<Instant>,
}

/// A stretch with too many frames dropped.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FallingBehind {
    /// The share of the stretch's frames dropped, 0–1.
    pub share: f64,
}

impl FallingBehind {
    /// What the window shows.
    pub fn short(self) -> String {
        format!(
            "Falling behind: {:.0}% of frames dropped",
            self.share * 100.0
        )
    }

    /// What the terminal says: the same, and what would keep up.
    pub fn advice(self) -> String {
        format!(
            "{} in the last {} s: this computer cannot keep up with the camera; a lower camera \
             resolution (--resolution 1280x720 or 640x480) or the lite model (--model lite) \
             would, and closing other programs helps",
            self.short(),
            STRETCH.as_secs()
        )
    }
}

impl Pace {
    /// Starts the first stretch at `now`.
    pub fn new(now: Instant) -> Pace {
        Pace {
            since: now,
            read: 0,
            dropped: 0,
            warned: None,
        }
    }

    /// Given the frames `read` and `dropped` since the run began, at `now`:
    /// when a stretch has just ended with too many dropped, and the run has
    /// not said so lately, what to say.
    pub fn check(&mut self, now: Instant, read: u64, dropped: u64) -> Option<FallingBehind> {
        if now.saturating_duration_since(self.since) < STRETCH {
            return None;
        }
        let frames = read.saturating_sub(self.read);
        let lost = dropped.saturating_sub(self.dropped);
        (self.since, self.read, self.dropped) = (now, read, dropped);
        let share = if frames == 0 {
            0.0
        } else {
            lost as f64 / frames as f64
        };
        let quiet = self
            .warned
            .is_some_and(|at| now.saturating_duration_since(at) < QUIET);
        if share <= TOO_MANY || quiet {
            return None;
        }
        self.warned = Some(now);
        Some(FallingBehind { share })
    }

    /// Whether a stretch of this run has dropped too many frames (the
    /// first such stretch is always said).
    pub fn fell_behind(&self) -> bool {
        self.warned.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_that_drops_too_many_says_so_once_in_a_while() {
        let start = Instant::now();
        let at = |s: u64| start + Duration::from_secs(s);
        let mut pace = Pace::new(start);
        // 150 frames a stretch: 1 dropped is 0.7 %, 15 are 10 %.
        assert_eq!(pace.check(at(2), 60, 10), None, "mid-stretch");
        assert_eq!(pace.check(at(5), 150, 1), None);
        assert!(!pace.fell_behind());
        let behind = pace.check(at(10), 300, 16).unwrap();
        assert!((behind.share - 0.1).abs() < 1e-9, "{behind:?}");
        assert_eq!(behind.short(), "Falling behind: 10% of frames dropped");
        assert!(behind.advice().contains("--model lite"));
        // Still behind, but said 5 s ago: quiet for 30 s.
        assert_eq!(pace.check(at(15), 450, 31), None);
        assert_eq!(
            pace.check(at(40), 1200, 106),
            Some(FallingBehind { share: 0.1 })
        );
        // Caught up, but the run has fallen behind once.
        assert_eq!(pace.check(at(75), 2250, 106), None);
        assert!(pace.fell_behind());
    }
}
