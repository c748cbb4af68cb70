//! `dqn segnet train`: resolves a SegNet configuration like `dqn train` does (preset TOML, then
//! `--config`, then `--set`, then the typed flags) and trains, or resumes, a run.

use std::path::{Path, PathBuf};

use agents::run::{ConfigSource, Override, RunDir, RunKind};
use agents::seg::config::{self, SegTrainConfig};
use agents::seg::error::SegTrainError;
use agents::seg::train::{train, SegProgress, SegTrainOptions};
use clap::Args;
use indicatif::ProgressBar;

use super::{bar, parse_size};

const EXAMPLES: &str = "Examples:
  dqn segnet train --data data/driving --size 90x120 --epochs 20
  dqn segnet train --data data/driving --preset basic-best
  dqn segnet calibrate RUN --flip-tta
  dqn segnet train --data data/driving --set lr_end=1e-5 --set augment.crop=false
  dqn segnet train --data data/driving --preset basic \\
      --init-backbone DQN_RUN/checkpoints/best.safetensors
  dqn segnet train --resume runs/segnet__basic__1__1700000000 --epochs 30

basic-best, then calibrate --flip-tta, is our best recipe on 90x120 data
(docs/results/segmentation.md).
Ctrl-C (or SIGTERM, SIGHUP) saves a checkpoint and exits 130; --resume
continues it.
Presets (presets/segnet-*.toml): basic (SegNet-Basic-like, 4x64 3x3
conv+BN: the same encoder as the `driving` DQN preset, for backbone
transfer), basic-best (basic with our best training recipe), vgg16.
--init-backbone copies backbone.* tensors whose names and shapes match; a
DQN's first conv takes 4 stacked gray frames and SegNet's takes 3 RGB
channels, so that one tensor is always skipped (and listed).
--help (not -h) also lists every configuration key.";

fn long_help() -> String {
    format!(
        "{EXAMPLES}\n\nConfiguration keys (set with --set KEY=VALUE or a --config file; defaults shown are the `basic` preset's; a run's config.toml holds the resolved values):\n{}",
        SegTrainConfig::keys_help()
    )
}

