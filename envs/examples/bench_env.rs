//! `dqn bench env`'s measurement without the `dqn` binary (so without libtorch): agent steps/s
//! of an env under random actions through `VecEnv`, as one JSON line per configuration.
//! `scripts/bench_python.sh` uses it as the Rust-only reference for the Python package.
//!
//! Usage: `cargo run --release -p envs --example bench_env -- [ID] [STEPS] [NUM_ENVS[:THREADS]]...`
//! (defaults: breakout, 2000000, and the configurations `1` and `8` with automatic threads).

use envs::bench::bench_env_on;
use envs::EnvConfig;

fn main() {
    if let Err(e) = run() {
        eprintln!("bench_env: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let id = args.first().map_or("breakout", String::as_str);
    let steps: u64 = args.get(1).map_or(Ok(2_000_000), |s| s.parse())?;
    let mut configs: Vec<(usize, Option<usize>)> = Vec::new();
    for c in args.iter().skip(2) {
        let (n, t) = c.split_once(':').map_or((c.as_str(), None), |(n, t)| (n, Some(t)));
        configs.push((n.parse()?, t.map(str::parse).transpose()?));
    }
    if configs.is_empty() {
        configs = vec![(1, None), (8, None)];
    }
    for (n, threads) in configs {
        println!(
            "{}",
            bench_env_on(id, &EnvConfig::default(), n, threads, steps, 0)?.to_json()
        );
    }
    Ok(())
}
