//! `formcheck live` on the sample video replayed in real time, against
//! `formcheck analyze` on the same file; and its faults: a source that ends
//! early, a camera or stream that does not exist, Ctrl-C.
#![allow(clippy::unwrap_used, clippy::too_many_lines)] // a test fails by panicking; a scenario reads best whole

mod common;

use common::assert_clear_error;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use serde_json::Value;

/// The real-time tests run one at a time: they measure keeping up.
static REAL_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn scratch(test: &str) -> PathBuf {
    let dir = tempfile::tempdir()
        .unwrap()
        .keep()
        .join(format!("live-{test}"));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn formcheck(args: &[&str]) -> Output {
    Command::new(common::binary())
        .args(args)
        .output()
        .expect("formcheck runs")
}

fn events(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("every line is an event"))
        .collect()
}

/// `(read, assessed, dropped)` from the summary `live` prints at exit.
fn frame_counts(stderr: &str) -> (u64, u64, u64) {
    let line = stderr
        .lines()
        .find(|l| l.contains("frames read"))
        .unwrap_or_else(|| panic!("no summary in {stderr}"));
    let n: Vec<u64> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter(|t| !t.is_empty())
        .take(3)
        .map(|t| t.parse().unwrap())
        .collect();
    (n[0], n[1], n[2])
}

