//! The recording's frames by number, scaled for display, with the last
//! few kept so that stepping back is instant.
//!
//! A video is decoded forward from a keyframe: going to a frame means
//! decoding from the keyframe before it. A set's recordings have one every
//! 12 frames (a seek in a 720p recording: 11–19 ms), but an H.264 video
//! from elsewhere may have very few (OpenCV's H.264 writer put one in the
//! 230-frame demo's overlay video, so every seek in it decoded from the
//! start). So a frame a little ahead is read forward rather than sought, and a
//! jump back or far ahead seeks to [`BACKFILL`] frames before its target
//! and keeps them on the way: the frames just before a flag, or before the
//! frame stepped back from, are then at hand. [`CACHED_FRAMES`] are kept.

use std::collections::VecDeque;

use opencv::core::{Mat, Size};

use crate::source::{FrameSource, SourceError};
use crate::ui::window::scale_for_display;

/// Frames kept (at most about 2 MB each at the display size).
pub const CACHED_FRAMES: usize = 60;
/// Frames read before the target of a jump.
pub const BACKFILL: u64 = 30;

/// The recording, read by frame number into frames of the display size.
pub struct Frames {
    source: FrameSource,
    /// The frame `source` reads next.
    next_read: u64,
    /// A frame as decoded.
    decoded: Mat,
    /// The size frames are shown at.
    size: Size,
    /// Frames `first..first + cached.len()`, scaled.
    cached: VecDeque<Mat>,
    first: u64,
    /// Scaled frames no longer kept, to be written over.
    spare: Vec<Mat>,
}

impl Frames {
    /// The frames of `source` at `size`, `first` being frame 0 as
    /// decoded (read to learn the recording's size).
    pub fn new(source: FrameSource, first: Mat, size: Size) -> Result<Frames, SourceError> {
        let mut frames = Frames {
            source,
            next_read: 1,
            decoded: first,
            size,
            cached: VecDeque::with_capacity(CACHED_FRAMES),
            first: 0,
            spare: Vec::new(),
        };
        frames.keep_decoded(0)?;
        Ok(frames)
    }

    /// Frame `index`, scaled; `None` past the end of the recording.
    pub fn get(&mut self, index: u64) -> Result<Option<&Mat>, SourceError> {
        if self.cached(index).is_none() {
            let ahead = index.checked_sub(self.next_read);
            if ahead.is_none_or(|n| n >= CACHED_FRAMES as u64) {
                let from = index.saturating_sub(BACKFILL);
                self.source.seek(from)?;
                self.next_read = from;
            }
            if self.first + self.cached.len() as u64 != self.next_read {
                self.spare.extend(self.cached.drain(..));
                self.first = self.next_read;
            }
            while self.next_read <= index {
                let Some(info) = self.source.read(&mut self.decoded)? else {
                    return Ok(None);
                };
                self.next_read = info.index + 1;
                self.keep_decoded(info.index)?;
            }
        }
        Ok(self.cached(index))
    }

    /// Frame `index`, if it is kept.
    fn cached(&self, index: u64) -> Option<&Mat> {
        let at = usize::try_from(index.checked_sub(self.first)?).ok()?;
        self.cached.get(at)
    }

    /// Scales the frame just decoded, frame `index` (the one after the
    /// last kept), into the kept frames, dropping the oldest when full.
    fn keep_decoded(&mut self, index: u64) -> Result<(), SourceError> {
        let mut scaled = if self.cached.len() >= CACHED_FRAMES {
            self.first += 1;
            self.cached.pop_front().unwrap_or_default()
        } else {
            self.spare.pop().unwrap_or_default()
        };
        if self.cached.is_empty() {
            self.first = index;
        }
        scale_for_display(&self.decoded, &mut scaled, self.size).map_err(|source| {
            SourceError::Read {
                path: self.source.path().into(),
                source,
            }
        })?;
        self.cached.push_back(scaled);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::demo;
    use opencv::prelude::*;

    const SHOWN: Size = Size {
        width: 320,
        height: 180,
    };

    /// Every frame of the demo, decoded in order and scaled.
    fn in_order() -> Vec<Mat> {
        let mut source = FrameSource::open(&demo()).unwrap();
        let (mut frame, mut frames) = (Mat::default(), Vec::new());
        while source.read(&mut frame).unwrap().is_some() {
            let mut scaled = Mat::default();
            scale_for_display(&frame, &mut scaled, SHOWN).unwrap();
            frames.push(scaled);
        }
        frames
    }

    fn frames() -> Frames {
        let mut source = FrameSource::open(&demo()).unwrap();
        let mut first = Mat::default();
        source.read(&mut first).unwrap();
        Frames::new(source, first, SHOWN).unwrap()
    }

    fn same(a: &Mat, b: &Mat) -> bool {
        let mut diff = Mat::default();
        opencv::core::absdiff(a, b, &mut diff).unwrap();
        let mean = opencv::core::mean(&diff, &opencv::core::no_array()).unwrap();
        (0..3).all(|c| mean[c] < 0.5)
    }

    #[test]
    fn any_frame_asked_for_is_that_frame() {
        let expected = in_order();
        let mut frames = frames();
        for index in [0, 1, 2, 50, 49, 48, 120, 119, 10, 200, 229, 228, 5, 6, 100] {
            let got = frames.get(index).unwrap().expect("a frame");
            assert!(same(got, &expected[index as usize]), "frame {index}");
            assert_eq!(got.size().unwrap(), SHOWN);
        }
        assert!(frames.get(230).unwrap().is_none());
        assert!(frames.get(3).unwrap().is_some());
    }

    #[test]
    fn a_jump_keeps_the_frames_before_it_and_steps_back_read_nothing() {
        let mut frames = frames();
        frames.get(150).unwrap();
        assert_eq!(frames.next_read, 151);
        for index in (150 - BACKFILL..150).rev() {
            assert!(frames.cached(index).is_some(), "frame {index}");
            frames.get(index).unwrap();
            assert_eq!(frames.next_read, 151);
        }
        // Playing on from a jump reads on, keeping at most the last
        // CACHED_FRAMES.
        for index in 151..229 {
            frames.get(index).unwrap();
        }
        assert_eq!(frames.cached.len(), CACHED_FRAMES);
        assert_eq!(frames.first, 229 - CACHED_FRAMES as u64);
        // A little ahead is read on, not sought.
        let mut frames = self::frames();
        frames.get(20).unwrap();
        assert_eq!((frames.first, frames.cached.len()), (0, 21));
    }
}
