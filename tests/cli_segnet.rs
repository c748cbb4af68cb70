//! `dqn segnet …` end to end with the real binary and tiny budgets: gen, train, eval --json,
//! predict (whose raw masks must give eval's numbers), and each bad input of the issue.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use agents::seg::data::read_split_list;
use agents::seg::metrics::ConfusionMatrix;
use agents::seg::pngio::{read_labels, write_gray};

fn dqn(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dqn"))
        .args(args)
        .env("OMP_NUM_THREADS", "1")
        .output()
        .expect("run dqn")
}

fn ok(out: &Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "dqn failed\nstdout: {stdout}\nstderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

fn gen(dir: &Path) -> PathBuf {
    let data = dir.join("data");
    let d = data.to_str().unwrap();
    ok(&dqn(&[
        "segnet", "gen", "--out", d, "--train", "6", "--val", "2", "--test", "2", "--size", "48x64", "--seed", "3",
    ]));
    data
}

fn train_args<'a>(data: &'a str, runs: &'a str) -> Vec<&'a str> {
    vec![
        "segnet",
        "train",
        "--data",
        data,
        "--size",
        "48x64",
        "--epochs",
        "1",
        "--batch-size",
        "3",
        "--runs-dir",
        runs,
        "--device",
        "cpu",
        "--quiet",
    ]
}

/// The value after `prefix` on the line that starts with it.
fn line_value(text: &str, prefix: &str) -> String {
    text.lines()
        .find_map(|l| l.strip_prefix(prefix))
        .unwrap_or_else(|| panic!("no `{prefix}` line in {text}"))
        .trim()
        .to_string()
}

/// Runs `predict` on every test image of `data` into `pred_dir` and counts its raw masks against
/// the labels (checking the outputs' sizes and values on the way).
fn count_predict_masks(run: &str, data: &Path, pred_dir: &Path) -> ConfusionMatrix {
    let samples = read_split_list(data, "test").unwrap();
    let mut args = vec!["segnet".to_string(), "predict".into(), run.into(), "--out".into()];
    args.push(pred_dir.to_str().unwrap().into());
    args.extend(samples.iter().map(|s| s.image.to_str().unwrap().to_string()));
    ok(&dqn(&args.iter().map(String::as_str).collect::<Vec<_>>()));
    let mut cm = ConfusionMatrix::new();
    for s in &samples {
        let stem = s.image.file_stem().unwrap().to_string_lossy().into_owned();
        let mask = read_labels(&pred_dir.join(format!("{stem}_mask.png"))).unwrap();
        let label = read_labels(&s.label).unwrap();
        assert_eq!((mask.width, mask.height), (64, 48), "mask at the image's own size");
        assert!(mask.data.iter().all(|&v| v <= 10));
        let color = agents::seg::pngio::read_rgb(&pred_dir.join(format!("{stem}_color.png"))).unwrap();
        assert_eq!((color.width, color.height), (64, 48), "colours at the image's own size");
        // The overlay carries the colour legend in a band below the image: every class's swatch.
        let overlay = agents::seg::pngio::read_rgb(&pred_dir.join(format!("{stem}_overlay.png"))).unwrap();
        assert_eq!(overlay.width, 64);
        assert!(overlay.height > 48, "legend band below the image");
        let band = &overlay.data[64 * 48 * 3..];
        for class in envs::Class::ALL {
            assert!(
                band.chunks_exact(3).any(|p| p == class.color()),
                "{} swatch",
                class.name()
            );
        }
        cm.add(&mask.data, &label.data).unwrap();
    }
    cm
}

/// `--driver`: a DQN run trained on driving drives (named in the window and on stdout); a person
/// drives with a window (a one-line error without a display); a run that is not a driving DQN run
/// is refused in one line.
fn check_drivers(tmp: &Path, seg_run: &str) {
    let runs = tmp.join("dqn_runs");
    ok(&dqn(&[
        "train",
        "--env",
        "driving",
        "--steps",
        "600",
        "--seed",
        "1",
        "--device",
        "cpu",
        "--quiet",
        "--runs-dir",
        runs.to_str().unwrap(),
        "--set",
        "dqn.learning_starts=500",
        "--set",
        "dqn.buffer_size=1000",
        "--set",
        "run.eval_episodes=0",
        "--set",
        "run.checkpoint_every=600",
    ]));
    let dqn_run = std::fs::read_dir(&runs).unwrap().flatten().next().unwrap().path();
    let name = dqn_run.file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.starts_with("driving__dqn__1__"), "{name}");
    let watch = |driver: &str| {
        dqn(&[
            "segnet",
            "watch",
            seg_run,
            "--max-frames",
            "3",
            "--scale",
            "1",
            "--driver",
            driver,
            "--screenshot",
            tmp.join("driver.png").to_str().unwrap(),
        ])
    };
    let out = ok(&watch(dqn_run.to_str().unwrap()));
    assert!(out.contains(&format!("driver: dqn {name}")), "{out}");

    let person = watch("you");
    if std::env::var_os("DISPLAY").is_some_and(|d| !d.is_empty()) {
        assert!(ok(&person).contains("driver: you"));
    } else {
        assert!(
            std::env::var("DQN_REQUIRE_DISPLAY").as_deref() != Ok("1"),
            "DQN_REQUIRE_DISPLAY=1 but DISPLAY is not set"
        );
        let stderr = String::from_utf8_lossy(&person.stderr);
        assert!(
            !person.status.success() && stderr.trim().lines().count() == 1,
            "{stderr}"
        );
    }

    let wrong = watch(seg_run);
    let stderr = String::from_utf8_lossy(&wrong.stderr);
    assert!(!wrong.status.success(), "a SegNet run cannot drive");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn gen_train_eval_predict_agree() {
    let tmp = tempfile::tempdir().unwrap();
    let data = gen(tmp.path());
    for f in ["train", "trainannot", "val", "valannot", "test", "testannot"] {
        assert!(data.join(f).is_dir(), "{f}/ missing");
    }
    let runs = tmp.path().join("runs");
    let trained = dqn(&train_args(data.to_str().unwrap(), runs.to_str().unwrap()));
    let out = ok(&trained);
    // The start line names the device and the precision.
    let err = String::from_utf8_lossy(&trained.stderr);
    assert!(err.contains(" at 48x64 on cpu in fp32 for 1 epochs -> "), "{err}");
    let run = PathBuf::from(line_value(&out, "run:"));
    assert!(run
        .file_name()
        .unwrap()
        .to_string_lossy()
        .starts_with("segnet__basic__1__"));
    assert!(run.join("config.toml").is_file());
    assert!(run.join("checkpoints/epoch_1.safetensors").is_file());
    assert!(run.join("checkpoints/epoch_1.train.safetensors").is_file());
    let scalars = agents::tensorboard::read_scalars(&run).unwrap();
    for tag in ["val/miou", "val/global_accuracy", "val/class_average_accuracy"] {
        assert_eq!(
            scalars.get(tag).map(|v| v.len()),
            Some(1),
            "{tag} in {:?}",
            scalars.keys()
        );
    }
    assert!(scalars.contains_key("train/loss"));

    let run_s = run.to_str().unwrap();
    let json: serde_json::Value = serde_json::from_str(&ok(&dqn(&[
        "segnet",
        "eval",
        run_s,
        "--data",
        data.to_str().unwrap(),
        "--split",
        "test",
        "--json",
    ])))
    .unwrap();
    let num = |k: &str| json[k].as_f64().unwrap_or_else(|| panic!("{k} missing in {json}"));
    for k in ["global_accuracy", "class_average_accuracy", "miou"] {
        assert!((0.0..=1.0).contains(&num(k)), "{k} = {}", num(k));
    }
    assert_eq!(json["per_class_iou"].as_object().unwrap().len(), 11);

    // The live view: game | ground truth | prediction, the legend and the IoU line, at 1×
    // (headless without a display, in a window under xvfb-run).
    let shot = tmp.path().join("segwatch.png");
    let out = ok(&dqn(&[
        "segnet",
        "watch",
        run_s,
        "--max-frames",
        "3",
        "--scale",
        "1",
        "--screenshot",
        shot.to_str().unwrap(),
    ]));
    assert!(out.contains("driver: scripted"), "{out}");
    let img = agents::seg::pngio::read_rgb(&shot).unwrap();
    assert_eq!((img.width, img.height), (3 * 160 + 4, 12 + 210 + 4 + 30 + 12));
    check_drivers(tmp.path(), run_s);

    // predict's raw masks, counted against the labels, give eval's numbers.
    let check_agreement = |json: &serde_json::Value, pred_dir: &Path| {
        let cm = count_predict_masks(run_s, &data, pred_dir);
        let num = |k: &str| json[k].as_f64().unwrap_or_else(|| panic!("{k} missing in {json}"));
        assert!((cm.global_accuracy() - num("global_accuracy")).abs() < 1e-12);
        assert!((cm.class_average_accuracy() - num("class_average_accuracy")).abs() < 1e-12);
        assert!((cm.mean_iou() - num("miou")).abs() < 1e-12);
    };
    assert_eq!(json["calibrated"], false);
    check_agreement(&json, &tmp.path().join("pred"));

    // Calibration: fitted on val (never test), saved in the run, applied by eval and predict alike.
    let err = dqn(&["segnet", "calibrate", run_s, "--split", "test"]);
    assert!(!err.status.success());
    let stderr = String::from_utf8_lossy(&err.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("never on `test`"), "{stderr}");
    let out = ok(&dqn(&["segnet", "calibrate", run_s, "--data", data.to_str().unwrap()]));
    let (before, after) = line_value(
        &out,
        &format!("{} split `val` (2 images, at 48x64): mIoU", data.display()),
    )
    .split_once(" -> ")
    .map(|(a, b)| (a.parse::<f64>().unwrap(), b.parse::<f64>().unwrap()))
    .unwrap();
    assert!(after >= before, "{out}");
    let cal: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("calibration.json")).unwrap()).unwrap();
    assert_eq!(cal["bias"].as_array().unwrap().len(), 11);
    assert_eq!(cal["split"], "val");
    let eval_json = |extra: &[&str]| -> serde_json::Value {
        let mut args = vec!["segnet", "eval", run_s, "--data", data.to_str().unwrap(), "--json"];
        args.extend_from_slice(extra);
        serde_json::from_str(&ok(&dqn(&args))).unwrap()
    };
    let calibrated = eval_json(&[]);
    assert_eq!(calibrated["calibrated"], true);
    assert_eq!(calibrated["flip_tta"], false);
    check_agreement(&calibrated, &tmp.path().join("pred_cal"));
    let plain = eval_json(&["--no-calibration"]);
    assert_eq!(plain["calibrated"], false);
    assert_eq!(plain["miou"], json["miou"]);
    // With flip averaging too: eval and predict still agree.
    let out = ok(&dqn(&[
        "segnet",
        "calibrate",
        run_s,
        "--data",
        data.to_str().unwrap(),
        "--flip-tta",
    ]));
    assert!(out.contains("(with flip averaging)"), "{out}");
    let flipped = eval_json(&[]);
    assert_eq!(
        (flipped["calibrated"].clone(), flipped["flip_tta"].clone()),
        (true.into(), true.into())
    );
    check_agreement(&flipped, &tmp.path().join("pred_flip"));

    // Resume continues from the checkpoint to a new total.
    let out = ok(&dqn(&[
        "segnet", "train", "--resume", run_s, "--epochs", "2", "--quiet",
    ]));
    assert_eq!(line_value(&out, "run:"), run_s);
    assert!(run.join("checkpoints/epoch_2.safetensors").is_file());
    // The calibration was fitted for epoch 1: it no longer applies, and eval says so.
    let stale = dqn(&["segnet", "eval", run_s, "--data", data.to_str().unwrap(), "--json"]);
    let json: serde_json::Value = serde_json::from_str(&ok(&stale)).unwrap();
    assert_eq!(json["calibrated"], false);
    let warning = String::from_utf8_lossy(&stale.stderr);
    assert!(
        warning.contains("epoch_1.safetensors") && warning.contains("calibrate"),
        "{warning}"
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

/// Runs `train` on a broken copy of `data` and checks for one clear error line naming `needle`.
fn expect_error(case: &str, data: &Path, runs: &Path, needle: &str) {
    let out = dqn(&train_args(data.to_str().unwrap(), runs.to_str().unwrap()));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{case}: should fail");
    assert!(!stderr.contains("panicked"), "{case}: panic: {stderr}");
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "{case}: one error line expected: {stderr}");
    assert!(errors[0].contains(needle), "{case}: `{needle}` not in {}", errors[0]);
}

