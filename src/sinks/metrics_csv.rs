//! Every measurement of every frame, as CSV: `frame,t_ms` then a value and a
//! visibility column per metric (empty when not measured).

use std::io::Write;

use crate::analysis::measure::{Measurements, Metric};

/// Writes the metrics CSV.
pub struct MetricsCsv<W: Write> {
    out: W,
}

impl<W: Write> MetricsCsv<W> {
    /// Writes the header to `out`.
    pub fn new(mut out: W) -> std::io::Result<Self> {
        write!(out, "frame,t_ms")?;
        for m in Metric::ALL {
            write!(out, ",{0},{0}_visibility", m.name())?;
        }
        writeln!(out)?;
        Ok(MetricsCsv { out })
    }

    /// Writes one frame's row.
    pub fn write(&mut self, frame: u64, t_ms: f64, m: &Measurements) -> std::io::Result<()> {
        write!(self.out, "{frame},{t_ms:.1}")?;
        for metric in Metric::ALL {
            match m.get(metric) {
                Some(v) => write!(self.out, ",{:.3},{:.3}", v.value, v.visibility)?,
                None => write!(self.out, ",,")?,
            }
        }
        writeln!(self.out)
    }

    /// Flushes what is buffered.
    pub fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }

    /// Flushes and returns the writer.
    pub fn finish(mut self) -> std::io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}
