//! The live display's sizes, given for a 720-line frame, scaled to the
//! frame at hand so that 480p and 1080p look the same.

use super::text::Font;
use crate::body::ImageSize;

/// The frame height at which the sizes below are given.
const REFERENCE_HEIGHT: f32 = 720.0;
/// The frame width at which the sizes below still fit side by side; a
/// narrower frame scales them down.
const REFERENCE_WIDTH: f32 = 960.0;

/// Sizes of this frame: the constants above scaled to its size.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Sizes {
    /// Frame width, pixels.
    pub(crate) width: i32,
    /// Frame height, pixels.
    pub(crate) height: i32,
    /// Pixels per pixel at 720 lines.
    scale: f32,
}

impl Sizes {
    pub(crate) fn of(size: ImageSize) -> Sizes {
        let scale =
            (size.height as f32 / REFERENCE_HEIGHT).min(size.width as f32 / REFERENCE_WIDTH);
        Sizes {
            width: size.width as i32,
            height: size.height as i32,
            scale,
        }
    }

    /// `px` pixels at 720 lines, in this frame's pixels (at least 1).
    pub(crate) fn px(&self, px: f32) -> i32 {
        ((px * self.scale).round() as i32).max(1)
    }

    /// A text style at font scale `scale` (at 720 lines).
    pub(crate) fn font(&self, scale: f32) -> Font {
        Font::new(scale * self.scale)
    }
}
