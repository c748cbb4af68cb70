//! Which weights `eval`, `watch` and `record` load: `--checkpoint last|best|PATH`.
//!
//! - `best`: `checkpoints/best.safetensors` (the best evaluation so far, beside `best.json`);
//! - `last`: the newest `checkpoints/step_<n>.safetensors`, with or without its
//!   `.train.safetensors` sidecar (only `--resume` needs the sidecar);
//! - a path: that model file, which must sit in `<run>/checkpoints/`;
//! - no choice: `best` when the run has one, else `last`.
//!
//! [`resolve`] names its choice in a one-line [`Choice::describe`] that the CLI prints on
//! stderr, so stdout stays free for results (`eval --json`).

use std::path::{Path, PathBuf};
use std::str::FromStr;

use super::DqnError;
use crate::run::RunDir;

/// The `--checkpoint` flag.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum CheckpointChoice {
    /// `best` when the run has one, else `last`.
    #[default]
    Auto,
    /// The newest `step_<n>.safetensors`.
    Last,
    /// `best.safetensors`.
    Best,
    /// A model file.
    Path(PathBuf),
}

impl FromStr for CheckpointChoice {
    type Err = String;

    /// `last`, `best`, `auto` or a path to a model file. Never fails: a path is checked when
    /// the run is opened, where the error can name it.
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "last" => CheckpointChoice::Last,
            "best" => CheckpointChoice::Best,
            "auto" => CheckpointChoice::Auto,
            "" => return Err("give last, best or a path to a .safetensors model file".into()),
            path => CheckpointChoice::Path(PathBuf::from(path)),
        })
    }
}

/// Which file was picked, and why.
#[derive(Debug, Clone)]
pub struct Choice {
    /// The run folder.
    pub run: RunDir,
    /// The model file to load.
    pub model: PathBuf,
    /// `"best"`, `"last"` or `"file"`.
    pub kind: &'static str,
    /// The training step of the weights, when known (`step_<n>` or best.json's `step`).
    pub step: Option<u64>,
    /// The evaluation of the weights, when known (best.json's `mean_return`).
    pub eval: Option<f64>,
}

impl Choice {
    /// One line for stderr, e.g. `checkpoint: best (step 4000, eval 500.00) RUN/checkpoints/best.safetensors`.
    pub fn describe(&self) -> String {
        let mut facts = Vec::new();
        if let Some(s) = self.step {
            facts.push(format!("step {s}"));
        }
        if let Some(e) = self.eval {
            facts.push(format!("eval {e:.2}"));
        }
        let facts = if facts.is_empty() {
            String::new()
        } else {
            format!(" ({})", facts.join(", "))
        };
        let hint = match self.kind {
            "best" => "; --checkpoint last for the final weights",
            "last" => "; --checkpoint best for the best evaluated weights",
            _ => "",
        };
        format!("checkpoint: {}{facts} {}{hint}", self.kind, self.model.display())
    }
}

/// `best.json`'s step and mean return, when the file is there and readable (a corrupt one is
/// reported by the trainer that would write it; choosing weights to play does not need it).
fn best_facts(run: &RunDir) -> (Option<u64>, Option<f64>) {
    match run.steps().read_best() {
        Ok(Some(b)) => (Some(b.step), Some(b.mean_return)),
        _ => (None, None),
    }
}

fn last(run: &RunDir) -> Result<Choice, DqnError> {
    let step = run.steps().latest_model()?;
    Ok(Choice {
        model: run.model_path(step),
        run: run.clone(),
        kind: "last",
        step: Some(step),
        eval: None,
    })
}

fn best(run: &RunDir) -> Option<Choice> {
    let model = run.best_model_path();
    model.is_file().then(|| {
        let (step, eval) = best_facts(run);
        Choice {
            run: run.clone(),
            model,
            kind: "best",
            step,
            eval,
        }
    })
}

/// The run folder of a model file `<run>/checkpoints/<file>`.
fn run_of_file(path: &Path) -> Result<RunDir, DqnError> {
    let run_dir = path.parent().and_then(Path::parent).ok_or_else(|| {
        DqnError::Checkpoint(format!(
            "{}: a checkpoint must sit in <run>/checkpoints/",
            path.display()
        ))
    })?;
    RunDir::open(run_dir).map_err(|_| {
        DqnError::Checkpoint(format!(
            "{}: no config.toml in {} (a checkpoint must sit in <run>/checkpoints/)",
            path.display(),
            run_dir.display()
        ))
    })
}

