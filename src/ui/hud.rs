//! The heads-up display drawn onto each live frame for the patient.
//!
//! The patient is often two or three metres from the screen, sometimes lying
//! down, and cannot use a mouse mid-set. So the display says one thing
//! loudly and the rest quietly:
//!
//! - **the banner**: the one message of the [`Status`] (the flag's
//!   instruction, what the camera cannot see, where to put the camera) in
//!   large type on a full-width box in the state's colour, across the top
//!   or, when that hides less of the body, the bottom; absent when all is
//!   well;
//! - **the skeleton** in the state's colour: green fine, amber caution, red
//!   flag, grey when the camera cannot see enough to judge;
//! - **the left panel**: exercise, set, rep count, the last rep's tempo
//!   against its target ("down 2.1 s / 2 s"), the hold clock;
//! - **the right panel**: one gauge per rule, a bar that fills towards the
//!   patient's limit (the white tick) and past it, with value and limit;
//! - **the bottom corners**: paused, muted and recording indicators, and the
//!   stage timings when the user asked for them.
//!
//! Sizes are given for a 720-line frame and scaled with the frame, so 480p
//! and 1080p look the same. The [`Hud`] keeps its text buffers and the
//! banner between frames: the banner is laid out and drawn again only when
//! its message, its state or the frame size changes, and copied into the
//! frames in between.

use std::fmt::Write as _;

use opencv::core::{Mat, Point, Rect, Scalar, CV_8UC3};
use opencv::imgproc;
use opencv::prelude::*;

use super::banner::{clearer_edge, BannerLayout};
use super::gauge::{draw_bar, gauge_fraction, put_reading, reading_width, LIMIT_AT};
use super::palette::{
    state_colour, BLACK, CANNOT_SEE_COLOUR, CAUTION_COLOUR, CHIP, DANGER_TRACK, FINE_COLOUR,
    FLAG_COLOUR, MUTED_TEXT, SKELETON_OUTLINE, WHITE,
};
use super::sizes::Sizes;
use super::skeleton::{draw_back_outline, draw_skeleton_styled, SkeletonStyle};
use super::text::{fill, shade, write_label};
use crate::analysis::back_outline::OutlineDrawing;
use crate::analysis::config::Exercise;
use crate::analysis::measure::Metric;
use crate::analysis::status::{FormState, HoldClock, Status, Tempo};
use crate::body::{ImageSize, Pose};

pub use super::banner::BannerEdge;

/// Space between the frame's edges and the panels, pixels at 720 lines.
const MARGIN: f32 = 16.0;
/// Padding inside panels, pixels at 720 lines.
const PAD: f32 = 14.0;
/// Width of the left and right panels, pixels at 720 lines.
const PANEL_WIDTH: f32 = 340.0;
/// Font scale of panel text at 720 lines.
const TEXT_SCALE: f32 = 0.8;
/// The left panel's row for an exercise whose back's outline is not judged.
const NO_OUTLINE: &str = "Back shape: not seen";
/// Font scale of the rep count at 720 lines.
const REPS_SCALE: f32 = 2.4;
/// Font scale of gauge labels at 720 lines.
const GAUGE_TEXT_SCALE: f32 = 0.75;
/// Font scale of gauge readings (value / limit) at 720 lines.
const READING_SCALE: f32 = 0.6;
/// Font scale of the indicator chips at 720 lines.
const CHIP_SCALE: f32 = 0.9;
/// Font scale of the timings block at 720 lines.
const TIMINGS_SCALE: f32 = 0.55;
/// Height of a gauge or progress bar, pixels at 720 lines.
const BAR_HEIGHT: f32 = 16.0;
/// The hold bar's length past the target when there is no longest hold, as
/// a multiple of the target.
const HOLD_BAR_PAST_TARGET: f32 = 1.25;
/// Thickness of the skeleton's bones relative to the plain overlay.
const SKELETON_WEIGHT: f32 = 1.5;
/// Radius of the skeleton's joints, in bone thicknesses.
const SKELETON_JOINT_RADIUS: f32 = 1.1;

/// What the window shows besides the set itself.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct HudExtras<'a> {
    /// Analysis is paused.
    pub paused: bool,
    /// Spoken and audible cues are off.
    pub muted: bool,
    /// The set is being recorded.
    pub recording: bool,
    /// The set's number, from 1.
    pub set: u32,
    /// Stage timings to show (lines separated by `\n`), when asked for.
    pub timings: Option<&'a str>,
    /// The back's outline and its two fitted lines, when asked for and
    /// measured on this frame.
    pub outline: Option<&'a OutlineDrawing>,
}

