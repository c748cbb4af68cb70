//! `dqn train`.

use std::path::PathBuf;

use agents::dqn::{presets, train, TrainOptions};
use agents::run::RunDir;
use anyhow::Context;
use clap::Args;

use super::progress::TrainBar;

/// Arguments of `dqn train`.
#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  dqn train --env cartpole\n  dqn train --env breakout --preset breakout-cpu --steps 200000 --seed 2\n  dqn train --env pong --set dqn.learning_rate=1e-4 --set dqn.prioritized=true\n  dqn train --resume runs/breakout__dqn__1__1700000000 --steps 800000\n\nConfiguration keys live in four sections, shown resolved in each run's config.toml:\n  env.*  preprocessing (sticky_action_prob, frame_skip, obs_size, noop_max, fire_reset, episodic_life, clip_rewards, max_episode_frames, full_action_space)\n  net.*  the Q-network (torso, head_hidden, dueling)\n  dqn.*  the algorithm (total_steps, learning_rate, buffer_size, batch_size, gamma, frame_stack, target_update_freq, tau, train_freq, gradient_steps, learning_starts, eps_start, eps_end, eps_fraction, double_dqn, loss, max_grad_norm, n_step, prioritized, per_alpha, per_beta0, num_envs)\n  run.*  seed, device, name, checkpoint_every, keep_checkpoints, eval_every, eval_episodes, eval_epsilon, log_every, pipeline_depth, precision\n\nCtrl-C saves a checkpoint and exits; `--resume RUN_DIR` continues it."
)]
pub struct TrainArgs {
    /// Env id (`dqn list`). Required unless --resume.
    #[arg(long)]
    pub env: Option<String>,
    /// Preset (presets/*.toml). Default: `<env>-cpu` without a GPU when it exists, else `<env>`.
    #[arg(long)]
    pub preset: Option<String>,
    /// A TOML file merged over the preset.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Override one key, e.g. `--set dqn.learning_rate=1e-4` (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub sets: Vec<String>,
    /// Env steps to train for (sets dqn.total_steps).
    #[arg(long)]
    pub steps: Option<u64>,
    /// Random seed (sets run.seed).
    #[arg(long)]
    pub seed: Option<u64>,
    /// auto | cpu | cuda | cuda:N (sets run.device).
    #[arg(long)]
    pub device: Option<String>,
    /// fp32 | bf16 | fp16 forward/backward passes (sets run.precision). bf16: mixed precision
    /// with f32 master weights, Adam state and checkpoints; fp16 is CUDA only.
    #[arg(long)]
    pub precision: Option<nets::Precision>,
    /// Envs acting in parallel (sets dqn.num_envs).
    #[arg(long)]
    pub num_envs: Option<usize>,
    /// Run name, the `<name>` in runs/<env>__<name>__<seed>__<time> (sets run.name).
    #[arg(long)]
    pub name: Option<String>,
    /// Continue a run from its newest checkpoint.
    #[arg(long, value_name = "RUN_DIR", conflicts_with_all = ["env", "preset", "config", "sets", "seed", "name", "num_envs"])]
    pub resume: Option<PathBuf>,
    /// Load `backbone.*` from a DQN or SegNet checkpoint before training.
    #[arg(long, value_name = "CKPT")]
    pub init_backbone: Option<PathBuf>,
    /// Keep the loaded backbone fixed (with --init-backbone).
    #[arg(long, requires = "init_backbone")]
    pub freeze_backbone: bool,
    /// Folder that holds the run folders.
    #[arg(long, default_value = "runs")]
    pub runs_dir: PathBuf,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

pub fn run(a: TrainArgs) -> anyhow::Result<()> {
    let (cfg, run, resume) = if let Some(dir) = &a.resume {
        let run = RunDir::open(dir)?;
        let mut cfg = agents::dqn::policy::load_config(&run)?;
        if let Some(s) = a.steps {
            cfg.dqn.total_steps = s;
        }
        if let Some(d) = &a.device {
            cfg.run.device = d.clone();
        }
        if let Some(p) = a.precision {
            cfg.run.precision = p;
        }
        cfg.validate()?;
        cfg.run.precision.check(super::device(&cfg.run.device)?, true)?;
        if !run.path.join("checkpoints").is_dir() || run.latest_checkpoint().is_err() {
            anyhow::bail!("{} has no checkpoint to resume from", run.path.display());
        }
        (cfg, run, true)
    } else {
        let env = a
            .env
            .as_deref()
            .context("--env is required (or --resume RUN_DIR); `dqn list` shows the envs")?;
        let preset = match &a.preset {
            Some(p) => p.clone(),
            None => presets::default_for(env, tch::Cuda::is_available())
                .map(str::to_string)
                .with_context(|| format!("unknown env '{env}'; envs: {}", envs::ids().join(", ")))?,
        };
        let mut sets = a.sets.clone();
        if let Some(s) = a.steps {
            sets.push(format!("dqn.total_steps={s}"));
        }
        if let Some(s) = a.seed {
            sets.push(format!("run.seed={s}"));
        }
        if let Some(d) = &a.device {
            sets.push(format!("run.device=\"{d}\""));
        }
        if let Some(n) = a.num_envs {
            sets.push(format!("dqn.num_envs={n}"));
        }
        if let Some(p) = a.precision {
            sets.push(format!("run.precision=\"{p}\""));
        }
        if let Some(n) = &a.name {
            sets.push(format!("run.name=\"{n}\""));
        }
        let cfg = presets::resolve(Some(env), &preset, a.config.as_deref(), &sets)?;
        cfg.run.precision.check(super::device(&cfg.run.device)?, true)?;
        let run = RunDir::create(&a.runs_dir, &cfg.env_id, &cfg.run.name, cfg.run.seed)
            .with_context(|| format!("cannot create a run folder in {}", a.runs_dir.display()))?;
        (cfg, run, false)
    };
    let stop = super::stop_on_ctrl_c();
    eprintln!(
        "training {} with preset '{}' on {} for {} steps -> {}",
        cfg.env_id,
        cfg.preset,
        cfg.run.device,
        cfg.dqn.total_steps,
        run.path.display()
    );
    let bar = std::rc::Rc::new(std::cell::RefCell::new(TrainBar::new(cfg.dqn.total_steps, a.quiet)));
    let (b1, b2) = (bar.clone(), bar.clone());
    let opts = TrainOptions {
        stop,
        resume,
        init_backbone: a.init_backbone.clone(),
        freeze_backbone: a.freeze_backbone,
        on_progress: Box::new(move |p, sps| b1.borrow_mut().update(p, sps)),
        on_notice: Box::new(move |line| b2.borrow().println(line)),
    };
    let summary = train(&cfg, &run, opts)?;
    bar.borrow().finish();
    println!(
        "{} {} steps ({} updates, {} episodes) in {:.0} s, {:.0} steps/s",
        if summary.stopped { "stopped after" } else { "trained" },
        summary.steps,
        summary.updates,
        summary.episodes,
        summary.wall_secs,
        summary.steps_per_sec
    );
    if let Some(l) = summary.learning_steps_per_sec {
        println!("learning: {l:.1} steps/s (after learning_starts)");
    }
    if let Some(r) = summary.mean_return_100 {
        println!("mean training return (last 100 episodes): {r:.2}");
    }
    if let Some(e) = &summary.eval {
        println!(
            "eval: {:.2} ± {:.2} over {} episodes (ε = {})",
            e.mean_return, e.std_return, e.episodes, e.epsilon
        );
    }
    println!("run: {}", summary.run_dir.display());
    println!("checkpoint: {}", summary.checkpoint.display());
    Ok(())
}
