//! `dqn segnet gen | train | eval | predict | calibrate | watch`: driving-scene segmentation with SegNet.

use std::path::{Path, PathBuf};

use agents::run::RunDir;
use agents::seg::calibrate::calibrate;
use agents::seg::evaluate::{evaluate_split, SegMetrics};
use agents::seg::gen::{generate, SplitCounts};
use agents::seg::predict::{predict_files, SegModel};
use agents::seg::train::{train, SegProgress, SegTrainConfig, SegTrainOptions, PRESETS};
use anyhow::Context;
use clap::{Args, Subcommand};
use envs::viewer::Viewer;
use envs::Frame;
use indicatif::{ProgressBar, ProgressStyle};
use rand::{RngExt, SeedableRng};

/// Arguments of `dqn segnet`.
#[derive(Args, Debug)]
pub struct SegnetArgs {
    #[command(subcommand)]
    pub command: SegnetCommand,
}

/// The `dqn segnet` subcommands.
#[derive(Subcommand, Debug)]
pub enum SegnetCommand {
    /// Generate a driving-scene dataset in the CamVid layout (train/ trainannot/ ... train.txt ...).
    Gen(GenArgs),
    /// Train a SegNet on a CamVid-layout dataset; makes runs/segnet__<preset>__<seed>__<time>/.
    Train(SegTrainArgs),
    /// Evaluate a SegNet run on a split: global accuracy, class-average accuracy, mIoU, IoU per class.
    Eval(SegEvalArgs),
    /// Write colourised masks, raw class-id masks and overlays for images.
    Predict(PredictArgs),
    /// Fit per-class logit biases on the val split that maximise mIoU (used by eval/predict/watch).
    Calibrate(CalibrateArgs),
    /// Drive the driving game with the live segmentation beside it.
    Watch(SegWatchArgs),
}

