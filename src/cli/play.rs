//! `dqn play`.

use std::path::PathBuf;

use clap::Args;
use envs::play::{play, PlayOptions};
use envs::viewer::parse_scale;

/// Arguments of `dqn play`.
#[derive(Args, Debug)]
pub struct PlayArgs {
    /// Env id (`dqn list`).
    #[arg(long)]
    pub env: String,
    /// Window pixels per game pixel, 1..=8 [default: the largest that fits the screen]. The
    /// window can also be resized.
    #[arg(long, value_parser = parse_scale)]
    pub scale: Option<usize>,
    /// Frames per second.
    #[arg(long, default_value_t = 60)]
    pub fps: usize,
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

pub fn run(a: PlayArgs) -> anyhow::Result<()> {
    if envs::spec(&a.env).is_none() {
        anyhow::bail!("unknown env '{}'; envs: {}", a.env, envs::ids().join(", "));
    }
    if a.fps == 0 || a.fps > 1000 {
        anyhow::bail!("--fps must be in 1..=1000");
    }
    let opts = PlayOptions {
        scale: a.scale,
        fps: a.fps,
        seed: a.seed,
        max_frames: a.max_frames,
        screenshot: a.screenshot,
    };
    let summary = play(&a.env, &opts)?;
    println!(
        "played {} frames, {} games, best score {}",
        summary.frames, summary.games, summary.best_score
    );
    Ok(())
}
