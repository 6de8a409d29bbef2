//! The report's plots, drawn with `plotters` to SVG and inlined in the page.

use std::collections::BTreeMap;
use std::ops::Range;

use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::data::{Baseline, SetData};
use super::{HistoryPoint, ReportError};
use crate::analysis::config::{Direction, Exercise, RepReference, RepRule, Rule, View};
use crate::analysis::measure::Metric;
use crate::time::SourceTime;

/// Width of every plot, px (the page scales it to the column).
const WIDTH: u32 = 1000;
/// Height of a metric-over-time plot, px.
const METRIC_HEIGHT: u32 = 230;
/// Height of a trend plot, px.
const TREND_HEIGHT: u32 = 210;
/// Font of axis labels.
const FONT: &str = "sans-serif";
/// Size of axis labels, px.
const LABEL_SIZE: u32 = 13;
/// A gap between two samples longer than this breaks the line, s.
const MAX_GAP_S: f64 = 0.25;

/// The measured value, where the landmarks are visible enough to judge.
pub const MEASURED: RGBColor = RGBColor(0x1f, 0x5f, 0xa8);
/// A value not judged: its landmarks too poorly visible, or the camera in
/// the wrong place for it.
pub const UNRELIABLE: RGBColor = RGBColor(0xa9, 0xb1, 0xbd);
/// The safe region of a rule.
pub const SAFE: RGBColor = RGBColor(0x2e, 0x9d, 0x5a);
/// A rule's limit.
pub const LIMIT: RGBColor = RGBColor(0xb9, 0x2e, 0x2e);
/// A span during which a flag was up.
pub const FLAG: RGBColor = RGBColor(0xe0, 0x4a, 0x3c);
/// A rule judged once per rep on its extreme.
pub const REP_LIMIT: RGBColor = RGBColor(0xc7, 0x7c, 0x02);
/// The neutral baseline.
pub const BASELINE: RGBColor = RGBColor(0x55, 0x5d, 0x6b);
/// The background of a rep.
pub const REP: RGBColor = RGBColor(0xe9, 0xed, 0xf3);
/// Pain before a set.
pub const PAIN_BEFORE: RGBColor = RGBColor(0x4b, 0x6c, 0x8f);
/// Pain after a set.
pub const PAIN_AFTER: RGBColor = RGBColor(0xd3, 0x6b, 0x1e);
/// Series colours of the exercises in the trend plots.
pub const SERIES: [RGBColor; 6] = [
    RGBColor(0x1f, 0x5f, 0xa8),
    RGBColor(0xd3, 0x6b, 0x1e),
    RGBColor(0x2e, 0x8b, 0x57),
    RGBColor(0x8e, 0x44, 0xad),
    RGBColor(0x7f, 0x8c, 0x8d),
    RGBColor(0xb0, 0x3a, 0x2e),
];
/// Opacity of the safe region.
const SAFE_ALPHA: f64 = 0.13;
/// Opacity of a flag span.
const FLAG_ALPHA: f64 = 0.28;

/// `#rrggbb` of a colour, for the page's legend.
pub fn hex(c: RGBColor) -> String {
    format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2)
}

/// A value with its unit, short.
pub fn with_unit(metric: Metric, v: f32) -> String {
    if metric.is_angle() {
        format!("{v:.1}°")
    } else {
        format!("{v:.2} {}", metric.unit())
    }
}

type Chart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

fn plot_error(what: &str) -> impl Fn(String) -> ReportError + '_ {
    move |message| ReportError::Plot {
        what: what.to_string(),
        message,
    }
}

/// The safe interval of a frame rule, in the metric's raw units, if it can
/// be drawn.
fn safe_interval(fires: Direction, limit: f32, baseline: Baseline) -> Option<(f64, f64)> {
    let b = match baseline {
        Baseline::NotNeeded => 0.0,
        Baseline::Inferred(b) => b,
        Baseline::Unknown | Baseline::Changed => return None,
    };
    let (b, l) = (f64::from(b), f64::from(limit));
    Some(match fires {
        Direction::Above => (f64::NEG_INFINITY, b + l),
        Direction::Below => (b + l, f64::INFINITY),
        Direction::Beyond => (b - l.abs(), b + l.abs()),
    })
}

