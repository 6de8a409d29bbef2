//! The analysis on a synthetic body: 3D joints with known segment lengths,
//! driven by known joint angles, projected through a pinhole camera, with
//! noise and occlusion. Each exercise is performed cleanly and with a fault
//! injected at a known time; a rule must fire within 0.2 s of the fault,
//! clear after it, and never fire on the clean run.

use formcheck::analysis::config::Exercise;
use formcheck::analysis::events::Event;
use formcheck::analysis::measure::{measure, Metric, Side};
use formcheck::analysis::Analyzer;
use formcheck::pose::{ImageLandmark, ImageSize, Joint, Pose, WorldLandmark};
use nalgebra::{Point3, Vector2, Vector3};

const FPS: f64 = 30.0;
const SIZE: ImageSize = ImageSize {
    width: 1280,
    height: 720,
};
const FOCAL: f32 = 1000.0;

/// Segment lengths, metres.
const TRUNK: f32 = 0.50;
const THIGH: f32 = 0.44;
const SHANK: f32 = 0.42;
const UPPER_ARM: f32 = 0.30;
const FOREARM: f32 = 0.27;
const HIP_WIDTH: f32 = 0.26;
const SHOULDER_WIDTH: f32 = 0.38;

/// Joint angles of the body in its sagittal plane, degrees. Limb directions
/// are measured from the body's "down" towards its front; the trunk from
/// its "up" towards its front.
#[derive(Clone, Copy, Debug)]
struct Angles {
    /// Orientation of the whole body in the image plane: 0 standing, −90
    /// lying on the back (head to the left), 90 face down (head to the right).
    body: f32,
    trunk: f32,
    thigh: [f32; 2],
    shank: [f32; 2],
    arm: [f32; 2],
    forearm: [f32; 2],
    /// Drop of the right hip below the left, metres (frontal plane).
    hip_drop: f32,
}

impl Default for Angles {
    fn default() -> Self {
        Angles {
            body: 0.0,
            trunk: 0.0,
            thigh: [0.0; 2],
            shank: [0.0; 2],
            arm: [0.0; 2],
            forearm: [0.0; 2],
            hip_drop: 0.0,
        }
    }
}

/// Where the camera is.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Camera {
    /// At the body's left side, 3 m away.
    Side,
    /// In front of the body, 3.5 m away.
    Front,
}

fn dir_down(deg: f32) -> Vector2<f32> {
    let r = deg.to_radians();
    Vector2::new(r.sin(), r.cos())
}

fn dir_up(deg: f32) -> Vector2<f32> {
    let r = deg.to_radians();
    Vector2::new(r.sin(), -r.cos())
}

