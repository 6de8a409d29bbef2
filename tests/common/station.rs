//! A clinic's station in the tests: `formcheck live --patient` on a
//! rendered clip, storing into a PostgreSQL server through its journal in a
//! test's folder, with the session's answers on its standard input.

use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// What a station plays.
pub struct Play<'a> {
    /// The clip, relative to the project's root.
    pub clip: &'a str,
    /// Its exercise.
    pub exercise: &'a str,
    /// Replayed in real time, as a camera would deliver it.
    pub realtime: bool,
}

/// Starts station `name` for `patient` storing into the server at `url`:
/// its journal `NAME.sqlite` and the clinic's recordings folder
/// `clinic-recordings` in `dir`; `answers` written to it at once.
pub fn start(
    url: &str,
    dir: &Path,
    name: &str,
    patient: &str,
    play: &Play<'_>,
    answers: &str,
) -> Child {
    let mut command = Command::new(super::binary());
    command
        .args(["live", "--source"])
        .arg(super::root().join(play.clip))
        .args([
            "--no-window",
            "--exercise",
            play.exercise,
            "--model",
            "lite",
        ])
        .args(["--patient", patient, "--db", url, "--station", name])
        .arg("--journal")
        .arg(dir.join(format!("{name}.sqlite")))
        .arg("--cues-wav")
        .arg(dir.join(format!("{name}.wav")))
        .arg("--recordings")
        .arg(dir.join("clinic-recordings"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if play.realtime {
        command.arg("--realtime");
    }
    let mut child = command.spawn().unwrap();
    child
        .stdin
        .as_mut()
        .unwrap()
        .write_all(answers.as_bytes())
        .unwrap();
    child
}
