//! A video encoded on its own thread: encoding a large frame takes longer
//! than drawing it (about 10 ms at 720p, more at 1080p), and on the live
//! path that time would hold up the next frame's assessment. The caller
//! hands over a copy of each frame through a short bounded queue; when the
//! encoder falls behind the queue fills and the caller waits (a live source
//! then drops stale frames and counts them), so no frame of the video is
//! skipped.

use std::path::PathBuf;
use std::thread::JoinHandle;

use crossbeam_channel::{bounded, Sender};
use opencv::core::Mat;
use opencv::prelude::MatTraitConst;

use super::video::{VideoError, VideoSink};

/// Frames waiting for the encoder at most: enough to ride out a slow frame,
/// few enough that a stopping run does not wait long for the file.
const QUEUE: usize = 4;

/// A [`VideoSink`] written on its own thread.
pub struct VideoEncoder {
    path: PathBuf,
    frames: Option<Sender<Mat>>,
    thread: Option<JoinHandle<Result<(), VideoError>>>,
}

impl VideoEncoder {
    /// Starts a thread named `name` that writes the frames given to
    /// [`write`](Self::write) into `sink`.
    pub fn start(sink: VideoSink, name: &str) -> Result<VideoEncoder, VideoError> {
        let path = sink.path().to_path_buf();
        let (frames, queue) = bounded::<Mat>(QUEUE);
        let thread = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || {
                let mut sink = sink;
                for frame in queue {
                    sink.write(&frame)?;
                }
                sink.finish()
            })
            .map_err(|error| VideoError::Io {
                path: path.clone(),
                error,
            })?;
        Ok(VideoEncoder {
            path,
            frames: Some(frames),
            thread: Some(thread),
        })
    }

    /// Queues a copy of `frame`; waits while the queue is full. An error of
    /// the encoder (the disk full...) comes back here, at the next frame.
    pub fn write(&mut self, frame: &Mat) -> Result<(), VideoError> {
        let copy = frame.try_clone().map_err(|source| VideoError::OpenCv {
            path: self.path.clone(),
            source,
        })?;
        let sent = self.frames.as_ref().map(|f| f.send(copy));
        match sent {
            Some(Ok(())) => Ok(()),
            _ => Err(self.stop().err().unwrap_or_else(|| self.stopped())),
        }
    }

    /// Writes the frames still queued and closes the file.
    pub fn finish(mut self) -> Result<(), VideoError> {
        self.stop()
    }

    /// Ends the queue and waits for the thread: its result.
    fn stop(&mut self) -> Result<(), VideoError> {
        self.frames = None;
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(self.stopped()),
            None => Ok(()),
        }
    }

    fn stopped(&self) -> VideoError {
        VideoError::Stopped {
            path: self.path.clone(),
        }
    }
}

impl Drop for VideoEncoder {
    /// A video not finished (the run failing) is still closed, so that what
    /// was written plays.
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FrameSource;
    use opencv::core::{Scalar, CV_8UC3};

    fn grey(v: f64) -> Mat {
        Mat::new_rows_cols_with_default(96, 128, CV_8UC3, Scalar::new(v, v, v, 0.0)).unwrap()
    }

    #[test]
    fn every_frame_given_is_in_the_file_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("overlay.mkv");
        let sink = VideoSink::recording(&path, 30.0);
        let mut encoder = VideoEncoder::start(sink, "test-encoder").unwrap();
        for i in 0..40 {
            encoder.write(&grey(f64::from(i % 2) * 200.0)).unwrap();
        }
        encoder.finish().unwrap();
        let mut source = FrameSource::open(&path).unwrap();
        let mut frame = Mat::default();
        let mut played = 0;
        while source.read(&mut frame).unwrap().is_some() {
            let v = opencv::core::mean(&frame, &opencv::core::no_array()).unwrap()[0];
            let want = f64::from(played % 2) * 200.0;
            assert!((v - want).abs() < 10.0, "frame {played}: {v} for {want}");
            played += 1;
        }
        assert_eq!(played, 40);
    }

    #[test]
    fn a_file_that_cannot_be_written_says_so_at_the_next_frame() {
        let path = PathBuf::from("/nonexistent-folder/overlay.mkv");
        let sink = VideoSink::recording(&path, 30.0);
        let mut encoder = VideoEncoder::start(sink, "test-encoder").unwrap();
        let mut result = Ok(());
        for _ in 0..10 {
            result = encoder.write(&grey(0.0));
            if result.is_err() {
                break;
            }
        }
        let err = result.err().or_else(|| encoder.finish().err()).unwrap();
        assert!(matches!(err, VideoError::Create { .. }), "{err}");
    }
}
