//! Tests of the synthetic body model (`tests/synthetic/mod.rs`), and two
//! worked examples of exercises built with it.
#![allow(clippy::unwrap_used, clippy::too_many_lines)] // a test fails by panicking; a scenario reads best whole

mod synthetic;

use formcheck::body::{Joint, Pose, NUM_LANDMARKS};
use formcheck::recording::track::read_track;
use nalgebra::{Point3, Rotation3, Vector2};
use synthetic::*;

fn standing() -> BodyPlacement {
    BodyPlacement::standing(Point3::new(
        0.0,
        Skeleton::default().standing_hip_height(),
        0.0,
    ))
}

fn clean(camera: &Camera, p: &[Point3<f32>; NUM_LANDMARKS]) -> Pose {
    observe(camera, p, &Render::default(), &mut SimRng::new(0))
}

fn dist(p: &[Point3<f32>; NUM_LANDMARKS], a: Joint, b: Joint) -> f32 {
    (p[a.index()] - p[b.index()]).norm()
}

fn random_angles(rng: &mut SimRng) -> JointAngles {
    let mut a = JointAngles {
        trunk_flexion: rng.range(-30.0, 90.0),
        trunk_lateral: rng.range(-30.0, 30.0),
        trunk_twist: rng.range(-40.0, 40.0),
        neck_flexion: rng.range(-30.0, 45.0),
        ..JointAngles::default()
    };
    for i in 0..2 {
        a.hip_flexion[i] = rng.range(-20.0, 130.0);
        a.hip_abduction[i] = rng.range(-10.0, 45.0);
        a.hip_rotation[i] = rng.range(-40.0, 40.0);
        a.knee_flexion[i] = rng.range(0.0, 140.0);
        a.ankle_plantarflexion[i] = rng.range(-30.0, 50.0);
        a.shoulder_flexion[i] = rng.range(-40.0, 180.0);
        a.shoulder_abduction[i] = rng.range(0.0, 170.0);
        a.elbow_flexion[i] = rng.range(0.0, 150.0);
    }
    a
}

// ---------------------------------------------------------------- checking

/// Which side a landmark belongs to (`None` for the nose).
fn side_of(j: Joint) -> Option<Side> {
    match j.index() {
        0 => None,
        1..=3 => Some(Side::Left),
        4..=6 => Some(Side::Right),
        i if i % 2 == 1 => Some(Side::Left),
        _ => Some(Side::Right),
    }
}

/// A landmark in pixels.
fn pixel(pose: &Pose, camera: &Camera, j: Joint) -> Vector2<f32> {
    let l = pose.landmark(j);
    Vector2::new(l.x * camera.width as f32, l.y * camera.height as f32)
}

/// Midpoint of two landmarks in pixels.
fn mid_pixel(pose: &Pose, camera: &Camera, a: Joint, b: Joint) -> Vector2<f32> {
    (pixel(pose, camera, a) + pixel(pose, camera, b)) / 2.0
}

/// The angle at `b` between `b→a` and `b→c`, degrees in [0, 180].
fn angle_at(a: Vector2<f32>, b: Vector2<f32>, c: Vector2<f32>) -> f32 {
    let (u, v) = (a - b, c - b);
    (u.x * v.y - u.y * v.x).abs().atan2(u.dot(&v)).to_degrees()
}

/// The image angle a–b–c at joint `b`, in pixels, degrees in [0, 180].
fn image_angle(pose: &Pose, camera: &Camera, a: Joint, b: Joint, c: Joint) -> f32 {
    angle_at(
        pixel(pose, camera, a),
        pixel(pose, camera, b),
        pixel(pose, camera, c),
    )
}

/// Angle of `from → to` below the image's horizontal-right, degrees in
/// (−180, 180] (image y is down: positive when `to` is lower and right).
fn image_direction(from: Vector2<f32>, to: Vector2<f32>) -> f32 {
    let d = to - from;
    d.y.atan2(d.x).to_degrees()
}

/// Angle between two image vectors, degrees.
fn between(u: Vector2<f32>, v: Vector2<f32>) -> f32 {
    angle_at(u, Vector2::zeros(), v)
}

