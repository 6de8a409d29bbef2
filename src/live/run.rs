//! The run's loop: the pipeline's frames, set ends and notices, and the
//! keys, each taken by its own handler on this (the main) thread. A
//! [`Stage`] (the window, the questions) lasts across the exercises of a
//! guided session; each exercise runs its own pipeline on it, following
//! its [`PlanState`] when the session is guided.

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
use super::plan::{spoken, Ended, ExercisePlan, Phase, PlanState, SKIP_REASONS};
use super::screen::{Asking, KeyEffect, Screen, QUESTION_WINDOW};
use super::session::{Session, SessionOptions};
use super::station::Health;
use super::{LiveError, RunOptions, RunOutcome};
use crate::analysis::config::Exercise;
use crate::analysis::events::Event;
use crate::analysis::setup_check::Advice;
use crate::analysis::status::{FormState, Status};
use crate::clinic::Link;
use crate::output;
use crate::pipeline::messages::{AnalysisCommand, Assessed, Assessment, Notice};
use crate::pipeline::timings::{TimingSummary, Timings};
use crate::pipeline::Pipeline;
use crate::prompt::{Prompt, PromptError};
use crate::recording::video::Resolution;
use crate::store::ExerciseOutcome;
use crate::time::SourceTime;
use crate::ui::page::Page;
use crate::ui::palette::WHITE;
use crate::ui::window::Key;

/// How often the loop wakes without a frame, to keep a window responsive.
const IDLE_TICK: Duration = Duration::from_millis(20);

/// How often a rest's countdown is redrawn and its keys read.
const REST_TICK: Duration = Duration::from_millis(50);

/// What lasts across a session's exercises: the screen with its window,
/// and who asks the patient's questions.
pub struct Stage {
    screen: Screen,
    asking: Asking,
    interrupted: Arc<AtomicBool>,
}

/// One exercise's run in progress.
struct Live<'s> {
    pipeline: Pipeline,
    stage: &'s mut Stage,
    outputs: Outputs,
    timings: Timings,
    cues: Option<Cues>,
    session: Option<&'s mut Session>,
    /// A guided session's exercise: its set-up, sets and rests.
    plan: Option<PlanState>,
    exercise: Exercise,
    baselines: Baselines,
    /// The source's time of the latest frame.
    now: SourceTime,
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
pub fn run(mut options: RunOptions) -> Result<RunOutcome, LiveError> {
    let mut stage = Stage::new(Screen::new(
        options.setup.exercise.clone(),
        options.window,
        options.outline,
        options.record_dir.clone(),
        options.session.is_some(),
    ))?;
    let mut session = match options.session.take() {
        Some(session) => match stage.start_session(session)? {
            Some(session) => Some(session),
            // A red flag: the advice is given, nothing to exercise.
            None => return Ok(RunOutcome::default()),
        },
        None => None,
    };
    let result = stage.exercise(options, session.as_mut(), None);
    let ended = session.map_or(Ok(()), |s| s.end(&mut *stage.asker()));
    let finished = stage.finish();
    let (outcome, _) = result?;
    ended.and(finished)?;
    Ok(outcome)
}

impl Stage {
    /// The stage of `screen`, Ctrl-C caught.
    pub fn new(screen: Screen) -> Result<Stage, LiveError> {
        let interrupted = interrupted()?;
        Ok(Stage {
            screen,
            asking: Asking::new(interrupted.clone()),
            interrupted,
        })
    }

    /// Whether Ctrl-C (or SIGTERM, SIGHUP) came.
    pub fn interrupted(&self) -> bool {
        self.interrupted.load(Ordering::Relaxed)
    }

