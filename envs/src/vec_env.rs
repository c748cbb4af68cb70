//! [`VecEnv`]: N envs stepped together on persistent worker threads, with gymnasium 1.x
//! `NEXT_STEP` autoreset.
//!
//! When an env's episode ends (terminated or truncated), the *next* call to [`VecEnv::step`]
//! resets that env and ignores its action: it returns the first observation of the new episode
//! with reward 0 and both flags false. Results land in contiguous buffers: observations
//! `[N, obs_len]` (u8 for pixel envs, f32 for vector envs), rewards, flags and infos, plus the
//! statistics of the episodes that finished on this step.
//!
//! ```
//! use envs::{EnvConfig, VecEnv};
//! let mut venv = VecEnv::new("cartpole", &EnvConfig::default(), 4, 0).unwrap();
//! venv.reset(None).unwrap();
//! venv.step(&[0, 1, 0, 1]).unwrap();
//! assert_eq!(venv.obs_f32().unwrap().len(), 4 * 4);
//! assert_eq!(venv.rewards(), &[1.0; 4]);
//! ```

use std::ops::Range;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::thread::JoinHandle;

use crate::config::EnvConfig;
use crate::env::{Env, EnvError, EpisodeStats, Info, Obs};
use crate::frame::Frame;
use crate::registry::make;
use crate::space::{Dtype, Space};

/// [`VecEnv::new`] gives each worker thread at least this many envs.
pub const MIN_ENVS_PER_THREAD: usize = 8;

/// One env and whether its next step must reset it.
struct Slot {
    env: Box<dyn Env>,
    needs_reset: bool,
}

/// The output buffers of a range of envs, as slices.
struct Out<'a> {
    obs_u8: &'a mut [u8],
    obs_f32: &'a mut [f32],
    rewards: &'a mut [f32],
    terminated: &'a mut [bool],
    truncated: &'a mut [bool],
    infos: &'a mut [Info],
}

/// Raw pointers to the whole output buffers, sent to workers. Each worker builds slices for its
/// own disjoint range of envs only, and the owner does not touch the buffers until every worker
/// has replied, so no two threads ever access the same element.
#[derive(Clone, Copy)]
struct RawOut {
    obs_len: usize,
    obs_u8: *mut u8,
    obs_f32: *mut f32,
    rewards: *mut f32,
    terminated: *mut bool,
    truncated: *mut bool,
    infos: *mut Info,
    actions: *const usize,
    u8_obs: bool,
}

// SAFETY: see `RawOut`: the pointers are only dereferenced for a worker's disjoint range while
// the owning `VecEnv` is blocked in `step`/`reset`, waiting for every worker's reply.
unsafe impl Send for RawOut {}

impl RawOut {
    /// # Safety
    /// `range` must lie inside the buffers, be used by one thread at a time, and the buffers must
    /// outlive the returned slices (guaranteed by the owner waiting for the reply).
    unsafe fn slices<'a>(&self, range: &Range<usize>) -> (Out<'a>, &'a [usize]) {
        let (s, n, l) = (range.start, range.len(), self.obs_len);
        let (u8_len, f32_len) = if self.u8_obs { (n * l, 0) } else { (0, n * l) };
        unsafe {
            let out = Out {
                obs_u8: std::slice::from_raw_parts_mut(self.obs_u8.add(if self.u8_obs { s * l } else { 0 }), u8_len),
                obs_f32: std::slice::from_raw_parts_mut(self.obs_f32.add(if self.u8_obs { 0 } else { s * l }), f32_len),
                rewards: std::slice::from_raw_parts_mut(self.rewards.add(s), n),
                terminated: std::slice::from_raw_parts_mut(self.terminated.add(s), n),
                truncated: std::slice::from_raw_parts_mut(self.truncated.add(s), n),
                infos: std::slice::from_raw_parts_mut(self.infos.add(s), n),
            };
            (out, std::slice::from_raw_parts(self.actions.add(s), n))
        }
    }
}

enum Command {
    Reset { seed: Option<u64>, out: RawOut },
    Step { out: RawOut },
    Render { index: usize, frame: Frame },
}

enum Reply {
    Done(Result<(), EnvError>),
    Rendered(Frame),
}

