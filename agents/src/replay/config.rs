//! The replay buffer's settings and errors.

use serde::{Deserialize, Serialize};

/// Why a replay buffer call failed.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ReplayError {
    /// A configuration value is out of range.
    #[error("invalid replay config: {0}")]
    Config(String),
    /// The buffer could not be allocated.
    #[error("cannot allocate the replay buffer ({bytes} bytes for the frames): {reason}")]
    Allocation {
        /// Bytes requested for the frame ring.
        bytes: usize,
        /// What the allocator said.
        reason: String,
    },
    /// A stream index is out of range.
    #[error("stream {stream} does not exist; valid streams are 0..{num_streams}")]
    Stream {
        /// The index given.
        stream: usize,
        /// The number of streams.
        num_streams: usize,
    },
    /// A frame has the wrong number of elements.
    #[error("frame has {got} elements, expected frame_len = {expected}")]
    FrameLength {
        /// Elements given.
        got: usize,
        /// The configured `frame_len`.
        expected: usize,
    },
    /// `push` came before `start_episode`, or after a step that ended the episode.
    #[error("stream {0}: push without an open episode; call start_episode first (also after terminated/truncated)")]
    NoEpisode(usize),
    /// An action does not fit the stored `u32`.
    #[error("action {0} is too large to store (at most u32::MAX)")]
    Action(usize),
    /// Nothing can be sampled yet.
    #[error("the buffer holds no sampleable transition yet (need n_step more steps or an episode end)")]
    Empty,
    /// Sampling argument out of range.
    #[error("invalid sample request: {0}")]
    Sample(String),
    /// `update_priorities` got inconsistent input.
    #[error("invalid priority update: {0}")]
    Priority(String),
}

/// Replay buffer settings. Every field has a default (CleanRL's Atari DQN with a 1M buffer).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReplayConfig {
    /// Total frame slots over all streams (≈ transitions; each episode's last frame takes one slot
    /// that starts no transition). Split evenly across streams. Default 1,000,000.
    pub capacity: usize,
    /// Elements per frame: 84·84 for gray Atari frames, 4 for CartPole. Default 7056.
    pub frame_len: usize,
    /// Frames per observation stack `k`, 1..=255. Default 4.
    pub frame_stack: usize,
    /// Number of independent streams (envs of a vector env). Default 1.
    pub num_streams: usize,
    /// Steps per return, n ≥ 1 (1 = classic DQN, 3 = Rainbow). Default 1.
    pub n_step: usize,
    /// Discount γ in [0, 1]. Default 0.99.
    pub gamma: f32,
    /// Prioritized sampling instead of uniform. Default false.
    pub prioritized: bool,
    /// Priority exponent α ≥ 0 (0 = uniform). Default 0.6.
    pub alpha: f32,
    /// Added to |δ| before the exponent, > 0, so no transition starves. Default 1e-6.
    pub eps: f32,
}

impl Default for ReplayConfig {
    fn default() -> Self {
        ReplayConfig {
            capacity: 1_000_000,
            frame_len: 84 * 84,
            frame_stack: 4,
            num_streams: 1,
            n_step: 1,
            gamma: 0.99,
            prioritized: false,
            alpha: 0.6,
            eps: 1e-6,
        }
    }
}
