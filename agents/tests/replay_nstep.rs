//! n-step targets against a hand computation (γ = 0.5, n = 3), with an episode that terminates
//! and one truncated inside the window. Frames are `[episode, t]` (k = 1) so each sample names
//! its transition.

use agents::replay::{Batch, ReplayBuffer, ReplayConfig};
use rand::SeedableRng;
use std::collections::BTreeMap;

/// `(episode, t)` → `(return, discount, next frame [episode, t])`, sampled until all are seen.
fn sample_all(buffer: &ReplayBuffer<u8>) -> BTreeMap<(u8, u8), (f32, f32, [u8; 2])> {
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(3);
    let mut batch = Batch::default();
    let mut seen = BTreeMap::new();
    for _ in 0..100 {
        buffer.sample(32, 0.0, &mut rng, &mut batch).unwrap();
        for i in 0..batch.len() {
            let key = (batch.obs[2 * i], batch.obs[2 * i + 1]);
            let next = [batch.next_obs[2 * i], batch.next_obs[2 * i + 1]];
            let value = (batch.returns[i], batch.discounts[i], next);
            assert_eq!(
                *seen.entry(key).or_insert(value),
                value,
                "same transition, different target"
            );
        }
    }
    seen
}

#[test]
fn n_step_returns_match_hand_computation() {
    let cfg = ReplayConfig {
        capacity: 64,
        frame_len: 2,
        frame_stack: 1,
        n_step: 3,
        gamma: 0.5,
        ..ReplayConfig::default()
    };
    let mut buffer = ReplayBuffer::<u8>::new(cfg).unwrap();
    // Episode 0: rewards 1, 2, 4, 8, terminated on the 4th step.
    buffer.start_episode(0, &[0, 0]).unwrap();
    for (t, r) in [1.0, 2.0, 4.0, 8.0].into_iter().enumerate() {
        buffer.push(0, t, r, &[0, t as u8 + 1], t == 3, false).unwrap();
    }
    // Episode 1: rewards 1, 1, 1, truncated on the 3rd step (bootstraps from its last frame).
    buffer.start_episode(0, &[1, 0]).unwrap();
    for t in 0..3u8 {
        buffer.push(0, 0, 1.0, &[1, t + 1], false, t == 2).unwrap();
    }
    // Episode 2: 4 steps of reward 2, still running: only t = 0 and 1 have full windows.
    buffer.start_episode(0, &[2, 0]).unwrap();
    for t in 0..4u8 {
        buffer.push(0, 0, 2.0, &[2, t + 1], false, false).unwrap();
    }

    let expected: BTreeMap<(u8, u8), (f32, f32, [u8; 2])> = [
        // 1 + 0.5·2 + 0.25·4 = 3, three steps taken, no terminal: γ³ = 0.125, s' = frame 3.
        ((0, 0), (3.0, 0.125, [0, 3])),
        // 2 + 0.5·4 + 0.25·8 = 6, terminated in the window: discount 0.
        ((0, 1), (6.0, 0.0, [0, 4])),
        ((0, 2), (4.0 + 0.5 * 8.0, 0.0, [0, 4])),
        ((0, 3), (8.0, 0.0, [0, 4])),
        // Truncated at t = 3: bootstrap with γ^m for the m steps actually taken.
        ((1, 0), (1.0 + 0.5 + 0.25, 0.125, [1, 3])),
        ((1, 1), (1.0 + 0.5, 0.25, [1, 3])),
        ((1, 2), (1.0, 0.5, [1, 3])),
        ((2, 0), (2.0 + 1.0 + 0.5, 0.125, [2, 3])),
        ((2, 1), (2.0 + 1.0 + 0.5, 0.125, [2, 4])),
    ]
    .into_iter()
    .collect();
    assert_eq!(buffer.len(), expected.len());
    assert_eq!(sample_all(&buffer), expected);

    // One more step completes episode 2's t = 2 window; ending the episode completes the rest.
    buffer.push(0, 0, 2.0, &[2, 5], false, false).unwrap();
    assert_eq!(buffer.len(), 10);
    buffer.push(0, 0, 4.0, &[2, 6], true, false).unwrap();
    assert_eq!(buffer.len(), 13);
    let all = sample_all(&buffer);
    assert_eq!(all[&(2, 3)], (2.0 + 1.0 + 1.0, 0.0, [2, 6]));
    assert_eq!(all[&(2, 5)], (4.0, 0.0, [2, 6]));
}

#[test]
fn one_step_is_classic_dqn() {
    let cfg = ReplayConfig {
        capacity: 16,
        frame_len: 2,
        frame_stack: 1,
        gamma: 0.99,
        ..ReplayConfig::default()
    };
    let mut buffer = ReplayBuffer::<u8>::new(cfg).unwrap();
    buffer.start_episode(0, &[0, 0]).unwrap();
    buffer.push(0, 0, 1.5, &[0, 1], false, false).unwrap();
    buffer.push(0, 0, -1.0, &[0, 2], true, false).unwrap();
    let all = sample_all(&buffer);
    assert_eq!(all[&(0, 0)], (1.5, 0.99, [0, 1]));
    assert_eq!(all[&(0, 1)], (-1.0, 0.0, [0, 2]));
}
