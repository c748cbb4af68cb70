//! SegNet checkpoints on the run skeleton's [`crate::run::CheckpointSeries`], keyed by epoch:
//! `epoch_N.safetensors` holds the model (`backbone.*`, `decoder.*`), `epoch_N.train.safetensors`
//! Adam's state and the counters (JSON). A sidecar is checked whole (every tensor's name, shape
//! and dtype; the epoch against the file name) before anything is changed. Sidecars written before
//! the JSON state, with `train.*` scalar tensors instead, still load.

use std::path::PathBuf;

use nets::Adam;
use serde::{Deserialize, Serialize};
use tch::nn::VarStore;
use tch::Tensor;

use super::error::SegTrainError;
use crate::run::checkpoints::{check_like, SavedCheckpoint};
use crate::run::RunDir;

/// Where a run stands: the epoch in progress (or just finished), the batches of it done, the
/// optimiser steps and the training seconds over all sessions.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Counters {
    /// The epoch (1-based).
    pub epoch: u32,
    /// Batches of `epoch` done.
    pub batch: usize,
    /// Optimiser steps so far.
    pub step: i64,
    /// Training seconds so far.
    pub secs: f64,
}

/// The model file of the checkpoint of `epoch`.
pub fn model_path(run: &RunDir, epoch: u32) -> PathBuf {
    run.epochs().model_path(epoch as u64)
}

/// The newest epoch with a model file: what eval-style loads use (they need only weights).
pub fn latest_model_epoch(run: &RunDir) -> Result<u32, SegTrainError> {
    Ok(run.epochs().latest_model()? as u32)
}

/// Saves the checkpoint of `c.epoch`; returns its model file.
pub fn save(run: &RunDir, vs: &VarStore, adam: &Adam, c: &Counters) -> Result<PathBuf, SegTrainError> {
    let json = serde_json::to_vec(c).map_err(|e| SegTrainError::Config(e.to_string()))?;
    let mut model: Vec<(String, Tensor)> = vs.variables().into_iter().collect();
    model.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(run
        .epochs()
        .save(c.epoch as u64, &model, adam.state_tensors()?, &json)?)
}

fn legacy_counters(saved: &SavedCheckpoint) -> Result<Counters, SegTrainError> {
    let get = |name: &str| {
        let t = saved.tensors.iter().find(|(n, _)| n == name).map(|(_, t)| t);
        t.ok_or_else(|| SegTrainError::Config(format!("{}: missing `{name}`", saved.path.display())))
    };
    Ok(Counters {
        epoch: get("train.epoch")?.f_int64_value(&[0])? as u32,
        batch: get("train.batch")?.f_int64_value(&[0])? as usize,
        step: get("train.step")?.f_int64_value(&[0])?,
        secs: get("train.secs")?.f_double_value(&[0])?,
    })
}

/// Loads the newest complete checkpoint into `vs` and `adam`; returns the counters and a warning
/// when newer model files lack their sidecar.
pub fn load(run: &RunDir, vs: &VarStore, adam: &mut Adam) -> Result<(Counters, Option<String>), SegTrainError> {
    let series = run.epochs();
    let (epoch, warning) = series.resume_point()?;
    let saved = series.load_state(epoch)?;
    let mut reference = adam.state_tensors()?;
    let c = if saved.state.is_some() {
        saved.parse_state::<Counters>()?
    } else {
        for name in ["train.epoch", "train.batch", "train.step"] {
            reference.push((name.into(), Tensor::from_slice(&[0i64])));
        }
        reference.push(("train.secs".into(), Tensor::from_slice(&[0f64])));
        legacy_counters(&saved)?
    };
    check_like(&saved.path, &saved.tensors, &reference)?;
    if c.epoch as u64 != epoch {
        return Err(SegTrainError::Config(format!(
            "{}: its counters say epoch {}, but its file name says epoch {epoch}",
            saved.path.display(),
            c.epoch
        )));
    }
    nets::load_varstore(vs, &series.model_path(epoch))?;
    adam.load_state_tensors(&saved.tensors, &saved.path)?;
    Ok((c, warning))
}
