//! A patient's session around the sets: the store, the red-flag check, pain
//! before and after each set, the rest between resistance sessions, the
//! set recordings, and what the programme says after each set.

use std::path::{Path, PathBuf};

use opencv::core::Mat;

use super::station::{self, ClinicOptions, Health, StationLink};
use super::LiveError;
use crate::analysis::config::{exercises_dir, Exercise, Profile};
use crate::analysis::events::Event;
use crate::clinic::{Link, StationNow};
use crate::pipeline::messages::Assessment;
use crate::private_files;
use crate::prompt::{Prompt, PromptError};
use crate::recording::video::Resolution;
use crate::safety::{Programme, RedFlag, SetOutcome, SetVerdict};
use crate::sinks::recorder::{self, SetRecorder};
use crate::store::{Pseudonym, RedFlagAnswers, SessionId, SetId, Store};

/// A session's result.
type Result<T> = std::result::Result<T, LiveError>;

/// Where a session starts.
pub struct SessionOptions {
    /// The database: the station's journal when `clinic` is given.
    pub db: PathBuf,
    /// The clinic's server the journal is delivered to, if any.
    pub clinic: Option<ClinicOptions>,
    /// The patient's pseudonym.
    pub patient: Pseudonym,
    /// Their profile file.
    pub profile_path: Option<PathBuf>,
    /// Their profile.
    pub profile: Option<Profile>,
    /// The exercises, in order: one for a plain session, the programme's
    /// for a guided one (the rest between resistance sessions is checked
    /// for all of them).
    pub exercises: Vec<Exercise>,
    /// Whether the session is guided through the programme: the pain after
    /// a set stands as the pain before the next set of the same exercise.
    pub guided: bool,
}

/// The set being recorded.
struct OpenSet {
    id: SetId,
    number: u32,
    recorder: SetRecorder,
    pain_before: u8,
    /// Events not in the store yet (written once a second).
    pending: Vec<Event>,
    flags: u32,
}

/// A session in progress.
pub struct Session {
    store: Store,
    id: SessionId,
    folder: PathBuf,
    programme: Programme,
    exercise: Exercise,
    profile: Option<Profile>,
    progression_allowed: bool,
    set: Option<OpenSet>,
    /// Sets started in the session, and of the exercise under way.
    sets: u32,
    exercise_sets: u32,
    stopped: bool,
    /// Why the exercise stopped, when the programme or an unanswered
    /// question stopped it.
    stopped_because: Option<String>,
    /// A guided session's pain after the exercise's last set, standing as
    /// the pain before its next.
    carried_pain: Option<u8>,
    guided: bool,
    /// The link to the clinic's server, when the session is stored there.
    station: Option<StationLink>,
}

/// The exercises that load the same muscles against resistance as any of
/// `exercises`.
fn same_muscles(exercises: &[Exercise]) -> Result<Vec<String>> {
    let muscles: Vec<&String> = exercises
        .iter()
        .filter(|e| e.resistance)
        .flat_map(|e| &e.muscles)
        .collect();
    if muscles.is_empty() {
        return Ok(Vec::new());
    }
    let mut names = Vec::new();
    let listing = LiveError::io("cannot list the exercises");
    for entry in std::fs::read_dir(exercises_dir()).map_err(listing)? {
        let path = entry
            .map_err(LiveError::io("cannot list the exercises"))?
            .path();
        let other = Exercise::load(&path)?;
        if other.resistance && other.muscles.iter().any(|m| muscles.contains(&m)) {
            names.push(other.name);
        }
    }
    Ok(names)
}

