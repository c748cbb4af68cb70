//! Helpers shared by the end-to-end CLI tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The `dqn` binary under test.
pub fn dqn() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_dqn"));
    c.env("OMP_NUM_THREADS", "1");
    c
}

/// Runs `dqn args…`, returning the output.
pub fn run(args: &[&str]) -> Output {
    dqn().args(args).output().expect("the dqn binary runs")
}

/// Asserts success and returns stdout.
pub fn ok(args: &[&str]) -> String {
    ok_out(args).0
}

/// [`ok`], returning stdout and stderr.
pub fn ok_out(args: &[&str]) -> (String, String) {
    let out = run(args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "dqn {args:?} failed:\n{stderr}");
    assert!(!stderr.contains("panicked"), "dqn {args:?} panicked:\n{stderr}");
    (String::from_utf8_lossy(&out.stdout).into_owned(), stderr)
}

/// Asserts a clean failure: non-zero exit, one `error:` line, no panic or backtrace. Returns it.
pub fn fails(args: &[&str]) -> String {
    let mut cmd = dqn();
    cmd.args(args);
    fails_cmd(cmd)
}

/// [`fails`] for a [`dqn`] command that also sets its own environment (e.g. `PYTHONPATH`).
pub fn fails_cmd(mut cmd: Command) -> String {
    let out = cmd.output().expect("the dqn binary runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "{cmd:?} should fail");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"),
        "{cmd:?} panicked:\n{stderr}"
    );
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error")).collect();
    assert_eq!(errors.len(), 1, "expected one error line from {cmd:?}, got:\n{stderr}");
    errors[0].to_string()
}

/// The single run folder inside `runs`.
pub fn only_run(runs: &Path) -> PathBuf {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(runs)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert_eq!(dirs.len(), 1, "expected one run in {}: {dirs:?}", runs.display());
    dirs.pop().unwrap()
}

/// Whether a display is available for window tests. With `DQN_REQUIRE_DISPLAY=1` (which
/// `make test` sets) a missing display fails the test instead of skipping it.
pub fn have_display() -> bool {
    let has = std::env::var_os("DISPLAY").is_some_and(|d| !d.is_empty());
    assert!(
        has || std::env::var("DQN_REQUIRE_DISPLAY").as_deref() != Ok("1"),
        "DQN_REQUIRE_DISPLAY=1 but DISPLAY is not set: run under scripts/with-display.sh"
    );
    has
}
