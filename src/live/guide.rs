//! Today's session led from start to end (`formcheck live --patient P`
//! with a programme in the profile and no `--exercise`): the red-flag
//! check, back and leg pain, then for each prescribed exercise its
//! demonstration, the set-up check, the sets with the rest between them and
//! the pain after each; back and leg pain again, and a summary. What became
//! of each exercise (done, skipped, stopped, and why) is stored with the
//! session.

use std::path::{Path, PathBuf};

use opencv::prelude::*;
use opencv::videoio::{VideoCapture, CAP_ANY, CAP_PROP_FPS, CAP_PROP_POS_MSEC};

use super::plan::{Ended, ExercisePlan};
use super::run::Stage;
use super::screen::Screen;
use super::session::{answered, Session, SessionOptions};
use super::{LiveError, RunOptions};
use crate::analysis::config::{Exercise, Profile};
use crate::analysis::prescription::{Prescribed, Target};
use crate::camera_calibration::CameraCalibration;
use crate::outcomes::{Instrument, Questionnaire};
use crate::pipeline::assess::AssessSetup;
use crate::pipeline::Input;
use crate::sinks::cues::CueOutput;
use crate::store::{
    ExerciseOutcome, Measure, Moment, PlannedExercise, SessionExercise, PSFS, SCORE_ITEM,
};
use crate::ui::page::Page;
use crate::ui::palette::WHITE;
use crate::ui::window::Key;

/// How often a demonstration or the summary reads keys while it waits.
const TICK: std::time::Duration = std::time::Duration::from_millis(30);

/// A guided session.
pub struct GuideOptions {
    /// The patient's session (its exercises are the programme's).
    pub session: SessionOptions,
    /// The programme's exercises, in order, each with its input (the
    /// camera, or a video standing in for it).
    pub exercises: Vec<(Prescribed, Input)>,
    /// Everything else of a run, for each exercise: the window, cues,
    /// recordings started with `r`; its input and setup are replaced.
    pub template: GuideRun,
    /// The outcome measures the profile asks for, and how often.
    pub measures: Measures,
}

/// The outcome measures of a patient's guided sessions, beyond back and
/// leg pain (asked every session).
#[derive(Clone, Debug, Default)]
pub struct Measures {
    /// The PSFS's activities (none: no PSFS), and days between two.
    pub psfs: Vec<String>,
    /// Days between two PSFS.
    pub psfs_every_days: u32,
    /// The clinic's questionnaire, if any, and days between two.
    pub questionnaire: Option<Questionnaire>,
    /// Days between two questionnaires.
    pub questionnaire_every_days: u32,
}

/// What each exercise's run shares.
pub struct GuideRun {
    /// The patient's profile.
    pub profile: Option<Profile>,
    /// The camera's calibration, to undistort landmarks.
    pub calibration: Option<CameraCalibration>,
    /// Whether to show the window (when there is a display).
    pub window: bool,
    /// Whether the back's outline is drawn from the start.
    pub outline: bool,
    /// Where recordings started with `r` go.
    pub record_dir: PathBuf,
    /// Where spoken cues go: the speakers, or WAV files (one per exercise,
    /// named after it beside the path given).
    pub cues: Option<CueOutput>,
    /// Whether the cues start muted.
    pub mute: bool,
}

/// Leads the patient through today's programme. `Ok` once the session is
/// stored, whatever became of its exercises.
pub fn guide(options: GuideOptions) -> Result<(), LiveError> {
    let GuideOptions {
        session,
        exercises,
        template,
        measures,
    } = options;
    let first = session
        .exercises
        .first()
        .cloned()
        .ok_or(LiveError::NoExercise)?;
    let mut stage = Stage::new(Screen::new(
        first,
        template.window,
        template.outline,
        template.record_dir.clone(),
        true,
    ))?;
    let Some(mut session) = stage.start_session(session)? else {
        // A red flag: the advice is given, nothing to exercise.
        return Ok(());
    };
    let result = ask_due(&mut stage, &mut session, &measures)
        .and_then(|()| lead(&mut stage, &mut session, exercises, &template));
    let ended = session.end(&mut *stage.asker());
    let finished = stage.finish();
    result.and(ended).and(finished)
}

