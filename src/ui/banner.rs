//! The banner: the one message of the live display in large type on a
//! full-width box in the form state's colour, across the top or the bottom
//! of the frame, whichever hides less of the body; laid out and drawn once
//! for as long as its message, state and frame size last.

use std::ops::Range;

use opencv::core::{Mat, Point, CV_8UC3};

use super::palette::{ink_on, state_colour};
use super::sizes::Sizes;
use super::text::{wrap, Font};
use crate::analysis::measure::MIN_VISIBILITY;
use crate::analysis::status::FormState;
use crate::body::Pose;

/// Banner font scale at 720 lines: capitals about 48 px tall, about 1.3 cm on
/// a 720-line laptop screen, three times the 20/20 letter at 3 m.
const BANNER_SCALE: f32 = 2.2;
/// Smallest banner font scale, for long messages, at 720 lines.
const BANNER_MIN_SCALE: f32 = 1.3;
/// Lines the banner may wrap to before its font shrinks.
const BANNER_MAX_LINES: usize = 2;
/// Each step of shrinking the banner's font for a long message.
const BANNER_SHRINK: f32 = 0.9;
/// Space between banner lines, in cap heights.
const BANNER_LINE_GAP: f32 = 0.55;
/// Padding inside the banner, in cap heights.
const BANNER_PAD: f32 = 0.6;

/// The banner's message broken into lines for a frame width, and the
/// banner drawn once for as long as its message, width and state last.
#[derive(Debug, Default)]
pub(crate) struct BannerLayout {
    /// The message laid out.
    pub(super) message: String,
    /// The frame size (width, height) it was laid out for.
    frame: (i32, i32),
    /// The font chosen.
    pub(super) font: Option<Font>,
    /// Byte ranges of `message`, one per line.
    pub(super) lines: Vec<Range<usize>>,
    /// The banner as drawn.
    pub(crate) image: Mat,
    /// The state `image` was drawn in; `None` when it must be drawn again.
    drawn: Option<FormState>,
}

impl BannerLayout {
    /// Lays `message` out for a frame of `sizes`, unless it already is;
    /// returns whether the message changed.
    pub(crate) fn update(
        &mut self,
        message: &str,
        sizes: &Sizes,
        scratch: &mut String,
    ) -> opencv::Result<bool> {
        let changed = self.message != message;
        let frame = (sizes.width, sizes.height);
        if !changed && self.frame == frame && self.font.is_some() {
            return Ok(false);
        }
        self.drawn = None;
        self.message.clear();
        self.message.push_str(message);
        self.frame = frame;
        let mut scale = BANNER_SCALE;
        loop {
            let font = sizes.font(scale);
            let room = sizes.width - 4 * pad(&font);
            wrap(&self.message, &font, room, scratch, &mut self.lines)?;
            self.font = Some(font);
            if self.lines.len() <= BANNER_MAX_LINES || scale <= BANNER_MIN_SCALE {
                return Ok(changed);
            }
            scale = (scale * BANNER_SHRINK).max(BANNER_MIN_SCALE);
        }
    }

    /// Height of the banner box, pixels (at most the frame's).
    pub(crate) fn height(&self, sizes: &Sizes) -> i32 {
        let Some(font) = self.font else {
            return 0;
        };
        let lines = self.lines.len().max(1) as i32;
        let height = 2 * pad(&font) + lines * font.cap + (lines - 1) * gap(&font) + font.thickness;
        height.min(sizes.height)
    }

    /// Draws the banner in `state`'s colours into `image`, unless it is
    /// already.
    pub(crate) fn render(&mut self, state: FormState, sizes: &Sizes) -> opencv::Result<()> {
        if self.drawn == Some(state) {
            return Ok(());
        }
        let Some(font) = self.font else {
            return Ok(());
        };
        self.image = Mat::new_rows_cols_with_default(
            self.height(sizes),
            sizes.width,
            CV_8UC3,
            state_colour(state),
        )?;
        let (pad, gap) = (pad(&font), gap(&font));
        let ink = ink_on(state);
        let mut baseline = pad + font.cap;
        for range in &self.lines {
            let line = &self.message[range.clone()];
            let x = ((sizes.width - font.width(line)?) / 2).max(pad);
            font.put(&mut self.image, line, Point::new(x, baseline), ink)?;
            baseline += font.cap + gap;
        }
        self.drawn = Some(state);
        Ok(())
    }
}

/// Which edge of the frame the banner is on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BannerEdge {
    /// Across the top.
    #[default]
    Top,
    /// Across the bottom.
    Bottom,
}

/// The edge where a banner `height` pixels tall hides less of `pose`'s
/// visible landmarks (the top on a tie).
pub(crate) fn clearer_edge(pose: &Pose, height: i32, sizes: &Sizes) -> BannerEdge {
    let ys = pose
        .landmarks
        .iter()
        .filter(|l| l.visibility >= MIN_VISIBILITY)
        .map(|l| l.y * sizes.height as f32);
    let (top, bottom) = ys.fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), y| {
        (lo.min(y), hi.max(y))
    });
    if top > bottom {
        return BannerEdge::Top;
    }
    let hidden_at_top = (height as f32 - top).max(0.0);
    let hidden_at_bottom = (bottom - (sizes.height - height) as f32).max(0.0);
    if hidden_at_bottom < hidden_at_top {
        BannerEdge::Bottom
    } else {
        BannerEdge::Top
    }
}

/// Padding inside the banner in `font`.
fn pad(font: &Font) -> i32 {
    (font.cap as f32 * BANNER_PAD).round() as i32
}

/// Space between banner lines in `font`.
fn gap(font: &Font) -> i32 {
    (font.cap as f32 * BANNER_LINE_GAP).round() as i32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::body::ImageSize;

    #[test]
    fn the_banner_wraps_long_messages_inside_the_frame() {
        let message = "Slow down and keep your pelvis level: both hips at the same \
                       height, knees over your toes, and breathe out as you push";
        for (w, h) in [(640, 480), (1280, 720), (320, 240)] {
            let sizes = Sizes::of(ImageSize {
                width: w as u32,
                height: h as u32,
            });
            let mut layout = BannerLayout::default();
            assert!(layout.update(message, &sizes, &mut String::new()).unwrap());
            let font = layout.font.unwrap();
            let room = w - 4 * pad(&font);
            assert!(layout.lines.len() >= 2);
            for line in &layout.lines {
                let text = &layout.message[line.clone()];
                assert!(font.width(text).unwrap() <= room, "{text:?} at {w}x{h}");
            }
            let rejoined: Vec<&str> = layout
                .lines
                .iter()
                .map(|r| &layout.message[r.clone()])
                .collect();
            assert_eq!(rejoined.join(" "), message);
            assert!(layout.height(&sizes) < h / 2, "{w}x{h}");
            // Laid out once: the same message again is not laid out anew.
            assert!(!layout.update(message, &sizes, &mut String::new()).unwrap());
        }
    }
}
