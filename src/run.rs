//! Running a set: the pipeline wired to its sinks on this (the main) thread.
//!
//! `formcheck analyze` and `formcheck live` both come here; they differ in
//! their input and in which sinks are on.

use std::collections::BTreeMap;
use std::io::{BufWriter, StdinLock, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use crossbeam_channel::{never, select, Receiver};
use opencv::prelude::MatTraitConst;

use formcheck::analysis::baseline::COUNTDOWN_S;
use formcheck::analysis::config::{Exercise, Profile};
use formcheck::analysis::events::Event;
use formcheck::analysis::measure::Metric;
use formcheck::body::ImageSize;
use formcheck::live::keys::{self, Command};
use formcheck::pipeline::assess::AssessSetup;
use formcheck::pipeline::messages::{AnalysisCommand, Assessed, Assessment, Notice};
use formcheck::pipeline::timings::Timings;
use formcheck::pipeline::{Input, Pipeline};
use formcheck::prompt::{Prompt, Terminal, WindowPrompt};
use formcheck::recording::events::EventWriter;
use formcheck::recording::metrics::MetricsWriter;
use formcheck::recording::video::VideoSink;
use formcheck::sinks::cues::{cues_dir, CueBook, CueOutput, CuePlayer, CueSelector, CueTexts};
use formcheck::ui::hud::{Hud, HudExtras};
use formcheck::ui::window::{Window, WindowError};

use crate::private_files::Replacement;
use crate::session::{Session, SessionOptions};

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
    /// Whether to show the window (when there is a display).
    pub window: bool,
    /// Whether the back's outline is drawn from the start (`b` toggles it).
    pub outline: bool,
    /// Where recordings started with `r` go.
    pub record_dir: PathBuf,
    /// The patient's session, recording every set.
    pub session: Option<SessionOptions>,
}

/// The window's size when it opens before the first frame (for the
/// session's first questions); frames are scaled into it.
const QUESTION_WINDOW: ImageSize = ImageSize {
    width: 1280,
    height: 720,
};

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

    /// Plays the cue `a` calls for, if any (none while paused).
    fn cue(&mut self, a: &Assessment, paused: bool) {
        if paused {
            return;
        }
        if let Some(cue) = self
            .selector
            .select(a.frame.info.t_ms, &a.events, &a.status)
        {
            self.player.play(cue);
        }
    }
}

/// What a run gives back.
#[derive(Default)]
pub struct RunOutcome {
    /// The last neutral baseline captured, if any.
    pub baseline: Option<BTreeMap<Metric, f32>>,
    /// Why the last baseline capture was refused, if it was.
    pub baseline_refused: Option<String>,
    /// Why the last baseline captured could not be kept in the profile.
    pub baseline_unsaved: Option<String>,
    /// Whether Ctrl-C (or SIGTERM, SIGHUP) ended the run before its input
    /// did: the set was finished cleanly, on part of the input.
    pub interrupted: bool,
}

/// Where a text output goes: standard output, or a file that replaces
/// its path once complete ([`Replacement`]).
pub enum Output {
    /// Standard output (`-`).
    Stdout(std::io::StdoutLock<'static>),
    /// A file, moved into place by [`commit`].
    File(Replacement),
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Output::Stdout(out) => out.write(buf),
            Output::File(file) => file.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Output::Stdout(out) => out.flush(),
            Output::File(file) => file.flush(),
        }
    }
}

/// Creates `path` for writing (owner-only, in place once committed), or
/// standard output for `-`.
pub fn output(path: &str) -> Result<BufWriter<Output>> {
    let out = if path == "-" {
        Output::Stdout(std::io::stdout().lock())
    } else {
        Output::File(
            Replacement::create(Path::new(path))
                .with_context(|| format!("cannot create {path}"))?,
        )
    };
    Ok(BufWriter::new(out))
}

/// Flushes a finished output and moves its file into place.
pub fn commit(out: BufWriter<Output>) -> std::io::Result<()> {
    match out
        .into_inner()
        .map_err(std::io::IntoInnerError::into_error)?
    {
        Output::Stdout(mut out) => out.flush(),
        Output::File(file) => file.commit(),
    }
}

