//! The actor ↔ learner protocol of `dqn train`: the messages the actor thread sends
//! ([`ToLearner`]), the learner's answer after each update ([`WeightsVersion`]), and the actor
//! state that travels in checkpoints ([`ActorState`]). Plain data; no logic.

use rand_pcg::Pcg64Mcg;
use serde::{Deserialize, Serialize};
use tch::Tensor;

use super::eval::EvalResult;
use super::eval_video::EvalVideo;
use super::learner::TensorBatch;
use super::DqnError;

/// What the actor tells the learner, in order.
pub enum ToLearner {
    /// Batch number `index` (0-based), to learn from; `indices` are its replay slots (for PER).
    Batch {
        index: u64,
        step: u64,
        batch: Box<TensorBatch>,
        indices: Vec<usize>,
    },
    /// A finished episode.
    Episode {
        step: u64,
        episode_return: f64,
        length: u64,
    },
    /// Periodic acting statistics.
    Scalars { step: u64, epsilon: f64 },
    /// An evaluation's result, with its first episode as a GIF (or why there is none).
    Eval {
        step: u64,
        result: EvalResult,
        video: Option<Result<EvalVideo, String>>,
    },
    /// Save a checkpoint with this actor state (every batch sent before has been learned).
    Checkpoint(Box<ActorState>),
    /// Training ended (the step budget, or a stop request); save and finish.
    Done { state: Box<ActorState>, stopped: bool },
    /// The actor failed.
    Failed(DqnError),
}

/// What the learner sends back after each update: the new weights, version `version`.
pub struct WeightsVersion {
    /// Updates done.
    pub version: u64,
    /// The online network's variables, in name order.
    pub weights: Vec<Tensor>,
    /// New priorities for the replay slots of the batch just learned (PER only).
    pub priorities: Option<(Vec<usize>, Vec<f32>)>,
}

/// The actor's part of a checkpoint.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ActorCounters {
    /// Env steps taken.
    pub step: u64,
    /// Batches sent (= updates done at a sync point).
    pub updates: u64,
    /// Episodes finished.
    pub episodes: u64,
    /// Returns of the last 100 episodes.
    pub recent_returns: Vec<f64>,
    /// The ε-greedy and sampling generator.
    pub rng: Pcg64Mcg,
}

/// Actor state for a checkpoint: counters plus the target network.
pub struct ActorState {
    /// Counters and RNG.
    pub counters: ActorCounters,
    /// Target network variables, in name order.
    pub target: Vec<Tensor>,
}

/// Progress shown by the CLI.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    /// Env steps taken.
    pub step: u64,
    /// Step budget.
    pub total_steps: u64,
    /// Episodes finished.
    pub episodes: u64,
    /// Mean return of the last 100 episodes (None before the first).
    pub mean_return_100: Option<f64>,
    /// Current ε.
    pub epsilon: f64,
    /// Updates done by the learner.
    pub updates: u64,
    /// Whether learning has started (false while the replay buffer fills).
    pub learning: bool,
}
