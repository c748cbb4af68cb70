//! The SegNet trainer: weighted cross-entropy (median-frequency class weights, void ignored), Adam,
//! augmentation, validation metrics and images in TensorBoard, atomic checkpoints with resume, and
//! a clean stop on request (Ctrl-C).
//!
//! A run folder `runs/segnet__<preset>__<seed>__<time>/` holds `config.toml` (a [`SegTrainConfig`]),
//! the TensorBoard event file and `checkpoints/epoch_<n>.safetensors` (the model: `backbone.*`,
//! `decoder.*`) with `checkpoints/epoch_<n>.train.safetensors` (Adam state and counters).
//!
//! Determinism: the shuffle of epoch `e` and the augmentation of its batch `k` come from
//! generators seeded by `(seed, e)` and `(seed, e, k)`, so a resumed run sees the same batches as an
//! uninterrupted one. A checkpoint taken mid-epoch records how many batches of that epoch are done.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use envs::game::GameRng;
use nets::{Adam, AdamConfig, NetError, SegNet, SegNetConfig};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use serde::{Deserialize, Serialize};
use tch::nn::VarStore;
use tch::{Device, Kind, Tensor};

use super::augment::AugmentConfig;
use super::colormap::colorize;
use super::data::SegDataset;
use super::evaluate::{evaluate_dataset, Decode, SegMetrics};
use super::{SegError, NUM_CLASSES, VOID};
use crate::run::{write_atomic, RunDir, RunError};
use crate::tensorboard::SummaryWriter;

/// Preset names [`segnet_preset`] accepts. `basic`'s encoder is the `driving` DQN preset's
/// (4 × 64-channel 3×3 conv + BN), so every backbone tensor but the first conv (3 RGB vs 4
/// stacked gray channels) transfers between the two.
pub const PRESETS: [&str; 2] = ["basic", "vgg16"];