/// Set by Ctrl-C, SIGTERM (a system shutdown) or SIGHUP (a closed terminal).
fn interrupted() -> Result<Arc<AtomicBool>> {
    let flag = Arc::new(AtomicBool::new(false));
    let set = flag.clone();
    ctrlc::set_handler(move || set.store(true, Ordering::Relaxed))
        .context("cannot install the Ctrl-C handler")?;
    Ok(flag)
}

/// What questions need besides the window: the terminal, and the Ctrl-C
/// flag that leaves a question in the window unanswered.
struct Asking {
    terminal: Terminal<StdinLock<'static>>,
    interrupted: Arc<AtomicBool>,
}

/// The sinks of one run.
struct Sinks {
    events: Option<EventWriter<BufWriter<Output>>>,
    metrics: Option<MetricsWriter<BufWriter<Output>>>,
    video: Option<VideoSink>,
    screen: Screen,
    timings: Timings,
}

/// What the person sees: the HUD drawn on the frame, in the window when
/// there is one, and in the overlay video and recording.
struct Screen {
    hud: Hud,
    exercise: Exercise,
    /// Whether a window is wanted; `window` is opened on the first frame.
    wanted: bool,
    window: Option<Window>,
    /// A recording started with `r`: the folder and the file being written.
    record_dir: PathBuf,
    recording: Option<VideoSink>,
    fps: f64,
    set: u32,
    paused: bool,
    show_timings: bool,
    /// Whether a patient's session records the sets.
    session: bool,
    /// Whether the back's outline is drawn (`b`).
    show_outline: bool,
    /// A notice shown instead of the status message until this instant.
    notice: Option<(Instant, String)>,
}

/// How long a notice (camera lost, baseline countdown) stays up.
const NOTICE_SHOWN: Duration = Duration::from_secs(3);

impl Screen {
    /// Whether the HUD needs drawing on frames at all: for the window, a
    /// recording, the overlay video, and a session's recorded set (its
    /// overlay video is what the report and the review show).
    fn draws(&self, video: bool) -> bool {
        self.window.is_some() || self.wanted || self.recording.is_some() || self.session || video
    }

    fn say(&mut self, message: String) {
        self.notice = Some((Instant::now() + NOTICE_SHOWN, message));
    }

    /// Draws the HUD on the frame and shows it.
    fn present(
        &mut self,
        a: &mut Assessment,
        timings: &Timings,
        muted: bool,
        video: Option<&mut VideoSink>,
    ) -> Result<()> {
        if a.frame.image.empty() || !self.draws(video.is_some()) {
            return Ok(());
        }
        let mut status = std::mem::take(&mut a.status);
        if let Some((until, message)) = &self.notice {
            if Instant::now() < *until {
                status.message = message.clone();
            } else {
                self.notice = None;
            }
        }
        let text = self.show_timings.then(|| timings.recent(TIMINGS_WINDOW));
        let extras = HudExtras {
            paused: self.paused,
            muted,
            recording: self.recording.is_some(),
            set: self.set,
            timings: text.as_deref(),
            outline: a
                .back
                .as_ref()
                .and_then(|b| b.drawing.as_ref())
                .filter(|_| self.show_outline),
        };
        self.hud.draw(
            &mut a.frame.image,
            a.pose.as_ref(),
            &status,
            &self.exercise,
            &extras,
        )?;
        a.status = status;
        if let Some(video) = video {
            video.write(&a.frame.image)?;
        }
        if let Some(recording) = &mut self.recording {
            recording.write(&a.frame.image)?;
        }
        self.open_window(a.frame.size)?;
        if let Some(window) = &mut self.window {
            if !self.paused {
                window.show(&a.frame.image)?;
            }
        }
        Ok(())
    }

    /// Opens the window, `size` pixels large, if one is wanted and not open
    /// yet; without a display, says so and goes on without.
    fn open_window(&mut self, size: ImageSize) -> Result<()> {
        if !self.wanted || self.window.is_some() {
            return Ok(());
        }
        let title = format!("formcheck: {}", self.exercise.title);
        match Window::open(&title, size) {
            Ok(window) => self.window = Some(window),
            Err(WindowError::NoDisplay { reason }) => {
                eprintln!("no display ({reason}): continuing without a window");
                self.wanted = false;
            }
            Err(e) => return Err(e.into()),
        }
        Ok(())
    }