/// Asks back and leg pain, then the measures that are due: the PSFS and
/// the questionnaire when never given or last given at least their
/// interval ago (in the patient's earlier sessions).
fn ask_due(stage: &mut Stage, session: &mut Session, measures: &Measures) -> Result<(), LiveError> {
    ask_pain(stage, session, Moment::SessionStart)?;
    let id = session.id();
    if !measures.psfs.is_empty() && due(session, PSFS, measures.psfs_every_days)? {
        let mut ratings = Vec::new();
        for activity in &measures.psfs {
            let question = format!(
                "How well can you do this today: {activity}? From 0 (unable) to 10 (as well as before your back problem)"
            );
            let Some(rating) = answered(stage.asker().rating(&question, "unable", "as before"))?
            else {
                break;
            };
            session.store().record_outcome(
                id,
                PSFS,
                Some(activity),
                Moment::SessionStart,
                f64::from(rating),
            )?;
            ratings.push(f64::from(rating));
        }
        if ratings.len() == measures.psfs.len() {
            let mean = ratings.iter().sum::<f64>() / ratings.len() as f64;
            session.store().record_outcome(
                id,
                PSFS,
                Some(SCORE_ITEM),
                Moment::SessionStart,
                mean,
            )?;
        }
    }
    let Some(questionnaire) = &measures.questionnaire else {
        return Ok(());
    };
    let name = questionnaire.instrument.name();
    if !due(session, name, measures.questionnaire_every_days)? {
        return Ok(());
    }
    eprintln!("{} ({})", questionnaire.title, questionnaire.licence);
    let mut answers = Vec::new();
    for (i, item) in questionnaire.items.iter().enumerate() {
        let answer = match questionnaire.instrument {
            Instrument::Odi => {
                let options: Vec<&str> = item.options.iter().map(String::as_str).collect();
                let chosen = stage.asker().choose(&item.text, &options);
                answered(chosen)?.map(|c| c as u8)
            }
            Instrument::Rmdq => answered(stage.asker().yes_no(&item.text))?.map(u8::from),
        };
        let Some(answer) = answer else {
            break;
        };
        let number = (i + 1).to_string();
        session.store().record_outcome(
            id,
            name,
            Some(&number),
            Moment::SessionStart,
            f64::from(answer),
        )?;
        answers.push(Some(answer));
    }
    answers.resize(questionnaire.items.len(), None);
    if let Some(score) = questionnaire.instrument.score(&answers) {
        session
            .store()
            .record_outcome(id, name, Some(SCORE_ITEM), Moment::SessionStart, score)?;
    }
    Ok(())
}

/// Whether `measure` is due: never given, or last given `every_days` ago
/// or more.
fn due(session: &mut Session, measure: &str, every_days: u32) -> Result<bool, LiveError> {
    let id = session.id();
    let Some(last) = session.store().last_taken(id, measure)? else {
        return Ok(true);
    };
    Ok(crate::store::hours_since(&last)? >= f64::from(every_days) * 24.0)
}

