//! Health data is its owner's alone: every file formcheck writes about a
//! patient (recordings, events, the database, the report and its exports,
//! profiles) is created readable and writable by its owner only (0600),
//! every folder it makes for them 0700, and a file it replaces is tightened
//! to 0600 whatever it was.
//!
//! An output that replaces a file is written beside it and moved into
//! place once complete ([`Replacement`]): a run that fails half-way leaves
//! the old file, or none, never half of one. A database is never replaced
//! by an output, and a video only when asked ([`check_replaceable`]).
//!
//! Only regular files are formcheck's to replace or tighten: an output
//! named after a device or a pipe (`/dev/null`, `/dev/stdout`, a FIFO) is
//! written straight into it, and one named through a link replaces the
//! file the link points to, leaving the link.

use std::fs::{DirBuilder, File, OpenOptions, Permissions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Owner-only file permissions.
const FILE_MODE: u32 = 0o600;
/// Owner-only folder permissions.
const DIR_MODE: u32 = 0o700;

/// Whether `path` exists and is neither a regular file nor a folder (a
/// device, a pipe, a socket), following links.
fn is_special(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

/// Creates (or truncates) `path` for writing, owner-only; a device or a
/// pipe is opened for writing as it is.
pub fn create_file(path: &Path) -> io::Result<File> {
    if is_special(path) {
        return OpenOptions::new().write(true).open(path);
    }
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

/// Creates a new owner-only folder `base`, or `base-2`, `base-3`... when
/// that name is taken (two sessions of one patient started in the same
/// second); its parents are created as by [`create_dir`]. The folder made.
pub fn create_new_dir(base: &Path) -> io::Result<PathBuf> {
    if let Some(parent) = base.parent() {
        create_dir(parent)?;
    }
    let mut n = 1u32;
    loop {
        let dir = if n == 1 {
            base.to_path_buf()
        } else {
            let mut name = base.as_os_str().to_owned();
            name.push(format!("-{n}"));
            PathBuf::from(name)
        };
        match DirBuilder::new().mode(DIR_MODE).create(&dir) {
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && n < 1000 => n += 1,
            result => return result.map(|()| dir),
        }
    }
}

/// An output refused before anything is written.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    /// The output names an existing database.
    #[error("{}: is a database; an output never replaces one: choose another name", .0.display())]
    Database(PathBuf),
    /// The output names an existing video, and replacing it was not asked.
    #[error("{}: a video is already there: give --overwrite to replace it, or choose another name", .0.display())]
    Video(PathBuf),
}

/// Whether `path` may be written as an output: not an existing database
/// (the patient's sessions), nor an existing video unless `overwrite`.
pub fn check_replaceable(path: &Path, overwrite: bool) -> Result<(), Refused> {
    if is_special(path) {
        // Written through, nothing replaced; and reading a pipe to look
        // for a database's header would wait for ever.
        return Ok(());
    }
    let mut header = [0u8; 16];
    let is_database = File::open(path)
        .and_then(|mut f| f.read_exact(&mut header))
        .is_ok_and(|()| &header == crate::file_kinds::SQLITE_HEADER);
    if is_database {
        return Err(Refused::Database(path.into()));
    }
    if crate::file_kinds::is_video_name(path) && !overwrite && path.exists() {
        return Err(Refused::Video(path.into()));
    }
    Ok(())
}

/// A file being written beside `path` (owner-only), moved into its place
/// by [`Replacement::commit`]; dropped uncommitted, it is removed and
/// `path` is as it was. A device or a pipe is written straight through.
pub enum Replacement {
    /// A regular file (or none yet): the new one is written beside it.
    Beside {
        /// The new file, in the folder of `path`.
        temp: tempfile::NamedTempFile,
        /// The file it replaces once committed (a link's target).
        path: PathBuf,
    },
    /// A device or a pipe, written as the output goes.
    Through(File),
}

impl Replacement {
    /// Starts writing the file that will replace (or create) `path`.
    pub fn create(path: &Path) -> io::Result<Replacement> {
        if is_special(path) {
            return create_file(path).map(Replacement::Through);
        }
        // A link is kept: the file it points to is the one replaced.
        let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.into());
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let temp = tempfile::Builder::new()
            .prefix(".formcheck-")
            .suffix(".part")
            .tempfile_in(dir)?;
        temp.as_file()
            .set_permissions(Permissions::from_mode(FILE_MODE))?;
        Ok(Replacement::Beside { temp, path })
    }

    /// Moves the complete file into place, on disk (a device or a pipe
    /// is flushed).
    pub fn commit(self) -> io::Result<()> {
        match self {
            Replacement::Beside { temp, path } => {
                temp.as_file().sync_all()?;
                temp.persist(&path).map_err(|e| e.error)?;
                Ok(())
            }
            Replacement::Through(mut file) => file.flush(),
        }
    }

    fn writer(&mut self) -> &mut dyn Write {
        match self {
            Replacement::Beside { temp, .. } => temp,
            Replacement::Through(file) => file,
        }
    }
}

impl Write for Replacement {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.writer().write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.writer().flush()
    }
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
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("private");
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

    #[test]
    fn a_replacement_appears_whole_or_not_at_all_and_databases_are_never_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.jsonl");
        std::fs::write(&path, "old").unwrap();
        let mut half = Replacement::create(&path).unwrap();
        half.write_all(b"half of the new").unwrap();
        drop(half);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        let mut whole = Replacement::create(&path).unwrap();
        whole.write_all(b"new").unwrap();
        whole.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(mode(&path), 0o600);

        let db = dir.path().join("anything.html");
        std::fs::write(&db, b"SQLite format 3\0 and pages").unwrap();
        assert!(matches!(
            check_replaceable(&db, true),
            Err(Refused::Database(_))
        ));
        let video = dir.path().join("set.MP4");
        std::fs::write(&video, b"frames").unwrap();
        assert!(matches!(
            check_replaceable(&video, false),
            Err(Refused::Video(_))
        ));
        assert!(check_replaceable(&video, true).is_ok());
        assert!(check_replaceable(&dir.path().join("new.mp4"), false).is_ok());
        assert!(check_replaceable(&path, false).is_ok());
    }

    #[test]
    fn a_pipe_is_written_through_and_a_link_keeps_pointing_at_the_replaced_file() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("events.fifo");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o644)).unwrap();
        let reader = {
            let fifo = fifo.clone();
            std::thread::Builder::new()
                .name("fifo-reader".into())
                .spawn(move || std::fs::read_to_string(fifo).unwrap())
                .unwrap()
        };
        assert!(check_replaceable(&fifo, false).is_ok());
        let mut out = Replacement::create(&fifo).unwrap();
        out.write_all(b"through").unwrap();
        out.commit().unwrap();
        let kind = std::fs::symlink_metadata(&fifo).unwrap().file_type();
        assert!(std::os::unix::fs::FileTypeExt::is_fifo(&kind));
        assert_eq!(mode(&fifo), 0o644, "a pipe keeps its permissions");
        assert_eq!(reader.join().unwrap(), "through");

        let target = dir.path().join("report.html");
        std::fs::write(&target, "old").unwrap();
        let link = dir.path().join("latest.html");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let mut out = Replacement::create(&link).unwrap();
        out.write_all(b"new").unwrap();
        out.commit().unwrap();
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
    }
}
