//! The timeline under the recording: one row per rule with its flags as red
//! spans and, in grey, where the rule could not be judged (landmarks not
//! visible enough, or the camera in another view); the reps as ticks; a
//! time axis; and the playhead. Also the flag-to-flag navigation.
//!
//! All but the playhead is drawn once, when the set is loaded, and copied
//! into each frame.

use std::fmt::Write as _;
use std::ops::Range;

use opencv::core::{Mat, Point, Rect, Scalar, Vector, CV_8UC3};
use opencv::imgproc;
use opencv::prelude::*;

use super::layout::{tick_step_s, Layout, TimeAxis, PAD};
use super::set::{FlagSpan, RecordedSet, Sight};
use super::write_time;
use crate::analysis::config::Exercise;
use crate::analysis::{HOLD_RULE, TEMPO_RULE};
use crate::ui::palette::{rgb, CANNOT_SEE_COLOUR, FLAG_COLOUR, MUTED_TEXT, TRACK, WHITE};
use crate::ui::text::{fill, write_label, Font};

/// The timeline's background.
const BACKGROUND: Scalar = rgb(18, 18, 18);
/// The playhead: a colour none of the form states uses.
pub const PLAYHEAD_COLOUR: Scalar = rgb(56, 189, 248);
/// Width of the playhead's line, pixels.
const PLAYHEAD_WIDTH: i32 = 2;
/// Size of the playhead's marker above the rows, pixels.
const PLAYHEAD_MARKER: i32 = 7;
/// Height of the grey "not judged" band, as a fraction of a row.
const UNJUDGED_BAND: f64 = 0.3;
/// Font scale of the row labels.
const LABEL_SCALE: f32 = 0.52;
/// Font scale of the axis and legend.
const SMALL_SCALE: f32 = 0.42;
/// Closest labelled ticks may be, pixels.
const MIN_TICK_SPACING: i32 = 80;
/// Length of an axis tick, pixels.
const TICK_LENGTH: i32 = 6;
/// Width of a legend swatch, pixels.
const SWATCH_WIDTH: i32 = 18;
/// Space between a tick or swatch and its words, pixels.
const LABEL_GAP: i32 = 4;

/// The rules shown as rows, top to bottom: the exercise's rules, its rep
/// rules, the tempo and hold-too-long checks when it has them, then any
/// other rule the log flagged.
pub fn rule_rows(exercise: &Exercise, flags: &[FlagSpan]) -> Vec<String> {
    let mut rows: Vec<String> = exercise.rule_ids().map(String::from).collect();
    let tempo = exercise
        .reps
        .as_ref()
        .is_some_and(|r| r.eccentric_min_s.is_some() || r.concentric_min_s.is_some());
    let hold = exercise.hold.as_ref().is_some_and(|h| h.max_s.is_some());
    for (wanted, id) in [(tempo, TEMPO_RULE), (hold, HOLD_RULE)] {
        if wanted {
            rows.push(id.to_string());
        }
    }
    for flag in flags {
        if !rows.contains(&flag.rule) {
            rows.push(flag.rule.clone());
        }
    }
    rows
}

/// The frames `n` and `p` go to: where each flag starts, in order, once.
pub fn flag_stops(flags: &[FlagSpan]) -> Vec<u64> {
    let mut stops: Vec<u64> = flags.iter().map(|f| f.start).collect();
    stops.sort_unstable();
    stops.dedup();
    stops
}

/// The first stop after `frame`.
pub fn next_stop(stops: &[u64], frame: u64) -> Option<u64> {
    stops.get(stops.partition_point(|&s| s <= frame)).copied()
}

/// The last stop before `frame` (inside a flag: the start of that flag).
pub fn previous_stop(stops: &[u64], frame: u64) -> Option<u64> {
    let before = stops.partition_point(|&s| s < frame);
    before.checked_sub(1).map(|i| stops[i])
}

/// The frames of `0..frames` where rule `rule` (an index into the
/// exercise's rules) could not be judged, as runs.
pub fn unjudged_runs(set: &RecordedSet, rule: usize, frames: u64) -> Vec<Range<u64>> {
    let Some(rule) = set.exercise.rules.get(rule) else {
        return Vec::new();
    };
    let mut runs: Vec<Range<u64>> = Vec::new();
    for frame in 0..frames {
        if matches!(set.sight(rule, frame), Sight::Seen(_)) {
            continue;
        }
        match runs.last_mut() {
            Some(run) if run.end == frame => run.end = frame + 1,
            _ => runs.push(frame..frame + 1),
        }
    }
    runs
}

/// The timeline, drawn once, and the playhead drawn over it each frame.
#[derive(Debug)]
pub struct Timeline {
    /// The strip without the playhead, the size of the layout's timeline.
    strip: Mat,
    /// Where the strip goes on the canvas.
    area: Rect,
    /// The rows and reps, which the playhead crosses.
    track: Rect,
    axis: TimeAxis,
    stops: Vec<u64>,
    /// The playhead's marker, moved each frame.
    marker: Vector<Point>,
}

