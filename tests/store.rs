//! The session store on real SQLite files: schema and migrations, events
//! read back as given, a writer killed with SIGKILL mid-set, corrupt and
//! foreign files, an unwritable folder, a full disk, and `formcheck
//! sessions`.
#![allow(clippy::unwrap_used, clippy::too_many_lines)] // a test fails by panicking; a scenario reads best whole

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use formcheck::analysis::config::Fault;
use formcheck::analysis::events::Event;
use formcheck::analysis::measure::Metric;
use formcheck::store::{
    current_version, FlagRow, HoldRow, RedFlagAnswers, RepRow, SetRow, SetStatus, SetSummaryRow,
    Store, StoreError, APPLICATION_ID, MIGRATIONS,
};
use formcheck::time::SourceTime;
use rusqlite::Connection;
use tempfile::TempDir;

use common::assert_clear_error;

// ---------------------------------------------------------------- helpers

fn tempdir() -> TempDir {
    tempfile::Builder::new()
        .prefix("formcheck-store-")
        .tempdir()
        .unwrap()
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

fn rep(index: u32, t_ms: f64) -> Event {
    Event::Rep {
        index,
        frame: u64::from(index) * 90,
        t_ms: SourceTime::from_ms(t_ms),
        eccentric_s: 1.5 + f64::from(index) * 0.01,
        turn_s: 0.25,
        concentric_s: 1.125,
        range: 90.0 + index as f32 * 0.5,
        peaks: BTreeMap::from([
            ("knee_flexion", [12.5, 95.25 + index as f32]),
            ("trunk_from_vertical", [3.0, 18.75]),
        ]),
        at_turn: BTreeMap::from([("back_bend", 2.5 + index as f32)]),
        flags: if index.is_multiple_of(3) {
            vec!["knee_depth".to_string()]
        } else {
            vec![]
        },
    }
}

fn flag_start(rule: &str, frame: u64, value: f32) -> Event {
    Event::FlagStart {
        rule: rule.to_string(),
        fault: Fault::RangeOfMotion,
        metric: Metric::KneeAngle.into(),
        value,
        limit: 95.0,
        frame,
        t_ms: SourceTime::from_ms(frame as f64 * 1000.0 / 30.0),
        message: "Not so deep: stay within your range".to_string(),
    }
}

fn flag_end(rule: &str, frame: u64, peak: f32, started: u64) -> Event {
    Event::FlagEnd {
        rule: rule.to_string(),
        metric: Metric::KneeAngle.into(),
        peak,
        limit: 95.0,
        frame,
        t_ms: SourceTime::from_ms(frame as f64 * 1000.0 / 30.0),
        duration_ms: (frame - started) as f64 * 1000.0 / 30.0,
    }
}

fn summary(reps: u32) -> Event {
    Event::SetSummary {
        exercise: "leg_press".to_string(),
        frames: 900,
        frames_without_person: 3,
        reps,
        holds: 1,
        longest_hold_s: 4.5,
        flags: BTreeMap::from([("knee_depth".to_string(), 2)]),
        cannot_measure: vec!["lumbar curvature itself".to_string()],
        rep_judgements: vec![],
    }
}

/// The rows the store should give back for `events` (flags paired by rule).
fn expected(
    events: &[Event],
) -> (
    Vec<RepRow>,
    Vec<HoldRow>,
    Vec<FlagRow>,
    Option<SetSummaryRow>,
) {
    let (mut reps, mut holds, mut flags, mut sum) = (vec![], vec![], Vec::<FlagRow>::new(), None);
    for e in events {
        match e.clone() {
            Event::Rep {
                index,
                frame,
                t_ms,
                eccentric_s,
                turn_s,
                concentric_s,
                range,
                peaks,
                at_turn,
                flags,
            } => reps.push(RepRow {
                index,
                frame,
                t_ms,
                eccentric_s,
                turn_s,
                concentric_s,
                range,
                peaks: peaks.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
                at_turn: at_turn
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v))
                    .collect(),
                flags,
            }),
            Event::Hold {
                index,
                frame,
                t_ms,
                duration_s,
                target_s,
            } => holds.push(HoldRow {
                index,
                frame,
                t_ms,
                duration_s,
                target_s,
            }),
            Event::FlagStart {
                rule,
                fault,
                metric,
                value,
                limit,
                frame,
                t_ms,
                message,
            } => flags.push(FlagRow {
                rule,
                fault,
                metric: metric.name().to_string(),
                value,
                limit,
                start_frame: frame,
                start_ms: t_ms,
                message,
                end_frame: None,
                end_ms: None,
                duration_ms: None,
                peak: None,
            }),
            Event::FlagEnd {
                rule,
                peak,
                frame,
                t_ms,
                duration_ms,
                ..
            } => {
                let open = flags
                    .iter_mut()
                    .rev()
                    .find(|f| f.rule == rule && f.end_frame.is_none())
                    .expect("a flag_end follows its flag_start");
                open.end_frame = Some(frame);
                open.end_ms = Some(t_ms);
                open.duration_ms = Some(duration_ms);
                open.peak = Some(peak);
            }
            Event::SetSummary {
                frames,
                frames_without_person,
                reps,
                holds,
                longest_hold_s,
                flags,
                cannot_measure,
                ..
            } => {
                sum = Some(SetSummaryRow {
                    frames,
                    frames_without_person,
                    reps,
                    holds,
                    longest_hold_s,
                    flags,
                    cannot_measure,
                });
            }
            Event::View { .. } | Event::CannotSee { .. } => {}
        }
    }
    (reps, holds, flags, sum)
}

fn assert_set_matches(set: &SetRow, events: &[Event]) {
    let (reps, holds, flags, sum) = expected(events);
    assert_eq!(set.reps, reps);
    assert_eq!(set.holds, holds);
    assert_eq!(set.flags, flags);
    assert_eq!(set.summary, sum);
}

fn integrity(path: &Path) -> String {
    let conn = Connection::open(path).unwrap();
    conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap()
}

