//! What the analysis reports: JSON Lines events, one per line.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::config::{Fault, View};
use super::measure::Metric;
use super::view::Orientation;
use crate::time::SourceTime;

/// What a flag judges: a metric measured on the frames, or a quantity of
/// the reps or holds themselves. Written as its name (`trunk_from_vertical`,
/// `phase_duration_s`, `hold_s`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Judged {
    /// A metric measured on every frame.
    Metric(Metric),
    /// A quantity of the reps or holds.
    Set(SetQuantity),
}

/// A quantity of the reps or holds a rule judges (tempo, the longest hold).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SetQuantity {
    /// How long a phase of a rep took, seconds (tempo).
    PhaseDurationS,
    /// How long a hold lasted, seconds.
    HoldS,
}

impl Judged {
    /// Its name, as in the event log.
    pub fn name(self) -> &'static str {
        match self {
            Judged::Metric(m) => m.name(),
            Judged::Set(SetQuantity::PhaseDurationS) => "phase_duration_s",
            Judged::Set(SetQuantity::HoldS) => "hold_s",
        }
    }
}

impl From<Metric> for Judged {
    fn from(metric: Metric) -> Judged {
        Judged::Metric(metric)
    }
}

/// One event of an analysed set.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// A rule's limit has been exceeded for its minimum duration.
    FlagStart {
        /// Rule id.
        rule: String,
        /// What it guards against.
        fault: Fault,
        /// What it judges.
        metric: Judged,
        /// The value that raised it (relative to baseline where the rule is).
        value: f32,
        /// The limit.
        limit: f32,
        /// Frame index.
        frame: u64,
        /// Frame time, ms.
        t_ms: SourceTime,
        /// What the patient is told.
        message: String,
    },
    /// The value is back inside the limit (with hysteresis), or can no
    /// longer be judged.
    FlagEnd {
        /// Rule id.
        rule: String,
        /// What it judges.
        metric: Judged,
        /// Worst value while the flag was up.
        peak: f32,
        /// The limit.
        limit: f32,
        /// Frame index.
        frame: u64,
        /// Frame time, ms.
        t_ms: SourceTime,
        /// How long the flag was up, ms.
        duration_ms: f64,
    },
    /// A completed repetition.
    Rep {
        /// 1-based rep number.
        index: u32,
        /// Frame of its end.
        frame: u64,
        /// Time of its end, ms.
        t_ms: SourceTime,
        /// Working (lowering) phase, seconds.
        eccentric_s: f64,
        /// Time at the turning point, seconds.
        turn_s: f64,
        /// Return phase, seconds.
        concentric_s: f64,
        /// Furthest value of the primary metric.
        range: f32,
        /// Lowest and highest value of every rule metric during the rep.
        peaks: BTreeMap<&'static str, [f32; 2]>,
        /// The value at the rep's turning point of every metric a rule
        /// judges there (the back's outline).
        #[serde(skip_serializing_if = "BTreeMap::is_empty")]
        at_turn: BTreeMap<&'static str, f32>,
        /// Rules that fired during the rep.
        flags: Vec<String>,
    },
    /// A hold in correct position ended.
    Hold {
        /// 1-based hold number.
        index: u32,
        /// Frame of its end.
        frame: u64,
        /// Time of its end, ms.
        t_ms: SourceTime,
        /// How long the position was held correctly, seconds.
        duration_s: f64,
        /// The target, seconds.
        target_s: f32,
    },
    /// The camera's view changed, or is not the one the exercise needs.
    View {
        /// Frame index.
        frame: u64,
        /// Frame time, ms.
        t_ms: SourceTime,
        /// The view the camera has.
        view: View,
        /// The view the exercise or a rule needs.
        needed: View,
        /// How the body is placed, once known.
        orientation: Option<Orientation>,
        /// What to do, empty when the view is right.
        message: String,
    },
    /// A rule cannot be judged: the landmarks it needs are not visible.
    CannotSee {
        /// Rule id.
        rule: String,
        /// The metric it needs.
        metric: Metric,
        /// Frame index.
        frame: u64,
        /// Frame time, ms.
        t_ms: SourceTime,
        /// What to do.
        hint: String,
    },
    /// The whole set.
    SetSummary {
        /// Exercise name.
        exercise: String,
        /// Frames analysed.
        frames: u64,
        /// Frames without a person.
        frames_without_person: u64,
        /// Completed reps.
        reps: u32,
        /// Holds.
        holds: u32,
        /// Longest correct hold, seconds.
        longest_hold_s: f64,
        /// Flags raised, per rule.
        flags: BTreeMap<String, u32>,
        /// What the camera cannot measure for this exercise.
        cannot_measure: Vec<String>,
        /// Each rep's judgement, in order: good, or the rules that flagged
        /// during it.
        #[serde(default)]
        rep_judgements: Vec<RepJudgement>,
    },
}