    /// Who asks the patient: the window while it is open, else the terminal.
    fn asker<'a>(&'a mut self, asking: &'a mut Asking) -> Box<dyn Prompt + 'a> {
        match &mut self.window {
            Some(window) if window.is_open() => {
                Box::new(WindowPrompt::new(window, &asking.interrupted))
            }
            _ => Box::new(&mut asking.terminal),
        }
    }

    /// Keys pressed since the last call (and keeps a paused window alive).
    fn commands(&mut self, idle: bool) -> Result<Vec<Command>> {
        let Some(window) = &mut self.window else {
            return Ok(Vec::new());
        };
        if idle || self.paused {
            window.refresh()?;
        }
        let mut commands: Vec<Command> = keys::commands(window).collect();
        if !window.is_open() && !commands.contains(&Command::Quit) {
            commands.push(Command::Quit);
        }
        Ok(commands)
    }

    /// Starts or stops a recording of what is shown.
    fn toggle_recording(&mut self) -> Result<()> {
        if let Some(recording) = self.recording.take() {
            recording.finish()?;
            self.say("Recording saved".into());
            return Ok(());
        }
        formcheck::private_files::create_dir(&self.record_dir)
            .with_context(|| format!("cannot create {}", self.record_dir.display()))?;
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        let name = format!("{}-set{}-{stamp}.mp4", self.exercise.name, self.set);
        let path = self.record_dir.join(name);
        eprintln!("recording to {}", path.display());
        self.recording = Some(VideoSink::new(&path, self.fps));
        self.say("Recording".into());
        Ok(())
    }
}

/// Frames over which the on-screen timings are taken.
const TIMINGS_WINDOW: usize = 30;

impl Sinks {
    /// Takes an assessed frame: its events and measurements written, the
    /// display drawn and shown; the time it took is the sinks' time.
    fn frame(&mut self, a: &mut Assessment, muted: bool) -> Result<()> {
        let started = Instant::now();
        self.take(a, muted)?;
        self.timings.sinks(started.elapsed().as_secs_f64() * 1000.0);
        Ok(())
    }

    /// [`Sinks::frame`] without its timing (for a caller that times more).
    fn take(&mut self, a: &mut Assessment, muted: bool) -> Result<()> {
        self.timings.assessed(a);
        if let Some(log) = &mut self.events {
            log.write(&a.events).context("cannot write the events")?;
        }
        if let Some(csv) = &mut self.metrics {
            csv.write(a.frame.info.index, a.frame.info.t_ms, &a.measurements)
                .context("cannot write the metrics")?;
        }
        self.screen
            .present(a, &self.timings, muted, self.video.as_mut())
    }

    fn finish(self) -> Result<()> {
        if let Some(log) = self.events {
            log.finish()
                .and_then(commit)
                .context("cannot write the events")?;
        }
        if let Some(csv) = self.metrics {
            csv.finish()
                .and_then(commit)
                .context("cannot write the metrics")?;
        }
        if let Some(video) = self.video {
            video.finish()?;
        }
        if let Some(recording) = self.screen.recording {
            recording.finish()?;
        }
        Ok(())
    }
}

