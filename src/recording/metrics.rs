//! A set's metrics CSV (`metrics.csv`): every measurement of every frame,
//! `frame,t_ms`, then a value and a `_visibility` column per metric, empty
//! where it was not measured. Written by [`MetricsWriter`], read back once
//! for every reader by [`MetricRows`].
//!
//! Columns are found by their header's name. A metric whose column is
//! absent (a file written before the metric existed) was not measured; a
//! value column without its visibility column has an unknown visibility;
//! columns this version does not know are skipped. An empty file has no
//! rows.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::analysis::measure::{Measurements, Metric};
use crate::time::SourceTime;

/// Writes the metrics CSV.
pub struct MetricsWriter<W: Write> {
    out: W,
}

impl<W: Write> MetricsWriter<W> {
    /// Writes the header to `out`.
    pub fn new(mut out: W) -> std::io::Result<Self> {
        write!(out, "frame,t_ms")?;
        for m in Metric::ALL {
            write!(out, ",{0},{0}_visibility", m.name())?;
        }
        writeln!(out)?;
        Ok(MetricsWriter { out })
    }

    /// Writes one frame's row.
    pub fn write(&mut self, frame: u64, t_ms: SourceTime, m: &Measurements) -> std::io::Result<()> {
        write!(self.out, "{frame},{:.1}", t_ms.ms())?;
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

/// Why a metrics CSV cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum MetricsError {
    /// The file cannot be read.
    #[error("{}: cannot be read: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
    /// A line is malformed.
    #[error("{} line {line}: {message}", path.display())]
    Line {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// What is wrong, naming the column.
        message: String,
    },
}

/// One metric's column.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MetricColumn {
    /// Value per row, `None` where not measured.
    pub value: Vec<Option<f32>>,
    /// Visibility per row (`None` where empty); `None` as a whole when the
    /// file has no visibility column for the metric.
    pub visibility: Option<Vec<Option<f32>>>,
}

/// The rows of a metrics CSV, in the file's order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MetricRows {
    /// Frame index per row, as the source numbered it.
    pub frames: Vec<u64>,
    /// Time per row, ms.
    pub t_ms: Vec<SourceTime>,
    /// The columns of the metrics the file has.
    pub columns: BTreeMap<Metric, MetricColumn>,
}

impl MetricRows {
    /// Reads the metrics CSV at `path`.
    pub fn read(path: &Path) -> Result<MetricRows, MetricsError> {
        let file = std::fs::File::open(path).map_err(|source| MetricsError::Read {
            path: path.into(),
            source,
        })?;
        MetricRows::parse(file, path)
    }

