//! A clinic on many stations: `formcheck live --patient --db postgres://…`
//! against a real PostgreSQL server started for each test, with stations
//! running at once, the server stopped mid-set, and a station killed.

#![allow(clippy::unwrap_used)] // a failed step is a panic with its cause

mod common;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::postgres::PgServer;
use common::station::Play;
use serde_json::Value;
use sha2::Digest;

/// Stations run one test at a time: each test already runs two pipelines.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// A rendered set of glute bridges whose last reps over-arch the back: reps
/// and flags to deliver.
const CLIP: &str = "samples/glute_bridge-side-over_arch.mp4";

/// Four red-flag noes, pain 2 before; after: pain 2, no spreading.
const ANSWERS: &str = "n\nn\nn\nn\n2\n2\nn\n";

fn scratch() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// A station: `formcheck live --patient` on the clip, its journal in `dir`,
/// storing into `server`; answers on stdin.
fn station(server: &PgServer, dir: &Path, name: &str, patient: &str, realtime: bool) -> Child {
    let play = Play {
        clip: CLIP,
        exercise: "glute_bridge",
        realtime,
    };
    common::station::start(&server.url(), dir, name, patient, &play, ANSWERS)
}

/// A station whose storage comes from a settings file (no --db, --journal,
/// --station or --recordings).
fn station_from_settings(settings: &Path, dir: &Path, patient: &str) -> Child {
    let mut child = Command::new(common::binary())
        .env("FORMCHECK_SETTINGS", settings)
        .env_remove("FORMCHECK_DB")
        .args(["live", "--source"])
        .arg(common::root().join(CLIP))
        .args([
            "--no-window",
            "--exercise",
            "glute_bridge",
            "--model",
            "lite",
        ])
        .args(["--patient", patient, "--cues-wav"])
        .arg(dir.join("settings.wav"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .as_mut()
        .unwrap()
        .write_all(ANSWERS.as_bytes())
        .unwrap();
    child
}

fn finished(child: Child) -> Output {
    let out = child.wait_with_output().unwrap();
    common::assert_success(&out);
    out
}

fn client(server: &PgServer) -> postgres::Client {
    postgres::Client::connect(&server.url(), postgres::NoTls).unwrap()
}

/// The events a set recorded in its folder.
fn events(folder: &Path) -> Vec<Value> {
    std::fs::read_to_string(folder.join("events.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Every set on the server, by folder: (status, pain before and after,
/// reps, flags as (rule, start ms)).
type ServerSet = (String, Option<i64>, Option<i64>, i64, Vec<(String, f64)>);

fn server_sets(db: &mut postgres::Client) -> BTreeMap<PathBuf, ServerSet> {
    let mut sets = BTreeMap::new();
    for row in db
        .query(
            "SELECT t.id, t.folder, t.status, t.pain_before, t.pain_after,
                 (SELECT count(*) FROM reps r WHERE r.set_id = t.id)
             FROM sets t",
            &[],
        )
        .unwrap()
    {
        let id: i64 = row.get(0);
        let flags = db
            .query(
                "SELECT rule, start_ms FROM flags WHERE set_id = $1 ORDER BY start_frame, id",
                &[&id],
            )
            .unwrap()
            .iter()
            .map(|f| (f.get(0), f.get(1)))
            .collect();
        sets.insert(
            PathBuf::from(row.get::<_, String>(1)),
            (row.get(2), row.get(3), row.get(4), row.get(5), flags),
        );
    }
    sets
}

/// The set on the server is the set the station recorded: its reps and its
/// flags (rule and time) are the events in its folder.
fn assert_set_is_its_events(folder: &Path, set: &ServerSet) {
    let recorded = events(folder);
    let reps = recorded.iter().filter(|e| e["event"] == "rep").count();
    assert!(reps > 0, "{}: the clip has reps", folder.display());
    assert_eq!(set.3, i64::try_from(reps).unwrap(), "{}", folder.display());
    let flags: Vec<(String, f64)> = recorded
        .iter()
        .filter(|e| e["event"] == "flag_start")
        .map(|e| {
            (
                e["rule"].as_str().unwrap().to_string(),
                e["t_ms"].as_f64().unwrap(),
            )
        })
        .collect();
    assert!(
        !flags.is_empty(),
        "{}: the clip over-arches",
        folder.display()
    );
    assert_eq!(set.4.len(), flags.len(), "{}", folder.display());
    for ((rule, t), (want_rule, want_t)) in set.4.iter().zip(&flags) {
        assert_eq!(rule, want_rule);
        assert!((t - want_t).abs() < 1e-6, "{rule}: {t} against {want_t}");
    }
}

/// Each table's rows on the server equal the journal's rows of `journal`
/// (every column, compared as text), and its outbox is empty: everything
/// arrived, once.
fn assert_server_has_the_journal(db: &mut postgres::Client, journal: &Path) {
    let local = rusqlite::Connection::open(journal).unwrap();
    let waiting: i64 = local
        .query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))
        .unwrap();
    assert_eq!(waiting, 0, "{}: nothing waits", journal.display());
    let base: i64 = local
        .query_row("SELECT id_base FROM station", [], |r| r.get(0))
        .unwrap();
    for (table, key) in [
        ("sessions", "id"),
        ("sets", "id"),
        ("flags", "id"),
        ("recordings", "id"),
        ("red_flag_checks", "id"),
        ("reps", "set_id, idx"),
        ("rep_peaks", "set_id, rep_idx, metric"),
        ("rep_at_turn", "set_id, rep_idx, metric"),
        ("holds", "set_id, idx"),
    ] {
        let owner = if table.starts_with("rep") || table == "holds" {
            "set_id"
        } else {
            "id"
        };
        let sql = format!(
            "SELECT * FROM {table} WHERE {owner} > {base} AND {owner} <= {base} + 4294967296 \
             ORDER BY {key}"
        );
        let mine: Vec<Vec<String>> = local
            .prepare(&sql)
            .unwrap()
            .query_map([], |r| {
                Ok((0..r.as_ref().column_count())
                    .map(|i| sqlite_text(r.get_ref(i).unwrap()))
                    .collect())
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let theirs: Vec<Vec<String>> = db
            .query(&sql, &[])
            .unwrap()
            .iter()
            .map(|r| (0..r.len()).map(|i| postgres_text(r, i)).collect())
            .collect();
        assert_eq!(mine, theirs, "{table} of {}", journal.display());
    }
}

fn sqlite_text(v: rusqlite::types::ValueRef<'_>) -> String {
    use rusqlite::types::ValueRef;
    match v {
        ValueRef::Null => "NULL".into(),
        ValueRef::Integer(i) => i.to_string(),
        ValueRef::Real(r) => format!("{r:?}"),
        ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
        ValueRef::Blob(_) => "blob".into(),
    }
}

fn postgres_text(row: &postgres::Row, i: usize) -> String {
    use postgres::types::Type;
    let ty = row.columns()[i].type_();
    if *ty == Type::INT8 {
        row.get::<_, Option<i64>>(i)
            .map_or("NULL".into(), |v| v.to_string())
    } else if *ty == Type::FLOAT8 {
        row.get::<_, Option<f64>>(i)
            .map_or("NULL".into(), |v| format!("{v:?}"))
    } else {
        row.get::<_, Option<String>>(i)
            .unwrap_or_else(|| "NULL".into())
    }
}

/// Waits until `journal` has a set being recorded.
fn wait_for_set(journal: &Path) {
    let started = Instant::now();
    loop {
        let recording = rusqlite::Connection::open(journal).ok().and_then(|c| {
            c.query_row(
                "SELECT count(*) FROM sets WHERE status = 'recording'",
                [],
                |r| r.get::<_, i64>(0),
            )
            .ok()
        });
        if recording.unwrap_or(0) > 0 {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{}: no set started",
            journal.display()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn two_stations_at_once_deliver_every_set_rep_and_flag_and_the_same_patient_never_collides() {
    let _one = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let server = PgServer::start();
    let dir = scratch();
    // Two stations, one patient each, and the same patient on both.
    let a = station(&server, dir.path(), "station-a", "c-1", false);
    let b = station(&server, dir.path(), "station-b", "c-1", false);
    let (a, b) = (finished(a), finished(b));
    for out in [&a, &b] {
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("everything recorded is on the clinic's server"),
            "{stderr}"
        );
    }
    let mut db = client(&server);
    let patients: i64 = db
        .query_one("SELECT count(*) FROM patients WHERE pseudonym = 'c-1'", &[])
        .unwrap()
        .get(0);
    assert_eq!(patients, 1, "one patient, whichever station saw them");
    let sessions: i64 = db
        .query_one(
            "SELECT count(*) FROM sessions s JOIN patients p ON p.id = s.patient_id
             WHERE p.pseudonym = 'c-1' AND s.ended_at IS NOT NULL",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(sessions, 2);
    let sets = server_sets(&mut db);
    assert_eq!(sets.len(), 2, "{sets:?}");
    for (folder, set) in &sets {
        assert_eq!(set.0, "complete");
        assert_eq!((set.1, set.2), (Some(2), Some(2)));
        assert_set_is_its_events(folder, set);
    }
    for name in ["station-a", "station-b"] {
        assert_server_has_the_journal(&mut db, &dir.path().join(format!("{name}.sqlite")));
    }
    // Every file of both sets is in the clinic's recordings folder, as
    // the server says, and hashes as the station's file.
    let share = dir.path().join("clinic-recordings");
    let files = db
        .query("SELECT path, shared_path, sha256 FROM recordings", &[])
        .unwrap();
    assert_eq!(files.len(), 10, "5 files a set");
    for row in files {
        let (path, shared, sha): (String, Option<String>, Option<String>) =
            (row.get(0), row.get(1), row.get(2));
        let shared = PathBuf::from(shared.expect("copied"));
        assert!(shared.starts_with(&share), "{}", shared.display());
        assert_eq!(
            std::fs::read(&shared).unwrap(),
            std::fs::read(&path).unwrap()
        );
        let digest = sha2::Sha256::digest(std::fs::read(&shared).unwrap());
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(sha.as_deref(), Some(hex.as_str()), "{path}");
    }
    // The live board heard from both, the session ended.
    for row in db
        .query("SELECT name, live FROM stations ORDER BY name", &[])
        .unwrap()
    {
        let live: Value = serde_json::from_str(row.get::<_, &str>(1)).unwrap();
        assert_eq!(live["patient"], "c-1", "{live}");
        assert_eq!(live["ended"], true, "{live}");
    }
}

#[test]
fn a_server_away_at_the_start_and_stopped_mid_set_loses_nothing_and_doubles_nothing() {
    let _one = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let server = PgServer::start();
    let dir = scratch();
    let journal = dir.path().join("station-c.sqlite");
    // Away at the start: the station starts anyway and records the set.
    server.stop();
    let child = station(&server, dir.path(), "station-c", "c-2", true);
    wait_for_set(&journal);
    std::thread::sleep(Duration::from_secs(2));
    // Back mid-set, away again, back again.
    server.restart();
    std::thread::sleep(Duration::from_secs(4));
    server.stop();
    std::thread::sleep(Duration::from_secs(4));
    server.restart();
    let out = finished(child);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("recording on this station"), "{stderr}");
    let mut db = client(&server);
    let sets = server_sets(&mut db);
    assert_eq!(sets.len(), 1, "{sets:?}");
    let (folder, set) = sets.iter().next().unwrap();
    assert_eq!(set.0, "complete");
    assert_set_is_its_events(folder, set);
    assert_server_has_the_journal(&mut db, &journal);
}

#[test]
fn a_station_killed_mid_set_leaves_the_other_and_the_server_unharmed_and_is_recovered() {
    let _one = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let server = PgServer::start();
    let dir = scratch();
    let killed_journal = dir.path().join("station-k.sqlite");
    let mut killed = station(&server, dir.path(), "station-k", "c-3", true);
    let other = station(&server, dir.path(), "station-o", "c-4", true);
    wait_for_set(&killed_journal);
    std::thread::sleep(Duration::from_secs(4));
    killed.kill().unwrap(); // SIGKILL
    let _ = killed.wait();
    let other = finished(other);
    let stderr = String::from_utf8_lossy(&other.stderr);
    assert!(
        stderr.contains("everything recorded is on the clinic's server"),
        "{stderr}"
    );
    let mut db = client(&server);
    assert_server_has_the_journal(&mut db, &dir.path().join("station-o.sqlite"));
    // The killed station's next start, its storage now set in the settings
    // file, recovers its set (incomplete, with what was stored) and
    // delivers it.
    let settings = dir.path().join("formcheck.toml");
    std::fs::write(
        &settings,
        format!(
            "db = \"{}\"\njournal = \"station-k.sqlite\"\nstation = \"station-k\"\n\
             recordings = \"clinic-recordings\"\n",
            server.url()
        ),
    )
    .unwrap();
    let again = finished(station_from_settings(&settings, dir.path(), "c-3"));
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(stderr.contains("cut short last time"), "{stderr}");
    assert_server_has_the_journal(&mut db, &killed_journal);
    let statuses: Vec<String> = db
        .query(
            "SELECT t.status FROM sets t JOIN sessions s ON s.id = t.session_id
             JOIN patients p ON p.id = s.patient_id WHERE p.pseudonym = 'c-3'
             ORDER BY t.started_at",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(statuses, ["incomplete", "complete"]);
}

#[test]
fn the_server_and_a_station_have_the_same_tables_columns_and_keys() {
    let server = PgServer::start();
    let address = formcheck::clinic::ServerAddress::parse(&server.url()).unwrap();
    drop(formcheck::clinic::Server::connect(&address).unwrap());
    let dir = scratch();
    let path = dir.path().join("formcheck.sqlite");
    drop(formcheck::store::Store::open(&path).unwrap());
    let local = rusqlite::Connection::open(&path).unwrap();
    let mut db = client(&server);
    for table in formcheck::store::DELIVERED_TABLES {
        let mine: Vec<(String, bool, bool)> = local
            .prepare(&format!(
                "SELECT name, \"notnull\", pk > 0 FROM pragma_table_info('{table}') ORDER BY cid"
            ))
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let theirs: Vec<(String, bool, bool)> = db
            .query(
                "SELECT c.column_name::text, c.is_nullable = 'NO',
                     EXISTS (SELECT 1 FROM information_schema.key_column_usage k
                         JOIN information_schema.table_constraints t
                             ON t.constraint_name = k.constraint_name
                         WHERE t.constraint_type = 'PRIMARY KEY' AND k.table_name = c.table_name
                             AND k.column_name = c.column_name)
                 FROM information_schema.columns c
                 WHERE c.table_name = $1 ORDER BY c.ordinal_position",
                &[table],
            )
            .unwrap()
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect();
        // SQLite's primary keys may hold NULL unless said otherwise; the
        // columns, their order and the keys are what must agree.
        let strip = |v: &[(String, bool, bool)]| -> Vec<(String, bool)> {
            v.iter().map(|(n, _, k)| (n.clone(), *k)).collect()
        };
        assert_eq!(strip(&mine), strip(&theirs), "{table}");
        let required = |v: &[(String, bool, bool)]| -> Vec<String> {
            v.iter()
                .filter(|(_, nn, k)| *nn && !*k)
                .map(|(n, _, _)| n.clone())
                .collect()
        };
        assert_eq!(
            required(&mine),
            required(&theirs),
            "{table}: NOT NULL columns"
        );
    }
    let version = server.psql("SELECT version FROM formcheck_schema");
    assert_eq!(version, formcheck::store::current_version().to_string());
}

#[test]
fn the_rest_between_resistance_sessions_counts_the_sets_done_on_other_stations() {
    let _one = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let server = PgServer::start();
    let dir = scratch();
    let squat = Play {
        clip: "samples/squat-side-clean.mp4",
        exercise: "squat",
        realtime: false,
    };
    let run = |name: &str| {
        let out = finished(common::station::start(
            &server.url(),
            dir.path(),
            name,
            "c-9",
            &squat,
            ANSWERS,
        ));
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let first = run("station-r1");
    assert!(!first.contains("You trained these muscles"), "{first}");
    // The next session of the same patient, on another station: warned.
    let second = run("station-r2");
    assert!(
        second.contains("You trained these muscles 0 hours ago"),
        "{second}"
    );
    // The server away: the station says what it could not check.
    server.stop();
    let third = run("station-r3");
    assert!(
        third.contains("checked against this station's sets only"),
        "{third}"
    );
    assert!(!third.contains("You trained these muscles"), "{third}");
}
