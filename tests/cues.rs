//! Spoken cues: which cues a set of analysis events says, in what order, and
//! what the player writes for `--cues-wav` (a timeline of the rendered
//! cues on the source's clock), without a sound card.
//!
//! Tests that need the rendered cues render them with
//! `scripts/render_cues.py` when espeak-ng is installed (`make setup`
//! installs it) and are skipped, with a message, when it is not.
#![allow(clippy::unwrap_used, clippy::too_many_lines)] // a test fails by panicking; a scenario reads best whole

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use formcheck::analysis::config::{exercises_dir, Exercise, Fault, View};
use formcheck::analysis::events::Event;
use formcheck::analysis::measure::Metric;
use formcheck::analysis::status::{HoldClock, Status};
use formcheck::analysis::{HOLD_RULE, TEMPO_RULE};
use formcheck::sinks::cues::{
    cues_dir, Cue, CueBook, CueKind, CueOutput, CuePlayer, CueSelector, CueTexts, COOL_DOWN_MS,
    GAP_MS, QUEUE_CAPACITY,
};
use formcheck::time::SourceTime;

/// The glute bridge's one rule, and its cue.
const RULE: &str = "hyperextension";
const RULE_CUE: &str = "Straight line, no arch";

/// The rendered cues' folder, rendering them once per test run; `None`
/// (with a message) without espeak-ng.
fn rendered_cues() -> Option<PathBuf> {
    static RENDERED: OnceLock<bool> = OnceLock::new();
    let rendered = *RENDERED.get_or_init(|| {
        if Command::new("espeak-ng").arg("--version").output().is_err() {
            eprintln!("skipped: espeak-ng is not installed (`make setup` installs it)");
            return false;
        }
        let status = Command::new("python3")
            .arg(common::root().join("scripts/render_cues.py"))
            .status()
            .expect("python3 runs");
        assert!(status.success(), "scripts/render_cues.py failed");
        true
    });
    rendered.then(cues_dir)
}

fn selector(exercise: &str) -> CueSelector {
    CueSelector::new(
        &Exercise::named(exercise).unwrap(),
        &CueTexts::shipped().unwrap(),
    )
}

fn frame_of(t_ms: f64) -> u64 {
    (t_ms * 30.0 / 1000.0).round() as u64
}

fn flag(rule: &str, t_ms: f64) -> Event {
    Event::FlagStart {
        rule: rule.into(),
        fault: Fault::RangeOfMotion,
        metric: Metric::HipExtension.into(),
        value: 195.0,
        limit: 190.0,
        frame: frame_of(t_ms),
        t_ms: SourceTime::from_ms(t_ms),
        message: "Don't arch your back".into(),
    }
}

fn flag_end(rule: &str, t_ms: f64) -> Event {
    Event::FlagEnd {
        rule: rule.into(),
        metric: Metric::HipExtension.into(),
        peak: 195.0,
        limit: 190.0,
        frame: frame_of(t_ms),
        t_ms: SourceTime::from_ms(t_ms),
        duration_ms: 500.0,
    }
}

fn rep(index: u32, t_ms: f64) -> Event {
    Event::Rep {
        index,
        frame: frame_of(t_ms),
        t_ms: SourceTime::from_ms(t_ms),
        eccentric_s: 1.5,
        turn_s: 0.5,
        concentric_s: 1.5,
        range: 175.0,
        peaks: BTreeMap::new(),
        at_turn: BTreeMap::new(),
        flags: Vec::new(),
    }
}

fn view(t_ms: f64, message: &str) -> Event {
    Event::View {
        frame: frame_of(t_ms),
        t_ms: SourceTime::from_ms(t_ms),
        view: View::Front,
        needed: View::Side,
        orientation: None,
        message: message.into(),
    }
}

fn cannot_see(rule: &str, t_ms: f64) -> Event {
    Event::CannotSee {
        rule: rule.into(),
        metric: Metric::HipExtension,
        frame: frame_of(t_ms),
        t_ms: SourceTime::from_ms(t_ms),
        hint: "Keep your hips in view".into(),
    }
}

fn hold_status(held_s: f64) -> Status {
    Status {
        hold: Some(HoldClock {
            held_s,
            target_s: 10.0,
            max_s: Some(30.0),
        }),
        ..Status::default()
    }
}

