//! Where formcheck finds its data at run time: the models, the calibration
//! (exercise definitions, the programme, cue texts, cameras), the rendered
//! cues and the ONNX Runtime library.
//!
//! One folder holds them all, laid out as the source tree is (`models/`,
//! `calibration/`; the rendered cues in `cues/` or `.cache/cues/`, the
//! runtime in `onnxruntime/` or `.cache/onnxruntime/`). It is the first of:
//! 1. `--data-dir` ([`choose`]) or `$FORMCHECK_DATA`: when given, it must
//!    be one;
//! 2. the package's source tree while cargo runs the program
//!    (`$CARGO_MANIFEST_DIR`: `cargo run`, `cargo test`);
//! 3. beside the binary: `BIN/../share/formcheck` (an installed package),
//!    `BIN/../..` (a source tree's `target/release`);
//! 4. the XDG data folders: `$XDG_DATA_HOME/formcheck` (else
//!    `~/.local/share/formcheck`), then each of `$XDG_DATA_DIRS` (else
//!    `/usr/local/share:/usr/share`) with `/formcheck`.
//!
//! A folder counts when it has `calibration/exercises`. Files a person
//! writes (camera calibrations, the session database) go to the user's
//! data folder ([`user_dir`]), never into an installed one.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The environment variable naming the data folder.
pub const DATA_ENV: &str = "FORMCHECK_DATA";

/// What marks a folder as formcheck's data.
const MARKER: &str = "calibration/exercises";

/// The folder chosen, once looked for.
static ROOT: OnceLock<Result<PathBuf, DataError>> = OnceLock::new();

/// Why formcheck's data cannot be used.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum DataError {
    /// A folder named with `--data-dir` or `$FORMCHECK_DATA` is not one.
    #[error("{} (given by {by}) is not a formcheck data folder: it has no {MARKER}", path.display())]
    NotData {
        /// The folder named.
        path: PathBuf,
        /// `--data-dir` or the environment variable.
        by: &'static str,
    },
    /// None of the usual places has the data.
    #[error(
        "formcheck's data (models, exercises, cues) was not found; looked in {}: \
         install formcheck's package, or name the folder with --data-dir or {DATA_ENV}",
        looked.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
    )]
    NotFound {
        /// Every folder tried, in order.
        looked: Vec<PathBuf>,
    },
    /// The data folder was looked for before `--data-dir` was given.
    #[error("the data folder was already chosen ({}) before --data-dir", chosen.display())]
    AlreadyChosen {
        /// The folder in use.
        chosen: PathBuf,
    },
}

/// Uses `dir` (`--data-dir`) as the data folder; to be called before
/// anything reads data.
pub fn choose(dir: &Path) -> Result<&'static Path, DataError> {
    let wanted = if is_data(dir) {
        Ok(dir.to_path_buf())
    } else {
        Err(DataError::NotData {
            path: dir.into(),
            by: "--data-dir",
        })
    };
    let chosen = ROOT.get_or_init(|| wanted.clone());
    match (chosen, wanted) {
        (Ok(chosen), Ok(wanted)) if *chosen != wanted => Err(DataError::AlreadyChosen {
            chosen: chosen.clone(),
        }),
        (result, _) => result.as_deref().map_err(Clone::clone),
    }
}

/// The data folder, looked for once ([module docs](self)).
pub fn root() -> Result<&'static Path, DataError> {
    ROOT.get_or_init(locate).as_deref().map_err(Clone::clone)
}

/// `relative` inside the data folder. Where no data folder is found the
/// path is under the first place looked, so that the error of whatever
/// opens it names a real candidate; [`root`] says why.
pub fn path(relative: &str) -> PathBuf {
    match root() {
        Ok(root) => root.join(relative),
        Err(_) => candidates()
            .into_iter()
            .next()
            .unwrap_or_default()
            .join(relative),
    }
}

/// The first of `relatives` that exists in the data folder, else the first.
pub fn first_of(relatives: &[&str]) -> PathBuf {
    let paths: Vec<PathBuf> = relatives.iter().map(|r| path(r)).collect();
    paths
        .iter()
        .find(|p| p.exists())
        .or(paths.first())
        .cloned()
        .unwrap_or_default()
}

