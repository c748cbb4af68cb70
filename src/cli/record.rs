//! `dqn record`: a GIF of a random agent (`--env ID --policy random`) or of a trained one (`RUN`).

use std::path::PathBuf;

use agents::dqn::stack::{FrameStack, ObsElement};
use agents::dqn::{CheckpointChoice, Policy};
use clap::Args;
use envs::record::{realtime_fps, record_random, GifRecorder};
use envs::{make, Env, Frame};
use rand::{RngExt, SeedableRng};

/// Arguments of `dqn record`.
#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  dqn record --env breakout --policy random --steps 500 --out breakout.gif\n  dqn record runs/breakout__dqn__1__1700000000 --out agent.gif --steps 2000\n  dqn record docs/models/breakout-cpu --hud --episodes 1 --steps 27000 --every 2 --out agent.gif"
)]
pub struct RecordArgs {
    /// A trained run folder or checkpoint (plays its greedy policy); omit for --policy random.
    pub run: Option<PathBuf>,
    /// Which weights of a run folder: `best`, `last` (the newest step_N.safetensors) or a model
    /// file. Default: best when the run has one, else last.
    #[arg(long, value_name = "last|best|PATH")]
    pub checkpoint: Option<CheckpointChoice>,
    /// Env id (needed with --policy random).
    #[arg(long)]
    pub env: Option<String>,
    /// `random` (needs --env), or `greedy` (needs RUN; the default when RUN is given).
    #[arg(long, value_name = "random|greedy")]
    pub policy: Option<String>,
    /// Agent steps to record.
    #[arg(long, default_value_t = 500)]
    pub steps: u64,
    /// ε of the trained policy's actions, in [0, 1] (keeps it from stalling).
    #[arg(long, default_value_t = 0.01)]
    pub epsilon: f64,
    /// Output GIF.
    #[arg(long)]
    pub out: PathBuf,
    /// Pixel scale of the GIF.
    #[arg(long, default_value_t = 2)]
    pub scale: usize,
    /// Seed.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// With RUN: draw what `dqn watch` shows beside the game (score, lives, episode, step, ε,
    /// checkpoint, mean return, Q-values).
    #[arg(long, requires = "run")]
    pub hud: bool,
    /// With --hud: stop after this many whole episodes (--steps still caps the length).
    #[arg(long, requires = "hud")]
    pub episodes: Option<u32>,
    /// With --hud: keep every Nth step's frame, for a smaller GIF that still plays in real time.
    #[arg(long, default_value_t = 1, requires = "hud")]
    pub every: u64,
}

pub fn run(a: RecordArgs) -> anyhow::Result<()> {
    if a.steps == 0 {
        anyhow::bail!("--steps must be at least 1");
    }
    if !(0.0..=1.0).contains(&a.epsilon) {
        anyhow::bail!("--epsilon must be in [0, 1], got {}", a.epsilon);
    }
    match a.policy.as_deref() {
        None | Some("random" | "greedy") => {}
        Some(p) => anyhow::bail!("unknown --policy '{p}': use random (with --env) or greedy (with a RUN folder)"),
    }
    if a.run.is_some() && a.policy.as_deref() == Some("random") {
        anyhow::bail!("--policy random plays no trained network: give --env instead of a RUN folder");
    }
    if a.checkpoint.is_some() && a.run.is_none() {
        anyhow::bail!("--checkpoint picks the weights of a RUN folder; give one");
    }
    match (a.run.as_ref(), a.policy.as_deref()) {
        (None, Some("random")) | (None, None) => {
            let env = a
                .env
                .as_deref()
                .ok_or_else(|| anyhow::anyhow!("--env is required with --policy random"))?;
            let s = record_random(env, a.steps, a.seed, &a.out, a.scale)?;
            outln!(
                "wrote {} ({} frames, {} episodes ended)",
                a.out.display(),
                s.frames,
                s.episodes
            );
            Ok(())
        }
        (None, Some(_)) => {
            anyhow::bail!("--policy greedy needs a trained RUN folder; without one use --policy random --env ID")
        }
        (Some(run), _) => {
            let choice = a.checkpoint.clone().unwrap_or_default();
            let policy = Policy::load_choice(run, &choice, tch::Device::Cpu)?;
            eprintln!("{}", policy.choice.describe());
            if let Some(env) = &a.env {
                if *env != policy.cfg.env_id {
                    anyhow::bail!("{} was trained on '{}', not '{env}'", run.display(), policy.cfg.env_id);
                }
            }
            if a.hud {
                let r = super::record_hud::HudRecording {
                    out: a.out.clone(),
                    steps: a.steps,
                    episodes: a.episodes,
                    every: a.every,
                    epsilon: a.epsilon,
                    scale: a.scale,
                    seed: a.seed,
                };
                let s = super::record_hud::record(&policy, &r)?;
                let returns: Vec<String> = s.returns.iter().map(|r| format!("{r:.0}")).collect();
                outln!(
                    "wrote {} ({} frames of {} steps; episode returns: {}) from {}",
                    a.out.display(),
                    s.frames,
                    s.steps,
                    if returns.is_empty() {
                        "none ended".into()
                    } else {
                        returns.join(", ")
                    },
                    policy.checkpoint.display()
                );
                return Ok(());
            }
            let frames = if policy.pixels {
                record_policy::<u8>(&policy, &a)?
            } else {
                record_policy::<f32>(&policy, &a)?
            };
            outln!(
                "wrote {} ({frames} frames) from {}",
                a.out.display(),
                policy.checkpoint.display()
            );
            Ok(())
        }
    }
}

fn record_policy<T: ObsElement>(policy: &Policy, a: &RecordArgs) -> anyhow::Result<u64> {
    let cfg = &policy.cfg;
    let env_cfg = cfg.training_env_config();
    let mut env: Box<dyn Env> = make(&cfg.env_id, &env_cfg)?;
    let (w, h) = env.render_size();
    let fps = realtime_fps(&cfg.env_id, env_cfg.frame_skip);
    let mut gif = GifRecorder::create(&a.out, w, h, fps, a.scale)?;
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(a.seed);
    let mut frame = Frame::new(w, h);
    let (obs, _) = env.reset(Some(a.seed));
    let first = T::frame(&obs)?;
    let mut stack = FrameStack::new(cfg.dqn.frame_stack, first.len());
    stack.reset(first);
    env.render(&mut frame);
    gif.push(&frame)?;
    for _ in 0..a.steps {
        let action = if rng.random::<f64>() < a.epsilon {
            rng.random_range(0..env.num_actions())
        } else {
            policy.act(stack.as_slice())?.0
        };
        let step = env.step(action)?;
        let done = step.terminated || step.truncated;
        let f = T::frame(&step.obs)?;
        stack.push(f);
        env.render(&mut frame);
        gif.push(&frame)?;
        if done {
            let (obs, _) = env.reset(None);
            stack.reset(T::frame(&obs)?);
        }
    }
    let frames = gif.frames();
    gif.finish()?;
    Ok(frames)
}
