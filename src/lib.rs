//! formcheck: watches a person exercising through a camera and tells them,
//! live, when their form puts their lower back at risk.
//!
//! The pipeline's stages are modules: [`source`] (frames from images, video
//! files and cameras), [`pose`] (BlazePose landmarks on ONNX Runtime), and
//! [`sinks`] (the landmark track, the skeleton overlay, the live display).

#![deny(missing_docs)]

pub mod analysis;
pub mod bench;
pub mod camera_calibration;
pub mod pipeline;
pub mod pose;
pub mod sinks;
pub mod source;
mod toml_text;
