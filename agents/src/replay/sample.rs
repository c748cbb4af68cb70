//! Sampling: picks transitions (uniformly or by priority) and builds their frame stacks and
//! n-step targets into a reusable [`Batch`], with no allocation once the batch has its size.

use super::{ReplayBuffer, ReplayError, TERMINATED, VALID};
use rand::{Rng, RngExt};

/// Uniform draws per sample before giving up: the buffer would have to be almost all invalid
/// slots (e.g. asked to sample right after the first frames), which is a caller error.
const MAX_DRAWS_PER_SAMPLE: usize = 100_000;

/// A sampled minibatch. Reuse one across calls: `sample` resizes it only when `B` changes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Batch<T> {
    /// Observation stacks `[B, k, frame_len]`, oldest frame first.
    pub obs: Vec<T>,
    /// Stacks after the n-step window, `[B, k, frame_len]` (the bootstrap state).
    pub next_obs: Vec<T>,
    /// Actions `[B]`.
    pub actions: Vec<i64>,
    /// n-step discounted reward sums `Σ_{i<m} γ^i r_{t+i}`, `[B]`.
    pub returns: Vec<f32>,
    /// `γ^m` for the `m` steps taken, or 0 when the episode terminated within them, `[B]`.
    pub discounts: Vec<f32>,
    /// Importance-sampling weights, max-normalised (all 1 for uniform sampling), `[B]`.
    pub weights: Vec<f32>,
    /// Buffer indices of the transitions, for `update_priorities`, `[B]`.
    pub indices: Vec<usize>,
}

impl<T> Batch<T> {
    /// Number of transitions in the batch.
    pub fn len(&self) -> usize {
        self.actions.len()
    }

    /// True for an empty batch.
    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }
}

impl<T: Copy + Default> ReplayBuffer<T> {
    /// Fills `out` with `batch_size` transitions.
    ///
    /// Uniform buffers draw with replacement, every valid transition equally likely. Prioritized
    /// buffers draw one transition from each of `batch_size` equal slices of the priority mass
    /// (stratified) and set importance weights with exponent `beta` (0 = none, 1 = full
    /// correction); uniform buffers ignore `beta`.
    pub fn sample<R: Rng + ?Sized>(
        &self,
        batch_size: usize,
        beta: f32,
        rng: &mut R,
        out: &mut Batch<T>,
    ) -> Result<(), ReplayError> {
        if batch_size == 0 {
            return Err(ReplayError::Sample("batch_size must be at least 1".into()));
        }
        if !(beta.is_finite() && beta >= 0.0) {
            return Err(ReplayError::Sample(format!(
                "beta = {beta} must be a finite number ≥ 0"
            )));
        }
        if self.valid_count == 0 {
            return Err(ReplayError::Empty);
        }
        let stack_len = self.cfg.frame_stack * self.cfg.frame_len;
        out.obs.resize(batch_size * stack_len, T::default());
        out.next_obs.resize(batch_size * stack_len, T::default());
        out.actions.resize(batch_size, 0);
        out.returns.resize(batch_size, 0.0);
        out.discounts.resize(batch_size, 0.0);
        out.weights.resize(batch_size, 1.0);
        out.indices.resize(batch_size, 0);

        match &self.tree {
            None => {
                for i in 0..batch_size {
                    out.indices[i] = self.draw_uniform(rng)?;
                    out.weights[i] = 1.0;
                }
            }
            Some(tree) => {
                let total = tree.total();
                let p_min = tree.min_positive().unwrap_or(1.0) as f64;
                let slice = total / batch_size as f64;
                for i in 0..batch_size {
                    let mass = (i as f64 + rng.random::<f64>()) * slice;
                    let index = tree.find(mass);
                    out.indices[i] = index;
                    let p = tree.get(index) as f64;
                    out.weights[i] = (p / p_min).powf(-(beta as f64)) as f32;
                }
            }
        }

        for i in 0..batch_size {
            let index = out.indices[i];
            let stream = index / self.stream_capacity;
            let t = self.absolute(stream, index);
            let (ret, discount, end) = self.n_step_target(stream, t);
            out.actions[i] = self.actions[index] as i64;
            out.returns[i] = ret;
            out.discounts[i] = discount;
            self.copy_stack(stream, t, &mut out.obs[i * stack_len..(i + 1) * stack_len]);
            self.copy_stack(stream, end, &mut out.next_obs[i * stack_len..(i + 1) * stack_len]);
        }
        Ok(())
    }

    /// One valid slot, uniformly: a stored frame uniformly (stream by its share of stored frames,
    /// then a frame within it), redrawn until it starts a valid transition.
    fn draw_uniform<R: Rng + ?Sized>(&self, rng: &mut R) -> Result<usize, ReplayError> {
        let stored = |s: &super::StreamState| s.written.min(self.stream_capacity as u64);
        let total: u64 = self.streams.iter().map(stored).sum();
        for _ in 0..MAX_DRAWS_PER_SAMPLE {
            let mut r = rng.random_range(0..total);
            let mut stream = 0;
            while r >= stored(&self.streams[stream]) {
                r -= stored(&self.streams[stream]);
                stream += 1;
            }
            let slot = self.slot(stream, self.oldest(stream) + r);
            if self.flags[slot] & VALID != 0 {
                return Ok(slot);
            }
        }
        Err(ReplayError::Sample(format!(
            "gave up after {MAX_DRAWS_PER_SAMPLE} draws: only {} of {total} stored frames start a sampleable transition",
            self.valid_count
        )))
    }

    /// The absolute frame number held by global `slot` of `stream`.
    pub(super) fn absolute(&self, stream: usize, slot: usize) -> u64 {
        let cap = self.stream_capacity as u64;
        let ring = (slot - stream * self.stream_capacity) as u64;
        let oldest = self.oldest(stream);
        oldest + (ring + cap - oldest % cap) % cap
    }

    /// `(Σ γ^i r, γ^m or 0, end frame)` for the transition starting at absolute frame `t`.
    fn n_step_target(&self, stream: usize, t: u64) -> (f32, f32, u64) {
        let gamma = self.cfg.gamma as f64;
        let mut ret = 0.0f64;
        let mut discount = 1.0f64;
        let mut step = t;
        for _ in 0..self.cfg.n_step {
            let slot = self.slot(stream, step);
            ret += discount * self.rewards[slot] as f64;
            discount *= gamma;
            step += 1;
            let flags = self.flags[slot];
            if flags & TERMINATED != 0 {
                return (ret as f32, 0.0, step);
            }
            if flags & super::TRUNCATED != 0 {
                break;
            }
        }
        (ret as f32, discount as f32, step)
    }

    /// Copies the `k`-frame stack ending at absolute frame `t` into `out`, repeating the
    /// episode's first frame where the stack would reach before it.
    fn copy_stack(&self, stream: usize, t: u64, out: &mut [T]) {
        let k = self.cfg.frame_stack;
        let len = self.cfg.frame_len;
        let pos = self.ep_pos[self.slot(stream, t)] as u64;
        for (f, dst) in out.chunks_exact_mut(len).enumerate() {
            let back = ((k - 1 - f) as u64).min(pos);
            let slot = self.slot(stream, t - back);
            dst.copy_from_slice(&self.frames[slot * len..(slot + 1) * len]);
        }
    }
}
