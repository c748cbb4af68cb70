//! Prioritized sampling: frequencies follow `p^α / Σ p^α` and importance weights equal
//! `(N·P(i))^-β / max_j (N·P(j))^-β` (Schaul et al. 2016, eq. 1 and the weights of §3.4).

use agents::replay::{Batch, ReplayBuffer, ReplayConfig};
use rand::SeedableRng;

/// A buffer with 8 valid transitions (frames `[t]`, k = 1, n = 1) of priority `(|δ_t| + ε)^α`.
fn buffer_with_priorities(alpha: f32, td: &[f32; 8]) -> ReplayBuffer<u8> {
    let cfg = ReplayConfig {
        capacity: 16,
        frame_len: 1,
        frame_stack: 1,
        prioritized: true,
        alpha,
        eps: 0.01,
        ..ReplayConfig::default()
    };
    let mut buffer = ReplayBuffer::<u8>::new(cfg).unwrap();
    buffer.start_episode(0, &[0]).unwrap();
    for t in 1..=8u8 {
        buffer.push(0, 0, 0.0, &[t], t == 8, false).unwrap();
    }
    assert_eq!(buffer.len(), 8);
    // Learn every slot's index from what it samples, then set its TD error.
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(0);
    let mut batch = Batch::default();
    let mut index_of = [usize::MAX; 8];
    while index_of.contains(&usize::MAX) {
        buffer.sample(8, 0.0, &mut rng, &mut batch).unwrap();
        for i in 0..batch.len() {
            index_of[batch.obs[i] as usize] = batch.indices[i];
        }
    }
    buffer.update_priorities(&index_of, td).unwrap();
    buffer
}

#[test]
fn frequencies_and_weights_follow_priorities() {
    let td = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0];
    let alpha = 0.7f32;
    let beta = 0.6f32;
    let buffer = buffer_with_priorities(alpha, &td);
    let p: Vec<f64> = td.iter().map(|&d| ((d + 0.01f32).powf(alpha)) as f64).collect();
    let total: f64 = p.iter().sum();
    let p_min = p.iter().cloned().fold(f64::INFINITY, f64::min);

    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(11);
    let mut batch = Batch::default();
    let mut counts = [0usize; 8];
    let draws = 32 * 4000;
    for _ in 0..draws / 32 {
        buffer.sample(32, beta, &mut rng, &mut batch).unwrap();
        for i in 0..32 {
            let t = batch.obs[i] as usize;
            counts[t] += 1;
            // w = (N P(i))^-β / max_j (N P(j))^-β, with N = 8.
            let n = 8.0;
            let w = (n * p[t] / total).powf(-beta as f64) / (n * p_min / total).powf(-beta as f64);
            assert!(
                (batch.weights[i] as f64 - w).abs() < 1e-5,
                "weight of {t}: {} vs {w}",
                batch.weights[i]
            );
        }
    }
    for t in 0..8 {
        let prob = p[t] / total;
        let expected = draws as f64 * prob;
        let sd = (draws as f64 * prob * (1.0 - prob)).sqrt();
        // Stratified draws vary less than independent ones, so 5 binomial sd is generous.
        assert!(
            (counts[t] as f64 - expected).abs() < 5.0 * sd + 1.0,
            "t={t}: {} vs {expected:.0}",
            counts[t]
        );
    }
}

#[test]
fn beta_zero_gives_unit_weights_and_alpha_zero_is_uniform() {
    let td = [0.0, 0.5, 9.0, 3.0, 0.1, 5.0, 6.0, 1.0];
    let buffer = buffer_with_priorities(0.0, &td);
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(2);
    let mut batch = Batch::default();
    let mut counts = [0usize; 8];
    for _ in 0..2000 {
        buffer.sample(16, 0.0, &mut rng, &mut batch).unwrap();
        assert!(batch.weights.iter().all(|&w| w == 1.0));
        for &t in &batch.obs {
            counts[t as usize] += 1;
        }
    }
    // α = 0: every priority is 1, so each of 8 transitions gets 1/8 of 32,000 draws.
    for c in counts {
        assert!(
            (c as f64 - 4000.0).abs() < 5.0 * (32000.0f64 * 0.125 * 0.875).sqrt(),
            "{counts:?}"
        );
    }
}

#[test]
fn uniform_buffer_ignores_priority_updates() {
    let cfg = ReplayConfig {
        capacity: 16,
        frame_len: 1,
        frame_stack: 1,
        ..ReplayConfig::default()
    };
    let mut buffer = ReplayBuffer::<u8>::new(cfg).unwrap();
    buffer.start_episode(0, &[0]).unwrap();
    buffer.push(0, 0, 0.0, &[1], true, false).unwrap();
    buffer.update_priorities(&[0], &[5.0]).unwrap();
    let mut batch = Batch::default();
    buffer
        .sample(4, 1.0, &mut rand_pcg::Pcg64Mcg::seed_from_u64(0), &mut batch)
        .unwrap();
    assert_eq!(batch.weights, vec![1.0; 4]);
}