/// Each judged measurement of a set over time: the safe region of each rule
/// shaded, its limit as a line, the spans where a flag was up, the reps in
/// the background, values that were not judged (landmarks poorly visible,
/// camera in the wrong place) as grey dots within the judged values' scale.
pub fn metric_over_time(set: &SetData, metric: Metric) -> Result<String, ReportError> {
    let what = format!("{} in set {}", metric.name(), set.input.number);
    let err = plot_error(&what);
    let series = &set.series;
    let rules: Vec<_> = set
        .exercise
        .rules
        .iter()
        .filter(|r| r.metric == metric)
        .collect();
    let rep_rules: Vec<_> = set
        .exercise
        .rep_rules
        .iter()
        .filter(|r| r.metric == metric)
        .collect();
    let samples = judged_samples(set, metric, &rules);

    let Guides {
        lines,
        bands,
        baselines,
    } = guides(set, &rules, &rep_rules);

    let x_end = series.end_s().max(1.0);
    // The scale of the judged values (of all, when none was judged).
    let any_judged = samples.iter().any(|s| s.2);
    let scaled = samples.iter().filter(|s| s.2 || !any_judged).map(|s| s.1);
    let fixed = lines.iter().map(|l| l.1).chain(baselines.iter().copied());
    let y = padded(scaled.chain(fixed));

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, METRIC_HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(e.to_string()))?;
        let mut chart = ChartBuilder::on(&root)
            .margin_top(8)
            .margin_right(16)
            .margin_left(4)
            .x_label_area_size(34)
            .y_label_area_size(64)
            .build_cartesian_2d(0.0..x_end, y.clone())
            .map_err(|e| err(e.to_string()))?;
        let x = 0.0..x_end;
        mesh(&mut chart, "time in the set (s)", metric.unit(), &x, &y).map_err(&err)?;

        // Reps behind everything.
        draw_reps(&mut chart, set, x_end, &y).map_err(&err)?;
        // Safe regions.
        for (lo, hi) in &bands {
            let (lo, hi) = (lo.max(y.start), hi.min(y.end));
            if hi > lo {
                let style = SAFE.mix(SAFE_ALPHA).filled();
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(0.0, lo), (x_end, hi)],
                        style,
                    )))
                    .map_err(|e| err(e.to_string()))?;
            }
        }
        draw_flags(&mut chart, set, metric, &y).map_err(&err)?;
        for b in &baselines {
            chart
                .draw_series(DashedLineSeries::new(
                    [(0.0, *b), (x_end, *b)],
                    2,
                    5,
                    BASELINE.stroke_width(1),
                ))
                .map_err(|e| err(e.to_string()))?;
            label_line(&mut chart, x_end, *b, "baseline", BASELINE, false).map_err(&err)?;
        }
        for (id, value, colour, above) in &lines {
            chart
                .draw_series(DashedLineSeries::new(
                    [(0.0, *value), (x_end, *value)],
                    8,
                    4,
                    colour.stroke_width(2),
                ))
                .map_err(|e| err(e.to_string()))?;
            let label = format!("limit: {id}");
            label_line(&mut chart, x_end, *value, &label, *colour, *above).map_err(&err)?;
        }
        // Values not judged as grey dots, then the judged line.
        let dots = samples
            .iter()
            .filter(|s| !s.2 && y.contains(&s.1))
            .map(|s| Circle::new((s.0, s.1), 2, UNRELIABLE.filled()));
        chart.draw_series(dots).map_err(|e| err(e.to_string()))?;
        for run in runs(&samples) {
            chart
                .draw_series(LineSeries::new(run, MEASURED.stroke_width(2)))
                .map_err(|e| err(e.to_string()))?;
        }
        root.present().map_err(|e| err(e.to_string()))?;
    }
    Ok(svg)
}

/// Stretches of judged samples without gaps.
fn runs(samples: &[(f64, f64, bool)]) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut current: Vec<(f64, f64)> = Vec::new();
    for &(t, v, judged) in samples {
        let gap = current
            .last()
            .is_some_and(|&(last, _)| t - last > MAX_GAP_S);
        if !judged || gap {
            if current.len() > 1 {
                out.push(std::mem::take(&mut current));
            }
            current.clear();
        }
        if judged {
            current.push((t, v));
        }
    }
    if current.len() > 1 {
        out.push(current);
    }
    out
}

/// A y range that holds every value, with a margin.
fn padded(values: impl Iterator<Item = f64>) -> Range<f64> {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if !lo.is_finite() {
        return 0.0..1.0;
    }
    let span = (hi - lo).max(1e-3);
    let pad = span * 0.08;
    (lo - pad)..(hi + pad * 2.5)
}

