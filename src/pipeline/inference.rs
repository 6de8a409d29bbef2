//! The pose stage: runs the pose engine on each frame on its own thread.
//!
//! The engine (its ONNX Runtime sessions, its tracking and smoothing state)
//! has one owner, this thread. When the engine runs the segmentation, the
//! back's outline is read here too, where the mask is.

use std::thread::JoinHandle;
use std::time::Instant;

use crossbeam_channel::{Receiver, Sender};

use super::back::BackReader;
use super::messages::{Frame, PoseFrame};
use crate::pose::{PoseEngine, PoseError};

/// The pose stage's thread.
pub struct Inference {
    handle: JoinHandle<Result<(), PoseError>>,
}

impl Inference {
    /// Starts the pose stage: frames in, frames with landmarks out, until
    /// the source ends or the analysis stage goes away.
    pub fn spawn(
        mut engine: PoseEngine,
        frames: Receiver<Frame>,
        out: Sender<PoseFrame>,
    ) -> std::io::Result<Inference> {
        let handle = std::thread::Builder::new()
            .name("pose".into())
            .spawn(move || {
                let mut back = BackReader::default();
                for frame in frames {
                    let started = Instant::now();
                    let time_us = frame.info.t_ms.micros();
                    let pose = engine.process(&frame.image, time_us)?.cloned();
                    let back = back.read(&engine, pose.as_ref(), frame.size);
                    let message = PoseFrame {
                        frame,
                        pose,
                        back,
                        pose_time: started.elapsed(),
                    };
                    if out.send(message).is_err() {
                        break;
                    }
                }
                Ok(())
            })?;
        Ok(Inference { handle })
    }

    /// Waits for the thread: `Err` if it panicked, else the error that
    /// stopped it, if any.
    pub fn join(self) -> std::thread::Result<Result<(), PoseError>> {
        self.handle.join()
    }
}