fn user_version(path: &Path) -> i64 {
    Connection::open(path)
        .unwrap()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap()
}

/// Files in `dir`, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

// ------------------------------------------------------- schema, migrations

#[test]
fn a_new_database_has_the_schema_and_owner_only_permissions() {
    let dir = tempdir();
    let path = dir.path().join("station/a/formcheck.sqlite");
    let mut store = Store::open(&path).unwrap();
    store.patient("p-01", None).unwrap();
    assert_eq!(mode(&dir.path().join("station")), 0o700);
    assert_eq!(mode(&dir.path().join("station/a")), 0o700);
    assert_eq!(mode(&path), 0o600);
    assert_eq!(
        mode(&dir.path().join("station/a/formcheck.sqlite-wal")),
        0o600
    );
    assert_eq!(
        mode(&dir.path().join("station/a/formcheck.sqlite.lock")),
        0o600
    );
    drop(store);

    let conn = Connection::open(&path).unwrap();
    let get = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(get("PRAGMA user_version"), current_version());
    assert_eq!(current_version(), MIGRATIONS.len() as i64);
    assert_eq!(get("PRAGMA application_id"), i64::from(APPLICATION_ID));
    let journal: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(journal, "wal");
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        tables,
        [
            "flags",
            "holds",
            "outbox",
            "outcomes",
            "patients",
            "recordings",
            "red_flag_checks",
            "rep_at_turn",
            "rep_peaks",
            "reps",
            "session_exercises",
            "sessions",
            "sets",
            "sqlite_sequence",
            "station"
        ]
    );
    // Reopening a current database changes nothing.
    drop(conn);
    Store::open(&path).unwrap();
    assert_eq!(user_version(&path), current_version());
}

#[test]
fn a_version_1_database_is_upgraded_and_keeps_its_data() {
    let dir = tempdir();
    let path = dir.path().join("v1.sqlite");
    {
        // A database as formcheck's first schema wrote it, filled by hand.
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(&MIGRATIONS[0].sqlite()).unwrap();
        conn.execute_batch(
            "PRAGMA user_version = 1;
             INSERT INTO patients VALUES (1, 'old-01', NULL, '2025-01-02T09:00:00.000Z');
             INSERT INTO sessions VALUES (1, 1, '2025-01-02T09:00:00.000Z',
                 '2025-01-02T09:30:00.000Z', '/clinic/2025-01-02', NULL);
             INSERT INTO red_flag_checks VALUES (1, 1, '2025-01-02T09:00:10.000Z', 0, 0, 0, 0);
             INSERT INTO sets VALUES (1, 1, 'glute_bridge', 1, '/clinic/2025-01-02/set1',
                 'complete', '2025-01-02T09:01:00.000Z', '2025-01-02T09:03:00.000Z',
                 2, 2, 0, NULL, NULL);
             INSERT INTO reps VALUES (1, 1, 120, 4000.0, 1.5, 0.5, 1.5, 160.5, '[]');
             INSERT INTO reps VALUES (1, 2, 240, 8000.0, 1.5, 0.5, 1.5, 161.0, '[\"pelvis_drop\"]');
             INSERT INTO rep_peaks VALUES (1, 1, 'hip_extension', 100.0, 160.5);
             INSERT INTO flags VALUES (1, 1, 'pelvis_drop', 'rotation', 'pelvis_tilt', 6.0,
                 5.0, 200, 6666.0, 'Keep your hips level', 230, 9100.0, 2434.0, 8.5);",
        )
        .unwrap();
    }
    assert_eq!(user_version(&path), 1);

    let store = Store::open(&path).unwrap();
    assert_eq!(user_version(&path), current_version());
    let s = store.session(1).unwrap();
    assert_eq!(s.patient, "old-01");
    assert_eq!(s.folder, PathBuf::from("/clinic/2025-01-02"));
    assert_eq!(
        s.red_flags.as_ref().unwrap().answers,
        RedFlagAnswers::default()
    );
    let set = &s.sets[0];
    assert_eq!(
        (set.exercise.as_str(), set.status),
        ("glute_bridge", SetStatus::Complete)
    );
    assert_eq!(
        (set.pain_before, set.pain_after, set.leg_symptoms_spread),
        (Some(2), Some(2), Some(false))
    );
    assert_eq!(set.reps.len(), 2);
    assert_eq!(set.reps[0].peaks["hip_extension"], [100.0, 160.5]);
    assert_eq!(set.reps[1].flags, ["pelvis_drop"]);
    assert_eq!(set.flags[0].peak, Some(8.5));
    // Version 2's column, filled from the data: the latest event time.
    assert_eq!(set.last_event_ms, Some(9100.0));
    // ... and its indexes.
    let conn = Connection::open(&path).unwrap();
    let indexes: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name IN
             ('flags_by_set', 'recordings_by_set', 'sessions_by_patient', 'sets_by_exercise',
              'red_flag_checks_by_session')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(indexes, 5);
    let plan: String = conn
        .query_row(
            "EXPLAIN QUERY PLAN SELECT id FROM flags WHERE set_id = 1 AND rule = 'x' AND end_frame IS NULL",
            [],
            |r| r.get(3),
        )
        .unwrap();
    assert!(plan.contains("flags_by_set"), "{plan}");
    assert_eq!(integrity(&path), "ok");
}

