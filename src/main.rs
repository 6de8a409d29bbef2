//! The `formcheck` command line.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use opencv::core::Vector;
use opencv::imgcodecs;

use formcheck::analysis::config::{Exercise, Profile};
use formcheck::bench::{self, BenchOptions};
use formcheck::camera_calibration;
use formcheck::clinic::ServerAddress;
use formcheck::live::session::SessionOptions;
use formcheck::live::station::ClinicOptions;
use formcheck::live::{self, RunOptions, RECORDINGS};
use formcheck::output;
use formcheck::pipeline::assess::AssessSetup;
use formcheck::pipeline::back::BackReader;
use formcheck::pipeline::capture::ReadAhead;
use formcheck::pipeline::Input;
use formcheck::pose::{ModelKind, PoseEngine, PoseOptions, RunningMode};
use formcheck::private_files;
use formcheck::recording::track::TrackWriter;
use formcheck::recording::video::VideoSink;
use formcheck::same_file;
use formcheck::settings::Settings;
use formcheck::sinks::cues::CueOutput;
use formcheck::source::{FrameSource, SourceSpec};
use formcheck::store::{self, Pseudonym, Store};
use formcheck::ui::skeleton::draw_skeleton;

#[derive(Parser)]
#[command(
    name = "formcheck",
    version,
    about = "Exercise form checker for lower-back rehabilitation"
)]
struct Cli {
    /// formcheck's data folder (models, calibration, cues) [default:
    /// $FORMCHECK_DATA, else beside the binary (BIN/../share/formcheck),
    /// else $XDG_DATA_HOME/formcheck, else each of $XDG_DATA_DIRS with
    /// /formcheck]
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Find the 33 BlazePose landmarks in an image or in every frame of a
    /// video, and write them as JSON Lines (one record per frame).
    Pose(PoseArgs),
    /// Measure the pose engine per stage on a video (video mode).
    Bench(BenchArgs),
    /// Analyse one set of an exercise from a video or a landmark track:
    /// measurements, reps, holds and form flags as JSON Lines events.
    Analyze(AnalyzeArgs),
    /// Watch an exercise live from a camera, a stream or a video replayed in
    /// real time: the window, spoken cues, events.
    Live(LiveArgs),
    /// Calibrate a camera from chessboard photographs, or capture a
    /// patient's neutral baseline.
    #[command(subcommand)]
    Calibrate(CalibrateCommand),
    /// List the recorded sessions, one line each, or show one session in
    /// detail (sets, pain scores, reps, flags, recordings).
    Sessions(SessionsArgs),
    /// The therapist's report of a recorded session: one self-contained HTML
    /// file (plots, reps, flags with thumbnails, pain, trends), and CSV.
    Report(ReportArgs),
    /// A recorded set in the window: the flags on a timeline under the
    /// video, the angles at the current frame; keys for next/previous flag,
    /// frame step and slow motion.
    Review(ReviewArgs),
    /// The therapists' dashboard over a clinic's PostgreSQL server: the
    /// stations live, the patients, each session's report and exports.
    Serve(ServeArgs),
    /// Add a therapist who may log in to the dashboard, or set a new
    /// password (read from the terminal, or one line of standard input).
    Therapist(TherapistArgs),
    /// Check a patient's profile and show the programme it prescribes
    /// (exercises in order, sets, reps or holds, rest, days a week).
    Programme(ProgrammeArgs),
}

#[derive(clap::Args)]
struct ProgrammeArgs {
    /// The patient's profile (TOML).
    profile: PathBuf,
}

#[derive(clap::Args)]
struct ServeArgs {
    /// The clinic's server (postgres://user@host/database; default:
    /// $FORMCHECK_DB, else `db` in the settings file).
    #[arg(long)]
    db: Option<String>,
    /// Address and port to listen on: loopback unless told otherwise.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: std::net::SocketAddr,
    /// Mark the login cookie Secure: the dashboard is served behind a TLS
    /// proxy (see the README).
    #[arg(long)]
    secure_cookie: bool,
    /// Where the sets' videos, re-encoded for browsers, are kept (default:
    /// dashboard-videos in the user's data folder).
    #[arg(long)]
    cache: Option<PathBuf>,
}

#[derive(clap::Args)]
struct TherapistArgs {
    /// Their name, as they log in.
    name: String,
    /// The clinic's server (default: $FORMCHECK_DB, else `db` in the
    /// settings file).
    #[arg(long)]
    db: Option<String>,
}

#[derive(clap::Args)]
struct ReviewArgs {
    /// The session (its number in `formcheck sessions`).
    session: i64,
    /// The set to review.
    #[arg(long, default_value_t = 1)]
    set: u32,
    /// The session database (default as for `sessions`).
    #[arg(long)]
    db: Option<PathBuf>,
}

