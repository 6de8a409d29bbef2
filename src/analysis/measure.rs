//! Per-frame body measurements from BlazePose landmarks.
//!
//! Plane angles come from image landmarks in pixels (undistorted first when
//! the camera is calibrated), so they are true angles only in the plane the
//! camera faces: a side camera for flexion and extension, a front or back
//! camera for tilts and shifts. The trunk twist comes from the world
//! landmarks (3D, metres), whose depth the model guesses least well. Each
//! measurement carries the lowest visibility of the landmarks it used, so a
//! rule never judges a joint the model cannot see.

use nalgebra::{Vector2, Vector3};
use serde::{Deserialize, Serialize};

use super::geometry::{
    angle_at, bend_above_line, direction_from_up, elevation, line_tilt, twist_about,
};
use super::view::frontality;
use crate::body::{ImageSize, Joint, Pose};

/// A landmark, or a measurement made from landmarks, less visible than this
/// counts as not seen: not measured, judged, sampled for a baseline or
/// drawn (BlazePose's visibility is a probability; MediaPipe's drawing
/// utilities skip landmarks under 0.5 too). A rule may ask for more
/// (`min_visibility`).
pub const MIN_VISIBILITY: f32 = 0.5;

/// A body side.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The person's left.
    Left,
    /// The person's right.
    Right,
}

impl Side {
    /// Shoulder, hip, knee, ankle, heel and foot index of this side.
    fn chain(self) -> [Joint; 6] {
        use Joint::*;
        match self {
            Side::Left => [
                LeftShoulder,
                LeftHip,
                LeftKnee,
                LeftAnkle,
                LeftHeel,
                LeftFootIndex,
            ],
            Side::Right => [
                RightShoulder,
                RightHip,
                RightKnee,
                RightAnkle,
                RightHeel,
                RightFootIndex,
            ],
        }
    }
}

/// Everything formcheck measures on a frame. Names are those of the
/// exercise files (`metric = "hip_angle"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Direction of the trunk line (mid-hip → mid-shoulder) from the image's
    /// up direction, degrees in (−180, 180]; compared with a baseline for
    /// trunk-line changes.
    TrunkDirection,
    /// Angle between the trunk line and the vertical, 0–180° (0 upright,
    /// 90 lying).
    TrunkFromVertical,
    /// Shoulder–hip–knee angle on the camera side, 0–180°.
    HipAngle,
    /// Hip–knee–ankle angle on the camera side, 0–180° (180 straight).
    KneeAngle,
    /// Shoulder–hip–knee angle on the camera side measured under the body,
    /// 180° when straight, above 180° when the hips are pushed above the
    /// shoulder–knee line (bridge hyperextension).
    HipExtension,
    /// How far the hips bend out of the shoulder–ankle line on the camera
    /// side, degrees: positive above it (pike), negative below (sag).
    BodyLine,
    /// Left hip–knee–ankle angle.
    KneeAngleLeft,
    /// Right hip–knee–ankle angle.
    KneeAngleRight,
    /// Difference between the two knee angles, degrees.
    KneeAsymmetry,
    /// Tilt of the hip line against the image horizontal, degrees.
    PelvisTilt,
    /// Tilt of the shoulder line against the image horizontal, degrees.
    ShoulderTilt,
    /// Rotation of the shoulder line against the hip line about the trunk,
    /// degrees, from world landmarks (the model's depth estimate). Its
    /// visibility is capped by how squarely the camera faces the trunk
    /// ([`super::view::frontality`]): seen edge-on, the twist is a guess.
    TrunkTwist,
    /// Elevation above horizontal of the higher leg (hip → ankle), degrees.
    RaisedLegElevation,
    /// Elevation above horizontal of the lower leg (hip → ankle), degrees.
    LoweredLegElevation,
    /// Height of the mid-hip above the mid-ankle, in trunk lengths.
    HipHeight,
    /// Sideways offset of the mid-hip from the mid-ankle, in hip widths.
    LateralShift,
    /// Height of the heel above the toes on the camera side, in foot lengths.
    HeelRise,
    /// Shoulder width in the image over trunk length (falls as the trunk
    /// rotates away from a front or back camera).
    ShoulderWidthRatio,
    /// How far the mid-hip bends out of the line from mid-shoulder to
    /// mid-ankle, degrees, positive above it: the body's midline, straight
    /// for a straight body whatever side faces the camera (the near side's
    /// shoulder sits wider than its hip, so its chain bends when the body
    /// is straight and seen from the front).
    MidlineBend,
    /// Dorsal bend of the back's outline in the segmentation, degrees,
    /// positive when the back bows out (rounding), negative when hollow
    /// ([`super::back_outline`]): the whole back's outline, a proxy for
    /// spinal flexion, not the lumbar segments alone. Its visibility is the
    /// share of the outline found; not measured without the segmentation.
    BackBend,
}

