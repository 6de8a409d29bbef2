//! Preview of the live display: runs the real pose engine and analysis on a
//! video (the Sports2D demo by default), draws the heads-up display on each
//! frame and shows it in the live window; without a display it says so and
//! carries on headless.
//!
//! ```text
//! cargo run --release --example hud_preview -- [VIDEO] [--exercise squat]
//!     [--start 40] [--count 60] [--simulate flag] [--linger 5] [--save out.png]
//! ```
//!
//! The clip is not an exercise, so `--simulate` (default `flag`) puts the
//! display in a state to look at: a flag on the exercise's first lumbar
//! flexion rule (its gauge just past the limit, its message in the banner),
//! and, while the clip has given none, a sample rep count and tempo. Keys:
//! space pause, `m` mute, `r` record, `n` next set, `d` timings, `q` quit.
//! Prints the median drawing time per frame at the end.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use clap::{Parser, ValueEnum};
use opencv::core::{Mat, Size, Vector};
use opencv::prelude::*;
use opencv::{imgcodecs, imgproc};

use formcheck::analysis::config::{Exercise, Fault};
use formcheck::analysis::status::{FormState, Status, Tempo};
use formcheck::analysis::Analyzer;
use formcheck::pose::{ImageSize, ModelKind, PoseEngine, PoseOptions, RunningMode};
use formcheck::sinks::hud::{Hud, HudExtras};
use formcheck::sinks::window::{Command, Window, WindowError};
use formcheck::source::FrameSource;

/// The state the preview puts the display in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Simulate {
    /// Only what the analysis says.
    None,
    /// A rule near its limit.
    Caution,
    /// A raised flag with its message.
    Flag,
    /// The joints of a rule out of view.
    CannotSee,
}

#[derive(Parser)]
struct Args {
    /// Video or image to show.
    #[arg(default_value = ".cache/samples/demo.mp4")]
    input: PathBuf,
    /// Exercise whose rules are shown.
    #[arg(long, default_value = "squat")]
    exercise: String,
    /// First frame shown; the frames before it warm up the track and the
    /// analysis.
    #[arg(long, default_value_t = 0)]
    start: u64,
    /// Frames shown from `start`; 0 for the rest of the video.
    #[arg(long, default_value_t = 0)]
    count: u64,
    /// Frame height the display is drawn at (the width keeps the aspect).
    #[arg(long, default_value_t = 720)]
    height: i32,
    /// The state to put the display in.
    #[arg(long, value_enum, default_value = "flag")]
    simulate: Simulate,
    /// Seconds to keep showing the last frame (q ends it sooner).
    #[arg(long, default_value_t = 0.0)]
    linger: f64,
    /// Save the last frame drawn to this image file.
    #[arg(long)]
    save: Option<PathBuf>,
    /// Show the timings block from the start (`d` toggles it).
    #[arg(long)]
    timings: bool,
    /// Landmark model.
    #[arg(long, value_enum, default_value = "full")]
    model: ModelKind,
}

/// Puts `status` in the state `simulate` asks for.
fn simulate(status: &mut Status, exercise: &Exercise, simulate: Simulate) {
    let rule = exercise
        .rules
        .iter()
        .position(|r| r.fault == Fault::LumbarFlexion)
        .unwrap_or(0);
    if simulate != Simulate::None && exercise.reps.is_some() && status.last_rep.is_none() {
        let reps = exercise.reps.as_ref();
        status.reps = status.reps.max(6);
        status.last_rep = Some(Tempo {
            eccentric_s: 2.1,
            concentric_s: 0.8,
            eccentric_min_s: reps.and_then(|r| r.eccentric_min_s.as_ref().map(|s| *s.get_ref())),
            concentric_min_s: reps.and_then(|r| r.concentric_min_s.as_ref().map(|s| *s.get_ref())),
        });
    }
    let (Some(gauge), Some(def)) = (status.gauges.get_mut(rule), exercise.rules.get(rule)) else {
        return;
    };
    let past = |by: f32| match def.fires {
        formcheck::analysis::config::Direction::Below => gauge.limit - by * gauge.limit.abs(),
        _ => gauge.limit + by * gauge.limit.abs(),
    };
    match simulate {
        Simulate::None => {}
        Simulate::Caution => {
            gauge.value = Some(past(-0.05));
            gauge.state = FormState::Caution;
            status.state = status.state.max(FormState::Caution);
        }
        Simulate::Flag => {
            gauge.value = Some(past(0.15));
            gauge.state = FormState::Flag;
            status.state = FormState::Flag;
            status.fault = Some(def.fault);
            status.message = def.message.clone();
        }
        Simulate::CannotSee => {
            gauge.value = None;
            gauge.state = FormState::CannotSee;
            status.state = FormState::CannotSee;
            status.message = def.metric.cannot_see_hint();
        }
    }
}

/// What the keys have switched.
#[derive(Debug)]
struct Controls {
    paused: bool,
    muted: bool,
    recording: bool,
    set: u32,
    timings: bool,
}

