//! [`EnvConfig`]: the preprocessing settings, with ALE v5 / CleanRL defaults.

use serde::{Deserialize, Serialize};

use crate::env::EnvError;

/// Preprocessing of an Atari-like game into an agent's env. Every wrapper can be switched off.
/// Defaults follow ALE v5 and CleanRL's `dqn_atari.py`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, config_doc::ConfigDoc)]
#[serde(default, deny_unknown_fields)]
pub struct EnvConfig {
    /// Probability that the previous action repeats instead of the new one, per frame (ALE v5:
    /// 0.25; 0 turns sticky actions off).
    pub sticky_action_prob: f32,
    /// Emulator frames per agent step (1 = no skip).
    pub frame_skip: u32,
    /// Pixel-wise max over the last 2 frames of a skip (removes Atari flicker).
    pub max_pool: bool,
    /// Gray observations (1 channel) instead of RGB (3 channels).
    pub grayscale: bool,
    /// Observation side N (N×N); 0 keeps the full 160×210 picture.
    pub obs_size: usize,
    /// Frames stacked in the observation (1 = no stack; the DQN replay stacks frames itself).
    pub frame_stack: usize,
    /// At most this many random NOOP steps after a reset (0 = off).
    pub noop_max: u32,
    /// Press FIRE after a reset (and after a lost life) in games that need it.
    pub fire_reset: bool,
    /// A lost life is `terminated` for learning; the game really resets only at game over.
    pub episodic_life: bool,
    /// Clip rewards to their sign (-1, 0, 1).
    pub clip_rewards: bool,
    /// Truncate after this many emulator frames (ALE: 108,000 = 27,000 steps; 0 = no limit).
    pub max_episode_frames: u64,
    /// Use ALE's 18 actions instead of the game's minimal set.
    pub full_action_space: bool,
    /// Draw every shape at least one observation pixel wide and tall (gray `obs_size` > 0 only):
    /// a shape thinner than a pixel keeps its full brightness instead of its area's share, so
    /// 1-pixel shots and small balls stay visible at 42×42. Not part of ALE's preprocessing. Our
    /// games draw such shapes with a full pixel's coverage; `gym:ALE/` ids downsample each
    /// observation pixel to the brightest screen pixel of its area instead of the mean.
    pub widen_thin_shapes: bool,
}

impl Default for EnvConfig {
    fn default() -> Self {
        EnvConfig {
            sticky_action_prob: 0.25,
            frame_skip: 4,
            max_pool: true,
            grayscale: true,
            obs_size: 84,
            frame_stack: 4,
            noop_max: 30,
            fire_reset: true,
            episodic_life: true,
            clip_rewards: true,
            max_episode_frames: 108_000,
            full_action_space: false,
            widen_thin_shapes: false,
        }
    }
}

impl EnvConfig {
    /// The raw game: no skip, no sticky actions, full-size RGB, no stack, no wrappers. What a
    /// person plays and what `render` shows.
    pub fn raw() -> Self {
        EnvConfig {
            sticky_action_prob: 0.0,
            frame_skip: 1,
            max_pool: false,
            grayscale: false,
            obs_size: 0,
            frame_stack: 1,
            noop_max: 0,
            fire_reset: false,
            episodic_life: false,
            clip_rewards: false,
            max_episode_frames: 0,
            full_action_space: false,
            widen_thin_shapes: false,
        }
    }

    /// Checks every value; the error names the field and the valid range.
    pub fn validate(&self) -> Result<(), EnvError> {
        let bad = |m: String| Err(EnvError::InvalidConfig(m));
        if !(0.0..=1.0).contains(&self.sticky_action_prob) {
            return bad(format!(
                "sticky_action_prob must be in [0, 1], got {}",
                self.sticky_action_prob
            ));
        }
        if self.frame_skip == 0 || self.frame_skip > 64 {
            return bad(format!("frame_skip must be in 1..=64, got {}", self.frame_skip));
        }
        if self.obs_size != 0 && !(8..=1024).contains(&self.obs_size) {
            return bad(format!(
                "obs_size must be 0 (full size) or in 8..=1024, got {}",
                self.obs_size
            ));
        }
        if self.frame_stack == 0 || self.frame_stack > 32 {
            return bad(format!("frame_stack must be in 1..=32, got {}", self.frame_stack));
        }
        Ok(())
    }
}
