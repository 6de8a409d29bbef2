//! Conformance of the pose engine with MediaPipe 0.10.14 (Python legacy
//! `mediapipe.solutions.pose`), on reference outputs written by
//! `tools/mediapipe_reference.py` from real frames.
//!
//! Targets, per reference frame: the same person / no-person decision; on
//! landmarks MediaPipe sees (visibility > 0.5) a median distance ≤ 1 px and a
//! maximum ≤ 0.3% of the image diagonal; world landmarks within 5 mm;
//! visibility within 0.01.
#![allow(clippy::unwrap_used, clippy::too_many_lines)] // a test fails by panicking; a scenario reads best whole

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use formcheck::body::Pose;

use formcheck::pose::{ModelKind, PoseEngine, PoseOptions, Roi, RunningMode};
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
    /// Region from the detector, when MediaPipe ran it on this frame.
    #[serde(default)]
    roi_from_detection: Option<RefRoi>,
    /// Region for the next frame, from this frame's landmarks.
    #[serde(default)]
    roi_from_landmarks: Option<RefRoi>,
}

#[derive(Clone, Copy, Deserialize)]
struct RefRoi {
    x_center: f32,
    y_center: f32,
    width: f32,
    height: f32,
    rotation: f32,
}

impl From<RefRoi> for Roi {
    fn from(r: RefRoi) -> Roi {
        Roi {
            x_center: r.x_center,
            y_center: r.y_center,
            width: r.width,
            height: r.height,
            rotation: r.rotation,
        }
    }
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
/// Closed-loop video targets (see [`run_video_closed_loop`]).
const CLOSED_LOOP_P50_PX: f32 = 1.5;
const CLOSED_LOOP_P90_PX: f32 = 8.0;
/// Shift of the region, in pixels, that probes whether the landmark model is
/// stable on a frame (see [`unstable`]).
const PROBE_SHIFT_PX: f32 = 0.1;

/// Whether the landmark model is unstable on `frame` around `roi`: shifting
/// the region by a tenth of a pixel moves some landmark it sees by more than
/// the conformance tolerance, or flips a heatmap-refinement decision. On such
/// frames the 1e-3 differences between ONNX Runtime and TFLite can move a
/// landmark just as far, and no re-implementation can agree to the pixel.
/// `engine` must be in image mode.
fn unstable(engine: &mut PoseEngine, frame: &Mat, roi: Roi, r: &RefFrame) -> bool {
    let (w, h) = (r.width as f32, r.height as f32);
    let Some(base) = engine.process_in_roi(frame, roi, 0).unwrap().cloned() else {
        return true;
    };
    let limit = MAX_DIAGONAL_FRACTION * w.hypot(h);
    [(1.0, 0.0), (-1.0, 0.0), (0.0, 1.0), (0.0, -1.0)]
        .into_iter()
        .any(|(dx, dy)| {
            let shifted = Roi {
                x_center: roi.x_center + dx * PROBE_SHIFT_PX / w,
                y_center: roi.y_center + dy * PROBE_SHIFT_PX / h,
                ..roi
            };
            let Some(p) = engine.process_in_roi(frame, shifted, 0).unwrap().cloned() else {
                return true;
            };
            p.landmarks.iter().zip(&base.landmarks).any(|(a, b)| {
                b.visibility > 0.5 && ((a.x - b.x) * w).hypot((a.y - b.y) * h) > limit
            })
        })
}

/// Frames whose misses are excused as unstable, at most 2% of a file (and
/// at least one).
fn allowed_unstable(frames: usize) -> usize {
    (frames / 50).max(1)
}

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
fn compare(
    engine_pose: Option<&formcheck::body::Pose>,
    r: &RefFrame,
    worst: &mut Worst,
) -> Vec<String> {
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
            let mut dists = visible_distances(pose, lms, r);
            for (ours, theirs) in pose.landmarks.iter().zip(lms) {
                let dv = (ours.visibility - theirs.visibility).abs();
                worst.visibility = worst.visibility.max(dv);
                if dv > VISIBILITY {
                    misses.push(format!("{at}: visibility differs by {dv:.4}"));
                }
            }
            for (i, (ours, theirs)) in pose.world.iter().zip(world).enumerate() {
                let d = ((ours.x - theirs.x).powi(2)
                    + (ours.y - theirs.y).powi(2)
                    + (ours.z - theirs.z).powi(2))
                .sqrt();
                worst.world_mm = worst.world_mm.max(d * 1000.0);
                if d > WORLD_M {
                    misses.push(format!(
                        "{at}: world landmark {i} is {:.1} mm off",
                        d * 1000.0
                    ));
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
                    misses.push(format!(
                        "{at}: max distance {max:.2} px > 0.3% of the diagonal"
                    ));
                }
            }
        }
        (Some(_), Some(_), None) => misses.push(format!("{at}: reference has no world landmarks")),
    }
    misses
}

