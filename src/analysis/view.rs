//! Which plane the camera sees, with hysteresis so that it does not flicker.
//!
//! From the image alone: seen from the side, the shoulders and hips overlap
//! (their width in the image is small against the trunk's length); seen from
//! the front or back, they are wide.

use super::config::View;
use super::measure::{Measurements, Metric};

/// Width/length ratio below which the camera sees the body from the side.
const SIDE_BELOW: f32 = 0.35;
/// Width/length ratio above which it sees the body from the front or back.
const FRONT_ABOVE: f32 = 0.55;
/// Consecutive frames a new view must persist to be adopted.
const VIEW_FRAMES: u32 = 10;
/// Landmarks must be at least this visible to judge the view.
const MIN_VISIBILITY: f32 = 0.5;

/// The view of the camera, held until another persists.
#[derive(Clone, Debug, Default)]
pub struct ViewTracker {
    current: Option<View>,
    candidate: Option<(View, u32)>,
}

/// The view one frame suggests.
fn classify(m: &Measurements) -> Option<View> {
    let ratio = m
        .get(Metric::ShoulderWidthRatio)
        .filter(|r| r.visibility >= MIN_VISIBILITY)?;
    Some(if ratio.value < SIDE_BELOW {
        View::Side
    } else if ratio.value > FRONT_ABOVE {
        View::Front
    } else {
        View::Oblique
    })
}

impl ViewTracker {
    /// The adopted view, `None` until one has persisted.
    pub fn view(&self) -> Option<View> {
        self.current
    }

    /// Feeds a frame; returns the new view when it changes.
    pub fn update(&mut self, m: &Measurements) -> Option<View> {
        let seen = classify(m)?;
        if Some(seen) == self.current {
            self.candidate = None;
            return None;
        }
        let count = match self.candidate {
            Some((v, n)) if v == seen => n + 1,
            _ => 1,
        };
        self.candidate = Some((seen, count));
        // The first view is adopted at once; a change must persist.
        if self.current.is_none() || count >= VIEW_FRAMES {
            self.current = Some(seen);
            self.candidate = None;
            return self.current;
        }
        None
    }
}
