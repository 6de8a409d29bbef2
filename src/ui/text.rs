//! Text on a frame: the one typeface and its sizes, the degree sign it
//! lacks, line breaking, labels and numbers as the patient reads them, and
//! the filled and shaded boxes text sits on.

use std::fmt::Write as _;
use std::ops::Range;

use opencv::core::{Mat, Point, Rect, Scalar, Vec3b};
use opencv::imgproc;
use opencv::prelude::*;

use crate::analysis::measure::Metric;

/// The one typeface (OpenCV's Hershey fonts; it has no degree sign, so one is
/// drawn).
const FONT: i32 = imgproc::FONT_HERSHEY_DUPLEX;
/// Cap height of [`FONT`] at scale 1, pixels.
const FONT_CAP_HEIGHT: f32 = 22.0;
/// Stroke thickness per unit of font scale.
const STROKE_PER_SCALE: f32 = 1.7;
/// How much of a panel's background brightness is kept (of 256).
const PANEL_SHADE: u16 = 80;
/// Space between text lines, in cap heights.
const LINE_GAP: f32 = 0.6;
/// Radius of the drawn degree sign, in cap heights.
const DEGREE_RADIUS: f32 = 0.14;
/// Room taken by the drawn degree sign, in cap heights.
const DEGREE_ROOM: f32 = 0.45;
/// The degree sign, drawn by [`Font::put_with_degrees`].
const DEGREE: char = '°';

/// The unit a metric is shown in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Unit {
    /// Shown in whole degrees.
    Degrees,
    /// A ratio, shown in percent.
    Ratio,
}

impl Unit {
    /// The unit `metric` is shown in: degrees for angles, percent for the
    /// ratios.
    pub(crate) fn of(metric: Metric) -> Unit {
        if metric.is_angle() {
            Unit::Degrees
        } else {
            Unit::Ratio
        }
    }
}

/// Writes `id` (`trunk_flexion`) as a label (`Trunk flexion`) into `out`.
pub(crate) fn write_label(out: &mut String, id: &str) {
    out.clear();
    for (i, c) in id.chars().enumerate() {
        match c {
            '_' | '-' => out.push(' '),
            c if i == 0 => out.extend(c.to_uppercase()),
            c => out.push(c),
        }
    }
}

/// A font scale with its stroke and cap height.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Font {
    scale: f64,
    /// Stroke thickness, pixels.
    pub(crate) thickness: i32,
    /// Height of a capital, pixels.
    pub(crate) cap: i32,
}

impl Font {
    pub(crate) fn new(scale: f32) -> Font {
        Font {
            scale: f64::from(scale),
            thickness: ((scale * STROKE_PER_SCALE).round() as i32).max(1),
            cap: ((scale * FONT_CAP_HEIGHT).round() as i32).max(1),
        }
    }

    /// Cap height plus the gap below it, in pixels.
    pub(crate) fn line(&self) -> i32 {
        self.cap + (self.cap as f32 * LINE_GAP).round() as i32
    }

    pub(crate) fn width(&self, text: &str) -> opencv::Result<i32> {
        let mut baseline = 0;
        let size = imgproc::get_text_size(text, FONT, self.scale, self.thickness, &mut baseline)?;
        Ok(size.width)
    }

    /// Draws `text` with its baseline's left end at `org`; returns the x of
    /// its right end.
    pub(crate) fn put(
        &self,
        frame: &mut Mat,
        text: &str,
        org: Point,
        colour: Scalar,
    ) -> opencv::Result<i32> {
        imgproc::put_text(
            frame,
            text,
            org,
            FONT,
            self.scale,
            colour,
            self.thickness,
            imgproc::LINE_AA,
            false,
        )?;
        Ok(org.x + self.width(text)?)
    }

