//! The person detector: finds the body when there is no track yet.
//!
//! MediaPipe's pose_detection_cpu.pbtxt: the whole frame letterboxed to
//! 224×224 in `[-1, 1]`, the SSD model, boxes and four keypoints decoded
//! against the anchors, sigmoid scores kept from 0.5, weighted non-maximum
//! suppression, letterbox removed. Only the best detection is used (one
//! person), so suppression stops after its first cluster.

use opencv::core::Mat;

use super::anchors::{ssd_anchors, Anchor, NUM_ANCHORS};
use super::image_to_tensor::{Border, TensorWarper, ValueRange};
use super::model::{BoundModel, ModelError, ModelSpec, ModelStore, TensorSpec, DETECTOR_NAME};
use super::roi::Roi;
use super::{sigmoid, ImageSize, PoseError};

/// Detector input side in pixels.
pub const DETECTOR_INPUT: usize = 224;
/// Values per anchor: box (x, y, w, h) then 4 keypoints (x, y).
const NUM_COORDS: usize = 12;
/// Keypoints per detection: hip centre, full-body scale point, and two
/// upper-body points.
pub const NUM_KEYPOINTS: usize = 4;
/// Raw scores are clipped to ±this before the sigmoid.
const SCORE_CLIP: f32 = 100.0;
/// Minimum detection confidence (MediaPipe's `min_detection_confidence`).
pub const MIN_DETECTION_SCORE: f32 = 0.5;
/// Boxes overlapping the best by more than this IoU are merged into it.
const NMS_IOU: f32 = 0.3;

/// The detector's inputs and outputs.
pub const DETECTOR_SPEC: ModelSpec = ModelSpec {
    input: TensorSpec {
        name: "input_1",
        shape: &[1, DETECTOR_INPUT as i64, DETECTOR_INPUT as i64, 3],
    },
    outputs: &[
        TensorSpec {
            name: "Identity",
            shape: &[1, NUM_ANCHORS as i64, NUM_COORDS as i64],
        },
        TensorSpec {
            name: "Identity_1",
            shape: &[1, NUM_ANCHORS as i64, 1],
        },
    ],
};

/// A detected person, in normalised image coordinates.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Detection {
    /// Confidence in `[0, 1]`.
    pub score: f32,
    /// Left edge of the box.
    pub xmin: f32,
    /// Top edge of the box.
    pub ymin: f32,
    /// Box width.
    pub width: f32,
    /// Box height.
    pub height: f32,
    /// Hip centre, full-body scale point, then two upper-body points.
    pub keypoints: [[f32; 2]; NUM_KEYPOINTS],
}

impl Detection {
    /// The region of interest of the landmark model for this detection.
    pub fn roi(&self, size: ImageSize) -> Roi {
        Roi::for_body(self.keypoints[0], self.keypoints[1], size)
    }

    fn iou(&self, other: &Detection) -> f32 {
        let ix = (self.xmin + self.width).min(other.xmin + other.width) - self.xmin.max(other.xmin);
        let iy =
            (self.ymin + self.height).min(other.ymin + other.height) - self.ymin.max(other.ymin);
        if ix <= 0.0 || iy <= 0.0 {
            return 0.0;
        }
        let inter = ix * iy;
        let union = self.width * self.height + other.width * other.height - inter;
        if union <= 0.0 {
            0.0
        } else {
            inter / union
        }
    }
}

/// Letterbox padding of the detector input, as fractions of the tensor:
/// left, top, right, bottom.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Letterbox {
    /// Horizontal padding on each side.
    pub horizontal: f32,
    /// Vertical padding on each side.
    pub vertical: f32,
}

impl Letterbox {
    /// Pads the whole `size` frame to a square (MediaPipe's `PadRoi`),
    /// returning the padded region and the padding.
    pub fn square(size: ImageSize) -> (Roi, Letterbox) {
        let (w, h) = (size.width as f32, size.height as f32);
        let roi_aspect = h / w;
        let (new_w, new_h, pad) = if 1.0 > roi_aspect {
            (
                w,
                w,
                Letterbox {
                    horizontal: 0.0,
                    vertical: (1.0 - roi_aspect) / 2.0,
                },
            )
        } else {
            (
                h,
                h,
                Letterbox {
                    horizontal: (1.0 - 1.0 / roi_aspect) / 2.0,
                    vertical: 0.0,
                },
            )
        };
        let roi = Roi {
            x_center: 0.5,
            y_center: 0.5,
            width: new_w / w,
            height: new_h / h,
            rotation: 0.0,
        };
        (roi, pad)
    }

