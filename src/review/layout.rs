//! Where everything goes in the review window, and where a frame sits on
//! the timeline. Pure geometry, in canvas pixels.
//!
//! ```text
//! ┌──────────────────────────────┬────────────┐
//! │                              │  panel:    │
//! │  the recording               │  angles,   │
//! │  (scaled to VIDEO_HEIGHT)    │  flag,     │
//! │                              │  keys      │
//! ├──────────┬───────────────────┴────────────┤
//! │ rule     │ ▓▓▓   ██     ▓▓▓▓▓▓   │        │  one row per rule:
//! │ rule     │    ██    ▓▓▓▓  █      │        │  red flags, grey not judged
//! │ Reps     │        |1        |2   │        │  rep ends
//! │ legend   │ 0 s    1 s    2 s    │        │  time axis; the playhead
//! └──────────┴────────────────────────────────┘  crosses the rows
//! ```

use opencv::core::Rect;

use crate::body::ImageSize;

/// Height the recording is shown at, pixels (scaled up or down).
pub const VIDEO_HEIGHT: i32 = 600;
/// The widest the recording is shown, pixels (a wider video is shown
/// lower).
pub const VIDEO_MAX_WIDTH: i32 = 1100;
/// Width of the side panel, pixels.
pub const PANEL_WIDTH: i32 = 400;
/// Width of the timeline's label column, pixels.
pub const LABEL_WIDTH: i32 = 190;
/// Space around the timeline's contents, pixels.
pub const PAD: i32 = 12;
/// Height of a rule's row on the timeline, pixels.
pub const ROW_HEIGHT: i32 = 26;
/// Space between rows, pixels.
pub const ROW_GAP: i32 = 4;
/// Height of the reps row, pixels.
pub const REPS_HEIGHT: i32 = 24;
/// Height of the time axis (ticks and their labels), pixels.
pub const AXIS_HEIGHT: i32 = 30;
/// The narrowest a flag is drawn, pixels (a flag of one moment, such as a
/// rep's tempo, has no length).
pub const MIN_SPAN_WIDTH: i32 = 8;

/// The review window's regions for a recording of a size and a number of
/// rule rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    /// The whole window.
    pub canvas: ImageSize,
    /// Where the recording is shown.
    pub video: Rect,
    /// The side panel, right of the recording.
    pub panel: Rect,
    /// The timeline strip, under both, the full width.
    pub timeline: Rect,
    /// The part of the timeline that stands for time: frame 0 at its left,
    /// the end at its right, from the first row's top to the reps row's
    /// bottom.
    pub track: Rect,
    rows: i32,
}

impl Layout {
    /// The layout for a recording of `video` pixels with `rows` rule rows.
    pub fn new(video: ImageSize, rows: usize) -> Layout {
        let (width, height) = (
            f64::from(video.width.max(1)),
            f64::from(video.height.max(1)),
        );
        let scale = (f64::from(VIDEO_HEIGHT) / height).min(f64::from(VIDEO_MAX_WIDTH) / width);
        let shown_width = ((width * scale).round() as i32).max(1);
        let shown_height = ((height * scale).round() as i32).max(1);
        let rows = i32::try_from(rows).unwrap_or(i32::MAX / ROW_HEIGHT / 2);
        let top_height = shown_height.max(VIDEO_HEIGHT);
        let track_height = rows * (ROW_HEIGHT + ROW_GAP) + REPS_HEIGHT;
        let timeline_height = 2 * PAD + track_height + AXIS_HEIGHT;
        let canvas_width = shown_width + PANEL_WIDTH;
        let video_top = (top_height - shown_height) / 2;
        let track_left = LABEL_WIDTH + PAD;
        Layout {
            canvas: ImageSize {
                width: canvas_width as u32,
                height: (top_height + timeline_height) as u32,
            },
            video: Rect::new(0, video_top, shown_width, shown_height),
            panel: Rect::new(shown_width, 0, PANEL_WIDTH, top_height),
            timeline: Rect::new(0, top_height, canvas_width, timeline_height),
            track: Rect::new(
                track_left,
                top_height + PAD,
                (canvas_width - track_left - 2 * PAD).max(1),
                track_height,
            ),
            rows,
        }
    }

