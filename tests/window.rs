//! The live window on a real X server: a virtual one (Xvfb) started by the
//! test. The display is drawn on a real frame with the real pose engine's
//! landmarks, shown in the window, and read back from the X server's
//! screen; keys and the close button are sent as X events. Without Xvfb the
//! test says so and skips. Without any display, opening the window is a
//! typed error.
//!
//! `FORMCHECK_SCREENSHOT=docs/window.png` also writes the screenshot there.
#![allow(clippy::unwrap_used, clippy::too_many_lines)] // a test fails by panicking; a scenario reads best whole

mod common;

use std::path::PathBuf;
use std::process::{Command as Process, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use formcheck::analysis::config::{Direction, Exercise, Fault};
use formcheck::analysis::measure::Metric;
use formcheck::analysis::status::{FormState, Gauge, Status, Tempo};
use formcheck::body::ImageSize;
use formcheck::live::keys::{self, Command};
use formcheck::pose::{PoseEngine, PoseOptions, RunningMode};
use formcheck::source::FrameSource;
use formcheck::ui::hud::{BannerEdge, Hud, HudExtras};
use formcheck::ui::palette::{CANNOT_SEE_COLOUR, CAUTION_COLOUR, FINE_COLOUR, FLAG_COLOUR};
use formcheck::ui::window::{Window, WindowError};
use opencv::core::{Mat, Size, Vec3b, Vector};
use opencv::imgproc;
use opencv::prelude::*;

use common::x11::{free_display, is_colour, save_screenshot, XClient, Xvfb};

/// Tests here change `DISPLAY`: one at a time.
static DISPLAY_ENV: Mutex<()> = Mutex::new(());

const WIDTH: i32 = 1280;
const HEIGHT: i32 = 720;
/// Frame of the demo video shown: the man standing on the box, side on.
const DEMO_FRAME: u64 = 48;

/// Frame `DEMO_FRAME` of the demo video at `WIDTH`×`HEIGHT`, with the
/// display drawn for a raised flag on the real pose.
fn flagged_frame(hud: &mut Hud) -> Mat {
    // Video mode from the start, as live: the track holds the person.
    let mut source = FrameSource::open(&common::sample("demo.mp4")).unwrap();
    let mut engine = PoseEngine::new(PoseOptions {
        mode: RunningMode::Video,
        ..PoseOptions::default()
    })
    .unwrap();
    let mut frame = Mat::default();
    let pose = loop {
        let info = source
            .read(&mut frame)
            .unwrap()
            .expect("frame in the video");
        let t_us = info.t_ms.micros();
        let pose = engine.process(&frame, t_us).unwrap().cloned();
        if info.index == DEMO_FRAME {
            break pose.expect("a person");
        }
    };
    let mut shown = Mat::default();
    imgproc::resize(
        &frame,
        &mut shown,
        Size::new(WIDTH, HEIGHT),
        0.0,
        0.0,
        imgproc::INTER_AREA,
    )
    .unwrap();
    let exercise = Exercise::named("squat").unwrap();
    let rule = &exercise.rules[0];
    assert_eq!(rule.fault, Fault::LumbarFlexion);
    let status = Status {
        state: FormState::Flag,
        fault: Some(rule.fault),
        message: rule.message.clone(),
        gauges: vec![
            Gauge {
                rule: rule.id.clone(),
                metric: rule.metric,
                value: Some(52.0),
                limit: *rule.limit.get_ref(),
                fires: rule.fires,
                state: FormState::Flag,
            },
            Gauge {
                rule: exercise.rules[1].id.clone(),
                metric: Metric::LateralShift,
                value: Some(0.04),
                limit: 0.1,
                fires: Direction::Beyond,
                state: FormState::Fine,
            },
        ],
        reps: 6,
        last_rep: Some(Tempo {
            eccentric_s: 2.1,
            concentric_s: 0.8,
            eccentric_min_s: Some(2.0),
            concentric_min_s: Some(1.0),
        }),
        hold: None,
    };
    let extras = HudExtras {
        recording: true,
        set: 2,
        ..HudExtras::default()
    };
    hud.draw(&mut shown, Some(&pose), &status, &exercise, &extras)
        .unwrap();
    shown
}

fn is_flag_red(p: Vec3b) -> bool {
    is_colour(p, FLAG_COLOUR)
}

#[test]
fn without_a_display_opening_the_window_is_a_typed_error() {
    let _env = DISPLAY_ENV
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let size = ImageSize {
        width: 320,
        height: 240,
    };
    std::env::remove_var("DISPLAY");
    match Window::open("formcheck test", size) {
        Err(WindowError::NoDisplay { reason }) => assert!(reason.contains("DISPLAY"), "{reason}"),
        Err(e) => panic!("wrong error: {e}"),
        Ok(_) => panic!("a window without a display"),
    }
    let unused = format!(":{}", free_display());
    std::env::set_var("DISPLAY", &unused);
    match Window::open("formcheck test", size) {
        Err(e @ WindowError::NoDisplay { .. }) => {
            assert!(e.to_string().contains(&unused), "{e}");
            assert!(e.to_string().contains("running without it"), "{e}");
        }
        Err(e) => panic!("wrong error: {e}"),
        Ok(_) => panic!("a window on {unused}, where no X server runs"),
    }
}

#[test]
fn the_window_shows_the_display_and_answers_keys_on_a_virtual_screen() {
    let _env = DISPLAY_ENV
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let Some(xvfb) = Xvfb::start(WIDTH, HEIGHT) else {
        eprintln!("skipped: Xvfb is not installed (run `make setup`)");
        return;
    };
    std::env::set_var("DISPLAY", &xvfb.display);
    let mut hud = Hud::new();
    let frame = flagged_frame(&mut hud);
    let size = ImageSize::of(&frame).unwrap();
    let mut window = Window::open("formcheck test", size).unwrap();
    assert!(window.is_open());
    assert_eq!(window.size(), size);
    let x = XClient::open(&xvfb.display);

    // Shown until the screen has it (the first update maps the window).
    let started = Instant::now();
    let (shot, mean) = loop {
        window.show(&frame).unwrap();
        std::thread::sleep(Duration::from_millis(40));
        let shot = x.screenshot();
        let mut diff = Mat::default();
        opencv::core::absdiff(&shot, &frame, &mut diff).unwrap();
        let mean = opencv::core::mean(&diff, &opencv::core::no_array()).unwrap();
        if (0..3).all(|c| mean[c] < 1.0) || started.elapsed() > Duration::from_secs(10) {
            break (shot, mean);
        }
    };
    save_screenshot(&shot, "window.png");

    // The screen shows the frame as drawn, pixel for pixel.
    assert!(
        (0..3).all(|c| mean[c] < 1.0),
        "screen differs from the frame: {mean:?}"
    );

    // The banner: full-width red rows at the edge the display chose.
    let edge = hud.banner_edge().expect("a banner for the flag");
    let rows: Vec<i32> = match edge {
        BannerEdge::Top => (2..40).collect(),
        BannerEdge::Bottom => (HEIGHT - 40..HEIGHT - 2).collect(),
    };
    for y in rows {
        let row = shot.at_row::<Vec3b>(y).unwrap();
        let red = row.iter().filter(|p| is_flag_red(**p)).count();
        assert!(red > row.len() / 2, "row {y}: {red} red pixels");
    }
    // The skeleton: red bones on the body, away from the banner.
    let body = match edge {
        BannerEdge::Top => HEIGHT / 2..HEIGHT - 60,
        BannerEdge::Bottom => 60..HEIGHT / 2,
    };
    let skeleton: usize = body
        .map(|y| {
            let row = shot.at_row::<Vec3b>(y).unwrap();
            row[400..900].iter().filter(|p| is_flag_red(**p)).count()
        })
        .sum();
    assert!(skeleton > 500, "{skeleton} red skeleton pixels");

    // Keys become commands: taps shorter than a frame, in order.
    let live = x.only_window();
    for keysym in [
        x11_dl::keysym::XK_space,
        x11_dl::keysym::XK_m,
        x11_dl::keysym::XK_d,
        x11_dl::keysym::XK_x,
        x11_dl::keysym::XK_q,
    ] {
        x.tap(live, keysym);
    }
    let mut got = Vec::new();
    let started = Instant::now();
    while got.len() < 4 && started.elapsed() < Duration::from_secs(5) {
        window.refresh().unwrap();
        got.extend(keys::commands(&mut window));
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(
        got,
        [
            Command::Pause,
            Command::Mute,
            Command::Timings,
            Command::Quit
        ]
    );

    // Closing the window is quitting, said once.
    x.close(live);
    let started = Instant::now();
    while window.is_open() && started.elapsed() < Duration::from_secs(5) {
        window.refresh().unwrap();
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!window.is_open());
    assert_eq!(
        keys::commands(&mut window).collect::<Vec<_>>(),
        [Command::Quit]
    );
    assert_eq!(keys::commands(&mut window).next(), None);
}

/// A rendered squat filmed from the front at the virtual screen's size,
/// written once per test run.
fn screen_sized_clip() -> PathBuf {
    let clip = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("squat-front-screen-sized.mp4");
    let mut source = FrameSource::open(&common::rendered::clip("squat-front-clean").video).unwrap();
    let fourcc = opencv::videoio::VideoWriter::fourcc('m', 'p', '4', 'v').unwrap();
    let mut writer = opencv::videoio::VideoWriter::new(
        clip.to_str().unwrap(),
        fourcc,
        source.fps(),
        Size::new(WIDTH, HEIGHT),
        true,
    )
    .unwrap();
    let (mut frame, mut small) = (Mat::default(), Mat::default());
    while source.read(&mut frame).unwrap().is_some() {
        imgproc::resize(
            &frame,
            &mut small,
            Size::new(WIDTH, HEIGHT),
            0.0,
            0.0,
            imgproc::INTER_AREA,
        )
        .unwrap();
        opencv::videoio::VideoWriterTrait::write(&mut writer, &small).unwrap();
    }
    opencv::videoio::VideoWriterTrait::release(&mut writer).unwrap();
    clip
}

/// Tests for the colours of the states the banner and skeleton take.
const STATE_COLOURS: [fn(Vec3b) -> bool; 3] = [
    |p| is_colour(p, FLAG_COLOUR),
    |p| is_colour(p, CAUTION_COLOUR),
    |p| is_colour(p, CANNOT_SEE_COLOUR),
];

/// Rows of `shot` that are mostly `colour`: a banner.
fn banner_rows(shot: &Mat, colour: fn(Vec3b) -> bool) -> usize {
    (0..HEIGHT)
        .filter(|&y| {
            let row = shot.at_row::<Vec3b>(y).unwrap();
            row.iter().filter(|p| colour(**p)).count() > row.len() / 2
        })
        .count()
}

/// Pixels in `colour` on rows that are not a banner: the skeleton.
fn skeleton_pixels(shot: &Mat, colour: fn(Vec3b) -> bool) -> usize {
    (0..HEIGHT)
        .map(|y| {
            shot.at_row::<Vec3b>(y)
                .unwrap()
                .iter()
                .filter(|p| colour(**p))
                .count()
        })
        .filter(|&n| n < WIDTH as usize / 2)
        .sum()
}

#[test]
fn formcheck_live_shows_its_window_and_quits_on_q() {
    let _env = DISPLAY_ENV
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let Some(xvfb) = Xvfb::start(WIDTH, HEIGHT) else {
        eprintln!("skipped: Xvfb is not installed (run `make setup`)");
        return;
    };
    let clip = screen_sized_clip();
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("live-window");
    std::fs::create_dir_all(&dir).unwrap();
    let events = dir.join("events.jsonl");
    let child = Process::new(common::binary())
        .env("DISPLAY", &xvfb.display)
        .args(["live", "--source"])
        .arg(&clip)
        .args(["--realtime", "--exercise", "squat", "--model", "lite"])
        .arg("--events")
        .arg(&events)
        .arg("--cues-wav")
        .arg(dir.join("cues.wav"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("formcheck starts");
    let x = XClient::open(&xvfb.display);

    // Watch the screen while the set plays: the video (not a blank
    // screen), the skeleton and the message banner, both in the colour of
    // the state (the clip is a squat filmed from the front: the banner
    // asks for the camera at the side, in the cannot-see grey).
    // The shot kept is the one with the most skeleton: the first frames
    // can show the banner before the person is found.
    let (mut shown, mut shots) = (None::<(Mat, usize)>, 0);
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(250));
        let shot = x.screenshot();
        let (mut mean, mut spread) = (Vector::<f64>::new(), Vector::<f64>::new());
        opencv::core::mean_std_dev(&shot, &mut mean, &mut spread, &opencv::core::no_array())
            .unwrap();
        if spread.get(0).unwrap() < 20.0 {
            continue; // the window is not up yet
        }
        shots += 1;
        let Some(colour) = STATE_COLOURS.iter().find(|c| banner_rows(&shot, **c) > 40) else {
            continue;
        };
        let skeleton = skeleton_pixels(&shot, *colour);
        if shown.as_ref().is_none_or(|(_, best)| skeleton > *best) {
            shown = Some((shot, skeleton));
        }
    }
    assert!(
        shots > 5,
        "the window showed the video in {shots} screenshots"
    );
    let (shot, skeleton) = shown.expect("a message banner while the squat set played");
    eprintln!("{skeleton} skeleton pixels");
    save_screenshot(&shot, "live-window/live-window.png");
    // The skeleton is drawn in the state's colour outside the banner.
    assert!(
        skeleton > 300,
        "{skeleton} skeleton pixels in the state's colour"
    );

    // q ends the set cleanly, with its summary.
    x.tap(x.only_window(), x11_dl::keysym::XK_q);
    let out = child.wait_with_output().expect("formcheck ends");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("frames read"), "{stderr}");
    let text = std::fs::read_to_string(&events).unwrap();
    assert!(
        text.lines().last().unwrap().contains("set_summary"),
        "{text}"
    );
}

#[test]
fn formcheck_live_without_a_display_goes_on_headless() {
    let _env = DISPLAY_ENV
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("live-headless");
    std::fs::create_dir_all(&dir).unwrap();
    let out = Process::new(common::binary())
        .env_remove("DISPLAY")
        .args(["live", "--source"])
        .arg(common::sample("demo.mp4"))
        .args(["--exercise", "squat", "--model", "lite", "--cues-wav"])
        .arg(dir.join("cues.wav"))
        .output()
        .expect("formcheck runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("continuing without a window"), "{stderr}");
    assert!(stderr.contains("230 frames read"), "{stderr}");
}

/// The background of a question in the window (BGR).
const QUESTION_BACKGROUND: [u8; 3] = [32, 26, 24];

/// Which question the screen shows, if any: `Some(true)` for the pain scale
/// (green and red buttons), `Some(false)` for yes/no.
fn question_on(shot: &Mat) -> Option<bool> {
    let (mut background, mut green, mut red) = (0usize, 0usize, 0usize);
    for y in 0..HEIGHT {
        for p in shot.at_row::<Vec3b>(y).unwrap() {
            background += usize::from(p.0 == QUESTION_BACKGROUND);
            green += usize::from(is_colour(*p, FINE_COLOUR));
            red += usize::from(is_colour(*p, FLAG_COLOUR));
        }
    }
    (background > (WIDTH * HEIGHT / 2) as usize).then_some(green > 2000 && red > 2000)
}

/// Waits (up to `within`) for the screen to show a question of the kind
/// given; the screenshot.
fn wait_for_question(x: &XClient, pain: bool, within: Duration) -> Mat {
    let started = Instant::now();
    loop {
        let shot = x.screenshot();
        if question_on(&shot) == Some(pain) {
            return shot;
        }
        assert!(
            started.elapsed() < within,
            "no {} question on the screen",
            if pain { "pain" } else { "yes/no" }
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Answers the question on the screen with `keys`, then Enter, and waits
/// for it to go.
fn answer(x: &XClient, keys: &[u32]) {
    let window = x.only_window();
    for &key in keys {
        x.tap(window, key);
    }
    x.tap(window, x11_dl::keysym::XK_Return);
    std::thread::sleep(Duration::from_millis(400));
}

/// `formcheck live --patient PATIENT` on the small demo in the window of
/// `xvfb`, its database in a fresh `dir`, nothing on standard input (every
/// answer must come from the window).
fn session_in_window(xvfb: &Xvfb, dir: &str, patient: &str) -> (std::process::Child, PathBuf) {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(dir);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("formcheck.sqlite");
    let child = Process::new(common::binary())
        .env("DISPLAY", &xvfb.display)
        .args(["live", "--source"])
        .arg(common::small_demo())
        .args([
            "--exercise",
            "squat",
            "--model",
            "lite",
            "--patient",
            patient,
        ])
        .arg("--db")
        .arg(&db)
        .arg("--cues-wav")
        .arg(dir.join("cues.wav"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("formcheck starts");
    (child, db)
}

#[test]
fn a_session_asks_its_questions_in_the_window() {
    use formcheck::store::Store;
    use x11_dl::keysym::{XK_n, XK_0, XK_1, XK_3};

    let _env = DISPLAY_ENV
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let Some(xvfb) = Xvfb::start(WIDTH, HEIGHT) else {
        eprintln!("skipped: Xvfb is not installed (run `make setup`)");
        return;
    };
    let (child, db) = session_in_window(&xvfb, "session-window", "w-1");
    let x = XClient::open(&xvfb.display);

    // The red-flag check: four yes/no questions, each answered no.
    for _ in 0..4 {
        wait_for_question(&x, false, Duration::from_secs(20));
        answer(&x, &[XK_n]);
    }
    // Pain before the set: 1 then 0 is ten, then 3 replaces it.
    let shot = wait_for_question(&x, true, Duration::from_secs(10));
    save_screenshot(&shot, "session-window/pain-question.png");
    answer(&x, &[XK_1, XK_0, XK_3]);
    // The set plays to the end of the clip; then pain after, and whether
    // symptoms spread.
    wait_for_question(&x, true, Duration::from_secs(60));
    answer(&x, &[XK_3]);
    wait_for_question(&x, false, Duration::from_secs(10));
    answer(&x, &[XK_n]);

    let out = child.wait_with_output().expect("formcheck ends");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let store = Store::open(&db).unwrap();
    let detail = store
        .session(store.sessions(Some("w-1")).unwrap()[0].id)
        .unwrap();
    let check = detail.red_flags.expect("the red-flag answers are recorded");
    assert!(!check.answers.any(), "{:?}", check.answers);
    let set = &detail.sets[0];
    assert_eq!((set.pain_before, set.pain_after), (Some(3), Some(3)));
    assert_eq!(set.leg_symptoms_spread, Some(false));
}

#[test]
fn escape_at_the_red_flag_check_starts_no_session() {
    use formcheck::store::Store;

    let _env = DISPLAY_ENV
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let Some(xvfb) = Xvfb::start(WIDTH, HEIGHT) else {
        eprintln!("skipped: Xvfb is not installed (run `make setup`)");
        return;
    };
    let (child, db) = session_in_window(&xvfb, "session-window-escape", "w-2");
    let x = XClient::open(&xvfb.display);
    wait_for_question(&x, false, Duration::from_secs(20));
    answer(&x, &[x11_dl::keysym::XK_n]);
    wait_for_question(&x, false, Duration::from_secs(10));
    x.tap(x.only_window(), x11_dl::keysym::XK_Escape);
    let out = child.wait_with_output().expect("formcheck ends");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("no session started"), "{stderr}");
    assert!(stderr.contains("Escape was pressed"), "{stderr}");
    let store = Store::open(&db).unwrap();
    assert!(store.sessions(Some("w-2")).unwrap().is_empty());
}
