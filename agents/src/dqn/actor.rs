//! The actor thread: steps the envs with ε-greedy actions from its own copy of the online
//! network, stores frames in the replay buffer, samples batches, computes the target network's
//! values for them, and hands them to the learner.
//!
//! Pipelining without losing determinism: the actor acts at step `s` with the weights of exactly
//! update `max(0, u(s) − D)`, where `u(s)` is the number of batches it has sent and `D` is
//! `run.pipeline_depth`; it blocks when the learner is further behind. Double DQN's a* for batch
//! `u` is picked with the weights of update `max(0, u − D)` too. Target refreshes,
//! checkpoints and evaluations are sync points where the actor waits for every sent batch to be
//! learned, so the target network is refreshed from exactly the weights a sequential DQN would
//! copy. With `D = 0` the schedule is CleanRL's, step for step.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Arc, Mutex};

use envs::{EnvConfig, VecEnv};
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64Mcg;
use tch::{Device, Tensor};

use super::config::TrainConfig;
use super::eval::evaluate;
use super::learner::{NetCopy, TensorBatch};
use super::protocol::{ActorCounters, ActorState, Progress, ToLearner, WeightsVersion};
use super::stack::{FrameStack, ObsElement};
use super::DqnError;
use crate::replay::{Batch, ReplayBuffer};
use crate::schedule::LinearSchedule;

/// Everything the actor needs to start.
pub struct ActorSetup {
    /// The resolved configuration.
    pub cfg: TrainConfig,
    /// Network input shape `[k, H, W]` or `[k·D]`.
    pub obs_shape: Vec<i64>,
    /// Actions.
    pub n_actions: i64,
    /// Device of the networks.
    pub device: Device,
    /// The online weights the actor starts acting with.
    pub initial_weights: Vec<Tensor>,
    /// Resumed state, if any (its target network and counters).
    pub resume: Option<ActorState>,
    /// Set to stop early (Ctrl-C).
    pub stop: Arc<AtomicBool>,
    /// Shared with the CLI's progress display.
    pub progress: Arc<Mutex<Progress>>,
}

/// Runs the actor until the step budget or a stop; errors are sent as [`ToLearner::Failed`].
pub fn run_actor<T: ObsElement>(setup: ActorSetup, tx: Sender<ToLearner>, rx: Receiver<WeightsVersion>) {
    let result = Actor::<T>::new(setup, &tx, rx).and_then(|mut a| a.run());
    if let Err(e) = result {
        let _ = tx.send(ToLearner::Failed(e));
    }
}

struct Actor<'a, T: ObsElement> {
    cfg: TrainConfig,
    device: Device,
    envs: VecEnv,
    stacks: Vec<FrameStack<T>>,
    was_done: Vec<bool>,
    actions: Vec<usize>,
    input: Vec<T>,
    obs_shape: Vec<i64>,
    n_actions: usize,
    acting: NetCopy,
    target: NetCopy,
    replay: ReplayBuffer<T>,
    batch: Batch<T>,
    counters: ActorCounters,
    version: u64,
    received: u64,
    latest: Option<Vec<Tensor>>,
    learning_start_step: u64,
    eps: LinearSchedule,
    beta: LinearSchedule,
    tx: &'a Sender<ToLearner>,
    rx: Receiver<WeightsVersion>,
    stop: Arc<AtomicBool>,
    progress: Arc<Mutex<Progress>>,
}

/// Whether `[prev, now)` crossed a multiple of `every` (0 = never).
fn crossed(prev: u64, now: u64, every: u64) -> u64 {
    match (now.checked_div(every), prev.checked_div(every)) {
        (Some(a), Some(b)) => a - b,
        _ => 0,
    }
}