impl Metric {
    /// Every metric, in column order of the metrics CSV.
    pub const ALL: [Metric; 20] = [
        Metric::TrunkDirection,
        Metric::TrunkFromVertical,
        Metric::HipAngle,
        Metric::KneeAngle,
        Metric::HipExtension,
        Metric::BodyLine,
        Metric::KneeAngleLeft,
        Metric::KneeAngleRight,
        Metric::KneeAsymmetry,
        Metric::PelvisTilt,
        Metric::ShoulderTilt,
        Metric::TrunkTwist,
        Metric::RaisedLegElevation,
        Metric::LoweredLegElevation,
        Metric::HipHeight,
        Metric::LateralShift,
        Metric::HeelRise,
        Metric::ShoulderWidthRatio,
        Metric::MidlineBend,
        Metric::BackBend,
    ];

    /// The name used in exercise files and outputs.
    pub fn name(self) -> &'static str {
        match self {
            Metric::TrunkDirection => "trunk_direction",
            Metric::TrunkFromVertical => "trunk_from_vertical",
            Metric::HipAngle => "hip_angle",
            Metric::KneeAngle => "knee_angle",
            Metric::HipExtension => "hip_extension",
            Metric::BodyLine => "body_line",
            Metric::KneeAngleLeft => "knee_angle_left",
            Metric::KneeAngleRight => "knee_angle_right",
            Metric::KneeAsymmetry => "knee_asymmetry",
            Metric::PelvisTilt => "pelvis_tilt",
            Metric::ShoulderTilt => "shoulder_tilt",
            Metric::TrunkTwist => "trunk_twist",
            Metric::RaisedLegElevation => "raised_leg_elevation",
            Metric::LoweredLegElevation => "lowered_leg_elevation",
            Metric::HipHeight => "hip_height",
            Metric::LateralShift => "lateral_shift",
            Metric::HeelRise => "heel_rise",
            Metric::ShoulderWidthRatio => "shoulder_width_ratio",
            Metric::MidlineBend => "midline_bend",
            Metric::BackBend => "back_bend",
        }
    }

    /// Whether the metric is an angle in degrees (the others are ratios).
    pub fn is_angle(self) -> bool {
        !matches!(
            self,
            Metric::HipHeight
                | Metric::LateralShift
                | Metric::HeelRise
                | Metric::ShoulderWidthRatio
        )
    }

    /// The values the metric can take, and their unit: what an exercise
    /// file, a profile's limit or a baseline must stay within.
    pub fn range(self) -> (f32, f32, &'static str) {
        match self {
            Metric::TrunkFromVertical
            | Metric::HipAngle
            | Metric::KneeAngle
            | Metric::KneeAngleLeft
            | Metric::KneeAngleRight => (0.0, 180.0, "degrees"),
            Metric::HipExtension => (0.0, 360.0, "degrees"),
            Metric::PelvisTilt
            | Metric::ShoulderTilt
            | Metric::RaisedLegElevation
            | Metric::LoweredLegElevation => (-90.0, 90.0, "degrees"),
            Metric::TrunkDirection
            | Metric::BodyLine
            | Metric::KneeAsymmetry
            | Metric::TrunkTwist
            | Metric::MidlineBend
            | Metric::BackBend => (-180.0, 180.0, "degrees"),
            Metric::HipHeight => (-3.0, 3.0, "trunk lengths"),
            Metric::LateralShift => (-3.0, 3.0, "hip widths"),
            Metric::HeelRise => (-2.0, 2.0, "foot lengths"),
            Metric::ShoulderWidthRatio => (0.0, 3.0, "trunk lengths"),
        }
    }

    /// The unit its values are in (`degrees`, `trunk lengths`, ...).
    pub fn unit(self) -> &'static str {
        self.range().2
    }

    /// The largest change the metric can make from a baseline: its range's
    /// span, half a turn for a wrapping angle.
    pub fn largest_change(self) -> f32 {
        let (lo, hi, _) = self.range();
        self.period().map_or(hi - lo, |p| p / 2.0)
    }

    /// The period of an angle that wraps round, degrees: 180 for the tilt
    /// of a line (the same line either way round), 360 for a direction;
    /// `None` for the others.
    pub fn period(self) -> Option<f32> {
        match self {
            Metric::PelvisTilt | Metric::ShoulderTilt => Some(180.0),
            Metric::TrunkDirection => Some(360.0),
            _ => None,
        }
    }

    /// `value − baseline`, for a wrapping angle the shortest way round:
    /// within ±period/2.
    pub fn change(self, value: f32, baseline: f32) -> f32 {
        let d = value - baseline;
        match self.period() {
            Some(p) => d - p * (d / p).round(),
            None => d,
        }
    }

    /// Widest difference between two samples (for a wrapping angle, the
    /// shortest way round from the first), 0 for fewer than two.
    pub fn spread(self, samples: &[f32]) -> f32 {
        let Some(&first) = samples.first() else {
            return 0.0;
        };
        let (lo, hi) = samples.iter().fold((0.0f32, 0.0f32), |(lo, hi), &v| {
            let d = self.change(v, first);
            (lo.min(d), hi.max(d))
        });
        hi - lo
    }

    /// The mean of `samples`, for a wrapping angle on the circle (a hip
    /// line near vertical reads +89° and −89° on alternate frames: the
    /// mean is 90°, not 0°).
    pub fn mean(self, samples: &[f32]) -> Option<f32> {
        if samples.is_empty() {
            return None;
        }
        let n = samples.len() as f32;
        Some(match self.period() {
            None => samples.iter().sum::<f32>() / n,
            Some(p) => {
                let k = std::f32::consts::TAU / p;
                let (s, c) = samples.iter().fold((0.0, 0.0), |(s, c), v| {
                    (s + (k * v).sin(), c + (k * v).cos())
                });
                s.atan2(c) / k
            }
        })
    }

    /// What to tell the person when the metric cannot be seen.
    pub fn cannot_see_hint(self) -> String {
        if self == Metric::BackBend {
            return "Can't see your back: place the camera at your side, in a top that stands out from the background".into();
        }
        if self == Metric::TrunkTwist {
            return "Can't see your trunk turn: place the camera in front of you (or behind you)"
                .into();
        }
        format!("Can't see your {}: move so they are in view", self.needs())
    }

    /// The body parts the metric needs in view, for "cannot see" hints.
    pub fn needs(self) -> &'static str {
        match self {
            Metric::TrunkDirection
            | Metric::TrunkFromVertical
            | Metric::TrunkTwist
            | Metric::ShoulderWidthRatio => "shoulders and hips",
            Metric::HipAngle | Metric::HipExtension => "shoulder, hip and knee",
            Metric::KneeAngle
            | Metric::KneeAngleLeft
            | Metric::KneeAngleRight
            | Metric::KneeAsymmetry => "hips, knees and ankles",
            Metric::BodyLine => "shoulder, hip and ankle",
            Metric::MidlineBend => "shoulders, hips and ankles",
            Metric::PelvisTilt => "hips",
            Metric::ShoulderTilt => "shoulders",
            Metric::RaisedLegElevation
            | Metric::LoweredLegElevation
            | Metric::HipHeight
            | Metric::LateralShift => "hips and ankles",
            Metric::HeelRise => "heel and toes",
            Metric::BackBend => "back",
        }
    }

    fn index(self) -> usize {
        Metric::ALL.iter().position(|m| *m == self).unwrap_or(0)
    }
}

