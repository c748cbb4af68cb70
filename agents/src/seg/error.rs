//! The error type of the SegNet trainer, evaluator and predictor.

use nets::NetError;

use super::SegError;
use crate::run::RunError;

/// Errors of the segmentation trainer, evaluator and predictor.
#[derive(Debug, thiserror::Error)]
pub enum SegTrainError {
    /// Bad data (each message names the file).
    #[error(transparent)]
    Data(#[from] SegError),
    /// A network or checkpoint error.
    #[error(transparent)]
    Net(#[from] NetError),
    /// A run-folder error.
    #[error(transparent)]
    Run(#[from] RunError),
    /// A libtorch error.
    #[error("libtorch: {}", nets::torch_message(.0))]
    Tch(#[from] tch::TchError),
    /// TensorBoard could not start.
    #[error("tensorboard: {0}")]
    Tensorboard(String),
    /// A bad setting or file.
    #[error("{0}")]
    Config(String),
}
