//! Where results go: the landmark track (JSON Lines), the skeleton overlay
//! drawn on frames, and the spoken cues.

pub mod cues;
pub mod overlay;
pub mod track;
