//! The side panel: which set, where playback is, each rule's value at the
//! current frame against its limit (in the live display's state colours),
//! the flag that is up, and the keys.

use std::fmt::Write as _;
use std::ops::Range;

use opencv::core::{Mat, Point, Rect, Scalar};
use opencv::imgproc;

use super::set::{FlagSpan, RecordedSet, Sight};
use super::{write_time, Playback, KEY_HELP};
use crate::analysis::config::{Direction, Reference, RepExtreme, RepReference, View};
use crate::analysis::measure::Metric;
use crate::analysis::measure::MIN_VISIBILITY;
use crate::analysis::status::{FormState, Gauge};
use crate::ui::gauge::put_reading;
use crate::ui::palette::{rgb, BLACK, CAUTION_COLOUR, FLAG_COLOUR, MUTED_TEXT, WHITE};
use crate::ui::text::{fill, wrap, write_label, write_number, Font, Unit};

/// The panel's background.
pub const PANEL_BACKGROUND: Scalar = rgb(28, 28, 28);
/// Lines between the panel's sections.
const DIVIDER: Scalar = rgb(70, 70, 70);
/// Font scale of the set's title.
const TITLE_SCALE: f32 = 0.72;
/// Font scale of the panel's text.
const TEXT_SCALE: f32 = 0.56;
/// Font scale of notes and keys.
const NOTE_SCALE: f32 = 0.46;
/// Space inside the panel's edges, pixels.
const INSET: i32 = 16;
/// Space between sections, pixels.
const SECTION_GAP: i32 = 12;
/// Space between a reading and the next, pixels.
const READING_GAP: i32 = 7;
/// Padding inside chips and the flag box, pixels.
const BOX_PAD: i32 = 6;
/// Lines the set's title may wrap to.
const TITLE_LINES: usize = 2;
/// Flags shown at once (more are counted).
const FLAGS_SHOWN: usize = 2;
/// Column of the keys' actions, from the panel's inset, pixels.
const KEY_COLUMN: i32 = 118;

/// What the panel says under a rule's reading.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Note {
    /// Judged as the change from the baseline: the raw value and the
    /// baseline.
    FromBaseline {
        /// The measurement.
        raw: f32,
        /// The baseline it was judged against.
        baseline: f32,
    },
    /// Judged as the change from a baseline that the recording does not
    /// tell: the raw value.
    NoBaseline {
        /// The measurement.
        raw: f32,
    },
    /// Judged on the measurement itself.
    Measured,
    /// Not judged: the landmarks were not visible enough.
    CannotSee,
    /// Not judged: the camera had another view (`None`: not yet known).
    WrongView(Option<View>),
    /// A rep rule, judged on each rep's furthest value.
    PerRep(RepExtreme),
    /// A rep rule judged on each rep's change at its deepest point from the
    /// set's first rep: that rep's value.
    FromFirstRep(f32),
    /// A rep rule relative to the first rep, before any rep had a value.
    NoFirstRep,
}

/// A rule at a frame: its value as judged, its state and the note.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Reading {
    /// The value compared with the limit, when there is one.
    pub value: Option<f32>,
    /// The state, in the live display's terms.
    pub state: FormState,
    /// What to say under it.
    pub note: Note,
}

/// Whether a flag of rule `id` was up at `frame`.
fn flagged(set: &RecordedSet, id: &str, frame: u64) -> bool {
    set.events
        .flags
        .iter()
        .any(|f| f.rule == id && f.covers(frame))
}