/// One measurement: its value and the lowest visibility among the landmarks
/// it used.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Measurement {
    /// Degrees for angles, a ratio for the others (see [`Metric`]).
    pub value: f32,
    /// Lowest visibility of the landmarks used, 0–1.
    pub visibility: f32,
}

/// All measurements of a frame; a metric is `None` when its geometry is
/// degenerate (zero-length segment).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Measurements {
    values: [Option<Measurement>; Metric::ALL.len()],
}

impl Measurements {
    /// The measurement of `metric`.
    pub fn get(&self, metric: Metric) -> Option<Measurement> {
        self.values[metric.index()]
    }

    /// Sets `metric` (a non-finite value counts as not measured).
    pub fn set(&mut self, metric: Metric, value: Option<f32>, visibility: f32) {
        self.values[metric.index()] = value
            .filter(|v| v.is_finite())
            .map(|value| Measurement { value, visibility });
    }
}

/// Landmarks of one frame in pixels, with their visibility.
struct Points<'a> {
    pose: &'a Pose,
    px: [Vector2<f32>; 33],
}

impl Points<'_> {
    fn p(&self, j: Joint) -> Vector2<f32> {
        self.px[j.index()]
    }
    fn mid(&self, a: Joint, b: Joint) -> Vector2<f32> {
        (self.p(a) + self.p(b)) / 2.0
    }
    fn vis(&self, joints: &[Joint]) -> f32 {
        joints
            .iter()
            .map(|j| self.pose.landmarks[j.index()].visibility)
            .fold(1.0, f32::min)
    }
    fn world(&self, j: Joint) -> Vector3<f32> {
        let w = self.pose.world[j.index()];
        Vector3::new(w.x, w.y, w.z)
    }
}

