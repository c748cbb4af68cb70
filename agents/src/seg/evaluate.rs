//! Evaluation of a SegNet on a split: one [`ConfusionMatrix`] over all images with void removed,
//! counted at each label's own resolution (the prediction, made at the network's input size, is
//! upsampled with nearest-neighbour sampling to the label's size first). This is exactly what
//! [`super::predict`] writes as raw masks, so counting those masks against the labels gives the
//! same numbers.

use serde::Serialize;
use tch::Device;

use super::data::SegDataset;
use super::error::SegTrainError;
use super::inference::{predict_normalised, upsample_nearest, Decode};
use super::metrics::ConfusionMatrix;
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
