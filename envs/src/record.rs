//! GIF recording: [`GifRecorder`] encodes [`Frame`]s (e.g. from `env.render()`), and
//! [`record_random`] records a random policy for `dqn record --policy random`.
//!
//! The file is written atomically: frames go to a temporary file in the same folder, which is
//! renamed onto the target by [`GifRecorder::finish`]. A recorder dropped without `finish`
//! removes its temporary file, so a crash never leaves a half-written GIF under the real name.

use std::collections::HashMap;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use rand::{RngExt, SeedableRng};

use crate::config::EnvConfig;
use crate::env::EnvError;
use crate::frame::Frame;
use crate::game::GameRng;
use crate::registry::make;

/// Why recording failed.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// Creating, writing or renaming the file failed.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file involved.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The GIF encoder failed.
    #[error("GIF encoding failed for {path}: {message}")]
    Gif {
        /// The target file.
        path: PathBuf,
        /// The encoder's message.
        message: String,
    },
    /// An argument or a frame was unusable.
    #[error("{0}")]
    Invalid(String),
    /// The env could not be built or stepped.
    #[error(transparent)]
    Env(#[from] EnvError),
}

/// Writes frames into an animated, looping GIF; see the module documentation.
pub struct GifRecorder {
    encoder: Option<gif::Encoder<BufWriter<File>>>,
    path: PathBuf,
    temp: PathBuf,
    width: usize,
    height: usize,
    scale: usize,
    delay_cs: u16,
    frames: u64,
    scaled: Vec<u8>,
    indices: Vec<u8>,
    palette: Vec<u8>,
    lookup: HashMap<[u8; 3], u8>,
}

impl GifRecorder {
    /// Starts a GIF at `path` for frames of `width × height`, shown at `fps` frames per second,
    /// each pixel drawn `scale × scale`. The scaled size must fit GIF's 65535 limit.
    pub fn create(path: &Path, width: usize, height: usize, fps: f32, scale: usize) -> Result<Self, RecordError> {
        if width == 0 || height == 0 || scale == 0 || scale > 16 {
            return Err(RecordError::Invalid(format!(
                "GIF size {width}×{height} at scale {scale} is invalid: sizes must be > 0 and scale in 1..=16"
            )));
        }
        let (gw, gh) = (width * scale, height * scale);
        if gw > u16::MAX as usize || gh > u16::MAX as usize {
            return Err(RecordError::Invalid(format!(
                "GIF size {gw}×{gh} exceeds 65535 pixels per side"
            )));
        }
        if !(fps.is_finite() && fps > 0.0 && fps <= 100.0) {
            return Err(RecordError::Invalid(format!("GIF fps must be in (0, 100], got {fps}")));
        }
        if path.file_name().is_none() {
            return Err(RecordError::Invalid(format!("{} is not a file path", path.display())));
        }
        let temp = atomic_io::temp_path(path);
        let io = |source| RecordError::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = File::create(&temp).map_err(io)?;
        let gif_err = |e: gif::EncodingError| RecordError::Gif {
            path: path.to_path_buf(),
            message: e.to_string(),
        };
        let mut encoder = gif::Encoder::new(BufWriter::new(file), gw as u16, gh as u16, &[]).map_err(gif_err)?;
        encoder.set_repeat(gif::Repeat::Infinite).map_err(gif_err)?;
        Ok(GifRecorder {
            encoder: Some(encoder),
            path: path.to_path_buf(),
            temp,
            width,
            height,
            scale,
            delay_cs: (100.0 / fps).round().max(1.0) as u16,
            frames: 0,
            scaled: Vec::new(),
            indices: Vec::new(),
            palette: Vec::new(),
            lookup: HashMap::new(),
        })
    }

    /// Frames written so far.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// Appends one frame; it must have the size given to [`GifRecorder::create`].
    pub fn push(&mut self, frame: &Frame) -> Result<(), RecordError> {
        if (frame.width, frame.height) != (self.width, self.height)
            || frame.data.len() != frame.width * frame.height * 3
        {
            return Err(RecordError::Invalid(format!(
                "frame is {}×{}, but this GIF records {}×{} frames",
                frame.width, frame.height, self.width, self.height
            )));
        }
        let (gw, gh) = (self.width * self.scale, self.height * self.scale);
        self.scaled.clear();
        for y in 0..gh {
            let row = &frame.data[(y / self.scale) * self.width * 3..][..self.width * 3];
            for px in row.chunks_exact(3) {
                for _ in 0..self.scale {
                    self.scaled.extend_from_slice(px);
                }
            }
        }
        let mut gif_frame = if self.exact_palette() {
            gif::Frame::from_palette_pixels(gw as u16, gh as u16, &self.indices[..], &self.palette[..], None)
        } else {
            // More than 256 colours: let the encoder quantise.
            gif::Frame::from_rgb_speed(gw as u16, gh as u16, &self.scaled, 10)
        };
        gif_frame.delay = self.delay_cs;
        let encoder = self
            .encoder
            .as_mut()
            .ok_or_else(|| RecordError::Invalid("the GIF is already finished".into()))?;
        encoder.write_frame(&gif_frame).map_err(|e| RecordError::Gif {
            path: self.path.clone(),
            message: e.to_string(),
        })?;
        self.frames += 1;
        Ok(())
    }

