//! The landmark model: 33 body landmarks (and 2 auxiliary points that
//! steer the next frame's region) from a rotated region of the frame.
//!
//! MediaPipe's pose_landmark_by_roi_cpu.pbtxt: the region warped to 256×256
//! in `[0, 1]` with replicated borders; the model's landmarks decoded from
//! tensor pixels, visibility and presence through a sigmoid, refined on the
//! 64×64 heatmap, projected back through the region; world landmarks rotated
//! back by the region's rotation.

use opencv::core::Mat;

use super::image_to_tensor::{Border, TensorWarper, ValueRange};
use super::model::{BoundModel, ModelError, ModelKind, ModelSpec, ModelStore, TensorSpec};
use super::roi::Roi;
use super::{sigmoid, PoseError};
use crate::body::{ImageLandmark, Pose, WorldLandmark, NUM_LANDMARKS};

/// Landmark model input side in pixels.
pub const LANDMARK_INPUT: usize = 256;
/// Landmarks the model outputs: 33 body, 2 auxiliary, 4 unused.
const MODEL_LANDMARKS: usize = 39;
/// Auxiliary landmarks used for tracking: hip centre and scale point.
pub const NUM_AUX: usize = 2;
/// Heatmap side in cells.
const HEATMAP: usize = 64;
/// Heatmap refinement window side (MediaPipe 0.10.14 behaves as 9, not the 7
/// written in its graph file).
const REFINE_KERNEL: usize = 9;
/// A landmark is refined only where the heatmap's peak in its window
/// reaches this confidence.
const REFINE_MIN_CONFIDENCE: f32 = 0.5;
/// The landmark model's person probability below which the region holds no
/// person (MediaPipe's `min_tracking_confidence`).
pub const MIN_POSE_SCORE: f32 = 0.5;

/// The landmark models' input.
const LANDMARK_INPUT_SPEC: TensorSpec = TensorSpec {
    name: "input_1",
    shape: &[1, LANDMARK_INPUT as i64, LANDMARK_INPUT as i64, 3],
};
/// The outputs every landmark model has, in the order they are read.
const LANDMARK_OUTPUTS: [TensorSpec; 4] = [
    TensorSpec {
        name: "Identity",
        shape: &[1, (MODEL_LANDMARKS * 5) as i64],
    },
    TensorSpec {
        name: "Identity_1",
        shape: &[1, 1],
    },
    TensorSpec {
        name: "Identity_3",
        shape: &[1, HEATMAP as i64, HEATMAP as i64, MODEL_LANDMARKS as i64],
    },
    TensorSpec {
        name: "Identity_4",
        shape: &[1, (MODEL_LANDMARKS * 3) as i64],
    },
];
/// The segmentation's logits, one per input pixel.
const SEGMENTATION_OUTPUT: TensorSpec = TensorSpec {
    name: "Identity_2",
    shape: &[1, LANDMARK_INPUT as i64, LANDMARK_INPUT as i64, 1],
};

/// The landmark models' inputs and outputs (segmentation pruned).
pub const LANDMARK_SPEC: ModelSpec = ModelSpec {
    input: LANDMARK_INPUT_SPEC,
    outputs: &LANDMARK_OUTPUTS,
};

/// The landmark models with their segmentation kept: the same outputs,
/// then the segmentation.
pub const LANDMARK_SEGMENTATION_SPEC: ModelSpec = ModelSpec {
    input: LANDMARK_INPUT_SPEC,
    outputs: &[
        LANDMARK_OUTPUTS[0],
        LANDMARK_OUTPUTS[1],
        LANDMARK_OUTPUTS[2],
        LANDMARK_OUTPUTS[3],
        SEGMENTATION_OUTPUT,
    ],
};

const OUT_LANDMARKS: usize = 0;
const OUT_SCORE: usize = 1;
const OUT_HEATMAP: usize = 2;
const OUT_WORLD: usize = 3;
const OUT_SEGMENTATION: usize = 4;

/// The landmark model's result for one region, before smoothing.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RawPose {
    /// Body landmarks and person score.
    pub pose: Pose,
    /// Auxiliary landmarks (hip centre, scale point) in image coordinates.
    pub aux: [ImageLandmark; NUM_AUX],
}

