//! The live run's keys: what each asks for, and the keymap the window reads
//! them through.

use crate::ui::window::{Key, Window};

/// What a key asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Command {
    /// Pause or resume (space).
    Pause,
    /// Capture the patient's neutral baseline now (`c`).
    CaptureBaseline,
    /// Start or stop recording (`r`).
    Record,
    /// End this set and start the next (`n`).
    NextSet,
    /// Mute or unmute the cues (`m`).
    Mute,
    /// Show or hide the stage timings (`d`).
    Timings,
    /// Show or hide the back's outline the rules measure (`b`).
    Outline,
    /// Skip or stop this exercise of a guided session, saying why (`s`).
    Skip,
    /// Quit (`q`, Escape, or closing the window).
    Quit,
}

/// The keys and what each asks for.
pub const KEYMAP: [(Key, Command); 10] = [
    (Key::Space, Command::Pause),
    (Key::C, Command::CaptureBaseline),
    (Key::R, Command::Record),
    (Key::N, Command::NextSet),
    (Key::M, Command::Mute),
    (Key::D, Command::Timings),
    (Key::B, Command::Outline),
    (Key::S, Command::Skip),
    (Key::Q, Command::Quit),
    (Key::Escape, Command::Quit),
];

/// The commands waiting in `window`, oldest first; once the window has been
/// closed, [`Command::Quit`] once.
pub fn commands(window: &mut Window) -> impl Iterator<Item = Command> + '_ {
    std::iter::from_fn(move || window.next_or_closed(&KEYMAP, Command::Quit))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_maps_to_one_command_and_all_commands_have_keys() {
        for (i, (key, _)) in KEYMAP.iter().enumerate() {
            assert!(KEYMAP[i + 1..].iter().all(|(k, _)| k != key));
        }
        for command in [
            Command::Pause,
            Command::CaptureBaseline,
            Command::Record,
            Command::NextSet,
            Command::Mute,
            Command::Timings,
            Command::Quit,
        ] {
            assert!(KEYMAP.iter().any(|(_, c)| *c == command), "{command:?}");
        }
    }

    #[test]
    fn the_keymap_maps_the_keys_it_knows() {
        let find = |key| KEYMAP.iter().find(|(k, _)| *k == key).map(|(_, c)| *c);
        assert_eq!(find(Key::N), Some(Command::NextSet));
        assert_eq!(find(Key::Right), None);
    }
}
