//! Where results go: the event log, the metrics CSV, the skeleton overlay
//! drawn on frames, the heads-up display and the live window, the overlay
//! video and the spoken cues; a session's set recorded on its own thread
//! (the landmark track's format is `recording::track`).

pub mod cues;
pub mod event_log;
pub mod hud;
pub mod metrics_csv;
pub mod overlay;
pub mod recorder;
pub mod video;
pub mod window;
