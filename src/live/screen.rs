//! What the person sees: the display drawn on each frame, shown in the
//! window when there is one and written into the overlay video and a
//! recording started with `r`; the keys that change what is shown; and who
//! asks the patient's questions (the window while it is open, else the
//! terminal).

use std::io::StdinLock;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};

use opencv::core::Mat;
use opencv::prelude::MatTraitConst;

use super::keys::{self, Command};
use super::LiveError;
use crate::analysis::baseline::COUNTDOWN_S;
use crate::analysis::config::Exercise;
use crate::analysis::status::{FormState, Status};
use crate::body::ImageSize;
use crate::pipeline::messages::{AnalysisCommand, Assessment};
use crate::pipeline::timings::Timings;
use crate::prompt::{Prompt, Terminal, WindowPrompt};
use crate::recording::encoder::VideoEncoder;
use crate::recording::video::VideoSink;
use crate::ui::hud::{Hud, HudExtras};
use crate::ui::page::Page;
use crate::ui::window::{Key, Window, WindowError};

/// How long a notice (camera lost, baseline countdown) stays up.
const NOTICE_SHOWN: Duration = Duration::from_secs(3);

/// Frames over which the on-screen timings are taken.
const TIMINGS_WINDOW: usize = 30;

/// The window's size when it opens before the first frame (for the
/// session's first questions); frames are scaled into it.
pub const QUESTION_WINDOW: ImageSize = ImageSize {
    width: 1280,
    height: 720,
};

/// What questions need besides the window: the terminal, and the Ctrl-C
/// flag that leaves a question in the window unanswered.
pub struct Asking {
    terminal: Terminal<StdinLock<'static>>,
    interrupted: Arc<AtomicBool>,
}

impl Asking {
    /// Questions on standard input, cancelled in the window by `interrupted`.
    pub fn new(interrupted: Arc<AtomicBool>) -> Asking {
        Asking {
            terminal: Terminal::new(std::io::stdin().lock()),
            interrupted,
        }
    }
}

/// What a key asks of the rest of the run, once the screen has done its
/// part.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum KeyEffect {
    /// Nothing more.
    Nothing,
    /// End the run.
    Stop,
    /// Tell the analysis stage.
    Analysis(AnalysisCommand),
    /// Turn the spoken cues off or on.
    ToggleMute,
    /// Skip or stop the guided session's exercise.
    Skip,
}

/// The display and where it is shown.
pub struct Screen {
    hud: Hud,
    exercise: Exercise,
    /// Whether a window is wanted; `window` is opened on the first frame.
    wanted: bool,
    window: Option<Window>,
    /// A recording started with `r`: the folder and the file being written.
    record_dir: PathBuf,
    recording: Option<VideoEncoder>,
    /// Frames per second of the source, for a recording.
    pub fps: f64,
    set: u32,
    paused: bool,
    show_timings: bool,
    /// Whether a patient's session records the sets.
    session: bool,
    /// Whether the back's outline is drawn (`b`).
    show_outline: bool,
    /// A notice shown instead of the status message until this instant,
    /// and whether it warns (shown in the caution colour over a fine
    /// status).
    notice: Option<(Instant, String, bool)>,
    /// Where a whole-window page is drawn.
    page: Mat,
}

impl Screen {
    /// The screen of `exercise`: a window if `window` (opened with the first
    /// frame), the back's outline drawn if `outline`, recordings started
    /// with `r` in `record_dir`; `session` when a patient's session records
    /// the sets.
    pub fn new(
        exercise: Exercise,
        window: bool,
        outline: bool,
        record_dir: PathBuf,
        session: bool,
    ) -> Screen {
        Screen {
            hud: Hud::new(),
            exercise,
            wanted: window,
            window: None,
            record_dir,
            recording: None,
            fps: 0.0,
            set: 1,
            paused: false,
            show_timings: false,
            session,
            show_outline: outline,
            notice: None,
            page: Mat::default(),
        }
    }

    /// Goes on to `exercise` (a guided session's next), at its first set.
    pub fn set_exercise(&mut self, exercise: Exercise) {
        if let Some(window) = &mut self.window {
            window.set_title(&format!("formcheck: {}", exercise.title));
        }
        self.exercise = exercise;
        self.set = 1;
    }

    /// Numbers the set shown `number`.
    pub fn show_set(&mut self, number: u32) {
        self.set = number;
    }

