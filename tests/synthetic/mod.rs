//! A synthetic body for tests: 3D joints with known segment lengths, driven
//! by known joint angles, placed in the world, projected through a pinhole
//! camera into BlazePose landmarks, with noise, occlusion and dropouts.
//!
//! Use from an integration test with `mod synthetic;`: `exercise_rules.rs`
//! proves the exercise rules on it, `synthetic_body.rs` tests the model
//! itself. Each test crate compiles this module on its own, so the two
//! items only the model's tests use carry a targeted `allow(dead_code)`.
//!
//! # Frames
//!
//! * **World**: metres, right-handed, **y up**, floor at `y = 0` by
//!   convention. A body placed with [`BodyPlacement::standing`] faces +z
//!   with its left towards +x; lying placements have the head towards −x.
//! * **Body** (what [`JointAngles`] rotate): origin at the mid-hip,
//!   x = the person's left, y = up (towards the head), z = forward (the way
//!   the face points). [`BodyPlacement::rotation`] maps body to world.
//! * **Camera**: x right, y down, z along the optical axis (away from the
//!   camera), like OpenCV. [`Camera::rotation`] maps camera axes to world.
//!
//! # Landmarks ([`observe`])
//!
//! * image `x`, `y`: pixel / width, pixel / height (pinhole, no distortion).
//! * image `z`: `(depth − depth_mid_hip) · fx / (depth_mid_hip · width)`,
//!   i.e. metres of depth converted at the hips' scale into units of `x`;
//!   negative is nearer the camera, 0 at the mid-hip.
//! * world: the joints in the camera's axes (x right, y down, z away),
//!   metres, minus the mid-hip (mean of joints 23 and 24 is 0).
//!
//! # Use
//!
//! ```ignore
//! let skel = Skeleton::default();
//! let stand = BodyPlacement::standing(Point3::new(0.0, skel.standing_hip_height(), 0.0));
//! let heel = joints(&skel, &JointAngles::default(), &stand)[Joint::LeftHeel.index()];
//! let camera = Camera::side_view(&stand, 3.5, Side::Left); // fixed camera
//! let seq = sequence(30.0, 10.0, |t| {
//!     let s = cycle(t, 2.5);                         // one rep per 2.5 s
//!     let lean = 15.0 + 25.0 * ramp(t, 6.0, 6.5);    // fault from t = 6.5 s
//!     let pelvis = stand.pitch(25.0 * s);
//!     let a = JointAngles { hip_flexion: [95.0 * s; 2], knee_flexion: [110.0 * s; 2],
//!                           trunk_flexion: lean * s, ..Default::default() }
//!         .with_feet_flat(&skel, &pelvis);
//!     (a, pelvis.anchored(&skel, &a, Joint::LeftHeel, heel))
//! });
//! let records = track(&camera, &skel, &seq, &Render { noise_px: 1.0, seed: 7, ..Default::default() });
//! ```
//!
//! Randomness comes from [`SimRng`] (SplitMix64 + Box–Muller), seeded, so
//! results are the same on every machine and need no extra dependency.

use std::f32::consts::PI;
use std::io::Write;
use std::path::Path;

use formcheck::body::{ImageLandmark, Joint, Pose, WorldLandmark, NUM_LANDMARKS};
use formcheck::recording::track::TrackRecord;
use nalgebra::{Matrix3, Point3, Rotation3, Vector3};

// ---------------------------------------------------------------- sides

/// A body side. Index the `[f32; 2]` fields of [`JointAngles`] with
/// `side as usize` (or [`Side::i`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Side {
    /// The person's left.
    Left = 0,
    /// The person's right.
    Right = 1,
}

impl Side {
    /// Both sides, left first.
    pub const BOTH: [Side; 2] = [Side::Left, Side::Right];

    /// Index into `[f32; 2]` fields.
    pub fn i(self) -> usize {
        self as usize
    }

    /// +1 for the left (body +x), −1 for the right.
    pub fn sign(self) -> f32 {
        match self {
            Side::Left => 1.0,
            Side::Right => -1.0,
        }
    }

