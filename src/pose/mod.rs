//! The pose engine: BlazePose on ONNX Runtime, reproducing MediaPipe's
//! legacy Pose solution (0.10.14) on both of its stages.
//!
//! A frame goes through two models. The *detector* finds a person in the
//! whole frame and gives two keypoints, the hip centre and a scale point,
//! from which a rotated square *region of interest* is cut around the body.
//! The *landmark model* looks only inside that region and returns 33 body
//! landmarks (image and world coordinates, visibility, presence) plus two
//! auxiliary points. In video mode the auxiliary points of one frame give
//! the region of the next, so the detector runs only when the track is lost,
//! and the landmarks are smoothed over time.
//!
//! Every stage owns its buffers: in steady state a frame allocates nothing.

pub mod anchors;
pub mod detector;
pub mod image_to_tensor;
pub mod landmarker;
pub mod model;
pub mod roi;
pub mod smoothing;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use opencv::core::Mat;

use crate::body::{ImageSize, Pose};
use opencv::prelude::*;

pub use detector::Detection;
pub use model::{ModelError, ModelKind};
pub use roi::Roi;

use detector::Detector;
use landmarker::{Landmarker, RawPose};
use model::ModelStore;
use smoothing::PoseSmoother;

/// Errors of the pose engine while processing a frame.
#[derive(Debug, thiserror::Error)]
pub enum PoseError {
    /// A model failed to load or to run.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// OpenCV failed on the frame.
    #[error("image operation failed: {0}")]
    Image(#[from] opencv::Error),
    /// The frame has no pixels, or is not 8-bit BGR.
    #[error("frame is empty or not 8-bit 3-channel BGR")]
    BadFrame,
}

/// How frames relate to each other.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunningMode {
    /// Every frame on its own: detector, then landmarks; no smoothing
    /// (MediaPipe's `static_image_mode=True`).
    Image,
    /// A sequence: the region follows the body from frame to frame, the
    /// detector runs only when the track is lost, landmarks are smoothed.
    Video,
}

/// How to build a [`PoseEngine`].
#[derive(Clone, Debug)]
pub struct PoseOptions {
    /// Which landmark model.
    pub model: ModelKind,
    /// Image or video mode.
    pub mode: RunningMode,
    /// Smooth landmarks over time (video mode only).
    pub smooth: bool,
    /// Refine landmarks on the model's heatmap, as MediaPipe does.
    pub refine: bool,
    /// ONNX Runtime intra-op threads per model.
    pub threads: usize,
    /// Folder with the models and their manifest.
    pub models_dir: PathBuf,
    /// Also run the model's segmentation of the person (for the back's
    /// outline), at about twice the landmark model's cost.
    pub segmentation: bool,
}

impl Default for PoseOptions {
    fn default() -> Self {
        PoseOptions {
            model: ModelKind::Full,
            mode: RunningMode::Video,
            smooth: true,
            refine: true,
            threads: 1,
            models_dir: ModelStore::default_dir(),
            segmentation: false,
        }
    }
}

/// Time spent in each stage on the last frame.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct StageTimes {
    /// Warping frames into model inputs.
    pub preprocess: Duration,
    /// Running the detector (zero when the track held).
    pub detector: Duration,
    /// Running the landmark model.
    pub landmark: Duration,
    /// Decoding outputs, suppression, projection and smoothing.
    pub postprocess: Duration,
    /// Whether the detector ran.
    pub detector_ran: bool,
}

/// The logistic function, which turns the models' logits into probabilities.
pub(crate) fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// The size of `frame`, once it is known to be a non-empty 8-bit BGR image.
fn check_frame(frame: &Mat) -> Result<ImageSize, PoseError> {
    if frame.empty() || frame.typ() != opencv::core::CV_8UC3 {
        return Err(PoseError::BadFrame);
    }
    Ok(ImageSize::of(frame)?)
}

/// Turns frames into BlazePose landmarks.
pub struct PoseEngine {
    options: PoseOptions,
    detector: Detector,
    landmarker: Landmarker,
    smoother: PoseSmoother,
    track: Option<Roi>,
    last_roi: Option<Roi>,
    raw: RawPose,
    times: StageTimes,
}

impl PoseEngine {
    /// Loads and verifies the detector and the landmark model.
    pub fn new(options: PoseOptions) -> Result<PoseEngine, ModelError> {
        let store = ModelStore::open(&options.models_dir)?;
        Ok(PoseEngine {
            detector: Detector::load(&store, options.threads)?,
            landmarker: Landmarker::load(
                &store,
                options.model,
                options.threads,
                options.segmentation,
            )?,
            smoother: PoseSmoother::default(),
            track: None,
            last_roi: None,
            raw: RawPose::default(),
            times: StageTimes::default(),
            options,
        })
    }