    /// Parses a metrics CSV from `input` (read from `path`, for errors).
    pub fn parse(input: impl std::io::Read, path: &Path) -> Result<MetricRows, MetricsError> {
        let bad = |line: u64, message: String| MetricsError::Line {
            path: path.into(),
            line,
            message,
        };
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(input);
        let headers = reader
            .headers()
            .map_err(|e| bad(1, format!("cannot read the header: {e}")))?
            .clone();
        let mut rows = MetricRows::default();
        if headers.is_empty() {
            return Ok(rows);
        }
        let column = |name: &str| headers.iter().position(|h| h == name);
        let missing = |name: &str| {
            bad(
                1,
                format!("no `{name}` column: not a formcheck metrics CSV"),
            )
        };
        let frame_at = column("frame").ok_or_else(|| missing("frame"))?;
        let t_at = column("t_ms").ok_or_else(|| missing("t_ms"))?;
        let wanted: Vec<(Metric, usize, Option<usize>)> = Metric::ALL
            .iter()
            .filter_map(|&m| {
                let value = column(m.name())?;
                Some((m, value, column(&format!("{}_visibility", m.name()))))
            })
            .collect();
        for &(metric, _, visibility) in &wanted {
            rows.columns.insert(
                metric,
                MetricColumn {
                    value: Vec::new(),
                    visibility: visibility.map(|_| Vec::new()),
                },
            );
        }
        for record in reader.records() {
            let record = record.map_err(|e| {
                let line = e.position().map_or(0, csv::Position::line);
                bad(line, e.to_string())
            })?;
            let line = record.position().map_or(0, csv::Position::line);
            let cell = |at: usize| record.get(at).unwrap_or("");
            let number = |at: usize| -> Result<Option<f64>, MetricsError> {
                match cell(at) {
                    "" => Ok(None),
                    text => text.parse().map(Some).map_err(|_| {
                        bad(
                            line,
                            format!("`{}` is `{text}`, not a number", &headers[at]),
                        )
                    }),
                }
            };
            let frame = cell(frame_at).parse::<u64>().map_err(|_| {
                bad(
                    line,
                    format!("`frame` is `{}`, not a frame index", cell(frame_at)),
                )
            })?;
            let t_ms = number(t_at)?.ok_or_else(|| bad(line, "`t_ms` is empty".into()))?;
            rows.frames.push(frame);
            rows.t_ms.push(SourceTime::from_ms(t_ms));
            for &(metric, value_at, visibility_at) in &wanted {
                let value = number(value_at)?.map(|v| v as f32);
                let visibility = visibility_at.map(number).transpose()?;
                let column = rows.columns.entry(metric).or_default();
                column.value.push(value);
                if let (Some(column), Some(v)) = (&mut column.visibility, visibility) {
                    column.push(v.map(|v| v as f32));
                }
            }
        }
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::measure::Measurements;

    fn parse(text: &str) -> Result<MetricRows, MetricsError> {
        MetricRows::parse(text.as_bytes(), Path::new("metrics.csv"))
    }

    #[test]
    fn what_the_analysis_writes_is_read_back_by_column() {
        let mut a = Measurements::default();
        a.set(Metric::TrunkFromVertical, Some(12.5), 0.9);
        let mut csv = MetricsWriter::new(Vec::new()).unwrap();
        csv.write(7, SourceTime::from_ms(233.3), &a).unwrap();
        csv.write(9, SourceTime::from_ms(300.0), &Measurements::default())
            .unwrap();
        let rows = parse(&String::from_utf8(csv.finish().unwrap()).unwrap()).unwrap();
        assert_eq!(rows.frames, [7, 9]);
        assert_eq!(
            rows.t_ms,
            [SourceTime::from_ms(233.3), SourceTime::from_ms(300.0)]
        );
        let trunk = &rows.columns[&Metric::TrunkFromVertical];
        assert_eq!(trunk.value, [Some(12.5), None]);
        assert_eq!(trunk.visibility, Some(vec![Some(0.9), None]));
        assert_eq!(rows.columns.len(), Metric::ALL.len());
    }

    #[test]
    fn missing_columns_are_not_measured_or_of_unknown_visibility() {
        let rows = parse("frame,t_ms,knee_angle,future_metric\n0,0.0,170.0,1\n").unwrap();
        let knee = &rows.columns[&Metric::KneeAngle];
        assert_eq!(
            (knee.value.clone(), knee.visibility.clone()),
            (vec![Some(170.0)], None)
        );
        assert!(!rows.columns.contains_key(&Metric::HipAngle));
        assert_eq!(parse("").unwrap(), MetricRows::default());
    }

    #[test]
    fn a_bad_cell_names_its_line_and_column() {
        let err = parse("frame,t_ms,knee_angle\n0,0.0,170.0\n1,33.3,1x0\n").unwrap_err();
        assert!(matches!(err, MetricsError::Line { line: 3, .. }), "{err}");
        assert!(err.to_string().contains("`knee_angle` is `1x0`"), "{err}");
        let err = parse("t_ms,knee_angle\n").unwrap_err().to_string();
        assert!(err.contains("`frame`"), "{err}");
    }
}
