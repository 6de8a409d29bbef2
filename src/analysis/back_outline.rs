//! The back's outline from the pose model's segmentation: how far the whole
//! back bows out (rounding) or in (arching), seen from the side.
//!
//! The 33 landmarks have no spine points, so a rounded back and a neutral one
//! with more hip hinge give the same trunk line. The segmentation mask shows
//! the back itself. From 33 points along the trunk's axis (mid-hip to
//! mid-shoulder) a ray is cast towards the back until the mask's probability
//! falls under one half; the edge is found to a fraction of a mask pixel (the
//! trunk is only 55–95 mask pixels long). One line is fitted to the lower
//! part of the outline and one to the upper part: the **dorsal bend** is the
//! lower line's angle minus the upper one's, positive when the back bows out
//! (`../shared/research/back-silhouette.md`: rounded squats read +10…+30°,
//! good ones −3…+4°).
//!
//! It measures the bend of the whole back's outline (mostly thoracic and
//! thoracolumbar), not the lumbar segments alone: a proxy, named as one.
//! A frame is not measured when an arm lies over the back, when the outline
//! jumps between neighbouring rays (an object behind the back merging into
//! the person, a hand), or when too few rays find an edge.

use nalgebra::{Point2, Vector2};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Rays cast along the axis: t = 0.10, 0.125, … 0.90 of the way from the
/// mid-hip to the mid-shoulder.
pub const RAYS: usize = 33;
const FIRST_T: f32 = 0.10;
const STEP_T: f32 = 0.025;
/// The lower line is fitted to the rays at or below this share of the axis,
/// the upper one at or above [`UPPER_FROM`].
const LOWER_TO: f32 = 0.45;
const UPPER_FROM: f32 = 0.55;
/// Probability at which the mask's edge is taken.
const EDGE: f32 = 0.5;
/// March step along a ray, mask pixels.
const MARCH_PX: f32 = 0.25;
/// Farthest a ray looks for the edge, in trunk lengths (the back lies about
/// 0.2 trunk lengths from the axis).
const MAX_DEPTH: f32 = 0.75;
/// Shortest trunk, mask pixels, that is measured.
const MIN_TRUNK_PX: f32 = 20.0;
/// Share of rays that must find an edge.
const MIN_EDGES: f32 = 0.8;
/// Largest depth change between neighbouring rays, trunk lengths: more is
/// not a back (an arm, a chair merging into the mask).
const MAX_JUMP: f32 = 0.05;

/// The person's segmentation: probabilities row-major, `width` × `height`.
#[derive(Clone, Copy, Debug)]
pub struct MaskView<'a> {
    /// Columns.
    pub width: usize,
    /// Rows.
    pub height: usize,
    /// Probability that each pixel is the person, 0–1.
    pub prob: &'a [f32],
}

impl MaskView<'_> {
    /// Bilinear probability at `p`; `None` outside the mask.
    fn at(&self, p: Point2<f32>) -> Option<f32> {
        let (x, y) = (p.x, p.y);
        if x.is_nan() || y.is_nan() || x < 0.0 || y < 0.0 {
            return None;
        }
        let (x0, y0) = (x.floor() as usize, y.floor() as usize);
        if x0 + 1 >= self.width || y0 + 1 >= self.height {
            return None;
        }
        let (fx, fy) = (x - x0 as f32, y - y0 as f32);
        let v = |c: usize, r: usize| self.prob[r * self.width + c];
        Some(
            v(x0, y0) * (1.0 - fx) * (1.0 - fy)
                + v(x0 + 1, y0) * fx * (1.0 - fy)
                + v(x0, y0 + 1) * (1.0 - fx) * fy
                + v(x0 + 1, y0 + 1) * fx * fy,
        )
    }
}