    fn pick(self, left: Joint, right: Joint) -> Joint {
        match self {
            Side::Left => left,
            Side::Right => right,
        }
    }
    pub fn shoulder(self) -> Joint {
        self.pick(Joint::LeftShoulder, Joint::RightShoulder)
    }
    pub fn elbow(self) -> Joint {
        self.pick(Joint::LeftElbow, Joint::RightElbow)
    }
    pub fn wrist(self) -> Joint {
        self.pick(Joint::LeftWrist, Joint::RightWrist)
    }
    pub fn hip(self) -> Joint {
        self.pick(Joint::LeftHip, Joint::RightHip)
    }
    pub fn knee(self) -> Joint {
        self.pick(Joint::LeftKnee, Joint::RightKnee)
    }
    pub fn ankle(self) -> Joint {
        self.pick(Joint::LeftAnkle, Joint::RightAnkle)
    }
    pub fn heel(self) -> Joint {
        self.pick(Joint::LeftHeel, Joint::RightHeel)
    }
    pub fn foot_index(self) -> Joint {
        self.pick(Joint::LeftFootIndex, Joint::RightFootIndex)
    }
}

/// The same landmark on the other side of the body (itself for the nose).
pub fn mirror(j: Joint) -> Joint {
    let i = j.index();
    let m = match i {
        0 => 0,
        1..=3 => i + 3,
        4..=6 => i - 3,
        7..=32 if i % 2 == 1 => i + 1,
        _ => i - 1,
    };
    Joint::ALL[m]
}

// ---------------------------------------------------------------- skeleton

/// Segment lengths in metres (defaults: an adult).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Skeleton {
    /// Hip joint to hip joint.
    pub pelvis_width: f32,
    /// Shoulder joint to shoulder joint.
    pub shoulder_width: f32,
    /// Mid-hip to mid-shoulder.
    pub trunk: f32,
    /// Mid-shoulder straight up (trunk axis) to the midpoint of the ears.
    pub neck: f32,
    /// Ears to nose, forward.
    pub face_depth: f32,
    /// Ear to ear.
    pub head_width: f32,
    /// Shoulder to elbow.
    pub upper_arm: f32,
    /// Elbow to wrist.
    pub forearm: f32,
    /// Wrist to index knuckle.
    pub hand: f32,
    /// Hip to knee.
    pub thigh: f32,
    /// Knee to ankle.
    pub shank: f32,
    /// Ankle to heel, backwards (foot frame).
    pub heel_back: f32,
    /// Ankle to heel, downwards (= ankle height over a flat foot's sole).
    pub heel_down: f32,
    /// Ankle to foot index (toe), forwards.
    pub toe_forward: f32,
    /// Ankle to foot index, downwards.
    pub toe_down: f32,
}

impl Default for Skeleton {
    fn default() -> Self {
        Skeleton {
            pelvis_width: 0.26,
            shoulder_width: 0.38,
            trunk: 0.50,
            neck: 0.20,
            face_depth: 0.10,
            head_width: 0.15,
            upper_arm: 0.30,
            forearm: 0.27,
            hand: 0.08,
            thigh: 0.44,
            shank: 0.42,
            heel_back: 0.06,
            heel_down: 0.05,
            toe_forward: 0.16,
            toe_down: 0.05,
        }
    }
}

impl Skeleton {
    /// Height of the mid-hip over the floor when standing straight with
    /// flat feet (heels on the floor).
    pub fn standing_hip_height(&self) -> f32 {
        self.thigh + self.shank + self.heel_down
    }
}

// ---------------------------------------------------------------- angles

