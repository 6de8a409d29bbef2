//! Running a set: the pipeline wired to its sinks on this (the main) thread.
//!
//! `formcheck analyze` and `formcheck live` both come here; they differ in
//! their input and in which sinks are on.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use crossbeam_channel::{never, select, Receiver};

use formcheck::analysis::config::{Exercise, Profile};
use formcheck::analysis::measure::Metric;
use formcheck::pipeline::assess::AssessSetup;
use formcheck::pipeline::messages::{AnalysisCommand, Assessed, Assessment, Notice};
use formcheck::pipeline::timings::Timings;
use formcheck::pipeline::{Input, Pipeline};
use formcheck::sinks::cues::{cues_dir, CueBook, CueOutput, CuePlayer, CueSelector, CueTexts};
use formcheck::sinks::event_log::EventLog;
use formcheck::sinks::metrics_csv::MetricsCsv;
use formcheck::sinks::overlay::draw_skeleton;
use formcheck::sinks::video::VideoSink;

/// How often the loop wakes without a frame, to keep a window responsive.
const IDLE_TICK: Duration = Duration::from_millis(20);

/// What to run and where the results go.
pub struct RunOptions {
    /// The input.
    pub input: Input,
    /// The exercise, profile and camera calibration.
    pub setup: AssessSetup,
    /// Where to write the events (`-` for standard output).
    pub events: Option<String>,
    /// Where to write every measurement (CSV).
    pub metrics: Option<PathBuf>,
    /// Where to write the video with the overlay.
    pub overlay_video: Option<PathBuf>,
    /// Whether to print the timing summary at the end.
    pub print_timings: bool,
    /// Where to write the timing summary as JSON.
    pub timings_json: Option<PathBuf>,
    /// The patient's profile file, where a captured baseline is kept.
    pub profile_path: Option<PathBuf>,
    /// Capture the neutral baseline from the start, its hold beginning this
    /// many seconds in.
    pub baseline_after_s: Option<f64>,
    /// Where spoken cues go, if anywhere.
    pub cues: Option<CueOutput>,
    /// Whether the cues start muted.
    pub mute: bool,
}

/// The spoken cues: what to say and the player saying it.
struct Cues {
    selector: CueSelector,
    player: CuePlayer,
}

impl Cues {
    fn start(exercise: &Exercise, output: CueOutput, mute: bool) -> Result<Cues> {
        let selector = CueSelector::new(exercise, &CueTexts::shipped()?);
        let book = CueBook::load(&cues_dir(), &selector.texts());
        let player = CuePlayer::start(book, output)?;
        selector.mute_switch().set_muted(mute);
        Ok(Cues { selector, player })
    }
}

/// What a run gives back.
pub struct RunOutcome {
    /// The last neutral baseline captured, if any.
    pub baseline: Option<BTreeMap<Metric, f32>>,
    /// Why the last baseline capture was refused, if it was.
    pub baseline_refused: Option<String>,
}

/// Creates `path` for writing, or standard output for `-`.
pub fn output(path: &str) -> Result<BufWriter<Box<dyn Write>>> {
    let out: Box<dyn Write> = if path == "-" {
        Box::new(std::io::stdout().lock())
    } else {
        Box::new(File::create(path).with_context(|| format!("cannot create {path}"))?)
    };
    Ok(BufWriter::new(out))
}

/// Set by Ctrl-C.
fn interrupted() -> Result<Arc<AtomicBool>> {
    let flag = Arc::new(AtomicBool::new(false));
    let set = flag.clone();
    ctrlc::set_handler(move || set.store(true, Ordering::Relaxed))
        .context("cannot install the Ctrl-C handler")?;
    Ok(flag)
}

/// The sinks of one run.
struct Sinks {
    events: Option<EventLog<BufWriter<Box<dyn Write>>>>,
    metrics: Option<MetricsCsv<BufWriter<File>>>,
    video: Option<VideoSink>,
    timings: Timings,
}

impl Sinks {
    fn open(
        events: Option<&str>,
        metrics: Option<&Path>,
        overlay_video: Option<&Path>,
        fps: f64,
    ) -> Result<Sinks> {
        let events = events
            .map(|path| output(path).map(EventLog::new))
            .transpose()?;
        let metrics = match metrics {
            Some(path) => {
                let file = File::create(path)
                    .with_context(|| format!("cannot create {}", path.display()))?;
                Some(MetricsCsv::new(BufWriter::new(file)).context("cannot write the metrics")?)
            }
            None => None,
        };
        Ok(Sinks {
            events,
            metrics,
            video: overlay_video.map(|p| VideoSink::new(p, fps)),
            timings: Timings::default(),
        })
    }