/// The 33 joints in world metres (camera axes: x right, y down, z away).
fn joints(a: &Angles, camera: Camera) -> [Point3<f32>; 33] {
    let rot = |v: Vector2<f32>| {
        let (s, c) = a.body.to_radians().sin_cos();
        Vector2::new(v.x * c - v.y * s, v.x * s + v.y * c)
    };
    // Sagittal-plane positions (forward x, down y) relative to the mid-hip.
    let shoulder = rot(dir_up(a.trunk) * TRUNK);
    let head_up = rot(dir_up(a.trunk));
    let forward = rot(Vector2::new(1.0, 0.0));
    let mut sag = [Vector2::zeros(); 33];
    let mut lateral = [0.0f32; 33];
    let mut drop = [0.0f32; 33];
    use Joint::*;
    for (side, sign) in [(0usize, -1.0f32), (1, 1.0)] {
        let (s, e, w, p, i, t, h, k, an, he, fi) = if side == 0 {
            (
                LeftShoulder,
                LeftElbow,
                LeftWrist,
                LeftPinky,
                LeftIndex,
                LeftThumb,
                LeftHip,
                LeftKnee,
                LeftAnkle,
                LeftHeel,
                LeftFootIndex,
            )
        } else {
            (
                RightShoulder,
                RightElbow,
                RightWrist,
                RightPinky,
                RightIndex,
                RightThumb,
                RightHip,
                RightKnee,
                RightAnkle,
                RightHeel,
                RightFootIndex,
            )
        };
        let knee = rot(dir_down(a.thigh[side]) * THIGH);
        let ankle = knee + rot(dir_down(a.shank[side]) * SHANK);
        let elbow = shoulder + rot(dir_down(a.arm[side]) * UPPER_ARM);
        let wrist = elbow + rot(dir_down(a.forearm[side]) * FOREARM);
        let shank_dir = rot(dir_down(a.shank[side]));
        for (j, v) in [
            (s, shoulder),
            (e, elbow),
            (w, wrist),
            (p, wrist + (wrist - elbow) * 0.25),
            (i, wrist + (wrist - elbow) * 0.3),
            (t, wrist + (wrist - elbow) * 0.2),
            (h, Vector2::zeros()),
            (k, knee),
            (an, ankle),
            (he, ankle + shank_dir * 0.05 - forward * 0.05),
            (fi, ankle + shank_dir * 0.05 + forward * 0.15),
        ] {
            sag[j.index()] = v;
            let half = if matches!(j, LeftShoulder | RightShoulder | LeftElbow | RightElbow) {
                SHOULDER_WIDTH
            } else {
                HIP_WIDTH
            };
            lateral[j.index()] = sign * half / 2.0;
        }
        drop[h.index()] = if side == 1 { a.hip_drop } else { 0.0 };
    }
    let nose = shoulder + head_up * 0.22 + forward * 0.1;
    for (j, v, lat) in [
        (Nose, nose, 0.0),
        (LeftEyeInner, nose + head_up * 0.03, -0.015),
        (LeftEye, nose + head_up * 0.03 - forward * 0.01, -0.03),
        (LeftEyeOuter, nose + head_up * 0.03 - forward * 0.02, -0.045),
        (RightEyeInner, nose + head_up * 0.03, 0.015),
        (RightEye, nose + head_up * 0.03 - forward * 0.01, 0.03),
        (RightEyeOuter, nose + head_up * 0.03 - forward * 0.02, 0.045),
        (LeftEar, shoulder + head_up * 0.22 - forward * 0.02, -0.07),
        (RightEar, shoulder + head_up * 0.22 - forward * 0.02, 0.07),
        (MouthLeft, nose - head_up * 0.04, -0.02),
        (MouthRight, nose - head_up * 0.04, 0.02),
    ] {
        sag[j.index()] = v;
        lateral[j.index()] = lat;
    }
    let hip_world = Point3::new(0.0, 0.0, 3.0);
    let mut out = [Point3::origin(); 33];
    for (i, o) in out.iter_mut().enumerate() {
        let (x, y, z) = match camera {
            // The body faces +x; its left side (negative lateral) is nearer.
            Camera::Side => (sag[i].x, sag[i].y + drop[i], lateral[i]),
            // The body faces the camera; its left is the image's right.
            Camera::Front => (-lateral[i], sag[i].y + drop[i], -sag[i].x + 0.5),
        };
        *o = hip_world + Vector3::new(x, y, z);
    }
    out
}

/// Noise and occlusion of the observation.
#[derive(Clone, Default)]
struct Render {
    noise_px: f32,
    occluded: Vec<Joint>,
}

/// A pseudo-random normal deviate (Box–Muller on an LCG), deterministic.
fn gauss(state: &mut u64) -> f32 {
    let mut uniform = || {
        *state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((*state >> 40) as f32 + 0.5) / (1u64 << 24) as f32
    };
    let (u1, u2) = (uniform(), uniform());
    (-2.0 * u1.ln()).sqrt() * (std::f32::consts::TAU * u2).cos()
}

