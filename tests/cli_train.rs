//! End-to-end tests of `dqn train`, `eval`, `--resume`, `watch` and the failure paths, on the real
//! binary with tiny budgets (cartpole, a few thousand steps).

mod common;

use agents::tensorboard::read_scalars;
use common::*;

/// Every file under `dir` with its size and modification time.
fn folder_state(dir: &std::path::Path) -> Vec<(std::path::PathBuf, u64, std::time::SystemTime)> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let m = e.metadata().unwrap();
            if m.is_dir() {
                todo.push(e.path());
            }
            out.push((e.path(), m.len(), m.modified().unwrap()));
        }
    }
    out.sort();
    out
}

fn run_cmd(args: &[&str]) -> std::process::Output {
    common::run(args)
}

const TINY: &[&str] = &[
    "--set",
    "dqn.learning_starts=500",
    "--set",
    "run.eval_episodes=2",
    "--set",
    "run.log_every=100",
    "--set",
    "run.checkpoint_every=1000",
    "--quiet",
];

fn train_tiny(runs: &std::path::Path, steps: &str, seed: &str, extra: &[&str]) -> String {
    let mut args = vec![
        "train", "--env", "cartpole", "--steps", steps, "--seed", seed, "--device", "cpu",
    ];
    args.extend_from_slice(&["--runs-dir", runs.to_str().unwrap()]);
    args.extend_from_slice(TINY);
    args.extend_from_slice(extra);
    ok(&args)
}

