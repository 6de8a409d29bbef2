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
