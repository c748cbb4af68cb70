//! `dqn train`.

use std::path::{Path, PathBuf};

use agents::dqn::{presets, train, TrainConfig, TrainOptions};
use agents::run::{ConfigSource, Override, RunDir, RunKind};
use anyhow::Context;
use clap::Args;

use super::progress::TrainBar;

const EXAMPLES: &str = "Examples:\n  dqn train --env cartpole\n  dqn train --env breakout --preset breakout-cpu --steps 200000 --seed 2\n  dqn train --env pong --set dqn.learning_rate=1e-4 --set dqn.prioritized=true\n  dqn train --resume runs/breakout__dqn__1__1700000000 --steps 800000\n\nCtrl-C (or SIGTERM, SIGHUP) saves a checkpoint and exits 130; `--resume RUN_DIR` continues it.\n--help (not -h) also lists every configuration key.";

/// `--help`'s text after the options: the examples, then every configuration key with its
/// default and doc comment, generated from the config types.
fn long_help() -> String {
    format!(
        "{EXAMPLES}\n\nConfiguration keys (set with --set KEY=VALUE or a --config file; the defaults shown are the types' own, and each preset changes some; a run's config.toml holds the resolved values):\n{}",
        TrainConfig::keys_help()
    )
}

/// Arguments of `dqn train`.
#[derive(Args, Debug)]
#[command(after_help = EXAMPLES, after_long_help = long_help())]
pub struct TrainArgs {
    /// Env id (`dqn list`). Required unless --resume.
    #[arg(long)]
    pub env: Option<String>,
    #[arg(long, help = preset_help())]
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
    /// auto | cpu | cuda | cuda:N (sets run.device) [default: auto; with --resume, the run's own].
    #[arg(long)]
    pub device: Option<String>,
    /// fp32 | bf16 | fp16 forward/backward passes (sets run.precision). bf16: mixed precision
    /// with f32 master weights, Adam state, checkpoints and Double DQN's argmax; fp16 is CUDA
    /// only.
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

/// The typed overrides that `--steps`, `--seed`, `--device`, `--num-envs`, `--precision` and
/// `--name` stand for.
fn flag_overrides(a: &TrainArgs) -> anyhow::Result<Vec<Override>> {
    let mut o = Vec::new();
    if let Some(s) = a.steps {
        o.push(Override::uint("--steps", "dqn.total_steps", s)?);
    }
    if let Some(s) = a.seed {
        o.push(Override::uint("--seed", "run.seed", s)?);
    }
    if let Some(d) = &a.device {
        o.push(Override::new("run.device", d.as_str()));
    }
    if let Some(n) = a.num_envs {
        o.push(Override::uint("--num-envs", "dqn.num_envs", n as u64)?);
    }
    if let Some(p) = a.precision {
        o.push(Override::new("run.precision", p.to_string()));
    }
    if let Some(n) = &a.name {
        agents::run::check_run_name(n)?;
        o.push(Override::new("run.name", n.as_str()));
    }
    Ok(o)
}

/// Resolves `--resume RUN`: its config.toml with `--steps`, `--device` and `--precision` applied
/// the same way.
fn resume_config(a: &TrainArgs, dir: &Path) -> anyhow::Result<(TrainConfig, RunDir)> {
    let run = RunDir::open_kind(dir, RunKind::Dqn)?;
    let step = run.steps().resume_point()?.0;
    let cfg: TrainConfig = agents::run::resolve(ConfigSource::File(&run.config_path()), None, &flag_overrides(a)?)?;
    cfg.validate()?;
    cfg.run.precision.check(super::device(&cfg.run.device)?, true)?;
    if step >= cfg.dqn.total_steps {
        eprintln!(
            "warning: {} is already at step {step}, past --steps {}; it only saves a checkpoint (raise --steps to train on)",
            run.path.display(),
            cfg.dqn.total_steps
        );
    }
    Ok((cfg, run))
}

/// `--preset`'s help, with the preset names (an unknown name is refused by the resolver in one line).
fn preset_help() -> String {
    format!(
        "Preset (presets/*.toml): {}. Default: `<env>-cpu` without a GPU when it exists, else `<env>`",
        presets::names().join(", ")
    )
}

pub fn run(a: TrainArgs) -> anyhow::Result<()> {
    let (cfg, run, resume) = if let Some(dir) = &a.resume {
        let (cfg, run) = resume_config(&a, dir)?;
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
        let mut overrides = a
            .sets
            .iter()
            .map(|s| Override::parse(s))
            .collect::<Result<Vec<_>, _>>()?;
        overrides.push(Override::new("env_id", env));
        overrides.extend(flag_overrides(&a)?);
        let cfg = presets::resolve(&preset, a.config.as_deref(), &overrides)?;
        cfg.run.precision.check(super::device(&cfg.run.device)?, true)?;
        let run = super::new_run_dir(&a.runs_dir, &cfg.env_id, &cfg.run.name, cfg.run.seed)?;
        (cfg, run, false)
    };
    // One writer per run folder; a failed start removes the folder it made.
    super::train_session(
        &run,
        resume,
        |r| r.latest_checkpoint().is_ok(),
        || train_in(&a, &cfg, &run, resume),
    )
}

fn train_in(a: &TrainArgs, cfg: &TrainConfig, run: &RunDir, resume: bool) -> anyhow::Result<()> {
    let mut cfg = cfg.clone();
    let device_used = super::device_name(super::device(&cfg.run.device)?);
    if !resume {
        cfg.run.device_used = device_used.clone();
    }
    let stop = super::signals::stop_flag();
    eprintln!(
        "training {} with preset '{}' on {device_used} in {} for {} steps -> {}\n{}",
        cfg.env_id,
        cfg.preset,
        cfg.run.precision,
        cfg.dqn.total_steps,
        run.path.display(),
        super::progress::epsilon_schedule(&cfg)
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
    let summary = train(&cfg, run, opts)?;
    bar.borrow().finish();
    outln!(
        "{} {} steps ({} updates, {} episodes) in {:.0} s, {:.0} steps/s",
        if summary.stopped { "stopped after" } else { "trained" },
        summary.steps,
        summary.updates,
        summary.episodes,
        summary.wall_secs,
        summary.steps_per_sec
    );
    if let Some(l) = summary.learning_steps_per_sec {
        outln!("learning: {l:.1} steps/s (after learning_starts)");
    }
    if let Some(r) = summary.mean_return_100 {
        outln!("mean training return (last 100 episodes): {r:.2}");
    }
    for line in super::progress::summary_lines(&summary) {
        outln!("{line}");
    }
    super::signals::exit_if_stopped(&format!("dqn train --resume {}", run.path.display()));
    Ok(())
}
