//! A recording made playable in a browser: the set's video (MPEG-4 part 2,
//! which browsers do not play) re-encoded as WebM (VP8), for the
//! dashboard's set page.

use std::path::Path;

use opencv::core::Mat;
use opencv::prelude::*;
use opencv::videoio::{VideoCapture, CAP_ANY, CAP_PROP_FPS};

use super::video::{VideoError, VideoSink};

/// Re-encodes the video at `source` into `target` (`.webm`), frame for
/// frame at the same rate; the frames written. `target` is written under a
/// temporary name and renamed when complete, so a reader never sees half a
/// video.
pub fn to_web(source: &Path, target: &Path) -> Result<u64, VideoError> {
    let cv = |e| VideoError::OpenCv {
        path: source.to_path_buf(),
        source: e,
    };
    let mut capture = VideoCapture::from_file(source, CAP_ANY).map_err(cv)?;
    if !capture.is_opened().map_err(cv)? {
        return Err(VideoError::Create {
            path: source.to_path_buf(),
        });
    }
    let fps = capture.get(CAP_PROP_FPS).map_err(cv)?;
    let partial = target.with_extension("part.webm");
    let mut sink = VideoSink::new(&partial, fps);
    let mut frame = Mat::default();
    let mut frames = 0u64;
    while capture.read(&mut frame).map_err(cv)? && !frame.empty() {
        sink.write(&frame)?;
        frames += 1;
    }
    sink.finish()?;
    std::fs::rename(&partial, target).map_err(|error| VideoError::Io {
        path: target.to_path_buf(),
        error,
    })?;
    Ok(frames)
}
