//! Reading the clinic's server: the stations, the patients, and a patient's
//! whole record as a store in memory.
//!
//! The server holds the same tables as a station's store, so a patient's
//! rows are copied into a [`Store`] in memory and read there: the sessions
//! list, a session in detail and the report are then the very code that
//! reads a patient's own database ([`crate::store`], [`crate::report`]),
//! not a second reader of the same tables.

use postgres::types::Type;
use postgres::GenericClient;
use rusqlite::types::Value;
use serde::Serialize;

use super::board::StationNow;
use super::error::ClinicError;
use super::server::sql;
use crate::store::{Store, DELIVERED_TABLES};

/// A station as the live board lists it.
#[derive(Debug, Clone, Serialize)]
pub struct StationRow {
    /// Its name.
    pub name: String,
    /// Seconds since it was last heard from (`None`: never).
    pub silent_s: Option<f64>,
    /// What it said it was doing, last time.
    pub now: Option<StationNow>,
}

/// A patient as the patients' page lists them.
#[derive(Debug, Clone, Serialize)]
pub struct PatientRow {
    /// The pseudonym.
    pub pseudonym: String,
    /// Sessions recorded.
    pub sessions: i64,
    /// The start of the latest one (RFC 3339 UTC).
    pub last_session: Option<String>,
    /// Flags raised in all of them.
    pub flags: i64,
}

/// The stations, by name.
pub fn stations(db: &mut impl GenericClient, server: &str) -> Result<Vec<StationRow>, ClinicError> {
    let rows = db
        .query(
            "SELECT name, live,
                 extract(epoch FROM (now() - last_seen::timestamptz))::float8
             FROM stations ORDER BY name, uid",
            &[],
        )
        .map_err(sql(server, "cannot read the stations"))?;
    Ok(rows
        .iter()
        .map(|r| StationRow {
            name: r.get(0),
            now: r
                .get::<_, Option<&str>>(1)
                .and_then(|live| serde_json::from_str(live).ok()),
            silent_s: r.get(2),
        })
        .collect())
}

/// The patients, by pseudonym.
pub fn patients(db: &mut impl GenericClient, server: &str) -> Result<Vec<PatientRow>, ClinicError> {
    let rows = db
        .query(
            "SELECT p.pseudonym,
                 (SELECT count(*) FROM sessions s WHERE s.patient_id = p.id),
                 (SELECT max(started_at) FROM sessions s WHERE s.patient_id = p.id),
                 (SELECT count(*) FROM flags f JOIN sets t ON t.id = f.set_id
                     JOIN sessions s ON s.id = t.session_id WHERE s.patient_id = p.id)
             FROM patients p ORDER BY p.pseudonym",
            &[],
        )
        .map_err(sql(server, "cannot read the patients"))?;
    Ok(rows
        .iter()
        .map(|r| PatientRow {
            pseudonym: r.get(0),
            sessions: r.get(1),
            last_session: r.get(2),
            flags: r.get(3),
        })
        .collect())
}

/// When `pseudonym` last started a set of one of `exercises` on any
/// station (RFC 3339 UTC), for the rest rule between resistance sessions.
pub fn last_set_started(
    db: &mut impl GenericClient,
    server: &str,
    pseudonym: &str,
    exercises: &[&str],
) -> Result<Option<String>, ClinicError> {
    let exercises: Vec<String> = exercises.iter().map(|e| (*e).to_string()).collect();
    Ok(db
        .query_one(
            "SELECT max(t.started_at) FROM sets t JOIN sessions s ON s.id = t.session_id
             JOIN patients p ON p.id = s.patient_id
             WHERE p.pseudonym = $1 AND t.exercise = ANY($2)",
            &[&pseudonym, &exercises],
        )
        .map_err(sql(server, "cannot look up the patient's last sets"))?
        .get(0))
}