#[derive(Args, Debug)]
pub struct GenArgs {
    /// Output folder (must not exist or be empty).
    #[arg(long)]
    pub out: PathBuf,
    /// Training images.
    #[arg(long, default_value_t = 1000)]
    pub train: usize,
    /// Validation images.
    #[arg(long, default_value_t = 200)]
    pub val: usize,
    /// Test images.
    #[arg(long, default_value_t = 200)]
    pub test: usize,
    /// Image size HxW (CamVid is 360x480).
    #[arg(long, default_value = "360x480", value_parser = parse_size)]
    pub size: (usize, usize),
    /// Random seed.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  dqn segnet train --data data/driving --size 90x120 --epochs 20\n  dqn segnet train --data data/driving --epochs 20 --class-weights sqrt-median --lr-end 1e-5 --no-crop   # our best on 90x120 data (README), then: dqn segnet calibrate RUN --flip-tta\n  dqn segnet train --data data/driving --preset basic --init-backbone runs/driving__dqn__1__1700000000/checkpoints/step_400000.safetensors\n  dqn segnet train --resume runs/segnet__basic__1__1700000000 --epochs 30\n\nCtrl-C saves a checkpoint and exits; --resume continues it. Presets: basic (SegNet-Basic-like, 4x64 3x3 conv+BN: the same encoder as the `driving` DQN preset, for backbone transfer), vgg16.\n--init-backbone copies backbone.* tensors whose names and shapes match; a DQN's first conv takes 4 stacked gray frames and SegNet's takes 3 RGB channels, so that one tensor is always skipped (and listed)."
)]
pub struct SegTrainArgs {
    /// Dataset root (CamVid layout). Required unless --resume.
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Network preset: basic | vgg16.
    #[arg(long, default_value = "basic")]
    pub preset: String,
    /// Network input size HxW. Default: the first training image's size.
    #[arg(long, value_parser = parse_size)]
    pub size: Option<(usize, usize)>,
    /// Epochs in total (with --resume: the new total).
    #[arg(long)]
    pub epochs: Option<u32>,
    /// Images per batch.
    #[arg(long, default_value_t = 8)]
    pub batch_size: usize,
    /// Adam learning rate.
    #[arg(long, default_value_t = 1e-3)]
    pub lr: f64,
    /// Anneal the learning rate to this along a cosine over the whole run (default: constant).
    #[arg(long, value_name = "LR")]
    pub lr_end: Option<f64>,
    /// Class weights of the loss, from the training labels: median (median-frequency balancing),
    /// sqrt-median (its square root: milder, fewer false positives of rare classes) or none.
    #[arg(long, default_value = "median", value_name = "MODE")]
    pub class_weights: String,
    /// auto | cpu | cuda | cuda:N.
    #[arg(long)]
    pub device: Option<String>,
    /// Load backbone.* from a DQN or SegNet checkpoint (shapes checked; what is skipped is listed).
    #[arg(long, value_name = "CKPT")]
    pub init_backbone: Option<PathBuf>,
    /// Keep the backbone fixed (its trainable weights get no updates).
    #[arg(long)]
    pub freeze_backbone: bool,
    /// Turn augmentation (flips, crops/scaling, colour jitter) off.
    #[arg(long)]
    pub no_augment: bool,
    /// Keep flips and colour jitter but no random crop/zoom (whose resampling blurs thin objects).
    #[arg(long, conflicts_with = "no_augment")]
    pub no_crop: bool,
    /// fp32 | bf16 forward/backward passes (mixed precision: f32 weights, Adam state and
    /// checkpoints); fp16 is CUDA only.
    #[arg(long)]
    pub precision: Option<nets::Precision>,
    /// Continue a run from its newest checkpoint.
    #[arg(long, value_name = "RUN_DIR", conflicts_with_all = ["data", "size", "init_backbone", "seed"])]
    pub resume: Option<PathBuf>,
    /// Folder that holds the run folders.
    #[arg(long, default_value = "runs")]
    pub runs_dir: PathBuf,
    /// Random seed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Args, Debug)]
pub struct SegEvalArgs {
    /// A segnet run folder.
    pub run: PathBuf,
    /// Dataset root. Default: the run's training data.
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// train | val | test.
    #[arg(long, default_value = "test")]
    pub split: String,
    /// auto | cpu | cuda | cuda:N.
    #[arg(long, default_value = "cpu")]
    pub device: String,
    /// fp32 | bf16 forward passes (the weights stay f32; fp16 is CUDA only).
    #[arg(long, default_value = "fp32")]
    pub precision: nets::Precision,
    /// Print JSON (global_accuracy, class_average_accuracy, miou, per_class_iou, calibrated, flip_tta, ...).
    #[arg(long)]
    pub json: bool,
    /// Ignore the run's calibration.json (class biases from `dqn segnet calibrate`).
    #[arg(long)]
    pub no_calibration: bool,
}

#[derive(Args, Debug)]
#[command(
    after_help = "Example:\n  dqn segnet calibrate runs/segnet__basic__1__1700000000 --data data/driving\n\nClass weights make the network over-predict rare classes; a bias per class on the logits moves\nthe decision boundaries back. The biases are fitted by coordinate ascent on the mIoU of the\nsplit (at the network's input size) and saved as RUN/calibration.json, which eval, predict and\nwatch then apply (each has --no-calibration). --flip-tta also averages each image's logits with\nits mirror image's, before the biases. The test split is refused."
)]
pub struct CalibrateArgs {
    /// A segnet run folder.
    pub run: PathBuf,
    /// Dataset root. Default: the run's training data.
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// The split to fit on: val (or train; never test).
    #[arg(long, default_value = "val")]
    pub split: String,
    /// auto | cpu | cuda | cuda:N.
    #[arg(long, default_value = "cpu")]
    pub device: String,
    /// Also average each image's logits with its mirror image's (horizontal-flip test-time
    /// augmentation, twice the inference cost; +0.03 test mIoU on our 90x120 driving data, see the
    /// README); eval, predict and watch then do the same.
    #[arg(long)]
    pub flip_tta: bool,
}

