//! The TOML files formcheck reads (exercises, profiles, the programme, the
//! cues, camera calibrations): read, parsed, and their problems located, so
//! that every error names the file, the line and the field.

use std::path::{Path, PathBuf};

/// Why a TOML file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TomlError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML, or a field is missing, unknown or of the
    /// wrong type.
    #[error("{path} line {line}: {message}")]
    Syntax {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// The parser's message, with the offending line.
        message: String,
    },
    /// A field has a value that makes no sense.
    #[error("{path} line {line}: `{field}` {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// The field.
        field: String,
        /// What is wrong and what is expected.
        message: String,
    },
}

/// Reads and parses the TOML file at `path`; its text is returned too, for
/// locating values in errors.
pub(crate) fn read<T: serde::de::DeserializeOwned>(path: &Path) -> Result<(T, String), TomlError> {
    let text = std::fs::read_to_string(path).map_err(|source| TomlError::Read {
        path: path.into(),
        source,
    })?;
    let value = parse(path, &text)?;
    Ok((value, text))
}

/// Parses `text`, the contents of the file at `path`.
pub(crate) fn parse<T: serde::de::DeserializeOwned>(
    path: &Path,
    text: &str,
) -> Result<T, TomlError> {
    toml::from_str(text).map_err(|e: toml::de::Error| {
        let (line, message) = parse_error(text, &e);
        TomlError::Syntax {
            path: path.into(),
            line,
            message,
        }
    })
}

/// `field` of the file at `path` (whose text is `text`), found at byte
/// `offset`, is wrong: `message` says how.
pub(crate) fn invalid(
    path: &Path,
    text: &str,
    offset: usize,
    field: &str,
    message: impl Into<String>,
) -> TomlError {
    TomlError::Invalid {
        path: path.into(),
        line: line_of(text, offset),
        field: field.into(),
        message: message.into(),
    }
}

/// Writes `text` into a file called `name` in a folder of its own that
/// outlives the test (its path is in the errors the test reads).
#[cfg(test)]
pub(crate) fn temp_file(name: &str, text: &str) -> std::path::PathBuf {
    let path = tempfile::tempdir().unwrap().keep().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// 1-based line of byte `offset` in `text`.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// The line of a TOML parse error in `text` and its message, followed by the
/// offending line quoted.
fn parse_error(text: &str, error: &toml::de::Error) -> (usize, String) {
    let line = error.span().map_or(1, |s| line_of(text, s.start));
    let quoted = text
        .lines()
        .nth(line - 1)
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| format!(" (in `{l}`)"))
        .unwrap_or_default();
    (line, format!("{}{quoted}", error.message().trim_end()))
}

/// 1-based line of the first `key = …` in `text` (1 when there is none):
/// for values whose position the parser does not keep.
pub(crate) fn line_of_key(text: &str, key: &str) -> usize {
    text.lines()
        .position(|l| {
            l.trim_start()
                .strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map_or(1, |i| i + 1)
}
