//! The training configuration: one documented serde struct per section, every field with a default.
//! A run folder's `config.toml` is exactly this struct, resolved (preset + `--config` + `--set`).

use config_doc::ConfigDoc;
use envs::EnvConfig;
use nets::{Precision, QNetConfig};
use serde::{Deserialize, Serialize};

use super::DqnError;
use crate::schedule::LinearSchedule;

/// Everything `dqn train` needs, as saved in `runs/<run>/config.toml`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ConfigDoc)]
#[serde(deny_unknown_fields)]
pub struct TrainConfig {
    /// The env id (`dqn list` shows them).
    pub env_id: String,
    /// The preset this configuration started from.
    #[serde(default)]
    pub preset: String,
    /// Preprocessing of the env (ALE/CleanRL defaults). The replay stacks frames itself, so
    /// `env.frame_stack` is forced to 1 for training and `dqn.frame_stack` sets the stack.
    #[serde(default)]
    #[config_doc(section)]
    pub env: EnvConfig,
    /// The Q-network.
    #[serde(default)]
    #[config_doc(section)]
    pub net: QNetConfig,
    /// The DQN algorithm.
    #[serde(default)]
    #[config_doc(section)]
    pub dqn: DqnConfig,
    /// Logging, checkpoints, evaluation, device.
    #[serde(default)]
    #[config_doc(section)]
    pub run: RunConfig,
}

/// The DQN algorithm's hyperparameters. Defaults are CleanRL's `dqn_atari.py`, except
/// where noted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ConfigDoc)]
#[serde(default, deny_unknown_fields)]
pub struct DqnConfig {
    /// Agent steps to train for (summed over envs).
    pub total_steps: u64,
    /// Adam learning rate.
    pub learning_rate: f64,
    /// If set, the learning rate falls linearly from `learning_rate` to this value, from
    /// `learning_rate_decay_start` of the run to its end (a common way to keep the final policy
    /// from drifting).
    pub learning_rate_end: Option<f64>,
    /// The fraction of `total_steps`, in [0, 1), at which the fall to `learning_rate_end` begins;
    /// before it the learning rate is `learning_rate`. 0 falls over the whole run.
    pub learning_rate_decay_start: f64,
    /// Adam epsilon (PyTorch default 1e-8).
    pub adam_eps: f64,
    /// Replay capacity in transitions.
    pub buffer_size: usize,
    /// Transitions per gradient step.
    pub batch_size: usize,
    /// Discount factor.
    pub gamma: f32,
    /// Frames stacked into one observation (built by the replay buffer and the actor).
    pub frame_stack: usize,
    /// Steps between target-network updates.
    pub target_update_freq: u64,
    /// Target update rate: 1.0 = hard copy, < 1 = Polyak averaging `θ' ← τθ + (1−τ)θ'`.
    pub tau: f64,
    /// Agent steps between gradient steps.
    pub train_freq: u64,
    /// Gradient steps each time training happens.
    pub gradient_steps: u32,
    /// Steps of (ε-greedy) experience before learning starts.
    pub learning_starts: u64,
    /// ε at the start.
    pub eps_start: f64,
    /// ε at the end of the schedule.
    pub eps_end: f64,
    /// Fraction of `total_steps` over which ε falls linearly.
    pub eps_fraction: f64,
    /// Double DQN: the online network picks the next action, the target network values it.
    pub double_dqn: bool,
    /// Loss on the TD error: "huber" (SB3 and the Nature paper's clipping) or "mse" (CleanRL).
    pub loss: Loss,
    /// Gradient-norm clipping (0 = off). SB3: 10.
    pub max_grad_norm: f64,
    /// n-step returns (1 = plain one-step DQN; Rainbow uses 3).
    pub n_step: usize,
    /// Advantage learning's α (Bellemare et al. 2016, "Increasing the action gap"), in [0, 1): the
    /// TD target loses `α · (max_b Q_target(s, b) − Q_target(s, a))`, which widens the gap between
    /// the best action and the others, so that small weight changes flip fewer greedy choices.
    /// 0 = plain DQN. Costs one more target forward pass per batch.
    pub advantage_learning: f64,
    /// DrQ's image augmentation (Kostrikov et al. 2020): each sampled state and next state of a
    /// batch is shifted by its own random offset of up to this many pixels in each direction,
    /// the border repeated. 0 = off. Pixel observations only; the actor acts on unshifted frames.
    pub random_shift: u32,
    /// Prioritized experience replay.
    pub prioritized: bool,
    /// PER exponent α.
    pub per_alpha: f32,
    /// PER importance-sampling exponent β at the start, annealed linearly to 1 over training.
    pub per_beta0: f32,
    /// PER priority floor added to |TD error|.
    pub per_eps: f32,
    /// Envs acting in parallel (one batched forward per step over all of them).
    pub num_envs: usize,
}

