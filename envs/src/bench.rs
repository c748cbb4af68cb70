//! [`bench_env`]: agent steps per second of an env under random actions, through [`VecEnv`]
//! (so it measures the same path an agent uses, autoreset included).
//!
//! With [`EnvConfig::default`] this is the full DQN preprocessing: sticky actions, frame skip 4
//! with max-pooling, 84×84 gray, a stack of 4.

use std::time::Instant;

use rand::{RngExt, SeedableRng};

use crate::config::EnvConfig;
use crate::env::EnvError;
use crate::game::GameRng;
use crate::vec_env::VecEnv;

/// The outcome of a benchmark.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchResult {
    /// The env id.
    pub env: String,
    /// Threads that stepped the envs.
    pub threads: usize,
    /// Envs stepped together.
    pub num_envs: usize,
    /// Agent steps taken, over all envs.
    pub steps: u64,
    /// Wall-clock seconds of the stepping loop.
    pub seconds: f64,
    /// Agent steps per second, over all envs.
    pub steps_per_sec: f64,
    /// Emulator frames per second (steps × frame skip).
    pub frames_per_sec: f64,
    /// Episodes that finished.
    pub episodes: u64,
    /// Mean raw return of the finished episodes (0 if none).
    pub mean_return: f64,
}

impl BenchResult {
    /// One JSON line, e.g. for `scripts/bench_env.sh`.
    pub fn to_json(&self) -> String {
        format!(
            "{{\"impl\":\"envs\",\"env\":\"{}\",\"threads\":{},\"num_envs\":{},\"steps\":{},\"seconds\":{:.3},\"steps_per_sec\":{:.1},\"frames_per_sec\":{:.1},\"episodes\":{},\"mean_return\":{:.3}}}",
            self.env,
            self.threads,
            self.num_envs,
            self.steps,
            self.seconds,
            self.steps_per_sec,
            self.frames_per_sec,
            self.episodes,
            self.mean_return
        )
    }
}

impl std::fmt::Display for BenchResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {:.0} steps/s ({:.0} frames/s), {} envs on {} threads, {} steps in {:.2} s, {} episodes, mean return {:.2}",
            self.env,
            self.steps_per_sec,
            self.frames_per_sec,
            self.num_envs,
            self.threads,
            self.steps,
            self.seconds,
            self.episodes,
            self.mean_return
        )
    }
}

/// Runs about `steps` agent steps (over all envs) of `id` under `cfg` with uniformly random
/// actions, on `num_envs` envs (threads as in [`VecEnv::new`]), and times them.
pub fn bench_env(id: &str, cfg: &EnvConfig, num_envs: usize, steps: u64, seed: u64) -> Result<BenchResult, EnvError> {
    bench_env_on(id, cfg, num_envs, None, steps, seed)
}

/// Like [`bench_env`] on `threads` threads (`None`: as [`VecEnv::new`] picks them).
pub fn bench_env_on(
    id: &str,
    cfg: &EnvConfig,
    num_envs: usize,
    threads: Option<usize>,
    steps: u64,
    seed: u64,
) -> Result<BenchResult, EnvError> {
    if num_envs == 0 || steps == 0 {
        return Err(EnvError::InvalidConfig(format!(
            "a benchmark needs num_envs ≥ 1 and steps ≥ 1, got {num_envs} envs and {steps} steps"
        )));
    }
    let mut venv = match threads {
        Some(t) => VecEnv::with_threads(id, cfg, num_envs, t, seed)?,
        None => VecEnv::new(id, cfg, num_envs, seed)?,
    };
    let mut rng = GameRng::seed_from_u64(seed);
    let n = venv.num_actions();
    let mut actions = vec![0usize; num_envs];
    let rounds = steps.div_ceil(num_envs as u64);
    let (mut episodes, mut return_sum) = (0u64, 0.0);
    venv.reset(Some(seed))?;
    let start = Instant::now();
    for _ in 0..rounds {
        for a in actions.iter_mut() {
            *a = rng.random_range(0..n);
        }
        venv.step(&actions)?;
        for (_, ep) in venv.finished_episodes() {
            episodes += 1;
            return_sum += ep.episode_return;
        }
    }
    let seconds = start.elapsed().as_secs_f64().max(1e-9);
    let total = rounds * num_envs as u64;
    let skip = if id == "cartpole" { 1 } else { cfg.frame_skip as u64 };
    Ok(BenchResult {
        env: id.to_string(),
        threads: venv.threads(),
        num_envs,
        steps: total,
        seconds,
        steps_per_sec: total as f64 / seconds,
        frames_per_sec: (total * skip) as f64 / seconds,
        episodes,
        mean_return: if episodes > 0 {
            return_sum / episodes as f64
        } else {
            0.0
        },
    })
}
