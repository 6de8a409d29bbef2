//! `formcheck serve`, the therapists' dashboard, over a real PostgreSQL
//! server fed by two stations playing rendered sets at once: nothing
//! answers without a login, and headless Chromium takes a therapist's tour
//! (tools/dashboard_tour.mjs): the live board changing as the sets play, a
//! session's report, a set's video stepped to its first flag.

#![allow(clippy::unwrap_used, clippy::too_many_lines)] // a test fails by panicking; a scenario reads best whole

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::postgres::{free_port, PgServer};
use common::station::Play;
use serde_json::Value;

const PASSWORD: &str = "a long enough password";

/// A station playing `clip` in real time for `patient`.
fn station(
    server: &PgServer,
    dir: &Path,
    name: &str,
    patient: &str,
    clip: &str,
    exercise: &str,
) -> Child {
    let play = Play {
        clip,
        exercise,
        realtime: true,
    };
    // Four red-flag noes, pain 1 before; after: pain 1, no spreading.
    common::station::start(
        &server.url(),
        dir,
        name,
        patient,
        &play,
        "n\nn\nn\nn\n1\n1\nn\n",
    )
}

/// `formcheck serve` on `port`, once it answers.
fn serve(server: &PgServer, port: u16, cache: &Path) -> Child {
    let child = Command::new(common::binary())
        .args(["serve", "--db", &server.url(), "--listen"])
        .arg(format!("127.0.0.1:{port}"))
        .arg("--cache")
        .arg(cache)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the dashboard never listened"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    child
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into()
}

/// Stops a child process and reaps it.
struct Stopped(Child);

impl Drop for Stopped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn nothing_answers_without_a_login_and_a_therapist_tours_the_dashboard_in_chromium() {
    let puppeteer = common::root().join(".cache/npm-dashboard/node_modules/puppeteer-core");
    assert!(
        puppeteer.is_dir() && Path::new("/usr/bin/chromium").exists(),
        "puppeteer-core or chromium is missing: run `make setup`"
    );
    let server = PgServer::start();
    let dir = tempfile::tempdir().unwrap();

    // A therapist's account, the password on standard input.
    let mut add = Command::new(common::binary())
        .args(["therapist", "anna", "--db", &server.url()])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    add.stdin
        .as_mut()
        .unwrap()
        .write_all(format!("{PASSWORD}\n").as_bytes())
        .unwrap();
    common::assert_success(&add.wait_with_output().unwrap());
    let hash = server.psql("SELECT password_hash FROM therapists WHERE name = 'anna'");
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(!hash.contains(PASSWORD));

    let port = free_port();
    let _dashboard = Stopped(serve(&server, port, &dir.path().join("videos")));
    let base = format!("http://127.0.0.1:{port}");
    let http = agent();

    // Without a login: every page and file is refused, a browser's page
    // request is sent to the form, a wrong password gets nothing.
    for path in [
        "/",
        "/board/stream",
        "/patients",
        "/patients/d-1",
        "/sessions/1",
        "/sessions/1/report.html",
        "/sessions/1/reps.csv",
        "/sessions/1/progress.json",
        "/sessions/1/fhir.json",
        "/sets/1",
        "/sets/1/video.webm",
    ] {
        let answer = http.get(format!("{base}{path}")).call().unwrap();
        assert_eq!(answer.status(), 401, "{path}");
        let forged = http
            .get(format!("{base}{path}"))
            .header("Cookie", "formcheck_login=0123456789abcdef")
            .call()
            .unwrap();
        assert_eq!(forged.status(), 401, "{path} with a made-up login");
        let page = http
            .get(format!("{base}{path}"))
            .header("Accept", "text/html")
            .call()
            .unwrap();
        assert_eq!(page.status(), 303, "{path}");
        assert_eq!(page.headers()["location"], "/login");
    }
    let wrong = http
        .post(format!("{base}/login"))
        .send_form([("name", "anna"), ("password", "not the password")])
        .unwrap();
    assert_eq!(wrong.status(), 401);
    assert!(wrong.headers().get("set-cookie").is_none());

