//! A station's delivery: a thread that empties the journal's outbox into
//! the clinic's server and keeps the live board told what the station is
//! doing, whether or not the server can be reached.
//!
//! The live run never waits for the server: it writes to the journal (its
//! SQLite store) as a station without a server would, and this thread
//! follows. While the server is away, rows wait in the journal and the
//! thread tries again every few seconds; when it is back they go in the
//! order written, each entry exactly once (the server keeps the last entry
//! it has from each station, in the same transaction as the rows).

use std::path::{Path, PathBuf};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{bounded, select, tick, Receiver, Sender};

use super::board::StationNow;
use super::error::ClinicError;
use super::server::{Server, ServerAddress};
use super::share;
use crate::store::{Outbox, Station};

/// Outbox entries per transaction.
const BATCH: usize = 500;

/// How often the thread delivers and tells the board.
const TICK: Duration = Duration::from_millis(500);

/// How long the server is left alone after it could not be reached.
const RETRY: Duration = Duration::from_secs(2);

/// Files copied to the clinic's recordings folder per round, at most.
const COPIES_PER_ROUND: usize = 4;

/// What the station knows of its server, as the thread reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Link {
    /// Connected; everything written has been delivered, or is on its way.
    Up,
    /// The server cannot be reached: the station records into its journal.
    Down {
        /// Why, in the driver's words.
        why: String,
    },
}

/// A message to the delivery thread.
enum ToDelivery {
    /// What the station is doing now.
    Now(Box<StationNow>),
    /// The run is over: deliver what can be within the time, then stop.
    Finish(Duration),
}

/// How the delivery ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryEnd {
    /// Outbox entries not yet delivered (they go at the next start).
    pub waiting: i64,
    /// The journal they wait in.
    pub journal: PathBuf,
}

/// The delivery thread of a station.
pub struct Delivery {
    to: Sender<ToDelivery>,
    links: Receiver<Link>,
    thread: JoinHandle<Result<DeliveryEnd, ClinicError>>,
}

impl Delivery {
    /// Starts delivering the journal at `journal` (of `station`) to
    /// `address`, and copying its finished sets' files to the clinic's
    /// recordings folder `share` when there is one. The first connection
    /// is made on the thread: a server that is away delays nothing.
    pub fn start(
        address: ServerAddress,
        journal: &Path,
        station: Station,
        share: Option<PathBuf>,
    ) -> Result<Delivery, ClinicError> {
        let outbox = Outbox::open(journal)?;
        let (to, from_run) = bounded(4);
        let (link_tx, links) = bounded(16);
        let journal = journal.to_path_buf();
        let thread = std::thread::Builder::new()
            .name("delivery".into())
            .spawn(move || {
                Worker {
                    address,
                    station,
                    outbox,
                    journal,
                    server: None,
                    retry_at: Instant::now(),
                    link: None,
                    links: link_tx,
                    now: None,
                    share,
                    not_copied: std::collections::HashSet::new(),
                }
                .run(&from_run)
            })
            .map_err(|e| {
                ClinicError::Journal(crate::store::StoreError::Invalid(format!(
                    "cannot start the delivery thread: {e}"
                )))
            })?;
        Ok(Delivery { to, links, thread })
    }

    /// Tells the board what the station is doing now; dropped when the
    /// thread has not taken the previous one yet (the next one follows) or
    /// has ended (its error is reported by [`Delivery::finish`]).
    pub fn now(&self, now: StationNow) {
        let _ = self.to.try_send(ToDelivery::Now(Box::new(now)));
    }

    /// The link's changes since last asked, the latest last.
    pub fn link_changes(&self) -> Vec<Link> {
        self.links.try_iter().collect()
    }

    /// Delivers what can be within `within`, then stops the thread; what
    /// is left waits in the journal for the next start.
    pub fn finish(self, within: Duration) -> Result<DeliveryEnd, ClinicError> {
        // The thread may have ended on an error: join says which.
        let _ = self.to.send(ToDelivery::Finish(within));
        self.thread.join().unwrap_or_else(|_| {
            Err(ClinicError::Journal(crate::store::StoreError::Invalid(
                "the delivery thread panicked".into(),
            )))
        })
    }
}

/// The delivery thread's state.
struct Worker {
    address: ServerAddress,
    station: Station,
    outbox: Outbox,
    journal: PathBuf,
    server: Option<Server>,
    retry_at: Instant,
    link: Option<Link>,
    links: Sender<Link>,
    /// What the station said it is doing, told to the board every round
    /// (also while a question holds the run: the board then still hears
    /// from the station).
    now: Option<Box<StationNow>>,
    /// The clinic's recordings folder.
    share: Option<PathBuf>,
    /// Recordings whose copy failed in this run (tried again at the next).
    not_copied: std::collections::HashSet<i64>,
}

