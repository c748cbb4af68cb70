//! SegNet (Badrinarayanan, Kendall & Cipolla, TPAMI 2017): a VGG [`Backbone`] encoder whose
//! max-pools record their argmax indices, a mirrored decoder that unpools with those indices, and a
//! 1×1 per-pixel classifier.
//!
//! Decoder stage s mirrors encoder stage s and runs in reverse order: `max_unpool2d` to the
//! recorded pre-pool size, then `convs` × (k×k conv, [BN], ReLU); the first `convs − 1` convs keep
//! the stage's channels, the last one maps to the channels of stage s − 1 (stage 1 keeps its own).
//! Variables: `backbone.*` (see [`Backbone`]), `decoder.stage{s}.conv{i}.*`,
//! `decoder.stage{s}.bn{i}.*`, `decoder.classifier.{weight,bias}`.
//!
//! Shapes for preset `basic` (4 stages of 64 channels) on a 360×480 image (H, W need not be
//! multiples of 16: odd sizes are restored from the recorded sizes):
//!
//! | step            | shape              |
//! |-----------------|--------------------|
//! | input           | [B, 3, 360, 480]   |
//! | enc 1 conv/pool | [B, 64, 360, 480] → [B, 64, 180, 240] |
//! | enc 2           | → [B, 64, 90, 120] |
//! | enc 3           | → [B, 64, 45, 60]  |
//! | enc 4           | → [B, 64, 22, 30]  (pre-pool 45×60 recorded) |
//! | dec 4 unpool/conv | [B, 64, 45, 60]  |
//! | dec 3           | [B, 64, 90, 120]   |
//! | dec 2           | [B, 64, 180, 240]  |
//! | dec 1           | [B, 64, 360, 480]  |
//! | classifier      | [B, 11, 360, 480]  |
//!
//! For `vgg16` the channels are 64-128-256-512-512 (encoder) and 512-256-128-64-64 (decoder
//! outputs), and 360×480 pools to 11×15.
use crate::backbone::{Backbone, BackboneConfig, BackboneKind};
use crate::layers::{BatchNorm, Conv, HE_LINEAR, HE_RELU};
use crate::NetError;
use serde::{Deserialize, Serialize};
use tch::nn::Path;
use tch::{Kind, Tensor};

/// The preset names [`SegNetConfig::preset`] accepts.
pub const SEGNET_PRESETS: [&str; 2] = ["basic", "vgg16"];

/// Configuration of a [`SegNet`] (serde; saved in each run's `config.toml`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, config_doc::ConfigDoc)]
#[serde(deny_unknown_fields)]
pub struct SegNetConfig {
    /// The encoder; must be the `vgg` kind. Default: the `basic` preset's encoder.
    #[serde(default = "default_backbone")]
    pub backbone: BackboneConfig,
    /// Number of classes (logit channels). Default 11 (CamVid without void).
    #[serde(default = "default_classes")]
    pub num_classes: i64,
    /// Input channels. Default 3 (RGB).
    #[serde(default = "default_in_channels")]
    pub in_channels: i64,
}

fn default_backbone() -> BackboneConfig {
    BackboneConfig::vgg(&[(64, 1), (64, 1), (64, 1), (64, 1)], true)
}
fn default_classes() -> i64 {
    11
}
fn default_in_channels() -> i64 {
    3
}

impl Default for SegNetConfig {
    fn default() -> Self {
        SegNetConfig::basic()
    }
}

impl SegNetConfig {
    /// SegNet-Basic-like: 4 stages of one 3×3 conv (64 channels) + BN each, mirrored decoder,
    /// 11 classes. CPU-friendly (the paper's SegNet-Basic uses 7×7 kernels: set `kernel_size = 7`).
    pub fn basic() -> SegNetConfig {
        SegNetConfig {
            backbone: default_backbone(),
            num_classes: 11,
            in_channels: 3,
        }
    }

    /// SegNet with the VGG16 encoder (13 convs with BN) and its mirror, 11 classes.
    pub fn vgg16() -> SegNetConfig {
        SegNetConfig {
            backbone: BackboneConfig::vgg16(),
            num_classes: 11,
            in_channels: 3,
        }
    }

