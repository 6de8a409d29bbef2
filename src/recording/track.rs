//! The landmark track: one JSON object per frame, one frame per line, in
//! MediaPipe's conventions and landmark order, so that any analysis can be
//! re-run without the video and outputs compare field by field with
//! MediaPipe's.
//!
//! ```text
//! {"frame":0,"t_ms":0.0,"width":1768,"height":994,
//!  "landmarks":[{"x":..,"y":..,"z":..,"visibility":..,"presence":..} ×33] | null,
//!  "world":[{"x":..,"y":..,"z":..} ×33] | null,
//!  "back":{"state":"measured","degrees":..,"confidence":..}}
//! ```
//!
//! `back`, the back's outline ([`BackReading`]), and `outline`, where it
//! lay in the picture when measured, are there only when the track was made
//! with the segmentation (`formcheck pose --back`, a recorded set).

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::analysis::back_outline::{BackOutline, BackReading, OutlineDrawing};
use crate::body::{ImageLandmark, ImageSize, Pose, WorldLandmark, NUM_LANDMARKS};
use crate::source::FrameInfo;
use crate::time::SourceTime;

/// One line of a landmark track.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrackRecord {
    /// 0-based frame number.
    pub frame: u64,
    /// Frame time in milliseconds.
    pub t_ms: SourceTime,
    /// Frame width in pixels.
    pub width: u32,
    /// Frame height in pixels.
    pub height: u32,
    /// The 33 image landmarks, or `null` when no person was found.
    pub landmarks: Option<Vec<ImageLandmark>>,
    /// The 33 world landmarks, or `null` when no person was found.
    pub world: Option<Vec<WorldLandmark>>,
    /// The back's outline, when the track was made with the segmentation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub back: Option<BackReading>,
    /// Where the back's outline lay in the picture, when it was measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outline: Option<OutlineDrawing>,
}

/// Errors while reading a landmark track.
#[derive(Debug, thiserror::Error)]
pub enum TrackError {
    /// The file cannot be read.
    #[error("{path}: {source}")]
    Read {
        /// The track file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The track has no frames: there is nothing to analyse.
    #[error("{path} has no frames: nothing to analyse; tracks are written by `formcheck pose`")]
    Empty {
        /// The track file.
        path: PathBuf,
    },
    /// A line is not a track record.
    #[error("{path} line {line}: not a landmark track record ({message}); tracks are written by `formcheck pose`")]
    Malformed {
        /// The track file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

impl TrackRecord {
    /// The pose of this record, `None` on frames without a person.
    pub fn pose(&self) -> Option<Pose> {
        let (lms, world) = (self.landmarks.as_ref()?, self.world.as_ref()?);
        let mut pose = Pose {
            score: 1.0,
            ..Pose::default()
        };
        pose.landmarks.copy_from_slice(lms);
        pose.world.copy_from_slice(world);
        Some(pose)
    }

    /// The frame size.
    pub fn size(&self) -> ImageSize {
        ImageSize {
            width: self.width,
            height: self.height,
        }
    }
}

/// Reads a landmark track written by `formcheck pose`, checking every line.
pub fn read_track(path: &Path) -> Result<Vec<TrackRecord>, TrackError> {
    let file = std::fs::File::open(path).map_err(|source| TrackError::Read {
        path: path.into(),
        source,
    })?;
    let mut records = Vec::new();
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|source| TrackError::Read {
            path: path.into(),
            source,
        })?;
        if line.trim().is_empty() {
            continue;
        }
        let malformed = |message: String| TrackError::Malformed {
            path: path.into(),
            line: i + 1,
            message,
        };
        let record: TrackRecord =
            serde_json::from_str(&line).map_err(|e| malformed(e.to_string()))?;
        for (name, n) in [
            ("landmarks", record.landmarks.as_ref().map(Vec::len)),
            ("world", record.world.as_ref().map(Vec::len)),
        ] {
            if n.is_some_and(|n| n != NUM_LANDMARKS) {
                return Err(malformed(format!(
                    "`{name}` has {} entries, not {NUM_LANDMARKS}",
                    n.unwrap_or(0)
                )));
            }
        }
        if record.landmarks.is_some() != record.world.is_some()
            || record.width == 0
            || record.height == 0
        {
            return Err(malformed(
                "needs a frame size and both or neither of `landmarks` and `world`".into(),
            ));
        }
        if let Some(last) = records
            .last()
            .filter(|l: &&TrackRecord| record.t_ms <= l.t_ms)
        {
            return Err(malformed(format!(
                "time goes back or stands still ({} ms after {} ms): phases and tempo would be \
                 measured backwards",
                record.t_ms.ms(),
                last.t_ms.ms()
            )));
        }
        records.push(record);
    }
    if records.is_empty() {
        return Err(TrackError::Empty { path: path.into() });
    }
    Ok(records)
}

#[derive(Serialize)]
struct TrackLine<'a> {
    frame: u64,
    t_ms: SourceTime,
    width: u32,
    height: u32,
    landmarks: Option<&'a [ImageLandmark]>,
    world: Option<&'a [WorldLandmark]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    back: Option<&'a BackReading>,
    #[serde(skip_serializing_if = "Option::is_none")]
    outline: Option<&'a OutlineDrawing>,
}

