//! The calibration file of a SegNet run (`RUN/calibration.json`): per-class logit biases that
//! eval, predict and watch apply (fitted by [`super::calibrate`]).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::error::SegTrainError;
use super::NUM_CLASSES;
use crate::run::write_atomic;

/// The calibration file's name inside a run folder.
pub const FILE: &str = "calibration.json";

/// Per-class logit biases and where they came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// Added to the logit of class `c` (0–10) before the argmax.
    pub bias: [f32; NUM_CLASSES],
    /// The same biases by class name, for people reading the file.
    pub bias_by_class: Vec<(String, f32)>,
    /// The dataset the biases were fitted on.
    pub data: PathBuf,
    /// The split they were fitted on.
    pub split: String,
    /// Images in that split.
    pub images: usize,
    /// The split's mIoU (at the network's size) without biases.
    pub miou_before: f64,
    /// The split's mIoU (at the network's size) with them.
    pub miou_after: f64,
    /// The checkpoint whose logits were used.
    pub checkpoint: PathBuf,
    /// Whether the logits are averaged with those of the mirrored image (horizontal-flip
    /// test-time augmentation); the biases were fitted on logits made the same way.
    #[serde(default)]
    pub flip_tta: bool,
}

impl Calibration {
    /// Reads `run_dir/calibration.json`; `Ok(None)` when there is none.
    pub fn load(run_dir: &Path) -> Result<Option<Calibration>, SegTrainError> {
        let path = run_dir.join(FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(SegTrainError::Config(format!("{}: {e}", path.display()))),
        };
        let cal: Calibration = serde_json::from_str(&text)
            .map_err(|e| SegTrainError::Config(format!("{}: not a calibration file: {e}", path.display())))?;
        if let Some(bad) = cal.bias.iter().find(|b| !b.is_finite()) {
            return Err(SegTrainError::Config(format!(
                "{}: bias {bad} is not a finite number",
                path.display()
            )));
        }
        Ok(Some(cal))
    }

    /// Writes `run_dir/calibration.json` atomically.
    pub fn save(&self, run_dir: &Path) -> Result<PathBuf, SegTrainError> {
        let path = run_dir.join(FILE);
        let text = serde_json::to_string_pretty(self)
            .map_err(|e| SegTrainError::Config(format!("{}: {e}", path.display())))?;
        write_atomic(&path, text.as_bytes())?;
        Ok(path)
    }
}
