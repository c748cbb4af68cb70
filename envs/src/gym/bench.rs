//! The bridge's overhead: the plain-Python peer of [`crate::bench::bench_env`] for a gym id, so
//! that `dqn bench env --env gym:<id>` prints both rates from one run on one machine.

use std::process::Command;

use crate::env::EnvError;

/// The peer script (the same env and preprocessing in one Python loop), embedded like the worker.
const PEER: &str = include_str!("peer.py");

/// Agent steps per second of the gymnasium env `id` (`gym:` prefix optional) stepped `steps` times
/// with random actions in a plain Python loop, with the Python that runs the bridge's workers.
pub fn python_loop_steps_per_sec(id: &str, steps: u64, seed: u64) -> Result<f64, EnvError> {
    let gym_id = id.strip_prefix(super::PREFIX).unwrap_or(id);
    let python = super::python();
    let out = Command::new(&python)
        .arg("-c")
        .arg(PEER)
        .arg(gym_id)
        .arg(steps.to_string())
        .arg(seed.to_string())
        .output()
        .map_err(|e| EnvError::Bridge(format!("cannot start {}: {e}; run `make gym`", python.display())))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let rate = stdout
        .lines()
        .rev()
        .find_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .and_then(|v| v["steps_per_sec"].as_f64());
    match rate {
        Some(r) if out.status.success() => Ok(r),
        _ => Err(EnvError::Bridge(format!(
            "gym:{gym_id}: the Python-loop benchmark failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).lines().last().unwrap_or("")
        ))),
    }
}