/// Errors of drawing the display.
#[derive(Debug, thiserror::Error)]
pub enum HudError {
    /// The frame has no pixels, or is not 8-bit BGR.
    #[error("frame is empty or not 8-bit 3-channel BGR")]
    BadFrame,
    /// OpenCV failed to draw.
    #[error("drawing failed: {0}")]
    Image(#[from] opencv::Error),
}

/// A row of the left panel.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Row {
    Title,
    Set,
    Reps,
    Down(Tempo),
    Up(Tempo),
    Hold(HoldClock),
    HoldBar(HoldClock),
    /// The exercise's rules do not judge the back's outline (the back on
    /// the floor or a backrest, or a view that cannot show it).
    NoOutline,
}

/// Draws the heads-up display; keeps its buffers from frame to frame.
///
/// The banner goes across the top of the frame, or across the bottom when
/// it would hide less of the body there (a person standing fills the top,
/// one lying down often the bottom). The edge is chosen when a message
/// appears or changes and kept while it stays, so the banner does not jump
/// as the person moves.
#[derive(Debug, Default)]
pub struct Hud {
    /// Text being formatted.
    text: String,
    /// A second text buffer (labels, measuring).
    scratch: String,
    /// The banner's line breaks.
    banner: BannerLayout,
    /// Where the banner is, while one is shown.
    edge: Option<BannerEdge>,
    /// The left panel's rows.
    rows: Vec<Row>,
}

impl Hud {
    /// A display with empty buffers.
    pub fn new() -> Hud {
        Hud::default()
    }

    /// Draws the display for `status` of `exercise` onto `frame` (8-bit
    /// BGR, in place): the panels, the indicators of `extras`, the skeleton
    /// of `pose` when there is one, and the banner.
    pub fn draw(
        &mut self,
        frame: &mut Mat,
        pose: Option<&Pose>,
        status: &Status,
        exercise: &Exercise,
        extras: &HudExtras<'_>,
    ) -> Result<(), HudError> {
        if frame.empty() || frame.typ() != CV_8UC3 {
            return Err(HudError::BadFrame);
        }
        let sizes = Sizes::of(ImageSize::of(frame)?);
        let banner = self.layout_banner(status, pose, &sizes)?;
        let (top, bottom) = match banner {
            Some((BannerEdge::Top, height)) => (height, sizes.height),
            Some((BannerEdge::Bottom, height)) => (0, sizes.height - height),
            None => (0, sizes.height),
        };
        let margin = sizes.px(MARGIN);
        self.draw_progress(frame, status, exercise, extras, top + margin, &sizes)?;
        self.draw_gauges(frame, status, top + margin, &sizes)?;
        let chips_top = Self::draw_indicators(frame, extras, bottom - margin, &sizes)?;
        if let Some(timings) = extras.timings {
            Self::draw_timings(frame, timings, chips_top, &sizes)?;
        }
        if let Some(pose) = pose {
            let style = SkeletonStyle::single(
                state_colour(status.state),
                SKELETON_OUTLINE,
                SKELETON_WEIGHT,
                SKELETON_JOINT_RADIUS,
            );
            draw_skeleton_styled(frame, pose, &style)?;
        }
        if let Some(outline) = extras.outline {
            draw_back_outline(frame, outline)?;
        }
        if let Some((edge, height)) = banner {
            self.draw_banner(frame, status.state, edge, height, &sizes)?;
        }
        Ok(())
    }

    /// Where the banner was last drawn, if it is shown.
    pub fn banner_edge(&self) -> Option<BannerEdge> {
        self.edge
    }

    /// Lays the banner out for `status`'s message and chooses its edge;
    /// returns the edge and its height, `None` without a message.
    fn layout_banner(
        &mut self,
        status: &Status,
        pose: Option<&Pose>,
        sizes: &Sizes,
    ) -> opencv::Result<Option<(BannerEdge, i32)>> {
        let message = status.message.trim();
        if message.is_empty() {
            self.edge = None;
            return Ok(None);
        }
        let changed = self.banner.update(message, sizes, &mut self.scratch)?;
        let height = self.banner.height(sizes);
        let edge = match self.edge {
            Some(edge) if !changed => edge,
            _ => pose.map_or(BannerEdge::Top, |p| clearer_edge(p, height, sizes)),
        };
        self.edge = Some(edge);
        Ok(Some((edge, height)))
    }

