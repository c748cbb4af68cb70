//! `dqn eval`.

use std::path::PathBuf;

use agents::dqn::{evaluate, Policy};
use agents::run::write_atomic;
use clap::Args;

/// Arguments of `dqn eval`.
#[derive(Args, Debug)]
pub struct EvalArgs {
    /// A run folder (its newest checkpoint) or a checkpoint file.
    pub run: PathBuf,
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
    let policy = Policy::load(&a.run, device)?;
    let cfg = &policy.cfg;
    let env_cfg = cfg.training_env_config();
    let (result, _) = if policy.pixels {
        evaluate::<u8>(
            &policy.net,
            &cfg.env_id,
            &env_cfg,
            cfg.dqn.frame_stack,
            a.episodes,
            a.epsilon,
            a.seed,
            false,
        )?
    } else {
        evaluate::<f32>(
            &policy.net,
            &cfg.env_id,
            &env_cfg,
            cfg.dqn.frame_stack,
            a.episodes,
            a.epsilon,
            a.seed,
            false,
        )?
    };
    let json = serde_json::to_string_pretty(&serde_json::json!({
        "env": result.env,
        "checkpoint": policy.checkpoint.display().to_string(),
        "mean_return": result.mean_return,
        "std_return": result.std_return,
        "episodes": result.episodes,
        "epsilon": result.epsilon,
        "sticky_action_prob": result.sticky_action_prob,
        "returns": result.returns,
        "lengths": result.lengths,
        "seed": result.seed,
    }))?;
    write_atomic(&policy.run.path.join("eval.json"), json.as_bytes())?;
    if a.json {
        println!(
            "{}",
            serde_json::to_string(&serde_json::from_str::<serde_json::Value>(&json)?)?
        );
    } else {
        println!(
            "{}: {:.2} ± {:.2} over {} episodes (ε = {}, sticky actions {})",
            result.env,
            result.mean_return,
            result.std_return,
            result.episodes,
            result.epsilon,
            result.sticky_action_prob
        );
        println!("wrote {}", policy.run.path.join("eval.json").display());
    }
    Ok(())
}
