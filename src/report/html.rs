//! The page: sets, plots, tables and trends laid out with `maud`, which
//! escapes every text it is given.

use std::collections::{BTreeMap, BTreeSet};

use maud::{html, Markup, PreEscaped, DOCTYPE};

use super::data::{fault_label, Baseline, Flag, SetData};
use super::plot::{self, hex};
use super::thumbs::{thumbnails, THUMB_WIDTH};
use super::{HistoryPoint, ReportError, ReportInput};
use crate::analysis::back_outline::OutlineDrawing;
use crate::analysis::config::{Direction, Exercise, Reference, RepReference, View};
use crate::analysis::measure::Metric;
use crate::analysis::{HOLD_RULE, TEMPO_RULE};
use crate::recording::track::read_track;
use crate::store::SetStatus;

/// Flags of a set that get a thumbnail (the page stays a reasonable size).
const MAX_THUMBS_PER_SET: usize = 40;

/// What no single camera can measure, whatever the exercise.
const CAMERA_LIMITS: [&str; 3] = [
    "Lumbar curvature itself: the pose model has no spine or pelvic (ASIS/PSIS) landmarks, so \
     lumbar flexion, extension and sagittal pelvic tilt are never measured directly. The trunk \
     line (mid-hip to mid-shoulder) and the shoulder–hip–knee angle stand in for them.",
    "Rotation from a single side view: a side camera sees rotation only through the model's \
     depth estimate, its least accurate coordinate. Rotation, pelvic drop and lateral shift are \
     judged only while the camera faces the body from the front or back.",
    "Angle accuracy: with the camera square to the side, 2D video joint angles differ from \
     laboratory motion capture by about 4–7° on average [22][24], more in other views.",
];

