//! A set's event log (`events.jsonl`: the JSON Lines of
//! [`Event`](crate::analysis::events::Event), one event per line): written
//! by [`EventWriter`], and read back, once, for every reader by
//! [`EventLog`]: the lines parsed, each flag's start paired with its end, the
//! reps, holds, camera views, what could not be seen, and the set's summary.
//!
//! A last line cut short (the recording stopped while writing it) is
//! skipped; any other line that is not an event is an error naming it.
//! Other events and fields are skipped.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Deserialize;

use crate::analysis::config::{Fault, View};
use crate::analysis::events::Event;
use crate::time::SourceTime;

/// Longest time events wait in the buffer before they are written out.
const FLUSH_EVERY: Duration = Duration::from_secs(1);

/// Writes events as JSON Lines, flushing at least once a second so that a
/// crash loses at most the last second.
pub struct EventWriter<W: Write> {
    out: W,
    flushed: Instant,
}

impl<W: Write> EventWriter<W> {
    /// A log writing to `out`.
    pub fn new(out: W) -> Self {
        EventWriter {
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

/// Why an event log cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum EventLogError {
    /// The file cannot be read.
    #[error("{}: cannot be read: {source}", path.display())]
    Read {
        /// The log.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
    /// A line is not one of formcheck's events.
    #[error("{} line {line}: not an event of formcheck's log ({message})", path.display())]
    Line {
        /// The log.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong with it.
        message: String,
    },
}

/// One line of the log, as far as the readers need it.
#[derive(Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
enum Record {
    FlagStart {
        rule: String,
        fault: Fault,
        metric: String,
        value: f32,
        limit: f32,
        frame: u64,
        t_ms: SourceTime,
        message: String,
    },
    FlagEnd {
        rule: String,
        peak: f32,
        frame: u64,
        t_ms: SourceTime,
    },
    Rep {
        index: u32,
        frame: u64,
        t_ms: SourceTime,
        eccentric_s: f64,
        turn_s: f64,
        concentric_s: f64,
        range: f32,
        #[serde(default)]
        flags: Vec<String>,
        #[serde(default)]
        at_turn: BTreeMap<String, f32>,
    },
    Hold {
        index: u32,
        t_ms: SourceTime,
        duration_s: f64,
        target_s: f32,
    },
    View {
        frame: u64,
        t_ms: SourceTime,
        view: View,
        needed: View,
    },
    CannotSee {
        rule: String,
        hint: String,
    },
    SetSummary {
        frames: u64,
        frames_without_person: u64,
        #[serde(default)]
        cannot_measure: Vec<String>,
    },
    #[serde(other)]
    Other,
}

/// A moment of the set: its frame (as the source numbered it) and time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Moment {
    /// The frame's index.
    pub frame: u64,
    /// Its time, ms from the start of the source.
    pub t_ms: SourceTime,
}

/// A flag, from the line that raised it to the one that cleared it.
#[derive(Clone, Debug, PartialEq)]
pub struct LoggedFlag {
    /// Rule id.
    pub rule: String,
    /// What it guards against.
    pub fault: Fault,
    /// What the rule measures: a metric's name, or another quantity
    /// (`phase_duration_s` for tempo, `hold_s`).
    pub metric: String,
    /// The value that raised it (a change from the baseline where the
    /// rule is judged against one).
    pub value: f32,
    /// The worst value while it was up (the raising value until it ends).
    pub peak: f32,
    /// The limit in force.
    pub limit: f32,
    /// What the patient was told.
    pub message: String,
    /// When it was raised.
    pub start: Moment,
    /// When it cleared: its own end, or the raising of the same rule's
    /// next flag; `None` when the log ends with it still up.
    pub end: Option<Moment>,
}

/// A completed rep.
#[derive(Clone, Debug, PartialEq)]
pub struct LoggedRep {
    /// 1-based rep number.
    pub index: u32,
    /// When it ended.
    pub end: Moment,
    /// Working phase, s.
    pub eccentric_s: f64,
    /// At the turning point, s.
    pub turn_s: f64,
    /// Return phase, s.
    pub concentric_s: f64,
    /// Furthest value of the rep's metric.
    pub range: f32,
    /// Rules that flagged during it (a rule may appear more than once).
    pub flags: Vec<String>,
    /// Values at the rep's deepest point, by metric name (the back's bend).
    pub at_turn: BTreeMap<String, f32>,
}

/// A completed hold.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LoggedHold {
    /// 1-based hold number.
    pub index: u32,
    /// When it ended, ms.
    pub end: SourceTime,
    /// How long it was held, s.
    pub duration_s: f64,
    /// The target, s.
    pub target_s: f32,
}

/// The camera's view, judged at a moment and kept until the next.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LoggedView {
    /// When it was judged.
    pub at: Moment,
    /// The view the camera had.
    pub view: View,
    /// The view the exercise needs.
    pub needed: View,
}

/// The set's summary line.
#[derive(Clone, Debug, PartialEq)]
pub struct LoggedSummary {
    /// Frames analysed.
    pub frames: u64,
    /// Frames in which no person was found.
    pub frames_without_person: u64,
    /// What the set could not measure, in words.
    pub cannot_measure: Vec<String>,
}

/// Everything the log says, in order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EventLog {
    /// The flags, in the order they were raised.
    pub flags: Vec<LoggedFlag>,
    /// The reps, in order.
    pub reps: Vec<LoggedRep>,
    /// The holds, in order.
    pub holds: Vec<LoggedHold>,
    /// The camera's view each time it was judged.
    pub views: Vec<LoggedView>,
    /// Each rule that could not see what it judges: how many times, and
    /// the first hint given.
    pub cannot_see: BTreeMap<String, (usize, String)>,
    /// The summary; `None` when the log was cut short before it.
    pub summary: Option<LoggedSummary>,
    /// The latest frame any event names.
    pub last_frame: u64,
}

