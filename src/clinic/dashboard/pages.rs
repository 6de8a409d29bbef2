//! The dashboard's pages, laid out with `maud` (every text escaped). No
//! external resource: the style and the board's few lines of script are
//! inline.

use maud::{html, Markup, PreEscaped, DOCTYPE};

use crate::clinic::read::{PatientRow, StationRow};
use crate::store::{SessionRow, SetRow};

/// Seconds without news after which a station is shown as silent.
const SILENT_AFTER_S: f64 = 5.0;

/// The navigation bar's style (also above a report, which has its own).
const BAR_CSS: &str = "
header{background:#1d2330;color:#fff;padding:.6em 1.2em;display:flex;gap:1.4em;align-items:center}
header a{color:#fff;text-decoration:none;font-weight:600}
header .who{margin-left:auto;opacity:.8}
header form{margin:0}
header button{background:none;border:1px solid #fff8;color:#fff;border-radius:4px;padding:.2em .7em;cursor:pointer}
";

/// The pages' style.
const CSS: &str = "
body{font:16px/1.4 system-ui,sans-serif;margin:0;color:#1d2330;background:#f5f6f8}
main{padding:1.2em}
table{border-collapse:collapse;background:#fff;min-width:60%}
th,td{padding:.45em .8em;border-bottom:1px solid #e1e4ea;text-align:left;vertical-align:top}
th{background:#eef0f4;font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.flag{color:#fff;background:#c62828;border-radius:4px;padding:.1em .5em;display:inline-block;margin:.1em 0}
.ok{color:#2e7d32;font-weight:600}
.warn{color:#b26a00;font-weight:600}
.muted{color:#6b7280}
.login{max-width:22em;margin:4em auto;background:#fff;padding:1.5em 2em;border-radius:8px;box-shadow:0 1px 4px #0002}
.login label{display:block;margin:.8em 0 .2em}
.login input{width:100%;padding:.4em;font-size:1em;box-sizing:border-box}
.login button{margin-top:1.2em;padding:.5em 1.2em;font-size:1em}
.error{color:#c62828}
";

/// A page of the dashboard for `therapist`.
fn layout(title: &str, therapist: Option<&str>, body: &Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · formcheck" }
                style { (PreEscaped(CSS)) (PreEscaped(BAR_CSS)) }
            }
            body {
                @if let Some(name) = therapist {
                    (bar(name))
                }
                main { (body) }
            }
        }
    }
}

/// The navigation bar.
fn bar(therapist: &str) -> Markup {
    html! {
        header {
            a href="/" { "Live board" }
            a href="/patients" { "Patients" }
            span.who { (therapist) }
            form method="post" action="/logout" { button type="submit" { "Log out" } }
        }
    }
}

/// The login form; `failed` after a wrong name or password.
pub(super) fn login(failed: bool) -> Markup {
    layout(
        "Log in",
        None,
        &html! {
            form.login method="post" action="/login" {
                h1 { "formcheck" }
                @if failed {
                    p.error { "Wrong name or password." }
                }
                label for="name" { "Therapist" }
                input #name name="name" autocomplete="username" required autofocus;
                label for="password" { "Password" }
                input #password name="password" type="password" autocomplete="current-password" required;
                button type="submit" { "Log in" }
            }
        },
    )
}

/// A failure, said plainly.
pub(super) fn problem(message: &str) -> Markup {
    layout(
        "Problem",
        None,
        &html! { h1 { "Something went wrong" } p { (message) } p { a href="/" { "Back to the board" } } },
    )
}

/// The live board: the stations' rows, kept current by the server's
/// events (the same rows, rendered by [`board_rows`]).
pub(super) fn board(therapist: &str, stations: &[StationRow]) -> Markup {
    layout(
        "Live board",
        Some(therapist),
        &html! {
            h1 { "Live board" }
            table #board {
                thead { tr {
                    th { "Station" } th { "Patient" } th { "Exercise" } th { "Set" }
                    th { "Reps" } th { "Flag now" } th { "Last pain" } th { "Health" }
                } }
                tbody #stations { (board_rows(stations)) }
            }
            p.muted #updated { "Updates live." }
            script { (PreEscaped(
                "const rows=document.getElementById('stations');\
                 const note=document.getElementById('updated');\
                 const events=new EventSource('/board/stream');\
                 events.onmessage=e=>{rows.innerHTML=e.data;note.textContent='Updated '+new Date().toLocaleTimeString();};\
                 events.onerror=()=>{note.textContent='Reconnecting to the dashboard...';};"
            )) }
        },
    )
}

/// The board's rows, one per station.
pub(super) fn board_rows(stations: &[StationRow]) -> Markup {
    html! {
        @if stations.is_empty() {
            tr { td colspan="8" .muted { "No station has reported yet." } }
        }
        @for s in stations {
            @let now = s.now.as_ref();
            @let silent = s.silent_s.is_none_or(|t| t > SILENT_AFTER_S);
            tr data-station=(s.name) {
                td { strong { (s.name) } }
                td { @if let Some(n) = now { a href=(format!("/patients/{}", n.patient)) { (n.patient) } } }
                td { @if let Some(n) = now { (n.exercise.replace('_', " ")) } }
                td {
                    @if let Some(n) = now {
                        @if let Some(set) = n.set { (set) " " }
                        @if n.ended { span.muted { "session ended" } }
                        @else if n.in_set { span.ok { "recording" } }
                        @else { span.muted { "between sets" } }
                    }
                }
                td.num { @if let Some(n) = now { (n.reps) @if n.holds > 0 { " · " (n.holds) " holds" } } }
                td {
                    @if let Some(n) = now {
                        @for f in &n.flags_up { span.flag title=(f.rule) { (f.message) } br; }
                        @if n.flags_up.is_empty() && n.flags_in_set > 0 {
                            span.muted { (n.flags_in_set) " in this set" }
                        }
                    }
                }
                td.num { @if let Some(p) = now.and_then(|n| n.last_pain) { (p) "/10" } }
                td {
                    @if now.is_some_and(|n| n.ended) {
                        span.muted { "off" }
                    } @else if silent {
                        span.warn { "silent" @if let Some(t) = s.silent_s { " " (format!("{t:.0}")) " s" } }
                    } @else if let Some(n) = now {
                        @if n.camera_lost { span.warn { "camera lost" } }
                        @else {
                            span.ok { (format!("{:.0}", n.fps)) " fps" }
                            " · " (format!("{:.1}", n.dropped_percent)) " % dropped"
                        }
                    }
                }
            }
        }
    }
}

/// The patients.
pub(super) fn patients(therapist: &str, patients: &[PatientRow]) -> Markup {
    layout(
        "Patients",
        Some(therapist),
        &html! {
            h1 { "Patients" }
            table {
                thead { tr { th { "Patient" } th { "Sessions" } th { "Last session" } th { "Flags" } } }
                tbody {
                    @for p in patients {
                        tr {
                            td { a href=(format!("/patients/{}", p.pseudonym)) { (p.pseudonym) } }
                            td.num { (p.sessions) }
                            td { (p.last_session.as_deref().unwrap_or("")) }
                            td.num { (p.flags) }
                        }
                    }
                }
            }
        },
    )
}

/// A patient's sessions.
pub(super) fn patient(therapist: &str, pseudonym: &str, sessions: &[SessionRow]) -> Markup {
    layout(
        pseudonym,
        Some(therapist),
        &html! {
            h1 { "Patient " (pseudonym) }
            table {
                thead { tr {
                    th { "Session" } th { "Started" } th { "Sets" } th { "Flags" } th { "Stopped because" } th { "Export" }
                } }
                tbody {
                    @for s in sessions.iter().rev() {
                        tr {
                            td { a href=(format!("/sessions/{}", s.id)) { "Report" } }
                            td { (s.started_at) }
                            td.num { (s.complete_sets) " complete"
                                @if s.incomplete_sets > 0 { ", " (s.incomplete_sets) " incomplete" } }
                            td.num { (s.flags) }
                            td { (s.stopped_because.as_deref().unwrap_or("")) }
                            td {
                                a href=(format!("/sessions/{}/reps.csv", s.id)) { "reps.csv" } " · "
                                a href=(format!("/sessions/{}/flags.csv", s.id)) { "flags.csv" } " · "
                                a href=(format!("/sessions/{}/progress.json", s.id)) { "progress.json" } " · "
                                a href=(format!("/sessions/{}/fhir.json", s.id)) { "FHIR" } " · "
                                a href=(format!("/sessions/{}/report.html", s.id)) { "report.html" }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// A set's page: its video (the overlay, as the patient saw it), the
/// flags on a timeline under it, and keys and buttons that step from flag
/// to flag.
pub(super) fn set_page(therapist: &str, pseudonym: &str, set: &SetRow) -> Markup {
    let title = format!("Set {} · {}", set.number, set.exercise.replace('_', " "));
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                title { (title) " · formcheck" }
                style { (PreEscaped(CSS)) (PreEscaped(BAR_CSS)) (PreEscaped(SET_CSS)) }
            }
            body {
                (bar(therapist))
                main {
                    p { a href=(format!("/sessions/{}", set.session)) { "← session of " (pseudonym) } }
                    h1 { (title) }
                    video #video controls preload="auto" src=(format!("/sets/{}/video.webm", set.id)) {}
                    div #timeline title="flags over the set" {
                        @for f in &set.flags {
                            @let start = f.start_ms.ms() / 1000.0;
                            @let end = f.end_ms.map_or(start, |e| e.ms() / 1000.0);
                            span.span data-start=(format!("{start:.3}")) data-end=(format!("{end:.3}")) title=(f.message) {}
                        }
                        span #playhead {}
                    }
                    p {
                        button #previous type="button" { "◀ Previous flag (p)" } " "
                        button #next type="button" { "Next flag (n) ▶" }
                        span #at .muted {}
                    }
                    table {
                        thead { tr { th { "Flag" } th { "From" } th { "To" } th { "Worst" } th { "Limit" } th {} } }
                        tbody {
                            @for (i, f) in set.flags.iter().enumerate() {
                                @let start = f.start_ms.ms() / 1000.0;
                                tr {
                                    td { span.flag { (f.message) } }
                                    td.num { (format!("{start:.1} s")) }
                                    td.num { @if let Some(e) = f.end_ms { (format!("{:.1} s", e.ms() / 1000.0)) } @else { "end" } }
                                    td.num { @if let Some(p) = f.peak { (format!("{p:.1}")) } }
                                    td.num { (format!("{:.1}", f.limit)) }
                                    td { button.jump type="button" data-flag=(i) data-start=(format!("{start:.3}")) { "Jump" } }
                                }
                            }
                        }
                    }
                    @if set.flags.is_empty() { p.muted { "No flag was raised in this set." } }
                }
                script { (PreEscaped(SET_JS)) }
            }
        }
    }
}

const SET_CSS: &str = "
video{width:100%;max-width:960px;background:#000;display:block}
#timeline{position:relative;height:22px;max-width:960px;background:#e1e4ea;margin:.4em 0}
#timeline .span{position:absolute;top:0;bottom:0;background:#c62828;min-width:3px;cursor:pointer}
#playhead{position:absolute;top:-3px;bottom:-3px;width:2px;background:#1d2330}
";

/// Places the flags on the timeline once the video's length is known, and
/// steps from flag to flag.
const SET_JS: &str = "
const video=document.getElementById('video');
const spans=[...document.querySelectorAll('#timeline .span')];
const starts=spans.map(s=>parseFloat(s.dataset.start));
const at=document.getElementById('at');
function place(){const d=video.duration||1;spans.forEach(s=>{const a=parseFloat(s.dataset.start),b=parseFloat(s.dataset.end);s.style.left=(100*a/d)+'%';s.style.width=(100*Math.max(b-a,0)/d)+'%';});}
function jump(t){video.currentTime=t;video.pause();at.textContent=' at '+t.toFixed(1)+' s';}
function step(dir){const t=video.currentTime;const next=dir>0?starts.find(s=>s>t+0.05):[...starts].reverse().find(s=>s<t-0.05);if(next!==undefined)jump(next);}
video.addEventListener('loadedmetadata',place);
video.addEventListener('timeupdate',()=>{document.getElementById('playhead').style.left=(100*video.currentTime/(video.duration||1))+'%';});
spans.forEach(s=>s.addEventListener('click',()=>jump(parseFloat(s.dataset.start))));
document.querySelectorAll('button.jump').forEach(b=>b.addEventListener('click',()=>jump(parseFloat(b.dataset.start))));
document.getElementById('next').addEventListener('click',()=>step(1));
document.getElementById('previous').addEventListener('click',()=>step(-1));
document.addEventListener('keydown',e=>{if(e.key==='n')step(1);if(e.key==='p')step(-1);});
if(video.readyState>=1)place();
";

/// The session's report (a whole page of its own) with the dashboard's
/// bar, the sets' pages and the exports above it.
pub(super) fn with_bar(
    therapist: &str,
    pseudonym: &str,
    session: i64,
    sets: &[(i64, u32, String)],
    report: &str,
) -> String {
    let top = html! {
        style { (PreEscaped(BAR_CSS)) }
        (bar(therapist))
        nav style="padding:.5em 1.2em;background:#eef0f4" {
            a href=(format!("/patients/{pseudonym}")) { "← " (pseudonym) } " · "
            a href=(format!("/sessions/{session}/reps.csv")) { "reps.csv" } " · "
            a href=(format!("/sessions/{session}/flags.csv")) { "flags.csv" } " · "
            a href=(format!("/sessions/{session}/progress.json")) { "progress.json" } " · "
            a href=(format!("/sessions/{session}/fhir.json")) { "FHIR" } " · "
            a href=(format!("/sessions/{session}/report.html")) { "report.html" }
            @for (id, number, exercise) in sets {
                " · " a href=(format!("/sets/{id}")) { "Set " (number) " video (" (exercise.replace('_', " ")) ")" }
            }
        }
    }
    .into_string();
    match report.find("<body>") {
        Some(at) => {
            let at = at + "<body>".len();
            format!("{}{top}{}", &report[..at], &report[at..])
        }
        None => format!("{top}{report}"),
    }
}