/// The side of the body nearer the camera, by world depth of shoulder, hip,
/// knee and ankle (MediaPipe's world z grows away from the camera).
pub fn nearer_side(pose: &Pose) -> Side {
    let depth = |side: Side| -> f32 {
        side.chain()[..4]
            .iter()
            .map(|j| pose.world[j.index()].z)
            .sum()
    };
    if depth(Side::Left) <= depth(Side::Right) {
        Side::Left
    } else {
        Side::Right
    }
}

/// Measures `pose` (a frame of `size`), taking the chain of `side` for the
/// one-sided metrics. `landmarks_px` may hold undistorted pixel positions;
/// `None` uses the pose's own.
pub fn measure(
    pose: &Pose,
    size: ImageSize,
    side: Side,
    landmarks_px: Option<&[Vector2<f32>; 33]>,
) -> Measurements {
    let px = match landmarks_px {
        Some(px) => *px,
        None => pose
            .landmarks
            .map(|l| Vector2::new(l.x * size.width as f32, l.y * size.height as f32)),
    };
    let pts = Points { pose, px };
    let trunk = Trunk::of(&pts);
    let mut m = Measurements::default();
    measure_side_chain(&pts, &trunk, side, &mut m);
    measure_legs(&pts, &mut m);
    measure_frontal(&pts, &trunk, side, &mut m);
    m
}

/// The trunk in the picture: from mid-hip to mid-shoulder.
struct Trunk {
    mid_shoulder: Vector2<f32>,
    mid_hip: Vector2<f32>,
    /// Its length, px.
    length: f32,
    /// The visibility of its four landmarks.
    vis: f32,
}

impl Trunk {
    fn of(pts: &Points<'_>) -> Trunk {
        use Joint::*;
        let mid_shoulder = pts.mid(LeftShoulder, RightShoulder);
        let mid_hip = pts.mid(LeftHip, RightHip);
        Trunk {
            mid_shoulder,
            mid_hip,
            length: (mid_shoulder - mid_hip).norm(),
            vis: pts.vis(&[LeftShoulder, RightShoulder, LeftHip, RightHip]),
        }
    }
}

/// `num / den`, where `den` is not nothing.
fn ratio(num: f32, den: f32) -> Option<f32> {
    (den > f32::EPSILON).then(|| num / den)
}

/// What the side view judges: the trunk's lean and the angles along the
/// chain of `side` (shoulder, hip, knee, ankle).
fn measure_side_chain(pts: &Points<'_>, trunk: &Trunk, side: Side, m: &mut Measurements) {
    let [s, h, k, a, ..] = side.chain();
    let trunk_dir = direction_from_up(trunk.mid_hip, trunk.mid_shoulder);
    m.set(Metric::TrunkDirection, trunk_dir, trunk.vis);
    m.set(
        Metric::TrunkFromVertical,
        trunk_dir.map(f32::abs),
        trunk.vis,
    );
    m.set(
        Metric::HipAngle,
        angle_at(pts.p(s), pts.p(h), pts.p(k)),
        pts.vis(&[s, h, k]),
    );
    m.set(
        Metric::KneeAngle,
        angle_at(pts.p(h), pts.p(k), pts.p(a)),
        pts.vis(&[h, k, a]),
    );
    m.set(
        Metric::HipExtension,
        bend_above_line(pts.p(s), pts.p(h), pts.p(k)).map(|b| 180.0 + b),
        pts.vis(&[s, h, k]),
    );
    m.set(
        Metric::BodyLine,
        bend_above_line(pts.p(s), pts.p(h), pts.p(a)),
        pts.vis(&[s, h, a]),
    );
}

