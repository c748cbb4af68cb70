//! [`ReplayBuffer`]: DQN's experience replay, storing each observation frame once.
//!
//! An env step yields one new frame, yet a DQN transition `(s, a, r, s')` holds `2k` frames when
//! `s` is a stack of the last `k`. Storing transitions outright costs `2k` frames each (SB3:
//! 56 KB at 4×84×84). Here every stream keeps a ring of frames in time order, with the action,
//! reward and end flags of the step that leaves each frame, and builds stacks by index when it
//! samples: 84×84 + 10 bytes per transition, plus 24 for prioritized sampling.
//!
//! Rules the sampler keeps:
//! - A stack never crosses an episode start: frames before the first frame of the episode are
//!   the first frame repeated, which is what the acting side holds right after a reset.
//! - n-step targets: `returns = Σ_{i<m} γ^i r_{t+i}` over the `m ≤ n` steps up to the end of the
//!   episode, `discounts = γ^m`, or 0 when the episode *terminated* within those steps. A
//!   *truncated* episode bootstraps from its last frame, so its discount stays `γ^m`.
//! - A transition is sampleable ("valid") once its n-step window is complete (n more steps, or the
//!   episode ended), and stops being so when a frame of its stack is overwritten.
//! - Prioritized replay (Schaul et al. 2016): new transitions get the largest priority seen so far;
//!   `P(i) = p_i / Σp` with `p_i = (|δ_i| + ε)^α`, and the importance weight is
//!   `(N·P(i))^-β / max_j (N·P(j))^-β = (p_i / p_min)^-β`.
//!
//! With several streams (one per env of a vector env), the capacity is split evenly and each
//! stream is a ring of its own, so interleaved envs never mix their frames.
//!
//! ```
//! use agents::replay::{Batch, ReplayBuffer, ReplayConfig};
//! use rand::SeedableRng;
//!
//! let cfg = ReplayConfig { capacity: 100, frame_len: 2, frame_stack: 2, ..ReplayConfig::default() };
//! let mut buffer = ReplayBuffer::<u8>::new(cfg).unwrap();
//! buffer.start_episode(0, &[0, 0]).unwrap();
//! buffer.push(0, 1, 1.0, &[1, 1], false, false).unwrap();
//! buffer.push(0, 0, 1.0, &[2, 2], true, false).unwrap();
//! assert_eq!(buffer.len(), 2);
//!
//! let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(0);
//! let mut batch = Batch::default();
//! buffer.sample(4, 1.0, &mut rng, &mut batch).unwrap();
//! assert_eq!(batch.obs.len(), 4 * 2 * 2); // [B, k, frame_len]
//! ```

mod bench;
mod config;
mod sample;
#[cfg(test)]
mod tests;

pub use bench::{bench_replay, ReplayBenchReport};
pub use config::{ReplayConfig, ReplayError};
pub use sample::Batch;

use crate::sum_tree::SumTree;

/// Per-slot flag bits.
const HAS_NEXT: u8 = 1; // the step leaving this frame was pushed
const TERMINATED: u8 = 2;
const TRUNCATED: u8 = 4;
const VALID: u8 = 8; // this frame starts a sampleable transition

/// Where one stream stands.
#[derive(Debug, Clone, Copy, Default)]
struct StreamState {
    /// Frames ever written to this stream; frame `t` (absolute) lives in slot `t % capacity`.
    written: u64,
    /// An episode is open: `push` may follow.
    open: bool,
}

/// Replay buffer over frames of element type `T` (`u8` pixels, `f32` vector observations).
#[derive(Debug, Clone)]
pub struct ReplayBuffer<T> {
    cfg: ReplayConfig,
    /// Slots per stream.
    stream_capacity: usize,
    /// `num_streams × stream_capacity × frame_len`, slot-major.
    frames: Vec<T>,
    /// Action of the step leaving each frame.
    actions: Vec<u32>,
    /// Reward of the step leaving each frame.
    rewards: Vec<f32>,
    /// [`HAS_NEXT`] | [`TERMINATED`] | [`TRUNCATED`] | [`VALID`].
    flags: Vec<u8>,
    /// Frames since the episode's first frame, saturating at 255 (stacks need only `k - 1`).
    ep_pos: Vec<u8>,
    streams: Vec<StreamState>,
    /// Priorities `p^α` of valid transitions (0 for the rest), when prioritized.
    tree: Option<SumTree>,
    max_priority: f32,
    valid_count: usize,
}