impl Timeline {
    /// Draws the timeline of `set` (`frames` frames at `fps`) for
    /// `layout`, whose rows are `rows`.
    pub fn new(
        set: &RecordedSet,
        rows: &[String],
        layout: &Layout,
        frames: u64,
        fps: f64,
    ) -> opencv::Result<Timeline> {
        let axis = layout.time_axis(frames);
        let mut strip = Strip::new(layout.timeline)?;
        for (i, id) in rows.iter().enumerate() {
            let rule = set.exercise.rules.iter().position(|r| &r.id == id);
            let unjudged = rule.map(|r| unjudged_runs(set, r, frames));
            let flags = set.events.flags.iter().filter(|f| &f.rule == id);
            strip.rule_row(
                layout.row(i),
                id,
                &axis,
                &unjudged.unwrap_or_default(),
                flags,
            )?;
        }
        strip.reps(layout.reps_row(), &axis, set)?;
        strip.time_axis(layout.axis(), &axis, frames as f64 / fps, fps)?;
        strip.legend(layout.axis())?;
        Ok(Timeline {
            strip: strip.placed.image,
            area: layout.timeline,
            track: layout.track,
            axis,
            stops: flag_stops(&set.events.flags),
            marker: Vector::from_slice(&[Point::default(); 3]),
        })
    }

    /// Where `n` and `p` go: the frames where flags start.
    pub fn stops(&self) -> &[u64] {
        &self.stops
    }

    /// Copies the timeline into `canvas` with the playhead at `frame`.
    pub fn draw(&mut self, canvas: &mut Mat, frame: u64) -> opencv::Result<()> {
        {
            let mut strip = canvas.roi_mut(self.area)?;
            self.strip.copy_to(&mut strip)?;
        }
        let x = self.axis.centre_of(frame);
        let top = self.track.y - PLAYHEAD_MARKER;
        let bottom = self.track.y + self.track.height + PLAYHEAD_MARKER;
        fill(
            canvas,
            Rect::new(x - PLAYHEAD_WIDTH / 2, top, PLAYHEAD_WIDTH, bottom - top),
            PLAYHEAD_COLOUR,
        )?;
        let corners = [
            Point::new(x - PLAYHEAD_MARKER, top - PLAYHEAD_MARKER),
            Point::new(x + PLAYHEAD_MARKER, top - PLAYHEAD_MARKER),
            Point::new(x, top + 1),
        ];
        for (i, corner) in corners.into_iter().enumerate() {
            self.marker.set(i, corner)?;
        }
        imgproc::fill_convex_poly(canvas, &self.marker, PLAYHEAD_COLOUR, imgproc::LINE_AA, 0)
    }
}

/// An image drawn on in the coordinates of the canvas it will be copied
/// into.
struct Placed {
    image: Mat,
    /// Where the image sits on the canvas.
    origin: Point,
}

impl Placed {
    fn fill(&mut self, rect: Rect, colour: Scalar) -> opencv::Result<()> {
        let (x, y) = (rect.x - self.origin.x, rect.y - self.origin.y);
        fill(
            &mut self.image,
            Rect::new(x, y, rect.width, rect.height),
            colour,
        )
    }

    /// Draws `text` at `org`; returns the x of its right end.
    fn put(&mut self, font: &Font, text: &str, org: Point, colour: Scalar) -> opencv::Result<i32> {
        let at = Point::new(org.x - self.origin.x, org.y - self.origin.y);
        Ok(font.put(&mut self.image, text, at, colour)? + self.origin.x)
    }
}

/// The timeline being drawn, with a text buffer.
struct Strip {
    placed: Placed,
    text: String,
}

impl Strip {
    fn new(area: Rect) -> opencv::Result<Strip> {
        let image = Mat::new_rows_cols_with_default(area.height, area.width, CV_8UC3, BACKGROUND)?;
        Ok(Strip {
            placed: Placed {
                image,
                origin: Point::new(area.x, area.y),
            },
            text: String::new(),
        })
    }

    /// The x of the label column's text.
    fn label_x(&self) -> i32 {
        self.placed.origin.x + PAD
    }