    /// A preset by name; the error lists [`SEGNET_PRESETS`].
    pub fn preset(name: &str) -> Result<SegNetConfig, NetError> {
        match name {
            "basic" => Ok(SegNetConfig::basic()),
            "vgg16" => Ok(SegNetConfig::vgg16()),
            _ => Err(NetError::Config(format!(
                "unknown SegNet preset `{name}`; valid: {}",
                SEGNET_PRESETS.join(", ")
            ))),
        }
    }
}

#[derive(Debug)]
struct DecoderBlock {
    conv: Conv,
    bn: Option<BatchNorm>,
}

/// SegNet: [`Backbone`] encoder + unpooling decoder + 1×1 classifier.
#[derive(Debug)]
pub struct SegNet {
    cfg: SegNetConfig,
    encoder: Backbone,
    /// Decoder blocks per stage, first stage first (run in reverse).
    decoder: Vec<Vec<DecoderBlock>>,
    classifier: Conv,
}

impl SegNet {
    /// Builds the network under `path` (normally `vs.root()`, giving `backbone.*` and `decoder.*`).
    /// Errors when the backbone is the `nature` kind (it has no pooling indices to unpool with).
    pub fn new(path: &Path, cfg: &SegNetConfig) -> Result<SegNet, NetError> {
        let BackboneKind::Vgg {
            stages,
            batch_norm,
            kernel_size,
        } = &cfg.backbone.kind
        else {
            return Err(NetError::Config(
                "SegNet needs a `vgg` backbone: the `nature` CNN has strided convs and no max-pool indices, so the \
                 decoder cannot unpool its features"
                    .into(),
            ));
        };
        if cfg.num_classes < 1 {
            return Err(NetError::Config(format!(
                "num_classes must be ≥ 1, got {}",
                cfg.num_classes
            )));
        }
        let encoder = Backbone::new(&(path / "backbone"), &cfg.backbone, cfg.in_channels)?;
        let dp = path / "decoder";
        let mut decoder = Vec::with_capacity(stages.len());
        for (s, stage) in stages.iter().enumerate() {
            let c_out = if s == 0 { stage.channels } else { stages[s - 1].channels };
            let sp = &dp / format!("stage{}", s + 1);
            let mut blocks = Vec::with_capacity(stage.convs);
            for i in 1..=stage.convs {
                let c_to = if i == stage.convs { c_out } else { stage.channels };
                let conv = Conv::new(
                    &(&sp / format!("conv{i}")),
                    stage.channels,
                    c_to,
                    *kernel_size,
                    1,
                    kernel_size / 2,
                    !batch_norm,
                    HE_RELU,
                )?;
                let bn = if *batch_norm {
                    Some(BatchNorm::new(&(&sp / format!("bn{i}")), c_to)?)
                } else {
                    None
                };
                blocks.push(DecoderBlock { conv, bn });
            }
            decoder.push(blocks);
        }
        let classifier = Conv::new(
            &(&dp / "classifier"),
            stages[0].channels,
            cfg.num_classes,
            1,
            1,
            0,
            true,
            HE_LINEAR,
        )?;
        Ok(SegNet {
            cfg: cfg.clone(),
            encoder,
            decoder,
            classifier,
        })
    }

    /// The configuration it was built from.
    pub fn config(&self) -> &SegNetConfig {
        &self.cfg
    }

    /// The encoder.
    pub fn backbone(&self) -> &Backbone {
        &self.encoder
    }

    /// Per-pixel class logits. x: [B, in_channels, H, W] f32 (H, W ≥ 2^stages, any parity) →
    /// [B, num_classes, H, W] f32 (also under autocast). `train` switches BatchNorm to batch statistics.
    pub fn forward(&self, x: &Tensor, train: bool) -> Result<Tensor, NetError> {
        if x.kind() != Kind::Float {
            return Err(NetError::Input(format!(
                "SegNet expects f32 images, got {:?}",
                x.kind()
            )));
        }
        let features = self.encoder.forward(x, train)?;
        let mut y = features.out;
        for (blocks, pool) in self.decoder.iter().zip(&features.pools).rev() {
            y = y.f_max_unpool2d(&pool.indices, pool.size)?;
            for block in blocks {
                y = block.conv.forward(&y)?;
                if let Some(bn) = &block.bn {
                    y = bn.forward(&y, train)?;
                }
                y = y.f_relu()?;
            }
        }
        // f32 out also under a bf16 autocast region, so decoding never sees reduced precision.
        Ok(self.classifier.forward(&y)?.f_to_kind(Kind::Float)?)
    }
}