impl<T: Copy + Default> ReplayBuffer<T> {
    /// Allocates the buffer (all of it, up front, so a too-large buffer fails at start rather than
    /// hours into a run).
    pub fn new(cfg: ReplayConfig) -> Result<Self, ReplayError> {
        let bad = |msg: String| Err(ReplayError::Config(msg));
        if cfg.num_streams == 0 {
            return bad("num_streams must be at least 1".into());
        }
        if cfg.frame_len == 0 {
            return bad("frame_len must be at least 1".into());
        }
        if !(1..=255).contains(&cfg.frame_stack) {
            return bad(format!("frame_stack = {} must be in 1..=255", cfg.frame_stack));
        }
        if cfg.n_step == 0 {
            return bad("n_step must be at least 1".into());
        }
        if !(0.0..=1.0).contains(&cfg.gamma) {
            return bad(format!("gamma = {} must be in [0, 1]", cfg.gamma));
        }
        if cfg.prioritized && !(cfg.alpha >= 0.0 && cfg.alpha.is_finite()) {
            return bad(format!("alpha = {} must be a finite number ≥ 0", cfg.alpha));
        }
        if cfg.prioritized && !(cfg.eps > 0.0 && cfg.eps.is_finite()) {
            return bad(format!("eps = {} must be a finite number > 0", cfg.eps));
        }
        let stream_capacity = cfg.capacity / cfg.num_streams;
        let needed = cfg.frame_stack + cfg.n_step;
        if stream_capacity < needed {
            return bad(format!(
                "capacity {} over {} streams leaves {} slots per stream; need at least frame_stack + n_step = {}",
                cfg.capacity, cfg.num_streams, stream_capacity, needed
            ));
        }
        let slots = stream_capacity * cfg.num_streams;
        let frame_elems = slots
            .checked_mul(cfg.frame_len)
            .ok_or_else(|| ReplayError::Config(format!("{slots} slots × {} elements overflows", cfg.frame_len)))?;
        let mut frames = Vec::new();
        frames
            .try_reserve_exact(frame_elems)
            .map_err(|e| ReplayError::Allocation {
                bytes: frame_elems.saturating_mul(std::mem::size_of::<T>()),
                reason: e.to_string(),
            })?;
        frames.resize(frame_elems, T::default());
        Ok(ReplayBuffer {
            stream_capacity,
            frames,
            actions: vec![0; slots],
            rewards: vec![0.0; slots],
            flags: vec![0; slots],
            ep_pos: vec![0; slots],
            streams: vec![StreamState::default(); cfg.num_streams],
            tree: cfg.prioritized.then(|| SumTree::new(slots)),
            max_priority: 1.0,
            valid_count: 0,
            cfg,
        })
    }

    /// The configuration this buffer was built with.
    pub fn config(&self) -> &ReplayConfig {
        &self.cfg
    }

    /// Frame slots over all streams (`capacity` rounded down to a multiple of `num_streams`).
    pub fn capacity(&self) -> usize {
        self.stream_capacity * self.cfg.num_streams
    }

    /// Number of transitions that can be sampled now.
    pub fn len(&self) -> usize {
        self.valid_count
    }

    /// True when nothing can be sampled yet.
    pub fn is_empty(&self) -> bool {
        self.valid_count == 0
    }

    /// Heap bytes held by the buffer (frames, per-slot data and the priority tree).
    pub fn bytes_allocated(&self) -> usize {
        self.frames.capacity() * std::mem::size_of::<T>()
            + self.actions.capacity() * 4
            + self.rewards.capacity() * 4
            + self.flags.capacity()
            + self.ep_pos.capacity()
            + self.streams.capacity() * std::mem::size_of::<StreamState>()
            + self.tree.as_ref().map_or(0, SumTree::bytes_allocated)
    }

    /// Begins a new episode on `stream` with its first observation frame.
    ///
    /// Calling it while an episode is open abandons that episode: its last steps, whose n-step
    /// window can no longer complete, are never sampled.
    pub fn start_episode(&mut self, stream: usize, first_frame: &[T]) -> Result<(), ReplayError> {
        self.check_stream(stream)?;
        self.check_frame(first_frame)?;
        self.write_frame(stream, first_frame, 0);
        self.streams[stream].open = true;
        Ok(())
    }

    /// Records one step on `stream`: `action` taken in the latest frame gave `reward` and
    /// `next_frame`. After `terminated || truncated` the next call for this stream must be
    /// [`start_episode`](Self::start_episode).
    pub fn push(
        &mut self,
        stream: usize,
        action: usize,
        reward: f32,
        next_frame: &[T],
        terminated: bool,
        truncated: bool,
    ) -> Result<(), ReplayError> {
        self.check_stream(stream)?;
        self.check_frame(next_frame)?;
        if !self.streams[stream].open {
            return Err(ReplayError::NoEpisode(stream));
        }
        let action = u32::try_from(action).map_err(|_| ReplayError::Action(action))?;
        let current = self.streams[stream].written - 1;
        let slot = self.slot(stream, current);
        self.actions[slot] = action;
        self.rewards[slot] = reward;
        let mut flags = HAS_NEXT;
        if terminated {
            flags |= TERMINATED;
        }
        if truncated {
            flags |= TRUNCATED;
        }
        self.flags[slot] |= flags;
        let next_pos = self.ep_pos[slot].saturating_add(1);
        self.write_frame(stream, next_frame, next_pos);
        self.streams[stream].open = !(terminated || truncated);
        // This step completes the n-step window of the transition n - 1 steps back, and of every
        // later one in the episode when the episode just ended.
        let oldest = self.oldest(stream);
        let first = (current + 1).saturating_sub(self.cfg.n_step as u64).max(oldest);
        for t in first..=current {
            let slot = self.slot(stream, t);
            if self.flags[slot] & VALID == 0 && self.is_valid(stream, t) {
                self.flags[slot] |= VALID;
                self.valid_count += 1;
                let p = self.max_priority;
                if let Some(tree) = &mut self.tree {
                    tree.set(slot, p);
                }
            }
        }
        Ok(())
    }

