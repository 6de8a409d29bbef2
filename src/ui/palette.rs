//! The colours of every screen (the live display, review, the prompts and
//! the drawn skeleton), each written once as red, green, blue.

use opencv::core::Scalar;

use crate::analysis::status::FormState;

/// A BGR colour from its red, green and blue components.
pub const fn rgb(r: u8, g: u8, b: u8) -> Scalar {
    Scalar::from_array([b as f64, g as f64, r as f64, 0.0])
}

/// Skeleton and gauge colour when all is well.
pub const FINE_COLOUR: Scalar = rgb(34, 197, 94);
/// Colour of a caution: near a limit, or past it for less than its minimum
/// duration; also the colour of the banner's warnings.
pub const CAUTION_COLOUR: Scalar = rgb(245, 158, 11);
/// Colour of a raised flag: skeleton, gauge and the banner's background.
pub const FLAG_COLOUR: Scalar = rgb(220, 38, 38);
/// Colour when the camera cannot see enough to judge.
pub const CANNOT_SEE_COLOUR: Scalar = rgb(160, 160, 160);
/// Text on dark panels and on the red banner.
pub const WHITE: Scalar = rgb(255, 255, 255);
/// Text on light banners (amber, grey, green).
pub const BLACK: Scalar = rgb(0, 0, 0);
/// Secondary text on dark panels.
pub const MUTED_TEXT: Scalar = rgb(190, 190, 190);
/// Outline under the skeleton, so it shows on light and dark scenes alike.
pub const SKELETON_OUTLINE: Scalar = rgb(20, 20, 20);
/// Empty part of a gauge or progress bar.
pub const TRACK: Scalar = rgb(70, 70, 70);
/// The part of a gauge past the limit, while the value is short of it.
pub const DANGER_TRACK: Scalar = rgb(110, 40, 40);
/// The limit's tick on a gauge and the target's on the hold bar.
pub const LIMIT_MARK: Scalar = WHITE;
/// Background of the indicator chips.
pub const CHIP: Scalar = rgb(30, 30, 30);

/// The colour of a form state.
pub fn state_colour(state: FormState) -> Scalar {
    match state {
        FormState::Fine => FINE_COLOUR,
        FormState::Caution => CAUTION_COLOUR,
        FormState::Flag => FLAG_COLOUR,
        FormState::CannotSee => CANNOT_SEE_COLOUR,
    }
}

/// The colour of text on a background of `state`'s colour.
pub fn ink_on(state: FormState) -> Scalar {
    match state {
        FormState::Flag => WHITE,
        FormState::Fine | FormState::Caution | FormState::CannotSee => BLACK,
    }
}

/// The background of the pages between sets (a demonstration, a rest, the
/// session's summary): calmer than a question's, and told apart from it.
pub const PAGE_BACKGROUND: Scalar = rgb(16, 40, 56);