/// Pixel distances to MediaPipe's landmarks that it sees (visibility > 0.5).
fn visible_distances(pose: &Pose, lms: &[RefLandmark], r: &RefFrame) -> Vec<f32> {
    let (w, h) = (r.width as f32, r.height as f32);
    pose.landmarks
        .iter()
        .zip(lms)
        .filter(|(_, theirs)| theirs.visibility > 0.5)
        .map(|(ours, theirs)| ((ours.x - theirs.x) * w).hypot((ours.y - theirs.y) * h))
        .collect()
}

/// Prints the worst figures and the excused frames of a set, then fails on
/// any other miss or on too many unstable frames.
fn conclude(name: &str, worst: &Worst, misses: &[String], excused: &[String]) {
    eprintln!("{name}: {worst:?}");
    for e in excused {
        eprintln!("  unstable (excused): {e}");
    }
    assert!(
        misses.is_empty(),
        "{name}: {} misses:\n{}",
        misses.len(),
        misses.join("\n")
    );
    assert!(
        excused.len() <= allowed_unstable(worst.frames),
        "{name}: too many unstable frames"
    );
}

fn sha256(frame: &Mat) -> String {
    let digest = Sha256::digest(frame.data_bytes().unwrap());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Frames of `source` at the given indices, read in order.
fn frames_of(path: &Path, wanted: &[u64]) -> HashMap<u64, Mat> {
    let mut source = FrameSource::open(path).unwrap();
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
            decoded.insert(source, frames_of(&path, wanted));
        }
    }
    let mut worst = Worst::default();
    let (mut misses, mut excused) = (Vec::new(), Vec::new());
    for r in &reference.frames {
        let Some(frame) = decoded.get(r.source.as_str()).and_then(|f| f.get(&r.frame)) else {
            continue;
        };
        assert_eq!(
            sha256(frame),
            r.bgr_sha256,
            "{} frame {} decodes to other pixels than MediaPipe's input",
            r.source,
            r.frame
        );
        let pose = engine.process(frame, 0).unwrap().cloned();
        let frame_misses = compare(pose.as_ref(), r, &mut worst);
        match engine.last_roi() {
            Some(roi) if !frame_misses.is_empty() && unstable(&mut engine, frame, roi, r) => {
                excused.push(format!(
                    "{} frame {}: {}",
                    r.source,
                    r.frame,
                    frame_misses.join("; ")
                ));
            }
            _ => misses.extend(frame_misses),
        }
    }
    assert!(worst.frames > 0, "{name}: no frame compared");
    conclude(name, &worst, &misses, &excused);
}

/// The frames of the sample video with MediaPipe's timestamps.
fn video_frames(reference: &Reference) -> impl Iterator<Item = (Mat, i64)> + '_ {
    let step = reference
        .timestamp_step_us
        .expect("video reference states its timestamp step");
    let first = reference
        .first_timestamp_us
        .expect("video reference states its first timestamp");
    let mut source = FrameSource::open(&common::sample("demo.mp4")).unwrap();
    reference.frames.iter().map(move |r| {
        let mut frame = Mat::default();
        let info = source
            .read(&mut frame)
            .unwrap()
            .expect("video as long as the reference");
        assert_eq!(info.index, r.frame);
        assert_eq!(
            sha256(&frame),
            r.bgr_sha256,
            "frame {} decodes to other pixels than MediaPipe's input",
            r.frame
        );
        (frame, first + info.index as i64 * step)
    })
}

fn video_engine(reference: &Reference) -> PoseEngine {
    PoseEngine::new(PoseOptions {
        model: kind(&reference.model),
        mode: RunningMode::Video,
        ..PoseOptions::default()
    })
    .unwrap()
}

