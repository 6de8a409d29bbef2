//! A recorded set's files read back, one reader per format for every
//! command that reads them (the report, review): [`events`] reads the event
//! log, [`metrics`] the metrics CSV. The files are written by the sinks (`sinks::event_log`,
//! `sinks::metrics_csv`, `sinks::track`, `sinks::video`) through
//! `sinks::recorder`.

pub mod events;
pub mod metrics;