/// Joint angles in degrees. All 0 (the default) is standing upright, arms
/// hanging, feet flat, facing forward. `[f32; 2]` fields are per side,
/// indexed by `Side::Left as usize` / `Side::Right as usize`.
///
/// Limb rotations compose as `flexion ∘ abduction ∘ rotation` in the parent
/// frame: flexion (about the parent's left axis) is applied last, so
/// abduction always moves the limb sideways out of its flexed plane (e.g. a
/// knee drifting in/out on a leg press), and with abduction and rotation 0
/// every sagittal angle is a rotation about the same left axis.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct JointAngles {
    /// Trunk leans forward relative to the pelvis, about the pelvis's left
    /// axis at the mid-hip; negative is extension.
    pub trunk_flexion: f32,
    /// Trunk bends to the person's left (positive); the left shoulder drops.
    pub trunk_lateral: f32,
    /// Shoulder line turns about the trunk axis relative to the pelvis;
    /// positive brings the left shoulder forward.
    pub trunk_twist: f32,
    /// Head nods forward (chin down) about the mid-shoulder.
    pub neck_flexion: f32,
    /// Thigh forward/up from hanging (90 = horizontal forward when upright).
    pub hip_flexion: [f32; 2],
    /// Thigh out sideways, away from the midline.
    pub hip_abduction: [f32; 2],
    /// Internal rotation of the thigh about its long axis (toes/shank turn
    /// towards the midline when the knee is straight).
    pub hip_rotation: [f32; 2],
    /// Shank back relative to the thigh; 0 = straight.
    pub knee_flexion: [f32; 2],
    /// Foot points down relative to the shank (negative = dorsiflexion).
    /// About the ankle: anchor the foot index with
    /// [`BodyPlacement::anchored`] to make it a heel rise.
    pub ankle_plantarflexion: [f32; 2],
    /// Arm forward/up from hanging: 90 = horizontal forward, 180 = overhead.
    pub shoulder_flexion: [f32; 2],
    /// Arm out sideways from hanging.
    pub shoulder_abduction: [f32; 2],
    /// Forearm forward/up relative to the upper arm; 0 = straight.
    pub elbow_flexion: [f32; 2],
}

impl JointAngles {
    /// Sets both sides' ankle plantarflexion so each foot's heel→toe line is
    /// horizontal in the world (y up) for this placement: flat feet for
    /// squats, bridges, leg presses. Exact for sagittal motions (no hip
    /// abduction/rotation); close otherwise.
    pub fn with_feet_flat(mut self, skeleton: &Skeleton, placement: &BodyPlacement) -> Self {
        for side in Side::BOTH {
            for _ in 0..4 {
                let p = joints(skeleton, &self, placement);
                let d = p[side.foot_index().index()] - p[side.heel().index()];
                let rise = d.y.atan2((d.x * d.x + d.z * d.z).sqrt());
                self.ankle_plantarflexion[side.i()] += rise.to_degrees();
            }
        }
        self
    }
}

// ---------------------------------------------------------------- placement

/// Where the body is: the mid-hip's world position and the rotation from
/// the body frame (x left, y up, z forward) to the world (y up).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BodyPlacement {
    /// Mid-hip, world metres.
    pub position: Point3<f32>,
    /// Body frame → world.
    pub rotation: Rotation3<f32>,
}

fn rot(axis: Vector3<f32>, deg: f32) -> Rotation3<f32> {
    Rotation3::from_axis_angle(&nalgebra::Unit::new_normalize(axis), deg.to_radians())
}
fn rx(deg: f32) -> Rotation3<f32> {
    rot(Vector3::x(), deg)
}
fn ry(deg: f32) -> Rotation3<f32> {
    rot(Vector3::y(), deg)
}
fn rz(deg: f32) -> Rotation3<f32> {
    rot(Vector3::z(), deg)
}

/// Rotation whose columns are the body's left, up and forward in the world.
fn frame(left: Vector3<f32>, up: Vector3<f32>, forward: Vector3<f32>) -> Rotation3<f32> {
    Rotation3::from_matrix_unchecked(Matrix3::from_columns(&[left, up, forward]))
}

impl BodyPlacement {
    /// Upright, facing +z, left towards +x (body frame = world frame). Also
    /// the placement for sitting (`seated`) and squatting: posture comes
    /// from the joint angles, pelvis tilt from [`Self::pitch`].
    pub fn standing(at: Point3<f32>) -> Self {
        BodyPlacement {
            position: at,
            rotation: Rotation3::identity(),
        }
    }

    /// Same as [`Self::standing`]; sit with `hip_flexion = knee_flexion = 90`.
    pub fn seated(at: Point3<f32>) -> Self {
        Self::standing(at)
    }

    /// Seated with the pelvis and trunk reclined back by `recline_deg` from
    /// upright (0 = upright, 90 = lying on the back): the leg press seat.
    /// Facing +z; the legs are driven by hip/knee flexion.
    pub fn reclined(at: Point3<f32>, recline_deg: f32) -> Self {
        Self::standing(at).pitch(-recline_deg)
    }

    /// Lying on the back, face up (+y), head towards −x, left towards −z.
    pub fn supine(at: Point3<f32>) -> Self {
        BodyPlacement {
            position: at,
            rotation: frame(-Vector3::z(), -Vector3::x(), Vector3::y()),
        }
    }