/// Rule `index` of the exercise at `frame`: red while its flag was up;
/// grey where it could not be judged; amber within its hysteresis of the
/// limit or past it; green otherwise.
pub fn rule_reading(set: &RecordedSet, index: usize, frame: u64) -> Option<Reading> {
    let rule = set.exercise.rules.get(index)?;
    let flag = flagged(set, &rule.id, frame);
    let judged = |value: Option<f32>, note: Note| {
        let state = match value {
            _ if flag => FormState::Flag,
            Some(v) if rule.near_limit(v) => FormState::Caution,
            _ => FormState::Fine,
        };
        Reading { value, state, note }
    };
    let unseen = |note: Note| Reading {
        value: None,
        state: if flag {
            FormState::Flag
        } else {
            FormState::CannotSee
        },
        note,
    };
    Some(match set.sight(rule, frame) {
        Sight::WrongView(had) => unseen(Note::WrongView(had)),
        Sight::CannotSee => unseen(Note::CannotSee),
        Sight::Seen(raw) => match rule.relative_to {
            Reference::Absolute => judged(Some(raw), Note::Measured),
            Reference::Baseline => match set.baseline(index, frame) {
                Some(baseline) => judged(
                    Some(rule.metric.change(raw, baseline)),
                    Note::FromBaseline { raw, baseline },
                ),
                None => judged(None, Note::NoBaseline { raw }),
            },
        },
    })
}

/// Rep rule `index` of the exercise at `frame`: its metric now (it is
/// judged on each rep's furthest value), red while its flag was up.
pub fn rep_rule_reading(set: &RecordedSet, index: usize, frame: u64) -> Option<Reading> {
    let rule = set.exercise.rep_rules.get(index)?;
    let value = set.measured(rule.metric, frame, MIN_VISIBILITY);
    let (value, note) = match rule.relative_to {
        RepReference::Absolute => (value, Note::PerRep(rule.extreme)),
        RepReference::FirstRep => match set.events.first_at_turn.get(rule.metric.name()) {
            Some(&first) => (value.map(|v| v - first), Note::FromFirstRep(first)),
            None => (None, Note::NoFirstRep),
        },
    };
    let state = if flagged(set, &rule.id, frame) {
        FormState::Flag
    } else if value.is_none() {
        FormState::CannotSee
    } else {
        FormState::Fine
    };
    Some(Reading { value, state, note })
}

/// Draws the panel; keeps its text buffers and gauges between frames.
#[derive(Debug)]
pub struct Panel {
    /// One gauge per rule, then per rep rule: ids and limits set once,
    /// values and states each frame.
    gauges: Vec<Gauge>,
    /// The note under each gauge.
    notes: Vec<Note>,
    text: String,
    scratch: String,
    note: String,
    lines: Vec<Range<usize>>,
}

impl Panel {
    /// A panel for `set`'s rules.
    pub fn new(set: &RecordedSet) -> Panel {
        let exercise = &set.exercise;
        let rules = exercise
            .rules
            .iter()
            .map(|r| (&r.id, r.metric, r.fires, r.limit.get_ref()));
        let rep_rules = exercise
            .rep_rules
            .iter()
            .map(|r| (&r.id, r.metric, r.fires, r.limit.get_ref()));
        let gauges: Vec<Gauge> = rules
            .chain(rep_rules)
            .map(|(id, metric, fires, limit)| Gauge {
                rule: id.clone(),
                metric,
                value: None,
                limit: *limit,
                fires,
                state: FormState::Fine,
            })
            .collect();
        Panel {
            notes: vec![Note::Measured; gauges.len()],
            gauges,
            text: String::new(),
            scratch: String::new(),
            note: String::new(),
            lines: Vec::new(),
        }
    }

    /// Draws the panel for `playback`'s frame of `set` into `area` of
    /// `canvas`; `title` names the set. Top to bottom: the set and where
    /// playback is, each rule at this frame, the flags up at this frame;
    /// the keys at the bottom.
    pub fn draw(
        &mut self,
        canvas: &mut Mat,
        area: Rect,
        set: &RecordedSet,
        title: &str,
        playback: &Playback,
    ) -> opencv::Result<()> {
        fill(canvas, area, PANEL_BACKGROUND)?;
        let (left, right) = (area.x + INSET, area.x + area.width - INSET);
        let bottom = draw_keys(canvas, area)? - SECTION_GAP;
        let column = |top: i32| Rect::new(left, top, right - left, bottom - top);
        let mut y = self.draw_heading(canvas, column(area.y + INSET), set, title, playback)?;
        divider(canvas, left, right, y)?;
        y = self.draw_readings(canvas, column(y + SECTION_GAP), set, playback.frame)?;
        divider(canvas, left, right, y)?;
        y += SECTION_GAP;
        let up = set.events.flags.iter().filter(|f| f.covers(playback.frame));
        for (i, flag) in up.enumerate() {
            if i == FLAGS_SHOWN {
                let small = Font::new(NOTE_SCALE);
                if y + small.line() <= bottom {
                    let org = Point::new(left, y + small.cap);
                    small.put(canvas, "(more flags up at this frame)", org, MUTED_TEXT)?;
                }
                break;
            }
            y = self.draw_flag(canvas, flag, set, playback.fps, column(y))?;
        }
        Ok(())
    }

