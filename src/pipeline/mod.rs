//! The live pipeline: one named thread per stage, typed messages over
//! bounded channels (see `DESIGN.md`).

pub mod messages;
