//! Review: a recorded set played back for the physiotherapist, after the
//! session, with what the analysis found laid out along it.
//!
//! The window shows the recording (the video with the live display burnt
//! in), under it a timeline of the whole set (one row per rule with its
//! flags as red spans and, in grey, where the rule could not be judged; the
//! reps; a time axis; the playhead), and beside it a panel with each rule's
//! value at the current frame against its limit, in the live display's
//! colours, the message of the flag that is up, and the keys:
//!
//! | key | does |
//! | --- | --- |
//! | space | play / pause |
//! | Right or `.`, Left or `,` | one frame on / back (pauses; held: on stepping) |
//! | `n`, `p` | next / previous flag: to its first frame (pauses) |
//! | `s` | slow motion (a quarter of the recording's speed) on / off |
//! | Home or `0` | back to the first frame |
//! | `q`, Escape | close (as does closing the window) |
//!
//! A set is a folder ([`ReviewInput::from_set_folder`]) with the recording
//! (`overlay.mkv` or `overlay.mp4`, else `raw.mkv`, `raw.mp4` or
//! `raw.avi`), the event log `events.jsonl` and the measurements
//! `metrics.csv`; [`set`] reads them. Frames are shown for as long as the
//! recording's frame rate says (four times as long in slow motion), and
//! found again by frame number, so the events, the measurements and the
//! picture always agree.
//!
//! Review needs a display: without one, [`run`] fails with
//! [`ReviewError::NoDisplay`].

pub mod frames;
pub mod layout;
pub mod panel;
pub mod set;
pub mod timeline;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use opencv::core::{Mat, CV_8UC3};
use opencv::prelude::*;

use crate::analysis::config::{ConfigError, Exercise};
use crate::body::ImageSize;
use crate::source::{FrameSource, SourceError};
use crate::ui::window::{Key, Window, WindowError};
use frames::Frames;
use layout::Layout;
use panel::{Panel, PANEL_BACKGROUND};
use set::{MetricsTable, RecordedSet, SetEvents};
use timeline::{next_stop, previous_stop, rule_rows, Timeline};

/// What to review: a set's files, and what to call it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReviewInput {
    /// The window's title, and the panel's heading (patient, session, set).
    pub title: String,
    /// The recording: the video with the overlay, else the raw video.
    pub video: PathBuf,
    /// The set's event log (JSON Lines).
    pub events: PathBuf,
    /// The set's measurements (CSV).
    pub metrics: PathBuf,
    /// The exercise's name (a file of `calibration/exercises/`), for the
    /// rules' metrics and limits.
    pub exercise: String,
}

/// The recordings looked for in a set's folder, the first found is shown:
/// the video with the overlay, else the raw video.
pub const VIDEO_NAMES: [&str; 5] = [
    "overlay.mkv",
    "overlay.mp4",
    "raw.mkv",
    "raw.mp4",
    "raw.avi",
];
/// The event log's name in a set's folder.
pub const EVENTS_NAME: &str = "events.jsonl";
/// The measurements' name in a set's folder.
pub const METRICS_NAME: &str = "metrics.csv";

impl ReviewInput {
    /// The set in `folder`: its recording (the first of [`VIDEO_NAMES`]
    /// there), [`EVENTS_NAME`] and [`METRICS_NAME`]; an exercise of
    /// `exercise`, shown as `title`.
    pub fn from_set_folder(
        folder: &Path,
        title: &str,
        exercise: &str,
    ) -> Result<ReviewInput, ReviewError> {
        let video = VIDEO_NAMES
            .iter()
            .map(|name| folder.join(name))
            .find(|path| path.is_file())
            .ok_or_else(|| ReviewError::NoVideo {
                folder: folder.into(),
            })?;
        Ok(ReviewInput {
            title: title.into(),
            video,
            events: folder.join(EVENTS_NAME),
            metrics: folder.join(METRICS_NAME),
            exercise: exercise.into(),
        })
    }
}

