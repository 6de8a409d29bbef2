//! SSD anchors of the BlazePose detector.
//!
//! Every cell of the detector's feature maps predicts boxes relative to a
//! fixed anchor. MediaPipe's `SsdAnchorsCalculator` with the options of
//! pose_detection_cpu.pbtxt: 5 layers with strides 8, 16, 32, 32, 32
//! (layers of equal stride merged), 2 anchors per cell each, fixed anchor
//! size 1: 28×28×2 + 14×14×2 + 7×7×6 = 2254 anchors, ordered by layer, then
//! row, then column, then anchor.

/// Number of anchors, one per detector output row.
pub const NUM_ANCHORS: usize = 2254;

/// Detector input side in pixels.
const INPUT_SIZE: usize = 224;
/// Feature-map strides of the five anchor layers.
const STRIDES: [usize; 5] = [8, 16, 32, 32, 32];
/// Anchors per cell for one layer: one aspect ratio plus the interpolated
/// scale (`aspect_ratios: [1.0]`, `interpolated_scale_aspect_ratio: 1.0`).
const ANCHORS_PER_LAYER_CELL: usize = 2;

/// An anchor centre, normalised to the detector input (size is fixed at 1).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Anchor {
    /// Centre x in `[0, 1]`.
    pub x: f32,
    /// Centre y in `[0, 1]`.
    pub y: f32,
}

/// The detector's anchors in output order.
pub fn ssd_anchors() -> Vec<Anchor> {
    let mut anchors = Vec::with_capacity(NUM_ANCHORS);
    let mut layer = 0;
    while layer < STRIDES.len() {
        // Consecutive layers with the same stride share one feature map.
        let stride = STRIDES[layer];
        let mut last = layer;
        while last + 1 < STRIDES.len() && STRIDES[last + 1] == stride {
            last += 1;
        }
        let per_cell = ANCHORS_PER_LAYER_CELL * (last - layer + 1);
        let fm = INPUT_SIZE.div_ceil(stride);
        for y in 0..fm {
            for x in 0..fm {
                let centre = Anchor {
                    x: (x as f32 + 0.5) / fm as f32,
                    y: (y as f32 + 0.5) / fm as f32,
                };
                anchors.extend(std::iter::repeat_n(centre, per_cell));
            }
        }
        layer = last + 1;
    }
    anchors
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn count_and_layout_match_mediapipe() {
        let anchors = ssd_anchors();
        assert_eq!(anchors.len(), NUM_ANCHORS);
        // First layer: 28×28 cells, 2 anchors each, at (x+0.5)/28.
        assert_eq!(
            anchors[0],
            Anchor {
                x: 0.5 / 28.0,
                y: 0.5 / 28.0
            }
        );
        assert_eq!(anchors[1], anchors[0]);
        assert_eq!(anchors[2].x, 1.5 / 28.0);
        // Second layer starts after 28*28*2 anchors, on a 14×14 grid.
        assert_eq!(
            anchors[1568],
            Anchor {
                x: 0.5 / 14.0,
                y: 0.5 / 14.0
            }
        );
        // Last layer: 7×7 cells with 6 anchors each (three merged layers).
        let last = 1568 + 14 * 14 * 2;
        assert_eq!(
            anchors[last],
            Anchor {
                x: 0.5 / 7.0,
                y: 0.5 / 7.0
            }
        );
        assert_eq!(anchors[last + 5], anchors[last]);
        assert_eq!(anchors[last + 6].x, 1.5 / 7.0);
        assert_eq!(
            anchors[NUM_ANCHORS - 1],
            Anchor {
                x: 6.5 / 7.0,
                y: 6.5 / 7.0
            }
        );
    }
}