    /// Rule row `i` (0 at the top), across the track.
    pub fn row(&self, i: usize) -> Rect {
        let i = i32::try_from(i).unwrap_or(self.rows).min(self.rows);
        Rect::new(
            self.track.x,
            self.track.y + i * (ROW_HEIGHT + ROW_GAP),
            self.track.width,
            ROW_HEIGHT,
        )
    }

    /// The reps row, across the track, under the rule rows.
    pub fn reps_row(&self) -> Rect {
        Rect::new(
            self.track.x,
            self.track.y + self.rows * (ROW_HEIGHT + ROW_GAP),
            self.track.width,
            REPS_HEIGHT,
        )
    }

    /// The time axis under the track.
    pub fn axis(&self) -> Rect {
        Rect::new(
            self.track.x,
            self.track.y + self.track.height,
            self.track.width,
            AXIS_HEIGHT,
        )
    }

    /// The time axis of a recording of `frames` frames along the track.
    pub fn time_axis(&self, frames: u64) -> TimeAxis {
        TimeAxis {
            left: self.track.x,
            width: self.track.width,
            frames: frames.max(1),
        }
    }
}

/// Frames along the track: frame `i` takes the `i`-th of `frames` equal
/// slots.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeAxis {
    left: i32,
    width: i32,
    frames: u64,
}

impl TimeAxis {
    /// The left edge of frame `frame`'s slot (the right end of the track
    /// for the frame after the last).
    pub fn x_of(&self, frame: u64) -> i32 {
        let at = frame.min(self.frames) as f64 / self.frames as f64;
        self.left + (at * f64::from(self.width)).round() as i32
    }

    /// The middle of frame `frame`'s slot: where the playhead stands.
    pub fn centre_of(&self, frame: u64) -> i32 {
        let at = (frame.min(self.frames - 1) as f64 + 0.5) / self.frames as f64;
        self.left + (at * f64::from(self.width)).floor() as i32
    }

    /// Left edge and width of frames `start..end`, at least
    /// [`MIN_SPAN_WIDTH`] wide (a short one is widened about its middle),
    /// inside the track.
    pub fn span(&self, start: u64, end: u64) -> (i32, i32) {
        let (x0, x1) = (self.x_of(start), self.x_of(end.max(start)));
        if x1 - x0 >= MIN_SPAN_WIDTH {
            return (x0, x1 - x0);
        }
        let width = MIN_SPAN_WIDTH.min(self.width);
        let left = ((x0 + x1) / 2 - width / 2).clamp(self.left, self.left + self.width - width);
        (left, width)
    }
}