#[derive(clap::Args)]
struct ReportArgs {
    /// The session (its number in `formcheck sessions`).
    session: i64,
    /// Where to write the HTML report.
    #[arg(long)]
    out: PathBuf,
    /// Also write reps.csv, flags.csv and progress.json (the patient's
    /// progress over weeks) into this folder.
    #[arg(long)]
    csv: Option<PathBuf>,
    /// Also write the session as a FHIR R4 bundle (JSON) to this file.
    #[arg(long)]
    fhir: Option<PathBuf>,
    /// The session database (default as for `sessions`).
    #[arg(long)]
    db: Option<PathBuf>,
}

#[derive(clap::Args)]
struct SessionsArgs {
    /// Show this session in detail instead of the list.
    session: Option<i64>,
    /// Only this patient's sessions (their pseudonym).
    #[arg(long, conflicts_with = "session")]
    patient: Option<String>,
    /// The session database [default: $FORMCHECK_DB, else
    /// $XDG_DATA_HOME/formcheck/formcheck.sqlite, else
    /// ~/.local/share/formcheck/formcheck.sqlite].
    #[arg(long)]
    db: Option<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand)]
enum CalibrateCommand {
    /// Camera intrinsics and lens distortion from photographs of a
    /// chessboard, written to NAME.toml in --out (default: cameras/ in the
    /// user's data folder).
    Camera(CalibrateCameraArgs),
    /// The patient's neutral baseline for an exercise, from a recording of
    /// them holding neutral, written into their profile.
    Baseline(CalibrateBaselineArgs),
}

#[derive(clap::Args)]
struct CalibrateCameraArgs {
    /// Folder of photographs of the chessboard (png, jpg, ...), 10 or more
    /// from different angles, reaching the corners of the picture.
    #[arg(long)]
    images: PathBuf,
    /// Inner corners of the board, COLUMNSxROWS (a board of 10x7 squares
    /// has 9x6).
    #[arg(long, value_parser = parse_board)]
    board: (u32, u32),
    /// Side of one square, millimetres.
    #[arg(long)]
    square_mm: f64,
    /// Name of the camera (the file name).
    #[arg(long)]
    name: String,
    /// Folder to write NAME.toml into.
    #[arg(long, default_value_os_t = camera_calibration::cameras_dir())]
    out: PathBuf,
}

#[derive(clap::Args)]
struct CalibrateBaselineArgs {
    /// Video or landmark track of the patient holding their neutral position.
    input: PathBuf,
    /// Exercise the baseline is for.
    #[arg(long)]
    exercise: String,
    /// The patient's profile, updated in place (created if missing).
    #[arg(long)]
    profile: PathBuf,
    /// Seconds into the recording where the neutral hold starts.
    #[arg(long, default_value_t = 0.0)]
    from_s: f64,
    /// Camera calibration, to undistort landmarks.
    #[arg(long)]
    camera_calibration: Option<PathBuf>,
}

