//! Reads the back's outline from the pose engine's segmentation, frame by
//! frame: the landmarks mapped into the mask's coordinates, the side the
//! back lies on voted over the frames, the dorsal bend measured
//! ([`crate::analysis::back_outline`]) and its outline mapped back to the
//! picture for drawing.

use nalgebra::{Point2, Vector2};

use crate::analysis::back_outline::{
    back_side, dorsal_bend, BackOutline, BackReading, Bend, MaskView, OutlineDrawing, OutlineLine,
    TrunkInMask, Unmeasurable,
};
use crate::body::{ImageSize, Joint, Pose};
use crate::pose::{PoseEngine, Roi};

/// The segmentation's side, pixels (the landmark model's input).
const MASK: usize = 256;
/// Lowest visibility of a landmark the reader uses.
const SEEN: f32 = 0.5;
/// Votes for one side of the back before it is taken, frames.
const SIDE_VOTES: i32 = 5;
/// Most votes kept for a side: a person who turns round is followed within
/// about a second.
const MAX_VOTES: i32 = 30;

/// Reads the back's outline from an engine run with the segmentation.
#[derive(Debug)]
pub struct BackReader {
    prob: Vec<f32>,
    /// Positive: the back lies on the anticlockwise side of the hip →
    /// shoulder axis in the mask; negative: the other.
    votes: i32,
}

impl Default for BackReader {
    fn default() -> Self {
        BackReader {
            prob: vec![0.0; MASK * MASK],
            votes: 0,
        }
    }
}

impl BackReader {
    /// The back's outline on the engine's last frame of `size`; `None`
    /// when the engine runs without the segmentation or found nobody.
    pub fn read(
        &mut self,
        engine: &PoseEngine,
        pose: Option<&Pose>,
        size: ImageSize,
    ) -> Option<BackOutline> {
        let (pose, roi, logits) = (pose?, engine.last_roi()?, engine.segmentation_logits()?);
        for (p, &l) in self.prob.iter_mut().zip(logits) {
            *p = 1.0 / (1.0 + (-l).exp());
        }
        let to_mask = |joint: Joint| {
            let lm = pose.landmark(joint);
            let [u, v] = roi.unproject(lm.x, lm.y);
            (Point2::new(u, v) * MASK as f32, lm.visibility)
        };
        let mid = |a: Joint, b: Joint| {
            let ((pa, va), (pb, vb)) = (to_mask(a), to_mask(b));
            (Point2::from((pa.coords + pb.coords) / 2.0), va.min(vb))
        };
        let (hip, hip_seen) = mid(Joint::LeftHip, Joint::RightHip);
        let (shoulder, shoulder_seen) = mid(Joint::LeftShoulder, Joint::RightShoulder);
        let (mid_ear, ears_seen) = mid(Joint::LeftEar, Joint::RightEar);
        let (nose, nose_seen) = to_mask(Joint::Nose);
        if hip_seen.min(shoulder_seen) < SEEN {
            return Some(unmeasured(Unmeasurable::NotSideOn));
        }
        if ears_seen.min(nose_seen) >= SEEN {
            if let Some(side) = back_side(hip, shoulder, nose, mid_ear) {
                self.votes = (self.votes + side as i32).clamp(-MAX_VOTES, MAX_VOTES);
            }
        }
        if self.votes.abs() < SIDE_VOTES {
            return Some(unmeasured(Unmeasurable::NotSideOn));
        }
        let arms = [
            Joint::LeftElbow,
            Joint::RightElbow,
            Joint::LeftWrist,
            Joint::RightWrist,
        ]
        .into_iter()
        .map(to_mask)
        .filter(|(_, v)| *v >= SEEN)
        .map(|(p, _)| p)
        .collect();
        let trunk = TrunkInMask {
            hip,
            shoulder,
            back: self.votes.signum() as f32,
            arms,
        };
        let mask = MaskView {
            width: MASK,
            height: MASK,
            prob: &self.prob,
        };
        let bend = dorsal_bend(mask, &trunk);
        Some(BackOutline {
            reading: BackReading::from(&bend),
            drawing: bend.ok().map(|b| drawing(&b, &trunk, &roi, size)),
        })
    }
}

fn unmeasured(why: Unmeasurable) -> BackOutline {
    BackOutline {
        reading: BackReading::Unmeasurable { why },
        drawing: None,
    }
}

/// The outline of `bend` in picture pixels.
fn drawing(bend: &Bend, trunk: &TrunkInMask, roi: &Roi, size: ImageSize) -> OutlineDrawing {
    let axis = trunk.shoulder - trunk.hip;
    let length = axis.norm();
    let n = Vector2::new(-axis.y, axis.x) / length * trunk.back;
    let to_picture = |t: f32, depth: f32| {
        let p = trunk.hip + axis * t + n * (depth * length);
        let [x, y] = roi.project(p.x / MASK as f32, p.y / MASK as f32);
        [x * size.width as f32, y * size.height as f32]
    };
    let ends = |l: &OutlineLine| {
        [
            to_picture(l.from_t, l.from_depth),
            to_picture(l.to_t, l.to_depth),
        ]
    };
    OutlineDrawing {
        outline: bend
            .outline
            .iter()
            .map(|&(t, d)| to_picture(t, d))
            .collect(),
        lower: ends(&bend.lower),
        upper: ends(&bend.upper),
    }
}