#[derive(Args, Debug)]
pub struct PredictArgs {
    /// A segnet run folder.
    pub run: PathBuf,
    /// PNG images.
    #[arg(required = true)]
    pub images: Vec<PathBuf>,
    /// Output folder.
    #[arg(long)]
    pub out: PathBuf,
    /// auto | cpu | cuda | cuda:N.
    #[arg(long, default_value = "cpu")]
    pub device: String,
    /// Ignore the run's calibration.json (class biases from `dqn segnet calibrate`).
    #[arg(long)]
    pub no_calibration: bool,
}

#[derive(Args, Debug)]
pub struct SegWatchArgs {
    /// A segnet run folder.
    pub run: PathBuf,
    #[command(flatten)]
    pub opts: SegWatchOptions,
}

/// Options of [`watch_segmentation`].
#[derive(Args, Debug, Clone)]
pub struct SegWatchOptions {
    /// Frames per second.
    #[arg(long, default_value_t = 15)]
    pub fps: usize,
    /// Window scale.
    #[arg(long, default_value_t = 2)]
    pub scale: usize,
    /// Game seed.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Stop after this many frames.
    #[arg(long)]
    pub max_frames: Option<u64>,
    /// Save the last shown frame (game | segmentation) as a PNG.
    #[arg(long)]
    pub screenshot: Option<PathBuf>,
    /// Ignore the run's calibration.json (class biases from `dqn segnet calibrate`).
    #[arg(long)]
    pub no_calibration: bool,
}

/// Parses `HxW`, e.g. `360x480`.
pub fn parse_size(s: &str) -> Result<(usize, usize), String> {
    let bad = || format!("size must be HxW with positive integers, e.g. 360x480; got `{s}`");
    let (h, w) = s.split_once(['x', 'X']).ok_or_else(bad)?;
    let (h, w) = (
        h.trim().parse::<usize>().map_err(|_| bad())?,
        w.trim().parse::<usize>().map_err(|_| bad())?,
    );
    if h == 0 || w == 0 {
        return Err(bad());
    }
    Ok((h, w))
}

pub fn run(a: SegnetArgs) -> anyhow::Result<()> {
    match a.command {
        SegnetCommand::Gen(a) => gen(a),
        SegnetCommand::Train(a) => train_cmd(a),
        SegnetCommand::Eval(a) => eval_cmd(a),
        SegnetCommand::Predict(a) => predict_cmd(a),
        SegnetCommand::Calibrate(a) => calibrate_cmd(a),
        SegnetCommand::Watch(a) => watch_segmentation(&a.run, &a.opts),
    }
}

fn bar(len: u64, template: &str) -> ProgressBar {
    use std::io::IsTerminal;
    let bar = if std::io::stderr().is_terminal() {
        ProgressBar::new(len)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar()));
    bar
}

fn gen(a: GenArgs) -> anyhow::Result<()> {
    let total = (a.train + a.val + a.test) as u64;
    let pb = bar(total, "{bar:30.cyan/blue} {pos}/{len} images  {per_sec}  ETA {eta}");
    let counts = SplitCounts {
        train: a.train,
        val: a.val,
        test: a.test,
    };
    let report = generate(&a.out, counts, a.size, a.seed, &|done, _| pb.set_position(done as u64))?;
    pb.finish_and_clear();
    let labelled: u64 = report.class_pixels[..11].iter().sum();
    println!(
        "wrote {} images ({}x{}) to {}: train {}, val {}, test {}",
        report.images,
        a.size.0,
        a.size.1,
        a.out.display(),
        a.train,
        a.val,
        a.test
    );
    let shares: Vec<String> = (0..11)
        .map(|c| {
            let name = agents::seg::evaluate::class_name(c);
            format!(
                "{name} {:.1}%",
                100.0 * report.class_pixels[c] as f64 / labelled.max(1) as f64
            )
        })
        .collect();
    println!("class pixels: {}", shares.join(", "));
    Ok(())
}

fn first_image_size(data: &Path) -> anyhow::Result<(usize, usize)> {
    let list = agents::seg::data::read_split_list(data, "train")?;
    let img = agents::seg::pngio::read_rgb(&list[0].image)?;
    Ok((img.height, img.width))
}