#[derive(clap::Args)]
struct LiveArgs {
    /// Camera index.
    #[arg(long, conflicts_with = "source")]
    camera: Option<i32>,
    /// Video file or stream URL (rtsp://, http://...).
    #[arg(long)]
    source: Option<String>,
    /// Draw the back's outline and its two fitted lines from the start
    /// (exercises judged on it; `b` toggles it).
    #[arg(long)]
    outline: bool,
    /// Replace an existing video given as `--overlay-video`.
    #[arg(long)]
    overwrite: bool,
    /// Replay a video file at its own frame rate, as a camera would.
    #[arg(long)]
    realtime: bool,
    /// Camera resolution asked for, WIDTHxHEIGHT.
    #[arg(long, value_parser = parse_board, default_value = "1280x720")]
    resolution: (u32, u32),
    /// Camera frame rate asked for.
    #[arg(long, default_value_t = 30.0)]
    fps: f64,
    /// Exercise name (a file of calibration/exercises/). Without it, a
    /// patient's session (--patient) follows the programme in their profile
    /// (--profile): each exercise shown, the camera's set-up checked, the
    /// sets counted, the rests timed.
    #[arg(long)]
    exercise: Option<String>,
    /// Patient profile (prescribed limits, neutral baseline, programme).
    #[arg(long)]
    profile: Option<PathBuf>,
    /// In a session led through the programme: a video that stands in for
    /// the camera for one exercise, as NAME=FILE (repeatable; for trying a
    /// programme out, demonstrations and tests).
    #[arg(long, value_parser = parse_source_for, conflicts_with_all = ["exercise", "camera", "source"])]
    source_for: Vec<(String, PathBuf)>,
    /// Camera calibration, to undistort landmarks.
    #[arg(long)]
    camera_calibration: Option<PathBuf>,
    /// Landmark model.
    #[arg(long, value_enum, default_value = "full")]
    model: ModelKind,
    /// ONNX Runtime threads per model.
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// No window (headless).
    #[arg(long)]
    no_window: bool,
    /// Where to write the events (`-` for standard output).
    #[arg(long)]
    events: Option<String>,
    /// Also write the video with the overlay.
    #[arg(long)]
    overlay_video: Option<PathBuf>,
    /// Write the spoken cues to this WAV file instead of the speakers.
    #[arg(long)]
    cues_wav: Option<PathBuf>,
    /// Write per-stage timings, dropped frames and latency as JSON to this file.
    #[arg(long)]
    timings_json: Option<PathBuf>,
    /// Start with the spoken cues muted (key m toggles them).
    #[arg(long)]
    mute: bool,
    /// Where recordings started with the r key go.
    #[arg(long, default_value = RECORDINGS)]
    record_dir: PathBuf,
    /// Record the session of this patient (pseudonym: letters, digits, `-`,
    /// `_`, `.`, at most 40): red-flag check, pain before and after each
    /// set, every set recorded in the database and its session folder.
    #[arg(long)]
    patient: Option<Pseudonym>,
    /// The session database (default: $FORMCHECK_DB, else `db` in the
    /// settings file ~/.config/formcheck/formcheck.toml, else the user's
    /// data folder); session folders go beside it. A clinic's PostgreSQL
    /// server (`postgres://user@host/database`): the station records into
    /// its journal (--journal) and delivers it there, in order and once,
    /// even when the server is away for a while.
    #[arg(long)]
    db: Option<String>,
    /// With a server as --db: the station's local journal, where its
    /// sessions are recorded first and wait while the server is away
    /// (default: station-journal.sqlite in the user's data folder); session
    /// folders go beside it.
    #[arg(long)]
    journal: Option<PathBuf>,
    /// With a server as --db: the station's name on the dashboard (default:
    /// the host name).
    #[arg(long)]
    station: Option<String>,
    /// With a server as --db: the clinic's recordings folder (typically a
    /// network share the dashboard reads), where each finished set's files
    /// are copied, verified by SHA-256; the server records where each is.
    #[arg(long)]
    recordings: Option<PathBuf>,
}

/// The session database named by `given` (an option), else by
/// $FORMCHECK_DB, else by the settings file: a file or a server's URL.
fn database(given: Option<&str>, settings: &Settings) -> Option<String> {
    given
        .map(str::to_string)
        .or_else(|| std::env::var(store::DB_ENV).ok().filter(|v| !v.is_empty()))
        .or_else(|| settings.db.clone())
}

/// Where a live session is stored: the SQLite file, and the clinic's
/// server when --db (or $FORMCHECK_DB, or the settings file) names one, the
/// file then being the station's journal.
fn session_database(args: &LiveArgs) -> Result<(PathBuf, Option<ClinicOptions>)> {
    let settings = Settings::load()?;
    let given = database(args.db.as_deref(), &settings);
    let Some(url) = given.clone().filter(|d| ServerAddress::is_url(d)) else {
        if args.journal.is_some() || args.station.is_some() || args.recordings.is_some() {
            anyhow::bail!(
                "--journal, --station and --recordings go with a clinic's server as --db \
                 (postgres://...)"
            );
        }
        return Ok((given.map_or_else(Store::default_path, PathBuf::from), None));
    };
    let address = ServerAddress::parse(&url)?;
    let journal = match args.journal.clone().or(settings.journal) {
        Some(path) => path,
        None => formcheck::data_dir::user_dir()
            .context("no home folder for the station's journal: give --journal")?
            .join("station-journal.sqlite"),
    };
    let station = match args.station.clone().or(settings.station) {
        Some(name) => name.trim().to_string(),
        None => nix::unistd::gethostname()
            .ok()
            .and_then(|h| h.into_string().ok())
            .unwrap_or_else(|| "station".to_string()),
    };
    if station.is_empty() {
        anyhow::bail!("--station: the station's name is empty");
    }
    Ok((
        journal,
        Some(ClinicOptions {
            address,
            station,
            recordings: args.recordings.clone().or(settings.recordings),
        }),
    ))
}

/// Parses `AxB` into two numbers.
fn parse_board(text: &str) -> std::result::Result<(u32, u32), String> {
    let (a, b) = text
        .split_once(['x', 'X'])
        .ok_or_else(|| format!("`{text}`: expected two numbers as AxB, e.g. 9x6"))?;
    let n = |t: &str| {
        t.trim()
            .parse::<u32>()
            .map_err(|_| format!("`{text}`: `{t}` is not a whole number"))
    };
    Ok((n(a)?, n(b)?))
}