/// Arguments of `dqn segnet train`.
#[derive(Args, Debug)]
#[command(after_help = EXAMPLES, after_long_help = long_help())]
pub struct SegTrainArgs {
    /// Dataset root (CamVid layout). Required unless --resume.
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Preset (presets/segnet-*.toml): basic | basic-best | vgg16.
    #[arg(long, default_value = "basic")]
    pub preset: String,
    /// A TOML file merged over the preset.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Override one key, e.g. `--set lr_end=1e-5` or `--set augment.crop=false` (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub sets: Vec<String>,
    /// Network input size HxW (sets height and width). Default: the first training image's size.
    #[arg(long, value_parser = parse_size)]
    pub size: Option<(usize, usize)>,
    /// Epochs in total (with --resume: the new total).
    #[arg(long)]
    pub epochs: Option<u32>,
    /// Images per batch (sets batch_size).
    #[arg(long)]
    pub batch_size: Option<usize>,
    /// Adam learning rate (sets lr).
    #[arg(long)]
    pub lr: Option<f64>,
    /// Anneal the learning rate to this along a cosine over the whole run (sets lr_end).
    #[arg(long, value_name = "LR")]
    pub lr_end: Option<f64>,
    /// Class weights of the loss, from the training labels: sqrt-median (the square root of
    /// median-frequency balancing: milder, fewer false positives of rare classes; better in
    /// docs/results/segmentation.md), median (SegNet's median-frequency balancing) or none.
    /// [default: the preset's, sqrt-median]
    #[arg(long, value_name = "MODE")]
    pub class_weights: Option<String>,
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
    /// fp32 | bf16 forward/backward passes (sets precision; mixed precision: f32 weights, Adam
    /// state and checkpoints); fp16 is CUDA only. With --resume: the run's own unless given.
    #[arg(long)]
    pub precision: Option<nets::Precision>,
    /// Continue a run from its newest checkpoint.
    #[arg(long, value_name = "RUN_DIR", conflicts_with_all = ["data", "size", "init_backbone", "seed", "config", "sets"])]
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

fn first_image_size(data: &Path) -> Result<(usize, usize), SegTrainError> {
    let list = agents::seg::data::read_split_list(data, "train")?;
    let img = agents::seg::pngio::read_rgb(&list[0].image)?;
    Ok((img.height, img.width))
}

/// The typed overrides the flags stand for (after the preset, `--config` and `--set`).
fn flag_overrides(a: &SegTrainArgs) -> anyhow::Result<Vec<Override>> {
    let mut o = Vec::new();
    if let Some(data) = &a.data {
        // Absolute, so that `eval` and `--resume` find the data from any folder.
        let data = std::fs::canonicalize(data).unwrap_or_else(|_| data.clone());
        o.push(Override::new("data", data.to_string_lossy().as_ref()));
    }
    if let Some((h, w)) = a.size {
        o.push(Override::uint("--size", "height", h as u64)?);
        o.push(Override::uint("--size", "width", w as u64)?);
    }
    if let Some(e) = a.epochs {
        o.push(Override::new("epochs", e as i64));
    }
    if let Some(b) = a.batch_size {
        o.push(Override::uint("--batch-size", "batch_size", b as u64)?);
    }
    if let Some(lr) = a.lr {
        o.push(Override::new("lr", lr));
    }
    if let Some(lr) = a.lr_end {
        o.push(Override::new("lr_end", lr));
    }
    if let Some(w) = &a.class_weights {
        agents::seg::config::ClassWeights::parse(w)?;
        o.push(Override::new("class_weights", w.as_str()));
    }
    if let Some(s) = a.seed {
        o.push(Override::uint("--seed", "seed", s)?);
    }
    if let Some(d) = &a.device {
        o.push(Override::new("device", d.as_str()));
    }
    if let Some(p) = &a.init_backbone {
        o.push(Override::new("init_backbone", p.to_string_lossy().as_ref()));
    }
    if a.freeze_backbone {
        o.push(Override::new("freeze_backbone", true));
    }
    if a.no_augment {
        let none = toml::Value::try_from(agents::seg::augment::AugmentConfig::none())?;
        o.push(Override::new("augment", none));
    }
    if a.no_crop {
        o.push(Override::new("augment.crop", false));
    }
    if let Some(p) = a.precision {
        o.push(Override::new("precision", p.to_string()));
    }
    Ok(o)
}

/// A new run's configuration, with its data and backbone file checked before any folder exists.
fn new_config(a: &SegTrainArgs) -> anyhow::Result<SegTrainConfig> {
    let mut overrides = a
        .sets
        .iter()
        .map(|s| Override::parse(s))
        .collect::<Result<Vec<_>, _>>()?;
    overrides.extend(flag_overrides(a)?);
    let cfg = config::resolve(&a.preset, a.config.as_deref(), &overrides, first_image_size)?;
    cfg.precision.check(crate::cli::device(&cfg.device)?, true)?;
    agents::seg::data::read_split_list(&cfg.data, "train")?;
    agents::seg::data::read_split_list(&cfg.data, "val")?;
    if let Some(p) = &cfg.init_backbone {
        let (vs, _net) = agents::seg::model::build_net(&cfg, tch::Device::Cpu)?;
        agents::seg::model::init_backbone(&vs, p)?;
    }
    Ok(cfg)
}

/// `dqn segnet train`.
pub fn run(a: SegTrainArgs) -> anyhow::Result<()> {
    let (cfg, run, resume) = if let Some(dir) = &a.resume {
        let run = RunDir::open_kind(dir, RunKind::Segnet)?;
        run.epochs().resume_point()?;
        // A resumed run keeps its settings but for the epoch budget, the device and the precision.
        let mut o = Vec::new();
        if let Some(e) = a.epochs {
            o.push(Override::new("epochs", e as i64));
        }
        if let Some(d) = &a.device {
            o.push(Override::new("device", d.as_str()));
        }
        if let Some(p) = a.precision {
            o.push(Override::new("precision", p.to_string()));
        }
        let cfg: SegTrainConfig = agents::run::resolve(ConfigSource::File(&run.config_path()), None, &o)?;
        cfg.validate()?;
        cfg.precision.check(crate::cli::device(&cfg.device)?, true)?;
        (cfg, run, true)
    } else {
        let cfg = new_config(&a)?;
        let run = crate::cli::new_run_dir(&a.runs_dir, "segnet", &cfg.preset, cfg.seed)?;
        (cfg, run, false)
    };
    crate::cli::train_session(
        &run,
        resume,
        |r| r.epochs().latest_complete().is_ok(),
        || train_in(&a, &cfg, &run, resume),
    )
}

fn train_in(a: &SegTrainArgs, cfg: &SegTrainConfig, run: &RunDir, resume: bool) -> anyhow::Result<()> {
    let stop = super::super::signals::stop_flag();
    eprintln!(
        "training segnet '{}' at {}x{} on {} in {} for {} epochs -> {}",
        cfg.preset,
        cfg.height,
        cfg.width,
        cfg.device,
        cfg.precision,
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
    let s = train(cfg, run, opts)?;
    pb.finish_and_clear();
    outln!(
        "{} {} epoch(s) in {:.0} s ({:.1} images/s this session)",
        if s.stopped { "stopped after" } else { "trained" },
        s.epochs_done,
        s.train_secs,
        s.images_per_sec
    );
    if let Some(m) = &s.val {
        outln!(
            "val: global accuracy {:.4}, class-average accuracy {:.4}, mIoU {:.4}",
            m.global_accuracy,
            m.class_average_accuracy,
            m.miou
        );
    }
    outln!("run: {}", s.run_dir.display());
    outln!("checkpoint: {}", s.checkpoint.display());
    super::super::signals::exit_if_stopped(&format!("dqn segnet train --resume {}", run.path.display()));
    Ok(())
}
