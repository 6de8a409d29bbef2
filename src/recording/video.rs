//! A video file of frames: the overlay video, and the recordings of a set.
//!
//! Every video is MPEG-4 part 2: it plays in any desktop player, seeks to
//! within 12 frames (a key frame every 12), and encodes fast enough to keep
//! up live. H.264 was the exported videos' codec until measured: OpenCV's
//! x264 (its default preset, which OpenCV does not let one change) took
//! about half of all the processor time of a live run at 720p on 2 cores,
//! more than the pose model, and the run dropped 0.5–5 % of its frames;
//! with MPEG-4 part 2, 0.1 % (`BENCHMARKS.md`). Its files are about five
//! times larger (33 MB for 31 s of 720p). An exported video
//! ([`VideoSink::new`]) is only complete once [`VideoSink::finish`] has run.
//!
//! A recording ([`VideoSink::recording`]) must survive the program being
//! killed: it is MPEG-4 part 2 (no encoder delay, a key frame every 12
//! frames) in streaming Matroska. OpenCV's writer keeps up to 256 KiB in
//! its own buffer and a whole cluster in the muxer when it writes to a file
//! (several seconds of small frames, lost to a `kill -9`); written to a pipe
//! instead, the muxer closes a cluster at each key frame and hands it on at
//! once. So the writer writes into a named pipe in a private temporary
//! folder and a `video-copy` thread copies what comes out into the file,
//! syncing it to disk once a second. A killed recording plays up to its
//! last key frame or so (measured in `tests/session.rs`).

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use opencv::core::{Mat, Size};
use opencv::imgproc;
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
    /// The name does not end in a video container's extension.
    #[error("{path}: not a video file name: end it in .mp4, .mkv or .avi")]
    NotAVideoName {
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
    /// The thread encoding the video stopped unexpectedly.
    #[error("{path}: the video's encoder stopped unexpectedly")]
    Stopped {
        /// The file.
        path: PathBuf,
    },
    /// The recording cannot be written to disk (the disk full, the file
    /// removed...).
    #[error("{path}: {error}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        error: std::io::Error,
    },
}

/// The codec of every video: MPEG-4 part 2, without encoder delay (H.264
/// holds back over a second of frames) and fast to encode.
const FOURCC: [char; 4] = ['m', 'p', '4', 'v'];

/// The codec of a `.webm` video, which browsers play: VP8.
const WEB_FOURCC: [char; 4] = ['V', 'P', '8', '0'];

/// How often a recording is synced to disk.
const SYNC_EVERY: Duration = Duration::from_secs(1);

/// The size a video is written at, against its frames'.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Resolution {
    /// As the frames come.
    #[default]
    Full,
    /// Half their width and height: a quarter of the pixels to encode, for
    /// a machine that cannot keep up.
    Half,
}

/// Writes frames to a video file, opened on the first frame (whose size it
/// takes, or half of it).
pub struct VideoSink {
    path: PathBuf,
    fps: f64,
    streamed: bool,
    resolution: Resolution,
    scaled: Mat,
    writer: Option<VideoWriter>,
    copy: Option<PipeCopy>,
}

/// The named pipe a recording's writer writes into and the thread copying
/// from it into the file.
struct PipeCopy {
    /// Holds the pipe; removed when the copy ends.
    _pipe_dir: tempfile::TempDir,
    thread: JoinHandle<std::io::Result<()>>,
}

impl PipeCopy {
    /// Makes the pipe `NAME` (the name of `path`, whose extension tells the
    /// writer the container) and starts copying what comes out of it into
    /// `path`. The returned path is the pipe's, for the writer to open.
    fn start(path: &Path) -> std::io::Result<(PipeCopy, PathBuf)> {
        let pipe_dir = tempfile::Builder::new()
            .prefix("formcheck-video-")
            .tempdir()?;
        let pipe = pipe_dir.path().join(path.file_name().unwrap_or_default());
        nix::unistd::mkfifo(&pipe, nix::sys::stat::Mode::S_IRWXU)?;
        let mut file = crate::private_files::create_file(path)?;
        let from = pipe.clone();
        let thread = std::thread::Builder::new()
            .name("video-copy".into())
            .spawn(move || -> std::io::Result<()> {
                // Blocks until the writer opens the pipe (or the opening
                // fails and the pipe is opened to be closed at once).
                let mut source = File::open(&from)?;
                let mut chunk = vec![0u8; 1 << 16];
                let mut synced = Instant::now();
                loop {
                    let n = match source.read(&mut chunk) {
                        Ok(0) => break,
                        Ok(n) => n,
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                        Err(e) => return Err(e),
                    };
                    file.write_all(&chunk[..n])?;
                    if synced.elapsed() >= SYNC_EVERY {
                        file.sync_data()?;
                        synced = Instant::now();
                    }
                }
                file.sync_all()
            })?;
        Ok((
            PipeCopy {
                _pipe_dir: pipe_dir,
                thread,
            },
            pipe,
        ))
    }

