//! The landmark model's segmentation of the person, kept for the back's
//! outline: the engine with it gives the same landmarks as without (the
//! kept outputs are bit-identical), and the mask covers the trunk and not
//! the region's corners on a rendered side view.
#![allow(clippy::unwrap_used, clippy::too_many_lines)] // a test fails by panicking; a scenario reads best whole

mod common;

use formcheck::body::Joint;

use formcheck::pose::{ModelKind, PoseEngine, PoseOptions, RunningMode};
use formcheck::source::FrameSource;
use opencv::core::Mat;

/// Mask side, pixels: the landmark model's input.
const MASK: usize = 256;

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

#[test]
fn the_segmentation_model_gives_the_same_landmarks_and_a_mask_of_the_person() {
    let video = common::rendered::clip("squat-side-clean").video;
    let engine = |segmentation| {
        PoseEngine::new(PoseOptions {
            model: ModelKind::Full,
            mode: RunningMode::Video,
            segmentation,
            ..PoseOptions::default()
        })
        .unwrap()
    };
    let (mut plain, mut segmenting) = (engine(false), engine(true));
    assert!(plain.segmentation_logits().is_none());
    let mut source = FrameSource::open(&video).unwrap();
    let mut frame = Mat::default();
    let mut checked = 0;
    while let Some(info) = source.read(&mut frame).unwrap() {
        let t_us = info.t_ms.micros();
        let a = plain.process(&frame, t_us).unwrap().cloned();
        let b = segmenting.process(&frame, t_us).unwrap().cloned();
        assert_eq!(a, b, "frame {}", info.index);
        let (Some(pose), Some(roi)) = (b, segmenting.last_roi()) else {
            continue;
        };
        let logits = segmenting.segmentation_logits().expect("a mask");
        assert_eq!(logits.len(), MASK * MASK);
        let p = |x: f32, y: f32| {
            let [u, v] = roi.unproject(x, y);
            let (c, r) = ((u * MASK as f32) as usize, (v * MASK as f32) as usize);
            sigmoid(logits[r.min(MASK - 1) * MASK + c.min(MASK - 1)])
        };
        // Halfway between the mid-hip and the mid-shoulder: the trunk.
        let mid = |a: Joint, b: Joint| {
            let (a, b) = (pose.landmark(a), pose.landmark(b));
            ((a.x + b.x) / 2.0, (a.y + b.y) / 2.0)
        };
        let (hx, hy) = mid(Joint::LeftHip, Joint::RightHip);
        let (sx, sy) = mid(Joint::LeftShoulder, Joint::RightShoulder);
        let trunk = p((hx + sx) / 2.0, (hy + sy) / 2.0);
        assert!(trunk > 0.9, "frame {}: trunk {trunk}", info.index);
        for (r, c) in [(2, 2), (2, MASK - 3), (MASK - 3, 2), (MASK - 3, MASK - 3)] {
            let corner = sigmoid(logits[r * MASK + c]);
            assert!(corner < 0.1, "frame {}: corner {corner}", info.index);
        }
        checked += 1;
        if checked == 60 {
            break;
        }
    }
    assert_eq!(checked, 60);
}
