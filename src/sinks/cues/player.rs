//! The `cues` thread: plays one cue at a time, on the sound device or into a
//! WAV file, fed by a queue that never blocks the pipeline.

use std::fs::File;
use std::io::BufWriter;
use std::num::{NonZeroU16, NonZeroU32};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender, TrySendError};

use super::{Cue, CueBook, CueError};
use crate::time::SourceTime;

/// Cues waiting to be played at most; past it a cue is dropped (and
/// counted): a cue heard seconds late is worse than none.
pub const QUEUE_CAPACITY: usize = 4;
/// Silence after each cue before the next, ms.
pub const GAP_MS: f64 = 300.0;

/// Where the cues are played.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CueOutput {
    /// The default sound device; silent, after one warning, where there is
    /// none.
    Device,
    /// A mono 16-bit WAV file at the cues' rate: a timeline on the source's
    /// clock, each cue starting at its frame's time (or [`GAP_MS`] after
    /// the previous cue ends, if that is later), silence elsewhere.
    Wav(PathBuf),
}

/// What a player did, when it is finished.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PlayerReport {
    /// Cues played (or, on a machine without a sound device, passed over
    /// silently).
    pub played: u64,
    /// Cues dropped because the queue was full.
    pub dropped: u64,
}

/// Plays cues on its own `cues` thread, one at a time. Dropping it (or
/// [`CuePlayer::finish`]) stops the thread; a WAV file is then complete.
pub struct CuePlayer {
    queue: Option<Sender<Cue>>,
    thread: Option<JoinHandle<Result<u64, CueError>>>,
    closing: Arc<AtomicBool>,
    dropped: AtomicU64,
}

impl CuePlayer {
    /// Starts the `cues` thread playing `book`'s sounds to `output`. Fails
    /// only when the WAV file cannot be created or the thread started.
    pub fn start(book: CueBook, output: CueOutput) -> Result<CuePlayer, CueError> {
        let sink = match output {
            CueOutput::Device => Sink::Device,
            CueOutput::Wav(path) => Sink::Wav(WavTimeline::create(path, book.sample_rate())?),
        };
        let (queue, cues) = crossbeam_channel::bounded(QUEUE_CAPACITY);
        let closing = Arc::new(AtomicBool::new(false));
        let stop = Arc::clone(&closing);
        let thread = std::thread::Builder::new()
            .name("cues".into())
            .spawn(move || play_all(&book, sink, &cues, &stop))
            .map_err(CueError::Thread)?;
        Ok(CuePlayer {
            queue: Some(queue),
            thread: Some(thread),
            closing,
            dropped: AtomicU64::new(0),
        })
    }

    /// Queues `cue` without waiting; returns `false` (and counts it) when it
    /// was dropped because the queue is full or the thread has stopped.
    pub fn play(&self, cue: Cue) -> bool {
        let Some(queue) = &self.queue else {
            return false;
        };
        match queue.try_send(cue) {
            Ok(()) => true,
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                self.dropped.fetch_add(1, Ordering::Relaxed);
                false
            }
        }
    }

    /// Cues dropped so far.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Stops the thread once the queued cues are out (on the sound device,
    /// after the cue being played: the rest are skipped) and completes the
    /// WAV file; says what was played and dropped, or why the WAV file
    /// could not be written.
    pub fn finish(mut self) -> Result<PlayerReport, CueError> {
        let played = self.stop()?;
        Ok(PlayerReport {
            played,
            dropped: self.dropped(),
        })
    }

    fn stop(&mut self) -> Result<u64, CueError> {
        self.closing.store(true, Ordering::Relaxed);
        self.queue = None;
        match self.thread.take() {
            Some(thread) => thread.join().map_err(|_| CueError::Panicked)?,
            None => Ok(0),
        }
    }
}

impl Drop for CuePlayer {
    fn drop(&mut self) {
        if let Err(e) = self.stop() {
            tracing::warn!("spoken cues: {e}");
        }
    }
}

/// The output, as opened on the caller's thread.
enum Sink {
    Device,
    Wav(WavTimeline),
}