    /// Who asks the patient: the window while it is open, else the terminal.
    pub fn asker(&mut self) -> Box<dyn Prompt + '_> {
        self.screen.asker(&mut self.asking)
    }

    /// The screen.
    pub fn screen(&mut self) -> &mut Screen {
        &mut self.screen
    }

    /// Starts a patient's session with its questions, in the window when
    /// there is one; `None` when a red flag stops it.
    pub fn start_session(&mut self, options: SessionOptions) -> Result<Option<Session>, LiveError> {
        self.screen.open_window(QUESTION_WINDOW)?;
        Session::start(options, &mut *self.asker())
    }

    /// Runs one exercise: `options`' input judged (its session, if any,
    /// is `session`), following `plan` in a guided session. What the run
    /// found, and what became of the planned exercise.
    pub fn exercise(
        &mut self,
        options: RunOptions,
        session: Option<&mut Session>,
        plan: Option<ExercisePlan>,
    ) -> Result<(RunOutcome, Option<Ended>), LiveError> {
        let exercise = options.setup.exercise.clone();
        if plan.is_some() {
            self.screen.set_exercise(exercise.clone());
        }
        let pipeline = Pipeline::start(options.input, options.setup)?;
        self.screen.fps = pipeline.fps();
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
            stage: self,
            outputs,
            timings: Timings::default(),
            cues,
            session,
            plan: plan.map(PlanState::new),
            exercise: exercise.clone(),
            baselines: Baselines::new(options.profile_path, &exercise.name),
            now: SourceTime::default(),
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

    /// Completes a recording in progress on the screen.
    pub fn finish(self) -> Result<(), LiveError> {
        self.screen.finish()
    }
}

