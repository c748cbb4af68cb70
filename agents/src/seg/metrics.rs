//! Segmentation metrics from one confusion matrix over a whole split (SegNet, TPAMI 2017): void
//! pixels are removed before counting.
//!
//! With `n_ij` the number of pixels of true class `i` predicted as `j` and `t_i = Σ_j n_ij`:
//! - global accuracy `Σ_i n_ii / Σ_i t_i`;
//! - class-average accuracy `mean_i n_ii / t_i`;
//! - IoU of class `i`: `n_ii / (t_i + Σ_j n_ji − n_ii)`, and mIoU its mean.
//!
//! **Absent classes.** A class with no pixels in the labels (`t_i = 0`) has no accuracy and is
//! left out of the class average. A class absent from both labels and predictions has no IoU
//! (`None`) and is left out of the mean; a class that is only predicted has IoU 0 and counts.
//! Every mean over an empty set is 0.

use super::{SegError, NUM_CLASSES, VOID};

/// Counts of (true class, predicted class) pixel pairs; rows are true classes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfusionMatrix {
    counts: [[u64; NUM_CLASSES]; NUM_CLASSES],
}

impl Default for ConfusionMatrix {
    fn default() -> Self {
        Self::new()
    }
}

impl ConfusionMatrix {
    /// An empty matrix.
    pub fn new() -> Self {
        ConfusionMatrix {
            counts: [[0; NUM_CLASSES]; NUM_CLASSES],
        }
    }

    /// A matrix with the given counts (`counts[truth][pred]`).
    pub fn from_counts(counts: [[u64; NUM_CLASSES]; NUM_CLASSES]) -> Self {
        ConfusionMatrix { counts }
    }

    /// Adds one prediction map and its labels (same length). Void labels (11) are skipped.
    /// Predictions must be class ids 0–10; labels 0–11.
    pub fn add<P: Copy + Into<i64>>(&mut self, pred: &[P], label: &[u8]) -> Result<(), SegError> {
        if pred.len() != label.len() {
            return Err(SegError::InvalidArgument(format!(
                "confusion matrix: {} predictions for {} labels (they must match)",
                pred.len(),
                label.len()
            )));
        }
        for (k, (&p, &l)) in pred.iter().zip(label).enumerate() {
            if l == VOID {
                continue;
            }
            let p: i64 = p.into();
            if !(0..NUM_CLASSES as i64).contains(&p) || l as usize >= NUM_CLASSES {
                return Err(SegError::InvalidArgument(format!(
                    "confusion matrix: pixel {k} has prediction {p} and label {l}; predictions must be 0–10, labels 0–11"
                )));
            }
            self.counts[l as usize][p as usize] += 1;
        }
        Ok(())
    }

    /// Adds another matrix's counts.
    pub fn merge(&mut self, other: &ConfusionMatrix) {
        for (row, orow) in self.counts.iter_mut().zip(&other.counts) {
            for (c, o) in row.iter_mut().zip(orow) {
                *c += o;
            }
        }
    }

    /// `n_ij`: pixels of true class `i` predicted as `j`.
    pub fn count(&self, truth: usize, pred: usize) -> u64 {
        self.counts[truth][pred]
    }

    /// Non-void labelled pixels counted.
    pub fn total(&self) -> u64 {
        self.counts.iter().flatten().sum()
    }

    fn label_total(&self, i: usize) -> u64 {
        self.counts[i].iter().sum()
    }

    fn pred_total(&self, j: usize) -> u64 {
        self.counts.iter().map(|row| row[j]).sum()
    }

    /// `Σ n_ii / Σ t_i` (0 when empty).
    pub fn global_accuracy(&self) -> f64 {
        let correct: u64 = (0..NUM_CLASSES).map(|i| self.counts[i][i]).sum();
        ratio(correct, self.total())
    }

    /// Per-class accuracy `n_ii / t_i`; `None` for classes with no labelled pixels.
    pub fn class_accuracies(&self) -> [Option<f64>; NUM_CLASSES] {
        std::array::from_fn(|i| {
            let t = self.label_total(i);
            (t > 0).then(|| ratio(self.counts[i][i], t))
        })
    }

