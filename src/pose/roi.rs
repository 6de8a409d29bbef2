//! Rotated regions of interest: where in the image the landmark model looks.
//!
//! A region is MediaPipe's `NormalizedRect`: a centre and a size normalised
//! to the image, and a rotation in radians (clockwise in image coordinates,
//! whose y axis points down). The body is found by two points, the hip centre
//! and a point whose distance from it gives the body's scale; the region is
//! centred on the hips, rotated so that the body stands upright in it, square
//! in pixels and enlarged so that the whole body fits.

use std::f32::consts::PI;

use super::ImageSize;

/// Target angle of the hips → scale-point vector once the region is rotated
/// (pose_detection_to_roi.pbtxt: `rotation_vector_target_angle_degrees: 90`).
const TARGET_ANGLE: f32 = PI / 2.0;
/// Enlargement of the square region around the body
/// (pose_detection_to_roi.pbtxt: `scale_x`, `scale_y`).
const ROI_SCALE: f32 = 1.25;

/// A rotated rectangle normalised to the image (MediaPipe's `NormalizedRect`).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Roi {
    /// Centre, as a fraction of the image width.
    pub x_center: f32,
    /// Centre, as a fraction of the image height.
    pub y_center: f32,
    /// Width, as a fraction of the image width.
    pub width: f32,
    /// Height, as a fraction of the image height.
    pub height: f32,
    /// Clockwise rotation in radians.
    pub rotation: f32,
}

/// Maps `angle` into `[-π, π)` as MediaPipe's `NormalizeRadians`.
pub fn normalize_radians(angle: f32) -> f32 {
    angle - 2.0 * PI * ((angle + PI) / (2.0 * PI)).floor()
}

impl Roi {
    /// The body rectangle from the hip centre and the scale point, both in
    /// normalised image coordinates (MediaPipe's `AlignmentPointsRectsCalculator`):
    /// centred on the hips, twice the hips–scale-point distance wide and
    /// high (in pixels), rotated so that the scale point is straight above.
    pub fn from_alignment_points(center: [f32; 2], scale: [f32; 2], size: ImageSize) -> Roi {
        let (w, h) = (size.width as f32, size.height as f32);
        let (x0, y0) = (center[0] * w, center[1] * h);
        let (x1, y1) = (scale[0] * w, scale[1] * h);
        let box_size = ((x1 - x0) * (x1 - x0) + (y1 - y0) * (y1 - y0)).sqrt() * 2.0;
        Roi {
            x_center: x0 / w,
            y_center: y0 / h,
            width: box_size / w,
            height: box_size / h,
            rotation: normalize_radians(TARGET_ANGLE - (-(y1 - y0)).atan2(x1 - x0)),
        }
    }

    /// The region the landmark model is run on: the body rectangle made
    /// square on its long side in pixels and enlarged by 1.25
    /// (MediaPipe's `RectTransformationCalculator` with `square_long`).
    pub fn enlarged_square(self, size: ImageSize) -> Roi {
        let (w, h) = (size.width as f32, size.height as f32);
        let long_side = (self.width * w).max(self.height * h);
        Roi {
            width: long_side / w * ROI_SCALE,
            height: long_side / h * ROI_SCALE,
            ..self
        }
    }

    /// The region the landmark model runs on, from the hip centre and scale
    /// point: [`Roi::from_alignment_points`] then [`Roi::enlarged_square`].
    pub fn for_body(center: [f32; 2], scale: [f32; 2], size: ImageSize) -> Roi {
        Roi::from_alignment_points(center, scale, size).enlarged_square(size)
    }

    /// The four corners in pixels, in the order of OpenCV's
    /// `RotatedRect::points` (bottom-left, top-left, top-right, bottom-right
    /// of the unrotated rectangle), which MediaPipe maps to the tensor's
    /// corners `(0,H) (0,0) (W,0) (W,H)`.
    pub fn corners_px(&self, size: ImageSize) -> [[f32; 2]; 4] {
        let (cx, cy) = (
            self.x_center * size.width as f32,
            self.y_center * size.height as f32,
        );
        let (rw, rh) = (
            self.width * size.width as f32,
            self.height * size.height as f32,
        );
        // As cv::RotatedRect::points, through degrees and back.
        let angle = f64::from(self.rotation * 180.0 / PI).to_radians();
        let b = angle.cos() as f32 * 0.5;
        let a = angle.sin() as f32 * 0.5;
        let p0 = [cx - a * rh - b * rw, cy + b * rh - a * rw];
        let p1 = [cx + a * rh - b * rw, cy - b * rh - a * rw];
        let p2 = [2.0 * cx - p0[0], 2.0 * cy - p0[1]];
        let p3 = [2.0 * cx - p1[0], 2.0 * cy - p1[1]];
        [p0, p1, p2, p3]
    }

    /// Projects a point normalised to this region (`[0,1]²` inside it) back
    /// to normalised image coordinates (MediaPipe's `LandmarkProjection`).
    pub fn project(&self, x: f32, y: f32) -> [f32; 2] {
        let (x, y) = (x - 0.5, y - 0.5);
        let (sin, cos) = self.rotation.sin_cos();
        let nx = cos * x - sin * y;
        let ny = sin * x + cos * y;
        [
            nx * self.width + self.x_center,
            ny * self.height + self.y_center,
        ]
    }

