//! Recording a set into its folder: the raw video, the video with the
//! display drawn in, the landmark track, the events and every measurement.
//!
//! The writing happens on a `recorder` thread, fed through a short bounded
//! queue: encoding two videos per frame takes longer than drawing it, and
//! must not hold up the display. When the recorder falls behind, the queue
//! fills and the caller waits (a live source then drops stale frames, and
//! counts them); no recorded frame is skipped.
//!
//! Everything is written as it comes and flushed at least once a second,
//! so a crash, Ctrl-C or a lost camera loses at most the last second. Files
//! and the folder are readable by their owner only. A set cut short (the
//! program killed mid-set) is put right by [`recover`]: the text files lose
//! their last, half-written line; the Matroska videos play up to the last
//! frames written.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Seek};
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{bounded, Sender};
use opencv::core::Mat;
use opencv::prelude::MatTraitConst;

use crate::analysis::events::Event;
use crate::pipeline::messages::Assessment;
use crate::private_files;
use crate::recording::events::EventWriter;
use crate::recording::metrics::MetricsWriter;
use crate::recording::track::TrackWriter;
use crate::recording::video::{Resolution, VideoError, VideoSink};

/// How often everything is flushed to disk.
const FLUSH_EVERY: Duration = Duration::from_secs(1);

/// Frames waiting for the recorder thread at most.
const RECORD_QUEUE: usize = 4;

/// The files of a set folder, by kind.
pub const FILES: [(&str, &str); 5] = [
    ("raw_video", "raw.mkv"),
    ("overlay_video", "overlay.mkv"),
    ("track", "track.jsonl"),
    ("events", "events.jsonl"),
    ("metrics", "metrics.csv"),
];

/// The text files whose last line may be half-written after a crash.
const LINE_FILES: [&str; 3] = ["track.jsonl", "events.jsonl", "metrics.csv"];

/// Errors of recording a set.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// The folder or a file cannot be created or written (the disk full, a
    /// folder without write permission...).
    #[error("{path}: {error}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// Why.
        error: std::io::Error,
    },
    /// A video cannot be written.
    #[error(transparent)]
    Video(#[from] VideoError),
    /// The recorder thread died.
    #[error("the recorder of {0} stopped unexpectedly")]
    Stopped(PathBuf),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> RecordError + '_ {
    move |error| RecordError::Io {
        path: path.into(),
        error,
    }
}

/// The files of a set being written (on the recorder thread).
struct SetFiles {
    dir: PathBuf,
    raw: VideoSink,
    overlay: VideoSink,
    track: TrackWriter<BufWriter<File>>,
    events: EventWriter<BufWriter<File>>,
    metrics: MetricsWriter<BufWriter<File>>,
    flushed: Instant,
}

impl SetFiles {
    /// Creates the set folder `dir` and its files; videos play at `fps`,
    /// written at `resolution`.
    fn create(dir: &Path, fps: f64, resolution: Resolution) -> Result<SetFiles, RecordError> {
        private_files::create_dir(dir).map_err(io(dir))?;
        let text = |name: &str| -> Result<BufWriter<File>, RecordError> {
            let path = dir.join(name);
            private_files::create_file(&path)
                .map(BufWriter::new)
                .map_err(io(&path))
        };
        let metrics_path = dir.join("metrics.csv");
        Ok(SetFiles {
            raw: VideoSink::recording(&dir.join("raw.mkv"), fps).at(resolution),
            overlay: VideoSink::recording(&dir.join("overlay.mkv"), fps).at(resolution),
            track: TrackWriter::new(text("track.jsonl")?),
            events: EventWriter::new(text("events.jsonl")?),
            metrics: MetricsWriter::new(text("metrics.csv")?).map_err(io(&metrics_path))?,
            flushed: Instant::now(),
            dir: dir.into(),
        })
    }

    /// Records a frame: the picture as the camera gave it, and the assessed
    /// frame, its picture as shown, landmarks, events and measurements.
    fn frame(&mut self, raw: &Mat, a: &Assessment) -> Result<(), RecordError> {
        if !raw.empty() {
            self.raw.write(raw)?;
        }
        if !a.frame.image.empty() {
            self.overlay.write(&a.frame.image)?;
        }
        let path = |name: &str| self.dir.join(name);
        self.track
            .write(
                &a.frame.info,
                a.frame.size,
                a.pose.as_ref(),
                a.back.as_ref(),
            )
            .map_err(io(&path("track.jsonl")))?;
        self.events
            .write(&a.events)
            .map_err(io(&path("events.jsonl")))?;
        self.metrics
            .write(a.frame.info.index, a.frame.info.t_ms, &a.measurements)
            .map_err(io(&path("metrics.csv")))?;
        if self.flushed.elapsed() >= FLUSH_EVERY {
            self.flush()?;
        }
        Ok(())
    }

    /// Records the set's closing events (open flags cleared, the summary).
    fn set_end(&mut self, events: &[Event]) -> Result<(), RecordError> {
        let path = self.dir.join("events.jsonl");
        self.events.write(events).map_err(io(&path))
    }

    fn flush(&mut self) -> Result<(), RecordError> {
        let dir = self.dir.clone();
        self.track.flush().map_err(io(&dir.join("track.jsonl")))?;
        self.events.flush().map_err(io(&dir.join("events.jsonl")))?;
        self.metrics.flush().map_err(io(&dir.join("metrics.csv")))?;
        self.flushed = Instant::now();
        Ok(())
    }