impl<'a, T: ObsElement> Actor<'a, T> {
    fn new(setup: ActorSetup, tx: &'a Sender<ToLearner>, rx: Receiver<WeightsVersion>) -> Result<Self, DqnError> {
        let cfg = setup.cfg;
        let d = &cfg.dqn;
        let n = d.num_envs;
        // Gym envs step in worker processes: a thread each lets them run in parallel.
        let threads = if envs::gym::is_gym_id(&cfg.env_id) { n } else { 1 };
        let mut envs = VecEnv::with_threads(&cfg.env_id, &cfg.training_env_config(), n, threads, cfg.run.seed)?;
        envs.reset(Some(cfg.run.seed))?;
        let frame_len = envs.obs_len();
        let k = d.frame_stack;
        let mut acting = NetCopy::new(&cfg.net, &setup.obs_shape, setup.n_actions, setup.device)?;
        acting.load_snapshot(&setup.initial_weights)?;
        let mut target = NetCopy::new(&cfg.net, &setup.obs_shape, setup.n_actions, setup.device)?;
        let (counters, learning_start_step) = match setup.resume {
            Some(state) => {
                target.load_snapshot(&state.target)?;
                // The replay buffer is not saved: refill it before learning resumes.
                let start = state.counters.step + d.learning_starts;
                (state.counters, start)
            }
            None => {
                target.load_snapshot(&setup.initial_weights)?;
                let counters = ActorCounters {
                    step: 0,
                    updates: 0,
                    episodes: 0,
                    recent_returns: Vec::new(),
                    rng: Pcg64Mcg::seed_from_u64(cfg.run.seed ^ 0x5eed_ac70),
                };
                (counters, d.learning_starts)
            }
        };
        let replay = ReplayBuffer::new(d.replay_config(frame_len, n))?;
        let obs = T::frames(&envs)?;
        let mut stacks = Vec::with_capacity(n);
        let mut replay = replay;
        for i in 0..n {
            let first = &obs[i * frame_len..(i + 1) * frame_len];
            let mut s = FrameStack::new(k, frame_len);
            s.reset(first);
            replay.start_episode(i, first)?;
            stacks.push(s);
        }
        let total = d.total_steps;
        let eps = LinearSchedule {
            start: d.eps_start,
            end: d.eps_end,
            duration: (d.eps_fraction * total as f64) as u64,
        };
        let beta = LinearSchedule {
            start: d.per_beta0 as f64,
            end: 1.0,
            duration: total,
        };
        let version = counters.updates;
        Ok(Actor {
            device: setup.device,
            envs,
            stacks,
            was_done: vec![false; n],
            actions: vec![0; n],
            input: vec![T::default(); n * k * frame_len],
            obs_shape: setup.obs_shape,
            n_actions: setup.n_actions as usize,
            acting,
            target,
            replay,
            batch: Batch::default(),
            counters,
            version,
            received: version,
            latest: None,
            learning_start_step,
            eps,
            beta,
            tx,
            rx,
            stop: setup.stop,
            progress: setup.progress,
            cfg,
        })
    }

    fn send(&self, msg: ToLearner) -> Result<(), DqnError> {
        self.tx.send(msg).map_err(|_| DqnError::Stopped)
    }

    /// Processes learner messages until version `v` has arrived (applying PER priorities on the
    /// way), and acts with exactly that version's weights from then on.
    fn advance_to(&mut self, v: u64) -> Result<(), DqnError> {
        while self.received < v {
            let msg = self.rx.recv().map_err(|_| DqnError::Stopped)?;
            if let Some((idx, td)) = &msg.priorities {
                self.replay.update_priorities(idx, td)?;
            }
            self.received = msg.version;
            self.latest = Some(msg.weights);
        }
        if self.version < v {
            let w = self
                .latest
                .as_ref()
                .ok_or_else(|| DqnError::Internal("no weights received".into()))?;
            self.acting.load_snapshot(w)?;
            self.version = v;
        }
        Ok(())
    }

    /// Waits until every batch sent has been learned.
    fn sync(&mut self) -> Result<(), DqnError> {
        self.advance_to(self.counters.updates)
    }

    fn choose_actions(&mut self, epsilon: f64) -> Result<(), DqnError> {
        let n = self.actions.len();
        let mut greedy = Vec::new();
        for i in 0..n {
            if self.counters.rng.random::<f64>() < epsilon {
                self.actions[i] = self.counters.rng.random_range(0..self.n_actions);
            } else {
                greedy.push(i);
            }
        }
        if greedy.is_empty() {
            return Ok(());
        }
        let stack_len = self.stacks[0].as_slice().len();
        for (row, &i) in greedy.iter().enumerate() {
            self.input[row * stack_len..(row + 1) * stack_len].copy_from_slice(self.stacks[i].as_slice());
        }
        let mut shape = vec![greedy.len() as i64];
        shape.extend_from_slice(&self.obs_shape);
        let x = Tensor::f_from_slice(&self.input[..greedy.len() * stack_len])?.f_view(shape.as_slice())?;
        let best = tch::no_grad(|| -> Result<Vec<i64>, DqnError> {
            let q = self.acting.net.forward(&x, false)?;
            Ok(Vec::<i64>::try_from(&q.f_argmax(1, false)?.f_to_device(Device::Cpu)?)?)
        })?;
        for (row, &i) in greedy.iter().enumerate() {
            self.actions[i] = best[row] as usize;
        }
        Ok(())
    }

    fn step_envs(&mut self) -> Result<(), DqnError> {
        self.envs.step(&self.actions)?;
        let frame_len = self.envs.obs_len();
        let obs = T::frames(&self.envs)?;
        let (rewards, term, trunc) = (self.envs.rewards(), self.envs.terminated(), self.envs.truncated());
        for i in 0..self.actions.len() {
            let frame = &obs[i * frame_len..(i + 1) * frame_len];
            if self.was_done[i] {
                // Next-step autoreset: this step reset env i and returned its first frame.
                self.replay.start_episode(i, frame)?;
                self.stacks[i].reset(frame);
                self.was_done[i] = false;
            } else {
                self.replay
                    .push(i, self.actions[i], rewards[i], frame, term[i], trunc[i])?;
                self.stacks[i].push(frame);
                self.was_done[i] = term[i] || trunc[i];
            }
        }
        let step = self.counters.step + self.actions.len() as u64;
        for (_, ep) in self.envs.finished_episodes() {
            self.counters.episodes += 1;
            if self.counters.recent_returns.len() == 100 {
                self.counters.recent_returns.remove(0);
            }
            self.counters.recent_returns.push(ep.episode_return);
            self.tx
                .send(ToLearner::Episode {
                    step,
                    episode_return: ep.episode_return,
                    length: ep.length,
                })
                .map_err(|_| DqnError::Stopped)?;
        }
        self.counters.step = step;
        Ok(())
    }