/// Decimals that label an axis spanning `range` without clutter.
fn decimals(range: &Range<f64>) -> usize {
    match range.end - range.start {
        s if s >= 20.0 => 0,
        s if s >= 2.0 => 1,
        _ => 2,
    }
}

/// A metric's samples over the set, `(t_s, value, judged)`: judged where
/// visible enough for its rules and seen from a view they accept.
fn judged_samples(set: &SetData, metric: Metric, rules: &[&Rule]) -> Vec<(f64, f64, bool)> {
    let series = &set.series;
    let column = series.columns.get(&metric);
    let min_visibility = rules
        .iter()
        .map(|r| *r.min_visibility.get_ref())
        .reduce(f32::min)
        .unwrap_or(crate::analysis::measure::MIN_VISIBILITY);

    // The views a metric is judged from: its rules', else the exercise's.
    let views: Vec<View> = if rules.is_empty() {
        vec![set.exercise.view]
    } else {
        rules.iter().map(|r| r.view).collect()
    };
    // Samples: (t, value, judged): visible enough, from the right view.
    column
        .map(|c| {
            series
                .t_s
                .iter()
                .zip(c.value.iter().zip(&c.visibility))
                .filter_map(|(t, (v, vis))| {
                    let v = (*v)?;
                    let visible = vis.is_some_and(|vis| vis >= min_visibility);
                    let view = set.view_at(SourceTime::from_secs(*t));
                    let placed = view.is_some_and(|view| views.iter().any(|r| r.accepts(view)));
                    Some((*t, f64::from(v), visible && placed))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// What a metric's plot draws besides its values.
struct Guides {
    /// The lines: (rule id, raw value, colour, label above it).
    lines: Vec<(String, f64, RGBColor, bool)>,
    /// The safe regions, (low, high).
    bands: Vec<(f64, f64)>,
    /// The baselines inferred for the rules.
    baselines: Vec<f64>,
}

/// The limits, safe regions and baselines of `rules` and `rep_rules`.
fn guides(set: &SetData, rules: &[&Rule], rep_rules: &[&RepRule]) -> Guides {
    let mut lines: Vec<(String, f64, RGBColor, bool)> = Vec::new();
    let mut bands: Vec<(f64, f64)> = Vec::new();
    let mut baselines: Vec<f64> = Vec::new();
    for rule in rules {
        let (limit, _) = set.limit(&rule.id, *rule.limit.get_ref());
        let baseline = set.baseline(rule);
        if let Baseline::Inferred(b) = baseline {
            baselines.push(f64::from(b));
        }
        if let Some((lo, hi)) = safe_interval(rule.fires, limit, baseline) {
            bands.push((lo, hi));
            for (edge, above) in [(hi, true), (lo, false)] {
                if edge.is_finite() {
                    lines.push((rule.id.clone(), edge, LIMIT, above));
                }
            }
        }
    }
    for rule in rep_rules {
        let (limit, _) = set.limit(&rule.id, *rule.limit.get_ref());
        let from = match rule.relative_to {
            RepReference::Absolute => Some(0.0),
            // Only the back's outline is kept per rep.
            RepReference::FirstRep if rule.metric == Metric::BackBend => {
                set.reps.iter().find_map(|r| r.back_bend)
            }
            RepReference::FirstRep => None,
        };
        if let Some(from) = from {
            lines.push((rule.id.clone(), f64::from(from + limit), REP_LIMIT, true));
        }
    }

    Guides {
        lines,
        bands,
        baselines,
    }
}

/// The reps as alternate bands behind the plot, each labelled at the top.
fn draw_reps(chart: &mut Chart, set: &SetData, x_end: f64, y: &Range<f64>) -> Result<(), String> {
    for (i, rep) in set.reps.iter().enumerate() {
        let from = rep.start().secs().max(0.0);
        let to = rep.end.secs().min(x_end);
        if i % 2 == 0 {
            draw_rect(chart, from, to, y, REP.filled())?;
        }
        let label = format!("rep {}", rep.index);
        let style = (FONT, 12).into_font().color(&BASELINE);
        chart
            .draw_series(std::iter::once(Text::new(
                label,
                ((from + to) / 2.0, y.end),
                style.pos(plotters::style::text_anchor::Pos::new(
                    plotters::style::text_anchor::HPos::Center,
                    plotters::style::text_anchor::VPos::Top,
                )),
            )))
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// The spans where a flag was up: this metric's flags, and on the rep
/// metric the flags judged on a whole rep (tempo, hold).
fn draw_flags(
    chart: &mut Chart,
    set: &SetData,
    metric: Metric,
    y: &Range<f64>,
) -> Result<(), String> {
    let primary = set.metrics().first() == Some(&metric);
    for flag in &set.flags {
        let mine = flag.logged.metric == metric.name();
        let whole_rep = primary && Metric::ALL.iter().all(|m| m.name() != flag.logged.metric);
        if !(mine || whole_rep) {
            continue;
        }
        let from = flag.logged.start.t_ms.secs();
        let to = flag.cleared.t_ms.secs();
        if to - from > 0.05 {
            draw_rect(chart, from, to, y, FLAG.mix(FLAG_ALPHA).filled())?;
        } else {
            let style = FLAG.stroke_width(3);
            chart
                .draw_series(LineSeries::new([(from, y.start), (from, y.end)], style))
                .map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

fn mesh(
    chart: &mut Chart,
    x: &str,
    y: &str,
    x_range: &Range<f64>,
    y_range: &Range<f64>,
) -> Result<(), String> {
    let (x_decimals, y_decimals) = (decimals(x_range), decimals(y_range));
    chart
        .configure_mesh()
        .y_label_formatter(&|v| format!("{v:.y_decimals$}"))
        .x_label_formatter(&|v| format!("{v:.x_decimals$}"))
        .x_desc(x)
        .y_desc(y)
        .axis_desc_style((FONT, LABEL_SIZE))
        .label_style((FONT, LABEL_SIZE))
        .light_line_style(WHITE)
        .bold_line_style(RGBColor(0xe4, 0xe7, 0xeb))
        .axis_style(RGBColor(0x88, 0x8f, 0x99))
        .x_labels(12)
        .y_labels(6)
        .draw()
        .map_err(|e| e.to_string())
}

fn draw_rect(
    chart: &mut Chart,
    from: f64,
    to: f64,
    y: &Range<f64>,
    style: ShapeStyle,
) -> Result<(), String> {
    chart
        .draw_series(std::iter::once(Rectangle::new(
            [(from, y.start), (to, y.end)],
            style,
        )))
        .map(|_| ())
        .map_err(|e| e.to_string())
}

fn label_line(
    chart: &mut Chart,
    x_end: f64,
    y: f64,
    text: &str,
    colour: RGBColor,
    above: bool,
) -> Result<(), String> {
    use plotters::style::text_anchor::{HPos, Pos, VPos};
    let v = if above { VPos::Bottom } else { VPos::Top };
    let style = (FONT, 12)
        .into_font()
        .color(&colour)
        .pos(Pos::new(HPos::Right, v));
    chart
        .draw_series(std::iter::once(Text::new(
            text.to_string(),
            (x_end * 0.995, y),
            style,
        )))
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// The sessions of the history in order of start, each with its sets.
pub fn sessions(history: &[HistoryPoint]) -> Vec<(i64, String, Vec<&HistoryPoint>)> {
    let mut by_session: BTreeMap<(String, i64), Vec<&HistoryPoint>> = BTreeMap::new();
    for p in history {
        by_session
            .entry((p.started_at.clone(), p.session_id))
            .or_default()
            .push(p);
    }
    by_session
        .into_iter()
        .map(|((started, id), points)| (id, started, points))
        .collect()
}

/// A trend plot: one line per series over the sessions (x: the session's
/// position), the current session shaded.
struct Trend<'a> {
    what: &'a str,
    y_desc: &'a str,
    y: Range<f64>,
    labels: Vec<String>,
    current: Option<usize>,
    series: Vec<(RGBColor, Vec<(usize, f64)>)>,
    /// Decimals of the y labels.
    decimals: usize,
    /// A band of y values shaded across the plot (a change smaller than
    /// the minimal clinically important one, around the first value).
    band: Option<Range<f64>>,
}

impl Trend<'_> {
    fn draw(&self) -> Result<String, ReportError> {
        let err = plot_error(self.what);
        let n = self.labels.len().max(1);
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, (WIDTH, TREND_HEIGHT)).into_drawing_area();
            root.fill(&WHITE).map_err(|e| err(e.to_string()))?;
            let x = -0.5..(n as f64 - 0.5);
            let mut chart = ChartBuilder::on(&root)
                .margin_top(10)
                .margin_right(16)
                .margin_left(4)
                .x_label_area_size(34)
                .y_label_area_size(64)
                .build_cartesian_2d(x, self.y.clone())
                .map_err(|e| err(e.to_string()))?;
            let labels = &self.labels;
            chart
                .configure_mesh()
                .disable_x_mesh()
                .y_desc(self.y_desc)
                .axis_desc_style((FONT, LABEL_SIZE))
                .label_style((FONT, LABEL_SIZE))
                .light_line_style(WHITE)
                .bold_line_style(RGBColor(0xe4, 0xe7, 0xeb))
                .axis_style(RGBColor(0x88, 0x8f, 0x99))
                .x_labels(n.min(14) + 1)
                .x_label_formatter(&|v| {
                    let i = v.round();
                    if (v - i).abs() > 0.01 || i < 0.0 {
                        return String::new();
                    }
                    labels.get(i as usize).cloned().unwrap_or_default()
                })
                .y_labels(6)
                .y_label_formatter(&|v| format!("{v:.*}", self.decimals))
                .draw()
                .map_err(|e| err(e.to_string()))?;
            if let Some(c) = self.current {
                let c = c as f64;
                draw_rect(&mut chart, c - 0.4, c + 0.4, &self.y, REP.filled()).map_err(&err)?;
            }
            if let Some(band) = &self.band {
                let (from, to) = (-0.5, n as f64 - 0.5);
                draw_rect(&mut chart, from, to, band, SAFE.mix(SAFE_ALPHA).filled())
                    .map_err(&err)?;
            }
            for (colour, points) in &self.series {
                let points: Vec<(f64, f64)> = points.iter().map(|(i, v)| (*i as f64, *v)).collect();
                chart
                    .draw_series(LineSeries::new(points.clone(), colour.stroke_width(2)))
                    .map_err(|e| err(e.to_string()))?;
                chart
                    .draw_series(points.iter().map(|p| Circle::new(*p, 4, colour.filled())))
                    .map_err(|e| err(e.to_string()))?;
            }
            root.present().map_err(|e| err(e.to_string()))?;
        }
        Ok(svg)
    }
}

/// Labels and the current session's position for the trend plots.
fn axis(history: &[HistoryPoint], current: i64) -> (Vec<String>, Option<usize>) {
    let sessions = sessions(history);
    let labels = sessions
        .iter()
        .map(|(_, started, _)| started.chars().take(10).collect())
        .collect();
    let at = sessions.iter().position(|(id, ..)| *id == current);
    (labels, at)
}

fn mean(values: impl Iterator<Item = f64>) -> Option<f64> {
    let (sum, n) = values.fold((0.0, 0u32), |(s, n), v| (s + v, n + 1));
    (n > 0).then(|| sum / f64::from(n))
}

/// Pain before and after the sets, per session (mean over its sets).
pub fn pain_trend(history: &[HistoryPoint], current: i64) -> Result<String, ReportError> {
    let (labels, at) = axis(history, current);
    let sessions = sessions(history);
    let per = |f: fn(&HistoryPoint) -> Option<u8>| -> Vec<(usize, f64)> {
        sessions
            .iter()
            .enumerate()
            .filter_map(|(i, (_, _, pts))| {
                mean(pts.iter().filter_map(|p| f(p)).map(f64::from)).map(|m| (i, m))
            })
            .collect()
    };
    Trend {
        what: "pain across sessions",
        y_desc: "pain, NRS 0–10",
        y: -0.3..10.5,
        labels,
        current: at,
        series: vec![
            (PAIN_BEFORE, per(|p| p.pain_before)),
            (PAIN_AFTER, per(|p| p.pain_after)),
        ],
        decimals: 0,
        band: None,
    }
    .draw()
}

/// Flags per set, per session and exercise.
pub fn flags_trend(
    history: &[HistoryPoint],
    exercises: &[String],
    current: i64,
) -> Result<String, ReportError> {
    let (labels, at) = axis(history, current);
    let sessions = sessions(history);
    let mut series = Vec::new();
    let mut top: f64 = 1.0;
    for (k, name) in exercises.iter().enumerate() {
        let points: Vec<(usize, f64)> = sessions
            .iter()
            .enumerate()
            .filter_map(|(i, (_, _, pts))| {
                let flags = pts
                    .iter()
                    .filter(|p| &p.exercise == name)
                    .map(|p| f64::from(p.flags));
                mean(flags).map(|m| (i, m))
            })
            .collect();
        top = points.iter().map(|p| p.1).fold(top, f64::max);
        series.push((SERIES[k % SERIES.len()], points));
    }
    let y = -0.2..(top * 1.15 + 0.5);
    Trend {
        what: "flags per set across sessions",
        y_desc: "flags per set",
        decimals: decimals(&y).min(1),
        band: None,
        y,
        labels,
        current: at,
        series,
    }
    .draw()
}

/// The best range of the primary metric reached per session, for one
/// exercise (lowest or highest, as the exercise's reps go).
pub fn range_trend(
    history: &[HistoryPoint],
    exercise: &Exercise,
    current: i64,
) -> Result<Option<String>, ReportError> {
    let Some(reps) = &exercise.reps else {
        return Ok(None);
    };
    let lowest = reps.turn.get_ref() < reps.start.get_ref();
    let (labels, at) = axis(history, current);
    let points: Vec<(usize, f64)> = sessions(history)
        .iter()
        .enumerate()
        .filter_map(|(i, (_, _, pts))| {
            let ranges = pts
                .iter()
                .filter(|p| p.exercise == exercise.name)
                .filter_map(|p| p.range)
                .map(f64::from);
            let best = if lowest {
                ranges.reduce(f64::min)
            } else {
                ranges.reduce(f64::max)
            };
            best.map(|b| (i, b))
        })
        .collect();
    if points.is_empty() {
        return Ok(None);
    }
    let y = padded(points.iter().map(|p| p.1));
    let what = format!("range of {} across sessions", exercise.name);
    Trend {
        what: &what,
        y_desc: reps.metric.unit(),
        decimals: decimals(&y),
        band: None,
        y,
        labels,
        current: at,
        series: vec![(MEASURED, points)],
    }
    .draw()
    .map(Some)
}

/// An outcome measure over the sessions it was given in: `values` (date,
/// value) on a `y` scale described by `y_desc`, the band of changes from
/// the first value smaller than the minimal clinically important one
/// shaded.
pub fn measure_trend(
    what: &str,
    y_desc: &str,
    y: Range<f64>,
    values: &[(String, f64)],
    band: Range<f64>,
) -> Result<String, ReportError> {
    Trend {
        what,
        y_desc,
        y,
        labels: values.iter().map(|(date, _)| date.clone()).collect(),
        current: values.len().checked_sub(1),
        series: vec![(
            MEASURED,
            values
                .iter()
                .enumerate()
                .map(|(i, (_, v))| (i, *v))
                .collect(),
        )],
        decimals: 0,
        band: Some(band),
    }
    .draw()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_regions_follow_the_rule_and_its_baseline() {
        let inf = f64::INFINITY;
        assert_eq!(
            safe_interval(Direction::Above, 190.0, Baseline::NotNeeded),
            Some((-inf, 190.0))
        );
        assert_eq!(
            safe_interval(Direction::Below, 165.0, Baseline::NotNeeded),
            Some((165.0, inf))
        );
        assert_eq!(
            safe_interval(Direction::Above, 45.0, Baseline::Inferred(5.0)),
            Some((-inf, 50.0))
        );
        assert_eq!(
            safe_interval(Direction::Beyond, 0.5, Baseline::Inferred(1.0)),
            Some((0.5, 1.5))
        );
        assert_eq!(
            safe_interval(Direction::Above, 45.0, Baseline::Unknown),
            None
        );
        assert_eq!(
            safe_interval(Direction::Above, 45.0, Baseline::Changed),
            None
        );
    }

    #[test]
    fn lines_break_at_values_not_judged_and_at_gaps() {
        let s = [
            (0.0, 1.0, true),
            (0.1, 2.0, true),
            (0.2, 3.0, false),
            (0.3, 4.0, true),
            (0.4, 5.0, true),
            (1.0, 6.0, true),
            (1.1, 7.0, true),
        ];
        let r = runs(&s);
        assert_eq!(r.len(), 3);
        assert_eq!(r[1], vec![(0.3, 4.0), (0.4, 5.0)]);
        let y = padded([1.0, 3.0].into_iter());
        assert!(y.start < 1.0 && y.end > 3.0);
        assert_eq!(padded(std::iter::empty()), 0.0..1.0);
    }
}
