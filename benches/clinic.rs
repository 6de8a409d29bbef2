//! The clinic's server under load, against a real PostgreSQL server on
//! loopback (`make bench-clinic`, figures in BENCHMARKS.md):
//!
//! 1. how many rows a second the server takes from N stations delivering
//!    at once: each station's journal is filled first with the same
//!    simulated sessions (reps with their peaks, flags raised and closed,
//!    set summaries, written call by call as a live run writes them), then
//!    the N deliveries run together until every outbox is empty, bounded
//!    in rows and in time;
//! 2. the dashboard's page times: one real station session on a rendered
//!    clip, then each page asked for repeatedly by a logged-in client.

#![allow(clippy::unwrap_used, missing_docs)] // a benchmark fails by panicking

#[path = "../tests/common/postgres.rs"]
#[allow(dead_code)]
mod postgres;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use formcheck::analysis::config::Fault;
use formcheck::analysis::events::Event;
use formcheck::analysis::measure::Metric;
use formcheck::clinic::{Server, ServerAddress};
use formcheck::store::{Outbox, Store};
use formcheck::time::SourceTime;
use postgres::PgServer;

/// Stations delivering at once, per round.
const STATIONS: [usize; 4] = [1, 2, 4, 8];
/// Sessions per simulated station, sets per session, reps per set.
const SESSIONS: u32 = 10;
const SETS: u32 = 3;
const REPS: u32 = 12;
/// Rounds per number of stations (the median is reported).
const ROUNDS: usize = 3;
/// A round that takes longer than this is a failure.
const ROUND_LIMIT: Duration = Duration::from_secs(120);
/// Requests per dashboard page.
const PAGE_REQUESTS: usize = 20;

fn rep(index: u32) -> Event {
    Event::Rep {
        index,
        frame: u64::from(index) * 90,
        t_ms: SourceTime::from_ms(f64::from(index) * 3000.0),
        eccentric_s: 1.5,
        turn_s: 0.25,
        concentric_s: 1.2,
        range: 90.0,
        peaks: BTreeMap::from([
            ("knee_flexion", [12.5, 95.0]),
            ("trunk_from_vertical", [3.0, 18.0]),
        ]),
        at_turn: BTreeMap::from([("back_bend", 2.5)]),
        flags: vec![],
    }
}

fn flag(index: u32, start: bool) -> Event {
    let frame = u64::from(index) * 90 + if start { 30 } else { 60 };
    let t_ms = SourceTime::from_ms(frame as f64 * 1000.0 / 30.0);
    if start {
        Event::FlagStart {
            rule: "knee_depth".into(),
            fault: Fault::RangeOfMotion,
            metric: Metric::KneeAngle.into(),
            value: 96.0,
            limit: 95.0,
            frame,
            t_ms,
            message: "Not so deep".into(),
        }
    } else {
        Event::FlagEnd {
            rule: "knee_depth".into(),
            metric: Metric::KneeAngle.into(),
            peak: 99.0,
            limit: 95.0,
            frame,
            t_ms,
            duration_ms: 1000.0,
        }
    }
}

/// Fills a station's journal with its sessions, call by call as a live
/// run writes them.
fn fill(journal: &Path, server: &str, station: usize) {
    let mut store = Store::open_journal(journal, server, &format!("bench-{station}")).unwrap();
    let patient = store.patient(&format!("bench-{station}"), None).unwrap();
    for _ in 0..SESSIONS {
        let session = store
            .start_session(patient, journal.parent().unwrap())
            .unwrap();
        for number in 1..=SETS {
            let set = store
                .start_set(
                    session,
                    "leg_press",
                    number,
                    journal.parent().unwrap(),
                    Some(2),
                )
                .unwrap();
            for index in 1..=REPS {
                store.add_events(set, &[rep(index)]).unwrap();
                if index % 4 == 0 {
                    store.add_events(set, &[flag(index, true)]).unwrap();
                    store.add_events(set, &[flag(index, false)]).unwrap();
                }
            }
            store.finish_set(set, Some(2), Some(false), None).unwrap();
        }
        store.end_session(session).unwrap();
    }
}

