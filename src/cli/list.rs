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
        outln!("{id:<10} {about}");
        outln!(
            "           observation {}   actions {}",
            env.observation_space(),
            env.action_space()
        );
        outln!("           actions: {}", env.action_meanings().join(", "));
    }
    outln!("\n(observations with the default preprocessing: frame skip 4, gray 84×84, stack 4)");
    Ok(())
}
