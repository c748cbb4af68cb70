//! Inference with a trained SegNet run: load the newest checkpoint, predict class ids for an RGB
//! image at the image's own size, and write colourised masks, raw class-id masks and overlays.
//!
//! The pipeline is the evaluator's: resize the image to the network's input size (bilinear, as
//! the loader does), normalise, take the argmax, then upsample the ids (nearest) to the image's
//! size. So counting the raw masks against the labels gives `eval`'s numbers. Both decode as the
//! run's `calibration.json` says when it has one (class biases, flip averaging; see
//! [`super::calibrate`]).

use std::path::{Path, PathBuf};

use tch::nn::VarStore;
use tch::Device;

use super::augment::{resample_rgb, Geometry};
use super::calibration::Calibration;
use super::checkpoint::{latest_model_epoch, model_path};
use super::colormap::{colorize, overlay};
use super::config::SegTrainConfig;
use super::data::{SegDataset, MEAN, STD};
use super::error::SegTrainError;
use super::evaluate::{evaluate_dataset, SegMetrics};
use super::inference::{predict_normalised, upsample_nearest, Decode};
use super::model::build_net;
use super::pngio::{read_rgb, write_gray, write_rgb};
use super::SegError;
use crate::run::{RunDir, RunKind};

/// A trained SegNet ready for inference.
#[derive(Debug)]
pub struct SegModel {
    /// The run's configuration.
    pub cfg: SegTrainConfig,
    /// The network (inference mode is chosen per call).
    pub net: nets::SegNet,
    /// Its variables.
    pub vs: VarStore,
    /// The checkpoint it was loaded from.
    pub checkpoint: PathBuf,
    /// Where it runs.
    pub device: Device,
    /// Per-class logit biases from the run's `calibration.json`, when it has one for this
    /// checkpoint (set to `None` to predict without them).
    pub calibration: Option<Calibration>,
    /// The checkpoint file name that the run's `calibration.json` was fitted for, when that is
    /// not this checkpoint (the run was trained on after `calibrate`); such a calibration is not
    /// applied.
    pub stale_calibration: Option<PathBuf>,
}

/// Normalises `H·W·3` RGB bytes into `[3, H, W]` floats with the loader's mean and std.
pub fn normalise(rgb: &[u8]) -> Vec<f32> {
    let mut out = Vec::with_capacity(rgb.len());
    for c in 0..3 {
        let (m, s) = (MEAN[c], STD[c]);
        out.extend(rgb.chunks_exact(3).map(|p| (p[c] as f32 / 255.0 - m) / s));
    }
    out
}

impl SegModel {
    /// Loads the newest checkpoint of the segnet run at `run_dir` onto `device`, with the run's
    /// calibration (`calibration.json`) when there is one and it was fitted for that checkpoint
    /// (otherwise its checkpoint is noted in [`SegModel::stale_calibration`]).
    pub fn load(run_dir: &Path, device: Device) -> Result<SegModel, SegTrainError> {
        let run = RunDir::open_kind(run_dir, RunKind::Segnet)?;
        let cfg = SegTrainConfig::load(&run)?;
        // Inference needs only the weights, not the training-state sidecar.
        let epoch = latest_model_epoch(&run)?;
        let checkpoint = model_path(&run, epoch);
        let (vs, net) = build_net(&cfg, device)?;
        nets::load_varstore(&vs, &checkpoint)?;
        // Biases fitted for another checkpoint (the run was trained on since) do not apply.
        let (calibration, stale_calibration) = match Calibration::load(run_dir)? {
            Some(c) if c.checkpoint.file_name() == checkpoint.file_name() => (Some(c), None),
            Some(c) => (
                None,
                Some(c.checkpoint.file_name().map(PathBuf::from).unwrap_or(c.checkpoint)),
            ),
            None => (None, None),
        };
        Ok(SegModel {
            cfg,
            net,
            vs,
            checkpoint,
            device,
            calibration,
            stale_calibration,
        })
    }