/// What the pose engine would report for these joints.
fn observe(j: &[Point3<f32>; 33], render: &Render, rng: &mut u64) -> Pose {
    let mut pose = Pose {
        score: 1.0,
        ..Pose::default()
    };
    let mid_hip = (j[Joint::LeftHip.index()].coords + j[Joint::RightHip.index()].coords) / 2.0;
    for (i, p) in j.iter().enumerate() {
        let u = FOCAL * p.x / p.z + SIZE.width as f32 / 2.0 + render.noise_px * gauss(rng);
        let v = FOCAL * p.y / p.z + SIZE.height as f32 / 2.0 + render.noise_px * gauss(rng);
        let hidden = render.occluded.iter().any(|o| o.index() == i);
        pose.landmarks[i] = ImageLandmark {
            x: u / SIZE.width as f32,
            y: v / SIZE.height as f32,
            z: (p.z - mid_hip.z) * FOCAL / mid_hip.z / SIZE.width as f32,
            visibility: if hidden { 0.05 } else { 0.98 },
            presence: 0.99,
        };
        let w = p.coords - mid_hip;
        pose.world[i] = WorldLandmark {
            x: w.x,
            y: w.y,
            z: w.z,
        };
    }
    pose
}

/// Runs `exercise` over `seconds` of motion; returns the events.
fn run(
    exercise: &str,
    camera: Camera,
    render: &Render,
    seconds: f64,
    motion: impl Fn(f64) -> Angles,
) -> Vec<Event> {
    let mut analyzer = Analyzer::new(Exercise::named(exercise).unwrap(), None);
    let mut events = Vec::new();
    let mut rng = 7u64;
    let frames = (seconds * FPS) as u64;
    for f in 0..frames {
        let t = f as f64 / FPS;
        let pose = observe(&joints(&motion(t), camera), render, &mut rng);
        analyzer.push(f, t * 1000.0, SIZE, Some(&pose), &mut events);
    }
    analyzer.finish(&mut events);
    events
}

/// Smooth 0 → 1 between `t0` and `t0 + 0.3` s, back to 0 after `t1`.
fn fault(t: f64, t0: f64, t1: f64) -> f32 {
    let ramp = |x: f64| {
        ((x / 0.3).clamp(0.0, 1.0) * std::f64::consts::PI / 2.0)
            .sin()
            .powi(2) as f32
    };
    ramp(t - t0) * (1.0 - ramp(t - t1))
}

/// Time, s, of the first `flag_start` of `rule`, and of its `flag_end`.
fn flag_times(events: &[Event], rule: &str) -> (Option<f64>, Option<f64>) {
    let start = events.iter().find_map(|e| match e {
        Event::FlagStart { rule: r, t_ms, .. } if r == rule => Some(t_ms / 1000.0),
        _ => None,
    });
    let end = events.iter().find_map(|e| match e {
        Event::FlagEnd { rule: r, t_ms, .. } if r == rule => Some(t_ms / 1000.0),
        _ => None,
    });
    (start, end)
}

fn flags(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::FlagStart { rule, .. } => Some(rule.clone()),
            _ => None,
        })
        .collect()
}

/// The first time, s, at which `metric` of the clean-plus-fault motion
/// passes `limit` in the rule's direction (the injected fault's onset as the
/// camera sees it).
fn onset(
    camera: Camera,
    motion: &impl Fn(f64) -> Angles,
    seconds: f64,
    crosses: impl Fn(f32) -> bool,
    metric: Metric,
) -> f64 {
    let mut rng = 1u64;
    (0..(seconds * FPS) as u64)
        .map(|f| f as f64 / FPS)
        .find(|&t| {
            let pose = observe(&joints(&motion(t), camera), &Render::default(), &mut rng);
            measure(&pose, SIZE, Side::Left, None)
                .get(metric)
                .is_some_and(|m| crosses(m.value))
        })
        .expect("the fault crosses the limit")
}