/// Errors of the segmentation trainer, evaluator and predictor.
#[derive(Debug, thiserror::Error)]
pub enum SegTrainError {
    /// Bad data (each message names the file).
    #[error(transparent)]
    Data(#[from] SegError),
    /// A network or checkpoint error.
    #[error(transparent)]
    Net(#[from] NetError),
    /// A run-folder error.
    #[error(transparent)]
    Run(#[from] RunError),
    /// A libtorch error.
    #[error("libtorch: {0}")]
    Tch(#[from] tch::TchError),
    /// TensorBoard could not start.
    #[error("tensorboard: {0}")]
    Tensorboard(String),
    /// A bad setting or file.
    #[error("{0}")]
    Config(String),
}

/// Everything a segmentation run needs; written to the run's `config.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SegTrainConfig {
    /// The dataset root (CamVid layout).
    pub data: PathBuf,
    /// Preset name the network came from (see [`PRESETS`]).
    pub preset: String,
    /// Network input height (images and labels are resized to it).
    pub height: usize,
    /// Network input width.
    pub width: usize,
    /// Epochs to train in total.
    pub epochs: u32,
    /// Images per batch.
    pub batch_size: usize,
    /// Adam learning rate (at the start, with `lr_end`).
    pub lr: f64,
    /// Anneal the learning rate from `lr` to this along a cosine over all epochs' batches; `None`
    /// keeps `lr` constant.
    #[serde(default)]
    pub lr_end: Option<f64>,
    /// How the cross-entropy weighs the classes (computed from the training labels).
    #[serde(default)]
    pub class_weights: ClassWeights,
    /// Seed of shuffling, augmentation and initialisation.
    pub seed: u64,
    /// `auto | cpu | cuda | cuda:N`.
    pub device: String,
    /// Evaluate on `val` every this many epochs (and after the last one).
    pub eval_every: u32,
    /// Keep the newest this many checkpoints (0 keeps all).
    pub keep_checkpoints: usize,
    /// Log the training loss every this many batches.
    pub log_every: u64,
    /// A checkpoint whose `backbone.*` initialised the encoder, if any.
    #[serde(default)]
    pub init_backbone: Option<PathBuf>,
    /// Whether the encoder was kept fixed.
    #[serde(default)]
    pub freeze_backbone: bool,
    /// Augmentation settings.
    #[serde(default)]
    pub augment: AugmentConfig,
    /// Forward/backward precision: fp32 (default) or bf16 (mixed: f32 weights, Adam state and
    /// checkpoints); fp16 is CUDA only. `--precision`.
    #[serde(default)]
    pub precision: nets::Precision,
    /// The network.
    pub net: SegNetConfig,
}

/// Per-class weights of the cross-entropy, from the training labels' class frequencies
/// ([`SegDataset::median_frequency_weights`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClassWeights {
    /// Median-frequency balancing (SegNet, Eigen & Fergus): w_c = median_f / f_c.
    #[default]
    Median,
    /// The square root of median-frequency balancing: rare classes still count more, but a class
    /// 100× rarer than the median gets 10×, not 100× (fewer false positives of rare classes).
    SqrtMedian,
    /// Every class weighs 1 (plain cross-entropy).
    None,
}

impl ClassWeights {
    /// The names the CLI and config accept.
    pub const NAMES: [&'static str; 3] = ["median", "sqrt-median", "none"];

    /// Parses a CLI name; the error lists the valid ones.
    pub fn parse(name: &str) -> Result<Self, SegTrainError> {
        match name {
            "median" => Ok(ClassWeights::Median),
            "sqrt-median" => Ok(ClassWeights::SqrtMedian),
            "none" => Ok(ClassWeights::None),
            _ => Err(SegTrainError::Config(format!(
                "unknown class weighting `{name}`; valid: {}",
                Self::NAMES.join(", ")
            ))),
        }
    }

    /// The weights for a dataset whose median-frequency weights are `median` (0 for absent
    /// classes stays 0 in every mode).
    pub fn apply(self, median: &[f32; NUM_CLASSES]) -> [f32; NUM_CLASSES] {
        std::array::from_fn(|c| match self {
            ClassWeights::Median => median[c],
            ClassWeights::SqrtMedian => median[c].sqrt(),
            ClassWeights::None => {
                if median[c] > 0.0 {
                    1.0
                } else {
                    0.0
                }
            }
        })
    }
}

/// The learning rate after `done` of `total` batches: `lr` annealed to `lr_end` along a half cosine,
/// or `lr` when there is no `lr_end`.
pub fn learning_rate(lr: f64, lr_end: Option<f64>, done: u64, total: u64) -> f64 {
    match lr_end {
        None => lr,
        Some(end) => {
            let t = if total == 0 {
                1.0
            } else {
                (done as f64 / total as f64).min(1.0)
            };
            end + 0.5 * (lr - end) * (1.0 + (std::f64::consts::PI * t).cos())
        }
    }
}

/// A SegNet preset by name ([`PRESETS`]); the error lists the valid names.
pub fn segnet_preset(name: &str) -> Result<SegNetConfig, SegTrainError> {
    match name {
        "basic" | "vgg16" => Ok(SegNetConfig::preset(name)?),
        _ => Err(SegTrainError::Config(format!(
            "unknown SegNet preset `{name}`; valid: {}",
            PRESETS.join(", ")
        ))),
    }
}

impl SegTrainConfig {
    /// Defaults for `preset` on the dataset at `data` with the given input size.
    pub fn new(data: &Path, preset: &str, size: (usize, usize)) -> Result<Self, SegTrainError> {
        Ok(SegTrainConfig {
            data: data.to_path_buf(),
            preset: preset.to_string(),
            height: size.0,
            width: size.1,
            epochs: 10,
            batch_size: 8,
            lr: 1e-3,
            lr_end: None,
            class_weights: ClassWeights::Median,
            seed: 1,
            device: "auto".into(),
            eval_every: 1,
            keep_checkpoints: 3,
            log_every: 10,
            init_backbone: None,
            freeze_backbone: false,
            augment: AugmentConfig::default(),
            precision: nets::Precision::Fp32,
            net: segnet_preset(preset)?,
        })
    }

    /// Checks ranges; the message names the field and its valid values.
    pub fn validate(&self) -> Result<(), SegTrainError> {
        let stages = match &self.net.backbone.kind {
            nets::BackboneKind::Vgg { stages, .. } => stages.len() as u32,
            nets::BackboneKind::Nature | nets::BackboneKind::Strided { .. } => 0,
        };
        let min = 1usize << stages;
        if self.height < min || self.width < min {
            return Err(SegTrainError::Config(format!(
                "size {}x{} is too small for {stages} pooling stages (need at least {min} on each side)",
                self.height, self.width
            )));
        }
        if self.epochs == 0 || self.batch_size == 0 || self.eval_every == 0 || self.log_every == 0 {
            return Err(SegTrainError::Config(
                "epochs, batch_size, eval_every and log_every must be ≥ 1".into(),
            ));
        }
        if !(self.lr > 0.0 && self.lr.is_finite()) {
            return Err(SegTrainError::Config(format!("lr must be > 0, got {}", self.lr)));
        }
        if let Some(end) = self.lr_end {
            if !(end >= 0.0 && end <= self.lr) {
                return Err(SegTrainError::Config(format!(
                    "lr_end must be in 0..=lr ({}), got {end}",
                    self.lr
                )));
            }
        }
        if self.net.num_classes != NUM_CLASSES as i64 || self.net.in_channels != 3 {
            return Err(SegTrainError::Config(
                "the segmenter needs num_classes = 11 and in_channels = 3 (RGB)".into(),
            ));
        }
        Ok(())
    }

    /// Reads a run's `config.toml`.
    pub fn load(run: &RunDir) -> Result<Self, SegTrainError> {
        let path = run.config_path();
        let text = std::fs::read_to_string(&path).map_err(|e| SegError::io(&path, e))?;
        toml::from_str(&text).map_err(|e| {
            SegTrainError::Config(format!("{}: not a segnet run config ({})", path.display(), e.message()))
        })
    }
}

/// The model file of the checkpoint of epoch `epoch`.
pub fn model_path(run: &RunDir, epoch: u32) -> PathBuf {
    run.checkpoints_dir().join(format!("epoch_{epoch}.safetensors"))
}

/// The training-state file (Adam state, counters) of the checkpoint of epoch `epoch`.
pub fn state_path(run: &RunDir, epoch: u32) -> PathBuf {
    run.checkpoints_dir().join(format!("epoch_{epoch}.train.safetensors"))
}

/// Epochs with a complete checkpoint (model and state), ascending.
pub fn checkpoint_epochs(run: &RunDir) -> Vec<u32> {
    let mut epochs: Vec<u32> = std::fs::read_dir(run.checkpoints_dir())
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.strip_prefix("epoch_")?
                .strip_suffix(".safetensors")?
                .parse::<u32>()
                .ok()
        })
        .filter(|&e| state_path(run, e).is_file())
        .collect();
    epochs.sort_unstable();
    epochs
}

/// The newest complete checkpoint's epoch; an error names the run when there is none.
pub fn latest_epoch(run: &RunDir) -> Result<u32, SegTrainError> {
    checkpoint_epochs(run).last().copied().ok_or_else(|| {
        SegTrainError::Config(format!(
            "{} has no segnet checkpoint (checkpoints/epoch_<n>.safetensors)",
            run.path.display()
        ))
    })
}

/// Progress of a running training, reported after each batch.
#[derive(Debug, Clone)]
pub struct SegProgress {
    /// Current epoch (1-based).
    pub epoch: u32,
    /// Epochs in total.
    pub epochs: u32,
    /// Batches done in this epoch.
    pub batch: usize,
    /// Batches per epoch.
    pub batches: usize,
    /// Smoothed training loss.
    pub loss: f64,
    /// Training images per second (this session).
    pub images_per_sec: f64,
}

/// Callbacks and switches of one [`train`] call.
pub struct SegTrainOptions {
    /// Set (e.g. by Ctrl-C) to stop: the run saves a checkpoint and returns.
    pub stop: Arc<AtomicBool>,
    /// Continue the run from its newest checkpoint instead of starting fresh.
    pub resume: bool,
    /// Called after each batch.
    pub on_progress: Box<dyn FnMut(&SegProgress)>,
    /// Called with notices (transfer report, evaluations, checkpoints).
    pub on_notice: Box<dyn FnMut(&str)>,
}

/// What a finished (or stopped) run reports.
#[derive(Debug, Clone)]
pub struct SegTrainSummary {
    /// The run folder.
    pub run_dir: PathBuf,
    /// The last checkpoint's model file.
    pub checkpoint: PathBuf,
    /// Epochs completed.
    pub epochs_done: u32,
    /// Whether a stop request ended it early.
    pub stopped: bool,
    /// Training seconds over all sessions of the run (evaluation included).
    pub train_secs: f64,
    /// Images per second in this session.
    pub images_per_sec: f64,
    /// The last validation metrics, if any.
    pub val: Option<SegMetrics>,
}

/// Builds a SegNet from `cfg` on `device` in a fresh VarStore.
pub fn build_net(cfg: &SegTrainConfig, device: Device) -> Result<(VarStore, SegNet), SegTrainError> {
    let vs = VarStore::new(device);
    let net = SegNet::new(&vs.root(), &cfg.net)?;
    Ok((vs, net))
}

fn epoch_rng(seed: u64, epoch: u32, batch: Option<usize>) -> GameRng {
    let b = batch.map_or(0, |b| b as u64 + 1);
    let mut z = seed ^ 0x9e37_79b9_7f4a_7c15u64.wrapping_mul(epoch as u64 + 1) ^ b.wrapping_mul(0xd1b5_4a32_d192_ed03);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    GameRng::seed_from_u64(z ^ (z >> 31))
}

fn scalar_i64(v: i64) -> Tensor {
    Tensor::from_slice(&[v])
}

struct Counters {
    epoch: u32,
    batch: usize,
    step: i64,
    secs: f64,
}

fn save_checkpoint(run: &RunDir, vs: &VarStore, adam: &Adam, c: &Counters) -> Result<PathBuf, SegTrainError> {
    let model = model_path(run, c.epoch);
    nets::save_varstore(vs, &model)?;
    let mut state = adam.state_tensors()?;
    state.push(("train.epoch".into(), scalar_i64(c.epoch as i64)));
    state.push(("train.batch".into(), scalar_i64(c.batch as i64)));
    state.push(("train.step".into(), scalar_i64(c.step)));
    state.push(("train.secs".into(), Tensor::from_slice(&[c.secs])));
    nets::save_tensors(&state, &state_path(run, c.epoch))?;
    Ok(model)
}

fn load_checkpoint(run: &RunDir, vs: &VarStore, adam: &mut Adam) -> Result<Counters, SegTrainError> {
    let epoch = latest_epoch(run)?;
    nets::load_varstore(vs, &model_path(run, epoch))?;
    let path = state_path(run, epoch);
    let tensors = nets::read_tensors(&path)?;
    adam.load_state_tensors(&tensors, &path)?;
    let get = |name: &str| {
        tensors
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, t)| t.shallow_clone())
            .ok_or_else(|| SegTrainError::Config(format!("{}: missing `{name}`", path.display())))
    };
    Ok(Counters {
        epoch: get("train.epoch")?.f_int64_value(&[0])? as u32,
        batch: get("train.batch")?.f_int64_value(&[0])? as usize,
        step: get("train.step")?.f_int64_value(&[0])?,
        secs: get("train.secs")?.f_double_value(&[0])?,
    })
}

