//! Evaluation of a SegNet on a split: one [`ConfusionMatrix`] over all images with void removed,
//! counted at each label's own resolution (the prediction, made at the network's input size, is
//! upsampled with nearest-neighbour sampling to the label's size first). This is exactly what
//! [`super::predict`] writes as raw masks, so counting those masks against the labels gives the
//! same numbers.

use serde::Serialize;
use tch::{Device, Tensor};

use super::data::SegDataset;
use super::metrics::{upsample_nearest, ConfusionMatrix};
use super::train::{argmax_ids, SegTrainError};
use super::NUM_CLASSES;
use envs::Class;

/// The three SegNet metrics and the per-class IoU of one split.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SegMetrics {
    /// Σ n_ii / Σ t_i over non-void pixels.
    pub global_accuracy: f64,
    /// mean_i n_ii / t_i over classes present in the labels.
    pub class_average_accuracy: f64,
    /// Mean IoU over classes present in labels or predictions.
    pub miou: f64,
    /// IoU per class, by name (null when the class is in neither labels nor predictions).
    pub per_class_iou: Vec<(String, Option<f64>)>,
    /// Accuracy per class, by name (null when the class is absent from the labels).
    pub per_class_accuracy: Vec<(String, Option<f64>)>,
    /// Non-void pixels counted.
    pub pixels: u64,
    /// Images counted.
    pub images: usize,
}

/// The name of class `id` (0–10).
pub fn class_name(id: usize) -> String {
    Class::from_id(id as u8).map_or_else(|| format!("class{id}"), |c| c.name().to_string())
}

impl SegMetrics {
    /// The metrics of a confusion matrix over `images` images.
    pub fn from_confusion(cm: &ConfusionMatrix, images: usize) -> Self {
        let iou = cm.class_iou();
        let acc = cm.class_accuracies();
        SegMetrics {
            global_accuracy: cm.global_accuracy(),
            class_average_accuracy: cm.class_average_accuracy(),
            miou: cm.mean_iou(),
            per_class_iou: (0..NUM_CLASSES).map(|c| (class_name(c), iou[c])).collect(),
            per_class_accuracy: (0..NUM_CLASSES).map(|c| (class_name(c), acc[c])).collect(),
            pixels: cm.total(),
            images,
        }
    }

    /// As JSON: `global_accuracy`, `class_average_accuracy`, `miou`, `per_class_iou` and
    /// `per_class_accuracy` (objects from class name to value or null), `pixels`, `images`.
    pub fn to_json(&self) -> serde_json::Value {
        let map = |v: &[(String, Option<f64>)]| {
            serde_json::Value::Object(v.iter().map(|(k, x)| (k.clone(), serde_json::json!(x))).collect())
        };
        serde_json::json!({
            "global_accuracy": self.global_accuracy,
            "class_average_accuracy": self.class_average_accuracy,
            "miou": self.miou,
            "per_class_iou": map(&self.per_class_iou),
            "per_class_accuracy": map(&self.per_class_accuracy),
            "pixels": self.pixels,
            "images": self.images,
        })
    }
}

/// How a trained network's logits become class ids at inference time.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Decode<'a> {
    /// Per-class biases added to the logits before the argmax (see [`super::calibrate`]).
    pub bias: Option<&'a [f32; NUM_CLASSES]>,
    /// Average the logits of the image and of its mirror image (flipped back): horizontal-flip
    /// test-time augmentation, at twice the cost.
    pub flip: bool,
}

/// Logits of `net` in inference mode. x: [B, 3, H, W] → [B, 11, H, W]; with `flip`, the mean of
/// the logits of `x` and of `x` mirrored left–right (mirrored back).
pub fn inference_logits(net: &nets::SegNet, x: &Tensor, flip: bool) -> Result<Tensor, SegTrainError> {
    tch::no_grad(|| {
        let logits = net.forward(x, false)?;
        if !flip {
            return Ok(logits);
        }
        let mirrored = net.forward(&x.f_flip([3])?, false)?.f_flip([3])?;
        Ok((logits + mirrored) * 0.5)
    })
}

