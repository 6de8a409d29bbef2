//! Replays a landmark track (`formcheck pose` output) into the analysis
//! stage, so that any analysis can be re-run without the video.

use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::Sender;
use opencv::core::Mat;

use super::messages::{Frame, PoseFrame};
use crate::analysis::back_outline::BackOutline;
use crate::recording::track::TrackRecord;
use crate::source::FrameInfo;

/// The replay's thread.
pub struct Replay {
    handle: JoinHandle<()>,
}

impl Replay {
    /// Starts sending `records` (already read and checked) as frames
    /// without pictures.
    pub fn spawn(records: Vec<TrackRecord>, out: Sender<PoseFrame>) -> std::io::Result<Replay> {
        let handle = std::thread::Builder::new()
            .name("replay".into())
            .spawn(move || {
                for record in records {
                    let frame = Frame {
                        info: FrameInfo {
                            index: record.frame,
                            t_ms: record.t_ms,
                        },
                        image: Mat::default(),
                        size: record.size(),
                        captured: Instant::now(),
                        read: Duration::ZERO,
                    };
                    let message = PoseFrame {
                        pose: record.pose(),
                        back: record.back.map(|reading| BackOutline {
                            reading,
                            drawing: record.outline.clone(),
                        }),
                        frame,
                        pose_time: Duration::ZERO,
                    };
                    if out.send(message).is_err() {
                        return;
                    }
                }
            })?;
        Ok(Replay { handle })
    }

    /// Waits for the thread; `Err` if it panicked.
    pub fn join(self) -> std::thread::Result<()> {
        self.handle.join()
    }
}
