//! The pipeline: one named thread per stage, typed messages over bounded
//! channels (see `ARCHITECTURE.md`).
//!
//! ```text
//! source ──Frame──▶ pose ──PoseFrame──▶ analysis ──Assessed──▶ sinks (caller's thread)
//!   └─ or a landmark track replayed ───────┘  ▲ commands          ▲ notices
//! ```
//!
//! [`Pipeline::start`] opens the source and loads the models first, so that
//! a missing camera or model is an error before any thread starts; the
//! caller then takes [`Assessed`] messages from [`Pipeline::outputs`] until
//! the channel closes. [`Pipeline::stop`] asks the source to stop; the
//! stages drain what is in flight and the set's closing events still
//! arrive.

pub mod assess;
pub mod back;
pub mod capture;
pub mod inference;
pub mod messages;
pub mod replay;
pub mod timings;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use crossbeam_channel::{bounded, Receiver, Sender};
use opencv::core::Mat;

use crate::analysis::measure::Metric;
use crate::camera_calibration::CalibrationError;
use crate::pose::{ModelError, PoseEngine, PoseError, PoseOptions, RunningMode};
use crate::recording::track::{read_track, TrackError};
use crate::source::{FrameSource, SourceError, SourceSpec};
use assess::{Assess, AssessSetup};
use capture::{Capture, CaptureLinks, Pacing};
use inference::Inference;
use messages::{AnalysisCommand, Assessed, Notice};
use replay::Replay;

/// Frames waiting for the pose stage from a file read as fast as possible.
const FILE_QUEUE: usize = 2;
/// Frames between the other stages.
const STAGE_QUEUE: usize = 2;
/// Notices waiting for the sinks (more are dropped: they are advice).
const NOTICE_QUEUE: usize = 16;
/// Pictures waiting to be read into again.
const RECYCLE_QUEUE: usize = 8;
/// Commands waiting for the analysis stage.
const COMMAND_QUEUE: usize = 4;