/// TD loss.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Loss {
    /// Smooth L1 with δ = 1.
    Huber,
    /// Squared error.
    Mse,
}

impl Default for DqnConfig {
    fn default() -> Self {
        DqnConfig {
            total_steps: 10_000_000,
            learning_rate: 1e-4,
            learning_rate_end: None,
            learning_rate_decay_start: 0.0,
            adam_eps: 1e-8,
            buffer_size: 1_000_000,
            batch_size: 32,
            gamma: 0.99,
            frame_stack: 4,
            target_update_freq: 1000,
            tau: 1.0,
            train_freq: 4,
            gradient_steps: 1,
            learning_starts: 80_000,
            eps_start: 1.0,
            eps_end: 0.01,
            eps_fraction: 0.1,
            double_dqn: true,
            loss: Loss::Huber,
            max_grad_norm: 10.0,
            n_step: 1,
            advantage_learning: 0.0,
            random_shift: 0,
            prioritized: false,
            per_alpha: 0.6,
            per_beta0: 0.4,
            per_eps: 1e-6,
            num_envs: 1,
        }
    }
}

/// Where and how a run logs, checkpoints and evaluates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ConfigDoc)]
#[serde(default, deny_unknown_fields)]
pub struct RunConfig {
    /// Random seed (envs, ε-greedy, replay sampling, network initialisation).
    pub seed: u64,
    /// "auto" (CUDA if available), "cpu", "cuda" or "cuda:N".
    pub device: String,
    /// The device the run actually used, e.g. "cpu" or "cuda:0 (NVIDIA H200)": a record written
    /// by `dqn train` when it starts (`device` is the setting).
    pub device_used: String,
    /// Run name, the `<name>` in `runs/<env>__<name>__<seed>__<time>`.
    pub name: String,
    /// Steps between checkpoints (0 = only at the end).
    pub checkpoint_every: u64,
    /// Checkpoints kept (oldest deleted first; 0 = keep all).
    pub keep_checkpoints: usize,
    /// Steps between evaluations (0 = only at the end).
    pub eval_every: u64,
    /// Episodes per evaluation.
    pub eval_episodes: u32,
    /// ε during evaluation.
    pub eval_epsilon: f64,
    /// Byte cap of the evaluation video (the first episode of each evaluation as an animated
    /// GIF in TensorBoard's Images tab); frames are dropped to fit it. 0 = no video.
    pub eval_video_max_bytes: u64,
    /// Steps between logged scalars (SPS, ε, losses).
    pub log_every: u64,
    /// Updates the actor may run ahead of the learner (pipelining; 0 = lock-step).
    pub pipeline_depth: usize,
    /// Forward/backward precision: "fp32" (default), "bf16" (mixed precision: f32 master weights,
    /// Adam state, checkpoints and Double DQN's argmax) or "fp16" (CUDA only). `--precision` on
    /// the command line.
    pub precision: Precision,
}