    // Two stations play their sets while Chromium watches the board.
    let a = station(
        &server,
        dir.path(),
        "Station 1",
        "d-1",
        "samples/glute_bridge-side-over_arch.mp4",
        "glute_bridge",
    );
    let b = station(
        &server,
        dir.path(),
        "Station 2",
        "d-2",
        "samples/squat-side-lumbar_flexion.mp4",
        "squat",
    );
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("dashboard-tour");
    std::fs::create_dir_all(&shots).unwrap();
    let tour = Command::new("node")
        .arg(common::root().join("tools/dashboard_tour.mjs"))
        .args([&base, "anna", PASSWORD])
        .arg(&shots)
        .arg("2")
        .output()
        .unwrap();
    for child in [a, b] {
        common::assert_success(&child.wait_with_output().unwrap());
    }
    assert!(
        tour.status.success(),
        "{}",
        String::from_utf8_lossy(&tour.stderr)
    );
    let seen: Value = serde_json::from_slice(&tour.stdout).unwrap();
    eprintln!("tour: {seen}");
    assert_eq!(seen["without_login"], "/login");
    assert_eq!(seen["after_login"], "/");
    let first = seen["board_first"].as_array().unwrap();
    assert_eq!(first.len(), 2, "{seen}");
    assert!(first[0].as_str().unwrap().contains("d-1"), "{seen}");
    assert!(first[1].as_str().unwrap().contains("d-2"), "{seen}");
    assert_ne!(
        seen["board_changed"], seen["board_first"],
        "the board changed live"
    );
    assert!(
        seen["board_note"].as_str().unwrap().starts_with("Updated"),
        "{seen}"
    );
    assert!(
        !seen["board_flag"].as_array().unwrap().is_empty(),
        "a flag was up on the board: {seen}"
    );
    assert_eq!(seen["patients"], serde_json::json!(["d-1", "d-2"]));
    assert!(seen["session_plots"].as_u64().unwrap() > 0, "{seen}");
    let duration = seen["video_duration_s"].as_f64().unwrap();
    assert!(
        (duration - 20.5).abs() < 1.0,
        "the set's video: {duration} s"
    );
    assert!(
        seen["played_to_s"].as_f64().unwrap() > 0.5,
        "the video plays: {seen}"
    );
    let flags = seen["flag_starts_s"].as_array().unwrap();
    assert!(!flags.is_empty(), "{seen}");
    let first_flag = flags[0].as_f64().unwrap();
    assert!(
        (seen["jumped_to_s"].as_f64().unwrap() - first_flag).abs() < 0.2,
        "next flag jumps to its start: {seen}"
    );
    assert_eq!(seen["timeline_spans"].as_u64().unwrap(), flags.len() as u64);

    // Who opened what, in the audit log.
    let audit = server.psql("SELECT action || ' ' || patient FROM audit_log ORDER BY id");
    for wanted in [
        "opened the patient d-1",
        "opened session",
        "opened set 1 of session",
    ] {
        assert!(audit.contains(wanted), "{wanted}: {audit}");
    }
    assert!(
        audit.lines().all(|l| l.ends_with("d-1")),
        "only d-1 was opened: {audit}"
    );

    // The stations' own files gone (the dashboard is on another machine):
    // the report and the video come from the clinic's recordings folder.
    std::fs::remove_dir_all(dir.path().join("sessions")).unwrap();
    let login = http
        .post(format!("{base}/login"))
        .send_form([("name", "anna"), ("password", PASSWORD)])
        .unwrap();
    assert_eq!(login.status(), 303);
    let cookie = login.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let session = server.psql(
        "SELECT s.id FROM sessions s JOIN patients p ON p.id = s.patient_id WHERE p.pseudonym = 'd-2'",
    );
    let set = server.psql(&format!("SELECT id FROM sets WHERE session_id = {session}"));
    let get = |path: &str| {
        let answer = http
            .get(format!("{base}{path}"))
            .header("Cookie", &cookie)
            .call()
            .unwrap();
        assert_eq!(answer.status(), 200, "{path}");
        answer
    };
    for path in [
        format!("/sessions/{session}"),
        format!("/sets/{set}/video.webm"),
    ] {
        let body = get(&path)
            .body_mut()
            .with_config()
            .limit(u64::MAX)
            .read_to_vec()
            .unwrap();
        assert!(body.len() > 10_000, "{path}: {} bytes", body.len());
    }
    // The session's data a clinic files: its progress and its FHIR R4
    // bundle, read from the server, the bundle valid against the FHIR
    // schema.
    let get_json = |path: String| -> serde_json::Value {
        serde_json::from_str(&get(&path).body_mut().read_to_string().unwrap()).unwrap()
    };
    let progress = get_json(format!("/sessions/{session}/progress.json"));
    assert_eq!(progress["weeks"][0]["sessions"], 1, "{progress:#}");
    let bundle = get_json(format!("/sessions/{session}/fhir.json"));
    assert_eq!(bundle["resourceType"], "Bundle");
    assert_eq!(
        bundle["entry"][0]["resource"]["identifier"][0]["value"],
        "d-2"
    );
    let file = dir.path().join("session.fhir.json");
    std::fs::write(&file, bundle.to_string()).unwrap();
    let checked = std::process::Command::new("node")
        .arg(common::root().join("tools/validate_fhir.mjs"))
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        checked.status.success(),
        "{}",
        String::from_utf8_lossy(&checked.stdout)
    );
}
