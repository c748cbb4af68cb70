//! The evaluation video logged to TensorBoard: the first evaluation episode as an animated GIF
//! (TensorBoard's image plugin plays GIFs), standing in for CleanRL's and SB3's mp4 eval videos.
//!
//! [`VideoCapture`] keeps every frame of a short episode and subsamples a long one as it goes
//! (whenever it holds more than [`MAX_FRAMES`], it drops every other frame and keeps every
//! second one from then on), so memory stays bounded. [`VideoCapture::finish`] pads a very
//! short episode to [`MIN_FRAMES`] and halves the frames again until the GIF fits the byte cap
//! (`run.eval_video_max_bytes`).

use envs::record::{encode_gif, realtime_fps};
use envs::{Env, Frame};

/// Most frames a capture holds; longer episodes are subsampled.
pub const MAX_FRAMES: usize = 240;
/// Fewest frames a video has: a shorter episode holds its last frame.
pub const MIN_FRAMES: usize = 10;

/// An encoded evaluation video.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalVideo {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// GIF bytes.
    pub gif: Vec<u8>,
    /// Frames in the GIF.
    pub frames: usize,
    /// Agent steps between two frames (1 = every step).
    pub stride: u64,
}

/// Collects frames of one episode, subsampling as it grows.
#[derive(Debug)]
pub struct VideoCapture {
    frames: Vec<Frame>,
    stride: u64,
    seen: u64,
    fps: f32,
    max_bytes: u64,
}

impl VideoCapture {
    /// A capture for env `id` with `frame_skip`, whose GIF must fit `max_bytes`.
    pub fn new(id: &str, frame_skip: u32, max_bytes: u64) -> Self {
        VideoCapture {
            frames: Vec::new(),
            stride: 1,
            seen: 0,
            fps: realtime_fps(id, frame_skip),
            max_bytes,
        }
    }

    /// Offers the env's current picture (call after reset and after every step); renders it
    /// only when it is kept.
    pub fn offer(&mut self, env: &dyn Env) {
        if self.seen.is_multiple_of(self.stride) {
            let (w, h) = env.render_size();
            let mut f = Frame::new(w, h);
            env.render(&mut f);
            self.frames.push(f);
            if self.frames.len() > MAX_FRAMES {
                halve(&mut self.frames);
                self.stride *= 2;
            }
        }
        self.seen += 1;
    }

    /// Encodes the GIF: `None` when nothing was captured, or when even [`MIN_FRAMES`] frames do
    /// not fit the byte cap (the reason is returned then).
    pub fn finish(mut self) -> Result<EvalVideo, String> {
        let Some(last) = self.frames.last().cloned() else {
            return Err("no frames were captured".into());
        };
        while self.frames.len() < MIN_FRAMES {
            self.frames.push(last.clone());
        }
        loop {
            // A subsampled video plays fast-forward: one frame per frame time of a real step.
            let gif = encode_gif(&self.frames, self.fps.min(50.0), 1).map_err(|e| e.to_string())?;
            if gif.len() as u64 <= self.max_bytes {
                return Ok(EvalVideo {
                    width: last.width,
                    height: last.height,
                    frames: self.frames.len(),
                    stride: self.stride,
                    gif,
                });
            }
            if self.frames.len() / 2 < MIN_FRAMES {
                return Err(format!(
                    "{} frames take {} bytes, over run.eval_video_max_bytes = {}",
                    self.frames.len(),
                    gif.len(),
                    self.max_bytes
                ));
            }
            halve(&mut self.frames);
            self.stride *= 2;
        }
    }
}

/// Keeps frames 0, 2, 4, …
fn halve(frames: &mut Vec<Frame>) {
    let mut i = 0;
    frames.retain(|_| {
        i += 1;
        i % 2 == 1
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use envs::{make, EnvConfig};

    fn gif_frames(bytes: &[u8]) -> usize {
        let mut opts = gif::DecodeOptions::new();
        opts.set_color_output(gif::ColorOutput::RGBA);
        let mut d = opts.read_info(bytes).unwrap();
        let mut n = 0;
        while d.read_next_frame().unwrap().is_some() {
            n += 1;
        }
        n
    }

    #[test]
    fn short_episodes_get_ten_frames_and_long_ones_are_subsampled() {
        let env = make("cartpole", &EnvConfig::default()).unwrap();
        let mut short = VideoCapture::new("cartpole", 1, 1 << 20);
        for _ in 0..3 {
            short.offer(env.as_ref());
        }
        let v = short.finish().unwrap();
        assert_eq!((v.frames, v.stride), (MIN_FRAMES, 1));
        assert_eq!(gif_frames(&v.gif), MIN_FRAMES);
        assert_eq!(&v.gif[..6], b"GIF89a");

        let mut long = VideoCapture::new("cartpole", 1, 1 << 24);
        for _ in 0..1000 {
            long.offer(env.as_ref());
        }
        assert!(long.frames.len() <= MAX_FRAMES);
        let v = long.finish().unwrap();
        assert_eq!(v.stride, 8, "1000 steps at most 240 frames: every 8th");
        assert_eq!(v.frames, 125);
    }

    #[test]
    fn the_byte_cap_drops_frames_or_refuses() {
        let env = make("breakout", &EnvConfig::default()).unwrap();
        let mut cap = VideoCapture::new("breakout", 4, 1 << 20);
        for _ in 0..100 {
            cap.offer(env.as_ref());
        }
        let full = cap.finish().unwrap();
        let mut cap = VideoCapture::new("breakout", 4, full.gif.len() as u64 / 3);
        for _ in 0..100 {
            cap.offer(env.as_ref());
        }
        let small = cap.finish().unwrap();
        assert!(small.frames < full.frames && small.frames >= MIN_FRAMES);
        assert!(small.gif.len() < full.gif.len() / 3 + 1);
        let mut cap = VideoCapture::new("breakout", 4, 10);
        cap.offer(env.as_ref());
        assert!(cap.finish().unwrap_err().contains("eval_video_max_bytes"));
    }
}
