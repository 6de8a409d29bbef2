//! The rendered corpus (`samples/`, made by `make samples`): clips of a
//! rendered body doing our exercises with faults of known size at known
//! times, and what each clip's manifest entry says of them.
#![allow(clippy::unwrap_used)] // helpers of tests: a failure is a panic with its cause

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::root;

/// A fault rendered into a clip, over one rep.
#[derive(Clone, Debug)]
pub struct FaultWindow {
    /// The motion file's name of the fault.
    pub fault: String,
    /// 1-based rep.
    pub rep: u32,
    /// Seconds from the start where the fault begins to be applied...
    pub start_s: f64,
    /// ... and where it is gone again.
    pub end_s: f64,
}

/// A clip of the rendered corpus.
#[derive(Clone, Debug)]
pub struct Clip {
    /// Its name in the manifest.
    pub name: String,
    /// The video.
    pub video: PathBuf,
    /// Its ground truth (JSON Lines, also a landmark track).
    pub truth: PathBuf,
    /// formcheck's exercise, where one exists for the motion.
    pub exercise: Option<String>,
    /// Reps performed.
    pub reps: u32,
    /// Start and end of each rep, s.
    pub rep_windows: Vec<(f64, f64)>,
    /// The faults and when.
    pub faults: Vec<FaultWindow>,
    /// The manifest entry as written.
    pub entry: Value,
}

/// The folder of the rendered corpus.
pub fn samples() -> PathBuf {
    root().join("samples")
}

/// The manifest's clips, in name order.
pub fn clips() -> Vec<Clip> {
    let path = samples().join("manifest.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (the corpus is committed)", path.display()));
    let manifest: Value = serde_json::from_str(&text).unwrap();
    manifest["clips"]
        .as_object()
        .unwrap()
        .values()
        .map(|e| clip_of(&samples(), e))
        .collect()
}

/// One clip by name.
pub fn clip(name: &str) -> Clip {
    clips()
        .into_iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("{name} is not in samples/manifest.json"))
}

fn clip_of(dir: &Path, e: &Value) -> Clip {
    let secs = |v: &Value| v.as_f64().unwrap();
    Clip {
        name: e["name"].as_str().unwrap().to_string(),
        video: dir.join(e["video"].as_str().unwrap()),
        truth: dir.join(e["truth"].as_str().unwrap()),
        exercise: e["exercise"].as_str().map(str::to_string),
        reps: e["reps"].as_u64().unwrap() as u32,
        rep_windows: e["rep_windows_s"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| (secs(&w[0]), secs(&w[1])))
            .collect(),
        faults: e["fault_windows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| FaultWindow {
                fault: w["fault"].as_str().unwrap().to_string(),
                rep: w["rep"].as_u64().unwrap() as u32,
                start_s: secs(&w["start_s"]),
                end_s: secs(&w["end_s"]),
            })
            .collect(),
        entry: e.clone(),
    }
}