/// Decodes landmark `i` of the raw landmark output into tensor-normalised
/// coordinates.
fn decode_landmark(raw: &[f32], i: usize) -> ImageLandmark {
    let r = &raw[i * 5..i * 5 + 5];
    let side = LANDMARK_INPUT as f32;
    ImageLandmark {
        x: r[0] / side,
        y: r[1] / side,
        z: r[2] / side,
        visibility: sigmoid(r[3]),
        presence: sigmoid(r[4]),
    }
}

/// Moves landmark `index` (tensor-normalised) to the confidence-weighted
/// centre of the heatmap window around it, as MediaPipe's
/// `RefineLandmarksFromHeatmapCalculator`: the window is clipped at the
/// heatmap's edges, and nothing changes unless its peak confidence reaches
/// [`REFINE_MIN_CONFIDENCE`].
pub fn refine_from_heatmap(lm: &mut ImageLandmark, index: usize, heatmap: &[f32]) {
    let (hm, channels) = (HEATMAP as i32, MODEL_LANDMARKS);
    // Truncation towards zero, as the C++ float → int conversion.
    let col = (lm.x * hm as f32) as i32;
    let row = (lm.y * hm as f32) as i32;
    if col < 0 || col >= hm || row < 0 || row >= hm {
        return;
    }
    let offset = ((REFINE_KERNEL - 1) / 2) as i32;
    let (mut sum, mut wcol, mut wrow, mut max) = (0.0f32, 0.0f32, 0.0f32, 0.0f32);
    for r in (row - offset).max(0)..(row + offset + 1).min(hm) {
        for c in (col - offset).max(0)..(col + offset + 1).min(hm) {
            let idx = (r as usize * HEATMAP + c as usize) * channels + index;
            let confidence = sigmoid(heatmap[idx]);
            sum += confidence;
            max = max.max(confidence);
            wcol += c as f32 * confidence;
            wrow += r as f32 * confidence;
        }
    }
    if max >= REFINE_MIN_CONFIDENCE && sum > 0.0 {
        lm.x = wcol / hm as f32 / sum;
        lm.y = wrow / hm as f32 / sum;
    }
}

/// The landmark stage: preprocessing, model, decoding, with its buffers.
pub struct Landmarker {
    model: BoundModel,
    warper: TensorWarper,
    segmentation: bool,
}

impl Landmarker {
    /// Loads landmark model `kind` with `threads` intra-op threads; with
    /// `segmentation`, its variant that also outputs the person's
    /// segmentation (about twice the compute).
    pub fn load(
        store: &ModelStore,
        kind: ModelKind,
        threads: usize,
        segmentation: bool,
    ) -> Result<Landmarker, ModelError> {
        let (name, spec) = if segmentation {
            let name = kind
                .segmentation_name()
                .ok_or(ModelError::NoSegmentation(kind))?;
            (name, &LANDMARK_SEGMENTATION_SPEC)
        } else {
            (kind.manifest_name(), &LANDMARK_SPEC)
        };
        Ok(Landmarker {
            model: BoundModel::load(store, name, spec, threads)?,
            warper: TensorWarper::new(LANDMARK_INPUT)?,
            segmentation,
        })
    }

    /// The last run's segmentation logits over the model's 256×256 input
    /// (row-major; a probability through a sigmoid), when the model has one.
    pub fn segmentation_logits(&self) -> Option<&[f32]> {
        self.segmentation
            .then(|| self.model.output(OUT_SEGMENTATION))
    }

    /// Warps `roi` of `frame` (BGR) into the model input.
    pub fn preprocess(&mut self, frame: &Mat, roi: &Roi) -> Result<(), PoseError> {
        let range = ValueRange { min: 0.0, max: 1.0 };
        self.warper
            .warp(frame, roi, Border::Replicate, range, self.model.input_mut())?;
        Ok(())
    }

    /// Runs the model on the preprocessed input.
    pub fn infer(&mut self) -> Result<(), PoseError> {
        Ok(self.model.run()?)
    }

