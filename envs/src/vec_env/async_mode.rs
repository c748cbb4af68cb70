//! The async mode of [`VecEnv`], like EnvPool's: [`VecEnv::send`] hands actions to the worker
//! threads and returns at once; [`VecEnv::recv`] returns the first envs to finish.
//!
//! The first `send` of a one-thread vector env moves its envs onto one worker thread, so that
//! the caller can work while they step. While envs are in flight, read results only through
//! [`VecEnv::env_obs_u8`], [`VecEnv::env_obs_f32`] and [`VecEnv::env_result`] for the ids that
//! `recv` returned: the workers may be writing the other envs' rows.

use std::sync::atomic::Ordering;
use std::time::Duration;

use super::workers::{lock, send, spawn_workers, Command};
use super::{Backend, VecEnv};
use crate::env::{EnvError, Info};

impl VecEnv {
    /// Starts stepping the envs `env_ids` (every env when `None`) with `actions` (one per id) and
    /// returns at once. An env that is still in flight cannot be sent again before `recv` returns
    /// it. Next-step autoreset applies as in [`VecEnv::step`].
    pub fn send(&mut self, actions: &[usize], env_ids: Option<&[usize]>) -> Result<(), EnvError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        if !self.started {
            return Err(EnvError::NotReset);
        }
        let count = env_ids.map_or(self.num_envs, <[usize]>::len);
        let id_at = |k: usize| env_ids.map_or(k, |ids| ids[k]);
        self.check_actions(actions, count)?;
        for k in 0..count {
            let i = id_at(k);
            let bad = if i >= self.num_envs {
                Some(format!("env id {i} is out of range 0..{}", self.num_envs))
            } else if self.in_flight[i] {
                Some(format!(
                    "env {i} is still stepping (or was listed twice); recv() it first"
                ))
            } else {
                None
            };
            if let Some(msg) = bad {
                for j in 0..k {
                    self.in_flight[id_at(j)] = false;
                }
                return Err(EnvError::InvalidConfig(msg));
            }
            self.in_flight[i] = true;
        }
        self.ensure_threads();
        let actions_ptr = self.actions.as_mut_ptr();
        for (k, &a) in actions.iter().enumerate() {
            let i = id_at(k);
            // SAFETY: `i < num_envs`, and env `i` is not in flight, so no worker reads it now.
            unsafe { actions_ptr.add(i).write(a) };
            self.shared.pending[i].store(true, Ordering::Release);
        }
        self.in_flight_count += count;
        let out = self.raw_out();
        let Backend::Threads(workers) = &self.backend else {
            unreachable!("ensure_threads() made workers")
        };
        let result = workers.iter().try_for_each(|w| send(w, Command::StepPending { out }));
        self.check(result)
    }

    /// Waits for `batch` of the envs in flight (all of them if fewer) to finish, at most
    /// `timeout` (forever when `None`), and returns their ids in the order they finished, or
    /// `None` on a timeout (nothing is lost: call `recv` again). Read their results with
    /// [`VecEnv::env_obs_u8`] / [`VecEnv::env_obs_f32`] / [`VecEnv::env_result`];
    /// [`VecEnv::finished_episodes`] lists the episodes among them that ended.
    pub fn recv(&mut self, batch: usize, timeout: Option<Duration>) -> Result<Option<&[usize]>, EnvError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        if self.in_flight_count == 0 {
            return Err(EnvError::InvalidConfig(
                "recv() with no env in flight; send() actions first".into(),
            ));
        }
        let batch = batch.clamp(1, self.in_flight_count);
        let mut done = self.shared.wait(batch, timeout);
        if let Some(e) = done.failure.clone() {
            drop(done);
            return self.check(Err(e)).map(|()| None);
        }
        if done.ids.len() < batch {
            return Ok(None);
        }
        self.received.clear();
        self.received.extend(done.ids.drain(..batch));
        drop(done);
        self.in_flight_count -= batch;
        self.finished.clear();
        for &i in &self.received {
            self.in_flight[i] = false;
            if let Some(ep) = self.env_result(i).3.episode {
                self.finished.push((i, ep));
            }
        }
        Ok(Some(&self.received))
    }

    /// The env ids that the last [`VecEnv::recv`] returned, in the order they finished.
    pub fn received(&self) -> &[usize] {
        &self.received
    }

    /// Envs sent and not yet received.
    pub fn in_flight(&self) -> usize {
        self.in_flight_count
    }

    /// Env `i`'s observation row (pixel envs), also while other envs are in flight.
    /// `None` for vector envs, an id out of range, or an env in flight.
    pub fn env_obs_u8(&self, i: usize) -> Option<&[u8]> {
        (self.u8_obs && i < self.num_envs && !self.in_flight[i]).then(|| {
            // SAFETY: row `i` is in bounds, and no worker writes it while it is not in flight.
            unsafe { std::slice::from_raw_parts(self.obs_u8.as_ptr().add(i * self.obs_len), self.obs_len) }
        })
    }

    /// Env `i`'s observation row (vector envs); see [`VecEnv::env_obs_u8`].
    pub fn env_obs_f32(&self, i: usize) -> Option<&[f32]> {
        (!self.u8_obs && i < self.num_envs && !self.in_flight[i]).then(|| {
            // SAFETY: as in `env_obs_u8`.
            unsafe { std::slice::from_raw_parts(self.obs_f32.as_ptr().add(i * self.obs_len), self.obs_len) }
        })
    }

    /// Env `i`'s `(reward, terminated, truncated, info)` of its last step, also while other
    /// envs are in flight. Panics if `i` is out of range or in flight.
    pub fn env_result(&self, i: usize) -> (f32, bool, bool, Info) {
        assert!(
            i < self.num_envs && !self.in_flight[i],
            "env {i} is out of range or in flight"
        );
        // SAFETY: element `i` is in bounds, and no worker writes it while it is not in flight.
        unsafe {
            (
                self.rewards.as_ptr().add(i).read(),
                self.terminated.as_ptr().add(i).read(),
                self.truncated.as_ptr().add(i).read(),
                self.infos.as_ptr().add(i).read(),
            )
        }
    }

    /// Waits for every env in flight and drops their results.
    pub(super) fn drain(&mut self) -> Result<(), EnvError> {
        if self.in_flight_count > 0 {
            let mut done = self.shared.wait(self.in_flight_count, None);
            let failure = done.failure.clone();
            done.ids.clear();
            drop(done);
            self.in_flight_count = 0;
            self.in_flight.iter_mut().for_each(|f| *f = false);
            if let Some(e) = failure {
                return self.check(Err(e));
            }
        }
        lock(&self.shared.done).ids.clear();
        Ok(())
    }

    /// Moves the envs of a one-thread vector env onto a worker thread.
    fn ensure_threads(&mut self) {
        if let Backend::Inline(_) = self.backend {
            if let Backend::Inline(slots) = std::mem::replace(&mut self.backend, Backend::Threads(Vec::new())) {
                self.backend = Backend::Threads(spawn_workers(slots, 1, &self.shared));
            }
        }
    }
}
