//! Thumbnails of flagged frames, cut from the overlay video and embedded as
//! JPEG data URIs.

use std::path::Path;
use std::time::{Duration, Instant};

use base64::Engine;
use opencv::core::{Mat, Size, Vector};
use opencv::prelude::*;
use opencv::{imgcodecs, imgproc, videoio};

use crate::analysis::back_outline::OutlineDrawing;
use crate::ui::skeleton::draw_back_outline;

/// Width of a thumbnail, px.
pub const THUMB_WIDTH: i32 = 320;
/// A frame further ahead than this is sought rather than decoded to, while
/// seeking is the cheaper.
const SEEK_AHEAD_FRAMES: usize = 300;
/// JPEG quality of a thumbnail, 0–100.
const JPEG_QUALITY: i32 = 80;

/// Cuts the frames at `positions` (0-based, in the video) from `video` as
/// `data:image/jpeg` URIs, `None` for a frame the video does not have, with
/// the back's outline drawn where `outlines` (one per position, or none)
/// gives one. Errs with a sentence for the page when the video cannot be
/// opened.
pub fn thumbnails(
    video: &Path,
    positions: &[usize],
    outlines: &[Option<&OutlineDrawing>],
) -> Result<Vec<Option<String>>, String> {
    if !video.is_file() {
        return Err(format!("{} is missing", video.display()));
    }
    let cv = |e: opencv::Error| format!("{}: {}", video.display(), e.message);
    let mut capture = videoio::VideoCapture::from_file(video, videoio::CAP_ANY).map_err(cv)?;
    if !capture.is_opened().map_err(cv)? {
        return Err(format!("{} cannot be opened as a video", video.display()));
    }
    // Frames are cut in order, decoding forward. A far frame is sought
    // instead, for as long as seeking beats decoding the gap: in an MPEG-4
    // file a seek costs a few frames, in an H.264 file with one key frame
    // it decodes from the start, and in a video that does not say how long it is (a
    // set's recording, streamed to disk) OpenCV cannot seek at all.
    let mut order: Vec<(usize, usize)> = positions.iter().copied().zip(0..).collect();
    order.sort_unstable();
    let mut out = vec![None; positions.len()];
    let mut frame = Mat::default();
    let mut next = 0usize;
    let mut last: Option<(usize, Option<String>)> = None;
    let mut decoding = DecodeCost::default();
    let mut seek = capture
        .get(videoio::CAP_PROP_FRAME_COUNT)
        .is_ok_and(|n| n.is_finite() && n >= 1.0);
    for (position, slot) in order {
        if let Some((_, uri)) = last.as_ref().filter(|(at, _)| *at == position) {
            out[slot] = uri.clone();
            continue;
        }
        let gap = position.saturating_sub(next);
        if seek && (position < next || gap > SEEK_AHEAD_FRAMES) {
            let started = Instant::now();
            capture
                .set(videoio::CAP_PROP_POS_FRAMES, position as f64)
                .map_err(cv)?;
            next = position;
            // Worse than decoding the gap would have been: decode from now on.
            seek = started.elapsed() < decoding.of(gap);
        }
        let started = Instant::now();
        let from = next;
        while next < position && capture.grab().map_err(cv)? {
            next += 1;
        }
        decoding.add(next - from, started.elapsed());
        let uri = if next == position && capture.read(&mut frame).map_err(cv)? && !frame.empty() {
            next += 1;
            if let Some(outline) = outlines.get(slot).copied().flatten() {
                draw_back_outline(&mut frame, outline).map_err(cv)?;
            }
            Some(jpeg_data_uri(&frame).map_err(cv)?)
        } else {
            None
        };
        out[slot] = uri.clone();
        last = Some((position, uri));
    }
    Ok(out)
}

/// What decoding a frame has cost so far.
#[derive(Default)]
struct DecodeCost {
    frames: u32,
    took: Duration,
}

impl DecodeCost {
    fn add(&mut self, frames: usize, took: Duration) {
        self.frames = self
            .frames
            .saturating_add(u32::try_from(frames).unwrap_or(u32::MAX));
        self.took += took;
    }

    /// The expected cost of decoding `frames` frames; unbounded before any
    /// frame was decoded, so that a first far frame is sought.
    fn of(&self, frames: usize) -> Duration {
        if self.frames == 0 {
            return Duration::MAX;
        }
        let per_frame = self.took.as_secs_f64() / f64::from(self.frames);
        Duration::from_secs_f64(per_frame * frames as f64)
    }
}