    /// Decodes the last run for region `roi` into `out`. Returns false (and
    /// leaves `out` unspecified) when the model sees no person in the region.
    pub fn postprocess(&self, roi: &Roi, refine: bool, out: &mut RawPose) -> bool {
        let score = self.model.output(OUT_SCORE)[0];
        if score <= MIN_POSE_SCORE {
            return false;
        }
        out.pose.score = score;
        let raw = self.model.output(OUT_LANDMARKS);
        let heatmap = self.model.output(OUT_HEATMAP);
        let world = self.model.output(OUT_WORLD);
        let (sin, cos) = roi.rotation.sin_cos();
        for i in 0..NUM_LANDMARKS + NUM_AUX {
            let mut lm = decode_landmark(raw, i);
            if refine {
                refine_from_heatmap(&mut lm, i, heatmap);
            }
            let [x, y] = roi.project(lm.x, lm.y);
            let projected = ImageLandmark {
                x,
                y,
                z: lm.z * roi.width,
                ..lm
            };
            if i < NUM_LANDMARKS {
                out.pose.landmarks[i] = projected;
                let w = &world[i * 3..i * 3 + 3];
                out.pose.world[i] = WorldLandmark {
                    x: cos * w[0] - sin * w[1],
                    y: sin * w[0] + cos * w[1],
                    z: w[2],
                };
            } else {
                out.aux[i - NUM_LANDMARKS] = projected;
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn heatmap_with_blob(index: usize, centre: (usize, usize), logit: f32) -> Vec<f32> {
        let mut hm = vec![-20.0; HEATMAP * HEATMAP * MODEL_LANDMARKS];
        let (cr, cc) = centre;
        for (dr, dc, v) in [
            (0i32, 0i32, logit),
            (0, 1, logit),
            (1, 0, -1.0),
            (-1, 0, -1.0),
        ] {
            let (r, c) = ((cr as i32 + dr) as usize, (cc as i32 + dc) as usize);
            hm[(r * HEATMAP + c) * MODEL_LANDMARKS + index] = v;
        }
        hm
    }

    #[test]
    fn refinement_moves_to_weighted_centre_of_a_confident_blob() {
        let hm = heatmap_with_blob(7, (30, 20), 5.0);
        let mut lm = ImageLandmark {
            x: 22.3 / 64.0,
            y: 31.6 / 64.0,
            ..Default::default()
        };
        refine_from_heatmap(&mut lm, 7, &hm);
        // Two confident cells at columns 20 and 21 of row 30, two weak ones
        // at rows 29 and 31 of column 20; negligible weights elsewhere.
        let (a, b) = (sigmoid(5.0), sigmoid(-1.0));
        let col = (20.0 * a + 21.0 * a + 2.0 * 20.0 * b) / (2.0 * a + 2.0 * b);
        assert!((lm.x * 64.0 - col).abs() < 1e-3, "{} vs {col}", lm.x * 64.0);
        assert!((lm.y * 64.0 - 30.0).abs() < 1e-3, "{}", lm.y * 64.0);
    }

    #[test]
    fn refinement_leaves_unconfident_or_outside_landmarks_alone() {
        let weak = heatmap_with_blob(3, (10, 10), -0.5);
        let mut lm = ImageLandmark {
            x: 0.16,
            y: 0.16,
            ..Default::default()
        };
        let before = lm;
        refine_from_heatmap(&mut lm, 3, &weak);
        assert_eq!(lm, before);

        let strong = heatmap_with_blob(3, (10, 10), 5.0);
        let mut outside = ImageLandmark {
            x: 1.2,
            y: 0.5,
            ..Default::default()
        };
        let before = outside;
        refine_from_heatmap(&mut outside, 3, &strong);
        assert_eq!(outside, before);
    }

    #[test]
    fn refinement_window_is_nine_cells_wide() {
        // A blob 4 cells away is inside a 9-wide window (it would be outside a 7-wide one).
        let hm = heatmap_with_blob(0, (32, 36), 6.0);
        let mut lm = ImageLandmark {
            x: 32.5 / 64.0,
            y: 32.5 / 64.0,
            ..Default::default()
        };
        refine_from_heatmap(&mut lm, 0, &hm);
        assert!(lm.x * 64.0 > 35.0, "{}", lm.x * 64.0);
    }
}
