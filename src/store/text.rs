//! The store as text for a terminal: one line per session, and a session
//! in detail.

use std::borrow::Cow;
use std::fmt::Write;

use super::rows::{SessionDetail, SessionRow, SetRow, SetStatus};

/// `text` as it is safe to print on a terminal: control characters (an
/// escape sequence that clears the screen, a newline that would forge a
/// row) are shown escaped (`\u{1b}`, `\n`), never sent. Pseudonyms are
/// checked when given, but a database may hold older ones.
pub fn shown(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| {
                if c.is_control() {
                    c.escape_default().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

/// The session list: a header and one line per session (or one line saying
/// there are none).
pub fn sessions_text(rows: &[SessionRow]) -> String {
    if rows.is_empty() {
        return "no sessions recorded\n".to_string();
    }
    let width = rows
        .iter()
        .map(|r| shown(&r.patient).chars().count())
        .chain(["patient".len()])
        .max()
        .unwrap_or(0);
    let mut out = format!(
        "{:>7}  {:<width$}  {:<16}  {:<16}  {:>4}  {:>8}  {:>5}  notes\n",
        "session", "patient", "started (UTC)", "ended", "sets", "complete", "flags"
    );
    for r in rows {
        let mut notes = Vec::new();
        if r.incomplete_sets > 0 {
            notes.push(format!("{} incomplete", r.incomplete_sets));
        }
        if let Some(because) = &r.stopped_because {
            notes.push(format!("stopped: {}", shown(because)));
        } else if r.red_flags.is_none() && r.sets > 0 {
            notes.push("no red-flag check".to_string());
        }
        let ended = match &r.ended_at {
            Some(end) if end.get(..10) == r.started_at.get(..10) => {
                end.get(11..16).unwrap_or(end).to_string()
            }
            Some(end) => short_time(end),
            None => "-".to_string(),
        };
        let line = format!(
            "{:>7}  {:<width$}  {:<16}  {:<16}  {:>4}  {:>8}  {:>5}  {}",
            r.id,
            shown(&r.patient),
            short_time(&r.started_at),
            ended,
            r.sets,
            r.complete_sets,
            r.flags,
            notes.join("; ")
        );
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// A session in detail: patient, times, red-flag check, and each set with
/// its pain scores, reps, flags and recordings.
pub fn detail_text(d: &SessionDetail) -> String {
    let mut out = format!(
        "session {}: patient {}, {} UTC to {}\n",
        d.id,
        shown(&d.patient),
        short_time(&d.started_at),
        d.ended_at
            .as_deref()
            .map_or("(not ended)".to_string(), short_time)
    );
    if let Some(profile) = &d.profile {
        let _ = writeln!(out, "profile: {}", shown(&profile.to_string_lossy()));
    }
    let _ = writeln!(out, "folder: {}", shown(&d.folder.to_string_lossy()));
    let _ = match &d.red_flags {
        None => writeln!(out, "red-flag check: not asked"),
        Some(c) if c.answers.any() => writeln!(
            out,
            "red-flag check: YES: {} ({})",
            c.answers.yes().join(", "),
            short_time(&c.answered_at)
        ),
        Some(c) => writeln!(
            out,
            "red-flag check: no to all four ({})",
            short_time(&c.answered_at)
        ),
    };
    if let Some(because) = &d.stopped_because {
        let _ = writeln!(out, "stopped: {}", shown(because));
    }
    for set in &d.sets {
        set_text(&mut out, set);
    }
    out
}

fn set_text(out: &mut String, s: &SetRow) {
    let pain = |p: Option<u8>| p.map_or("?".to_string(), |p| p.to_string());
    let _ = write!(
        out,
        "set {} {}: {}, {} reps, {} holds, {} flags, pain {} -> {}",
        s.number,
        shown(&s.exercise),
        s.status.as_str(),
        s.reps.len(),
        s.holds.len(),
        s.flags.len(),
        pain(s.pain_before),
        pain(s.pain_after)
    );
    if let Some(spread) = s.leg_symptoms_spread {
        let _ = write!(
            out,
            ", leg symptoms spread: {}",
            if spread { "YES" } else { "no" }
        );
    }
    if let Some(ms) = s.last_event_ms.filter(|_| s.status != SetStatus::Complete) {
        let _ = write!(out, ", last event at {:.1} s", ms / 1000.0);
    }
    out.push('\n');
    if let Some(because) = &s.stopped_because {
        let _ = writeln!(out, "  stopped: {}", shown(because));
    }
    for r in &s.reps {
        let _ = writeln!(
            out,
            "  rep {:>2}: down {:.1} s, turn {:.1} s, up {:.1} s, range {:.1}{}{}",
            r.index,
            r.eccentric_s,
            r.turn_s,
            r.concentric_s,
            r.range,
            r.at_turn
                .get("back_bend")
                .map(|b| format!(", back's outline bent {b:+.1}° at the turn"))
                .unwrap_or_default(),
            if r.flags.is_empty() {
                String::new()
            } else {
                format!(", flags: {}", r.flags.join(", "))
            }
        );
    }
    for h in &s.holds {
        let _ = writeln!(
            out,
            "  hold {:>2}: {:.1} s of {:.0} s",
            h.index, h.duration_s, h.target_s
        );
    }
    for f in &s.flags {
        let end = match (f.end_ms, f.peak) {
            (Some(end), Some(peak)) => format!("{:.1} s, peak {peak:.1}", end.secs()),
            _ => "end of set".to_string(),
        };
        let _ = writeln!(
            out,
            "  flag {} ({}): {:.1} s to {end}, limit {:.1}",
            shown(&f.rule),
            shown(&f.metric),
            f.start_ms.secs(),
            f.limit
        );
    }
    for (kind, path) in &s.recordings {
        let _ = writeln!(out, "  {}: {}", shown(kind), shown(&path.to_string_lossy()));
    }
}

/// `2026-11-21T20:44:19.123Z` as `2026-11-21 20:44`.
fn short_time(rfc3339: &str) -> String {
    match (rfc3339.get(..10), rfc3339.get(11..16)) {
        (Some(day), Some(time)) => format!("{day} {time}"),
        _ => rfc3339.to_string(),
    }
}
