//! The cues' sounds: mono 16-bit PCM rendered by `make setup`, or a tone.

use std::collections::HashMap;
use std::f64::consts::TAU;
use std::path::{Path, PathBuf};

use super::CueError;

/// The rate of the tone when no cue is rendered: espeak-ng's own, Hz.
const DEFAULT_SAMPLE_RATE: u32 = 22_050;
/// The tone that stands in for a cue that was not rendered: pitch, Hz...
const TONE_HZ: f64 = 880.0;
/// ...length, ms...
const TONE_MS: f64 = 250.0;
/// ...fade in and out, ms (no clicks)...
const TONE_FADE_MS: f64 = 20.0;
/// ...and peak, as a fraction of full scale.
const TONE_LEVEL: f64 = 0.3;
/// The renderer's index: `{"cues": {text: file name}, ...}`.
const INDEX: &str = "index.json";

/// The rendered cues: `cues/` in an installed data folder, `.cache/cues/`
/// where `make setup` renders them in a source tree.
pub fn cues_dir() -> PathBuf {
    crate::data_dir::first_of(&["cues", ".cache/cues"])
}

/// The sound of each cue, ready to play: mono 16-bit samples at one rate,
/// silence trimmed from both ends.
#[derive(Clone, Debug)]
pub struct CueBook {
    sample_rate: u32,
    sounds: HashMap<String, Vec<i16>>,
    tone: Vec<i16>,
    missing: Vec<String>,
}

#[derive(serde::Deserialize)]
struct Index {
    cues: HashMap<String, String>,
}

impl CueBook {
    /// Loads the sounds of `texts` from `dir` (as rendered by
    /// `scripts/render_cues.py`; [`cues_dir`] for `make setup`'s). Never
    /// fails: a cue without a usable sound plays a tone instead, and one
    /// warning says which and what to do.
    pub fn load(dir: &Path, texts: &[&str]) -> CueBook {
        let mut book = CueBook {
            sample_rate: DEFAULT_SAMPLE_RATE,
            sounds: HashMap::new(),
            tone: Vec::new(),
            missing: Vec::new(),
        };
        let index = match read_index(dir) {
            Ok(index) => index,
            Err(e) => {
                tracing::warn!("{e}; a tone plays instead of each spoken cue");
                book.missing = texts.iter().map(std::string::ToString::to_string).collect();
                book.tone = tone(book.sample_rate);
                return book;
            }
        };
        let mut problems = Vec::new();
        let mut rate = None;
        for &text in texts {
            let Some(file) = index.cues.get(text) else {
                problems.push(format!("\"{text}\" (not in {INDEX})"));
                book.missing.push(text.into());
                continue;
            };
            match read_cue(&dir.join(file), rate) {
                Ok((r, samples)) => {
                    rate = Some(r);
                    book.sounds.insert(text.into(), samples);
                }
                Err(e) => {
                    problems.push(format!("\"{text}\" ({e})"));
                    book.missing.push(text.into());
                }
            }
        }
        book.sample_rate = rate.unwrap_or(DEFAULT_SAMPLE_RATE);
        book.tone = tone(book.sample_rate);
        if !problems.is_empty() {
            tracing::warn!(
                "spoken cues not rendered: {}: run `make setup`; a tone plays instead",
                problems.join(", ")
            );
        }
        book
    }

    /// The rate of every sound, Hz.
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// The sound of `text`: its rendered speech, else the tone.
    pub fn samples(&self, text: &str) -> &[i16] {
        self.sounds.get(text).unwrap_or(&self.tone)
    }

    /// The texts asked for whose speech could not be loaded (they play the
    /// tone).
    pub fn missing(&self) -> &[String] {
        &self.missing
    }
}

fn read_index(dir: &Path) -> Result<Index, CueError> {
    let path = dir.join(INDEX);
    let not_rendered = |reason: String| CueError::NotRendered {
        path: path.clone(),
        reason,
    };
    let text = std::fs::read_to_string(&path).map_err(|e| not_rendered(e.to_string()))?;
    serde_json::from_str(&text).map_err(|e| not_rendered(e.to_string()))
}

