//! Per-class logit offsets that maximise mIoU on a held-out split.
//!
//! A SegNet trained with class weights over-predicts the rare classes (on our driving data it
//! predicts 13–24 % more pole, fence, pedestrian and bicyclist pixels than there are), which costs
//! IoU. Adding a bias `b_c` to each class's logit before the argmax moves every decision boundary
//! at once. [`fit_bias`] finds the biases by coordinate ascent on the mIoU of a split the network
//! was not trained on (`val`): for one class at a time it tries every offset of a grid and keeps
//! the best, then repeats. The result is stored next to the run as
//! [`super::calibration::FILE`]; `eval`, `predict`
//! and `watch` apply it unless told not to, so their numbers stay consistent.
//!
//! With `flip_tta` the logits are the mean of the image's and its mirror image's (horizontal-flip
//! test-time augmentation, twice the inference cost); the biases are then fitted on those.
//!
//! Fitting happens at the network's input size (labels resized with nearest-neighbour sampling),
//! which is where the argmax is taken; `eval` still counts at each label's own resolution.

use std::path::Path;

use tch::{Device, Tensor};

use super::calibration::Calibration;
use super::data::SegDataset;
use super::error::SegTrainError;
use super::evaluate::class_name;
use super::inference::inference_logits;
use super::metrics::ConfusionMatrix;
use super::{NUM_CLASSES, VOID};

/// Offsets tried for one class in one round, relative to its current bias.
const GRID: std::ops::RangeInclusive<i32> = -20..=20;
/// Step of the grid, in logits.
const GRID_STEP: f32 = 0.1;

/// Logits of many pixels, pixel-major (`pixels × 11`), with their labels (0–11; 11 is void).
#[derive(Debug, Clone, Default)]
pub struct PixelLogits {
    /// `pixels · 11` values: pixel `p`'s logit for class `c` is at `p · 11 + c`.
    pub logits: Vec<f32>,
    /// `pixels` labels.
    pub labels: Vec<u8>,
}

impl PixelLogits {
    /// Appends the logits `[1, 11, H, W]` of one image and its `H·W` labels (void skipped).
    pub fn push(&mut self, logits: &Tensor, labels: &[u8]) -> Result<(), SegTrainError> {
        let t = logits
            .f_squeeze_dim(0)?
            .f_permute([1, 2, 0])?
            .f_to_device(Device::Cpu)?
            .f_contiguous()?;
        let n = t.numel();
        if n != labels.len() * NUM_CLASSES {
            return Err(SegTrainError::Config(format!(
                "calibration: {n} logits for {} labels (needs 11 per label)",
                labels.len()
            )));
        }
        let mut values = vec![0f32; n];
        t.f_copy_data(&mut values, n)?;
        for (px, &l) in values.chunks_exact(NUM_CLASSES).zip(labels) {
            if l < VOID {
                self.logits.extend_from_slice(px);
                self.labels.push(l);
            }
        }
        Ok(())
    }

    /// Labelled pixels held.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether no pixel is held.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The confusion matrix of `argmax(logits + bias)`.
    pub fn confusion(&self, bias: &[f32; NUM_CLASSES]) -> ConfusionMatrix {
        let mut counts = [[0u64; NUM_CLASSES]; NUM_CLASSES];
        for (px, &l) in self.logits.chunks_exact(NUM_CLASSES).zip(&self.labels) {
            counts[l as usize][argmax_biased(px, bias)] += 1;
        }
        ConfusionMatrix::from_counts(counts)
    }
}

fn argmax_biased(px: &[f32], bias: &[f32; NUM_CLASSES]) -> usize {
    let mut best = 0;
    let mut best_v = f32::NEG_INFINITY;
    for (c, (&v, &b)) in px.iter().zip(bias).enumerate() {
        if v + b > best_v {
            best_v = v + b;
            best = c;
        }
    }
    best
}