    /// The set's title and exercise, the time and frame, the playing state
    /// and the reps done, from the top of `column`; returns the y under
    /// them.
    fn draw_heading(
        &mut self,
        canvas: &mut Mat,
        column: Rect,
        set: &RecordedSet,
        title: &str,
        playback: &Playback,
    ) -> opencv::Result<i32> {
        let (big, text, small) = (
            Font::new(TITLE_SCALE),
            Font::new(TEXT_SCALE),
            Font::new(NOTE_SCALE),
        );
        let (left, right) = (column.x, column.x + column.width);
        let mut y = column.y;
        wrap(
            title,
            &big,
            column.width,
            &mut self.scratch,
            &mut self.lines,
        )?;
        for range in self.lines.iter().take(TITLE_LINES) {
            let org = Point::new(left, y + big.cap);
            big.put(canvas, &title[range.clone()], org, WHITE)?;
            y += big.line();
        }
        let org = Point::new(left, y + small.cap);
        small.put(canvas, &set.exercise.title, org, MUTED_TEXT)?;
        y += small.line() + SECTION_GAP / 2;

        let frame = playback.frame;
        self.text.clear();
        write_time(&mut self.text, playback.seconds(frame), 2);
        self.text.push_str(" / ");
        write_time(&mut self.text, playback.seconds(playback.last + 1), 2);
        let _ = write!(self.text, "   frame {frame}");
        text.put(canvas, &self.text, Point::new(left, y + text.cap), WHITE)?;
        y += text.line();

        let chip_height = small.cap + 2 * BOX_PAD;
        let chips: [(bool, &str, Scalar); 3] = [
            (!playback.playing, "PAUSED", CAUTION_COLOUR),
            (playback.playing, "PLAYING", WHITE),
            (playback.slow, "SLOW 1/4", CAUTION_COLOUR),
        ];
        let mut x = left;
        for (_, label, colour) in chips.into_iter().filter(|c| c.0) {
            let width = small.width(label)? + 2 * BOX_PAD;
            fill(canvas, Rect::new(x, y, width, chip_height), colour)?;
            let org = Point::new(x + BOX_PAD, y + BOX_PAD + small.cap);
            small.put(canvas, label, org, BLACK)?;
            x += width + BOX_PAD;
        }
        if set.exercise.reps.is_some() {
            self.text.clear();
            let done = set.events.reps_done(frame);
            let _ = write!(self.text, "reps done {done} of {}", set.events.reps.len());
            if let Some(rep) = set.events.last_rep(frame) {
                let verdict = if rep.good { "good" } else { "fault" };
                let _ = write!(self.text, ", rep {} {verdict}", rep.index);
            }
            let org = Point::new(right - text.width(&self.text)?, y + BOX_PAD + small.cap);
            text.put(canvas, &self.text, org, WHITE)?;
        }
        Ok(y + chip_height + SECTION_GAP)
    }

