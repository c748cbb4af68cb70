//! [`bench_replay`]: fills an Atari-shaped buffer and measures its memory and speed, for
//! `dqn bench replay`.

use super::{Batch, ReplayBuffer, ReplayConfig, ReplayError};
use rand::{RngExt, SeedableRng};
use serde::Serialize;
use std::time::Instant;

/// What [`bench_replay`] measured.
#[derive(Debug, Clone, Serialize)]
pub struct ReplayBenchReport {
    /// Frame slots in the buffer.
    pub capacity: usize,
    /// Elements (bytes) per frame: 84 × 84.
    pub frame_len: usize,
    /// Frames per stack.
    pub frame_stack: usize,
    /// Whether the buffer kept priorities.
    pub prioritized: bool,
    /// Steps pushed (at least 100,000, and more than the capacity so the ring wraps).
    pub steps_pushed: u64,
    /// Heap bytes the buffer holds.
    pub bytes_allocated: usize,
    /// `bytes_allocated / capacity`.
    pub bytes_per_transition: f64,
    /// Pushes per second while filling.
    pub push_per_s: f64,
    /// Batch size used for the sampling measurement.
    pub batch_size: usize,
    /// Sampled batches per second (stacks of both obs and next_obs copied out).
    pub sample_batches_per_s: f64,
}

/// Builds a buffer of `capacity` 84×84 u8 frames stacked by 4 (1 stream, n = 1), pushes
/// `max(capacity, 100_000) + capacity / 10` steps of synthetic frames in episodes of 50 to 2,000
/// steps, and then samples batches of 32 for about a second.
pub fn bench_replay(capacity: usize, prioritized: bool) -> Result<ReplayBenchReport, ReplayError> {
    let cfg = ReplayConfig {
        capacity,
        prioritized,
        ..ReplayConfig::default()
    };
    let frame_len = cfg.frame_len;
    let frame_stack = cfg.frame_stack;
    let mut buffer = ReplayBuffer::<u8>::new(cfg)?;
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(0);
    let steps = capacity.max(100_000) as u64 + capacity as u64 / 10;
    let mut frame = vec![0u8; frame_len];

    let start = Instant::now();
    buffer.start_episode(0, &frame)?;
    let mut left_in_episode = rng.random_range(50..2000u32);
    for step in 0..steps {
        // A cheap, changing frame: the step number in the first bytes.
        frame[..8].copy_from_slice(&step.to_le_bytes());
        left_in_episode -= 1;
        let done = left_in_episode == 0;
        buffer.push(0, (step % 4) as usize, 1.0, &frame, done, false)?;
        if done {
            buffer.start_episode(0, &frame)?;
            left_in_episode = rng.random_range(50..2000u32);
        }
    }
    let push_per_s = steps as f64 / start.elapsed().as_secs_f64();

    let batch_size = 32;
    let mut batch = Batch::default();
    let td: Vec<f32> = (0..batch_size).map(|i| i as f32 * 0.1).collect();
    let start = Instant::now();
    let mut batches = 0u64;
    while start.elapsed().as_secs_f64() < 1.0 {
        for _ in 0..50 {
            buffer.sample(batch_size, 0.4, &mut rng, &mut batch)?;
            if prioritized {
                buffer.update_priorities(&batch.indices, &td)?;
            }
        }
        batches += 50;
    }
    let sample_batches_per_s = batches as f64 / start.elapsed().as_secs_f64();

    let bytes_allocated = buffer.bytes_allocated();
    Ok(ReplayBenchReport {
        capacity: buffer.capacity(),
        frame_len,
        frame_stack,
        prioritized,
        steps_pushed: steps,
        bytes_allocated,
        bytes_per_transition: bytes_allocated as f64 / buffer.capacity() as f64,
        push_per_s,
        batch_size,
        sample_batches_per_s,
    })
}
