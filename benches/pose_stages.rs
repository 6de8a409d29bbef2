//! Criterion benchmarks of the pose engine's post-processing, which runs on
//! every frame beside the models: detector decoding with suppression,
//! heatmap refinement, and smoothing. (Model inference and whole-frame
//! figures come from `formcheck bench`; see BENCHMARKS.md.)
#![allow(missing_docs, clippy::unwrap_used)] // criterion's macros write undocumented items; a bench fails by panicking

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

use formcheck::body::{ImageLandmark, ImageSize};
use formcheck::pose::anchors::{ssd_anchors, NUM_ANCHORS};
use formcheck::pose::detector::{best_detection, DecodeScratch};
use formcheck::pose::landmarker::{refine_from_heatmap, RawPose};
use formcheck::pose::smoothing::PoseSmoother;

/// A deterministic pseudo-random sequence in [0, 1).
fn noise(n: usize, seed: u32) -> impl Iterator<Item = f32> {
    let mut state = seed;
    (0..n).map(move |_| {
        state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        (state >> 8) as f32 / (1u32 << 24) as f32
    })
}

fn detector_decoding(c: &mut Criterion) {
    let anchors = ssd_anchors();
    let boxes: Vec<f32> = noise(NUM_ANCHORS * 12, 1)
        .map(|v| (v - 0.5) * 40.0)
        .collect();
    // A person: a cluster of 12 confident anchors among low scores.
    let mut scores: Vec<f32> = noise(NUM_ANCHORS, 2).map(|v| -8.0 + v).collect();
    for s in &mut scores[1000..1012] {
        *s = 3.0;
    }
    let mut scratch = DecodeScratch::default();
    c.bench_function("detector decode + weighted NMS", |b| {
        b.iter(|| {
            best_detection(
                black_box(&boxes),
                black_box(&scores),
                &anchors,
                0.5,
                &mut scratch,
            )
        });
    });
}

fn heatmap_refinement(c: &mut Criterion) {
    let heatmap: Vec<f32> = noise(64 * 64 * 39, 3).map(|v| v * 4.0 - 2.0).collect();
    let start: Vec<ImageLandmark> = noise(39, 4)
        .map(|v| ImageLandmark {
            x: v,
            y: 1.0 - v,
            ..Default::default()
        })
        .collect();
    c.bench_function("heatmap refinement, 35 landmarks", |b| {
        b.iter(|| {
            let mut lms = start.clone();
            for (i, lm) in lms.iter_mut().take(35).enumerate() {
                refine_from_heatmap(lm, i, black_box(&heatmap));
            }
            lms
        });
    });
}

fn smoothing(c: &mut Criterion) {
    let size = ImageSize {
        width: 1280,
        height: 720,
    };
    let mut raw = RawPose::default();
    for (lm, v) in raw.pose.landmarks.iter_mut().zip(noise(33, 5)) {
        *lm = ImageLandmark {
            x: v,
            y: v,
            z: v,
            visibility: v,
            presence: v,
        };
    }
    raw.aux[0] = ImageLandmark {
        x: 0.5,
        y: 0.6,
        ..Default::default()
    };
    raw.aux[1] = ImageLandmark {
        x: 0.5,
        y: 0.3,
        ..Default::default()
    };
    let mut smoother = PoseSmoother::default();
    let mut t = 0i64;
    c.bench_function("one-euro smoothing of a pose", |b| {
        b.iter(|| {
            t += 33_333;
            let mut pose = raw.clone();
            smoother.apply(&mut pose, size, t);
            pose
        });
    });
}

criterion_group!(benches, detector_decoding, heatmap_refinement, smoothing);
criterion_main!(benches);