/// The session between its first questions and its end.
fn lead(
    stage: &mut Stage,
    session: &mut Session,
    exercises: Vec<(Prescribed, Input)>,
    template: &GuideRun,
) -> Result<(), LiveError> {
    let of = exercises.len();
    let mut quit = false;
    let mut watch = Vec::new();
    for (i, (prescribed, input)) in exercises.into_iter().enumerate() {
        let position = i + 1;
        let exercise = Exercise::named(prescribed.name.get_ref())?;
        let planned = planned(&prescribed);
        if let Some(note) = &prescribed.watch {
            watch.push(format!("{}: {note}", exercise.title));
        }
        let id = session.id();
        let row = session
            .store()
            .start_session_exercise(id, position as u32, &planned)?;
        if quit {
            let why = "the session was ended before it";
            session
                .store()
                .finish_session_exercise(row, 0, ExerciseOutcome::Skipped, Some(why))?;
            continue;
        }
        session.begin_exercise(exercise.clone());
        demonstrate(stage, &exercise, &prescribed, position, of)?;
        let plan = ExercisePlan {
            position,
            of,
            target: prescribed.target(),
            sets: *prescribed.sets.get_ref(),
            rest_s: *prescribed.rest_s.get_ref(),
        };
        let options = run_options(template, &exercise, input, position);
        let (_, ended) = stage.exercise(options, Some(&mut *session), Some(plan))?;
        let ended = ended.unwrap_or(Ended {
            outcome: ExerciseOutcome::Stopped,
            reason: Some("the run ended without a verdict".into()),
            quit: false,
            sets_done: 0,
        });
        eprintln!(
            "{}: {} ({} of {} sets){}",
            exercise.title,
            ended.outcome.as_str(),
            ended.sets_done,
            planned.sets,
            ended
                .reason
                .as_deref()
                .map_or_else(String::new, |r| format!(": {r}"))
        );
        session.store().finish_session_exercise(
            row,
            ended.sets_done,
            ended.outcome,
            ended.reason.as_deref(),
        )?;
        quit = ended.quit || stage.interrupted();
    }
    if !stage.interrupted() {
        ask_pain(stage, session, Moment::SessionEnd)?;
    }
    summarise(stage, session, &watch)
}

/// An exercise as prescribed, for the store.
fn planned(p: &Prescribed) -> PlannedExercise {
    let (reps, hold_s) = match p.target() {
        Target::Reps(n) => (Some(n), None),
        Target::HoldS(s) => (None, Some(s)),
    };
    PlannedExercise {
        exercise: p.name.get_ref().clone(),
        sets: *p.sets.get_ref(),
        reps,
        hold_s,
        rest_s: *p.rest_s.get_ref(),
    }
}

/// The run of the `position`-th exercise, `exercise`, on `input`.
fn run_options(
    template: &GuideRun,
    exercise: &Exercise,
    input: Input,
    position: usize,
) -> RunOptions {
    let cues = template.cues.as_ref().map(|output| match output {
        CueOutput::Wav(path) => CueOutput::Wav(beside(path, position, &exercise.name)),
        CueOutput::Device => CueOutput::Device,
    });
    RunOptions {
        window: template.window,
        outline: template.outline,
        record_dir: template.record_dir.clone(),
        cues,
        mute: template.mute,
        print_timings: false,
        ..RunOptions::new(
            input,
            AssessSetup {
                exercise: exercise.clone(),
                profile: template.profile.clone(),
                calibration: template.calibration.clone(),
            },
        )
    }
}

/// `path` with `-{position}-{name}` before its extension.
fn beside(path: &Path, position: usize, name: &str) -> PathBuf {
    let stem = path.file_stem().unwrap_or_default().to_string_lossy();
    let extension = path
        .extension()
        .map_or_else(String::new, |e| format!(".{}", e.to_string_lossy()));
    path.with_file_name(format!("{stem}-{position}-{name}{extension}"))
}

/// Asks back pain and leg pain, each 0–10, and stores them at `moment`.
/// Unanswered, each is recorded as not given.
fn ask_pain(stage: &mut Stage, session: &mut Session, moment: Moment) -> Result<(), LiveError> {
    let when = match moment {
        Moment::SessionStart => "before you start",
        Moment::SessionEnd => "now that you have finished",
    };
    for (measure, part) in [(Measure::BackPain, "back"), (Measure::LegPain, "leg")] {
        let question =
            format!("Pain in your {part} {when}: from 0 (none) to 10 (worst imaginable)?");
        if let Some(pain) = answered(stage.asker().pain(&question))? {
            let id = session.id();
            session.store().record_pain(id, measure, moment, pain)?;
        }
    }
    Ok(())
}