/// The pseudonym of the patient of session `id`, `None` when there is no
/// such session.
pub fn patient_of_session(
    db: &mut impl GenericClient,
    server: &str,
    id: i64,
) -> Result<Option<String>, ClinicError> {
    Ok(db
        .query_opt(
            "SELECT p.pseudonym FROM sessions s JOIN patients p ON p.id = s.patient_id
             WHERE s.id = $1",
            &[&id],
        )
        .map_err(sql(server, "cannot look the session up"))?
        .map(|r| r.get(0)))
}

/// The session and the patient's pseudonym of set `id`, `None` when there
/// is no such set.
pub fn owner_of_set(
    db: &mut impl GenericClient,
    server: &str,
    id: i64,
) -> Result<Option<(i64, String)>, ClinicError> {
    Ok(db
        .query_opt(
            "SELECT t.session_id, p.pseudonym FROM sets t
             JOIN sessions s ON s.id = t.session_id JOIN patients p ON p.id = s.patient_id
             WHERE t.id = $1",
            &[&id],
        )
        .map_err(sql(server, "cannot look the set up"))?
        .map(|r| (r.get(0), r.get(1))))
}

/// Every row of `pseudonym`'s record (the patient, their sessions and all
/// in them) copied into a store in memory; `None` for an unknown patient.
pub fn patient_store(
    db: &mut impl GenericClient,
    server: &str,
    pseudonym: &str,
) -> Result<Option<Store>, ClinicError> {
    let Some(patient) = db
        .query_opt(
            "SELECT id FROM patients WHERE pseudonym = $1",
            &[&pseudonym],
        )
        .map_err(sql(server, "cannot look the patient up"))?
        .map(|r| r.get::<_, i64>(0))
    else {
        return Ok(None);
    };
    let mut store = Store::in_memory(server)?;
    let sessions = "SELECT id FROM sessions WHERE patient_id = $1";
    let sets = "SELECT t.id FROM sets t JOIN sessions s ON s.id = t.session_id
                WHERE s.patient_id = $1";
    for &table in DELIVERED_TABLES {
        let filter = match table {
            "patients" => "id = $1".to_string(),
            "sessions" => "patient_id = $1".to_string(),
            "red_flag_checks" | "sets" | "session_exercises" => {
                format!("session_id IN ({sessions})")
            }
            "outcomes" => "patient_id = $1".to_string(),
            // The others (reps, rep_peaks, rep_at_turn, holds, flags,
            // recordings) hang off a set.
            _ => format!("set_id IN ({sets})"),
        };
        let rows = db
            .query(
                &format!("SELECT * FROM {table} WHERE {filter}"),
                &[&patient],
            )
            .map_err(sql(
                server,
                &format!("cannot read the {table} of a patient"),
            ))?;
        let Some(first) = rows.first() else {
            continue;
        };
        let columns: Vec<String> = first
            .columns()
            .iter()
            .map(|c| c.name().to_string())
            .collect();
        let values = rows
            .iter()
            .map(|row| (0..row.len()).map(|i| value(row, i)).collect())
            .collect::<Result<Vec<Vec<Value>>, _>>()
            .map_err(sql(
                server,
                &format!("cannot read the {table} of a patient"),
            ))?;
        store.import(table, &columns, &values)?;
    }
    Ok(Some(store))
}

/// Column `i` of `row` as SQLite's value (the schema's types only).
fn value(row: &postgres::Row, i: usize) -> Result<Value, postgres::Error> {
    let ty = row.columns()[i].type_();
    Ok(if *ty == Type::INT8 {
        row.try_get::<_, Option<i64>>(i)?
            .map_or(Value::Null, Value::Integer)
    } else if *ty == Type::FLOAT8 {
        row.try_get::<_, Option<f64>>(i)?
            .map_or(Value::Null, Value::Real)
    } else {
        row.try_get::<_, Option<String>>(i)?
            .map_or(Value::Null, Value::Text)
    })
}