    /// The banner, laid out by [`Hud::layout_banner`], on `edge`: drawn
    /// when it changes, copied into each frame.
    fn draw_banner(
        &mut self,
        frame: &mut Mat,
        state: FormState,
        edge: BannerEdge,
        height: i32,
        sizes: &Sizes,
    ) -> opencv::Result<()> {
        self.banner.render(state, sizes)?;
        let top = match edge {
            BannerEdge::Top => 0,
            BannerEdge::Bottom => sizes.height - height,
        };
        let mut strip = frame.roi_mut(Rect::new(0, top, sizes.width, height))?;
        self.banner.image.copy_to(&mut strip)
    }

    /// The left panel: exercise, set, reps, tempo, hold.
    fn draw_progress(
        &mut self,
        frame: &mut Mat,
        status: &Status,
        exercise: &Exercise,
        extras: &HudExtras<'_>,
        top: i32,
        sizes: &Sizes,
    ) -> opencv::Result<()> {
        self.rows.clear();
        self.rows.extend([Row::Title, Row::Set]);
        if exercise.reps.is_some() {
            self.rows.push(Row::Reps);
            if let Some(tempo) = status.last_rep {
                self.rows.extend([Row::Down(tempo), Row::Up(tempo)]);
            }
        }
        if let Some(hold) = status.hold {
            self.rows.extend([Row::Hold(hold), Row::HoldBar(hold)]);
        }
        if !exercise.judges(Metric::BackBend) {
            self.rows.push(Row::NoOutline);
        }
        let text = sizes.font(TEXT_SCALE);
        let big = sizes.font(REPS_SCALE);
        let bar = sizes.px(BAR_HEIGHT);
        let row_height = |row: &Row| match row {
            Row::Reps => big.line(),
            Row::HoldBar(_) => bar + text.line() - text.cap,
            _ => text.line(),
        };
        let pad = sizes.px(PAD);
        let content: i32 = self.rows.iter().map(row_height).sum();
        let panel = Rect::new(
            sizes.px(MARGIN),
            top,
            sizes.px(PANEL_WIDTH),
            content + 2 * pad - (text.line() - text.cap),
        );
        shade(frame, panel)?;
        let x = panel.x + pad;
        let right = panel.x + panel.width - pad;
        let mut y = top + pad;
        for row in &self.rows {
            let height = row_height(row);
            let baseline = y + if matches!(row, Row::Reps) {
                big.cap
            } else {
                text.cap
            };
            let org = Point::new(x, baseline);
            self.text.clear();
            match *row {
                Row::Title => {
                    text.put(frame, &exercise.title, org, WHITE)?;
                }
                Row::Set => {
                    let _ = write!(self.text, "Set {}", extras.set);
                    text.put(frame, &self.text, org, MUTED_TEXT)?;
                }
                Row::Reps => {
                    let _ = write!(self.text, "{}", status.reps);
                    let end = big.put(frame, &self.text, org, WHITE)?;
                    let label = if status.reps == 1 { " rep" } else { " reps" };
                    text.put(frame, label, Point::new(end, baseline), MUTED_TEXT)?;
                }
                Row::Down(t) => {
                    let colour = tempo_colour(t.eccentric_s, t.eccentric_min_s);
                    write_tempo(&mut self.text, "down", t.eccentric_s, t.eccentric_min_s);
                    text.put(frame, &self.text, org, colour)?;
                }
                Row::Up(t) => {
                    let colour = tempo_colour(t.concentric_s, t.concentric_min_s);
                    write_tempo(&mut self.text, "up", t.concentric_s, t.concentric_min_s);
                    text.put(frame, &self.text, org, colour)?;
                }
                Row::Hold(h) => {
                    let _ = write!(self.text, "Hold {:.1} s / {:.0} s", h.held_s, h.target_s);
                    text.put(frame, &self.text, org, hold_colour(&h))?;
                }
                Row::NoOutline => {
                    text.put(frame, NO_OUTLINE, org, MUTED_TEXT)?;
                }
                Row::HoldBar(h) => {
                    let full = h
                        .max_s
                        .unwrap_or(h.target_s * HOLD_BAR_PAST_TARGET)
                        .max(h.target_s);
                    let frac = (h.held_s as f32 / full.max(f32::EPSILON)).clamp(0.0, 1.0);
                    let target = (h.target_s / full.max(f32::EPSILON)).clamp(0.0, 1.0);
                    let track = Rect::new(x, y, right - x, bar);
                    draw_bar(frame, track, frac, hold_colour(&h), None, target, sizes)?;
                }
            }
            y += height;
        }
        Ok(())
    }