impl Controls {
    /// Applies `command`; returns false for [`Command::Quit`].
    fn apply(&mut self, command: Command) -> bool {
        match command {
            Command::Pause => self.paused = !self.paused,
            Command::Mute => self.muted = !self.muted,
            Command::Record => self.recording = !self.recording,
            Command::NextSet => self.set += 1,
            Command::Timings => self.timings = !self.timings,
            Command::CaptureBaseline => {
                eprintln!("hud_preview: baseline capture is not wired here")
            }
            Command::Quit => return false,
        }
        true
    }
}

/// The median of `values` (sorted in place), ms.
fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() -> Result<()> {
    let args = Args::parse();
    let exercise = Exercise::named(&args.exercise)?;
    let mut analyzer = Analyzer::new(exercise.clone(), None);
    let mut source = FrameSource::open(&args.input)?;
    let mut engine = PoseEngine::new(PoseOptions {
        model: args.model,
        mode: RunningMode::Video,
        ..PoseOptions::default()
    })?;
    let mut hud = Hud::new();
    let (mut frame, mut resized, mut shown) = (Mat::default(), Mat::default(), Mat::default());
    let mut window: Option<Window> = None;
    let mut headless = false;
    let mut controls = Controls {
        paused: false,
        muted: false,
        recording: false,
        set: 1,
        timings: args.timings,
    };
    let mut timings = String::new();
    let (mut draw_ms, mut show_ms) = (Vec::new(), Vec::new());
    let mut events = Vec::new();
    let mut quit = false;
    while let Some(info) = source.read(&mut frame)? {
        if args.count > 0 && info.index >= args.start + args.count {
            break;
        }
        let size = ImageSize::of(&frame)?;
        let started = Instant::now();
        let pose = engine
            .process(&frame, (info.t_ms * 1000.0).round() as i64)?
            .cloned();
        let pose_ms = ms(started.elapsed());
        events.clear();
        analyzer.push(info.index, info.t_ms, size, pose.as_ref(), &mut events);
        if info.index < args.start {
            continue;
        }
        let width = (f64::from(args.height) * f64::from(size.width) / f64::from(size.height))
            .floor() as i32;
        imgproc::resize(
            &frame,
            &mut resized,
            Size::new(width, args.height),
            0.0,
            0.0,
            imgproc::INTER_AREA,
        )?;
        let mut status = analyzer.status();
        simulate(&mut status, &exercise, args.simulate);
        let extras = HudExtras {
            paused: controls.paused,
            muted: controls.muted,
            recording: controls.recording,
            set: controls.set,
            timings: controls.timings.then_some(timings.as_str()),
        };
        resized.copy_to(&mut shown)?;
        let started = Instant::now();
        hud.draw(&mut shown, pose.as_ref(), &status, &exercise, &extras)?;
        let drawn = ms(started.elapsed());
        draw_ms.push(drawn);

        if window.is_none() && !headless {
            let size = ImageSize::of(&shown)?;
            match Window::open(&format!("formcheck: {}", exercise.title), size) {
                Ok(w) => window = Some(w),
                Err(e @ WindowError::NoDisplay { .. }) => {
                    eprintln!("hud_preview: {e}");
                    headless = true;
                }
                Err(e) => return Err(e).context("cannot open the live window"),
            }
        }
        if let Some(w) = &mut window {
            let started = Instant::now();
            w.show(&shown)?;
            show_ms.push(ms(started.elapsed()));
            for command in w.commands() {
                quit |= !controls.apply(command);
            }
            // Paused: the same frame, marked so, still answering keys.
            if controls.paused && !quit {
                resized.copy_to(&mut shown)?;
                let extras = HudExtras {
                    paused: true,
                    ..extras
                };
                hud.draw(&mut shown, pose.as_ref(), &status, &exercise, &extras)?;
                w.show(&shown)?;
            }
            while controls.paused && !quit {
                w.refresh()?;
                for command in w.commands() {
                    quit |= !controls.apply(command);
                }
                std::thread::sleep(Duration::from_millis(30));
            }
        }
        timings.clear();
        let _ = write!(
            timings,
            "frame {}\npose {pose_ms:.1} ms\nhud {drawn:.2} ms",
            info.index
        );
        if let Some(last) = show_ms.last() {
            let _ = write!(timings, "\nwindow {last:.2} ms");
        }
        if quit {
            break;
        }
    }
    if let Some(w) = &mut window {
        let until = Instant::now() + Duration::from_secs_f64(args.linger.max(0.0));
        while Instant::now() < until && w.is_open() {
            w.refresh()?;
            if w.commands().any(|c| c == Command::Quit) {
                break;
            }
            std::thread::sleep(Duration::from_millis(30));
        }
    }
    if let Some(path) = &args.save {
        imgcodecs::imwrite(path, &shown, &Vector::new())
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    let frames = draw_ms.len();
    let mut report = format!(
        "hud_preview: {frames} frames at {}x{}: hud draw median {:.2} ms",
        shown.cols(),
        shown.rows(),
        median(&mut draw_ms),
    );
    if !show_ms.is_empty() {
        report.push_str(&format!(
            ", window show median {:.2} ms",
            median(&mut show_ms)
        ));
    }
    eprintln!("{report}");
    Ok(())
}
