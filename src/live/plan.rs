//! One exercise of a guided session as it goes: the set-up check, then the
//! prescribed sets (each ended when its reps or its hold are reached), with
//! the rest between them, and what became of the exercise.

use crate::analysis::config::{Exercise, View};
use crate::analysis::events::Event;
use crate::analysis::prescription::Target;
use crate::analysis::setup_check::{advise, Advice, SetUpCheck};
use crate::analysis::status::Status;
use crate::analysis::view::Orientation;
use crate::body::Pose;
use crate::sinks::cues::GuideTexts;
use crate::store::ExerciseOutcome;

/// The reasons a patient may give for skipping or stopping an exercise.
pub const SKIP_REASONS: [&str; 6] = [
    "Pain",
    "Too hard",
    "Not enough time",
    "Not feeling well",
    "Equipment or space",
    "Other",
];

/// An exercise of the programme as prescribed for this session.
#[derive(Clone, Debug, PartialEq)]
pub struct ExercisePlan {
    /// 1-based place in the session.
    pub position: usize,
    /// Exercises in the session.
    pub of: usize,
    /// What each set aims at.
    pub target: Target,
    /// Sets prescribed.
    pub sets: u32,
    /// Rest between sets, seconds.
    pub rest_s: f32,
}

/// Where the exercise stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// The set-up is being checked; nothing is recorded.
    SetUp,
    /// The set-up is right; the analysis is starting the first set afresh.
    Starting,
    /// A set is under way.
    Set,
    /// The set reached its target; the analysis is closing it.
    Ending,
    /// Every set is done, or the exercise was skipped or stopped.
    Done,
}

/// What became of the exercise.
#[derive(Clone, Debug, PartialEq)]
pub struct Ended {
    /// Done, skipped or stopped.
    pub outcome: ExerciseOutcome,
    /// Why it was skipped or stopped.
    pub reason: Option<String>,
    /// The patient asked to end the whole session.
    pub quit: bool,
    /// Sets done.
    pub sets_done: u32,
}

/// The exercise under way.
#[derive(Debug)]
pub struct PlanState {
    /// As prescribed.
    pub plan: ExercisePlan,
    /// Where it stands.
    pub phase: Phase,
    /// Sets done so far.
    pub sets_done: u32,
    /// What became of it, once it ended.
    pub ended: Option<Ended>,
    check: SetUpCheck,
    view: Option<View>,
    orientation: Option<Orientation>,
    /// The advice said last, so that it is said once per change.
    said: Option<Advice>,
}

/// What the set-up check found on a frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SetUpStep {
    /// The advice to show, `None` when the set-up is right.
    pub advice: Option<Advice>,
    /// Advice that changed since the last frame, to say aloud.
    pub say: Option<Advice>,
    /// The set-up has been right long enough: the set starts.
    pub ready: bool,
}

impl PlanState {
    /// The exercise prescribed by `plan`, its set-up not yet checked.
    pub fn new(plan: ExercisePlan) -> PlanState {
        PlanState {
            plan,
            phase: Phase::SetUp,
            sets_done: 0,
            ended: None,
            check: SetUpCheck::default(),
            view: None,
            orientation: None,
            said: None,
        }
    }

    /// Follows the view and the body's orientation the analysis reports.
    pub fn follow(&mut self, events: &[Event]) {
        for event in events {
            if let Event::View {
                view, orientation, ..
            } = event
            {
                self.view = Some(*view);
                self.orientation = *orientation;
            }
        }
    }

    /// The set-up check on a frame at `t_ms` with `pose`.
    pub fn set_up(&mut self, exercise: &Exercise, pose: Option<&Pose>, t_ms: f64) -> SetUpStep {
        let advice = advise(exercise, pose, self.view, self.orientation);
        let ready = self.check.update(t_ms, advice);
        let say = advice.filter(|_| advice != self.said);
        self.said = advice;
        SetUpStep { advice, say, ready }
    }

    /// The latest advice of the set-up check.
    pub fn advice(&self) -> Option<Advice> {
        self.check.advice()
    }

    /// Whether the set at `status` has reached its target.
    pub fn reached(&self, status: &Status) -> bool {
        match self.plan.target {
            Target::Reps(n) => status.reps >= n,
            Target::HoldS(s) => status.hold.is_some_and(|h| h.held_s >= f64::from(s)),
        }
    }

    /// Whether sets remain after the ones done.
    pub fn sets_remain(&self) -> bool {
        self.sets_done < self.plan.sets
    }

    /// Ends the exercise with `outcome`.
    pub fn end(&mut self, outcome: ExerciseOutcome, reason: Option<String>, quit: bool) {
        self.phase = Phase::Done;
        self.ended.get_or_insert(Ended {
            outcome,
            reason,
            quit,
            sets_done: 0,
        });
    }
}

/// The short spoken form of `advice`.
pub fn spoken(advice: Advice, texts: &GuideTexts) -> &str {
    match advice {
        Advice::StepIntoView => &texts.get_in_view,
        Advice::HeadOutOfView => &texts.head_in_view,
        Advice::FeetOutOfView => &texts.feet_in_view,
        Advice::MoveBack => &texts.move_back,
        Advice::Turn(View::Front) => &texts.turn_front,
        Advice::Turn(_) => &texts.turn_side,
        Advice::Position(_) => &texts.position,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::status::HoldClock;

    fn plan(target: Target) -> PlanState {
        PlanState::new(ExercisePlan {
            position: 1,
            of: 2,
            target,
            sets: 2,
            rest_s: 30.0,
        })
    }

    #[test]
    fn a_set_reaches_its_reps_or_its_hold() {
        let reps = plan(Target::Reps(3));
        let mut status = Status {
            reps: 2,
            ..Status::default()
        };
        assert!(!reps.reached(&status));
        status.reps = 3;
        assert!(reps.reached(&status));
        let hold = plan(Target::HoldS(20.0));
        assert!(!hold.reached(&status));
        status.hold = Some(HoldClock {
            held_s: 20.0,
            target_s: 20.0,
            max_s: None,
        });
        assert!(hold.reached(&status));
    }

    #[test]
    fn advice_is_said_once_per_change_and_the_first_end_stands() {
        let bridge = Exercise::named("glute_bridge").unwrap();
        let mut state = plan(Target::Reps(1));
        let first = state.set_up(&bridge, None, 0.0);
        assert_eq!(first.say, Some(Advice::StepIntoView));
        assert_eq!(state.set_up(&bridge, None, 33.0).say, None);
        state.end(ExerciseOutcome::Skipped, Some("Pain".into()), false);
        state.end(ExerciseOutcome::Done, None, true);
        assert_eq!(state.phase, Phase::Done);
        assert_eq!(
            state.ended.as_ref().map(|e| e.outcome),
            Some(ExerciseOutcome::Skipped)
        );
    }
}
