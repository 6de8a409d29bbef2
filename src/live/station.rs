//! A session's link to the clinic's server, when it stores there: the
//! delivery of its journal, and the live board told what the station is
//! doing.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::clinic::{ClinicError, Delivery, Link, ServerAddress, StationNow};
use crate::store::{Store, StoreError};

/// How often the live board is told.
const TELL_EVERY: Duration = Duration::from_millis(500);

/// How long the end of a session waits for its last rows to reach the
/// server before leaving them in the journal for the next start.
const LAST_DELIVERY: Duration = Duration::from_secs(5);

/// Where a station's session is stored.
#[derive(Debug, Clone)]
pub struct ClinicOptions {
    /// The clinic's server.
    pub address: ServerAddress,
    /// The station's name on the dashboard.
    pub station: String,
    /// The clinic's recordings folder, where finished sets are copied.
    pub recordings: Option<std::path::PathBuf>,
}

/// When `patient` last started a set of one of `exercises` on any of the
/// clinic's stations, asked of the server (the rest rule between
/// resistance sessions holds across stations).
pub fn last_trained(
    options: &ClinicOptions,
    patient: &str,
    exercises: &[&str],
) -> Result<Option<String>, ClinicError> {
    if exercises.is_empty() {
        return Ok(None);
    }
    let mut server = crate::clinic::Server::connect(&options.address)?;
    let shown = options.address.to_string();
    crate::clinic::read::last_set_started(server.client(), &shown, patient, exercises)
}

/// A station's health, as the run knows it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Health {
    /// Frames read from the source so far.
    pub read: u64,
    /// Of which dropped.
    pub dropped: u64,
    /// Whether the camera has stopped sending frames.
    pub camera_lost: bool,
}

/// The station's side of the clinic during a session.
pub struct StationLink {
    delivery: Delivery,
    /// What the live board is told.
    pub now: StationNow,
    told_at: Instant,
    frames: u64,
}

impl StationLink {
    /// Starts delivering the journal `store` (at `journal`) to the server.
    pub fn start(
        options: &ClinicOptions,
        store: &Store,
        journal: &Path,
        now: StationNow,
    ) -> Result<StationLink, ClinicError> {
        let station = store.station()?.ok_or_else(|| {
            StoreError::Invalid(format!("{} is not a station's journal", journal.display()))
        })?;
        let delivery = Delivery::start(
            options.address.clone(),
            journal,
            station,
            options.recordings.clone(),
        )?;
        Ok(StationLink {
            delivery,
            now,
            told_at: Instant::now(),
            frames: 0,
        })
    }

    /// A frame was assessed.
    pub fn frame(&mut self) {
        self.frames += 1;
    }

    /// Tells the board, at most every half second, with the run's health.
    pub fn tell(&mut self, health: Health) {
        let elapsed = self.told_at.elapsed();
        if elapsed < TELL_EVERY {
            return;
        }
        #[allow(clippy::cast_precision_loss)] // frame counts
        {
            self.now.fps = self.frames as f64 / elapsed.as_secs_f64();
            self.now.dropped_percent = if health.read == 0 {
                0.0
            } else {
                100.0 * health.dropped as f64 / health.read as f64
            };
        }
        self.now.camera_lost = health.camera_lost;
        self.delivery.now(self.now.clone());
        self.told_at = Instant::now();
        self.frames = 0;
    }

    /// The link's changes since last asked.
    pub fn news(&self) -> Vec<Link> {
        self.delivery.link_changes()
    }

    /// The session ended: the board told, the last rows delivered (or left
    /// waiting in the journal, said on the terminal).
    pub fn finish(mut self) -> Result<(), ClinicError> {
        self.now.ended = true;
        self.now.in_set = false;
        self.delivery.now(self.now.clone());
        let end = self.delivery.finish(LAST_DELIVERY)?;
        if end.waiting > 0 {
            eprintln!(
                "the clinic's server could not be reached: {} writes wait in {} and are \
                 delivered at this station's next start",
                end.waiting,
                end.journal.display()
            );
        } else {
            eprintln!("everything recorded is on the clinic's server");
        }
        Ok(())
    }
}
