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

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use envs::game::GameRng;
use nets::{Adam, AdamConfig};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use tch::Tensor;

use super::checkpoint::{self, Counters};
use super::colormap::colorize;
use super::config::SegTrainConfig;
use super::data::SegDataset;
use super::error::SegTrainError;
use super::evaluate::{evaluate_dataset, SegMetrics};
use super::inference::Decode;
use super::model::{build_net, init_backbone};
use super::VOID;
use crate::run::{write_atomic, RunDir};
use crate::tensorboard::SummaryWriter;

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

fn epoch_rng(seed: u64, epoch: u32, batch: Option<usize>) -> GameRng {
    let b = batch.map_or(0, |b| b as u64 + 1);
    let mut z = seed ^ 0x9e37_79b9_7f4a_7c15u64.wrapping_mul(epoch as u64 + 1) ^ b.wrapping_mul(0xd1b5_4a32_d192_ed03);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    GameRng::seed_from_u64(z ^ (z >> 31))
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
        let (loaded, warning) = checkpoint::load(run, &vs, &mut adam)?;
        if let Some(w) = &warning {
            (opts.on_notice)(w);
        }
        c = loaded;
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
        last_ckpt = Some(checkpoint::save(run, &vs, &adam, &c)?);
        run.epochs().prune(cfg.keep_checkpoints);
        tb.flush();
        c.epoch += 1;
        c.batch = 0;
    }
    if stopped {
        c.secs = secs_before + session.elapsed().as_secs_f64();
        let path = checkpoint::save(run, &vs, &adam, &c)?;
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
        None => run.epochs().model_path(run.epochs().latest_complete()?),
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