    fn frame(&mut self, a: &mut Assessment) -> Result<()> {
        let started = Instant::now();
        self.timings.assessed(a);
        if let Some(log) = &mut self.events {
            log.write(&a.events).context("cannot write the events")?;
        }
        if let Some(csv) = &mut self.metrics {
            csv.write(a.frame.info.index, a.frame.info.t_ms, &a.measurements)
                .context("cannot write the metrics")?;
        }
        if let Some(video) = &mut self.video {
            if !a.frame.image.empty() {
                if let Some(pose) = &a.pose {
                    draw_skeleton(&mut a.frame.image, pose)?;
                }
                video.write(&a.frame.image)?;
            }
        }
        self.timings.sinks(started.elapsed().as_secs_f64() * 1000.0);
        Ok(())
    }

    fn finish(self) -> Result<()> {
        if let Some(log) = self.events {
            log.finish().context("cannot write the events")?;
        }
        if let Some(csv) = self.metrics {
            csv.finish().context("cannot write the metrics")?;
        }
        if let Some(video) = self.video {
            video.finish()?;
        }
        Ok(())
    }
}

use opencv::prelude::MatTraitConst;

/// Keeps a captured baseline in the profile, if there is one.
fn keep_baseline(
    profile: Option<&Path>,
    exercise: &str,
    values: &BTreeMap<Metric, f32>,
) -> Result<()> {
    let Some(path) = profile else {
        return Ok(());
    };
    let patient = path
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    Profile::save_baseline(path, &patient, exercise, values)?;
    eprintln!(
        "neutral baseline for {exercise} saved in {}",
        path.display()
    );
    Ok(())
}

/// Runs the pipeline to the end of its input (or Ctrl-C); the timings.
pub fn run(options: RunOptions) -> Result<RunOutcome> {
    let interrupted = interrupted()?;
    let RunOptions {
        input,
        setup,
        events,
        metrics,
        overlay_video,
        print_timings,
        timings_json,
        profile_path,
        baseline_after_s,
        cues,
        mute,
    } = options;
    let exercise = setup.exercise.name.clone();
    let cue_exercise = cues.as_ref().map(|_| setup.exercise.clone());
    let pipeline = Pipeline::start(input, setup)?;
    // Cues start once the source and models are known good.
    let mut cues = match (cues, cue_exercise) {
        (Some(output), Some(exercise)) => Some(Cues::start(&exercise, output, mute)?),
        _ => None,
    };
    if let Some(countdown_s) = baseline_after_s {
        pipeline.command(AnalysisCommand::CaptureBaseline { countdown_s });
    }
    let (mut baseline, mut baseline_refused) = (None, None);
    let mut sinks = Sinks::open(
        events.as_deref(),
        metrics.as_deref(),
        overlay_video.as_deref(),
        pipeline.fps(),
    )?;
    let mut notices: Receiver<Notice> = pipeline.notices().clone();
    let mut stopping = false;
    let result = loop {
        if interrupted.load(Ordering::Relaxed) && !stopping {
            eprintln!("interrupted: finishing the set");
            pipeline.stop();
            stopping = true;
        }
        select! {
            recv(pipeline.outputs()) -> message => match message {
                Ok(Assessed::Frame(mut a)) => {
                    if let Err(e) = sinks.frame(&mut a) {
                        pipeline.stop();
                        break Err(e);
                    }
                    if let Some(c) = &mut cues {
                        if let Some(cue) = c.selector.select(a.frame.info.t_ms, &a.events, &a.status) {
                            c.player.play(cue);
                        }
                    }
                    pipeline.recycle(std::mem::take(&mut a.frame.image));
                }
                Ok(Assessed::SetEnd(events)) => {
                    if let Some(log) = &mut sinks.events {
                        log.write(&events).context("cannot write the events")?;
                    }
                }
                Err(_) => break Ok(()),
            },
            recv(notices) -> n => match n {
                Ok(Notice::SourceLost { source, attempt }) => {
                    eprintln!("{source}: no frames, reconnecting (attempt {attempt})");
                }
                Ok(Notice::SourceBack { source }) => eprintln!("{source}: back"),
                Ok(Notice::Baseline(message)) if pipeline.is_live() => eprintln!("{message}"),
                Ok(Notice::Baseline(_)) => {}
                Ok(Notice::BaselineFailed(why)) => baseline_refused = Some(why),
                Ok(Notice::BaselineCaptured(values)) => {
                    keep_baseline(profile_path.as_deref(), &exercise, &values)?;
                    baseline = Some(values);
                    baseline_refused = None;
                }
                Err(_) => notices = never(),
            },
            default(IDLE_TICK) => {}
        }
    };
    let summary = sinks
        .timings
        .summary(pipeline.frames_read(), pipeline.frames_dropped());
    let finished = pipeline.finish();
    sinks.finish()?;
    if let Some(c) = cues {
        let report = c.player.finish()?;
        if report.dropped > 0 {
            eprintln!(
                "{} spoken cues dropped: the player was still busy",
                report.dropped
            );
        }
    }
    result?;
    finished?;
    if print_timings {
        eprintln!("{summary}");
    }
    if let Some(path) = timings_json {
        let file =
            File::create(&path).with_context(|| format!("cannot create {}", path.display()))?;
        serde_json::to_writer_pretty(file, &summary)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(RunOutcome {
        baseline,
        baseline_refused,
    })
}