/// Reads one rendered cue: its rate (which must be `rate` when given) and
/// its samples without the silence at either end.
fn read_cue(path: &Path, rate: Option<u32>) -> Result<(u32, Vec<i16>), CueError> {
    let wav_error = |source| CueError::Wav {
        path: path.into(),
        source,
    };
    let reader = hound::WavReader::open(path).map_err(wav_error)?;
    let spec = reader.spec();
    let format = |message: String| CueError::Format {
        path: path.into(),
        message,
    };
    if spec.channels != 1
        || spec.bits_per_sample != 16
        || spec.sample_format != hound::SampleFormat::Int
    {
        return Err(format(format!(
            "{} channels of {}-bit {:?} samples, not mono 16-bit PCM",
            spec.channels, spec.bits_per_sample, spec.sample_format
        )));
    }
    if let Some(rate) = rate.filter(|&r| r != spec.sample_rate) {
        return Err(format(format!(
            "{} Hz, the other cues {rate} Hz",
            spec.sample_rate
        )));
    }
    let samples = reader
        .into_samples::<i16>()
        .collect::<Result<Vec<i16>, _>>()
        .map_err(wav_error)?;
    let sound = trimmed(&samples);
    if sound.is_empty() {
        return Err(format("silent".into()));
    }
    Ok((spec.sample_rate, sound.to_vec()))
}

/// `samples` without the silence at either end.
fn trimmed(samples: &[i16]) -> &[i16] {
    let start = samples.iter().position(|&s| s != 0).unwrap_or(0);
    let end = samples
        .iter()
        .rposition(|&s| s != 0)
        .map_or(start, |i| i + 1);
    &samples[start..end]
}

/// A short beep, faded in and out, trimmed as a rendered cue is.
fn tone(rate: u32) -> Vec<i16> {
    let rate = f64::from(rate);
    let n = (TONE_MS / 1000.0 * rate).round() as usize;
    let fade = TONE_FADE_MS / 1000.0 * rate;
    let beep: Vec<i16> = (0..n)
        .map(|i| {
            let i = i as f64;
            let envelope = (i / fade).min((n as f64 - i) / fade).min(1.0);
            let s = (TAU * TONE_HZ * i / rate).sin() * envelope * TONE_LEVEL;
            (s * f64::from(i16::MAX)).round() as i16
        })
        .collect();
    trimmed(&beep).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_rendered_cues_a_tone_plays() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("no-cues");
        let book = CueBook::load(&dir, &["Hips up", "Slow down"]);
        assert_eq!(book.missing(), ["Hips up", "Slow down"]);
        assert_eq!(book.sample_rate(), DEFAULT_SAMPLE_RATE);
        let tone = book.samples("Hips up");
        assert!((5_400..=5_513).contains(&tone.len()), "{}", tone.len());
        assert!(tone.iter().any(|&s| s > 9_000));
        assert!(tone[0] != 0 && tone[tone.len() - 1] != 0);
        assert_eq!(book.samples("anything else"), tone);
    }

    #[test]
    fn a_bad_cue_file_is_missing_and_the_rest_load() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("bad-cues");
        std::fs::create_dir_all(&dir).unwrap();
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: 16_000,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut w = hound::WavWriter::create(dir.join("a.wav"), spec).unwrap();
        for s in [0i16, 0, 5, -7, 9, 0] {
            w.write_sample(s).unwrap();
        }
        w.finalize().unwrap();
        let stereo = hound::WavSpec {
            channels: 2,
            ..spec
        };
        hound::WavWriter::create(dir.join("b.wav"), stereo)
            .unwrap()
            .finalize()
            .unwrap();
        std::fs::write(
            dir.join(INDEX),
            r#"{"cues": {"A": "a.wav", "B": "b.wav", "C": "c.wav"}}"#,
        )
        .unwrap();
        let book = CueBook::load(&dir, &["A", "B", "C", "D"]);
        assert_eq!(book.samples("A"), [5, -7, 9]);
        assert_eq!(book.sample_rate(), 16_000);
        assert_eq!(book.missing(), ["B", "C", "D"]);
        assert_eq!(book.samples("B"), tone(16_000));
        std::fs::remove_dir_all(dir).ok();
    }
}