    /// Draws `text`, whose degree signs (which the font lacks) are drawn
    /// as small circles, with its baseline's left end at `org`; returns the
    /// x of its right end.
    pub(crate) fn put_with_degrees(
        &self,
        frame: &mut Mat,
        text: &str,
        org: Point,
        colour: Scalar,
    ) -> opencv::Result<i32> {
        let mut x = org.x;
        for (i, part) in text.split(DEGREE).enumerate() {
            if i > 0 {
                self.put_degree(frame, x, org.y, colour)?;
                x += self.degree_width();
            }
            if !part.is_empty() {
                x = self.put(frame, part, Point::new(x, org.y), colour)?;
            }
        }
        Ok(x)
    }

    /// Width of the drawn degree sign.
    pub(crate) fn degree_width(&self) -> i32 {
        (self.cap as f32 * DEGREE_ROOM).round() as i32
    }

    /// Draws a degree sign after text ending at `x` on baseline `y`.
    pub(crate) fn put_degree(
        &self,
        frame: &mut Mat,
        x: i32,
        y: i32,
        colour: Scalar,
    ) -> opencv::Result<()> {
        let radius = (self.cap as f32 * DEGREE_RADIUS).round().max(1.0) as i32;
        let centre = Point::new(x + radius + self.thickness, y - self.cap + radius);
        imgproc::circle(
            frame,
            centre,
            radius,
            colour,
            self.thickness.clamp(1, 2),
            imgproc::LINE_AA,
            0,
        )
    }
}

/// Darkens `rect` of `frame` to [`PANEL_SHADE`]/256 of its brightness, so
/// that text on it reads against any scene.
pub(crate) fn shade(frame: &mut Mat, rect: Rect) -> opencv::Result<()> {
    let size = frame.size()?;
    let x0 = rect.x.clamp(0, size.width) as usize;
    let x1 = (rect.x + rect.width).clamp(0, size.width) as usize;
    for y in rect.y.max(0)..(rect.y + rect.height).min(size.height) {
        let row = frame.at_row_mut::<Vec3b>(y)?;
        for px in &mut row[x0..x1] {
            for c in px.iter_mut() {
                *c = ((u16::from(*c) * PANEL_SHADE) >> 8) as u8;
            }
        }
    }
    Ok(())
}

/// A filled rectangle.
pub(crate) fn fill(frame: &mut Mat, rect: Rect, colour: Scalar) -> opencv::Result<()> {
    imgproc::rectangle(frame, rect, colour, imgproc::FILLED, imgproc::LINE_8, 0)
}

/// Breaks `message` at spaces into `lines` (byte ranges of it) no wider than
/// `room` in `font` (a single word wider than that gets a line of its own).
pub(crate) fn wrap(
    message: &str,
    font: &Font,
    room: i32,
    scratch: &mut String,
    lines: &mut Vec<Range<usize>>,
) -> opencv::Result<()> {
    lines.clear();
    let text = message.trim();
    let offset = message.len() - message.trim_start().len();
    let mut start: Option<usize> = None;
    let mut end = 0;
    for (at, word) in words(text) {
        let (at, word_end) = (offset + at, offset + at + word.len());
        let Some(s) = start else {
            start = Some(at);
            end = word_end;
            continue;
        };
        scratch.clear();
        scratch.push_str(&message[s..word_end]);
        if font.width(scratch)? <= room {
            end = word_end;
        } else {
            lines.push(s..end);
            start = Some(at);
            end = word_end;
        }
    }
    if let Some(s) = start {
        lines.push(s..end);
    }
    Ok(())
}

/// The words of `text` with their byte offsets.
fn words(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split(' ')
        .scan(0usize, |at, word| {
            let start = *at;
            *at += word.len() + 1;
            Some((start, word))
        })
        .filter(|(_, w)| !w.is_empty())
}

/// `v` in `unit`: whole degrees, or percent for ratios.
pub(crate) fn write_number(out: &mut String, v: f32, unit: Unit) {
    let _ = match unit {
        Unit::Degrees => write!(out, "{v:.0}"),
        Unit::Ratio => write!(out, "{:.0}%", v * 100.0),
    };
}
