//! What can go wrong between a station or the dashboard and the clinic's
//! PostgreSQL server.

use crate::store::StoreError;

/// An error of the clinic's server, its delivery or its dashboard. Each
/// message names the server (never its password) and says what to do.
#[derive(Debug, thiserror::Error)]
pub enum ClinicError {
    /// The address is not a PostgreSQL URL.
    #[error(
        "`{given}` is not a PostgreSQL address ({why}): expected e.g. \
         postgres://formcheck@clinic-server/formcheck"
    )]
    Address {
        /// What was given, without a password.
        given: String,
        /// The parser's reason.
        why: String,
    },
    /// The server cannot be reached (down, the network, refused).
    #[error("cannot reach the clinic's server {server}: {source}")]
    Unreachable {
        /// The server, without a password.
        server: String,
        /// The driver's reason.
        source: postgres::Error,
    },
    /// The server answered with an error.
    #[error("the clinic's server {server}: {context}: {source}")]
    Sql {
        /// The server, without a password.
        server: String,
        /// What was being done.
        context: String,
        /// The server's reason.
        source: postgres::Error,
    },
    /// The server's database was made by a newer formcheck.
    #[error(
        "the clinic's server {server} has schema version {found}, newer than this formcheck \
         ({supported}): update formcheck on this machine"
    )]
    Newer {
        /// The server.
        server: String,
        /// Its version.
        found: i64,
        /// This build's.
        supported: i64,
    },
    /// Another station holds this station's id range (a one in two billion
    /// draw), or the journal is not the one the server knows.
    #[error("the clinic's server {server}: {why}")]
    Station {
        /// The server.
        server: String,
        /// What does not match, and what to do.
        why: String,
    },
    /// The dashboard's web server.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// A request the server refuses (a name or password that will not do).
    #[error("{0}")]
    Refused(String),
    /// The station's journal.
    #[error(transparent)]
    Journal(#[from] StoreError),
}
