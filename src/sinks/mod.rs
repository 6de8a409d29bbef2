//! Where results go besides the files of [`crate::recording`]: the spoken
//! cues on their own thread, and a session's set recorded on its own thread
//! (events, metrics, track and videos, in the formats of `recording`).

pub mod cues;
pub mod recorder;