#[test]
fn segment_lengths_are_preserved_for_random_angles() {
    let s = Skeleton::default();
    let mut rng = SimRng::new(1);
    for _ in 0..300 {
        let a = random_angles(&mut rng);
        let place = BodyPlacement {
            position: Point3::new(
                rng.range(-3.0, 3.0),
                rng.range(0.0, 2.0),
                rng.range(-3.0, 3.0),
            ),
            rotation: Rotation3::from_euler_angles(
                rng.range(-3.1, 3.1),
                rng.range(-1.5, 1.5),
                rng.range(-3.1, 3.1),
            ),
        };
        let p = joints(&s, &a, &place);
        let mid = |a: Joint, b: Joint| nalgebra::center(&p[a.index()], &p[b.index()]);
        let checks = [
            (dist(&p, Joint::LeftHip, Joint::RightHip), s.pelvis_width),
            (
                dist(&p, Joint::LeftShoulder, Joint::RightShoulder),
                s.shoulder_width,
            ),
            (dist(&p, Joint::LeftEar, Joint::RightEar), s.head_width),
            (
                (mid(Joint::LeftHip, Joint::RightHip)
                    - mid(Joint::LeftShoulder, Joint::RightShoulder))
                .norm(),
                s.trunk,
            ),
            (
                (mid(Joint::LeftHip, Joint::RightHip) - place.position).norm(),
                0.0,
            ),
        ];
        for (got, want) in checks {
            assert!((got - want).abs() < 1e-4, "{got} vs {want}");
        }
        for side in Side::BOTH {
            let wrist_index = match side {
                Side::Left => Joint::LeftIndex,
                Side::Right => Joint::RightIndex,
            };
            for (a, b, want) in [
                (side.hip(), side.knee(), s.thigh),
                (side.knee(), side.ankle(), s.shank),
                (side.shoulder(), side.elbow(), s.upper_arm),
                (side.elbow(), side.wrist(), s.forearm),
                (side.wrist(), wrist_index, s.hand.hypot(0.02)),
                (side.ankle(), side.heel(), s.heel_back.hypot(s.heel_down)),
                (
                    side.ankle(),
                    side.foot_index(),
                    s.toe_forward.hypot(s.toe_down),
                ),
            ] {
                let got = dist(&p, a, b);
                assert!((got - want).abs() < 1e-4, "{a:?}-{b:?}: {got} vs {want}");
            }
        }
    }
}

#[test]
fn standing_default_is_upright_with_the_left_on_the_left() {
    let s = Skeleton::default();
    let place = standing();
    let p = joints(&s, &JointAngles::default(), &place);
    let y = |j: Joint| p[j.index()].y;
    for side in Side::BOTH {
        assert!(y(side.ankle()) < y(side.hip()));
        assert!(y(side.hip()) < y(side.shoulder()));
        assert!(y(side.shoulder()) < y(Joint::Nose));
        assert!(y(side.heel()).abs() < 1e-5 && y(side.foot_index()).abs() < 1e-5);
        assert!(y(side.wrist()) < y(side.elbow()));
    }
    assert!(p[Joint::LeftHip.index()].x > 0.0, "standing: left is +x");
    assert!(p[Joint::Nose.index()].z > 0.0, "standing: faces +z");

    // Every placement: left-side joints on the body's left, face forward.
    let at = Point3::new(0.3, 0.5, -0.2);
    let placements = [
        standing(),
        standing().yaw(70.0),
        BodyPlacement::supine(at),
        BodyPlacement::prone(at),
        BodyPlacement::side_lying(at, Side::Left),
        BodyPlacement::side_lying(at, Side::Right),
        BodyPlacement::reclined(at, 45.0),
        BodyPlacement::seated(at).pitch(-10.0),
        BodyPlacement::prone(at).yaw(25.0),
        BodyPlacement::side_lying(at, Side::Left)
            .yaw(-30.0)
            .roll(-20.0),
    ];
    for place in placements {
        let p = joints(&s, &JointAngles::default(), &place);
        for j in Joint::ALL {
            let lateral = (p[j.index()] - place.position).dot(&place.left());
            match side_of(j) {
                Some(Side::Left) => assert!(lateral > 0.0, "{j:?} in {place:?}"),
                Some(Side::Right) => assert!(lateral < 0.0, "{j:?} in {place:?}"),
                None => assert!(lateral.abs() < 1e-5),
            }
        }
        let nose = p[Joint::Nose.index()] - p[Joint::LeftShoulder.index()];
        assert!(nose.dot(&place.forward()) > 0.0);
    }
    let lying = |place: BodyPlacement| joints(&s, &JointAngles::default(), &place);
    let p = lying(BodyPlacement::supine(at));
    assert!(
        p[0].y > at.y && p[0].x < at.x,
        "supine: face up, head to -x"
    );
    let p = lying(BodyPlacement::prone(at));
    assert!(
        p[0].y < at.y && p[0].x < at.x,
        "prone: face down, head to -x"
    );
    let p = lying(BodyPlacement::side_lying(at, Side::Left));
    assert!(p[Joint::LeftHip.index()].y < p[Joint::RightHip.index()].y);
}