    /// Samples one batch, values its next states with the target network (and picks Double DQN's
    /// a* there with the online copy, of update `u − D` for the batch `u`), and sends it.
    fn send_batch(&mut self) -> Result<(), DqnError> {
        let need = self.counters.updates.saturating_sub(self.cfg.run.pipeline_depth as u64);
        self.advance_to(need)?;
        let d = &self.cfg.dqn;
        let beta = self.beta.value(self.counters.step) as f32;
        self.replay
            .sample(d.batch_size, beta, &mut self.counters.rng, &mut self.batch)?;
        let tb = TensorBatch::from_replay(
            &self.batch,
            &self.obs_shape,
            self.device,
            &self.acting,
            &self.target,
            d,
            self.cfg.run.precision,
        )?;
        let indices = if d.prioritized {
            self.batch.indices.clone()
        } else {
            Vec::new()
        };
        self.send(ToLearner::Batch {
            index: self.counters.updates,
            step: self.counters.step,
            batch: Box::new(tb),
            indices,
        })?;
        self.counters.updates += 1;
        Ok(())
    }

    fn state(&self) -> ActorState {
        ActorState {
            counters: self.counters.clone(),
            target: self.target.snapshot(),
        }
    }

    fn publish_progress(&self, epsilon: f64) {
        if let Ok(mut p) = self.progress.lock() {
            p.step = self.counters.step;
            p.total_steps = self.cfg.dqn.total_steps;
            p.episodes = self.counters.episodes;
            let r = &self.counters.recent_returns;
            p.mean_return_100 = (!r.is_empty()).then(|| r.iter().sum::<f64>() / r.len() as f64);
            p.epsilon = epsilon;
            p.updates = self.counters.updates;
            p.learning = self.counters.step > self.learning_start_step;
        }
    }

    fn eval_now(&mut self, episodes: u32) -> Result<(), DqnError> {
        self.sync()?;
        let seed = self
            .cfg
            .run
            .seed
            .wrapping_add(1_000_003)
            .wrapping_add(self.counters.step);
        let env_cfg: EnvConfig = self.cfg.training_env_config();
        let (result, video) = evaluate::<T>(
            &self.acting.net,
            &self.cfg.env_id,
            &env_cfg,
            self.cfg.dqn.frame_stack,
            episodes,
            self.cfg.run.eval_epsilon,
            seed,
            self.cfg.run.eval_video_max_bytes,
        )?;
        self.send(ToLearner::Eval {
            step: self.counters.step,
            result,
            video,
        })
    }

    fn run(&mut self) -> Result<(), DqnError> {
        let d = self.cfg.dqn.clone();
        let r = self.cfg.run.clone();
        let mut stopped = false;
        while self.counters.step < d.total_steps {
            if self.stop.load(Ordering::Relaxed) {
                stopped = true;
                break;
            }
            let need = self.counters.updates.saturating_sub(r.pipeline_depth as u64);
            self.advance_to(need)?;
            let epsilon = self.eps.value(self.counters.step);
            self.choose_actions(epsilon)?;
            let prev = self.counters.step;
            self.step_envs()?;
            let now = self.counters.step;
            if now > self.learning_start_step {
                let from = prev.max(self.learning_start_step);
                let n_updates = crossed(from, now, d.train_freq) * d.gradient_steps as u64;
                for _ in 0..n_updates {
                    self.send_batch()?;
                }
                if crossed(from, now, d.target_update_freq) > 0 {
                    self.sync()?;
                    let w = self.latest.take().unwrap_or_else(|| self.acting.snapshot());
                    self.target.blend_snapshot(&w, d.tau)?;
                    self.latest = Some(w);
                }
            }
            if crossed(prev, now, r.log_every) > 0 {
                self.send(ToLearner::Scalars { step: now, epsilon })?;
            }
            if crossed(prev, now, r.eval_every) > 0 && now < d.total_steps {
                self.eval_now(r.eval_episodes)?;
            }
            if crossed(prev, now, r.checkpoint_every) > 0 && now < d.total_steps {
                self.sync()?;
                self.send(ToLearner::Checkpoint(Box::new(self.state())))?;
            }
            if now % 64 < self.actions.len() as u64 || now >= d.total_steps {
                self.publish_progress(epsilon);
            }
        }
        self.sync()?;
        if !stopped && r.eval_episodes > 0 {
            self.eval_now(r.eval_episodes)?;
        }
        self.publish_progress(self.eps.value(self.counters.step));
        self.send(ToLearner::Done {
            state: Box::new(self.state()),
            stopped,
        })
    }
}
