//! Where a text output goes: standard output (`-`), or a file written
//! owner-only beside its path and moved into place once complete, so that a
//! run that fails leaves the file that was there before.

use std::io::{BufWriter, Write};
use std::path::Path;

use crate::private_files::Replacement;

/// A text output's destination.
pub enum Output {
    /// Standard output (`-`).
    Stdout(std::io::StdoutLock<'static>),
    /// A file, moved into place by [`commit`].
    File(Replacement),
}

/// An output that cannot be created.
#[derive(Debug, thiserror::Error)]
#[error("cannot create {path}")]
pub struct CreateError {
    /// The path asked for.
    pub path: String,
    /// What failed.
    #[source]
    pub source: std::io::Error,
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Output::Stdout(out) => out.write(buf),
            Output::File(file) => file.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Output::Stdout(out) => out.flush(),
            Output::File(file) => file.flush(),
        }
    }
}

/// Creates `path` for writing (owner-only, in place once committed), or
/// standard output for `-`.
pub fn create(path: &str) -> Result<BufWriter<Output>, CreateError> {
    let out = if path == "-" {
        Output::Stdout(std::io::stdout().lock())
    } else {
        Output::File(
            Replacement::create(Path::new(path)).map_err(|source| CreateError {
                path: path.to_owned(),
                source,
            })?,
        )
    };
    Ok(BufWriter::new(out))
}

/// Flushes a finished output and moves its file into place.
pub fn commit(out: BufWriter<Output>) -> std::io::Result<()> {
    match out
        .into_inner()
        .map_err(std::io::IntoInnerError::into_error)?
    {
        Output::Stdout(mut out) => out.flush(),
        Output::File(file) => file.commit(),
    }
}
