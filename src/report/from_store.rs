//! A session's report input, read from a store.

use std::path::PathBuf;

use super::{progress, HistoryPoint, ReportError, ReportInput, SetInput};
use crate::analysis::config::{Exercise, Profile};
use crate::safety::Programme;
use crate::store::{SessionId, SetRow, Store};

/// Everything the report of `session` shows, from `store`: its sets with
/// their recordings, and the patient's history across sessions.
pub fn input_from_store(store: &Store, session: SessionId) -> Result<ReportInput, ReportError> {
    let detail = store.session(session)?;
    let history: Vec<HistoryPoint> = store
        .history(&detail.patient)?
        .iter()
        .map(|s| HistoryPoint {
            session_id: s.session,
            started_at: s.started_at.clone(),
            exercise: s.exercise.clone(),
            set_number: s.number,
            pain_before: s.pain_before,
            pain_after: s.pain_after,
            range: best_range(s),
            flags: s.flags.len() as u32,
        })
        .collect();
    let mut progress = progress::progress(
        store,
        &detail.patient,
        &detail.started_at,
        detail
            .profile
            .as_deref()
            .and_then(|p| Profile::load(p).ok())
            .as_ref(),
    )?;
    progress.exercises = progress::exercise_series(
        &history
            .iter()
            // This session's sets, and those that started before it.
            .filter(|p| p.session_id == detail.id || p.started_at < detail.started_at)
            .cloned()
            .collect::<Vec<_>>(),
    );
    Ok(ReportInput {
        patient: detail.patient.clone(),
        session_id: detail.id,
        started_at: detail.started_at.clone(),
        ended_at: detail.ended_at.clone(),
        red_flags_clear: detail.red_flags.as_ref().map(|c| !c.answers.any()),
        sets: detail
            .sets
            .iter()
            .map(|s| SetInput {
                number: s.number,
                exercise: s.exercise.clone(),
                status: s.status,
                stopped_because: s.stopped_because.clone(),
                pain_before: s.pain_before,
                pain_after: s.pain_after,
                leg_symptoms_spread: s.leg_symptoms_spread,
                events: file(s, "events", "events.jsonl"),
                metrics: file(s, "metrics", "metrics.csv"),
                overlay_video: Some(file(s, "overlay_video", "overlay.mkv")).filter(|p| p.exists()),
                track: Some(file(s, "track", "track.jsonl")).filter(|p| p.exists()),
            })
            .collect(),
        history,
        progress,
        pain_rise: *Programme::shipped()?.pain.stop_rise.get_ref(),
    })
}

/// Whether `exercise`'s reps go further as its primary metric goes down
/// (a squat's knee angle) rather than up (a bridge's hip extension).
pub(super) fn lower_is_further(exercise: &str) -> bool {
    Exercise::named(exercise)
        .ok()
        .and_then(|e| e.reps)
        .is_some_and(|r| r.turn.get_ref() < r.start.get_ref())
}

/// The furthest `set`'s reps went on the exercise's primary metric.
pub(super) fn best_range(set: &SetRow) -> Option<f32> {
    let ranges = set.reps.iter().map(|r| r.range);
    if lower_is_further(&set.exercise) {
        ranges.reduce(f32::min)
    } else {
        ranges.reduce(f32::max)
    }
}

/// The file of `kind` of `set`: where the store says it is readable (the
/// clinic's copy, on a dashboard), else `name` in the set's folder.
fn file(set: &SetRow, kind: &str, name: &str) -> PathBuf {
    set.recordings
        .iter()
        .find(|(k, _)| k == kind)
        .map_or_else(|| set.folder.join(name), |(_, path)| path.clone())
}
