//! The Q-network: a torso (convolutional [`Backbone`] or MLP) and a head (MLP, optionally dueling).
//!
//! * Nature DQN (Mnih et al., 2015; CleanRL `dqn_atari.py`): `nature` backbone + head `[512]`:
//!   1,686,180 parameters for Breakout (4×84×84, 4 actions).
//! * CartPole (CleanRL `dqn.py`): MLP torso `[120, 84]`, empty head.
//! * Dueling (Wang et al., 2016): Q = V + A − mean_a(A), with separate value and advantage streams.
//!
//! Variables: torso under `backbone.*` (`backbone.conv1.weight`, or `backbone.fc1.weight` for an MLP
//! torso), head under `head.*`: `head.fc{i}.*` and `head.out.*`, or for dueling
//! `head.value.fc{i}.*`, `head.value.out.*` (1 output) and `head.advantage.fc{i}.*`,
//! `head.advantage.out.*` (A outputs).
use crate::backbone::{Backbone, BackboneConfig};
use crate::layers::{Linear, Mlp, HE_LINEAR};
use crate::NetError;
use serde::{Deserialize, Serialize};
use tch::nn::Path;
use tch::{Device, Kind, Tensor};

/// The torso of a [`QNet`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum TorsoConfig {
    /// A convolutional backbone over `[k, H, W]` observations.
    Conv {
        /// The backbone.
        backbone: BackboneConfig,
    },
    /// Fully connected layers (each + ReLU) over flattened observations.
    Mlp {
        /// Hidden layer widths, e.g. `[120, 84]`.
        hidden: Vec<i64>,
    },
}

/// Configuration of a [`QNet`] (serde; saved in each run's `config.toml`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, config_doc::ConfigDoc)]
#[serde(deny_unknown_fields)]
pub struct QNetConfig {
    /// The torso. Default: the Nature CNN.
    #[serde(default = "default_torso")]
    pub torso: TorsoConfig,
    /// Hidden widths of the head (each + ReLU) before the output layer. Default `[512]`.
    #[serde(default = "default_head_hidden")]
    pub head_hidden: Vec<i64>,
    /// Dueling head: Q = V + A − mean(A). Default false.
    #[serde(default)]
    pub dueling: bool,
    /// Multiplier applied to u8 observations after conversion to f32. Default 1/255 (pixels);
    /// use 1.0 for 0/1 symbolic observations. Float observations are used as given.
    #[serde(default = "default_u8_scale")]
    pub u8_scale: f64,
}

fn default_torso() -> TorsoConfig {
    TorsoConfig::Conv {
        backbone: BackboneConfig::nature(),
    }
}
fn default_head_hidden() -> Vec<i64> {
    vec![512]
}
fn default_u8_scale() -> f64 {
    1.0 / 255.0
}

impl Default for QNetConfig {
    fn default() -> Self {
        QNetConfig::nature()
    }
}

impl QNetConfig {
    /// Nature DQN: Nature CNN + FC 512 (CleanRL `dqn_atari.py`).
    pub fn nature() -> QNetConfig {
        QNetConfig {
            torso: default_torso(),
            head_hidden: default_head_hidden(),
            dueling: false,
            u8_scale: 1.0 / 255.0,
        }
    }

    /// An MLP over flat observations, e.g. `mlp(&[120, 84])` for CleanRL's CartPole network.
    pub fn mlp(hidden: &[i64]) -> QNetConfig {
        QNetConfig {
            torso: TorsoConfig::Mlp {
                hidden: hidden.to_vec(),
            },
            head_hidden: Vec::new(),
            dueling: false,
            u8_scale: 1.0,
        }
    }
}

#[derive(Debug)]
enum Torso {
    Conv(Backbone),
    Mlp(Mlp),
}

#[derive(Debug)]
struct Stream {
    hidden: Mlp,
    out: Linear,
}

impl Stream {
    fn new(p: &Path, d_in: i64, hidden: &[i64], d_out: i64) -> Result<Stream, NetError> {
        let hidden = Mlp::new(p, d_in, hidden)?;
        let out = Linear::new(&(p / "out"), hidden.out_dim(), d_out, HE_LINEAR)?;
        Ok(Stream { hidden, out })
    }

    fn forward(&self, x: &Tensor) -> Result<Tensor, NetError> {
        self.out.forward(&self.hidden.forward(x)?)
    }
}

#[derive(Debug)]
enum Head {
    Plain(Stream),
    Dueling { value: Stream, advantage: Stream },
}

/// A Q-network mapping observations to one value per action.
#[derive(Debug)]
pub struct QNet {
    cfg: QNetConfig,
    obs_shape: Vec<i64>,
    n_actions: i64,
    device: Device,
    torso: Torso,
    head: Head,
}