/// Fits per-class biases by coordinate ascent on mIoU: `rounds` passes over the classes, each
/// trying offsets −2.0…+2.0 (step 0.1) on one class's bias with the others fixed and keeping the
/// best (ties keep the current value). Returns the biases and the mIoU before and after; the
/// mIoU never goes down.
pub fn fit_bias(px: &PixelLogits, rounds: usize) -> ([f32; NUM_CLASSES], f64, f64) {
    let mut bias = [0f32; NUM_CLASSES];
    let before = px.confusion(&bias).mean_iou();
    let mut best = before;
    // Per pixel: the best other class and its biased score, recomputed per class and round.
    let mut other = vec![(0u8, 0f32); px.len()];
    for _ in 0..rounds {
        let mut improved = false;
        for c in 0..NUM_CLASSES {
            for (o, p) in other.iter_mut().zip(px.logits.chunks_exact(NUM_CLASSES)) {
                let mut k = usize::from(c == 0);
                let mut v = f32::NEG_INFINITY;
                for (j, (&x, &b)) in p.iter().zip(&bias).enumerate() {
                    if j != c && x + b > v {
                        v = x + b;
                        k = j;
                    }
                }
                *o = (k as u8, v);
            }
            let mut best_d = 0;
            for d in GRID {
                if d == 0 {
                    continue;
                }
                let bc = bias[c] + d as f32 * GRID_STEP;
                let mut counts = [[0u64; NUM_CLASSES]; NUM_CLASSES];
                for ((&(k, v), p), &l) in other.iter().zip(px.logits.chunks_exact(NUM_CLASSES)).zip(&px.labels) {
                    let pred = if p[c] + bc > v { c } else { k as usize };
                    counts[l as usize][pred] += 1;
                }
                let m = ConfusionMatrix::from_counts(counts).mean_iou();
                if m > best + 1e-9 {
                    best = m;
                    best_d = d;
                }
            }
            if best_d != 0 {
                bias[c] += best_d as f32 * GRID_STEP;
                improved = true;
            }
        }
        if !improved {
            break;
        }
    }
    (bias, before, best)
}

/// Collects the logits of `net` on every image of `ds` at its input size (averaged with the
/// mirrored image's when `flip`).
pub fn collect_logits(
    net: &nets::SegNet,
    ds: &SegDataset,
    device: Device,
    flip: bool,
) -> Result<PixelLogits, SegTrainError> {
    let (h, w) = (ds.height, ds.width);
    let mut px = PixelLogits::default();
    for i in 0..ds.len() {
        let b = ds.batch(&[i], None)?;
        let x = Tensor::from_slice(&b.images)
            .view([1, 3, h as i64, w as i64])
            .to_device(device);
        let logits = inference_logits(net, &x, flip)?;
        px.push(&logits, ds.label(i))?;
    }
    Ok(px)
}

