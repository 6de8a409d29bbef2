//! Where results go: the landmark track (JSON Lines) and the skeleton
//! overlay drawn on frames.

pub mod overlay;
pub mod track;
