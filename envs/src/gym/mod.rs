//! The gym bridge: any gymnasium env with `Discrete` actions and a `Box` observation, as an
//! [`Env`], reached through [`crate::make`] with the id `gym:<gymnasium id>`
//! (`gym:ALE/Breakout-v5`, `gym:CartPole-v1`, `gym:minatar:MinAtar/Breakout-v1`).
//!
//! Each env runs in a Python worker process of its own (see [`worker`]), started with
//! [`python`]; nothing of Python or ALE (GPL) is linked into this crate. `make gym` installs the
//! packages into the project's `.venv`.
//!
//! ALE ids get the Atari preprocessing of [`EnvConfig`] once: the worker makes the env with
//! `frameskip=1` and ALE's sticky actions per emulator frame, runs `frame_skip` frames per agent
//! step, max-pools the last two and resizes to gray `obs_size`² (with `widen_thin_shapes`, each
//! pixel the brightest of its area, not the mean); this side applies the agent-step
//! wrappers with the very code of [`crate::atari::AtariEnv`] (`crate::episode`): noop reset,
//! episodic life, fire reset, reward clipping and the statistics of whole episodes in raw game
//! score, then the frame stack. Other ids are stepped as they are (like our cartpole, they ignore
//! the Atari settings).

pub mod bench;
mod worker;

use std::cell::RefCell;

use rand::SeedableRng;

pub use worker::python;
use worker::{Hello, Reply, Worker};

use crate::atari::entropy_seed;
use crate::config::EnvConfig;
use crate::env::{check_action, Env, EnvError, EpisodeStats, Info, Obs, Step};
use crate::episode::{Emulator, Episode};
use crate::frame::Frame;
use crate::game::GameRng;
use crate::space::{Dtype, Space};

/// The prefix that routes an id to the bridge.
pub const PREFIX: &str = "gym:";

/// Whether `id` names a gym env (`gym:<something>`).
pub fn is_gym_id(id: &str) -> bool {
    id.strip_prefix(PREFIX).is_some_and(|rest| !rest.trim().is_empty())
}

/// Whether `id` is a gym id of an ALE game (`gym:ALE/...`), which gets the Atari preprocessing.
pub fn is_ale_id(id: &str) -> bool {
    id.strip_prefix(PREFIX).is_some_and(names_ale_game)
}

/// Whether a gymnasium id without the `gym:` prefix names an ALE game (`ALE/...`).
fn names_ale_game(gym_id: &str) -> bool {
    gym_id.starts_with("ALE/")
}

/// A gymnasium env in a worker process; see the module documentation.
pub struct GymEnv {
    worker: RefCell<Worker>,
    hello: Hello,
    cfg: EnvConfig,
    /// `cfg` for ALE ids; for other envs the same with every agent-step wrapper off.
    wrappers: EnvConfig,
    meanings: Vec<&'static str>,
    /// The FIRE action, when the game uses it to start (ALE: "FIRE" at index 1, ≥ 3 actions).
    fire: Option<usize>,
    /// Frames in the stack (1 for non-ALE envs).
    stack_len: usize,
    /// `stack_len` frames of `frame_bytes`, oldest first.
    stack: Vec<u8>,
    frame_bytes: usize,
    /// A vector observation, decoded.
    vector: Vec<f32>,
    rng: GameRng,
    /// The last answer of the worker.
    last: Reply,
    /// A failed reset (which cannot return an error), reported by the next `step`.
    failed: Option<EnvError>,
    /// Noop and fire reset, episodic life, clipping and the episode's statistics.
    episode: Episode,
}

