//! [`VecEnv`]: N envs stepped together on persistent worker threads, with gymnasium 1.x
//! `NEXT_STEP` autoreset.
//!
//! When an env's episode ends (terminated or truncated), the *next* call to [`VecEnv::step`]
//! resets that env and ignores its action: it returns the first observation of the new episode
//! with reward 0 and both flags false. Results land in contiguous buffers: observations
//! `[N, obs_len]` (u8 for pixel envs, f32 for vector envs), rewards, flags and infos, plus the
//! statistics of the episodes that finished on this step. [`VecEnv::step_into`] writes the
//! observations into the caller's buffer instead (the Python package's fresh numpy array), and
//! [`VecEnv::send`] / [`VecEnv::recv`] step asynchronously, like EnvPool's async mode.
//!
//! ```
//! use envs::{EnvConfig, VecEnv};
//! let mut venv = VecEnv::new("cartpole", &EnvConfig::default(), 4, 0).unwrap();
//! venv.reset(None).unwrap();
//! venv.step(&[0, 1, 0, 1]).unwrap();
//! assert_eq!(venv.obs_f32().unwrap().len(), 4 * 4);
//! assert_eq!(venv.rewards(), &[1.0; 4]);
//! ```

mod async_mode;
mod chunk;
mod workers;

use std::sync::mpsc::channel;
use std::sync::Arc;

use crate::config::EnvConfig;
use crate::env::{Env, EnvError, EpisodeStats, Info};
use crate::frame::Frame;
use crate::registry::make;
use crate::space::{Dtype, Space};
use chunk::{reset_chunk, step_chunk, RawOut, Slot};
use workers::{collect, send, spawn_workers, Command, Reply, Shared, Worker};

/// [`VecEnv::new`] gives each worker thread at least this many envs.
pub const MIN_ENVS_PER_THREAD: usize = 8;

