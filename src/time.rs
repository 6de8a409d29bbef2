//! Time on the source's clock. Every frame carries the moment it was taken,
//! counted from the start of its source (a file's first frame, a camera's
//! first grab); events, tracks, metrics and the store keep that moment, so
//! a flag in the report points at the frame of the recording it came from.
//!
//! Files and the database hold it as a number of milliseconds (`t_ms`);
//! in code it is a [`SourceTime`], never a bare number, so that seconds and
//! milliseconds cannot be mixed up. Work times (how long a stage took) are
//! [`std::time::Duration`]s.

use serde::{Deserialize, Serialize};

/// A moment on the source's clock, in milliseconds since the source
/// started (serialised as that number).
#[derive(Clone, Copy, Debug, Default, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SourceTime(f64);

impl SourceTime {
    /// The source's first moment.
    pub const START: SourceTime = SourceTime(0.0);

    /// The moment `ms` milliseconds after the start.
    #[inline]
    pub const fn from_ms(ms: f64) -> SourceTime {
        SourceTime(ms)
    }

    /// The moment `s` seconds after the start.
    #[inline]
    pub fn from_secs(s: f64) -> SourceTime {
        SourceTime(s * 1000.0)
    }

    /// Milliseconds since the start.
    #[inline]
    pub const fn ms(self) -> f64 {
        self.0
    }

    /// Seconds since the start.
    #[inline]
    pub fn secs(self) -> f64 {
        self.0 / 1000.0
    }

    /// Microseconds since the start, rounded (the pose engine's timestamps).
    #[inline]
    pub fn micros(self) -> i64 {
        (self.0 * 1000.0).round() as i64
    }

    /// Milliseconds from `earlier` to this moment (negative when `earlier`
    /// is later).
    #[inline]
    pub fn ms_since(self, earlier: SourceTime) -> f64 {
        self.0 - earlier.0
    }

    /// Seconds from `earlier` to this moment (negative when `earlier` is
    /// later).
    #[inline]
    pub fn secs_since(self, earlier: SourceTime) -> f64 {
        self.ms_since(earlier) / 1000.0
    }

    /// The moment `ms` milliseconds after this one.
    #[inline]
    pub fn plus_ms(self, ms: f64) -> SourceTime {
        SourceTime(self.0 + ms)
    }

    /// The later of the two.
    #[inline]
    pub fn max(self, other: SourceTime) -> SourceTime {
        SourceTime(self.0.max(other.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_convert_and_subtract_in_the_units_they_name() {
        let a = SourceTime::from_secs(1.5);
        assert_eq!(a.ms(), 1500.0);
        assert_eq!(a.micros(), 1_500_000);
        let b = a.plus_ms(250.0);
        assert_eq!(b.ms_since(a), 250.0);
        assert_eq!(a.secs_since(b), -0.25);
        assert_eq!(serde_json::to_string(&b).unwrap(), "1750.0");
        let back: SourceTime = serde_json::from_str("33.3").unwrap();
        assert_eq!(back, SourceTime::from_ms(33.3));
        assert!(SourceTime::START < a);
    }
}
