//! The therapist's report on real sets: a squat analysed by the binary on
//! a rendered clip whose last two reps lean too far forward (overlay video,
//! so thumbnails), and a glute bridge
//! filmed on the synthetic body (a landmark track, so no video), with its
//! three reps full, short and over-arched. The page is checked for its
//! plots, rows, thumbnails, honesty text, pain, escaping and absence of
//! external resources; the CSV export for its rows; bad inputs for clear
//! errors; and headless Chromium renders it to a PNG that is not blank and
//! shows the plots, and prints it with each set on its own page.
#![allow(clippy::unwrap_used, clippy::too_many_lines)] // a test fails by panicking; a scenario reads best whole

mod common;
#[allow(dead_code)] // the synthetic body's other helpers serve other tests
mod synthetic;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use formcheck::report::{
    render, write_csv, HistoryPoint, ReportInput, SetInput, FLAGS_HEADER, REPS_HEADER,
};
use formcheck::store::SetStatus;
use nalgebra::{Point3, Vector3};
use opencv::core::{Mat, Vec3b};
use opencv::prelude::*;
use synthetic::{cycle, leg_ik, sequence, track, BodyPlacement, Camera, JointAngles, Side};

/// A pseudonym that would run a script if the page did not escape it.
const PATIENT: &str = "P-07 <script>alert('x')</script>";

/// The sets, made once for all tests.
struct Fixture {
    dir: PathBuf,
    squat: SetFiles,
    bridge: SetFiles,
}

struct SetFiles {
    events: PathBuf,
    metrics: PathBuf,
    video: Option<PathBuf>,
}

impl SetFiles {
    /// The events of the set, as JSON values.
    fn events(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(&self.events)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    fn count(&self, event: &str) -> usize {
        self.events().iter().filter(|e| e["event"] == event).count()
    }
}

fn formcheck(args: &[&str]) {
    let out = Command::new(common::binary())
        .args(args)
        .output()
        .expect("formcheck runs");
    common::assert_success(&out);
}

/// A glute bridge seen from the side (as in `exercise_rules.rs`):
/// shoulders and ankles on the floor, the shoulder–hip line raised `lift`
/// degrees (about 21° is a straight shoulder–hip–knee line).
fn bridge(lift: f32) -> (JointAngles, BodyPlacement) {
    let s = synthetic::Skeleton::default();
    let shoulders = Point3::new(0.0, 0.10, 0.0);
    let (c, si) = (lift.to_radians().cos(), lift.to_radians().sin());
    let hips = shoulders + Vector3::new(s.trunk * c, s.trunk * si, 0.0);
    let pelvis = BodyPlacement::supine(hips).pitch(-lift);
    let mut a = JointAngles::default();
    for side in Side::BOTH {
        let hip = Point3::new(side.sign() * s.pelvis_width / 2.0, 0.0, 0.0);
        let target = Point3::new(
            shoulders.x + 0.92,
            s.heel_down,
            -side.sign() * s.pelvis_width / 2.0,
        );
        let d = pelvis.to_body(target) - hip;
        let (hf, kf) = leg_ik(&s, d.z, d.y).expect("ankles within reach");
        a.hip_flexion[side.i()] = hf;
        a.knee_flexion[side.i()] = kf;
    }
    (a.with_feet_flat(&s, &pelvis), pelvis)
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        // Kept after the run: the page and its screenshot are there to look at.
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report");
        std::fs::remove_dir_all(&dir).ok();
        std::fs::create_dir_all(&dir).unwrap();
        let s = |name: &str| dir.join(name).to_string_lossy().into_owned();

        let video = common::rendered::clip("squat-side-forward_lean").video;
        formcheck(&[
            "analyze",
            video.to_str().unwrap(),
            "--exercise",
            "squat",
            "--events",
            &s("squat.jsonl"),
            "--metrics",
            &s("squat.csv"),
            "--overlay-video",
            &s("squat.mp4"),
        ]);

        // Three bridges of 6 s: full, 8° short of straight, 25° over.
        let lift = |t: f32| {
            let peak = match t {
                t if t < 6.0 => 21.0,
                t if t < 12.0 => 13.0,
                _ => 46.0,
            };
            peak * cycle(t, 6.0)
        };
        let camera = Camera::side_view(&bridge(0.0).1, 3.5, Side::Left);
        let render = synthetic::Render {
            noise_px: 0.5,
            seed: 11,
            ..synthetic::Render::default()
        };
        let records = track(
            &camera,
            &synthetic::Skeleton::default(),
            &sequence(30.0, 18.0, |t| bridge(lift(t))),
            &render,
        );
        synthetic::write_track(&dir.join("bridge-track.jsonl"), &records).unwrap();
        formcheck(&[
            "analyze",
            &s("bridge-track.jsonl"),
            "--exercise",
            "glute_bridge",
            "--events",
            &s("bridge.jsonl"),
            "--metrics",
            &s("bridge.csv"),
        ]);
        Fixture {
            squat: SetFiles {
                events: dir.join("squat.jsonl"),
                metrics: dir.join("squat.csv"),
                video: Some(dir.join("squat.mp4")),
            },
            bridge: SetFiles {
                events: dir.join("bridge.jsonl"),
                metrics: dir.join("bridge.csv"),
                video: None,
            },
            dir,
        }
    })
}