fn train_cmd(a: SegTrainArgs) -> anyhow::Result<()> {
    let (cfg, run, resume) = if let Some(dir) = &a.resume {
        let run = RunDir::open(dir)?;
        let mut cfg = SegTrainConfig::load(&run)?;
        if let Some(e) = a.epochs {
            cfg.epochs = e;
        }
        if let Some(d) = &a.device {
            cfg.device = d.clone();
        }
        if let Some(p) = a.precision {
            cfg.precision = p;
        }
        cfg.precision.check(super::device(&cfg.device)?, true)?;
        agents::seg::train::latest_epoch(&run)?;
        (cfg, run, true)
    } else {
        let data = a
            .data
            .as_deref()
            .context("--data DIR is required (or --resume RUN_DIR)")?;
        if !PRESETS.contains(&a.preset.as_str()) {
            anyhow::bail!("unknown SegNet preset `{}`; valid: {}", a.preset, PRESETS.join(", "));
        }
        let size = match a.size {
            Some(s) => s,
            None => first_image_size(data)?,
        };
        // Absolute, so that `eval` and `--resume` find the data from any folder.
        let data = &std::fs::canonicalize(data).unwrap_or_else(|_| data.to_path_buf());
        let mut cfg = SegTrainConfig::new(data, &a.preset, size)?;
        if let Some(e) = a.epochs {
            cfg.epochs = e;
        }
        cfg.batch_size = a.batch_size;
        cfg.lr = a.lr;
        cfg.lr_end = a.lr_end;
        cfg.class_weights = agents::seg::train::ClassWeights::parse(&a.class_weights)?;
        cfg.seed = a.seed.unwrap_or(1);
        cfg.device = a.device.clone().unwrap_or_else(|| "auto".into());
        cfg.init_backbone = a.init_backbone.clone();
        cfg.freeze_backbone = a.freeze_backbone;
        if a.no_augment {
            cfg.augment = agents::seg::augment::AugmentConfig::none();
        }
        if a.no_crop {
            cfg.augment.crop = false;
        }
        cfg.precision = a.precision.unwrap_or_default();
        cfg.validate()?;
        cfg.precision.check(super::device(&cfg.device)?, true)?;
        // Check the data (and the backbone file) before making a run folder.
        agents::seg::data::read_split_list(data, "train")?;
        agents::seg::data::read_split_list(data, "val")?;
        if let Some(p) = &cfg.init_backbone {
            let (vs, _net) = agents::seg::train::build_net(&cfg, tch::Device::Cpu)?;
            agents::seg::train::init_backbone(&vs, p)?;
        }
        let run = RunDir::create(&a.runs_dir, "segnet", &cfg.preset, cfg.seed)
            .with_context(|| format!("cannot create a run folder in {}", a.runs_dir.display()))?;
        (cfg, run, false)
    };
    let stop = super::stop_on_ctrl_c();
    eprintln!(
        "training segnet '{}' at {}x{} on {} for {} epochs -> {}",
        cfg.preset,
        cfg.height,
        cfg.width,
        cfg.device,
        cfg.epochs,
        run.path.display()
    );
    let pb = if a.quiet {
        ProgressBar::hidden()
    } else {
        bar(0, "{bar:30.cyan/blue} {msg}  ETA {eta}")
    };
    let plain = !a.quiet && pb.is_hidden();
    let (pb1, pb2) = (pb.clone(), pb.clone());
    let mut last_plain = std::time::Instant::now();
    let opts = SegTrainOptions {
        stop,
        resume,
        on_progress: Box::new(move |p: &SegProgress| {
            pb1.set_length((p.epochs as usize * p.batches) as u64);
            pb1.set_position(((p.epoch - 1) as usize * p.batches + p.batch) as u64);
            let msg = format!(
                "epoch {}/{}  batch {}/{}  loss {:.4}  {:.1} images/s",
                p.epoch, p.epochs, p.batch, p.batches, p.loss, p.images_per_sec
            );
            if plain && last_plain.elapsed().as_secs() >= 10 {
                last_plain = std::time::Instant::now();
                eprintln!("{msg}");
            }
            pb1.set_message(msg);
        }),
        on_notice: Box::new(move |line: &str| {
            if pb2.is_hidden() {
                eprintln!("{line}")
            } else {
                pb2.println(line)
            }
        }),
    };
    let s = train(&cfg, &run, opts)?;
    pb.finish_and_clear();
    println!(
        "{} {} epoch(s) in {:.0} s ({:.1} images/s this session)",
        if s.stopped { "stopped after" } else { "trained" },
        s.epochs_done,
        s.train_secs,
        s.images_per_sec
    );
    if let Some(m) = &s.val {
        println!(
            "val: global accuracy {:.4}, class-average accuracy {:.4}, mIoU {:.4}",
            m.global_accuracy, m.class_average_accuracy, m.miou
        );
    }
    println!("run: {}", s.run_dir.display());
    println!("checkpoint: {}", s.checkpoint.display());
    Ok(())
}

