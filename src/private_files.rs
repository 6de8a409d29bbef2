//! Health data is its owner's alone: every file formcheck writes about a
//! patient (recordings, events, the database, the report and its exports,
//! profiles) is created readable and writable by its owner only (0600),
//! every folder it makes for them 0700, and a file it replaces is tightened
//! to 0600 whatever it was.

use std::fs::{DirBuilder, File, OpenOptions, Permissions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// Owner-only file permissions.
const FILE_MODE: u32 = 0o600;
/// Owner-only folder permissions.
const DIR_MODE: u32 = 0o700;

/// Creates (or truncates) `path` for writing, owner-only.
pub fn create_file(path: &Path) -> io::Result<File> {
    let file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(FILE_MODE)
        .open(path)?;
    // `mode` applies to a new file only: an existing one is tightened.
    file.set_permissions(Permissions::from_mode(FILE_MODE))?;
    Ok(file)
}

/// Creates `dir` and its missing parents, each new one owner-only (an
/// existing folder the person chose keeps its permissions).
pub fn create_dir(dir: &Path) -> io::Result<()> {
    DirBuilder::new().recursive(true).mode(DIR_MODE).create(dir)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn new_and_replaced_files_and_new_folders_are_owner_only() {
        let dir = std::env::temp_dir().join(format!("formcheck-private-{}", std::process::id()));
        std::fs::remove_dir_all(&dir).ok();
        let nested = dir.join("a/b");
        create_dir(&nested).unwrap();
        assert_eq!(mode(&dir.join("a")), 0o700);
        assert_eq!(mode(&nested), 0o700);
        let new = nested.join("report.html");
        create_file(&new).unwrap().write_all(b"x").unwrap();
        assert_eq!(mode(&new), 0o600);
        let old = nested.join("reps.csv");
        std::fs::write(&old, "old").unwrap();
        std::fs::set_permissions(&old, Permissions::from_mode(0o644)).unwrap();
        create_file(&old).unwrap().write_all(b"new").unwrap();
        assert_eq!(mode(&old), 0o600);
        assert_eq!(std::fs::read_to_string(&old).unwrap(), "new");
        std::fs::remove_dir_all(&dir).ok();
    }
}
