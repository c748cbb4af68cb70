//! DQN checkpoints on the run skeleton's [`CheckpointSeries`]: `step_N.safetensors` holds the
//! online network; `step_N.train.safetensors` the target network (`target.*`), Adam's state
//! (`adam.*`) and the counters and RNG as JSON. A sidecar is checked whole (every tensor's name,
//! shape, dtype and values; the counters against the file name) before anything is changed.

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

use super::config::TrainConfig;
use super::learner::Learner;
use super::protocol::{ActorCounters, ActorState};
use super::DqnError;
use crate::run::checkpoints::check_like;
use crate::run::RunDir;

#[derive(Serialize, Deserialize)]
struct SavedState {
    counters: ActorCounters,
    learner_updates: u64,
    env_id: String,
}

/// A checkpoint read back for `--resume`.
pub struct Resumed {
    /// The actor's counters and target network.
    pub state: ActorState,
    /// The step of the checkpoint.
    pub step: u64,
    /// Set when newer model files lack their sidecar (they are kept).
    pub warning: Option<String>,
}

/// Saves the checkpoint at `state.counters.step`; returns the model file.
pub fn save(run: &RunDir, learner: &Learner, state: &ActorState, env_id: &str) -> Result<PathBuf, DqnError> {
    let saved = SavedState {
        counters: state.counters.clone(),
        learner_updates: learner.updates,
        env_id: env_id.into(),
    };
    let json = serde_json::to_vec(&saved).map_err(|e| DqnError::Internal(e.to_string()))?;
    let mut tensors: Vec<(String, tch::Tensor)> = learner
        .online
        .names()
        .iter()
        .zip(&state.target)
        .map(|(n, t)| (format!("target.{n}"), t.shallow_clone()))
        .collect();
    tensors.extend(learner.adam.state_tensors()?);
    Ok(run
        .steps()
        .save(state.counters.step, &learner.online.named_tensors(""), tensors, &json)?)
}

/// Loads the newest complete checkpoint into `learner` and returns the actor's state.
pub fn load(run: &RunDir, learner: &mut Learner, cfg: &TrainConfig) -> Result<Resumed, DqnError> {
    let series = run.steps();
    let (step, warning) = series.resume_point()?;
    let saved = series.load_state(step)?;
    let bad = |reason: String| DqnError::Checkpoint(format!("{}: {reason}", saved.path.display()));
    let state: SavedState = saved.parse_state()?;
    if state.env_id != cfg.env_id {
        return Err(bad(format!("was trained on '{}', not '{}'", state.env_id, cfg.env_id)));
    }
    if state.counters.step != step {
        return Err(bad(format!(
            "its counters say step {}, but its file name says step {step}",
            state.counters.step
        )));
    }
    let mut reference = learner.online.named_tensors("target.");
    reference.extend(learner.adam.state_tensors()?);
    check_like(&saved.path, &saved.tensors, &reference)?;
    let model = series.model_path(step);
    // Refuses NaN or infinite weights (NetError::NonFinite), as read_tensors did for the sidecar.
    nets::load_varstore(&learner.online.vs, &model)?;
    learner.adam.load_state_tensors(&saved.tensors, &saved.path)?;
    let device = learner.online.vs.device();
    let mut target = Vec::with_capacity(learner.online.names().len());
    for name in learner.online.names() {
        let key = format!("target.{name}");
        let t = saved.tensors.iter().find(|(n, _)| *n == key).map(|(_, t)| t);
        let t = t.ok_or_else(|| bad(format!("missing {key}")))?;
        target.push(t.f_to_device(device)?);
    }
    learner.updates = state.learner_updates;
    Ok(Resumed {
        state: ActorState {
            counters: state.counters,
            target,
        },
        step,
        warning,
    })
}
