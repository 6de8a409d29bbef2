//! In steady state the pose engine allocates nothing per frame on the Rust
//! side: buffers, tensors and Mats are created once and reused. (ONNX
//! Runtime's and OpenCV's own C++ allocations are not counted here.)
#![allow(clippy::unwrap_used, clippy::too_many_lines)] // a test fails by panicking; a scenario reads best whole
#![allow(unsafe_code)] // a counting global allocator implements `GlobalAlloc`, an unsafe trait

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use formcheck::pose::{ModelKind, PoseEngine, PoseOptions, RunningMode};
use formcheck::source::FrameSource;
use opencv::core::Mat;

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn video_mode_allocates_nothing_per_frame_in_steady_state() {
    let mut source = FrameSource::open(&common::sample("demo.mp4")).unwrap();
    let mut frames = Vec::new();
    for _ in 0..40 {
        let mut frame = Mat::default();
        let info = source.read(&mut frame).unwrap().unwrap();
        frames.push((frame, info.t_ms.micros()));
    }
    let mut engine = PoseEngine::new(PoseOptions {
        model: ModelKind::Lite,
        mode: RunningMode::Video,
        ..PoseOptions::default()
    })
    .unwrap();
    // Warm up: first detector and landmark runs, scratch buffers grow.
    for (frame, t) in &frames[..10] {
        engine.process(frame, *t).unwrap();
    }
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    let mut tracked = 0;
    for (frame, t) in &frames[10..] {
        if engine.process(frame, *t).unwrap().is_some() && !engine.times().detector_ran {
            tracked += 1;
        }
    }
    let per_frame = (ALLOCATIONS.load(Ordering::Relaxed) - before) as f64 / 30.0;
    eprintln!("{per_frame} Rust allocations per frame over 30 frames ({tracked} tracked)");
    assert!(tracked > 20);
    assert_eq!(per_frame, 0.0);
}
