//! The machine's settings file, so that a clinic's station runs with no
//! storage options on its command line: where sessions are stored (an
//! SQLite file, or a clinic's PostgreSQL server), and for a server the
//! station's journal, its name and the clinic's recordings folder.
//!
//! `$FORMCHECK_SETTINGS`, else `$XDG_CONFIG_HOME/formcheck/formcheck.toml`,
//! else `~/.config/formcheck/formcheck.toml`; a missing file is no settings.
//! A command-line option wins over `$FORMCHECK_DB`, which wins over the
//! file. Relative paths in the file are relative to its folder.
//!
//! ```toml
//! db = "postgres://formcheck@clinic-server/formcheck"
//! journal = "/var/lib/formcheck/journal.sqlite"
//! station = "Room 2"
//! recordings = "/mnt/clinic/recordings"
//! ```

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::toml_file::{self, TomlError};

/// Environment variable naming the settings file.
pub const SETTINGS_ENV: &str = "FORMCHECK_SETTINGS";

/// The settings; every field may be left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// The session database: a file, or `postgres://user@host/database`.
    pub db: Option<String>,
    /// With a server: the station's journal.
    pub journal: Option<PathBuf>,
    /// With a server: the station's name on the dashboard.
    pub station: Option<String>,
    /// With a server: the clinic's recordings folder.
    pub recordings: Option<PathBuf>,
}

impl Settings {
    /// Where the settings file is looked for.
    pub fn path() -> Option<PathBuf> {
        let set = |name: &str| {
            std::env::var_os(name)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        set(SETTINGS_ENV).or_else(|| {
            set("XDG_CONFIG_HOME")
                .filter(|d| d.is_absolute())
                .or_else(|| set("HOME").map(|h| h.join(".config")))
                .map(|d| d.join("formcheck").join("formcheck.toml"))
        })
    }

    /// The settings of this machine ([`Settings::path`]); none when there
    /// is no file.
    pub fn load() -> Result<Settings, TomlError> {
        match Settings::path() {
            Some(path) if path.exists() => Settings::read(&path),
            _ => Ok(Settings::default()),
        }
    }

    /// The settings file at `path`, its relative paths made relative to
    /// its folder.
    pub fn read(path: &Path) -> Result<Settings, TomlError> {
        let (mut settings, _): (Settings, String) = toml_file::read(path)?;
        let folder = path.parent().unwrap_or(Path::new("."));
        for file in [&mut settings.journal, &mut settings.recordings]
            .into_iter()
            .flatten()
        {
            if file.is_relative() {
                *file = folder.join(&*file);
            }
        }
        if let Some(db) = &mut settings.db {
            if !db.contains("://") && Path::new(db).is_relative() {
                *db = folder.join(&*db).to_string_lossy().into_owned();
            }
        }
        Ok(settings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_are_the_files_folder_and_an_unknown_key_is_named() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("formcheck.toml");
        std::fs::write(
            &path,
            "db = \"postgres://f@clinic/f\"\njournal = \"j.sqlite\"\nrecordings = \"/mnt/rec\"\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let settings = Settings::read(&path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(settings.db.as_deref(), Some("postgres://f@clinic/f"));
        assert_eq!(settings.journal, Some(dir.path().join("j.sqlite")));
        assert_eq!(settings.recordings, Some(PathBuf::from("/mnt/rec")));
        std::fs::write(&path, "db = \"x.sqlite\"\nstation_name = \"Room 2\"\n")
            .unwrap_or_else(|e| panic!("{e}"));
        let error = Settings::read(&path).map_or_else(|e| e.to_string(), |_| String::new());
        assert!(
            error.contains("line 2") && error.contains("station_name"),
            "{error}"
        );
    }
}