impl Default for RunConfig {
    fn default() -> Self {
        RunConfig {
            seed: 1,
            device: "auto".into(),
            device_used: String::new(),
            name: "dqn".into(),
            checkpoint_every: 100_000,
            keep_checkpoints: 3,
            eval_every: 0,
            eval_episodes: 10,
            eval_epsilon: 0.01,
            eval_video_max_bytes: 1_000_000,
            log_every: 1000,
            pipeline_depth: 2,
            precision: Precision::Fp32,
        }
    }
}

impl DqnConfig {
    /// The learning rate at agent step `step`, or `None` when it is constant (no
    /// `learning_rate_end`): `learning_rate` until `learning_rate_decay_start · total_steps`, then
    /// a straight line to `learning_rate_end` at `total_steps`.
    pub fn learning_rate_at(&self, step: u64) -> Option<f64> {
        let end = self.learning_rate_end?;
        let from = (self.learning_rate_decay_start * self.total_steps as f64) as u64;
        let ramp = LinearSchedule {
            start: self.learning_rate,
            end,
            duration: self.total_steps.saturating_sub(from),
        };
        Some(ramp.value(step.saturating_sub(from)))
    }

    /// The replay buffer these settings ask for, over `num_streams` envs of `frame_len` values.
    pub fn replay_config(&self, frame_len: usize, num_streams: usize) -> crate::replay::ReplayConfig {
        crate::replay::ReplayConfig {
            capacity: self.buffer_size,
            frame_len,
            frame_stack: self.frame_stack,
            num_streams,
            n_step: self.n_step,
            gamma: self.gamma,
            prioritized: self.prioritized,
            alpha: self.per_alpha,
            eps: self.per_eps,
        }
    }
}

impl TrainConfig {
    /// Every key with its default and doc comment, for `dqn train --help` (generated from the
    /// types; see [`crate::run::help`]).
    pub fn keys_help() -> String {
        use crate::run::help;
        help::render(&TrainConfig::config_keys(""), &help::to_table(&TrainConfig::default()))
    }

