//! Nothing leaves the machine: a live set, run as a patient would, opens no
//! network socket (ONNX Runtime's telemetry looked up Microsoft's host about
//! 10 s into every run and queued a device id, the executable's path and the
//! models' names) and writes nothing in the home folder.
#![allow(clippy::unwrap_used, clippy::too_many_lines)] // a test fails by panicking; a scenario reads best whole

mod common;

use std::path::Path;
use std::process::Command;

/// Every file and folder under `dir`, relative to it.
fn tree(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            out.push(path.strip_prefix(dir).unwrap().display().to_string());
            if path.is_dir() {
                stack.push(path);
            }
        }
    }
    out
}

#[test]
fn a_live_set_opens_no_network_socket_and_leaves_the_home_folder_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("privacy");
    std::fs::remove_dir_all(&dir).ok();
    let home = dir.join("home");
    std::fs::create_dir_all(&home).unwrap();
    let trace = dir.join("strace.txt");
    let events = dir.join("events.jsonl");
    // A 17 s clip in real time: longer than the runtime waited before its
    // first look-up.
    let video = common::rendered::clip("squat-side-clean").video;
    let out = Command::new("strace")
        .args(["-f", "-e", "trace=socket,connect", "-o"])
        .arg(&trace)
        .arg(common::binary())
        .args(["live", "--realtime", "--exercise", "squat", "--source"])
        .arg(&video)
        .arg("--events")
        .arg(&events)
        .env("HOME", &home)
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env_remove("DISPLAY")
        .env_remove("ORT_DISABLE_TELEMETRY")
        .output()
        .expect("strace runs (make setup installs it)");
    common::assert_success(&out);
    assert!(std::fs::read_to_string(&events)
        .unwrap()
        .contains("set_summary"));
    let calls = std::fs::read_to_string(&trace).unwrap();
    let network: Vec<&str> = calls
        .lines()
        .filter(|l| l.contains("AF_INET") || l.contains("AF_INET6"))
        .collect();
    assert!(network.is_empty(), "network sockets: {network:#?}");
    assert_eq!(
        tree(&home),
        Vec::<String>::new(),
        "written in the home folder"
    );
    std::fs::remove_dir_all(&dir).ok();
}