impl GymEnv {
    /// Starts a worker for `id` (`gym:` prefix optional) with the preprocessing in `cfg`.
    pub fn new(id: &str, cfg: &EnvConfig) -> Result<GymEnv, EnvError> {
        cfg.validate()?;
        let gym_id = id.strip_prefix(PREFIX).unwrap_or(id).trim();
        if gym_id.is_empty() {
            return Err(EnvError::Bridge(
                "gym: needs a gymnasium id after it, e.g. gym:CartPole-v1".into(),
            ));
        }
        if cfg.widen_thin_shapes && !names_ale_game(gym_id) {
            return Err(EnvError::InvalidConfig(
                "widen_thin_shapes applies to our own games and gym:ALE/ ids only".into(),
            ));
        }
        let (worker, hello) = Worker::spawn(gym_id, cfg)?;
        if hello.actions == 0 {
            return Err(EnvError::Bridge(format!("gym:{gym_id}: the action space is empty")));
        }
        let meanings: Vec<&'static str> = match &hello.action_meanings {
            Some(m) => m.iter().map(|s| &*Box::leak(s.clone().into_boxed_str())).collect(),
            None => (0..hello.actions)
                .map(|i| &*Box::leak(format!("ACTION_{i}").into_boxed_str()))
                .collect(),
        };
        let fire = (hello.atari && meanings.len() >= 3 && meanings[1] == "FIRE").then_some(1);
        let stack_len = if hello.atari { cfg.frame_stack } else { 1 };
        let frame_bytes = worker.obs_bytes();
        let vector = if hello.obs_kind == "f32" {
            vec![0.0; frame_bytes / 4]
        } else {
            Vec::new()
        };
        let wrappers = if hello.atari {
            cfg.clone()
        } else {
            EnvConfig {
                noop_max: 0,
                fire_reset: false,
                episodic_life: false,
                clip_rewards: false,
                ..cfg.clone()
            }
        };
        Ok(GymEnv {
            worker: RefCell::new(worker),
            hello,
            cfg: cfg.clone(),
            wrappers,
            meanings,
            fire,
            stack_len,
            stack: vec![0; stack_len * frame_bytes],
            frame_bytes,
            vector,
            rng: GameRng::seed_from_u64(entropy_seed()),
            last: Reply::default(),
            failed: None,
            episode: Episode::default(),
        })
    }

    /// The newest frame's slot in the stack.
    fn newest(&mut self) -> &mut [u8] {
        let start = (self.stack_len - 1) * self.frame_bytes;
        &mut self.stack[start..]
    }

    /// Asks the worker for `frames` frames of `action`; the new frame replaces the newest slot.
    fn frames(&mut self, action: usize, frames: u32, pool: bool) -> Result<Reply, EnvError> {
        let start = (self.stack_len - 1) * self.frame_bytes;
        let reply = self
            .worker
            .get_mut()
            .step(action, frames, pool, &mut self.stack[start..])?;
        self.last = reply;
        Ok(reply)
    }

    /// Shifts the stack one frame older, making room for a new newest frame.
    fn shift(&mut self) {
        if self.stack_len > 1 {
            self.stack.copy_within(self.frame_bytes.., 0);
        }
    }

    /// Copies the newest frame into every slot (the start of an episode).
    fn fill(&mut self) {
        let fb = self.frame_bytes;
        let start = (self.stack_len - 1) * fb;
        for slot in 0..self.stack_len - 1 {
            self.stack.copy_within(start..start + fb, slot * fb);
        }
    }

    fn obs(&mut self) -> Obs<'_> {
        if self.hello.obs_kind == "f32" {
            for (v, b) in self.vector.iter_mut().zip(self.stack.chunks_exact(4)) {
                *v = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
            }
            return Obs::Vector(&self.vector);
        }
        let s = &self.hello.obs_shape;
        Obs::Pixels {
            data: &self.stack,
            shape: [s[0] * self.stack_len, s[1], s[2]],
        }
    }

    fn info(&self, episode: Option<EpisodeStats>) -> Info {
        Info {
            lives: self.last.lives,
            score: self.episode.score() as i64,
            frame_number: self.last.frame_number,
            episode_frame_number: self.last.episode_frame_number,
            episode,
        }
    }

    fn try_reset(&mut self, seed: Option<u64>) -> Result<(), EnvError> {
        if let Some(seed) = seed {
            self.rng = GameRng::seed_from_u64(seed);
        }
        let mut episode = std::mem::take(&mut self.episode);
        let wrappers = self.wrappers.clone();
        let done = episode.reset(self, &wrappers, seed);
        self.episode = episode;
        done?;
        self.fill();
        Ok(())
    }
}

impl Emulator for GymEnv {
    type Action = usize;
    const NOOP: usize = 0;

    fn new_game(&mut self, seed: Option<u64>) -> Result<(), EnvError> {
        let start = (self.stack_len - 1) * self.frame_bytes;
        self.last = self.worker.get_mut().reset(seed, &mut self.stack[start..])?;
        Ok(())
    }

    fn run(&mut self, action: usize, frames: u32) -> Result<f64, EnvError> {
        Ok(self.frames(action, frames, false)?.reward)
    }

    fn fire(&self) -> Option<usize> {
        self.fire
    }

    fn game_over(&self) -> bool {
        self.last.terminated
    }

    fn lives(&self) -> u32 {
        self.last.lives
    }

    fn rng(&mut self) -> &mut GameRng {
        &mut self.rng
    }
}

impl Env for GymEnv {
    fn reset(&mut self, seed: Option<u64>) -> (Obs<'_>, Info) {
        if let Err(e) = self.try_reset(seed) {
            self.failed = Some(e);
            self.newest().fill(0);
            self.fill();
        }
        let info = self.info(None);
        (self.obs(), info)
    }

    fn step(&mut self, action: usize) -> Result<Step<'_>, EnvError> {
        if let Some(e) = self.failed.clone() {
            return Err(e);
        }
        check_action(action, self.hello.actions)?;
        self.episode.check_step()?;
        self.shift();
        let (frames, pool) = if self.hello.atari {
            (self.cfg.frame_skip, self.cfg.max_pool && self.cfg.frame_skip >= 2)
        } else {
            (1, false)
        };
        let r = match self.frames(action, frames, pool) {
            Ok(r) => r,
            Err(e) => {
                self.failed = Some(e.clone());
                return Err(e);
            }
        };
        let out = self
            .episode
            .step(&self.wrappers, r.reward, r.terminated, r.lives, r.truncated);
        let info = self.info(out.episode);
        Ok(out.into_step(self.obs(), info))
    }

    fn action_space(&self) -> Space {
        Space::Discrete(self.hello.actions)
    }

    fn observation_space(&self) -> Space {
        let mut shape = self.hello.obs_shape.clone();
        if self.hello.obs_kind == "f32" {
            return Space::Box {
                shape,
                low: self.hello.obs_low,
                high: self.hello.obs_high,
                dtype: Dtype::F32,
            };
        }
        shape[0] *= self.stack_len;
        Space::Box {
            shape,
            low: 0.0,
            high: 255.0,
            dtype: Dtype::U8,
        }
    }

    fn action_meanings(&self) -> Vec<&'static str> {
        self.meanings.clone()
    }

    fn render(&self, frame: &mut Frame) {
        let ok = self.worker.try_borrow_mut().is_ok_and(|mut w| w.render(frame).is_ok());
        if !ok {
            let [w, h] = self.hello.render_size;
            frame.resize(w, h);
        }
    }

    fn render_size(&self) -> (usize, usize) {
        let [w, h] = self.hello.render_size;
        (w, h)
    }
}