    /// Each rule at `frame`: its label and reading (value / limit in its
    /// state's colour), and the note under it, from the top of `column`
    /// for as many as fit; returns the y under them.
    fn draw_readings(
        &mut self,
        canvas: &mut Mat,
        column: Rect,
        set: &RecordedSet,
        frame: u64,
    ) -> opencv::Result<i32> {
        let (text, small) = (Font::new(TEXT_SCALE), Font::new(NOTE_SCALE));
        let (left, right) = (column.x, column.x + column.width);
        let bottom = column.y + column.height;
        let mut y = column.y;
        self.update(set, frame);
        for (gauge, note) in self.gauges.iter().zip(&self.notes) {
            if y + text.line() + small.line() > bottom {
                break;
            }
            write_label(&mut self.note, &gauge.rule);
            let seen = gauge.value.is_some() || gauge.state == FormState::Flag;
            let label = if seen { WHITE } else { MUTED_TEXT };
            text.put(canvas, &self.note, Point::new(left, y + text.cap), label)?;
            let end = Point::new(right, y + text.cap);
            put_reading(canvas, gauge, &text, end, &mut self.text, &mut self.scratch)?;
            y += text.line();
            write_note(&mut self.note, gauge.metric, *note);
            let org = Point::new(left, y + small.cap);
            small.put_with_degrees(canvas, &self.note, org, MUTED_TEXT)?;
            y += small.line() + READING_GAP;
        }
        Ok(y + SECTION_GAP - READING_GAP)
    }

    /// Each gauge's value and state, and its note, at `frame`.
    fn update(&mut self, set: &RecordedSet, frame: u64) {
        let rules = set.exercise.rules.len();
        for (i, (gauge, note)) in self.gauges.iter_mut().zip(&mut self.notes).enumerate() {
            let reading = if i < rules {
                rule_reading(set, i, frame)
            } else {
                rep_rule_reading(set, i - rules, frame)
            };
            if let Some(reading) = reading {
                gauge.value = reading.value;
                gauge.state = reading.state;
                *note = reading.note;
            }
        }
    }

    /// A red box with the flag's rule, message and numbers (durations at
    /// `fps`) at the top of `column`; returns the y under it (nothing is
    /// drawn when it does not fit in `column`).
    fn draw_flag(
        &mut self,
        canvas: &mut Mat,
        flag: &FlagSpan,
        set: &RecordedSet,
        fps: f64,
        column: Rect,
    ) -> opencv::Result<i32> {
        let (text, small) = (Font::new(TEXT_SCALE), Font::new(NOTE_SCALE));
        let (left, top, bottom) = (column.x, column.y, column.y + column.height);
        let room = column.width - 2 * BOX_PAD;
        wrap(
            &flag.message,
            &text,
            room,
            &mut self.scratch,
            &mut self.lines,
        )?;
        let height = 2 * BOX_PAD + text.line() + self.lines.len() as i32 * text.line() + small.cap;
        if top + height > bottom {
            return Ok(top);
        }
        fill(
            canvas,
            Rect::new(left, top, column.width, height),
            FLAG_COLOUR,
        )?;
        let x = left + BOX_PAD;
        let mut y = top + BOX_PAD;
        self.note.clear();
        self.note.push_str("FLAG  ");
        write_label(&mut self.text, &flag.rule);
        self.note.push_str(&self.text);
        text.put(canvas, &self.note, Point::new(x, y + text.cap), WHITE)?;
        y += text.line();
        for range in &self.lines {
            text.put(
                canvas,
                &flag.message[range.clone()],
                Point::new(x, y + text.cap),
                WHITE,
            )?;
            y += text.line();
        }
        write_flag_numbers(&mut self.note, flag, set, fps);
        small.put_with_degrees(canvas, &self.note, Point::new(x, y + small.cap), WHITE)?;
        Ok(top + height + SECTION_GAP / 2)
    }
}

/// The keys, at the bottom of `area`; returns their top.
fn draw_keys(canvas: &mut Mat, area: Rect) -> opencv::Result<i32> {
    let small = Font::new(NOTE_SCALE);
    let left = area.x + INSET;
    let count = KEY_HELP.len() as i32 + 1;
    let top = area.y + area.height - INSET - count * small.line();
    let mut y = top;
    small.put(canvas, "KEYS", Point::new(left, y + small.cap), MUTED_TEXT)?;
    y += small.line();
    for (keys, action) in KEY_HELP {
        small.put(canvas, keys, Point::new(left, y + small.cap), WHITE)?;
        small.put(
            canvas,
            action,
            Point::new(left + KEY_COLUMN, y + small.cap),
            MUTED_TEXT,
        )?;
        y += small.line();
    }
    Ok(top)
}

