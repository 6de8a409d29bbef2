//! The run's loop: the pipeline's frames, set ends and notices, and the
//! keys, each taken by its own handler on this (the main) thread.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{never, select, Receiver};
use opencv::prelude::MatTraitConst;

use super::baseline::Baselines;
use super::cues::Cues;
use super::keys::Command;
use super::outputs::Outputs;
use super::pace::Pace;
use super::screen::{Asking, KeyEffect, Screen, QUESTION_WINDOW};
use super::session::Session;
use super::station::Health;
use super::{LiveError, RunOptions, RunOutcome};
use crate::analysis::events::Event;
use crate::clinic::Link;
use crate::output;
use crate::pipeline::messages::{AnalysisCommand, Assessed, Assessment, Notice};
use crate::pipeline::timings::{TimingSummary, Timings};
use crate::pipeline::Pipeline;
use crate::prompt::{Prompt, PromptError};
use crate::recording::video::Resolution;

/// How often the loop wakes without a frame, to keep a window responsive.
const IDLE_TICK: Duration = Duration::from_millis(20);

/// A run in progress.
struct Live {
    pipeline: Pipeline,
    screen: Screen,
    outputs: Outputs,
    timings: Timings,
    cues: Option<Cues>,
    session: Option<Session>,
    asking: Asking,
    baselines: Baselines,
    interrupted: Arc<AtomicBool>,
    /// Whether a live source's frames are kept up with.
    pace: Pace,
    /// The run is ending: the pipeline is told to stop and drains.
    stopping: bool,
    /// The camera has stopped sending frames (for a clinic's live board).
    camera_lost: bool,
}

/// Set by Ctrl-C, SIGTERM (a system shutdown) or SIGHUP (a closed terminal).
fn interrupted() -> Result<Arc<AtomicBool>, LiveError> {
    let flag = Arc::new(AtomicBool::new(false));
    let set = flag.clone();
    ctrlc::set_handler(move || set.store(true, Ordering::Relaxed)).map_err(LiveError::CtrlC)?;
    Ok(flag)
}

/// Runs the pipeline to the end of its input (or Ctrl-C, or `q`): a
/// patient's session first asks its questions, then every frame is written,
/// shown and cued as asked; what the run found.
pub fn run(options: RunOptions) -> Result<RunOutcome, LiveError> {
    let interrupted = interrupted()?;
    let mut screen = Screen::new(
        options.setup.exercise.clone(),
        options.window,
        options.outline,
        options.record_dir,
        options.session.is_some(),
    );
    // A session starts with its questions, in the window when there is one.
    let mut asking = Asking::new(interrupted.clone());
    let session = match options.session {
        Some(session) => {
            screen.open_window(QUESTION_WINDOW)?;
            match Session::start(session, &mut *screen.asker(&mut asking))? {
                Some(session) => Some(session),
                // A red flag: the advice is given, nothing to exercise.
                None => return Ok(RunOutcome::default()),
            }
        }
        None => None,
    };
    let exercise = options.setup.exercise.clone();
    let pipeline = Pipeline::start(options.input, options.setup)?;
    screen.fps = pipeline.fps();
    // Cues start once the source and models are known good.
    let cues = options
        .cues
        .map(|output| Cues::start(&exercise, output, options.mute))
        .transpose()?;
    if let Some(countdown_s) = options.baseline_after_s {
        pipeline.command(AnalysisCommand::CaptureBaseline { countdown_s });
    }
    let outputs = Outputs::create(
        options.events.as_deref(),
        options.metrics.as_deref(),
        options.overlay_video.as_deref(),
        pipeline.fps(),
    )?;
    let mut live = Live {
        pipeline,
        screen,
        outputs,
        timings: Timings::default(),
        cues,
        session,
        asking,
        baselines: Baselines::new(options.profile_path, &exercise.name),
        interrupted,
        pace: Pace::new(Instant::now()),
        stopping: false,
        camera_lost: false,
    };
    let result = live.drive();
    if result.is_err() {
        live.pipeline.stop();
    }
    let (summary, outcome) = live.finish(result);
    if options.print_timings {
        eprintln!("{summary}");
    }
    let outcome = outcome?;
    if let Some(path) = options.timings_json {
        let mut file = output::create(&path.to_string_lossy())?;
        serde_json::to_writer_pretty(&mut file, &summary)
            .map_err(std::io::Error::from)
            .and_then(|()| output::commit(file))
            .map_err(LiveError::io(format!("cannot write {}", path.display())))?;
    }
    Ok(outcome)
}

