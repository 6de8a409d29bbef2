//! `formcheck bench`: the pose engine's speed per stage on a video, in video
//! mode, with frames decoded into memory first so that decoding and the
//! engine are timed apart.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use opencv::core::Mat;
use serde::Serialize;

use crate::pose::{ModelKind, PoseEngine, PoseError, PoseOptions, RunningMode};
use crate::source::{FrameSource, SourceError};

/// What to measure.
#[derive(Clone, Debug)]
pub struct BenchOptions {
    /// The video to run on.
    pub video: PathBuf,
    /// Landmark model.
    pub model: ModelKind,
    /// Intra-op threads per model.
    pub threads: usize,
    /// Timed passes over the video (after one warm-up pass).
    pub passes: usize,
}

/// Errors of a benchmark run.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// The video could not be read.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// The engine failed.
    #[error(transparent)]
    Pose(#[from] PoseError),
    /// The engine could not be built.
    #[error(transparent)]
    Model(#[from] crate::pose::ModelError),
}

/// Median and 95th percentile of a stage, in milliseconds.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Summary {
    /// Median.
    pub p50_ms: f64,
    /// 95th percentile.
    pub p95_ms: f64,
    /// Mean.
    pub mean_ms: f64,
}

impl Summary {
    fn of(samples: &mut [Duration]) -> Summary {
        if samples.is_empty() {
            return Summary {
                p50_ms: 0.0,
                p95_ms: 0.0,
                mean_ms: 0.0,
            };
        }
        samples.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let at = |q: f64| ms(samples[((samples.len() - 1) as f64 * q).round() as usize]);
        let mean = samples.iter().map(|d| ms(*d)).sum::<f64>() / samples.len() as f64;
        Summary {
            p50_ms: at(0.5),
            p95_ms: at(0.95),
            mean_ms: mean,
        }
    }
}

/// The measurements of one benchmark run.
#[derive(Clone, Debug, Serialize)]
pub struct BenchReport {
    /// Landmark model.
    pub model: ModelKind,
    /// Intra-op threads per model.
    pub threads: usize,
    /// Frames in the video.
    pub frames: usize,
    /// Timed passes.
    pub passes: usize,
    /// Frames per second of the engine (decode excluded): median over passes.
    pub fps: f64,
    /// Decoding one frame.
    pub decode: Summary,
    /// Warping into model inputs, per frame.
    pub preprocess: Summary,
    /// Detector inference, over the frames where it ran.
    pub detector: Summary,
    /// Frames on which the detector ran, per pass.
    pub detector_runs: usize,
    /// Landmark inference, per frame.
    pub landmark: Summary,
    /// Decoding, projection and smoothing, per frame.
    pub postprocess: Summary,
    /// The whole engine, per frame.
    pub total: Summary,
}

/// Runs the benchmark.
pub fn run(options: &BenchOptions) -> Result<BenchReport, BenchError> {
    let mut source = FrameSource::open(&options.video)?;
    let mut frames = Vec::new();
    let mut decode = Vec::new();
    loop {
        let mut frame = Mat::default();
        let t = Instant::now();
        let Some(info) = source.read(&mut frame)? else {
            break;
        };
        decode.push(t.elapsed());
        frames.push((frame, info.t_ms.micros()));
    }
    let mut engine = PoseEngine::new(PoseOptions {
        model: options.model,
        mode: RunningMode::Video,
        threads: options.threads,
        ..PoseOptions::default()
    })?;
    let (mut pre, mut det, mut lm, mut post, mut total) = (vec![], vec![], vec![], vec![], vec![]);
    let mut pass_fps = Vec::new();
    let mut detector_runs = 0;
    for pass in 0..=options.passes {
        engine.reset();
        let timed = pass > 0;
        let start = Instant::now();
        let mut runs = 0;
        for (frame, t_us) in &frames {
            let t = Instant::now();
            engine.process(frame, *t_us)?;
            let elapsed = t.elapsed();
            let times = *engine.times();
            if timed {
                total.push(elapsed);
                pre.push(times.preprocess);
                lm.push(times.landmark);
                post.push(times.postprocess);
                if times.detector_ran {
                    det.push(times.detector);
                    runs += 1;
                }
            }
        }
        if timed {
            pass_fps.push(frames.len() as f64 / start.elapsed().as_secs_f64());
            detector_runs = runs;
        }
    }
    pass_fps.sort_by(f64::total_cmp);
    Ok(BenchReport {
        model: options.model,
        threads: options.threads,
        frames: frames.len(),
        passes: options.passes,
        fps: pass_fps.get(pass_fps.len() / 2).copied().unwrap_or(0.0),
        decode: Summary::of(&mut decode),
        preprocess: Summary::of(&mut pre),
        detector: Summary::of(&mut det),
        detector_runs,
        landmark: Summary::of(&mut lm),
        postprocess: Summary::of(&mut post),
        total: Summary::of(&mut total),
    })
}