fn print_metrics(m: &SegMetrics) {
    println!("images {}, non-void pixels {}", m.images, m.pixels);
    println!("global accuracy          {:.4}", m.global_accuracy);
    println!("class-average accuracy   {:.4}", m.class_average_accuracy);
    println!("mIoU                     {:.4}", m.miou);
    println!("{:<12} {:>8} {:>8}", "class", "IoU", "acc");
    let f = |v: Option<f64>| v.map_or_else(|| "-".to_string(), |x| format!("{x:.4}"));
    for ((name, iou), (_, acc)) in m.per_class_iou.iter().zip(&m.per_class_accuracy) {
        println!("{name:<12} {:>8} {:>8}", f(*iou), f(*acc));
    }
}

/// Loads a run's model, dropping its calibration when asked to.
fn load_model(run: &Path, device: tch::Device, no_calibration: bool) -> anyhow::Result<SegModel> {
    let mut model = SegModel::load(run, device)?;
    if no_calibration {
        model.calibration = None;
    } else if let Some(old) = &model.stale_calibration {
        eprintln!(
            "warning: {}/calibration.json was fitted for {}, not the newest checkpoint {}; ignoring it (run `dqn segnet calibrate` again)",
            run.display(),
            old.display(),
            model.checkpoint.display()
        );
    }
    Ok(model)
}

/// One line saying which class biases a model applies.
fn calibration_line(model: &SegModel) -> String {
    match &model.calibration {
        Some(c) => format!(
            "class biases{} from calibration.json (fitted on {} split `{}`; --no-calibration to ignore)",
            if c.flip_tta { " and flip averaging" } else { "" },
            c.data.display(),
            c.split
        ),
        None => "no class biases (plain argmax)".to_string(),
    }
}

fn eval_cmd(a: SegEvalArgs) -> anyhow::Result<()> {
    let device = super::device(&a.device)?;
    let _autocast = a.precision.autocast(device)?;
    let model = load_model(&a.run, device, a.no_calibration)?;
    let data = a.data.clone().unwrap_or_else(|| model.cfg.data.clone());
    let m = evaluate_split(&model, &data, &a.split)?;
    if a.json {
        let mut j = m.to_json();
        j["calibrated"] = serde_json::json!(model.calibration.is_some());
        j["flip_tta"] = serde_json::json!(model.decode().flip);
        println!("{}", serde_json::to_string_pretty(&j)?);
    } else {
        println!(
            "{} on {} split `{}` ({})",
            a.run.display(),
            data.display(),
            a.split,
            model.checkpoint.display()
        );
        println!("{}", calibration_line(&model));
        print_metrics(&m);
    }
    Ok(())
}