#[test]
fn side_view_knee_angle_is_true_in_the_image() {
    let s = Skeleton::default();
    let place = standing();
    for cam_side in Side::BOTH {
        let camera = Camera::side_view(&place, 3.5, cam_side);
        for kf in [0.0, 30.0, 60.0, 90.0, 120.0] {
            let a = JointAngles {
                knee_flexion: [kf; 2],
                ..JointAngles::default()
            };
            let pose = clean(&camera, &joints(&s, &a, &place));
            // Near and far leg each lie in a plane parallel to the image,
            // so both are exact.
            for side in Side::BOTH {
                let got = image_angle(&pose, &camera, side.hip(), side.knee(), side.ankle());
                assert!(
                    (got - (180.0 - kf)).abs() < 0.5,
                    "camera {cam_side:?}, {side:?} knee {kf}: {got}"
                );
            }
        }
    }
}

#[test]
fn side_view_hip_angle_and_trunk_lean_are_true_in_the_image() {
    let s = Skeleton::default();
    let place = standing();
    let camera = Camera::side_view(&place, 3.5, Side::Left);
    for hf in [0.0, 30.0, 60.0, 90.0, 120.0] {
        let a = JointAngles {
            hip_flexion: [hf; 2],
            ..JointAngles::default()
        };
        let pose = clean(&camera, &joints(&s, &a, &place));
        let got = image_angle(
            &pose,
            &camera,
            Joint::LeftShoulder,
            Joint::LeftHip,
            Joint::LeftKnee,
        );
        assert!((got - (180.0 - hf)).abs() < 0.5, "hip {hf}: {got}");
    }
    // Trunk flexion and pelvic tilt: the trunk line (mid-hip → mid-shoulder)
    // leans forward (image left, seen from the left) by pitch + flexion;
    // the trunk–thigh angle is 180 − hip flexion − trunk flexion.
    for (pitch, tf, hf) in [(0.0, 30.0, 40.0), (20.0, 10.0, 90.0), (-10.0, -15.0, 20.0)] {
        let a = JointAngles {
            trunk_flexion: tf,
            hip_flexion: [hf; 2],
            ..JointAngles::default()
        };
        let pose = clean(&camera, &joints(&s, &a, &place.pitch(pitch)));
        let hip = mid_pixel(&pose, &camera, Joint::LeftHip, Joint::RightHip);
        let sh = mid_pixel(&pose, &camera, Joint::LeftShoulder, Joint::RightShoulder);
        let d = sh - hip;
        let lean = (-d.x).atan2(-d.y).to_degrees();
        assert!((lean - (pitch + tf)).abs() < 0.5, "lean {lean}");
        let thigh = pixel(&pose, &camera, Joint::LeftKnee) - pixel(&pose, &camera, Joint::LeftHip);
        let got = between(d, thigh);
        assert!((got - (180.0 - hf - tf)).abs() < 0.5, "trunk-thigh {got}");
    }
}

