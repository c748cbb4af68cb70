//! `nets`: the libtorch (tch 0.26) modules of `dqn`.
//!
//! * [`Backbone`] — VGG-style stages with index-returning max-pools, or the DQN Nature CNN.
//! * [`QNet`] — backbone (or MLP) torso + MLP head, optionally dueling; variables `backbone.*`,
//!   `head.*`.
//! * [`SegNet`] — the same VGG backbone as encoder + an unpooling decoder; variables `backbone.*`,
//!   `decoder.*`. Because both networks name their encoder `backbone.*`, [`load_backbone`] moves a
//!   trained encoder from one to the other.
//! * [`checkpoint`] — atomic safetensors save, strict load with explanations, backbone transfer;
//!   [`safetensors_check`] — the file's bytes checked in Rust before libtorch sees them.
//! * [`Adam`] — PyTorch-equivalent Adam whose state is saved with the checkpoint.
//! * [`parse_device`] — `auto | cpu | cuda | cuda:N`.
//! * [`Precision`] — `fp32 | bf16 | fp16` forward/backward passes over f32 master weights (CPU
//!   autocast through the C++ shim in `csrc/`); [`quant::Int8Head`] — int8 acting.
//!
//! Names follow PyTorch (`backbone.conv1.weight`, `backbone.stage1.bn1.running_mean`), so a
//! checkpoint loads into an equivalent `torch.nn.Module` with `safetensors.torch.load_file`.
//!
//! ```no_run
//! use nets::{QNet, QNetConfig};
//! let vs = tch::nn::VarStore::new(nets::parse_device("auto").unwrap());
//! let q = QNet::new(&vs.root(), &QNetConfig::nature(), &[4, 84, 84], 4).unwrap();
//! let obs = tch::Tensor::zeros([32, 4, 84, 84], (tch::Kind::Uint8, tch::Device::Cpu));
//! let values = q.forward(&obs, false).unwrap(); // [32, 4] f32
//! # let _ = values;
//! ```
pub mod adam;
pub mod backbone;
pub mod bench;
pub mod checkpoint;
pub mod device;
mod error;
mod layers;
pub mod precision;
pub mod qnet;
pub mod quant;
pub mod safetensors_check;
pub mod segnet;
mod shim;

pub use adam::{Adam, AdamConfig};
pub use backbone::{Activation, Backbone, BackboneConfig, BackboneKind, Features, PoolInfo, StageConfig, StridedLayer};
pub use checkpoint::{
    all_finite, expect_like, freeze_backbone, is_finite, load_backbone, load_varstore, load_varstore_from,
    read_tensors, save_tensors, save_varstore, tensors_from_bytes, TransferReport,
};
pub use device::{parse_device, DEVICE_CHOICES};
pub use error::{torch_message, NetError, ShapeMismatch};
pub use precision::{cpu_bf16_support, Autocast, Bf16Support, Precision, PRECISION_CHOICES};
pub use qnet::{QNet, QNetConfig, TorsoConfig};
pub use safetensors_check::check_safetensors_bytes;
pub use segnet::{SegNet, SegNetConfig, SEGNET_PRESETS};

/// Number of scalar parameters (trainable variables only; BatchNorm statistics excluded).
pub fn parameter_count(vs: &tch::nn::VarStore) -> i64 {
    vs.trainable_variables().iter().map(|t| t.numel() as i64).sum()
}
