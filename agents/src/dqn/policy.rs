//! A trained Q-network loaded from a run folder or a checkpoint file, for `eval`, `watch` and
//! `record`.

use std::path::{Path, PathBuf};

use nets::QNet;
use tch::nn::VarStore;
use tch::Device;

use super::choose::{CheckpointChoice, Choice};
use super::config::TrainConfig;
use super::stack::ObsElement;
use super::train::obs_shape;
use super::DqnError;
use crate::run::{RunDir, RunKind};

/// A greedy policy over a trained Q-network.
pub struct Policy {
    /// The run's configuration.
    pub cfg: TrainConfig,
    /// The network.
    pub net: QNet,
    /// The run folder.
    pub run: RunDir,
    /// The model file loaded.
    pub checkpoint: PathBuf,
    /// Whether observations are u8 pixels (else f32 vectors).
    pub pixels: bool,
    /// Which checkpoint was picked and why (print [`Choice::describe`] on stderr).
    pub choice: Choice,
    _vs: VarStore,
}

/// Reads and parses a run's `config.toml`.
pub fn load_config(run: &RunDir) -> Result<TrainConfig, DqnError> {
    let path = run.config_path();
    let text = std::fs::read_to_string(&path).map_err(|e| DqnError::Io(format!("{}: {e}", path.display())))?;
    toml::from_str(&text).map_err(|e| DqnError::Config(format!("{}: {}", path.display(), e.message())))
}

impl Policy {
    /// Loads from a run folder (best when it has one, else its newest model) or from a
    /// checkpoint's model file (`<run>/checkpoints/step_<n>.safetensors`, whose run folder holds
    /// the configuration).
    pub fn load(path: &Path, device: Device) -> Result<Policy, DqnError> {
        Self::load_choice(path, &CheckpointChoice::Auto, device)
    }

    /// Loads the weights that `choice` picks (see [`super::choose`]); `policy.choice` says which.
    pub fn load_choice(path: &Path, choice: &CheckpointChoice, device: Device) -> Result<Policy, DqnError> {
        if path.is_dir() {
            // A SegNet run is named as such before any checkpoint is looked for.
            RunDir::open_kind(path, RunKind::Dqn)?;
        }
        let picked = super::choose::resolve(path, choice)?;
        let (run, checkpoint) = (picked.run.clone(), picked.model.clone());
        RunDir::open_kind(&run.path, RunKind::Dqn)?;
        let cfg = load_config(&run)?;
        let (shape, pixels, n_actions) = obs_shape(&cfg)?;
        let vs = VarStore::new(device);
        let net = QNet::new(&vs.root(), &cfg.net, &shape, n_actions)?;
        nets::load_varstore(&vs, &checkpoint).map_err(|e| match e {
            nets::NetError::ArchitectureMismatch { .. } => DqnError::Checkpoint(format!(
                "{e}\nthe run's config.toml describes env '{}' with {n_actions} actions and input {shape:?}; the checkpoint was written by another network or env",
                cfg.env_id
            )),
            other => other.into(),
        })?; // load_varstore refuses NaN or infinite weights (NetError::NonFinite).
        Ok(Policy {
            cfg,
            net,
            run,
            checkpoint,
            pixels,
            choice: picked,
            _vs: vs,
        })
    }

    /// The greedy action and all Q-values for one stacked observation.
    pub fn act<T: ObsElement>(&self, stack: &[T]) -> Result<(usize, Vec<f32>), DqnError> {
        super::eval::greedy_action(&self.net, stack, self.net.obs_shape())
    }
}
