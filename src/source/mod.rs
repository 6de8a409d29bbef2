//! Frames in: still images, video files, cameras and streams through OpenCV.
//!
//! A [`FrameSource`] hands out 8-bit BGR frames one at a time into a
//! caller-owned `Mat` (no allocation per frame once its size is set), with
//! the frame's index and its timestamp from the capture: a file's own
//! timeline, a camera's buffer timestamps where the driver gives them, else
//! the monotonic clock when the frame was grabbed (never the wall clock).

use std::path::{Path, PathBuf};

use crate::time::SourceTime;
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
    /// No camera answers at that index.
    #[error("camera {index} cannot be opened: check it is plugged in and not used by another program (cameras found by the system are /dev/video*)")]
    NoCamera {
        /// The camera index.
        index: i32,
    },
    /// A stream URL cannot be opened.
    #[error(
        "{url}: the stream cannot be opened; check the address and that the stream is running"
    )]
    NoStream {
        /// The URL.
        url: String,
    },
    /// Only a video file can be moved around in.
    #[error("{path}: cannot go to frame {index} (only a video file can be sought)")]
    NotSeekable {
        /// The source.
        path: PathBuf,
        /// The frame asked for.
        index: u64,
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
    /// Presentation time, from the start of the source.
    pub t_ms: SourceTime,
}

/// What to read frames from.
#[derive(Clone, Debug, PartialEq)]
pub enum SourceSpec {
    /// An image or a video file.
    File(PathBuf),
    /// A camera by index, with the resolution and frame rate asked of it.
    Camera {
        /// Index (`/dev/videoN` on Linux).
        index: i32,
        /// Requested width, pixels.
        width: u32,
        /// Requested height, pixels.
        height: u32,
        /// Requested frames per second.
        fps: f64,
    },
    /// Anything else OpenCV's `VideoCapture` opens: an RTSP or HTTP stream.
    Stream(String),
}

impl SourceSpec {
    /// Whether frames come at the source's pace rather than as fast as they
    /// are read (cameras and streams).
    pub fn is_live(&self) -> bool {
        !matches!(self, SourceSpec::File(_))
    }

    /// A name for messages.
    pub fn describe(&self) -> String {
        match self {
            SourceSpec::File(path) => path.display().to_string(),
            SourceSpec::Camera { index, .. } => format!("camera {index}"),
            SourceSpec::Stream(url) => url.clone(),
        }
    }
}

enum Kind {
    Image(Option<Mat>),
    Video(VideoCapture),
    Live {
        capture: VideoCapture,
        opened: std::time::Instant,
        last_ms: f64,
    },
}

/// A still image or a video file, read frame by frame.
pub struct FrameSource {
    path: PathBuf,
    kind: Kind,
    fps: f64,
    next_index: u64,
    grabbed: Option<std::time::Instant>,
    /// Whether a video's early end has been said.
    said_cut_short: bool,
}

/// Grabs the next frame, noting when it was there, then decodes it into
/// `frame`; whether there was one.
fn grab(
    capture: &mut VideoCapture,
    frame: &mut Mat,
    grabbed: &mut Option<std::time::Instant>,
) -> opencv::Result<bool> {
    if !capture.grab()? {
        return Ok(false);
    }
    *grabbed = Some(std::time::Instant::now());
    capture.retrieve(frame, 0)
}

/// Frame rate assumed when a video does not state one.
const FALLBACK_FPS: f64 = 30.0;
/// Frames a video may end short of its declared length without being said
/// to be cut short.
const CUT_SHORT_SLACK_FRAMES: u64 = 2;

impl FrameSource {
    /// Opens any source.
    pub fn open_spec(spec: &SourceSpec) -> Result<FrameSource, SourceError> {
        match spec {
            SourceSpec::File(path) => FrameSource::open(path),
            SourceSpec::Camera {
                index,
                width,
                height,
                fps,
            } => FrameSource::camera(*index, *width, *height, *fps),
            SourceSpec::Stream(url) => FrameSource::stream(url),
        }
    }

