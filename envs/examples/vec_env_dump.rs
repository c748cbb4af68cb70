//! Prints a [`VecEnv`]'s observations (raw bytes on stdout), for the Python package's test that the Rust
//! vector env and the Python one give identical observations.
//!
//! Usage: `cargo run -p envs --example vec_env_dump -- ID NUM_ENVS SEED STEPS > OUT`
//! Env `i` takes action `(t * 7 + i * 3) % num_actions` at step `t`; OUT holds the u8
//! observations after the reset and after each step, `[STEPS + 1, NUM_ENVS, obs_len]`.

use std::io::Write;

use envs::{EnvConfig, VecEnv};

fn main() {
    if let Err(e) = run() {
        eprintln!("vec_env_dump: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [id, num_envs, seed, steps] = args.as_slice() else {
        return Err("usage: vec_env_dump ID NUM_ENVS SEED STEPS > OUT".into());
    };
    let (n, seed, steps): (usize, u64, usize) = (num_envs.parse()?, seed.parse()?, steps.parse()?);
    let mut venv = VecEnv::with_threads(id, &EnvConfig::default(), n, 1, seed)?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    venv.reset(Some(seed))?;
    out.write_all(venv.obs_u8().ok_or("not a pixel env")?)?;
    for t in 0..steps {
        let actions: Vec<usize> = (0..n).map(|i| (t * 7 + i * 3) % venv.num_actions()).collect();
        venv.step(&actions)?;
        out.write_all(venv.obs_u8().ok_or("not a pixel env")?)?;
    }
    out.flush()?;
    Ok(())
}
