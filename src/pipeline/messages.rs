//! The typed messages that travel between the pipeline's stages.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use opencv::core::Mat;

use crate::analysis::back_outline::BackOutline;
use crate::analysis::events::Event;
use crate::analysis::measure::{Measurements, Metric};
use crate::analysis::status::Status;
use crate::body::{ImageSize, Pose};
use crate::source::FrameInfo;

/// A captured frame: source → pose.
pub struct Frame {
    /// Index and timestamp in the source (from the capture, not the clock).
    pub info: FrameInfo,
    /// The picture, 8-bit BGR; empty when replaying a landmark track.
    pub image: Mat,
    /// Its size.
    pub size: ImageSize,
    /// When the frame was handed to the pipeline: the start of the
    /// glass-to-flag latency.
    pub captured: Instant,
    /// Time spent reading and decoding it.
    pub read: Duration,
}

/// A frame with its landmarks: pose → analysis.
pub struct PoseFrame {
    /// The frame.
    pub frame: Frame,
    /// The person's landmarks, `None` without a person.
    pub pose: Option<Pose>,
    /// The back's outline, when the segmentation runs (or the track has it).
    pub back: Option<BackOutline>,
    /// Time spent in the pose engine.
    pub pose_time: Duration,
}

/// A frame assessed: analysis → sinks.
pub struct Assessment {
    /// The frame.
    pub frame: Frame,
    /// The person's landmarks, `None` without a person.
    pub pose: Option<Pose>,
    /// The back's outline, when the segmentation runs (or the track has it).
    pub back: Option<BackOutline>,
    /// Every measurement of the frame.
    pub measurements: Measurements,
    /// What changed on this frame.
    pub events: Vec<Event>,
    /// Where the set stands.
    pub status: Status,
    /// Time spent in the pose engine.
    pub pose_time: Duration,
    /// Time spent in the analysis.
    pub analysis_time: Duration,
    /// When the assessment was ready: the end of the glass-to-flag latency.
    pub ready: Instant,
}

impl Assessment {
    /// Capture to assessment.
    pub fn latency(&self) -> Duration {
        self.ready.duration_since(self.frame.captured)
    }
}

/// What the analysis stage sends to the sinks.
pub enum Assessed {
    /// One frame.
    Frame(Box<Assessment>),
    /// A set ended (next set, or the end of the source): its closing events
    /// (open flags cleared, the set summary).
    SetEnd(Vec<Event>),
}

/// What the sinks ask of the analysis stage.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum AnalysisCommand {
    /// Capture the patient's neutral baseline: the hold starts after this
    /// many seconds of countdown.
    CaptureBaseline {
        /// Countdown, seconds.
        countdown_s: f64,
    },
    /// End this set and start the next.
    NextSet,
}

/// Something about the source the person should know, outside the frames.
#[derive(Clone, Debug, PartialEq)]
pub enum Notice {
    /// The camera or stream stopped giving frames; reconnecting.
    SourceLost {
        /// Which source.
        source: String,
        /// Reconnection attempts so far.
        attempt: u32,
    },
    /// The camera or stream is back.
    SourceBack {
        /// Which source.
        source: String,
    },
    /// Baseline capture progress or result, for the person to read.
    Baseline(String),
    /// A neutral baseline was captured (metric → value), to keep in the
    /// patient's profile.
    BaselineCaptured(BTreeMap<Metric, f32>),
    /// A baseline capture was refused, and why.
    BaselineFailed(String),
}
