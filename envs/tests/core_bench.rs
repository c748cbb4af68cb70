//! Measurement commands, ignored by default (they take time, and speed is not asserted):
//!
//! - `cargo test --release -p envs --test core_bench -- --ignored bench_json --nocapture` prints
//!   one JSON line per env: `BENCH_ENV` (default breakout), `BENCH_STEPS` (default 1,000,000),
//!   `BENCH_NUM_ENVS` (default 1). `scripts/bench_env.sh` uses it.
//! - `... -- --ignored million_random_steps_of_every_env --nocapture`: ≥ 1M random agent steps of
//!   every registered env through `VecEnv`, which must not panic or error.

use envs::bench::bench_env;
use envs::registry::ids;
use envs::EnvConfig;

fn var(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[test]
#[ignore = "measurement: run with --release --ignored"]
fn bench_json() {
    let id = std::env::var("BENCH_ENV").unwrap_or_else(|_| "breakout".into());
    let result = bench_env(
        &id,
        &EnvConfig::default(),
        var("BENCH_NUM_ENVS", 1) as usize,
        var("BENCH_STEPS", 1_000_000),
        0,
    )
    .unwrap();
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
