//! A run's checkpoints as a series keyed by step (DQN: `step_N.safetensors` +
//! `step_N.train.safetensors`) or by epoch (SegNet: `epoch_N.*`), plus `best.safetensors` and
//! `best.json`. The model file holds the weights alone (eval, record and transfer need nothing
//! else); the `.train` sidecar holds what resuming needs: named tensors plus a JSON state.

use std::path::{Path, PathBuf};

use tch::{Kind, Tensor};

use super::{io, write_atomic, RunError};

/// Name of the JSON state stored (as u8 bytes) in a `.train.safetensors` sidecar.
pub const STATE_KEY: &str = "trainer_state_json";

/// The checkpoints of one run, keyed by step or epoch.
#[derive(Debug, Clone)]
pub struct CheckpointSeries {
    run: PathBuf,
    dir: PathBuf,
    prefix: &'static str,
}

/// The best evaluation so far (`checkpoints/best.json`, beside `best.safetensors`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BestRecord {
    /// The step (or epoch) evaluated.
    pub step: u64,
    /// Mean evaluation return.
    pub mean_return: f64,
    /// Its standard deviation.
    pub std_return: f64,
    /// Episodes evaluated.
    pub episodes: u32,
}

/// A loaded `.train` sidecar: its tensors (without the JSON state) and the JSON state.
pub struct SavedCheckpoint {
    /// The sidecar file.
    pub path: PathBuf,
    /// Named tensors, on the CPU, in the file's dtype.
    pub tensors: Vec<(String, Tensor)>,
    /// The JSON state bytes (`None` in sidecars written before it existed).
    pub state: Option<Vec<u8>>,
}

impl SavedCheckpoint {
    /// The JSON state parsed as `T`; a missing or unreadable state is an error naming the file.
    pub fn parse_state<T: serde::de::DeserializeOwned>(&self) -> Result<T, RunError> {
        let bad = |reason: String| RunError::BadCheckpoint {
            path: self.path.clone(),
            reason,
        };
        let bytes = self
            .state
            .as_ref()
            .ok_or_else(|| bad(format!("no {STATE_KEY} inside")))?;
        serde_json::from_slice(bytes).map_err(|e| bad(format!("unreadable trainer state: {e}")))
    }
}

