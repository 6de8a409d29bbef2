//! Criterion benchmark of landmark analysis: measurements, view, rules,
//! reps and tempo per frame, as `formcheck analyze` runs on a track. Target:
//! at least 20,000 frames per second on one core.
#![allow(missing_docs, clippy::unwrap_used)] // criterion's macros write undocumented items; a bench fails by panicking

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;

use formcheck::analysis::config::Exercise;
use formcheck::analysis::Analyzer;
use formcheck::body::{ImageLandmark, ImageSize, Joint, Pose, WorldLandmark};

const FRAMES: usize = 3000;

/// A side-view squat: knees and hips bending and straightening at 0.25 Hz,
/// drawn as a stick figure in a 1280×720 image.
fn squat_frames() -> Vec<Pose> {
    (0..FRAMES)
        .map(|i| {
            let t = i as f32 / 30.0;
            let depth = 0.5 - 0.5 * (t * std::f32::consts::TAU / 4.0).cos();
            let knee = depth * 100f32.to_radians();
            let hip = (0.45, 0.45 + 0.15 * depth);
            let knee_pt = (
                0.45 + 0.2 * (knee / 2.0).sin(),
                hip.1 + 0.2 * (knee / 2.0).cos(),
            );
            let ankle = (0.45, 0.85);
            let shoulder = (0.45 + 0.15 * depth, hip.1 - 0.25);
            let mut pose = Pose::default();
            for (j, l) in Joint::ALL.iter().zip(pose.landmarks.iter_mut()) {
                let (x, y) = match j {
                    Joint::LeftHip | Joint::RightHip => hip,
                    Joint::LeftKnee | Joint::RightKnee => knee_pt,
                    Joint::LeftAnkle | Joint::RightAnkle | Joint::LeftHeel | Joint::RightHeel => {
                        ankle
                    }
                    Joint::LeftFootIndex | Joint::RightFootIndex => (0.5, 0.85),
                    _ => shoulder,
                };
                let dx = if format!("{j:?}").starts_with("Left") {
                    0.005
                } else {
                    -0.005
                };
                *l = ImageLandmark {
                    x: x + dx,
                    y,
                    z: 0.0,
                    visibility: 0.95,
                    presence: 0.99,
                };
            }
            for (w, l) in pose.world.iter_mut().zip(&pose.landmarks) {
                *w = WorldLandmark {
                    x: l.x - 0.45,
                    y: l.y - hip.1,
                    z: if l.x > 0.45 { -0.05 } else { 0.05 },
                };
            }
            pose
        })
        .collect()
}

fn analysis(c: &mut Criterion) {
    let frames = squat_frames();
    let exercise = Exercise::named("squat").expect("the squat exercise file");
    let size = ImageSize {
        width: 1280,
        height: 720,
    };
    let mut group = c.benchmark_group("analysis");
    group.throughput(Throughput::Elements(FRAMES as u64));
    group.bench_function("squat track, per frame", |b| {
        let mut events = Vec::new();
        b.iter(|| {
            let mut analyzer = Analyzer::new(exercise.clone(), None);
            for (i, pose) in frames.iter().enumerate() {
                events.clear();
                analyzer.push(
                    i as u64,
                    formcheck::time::SourceTime::from_ms(i as f64 * 33.3),
                    size,
                    Some(black_box(pose)),
                    &mut events,
                );
            }
            analyzer.finish(&mut events);
            events.len()
        });
    });
    group.finish();
}

criterion_group!(benches, analysis);
criterion_main!(benches);
