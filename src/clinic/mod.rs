//! A clinic on many stations: a shared PostgreSQL server that the stations
//! deliver their sessions to, and the therapists' dashboard that reads it.
//!
//! A station records into a local SQLite journal exactly as a patient at
//! home records into their own database ([`crate::store`]), and a delivery
//! thread copies the journal into the server in order, each row once
//! ([`delivery`]). The server can be away at the start or in the middle of
//! a set: nothing waits for it and nothing is lost.

pub mod accounts;
pub mod board;
pub mod dashboard;
pub mod delivery;
pub mod error;
pub mod read;
pub mod server;
pub mod share;

pub use board::{FlagUp, StationNow};
pub use delivery::{Delivery, DeliveryEnd, Link};
pub use error::ClinicError;
pub use server::{Delivered, Server, ServerAddress};
