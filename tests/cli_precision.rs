//! End-to-end tests of `--precision` (issue 11) and of the benchmark commands' input checks, on
//! the real binary with tiny budgets.

mod common;

use common::*;
use tch::Kind;

#[test]
fn fp16_on_the_cpu_is_one_line_and_creates_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let runs = tmp.path().join("runs");
    let runs_s = runs.to_str().unwrap();
    let line = fails(&[
        "train",
        "--env",
        "cartpole",
        "--precision",
        "fp16",
        "--device",
        "cpu",
        "--runs-dir",
        runs_s,
    ]);
    assert!(line.contains("fp16") && line.contains("CUDA only"), "{line}");
    assert!(
        !runs.exists() || std::fs::read_dir(&runs).unwrap().next().is_none(),
        "no run folder"
    );
    let line = fails(&["bench", "learner", "--precision", "fp16", "--no-peer"]);
    assert!(line.contains("CUDA only"), "{line}");
    let out = run(&["train", "--env", "cartpole", "--precision", "int4"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("fp32, bf16, fp16"));
}

#[test]
fn bf16_training_writes_f32_checkpoints_that_load_in_either_precision() {
    let tmp = tempfile::tempdir().unwrap();
    let runs = tmp.path().join("runs");
    let (out, err) = ok_out(&[
        "train",
        "--env",
        "cartpole",
        "--steps",
        "1200",
        "--seed",
        "1",
        "--device",
        "cpu",
        "--precision",
        "bf16",
        "--runs-dir",
        runs.to_str().unwrap(),
        "--set",
        "dqn.learning_starts=500",
        "--set",
        "run.eval_episodes=1",
        "--set",
        "run.checkpoint_every=1000",
        "--quiet",
    ]);
    assert!(out.contains("trained 1200 steps"), "{out}");
    // The start line names the precision beside the device.
    assert!(err.contains(" on cpu in bf16 for 1200 steps -> "), "{err}");
    let run = only_run(&runs);
    let config = std::fs::read_to_string(run.join("config.toml")).unwrap();
    assert!(config.contains("precision = \"bf16\""), "{config}");
    let model = run.join("checkpoints/step_1200.safetensors");
    let tensors = nets::read_tensors(&model).unwrap();
    assert!(!tensors.is_empty());
    for (name, t) in &tensors {
        assert_eq!(t.kind(), Kind::Float, "{name} is saved as f32");
    }
    let run_s = run.to_str().unwrap();
    for precision in ["fp32", "bf16"] {
        let json = ok(&[
            "eval",
            run_s,
            "--episodes",
            "2",
            "--json",
            "--device",
            "cpu",
            "--precision",
            precision,
        ]);
        let v: serde_json::Value = serde_json::from_str(json.trim()).unwrap();
        assert!(v["mean_return"].as_f64().unwrap() >= 8.0, "{precision}: {v}");
    }
    let line = fails(&["eval", run_s, "--device", "cpu", "--precision", "fp16"]);
    assert!(line.contains("CUDA only"), "{line}");
    // Resumed in fp32 from the bf16 run's checkpoint.
    let out = ok(&[
        "train",
        "--resume",
        run_s,
        "--steps",
        "1400",
        "--precision",
        "fp32",
        "--quiet",
    ]);
    assert!(out.contains("trained 1400 steps"), "{out}");
}

#[test]
fn benchmarks_refuse_empty_or_degenerate_measurements() {
    let line = fails(&["bench", "learner", "--updates", "0", "--acts", "5", "--no-peer"]);
    assert!(line.contains("--updates must be at least 1"), "{line}");
    let line = fails(&["bench", "learner", "--updates", "1", "--acts", "0", "--no-peer"]);
    assert!(line.contains("--acts must be at least 1"), "{line}");
    let line = fails(&["bench", "segnet", "--iters", "0", "--no-peer"]);
    assert!(line.contains("--iters must be at least 1"), "{line}");
    let line = fails(&["bench", "env", "--num-envs", "100000", "--steps", "1000"]);
    assert!(line.contains("--num-envs must be in 1..=256"), "{line}");
    let line = fails(&["bench", "env", "--num-envs", "8", "--steps", "700"]);
    assert!(
        line.contains("--steps must be at least 100 × --num-envs = 800"),
        "{line}"
    );
}

#[test]
fn bench_learner_reports_every_precision_path() {
    let (json, stderr) = ok_out(&[
        "bench",
        "learner",
        "--updates",
        "1",
        "--acts",
        "2",
        "--precision",
        "bf16",
        "--no-peer",
        "--json",
    ]);
    // The int8 head goes through ATen's fbgemm_linear_* functions, which warn that they are
    // deprecated; that note is PyTorch's, not the user's, and stays off the terminal.
    assert!(!stderr.contains("deprecated"), "{stderr}");
    let v: serde_json::Value = serde_json::from_str(json.trim()).unwrap();
    assert_eq!(v["precision"], "bf16");
    for key in [
        "updates_per_sec",
        "explicit_cast_updates_per_sec",
        "act_fp32_per_sec",
        "act_bf16_per_sec",
        "act_int8_per_sec",
        "gflop_per_sec",
    ] {
        assert!(v[key].as_f64().is_some_and(|x| x > 0.0), "{key}: {v}");
    }
    assert!((v["flop_per_update"].as_f64().unwrap() - 2.1826e9).abs() < 1e6, "{v}");
}

#[test]
fn version_reports_cpu_bf16_support() {
    let out = ok(&["--version"]);
    let line = out
        .lines()
        .find(|l| l.starts_with("cpu bf16 "))
        .expect("a cpu bf16 line");
    assert!(line.contains("native") || line.contains("emulated"), "{line}");
}