    /// Lying face down (face towards −y), head towards −x, left towards +z.
    /// Also the base for quadruped (hip, knee and shoulder flexion 90 with
    /// the hips at thigh height) and plank (trunk straight, elbows/hands
    /// under the shoulders, toes on the floor): set the height with
    /// [`Self::anchored`] or [`Self::lowest_at`].
    pub fn prone(at: Point3<f32>) -> Self {
        BodyPlacement {
            position: at,
            rotation: frame(Vector3::z(), -Vector3::x(), -Vector3::y()),
        }
    }

    /// Lying on the `down` side, head towards −x: on the left side the body
    /// faces −z, on the right side +z. Side plank: this, rolled by
    /// [`Self::roll`] to lift the hips, anchored on the forearm/feet.
    pub fn side_lying(at: Point3<f32>, down: Side) -> Self {
        let left = -Vector3::y() * down.sign();
        let up = -Vector3::x();
        BodyPlacement {
            position: at,
            rotation: frame(left, up, left.cross(&up)),
        }
    }

    /// Tilts the whole body forward about its own left axis (same sense as
    /// flexion; for the pelvis: anterior tilt). Negative leans back. The
    /// legs tilt back with the pelvis: standing, a thigh is then
    /// `hip_flexion − deg` forward of vertical.
    pub fn pitch(self, deg: f32) -> Self {
        BodyPlacement {
            rotation: self.rotation * rx(deg),
            ..self
        }
    }

    /// Tilts the body's up axis towards its left about its forward axis:
    /// positive drops the left hip (pelvic drop / obliquity).
    pub fn roll(self, deg: f32) -> Self {
        BodyPlacement {
            rotation: self.rotation * rz(-deg),
            ..self
        }
    }

    /// Turns the body about its own up axis; positive turns it to its left.
    pub fn yaw(self, deg: f32) -> Self {
        BodyPlacement {
            rotation: self.rotation * ry(deg),
            ..self
        }
    }

    /// The same rotation, moved so that `joint` lands exactly on `at`
    /// (feet fixed on the floor in a squat, toes fixed in a calf raise).
    pub fn anchored(
        self,
        skeleton: &Skeleton,
        angles: &JointAngles,
        joint: Joint,
        at: Point3<f32>,
    ) -> Self {
        let p = joints(skeleton, angles, &self);
        BodyPlacement {
            position: self.position + (at - p[joint.index()]),
            ..self
        }
    }

    /// Moved vertically so that the lowest landmark is at height `y`.
    pub fn lowest_at(self, skeleton: &Skeleton, angles: &JointAngles, y: f32) -> Self {
        let p = joints(skeleton, angles, &self);
        let low = p.iter().map(|q| q.y).fold(f32::INFINITY, f32::min);
        BodyPlacement {
            position: self.position + Vector3::new(0.0, y - low, 0.0),
            ..self
        }
    }

    /// Body-frame point → world.
    pub fn to_world(self, body: Point3<f32>) -> Point3<f32> {
        self.position + self.rotation * body.coords
    }

    /// World point → body frame (x left, y up, z forward, from the mid-hip).
    pub fn to_body(self, world: Point3<f32>) -> Point3<f32> {
        Point3::from(self.rotation.inverse() * (world - self.position))
    }

    /// The person's left, in the world.
    pub fn left(&self) -> Vector3<f32> {
        self.rotation * Vector3::x()
    }

    /// Towards the person's head along the pelvis, in the world.
    pub fn up(&self) -> Vector3<f32> {
        self.rotation * Vector3::y()
    }

    /// The way the pelvis faces, in the world.
    pub fn forward(&self) -> Vector3<f32> {
        self.rotation * Vector3::z()
    }
}

// ---------------------------------------------------------------- joints