/// Errors of review.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    /// One of the set's files is not there.
    #[error("{path}: no such file (the set's {what}); {fix}")]
    MissingFile {
        /// The file.
        path: PathBuf,
        /// What it holds.
        what: &'static str,
        /// How to make it.
        fix: &'static str,
    },
    /// The set's folder has no recording.
    #[error(
        "{folder}: no recording of the set (looked for {}); record the set with its video, or analyse its video again with `formcheck analyze VIDEO --overlay-video {}/overlay.mp4`",
        VIDEO_NAMES.join(", "),
        folder.display()
    )]
    NoVideo {
        /// The set's folder.
        folder: PathBuf,
    },
    /// There is no display to show the recording on.
    #[error("review shows the recording in a window and needs a display, and there is none ({reason}): run it on a machine with a screen, or set DISPLAY to a running X server")]
    NoDisplay {
        /// Why: `DISPLAY` unset, or its X server unreachable.
        reason: String,
    },
    /// The set's event log cannot be read.
    #[error(transparent)]
    Events(#[from] crate::recording::events::EventLogError),
    /// The set's metrics CSV cannot be read.
    #[error(transparent)]
    Metrics(#[from] crate::recording::metrics::MetricsError),
    /// The exercise is unknown or its file is invalid.
    #[error(transparent)]
    Exercise(#[from] ConfigError),
    /// The recording cannot be opened, read or sought.
    #[error("the recording: {0}")]
    Video(#[from] SourceError),
    /// The window failed.
    #[error("the review window: {0}")]
    Window(WindowError),
    /// Drawing failed.
    #[error("drawing the review: {0}")]
    Draw(#[from] opencv::Error),
}

impl From<WindowError> for ReviewError {
    fn from(error: WindowError) -> ReviewError {
        match error {
            WindowError::NoDisplay { reason } => ReviewError::NoDisplay { reason },
            other => ReviewError::Window(other),
        }
    }
}

/// What a key asks of review.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// Play or pause.
    PlayPause,
    /// One frame on, paused.
    StepForward,
    /// One frame back, paused.
    StepBack,
    /// To the first frame of the next flag, paused.
    NextFlag,
    /// To the first frame of the flag before (of this one, inside a flag),
    /// paused.
    PreviousFlag,
    /// Slow motion on or off.
    SlowMotion,
    /// Back to the first frame.
    ToStart,
    /// Close review.
    Quit,
}

/// Review's keys and what each asks for.
pub const KEYMAP: [(Key, Action); 13] = [
    (Key::Space, Action::PlayPause),
    (Key::Right, Action::StepForward),
    (Key::Period, Action::StepForward),
    (Key::Left, Action::StepBack),
    (Key::Comma, Action::StepBack),
    (Key::N, Action::NextFlag),
    (Key::P, Action::PreviousFlag),
    (Key::S, Action::SlowMotion),
    (Key::Home, Action::ToStart),
    (Key::Key0, Action::ToStart),
    (Key::NumPad0, Action::ToStart),
    (Key::Q, Action::Quit),
    (Key::Escape, Action::Quit),
];

/// The keys that step on or back again while held.
pub const REPEATING_KEYS: [Key; 4] = [Key::Right, Key::Period, Key::Left, Key::Comma];

/// The keys as the panel lists them (keep with [`KEYMAP`]).
pub const KEY_HELP: [(&str, &str); 6] = [
    ("space", "play / pause"),
    ("Left Right , .", "one frame back / on"),
    ("n  p", "next / previous flag"),
    ("s", "slow motion (1/4 speed)"),
    ("Home  0", "back to the start"),
    ("q  Esc", "close"),
];

/// How much longer each frame shows in slow motion.
pub const SLOW_MOTION_FACTOR: u32 = 4;
/// The most frames skipped at once to keep pace; further behind, playback
/// slows down instead.
const MAX_SKIPPED: u32 = 5;
/// The longest review waits for a key without looking, when nothing is
/// due.
const POLL: Duration = Duration::from_millis(15);

/// Where playback stands: the frame shown, and how it moves on.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Playback {
    /// The frame shown (0-based).
    pub frame: u64,
    /// The last frame of the recording.
    pub last: u64,
    /// Playing (else paused).
    pub playing: bool,
    /// In slow motion.
    pub slow: bool,
    /// The recording's frames per second.
    pub fps: f64,
}

impl Playback {
    /// Playing from the first of `frames` frames at `fps`.
    pub fn new(frames: u64, fps: f64) -> Playback {
        Playback {
            frame: 0,
            last: frames.saturating_sub(1),
            playing: true,
            slow: false,
            fps: if fps.is_finite() && fps > 0.0 {
                fps
            } else {
                1.0
            },
        }
    }

    /// Does what `action` asks, `stops` being where flags start; whether
    /// review goes on (not for [`Action::Quit`]).
    pub fn apply(&mut self, action: Action, stops: &[u64]) -> bool {
        match action {
            Action::PlayPause => {
                if !self.playing && self.frame >= self.last {
                    self.frame = 0;
                }
                self.playing = !self.playing;
            }
            Action::StepForward => self.pause_at((self.frame + 1).min(self.last)),
            Action::StepBack => self.pause_at(self.frame.saturating_sub(1)),
            Action::NextFlag => {
                let to = next_stop(stops, self.frame).unwrap_or(self.frame);
                self.pause_at(to.min(self.last));
            }
            Action::PreviousFlag => {
                let to = previous_stop(stops, self.frame).unwrap_or(self.frame);
                self.pause_at(to.min(self.last));
            }
            Action::SlowMotion => self.slow = !self.slow,
            Action::ToStart => self.frame = 0,
            Action::Quit => return false,
        }
        true
    }

    fn pause_at(&mut self, frame: u64) {
        self.playing = false;
        self.frame = frame;
    }

    /// While playing: `frames` frames on (more than one to keep pace when
    /// showing them falls behind); at the last, pauses.
    pub fn advance(&mut self, frames: u64) {
        if !self.playing {
            return;
        }
        if self.frame >= self.last {
            self.playing = false;
        } else {
            self.frame = self.frame.saturating_add(frames).min(self.last);
        }
    }

    /// The recording ends at `last`, before it said it would.
    pub fn end_at(&mut self, last: u64) {
        self.last = last;
        self.frame = self.frame.min(last);
        self.playing = false;
    }

    /// How long a frame shows: one frame of the recording, four in slow
    /// motion.
    pub fn frame_time(&self) -> Duration {
        let slow = if self.slow { SLOW_MOTION_FACTOR } else { 1 };
        Duration::from_secs_f64(f64::from(slow) / self.fps)
    }

    /// The time of `frame` in the recording, seconds.
    pub fn seconds(&self, frame: u64) -> f64 {
        frame as f64 / self.fps
    }
}

/// Writes `seconds` as "7.67 s" (`decimals` after the point), or
/// "1:05.30" from a minute on.
pub fn write_time(out: &mut String, seconds: f64, decimals: usize) {
    let seconds = seconds.max(0.0);
    if seconds < 60.0 {
        let _ = write!(out, "{seconds:.decimals$} s");
        return;
    }
    let minutes = (seconds / 60.0).floor();
    let rest = seconds - minutes * 60.0;
    let width = if decimals > 0 { decimals + 3 } else { 2 };
    let _ = write!(out, "{minutes:.0}:{rest:0width$.decimals$}");
}

/// Opens the review window on the set of `input` and plays it; returns when
/// the window is closed, or `q` or Escape is pressed.
pub fn run(input: &ReviewInput) -> Result<(), ReviewError> {
    let mut review = Review::load(input)?;
    let mut window = Window::open(&input.title, review.layout.canvas)?;
    window.repeat_keys(&REPEATING_KEYS);
    review.play(&mut window)
}

/// A set loaded for review, with what is drawn.
struct Review {
    title: String,
    set: RecordedSet,
    frames: Frames,
    canvas: Mat,
    layout: Layout,
    timeline: Timeline,
    panel: Panel,
    playback: Playback,
}

impl Review {
    /// Checks and reads the set's files and lays the window out.
    fn load(input: &ReviewInput) -> Result<Review, ReviewError> {
        let files = [
            (
                &input.video,
                "recording",
                "record the set with its video (`--overlay-video`), or give the recording's path",
            ),
            (
                &input.events,
                "event log",
                "analyse the set's video again with `formcheck analyze VIDEO --events FILE`",
            ),
            (
                &input.metrics,
                "measurements",
                "analyse the set's video again with `formcheck analyze VIDEO --metrics FILE`",
            ),
        ];
        for (path, what, fix) in files {
            if !path.is_file() {
                return Err(ReviewError::MissingFile {
                    path: path.clone(),
                    what,
                    fix,
                });
            }
        }
        let exercise = Exercise::named(&input.exercise)?;
        let events = SetEvents::load(&input.events)?;
        let metrics = MetricsTable::load(&input.metrics)?;
        let set = RecordedSet::new(exercise, events, metrics);
        let mut video = FrameSource::open(&input.video)?;
        let mut frame = Mat::default();
        if video.read(&mut frame)?.is_none() {
            return Err(SourceError::Empty {
                path: input.video.clone(),
            }
            .into());
        }
        let frame_count = video.frame_count().or(set.events.frames).unwrap_or(1);
        let playback = Playback::new(frame_count, video.fps());
        let rows = rule_rows(&set.exercise, &set.events.flags);
        let layout = Layout::new(ImageSize::of(&frame)?, rows.len());
        let timeline = Timeline::new(&set, &rows, &layout, frame_count, playback.fps)?;
        let frames = Frames::new(video, frame, layout.video.size())?;
        let canvas = Mat::new_rows_cols_with_default(
            layout.canvas.height as i32,
            layout.canvas.width as i32,
            CV_8UC3,
            PANEL_BACKGROUND,
        )?;
        Ok(Review {
            title: input.title.clone(),
            panel: Panel::new(&set),
            set,
            frames,
            canvas,
            layout,
            timeline,
            playback,
        })
    }

    /// Plays until the window is closed or `q` pressed.
    fn play(&mut self, window: &mut Window) -> Result<(), ReviewError> {
        // The frame and the playing and slow-motion states on screen.
        let mut shown: Option<(u64, bool, bool)> = None;
        // When the next frame is due, while playing.
        let mut due = Instant::now();
        loop {
            while let Some(action) = window.next_mapped(&KEYMAP) {
                if !self.playback.apply(action, self.timeline.stops()) {
                    return Ok(());
                }
            }
            if !window.is_open() {
                return Ok(());
            }
            let now = Instant::now();
            let frame_time = self.playback.frame_time();
            let on_screen = shown.map(|s| s.0) == Some(self.playback.frame);
            let advancing = self.playback.playing && on_screen && now >= due;
            if advancing {
                // Every frame whose time has come: more than one when
                // showing them fell behind, to keep the recording's pace.
                let behind = now.duration_since(due).as_secs_f64() / frame_time.as_secs_f64();
                let frames = 1 + (behind as u32).min(MAX_SKIPPED);
                self.playback.advance(u64::from(frames));
                due += frame_time * frames;
                if now.saturating_duration_since(due) > frame_time * MAX_SKIPPED {
                    due = now;
                }
            }
            let state = (
                self.playback.frame,
                self.playback.playing,
                self.playback.slow,
            );
            if shown == Some(state) {
                window.refresh()?;
                std::thread::sleep(due.saturating_duration_since(now).min(POLL));
                continue;
            }
            if shown.map(|s| s.0) != Some(state.0) && !self.show_frame(state.0)? {
                self.playback.end_at(state.0.saturating_sub(1));
                continue;
            }
            if !advancing {
                // Asked for by a key: shown for a whole frame from now.
                due = now + frame_time;
            }
            self.draw()?;
            window.show(&self.canvas)?;
            shown = Some(state);
        }
    }

    /// Frame `index` of the recording onto the canvas; whether there was
    /// one.
    fn show_frame(&mut self, index: u64) -> Result<bool, ReviewError> {
        let Some(frame) = self.frames.get(index)? else {
            return Ok(false);
        };
        let mut shown = self.canvas.roi_mut(self.layout.video)?;
        frame.copy_to(&mut shown)?;
        Ok(true)
    }

    /// The panel and the timeline, onto the canvas.
    fn draw(&mut self) -> Result<(), ReviewError> {
        self.panel.draw(
            &mut self.canvas,
            self.layout.panel,
            &self.set,
            &self.title,
            &self.playback,
        )?;
        self.timeline.draw(&mut self.canvas, self.playback.frame)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stops() -> Vec<u64> {
        vec![52, 63, 174]
    }

    #[test]
    fn playback_starts_playing_and_pauses_at_the_end() {
        let mut p = Playback::new(5, 30.0);
        assert_eq!((p.frame, p.last, p.playing, p.slow), (0, 4, true, false));
        p.advance(1);
        p.advance(2);
        assert_eq!((p.frame, p.playing), (3, true));
        p.advance(3);
        assert_eq!((p.frame, p.playing), (4, true));
        p.advance(1);
        assert_eq!((p.frame, p.playing), (4, false));
        p.advance(1);
        assert_eq!(p.frame, 4);
        // Play at the end starts again from the first frame.
        assert!(p.apply(Action::PlayPause, &[]));
        assert_eq!((p.frame, p.playing), (0, true));
        assert!(p.apply(Action::PlayPause, &[]));
        assert!(!p.playing);
    }

    #[test]
    fn frame_steps_pause_and_stay_inside_the_recording() {
        let mut p = Playback::new(230, 30.0);
        assert!(p.apply(Action::StepBack, &[]));
        assert_eq!((p.frame, p.playing), (0, false));
        p.apply(Action::StepForward, &[]);
        p.apply(Action::StepForward, &[]);
        assert_eq!(p.frame, 2);
        p.frame = 229;
        p.apply(Action::StepForward, &[]);
        assert_eq!(p.frame, 229);
        p.apply(Action::StepBack, &[]);
        assert_eq!(p.frame, 228);
    }

    #[test]
    fn n_and_p_jump_to_flag_starts_and_pause() {
        let mut p = Playback::new(230, 30.0);
        p.apply(Action::NextFlag, &stops());
        assert_eq!((p.frame, p.playing), (52, false));
        p.apply(Action::NextFlag, &stops());
        assert_eq!(p.frame, 63);
        p.apply(Action::StepForward, &stops());
        p.apply(Action::PreviousFlag, &stops());
        assert_eq!(p.frame, 63);
        p.apply(Action::PreviousFlag, &stops());
        assert_eq!(p.frame, 52);
        p.apply(Action::PreviousFlag, &stops());
        assert_eq!(p.frame, 52);
        p.frame = 200;
        p.apply(Action::NextFlag, &stops());
        assert_eq!(p.frame, 200);
        // A flag past the end of a shorter recording: its last frame.
        let mut short = Playback::new(100, 30.0);
        short.frame = 70;
        short.apply(Action::NextFlag, &stops());
        assert_eq!(short.frame, 99);
    }

    #[test]
    fn slow_motion_shows_each_frame_four_times_as_long() {
        let mut p = Playback::new(230, 30.0);
        let normal = p.frame_time();
        assert!((normal.as_secs_f64() - 1.0 / 30.0).abs() < 1e-9);
        p.apply(Action::SlowMotion, &[]);
        assert!(p.slow && p.playing);
        assert!((p.frame_time().as_secs_f64() - 4.0 / 30.0).abs() < 1e-9);
        p.apply(Action::SlowMotion, &[]);
        assert_eq!(p.frame_time(), normal);
        p.frame = 100;
        p.apply(Action::ToStart, &[]);
        assert_eq!((p.frame, p.playing), (0, true));
        assert!(!p.apply(Action::Quit, &[]));
        assert_eq!(Playback::new(10, 0.0).fps, 1.0);
        assert_eq!(Playback::new(0, 30.0).last, 0);
    }

    #[test]
    fn a_recording_shorter_than_it_said_ends_where_it_ends() {
        let mut p = Playback::new(230, 30.0);
        p.frame = 228;
        p.end_at(227);
        assert_eq!((p.frame, p.last, p.playing), (227, 227, false));
    }

    #[test]
    fn every_action_has_a_key_and_no_key_two_actions() {
        for (i, (key, _)) in KEYMAP.iter().enumerate() {
            assert!(KEYMAP[i + 1..].iter().all(|(k, _)| k != key), "{key:?}");
        }
        for action in [
            Action::PlayPause,
            Action::StepForward,
            Action::StepBack,
            Action::NextFlag,
            Action::PreviousFlag,
            Action::SlowMotion,
            Action::ToStart,
            Action::Quit,
        ] {
            assert!(KEYMAP.iter().any(|(_, a)| *a == action), "{action:?}");
        }
        // Only the frame steps repeat while held.
        for key in REPEATING_KEYS {
            let action = KEYMAP.iter().find(|(k, _)| *k == key).map(|(_, a)| *a);
            assert!(
                matches!(action, Some(Action::StepForward | Action::StepBack)),
                "{key:?}"
            );
        }
    }

    #[test]
    fn times_read_as_seconds_then_minutes() {
        let mut out = String::new();
        write_time(&mut out, 7.666, 2);
        assert_eq!(out, "7.67 s");
        out.clear();
        write_time(&mut out, 2.0, 0);
        assert_eq!(out, "2 s");
        out.clear();
        write_time(&mut out, 65.3, 2);
        assert_eq!(out, "1:05.30");
        out.clear();
        write_time(&mut out, 600.0, 0);
        assert_eq!(out, "10:00");
    }

    #[test]
    fn a_set_folder_gives_its_overlay_else_its_raw_video() {
        let tmp = tempfile::tempdir().unwrap();
        let folder = tmp.path().join("review");
        std::fs::create_dir_all(&folder).unwrap();
        let err = ReviewInput::from_set_folder(&folder, "t", "squat").unwrap_err();
        assert!(matches!(err, ReviewError::NoVideo { .. }));
        assert!(err.to_string().contains("overlay.mp4"), "{err}");
        std::fs::write(folder.join("raw.mp4"), b"").unwrap();
        let input = ReviewInput::from_set_folder(&folder, "t", "squat").unwrap();
        assert_eq!(input.video, folder.join("raw.mp4"));
        std::fs::write(folder.join("overlay.mp4"), b"").unwrap();
        let input = ReviewInput::from_set_folder(&folder, "Set 2", "squat").unwrap();
        assert_eq!(input.video, folder.join("overlay.mp4"));
        assert_eq!(input.events, folder.join(EVENTS_NAME));
        assert_eq!(input.metrics, folder.join(METRICS_NAME));
        assert_eq!(
            (input.title.as_str(), input.exercise.as_str()),
            ("Set 2", "squat")
        );
        std::fs::remove_dir_all(&folder).unwrap();
    }

    #[test]
    fn a_missing_file_is_named_with_what_to_do() {
        let tmp = tempfile::tempdir().unwrap();
        let folder = tmp.path().join("review-m");
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join("overlay.mp4"), b"").unwrap();
        let input = ReviewInput::from_set_folder(&folder, "t", "squat").unwrap();
        let err = Review::load(&input).err().expect("an error");
        let text = err.to_string();
        assert!(
            matches!(
                err,
                ReviewError::MissingFile {
                    what: "event log",
                    ..
                }
            ),
            "{text}"
        );
        assert!(
            text.contains("events.jsonl") && text.contains("--events"),
            "{text}"
        );
        std::fs::write(folder.join(EVENTS_NAME), b"").unwrap();
        let text = Review::load(&input).err().expect("an error").to_string();
        assert!(
            text.contains("metrics.csv") && text.contains("--metrics"),
            "{text}"
        );
        std::fs::remove_dir_all(&folder).unwrap();
    }
}
