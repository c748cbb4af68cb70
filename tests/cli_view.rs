//! End-to-end tests of what a person sees of a run: the TensorBoard eval video, SPS and hparams,
//! `dqn plot` (formats, seed groups, errors), `record`'s flag checks, and that read-only
//! commands leave the run folder as it was.

mod common;

use agents::tensorboard::proto::{Kind, What};
use agents::tensorboard::{event_files, read_events, read_scalars};
use common::*;

fn train(runs: &std::path::Path, seed: &str) -> std::path::PathBuf {
    let args = [
        "train",
        "--env",
        "cartpole",
        "--steps",
        "1500",
        "--seed",
        seed,
        "--device",
        "cpu",
        "--runs-dir",
        runs.to_str().unwrap(),
        "--set",
        "dqn.learning_starts=500",
        "--set",
        "run.eval_episodes=1",
        "--set",
        "run.eval_every=500",
        "--set",
        "run.log_every=100",
        "--quiet",
    ];
    let out = ok(&args);
    assert!(out.contains("best model:"), "the summary names the best model: {out}");
    let mut dirs: Vec<_> = std::fs::read_dir(runs).unwrap().flatten().map(|e| e.path()).collect();
    dirs.sort();
    dirs.into_iter()
        .find(|d| d.to_string_lossy().contains(&format!("__{seed}__")))
        .unwrap()
}

fn files(dir: &std::path::Path) -> Vec<(std::path::PathBuf, u64, std::time::SystemTime)> {
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

#[test]
fn tensorboard_plot_and_record_show_a_run_without_touching_it() {
    let tmp = tempfile::tempdir().unwrap();
    let runs = tmp.path().join("runs");
    let a = train(&runs, "1");
    let b = train(&runs, "2");

    // TensorBoard: an animated eval GIF of at least 10 frames per evaluation, SPS only once
    // measured, and the hparams plugin's session start.
    let events = read_events(&event_files(&a).unwrap()[0]).unwrap();
    let mut gifs = Vec::new();
    let mut hparams = 0;
    for e in &events {
        let Some(What::Summary(s)) = &e.what else { continue };
        for v in &s.value {
            if let Some(Kind::Image(img)) = &v.kind {
                assert_eq!(v.tag, "eval/video");
                gifs.push(img.encoded_image_string.clone());
            }
            if v.metadata
                .as_ref()
                .and_then(|m| m.plugin_data.as_ref())
                .is_some_and(|p| p.plugin_name == "hparams")
            {
                hparams += 1;
            }
        }
    }
    assert_eq!(gifs.len(), 3, "evaluations at 500, 1000 and 1500 steps");
    for g in &gifs {
        assert_eq!(&g[..6], b"GIF89a");
        let mut d = gif::DecodeOptions::new().read_info(g.as_slice()).unwrap();
        let mut n = 0;
        while d.read_next_frame().unwrap().is_some() {
            n += 1;
        }
        assert!(n >= 10, "{n} frames");
    }
    assert_eq!(hparams, 2, "session start and end");
    let scalars = read_scalars(&a).unwrap();
    assert!(
        scalars["charts/SPS"].iter().all(|p| p.value > 0.0),
        "no zero SPS before the first measurement"
    );
    assert!(scalars.contains_key("hparams/best_eval") && scalars.contains_key("hparams/final_eval"));

    let before = (files(&a), files(&b));
    // plot: PNG and SVG by extension, seeds of one experiment as one curve.
    let png = tmp.path().join("c.png");
    let out = ok(&[
        "plot",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--out",
        png.to_str().unwrap(),
    ]);
    assert!(out.contains("1 curve from 2 runs"), "{out}");
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[1..4], b"PNG");
    let svg = tmp.path().join("c.svg");
    let out = ok(&[
        "plot",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--no-group",
        "--tag",
        "eval/mean_return",
        "--out",
        svg.to_str().unwrap(),
        "--width",
        "500",
        "--height",
        "300",
    ]);
    assert!(out.contains("2 curves"), "{out}");
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.starts_with("<svg") && text.contains("width=\"500\"") && text.contains("mean return (evaluation)"));
    assert!(
        text.contains(&*a.file_name().unwrap().to_string_lossy()),
        "full run names in the legend"
    );
    let e = fails(&["plot", a.to_str().unwrap(), "--out", "x.jpg"]);
    assert!(e.contains("x.jpg") && e.contains(".png or .svg"), "{e}");
    assert!(!std::path::Path::new("x.jpg").exists());
    let missing = tmp.path().join("nope");
    let e = fails(&["plot", missing.to_str().unwrap(), "--out", png.to_str().unwrap()]);
    assert!(e.contains(missing.to_str().unwrap()), "the path is named: {e}");
    let e = fails(&[
        "plot",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--no-group",
        "--label",
        "x",
        "--label",
        "y",
        "--label",
        "z",
        "--out",
        png.to_str().unwrap(),
    ]);
    assert!(e.contains("3 --label for 2 curves"), "{e}");
    let e = fails(&["plot", a.to_str().unwrap(), "--out", "/proc/no-such-dir/c.png"]);
    assert!(e.contains("/proc/no-such-dir/c.png"), "{e}");

    // record: --checkpoint, and its flag checks.
    let gif = tmp.path().join("a.gif");
    let out = dqn()
        .args([
            "record",
            a.to_str().unwrap(),
            "--checkpoint",
            "last",
            "--steps",
            "20",
            "--out",
            gif.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("checkpoint: last (step 1500)"));
    let e = fails(&[
        "record",
        a.to_str().unwrap(),
        "--policy",
        "bogus",
        "--out",
        gif.to_str().unwrap(),
    ]);
    assert!(e.contains("random") && e.contains("greedy"), "{e}");
    let e = fails(&[
        "record",
        "--env",
        "cartpole",
        "--policy",
        "bogus",
        "--out",
        gif.to_str().unwrap(),
    ]);
    assert!(e.contains("unknown --policy 'bogus'"), "{e}");
    let e = fails(&[
        "record",
        a.to_str().unwrap(),
        "--epsilon",
        "5",
        "--out",
        gif.to_str().unwrap(),
    ]);
    assert!(e.contains("--epsilon must be in [0, 1]"), "{e}");
    let e = fails(&[
        "eval",
        a.to_str().unwrap(),
        "--checkpoint",
        "best",
        "--episodes",
        "1",
        "--checkpoint",
        "last",
    ]);
    assert!(e.contains("--checkpoint"), "{e}");

    assert_eq!(
        (files(&a), files(&b)),
        before,
        "plot and record leave the run folders as they were"
    );
}
