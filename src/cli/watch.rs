//! `dqn watch`: a trained agent plays in a window, with a HUD of score, lives, episode, step, ε,
//! checkpoint, mean return and Q-values ([`super::agent_view`]); `--record` also writes it to a GIF.

use std::path::PathBuf;

use agents::dqn::stack::ObsElement;
use agents::dqn::{CheckpointChoice, Policy};
use clap::Args;
use envs::controls::PAUSE_KEY;
use envs::record::GifRecorder;
use envs::viewer::{fit_scale, Viewer};

use super::agent_view::AgentView;
use super::window_args::WindowArgs;

/// Arguments of `dqn watch`.
#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  dqn watch runs/breakout__dqn__1__1700000000\n  dqn watch runs/cartpole__dqn__1__1700000000/checkpoints/best.safetensors --episodes 3\n  dqn watch --env driving --segment runs/segnet__basic__1__1700000000 --driver you\n      (game, ground truth from the game and live segmentation side by side, with a legend and the IoU)\n\nKeys: P pauses, Esc quits."
)]
pub struct WatchArgs {
    /// A DQN run folder or a checkpoint file (`RUN/checkpoints/*.safetensors`).
    #[arg(required_unless_present = "segment")]
    pub run: Option<PathBuf>,
    /// Which weights of a run folder: `best`, `last` (the newest step_N.safetensors) or a model
    /// file. Default: best when the run has one, else last.
    #[arg(long, value_name = "last|best|PATH", conflicts_with = "segment")]
    pub checkpoint: Option<CheckpointChoice>,
    /// With --segment: the env to drive (only `driving` has pixel labels).
    #[arg(long, requires = "segment")]
    pub env: Option<String>,
    /// A SegNet run folder: show the driving game and its live predicted segmentation side by side.
    #[arg(long, value_name = "SEG_RUN", conflicts_with = "run")]
    pub segment: Option<PathBuf>,
    /// Episodes to play (0 = until the window closes).
    #[arg(long, default_value_t = 0)]
    pub episodes: u32,
    /// Agent steps shown per second.
    #[arg(long, default_value_t = 15)]
    pub fps: usize,
    /// ε of the ε-greedy policy.
    #[arg(long, default_value_t = 0.01)]
    pub epsilon: f64,
    #[command(flatten)]
    pub window: WindowArgs,
    /// Also record what the window shows, HUD included, to this GIF (at the window's scale,
    /// at the game's real speed). `dqn record RUN --hud` does the same without a window.
    #[arg(long, value_name = "GIF")]
    pub record: Option<PathBuf>,
    /// With --segment: who drives. A DQN run trained on driving (`--driver RUN`), or `you` (the
    /// arrow keys); a scripted driver by default.
    #[arg(long, value_name = "RUN|you", requires = "segment")]
    pub driver: Option<String>,
    /// fp32 | bf16 forward passes on the CPU (the weights stay f32).
    #[arg(long, default_value = "fp32")]
    pub precision: nets::Precision,
}

pub fn run(a: WatchArgs) -> anyhow::Result<()> {
    if !(0.0..=1.0).contains(&a.epsilon) || a.fps == 0 {
        anyhow::bail!("--epsilon must be in [0, 1] and --fps ≥ 1");
    }
    let _autocast = a.precision.autocast(tch::Device::Cpu)?;
    if let Some(seg_run) = &a.segment {
        if let Some(env) = a.env.as_deref().filter(|e| *e != "driving") {
            anyhow::bail!("--segment shows the driving game; '{env}' has no segmentation labels (use --env driving)");
        }
        let opts = super::seg_watch::SegWatchOptions {
            fps: a.fps,
            window: a.window.clone(),
            no_calibration: false,
            driver: a.driver.clone(),
        };
        return super::seg_watch::watch_segmentation(seg_run, &opts);
    }
    let run = a
        .run
        .as_ref()
        .ok_or_else(|| anyhow::anyhow!("give a run folder or checkpoint to watch"))?;
    let choice = a.checkpoint.clone().unwrap_or_default();
    let policy = Policy::load_choice(run, &choice, tch::Device::Cpu)?;
    eprintln!("{}", policy.choice.describe());
    if policy.pixels {
        watch::<u8>(&policy, &a)
    } else {
        watch::<f32>(&policy, &a)
    }
}

fn watch<T: ObsElement>(policy: &Policy, a: &WatchArgs) -> anyhow::Result<()> {
    let mut view = AgentView::<T>::new(policy, a.epsilon, a.window.seed)?;
    let (w, h) = view.size();
    let scale = a.window.scale.unwrap_or_else(|| fit_scale(w, h));
    let mut viewer = Viewer::open(&format!("dqn watch: {}", policy.cfg.env_id), w, h, scale)?;
    viewer.set_target_fps(a.fps);
    outln!(
        "dqn watch {}: {PAUSE_KEY} = pause, Esc = quit ({})",
        policy.cfg.env_id,
        policy.checkpoint.display()
    );
    let mut gif = match &a.record {
        Some(path) => Some(GifRecorder::create(path, w, h, a.fps as f32, scale)?),
        None => None,
    };
    let footer = format!("{PAUSE_KEY} PAUSE  ESC QUIT");
    let (mut episodes, mut frames, mut paused) = (0u32, 0u64, false);
    view.draw(Some(&footer));
    while viewer.next_keys(&mut paused).is_some() {
        if !paused {
            if let Some(ep) = view.step()? {
                episodes += 1;
                outln!(
                    "episode {episodes}: return {:.0}, {} steps",
                    ep.episode_return,
                    ep.length
                );
            }
            view.draw(Some(&footer));
            if let Some(g) = gif.as_mut() {
                g.push(&view.canvas)?;
            }
        }
        let mut shown = view.canvas.clone();
        if paused {
            shown.text(4, 4, "PAUSED", [250, 210, 80], 1);
        }
        viewer.show(&shown)?;
        frames += 1;
        if (a.episodes > 0 && episodes >= a.episodes) || a.window.max_frames.is_some_and(|m| frames >= m) {
            break;
        }
    }
    if let Some(g) = gif {
        let n = g.frames();
        g.finish()?;
        outln!(
            "wrote {} ({n} frames)",
            a.record.as_ref().map_or(String::new(), |p| p.display().to_string())
        );
    }
    if let Some(path) = &a.window.screenshot {
        viewer.save_screenshot(&view.canvas, path)?;
    }
    Ok(())
}
