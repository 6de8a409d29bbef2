//! The session's reps and flags as CSV, one row each, for a spreadsheet;
//! the patient's progress over weeks as JSON, for a dashboard.

use std::path::{Path, PathBuf};

use super::data::{fault_id, SetData};
use super::{ReportError, ReportInput};
use crate::analysis::config::Reference;
use crate::private_files::Replacement;

/// Columns of `reps.csv` (`back_bend`: the bend of the back's outline at
/// the rep's deepest point, in degrees; empty where not measured).
pub const REPS_HEADER: [&str; 14] = [
    "session_id",
    "set",
    "exercise",
    "rep",
    "start_s",
    "end_s",
    "end_frame",
    "eccentric_s",
    "turn_s",
    "concentric_s",
    "metric",
    "range",
    "flags",
    "back_bend",
];

/// Columns of `flags.csv`.
pub const FLAGS_HEADER: [&str; 17] = [
    "session_id",
    "set",
    "exercise",
    "rule",
    "fault",
    "metric",
    "rep",
    "start_frame",
    "start_s",
    "end_frame",
    "end_s",
    "duration_s",
    "value",
    "peak",
    "limit",
    "relative_to",
    "message",
];

/// Writes `reps.csv` and `flags.csv` into `dir`.
pub fn write(
    input: &ReportInput,
    sets: &[SetData],
    dir: &Path,
) -> Result<Vec<PathBuf>, ReportError> {
    crate::private_files::create_dir(dir).map_err(|e| ReportError::Write {
        path: dir.into(),
        message: e.to_string(),
    })?;
    let reps_path = dir.join("reps.csv");
    let flags_path = dir.join("flags.csv");
    let session = input.session_id.to_string();

    let mut rows = vec![REPS_HEADER.map(String::from).to_vec()];
    for set in sets {
        let metric = set
            .exercise
            .reps
            .as_ref()
            .map(|r| r.metric.name())
            .unwrap_or_default();
        for rep in &set.reps {
            rows.push(vec![
                session.clone(),
                set.input.number.to_string(),
                set.input.exercise.clone(),
                rep.index.to_string(),
                format!("{:.3}", rep.start().secs()),
                format!("{:.3}", rep.end.secs()),
                rep.end_frame.to_string(),
                format!("{:.3}", rep.eccentric_s),
                format!("{:.3}", rep.turn_s),
                format!("{:.3}", rep.concentric_s),
                metric.to_string(),
                format!("{:.2}", rep.range),
                rep.flags.join(";"),
                rep.back_bend.map(|b| format!("{b:.2}")).unwrap_or_default(),
            ]);
        }
    }
    write_rows(&reps_path, &rows)?;

    let mut rows = vec![FLAGS_HEADER.map(String::from).to_vec()];
    for set in sets {
        for flag in &set.flags {
            let relative = set
                .exercise
                .rules
                .iter()
                .find(|r| r.id == flag.logged.rule)
                .map_or(Reference::Absolute, |r| r.relative_to);
            rows.push(vec![
                session.clone(),
                set.input.number.to_string(),
                set.input.exercise.clone(),
                flag.logged.rule.clone(),
                fault_id(flag.logged.fault).to_string(),
                flag.logged.metric.clone(),
                flag.rep.map(|r| r.to_string()).unwrap_or_default(),
                flag.logged.start.frame.to_string(),
                format!("{:.3}", flag.logged.start.t_ms.secs()),
                flag.cleared.frame.to_string(),
                format!("{:.3}", flag.cleared.t_ms.secs()),
                format!(
                    "{:.3}",
                    flag.cleared.t_ms.secs_since(flag.logged.start.t_ms)
                ),
                format!("{:.4}", flag.logged.value),
                format!("{:.4}", flag.logged.peak),
                format!("{:.4}", flag.logged.limit),
                match relative {
                    Reference::Absolute => "absolute",
                    Reference::Baseline => "baseline",
                }
                .to_string(),
                flag.logged.message.clone(),
            ]);
        }
    }
    write_rows(&flags_path, &rows)?;
    let progress_path = dir.join("progress.json");
    write_json(&progress_path, &input.progress)?;
    Ok(vec![reps_path, flags_path, progress_path])
}

/// Writes `value` as pretty JSON to `path` (replaced whole or not at all).
fn write_json(path: &Path, value: &impl serde::Serialize) -> Result<(), ReportError> {
    let fail = |message: String| ReportError::Write {
        path: path.into(),
        message,
    };
    let mut file = Replacement::create(path).map_err(|e| fail(e.to_string()))?;
    serde_json::to_writer_pretty(&mut file, value).map_err(|e| fail(e.to_string()))?;
    file.commit().map_err(|e| fail(e.to_string()))
}

fn write_rows(path: &Path, rows: &[Vec<String>]) -> Result<(), ReportError> {
    let fail = |message: String| ReportError::Write {
        path: path.into(),
        message,
    };
    let file = Replacement::create(path).map_err(|e| fail(e.to_string()))?;
    let mut writer = csv::Writer::from_writer(file);
    for row in rows {
        writer.write_record(row).map_err(|e| fail(e.to_string()))?;
    }
    writer
        .into_inner()
        .map_err(|e| fail(e.to_string()))?
        .commit()
        .map_err(|e| fail(e.to_string()))
}