/// Errors of starting or running the pipeline.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// The source cannot be opened or read.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// A model cannot be loaded.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// The pose engine failed on a frame.
    #[error(transparent)]
    Pose(#[from] PoseError),
    /// The landmark track cannot be read.
    #[error(transparent)]
    Track(#[from] TrackError),
    /// The camera calibration does not apply to the frames.
    #[error(transparent)]
    Calibration(#[from] CalibrationError),
    /// A thread could not be started.
    #[error("cannot start a pipeline thread: {0}")]
    Spawn(#[from] std::io::Error),
    /// A stage stopped on a bug.
    #[error("the {stage} stage failed unexpectedly (a bug: please report it with the input)")]
    Panicked {
        /// The stage.
        stage: &'static str,
    },
}

/// What the pipeline reads.
#[derive(Clone, Debug)]
pub enum Input {
    /// Frames through the pose engine.
    Frames {
        /// Where from.
        source: SourceSpec,
        /// Replay a file at its own frame rate, as a camera would deliver it.
        realtime: bool,
        /// The pose engine's options.
        pose: PoseOptions,
    },
    /// A landmark track written by `formcheck pose`.
    Track(PathBuf),
}

/// Counters the stages share.
#[derive(Debug, Default)]
pub struct Shared {
    /// Set to ask the source to stop.
    pub stop: AtomicBool,
    /// Frames read from the source.
    pub frames_read: AtomicU64,
    /// Stale frames a live source replaced before the pose stage took them.
    pub frames_dropped: AtomicU64,
    /// Set while the source is held ([`Pipeline::hold`]).
    pub held: AtomicBool,
}

/// The source held while it lives ([`Pipeline::hold`]).
pub struct Hold<'a> {
    shared: &'a Shared,
}

impl Drop for Hold<'_> {
    fn drop(&mut self) {
        self.shared.held.store(false, Ordering::Relaxed);
    }
}

enum Front {
    Frames {
        capture: Capture,
        inference: Inference,
    },
    Track(Replay),
}

/// A running pipeline.
pub struct Pipeline {
    outputs: Receiver<Assessed>,
    notices: Receiver<Notice>,
    commands: Sender<AnalysisCommand>,
    recycle: Sender<Mat>,
    shared: Arc<Shared>,
    front: Front,
    assess: Assess,
    live: bool,
    fps: f64,
}

fn joined<E>(
    stage: &'static str,
    result: std::thread::Result<Result<(), E>>,
) -> Result<(), PipelineError>
where
    PipelineError: From<E>,
{
    match result {
        Ok(r) => r.map_err(PipelineError::from),
        Err(_) => Err(PipelineError::Panicked { stage }),
    }
}

impl Pipeline {
    /// Opens the input, loads the models and starts the stages.
    pub fn start(input: Input, setup: AssessSetup) -> Result<Pipeline, PipelineError> {
        let shared = Arc::new(Shared::default());
        let (notice_tx, notices) = bounded(NOTICE_QUEUE);
        let (command_tx, command_rx) = bounded(COMMAND_QUEUE);
        let (recycle, recycled) = bounded(RECYCLE_QUEUE);
        let (pose_tx, pose_rx) = bounded(STAGE_QUEUE);
        let (out_tx, outputs) = bounded(STAGE_QUEUE);
        let (front, live, fps) = match input {
            Input::Track(path) => {
                let records = read_track(&path)?;
                (Front::Track(Replay::spawn(records, pose_tx)?), false, 0.0)
            }
            Input::Frames {
                source: spec,
                realtime,
                pose,
            } => {
                let source = FrameSource::open_spec(&spec)?;
                let mode = if source.is_image() {
                    RunningMode::Image
                } else {
                    RunningMode::Video
                };
                // The segmentation runs only for exercises judged on the
                // back's outline.
                let outline = setup.exercise.judges(Metric::BackBend);
                let segmentation =
                    pose.segmentation || (outline && pose.model.segmentation_name().is_some());
                if outline && !segmentation {
                    tracing::warn!(
                        "the {:?} model has no segmentation: the back's outline is not measured (use the full or lite model)",
                        pose.model
                    );
                }
                let engine = PoseEngine::new(PoseOptions {
                    mode,
                    segmentation,
                    ..pose
                })?;
                let pacing = if realtime || source.is_live() {
                    Pacing::Live
                } else {
                    Pacing::Blocking
                };
                let fps = source.fps();
                let capacity = match pacing {
                    Pacing::Live => 1,
                    Pacing::Blocking => FILE_QUEUE,
                };
                let (frames, frames_rx) = bounded(capacity);
                let links = CaptureLinks {
                    frames,
                    stale: (pacing == Pacing::Live).then(|| frames_rx.clone()),
                    recycled,
                    notices: notice_tx.clone(),
                };
                let capture = Capture::spawn(source, spec, pacing, links, shared.clone())?;
                let inference = Inference::spawn(engine, frames_rx, pose_tx)?;
                (
                    Front::Frames { capture, inference },
                    pacing == Pacing::Live,
                    fps,
                )
            }
        };
        let assess = Assess::spawn(setup, pose_rx, command_rx, out_tx, notice_tx)?;
        Ok(Pipeline {
            outputs,
            notices,
            commands: command_tx,
            recycle,
            shared,
            front,
            assess,
            live,
            fps,
        })
    }

    /// Assessed frames and set ends, in order; closes when the input ends
    /// (or after [`Pipeline::stop`]) and everything in flight has arrived.
    pub fn outputs(&self) -> &Receiver<Assessed> {
        &self.outputs
    }

    /// Notices for the person (camera lost and back, baseline capture).
    pub fn notices(&self) -> &Receiver<Notice> {
        &self.notices
    }

    /// Sends a command to the analysis stage (dropped if four are waiting).
    pub fn command(&self, command: AnalysisCommand) {
        let _ = self.commands.try_send(command);
    }

    /// Gives a picture back to the source to read into again.
    pub fn recycle(&self, image: Mat) {
        let _ = self.recycle.try_send(image);
    }

    /// Holds the source until the returned guard is dropped, while the
    /// person answers a question: a file replayed in real time waits, so
    /// none of it goes unseen; a camera's frames go by uncounted, so the
    /// time away is not taken for falling behind. What is in flight still
    /// arrives.
    pub fn hold(&self) -> Hold<'_> {
        self.shared.held.store(true, Ordering::Relaxed);
        Hold {
            shared: &self.shared,
        }
    }

    /// Asks the source to stop; what is in flight still arrives.
    pub fn stop(&self) {
        self.shared.stop.store(true, Ordering::Relaxed);
    }

    /// Whether frames come at the source's pace (camera, stream, real-time
    /// replay), so stale ones are dropped.
    pub fn is_live(&self) -> bool {
        self.live
    }

    /// The source's frame rate (0 for an image or a track).
    pub fn fps(&self) -> f64 {
        self.fps
    }

    /// Frames read from the source so far.
    pub fn frames_read(&self) -> u64 {
        self.shared.frames_read.load(Ordering::Relaxed)
    }

    /// Frames dropped so far because a newer one arrived first.
    pub fn frames_dropped(&self) -> u64 {
        self.shared.frames_dropped.load(Ordering::Relaxed)
    }

    /// Stops the source, drains what is left and waits for every stage;
    /// the first error that stopped a stage, if any.
    pub fn finish(self) -> Result<(), PipelineError> {
        self.stop();
        let Pipeline {
            outputs,
            front,
            assess,
            ..
        } = self;
        // Nobody reads any more: let blocked stages see the closed channel.
        drop(outputs);
        let assessed = joined("analysis", assess.join());
        let front = match front {
            Front::Track(replay) => replay
                .join()
                .map_err(|_| PipelineError::Panicked { stage: "replay" }),
            Front::Frames { capture, inference } => {
                let pose = joined("pose", inference.join());
                joined("source", capture.join()).and(pose)
            }
        };
        front.and(assessed)
    }
}
