//! `dqn train`: wires the actor thread and the learner (this thread) together. The algorithm reads
//! in four places: [`super::actor`] (acting, replay, targets), [`super::learner`] (the gradient
//! step), [`super::session`] (what happens to each message of [`super::protocol`]) and the loop
//! below.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::mpsc::{channel, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use envs::{make, Space};

use super::actor::{run_actor, ActorSetup};
use super::checkpoint;
use super::config::TrainConfig;
use super::learner::Learner;
use super::protocol::{ActorState, Progress, ToLearner, WeightsVersion};
use super::session::Session;
use super::DqnError;
use crate::run::{write_atomic, RunDir};
use crate::tensorboard::SummaryWriter;

/// A progress callback: the progress and the current steps/s.
pub type ProgressFn = Box<dyn FnMut(&Progress, f64)>;

/// Options of one training run beyond its configuration.
pub struct TrainOptions {
    /// Set (e.g. by Ctrl-C) to stop: the run saves a checkpoint and returns.
    pub stop: Arc<AtomicBool>,
    /// Continue from the run folder's newest checkpoint.
    pub resume: bool,
    /// Load `backbone.*` from this checkpoint (a DQN or SegNet model file) before training.
    pub init_backbone: Option<PathBuf>,
    /// Keep the loaded backbone fixed.
    pub freeze_backbone: bool,
    /// Called about 4 times a second with the progress and the current steps/s.
    pub on_progress: ProgressFn,
    /// Called with one-line notices (checkpoints, transfers, evaluations).
    pub on_notice: Box<dyn FnMut(&str)>,
}

pub use super::session::TrainSummary;

/// The network input shape and element type of an env: `([k·C, H, W] or [k·D], is_pixels)`.
pub fn obs_shape(cfg: &TrainConfig) -> Result<(Vec<i64>, bool, i64), DqnError> {
    let env = make(&cfg.env_id, &cfg.training_env_config())?;
    let n_actions = env.num_actions() as i64;
    let k = cfg.dqn.frame_stack as i64;
    let (shape, pixels) = match env.observation_space() {
        Space::Box { shape, dtype, .. } => {
            let pixels = matches!(dtype, envs::space::Dtype::U8);
            let mut s: Vec<i64> = shape.iter().map(|d| *d as i64).collect();
            if pixels && s.len() == 3 {
                s[0] *= k;
            } else {
                s = vec![s.iter().product::<i64>() * k];
            }
            (s, pixels)
        }
        Space::Discrete(_) => return Err(DqnError::Config("discrete observation spaces are not supported".into())),
    };
    Ok((shape, pixels, n_actions))
}

fn config_markdown(cfg: &TrainConfig) -> String {
    let text = toml::to_string(cfg).unwrap_or_default();
    let mut md = String::from("|key|value|\n|-|-|\n");
    let mut section = String::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            section = line.trim_matches(['[', ']']).to_string() + ".";
        } else if let Some((k, v)) = line.split_once(" = ") {
            md.push_str(&format!("|{section}{k}|{}|\n", v.replace('|', "\\|")));
        }
    }
    md
}

/// Resumes from the newest checkpoint or writes the new run's config, then applies
/// `--init-backbone`. Everything is checked before the first notice or file.
fn prepare(
    cfg: &TrainConfig,
    run: &RunDir,
    learner: &mut Learner,
    opts: &mut TrainOptions,
) -> Result<Option<ActorState>, DqnError> {
    let mut resumed = None;
    if opts.resume {
        let r = checkpoint::load(run, learner, cfg)?;
        run.steps().read_best()?;
        if let Some(w) = &r.warning {
            (opts.on_notice)(w);
        }
        (opts.on_notice)(&format!(
            "resuming at step {} ({} updates); the replay buffer is not saved, so it refills for {} steps first",
            r.step, r.state.counters.updates, cfg.dqn.learning_starts
        ));
        resumed = Some(r.state);
    } else {
        let text = toml::to_string(cfg).map_err(|e| DqnError::Internal(e.to_string()))?;
        write_atomic(&run.config_path(), text.as_bytes())?;
    }
    if let Some(path) = &opts.init_backbone {
        let report = nets::load_backbone(&learner.online.vs, path)?;
        if report.is_empty() {
            let p = path.display();
            return Err(DqnError::Checkpoint(format!(
                "{p}: no backbone tensor fits this network: {report}"
            )));
        }
        (opts.on_notice)(&format!("init-backbone {}: {report}", path.display()));
        if opts.freeze_backbone {
            let n = nets::freeze_backbone(&learner.online.vs, true);
            (opts.on_notice)(&format!("froze {n} backbone tensors"));
        }
    }
    Ok(resumed)
}

