//! `dqn eval`: plays full episodes and prints the result; writes a file only with `--out`.

use std::path::PathBuf;

use agents::dqn::{evaluate, CheckpointChoice, Policy};
use agents::run::write_atomic;
use clap::Args;

/// Arguments of `dqn eval`.
#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  dqn eval runs/cartpole__dqn__1__1700000000 --episodes 100 --epsilon 0\n  dqn eval runs/cartpole__dqn__1__1700000000 --checkpoint last --json\n  dqn eval runs/breakout__dqn__1__1700000000 --out results/breakout.json\n\nThe run folder is only read: the result goes to stdout, and to a file only with --out.\nThe checkpoint picked is named on stderr, so --json prints exactly one JSON object on stdout."
)]
pub struct EvalArgs {
    /// A run folder or a checkpoint file (`RUN/checkpoints/*.safetensors`).
    pub run: PathBuf,
    /// Which weights of a run folder: `best` (the best evaluation during training), `last` (the
    /// newest step_N.safetensors) or a model file. Default: best when the run has one, else last.
    #[arg(long, value_name = "last|best|PATH")]
    pub checkpoint: Option<CheckpointChoice>,
    /// Full episodes to play (across lives).
    #[arg(long, default_value_t = 30)]
    pub episodes: u32,
    /// ε of the ε-greedy policy (0 = greedy).
    #[arg(long, default_value_t = 0.01)]
    pub epsilon: f64,
    /// Seed of the first episode.
    #[arg(long, default_value_t = 12345)]
    pub seed: u64,
    /// auto | cpu | cuda | cuda:N.
    #[arg(long, default_value = "auto")]
    pub device: String,
    /// fp32 | bf16 | fp16 forward passes (the weights stay f32; fp16 is CUDA only).
    #[arg(long, default_value = "fp32")]
    pub precision: nets::Precision,
    /// Print the result as one JSON object.
    #[arg(long)]
    pub json: bool,
    /// Also write the JSON result to FILE (atomically). Nothing is written without it.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

pub fn run(a: EvalArgs) -> anyhow::Result<()> {
    if a.episodes == 0 {
        anyhow::bail!("--episodes must be at least 1");
    }
    if !(0.0..=1.0).contains(&a.epsilon) {
        anyhow::bail!("--epsilon must be in [0, 1], got {}", a.epsilon);
    }
    let device = super::device(&a.device)?;
    // One autocast region for the whole command: the weights never change, so they are cast once.
    let _autocast = a.precision.autocast(device)?;
    let choice = a.checkpoint.clone().unwrap_or_default();
    let policy = Policy::load_choice(&a.run, &choice, device)?;
    eprintln!("{}", policy.choice.describe());
    let cfg = &policy.cfg;
    let env_cfg = cfg.training_env_config();
    let play = if policy.pixels { evaluate::<u8> } else { evaluate::<f32> };
    let (result, _) = play(
        &policy.net,
        &cfg.env_id,
        &env_cfg,
        cfg.dqn.frame_stack,
        a.episodes,
        a.epsilon,
        a.seed,
        0,
    )?;
    let value = serde_json::json!({
        "env": result.env,
        "checkpoint": policy.checkpoint.display().to_string(),
        "checkpoint_kind": policy.choice.kind,
        "checkpoint_step": policy.choice.step,
        "mean_return": result.mean_return,
        "std_return": result.std_return,
        "episodes": result.episodes,
        "epsilon": result.epsilon,
        "sticky_action_prob": result.sticky_action_prob,
        "returns": result.returns,
        "lengths": result.lengths,
        "seed": result.seed,
    });
    // The result is printed before anything is written, so a failed write never hides it.
    if a.json {
        outln!("{}", serde_json::to_string(&value)?);
    } else {
        outln!(
            "{}: {:.2} ± {:.2} over {} episodes (ε = {}, sticky actions {})",
            result.env,
            result.mean_return,
            result.std_return,
            result.episodes,
            result.epsilon,
            result.sticky_action_prob
        );
    }
    if let Some(out) = &a.out {
        let text = serde_json::to_string_pretty(&value)? + "\n";
        write_atomic(out, text.as_bytes()).map_err(|e| anyhow::anyhow!("the result above was not saved: {e}"))?;
        eprintln!("wrote {}", out.display());
    }
    Ok(())
}