fn set(number: u32, exercise: &str, files: &SetFiles, pain: (u8, u8)) -> SetInput {
    SetInput {
        number,
        exercise: exercise.into(),
        status: SetStatus::Complete,
        stopped_because: None,
        pain_before: Some(pain.0),
        pain_after: Some(pain.1),
        leg_symptoms_spread: Some(false),
        events: files.events.clone(),
        metrics: files.metrics.clone(),
        overlay_video: files.video.clone(),
        track: None,
    }
}

/// The session: the squat, then the bridge; three earlier sessions.
fn input() -> ReportInput {
    let f = fixture();
    let mut history = Vec::new();
    for (i, day) in ["2025-03-03", "2025-03-06", "2025-03-10", "2025-03-13"]
        .iter()
        .enumerate()
    {
        let i = i as u8;
        for (n, exercise, range) in [(1, "squat", 118.0), (2, "glute_bridge", 166.0)] {
            history.push(HistoryPoint {
                session_id: 40 + i64::from(i),
                started_at: format!("{day} 09:30"),
                exercise: exercise.into(),
                set_number: n,
                pain_before: Some(5 - i),
                pain_after: Some(6 - i),
                range: Some(range + if n == 1 { -5.0 } else { 3.0 } * f32::from(i)),
                flags: u32::from(6 - i),
            });
        }
    }
    ReportInput {
        patient: PATIENT.into(),
        session_id: 43,
        started_at: "2025-03-13 09:30".into(),
        ended_at: Some("2025-03-13 10:05".into()),
        red_flags_clear: Some(true),
        sets: vec![
            set(1, "squat", &f.squat, (2, 4)),
            set(2, "glute_bridge", &f.bridge, (3, 3)),
        ],
        history,
        progress: formcheck::report::progress::Progress::default(),
        pain_rise: 2,
    }
}

/// The page, rendered once.
fn page() -> &'static str {
    static PAGE: OnceLock<String> = OnceLock::new();
    PAGE.get_or_init(|| {
        let started = std::time::Instant::now();
        let html = render(&input()).unwrap_or_else(|e| panic!("{e}"));
        eprintln!(
            "report rendered in {:.0} ms, {} KiB",
            started.elapsed().as_secs_f64() * 1000.0,
            html.len() / 1024
        );
        html
    })
}

/// The part of the page for set `n` (up to the next set or the trends).
fn set_part(html: &str, n: usize) -> &str {
    let starts: Vec<usize> = html
        .match_indices("<section class=\"set\"")
        .map(|m| m.0)
        .collect();
    let end = starts
        .get(n)
        .copied()
        .or_else(|| html.find("<section class=\"trends\""))
        .unwrap();
    &html[starts[n - 1]..end]
}