fn file(path: &Path) -> Result<Choice, DqnError> {
    if !path.is_file() {
        return Err(DqnError::Io(format!("{}: no such checkpoint file", path.display())));
    }
    let run = run_of_file(path)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (step, eval) = if name == "best.safetensors" {
        best_facts(&run)
    } else {
        let step = name
            .strip_prefix("step_")
            .and_then(|s| s.strip_suffix(".safetensors"))
            .and_then(|s| s.parse().ok());
        (step, None)
    };
    Ok(Choice {
        run,
        model: path.to_path_buf(),
        kind: "file",
        step,
        eval,
    })
}

/// Picks the model file for `path` (a run folder or a model file) and `choice`. Reads only.
pub fn resolve(path: &Path, choice: &CheckpointChoice) -> Result<Choice, DqnError> {
    if path.is_file() {
        return match choice {
            CheckpointChoice::Auto => file(path),
            _ => Err(DqnError::Checkpoint(format!(
                "{} is a checkpoint file already; give --checkpoint only with a run folder",
                path.display()
            ))),
        };
    }
    if !path.is_dir() {
        return Err(DqnError::Io(format!(
            "{}: no such run folder or checkpoint",
            path.display()
        )));
    }
    let run = RunDir::open(path)?;
    match choice {
        CheckpointChoice::Auto => best(&run).map_or_else(|| last(&run), Ok),
        CheckpointChoice::Last => last(&run),
        CheckpointChoice::Best => best(&run).ok_or_else(|| {
            DqnError::Checkpoint(format!(
                "{} has no best.safetensors (it is saved at evaluations); use --checkpoint last",
                run.path.display()
            ))
        }),
        CheckpointChoice::Path(p) => {
            // A relative path may be given relative to the run folder or to the current one.
            let in_run = run.path.join(p);
            let p = if p.is_relative() && !p.exists() && in_run.is_file() {
                in_run
            } else {
                p.clone()
            };
            let c = file(&p)?;
            if c.run.path.canonicalize().ok() != run.path.canonicalize().ok() {
                return Err(DqnError::Checkpoint(format!(
                    "{} is not a checkpoint of {}",
                    p.display(),
                    run.path.display()
                )));
            }
            Ok(c)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::write_atomic;

    fn run_with(files: &[&str]) -> (tempfile::TempDir, RunDir) {
        let tmp = tempfile::tempdir().unwrap();
        let run = RunDir::create(tmp.path(), "cartpole", "dqn", 1).unwrap();
        write_atomic(&run.config_path(), b"env_id = \"cartpole\"\n").unwrap();
        for f in files {
            write_atomic(&run.checkpoints_dir().join(f), b"x").unwrap();
        }
        (tmp, run)
    }

    #[test]
    fn parses_the_flag() {
        assert_eq!("last".parse(), Ok(CheckpointChoice::Last));
        assert_eq!("best".parse(), Ok(CheckpointChoice::Best));
        assert_eq!(
            "a/b.safetensors".parse(),
            Ok(CheckpointChoice::Path("a/b.safetensors".into()))
        );
        assert!("".parse::<CheckpointChoice>().is_err());
    }

    #[test]
    fn default_is_best_when_there_is_one_else_last_without_sidecar() {
        let (_t, run) = run_with(&[
            "step_100.safetensors",
            "step_900.safetensors",
            "step_100.train.safetensors",
        ]);
        let c = resolve(&run.path, &CheckpointChoice::Auto).unwrap();
        assert_eq!(
            (c.kind, c.step),
            ("last", Some(900)),
            "the newest model, sidecar or not"
        );
        write_atomic(&run.best_model_path(), b"x").unwrap();
        write_atomic(
            &run.checkpoints_dir().join("best.json"),
            br#"{"step": 500, "mean_return": 42.5}"#,
        )
        .unwrap();
        let c = resolve(&run.path, &CheckpointChoice::Auto).unwrap();
        assert_eq!((c.kind, c.step, c.eval), ("best", Some(500), Some(42.5)));
        assert!(c.describe().contains("best (step 500, eval 42.50)"), "{}", c.describe());
        let c = resolve(&run.path, &CheckpointChoice::Last).unwrap();
        assert_eq!(c.model, run.model_path(900));
        let p = CheckpointChoice::Path("checkpoints/step_100.safetensors".into());
        assert_eq!(resolve(&run.path, &p).unwrap().step, Some(100));
    }

    #[test]
    fn missing_choices_say_what_to_do() {
        let (_t, run) = run_with(&[]);
        let e = resolve(&run.path, &CheckpointChoice::Auto).unwrap_err().to_string();
        assert!(e.contains("no checkpoint"), "{e}");
        let (_t, run) = run_with(&["step_5.safetensors"]);
        let e = resolve(&run.path, &CheckpointChoice::Best).unwrap_err().to_string();
        assert!(e.contains("--checkpoint last"), "{e}");
        let e = resolve(&run.model_path(5), &CheckpointChoice::Last)
            .unwrap_err()
            .to_string();
        assert!(e.contains("only with a run folder"), "{e}");
    }
}