/// A clean rendered rep of `exercise` shipped as its demonstration: the
/// video and where its first rep (or hold) starts and ends, seconds.
fn demonstration_clip(exercise: &Exercise) -> Option<(PathBuf, f64, f64)> {
    let samples = crate::data_dir::path("samples");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(samples.join("manifest.json")).ok()?).ok()?;
    let clips = manifest.get("clips")?.as_object()?;
    let view = serde_json::to_value(exercise.view)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    // The exercise's own view first, then any other clean clip of it.
    let names = [
        format!("{}-{view}-clean", exercise.name),
        format!("{}-oblique-clean", exercise.name),
    ];
    let clip = names.iter().find_map(|n| clips.get(n))?;
    let video = samples.join(clip.get("video")?.as_str()?);
    let window = clip.get("rep_windows_s")?.get(0)?;
    let (from, to) = (window.get(0)?.as_f64()?, window.get(1)?.as_f64()?);
    video.is_file().then_some((video, from, to))
}

/// Shows what the exercise is, how it is done (the demonstration, looped,
/// with its key points in large type) and what is prescribed, until Enter;
/// on the terminal without a window.
fn demonstrate(
    stage: &mut Stage,
    exercise: &Exercise,
    prescribed: &Prescribed,
    position: usize,
    of: usize,
) -> Result<(), LiveError> {
    let title = format!("{position} of {of}: {}", exercise.title);
    let mut lines: Vec<String> = exercise.key_points.clone();
    lines.push(format!(
        "{}, {} s rest between sets",
        prescribed.target().with_sets(*prescribed.sets.get_ref()),
        prescribed.rest_s.get_ref()
    ));
    if let Some(watch) = &prescribed.watch {
        lines.push(format!("Your therapist asks you to watch: {watch}"));
    }
    if !stage.screen().has_window() {
        eprintln!("\n{title}");
        for line in &lines {
            eprintln!("  - {line}");
        }
        eprintln!();
        return Ok(());
    }
    let clip = demonstration_clip(exercise);
    if clip.is_none() {
        lines.insert(0, "(No demonstration video for this exercise)".into());
    }
    let mut video = match &clip {
        Some((path, from, _)) => {
            let mut capture = VideoCapture::from_file(path, CAP_ANY)?;
            capture.set(CAP_PROP_POS_MSEC, from * 1000.0)?;
            Some(capture)
        }
        None => None,
    };
    let frame_time = video
        .as_ref()
        .and_then(|v| v.get(CAP_PROP_FPS).ok())
        .filter(|fps| *fps > 0.0)
        .map_or(TICK, |fps| std::time::Duration::from_secs_f64(1.0 / fps));
    let mut frame = Mat::default();
    loop {
        if let (Some(capture), Some((_, from, to))) = (&mut video, &clip) {
            let at = capture.get(CAP_PROP_POS_MSEC)? / 1000.0;
            if at >= *to || !capture.read(&mut frame)? {
                // The rep again, from its start.
                capture.set(CAP_PROP_POS_MSEC, from * 1000.0)?;
            }
        }
        let page = Page {
            title: &title,
            big: None,
            big_colour: WHITE,
            picture: video.as_ref().map(|_| &frame),
            lines: &lines,
            footer: "Enter: go on to the set-up",
        };
        let keys = stage.screen().show_page(&page)?;
        if keys
            .iter()
            .any(|k| matches!(k, Key::Enter | Key::NumPadEnter | Key::Escape))
            || !stage.screen().has_window()
            || stage.interrupted()
        {
            return Ok(());
        }
        std::thread::sleep(frame_time);
    }
}