/// The page's style sheet: system fonts only, light backgrounds, one set
/// per printed page.
const CSS: &str = r#"
:root { --ink:#1d2733; --muted:#5b6673; --line:#d7dde4; --accent:#1f4e79; --warn:#9a3412; --warnbg:#fff4ec; --bad:#b42318; --badbg:#fdf0ef; --okbg:#eef7f1; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; background: #fff; color: var(--ink); font: 14px/1.45 "Helvetica Neue", Helvetica, Arial, "Liberation Sans", "DejaVu Sans", sans-serif; }
main { max-width: 1120px; margin: 0 auto; padding: 28px 32px 40px; }
h1 { font-size: 26px; margin: 2px 0 14px; letter-spacing: -0.01em; }
h2 { font-size: 20px; margin: 0 0 8px; color: var(--accent); }
h3 { font-size: 15px; margin: 22px 0 6px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
.brand { font-size: 12px; text-transform: uppercase; letter-spacing: .12em; color: var(--muted); }
header { border-bottom: 3px solid var(--accent); padding-bottom: 12px; margin-bottom: 18px; }
dl.meta { display: grid; grid-template-columns: repeat(3, auto); gap: 4px 28px; margin: 0; justify-content: start; }
dl.meta div { display: flex; gap: 8px; }
dl.meta dt { color: var(--muted); }
dl.meta dd { margin: 0; font-weight: 600; }
section { margin-bottom: 26px; }
.set { border-top: 1px solid var(--line); padding-top: 18px; }
.setmeta { color: var(--muted); margin: 0 0 8px; }
.setmeta b { color: var(--ink); }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th { text-align: left; font-weight: 600; color: var(--muted); border-bottom: 2px solid var(--line); padding: 5px 8px; vertical-align: bottom; }
td { border-bottom: 1px solid var(--line); padding: 5px 8px; vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
table.flags td:last-child { min-width: 150px; }
table.flags td:nth-child(7) { min-width: 100px; }
tr.flagged td:first-child { box-shadow: inset 3px 0 0 var(--bad); }
tr.current td { background: #f1f5fa; font-weight: 600; }
.bad { color: var(--bad); font-weight: 600; }
.ok { color: #1e6b3a; }
.muted { color: var(--muted); }
.small { font-size: 12px; }
.callout { border-left: 4px solid var(--warn); background: var(--warnbg); padding: 8px 12px; margin: 8px 0; }
.callout.danger { border-color: var(--bad); background: var(--badbg); }
.honesty { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; margin: 10px 0 4px; }
.honesty > div { border: 1px solid var(--line); border-radius: 4px; padding: 10px 14px; }
.honesty h4 { margin: 0 0 6px; font-size: 13px; text-transform: uppercase; letter-spacing: .04em; }
.honesty .cannot h4 { color: var(--warn); }
.honesty .proxies h4 { color: var(--accent); }
.honesty ul { margin: 0; padding-left: 18px; }
.honesty li { margin: 3px 0; }
figure { margin: 10px 0 14px; break-inside: avoid; page-break-inside: avoid; }
figcaption { font-size: 13px; margin-bottom: 2px; }
figcaption .rule { display: block; color: var(--muted); }
svg { display: block; width: 100%; height: auto; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 18px; font-size: 12px; color: var(--muted); margin: 4px 0 2px; }
.legend span { display: inline-flex; align-items: center; gap: 6px; }
.sw { display: inline-block; width: 22px; height: 10px; border-radius: 2px; }
.sw.line { height: 3px; }
.sw.dash { height: 0; border-top: 2px dashed; background: none !important; }
.sw.dot { width: 6px; height: 6px; border-radius: 50%; }
img.thumb { display: block; width: 200px; height: auto; border: 1px solid var(--line); border-radius: 2px; }
.chips .none { color: var(--muted); font-size: 12px; }
.chips .good { display: inline-block; background: var(--okbg); color: #1e6b3a; border-radius: 3px; padding: 0 6px; font-size: 12px; }
.chips span { display: inline-block; background: var(--badbg); color: var(--bad); border-radius: 3px; padding: 0 6px; margin: 1px 3px 1px 0; font-size: 12px; }
footer { border-top: 1px solid var(--line); padding-top: 10px; color: var(--muted); font-size: 12px; }
@media print {
  @page { size: A4; margin: 12mm; }
  body { font-size: 11px; }
  main { max-width: none; padding: 0; }
  table { font-size: 10px; }
  figcaption, .legend, .small { font-size: 10px; }
  .chips span, .chips .none, .chips .good { font-size: 10px; }
  th, td { padding: 3px 5px; }
  .set, .trends, .progress { break-before: page; page-break-before: always; border-top: none; padding-top: 0; }
  tr, .callout, .honesty { break-inside: avoid; page-break-inside: avoid; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  img.thumb { width: 120px; }
}
"#;

/// The human name of a metric.
fn metric_label(metric: Metric) -> &'static str {
    match metric {
        Metric::TrunkDirection => "Trunk-line direction",
        Metric::TrunkFromVertical => "Trunk lean from vertical",
        Metric::HipAngle => "Hip angle (shoulder–hip–knee)",
        Metric::KneeAngle => "Knee angle (hip–knee–ankle)",
        Metric::HipExtension => "Hip extension (shoulder–hip–knee, under the body)",
        Metric::BodyLine => "Body line (hips off the shoulder–ankle line)",
        Metric::KneeAngleLeft => "Left knee angle",
        Metric::KneeAngleRight => "Right knee angle",
        Metric::KneeAsymmetry => "Knee-angle asymmetry (left − right)",
        Metric::PelvisTilt => "Pelvis (hip-line) tilt",
        Metric::ShoulderTilt => "Shoulder-line tilt",
        Metric::TrunkTwist => "Trunk twist (shoulders against hips, from depth)",
        Metric::RaisedLegElevation => "Raised-leg elevation",
        Metric::LoweredLegElevation => "Lowered-leg elevation",
        Metric::HipHeight => "Hip height",
        Metric::LateralShift => "Lateral shift of the hips",
        Metric::HeelRise => "Heel rise",
        Metric::ShoulderWidthRatio => "Shoulder width over trunk length",
        Metric::MidlineBend => "Bend of the body's midline at the hips",
        Metric::BackBend => "Back rounding (outline): bend of the whole back's outline, not the lumbar segments alone",
    }
}

/// "1 rep", "2 reps".
fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// `text` with a capital first letter.
fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn metric_named(name: &str) -> Option<Metric> {
    Metric::ALL.iter().copied().find(|m| m.name() == name)
}

fn view_name(view: View) -> &'static str {
    match view {
        View::Side => "side",
        View::Front => "front or back",
        View::Oblique => "oblique",
        View::Any => "any",
    }
}

/// A number with its unit, for a metric name or a timing pseudo-metric.
fn amount(metric: &str, v: f32) -> String {
    match metric_named(metric) {
        Some(m) => plot::with_unit(m, v),
        None => format!("{v:.2} s"),
    }
}

/// "above +45.0° from baseline": when a rule fires.
/// `from` names what a relative limit is measured from.
fn condition(metric: &str, fires: Direction, limit: f32, from: Option<&str>) -> String {
    let relative = from.is_some();
    let from = from.map(|f| format!(" from {f}")).unwrap_or_default();
    let sign = if relative && fires != Direction::Beyond && limit >= 0.0 {
        "+"
    } else {
        ""
    };
    match fires {
        Direction::Above => format!("above {sign}{}{from}", amount(metric, limit)),
        Direction::Below => format!("below {sign}{}{from}", amount(metric, limit)),
        Direction::Beyond => format!("beyond ±{}{from}", amount(metric, limit.abs())),
    }
}

/// What a rule's limit is measured from, in words; `None` for the raw value.
fn baseline_named(reference: Reference) -> Option<&'static str> {
    (reference == Reference::Baseline).then_some("baseline")
}

/// What a rep rule's limit is measured from, in words; `None` for the
/// rep's own value.
fn first_rep_named(reference: RepReference) -> Option<&'static str> {
    (reference == RepReference::FirstRep).then_some("the set's first rep")
}

/// The condition under which a flag was raised.
fn flag_condition(set: &SetData, flag: &Flag) -> String {
    if let Some(rule) = set.exercise.rules.iter().find(|r| r.id == flag.logged.rule) {
        let from = baseline_named(rule.relative_to);
        return condition(&flag.logged.metric, rule.fires, flag.logged.limit, from);
    }
    if let Some(rule) = set
        .exercise
        .rep_rules
        .iter()
        .find(|r| r.id == flag.logged.rule)
    {
        let from = first_rep_named(rule.relative_to);
        return condition(&flag.logged.metric, rule.fires, flag.logged.limit, from);
    }
    match flag.logged.rule.as_str() {
        TEMPO_RULE => format!("phase under {:.1} s", flag.logged.limit),
        HOLD_RULE => format!("hold over {:.0} s", flag.logged.limit),
        _ => format!("limit {}", amount(&flag.logged.metric, flag.logged.limit)),
    }
}

/// The page.
pub fn page(input: &ReportInput, sets: &[SetData]) -> Result<String, ReportError> {
    let mut set_sections = Vec::with_capacity(sets.len());
    for set in sets {
        set_sections.push(set_section(set, input.pain_rise)?);
    }
    let trends = trends(input)?;
    let progress = super::progress_html::section(&input.progress)?;
    let title = format!(
        "formcheck report: {}, session {}",
        input.patient, input.session_id
    );
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                style { (PreEscaped(CSS)) }
            }
            body {
                main {
                    (header(input))
                    (overview(input, sets))
                    section.limits {
                        h2 { "What the camera measures, and what it cannot" }
                        p.muted {
                            "Every number below comes from one ordinary camera and a pose model \
                             (MediaPipe BlazePose, 33 body landmarks). They are proxies for the \
                             movement of the lower back, each judged against a limit with a minimum \
                             duration, and only while the landmarks it uses are clearly visible from \
                             the view it needs."
                        }
                        ul { @for text in CAMERA_LIMITS { li { (text) } } }
                    }
                    @for section in &set_sections { (section) }
                    (progress)
                    (trends)
                    footer {
                        p {
                            "Generated by formcheck " (env!("CARGO_PKG_VERSION"))
                            ". This report supports clinical judgement and does not replace it. \
                             Numbers in brackets cite formcheck's clinical evidence brief; each \
                             limit's source is given with its rule (S stated by the source, \
                             D derived from cited data, G engineering guess to be tuned with a clinician)."
                        }
                    }
                }
            }
        }
    };
    Ok(markup.into_string())
}