/// Video mode on MediaPipe's own regions: each frame's landmark stage runs
/// on the region MediaPipe used (from its detector, or from its previous
/// frame), and smoothing runs as usual. This checks the landmark stage,
/// the smoothing and the region-from-landmarks arithmetic frame by frame,
/// without letting tiny numeric differences feed back through tracking.
fn run_video_open_loop(name: &str) {
    let reference = load(name);
    let mut engine = video_engine(&reference);
    let mut probe = PoseEngine::new(PoseOptions {
        model: kind(&reference.model),
        mode: RunningMode::Image,
        ..PoseOptions::default()
    })
    .unwrap();
    let mut worst = Worst::default();
    let (mut misses, mut excused) = (Vec::new(), Vec::new());
    let mut previous: Option<&RefFrame> = None;
    for ((frame, t_us), r) in video_frames(&reference).zip(&reference.frames) {
        let roi = r
            .roi_from_detection
            .or(previous.and_then(|p| p.roi_from_landmarks));
        previous = Some(r);
        let pose = match roi {
            Some(roi) => engine
                .process_in_roi(&frame, roi.into(), t_us)
                .unwrap()
                .cloned(),
            None => {
                engine.lose_track();
                None
            }
        };
        let mut frame_misses = compare(pose.as_ref(), r, &mut worst);
        if let (Some(theirs), Some(ours)) = (r.roi_from_landmarks, engine.next_roi()) {
            let theirs: Roi = theirs.into();
            let shift = ((ours.x_center - theirs.x_center) * r.width as f32)
                .hypot((ours.y_center - theirs.y_center) * r.height as f32);
            if shift > MEDIAN_PX {
                frame_misses.push(format!(
                    "frame {}: next region centre {shift:.2} px off",
                    r.frame
                ));
            }
        }
        match roi {
            Some(roi)
                if !frame_misses.is_empty() && unstable(&mut probe, &frame, roi.into(), r) =>
            {
                excused.push(format!("frame {}: {}", r.frame, frame_misses.join("; ")));
            }
            _ => misses.extend(frame_misses),
        }
    }
    conclude(
        &format!("{name} (MediaPipe's regions)"),
        &worst,
        &misses,
        &excused,
    );
}

/// Video mode end to end, with our own tracking. The region of each frame
/// comes from the smoothed landmarks of the frame before, so differences of
/// 1e-3 between ONNX Runtime and TFLite feed back and grow for a few frames
/// wherever the landmark model is unstable (a small, fast-moving person);
/// the targets are therefore over the whole track: the same person /
/// no-person decision and detector runs on the same frames, and per-frame
/// median distances whose median is within 1.5 px and 90th percentile
/// within 8 px.
fn run_video_closed_loop(name: &str) {
    let reference = load(name);
    let mut engine = video_engine(&reference);
    let (mut decisions_differ, mut detector_differs) = (0, 0);
    let mut medians = Vec::new();
    for ((frame, t_us), r) in video_frames(&reference).zip(&reference.frames) {
        let pose = engine.process(&frame, t_us).unwrap().cloned();
        detector_differs +=
            usize::from(engine.times().detector_ran != r.roi_from_detection.is_some());
        match (&pose, &r.landmarks) {
            (Some(pose), Some(lms)) => {
                let mut d = visible_distances(pose, lms, r);
                if !d.is_empty() {
                    d.sort_by(f32::total_cmp);
                    medians.push(d[d.len() / 2]);
                }
            }
            (None, None) => {}
            _ => decisions_differ += 1,
        }
    }
    medians.sort_by(f32::total_cmp);
    let (p50, p90) = (medians[medians.len() / 2], medians[medians.len() * 9 / 10]);
    eprintln!(
        "{name} (own tracking): {} frames, decisions differ on {decisions_differ}, detector runs differ on {detector_differs}, per-frame median px: p50 {p50:.2} p90 {p90:.2}",
        reference.frames.len()
    );
    let frames = reference.frames.len();
    assert!(
        decisions_differ * 50 <= frames,
        "person decisions differ on {decisions_differ} of {frames} frames"
    );
    assert!(
        detector_differs * 50 <= frames,
        "detector runs differ on {detector_differs} of {frames} frames"
    );
    assert!(
        p50 <= CLOSED_LOOP_P50_PX,
        "median per-frame distance {p50:.2} px"
    );
    assert!(
        p90 <= CLOSED_LOOP_P90_PX,
        "90th percentile per-frame distance {p90:.2} px"
    );
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
fn video_lite_on_mediapipe_regions_matches_mediapipe() {
    run_video_open_loop("video_lite.json");
}

#[test]
fn video_full_on_mediapipe_regions_matches_mediapipe() {
    run_video_open_loop("video_full.json");
}

#[test]
fn video_lite_tracks_like_mediapipe() {
    run_video_closed_loop("video_lite.json");
}

#[test]
fn video_full_tracks_like_mediapipe() {
    run_video_closed_loop("video_full.json");
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