/// The session's summary: each exercise's sets, reps or holds, flags and
/// pain, what became of it, back and leg pain before and after, and what
/// the therapist asked to watch (`watch`); shown until Enter, and on the
/// terminal.
fn summarise(stage: &mut Stage, session: &mut Session, watch: &[String]) -> Result<(), LiveError> {
    let id = session.id();
    let exercises: Vec<SessionExercise> = session.store().session_exercises(id)?;
    let detail = session.store().session(id)?;
    let outcomes = session.store().session_outcomes(id)?;
    let mut lines = Vec::new();
    for row in &exercises {
        let sets: Vec<_> = detail
            .sets
            .iter()
            .filter(|s| s.exercise == row.planned.exercise)
            .collect();
        let title = Exercise::title_of(&row.planned.exercise);
        let done = match row.planned.hold_s {
            Some(_) => {
                let longest = sets
                    .iter()
                    .flat_map(|s| &s.holds)
                    .map(|h| h.duration_s)
                    .fold(0.0, f64::max);
                format!("longest hold {longest:.0} s")
            }
            None => format!("{} reps", sets.iter().map(|s| s.reps.len()).sum::<usize>()),
        };
        let flags: usize = sets.iter().map(|s| s.flags.len()).sum();
        let pain = match (
            sets.first().and_then(|s| s.pain_before),
            sets.last().and_then(|s| s.pain_after),
        ) {
            (Some(b), Some(a)) => format!(", pain {b} to {a}"),
            _ => String::new(),
        };
        let what = match (row.outcome, &row.reason, row.sets_done) {
            (Some(ExerciseOutcome::Done), _, _) => String::new(),
            (Some(o), Some(why), 0) => format!(" {}: {why}", o.as_str()),
            (Some(o), None, 0) => format!(" {}", o.as_str()),
            (Some(o), Some(why), _) => format!(" ({}: {why})", o.as_str()),
            (Some(o), None, _) => format!(" ({})", o.as_str()),
            (None, _, _) => " (not finished)".into(),
        };
        if row.sets_done == 0 {
            lines.push(format!("{}. {title}:{what}", row.position));
            continue;
        }
        lines.push(format!(
            "{}. {title}: {} of {} set{}, {done}, {flags} flag{}{pain}{what}",
            row.position,
            row.sets_done,
            row.planned.sets,
            if row.planned.sets == 1 { "" } else { "s" },
            if flags == 1 { "" } else { "s" }
        ));
    }
    for (measure, part) in [("back_pain", "Back"), ("leg_pain", "Leg")] {
        let of = |moment: &str| {
            outcomes
                .iter()
                .find(|o| o.measure == measure && o.moment == moment)
                .map_or_else(|| "not given".to_string(), |o| format!("{}", o.value))
        };
        lines.push(format!(
            "{part} pain: {} before, {} after",
            of("session_start"),
            of("session_end")
        ));
    }
    if !watch.is_empty() {
        lines.push("Your therapist asked you to watch:".into());
        lines.extend(watch.iter().map(|w| format!("  {w}")));
    }
    eprintln!("\nSession summary");
    for line in &lines {
        eprintln!("  {line}");
    }
    eprintln!();
    while stage.screen().has_window() && !stage.interrupted() {
        let page = Page {
            title: "Today's session",
            big: None,
            big_colour: WHITE,
            picture: None,
            lines: &lines,
            footer: "Enter: finish",
        };
        let keys = stage.screen().show_page(&page)?;
        if keys
            .iter()
            .any(|k| matches!(k, Key::Enter | Key::NumPadEnter | Key::Escape))
        {
            break;
        }
        std::thread::sleep(TICK);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cue_file_per_exercise_is_named_beside_the_one_given() {
        assert_eq!(
            beside(Path::new("out/cues.wav"), 2, "plank"),
            PathBuf::from("out/cues-2-plank.wav")
        );
    }

    #[test]
    fn shipped_exercises_have_a_demonstration_rep() {
        let bridge = Exercise::named("glute_bridge").unwrap();
        let (video, from, to) = demonstration_clip(&bridge).unwrap();
        assert!(video.ends_with("glute_bridge-side-clean.mp4"));
        assert!(from < to);
        assert!(demonstration_clip(&Exercise::named("clamshell").unwrap()).is_none());
    }
}
