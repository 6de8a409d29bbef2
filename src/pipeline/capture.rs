//! The source stage: reads frames on its own thread and hands them to the
//! pose stage.
//!
//! A live source (camera, stream, or a file replayed in real time) never
//! builds a queue: the pose stage's inbox holds one frame and a newer frame
//! replaces a stale one, which is counted as dropped. A file read as fast as
//! possible blocks instead and drops nothing, so its analysis is the same on
//! any machine. A camera or stream that stops giving frames is reopened with
//! back-off until it returns or the pipeline stops. While the source is held
//! (a question is up), a replayed file waits and a camera's frames go by
//! uncounted.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, TrySendError};
use opencv::core::Mat;

use super::messages::{Frame, Notice};
use super::Shared;
use crate::body::ImageSize;
use crate::source::{FrameInfo, FrameSource, SourceError, SourceSpec};
use crate::time::SourceTime;

/// First wait before reopening a lost camera or stream.
const RECONNECT_FIRST: Duration = Duration::from_millis(500);
/// Longest wait between reopening attempts.
const RECONNECT_MAX: Duration = Duration::from_secs(4);
/// Granularity of waits, so that a stop request is seen promptly.
const WAIT_STEP: Duration = Duration::from_millis(50);

/// How the source stage delivers frames.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pacing {
    /// As fast as the pipeline takes them; nothing dropped.
    Blocking,
    /// At the source's own rate (a live source, or a file replayed at its
    /// native frame rate); the newest frame wins.
    Live,
}

/// The source stage's thread.
pub struct Capture {
    handle: JoinHandle<Result<(), SourceError>>,
}

/// What the source stage needs.
pub struct CaptureLinks {
    /// Frames out, to the pose stage.
    pub frames: Sender<Frame>,
    /// For live pacing, the same channel's receiving end, to take back a
    /// stale frame (`None` otherwise, so that the channel closes when the
    /// pose stage goes away).
    pub stale: Option<Receiver<Frame>>,
    /// Pictures the sinks are done with, to read into again.
    pub recycled: Receiver<Mat>,
    /// Notices for the person (camera lost, back).
    pub notices: Sender<Notice>,
}

impl Capture {
    /// Starts reading `source` (already open, so that opening errors are
    /// reported before anything starts).
    pub fn spawn(
        source: FrameSource,
        spec: SourceSpec,
        pacing: Pacing,
        links: CaptureLinks,
        shared: Arc<Shared>,
    ) -> std::io::Result<Capture> {
        let handle = std::thread::Builder::new()
            .name("source".into())
            .spawn(move || run(source, &spec, pacing, &links, &shared))?;
        Ok(Capture { handle })
    }

    /// Waits for the thread: `Err` if it panicked, else the error that
    /// stopped it, if any.
    pub fn join(self) -> std::thread::Result<Result<(), SourceError>> {
        self.handle.join()
    }
}

/// Sleeps until `until`, in steps, unless the pipeline stops; whether it
/// is still running.
fn wait_until(until: Instant, shared: &Shared) -> bool {
    loop {
        if shared.stop.load(Ordering::Relaxed) {
            return false;
        }
        let now = Instant::now();
        if now >= until {
            return true;
        }
        std::thread::sleep((until - now).min(WAIT_STEP));
    }
}

fn run(
    mut source: FrameSource,
    spec: &SourceSpec,
    pacing: Pacing,
    links: &CaptureLinks,
    shared: &Shared,
) -> Result<(), SourceError> {
    let started = Instant::now();
    // Frame numbers and times run on across reconnections.
    let (mut next_index, mut offset_ms, mut last) = (0u64, 0.0f64, SourceTime::START);
    // Time the source was held; a replayed file's clock stops meanwhile.
    // A held camera's frames are read into `passing` and go no further.
    let (mut held_for, mut passing) = (Duration::ZERO, Mat::default());
    loop {
        if shared.stop.load(Ordering::Relaxed) {
            return Ok(());
        }
        if shared.held.load(Ordering::Relaxed) {
            let from = Instant::now();
            if source.is_live() {
                // The camera's frames go by unread by anyone (and are not
                // counted): its buffer stays fresh for when the set goes on.
                let _ = source.read(&mut passing);
            } else {
                std::thread::sleep(WAIT_STEP);
            }
            held_for += from.elapsed();
            continue;
        }
        // A file replayed in real time: its next frame "arrives" at its
        // time on the file's clock, and is read then, as a camera's would be.
        let replayed = pacing == Pacing::Live && !source.is_live();
        if replayed {
            let due = next_index as f64 / source.fps().max(1e-3);
            if !wait_until(started + held_for + Duration::from_secs_f64(due), shared) {
                return Ok(());
            }
        }
        let mut image = links.recycled.try_recv().unwrap_or_default();
        let read_started = Instant::now();
        let info = match source.read(&mut image) {
            Ok(Some(info)) => info,
            Ok(None) | Err(_) if spec.is_live() => {
                // A camera unplugged or a stream cut: reopen it.
                match reconnect(spec, links, shared) {
                    Some(reopened) => {
                        source = reopened;
                        offset_ms = last.ms() + 1000.0 / source.fps().max(1.0);
                        continue;
                    }
                    None => return Ok(()),
                }
            }
            Ok(None) => return Ok(()),
            Err(e) => return Err(e),
        };
        let read = read_started.elapsed();
        let t_ms = info.t_ms.plus_ms(offset_ms);
        last = t_ms;
        let size = ImageSize::of(&image).map_err(|source| SourceError::Read {
            path: spec.describe().into(),
            source,
        })?;
        let frame = Frame {
            info: FrameInfo {
                index: next_index,
                t_ms,
            },
            image,
            size,
            captured: source.grabbed_at().unwrap_or(read_started),
            read,
        };
        next_index += 1;
        shared.frames_read.fetch_add(1, Ordering::Relaxed);
        if !deliver(frame, pacing, links, shared) {
            return Ok(());
        }
    }
}