/// Where the body is, in the mask's coordinates.
#[derive(Clone, Debug)]
pub struct TrunkInMask {
    /// Mid-hip.
    pub hip: Point2<f32>,
    /// Mid-shoulder.
    pub shoulder: Point2<f32>,
    /// Which way from the axis the back lies: +1 along the axis turned a
    /// quarter anticlockwise in image coordinates (x right, y down), −1 the
    /// other way. Decided once per set ([`back_side`]).
    pub back: f32,
    /// Elbows and wrists that are seen: an arm over the back hides it.
    pub arms: Vec<Point2<f32>>,
}

/// Why the back's outline is not measured on a frame.
#[derive(Clone, Copy, Debug, Error, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unmeasurable {
    /// The camera does not see the body side-on (the head gives no side
    /// for the back), or the trunk is out of the segmented region.
    #[error("the camera does not see your side: place it at your side")]
    NotSideOn,
    /// The trunk is too short in the mask (far away, or seen end-on).
    #[error("the trunk is too small in the picture: come closer or turn side-on")]
    TooSmall,
    /// An elbow or a wrist lies over the back.
    #[error("an arm is over your back")]
    ArmOverBack,
    /// Too few rays found the back's edge.
    #[error("the outline of your back is not clear: it may blend into the background")]
    NoEdge,
    /// The outline jumps between neighbouring rays.
    #[error("something touches the outline of your back (a hand, an object behind you)")]
    OutlineJumps,
}

/// A line fitted to part of the outline: depth = `at_start` + `slope` ×
/// (t − `start`), depth and t in trunk lengths.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OutlineLine {
    /// Where along the axis the line starts and ends (shares of the trunk).
    pub from_t: f32,
    /// See `from_t`.
    pub to_t: f32,
    /// Depth at `from_t`, trunk lengths.
    pub from_depth: f32,
    /// Depth at `to_t`, trunk lengths.
    pub to_depth: f32,
}

/// The back's outline on one frame.
#[derive(Clone, Debug, PartialEq)]
pub struct Bend {
    /// Dorsal bend, degrees: lower line's angle minus upper line's,
    /// positive when the back bows out (rounding), negative when hollow.
    pub degrees: f32,
    /// Share of rays that found the edge, 0.8–1.
    pub confidence: f32,
    /// Each ray's share of the axis and depth (trunk lengths), where found.
    pub outline: Vec<(f32, f32)>,
    /// The line fitted to the lower back.
    pub lower: OutlineLine,
    /// The line fitted to the upper back.
    pub upper: OutlineLine,
}

/// The back's outline on one frame, as the analysis and a landmark track
/// keep it: its bend, or why there is none.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum BackReading {
    /// The outline was measured.
    Measured {
        /// Dorsal bend, degrees ([`Bend::degrees`]).
        degrees: f32,
        /// Share of rays that found the edge ([`Bend::confidence`]).
        confidence: f32,
    },
    /// It was not, and why.
    Unmeasurable {
        /// Why.
        why: Unmeasurable,
    },
}

impl From<&Result<Bend, Unmeasurable>> for BackReading {
    fn from(bend: &Result<Bend, Unmeasurable>) -> Self {
        match bend {
            Ok(b) => BackReading::Measured {
                degrees: b.degrees,
                confidence: b.confidence,
            },
            Err(why) => BackReading::Unmeasurable { why: *why },
        }
    }
}

/// The measured outline in picture pixels, for the window and the report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutlineDrawing {
    /// The back's edge found by each ray, from the hips up, `[x, y]`.
    pub outline: Vec<[f32; 2]>,
    /// The line fitted to the lower back: its two ends.
    pub lower: [[f32; 2]; 2],
    /// The line fitted to the upper back: its two ends.
    pub upper: [[f32; 2]; 2],
}

/// The back's outline on one frame: the reading, and where it lies in the
/// picture when it was measured.
#[derive(Clone, Debug, PartialEq)]
pub struct BackOutline {
    /// The bend, or why there is none.
    pub reading: BackReading,
    /// The outline and its two fitted lines in picture pixels; `None` when
    /// not measured.
    pub drawing: Option<OutlineDrawing>,
}