impl QNet {
    /// Builds the network under `path` (normally `vs.root()`, giving `backbone.*` and `head.*`).
    /// `obs_shape` excludes the batch: `[k, H, W]` for a conv torso, any shape for an MLP (it is
    /// flattened). Errors on a bad config, an observation too small for the backbone, or names that
    /// already exist under `path`.
    pub fn new(path: &Path, cfg: &QNetConfig, obs_shape: &[i64], n_actions: i64) -> Result<QNet, NetError> {
        if n_actions <= 0 {
            return Err(NetError::Config(format!("n_actions must be positive, got {n_actions}")));
        }
        if obs_shape.is_empty() || obs_shape.iter().any(|&d| d <= 0) {
            return Err(NetError::Config(format!(
                "observation shape must be non-empty and positive, got {obs_shape:?}"
            )));
        }
        let bp = path / "backbone";
        let (torso, features) = match &cfg.torso {
            TorsoConfig::Conv { backbone } => {
                let &[c, h, w] = obs_shape else {
                    return Err(NetError::Config(format!(
                        "a conv torso needs observations shaped [k, H, W], got {obs_shape:?}; use an mlp torso for \
                         flat observations"
                    )));
                };
                let net = Backbone::new(&bp, backbone, c)?;
                let [c2, h2, w2] = net.out_shape(c, h, w)?;
                (Torso::Conv(net), c2 * h2 * w2)
            }
            TorsoConfig::Mlp { hidden } => {
                let mlp = Mlp::new(&bp, obs_shape.iter().product(), hidden)?;
                let d = mlp.out_dim();
                (Torso::Mlp(mlp), d)
            }
        };
        let hp = path / "head";
        let head = if cfg.dueling {
            Head::Dueling {
                value: Stream::new(&(&hp / "value"), features, &cfg.head_hidden, 1)?,
                advantage: Stream::new(&(&hp / "advantage"), features, &cfg.head_hidden, n_actions)?,
            }
        } else {
            Head::Plain(Stream::new(&hp, features, &cfg.head_hidden, n_actions)?)
        };
        Ok(QNet {
            cfg: cfg.clone(),
            obs_shape: obs_shape.to_vec(),
            n_actions,
            device: path.device(),
            torso,
            head,
        })
    }

    /// The configuration it was built from.
    pub fn config(&self) -> &QNetConfig {
        &self.cfg
    }

    /// Observation shape without the batch dimension.
    pub fn obs_shape(&self) -> &[i64] {
        &self.obs_shape
    }

    /// Number of actions (width of the output).
    pub fn n_actions(&self) -> i64 {
        self.n_actions
    }

    /// Device of the variables; inputs are moved here.
    pub fn device(&self) -> Device {
        self.device
    }

    /// The convolutional backbone, if the torso is one.
    pub fn backbone(&self) -> Option<&Backbone> {
        match &self.torso {
            Torso::Conv(b) => Some(b),
            Torso::Mlp(_) => None,
        }
    }

    /// Q-values. obs: [B, ...obs_shape] u8 (e.g. [B, 4, 84, 84], converted to f32 × `u8_scale` on
    /// the network's device, so only bytes cross to a GPU) or f32 (used as is), on any device →
    /// [B, A] f32 on the network's device (also under autocast). `train` matters only for BatchNorm layers. Wrap in
    /// `tch::no_grad` for acting and target computation.
    pub fn forward(&self, obs: &Tensor, train: bool) -> Result<Tensor, NetError> {
        let features = self.features(obs, train)?;
        let q = match &self.head {
            Head::Plain(s) => s.forward(&features)?,
            Head::Dueling { value, advantage } => {
                let v = value.forward(&features)?;
                let a = advantage.forward(&features)?;
                let a_mean = a.f_mean_dim([1i64].as_slice(), true, None::<Kind>)?;
                v.f_add(&a)?.f_sub(&a_mean)?
            }
        };
        // f32 out also under a bf16 autocast region: TD targets and losses stay f32 (a no-op
        // cast otherwise).
        Ok(q.f_to_kind(Kind::Float)?)
    }

    /// The torso's output, the head's input. obs as in [`QNet::forward`] → [B, F] f32 (bf16
    /// under a bf16 autocast region).
    pub fn features(&self, obs: &Tensor, train: bool) -> Result<Tensor, NetError> {
        let size = obs.size();
        if size.len() != self.obs_shape.len() + 1 || size[1..] != self.obs_shape[..] {
            return Err(NetError::Input(format!(
                "QNet expects observations [B, {}], got {size:?}",
                self.obs_shape
                    .iter()
                    .map(|d| d.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        let x = obs.f_to_device(self.device)?;
        let x = match x.kind() {
            Kind::Uint8 => x.f_to_kind(Kind::Float)?.f_mul_scalar(self.cfg.u8_scale)?,
            Kind::Float => x,
            other => {
                return Err(NetError::Input(format!(
                    "QNet expects u8 or f32 observations, got {other:?}"
                )));
            }
        };
        match &self.torso {
            Torso::Conv(b) => Ok(b.forward_out(&x, train)?.f_flatten(1, -1)?),
            Torso::Mlp(m) => m.forward(&x.f_flatten(1, -1)?),
        }
    }

    /// Whether the head is dueling (two streams) rather than plain.
    pub fn is_dueling(&self) -> bool {
        matches!(self.head, Head::Dueling { .. })
    }
}
