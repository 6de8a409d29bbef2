//! The report's "Progress over weeks" section: adherence week by week,
//! each outcome measure's trend with its minimal clinically important
//! change shaded and its source, the progressions suggested and made.

use maud::{html, Markup, PreEscaped};

use super::plot;
use super::progress::{Progress, Trend};
use super::ReportError;
use crate::outcomes::mcid::Better;

/// The y scale of a measure and its axis's label.
fn scale(measure: &str) -> (std::ops::Range<f64>, &'static str) {
    match measure {
        "odi" => (-3.0..103.0, "ODI, 0–100"),
        "rmdq" => (-0.7..24.7, "RMDQ, 0–24"),
        "psfs" => (-0.3..10.3, "PSFS, 0–10"),
        _ => (-0.3..10.3, "pain, NRS 0–10"),
    }
}

/// What a change amounts to, in words.
fn verdict(trend: &Trend) -> String {
    let Some(change) = trend.change else {
        return "one value so far".into();
    };
    let direction = if change.improved {
        "improvement"
    } else if change.points == 0.0 {
        return "no change".into();
    } else {
        "worsening"
    };
    if change.important {
        format!("clinically important {direction}")
    } else {
        format!("{direction} smaller than the minimal important change")
    }
}

/// The minimal clinically important change in words.
fn threshold(trend: &Trend) -> String {
    let mcid = &trend.mcid;
    let better = match mcid.better {
        Better::Lower => "lower is better",
        Better::Higher => "higher is better",
    };
    match mcid.percent {
        Some(p) => format!("{} points or {p}% ({better})", mcid.points),
        None => format!("{} points ({better})", mcid.points),
    }
}

/// The section, or a line saying there is nothing yet.
pub(super) fn section(progress: &Progress) -> Result<Markup, ReportError> {
    if progress.weeks.is_empty() {
        return Ok(html! {});
    }
    let mut plots = Vec::new();
    for trend in &progress.trends {
        if trend.values.len() < 2 {
            continue;
        }
        let first = trend.values[0].1;
        let band = (first - trend.mcid.points)..(first + trend.mcid.points);
        let (y, label) = scale(&trend.measure);
        let svg = plot::measure_trend(&trend.mcid.title, label, y, &trend.values, band)?;
        plots.push((trend, svg));
    }
    Ok(html! {
        section.progress {
            h2 { "Progress over weeks" }
            p.muted {
                @match (progress.days_per_week, progress.adherence_percent) {
                    (Some(days), Some(percent)) => {
                        "Adherence: " b { (format!("{percent:.0}%")) } " of the "
                        (days) " sessions a week prescribed, over " (progress.weeks.len()) " weeks."
                    }
                    _ => { "The profile's programme could not be read: sessions are counted without the days a week prescribed." }
                }
            }
            table {
                thead { tr { th { "Week of" } th { "Sessions" } th { "Exercises done" } th { "Skipped" } th { "Stopped" } th { "Why" } } }
                tbody {
                    @for week in &progress.weeks {
                        tr {
                            td { (week.starts) }
                            td {
                                (week.sessions)
                                @if let Some(p) = week.prescribed { " of " (p) }
                            }
                            td { (week.done) }
                            td { (week.skipped) }
                            td { (week.stopped) }
                            td { (week.reasons.join("; ")) }
                        }
                    }
                }
            }
            @if !progress.trends.is_empty() {
                h3 { "Outcome measures" }
                table {
                    thead { tr { th { "Measure" } th { "First" } th { "Latest" } th { "Change" } th { "Minimal important change" } th { "Reading" } } }
                    tbody {
                        @for trend in &progress.trends {
                            @let first = &trend.values[0];
                            @let latest = &trend.values[trend.values.len() - 1];
                            tr {
                                td { (trend.mcid.title) }
                                td { (format!("{:.1}", first.1)) " " span.muted { "(" (first.0) ")" } }
                                td { (format!("{:.1}", latest.1)) " " span.muted { "(" (latest.0) ")" } }
                                td { @if let Some(c) = trend.change { (format!("{:+.1}", c.points)) } }
                                td { (threshold(trend)) }
                                td { (verdict(trend)) }
                            }
                        }
                    }
                }
                @for (trend, svg) in &plots {
                    figure {
                        figcaption {
                            b { (trend.mcid.title) } ", at the start of each session; the shaded band is a change from the first value smaller than the minimal clinically important one (" (threshold(trend)) ")."
                        }
                        (PreEscaped(svg))
                    }
                }
                p.muted.sources {
                    "Minimal clinically important changes: "
                    @for (i, trend) in progress.trends.iter().enumerate() {
                        @if i > 0 { " " }
                        b { (trend.mcid.title) ": " } (trend.mcid.source)
                    }
                }
            }
            h3 { "Progressions" }
            @if progress.progressions.is_empty() {
                p.muted { "None suggested or made yet." }
            } @else {
                table {
                    thead { tr { th { "Date" } th { "Exercise" } th { "Progression" } } }
                    tbody {
                        @for p in &progress.progressions {
                            tr { td { (p.date) } td { (p.exercise) } td { (p.what) } }
                        }
                    }
                }
            }
        }
    })
}