#[test]
fn front_view_pelvic_drop_and_lateral_bend_are_true_in_the_image() {
    let s = Skeleton::default();
    let camera = Camera::front_view(&standing(), 3.5);
    for roll in [-10.0, -5.0, 0.0, 5.0, 10.0] {
        for lateral in [-15.0, 0.0, 20.0] {
            let a = JointAngles {
                trunk_lateral: lateral,
                ..JointAngles::default()
            };
            let pose = clean(&camera, &joints(&s, &a, &standing().roll(roll)));
            // Facing the camera, the person's left is on the image's right;
            // a dropped left hip is lower there.
            let hips = image_direction(
                pixel(&pose, &camera, Joint::RightHip),
                pixel(&pose, &camera, Joint::LeftHip),
            );
            assert!((hips - roll).abs() < 0.5, "hip line {hips} vs {roll}");
            let shoulders = image_direction(
                pixel(&pose, &camera, Joint::RightShoulder),
                pixel(&pose, &camera, Joint::LeftShoulder),
            );
            assert!((shoulders - (roll + lateral)).abs() < 0.5, "{shoulders}");
        }
    }
}

#[test]
fn occlusion_lowers_visibility_of_listed_joints_only() {
    let s = Skeleton::default();
    let camera = Camera::side_view(&standing(), 3.5, Side::Left);
    let render = Render {
        occluded: vec![Joint::RightKnee, Joint::RightAnkle],
        ..Render::default()
    };
    let p = joints(&s, &JointAngles::default(), &standing());
    let pose = observe(&camera, &p, &render, &mut SimRng::new(3));
    for j in Joint::ALL {
        let l = pose.landmark(j);
        if render.occluded.contains(&j) {
            assert_eq!(l.visibility, OCCLUDED);
        } else {
            assert_eq!(l.visibility, VISIBLE, "{j:?}");
        }
        assert!(l.presence > 0.9);
    }
    // Self-occlusion option: the far side (right, seen from the left).
    let render = Render {
        far_side_visibility: Some(0.4),
        ..Render::default()
    };
    let pose = observe(&camera, &p, &render, &mut SimRng::new(3));
    assert_eq!(pose.landmark(Joint::RightHip).visibility, 0.4);
    assert_eq!(pose.landmark(Joint::LeftHip).visibility, VISIBLE);
    assert_eq!(pose.landmark(Joint::Nose).visibility, VISIBLE);
}

#[test]
fn noise_is_exact_at_zero_sized_at_two_and_seeded() {
    let s = Skeleton::default();
    let camera = Camera::oblique(&standing(), 3.5, 40.0, 10.0);
    let mut rng = SimRng::new(9);
    let mut sum = 0.0;
    let mut n = 0;
    for _ in 0..30 {
        let p = joints(&s, &random_angles(&mut rng), &standing());
        let exact = observe(&camera, &p, &Render::default(), &mut SimRng::new(5));
        for j in Joint::ALL {
            let (u, v, _) = camera.project(p[j.index()]);
            let (x, y) = (exact.landmark(j).x, exact.landmark(j).y);
            assert!((x * 1280.0 - u).abs() < 1e-3 && (y * 720.0 - v).abs() < 1e-3);
        }
        let render = Render {
            noise_px: 2.0,
            ..Render::default()
        };
        let noisy = observe(&camera, &p, &render, &mut SimRng::new(5));
        let again = observe(&camera, &p, &render, &mut SimRng::new(5));
        let other = observe(&camera, &p, &render, &mut SimRng::new(6));
        assert_eq!(noisy, again, "same seed, same landmarks");
        assert_ne!(noisy, other);
        for j in Joint::ALL {
            let d = pixel(&noisy, &camera, j) - pixel(&exact, &camera, j);
            sum += d.x.abs() + d.y.abs();
            n += 2;
        }
    }
    let mean = sum / n as f32;
    // E|N(0, 2)| = 2·√(2/π) ≈ 1.6.
    assert!((0.5..3.0).contains(&mean), "mean abs {mean}");
    assert!((mean - 1.596).abs() < 0.15, "mean abs {mean}");
}