/// Whether every floating-point tensor holds only finite values.
pub fn all_finite<'a>(tensors: impl IntoIterator<Item = &'a Tensor>) -> Result<bool, RunError> {
    for t in tensors {
        if matches!(t.kind(), Kind::Float | Kind::Double | Kind::Half | Kind::BFloat16)
            && t.f_isfinite()?.f_all()?.f_int64_value(&[])? == 0
        {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Checks that `found` holds exactly the tensors of `reference`: the same names, each with the
/// same shape and dtype, and finite values. The error names the file and every difference.
pub fn check_like(path: &Path, found: &[(String, Tensor)], reference: &[(String, Tensor)]) -> Result<(), RunError> {
    use std::collections::HashMap;
    let file: HashMap<&str, &Tensor> = found.iter().map(|(n, t)| (n.as_str(), t)).collect();
    let mut problems = Vec::new();
    for (name, want) in reference {
        match file.get(name.as_str()) {
            None => problems.push(format!("{name} is missing")),
            Some(t) if t.size() != want.size() || t.kind() != want.kind() => problems.push(format!(
                "{name} is {:?} {:?}, expected {:?} {:?}",
                t.kind(),
                t.size(),
                want.kind(),
                want.size()
            )),
            Some(_) => {}
        }
    }
    let known: std::collections::HashSet<&str> = reference.iter().map(|(n, _)| n.as_str()).collect();
    let mut unexpected: Vec<&str> = file.keys().filter(|n| !known.contains(**n)).copied().collect();
    unexpected.sort_unstable();
    problems.extend(unexpected.iter().map(|n| format!("{n} is unexpected")));
    if problems.is_empty() && !all_finite(found.iter().map(|(_, t)| t))? {
        problems.push("it holds NaN or infinite values".into());
    }
    if problems.is_empty() {
        return Ok(());
    }
    let shown = problems.len().min(4);
    let more = problems.len() - shown;
    Err(RunError::BadCheckpoint {
        path: path.to_path_buf(),
        reason: format!(
            "does not fit this run: {}{}",
            problems[..shown].join("; "),
            if more > 0 {
                format!("; and {more} more")
            } else {
                String::new()
            }
        ),
    })
}

impl CheckpointSeries {
    /// DQN checkpoints of the run folder `run`: `checkpoints/step_N.*`.
    pub fn steps(run: &Path) -> Self {
        Self::new(run, "step")
    }
    /// SegNet checkpoints of the run folder `run`: `checkpoints/epoch_N.*`.
    pub fn epochs(run: &Path) -> Self {
        Self::new(run, "epoch")
    }
    fn new(run: &Path, prefix: &'static str) -> Self {
        CheckpointSeries {
            run: run.to_path_buf(),
            dir: run.join("checkpoints"),
            prefix,
        }
    }

    /// `step` or `epoch`.
    pub fn prefix(&self) -> &'static str {
        self.prefix
    }
    /// The model (weights) file of checkpoint `n`.
    pub fn model_path(&self, n: u64) -> PathBuf {
        self.dir.join(format!("{}_{n}.safetensors", self.prefix))
    }
    /// The training-state sidecar of checkpoint `n`.
    pub fn state_path(&self, n: u64) -> PathBuf {
        self.dir.join(format!("{}_{n}.train.safetensors", self.prefix))
    }
    /// `best.safetensors`: the model with the best evaluation so far.
    pub fn best_model_path(&self) -> PathBuf {
        self.dir.join("best.safetensors")
    }
    /// `best.json`: the step and score of `best.safetensors`.
    pub fn best_json_path(&self) -> PathBuf {
        self.dir.join("best.json")
    }

    /// Numbers of the checkpoints whose model file exists, ascending.
    pub fn models(&self) -> Vec<u64> {
        let mut found: Vec<u64> = std::fs::read_dir(&self.dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                name.strip_prefix(self.prefix)?
                    .strip_prefix('_')?
                    .strip_suffix(".safetensors")?
                    .parse::<u64>()
                    .ok()
            })
            .collect();
        found.sort_unstable();
        found
    }

    /// Numbers of the complete checkpoints (model and sidecar), ascending.
    pub fn complete(&self) -> Vec<u64> {
        self.models()
            .into_iter()
            .filter(|n| self.state_path(*n).is_file())
            .collect()
    }

    fn none(&self) -> RunError {
        RunError::NoCheckpoint {
            path: self.run.clone(),
            prefix: self.prefix,
        }
    }

    /// The newest model file's number: what eval-style loads use (they need only weights).
    pub fn latest_model(&self) -> Result<u64, RunError> {
        self.models().last().copied().ok_or_else(|| self.none())
    }

    /// The newest complete checkpoint's number.
    pub fn latest_complete(&self) -> Result<u64, RunError> {
        self.complete().last().copied().ok_or_else(|| self.none())
    }

    /// Where a resume starts: the newest complete checkpoint, and a warning when newer model
    /// files lack their sidecar (they are kept: nothing is pruned that a save did not replace).
    /// With model files but no complete checkpoint, the error names the missing sidecar.
    pub fn resume_point(&self) -> Result<(u64, Option<String>), RunError> {
        let newest = self.latest_model()?;
        let complete = self.complete();
        let Some(&n) = complete.last() else {
            return Err(RunError::BadCheckpoint {
                path: self.model_path(newest),
                reason: format!(
                    "cannot resume: its training state {} is missing (eval and record need only the weights)",
                    self.state_path(newest).display()
                ),
            });
        };
        let warning = (newest > n).then(|| {
            format!(
                "warning: {} is missing, so this resumes from {}_{n}, not {}_{newest}",
                self.state_path(newest).display(),
                self.prefix,
                self.prefix
            )
        });
        Ok((n, warning))
    }

    /// Deletes all but the newest `keep` complete checkpoints (0 keeps all). Model files without
    /// a sidecar are never deleted here.
    pub fn prune(&self, keep: usize) {
        let complete = self.complete();
        if keep == 0 || complete.len() <= keep {
            return;
        }
        for n in &complete[..complete.len() - keep] {
            let _ = std::fs::remove_file(self.model_path(*n));
            let _ = std::fs::remove_file(self.state_path(*n));
        }
    }

    /// Saves checkpoint `n`: the sidecar (`state` tensors plus the JSON `json`) first, the model
    /// last, so a checkpoint counts only once both exist. Refuses a model with NaN or infinite
    /// weights. Returns the model file.
    pub fn save(
        &self,
        n: u64,
        model: &[(String, Tensor)],
        mut state: Vec<(String, Tensor)>,
        json: &[u8],
    ) -> Result<PathBuf, RunError> {
        let path = self.model_path(n);
        if !all_finite(model.iter().map(|(_, t)| t))? {
            return Err(RunError::BadCheckpoint {
                path,
                reason: "not saved: the model has NaN or infinite weights".into(),
            });
        }
        state.push((STATE_KEY.into(), Tensor::f_from_slice(json)?));
        nets::save_tensors(&state, &self.state_path(n))?;
        nets::save_tensors(model, &path)?;
        Ok(path)
    }

    /// Reads the sidecar of checkpoint `n`: its tensors and JSON state. The caller checks every
    /// tensor against its model before using any.
    pub fn load_state(&self, n: u64) -> Result<SavedCheckpoint, RunError> {
        let path = self.state_path(n);
        let mut tensors = nets::read_tensors(&path)?;
        let mut state = None;
        if let Some(at) = tensors.iter().position(|(name, _)| name == STATE_KEY) {
            let (_, t) = tensors.remove(at);
            if t.kind() != Kind::Uint8 || t.dim() != 1 {
                return Err(RunError::BadCheckpoint {
                    path,
                    reason: format!("{STATE_KEY} must be a 1-d u8 tensor"),
                });
            }
            state = Some(Vec::<u8>::try_from(&t)?);
        }
        Ok(SavedCheckpoint { path, tensors, state })
    }

    /// The best evaluation so far: `None` without `best.json`; a `best.json` that cannot be read
    /// is an error (so `best.safetensors` is never overwritten on a guess).
    pub fn read_best(&self) -> Result<Option<BestRecord>, RunError> {
        let path = self.best_json_path();
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io(&path)(e)),
        };
        let record: BestRecord = serde_json::from_str(&text).map_err(|e| RunError::BadCheckpoint {
            path: path.clone(),
            reason: format!("unreadable ({e}); move it away to start a new best"),
        })?;
        if !record.mean_return.is_finite() {
            return Err(RunError::BadCheckpoint {
                path,
                reason: "mean_return is not a finite number; move it away to start a new best".into(),
            });
        }
        Ok(Some(record))
    }

    /// Saves `model` as `best.safetensors` and `record` as `best.json`. Refuses non-finite
    /// weights or scores.
    pub fn save_best(&self, model: &[(String, Tensor)], record: &BestRecord) -> Result<(), RunError> {
        if !record.mean_return.is_finite() || !all_finite(model.iter().map(|(_, t)| t))? {
            return Err(RunError::BadCheckpoint {
                path: self.best_model_path(),
                reason: "not saved: the model or its score is NaN or infinite".into(),
            });
        }
        nets::save_tensors(model, &self.best_model_path())?;
        let json = serde_json::to_string(record).map_err(|e| RunError::Config(e.to_string()))?;
        write_atomic(&self.best_json_path(), json.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(p: &Path) {
        write_atomic(p, b"x").unwrap();
    }

    fn run_folder() -> tempfile::TempDir {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir(tmp.path().join("checkpoints")).unwrap();
        tmp
    }

    #[test]
    fn series_keep_todays_names_and_prune_only_what_was_replaced() {
        let run = run_folder();
        let s = CheckpointSeries::steps(run.path());
        assert!(s.model_path(5).ends_with("checkpoints/step_5.safetensors"));
        assert!(s.state_path(5).ends_with("checkpoints/step_5.train.safetensors"));
        assert!(CheckpointSeries::epochs(run.path())
            .model_path(2)
            .ends_with("checkpoints/epoch_2.safetensors"));
        assert!(s.best_json_path().ends_with("checkpoints/best.json"));
        touch(&s.model_path(100));
        assert_eq!(s.latest_model().unwrap(), 100, "eval needs only weights");
        let err = s.resume_point().unwrap_err().to_string();
        assert!(err.contains("step_100.train.safetensors is missing"), "{err}");
        for n in [100, 200, 300] {
            touch(&s.state_path(n));
            touch(&s.model_path(n));
        }
        touch(&s.model_path(400));
        assert_eq!(s.complete(), vec![100, 200, 300]);
        let (n, warning) = s.resume_point().unwrap();
        assert_eq!(n, 300);
        assert!(warning.unwrap().contains("step_400.train.safetensors is missing"));
        s.prune(2);
        assert_eq!(s.models(), vec![200, 300, 400]);
        assert!(CheckpointSeries::epochs(run.path()).models().is_empty());
    }

    #[test]
    fn best_json_is_checked_and_non_finite_models_are_never_saved() {
        let run = run_folder();
        let s = CheckpointSeries::steps(run.path());
        assert_eq!(s.read_best().unwrap(), None);
        let w = vec![("w".to_string(), Tensor::from_slice(&[1.0f32, 2.0]))];
        let rec = BestRecord {
            step: 5,
            mean_return: 3.0,
            std_return: 0.5,
            episodes: 2,
        };
        s.save_best(&w, &rec).unwrap();
        assert_eq!(s.read_best().unwrap(), Some(rec.clone()));
        touch(&s.best_json_path());
        let err = s.read_best().unwrap_err().to_string();
        assert!(err.contains("best.json") && !err.contains('\n'), "{err}");
        let nan = vec![("w".to_string(), Tensor::from_slice(&[f32::NAN, 2.0]))];
        assert!(s.save_best(&nan, &rec).is_err());
        assert!(s.save(10, &nan, vec![], b"{}").is_err());
        assert!(!s.state_path(10).exists() && !s.model_path(10).exists());
        s.save(10, &w, vec![], b"{\"a\":1}").unwrap();
        let saved = s.load_state(10).unwrap();
        assert_eq!(saved.state.as_deref(), Some(&b"{\"a\":1}"[..]));
        assert!(saved.tensors.is_empty());
    }
}
