//! Outputs that would overwrite an input: a command's output paths checked
//! against its input paths (the same file also through a link or another
//! spelling of the path), and against each other, before anything is
//! opened. An input is never replaced by what was made from it.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use thiserror::Error;

/// An output that is an input, or another output.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum SameFileError {
    /// An output names a file the command reads.
    #[error("{output} is the same file as the input {input}: it would be overwritten; write the output elsewhere")]
    OutputIsInput {
        /// The output as given.
        output: PathBuf,
        /// The input it names.
        input: PathBuf,
    },
    /// Two outputs name the same file.
    #[error("{first} and {second} are the same file: give each output its own")]
    SameOutput {
        /// One output as given.
        first: PathBuf,
        /// The other.
        second: PathBuf,
    },
}

/// The file's device and inode, when it exists.
fn identity(path: &Path) -> Option<(u64, u64)> {
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

/// The path made absolute through its existing parent (links resolved), for
/// outputs that do not exist yet.
fn resolved(path: &Path) -> Option<PathBuf> {
    let name = path.file_name()?;
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    Some(parent.canonicalize().ok()?.join(name))
}

/// Whether `a` and `b` name the same file.
fn same(a: &Path, b: &Path) -> bool {
    match (identity(a), identity(b)) {
        (Some(x), Some(y)) => x == y,
        _ => resolved(a).is_some_and(|r| Some(r) == resolved(b)),
    }
}

/// Refuses outputs that are one of `inputs` or one another; `None` stands
/// for an option not given. Standard output (`-`) is never a file.
pub fn check(inputs: &[Option<&Path>], outputs: &[Option<&Path>]) -> Result<(), SameFileError> {
    let inputs: Vec<&Path> = inputs.iter().flatten().copied().collect();
    let outputs: Vec<&Path> = outputs
        .iter()
        .flatten()
        .copied()
        .filter(|p| *p != Path::new("-"))
        .collect();
    for output in &outputs {
        if let Some(input) = inputs.iter().find(|input| same(input, output)) {
            return Err(SameFileError::OutputIsInput {
                output: output.to_path_buf(),
                input: input.to_path_buf(),
            });
        }
    }
    for (i, first) in outputs.iter().enumerate() {
        if let Some(second) = outputs[i + 1..].iter().find(|o| same(first, o)) {
            return Err(SameFileError::SameOutput {
                first: first.to_path_buf(),
                second: second.to_path_buf(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_file_is_found_through_links_and_spellings() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("same-file");
        std::fs::remove_dir_all(&dir).ok();
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        let input = dir.join("in.mp4");
        std::fs::write(&input, b"video").unwrap();
        std::os::unix::fs::symlink(&input, dir.join("link.mp4")).unwrap();
        std::fs::hard_link(&input, dir.join("hard.mp4")).unwrap();
        for output in [
            input.clone(),
            dir.join("link.mp4"),
            dir.join("hard.mp4"),
            dir.join("sub/../in.mp4"),
        ] {
            assert!(
                matches!(
                    check(&[Some(&input)], &[Some(&output)]),
                    Err(SameFileError::OutputIsInput { .. })
                ),
                "{output:?}"
            );
        }
        // New files: different ones pass, the same one twice does not.
        let (a, b) = (dir.join("a.jsonl"), dir.join("sub/../a.jsonl"));
        let input = Some(input.as_path());
        let c = dir.join("b.csv");
        assert_eq!(check(&[input], &[Some(&a), Some(&c), None]), Ok(()));
        assert!(matches!(
            check(&[input], &[Some(&a), Some(&b)]),
            Err(SameFileError::SameOutput { .. })
        ));
        assert_eq!(check(&[input], &[Some(Path::new("-"))]), Ok(()));
        std::fs::remove_dir_all(&dir).ok();
    }
}