#[test]
fn a_database_from_a_newer_formcheck_is_refused_untouched() {
    let dir = tempdir();
    let path = dir.path().join("new.sqlite");
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(&format!(
            "PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = 99;
             CREATE TABLE future (x);"
        ))
        .unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    match Store::open(&path) {
        Err(StoreError::Newer {
            found, supported, ..
        }) => assert_eq!((found, supported), (99, current_version())),
        other => panic!("{:?}", other.err()),
    }
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

// ---------------------------------------------------------- writes, reads

#[test]
fn sets_reps_and_flags_read_back_as_given() {
    let dir = tempdir();
    let db = dir.path().join("db.sqlite");
    let mut store = Store::open(&db).unwrap();
    let profile = dir.path().join("p.toml");
    let patient = store.patient("leg-07", Some(&profile)).unwrap();
    assert_eq!(store.patient(" leg-07 ", None).unwrap(), patient);
    let session = store.start_session(patient, dir.path()).unwrap();
    store
        .record_red_flags(session, &RedFlagAnswers::default())
        .unwrap();
    let set = store
        .start_set(session, "leg_press", 1, &dir.path().join("set1"), Some(3))
        .unwrap();
    // Two writes; a flag raised in the first is closed in the second, one
    // is still up at the end; a NaN survives as NaN.
    let mut nan_rep = rep(3, 12_000.0);
    if let Event::Rep { peaks, .. } = &mut nan_rep {
        peaks.insert("hip_flexion", [f32::NAN, 40.0]);
    }
    let first = vec![
        rep(1, 4_000.0),
        flag_start("knee_depth", 150, 97.5),
        rep(2, 8_000.0),
    ];
    let second = vec![
        flag_end("knee_depth", 190, 101.25, 150),
        nan_rep,
        Event::Hold {
            index: 1,
            frame: 500,
            t_ms: SourceTime::from_ms(16_666.0),
            duration_s: 4.5,
            target_s: 5.0,
        },
        flag_start("knee_depth", 600, 96.0),
        summary(3),
    ];
    store.add_events(set, &first).unwrap();
    store.add_events(set, &second).unwrap();
    store
        .add_recording(set, "overlay_video", Path::new("set1/overlay.mp4"))
        .unwrap();
    store
        .finish_set(set, Some(4), Some(false), Some("pain rose"))
        .unwrap();
    store
        .add_recording(set, "events", &dir.path().join("set1/events.jsonl"))
        .unwrap();
    store.end_session(session).unwrap();

    let all: Vec<Event> = first.into_iter().chain(second).collect();
    let detail = store.session(session).unwrap();
    assert_eq!(detail.patient, "leg-07");
    assert_eq!(detail.profile.as_deref(), Some(profile.as_path()));
    assert!(detail.ended_at.is_some() && detail.stopped_because.is_none());
    let s = &detail.sets[0];
    assert_eq!(s.status, SetStatus::Complete);
    assert_eq!((s.pain_before, s.pain_after), (Some(3), Some(4)));
    assert_eq!(s.leg_symptoms_spread, Some(false));
    assert_eq!(s.stopped_because.as_deref(), Some("pain rose"));
    assert_eq!(s.last_event_ms, Some(20_000.0));
    assert_eq!(s.reps[1].at_turn["back_bend"], 4.5);
    let text = formcheck::store::detail_text(&detail);
    assert!(
        text.contains("range 91.0, back's outline bent +4.5° at the turn"),
        "{text}"
    );
    assert!(s.started_at < s.finished_at.clone().unwrap());
    // NaN != NaN: check it, then compare the rest exactly.
    let mut s = s.clone();
    let hip = s.reps[2].peaks.remove("hip_flexion").unwrap();
    assert!(hip[0].is_nan() && hip[1] == 40.0);
    let mut all = all;
    if let Event::Rep { peaks, .. } = &mut all[4] {
        peaks.remove("hip_flexion");
    }
    assert_set_matches(&s, &all);
    assert_eq!(s.flags.len(), 2);
    assert_eq!(s.flags[1].end_frame, None, "still up at the end of the set");
    assert_eq!(
        s.recordings,
        [
            (
                "overlay_video".to_string(),
                std::env::current_dir().unwrap().join("set1/overlay.mp4")
            ),
            ("events".to_string(), dir.path().join("set1/events.jsonl")),
        ]
    );

    let list = store.sessions(None).unwrap();
    assert_eq!(list.len(), 1);
    let row = &list[0];
    assert_eq!(
        (row.sets, row.complete_sets, row.incomplete_sets, row.flags),
        (1, 1, 0, 2)
    );
    assert_eq!(row.red_flags, Some(RedFlagAnswers::default()));
    // (As JSON: NaN != NaN.)
    assert_eq!(
        serde_json::to_value(store.history("leg-07").unwrap()).unwrap(),
        serde_json::to_value(&detail.sets).unwrap()
    );
    assert_eq!(integrity(&db), "ok");
}

/// `formcheck analyze --events` on the sample video: whatever the analysis
/// says, the store gives back.
#[test]
fn the_events_of_a_real_analysis_read_back_as_given() {
    let dir = tempdir();
    let events_path = dir.path().join("squat.events.jsonl");
    let video = common::rendered::clip("squat-side-forward_lean").video;
    let out = Command::new(common::binary())
        .args(["analyze", video.to_str().unwrap(), "--exercise", "squat"])
        .arg("--events")
        .arg(&events_path)
        .output()
        .unwrap();
    common::assert_success(&out);
    let text = std::fs::read_to_string(&events_path).unwrap();
    let events: Vec<Event> = text.lines().filter_map(event_of_json).collect();
    assert!(events.iter().any(|e| matches!(e, Event::Rep { .. })));
    assert!(events.iter().any(|e| matches!(e, Event::FlagEnd { .. })));

    let mut store = Store::open(&dir.path().join("db.sqlite")).unwrap();
    let patient = store.patient("demo", None).unwrap();
    let session = store.start_session(patient, dir.path()).unwrap();
    let set = store
        .start_set(session, "squat", 1, dir.path(), None)
        .unwrap();
    // Fed as the live pipeline would: a few events at a time.
    for chunk in events.chunks(4) {
        store.add_events(set, chunk).unwrap();
    }
    store.finish_set(set, None, None, None).unwrap();
    let detail = store.session(session).unwrap();
    assert_set_matches(&detail.sets[0], &events);
    let sum = detail.sets[0].summary.as_ref().unwrap();
    assert_eq!(
        sum.flags.values().sum::<u32>() as usize,
        detail.sets[0].flags.len()
    );
}

/// An event of the JSON Lines log, for the kinds the store keeps.
fn event_of_json(line: &str) -> Option<Event> {
    let v: serde_json::Value = serde_json::from_str(line).unwrap();
    let s = |k: &str| v[k].as_str().unwrap().to_string();
    let metric = |k: &str| serde_json::from_value(v[k].clone()).unwrap();
    let f32_ = |k: &str| v[k].as_f64().unwrap() as f32;
    let f64_ = |k: &str| v[k].as_f64().unwrap();
    let u64_ = |k: &str| v[k].as_u64().unwrap();
    Some(match v["event"].as_str().unwrap() {
        "flag_start" => Event::FlagStart {
            rule: s("rule"),
            fault: serde_json::from_value(v["fault"].clone()).unwrap(),
            metric: metric("metric"),
            value: f32_("value"),
            limit: f32_("limit"),
            frame: u64_("frame"),
            t_ms: SourceTime::from_ms(f64_("t_ms")),
            message: s("message"),
        },
        "flag_end" => Event::FlagEnd {
            rule: s("rule"),
            metric: metric("metric"),
            peak: f32_("peak"),
            limit: f32_("limit"),
            frame: u64_("frame"),
            t_ms: SourceTime::from_ms(f64_("t_ms")),
            duration_ms: f64_("duration_ms"),
        },
        "rep" => Event::Rep {
            index: u64_("index") as u32,
            frame: u64_("frame"),
            t_ms: SourceTime::from_ms(f64_("t_ms")),
            eccentric_s: f64_("eccentric_s"),
            turn_s: f64_("turn_s"),
            concentric_s: f64_("concentric_s"),
            range: f32_("range"),
            peaks: v["peaks"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, p)| {
                    let name: &'static str = Box::leak(k.clone().into_boxed_str());
                    (
                        name,
                        [p[0].as_f64().unwrap() as f32, p[1].as_f64().unwrap() as f32],
                    )
                })
                .collect(),
            at_turn: v["at_turn"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, b)| {
                    let name: &'static str = Box::leak(k.clone().into_boxed_str());
                    (name, b.as_f64().unwrap() as f32)
                })
                .collect(),
            flags: serde_json::from_value(v["flags"].clone()).unwrap(),
        },
        "hold" => Event::Hold {
            index: u64_("index") as u32,
            frame: u64_("frame"),
            t_ms: SourceTime::from_ms(f64_("t_ms")),
            duration_s: f64_("duration_s"),
            target_s: f32_("target_s"),
        },
        "set_summary" => Event::SetSummary {
            exercise: s("exercise"),
            frames: u64_("frames"),
            frames_without_person: u64_("frames_without_person"),
            reps: u64_("reps") as u32,
            holds: u64_("holds") as u32,
            longest_hold_s: f64_("longest_hold_s"),
            flags: serde_json::from_value(v["flags"].clone()).unwrap(),
            cannot_measure: serde_json::from_value(v["cannot_measure"].clone()).unwrap(),
            rep_judgements: serde_json::from_value(v["rep_judgements"].clone()).unwrap_or_default(),
        },
        _ => return None,
    })
}

