//! A trained Q-network loaded from a run folder or a checkpoint file, for `eval`, `watch` and
//! `record`.

use std::path::{Path, PathBuf};

use nets::QNet;
use tch::nn::VarStore;
use tch::Device;

use super::config::TrainConfig;
use super::stack::ObsElement;
use super::train::obs_shape;
use super::DqnError;
use crate::run::checkpoints::all_finite;
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
    _vs: VarStore,
}

/// Reads and parses a run's `config.toml`.
pub fn load_config(run: &RunDir) -> Result<TrainConfig, DqnError> {
    let path = run.config_path();
    let text = std::fs::read_to_string(&path).map_err(|e| DqnError::Io(format!("{}: {e}", path.display())))?;
    toml::from_str(&text).map_err(|e| DqnError::Config(format!("{}: {}", path.display(), e.message())))
}

impl Policy {
    /// Loads from a run folder (its newest checkpoint) or from a checkpoint's model file
    /// (`<run>/checkpoints/step_<n>.safetensors`, whose run folder holds the configuration).
    pub fn load(path: &Path, device: Device) -> Result<Policy, DqnError> {
        let (run, checkpoint) = if path.is_dir() {
            // Eval-style loads need only the weights, not the training-state sidecar.
            let run = RunDir::open_kind(path, RunKind::Dqn)?;
            let step = run.steps().latest_model()?;
            let ck = run.model_path(step);
            (run, ck)
        } else if path.is_file() {
            let run_dir = path.parent().and_then(Path::parent).ok_or_else(|| {
                DqnError::Checkpoint(format!(
                    "{}: a checkpoint must sit in <run>/checkpoints/",
                    path.display()
                ))
            })?;
            let run = RunDir::open(run_dir).map_err(|_| {
                DqnError::Checkpoint(format!(
                    "{}: no config.toml in {} (a checkpoint must sit in <run>/checkpoints/)",
                    path.display(),
                    run_dir.display()
                ))
            })?;
            let run = RunDir::open_kind(&run.path, RunKind::Dqn)?;
            (run, path.to_path_buf())
        } else {
            return Err(DqnError::Io(format!(
                "{}: no such run folder or checkpoint",
                path.display()
            )));
        };
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
        })?;
        if !all_finite(vs.variables().values())? {
            return Err(DqnError::Checkpoint(format!(
                "{}: NaN or infinite weights; use an older checkpoint",
                checkpoint.display()
            )));
        }
        Ok(Policy {
            cfg,
            net,
            run,
            checkpoint,
            pixels,
            _vs: vs,
        })
    }

    /// The greedy action and all Q-values for one stacked observation.
    pub fn act<T: ObsElement>(&self, stack: &[T]) -> Result<(usize, Vec<f32>), DqnError> {
        super::eval::greedy_action(&self.net, stack, self.net.obs_shape())
    }
}