/// Loads `backbone.*` from `path` into `vs` and describes the result; an error when no tensor
/// fits (e.g. a checkpoint of a different backbone), listing the mismatches.
pub fn init_backbone(vs: &VarStore, path: &Path) -> Result<nets::TransferReport, SegTrainError> {
    let report = nets::load_backbone(vs, path)?;
    if report.is_empty() {
        let detail: Vec<String> = report
            .skipped_shape_mismatch
            .iter()
            .take(3)
            .map(|m| m.to_string())
            .collect();
        return Err(SegTrainError::Config(format!(
            "{}: its backbone does not fit this network: no backbone tensor has a matching name and shape ({} missing, {} shape mismatches{}{}); use a checkpoint whose backbone matches the preset (the `driving` DQN preset matches `basic`)",
            path.display(),
            report.missing.len(),
            report.skipped_shape_mismatch.len(),
            if detail.is_empty() { "" } else { ": " },
            detail.join(", ")
        )));
    }
    Ok(report)
}

/// Draws `input | ground truth | prediction` side by side (CamVid colours) for TensorBoard.
pub fn panel(rgb: &[u8], label: &[u8], pred: &[u8], w: usize, h: usize) -> envs::Frame {
    let mut f = envs::Frame::new(3 * w, h);
    let parts = [rgb.to_vec(), colorize(label), colorize(pred)];
    for y in 0..h {
        for (k, part) in parts.iter().enumerate() {
            let dst = (y * 3 * w + k * w) * 3;
            f.data[dst..dst + 3 * w].copy_from_slice(&part[y * w * 3..(y + 1) * w * 3]);
        }
    }
    f
}