#[test]
fn a_red_flag_stops_the_session_and_is_recorded() {
    let dir = tempdir();
    let mut store = Store::open(&dir.path().join("db.sqlite")).unwrap();
    let patient = store.patient("rf-01", None).unwrap();
    let session = store.start_session(patient, dir.path()).unwrap();
    let answers = RedFlagAnswers {
        saddle_numbness: true,
        bladder_bowel: true,
        ..RedFlagAnswers::default()
    };
    store.record_red_flags(session, &answers).unwrap();
    let err = store
        .start_set(session, "glute_bridge", 1, dir.path(), None)
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::SessionEnded { because: Some(b), .. } if b.contains("saddle numbness")),
        "{err}"
    );
    let detail = store.session(session).unwrap();
    assert_eq!(detail.red_flags.unwrap().answers, answers);
    assert!(detail.ended_at.is_some());
    assert_eq!(
        detail.stopped_because.as_deref(),
        Some("red flag: saddle numbness, bladder or bowel changes")
    );
    // Ending it again keeps the first end.
    store.end_session(session).unwrap();
    assert_eq!(store.session(session).unwrap().ended_at, detail.ended_at);
}

#[test]
fn the_last_session_with_the_same_muscles() {
    let dir = tempdir();
    let db = dir.path().join("db.sqlite");
    let mut store = Store::open(&db).unwrap();
    let a = store.patient("a", None).unwrap();
    let b = store.patient("b", None).unwrap();
    assert_eq!(store.last_session_with(a, &["leg_press"]).unwrap(), None);
    let s = store.start_session(a, dir.path()).unwrap();
    store
        .start_set(s, "leg_press", 1, dir.path(), None)
        .unwrap();
    store.start_set(s, "plank", 2, dir.path(), None).unwrap();
    let sb = store.start_session(b, dir.path()).unwrap();
    store
        .start_set(sb, "knee_extension", 1, dir.path(), None)
        .unwrap();
    drop(store);
    // Pretend patient a's leg press was 30 hours ago.
    Connection::open(&db)
        .unwrap()
        .execute(
            "UPDATE sets SET started_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-30 hours')
             WHERE exercise = 'leg_press'",
            [],
        )
        .unwrap();
    let store = Store::open(&db).unwrap();
    let last = store
        .last_session_with(a, &["leg_press", "knee_extension"])
        .unwrap()
        .unwrap();
    let hours = formcheck::store::hours_since(&last).unwrap();
    assert!((29.9..30.1).contains(&hours), "{last}: {hours} h");
    let rest_h = *formcheck::safety::Programme::shipped()
        .unwrap()
        .progression
        .rest_h
        .get_ref();
    assert!(hours < rest_h);
    assert_eq!(store.last_session_with(a, &["squat"]).unwrap(), None);
    assert_eq!(store.last_session_with(a, &[]).unwrap(), None);
}

