//! formcheck: watches a person exercising through a camera and tells them,
//! live, when their form puts their lower back at risk.
//!
//! The pipeline's stages are modules: [`source`] (frames from images, video
//! files, cameras and streams), [`pose`] (BlazePose landmarks on ONNX
//! Runtime, as the [`body`] types) and [`analysis`] (angles, view, reps,
//! holds and form flags); [`pipeline`] runs them on their own threads.
//! [`live`] takes what the pipeline gives on the main thread: the display
//! ([`ui`]), the spoken cues and a session's recorder ([`sinks`]), the files
//! ([`recording`], [`output`]) and a patient's session ([`store`],
//! [`safety`], [`prompt`]). [`report`] and [`review`] read a recorded set
//! back. `ARCHITECTURE.md` has the whole map.

#![deny(missing_docs)]

pub mod analysis;
pub mod bench;
pub mod body;
pub mod camera_calibration;
pub mod clinic;
pub mod data_dir;
pub mod file_kinds;
pub mod live;
pub mod outcomes;
pub mod output;
pub mod pipeline;
pub mod pose;
pub mod private_files;
pub mod prompt;
pub mod recording;
pub mod report;
pub mod review;
pub mod safety;
pub mod same_file;
pub mod settings;
pub mod sinks;
pub mod source;
pub mod store;
pub mod time;
pub mod toml_file;
pub mod ui;
