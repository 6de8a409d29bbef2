//! The files a run writes as it goes, each where the command line asked:
//! the events, every measurement, the video with the display drawn in.

use std::io::BufWriter;
use std::path::Path;

use super::LiveError;
use crate::analysis::events::Event;
use crate::output::{self, Output};
use crate::pipeline::messages::Assessment;
use crate::recording::encoder::VideoEncoder;
use crate::recording::events::EventWriter;
use crate::recording::metrics::MetricsWriter;
use crate::recording::video::VideoSink;

/// The run's output files, those asked for.
#[derive(Default)]
pub struct Outputs {
    events: Option<EventWriter<BufWriter<Output>>>,
    metrics: Option<MetricsWriter<BufWriter<Output>>>,
    video: Option<VideoEncoder>,
}

impl Outputs {
    /// Creates the outputs asked for: the events at `events` (`-` for
    /// standard output), the metrics CSV at `metrics`, the overlay video at
    /// `video` at `fps`, encoded on its own thread.
    pub fn create(
        events: Option<&str>,
        metrics: Option<&Path>,
        video: Option<&Path>,
        fps: f64,
    ) -> Result<Outputs, LiveError> {
        let events = events
            .map(|path| output::create(path).map(EventWriter::new))
            .transpose()?;
        let metrics = match metrics {
            Some(path) => {
                let file = output::create(&path.to_string_lossy())?;
                Some(MetricsWriter::new(file).map_err(LiveError::io("cannot write the metrics"))?)
            }
            None => None,
        };
        let video = video
            .map(|p| VideoEncoder::start(VideoSink::new(p, fps), "overlay-video"))
            .transpose()?;
        Ok(Outputs {
            events,
            metrics,
            video,
        })
    }

    /// The overlay video, if one is written.
    pub fn video(&mut self) -> Option<&mut VideoEncoder> {
        self.video.as_mut()
    }

    /// Writes a frame's events and measurements.
    pub fn frame(&mut self, a: &Assessment) -> Result<(), LiveError> {
        self.events(&a.events)?;
        if let Some(csv) = &mut self.metrics {
            csv.write(a.frame.info.index, a.frame.info.t_ms, &a.measurements)
                .map_err(LiveError::io("cannot write the metrics"))?;
        }
        Ok(())
    }

    /// Writes `events` to the event log, if there is one.
    pub fn events(&mut self, events: &[Event]) -> Result<(), LiveError> {
        if let Some(log) = &mut self.events {
            log.write(events)
                .map_err(LiveError::io("cannot write the events"))?;
        }
        Ok(())
    }

    /// Completes every file and moves it into place.
    pub fn finish(self) -> Result<(), LiveError> {
        if let Some(log) = self.events {
            log.finish()
                .and_then(output::commit)
                .map_err(LiveError::io("cannot write the events"))?;
        }
        if let Some(csv) = self.metrics {
            csv.finish()
                .and_then(output::commit)
                .map_err(LiveError::io("cannot write the metrics"))?;
        }
        if let Some(video) = self.video {
            video.finish()?;
        }
        Ok(())
    }
}