/// All 33 BlazePose landmarks in the body frame (x left, y up, z forward,
/// origin at the mid-hip), in `Joint` order.
pub fn body_joints(s: &Skeleton, a: &JointAngles) -> [Point3<f32>; NUM_LANDMARKS] {
    use Joint::*;
    let mut p = [Point3::origin(); NUM_LANDMARKS];
    let mut set = |j: Joint, v: Vector3<f32>| p[j.index()] = Point3::from(v);

    // Trunk and head.
    let trunk = rx(a.trunk_flexion) * rz(-a.trunk_lateral) * ry(-a.trunk_twist);
    let mid_shoulder = trunk * Vector3::new(0.0, s.trunk, 0.0);
    let head = trunk * rx(a.neck_flexion);
    let h = |x: f32, y: f32, z: f32| mid_shoulder + head * Vector3::new(x, s.neck + y, z);
    let f = s.face_depth;
    set(Nose, h(0.0, -0.01, f));
    for (sign, inner, eye, outer, ear, mouth) in [
        (1.0, LeftEyeInner, LeftEye, LeftEyeOuter, LeftEar, MouthLeft),
        (
            -1.0,
            RightEyeInner,
            RightEye,
            RightEyeOuter,
            RightEar,
            MouthRight,
        ),
    ] {
        set(inner, h(sign * 0.015, 0.03, f - 0.015));
        set(eye, h(sign * 0.032, 0.03, f - 0.02));
        set(outer, h(sign * 0.048, 0.03, f - 0.03));
        set(ear, h(sign * s.head_width / 2.0, 0.0, 0.0));
        set(mouth, h(sign * 0.025, -0.04, f - 0.01));
    }

    for side in Side::BOTH {
        let (i, sg) = (side.i(), side.sign());

        // Arm.
        let shoulder = mid_shoulder + trunk * Vector3::new(sg * s.shoulder_width / 2.0, 0.0, 0.0);
        let upper = trunk * rx(-a.shoulder_flexion[i]) * rz(sg * a.shoulder_abduction[i]);
        let elbow = shoulder + upper * Vector3::new(0.0, -s.upper_arm, 0.0);
        let fore = upper * rx(-a.elbow_flexion[i]);
        let wrist = elbow + fore * Vector3::new(0.0, -s.forearm, 0.0);
        // Palm towards the body, thumb forward (arm hanging).
        let hand = |x: f32, y: f32, z: f32| wrist + fore * Vector3::new(sg * x, y, z);
        set(side.shoulder(), shoulder);
        set(side.elbow(), elbow);
        set(side.wrist(), wrist);
        set(side.pick(LeftIndex, RightIndex), hand(0.0, -s.hand, 0.02));
        set(
            side.pick(LeftPinky, RightPinky),
            hand(0.0, -0.85 * s.hand, -0.02),
        );
        set(
            side.pick(LeftThumb, RightThumb),
            hand(0.0, -0.45 * s.hand, 0.035),
        );

        // Leg.
        let hip = Vector3::new(sg * s.pelvis_width / 2.0, 0.0, 0.0);
        let thigh =
            rx(-a.hip_flexion[i]) * rz(sg * a.hip_abduction[i]) * ry(-sg * a.hip_rotation[i]);
        let knee = hip + thigh * Vector3::new(0.0, -s.thigh, 0.0);
        let shank = thigh * rx(a.knee_flexion[i]);
        let ankle = knee + shank * Vector3::new(0.0, -s.shank, 0.0);
        let foot = shank * rx(a.ankle_plantarflexion[i]);
        set(side.hip(), hip);
        set(side.knee(), knee);
        set(side.ankle(), ankle);
        set(
            side.heel(),
            ankle + foot * Vector3::new(0.0, -s.heel_down, -s.heel_back),
        );
        set(
            side.foot_index(),
            ankle + foot * Vector3::new(0.0, -s.toe_down, s.toe_forward),
        );
    }
    p
}

/// All 33 BlazePose landmarks in world metres (y up), in `Joint` order.
pub fn joints(
    skeleton: &Skeleton,
    angles: &JointAngles,
    placement: &BodyPlacement,
) -> [Point3<f32>; NUM_LANDMARKS] {
    body_joints(skeleton, angles).map(|p| placement.to_world(p))
}

/// Mean of the two hip joints.
pub fn mid_hip(p: &[Point3<f32>; NUM_LANDMARKS]) -> Point3<f32> {
    nalgebra::center(&p[Joint::LeftHip.index()], &p[Joint::RightHip.index()])
}

/// Two-link inverse kinematics of a leg in the pelvis's sagittal plane:
/// the `(hip_flexion, knee_flexion)` in degrees that put the ankle at
/// (`forward`, `up`) metres from the hip joint, in the pelvis's axes, with
/// the knee bending forward. `None` when out of reach. (Use
/// [`BodyPlacement::to_body`] on a world ankle target and subtract the hip's
/// body position, `(±pelvis_width/2, 0, 0)`.)
pub fn leg_ik(skeleton: &Skeleton, forward: f32, up: f32) -> Option<(f32, f32)> {
    two_link_ik(skeleton.thigh, skeleton.shank, forward, up)
}