/// The text said on each frame of `frames` (time, events), `None` where
/// nothing is.
fn said(selector: &mut CueSelector, frames: &[(f64, Vec<Event>)]) -> Vec<Option<String>> {
    frames
        .iter()
        .map(|(t, events)| {
            let cue = selector.select(SourceTime::from_ms(*t), events, &Status::default());
            if let Some(cue) = &cue {
                assert_eq!(cue.t_ms, SourceTime::from_ms(*t));
            }
            cue.map(|c| c.text.to_string())
        })
        .collect()
}

#[test]
fn the_same_flag_is_said_again_only_after_the_cool_down() {
    let mut s = selector("glute_bridge");
    let frames = [
        (0.0, vec![flag(RULE, 0.0)]),
        (1_000.0, vec![flag_end(RULE, 1_000.0)]),
        // 3 s after: inside the cool-down.
        (3_000.0, vec![flag(RULE, 3_000.0)]),
        (3_500.0, vec![flag_end(RULE, 3_500.0)]),
        // Just inside, then just past, the cool-down of the cue said at 0.
        (COOL_DOWN_MS - 1.0, vec![flag(RULE, COOL_DOWN_MS - 1.0)]),
        (COOL_DOWN_MS, vec![flag(RULE, COOL_DOWN_MS)]),
        // 10 s after the last said: said again.
        (18_000.0, vec![flag(RULE, 18_000.0)]),
    ];
    let cue = Some(RULE_CUE.to_string());
    assert_eq!(
        said(&mut s, &frames),
        [cue.clone(), None, None, None, None, cue.clone(), cue]
    );
}

#[test]
fn flags_come_before_guidance_before_milestones_one_cue_a_frame() {
    let mut s = selector("glute_bridge");
    let frames = [
        // The analysis pushes a rep's tempo flag before the rep itself.
        (
            0.0,
            vec![
                flag(TEMPO_RULE, 0.0),
                flag_end(TEMPO_RULE, 0.0),
                rep(5, 0.0),
            ],
        ),
        (1_000.0, vec![rep(10, 1_000.0), view(1_000.0, "Place it")]),
        (
            2_000.0,
            vec![cannot_see("other", 2_000.0), flag(RULE, 2_000.0)],
        ),
        // Rep counts not listed say nothing, nor does a view that is right.
        (2_500.0, vec![rep(11, 2_500.0)]),
        (3_000.0, vec![rep(15, 3_000.0), view(3_000.0, "")]),
        // Guidance is said once for any number of rules out of sight.
        (
            4_000.0,
            vec![cannot_see(RULE, 4_000.0), cannot_see("other", 4_000.0)],
        ),
        (5_000.0, vec![cannot_see(RULE, 5_000.0)]),
        // A flag that has no cue says nothing.
        (6_000.0, vec![flag("no_such_rule", 6_000.0)]),
    ];
    let texts = CueTexts::shipped().unwrap();
    assert_eq!(
        said(&mut s, &frames),
        [
            Some(texts.tempo_too_fast),
            Some(texts.wrong_view),
            Some(RULE_CUE.into()),
            None,
            Some("15".into()),
            Some(texts.cannot_see),
            None,
            None,
        ]
    );
}

#[test]
fn a_hold_is_told_when_its_target_is_reached_and_when_too_long() {
    let texts = CueTexts::shipped().unwrap();
    let mut s = selector("plank");
    let mut heard = Vec::new();
    // Two holds of 12 s at 30 fps, 5 s apart, then one too long.
    let mut t: f64 = 0.0;
    for _hold in 0..2 {
        for i in 0..=360 {
            let held = f64::from(i) / 30.0;
            if let Some(cue) = s.select(SourceTime::from_ms(t), &[], &hold_status(held)) {
                heard.push((cue.text.to_string(), cue.kind, (t / 1000.0).round()));
            }
            t += 1000.0 / 30.0;
        }
        for _ in 0..150 {
            assert_eq!(
                s.select(SourceTime::from_ms(t), &[], &hold_status(0.0)),
                None
            );
            t += 1000.0 / 30.0;
        }
    }
    let too_long = s.select(
        SourceTime::from_ms(t),
        &[flag(HOLD_RULE, t)],
        &hold_status(31.0),
    );
    assert_eq!(
        too_long.map(|c| (c.text.to_string(), c.kind)),
        Some((texts.hold_too_long.clone(), CueKind::Flag))
    );
    let target = texts.hold_target;
    assert_eq!(
        heard,
        [
            (target.clone(), CueKind::Milestone, 10.0),
            (target, CueKind::Milestone, 27.0)
        ]
    );
}

