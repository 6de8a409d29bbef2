//! Today's session led through the programme in the patient's profile
//! (`formcheck live --patient P --profile F` without `--exercise`), through
//! the real binary with the real pose engine, rendered clips standing in
//! for the camera (`--source-for`): the exercises in order, the set-up
//! check refusing a camera in front for a side-view exercise and passing
//! once the camera is at the side, the sets ended at their reps or their
//! hold, the rests timed, everything stored in a real SQLite file.
#![allow(clippy::unwrap_used, clippy::too_many_lines)] // a test fails by panicking; a scenario reads best whole

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use formcheck::store::{ExerciseOutcome, Store};
use opencv::core::Size;
use opencv::prelude::*;
use opencv::videoio::{VideoCapture, VideoWriter, CAP_ANY};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Sessions run one at a time: each is a whole pipeline recording videos.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn scratch(test: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("guided-{test}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A rendered clip of the repository's samples.
fn rendered(name: &str) -> PathBuf {
    common::root().join("samples").join(format!("{name}.mp4"))
}

/// Writes `parts` one after the other into `out`: each clip's first
/// `seconds` (all of it for `None`), as a camera moved between them would
/// give.
fn concatenate(parts: &[(&Path, Option<f64>)], out: &Path) {
    let mut writer: Option<VideoWriter> = None;
    for (clip, seconds) in parts {
        let mut capture = VideoCapture::from_file(clip, CAP_ANY).unwrap();
        let fps = capture.get(opencv::videoio::CAP_PROP_FPS).unwrap();
        let mut frame = Mat::default();
        let mut n = 0usize;
        while capture.read(&mut frame).unwrap() && !frame.empty() {
            if seconds.is_some_and(|s| n as f64 >= s * fps) {
                break;
            }
            let writer = writer.get_or_insert_with(|| {
                let fourcc = VideoWriter::fourcc('m', 'p', '4', 'v').unwrap();
                let size = Size::new(frame.cols(), frame.rows());
                VideoWriter::new(out, fourcc, fps, size, true).unwrap()
            });
            writer.write(&frame).unwrap();
            n += 1;
        }
    }
    writer.unwrap().release().unwrap();
}

/// The programme of the guided tests' patient.
const PROFILE: &str = r#"patient = "g-1"

[programme]
days_per_week = 3

[[programme.exercise]]
name = "squat"
sets = 2
reps = 1
rest_s = 3
watch = "keep your back straight as you sit back"

[[programme.exercise]]
name = "dead_bug"
sets = 1
reps = 1
rest_s = 30

[[programme.exercise]]
name = "plank"
sets = 1
hold_s = 5
rest_s = 30
"#;

/// The outcome measures of the guided test's patient: a PSFS of two
/// activities and the clinic's ODI (the shipped example's placeholder
/// wording, copied beside the profile).
const OUTCOMES: &str = r#"
[outcomes]
psfs_activities = ["Putting on socks", "Sitting through a film"]
questionnaire = "odi.toml"
"#;

/// Runs the guided session of `patient` with `profile` (written into
/// `dir`, with the database), `stand_ins` for the camera and `answers` on
/// standard input.
fn guided(
    dir: &Path,
    patient: &str,
    profile: &str,
    stand_ins: &[(&str, &Path)],
    answers: &str,
) -> Output {
    let profile_path = dir.join("profile.toml");
    std::fs::write(&profile_path, profile).unwrap();
    let mut cmd = Command::new(common::binary());
    cmd.args(["live", "--no-window", "--patient", patient, "--profile"])
        .arg(&profile_path)
        .arg("--db")
        .arg(dir.join("formcheck.sqlite"))
        .arg("--cues-wav")
        .arg(dir.join("cues.wav"));
    for (name, clip) in stand_ins {
        cmd.arg("--source-for")
            .arg(format!("{name}={}", clip.display()));
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .as_mut()
        .unwrap()
        .write_all(answers.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn seconds_between(from: &str, to: &str) -> f64 {
    let t = |s: &str| OffsetDateTime::parse(s, &Rfc3339).unwrap();
    (t(to) - t(from)).as_seconds_f64()
}

#[test]
fn a_guided_session_follows_the_programme_and_refuses_a_wrong_view() {
    let _one = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let dir = scratch("programme");
    // The squat's camera starts in front of the patient (wrong for an
    // exercise seen from the side) and is then moved to the side.
    let moved = dir.join("squat-front-then-side.mp4");
    concatenate(
        &[
            (&rendered("squat-front-clean"), Some(2.0)),
            (&rendered("squat-side-clean"), None),
        ],
        &moved,
    );
    // The dead bug's stays at the feet.
    let dead_bug_from_the_feet = rendered("dead_bug-front-clean");
    let plank = rendered("plank-side-clean");
    let answers = [
        "n\nn\nn\nn\n",                   // the red-flag check
        "3\n2\n",                         // back and leg pain before
        "4\n7\n",                         // the PSFS's two activities
        "2\n3\n1\n1\n4\n2\n1\n1\n2\n1\n", // the ODI's sections (options 1-6: scores 0-5)
        "2\n",                            // squat: pain before its first set
        "2\nn\n",                         // after set 1 (it stands as the pain before set 2)
        "3\nn\n",                         // after set 2
        // (the dead bug's set-up never passes: nothing asked)
        "3\n",    // plank: pain before
        "3\nn\n", // after
        "2\n1\n", // back and leg pain after the session
    ]
    .concat();
    std::fs::copy(
        common::root().join("calibration/questionnaires/odi-example.toml"),
        dir.join("odi.toml"),
    )
    .unwrap();
    let out = guided(
        &dir,
        "g-1",
        &format!("{PROFILE}{OUTCOMES}"),
        &[
            ("squat", &moved),
            ("dead_bug", &dead_bug_from_the_feet),
            ("plank", &plank),
        ],
        &answers,
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    common::assert_success(&out);

    // The set-up check: the squat's camera in front is refused, then
    // passes once at the side; the dead bug's at the feet is refused to
    // the end.
    let advice = "set-up: Turn the camera so it sees your side";
    let (squat, rest) = stderr.split_once("2 of 3: Dead bug").unwrap();
    let (dead_bug, _) = rest.split_once("3 of 3: Plank").unwrap();
    let refused = squat.find(advice).expect("the squat's front view refused");
    let passed = squat.find("set-up right: Squat").unwrap();
    assert!(refused < passed, "{stderr}");
    assert!(dead_bug.contains(advice), "{stderr}");
    assert!(!dead_bug.contains("set-up right"), "{stderr}");

    let store = Store::open(&dir.join("formcheck.sqlite")).unwrap();
    let session = store.sessions(Some("g-1")).unwrap()[0].id;
    let plan = store.session_exercises(session).unwrap();
    let order: Vec<(&str, Option<ExerciseOutcome>, u32)> = plan
        .iter()
        .map(|e| (e.planned.exercise.as_str(), e.outcome, e.sets_done))
        .collect();
    assert_eq!(
        order,
        [
            ("squat", Some(ExerciseOutcome::Done), 2),
            ("dead_bug", Some(ExerciseOutcome::Skipped), 0),
            ("plank", Some(ExerciseOutcome::Done), 1),
        ],
        "{stderr}"
    );
    let why = plan[1].reason.as_deref().unwrap();
    assert!(
        why.contains("set-up check did not pass") && why.contains("sees your side"),
        "{why}"
    );

    // The sets: one rep each for the squat, the rest between them timed
    // (3 s at least), the pain after set 1 standing as the pain before set
    // 2; the plank's hold reached its 5 s.
    let detail = store.session(session).unwrap();
    let sets: Vec<_> = detail.sets.iter().collect();
    assert_eq!(sets.len(), 3, "{stderr}");
    assert_eq!(
        sets.iter().map(|s| s.exercise.as_str()).collect::<Vec<_>>(),
        ["squat", "squat", "plank"]
    );
    for set in &sets[..2] {
        assert_eq!(set.reps.len(), 1, "{stderr}");
    }
    assert_eq!(
        sets.iter()
            .map(|s| (s.pain_before, s.pain_after))
            .collect::<Vec<_>>(),
        [(Some(2), Some(2)), (Some(2), Some(3)), (Some(3), Some(3))]
    );
    let rest = seconds_between(sets[0].finished_at.as_deref().unwrap(), &sets[1].started_at);
    assert!(rest >= 3.0, "rest {rest} s");
    let held = sets[2]
        .holds
        .iter()
        .map(|h| h.duration_s)
        .fold(0.0, f64::max);
    assert!((5.0..6.0).contains(&held), "held {held} s");

    // Back and leg pain before and after, and the summary.
    let pain: Vec<(String, String, f64)> = store
        .session_outcomes(session)
        .unwrap()
        .into_iter()
        .map(|o| (o.measure, o.moment, o.value))
        .collect();
    let expected = [
        ("back_pain", "session_start", 3.0),
        ("leg_pain", "session_start", 2.0),
        ("back_pain", "session_end", 2.0),
        ("leg_pain", "session_end", 1.0),
    ];
    let pain_only: Vec<_> = pain
        .iter()
        .filter(|(m, _, _)| m.ends_with("_pain"))
        .cloned()
        .collect();
    assert_eq!(
        pain_only,
        expected.map(|(m, t, v)| (m.to_string(), t.to_string(), v))
    );
    // The PSFS: each activity, and their mean; the ODI: each section's
    // score and the total, (1+2+0+0+3+1+0+0+1+0) / 50 = 16%.
    let outcomes = store.session_outcomes(session).unwrap();
    let of = |measure: &str, item: &str| {
        outcomes
            .iter()
            .find(|o| o.measure == measure && o.item.as_deref() == Some(item))
            .map(|o| o.value)
    };
    assert_eq!(of("psfs", "Putting on socks"), Some(4.0));
    assert_eq!(of("psfs", "Sitting through a film"), Some(7.0));
    assert_eq!(of("psfs", "score"), Some(5.5));
    assert_eq!(of("odi", "2"), Some(2.0));
    assert_eq!(of("odi", "score"), Some(16.0));
    assert_eq!(outcomes.iter().filter(|o| o.measure == "odi").count(), 11);
    assert!(
        stderr.contains("1. Squat / sit-to-stand: 2 of 2 sets, 2 reps"),
        "{stderr}"
    );
    assert!(stderr.contains("Back pain: 3 before, 2 after"), "{stderr}");
    assert!(
        stderr.contains("Squat / sit-to-stand: keep your back straight as you sit back"),
        "{stderr}"
    );
}

#[test]
fn a_guided_session_needs_a_programme_and_a_video_for_every_exercise() {
    let dir = scratch("errors");
    let out = guided(&dir, "g-1", "patient = \"g-1\"\n", &[], "");
    common::assert_clear_error(&out, "no [programme]");
    let plank = rendered("plank-side-clean");
    let out = guided(&dir, "g-1", PROFILE, &[("plank", &plank)], "");
    common::assert_clear_error(&out, "no video for squat");
    let out = guided(&dir, "g-1", PROFILE, &[("bridge", &plank)], "");
    common::assert_clear_error(&out, "the programme has no exercise bridge");
}

/// What the window shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Screen {
    /// A yes/no question or a choice (grey buttons).
    Question,
    /// The pain scale (green to red buttons).
    Pain,
    /// A page between sets: a demonstration, a rest, the summary.
    Page,
    /// The camera's picture with the display drawn on it.
    Picture,
}

/// What `shot` shows.
fn screen_of(shot: &Mat) -> Screen {
    use common::x11::is_colour;
    use formcheck::ui::palette::{FINE_COLOUR, FLAG_COLOUR, PAGE_BACKGROUND};
    const QUESTION_BACKGROUND: [u8; 3] = [32, 26, 24];
    let (mut question, mut page, mut green, mut red, mut all) = (0, 0, 0, 0, 0);
    for y in 0..shot.rows() {
        for p in shot.at_row::<opencv::core::Vec3b>(y).unwrap() {
            all += 1;
            question += usize::from(p.0 == QUESTION_BACKGROUND);
            page += usize::from(is_colour(*p, PAGE_BACKGROUND));
            green += usize::from(is_colour(*p, FINE_COLOUR));
            red += usize::from(is_colour(*p, FLAG_COLOUR));
        }
    }
    if question > all / 2 {
        if green > 2000 && red > 2000 {
            Screen::Pain
        } else {
            Screen::Question
        }
    } else if page > all / 3 {
        Screen::Page
    } else {
        Screen::Picture
    }
}

/// Waits (up to `within`) for the window to show `wanted`; the screenshot.
fn wait_for(x: &common::x11::XClient, wanted: Screen, within: std::time::Duration) -> Mat {
    let started = std::time::Instant::now();
    loop {
        let shot = x.screenshot();
        if screen_of(&shot) == wanted {
            return shot;
        }
        assert!(
            started.elapsed() < within,
            "no {wanted:?} on the screen within {within:?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// Presses `keys` in the window, each once.
fn press(x: &common::x11::XClient, keys: &[u32]) {
    let window = x.only_window();
    for &key in keys {
        x.tap(window, key);
    }
    std::thread::sleep(std::time::Duration::from_millis(400));
}

/// Keeps a screenshot for the documentation: in the tests' scratch folder,
/// and in `$FORMCHECK_GUIDED_SCREENSHOTS` (a folder) when it is set.
fn keep(shot: &Mat, name: &str) {
    common::x11::scratch_image(shot, &format!("guided-screens/{name}"));
    if let Ok(dir) = std::env::var("FORMCHECK_GUIDED_SCREENSHOTS") {
        let smallest =
            opencv::core::Vector::from_slice(&[opencv::imgcodecs::IMWRITE_PNG_COMPRESSION, 9]);
        let path = Path::new(&dir).join(name);
        opencv::imgcodecs::imwrite(&path, shot, &smallest).unwrap();
    }
}

#[test]
fn a_guided_session_is_led_in_the_window_with_the_keyboard_only() {
    use common::x11::{XClient, Xvfb};
    use std::time::Duration;
    use x11_dl::keysym::{XK_Return, XK_n, XK_s, XK_1, XK_2, XK_3};

    let _one = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let Some(xvfb) = Xvfb::start(1280, 720) else {
        eprintln!("skipped: Xvfb is not installed (run `make setup`)");
        return;
    };
    std::fs::create_dir_all(PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("guided-screens"))
        .unwrap();
    let dir = scratch("window");
    let moved = dir.join("squat-front-then-side.mp4");
    concatenate(
        &[
            (&rendered("squat-front-clean"), Some(3.0)),
            (&rendered("squat-side-clean"), None),
        ],
        &moved,
    );
    let profile = dir.join("profile.toml");
    std::fs::write(
        &profile,
        PROFILE.replace("rest_s = 3\n", "rest_s = 4\n").replace(
            "[[programme.exercise]]\nname = \"dead_bug\"\nsets = 1\nreps = 1\nrest_s = 30\n\n",
            "",
        ),
    )
    .unwrap();
    let db = dir.join("formcheck.sqlite");
    // Nothing on standard input: every answer comes from the keyboard.
    let child = Command::new(common::binary())
        .env("DISPLAY", &xvfb.display)
        .args(["live", "--realtime", "--patient", "g-1", "--profile"])
        .arg(&profile)
        .arg("--db")
        .arg(&db)
        .arg("--cues-wav")
        .arg(dir.join("cues.wav"))
        .arg("--source-for")
        .arg(format!("squat={}", moved.display()))
        .arg("--source-for")
        .arg(format!("plank={}", rendered("plank-side-clean").display()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let x = XClient::open(&xvfb.display);
    let a_while = Duration::from_secs(30);

    for _ in 0..4 {
        wait_for(&x, Screen::Question, a_while);
        press(&x, &[XK_n, XK_Return]);
    }
    for pain in [XK_3, XK_2] {
        wait_for(&x, Screen::Pain, a_while);
        press(&x, &[pain, XK_Return]);
    }
    // The squat's demonstration, until Enter.
    let shot = wait_for(&x, Screen::Page, a_while);
    std::thread::sleep(Duration::from_millis(1500));
    keep(&x.screenshot(), "guided-demonstration.png");
    assert_eq!(screen_of(&shot), Screen::Page);
    press(&x, &[XK_Return]);
    // The set-up check on the camera in front of the patient, then at
    // the side; the pain before the first set once it is right.
    wait_for(&x, Screen::Picture, a_while);
    std::thread::sleep(Duration::from_millis(1000));
    keep(&x.screenshot(), "guided-setup.png");
    wait_for(&x, Screen::Pain, a_while);
    press(&x, &[XK_2, XK_Return]);
    // Set 1 runs to its rep; pain after and the leg.
    wait_for(&x, Screen::Pain, Duration::from_secs(60));
    press(&x, &[XK_2, XK_Return]);
    wait_for(&x, Screen::Question, a_while);
    press(&x, &[XK_n, XK_Return]);
    // The rest, counted down; set 2 follows by itself.
    let rest = wait_for(&x, Screen::Page, a_while);
    keep(&rest, "guided-rest.png");
    wait_for(&x, Screen::Pain, Duration::from_secs(60));
    press(&x, &[XK_3, XK_Return]);
    wait_for(&x, Screen::Question, a_while);
    press(&x, &[XK_n, XK_Return]);
    // The plank's demonstration; its set-up; S skips it, asking why.
    wait_for(&x, Screen::Page, a_while);
    press(&x, &[XK_Return]);
    wait_for(&x, Screen::Picture, a_while);
    press(&x, &[XK_s]);
    let why = wait_for(&x, Screen::Question, a_while);
    keep(&why, "guided-skip.png");
    press(&x, &[XK_2, XK_Return]);
    // Back and leg pain after; the summary until Enter.
    for pain in [XK_2, XK_1] {
        wait_for(&x, Screen::Pain, a_while);
        press(&x, &[pain, XK_Return]);
    }
    let summary = wait_for(&x, Screen::Page, a_while);
    keep(&summary, "guided-summary.png");
    press(&x, &[XK_Return]);

    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let store = Store::open(&db).unwrap();
    let session = store.sessions(Some("g-1")).unwrap()[0].id;
    let plan = store.session_exercises(session).unwrap();
    let got: Vec<(&str, Option<ExerciseOutcome>, u32, Option<&str>)> = plan
        .iter()
        .map(|e| {
            (
                e.planned.exercise.as_str(),
                e.outcome,
                e.sets_done,
                e.reason.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("squat", Some(ExerciseOutcome::Done), 2, None),
            ("plank", Some(ExerciseOutcome::Skipped), 0, Some("Too hard")),
        ],
        "{stderr}"
    );
    let sets = store.session(session).unwrap().sets;
    assert_eq!(
        sets.iter()
            .map(|s| (s.pain_before, s.pain_after))
            .collect::<Vec<_>>(),
        [(Some(2), Some(2)), (Some(2), Some(3))]
    );
    assert!(
        stderr.contains("set-up: Turn the camera so it sees your side"),
        "{stderr}"
    );
}

/// Moves session `id` of the database at `db` (its start and end, its
/// sets, checks and outcome measures) `days` days back, as if it had been
/// recorded then.
fn move_back(db: &Path, id: i64, days: u32) {
    let conn = rusqlite::Connection::open(db).unwrap();
    let shift = format!("'-{days} days'");
    let moved =
        |column: &str| format!("{column} = strftime('%Y-%m-%dT%H:%M:%fZ', {column}, {shift})");
    let statements = [
        format!(
            "UPDATE sessions SET {}, {} WHERE id = ?1",
            moved("started_at"),
            moved("ended_at")
        ),
        format!(
            "UPDATE sets SET {}, {} WHERE session_id = ?1",
            moved("started_at"),
            moved("finished_at")
        ),
        format!(
            "UPDATE red_flag_checks SET {} WHERE session_id = ?1",
            moved("answered_at")
        ),
        format!(
            "UPDATE outcomes SET {} WHERE session_id = ?1",
            moved("taken_at")
        ),
    ];
    for sql in statements {
        conn.execute(&sql, [id]).unwrap();
    }
}

/// A short programme for the weeks of sessions: `bridge_reps` glute bridge
/// reps, then a 5 s plank; the bridge may be progressed; a PSFS weekly.
fn weekly_profile(bridge_reps: u32) -> String {
    format!(
        r#"patient = "w-1"
progression = ["glute_bridge"]

[programme]
days_per_week = 3

[[programme.exercise]]
name = "glute_bridge"
sets = 1
reps = {bridge_reps}
rest_s = 0

[[programme.exercise]]
name = "plank"
sets = 1
hold_s = 5
rest_s = 0

[outcomes]
psfs_activities = ["Putting on socks"]
psfs_every_days = 7
"#
    )
}

#[test]
fn a_report_over_weeks_shows_adherence_trends_and_progressions_and_a_valid_fhir_bundle() {
    let _one = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let dir = scratch("weeks");
    let db = dir.join("formcheck.sqlite");
    let bridge = rendered("glute_bridge-side-clean");
    let plank = rendered("plank-side-clean");
    let plank_from_the_front = rendered("squat-front-clean");
    let no_flags = "n\nn\nn\nn\n";
    let run = |profile: &str, plank: &Path, answers: &[&str]| {
        let stand_ins = [("glute_bridge", bridge.as_path()), ("plank", plank)];
        common::assert_success(&guided(&dir, "w-1", profile, &stand_ins, &answers.concat()));
        let store = Store::open(&db).unwrap();
        let sessions = store.sessions(Some("w-1")).unwrap();
        sessions.iter().map(|s| s.id).max().unwrap()
    };
    // Three weeks ago: pain-free bridge (the program suggests progressing).
    let first = run(
        &weekly_profile(1),
        &plank,
        &[
            no_flags, "6\n5\n", "3\n", "0\n", "0\nn\n", "2\n", "2\nn\n", "5\n4\n",
        ],
    );
    move_back(&db, first, 21);
    // Two weeks ago: the plank's camera in front, so it is skipped.
    let second = run(
        &weekly_profile(1),
        &plank_from_the_front,
        &[no_flags, "5\n4\n", "4\n", "1\n", "1\nn\n", "4\n4\n"],
    );
    move_back(&db, second, 14);
    // Nothing last week. This week: the therapist progressed the bridge.
    let last = run(
        &weekly_profile(2),
        &plank,
        &[
            no_flags, "3\n2\n", "7\n", "0\n", "0\nn\n", "1\n", "1\nn\n", "2\n1\n",
        ],
    );

    let html = dir.join("report.html");
    let exports = dir.join("exports");
    let bundle = dir.join("session.fhir.json");
    let out = Command::new(common::binary())
        .arg("report")
        .arg(last.to_string())
        .arg("--db")
        .arg(&db)
        .arg("--out")
        .arg(&html)
        .arg("--csv")
        .arg(&exports)
        .arg("--fhir")
        .arg(&bundle)
        .output()
        .unwrap();
    common::assert_success(&out);

    let progress: serde_json::Value =
        serde_json::from_slice(&std::fs::read(exports.join("progress.json")).unwrap()).unwrap();
    let weeks = progress["weeks"].as_array().unwrap();
    let sessions: Vec<u64> = weeks
        .iter()
        .map(|w| w["sessions"].as_u64().unwrap())
        .collect();
    assert_eq!(sessions, [1, 1, 0, 1], "{progress:#}");
    assert!(weeks.iter().all(|w| w["prescribed"] == 3));
    assert_eq!(progress["adherence_percent"], 25.0);
    let skipped: u64 = weeks.iter().map(|w| w["skipped"].as_u64().unwrap()).sum();
    assert_eq!(skipped, 1);
    assert!(
        weeks[1]["reasons"][0]
            .as_str()
            .unwrap()
            .starts_with("Plank: the set-up check did not pass"),
        "{progress:#}"
    );
    let trend = |measure: &str| {
        progress["trends"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["measure"] == measure)
            .unwrap()
            .clone()
    };
    let values = |t: &serde_json::Value| -> Vec<f64> {
        t["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v[1].as_f64().unwrap())
            .collect()
    };
    let back = trend("back_pain");
    assert_eq!(values(&back), [6.0, 5.0, 3.0]);
    assert_eq!(back["change"]["points"], -3.0);
    assert_eq!(back["change"]["important"], true);
    assert_eq!(back["change"]["improved"], true);
    assert!(back["mcid"]["source"].as_str().unwrap().contains("Ostelo"));
    let psfs = trend("psfs");
    assert_eq!(values(&psfs), [3.0, 4.0, 7.0]);
    assert_eq!(psfs["change"]["improved"], true);
    let progressions: Vec<String> = progress["progressions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            format!(
                "{}: {}",
                p["exercise"].as_str().unwrap(),
                p["what"].as_str().unwrap()
            )
        })
        .collect();
    assert!(
        progressions.contains(&"Glute bridge: suggested: sets pain-free and without flags".into()),
        "{progressions:?}"
    );
    assert!(
        progressions.contains(&"Glute bridge: 1 set of 1 rep → 1 set of 2 reps".into()),
        "{progressions:?}"
    );

    // The bridge's range and flags session by session, for a dashboard.
    let bridge_series = progress["exercises"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["exercise"] == "glute_bridge")
        .unwrap()["sessions"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(bridge_series.len(), 3, "{progress:#}");
    assert!(bridge_series
        .iter()
        .all(|s| s["range"].as_f64().unwrap() > 150.0));
    assert!(bridge_series.iter().all(|s| s["flags_per_set"] == 0.0));

    let page = std::fs::read_to_string(&html).unwrap();
    for text in [
        "Progress over weeks",
        "Adherence: <b>25%</b>",
        "clinically important improvement",
        "1 set of 1 rep → 1 set of 2 reps",
        "Ostelo",
    ] {
        assert!(page.contains(text), "{text} not in the report");
    }

    // The FHIR bundle, against the official FHIR R4 JSON schema; and a
    // broken copy, which the schema refuses.
    let validator = common::root().join("tools/validate_fhir.mjs");
    let validate = |file: &Path| {
        Command::new("node")
            .arg(&validator)
            .arg(file)
            .output()
            .expect("node runs (make setup installs it)")
    };
    let checked = validate(&bundle);
    assert!(
        checked.status.success(),
        "{}{}",
        String::from_utf8_lossy(&checked.stdout),
        String::from_utf8_lossy(&checked.stderr)
    );
    let mut fhir: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&bundle).unwrap()).unwrap();
    let kinds: Vec<&str> = fhir["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["resource"]["resourceType"].as_str().unwrap())
        .collect();
    assert_eq!(kinds[..2], ["Patient", "Encounter"]);
    assert_eq!(
        kinds
            .iter()
            .filter(|k| **k == "QuestionnaireResponse")
            .count(),
        1
    );
    // Back and leg pain before and after, the PSFS's score, the bridge's
    // range and the plank's hold.
    assert_eq!(kinds.iter().filter(|k| **k == "Observation").count(), 7);
    assert_eq!(
        fhir["entry"][0]["resource"]["identifier"][0]["value"],
        "w-1"
    );
    fhir["entry"][1]["resource"]["status"] = "over".into();
    let broken = dir.join("broken.fhir.json");
    std::fs::write(&broken, fhir.to_string()).unwrap();
    assert!(!validate(&broken).status.success());
}