#[test]
fn landmarks_out_of_frame_or_behind_the_camera_have_low_visibility() {
    let s = Skeleton::default();
    let p = joints(&s, &JointAngles::default(), &standing());
    let close = Camera::front_view(&standing(), 1.0);
    let pose = clean(&close, &p);
    for j in [Joint::LeftAnkle, Joint::RightHeel, Joint::Nose] {
        assert!(pose.landmark(j).visibility < 0.1, "{j:?}");
        assert!(pose.landmark(j).presence < 0.1, "{j:?}");
    }
    assert_eq!(pose.landmark(Joint::LeftHip).visibility, VISIBLE);
    let away = Camera::look_at(Point3::new(0.0, 1.0, 2.0), Point3::new(0.0, 1.0, 5.0));
    let pose = clean(&away, &p);
    assert!(pose
        .landmarks
        .iter()
        .all(|l| l.visibility < 0.1 && l.x.is_finite()));
}

#[test]
fn world_landmarks_are_centred_at_the_mid_hip_in_camera_axes() {
    let s = Skeleton::default();
    let mut rng = SimRng::new(4);
    for camera in [
        Camera::side_view(&standing(), 3.0, Side::Left),
        Camera::front_view(&standing(), 3.0),
        Camera::oblique(&standing(), 4.0, -35.0, 20.0),
    ] {
        let p = joints(&s, &random_angles(&mut rng), &standing());
        let pose = clean(&camera, &p);
        let (l, r) = (pose.world[23], pose.world[24]);
        assert!((l.x + r.x).abs() < 1e-5 && (l.y + r.y).abs() < 1e-5 && (l.z + r.z).abs() < 1e-5);
        let hip = camera.to_camera(mid_hip(&p));
        for j in Joint::ALL {
            let w = pose.world[j.index()];
            let c = camera.to_camera(p[j.index()]);
            assert!((nalgebra::Vector3::new(w.x, w.y, w.z) - (c - hip)).norm() < 1e-5);
            // Pinhole consistency between world and image landmarks.
            let l = pose.landmark(j);
            let u = camera.fx * (w.x + hip.x) / (w.z + hip.z) + camera.cx;
            assert!((l.x * 1280.0 - u).abs() < 1e-2, "{j:?}");
        }
    }
    // Axes: y down (head above the hips has y < 0); x right; z away.
    let p = joints(&s, &JointAngles::default(), &standing());
    let front = clean(&Camera::front_view(&standing(), 3.0), &p);
    assert!(front.world[0].y < -0.5);
    assert!(front.world[23].x > 0.1, "left hip on the image's right");
    let side = clean(&Camera::side_view(&standing(), 3.0, Side::Left), &p);
    assert!(side.world[23].z < -0.1 && side.world[24].z > 0.1);
}

#[test]
fn image_z_is_depth_from_the_mid_hip_on_the_scale_of_x() {
    let s = Skeleton::default();
    let camera = Camera::side_view(&standing(), 3.0, Side::Left);
    let p = joints(&s, &JointAngles::default(), &standing());
    let pose = clean(&camera, &p);
    let (l, r) = (
        pose.landmark(Joint::LeftHip),
        pose.landmark(Joint::RightHip),
    );
    assert!((l.z + r.z).abs() < 1e-6);
    // Left hip 0.13 m nearer at 3 m: −0.13 · 1000 / 3 / 1280.
    assert!(
        (l.z - (-0.13 * 1000.0 / 3.0 / 1280.0)).abs() < 1e-5,
        "{}",
        l.z
    );
}

#[test]
fn tracks_round_trip_through_read_track_with_dropouts_and_timed_occlusion() {
    let s = Skeleton::default();
    let camera = Camera::side_view(&standing(), 3.5, Side::Left);
    let seq = sequence(30.0, 2.0, |t| {
        let a = JointAngles {
            knee_flexion: [60.0 * cycle(t, 1.0); 2],
            ..JointAngles::default()
        };
        (a, standing())
    });
    assert_eq!(seq.len(), 60);
    assert_eq!(seq[30].0, 1000.0);
    let render = Render {
        noise_px: 1.0,
        seed: 11,
        dropouts: vec![(500.0, 700.0)],
        occlusions: vec![(Joint::RightKnee, 1000.0, 1500.0)],
        ..Render::default()
    };
    let records = track(&camera, &s, &seq, &render);
    assert_eq!(records, track(&camera, &s, &seq, &render), "deterministic");
    let gone: Vec<u64> = records
        .iter()
        .filter(|r| r.landmarks.is_none())
        .map(|r| r.frame)
        .collect();
    assert_eq!(gone, (15..21).collect::<Vec<u64>>());
    let vis =
        |f: usize| records[f].landmarks.as_ref().unwrap()[Joint::RightKnee.index()].visibility;
    assert_eq!(
        (vis(29), vis(30), vis(44), vis(45)),
        (VISIBLE, OCCLUDED, OCCLUDED, VISIBLE)
    );

    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("synthetic_body_track.jsonl");
    write_track(&path, &records).unwrap();
    let back = read_track(&path).unwrap();
    assert_eq!(back, records);
    let pose = back[1].pose().unwrap();
    assert_eq!(pose.landmarks.len(), NUM_LANDMARKS);
}

