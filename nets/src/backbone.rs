//! The shared convolutional feature extractor: VGG-style stages or the DQN Nature CNN.
//!
//! * `vgg` — the book's deep CNN (ch. 8.1.1) and SegNet's encoder (Badrinarayanan et al., 2017):
//!   each stage is `convs` × (k×k conv, padding k/2, [BatchNorm], ReLU) followed by a 2×2/2 max-pool
//!   that also returns its argmax indices and the pre-pool size, which the SegNet decoder needs to
//!   unpool. A stage halves H and W (rounding down) and sets the channel count.
//! * `nature` — the DQN Nature CNN (Mnih et al., 2015): 32 filters 8×8 stride 4, 64 filters 4×4
//!   stride 2, 64 filters 3×3 stride 1, each followed by ReLU, no padding, no pooling. Having no
//!   pooling indices, it **cannot feed the SegNet decoder**; [`crate::SegNet::new`] rejects it.
//!
//! Each ReLU above is a leaky ReLU (slope 0.01) with `activation = "leaky_relu"` ([`Activation`]).
//!
//! Weights use He (Kaiming normal, fan-in) initialisation. Variables (PyTorch names):
//! `backbone.stage{s}.conv{i}.weight`, `backbone.stage{s}.bn{i}.{weight,bias,running_mean,running_var}`
//! (conv bias only without BatchNorm), or `backbone.conv{1,2,3}.{weight,bias}` for `nature`.
//!
//! ```no_run
//! use nets::{Backbone, BackboneConfig};
//! let vs = tch::nn::VarStore::new(tch::Device::Cpu);
//! let cfg = BackboneConfig::vgg(&[(64, 2), (128, 2)], true);
//! let net = Backbone::new(&(vs.root() / "backbone"), &cfg, 3).unwrap();
//! assert_eq!(net.out_shape(3, 84, 84).unwrap(), [128, 21, 21]);
//! let x = tch::Tensor::zeros([1, 3, 84, 84], (tch::Kind::Float, tch::Device::Cpu));
//! let features = net.forward(&x, false).unwrap();
//! assert_eq!(features.pools.len(), 2);
//! ```
use crate::layers::{BatchNorm, Conv, HE_RELU};
use crate::NetError;
use serde::{Deserialize, Serialize};
use tch::nn::Path;
use tch::Tensor;

/// One VGG stage: `convs` convolutions with `channels` output channels, then a 2×2 max-pool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageConfig {
    /// Output channels of every conv in the stage.
    pub channels: i64,
    /// Number of conv (+BN) + ReLU blocks before the pool.
    #[serde(default = "default_convs")]
    pub convs: usize,
}

fn default_convs() -> usize {
    2
}
fn default_true() -> bool {
    true
}
fn default_kernel() -> i64 {
    3
}

/// Which layer stack a [`Backbone`] has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum BackboneKind {
    /// VGG-style stages with index-returning max-pools (usable by QNet and SegNet).
    Vgg {
        /// The stages, from input to output.
        stages: Vec<StageConfig>,
        /// Insert BatchNorm between each conv and its ReLU (the conv then has no bias). Default true.
        #[serde(default = "default_true")]
        batch_norm: bool,
        /// Square kernel size of every conv, odd (padding is k/2 so H, W are kept). Default 3.
        #[serde(default = "default_kernel")]
        kernel_size: i64,
    },
    /// The DQN Nature CNN (84×84 input → 64×7×7); QNet only, no pooling indices.
    Nature,
    /// Plain strided convolutions + ReLU, no padding, no pooling (Nature is one such stack). For
    /// small inputs, e.g. 42×42 with `(32, 4, 2), (64, 4, 2), (64, 3, 1)`; QNet only.
    Strided {
        /// The layers, input first.
        layers: Vec<StridedLayer>,
    },
}

/// One conv of a [`BackboneKind::Strided`] stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StridedLayer {
    /// Output channels.
    pub channels: i64,
    /// Square kernel size.
    pub kernel: i64,
    /// Stride.
    pub stride: i64,
}