#[derive(clap::Args)]
struct AnalyzeArgs {
    /// Video file, or a landmark track (`.jsonl`) written by `formcheck pose`.
    input: PathBuf,
    /// Exercise name (a file of calibration/exercises/).
    #[arg(long)]
    exercise: String,
    /// Patient profile (prescribed limits, neutral baseline).
    #[arg(long)]
    profile: Option<PathBuf>,
    /// Where to write the events (`-` for standard output).
    #[arg(long, default_value = "-")]
    events: String,
    /// Also write every measurement of every frame to this CSV file.
    #[arg(long)]
    metrics: Option<PathBuf>,
    /// Camera calibration (`formcheck calibrate camera`), to undistort
    /// landmarks before measuring.
    #[arg(long)]
    camera_calibration: Option<PathBuf>,
    /// Also write the video with the skeleton drawn (for a video input).
    #[arg(long)]
    overlay_video: Option<PathBuf>,
    /// Draw the back's outline and its two fitted lines in the overlay
    /// video (exercises judged on it).
    #[arg(long)]
    outline: bool,
    /// Replace an existing video given as `--overlay-video`.
    #[arg(long)]
    overwrite: bool,
    /// Print per-stage timings and latency at the end.
    #[arg(long)]
    timings: bool,
    /// Write per-stage timings and latency as JSON to this file.
    #[arg(long)]
    timings_json: Option<PathBuf>,
    /// Write the spoken cues that would have been played to this WAV file.
    #[arg(long)]
    cues_wav: Option<PathBuf>,
    /// Landmark model, for a video.
    #[arg(long, value_enum, default_value = "full")]
    model: ModelKind,
}

#[derive(clap::Args)]
struct PoseArgs {
    /// Image or video file.
    input: PathBuf,
    /// Landmark model.
    #[arg(long, value_enum, default_value = "full")]
    model: ModelKind,
    /// Where to write the landmark track (`-` for standard output).
    #[arg(long, default_value = "-")]
    out: String,
    /// Also write every frame with the skeleton drawn into this folder.
    #[arg(long)]
    overlay: Option<PathBuf>,
    /// Treat video frames independently (no tracking, no smoothing).
    #[arg(long)]
    image_mode: bool,
    /// Do not smooth landmarks over time.
    #[arg(long)]
    no_smoothing: bool,
    /// ONNX Runtime threads per model.
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Also run the model's segmentation and write the back's outline
    /// (its bend, or why it is not measured) on each line, for exercises
    /// judged on it (full or lite model).
    #[arg(long)]
    back: bool,
}

#[derive(clap::Args)]
struct BenchArgs {
    /// Video file.
    video: PathBuf,
    /// Landmark model.
    #[arg(long, value_enum, default_value = "full")]
    model: ModelKind,
    /// ONNX Runtime threads per model.
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Timed passes over the video, after one warm-up pass.
    #[arg(long, default_value_t = 3)]
    passes: usize,
}

/// Finds formcheck's data folder before anything reads from it, so that a
/// missing one is one clear error listing where it looked. Listing the
/// sessions needs none.
fn find_data(cli: &Cli) -> Result<(), formcheck::data_dir::DataError> {
    match &cli.data_dir {
        Some(dir) => formcheck::data_dir::choose(dir).map(|_| ()),
        None if matches!(cli.command, Command::Sessions(_)) => Ok(()),
        None => formcheck::data_dir::root().map(|_| ()),
    }
}

/// OpenCV's variable for FFmpeg's log level, and FFmpeg's quiet level.
const FFMPEG_LOG_LEVEL: (&str, &str) = ("OPENCV_FFMPEG_LOGLEVEL", "-8");

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    // OpenCV's own warnings (a backend that cannot open a camera, ...) are
    // noise next to formcheck's errors, which say what to do.
    if std::env::var_os("RUST_LOG").is_none() {
        let _ = opencv::core::set_log_level(opencv::core::LogLevel::LOG_LEVEL_ERROR);
        // Likewise FFmpeg's lines on a damaged file ("moov atom not found"),
        // printed before formcheck's own error; read by OpenCV when it
        // first opens a video, set while nothing else runs.
        if std::env::var_os(FFMPEG_LOG_LEVEL.0).is_none() {
            std::env::set_var(FFMPEG_LOG_LEVEL.0, FFMPEG_LOG_LEVEL.1);
        }
    }
    let cli = Cli::parse();
    if let Err(e) = find_data(&cli) {
        eprintln!("error: {e}");
        return ExitCode::FAILURE;
    }
    let result = match cli.command {
        Command::Pose(args) => pose(&args),
        Command::Bench(args) => run_bench(args),
        Command::Analyze(args) => analyze(args),
        Command::Live(args) => live(&args),
        Command::Calibrate(CalibrateCommand::Camera(args)) => calibrate_camera(&args),
        Command::Calibrate(CalibrateCommand::Baseline(args)) => calibrate_baseline(&args),
        Command::Sessions(args) => sessions(args),
        Command::Report(args) => report(&args),
        Command::Review(args) => review(args),
        Command::Serve(args) => serve(&args),
        Command::Therapist(args) => therapist(&args),
        Command::Programme(args) => programme(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", one_line(&e));
            ExitCode::FAILURE
        }
    }
}