/// Fits biases for the model of a run on split `split` of `data` (which must not be `test`),
/// with or without flip averaging, and returns them; the caller saves them with
/// [`Calibration::save`]. `miou_before` is the plain argmax's (no flip, no biases).
pub fn calibrate(
    model: &super::predict::SegModel,
    data: &Path,
    split: &str,
    flip_tta: bool,
) -> Result<Calibration, SegTrainError> {
    if split == "test" {
        return Err(SegTrainError::Config(
            "calibrate on `val` (or `train`), never on `test`: biases fitted on the test split make its numbers meaningless".into(),
        ));
    }
    let ds = SegDataset::load(data, split, (model.cfg.height, model.cfg.width))?;
    let plain = collect_logits(&model.net, &ds, model.device, false)?;
    let flipped = if flip_tta {
        Some(collect_logits(&model.net, &ds, model.device, true)?)
    } else {
        None
    };
    let px = flipped.as_ref().unwrap_or(&plain);
    if px.is_empty() {
        return Err(SegTrainError::Config(format!(
            "{}: split `{split}` has no labelled pixels to calibrate on",
            data.display()
        )));
    }
    let before = plain.confusion(&[0.0; NUM_CLASSES]).mean_iou();
    let (bias, _, after) = fit_bias(px, 3);
    Ok(Calibration {
        bias,
        bias_by_class: (0..NUM_CLASSES).map(|c| (class_name(c), bias[c])).collect(),
        data: data.to_path_buf(),
        split: split.to_string(),
        images: ds.len(),
        miou_before: before,
        miou_after: after,
        checkpoint: model.checkpoint.clone(),
        flip_tta,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seg::calibration::FILE;

    /// Pixels of classes 0 and 1 whose logits favour class 1 by a margin: class 1 is
    /// over-predicted until its bias falls by about the margin.
    fn overpredicting() -> PixelLogits {
        let mut px = PixelLogits::default();
        for i in 0..200 {
            let label = (i % 2) as u8;
            let mut l = [0f32; NUM_CLASSES];
            // True class-0 pixels: class 1 wins by 0.5; true class-1 pixels: class 1 wins by 1.5.
            l[1] = if label == 0 { 0.5 } else { 1.5 };
            l[2..].fill(-10.0);
            px.logits.extend_from_slice(&l);
            px.labels.push(label);
        }
        px
    }

    #[test]
    fn bias_fixes_an_over_predicted_class() {
        let px = overpredicting();
        let (bias, before, after) = fit_bias(&px, 3);
        assert!((before - 0.25).abs() < 1e-9, "before {before}");
        assert!((after - 1.0).abs() < 1e-9, "after {after}");
        // Any relative shift of class 1 against class 0 between −1.5 and −0.5 separates them.
        let shift = bias[1] - bias[0];
        assert!((-1.5..-0.5).contains(&shift), "bias {bias:?}");
        assert_eq!(px.confusion(&bias).mean_iou(), after);
    }

    #[test]
    fn fitting_never_lowers_miou_and_zero_bias_is_argmax() {
        let mut px = PixelLogits::default();
        let mut x = 12345u32;
        for _ in 0..3000 {
            let mut l = [0f32; NUM_CLASSES];
            for v in &mut l {
                x = x.wrapping_mul(1664525).wrapping_add(1013904223);
                *v = (x >> 8) as f32 / (1u32 << 24) as f32 * 4.0;
            }
            x = x.wrapping_mul(1664525).wrapping_add(1013904223);
            let label = (x >> 16) as usize % NUM_CLASSES;
            l[label] += 0.8;
            px.logits.extend_from_slice(&l);
            px.labels.push(label as u8);
        }
        let zero = px.confusion(&[0.0; NUM_CLASSES]);
        let plain: Vec<usize> = px
            .logits
            .chunks_exact(NUM_CLASSES)
            .map(|p| (0..NUM_CLASSES).fold(0, |b, c| if p[c] > p[b] { c } else { b }))
            .collect();
        let mut cm = ConfusionMatrix::new();
        cm.add(&plain.iter().map(|&p| p as i64).collect::<Vec<_>>(), &px.labels)
            .unwrap();
        assert_eq!(zero, cm);
        let (bias, before, after) = fit_bias(&px, 2);
        assert_eq!(before, zero.mean_iou());
        assert!(after >= before);
        assert!((px.confusion(&bias).mean_iou() - after).abs() < 1e-12);
    }

    #[test]
    fn files_round_trip_and_bad_ones_are_named() {
        let dir = std::env::temp_dir().join(format!("dqn-cal-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        assert!(Calibration::load(&dir).unwrap().is_none());
        let cal = Calibration {
            bias: [0.5; NUM_CLASSES],
            bias_by_class: vec![("Sky".into(), 0.5)],
            data: "data/x".into(),
            split: "val".into(),
            images: 3,
            miou_before: 0.5,
            miou_after: 0.6,
            checkpoint: "c.safetensors".into(),
            flip_tta: true,
        };
        cal.save(&dir).unwrap();
        assert_eq!(Calibration::load(&dir).unwrap(), Some(cal));
        std::fs::write(dir.join(FILE), "{not json").unwrap();
        let err = Calibration::load(&dir).unwrap_err().to_string();
        assert!(
            err.contains("calibration.json") && err.contains("not a calibration file"),
            "{err}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