impl BackboneKind {
    /// The (channels, kernel, stride) of a strided stack (Nature included); None for VGG.
    fn strided_layers(&self) -> Option<Vec<(i64, i64, i64)>> {
        match self {
            BackboneKind::Nature => Some(NATURE_LAYERS.to_vec()),
            BackboneKind::Strided { layers } => Some(layers.iter().map(|l| (l.channels, l.kernel, l.stride)).collect()),
            BackboneKind::Vgg { .. } => None,
        }
    }
}

/// Configuration of a [`Backbone`] (a serde struct: it is written into each run's `config.toml`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackboneConfig {
    /// The layer stack. Default: `nature`.
    #[serde(default = "default_kind")]
    pub kind: BackboneKind,
    /// The nonlinearity after each conv (and BatchNorm). Default: `relu`.
    #[serde(default)]
    pub activation: Activation,
}

/// The nonlinearity after each conv of a [`Backbone`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Activation {
    /// `max(0, x)`: the default, and what every model saved before `activation` existed used.
    #[default]
    Relu,
    /// `max(0.01·x, x)`: a channel whose input is negative at every position still passes a
    /// gradient, so it cannot die for good. On frames that are mostly one flat background (pong)
    /// a thin ReLU stack can lose every channel of a layer within its first few thousand updates
    /// and then learns nothing (docs/results/learning.md, "Dead channels").
    LeakyRelu,
}

impl Activation {
    /// Applies it elementwise: x: any shape → the same shape.
    pub fn forward(self, x: &Tensor) -> Result<Tensor, NetError> {
        Ok(match self {
            Activation::Relu => x.f_relu()?,
            Activation::LeakyRelu => x.f_leaky_relu()?,
        })
    }
}

fn default_kind() -> BackboneKind {
    BackboneKind::Nature
}

impl Default for BackboneConfig {
    fn default() -> Self {
        BackboneConfig::nature()
    }
}

impl BackboneConfig {
    /// The DQN Nature CNN.
    pub fn nature() -> BackboneConfig {
        BackboneConfig {
            kind: BackboneKind::Nature,
            activation: Activation::Relu,
        }
    }

    /// VGG stages from `(channels, convs)` pairs with 3×3 kernels.
    pub fn vgg(stages: &[(i64, usize)], batch_norm: bool) -> BackboneConfig {
        let stages = stages
            .iter()
            .map(|&(channels, convs)| StageConfig { channels, convs })
            .collect();
        BackboneConfig {
            kind: BackboneKind::Vgg {
                stages,
                batch_norm,
                kernel_size: 3,
            },
            activation: Activation::Relu,
        }
    }

    /// The VGG16 encoder used by SegNet: 13 convs, 64-128-256-512-512, with BatchNorm.
    pub fn vgg16() -> BackboneConfig {
        BackboneConfig::vgg(&[(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)], true)
    }

    fn validate(&self) -> Result<(), NetError> {
        if let BackboneKind::Vgg {
            stages, kernel_size, ..
        } = &self.kind
        {
            if stages.is_empty() {
                return Err(NetError::Config("a vgg backbone needs at least one stage".into()));
            }
            if *kernel_size < 1 || kernel_size % 2 == 0 {
                return Err(NetError::Config(format!(
                    "vgg kernel_size must be odd and ≥ 1, got {kernel_size}"
                )));
            }
            for (i, s) in stages.iter().enumerate() {
                if s.channels <= 0 || s.convs == 0 {
                    return Err(NetError::Config(format!(
                        "stage {} needs channels > 0 and convs ≥ 1, got channels {} convs {}",
                        i + 1,
                        s.channels,
                        s.convs
                    )));
                }
            }
        }
        Ok(())
    }
}

/// What one max-pool recorded, for `max_unpool2d` in the decoder.
#[derive(Debug)]
pub struct PoolInfo {
    /// Argmax indices, i64 `[B, C, H/2, W/2]` (flat positions within each H×W plane).
    pub indices: Tensor,
    /// The pre-pool spatial size `[H, W]` (so odd sizes unpool back exactly).
    pub size: [i64; 2],
}

/// Output of [`Backbone::forward`].
#[derive(Debug)]
pub struct Features {
    /// The feature map `[B, C_out, H_out, W_out]`.
    pub out: Tensor,
    /// One entry per VGG stage, first stage first; empty for `nature`.
    pub pools: Vec<PoolInfo>,
}