/// The side of the axis the back lies on: away from the nose, judged
/// against the mid-ear (the head's forward direction) projected on the
/// axis's normal. `None` when the head gives no side (seen from the front).
pub fn back_side(
    hip: Point2<f32>,
    shoulder: Point2<f32>,
    nose: Point2<f32>,
    mid_ear: Point2<f32>,
) -> Option<f32> {
    let u = (shoulder - hip).try_normalize(f32::EPSILON)?;
    let n = Vector2::new(-u.y, u.x);
    let facing = (nose - mid_ear).dot(&n);
    (facing.abs() > f32::EPSILON).then(|| -facing.signum())
}

/// The dorsal bend of the back's outline in `mask`.
pub fn dorsal_bend(mask: MaskView, trunk: &TrunkInMask) -> Result<Bend, Unmeasurable> {
    let axis = trunk.shoulder - trunk.hip;
    let length = axis.norm();
    if length.is_nan() || length < MIN_TRUNK_PX {
        return Err(Unmeasurable::TooSmall);
    }
    let u = axis / length;
    let n = Vector2::new(-u.y, u.x) * trunk.back;
    for p in &trunk.arms {
        let d = p - trunk.hip;
        let (t, s) = (d.dot(&u) / length, d.dot(&n) / length);
        if (0.0..=1.0).contains(&t) && s > 0.0 && s < MAX_DEPTH {
            return Err(Unmeasurable::ArmOverBack);
        }
    }
    let mut outline = Vec::with_capacity(RAYS);
    for i in 0..RAYS {
        let t = FIRST_T + STEP_T * i as f32;
        if let Some(depth_px) = edge(mask, trunk.hip + axis * t, n, MAX_DEPTH * length) {
            outline.push((t, depth_px / length));
        }
    }
    let confidence = outline.len() as f32 / RAYS as f32;
    if confidence < MIN_EDGES {
        return Err(Unmeasurable::NoEdge);
    }
    if outline
        .windows(2)
        .any(|w| (w[1].1 - w[0].1).abs() > MAX_JUMP)
    {
        return Err(Unmeasurable::OutlineJumps);
    }
    let smooth = smoothed(&outline);
    let lower = fit(&smooth, |t| t <= LOWER_TO + 1e-4).ok_or(Unmeasurable::NoEdge)?;
    let upper = fit(&smooth, |t| t >= UPPER_FROM - 1e-4).ok_or(Unmeasurable::NoEdge)?;
    let angle = |l: &OutlineLine| {
        (l.to_depth - l.from_depth)
            .atan2(l.to_t - l.from_t)
            .to_degrees()
    };
    Ok(Bend {
        degrees: angle(&lower) - angle(&upper),
        confidence,
        outline: smooth,
        lower,
        upper,
    })
}

/// Distance from `from` along `dir` to where the mask falls under [`EDGE`],
/// interpolated between the march's samples; `None` when the ray starts
/// outside the person or finds no edge within `max_px`.
fn edge(mask: MaskView, from: Point2<f32>, dir: Vector2<f32>, max_px: f32) -> Option<f32> {
    let mut prev = mask.at(from).filter(|&v| v >= EDGE)?;
    let steps = (max_px / MARCH_PX) as usize;
    for k in 1..=steps {
        let v = mask.at(from + dir * (k as f32 * MARCH_PX))?;
        if v < EDGE {
            let frac = (prev - EDGE) / (prev - v);
            return Some((k as f32 - 1.0 + frac) * MARCH_PX);
        }
        prev = v;
    }
    None
}

/// Depths smoothed with [¼ ½ ¼] over neighbouring rays (the ends kept).
fn smoothed(outline: &[(f32, f32)]) -> Vec<(f32, f32)> {
    (0..outline.len())
        .map(|i| {
            let before = outline[i.saturating_sub(1)].1;
            let after = outline[(i + 1).min(outline.len() - 1)].1;
            (
                outline[i].0,
                0.25 * before + 0.5 * outline[i].1 + 0.25 * after,
            )
        })
        .collect()
}

