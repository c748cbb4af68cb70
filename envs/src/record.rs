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
    packer: Packer,
}

/// Turns [`Frame`]s into GIF frames: scaled up, with an exact palette when there are at most 256
/// colours (our games), else quantised by the encoder. Its buffers are reused between frames.
#[derive(Default)]
struct Packer {
    scaled: Vec<u8>,
    indices: Vec<u8>,
    palette: Vec<u8>,
    lookup: HashMap<[u8; 3], u8>,
}

impl Packer {
    /// `frame` drawn `scale × scale` per pixel, shown for `delay_cs` hundredths of a second.
    fn pack(&mut self, frame: &Frame, scale: usize, delay_cs: u16) -> gif::Frame<'_> {
        let (gw, gh) = (frame.width * scale, frame.height * scale);
        self.scaled.clear();
        for y in 0..gh {
            let row = &frame.data[(y / scale) * frame.width * 3..][..frame.width * 3];
            for px in row.chunks_exact(3) {
                for _ in 0..scale {
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
        gif_frame.delay = delay_cs;
        gif_frame
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
}

/// Checks a GIF's size, scale and frame rate; returns the scaled size and the frame delay in
/// hundredths of a second.
fn gif_geometry(width: usize, height: usize, fps: f32, scale: usize) -> Result<(u16, u16, u16), RecordError> {
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
    Ok((gw as u16, gh as u16, (100.0 / fps).round().max(1.0) as u16))
}

/// The bytes of an animated, looping GIF of `frames` (all of one size) at `fps`, each pixel drawn
/// `scale × scale`: for logs that hold a GIF (TensorBoard images) rather than a file.
pub fn encode_gif(frames: &[Frame], fps: f32, scale: usize) -> Result<Vec<u8>, RecordError> {
    let first = frames
        .first()
        .ok_or_else(|| RecordError::Invalid("a GIF needs at least one frame".into()))?;
    let (gw, gh, delay_cs) = gif_geometry(first.width, first.height, fps, scale)?;
    let gif_err = |e: gif::EncodingError| RecordError::Gif {
        path: PathBuf::from("<memory>"),
        message: e.to_string(),
    };
    let mut encoder = gif::Encoder::new(Vec::new(), gw, gh, &[]).map_err(gif_err)?;
    encoder.set_repeat(gif::Repeat::Infinite).map_err(gif_err)?;
    let mut packer = Packer::default();
    for frame in frames {
        if (frame.width, frame.height) != (first.width, first.height)
            || frame.data.len() != frame.width * frame.height * 3
        {
            return Err(RecordError::Invalid(format!(
                "frame is {}×{}, but this GIF holds {}×{} frames",
                frame.width, frame.height, first.width, first.height
            )));
        }
        encoder
            .write_frame(&packer.pack(frame, scale, delay_cs))
            .map_err(gif_err)?;
    }
    encoder.into_inner().map_err(gif_err)
}

/// The frame rate at which a recording of `id` plays in real time: one frame per agent step,
/// i.e. 60 / `frame_skip` for the Atari-like games, and 50 for cartpole (τ = 0.02 s).
pub fn realtime_fps(id: &str, frame_skip: u32) -> f32 {
    if id == "cartpole" {
        50.0
    } else {
        60.0 / frame_skip.max(1) as f32
    }
}

impl GifRecorder {
    /// Starts a GIF at `path` for frames of `width × height`, shown at `fps` frames per second,
    /// each pixel drawn `scale × scale`. The scaled size must fit GIF's 65535 limit.
    pub fn create(path: &Path, width: usize, height: usize, fps: f32, scale: usize) -> Result<Self, RecordError> {
        let (gw, gh, delay_cs) = gif_geometry(width, height, fps, scale)?;
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
        let mut encoder = gif::Encoder::new(BufWriter::new(file), gw, gh, &[]).map_err(gif_err)?;
        encoder.set_repeat(gif::Repeat::Infinite).map_err(gif_err)?;
        Ok(GifRecorder {
            encoder: Some(encoder),
            path: path.to_path_buf(),
            temp,
            width,
            height,
            scale,
            delay_cs,
            frames: 0,
            packer: Packer::default(),
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
        let encoder = self
            .encoder
            .as_mut()
            .ok_or_else(|| RecordError::Invalid("the GIF is already finished".into()))?;
        let gif_frame = self.packer.pack(frame, self.scale, self.delay_cs);
        encoder.write_frame(&gif_frame).map_err(|e| RecordError::Gif {
            path: self.path.clone(),
            message: e.to_string(),
        })?;
        self.frames += 1;
        Ok(())
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
        file.sync_all().map_err(|source| RecordError::Io {
            path: self.temp.clone(),
            source,
        })?;
        atomic_io::persist(&self.temp, &self.path).map_err(|source| RecordError::Io {
            path: self.path.clone(),
            source,
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
    let mut gif = GifRecorder::create(path, w, h, realtime_fps(id, cfg.frame_skip), scale)?;
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
