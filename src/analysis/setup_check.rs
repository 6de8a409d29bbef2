//! The set-up check before a guided set: is the camera placed for the
//! exercise's view, is the whole body in the picture, and is the body
//! placed as the exercise starts (lying on the back, on all fours...)? One
//! piece of advice at a time, the most basic first, until the set-up has
//! been right for a moment.

use super::config::{Exercise, View};
use super::measure::MIN_VISIBILITY;
use super::view::Orientation;
use crate::body::{Joint, Pose};

/// How long the set-up must stay right before the set starts, seconds.
pub const READY_HOLD_S: f64 = 1.0;

/// A landmark this close to the picture's edge (a fraction of its size) is
/// treated as cut off.
const EDGE: f32 = 0.02;

/// The parts of the body that must be in the picture, each as its left and
/// right landmark: one of the two seen is enough (from the side, the far
/// one is hidden by the body).
const HEAD: [Joint; 2] = [Joint::LeftEar, Joint::RightEar];
const SHOULDERS: [Joint; 2] = [Joint::LeftShoulder, Joint::RightShoulder];
const HIPS: [Joint; 2] = [Joint::LeftHip, Joint::RightHip];
const KNEES: [Joint; 2] = [Joint::LeftKnee, Joint::RightKnee];
const FEET: [Joint; 2] = [Joint::LeftAnkle, Joint::RightAnkle];

/// What the person must change, most basic first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Advice {
    /// Nobody is in the picture.
    StepIntoView,
    /// The head or shoulders are cut off.
    HeadOutOfView,
    /// The knees or feet are cut off.
    FeetOutOfView,
    /// The hips are cut off (too close altogether).
    MoveBack,
    /// The camera sees the wrong plane.
    Turn(View),
    /// The body is not placed as the exercise starts.
    Position(Orientation),
}

impl Advice {
    /// The advice in words, for the screen and the voice.
    pub fn text(self) -> &'static str {
        match self {
            Advice::StepIntoView => "Get into the camera's view",
            Advice::HeadOutOfView => "Move back until your head is in view",
            Advice::FeetOutOfView => "Move back until your feet are in view",
            Advice::MoveBack => "Move back from the camera",
            Advice::Turn(View::Front) => "Turn the camera so it faces you",
            Advice::Turn(_) => "Turn the camera so it sees your side",
            Advice::Position(o) => position_text(o),
        }
    }
}

/// How to take up the starting position `o`.
fn position_text(o: Orientation) -> &'static str {
    match o {
        Orientation::Standing => "Stand up in front of the camera",
        Orientation::Seated => "Sit in the machine, your back against the backrest",
        Orientation::Supine => "Lie down on your back along the mat",
        Orientation::Prone => "Lie face down along the mat",
        Orientation::SideLying => "Lie on your side along the mat",
        Orientation::Quadruped => "Get on your hands and knees along the mat",
    }
}

/// What one frame says about the set-up: right, or the advice to follow.
///
/// `view` and `orientation` are the analysis's held judgements (they do not
/// flicker), `pose` the frame's landmarks.
pub fn advise(
    exercise: &Exercise,
    pose: Option<&Pose>,
    view: Option<View>,
    orientation: Option<Orientation>,
) -> Option<Advice> {
    let Some(pose) = pose else {
        return Some(Advice::StepIntoView);
    };
    let in_picture = |pair: [Joint; 2]| {
        pair.iter().any(|j| {
            let l = pose.landmarks[j.index()];
            l.visibility >= MIN_VISIBILITY
                && (EDGE..=1.0 - EDGE).contains(&l.x)
                && (EDGE..=1.0 - EDGE).contains(&l.y)
        })
    };
    if !in_picture(HIPS) {
        return Some(Advice::MoveBack);
    }
    if !in_picture(HEAD) || !in_picture(SHOULDERS) {
        return Some(Advice::HeadOutOfView);
    }
    if !in_picture(KNEES) || !in_picture(FEET) {
        return Some(Advice::FeetOutOfView);
    }
    match view {
        Some(seen) if !exercise.view.accepts(seen) => return Some(Advice::Turn(exercise.view)),
        None if exercise.view != View::Any => return Some(Advice::Turn(exercise.view)),
        _ => {}
    }
    match (exercise.start_position, orientation) {
        (Some(wanted), Some(seen)) if wanted != seen => Some(Advice::Position(wanted)),
        (Some(wanted), None) => Some(Advice::Position(wanted)),
        _ => None,
    }
}