    /// Whether the copy has stopped before its writer was closed: it failed.
    fn stopped(&self) -> bool {
        self.thread.is_finished()
    }

    /// Waits for the copy to end (after the writer closed the pipe).
    fn finish(self) -> std::io::Result<()> {
        self.thread
            .join()
            .unwrap_or_else(|_| Err(std::io::Error::other("the video copy panicked")))
    }
}

impl VideoSink {
    /// Checks, before anything is run, that `path` names a video file
    /// (OpenCV takes other names for image sequences and fails late).
    pub fn check_name(path: &Path) -> Result<(), VideoError> {
        if crate::file_kinds::is_video_name(path) {
            Ok(())
        } else {
            Err(VideoError::NotAVideoName { path: path.into() })
        }
    }

    /// An exported video at `path` played at `fps` frames per second.
    pub fn new(path: &Path, fps: f64) -> VideoSink {
        VideoSink {
            path: path.into(),
            fps: if fps > 0.0 { fps } else { 30.0 },
            streamed: false,
            resolution: Resolution::Full,
            scaled: Mat::default(),
            writer: None,
            copy: None,
        }
    }

    /// A recording at `path` (`.mkv`) played at `fps` frames per second,
    /// streamed to disk so that a killed program loses only its last
    /// moments.
    pub fn recording(path: &Path, fps: f64) -> VideoSink {
        VideoSink {
            streamed: true,
            ..VideoSink::new(path, fps)
        }
    }

    /// The same video written at `resolution`.
    pub fn at(self, resolution: Resolution) -> VideoSink {
        VideoSink { resolution, ..self }
    }

    /// The error that stopped the copy of a recording.
    fn copy_failed(&mut self) -> VideoError {
        let error = match self.copy.take().map(PipeCopy::finish) {
            Some(Err(e)) => e,
            _ => std::io::Error::other("the recording stopped being written"),
        };
        VideoError::Io {
            path: self.path.clone(),
            error,
        }
    }