/// Trains (or resumes) the run in `run` under `cfg`. The caller writes nothing: this writes
/// `config.toml` for a fresh run, the event file and the checkpoints.
pub fn train(cfg: &SegTrainConfig, run: &RunDir, mut opts: SegTrainOptions) -> Result<SegTrainSummary, SegTrainError> {
    cfg.validate()?;
    let device = nets::parse_device(&cfg.device)?;
    tch::manual_seed(cfg.seed as i64);
    let size = (cfg.height, cfg.width);
    let train_ds = SegDataset::load(&cfg.data, "train", size)?;
    let val_ds = SegDataset::load(&cfg.data, "val", size)?;
    let weights = cfg.class_weights.apply(&train_ds.median_frequency_weights());
    (opts.on_notice)(&format!(
        "data: {} train / {} val images at {}x{}; class weights ({:?}) {:?}",
        train_ds.len(),
        val_ds.len(),
        cfg.height,
        cfg.width,
        cfg.class_weights,
        weights.iter().map(|w| (w * 100.0).round() / 100.0).collect::<Vec<_>>()
    ));
    let weight_t = Tensor::from_slice(&weights).to_device(device);
    let (vs, net) = build_net(cfg, device)?;
    let mut adam = Adam::new(
        &vs,
        AdamConfig {
            lr: cfg.lr,
            ..AdamConfig::default()
        },
    )?;
    let mut c = Counters {
        epoch: 1,
        batch: 0,
        step: 0,
        secs: 0.0,
    };
    if opts.resume {
        c = load_checkpoint(run, &vs, &mut adam)?;
        (opts.on_notice)(&format!(
            "resumed at epoch {} batch {} (step {})",
            c.epoch, c.batch, c.step
        ));
    } else {
        if let Some(path) = &cfg.init_backbone {
            let report = init_backbone(&vs, path)?;
            (opts.on_notice)(&format!("{}: {report}", path.display()));
            for name in &report.loaded {
                (opts.on_notice)(&format!("  loaded {name}"));
            }
        }
        let text = toml::to_string(cfg).map_err(|e| SegTrainError::Config(format!("config.toml: {e}")))?;
        write_atomic(&run.config_path(), text.as_bytes())?;
    }
    if cfg.freeze_backbone {
        let n = nets::freeze_backbone(&vs, true);
        (opts.on_notice)(&format!("backbone frozen ({n} tensors)"));
    }
    let mut tb = SummaryWriter::new(&run.path).map_err(|e| SegTrainError::Tensorboard(e.to_string()))?;
    let n = train_ds.len();
    let batches = n.div_ceil(cfg.batch_size);
    // The cosine of `lr_end` spans every batch of the run (with --resume, of the new total).
    let total_batches = cfg.epochs as u64 * batches as u64;
    if c.batch >= batches {
        c.epoch += 1;
        c.batch = 0;
    }
    let session = Instant::now();
    let secs_before = c.secs;
    let (mut images, mut ema, mut last_ckpt, mut val) = (0u64, f64::NAN, None, None);
    let mut stopped = false;
    let mut epochs_done = c.epoch - 1;
    'epochs: while c.epoch <= cfg.epochs {
        let mut order: Vec<usize> = (0..n).collect();
        order.shuffle(&mut epoch_rng(cfg.seed, c.epoch, None));
        while c.batch < batches {
            if opts.stop.load(Ordering::SeqCst) {
                stopped = true;
                break 'epochs;
            }
            let idx = &order[c.batch * cfg.batch_size..((c.batch + 1) * cfg.batch_size).min(n)];
            let mut rng = epoch_rng(cfg.seed, c.epoch, Some(c.batch));
            let b = train_ds.batch(idx, Some((&cfg.augment, &mut rng)))?;
            let (bn, h, w) = (b.batch as i64, b.height as i64, b.width as i64);
            let x = Tensor::from_slice(&b.images).view([bn, 3, h, w]).to_device(device);
            let y = Tensor::from_slice(&b.labels).view([bn, h, w]).to_device(device);
            let logits = {
                let _autocast = cfg.precision.autocast(device)?;
                net.forward(&x, true)?
            };
            let loss = logits.f_cross_entropy_loss(&y, Some(&weight_t), tch::Reduction::Mean, VOID as i64, 0.0)?;
            let lv = loss.f_double_value(&[])?;
            if lv.is_finite() {
                adam.zero_grad();
                loss.f_backward()?;
                adam.set_lr(learning_rate(cfg.lr, cfg.lr_end, c.step as u64, total_batches));
                adam.step()?;
                ema = if ema.is_nan() { lv } else { 0.95 * ema + 0.05 * lv };
            }
            c.batch += 1;
            c.step += 1;
            images += idx.len() as u64;
            let ips = images as f64 / session.elapsed().as_secs_f64().max(1e-9);
            if ((c.step as u64).is_multiple_of(cfg.log_every) || c.batch == batches) && lv.is_finite() {
                tb.add_scalar("train/loss", lv, c.step);
                tb.add_scalar("train/images_per_sec", ips, c.step);
            }
            (opts.on_progress)(&SegProgress {
                epoch: c.epoch,
                epochs: cfg.epochs,
                batch: c.batch,
                batches,
                loss: ema,
                images_per_sec: ips,
            });
        }
        epochs_done = c.epoch;
        if c.epoch.is_multiple_of(cfg.eval_every) || c.epoch == cfg.epochs {
            let (m, sample) = evaluate_dataset(&net, &val_ds, Decode::default(), device, cfg.batch_size, Some(0))?;
            tb.add_scalar("val/global_accuracy", m.global_accuracy, c.step);
            tb.add_scalar("val/class_average_accuracy", m.class_average_accuracy, c.step);
            tb.add_scalar("val/miou", m.miou, c.step);
            tb.add_scalar("train/epoch", c.epoch as f64, c.step);
            if let Some(pred) = sample {
                let f = panel(val_ds.image(0), val_ds.label(0), &pred, cfg.width, cfg.height);
                tb.add_image("val/input_truth_prediction", &f, c.step);
            }
            (opts.on_notice)(&format!(
                "epoch {}: val global accuracy {:.4}, class-average accuracy {:.4}, mIoU {:.4}",
                c.epoch, m.global_accuracy, m.class_average_accuracy, m.miou
            ));
            val = Some(m);
        }
        c.secs = secs_before + session.elapsed().as_secs_f64();
        last_ckpt = Some(save_checkpoint(run, &vs, &adam, &c)?);
        prune(run, cfg.keep_checkpoints);
        tb.flush();
        c.epoch += 1;
        c.batch = 0;
    }
    if stopped {
        c.secs = secs_before + session.elapsed().as_secs_f64();
        let path = save_checkpoint(run, &vs, &adam, &c)?;
        (opts.on_notice)(&format!(
            "stopped: saved {} (epoch {}, {} of {} batches)",
            path.display(),
            c.epoch,
            c.batch,
            batches
        ));
        last_ckpt = Some(path);
    }
    tb.flush();
    let checkpoint = match last_ckpt {
        Some(p) => p,
        None => model_path(run, latest_epoch(run)?),
    };
    let secs = session.elapsed().as_secs_f64();
    Ok(SegTrainSummary {
        run_dir: run.path.clone(),
        checkpoint,
        epochs_done,
        stopped,
        train_secs: secs_before + secs,
        images_per_sec: images as f64 / secs.max(1e-9),
        val,
    })
}

