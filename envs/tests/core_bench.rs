//! Measurement commands, ignored by default (they take time, and speed is not asserted):
//!
//! - `cargo test --release -p envs --test core_bench -- --ignored bench_json --nocapture` prints
//!   one JSON line per env: `BENCH_ENV` (default breakout), `BENCH_STEPS` (default 1,000,000),
//!   `BENCH_NUM_ENVS` (default 1), after checking that the result is consistent with what ran.
//!   `scripts/bench_env.sh` uses it. `bench_results_are_consistent` runs the same checks on a
//!   tiny budget in every `cargo test`.
//! - `... -- --ignored million_random_steps_of_every_env --nocapture`: ≥ 1M random agent steps of
//!   every registered env through `VecEnv`, which must not panic or error.

use envs::bench::{bench_env, BenchResult};
use envs::registry::ids;
use envs::EnvConfig;

fn var(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Checks that a result reports what was run: the env, the envs, at least the steps asked for,
/// rates that are the step count over the time, and a JSON line carrying the same numbers.
fn assert_consistent(result: &BenchResult, id: &str, num_envs: usize, steps: u64, frame_skip: u64) {
    assert_eq!(result.env, id);
    assert_eq!(result.num_envs, num_envs);
    assert!(
        result.steps >= steps && result.steps < steps + num_envs as u64,
        "{result}"
    );
    assert!(result.seconds > 0.0 && result.steps_per_sec.is_finite(), "{result}");
    let rate = result.steps as f64 / result.seconds;
    assert!((result.steps_per_sec - rate).abs() <= 1e-6 * rate, "{result}");
    assert!((result.frames_per_sec - rate * frame_skip as f64).abs() <= 1e-6 * rate * frame_skip as f64);
    let json = result.to_json();
    for field in [
        format!("\"env\":\"{id}\""),
        format!("\"num_envs\":{num_envs}"),
        format!("\"steps\":{}", result.steps),
        format!("\"episodes\":{}", result.episodes),
    ] {
        assert!(json.contains(&field), "{field} missing from {json}");
    }
}

#[test]
fn bench_results_are_consistent() {
    let cfg = EnvConfig::default();
    let r = bench_env("breakout", &cfg, 1, 2_000, 0).unwrap();
    assert_consistent(&r, "breakout", 1, 2_000, cfg.frame_skip as u64);
    let r = bench_env("cartpole", &cfg, 3, 1_000, 0).unwrap();
    assert_consistent(&r, "cartpole", 3, 1_000, 1);
    assert!(r.episodes > 0, "random cartpole ends episodes within 1,000 steps: {r}");
}

#[test]
#[ignore = "measurement: run with --release --ignored"]
fn bench_json() {
    let id = std::env::var("BENCH_ENV").unwrap_or_else(|_| "breakout".into());
    let (num_envs, steps) = (var("BENCH_NUM_ENVS", 1) as usize, var("BENCH_STEPS", 1_000_000));
    let cfg = EnvConfig::default();
    let result = bench_env(&id, &cfg, num_envs, steps, 0).unwrap();
    let skip = if id == "cartpole" { 1 } else { cfg.frame_skip as u64 };
    assert_consistent(&result, &id, num_envs, steps, skip);
    println!("{}", result.to_json());
}

#[test]
#[ignore = "long run: 1M random steps per env, run with --release --ignored"]
fn million_random_steps_of_every_env() {
    for id in ids() {
        let result = bench_env(id, &EnvConfig::default(), 2, var("BENCH_STEPS", 1_000_000), 1).unwrap();
        assert!(result.steps >= var("BENCH_STEPS", 1_000_000));
        println!("{result}");
    }
}
