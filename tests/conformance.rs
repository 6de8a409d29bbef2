//! Conformance of the pose engine with MediaPipe 0.10.14 (Python legacy
//! `mediapipe.solutions.pose`), on reference outputs written by
//! `tools/mediapipe_reference.py` from real frames.
//!
//! Targets, per reference frame: the same person / no-person decision; on
//! landmarks MediaPipe sees (visibility > 0.5) a median distance ≤ 1 px and a
//! maximum ≤ 0.3% of the image diagonal; world landmarks within 5 mm;
//! visibility within 0.01.

mod common;

use std::collections::HashMap;
use std::path::PathBuf;

use formcheck::pose::{ModelKind, PoseEngine, PoseOptions, RunningMode};
use formcheck::source::FrameSource;
use opencv::core::Mat;
use opencv::prelude::*;
use serde::Deserialize;
use sha2::{Digest, Sha256};

#[derive(Deserialize)]
struct Reference {
    model: String,
    #[serde(default)]
    timestamp_step_us: Option<i64>,
    #[serde(default)]
    first_timestamp_us: Option<i64>,
    frames: Vec<RefFrame>,
}

#[derive(Deserialize)]
struct RefFrame {
    source: String,
    frame: u64,
    width: u32,
    height: u32,
    bgr_sha256: String,
    landmarks: Option<Vec<RefLandmark>>,
    world: Option<Vec<RefPoint>>,
}

#[derive(Deserialize)]
struct RefLandmark {
    x: f32,
    y: f32,
    visibility: f32,
}

#[derive(Deserialize)]
struct RefPoint {
    x: f32,
    y: f32,
    z: f32,
}

const MEDIAN_PX: f32 = 1.0;
const MAX_DIAGONAL_FRACTION: f32 = 0.003;
const WORLD_M: f32 = 0.005;
const VISIBILITY: f32 = 0.01;

