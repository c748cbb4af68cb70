//! `dqn play`.

use clap::Args;
use envs::play::{play, PlayOptions};

use super::window_args::WindowArgs;

/// Arguments of `dqn play`.
#[derive(Args, Debug)]
pub struct PlayArgs {
    /// Env id (`dqn list`).
    #[arg(long)]
    pub env: String,
    /// Frames per second.
    #[arg(long, default_value_t = 60)]
    pub fps: usize,
    #[command(flatten)]
    pub window: WindowArgs,
}

pub fn run(a: PlayArgs) -> anyhow::Result<()> {
    if envs::spec(&a.env).is_none() {
        anyhow::bail!("unknown env '{}'; envs: {}", a.env, envs::ids().join(", "));
    }
    if a.fps == 0 || a.fps > 1000 {
        anyhow::bail!("--fps must be in 1..=1000");
    }
    let opts = PlayOptions {
        scale: a.window.scale,
        fps: a.fps,
        seed: a.window.seed,
        max_frames: a.window.max_frames,
        screenshot: a.window.screenshot,
    };
    let summary = play(&a.env, &opts)?;
    outln!(
        "played {} frames, {} games, best score {}",
        summary.frames,
        summary.games,
        summary.best_score
    );
    Ok(())
}