    /// Sets the priorities of sampled transitions from their TD errors: `p = (|δ| + ε)^α`.
    ///
    /// `indices` are [`Batch::indices`]. Transitions overwritten since they were sampled are
    /// skipped. A no-op for a uniform buffer, so the learner's code is the same for both.
    pub fn update_priorities(&mut self, indices: &[usize], td_errors: &[f32]) -> Result<(), ReplayError> {
        let Some(tree) = &mut self.tree else { return Ok(()) };
        if indices.len() != td_errors.len() {
            return Err(ReplayError::Priority(format!(
                "{} indices but {} TD errors",
                indices.len(),
                td_errors.len()
            )));
        }
        let (alpha, eps) = (self.cfg.alpha, self.cfg.eps);
        let priority = |td: f32| (td.abs() + eps).powf(alpha);
        for (&index, &td) in indices.iter().zip(td_errors) {
            if index >= tree.len() {
                return Err(ReplayError::Priority(format!(
                    "index {index} out of range 0..{}",
                    tree.len()
                )));
            }
            let p = priority(td);
            if !(p.is_finite() && p > 0.0) {
                return Err(ReplayError::Priority(format!(
                    "TD error {td} at index {index} gives priority {p}"
                )));
            }
        }
        for (&index, &td) in indices.iter().zip(td_errors) {
            if self.flags[index] & VALID != 0 {
                let p = priority(td);
                tree.set(index, p);
                self.max_priority = self.max_priority.max(p);
            }
        }
        Ok(())
    }

    fn check_stream(&self, stream: usize) -> Result<(), ReplayError> {
        if stream < self.cfg.num_streams {
            Ok(())
        } else {
            Err(ReplayError::Stream {
                stream,
                num_streams: self.cfg.num_streams,
            })
        }
    }

    fn check_frame(&self, frame: &[T]) -> Result<(), ReplayError> {
        if frame.len() == self.cfg.frame_len {
            Ok(())
        } else {
            Err(ReplayError::FrameLength {
                got: frame.len(),
                expected: self.cfg.frame_len,
            })
        }
    }

    /// Global slot of absolute frame `t` of `stream` (also its priority-tree leaf).
    fn slot(&self, stream: usize, t: u64) -> usize {
        stream * self.stream_capacity + (t % self.stream_capacity as u64) as usize
    }

    /// The oldest absolute frame still stored in `stream`.
    fn oldest(&self, stream: usize) -> u64 {
        self.streams[stream].written.saturating_sub(self.stream_capacity as u64)
    }

    /// Whether absolute frame `t` of `stream` starts a sampleable transition, from the stored
    /// data alone: `t` and its stack are still stored, and its n-step window is complete.
    fn is_valid(&self, stream: usize, t: u64) -> bool {
        let written = self.streams[stream].written;
        let oldest = self.oldest(stream);
        if t >= written || t < oldest {
            return false;
        }
        let back = (self.cfg.frame_stack as u64 - 1).min(self.ep_pos[self.slot(stream, t)] as u64);
        if t - back < oldest {
            return false;
        }
        for step in t..t + self.cfg.n_step as u64 {
            let flags = self.flags[self.slot(stream, step)];
            if flags & HAS_NEXT == 0 {
                return false;
            }
            if flags & (TERMINATED | TRUNCATED) != 0 {
                return true;
            }
        }
        true
    }

    /// Clears the valid mark (and priority) of `slot`.
    fn invalidate(&mut self, slot: usize) {
        if self.flags[slot] & VALID != 0 {
            self.flags[slot] &= !VALID;
            self.valid_count -= 1;
            if let Some(tree) = &mut self.tree {
                tree.set(slot, 0.0);
            }
        }
    }

    /// Appends a frame to `stream`, overwriting its oldest one when the ring is full.
    fn write_frame(&mut self, stream: usize, frame: &[T], ep_pos: u8) {
        let t = self.streams[stream].written;
        let slot = self.slot(stream, t);
        let full = t >= self.stream_capacity as u64;
        self.invalidate(slot);
        let len = self.cfg.frame_len;
        self.frames[slot * len..(slot + 1) * len].copy_from_slice(frame);
        self.flags[slot] = 0;
        self.ep_pos[slot] = ep_pos;
        self.actions[slot] = 0;
        self.rewards[slot] = 0.0;
        self.streams[stream].written = t + 1;
        if full {
            // The frame just dropped may have been the bottom of the next k - 1 stacks.
            let dropped = t - self.stream_capacity as u64;
            let end = (dropped + self.cfg.frame_stack as u64).min(t);
            for later in dropped + 1..end {
                let later_slot = self.slot(stream, later);
                if self.flags[later_slot] & VALID != 0 && !self.is_valid(stream, later) {
                    self.invalidate(later_slot);
                }
            }
        }
    }
}
