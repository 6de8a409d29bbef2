//! A station's finished sets copied to the clinic's recordings folder
//! (typically a network share the dashboard also reads), each file
//! verified by its SHA-256 before the copy counts.
//!
//! Files go to `<folder>/<station>/<session folder>/<set folder>/`: the
//! station's random id keeps two stations apart. A copy is written under a
//! temporary name, flushed, read back and hashed again; only a copy whose
//! hash matches the station's file is renamed into place and recorded
//! (the recording's `shared_path` and `sha256`, delivered to the server
//! like any write).

use std::fs::File;
use std::io::{self, BufReader, Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::store::Uncopied;

/// Why a file could not be copied.
#[derive(Debug, thiserror::Error)]
pub enum ShareError {
    /// Reading the station's file or writing the copy failed.
    #[error("cannot copy {} to {}: {source}", from.display(), to.display())]
    Io {
        /// The station's file.
        from: PathBuf,
        /// The copy.
        to: PathBuf,
        /// The operating system's reason.
        source: io::Error,
    },
    /// The copy read back does not hash as the file did.
    #[error("the copy {} does not match {} (SHA-256 {read_back} against {original}): it was removed and will be copied again", to.display(), from.display())]
    Mismatch {
        /// The station's file.
        from: PathBuf,
        /// The copy.
        to: PathBuf,
        /// The file's hash.
        original: String,
        /// The copy's.
        read_back: String,
    },
}

/// Where `file` of `station` goes in the recordings folder `root`.
pub fn target(root: &Path, station: &str, file: &Uncopied) -> PathBuf {
    let set = file
        .set_folder
        .file_name()
        .map(PathBuf::from)
        .unwrap_or_default();
    let session = file
        .set_folder
        .parent()
        .and_then(Path::file_name)
        .map(PathBuf::from)
        .unwrap_or_default();
    let inside = file.path.strip_prefix(&file.set_folder).map_or_else(
        |_| file.path.file_name().map(PathBuf::from).unwrap_or_default(),
        Path::to_path_buf,
    );
    root.join(station).join(session).join(set).join(inside)
}

/// Copies `from` to `to`, verified; the SHA-256 of both, hex.
pub fn copy_verified(from: &Path, to: &Path) -> Result<String, ShareError> {
    let io_error = |source| ShareError::Io {
        from: from.to_path_buf(),
        to: to.to_path_buf(),
        source,
    };
    if let Some(dir) = to.parent() {
        crate::private_files::create_dir(dir).map_err(io_error)?;
    }
    let partial = to.with_extension("part");
    let original = {
        let mut source = BufReader::new(File::open(from).map_err(io_error)?);
        let mut copy = crate::private_files::create_file(&partial).map_err(io_error)?;
        let mut hasher = Sha256::new();
        let mut buffer = vec![0u8; 1 << 16];
        loop {
            let n = source.read(&mut buffer).map_err(io_error)?;
            if n == 0 {
                break;
            }
            hasher.update(&buffer[..n]);
            copy.write_all(&buffer[..n]).map_err(io_error)?;
        }
        copy.sync_all().map_err(io_error)?;
        hex(&hasher.finalize())
    };
    let read_back = {
        let mut hasher = Sha256::new();
        io::copy(&mut File::open(&partial).map_err(io_error)?, &mut hasher).map_err(io_error)?;
        hex(&hasher.finalize())
    };
    if read_back != original {
        let _ = std::fs::remove_file(&partial);
        return Err(ShareError::Mismatch {
            from: from.to_path_buf(),
            to: to.to_path_buf(),
            original,
            read_back,
        });
    }
    std::fs::rename(&partial, to).map_err(io_error)?;
    Ok(original)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_goes_under_the_station_session_and_set_and_hashes_as_the_file() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let set = dir.path().join("sessions/patient-7-100/set-01-squat");
        std::fs::create_dir_all(&set).unwrap_or_else(|e| panic!("{e}"));
        let file = set.join("events.jsonl");
        std::fs::write(&file, b"{\"event\":\"rep\"}\n").unwrap_or_else(|e| panic!("{e}"));
        let uncopied = Uncopied {
            id: 1,
            path: file.clone(),
            set_folder: set,
        };
        let share = dir.path().join("share");
        let to = target(&share, "abc", &uncopied);
        assert_eq!(
            to,
            share.join("abc/patient-7-100/set-01-squat/events.jsonl")
        );
        let sha = copy_verified(&file, &to).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(std::fs::read(&to).ok(), std::fs::read(&file).ok());
        // sha256 of the line, as `sha256sum` gives it.
        assert_eq!(sha, hex(&Sha256::digest(b"{\"event\":\"rep\"}\n")));
        assert!(!to.with_extension("part").exists());
        let missing = copy_verified(&dir.path().join("gone.mkv"), &share.join("x/gone.mkv"));
        assert!(matches!(missing, Err(ShareError::Io { .. })));
    }
}