    /// Builds an exact palette of the scaled frame if it has at most 256 colours (the games do).
    fn exact_palette(&mut self) -> bool {
        self.lookup.clear();
        self.palette.clear();
        self.indices.clear();
        for px in self.scaled.chunks_exact(3) {
            let key = [px[0], px[1], px[2]];
            let next = self.lookup.len();
            let index = match self.lookup.get(&key) {
                Some(&i) => i,
                None if next < 256 => {
                    self.lookup.insert(key, next as u8);
                    self.palette.extend_from_slice(&key);
                    next as u8
                }
                None => return false,
            };
            self.indices.push(index);
        }
        true
    }

    /// Writes the end of the GIF and moves it onto its final path. Returns that path.
    pub fn finish(mut self) -> Result<PathBuf, RecordError> {
        if self.frames == 0 {
            return Err(RecordError::Invalid(format!(
                "no frames were recorded for {}",
                self.path.display()
            )));
        }
        let encoder = self
            .encoder
            .take()
            .ok_or_else(|| RecordError::Invalid("the GIF is already finished".into()))?;
        let writer = encoder.into_inner().map_err(|e| RecordError::Gif {
            path: self.path.clone(),
            message: e.to_string(),
        })?;
        let file = writer.into_inner().map_err(|e| RecordError::Io {
            path: self.temp.clone(),
            source: e.into_error(),
        })?;
        drop(file);
        atomic_io::persist(&self.temp, &self.path).map_err(|source| {
            let _ = std::fs::remove_file(&self.temp);
            RecordError::Io {
                path: self.path.clone(),
                source,
            }
        })?;
        Ok(self.path.clone())
    }
}

impl Drop for GifRecorder {
    fn drop(&mut self) {
        if self.encoder.is_some() {
            self.encoder = None;
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

/// What [`record_random`] wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordSummary {
    /// The GIF file.
    pub path: PathBuf,
    /// Frames in the GIF (one per agent step, plus the first).
    pub frames: u64,
    /// Episodes that ended during the recording.
    pub episodes: u64,
    /// Raw returns of the episodes that ended.
    pub returns: Vec<f64>,
}

/// Records `steps` agent steps of uniformly random actions in `id` (default preprocessing, so one
/// GIF frame per agent step at 60 / frame-skip fps; cartpole at 50 fps) to a GIF at `path`.
pub fn record_random(id: &str, steps: u64, seed: u64, path: &Path, scale: usize) -> Result<RecordSummary, RecordError> {
    if steps == 0 {
        return Err(RecordError::Invalid("steps must be at least 1".into()));
    }
    let cfg = EnvConfig::default();
    let mut env = make(id, &cfg)?;
    let (w, h) = env.render_size();
    let fps = if id == "cartpole" {
        50.0
    } else {
        60.0 / cfg.frame_skip as f32
    };
    let mut gif = GifRecorder::create(path, w, h, fps, scale)?;
    let mut rng = GameRng::seed_from_u64(seed);
    let n = env.num_actions();
    let mut frame = Frame::new(w, h);
    env.reset(Some(seed));
    env.render(&mut frame);
    gif.push(&frame)?;
    let (mut episodes, mut returns) = (0, Vec::new());
    for _ in 0..steps {
        let step = env.step(rng.random_range(0..n))?;
        let (done, episode) = (step.terminated || step.truncated, step.info.episode);
        env.render(&mut frame);
        gif.push(&frame)?;
        if let Some(ep) = episode {
            episodes += 1;
            returns.push(ep.episode_return);
        }
        if done {
            env.reset(None);
        }
    }
    let frames = gif.frames();
    let path = gif.finish()?;
    Ok(RecordSummary {
        path,
        frames,
        episodes,
        returns,
    })
}