#[test]
fn muted_cues_are_not_said_and_do_not_start_the_cool_down() {
    let mut s = selector("glute_bridge");
    let mute = s.mute_switch();
    mute.set_muted(true);
    assert!(mute.is_muted());
    assert_eq!(
        s.select(
            SourceTime::from_ms(0.0),
            &[flag(RULE, 0.0)],
            &Status::default()
        ),
        None
    );
    assert_eq!(
        s.select(
            SourceTime::from_ms(500.0),
            &[rep(5, 500.0)],
            &Status::default()
        ),
        None
    );
    assert!(!mute.toggle(), "toggled back on");
    let cue = s.select(
        SourceTime::from_ms(1_000.0),
        &[flag(RULE, 1_000.0)],
        &Status::default(),
    );
    assert_eq!(cue.map(|c| c.text.to_string()), Some(RULE_CUE.into()));
    // A clone is the same switch (a key handler on another thread holds one).
    let from_another_thread = s.mute_switch();
    std::thread::Builder::new()
        .name("key-handler".into())
        .spawn(move || assert!(from_another_thread.toggle()))
        .unwrap()
        .join()
        .unwrap();
    assert_eq!(
        s.select(
            SourceTime::from_ms(20_000.0),
            &[flag(RULE, 20_000.0)],
            &Status::default()
        ),
        None
    );
}

#[test]
fn every_cue_of_every_exercise_is_rendered() {
    let Some(dir) = rendered_cues() else { return };
    let texts = CueTexts::shipped().unwrap();
    for entry in std::fs::read_dir(exercises_dir()).unwrap() {
        let exercise = Exercise::load(&entry.unwrap().path()).unwrap();
        let s = CueSelector::new(&exercise, &texts);
        let wanted = s.texts();
        for rule in &exercise.rules {
            assert!(wanted.contains(&rule.cue.as_str()), "{}", rule.id);
        }
        assert!(wanted.contains(&texts.hold_too_long.as_str()));
        let book = CueBook::load(&dir, &wanted);
        assert!(
            book.missing().is_empty(),
            "{}: {:?}",
            exercise.name,
            book.missing()
        );
        for text in wanted {
            let n = book.samples(text).len();
            let seconds = n as f64 / f64::from(book.sample_rate());
            assert!((0.2..2.0).contains(&seconds), "\"{text}\": {seconds:.2} s");
        }
    }
}

/// A cue found in a WAV timeline.
#[derive(Debug)]
struct Heard {
    text: String,
    start: usize,
}

/// Splits `wav` into cues: from each sound after silence, the cue of `book`
/// whose samples it starts with, exactly.
fn split_into_cues(wav: &[i16], book: &CueBook, texts: &[&str]) -> Vec<Heard> {
    let mut heard = Vec::new();
    let mut at = 0;
    while let Some(offset) = wav[at..].iter().position(|&s| s != 0) {
        let start = at + offset;
        let text = texts
            .iter()
            .find(|t| wav[start..].starts_with(book.samples(t)))
            .unwrap_or_else(|| panic!("no cue's sound at sample {start}"));
        heard.push(Heard {
            text: text.to_string(),
            start,
        });
        at = start + book.samples(text).len();
    }
    heard
}

fn read_wav(path: &Path, rate: u32) -> Vec<i16> {
    let reader = hound::WavReader::open(path).unwrap();
    let spec = reader.spec();
    assert_eq!(
        (spec.channels, spec.sample_rate, spec.bits_per_sample),
        (1, rate, 16)
    );
    let samples: Vec<i16> = reader.into_samples().map(Result::unwrap).collect();
    samples
}

/// A rendered cue file's samples, silence trimmed, read without `CueBook`.
fn rendered_file(dir: &Path, text: &str) -> Vec<i16> {
    let index: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("index.json")).unwrap()).unwrap();
    let file = index["cues"][text].as_str().unwrap();
    let samples: Vec<i16> = hound::WavReader::open(dir.join(file))
        .unwrap()
        .into_samples()
        .map(Result::unwrap)
        .collect();
    let start = samples.iter().position(|&s| s != 0).unwrap();
    let end = samples.iter().rposition(|&s| s != 0).unwrap() + 1;
    samples[start..end].to_vec()
}