/// Hands a frame on; whether the pose stage is still there.
fn deliver(frame: Frame, pacing: Pacing, links: &CaptureLinks, shared: &Shared) -> bool {
    match pacing {
        Pacing::Blocking => links.frames.send(frame).is_ok(),
        Pacing::Live => {
            let mut frame = frame;
            loop {
                match links.frames.try_send(frame) {
                    Ok(()) => return true,
                    Err(TrySendError::Disconnected(_)) => return false,
                    Err(TrySendError::Full(back)) => {
                        frame = back;
                        // The waiting frame is stale: the newest one wins.
                        let stale = links.stale.as_ref().map(Receiver::try_recv);
                        if matches!(stale, Some(Ok(_))) {
                            shared.frames_dropped.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            }
        }
    }
}

/// Reopens a lost live source with back-off, telling the person; `None`
/// when the pipeline was stopped meanwhile.
fn reconnect(spec: &SourceSpec, links: &CaptureLinks, shared: &Shared) -> Option<FrameSource> {
    let name = spec.describe();
    let mut wait = RECONNECT_FIRST;
    for attempt in 1.. {
        tracing::warn!("{name}: no frames; reconnecting (attempt {attempt})");
        let _ = links.notices.try_send(Notice::SourceLost {
            source: name.clone(),
            attempt,
        });
        if !wait_until(Instant::now() + wait, shared) {
            return None;
        }
        if let Ok(source) = FrameSource::open_spec(spec) {
            tracing::info!("{name}: back");
            let _ = links.notices.try_send(Notice::SourceBack {
                source: name.clone(),
            });
            return Some(source);
        }
        wait = (wait * 2).min(RECONNECT_MAX);
    }
    None
}

/// A file read ahead on the source thread while the caller works on the
/// frame before, for commands that run the pose engine on their own thread
/// (`formcheck pose`): decoding overlaps inference, nothing is dropped, and
/// pictures handed back are read into again.
pub struct ReadAhead {
    frames: Receiver<Frame>,
    recycle: Sender<Mat>,
    shared: Arc<Shared>,
    capture: Capture,
}

impl ReadAhead {
    /// Starts reading `source` (already open) as fast as the caller takes
    /// its frames.
    pub fn spawn(source: FrameSource, spec: SourceSpec) -> std::io::Result<ReadAhead> {
        let shared = Arc::new(Shared::default());
        let (frames, frames_rx) = crossbeam_channel::bounded(super::FILE_QUEUE);
        let (recycle, recycled) = crossbeam_channel::bounded(super::RECYCLE_QUEUE);
        // A file is never reconnected, so no notice is ever sent.
        let (notices, _) = crossbeam_channel::bounded(1);
        let links = CaptureLinks {
            frames,
            stale: None,
            recycled,
            notices,
        };
        let capture = Capture::spawn(source, spec, Pacing::Blocking, links, shared.clone())?;
        Ok(ReadAhead {
            frames: frames_rx,
            recycle,
            shared,
            capture,
        })
    }

    /// The next frame, waiting for it; `None` at the end of the file or
    /// when reading failed (which [`ReadAhead::finish`] then reports).
    pub fn next_frame(&self) -> Option<Frame> {
        self.frames.recv().ok()
    }

    /// Gives a picture back to be read into again.
    pub fn recycle(&self, image: Mat) {
        let _ = self.recycle.try_send(image);
    }

    /// Stops reading and waits for the thread; the error that stopped it,
    /// if any.
    pub fn finish(self) -> Result<(), super::PipelineError> {
        self.shared.stop.store(true, Ordering::Relaxed);
        // A reader blocked on a full queue sees it closed.
        drop(self.frames);
        super::joined("source", self.capture.join())
    }
}