/// Least-squares line through the points whose t passes `keep`.
fn fit(points: &[(f32, f32)], keep: impl Fn(f32) -> bool) -> Option<OutlineLine> {
    let part: Vec<(f32, f32)> = points.iter().copied().filter(|p| keep(p.0)).collect();
    if part.len() < 3 {
        return None;
    }
    let n = part.len() as f32;
    let (mt, md) = part
        .iter()
        .fold((0.0, 0.0), |(a, b), p| (a + p.0 / n, b + p.1 / n));
    let (stt, std) = part.iter().fold((0.0, 0.0), |(a, b), p| {
        (a + (p.0 - mt).powi(2), b + (p.0 - mt) * (p.1 - md))
    });
    let slope = std / stt;
    let (from_t, to_t) = (part[0].0, part[part.len() - 1].0);
    Some(OutlineLine {
        from_t,
        to_t,
        from_depth: md + slope * (from_t - mt),
        to_depth: md + slope * (to_t - mt),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIZE: usize = 256;

    /// A drawn person: a trunk along the axis from `hip` to `shoulder`,
    /// its back `depth(t)` trunk lengths from the axis on the `back` side,
    /// its front 0.25 trunk lengths the other side, the outline soft over
    /// about a pixel as the model's is; `extra` pixels also the person.
    fn drawn(
        hip: Point2<f32>,
        shoulder: Point2<f32>,
        back: f32,
        depth: impl Fn(f32) -> f32,
        extra: impl Fn(Point2<f32>) -> bool,
    ) -> Vec<f32> {
        let axis = shoulder - hip;
        let length = axis.norm();
        let u = axis / length;
        let n = Vector2::new(-u.y, u.x) * back;
        let mut prob = vec![0.0; SIZE * SIZE];
        for r in 0..SIZE {
            for c in 0..SIZE {
                let p = Point2::new(c as f32, r as f32);
                let d = p - hip;
                let (t, s) = (d.dot(&u) / length, d.dot(&n));
                let inside = if (-0.2..=1.2).contains(&t) {
                    let back_px = depth(t.clamp(0.0, 1.0)) * length - s;
                    let front_px = s + 0.25 * length;
                    back_px.min(front_px)
                } else {
                    -10.0
                };
                let v = 1.0 / (1.0 + (-inside / 0.6).exp());
                prob[r * SIZE + c] = if extra(p) { 1.0 } else { v };
            }
        }
        prob
    }

    /// A back whose lower part leaves the axis at `lower` degrees and whose
    /// upper part at `upper` degrees, meeting at mid-trunk 0.2 trunk lengths
    /// out: its bend is `lower − upper`.
    fn kinked(lower: f32, upper: f32) -> impl Fn(f32) -> f32 {
        move |t| {
            let slope = if t < 0.5 { lower } else { upper };
            0.2 + (t - 0.5) * slope.to_radians().tan()
        }
    }

    fn trunk(hip: Point2<f32>, shoulder: Point2<f32>, back: f32) -> TrunkInMask {
        TrunkInMask {
            hip,
            shoulder,
            back,
            arms: Vec::new(),
        }
    }

    fn view(prob: &[f32]) -> MaskView<'_> {
        MaskView {
            width: SIZE,
            height: SIZE,
            prob,
        }
    }

    #[test]
    fn a_known_bend_is_read_both_ways_and_on_either_side() {
        // A squat's trunk leaning 40° forward, 90 mask pixels long, seen
        // from either side (the back on either side of the axis).
        let hip = Point2::new(100.0, 170.0);
        for (shoulder, back) in [
            (hip + Vector2::new(58.0, -69.0), 1.0),
            (hip + Vector2::new(-58.0, -69.0), -1.0),
        ] {
            for (lower, upper) in [(12.0, -13.0), (-6.0, 9.0), (0.0, 0.0), (20.0, -10.0)] {
                let prob = drawn(hip, shoulder, back, kinked(lower, upper), |_| false);
                let bend = dorsal_bend(view(&prob), &trunk(hip, shoulder, back))
                    .unwrap_or_else(|e| panic!("{lower}/{upper}: {e}"));
                // The smoothing rounds the kink a little: within 1.5°.
                let want = lower - upper;
                assert!(
                    (bend.degrees - want).abs() < 1.5,
                    "{lower}/{upper}: read {} for {want}",
                    bend.degrees
                );
                assert!(bend.confidence > 0.99, "{bend:?}");
            }
        }
    }

    #[test]
    fn a_straight_back_reads_straight_whatever_its_distance() {
        let hip = Point2::new(60.0, 128.0);
        let shoulder = Point2::new(160.0, 120.0);
        for depth in [0.12, 0.2, 0.3] {
            let prob = drawn(hip, shoulder, 1.0, |_| depth, |_| false);
            let bend = dorsal_bend(view(&prob), &trunk(hip, shoulder, 1.0)).unwrap();
            assert!(bend.degrees.abs() < 0.5, "{depth}: {bend:?}");
        }
    }

    #[test]
    fn an_arm_over_the_back_is_not_read_as_the_back() {
        let hip = Point2::new(100.0, 170.0);
        let shoulder = hip + Vector2::new(58.0, -69.0);
        let u = (shoulder - hip).normalize();
        let n = Vector2::new(-u.y, u.x);
        // An arm lying across the back at mid-trunk: part of the person in
        // the mask, sticking out 0.15 trunk lengths past the back.
        let mid = hip + (shoulder - hip) * 0.5;
        let arm = move |p: Point2<f32>| {
            let d = p - mid;
            d.dot(&u).abs() < 6.0 && (0.0..0.35 * 90.0).contains(&d.dot(&n))
        };
        let prob = drawn(hip, shoulder, 1.0, kinked(10.0, -10.0), arm);
        // Without the arm's landmarks: the outline jumps.
        assert_eq!(
            dorsal_bend(view(&prob), &trunk(hip, shoulder, 1.0)),
            Err(Unmeasurable::OutlineJumps)
        );
        // With the wrist seen over the back: said as such.
        let mut t = trunk(hip, shoulder, 1.0);
        t.arms.push(mid + n * 25.0);
        assert_eq!(dorsal_bend(view(&prob), &t), Err(Unmeasurable::ArmOverBack));
        // An arm hanging in front of the body does not count.
        t.arms = vec![mid - n * 25.0];
        assert_eq!(
            dorsal_bend(view(&prob), &t),
            Err(Unmeasurable::OutlineJumps)
        );
    }

    #[test]
    fn a_back_lost_in_the_background_or_too_small_is_not_measured() {
        let hip = Point2::new(100.0, 170.0);
        let shoulder = hip + Vector2::new(58.0, -69.0);
        // The person's mask runs on to the edge of the picture behind the
        // back (a dark shirt against a dark sofa): no edge to find.
        let prob = drawn(hip, shoulder, 1.0, kinked(0.0, 0.0), |p| {
            let d = p - hip;
            let u = (shoulder - hip).normalize();
            d.dot(&Vector2::new(-u.y, u.x)) > 0.0
        });
        assert_eq!(
            dorsal_bend(view(&prob), &trunk(hip, shoulder, 1.0)),
            Err(Unmeasurable::NoEdge)
        );
        let near = hip + Vector2::new(8.0, -10.0);
        assert_eq!(
            dorsal_bend(view(&prob), &trunk(hip, near, 1.0)),
            Err(Unmeasurable::TooSmall)
        );
    }

    #[test]
    fn the_back_is_the_side_away_from_the_nose() {
        let hip = Point2::new(100.0, 170.0);
        let shoulder = Point2::new(100.0, 80.0);
        // Standing, facing right (x grows to the right): the back is left.
        let ear = Point2::new(100.0, 60.0);
        let side = back_side(hip, shoulder, Point2::new(112.0, 62.0), ear).unwrap();
        let u = (shoulder - hip).normalize();
        let n = Vector2::new(-u.y, u.x) * side;
        assert!(n.x < 0.0, "{n:?}");
        let side = back_side(hip, shoulder, Point2::new(88.0, 62.0), ear).unwrap();
        assert!((Vector2::new(-u.y, u.x) * side).x > 0.0);
    }
}
