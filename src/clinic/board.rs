//! What a station is doing now, as the live board shows it: followed from
//! the session's events by the station, sent by its delivery.

use serde::{Deserialize, Serialize};

use crate::analysis::events::Event;

/// A flag that is up now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlagUp {
    /// The rule that raised it.
    pub rule: String,
    /// What it says to the patient.
    pub message: String,
}

/// A station's state for the live board.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StationNow {
    /// The patient's pseudonym.
    pub patient: String,
    /// The exercise.
    pub exercise: String,
    /// The session's id.
    pub session: Option<i64>,
    /// The set being recorded, or the last one.
    pub set: Option<u32>,
    /// Whether a set is being recorded now.
    pub in_set: bool,
    /// Reps counted in the set.
    pub reps: u32,
    /// Holds counted in the set.
    pub holds: u32,
    /// Flags raised in the set.
    pub flags_in_set: u32,
    /// The flags up now.
    pub flags_up: Vec<FlagUp>,
    /// The last pain score given (0–10).
    pub last_pain: Option<u8>,
    /// Frames assessed per second lately.
    pub fps: f64,
    /// Share of the source's frames dropped so far, in percent.
    pub dropped_percent: f64,
    /// Whether the camera has stopped sending frames.
    pub camera_lost: bool,
    /// Whether the session has ended.
    pub ended: bool,
}

impl StationNow {
    /// A set starts, with the pain before it.
    pub fn set_started(&mut self, number: u32, pain_before: u8) {
        self.set = Some(number);
        self.in_set = true;
        self.reps = 0;
        self.holds = 0;
        self.flags_in_set = 0;
        self.flags_up.clear();
        self.last_pain = Some(pain_before);
    }

    /// The set ended, with the pain after it when given.
    pub fn set_ended(&mut self, pain_after: Option<u8>) {
        self.in_set = false;
        self.flags_up.clear();
        if pain_after.is_some() {
            self.last_pain = pain_after;
        }
    }

    /// Follows a frame's events: reps, holds, flags raised and cleared.
    pub fn follow(&mut self, events: &[Event]) {
        for event in events {
            match event {
                Event::Rep { .. } => self.reps += 1,
                Event::Hold { .. } => self.holds += 1,
                Event::FlagStart { rule, message, .. } => {
                    self.flags_in_set += 1;
                    self.flags_up.retain(|f| &f.rule != rule);
                    self.flags_up.push(FlagUp {
                        rule: rule.clone(),
                        message: message.clone(),
                    });
                }
                Event::FlagEnd { rule, .. } => self.flags_up.retain(|f| &f.rule != rule),
                _ => {}
            }
        }
    }
}
