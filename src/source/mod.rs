//! Frames in: still images and video files through OpenCV.
//!
//! A [`FrameSource`] hands out 8-bit BGR frames one at a time into a
//! caller-owned `Mat` (no allocation per frame once its size is set), with
//! the frame's index and its timestamp from the capture, never from the wall
//! clock.

use std::path::{Path, PathBuf};

use opencv::core::Mat;
use opencv::imgcodecs;
use opencv::prelude::*;
use opencv::videoio::{self, VideoCapture};

/// Errors while opening or reading a source.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The path does not exist.
    #[error("{path}: no such file")]
    NotFound {
        /// The path given.
        path: PathBuf,
    },
    /// The file is neither an image nor a video OpenCV can decode.
    #[error("{path}: not an image or a video that can be decoded")]
    Unreadable {
        /// The path given.
        path: PathBuf,
    },
    /// The file opened as a video but no frame could be decoded from it.
    #[error("{path}: no frame could be decoded (an empty or corrupt video)")]
    Empty {
        /// The path given.
        path: PathBuf,
    },
    /// OpenCV failed while reading.
    #[error("{path}: {source}")]
    Read {
        /// The path given.
        path: PathBuf,
        /// OpenCV's error.
        source: opencv::Error,
    },
}

/// Where a frame sits in its source.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FrameInfo {
    /// 0-based frame number.
    pub index: u64,
    /// Presentation time in milliseconds from the start of the source.
    pub t_ms: f64,
}

enum Kind {
    Image(Option<Mat>),
    Video(VideoCapture),
}

/// A still image or a video file, read frame by frame.
pub struct FrameSource {
    path: PathBuf,
    kind: Kind,
    fps: f64,
    next_index: u64,
}

/// Frame rate assumed when a video does not state one.
const FALLBACK_FPS: f64 = 30.0;

impl FrameSource {
    /// Opens `path` as an image if OpenCV recognises it as one, else as a
    /// video.
    pub fn open(path: &Path) -> Result<FrameSource, SourceError> {
        if !path.exists() {
            return Err(SourceError::NotFound { path: path.into() });
        }
        let read_err = |source| SourceError::Read {
            path: path.into(),
            source,
        };
        let is_image = imgcodecs::have_image_reader(path).unwrap_or(false);
        if is_image {
            let image = imgcodecs::imread(path, imgcodecs::IMREAD_COLOR).map_err(read_err)?;
            if image.empty() {
                return Err(SourceError::Unreadable { path: path.into() });
            }
            return Ok(FrameSource {
                path: path.into(),
                kind: Kind::Image(Some(image)),
                fps: 0.0,
                next_index: 0,
            });
        }
        let capture = VideoCapture::from_file(path, videoio::CAP_FFMPEG).map_err(read_err)?;
        if !capture.is_opened().map_err(read_err)? {
            return Err(SourceError::Unreadable { path: path.into() });
        }
        let fps = capture.get(videoio::CAP_PROP_FPS).map_err(read_err)?;
        Ok(FrameSource {
            path: path.into(),
            kind: Kind::Video(capture),
            fps: if fps.is_finite() && fps > 0.0 {
                fps
            } else {
                FALLBACK_FPS
            },
            next_index: 0,
        })
    }

    /// The file this source reads.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Frames per second of a video (0 for an image).
    pub fn fps(&self) -> f64 {
        self.fps
    }

    /// Whether the source is a single still image.
    pub fn is_image(&self) -> bool {
        matches!(self.kind, Kind::Image(_))
    }

    /// Reads the next frame into `frame`; `None` at the end. A video that
    /// ends before its first frame is [`SourceError::Empty`].
    pub fn read(&mut self, frame: &mut Mat) -> Result<Option<FrameInfo>, SourceError> {
        let index = self.next_index;
        let read_err = |source| SourceError::Read {
            path: self.path.clone(),
            source,
        };
        let t_ms = match &mut self.kind {
            Kind::Image(image) => {
                let Some(image) = image.take() else {
                    return Ok(None);
                };
                *frame = image;
                0.0
            }
            Kind::Video(capture) => {
                if !capture.read(frame).map_err(read_err)? || frame.empty() {
                    if index == 0 {
                        return Err(SourceError::Empty {
                            path: self.path.clone(),
                        });
                    }
                    return Ok(None);
                }
                index as f64 * 1000.0 / self.fps
            }
        };
        self.next_index += 1;
        Ok(Some(FrameInfo { index, t_ms }))
    }
}
