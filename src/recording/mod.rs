//! A recorded set's files and their formats, written and read here only:
//! [`events`] (the event log), [`metrics`] (the metrics CSV), [`track`] (the
//! landmark track of `formcheck pose`, replayed by the pipeline) and
//! [`video`] (the overlay video and a set's recordings, [`encoder`] on a
//! thread of their own). `sinks::recorder`
//! writes a session's set with them on its own thread; the report and review
//! read them.

pub mod encoder;
pub mod events;
pub mod metrics;
pub mod track;
pub mod video;
pub mod web;