#[test]
fn easing_helpers() {
    assert_eq!(cycle(0.0, 2.0), 0.0);
    assert!((cycle(1.0, 2.0) - 1.0).abs() < 1e-6);
    assert!(cycle(2.0, 2.0).abs() < 1e-6);
    assert!((cycle(0.5, 2.0) - 0.5).abs() < 1e-6);
    assert_eq!(ramp(0.9, 1.0, 2.0), 0.0);
    assert_eq!(ramp(2.1, 1.0, 2.0), 1.0);
    assert!((ramp(1.5, 1.0, 2.0) - 0.5).abs() < 1e-6);
    assert!(ramp(1.2, 1.0, 2.0) < ramp(1.3, 1.0, 2.0));
}

#[test]
fn leg_ik_inverts_the_sagittal_leg() {
    let s = Skeleton::default();
    let mut rng = SimRng::new(2);
    for _ in 0..200 {
        let (hf, kf) = (rng.range(-20.0, 130.0), rng.range(2.0, 150.0));
        let a = JointAngles {
            hip_flexion: [hf; 2],
            knee_flexion: [kf; 2],
            ..JointAngles::default()
        };
        let p = body_joints(&s, &a);
        let d = p[Joint::LeftAnkle.index()] - p[Joint::LeftHip.index()];
        let (h, k) = leg_ik(&s, d.z, d.y).unwrap();
        assert!(
            (h - hf).abs() < 0.05 && (k - kf).abs() < 0.05,
            "{hf},{kf} -> {h},{k}"
        );
    }
    assert_eq!(leg_ik(&s, 0.0, -0.9), None);
}

#[test]
fn recipes_calf_raise_and_quadruped() {
    let s = Skeleton::default();
    // Calf raise: plantarflex about the ankle with the toes anchored.
    let stand = standing();
    let toe = joints(&s, &JointAngles::default(), &stand)[Joint::LeftFootIndex.index()];
    let a = JointAngles {
        ankle_plantarflexion: [30.0; 2],
        ..JointAngles::default()
    };
    let raised = stand.anchored(&s, &a, Joint::LeftFootIndex, toe);
    let p = joints(&s, &a, &raised);
    assert!((p[Joint::LeftFootIndex.index()] - toe).norm() < 1e-5);
    assert!(p[Joint::LeftHeel.index()].y > 0.08, "heel rises");
    assert!(raised.position.y > stand.position.y + 0.05, "body rises");

    // Quadruped: prone, head raised by θ so that hands and knees both reach
    // the floor (arms are longer than thighs), arms and thighs vertical,
    // shanks and feet flat on the floor.
    let knee_clearance = 0.05;
    let theta = ((s.upper_arm + s.forearm + s.hand - s.thigh - knee_clearance) / s.trunk)
        .asin()
        .to_degrees();
    let a = JointAngles {
        hip_flexion: [90.0 - theta; 2],
        knee_flexion: [90.0; 2],
        ankle_plantarflexion: [90.0; 2],
        shoulder_flexion: [90.0 - theta; 2],
        ..JointAngles::default()
    };
    let quad = BodyPlacement::prone(Point3::origin())
        .pitch(-theta)
        .lowest_at(&s, &a, 0.0);
    let p = joints(&s, &a, &quad);
    let (x, y) = (|j: Joint| p[j.index()].x, |j: Joint| p[j.index()].y);
    for side in Side::BOTH {
        assert!(
            (x(side.wrist()) - x(side.shoulder())).abs() < 1e-4,
            "hands under shoulders"
        );
        assert!(
            (x(side.knee()) - x(side.hip())).abs() < 1e-4,
            "knees under hips"
        );
        assert!((y(side.knee()) - knee_clearance).abs() < 1e-4);
        assert!(
            (y(side.ankle()) - knee_clearance).abs() < 1e-4,
            "shanks flat"
        );
        assert!(
            y(match side {
                Side::Left => Joint::LeftIndex,
                Side::Right => Joint::RightIndex,
            })
            .abs()
                < 1e-5,
            "fingers on the floor"
        );
    }
}

