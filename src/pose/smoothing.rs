//! Temporal smoothing of landmarks in video mode, as MediaPipe's
//! pose_landmark_filtering.pbtxt: a low-pass filter on visibility and
//! one-euro filters on every coordinate (body landmarks scaled by the body's
//! size in pixels, world landmarks in metres, and the auxiliary landmarks
//! that steer the next region smoothed harder). Resettable: the filters start
//! afresh whenever the track is lost.
//!
//! The filters reproduce MediaPipe's arithmetic: values stored as `f32`,
//! rates in `f64`, a first frame passed through unchanged, frequency taken
//! from the timestamps once two are known (30 Hz before).

use std::f64::consts::PI;

use super::landmarker::{RawPose, NUM_AUX};
use super::roi::Roi;
use super::ImageSize;
use crate::body::{ImageLandmark, NUM_LANDMARKS};

/// Visibility low-pass weight of the new value.
const VISIBILITY_ALPHA: f32 = 0.1;
/// Frequency assumed before two timestamps are known (proto default).
const DEFAULT_FREQUENCY: f64 = 30.0;
/// Below this body size the landmarks pass unsmoothed (proto default).
const MIN_OBJECT_SCALE: f32 = 1e-6;

/// One-euro filter settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OneEuroParams {
    /// Cut-off frequency (Hz) when the value is still.
    pub min_cutoff: f64,
    /// How fast the cut-off rises with speed.
    pub beta: f64,
    /// Cut-off of the speed estimate (Hz).
    pub derivate_cutoff: f64,
}

/// Body landmarks (normalised by body size in pixels).
pub const LANDMARK_FILTER: OneEuroParams = OneEuroParams {
    min_cutoff: 0.05,
    beta: 80.0,
    derivate_cutoff: 1.0,
};
/// World landmarks (metres, no value scaling).
pub const WORLD_FILTER: OneEuroParams = OneEuroParams {
    min_cutoff: 0.1,
    beta: 40.0,
    derivate_cutoff: 1.0,
};
/// Auxiliary landmarks steering the region of the next frame.
pub const AUX_FILTER: OneEuroParams = OneEuroParams {
    min_cutoff: 0.01,
    beta: 10.0,
    derivate_cutoff: 1.0,
};

/// Exponential low-pass filter (MediaPipe's `LowPassFilter`).
#[derive(Clone, Copy, Debug, Default)]
pub struct LowPass {
    initialized: bool,
    raw: f32,
    stored: f32,
}

impl LowPass {
    /// Filters `value` with weight `alpha` for it; the first value passes.
    pub fn apply(&mut self, value: f32, alpha: f32) -> f32 {
        let new = if self.initialized {
            (f64::from(alpha) * f64::from(value)
                + (1.0 - f64::from(alpha)) * f64::from(self.stored)) as f32
        } else {
            self.initialized = true;
            value
        };
        self.raw = value;
        self.stored = new;
        new
    }
}

/// One-euro filter (MediaPipe's `OneEuroFilter`): a low-pass whose cut-off
/// rises with the speed of the value, so that still values are steady and
/// fast ones lag little.
#[derive(Clone, Copy, Debug)]
pub struct OneEuro {
    params: OneEuroParams,
    frequency: f64,
    last_time_ns: i64,
    x: LowPass,
    dx: LowPass,
}

impl OneEuro {
    /// A fresh filter.
    pub fn new(params: OneEuroParams) -> Self {
        OneEuro {
            params,
            frequency: DEFAULT_FREQUENCY,
            last_time_ns: 0,
            x: LowPass::default(),
            dx: LowPass::default(),
        }
    }

    fn alpha(&self, cutoff: f64) -> f32 {
        let te = 1.0 / self.frequency;
        let tau = 1.0 / (2.0 * PI * cutoff);
        (1.0 / (1.0 + tau / te)) as f32
    }

    /// Filters `value` at `time_us`; `value_scale` converts its speed to a
    /// size-independent one.
    pub fn apply(&mut self, time_us: i64, value_scale: f64, value: f32) -> f32 {
        let now = time_us * 1000;
        if self.last_time_ns >= now {
            return value;
        }
        if self.last_time_ns != 0 && now != 0 {
            self.frequency = 1.0 / ((now - self.last_time_ns) as f64 * 1e-9);
        }
        self.last_time_ns = now;
        let dvalue = if self.x.initialized {
            (f64::from(value) - f64::from(self.x.raw)) * value_scale * self.frequency
        } else {
            0.0
        };
        let edvalue = self
            .dx
            .apply(dvalue as f32, self.alpha(self.params.derivate_cutoff));
        let cutoff = self.params.min_cutoff + self.params.beta * f64::from(edvalue).abs();
        self.x.apply(value, self.alpha(cutoff))
    }
}

/// Filters one list of landmarks axis by axis.
#[derive(Clone, Copy, Debug)]
struct PointFilters<const N: usize> {
    axes: [[OneEuro; 3]; N],
}

impl<const N: usize> PointFilters<N> {
    fn new(params: OneEuroParams) -> Self {
        PointFilters {
            axes: [[OneEuro::new(params); 3]; N],
        }
    }