    /// A rule's row: the track, grey where it was not judged, red where
    /// its flags were up; its label and flag count on the left.
    fn rule_row<'a>(
        &mut self,
        row: Rect,
        id: &str,
        axis: &TimeAxis,
        unjudged: &[Range<u64>],
        flags: impl Iterator<Item = &'a FlagSpan>,
    ) -> opencv::Result<()> {
        let placed = &mut self.placed;
        placed.fill(row, TRACK)?;
        let band = (f64::from(row.height) * UNJUDGED_BAND).round() as i32;
        for run in unjudged {
            let (x, width) = axis.span(run.start, run.end);
            let y = row.y + (row.height - band) / 2;
            placed.fill(Rect::new(x, y, width, band), CANNOT_SEE_COLOUR)?;
        }
        let mut count = 0;
        for flag in flags {
            let (x, width) = axis.span(flag.start, flag.end);
            placed.fill(Rect::new(x, row.y, width, row.height), FLAG_COLOUR)?;
            count += 1;
        }
        let font = Font::new(LABEL_SCALE);
        let baseline = row.y + (row.height + font.cap) / 2;
        let (label, count_colour) = if count > 0 {
            (WHITE, FLAG_COLOUR)
        } else {
            (MUTED_TEXT, MUTED_TEXT)
        };
        let label_x = self.label_x();
        write_label(&mut self.text, id);
        let placed = &mut self.placed;
        placed.put(&font, &self.text, Point::new(label_x, baseline), label)?;
        self.text.clear();
        let _ = write!(self.text, "{count}");
        let x = row.x - PAD - font.width(&self.text)?;
        placed.put(&font, &self.text, Point::new(x, baseline), count_colour)?;
        Ok(())
    }

    /// The reps row: a tick at each rep's end, with its number.
    fn reps(&mut self, row: Rect, axis: &TimeAxis, set: &RecordedSet) -> opencv::Result<()> {
        let (font, small) = (Font::new(LABEL_SCALE), Font::new(SMALL_SCALE));
        let baseline = row.y + (row.height + font.cap) / 2;
        let label_x = self.label_x();
        let placed = &mut self.placed;
        placed.put(&font, "Reps", Point::new(label_x, baseline), MUTED_TEXT)?;
        for rep in &set.events.reps {
            let x = axis.centre_of(rep.frame);
            placed.fill(Rect::new(x - 1, row.y, 2, row.height), WHITE)?;
            self.text.clear();
            let _ = write!(self.text, "{}", rep.index);
            placed.put(
                &small,
                &self.text,
                Point::new(x + LABEL_GAP, baseline),
                WHITE,
            )?;
        }
        Ok(())
    }

    /// Ticks along `row` every round number of seconds of the
    /// recording's `seconds` (`fps` frames a second), labelled.
    fn time_axis(
        &mut self,
        row: Rect,
        axis: &TimeAxis,
        seconds: f64,
        fps: f64,
    ) -> opencv::Result<()> {
        let small = Font::new(SMALL_SCALE);
        let step = tick_step_s(seconds, row.width, MIN_TICK_SPACING);
        let decimals = usize::from(step < 1.0);
        let baseline = row.y + TICK_LENGTH + LABEL_GAP + small.cap;
        let mut t = 0.0;
        while t <= seconds {
            let x = axis.x_of((t * fps).round() as u64);
            self.placed
                .fill(Rect::new(x, row.y, 1, TICK_LENGTH), MUTED_TEXT)?;
            self.text.clear();
            write_time(&mut self.text, t, decimals);
            let width = small.width(&self.text)?;
            let x = (x - width / 2).clamp(row.x, row.x + row.width - width);
            self.placed
                .put(&small, &self.text, Point::new(x, baseline), MUTED_TEXT)?;
            t += step;
        }
        Ok(())
    }

    /// What the colours mean, in the label column beside the axis `row`.
    fn legend(&mut self, row: Rect) -> opencv::Result<()> {
        let small = Font::new(SMALL_SCALE);
        let top = row.y + TICK_LENGTH + LABEL_GAP;
        let mut x = self.label_x();
        for (colour, words) in [(FLAG_COLOUR, "flag"), (CANNOT_SEE_COLOUR, "not judged")] {
            self.placed
                .fill(Rect::new(x, top, SWATCH_WIDTH, small.cap), colour)?;
            x += SWATCH_WIDTH + LABEL_GAP;
            let org = Point::new(x, top + small.cap);
            x = self.placed.put(&small, words, org, MUTED_TEXT)? + 2 * LABEL_GAP;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flag(rule: &str, start: u64, end: u64) -> FlagSpan {
        FlagSpan {
            rule: rule.into(),
            metric: String::new(),
            start,
            end,
            message: String::new(),
            value: 0.0,
            peak: 0.0,
            limit: 0.0,
        }
    }

    #[test]
    fn n_and_p_go_from_flag_start_to_flag_start() {
        let flags = [
            flag("lateral_shift", 52, 56),
            flag("lateral_shift", 63, 67),
            flag("tempo_too_fast", 174, 174),
            flag("tempo_too_fast", 174, 174),
            flag("trunk_flexion", 100, 120),
        ];
        let stops = flag_stops(&flags);
        assert_eq!(stops, [52, 63, 100, 174]);
        assert_eq!(next_stop(&stops, 0), Some(52));
        assert_eq!(next_stop(&stops, 52), Some(63));
        assert_eq!(next_stop(&stops, 55), Some(63));
        assert_eq!(next_stop(&stops, 174), None);
        assert_eq!(previous_stop(&stops, 174), Some(100));
        // Inside a flag: back to its start; at its start: the one before.
        assert_eq!(previous_stop(&stops, 110), Some(100));
        assert_eq!(previous_stop(&stops, 100), Some(63));
        assert_eq!(previous_stop(&stops, 52), None);
        assert_eq!(previous_stop(&stops, 229), Some(174));
        assert_eq!(next_stop(&[], 0), None);
        assert_eq!(previous_stop(&[], 10), None);
    }

    fn is(canvas: &Mat, x: i32, y: i32, colour: Scalar) -> bool {
        let p = canvas.at_2d::<opencv::core::Vec3b>(y, x).unwrap();
        (0..3).all(|c| f64::from(p[c]) == colour[c])
    }

    #[test]
    fn the_strip_shows_flags_red_unjudged_grey_and_the_playhead() {
        let set = crate::review::set::fixtures::squat_set();
        let rows = rule_rows(&set.exercise, &set.events.flags);
        let size = crate::body::ImageSize {
            width: 1280,
            height: 720,
        };
        let layout = Layout::new(size, rows.len());
        let mut timeline = Timeline::new(&set, &rows, &layout, 200, 30.0).unwrap();
        assert_eq!(timeline.stops(), [100]);
        let mut canvas = Mat::new_rows_cols_with_default(
            layout.canvas.height as i32,
            layout.canvas.width as i32,
            CV_8UC3,
            Scalar::all(0.0),
        )
        .unwrap();
        timeline.draw(&mut canvas, 20).unwrap();
        let axis = layout.time_axis(200);
        let trunk = layout.row(0);
        let middle = trunk.y + trunk.height / 2;
        // The flag, frames 100..110, red the row's full height.
        for x in axis.x_of(100)..axis.x_of(110) {
            assert!(is(&canvas, x, trunk.y, FLAG_COLOUR), "x {x}");
            assert!(is(&canvas, x, trunk.y + trunk.height - 1, FLAG_COLOUR));
        }
        // Hidden in 50..60: a grey band in the middle of the row.
        let hidden = (axis.x_of(50) + axis.x_of(60)) / 2;
        assert!(is(&canvas, hidden, middle, CANNOT_SEE_COLOUR));
        assert!(is(&canvas, hidden, trunk.y, TRACK));
        // Judged and fine: the bare track.
        assert!(is(&canvas, axis.x_of(80), middle, TRACK));
        // The playhead crosses every row at frame 20.
        let x = axis.centre_of(20);
        for y in layout.track.y..layout.track.y + layout.track.height {
            assert!(is(&canvas, x, y, PLAYHEAD_COLOUR), "y {y}");
        }
        // Drawn again elsewhere, it leaves no trace.
        timeline.draw(&mut canvas, 150).unwrap();
        assert!(is(&canvas, x, middle, TRACK));
        assert!(is(&canvas, axis.centre_of(150), middle, PLAYHEAD_COLOUR));
    }

    #[test]
    fn where_a_rule_could_not_be_judged_runs_are_found() {
        let set = crate::review::set::fixtures::squat_set();
        // Trunk flexion (side): hidden in 50..60, front camera from 150.
        assert_eq!(unjudged_runs(&set, 0, 200), [50..60, 150..200]);
        // Lateral shift (front): judged only from 150; nothing measured
        // past 200.
        assert_eq!(unjudged_runs(&set, 1, 210), [0..150, 200..210]);
        assert_eq!(unjudged_runs(&set, 7, 210), []);
    }

    #[test]
    fn every_rule_has_a_row_and_flags_of_other_checks_get_theirs() {
        let squat = Exercise::named("squat").unwrap();
        let rows = rule_rows(&squat, &[flag("lateral_shift", 1, 2)]);
        assert_eq!(
            rows,
            [
                "trunk_flexion",
                "lateral_shift",
                "trunk_rotation",
                "back_rounding",
                "back_rounding_from_first_rep",
                TEMPO_RULE
            ]
        );
        let rows = rule_rows(&squat, &[flag("something_new", 1, 2)]);
        assert_eq!(rows.last().map(String::as_str), Some("something_new"));
        let bridge = Exercise::named("glute_bridge").unwrap();
        let rows = rule_rows(&bridge, &[]);
        assert!(
            rows.contains(&"incomplete_extension".to_string()),
            "{rows:?}"
        );
        let plank = Exercise::named("plank").unwrap();
        assert_eq!(rule_rows(&plank, &[]).len(), plank.rules.len());
    }
}
