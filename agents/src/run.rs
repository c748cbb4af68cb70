//! Run folders: `runs/<env>__<name>__<seed>__<unix time>/` with `config.toml`, TensorBoard event
//! files, `checkpoints/` and `eval.json`. Every file is written atomically (temp file + rename).

use std::path::{Path, PathBuf};

/// Errors about run folders.
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
    /// The run has no checkpoint.
    #[error("{} has no checkpoint yet (checkpoints/step_<n>.safetensors)", .0.display())]
    NoCheckpoint(PathBuf),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> RunError + '_ {
    move |source| RunError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes `bytes` to `path` atomically: a temp file in the same folder, synced, then renamed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), RunError> {
    use std::io::Write;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(io(path))
}

/// A run folder.
#[derive(Debug, Clone)]
pub struct RunDir {
    /// The folder.
    pub path: PathBuf,
}

impl RunDir {
    /// Creates `root/<env>__<name>__<seed>__<unix time>/checkpoints` (a suffix is added if the
    /// name is taken, e.g. two runs started in the same second).
    pub fn create(root: &Path, env: &str, name: &str, seed: u64) -> Result<RunDir, RunError> {
        std::fs::create_dir_all(root).map_err(io(root))?;
        let time = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let base = format!("{env}__{name}__{seed}__{time}");
        for attempt in 0..1000 {
            let dir = if attempt == 0 {
                root.join(&base)
            } else {
                root.join(format!("{base}-{attempt}"))
            };
            match std::fs::create_dir(&dir) {
                Ok(()) => {
                    let ck = dir.join("checkpoints");
                    std::fs::create_dir(&ck).map_err(io(&ck))?;
                    return Ok(RunDir { path: dir });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(RunError::Io { path: dir, source: e }),
            }
        }
        Err(RunError::Io {
            path: root.join(base),
            source: std::io::Error::other("too many runs with this name"),
        })
    }

    /// Opens an existing run folder (it must hold `config.toml`).
    pub fn open(path: &Path) -> Result<RunDir, RunError> {
        if !path.join("config.toml").is_file() {
            return Err(RunError::NotARun(path.to_path_buf()));
        }
        Ok(RunDir {
            path: path.to_path_buf(),
        })
    }

    /// `config.toml`.
    pub fn config_path(&self) -> PathBuf {
        self.path.join("config.toml")
    }
    /// `checkpoints/`.
    pub fn checkpoints_dir(&self) -> PathBuf {
        self.path.join("checkpoints")
    }
    /// The model file of the checkpoint at `step`.
    pub fn model_path(&self, step: u64) -> PathBuf {
        self.checkpoints_dir().join(format!("step_{step}.safetensors"))
    }
    /// The training-state file (target network, optimizer, counters, RNG) of the checkpoint at `step`.
    pub fn state_path(&self, step: u64) -> PathBuf {
        self.checkpoints_dir().join(format!("step_{step}.train.safetensors"))
    }

    /// The model with the best evaluation so far (`checkpoints/best.safetensors`, beside
    /// `best.json` with its step and score). Load it like any checkpoint file.
    pub fn best_model_path(&self) -> PathBuf {
        self.checkpoints_dir().join("best.safetensors")
    }

    /// Steps of the complete checkpoints (model and training state both present), ascending.
    pub fn checkpoint_steps(&self) -> Vec<u64> {
        let mut steps: Vec<u64> = std::fs::read_dir(self.checkpoints_dir())
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                name.strip_prefix("step_")?
                    .strip_suffix(".safetensors")?
                    .parse::<u64>()
                    .ok()
            })
            .filter(|s| self.state_path(*s).is_file())
            .collect();
        steps.sort_unstable();
        steps
    }

    /// The newest complete checkpoint's step.
    pub fn latest_checkpoint(&self) -> Result<u64, RunError> {
        self.checkpoint_steps()
            .last()
            .copied()
            .ok_or_else(|| RunError::NoCheckpoint(self.path.clone()))
    }

    /// Deletes all but the newest `keep` complete checkpoints (0 keeps all).
    pub fn prune_checkpoints(&self, keep: usize) {
        if keep == 0 {
            return;
        }
        let steps = self.checkpoint_steps();
        if steps.len() > keep {
            for s in &steps[..steps.len() - keep] {
                let _ = std::fs::remove_file(self.model_path(*s));
                let _ = std::fs::remove_file(self.state_path(*s));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_names_follow_cleanrl_and_checkpoints_need_both_files() {
        let tmp = tempfile::tempdir().unwrap();
        let run = RunDir::create(tmp.path(), "cartpole", "dqn", 7).unwrap();
        let name = run.path.file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.starts_with("cartpole__dqn__7__"), "{name}");
        assert!(matches!(RunDir::open(&run.path), Err(RunError::NotARun(_))));
        write_atomic(&run.config_path(), b"env_id = \"cartpole\"\n").unwrap();
        assert!(RunDir::open(&run.path).is_ok());
        write_atomic(&run.model_path(100), b"x").unwrap();
        assert!(
            run.latest_checkpoint().is_err(),
            "a model without its state is not a checkpoint"
        );
        write_atomic(&run.state_path(100), b"x").unwrap();
        write_atomic(&run.model_path(200), b"x").unwrap();
        write_atomic(&run.state_path(200), b"x").unwrap();
        write_atomic(&run.model_path(300), b"x").unwrap();
        write_atomic(&run.state_path(300), b"x").unwrap();
        assert_eq!(run.checkpoint_steps(), vec![100, 200, 300]);
        run.prune_checkpoints(2);
        assert_eq!(run.checkpoint_steps(), vec![200, 300]);
        assert_eq!(run.latest_checkpoint().unwrap(), 300);
        let leftovers: Vec<_> = std::fs::read_dir(run.checkpoints_dir())
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().contains(".tmp-"))
            .collect();
        assert!(leftovers.is_empty());
    }
}
