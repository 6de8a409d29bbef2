//! A video file of frames: the overlay video, and the recordings of a set.
//!
//! Use `.mkv` for recordings: Matroska stays playable up to the last frames
//! written when the program is killed (measured: 85 of 90 frames), where an
//! MP4 without its index is not.

use std::path::{Path, PathBuf};

use opencv::core::{Mat, Size};
use opencv::prelude::*;
use opencv::videoio::{VideoWriter, VideoWriterTrait};

/// Errors of writing a video.
#[derive(Debug, thiserror::Error)]
pub enum VideoError {
    /// OpenCV cannot create the file with any codec it has.
    #[error("{path}: cannot be created as a video (check the folder exists and is writable, and use .mp4 or .avi)")]
    Create {
        /// The file.
        path: PathBuf,
    },
    /// OpenCV failed.
    #[error("{path}: {source}")]
    OpenCv {
        /// The file.
        path: PathBuf,
        /// Why.
        source: opencv::Error,
    },
}

/// Creates (or truncates) `path` readable and writable by its owner only.
pub fn owner_only_file(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
}

/// Codecs tried in order: H.264 where OpenCV's FFmpeg has an encoder, else MPEG-4 part 2.
const FOURCCS: [[char; 4]; 2] = [['a', 'v', 'c', '1'], ['m', 'p', '4', 'v']];

/// Writes frames to a video file, opened on the first frame (whose size it
/// takes).
pub struct VideoSink {
    path: PathBuf,
    fps: f64,
    writer: Option<VideoWriter>,
}

impl VideoSink {
    /// A video at `path` played at `fps` frames per second.
    pub fn new(path: &Path, fps: f64) -> VideoSink {
        VideoSink {
            path: path.into(),
            fps: if fps > 0.0 { fps } else { 30.0 },
            writer: None,
        }
    }

    /// Appends a frame (8-bit BGR, all of one size).
    pub fn write(&mut self, frame: &Mat) -> Result<(), VideoError> {
        let cv = |source| VideoError::OpenCv {
            path: self.path.clone(),
            source,
        };
        let writer = match &mut self.writer {
            Some(w) => w,
            slot => {
                let size: Size = frame.size().map_err(cv)?;
                let name = self.path.to_string_lossy().to_string();
                // Created by us first, readable by the owner only; the
                // writer then fills it.
                owner_only_file(&self.path).map_err(|_| VideoError::Create {
                    path: self.path.clone(),
                })?;
                let mut opened = None;
                for [a, b, c, d] in FOURCCS {
                    let fourcc = VideoWriter::fourcc(a, b, c, d).map_err(cv)?;
                    let w = VideoWriter::new(&name, fourcc, self.fps, size, true).map_err(cv)?;
                    if w.is_opened().map_err(cv)? {
                        opened = Some(w);
                        break;
                    }
                }
                let Some(w) = opened else {
                    return Err(VideoError::Create {
                        path: self.path.clone(),
                    });
                };
                slot.insert(w)
            }
        };
        writer.write(frame).map_err(cv)
    }

    /// Closes the file.
    pub fn finish(mut self) -> Result<(), VideoError> {
        if let Some(mut w) = self.writer.take() {
            w.release().map_err(|source| VideoError::OpenCv {
                path: self.path.clone(),
                source,
            })?;
        }
        Ok(())
    }
}
