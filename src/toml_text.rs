//! Locating problems in TOML files, so that errors name the line.

/// 1-based line of byte `offset` in `text`.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// The line of a TOML parse error in `text` and its message, followed by the
/// offending line quoted.
pub(crate) fn parse_error(text: &str, error: &toml::de::Error) -> (usize, String) {
    let line = error.span().map(|s| line_of(text, s.start)).unwrap_or(1);
    let quoted = text
        .lines()
        .nth(line - 1)
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| format!(" (in `{l}`)"))
        .unwrap_or_default();
    (line, format!("{}{quoted}", error.message().trim_end()))
}
