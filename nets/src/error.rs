//! The one error type of the crate.
use std::path::PathBuf;

/// A variable whose shape differs between the network and a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShapeMismatch {
    /// Full variable name, e.g. `backbone.stage1.conv1.weight`.
    pub name: String,
    /// Shape the network expects.
    pub expected: Vec<i64>,
    /// Shape found in the checkpoint.
    pub found: Vec<i64>,
}

impl std::fmt::Display for ShapeMismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: expected {:?}, found {:?}", self.name, self.expected, self.found)
    }
}

/// Everything that can go wrong when building, running, saving or loading a network.
#[derive(Debug, thiserror::Error)]
pub enum NetError {
    /// A configuration value is out of range or the parts do not fit together.
    #[error("invalid network configuration: {0}")]
    Config(String),
    /// An input tensor has the wrong shape or element type.
    #[error("invalid input: {0}")]
    Input(String),
    /// A precision name is unknown or cannot run on the chosen device.
    #[error("{0}")]
    Precision(String),
    /// A device string could not be parsed or names a device that is not there.
    #[error("{0}")]
    Device(String),
    /// A variable was created twice under the same path (tch would silently rename it `name__1`).
    #[error("variable `{0}` already exists in this VarStore: build each network in its own VarStore or sub-path")]
    DuplicateVariable(String),
    /// The checkpoint file does not exist.
    #[error("checkpoint not found: {}", .0.display())]
    MissingFile(PathBuf),
    /// The file exists but is not a readable safetensors file (truncated, corrupt, unsupported dtype).
    #[error("checkpoint {} is not a valid safetensors file (truncated or corrupt?): {reason}", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What the parser said.
        reason: String,
    },
    /// The checkpoint was written by a network of another architecture.
    #[error("{}", describe_mismatch(path, missing, unexpected, mismatched))]
    ArchitectureMismatch {
        /// The file.
        path: PathBuf,
        /// Names the network has and the file lacks.
        missing: Vec<String>,
        /// Names the file has and the network lacks.
        unexpected: Vec<String>,
        /// Names present in both with different shapes.
        mismatched: Vec<ShapeMismatch>,
    },
    /// A float tensor holds NaN or ±inf: from a checkpoint (`path`), or about to be saved.
    #[error("{}", describe_non_finite(path.as_deref(), name))]
    NonFinite {
        /// The checkpoint read, or `None` for tensors in memory.
        path: Option<PathBuf>,
        /// The first tensor found with a non-finite value.
        name: String,
    },
    /// A checkpoint tensor's element type cannot go into the variable without a lossy cast
    /// (integer or bool values into float weights, or the other way).
    #[error(
        "checkpoint {}: tensor {name} holds {found} values but the network's variable is {expected}; refusing to cast it",
        path.display()
    )]
    DtypeMismatch {
        /// The file.
        path: PathBuf,
        /// The tensor.
        name: String,
        /// The variable's element type.
        expected: String,
        /// The file's element type.
        found: String,
    },
    /// Reading or writing a file failed.
    #[error("I/O error on {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// libtorch reported an error (shape mismatch inside an op, out of memory, ...).
    #[error("libtorch error: {}", torch_message(.0))]
    Torch(#[from] tch::TchError),
}

/// The first line of a libtorch error: the rest is a C++ backtrace that helps no user.
pub fn torch_message(e: &tch::TchError) -> String {
    let text = e.to_string();
    text.lines().next().unwrap_or_default().trim_end().to_string()
}

fn describe_non_finite(path: Option<&std::path::Path>, name: &str) -> String {
    match path {
        Some(p) => format!(
            "checkpoint {}: tensor {name} holds NaN or infinite values (the model had diverged); refusing to load it",
            p.display()
        ),
        None => format!("tensor {name} holds NaN or infinite values (the model has diverged); refusing to save it"),
    }
}

/// How many names to print per list before summarising the rest.
const NAMES_SHOWN: usize = 6;

fn list<T: std::fmt::Display>(items: &[T]) -> String {
    let mut shown: Vec<String> = items.iter().take(NAMES_SHOWN).map(|s| s.to_string()).collect();
    if items.len() > NAMES_SHOWN {
        shown.push(format!("... and {} more", items.len() - NAMES_SHOWN));
    }
    shown.join(", ")
}

fn describe_mismatch(
    path: &std::path::Path,
    missing: &[String],
    unexpected: &[String],
    mismatched: &[ShapeMismatch],
) -> String {
    let mut msg = format!(
        "checkpoint {} does not fit this network: it was probably saved from a different architecture \
         (another backbone kind, stage layout, head size, dueling setting or number of actions/classes)",
        path.display()
    );
    if !mismatched.is_empty() {
        msg.push_str(&format!(
            "; {} shape mismatch(es): {}",
            mismatched.len(),
            list(mismatched)
        ));
    }
    if !missing.is_empty() {
        msg.push_str(&format!(
            "; {} name(s) missing from the file: {}",
            missing.len(),
            list(missing)
        ));
    }
    if !unexpected.is_empty() {
        msg.push_str(&format!(
            "; {} unexpected name(s) in the file: {}",
            unexpected.len(),
            list(unexpected)
        ));
    }
    msg
}