#[derive(Debug)]
struct ConvBlock {
    conv: Conv,
    bn: Option<BatchNorm>,
    activation: Activation,
}

impl ConvBlock {
    fn forward(&self, x: &Tensor, train: bool) -> Result<Tensor, NetError> {
        let mut y = self.conv.forward(x)?;
        if let Some(bn) = &self.bn {
            y = bn.forward(&y, train)?;
        }
        self.activation.forward(&y)
    }
}

/// The Nature CNN layers: (out channels, kernel, stride).
const NATURE_LAYERS: [(i64, i64, i64); 3] = [(32, 8, 4), (64, 4, 2), (64, 3, 1)];

#[derive(Debug)]
enum Layers {
    /// Blocks of each stage.
    Vgg(Vec<Vec<ConvBlock>>),
    Nature(Vec<Conv>),
}

/// The convolutional feature extractor shared by [`crate::QNet`] and [`crate::SegNet`].
#[derive(Debug)]
pub struct Backbone {
    cfg: BackboneConfig,
    in_channels: i64,
    layers: Layers,
}

impl Backbone {
    /// Creates the variables under `path` (conventionally `root / "backbone"`) for `in_channels`
    /// input channels.
    pub fn new(path: &Path, cfg: &BackboneConfig, in_channels: i64) -> Result<Backbone, NetError> {
        cfg.validate()?;
        if in_channels <= 0 {
            return Err(NetError::Config(format!(
                "in_channels must be positive, got {in_channels}"
            )));
        }
        let layers = match &cfg.kind {
            BackboneKind::Vgg {
                stages,
                batch_norm,
                kernel_size,
            } => {
                let mut c_in = in_channels;
                let mut all = Vec::with_capacity(stages.len());
                for (s, stage) in stages.iter().enumerate() {
                    let sp = path / format!("stage{}", s + 1);
                    let mut blocks = Vec::with_capacity(stage.convs);
                    for i in 1..=stage.convs {
                        let conv = Conv::new(
                            &(&sp / format!("conv{i}")),
                            c_in,
                            stage.channels,
                            *kernel_size,
                            1,
                            kernel_size / 2,
                            !batch_norm,
                            HE_RELU,
                        )?;
                        let bn = if *batch_norm {
                            Some(BatchNorm::new(&(&sp / format!("bn{i}")), stage.channels)?)
                        } else {
                            None
                        };
                        blocks.push(ConvBlock {
                            conv,
                            bn,
                            activation: cfg.activation,
                        });
                        c_in = stage.channels;
                    }
                    all.push(blocks);
                }
                Layers::Vgg(all)
            }
            kind @ (BackboneKind::Nature | BackboneKind::Strided { .. }) => {
                let spec = kind.strided_layers().unwrap_or_default();
                let mut c_in = in_channels;
                let mut convs = Vec::with_capacity(spec.len());
                for (i, &(c_out, k, s)) in spec.iter().enumerate() {
                    convs.push(Conv::new(
                        &(path / format!("conv{}", i + 1)),
                        c_in,
                        c_out,
                        k,
                        s,
                        0,
                        true,
                        HE_RELU,
                    )?);
                    c_in = c_out;
                }
                Layers::Nature(convs)
            }
        };
        Ok(Backbone {
            cfg: cfg.clone(),
            in_channels,
            layers,
        })
    }

    /// The configuration it was built from.
    pub fn config(&self) -> &BackboneConfig {
        &self.cfg
    }

    /// Number of input channels it was built for.
    pub fn in_channels(&self) -> i64 {
        self.in_channels
    }

    /// Whether `forward` records pooling indices (VGG) so a SegNet decoder can use it.
    pub fn has_pools(&self) -> bool {
        matches!(self.layers, Layers::Vgg(_))
    }

