//! Landmarks that cannot be right are treated as unseen.
//!
//! When the body is hidden (a leg-press seat, gym equipment), BlazePose can
//! put hips, knees and ankles on the machine with a visibility that still
//! looks confident. Such landmarks betray themselves by geometry: a joint
//! that jumps further in one frame than a body moves, or a thigh or shank
//! whose length in the image suddenly changes. Their visibility is set to
//! zero for that frame, so that no rule judges them.

use nalgebra::Vector2;

use crate::body::{ImageSize, Joint, Pose};

/// A joint moving more than this many trunk lengths between two frames has
/// jumped (a fast squat moves the knee about 0.07 trunk lengths per frame at
/// 30 fps).
const MAX_JUMP_TRUNK_LENGTHS: f32 = 0.35;
/// A segment whose length leaves this range of its running average is
/// implausible.
const SEGMENT_RATIO: std::ops::RangeInclusive<f32> = 0.6..=1.6;
/// Weight of a new plausible length in the running average.
const SEGMENT_ALPHA: f32 = 0.05;

/// Joints checked for jumps.
const TRACKED: [Joint; 8] = [
    Joint::LeftShoulder,
    Joint::RightShoulder,
    Joint::LeftHip,
    Joint::RightHip,
    Joint::LeftKnee,
    Joint::RightKnee,
    Joint::LeftAnkle,
    Joint::RightAnkle,
];

/// Thigh and shank of each side: (proximal, distal) joints.
const SEGMENTS: [(Joint, Joint); 4] = [
    (Joint::LeftHip, Joint::LeftKnee),
    (Joint::RightHip, Joint::RightKnee),
    (Joint::LeftKnee, Joint::LeftAnkle),
    (Joint::RightKnee, Joint::RightAnkle),
];

/// Remembers the last frame to judge the next.
#[derive(Clone, Debug, Default)]
pub struct PlausibilityGate {
    previous: Option<[Vector2<f32>; TRACKED.len()]>,
    lengths: [Option<f32>; SEGMENTS.len()],
}

impl PlausibilityGate {
    /// Zeroes the visibility of implausible joints of `pose` (a frame of
    /// `size`); returns how many were zeroed.
    pub fn apply(&mut self, pose: &mut Pose, size: ImageSize) -> usize {
        let px = |pose: &Pose, j: Joint| {
            let l = pose.landmarks[j.index()];
            Vector2::new(l.x * size.width as f32, l.y * size.height as f32)
        };
        let mid = |a: Joint, b: Joint| (px(pose, a) + px(pose, b)) / 2.0;
        let trunk = (mid(Joint::LeftShoulder, Joint::RightShoulder)
            - mid(Joint::LeftHip, Joint::RightHip))
        .norm();
        let now = TRACKED.map(|j| px(pose, j));
        let mut suppressed = [false; 33];
        if let Some(prev) = self.previous {
            for ((j, a), b) in TRACKED.iter().zip(&now).zip(&prev) {
                if (a - b).norm() > MAX_JUMP_TRUNK_LENGTHS * trunk {
                    suppressed[j.index()] = true;
                }
            }
        }
        for ((a, b), avg) in SEGMENTS.iter().zip(self.lengths.iter_mut()) {
            let len = (px(pose, *a) - px(pose, *b)).norm();
            match *avg {
                Some(m) if !SEGMENT_RATIO.contains(&(len / m.max(f32::EPSILON))) => {
                    suppressed[b.index()] = true;
                }
                Some(m) => *avg = Some(m + SEGMENT_ALPHA * (len - m)),
                None => *avg = Some(len),
            }
        }
        self.previous = Some(now);
        let mut n = 0;
        for (lm, s) in pose.landmarks.iter_mut().zip(suppressed) {
            if s {
                lm.visibility = 0.0;
                n += 1;
            }
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::body::ImageLandmark;

    fn standing() -> Pose {
        let mut pose = Pose::default();
        let place = |j: Joint| -> (f32, f32) {
            match j {
                Joint::LeftShoulder | Joint::RightShoulder => (0.5, 0.2),
                Joint::LeftHip | Joint::RightHip => (0.5, 0.5),
                Joint::LeftKnee | Joint::RightKnee => (0.5, 0.7),
                _ => (0.5, 0.9),
            }
        };
        for (j, l) in Joint::ALL.iter().zip(pose.landmarks.iter_mut()) {
            let (x, y) = place(*j);
            *l = ImageLandmark {
                x,
                y,
                visibility: 0.9,
                ..Default::default()
            };
        }
        pose
    }

    #[test]
    fn a_knee_that_jumps_is_unseen_and_a_steady_body_is_kept() {
        let size = ImageSize {
            width: 1000,
            height: 1000,
        };
        let mut gate = PlausibilityGate::default();
        let mut pose = standing();
        assert_eq!(gate.apply(&mut pose, size), 0);
        let mut jumped = standing();
        jumped.landmarks[Joint::LeftKnee.index()].x = 0.8;
        assert!(gate.apply(&mut jumped, size) >= 1);
        assert_eq!(jumped.landmarks[Joint::LeftKnee.index()].visibility, 0.0);
        assert_eq!(jumped.landmarks[Joint::RightKnee.index()].visibility, 0.9);
    }
}
