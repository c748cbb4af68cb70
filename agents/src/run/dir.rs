//! Run folders: `runs/<env>__<name>__<seed>__<unix time>/` (CleanRL's naming) with `config.toml`,
//! TensorBoard event files, `checkpoints/` and `eval.json`.

use std::path::{Path, PathBuf};

use super::checkpoints::CheckpointSeries;
use super::{io, RunError};

fn allowed(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')
}

/// Checks a run name: one path component of `[A-Za-z0-9._-]`, not `.` or `..`, without `__`
/// (the separator of the folder name's parts).
pub fn check_run_name(name: &str) -> Result<(), RunError> {
    let ok = !name.is_empty()
        && name.len() <= 100
        && name.chars().all(allowed)
        && name != "."
        && name != ".."
        && !name.contains("__");
    if ok {
        Ok(())
    } else {
        Err(RunError::Config(format!(
            "run name {name:?} is invalid: use 1 to 100 of A-Z a-z 0-9 . _ - (and no \"__\")"
        )))
    }
}

/// A string made safe as part of a folder name: every character outside `[A-Za-z0-9._-]` becomes
/// `_`, e.g. `gym:ALE/Breakout-v5` → `gym_ALE_Breakout-v5`.
pub fn sanitize_component(s: &str) -> String {
    let out: String = s.chars().map(|c| if allowed(c) { c } else { '_' }).collect();
    match out.as_str() {
        "" | "." | ".." => out.replace('.', "_") + "_",
        _ => out,
    }
}

/// Which trainer made a run folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunKind {
    /// `dqn train` (its config has `env_id`).
    Dqn,
    /// `dqn segnet train` (its config has `data`).
    Segnet,
}

/// A run folder.
#[derive(Debug, Clone)]
pub struct RunDir {
    /// The folder.
    pub path: PathBuf,
}

