//! Which cue to say, if any: from a frame's events to at most one cue.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use super::CueTexts;
use crate::analysis::config::Exercise;
use crate::analysis::events::Event;
use crate::analysis::status::Status;
use crate::analysis::{HOLD_RULE, TEMPO_RULE};
use crate::time::SourceTime;

/// The same cue is not said again within this time of the source's clock,
/// ms: long enough not to nag through a rep or two, short enough to come
/// back if the fault does.
pub const COOL_DOWN_MS: f64 = 8_000.0;

/// What a cue is about, in increasing priority: when one frame has several,
/// the highest is said and the others are not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum CueKind {
    /// A rep count or a hold's target time reached.
    Milestone,
    /// Where to put the camera, or what it cannot see.
    Guidance,
    /// A form flag: what to correct now.
    Flag,
}

/// A cue to say.
#[derive(Clone, Debug, PartialEq)]
pub struct Cue {
    /// The words, as written in the calibration files.
    pub text: Arc<str>,
    /// What it is about.
    pub kind: CueKind,
    /// Time of the frame that raised it, ms of the source's clock.
    pub t_ms: SourceTime,
}

/// Mutes and unmutes the cues; clones share one switch, so a key handler on
/// another thread can hold one.
#[derive(Clone, Debug, Default)]
pub struct MuteSwitch(Arc<AtomicBool>);

impl MuteSwitch {
    /// Whether the cues are muted.
    pub fn is_muted(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// Mutes (`true`) or unmutes the cues.
    pub fn set_muted(&self, muted: bool) {
        self.0.store(muted, Ordering::Relaxed);
    }

    /// Mutes if unmuted and the reverse; returns whether now muted.
    pub fn toggle(&self) -> bool {
        !self.0.fetch_xor(true, Ordering::Relaxed)
    }
}

/// Chooses the cues of one set of one exercise, frame by frame.
///
/// A flag's start says its rule's `cue` (the fixed hold-too-long and tempo
/// cues for the flags the analysis makes itself); a wrong camera view and a
/// joint out of sight say the guidance cues; the rep counts listed in
/// `calibration/cues.toml` and a hold reaching its target say the milestone
/// cues. Flag ends, holds ending and the set summary say nothing.
pub struct CueSelector {
    /// Rule id → its cue.
    rule_cues: HashMap<String, Arc<str>>,
    cannot_see: Arc<str>,
    wrong_view: Arc<str>,
    hold_target: Arc<str>,
    /// Rep count → its cue.
    reps: BTreeMap<u32, Arc<str>>,
    /// When each cue was last said, ms.
    last_said: HashMap<Arc<str>, SourceTime>,
    /// Whether the current hold's target has been announced.
    hold_announced: bool,
    mute: MuteSwitch,
}

impl CueSelector {
    /// A selector for `exercise`'s rules with the fixed cues `texts`.
    pub fn new(exercise: &Exercise, texts: &CueTexts) -> CueSelector {
        let mut rule_cues: HashMap<String, Arc<str>> = exercise
            .rules
            .iter()
            .map(|r| (r.id.clone(), Arc::from(r.cue.trim())))
            .collect();
        rule_cues.insert(HOLD_RULE.into(), Arc::from(texts.hold_too_long.as_str()));
        rule_cues.insert(TEMPO_RULE.into(), Arc::from(texts.tempo_too_fast.as_str()));
        CueSelector {
            rule_cues,
            cannot_see: Arc::from(texts.cannot_see.as_str()),
            wrong_view: Arc::from(texts.wrong_view.as_str()),
            hold_target: Arc::from(texts.hold_target.as_str()),
            reps: texts
                .reps
                .iter()
                .map(|&n| (n, Arc::from(n.to_string())))
                .collect(),
            last_said: HashMap::new(),
            hold_announced: false,
            mute: MuteSwitch::default(),
        }
    }

    /// Every cue this selector can say, each once, sorted (the sounds a
    /// [`super::CueBook`] must hold).
    pub fn texts(&self) -> Vec<&str> {
        let fixed = [&self.cannot_see, &self.wrong_view, &self.hold_target];
        let mut texts: Vec<&str> = self
            .rule_cues
            .values()
            .chain(fixed)
            .chain(self.reps.values())
            .map(|t| &**t)
            .collect();
        texts.sort_unstable();
        texts.dedup();
        texts
    }

    /// The switch that mutes this selector.
    pub fn mute_switch(&self) -> MuteSwitch {
        self.mute.clone()
    }

    /// The cue to say for the frame at `t_ms` (source clock) with `events`
    /// and `status`, if any: the highest-priority cue raised on the frame
    /// that was not said within [`COOL_DOWN_MS`]; `None` while muted.
    pub fn select(&mut self, t_ms: SourceTime, events: &[Event], status: &Status) -> Option<Cue> {
        // Holds are announced while they last, from the live hold clock:
        // the `hold` event only comes when the hold has ended.
        let mut hold_reached = false;
        if let Some(hold) = &status.hold {
            let reached = hold.held_s >= f64::from(hold.target_s);
            hold_reached = reached && !self.hold_announced;
            self.hold_announced = reached;
        }
        let last_said = &self.last_said;
        let mut best: Option<(CueKind, Arc<str>)> = None;
        let mut consider = |kind: CueKind, text: &Arc<str>| {
            if best.as_ref().is_none_or(|(k, _)| kind > *k) && !recently_said(last_said, text, t_ms)
            {
                best = Some((kind, Arc::clone(text)));
            }
        };
        for event in events {
            match event {
                Event::FlagStart { rule, .. } => match self.rule_cues.get(rule) {
                    Some(text) => consider(CueKind::Flag, text),
                    None => tracing::debug!("no cue for rule `{rule}`"),
                },
                Event::View { message, .. } if !message.is_empty() => {
                    consider(CueKind::Guidance, &self.wrong_view);
                }
                Event::CannotSee { .. } => consider(CueKind::Guidance, &self.cannot_see),
                Event::Rep { index, .. } => {
                    if let Some(text) = self.reps.get(index) {
                        consider(CueKind::Milestone, text);
                    }
                }
                Event::View { .. }
                | Event::FlagEnd { .. }
                | Event::Hold { .. }
                | Event::SetSummary { .. } => {}
            }
        }
        if hold_reached {
            consider(CueKind::Milestone, &self.hold_target);
        }
        let (kind, text) = best?;
        if self.mute.is_muted() {
            return None;
        }
        self.last_said.insert(Arc::clone(&text), t_ms);
        Some(Cue { text, kind, t_ms })
    }
}

/// Whether `text` was said within the cool-down before `t_ms` (a clock that
/// went back, as when a source restarts, ends the cool-down).
fn recently_said(
    last_said: &HashMap<Arc<str>, SourceTime>,
    text: &Arc<str>,
    t_ms: SourceTime,
) -> bool {
    last_said
        .get(text)
        .is_some_and(|&said| t_ms >= said && t_ms.ms_since(said) < COOL_DOWN_MS)
}