    fn apply(&mut self, points: &mut [[f32; 3]; N], time_us: i64, value_scale: f64) {
        for (p, f) in points.iter_mut().zip(self.axes.iter_mut()) {
            for (v, axis) in p.iter_mut().zip(f.iter_mut()) {
                *v = axis.apply(time_us, value_scale, *v);
            }
        }
    }
}

/// The smoothing of a whole pose track.
#[derive(Clone, Debug)]
pub struct PoseSmoother {
    visibility: [LowPass; NUM_LANDMARKS],
    landmarks: PointFilters<NUM_LANDMARKS>,
    world: PointFilters<NUM_LANDMARKS>,
    aux: PointFilters<NUM_AUX>,
}

impl Default for PoseSmoother {
    fn default() -> Self {
        PoseSmoother {
            visibility: [LowPass::default(); NUM_LANDMARKS],
            landmarks: PointFilters::new(LANDMARK_FILTER),
            world: PointFilters::new(WORLD_FILTER),
            aux: PointFilters::new(AUX_FILTER),
        }
    }
}

fn pixels_of<const N: usize>(lms: &[ImageLandmark; N], size: ImageSize) -> [[f32; 3]; N] {
    let (w, h) = (size.width as f32, size.height as f32);
    lms.map(|l| [l.x * w, l.y * h, l.z * w])
}

fn store_pixels<const N: usize>(lms: &mut [ImageLandmark; N], px: &[[f32; 3]; N], size: ImageSize) {
    let (w, h) = (size.width as f32, size.height as f32);
    for (l, p) in lms.iter_mut().zip(px) {
        l.x = p[0] / w;
        l.y = p[1] / h;
        l.z = p[2] / w;
    }
}

impl PoseSmoother {
    /// Forgets everything: the next pose passes unsmoothed.
    pub fn reset(&mut self) {
        *self = PoseSmoother::default();
    }

    /// A frame without a pose. As in MediaPipe's graph, only the filters of
    /// image coordinates restart (their calculators see the frame through
    /// the image size and reset on the missing landmarks); the visibility and
    /// world filters, which see nothing of that frame, keep their state.
    pub fn track_lost(&mut self) {
        self.landmarks = PointFilters::new(LANDMARK_FILTER);
        self.aux = PointFilters::new(AUX_FILTER);
    }