#[test]
fn wrong_ids_and_values_are_refused_with_what_is_wrong() {
    let dir = tempdir();
    let mut store = Store::open(&dir.path().join("db.sqlite")).unwrap();
    let patient = store.patient("w-01", None).unwrap();
    let session = store.start_session(patient, dir.path()).unwrap();
    assert!(matches!(
        store.session(session + 41),
        Err(StoreError::UnknownSession { id }) if id == session + 41
    ));
    assert!(matches!(
        store.start_set(999, "squat", 1, dir.path(), None),
        Err(StoreError::UnknownSession { id: 999 })
    ));
    assert!(matches!(
        store.record_red_flags(999, &RedFlagAnswers::default()),
        Err(StoreError::UnknownSession { id: 999 })
    ));
    assert!(matches!(
        store.end_session(999),
        Err(StoreError::UnknownSession { id: 999 })
    ));
    assert!(matches!(
        store.add_events(77, &[rep(1, 1.0)]),
        Err(StoreError::UnknownSet { id: 77 })
    ));
    assert!(matches!(
        store.start_set(session, "squat", 1, dir.path(), Some(11)),
        Err(StoreError::Invalid(m)) if m.contains("0 (none) to 10")
    ));
    assert!(matches!(
        store.patient("  ", None),
        Err(StoreError::Invalid(_))
    ));
    let set = store
        .start_set(session, "squat", 1, dir.path(), None)
        .unwrap();
    store.add_events(set, &[rep(1, 1.0)]).unwrap();
    // The same rep twice: the whole write is refused, the first one kept.
    let err = store
        .add_events(set, &[rep(2, 2.0), rep(1, 1.0)])
        .unwrap_err();
    assert!(err.to_string().contains("set"), "{err}");
    assert_eq!(store.session(session).unwrap().sets[0].reps.len(), 1);
    assert!(matches!(
        store.add_recording(set, "selfie", Path::new("x")),
        Err(StoreError::Invalid(m)) if m.contains("raw_video")
    ));
    store.finish_set(set, Some(2), Some(true), None).unwrap();
    assert!(matches!(
        store.add_events(set, &[rep(2, 2.0)]),
        Err(StoreError::SetClosed { status, .. }) if status == "complete"
    ));
    assert!(matches!(
        store.finish_set(set, None, None, None),
        Err(StoreError::SetClosed { .. })
    ));
    assert!(matches!(
        store.sessions(Some("nobody")),
        Err(StoreError::UnknownPatient { known, .. }) if known == "w-01"
    ));
    assert!(store.recover().unwrap().is_empty());
}

#[test]
fn recovery_leaves_the_sets_of_a_running_formcheck_alone() {
    let dir = tempdir();
    let db = dir.path().join("db.sqlite");
    let mut live = Store::open(&db).unwrap();
    let patient = live.patient("r-01", None).unwrap();
    let session = live.start_session(patient, dir.path()).unwrap();
    let set = live
        .start_set(session, "bird_dog", 1, dir.path(), None)
        .unwrap();
    // A second formcheck on the same file (another window of the station).
    let mut other = Store::open(&db).unwrap();
    assert!(other.recover().unwrap().is_empty());
    live.add_events(set, &[rep(1, 100.0)]).unwrap();
    // The first one dies without finishing its set.
    drop(live);
    assert_eq!(other.recover().unwrap(), [set]);
    let s = &other.session(session).unwrap().sets[0];
    assert_eq!(s.status, SetStatus::Incomplete);
    assert!(s.stopped_because.as_deref().unwrap().contains("crash"));
    assert_eq!(s.reps.len(), 1);
    assert!(other.recover().unwrap().is_empty());
}

// ------------------------------------------------------- kill -9 mid-set

/// Switches the test binary into the writer that the crash test kills.
const CHILD_ENV: &str = "FORMCHECK_STORE_TEST_CHILD";
/// Reps per write in the killed writer.
const BATCH: u32 = 10;

fn first_set_events() -> Vec<Event> {
    let mut events: Vec<Event> = (1..=8).map(|i| rep(i, f64::from(i) * 3000.0)).collect();
    events.insert(2, flag_start("knee_depth", 200, 97.0));
    events.insert(4, flag_end("knee_depth", 260, 99.5, 200));
    events.push(summary(8));
    events
}

/// Not a test on its own: the writer process of
/// `a_writer_killed_mid_set_leaves_a_sound_database`.
#[test]
fn kill_9_child() {
    let Some(path) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let path = PathBuf::from(path);
    let dir = path.parent().unwrap().to_path_buf();
    let mut store = Store::open(&path).unwrap();
    let patient = store.patient("crash-01", None).unwrap();
    let session = store.start_session(patient, &dir).unwrap();
    let first = store
        .start_set(session, "leg_press", 1, &dir, Some(2))
        .unwrap();
    store.add_events(first, &first_set_events()).unwrap();
    store.finish_set(first, Some(3), Some(false), None).unwrap();
    let mut out = std::io::stdout();
    writeln!(out, "FIRST_SET_COMMITTED {first}").unwrap();
    out.flush().unwrap();
    let second = store
        .start_set(session, "leg_press", 2, &dir, Some(3))
        .unwrap();
    for batch in 0u32.. {
        let mut events = Vec::new();
        for i in 1..=BATCH {
            let index = batch * BATCH + i;
            events.push(rep(index, f64::from(index) * 3000.0));
            events.push(flag_start("knee_depth", u64::from(index) * 90 + 10, 97.0));
            events.push(flag_end(
                "knee_depth",
                u64::from(index) * 90 + 40,
                98.0,
                u64::from(index) * 90 + 10,
            ));
        }
        store.add_events(second, &events).unwrap();
        if batch == 5 {
            writeln!(out, "SECOND_SET_WRITING {second}").unwrap();
            out.flush().unwrap();
        }
    }
}

#[test]
fn a_writer_killed_mid_set_leaves_a_sound_database() {
    // Killed at three moments of its stream of writes.
    for delay_ms in [23, 137, 311] {
        kill_writer_after(Duration::from_millis(delay_ms));
    }
}