/// `(rule, t_ms)` of every flag raised.
fn flags(events: &[Value]) -> Vec<(String, f64)> {
    events
        .iter()
        .filter(|e| e["event"] == "flag_start")
        .map(|e| {
            (
                e["rule"].as_str().unwrap().to_string(),
                e["t_ms"].as_f64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn live_keeps_up_in_real_time_and_flags_what_analyze_flags() {
    let _one_at_a_time = REAL_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let dir = scratch("keeps-up");
    // A rendered plank whose hips sag, then pike: flags to compare.
    let clip = common::rendered::clip("plank-side-sag_pike");
    let video = clip.video.to_str().unwrap();
    let (live_events, analyze_events) = (dir.join("live.jsonl"), dir.join("analyze.jsonl"));
    let live = formcheck(&[
        "live",
        "--source",
        video,
        "--realtime",
        "--no-window",
        "--exercise",
        "plank",
        "--model",
        "lite",
        "--events",
        live_events.to_str().unwrap(),
        "--cues-wav",
        dir.join("cues.wav").to_str().unwrap(),
    ]);
    let live_err = String::from_utf8_lossy(&live.stderr);
    assert!(live.status.success(), "{live_err}");
    assert!(live_err.contains("latency p50"), "{live_err}");
    let analyze = formcheck(&[
        "analyze",
        video,
        "--exercise",
        "plank",
        "--model",
        "lite",
        "--events",
        analyze_events.to_str().unwrap(),
    ]);
    common::assert_success(&analyze);

    // analyze processes every frame.
    let analyzed = events(&analyze_events);
    let summary = analyzed.last().unwrap();
    assert_eq!(summary["event"], "set_summary");
    let total = summary["frames"].as_u64().unwrap();
    assert_eq!(total, clip.entry["frames"].as_u64().unwrap());

    // live reads every frame at the video's pace; what it drops it counts.
    let (read, assessed, dropped) = frame_counts(&live_err);
    eprintln!("live: {read} read, {assessed} assessed, {dropped} dropped");
    assert_eq!(read, total);
    assert_eq!(assessed + dropped, read);
    // Keeping up: on a quiet 2-core machine nothing or almost nothing is
    // dropped (BENCHMARKS.md); the bound leaves room for a busy one.
    assert!(
        dropped * 4 <= read,
        "live dropped {dropped} of {read} frames"
    );
    let lived = events(&live_events);
    assert_eq!(lived.last().unwrap()["frames"].as_u64(), Some(assessed));

    let (lf, af) = (flags(&lived), flags(&analyzed));
    assert!(!af.is_empty(), "the clip raises flags");
    if dropped == 0 {
        // Every frame seen by both: the same flags at the same times.
        assert_eq!(lf, af);
    } else {
        // A dropped frame changes what the tracker and the rep counter saw
        // from there on: the rules live flagged are ones analyze flagged.
        let rules = |f: &[(String, f64)]| f.iter().map(|(r, _)| r.clone()).collect::<Vec<_>>();
        let analyzed_rules = rules(&af);
        assert!(
            rules(&lf).iter().all(|r| analyzed_rules.contains(r)),
            "live {lf:?}\nanalyze {af:?}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_source_that_ends_early_finishes_the_set_cleanly() {
    let _one_at_a_time = REAL_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let dir = scratch("truncated");
    let video = std::fs::read(common::sample("demo.mp4")).unwrap();
    let truncated = dir.join("truncated.mp4");
    std::fs::write(&truncated, &video[..video.len() / 2]).unwrap();
    let events_path = dir.join("events.jsonl");
    let out = formcheck(&[
        "live",
        "--source",
        truncated.to_str().unwrap(),
        "--realtime",
        "--no-window",
        "--exercise",
        "squat",
        "--model",
        "lite",
        "--events",
        events_path.to_str().unwrap(),
        "--cues-wav",
        dir.join("cues.wav").to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let (read, _, _) = frame_counts(&stderr);
    assert!(read > 0 && read < 230, "{read} frames");
    // Said, in formcheck's words (FFmpeg's own lines kept out).
    assert!(
        stderr.contains(&format!("ended after {read} of the 230 frames")),
        "{stderr}"
    );
    assert!(!stderr.contains("partial file"), "{stderr}");
    let last = events(&events_path).pop().unwrap();
    assert_eq!(last["event"], "set_summary");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Muted cues never open the sound device: a machine without one prints
/// nothing about it.
#[test]
fn a_muted_run_does_not_open_the_sound_device() {
    let clip = common::rendered::clip("glute_bridge-side-clean").video;
    let out = formcheck(&[
        "live",
        "--source",
        clip.to_str().unwrap(),
        "--no-window",
        "--exercise",
        "glute_bridge",
        "--model",
        "lite",
        "--mute",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    for noise in ["ALSA", "sound device", "audio"] {
        assert!(!stderr.contains(noise), "{stderr}");
    }
}

#[test]
fn a_camera_or_stream_that_is_not_there_is_a_clear_error() {
    let common = ["--no-window", "--exercise", "squat", "--model", "lite"];
    let camera = formcheck(&[&["live", "--camera", "77"][..], &common].concat());
    assert_clear_error(&camera, "camera 77 cannot be opened");
    let stream = formcheck(
        &[
            &["live", "--source", "rtsp://127.0.0.1:9/none"][..],
            &common,
        ]
        .concat(),
    );
    assert_clear_error(&stream, "the stream cannot be opened");
    let file = formcheck(&[&["live", "--source", "no-such-video.mp4"][..], &common].concat());
    assert_clear_error(&file, "no such file");
}

/// Ctrl-C, a system shutdown (SIGTERM) and a closed terminal (SIGHUP) end
/// the set the same way: its summary written, the process ending cleanly.
#[test]
fn ctrl_c_shutdown_or_a_closed_terminal_end_the_set_with_its_summary() {
    let _one_at_a_time = REAL_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    for signal in ["INT", "TERM", "HUP"] {
        let dir = scratch(&format!("sig{signal}"));
        let events_path = dir.join("events.jsonl");
        let overlay = dir.join("overlay.mp4");
        let video = common::sample("demo.mp4");
        let child = Command::new(common::binary())
            .args(["live", "--source"])
            .arg(&video)
            .args([
                "--realtime",
                "--no-window",
                "--exercise",
                "squat",
                "--model",
                "lite",
            ])
            .arg("--events")
            .arg(&events_path)
            .arg("--overlay-video")
            .arg(&overlay)
            .arg("--cues-wav")
            .arg(dir.join("cues.wav"))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("formcheck starts");
        // Real time: the 7.7 s video is still playing after 3 s.
        std::thread::sleep(Duration::from_secs(3));
        let killed = Command::new("kill")
            .args([format!("-{signal}"), child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(killed.success());
        let out = child.wait_with_output().expect("formcheck ends");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "SIG{signal}: {stderr}");
        assert!(stderr.contains("interrupted"), "SIG{signal}: {stderr}");
        let (read, _, _) = frame_counts(&stderr);
        assert!(read > 0 && read < 230, "SIG{signal}: {read} frames read");
        let events = events(&events_path);
        assert_eq!(
            events.last().unwrap()["event"],
            "set_summary",
            "SIG{signal}"
        );
        // The video with the display drawn in is finished, so it plays.
        let mut cap = opencv::videoio::VideoCapture::from_file(
            overlay.to_str().unwrap(),
            opencv::videoio::CAP_ANY,
        )
        .unwrap();
        let mut frame = opencv::core::Mat::default();
        let mut played = 0;
        while opencv::prelude::VideoCaptureTrait::read(&mut cap, &mut frame).unwrap_or(false) {
            played += 1;
        }
        assert!(played > 0, "SIG{signal}: the overlay video does not play");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

/// `analyze` stopped by Ctrl-C finishes its set cleanly (the summary
/// written) but fails with one line: its results cover part of the input.
#[test]
fn an_interrupted_analysis_says_its_results_are_partial() {
    let _one_at_a_time = REAL_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let dir = scratch("analyze-int");
    let events_path = dir.join("events.jsonl");
    let child = Command::new(common::binary())
        .arg("analyze")
        .arg(common::rendered::clip("hip_hinge-side-clean").video)
        .args(["--exercise", "hip_hinge", "--events"])
        .arg(&events_path)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("formcheck starts");
    // 375 frames with the segmentation: still running after 2 s.
    std::thread::sleep(Duration::from_secs(2));
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let out = child.wait_with_output().expect("formcheck ends");
    common::assert_clear_error(
        &out,
        "interrupted: the events and the set summary cover only",
    );
    let events = events(&events_path);
    assert_eq!(events.last().unwrap()["event"], "set_summary");
    assert!(events.last().unwrap()["frames"].as_u64().unwrap() < 375);
    std::fs::remove_dir_all(&dir).unwrap();
}