impl Session {
    /// Opens the store (recovering sets a crash left open), asks the
    /// red-flag questions and starts the session; `None` when a red flag
    /// stops it (the advice has been given and the answers recorded).
    pub fn start(options: SessionOptions, prompt: &mut dyn Prompt) -> Result<Option<Session>> {
        let programme = Programme::shipped()?;
        let first = options
            .exercises
            .first()
            .cloned()
            .ok_or(LiveError::NoExercise)?;
        let mut store = match &options.clinic {
            Some(clinic) => open_store(&options.db, |db| {
                Store::open_journal(db, &clinic.address.to_string(), &clinic.station)
            })?,
            None => open_store(&options.db, Store::open)?,
        };
        // Delivery starts at once: rows a station left waiting go first.
        let mut station = options
            .clinic
            .as_ref()
            .map(|clinic| {
                let now = StationNow {
                    patient: options.patient.to_string(),
                    exercise: first.name.clone(),
                    ..StationNow::default()
                };
                StationLink::start(clinic, &store, &options.db, now)
            })
            .transpose()?;
        let patient = store.patient(options.patient.as_str(), options.profile_path.as_deref())?;
        let muscles = same_muscles(&options.exercises)?;
        let names: Vec<&str> = muscles.iter().map(String::as_str).collect();
        // On a clinic's station, the sets done on the other stations count
        // too: the server is asked, and the journal answers alone (said)
        // when it is away.
        let mut last = store.last_session_with(patient, &names)?;
        if let Some(clinic) = &options.clinic {
            match station::last_trained(clinic, options.patient.as_str(), &names) {
                Ok(elsewhere) => last = last.max(elsewhere),
                Err(e) => eprintln!(
                    "{e}: the rest between resistance sessions is checked against this station's sets only"
                ),
            }
        }
        if let Some(hours) = last.as_deref().map(crate::store::hours_since).transpose()? {
            if let Some(warning) = programme.rest_warning(hours) {
                eprintln!("{warning}");
            }
        }
        // Every question is answered before anything is written: a check
        // left unanswered starts no session.
        let mut answers = RedFlagAnswers::default();
        for q in &programme.red_flags.questions {
            let yes = prompt
                .yes_no(&q.text)
                .map_err(LiveError::RedFlagsUnanswered)?;
            let answer = match q.id {
                RedFlag::BothLegs => &mut answers.both_legs,
                RedFlag::LegWeakness => &mut answers.leg_weakness,
                RedFlag::SaddleNumbness => &mut answers.saddle_numbness,
                RedFlag::BladderBowel => &mut answers.bladder_bowel,
            };
            *answer = yes;
        }
        let data = options
            .db
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default()
            .join("sessions");
        let stamp = time::OffsetDateTime::now_utc().unix_timestamp();
        // Named by the patient's id, never by the text typed for them.
        let folder = data.join(format!("patient-{patient}-{stamp}"));
        let folder = private_files::create_new_dir(&folder)
            .map_err(LiveError::io(format!("cannot create {}", folder.display())))?;
        let id = store.start_session(patient, &folder)?;
        eprintln!("session {id} for {}", options.patient);
        if let Some(station) = &mut station {
            station.now.session = Some(id);
        }
        store.record_red_flags(id, &answers)?;
        if answers.any() {
            eprintln!("\n{}\n", programme.red_flags.advice);
            store.end_session(id)?;
            if let Some(station) = station {
                station.finish()?;
            }
            return Ok(None);
        }
        let mut session = Session {
            store,
            id,
            folder,
            programme,
            exercise: first.clone(),
            profile: options.profile,
            progression_allowed: false,
            set: None,
            sets: 0,
            exercise_sets: 0,
            stopped: false,
            stopped_because: None,
            carried_pain: None,
            guided: options.guided,
            station,
        };
        session.begin_exercise(first);
        Ok(Some(session))
    }

    /// Goes on to `exercise` (a guided session's next): its sets are
    /// recorded under its name, a stop of the last exercise is lifted, and
    /// the pain before its first set is asked afresh.
    pub fn begin_exercise(&mut self, exercise: Exercise) {
        self.progression_allowed = self
            .profile
            .as_ref()
            .is_some_and(|p| p.progression.contains(&exercise.name));
        if let Some(station) = &mut self.station {
            station.now.exercise.clone_from(&exercise.name);
        }
        self.exercise = exercise;
        self.exercise_sets = 0;
        self.stopped = false;
        self.stopped_because = None;
        self.carried_pain = None;
    }

    /// The session's id.
    pub fn id(&self) -> SessionId {
        self.id
    }

    /// The store the session is recorded in.
    pub fn store(&mut self) -> &mut Store {
        &mut self.store
    }

    /// Why the exercise stopped, when the programme or an unanswered
    /// question stopped it.
    pub fn stopped_because(&self) -> Option<&str> {
        self.stopped_because.as_deref()
    }

    /// Tells the clinic's live board what the station is doing (at most
    /// twice a second); the link's changes since last asked. Nothing when
    /// the session is not stored on a server.
    pub fn tell_board(&mut self, health: Health) -> Vec<Link> {
        self.station.as_mut().map_or_else(Vec::new, |station| {
            station.tell(health);
            station.news()
        })
    }

    /// Whether a set is open.
    pub fn set_open(&self) -> bool {
        self.set.is_some()
    }