/// A thin line across the panel at `y`.
fn divider(canvas: &mut Mat, left: i32, right: i32, y: i32) -> opencv::Result<()> {
    imgproc::line(
        canvas,
        Point::new(left, y),
        Point::new(right, y),
        DIVIDER,
        1,
        imgproc::LINE_8,
        0,
    )
}

/// `v` of `metric` as shown: whole degrees with their sign, or percent.
fn write_value(out: &mut String, v: f32, metric: Metric) {
    let unit = Unit::of(metric);
    write_number(out, v, unit);
    if unit == Unit::Degrees {
        out.push('°');
    }
}

/// The line under a reading: what was measured, or why it was not judged.
fn write_note(out: &mut String, metric: Metric, note: Note) {
    out.clear();
    match note {
        Note::FromBaseline { raw, baseline } => {
            write_label(out, metric.name());
            out.push(' ');
            write_value(out, raw, metric);
            out.push_str(", baseline ");
            write_value(out, baseline, metric);
        }
        Note::NoBaseline { raw } => {
            write_label(out, metric.name());
            out.push(' ');
            write_value(out, raw, metric);
            out.push_str("; baseline not known");
        }
        Note::Measured => write_label(out, metric.name()),
        Note::CannotSee => {
            let _ = write!(out, "Not judged: cannot see the {}", metric.needs());
        }
        Note::WrongView(None) => out.push_str("Not judged: camera view not known yet"),
        Note::WrongView(Some(had)) => {
            let _ = write!(out, "Not judged: camera had the {} view", view_name(had));
        }
        Note::PerRep(extreme) => {
            let _ = write!(out, "Judged on each rep's {}", extreme.describe());
        }
        Note::FromFirstRep(first) => {
            out.push_str("Each rep's deepest point against the first rep's ");
            write_value(out, first, metric);
        }
        Note::NoFirstRep => out.push_str("Judged from the first rep's deepest point, once seen"),
    }
}

/// A view in words.
fn view_name(view: View) -> &'static str {
    match view {
        View::Side => "side",
        View::Front => "front",
        View::Oblique => "oblique",
        View::Any => "any",
    }
}

