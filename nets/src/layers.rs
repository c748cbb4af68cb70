//! The three layer kinds the networks are made of, with fallible forwards.
//!
//! tch's `nn::Conv2D`/`nn::Linear` panic when an op fails; these call the `f_*` ops, so a wrong
//! input shape becomes a [`NetError`] instead. Variable names follow PyTorch (`weight`, `bias`,
//! `running_mean`, `running_var`), so checkpoints load into an equivalent `torch.nn` module.
use crate::NetError;
use tch::nn::init::{FanInOut, NonLinearity, NormalOrUniform};
use tch::nn::{Init, Path};
use tch::Tensor;

/// He (Kaiming) normal initialisation for a weight followed by ReLU: std = √2 / √fan_in.
pub(crate) const HE_RELU: Init = Init::Kaiming {
    dist: NormalOrUniform::Normal,
    fan: FanInOut::FanIn,
    non_linearity: NonLinearity::ReLU,
};
/// Kaiming normal with gain 1 (std = 1 / √fan_in) for output layers that are not followed by ReLU,
/// so the initial Q-values / logits stay of order one.
pub(crate) const HE_LINEAR: Init = Init::Kaiming {
    dist: NormalOrUniform::Normal,
    fan: FanInOut::FanIn,
    non_linearity: NonLinearity::Linear,
};

/// BatchNorm defaults of PyTorch.
const BN_EPS: f64 = 1e-5;
const BN_MOMENTUM: f64 = 0.1;

/// Creates a variable, refusing a name that already exists (tch would silently make `name__1`).
fn fresh_var(p: &Path, name: &str, dims: &[i64], init: Init) -> Result<Tensor, NetError> {
    if p.get(name).is_some() {
        return Err(NetError::DuplicateVariable(p.path(name)));
    }
    Ok(p.f_var(name, dims, init)?)
}

fn fresh_buffer(p: &Path, name: &str, dims: &[i64], value: f64) -> Result<Tensor, NetError> {
    if p.get(name).is_some() {
        return Err(NetError::DuplicateVariable(p.path(name)));
    }
    Ok(if value == 0.0 {
        p.f_zeros_no_train(name, dims)?
    } else {
        p.f_ones_no_train(name, dims)?
    })
}

/// A 2-D convolution: `weight [out, in, k, k]`, optional `bias [out]`.
#[derive(Debug)]
pub(crate) struct Conv {
    weight: Tensor,
    bias: Option<Tensor>,
    stride: i64,
    padding: i64,
}

impl Conv {
    #[allow(clippy::too_many_arguments)]
    /// A k×k convolution with zero bias (no bias when a BatchNorm follows); `init` is [`HE_RELU`]
    /// before a ReLU, [`HE_LINEAR`] for an output layer.
    pub(crate) fn new(
        p: &Path,
        c_in: i64,
        c_out: i64,
        kernel: i64,
        stride: i64,
        padding: i64,
        bias: bool,
        init: Init,
    ) -> Result<Conv, NetError> {
        let weight = fresh_var(p, "weight", &[c_out, c_in, kernel, kernel], init)?;
        let bias = if bias {
            Some(fresh_var(p, "bias", &[c_out], Init::Const(0.0))?)
        } else {
            None
        };
        Ok(Conv {
            weight,
            bias,
            stride,
            padding,
        })
    }

    /// x: [B, c_in, H, W] f32 → [B, c_out, H', W'].
    pub(crate) fn forward(&self, x: &Tensor) -> Result<Tensor, NetError> {
        let (s, p) = (self.stride, self.padding);
        Ok(x.f_conv2d(&self.weight, self.bias.as_ref(), [s, s], [p, p], [1, 1], 1)?)
    }
}

/// 2-D batch normalisation with running statistics (PyTorch eps 1e-5, momentum 0.1).
#[derive(Debug)]
pub(crate) struct BatchNorm {
    weight: Tensor,
    bias: Tensor,
    running_mean: Tensor,
    running_var: Tensor,
}

impl BatchNorm {
    /// γ = 1, β = 0, mean 0, var 1.
    pub(crate) fn new(p: &Path, channels: i64) -> Result<BatchNorm, NetError> {
        Ok(BatchNorm {
            weight: fresh_var(p, "weight", &[channels], Init::Const(1.0))?,
            bias: fresh_var(p, "bias", &[channels], Init::Const(0.0))?,
            running_mean: fresh_buffer(p, "running_mean", &[channels], 0.0)?,
            running_var: fresh_buffer(p, "running_var", &[channels], 1.0)?,
        })
    }

    /// x: [B, C, H, W] → same shape. `train` uses batch statistics and updates the running ones.
    pub(crate) fn forward(&self, x: &Tensor, train: bool) -> Result<Tensor, NetError> {
        Ok(x.f_batch_norm(
            Some(&self.weight),
            Some(&self.bias),
            Some(&self.running_mean),
            Some(&self.running_var),
            train,
            BN_MOMENTUM,
            BN_EPS,
            true,
        )?)
    }
}

/// A fully connected layer: `weight [out, in]`, `bias [out]`.
#[derive(Debug)]
pub(crate) struct Linear {
    weight: Tensor,
    bias: Tensor,
}

impl Linear {
    /// `init` is [`HE_RELU`] for hidden layers, [`HE_LINEAR`] for output layers.
    pub(crate) fn new(p: &Path, d_in: i64, d_out: i64, init: Init) -> Result<Linear, NetError> {
        Ok(Linear {
            weight: fresh_var(p, "weight", &[d_out, d_in], init)?,
            bias: fresh_var(p, "bias", &[d_out], Init::Const(0.0))?,
        })
    }

    /// x: [B, d_in] → [B, d_out].
    pub(crate) fn forward(&self, x: &Tensor) -> Result<Tensor, NetError> {
        Ok(x.f_linear(&self.weight, Some(&self.bias))?)
    }
}

/// A stack of Linear + ReLU layers (every layer is followed by ReLU).
#[derive(Debug)]
pub(crate) struct Mlp {
    layers: Vec<Linear>,
    out_dim: i64,
}

impl Mlp {
    /// Layers named `fc1`, `fc2`, ... under `p`.
    pub(crate) fn new(p: &Path, d_in: i64, hidden: &[i64]) -> Result<Mlp, NetError> {
        let mut layers = Vec::with_capacity(hidden.len());
        let mut d = d_in;
        for (i, &h) in hidden.iter().enumerate() {
            if h <= 0 {
                return Err(NetError::Config(format!(
                    "hidden layer sizes must be positive, got {hidden:?}"
                )));
            }
            layers.push(Linear::new(&(p / format!("fc{}", i + 1)), d, h, HE_RELU)?);
            d = h;
        }
        Ok(Mlp { layers, out_dim: d })
    }

    /// Width of the output.
    pub(crate) fn out_dim(&self) -> i64 {
        self.out_dim
    }

    /// x: [B, d_in] → [B, out_dim] (ReLU after each layer; identity when there are no layers).
    pub(crate) fn forward(&self, x: &Tensor) -> Result<Tensor, NetError> {
        let mut x = x.shallow_clone();
        for layer in &self.layers {
            x = layer.forward(&x)?.f_relu()?;
        }
        Ok(x)
    }
}
