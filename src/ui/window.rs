//! The window: shows frames (with the display drawn on them) and reports
//! the keys pressed through a keymap, `&[(Key, C)]`, of the screen's own
//! commands (the live run's, review's, the prompts'; see
//! [`Window::next_mapped`]).
//!
//! A `minifb` window on X11 (also XWayland), owned by the main thread. Each
//! frame is converted from OpenCV's 8-bit BGR into the one `0RGB` pixel
//! buffer the window keeps, which grows only when a larger frame arrives.
//! The window keeps the size it was opened with (or the size the user gives
//! it): frames of another size are scaled into it with their aspect ratio.
//!
//! Keys are taken as the window system reports them, not by polling which
//! are down at each frame: a tap shorter than a frame still counts, and a
//! key held down counts once (unless the window is told to repeat it, as
//! review does for its frame steps). Every key pressed is kept, in order; a
//! keymap
//! (`&[(Key, C)]`) turns the ones it knows into its own commands and skips
//! the others.
//!
//! Without a display (no `DISPLAY`, or an X server that cannot be reached)
//! [`Window::open`] fails with [`WindowError::NoDisplay`], so that the
//! caller can say so and carry on without a window.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

pub use minifb::Key;
use minifb::{InputCallback, ScaleMode, WindowOptions};
use opencv::core::{Vec3b, CV_8UC3};
use opencv::prelude::*;

use crate::body::ImageSize;

/// Errors of the live window.
#[derive(Debug, thiserror::Error)]
pub enum WindowError {
    /// There is no display to open a window on: carry on without one.
    #[error("no display for the live window ({reason}); running without it")]
    NoDisplay {
        /// Why: `DISPLAY` unset, or its X server unreachable.
        reason: String,
    },
    /// The X11 client libraries could not be loaded.
    #[error(
        "cannot load the X11 libraries ({0}): run `make setup` (installs libx11-6 and libxcursor1)"
    )]
    MissingLibrary(String),
    /// The display is there but refused the window.
    #[error("cannot open the live window: {0}")]
    Create(String),
    /// The window could not show a frame.
    #[error("cannot show the frame in the live window: {0}")]
    Show(String),
    /// The frame has no pixels, or is not 8-bit BGR.
    #[error("frame is empty or not 8-bit 3-channel BGR")]
    BadFrame,
    /// OpenCV failed reading the frame.
    #[error("reading the frame failed: {0}")]
    Image(#[from] opencv::Error),
}

/// The environment variable that names the X display.
const DISPLAY_VAR: &str = "DISPLAY";
/// Key presses kept until read; more keys pressed in between are dropped.
const MAX_PENDING: usize = 16;
/// How many keys there are (the size of [`Key`]'s range).
const KEY_COUNT: usize = Key::Count as usize;

/// Key presses, in order, as the window reports them.
#[derive(Debug)]
struct KeyPresses {
    pending: VecDeque<Key>,
    down: [bool; KEY_COUNT],
    /// Keys whose auto-repeat, while held, counts as more presses.
    repeating: [bool; KEY_COUNT],
}

/// The window's input callback: records presses into [`KeyPresses`].
struct KeyRecorder(Rc<RefCell<KeyPresses>>);

impl InputCallback for KeyRecorder {
    fn add_char(&mut self, _char: u32) {}

    fn set_key_state(&mut self, key: Key, down: bool) {
        let Ok(mut keys) = self.0.try_borrow_mut() else {
            return;
        };
        let Some(state) = keys.down.get_mut(key as usize) else {
            return;
        };
        let was_down = std::mem::replace(state, down);
        let repeats = keys.repeating.get(key as usize).copied().unwrap_or(false);
        if down && (!was_down || repeats) && keys.pending.len() < MAX_PENDING {
            keys.pending.push_back(key);
        }
    }
}

/// The live window with its pixel buffer.
pub struct Window {
    window: minifb::Window,
    buffer: Vec<u32>,
    shown: ImageSize,
    keys: Rc<RefCell<KeyPresses>>,
    quit_reported: bool,
}

