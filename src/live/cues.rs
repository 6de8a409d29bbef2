//! The run's spoken cues: which cue a frame calls for, and the player
//! saying it on its own thread.

use super::LiveError;
use crate::analysis::config::Exercise;
use crate::pipeline::messages::Assessment;
use crate::sinks::cues::{cues_dir, CueBook, CueOutput, CuePlayer, CueSelector, CueTexts};

/// What to say and the player saying it.
pub struct Cues {
    selector: CueSelector,
    player: CuePlayer,
}

impl Cues {
    /// The cues of `exercise`, played to `output`, muted at first if `mute`.
    pub fn start(exercise: &Exercise, output: CueOutput, mute: bool) -> Result<Cues, LiveError> {
        let selector = CueSelector::new(exercise, &CueTexts::shipped()?);
        let book = CueBook::load(&cues_dir(), &selector.texts());
        let player = CuePlayer::start(book, output)?;
        selector.mute_switch().set_muted(mute);
        Ok(Cues { selector, player })
    }

    /// Plays the cue `a` calls for, if any (none while `paused`).
    pub fn cue(&mut self, a: &Assessment, paused: bool) {
        if paused {
            return;
        }
        if let Some(cue) = self
            .selector
            .select(a.frame.info.t_ms, &a.events, &a.status)
        {
            self.player.play(cue);
        }
    }

    /// Whether the cues are off.
    pub fn muted(&self) -> bool {
        self.selector.mute_switch().is_muted()
    }

    /// Turns the cues off or on; whether they are now off.
    pub fn toggle_mute(&self) -> bool {
        self.selector.mute_switch().toggle()
    }

    /// Stops the player once it has said what it was saying; says how many
    /// cues it had to drop.
    pub fn finish(self) -> Result<(), LiveError> {
        let report = self.player.finish()?;
        if report.dropped > 0 {
            eprintln!(
                "{} spoken cues dropped: the player was still busy",
                report.dropped
            );
        }
        Ok(())
    }
}
