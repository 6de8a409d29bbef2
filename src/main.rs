//! The `formcheck` command line.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use opencv::core::{Mat, Vector};
use opencv::imgcodecs;

use formcheck::bench::{self, BenchOptions};
use formcheck::pose::{ImageSize, ModelKind, PoseEngine, PoseOptions, RunningMode};
use formcheck::sinks::overlay::draw_skeleton;
use formcheck::sinks::track::TrackWriter;
use formcheck::source::FrameSource;

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
    let out: Box<dyn Write> = if args.out == "-" {
        Box::new(std::io::stdout().lock())
    } else {
        Box::new(File::create(&args.out).with_context(|| format!("cannot create {}", args.out))?)
    };
    if let Some(dir) = &args.overlay {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let mut writer = TrackWriter::new(BufWriter::new(out));
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