    /// Whether the exercise goes on (no answer or the programme stopped it).
    pub fn goes_on(&self) -> bool {
        !self.stopped
    }

    /// Starts a set (asking the pain before it) unless one is open, its
    /// videos recorded at `resolution`; whether one is. Without an answer
    /// to the pain question the exercise stops.
    pub fn open_set(
        &mut self,
        fps: f64,
        resolution: Resolution,
        prompt: &mut dyn Prompt,
    ) -> Result<bool> {
        if self.set.is_none() && !self.stopped {
            let number = self.sets + 1;
            let of_exercise = self.exercise_sets + 1;
            let asked = match self.carried_pain.take() {
                Some(pain) => Ok(pain),
                None => prompt.pain(&format!(
                    "{}, set {of_exercise}: how much pain do you have now, from 0 (none) to 10?",
                    self.exercise.title
                )),
            };
            let pain_before = match asked {
                Ok(pain) => pain,
                Err(e @ PromptError::Unanswered { .. }) => {
                    eprintln!("{e}: set {number} is not started");
                    self.stop("the pain before the set was not given");
                    return Ok(false);
                }
                Err(e) => return Err(e.into()),
            };
            let folder = self
                .folder
                .join(format!("set-{number:02}-{}", self.exercise.name));
            let recorder = SetRecorder::create(&folder, fps, resolution)?;
            if resolution == Resolution::Half {
                eprintln!(
                    "set {number} is recorded at half size: this computer fell behind the camera"
                );
            }
            let id = self.store.start_set(
                self.id,
                &self.exercise.name,
                number,
                &folder,
                Some(pain_before),
            )?;
            self.sets = number;
            self.exercise_sets = of_exercise;
            if let Some(station) = &mut self.station {
                station.now.set_started(number, pain_before);
            }
            self.set = Some(OpenSet {
                id,
                number,
                recorder,
                pain_before,
                pending: Vec::new(),
                flags: 0,
            });
        }
        Ok(self.set.is_some())
    }

    /// Records a frame of the open set: `raw`, the picture as the camera
    /// gave it (before the display was drawn on it), and the assessed frame
    /// with its picture as shown.
    pub fn frame(&mut self, raw: Mat, a: Box<Assessment>) -> Result<()> {
        let set = self.set.as_mut().ok_or(LiveError::NoOpenSet)?;
        set.flags += a
            .events
            .iter()
            .filter(|e| matches!(e, Event::FlagStart { .. }))
            .count() as u32;
        set.pending.extend(a.events.iter().cloned());
        if let Some(station) = &mut self.station {
            station.frame();
            station.now.follow(&a.events);
        }
        if let Err(e) = set.recorder.frame(raw, a) {
            let (id, number, dir) = (set.id, set.number, set.recorder.dir().to_path_buf());
            let pending = std::mem::take(&mut set.pending);
            self.set = None;
            return Err(self.recording_failed(id, number, &dir, &pending, e.into()));
        }
        // Reps and flags reach the database as they happen: a crash loses
        // at most what the recorder loses.
        if set
            .pending
            .iter()
            .any(|e| !matches!(e, Event::View { .. } | Event::CannotSee { .. }))
        {
            let events = std::mem::take(&mut set.pending);
            let id = set.id;
            self.store.add_events(id, &events)?;
        }
        Ok(())
    }