    /// The right panel: a gauge per rule, its label above a bar with the
    /// reading beside it.
    fn draw_gauges(
        &mut self,
        frame: &mut Mat,
        status: &Status,
        top: i32,
        sizes: &Sizes,
    ) -> opencv::Result<()> {
        if status.gauges.is_empty() {
            return Ok(());
        }
        let font = sizes.font(GAUGE_TEXT_SCALE);
        let bar = sizes.px(BAR_HEIGHT);
        let pad = sizes.px(PAD);
        let gap = font.line() - font.cap;
        let bar_row = bar.max(font.cap);
        let each = font.line() + bar_row + gap;
        let count = status.gauges.len() as i32;
        let width = sizes.px(PANEL_WIDTH);
        let panel = Rect::new(
            sizes.width - sizes.px(MARGIN) - width,
            top,
            width,
            2 * pad + count * each - gap,
        );
        shade(frame, panel)?;
        let (x, right) = (panel.x + pad, panel.x + panel.width - pad);
        let small = sizes.font(READING_SCALE);
        let reading = reading_width(&small)?;
        let bar_right = right - reading - pad / 2;
        let mut y = top + pad;
        for gauge in &status.gauges {
            let seen = gauge.value.is_some_and(f32::is_finite);
            write_label(&mut self.scratch, &gauge.rule);
            let label_colour = if seen { WHITE } else { MUTED_TEXT };
            font.put(
                frame,
                &self.scratch,
                Point::new(x, y + font.cap),
                label_colour,
            )?;
            let row = y + font.line();
            let track = Rect::new(x, row + (bar_row - bar) / 2, bar_right - x, bar);
            let frac = gauge_fraction(gauge).unwrap_or(0.0);
            let colour = state_colour(gauge.state);
            draw_bar(
                frame,
                track,
                frac,
                colour,
                Some(DANGER_TRACK),
                LIMIT_AT,
                sizes,
            )?;
            let baseline = row + (bar_row + small.cap) / 2;
            put_reading(
                frame,
                gauge,
                &small,
                Point::new(right, baseline),
                &mut self.text,
                &mut self.scratch,
            )?;
            y += each;
        }
        Ok(())
    }

    /// The paused, muted and recording chips along the bottom left; returns
    /// their top edge.
    fn draw_indicators(
        frame: &mut Mat,
        extras: &HudExtras<'_>,
        bottom: i32,
        sizes: &Sizes,
    ) -> opencv::Result<i32> {
        let font = sizes.font(CHIP_SCALE);
        let pad = sizes.px(PAD) * 2 / 3;
        let height = font.cap + 2 * pad;
        let top = bottom - height;
        let mut x = sizes.px(MARGIN);
        // (shown, label, background, ink, with a red dot)
        let chips = [
            (extras.paused, "PAUSED", CAUTION_COLOUR, BLACK, false),
            (extras.muted, "MUTED", CANNOT_SEE_COLOUR, BLACK, false),
            (extras.recording, "REC", CHIP, WHITE, true),
        ];
        for (_, label, background, ink, with_dot) in chips.into_iter().filter(|c| c.0) {
            let dot = if with_dot { font.cap } else { 0 };
            let dot_space = if with_dot { dot + pad / 2 } else { 0 };
            let width = font.width(label)? + 2 * pad + dot_space;
            fill(frame, Rect::new(x, top, width, height), background)?;
            if with_dot {
                let centre = Point::new(x + pad + dot / 2, top + height / 2);
                imgproc::circle(
                    frame,
                    centre,
                    dot / 2,
                    FLAG_COLOUR,
                    imgproc::FILLED,
                    imgproc::LINE_AA,
                    0,
                )?;
            }
            font.put(
                frame,
                label,
                Point::new(x + pad + dot_space, top + pad + font.cap),
                ink,
            )?;
            x += width + pad;
        }
        Ok(top)
    }

    /// The timings block, lines of `timings`, in the bottom right corner,
    /// above the indicator row.
    fn draw_timings(
        frame: &mut Mat,
        timings: &str,
        chips_top: i32,
        sizes: &Sizes,
    ) -> opencv::Result<()> {
        let font = sizes.font(TIMINGS_SCALE);
        let pad = sizes.px(PAD);
        let mut widest = 0;
        let mut count = 0;
        for line in timings.lines() {
            widest = widest.max(font.width(line)?);
            count += 1;
        }
        if count == 0 {
            return Ok(());
        }
        let gap = font.line() - font.cap;
        let height = 2 * pad + count * font.line() - gap;
        let width = widest + 2 * pad;
        let bottom = chips_top - sizes.px(MARGIN) / 2;
        let panel = Rect::new(
            sizes.width - sizes.px(MARGIN) - width,
            bottom - height,
            width,
            height,
        );
        shade(frame, panel)?;
        let mut baseline = panel.y + pad + font.cap;
        for line in timings.lines() {
            font.put(frame, line, Point::new(panel.x + pad, baseline), WHITE)?;
            baseline += font.line();
        }
        Ok(())
    }
}