/// [`leg_ik`] for any two links `l1`, `l2`: the root's flexion (from
/// hanging straight down towards forward) and the middle joint's flexion
/// (second link rotated back), degrees.
pub fn two_link_ik(l1: f32, l2: f32, forward: f32, up: f32) -> Option<(f32, f32)> {
    let d = (forward * forward + up * up).sqrt();
    if d > l1 + l2 || d < (l1 - l2).abs() || d == 0.0 {
        return None;
    }
    let interior = ((l1 * l1 + l2 * l2 - d * d) / (2.0 * l1 * l2))
        .clamp(-1.0, 1.0)
        .acos();
    let alpha = ((l1 * l1 + d * d - l2 * l2) / (2.0 * l1 * d))
        .clamp(-1.0, 1.0)
        .acos();
    let to_target = forward.atan2(-up);
    Some((
        (to_target + alpha).to_degrees(),
        180.0 - interior.to_degrees(),
    ))
}

// ---------------------------------------------------------------- camera

/// A pinhole camera without distortion. Default image 1280×720, fx=fy=1000.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Camera {
    pub width: u32,
    pub height: u32,
    pub fx: f32,
    pub fy: f32,
    pub cx: f32,
    pub cy: f32,
    /// Centre of projection, world metres.
    pub position: Point3<f32>,
    /// Camera axes (x right, y down, z forward) → world.
    pub rotation: Rotation3<f32>,
}

impl Camera {
    pub const WIDTH: u32 = 1280;
    pub const HEIGHT: u32 = 720;
    pub const FOCAL: f32 = 1000.0;

    /// A camera at `position` looking at `target`, the image's up towards
    /// the world's +y (or towards `fallback_up` when looking straight up or
    /// down).
    pub fn look_at_with_up(
        position: Point3<f32>,
        target: Point3<f32>,
        fallback_up: Vector3<f32>,
    ) -> Camera {
        let forward = (target - position).normalize();
        let mut right = forward.cross(&Vector3::y());
        if right.norm() < 1e-3 {
            right = forward.cross(&fallback_up);
        }
        let right = right.normalize();
        let down = forward.cross(&right);
        Camera {
            width: Self::WIDTH,
            height: Self::HEIGHT,
            fx: Self::FOCAL,
            fy: Self::FOCAL,
            cx: Self::WIDTH as f32 / 2.0,
            cy: Self::HEIGHT as f32 / 2.0,
            position,
            rotation: Rotation3::from_matrix_unchecked(Matrix3::from_columns(&[
                right, down, forward,
            ])),
        }
    }

    /// A camera at `position` looking at `target`, image up = world +y.
    pub fn look_at(position: Point3<f32>, target: Point3<f32>) -> Camera {
        Self::look_at_with_up(position, target, -Vector3::z())
    }

    /// At `distance_m` from the mid-hip in the direction `azimuth_deg` from
    /// the body's forward towards its left (0 = in front, 90 = at its left,
    /// −90 = at its right, 180 = behind), raised by `elevation_deg` towards
    /// the world's up, looking at the mid-hip. When looking straight down
    /// (e.g. in front of a supine body) the image's up is the body's head.
    pub fn oblique(
        body: &BodyPlacement,
        distance_m: f32,
        azimuth_deg: f32,
        elevation_deg: f32,
    ) -> Camera {
        let (az, el) = (azimuth_deg.to_radians(), elevation_deg.to_radians());
        let around = body.forward() * az.cos() + body.left() * az.sin();
        let dir = (around * el.cos() + Vector3::y() * el.sin()).normalize();
        Self::look_at_with_up(body.position + dir * distance_m, body.position, body.up())
    }

    /// At the person's `side`, optical axis along the body's left axis
    /// (perpendicular to the sagittal plane), looking at the mid-hip.
    pub fn side_view(body: &BodyPlacement, distance_m: f32, side: Side) -> Camera {
        Self::oblique(body, distance_m, 90.0 * side.sign(), 0.0)
    }