fn kill_writer_after(delay: Duration) {
    let dir = tempdir();
    let db = dir.path().join("crash.sqlite");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "kill_9_child", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, &db)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut first = None;
    let mut second = None;
    for line in lines.by_ref() {
        let line = line.unwrap();
        // (The harness prints "test kill_9_child ... " before the first.)
        if let Some((_, id)) = line.split_once("FIRST_SET_COMMITTED ") {
            first = Some(id.parse::<i64>().unwrap());
        }
        if let Some((_, id)) = line.split_once("SECOND_SET_WRITING ") {
            second = Some(id.parse::<i64>().unwrap());
            break;
        }
    }
    let (Some(first), Some(second)) = (first, second) else {
        let _ = child.kill();
        panic!("the writer stopped before writing its second set");
    };
    // Let it write a little longer, then kill it mid-stream.
    std::thread::sleep(delay);
    let killed = Command::new("kill")
        .args(["-9", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(9),
        "{status:?}"
    );
    assert!(
        dir.path().join("crash.sqlite-wal").exists(),
        "a hot log is left"
    );

    // Opening the store (read-only check first) copes with the hot log.
    let mut store = Store::open(&db).unwrap();
    assert_eq!(integrity(&db), "ok");
    let detail = store.session(1).unwrap();
    let set1 = &detail.sets[0];
    assert_eq!((set1.id, set1.status), (first, SetStatus::Complete));
    assert_eq!((set1.pain_before, set1.pain_after), (Some(2), Some(3)));
    assert_set_matches(set1, &first_set_events());

    assert_eq!(store.recover().unwrap(), [second]);
    let set2 = &store.session(1).unwrap().sets[1];
    assert_eq!((set2.id, set2.status), (second, SetStatus::Incomplete));
    // Every write is all or nothing: whole batches of reps, each rep's
    // flag closed.
    let reps = set2.reps.len() as u32;
    assert!(reps >= 6 * BATCH, "{reps} reps");
    assert_eq!(reps % BATCH, 0, "{reps} reps: a write was half stored");
    assert_eq!(set2.flags.len() as u32, reps);
    assert!(set2.flags.iter().all(|f| f.end_frame.is_some()));
    // The last event stored: the flag_end of the last rep, 40 frames in.
    let last = (f64::from(reps) * 90.0 + 40.0) * 1000.0 / 30.0;
    assert!((set2.last_event_ms.unwrap() - last).abs() < 1e-6);
    eprintln!(
        "killed {} ms after the second set began: {reps} of its reps were committed",
        delay.as_millis()
    );
}

// ----------------------------------------------------- files that are not ours

fn assert_refused_untouched(path: &Path, why: &str) {
    let dir = path.parent().unwrap();
    let before = std::fs::read(path).unwrap();
    let files = listing(dir);
    let Err(err) = Store::open(path) else {
        panic!("{} was opened", path.display())
    };
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
    let message = err.to_string();
    assert!(
        message.contains("not a formcheck database or damaged"),
        "{message}"
    );
    assert!(message.contains("the file was left as it is"), "{message}");
    assert!(message.contains(why), "{message}");
    assert_eq!(
        std::fs::read(path).unwrap(),
        before,
        "the file was modified"
    );
    assert_eq!(listing(dir), files, "files were created next to it");
}

#[test]
fn random_bytes_are_refused_and_left_untouched() {
    let dir = tempdir();
    let path = dir.path().join("random.sqlite");
    // Deterministic noise (xorshift), 64 KiB.
    let mut x = 0x9e37_79b9_7f4a_7c15_u64;
    let bytes: Vec<u8> = (0..65_536)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    std::fs::write(&path, bytes).unwrap();
    assert_refused_untouched(&path, "SQLite's header");
}

#[test]
fn a_text_file_is_refused_and_left_untouched() {
    let dir = tempdir();
    let path = dir.path().join("notes.txt");
    std::fs::write(&path, "patient notes, not a database\n").unwrap();
    assert_refused_untouched(&path, "shorter than an SQLite header");
}

#[test]
fn a_truncated_database_is_refused_and_left_untouched() {
    let dir = tempdir();
    let path = dir.path().join("db.sqlite");
    {
        let mut store = Store::open(&path).unwrap();
        let p = store.patient("t-01", None).unwrap();
        let s = store.start_session(p, dir.path()).unwrap();
        let set = store.start_set(s, "squat", 1, dir.path(), None).unwrap();
        let events: Vec<Event> = (1..=400).map(|i| rep(i, f64::from(i))).collect();
        store.add_events(set, &events).unwrap();
        store.finish_set(set, None, None, None).unwrap();
    }
    // Closed cleanly: everything is in the main file, no log beside it.
    let full = std::fs::read(&path).unwrap();
    assert!(full.len() > 16 * 4096, "{} bytes", full.len());
    std::fs::write(&path, &full[..full.len() / 2]).unwrap();
    std::fs::remove_file(dir.path().join("db.sqlite.lock")).unwrap();
    assert_refused_untouched(&path, "");
}

#[test]
fn another_programs_sqlite_database_is_refused_untouched() {
    let dir = tempdir();
    let path = dir.path().join("places.sqlite");
    Connection::open(&path)
        .unwrap()
        .execute_batch("CREATE TABLE moz_places (url TEXT); INSERT INTO moz_places VALUES ('x');")
        .unwrap();
    assert_refused_untouched(&path, "another program's SQLite database");
}

// ------------------------------------------------- unwritable, full disk

/// Runs `test` in a child process of this test binary as user `nobody`,
/// for the checks that root would pass whatever the permissions.
const AS_NOBODY_ENV: &str = "FORMCHECK_STORE_TEST_AS_NOBODY";
const NOBODY: u32 = 65534;

#[test]
fn unwritable_folder_child() {
    let Some(dir) = std::env::var_os(AS_NOBODY_ENV) else {
        return;
    };
    unwritable_folder_checks(Path::new(&dir));
}