    /// Ends the set with its closing events: asks pain after and whether
    /// symptoms spread, records it, and says what the programme says. Whether
    /// the exercise may go on.
    pub fn end_set(&mut self, closing: &[Event], prompt: &mut dyn Prompt) -> Result<bool> {
        let Some(mut set) = self.set.take() else {
            return Ok(!self.stopped);
        };
        set.pending.extend(closing.iter().cloned());
        let dir = set.recorder.dir().to_path_buf();
        let mut recorder = set.recorder;
        let recorded = recorder
            .set_end(closing.to_vec())
            .and_then(|()| recorder.finish());
        let recordings = match recorded {
            Ok(recordings) => recordings,
            Err(e) => {
                return Err(self.recording_failed(
                    set.id,
                    set.number,
                    &dir,
                    &set.pending,
                    e.into(),
                ));
            }
        };
        self.store.add_events(set.id, &set.pending)?;
        for (kind, path) in recordings {
            self.store.add_recording(set.id, kind, &path)?;
        }
        let number = self.exercise_sets;
        // Unanswered (the window closed, the input ended): recorded as not
        // given, and the exercise ends.
        let pain_after = answered(prompt.pain(&format!(
            "Set {number} done: how much pain do you have now, from 0 to 10?"
        )))?;
        let spreading = match pain_after {
            Some(_) => {
                answered(prompt.yes_no("Has pain or tingling spread further down your leg?"))?
            }
            None => None,
        };
        if spreading.is_none() {
            self.stop("the questions after the set were not answered");
        }
        if self.guided {
            self.carried_pain = pain_after;
        }
        let verdict = self.programme.after_set(&SetOutcome {
            pain_before: Some(set.pain_before),
            pain_after,
            spreading: spreading.unwrap_or(false),
            flags: set.flags,
            progression_allowed: self.progression_allowed,
        });
        let stopped_because = match &verdict {
            SetVerdict::Stop(advice) => Some(advice.as_str()),
            _ => None,
        };
        self.store
            .finish_set(set.id, pain_after, spreading, stopped_because)?;
        if let Some(station) = &mut self.station {
            station.now.follow(closing);
            station.now.set_ended(pain_after);
        }
        match verdict {
            SetVerdict::Stop(advice) => {
                eprintln!("\n{advice}\n");
                self.stop(&advice);
            }
            SetVerdict::Progress(suggestion) => {
                self.store.suggest_progression(set.id)?;
                eprintln!("\n{suggestion}\n");
            }
            SetVerdict::Continue => {}
        }
        Ok(!self.stopped)
    }

    /// The open set's recording failed (the disk full...): what reached the
    /// disk and the database is kept, the set is marked incomplete with the
    /// reason, and the exercise stops. The error, to be reported.
    fn recording_failed(
        &mut self,
        id: SetId,
        number: u32,
        dir: &Path,
        pending: &[Event],
        error: LiveError,
    ) -> LiveError {
        let because = format!("the recording failed: {}", error.chain());
        self.stop(&because);
        let kept = self
            .store
            .add_events(id, pending)
            .and_then(|()| self.store.abandon_set(id, &because));
        if let Err(e) = kept {
            // Marked incomplete at the next start instead.
            eprintln!("error: {e}");
        }
        LiveError::RecordingFailed {
            number,
            dir: dir.to_path_buf(),
            source: Box::new(error),
        }
    }

    /// Stops the exercise, `because`.
    fn stop(&mut self, because: &str) {
        self.stopped = true;
        self.stopped_because
            .get_or_insert_with(|| because.to_string());
    }

    /// Ends the session (an open set is ended first).
    pub fn end(mut self, prompt: &mut dyn Prompt) -> Result<()> {
        if self.set.is_some() {
            self.end_set(&[], prompt)?;
        }
        self.store.end_session(self.id)?;
        eprintln!(
            "session {} saved: {} set(s), recordings in {}",
            self.id,
            self.sets,
            self.folder.display()
        );
        if let Some(station) = self.station.take() {
            station.finish()?;
        }
        Ok(())
    }
}

/// Opens the store at `db` with `open`, recovering the sets a crash left
/// open: marked incomplete (said on the terminal), their folders'
/// half-written lines trimmed.
fn open_store(
    db: &Path,
    open: impl FnOnce(&Path) -> std::result::Result<Store, crate::store::StoreError>,
) -> Result<Store> {
    let mut store = open(db)?;
    let recovered = store.recover()?;
    if !recovered.is_empty() {
        let mut folders = Vec::new();
        for row in store.sessions(None)? {
            for set in store.session(row.id)?.sets {
                if recovered.contains(&set.id) {
                    eprintln!(
                        "set {} of session {} was cut short last time: kept and marked incomplete",
                        set.number, row.id
                    );
                    folders.push(set.folder);
                }
            }
        }
        recover_folders(&folders)?;
    }
    Ok(store)
}

/// The answer, or `None` when it was not given (said on the terminal).
pub(super) fn answered<T>(answer: std::result::Result<T, PromptError>) -> Result<Option<T>> {
    match answer {
        Ok(a) => Ok(Some(a)),
        Err(e @ PromptError::Unanswered { .. }) => {
            eprintln!("{e}: recorded as not given");
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

/// Puts right the set folders a crash left half-written.
fn recover_folders(folders: &[PathBuf]) -> Result<()> {
    for folder in folders {
        for cut in recorder::recover(folder)? {
            eprintln!("{}: a half-written last line was removed", cut.display());
        }
    }
    Ok(())
}
