//! Shared helpers of the integration tests.
#![allow(dead_code)]
#![allow(clippy::unwrap_used)] // helpers of tests: a failure is a panic with its cause

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub mod postgres;
pub mod rendered;
pub mod station;
pub mod x11;

/// The project root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A sample fetched by `make setup` (fails with the fix when absent).
pub fn sample(name: &str) -> PathBuf {
    let path = root().join(".cache/samples").join(name);
    assert!(
        path.is_file(),
        "{} is missing: run `make setup`",
        path.display()
    );
    path
}

/// A clip of the shared development footage, or `None` (with a message)
/// when the footage is not on this machine.
pub fn footage(name: &str) -> Option<PathBuf> {
    let path = root().join("../shared/footage").join(name);
    if path.is_file() {
        Some(path)
    } else {
        eprintln!("skipped: {} not present", path.display());
        None
    }
}

/// The formcheck binary built for the tests.
pub fn binary() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_formcheck"))
}

/// A failed run: non-zero exit, no panic, and a single `error:` line that
/// contains `needle`.
pub fn assert_clear_error(out: &Output, needle: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    assert!(errors[0].contains(needle), "{stderr}");
}

/// A successful run: exit 0, else its standard error in the failure.
pub fn assert_success(out: &Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The sample video at 640×360 (written once per test run): what the
/// tests that record whole sets replay, to keep video encoding cheap.
pub fn small_demo() -> PathBuf {
    use opencv::prelude::*;
    static CLIP: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    CLIP.get_or_init(|| {
        let clip = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("demo-640x360-{}.mp4", std::process::id()));
        let mut source =
            opencv::videoio::VideoCapture::from_file(sample("demo.mp4").to_str().unwrap(), 0)
                .unwrap();
        let fps = source.get(opencv::videoio::CAP_PROP_FPS).unwrap();
        let size = opencv::core::Size::new(640, 360);
        let fourcc = opencv::videoio::VideoWriter::fourcc('m', 'p', '4', 'v').unwrap();
        let mut writer =
            opencv::videoio::VideoWriter::new(clip.to_str().unwrap(), fourcc, fps, size, true)
                .unwrap();
        let (mut frame, mut small) = (opencv::core::Mat::default(), opencv::core::Mat::default());
        while source.read(&mut frame).unwrap() && !frame.empty() {
            opencv::imgproc::resize(
                &frame,
                &mut small,
                size,
                0.0,
                0.0,
                opencv::imgproc::INTER_AREA,
            )
            .unwrap();
            writer.write(&small).unwrap();
        }
        writer.release().unwrap();
        clip
    })
    .clone()
}

/// A tmpfs mounted for the test, unmounted when dropped.
pub struct Tmpfs(PathBuf);

impl Tmpfs {
    /// Mounts a tmpfs of `options` on `dir`; `None` (with the reason) where
    /// this process may not mount.
    pub fn mount(dir: &Path, options: &str) -> Option<Tmpfs> {
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", options, "tmpfs"])
            .arg(dir)
            .output()
            .ok()?;
        if out.status.success() {
            Some(Tmpfs(dir.to_path_buf()))
        } else {
            eprintln!(
                "skipped: cannot mount a tmpfs (needs root and CAP_SYS_ADMIN): {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
            None
        }
    }
}

impl Tmpfs {
    /// Makes the mounted tmpfs read-only.
    pub fn remount_read_only(&self) {
        let done = Command::new("mount")
            .args(["-o", "remount,ro"])
            .arg(&self.0)
            .status()
            .unwrap();
        assert!(
            done.success(),
            "cannot remount {} read-only",
            self.0.display()
        );
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        match Command::new("umount").arg(&self.0).output() {
            Ok(out) if !out.status.success() => eprintln!(
                "cannot unmount {}: {}",
                self.0.display(),
                String::from_utf8_lossy(&out.stderr).trim()
            ),
            _ => {}
        }
    }
}
