//! Review mode on a real X server: a virtual one (Xvfb) started by the
//! test. A set is recorded with the binary (`formcheck analyze` of a
//! rendered squat that leans too far forward in its last two reps: events,
//! metrics and the overlay video), reviewed through the
//! library on this thread, and driven from another thread as a user would:
//! keys sent as X events, the screen read back. Without Xvfb the test says
//! so and skips. Without any display, review is a typed error.
//!
//! `FORMCHECK_SCREENSHOT=docs/review.png` also writes the screenshot (the
//! window at the trunk flexion flag) there.
#![allow(clippy::unwrap_used, clippy::too_many_lines)] // a test fails by panicking; a scenario reads best whole

mod common;

use std::path::{Path, PathBuf};
use std::process::Command as Process;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use formcheck::body::ImageSize;
use formcheck::review::layout::{Layout, TimeAxis};
use formcheck::review::set::SetEvents;
use formcheck::review::timeline::{flag_stops, rule_rows, PLAYHEAD_COLOUR};
use formcheck::review::{run, ReviewError, ReviewInput};
use formcheck::source::FrameSource;
use formcheck::ui::palette::{CANNOT_SEE_COLOUR, FLAG_COLOUR};
use formcheck::ui::window::scale_for_display;
use opencv::core::{Mat, Rect, Vec3b};
use opencv::prelude::*;
use x11_dl::keysym;

use common::x11::{free_display, is_colour, save_screenshot, scratch_image, XClient, Xvfb};

/// Tests here change `DISPLAY`: one at a time.
static DISPLAY_ENV: Mutex<()> = Mutex::new(());

/// The virtual screen, larger than the review window.
const SCREEN_WIDTH: i32 = 1600;
const SCREEN_HEIGHT: i32 = 900;
/// How long to wait for the window to show what a key asked for.
const PATIENCE: Duration = Duration::from_secs(20);

/// A set recorded with the binary from a rendered squat (again when the
/// binary is newer than the recording).
fn recorded_set() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("review-set");
    let modified = |path: &Path| std::fs::metadata(path).and_then(|m| m.modified()).ok();
    let binary = modified(common::binary());
    let recorded = modified(&dir.join("overlay.mp4"));
    if recorded.is_some() && recorded > binary {
        return dir;
    }
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let out = Process::new(common::binary())
        .arg("analyze")
        .arg(common::rendered::clip("squat-side-forward_lean").video)
        .args(["--exercise", "squat", "--events"])
        .arg(dir.join("events.jsonl"))
        .arg("--metrics")
        .arg(dir.join("metrics.csv"))
        .arg("--overlay-video")
        .arg(dir.join("overlay.mp4"))
        .output()
        .expect("formcheck runs");
    common::assert_success(&out);
    dir
}

/// Every frame of `video`, scaled to `size` as review scales it.
fn frames_scaled(video: &Path, size: opencv::core::Size) -> Vec<Mat> {
    let mut source = FrameSource::open(video).unwrap();
    let (mut frame, mut frames) = (Mat::default(), Vec::new());
    while source.read(&mut frame).unwrap().is_some() {
        let mut scaled = Mat::default();
        scale_for_display(&frame, &mut scaled, size).unwrap();
        frames.push(scaled);
    }
    frames
}

/// The frame of `frames` that `shown` is, and how far it is from it (mean
/// absolute difference, levels).
fn closest_frame(shown: &Mat, frames: &[Mat]) -> (usize, f64) {
    frames
        .iter()
        .map(|frame| {
            let mut diff = Mat::default();
            opencv::core::absdiff(shown, frame, &mut diff).unwrap();
            let mean = opencv::core::mean(&diff, &opencv::core::no_array()).unwrap();
            (mean[0] + mean[1] + mean[2]) / 3.0
        })
        .enumerate()
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .unwrap()
}

/// Pixels of `shot` in `rect` that pass `test`.
fn count(shot: &Mat, rect: Rect, test: impl Fn(&Vec3b) -> bool) -> usize {
    (rect.y..rect.y + rect.height)
        .map(|y| {
            let row = shot.at_row::<Vec3b>(y).unwrap();
            row[rect.x as usize..(rect.x + rect.width) as usize]
                .iter()
                .filter(|p| test(p))
                .count()
        })
        .sum()
}

/// Whether the playhead stands at `frame` in `shot`: its colour down the
/// whole track at that frame's x.
fn playhead_at(shot: &Mat, layout: &Layout, axis: &TimeAxis, frame: u64) -> bool {
    let track = layout.track;
    let column = Rect::new(axis.centre_of(frame), track.y, 1, track.height);
    count(shot, column, |p| is_colour(*p, PLAYHEAD_COLOUR)) == track.height as usize
}