    /// Checks the values that serde cannot; the error names the key and its valid range.
    pub fn validate(&self) -> Result<(), DqnError> {
        let d = &self.dqn;
        let bad = |key: &str, what: &str| Err(DqnError::Config(format!("{key} {what}")));
        if d.total_steps == 0 {
            return bad("dqn.total_steps", "must be at least 1");
        }
        if !(d.learning_rate > 0.0 && d.learning_rate.is_finite()) {
            return bad(
                "dqn.learning_rate",
                &format!("must be a positive number, got {}", d.learning_rate),
            );
        }
        if let Some(end) = d.learning_rate_end {
            if !(end >= 0.0 && end.is_finite()) {
                return bad("dqn.learning_rate_end", &format!("must be a number ≥ 0, got {end}"));
            }
        }
        if d.batch_size == 0 {
            return bad("dqn.batch_size", "must be at least 1");
        }
        if d.n_step == 0 || d.n_step > 100 {
            return bad("dqn.n_step", &format!("must be in 1..=100, got {}", d.n_step));
        }
        if d.buffer_size < d.batch_size.max(d.n_step + d.frame_stack + 1) {
            return bad(
                "dqn.buffer_size",
                &format!("must be at least the batch size, got {}", d.buffer_size),
            );
        }
        if !(0.0..=1.0).contains(&d.gamma) {
            return bad("dqn.gamma", &format!("must be in [0, 1], got {}", d.gamma));
        }
        if d.frame_stack == 0 || d.frame_stack > 32 {
            return bad("dqn.frame_stack", &format!("must be in 1..=32, got {}", d.frame_stack));
        }
        if d.target_update_freq == 0 {
            return bad("dqn.target_update_freq", "must be at least 1");
        }
        if !(d.tau > 0.0 && d.tau <= 1.0) {
            return bad("dqn.tau", &format!("must be in (0, 1], got {}", d.tau));
        }
        if d.train_freq == 0 || d.gradient_steps == 0 {
            return bad("dqn.train_freq and dqn.gradient_steps", "must be at least 1");
        }
        for (key, v) in [
            ("dqn.eps_start", d.eps_start),
            ("dqn.eps_end", d.eps_end),
            ("dqn.eps_fraction", d.eps_fraction),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return bad(key, &format!("must be in [0, 1], got {v}"));
            }
        }
        for (key, v) in [("dqn.per_alpha", d.per_alpha), ("dqn.per_beta0", d.per_beta0)] {
            if !(0.0..=1.0).contains(&v) {
                return bad(key, &format!("must be in [0, 1], got {v}"));
            }
        }
        if !(d.per_eps > 0.0 && d.per_eps.is_finite()) {
            return bad("dqn.per_eps", &format!("must be a positive number, got {}", d.per_eps));
        }
        if d.num_envs == 0 || d.num_envs > 256 {
            return bad("dqn.num_envs", &format!("must be in 1..=256, got {}", d.num_envs));
        }
        for (key, v) in [
            ("dqn.learning_rate_decay_start", d.learning_rate_decay_start),
            ("dqn.advantage_learning", d.advantage_learning),
        ] {
            if !(0.0..1.0).contains(&v) {
                return bad(key, &format!("must be in [0, 1), got {v}"));
            }
        }
        if d.random_shift > 16 {
            return bad(
                "dqn.random_shift",
                &format!("must be in 0..=16 pixels, got {}", d.random_shift),
            );
        }
        if d.max_grad_norm.is_nan() || d.max_grad_norm < 0.0 {
            return bad("dqn.max_grad_norm", "must be ≥ 0");
        }
        if !(0.0..=1.0).contains(&self.run.eval_epsilon) {
            return bad("run.eval_epsilon", "must be in [0, 1]");
        }
        if self.run.log_every == 0 {
            return bad("run.log_every", "must be at least 1");
        }
        crate::run::check_run_name(&self.run.name).map_err(|e| DqnError::Config(e.to_string()))?;
        for (key, v) in [("run.seed", self.run.seed), ("dqn.total_steps", d.total_steps)] {
            if v > crate::run::resolve::TOML_INT_MAX {
                return bad(
                    key,
                    &format!("must be in 0..={}, got {v}", crate::run::resolve::TOML_INT_MAX),
                );
            }
        }
        self.env.validate().map_err(|e| DqnError::Config(e.to_string()))?;
        Ok(())
    }

    /// The env config the trainer actually uses: the replay stacks frames, so the env gives one.
    pub fn training_env_config(&self) -> EnvConfig {
        EnvConfig {
            frame_stack: 1,
            ..self.env.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decaying(start: f64) -> DqnConfig {
        DqnConfig {
            total_steps: 1000,
            learning_rate: 1e-3,
            learning_rate_end: Some(1e-4),
            learning_rate_decay_start: start,
            ..DqnConfig::default()
        }
    }

    #[test]
    fn the_learning_rate_is_constant_without_an_end() {
        let d = DqnConfig::default();
        assert_eq!(d.learning_rate_at(0), None);
        assert_eq!(d.learning_rate_at(d.total_steps), None);
    }

    #[test]
    fn the_learning_rate_falls_over_the_whole_run_by_default() {
        let d = decaying(0.0);
        assert_eq!(d.learning_rate_at(0), Some(1e-3));
        assert!((d.learning_rate_at(500).unwrap() - 5.5e-4).abs() < 1e-12);
        assert_eq!(d.learning_rate_at(1000), Some(1e-4));
    }

    #[test]
    fn the_learning_rate_holds_until_the_decay_start() {
        let d = decaying(0.8);
        assert_eq!(d.learning_rate_at(0), Some(1e-3));
        assert_eq!(d.learning_rate_at(800), Some(1e-3));
        assert!((d.learning_rate_at(900).unwrap() - 5.5e-4).abs() < 1e-12);
        assert_eq!(d.learning_rate_at(1000), Some(1e-4));
        assert_eq!(d.learning_rate_at(5000), Some(1e-4));
    }
}