/// The user's own formcheck folder, for what a person writes:
/// `$XDG_DATA_HOME/formcheck`, else `~/.local/share/formcheck` (`None`
/// without either).
pub fn user_dir() -> Option<PathBuf> {
    user_dir_from(&|name| std::env::var_os(name))
}

fn user_dir_from(env: &dyn Fn(&str) -> Option<std::ffi::OsString>) -> Option<PathBuf> {
    let set = |name| env(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    // The XDG spec: a relative path in the variable is to be ignored.
    set("XDG_DATA_HOME")
        .filter(|d| d.is_absolute())
        .or_else(|| set("HOME").map(|h| h.join(".local/share")))
        .map(|d| d.join("formcheck"))
}

fn is_data(dir: &Path) -> bool {
    dir.join(MARKER).is_dir()
}

fn locate() -> Result<PathBuf, DataError> {
    if let Some(dir) = std::env::var_os(DATA_ENV).filter(|d| !d.is_empty()) {
        let dir = PathBuf::from(dir);
        return if is_data(&dir) {
            Ok(dir)
        } else {
            Err(DataError::NotData {
                path: dir,
                by: DATA_ENV,
            })
        };
    }
    let looked = candidates();
    looked
        .iter()
        .find(|d| is_data(d))
        .cloned()
        .ok_or(DataError::NotFound { looked })
}

/// The places looked in after `$FORMCHECK_DATA`, in order.
fn candidates() -> Vec<PathBuf> {
    let exe = std::env::current_exe()
        .ok()
        .and_then(|e| e.canonicalize().ok());
    candidates_from(&|name| std::env::var_os(name), exe.as_deref())
}

fn candidates_from(
    env: &dyn Fn(&str) -> Option<std::ffi::OsString>,
    exe: Option<&Path>,
) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Some(dir) = env("CARGO_MANIFEST_DIR") {
        out.push(PathBuf::from(dir));
    }
    if let Some(prefix) = exe.and_then(Path::parent).and_then(Path::parent) {
        out.push(prefix.join("share/formcheck"));
        // `TREE/target/release/formcheck`: the tree it was built in.
        if prefix.file_name().is_some_and(|n| n == "target") {
            out.extend(prefix.parent().map(Path::to_path_buf));
        }
    }
    out.extend(user_dir_from(env));
    let system = env("XDG_DATA_DIRS")
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| "/usr/local/share:/usr/share".into());
    out.extend(std::env::split_paths(&system).map(|d| d.join("formcheck")));
    let mut seen = std::collections::HashSet::new();
    out.retain(|p| seen.insert(p.clone()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsString;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<OsString> {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| OsString::from(v))
        }
    }

    #[test]
    fn an_installed_binary_looks_beside_itself_then_in_the_xdg_folders() {
        let env = env_of(&[("HOME", "/home/p")]);
        let found = candidates_from(&env, Some(Path::new("/usr/bin/formcheck")));
        assert_eq!(
            found,
            [
                "/usr/share/formcheck",
                "/home/p/.local/share/formcheck",
                "/usr/local/share/formcheck",
            ]
            .map(PathBuf::from)
            .to_vec()
        );
    }

    #[test]
    fn cargo_and_the_xdg_variables_come_first_where_set() {
        let env = env_of(&[
            ("CARGO_MANIFEST_DIR", "/src/formcheck"),
            ("XDG_DATA_HOME", "/data"),
            ("XDG_DATA_DIRS", "/opt/share:/usr/share"),
        ]);
        let found = candidates_from(
            &env,
            Some(Path::new("/src/formcheck/target/release/formcheck")),
        );
        assert_eq!(
            found,
            [
                "/src/formcheck",
                "/src/formcheck/target/share/formcheck",
                "/data/formcheck",
                "/opt/share/formcheck",
                "/usr/share/formcheck",
            ]
            .map(PathBuf::from)
            .to_vec()
        );
    }

    #[test]
    fn the_source_tree_is_formchecks_data_and_a_bare_folder_is_not() {
        assert!(is_data(Path::new(env!("CARGO_MANIFEST_DIR"))));
        let bare = tempfile::tempdir().unwrap();
        assert!(!is_data(bare.path()));
        let err = DataError::NotFound {
            looked: vec![bare.path().into(), "/usr/share/formcheck".into()],
        };
        let said = err.to_string();
        assert!(said.contains("/usr/share/formcheck"), "{said}");
        assert!(said.contains("--data-dir"), "{said}");
    }
}