/// "up 0.80 s, worst 80%, limit 10%" (or "value 1.2 s, limit 2.0 s" for
/// a flag of one moment) in the flag's units; sizes for rules that fire
/// either way.
fn write_flag_numbers(out: &mut String, flag: &FlagSpan, set: &RecordedSet, fps: f64) {
    out.clear();
    let exercise = &set.exercise;
    let fires = exercise
        .rules
        .iter()
        .find(|r| r.id == flag.rule)
        .map(|r| r.fires)
        .or_else(|| {
            exercise
                .rep_rules
                .iter()
                .find(|r| r.id == flag.rule)
                .map(|r| r.fires)
        });
    let shown = |v: f32| match fires {
        Some(Direction::Beyond) => v.abs(),
        _ => v,
    };
    let metric = Metric::ALL.into_iter().find(|m| m.name() == flag.metric);
    let write = |out: &mut String, v: f32| match metric {
        Some(metric) => write_value(out, v, metric),
        None if flag.metric.ends_with("_s") => {
            let _ = write!(out, "{v:.1} s");
        }
        None => {
            let _ = write!(out, "{v:.2}");
        }
    };
    if flag.end > flag.start {
        out.push_str("up ");
        write_time(out, (flag.end - flag.start) as f64 / fps, 2);
        out.push_str(", worst ");
        write(out, shown(flag.peak));
    } else {
        out.push_str("value ");
        write(out, shown(flag.value));
    }
    out.push_str(", limit ");
    write(out, shown(flag.limit));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::review::set::fixtures::squat_set;

    #[test]
    fn a_rule_relative_to_the_baseline_reads_its_change_from_the_baseline_found_at_its_flag() {
        let set = squat_set();
        assert_eq!(set.baseline(0, 0), Some(44.0));
        assert_eq!(set.baseline(0, 199), Some(44.0));
        let at = |frame| rule_reading(&set, 0, frame).unwrap();
        // 40 + 10 − 44: fine.
        assert_eq!(
            at(20),
            Reading {
                value: Some(6.0),
                state: FormState::Fine,
                note: Note::FromBaseline {
                    raw: 50.0,
                    baseline: 44.0
                },
            }
        );
        // Hidden: not judged, grey.
        assert_eq!(at(55).state, FormState::CannotSee);
        assert_eq!(at(55).note, Note::CannotSee);
        // 40 + 48 − 44 = 44: within the 3° hysteresis of 45: amber.
        assert_eq!(at(96).value, Some(44.0));
        assert_eq!(at(96).state, FormState::Caution);
        // The flag is up from 100 to 110 (exclusive): red.
        assert_eq!(at(100).state, FormState::Flag);
        assert_eq!(at(109).state, FormState::Flag);
        assert_eq!(at(110).state, FormState::Caution);
        // The camera at the front from 150: the side rule is not judged.
        assert_eq!(at(150).note, Note::WrongView(Some(View::Front)));
        assert_eq!(at(150).state, FormState::CannotSee);
        assert_eq!(rule_reading(&set, 9, 0), None);
    }

    #[test]
    fn a_rule_that_never_flagged_has_no_baseline_and_says_so() {
        let set = squat_set();
        // Lateral shift: front rule; frames 150.. are front.
        assert_eq!(set.baseline(1, 160), None);
        let reading = rule_reading(&set, 1, 160).unwrap();
        assert_eq!(reading.value, None);
        assert_eq!(reading.state, FormState::Fine);
        assert_eq!(reading.note, Note::NoBaseline { raw: 0.02 });
        assert_eq!(
            rule_reading(&set, 1, 10).unwrap().note,
            Note::WrongView(Some(View::Side))
        );
    }

    #[test]
    fn notes_and_flag_numbers_read_as_words() {
        let set = squat_set();
        let mut out = String::new();
        write_note(
            &mut out,
            Metric::TrunkFromVertical,
            Note::FromBaseline {
                raw: 52.4,
                baseline: 40.0,
            },
        );
        assert_eq!(out, "Trunk from vertical 52°, baseline 40°");
        write_note(
            &mut out,
            Metric::LateralShift,
            Note::NoBaseline { raw: -0.52 },
        );
        assert_eq!(out, "Lateral shift -52%; baseline not known");
        write_note(&mut out, Metric::LateralShift, Note::CannotSee);
        assert_eq!(out, "Not judged: cannot see the hips and ankles");
        write_note(
            &mut out,
            Metric::LateralShift,
            Note::WrongView(Some(View::Side)),
        );
        assert_eq!(out, "Not judged: camera had the side view");
        write_note(
            &mut out,
            Metric::HipExtension,
            Note::PerRep(RepExtreme::Highest),
        );
        assert_eq!(out, "Judged on each rep's highest value");

        write_flag_numbers(&mut out, &set.events.flags[0], &set, 30.0);
        assert_eq!(out, "up 0.33 s, worst 48°, limit 45°");
        let shift = FlagSpan {
            rule: "lateral_shift".into(),
            metric: "lateral_shift".into(),
            start: 5,
            end: 29,
            message: String::new(),
            value: -0.69,
            peak: -0.8,
            limit: 0.1,
        };
        write_flag_numbers(&mut out, &shift, &set, 30.0);
        assert_eq!(out, "up 0.80 s, worst 80%, limit 10%");
        let tempo = FlagSpan {
            rule: "tempo_too_fast".into(),
            metric: "phase_duration_s".into(),
            start: 174,
            end: 174,
            message: String::new(),
            value: 1.1666,
            peak: 1.1666,
            limit: 2.0,
        };
        write_flag_numbers(&mut out, &tempo, &set, 30.0);
        assert_eq!(out, "value 1.2 s, limit 2.0 s");
    }
}