fn calibrate_cmd(a: CalibrateArgs) -> anyhow::Result<()> {
    let model = load_model(&a.run, super::device(&a.device)?, true)?;
    let data = a.data.clone().unwrap_or_else(|| model.cfg.data.clone());
    let cal = calibrate(&model, &data, &a.split, a.flip_tta)?;
    let path = cal.save(&a.run)?;
    println!(
        "{} split `{}` ({} images, at {}x{}): mIoU {:.4} -> {:.4}{}",
        data.display(),
        cal.split,
        cal.images,
        model.cfg.height,
        model.cfg.width,
        cal.miou_before,
        cal.miou_after,
        if cal.flip_tta { " (with flip averaging)" } else { "" }
    );
    let biases: Vec<String> = cal.bias_by_class.iter().map(|(n, b)| format!("{n} {b:+.1}")).collect();
    println!("biases: {}", biases.join(", "));
    println!("wrote {}", path.display());
    Ok(())
}

fn predict_cmd(a: PredictArgs) -> anyhow::Result<()> {
    let model = load_model(&a.run, super::device(&a.device)?, a.no_calibration)?;
    eprintln!("{}", calibration_line(&model));
    let outs = predict_files(&model, &a.images, &a.out)?;
    for o in &outs {
        println!(
            "{} -> {}, {}, {}",
            o.image.display(),
            o.color.display(),
            o.mask.display(),
            o.overlay.display()
        );
    }
    Ok(())
}

/// Plays the `driving` game with a simple scripted driver (accelerate, steer in random spells) and
/// shows the game on the left and the SegNet run's live prediction (CamVid colours) on the right in
/// one window. Esc quits. `max_frames` stops after that many frames; `screenshot` saves the last
/// frame as a PNG. Without a display, it runs headless when `screenshot` or `max_frames` is set.
pub fn watch_segmentation(seg_run: &Path, opts: &SegWatchOptions) -> anyhow::Result<()> {
    if opts.fps == 0 || !(1..=8).contains(&opts.scale) {
        anyhow::bail!("--fps must be ≥ 1 and --scale in 1..=8");
    }
    let model = load_model(seg_run, tch::Device::Cpu, opts.no_calibration)?;
    let mut env = envs::make("driving", &envs::EnvConfig::default())?;
    let (w, h) = env.render_size();
    let mut viewer = match Viewer::open("dqn segnet watch: driving | segmentation", 2 * w, h, opts.scale) {
        Ok(v) => Some(v),
        Err(e) if opts.screenshot.is_some() || opts.max_frames.is_some() => {
            eprintln!("no window ({e}); running headless");
            None
        }
        Err(e) => return Err(e.into()),
    };
    if let Some(v) = viewer.as_mut() {
        v.set_target_fps(opts.fps);
    }
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(opts.seed);
    env.reset(Some(opts.seed));
    let (mut picture, mut canvas) = (Frame::new(w, h), Frame::new(2 * w, h));
    let (mut frames, mut action, mut hold) = (0u64, 1usize, 0u32);
    loop {
        if let Some(v) = &viewer {
            if !v.is_open() || v.keys().escape {
                break;
            }
        }
        if hold == 0 {
            // 1 = accelerate, 5 = accelerate right, 6 = accelerate left.
            action = [1, 1, 5, 6][rng.random_range(0..4)];
            hold = rng.random_range(4..16);
        }
        hold -= 1;
        let step = env.step(action)?;
        if step.terminated || step.truncated {
            env.reset(None);
        }
        env.render(&mut picture);
        let ids = model.predict_rgb(&picture.data, w, h)?;
        let colours = agents::seg::colormap::colorize(&ids);
        for y in 0..h {
            let row = y * 2 * w * 3;
            canvas.data[row..row + w * 3].copy_from_slice(&picture.data[y * w * 3..(y + 1) * w * 3]);
            canvas.data[row + w * 3..row + 2 * w * 3].copy_from_slice(&colours[y * w * 3..(y + 1) * w * 3]);
        }
        if let Some(v) = viewer.as_mut() {
            v.show(&canvas)?;
        }
        frames += 1;
        if opts.max_frames.is_some_and(|m| frames >= m) {
            break;
        }
    }
    if let Some(path) = &opts.screenshot {
        envs::viewer::save_png_atomic(&canvas, path)?;
        println!("screenshot: {}", path.display());
    }
    Ok(())
}