impl Worker {
    fn run(mut self, from_run: &Receiver<ToDelivery>) -> Result<DeliveryEnd, ClinicError> {
        let ticks = tick(TICK);
        loop {
            select! {
                recv(from_run) -> message => match message {
                    Ok(ToDelivery::Now(now)) => self.now = Some(now),
                    Ok(ToDelivery::Finish(within)) => return self.finish(within),
                    Err(_) => return self.finish(Duration::ZERO),
                },
                recv(ticks) -> _ => self.step(Instant::now()),
            }
        }
    }

    /// One round: connect when due, deliver everything waiting, tell the
    /// board. A server that went away is let go, to be tried again.
    fn step(&mut self, at: Instant) {
        self.copy_some();
        if self.server.is_none() && at < self.retry_at {
            return;
        }
        // Any failure (the server away, or refusing a row) leaves the rows
        // in the journal, is said, and is tried again: the run goes on.
        match self.deliver_all().and_then(|()| self.tell_board()) {
            Ok(()) => self.set_link(Link::Up),
            Err(e) => {
                self.server = None;
                self.retry_at = at + RETRY;
                self.set_link(Link::Down { why: e.to_string() });
            }
        }
    }

    /// Copies a few finished sets' files to the clinic's recordings
    /// folder, each verified; a failure is said and that file is left for
    /// the next run. Returns whether any file still waits.
    fn copy_some(&mut self) -> bool {
        let Some(root) = &self.share else {
            return false;
        };
        let waiting = match self
            .outbox
            .uncopied(COPIES_PER_ROUND + self.not_copied.len())
        {
            Ok(files) => files,
            Err(e) => {
                tracing::warn!("{e}");
                return false;
            }
        };
        let waiting: Vec<_> = waiting
            .into_iter()
            .filter(|f| !self.not_copied.contains(&f.id))
            .collect();
        for file in waiting.iter().take(COPIES_PER_ROUND) {
            let to = share::target(root, &self.station.uid, file);
            let copied = share::copy_verified(&file.path, &to)
                .map_err(|e| e.to_string())
                .and_then(|sha| {
                    self.outbox
                        .copied(file.id, &to, &sha)
                        .map_err(|e| e.to_string())
                });
            if let Err(why) = copied {
                eprintln!("{why}: left on this station, copied at its next start");
                self.not_copied.insert(file.id);
            }
        }
        waiting.len() > COPIES_PER_ROUND
    }

    /// Connects when not connected, then delivers until the outbox is
    /// empty.
    fn deliver_all(&mut self) -> Result<(), ClinicError> {
        let server = match &mut self.server {
            Some(server) => server,
            none => none.insert(Server::connect(&self.address)?),
        };
        while server
            .deliver(&self.station, &mut self.outbox, BATCH)?
            .entries
            > 0
        {}
        Ok(())
    }

    fn tell_board(&mut self) -> Result<(), ClinicError> {
        let Some(now) = &self.now else {
            return Ok(());
        };
        let json = serde_json::to_string(now).map_err(|e| {
            ClinicError::Journal(crate::store::StoreError::Invalid(format!(
                "the live board's state: {e}"
            )))
        })?;
        let (station, server) = (&self.station, self.server.as_mut());
        if let Some(server) = server {
            server.report_live(station, &json)?;
        }
        Ok(())
    }

    fn set_link(&mut self, link: Link) {
        if self.link.as_ref() != Some(&link) {
            // The run says them on screen and on the terminal, reading them
            // as it can; a full queue loses only news that the next change
            // replaces.
            let _ = self.links.try_send(link.clone());
            self.link = Some(link);
        }
    }

    /// The last copies and deliveries before the run ends: tried until
    /// everything is in or `within` has passed.
    fn finish(mut self, within: Duration) -> Result<DeliveryEnd, ClinicError> {
        let deadline = Instant::now() + within;
        while self.copy_some() && Instant::now() < deadline {}
        loop {
            self.retry_at = Instant::now();
            self.step(Instant::now());
            if self.server.is_some() || Instant::now() >= deadline {
                break;
            }
            std::thread::sleep(RETRY.min(deadline.saturating_duration_since(Instant::now())));
        }
        Ok(DeliveryEnd {
            waiting: self.outbox.waiting()?,
            journal: self.journal,
        })
    }
}