/// Checks one rule: clean run without flags, faulty run flagged within
/// 0.2 s of the onset and cleared after the fault.
#[allow(clippy::too_many_arguments)]
fn check_rule(
    exercise: &str,
    rule: &str,
    camera: Camera,
    seconds: f64,
    metric: Metric,
    crosses: impl Fn(f32) -> bool,
    clean: impl Fn(f64) -> Angles,
    faulty: impl Fn(f64) -> Angles,
    fault_end: f64,
) {
    let render = Render {
        noise_px: 0.5,
        ..Render::default()
    };
    let clean_events = run(exercise, camera, &render, seconds, &clean);
    let clean_flags: Vec<String> = flags(&clean_events)
        .into_iter()
        .filter(|f| f != "tempo_too_fast")
        .collect();
    assert!(
        clean_flags.is_empty(),
        "{exercise}: clean run raised {clean_flags:?}"
    );

    let t0 = onset(camera, &faulty, seconds, crosses, metric);
    let events = run(exercise, camera, &render, seconds, &faulty);
    let (start, end) = flag_times(&events, rule);
    let start = start.unwrap_or_else(|| panic!("{exercise}/{rule}: never fired (onset {t0:.2} s)"));
    assert!(
        start >= t0 - 0.05 && start <= t0 + 0.2,
        "{exercise}/{rule}: fired at {start:.2} s, fault at {t0:.2} s"
    );
    let end = end.unwrap_or_else(|| panic!("{exercise}/{rule}: never cleared"));
    assert!(
        end <= fault_end + 0.5 && end > start,
        "{exercise}/{rule}: cleared at {end:.2} s, fault over at {fault_end:.2} s"
    );
}

/// Standing, arms hanging.
fn standing() -> Angles {
    Angles::default()
}

/// A squat of depth `d` (0 standing, 1 deep): knees forward, hips back.
fn squat_pose(d: f32, extra_lean: f32) -> Angles {
    let knee = 100.0 * d;
    Angles {
        trunk: 30.0 * d + extra_lean,
        thigh: [knee * 0.8; 2],
        shank: [-knee * 0.45; 2],
        arm: [80.0 * d; 2],
        forearm: [80.0 * d; 2],
        ..standing()
    }
}

fn cycle(t: f64, period: f64) -> f32 {
    (0.5 - 0.5 * (t * std::f64::consts::TAU / period).cos()) as f32
}

#[test]
fn squat_trunk_flexion() {
    let clean = |t: f64| squat_pose(cycle(t, 6.0), 0.0);
    let faulty = |t: f64| squat_pose(cycle(t, 6.0), 40.0 * fault(t, 8.0, 10.0));
    // Baseline (standing) trunk ~0°: the limit is 45° of extra lean.
    check_rule(
        "squat",
        "trunk_flexion",
        Camera::Side,
        14.0,
        Metric::TrunkFromVertical,
        |v| v > 45.0,
        clean,
        faulty,
        10.3,
    );
}

/// A forearm plank, face down, body straight; `bend` lifts (+) or drops (−)
/// the hips.
fn plank(bend: f32) -> Angles {
    Angles {
        body: 90.0,
        trunk: bend / 2.0,
        thigh: [bend / 2.0; 2],
        shank: [bend / 2.0; 2],
        arm: [90.0; 2],
        forearm: [180.0; 2],
        ..standing()
    }
}

#[test]
fn plank_hip_sag_and_pike() {
    let clean = |_: f64| plank(0.0);
    check_rule(
        "plank",
        "hip_sag",
        Camera::Side,
        8.0,
        Metric::BodyLine,
        |v| v < -10.0,
        clean,
        |t| plank(-25.0 * fault(t, 3.0, 5.0)),
        5.3,
    );
    check_rule(
        "plank",
        "hip_pike",
        Camera::Side,
        8.0,
        Metric::BodyLine,
        |v| v > 10.0,
        clean,
        |t| plank(25.0 * fault(t, 3.0, 5.0)),
        5.3,
    );
}

/// A glute bridge, lying on the back, knees bent, hips lifted by `lift`
/// (0 on the floor, 1 straight line shoulder–hip–knee) plus `arch` degrees.
fn bridge(lift: f32, arch: f32) -> Angles {
    let hip_ext = 130.0 + 50.0 * lift + arch; // shoulder–hip–knee angle
    Angles {
        body: -90.0,
        trunk: 120.0 - hip_ext,
        thigh: [60.0; 2],
        shank: [-40.0; 2],
        arm: [0.0; 2],
        ..standing()
    }
}

