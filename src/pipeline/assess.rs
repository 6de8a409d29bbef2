//! The analysis stage: measures, judges and counts on its own thread.
//!
//! It owns the set's [`Analyzer`]; the sinks reach it only through
//! commands (capture the neutral baseline, next set). With a camera
//! calibration, landmarks are undistorted before they are measured.

use std::thread::JoinHandle;
use std::time::Instant;

use crossbeam_channel::{Receiver, Sender};
use nalgebra::Vector2;

use super::messages::{AnalysisCommand, Assessed, Assessment, Notice, PoseFrame};
use crate::analysis::baseline::{BaselineCapture, BaselineProgress};
use crate::analysis::config::{Exercise, Profile};
use crate::analysis::{Analyzer, Extras};
use crate::body::{ImageSize, Pose, NUM_LANDMARKS};
use crate::camera_calibration::{CalibrationError, CameraCalibration, Undistorter};

/// The analysis stage's thread.
pub struct Assess {
    handle: JoinHandle<Result<(), CalibrationError>>,
}

/// What the analysis stage works with.
pub struct AssessSetup {
    /// The exercise.
    pub exercise: Exercise,
    /// The patient's profile.
    pub profile: Option<Profile>,
    /// The camera's calibration, to undistort landmarks.
    pub calibration: Option<CameraCalibration>,
}

/// Undistorts landmark pixels with the calibration, for the frame size at hand.
struct Undistortion {
    calibration: CameraCalibration,
    undistorter: Option<(ImageSize, Undistorter)>,
    points: Vec<[f32; 2]>,
}

impl Undistortion {
    fn pixels(
        &mut self,
        pose: &Pose,
        size: ImageSize,
    ) -> Result<[Vector2<f32>; NUM_LANDMARKS], CalibrationError> {
        let undistorter = match &mut self.undistorter {
            Some((s, u)) if *s == size => u,
            slot => {
                let u = Undistorter::new(&self.calibration, size.width, size.height)?;
                &mut slot.insert((size, u)).1
            }
        };
        let (w, h) = (size.width as f32, size.height as f32);
        self.points.clear();
        self.points
            .extend(pose.landmarks.iter().map(|l| [l.x * w, l.y * h]));
        undistorter.undistort_pixels(&mut self.points)?;
        let mut px = [Vector2::zeros(); NUM_LANDMARKS];
        for (p, q) in px.iter_mut().zip(&self.points) {
            *p = Vector2::new(q[0], q[1]);
        }
        Ok(px)
    }
}

impl Assess {
    /// Starts the analysis stage.
    pub fn spawn(
        setup: AssessSetup,
        frames: Receiver<PoseFrame>,
        commands: Receiver<AnalysisCommand>,
        out: Sender<Assessed>,
        notices: Sender<Notice>,
    ) -> std::io::Result<Assess> {
        let handle = std::thread::Builder::new()
            .name("analysis".into())
            .spawn(move || run(&setup, &frames, &commands, &out, &notices))?;
        Ok(Assess { handle })
    }

    /// Waits for the thread: `Err` if it panicked, else the error that
    /// stopped it, if any.
    pub fn join(self) -> std::thread::Result<Result<(), CalibrationError>> {
        self.handle.join()
    }
}

fn new_analyzer(setup: &AssessSetup) -> Analyzer {
    Analyzer::new(setup.exercise.clone(), setup.profile.as_ref())
}

fn run(
    setup: &AssessSetup,
    frames: &Receiver<PoseFrame>,
    commands: &Receiver<AnalysisCommand>,
    out: &Sender<Assessed>,
    notices: &Sender<Notice>,
) -> Result<(), CalibrationError> {
    let mut analyzer = new_analyzer(setup);
    let mut undistortion = setup.calibration.clone().map(|calibration| Undistortion {
        calibration,
        undistorter: None,
        points: Vec::with_capacity(NUM_LANDMARKS),
    });
    let mut baseline: Option<BaselineCapture> = None;
    let mut said = String::new();
    for PoseFrame {
        frame,
        pose,
        back,
        pose_time,
    } in frames
    {
        for command in commands.try_iter() {
            match command {
                AnalysisCommand::CaptureBaseline { countdown_s } => {
                    let needed = analyzer.baseline_metrics();
                    baseline = Some(BaselineCapture::new(needed, countdown_s));
                }
                AnalysisCommand::NextSet => {
                    let previous = std::mem::replace(&mut analyzer, new_analyzer(setup));
                    let mut closing = Vec::new();
                    previous.finish(&mut closing);
                    if out.send(Assessed::SetEnd(closing)).is_err() {
                        return Ok(());
                    }
                }
            }
        }
        let started = Instant::now();
        let mut events = Vec::new();
        let pixels = match (&mut undistortion, &pose) {
            (Some(u), Some(pose)) => Some(u.pixels(pose, frame.size)?),
            _ => None,
        };
        let extras = Extras {
            pixels: pixels.as_ref(),
            back: back.as_ref().map(|b| b.reading),
        };
        analyzer.push_with(
            frame.info.index,
            frame.info.t_ms,
            frame.size,
            pose.as_ref(),
            extras,
            &mut events,
        );
        if let Some(capture) = &mut baseline {
            // What the camera's view, known by now, lets the rules judge.
            capture.set_needed(analyzer.baseline_metrics());
            let seen = pose.as_ref().map(|_| analyzer.measurements());
            let message = match capture.update(frame.info.t_ms, seen) {
                BaselineProgress::Countdown(s) => {
                    format!("Get into your neutral position: {}", s.ceil())
                }
                BaselineProgress::Holding(s) => format!("Hold still: {}", s.ceil()),
                BaselineProgress::Done(values) => {
                    analyzer.set_baseline(values.clone());
                    baseline = None;
                    let _ = notices.try_send(Notice::BaselineCaptured(values));
                    "Neutral captured".to_string()
                }
                BaselineProgress::Failed(why) => {
                    baseline = None;
                    let _ = notices.try_send(Notice::BaselineFailed(why.clone()));
                    why
                }
            };
            // Tell the person when the words change, not every frame.
            if message != said {
                let _ = notices.try_send(Notice::Baseline(message.clone()));
                said = message;
            }
        }
        let assessment = Assessment {
            measurements: *analyzer.measurements(),
            status: analyzer.status(),
            events,
            pose,
            back,
            pose_time,
            analysis_time: started.elapsed(),
            ready: Instant::now(),
            frame,
        };
        if out.send(Assessed::Frame(Box::new(assessment))).is_err() {
            return Ok(());
        }
    }
    let mut closing = Vec::new();
    analyzer.finish(&mut closing);
    let _ = out.send(Assessed::SetEnd(closing));
    Ok(())
}