    /// How this model decodes its logits: the calibration's class biases and flip averaging, or
    /// a plain argmax without a calibration.
    pub fn decode(&self) -> Decode<'_> {
        Decode {
            bias: self.calibration.as_ref().map(|c| &c.bias),
            flip: self.calibration.as_ref().is_some_and(|c| c.flip_tta),
        }
    }

    /// Class ids (0–10) for an RGB image (`width·height·3` bytes), at the image's own size.
    pub fn predict_rgb(&self, rgb: &[u8], width: usize, height: usize) -> Result<Vec<u8>, SegTrainError> {
        if rgb.len() != width * height * 3 || width == 0 || height == 0 {
            return Err(SegTrainError::Config(format!(
                "predict: {} bytes for a {width}x{height} RGB image (needs {})",
                rgb.len(),
                width * height * 3
            )));
        }
        let (h, w) = (self.cfg.height, self.cfg.width);
        let small = resample_rgb(rgb, width, height, &Geometry::full(width, height), w, h);
        let ids = predict_normalised(&self.net, &normalise(&small), (1, h, w), self.decode(), self.device)?;
        Ok(upsample_nearest(&ids, h, w, height, width)?)
    }
}

/// Evaluates the model of a run on split `split` of the dataset at `data`, one image at a time
/// (as `predict` does, decoding with the run's calibration when the model carries one), at each
/// label's own resolution.
pub fn evaluate_split(model: &SegModel, data: &std::path::Path, split: &str) -> Result<SegMetrics, SegTrainError> {
    let ds = SegDataset::load(data, split, (model.cfg.height, model.cfg.width))?;
    Ok(evaluate_dataset(&model.net, &ds, model.decode(), model.device, 1, None)?.0)
}

/// The three files written for one image.
#[derive(Debug, Clone)]
pub struct PredictOutput {
    /// The input image.
    pub image: PathBuf,
    /// `<stem>_color.png`: CamVid colours.
    pub color: PathBuf,
    /// `<stem>_mask.png`: single-channel class ids 0–10.
    pub mask: PathBuf,
    /// `<stem>_overlay.png`: colours blended over the image, with the colour legend (class name
    /// beside colour) in a band below it.
    pub overlay: PathBuf,
}

fn write_png_atomic(path: &Path, write: impl FnOnce(&Path) -> Result<(), SegError>) -> Result<(), SegTrainError> {
    let mut inner = None;
    let result = atomic_io::write_atomic(path, |tmp| {
        write(tmp).map_err(|e| {
            let message = e.to_string();
            inner = Some(e);
            std::io::Error::other(message)
        })
    });
    match (result, inner) {
        (Ok(()), _) => Ok(()),
        (Err(_), Some(e)) => Err(e.into()),
        (Err(e), None) => Err(SegError::io(path, e).into()),
    }
}

/// Predicts each image and writes `<stem>_color.png`, `<stem>_mask.png` and
/// `<stem>_overlay.png` into `out` (created if needed), all at the image's own size (the overlay
/// adds its legend band below).
pub fn predict_files(model: &SegModel, images: &[PathBuf], out: &Path) -> Result<Vec<PredictOutput>, SegTrainError> {
    std::fs::create_dir_all(out).map_err(|e| SegError::io(out, e))?;
    let mut written = Vec::with_capacity(images.len());
    for path in images {
        let img = read_rgb(path)?;
        let ids = model.predict_rgb(&img.data, img.width, img.height)?;
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "image".into());
        let o = PredictOutput {
            image: path.clone(),
            color: out.join(format!("{stem}_color.png")),
            mask: out.join(format!("{stem}_mask.png")),
            overlay: out.join(format!("{stem}_overlay.png")),
        };
        let (w, h) = (img.width, img.height);
        write_png_atomic(&o.color, |p| write_rgb(p, w, h, &colorize(&ids)))?;
        write_png_atomic(&o.mask, |p| write_gray(p, w, h, &ids))?;
        let blended = envs::seg_view::with_legend(&overlay(&img.data, &ids, 0.5)?, w, h);
        write_png_atomic(&o.overlay, |p| write_rgb(p, w, blended.height, &blended.data))?;
        written.push(o);
    }
    Ok(written)
}