/// Example: a side-view squat, feet fixed on the floor. Knee and hip flex
/// in a 2.5 s cycle, the pelvis tilts forward and the trunk leans with
/// them; angles read off the image match the truth.
#[test]
fn example_side_view_squat() {
    let skel = Skeleton::default();
    let stand = BodyPlacement::standing(Point3::new(0.0, skel.standing_hip_height(), 0.0));
    let heel = joints(&skel, &JointAngles::default(), &stand)[Joint::LeftHeel.index()];
    let camera = Camera::side_view(&stand, 3.5, Side::Left);
    let squat = |t: f32| {
        let s = cycle(t, 2.5);
        let a = JointAngles {
            hip_flexion: [95.0 * s; 2],
            knee_flexion: [110.0 * s; 2],
            trunk_flexion: 15.0 * s,
            ..JointAngles::default()
        };
        let pelvis = stand.pitch(25.0 * s);
        let a = a.with_feet_flat(&skel, &pelvis);
        (a, pelvis.anchored(&skel, &a, Joint::LeftHeel, heel))
    };
    let seq = sequence(30.0, 5.0, squat);
    let records = track(&camera, &skel, &seq, &Render::default());

    let mut worst_same_side_hip: f32 = 0.0;
    for ((_, a, place), rec) in seq.iter().zip(&records) {
        let p = joints(&skel, a, place);
        for side in Side::BOTH {
            assert!(p[side.heel().index()].y.abs() < 1e-4, "heel on the floor");
            assert!(
                p[side.foot_index().index()].y.abs() < 1e-3,
                "toes on the floor"
            );
        }
        assert!((p[Joint::LeftHeel.index()] - heel).norm() < 1e-4);
        let pose = rec.pose().unwrap();
        let (kf, hf, tf) = (a.knee_flexion[0], a.hip_flexion[0], a.trunk_flexion);
        let knee = image_angle(
            &pose,
            &camera,
            Joint::LeftHip,
            Joint::LeftKnee,
            Joint::LeftAnkle,
        );
        assert!((knee - (180.0 - kf)).abs() < 0.5, "knee {knee} vs {kf}");
        let trunk = mid_pixel(&pose, &camera, Joint::LeftShoulder, Joint::RightShoulder)
            - mid_pixel(&pose, &camera, Joint::LeftHip, Joint::RightHip);
        let thigh = pixel(&pose, &camera, Joint::LeftKnee) - pixel(&pose, &camera, Joint::LeftHip);
        let hip = between(trunk, thigh);
        assert!((hip - (180.0 - hf - tf)).abs() < 0.5, "hip {hip}");
        // The same-side shoulder is 6 cm farther out than the hip, so off
        // the optical axis this angle carries a little perspective error.
        let same_side = image_angle(
            &pose,
            &camera,
            Joint::LeftShoulder,
            Joint::LeftHip,
            Joint::LeftKnee,
        );
        worst_same_side_hip = worst_same_side_hip.max((same_side - (180.0 - hf - tf)).abs());
    }
    eprintln!("squat: worst same-side shoulder-hip-knee error {worst_same_side_hip:.2} deg");
    assert!(worst_same_side_hip < 0.5);
    // Deepest at t = 1.25 s: the hips are lower in the image.
    let hip_v = |f: usize| records[f].landmarks.as_ref().unwrap()[23].y;
    assert!(hip_v(37) > hip_v(0) + 0.1);
}