#[test]
fn train_eval_resume_round_trip() {
    let tmp = tempfile::tempdir().unwrap();
    let runs = tmp.path().join("runs");
    let out = train_tiny(&runs, "2000", "3", &[]);
    assert!(out.contains("trained 2000 steps"), "{out}");
    let run = only_run(&runs);
    let name = run.file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.starts_with("cartpole__dqn__3__"), "{name}");
    assert!(run.join("config.toml").is_file());
    assert!(run.join("checkpoints/step_2000.safetensors").is_file());
    assert!(run.join("checkpoints/step_2000.train.safetensors").is_file());

    // TensorBoard: the CleanRL tags, read back from our event file.
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

    // eval: one JSON object on stdout with the documented fields; the checkpoint picked is named
    // on stderr; nothing is written into the run folder (eval.json only with --out).
    let before = folder_state(&run);
    let out = run_cmd(&[
        "eval",
        run.to_str().unwrap(),
        "--episodes",
        "3",
        "--json",
        "--device",
        "cpu",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let v: serde_json::Value = serde_json::from_str(json.trim()).unwrap();
    assert_eq!(json.trim().lines().count(), 1, "exactly one JSON object: {json}");
    assert_eq!(v["episodes"], 3);
    assert!(
        v["mean_return"].as_f64().unwrap() >= 8.0,
        "cartpole episodes last at least 8 steps: {v}"
    );
    assert!(v["std_return"].as_f64().unwrap() >= 0.0);
    assert_eq!(v["checkpoint_kind"], "best", "the default is best when the run has one");
    assert_eq!(
        stderr.lines().filter(|l| l.starts_with("checkpoint: best")).count(),
        1,
        "{stderr}"
    );
    let last = ok(&[
        "eval",
        run.to_str().unwrap(),
        "--episodes",
        "1",
        "--json",
        "--checkpoint",
        "last",
    ]);
    let v: serde_json::Value = serde_json::from_str(last.trim()).unwrap();
    assert_eq!(
        (v["checkpoint_kind"].as_str(), v["checkpoint_step"].as_u64()),
        (Some("last"), Some(2000))
    );
    assert!(!run.join("eval.json").exists(), "eval writes nothing by default");
    assert_eq!(folder_state(&run), before, "eval leaves the run folder as it was");
    let saved = tmp.path().join("eval-out.json");
    let text = ok(&[
        "eval",
        run.to_str().unwrap(),
        "--episodes",
        "1",
        "--out",
        saved.to_str().unwrap(),
    ]);
    assert!(text.contains("over 1 episodes"), "{text}");
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&saved).unwrap()).unwrap();
    assert_eq!(v["episodes"], 1);
    // A failed --out write still shows the result, then fails with one line naming the file.
    let out = run_cmd(&[
        "eval",
        run.to_str().unwrap(),
        "--episodes",
        "1",
        "--json",
        "--out",
        "/proc/no-such-dir/e.json",
    ]);
    assert!(!out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["episodes"], 1, "the result is printed before the write fails");
    assert!(String::from_utf8_lossy(&out.stderr).contains("/proc/no-such-dir/e.json"));
    assert_eq!(folder_state(&run), before);

    // resume: the step count, TensorBoard steps and checkpoints continue.
    let out = ok(&["train", "--resume", run.to_str().unwrap(), "--steps", "3000", "--quiet"]);
    assert!(out.contains("trained 3000 steps"), "{out}");
    assert!(run.join("checkpoints/step_3000.safetensors").is_file());
    let scalars = read_scalars(&run).unwrap();
    let eps = &scalars["charts/epsilon"];
    assert!(
        eps.iter().any(|p| p.step > 2000),
        "TensorBoard steps continue after resume"
    );
    let first_after: Vec<_> = eps.iter().filter(|p| p.step > 2000).collect();
    let before: Vec<_> = eps.iter().filter(|p| p.step <= 2000).collect();
    assert!(
        first_after[0].value <= before.last().unwrap().value,
        "ε continues to fall, it does not restart"
    );

    // record --hud: what `watch` shows, headless: game 300×200 + HUD panel 120 wide, at 1×.
    let gif = tmp.path().join("hud.gif");
    let out = ok(&[
        "record",
        run.to_str().unwrap(),
        "--hud",
        "--episodes",
        "1",
        "--steps",
        "600",
        "--scale",
        "1",
        "--out",
        gif.to_str().unwrap(),
    ]);
    assert!(out.contains("episode returns: "), "{out}");
    let head = std::fs::read(&gif).unwrap();
    assert_eq!(&head[..6], b"GIF89a");
    assert_eq!(
        (
            u16::from_le_bytes([head[6], head[7]]),
            u16::from_le_bytes([head[8], head[9]])
        ),
        (420, 200)
    );

    // watch for a few frames (make test runs under xvfb-run with DQN_REQUIRE_DISPLAY=1, so a
    // missing display fails here); the screenshot is at the window's scale, and --record writes
    // what the window shows.
    if have_display() {
        let png = tmp.path().join("watch.png");
        let rec = tmp.path().join("watch.gif");
        ok(&[
            "watch",
            run.to_str().unwrap(),
            "--max-frames",
            "5",
            "--scale",
            "2",
            "--screenshot",
            png.to_str().unwrap(),
            "--record",
            rec.to_str().unwrap(),
        ]);
        let png_head = std::fs::read(&png).unwrap();
        let (w, h) = (&png_head[16..20], &png_head[20..24]);
        assert_eq!(
            (
                u32::from_be_bytes(w.try_into().unwrap()),
                u32::from_be_bytes(h.try_into().unwrap())
            ),
            (840, 400)
        );
        assert_eq!(&std::fs::read(&rec).unwrap()[..6], b"GIF89a");
    } else {
        eprintln!("SKIPPED: dqn watch window test (no DISPLAY; run under scripts/with-display.sh)");
    }
}

#[test]
fn same_seed_gives_identical_losses() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    train_tiny(&a, "1500", "5", &["--set", "run.log_every=20"]);
    train_tiny(&b, "1500", "5", &["--set", "run.log_every=20"]);
    let la = read_scalars(only_run(&a)).unwrap()["losses/td_loss"].clone();
    let lb = read_scalars(only_run(&b)).unwrap()["losses/td_loss"].clone();
    assert!(la.len() >= 20, "expected at least 20 logged losses, got {}", la.len());
    let va: Vec<(i64, f64)> = la.iter().map(|p| (p.step, p.value)).collect();
    let vb: Vec<(i64, f64)> = lb.iter().map(|p| (p.step, p.value)).collect();
    assert_eq!(va, vb, "the same seed must give the same losses");
}

