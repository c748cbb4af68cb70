//! The agent-step half of the Atari preprocessing, written once and used by both Atari envs: our
//! games ([`crate::atari::AtariEnv`]) and ALE through the gym bridge ([`crate::gym::GymEnv`]).
//!
//! It holds noop reset, fire reset, episodic life, reward clipping, the end of an episode at a
//! time limit and the statistics of whole episodes (raw score over all lives). The two envs differ
//! only in how they run emulator frames, which they provide as an [`Emulator`].

use rand::RngExt;

use crate::config::EnvConfig;
use crate::env::{EnvError, EpisodeStats, Info, Obs, Step};
use crate::game::GameRng;

/// What the wrappers need from an Atari env: running emulator frames and reading the game state.
pub(crate) trait Emulator {
    /// An action as the emulator takes it.
    type Action: Copy;
    /// The no-op action.
    const NOOP: Self::Action;
    /// Starts a new game; `Some(seed)` reseeds it first.
    fn new_game(&mut self, seed: Option<u64>) -> Result<(), EnvError>;
    /// Runs `frames` emulator frames of `action` (stopping at game over or the time limit) and
    /// returns their summed raw reward.
    fn run(&mut self, action: Self::Action, frames: u32) -> Result<f64, EnvError>;
    /// The FIRE action, if the game waits for it to start or to serve after a lost life.
    fn fire(&self) -> Option<Self::Action>;
    /// Whether the game is over.
    fn game_over(&self) -> bool;
    /// Lives left.
    fn lives(&self) -> u32;
    /// The generator that draws the number of no-ops.
    fn rng(&mut self) -> &mut GameRng;
}

/// What one agent step means for learning.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Outcome {
    /// The reward, clipped to its sign when clipping is on.
    pub reward: f32,
    /// Game over, or a lost life with episodic life on.
    pub terminated: bool,
    /// The time limit, without game over.
    pub truncated: bool,
    /// The statistics of the whole episode, on its last step.
    pub episode: Option<EpisodeStats>,
}

impl Outcome {
    /// The env's [`Step`]: this outcome with the observation and info that go with it.
    pub fn into_step(self, obs: Obs<'_>, info: Info) -> Step<'_> {
        Step {
            obs,
            reward: self.reward,
            terminated: self.terminated,
            truncated: self.truncated,
            info,
        }
    }
}

/// The state of the wrappers between steps.
#[derive(Debug, Clone, Default)]
pub(crate) struct Episode {
    started: bool,
    done: bool,
    /// The last step ended a life but not the game: the next unseeded reset continues the game.
    life_lost: bool,
    lives: u32,
    episode_return: f64,
    episode_length: u64,
}

impl Episode {
    /// Raw score of the episode so far.
    pub fn score(&self) -> f64 {
        self.episode_return
    }

    /// Resets the env: a new game (after game over, a seed, or without episodic life) with noop
    /// reset, or after a lost life one NOOP step past the loss (as EpisodicLifeEnv does); then
    /// FIRE when the game waits for it.
    pub fn reset<E: Emulator>(&mut self, emu: &mut E, cfg: &EnvConfig, seed: Option<u64>) -> Result<(), EnvError> {
        let real_reset = seed.is_some() || !self.life_lost || emu.game_over();
        if real_reset {
            emu.new_game(seed)?;
            self.episode_return = 0.0;
            self.episode_length = 0;
            if cfg.noop_max > 0 {
                let noops = emu.rng().random_range(1..=cfg.noop_max);
                self.episode_return += emu.run(E::NOOP, noops)?;
                if emu.game_over() {
                    emu.new_game(None)?;
                }
            }
        } else {
            self.episode_return += emu.run(E::NOOP, cfg.frame_skip)?;
        }
        if let Some(fire) = emu.fire().filter(|_| cfg.fire_reset) {
            if !emu.game_over() {
                self.episode_return += emu.run(fire, cfg.frame_skip)?;
            }
        }
        self.started = true;
        self.done = false;
        self.life_lost = false;
        self.lives = emu.lives();
        Ok(())
    }

    /// The error for a step that is not allowed now.
    pub fn check_step(&self) -> Result<(), EnvError> {
        if !self.started {
            Err(EnvError::NotReset)
        } else if self.done {
            Err(EnvError::StepAfterDone)
        } else {
            Ok(())
        }
    }

    /// Accounts for one agent step that scored `raw`, after which the game is over or not, has
    /// `lives` lives, and has reached the time limit or not.
    pub fn step(&mut self, cfg: &EnvConfig, raw: f64, game_over: bool, lives: u32, time_up: bool) -> Outcome {
        self.episode_return += raw;
        self.episode_length += 1;
        self.life_lost = cfg.episodic_life && !game_over && lives < self.lives;
        self.lives = lives;
        let terminated = game_over || self.life_lost;
        let truncated = time_up && !game_over;
        self.done = terminated || truncated;
        if time_up {
            // The time limit ends the whole game, even after a lost life.
            self.life_lost = false;
        }
        let raw = raw as f32;
        Outcome {
            reward: if cfg.clip_rewards { clip(raw) } else { raw },
            terminated,
            truncated,
            episode: (game_over || time_up).then_some(EpisodeStats {
                episode_return: self.episode_return,
                length: self.episode_length,
            }),
        }
    }
}

/// The sign of a reward (-1, 0 or 1).
fn clip(reward: f32) -> f32 {
    if reward > 0.0 {
        1.0
    } else if reward < 0.0 {
        -1.0
    } else {
        0.0
    }
}
