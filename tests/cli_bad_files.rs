//! Hostile files and sizes through the real binary (issue 14): tampered checkpoints (NaN weights,
//! integer tensors, a target tensor of the wrong shape, overlapping data) and `segnet gen` sizes
//! that cannot be allocated. Each gives one `error:` line naming the culprit, and leaves nothing
//! behind.

mod common;

use common::*;
use std::path::Path;
use tch::{Kind, Tensor};

/// Replaces tensor `name` of the safetensors file at `path` by `f(old)`.
fn tamper(path: &Path, name: &str, f: impl Fn(&Tensor) -> Tensor) {
    let mut tensors = nets::read_tensors(path).unwrap();
    let slot = tensors.iter_mut().find(|(n, _)| n == name).unwrap();
    slot.1 = f(&slot.1);
    nets::save_tensors(&tensors, path).unwrap();
}

#[test]
fn tampered_checkpoints_give_one_line_naming_the_tensor() {
    let tmp = tempfile::tempdir().unwrap();
    let runs = tmp.path().join("runs");
    ok(&[
        "train",
        "--env",
        "cartpole",
        "--steps",
        "600",
        "--device",
        "cpu",
        "--runs-dir",
        runs.to_str().unwrap(),
        "--set",
        "dqn.learning_starts=500",
        "--set",
        "run.eval_episodes=1",
        "--quiet",
    ]);
    let run_dir = only_run(&runs);
    let run_s = run_dir.to_str().unwrap();
    let model = run_dir.join("checkpoints/step_600.safetensors");
    let sidecar = run_dir.join("checkpoints/step_600.train.safetensors");
    let (model_bytes, sidecar_bytes) = (std::fs::read(&model).unwrap(), std::fs::read(&sidecar).unwrap());
    let name = nets::read_tensors(&model).unwrap()[0].0.clone();
    // The tampered file is the newest step model, not best.safetensors (eval's default).
    let eval = [
        "eval",
        run_s,
        "--checkpoint",
        "last",
        "--episodes",
        "1",
        "--device",
        "cpu",
    ];

    tamper(&model, &name, |t| t.copy().fill_(f64::NAN));
    let e = fails(&eval);
    assert!(e.contains(&name) && e.contains("NaN or infinite"), "{e}");

    std::fs::write(&model, &model_bytes).unwrap();
    tamper(&model, &name, |t| t.to_kind(Kind::Int));
    let e = fails(&eval);
    assert!(e.contains(&name) && e.contains("refusing to cast"), "{e}");

    // Two tensors claiming the same bytes: refused by the Rust check before libtorch sees them.
    std::fs::write(&model, &model_bytes).unwrap();
    let mut bytes = model_bytes.clone();
    let header_len = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header = String::from_utf8(bytes[8..8 + header_len].to_vec()).unwrap();
    let key = "\"data_offsets\":[";
    let (begin, end) = header
        .match_indices(key)
        .map(|(i, _)| {
            (
                i + key.len(),
                i + key.len() + header[i + key.len()..].find(',').unwrap(),
            )
        })
        .find(|&(b, e)| &header[b..e] != "0")
        .unwrap();
    let zero = format!("{:<width$}", 0, width = end - begin);
    bytes[8 + begin..8 + end].copy_from_slice(zero.as_bytes());
    std::fs::write(&model, &bytes).unwrap();
    let e = fails(&eval);
    assert!(e.contains("not a valid safetensors file"), "{e}");

    // A target tensor of the wrong shape in the training state: refused before "resuming".
    std::fs::write(&model, &model_bytes).unwrap();
    let target = format!("target.{name}");
    tamper(&sidecar, &target, |t| {
        Tensor::zeros([t.numel() as i64 + 1], (t.kind(), t.device()))
    });
    let out = run(&["train", "--resume", run_s, "--steps", "1200", "--quiet"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(!String::from_utf8_lossy(&out.stdout).contains("resuming"), "{stderr}");
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error")).collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    assert!(
        errors[0].contains(&target) && errors[0].contains("expected"),
        "{stderr}"
    );
    assert!(!stderr.contains("frame #"), "no C++ backtrace: {stderr}");
    std::fs::write(&sidecar, &sidecar_bytes).unwrap();
}

#[test]
fn segnet_gen_refuses_sizes_it_cannot_allocate_and_leaves_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("data");
    let out_s = out.to_str().unwrap();
    let e = fails(&["segnet", "gen", "--out", out_s, "--size", "100000x100000"]);
    assert!(
        e.contains("100000×100000 is too large") && e.contains("at most 4096 pixels"),
        "{e}"
    );
    let e = fails(&["segnet", "gen", "--out", out_s, "--size", "4097x8"]);
    assert!(e.contains("at most 4096"), "{e}");
    let e = fails(&[
        "segnet",
        "gen",
        "--out",
        out_s,
        "--train",
        "18446744073709551615",
        "--val",
        "1",
    ]);
    assert!(e.contains("too many") && e.contains("at most 100000"), "{e}");
    let left: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert!(left.is_empty(), "nothing is created or left behind: {left:?}");
}

#[test]
fn a_closed_stdout_pipe_ends_quietly_without_a_panic() {
    // `dqn list | head -0`: the reader of stdout is gone before dqn writes its first line.
    // println! would panic ("failed printing to stdout: Broken pipe"); dqn ends as a shell tool
    // killed by SIGPIPE does (status 141) and prints nothing on stderr.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = dqn()
        .arg("list")
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.is_empty(), "{stderr}");
    assert_eq!(out.status.code(), Some(141));
}