fn header(input: &ReportInput) -> Markup {
    let screen = match input.red_flags_clear {
        Some(true) => html! { span.ok { "clear" } },
        Some(false) => html! { span.bad { "NOT clear" } },
        None => html! { span.muted { "not recorded" } },
    };
    html! {
        header {
            div.brand { "formcheck · exercise form report for the therapist" }
            h1 { "Session " (input.session_id) }
            dl.meta {
                div { dt { "Patient (pseudonym)" } dd { (input.patient) } }
                div { dt { "Started" } dd { (input.started_at) } }
                div { dt { "Ended" } dd { (input.ended_at.as_deref().unwrap_or("did not close")) } }
                div { dt { "Sets" } dd { (input.sets.len()) } }
                div { dt { "Red-flag screen" } dd { (screen) } }
            }
            @if input.red_flags_clear == Some(false) {
                div.callout.danger {
                    b { "Red-flag screen not clear. " }
                    "Symptoms that call for urgent referral were reported before this session \
                     (e.g. saddle numbness, bladder or bowel change, progressive weakness) [37]."
                }
            }
        }
    }
}

/// Pain before → after, the change marked when it reaches `rise`, the
/// programme's meaningful rise.
fn pain_text(before: Option<u8>, after: Option<u8>, rise: u8) -> Markup {
    let show = |p: Option<u8>| p.map_or("–".to_string(), |p| p.to_string());
    let change = before.zip(after).map(|(b, a)| i16::from(a) - i16::from(b));
    html! {
        (show(before)) " → " (show(after))
        @if let Some(d) = change {
            @if d >= i16::from(rise) {
                " " span.bad { "(+" (d) ")" }
            } @else if d != 0 {
                " " span.muted { "(" (format!("{d:+}")) ")" }
            }
        }
    }
}