/// Where [`VecEnv::step_into`] writes the observations: `[N, obs_len]`, row-major.
pub enum ObsOut<'a> {
    /// For pixel envs.
    U8(&'a mut [u8]),
    /// For vector envs.
    F32(&'a mut [f32]),
}

enum Backend {
    /// One thread: the envs step on the caller's thread.
    Inline(Vec<Slot>),
    Threads(Vec<Worker>),
}

/// N envs of one id stepped together; see the module documentation.
pub struct VecEnv {
    backend: Backend,
    num_envs: usize,
    threads: usize,
    obs_len: usize,
    u8_obs: bool,
    observation_space: Space,
    action_space: Space,
    num_actions: usize,
    seed: u64,
    started: bool,
    /// Set by the first panic inside an env: every later call returns it.
    failed: Option<EnvError>,
    obs_u8: Vec<u8>,
    obs_f32: Vec<f32>,
    rewards: Vec<f32>,
    terminated: Vec<bool>,
    truncated: Vec<bool>,
    infos: Vec<Info>,
    actions: Vec<usize>,
    finished: Vec<(usize, EpisodeStats)>,
    /// Async mode: flags and completions shared with the workers.
    shared: Arc<Shared>,
    /// Async mode: `in_flight[i]` while env `i` was sent and not yet received.
    in_flight: Vec<bool>,
    in_flight_count: usize,
    /// Async mode: the env ids of the last `recv`, in the order they finished.
    received: Vec<usize>,
}

impl VecEnv {
    /// `num_envs` envs of `id`, on `min(available cores, ⌈num_envs / 8⌉)` threads: handing a
    /// step to a thread costs about as much as a few env steps, so each thread gets at least 8
    /// envs (fewer envs step on the caller's thread). Env `i` is seeded with `seed + i` by the
    /// first [`VecEnv::reset`] without a seed. Gym envs (`gym:<id>`) step in worker processes
    /// and a thread only waits on its pipe, so each gets a thread of its own.
    pub fn new(id: &str, cfg: &EnvConfig, num_envs: usize, seed: u64) -> Result<Self, EnvError> {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
        let threads = if crate::gym::is_gym_id(id) {
            num_envs
        } else {
            cores.min(num_envs.div_ceil(MIN_ENVS_PER_THREAD))
        };
        Self::with_threads(id, cfg, num_envs, threads.max(1), seed)
    }

    /// Like [`VecEnv::new`] with an explicit thread count (1 steps on the caller's thread).
    pub fn with_threads(
        id: &str,
        cfg: &EnvConfig,
        num_envs: usize,
        threads: usize,
        seed: u64,
    ) -> Result<Self, EnvError> {
        let envs = (0..num_envs).map(|_| make(id, cfg)).collect::<Result<Vec<_>, _>>()?;
        Self::from_envs(envs, threads, seed)
    }

    /// Wraps ready-made envs (all with the same spaces) on `threads` threads (clamped to
    /// `1..=envs.len()`).
    pub fn from_envs(envs: Vec<Box<dyn Env>>, threads: usize, seed: u64) -> Result<Self, EnvError> {
        let first = envs
            .first()
            .ok_or_else(|| EnvError::InvalidConfig("a vector env needs at least 1 env, got 0".into()))?;
        let observation_space = first.observation_space();
        let action_space = first.action_space();
        let num_actions = first.num_actions();
        if let Some(i) = envs
            .iter()
            .position(|e| e.observation_space() != observation_space || e.action_space() != action_space)
        {
            return Err(EnvError::InvalidConfig(format!(
                "env {i} has spaces {} / {}, but env 0 has {observation_space} / {action_space}",
                envs[i].observation_space(),
                envs[i].action_space()
            )));
        }
        let (obs_len, u8_obs) = match &observation_space {
            Space::Box { dtype, .. } => (observation_space.flat_size(), *dtype == Dtype::U8),
            Space::Discrete(_) => return Err(EnvError::InvalidConfig("observation space must be a Box".into())),
        };
        let num_envs = envs.len();
        let threads = threads.clamp(1, num_envs);
        let slots: Vec<Slot> = envs
            .into_iter()
            .map(|env| Slot {
                env,
                needs_reset: false,
            })
            .collect();
        let shared = Shared::new(num_envs);
        let backend = if threads == 1 {
            Backend::Inline(slots)
        } else {
            Backend::Threads(spawn_workers(slots, threads, &shared))
        };
        Ok(VecEnv {
            backend,
            num_envs,
            threads,
            obs_len,
            u8_obs,
            observation_space,
            action_space,
            num_actions,
            seed,
            started: false,
            failed: None,
            obs_u8: vec![0; if u8_obs { num_envs * obs_len } else { 0 }],
            obs_f32: vec![0.0; if u8_obs { 0 } else { num_envs * obs_len }],
            rewards: vec![0.0; num_envs],
            terminated: vec![false; num_envs],
            truncated: vec![false; num_envs],
            infos: vec![Info::default(); num_envs],
            actions: vec![0; num_envs],
            finished: Vec::with_capacity(num_envs),
            shared,
            in_flight: vec![false; num_envs],
            in_flight_count: 0,
            received: Vec::with_capacity(num_envs),
        })
    }

    fn raw_out(&mut self) -> RawOut {
        RawOut {
            obs_len: self.obs_len,
            obs_u8: self.obs_u8.as_mut_ptr(),
            obs_f32: self.obs_f32.as_mut_ptr(),
            rewards: self.rewards.as_mut_ptr(),
            terminated: self.terminated.as_mut_ptr(),
            truncated: self.truncated.as_mut_ptr(),
            infos: self.infos.as_mut_ptr(),
            actions: self.actions.as_ptr(),
            u8_obs: self.u8_obs,
        }
    }

    /// Records a panic's error, so that every later call returns it.
    fn check(&mut self, result: Result<(), EnvError>) -> Result<(), EnvError> {
        if let Err(e @ EnvError::Panicked(_)) = &result {
            self.failed = Some(e.clone());
        }
        result
    }

    /// Resets every env: env `i` gets `seed + i` (`seed` defaults to the constructor's seed on
    /// the first reset; later `None` resets continue each env's random stream). Envs still
    /// stepping from a [`VecEnv::send`] are waited for, and their results dropped.
    pub fn reset(&mut self, seed: Option<u64>) -> Result<(), EnvError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        self.drain()?;
        let seed = seed.or((!self.started).then_some(self.seed));
        let out = self.raw_out();
        let result = match &mut self.backend {
            Backend::Inline(slots) => {
                // SAFETY: the whole range, on this thread, while `self` is borrowed mutably.
                let (mut o, _) = unsafe { out.slices(&(0..slots.len())) };
                reset_chunk(slots, 0, seed, &mut o);
                Ok(())
            }
            Backend::Threads(workers) => workers
                .iter()
                .try_for_each(|w| send(w, Command::Reset { seed, out }))
                .and_then(|()| collect(workers)),
        };
        self.check(result)?;
        self.started = true;
        self.finished.clear();
        Ok(())
    }

    /// Steps every env with its action (`actions.len()` must be `num_envs`). An env whose last
    /// step ended its episode is reset instead (its action is ignored). Read the results with the
    /// accessors.
    pub fn step(&mut self, actions: &[usize]) -> Result<(), EnvError> {
        let out = self.raw_out();
        self.step_with(actions, out)
    }

    /// Like [`VecEnv::step`], but writes the observations into `obs` (`num_envs × obs_len`
    /// elements of the env's dtype) instead of the buffer behind [`VecEnv::obs_u8`] /
    /// [`VecEnv::obs_f32`], which keeps its previous contents.
    pub fn step_into(&mut self, actions: &[usize], obs: ObsOut<'_>) -> Result<(), EnvError> {
        let mut out = self.raw_out();
        let want = self.num_envs * self.obs_len;
        match (obs, self.u8_obs) {
            (ObsOut::U8(buf), true) if buf.len() == want => out.obs_u8 = buf.as_mut_ptr(),
            (ObsOut::F32(buf), false) if buf.len() == want => out.obs_f32 = buf.as_mut_ptr(),
            _ => {
                return Err(EnvError::InvalidConfig(format!(
                    "step_into() needs a buffer of {want} {} values",
                    if self.u8_obs { "u8" } else { "f32" }
                )))
            }
        }
        self.step_with(actions, out)
    }

    fn step_with(&mut self, actions: &[usize], out: RawOut) -> Result<(), EnvError> {
        self.ready_to_step()?;
        self.check_actions(actions, self.num_envs)?;
        self.actions.copy_from_slice(actions);
        let result = match &mut self.backend {
            Backend::Inline(slots) => {
                // SAFETY: the whole range, on this thread, while `self` is borrowed mutably (and
                // `step_into`'s buffer is borrowed for the whole call).
                let (mut o, acts) = unsafe { out.slices(&(0..slots.len())) };
                step_chunk(slots, acts, &mut o)
            }
            Backend::Threads(workers) => workers
                .iter()
                .try_for_each(|w| send(w, Command::Step { out }))
                .and_then(|()| collect(workers)),
        };
        self.check(result)?;
        self.finished.clear();
        for (i, info) in self.infos.iter().enumerate() {
            if let Some(ep) = info.episode {
                self.finished.push((i, ep));
            }
        }
        Ok(())
    }

    /// The error for stepping now, if any: a past panic, no reset yet, or envs in flight.
    fn ready_to_step(&self) -> Result<(), EnvError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        if !self.started {
            return Err(EnvError::NotReset);
        }
        if self.in_flight_count > 0 {
            return Err(EnvError::InvalidConfig(format!(
                "{} envs are still stepping from send(); recv() them first",
                self.in_flight_count
            )));
        }
        Ok(())
    }

    /// Checks `expected` actions, each in `0..num_actions`.
    fn check_actions(&self, actions: &[usize], expected: usize) -> Result<(), EnvError> {
        if actions.len() != expected {
            return Err(EnvError::InvalidConfig(format!(
                "step() got {} actions for {expected} envs; pass one action per env",
                actions.len(),
            )));
        }
        if let Some(&action) = actions.iter().find(|&&a| a >= self.num_actions) {
            return Err(EnvError::InvalidAction {
                action,
                n: self.num_actions,
            });
        }
        Ok(())
    }

    /// Draws env `index`'s current picture into `frame`.
    pub fn render(&mut self, index: usize, frame: &mut Frame) -> Result<(), EnvError> {
        if index >= self.num_envs {
            return Err(EnvError::InvalidConfig(format!(
                "env index {index} is out of range 0..{}",
                self.num_envs
            )));
        }
        match &mut self.backend {
            Backend::Inline(slots) => slots[index].env.render(frame),
            Backend::Threads(workers) => {
                let Some(w) = workers.iter().find(|w| w.range.contains(&index)) else {
                    return Err(EnvError::InvalidConfig(format!("no worker holds env {index}")));
                };
                let taken = std::mem::replace(frame, Frame::new(0, 0));
                let index = index - w.range.start;
                send(w, Command::Render { index, frame: taken })?;
                match w.replies.recv() {
                    Ok(Reply::Rendered(f)) => *frame = f,
                    _ => return self.check(Err(EnvError::Panicked("an env panicked while rendering".into()))),
                }
            }
        }
        Ok(())
    }

    /// Number of envs.
    pub fn num_envs(&self) -> usize {
        self.num_envs
    }
    /// Worker threads in use (1 = the caller's thread).
    pub fn threads(&self) -> usize {
        self.threads
    }
    /// Elements in one env's observation.
    pub fn obs_len(&self) -> usize {
        self.obs_len
    }
    /// One env's observation space.
    pub fn observation_space(&self) -> &Space {
        &self.observation_space
    }
    /// One env's action space.
    pub fn action_space(&self) -> &Space {
        &self.action_space
    }
    /// Actions per env.
    pub fn num_actions(&self) -> usize {
        self.num_actions
    }
    /// Pixel observations `[N, obs_len]`, row-major; `None` for vector envs.
    pub fn obs_u8(&self) -> Option<&[u8]> {
        self.u8_obs.then_some(&self.obs_u8[..])
    }
    /// Vector observations `[N, obs_len]`; `None` for pixel envs.
    pub fn obs_f32(&self) -> Option<&[f32]> {
        (!self.u8_obs).then_some(&self.obs_f32[..])
    }
    /// Rewards of the last step, one per env.
    pub fn rewards(&self) -> &[f32] {
        &self.rewards
    }
    /// `terminated` flags of the last step.
    pub fn terminated(&self) -> &[bool] {
        &self.terminated
    }
    /// `truncated` flags of the last step.
    pub fn truncated(&self) -> &[bool] {
        &self.truncated
    }
    /// Infos of the last step (or reset).
    pub fn infos(&self) -> &[Info] {
        &self.infos
    }
    /// `(env index, stats)` of every whole episode that finished on the last step.
    pub fn finished_episodes(&self) -> &[(usize, EpisodeStats)] {
        &self.finished
    }
}

impl Drop for VecEnv {
    fn drop(&mut self) {
        if let Backend::Threads(workers) = &mut self.backend {
            for w in workers.iter_mut() {
                // Closing the channel ends the worker's loop (after the command it is running,
                // so the buffers it writes into are still alive).
                let (dead, _) = channel();
                w.commands = dead;
                if let Some(h) = w.handle.take() {
                    let _ = h.join();
                }
            }
        }
    }
}