fn prune(run: &RunDir, keep: usize) {
    let epochs = checkpoint_epochs(run);
    if keep == 0 || epochs.len() <= keep {
        return;
    }
    for &e in &epochs[..epochs.len() - keep] {
        let _ = std::fs::remove_file(model_path(run, e));
        let _ = std::fs::remove_file(state_path(run, e));
    }
}

/// Argmax over classes. logits: [B, C, H, W] f32 → `B·H·W` class ids (u8), on the CPU.
pub fn argmax_ids(logits: &Tensor) -> Result<Vec<u8>, SegTrainError> {
    let ids = logits
        .f_argmax(1, false)?
        .f_to_kind(Kind::Uint8)?
        .f_to_device(Device::Cpu)?
        .f_contiguous()?;
    let mut out = vec![0u8; ids.numel()];
    ids.f_copy_data(&mut out, ids.numel())?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_weighting_modes() {
        let mut median = [1.0f32; NUM_CLASSES];
        median[0] = 0.25;
        median[2] = 100.0;
        median[5] = 0.0; // a class absent from the training labels
        let sqrt = ClassWeights::SqrtMedian.apply(&median);
        assert_eq!((sqrt[0], sqrt[1], sqrt[2], sqrt[5]), (0.5, 1.0, 10.0, 0.0));
        assert_eq!(ClassWeights::Median.apply(&median), median);
        let none = ClassWeights::None.apply(&median);
        assert_eq!((none[0], none[2], none[5]), (1.0, 1.0, 0.0));
        for name in ClassWeights::NAMES {
            assert!(ClassWeights::parse(name).is_ok());
        }
        let err = ClassWeights::parse("inverse").unwrap_err().to_string();
        assert!(err.contains("median, sqrt-median, none"), "{err}");
    }

    #[test]
    fn cosine_learning_rate_runs_from_lr_to_lr_end() {
        assert_eq!(learning_rate(1e-3, None, 50, 100), 1e-3);
        let at = |done| learning_rate(1e-3, Some(1e-5), done, 100);
        assert!((at(0) - 1e-3).abs() < 1e-12);
        assert!((at(50) - (1e-5 + 0.5 * (1e-3 - 1e-5))).abs() < 1e-12);
        assert!((at(100) - 1e-5).abs() < 1e-12);
        assert!((at(150) - 1e-5).abs() < 1e-12, "stays at lr_end past the end");
        assert!((1..=100).all(|d| at(d) <= at(d - 1)), "never increases");
    }

    #[test]
    fn old_configs_without_the_new_keys_still_load() {
        let mut cfg = SegTrainConfig::new(Path::new("data"), "basic", (90, 120)).unwrap();
        cfg.lr_end = Some(1e-5);
        cfg.class_weights = ClassWeights::SqrtMedian;
        let text = toml::to_string(&cfg).unwrap();
        assert!(text.contains("class_weights = \"sqrt-median\""), "{text}");
        assert_eq!(toml::from_str::<SegTrainConfig>(&text).unwrap(), cfg);
        let old: String = text
            .lines()
            .filter(|l| !l.starts_with("lr_end") && !l.starts_with("class_weights"))
            .map(|l| format!("{l}\n"))
            .collect();
        let back: SegTrainConfig = toml::from_str(&old).unwrap();
        assert_eq!((back.lr_end, back.class_weights), (None, ClassWeights::Median));
        let mut bad = cfg.clone();
        bad.lr_end = Some(1.0);
        assert!(bad.validate().unwrap_err().to_string().contains("lr_end"));
    }
}