    /// Output shape `[C, H, W]` for an input of `[in_channels, h, w]`, or an error when the input
    /// is too small (a pool would reach size 0, or a Nature conv would not fit) or has the wrong
    /// channel count. VGG: `[C_last, ⌊h/2^n⌋, ⌊w/2^n⌋]`; Nature at 84×84: `[64, 7, 7]`.
    pub fn out_shape(&self, in_channels: i64, h: i64, w: i64) -> Result<[i64; 3], NetError> {
        if in_channels != self.in_channels {
            return Err(NetError::Input(format!(
                "backbone built for {} input channels, got {in_channels}",
                self.in_channels
            )));
        }
        let (mut h2, mut w2, mut c) = (h, w, in_channels);
        match &self.cfg.kind {
            BackboneKind::Vgg { stages, .. } => {
                for (i, stage) in stages.iter().enumerate() {
                    if h2 < 2 || w2 < 2 {
                        return Err(NetError::Input(format!(
                            "input {h}×{w} is too small for {} pooling stages: stage {} would get {h2}×{w2} \
                             (need at least 2^{}={} per side)",
                            stages.len(),
                            i + 1,
                            stages.len(),
                            1i64 << stages.len()
                        )));
                    }
                    (h2, w2, c) = (h2 / 2, w2 / 2, stage.channels);
                }
            }
            kind @ (BackboneKind::Nature | BackboneKind::Strided { .. }) => {
                for (i, &(c_out, k, s)) in kind.strided_layers().unwrap_or_default().iter().enumerate() {
                    if h2 < k || w2 < k {
                        return Err(NetError::Input(format!(
                            "input {h}×{w} is too small for this strided CNN: conv{} ({k}×{k}) gets {h2}×{w2} \
                             (the Nature CNN is made for 84×84, 36×36 is its minimum)",
                            i + 1
                        )));
                    }
                    (h2, w2, c) = ((h2 - k) / s + 1, (w2 - k) / s + 1, c_out);
                }
            }
        }
        Ok([c, h2, w2])
    }

    fn check_input(&self, x: &Tensor) -> Result<(), NetError> {
        let size = x.size();
        if size.len() != 4 || x.kind() != tch::Kind::Float {
            return Err(NetError::Input(format!(
                "backbone expects f32 [B, {}, H, W], got {:?} {size:?}",
                self.in_channels,
                x.kind()
            )));
        }
        self.out_shape(size[1], size[2], size[3]).map(|_| ())
    }

    /// Features with pooling records. x: [B, C_in, H, W] f32 → out [B, C, H_out, W_out] (see
    /// [`Backbone::out_shape`]), plus one [`PoolInfo`] per VGG stage. `train` switches BatchNorm
    /// to batch statistics and updates its running statistics.
    pub fn forward(&self, x: &Tensor, train: bool) -> Result<Features, NetError> {
        self.check_input(x)?;
        match &self.layers {
            Layers::Vgg(stages) => {
                let mut pools = Vec::with_capacity(stages.len());
                let mut y = x.shallow_clone();
                for blocks in stages {
                    for block in blocks {
                        y = block.forward(&y, train)?;
                    }
                    let size = y.size();
                    let (pooled, indices) = y.f_max_pool2d_with_indices([2, 2], [2, 2], [0, 0], [1, 1], false)?;
                    pools.push(PoolInfo {
                        indices,
                        size: [size[2], size[3]],
                    });
                    y = pooled;
                }
                Ok(Features { out: y, pools })
            }
            Layers::Nature(convs) => Ok(Features {
                out: nature_forward(convs, self.cfg.activation, x)?,
                pools: Vec::new(),
            }),
        }
    }

    /// Only the feature map (cheaper: no indices are kept). x: [B, C_in, H, W] f32 →
    /// [B, C, H_out, W_out].
    pub fn forward_out(&self, x: &Tensor, train: bool) -> Result<Tensor, NetError> {
        self.check_input(x)?;
        match &self.layers {
            Layers::Vgg(stages) => {
                let mut y = x.shallow_clone();
                for blocks in stages {
                    for block in blocks {
                        y = block.forward(&y, train)?;
                    }
                    y = y.f_max_pool2d([2, 2], [2, 2], [0, 0], [1, 1], false)?;
                }
                Ok(y)
            }
            Layers::Nature(convs) => nature_forward(convs, self.cfg.activation, x),
        }
    }
}

fn nature_forward(convs: &[Conv], activation: Activation, x: &Tensor) -> Result<Tensor, NetError> {
    let mut y = x.shallow_clone();
    for conv in convs {
        y = activation.forward(&conv.forward(&y)?)?;
    }
    Ok(y)
}