#[test]
fn bad_input_fails_with_one_line() {
    let tmp = tempfile::tempdir().unwrap();
    let runs = tmp.path().join("runs");
    let runs_s = runs.to_str().unwrap();
    assert!(fails(&["train", "--env", "nope", "--runs-dir", runs_s]).contains("breakout"));
    assert!(fails(&["train", "--env", "cartpole", "--preset", "nope", "--runs-dir", runs_s]).contains("breakout-cpu"));
    let e = fails(&[
        "train",
        "--env",
        "cartpole",
        "--set",
        "dqn.lerning_rate=1",
        "--runs-dir",
        runs_s,
    ]);
    assert!(e.contains("learning_rate"), "the valid keys are listed: {e}");
    assert!(fails(&[
        "train",
        "--env",
        "cartpole",
        "--set",
        "dqn.batch_size=big",
        "--runs-dir",
        runs_s
    ])
    .contains("invalid type"));
    assert!(fails(&[
        "train",
        "--env",
        "cartpole",
        "--set",
        "dqn.batch_size=-1",
        "--runs-dir",
        runs_s
    ])
    .contains("invalid value"));
    assert!(fails(&[
        "train",
        "--env",
        "cartpole",
        "--set",
        "dqn.gamma=2",
        "--runs-dir",
        runs_s
    ])
    .contains("gamma"));
    assert!(fails(&[
        "train",
        "--env",
        "cartpole",
        "--set",
        "dqn.advantage_learning=1",
        "--runs-dir",
        runs_s
    ])
    .contains("dqn.advantage_learning must be in [0, 1)"));
    assert!(fails(&[
        "train",
        "--env",
        "cartpole",
        "--set",
        "dqn.learning_rate_decay_start=1.5",
        "--runs-dir",
        runs_s
    ])
    .contains("dqn.learning_rate_decay_start must be in [0, 1)"));
    assert!(
        !runs.exists() || std::fs::read_dir(&runs).unwrap().count() == 0,
        "no run folder for bad input"
    );
    fails(&[
        "train",
        "--env",
        "cartpole",
        "--runs-dir",
        "/proc/no-such-place/runs",
        "--quiet",
    ]);
    fails(&["eval", tmp.path().join("missing").to_str().unwrap()]);

    // A real run, then damaged checkpoints: every command refuses them with one line, and the
    // good files stay untouched.
    train_tiny(&runs, "1000", "1", &[]);
    let run = only_run(&runs);
    let model = run.join("checkpoints/step_1000.safetensors");
    let good = std::fs::read(&model).unwrap();
    let truncated = run.join("checkpoints/step_2000.safetensors");
    std::fs::write(&truncated, &good[..good.len() / 2]).unwrap();
    let e = fails(&["eval", truncated.to_str().unwrap(), "--episodes", "1"]);
    assert!(
        e.contains("step_2000") && (e.contains("corrupt") || e.contains("truncated")),
        "{e}"
    );
    let garbage = run.join("checkpoints/step_3000.safetensors");
    std::fs::write(&garbage, b"not a checkpoint").unwrap();
    fails(&["eval", garbage.to_str().unwrap(), "--episodes", "1"]);
    assert_eq!(std::fs::read(&model).unwrap(), good, "the good checkpoint is untouched");

    // A checkpoint of another architecture: the mismatch is explained.
    let other = tmp.path().join("other");
    train_tiny(&other, "1000", "1", &["--set", "net.torso.hidden=[16]"]);
    let foreign = only_run(&other).join("checkpoints/step_1000.safetensors");
    let wrong = run.join("checkpoints/step_4000.safetensors");
    std::fs::copy(&foreign, &wrong).unwrap();
    let e = fails(&["eval", wrong.to_str().unwrap(), "--episodes", "1"]);
    assert!(e.contains("another network") || e.contains("expected"), "{e}");
}

#[test]
fn nan_loss_stops_the_run_and_keeps_the_checkpoint() {
    let tmp = tempfile::tempdir().unwrap();
    let runs = tmp.path().join("runs");
    let mut args = vec![
        "train", "--env", "cartpole", "--steps", "20000", "--seed", "1", "--device", "cpu",
    ];
    args.extend_from_slice(&["--runs-dir", runs.to_str().unwrap()]);
    args.extend_from_slice(TINY);
    args.extend_from_slice(&["--set", "dqn.learning_rate=1e30", "--set", "dqn.max_grad_norm=0"]);
    let e = fails(&args);
    assert!(e.contains("NaN"), "{e}");
    assert!(e.contains("last good checkpoint"), "{e}");
}