    /// Shows `page` in the window, when there is one; the keys pressed
    /// since the last call.
    pub fn show_page(&mut self, page: &Page) -> Result<Vec<Key>, LiveError> {
        let Some(window) = self.window.as_mut().filter(|w| w.is_open()) else {
            return Ok(Vec::new());
        };
        page.draw(&mut self.page, window.size())?;
        window.show(&self.page)?;
        Ok(std::iter::from_fn(|| window.next_key()).collect())
    }

    /// Whether a window is up.
    pub fn has_window(&self) -> bool {
        self.window.as_ref().is_some_and(Window::is_open)
    }

    /// Whether what is shown is frozen (and a file source waits).
    pub fn paused(&self) -> bool {
        self.paused
    }

    /// Unfreezes the picture, so that a stopping run drains its frames.
    pub fn resume(&mut self) {
        self.paused = false;
    }

    /// Whether the display needs drawing on frames at all: for the window,
    /// a recording, the overlay video, and a session's recorded set (its
    /// overlay video is what the report and the review show).
    fn draws(&self, video: bool) -> bool {
        self.window.is_some() || self.wanted || self.recording.is_some() || self.session || video
    }

    /// Shows `message` instead of the status for a few seconds.
    pub fn say(&mut self, message: String) {
        self.notice = Some((Instant::now() + NOTICE_SHOWN, message, false));
    }

    /// Shows `message`, a problem with the run rather than with the form,
    /// instead of the status for a few seconds, in the caution colour
    /// where the form is fine.
    pub fn warn(&mut self, message: String) {
        self.notice = Some((Instant::now() + NOTICE_SHOWN, message, true));
    }