impl Live {
    /// Takes what comes until the pipeline has drained.
    fn drive(&mut self) -> Result<(), LiveError> {
        let mut notices: Receiver<Notice> = self.pipeline.notices().clone();
        loop {
            let quit = self.interrupted.load(Ordering::Relaxed);
            if quit && !self.stopping {
                eprintln!("interrupted: finishing the set");
            }
            let mut idle = false;
            // A paused file source waits: nothing is read, nothing is lost.
            let outputs = if self.screen.paused() && !self.pipeline.is_live() {
                never()
            } else {
                self.pipeline.outputs().clone()
            };
            select! {
                recv(outputs) -> message => match message {
                    Ok(Assessed::Frame(a)) => self.on_frame(a)?,
                    Ok(Assessed::SetEnd(closing)) => self.on_set_end(&closing)?,
                    Err(_) => return Ok(()),
                },
                recv(notices) -> notice => match notice {
                    Ok(notice) => self.on_notice(notice),
                    Err(_) => notices = never(),
                },
                default(IDLE_TICK) => idle = true,
            }
            for command in self.screen.commands(idle)? {
                self.on_key(command);
            }
            self.tell_clinic();
            if quit || self.stopping {
                self.stopping = true;
                self.screen.resume();
                self.pipeline.stop();
            }
        }
    }

    /// An assessed frame: written, shown and cued; in a session, the set
    /// opened (pain asked) if none is, and the frame handed to the set's
    /// recorder with the picture as the camera gave it.
    fn on_frame(&mut self, mut a: Box<Assessment>) -> Result<(), LiveError> {
        let muted = self.cues.as_ref().is_none_or(Cues::muted);
        if let Some(session) = &mut self.session {
            // A run that has fallen behind records its next sets at half
            // size, a quarter of the pixels to encode.
            let resolution = if self.pace.fell_behind() {
                Resolution::Half
            } else {
                Resolution::Full
            };
            let mut asker = Holding::new(self.screen.asker(&mut self.asking), &self.pipeline);
            let opened = session.open_set(self.pipeline.fps(), resolution, &mut asker)?;
            let asked = asker.asked;
            drop(asker);
            if asked {
                self.timings.question_answered(Instant::now());
            }
            if asked && opened && resolution == Resolution::Half {
                self.screen.warn("Recording at half size to keep up".into());
            }
            if !opened {
                // No set without the pain before it: the exercise ends.
                self.stopping |= !session.goes_on();
                return Ok(());
            }
        }
        // The sinks' time includes handing the frame to the recorder, which
        // waits while the recorder is behind.
        let started = Instant::now();
        let raw = match self.session {
            Some(_) => Some(a.frame.image.try_clone()?),
            None => None,
        };
        self.timings.assessed(&a);
        self.outputs.frame(&a)?;
        self.screen
            .present(&mut a, &self.timings, muted, self.outputs.video())?;
        if let Some(cues) = &mut self.cues {
            cues.cue(&a, self.screen.paused());
        }
        match (&mut self.session, raw) {
            (Some(session), Some(raw)) => {
                session.frame(raw, a)?;
                if !session.goes_on() {
                    self.stopping = true;
                }
            }
            _ => self.pipeline.recycle(std::mem::take(&mut a.frame.image)),
        }
        self.timings.sinks(started.elapsed());
        self.keep_pace();
        Ok(())
    }

    /// A station of a clinic tells the live board how it is doing, and
    /// says on screen when the clinic's server goes away or comes back.
    fn tell_clinic(&mut self) {
        let Some(session) = &mut self.session else {
            return;
        };
        let health = Health {
            read: self.pipeline.frames_read(),
            dropped: self.pipeline.frames_dropped(),
            camera_lost: self.camera_lost,
        };
        for link in session.tell_board(health) {
            match link {
                Link::Up => self.screen.say("Clinic server reached: delivering".into()),
                Link::Down { why } => {
                    eprintln!("{why}: recording on this station, delivered when it is back");
                    self.screen
                        .warn("Clinic server away: recording on this station".into());
                }
            }
        }
    }

    /// Says so, live, when the run falls behind its source.
    fn keep_pace(&mut self) {
        if !self.pipeline.is_live() {
            return;
        }
        let (read, dropped) = (self.pipeline.frames_read(), self.pipeline.frames_dropped());
        if let Some(behind) = self.pace.check(Instant::now(), read, dropped) {
            eprintln!("{}", behind.advice());
            self.screen.warn(behind.short());
        }
    }

