//! End-to-end tests of the run skeleton's rules on the real binary: run names, typed overrides,
//! failed starts, the kind of a run, one writer per run folder, stale temp files and missing
//! sidecars.

mod common;

use std::path::Path;

use common::*;

const TINY: &[&str] = &[
    "--set",
    "dqn.learning_starts=500",
    "--set",
    "run.eval_episodes=2",
    "--set",
    "run.checkpoint_every=1000",
    "--set",
    "run.keep_checkpoints=0",
    "--quiet",
];

fn train_args<'a>(runs: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["train", "--env", "cartpole", "--device", "cpu", "--runs-dir", runs];
    args.extend_from_slice(TINY);
    args.extend_from_slice(extra);
    args
}

fn no_run_folder(runs: &Path) -> bool {
    !runs.exists() || std::fs::read_dir(runs).unwrap().count() == 0
}

#[test]
fn bad_names_and_values_are_one_line_and_leave_no_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let runs = tmp.path().join("runs");
    let r = runs.to_str().unwrap();
    for name in ["q\"uote", "my\\run\ttest", "a\nb", "a/b"] {
        let e = fails(&train_args(r, &["--name", name]));
        assert!(e.contains("A-Z a-z 0-9 . _ -"), "{name:?}: {e}");
    }
    let e = fails(&train_args(r, &["--seed", "18446744073709551615"]));
    assert!(e.contains("--seed must be in 0..=9223372036854775807"), "{e}");
    let e = fails(&train_args(r, &["--set", "run.seed=18446744073709551615"]));
    assert!(e.contains("9223372036854775807"), "{e}");
    let e = fails(&train_args(r, &["--set", "dqn.n_step=100000"]));
    assert!(e.contains("dqn.n_step"), "{e}");
    let e = fails(&train_args(r, &["--set", "dqn.per_beta0=5"]));
    assert!(e.contains("dqn.per_beta0 must be in [0, 1]"), "{e}");
    let missing = tmp.path().join("nope.safetensors");
    let e = fails(&train_args(r, &["--init-backbone", missing.to_str().unwrap()]));
    assert!(e.contains("nope.safetensors"), "{e}");
    assert!(no_run_folder(&runs), "failed starts leave no run folder");
}

#[test]
fn a_segnet_run_is_named_as_such() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("segnet__basic__1__1");
    std::fs::create_dir_all(run.join("checkpoints")).unwrap();
    std::fs::write(run.join("config.toml"), "data = \"/d\"\npreset = \"basic\"\n").unwrap();
    std::fs::write(run.join("checkpoints/epoch_1.safetensors"), b"x").unwrap();
    let dir = run.to_str().unwrap();
    for args in [vec!["train", "--resume", dir], vec!["eval", dir]] {
        let e = fails(&args);
        assert!(e.contains("is a SegNet run; use `dqn segnet"), "{args:?}: {e}");
    }
    assert!(!run.join(".lock").exists(), "a refused command creates nothing");
}

#[test]
fn one_writer_stale_temps_and_missing_sidecars() {
    let tmp = tempfile::tempdir().unwrap();
    let runs = tmp.path().join("runs");
    let r = runs.to_str().unwrap();
    ok(&train_args(r, &["--steps", "2000"]));
    let run = only_run(&runs);
    let dir = run.to_str().unwrap();
    let ck = run.join("checkpoints");

    // A second writer gets the holder's PID.
    let lock = std::fs::File::create(run.join(".lock")).unwrap();
    lock.try_lock().unwrap();
    std::fs::write(run.join(".lock"), std::process::id().to_string()).unwrap();
    let e = fails(&["train", "--resume", dir, "--steps", "3000", "--quiet"]);
    assert!(
        e.contains(&format!("in use by another writer (PID {})", std::process::id())),
        "{e}"
    );
    drop(lock);

    // A temp file of a dead writer is removed when the run is opened for writing.
    let stale = ck.join(".step_1000.safetensors.tmp-99999999");
    std::fs::write(&stale, b"half").unwrap();
    let out = dqn()
        .args(["train", "--resume", dir, "--steps", "1500", "--quiet"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("past --steps 1500"),
        "a run past --steps warns: {stderr}"
    );
    assert!(!stale.exists(), "{stderr}");

    // Without its sidecar, the newest model still evaluates; resume names the missing file and
    // keeps that model.
    std::fs::remove_file(ck.join("step_2000.train.safetensors")).unwrap();
    let out = ok(&["eval", dir, "--episodes", "1", "--device", "cpu"]);
    assert!(out.contains("cartpole"), "{out}");
    let out = dqn()
        .args(["train", "--resume", dir, "--steps", "2500", "--quiet"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("step_2000.train.safetensors is missing"), "{stderr}");
    assert!(ck.join("step_2000.safetensors").exists());
}
