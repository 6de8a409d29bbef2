//! Locating problems in TOML files, so that errors name the line.

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
pub(crate) fn parse_error(text: &str, error: &toml::de::Error) -> (usize, String) {
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