/// A frame scaled to [`THUMB_WIDTH`] and encoded as a JPEG data URI.
fn jpeg_data_uri(frame: &Mat) -> opencv::Result<String> {
    let size = frame.size()?;
    let height = (size.height * THUMB_WIDTH / size.width.max(1)).max(1);
    let mut small = Mat::default();
    imgproc::resize(
        frame,
        &mut small,
        Size::new(THUMB_WIDTH, height),
        0.0,
        0.0,
        imgproc::INTER_AREA,
    )?;
    let mut bytes = Vector::<u8>::new();
    let params = Vector::<i32>::from_slice(&[imgcodecs::IMWRITE_JPEG_QUALITY, JPEG_QUALITY]);
    imgcodecs::imencode(".jpg", &small, &mut bytes, &params)?;
    let encoded = base64::engine::general_purpose::STANDARD.encode(bytes.as_slice());
    Ok(format!("data:image/jpeg;base64,{encoded}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recording::video::VideoSink;
    use opencv::core::{Scalar, CV_8UC3};

    /// Brightness of frame `i` of the test video: neighbours differ by 25.
    fn level(i: usize) -> f64 {
        (i % 10) as f64 * 25.0
    }

    #[test]
    fn cuts_the_frames_asked_for_near_and_far_in_any_order() {
        let dir = tempfile::tempdir().unwrap();
        // An exported video, and a set's recording (which does not say how
        // long it is).
        let videos = [
            VideoSink::new(&dir.path().join("overlay.mp4"), 30.0),
            VideoSink::recording(&dir.path().join("overlay.mkv"), 30.0),
        ];
        for mut sink in videos {
            for i in 0..420 {
                let v = level(i);
                let frame =
                    Mat::new_rows_cols_with_default(48, 64, CV_8UC3, Scalar::new(v, v, v, 0.0))
                        .unwrap();
                sink.write(&frame).unwrap();
            }
            sink.finish().unwrap();
        }
        for name in ["overlay.mp4", "overlay.mkv"] {
            let path = dir.path().join(name);
            let asked = [5, 400, 5, 17, 419, 1000];
            let thumbs = thumbnails(&path, &asked, &[]).unwrap();
            assert!(thumbs[5].is_none(), "{name}: past the end");
            for (position, uri) in asked.iter().zip(&thumbs).take(5) {
                let uri = uri.as_ref().unwrap();
                let b64 = uri.strip_prefix("data:image/jpeg;base64,").unwrap();
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(b64)
                    .unwrap();
                let image =
                    imgcodecs::imdecode(&Vector::<u8>::from_slice(&bytes), imgcodecs::IMREAD_COLOR)
                        .unwrap();
                assert_eq!(image.cols(), THUMB_WIDTH);
                assert_eq!(image.rows(), 240);
                let mean = opencv::core::mean(&image, &opencv::core::no_array()).unwrap()[0];
                assert!(
                    (mean - level(*position)).abs() < 8.0,
                    "{name} frame {position}: brightness {mean}, expected {}",
                    level(*position)
                );
            }
        }
        let missing = thumbnails(&dir.path().join("none.mp4"), &[1], &[]).unwrap_err();
        assert!(missing.contains("none.mp4 is missing"), "{missing}");
    }

    /// The decoded picture of a thumbnail.
    fn decoded(uri: &str) -> Mat {
        let b64 = uri.strip_prefix("data:image/jpeg;base64,").unwrap();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap();
        imgcodecs::imdecode(&Vector::<u8>::from_slice(&bytes), imgcodecs::IMREAD_COLOR).unwrap()
    }

    #[test]
    fn the_back_outline_is_drawn_on_the_thumbnail_it_belongs_to() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("overlay.mkv");
        let mut sink = VideoSink::recording(&path, 30.0);
        for _ in 0..3 {
            let grey = Scalar::new(90.0, 90.0, 90.0, 0.0);
            let frame = Mat::new_rows_cols_with_default(360, 640, CV_8UC3, grey).unwrap();
            sink.write(&frame).unwrap();
        }
        sink.finish().unwrap();
        // A vertical back from (320, 300) up to (320, 60).
        let outline = OutlineDrawing {
            outline: (0..33).map(|i| [320.0, 300.0 - 7.5 * i as f32]).collect(),
            lower: [[320.0, 300.0], [320.0, 200.0]],
            upper: [[320.0, 160.0], [320.0, 60.0]],
        };
        let thumbs = thumbnails(&path, &[1, 2], &[Some(&outline), None]).unwrap();
        let (drawn, plain) = (
            decoded(thumbs[0].as_ref().unwrap()),
            decoded(thumbs[1].as_ref().unwrap()),
        );
        // Thumbnails are half size: the back's line is at column 160.
        let at = |image: &Mat, row: i32| *image.at_2d::<opencv::core::Vec3b>(row, 160).unwrap();
        for row in [40, 90, 140] {
            let [b, g, r] = at(&drawn, row).0;
            assert!(b > 180 && (g > 180 || r > 180), "row {row}: {b} {g} {r}");
            assert!(at(&plain, row).0.iter().all(|&c| (70..110).contains(&c)));
        }
    }
}
