//! `dqn record RUN --hud`: a GIF of what `dqn watch` shows (the game and its HUD), headless.

use std::path::PathBuf;

use agents::dqn::stack::ObsElement;
use agents::dqn::Policy;
use envs::record::GifRecorder;

use super::agent_view::AgentView;

/// What to record.
#[derive(Debug, Clone)]
pub struct HudRecording {
    /// The GIF to write.
    pub out: PathBuf,
    /// At most this many agent steps.
    pub steps: u64,
    /// Stop after this many whole episodes (`None`: only `steps` stops it).
    pub episodes: Option<u32>,
    /// Keep every `every`-th frame; the GIF still plays at the game's real speed.
    pub every: u64,
    /// ε of the policy.
    pub epsilon: f64,
    /// GIF pixels per game pixel.
    pub scale: usize,
    /// Seed of the env and of ε's draws.
    pub seed: u64,
}

/// What was recorded.
#[derive(Debug, Clone, Default)]
pub struct HudSummary {
    /// GIF frames written.
    pub frames: u64,
    /// Agent steps played.
    pub steps: u64,
    /// Returns of the episodes that ended.
    pub returns: Vec<f64>,
}

/// Plays `policy` and writes the game with its HUD into a GIF, as `dqn watch` shows it.
pub fn record(policy: &Policy, r: &HudRecording) -> anyhow::Result<HudSummary> {
    if policy.pixels {
        record_as::<u8>(policy, r)
    } else {
        record_as::<f32>(policy, r)
    }
}

fn record_as<T: ObsElement>(policy: &Policy, r: &HudRecording) -> anyhow::Result<HudSummary> {
    if r.every == 0 || r.episodes == Some(0) {
        anyhow::bail!("--every and --episodes must be at least 1");
    }
    let mut view = AgentView::<T>::new(policy, r.epsilon, r.seed)?;
    let (w, h) = view.size();
    let fps = view.real_time_fps() / r.every as f32;
    let mut gif = GifRecorder::create(&r.out, w, h, fps, r.scale)?;
    let mut summary = HudSummary::default();
    view.draw(None);
    gif.push(&view.canvas)?;
    while summary.steps < r.steps {
        let ended = view.step()?;
        summary.steps += 1;
        let last = ended.is_some() && r.episodes.is_some_and(|n| summary.returns.len() as u32 + 1 >= n);
        if summary.steps % r.every == 0 || last || summary.steps == r.steps {
            view.draw(None);
            gif.push(&view.canvas)?;
        }
        if let Some(ep) = ended {
            summary.returns.push(ep.episode_return);
            if last {
                break;
            }
        }
    }
    summary.frames = gif.frames();
    gif.finish()?;
    Ok(summary)
}