    /// Opens camera `index`, asking for `width`×`height` at `fps` (the
    /// camera may give something else; the frames say what it gave).
    pub fn camera(
        index: i32,
        width: u32,
        height: u32,
        fps: f64,
    ) -> Result<FrameSource, SourceError> {
        let path = PathBuf::from(format!("camera {index}"));
        let read_err = |source| SourceError::Read {
            path: path.clone(),
            source,
        };
        let mut capture = VideoCapture::new(index, videoio::CAP_ANY).map_err(read_err)?;
        if !capture.is_opened().map_err(read_err)? {
            return Err(SourceError::NoCamera { index });
        }
        // Best effort: a camera that cannot honour these keeps its own.
        for (property, value) in [
            (videoio::CAP_PROP_FRAME_WIDTH, f64::from(width)),
            (videoio::CAP_PROP_FRAME_HEIGHT, f64::from(height)),
            (videoio::CAP_PROP_FPS, fps),
        ] {
            capture.set(property, value).map_err(read_err)?;
        }
        FrameSource::live(path, capture)
    }

    /// Opens a stream URL (RTSP, HTTP, ...).
    pub fn stream(url: &str) -> Result<FrameSource, SourceError> {
        let path = PathBuf::from(url);
        let read_err = |source| SourceError::Read {
            path: path.clone(),
            source,
        };
        let capture = VideoCapture::from_file(url, videoio::CAP_FFMPEG).map_err(read_err)?;
        if !capture.is_opened().map_err(read_err)? {
            return Err(SourceError::NoStream { url: url.into() });
        }
        FrameSource::live(path, capture)
    }

    fn live(path: PathBuf, capture: VideoCapture) -> Result<FrameSource, SourceError> {
        let fps = capture
            .get(videoio::CAP_PROP_FPS)
            .map_err(|source| SourceError::Read {
                path: path.clone(),
                source,
            })?;
        Ok(FrameSource {
            path,
            kind: Kind::Live {
                capture,
                opened: std::time::Instant::now(),
                last_ms: f64::NEG_INFINITY,
            },
            fps: if fps.is_finite() && fps > 0.0 {
                fps
            } else {
                FALLBACK_FPS
            },
            next_index: 0,
            grabbed: None,
            said_cut_short: false,
        })
    }

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
                grabbed: None,
                said_cut_short: false,
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
            grabbed: None,
            said_cut_short: false,
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

    /// When the last frame read was grabbed (before it was decoded): the
    /// moment it was there to be seen. `None` for an image.
    pub fn grabbed_at(&self) -> Option<std::time::Instant> {
        self.grabbed
    }

    /// Whether the source is a camera or a stream.
    pub fn is_live(&self) -> bool {
        matches!(self.kind, Kind::Live { .. })
    }

    /// Whether the source is a single still image.
    pub fn is_image(&self) -> bool {
        matches!(self.kind, Kind::Image(_))
    }

    /// How many frames a video file says it has (`None` for other sources,
    /// or when the container does not say).
    pub fn frame_count(&self) -> Option<u64> {
        let Kind::Video(capture) = &self.kind else {
            return None;
        };
        let count = capture.get(videoio::CAP_PROP_FRAME_COUNT).ok()?;
        (count.is_finite() && count >= 1.0).then_some(count as u64)
    }

    /// Makes frame `index` (0-based) of a video file the next one read.
    ///
    /// A video that does not say how long it is (a set's recording, streamed
    /// to disk as it was made) cannot be sought by OpenCV: it is read
    /// forward to `index` instead, from the start when going back, which
    /// costs a decode per frame passed.
    pub fn seek(&mut self, index: u64) -> Result<(), SourceError> {
        let not_seekable = || SourceError::NotSeekable {
            path: self.path.clone(),
            index,
        };
        let read_err = |source| SourceError::Read {
            path: self.path.clone(),
            source,
        };
        let known_length = self.frame_count().is_some();
        let Kind::Video(capture) = &mut self.kind else {
            return Err(not_seekable());
        };
        if known_length {
            if !capture
                .set(videoio::CAP_PROP_POS_FRAMES, index as f64)
                .map_err(read_err)?
            {
                return Err(not_seekable());
            }
            self.next_index = index;
            return Ok(());
        }
        if index < self.next_index {
            *capture =
                VideoCapture::from_file(&self.path, videoio::CAP_FFMPEG).map_err(read_err)?;
            self.next_index = 0;
        }
        while self.next_index < index {
            if !capture.grab().map_err(read_err)? {
                return Err(not_seekable());
            }
            self.next_index += 1;
        }
        Ok(())
    }

