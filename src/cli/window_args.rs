//! The window options that `play`, `watch` and `segnet watch` share.

use std::path::PathBuf;

use clap::Args;
use envs::viewer::parse_scale;

/// Scale, seed, a frame limit and a screenshot: every window command takes these.
#[derive(Args, Debug, Clone, Default)]
pub struct WindowArgs {
    /// Window pixels per game pixel, 1..=8 [default: the largest that fits the screen]. The
    /// window can also be resized.
    #[arg(long, value_parser = parse_scale)]
    pub scale: Option<usize>,
    /// Seed of the game.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Stop after this many frames (for scripted checks).
    #[arg(long)]
    pub max_frames: Option<u64>,
    /// Save the last frame shown as a PNG, at the window's scale.
    #[arg(long)]
    pub screenshot: Option<PathBuf>,
}