/// Refuses, before anything runs, an output that is one of the inputs
/// (also through links), that would replace a database, or that would
/// replace a video unless `overwrite`; and an overlay video (one of
/// `outputs`) whose name says no format the video writer can make.
fn check_outputs(
    inputs: &[Option<&Path>],
    outputs: &[Option<&Path>],
    overwrite: bool,
    overlay_video: Option<&Path>,
) -> Result<()> {
    same_file::check(inputs, outputs)?;
    for path in outputs.iter().flatten() {
        private_files::check_replaceable(path, overwrite)?;
    }
    overlay_video.map(VideoSink::check_name).transpose()?;
    Ok(())
}

/// An error and its causes on one line, each cause once: an error whose
/// message already quotes its cause ("x.toml: No such file …") does not
/// repeat it.
fn one_line(error: &anyhow::Error) -> String {
    let mut text = error.to_string();
    for cause in error.chain().skip(1) {
        let cause = cause.to_string();
        if !text.contains(&cause) {
            text.push_str(": ");
            text.push_str(&cause);
        }
    }
    text
}

fn pose(args: &PoseArgs) -> Result<()> {
    check_outputs(
        &[Some(&args.input)],
        &[Some(Path::new(&args.out))],
        false,
        None,
    )?;
    let spec = SourceSpec::File(args.input.clone());
    let source = FrameSource::open_spec(&spec)?;
    let mode = if source.is_image() || args.image_mode {
        RunningMode::Image
    } else {
        RunningMode::Video
    };
    let mut engine = PoseEngine::new(PoseOptions {
        model: args.model,
        mode,
        smooth: !args.no_smoothing,
        threads: args.threads,
        segmentation: args.back,
        ..PoseOptions::default()
    })?;
    let mut back = BackReader::default();
    let out = output::create(&args.out)?;
    if let Some(dir) = &args.overlay {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let mut writer = TrackWriter::new(out);
    let (mut frames, mut found) = (0u64, 0u64);
    let started = std::time::Instant::now();
    // The next frame is decoded on the source thread while this one is in
    // the engine.
    let reader = ReadAhead::spawn(source, spec).context("cannot start reading the video")?;
    let written = (|| -> Result<()> {
        while let Some(frame) = reader.next_frame() {
            let (info, size, mut image) = (frame.info, frame.size, frame.image);
            let pose = engine.process(&image, info.t_ms.micros())?.cloned();
            let pose = pose.as_ref();
            let outline = back.read(&engine, pose, size);
            writer
                .write(&info, size, pose, outline.as_ref())
                .context("cannot write the landmark track")?;
            frames += 1;
            found += u64::from(pose.is_some());
            if let Some(dir) = &args.overlay {
                if let Some(pose) = pose {
                    draw_skeleton(&mut image, pose)?;
                }
                let path = dir.join(format!("frame_{:06}.jpg", info.index));
                imgcodecs::imwrite(&path, &image, &Vector::new())
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
            reader.recycle(image);
        }
        Ok(())
    })();
    let read = reader.finish();
    written?;
    read?;
    writer
        .finish()
        .and_then(output::commit)
        .context("cannot write the landmark track")?;
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "{}: {frames} frames, a person in {found}, {:.1} frames/s",
        args.input.display(),
        frames as f64 / secs.max(1e-9)
    );
    Ok(())
}

fn setup(
    exercise: &str,
    profile: Option<&Path>,
    calibration: Option<&Path>,
) -> Result<AssessSetup> {
    let profile = profile.map(Profile::load).transpose()?;
    Ok(AssessSetup {
        exercise: Exercise::named(exercise)?,
        profile,
        calibration: calibration.map(camera_calibration::load).transpose()?,
    })
}

fn analyze(args: AnalyzeArgs) -> Result<()> {
    check_outputs(
        &[
            Some(&args.input),
            args.profile.as_deref(),
            args.camera_calibration.as_deref(),
        ],
        &[
            Some(Path::new(&args.events)),
            args.metrics.as_deref(),
            args.overlay_video.as_deref(),
            args.timings_json.as_deref(),
            args.cues_wav.as_deref(),
        ],
        args.overwrite,
        args.overlay_video.as_deref(),
    )?;
    let input = input_of(&args.input, args.model);
    let setup = setup(
        &args.exercise,
        args.profile.as_deref(),
        args.camera_calibration.as_deref(),
    )?;
    let outcome = live::run(RunOptions {
        events: Some(args.events),
        metrics: args.metrics,
        overlay_video: args.overlay_video,
        print_timings: args.timings,
        timings_json: args.timings_json,
        cues: args.cues_wav.map(CueOutput::Wav),
        outline: args.outline,
        ..RunOptions::new(input, setup)
    })?;
    if outcome.interrupted {
        anyhow::bail!(
            "interrupted: the events and the set summary cover only the frames analysed before it"
        );
    }
    Ok(())
}

/// `NAME=FILE` of `--source-for`.
fn parse_source_for(text: &str) -> Result<(String, PathBuf), String> {
    match text.split_once('=') {
        Some((name, file)) if !name.is_empty() && !file.is_empty() => {
            Ok((name.to_string(), PathBuf::from(file)))
        }
        _ => Err(format!(
            "{text}: give the exercise and the video as NAME=FILE"
        )),
    }
}

fn live(args: &LiveArgs) -> Result<()> {
    let source = match (args.camera, &args.source) {
        (Some(index), _) => SourceSpec::Camera {
            index,
            width: args.resolution.0,
            height: args.resolution.1,
            fps: args.fps,
        },
        (None, Some(s)) if s.contains("://") => SourceSpec::Stream(s.clone()),
        (None, Some(s)) => SourceSpec::File(PathBuf::from(s)),
        (None, None) => SourceSpec::Camera {
            index: 0,
            width: args.resolution.0,
            height: args.resolution.1,
            fps: args.fps,
        },
    };
    let source_file = match &source {
        SourceSpec::File(path) => Some(path.as_path()),
        _ => None,
    };
    let (db, clinic) = session_database(args)?;
    check_outputs(
        &[
            source_file,
            args.profile.as_deref(),
            args.camera_calibration.as_deref(),
            Some(&db),
        ],
        &[
            args.events.as_deref().map(Path::new),
            args.overlay_video.as_deref(),
            args.cues_wav.as_deref(),
            args.timings_json.as_deref(),
        ],
        args.overwrite,
        args.overlay_video.as_deref(),
    )?;
    let input = |source: SourceSpec| Input::Frames {
        source,
        realtime: args.realtime,
        pose: PoseOptions {
            model: args.model,
            threads: args.threads,
            ..PoseOptions::default()
        },
    };
    let cues = Some(
        args.cues_wav
            .clone()
            .map_or(CueOutput::Device, CueOutput::Wav),
    );
    let Some(exercise) = &args.exercise else {
        return guided(args, db, clinic, &source, &input, cues);
    };
    let setup = setup(
        exercise,
        args.profile.as_deref(),
        args.camera_calibration.as_deref(),
    )?;
    let session = args.patient.as_ref().map(|patient| SessionOptions {
        db: db.clone(),
        clinic: clinic.clone(),
        patient: patient.clone(),
        profile_path: args.profile.clone(),
        profile: setup.profile.clone(),
        exercises: vec![setup.exercise.clone()],
        guided: false,
    });
    live::run(RunOptions {
        events: args.events.clone(),
        overlay_video: args.overlay_video.clone(),
        print_timings: true,
        timings_json: args.timings_json.clone(),
        profile_path: args.profile.clone(),
        cues,
        mute: args.mute,
        window: !args.no_window,
        outline: args.outline,
        record_dir: args.record_dir.clone(),
        session,
        ..RunOptions::new(input(source.clone()), setup)
    })?;
    Ok(())
}

/// `live --patient P --profile F` without an exercise: today's session
/// led through the programme in the profile.
fn guided(
    args: &LiveArgs,
    db: PathBuf,
    clinic: Option<ClinicOptions>,
    source: &SourceSpec,
    input: &dyn Fn(SourceSpec) -> Input,
    cues: Option<CueOutput>,
) -> Result<()> {
    let (Some(patient), Some(profile_path)) = (&args.patient, &args.profile) else {
        anyhow::bail!(
            "give --exercise, or --patient with --profile to be led through the programme in the profile"
        );
    };
    if args.events.is_some() || args.overlay_video.is_some() || args.timings_json.is_some() {
        anyhow::bail!(
            "--events, --overlay-video and --timings-json go with --exercise: a session led \
             through the programme records each set in its session folder"
        );
    }
    let profile = Profile::load(profile_path)?;
    let Some(programme) = profile.programme.clone() else {
        anyhow::bail!(
            "{}: no [programme] to lead the session through: add one (see calibration/README.md) \
             or give --exercise",
            profile_path.display()
        );
    };
    let measures = match &profile.outcomes {
        Some(plan) => live::guide::Measures {
            psfs: plan.psfs_activities.get_ref().clone(),
            psfs_every_days: *plan.psfs_every_days.get_ref(),
            questionnaire: plan
                .questionnaire_path(profile_path)
                .map(|path| formcheck::outcomes::Questionnaire::load(&path))
                .transpose()?,
            questionnaire_every_days: *plan.questionnaire_every_days.get_ref(),
        },
        None => live::guide::Measures::default(),
    };
    let stand_ins: std::collections::BTreeMap<&str, &Path> = args
        .source_for
        .iter()
        .map(|(name, file)| (name.as_str(), file.as_path()))
        .collect();
    for (name, file) in &stand_ins {
        if !programme.exercises.iter().any(|p| p.name.get_ref() == name) {
            anyhow::bail!("--source-for {name}: the programme has no exercise {name}");
        }
        check_outputs(&[Some(file)], &[], false, None)?;
    }
    let mut exercises = Vec::new();
    let mut loaded = Vec::new();
    for prescribed in programme.exercises {
        let name = prescribed.name.get_ref().clone();
        let spec = match stand_ins.get(name.as_str()) {
            Some(file) => SourceSpec::File(file.to_path_buf()),
            None if !stand_ins.is_empty() => {
                anyhow::bail!("--source-for: no video for {name}; give one for every exercise")
            }
            None => source.clone(),
        };
        loaded.push(Exercise::named(&name)?);
        exercises.push((prescribed, input(spec)));
    }
    live::guide::guide(live::guide::GuideOptions {
        session: SessionOptions {
            db,
            clinic,
            patient: patient.clone(),
            profile_path: Some(profile_path.clone()),
            profile: Some(profile.clone()),
            exercises: loaded,
            guided: true,
        },
        exercises,
        measures,
        template: live::guide::GuideRun {
            profile: Some(profile),
            calibration: args
                .camera_calibration
                .as_deref()
                .map(camera_calibration::load)
                .transpose()?,
            window: !args.no_window,
            outline: args.outline,
            record_dir: args.record_dir.clone(),
            cues,
            mute: args.mute,
        },
    })?;
    Ok(())
}

fn calibrate_camera(args: &CalibrateCameraArgs) -> Result<()> {
    let images = camera_calibration::images_in(&args.images)?;
    let calibration =
        camera_calibration::calibrate(&images, args.board, args.square_mm, &args.name)?;
    let path = args.out.join(format!("{}.toml", calibration.name));
    calibration.save(&path)?;
    eprintln!(
        "{}: fx {:.1} fy {:.1} cx {:.1} cy {:.1} px, k1 {:.4} k2 {:.4}, RMS reprojection {:.3} px over {} views",
        path.display(),
        calibration.fx,
        calibration.fy,
        calibration.cx,
        calibration.cy,
        calibration.distortion[0],
        calibration.distortion[1],
        calibration.rms_reprojection_px,
        calibration.views
    );
    Ok(())
}

fn calibrate_baseline(args: &CalibrateBaselineArgs) -> Result<()> {
    let exercise = Exercise::named(&args.exercise)?;
    let setup = AssessSetup {
        exercise,
        profile: None,
        calibration: args
            .camera_calibration
            .as_deref()
            .map(camera_calibration::load)
            .transpose()?,
    };
    let outcome = live::run(RunOptions {
        profile_path: Some(args.profile.clone()),
        baseline_after_s: Some(args.from_s),
        ..RunOptions::new(input_of(&args.input, ModelKind::Full), setup)
    })?;
    match (outcome.baseline, outcome.baseline_refused) {
        (Some(values), _) => {
            for (metric, value) in values {
                eprintln!("  {} = {value:.2}", metric.name());
            }
            match outcome.baseline_unsaved {
                // The values are printed above: nothing measured is lost.
                Some(why) => anyhow::bail!("the baseline above was not saved: {why}"),
                None => Ok(()),
            }
        }
        (None, Some(why)) => anyhow::bail!("no baseline captured: {why}"),
        (None, None) => anyhow::bail!(
            "no baseline captured: the recording ends before {:.0} s of neutral hold after {} s",
            formcheck::analysis::baseline::HOLD_S,
            args.from_s
        ),
    }
}

/// A landmark track (`.jsonl`) or a video file, as the pipeline's input.
fn input_of(path: &Path, model: ModelKind) -> Input {
    let is_track = path
        .extension()
        .is_some_and(|e| e == "jsonl" || e == "json");
    if is_track {
        Input::Track(path.into())
    } else {
        Input::Frames {
            source: SourceSpec::File(path.into()),
            realtime: false,
            pose: PoseOptions {
                model,
                ..PoseOptions::default()
            },
        }
    }
}

fn sessions(args: SessionsArgs) -> Result<()> {
    let path = args.db.unwrap_or_else(Store::default_path);
    if !path.exists() {
        if let Some(id) = args.session {
            anyhow::bail!("no session {id}: {} does not exist", path.display());
        }
        println!(
            "no sessions recorded: {} does not exist yet",
            path.display()
        );
        return Ok(());
    }
    let db = Store::open_read_only(&path)?;
    let text = match args.session {
        Some(id) if args.json => serde_json::to_string_pretty(&db.session(id)?)?,
        Some(id) => store::detail_text(&db.session(id)?),
        None if args.json => serde_json::to_string_pretty(&db.sessions(args.patient.as_deref())?)?,
        None => store::sessions_text(&db.sessions(args.patient.as_deref())?),
    };
    // `formcheck sessions | head` closes the pipe early: not an error.
    match writeln!(std::io::stdout().lock(), "{}", text.trim_end()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

fn report(args: &ReportArgs) -> Result<()> {
    use formcheck::report;
    let db_path = args.db.clone().unwrap_or_else(Store::default_path);
    check_outputs(
        &[Some(&db_path)],
        &[Some(&args.out), args.csv.as_deref(), args.fhir.as_deref()],
        false,
        None,
    )?;
    let db = Store::open_read_only(&db_path)?;
    let input = report::input_from_store(&db, args.session)?;
    let html = report::render(&input)?;
    private_files::Replacement::create(&args.out)
        .and_then(|mut f| f.write_all(html.as_bytes()).and_then(|()| f.commit()))
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    eprintln!("report: {}", args.out.display());
    if let Some(dir) = &args.csv {
        for path in report::write_csv(&input, dir)? {
            eprintln!("csv: {}", path.display());
        }
    }
    if let Some(path) = &args.fhir {
        let bundle = report::fhir::bundle(&db, args.session)?;
        private_files::Replacement::create(path)
            .and_then(|mut f| {
                serde_json::to_writer_pretty(&mut f, &bundle)?;
                f.commit()
            })
            .with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!("FHIR R4 bundle: {}", path.display());
    }
    Ok(())
}

/// The clinic's server named by `db`, else by $FORMCHECK_DB, else by the
/// settings file.
fn clinic_server(db: Option<&str>) -> Result<ServerAddress> {
    let url = database(db, &Settings::load()?)
        .context("no clinic server: give --db postgres://user@host/database")?;
    if !ServerAddress::is_url(&url) {
        anyhow::bail!(
            "--db {url}: the dashboard reads a clinic's PostgreSQL server (postgres://...), not a file"
        );
    }
    Ok(ServerAddress::parse(&url)?)
}

fn serve(args: &ServeArgs) -> Result<()> {
    formcheck::clinic::dashboard::serve(&formcheck::clinic::dashboard::ServeOptions {
        address: clinic_server(args.db.as_deref())?,
        listen: args.listen,
        secure_cookie: args.secure_cookie,
        cache: match &args.cache {
            Some(dir) => dir.clone(),
            None => formcheck::data_dir::user_dir()
                .context("no home folder for the videos' cache: give --cache")?
                .join("dashboard-videos"),
        },
    })?;
    Ok(())
}

fn programme(args: &ProgrammeArgs) -> Result<()> {
    let profile = Profile::load(&args.profile)?;
    match &profile.programme {
        Some(programme) => println!("{}: {}", profile.patient, programme.text()),
        None => println!(
            "{}: no programme is prescribed ([programme] in {})",
            profile.patient,
            args.profile.display()
        ),
    }
    Ok(())
}

fn therapist(args: &TherapistArgs) -> Result<()> {
    use std::io::IsTerminal;
    let address = clinic_server(args.db.as_deref())?;
    let password = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password(format!("password for {}: ", args.name))?;
        let again = rpassword::prompt_password("again: ")?;
        if first != again {
            anyhow::bail!("the two passwords differ: nothing was changed");
        }
        first
    } else {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        line.trim_end_matches(['\n', '\r']).to_string()
    };
    let mut server = formcheck::clinic::Server::connect(&address)?;
    let shown = address.to_string();
    formcheck::clinic::accounts::set_therapist(server.client(), &shown, &args.name, &password)?;
    eprintln!(
        "{} may log in to the dashboard of {shown}",
        args.name.trim()
    );
    Ok(())
}

fn review(args: ReviewArgs) -> Result<()> {
    let db = Store::open_read_only(&args.db.unwrap_or_else(Store::default_path))?;
    let detail = db.session(args.session)?;
    let Some(set) = detail.sets.iter().find(|s| s.number == args.set) else {
        anyhow::bail!(
            "session {} has no set {} (it has {})",
            detail.id,
            args.set,
            detail.sets.len()
        );
    };
    let title = format!("{}: {}, set {}", detail.patient, set.exercise, set.number);
    let input =
        formcheck::review::ReviewInput::from_set_folder(&set.folder, &title, &set.exercise)?;
    formcheck::review::run(&input)?;
    Ok(())
}

fn run_bench(args: BenchArgs) -> Result<()> {
    let report = bench::run(&BenchOptions {
        video: args.video,
        model: args.model,
        threads: args.threads,
        passes: args.passes,
    })?;
    println!("{}", serde_json::to_string(&report)?);
    Ok(())
}
