//! Where results go: the landmark track (JSON Lines), the skeleton overlay
//! drawn on frames, the heads-up display and the live window.

pub mod hud;
pub mod overlay;
pub mod track;
pub mod window;
