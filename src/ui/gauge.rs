//! A gauge: a bar that fills towards the patient's limit (a tick three
//! quarters along) and past it, with the value and the limit beside it.

use opencv::core::{Mat, Point, Rect, Scalar};

use super::palette::{state_colour, LIMIT_MARK, MUTED_TEXT, TRACK};
use super::sizes::Sizes;
use super::text::{fill, write_number, Font, Unit};
use crate::analysis::config::Direction;
use crate::analysis::status::Gauge;

/// Extra height of the limit tick above and below a bar, pixels at 720 lines.
const TICK_OVERHANG: f32 = 5.0;
/// Width of the limit tick, pixels at 720 lines.
const TICK_WIDTH: f32 = 3.0;
/// Where a gauge's limit sits along its bar (0 left, 1 right).
pub(crate) const LIMIT_AT: f32 = 0.75;
/// The widest range of degrees a gauge shows on the safe side of its limit.
const GAUGE_SPAN_DEGREES: f32 = 45.0;
/// The widest reading a gauge is laid out for (degree signs drawn apart).
const WIDEST_READING: &str = "188 / 190";

/// Where `gauge`'s value sits along its bar, 0 (left, safe) to 1 (right,
/// past the limit), with the limit three quarters along; `None` when the
/// value could not be judged.
///
/// The bar shows how far the value is from going wrong: the safe part
/// spans the limit's own size (a limit of 10° from baseline shows 0–10°),
/// at most 45° for angles measured from zero (a knee that must not bend
/// past 90° fills from 135°).
pub fn gauge_fraction(gauge: &Gauge) -> Option<f32> {
    let value = gauge.value.filter(|v| v.is_finite())?;
    let limit = gauge.limit;
    let past = match gauge.fires {
        Direction::Above => value - limit,
        Direction::Below => limit - value,
        Direction::Beyond => value.abs() - limit.abs(),
    };
    let mut span = limit.abs();
    if Unit::of(gauge.metric) == Unit::Degrees {
        span = span.min(GAUGE_SPAN_DEGREES);
    }
    let span = span.max(f32::EPSILON);
    Some((LIMIT_AT * (1.0 + past / span)).clamp(0.0, 1.0))
}

/// Draws a horizontal bar in `track`: filled to `frac` in `colour`, the part
/// past `mark` on the empty track in `danger` when given, and a tick at
/// `mark`.
pub(crate) fn draw_bar(
    frame: &mut Mat,
    track: Rect,
    frac: f32,
    colour: Scalar,
    danger: Option<Scalar>,
    mark: f32,
    sizes: &Sizes,
) -> opencv::Result<()> {
    let at = |f: f32| track.x + (f * track.width as f32).round() as i32;
    fill(frame, track, TRACK)?;
    if let Some(danger) = danger {
        let from = at(mark);
        fill(
            frame,
            Rect::new(from, track.y, track.x + track.width - from, track.height),
            danger,
        )?;
    }
    let filled = at(frac) - track.x;
    if filled > 0 {
        fill(
            frame,
            Rect::new(track.x, track.y, filled, track.height),
            colour,
        )?;
    }
    let tick = at(mark);
    let over = sizes.px(TICK_OVERHANG);
    let width = sizes.px(TICK_WIDTH);
    fill(
        frame,
        Rect::new(
            tick - width / 2,
            track.y - over,
            width,
            track.height + 2 * over,
        ),
        LIMIT_MARK,
    )?;
    Ok(())
}

/// "38° / 45°", right-aligned at `end` (the baseline's right end): the
/// gauge's value (its size for rules that fire either way) in its state's
/// colour and its limit; `text` and `scratch` are buffers to format in.
pub(crate) fn put_reading(
    frame: &mut Mat,
    gauge: &Gauge,
    font: &Font,
    end: Point,
    text: &mut String,
    scratch: &mut String,
) -> opencv::Result<()> {
    let (right, baseline) = (end.x, end.y);
    let unit = Unit::of(gauge.metric);
    let shown = |v: f32| match gauge.fires {
        Direction::Beyond => v.abs(),
        Direction::Above | Direction::Below => v,
    };
    let value = gauge.value.filter(|v| v.is_finite()).map(shown);
    let sign = if unit == Unit::Degrees {
        font.degree_width()
    } else {
        0
    };
    text.clear();
    match value {
        Some(v) => write_number(text, v, unit),
        None => text.push_str("--"),
    }
    let value_sign = if value.is_some() { sign } else { 0 };
    let value_width = font.width(text)? + value_sign;
    scratch.clear();
    scratch.push_str(" / ");
    write_number(scratch, shown(gauge.limit), unit);
    let limit_width = font.width(scratch)? + sign;
    let colour = if value.is_some() {
        state_colour(gauge.state)
    } else {
        MUTED_TEXT
    };
    let mut x = right - value_width - limit_width;
    x = font.put(frame, text, Point::new(x, baseline), colour)?;
    if value_sign > 0 {
        font.put_degree(frame, x, baseline, colour)?;
        x += value_sign;
    }
    x = font.put(frame, scratch, Point::new(x, baseline), MUTED_TEXT)?;
    if sign > 0 {
        font.put_degree(frame, x, baseline, MUTED_TEXT)?;
    }
    Ok(())
}

/// Room for the widest reading a gauge shows ("188° / 190°").
pub(crate) fn reading_width(font: &Font) -> opencv::Result<i32> {
    Ok(font.width(WIDEST_READING)? + 2 * font.degree_width())
}