fn overview(input: &ReportInput, sets: &[SetData]) -> Markup {
    html! {
        section.overview {
            h2 { "Session at a glance" }
            table {
                thead { tr {
                    th { "Set" } th { "Exercise" } th { "Status" } th.num { "Reps / holds" }
                    th { "Flags by fault" } th { "Pain (NRS 0–10) before → after" } th { "Leg symptoms spread" }
                } }
                tbody {
                    @for set in sets {
                        @let by_fault = flags_by_fault(&set.flags);
                        tr.flagged[!set.flags.is_empty()] {
                            td { (set.input.number) }
                            td { (set.exercise.title) }
                            td { (status(set)) }
                            td.num {
                                @if set.exercise.reps.is_some() { (count(set.reps.len(), "rep")) }
                                @else { (count(set.holds.len(), "hold")) }
                            }
                            td {
                                @if by_fault.is_empty() { span.ok { "none" } }
                                @for (fault, n) in &by_fault { (fault) ": " b { (n) } br; }
                            }
                            td { (pain_text(set.input.pain_before, set.input.pain_after, input.pain_rise)) }
                            td { (spread_text(set.input.leg_symptoms_spread)) }
                        }
                    }
                    @if input.sets.is_empty() {
                        tr { td colspan="7" .muted { "No sets were recorded in this session." } }
                    }
                }
            }
        }
    }
}

fn flags_by_fault(flags: &[Flag]) -> BTreeMap<&'static str, usize> {
    let mut out = BTreeMap::new();
    for f in flags {
        *out.entry(fault_label(f.logged.fault)).or_default() += 1;
    }
    out
}

fn status(set: &SetData) -> Markup {
    let s = set.input.status.as_str();
    html! {
        @if set.input.status == SetStatus::Complete { span.ok { (s) } } @else { span.bad { (s) } }
        @if let Some(why) = &set.input.stopped_because { br; span.small { (why) } }
    }
}

fn spread_text(spread: Option<bool>) -> Markup {
    html! {
        @match spread {
            Some(true) => span.bad { "yes" },
            Some(false) => span.ok { "no" },
            None => span.muted { "not recorded" },
        }
    }
}

fn legend(has_reps: bool) -> Markup {
    let sw = |class: &str, colour: String, alpha: &str| -> Markup {
        let style = format!("background:{colour}{alpha};border-color:{colour}");
        html! { span.(format!("sw {class}")) style=(style) {} }
    };
    html! {
        div.legend {
            span { (sw("line", hex(plot::MEASURED), "")) "measured (landmarks visible)" }
            span { (sw("dot", hex(plot::UNRELIABLE), "")) "not judged: landmarks poorly visible or camera in the wrong place (off-scale values not drawn)" }
            span { (sw("", hex(plot::SAFE), "33")) "safe region of a rule" }
            span { (sw("dash", hex(plot::LIMIT), "")) "rule limit" }
            span { (sw("", hex(plot::FLAG), "55")) "flag up (a line: judged on a whole rep)" }
            span { (sw("dash", hex(plot::REP_LIMIT), "")) "limit judged once per rep" }
            span { (sw("dash", hex(plot::BASELINE), "")) "neutral baseline" }
            @if has_reps { span { (sw("", hex(plot::REP), "")) "a rep" } }
        }
    }
}

