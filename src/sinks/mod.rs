//! Where results go: the event log, the metrics CSV, the landmark track
//! (JSON Lines), the skeleton overlay drawn on frames, the heads-up display
//! and the live window, the overlay video and the spoken cues.

pub mod cues;
pub mod event_log;
pub mod hud;
pub mod metrics_csv;
pub mod overlay;
pub mod recorder;
pub mod track;
pub mod video;
pub mod window;