    /// The set's end: its closing events said and written; in a session,
    /// the questions after the set and what the programme says.
    fn on_set_end(&mut self, closing: &[Event]) -> Result<(), LiveError> {
        for text in closing.iter().filter_map(Event::summary_text) {
            eprintln!("{text}");
        }
        self.outputs.events(closing)?;
        if let Some(session) = &mut self.session {
            let mut prompt = Holding::new(self.screen.asker(&mut self.asking), &self.pipeline);
            let goes_on = session.end_set(closing, &mut prompt)?;
            if prompt.asked {
                self.timings.question_answered(Instant::now());
            }
            if !goes_on {
                // The programme stopped the exercise.
                self.stopping = true;
            }
        }
        Ok(())
    }

    /// Something about the source or the baseline: said on the screen (and
    /// on the terminal where it matters).
    fn on_notice(&mut self, notice: Notice) {
        match notice {
            Notice::SourceLost { source, attempt } => {
                eprintln!("{source}: no frames, reconnecting (attempt {attempt})");
                self.camera_lost = true;
                self.screen
                    .warn(format!("Camera lost: reconnecting (attempt {attempt})"));
            }
            Notice::SourceBack { source } => {
                eprintln!("{source}: back");
                self.camera_lost = false;
                self.screen.say("Camera back".into());
            }
            Notice::Baseline(message) => {
                if self.pipeline.is_live() {
                    eprintln!("{message}");
                }
                self.screen.say(message);
            }
            Notice::BaselineFailed(why) => {
                self.screen.say(why.clone());
                self.baselines.refused(why);
            }
            Notice::BaselineCaptured(values) => {
                let unsaved = self.baselines.captured(values);
                // Live, said now; otherwise the caller reports it.
                if let Some(why) = unsaved.filter(|_| self.pipeline.is_live()) {
                    eprintln!("error: {why}");
                }
            }
        }
    }

    /// A key: the screen does its part, the rest is done here.
    fn on_key(&mut self, command: Command) {
        match self.screen.key(command) {
            KeyEffect::Nothing => {}
            KeyEffect::Stop => self.stopping = true,
            KeyEffect::Analysis(command) => self.pipeline.command(command),
            KeyEffect::ToggleMute => {
                if let Some(cues) = &self.cues {
                    let muted = cues.toggle_mute();
                    self.screen
                        .say(if muted { "Cues off" } else { "Cues on" }.into());
                }
            }
        }
    }

    /// Ends the run after `result`: the pipeline joined, the session ended
    /// (its set recorded) whatever stopped the run, every file completed;
    /// the first error is the one reported.
    fn finish(
        self,
        result: Result<(), LiveError>,
    ) -> (TimingSummary, Result<RunOutcome, LiveError>) {
        let Live {
            pipeline,
            mut screen,
            outputs,
            timings,
            cues,
            session,
            mut asking,
            baselines,
            interrupted,
            ..
        } = self;
        let summary = timings.summary(pipeline.frames_read(), pipeline.frames_dropped());
        let finished = pipeline.finish();
        let ended = session.map_or(Ok(()), |s| s.end(&mut *screen.asker(&mut asking)));
        let outputs_finished = outputs.finish();
        let screen_finished = screen.finish();
        let cues_finished = cues.map_or(Ok(()), Cues::finish);
        let outcome = result
            .and(ended)
            .and(outputs_finished)
            .and(screen_finished)
            .and(cues_finished)
            .and(finished.map_err(LiveError::from))
            .map(|()| RunOutcome {
                baseline: baselines.captured,
                baseline_refused: baselines.refused,
                baseline_unsaved: baselines.unsaved,
                interrupted: interrupted.load(Ordering::Relaxed),
            });
        (summary, outcome)
    }
}

/// Questions asked while the pipeline runs: the source is held until each
/// is answered ([`Pipeline::hold`]).
struct Holding<'a> {
    prompt: Box<dyn Prompt + 'a>,
    pipeline: &'a Pipeline,
    /// Whether a question was asked.
    asked: bool,
}

impl<'a> Holding<'a> {
    fn new(prompt: Box<dyn Prompt + 'a>, pipeline: &'a Pipeline) -> Holding<'a> {
        Holding {
            prompt,
            pipeline,
            asked: false,
        }
    }
}

impl Prompt for Holding<'_> {
    fn yes_no(&mut self, question: &str) -> Result<bool, PromptError> {
        let _held = self.pipeline.hold();
        self.asked = true;
        self.prompt.yes_no(question)
    }

    fn pain(&mut self, question: &str) -> Result<u8, PromptError> {
        let _held = self.pipeline.hold();
        self.asked = true;
        self.prompt.pain(question)
    }

    fn choose(&mut self, question: &str, options: &[&str]) -> Result<usize, PromptError> {
        let _held = self.pipeline.hold();
        self.asked = true;
        self.prompt.choose(question, options)
    }
}