/// What the plot of a metric shows, rule by rule.
fn metric_caption(set: &SetData, metric: Metric) -> Markup {
    let primary = set
        .exercise
        .reps
        .as_ref()
        .is_some_and(|r| r.metric == metric);
    html! {
        figcaption {
            b { (metric_label(metric)) } " (" (metric.name()) ", " (metric.unit()) ")"
            @if primary {
                span.rule { "Counts the reps." }
            }
            @for rule in set.exercise.rules.iter().filter(|r| r.metric == metric) {
                @let (limit, applied) = set.limit(&rule.id, *rule.limit.get_ref());
                span.rule {
                    b { (rule.id) } " — " (fault_label(rule.fault)) ": flags "
                    (condition(metric.name(), rule.fires, limit, baseline_named(rule.relative_to)))
                    " for " (format!("{:.1}", rule.min_duration_s.get_ref())) " s, camera at the "
                    (view_name(rule.view)) "; "
                    @if applied { "limit as applied in this set. " } @else { "exercise default limit (no flag fired, so a prescribed limit is not on record). " }
                    @match set.baseline(rule) {
                        Baseline::Inferred(b) => {
                            "Baseline " (plot::with_unit(metric, b))
                            ", recovered from the flags (raw value at a flag less the change it reported)."
                        }
                        Baseline::Unknown => {
                            "The neutral baseline is not in this set's files (no flag of this rule fired): \
                             the plot shows the raw value without this rule's band."
                        }
                        Baseline::Changed => {
                            "The baseline was re-captured during the set: no band is drawn."
                        }
                        Baseline::NotNeeded => {}
                    }
                    " " span.small { "Source: " (rule.source) }
                }
            }
            @for rule in set.exercise.rep_rules.iter().filter(|r| r.metric == metric) {
                @let (limit, _) = set.limit(&rule.id, *rule.limit.get_ref());
                span.rule {
                    b { (rule.id) } " — " (fault_label(rule.fault)) ": judged once per rep on its "
                    (rule.extreme.describe()) ", flags "
                    (condition(metric.name(), rule.fires, limit, first_rep_named(rule.relative_to))) ". "
                    span.small { "Source: " (rule.source) }
                }
            }
            @if primary && set.exercise.reps.as_ref().is_some_and(|r| r.eccentric_min_s.is_some() || r.concentric_min_s.is_some()) {
                span.rule {
                    b { (TEMPO_RULE) } " — Tempo: a red line at a rep's end marks a phase faster than its minimum. "
                    @if let Some(src) = set.exercise.reps.as_ref().and_then(|r| r.tempo_source.as_ref()) {
                        span.small { "Source: " (src) }
                    }
                }
            }
        }
    }
}

fn set_section(set: &SetData, rise: u8) -> Result<Markup, ReportError> {
    let mut plots = Vec::new();
    for metric in set.metrics() {
        plots.push((metric, plot::metric_over_time(set, metric)?));
    }
    let thumbs = set_thumbnails(set);
    let input = set.input;
    let pain_rose = input
        .pain_before
        .zip(input.pain_after)
        .is_some_and(|(b, a)| i16::from(a) - i16::from(b) >= i16::from(rise));
    Ok(html! {
        section.set {
            h2 { "Set " (input.number) " · " (set.exercise.title) }
            p.setmeta {
                "Status: " b { (status(set)) } " · "
                "Pain (NRS 0–10) before → after: " b { (pain_text(input.pain_before, input.pain_after, rise)) } " · "
                "Leg symptoms spread: " b { (spread_text(input.leg_symptoms_spread)) }
                @if let Some(s) = &set.summary {
                    " · Frames analysed: " b { (s.frames) }
                    @if s.frames_without_person > 0 { " (" (s.frames_without_person) " without a person)" }
                } @else {
                    " · " span.bad { "The event log has no set summary: the set did not end cleanly." }
                }
                br;
                "Camera view: "
                @if set.views.is_empty() { span.muted { "not determined" } }
                @for (i, v) in set.views.iter().enumerate() {
                    @if i > 0 { " · " }
                    @if v.needed.accepts(v.view) { (view_name(v.view)) }
                    @else { span.bad { (view_name(v.view)) } }
                    " " (format!("{:.1}–{:.1} s", v.from.secs(), v.to.secs()))
                }
                " (the exercise needs: " (view_name(set.exercise.view)) ")"
            }
            @if input.leg_symptoms_spread == Some(true) {
                div.callout.danger { b { "Leg symptoms spread further down the leg" } " (peripheralisation) during this set: a stop rule [40][41]." }
            }
            @if pain_rose {
                div.callout { b { "Pain rose by " (rise) " or more points" } " during this set, a clinically meaningful change on the NRS [38]." }
            }
            @if let Some(why) = &input.stopped_because {
                div.callout { b { "Stopped" } ": " (why) }
            }
            div.honesty {
                div.cannot {
                    h4 { "Not measured by the camera" }
                    ul {
                        @for text in &set.cannot_measure { li { (sentence(text)) } }
                        li { "Lumbar curvature itself (no spine landmarks)." }
                        li { "Rotation from a single side view (depth is the model's guess)." }
                    }
                }
                div.proxies {
                    h4 { "Proxies used in this set" }
                    ul {
                        @for rule in &set.exercise.rules {
                            li { b { (fault_label(rule.fault)) } ": " (metric_label(rule.metric)) " (" (rule.id) ", camera at the " (view_name(rule.view)) ")" }
                        }
                        @for rule in &set.exercise.rep_rules {
                            li { b { (fault_label(rule.fault)) } ": " (metric_label(rule.metric)) " per rep (" (rule.id) ")" }
                        }
                        @if let Some(reps) = &set.exercise.reps {
                            li { b { "Tempo" } ": duration of each phase of the rep, from " (metric_label(reps.metric)) }
                        }
                    }
                }
            }
            h3 { "Measurements over time" }
            (legend(!set.reps.is_empty()))
            @for (metric, svg) in &plots {
                figure.metric data-metric=(metric.name()) { (metric_caption(set, *metric)) (PreEscaped(svg)) }
            }
            @if set.exercise.reps.is_some() { (reps_table(set)) }
            @if set.exercise.hold.is_some() { (holds_table(set)) }
            (flags_table(set, &thumbs))
            @if !set.blind.is_empty() {
                p.small.muted {
                    "Not judged while landmarks were hidden: "
                    @for (i, (rule, (n, hint))) in set.blind.iter().enumerate() {
                        @if i > 0 { "; " }
                        b { (rule) } " " (n) " times (" (hint) ")"
                    }
                    "."
                }
            }
        }
    })
}

