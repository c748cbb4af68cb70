//! DQN (Mnih et al. 2015, "Human-level control through deep reinforcement learning") with the
//! usual extensions: Double DQN (van Hasselt et al. 2016), Dueling heads (Wang et al. 2016),
//! prioritized replay (Schaul et al. 2016) and n-step returns (Rainbow, Hessel et al. 2018).
//!
//! - [`config`]: the configuration, one documented struct per section; [`presets`] hold TOML
//!   presets per env.
//! - [`actor`]: env stepping, replay and target values, on a thread of its own.
//! - [`learner`]: the gradient step.
//! - [`protocol`]: the messages between the actor and the learner.
//! - [`session`]: the learner's handling of each message: learn, log, evaluate, checkpoint.
//! - [`train`]: the wiring of the two threads; [`checkpoint`]: save and resume.
//! - [`reference`]: the same algorithm as one sequential loop (CleanRL style), held equal to
//!   the trainer by a test.
//! - [`eval`], [`policy`], [`choose`]: playing a trained network, and which checkpoint to load.

pub mod actor;
pub mod checkpoint;
pub mod choose;
pub mod config;
pub mod eval;
pub mod eval_video;
pub mod learner;
pub mod policy;
pub mod presets;
pub mod protocol;
pub mod reference;
pub mod session;
pub mod stack;
pub mod train;

pub use choose::{CheckpointChoice, Choice};
pub use config::{DqnConfig, Loss, RunConfig, TrainConfig};
pub use eval::{evaluate, EvalResult};
pub use learner::{Learner, NetCopy, TensorBatch, UpdateStats};
pub use policy::Policy;
pub use protocol::Progress;
pub use train::{train, TrainOptions, TrainSummary};

/// Everything that can stop DQN training or evaluation.
#[derive(Debug, thiserror::Error)]
pub enum DqnError {
    /// A configuration value is invalid.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// The env refused something.
    #[error(transparent)]
    Env(#[from] envs::EnvError),
    /// A network or checkpoint problem.
    #[error(transparent)]
    Net(#[from] nets::NetError),
    /// The replay buffer refused something.
    #[error(transparent)]
    Replay(#[from] crate::replay::ReplayError),
    /// A run-folder problem.
    #[error(transparent)]
    Run(#[from] crate::run::RunError),
    /// A libtorch error.
    #[error("libtorch: {}", nets::torch_message(.0))]
    Torch(#[from] tch::TchError),
    /// A checkpoint that cannot be used.
    #[error("checkpoint: {0}")]
    Checkpoint(String),
    /// An I/O problem outside checkpoints.
    #[error("{0}")]
    Io(String),
    /// The loss became NaN or infinite (internal; reported as [`DqnError::NanStop`]).
    #[error("the loss became NaN or infinite at update {update}")]
    NonFinite {
        /// The update.
        update: u64,
    },
    /// The run stopped on a NaN loss.
    #[error("the loss became NaN or infinite at update {update}; the run stopped without saving, and the last good checkpoint is {checkpoint}")]
    NanStop {
        /// The update.
        update: u64,
        /// The last good checkpoint.
        checkpoint: String,
    },
    /// The other thread is gone (internal).
    #[error("stopped")]
    Stopped,
    /// A bug.
    #[error("internal error: {0}")]
    Internal(String),
}