/// How a rep was judged: good, or with the faults its flags stand for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepJudgement {
    /// 1-based rep number.
    pub rep: u32,
    /// The rules that flagged during the rep (empty: a good rep).
    pub flags: Vec<String>,
}

impl RepJudgement {
    /// Whether no rule flagged during the rep.
    pub fn good(&self) -> bool {
        self.flags.is_empty()
    }

    /// The judgement in a few words: `good`, or `fault: ` and the rules.
    pub fn verdict(&self) -> String {
        if self.good() {
            "good".into()
        } else {
            format!("fault: {}", self.flags.join(", "))
        }
    }
}

impl Event {
    /// The set summary in words, for the person at the terminal: reps,
    /// holds, flags per rule and what the camera cannot measure; `None`
    /// for any other event.
    pub fn summary_text(&self) -> Option<String> {
        let Event::SetSummary {
            exercise,
            frames,
            frames_without_person,
            reps,
            holds,
            longest_hold_s,
            flags,
            cannot_measure,
            rep_judgements,
        } = self
        else {
            return None;
        };
        let mut text = format!("set of {exercise}: {reps} reps");
        if !rep_judgements.is_empty() {
            let good = rep_judgements.iter().filter(|r| r.good()).count();
            text += &format!(" ({good} good");
            for r in rep_judgements.iter().filter(|r| !r.good()) {
                text += &format!("; rep {} {}", r.rep, r.verdict());
            }
            text += ")";
        }
        if *holds > 0 {
            text += &format!(", {holds} holds (longest {longest_hold_s:.1} s)");
        }
        if flags.is_empty() {
            text += ", no flags";
        } else {
            let listed: Vec<String> = flags
                .iter()
                .map(|(rule, n)| format!("{rule} ×{n}"))
                .collect();
            text += &format!(", flags: {}", listed.join(", "));
        }
        if *frames_without_person > 0 {
            text += &format!(" ({frames_without_person} of {frames} frames without a person)");
        }
        for what in cannot_measure {
            text += &format!("\n  not measured: {what}");
        }
        Some(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_set_summary_reads_as_words_and_other_events_do_not() {
        let summary = Event::SetSummary {
            exercise: "glute_bridge".into(),
            frames: 543,
            frames_without_person: 0,
            reps: 3,
            holds: 0,
            longest_hold_s: 0.0,
            flags: BTreeMap::from([("hyperextension".to_string(), 2)]),
            cannot_measure: vec!["lumbar extension itself".into()],
            rep_judgements: (1..=3)
                .map(|rep| RepJudgement {
                    rep,
                    flags: if rep > 1 {
                        vec!["hyperextension".into()]
                    } else {
                        vec![]
                    },
                })
                .collect(),
        };
        assert_eq!(
            summary.summary_text().unwrap(),
            "set of glute_bridge: 3 reps (1 good; rep 2 fault: hyperextension; rep 3 fault: \
             hyperextension), flags: hyperextension ×2\n  not measured: lumbar extension itself"
        );
        let rep_less = Event::CannotSee {
            rule: "hip_sag".into(),
            metric: Metric::BodyLine,
            frame: 0,
            t_ms: SourceTime::from_ms(0.0),
            hint: String::new(),
        };
        assert!(rep_less.summary_text().is_none());
    }
}