impl Window {
    /// Opens a window titled `title`, `size` pixels large (resizable; frames
    /// are scaled into it). Fails with [`WindowError::NoDisplay`] when
    /// `DISPLAY` is unset or its X server cannot be reached.
    pub fn open(title: &str, size: ImageSize) -> Result<Window, WindowError> {
        let display = std::env::var(DISPLAY_VAR).unwrap_or_default();
        if display.trim().is_empty() {
            return Err(WindowError::NoDisplay {
                reason: format!("{DISPLAY_VAR} is not set"),
            });
        }
        let options = WindowOptions {
            resize: true,
            scale_mode: ScaleMode::AspectRatioStretch,
            ..WindowOptions::default()
        };
        let (width, height) = (size.width.max(1) as usize, size.height.max(1) as usize);
        let mut window = minifb::Window::new(title, width, height, options)
            .map_err(|e| window_error(&e, &display))?;
        let keys = Rc::new(RefCell::new(KeyPresses {
            pending: VecDeque::with_capacity(MAX_PENDING),
            down: [false; KEY_COUNT],
            repeating: [false; KEY_COUNT],
        }));
        window.set_input_callback(Box::new(KeyRecorder(Rc::clone(&keys))));
        Ok(Window {
            window,
            buffer: Vec::new(),
            shown: ImageSize {
                width: 0,
                height: 0,
            },
            keys,
            quit_reported: false,
        })
    }

    /// Shows `frame` (8-bit BGR) and takes in the keys pressed since the
    /// last update.
    pub fn show(&mut self, frame: &impl MatTraitConst) -> Result<(), WindowError> {
        self.shown = argb_from_bgr(frame, &mut self.buffer)?;
        self.present()
    }

    /// Shows the last frame again and takes in the keys pressed (for a
    /// paused display, which must still answer keys).
    pub fn refresh(&mut self) -> Result<(), WindowError> {
        if self.shown.width == 0 || self.shown.height == 0 {
            self.window.update();
            return Ok(());
        }
        self.present()
    }

    fn present(&mut self) -> Result<(), WindowError> {
        self.window
            .update_with_buffer(
                &self.buffer,
                self.shown.width as usize,
                self.shown.height as usize,
            )
            .map_err(|e| WindowError::Show(error_detail(&e)))
    }

    /// Whether the window is still open (the user has not closed it).
    pub fn is_open(&self) -> bool {
        self.window.is_open()
    }

    /// The window's size now, pixels.
    pub fn size(&self) -> ImageSize {
        let (width, height) = self.window.get_size();
        ImageSize {
            width: u32::try_from(width).unwrap_or(u32::MAX),
            height: u32::try_from(height).unwrap_or(u32::MAX),
        }
    }

    /// Makes `keys`, held down, count again each time the keyboard
    /// repeats them (for stepping through frames; other keys count once).
    pub fn repeat_keys(&mut self, keys: &[Key]) {
        if let Ok(mut presses) = self.keys.try_borrow_mut() {
            for key in keys {
                if let Some(repeats) = presses.repeating.get_mut(*key as usize) {
                    *repeats = true;
                }
            }
        }
    }

    /// The next key pressed (taken in at the last [`Window::show`] or
    /// [`Window::refresh`]), oldest first.
    pub fn next_key(&mut self) -> Option<Key> {
        self.keys
            .try_borrow_mut()
            .ok()
            .and_then(|mut keys| keys.pending.pop_front())
    }

    /// What `keymap` maps the next key pressed that it knows to, oldest
    /// first; the keys it does not know are skipped.
    pub fn next_mapped<C: Copy>(&mut self, keymap: &[(Key, C)]) -> Option<C> {
        std::iter::from_fn(|| self.next_key()).find_map(|pressed| mapped(keymap, pressed))
    }

    /// What `keymap` maps the next key pressed that it knows to (see
    /// [`Window::next_mapped`]); once the window has been closed and the
    /// keys are read, `closed` once.
    pub fn next_or_closed<C: Copy>(&mut self, keymap: &[(Key, C)], closed: C) -> Option<C> {
        let pressed = self.next_mapped(keymap);
        if pressed.is_some() {
            return pressed;
        }
        if !self.window.is_open() && !self.quit_reported {
            self.quit_reported = true;
            return Some(closed);
        }
        None
    }
}

