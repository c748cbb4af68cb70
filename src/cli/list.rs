//! `dqn list`.

use clap::Args;
use envs::{ids, make, spec, EnvConfig};

/// Arguments of `dqn list`.
#[derive(Args, Debug)]
pub struct ListArgs {}

pub fn run(_: ListArgs) -> anyhow::Result<()> {
    let cfg = EnvConfig::default();
    for id in ids() {
        let env = make(id, &cfg)?;
        let about = spec(id).map(|s| s.description.to_string()).unwrap_or_default();
        println!("{id:<10} {about}");
        println!(
            "           observation {}   actions {}",
            env.observation_space(),
            env.action_space()
        );
        println!("           actions: {}", env.action_meanings().join(", "));
    }
    println!("\n(observations with the default preprocessing: frame skip 4, gray 84×84, stack 4)");
    Ok(())
}