#[test]
fn glute_bridge_hyperextension() {
    let clean = |t: f64| bridge(cycle(t, 6.0), 0.0);
    let faulty = |t: f64| bridge(cycle(t, 6.0), 25.0 * fault(t, 8.5, 9.5));
    check_rule(
        "glute_bridge",
        "hyperextension",
        Camera::Side,
        14.0,
        Metric::HipExtension,
        |v| v > 190.0,
        clean,
        faulty,
        9.8,
    );
}

/// Leg press: reclined trunk, knees cycling between `top` and `bottom`
/// knee angles.
fn leg_press(knee_angle: f32) -> Angles {
    let flex = 180.0 - knee_angle;
    Angles {
        body: -40.0,
        trunk: 0.0,
        thigh: [50.0 + flex * 0.35; 2],
        shank: [50.0 + flex * 0.35 - flex; 2],
        arm: [20.0; 2],
        ..standing()
    }
}

#[test]
fn leg_press_depth_and_knee_lock() {
    let depth = |t: f64, extra: f32| leg_press(165.0 - 60.0 * cycle(t, 5.0) - extra);
    check_rule(
        "leg_press",
        "knee_depth",
        Camera::Side,
        12.0,
        Metric::KneeAngle,
        |v| v < 90.0,
        |t| depth(t, 0.0),
        |t| depth(t, 25.0 * fault(t, 6.5, 8.0)),
        8.3,
    );
    check_rule(
        "leg_press",
        "knee_lock",
        Camera::Side,
        12.0,
        Metric::KneeAngle,
        |v| v > 175.0,
        |t| depth(t, 0.0),
        |t| {
            leg_press(
                165.0 + 14.0 * fault(t, 4.0, 6.0)
                    - 60.0 * cycle(t, 5.0) * (1.0 - fault(t, 4.0, 6.0)),
            )
        },
        6.3,
    );
}

/// Bird-dog on all fours: one leg extended back at `leg` degrees above the
/// trunk line.
fn bird_dog(leg: f32) -> Angles {
    Angles {
        body: 90.0,
        trunk: 0.0,
        thigh: [-leg, 90.0],
        shank: [-leg, 0.0],
        arm: [90.0, 180.0],
        forearm: [90.0, 180.0],
        ..standing()
    }
}

#[test]
fn bird_dog_leg_too_high() {
    check_rule(
        "bird_dog",
        "leg_too_high",
        Camera::Side,
        8.0,
        Metric::RaisedLegElevation,
        |v| v > 15.0,
        |_| bird_dog(0.0),
        |t| bird_dog(30.0 * fault(t, 3.0, 4.5)),
        4.8,
    );
}

#[test]
fn single_leg_bridge_pelvic_drop_from_the_front() {
    check_rule(
        "single_leg_bridge",
        "pelvic_drop",
        Camera::Front,
        8.0,
        Metric::PelvisTilt,
        |v| v.abs() > 10.0,
        |_| standing(),
        |t| Angles {
            hip_drop: 0.07 * fault(t, 3.0, 5.0),
            ..standing()
        },
        5.3,
    );
}

#[test]
fn angles_from_the_synthetic_body_are_within_half_a_degree() {
    for knee in [0.0f32, 30.0, 60.0, 90.0, 120.0] {
        let a = Angles {
            thigh: [knee; 2],
            shank: [0.0; 2],
            ..standing()
        };
        let j = joints(&a, Camera::Side);
        let truth = {
            let (h, k, an) = (
                j[Joint::LeftHip.index()],
                j[Joint::LeftKnee.index()],
                j[Joint::LeftAnkle.index()],
            );
            ((h - k).normalize().dot(&(an - k).normalize()))
                .acos()
                .to_degrees()
        };
        let pose = observe(&j, &Render::default(), &mut 1);
        let m = measure(&pose, SIZE, Side::Left, None);
        let got = m.get(Metric::KneeAngle).unwrap().value;
        assert!((got - truth).abs() < 0.5, "knee {knee}: {got} vs {truth}");
        assert!((truth - (180.0 - knee)).abs() < 1e-3);
    }
}

