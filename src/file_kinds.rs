//! The kinds of file formcheck tells apart by name or by their first bytes:
//! a video it writes, and an SQLite database (the session store), which no
//! output may replace.

use std::path::Path;

/// Extensions of the containers a video is written in.
const VIDEO_EXTENSIONS: [&str; 5] = ["mp4", "mkv", "avi", "mov", "webm"];

/// What every SQLite database file starts with.
pub const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// Whether `path` is named as a video file.
pub fn is_video_name(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| VIDEO_EXTENSIONS.contains(&e.to_string_lossy().to_lowercase().as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn videos_are_known_by_their_extension_in_any_case() {
        assert!(is_video_name(Path::new("set/overlay.MKV")));
        assert!(is_video_name(Path::new("a.mp4")));
        assert!(!is_video_name(Path::new("events.jsonl")));
        assert!(!is_video_name(Path::new("mp4")));
    }
}