impl RunDir {
    /// Creates `root/<env>__<name>__<seed>__<unix time>/checkpoints` (a suffix is added if the
    /// name is taken, e.g. two runs started in the same second). `name` must pass
    /// [`check_run_name`]; `env` is sanitised with [`sanitize_component`].
    pub fn create(root: &Path, env: &str, name: &str, seed: u64) -> Result<RunDir, RunError> {
        check_run_name(name)?;
        std::fs::create_dir_all(root).map_err(io(root))?;
        let time = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let base = format!("{}__{name}__{seed}__{time}", sanitize_component(env));
        for attempt in 0..1000 {
            let dir = if attempt == 0 {
                root.join(&base)
            } else {
                root.join(format!("{base}-{attempt}"))
            };
            match std::fs::create_dir(&dir) {
                Ok(()) => {
                    let ck = dir.join("checkpoints");
                    if let Err(e) = std::fs::create_dir(&ck) {
                        let _ = std::fs::remove_dir_all(&dir);
                        return Err(io(&ck)(e));
                    }
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

    /// Opens an existing run folder (it must hold `config.toml`). Creates and changes nothing.
    pub fn open(path: &Path) -> Result<RunDir, RunError> {
        if !path.join("config.toml").is_file() {
            return Err(RunError::NotARun(path.to_path_buf()));
        }
        Ok(RunDir {
            path: path.to_path_buf(),
        })
    }

    /// Opens a run folder of the given kind; a run of the other trainer is an error that names
    /// the commands to use instead.
    pub fn open_kind(path: &Path, want: RunKind) -> Result<RunDir, RunError> {
        let run = RunDir::open(path)?;
        let found = run.kind()?;
        if found == want {
            return Ok(run);
        }
        let (found, hint) = match found {
            RunKind::Segnet => ("SegNet", "dqn segnet …"),
            RunKind::Dqn => ("DQN", "dqn train/eval/record/watch …"),
        };
        Err(RunError::WrongKind {
            path: path.to_path_buf(),
            found,
            hint,
        })
    }

    /// Which trainer made this run, from the keys of its `config.toml`.
    pub fn kind(&self) -> Result<RunKind, RunError> {
        let path = self.config_path();
        let text = std::fs::read_to_string(&path).map_err(io(&path))?;
        let table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| RunError::Config(format!("{}: {}", path.display(), e.message())))?;
        if table.contains_key("env_id") {
            Ok(RunKind::Dqn)
        } else if table.contains_key("data") {
            Ok(RunKind::Segnet)
        } else {
            Err(RunError::Config(format!(
                "{}: neither a DQN (env_id) nor a SegNet (data) run config",
                path.display()
            )))
        }
    }

    /// Removes temp files that killed writers left in the run folder and its `checkpoints/`
    /// (see [`atomic_io::clean_stale_temps`]). Returns what it removed. Call it as a writer, with
    /// the [`super::RunLock`] held.
    pub fn clean_stale_temps(&self) -> Result<Vec<PathBuf>, RunError> {
        let mut removed = Vec::new();
        for dir in [self.path.clone(), self.checkpoints_dir()] {
            removed.extend(atomic_io::clean_stale_temps(&dir).map_err(io(&dir))?);
        }
        Ok(removed)
    }

    /// `config.toml`.
    pub fn config_path(&self) -> PathBuf {
        self.path.join("config.toml")
    }
    /// `checkpoints/`.
    pub fn checkpoints_dir(&self) -> PathBuf {
        self.path.join("checkpoints")
    }
    /// The DQN checkpoints, keyed by env step.
    pub fn steps(&self) -> CheckpointSeries {
        CheckpointSeries::steps(&self.path)
    }
    /// The SegNet checkpoints, keyed by epoch.
    pub fn epochs(&self) -> CheckpointSeries {
        CheckpointSeries::epochs(&self.path)
    }
    /// The model file of the checkpoint at `step`.
    pub fn model_path(&self, step: u64) -> PathBuf {
        self.steps().model_path(step)
    }
    /// The training-state file of the checkpoint at `step`.
    pub fn state_path(&self, step: u64) -> PathBuf {
        self.steps().state_path(step)
    }
    /// The model with the best evaluation so far (`checkpoints/best.safetensors`).
    pub fn best_model_path(&self) -> PathBuf {
        self.steps().best_model_path()
    }
    /// Steps of the complete checkpoints (model and training state both present), ascending.
    pub fn checkpoint_steps(&self) -> Vec<u64> {
        self.steps().complete()
    }
    /// The newest complete checkpoint's step.
    pub fn latest_checkpoint(&self) -> Result<u64, RunError> {
        self.steps().latest_complete()
    }
    /// Deletes all but the newest `keep` complete checkpoints (0 keeps all).
    pub fn prune_checkpoints(&self, keep: usize) {
        self.steps().prune(keep)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::write_atomic;

    #[test]
    fn run_names_follow_cleanrl_and_are_single_safe_components() {
        let tmp = tempfile::tempdir().unwrap();
        let run = RunDir::create(tmp.path(), "gym:ALE/Breakout-v5", "dqn", 7).unwrap();
        let name = run.path.file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.starts_with("gym_ALE_Breakout-v5__dqn__7__"), "{name}");
        assert!(matches!(RunDir::open(&run.path), Err(RunError::NotARun(_))));
        for bad in ["my\\run\ttest", "q\"uote", "a\nb", "a/b", "..", "", "a__b", "ü"] {
            let err = RunDir::create(tmp.path(), "cartpole", bad, 1).unwrap_err().to_string();
            assert!(
                err.contains("A-Z a-z 0-9 . _ -") && !err.contains('\n'),
                "{bad:?}: {err}"
            );
        }
        assert_eq!(
            std::fs::read_dir(tmp.path()).unwrap().count(),
            1,
            "failed starts make no folder"
        );
        assert_eq!(sanitize_component(".."), "___");
    }

    #[test]
    fn the_kind_of_a_run_comes_from_its_config() {
        let tmp = tempfile::tempdir().unwrap();
        let run = RunDir::create(tmp.path(), "segnet", "basic", 1).unwrap();
        write_atomic(&run.config_path(), b"data = \"/d\"\n").unwrap();
        assert_eq!(run.kind().unwrap(), RunKind::Segnet);
        let err = RunDir::open_kind(&run.path, RunKind::Dqn).unwrap_err().to_string();
        assert!(err.contains("is a SegNet run; use `dqn segnet"), "{err}");
        write_atomic(&run.config_path(), b"env_id = \"cartpole\"\n").unwrap();
        let err = RunDir::open_kind(&run.path, RunKind::Segnet).unwrap_err().to_string();
        assert!(err.contains("is a DQN run"), "{err}");
    }
}