/// What the user does, from another thread: waits for the window, pauses,
/// goes back to the start (Home) and to the first flag (`n`), one frame on
/// (Right), three back (Left held), to the trunk flexion flag (more `n`),
/// then quits (`q`). Returns the screenshots at the first flag, one frame
/// on, three back and at the trunk flexion flag; always ends with `q` (or
/// the close button), so that review returns.
fn drive(
    display: &str,
    layout: Layout,
    axis: TimeAxis,
    stops: &[u64],
    trunk_stop: usize,
) -> Result<Vec<Mat>, String> {
    let x = XClient::open(display);
    let started = Instant::now();
    let window = loop {
        if let [window] = x.top_windows()[..] {
            break window;
        }
        if started.elapsed() > PATIENCE {
            return Err("no review window".into());
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    // The window, cut out of the screen.
    let (left, top) = x.origin(window);
    let (width, height) = (layout.canvas.width as i32, layout.canvas.height as i32);
    let canvas = Rect::new(left, top, width, height);
    let screenshot = || {
        Mat::roi(&x.screenshot(), canvas)
            .unwrap()
            .try_clone()
            .unwrap()
    };
    let wait_for = |frame: u64| -> Result<Mat, String> {
        let started = Instant::now();
        loop {
            let shot = screenshot();
            if playhead_at(&shot, &layout, &axis, frame) {
                // One more redraw's time, so the whole window is of it.
                std::thread::sleep(Duration::from_millis(100));
                return Ok(screenshot());
            }
            if started.elapsed() > PATIENCE {
                let path = scratch_image(&shot, "review-failed.png");
                return Err(format!(
                    "the playhead never reached frame {frame}: see {}",
                    path.display()
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    let steps = || -> Result<Vec<Mat>, String> {
        let mut shots = Vec::new();
        // Pause, back to the start (it has been playing), next flag.
        x.tap(window, keysym::XK_space);
        x.tap(window, keysym::XK_Home);
        x.tap(window, keysym::XK_n);
        shots.push(wait_for(stops[0])?);
        x.tap(window, keysym::XK_Right);
        shots.push(wait_for(stops[0] + 1)?);
        // Left held for three presses: three frames back.
        x.hold(window, keysym::XK_Left, 3);
        shots.push(wait_for(stops[0] - 2)?);
        for _ in 0..=trunk_stop {
            x.tap(window, keysym::XK_n);
        }
        shots.push(wait_for(stops[trunk_stop])?);
        Ok(shots)
    };
    let shots = steps();
    x.tap(window, keysym::XK_q);
    let started = Instant::now();
    while x.top_windows().contains(&window) {
        if started.elapsed() > PATIENCE {
            x.close(window);
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    shots
}

#[test]
fn review_shows_the_flags_on_a_timeline_and_jumps_to_them() {
    let _env = DISPLAY_ENV
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let Some(xvfb) = Xvfb::start(SCREEN_WIDTH, SCREEN_HEIGHT) else {
        eprintln!("skipped: Xvfb is not installed (run `make setup`)");
        return;
    };
    let folder = recorded_set();
    let input = ReviewInput::from_set_folder(&folder, "Demo patient - squat, set 1", "squat")
        .expect("a recorded set");
    assert_eq!(input.video, folder.join("overlay.mp4"));

    // Where things should be, from the set's own files.
    let events = SetEvents::load(&input.events).unwrap();
    let exercise = formcheck::analysis::config::Exercise::named("squat").unwrap();
    let rows = rule_rows(&exercise, &events.flags);
    let mut source = FrameSource::open(&input.video).unwrap();
    let frames = source.frame_count().unwrap();
    let mut first = Mat::default();
    source.read(&mut first).unwrap();
    let layout = Layout::new(ImageSize::of(&first).unwrap(), rows.len());
    let axis = layout.time_axis(frames);
    let stops = flag_stops(&events.flags);
    let trunk_flag = events
        .flags
        .iter()
        .find(|f| f.rule == "trunk_flexion")
        .expect("a trunk flexion flag in the squat set");
    let trunk_stop = stops.iter().position(|&s| s == trunk_flag.start).unwrap();

    std::env::set_var("DISPLAY", &xvfb.display);
    let driver = {
        let (display, stops) = (xvfb.display.clone(), stops.clone());
        std::thread::Builder::new()
            .name("review-driver".into())
            .spawn(move || drive(&display, layout, axis, &stops, trunk_stop))
            .unwrap()
    };
    let reviewed = run(&input);
    let shots = driver.join().expect("the driver thread");
    reviewed.expect("review ran and closed on q");
    let shots = shots.expect("review answered the keys");

    let [at_flag, stepped, stepped_back, at_trunk] = &shots[..] else {
        panic!("{} screenshots", shots.len());
    };
    save_screenshot(at_trunk, "review.png");

    // Every flag is a red span in its rule's row, across its frames.
    for flag in &events.flags {
        let row = layout.row(rows.iter().position(|r| *r == flag.rule).unwrap());
        let (x, width) = axis.span(flag.start, flag.end);
        let span = Rect::new(x, row.y + 2, width, row.height - 4);
        // (The playhead crosses the first.)
        let red = count(at_flag, span, |p| {
            is_colour(*p, FLAG_COLOUR) || is_colour(*p, PLAYHEAD_COLOUR)
        });
        assert!(
            red * 10 >= span.area() as usize * 9,
            "flag {} {}..{}: {red} of {} pixels red",
            flag.rule,
            flag.start,
            flag.end,
            span.area()
        );
    }
    // And nothing else on the track is red: the flags' frames are few.
    let track_red = count(at_flag, layout.track, |p| is_colour(*p, FLAG_COLOUR));
    let flag_area: i32 = events
        .flags
        .iter()
        .map(|f| axis.span(f.start, f.end).1 * (layout.row(0).height))
        .sum();
    assert!(
        track_red <= flag_area as usize,
        "{track_red} red pixels on the track, flags cover {flag_area}"
    );
    // Where a rule could not be judged is grey: lateral shift is a front
    // rule and the squat is filmed from the side.
    let shift_row = layout.row(rows.iter().position(|r| r == "lateral_shift").unwrap());
    let grey = count(at_flag, shift_row, |p| is_colour(*p, CANNOT_SEE_COLOUR));
    assert!(grey > shift_row.width as usize, "{grey} grey pixels");

    // `n` went to the first flag, paused: the playhead at its first frame,
    // and the picture that frame of the recording; Right, one frame on;
    // Left held, three frames back.
    let recording = frames_scaled(&input.video, layout.video.size());
    let first_flag = &events.flags[0];
    let steps = [
        (at_flag, stops[0]),
        (stepped, stops[0] + 1),
        (stepped_back, stops[0] - 2),
    ];
    for (shot, frame) in steps {
        assert!(playhead_at(shot, &layout, &axis, frame), "frame {frame}");
        let shown = Mat::roi(shot, layout.video).unwrap().try_clone().unwrap();
        let (closest, difference) = closest_frame(&shown, &recording);
        assert_eq!(closest as u64, frame, "differs by {difference:.2}");
        assert!(difference < 2.0, "frame {frame} differs by {difference:.2}");
    }
    assert!(first_flag.covers(stops[0]));
    // The panel tells of the flag: its red box.
    let panel_red = count(at_flag, layout.panel, |p| is_colour(*p, FLAG_COLOUR));
    assert!(panel_red > 5000, "{panel_red} red pixels in the panel");

    // More `n`: the trunk flexion flag, the frame it was raised on.
    assert!(playhead_at(at_trunk, &layout, &axis, trunk_flag.start));
    let shown = Mat::roi(at_trunk, layout.video)
        .unwrap()
        .try_clone()
        .unwrap();
    let (closest, difference) = closest_frame(&shown, &recording);
    assert_eq!(
        closest as u64, trunk_flag.start,
        "differs by {difference:.2}"
    );
    let panel_red = count(at_trunk, layout.panel, |p| is_colour(*p, FLAG_COLOUR));
    assert!(panel_red > 5000, "{panel_red} red pixels in the panel");
}

#[test]
fn without_a_display_review_says_it_needs_one() {
    let _env = DISPLAY_ENV
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("review-headless");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("events.jsonl"), "").unwrap();
    std::fs::write(dir.join("metrics.csv"), "frame,t_ms\n").unwrap();
    let input = ReviewInput {
        title: "no display".into(),
        video: common::sample("demo.mp4"),
        events: dir.join("events.jsonl"),
        metrics: dir.join("metrics.csv"),
        exercise: "squat".into(),
    };
    std::env::remove_var("DISPLAY");
    match run(&input) {
        Err(e @ ReviewError::NoDisplay { .. }) => {
            assert!(e.to_string().contains("needs a display"), "{e}");
            assert!(e.to_string().contains("DISPLAY"), "{e}");
        }
        other => panic!("not a missing display: {other:?}"),
    }
    let unused = format!(":{}", free_display());
    std::env::set_var("DISPLAY", &unused);
    match run(&input) {
        Err(e @ ReviewError::NoDisplay { .. }) => assert!(e.to_string().contains(&unused), "{e}"),
        other => panic!("not a missing display: {other:?}"),
    }
}

#[test]
fn a_missing_file_or_exercise_is_a_clear_error() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("review-missing");
    std::fs::create_dir_all(&dir).unwrap();
    let input = ReviewInput {
        title: "missing".into(),
        video: dir.join("overlay.mkv"),
        events: dir.join("events.jsonl"),
        metrics: dir.join("metrics.csv"),
        exercise: "squat".into(),
    };
    let err = run(&input).unwrap_err();
    assert!(
        matches!(
            err,
            ReviewError::MissingFile {
                what: "recording",
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("overlay.mkv"), "{err}");
    std::fs::write(dir.join("events.jsonl"), "").unwrap();
    std::fs::write(dir.join("metrics.csv"), "frame,t_ms\n").unwrap();
    let input = ReviewInput {
        video: common::sample("demo.mp4"),
        exercise: "squash".into(),
        ..input
    };
    let err = run(&input).unwrap_err();
    assert!(matches!(err, ReviewError::Exercise(_)), "{err}");
    assert!(err.to_string().contains("squash"), "{err}");
}
