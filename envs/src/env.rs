//! The gymnasium-style [`Env`] trait and the values it returns.
//!
//! Observations are borrowed from the env (`Obs<'_>`), so stepping allocates nothing: copy the
//! slice if you need to keep it past the next call.

use crate::frame::Frame;
use crate::space::Space;

/// Errors an env reports instead of panicking.
#[derive(Debug, thiserror::Error, Clone, PartialEq)]
pub enum EnvError {
    /// The action index is outside `0..n`.
    #[error("action {action} is out of range: this env has {n} actions (0..{n})")]
    InvalidAction { action: usize, n: usize },
    /// `step` was called after `terminated` or `truncated` without a `reset`.
    #[error("step() called after the episode ended; call reset() first")]
    StepAfterDone,
    /// `step` was called before the first `reset`.
    #[error("step() called before reset()")]
    NotReset,
    /// No env is registered under this id.
    #[error("unknown env '{id}'; known envs: {known}")]
    UnknownEnv { id: String, known: String },
    /// A configuration value is invalid.
    #[error("invalid env config: {0}")]
    InvalidConfig(String),
    /// An env panicked (a bug): the vector env that ran it refuses every later call.
    #[error("an env panicked: {0}")]
    Panicked(String),
    /// The gym bridge failed: a missing package, an unknown or unsupported gymnasium env, or a
    /// worker process that died (the message names the env and what its stderr said).
    #[error("{0}")]
    Bridge(String),
}

/// An observation, borrowed from the env until its next `step` or `reset`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Obs<'a> {
    /// u8 pixels, row-major, with the given `[channels, height, width]` shape.
    Pixels { data: &'a [u8], shape: [usize; 3] },
    /// A feature vector (e.g. cartpole's 4 state variables).
    Vector(&'a [f32]),
}

impl<'a> Obs<'a> {
    /// The pixel slice, if this is a pixel observation.
    pub fn pixels(&self) -> Option<&'a [u8]> {
        match self {
            Obs::Pixels { data, .. } => Some(data),
            Obs::Vector(_) => None,
        }
    }
    /// The vector slice, if this is a vector observation.
    pub fn vector(&self) -> Option<&'a [f32]> {
        match self {
            Obs::Vector(v) => Some(v),
            Obs::Pixels { .. } => None,
        }
    }
}

/// Statistics of a finished episode (the real game over, not a lost life), in unclipped reward.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct EpisodeStats {
    /// Sum of the raw (unclipped) rewards.
    pub episode_return: f64,
    /// Agent steps in the episode.
    pub length: u64,
}

/// Per-step information, like gymnasium's `info` dict, with fixed fields.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Info {
    /// Lives left (0 for games without lives).
    pub lives: u32,
    /// The game's own score so far.
    pub score: i64,
    /// Emulator frames since the env was created or last reset with a seed (ALE `frame_number`:
    /// ALE reloads the game on a seeded reset), so a seed fixes the whole info.
    pub frame_number: u64,
    /// Emulator frames since the current episode started (ALE `episode_frame_number`).
    pub episode_frame_number: u64,
    /// Set on the step where a whole episode (game over or time limit) ends.
    pub episode: Option<EpisodeStats>,
}

/// What `step` returns: gymnasium's `(obs, reward, terminated, truncated, info)`.
#[derive(Debug, Clone, Copy)]
pub struct Step<'a> {
    /// The observation after the action.
    pub obs: Obs<'a>,
    /// The reward, after reward clipping if it is on.
    pub reward: f32,
    /// The MDP ended (game over, or a lost life with episodic life on): do not bootstrap.
    pub terminated: bool,
    /// A time limit ended the episode: bootstrap from `obs`.
    pub truncated: bool,
    /// Lives, score, frame counters and, at the real end of an episode, its statistics.
    pub info: Info,
}

/// A gymnasium-style environment.
///
/// Semantics follow gymnasium: `terminated` means the MDP ended, `truncated` means a time limit.
/// Stepping after either without `reset` returns [`EnvError::StepAfterDone`].
pub trait Env: Send {
    /// Starts a new episode. `Some(seed)` reseeds the env's generator, so that the same seed gives
    /// the same trajectory for the same actions; `None` continues the current random stream.
    fn reset(&mut self, seed: Option<u64>) -> (Obs<'_>, Info);
    /// Applies one action (an index into the action space).
    fn step(&mut self, action: usize) -> Result<Step<'_>, EnvError>;
    /// The action space (always `Space::Discrete`).
    fn action_space(&self) -> Space;
    /// The observation space.
    fn observation_space(&self) -> Space;
    /// Human-readable names of the actions, in index order (e.g. `["NOOP", "FIRE", ...]`).
    fn action_meanings(&self) -> Vec<&'static str>;
    /// Draws the current state as a full-size RGB picture (160×210 for the Atari-like games).
    fn render(&self, frame: &mut Frame);
    /// The size `render` draws at, `(width, height)`.
    fn render_size(&self) -> (usize, usize);
    /// Number of actions, a shortcut for the action space's size.
    fn num_actions(&self) -> usize {
        match self.action_space() {
            Space::Discrete(n) => n,
            Space::Box { .. } => 0,
        }
    }
}

/// Checks an action index against `n` actions.
pub fn check_action(action: usize, n: usize) -> Result<(), EnvError> {
    if action < n {
        Ok(())
    } else {
        Err(EnvError::InvalidAction { action, n })
    }
}
