//! The skeleton drawn over a frame, in place.

use opencv::core::{Mat, Point, Scalar};
use opencv::imgproc;

use crate::pose::{ImageSize, Pose, SKELETON};

/// Landmarks less visible than this are not drawn.
pub const MIN_DRAW_VISIBILITY: f32 = 0.5;

/// Line colour of the bones (BGR).
const BONE: (f64, f64, f64) = (255.0, 255.0, 255.0);
/// Fill colour of the joints (BGR).
const JOINT: (f64, f64, f64) = (0.0, 200.0, 255.0);

fn scalar(c: (f64, f64, f64)) -> Scalar {
    Scalar::new(c.0, c.1, c.2, 0.0)
}

/// Draws the bones and joints of `pose` whose landmarks are visible onto
/// `frame` (8-bit BGR), scaled to the frame's size.
pub fn draw_skeleton(frame: &mut Mat, pose: &Pose) -> opencv::Result<()> {
    let size = ImageSize::of(frame)?;
    let thickness = ((size.width.max(size.height) as f32 / 400.0).round() as i32).max(2);
    let px = |i: usize| {
        let l = &pose.landmarks[i];
        Point::new(
            (l.x * size.width as f32).round() as i32,
            (l.y * size.height as f32).round() as i32,
        )
    };
    let visible = |i: usize| pose.landmarks[i].visibility >= MIN_DRAW_VISIBILITY;
    for (a, b) in SKELETON {
        let (a, b) = (a.index(), b.index());
        if visible(a) && visible(b) {
            imgproc::line(
                frame,
                px(a),
                px(b),
                scalar(BONE),
                thickness,
                imgproc::LINE_AA,
                0,
            )?;
        }
    }
    for i in (0..pose.landmarks.len()).filter(|&i| visible(i)) {
        imgproc::circle(
            frame,
            px(i),
            thickness * 2,
            scalar(JOINT),
            imgproc::FILLED,
            imgproc::LINE_AA,
            0,
        )?;
    }
    Ok(())
}