    /// In front of the body (its face side), looking at the mid-hip; for a
    /// supine body that is overhead, head at the top of the image.
    pub fn front_view(body: &BodyPlacement, distance_m: f32) -> Camera {
        Self::oblique(body, distance_m, 0.0, 0.0)
    }

    /// World point → camera axes (x right, y down, z forward), metres.
    pub fn to_camera(self, p: Point3<f32>) -> Vector3<f32> {
        self.rotation.inverse() * (p - self.position)
    }

    /// World vector → camera axes.
    pub fn dir_to_camera(&self, v: Vector3<f32>) -> Vector3<f32> {
        self.rotation.inverse() * v
    }

    /// World point → (u, v) pixels and depth (metres along the optical
    /// axis; ≤ 0 behind the camera, where u, v are meaningless).
    pub fn project(&self, p: Point3<f32>) -> (f32, f32, f32) {
        let c = self.to_camera(p);
        let z = if c.z.abs() < 1e-6 { 1e-6 } else { c.z };
        (
            self.fx * c.x / z + self.cx,
            self.fy * c.y / z + self.cy,
            c.z,
        )
    }
}

// ---------------------------------------------------------------- rendering

/// Deterministic random numbers (SplitMix64; normals by Box–Muller).
#[derive(Clone, Debug)]
pub struct SimRng {
    state: u64,
    spare: Option<f32>,
}

impl SimRng {
    pub fn new(seed: u64) -> Self {
        SimRng {
            state: seed ^ 0x5DEE_CE66_D1CE_4E5B,
            spare: None,
        }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }

    /// Uniform in [lo, hi).
    #[allow(dead_code)] // used by `synthetic_body.rs` only
    pub fn range(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * self.uniform()
    }

    /// Standard normal.
    pub fn normal(&mut self) -> f32 {
        if let Some(z) = self.spare.take() {
            return z;
        }
        let u1 = ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
        let u2 = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        let r = (-2.0 * u1.ln()).sqrt();
        let t = 2.0 * std::f64::consts::PI * u2;
        self.spare = Some((r * t.sin()) as f32);
        (r * t.cos()) as f32
    }
}

/// Visibility of a landmark in the image.
pub const VISIBLE: f32 = 0.98;
/// Presence of a landmark in the image.
pub const PRESENT: f32 = 0.99;
/// Visibility of an occluded landmark.
pub const OCCLUDED: f32 = 0.05;
/// Visibility and presence of a landmark outside the image or behind the
/// camera.
pub const OUTSIDE: f32 = 0.02;

/// How landmarks are observed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Render {
    /// Gaussian sd of image noise, pixels, independently in u and v.
    pub noise_px: f32,
    /// Seed of the noise (used by [`track`]; [`observe`] takes the rng).
    pub seed: u64,
    /// Joints whose visibility is [`OCCLUDED`] in every frame.
    pub occluded: Vec<Joint>,
    /// Joints occluded only for `t_ms` in `[start, end)` ([`track`] only).
    pub occlusions: Vec<(Joint, f64, f64)>,
    /// When set, a landmark more than 5 cm farther from the camera than its
    /// mirror on the other side gets this visibility (self-occlusion).
    pub far_side_visibility: Option<f32>,
    /// `t_ms` ranges `[start, end)` with no person ([`track`] writes
    /// `null` landmarks).
    pub dropouts: Vec<(f64, f64)>,
}

/// What `camera` sees of world `joints`: MediaPipe-style image and world
/// landmarks (see the module docs for conventions), with `render`'s image
/// noise drawn from `rng` (two normals per landmark, whatever the sd),
/// visibility and presence; world landmarks are exact. `score` is 1.
pub fn observe(
    camera: &Camera,
    joints: &[Point3<f32>; NUM_LANDMARKS],
    render: &Render,
    rng: &mut SimRng,
) -> Pose {
    let hip = mid_hip(joints);
    let hip_depth = camera.to_camera(hip).z;
    let (w, h) = (camera.width as f32, camera.height as f32);
    let depth: Vec<f32> = joints.iter().map(|p| camera.to_camera(*p).z).collect();
    let mut pose = Pose {
        score: 1.0,
        ..Pose::default()
    };
    for j in Joint::ALL {
        let i = j.index();
        let (mut u, mut v, d) = camera.project(joints[i]);
        let inside = d > 0.01 && (0.0..w).contains(&u) && (0.0..h).contains(&v);
        u += render.noise_px * rng.normal();
        v += render.noise_px * rng.normal();
        let far = render
            .far_side_visibility
            .filter(|_| depth[i] > depth[mirror(j).index()] + 0.05);
        let visibility = if !inside {
            OUTSIDE
        } else if render.occluded.contains(&j) {
            OCCLUDED
        } else if let Some(far) = far {
            far
        } else {
            VISIBLE
        };
        pose.landmarks[i] = ImageLandmark {
            x: u / w,
            y: v / h,
            z: (d - hip_depth) * camera.fx / (hip_depth * w),
            visibility,
            presence: if inside { PRESENT } else { OUTSIDE },
        };
        let c = camera.dir_to_camera(joints[i] - hip);
        pose.world[i] = WorldLandmark {
            x: c.x,
            y: c.y,
            z: c.z,
        };
    }
    pose
}

