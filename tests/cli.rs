//! The `formcheck` binary on real files: outputs and errors.
#![allow(clippy::unwrap_used, clippy::too_many_lines)] // a test fails by panicking; a scenario reads best whole

mod common;

use common::assert_clear_error;

use std::path::Path;
use std::process::{Command, Output};

use formcheck::recording::track::TrackRecord;

fn formcheck(args: &[&str], env: &[(&str, &Path)]) -> Output {
    let mut cmd = Command::new(common::binary());
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("formcheck runs")
}

fn records(stdout: &[u8]) -> Vec<TrackRecord> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("every line is a track record"))
        .collect()
}

#[test]
fn an_image_gives_one_record_with_33_landmarks() {
    let image = common::sample("astronaut.png");
    let out = formcheck(&["pose", image.to_str().unwrap(), "--model", "lite"], &[]);
    common::assert_success(&out);
    let recs = records(&out.stdout);
    assert_eq!(recs.len(), 1);
    let r = &recs[0];
    assert_eq!((r.frame, r.width, r.height), (0, 512, 512));
    let lms = r.landmarks.as_ref().expect("a person");
    assert_eq!(lms.len(), 33);
    assert_eq!(r.world.as_ref().unwrap().len(), 33);
    // The nose is in the upper half, between the shoulders.
    assert!(lms[0].y < 0.5 && lms[0].x > lms[12].x && lms[0].x < lms[11].x);
}

#[test]
fn no_person_is_null_landmarks() {
    let image = common::sample("chelsea.png");
    let out = formcheck(&["pose", image.to_str().unwrap()], &[]);
    assert!(out.status.success());
    let recs = records(&out.stdout);
    assert_eq!(recs.len(), 1);
    assert!(recs[0].landmarks.is_none() && recs[0].world.is_none());
}

#[test]
fn a_video_gives_a_record_and_an_overlay_per_frame() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("cli");
    std::fs::create_dir_all(&dir).unwrap();
    let track = dir.join("track.jsonl");
    let overlay = dir.join("overlay");
    let video = common::sample("demo.mp4");
    let out = formcheck(
        &[
            "pose",
            video.to_str().unwrap(),
            "--model",
            "lite",
            "--out",
            track.to_str().unwrap(),
            "--overlay",
            overlay.to_str().unwrap(),
        ],
        &[],
    );
    common::assert_success(&out);
    let recs = records(&std::fs::read(&track).unwrap());
    assert_eq!(recs.len(), 230);
    for (i, r) in recs.iter().enumerate() {
        assert_eq!(r.frame, i as u64);
        assert!(
            (r.t_ms.ms() - i as f64 * 1000.0 / 30.0).abs() < 1.0,
            "frame {i} at {} ms",
            r.t_ms.ms()
        );
    }
    assert!(recs.iter().filter(|r| r.landmarks.is_some()).count() > 200);
    assert_eq!(std::fs::read_dir(&overlay).unwrap().count(), 230);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn missing_file_is_a_clear_error() {
    let out = formcheck(&["pose", "no-such-video.mp4"], &[]);
    assert_clear_error(&out, "no-such-video.mp4: no such file");
}

#[test]
fn a_file_that_is_not_media_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("bad");
    std::fs::create_dir_all(&dir).unwrap();
    for (name, bytes) in [
        ("text.mp4", &b"not a video"[..]),
        ("empty.mp4", &b""[..]),
        ("text.png", &b"not an image"[..]),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        let out = formcheck(&["pose", path.to_str().unwrap()], &[]);
        // OpenCV refuses some at open; others open (FFmpeg guesses a format
        // from the name) and yield no frame.
        let stderr = String::from_utf8_lossy(&out.stderr);
        let needle = if stderr.contains("no frame could be decoded") {
            "no frame could be decoded"
        } else {
            "not an image or a video"
        };
        assert_clear_error(&out, needle);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_video_without_frames_is_a_clear_error() {
    use opencv::core::Size;
    use opencv::prelude::*;
    use opencv::videoio::VideoWriter;
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("empty.avi");
    let fourcc = VideoWriter::fourcc('M', 'J', 'P', 'G').unwrap();
    let mut writer = VideoWriter::new(
        path.to_str().unwrap(),
        fourcc,
        30.0,
        Size::new(64, 48),
        true,
    )
    .unwrap();
    writer.release().unwrap();
    let out = formcheck(&["pose", path.to_str().unwrap()], &[]);
    std::fs::remove_file(&path).ok();
    // Depending on the container, OpenCV refuses it at open or finds no frame.
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no frame could be decoded") || stderr.contains("not an image or a video"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"));
}