/// A thumbnail per flag (or the reason there is none), or one reason for
/// the whole set.
fn set_thumbnails(set: &SetData) -> Result<Vec<Option<String>>, String> {
    let Some(video) = &set.input.overlay_video else {
        return Err(
            "No overlay video was recorded for this set, so there are no thumbnails.".into(),
        );
    };
    let positions: Vec<usize> = set
        .flags
        .iter()
        .take(MAX_THUMBS_PER_SET)
        .map(|f| {
            set.series
                .row_of(f.logged.start.frame)
                .unwrap_or(f.logged.start.frame as usize)
        })
        .collect();
    let outlines = flagged_outlines(set);
    let outlines: Vec<Option<&OutlineDrawing>> = set
        .flags
        .iter()
        .take(MAX_THUMBS_PER_SET)
        .map(|f| outlines.get(&f.logged.start.frame))
        .collect();
    thumbnails(video, &positions, &outlines).map_err(|why| {
        tracing::warn!("report: no thumbnails for set {}: {why}", set.input.number);
        format!("No thumbnails: {why}.")
    })
}

/// The back's outline at the frame of each flag on it, from the set's track
/// (none without one: the thumbnail is shown without the outline).
fn flagged_outlines(set: &SetData) -> BTreeMap<u64, OutlineDrawing> {
    let back = Metric::BackBend.name();
    let frames: BTreeSet<u64> = set
        .flags
        .iter()
        .filter(|f| f.logged.metric == back)
        .map(|f| f.logged.start.frame)
        .collect();
    let Some(track) = set.input.track.as_ref().filter(|_| !frames.is_empty()) else {
        return BTreeMap::new();
    };
    match read_track(track) {
        Ok(records) => records
            .into_iter()
            .filter(|r| frames.contains(&r.frame))
            .filter_map(|r| Some((r.frame, r.outline?)))
            .collect(),
        Err(why) => {
            tracing::warn!("report: no back outlines on the thumbnails: {why}");
            BTreeMap::new()
        }
    }
}

