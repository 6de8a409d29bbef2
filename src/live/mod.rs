//! The live run: frames from the pipeline shown, judged, spoken and
//! recorded as they come, with the keys of [`keys`].

pub mod keys;