    /// Maps a detection from the padded tensor back to the image.
    pub fn remove(&self, d: &Detection) -> Detection {
        let sx = 1.0 - 2.0 * self.horizontal;
        let sy = 1.0 - 2.0 * self.vertical;
        Detection {
            score: d.score,
            xmin: (d.xmin - self.horizontal) / sx,
            ymin: (d.ymin - self.vertical) / sy,
            width: d.width / sx,
            height: d.height / sy,
            keypoints: d
                .keypoints
                .map(|[x, y]| [(x - self.horizontal) / sx, (y - self.vertical) / sy]),
        }
    }
}

/// Decodes anchor `i` of the raw outputs into a detection in tensor-normalised
/// coordinates.
fn decode(raw_boxes: &[f32], i: usize, anchor: Anchor, score: f32) -> Detection {
    let scale = DETECTOR_INPUT as f32;
    let r = &raw_boxes[i * NUM_COORDS..(i + 1) * NUM_COORDS];
    let xc = r[0] / scale + anchor.x;
    let yc = r[1] / scale + anchor.y;
    let w = r[2] / scale;
    let h = r[3] / scale;
    let (xmin, ymin, xmax, ymax) = (xc - w / 2.0, yc - h / 2.0, xc + w / 2.0, yc + h / 2.0);
    let mut keypoints = [[0.0; 2]; NUM_KEYPOINTS];
    for (k, kp) in keypoints.iter_mut().enumerate() {
        *kp = [
            r[4 + 2 * k] / scale + anchor.x,
            r[5 + 2 * k] / scale + anchor.y,
        ];
    }
    Detection {
        score,
        xmin,
        ymin,
        width: xmax - xmin,
        height: ymax - ymin,
        keypoints,
    }
}

/// Reusable buffers of [`best_detection`].
#[derive(Default)]
pub struct DecodeScratch {
    candidates: Vec<(usize, f32)>,
}

/// The best detection in the raw model outputs, in tensor-normalised
/// coordinates: the highest-scoring box at or above `min_score`, averaged
/// with every box that overlaps it by IoU > 0.3, weighted by score (the first
/// output of MediaPipe's weighted non-maximum suppression).
pub fn best_detection(
    raw_boxes: &[f32],
    raw_scores: &[f32],
    anchors: &[Anchor],
    min_score: f32,
    scratch: &mut DecodeScratch,
) -> Option<Detection> {
    let candidates = &mut scratch.candidates;
    candidates.clear();
    for (i, raw) in raw_scores.iter().enumerate() {
        let score = sigmoid(raw.clamp(-SCORE_CLIP, SCORE_CLIP));
        if score >= min_score {
            candidates.push((i, score));
        }
    }
    let &(best_i, best_score) = candidates
        .iter()
        .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))?;
    let best = decode(raw_boxes, best_i, anchors[best_i], best_score);

    let (mut total, mut xmin, mut ymin, mut xmax, mut ymax) =
        (0.0f32, 0.0f32, 0.0f32, 0.0f32, 0.0f32);
    let mut keypoints = [[0.0f32; 2]; NUM_KEYPOINTS];
    for &(i, score) in candidates.iter() {
        let d = decode(raw_boxes, i, anchors[i], score);
        if d.iou(&best) <= NMS_IOU {
            continue;
        }
        total += score;
        xmin += d.xmin * score;
        ymin += d.ymin * score;
        xmax += (d.xmin + d.width) * score;
        ymax += (d.ymin + d.height) * score;
        for (acc, kp) in keypoints.iter_mut().zip(d.keypoints) {
            acc[0] += kp[0] * score;
            acc[1] += kp[1] * score;
        }
    }
    if total <= 0.0 {
        // Degenerate box (zero area): nothing overlaps it, not even itself.
        return Some(best);
    }
    let (xmin, ymin) = (xmin / total, ymin / total);
    Some(Detection {
        score: best_score,
        xmin,
        ymin,
        width: xmax / total - xmin,
        height: ymax / total - ymin,
        keypoints: keypoints.map(|[x, y]| [x / total, y / total]),
    })
}

/// The detector stage: preprocessing, model, decoding, with its buffers.
pub struct Detector {
    model: BoundModel,
    warper: TensorWarper,
    anchors: Vec<Anchor>,
    scratch: DecodeScratch,
    letterbox: Letterbox,
}

impl Detector {
    /// Loads the detector model with `threads` intra-op threads.
    pub fn load(store: &ModelStore, threads: usize) -> Result<Detector, ModelError> {
        Ok(Detector {
            model: BoundModel::load(store, DETECTOR_NAME, &DETECTOR_SPEC, threads)?,
            warper: TensorWarper::new(DETECTOR_INPUT)?,
            anchors: ssd_anchors(),
            scratch: DecodeScratch::default(),
            letterbox: Letterbox::default(),
        })
    }