impl EventLog {
    /// Reads the log at `path`.
    pub fn read(path: &Path) -> Result<EventLog, EventLogError> {
        let text = std::fs::read_to_string(path).map_err(|source| EventLogError::Read {
            path: path.into(),
            source,
        })?;
        EventLog::parse(&text, path)
    }

    /// Parses a log's `text` (read from `path`, for errors).
    pub fn parse(text: &str, path: &Path) -> Result<EventLog, EventLogError> {
        let mut log = EventLog::default();
        // Flags raised and not yet cleared: indices into `log.flags`.
        let mut open: Vec<usize> = Vec::new();
        let cut_short = !text.is_empty() && !text.ends_with('\n');
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let record = match serde_json::from_str::<Record>(line) {
                Ok(record) => record,
                Err(_) if cut_short && i + 1 == lines.len() => break,
                Err(e) => {
                    return Err(EventLogError::Line {
                        path: path.into(),
                        line: i + 1,
                        message: e.to_string(),
                    })
                }
            };
            log.add(record, &mut open);
        }
        Ok(log)
    }

    fn add(&mut self, record: Record, open: &mut Vec<usize>) {
        match record {
            Record::FlagStart {
                rule,
                fault,
                metric,
                value,
                limit,
                frame,
                t_ms,
                message,
            } => {
                let at = Moment { frame, t_ms };
                // A flag of the same rule still up ends here.
                self.close(open, &rule, at, None);
                open.push(self.flags.len());
                self.flags.push(LoggedFlag {
                    rule,
                    fault,
                    metric,
                    value,
                    peak: value,
                    limit,
                    message,
                    start: at,
                    end: None,
                });
                self.saw(frame);
            }
            Record::FlagEnd {
                rule,
                peak,
                frame,
                t_ms,
            } => {
                self.close(open, &rule, Moment { frame, t_ms }, Some(peak));
                self.saw(frame);
            }
            Record::Rep {
                index,
                frame,
                t_ms,
                eccentric_s,
                turn_s,
                concentric_s,
                range,
                flags,
                at_turn,
            } => {
                self.reps.push(LoggedRep {
                    index,
                    end: Moment { frame, t_ms },
                    eccentric_s,
                    turn_s,
                    concentric_s,
                    range,
                    flags,
                    at_turn,
                });
                self.saw(frame);
            }
            Record::Hold {
                index,
                t_ms,
                duration_s,
                target_s,
            } => self.holds.push(LoggedHold {
                index,
                end: t_ms,
                duration_s,
                target_s,
            }),
            Record::View {
                frame,
                t_ms,
                view,
                needed,
            } => {
                self.views.push(LoggedView {
                    at: Moment { frame, t_ms },
                    view,
                    needed,
                });
                self.saw(frame);
            }
            Record::CannotSee { rule, hint } => {
                self.cannot_see.entry(rule).or_insert((0, hint)).0 += 1;
            }
            Record::SetSummary {
                frames,
                frames_without_person,
                cannot_measure,
            } => {
                self.summary = Some(LoggedSummary {
                    frames,
                    frames_without_person,
                    cannot_measure,
                });
            }
            Record::Other => {}
        }
    }

    /// Ends the open flag of `rule`, if there is one, `at`.
    fn close(&mut self, open: &mut Vec<usize>, rule: &str, at: Moment, peak: Option<f32>) {
        let Some(i) = open.iter().position(|&f| self.flags[f].rule == rule) else {
            return;
        };
        let flag = &mut self.flags[open.remove(i)];
        flag.end = Some(at);
        if let Some(peak) = peak {
            flag.peak = peak;
        }
    }

    fn saw(&mut self, frame: u64) {
        self.last_frame = self.last_frame.max(frame);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<EventLog, EventLogError> {
        EventLog::parse(text, Path::new("events.jsonl"))
    }

    const START: &str = r#"{"event":"flag_start","rule":"trunk","fault":"lumbar_flexion","metric":"trunk_from_vertical","value":46.0,"limit":45.0,"frame":10,"t_ms":333.3,"message":"Chest up"}"#;

    #[test]
    fn a_flag_is_paired_with_its_end_and_a_second_start_ends_the_first() {
        let text = format!(
            "{START}\n{}\n{START}\n{}\n",
            r#"{"event":"flag_end","rule":"trunk","metric":"trunk_from_vertical","peak":52.5,"limit":45.0,"frame":20,"t_ms":666.6,"duration_ms":333.3}"#,
            START.replace("\"frame\":10", "\"frame\":30"),
        );
        let log = parse(&text).unwrap();
        assert_eq!(log.flags.len(), 3);
        assert_eq!(log.flags[0].end.map(|m| m.frame), Some(20));
        assert!((log.flags[0].peak - 52.5).abs() < 1e-6);
        // The third start ends the second, which never saw its own end.
        assert_eq!(log.flags[1].end.map(|m| m.frame), Some(30));
        assert!((log.flags[1].peak - 46.0).abs() < 1e-6);
        assert_eq!(log.flags[2].end, None);
        assert_eq!(log.last_frame, 30);
    }

    #[test]
    fn a_line_cut_short_at_the_end_is_skipped_and_a_bad_line_is_named() {
        let log = parse(&format!("{START}\n{{\"event\":\"rep\",\"ind")).unwrap();
        assert_eq!(log.flags.len(), 1);
        assert!(log.reps.is_empty());
        let err = parse(&format!(
            "{START}\n{{\"event\":\"rep\",\"index\":\"four\"}}\n"
        ))
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("events.jsonl line 2: "), "{err}");
        assert!(parse("").unwrap() == EventLog::default());
    }
}
