//! `dqn watch`: a trained agent plays in a window, with a HUD of score, episode and Q-values.

use std::path::PathBuf;

use agents::dqn::stack::{FrameStack, ObsElement};
use agents::dqn::Policy;
use clap::Args;
use envs::viewer::Viewer;
use envs::{make, Frame};
use rand::{RngExt, SeedableRng};

/// Arguments of `dqn watch`.
#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  dqn watch runs/breakout__dqn__1__1700000000\n  dqn watch runs/cartpole__dqn__1__1700000000/checkpoints/best.safetensors --episodes 3\n  dqn watch --env driving --segment runs/segnet__basic__1__1700000000   (game left, live segmentation right)"
)]
pub struct WatchArgs {
    /// A DQN run folder (its newest checkpoint) or a checkpoint file.
    #[arg(required_unless_present = "segment")]
    pub run: Option<PathBuf>,
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
    /// Window scale.
    #[arg(long, default_value_t = 3)]
    pub scale: usize,
    /// Seed.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Stop after this many frames (for scripted checks).
    #[arg(long)]
    pub max_frames: Option<u64>,
    /// Save the last frame shown as a PNG.
    #[arg(long)]
    pub screenshot: Option<PathBuf>,
    /// fp32 | bf16 forward passes on the CPU (the weights stay f32).
    #[arg(long, default_value = "fp32")]
    pub precision: nets::Precision,
}

/// Width of the Q-value panel right of the game picture.
const PANEL_W: usize = 120;

pub fn run(a: WatchArgs) -> anyhow::Result<()> {
    if !(0.0..=1.0).contains(&a.epsilon) || a.fps == 0 || !(1..=8).contains(&a.scale) {
        anyhow::bail!("--epsilon must be in [0, 1], --fps ≥ 1 and --scale in 1..=8");
    }
    let _autocast = a.precision.autocast(tch::Device::Cpu)?;
    if let Some(seg_run) = &a.segment {
        if let Some(env) = a.env.as_deref().filter(|e| *e != "driving") {
            anyhow::bail!("--segment shows the driving game; '{env}' has no segmentation labels (use --env driving)");
        }
        let opts = super::segnet::SegWatchOptions {
            fps: a.fps,
            scale: a.scale,
            seed: a.seed,
            max_frames: a.max_frames,
            screenshot: a.screenshot.clone(),
            no_calibration: false,
        };
        return super::segnet::watch_segmentation(seg_run, &opts);
    }
    let run = a
        .run
        .as_ref()
        .ok_or_else(|| anyhow::anyhow!("give a run folder or checkpoint to watch"))?;
    let policy = Policy::load(run, tch::Device::Cpu)?;
    if policy.pixels {
        watch::<u8>(&policy, &a)
    } else {
        watch::<f32>(&policy, &a)
    }
}

fn draw_panel(canvas: &mut Frame, x0: usize, meanings: &[&str], q: &[f32], chosen: usize, score: f64, episode: u32) {
    let white = [236, 236, 236];
    canvas.text(x0 as i32 + 4, 4, &format!("SCORE {score:.0}"), white, 1);
    canvas.text(x0 as i32 + 4, 14, &format!("EPISODE {}", episode + 1), white, 1);
    canvas.text(x0 as i32 + 4, 30, "Q-VALUES", white, 1);
    if q.is_empty() {
        return;
    }
    let (lo, hi) = q.iter().fold((f32::MAX, f32::MIN), |(l, h), v| (l.min(*v), h.max(*v)));
    let span = (hi - lo).max(1e-6);
    let bar_max = (PANEL_W - 12) as f32;
    for (i, (name, v)) in meanings.iter().zip(q).enumerate() {
        let y = 42 + i as i32 * 18;
        let colour = if i == chosen { [92, 186, 92] } else { [84, 138, 210] };
        let len = 4.0 + (bar_max - 4.0) * (v - lo) / span;
        canvas.rect(x0 as i32 + 4, y + 8, len as i32, 6, colour);
        let label: String = name.chars().take(9).collect();
        canvas.text(x0 as i32 + 4, y, &format!("{label} {v:.2}"), white, 1);
    }
}

fn watch<T: ObsElement>(policy: &Policy, a: &WatchArgs) -> anyhow::Result<()> {
    let cfg = &policy.cfg;
    let mut env = make(&cfg.env_id, &cfg.training_env_config())?;
    let meanings = env.action_meanings();
    let (w, h) = env.render_size();
    let height = h.max(42 + meanings.len() * 18 + 4);
    let mut viewer = Viewer::open(&format!("dqn watch: {}", cfg.env_id), w + PANEL_W, height, a.scale)?;
    viewer.set_target_fps(a.fps);
    println!(
        "dqn watch {}: space = pause, Esc = quit ({})",
        cfg.env_id,
        policy.checkpoint.display()
    );
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(a.seed);
    let mut picture = Frame::new(w, h);
    let mut canvas = Frame::new(w + PANEL_W, height);
    let (obs, _) = env.reset(Some(a.seed));
    let first = T::frame(&obs)?;
    let mut stack = FrameStack::new(cfg.dqn.frame_stack, first.len());
    stack.reset(first);
    let (mut episode, mut score, mut frames, mut paused) = (0u32, 0.0f64, 0u64, false);
    let mut space_was_down = false;
    let (mut q, mut chosen) = (Vec::new(), 0usize);
    while viewer.is_open() {
        let keys = viewer.keys();
        if keys.escape {
            break;
        }
        // Space toggles on its press, not while held.
        paused ^= keys.pause_pressed || (keys.fire && !space_was_down);
        space_was_down = keys.fire;
        if !paused {
            let (best, values) = policy.act(stack.as_slice())?;
            q = values;
            chosen = if rng.random::<f64>() < a.epsilon {
                rng.random_range(0..env.num_actions())
            } else {
                best
            };
            let step = env.step(chosen)?;
            let (done, info) = (step.terminated || step.truncated, step.info);
            stack.push(T::frame(&step.obs)?);
            score = info.score as f64;
            if let Some(ep) = info.episode {
                println!(
                    "episode {}: return {:.0}, {} steps",
                    episode + 1,
                    ep.episode_return,
                    ep.length
                );
                episode += 1;
                if a.episodes > 0 && episode >= a.episodes {
                    break;
                }
            }
            if done {
                let (obs, _) = env.reset(None);
                stack.reset(T::frame(&obs)?);
            }
        }
        env.render(&mut picture);
        canvas.fill([0, 0, 0]);
        canvas.blit_scaled(&picture, 0, 0, 1);
        draw_panel(&mut canvas, w, &meanings, &q, chosen, score, episode);
        if paused {
            canvas.text(4, 4, "PAUSED", [236, 236, 236], 1);
        }
        viewer.show(&canvas)?;
        frames += 1;
        if a.max_frames.is_some_and(|m| frames >= m) {
            break;
        }
    }
    if let Some(path) = &a.screenshot {
        envs::viewer::save_png_atomic(&canvas, path)?;
    }
    Ok(())
}