/// Predicts class ids at the network's input size for normalised images
/// `[B, 3, H, W]` (as [`SegDataset::batch`] makes them) → `B·H·W` ids: the argmax of the
/// logits `[B, 11, H, W]` decoded as `decode` says.
pub fn predict_normalised(
    net: &nets::SegNet,
    images: &[f32],
    (b, h, w): (usize, usize, usize),
    decode: Decode,
    device: Device,
) -> Result<Vec<u8>, SegTrainError> {
    let x = Tensor::from_slice(images)
        .view([b as i64, 3, h as i64, w as i64])
        .to_device(device);
    let mut logits = inference_logits(net, &x, decode.flip)?;
    if let Some(bias) = decode.bias {
        let bias = Tensor::from_slice(bias)
            .view([1, NUM_CLASSES as i64, 1, 1])
            .to_device(device);
        logits = logits.f_add(&bias)?;
    }
    argmax_ids(&logits)
}

/// Evaluates `net` on every image of `ds` in batches of `batch_size` (inference mode), decoding
/// as `decode` says, counting at each label's own resolution. Returns the metrics and, when
/// `sample` is `Some(i)`, image `i`'s prediction at the input size (for TensorBoard).
pub fn evaluate_dataset(
    net: &nets::SegNet,
    ds: &SegDataset,
    decode: Decode,
    device: Device,
    batch_size: usize,
    sample: Option<usize>,
) -> Result<(SegMetrics, Option<Vec<u8>>), SegTrainError> {
    let (h, w) = (ds.height, ds.width);
    let mut cm = ConfusionMatrix::new();
    let mut kept = None;
    let idx: Vec<usize> = (0..ds.len()).collect();
    for chunk in idx.chunks(batch_size.max(1)) {
        let b = ds.batch(chunk, None)?;
        let ids = predict_normalised(net, &b.images, (chunk.len(), h, w), decode, device)?;
        for (k, &i) in chunk.iter().enumerate() {
            let pred = &ids[k * h * w..(k + 1) * h * w];
            let label = ds.original_label(i);
            let up = upsample_nearest(pred, h, w, label.height, label.width)?;
            cm.add(&up, &label.data)?;
            if sample == Some(i) {
                kept = Some(pred.to_vec());
            }
        }
    }
    Ok((SegMetrics::from_confusion(&cm, ds.len()), kept))
}

/// Evaluates the model of a run on split `split` of the dataset at `data`, one image at a time
/// (as `predict` does, decoding with the run's calibration when the model carries one), at each
/// label's own resolution.
pub fn evaluate_split(
    model: &super::predict::SegModel,
    data: &std::path::Path,
    split: &str,
) -> Result<SegMetrics, SegTrainError> {
    let ds = SegDataset::load(data, split, (model.cfg.height, model.cfg.width))?;
    Ok(evaluate_dataset(&model.net, &ds, model.decode(), model.device, 1, None)?.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flip_averaging_is_mirror_symmetric_and_off_means_plain() {
        tch::manual_seed(3);
        let vs = tch::nn::VarStore::new(Device::Cpu);
        let net = nets::SegNet::new(&vs.root(), &nets::SegNetConfig::basic()).unwrap();
        let x = Tensor::randn([2, 3, 32, 48], (tch::Kind::Float, Device::Cpu));
        let plain = tch::no_grad(|| net.forward(&x, false)).unwrap();
        let off = inference_logits(&net, &x, false).unwrap();
        assert_eq!(f64::try_from((&off - &plain).abs().max()).unwrap(), 0.0);
        // Mirroring the input mirrors the flip-averaged logits exactly (up to float rounding),
        // which the plain logits of a trained-or-not network do not do.
        let avg = inference_logits(&net, &x, true).unwrap();
        let avg_of_mirror = inference_logits(&net, &x.flip([3]), true).unwrap();
        let diff = f64::try_from((&avg_of_mirror - avg.flip([3])).abs().max()).unwrap();
        assert!(diff < 1e-4, "flip averaging not mirror-symmetric: {diff}");
        let plain_of_mirror = tch::no_grad(|| net.forward(&x.flip([3]), false)).unwrap();
        let asym = f64::try_from((&plain_of_mirror - plain.flip([3])).abs().max()).unwrap();
        assert!(
            asym > 1e-3,
            "the plain network is already symmetric ({asym}): the test shows nothing"
        );
    }
}