#[test]
fn the_sets_have_flags_and_reps_to_report() {
    let f = fixture();
    // The rendered squat: two reps, the second leaning too far forward.
    assert_eq!(f.squat.count("rep"), 2, "{:?}", f.squat.events());
    let squat_rules: Vec<String> = f
        .squat
        .events()
        .iter()
        .filter(|e| e["event"] == "flag_start")
        .map(|e| e["rule"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(squat_rules, ["trunk_flexion"]);
    let rules: Vec<String> = f
        .bridge
        .events()
        .iter()
        .filter(|e| e["event"] == "flag_start")
        .map(|e| e["rule"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(f.bridge.count("rep"), 3, "{:?}", f.bridge.events());
    assert!(
        rules.contains(&"incomplete_extension".to_string()),
        "{rules:?}"
    );
    assert!(rules.contains(&"hyperextension".to_string()), "{rules:?}");
}

#[test]
fn every_judged_measurement_has_a_plot() {
    let html = page();
    for (n, expected) in [
        (
            1,
            [
                "knee_angle",
                "trunk_from_vertical",
                "lateral_shift",
                "trunk_twist",
                "back_bend",
            ]
            .as_slice(),
        ),
        (2, ["hip_extension"].as_slice()),
    ] {
        let part = set_part(html, n);
        for metric in expected {
            let at = part
                .find(&format!(
                    "<figure class=\"metric\" data-metric=\"{metric}\""
                ))
                .unwrap_or_else(|| panic!("set {n}: no plot of {metric}"));
            let figure = &part[at..at + part[at..].find("</figure>").unwrap()];
            assert_eq!(figure.matches("<svg").count(), 1, "set {n} {metric}");
            // The limit is drawn, the line is drawn.
            assert!(figure.contains("<polyline"), "set {n} {metric}");
        }
        assert_eq!(
            part.matches("<figure class=\"metric\"").count(),
            expected.len()
        );
    }
    // Limits as bands: the bridge's hyperextension limit is absolute.
    assert!(set_part(html, 2).contains("limit: hyperextension"));
    // Trends: pain, range per exercise, flags per set.
    let trends = &html[html.find("<section class=\"trends\"").unwrap()..];
    assert_eq!(trends.matches("<svg").count(), 4);
}

#[test]
fn a_row_per_rep_and_per_flag_with_thumbnails() {
    let f = fixture();
    let html = page();
    for (n, files) in [(1, &f.squat), (2, &f.bridge)] {
        let part = set_part(html, n);
        assert_eq!(
            part.matches("<tr class=\"rep").count(),
            files.count("rep"),
            "set {n}"
        );
        assert_eq!(
            part.matches("<tr class=\"flag").count(),
            files.count("flag_start"),
            "set {n}"
        );
    }
    // Each squat flag has its frame; the bridge has no video and says so.
    let squat = set_part(html, 1);
    assert_eq!(
        squat.matches("src=\"data:image/jpeg;base64,").count(),
        f.squat.count("flag_start")
    );
    let bridge = set_part(html, 2);
    assert!(!bridge.contains("data:image/jpeg"));
    assert!(bridge.contains("No overlay video was recorded for this set"));
    // The bridge's short rep is named with its flag, in rep 2.
    let rep2 = &bridge[bridge.find("<tr class=\"rep flagged\"").unwrap()..];
    assert!(rep2.contains("incomplete_extension"));
    // The squat's back outline at each rep's deepest point has a column
    // (the bridge, on the floor, none).
    let bends: Vec<f64> = f
        .squat
        .events()
        .iter()
        .filter(|e| e["event"] == "rep")
        .filter_map(|e| e["at_turn"]["back_bend"].as_f64())
        .collect();
    assert!(!bends.is_empty());
    assert!(squat.contains("Back bend at the deepest point (outline)"));
    for bend in bends {
        assert!(squat.contains(&format!("{:.1}°", bend as f32)), "{bend}");
    }
    assert!(!bridge.contains("Back bend at the deepest point"));
}

#[test]
fn says_what_the_camera_cannot_measure_next_to_the_proxies() {
    let html = page();
    for (n, exercise) in [(1, "squat"), (2, "glute_bridge")] {
        let part = set_part(html, n);
        let e = formcheck::analysis::config::Exercise::named(exercise).unwrap();
        for text in &e.cannot_measure {
            // The first letter is capitalised on the page.
            assert!(part.contains(&text[1..]), "set {n}: {text}");
        }
        assert!(part.contains("Not measured by the camera"));
        assert!(part.contains("Proxies used in this set"));
        assert!(part.contains("Lumbar curvature itself"));
        assert!(part.contains("Rotation from a single side view"));
    }
}

#[test]
fn shows_pain_before_and_after() {
    let html = page();
    let overview = &html[..html.find("<section class=\"set\"").unwrap()];
    // Squat 2 → 4 is a meaningful rise; bridge 3 → 3.
    assert!(
        overview.contains("2 → 4 <span class=\"bad\">(+2)</span>"),
        "{overview}"
    );
    assert!(overview.contains("3 → 3"));
    assert!(set_part(html, 1).contains("Pain rose by 2 or more points"));
    assert!(!set_part(html, 2).contains("Pain rose"));
}

#[test]
fn a_stopped_set_says_why_and_an_unfinished_one_is_marked() {
    let mut stopped = input();
    stopped.sets[0].stopped_because = Some("pain rose by 3 points".into());
    stopped.sets[1].status = SetStatus::Incomplete;
    let html = render(&stopped).unwrap();
    assert!(
        set_part(&html, 1).contains("<b>Stopped</b>: pain rose by 3 points"),
        "{}",
        set_part(&html, 1)
    );
    assert!(!set_part(&html, 2).contains("<b>Stopped</b>"));
    assert!(html.contains("<span class=\"bad\">incomplete</span>"));
    assert!(!page().contains("<b>Stopped</b>"));
}

#[test]
fn the_meaningful_pain_rise_is_the_programmes() {
    // A clinic whose programme stops an exercise at a rise of 3: the same
    // squat's 2 → 4 is a change, not a meaningful one.
    let html = render(&ReportInput {
        pain_rise: 3,
        ..input()
    })
    .unwrap();
    let overview = &html[..html.find("<section class=\"set\"").unwrap()];
    assert!(
        overview.contains("2 → 4 <span class=\"muted\">(+2)</span>"),
        "{overview}"
    );
    assert!(!set_part(&html, 1).contains("Pain rose"));
    assert!(html.contains("A change of 3 points is clinically meaningful"));
}

#[test]
fn is_self_contained_and_escapes_text() {
    let html = page();
    assert!(!html.contains("<script"), "a script on the page");
    assert!(html.contains("P-07 &lt;script&gt;alert('x')&lt;/script&gt;"));
    // No external resource: the only URLs are the SVG namespace.
    let without_ns = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
    assert!(!without_ns.contains("http"), "an external reference");
    assert!(!html.contains("<link") && !html.contains("@import") && !html.contains("url("));
    for src in html
        .match_indices("src=\"")
        .map(|(i, _)| &html[i + 5..i + 16])
    {
        assert!(src.starts_with("data:image/"), "{src}");
    }
    // One set per printed page, no dark background.
    assert!(html.contains("@media print"));
    assert!(html.contains("break-before: page"));
}

#[test]
fn csv_export_has_a_row_per_rep_and_per_flag() {
    let f = fixture();
    let dir = f.dir.join("csv");
    let paths = write_csv(&input(), &dir).unwrap();
    assert_eq!(
        paths,
        vec![
            dir.join("reps.csv"),
            dir.join("flags.csv"),
            dir.join("progress.json")
        ]
    );
    // No guided sessions in this fixture: the progress is empty but there.
    let progress: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&paths[2]).unwrap()).unwrap();
    assert_eq!(progress["weeks"], serde_json::json!([]));
    let read = |p: &Path| -> Vec<Vec<String>> {
        csv::Reader::from_path(p)
            .unwrap()
            .records()
            .map(|r| r.unwrap().iter().map(String::from).collect())
            .collect()
    };
    let header = |p: &Path| {
        std::fs::read_to_string(p)
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .to_string()
    };
    assert_eq!(header(&paths[0]), REPS_HEADER.join(","));
    assert_eq!(header(&paths[1]), FLAGS_HEADER.join(","));
    let reps = read(&paths[0]);
    let flags = read(&paths[1]);
    assert_eq!(reps.len(), f.squat.count("rep") + f.bridge.count("rep"));
    assert_eq!(
        flags.len(),
        f.squat.count("flag_start") + f.bridge.count("flag_start")
    );
    // Bridge rows carry their set, rep and rule.
    let short = flags
        .iter()
        .find(|r| r[3] == "incomplete_extension")
        .expect("the short rep's flag");
    assert_eq!(
        (&short[0][..], &short[1][..], &short[2][..]),
        ("43", "2", "glute_bridge")
    );
    assert_eq!(short[6], "2", "rep of the short bridge");
    assert_eq!(short[4], "range_of_motion");
    let squat_reps: Vec<_> = reps.iter().filter(|r| r[2] == "squat").collect();
    assert!(squat_reps.iter().all(|r| r[10] == "knee_angle"));
    // The squat's back bend per rep; the bridge has none.
    assert!(squat_reps.iter().any(|r| r[13].parse::<f32>().is_ok()));
    assert!(reps
        .iter()
        .filter(|r| r[2] == "glute_bridge")
        .all(|r| r[13].is_empty()));
}

#[test]
fn missing_or_malformed_files_are_clear_errors() {
    let f = fixture();
    let mut bad = input();
    bad.sets[1].events = f.dir.join("no-such-events.jsonl");
    let err = render(&bad).unwrap_err().to_string();
    assert!(err.contains("no-such-events.jsonl"), "{err}");
    let err = write_csv(&bad, &f.dir.join("csv-bad"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("no-such-events.jsonl"), "{err}");

    let mut bad = input();
    bad.sets[0].metrics = f.dir.join("no-such-metrics.csv");
    let err = render(&bad).unwrap_err().to_string();
    assert!(err.contains("no-such-metrics.csv"), "{err}");

    let broken = f.dir.join("broken.jsonl");
    let mut text = std::fs::read_to_string(&f.bridge.events).unwrap();
    text.push_str("{\"event\":\"rep\",\"index\":\"four\"}\n");
    std::fs::write(&broken, &text).unwrap();
    let mut bad = input();
    bad.sets[1].events = broken;
    let err = render(&bad).unwrap_err().to_string();
    let line = text.lines().count();
    assert!(err.contains(&format!("broken.jsonl line {line}")), "{err}");

    let mut bad = input();
    bad.sets[0].exercise = "handstand".into();
    let err = render(&bad).unwrap_err().to_string();
    assert!(err.contains("set 1") && err.contains("handstand"), "{err}");

    // A video that cannot be read loses the thumbnails, not the report.
    let mut no_video = input();
    no_video.sets[0].overlay_video = Some(f.dir.join("gone.mp4"));
    let html = render(&no_video).unwrap();
    assert!(html.contains("gone.mp4 is missing"));
}

/// Chromium on this machine, if any.
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|d| [d.join("chromium"), d.join("chromium-browser")])
        .find(|p| p.is_file())
}

#[test]
fn chromium_renders_the_plots_and_the_flag_rows_and_prints_a_page_per_set() {
    let Some(chromium_path) = chromium() else {
        eprintln!("skipped: chromium is not installed (scripts/setup.sh installs it)");
        return;
    };
    let f = fixture();
    let html_path = f.dir.join("report.html");
    std::fs::write(&html_path, page()).unwrap();
    let png = f.dir.join("report.png");
    let out = Command::new(&chromium_path)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            &format!("--user-data-dir={}", f.dir.join("chromium").display()),
            &format!("--screenshot={}", png.display()),
            "--window-size=1280,3200",
            &format!("file://{}", html_path.display()),
        ])
        .output()
        .expect("chromium runs");
    assert!(
        png.is_file(),
        "no screenshot: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let image =
        opencv::imgcodecs::imread(png.to_str().unwrap(), opencv::imgcodecs::IMREAD_COLOR).unwrap();
    assert_eq!((image.cols(), image.rows()), (1280, 3200));
    // Not blank: the page has text, tables and plots.
    let mut mean = Mat::default();
    let mut sd = Mat::default();
    opencv::core::mean_std_dev(&image, &mut mean, &mut sd, &opencv::core::no_array()).unwrap();
    let sd = *sd.at::<f64>(0).unwrap();
    assert!(sd > 20.0, "a blank page? sd {sd}");
    // The measured lines of the plots (#1f5fa8) and the flag shading.
    let count = |rgb: (u8, u8, u8), tol: i32| {
        let mut n = 0;
        for y in 0..image.rows() {
            for x in 0..image.cols() {
                let p = image.at_2d::<Vec3b>(y, x).unwrap();
                let d = (i32::from(p[0]) - i32::from(rgb.2)).abs()
                    + (i32::from(p[1]) - i32::from(rgb.1)).abs()
                    + (i32::from(p[2]) - i32::from(rgb.0)).abs();
                if d <= tol {
                    n += 1;
                }
            }
        }
        n
    };
    let line = count((0x1f, 0x5f, 0xa8), 30);
    assert!(line > 500, "plot lines: {line} pixels");
    // The flag's marks (one flag in the squat set, two in the bridge's).
    let flag = count((0xe0, 0x4a, 0x3c), 30);
    assert!(flag > 10, "flag marks: {flag} pixels");
    eprintln!("screenshot: {}", png.display());

    // Printed: the overview, each set and the trends start their own page.
    let pdf = f.dir.join("report.pdf");
    Command::new(chromium_path)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
            &format!("--user-data-dir={}", f.dir.join("chromium").display()),
            &format!("--print-to-pdf={}", pdf.display()),
            &format!("file://{}", html_path.display()),
        ])
        .output()
        .expect("chromium runs");
    let bytes = std::fs::read(&pdf).expect("a PDF");
    let text = String::from_utf8_lossy(&bytes);
    let pages = text.matches("/Type /Page").count() - text.matches("/Type /Pages").count();
    assert!(pages >= 4, "{pages} printed pages");
}