/// Delivers every journal at once; (rows, seconds).
/// Delivers every journal at once, each on its own thread and connection
/// (made before the clock starts); (rows, seconds).
fn deliver_all(address: &ServerAddress, journals: &[std::path::PathBuf]) -> (usize, f64) {
    let stations: Vec<_> = journals
        .iter()
        .map(|journal| {
            (
                Store::open(journal).unwrap().station().unwrap().unwrap(),
                Outbox::open(journal).unwrap(),
                Server::connect(address).unwrap(),
            )
        })
        .collect();
    let started = Instant::now();
    let rows: usize = std::thread::scope(|scope| {
        let threads: Vec<_> = stations
            .into_iter()
            .map(|(station, mut outbox, mut server)| {
                scope.spawn(move || {
                    let mut rows = 0;
                    loop {
                        let delivered = server.deliver(&station, &mut outbox, 500).unwrap();
                        if delivered.entries == 0 {
                            return rows;
                        }
                        rows += delivered.rows;
                        assert!(started.elapsed() < ROUND_LIMIT, "the round took too long");
                    }
                })
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).sum()
    });
    (rows, started.elapsed().as_secs_f64())
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn load() {
    // One server for every round, warmed by a first delivery; each round
    // delivers fresh journals (new stations) into it.
    let server = PgServer::start_durable();
    let address = ServerAddress::parse(&server.url()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut made = 0;
    let mut journals = |count: usize| -> Vec<std::path::PathBuf> {
        (0..count)
            .map(|_| {
                made += 1;
                let journal = dir
                    .path()
                    .join(format!("station-{made}"))
                    .join("journal.sqlite");
                fill(&journal, &address.to_string(), made);
                journal
            })
            .collect()
    };
    let warm = journals(1);
    deliver_all(&address, &warm);
    println!("| stations | rows per round | rows/s (median of {ROUNDS} rounds) | rounds (s) |");
    println!("|---|---|---|---|");
    for stations in STATIONS {
        let mut rates = Vec::new();
        let mut seconds = Vec::new();
        let mut rows = 0;
        for _ in 0..ROUNDS {
            let round = journals(stations);
            let (delivered, took) = deliver_all(&address, &round);
            rows = delivered;
            rates.push(delivered as f64 / took);
            seconds.push(format!("{took:.2}"));
        }
        println!(
            "| {stations} | {rows} | {:.0} | {} |",
            median(rates),
            seconds.join(", ")
        );
    }
    let on_server: i64 = server.psql("SELECT count(*) FROM reps").parse().unwrap();
    assert_eq!(
        on_server,
        i64::from(SESSIONS * SETS * REPS) * made as i64,
        "every rep, once"
    );
}

/// Runs `binary` with `args`, `input` on its standard input; it must succeed.
fn run_with_input(binary: &Path, args: &[std::ffi::OsString], input: &[u8]) {
    let mut child = Command::new(binary)
        .args(args)
        .stdin(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    child.stdin.as_mut().unwrap().write_all(input).unwrap();
    assert!(child.wait().unwrap().success(), "{args:?}");
}

/// `formcheck serve` on a free port, logged in as `bench`: the process,
/// the client, the base URL and the login cookie.
fn dashboard(
    binary: &Path,
    server: &PgServer,
    dir: &Path,
) -> (std::process::Child, ureq::Agent, String, String) {
    let port = postgres::free_port();
    let dashboard = Command::new(binary)
        .args([
            "serve",
            "--db",
            &server.url(),
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--cache",
        ])
        .arg(dir.join("videos"))
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        std::thread::sleep(Duration::from_millis(50));
    }
    let base = format!("http://127.0.0.1:{port}");
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .build()
        .into();
    let login = agent
        .post(format!("{base}/login"))
        .send_form([("name", "bench"), ("password", "a long enough password")])
        .unwrap();
    let cookie = login.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    (dashboard, agent, base, cookie)
}

fn pages() {
    let binary = Path::new(env!("CARGO_BIN_EXE_formcheck"));
    let server = PgServer::start_durable();
    let dir = tempfile::tempdir().unwrap();
    let url = server.url();
    let mut live: Vec<std::ffi::OsString> = [
        "live",
        "--source",
        "samples/glute_bridge-side-over_arch.mp4",
        "--no-window",
        "--exercise",
        "glute_bridge",
        "--model",
        "lite",
        "--patient",
        "page-1",
        "--db",
        &url,
        "--journal",
    ]
    .iter()
    .map(Into::into)
    .collect();
    live.push(dir.path().join("journal.sqlite").into());
    live.push("--cues-wav".into());
    live.push(dir.path().join("cues.wav").into());
    run_with_input(binary, &live, b"n\nn\nn\nn\n1\n1\nn\n");
    let add: Vec<std::ffi::OsString> = ["therapist", "bench", "--db", &url]
        .iter()
        .map(Into::into)
        .collect();
    run_with_input(binary, &add, b"a long enough password\n");
    let (mut dashboard, agent, base, cookie) = dashboard(binary, &server, dir.path());
    let session = server.psql("SELECT id FROM sessions");
    let set = server.psql("SELECT id FROM sets");
    println!("| page | first (ms) | median of {PAGE_REQUESTS} (ms) |");
    println!("|---|---|---|");
    for (name, path) in [
        ("live board", "/".to_string()),
        ("patients", "/patients".to_string()),
        ("a patient's sessions", "/patients/page-1".to_string()),
        ("a session (the report)", format!("/sessions/{session}")),
        (
            "a session's flags.csv",
            format!("/sessions/{session}/flags.csv"),
        ),
        ("a set's page", format!("/sets/{set}")),
        (
            "a set's video (WebM, made on first asking)",
            format!("/sets/{set}/video.webm"),
        ),
    ] {
        let mut times = Vec::new();
        for _ in 0..=PAGE_REQUESTS {
            let started = Instant::now();
            let mut answer = agent
                .get(format!("{base}{path}"))
                .header("Cookie", &cookie)
                .call()
                .unwrap();
            assert_eq!(answer.status(), 200, "{path}");
            answer
                .body_mut()
                .with_config()
                .limit(u64::MAX)
                .read_to_vec()
                .unwrap();
            times.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        let first = times.remove(0);
        println!("| {name} | {first:.1} | {:.1} |", median(times));
    }
    let _ = dashboard.kill();
    let _ = dashboard.wait();
}

fn main() {
    // `cargo bench` passes --bench; any other argument names one part.
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let wanted = |part: &str| only.is_empty() || only.iter().any(|o| o == part);
    if wanted("load") {
        load();
    }
    if wanted("pages") {
        pages();
    }
}
