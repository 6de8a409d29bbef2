//! The run's spoken cues: which cue a frame calls for, and the player
//! saying it on its own thread.

use super::LiveError;
use crate::analysis::config::Exercise;
use crate::pipeline::messages::Assessment;
use crate::sinks::cues::{
    cues_dir, Cue, CueBook, CueKind, CueOutput, CuePlayer, CueSelector, CueTexts, GuideTexts,
};
use crate::time::SourceTime;

/// What to say and the player saying it.
pub struct Cues {
    selector: CueSelector,
    player: CuePlayer,
    guide: GuideTexts,
}

impl Cues {
    /// The cues of `exercise`, played to `output`, muted at first if `mute`.
    pub fn start(exercise: &Exercise, output: CueOutput, mute: bool) -> Result<Cues, LiveError> {
        let texts = CueTexts::shipped()?;
        let selector = CueSelector::new(exercise, &texts);
        let mut said = selector.texts();
        said.extend(texts.guide.all().map(|(_, text)| text));
        let book = CueBook::load(&cues_dir(), &said);
        let player = CuePlayer::start(book, output)?;
        selector.mute_switch().set_muted(mute);
        Ok(Cues {
            selector,
            player,
            guide: texts.guide,
        })
    }

    /// What a guided session says.
    pub fn guide(&self) -> &GuideTexts {
        &self.guide
    }

    /// Says `text`, one of [`Cues::guide`]'s, as of the source's `t_ms`
    /// (unless muted).
    pub fn say(&self, text: &str, t_ms: SourceTime) {
        if !self.muted() {
            self.player.play(Cue {
                text: text.into(),
                kind: CueKind::Guidance,
                t_ms,
            });
        }
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