/// What `keymap` maps `key` to, if anything.
fn mapped<C: Copy>(keymap: &[(Key, C)], key: Key) -> Option<C> {
    keymap.iter().find(|(k, _)| *k == key).map(|(_, c)| *c)
}

/// Converts `frame` (8-bit BGR) into `buffer` as `0RGB` pixels, row after
/// row, resizing the buffer to the frame (it allocates only to grow);
/// returns the frame's size.
pub fn argb_from_bgr(
    frame: &impl MatTraitConst,
    buffer: &mut Vec<u32>,
) -> Result<ImageSize, WindowError> {
    if frame.empty() || frame.typ() != CV_8UC3 {
        return Err(WindowError::BadFrame);
    }
    let size = frame.size()?;
    let size = ImageSize {
        width: size.width.max(0) as u32,
        height: size.height.max(0) as u32,
    };
    let width = size.width as usize;
    buffer.resize(width * size.height as usize, 0);
    for (y, out) in (0..).zip(buffer.chunks_exact_mut(width)) {
        let row = frame.at_row::<Vec3b>(y)?;
        for (pixel, bgr) in out.iter_mut().zip(row) {
            *pixel = (u32::from(bgr[2]) << 16) | (u32::from(bgr[1]) << 8) | u32::from(bgr[0]);
        }
    }
    Ok(size)
}

/// The text inside a minifb error (its `Display` drops it).
fn error_detail(error: &minifb::Error) -> String {
    match error {
        minifb::Error::WindowCreate(detail) | minifb::Error::UpdateFailed(detail) => detail.clone(),
        other => other.to_string(),
    }
}