fn reps_table(set: &SetData) -> Markup {
    let Some(def) = &set.exercise.reps else {
        return html! {};
    };
    let min = |m: &Option<toml::Spanned<f32>>| m.as_ref().map(|m| f64::from(*m.get_ref()));
    let (ecc_min, con_min) = (min(&def.eccentric_min_s), min(&def.concentric_min_s));
    let extreme = if set.range_is_lowest() {
        "Lowest"
    } else {
        "Highest"
    };
    let phase = |took: f64, min: Option<f64>| -> Markup {
        let short = min.is_some_and(|m| took + 1e-9 < m);
        html! { @if short { span.bad { (format!("{took:.2}")) } } @else { (format!("{took:.2}")) } }
    };
    let bends = set.reps.iter().any(|r| r.back_bend.is_some());
    let head = |name: &str, min: Option<f64>| -> Markup {
        html! { (name) @if let Some(m) = min { br; span.small { "(min " (format!("{m:.1}")) ")" } } }
    };
    html! {
        h3 { "Reps" }
        @if set.reps.is_empty() {
            p.muted { "No complete rep was counted." }
        } @else {
            table {
                thead { tr {
                    th { "Rep" } th.num { "Time (s)" }
                    th.num { (head("Working phase (s)", ecc_min)) }
                    th.num { "At the turn (s)" }
                    th.num { (head("Return phase (s)", con_min)) }
                    th.num { (extreme) " " (metric_label(def.metric).to_lowercase()) }
                    @if bends { th.num { "Back bend at the deepest point (outline)" } }
                    th { "Judgement: good, or the flags of a fault" }
                } }
                tbody {
                    @for rep in &set.reps {
                        tr.rep.flagged[!rep.flags.is_empty()] {
                            td { (rep.index) }
                            td.num { (format!("{:.1}–{:.1}", rep.start().secs().max(0.0), rep.end.secs())) }
                            td.num { (phase(rep.eccentric_s, ecc_min)) }
                            td.num { (format!("{:.2}", rep.turn_s)) }
                            td.num { (phase(rep.concentric_s, con_min)) }
                            td.num { (plot::with_unit(def.metric, rep.range)) }
                            @if bends {
                                td.num { @match rep.back_bend {
                                    Some(b) => (plot::with_unit(Metric::BackBend, b)),
                                    None => span.muted { "not seen" },
                                } }
                            }
                            td.chips {
                                @if rep.flags.is_empty() { b.good { "good" } } @else { "fault: " }
                                @for (rule, n) in counts(&rep.flags) {
                                    span { (rule) @if n > 1 { " ×" (n) } }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn counts(ids: &[String]) -> Vec<(&str, usize)> {
    let mut out: Vec<(&str, usize)> = Vec::new();
    for id in ids {
        match out.iter_mut().find(|(r, _)| r == id) {
            Some(entry) => entry.1 += 1,
            None => out.push((id, 1)),
        }
    }
    out
}

fn holds_table(set: &SetData) -> Markup {
    html! {
        h3 { "Holds" }
        @if set.holds.is_empty() {
            p.muted { "No hold in correct position was timed." }
        } @else {
            table {
                thead { tr { th { "Hold" } th.num { "Ended at (s)" } th.num { "Held correctly (s)" } th.num { "Target (s)" } } }
                tbody {
                    @for h in &set.holds {
                        tr {
                            td { (h.index) }
                            td.num { (format!("{:.1}", h.end.secs())) }
                            td.num {
                                @if h.duration_s + 1e-9 < f64::from(h.target_s) { span.bad { (format!("{:.1}", h.duration_s)) } }
                                @else { (format!("{:.1}", h.duration_s)) }
                            }
                            td.num { (format!("{:.1}", h.target_s)) }
                        }
                    }
                }
            }
        }
    }
}

fn flags_table(set: &SetData, thumbs: &Result<Vec<Option<String>>, String>) -> Markup {
    html! {
        h3 { "Flags" }
        @if set.flags.is_empty() {
            p.ok { "No flag was raised in this set." }
        } @else {
            @if let Err(why) = thumbs { p.muted { (why) } }
            @if thumbs.is_ok() && set.flags.len() > MAX_THUMBS_PER_SET {
                p.muted { "Thumbnails of the first " (MAX_THUMBS_PER_SET) " flags only." }
            }
            table.flags {
                thead { tr {
                    th { "#" } th.num { "Time (s)" } th.num { "Lasted (s)" } th { "Rule" }
                    th.num { "Value at start" } th.num { "Worst" } th { "Flags when" } th { "Rep" }
                    th { "Frame" } th { "Patient was told" }
                } }
                tbody {
                    @for (i, flag) in set.flags.iter().enumerate() {
                        tr.flag.flagged {
                            td { (i + 1) }
                            td.num { (format!("{:.2}", flag.logged.start.t_ms.secs())) }
                            td.num {
                                (format!("{:.2}", flag.cleared.t_ms.secs_since(flag.logged.start.t_ms)))
                                @if flag.open() { br; span.small.muted { "still up at the end" } }
                            }
                            td { b { (flag.logged.rule) } br; span.small.muted { (fault_label(flag.logged.fault)) } }
                            td.num { (amount(&flag.logged.metric, flag.logged.value)) }
                            td.num { (amount(&flag.logged.metric, flag.logged.peak)) }
                            td { (flag_condition(set, flag)) }
                            td { @match flag.rep { Some(r) => (r), None => span.muted { "–" } } }
                            td {
                                @match thumbs.as_ref().ok().and_then(|t| t.get(i)) {
                                    Some(Some(uri)) => img.thumb src=(uri) width=(THUMB_WIDTH)
                                        alt=(format!("frame {} of set {}", flag.logged.start.frame, set.input.number));,
                                    Some(None) => span.small.muted { "frame " (flag.logged.start.frame) " not in the video" },
                                    None => span.small.muted { "frame " (flag.logged.start.frame) },
                                }
                            }
                            td { (flag.logged.message) }
                        }
                    }
                }
            }
        }
    }
}

/// A session's sets of one exercise, in set order.
fn sets_of<'a>(points: &[&'a HistoryPoint], exercise: &str) -> Vec<&'a HistoryPoint> {
    let mut sets: Vec<&HistoryPoint> = points
        .iter()
        .copied()
        .filter(|p| p.exercise == exercise)
        .collect();
    sets.sort_by_key(|p| p.set_number);
    sets
}

fn trends(input: &ReportInput) -> Result<Markup, ReportError> {
    let history = &input.history;
    if history.is_empty() {
        return Ok(html! {
            section.trends {
                h2 { "Across sessions" }
                p.muted { "No sessions are on record for this patient yet." }
            }
        });
    }
    let mut exercises: Vec<String> = Vec::new();
    for p in history {
        if !exercises.contains(&p.exercise) {
            exercises.push(p.exercise.clone());
        }
    }
    let pain = plot::pain_trend(history, input.session_id)?;
    let flags = plot::flags_trend(history, &exercises, input.session_id)?;
    let mut ranges = Vec::new();
    for name in &exercises {
        let Ok(exercise) = Exercise::named(name) else {
            continue;
        };
        if let Some(svg) = plot::range_trend(history, &exercise, input.session_id)? {
            ranges.push((exercise, svg));
        }
    }
    let sw = |c| format!("background:{}", hex(c));
    let sessions = plot::sessions(history);
    Ok(html! {
        section.trends {
            h2 { "Across sessions" }
            p.muted { (sessions.len()) " sessions on record; this session is shaded. Each point is the session's value over its sets." }
            figure {
                figcaption { b { "Pain" } " (NRS 0–10), mean over the session's sets. A change of " (input.pain_rise) " points is clinically meaningful [38]." }
                div.legend {
                    span { span.sw.line style=(sw(plot::PAIN_BEFORE)) {} "before the set" }
                    span { span.sw.line style=(sw(plot::PAIN_AFTER)) {} "after the set" }
                }
                (PreEscaped(pain))
            }
            @for (exercise, svg) in &ranges {
                @let metric = exercise.reps.as_ref().map(|r| r.metric);
                figure {
                    figcaption {
                        b { "Range reached: " (exercise.title) }
                        @if let Some(m) = metric {
                            " — best " (metric_label(m).to_lowercase()) " per session ("
                            @if exercise.reps.as_ref().is_some_and(|r| r.turn.get_ref() < r.start.get_ref()) { "lowest" } @else { "highest" }
                            " over its sets)"
                        }
                    }
                    (PreEscaped(svg))
                }
            }
            figure {
                figcaption { b { "Flags per set" } ", mean over the session's sets of each exercise" }
                div.legend {
                    @for (k, name) in exercises.iter().enumerate() {
                        span { span.sw.line style=(sw(plot::SERIES[k % plot::SERIES.len()])) {} (name) }
                    }
                }
                (PreEscaped(flags))
            }
            table {
                thead { tr { th { "Started" } th { "Session" } th { "Exercise" } th.num { "Sets" } th { "Pain before → after, per set" } th.num { "Range per set" } th.num { "Flags" } } }
                tbody {
                    @for (id, started, points) in &sessions {
                        @for name in &exercises {
                            @let pts = sets_of(points, name);
                            @if !pts.is_empty() {
                                tr.current[*id == input.session_id] {
                                    td { (started) } td { (id) } td { (name) } td.num { (pts.len()) }
                                    td {
                                        @for (i, p) in pts.iter().enumerate() {
                                            @if i > 0 { ", " }
                                            (pain_text(p.pain_before, p.pain_after, input.pain_rise))
                                        }
                                    }
                                    td.num {
                                        (pts.iter().map(|p| p.range.map_or("–".to_string(), |r| format!("{r:.0}"))).collect::<Vec<_>>().join(", "))
                                    }
                                    td.num { (pts.iter().map(|p| p.flags).sum::<u32>()) }
                                }
                            }
                        }
                    }
                }
            }
        }
    })
}