/// Writes a landmark track line by line.
pub struct TrackWriter<W: Write> {
    out: W,
}

impl<W: Write> TrackWriter<W> {
    /// A writer onto `out` (buffer it: a line is written per frame).
    pub fn new(out: W) -> Self {
        TrackWriter { out }
    }

    /// Writes the line of one frame, with the back's outline when it was
    /// read.
    pub fn write(
        &mut self,
        info: &FrameInfo,
        size: ImageSize,
        pose: Option<&Pose>,
        back: Option<&BackOutline>,
    ) -> std::io::Result<()> {
        let line = TrackLine {
            frame: info.index,
            t_ms: info.t_ms,
            width: size.width,
            height: size.height,
            landmarks: pose.map(|p| &p.landmarks[..]),
            world: pose.map(|p| &p.world[..]),
            back: back.map(|b| &b.reading),
            outline: back.and_then(|b| b.drawing.as_ref()),
        };
        serde_json::to_writer(&mut self.out, &line)?;
        self.out.write_all(b"\n")
    }

    /// Flushes what is buffered.
    pub fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }

    /// Flushes and returns the underlying writer.
    pub fn finish(mut self) -> std::io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_round_trip_through_the_record_type() {
        let mut pose = Pose::default();
        pose.landmarks[11].x = 0.25;
        pose.landmarks[11].visibility = 0.9;
        pose.world[0].z = -0.1;
        let mut w = TrackWriter::new(Vec::new());
        let size = ImageSize {
            width: 640,
            height: 480,
        };
        w.write(
            &FrameInfo {
                index: 0,
                t_ms: SourceTime::START,
            },
            size,
            Some(&pose),
            Some(&BackOutline {
                reading: BackReading::Measured {
                    degrees: 12.5,
                    confidence: 0.9,
                },
                drawing: Some(OutlineDrawing {
                    outline: vec![[1.0, 2.0], [3.0, 4.5]],
                    lower: [[1.0, 2.0], [2.0, 3.0]],
                    upper: [[2.0, 3.0], [3.0, 4.5]],
                }),
            }),
        )
        .unwrap();
        w.write(
            &FrameInfo {
                index: 1,
                t_ms: SourceTime::from_ms(33.3),
            },
            size,
            None,
            None,
        )
        .unwrap();
        let text = String::from_utf8(w.finish().unwrap()).unwrap();
        let lines: Vec<TrackRecord> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        let first = lines[0].landmarks.as_ref().unwrap();
        assert_eq!(first.len(), 33);
        assert_eq!(first[11].x, 0.25);
        assert_eq!(lines[0].world.as_ref().unwrap()[0].z, -0.1);
        assert_eq!(lines[1].landmarks, None);
        assert_eq!(
            lines[0].back,
            Some(BackReading::Measured {
                degrees: 12.5,
                confidence: 0.9
            })
        );
        assert_eq!(lines[1].back, None);
        assert_eq!(
            lines[0].outline.as_ref().map(|o| o.outline[1]),
            Some([3.0, 4.5])
        );
        assert!(!text.lines().nth(1).unwrap().contains("back"));
        assert!(text.lines().nth(1).unwrap().contains("\"landmarks\":null"));
    }
}