/// "down 2.1 s / 2 s" (or "down 2.1 s" without a target).
fn write_tempo(out: &mut String, phase: &str, took_s: f64, target_s: Option<f32>) {
    out.clear();
    let _ = write!(out, "{phase} {took_s:.1} s");
    if let Some(target) = target_s {
        let _ = write!(out, " / {target} s");
    }
}

/// Amber for a phase faster than its target, else white.
fn tempo_colour(took_s: f64, target_s: Option<f32>) -> Scalar {
    match target_s {
        Some(target) if took_s < f64::from(target) => CAUTION_COLOUR,
        _ => WHITE,
    }
}

/// Green once the target is reached, red past the longest allowed, else
/// white.
fn hold_colour(hold: &HoldClock) -> Scalar {
    if hold.max_s.is_some_and(|max| hold.held_s > f64::from(max)) {
        FLAG_COLOUR
    } else if hold.held_s >= f64::from(hold.target_s) {
        FINE_COLOUR
    } else {
        WHITE
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::config::{exercises_dir, Direction};
    use crate::analysis::status::Gauge;
    use crate::body::{ImageLandmark, Joint};
    use crate::ui::text::{write_number, Font, Unit};
    use opencv::core::Vec3b;
    use opencv::core::{Scalar, CV_8UC1};

    fn black(width: i32, height: i32) -> Mat {
        Mat::new_rows_cols_with_default(height, width, CV_8UC3, Scalar::all(0.0)).unwrap()
    }

    fn pixel(frame: &Mat, x: i32, y: i32) -> [u8; 3] {
        let p = frame.at_2d::<Vec3b>(y, x).unwrap();
        [p[0], p[1], p[2]]
    }

    fn bgr(colour: Scalar) -> [u8; 3] {
        [colour[0] as u8, colour[1] as u8, colour[2] as u8]
    }

    fn squat() -> Exercise {
        Exercise::named("squat").unwrap()
    }

    /// A person standing, facing the camera, between `top` and `bottom`
    /// (fractions of the frame height), every landmark fully visible.
    fn standing(top: f32, bottom: f32) -> Pose {
        let mut pose = Pose::default();
        let y = |f: f32| top + f * (bottom - top);
        for (joint, l) in Joint::ALL.iter().zip(pose.landmarks.iter_mut()) {
            let name = format!("{joint:?}");
            let side = if name.starts_with("Left") {
                0.05
            } else if name.starts_with("Right") {
                -0.05
            } else {
                0.0
            };
            let (dx, fy) = match joint {
                Joint::LeftShoulder | Joint::RightShoulder => (2.0, 0.2),
                Joint::LeftElbow | Joint::RightElbow => (3.0, 0.35),
                Joint::LeftHip | Joint::RightHip => (1.0, 0.5),
                Joint::LeftKnee | Joint::RightKnee => (1.0, 0.72),
                Joint::LeftAnkle | Joint::RightAnkle => (1.0, 0.95),
                Joint::LeftHeel | Joint::RightHeel => (1.0, 0.97),
                Joint::LeftFootIndex | Joint::RightFootIndex => (1.6, 1.0),
                Joint::LeftWrist
                | Joint::RightWrist
                | Joint::LeftPinky
                | Joint::RightPinky
                | Joint::LeftIndex
                | Joint::RightIndex
                | Joint::LeftThumb
                | Joint::RightThumb => (3.2, 0.5),
                _ => (0.2, 0.05),
            };
            *l = ImageLandmark {
                x: 0.5 + side * dx,
                y: y(fy),
                z: 0.0,
                visibility: 0.95,
                presence: 0.95,
            };
        }
        pose
    }

    fn gauge(metric: Metric, fires: Direction, limit: f32, value: Option<f32>) -> Gauge {
        Gauge {
            rule: "trunk_flexion".into(),
            metric,
            value,
            limit,
            fires,
            state: FormState::Fine,
        }
    }

    /// A status with everything the display can show.
    fn full_status(state: FormState, message: &str) -> Status {
        Status {
            state,
            fault: None,
            message: message.into(),
            gauges: vec![
                Gauge {
                    state,
                    ..gauge(
                        Metric::TrunkFromVertical,
                        Direction::Above,
                        45.0,
                        Some(52.0),
                    )
                },
                Gauge {
                    rule: "lateral_shift".into(),
                    state: FormState::CannotSee,
                    ..gauge(Metric::LateralShift, Direction::Beyond, 0.1, None)
                },
            ],
            reps: 7,
            last_rep: Some(Tempo {
                eccentric_s: 2.1,
                concentric_s: 0.7,
                eccentric_min_s: Some(2.0),
                concentric_min_s: Some(1.0),
            }),
            hold: Some(HoldClock {
                held_s: 12.3,
                target_s: 30.0,
                max_s: Some(45.0),
            }),
        }
    }

    fn quiet(state: FormState) -> Status {
        Status {
            state,
            ..Status::default()
        }
    }

    const FLAG_MESSAGE: &str = "Keep your chest up: less forward lean";

    #[test]
    fn a_flag_puts_a_red_banner_with_white_text_across_the_top() {
        let mut frame = black(1280, 720);
        let status = full_status(FormState::Flag, FLAG_MESSAGE);
        let mut hud = Hud::new();
        hud.draw(&mut frame, None, &status, &squat(), &HudExtras::default())
            .unwrap();
        assert_eq!(hud.banner_edge(), Some(BannerEdge::Top));
        let height = hud.banner.height(&Sizes::of(ImageSize {
            width: 1280,
            height: 720,
        }));
        // Big type: at least 40 px capitals on 720 lines, two lines here.
        assert!(hud.banner.font.unwrap().cap >= 40);
        assert_eq!(hud.banner.lines.len(), 2);
        assert!(height > 100 && height < 720 / 3, "{height}");
        let (mut red, mut white) = (0, 0);
        for y in 0..height {
            for x in (0..1280).step_by(4) {
                match pixel(&frame, x, y) {
                    p if p == bgr(FLAG_COLOUR) => red += 1,
                    [255, 255, 255] => white += 1,
                    _ => {}
                }
            }
        }
        let total = height * 320;
        assert!(red > total / 2, "{red} of {total} red");
        assert!(white > total / 20, "{white} of {total} white: no text?");
        // Just below the banner, in the middle, the frame is untouched.
        assert_eq!(pixel(&frame, 640, height + 200), [0, 0, 0]);
    }

    #[test]
    fn the_skeleton_takes_the_state_colour() {
        let pose = standing(0.3, 0.95);
        let hip = pose.landmark(Joint::LeftHip);
        let knee = pose.landmark(Joint::LeftKnee);
        let (x, y) = (
            ((hip.x + knee.x) / 2.0 * 1280.0).round() as i32,
            ((hip.y + knee.y) / 2.0 * 720.0).round() as i32,
        );
        for state in [
            FormState::Fine,
            FormState::Caution,
            FormState::Flag,
            FormState::CannotSee,
        ] {
            let mut frame = black(1280, 720);
            let mut hud = Hud::new();
            hud.draw(
                &mut frame,
                Some(&pose),
                &quiet(state),
                &squat(),
                &HudExtras::default(),
            )
            .unwrap();
            assert_eq!(pixel(&frame, x, y), bgr(state_colour(state)), "{state:?}");
        }
    }

    #[test]
    fn joints_the_model_cannot_see_are_not_drawn() {
        let mut pose = standing(0.3, 0.95);
        let knee = *pose.landmark(Joint::LeftKnee);
        let (kx, ky) = (
            (knee.x * 1280.0).round() as i32,
            (knee.y * 720.0).round() as i32,
        );
        let drawn_near_knee = |pose: &Pose| {
            let mut frame = black(1280, 720);
            Hud::new()
                .draw(
                    &mut frame,
                    Some(pose),
                    &quiet(FormState::Fine),
                    &squat(),
                    &HudExtras::default(),
                )
                .unwrap();
            (-8..=8)
                .flat_map(|dy| (-8..=8).map(move |dx| (dx, dy)))
                .filter(|(dx, dy)| pixel(&frame, kx + dx, ky + dy) != [0, 0, 0])
                .count()
        };
        assert!(drawn_near_knee(&pose) > 100);
        pose.landmarks[Joint::LeftKnee.index()].visibility = 0.3;
        assert_eq!(drawn_near_knee(&pose), 0);
    }

    #[test]
    fn the_banner_goes_where_it_hides_less_of_the_body_and_stays() {
        let mut hud = Hud::new();
        let status = quiet(FormState::Flag);
        let status = Status {
            message: FLAG_MESSAGE.into(),
            ..status
        };
        let draw = |hud: &mut Hud, pose: &Pose, status: &Status| {
            let mut frame = black(1280, 720);
            hud.draw(
                &mut frame,
                Some(pose),
                status,
                &squat(),
                &HudExtras::default(),
            )
            .unwrap();
            frame
        };
        let standing_high = standing(0.05, 0.55);
        let lying_low = standing(0.6, 0.98);
        let frame = draw(&mut hud, &standing_high, &status);
        assert_eq!(hud.banner_edge(), Some(BannerEdge::Bottom));
        assert_eq!(pixel(&frame, 5, 715), bgr(FLAG_COLOUR));
        // The person moves but the message is the same: the banner stays.
        draw(&mut hud, &lying_low, &status);
        assert_eq!(hud.banner_edge(), Some(BannerEdge::Bottom));
        // A new message is placed afresh.
        let other = Status {
            message: "Keep your hips level".into(),
            ..status.clone()
        };
        let frame = draw(&mut hud, &lying_low, &other);
        assert_eq!(hud.banner_edge(), Some(BannerEdge::Top));
        assert_eq!(pixel(&frame, 5, 5), bgr(FLAG_COLOUR));
        // No message, no banner.
        draw(&mut hud, &lying_low, &quiet(FormState::Fine));
        assert_eq!(hud.banner_edge(), None);
    }

    #[test]
    fn nothing_panics_from_tiny_to_full_hd_and_portrait() {
        let sizes = [
            (320, 240),
            (640, 480),
            (1280, 720),
            (1920, 1080),
            (330, 1280),
            (16, 16),
            (1, 1),
        ];
        let timings = "pose 21.3 ms\nanalysis 0.1 ms\nhud 2.0 ms\n\nwindow 0.8 ms";
        // An outline partly off the smaller frames.
        let outline = OutlineDrawing {
            outline: (0..33)
                .map(|i| [100.0 + i as f32, 200.0 - i as f32])
                .collect(),
            lower: [[100.0, 200.0], [115.0, 185.0]],
            upper: [[118.0, 182.0], [132.0, 168.0]],
        };
        let extras = HudExtras {
            paused: true,
            muted: true,
            recording: true,
            set: 3,
            timings: Some(timings),
            outline: Some(&outline),
        };
        let pose = standing(0.1, 0.9);
        let mut hud = Hud::new();
        for (w, h) in sizes {
            for (state, message) in [
                (FormState::Fine, ""),
                (FormState::Caution, "Almost at your limit"),
                (FormState::Flag, FLAG_MESSAGE),
                (FormState::CannotSee, "Can't see your hips: step back"),
            ] {
                let mut frame = black(w, h);
                let status = full_status(state, message);
                hud.draw(&mut frame, Some(&pose), &status, &squat(), &extras)
                    .unwrap_or_else(|e| panic!("{w}x{h} {state:?}: {e}"));
                hud.draw(
                    &mut frame,
                    None,
                    &Status::default(),
                    &squat(),
                    &HudExtras::default(),
                )
                .unwrap();
            }
        }
    }

    #[test]
    fn indicators_show_along_the_bottom() {
        let mut frame = black(1280, 720);
        let extras = HudExtras {
            paused: true,
            ..HudExtras::default()
        };
        Hud::new()
            .draw(&mut frame, None, &quiet(FormState::Fine), &squat(), &extras)
            .unwrap();
        let sizes = Sizes::of(ImageSize {
            width: 1280,
            height: 720,
        });
        let (x, y) = (sizes.px(MARGIN) + 2, 720 - sizes.px(MARGIN) - 2);
        assert_eq!(pixel(&frame, x, y), bgr(CAUTION_COLOUR));
        let mut plain = black(1280, 720);
        Hud::new()
            .draw(
                &mut plain,
                None,
                &quiet(FormState::Fine),
                &squat(),
                &HudExtras::default(),
            )
            .unwrap();
        assert_eq!(pixel(&plain, x, y), [0, 0, 0]);
    }

    #[test]
    fn gauges_fill_towards_the_limit_and_past_it() {
        let above = gauge(
            Metric::TrunkFromVertical,
            Direction::Above,
            45.0,
            Some(45.0),
        );
        assert_eq!(gauge_fraction(&above), Some(LIMIT_AT));
        let at = |g: &Gauge, v: f32| {
            gauge_fraction(&Gauge {
                value: Some(v),
                ..g.clone()
            })
            .unwrap()
        };
        assert_eq!(at(&above, 0.0), 0.0);
        assert_eq!(at(&above, 60.0), 1.0);
        assert!(at(&above, 30.0) < at(&above, 40.0));
        // A knee that must not bend below 90°: straight is empty, 90° at the
        // limit, the span capped at 45°.
        let below = gauge(Metric::KneeAngle, Direction::Below, 90.0, None);
        assert_eq!(gauge_fraction(&below), None);
        assert_eq!(at(&below, 180.0), 0.0);
        assert_eq!(at(&below, 135.0), 0.0);
        assert_eq!(at(&below, 90.0), LIMIT_AT);
        assert_eq!(at(&below, 70.0), 1.0);
        // Either way from baseline: the size counts.
        let beyond = gauge(Metric::PelvisTilt, Direction::Beyond, 10.0, None);
        assert_eq!(at(&beyond, -10.0), LIMIT_AT);
        assert_eq!(at(&beyond, 5.0), at(&beyond, -5.0));
        // Ratios span their limit, not 45.
        let ratio = gauge(Metric::LateralShift, Direction::Beyond, 0.1, None);
        assert!((at(&ratio, 0.05) - LIMIT_AT / 2.0).abs() < 1e-6);
        let nan = Gauge {
            value: Some(f32::NAN),
            ..ratio
        };
        assert_eq!(gauge_fraction(&nan), None);
    }

    #[test]
    fn labels_tempo_and_numbers_read_as_words() {
        let mut out = String::new();
        write_label(&mut out, "trunk_off_backrest");
        assert_eq!(out, "Trunk off backrest");
        write_tempo(&mut out, "down", 2.14, Some(2.0));
        assert_eq!(out, "down 2.1 s / 2 s");
        write_tempo(&mut out, "up", 0.8, None);
        assert_eq!(out, "up 0.8 s");
        out.clear();
        write_number(&mut out, 0.083, Unit::Ratio);
        assert_eq!(out, "8%");
        assert_eq!(tempo_colour(1.2, Some(2.0)), CAUTION_COLOUR);
        assert_eq!(tempo_colour(2.2, Some(2.0)), WHITE);
    }

    #[test]
    fn degree_signs_are_drawn_as_circles_where_the_text_has_them() {
        let font = Font::new(1.0);
        let inked = |text: &str| {
            let mut frame = black(200, 40);
            let end = font
                .put_with_degrees(&mut frame, text, Point::new(10, 30), WHITE)
                .unwrap();
            let columns: Vec<i32> = (0..200)
                .filter(|&x| (0..40).any(|y| pixel(&frame, x, y) != [0, 0, 0]))
                .collect();
            (end, columns)
        };
        let (plain_end, plain) = inked("45");
        let (end, with_sign) = inked("45°");
        assert_eq!(plain_end, 10 + font.width("45").unwrap());
        assert_eq!(end, plain_end + font.degree_width());
        // Ink past the digits, inside the sign's room.
        let last = *with_sign.last().unwrap();
        assert!(last > *plain.last().unwrap() && last <= end, "{last} {end}");
        // Text after the sign goes on after its room.
        let (end, _) = inked("45° / 50°");
        let (rest, _) = inked("45");
        assert!(end > rest + font.width(" / 50").unwrap());
    }

    #[test]
    fn every_shipped_exercise_fits_its_panels() {
        let sizes = Sizes::of(ImageSize {
            width: 1280,
            height: 720,
        });
        let inner = sizes.px(PANEL_WIDTH) - 2 * sizes.px(PAD);
        let (text, label) = (sizes.font(TEXT_SCALE), sizes.font(GAUGE_TEXT_SCALE));
        let small = sizes.font(READING_SCALE);
        let bar = inner - reading_width(&small).unwrap() - sizes.px(PAD) / 2;
        assert!(bar > inner / 2, "gauge bars {bar} px of {inner}");
        assert!(text.width(NO_OUTLINE).unwrap() <= inner, "{NO_OUTLINE}");
        let mut checked = 0;
        let mut name = String::new();
        for entry in std::fs::read_dir(exercises_dir()).unwrap() {
            let exercise = Exercise::load(&entry.unwrap().path()).unwrap();
            assert!(
                text.width(&exercise.title).unwrap() <= inner,
                "{}",
                exercise.title
            );
            for rule in &exercise.rules {
                write_label(&mut name, &rule.id);
                assert!(label.width(&name).unwrap() <= inner, "{name}");
                checked += 1;
            }
        }
        assert!(checked >= 12);
    }

    #[test]
    fn a_grey_or_empty_frame_is_refused() {
        let mut grey = Mat::new_rows_cols_with_default(10, 10, CV_8UC1, Scalar::all(0.0)).unwrap();
        let status = Status::default();
        let mut hud = Hud::new();
        let extras = HudExtras::default();
        let result = hud.draw(&mut grey, None, &status, &squat(), &extras);
        assert!(matches!(result, Err(HudError::BadFrame)));
        let result = hud.draw(&mut Mat::default(), None, &status, &squat(), &extras);
        assert!(matches!(result, Err(HudError::BadFrame)));
    }
}
