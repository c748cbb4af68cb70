//! The SegNet run configuration ([`SegTrainConfig`], saved as a run's `config.toml`) and its
//! presets: TOML files in `presets/segnet-*.toml`, resolved like `dqn train`'s (preset, then
//! `--config`, then `--set` and the typed flags) by [`resolve`].

use std::path::{Path, PathBuf};

use nets::SegNetConfig;
use serde::{Deserialize, Serialize};

use super::augment::AugmentConfig;
use super::error::SegTrainError;
use super::{SegError, NUM_CLASSES};
use crate::run::{self, ConfigSource, Override, RunDir};

/// Network presets [`segnet_preset`] accepts. `basic`'s encoder is the `driving` DQN preset's
/// (4 × 64-channel 3×3 conv + BN), so every backbone tensor but the first conv (3 RGB vs 4
/// stacked gray channels) transfers between the two.
pub const PRESETS: [&str; 2] = ["basic", "vgg16"];

/// `(name, TOML text)` of every training preset of `dqn segnet train --preset` (files
/// `presets/segnet-NAME.toml`).
pub const TRAIN_PRESETS: &[(&str, &str)] = &[
    ("basic", include_str!("../../../presets/segnet-basic.toml")),
    ("basic-best", include_str!("../../../presets/segnet-basic-best.toml")),
    ("vgg16", include_str!("../../../presets/segnet-vgg16.toml")),
];

/// Resolves a SegNet configuration: the training preset, then `config_file`, then each override
/// (`--set` and the typed flags, `data` among them). `net` comes from the preset's `preset` (the
/// network preset) unless given; `height`/`width` from `first_image_size(data)` unless given.
pub fn resolve(
    preset: &str,
    config_file: Option<&Path>,
    overrides: &[Override],
    first_image_size: impl FnOnce(&Path) -> Result<(usize, usize), SegTrainError>,
) -> Result<SegTrainConfig, SegTrainError> {
    let names = || TRAIN_PRESETS.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ");
    let text = TRAIN_PRESETS
        .iter()
        .find(|(n, _)| *n == preset)
        .map(|(_, t)| *t)
        .ok_or_else(|| SegTrainError::Config(format!("unknown SegNet preset `{preset}`; valid: {}", names())))?;
    let mut table: toml::Table = run::resolve(ConfigSource::Preset { name: preset, text }, config_file, overrides)?;
    let data = match table.get("data") {
        Some(toml::Value::String(d)) => PathBuf::from(d),
        _ => {
            return Err(SegTrainError::Config(
                "--data DIR is required (or --resume RUN_DIR)".into(),
            ))
        }
    };
    if !table.contains_key("net") {
        let net_preset = table
            .get("preset")
            .and_then(|v| v.as_str())
            .unwrap_or(preset)
            .to_string();
        let net =
            toml::Value::try_from(segnet_preset(&net_preset)?).map_err(|e| SegTrainError::Config(e.to_string()))?;
        table.insert("net".into(), net);
    }
    if !table.contains_key("height") || !table.contains_key("width") {
        let (h, w) = first_image_size(&data)?;
        Override::new("height", h as i64).apply(&mut table)?;
        Override::new("width", w as i64).apply(&mut table)?;
    }
    let cfg: SegTrainConfig = toml::Value::Table(table).try_into().map_err(|e: toml::de::Error| {
        SegTrainError::Config(e.message().split_whitespace().collect::<Vec<_>>().join(" "))
    })?;
    cfg.validate()?;
    Ok(cfg)
}

/// Everything a segmentation run needs; written to the run's `config.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, config_doc::ConfigDoc)]
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
    #[config_doc(section)]
    pub augment: AugmentConfig,
    /// Forward/backward precision: fp32 (default) or bf16 (mixed: f32 weights, Adam state and
    /// checkpoints); fp16 is CUDA only. `--precision`.
    #[serde(default)]
    pub precision: nets::Precision,
    /// The network.
    #[config_doc(section)]
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
    /// Every key with the `basic` preset's default and its doc comment, for `dqn segnet train
    /// --help` (generated from the types; see [`crate::run::help`]).
    pub fn keys_help() -> String {
        use crate::run::help;
        let defaults = SegTrainConfig::new(Path::new("DATA"), "basic", (360, 480)).map(|c| help::to_table(&c));
        help::render(&SegTrainConfig::config_keys(""), &defaults.unwrap_or_default())
    }

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
            class_weights: ClassWeights::SqrtMedian,
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
        // A config written before the key existed was trained with median-frequency weights.
        assert_eq!((back.lr_end, back.class_weights), (None, ClassWeights::Median));
        let mut bad = cfg.clone();
        bad.lr_end = Some(1.0);
        assert!(bad.validate().unwrap_err().to_string().contains("lr_end"));
    }

    #[test]
    fn presets_resolve_and_basic_best_is_the_documented_recipe() {
        let size = |_: &Path| Ok((90, 120));
        let data = Override::new("data", "/d");
        for (name, _) in TRAIN_PRESETS {
            let cfg = resolve(name, None, std::slice::from_ref(&data), size).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!((cfg.height, cfg.width), (90, 120));
        }
        let best = resolve("basic-best", None, std::slice::from_ref(&data), size).unwrap();
        assert_eq!(best.preset, "basic");
        assert_eq!(
            (best.epochs, best.lr_end, best.class_weights),
            (20, Some(1e-5), ClassWeights::SqrtMedian)
        );
        assert!(!best.augment.crop && best.augment.hflip);
        let plain = SegTrainConfig::new(Path::new("/d"), "basic", (90, 120)).unwrap();
        assert_eq!(
            resolve("basic", None, std::slice::from_ref(&data), size).unwrap(),
            plain,
            "the preset keeps the old defaults"
        );
        let set = Override::parse("lr=0.01").unwrap();
        assert_eq!(resolve("basic", None, &[data.clone(), set], size).unwrap().lr, 0.01);
        let err = resolve("nope", None, std::slice::from_ref(&data), size)
            .unwrap_err()
            .to_string();
        assert!(err.contains("basic, basic-best, vgg16"), "{err}");
        let err = resolve("basic", None, &[], size).unwrap_err().to_string();
        assert!(err.contains("--data"), "{err}");
    }
}
