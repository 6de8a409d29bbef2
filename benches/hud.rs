//! Criterion benchmarks of the live display: drawing the heads-up display on
//! a frame (skeleton, flag banner, panels, gauges) and converting the frame
//! into the window's pixel buffer, at 720p and 1080p. Target: a few
//! milliseconds per frame, a small part of a 33 ms frame budget.
#![allow(missing_docs, clippy::unwrap_used)] // criterion's macros write undocumented items; a bench fails by panicking

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use std::hint::black_box;

use formcheck::analysis::config::{Direction, Exercise};
use formcheck::analysis::measure::Metric;
use formcheck::analysis::status::{FormState, Gauge, Status, Tempo};
use formcheck::body::{ImageLandmark, Joint, Pose};
use formcheck::ui::hud::{Hud, HudExtras};
use formcheck::ui::window::WindowPixels;
use opencv::core::{Mat, Scalar, CV_8UC3};

/// A person standing side on in the middle of the frame, every landmark
/// visible.
fn standing() -> Pose {
    let mut pose = Pose::default();
    for (joint, l) in Joint::ALL.iter().zip(pose.landmarks.iter_mut()) {
        let (x, y) = match joint {
            Joint::LeftShoulder | Joint::RightShoulder => (0.5, 0.3),
            Joint::LeftElbow | Joint::RightElbow => (0.52, 0.42),
            Joint::LeftHip | Joint::RightHip => (0.5, 0.55),
            Joint::LeftKnee | Joint::RightKnee => (0.53, 0.72),
            Joint::LeftAnkle | Joint::RightAnkle => (0.5, 0.9),
            Joint::LeftHeel | Joint::RightHeel => (0.49, 0.92),
            Joint::LeftFootIndex | Joint::RightFootIndex => (0.55, 0.93),
            Joint::LeftWrist
            | Joint::RightWrist
            | Joint::LeftPinky
            | Joint::RightPinky
            | Joint::LeftIndex
            | Joint::RightIndex
            | Joint::LeftThumb
            | Joint::RightThumb => (0.55, 0.52),
            _ => (0.51, 0.2),
        };
        *l = ImageLandmark {
            x,
            y,
            z: 0.0,
            visibility: 0.9,
            presence: 0.9,
        };
    }
    pose
}

fn flagged(exercise: &Exercise) -> Status {
    let rule = &exercise.rules[0];
    Status {
        state: FormState::Flag,
        fault: Some(rule.fault),
        message: rule.message.clone(),
        gauges: vec![
            Gauge {
                rule: rule.id.clone(),
                metric: rule.metric,
                value: Some(52.0),
                limit: *rule.limit.get_ref(),
                fires: rule.fires,
                state: FormState::Flag,
            },
            Gauge {
                rule: "lateral_shift".into(),
                metric: Metric::LateralShift,
                value: Some(0.04),
                limit: 0.1,
                fires: Direction::Beyond,
                state: FormState::Fine,
            },
        ],
        reps: 6,
        last_rep: Some(Tempo {
            eccentric_s: 2.1,
            concentric_s: 0.8,
            eccentric_min_s: Some(2.0),
            concentric_min_s: Some(1.0),
        }),
        hold: None,
    }
}

fn frame(width: i32, height: i32) -> Mat {
    Mat::new_rows_cols_with_default(height, width, CV_8UC3, Scalar::all(90.0)).unwrap()
}

fn hud(c: &mut Criterion) {
    let exercise = Exercise::named("squat").unwrap();
    let status = flagged(&exercise);
    let pose = standing();
    let timings = "pose 21.3 ms\nanalysis 0.1 ms\nhud 2.0 ms";
    let extras = HudExtras {
        recording: true,
        set: 2,
        timings: Some(timings),
        ..HudExtras::default()
    };
    for (w, h) in [(1280, 720), (1920, 1080)] {
        let pristine = frame(w, h);
        let mut hud = Hud::new();
        c.bench_function(&format!("hud draw, flag, {w}x{h}"), |b| {
            b.iter_batched_ref(
                || pristine.clone(),
                |f| {
                    hud.draw(f, Some(&pose), black_box(&status), &exercise, &extras)
                        .unwrap();
                },
                BatchSize::SmallInput,
            );
        });
        let mut pixels = WindowPixels::default();
        for (into, name) in [((w, h), "same size"), ((w * 3 / 4, h * 3 / 4), "3/4 size")] {
            let into = formcheck::body::ImageSize {
                width: into.0 as u32,
                height: into.1 as u32,
            };
            c.bench_function(&format!("window pixels from BGR, {w}x{h}, {name}"), |b| {
                b.iter(|| pixels.fit(black_box(&pristine), into).unwrap());
            });
        }
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(40);
    targets = hud
}
criterion_main!(benches);