#[test]
fn a_joint_the_model_cannot_see_is_never_flagged() {
    let render = Render {
        occluded: vec![Joint::LeftHip, Joint::RightHip],
        ..Render::default()
    };
    let events = run("plank", Camera::Side, &render, 6.0, |t| {
        plank(-25.0 * fault(t, 2.0, 4.0))
    });
    assert!(flags(&events).is_empty(), "{:?}", flags(&events));
    assert!(events.iter().any(|e| matches!(e, Event::CannotSee { rule, hint, .. } if rule == "hip_sag" && hint.contains("hip"))));
}

#[test]
fn the_wrong_view_asks_for_the_camera_to_move_and_flags_nothing() {
    let events = run("plank", Camera::Front, &Render::default(), 6.0, |t| {
        plank(-25.0 * fault(t, 2.0, 4.0))
    });
    assert!(flags(&events).is_empty(), "{:?}", flags(&events));
    assert!(events
        .iter()
        .any(|e| matches!(e, Event::View { message, .. } if message.contains("at your side"))));
}

/// The value of `metric` at the start of a motion (a set's baseline).
fn start_value(camera: Camera, motion: &impl Fn(f64) -> Angles, metric: Metric) -> f32 {
    let pose = observe(&joints(&motion(0.0), camera), &Render::default(), &mut 1);
    measure(&pose, SIZE, Side::Left, None)
        .get(metric)
        .unwrap()
        .value
}

#[test]
fn leg_press_trunk_rolling_off_the_backrest() {
    let clean = |t: f64| leg_press(165.0 - 60.0 * cycle(t, 5.0));
    let faulty = |t: f64| Angles {
        trunk: 10.0 * fault(t, 6.0, 7.5),
        ..clean(t)
    };
    let base = start_value(Camera::Side, &clean, Metric::TrunkDirection);
    check_rule(
        "leg_press",
        "trunk_off_backrest",
        Camera::Side,
        12.0,
        Metric::TrunkDirection,
        |v| (v - base).abs() > 5.0,
        clean,
        faulty,
        7.8,
    );
}

#[test]
fn bird_dog_trunk_sag() {
    let clean = |_: f64| bird_dog(0.0);
    let faulty = |t: f64| Angles {
        trunk: -10.0 * fault(t, 3.0, 4.5),
        ..bird_dog(0.0)
    };
    let base = start_value(Camera::Side, &clean, Metric::TrunkDirection);
    check_rule(
        "bird_dog",
        "trunk_sag",
        Camera::Side,
        8.0,
        Metric::TrunkDirection,
        |v| (v - base).abs() > 5.0,
        clean,
        faulty,
        4.8,
    );
}

/// Dead bug: lying on the back, one leg lowering from table-top to
/// `elevation` degrees above the floor.
fn dead_bug(elevation: f32) -> Angles {
    let leg = elevation;
    Angles {
        body: -90.0,
        thigh: [90.0, leg],
        shank: [0.0, leg],
        arm: [180.0; 2],
        ..standing()
    }
}

#[test]
fn dead_bug_leg_lowered_too_far() {
    let clean = |t: f64| dead_bug(60.0 - 35.0 * cycle(t, 6.0));
    let faulty = |t: f64| dead_bug(60.0 - 35.0 * cycle(t, 6.0) - 20.0 * fault(t, 8.5, 9.5));
    check_rule(
        "dead_bug",
        "leg_too_low",
        Camera::Side,
        14.0,
        Metric::LoweredLegElevation,
        |v| v < 15.0,
        clean,
        faulty,
        9.8,
    );
}