    /// Smooths `raw` (a frame of `size` at `time_us`) in place.
    pub fn apply(&mut self, raw: &mut RawPose, size: ImageSize, time_us: i64) {
        // Body size in pixels from the unsmoothed auxiliary points: the side
        // of their alignment rectangle (MediaPipe's OBJECT_SCALE_ROI).
        let scale_roi = Roi::from_alignment_points(
            [raw.aux[0].x, raw.aux[0].y],
            [raw.aux[1].x, raw.aux[1].y],
            size,
        );
        let object_scale =
            (scale_roi.width * size.width as f32 + scale_roi.height * size.height as f32) / 2.0;

        for (lm, filter) in raw
            .pose
            .landmarks
            .iter_mut()
            .zip(self.visibility.iter_mut())
        {
            lm.visibility = filter.apply(lm.visibility, VISIBILITY_ALPHA);
        }
        if object_scale >= MIN_OBJECT_SCALE {
            let value_scale = f64::from(1.0 / object_scale);
            let mut px = pixels_of(&raw.pose.landmarks, size);
            self.landmarks.apply(&mut px, time_us, value_scale);
            store_pixels(&mut raw.pose.landmarks, &px, size);
            let mut aux = pixels_of(&raw.aux, size);
            self.aux.apply(&mut aux, time_us, value_scale);
            store_pixels(&mut raw.aux, &aux, size);
        }
        let mut world = raw.pose.world.map(|w| [w.x, w.y, w.z]);
        self.world.apply(&mut world, time_us, 1.0);
        for (w, p) in raw.pose.world.iter_mut().zip(world) {
            (w.x, w.y, w.z) = (p[0], p[1], p[2]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_euro_passes_first_values_and_holds_a_still_value() {
        let mut f = OneEuro::new(LANDMARK_FILTER);
        // MediaPipe's first timestamp is 0: passed through, no state kept.
        assert_eq!(f.apply(0, 1.0, 5.0), 5.0);
        assert_eq!(f.apply(33_333, 1.0, 7.0), 7.0);
        for i in 2..50 {
            assert!((f.apply(i * 33_333, 1.0, 7.0) - 7.0).abs() < 1e-6);
        }
    }

    #[test]
    fn one_euro_lags_less_on_fast_moves_than_on_slow_drift() {
        let step = |beta: f64, jump: f32| {
            let mut f = OneEuro::new(OneEuroParams {
                min_cutoff: 0.05,
                beta,
                derivate_cutoff: 1.0,
            });
            f.apply(33_333, 0.01, 0.0);
            f.apply(66_666, 0.01, jump) / jump
        };
        // A still-value cut-off of 0.05 Hz at 30 Hz keeps ~1% of a change...
        assert!(step(0.0, 100.0) < 0.02);
        // ...while speed raises the cut-off and the filter follows.
        assert!(step(80.0, 100.0) > 0.5);
    }

    /// The delay of the landmark filter on a landmark swinging at exercise
    /// speed: the time shift that best lines the filtered series up with
    /// the raw one, ms. Body half the frame high (value scale 2), 30 fps,
    /// the landmark swinging over a tenth of the frame.
    fn landmark_lag_ms(period_s: f64) -> f64 {
        let mut f = OneEuro::new(LANDMARK_FILTER);
        let dt_us = 33_333i64;
        let raw = |i: i64| {
            0.05 * (std::f64::consts::TAU * i as f64 * dt_us as f64 / 1e6 / period_s).sin()
        };
        let n = (period_s * 4.0 * 30.0) as i64;
        let filtered: Vec<f64> = (1..=n)
            .map(|i| f64::from(f.apply(i * dt_us, 2.0, raw(i) as f32)))
            .collect();
        // Skip the first period (the filter settling), then search shifts of
        // a millisecond.
        let from = (period_s * 30.0) as i64;
        (0..200)
            .map(|ms| {
                let shift_us = f64::from(ms) * 1000.0;
                let err: f64 = (from..n)
                    .map(|i| {
                        let t = (i * dt_us) as f64 - shift_us;
                        let phase = std::f64::consts::TAU * t / 1e6 / period_s;
                        (filtered[(i - 1) as usize] - 0.05 * phase.sin()).powi(2)
                    })
                    .sum();
                (f64::from(ms), err)
            })
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map_or(f64::NAN, |(ms, _)| ms)
    }

    #[test]
    fn landmark_smoothing_delays_exercise_movements_by_a_frame_or_less() {
        // A slow rehab rep (4 s) and a brisk one (1.5 s).
        let (slow, brisk) = (landmark_lag_ms(4.0), landmark_lag_ms(1.5));
        eprintln!("landmark smoothing delay: {slow} ms at a 4 s rep, {brisk} ms at 1.5 s");
        assert!(slow <= 40.0 && brisk <= 40.0, "{slow} ms, {brisk} ms");
    }

    #[test]
    fn ignores_timestamps_that_do_not_advance() {
        let mut f = OneEuro::new(WORLD_FILTER);
        f.apply(10, 1.0, 1.0);
        f.apply(20, 1.0, 1.0);
        assert_eq!(f.apply(20, 1.0, 9.0), 9.0);
        assert!(f.apply(30, 1.0, 1.0) < 1.5);
    }

    #[test]
    fn low_pass_weights_new_values_by_alpha() {
        let mut f = LowPass::default();
        assert_eq!(f.apply(1.0, 0.1), 1.0);
        assert!((f.apply(0.0, 0.1) - 0.9).abs() < 1e-6);
    }

    #[test]
    fn a_lost_track_restarts_image_filters_but_not_visibility_or_world() {
        let size = ImageSize {
            width: 640,
            height: 480,
        };
        let mut raw = RawPose::default();
        raw.aux[1].y = -0.3;
        raw.pose.landmarks[0] = ImageLandmark {
            x: 0.5,
            visibility: 1.0,
            ..Default::default()
        };
        raw.pose.world[0].x = 0.1;
        let mut s = PoseSmoother::default();
        s.apply(&mut raw.clone(), size, 33_333);
        s.apply(&mut raw.clone(), size, 66_666);
        s.track_lost();
        let mut moved = raw.clone();
        moved.pose.landmarks[0] = ImageLandmark {
            x: 0.6,
            visibility: 0.0,
            ..Default::default()
        };
        moved.pose.world[0].x = 0.5;
        let mut out = moved.clone();
        s.apply(&mut out, size, 133_332);
        // Image coordinates start afresh...
        assert_eq!(out.pose.landmarks[0].x, 0.6);
        // ...visibility and world coordinates are still smoothed.
        assert!(out.pose.landmarks[0].visibility > 0.8);
        assert!(out.pose.world[0].x < 0.5);
    }

    #[test]
    fn reset_restarts_the_track() {
        let size = ImageSize {
            width: 640,
            height: 480,
        };
        let mut raw = RawPose::default();
        raw.aux[1].y = -0.3;
        for lm in &mut raw.pose.landmarks {
            lm.x = 0.5;
            lm.visibility = 1.0;
        }
        let mut s = PoseSmoother::default();
        s.apply(&mut raw.clone(), size, 33_333);
        s.apply(&mut raw.clone(), size, 66_666);
        let mut moved = raw.clone();
        for lm in &mut moved.pose.landmarks {
            lm.x = 0.52;
            lm.visibility = 0.0;
        }
        let mut smoothed = moved.clone();
        s.apply(&mut smoothed, size, 99_999);
        assert!(smoothed.pose.landmarks[0].visibility > 0.8);
        s.reset();
        let mut fresh = moved.clone();
        s.apply(&mut fresh, size, 133_332);
        assert_eq!(fresh.pose.landmarks[0], moved.pose.landmarks[0]);
    }
}
