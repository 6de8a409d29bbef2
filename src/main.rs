//! The `formcheck` command line.

mod run;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use opencv::core::{Mat, Vector};
use opencv::imgcodecs;

use formcheck::analysis::config::{Exercise, Profile};
use formcheck::bench::{self, BenchOptions};
use formcheck::camera_calibration;
use formcheck::pipeline::assess::AssessSetup;
use formcheck::pipeline::Input;
use formcheck::pose::{ImageSize, ModelKind, PoseEngine, PoseOptions, RunningMode};
use formcheck::sinks::overlay::draw_skeleton;
use formcheck::sinks::track::TrackWriter;
use formcheck::source::{FrameSource, SourceSpec};
use run::{output, RunOptions};

#[derive(Parser)]
#[command(
    name = "formcheck",
    version,
    about = "Exercise form checker for lower-back rehabilitation"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Find the 33 BlazePose landmarks in an image or in every frame of a
    /// video, and write them as JSON Lines (one record per frame).
    Pose(PoseArgs),
    /// Measure the pose engine per stage on a video (video mode).
    Bench(BenchArgs),
    /// Analyse one set of an exercise from a video or a landmark track:
    /// measurements, reps, holds and form flags as JSON Lines events.
    Analyze(AnalyzeArgs),
}

#[derive(clap::Args)]
struct AnalyzeArgs {
    /// Video file, or a landmark track (`.jsonl`) written by `formcheck pose`.
    input: PathBuf,
    /// Exercise name (a file of calibration/exercises/).
    #[arg(long)]
    exercise: String,
    /// Patient profile (prescribed limits, neutral baseline).
    #[arg(long)]
    profile: Option<PathBuf>,
    /// Where to write the events (`-` for standard output).
    #[arg(long, default_value = "-")]
    events: String,
    /// Also write every measurement of every frame to this CSV file.
    #[arg(long)]
    metrics: Option<PathBuf>,
    /// Camera calibration (`formcheck calibrate camera`), to undistort
    /// landmarks before measuring.
    #[arg(long)]
    camera_calibration: Option<PathBuf>,
    /// Also write the video with the skeleton drawn (for a video input).
    #[arg(long)]
    overlay_video: Option<PathBuf>,
    /// Print per-stage timings and latency at the end.
    #[arg(long)]
    timings: bool,
    /// Landmark model, for a video.
    #[arg(long, value_enum, default_value = "full")]
    model: ModelKind,
}

#[derive(clap::Args)]
struct PoseArgs {
    /// Image or video file.
    input: PathBuf,
    /// Landmark model.
    #[arg(long, value_enum, default_value = "full")]
    model: ModelKind,
    /// Where to write the landmark track (`-` for standard output).
    #[arg(long, default_value = "-")]
    out: String,
    /// Also write every frame with the skeleton drawn into this folder.
    #[arg(long)]
    overlay: Option<PathBuf>,
    /// Treat video frames independently (no tracking, no smoothing).
    #[arg(long)]
    image_mode: bool,
    /// Do not smooth landmarks over time.
    #[arg(long)]
    no_smoothing: bool,
    /// ONNX Runtime threads per model.
    #[arg(long, default_value_t = 1)]
    threads: usize,
}

#[derive(clap::Args)]
struct BenchArgs {
    /// Video file.
    video: PathBuf,
    /// Landmark model.
    #[arg(long, value_enum, default_value = "full")]
    model: ModelKind,
    /// ONNX Runtime threads per model.
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Timed passes over the video, after one warm-up pass.
    #[arg(long, default_value_t = 3)]
    passes: usize,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Pose(args) => pose(args),
        Command::Bench(args) => run_bench(args),
        Command::Analyze(args) => analyze(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn pose(args: PoseArgs) -> Result<()> {
    let mut source = FrameSource::open(&args.input)?;
    let mode = if source.is_image() || args.image_mode {
        RunningMode::Image
    } else {
        RunningMode::Video
    };
    let mut engine = PoseEngine::new(PoseOptions {
        model: args.model,
        mode,
        smooth: !args.no_smoothing,
        threads: args.threads,
        ..PoseOptions::default()
    })?;
    let out = output(&args.out)?;
    if let Some(dir) = &args.overlay {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let mut writer = TrackWriter::new(out);
    let mut frame = Mat::default();
    let (mut frames, mut found) = (0u64, 0u64);
    let started = std::time::Instant::now();
    while let Some(info) = source.read(&mut frame)? {
        let size = ImageSize::of(&frame)?;
        let pose = engine.process(&frame, (info.t_ms * 1000.0).round() as i64)?;
        writer
            .write(&info, size, pose)
            .context("cannot write the landmark track")?;
        frames += 1;
        found += u64::from(pose.is_some());
        if let Some(dir) = &args.overlay {
            if let Some(pose) = pose {
                draw_skeleton(&mut frame, pose)?;
            }
            let path = dir.join(format!("frame_{:06}.jpg", info.index));
            imgcodecs::imwrite(&path, &frame, &Vector::new())
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
    }
    writer.finish().context("cannot write the landmark track")?;
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "{}: {frames} frames, a person in {found}, {:.1} frames/s",
        source.path().display(),
        frames as f64 / secs.max(1e-9)
    );
    Ok(())
}

fn setup(
    exercise: &str,
    profile: Option<&Path>,
    calibration: Option<&Path>,
) -> Result<AssessSetup> {
    let profile = profile.map(Profile::load).transpose()?;
    Ok(AssessSetup {
        exercise: Exercise::named(exercise)?,
        profile,
        calibration: calibration.map(camera_calibration::load).transpose()?,
    })
}

fn analyze(args: AnalyzeArgs) -> Result<()> {
    let is_track = args
        .input
        .extension()
        .is_some_and(|e| e == "jsonl" || e == "json");
    let input = if is_track {
        Input::Track(args.input.clone())
    } else {
        Input::Frames {
            source: SourceSpec::File(args.input.clone()),
            realtime: false,
            pose: PoseOptions {
                model: args.model,
                ..PoseOptions::default()
            },
        }
    };
    run::run(RunOptions {
        input,
        setup: setup(
            &args.exercise,
            args.profile.as_deref(),
            args.camera_calibration.as_deref(),
        )?,
        events: Some(args.events),
        metrics: args.metrics,
        overlay_video: args.overlay_video,
        print_timings: args.timings,
    })?;
    Ok(())
}

fn run_bench(args: BenchArgs) -> Result<()> {
    let report = bench::run(&BenchOptions {
        video: args.video,
        model: args.model,
        threads: args.threads,
        passes: args.passes,
    })?;
    println!("{}", serde_json::to_string(&report)?);
    Ok(())
}
