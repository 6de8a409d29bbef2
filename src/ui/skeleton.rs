//! The skeleton drawn over a frame, in place.

use opencv::core::{Mat, Point, Scalar};
use opencv::imgproc;

use super::palette::{rgb, WHITE};
use crate::analysis::back_outline::OutlineDrawing;
use crate::analysis::measure::MIN_VISIBILITY;
use crate::body::{ImageSize, Pose, SKELETON};

/// Line colour of the bones in the plain overlay.
const BONE: Scalar = WHITE;
/// Fill colour of the joints in the plain overlay (amber).
const JOINT: Scalar = rgb(255, 200, 0);
/// Colour of the back's outline as measured (cyan).
const OUTLINE: Scalar = rgb(0, 255, 255);
/// Colour of the two lines fitted to it (magenta).
const OUTLINE_FIT: Scalar = rgb(255, 0, 255);
/// Frame pixels (of the longer side) per pixel of bone thickness.
const PIXELS_PER_THICKNESS: f32 = 400.0;
/// Thinnest bone, pixels.
const MIN_THICKNESS: i32 = 2;
/// Joint radius of the plain overlay, in bone thicknesses.
const JOINT_RADIUS: f32 = 2.0;

/// How a skeleton is drawn: colours of bones and joints, and an optional
/// dark outline that keeps it visible on any background.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SkeletonStyle {
    /// Bone colour .
    pub bone: Scalar,
    /// Joint colour .
    pub joint: Scalar,
    /// Outline colour drawn under bones and joints, if any .
    pub outline: Option<Scalar>,
    /// Bone thickness as a multiple of the size-scaled default.
    pub weight: f32,
    /// Joint radius, in bone thicknesses.
    pub joint_radius: f32,
}

impl Default for SkeletonStyle {
    /// White bones, amber joints, no outline: the overlay of `formcheck pose`.
    fn default() -> Self {
        SkeletonStyle {
            bone: BONE,
            joint: JOINT,
            outline: None,
            weight: 1.0,
            joint_radius: JOINT_RADIUS,
        }
    }
}

impl SkeletonStyle {
    /// Bones and joints all in `colour`, outlined in `outline`, bones
    /// `weight` times as thick as the default, joints of `joint_radius`
    /// bone thicknesses.
    pub fn single(
        colour: Scalar,
        outline: Scalar,
        weight: f32,
        joint_radius: f32,
    ) -> SkeletonStyle {
        SkeletonStyle {
            bone: colour,
            joint: colour,
            outline: Some(outline),
            weight,
            joint_radius,
        }
    }
}

/// Draws the bones and joints of `pose` whose landmarks are visible onto
/// `frame` (8-bit BGR), scaled to the frame's size, in the default style.
pub fn draw_skeleton(frame: &mut Mat, pose: &Pose) -> opencv::Result<()> {
    draw_skeleton_styled(frame, pose, &SkeletonStyle::default())
}

/// Draws the bones and joints of `pose` whose landmarks are at least
/// [`MIN_VISIBILITY`] visible onto `frame` (8-bit BGR), scaled to the
/// frame's size, in `style`.
pub fn draw_skeleton_styled(
    frame: &mut Mat,
    pose: &Pose,
    style: &SkeletonStyle,
) -> opencv::Result<()> {
    let size = ImageSize::of(frame)?;
    let base = size.width.max(size.height) as f32 / PIXELS_PER_THICKNESS;
    let thickness = ((base * style.weight).round() as i32).max(MIN_THICKNESS);
    let outline = (thickness / 2).max(1);
    let radius = ((thickness as f32 * style.joint_radius).round() as i32).max(1);
    let px = |i: usize| {
        let l = &pose.landmarks[i];
        Point::new(
            (l.x * size.width as f32).round() as i32,
            (l.y * size.height as f32).round() as i32,
        )
    };
    let visible = |i: usize| pose.landmarks[i].visibility >= MIN_VISIBILITY;
    let bones = || {
        SKELETON
            .iter()
            .map(|(a, b)| (a.index(), b.index()))
            .filter(move |&(a, b)| visible(a) && visible(b))
    };
    let joints = || (0..pose.landmarks.len()).filter(move |&i| visible(i));
    // Outline first, under everything, so that joints do not cut bones.
    if let Some(dark) = style.outline {
        for (a, b) in bones() {
            let width = thickness + 2 * outline;
            imgproc::line(frame, px(a), px(b), dark, width, imgproc::LINE_AA, 0)?;
        }
        for i in joints() {
            imgproc::circle(
                frame,
                px(i),
                radius + outline,
                dark,
                imgproc::FILLED,
                imgproc::LINE_AA,
                0,
            )?;
        }
    }
    for (a, b) in bones() {
        imgproc::line(
            frame,
            px(a),
            px(b),
            style.bone,
            thickness,
            imgproc::LINE_AA,
            0,
        )?;
    }
    for i in joints() {
        imgproc::circle(
            frame,
            px(i),
            radius,
            style.joint,
            imgproc::FILLED,
            imgproc::LINE_AA,
            0,
        )?;
    }
    Ok(())
}

/// Draws the back's outline as the rays found it, and the two lines fitted
/// to its lower and upper parts whose angle is the dorsal bend, onto
/// `frame` (8-bit BGR): what the back-rounding rules measured.
pub fn draw_back_outline(frame: &mut Mat, drawing: &OutlineDrawing) -> opencv::Result<()> {
    let size = ImageSize::of(frame)?;
    let thickness = ((size.width.max(size.height) as f32 / PIXELS_PER_THICKNESS).round() as i32)
        .max(MIN_THICKNESS);
    let px = |p: &[f32; 2]| Point::new(p[0].round() as i32, p[1].round() as i32);
    // The fitted lines under the outline, so that both show.
    for [a, b] in [drawing.lower, drawing.upper] {
        imgproc::line(
            frame,
            px(&a),
            px(&b),
            OUTLINE_FIT,
            thickness * 2,
            imgproc::LINE_AA,
            0,
        )?;
    }
    for w in drawing.outline.windows(2) {
        imgproc::line(
            frame,
            px(&w[0]),
            px(&w[1]),
            OUTLINE,
            thickness,
            imgproc::LINE_AA,
            0,
        )?;
    }
    Ok(())
}