/// The step between labelled ticks on a time axis of `seconds` across
/// `width` pixels: a round number of seconds, ticks at least
/// `min_spacing` pixels apart.
pub fn tick_step_s(seconds: f64, width: i32, min_spacing: i32) -> f64 {
    const STEPS_S: [f64; 12] = [
        0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0,
    ];
    let per_second = f64::from(width.max(1)) / seconds.max(f64::EPSILON);
    STEPS_S
        .into_iter()
        .find(|step| step * per_second >= f64::from(min_spacing))
        .unwrap_or(STEPS_S[STEPS_S.len() - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hd() -> ImageSize {
        ImageSize {
            width: 1280,
            height: 720,
        }
    }

    #[test]
    fn the_recording_sits_left_of_the_panel_over_a_full_width_timeline() {
        let layout = Layout::new(hd(), 3);
        assert_eq!(layout.video, Rect::new(0, 0, 1067, 600));
        assert_eq!(layout.panel, Rect::new(1067, 0, PANEL_WIDTH, 600));
        assert_eq!(layout.timeline.x, 0);
        assert_eq!(layout.timeline.y, 600);
        assert_eq!(layout.timeline.width, 1067 + PANEL_WIDTH);
        assert_eq!(layout.canvas.width as i32, layout.timeline.width);
        assert_eq!(
            layout.canvas.height as i32,
            layout.timeline.y + layout.timeline.height
        );
        // Rows, then reps, then the axis, inside the timeline.
        assert_eq!(layout.row(0).y, layout.track.y);
        assert_eq!(layout.row(1).y, layout.row(0).y + ROW_HEIGHT + ROW_GAP);
        assert_eq!(layout.reps_row().y, layout.row(2).y + ROW_HEIGHT + ROW_GAP);
        assert_eq!(layout.axis().y, layout.reps_row().y + REPS_HEIGHT);
        let bottom = layout.axis().y + layout.axis().height;
        assert_eq!(bottom + PAD, layout.timeline.y + layout.timeline.height);
        assert_eq!(layout.track.x, LABEL_WIDTH + PAD);
        assert_eq!(
            layout.track.x + layout.track.width + 2 * PAD,
            layout.canvas.width as i32
        );
    }

    #[test]
    fn wide_and_portrait_recordings_keep_their_shape() {
        let wide = Layout::new(
            ImageSize {
                width: 3840,
                height: 1080,
            },
            1,
        );
        assert_eq!(wide.video.width, VIDEO_MAX_WIDTH);
        assert_eq!(wide.video.height, 309);
        // Centred in the height the panel needs.
        assert_eq!(wide.video.y, (VIDEO_HEIGHT - 309) / 2);
        assert_eq!(wide.panel.height, VIDEO_HEIGHT);
        let portrait = Layout::new(
            ImageSize {
                width: 720,
                height: 1280,
            },
            1,
        );
        assert_eq!(
            (portrait.video.width, portrait.video.height),
            (338, VIDEO_HEIGHT)
        );
        let small = Layout::new(
            ImageSize {
                width: 320,
                height: 240,
            },
            0,
        );
        assert_eq!((small.video.width, small.video.height), (800, 600));
    }

    #[test]
    fn frames_map_to_x_along_the_track() {
        let layout = Layout::new(hd(), 2);
        let axis = layout.time_axis(230);
        let (left, width) = (layout.track.x, layout.track.width);
        assert_eq!(axis.x_of(0), left);
        assert_eq!(axis.x_of(230), left + width);
        assert_eq!(axis.x_of(1000), left + width);
        assert_eq!(axis.x_of(115), left + width / 2 + width % 2);
        // Later frames are further right, and the playhead sits inside the
        // frame's slot.
        for frame in 0..230 {
            assert!(axis.x_of(frame) <= axis.x_of(frame + 1));
            let centre = axis.centre_of(frame);
            assert!(centre >= axis.x_of(frame) && centre <= axis.x_of(frame + 1));
        }
        assert_eq!(axis.centre_of(229), axis.centre_of(5000));
        // No frames: one slot, not a division by zero.
        let empty = layout.time_axis(0);
        assert_eq!(empty.x_of(1), left + width);
        assert_eq!(empty.centre_of(0), left + width / 2);
    }

    #[test]
    fn flags_become_spans_and_a_flag_of_one_moment_is_still_seen() {
        let layout = Layout::new(hd(), 2);
        let axis = layout.time_axis(230);
        let (x, width) = axis.span(72, 96);
        assert_eq!(x, axis.x_of(72));
        assert_eq!(x + width, axis.x_of(96));
        let (x, width) = axis.span(174, 174);
        assert_eq!(width, MIN_SPAN_WIDTH);
        assert!(x < axis.x_of(174) && x + width > axis.x_of(174));
        // At the edges, inside the track.
        let (x, width) = axis.span(0, 0);
        assert_eq!((x, width), (layout.track.x, MIN_SPAN_WIDTH));
        let (x, width) = axis.span(230, 230);
        assert_eq!(x + width, layout.track.x + layout.track.width);
        // An end before the start is a flag of one moment.
        assert_eq!(axis.span(50, 40).1, MIN_SPAN_WIDTH);
    }

    #[test]
    fn ticks_are_round_seconds_far_enough_apart() {
        assert_eq!(tick_step_s(7.7, 1000, 70), 1.0);
        assert_eq!(tick_step_s(7.7, 2000, 70), 0.5);
        assert_eq!(tick_step_s(60.0, 1000, 70), 5.0);
        assert_eq!(tick_step_s(3600.0, 1000, 70), 300.0);
        assert_eq!(tick_step_s(1e9, 100, 70), 1800.0);
    }
}