struct Worker {
    range: Range<usize>,
    commands: Sender<Command>,
    replies: Receiver<Reply>,
    handle: Option<JoinHandle<()>>,
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
    obs_u8: Vec<u8>,
    obs_f32: Vec<f32>,
    rewards: Vec<f32>,
    terminated: Vec<bool>,
    truncated: Vec<bool>,
    infos: Vec<Info>,
    actions: Vec<usize>,
    finished: Vec<(usize, EpisodeStats)>,
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
        let backend = if threads == 1 {
            Backend::Inline(slots)
        } else {
            Backend::Threads(spawn_workers(slots, threads))
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
            obs_u8: vec![0; if u8_obs { num_envs * obs_len } else { 0 }],
            obs_f32: vec![0.0; if u8_obs { 0 } else { num_envs * obs_len }],
            rewards: vec![0.0; num_envs],
            terminated: vec![false; num_envs],
            truncated: vec![false; num_envs],
            infos: vec![Info::default(); num_envs],
            actions: vec![0; num_envs],
            finished: Vec::with_capacity(num_envs),
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

    /// Resets every env: env `i` gets `seed + i` (`seed` defaults to the constructor's seed on
    /// the first reset; later `None` resets continue each env's random stream).
    pub fn reset(&mut self, seed: Option<u64>) -> Result<(), EnvError> {
        let seed = seed.or((!self.started).then_some(self.seed));
        let out = self.raw_out();
        match &mut self.backend {
            Backend::Inline(slots) => {
                // SAFETY: the whole range, on this thread, while `self` is borrowed mutably.
                let (mut o, _) = unsafe { out.slices(&(0..slots.len())) };
                reset_chunk(slots, 0, seed, &mut o);
            }
            Backend::Threads(workers) => {
                for w in workers.iter() {
                    send(w, Command::Reset { seed, out });
                }
                collect(workers)?;
            }
        }
        self.started = true;
        self.finished.clear();
        Ok(())
    }

    /// Steps every env with its action (`actions.len()` must be `num_envs`). An env whose last
    /// step ended its episode is reset instead (its action is ignored). Read the results with the
    /// accessors.
    pub fn step(&mut self, actions: &[usize]) -> Result<(), EnvError> {
        if !self.started {
            return Err(EnvError::NotReset);
        }
        if actions.len() != self.num_envs {
            return Err(EnvError::InvalidConfig(format!(
                "step() got {} actions for {} envs; pass one action per env",
                actions.len(),
                self.num_envs
            )));
        }
        if let Some(&action) = actions.iter().find(|&&a| a >= self.num_actions) {
            return Err(EnvError::InvalidAction {
                action,
                n: self.num_actions,
            });
        }
        self.actions.copy_from_slice(actions);
        let out = self.raw_out();
        match &mut self.backend {
            Backend::Inline(slots) => {
                // SAFETY: the whole range, on this thread, while `self` is borrowed mutably.
                let (mut o, acts) = unsafe { out.slices(&(0..slots.len())) };
                step_chunk(slots, acts, &mut o)?;
            }
            Backend::Threads(workers) => {
                for w in workers.iter() {
                    send(w, Command::Step { out });
                }
                collect(workers)?;
            }
        }
        self.finished.clear();
        for (i, info) in self.infos.iter().enumerate() {
            if let Some(ep) = info.episode {
                self.finished.push((i, ep));
            }
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
                let w = workers
                    .iter()
                    .find(|w| w.range.contains(&index))
                    .expect("ranges cover every env");
                let taken = std::mem::replace(frame, Frame::new(0, 0));
                send(
                    w,
                    Command::Render {
                        index: index - w.range.start,
                        frame: taken,
                    },
                );
                match w.replies.recv() {
                    Ok(Reply::Rendered(f)) => *frame = f,
                    _ => panic!("vector env worker thread stopped (an env panicked)"),
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
                // Closing the channel ends the worker's loop.
                let (dead, _) = channel();
                w.commands = dead;
                if let Some(h) = w.handle.take() {
                    let _ = h.join();
                }
            }
        }
    }
}

fn send(w: &Worker, cmd: Command) {
    if w.commands.send(cmd).is_err() {
        panic!("vector env worker thread stopped (an env panicked)");
    }
}

fn collect(workers: &[Worker]) -> Result<(), EnvError> {
    let mut result = Ok(());
    for w in workers {
        match w.replies.recv() {
            Ok(Reply::Done(r)) => {
                if result.is_ok() {
                    result = r;
                }
            }
            _ => panic!("vector env worker thread stopped (an env panicked)"),
        }
    }
    result
}

fn spawn_workers(slots: Vec<Slot>, threads: usize) -> Vec<Worker> {
    let n = slots.len();
    let mut slots = slots.into_iter();
    (0..threads)
        .map(|t| {
            let range = (t * n / threads)..((t + 1) * n / threads);
            let mut mine: Vec<Slot> = slots.by_ref().take(range.len()).collect();
            let (commands, cmd_rx) = channel::<Command>();
            let (reply_tx, replies) = channel::<Reply>();
            let worker_range = range.clone();
            let handle = std::thread::Builder::new()
                .name(format!("vec-env-{t}"))
                .spawn(move || {
                    while let Ok(cmd) = cmd_rx.recv() {
                        let reply = match cmd {
                            Command::Reset { seed, out } => {
                                // SAFETY: this worker's disjoint range; the owner waits for the reply.
                                let (mut o, _) = unsafe { out.slices(&worker_range) };
                                reset_chunk(&mut mine, worker_range.start, seed, &mut o);
                                Reply::Done(Ok(()))
                            }
                            Command::Step { out } => {
                                // SAFETY: as above.
                                let (mut o, acts) = unsafe { out.slices(&worker_range) };
                                Reply::Done(step_chunk(&mut mine, acts, &mut o))
                            }
                            Command::Render { index, mut frame } => {
                                mine[index].env.render(&mut frame);
                                Reply::Rendered(frame)
                            }
                        };
                        if reply_tx.send(reply).is_err() {
                            break;
                        }
                    }
                })
                .expect("the OS could not start a vector env thread");
            Worker {
                range,
                commands,
                replies,
                handle: Some(handle),
            }
        })
        .collect()
}

fn write_obs(obs: Obs<'_>, i: usize, len: usize, out: &mut Out<'_>) {
    match obs {
        Obs::Pixels { data, .. } => out.obs_u8[i * len..(i + 1) * len].copy_from_slice(data),
        Obs::Vector(v) => out.obs_f32[i * len..(i + 1) * len].copy_from_slice(v),
    }
}

fn obs_len(out: &Out<'_>, n: usize) -> usize {
    (out.obs_u8.len() + out.obs_f32.len()) / n.max(1)
}

/// Resets a chunk whose first env has global index `first`.
fn reset_chunk(slots: &mut [Slot], first: usize, seed: Option<u64>, out: &mut Out<'_>) {
    let len = obs_len(out, slots.len());
    for (i, slot) in slots.iter_mut().enumerate() {
        let (obs, info) = slot.env.reset(seed.map(|s| s.wrapping_add((first + i) as u64)));
        write_obs(obs, i, len, out);
        out.rewards[i] = 0.0;
        out.terminated[i] = false;
        out.truncated[i] = false;
        out.infos[i] = info;
        slot.needs_reset = false;
    }
}

fn step_chunk(slots: &mut [Slot], actions: &[usize], out: &mut Out<'_>) -> Result<(), EnvError> {
    let len = obs_len(out, slots.len());
    for (i, slot) in slots.iter_mut().enumerate() {
        if slot.needs_reset {
            let (obs, info) = slot.env.reset(None);
            write_obs(obs, i, len, out);
            out.rewards[i] = 0.0;
            out.terminated[i] = false;
            out.truncated[i] = false;
            out.infos[i] = info;
            slot.needs_reset = false;
        } else {
            let step = slot.env.step(actions[i])?;
            write_obs(step.obs, i, len, out);
            out.rewards[i] = step.reward;
            out.terminated[i] = step.terminated;
            out.truncated[i] = step.truncated;
            out.infos[i] = step.info;
            slot.needs_reset = step.terminated || step.truncated;
        }
    }
    Ok(())
}