    /// Draws the display on the frame and shows it; writes it into `video`
    /// and the recording.
    pub fn present(
        &mut self,
        a: &mut Assessment,
        timings: &Timings,
        muted: bool,
        video: Option<&mut VideoEncoder>,
    ) -> Result<(), LiveError> {
        if a.frame.image.empty() || !self.draws(video.is_some()) {
            return Ok(());
        }
        let mut status = std::mem::take(&mut a.status);
        self.show_notice(&mut status, Instant::now());
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

    /// Puts the notice up at `now`, if there is one, in place of `status`'s
    /// message; a warning turns a fine status to caution.
    fn show_notice(&mut self, status: &mut Status, now: Instant) {
        let Some((until, message, warns)) = &self.notice else {
            return;
        };
        if now >= *until {
            self.notice = None;
            return;
        }
        status.message.clone_from(message);
        if *warns && status.state == FormState::Fine {
            status.state = FormState::Caution;
        }
    }

    /// Opens the window, `size` pixels large, if one is wanted and not open
    /// yet; without a display, says so and goes on without.
    pub fn open_window(&mut self, size: ImageSize) -> Result<(), LiveError> {
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
    pub fn asker<'a>(&'a mut self, asking: &'a mut Asking) -> Box<dyn Prompt + 'a> {
        match &mut self.window {
            Some(window) if window.is_open() => {
                Box::new(WindowPrompt::new(window, &asking.interrupted))
            }
            _ => Box::new(&mut asking.terminal),
        }
    }

    /// Keys pressed since the last call (and keeps a paused or idle window
    /// alive).
    pub fn commands(&mut self, idle: bool) -> Result<Vec<Command>, LiveError> {
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

    /// Does what `command` asks of the screen; what is left for the rest of
    /// the run.
    pub fn key(&mut self, command: Command) -> KeyEffect {
        match command {
            Command::Quit => {
                // The window stays for a session's last questions.
                if !self.session {
                    self.window = None;
                    self.wanted = false;
                }
                return KeyEffect::Stop;
            }
            Command::Pause => self.paused = !self.paused,
            Command::CaptureBaseline => {
                return KeyEffect::Analysis(AnalysisCommand::CaptureBaseline {
                    countdown_s: COUNTDOWN_S,
                })
            }
            Command::NextSet => {
                self.set += 1;
                self.say(format!("Set {}", self.set));
                return KeyEffect::Analysis(AnalysisCommand::NextSet);
            }
            Command::Mute => return KeyEffect::ToggleMute,
            Command::Skip => return KeyEffect::Skip,
            Command::Timings => self.show_timings = !self.show_timings,
            Command::Outline => self.show_outline = !self.show_outline,
            Command::Record => {
                if let Err(e) = self.toggle_recording() {
                    eprintln!("error: {}", e.chain());
                }
            }
        }
        KeyEffect::Nothing
    }

    /// Starts or stops a recording of what is shown.
    fn toggle_recording(&mut self) -> Result<(), LiveError> {
        if let Some(recording) = self.recording.take() {
            recording.finish()?;
            self.say("Recording saved".into());
            return Ok(());
        }
        crate::private_files::create_dir(&self.record_dir).map_err(LiveError::io(format!(
            "cannot create {}",
            self.record_dir.display()
        )))?;
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        let name = format!("{}-set{}-{stamp}.mp4", self.exercise.name, self.set);
        let path = self.record_dir.join(name);
        eprintln!("recording to {}", path.display());
        self.recording = Some(VideoEncoder::start(
            VideoSink::new(&path, self.fps),
            "recording",
        )?);
        self.say("Recording".into());
        Ok(())
    }

    /// Completes a recording in progress.
    pub fn finish(self) -> Result<(), LiveError> {
        if let Some(recording) = self.recording {
            recording.finish()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::config::Exercise;

    fn screen(session: bool) -> Screen {
        let exercise = Exercise::named("squat").unwrap();
        Screen::new(exercise, true, false, PathBuf::from("unused"), session)
    }

    fn notice(screen: &Screen) -> Option<&str> {
        screen.notice.as_ref().map(|(_, m, _)| m.as_str())
    }

    #[test]
    fn keys_that_change_the_picture_stay_with_the_screen() {
        let mut s = screen(false);
        assert_eq!(s.key(Command::Pause), KeyEffect::Nothing);
        assert!(s.paused());
        assert_eq!(s.key(Command::Pause), KeyEffect::Nothing);
        assert!(!s.paused());
        assert_eq!(s.key(Command::Timings), KeyEffect::Nothing);
        assert!(s.show_timings);
        assert_eq!(s.key(Command::Outline), KeyEffect::Nothing);
        assert!(s.show_outline);
        assert_eq!(s.key(Command::Mute), KeyEffect::ToggleMute);
    }

    #[test]
    fn the_next_set_is_numbered_said_and_sent_to_the_analysis() {
        let mut s = screen(false);
        assert_eq!(
            s.key(Command::NextSet),
            KeyEffect::Analysis(AnalysisCommand::NextSet)
        );
        assert_eq!(s.set, 2);
        assert_eq!(notice(&s), Some("Set 2"));
        assert_eq!(
            s.key(Command::CaptureBaseline),
            KeyEffect::Analysis(AnalysisCommand::CaptureBaseline {
                countdown_s: COUNTDOWN_S
            })
        );
    }

    #[test]
    fn quitting_closes_the_window_unless_a_session_has_questions_left() {
        let mut alone = screen(false);
        assert_eq!(alone.key(Command::Quit), KeyEffect::Stop);
        assert!(!alone.wanted);
        let mut session = screen(true);
        assert_eq!(session.key(Command::Quit), KeyEffect::Stop);
        assert!(session.wanted);
    }

    #[test]
    fn a_warning_shows_in_the_caution_colour_over_a_fine_form_only() {
        let mut s = screen(false);
        let now = Instant::now();
        for (warns, state, shown) in [
            (true, FormState::Fine, FormState::Caution),
            (true, FormState::Flag, FormState::Flag),
            (false, FormState::Fine, FormState::Fine),
        ] {
            if warns {
                s.warn("Falling behind".into());
            } else {
                s.say("Set 2".into());
            }
            let mut status = Status {
                state,
                ..Status::default()
            };
            s.show_notice(&mut status, now);
            assert_eq!(status.state, shown);
            assert_eq!(
                status.message,
                if warns { "Falling behind" } else { "Set 2" }
            );
        }
        // Gone once its time is up.
        let mut status = Status::default();
        s.show_notice(&mut status, now + NOTICE_SHOWN + NOTICE_SHOWN);
        assert_eq!(notice(&s), None);
        assert_eq!(status.state, FormState::Fine);
    }

    #[test]
    fn recording_starts_and_stops_with_a_notice_each_time() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = screen(false);
        s.record_dir = dir.path().join("recordings");
        s.fps = 30.0;
        assert_eq!(s.key(Command::Record), KeyEffect::Nothing);
        assert!(s.recording.is_some());
        assert_eq!(notice(&s), Some("Recording"));
        assert!(s.record_dir.is_dir());
        assert_eq!(s.key(Command::Record), KeyEffect::Nothing);
        assert!(s.recording.is_none());
        assert_eq!(notice(&s), Some("Recording saved"));
    }
}
