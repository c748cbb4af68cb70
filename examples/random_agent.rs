//! A random agent on any registered env, printing each episode's return.
//!
//! ```text
//! cargo run --release --example random_agent -- breakout 5      # env id, episodes
//! ```
//!
//! The env gets the default DQN preprocessing ([`envs::EnvConfig::default`]); the printed return
//! is the raw game score of whole episodes (all lives), from `Info::episode`.

use envs::{make, EnvConfig};
use rand::{RngExt, SeedableRng};

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let id = args.next().unwrap_or_else(|| "breakout".to_string());
    let episodes: u32 = match args.next() {
        Some(n) => n
            .parse()
            .map_err(|_| anyhow::anyhow!("episodes must be a whole number, got '{n}'"))?,
        None => 3,
    };
    let mut env = make(&id, &EnvConfig::default())?;
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(0);
    let n = env.num_actions();
    println!(
        "{id}: {} actions {:?}, observations {}",
        n,
        env.action_meanings(),
        env.observation_space()
    );
    env.reset(Some(0));
    let mut finished = 0;
    while finished < episodes {
        let step = env.step(rng.random_range(0..n))?;
        let done = step.terminated || step.truncated;
        if let Some(ep) = step.info.episode {
            finished += 1;
            println!(
                "episode {finished}: return {:.1}, {} steps",
                ep.episode_return, ep.length
            );
        }
        if done {
            env.reset(None);
        }
    }
    Ok(())
}