/// A frame of a session: the set opened (pain asked) if none is, the frame
/// shown and cued, then handed to the set's recorder with the picture as the
/// camera gave it.
fn session_frame(
    session: &mut Session,
    mut a: Box<Assessment>,
    fps: f64,
    sinks: &mut Sinks,
    muted: bool,
    cues: &mut Option<Cues>,
    asking: &mut Asking,
) -> Result<()> {
    if !session.open_set(fps, &mut *sinks.screen.asker(asking))? {
        return Ok(());
    }
    // The sinks' time here includes handing the frame to the recorder,
    // which waits while the recorder is behind.
    let started = Instant::now();
    let raw = a.frame.image.try_clone()?;
    sinks.take(&mut a, muted)?;
    if let Some(c) = cues.as_mut() {
        c.cue(&a, sinks.screen.paused);
    }
    session.frame(raw, a)?;
    sinks
        .timings
        .sinks(started.elapsed().as_secs_f64() * 1000.0);
    Ok(())
}

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
#[expect(
    clippy::too_many_lines,
    reason = "the live loop; to become a struct with one handler per event"
)]
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
        window,
        outline,
        record_dir,
        session,
    } = options;
    let exercise = setup.exercise.clone();
    let mut screen = Screen {
        hud: Hud::new(),
        exercise: exercise.clone(),
        wanted: window,
        window: None,
        record_dir,
        recording: None,
        fps: 0.0,
        set: 1,
        paused: false,
        show_timings: false,
        session: session.is_some(),
        show_outline: outline,
        notice: None,
    };
    // A session starts with its questions, in the window when there is one.
    let mut asking = Asking {
        terminal: Terminal::new(std::io::stdin().lock()),
        interrupted: interrupted.clone(),
    };
    let mut session = match session {
        Some(options) => {
            screen.open_window(QUESTION_WINDOW)?;
            let mut prompt = screen.asker(&mut asking);
            match Session::start(options, &mut *prompt)? {
                Some(session) => Some(session),
                // A red flag: the advice is given, nothing to exercise.
                None => return Ok(RunOutcome::default()),
            }
        }
        None => None,
    };
    let pipeline = Pipeline::start(input, setup)?;
    screen.fps = pipeline.fps();
    // Cues start once the source and models are known good.
    let mut cues = cues
        .map(|output| Cues::start(&exercise, output, mute))
        .transpose()?;
    if let Some(countdown_s) = baseline_after_s {
        pipeline.command(AnalysisCommand::CaptureBaseline { countdown_s });
    }
    let (mut baseline, mut baseline_refused, mut baseline_unsaved) = (None, None, None);
    let events = events
        .as_deref()
        .map(|path| output(path).map(EventWriter::new))
        .transpose()?;
    let metrics = match metrics.as_deref() {
        Some(path) => {
            let file = output(&path.to_string_lossy())?;
            Some(MetricsWriter::new(file).context("cannot write the metrics")?)
        }
        None => None,
    };
    let mut sinks = Sinks {
        events,
        metrics,
        video: overlay_video.map(|p| VideoSink::new(&p, pipeline.fps())),
        screen,
        timings: Timings::default(),
    };
    let mut notices: Receiver<Notice> = pipeline.notices().clone();
    let mut stopping = false;
    let result: Result<()> = loop {
        let quit = interrupted.load(Ordering::Relaxed);
        if quit && !stopping {
            eprintln!("interrupted: finishing the set");
        }
        let mut idle = false;
        // A paused file source waits: nothing is read, nothing is lost.
        let outputs = if sinks.screen.paused && !pipeline.is_live() {
            never()
        } else {
            pipeline.outputs().clone()
        };
        select! {
            recv(outputs) -> message => match message {
                Ok(Assessed::Frame(mut a)) => {
                    let muted = cues.as_ref().is_none_or(|c| c.selector.mute_switch().is_muted());
                    let recorded = match &mut session {
                        Some(s) => session_frame(s, a, pipeline.fps(), &mut sinks, muted, &mut cues, &mut asking),
                        None => sinks.frame(&mut a, muted).map(|()| {
                            if let Some(c) = cues.as_mut() {
                                c.cue(&a, sinks.screen.paused);
                            }
                            pipeline.recycle(std::mem::take(&mut a.frame.image));
                        }),
                    };
                    match recorded {
                        Ok(()) => {}
                        Err(e) => {
                            pipeline.stop();
                            break Err(e);
                        }
                    }
                    if session.as_ref().is_some_and(|s| !s.goes_on()) {
                        stopping = true;
                    }
                }
                Ok(Assessed::SetEnd(closing)) => {
                    for text in closing.iter().filter_map(Event::summary_text) {
                        eprintln!("{text}");
                    }
                    if let Some(log) = &mut sinks.events {
                        if let Err(e) = log.write(&closing) {
                            pipeline.stop();
                            break Err(anyhow::Error::new(e).context("cannot write the events"));
                        }
                    }
                    if let Some(s) = &mut session {
                        let mut prompt = sinks.screen.asker(&mut asking);
                        match s.end_set(&closing, &mut *prompt) {
                            Ok(true) => {}
                            // The programme stopped the exercise.
                            Ok(false) => stopping = true,
                            Err(e) => {
                                pipeline.stop();
                                break Err(e);
                            }
                        }
                    }
                }
                Err(_) => break Ok(()),
            },
            recv(notices) -> n => match n {
                Ok(Notice::SourceLost { source, attempt }) => {
                    eprintln!("{source}: no frames, reconnecting (attempt {attempt})");
                    sinks.screen.say(format!("Camera lost: reconnecting (attempt {attempt})"));
                }
                Ok(Notice::SourceBack { source }) => {
                    eprintln!("{source}: back");
                    sinks.screen.say("Camera back".into());
                }
                Ok(Notice::Baseline(message)) => {
                    if pipeline.is_live() {
                        eprintln!("{message}");
                    }
                    sinks.screen.say(message);
                }
                Ok(Notice::BaselineFailed(why)) => {
                    sinks.screen.say(why.clone());
                    baseline_refused = Some(why);
                }
                Ok(Notice::BaselineCaptured(values)) => {
                    baseline_unsaved =
                        keep_baseline(profile_path.as_deref(), &exercise.name, &values)
                            .err()
                            .map(|e| format!("{e:#}"));
                    // Live, said now; otherwise the caller reports it.
                    if let Some(why) = baseline_unsaved.as_ref().filter(|_| pipeline.is_live()) {
                        eprintln!("error: {why}");
                    }
                    baseline = Some(values);
                    baseline_refused = None;
                }
                Err(_) => notices = never(),
            },
            default(IDLE_TICK) => idle = true,
        }
        let commands = match sinks.screen.commands(idle) {
            Ok(commands) => commands,
            Err(e) => {
                pipeline.stop();
                break Err(e);
            }
        };
        for command in commands {
            match command {
                Command::Quit => {
                    stopping = true;
                    // The window stays for a session's last questions.
                    if session.is_none() {
                        sinks.screen.window = None;
                        sinks.screen.wanted = false;
                    }
                }
                Command::Pause => sinks.screen.paused = !sinks.screen.paused,
                Command::CaptureBaseline => pipeline.command(AnalysisCommand::CaptureBaseline {
                    countdown_s: COUNTDOWN_S,
                }),
                Command::NextSet => {
                    pipeline.command(AnalysisCommand::NextSet);
                    sinks.screen.set += 1;
                    sinks.screen.say(format!("Set {}", sinks.screen.set));
                }
                Command::Mute => {
                    if let Some(c) = &cues {
                        let muted = c.selector.mute_switch().toggle();
                        sinks
                            .screen
                            .say(if muted { "Cues off" } else { "Cues on" }.into());
                    }
                }
                Command::Timings => sinks.screen.show_timings = !sinks.screen.show_timings,
                Command::Outline => sinks.screen.show_outline = !sinks.screen.show_outline,
                Command::Record => {
                    if let Err(e) = sinks.screen.toggle_recording() {
                        eprintln!("error: {e:#}");
                    }
                }
            }
        }
        if quit || stopping {
            stopping = true;
            sinks.screen.paused = false;
            pipeline.stop();
        }
    };
    let summary = sinks
        .timings
        .summary(pipeline.frames_read(), pipeline.frames_dropped());
    let finished = pipeline.finish();
    // The session ends (its set recorded) whatever stopped the run; the
    // first error is the one reported.
    let ended = session.map_or(Ok(()), |s| s.end(&mut *sinks.screen.asker(&mut asking)));
    let sinks_finished = sinks.finish();
    if let Some(c) = cues {
        let report = c.player.finish()?;
        if report.dropped > 0 {
            eprintln!(
                "{} spoken cues dropped: the player was still busy",
                report.dropped
            );
        }
    }
    if print_timings {
        eprintln!("{summary}");
    }
    result?;
    ended?;
    sinks_finished?;
    finished?;
    if let Some(path) = timings_json {
        let mut file = output(&path.to_string_lossy())?;
        serde_json::to_writer_pretty(&mut file, &summary)
            .map_err(std::io::Error::from)
            .and_then(|()| commit(file))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(RunOutcome {
        baseline,
        baseline_refused,
        baseline_unsaved,
        interrupted: interrupted.load(Ordering::Relaxed),
    })
}