/// Starts a long cartpole run, waits for its readiness line (printed once the signal handlers are
/// in place), sends `signal`, and returns (exit code, stdout, stderr).
fn stop_with(signal: libc::c_int, runs: &std::path::Path) -> (Option<i32>, String, String) {
    stop_with_all(&[signal], runs)
}

/// [`stop_with`], sending each of `signals` in turn, back to back (distinct signals, so that the
/// kernel cannot merge them into one pending signal).
fn stop_with_all(signals: &[libc::c_int], runs: &std::path::Path) -> (Option<i32>, String, String) {
    use std::io::BufRead;
    let mut args = vec![
        "train", "--env", "cartpole", "--steps", "1000000", "--seed", "1", "--device", "cpu",
    ];
    args.extend_from_slice(&["--runs-dir", runs.to_str().unwrap()]);
    args.extend_from_slice(TINY);
    let mut child = dqn()
        .args(&args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut seen = String::new();
    loop {
        let line = rx
            .recv_timeout(std::time::Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("no readiness line; stderr so far:\n{seen}"));
        seen.push_str(&line);
        seen.push('\n');
        if line.starts_with("training cartpole") {
            break;
        }
    }
    for &signal in signals {
        // SAFETY: kill(2) on our own child, which has not been waited for.
        let sent = unsafe { libc::kill(child.id() as libc::pid_t, signal) };
        assert_eq!(sent, 0, "kill failed");
    }
    let out = child.wait_with_output().unwrap();
    reader.join().unwrap();
    seen.extend(rx.try_iter().map(|l| l + "\n"));
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        seen,
    )
}

/// The only run under `runs` has a checkpoint with its `.train` sidecar, so `--resume` can go on.
fn assert_saved_a_resumable_checkpoint(runs: &std::path::Path) {
    let run = only_run(runs);
    let saved = std::fs::read_dir(run.join("checkpoints"))
        .unwrap()
        .flatten()
        .any(|e| e.file_name().to_string_lossy().ends_with(".train.safetensors"));
    assert!(saved, "no .train checkpoint in {}", run.display());
}

#[test]
fn ctrl_c_saves_a_checkpoint_and_exits_cleanly() {
    let tmp = tempfile::tempdir().unwrap();
    let runs = tmp.path().join("runs");
    let (code, stdout, stderr) = stop_with(libc::SIGINT, &runs);
    assert_eq!(code, Some(130), "a stopped run exits 130:\n{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stdout.contains("stopped after"), "{stdout}");
    assert!(
        stdout.contains("stopped by SIGINT") && stdout.contains("dqn train --resume"),
        "{stdout}"
    );
    assert_saved_a_resumable_checkpoint(&runs);
}

/// `timeout` signals a process and then its group, so a run gets its signal twice at once: that is
/// one stop, and the checkpoint is saved, not the run quit before it.
#[test]
fn two_signals_back_to_back_are_one_stop() {
    let tmp = tempfile::tempdir().unwrap();
    let runs = tmp.path().join("runs");
    let (code, stdout, stderr) = stop_with_all(&[libc::SIGINT, libc::SIGTERM], &runs);
    assert_eq!(code, Some(130), "{stderr}");
    assert!(stderr.contains("taken as the same stop"), "{stderr}");
    assert!(!stderr.contains("exiting now"), "{stderr}");
    // Either may be handled first: the kernel can hand the two to two threads at once.
    assert!(stdout.contains("stopped by SIG"), "{stdout}");
    assert_saved_a_resumable_checkpoint(&runs);
}

#[test]
fn sigterm_is_named_and_saves_like_ctrl_c() {
    let tmp = tempfile::tempdir().unwrap();
    let runs = tmp.path().join("runs");
    let (code, stdout, stderr) = stop_with(libc::SIGTERM, &runs);
    assert_eq!(code, Some(130), "{stderr}");
    assert!(stderr.contains("SIGTERM: saving a checkpoint"), "{stderr}");
    assert!(!stderr.contains("Ctrl-C"), "{stderr}");
    assert!(stdout.contains("stopped by SIGTERM"), "{stdout}");
    assert_saved_a_resumable_checkpoint(&runs);
}
