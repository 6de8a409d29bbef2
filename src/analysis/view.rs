//! Which plane the camera sees and how the body lies, each held with
//! hysteresis so that they do not flicker.
//!
//! From the image alone: seen from the side, the shoulders overlap (their
//! width in the image is small against the trunk's length); seen from the
//! front or back, they are wide. The body's orientation comes from the
//! trunk's angle to the vertical, the hip and knee angles, and, lying down,
//! from which way the face points and where the hips are.

use super::config::View;
use serde::{Deserialize, Serialize};

use super::measure::{Measurements, Metric, MIN_VISIBILITY};
use crate::body::{Joint, Pose};

/// Width/length ratio below which the camera sees the body from the side.
const SIDE_BELOW: f32 = 0.35;
/// Width/length ratio above which it sees the body from the front or back.
const FRONT_ABOVE: f32 = 0.55;
/// Shoulder width over hip width between the joint centres the landmarks
/// mark (biacromial ≈ 0.33 m, hip joints ≈ 0.17 m in adults): scales the
/// hips' width in the image to the shoulders'.
const SHOULDERS_OVER_HIPS: f32 = 1.9;

/// How squarely the camera faces the trunk's front or back, 0–1, from the
/// widths of the shoulders and of the hips in the image over the trunk's
/// length (`None` when the trunk has no length): 0 at or below the side
/// view's ratio, 1 at or above the front view's, for the squarer of the two
/// girdles (a trunk twisting away from the camera narrows its shoulders,
/// not its hips). The confidence of what comes from the model's depth
/// estimate, such as the trunk's twist: from the front the twist is within
/// a few degrees of the truth on rendered clips, from the side it wanders
/// 7–13° with no twist at all (`ACCURACY.md`).
pub fn frontality(shoulders: Option<f32>, hips: Option<f32>) -> f32 {
    let square = |r: f32| ((r - SIDE_BELOW) / (FRONT_ABOVE - SIDE_BELOW)).clamp(0.0, 1.0);
    let shoulders = shoulders.map_or(0.0, square);
    let hips = hips.map_or(0.0, |r| square(r * SHOULDERS_OVER_HIPS));
    shoulders.max(hips)
}

/// Consecutive frames a new view must persist to be adopted.
const VIEW_FRAMES: u32 = 10;

/// How the body is placed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Orientation {
    /// Upright on the feet.
    Standing,
    /// Sitting or reclined (leg press, knee extension).
    Seated,
    /// Lying on the back (bridge, dead bug).
    Supine,
    /// Face down, trunk horizontal (plank, prone leg curl).
    Prone,
    /// Lying on one side (side plank, clamshell).
    SideLying,
    /// On hands and knees (bird-dog).
    Quadruped,
}

/// A value held until a different one has persisted for [`VIEW_FRAMES`].
#[derive(Clone, Debug)]
struct Held<T> {
    current: Option<T>,
    candidate: Option<(T, u32)>,
}

impl<T> Default for Held<T> {
    fn default() -> Self {
        Held {
            current: None,
            candidate: None,
        }
    }
}

impl<T: Copy + PartialEq> Held<T> {
    /// Feeds what a frame suggests; returns the new value when it changes.
    fn update(&mut self, seen: T) -> Option<T> {
        if Some(seen) == self.current {
            self.candidate = None;
            return None;
        }
        let count = match self.candidate {
            Some((v, n)) if v == seen => n + 1,
            _ => 1,
        };
        self.candidate = Some((seen, count));
        // The first value is adopted at once; a change must persist.
        if self.current.is_none() || count >= VIEW_FRAMES {
            self.current = Some(seen);
            self.candidate = None;
            return self.current;
        }
        None
    }
}

/// The view of the camera and the body's orientation, each held until
/// another persists.
#[derive(Clone, Debug, Default)]
pub struct ViewTracker {
    view: Held<View>,
    orientation: Held<Orientation>,
}

/// A trunk within this of vertical, degrees, is upright: standing, or
/// seated when the hips are also bent.
const UPRIGHT_TRUNK_MAX: f32 = 35.0;
/// A trunk between upright and this, degrees, leans back against a
/// backrest: seated (a leg press).
const RECLINED_TRUNK_MAX: f32 = 60.0;
/// A hip or knee angle under this, degrees, is bent: seated when upright,
/// on hands and knees when the trunk is level.
const BENT_JOINT_MAX: f32 = 130.0;
/// Hips this far above the knees (normalised image height) with both bent:
/// on hands and knees rather than lying.
const HIPS_OVER_KNEES_MIN: f32 = 0.05;

/// The orientation one frame suggests.
fn classify_orientation(m: &Measurements, pose: &Pose, view: View) -> Option<Orientation> {
    let seen = |metric| {
        m.get(metric)
            .filter(|v| v.visibility >= MIN_VISIBILITY)
            .map(|v| v.value)
    };
    let trunk = seen(Metric::TrunkFromVertical)?;
    let knee = seen(Metric::KneeAngle);
    let hip = seen(Metric::HipAngle);
    let bent = |angle: Option<f32>| angle.is_some_and(|a| a < BENT_JOINT_MAX);
    if trunk < UPRIGHT_TRUNK_MAX {
        return Some(if bent(hip) {
            Orientation::Seated
        } else {
            Orientation::Standing
        });
    }
    if trunk < RECLINED_TRUNK_MAX {
        return Some(Orientation::Seated);
    }
    if view == View::Front {
        return Some(Orientation::SideLying);
    }
    let y = |j: Joint| pose.landmarks[j.index()].y;
    let hips_over_knees = (y(Joint::LeftKnee) + y(Joint::RightKnee)) / 2.0
        - (y(Joint::LeftHip) + y(Joint::RightHip)) / 2.0;
    if bent(knee) && hips_over_knees > HIPS_OVER_KNEES_MIN && bent(hip) {
        return Some(Orientation::Quadruped);
    }
    // Lying: the face points up (nose above the ears) or down.
    let ears = (y(Joint::LeftEar) + y(Joint::RightEar)) / 2.0;
    Some(if y(Joint::Nose) < ears {
        Orientation::Supine
    } else {
        Orientation::Prone
    })
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
    /// The adopted view, `None` until one is known.
    pub fn view(&self) -> Option<View> {
        self.view.current
    }

    /// The adopted orientation, `None` until one is known.
    pub fn orientation(&self) -> Option<Orientation> {
        self.orientation.current
    }

    /// Feeds a frame; returns true when the view or the orientation changed.
    pub fn update(&mut self, m: &Measurements, pose: &Pose) -> bool {
        let view_changed = classify(m).and_then(|v| self.view.update(v)).is_some();
        let view = self.view.current.unwrap_or(View::Oblique);
        let orientation_changed = classify_orientation(m, pose, view)
            .and_then(|o| self.orientation.update(o))
            .is_some();
        view_changed || orientation_changed
    }
}
