//! A patient's session through `formcheck live --patient`: the red-flag
//! check, pain before and after, the set recorded in its folder and in a
//! real SQLite file, read back equal to the events; a process killed with
//! SIGKILL mid-set, then the next start: earlier data intact, the cut set
//! recovered and marked incomplete, the database sound.
#![allow(clippy::unwrap_used, clippy::too_many_lines)] // a test fails by panicking; a scenario reads best whole

mod common;

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use formcheck::recording::track::read_track;
use formcheck::store::{SetStatus, Store};
use serde_json::Value;

/// Sessions run one at a time: each is a whole pipeline recording videos.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn scratch(test: &str) -> PathBuf {
    let dir = tempfile::tempdir()
        .unwrap()
        .keep()
        .join(format!("session-{test}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `formcheck live --patient` on the sample video (small), answers on stdin.
fn session(db: &Path, patient: &str, realtime: bool) -> Command {
    let mut cmd = Command::new(common::binary());
    cmd.args(["live", "--source"])
        .arg(common::small_demo())
        .args(["--no-window", "--exercise", "squat", "--model", "lite"])
        .args(["--patient", patient, "--db"])
        .arg(db)
        .arg("--cues-wav")
        .arg(db.with_extension("wav"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if realtime {
        cmd.arg("--realtime");
    }
    cmd
}

fn answer(child: &mut Child, answers: &str) {
    child
        .stdin
        .as_mut()
        .unwrap()
        .write_all(answers.as_bytes())
        .unwrap();
}

fn run(db: &Path, patient: &str, answers: &str) -> Output {
    let mut child = session(db, patient, false).spawn().unwrap();
    answer(&mut child, answers);
    child.wait_with_output().unwrap()
}

fn integrity(db: &Path) -> String {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap()
}

fn events(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn open_video(path: &Path) -> opencv::videoio::VideoCapture {
    opencv::videoio::VideoCapture::from_file(path.to_str().unwrap(), opencv::videoio::CAP_ANY)
        .unwrap()
}

/// How many frames of the video at `path` decode.
fn playable_frames(path: &Path) -> usize {
    use opencv::prelude::VideoCaptureTrait;
    let mut video = open_video(path);
    let mut frame = opencv::core::Mat::default();
    let mut playable = 0;
    while video.read(&mut frame).unwrap_or(false) {
        playable += 1;
    }
    playable
}

/// Frame `n` of the video at `path`.
fn frame_at(path: &Path, n: usize) -> opencv::core::Mat {
    use opencv::prelude::VideoCaptureTrait;
    let mut video = open_video(path);
    let mut frame = opencv::core::Mat::default();
    for _ in 0..=n {
        assert!(
            video.read(&mut frame).unwrap(),
            "{} has no frame {n}",
            path.display()
        );
    }
    frame
}

#[test]
fn a_session_is_recorded_and_reads_back_equal_to_its_events() {
    let _one = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let dir = scratch("full");
    let db = dir.join("formcheck.sqlite");
    // Four red-flag noes, pain 3 before; after: pain 3, no spreading.
    let out = run(&db, "p-1", "n\nn\nn\nn\n3\n3\nn\n");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("session 1"), "{stderr}");

    let store = Store::open(&db).unwrap();
    let sessions = store.sessions(Some("p-1")).unwrap();
    assert_eq!(sessions.len(), 1);
    let detail = store.session(sessions[0].id).unwrap();
    assert_eq!(detail.sets.len(), 1);
    let set = &detail.sets[0];
    assert_eq!(set.status, SetStatus::Complete);
    assert_eq!((set.pain_before, set.pain_after), (Some(3), Some(3)));
    assert_eq!(set.leg_symptoms_spread, Some(false));

    // The set folder: every recording, owner-only.
    let folder = &set.folder;
    for name in [
        "raw.mkv",
        "overlay.mkv",
        "track.jsonl",
        "events.jsonl",
        "metrics.csv",
    ] {
        let path = folder.join(name);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", path.display());
    }
    assert_eq!(set.recordings.len(), 5, "{:?}", set.recordings);
    assert_eq!(read_track(&folder.join("track.jsonl")).unwrap().len(), 230);
    for video in ["raw.mkv", "overlay.mkv"] {
        assert_eq!(playable_frames(&folder.join(video)), 230, "{video}");
    }
    // Without a window the overlay video still has the overlay: it is not
    // a second copy of the raw one.
    let (raw, overlay) = (
        frame_at(&folder.join("raw.mkv"), 100),
        frame_at(&folder.join("overlay.mkv"), 100),
    );
    let mut diff = opencv::core::Mat::default();
    opencv::core::absdiff(&raw, &overlay, &mut diff).unwrap();
    let differs = opencv::core::mean(&diff, &opencv::core::no_array()).unwrap();
    assert!(differs[0] + differs[1] + differs[2] > 3.0, "{differs:?}");

    // Reps and flags in the database are the events of the set.
    let recorded = events(&folder.join("events.jsonl"));
    let reps = recorded.iter().filter(|e| e["event"] == "rep").count();
    assert_eq!(set.reps.len(), reps);
    let flags: Vec<(&str, f64)> = recorded
        .iter()
        .filter(|e| e["event"] == "flag_start")
        .map(|e| (e["rule"].as_str().unwrap(), e["t_ms"].as_f64().unwrap()))
        .collect();
    assert_eq!(set.flags.len(), flags.len());
    for (row, (rule, t_ms)) in set.flags.iter().zip(&flags) {
        assert_eq!(row.rule, *rule);
        assert!((row.start_ms.ms() - t_ms).abs() < 1e-6, "{row:?}");
    }
    assert_eq!(integrity(&db), "ok");

    // The therapist's report of it, and the CSV export.
    let html = dir.join("report.html");
    let out = Command::new(common::binary())
        .args(["report", &sessions[0].id.to_string(), "--db"])
        .arg(&db)
        .arg("--out")
        .arg(&html)
        .arg("--csv")
        .arg(dir.join("csv"))
        .output()
        .unwrap();
    common::assert_success(&out);
    let text = std::fs::read_to_string(&html).unwrap();
    assert!(text.contains("<svg"), "plots in the report");
    assert!(text.contains("p-1"));
    let reps_csv = std::fs::read_to_string(dir.join("csv/reps.csv")).unwrap();
    assert_eq!(reps_csv.lines().count(), 1 + set.reps.len());
    let unknown = Command::new(common::binary())
        .args(["report", "99", "--db"])
        .arg(&db)
        .arg("--out")
        .arg(dir.join("none.html"))
        .output()
        .unwrap();
    common::assert_clear_error(&unknown, "99");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_red_flag_stops_the_session_and_is_recorded() {
    let _one = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let dir = scratch("red-flag");
    let db = dir.join("formcheck.sqlite");
    let out = run(&db, "p-2", "n\nn\ny\nn\n");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("urgent medical help"), "{stderr}");
    assert!(
        !stderr.contains("frames read"),
        "no exercise after a red flag: {stderr}"
    );
    let store = Store::open(&db).unwrap();
    let detail = store
        .session(store.sessions(Some("p-2")).unwrap()[0].id)
        .unwrap();
    assert!(detail.sets.is_empty());
    let check = detail.red_flags.expect("the answers are recorded");
    assert!(check.answers.saddle_numbness && !check.answers.both_legs);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn pain_rising_by_two_ends_the_exercise_with_advice() {
    let _one = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let dir = scratch("pain");
    let db = dir.join("formcheck.sqlite");
    let out = run(&db, "p-3", "n\nn\nn\nn\n2\n5\nn\n");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("went up by 3 points"), "{stderr}");
    let store = Store::open(&db).unwrap();
    let detail = store
        .session(store.sessions(Some("p-3")).unwrap()[0].id)
        .unwrap();
    let set = &detail.sets[0];
    assert!(set
        .stopped_because
        .as_deref()
        .is_some_and(|s| s.contains("3 points")));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_pain_question_left_unanswered_ends_the_exercise_at_once() {
    let _one = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let dir = scratch("unanswered");
    let db = dir.join("formcheck.sqlite");
    let timings = dir.join("timings.json");
    let mut child = session(&db, "p-4", true)
        .arg("--timings-json")
        .arg(&timings)
        .spawn()
        .unwrap();
    // The red-flag check answered, then the input ends before the pain
    // question of set 1.
    answer(&mut child, "n\nn\nn\nn\n");
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("set 1 is not started"), "{stderr}");
    // Replayed in real time, the clip runs for seconds: the run stops at
    // its first frame instead of watching the rest with no set open.
    let summary: Value = serde_json::from_slice(&std::fs::read(&timings).unwrap()).unwrap();
    let read = summary["frames_read"].as_u64().unwrap();
    assert!(read < 100, "{read} frames read after the exercise ended");
    let store = Store::open(&db).unwrap();
    let sessions = store.sessions(Some("p-4")).unwrap();
    assert!(store.session(sessions[0].id).unwrap().sets.is_empty());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_question_holds_a_clip_replayed_in_real_time_so_none_of_it_goes_unseen() {
    let _one = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let dir = scratch("held");
    let db = dir.join("formcheck.sqlite");
    let timings = dir.join("timings.json");
    let mut child = session(&db, "p-held", true)
        .arg("--timings-json")
        .arg(&timings)
        .spawn()
        .unwrap();
    // The red-flag check answered at once; the pain before set 1 three
    // seconds after it is asked, while the clip (30 frames a second) would
    // have run on by 90 frames.
    answer(&mut child, "n\nn\nn\nn\n");
    std::thread::sleep(std::time::Duration::from_secs(3));
    answer(&mut child, "2\n2\nn\n");
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let summary: Value = serde_json::from_slice(&std::fs::read(&timings).unwrap()).unwrap();
    let read = summary["frames_read"].as_u64().unwrap();
    let dropped = summary["frames_dropped"].as_u64().unwrap();
    assert_eq!(read, 230, "the whole clip is read");
    assert!(
        dropped < 23,
        "{dropped} of {read} frames dropped: {summary}"
    );
    assert!(!stderr.contains("Falling behind"), "{stderr}");
    // The frames that waited for the answer are not counted as latency.
    let p95 = summary["latency_ms"]["p95"].as_f64().unwrap();
    assert!(p95 < 1000.0, "latency p95 {p95} ms: {summary}");
    let store = Store::open(&db).unwrap();
    let sessions = store.sessions(Some("p-held")).unwrap();
    let detail = store.session(sessions[0].id).unwrap();
    assert_eq!(detail.sets.len(), 1);
    assert_eq!(detail.sets[0].pain_before, Some(2));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_session_killed_mid_set_is_recovered_on_the_next_start() {
    let _one = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let dir = scratch("kill");
    let db = dir.join("formcheck.sqlite");
    // A first, complete session.
    let out = run(&db, "p-4", "n\nn\nn\nn\n1\n1\nn\n");
    common::assert_success(&out);

    // A second one killed (SIGKILL, no chance to clean up) 4 s into its set.
    let mut child = session(&db, "p-4", true).spawn().unwrap();
    answer(&mut child, "n\nn\nn\nn\n1\n");
    let started = Instant::now();
    let folder = loop {
        let store = Store::open(&db).unwrap();
        let sessions = store.sessions(Some("p-4")).unwrap();
        let newest = store
            .session(sessions.iter().map(|s| s.id).max().unwrap())
            .unwrap();
        if let Some(set) = newest.sets.first().filter(|_| sessions.len() == 2) {
            break set.folder.clone();
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the second set never started"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    std::thread::sleep(Duration::from_secs(4));
    let killed = Command::new("kill")
        .args(["-9", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let _ = child.wait_with_output();
    assert_eq!(integrity(&db), "ok");

    // Listing the sessions reads the database without writing it: the cut
    // set is listed as it was left. The next session recovers it (once):
    // the first session intact, the cut set incomplete and its session
    // ended, its track valid and its videos playable.
    let before = std::fs::read(&db).unwrap();
    let listed = Command::new(common::binary())
        .args(["sessions", "--patient", "p-4", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&listed.stderr);
    assert!(listed.status.success(), "{stderr}");
    assert!(!stderr.contains("cut short"), "{stderr}");
    assert!(
        std::fs::read(&db).unwrap() == before,
        "listing wrote the database"
    );
    let out = run(&db, "p-4", "n\nn\nn\nn\n1\n1\nn\n");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(
        stderr.matches("cut short").count(),
        1,
        "recovered once: {stderr}"
    );
    let again = run(&db, "p-4", "n\nn\nn\nn\n1\n1\nn\n");
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(!stderr.contains("cut short"), "recovered once: {stderr}");
    let store = Store::open(&db).unwrap();
    let mut sessions = store.sessions(Some("p-4")).unwrap();
    sessions.sort_by_key(|s| s.id);
    assert_eq!(sessions.len(), 4);
    let first = store.session(sessions[0].id).unwrap();
    assert_eq!(first.sets[0].status, SetStatus::Complete);
    let cut = store.session(sessions[1].id).unwrap();
    assert_eq!(cut.sets[0].status, SetStatus::Incomplete);
    // Ended when its set was last heard of, not left open for ever.
    assert!(
        cut.ended_at
            .as_deref()
            .is_some_and(|end| end >= cut.started_at.as_str()),
        "{:?}",
        cut.ended_at
    );
    let track = read_track(&folder.join("track.jsonl")).expect("a valid track after recovery");
    assert!(
        (1..230).contains(&track.len()),
        "{} frames recorded before the kill",
        track.len()
    );
    // Killed 4 s in, at most the last second is lost: the track (flushed
    // once a second) holds 3 s or more, and both videos play all but the
    // last second of it.
    assert!(
        track.len() >= 90,
        "{} frames in the track of a set killed 4 s in",
        track.len()
    );
    for video in ["raw.mkv", "overlay.mkv"] {
        let playable = playable_frames(&folder.join(video));
        eprintln!(
            "after the kill: {} track frames, {playable} {video} frames play",
            track.len()
        );
        assert!(
            playable + 30 >= track.len(),
            "{video}: {playable} frames play of the {} recorded",
            track.len()
        );
    }
    assert_eq!(integrity(&db), "ok");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_full_disk_mid_set_names_the_cause_and_keeps_the_earlier_sets() {
    let _one = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let dir = scratch("full-disk");
    let Some(fs) = common::Tmpfs::mount(&dir, "size=32m") else {
        return;
    };
    let db = dir.join("formcheck.sqlite");
    let out = run(&db, "p-5", "n\nn\nn\nn\n1\n1\nn\n");
    common::assert_success(&out);

    // Fill the disk but for 1 MiB: the next set's videos run out of room.
    let free = nix::sys::statvfs::statvfs(&dir).unwrap();
    let room = free.blocks_available() as usize * free.fragment_size() as usize;
    let filler = dir.join("filler");
    std::fs::write(&filler, vec![0u8; room.saturating_sub(1 << 20)]).unwrap();
    let out = run(&db, "p-5", "n\nn\nn\nn\n1\n1\nn\n");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("No space left on device"), "{stderr}");
    assert!(
        stderr.contains("set-01-squat"),
        "names the set folder: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");

    // With room again: the first session whole, the cut set incomplete with
    // the reason (now or at the next start), the database sound.
    std::fs::remove_file(&filler).unwrap();
    assert_eq!(integrity(&db), "ok");
    let mut store = Store::open(&db).unwrap();
    store.recover().unwrap();
    let mut sessions = store.sessions(Some("p-5")).unwrap();
    sessions.sort_by_key(|s| s.id);
    assert_eq!(sessions.len(), 2);
    let first = store.session(sessions[0].id).unwrap();
    assert_eq!(first.sets[0].status, SetStatus::Complete);
    assert_eq!(first.sets[0].recordings.len(), 5);
    for video in ["raw.mkv", "overlay.mkv"] {
        assert_eq!(playable_frames(&first.sets[0].folder.join(video)), 230);
    }
    let cut = store.session(sessions[1].id).unwrap();
    assert_eq!(cut.sets[0].status, SetStatus::Incomplete);
    eprintln!("cut set: {:?}", cut.sets[0].stopped_because);
    drop(store);
    drop(fs);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A pseudonym that is a path (or a terminal escape, or a page of text) is
/// refused with one clear line before any question is asked: nothing is
/// written, inside the data folder or out of it. A good one's session
/// folder is named by the patient's id, not by the text typed.
#[test]
fn a_pseudonym_is_checked_before_anything_is_asked_and_never_becomes_a_path() {
    let _one = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let dir = scratch("pseudonym");
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    let db = data.join("formcheck.sqlite");
    let outside = dir.join("etc");
    let long = "x".repeat(5000);
    for bad in [
        "../etc",
        outside.to_str().unwrap(),
        "p/1",
        "p1\x1b[2J",
        &long,
    ] {
        let out = run(&db, bad, "n\nn\nn\nn\n3\n3\nn\n");
        common::assert_clear_error(&out, "pseudonym");
        // The red-flag questions go to the terminal's standard error.
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("legs"), "a question was asked: {stderr}");
        assert!(!db.exists(), "{bad}: the database was created");
        assert!(!outside.exists(), "{bad}: written outside the data folder");
    }
    assert_eq!(std::fs::read_dir(&data).unwrap().count(), 0);

    let out = run(&db, "p-9", "n\nn\nn\nn\n3\n3\nn\n");
    common::assert_success(&out);
    let store = Store::open(&db).unwrap();
    let session = store
        .session(store.sessions(Some("p-9")).unwrap()[0].id)
        .unwrap();
    let folder = session.sets[0].folder.clone();
    let name = folder
        .parent()
        .and_then(Path::file_name)
        .and_then(|n| n.to_str())
        .unwrap()
        .to_string();
    assert!(name.starts_with("patient-1-"), "{name}");
    assert!(folder.starts_with(data.join("sessions")), "{folder:?}");
    std::fs::remove_dir_all(&dir).ok();
}

/// Health data is owner-only: the report, its CSV exports and their new
/// folder, and a database that an older version left readable by others.
#[test]
fn the_report_its_exports_and_the_database_are_owner_only() {
    let _one = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let dir = scratch("modes");
    let db = dir.join("formcheck.sqlite");
    let out = run(&db, "p-3", "n\nn\nn\nn\n3\n3\nn\n");
    common::assert_success(&out);
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    let report = dir.join("report.html");
    std::fs::write(&report, "an older report").unwrap();
    std::fs::set_permissions(&report, std::fs::Permissions::from_mode(0o644)).unwrap();
    let csv = dir.join("exports/new");
    let out = Command::new(common::binary())
        .args(["report", "1", "--db"])
        .arg(&db)
        .arg("--out")
        .arg(&report)
        .arg("--csv")
        .arg(&csv)
        .output()
        .unwrap();
    common::assert_success(&out);
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&report), 0o600, "report");
    assert_eq!(mode(&csv), 0o700, "export folder");
    assert_eq!(mode(&dir.join("exports")), 0o700, "its new parent");
    for name in ["reps.csv", "flags.csv"] {
        assert_eq!(mode(&csv.join(name)), 0o600, "{name}");
    }
    assert_eq!(mode(&db), 0o600, "database");
    assert_eq!(integrity(&db), "ok");
    std::fs::remove_dir_all(&dir).ok();
}

/// The reading commands never create a database (a mistyped `--db` is an
/// error naming it, not an empty database with "no session 1") and read one
/// they cannot write: a copy on a read-only medium.
#[test]
fn reading_commands_never_create_or_write_the_database() {
    let _one = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let dir = scratch("read-only");
    let typo = dir.join("formcheck.sqlit");
    let commands: [&[&str]; 3] = [
        &["sessions", "1"],
        &["report", "1", "--out"],
        &["review", "1", "--set", "1"],
    ];
    for args in commands {
        let mut cmd = Command::new(common::binary());
        cmd.args(args);
        if args[0] == "report" {
            cmd.arg(dir.join("r.html"));
        }
        let out = cmd.arg("--db").arg(&typo).output().unwrap();
        common::assert_clear_error(&out, "does not exist");
        assert!(!typo.exists(), "{args:?} created {}", typo.display());
    }

    let db = dir.join("formcheck.sqlite");
    let out = run(&db, "p-ro", "n\nn\nn\nn\n1\n1\nn\n");
    common::assert_success(&out);
    // The copy: on a read-only tmpfs where this process may mount one,
    // else a file and folder without write permission.
    let medium = dir.join("medium");
    std::fs::create_dir_all(&medium).unwrap();
    let mounted = common::Tmpfs::mount(&medium, "size=64m");
    let copy = medium.join("formcheck.sqlite");
    std::fs::copy(&db, &copy).unwrap();
    let bytes = std::fs::read(&copy).unwrap();
    match &mounted {
        Some(tmpfs) => tmpfs.remount_read_only(),
        None => {
            std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o400)).unwrap();
            std::fs::set_permissions(&medium, std::fs::Permissions::from_mode(0o500)).unwrap();
        }
    }
    let listed = Command::new(common::binary())
        .args(["sessions", "--db"])
        .arg(&copy)
        .output()
        .unwrap();
    common::assert_success(&listed);
    assert!(String::from_utf8_lossy(&listed.stdout).contains("p-ro"));
    let report = Command::new(common::binary())
        .args(["report", "1", "--db"])
        .arg(&copy)
        .arg("--out")
        .arg(dir.join("report.html"))
        .output()
        .unwrap();
    common::assert_success(&report);
    assert!(std::fs::read(&copy).unwrap() == bytes);
    let beside: Vec<String> = std::fs::read_dir(&medium)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(beside.len(), 1, "files created beside the copy: {beside:?}");
    drop(mounted);
    let _ = std::fs::set_permissions(&medium, std::fs::Permissions::from_mode(0o700));

    // A pseudonym an older version let through, with an escape sequence
    // that clears the screen and a newline that would forge a row: shown
    // escaped, never sent to the terminal.
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute(
            "UPDATE patients SET pseudonym = ?1",
            ["p\u{1b}[2J\n      9  forged"],
        )
        .unwrap();
    let listed = Command::new(common::binary())
        .args(["sessions", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&listed.stdout);
    common::assert_success(&listed);
    assert!(!stdout.contains('\u{1b}'), "{stdout:?}");
    assert_eq!(stdout.lines().count(), 2, "{stdout:?}");
    assert!(stdout.contains("p\\u{1b}[2J\\n"), "{stdout:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}