    /// Letterboxes `frame` (BGR) into the model input.
    pub fn preprocess(&mut self, frame: &Mat) -> Result<(), PoseError> {
        let (roi, letterbox) = Letterbox::square(ImageSize::of(frame)?);
        self.letterbox = letterbox;
        let range = ValueRange {
            min: -1.0,
            max: 1.0,
        };
        self.warper
            .warp(frame, &roi, Border::Zero, range, self.model.input_mut())?;
        Ok(())
    }

    /// Runs the model on the preprocessed input.
    pub fn infer(&mut self) -> Result<(), PoseError> {
        Ok(self.model.run()?)
    }

    /// The best detection of the last run, in image coordinates.
    pub fn postprocess(&mut self) -> Option<Detection> {
        best_detection(
            self.model.output(0),
            self.model.output(1),
            &self.anchors,
            MIN_DETECTION_SCORE,
            &mut self.scratch,
        )
        .map(|d| self.letterbox.remove(&d))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Raw outputs with one box per (anchor, raw score, centre offset px).
    fn raw_outputs(boxes: &[(usize, f32, [f32; 2])]) -> (Vec<f32>, Vec<f32>) {
        let mut raw_boxes = vec![0.0; NUM_ANCHORS * NUM_COORDS];
        let mut raw_scores = vec![-50.0; NUM_ANCHORS];
        for &(i, score, [dx, dy]) in boxes {
            let r = &mut raw_boxes[i * NUM_COORDS..(i + 1) * NUM_COORDS];
            r[..4].copy_from_slice(&[dx, dy, 44.8, 44.8]);
            for k in 0..NUM_KEYPOINTS {
                r[4 + 2 * k] = dx + k as f32;
                r[5 + 2 * k] = dy - k as f32;
            }
            raw_scores[i] = score;
        }
        (raw_boxes, raw_scores)
    }

    #[test]
    fn decodes_box_and_keypoints_against_the_anchor() {
        let anchors = ssd_anchors();
        let (b, s) = raw_outputs(&[(100, 3.0, [11.2, -22.4])]);
        let d = best_detection(&b, &s, &anchors, 0.5, &mut DecodeScratch::default()).unwrap();
        let a = anchors[100];
        assert!((d.score - sigmoid(3.0)).abs() < 1e-6);
        assert!((d.xmin + d.width / 2.0 - (a.x + 0.05)).abs() < 1e-6);
        assert!((d.ymin + d.height / 2.0 - (a.y - 0.1)).abs() < 1e-6);
        assert!((d.width - 0.2).abs() < 1e-6);
        assert!((d.keypoints[1][0] - (a.x + 12.2 / 224.0)).abs() < 1e-6);
        assert!((d.keypoints[3][1] - (a.y - 25.4 / 224.0)).abs() < 1e-6);
    }

    #[test]
    fn nothing_below_the_score_threshold() {
        let anchors = ssd_anchors();
        let (b, s) = raw_outputs(&[(5, -0.1, [0.0, 0.0])]);
        assert!(best_detection(&b, &s, &anchors, 0.5, &mut DecodeScratch::default()).is_none());
    }

    #[test]
    fn weighted_suppression_averages_overlapping_boxes_by_score() {
        let anchors = ssd_anchors();
        // Two boxes on the same anchor 4 px apart (IoU ≈ 0.9), a third far
        // away that must not be merged.
        let (b, s) = raw_outputs(&[
            (300, 2.0, [0.0, 0.0]),
            (301, 1.0, [4.0, 0.0]),
            (2000, 1.5, [0.0, 0.0]),
        ]);
        let d = best_detection(&b, &s, &anchors, 0.5, &mut DecodeScratch::default()).unwrap();
        let (w1, w2) = (sigmoid(2.0), sigmoid(1.0));
        let expected_dx = (0.0 * w1 + 4.0 * w2) / (w1 + w2) / 224.0;
        let a = anchors[300];
        assert!((d.xmin + d.width / 2.0 - (a.x + expected_dx)).abs() < 1e-6);
        assert!((d.keypoints[0][0] - (a.x + expected_dx)).abs() < 1e-6);
        // The score is the best box's own, not an average.
        assert_eq!(d.score, w1);
    }

    #[test]
    fn letterbox_of_a_wide_frame_pads_top_and_bottom() {
        let size = ImageSize {
            width: 1768,
            height: 994,
        };
        let (roi, pad) = Letterbox::square(size);
        assert_eq!(pad.horizontal, 0.0);
        assert!((pad.vertical - (1.0 - 994.0 / 1768.0) / 2.0).abs() < 1e-7);
        assert!((roi.height * 994.0 - 1768.0).abs() < 1e-3);
        // A point at the top edge of the image sits at the padding in the tensor.
        let d = Detection {
            keypoints: [[0.5, pad.vertical]; 4],
            ..Default::default()
        };
        let back = pad.remove(&d);
        assert!(back.keypoints[0][1].abs() < 1e-6);
    }
}
