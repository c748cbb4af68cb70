//! The run skeleton both trainers (DQN and SegNet) stand on:
//!
//! - [`dir`]: run folders `runs/<env>__<name>__<seed>__<unix time>/` with `config.toml`,
//!   TensorBoard event files, `checkpoints/` and `eval.json`; names checked and sanitised.
//! - [`checkpoints`]: a [`CheckpointSeries`] keyed by step (`step_N.*`) or epoch (`epoch_N.*`):
//!   paths, the latest checkpoint, pruning, `best.*`, and save/load of named tensors with a JSON
//!   state.
//! - [`resolve`]: the one config resolver: preset TOML, then `--config`, then `--set`, then the
//!   typed flag overrides, into any serde config type.
//! - [`lock`]: one writer per run folder (an advisory lock on `RUN/.lock`).
//! - [`help`]: the key list of `--help`, generated from the config types.
//!
//! Every file is written atomically through [`atomic_io`].

pub mod checkpoints;
pub mod dir;
pub mod help;
pub mod lock;
pub mod resolve;

pub use checkpoints::{BestRecord, CheckpointSeries, SavedCheckpoint};
pub use dir::{check_run_name, sanitize_component, RunDir, RunKind};
pub use lock::{write_session, RunLock};
pub use resolve::{resolve, ConfigSource, Override};

use std::path::PathBuf;

/// Errors about run folders, checkpoints and configurations.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// A file or folder could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The folder is not a run folder.
    #[error("{} is not a run folder (no config.toml): pass a folder made by `dqn train`, e.g. runs/breakout__dqn__1__1700000000", .0.display())]
    NotARun(PathBuf),
    /// The run is of the other trainer.
    #[error("{} is a {found} run; use `{hint}`", path.display())]
    WrongKind {
        /// The run folder.
        path: PathBuf,
        /// What it is ("SegNet" or "DQN").
        found: &'static str,
        /// The command family to use instead.
        hint: &'static str,
    },
    /// The run has no checkpoint.
    #[error("{} has no checkpoint yet (checkpoints/{prefix}_<n>.safetensors)", path.display())]
    NoCheckpoint {
        /// The run folder.
        path: PathBuf,
        /// `step` or `epoch`.
        prefix: &'static str,
    },
    /// A checkpoint file that cannot be used.
    #[error("{}: {reason}", path.display())]
    BadCheckpoint {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// Another process writes to this run folder.
    #[error("{} is in use by another writer (PID {pid}); wait for it to finish or stop it first", path.display())]
    Locked {
        /// The run folder.
        path: PathBuf,
        /// The holder's PID, as it wrote it into the lock file ("unknown" if unreadable).
        pid: String,
    },
    /// A configuration value or file is invalid.
    #[error("{0}")]
    Config(String),
    /// A network or safetensors problem.
    #[error(transparent)]
    Net(#[from] nets::NetError),
    /// A libtorch error.
    #[error("libtorch: {0}")]
    Torch(#[from] tch::TchError),
}

pub(crate) fn io(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> RunError + '_ {
    move |source| RunError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes `bytes` to `path` atomically (see [`atomic_io`]).
pub fn write_atomic(path: &std::path::Path, bytes: &[u8]) -> Result<(), RunError> {
    atomic_io::write_bytes(path, bytes).map_err(io(path))
}