fn load(name: &str) -> Reference {
    let path = common::root().join("tests/reference").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

fn kind(model: &str) -> ModelKind {
    match model {
        "lite" => ModelKind::Lite,
        "full" => ModelKind::Full,
        other => panic!("unknown model {other}"),
    }
}

/// Worst figures over a reference file, for the report.
#[derive(Default, Debug)]
struct Worst {
    frames: usize,
    with_person: usize,
    median_px: f32,
    max_px: f32,
    max_diag_fraction: f32,
    world_mm: f32,
    visibility: f32,
}

/// Compares one frame; returns a description of every miss.
fn compare(engine_pose: Option<&formcheck::pose::Pose>, r: &RefFrame, worst: &mut Worst) -> Vec<String> {
    let mut misses = Vec::new();
    let at = format!("{} frame {}", r.source, r.frame);
    worst.frames += 1;
    match (engine_pose, &r.landmarks, &r.world) {
        (None, None, _) => {}
        (Some(_), None, _) => misses.push(format!("{at}: found a person, MediaPipe did not")),
        (None, Some(_), _) => misses.push(format!("{at}: found no person, MediaPipe did")),
        (Some(pose), Some(lms), Some(world)) => {
            worst.with_person += 1;
            let (w, h) = (r.width as f32, r.height as f32);
            let diagonal = w.hypot(h);
            let mut dists: Vec<f32> = Vec::new();
            for (ours, theirs) in pose.landmarks.iter().zip(lms) {
                if theirs.visibility > 0.5 {
                    dists.push(((ours.x - theirs.x) * w).hypot((ours.y - theirs.y) * h));
                }
                let dv = (ours.visibility - theirs.visibility).abs();
                worst.visibility = worst.visibility.max(dv);
                if dv > VISIBILITY {
                    misses.push(format!("{at}: visibility differs by {dv:.4}"));
                }
            }
            for (i, (ours, theirs)) in pose.world.iter().zip(world).enumerate() {
                let d = ((ours.x - theirs.x).powi(2) + (ours.y - theirs.y).powi(2) + (ours.z - theirs.z).powi(2)).sqrt();
                worst.world_mm = worst.world_mm.max(d * 1000.0);
                if d > WORLD_M {
                    misses.push(format!("{at}: world landmark {i} is {:.1} mm off", d * 1000.0));
                }
            }
            if !dists.is_empty() {
                dists.sort_by(f32::total_cmp);
                let median = dists[dists.len() / 2];
                let max = dists[dists.len() - 1];
                worst.median_px = worst.median_px.max(median);
                worst.max_px = worst.max_px.max(max);
                worst.max_diag_fraction = worst.max_diag_fraction.max(max / diagonal);
                if median > MEDIAN_PX {
                    misses.push(format!("{at}: median distance {median:.3} px"));
                }
                if max > MAX_DIAGONAL_FRACTION * diagonal {
                    misses.push(format!("{at}: max distance {max:.2} px > 0.3% of the diagonal"));
                }
            }
        }
        (Some(_), Some(_), None) => misses.push(format!("{at}: reference has no world landmarks")),
    }
    misses
}

fn sha256(frame: &Mat) -> String {
    let digest = Sha256::digest(frame.data_bytes().unwrap());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Frames of `source` at the given indices, read in order.
fn frames_of(path: PathBuf, wanted: &[u64]) -> HashMap<u64, Mat> {
    let mut source = FrameSource::open(&path).unwrap();
    let mut out = HashMap::new();
    let last = wanted.iter().copied().max().unwrap_or(0);
    let mut frame = Mat::default();
    while let Some(info) = source.read(&mut frame).unwrap() {
        if wanted.contains(&info.index) {
            out.insert(info.index, frame.clone());
        }
        if info.index >= last {
            break;
        }
    }
    out
}

/// Sample media come from `make setup`; anything else is development footage.
fn source_path(source: &str) -> Option<PathBuf> {
    match source {
        "astronaut.png" | "chelsea.png" | "demo.mp4" => Some(common::sample(source)),
        clip => common::footage(clip),
    }
}

fn run_static(name: &str) {
    let reference = load(name);
    let mut engine = PoseEngine::new(PoseOptions {
        model: kind(&reference.model),
        mode: RunningMode::Image,
        ..PoseOptions::default()
    })
    .unwrap();
    let mut by_source: HashMap<&str, Vec<u64>> = HashMap::new();
    for r in &reference.frames {
        by_source.entry(&r.source).or_default().push(r.frame);
    }
    let mut decoded: HashMap<&str, HashMap<u64, Mat>> = HashMap::new();
    for (source, wanted) in &by_source {
        if let Some(path) = source_path(source) {
            decoded.insert(source, frames_of(path, wanted));
        }
    }
    let mut worst = Worst::default();
    let mut misses = Vec::new();
    for r in &reference.frames {
        let Some(frame) = decoded.get(r.source.as_str()).and_then(|f| f.get(&r.frame)) else {
            continue;
        };
        assert_eq!(sha256(frame), r.bgr_sha256, "{} frame {} decodes to other pixels than MediaPipe's input", r.source, r.frame);
        let pose = engine.process(frame, 0).unwrap().cloned();
        misses.extend(compare(pose.as_ref(), r, &mut worst));
    }
    eprintln!("{name}: {worst:?}");
    assert!(worst.frames > 0, "{name}: no frame compared");
    assert!(misses.is_empty(), "{name}: {} misses:\n{}", misses.len(), misses.join("\n"));
}

fn run_video(name: &str) {
    let reference = load(name);
    let step = reference.timestamp_step_us.expect("video reference states its timestamp step");
    let first = reference.first_timestamp_us.expect("video reference states its first timestamp");
    let mut engine = PoseEngine::new(PoseOptions {
        model: kind(&reference.model),
        mode: RunningMode::Video,
        ..PoseOptions::default()
    })
    .unwrap();
    let mut source = FrameSource::open(&common::sample("demo.mp4")).unwrap();
    let mut frame = Mat::default();
    let mut worst = Worst::default();
    let mut misses = Vec::new();
    for r in &reference.frames {
        let info = source.read(&mut frame).unwrap().expect("video as long as the reference");
        assert_eq!(info.index, r.frame);
        assert_eq!(sha256(&frame), r.bgr_sha256, "frame {} decodes to other pixels than MediaPipe's input", r.frame);
        let pose = engine.process(&frame, first + info.index as i64 * step).unwrap().cloned();
        misses.extend(compare(pose.as_ref(), r, &mut worst));
    }
    eprintln!("{name}: {worst:?}");
    assert!(misses.is_empty(), "{name}: {} misses:\n{}", misses.len(), misses.join("\n"));
}

#[test]
fn static_lite_matches_mediapipe() {
    run_static("static_lite.json");
}

#[test]
fn static_full_matches_mediapipe() {
    run_static("static_full.json");
}

#[test]
fn video_lite_matches_mediapipe() {
    run_video("video_lite.json");
}

#[test]
fn video_full_matches_mediapipe() {
    run_video("video_full.json");
}

#[test]
fn footage_full_matches_mediapipe() {
    let path = common::root().join("tests/reference/footage_full.json");
    if !path.is_file() || !common::root().join("../shared/footage").is_dir() {
        eprintln!("skipped: no footage reference or footage");
        return;
    }
    run_static("footage_full.json");
}