// ---------------------------------------------------------------- sequences

/// One frame of a motion: time in ms, joint angles, placement.
pub type Frame = (f64, JointAngles, BodyPlacement);

/// Samples `f(t_seconds)` at `fps` for `duration_s`: frames `i = 0..n`,
/// `n = round(duration_s · fps)`, `t = i / fps`. `t_ms` is `1000·i/fps`
/// rounded to the nanosecond, so it survives a JSON round trip exactly
/// (serde_json may misparse the last bit of a 17-digit float).
pub fn sequence(
    fps: f32,
    duration_s: f32,
    f: impl Fn(f32) -> (JointAngles, BodyPlacement),
) -> Vec<Frame> {
    let n = (duration_s * fps).round() as usize;
    (0..n)
        .map(|i| {
            let (a, p) = f(i as f32 / fps);
            let t_ms = (i as f64 * 1e9 / f64::from(fps)).round() / 1e6;
            (t_ms, a, p)
        })
        .collect()
}

/// The landmark track `camera` sees of `seq` (frame = index in `seq`),
/// noise seeded by `render.seed`; frames in `render.dropouts` have `null`
/// landmarks, `render.occlusions` apply by time.
pub fn track(
    camera: &Camera,
    skeleton: &Skeleton,
    seq: &[Frame],
    render: &Render,
) -> Vec<TrackRecord> {
    let mut rng = SimRng::new(render.seed);
    seq.iter()
        .enumerate()
        .map(|(i, (t_ms, angles, placement))| {
            let t = *t_ms;
            let pose = observe(
                camera,
                &joints(skeleton, angles, placement),
                &Render {
                    occluded: render
                        .occluded
                        .iter()
                        .copied()
                        .chain(
                            render
                                .occlusions
                                .iter()
                                .filter(|(_, a, b)| (*a..*b).contains(&t))
                                .map(|(j, _, _)| *j),
                        )
                        .collect(),
                    ..render.clone()
                },
                &mut rng,
            );
            let gone = render.dropouts.iter().any(|(a, b)| (*a..*b).contains(&t));
            TrackRecord {
                frame: i as u64,
                t_ms: formcheck::time::SourceTime::from_ms(t),
                width: camera.width,
                height: camera.height,
                landmarks: (!gone).then(|| pose.landmarks.to_vec()),
                world: (!gone).then(|| pose.world.to_vec()),
                back: None,
                outline: None,
            }
        })
        .collect()
}

/// Writes `records` as JSON Lines, the format `formcheck pose` writes and
/// `formcheck::recording::track::read_track` reads.
#[allow(dead_code)] // used by `synthetic_body.rs` only
pub fn write_track(path: &Path, records: &[TrackRecord]) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    for r in records {
        serde_json::to_writer(&mut out, r).map_err(std::io::Error::other)?;
        out.write_all(b"\n")?;
    }
    out.flush()
}

// ---------------------------------------------------------------- easing

/// 0 → 1 → 0 over each `period_s`, raised cosine (0 at t = 0).
pub fn cycle(t: f32, period_s: f32) -> f32 {
    0.5 - 0.5 * (2.0 * PI * t / period_s).cos()
}

/// 0 before `t0`, 1 after `t1`, a raised-cosine ease between.
pub fn ramp(t: f32, t0: f32, t1: f32) -> f32 {
    if t <= t0 {
        0.0
    } else if t >= t1 {
        1.0
    } else {
        0.5 - 0.5 * (PI * (t - t0) / (t1 - t0)).cos()
    }
}