#[test]
fn calf_raise_knee_bend() {
    let clean = |_: f64| standing();
    let faulty = |t: f64| Angles {
        shank: [-20.0 * fault(t, 3.0, 4.5); 2],
        ..standing()
    };
    check_rule(
        "calf_raise",
        "knee_bend",
        Camera::Side,
        8.0,
        Metric::KneeAngle,
        |v| v < 170.0,
        clean,
        faulty,
        4.8,
    );
}

/// Seated on a bench: trunk upright, thighs horizontal, knee at `knee`.
fn seated(knee: f32) -> Angles {
    Angles {
        thigh: [90.0; 2],
        shank: [90.0 - (180.0 - knee); 2],
        ..standing()
    }
}

#[test]
fn knee_extension_slump() {
    let clean = |t: f64| seated(100.0 + 70.0 * cycle(t, 6.0));
    let faulty = |t: f64| Angles {
        trunk: 18.0 * fault(t, 7.0, 8.5),
        ..clean(t)
    };
    let base = start_value(Camera::Side, &clean, Metric::TrunkDirection);
    check_rule(
        "knee_extension",
        "slump",
        Camera::Side,
        12.0,
        Metric::TrunkDirection,
        |v| (v - base).abs() > 10.0,
        clean,
        faulty,
        8.8,
    );
}

#[test]
fn prone_leg_curl_hips_lift() {
    let clean = |t: f64| Angles {
        body: 90.0,
        shank: [70.0 * cycle(t, 6.0); 2],
        arm: [180.0; 2],
        ..standing()
    };
    let faulty = |t: f64| Angles {
        thigh: [-18.0 * fault(t, 7.0, 8.5); 2],
        ..clean(t)
    };
    let base = start_value(Camera::Side, &clean, Metric::HipAngle);
    check_rule(
        "leg_curl",
        "hips_lift",
        Camera::Side,
        12.0,
        Metric::HipAngle,
        |v| (v - base).abs() > 10.0,
        clean,
        faulty,
        8.8,
    );
}

#[test]
fn reps_too_fast_are_flagged_and_slow_ones_are_not() {
    let slow = run("squat", Camera::Side, &Render::default(), 13.0, |t| {
        squat_pose(cycle(t, 6.0), 0.0)
    });
    let reps = slow
        .iter()
        .filter(|e| matches!(e, Event::Rep { .. }))
        .count();
    assert_eq!(reps, 2);
    assert!(
        !flags(&slow).contains(&"tempo_too_fast".to_string()),
        "{:?}",
        flags(&slow)
    );

    let fast = run("squat", Camera::Side, &Render::default(), 7.0, |t| {
        squat_pose(cycle(t, 1.5), 0.0)
    });
    let reps = fast
        .iter()
        .filter(|e| matches!(e, Event::Rep { .. }))
        .count();
    assert!(reps >= 3, "{reps} reps");
    assert!(flags(&fast).contains(&"tempo_too_fast".to_string()));
}

#[test]
fn bird_dog_hold_is_timed_and_too_long_is_flagged() {
    // Extended leg held for 8 s: a hold, no flag.
    let short = run("bird_dog", Camera::Side, &Render::default(), 10.0, |t| {
        if t < 8.0 {
            bird_dog(0.0)
        } else {
            bird_dog(-40.0)
        }
    });
    let holds: Vec<f64> = short
        .iter()
        .filter_map(|e| match e {
            Event::Hold { duration_s, .. } => Some(*duration_s),
            _ => None,
        })
        .collect();
    assert_eq!(holds.len(), 1);
    assert!((holds[0] - 8.0).abs() < 0.1, "{holds:?}");
    assert!(flags(&short).is_empty());
    // Held for 12 s: flagged just after 10 s.
    let long = run("bird_dog", Camera::Side, &Render::default(), 14.0, |t| {
        if t < 12.0 {
            bird_dog(0.0)
        } else {
            bird_dog(-40.0)
        }
    });
    let (start, end) = flag_times(&long, "hold_too_long");
    let start = start.expect("hold too long flagged");
    assert!((10.0..=10.2).contains(&start), "{start}");
    assert!(end.is_some_and(|e| (e - 12.0).abs() < 0.1));
}