#[test]
fn missing_onnx_runtime_says_how_to_install_it() {
    let image = common::sample("astronaut.png");
    let out = formcheck(
        &["pose", image.to_str().unwrap()],
        &[(
            "ORT_DYLIB_PATH",
            Path::new("/nonexistent/libonnxruntime.so"),
        )],
    );
    assert_clear_error(&out, "run `make setup`");
}

#[test]
fn corrupt_or_missing_models_are_refused_with_the_fix() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("models");
    std::fs::create_dir_all(&dir).unwrap();
    let models = common::root().join("models");
    for name in [
        "manifest.toml",
        "pose_detection.onnx",
        "pose_landmark_lite.onnx",
    ] {
        std::fs::copy(models.join(name), dir.join(name)).unwrap();
    }
    // A truncated full model, and no heavy model at all.
    let full = std::fs::read(models.join("pose_landmark_full.onnx")).unwrap();
    std::fs::write(dir.join("pose_landmark_full.onnx"), &full[..full.len() / 2]).unwrap();
    let image = common::sample("astronaut.png");
    let image = image.to_str().unwrap();
    let env = [("FORMCHECK_MODELS", dir.as_path())];

    assert!(formcheck(&["pose", image, "--model", "lite"], &env)
        .status
        .success());
    let out = formcheck(&["pose", image, "--model", "full"], &env);
    assert_clear_error(&out, "is corrupt or not the expected model");
    assert_clear_error(&out, "make models");
    let out = formcheck(&["pose", image, "--model", "heavy"], &env);
    assert_clear_error(&out, "make models-heavy");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_model_with_the_wrong_inputs_or_outputs_is_refused() {
    // A manifest whose lite landmark model is really the detector, with the
    // detector's checksum: the file verifies, its signature does not.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("signature");
    std::fs::create_dir_all(&dir).unwrap();
    let models = common::root().join("models");
    std::fs::copy(
        models.join("pose_detection.onnx"),
        dir.join("pose_detection.onnx"),
    )
    .unwrap();
    let manifest = std::fs::read_to_string(models.join("manifest.toml")).unwrap();
    let detector_sha = manifest
        .split("[[model]]")
        .find(|m| m.contains("name = \"pose_detection\""))
        .and_then(|m| m.lines().find(|l| l.starts_with("onnx_sha256")))
        .unwrap()
        .to_string();
    let mut fake = String::new();
    for block in manifest.split("[[model]]").skip(1) {
        let mut block = block.to_string();
        if block.contains("name = \"pose_landmark_lite\"") {
            block = block
                .lines()
                .map(|l| match l {
                    l if l.starts_with("file =") => "file = \"pose_detection.onnx\"".to_string(),
                    l if l.starts_with("onnx_sha256") => detector_sha.clone(),
                    l => l.to_string(),
                })
                .collect::<Vec<_>>()
                .join("\n");
        }
        fake.push_str("[[model]]");
        fake.push_str(&block);
        fake.push('\n');
    }
    std::fs::write(dir.join("manifest.toml"), fake).unwrap();
    let image = common::sample("astronaut.png");
    let out = formcheck(
        &["pose", image.to_str().unwrap(), "--model", "lite"],
        &[("FORMCHECK_MODELS", dir.as_path())],
    );
    assert_clear_error(&out, "unexpected signature");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn analyze_reads_a_track_and_reports_a_set_summary() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("analyze");
    std::fs::create_dir_all(&dir).unwrap();
    let track = dir.join("astronaut.jsonl");
    let image = common::sample("astronaut.png");
    let out = formcheck(
        &[
            "pose",
            image.to_str().unwrap(),
            "--out",
            track.to_str().unwrap(),
        ],
        &[],
    );
    assert!(out.status.success());
    let metrics = dir.join("metrics.csv");
    let out = formcheck(
        &[
            "analyze",
            track.to_str().unwrap(),
            "--exercise",
            "squat",
            "--metrics",
            metrics.to_str().unwrap(),
        ],
        &[],
    );
    common::assert_success(&out);
    let events: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let summary = events.last().unwrap();
    assert_eq!(summary["event"], "set_summary");
    assert_eq!(summary["frames"], 1);
    let csv = std::fs::read_to_string(&metrics).unwrap();
    assert_eq!(csv.lines().count(), 2);
    assert!(csv
        .lines()
        .next()
        .unwrap()
        .contains(",knee_angle,knee_angle_visibility,"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn analyze_refuses_unknown_exercises_malformed_tracks_and_wrong_profiles() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("analyze-bad");
    std::fs::create_dir_all(&dir).unwrap();
    let track = dir.join("bad.jsonl");
    std::fs::write(&track, "{\"frame\":0,\"t_ms\":0.0,\"width\":10,\"height\":10,\"landmarks\":null,\"world\":null}\nnot json\n").unwrap();
    let t = track.to_str().unwrap();
    assert_clear_error(
        &formcheck(&["analyze", t, "--exercise", "handstand"], &[]),
        "unknown exercise `handstand`",
    );
    assert_clear_error(
        &formcheck(&["analyze", t, "--exercise", "plank"], &[]),
        "bad.jsonl line 2",
    );
    let profile = dir.join("profile.toml");
    std::fs::write(
        &profile,
        "patient = \"p\"\n[limits.plank]\nhip_sag = \"low\"\n",
    )
    .unwrap();
    let out = formcheck(
        &[
            "analyze",
            t,
            "--exercise",
            "plank",
            "--profile",
            profile.to_str().unwrap(),
        ],
        &[],
    );
    assert_clear_error(&out, "profile.toml line 3");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A landmark track of the man in the sample video standing still for
/// `seconds` at 30 fps: his pose in the first frame where his shoulders and
/// hips and ankles are all clearly visible, repeated.
fn still_track(dir: &Path, seconds: f64) -> std::path::PathBuf {
    let video = common::sample("demo.mp4");
    let out = formcheck(&["pose", video.to_str().unwrap(), "--model", "lite"], &[]);
    assert!(out.status.success());
    let record = records(&out.stdout)
        .into_iter()
        .find(|r| {
            r.landmarks.as_ref().is_some_and(|l| {
                [11, 12, 23, 24, 27, 28]
                    .iter()
                    .all(|&j| l[j].visibility > 0.8)
            })
        })
        .expect("a frame with shoulders, hips and ankles in view");
    let track = dir.join(format!("still-{seconds}.jsonl"));
    let mut text = String::new();
    for i in 0..(seconds * 30.0) as u64 {
        let r = TrackRecord {
            frame: i,
            t_ms: formcheck::time::SourceTime::from_ms(i as f64 * 1000.0 / 30.0),
            ..record.clone()
        };
        text.push_str(&serde_json::to_string(&r).unwrap());
        text.push('\n');
    }
    std::fs::write(&track, text).unwrap();
    track
}

#[test]
fn calibrate_baseline_keeps_the_neutral_in_the_profile() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("baseline");
    std::fs::create_dir_all(&dir).unwrap();
    let profile = dir.join("patient.toml");
    std::fs::write(
        &profile,
        "# prescribed by the therapist\npatient = \"p-7\"\n\n[limits.leg_press]\nknee_depth = 95.0 # in clinic\n",
    )
    .unwrap();
    let track = still_track(&dir, 8.0);
    let out = formcheck(
        &[
            "calibrate",
            "baseline",
            track.to_str().unwrap(),
            "--exercise",
            "squat",
            "--profile",
            profile.to_str().unwrap(),
            "--from-s",
            "1",
        ],
        &[],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let text = std::fs::read_to_string(&profile).unwrap();
    assert!(
        text.starts_with("# prescribed by the therapist\n"),
        "{text}"
    );
    assert!(text.contains("knee_depth = 95.0 # in clinic"), "{text}");
    assert!(text.contains("[baseline.squat]"), "{text}");
    // Health data: the profile rewritten owner-only.
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(&profile).unwrap().permissions(),
    ) & 0o777;
    assert_eq!(mode, 0o600);
    // The profile loads, and the baseline is the still pose's own value.
    let parsed: toml::Table = toml::from_str(&text).unwrap();
    let trunk = parsed["baseline"]["squat"]["trunk_from_vertical"]
        .as_float()
        .unwrap();
    assert!((0.0..30.0).contains(&trunk), "{trunk}");
    let out = formcheck(
        &[
            "analyze",
            track.to_str().unwrap(),
            "--exercise",
            "squat",
            "--profile",
            profile.to_str().unwrap(),
            "--events",
            dir.join("events.jsonl").to_str().unwrap(),
        ],
        &[],
    );
    common::assert_success(&out);

    // Too short a recording: a clear error, the profile untouched.
    let short = still_track(&dir, 3.0);
    let before = std::fs::read_to_string(&profile).unwrap();
    let out = formcheck(
        &[
            "calibrate",
            "baseline",
            short.to_str().unwrap(),
            "--exercise",
            "squat",
            "--profile",
            profile.to_str().unwrap(),
        ],
        &[],
    );
    assert_clear_error(&out, "no baseline captured");
    assert_eq!(std::fs::read_to_string(&profile).unwrap(), before);

    // A profile that cannot be written (not TOML): the values measured are
    // printed, the run fails with one line, the file is untouched.
    let not_toml = dir.join("notes.txt");
    std::fs::write(&not_toml, "a therapist's notes, not a profile\n").unwrap();
    let out = formcheck(
        &[
            "calibrate",
            "baseline",
            track.to_str().unwrap(),
            "--exercise",
            "squat",
            "--profile",
            not_toml.to_str().unwrap(),
            "--from-s",
            "1",
        ],
        &[],
    );
    assert_clear_error(&out, "not saved");
    assert!(String::from_utf8_lossy(&out.stderr).contains("trunk_from_vertical = "));
    assert_eq!(
        std::fs::read_to_string(&not_toml).unwrap(),
        "a therapist's notes, not a profile\n"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// An output that is an input (the same file, a link to it, another
/// spelling of its path) or another output is refused with one clear line
/// before anything is opened: the input keeps every byte, the database
/// stays sound.
#[test]
fn an_output_that_is_an_input_is_refused_and_the_input_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("cli-same");
    std::fs::remove_dir_all(&dir).ok();
    std::fs::create_dir_all(&dir).unwrap();
    let video = dir.join("set.mp4");
    std::fs::copy(common::small_demo(), &video).unwrap();
    let link = dir.join("link.mp4");
    std::os::unix::fs::symlink(&video, &link).unwrap();
    let track = dir.join("set.track.jsonl");
    std::fs::write(&track, "{\"not\": \"analysed\"}\n").unwrap();
    let db = dir.join("formcheck.sqlite");
    drop(formcheck::store::Store::open(&db).unwrap());
    let bytes = |p: &Path| std::fs::read(p).unwrap();
    let (video_before, track_before, db_before) = (bytes(&video), bytes(&track), bytes(&db));
    let v = video.to_str().unwrap();
    let events = dir.join("events.jsonl");
    let e = events.to_str().unwrap();
    let other_spelling = format!(
        "{}/../{}/events.jsonl",
        dir.display(),
        dir.file_name().unwrap().to_str().unwrap()
    );
    for (args, needle) in [
        (
            vec!["analyze", v, "--exercise", "squat", "--overlay-video", v],
            "same file as the input",
        ),
        (
            vec![
                "analyze",
                v,
                "--exercise",
                "squat",
                "--overlay-video",
                link.to_str().unwrap(),
            ],
            "same file as the input",
        ),
        (
            vec![
                "analyze",
                track.to_str().unwrap(),
                "--exercise",
                "squat",
                "--events",
                track.to_str().unwrap(),
            ],
            "same file as the input",
        ),
        (
            vec![
                "analyze",
                v,
                "--exercise",
                "squat",
                "--events",
                e,
                "--metrics",
                &other_spelling,
            ],
            "are the same file",
        ),
        (
            vec!["pose", v, "--out", link.to_str().unwrap()],
            "same file as the input",
        ),
        (
            vec![
                "report",
                "1",
                "--out",
                db.to_str().unwrap(),
                "--db",
                db.to_str().unwrap(),
            ],
            "same file as the input",
        ),
    ] {
        let out = formcheck(&args, &[]);
        assert_clear_error(&out, needle);
    }
    assert!(bytes(&video) == video_before, "the video was changed");
    assert!(bytes(&track) == track_before, "the track was changed");
    assert!(bytes(&db) == db_before, "the database was changed");
    assert!(!events.exists());
    let conn = rusqlite::Connection::open(&db).unwrap();
    let ok: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok");
    std::fs::remove_dir_all(&dir).ok();
}

/// A profile whose numbers the metric cannot take is refused with the
/// file, the line, the field and the unit, before anything is analysed: a
/// limit of 720° would silently turn its rule off.
#[test]
fn a_profile_number_out_of_range_is_refused_with_its_unit() {
    let dir = tempfile::tempdir().unwrap();
    let track = common::rendered::clip("leg_press-side-clean").truth;
    for (text, needle) in [
        (
            "[limits.leg_press]\nknee_depth = 720.0\n",
            "line 4: `limits.leg_press.knee_depth` is 720; it must be between 0 and 180 degrees",
        ),
        (
            "[baseline.bird_dog]\ntrunk_direction = 500.0\n",
            "`baseline.bird_dog.trunk_direction` is 500",
        ),
    ] {
        let profile = dir.path().join("p.toml");
        std::fs::write(&profile, format!("patient = \"p\"\n\n{text}")).unwrap();
        let events = dir.path().join("events.jsonl");
        let out = formcheck(
            &[
                "analyze",
                track.to_str().unwrap(),
                "--exercise",
                "leg_press",
                "--profile",
                profile.to_str().unwrap(),
                "--events",
                events.to_str().unwrap(),
            ],
            &[],
        );
        assert_clear_error(&out, needle);
        assert!(!events.exists());
    }
}

/// Input that cannot be analysed is refused with one clear line: an empty
/// track, a missing one (its cause said once), a track whose time goes back, an overlay video named like a text
/// file (no empty file left behind).
#[test]
fn unanalysable_input_and_a_non_video_output_name_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let truth = common::rendered::clip("squat-side-clean").truth;
    let events = dir.path().join("events.jsonl");
    let analyse = |input: &Path, extra: &[&str]| {
        let mut args = vec![
            "analyze",
            input.to_str().unwrap(),
            "--exercise",
            "squat",
            "--events",
            events.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        formcheck(&args, &[])
    };
    let empty = dir.path().join("empty.jsonl");
    std::fs::write(&empty, "").unwrap();
    assert_clear_error(&analyse(&empty, &[]), "has no frames");

    // A missing file: its cause said once.
    let out = analyse(&dir.path().join("missing.jsonl"), &[]);
    assert_clear_error(&out, "missing.jsonl: No such file or directory");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.matches("os error 2").count(), 1, "{stderr}");

    let lines: Vec<String> = std::fs::read_to_string(&truth)
        .unwrap()
        .lines()
        .take(3)
        .map(String::from)
        .collect();
    let backwards = dir.path().join("backwards.jsonl");
    std::fs::write(
        &backwards,
        [&lines[0], &lines[2], &lines[1]]
            .map(|l| format!("{l}\n"))
            .concat(),
    )
    .unwrap();
    assert_clear_error(
        &analyse(&backwards, &[]),
        "line 3: not a landmark track record (time goes back",
    );

    let text = dir.path().join("overlay.txt");
    assert_clear_error(
        &analyse(&truth, &["--overlay-video", text.to_str().unwrap()]),
        "not a video file name",
    );
    assert!(!text.exists());
}

/// Outputs never replace a database, replace an existing video only when
/// asked, and a run that fails leaves no half-written output behind.
#[test]
fn outputs_never_replace_a_database_nor_a_video_unasked_nor_leave_half_files() {
    let dir = tempfile::tempdir().unwrap();
    let clip = common::rendered::clip("squat-side-clean");
    let truth = clip.truth.to_str().unwrap();
    let db = dir.path().join("sessions.sqlite");
    std::fs::write(&db, b"SQLite format 3\0 the patient's sessions").unwrap();
    let out = formcheck(
        &[
            "analyze",
            truth,
            "--exercise",
            "squat",
            "--events",
            db.to_str().unwrap(),
        ],
        &[],
    );
    assert_clear_error(&out, "is a database");
    assert!(std::fs::read(&db)
        .unwrap()
        .starts_with(b"SQLite format 3\0 the patient"));

    let video = dir.path().join("set.mp4");
    std::fs::write(&video, b"an earlier video").unwrap();
    let events = dir.path().join("events.jsonl");
    let args = |overwrite: bool| {
        let mut a = vec![
            "analyze",
            clip.video.to_str().unwrap(),
            "--exercise",
            "squat",
            "--events",
            events.to_str().unwrap(),
            "--overlay-video",
            video.to_str().unwrap(),
        ];
        if overwrite {
            a.push("--overwrite");
        }
        a
    };
    assert_clear_error(&formcheck(&args(false), &[]), "--overwrite");
    assert_eq!(std::fs::read(&video).unwrap(), b"an earlier video");
    assert!(!events.exists());
    let out = formcheck(&args(true), &[]);
    common::assert_success(&out);
    assert!(std::fs::metadata(&video).unwrap().len() > 1000);

    // A video that cannot be decoded: the run fails, and the events it
    // had started are not left half-written, nor the old ones lost.
    std::fs::write(&events, "the events of an earlier run\n").unwrap();
    let broken = dir.path().join("broken.mp4");
    std::fs::write(&broken, b"not a video").unwrap();
    let out = formcheck(
        &[
            "analyze",
            broken.to_str().unwrap(),
            "--exercise",
            "squat",
            "--events",
            events.to_str().unwrap(),
        ],
        &[],
    );
    assert!(!out.status.success());
    assert_eq!(
        std::fs::read_to_string(&events).unwrap(),
        "the events of an earlier run\n"
    );
    let left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".part"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn the_programme_of_a_profile_is_checked_and_said_in_words() {
    let example = common::root().join("calibration/patients/example.toml");
    let out = formcheck(&["programme", example.to_str().unwrap()], &[]);
    common::assert_success(&out);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("example-01: 3 sessions a week"), "{text}");
    assert!(
        text.contains("3. Plank: 3 sets of a 20 s hold, 45 s rest"),
        "{text}"
    );
    let dir = tempfile::tempdir().unwrap();
    let wrong = dir.path().join("wrong.toml");
    let profile = std::fs::read_to_string(&example).unwrap();
    std::fs::write(&wrong, profile.replacen("sets = 3", "sets = 30", 1)).unwrap();
    let out = formcheck(&["programme", wrong.to_str().unwrap()], &[]);
    assert_clear_error(
        &out,
        "`programme.exercise[1].sets` is 30; it must be 1 to 10",
    );
}
