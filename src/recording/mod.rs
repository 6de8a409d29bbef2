//! A recorded set's files and their formats: [`events`] reads the event log
//! and [`metrics`] the metrics CSV, once for every reader (the report,
//! review); [`track`] writes and reads the landmark track (`formcheck pose`,
//! replayed by the pipeline). The sinks write the log and the CSV
//! (`sinks::event_log`, `sinks::metrics_csv`) and the videos
//! (`sinks::video`), through `sinks::recorder` for a session's set.

pub mod events;
pub mod metrics;
pub mod track;