    /// Mean of the defined per-class accuracies.
    pub fn class_average_accuracy(&self) -> f64 {
        mean_defined(&self.class_accuracies())
    }

    /// Per-class IoU `n_ii / (t_i + Σ_j n_ji − n_ii)`; `None` for classes absent from both labels
    /// and predictions.
    pub fn class_iou(&self) -> [Option<f64>; NUM_CLASSES] {
        std::array::from_fn(|i| {
            let union = self.label_total(i) + self.pred_total(i) - self.counts[i][i];
            (union > 0).then(|| ratio(self.counts[i][i], union))
        })
    }

    /// Mean of the defined per-class IoUs.
    pub fn mean_iou(&self) -> f64 {
        mean_defined(&self.class_iou())
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

fn mean_defined(values: &[Option<f64>]) -> f64 {
    let defined: Vec<f64> = values.iter().flatten().copied().collect();
    if defined.is_empty() {
        0.0
    } else {
        defined.iter().sum::<f64>() / defined.len() as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hand-computed example: three classes in use (0, 1, 2), one void pixel.
    ///
    /// labels: 0 0 0 1 1 2 11      preds: 0 0 1 1 2 2 5
    /// n_00 = 2, n_01 = 1, n_11 = 1, n_12 = 1, n_22 = 1; t = (3, 2, 1), predicted = (2, 2, 2).
    /// global = 4/6; class avg = (2/3 + 1/2 + 1)/3 = 13/18;
    /// IoU: 0 → 2/(3+2−2) = 2/3, 1 → 1/(2+2−1) = 1/3, 2 → 1/(1+2−1) = 1/2; mIoU = 1/2.
    #[test]
    fn hand_computed_example() {
        let mut cm = ConfusionMatrix::new();
        cm.add(&[0u8, 0, 1, 1, 2, 2, 5], &[0, 0, 0, 1, 1, 2, 11]).unwrap();
        assert_eq!(cm.total(), 6);
        assert!((cm.global_accuracy() - 4.0 / 6.0).abs() < 1e-12);
        assert!((cm.class_average_accuracy() - 13.0 / 18.0).abs() < 1e-12);
        let iou = cm.class_iou();
        assert!((iou[0].unwrap() - 2.0 / 3.0).abs() < 1e-12);
        assert!((iou[1].unwrap() - 1.0 / 3.0).abs() < 1e-12);
        assert!((iou[2].unwrap() - 0.5).abs() < 1e-12);
        assert!(iou[3..].iter().all(Option::is_none));
        assert!((cm.mean_iou() - 0.5).abs() < 1e-12);
    }

    #[test]
    fn predicted_only_class_has_zero_iou_and_counts() {
        let mut cm = ConfusionMatrix::new();
        cm.add(&[0i64, 4], &[0, 0]).unwrap();
        assert_eq!(cm.class_iou()[4], Some(0.0));
        assert_eq!(cm.class_accuracies()[4], None);
        assert!((cm.mean_iou() - 0.25).abs() < 1e-12); // (1/2 + 0) / 2
        assert!((cm.class_average_accuracy() - 0.5).abs() < 1e-12);
    }

    #[test]
    fn bad_input_is_an_error() {
        let mut cm = ConfusionMatrix::new();
        assert!(cm.add(&[0u8], &[0, 1]).is_err());
        assert!(cm.add(&[11u8], &[0]).is_err());
        assert!(cm.add(&[0u8], &[12]).is_err());
        assert_eq!(cm.total(), 0);
        assert_eq!(cm.mean_iou(), 0.0);
    }

    #[test]
    fn merge_adds_counts() {
        let mut a = ConfusionMatrix::new();
        a.add(&[1u8], &[1]).unwrap();
        let mut b = ConfusionMatrix::new();
        b.add(&[2u8], &[1]).unwrap();
        a.merge(&b);
        assert_eq!((a.count(1, 1), a.count(1, 2), a.total()), (1, 1, 2));
    }
}