/// Example: a supine glute bridge seen from the side. Shoulders and feet
/// stay on the floor; the hips rise by lifting the pelvis–trunk line up to
/// 20° in a 3 s cycle, the knees (bent ~90° at rest) follow by two-link IK.
#[test]
fn example_supine_glute_bridge() {
    let skel = Skeleton::default();
    let shoulders = Point3::new(0.0, 0.10, 0.0); // mid-shoulder, 10 cm over the mat
    let rest = BodyPlacement::supine(shoulders + nalgebra::Vector3::new(skel.trunk, 0.0, 0.0));
    let ankle_x = rest.position.x + 0.58;
    let camera = Camera::side_view(&rest, 3.5, Side::Left);
    let bridge = |t: f32| {
        let lift = 20.0 * cycle(t, 3.0);
        let (c, s) = (lift.to_radians().cos(), lift.to_radians().sin());
        let hips = shoulders + nalgebra::Vector3::new(skel.trunk * c, skel.trunk * s, 0.0);
        let pelvis = BodyPlacement::supine(hips).pitch(-lift); // hip extension
        let mut a = JointAngles::default();
        for side in Side::BOTH {
            let hip = Point3::new(side.sign() * skel.pelvis_width / 2.0, 0.0, 0.0);
            // Ankles fixed on the floor, in line with the hips.
            let target = Point3::new(ankle_x, skel.heel_down, rest.to_world(hip).z);
            let d = pelvis.to_body(target) - hip;
            let (hf, kf) = leg_ik(&skel, d.z, d.y).expect("reachable");
            a.hip_flexion[side.i()] = hf;
            a.knee_flexion[side.i()] = kf;
        }
        (a.with_feet_flat(&skel, &pelvis), pelvis)
    };
    let seq = sequence(30.0, 6.0, bridge);
    let records = track(&camera, &skel, &seq, &Render::default());
    let (_, rest_angles, _) = seq[0];
    assert!(
        (75.0..105.0).contains(&rest_angles.knee_flexion[0]),
        "{rest_angles:?}"
    );

    for ((_, a, place), rec) in seq.iter().zip(&records) {
        let p = joints(&skel, a, place);
        for side in Side::BOTH {
            assert!(p[side.heel().index()].y.abs() < 1e-3, "heel on the floor");
            assert!((p[side.ankle().index()].x - ankle_x).abs() < 1e-4);
        }
        let ms = nalgebra::center(
            &p[Joint::LeftShoulder.index()],
            &p[Joint::RightShoulder.index()],
        );
        assert!((ms - shoulders).norm() < 1e-4, "shoulders stay down");
        let pose = rec.pose().unwrap();
        let knee = image_angle(
            &pose,
            &camera,
            Joint::LeftHip,
            Joint::LeftKnee,
            Joint::LeftAnkle,
        );
        assert!((knee - (180.0 - a.knee_flexion[0])).abs() < 0.5);
        let trunk = mid_pixel(&pose, &camera, Joint::LeftShoulder, Joint::RightShoulder)
            - mid_pixel(&pose, &camera, Joint::LeftHip, Joint::RightHip);
        let thigh = pixel(&pose, &camera, Joint::LeftKnee) - pixel(&pose, &camera, Joint::LeftHip);
        let hip = between(trunk, thigh);
        assert!(
            (hip - (180.0 - a.hip_flexion[0])).abs() < 0.5,
            "hip {hip} vs flexion {}",
            a.hip_flexion[0]
        );
    }
    // Top of the bridge at t = 1.5 s: hips 0.5·sin 20° ≈ 0.17 m higher,
    // ≈ 51 px up in the image for the left hip, 3.5 − 0.13 m from the camera.
    let rise_px = 0.5 * 20f32.to_radians().sin() * camera.fy / (3.5 - 0.13);
    let (_, top, top_place) = seq[45];
    assert!((top_place.position.y - (0.10 + 0.5 * 20f32.to_radians().sin())).abs() < 1e-4);
    assert!(
        top.hip_flexion[0] < rest_angles.hip_flexion[0] - 20.0,
        "hips extend"
    );
    let hip_px = |f: usize| records[f].landmarks.as_ref().unwrap()[23].y * 720.0;
    assert!(
        (hip_px(0) - hip_px(45) - rise_px).abs() < 0.5,
        "{} {}",
        hip_px(0),
        hip_px(45)
    );
}
