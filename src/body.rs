//! The body as the pose engine sees it and the analysis reads it: the 33
//! BlazePose landmarks, their names, the skeleton that joins them, the
//! per-frame result, and the size of the image they lie in. Pose and analysis
//! both import these types; neither owns them.
//!
//! Conventions are MediaPipe's, so outputs compare field by field: image
//! landmarks have `x`, `y` normalised to `[0, 1]` of the image width and
//! height, and `z` (depth relative to the hips, smaller is nearer the camera)
//! on roughly the scale of `x`; world landmarks are metres in a frame centred
//! between the hips.

use opencv::core::Mat;
use opencv::prelude::*;
use serde::{Deserialize, Serialize};

/// Width and height of a frame in pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImageSize {
    /// Pixels across.
    pub width: u32,
    /// Pixels down.
    pub height: u32,
}

impl ImageSize {
    /// The size of `mat`.
    pub fn of(mat: &Mat) -> opencv::Result<ImageSize> {
        let size = mat.size()?;
        Ok(ImageSize {
            width: size.width.max(0) as u32,
            height: size.height.max(0) as u32,
        })
    }
}

/// Number of body landmarks BlazePose outputs.
pub const NUM_LANDMARKS: usize = 33;

/// A body landmark of BlazePose, in MediaPipe's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum Joint {
    Nose,
    LeftEyeInner,
    LeftEye,
    LeftEyeOuter,
    RightEyeInner,
    RightEye,
    RightEyeOuter,
    LeftEar,
    RightEar,
    MouthLeft,
    MouthRight,
    LeftShoulder,
    RightShoulder,
    LeftElbow,
    RightElbow,
    LeftWrist,
    RightWrist,
    LeftPinky,
    RightPinky,
    LeftIndex,
    RightIndex,
    LeftThumb,
    RightThumb,
    LeftHip,
    RightHip,
    LeftKnee,
    RightKnee,
    LeftAnkle,
    RightAnkle,
    LeftHeel,
    RightHeel,
    LeftFootIndex,
    RightFootIndex,
}

impl Joint {
    /// Every joint, in landmark order (`Joint::ALL[i].index() == i`).
    pub const ALL: [Joint; NUM_LANDMARKS] = [
        Joint::Nose,
        Joint::LeftEyeInner,
        Joint::LeftEye,
        Joint::LeftEyeOuter,
        Joint::RightEyeInner,
        Joint::RightEye,
        Joint::RightEyeOuter,
        Joint::LeftEar,
        Joint::RightEar,
        Joint::MouthLeft,
        Joint::MouthRight,
        Joint::LeftShoulder,
        Joint::RightShoulder,
        Joint::LeftElbow,
        Joint::RightElbow,
        Joint::LeftWrist,
        Joint::RightWrist,
        Joint::LeftPinky,
        Joint::RightPinky,
        Joint::LeftIndex,
        Joint::RightIndex,
        Joint::LeftThumb,
        Joint::RightThumb,
        Joint::LeftHip,
        Joint::RightHip,
        Joint::LeftKnee,
        Joint::RightKnee,
        Joint::LeftAnkle,
        Joint::RightAnkle,
        Joint::LeftHeel,
        Joint::RightHeel,
        Joint::LeftFootIndex,
        Joint::RightFootIndex,
    ];

    /// Index of this joint in a landmark array.
    pub const fn index(self) -> usize {
        self as usize
    }
}

/// Bones drawn between landmarks (MediaPipe's `POSE_CONNECTIONS`).
pub const SKELETON: [(Joint, Joint); 35] = {
    use Joint::*;
    [
        (Nose, RightEyeInner),
        (RightEyeInner, RightEye),
        (RightEye, RightEyeOuter),
        (RightEyeOuter, RightEar),
        (Nose, LeftEyeInner),
        (LeftEyeInner, LeftEye),
        (LeftEye, LeftEyeOuter),
        (LeftEyeOuter, LeftEar),
        (MouthRight, MouthLeft),
        (RightShoulder, LeftShoulder),
        (RightShoulder, RightElbow),
        (RightElbow, RightWrist),
        (RightWrist, RightPinky),
        (RightWrist, RightIndex),
        (RightWrist, RightThumb),
        (RightPinky, RightIndex),
        (LeftShoulder, LeftElbow),
        (LeftElbow, LeftWrist),
        (LeftWrist, LeftPinky),
        (LeftWrist, LeftIndex),
        (LeftWrist, LeftThumb),
        (LeftPinky, LeftIndex),
        (RightShoulder, RightHip),
        (LeftShoulder, LeftHip),
        (RightHip, LeftHip),
        (RightHip, RightKnee),
        (LeftHip, LeftKnee),
        (RightKnee, RightAnkle),
        (LeftKnee, LeftAnkle),
        (RightAnkle, RightHeel),
        (LeftAnkle, LeftHeel),
        (RightHeel, RightFootIndex),
        (LeftHeel, LeftFootIndex),
        (RightAnkle, RightFootIndex),
        (LeftAnkle, LeftFootIndex),
    ]
};

/// A landmark in image coordinates (MediaPipe's `NormalizedLandmark`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ImageLandmark {
    /// Horizontal position, 0 at the left edge of the image, 1 at the right.
    pub x: f32,
    /// Vertical position, 0 at the top edge of the image, 1 at the bottom.
    pub y: f32,
    /// Depth relative to the hips, on the scale of `x`; negative is nearer.
    pub z: f32,
    /// Probability that the landmark is visible (in the image, not occluded).
    pub visibility: f32,
    /// Probability that the landmark is present in the image.
    #[serde(default)]
    pub presence: f32,
}

/// A landmark in metric world coordinates, origin between the hips.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WorldLandmark {
    /// Metres, towards the image's right.
    pub x: f32,
    /// Metres, towards the image's bottom.
    pub y: f32,
    /// Metres, away from the camera.
    pub z: f32,
}

/// What the pose engine found in one frame.
#[derive(Clone, Debug, PartialEq)]
pub struct Pose {
    /// The 33 body landmarks in image coordinates.
    pub landmarks: [ImageLandmark; NUM_LANDMARKS],
    /// The 33 body landmarks in metres, centred between the hips.
    pub world: [WorldLandmark; NUM_LANDMARKS],
    /// The landmark model's probability that a person is in its region.
    pub score: f32,
}

impl Default for Pose {
    fn default() -> Self {
        Pose {
            landmarks: [ImageLandmark::default(); NUM_LANDMARKS],
            world: [WorldLandmark::default(); NUM_LANDMARKS],
            score: 0.0,
        }
    }
}

impl Pose {
    /// The image landmark of `joint`.
    pub fn landmark(&self, joint: Joint) -> &ImageLandmark {
        &self.landmarks[joint.index()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joint_order_matches_indices() {
        for (i, joint) in Joint::ALL.iter().enumerate() {
            assert_eq!(joint.index(), i);
        }
        assert_eq!(Joint::LeftHip.index(), 23);
        assert_eq!(Joint::RightFootIndex.index(), 32);
    }

    #[test]
    fn skeleton_has_no_self_loops_or_duplicates() {
        for (i, (a, b)) in SKELETON.iter().enumerate() {
            assert_ne!(a, b);
            for (c, d) in &SKELETON[i + 1..] {
                assert!(!((a == c && b == d) || (a == d && b == c)));
            }
        }
    }
}
