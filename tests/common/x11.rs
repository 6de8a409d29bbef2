//! A virtual X server (Xvfb) for the window tests, and a client of it that
//! reads the screen and sends keys and the close button as X events, as a
//! user would.
#![allow(unsafe_code)] // Xlib is a C API; each call says why it is sound

use std::ffi::CString;
use std::io::{BufRead, BufReader};
use std::os::fd::AsRawFd;
use std::os::raw::{c_long, c_uint};
use std::path::{Path, PathBuf};
use std::process::{Child, Command as Process, Stdio};
use std::time::{Duration, Instant};

use opencv::core::{Mat, Scalar, Vec3b, Vector, CV_8UC3};
use opencv::imgcodecs;
use opencv::prelude::*;
use x11_dl::xlib;

/// A display number with no X server (no socket, no lock file).
pub fn free_display() -> u32 {
    (90..10_000)
        .find(|n| {
            !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
                && !Path::new(&format!("/tmp/.X{n}-lock")).exists()
        })
        .expect("a free display number")
}

/// Xvfb on a display of its own, stopped when dropped.
pub struct Xvfb {
    child: Child,
    /// The display's name (`:N`).
    pub display: String,
}

impl Xvfb {
    /// Starts Xvfb with one `width`×`height` screen on a display it picks
    /// itself (`-displayfd`: no race between tests starting servers at
    /// once, and stale lock files of a killed server are its business);
    /// `None` when Xvfb is not installed.
    pub fn start(width: i32, height: i32) -> Option<Xvfb> {
        // The server writes its display number into this pipe once it
        // accepts connections.
        let (ready, ready_in_child) = nix::unistd::pipe().expect("a pipe");
        let screen = format!("{width}x{height}x24");
        let spawned = Process::new("Xvfb")
            .args([
                "-displayfd",
                &ready_in_child.as_raw_fd().to_string(),
                "-screen",
                "0",
                &screen,
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        drop(ready_in_child);
        let mut child = match spawned {
            Ok(child) => child,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
            Err(e) => panic!("cannot start Xvfb: {e}"),
        };
        let mut number = String::new();
        let read = BufReader::new(std::fs::File::from(ready)).read_line(&mut number);
        if read.is_err() || number.trim().is_empty() {
            let _ = child.kill();
            panic!("Xvfb did not come up: {:?}", child.wait());
        }
        Some(Xvfb {
            child,
            display: format!(":{}", number.trim()),
        })
    }
}

impl Drop for Xvfb {
    /// Stops the server with SIGTERM, so that it removes its socket and
    /// lock file (SIGKILL would leave them behind, one display number lost
    /// per test run); SIGKILL only if it has not gone within 5 s.
    fn drop(&mut self) {
        let pid = nix::unistd::Pid::from_raw(self.child.id().cast_signed());
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
        let asked = Instant::now();
        while asked.elapsed() < Duration::from_secs(5) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A connection to the X server, for reading the screen and sending events
/// as a user would.
pub struct XClient {
    lib: xlib::Xlib,
    display: *mut xlib::Display,
}

impl XClient {
    /// Connects to display `name`. X errors (a window that has closed
    /// meanwhile) are reported, not fatal.
    pub fn open(name: &str) -> XClient {
        let lib = xlib::Xlib::open().expect("libX11");
        unsafe { (lib.XSetErrorHandler)(Some(report_x_error)) };
        let name = CString::new(name).unwrap();
        let display = unsafe { (lib.XOpenDisplay)(name.as_ptr()) };
        assert!(!display.is_null(), "cannot open {name:?}");
        XClient { lib, display }
    }

    fn root(&self) -> xlib::Window {
        unsafe { (self.lib.XDefaultRootWindow)(self.display) }
    }

    /// The screen's pixels as an 8-bit BGR image.
    pub fn screenshot(&self) -> Mat {
        let (width, height) = unsafe {
            let screen = (self.lib.XDefaultScreen)(self.display);
            (
                (self.lib.XDisplayWidth)(self.display, screen),
                (self.lib.XDisplayHeight)(self.display, screen),
            )
        };
        let mut shot = Mat::new_rows_cols_with_default(height, width, CV_8UC3, 0.0.into()).unwrap();
        unsafe {
            let image = (self.lib.XGetImage)(
                self.display,
                self.root(),
                0,
                0,
                width as c_uint,
                height as c_uint,
                !0,
                xlib::ZPixmap,
            );
            assert!(!image.is_null(), "XGetImage failed");
            for y in 0..height {
                let row = shot.at_row_mut::<Vec3b>(y).unwrap();
                for (x, px) in (0..).zip(row.iter_mut()) {
                    let p = (self.lib.XGetPixel)(image, x, y);
                    *px = Vec3b::from([p as u8, (p >> 8) as u8, (p >> 16) as u8]);
                }
            }
            (self.lib.XDestroyImage)(image);
        }
        shot
    }

    /// The top-level windows (there is no window manager).
    pub fn top_windows(&self) -> Vec<xlib::Window> {
        unsafe {
            let (mut root, mut parent) = (0, 0);
            let mut children: *mut xlib::Window = std::ptr::null_mut();
            let mut count: c_uint = 0;
            (self.lib.XQueryTree)(
                self.display,
                self.root(),
                &mut root,
                &mut parent,
                &mut children,
                &mut count,
            );
            if children.is_null() {
                return Vec::new();
            }
            let windows = std::slice::from_raw_parts(children, count as usize).to_vec();
            (self.lib.XFree)(children.cast());
            windows
        }
    }

    /// Where `window`'s top left corner is on the screen (the window
    /// system places it; minifb centres it).
    pub fn origin(&self, window: xlib::Window) -> (i32, i32) {
        unsafe {
            let mut attributes: xlib::XWindowAttributes = std::mem::zeroed();
            let status = (self.lib.XGetWindowAttributes)(self.display, window, &mut attributes);
            assert_ne!(status, 0, "XGetWindowAttributes failed");
            (attributes.x, attributes.y)
        }
    }

    /// The one top-level window (the window under test).
    pub fn only_window(&self) -> xlib::Window {
        let windows = self.top_windows();
        assert_eq!(windows.len(), 1, "one top-level window");
        windows[0]
    }

    fn send(&self, window: xlib::Window, mut event: xlib::XEvent, mask: c_long) {
        unsafe {
            (self.lib.XSendEvent)(self.display, window, xlib::False, mask, &mut event);
            (self.lib.XFlush)(self.display);
        }
    }

    /// Presses and releases the key of `keysym` on `window`, at once (a tap
    /// shorter than a frame).
    pub fn tap(&self, window: xlib::Window, keysym: u32) {
        self.hold(window, keysym, 1);
    }

    /// Holds the key of `keysym` down on `window` for `presses` presses (the
    /// first and the keyboard's repeats), then releases it.
    pub fn hold(&self, window: xlib::Window, keysym: u32, presses: usize) {
        let keycode = unsafe { (self.lib.XKeysymToKeycode)(self.display, keysym.into()) };
        let press = (xlib::KeyPress, xlib::KeyPressMask);
        let release = (xlib::KeyRelease, xlib::KeyReleaseMask);
        let events = std::iter::repeat_n(press, presses).chain([release]);
        for (kind, mask) in events {
            let key = xlib::XKeyEvent {
                type_: kind,
                serial: 0,
                send_event: xlib::True,
                display: self.display,
                window,
                root: self.root(),
                subwindow: 0,
                time: xlib::CurrentTime,
                x: 10,
                y: 10,
                x_root: 10,
                y_root: 10,
                state: 0,
                keycode: c_uint::from(keycode),
                same_screen: xlib::True,
            };
            self.send(window, xlib::XEvent { key }, mask);
        }
    }

    /// Asks `window` to close, as a window manager's close button does.
    pub fn close(&self, window: xlib::Window) {
        let atom = |name: &str| {
            let name = CString::new(name).unwrap();
            unsafe { (self.lib.XInternAtom)(self.display, name.as_ptr(), xlib::False) }
        };
        let mut message = xlib::XClientMessageEvent {
            type_: xlib::ClientMessage,
            serial: 0,
            send_event: xlib::True,
            display: self.display,
            window,
            message_type: atom("WM_PROTOCOLS"),
            format: 32,
            data: xlib::ClientMessageData::new(),
        };
        message.data.set_long(0, atom("WM_DELETE_WINDOW") as c_long);
        message.data.set_long(1, xlib::CurrentTime as c_long);
        self.send(
            window,
            xlib::XEvent {
                client_message: message,
            },
            0,
        );
    }
}

/// Reports an X error instead of ending the process (Xlib's default).
unsafe extern "C" fn report_x_error(
    _display: *mut xlib::Display,
    event: *mut xlib::XErrorEvent,
) -> std::os::raw::c_int {
    if let Some(event) = unsafe { event.as_ref() } {
        eprintln!(
            "X error {} (request {}) on resource {:#x}",
            event.error_code, event.request_code, event.resourceid
        );
    }
    0
}

impl Drop for XClient {
    fn drop(&mut self) {
        unsafe { (self.lib.XCloseDisplay)(self.display) };
    }
}

/// Whether `p` is `want` (within 2 levels per channel).
pub fn is_colour(p: Vec3b, want: Scalar) -> bool {
    (0..3).all(|c| (f64::from(p[c]) - want[c]).abs() <= 2.0)
}

/// Writes `shot` as `name` in the tests' scratch folder; returns its path.
pub fn scratch_image(shot: &Mat, name: &str) -> PathBuf {
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    imgcodecs::imwrite(out.to_str().unwrap(), shot, &Vector::new()).unwrap();
    eprintln!("screenshot: {}", out.display());
    out
}

/// Writes `shot` as `name` in the tests' scratch folder (and, when
/// `FORMCHECK_SCREENSHOT` names a file, there too, as small as PNG
/// allows).
pub fn save_screenshot(shot: &Mat, name: &str) {
    scratch_image(shot, name);
    if let Ok(path) = std::env::var("FORMCHECK_SCREENSHOT") {
        let smallest = Vector::from_slice(&[imgcodecs::IMWRITE_PNG_COMPRESSION, 9]);
        imgcodecs::imwrite(&path, shot, &smallest).unwrap();
    }
}