/// The `cues` thread: plays each cue until the queue closes; returns how
/// many were played.
fn play_all(
    book: &CueBook,
    sink: Sink,
    cues: &Receiver<Cue>,
    closing: &AtomicBool,
) -> Result<u64, CueError> {
    let mut played = 0;
    match sink {
        Sink::Wav(mut timeline) => {
            for cue in cues {
                timeline.add(cue.t_ms, book.samples(&cue.text))?;
                played += 1;
            }
            timeline.finish()?;
        }
        Sink::Device => {
            // Opened here, at the first cue: the audio stream stays on the
            // thread that uses it, and a muted run never opens the device
            // (nor prints the sound system's complaints without one).
            let mut speaker: Option<Option<Speaker>> = None;
            for cue in cues {
                if closing.load(Ordering::Relaxed) {
                    break;
                }
                tracing::debug!("cue at {:.0} ms: {}", cue.t_ms.ms(), cue.text);
                let opened = speaker.get_or_insert_with(|| Speaker::open(book.sample_rate()));
                if let Some(speaker) = opened {
                    speaker.say(book.samples(&cue.text));
                }
                played += 1;
            }
        }
    }
    Ok(played)
}

/// The default sound device, through rodio.
struct Speaker {
    rate: NonZeroU32,
    player: rodio::Player,
    /// Playback stops when the device sink is dropped.
    _device: rodio::MixerDeviceSink,
}

impl Speaker {
    /// The default device, or `None` after a warning.
    fn open(rate: u32) -> Option<Speaker> {
        let Some(rate) = NonZeroU32::new(rate) else {
            tracing::warn!("spoken cues have no sample rate: cues are silent");
            return None;
        };
        match rodio::DeviceSinkBuilder::open_default_sink() {
            Ok(mut device) => {
                device.log_on_drop(false);
                let player = rodio::Player::connect_new(device.mixer());
                Some(Speaker {
                    rate,
                    player,
                    _device: device,
                })
            }
            Err(e) => {
                tracing::warn!("no sound device for spoken cues ({e}): cues are silent");
                None
            }
        }
    }

    /// Plays `samples` to the end, then the gap.
    fn say(&self, samples: &[i16]) {
        let data: Vec<f32> = samples
            .iter()
            .map(|&s| f32::from(s) / -f32::from(i16::MIN))
            .collect();
        self.player.append(rodio::buffer::SamplesBuffer::new(
            NonZeroU16::MIN,
            self.rate,
            data,
        ));
        self.player.sleep_until_end();
        std::thread::sleep(Duration::from_secs_f64(GAP_MS / 1000.0));
    }
}

/// A WAV file laid out on the source's clock.
struct WavTimeline {
    path: PathBuf,
    writer: hound::WavWriter<BufWriter<File>>,
    rate: f64,
    /// Samples written so far.
    written: u64,
    /// The first sample the next cue may start at.
    free_from: u64,
}

impl WavTimeline {
    fn create(path: PathBuf, rate: u32) -> Result<WavTimeline, CueError> {
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: rate,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let writer = hound::WavWriter::create(&path, spec).map_err(|source| CueError::Wav {
            path: path.clone(),
            source,
        })?;
        Ok(WavTimeline {
            path,
            writer,
            rate: f64::from(rate),
            written: 0,
            free_from: 0,
        })
    }

    fn error(&self, source: hound::Error) -> CueError {
        CueError::Wav {
            path: self.path.clone(),
            source,
        }
    }

    /// Places `samples` at `t_ms`, or when the previous cue and the gap
    /// have ended if that is later.
    fn add(&mut self, t_ms: SourceTime, samples: &[i16]) -> Result<(), CueError> {
        let at = (t_ms.secs().max(0.0) * self.rate).round() as u64;
        let start = at.max(self.free_from);
        for _ in self.written..start {
            self.writer.write_sample(0i16).map_err(|e| self.error(e))?;
        }
        for &s in samples {
            self.writer.write_sample(s).map_err(|e| self.error(e))?;
        }
        self.written = start + samples.len() as u64;
        self.free_from = self.written + (GAP_MS / 1000.0 * self.rate).round() as u64;
        Ok(())
    }

    fn finish(self) -> Result<(), CueError> {
        let path = self.path;
        self.writer
            .finalize()
            .map_err(|source| CueError::Wav { path, source })
    }
}