fn temp_wav(name: &str) -> PathBuf {
    tempfile::tempdir()
        .unwrap()
        .keep()
        .join(format!("cues-{name}.wav"))
}

#[test]
fn the_cues_wav_holds_the_expected_cues_in_order_without_repeats() {
    let Some(dir) = rendered_cues() else { return };
    let texts = CueTexts::shipped().unwrap();
    let mut s = selector("glute_bridge");
    // A set at 30 fps: the flag at 1 s, again at 4 s (inside the cool-down)
    // and at 11 s; rep 5 with a tempo flag at 5 s; the camera moved a
    // frame later (said once "Slow down" has ended).
    let t = |frame: u32| f64::from(frame) * 1000.0 / 30.0;
    let mut script: BTreeMap<u32, Vec<Event>> = BTreeMap::new();
    script.insert(30, vec![flag(RULE, t(30))]);
    script.insert(45, vec![flag_end(RULE, t(45))]);
    script.insert(120, vec![flag(RULE, t(120))]);
    script.insert(135, vec![flag_end(RULE, t(135))]);
    script.insert(
        150,
        vec![
            flag(TEMPO_RULE, t(150)),
            flag_end(TEMPO_RULE, t(150)),
            rep(5, t(150)),
        ],
    );
    script.insert(151, vec![view(t(151), "Place the camera at your side")]);
    script.insert(330, vec![flag(RULE, t(330))]);
    let expected = [
        (RULE_CUE, t(30)),
        (texts.tempo_too_fast.as_str(), t(150)),
        (texts.wrong_view.as_str(), t(151)),
        (RULE_CUE, t(330)),
    ];
    assert!(expected.len() <= QUEUE_CAPACITY, "all fit in the queue");

    let book = CueBook::load(&dir, &s.texts());
    assert!(book.missing().is_empty(), "{:?}", book.missing());
    let rate = book.sample_rate();
    let wav = temp_wav("order");
    let player = CuePlayer::start(book.clone(), CueOutput::Wav(wav.clone())).unwrap();
    for frame in 0..400 {
        let events = script.remove(&frame).unwrap_or_default();
        if let Some(cue) = s.select(SourceTime::from_ms(t(frame)), &events, &Status::default()) {
            assert!(player.play(cue), "queued");
        }
    }
    let report = player.finish().unwrap();
    assert_eq!((report.played, report.dropped), (expected.len() as u64, 0));

    let samples = read_wav(&wav, rate);
    let heard = split_into_cues(&samples, &book, &s.texts());
    let heard_texts: Vec<&str> = heard.iter().map(|h| h.text.as_str()).collect();
    let expected_texts: Vec<&str> = expected.iter().map(|(text, _)| *text).collect();
    assert_eq!(heard_texts, expected_texts);

    // Each starts at its frame's time, or after the previous cue and the gap.
    let at = |t_ms: f64| (t_ms / 1000.0 * f64::from(rate)).round() as usize;
    let gap = at(GAP_MS);
    let mut free_from = 0;
    for (h, (_, t_ms)) in heard.iter().zip(expected) {
        assert_eq!(h.start, at(t_ms).max(free_from), "{}", h.text);
        free_from = h.start + book.samples(&h.text).len() + gap;
    }
    assert!(heard[2].start > at(expected[2].1), "the view cue waited");
    assert_eq!(samples.len(), free_from - gap, "nothing after the last cue");

    // No cue repeated inside the cool-down, on the WAV's own clock.
    for (i, a) in heard.iter().enumerate() {
        for b in heard[i + 1..].iter().filter(|b| b.text == a.text) {
            let apart_ms = (b.start - a.start) as f64 * 1000.0 / f64::from(rate);
            assert!(
                apart_ms >= COOL_DOWN_MS,
                "{} twice in {apart_ms} ms",
                a.text
            );
        }
    }

    // The segments are the rendered files' samples.
    for h in &heard {
        let file = rendered_file(&dir, &h.text);
        assert_eq!(
            samples[h.start..h.start + file.len()],
            file[..],
            "{}",
            h.text
        );
    }
    std::fs::remove_file(wav).ok();
}