/// Maps minifb's failure to open a window on `display` to a [`WindowError`].
fn window_error(error: &minifb::Error, display: &str) -> WindowError {
    let detail = error_detail(error);
    if detail.contains("XOpenDisplay") {
        WindowError::NoDisplay {
            reason: format!("cannot reach the X server at {DISPLAY_VAR}={display}"),
        }
    } else if detail.starts_with("failed to load") {
        WindowError::MissingLibrary(detail)
    } else {
        WindowError::Create(detail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use opencv::core::{Mat, Scalar, CV_8UC1};

    #[test]
    fn bgr_becomes_0rgb_row_by_row() {
        let mut frame = Mat::new_rows_cols_with_default(2, 3, CV_8UC3, Scalar::all(0.0)).unwrap();
        *frame.at_2d_mut::<Vec3b>(0, 0).unwrap() = Vec3b::from([1, 2, 3]);
        *frame.at_2d_mut::<Vec3b>(1, 2).unwrap() = Vec3b::from([255, 0, 128]);
        let mut buffer = Vec::new();
        let size = argb_from_bgr(&frame, &mut buffer).unwrap();
        assert_eq!((size.width, size.height), (3, 2));
        assert_eq!(buffer.len(), 6);
        assert_eq!(buffer[0], 0x0003_0201);
        assert_eq!(buffer[5], 0x0080_00ff);
        assert!(buffer[1..5].iter().all(|&p| p == 0));
    }

    #[test]
    fn the_buffer_is_reused_for_frames_of_the_same_or_smaller_size() {
        let big = Mat::new_rows_cols_with_default(720, 1280, CV_8UC3, Scalar::all(9.0)).unwrap();
        let small = Mat::new_rows_cols_with_default(240, 320, CV_8UC3, Scalar::all(9.0)).unwrap();
        let mut buffer = Vec::new();
        argb_from_bgr(&big, &mut buffer).unwrap();
        let at = buffer.as_ptr();
        argb_from_bgr(&big, &mut buffer).unwrap();
        argb_from_bgr(&small, &mut buffer).unwrap();
        assert_eq!(buffer.len(), 320 * 240);
        argb_from_bgr(&big, &mut buffer).unwrap();
        assert_eq!(buffer.as_ptr(), at);
    }

    #[test]
    fn a_frame_of_a_region_is_read_row_by_row() {
        let mut full = Mat::new_rows_cols_with_default(4, 6, CV_8UC3, Scalar::all(0.0)).unwrap();
        *full.at_2d_mut::<Vec3b>(1, 1).unwrap() = Vec3b::from([10, 20, 30]);
        let region = Mat::roi(&full, opencv::core::Rect::new(1, 1, 3, 2))
            .unwrap()
            .try_clone()
            .unwrap();
        let view = Mat::roi(&full, opencv::core::Rect::new(1, 1, 3, 2)).unwrap();
        let mut a = Vec::new();
        let mut b = Vec::new();
        argb_from_bgr(&region, &mut a).unwrap();
        argb_from_bgr(&view, &mut b).unwrap();
        assert_eq!(a, b);
        assert_eq!(a[0], 0x001e_140a);
    }

    #[test]
    fn grey_or_empty_frames_are_refused() {
        let grey = Mat::new_rows_cols_with_default(2, 2, CV_8UC1, Scalar::all(0.0)).unwrap();
        let mut buffer = Vec::new();
        assert!(matches!(
            argb_from_bgr(&grey, &mut buffer),
            Err(WindowError::BadFrame)
        ));
        assert!(matches!(
            argb_from_bgr(&Mat::default(), &mut buffer),
            Err(WindowError::BadFrame)
        ));
    }

    #[test]
    fn every_key_pressed_is_kept_in_order_once_per_press() {
        let keys = Rc::new(RefCell::new(KeyPresses {
            pending: VecDeque::new(),
            down: [false; KEY_COUNT],
            repeating: [false; KEY_COUNT],
        }));
        let mut recorder = KeyRecorder(Rc::clone(&keys));
        recorder.set_key_state(Key::Right, true);
        recorder.set_key_state(Key::Right, true); // held: once
        recorder.set_key_state(Key::Right, false);
        recorder.set_key_state(Key::Period, true);
        recorder.set_key_state(Key::Period, false);
        recorder.set_key_state(Key::Right, true); // pressed again
        recorder.set_key_state(Key::Unknown, true);
        let pending: Vec<Key> = keys.borrow().pending.iter().copied().collect();
        assert_eq!(pending, [Key::Right, Key::Period, Key::Right, Key::Unknown]);
        for _ in 0..2 * MAX_PENDING {
            recorder.set_key_state(Key::A, true);
            recorder.set_key_state(Key::A, false);
        }
        assert_eq!(keys.borrow().pending.len(), MAX_PENDING);

        // A key told to repeat counts again while held.
        keys.borrow_mut().pending.clear();
        keys.borrow_mut().repeating[Key::Left as usize] = true;
        for _ in 0..3 {
            recorder.set_key_state(Key::Left, true);
        }
        recorder.set_key_state(Key::Left, false);
        assert_eq!(keys.borrow().pending.len(), 3);
    }

    #[test]
    fn a_keymap_maps_the_keys_it_knows() {
        let review = [(Key::Right, 1), (Key::Period, 1), (Key::N, 2)];
        assert_eq!(mapped(&review, Key::Period), Some(1));
        assert_eq!(mapped(&review, Key::N), Some(2));
        assert_eq!(mapped(&review, Key::Q), None);
    }

    #[test]
    fn minifb_failures_map_to_typed_errors() {
        let unreachable = window_error(
            &minifb::Error::WindowCreate("XOpenDisplay failed".into()),
            ":77",
        );
        assert!(
            matches!(&unreachable, WindowError::NoDisplay { reason } if reason.contains(":77")),
            "{unreachable}"
        );
        let no_lib = window_error(
            &minifb::Error::WindowCreate("failed to load Xlib: x".into()),
            ":0",
        );
        assert!(matches!(no_lib, WindowError::MissingLibrary(_)));
        let other = window_error(&minifb::Error::WindowCreate("bad size".into()), ":0");
        assert!(matches!(other, WindowError::Create(_)));
    }
}