    /// Says so when a video file ends well before the frames it declares
    /// (a file cut short by a full disk or an interrupted copy): what was
    /// read is analysed, and the person knows it is not the whole set.
    fn say_if_cut_short(&mut self, read: u64) {
        let Some(declared) = self.frame_count() else {
            return;
        };
        // Containers estimate their length from the duration: a frame or
        // two either way is not a cut.
        if read + CUT_SHORT_SLACK_FRAMES < declared && !self.said_cut_short {
            self.said_cut_short = true;
            tracing::warn!(
                "{}: the video ended after {read} of the {declared} frames it declares: \
                 it may be cut short; only those were analysed",
                self.path.display()
            );
        }
    }

    /// Reads the next frame into `frame`; `None` at the end (for a camera or
    /// a stream: it stopped giving frames). A video that ends before its
    /// first frame is [`SourceError::Empty`].
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
                if !grab(capture, frame, &mut self.grabbed).map_err(read_err)? || frame.empty() {
                    if index == 0 {
                        return Err(SourceError::Empty {
                            path: self.path.clone(),
                        });
                    }
                    self.say_if_cut_short(index);
                    return Ok(None);
                }
                index as f64 * 1000.0 / self.fps
            }
            Kind::Live {
                capture,
                opened,
                last_ms,
            } => {
                if !grab(capture, frame, &mut self.grabbed).map_err(read_err)? || frame.empty() {
                    return Ok(None);
                }
                // The driver's timestamp where it gives one that moves on,
                // else the monotonic time of the grab.
                let driver = capture.get(videoio::CAP_PROP_POS_MSEC).unwrap_or(0.0);
                let grabbed = opened.elapsed().as_secs_f64() * 1000.0;
                let t = if driver.is_finite() && driver > *last_ms && driver > 0.0 {
                    driver
                } else {
                    grabbed.max(*last_ms + 1e-3)
                };
                *last_ms = t;
                t
            }
        };
        self.next_index += 1;
        Ok(Some(FrameInfo {
            index,
            t_ms: SourceTime::from_ms(t_ms),
        }))
    }
}

/// The sample video `make setup` fetches, for the unit tests.
#[cfg(test)]
pub(crate) fn demo() -> PathBuf {
    let path = crate::data_dir::path(".cache/samples/demo.mp4");
    assert!(
        path.is_file(),
        "{} is missing: run `make setup`",
        path.display()
    );
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mean_difference(a: &Mat, b: &Mat) -> f64 {
        let mut diff = Mat::default();
        opencv::core::absdiff(a, b, &mut diff).unwrap();
        let mean = opencv::core::mean(&diff, &opencv::core::no_array()).unwrap();
        (mean[0] + mean[1] + mean[2]) / 3.0
    }

    #[test]
    fn a_video_sought_to_a_frame_reads_that_frame() {
        let mut source = FrameSource::open(&demo()).unwrap();
        assert_eq!(source.frame_count(), Some(230));
        let mut frames = Vec::new();
        let mut frame = Mat::default();
        while let Some(info) = source.read(&mut frame).unwrap() {
            assert_eq!(info.index, frames.len() as u64);
            frames.push(frame.try_clone().unwrap());
        }
        for index in [150, 3, 0, 229, 100, 101] {
            source.seek(index).unwrap();
            let info = source.read(&mut frame).unwrap().expect("a frame");
            assert_eq!(info.index, index);
            assert_eq!(info.t_ms.ms(), index as f64 * 1000.0 / source.fps());
            let exact = mean_difference(&frame, &frames[index as usize]);
            assert!(exact < 0.5, "frame {index}: differs by {exact}");
        }
    }

    #[test]
    fn only_a_video_can_be_sought() {
        let image = demo().with_file_name("astronaut.png");
        let mut source = FrameSource::open(&image).unwrap();
        assert_eq!(source.frame_count(), None);
        assert!(matches!(
            source.seek(0),
            Err(SourceError::NotSeekable { index: 0, .. })
        ));
    }
}