fn unwritable_folder_checks(dir: &Path) {
    let locked = dir.join("locked");
    std::fs::create_dir(&locked).unwrap();
    // A database made while the folder was writable...
    let existing = locked.join("old.sqlite");
    {
        let mut store = Store::open(&existing).unwrap();
        store.patient("u-01", None).unwrap();
    }
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o500)).unwrap();
    // ...a new one cannot be created...
    let new = locked.join("sub/new.sqlite");
    let err = Store::open(&new).err().expect("refused");
    assert!(matches!(err, StoreError::Unwritable { .. }), "{err}");
    assert!(err.to_string().contains("Permission denied"), "{err}");
    assert!(err.to_string().contains("--db"), "{err}");
    // ...and the old one still reads back once the folder is writable.
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o700)).unwrap();
    let store = Store::open(&existing).unwrap();
    assert_eq!(store.patient_id("u-01").unwrap(), 1);
    // A database file that is read-only for its owner.
    drop(store);
    std::fs::set_permissions(&existing, std::fs::Permissions::from_mode(0o400)).unwrap();
    let err = Store::open(&existing).err().expect("refused");
    assert!(matches!(err, StoreError::Unwritable { .. }), "{err}");
}

#[test]
fn an_unwritable_folder_is_a_clear_error() {
    let dir = tempdir();
    if !is_root() {
        unwritable_folder_checks(dir.path());
        return;
    }
    // Root writes whatever the modes say: run the checks as `nobody`.
    std::os::unix::fs::chown(dir.path(), Some(NOBODY), Some(NOBODY)).unwrap();
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "unwritable_folder_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(AS_NOBODY_ENV, dir.path())
        .uid(NOBODY)
        .gid(NOBODY)
        .output()
        .unwrap();
    if !out.status.success()
        && String::from_utf8_lossy(&out.stderr).contains("Permission denied (os error 13)")
        && !dir.path().join("locked").exists()
    {
        eprintln!("skipped: running as root and user nobody cannot run this test binary");
        return;
    }
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 passed"));
}

#[test]
fn a_read_only_filesystem_is_a_clear_error() {
    let dir = tempdir();
    let Some(_fs) = common::Tmpfs::mount(dir.path(), "ro,size=64k") else {
        return;
    };
    let err = Store::open(&dir.path().join("formcheck.sqlite"))
        .err()
        .expect("refused");
    assert!(matches!(err, StoreError::Unwritable { .. }), "{err}");
    assert!(err.to_string().contains("Read-only file system"), "{err}");
}

#[test]
fn a_full_disk_names_the_cause_and_loses_no_earlier_set() {
    let dir = tempdir();
    let Some(_fs) = common::Tmpfs::mount(dir.path(), "size=512k") else {
        return;
    };
    let db = dir.path().join("formcheck.sqlite");
    let mut store = Store::open(&db).unwrap();
    let patient = store.patient("full-01", None).unwrap();
    let session = store.start_session(patient, dir.path()).unwrap();
    let first = store
        .start_set(session, "leg_press", 1, dir.path(), Some(1))
        .unwrap();
    store.add_events(first, &first_set_events()).unwrap();
    store.finish_set(first, Some(1), Some(false), None).unwrap();

    // Fill the disk with another file, then give a little back: the
    // second set gets some writes in before the disk is full.
    let mut filler = std::fs::File::create(dir.path().join("filler")).unwrap();
    let block = vec![0x55u8; 4096];
    while filler
        .write_all(&block)
        .and_then(|()| filler.sync_all())
        .is_ok()
    {}
    let len = filler.metadata().unwrap().len();
    filler.set_len(len.saturating_sub(48 * 1024)).unwrap();
    drop(filler);

    let second = store.start_set(session, "leg_press", 2, dir.path(), None);
    let mut failure = None;
    let mut stored = 0;
    if let Ok(second) = second {
        for batch in 0u32..2000 {
            let events: Vec<Event> = (1..=BATCH).map(|i| rep(batch * BATCH + i, 1.0)).collect();
            match store.add_events(second, &events) {
                Ok(()) => stored += BATCH,
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            }
        }
    } else {
        failure = second.err();
    }
    let err = failure.expect("the disk filled up");
    assert!(matches!(err, StoreError::DiskFull { .. }), "{err}");
    assert!(err.to_string().contains("the disk is full"), "{err}");
    eprintln!("disk full after {stored} more reps: {err}");

    // Still full: the earlier set reads back, from this store and a new one.
    let detail = store.session(session).unwrap();
    assert_set_matches(&detail.sets[0], &first_set_events());
    drop(store);
    std::fs::remove_file(dir.path().join("filler")).unwrap();
    let mut store = Store::open(&db).unwrap();
    assert_eq!(integrity(&db), "ok");
    let detail = store.session(session).unwrap();
    assert_eq!(detail.sets[0].status, SetStatus::Complete);
    assert_set_matches(&detail.sets[0], &first_set_events());
    if let Some(set) = detail.sets.get(1) {
        assert_eq!(set.reps.len() as u32, stored, "a failed write left rows");
        assert_eq!(store.recover().unwrap(), [set.id]);
    }
}

// --------------------------------------------------- formcheck sessions

fn sessions_cli(args: &[&str], db: &Path) -> Output {
    Command::new(common::binary())
        .arg("sessions")
        .args(args)
        .arg("--db")
        .arg(db)
        .output()
        .unwrap()
}

