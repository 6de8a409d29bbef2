//! The event log: one JSON object per event, one event per line.

use std::io::Write;
use std::time::{Duration, Instant};

use crate::analysis::events::Event;

/// Longest time events wait in the buffer before they are written out.
const FLUSH_EVERY: Duration = Duration::from_secs(1);

/// Writes events as JSON Lines, flushing at least once a second so that a
/// crash loses at most the last second.
pub struct EventLog<W: Write> {
    out: W,
    flushed: Instant,
}

impl<W: Write> EventLog<W> {
    /// A log writing to `out`.
    pub fn new(out: W) -> Self {
        EventLog {
            out,
            flushed: Instant::now(),
        }
    }

    /// Writes `events`.
    pub fn write(&mut self, events: &[Event]) -> std::io::Result<()> {
        for e in events {
            serde_json::to_writer(&mut self.out, e)?;
            self.out.write_all(b"\n")?;
        }
        if self.flushed.elapsed() >= FLUSH_EVERY {
            self.out.flush()?;
            self.flushed = Instant::now();
        }
        Ok(())
    }

    /// Flushes what is buffered.
    pub fn flush(&mut self) -> std::io::Result<()> {
        self.flushed = Instant::now();
        self.out.flush()
    }

    /// Flushes and returns the writer.
    pub fn finish(mut self) -> std::io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}
