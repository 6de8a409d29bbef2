//! The window: shows frames (with the display drawn on them) and reports
//! the keys pressed through a keymap, `&[(Key, C)]`, of the screen's own
//! commands (the live run's, review's, the prompts'; see
//! [`Window::next_mapped`]).
//!
//! A `minifb` window on X11 (also XWayland), owned by the main thread. The
//! window keeps the size it was opened with (or the size the user gives
//! it): each frame is scaled to fit it with its aspect ratio kept and
//! converted from OpenCV's 8-bit BGR to the window's pixels
//! ([`WindowPixels`]), and shown centred.
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
use opencv::core::{Mat, Size, ToInputArray, CV_8UC3};
use opencv::imgproc;
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
    pixels: WindowPixels,
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
            scale_mode: ScaleMode::Center,
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
            pixels: WindowPixels::default(),
            shown: ImageSize {
                width: 0,
                height: 0,
            },
            keys,
            quit_reported: false,
        })
    }

    /// Changes the window's title.
    pub fn set_title(&mut self, title: &str) {
        self.window.set_title(title);
    }

    /// Shows `frame` (8-bit BGR) and takes in the keys pressed since the
    /// last update.
    pub fn show(&mut self, frame: &(impl MatTraitConst + ToInputArray)) -> Result<(), WindowError> {
        self.shown = self.pixels.fit(frame, self.size())?;
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
                self.pixels.pixels()?,
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

/// A frame made ready for the window: scaled to fit the window with its
/// aspect ratio kept and converted to opaque `ARGB` pixels, both by
/// OpenCV's vectorised kernels, so that the window only copies it (minifb's
/// own scaling, pixel by pixel, cost more than the conversion). The
/// pictures are kept and reused while the sizes stay the same.
#[derive(Default)]
pub struct WindowPixels {
    scaled: Mat,
    argb: Mat,
}

impl WindowPixels {
    /// Fits `frame` (8-bit BGR) into `into` (the window's size; the frame's
    /// own size when `into` is empty); returns the size of the pixels made.
    pub fn fit(
        &mut self,
        frame: &(impl MatTraitConst + ToInputArray),
        into: ImageSize,
    ) -> Result<ImageSize, WindowError> {
        if frame.empty() || frame.typ() != CV_8UC3 {
            return Err(WindowError::BadFrame);
        }
        let from = frame.size()?;
        let fitted = fitted_size(from, into);
        if fitted == from {
            imgproc::cvt_color_def(frame, &mut self.argb, imgproc::COLOR_BGR2BGRA)?;
        } else {
            scale_for_display(frame, &mut self.scaled, fitted)?;
            imgproc::cvt_color_def(&self.scaled, &mut self.argb, imgproc::COLOR_BGR2BGRA)?;
        }
        Ok(ImageSize {
            width: fitted.width as u32,
            height: fitted.height as u32,
        })
    }

    /// The pixels made by the last [`WindowPixels::fit`], row after row.
    pub fn pixels(&self) -> Result<&[u32], WindowError> {
        // OpenCV allocates pictures aligned to 64 bytes, so four bytes of
        // B, G, R, A read as one little-endian `ARGB` pixel.
        bytemuck::try_cast_slice(self.argb.data_bytes()?)
            .map_err(|e| WindowError::Show(format!("the pixels are not 4-byte aligned: {e}")))
    }
}

/// The largest size with `from`'s aspect ratio inside `into` (`from` when
/// `into` is empty).
fn fitted_size(from: Size, into: ImageSize) -> Size {
    if into.width == 0 || into.height == 0 || from.width <= 0 || from.height <= 0 {
        return from;
    }
    let scale = (f64::from(into.width) / f64::from(from.width))
        .min(f64::from(into.height) / f64::from(from.height));
    let side = |n: i32| ((f64::from(n) * scale).round() as i32).max(1);
    Size::new(side(from.width), side(from.height))
}

/// Scales `frame` into `scaled` at `size`: bilinear, fast enough for every
/// frame; averaging pixels when shrinking to less than half, which
/// bilinear would alias.
pub fn scale_for_display(
    frame: &(impl MatTraitConst + ToInputArray),
    scaled: &mut Mat,
    size: Size,
) -> opencv::Result<()> {
    let from = frame.size()?;
    let interpolation = if 2 * size.height < from.height {
        imgproc::INTER_AREA
    } else {
        imgproc::INTER_LINEAR
    };
    imgproc::resize(frame, scaled, size, 0.0, 0.0, interpolation)
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
    use opencv::core::{Scalar, Vec3b, CV_8UC1};

    const ANY: ImageSize = ImageSize {
        width: 0,
        height: 0,
    };

    #[test]
    fn bgr_becomes_opaque_argb_row_by_row() {
        let mut frame = Mat::new_rows_cols_with_default(2, 3, CV_8UC3, Scalar::all(0.0)).unwrap();
        *frame.at_2d_mut::<Vec3b>(0, 0).unwrap() = Vec3b::from([1, 2, 3]);
        *frame.at_2d_mut::<Vec3b>(1, 2).unwrap() = Vec3b::from([255, 0, 128]);
        let mut pixels = WindowPixels::default();
        let size = pixels.fit(&frame, ANY).unwrap();
        assert_eq!((size.width, size.height), (3, 2));
        let argb = pixels.pixels().unwrap();
        assert_eq!(argb.len(), 6);
        assert_eq!(argb[0], 0xff03_0201);
        assert_eq!(argb[5], 0xff80_00ff);
        assert!(argb[1..5].iter().all(|&p| p == 0xff00_0000));
    }

    #[test]
    fn a_frame_is_fitted_into_the_window_with_its_aspect_ratio() {
        let frame = Mat::new_rows_cols_with_default(994, 1768, CV_8UC3, Scalar::all(9.0)).unwrap();
        let mut pixels = WindowPixels::default();
        let into = |width, height| ImageSize { width, height };
        // A window of another shape: the frame's width or height fills it.
        let size = pixels.fit(&frame, into(1280, 900)).unwrap();
        assert_eq!((size.width, size.height), (1280, 720));
        assert_eq!(pixels.pixels().unwrap().len(), 1280 * 720);
        let size = pixels.fit(&frame, into(3000, 497)).unwrap();
        assert_eq!((size.width, size.height), (884, 497));
        // The window's own size: no scaling, every pixel converted.
        let size = pixels.fit(&frame, into(1768, 994)).unwrap();
        assert_eq!((size.width, size.height), (1768, 994));
        assert!(pixels.pixels().unwrap().iter().all(|&p| p == 0xff09_0909));
    }

    #[test]
    fn the_pixels_are_reused_while_the_size_stays() {
        let big = Mat::new_rows_cols_with_default(720, 1280, CV_8UC3, Scalar::all(9.0)).unwrap();
        let mut pixels = WindowPixels::default();
        pixels.fit(&big, ANY).unwrap();
        let at = pixels.pixels().unwrap().as_ptr();
        pixels.fit(&big, ANY).unwrap();
        assert_eq!(pixels.pixels().unwrap().as_ptr(), at);
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
        let (mut a, mut b) = (WindowPixels::default(), WindowPixels::default());
        a.fit(&region, ANY).unwrap();
        b.fit(&view, ANY).unwrap();
        assert_eq!(a.pixels().unwrap(), b.pixels().unwrap());
        assert_eq!(a.pixels().unwrap()[0], 0xff1e_140a);
    }

    #[test]
    fn grey_or_empty_frames_are_refused() {
        let grey = Mat::new_rows_cols_with_default(2, 2, CV_8UC1, Scalar::all(0.0)).unwrap();
        let mut pixels = WindowPixels::default();
        assert!(matches!(pixels.fit(&grey, ANY), Err(WindowError::BadFrame)));
        assert!(matches!(
            pixels.fit(&Mat::default(), ANY),
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