fn stdout(out: &Output) -> String {
    common::assert_success(out);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn formcheck_sessions_lists_one_line_per_session() {
    let dir = tempdir();
    let db = dir.path().join("db.sqlite");
    // No database yet: nothing is created.
    let text = stdout(&sessions_cli(&[], &db));
    assert!(text.contains("no sessions recorded"), "{text}");
    assert!(!db.exists());
    // An empty database.
    drop(Store::open(&db).unwrap());
    assert_eq!(
        stdout(&sessions_cli(&[], &db)).trim(),
        "no sessions recorded"
    );

    let mut store = Store::open(&db).unwrap();
    for (name, sets) in [("anna-3", 2), ("ben-12", 1), ("anna-3", 1)] {
        let p = store.patient(name, None).unwrap();
        let s = store.start_session(p, dir.path()).unwrap();
        store
            .record_red_flags(s, &RedFlagAnswers::default())
            .unwrap();
        for n in 1..=sets {
            let set = store
                .start_set(s, "leg_press", n, dir.path(), Some(2))
                .unwrap();
            store.add_events(set, &first_set_events()).unwrap();
            store.finish_set(set, Some(2), Some(false), None).unwrap();
        }
        store.end_session(s).unwrap();
    }
    let p = store.patient("cara-1", None).unwrap();
    let s = store.start_session(p, dir.path()).unwrap();
    store
        .record_red_flags(
            s,
            &RedFlagAnswers {
                both_legs: true,
                ..Default::default()
            },
        )
        .unwrap();
    drop(store);

    let text = stdout(&sessions_cli(&[], &db));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 5, "{text}");
    assert!(
        lines[0].contains("session") && lines[0].contains("patient"),
        "{text}"
    );
    assert!(
        lines[1].contains("anna-3") && lines[2].contains("ben-12"),
        "{text}"
    );
    assert!(lines[4].contains("red flag: both legs affected"), "{text}");
    eprintln!("{text}");

    let text = stdout(&sessions_cli(&["--patient", "anna-3"], &db));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[1..].iter().all(|l| l.contains("anna-3")), "{text}");

    let detail = stdout(&sessions_cli(&["1"], &db));
    assert!(
        detail.contains("set 2 leg_press: complete, 8 reps"),
        "{detail}"
    );
    assert!(
        detail.contains("red-flag check: no to all four"),
        "{detail}"
    );

    let json = stdout(&sessions_cli(&["--json"], &db));
    let rows: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 4);

    // The default path comes from FORMCHECK_DB.
    let out = Command::new(common::binary())
        .args(["sessions", "--patient", "ben-12"])
        .env("FORMCHECK_DB", &db)
        .output()
        .unwrap();
    assert_eq!(stdout(&out).lines().count(), 2);

    assert_clear_error(
        &sessions_cli(&["--patient", "dan"], &db),
        "no patient `dan`",
    );
    assert_clear_error(&sessions_cli(&["42"], &db), "no session 42");
}

#[test]
fn formcheck_sessions_on_a_corrupt_database_is_a_clear_error() {
    let dir = tempdir();
    let db = dir.path().join("broken.sqlite");
    std::fs::write(&db, vec![7u8; 8192]).unwrap();
    let out = sessions_cli(&[], &db);
    assert_clear_error(&out, "not a formcheck database or damaged");
    assert_eq!(std::fs::read(&db).unwrap(), vec![7u8; 8192]);
}

// ------------------------------------------------------------- timing

/// How long a typical write takes (run with `--ignored --nocapture`).
#[test]
#[ignore]
fn timing_of_writes() {
    let mut folder = tempfile::Builder::new();
    folder.prefix("formcheck-store-");
    let dir = match std::env::var_os("STORE_TIMING_DIR") {
        Some(parent) => folder.tempdir_in(parent),
        None => folder.tempdir(),
    }
    .unwrap();
    let db = dir.path().join("db.sqlite");
    let mut store = Store::open(&db).unwrap();
    let p = store.patient("time-01", None).unwrap();
    let mut per_rep = Vec::new();
    let mut per_set = Vec::new();
    let sessions: usize = std::env::var("STORE_TIMING_SESSIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(5);
    for session in 0..sessions {
        let s = store.start_session(p, dir.path()).unwrap();
        store
            .record_red_flags(s, &RedFlagAnswers::default())
            .unwrap();
        for n in 1..=6u32 {
            let t = Instant::now();
            let set = store
                .start_set(s, "leg_press", n, dir.path(), Some(2))
                .unwrap();
            // A set of 12 reps, written as the live pipeline would: each rep
            // as it ends, with a flag now and then, then the summary.
            for i in 1..=12u32 {
                let mut events = vec![rep(i, f64::from(i) * 4000.0)];
                if i.is_multiple_of(4) {
                    let f = u64::from(i) * 90;
                    events.push(flag_start("knee_depth", f, 97.0));
                    events.push(flag_end("knee_depth", f + 20, 98.0, f));
                }
                let w = Instant::now();
                store.add_events(set, &events).unwrap();
                per_rep.push(w.elapsed().as_secs_f64() * 1000.0);
            }
            store.add_events(set, &[summary(12)]).unwrap();
            store.finish_set(set, Some(2), Some(false), None).unwrap();
            per_set.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        store.end_session(s).unwrap();
        if session == 0 {
            drop(store);
            let size = std::fs::metadata(&db).unwrap().len()
                + std::fs::metadata(dir.path().join("db.sqlite-wal")).map_or(0, |m| m.len());
            eprintln!("one session of 6 sets x 12 reps: database {size} bytes (closed)");
            store = Store::open(&db).unwrap();
        }
    }
    per_rep.sort_by(f64::total_cmp);
    let median = per_rep[per_rep.len() / 2];
    let p95 = per_rep[per_rep.len() * 95 / 100];
    let set_median = {
        per_set.sort_by(f64::total_cmp);
        per_set[per_set.len() / 2]
    };
    let t = Instant::now();
    let detail = store.session(1).unwrap();
    let read_ms = t.elapsed().as_secs_f64() * 1000.0;
    assert_eq!(detail.sets.len(), 6);
    drop(store);
    let t = Instant::now();
    drop(Store::open(&db).unwrap());
    let open_ms = t.elapsed().as_secs_f64() * 1000.0;
    let size = std::fs::metadata(&db).unwrap().len();
    eprintln!(
        "add_events (one rep): median {median:.2} ms, p95 {p95:.2} ms; a whole set (start, 12 writes, \
         summary, finish): median {set_median:.1} ms; reading a session: {read_ms:.2} ms; open: \
         {open_ms:.2} ms (with its integrity check); {sessions} sessions: {size} bytes"
    );
}