    /// The options the engine was built with.
    pub fn options(&self) -> &PoseOptions {
        &self.options
    }

    /// Forgets the track and the smoothing history: the next frame starts
    /// with the detector.
    pub fn reset(&mut self) {
        self.track = None;
        self.smoother.reset();
    }

    /// Drops the track as a frame without a person does: the next frame
    /// starts with the detector, and the smoothing restarts as MediaPipe's
    /// does (image coordinates afresh, visibility and world kept).
    pub fn lose_track(&mut self) {
        self.track = None;
        self.smoother.track_lost();
    }

    /// Finds the pose in `frame` (8-bit BGR), captured at `time_us`
    /// microseconds (used by the smoothing in video mode). `None` when there
    /// is no person.
    pub fn process(&mut self, frame: &Mat, time_us: i64) -> Result<Option<&Pose>, PoseError> {
        let size = check_frame(frame)?;
        let video = self.options.mode == RunningMode::Video;
        self.times = StageTimes::default();
        self.last_roi = None;

        let roi = match self.track.filter(|_| video) {
            Some(roi) => roi,
            None => match self.detect(frame, size)? {
                Some(roi) => roi,
                None => {
                    self.lose_track();
                    return Ok(None);
                }
            },
        };
        self.landmarks_in(frame, size, roi, time_us)
    }

    /// Finds the pose inside `roi` of `frame` (8-bit BGR) without running
    /// the detector: the landmark stage alone, then, in video mode,
    /// smoothing and the region for the next frame. For a region chosen
    /// elsewhere (by the user, another tracker, or a reference run).
    pub fn process_in_roi(
        &mut self,
        frame: &Mat,
        roi: Roi,
        time_us: i64,
    ) -> Result<Option<&Pose>, PoseError> {
        let size = check_frame(frame)?;
        self.times = StageTimes::default();
        self.landmarks_in(frame, size, roi, time_us)
    }

    fn landmarks_in(
        &mut self,
        frame: &Mat,
        size: ImageSize,
        roi: Roi,
        time_us: i64,
    ) -> Result<Option<&Pose>, PoseError> {
        let video = self.options.mode == RunningMode::Video;
        self.last_roi = Some(roi);

        let t = Instant::now();
        self.landmarker.preprocess(frame, &roi)?;
        self.times.preprocess += t.elapsed();
        let t = Instant::now();
        self.landmarker.infer()?;
        self.times.landmark = t.elapsed();

        let t = Instant::now();
        let found = self
            .landmarker
            .postprocess(&roi, self.options.refine, &mut self.raw);
        if found && video {
            if self.options.smooth {
                self.smoother.apply(&mut self.raw, size, time_us);
            }
            let [hips, scale] = self.raw.aux.map(|a| [a.x, a.y]);
            self.track = Some(Roi::for_body(hips, scale, size));
        }
        self.times.postprocess += t.elapsed();
        if !found {
            self.lose_track();
            return Ok(None);
        }
        Ok(Some(&self.raw.pose))
    }

    fn detect(&mut self, frame: &Mat, size: ImageSize) -> Result<Option<Roi>, PoseError> {
        self.times.detector_ran = true;
        let t = Instant::now();
        self.detector.preprocess(frame)?;
        self.times.preprocess += t.elapsed();
        let t = Instant::now();
        self.detector.infer()?;
        self.times.detector = t.elapsed();
        let t = Instant::now();
        let roi = self.detector.postprocess().map(|d| d.roi(size));
        self.times.postprocess += t.elapsed();
        Ok(roi)
    }

    /// Stage times of the last frame.
    pub fn times(&self) -> &StageTimes {
        &self.times
    }

    /// The region the next frame will be looked at in (video mode), from
    /// the last frame's landmarks; `None` when the track is lost.
    pub fn next_roi(&self) -> Option<Roi> {
        self.track
    }

    /// The region the landmark model looked at on the last frame.
    pub fn last_roi(&self) -> Option<Roi> {
        self.last_roi
    }

    /// The person's segmentation on the last frame, in the landmark model's
    /// 256×256 input over [`PoseEngine::last_roi`]: logits, row-major
    /// (`None` unless [`PoseOptions::segmentation`]).
    pub fn segmentation_logits(&self) -> Option<&[f32]> {
        self.last_roi?;
        self.landmarker.segmentation_logits()
    }
}