/// The set-up check over time: right once [`advise`] has found nothing to
/// change for [`READY_HOLD_S`] of the source's time.
#[derive(Clone, Debug, Default)]
pub struct SetUpCheck {
    /// When the set-up became right (source time, ms), while it is.
    right_since_ms: Option<f64>,
    /// The latest advice, `None` while the set-up is right.
    advice: Option<Advice>,
}

impl SetUpCheck {
    /// Takes a frame's verdict at `t_ms`; whether the set-up has now been
    /// right long enough.
    pub fn update(&mut self, t_ms: f64, advice: Option<Advice>) -> bool {
        self.advice = advice;
        match advice {
            Some(_) => {
                self.right_since_ms = None;
                false
            }
            None => {
                let since = *self.right_since_ms.get_or_insert(t_ms);
                t_ms - since >= READY_HOLD_S * 1000.0
            }
        }
    }

    /// The advice to show, `None` while the set-up is right.
    pub fn advice(&self) -> Option<Advice> {
        self.advice
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::body::ImageLandmark;

    /// A pose with every landmark seen at the picture's centre, or at
    /// `(x, y)` for `moved`.
    fn pose(moved: &[(Joint, f32, f32)]) -> Pose {
        let mut pose = Pose::default();
        for l in &mut pose.landmarks {
            *l = ImageLandmark {
                x: 0.5,
                y: 0.5,
                visibility: 0.9,
                ..ImageLandmark::default()
            };
        }
        for &(j, x, y) in moved {
            pose.landmarks[j.index()].x = x;
            pose.landmarks[j.index()].y = y;
        }
        pose
    }

    #[test]
    fn advice_goes_from_the_most_basic_to_the_position() {
        let bridge = Exercise::named("glute_bridge").unwrap();
        let side = Some(View::Side);
        let supine = Some(Orientation::Supine);
        assert_eq!(
            advise(&bridge, None, side, supine),
            Some(Advice::StepIntoView)
        );
        let feet_cut = pose(&[(Joint::LeftAnkle, 0.5, 1.2), (Joint::RightAnkle, 0.5, 1.0)]);
        assert_eq!(
            advise(&bridge, Some(&feet_cut), side, supine),
            Some(Advice::FeetOutOfView)
        );
        let whole = pose(&[]);
        assert_eq!(
            advise(&bridge, Some(&whole), Some(View::Front), supine),
            Some(Advice::Turn(View::Side))
        );
        assert_eq!(
            Advice::Turn(View::Side).text(),
            "Turn the camera so it sees your side"
        );
        assert_eq!(
            advise(&bridge, Some(&whole), side, Some(Orientation::Standing)),
            Some(Advice::Position(Orientation::Supine))
        );
        assert_eq!(advise(&bridge, Some(&whole), side, supine), None);
    }

    #[test]
    fn the_set_up_is_ready_once_right_for_a_moment_without_a_break() {
        let mut check = SetUpCheck::default();
        assert!(!check.update(0.0, None));
        assert!(!check.update(900.0, None));
        assert!(!check.update(950.0, Some(Advice::MoveBack)));
        assert_eq!(check.advice(), Some(Advice::MoveBack));
        assert!(!check.update(1000.0, None));
        assert!(!check.update(1990.0, None));
        assert!(check.update(2000.0, None));
    }
}