#[test]
fn unrendered_cues_play_a_tone_and_nothing_fails() {
    let tmp = tempfile::tempdir().unwrap();
    let empty = tmp.path().join("unrendered");
    let book = CueBook::load(&empty, &[RULE_CUE]);
    assert_eq!(book.missing(), [RULE_CUE]);
    let tone = book.samples(RULE_CUE).to_vec();
    let wav = temp_wav("tone");
    let player = CuePlayer::start(book.clone(), CueOutput::Wav(wav.clone())).unwrap();
    let cue = |t_ms| Cue {
        text: RULE_CUE.into(),
        kind: CueKind::Flag,
        t_ms,
    };
    assert!(
        player.play(cue(SourceTime::from_ms(500.0)))
            && player.play(cue(SourceTime::from_ms(9_000.0)))
    );
    assert_eq!(player.finish().unwrap().played, 2);
    let samples = read_wav(&wav, book.sample_rate());
    let heard = split_into_cues(&samples, &book, &[RULE_CUE]);
    let starts: Vec<usize> = heard.iter().map(|h| h.start).collect();
    assert_eq!(starts, [11_025, 198_450]);
    assert_eq!(samples[11_025..11_025 + tone.len()], tone[..]);
    std::fs::remove_file(wav).ok();

    // The sound device: here there is none; playing nothing never fails.
    let device = CuePlayer::start(book, CueOutput::Device).unwrap();
    assert_eq!(device.finish().unwrap().played, 0);

    // A WAV that cannot be written is an error at the start, naming it.
    let bad = empty.join("no/such/dir/cues.wav");
    let err = CuePlayer::start(CueBook::load(&empty, &[]), CueOutput::Wav(bad))
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("no/such/dir/cues.wav"), "{err}");
}

#[test]
fn the_queue_never_blocks_even_when_the_output_stalls() {
    // The WAV goes into a pipe that nobody reads until the end: once the
    // pipe is full the cue thread is stuck writing, as on a stalled sound
    // device, and the queue fills.
    let fifo = temp_wav("stall");
    let status = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(status.success());
    let (go, wait) = crossbeam_channel::bounded::<()>(1);
    let reader = {
        let fifo = fifo.clone();
        std::thread::Builder::new()
            .name("pipe-reader".into())
            .spawn(move || {
                let mut pipe = std::fs::File::open(fifo).unwrap();
                wait.recv().unwrap();
                std::io::copy(&mut pipe, &mut std::io::sink()).unwrap()
            })
            .unwrap()
    };
    let tmp = tempfile::tempdir().unwrap();
    let empty = tmp.path().join("stall");
    let player =
        CuePlayer::start(CueBook::load(&empty, &[]), CueOutput::Wav(fifo.clone())).unwrap();

    // The caller's side, watched from outside: it must finish on its own.
    let (done, finished) = crossbeam_channel::bounded(1);
    let caller = std::thread::Builder::new()
        .name("caller".into())
        .spawn(move || {
            let mut slowest = Duration::ZERO;
            let mut queued = 0u64;
            for i in 0..1_000 {
                let started = Instant::now();
                let ok = player.play(Cue {
                    text: "Slow down".into(),
                    kind: CueKind::Flag,
                    t_ms: SourceTime::from_ms(f64::from(i)),
                });
                slowest = slowest.max(started.elapsed());
                queued += u64::from(ok);
            }
            done.send(()).unwrap();
            (player, queued, slowest)
        })
        .unwrap();
    finished
        .recv_timeout(Duration::from_secs(20))
        .expect("play() blocked");
    let (player, queued, slowest) = caller.join().unwrap();
    assert_eq!(player.dropped() + queued, 1_000);
    assert!(player.dropped() >= 900, "dropped {}", player.dropped());
    assert!(
        slowest < Duration::from_millis(100),
        "slowest play() {slowest:?}"
    );

    go.send(()).unwrap();
    // A pipe cannot be rewound to complete the WAV header: finishing says so.
    let err = player.finish().unwrap_err().to_string();
    assert!(err.contains("stall"), "{err}");
    assert!(reader.join().unwrap() > 0);
    std::fs::remove_file(fifo).ok();
}
