//! Cuts a rotated region out of a frame into a model's input tensor.
//!
//! As MediaPipe's `ImageToTensorCalculator` (OpenCV converter): the region's
//! corners map onto the tensor's corners, the image is sampled with a
//! bilinear perspective warp into 8-bit pixels, then scaled to the model's
//! value range as float32 RGB, NHWC. Buffers are owned and reused: no
//! allocation per frame.

use opencv::core::{Mat, Scalar, Size, CV_64F, CV_8UC3};
use opencv::imgproc;
use opencv::prelude::*;

use super::roi::{tensor_to_image_matrix, Roi};
use super::ImageSize;

/// What the warp samples outside the image.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Border {
    /// Black (the detector's `BORDER_ZERO`).
    Zero,
    /// The nearest edge pixel (the landmark model's default).
    Replicate,
}

/// The float range a model expects its 0–255 pixels mapped to.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ValueRange {
    /// Value of a 0 pixel.
    pub min: f32,
    /// Value of a 255 pixel.
    pub max: f32,
}

/// Warps regions of BGR frames into a square RGB float tensor.
pub struct TensorWarper {
    side: usize,
    warped: Mat,
    matrix: Mat,
}

impl TensorWarper {
    /// A warper for `side × side` tensors.
    pub fn new(side: usize) -> opencv::Result<Self> {
        let side_i = side as i32;
        Ok(TensorWarper {
            side,
            warped: Mat::new_rows_cols_with_default(side_i, side_i, CV_8UC3, Scalar::all(0.0))?,
            matrix: Mat::new_rows_cols_with_default(3, 3, CV_64F, Scalar::all(0.0))?,
        })
    }

    /// Samples `roi` of the BGR `frame` into `tensor` (`side·side·3` floats,
    /// RGB, NHWC) scaled to `range`.
    pub fn warp(
        &mut self,
        frame: &Mat,
        roi: &Roi,
        border: Border,
        range: ValueRange,
        tensor: &mut [f32],
    ) -> opencv::Result<()> {
        let size = ImageSize::of(frame)?;
        let m = tensor_to_image_matrix(&roi.corners_px(size), self.side, self.side);
        for (i, v) in m.iter().enumerate() {
            *self
                .matrix
                .at_2d_mut::<f64>((i / 3) as i32, (i % 3) as i32)? = *v;
        }
        let border_mode = match border {
            Border::Zero => opencv::core::BORDER_CONSTANT,
            Border::Replicate => opencv::core::BORDER_REPLICATE,
        };
        let side = self.side as i32;
        imgproc::warp_perspective(
            frame,
            &mut self.warped,
            &self.matrix,
            Size::new(side, side),
            imgproc::INTER_LINEAR | imgproc::WARP_INVERSE_MAP,
            border_mode,
            Scalar::all(0.0),
        )?;
        let scale = (range.max - range.min) / 255.0;
        let bgr = self.warped.data_bytes()?;
        for (px, out) in bgr.chunks_exact(3).zip(tensor.chunks_exact_mut(3)) {
            out[0] = f32::from(px[2]) * scale + range.min;
            out[1] = f32::from(px[1]) * scale + range.min;
            out[2] = f32::from(px[0]) * scale + range.min;
        }
        Ok(())
    }

    /// The last warped region as 8-bit BGR (for inspection and tests).
    pub fn warped(&self) -> &Mat {
        &self.warped
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use opencv::core::{Point, Vec3b};

    /// Weighted centre of the bright pixels of the first channel of a
    /// `side × side` RGB tensor in [0, 1].
    fn centroid(tensor: &[f32], side: usize) -> [f32; 2] {
        let (mut sum, mut sx, mut sy) = (0.0, 0.0, 0.0);
        for (i, px) in tensor.chunks_exact(3).enumerate() {
            let w = px[0];
            sum += w;
            sx += (i % side) as f32 * w;
            sy += (i / side) as f32 * w;
        }
        [sx / sum, sy / sum]
    }

    #[test]
    fn a_point_warped_into_the_tensor_projects_back_within_half_a_pixel() {
        let size = ImageSize {
            width: 640,
            height: 480,
        };
        let mut warper = TensorWarper::new(256).unwrap();
        let mut tensor = vec![0.0f32; 256 * 256 * 3];
        let range = ValueRange { min: 0.0, max: 1.0 };
        for (i, rotation) in [-2.0f32, -0.6, 0.0, 0.4, 1.5, 2.9].into_iter().enumerate() {
            // A red blob of 5×5 pixels centred on an exact pixel.
            let centre = Point::new(250 + 17 * i as i32, 200 + 9 * i as i32);
            let mut image =
                Mat::new_rows_cols_with_default(480, 640, CV_8UC3, Scalar::all(0.0)).unwrap();
            for dy in -2..=2 {
                for dx in -2..=2 {
                    *image
                        .at_2d_mut::<Vec3b>(centre.y + dy, centre.x + dx)
                        .unwrap() = Vec3b::from([0, 0, 255]);
                }
            }
            // A square region (in pixels) around it, rotated.
            let roi = Roi {
                x_center: 0.45,
                y_center: 0.5,
                width: 300.0 / 640.0,
                height: 300.0 / 480.0,
                rotation,
            };
            warper
                .warp(&image, &roi, Border::Zero, range, &mut tensor)
                .unwrap();
            let [u, v] = centroid(&tensor, 256);
            let [x, y] = roi.project(u / 256.0, v / 256.0);
            let (x, y) = (x * size.width as f32, y * size.height as f32);
            let err = (x - centre.x as f32).hypot(y - centre.y as f32);
            assert!(err < 0.5, "rotation {rotation}: {err} px");
        }
    }
}