/// Trains `cfg` in `run` (a new run folder, or an existing one with `opts.resume`): an actor
/// thread acts and samples ([`super::actor`]); this thread learns and logs ([`Session`]).
pub fn train(cfg: &TrainConfig, run: &RunDir, mut opts: TrainOptions) -> Result<TrainSummary, DqnError> {
    cfg.validate()?;
    let device = nets::parse_device(&cfg.run.device)?;
    tch::manual_seed(cfg.run.seed as i64);
    let (shape, pixels, n_actions) = obs_shape(cfg)?;
    if cfg.dqn.random_shift > 0 && !(pixels && shape.len() == 3) {
        return Err(DqnError::Config(format!(
            "dqn.random_shift shifts images, but {}'s observations are vectors: set it to 0",
            cfg.env_id
        )));
    }
    let mut learner = Learner::new(&cfg.net, &cfg.dqn, &shape, n_actions, device)?;
    learner.set_precision(cfg.run.precision)?;
    let resumed = prepare(cfg, run, &mut learner, &mut opts)?;
    let mut tb = SummaryWriter::new(&run.path).map_err(|e| DqnError::Io(e.to_string()))?;
    if resumed.is_none() {
        tb.add_text("config", &config_markdown(cfg), 0);
    }
    tb.add_hparams_start(crate::tensorboard::hparams::flatten_config(cfg));
    // Steps/s counts only this session's steps: start from the resumed step.
    let start_step = resumed.as_ref().map_or(0, |s| s.counters.step);
    let progress = Arc::new(Mutex::new(Progress {
        step: start_step,
        total_steps: cfg.dqn.total_steps,
        ..Progress::default()
    }));
    let (to_learner, from_actor) = channel::<ToLearner>();
    let (to_actor, from_learner) = channel::<WeightsVersion>();
    let setup = ActorSetup {
        cfg: cfg.clone(),
        obs_shape: shape,
        n_actions,
        device,
        initial_weights: learner.online.snapshot(),
        resume: resumed,
        stop: opts.stop.clone(),
        progress: progress.clone(),
    };
    let actor = std::thread::Builder::new()
        .name("actor".into())
        .spawn(move || match pixels {
            true => run_actor::<u8>(setup, to_learner, from_learner),
            false => run_actor::<f32>(setup, to_learner, from_learner),
        })
        .map_err(|e| DqnError::Io(format!("cannot start the actor thread: {e}")))?;
    let started = Instant::now();
    let mut s = Session::new(cfg, run, learner, tb, to_actor, progress, start_step)?;
    let outcome = loop {
        let handled = match from_actor.recv_timeout(Duration::from_millis(100)) {
            Ok(msg) => s.handle(msg, &mut *opts.on_notice),
            Err(RecvTimeoutError::Timeout) => Ok(None),
            Err(RecvTimeoutError::Disconnected) => {
                Err(DqnError::Internal("the actor thread stopped unexpectedly".into()))
            }
        };
        match handled {
            Ok(None) => s.tick(&mut *opts.on_progress),
            Ok(Some(done)) => break Ok(done),
            Err(e) => break Err(e),
        }
    };
    drop(from_actor);
    s.finish(outcome, actor, started, start_step, &mut *opts.on_notice)
}