    /// Opens the writer for frames of `size`.
    fn open(&mut self, size: Size) -> Result<VideoWriter, VideoError> {
        let path = self.path.clone();
        let cv = |source| VideoError::OpenCv {
            path: path.clone(),
            source,
        };
        let create = || VideoError::Create { path: path.clone() };
        let target = if self.streamed {
            let (copy, pipe) = PipeCopy::start(&self.path).map_err(|_| create())?;
            self.copy = Some(copy);
            pipe
        } else {
            // Created by us first, readable by the owner only; the writer
            // then fills it.
            crate::private_files::create_file(&self.path).map_err(|_| create())?;
            self.path.clone()
        };
        let name = target.to_string_lossy().to_string();
        let is_web = self
            .path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("webm"));
        let [a, b, c, d] = if is_web { WEB_FOURCC } else { FOURCC };
        let fourcc = VideoWriter::fourcc(a, b, c, d).map_err(cv)?;
        let w = VideoWriter::new(&name, fourcc, self.fps, size, true).map_err(cv)?;
        if w.is_opened().map_err(cv)? {
            return Ok(w);
        }
        if let Some(copy) = self.copy.take() {
            // Lets the copy, waiting for a writer, see the end at once.
            drop(File::options().write(true).open(&target));
            let _ = copy.finish();
        } else {
            // No empty file left behind under the video's name.
            let _ = std::fs::remove_file(&self.path);
        }
        Err(create())
    }

    /// The file written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends a frame (8-bit BGR, all of one size; written at half size
    /// at [`Resolution::Half`]).
    pub fn write(&mut self, frame: &Mat) -> Result<(), VideoError> {
        if self.copy.as_ref().is_some_and(PipeCopy::stopped) {
            return Err(self.copy_failed());
        }
        if self.resolution == Resolution::Full {
            return self.write_as_is(frame);
        }
        let size = frame.size().map_err(|source| self.cv(source))?;
        let half = Size::new((size.width / 2).max(1), (size.height / 2).max(1));
        let mut scaled = std::mem::take(&mut self.scaled);
        let written = imgproc::resize(frame, &mut scaled, half, 0.0, 0.0, imgproc::INTER_AREA)
            .map_err(|source| self.cv(source))
            .and_then(|()| self.write_as_is(&scaled));
        self.scaled = scaled;
        written
    }

    fn write_as_is(&mut self, frame: &Mat) -> Result<(), VideoError> {
        let writer = match self.writer.take() {
            Some(w) => w,
            None => {
                let size = frame.size().map_err(|source| self.cv(source))?;
                self.open(size)?
            }
        };
        let writer = self.writer.insert(writer);
        writer.write(frame).map_err(|source| VideoError::OpenCv {
            path: self.path.clone(),
            source,
        })
    }

    fn cv(&self, source: opencv::Error) -> VideoError {
        VideoError::OpenCv {
            path: self.path.clone(),
            source,
        }
    }

    /// Closes the file (for a recording, once all of it is on disk).
    pub fn finish(mut self) -> Result<(), VideoError> {
        if let Some(mut w) = self.writer.take() {
            w.release().map_err(|source| self.cv(source))?;
        }
        match self.copy.take().map(PipeCopy::finish) {
            Some(Err(error)) => Err(VideoError::Io {
                path: self.path.clone(),
                error,
            }),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FrameSource;
    use opencv::core::{Scalar, CV_8UC3};
    use std::os::unix::fs::PermissionsExt;

    /// A frame whose brightness tells its number.
    fn numbered(i: usize) -> Mat {
        let v = (i % 10) as f64 * 25.0;
        Mat::new_rows_cols_with_default(96, 128, CV_8UC3, Scalar::new(v, v, v, 0.0)).unwrap()
    }

    fn brightness(frame: &Mat) -> f64 {
        opencv::core::mean(frame, &opencv::core::no_array()).unwrap()[0]
    }

    #[test]
    fn a_recording_is_owner_only_and_plays_and_seeks_frame_exactly() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("raw.mkv");
        let mut sink = VideoSink::recording(&path, 30.0);
        for i in 0..90 {
            sink.write(&numbered(i)).unwrap();
        }
        sink.finish().unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);

        let mut source = FrameSource::open(&path).unwrap();
        let mut frame = Mat::default();
        let mut played = 0;
        while source.read(&mut frame).unwrap().is_some() {
            assert!((brightness(&frame) - brightness(&numbered(played))).abs() < 6.0);
            played += 1;
        }
        assert_eq!(played, 90);
        for target in [75, 13, 46] {
            source.seek(target as u64).unwrap();
            source.read(&mut frame).unwrap().unwrap();
            assert!(
                (brightness(&frame) - brightness(&numbered(target))).abs() < 6.0,
                "frame {target} after a seek"
            );
        }
    }

    #[test]
    fn a_recording_at_half_resolution_is_half_as_wide_and_high_and_keeps_every_frame() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("overlay.mkv");
        let mut sink = VideoSink::recording(&path, 30.0).at(Resolution::Half);
        for i in 0..30 {
            sink.write(&numbered(i)).unwrap();
        }
        sink.finish().unwrap();
        let mut source = FrameSource::open(&path).unwrap();
        let mut frame = Mat::default();
        let mut played = 0;
        while source.read(&mut frame).unwrap().is_some() {
            assert_eq!(frame.size().unwrap(), Size::new(64, 48));
            assert!((brightness(&frame) - brightness(&numbered(played))).abs() < 6.0);
            played += 1;
        }
        assert_eq!(played, 30);
    }

    #[test]
    fn a_recording_that_cannot_be_written_says_which_file() {
        let path = Path::new("/nonexistent-folder/raw.mkv");
        let mut sink = VideoSink::recording(path, 30.0);
        let err = sink.write(&numbered(0)).unwrap_err();
        assert!(matches!(err, VideoError::Create { .. }), "{err}");
        assert!(
            err.to_string().contains("/nonexistent-folder/raw.mkv"),
            "{err}"
        );
    }
}