impl Live<'_> {
    /// Takes what comes until the pipeline has drained.
    fn drive(&mut self) -> Result<(), LiveError> {
        let mut notices: Receiver<Notice> = self.pipeline.notices().clone();
        loop {
            let quit = self.stage.interrupted();
            if quit && !self.stopping {
                eprintln!("interrupted: finishing the set");
            }
            let mut idle = false;
            // A paused file source waits: nothing is read, nothing is lost.
            let outputs = if self.stage.screen.paused() && !self.pipeline.is_live() {
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
            for command in self.stage.screen.commands(idle)? {
                self.on_key(command)?;
            }
            self.tell_clinic();
            if quit || self.stopping {
                self.stopping = true;
                self.stage.screen.resume();
                self.pipeline.stop();
            }
        }
    }

    /// An assessed frame: written, shown and cued; in a session, the set
    /// opened (pain asked) if none is, and the frame handed to the set's
    /// recorder with the picture as the camera gave it. In a guided
    /// session, the set-up is checked first, and a set that reaches its
    /// target is ended.
    fn on_frame(&mut self, mut a: Box<Assessment>) -> Result<(), LiveError> {
        self.now = a.frame.info.t_ms;
        if let Some(plan) = &mut self.plan {
            plan.follow(&a.events);
            match plan.phase {
                Phase::SetUp => return self.on_set_up(a),
                Phase::Starting => {
                    a.status = set_up_status(None);
                    return self.show_only(a);
                }
                Phase::Done => return self.show_only(a),
                Phase::Set | Phase::Ending => {}
            }
        }
        let muted = self.cues.as_ref().is_none_or(Cues::muted);
        if let Some(session) = &mut self.session {
            // A run that has fallen behind records its next sets at half
            // size, a quarter of the pixels to encode.
            let resolution = if self.pace.fell_behind() {
                Resolution::Half
            } else {
                Resolution::Full
            };
            let mut asker = Holding::new(
                self.stage.screen.asker(&mut self.stage.asking),
                &self.pipeline,
            );
            let opened = session.open_set(self.pipeline.fps(), resolution, &mut asker)?;
            let asked = asker.asked;
            drop(asker);
            if asked {
                self.timings.question_answered(Instant::now());
            }
            if asked && opened && resolution == Resolution::Half {
                self.stage
                    .screen
                    .warn("Recording at half size to keep up".into());
            }
            if !opened {
                // No set without the pain before it: the exercise ends.
                self.stopping |= !session.goes_on();
                return Ok(());
            }
        }
        let reached = self
            .plan
            .as_ref()
            .is_some_and(|p| p.phase == Phase::Set && p.reached(&a.status));
        // The sinks' time includes handing the frame to the recorder, which
        // waits while the recorder is behind.
        let started = Instant::now();
        let raw = match self.session {
            Some(_) => Some(a.frame.image.try_clone()?),
            None => None,
        };
        self.timings.assessed(&a);
        self.outputs.frame(&a)?;
        self.stage
            .screen
            .present(&mut a, &self.timings, muted, self.outputs.video())?;
        if let Some(cues) = &mut self.cues {
            cues.cue(&a, self.stage.screen.paused());
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
        if reached {
            self.end_planned_set();
        }
        self.keep_pace();
        Ok(())
    }

    /// A frame of a guided exercise's set-up check: the advice shown (and
    /// said when it changes), nothing recorded; once the set-up has been
    /// right for a moment, the analysis starts the first set afresh.
    fn on_set_up(&mut self, mut a: Box<Assessment>) -> Result<(), LiveError> {
        let Some(plan) = &mut self.plan else {
            return Ok(());
        };
        let step = plan.set_up(&self.exercise, a.pose.as_ref(), self.now.ms());
        if let Some(advice) = step.say {
            eprintln!("set-up: {}", advice.text());
            if let Some(cues) = &self.cues {
                cues.say(spoken(advice, cues.guide()), self.now);
            }
        }
        if step.ready {
            eprintln!(
                "set-up right: {}, set 1 of {} starts",
                self.exercise.title, plan.plan.sets
            );
            if let Some(cues) = &self.cues {
                cues.say(&cues.guide().ready, self.now);
            }
            // Reps counted during the set-up do not count.
            self.pipeline.command(AnalysisCommand::NextSet);
            plan.phase = Phase::Starting;
        }
        a.status = set_up_status(step.advice.map(Advice::text));
        self.show_only(a)
    }

    /// Shows a frame that is not recorded (a guided exercise's set-up, or
    /// after its end).
    fn show_only(&mut self, mut a: Box<Assessment>) -> Result<(), LiveError> {
        let muted = self.cues.as_ref().is_none_or(Cues::muted);
        if self.plan.as_ref().is_none_or(|p| p.phase != Phase::Done) {
            self.stage
                .screen
                .present(&mut a, &self.timings, muted, None)?;
        }
        self.pipeline.recycle(std::mem::take(&mut a.frame.image));
        Ok(())
    }

    /// A guided set reached its target (or the patient ended it with `n`):
    /// the analysis closes it.
    fn end_planned_set(&mut self) {
        if let Some(plan) = &mut self.plan {
            if plan.phase == Phase::Set {
                plan.phase = Phase::Ending;
                self.pipeline.command(AnalysisCommand::NextSet);
            }
        }
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
                Link::Up => self
                    .stage
                    .screen
                    .say("Clinic server reached: delivering".into()),
                Link::Down { why } => {
                    eprintln!("{why}: recording on this station, delivered when it is back");
                    self.stage
                        .screen
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
            self.stage.screen.warn(behind.short());
        }
    }

    /// The set's end: its closing events said and written; in a session,
    /// the questions after the set and what the programme says. In a
    /// guided session, the rest before the next set, or the exercise's end.
    fn on_set_end(&mut self, closing: &[Event]) -> Result<(), LiveError> {
        let phase = self.plan.as_ref().map(|p| p.phase);
        match phase {
            // The source ended during the set-up: the exercise ends.
            Some(Phase::SetUp) => return Ok(()),
            // What the set-up counted is dropped: the first set begins.
            Some(Phase::Starting) => {
                if let Some(plan) = &mut self.plan {
                    plan.phase = Phase::Set;
                }
                return Ok(());
            }
            _ => {}
        }
        let open = self.session.as_deref().is_some_and(Session::set_open);
        if phase.is_some() && !open {
            // A guided exercise's source ended after its last set.
            return Ok(());
        }
        for text in closing.iter().filter_map(Event::summary_text) {
            eprintln!("{text}");
        }
        self.outputs.events(closing)?;
        let Some(session) = self.session.as_deref_mut().filter(|s| s.set_open()) else {
            return Ok(());
        };
        let mut prompt = Holding::new(
            self.stage.screen.asker(&mut self.stage.asking),
            &self.pipeline,
        );
        let goes_on = session.end_set(closing, &mut prompt)?;
        if prompt.asked {
            self.timings.question_answered(Instant::now());
        }
        drop(prompt);
        if !goes_on {
            // The programme stopped the exercise.
            self.stopping = true;
        }
        let because = session.stopped_because().map(str::to_string);
        let Some(plan) = &mut self.plan else {
            return Ok(());
        };
        plan.sets_done += 1;
        if !goes_on {
            plan.end(ExerciseOutcome::Stopped, because, false);
        } else if !plan.sets_remain() {
            plan.end(ExerciseOutcome::Done, None, false);
            self.stopping = true;
        } else if phase == Some(Phase::Ending) {
            let next = plan.sets_done + 1;
            let rest_s = plan.plan.rest_s;
            self.rest(rest_s, next)?;
            if let Some(plan) = &mut self.plan {
                plan.phase = Phase::Set;
            }
            self.stage.screen.show_set(next);
        }
        Ok(())
    }

    /// The rest before set `next` of a guided exercise, `seconds` long,
    /// counted down on the screen (and the terminal) and said; the source
    /// is held meanwhile. Enter ends it early; Ctrl-C too.
    fn rest(&mut self, seconds: f32, next: u32) -> Result<(), LiveError> {
        let Some(plan) = &self.plan else {
            return Ok(());
        };
        let _held = self.pipeline.hold();
        let coming = format!(
            "Next: {}, set {next} of {}, {}",
            self.exercise.title,
            plan.plan.sets,
            plan.plan.target.text()
        );
        eprintln!("rest {seconds} s; {coming}");
        if let Some(cues) = &self.cues {
            cues.say(&cues.guide().rest, self.now);
        }
        let lines = [coming, "Breathe and relax".to_string()];
        let until = Instant::now() + Duration::from_secs_f32(seconds.max(0.0));
        loop {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() || self.stage.interrupted() {
                break;
            }
            let count = format!("{}", left.as_secs_f32().ceil());
            let page = Page {
                title: "Rest",
                big: Some(&count),
                big_colour: WHITE,
                picture: None,
                lines: &lines,
                footer: "Enter: start the next set now",
            };
            let keys = self.stage.screen.show_page(&page)?;
            if keys
                .iter()
                .any(|k| matches!(k, Key::Enter | Key::NumPadEnter))
            {
                break;
            }
            std::thread::sleep(REST_TICK.min(left));
        }
        if let Some(cues) = &self.cues {
            cues.say(&cues.guide().next_set, self.now);
        }
        self.timings.question_answered(Instant::now());
        Ok(())
    }

    /// Something about the source or the baseline: said on the screen (and
    /// on the terminal where it matters).
    fn on_notice(&mut self, notice: Notice) {
        let screen = &mut self.stage.screen;
        match notice {
            Notice::SourceLost { source, attempt } => {
                eprintln!("{source}: no frames, reconnecting (attempt {attempt})");
                self.camera_lost = true;
                screen.warn(format!("Camera lost: reconnecting (attempt {attempt})"));
            }
            Notice::SourceBack { source } => {
                eprintln!("{source}: back");
                self.camera_lost = false;
                screen.say("Camera back".into());
            }
            Notice::Baseline(message) => {
                if self.pipeline.is_live() {
                    eprintln!("{message}");
                }
                screen.say(message);
            }
            Notice::BaselineFailed(why) => {
                screen.say(why.clone());
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
    fn on_key(&mut self, command: Command) -> Result<(), LiveError> {
        match self.stage.screen.key(command) {
            KeyEffect::Nothing => {}
            KeyEffect::Stop => {
                if let Some(plan) = &mut self.plan {
                    let outcome = planned_outcome(plan);
                    plan.end(outcome, Some("the patient ended the session".into()), true);
                }
                self.stopping = true;
            }
            KeyEffect::Analysis(AnalysisCommand::NextSet) if self.plan.is_some() => {
                self.end_planned_set();
            }
            KeyEffect::Analysis(command) => self.pipeline.command(command),
            KeyEffect::ToggleMute => {
                if let Some(cues) = &self.cues {
                    let muted = cues.toggle_mute();
                    self.stage
                        .screen
                        .say(if muted { "Cues off" } else { "Cues on" }.into());
                }
            }
            KeyEffect::Skip => self.skip()?,
        }
        Ok(())
    }

    /// The patient skips or stops the guided exercise: asked why (the
    /// answer recorded), and the exercise ends (an open set is ended with
    /// its questions as the pipeline drains).
    fn skip(&mut self) -> Result<(), LiveError> {
        if self.plan.as_ref().is_none_or(|p| p.phase == Phase::Done) {
            self.stage
                .screen
                .say("S skips an exercise of a guided session".into());
            return Ok(());
        }
        let mut prompt = Holding::new(
            self.stage.screen.asker(&mut self.stage.asking),
            &self.pipeline,
        );
        let answer = prompt.choose("Why are you stopping this exercise?", &SKIP_REASONS);
        drop(prompt);
        self.timings.question_answered(Instant::now());
        let reason = match answer {
            Ok(i) => SKIP_REASONS[i].to_string(),
            Err(e @ PromptError::Unanswered { .. }) => {
                eprintln!("{e}: recorded as not given");
                "no reason given".to_string()
            }
            Err(e) => return Err(e.into()),
        };
        if let Some(plan) = &mut self.plan {
            let outcome = planned_outcome(plan);
            eprintln!("{}: {reason}", self.exercise.title);
            plan.end(outcome, Some(reason), false);
        }
        self.stopping = true;
        Ok(())
    }

    /// Ends the run after `result`: the pipeline joined, every file
    /// completed; the first error is the one reported. A guided exercise
    /// that has not ended says why it stopped.
    fn finish(
        self,
        result: Result<(), LiveError>,
    ) -> (
        TimingSummary,
        Result<(RunOutcome, Option<Ended>), LiveError>,
    ) {
        let Live {
            pipeline,
            stage,
            outputs,
            timings,
            cues,
            mut plan,
            baselines,
            ..
        } = self;
        let summary = timings.summary(pipeline.frames_read(), pipeline.frames_dropped());
        let finished = pipeline.finish();
        let outputs_finished = outputs.finish();
        let cues_finished = cues.map_or(Ok(()), Cues::finish);
        let interrupted = stage.interrupted();
        if let Some(plan) = &mut plan {
            if plan.ended.is_none() {
                let outcome = planned_outcome(plan);
                let reason = if interrupted {
                    "interrupted (Ctrl-C)".to_string()
                } else if outcome == ExerciseOutcome::Skipped {
                    let advice = plan.advice().map_or("", |a| a.text());
                    format!("the set-up check did not pass before the source ended: {advice}")
                } else {
                    format!(
                        "the source ended after {} of {} sets",
                        plan.sets_done, plan.plan.sets
                    )
                };
                plan.end(outcome, Some(reason), interrupted);
            }
        }
        let outcome = result
            .and(outputs_finished)
            .and(cues_finished)
            .and(finished.map_err(LiveError::from))
            .map(|()| {
                (
                    RunOutcome {
                        baseline: baselines.captured,
                        baseline_refused: baselines.refused,
                        baseline_unsaved: baselines.unsaved,
                        interrupted,
                    },
                    plan.and_then(|p| {
                        let sets_done = p.sets_done;
                        p.ended.map(|e| Ended { sets_done, ..e })
                    }),
                )
            });
        (summary, outcome)
    }
}

/// What became of a guided exercise ended now: done once every set is,
/// skipped before its first set, else stopped.
fn planned_outcome(plan: &PlanState) -> ExerciseOutcome {
    if !plan.sets_remain() {
        ExerciseOutcome::Done
    } else if plan.sets_done == 0 && matches!(plan.phase, Phase::SetUp | Phase::Starting) {
        ExerciseOutcome::Skipped
    } else {
        ExerciseOutcome::Stopped
    }
}

/// What the screen shows during a set-up check: the advice in the caution
/// colour, or a green "Ready".
fn set_up_status(advice: Option<&str>) -> Status {
    match advice {
        Some(text) => Status {
            state: FormState::Caution,
            message: text.to_string(),
            ..Status::default()
        },
        None => Status {
            state: FormState::Fine,
            message: "Ready: begin".to_string(),
            ..Status::default()
        },
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

    fn rating(&mut self, question: &str, low: &str, high: &str) -> Result<u8, PromptError> {
        let _held = self.pipeline.hold();
        self.asked = true;
        self.prompt.rating(question, low, high)
    }
}