    /// Closes every file; the recordings made, by kind.
    fn finish(self) -> Result<Recordings, RecordError> {
        let dir = self.dir;
        self.track.finish().map_err(io(&dir.join("track.jsonl")))?;
        self.events
            .finish()
            .map_err(io(&dir.join("events.jsonl")))?;
        self.metrics
            .finish()
            .map_err(io(&dir.join("metrics.csv")))?;
        self.raw.finish()?;
        self.overlay.finish()?;
        Ok(FILES
            .iter()
            .map(|(kind, name)| (*kind, dir.join(name)))
            .filter(|(_, path)| path.exists())
            .collect())
    }
}

/// What the recorder thread is handed.
enum Record {
    /// A frame: the picture as the camera gave it, and as assessed and shown.
    Frame { raw: Mat, shown: Box<Assessment> },
    /// The set's closing events.
    SetEnd(Vec<Event>),
}

/// The recordings of a set, by kind.
pub type Recordings = Vec<(&'static str, PathBuf)>;

/// Records one set into its folder, on its own thread.
pub struct SetRecorder {
    dir: PathBuf,
    queue: Option<Sender<Record>>,
    thread: Option<JoinHandle<Result<Recordings, RecordError>>>,
}

impl SetRecorder {
    /// Creates the set folder `dir` and its files (videos play at `fps`,
    /// written at `resolution`) and starts the recorder thread.
    pub fn create(
        dir: &Path,
        fps: f64,
        resolution: Resolution,
    ) -> Result<SetRecorder, RecordError> {
        let mut files = SetFiles::create(dir, fps, resolution)?;
        let (queue, records) = bounded(RECORD_QUEUE);
        let thread = std::thread::Builder::new()
            .name("recorder".into())
            .spawn(move || {
                for record in records {
                    match record {
                        Record::Frame { raw, shown } => files.frame(&raw, &shown)?,
                        Record::SetEnd(events) => files.set_end(&events)?,
                    }
                }
                files.finish()
            })
            .map_err(io(dir))?;
        Ok(SetRecorder {
            dir: dir.into(),
            queue: Some(queue),
            thread: Some(thread),
        })
    }

    /// The set folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Records a frame: `raw`, the picture as the camera gave it (before
    /// anything was drawn), and `shown`, the assessed frame with its picture
    /// as shown, its landmarks, events and measurements. Waits while the
    /// recorder is behind.
    pub fn frame(&mut self, raw: Mat, shown: Box<Assessment>) -> Result<(), RecordError> {
        self.send(Record::Frame { raw, shown })
    }

    /// Records the set's closing events (open flags cleared, the summary).
    pub fn set_end(&mut self, events: Vec<Event>) -> Result<(), RecordError> {
        self.send(Record::SetEnd(events))
    }

    fn send(&mut self, record: Record) -> Result<(), RecordError> {
        let sent = self.queue.as_ref().map(|q| q.send(record).is_ok());
        if sent == Some(true) {
            return Ok(());
        }
        // The thread has ended: it failed.
        self.queue = None;
        match self.join() {
            Err(e) => Err(e),
            Ok(_) => Err(RecordError::Stopped(self.dir.clone())),
        }
    }

    fn join(&mut self) -> Result<Recordings, RecordError> {
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(result)) => result,
            _ => Err(RecordError::Stopped(self.dir.clone())),
        }
    }

    /// Writes what is queued and closes every file; the recordings made,
    /// by kind.
    pub fn finish(mut self) -> Result<Recordings, RecordError> {
        self.queue = None;
        self.join()
    }
}

/// Puts right a set folder left by a crash: each text file loses a last
/// line that was only half written (so the track and the events read back).
/// Returns the files that were cut.
pub fn recover(dir: &Path) -> Result<Vec<PathBuf>, RecordError> {
    let mut cut = Vec::new();
    for name in LINE_FILES {
        let path = dir.join(name);
        let Ok(file) = File::open(&path) else {
            continue;
        };
        // The length up to the end of the last complete line.
        let mut reader = BufReader::new(file);
        let (mut whole, mut line) = (0u64, Vec::new());
        loop {
            line.clear();
            let n = reader.read_until(b'\n', &mut line).map_err(io(&path))?;
            if n == 0 || line.last() != Some(&b'\n') {
                break;
            }
            whole += n as u64;
        }
        let mut file = reader.into_inner();
        let end = file.seek(std::io::SeekFrom::End(0)).map_err(io(&path))?;
        if end > whole {
            let file = std::fs::OpenOptions::new()
                .write(true)
                .open(&path)
                .map_err(io(&path))?;
            file.set_len(whole).map_err(io(&path))?;
            file.sync_all().map_err(io(&path))?;
            cut.push(path);
        }
    }
    Ok(cut)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recover_cuts_half_written_lines_only() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("recover");
        private_files::create_dir(&dir).unwrap();
        std::fs::write(dir.join("track.jsonl"), "{\"a\":1}\n{\"a\":2}\n{\"a\":").unwrap();
        std::fs::write(dir.join("events.jsonl"), "{\"e\":1}\n").unwrap();
        let cut = recover(&dir).unwrap();
        assert_eq!(cut, vec![dir.join("track.jsonl")]);
        assert_eq!(
            std::fs::read_to_string(dir.join("track.jsonl")).unwrap(),
            "{\"a\":1}\n{\"a\":2}\n"
        );
        assert_eq!(
            std::fs::read_to_string(dir.join("events.jsonl")).unwrap(),
            "{\"e\":1}\n"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
