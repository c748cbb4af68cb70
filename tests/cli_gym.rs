//! End-to-end tests of the gym bridge (`--env gym:<id>`) on the real binary: a short training run
//! on gymnasium's CartPole-v1 with its TensorBoard tags, `eval` and `--resume`, and the faults
//! (unknown id, a Box action space, a missing package, a worker that dies mid-run). The Python
//! packages come from `make gym`, which `make test` runs first.

mod common;

use std::path::{Path, PathBuf};

use agents::tensorboard::read_scalars;
use common::*;

const TINY: &[&str] = &[
    "--set",
    "dqn.learning_starts=500",
    "--set",
    "run.eval_every=1500",
    "--set",
    "run.eval_episodes=2",
    "--set",
    "run.log_every=100",
    "--set",
    "run.checkpoint_every=1000",
    "--device",
    "cpu",
    "--quiet",
];

/// The run folder that `dqn train` printed.
fn printed_run(out: &str) -> PathBuf {
    let line = out.lines().find_map(|l| l.strip_prefix("run: ")).expect("a run: line");
    PathBuf::from(line.trim())
}

fn train(runs: &Path, env: &str, steps: &str, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = [
        "train", "--env", env, "--preset", "cartpole", "--steps", steps, "--seed", "1",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(["--runs-dir".to_string(), runs.display().to_string()]);
    args.extend(TINY.iter().map(|s| s.to_string()));
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[test]
fn gym_cartpole_trains_logs_evaluates_and_resumes() {
    let tmp = tempfile::tempdir().unwrap();
    let runs = tmp.path().join("runs");
    let out = ok(&strs(&train(&runs, "gym:CartPole-v1", "3000", &[])));
    assert!(out.contains("trained 3000 steps"), "{out}");
    let run = printed_run(&out);
    let config = std::fs::read_to_string(run.join("config.toml")).unwrap();
    assert!(
        config.contains("env_id = \"gym:CartPole-v1\""),
        "config.toml keeps the real id:\n{config}"
    );
    assert!(run.join("checkpoints/step_3000.safetensors").is_file());

    let scalars = read_scalars(&run).unwrap();
    for tag in [
        "charts/episodic_return",
        "charts/episodic_length",
        "charts/epsilon",
        "charts/SPS",
        "losses/td_loss",
        "losses/q_values",
        "eval/mean_return",
    ] {
        assert!(
            scalars.get(tag).is_some_and(|v| !v.is_empty()),
            "missing {tag}: {:?}",
            scalars.keys()
        );
    }
    // Episodes of CartPole-v1 last between 8 and 500 steps, and the return is the length.
    for (r, l) in scalars["charts/episodic_return"]
        .iter()
        .zip(&scalars["charts/episodic_length"])
    {
        assert_eq!(r.value, l.value);
        assert!((8.0..=500.0).contains(&r.value), "{}", r.value);
    }

    let json = ok(&[
        "eval",
        run.to_str().unwrap(),
        "--episodes",
        "3",
        "--json",
        "--device",
        "cpu",
    ]);
    let v: serde_json::Value = serde_json::from_str(json.trim()).unwrap();
    assert_eq!(v["episodes"], 3);
    assert!(v["mean_return"].as_f64().unwrap() >= 8.0, "{v}");

    let out = ok(&["train", "--resume", run.to_str().unwrap(), "--steps", "3500", "--quiet"]);
    assert!(out.contains("trained 3500 steps"), "{out}");
}

#[test]
fn gym_cartpole_trains_with_two_envs() {
    let tmp = tempfile::tempdir().unwrap();
    let runs = tmp.path().join("runs");
    let out = ok(&strs(&train(&runs, "gym:CartPole-v1", "1200", &["--num-envs", "2"])));
    assert!(out.contains("trained 1200 steps"), "{out}");
}

#[test]
fn unknown_id_shows_gymnasiums_message() {
    let tmp = tempfile::tempdir().unwrap();
    let runs = tmp.path().join("runs");
    let err = fails(&strs(&train(&runs, "gym:NoSuchGame-v3", "100", &[])));
    assert!(err.contains("NoSuchGame") && err.contains("doesn't exist"), "{err}");
}

#[test]
fn box_action_space_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let runs = tmp.path().join("runs");
    let err = fails(&strs(&train(&runs, "gym:Pendulum-v1", "100", &[])));
    assert!(err.contains("Pendulum-v1") && err.contains("not Discrete"), "{err}");
}

#[test]
fn missing_package_says_make_gym() {
    let tmp = tempfile::tempdir().unwrap();
    // The project's Python without its site-packages: gymnasium is missing there.
    let venv_python = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    let shim = tmp.path().join("python");
    std::fs::write(&shim, format!("#!/bin/sh\nexec {} -S \"$@\"\n", venv_python.display())).unwrap();
    std::fs::set_permissions(&shim, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let runs = tmp.path().join("runs");
    let mut cmd = dqn();
    cmd.args(train(&runs, "gym:CartPole-v1", "100", &[]))
        .env("DQN_PYTHON", &shim);
    let err = fails_cmd(cmd);
    assert!(err.contains("is missing") && err.contains("make gym"), "{err}");
}

/// A gymnasium env (registered by importing its module, gymnasium's `module:Id` form) whose
/// process dies on its 1,500th step after a line on stderr.
const DYING_ENV: &str = r#"
import os, sys
import gymnasium as gym
import numpy as np

class Dying(gym.Env):
    def __init__(self):
        self.observation_space = gym.spaces.Box(-1.0, 1.0, (3,), np.float32)
        self.action_space = gym.spaces.Discrete(2)
        self.steps = 0
    def reset(self, seed=None, options=None):
        super().reset(seed=seed)
        return np.zeros(3, np.float32), {}
    def step(self, action):
        self.steps += 1
        if self.steps == 1500:
            print("boom: the dying env crashed on purpose", file=sys.stderr, flush=True)
            os._exit(7)
        return np.zeros(3, np.float32), 1.0, self.steps % 50 == 0, False, {}

gym.register(id="Dying-v0", entry_point=Dying)
"#;

#[test]
fn a_dead_worker_is_one_line_naming_the_env_and_the_checkpoint_stays() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("dying_env.py"), DYING_ENV).unwrap();
    let runs = tmp.path().join("runs");
    let mut cmd = dqn();
    cmd.args(train(&runs, "gym:dying_env:Dying-v0", "3000", &[]))
        .env("PYTHONPATH", tmp.path());
    let err = fails_cmd(cmd);
    assert!(
        err.contains("Dying-v0") && err.contains("died") && err.contains("boom"),
        "{err}"
    );
    let run = only_run(&runs);
    assert!(
        run.join("checkpoints/step_1000.safetensors").is_file(),
        "the last checkpoint is kept"
    );
}

/// A gymnasium env whose observations do not match its space: 4 numbers where the space says 3.
const MISSHAPEN_ENV: &str = r#"
import gymnasium as gym
import numpy as np

class Misshapen(gym.Env):
    def __init__(self):
        self.observation_space = gym.spaces.Box(-1.0, 1.0, (3,), np.float32)
        self.action_space = gym.spaces.Discrete(2)
    def reset(self, seed=None, options=None):
        super().reset(seed=seed)
        return np.zeros(4, np.float32), {}
    def step(self, action):
        return np.zeros(4, np.float32), 1.0, False, False, {}

gym.register(id="Misshapen-v0", entry_point=Misshapen)
"#;

#[test]
fn an_observation_that_does_not_fit_its_space_is_one_line_not_a_hang() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("misshapen_env.py"), MISSHAPEN_ENV).unwrap();
    let runs = tmp.path().join("runs");
    let mut cmd = dqn();
    cmd.args(train(&runs, "gym:misshapen_env:Misshapen-v0", "3000", &[]))
        .env("PYTHONPATH", tmp.path());
    let err = fails_cmd(cmd);
    assert!(err.contains("16 bytes, not the 12"), "{err}");
}