    /// Maps a point in normalised image coordinates into this region's
    /// normalised coordinates: the inverse of [`Roi::project`].
    pub fn unproject(&self, x: f32, y: f32) -> [f32; 2] {
        let dx = (x - self.x_center) / self.width;
        let dy = (y - self.y_center) / self.height;
        let (sin, cos) = self.rotation.sin_cos();
        [cos * dx + sin * dy + 0.5, -sin * dx + cos * dy + 0.5]
    }
}

/// The 3×3 matrix, row-major, that maps a pixel of a `tensor_w × tensor_h`
/// tensor to the image pixel it samples, for the region with pixel
/// `corners` (as [`Roi::corners_px`]): MediaPipe maps the corners onto the
/// tensor's `(0,H) (0,0) (W,0) (W,H)`, corner to corner, without a
/// half-pixel shift. Used with OpenCV's `WARP_INVERSE_MAP`.
pub fn tensor_to_image_matrix(
    corners: &[[f32; 2]; 4],
    tensor_w: usize,
    tensor_h: usize,
) -> [f64; 9] {
    let [p0, p1, p2, _] = corners.map(|p| [f64::from(p[0]), f64::from(p[1])]);
    let (tw, th) = (tensor_w as f64, tensor_h as f64);
    let e1 = [(p2[0] - p1[0]) / tw, (p2[1] - p1[1]) / tw];
    let e2 = [(p0[0] - p1[0]) / th, (p0[1] - p1[1]) / th];
    [e1[0], e2[0], p1[0], e1[1], e2[1], p1[1], 0.0, 0.0, 1.0]
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIZE: ImageSize = ImageSize {
        width: 1768,
        height: 994,
    };

    fn apply(m: &[f64; 9], u: f64, v: f64) -> [f64; 2] {
        [m[0] * u + m[1] * v + m[2], m[3] * u + m[4] * v + m[5]]
    }

    #[test]
    fn normalize_radians_wraps_into_half_open_range() {
        assert!((normalize_radians(3.0 * PI) - (-PI)).abs() < 1e-5);
        assert!((normalize_radians(-PI / 2.0) + PI / 2.0).abs() < 1e-6);
        assert!((normalize_radians(2.5 * PI) - PI / 2.0).abs() < 1e-5);
    }

    #[test]
    fn upright_body_has_no_rotation_and_square_pixels() {
        // Scale point straight above the hips: no rotation needed.
        let roi = Roi::for_body([0.5, 0.6], [0.5, 0.4], SIZE);
        assert!(roi.rotation.abs() < 1e-6);
        let side_px = 2.0 * 0.2 * SIZE.height as f32 * ROI_SCALE;
        assert!((roi.width * SIZE.width as f32 - side_px).abs() < 1e-2);
        assert!((roi.height * SIZE.height as f32 - side_px).abs() < 1e-2);
    }

    #[test]
    fn lying_body_is_rotated_a_quarter_turn() {
        // Scale point to the right of the hips (a person lying, head right):
        // the region turns by -90° so that the head points up in the tensor.
        let roi = Roi::for_body([0.5, 0.5], [0.7, 0.5], SIZE);
        assert!((roi.rotation - PI / 2.0).abs() < 1e-5, "{}", roi.rotation);
        // The top centre of the region lands on the scale point's side.
        let top = roi.project(0.5, 0.0);
        assert!(top[0] > 0.5 && (top[1] - 0.5).abs() < 1e-5);
    }

    #[test]
    fn image_roi_image_round_trip_within_half_a_pixel() {
        for rotation in [-2.5f32, -1.0, 0.0, 0.3, 1.7, 3.0] {
            let roi = Roi {
                x_center: 0.4,
                y_center: 0.55,
                width: 0.3,
                height: 0.5,
                rotation,
            };
            for &(x, y) in &[(0.4f32, 0.55f32), (0.31, 0.42), (0.5, 0.7), (0.22, 0.9)] {
                let [u, v] = roi.unproject(x, y);
                let [bx, by] = roi.project(u, v);
                let err_px = ((bx - x) * SIZE.width as f32).hypot((by - y) * SIZE.height as f32);
                assert!(err_px < 0.5, "rotation {rotation}: {err_px} px");
            }
        }
    }

    #[test]
    fn tensor_matrix_maps_tensor_corners_to_region_corners_and_agrees_with_projection() {
        // Square in pixels, as every region the engine uses.
        let height = 0.4 * SIZE.width as f32 / SIZE.height as f32;
        let roi = Roi {
            x_center: 0.45,
            y_center: 0.5,
            width: 0.4,
            height,
            rotation: 0.6,
        };
        let corners = roi.corners_px(SIZE);
        let m = tensor_to_image_matrix(&corners, 256, 256);
        let targets = [(0.0, 256.0), (0.0, 0.0), (256.0, 0.0), (256.0, 256.0)];
        for (corner, (u, v)) in corners.iter().zip(targets) {
            let p = apply(&m, u, v);
            assert!((p[0] - f64::from(corner[0])).abs() < 1e-3);
            assert!((p[1] - f64::from(corner[1])).abs() < 1e-3);
        }
        // A point of the tensor and the landmark projection of the same
        // normalised point land on the same pixel.
        for &(u, v) in &[(0.25f32, 0.75f32), (0.5, 0.5), (0.9, 0.1)] {
            let p = apply(&m, f64::from(u) * 256.0, f64::from(v) * 256.0);
            let [x, y] = roi.project(u, v);
            assert!((p[0] - f64::from(x * SIZE.width as f32)).abs() < 0.05);
            assert!((p[1] - f64::from(y * SIZE.height as f32)).abs() < 0.05);
        }
    }
}