#[test]
fn bad_inputs_give_one_clear_line() {
    let tmp = tempfile::tempdir().unwrap();
    let good = gen(tmp.path());
    let runs = tmp.path().join("runs");
    let first = read_split_list(&good, "train").unwrap()[0].clone();
    let rel = |p: &Path| p.strip_prefix(&good).unwrap().to_path_buf();
    let (img_rel, lab_rel) = (rel(&first.image), rel(&first.label));
    let case = |name: &str| {
        let d = tmp.path().join(name);
        copy_dir(&good, &d);
        d
    };

    let d = case("missing_split");
    std::fs::remove_dir_all(d.join("valannot")).unwrap();
    expect_error("missing split folder", &d, &runs, "valannot");

    let d = case("nowhere");
    let list = d.join("train.txt");
    let text = std::fs::read_to_string(&list).unwrap();
    std::fs::write(
        &list,
        format!("/SegNet/CamVid/train/ghost.png /SegNet/CamVid/trainannot/ghost.png\n{text}"),
    )
    .unwrap();
    expect_error("list entry that points nowhere", &d, &runs, "ghost.png");

    let d = case("size");
    write_gray(&d.join(&lab_rel), 10, 8, &[0; 80]).unwrap();
    expect_error(
        "size mismatch",
        &d,
        &runs,
        lab_rel.file_name().unwrap().to_str().unwrap(),
    );

    let d = case("values");
    write_gray(&d.join(&lab_rel), 64, 48, &[12; 64 * 48]).unwrap();
    expect_error(
        "label value above 11",
        &d,
        &runs,
        lab_rel.file_name().unwrap().to_str().unwrap(),
    );

    let d = case("notpng");
    std::fs::write(d.join(&img_rel), b"this is not a PNG").unwrap();
    expect_error(
        "non-PNG file",
        &d,
        &runs,
        img_rel.file_name().unwrap().to_str().unwrap(),
    );

    let d = case("empty");
    std::fs::write(d.join("train.txt"), "").unwrap();
    expect_error("empty dataset", &d, &runs, "train.txt");

    // A DQN checkpoint (Nature CNN backbone) does not fit SegNet-Basic's VGG encoder.
    let vs = tch::nn::VarStore::new(tch::Device::Cpu);
    nets::QNet::new(&vs.root(), &nets::QNetConfig::nature(), &[4, 84, 84], 4).unwrap();
    let ckpt = tmp.path().join("dqn_nature.safetensors");
    nets::save_varstore(&vs, &ckpt).unwrap();
    let mut args = train_args(good.to_str().unwrap(), runs.to_str().unwrap());
    let c = ckpt.to_str().unwrap();
    args.extend(["--init-backbone", c]);
    let out = dqn(&args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && !stderr.contains("panicked"), "{stderr}");
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    assert!(
        errors[0].contains("dqn_nature.safetensors") && errors[0].contains("does not fit"),
        "{}",
        errors[0]
    );
}