/// Each leg on its own: the knees' angles and their difference, and the
/// raised and the lowered leg's elevation (by ankle height).
fn measure_legs(pts: &Points<'_>, m: &mut Measurements) {
    use Joint::*;
    let left = angle_at(pts.p(LeftHip), pts.p(LeftKnee), pts.p(LeftAnkle));
    let right = angle_at(pts.p(RightHip), pts.p(RightKnee), pts.p(RightAnkle));
    let lvis = pts.vis(&[LeftHip, LeftKnee, LeftAnkle]);
    let rvis = pts.vis(&[RightHip, RightKnee, RightAnkle]);
    m.set(Metric::KneeAngleLeft, left, lvis);
    m.set(Metric::KneeAngleRight, right, rvis);
    m.set(
        Metric::KneeAsymmetry,
        left.zip(right).map(|(l, r)| (l - r).abs()),
        lvis.min(rvis),
    );
    // The legs by ankle height (image y grows downwards).
    let legs = [(LeftHip, LeftAnkle), (RightHip, RightAnkle)];
    let (high, low) = if pts.p(LeftAnkle).y <= pts.p(RightAnkle).y {
        (legs[0], legs[1])
    } else {
        (legs[1], legs[0])
    };
    m.set(
        Metric::RaisedLegElevation,
        elevation(pts.p(high.0), pts.p(high.1)),
        pts.vis(&[high.0, high.1]),
    );
    m.set(
        Metric::LoweredLegElevation,
        elevation(pts.p(low.0), pts.p(low.1)),
        pts.vis(&[low.0, low.1]),
    );
}

/// What the front view judges (and what tells the views apart): the
/// pelvis's and shoulders' tilt, the trunk's twist, the hips' height and
/// shift over the feet, the heel's rise, the shoulders' width and the
/// midline's bend.
fn measure_frontal(pts: &Points<'_>, trunk: &Trunk, side: Side, m: &mut Measurements) {
    use Joint::*;
    let [.., heel, toe] = side.chain();
    m.set(
        Metric::PelvisTilt,
        line_tilt(pts.p(LeftHip), pts.p(RightHip)),
        pts.vis(&[LeftHip, RightHip]),
    );
    m.set(
        Metric::ShoulderTilt,
        line_tilt(pts.p(LeftShoulder), pts.p(RightShoulder)),
        pts.vis(&[LeftShoulder, RightShoulder]),
    );
    let shoulder_width = (pts.p(LeftShoulder) - pts.p(RightShoulder)).norm();
    let hip_width = (pts.p(LeftHip) - pts.p(RightHip)).norm();
    let trunk_axis = (pts.world(LeftShoulder) + pts.world(RightShoulder)) / 2.0
        - (pts.world(LeftHip) + pts.world(RightHip)) / 2.0;
    m.set(
        Metric::TrunkTwist,
        twist_about(
            trunk_axis,
            pts.world(RightHip) - pts.world(LeftHip),
            pts.world(RightShoulder) - pts.world(LeftShoulder),
        ),
        trunk.vis.min(frontality(
            ratio(shoulder_width, trunk.length),
            ratio(hip_width, trunk.length),
        )),
    );
    let mid_ankle = pts.mid(LeftAnkle, RightAnkle);
    let foot_len = (pts.p(toe) - pts.p(heel)).norm();
    let legs_vis = pts.vis(&[LeftHip, RightHip, LeftAnkle, RightAnkle]);
    m.set(
        Metric::HipHeight,
        ratio(mid_ankle.y - trunk.mid_hip.y, trunk.length),
        legs_vis.min(trunk.vis),
    );
    m.set(
        Metric::LateralShift,
        ratio(trunk.mid_hip.x - mid_ankle.x, hip_width),
        legs_vis,
    );
    m.set(
        Metric::HeelRise,
        ratio(pts.p(toe).y - pts.p(heel).y, foot_len),
        pts.vis(&[heel, toe]),
    );
    m.set(
        Metric::ShoulderWidthRatio,
        ratio(shoulder_width, trunk.length),
        trunk.vis,
    );
    m.set(
        Metric::MidlineBend,
        bend_above_line(trunk.mid_shoulder, trunk.mid_hip, mid_ankle),
        legs_vis.min(trunk.vis),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::body::ImageLandmark;

    #[test]
    fn every_metric_has_a_distinct_name() {
        for (i, a) in Metric::ALL.iter().enumerate() {
            assert_eq!(a.index(), i);
            for b in &Metric::ALL[i + 1..] {
                assert_ne!(a.name(), b.name());
            }
        }
    }

    #[test]
    fn a_landmark_it_cannot_see_lowers_the_visibility_of_what_uses_it() {
        let mut pose = Pose::default();
        for (i, l) in pose.landmarks.iter_mut().enumerate() {
            *l = ImageLandmark {
                x: 0.3 + 0.01 * i as f32,
                y: 0.2 + 0.02 * i as f32,
                visibility: 0.95,
                ..Default::default()
            };
        }
        pose.landmarks[Joint::LeftKnee.index()].visibility = 0.1;
        let m = measure(
            &pose,
            ImageSize {
                width: 640,
                height: 480,
            },
            Side::Left,
            None,
        );
        assert_eq!(m.get(Metric::KneeAngle).unwrap().visibility, 0.1);
        assert_eq!(m.get(Metric::PelvisTilt).unwrap().visibility, 0.95);
    }
}
