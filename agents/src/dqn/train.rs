//! `dqn train`: wires the actor thread and the learner (this thread) together, and logs,
//! checkpoints and resumes. The algorithm reads in three places: [`super::actor`] (acting,
//! replay, targets), [`super::learner`] (the gradient step) and the loop below (what happens to
//! each message).

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::mpsc::{channel, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use envs::{make, Space};
use tch::Tensor;

use super::actor::{run_actor, ActorCounters, ActorSetup, ActorState, Progress, ToLearner, WeightsVersion};
use super::config::TrainConfig;
use super::eval::EvalResult;
use super::learner::Learner;
use super::DqnError;
use crate::run::{write_atomic, RunDir};
use crate::tensorboard::SummaryWriter;

/// Name of the JSON trainer state stored (as u8 bytes) in a checkpoint's training-state file.
const STATE_KEY: &str = "trainer_state_json";

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

/// What a finished (or stopped) run reports.
#[derive(Debug, Clone)]
pub struct TrainSummary {
    /// The run folder.
    pub run_dir: PathBuf,
    /// Env steps done.
    pub steps: u64,
    /// Gradient steps done.
    pub updates: u64,
    /// Episodes finished.
    pub episodes: u64,
    /// Mean return of the last 100 training episodes.
    pub mean_return_100: Option<f64>,
    /// The last checkpoint's model file.
    pub checkpoint: PathBuf,
    /// The final evaluation, if one ran.
    pub eval: Option<EvalResult>,
    /// Stopped early by a stop request.
    pub stopped: bool,
    /// Wall time of this session of the run, seconds.
    pub wall_secs: f64,
    /// Env steps per second over this session.
    pub steps_per_sec: f64,
    /// Env steps per second from the moment learning started (the learner-bound rate), if it did.
    pub learning_steps_per_sec: Option<f64>,
}

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

#[derive(serde::Serialize, serde::Deserialize)]
struct SavedState {
    counters: ActorCounters,
    learner_updates: u64,
    env_id: String,
}

fn save_checkpoint(run: &RunDir, learner: &Learner, state: &ActorState, env_id: &str) -> Result<PathBuf, DqnError> {
    let step = state.counters.step;
    let saved = SavedState {
        counters: state.counters.clone(),
        learner_updates: learner.updates,
        env_id: env_id.into(),
    };
    let json = serde_json::to_vec(&saved).map_err(|e| DqnError::Internal(e.to_string()))?;
    let mut tensors: Vec<(String, Tensor)> = learner
        .online
        .names()
        .iter()
        .zip(&state.target)
        .map(|(n, t)| (format!("target.{n}"), t.shallow_clone()))
        .collect();
    tensors.extend(learner.adam.state_tensors()?);
    tensors.push((STATE_KEY.into(), Tensor::f_from_slice(&json)?));
    // Training state first, model last: a checkpoint counts only once both exist.
    nets::save_tensors(&tensors, &run.state_path(step))?;
    let model = run.model_path(step);
    nets::save_tensors(&learner.online.named_tensors(""), &model)?;
    Ok(model)
}

fn load_checkpoint(run: &RunDir, learner: &mut Learner, cfg: &TrainConfig) -> Result<(ActorState, u64), DqnError> {
    let step = run.latest_checkpoint()?;
    nets::load_varstore(&learner.online.vs, &run.model_path(step))?;
    let path = run.state_path(step);
    let tensors = nets::read_tensors(&path)?;
    let json = tensors
        .iter()
        .find(|(n, _)| n == STATE_KEY)
        .map(|(_, t)| Vec::<u8>::try_from(t))
        .transpose()?
        .ok_or_else(|| DqnError::Checkpoint(format!("{}: no trainer state inside", path.display())))?;
    let saved: SavedState = serde_json::from_slice(&json)
        .map_err(|e| DqnError::Checkpoint(format!("{}: unreadable trainer state: {e}", path.display())))?;
    if saved.env_id != cfg.env_id {
        return Err(DqnError::Checkpoint(format!(
            "{} was trained on '{}', not '{}'",
            path.display(),
            saved.env_id,
            cfg.env_id
        )));
    }
    let adam: Vec<(String, Tensor)> = tensors
        .iter()
        .filter(|(n, _)| n.starts_with("adam."))
        .map(|(n, t)| (n.clone(), t.shallow_clone()))
        .collect();
    learner.adam.load_state_tensors(&adam, &path)?;
    let mut target = Vec::with_capacity(learner.online.names().len());
    for name in learner.online.names() {
        let key = format!("target.{name}");
        let t = tensors
            .iter()
            .find(|(n, _)| *n == key)
            .ok_or_else(|| DqnError::Checkpoint(format!("{}: missing {key}", path.display())))?;
        target.push(t.1.f_to_device(learner.online.vs.device())?);
    }
    learner.updates = saved.learner_updates;
    Ok((
        ActorState {
            counters: saved.counters,
            target,
        },
        step,
    ))
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

/// Trains `cfg` in `run` (a new run folder, or an existing one with `opts.resume`).
pub fn train(cfg: &TrainConfig, run: &RunDir, mut opts: TrainOptions) -> Result<TrainSummary, DqnError> {
    cfg.validate()?;
    let device = nets::parse_device(&cfg.run.device)?;
    tch::manual_seed(cfg.run.seed as i64);
    let (shape, pixels, n_actions) = obs_shape(cfg)?;
    let mut learner = Learner::new(&cfg.net, &cfg.dqn, &shape, n_actions, device)?;
    learner.set_precision(cfg.run.precision)?;
    let mut resume_state = None;
    if opts.resume {
        let (state, step) = load_checkpoint(run, &mut learner, cfg)?;
        (opts.on_notice)(&format!(
            "resuming at step {step} ({} updates); the replay buffer is not saved, so it refills for {} steps first",
            state.counters.updates, cfg.dqn.learning_starts
        ));
        resume_state = Some(state);
    } else {
        let text = toml::to_string(cfg).map_err(|e| DqnError::Internal(e.to_string()))?;
        write_atomic(&run.config_path(), text.as_bytes())?;
    }
    if let Some(path) = &opts.init_backbone {
        let report = nets::load_backbone(&learner.online.vs, path)?;
        if report.is_empty() {
            return Err(DqnError::Checkpoint(format!(
                "{}: no backbone tensor fits this network: {report}",
                path.display()
            )));
        }
        (opts.on_notice)(&format!("init-backbone {}: {report}", path.display()));
        if opts.freeze_backbone {
            let n = nets::freeze_backbone(&learner.online.vs, true);
            (opts.on_notice)(&format!("froze {n} backbone tensors"));
        }
    }
    let mut tb = SummaryWriter::new(&run.path).map_err(|e| DqnError::Io(e.to_string()))?;
    if resume_state.is_none() {
        tb.add_text("config", &config_markdown(cfg), 0);
    }
    let stop = opts.stop.clone();
    let progress = Arc::new(Mutex::new(Progress {
        total_steps: cfg.dqn.total_steps,
        ..Progress::default()
    }));
    let (to_learner, from_actor) = channel::<ToLearner>();
    let (to_actor, from_learner) = channel::<WeightsVersion>();
    let setup = ActorSetup {
        cfg: cfg.clone(),
        obs_shape: shape.clone(),
        n_actions,
        device,
        initial_weights: learner.online.snapshot(),
        resume: resume_state,
        stop,
        progress: progress.clone(),
    };
    let actor = std::thread::Builder::new()
        .name("actor".into())
        .spawn(move || {
            if pixels {
                run_actor::<u8>(setup, to_learner, from_learner)
            } else {
                run_actor::<f32>(setup, to_learner, from_learner)
            }
        })
        .map_err(|e| DqnError::Io(format!("cannot start the actor thread: {e}")))?;

    let started = Instant::now();
    let start_step = progress.lock().map(|p| p.step).unwrap_or(0);
    let mut last_checkpoint: Option<PathBuf> = run.latest_checkpoint().ok().map(|s| run.model_path(s));
    let log_updates = (cfg.run.log_every / cfg.dqn.train_freq.max(1)).max(1);
    let (mut loss_sum, mut q_sum, mut n_stats) = (0.0, 0.0, 0u64);
    let mut last_step = start_step;
    let (mut sps, mut sps_mark) = (0.0, (Instant::now(), start_step));
    let mut last_progress = Instant::now() - Duration::from_secs(1);
    let mut final_eval = None;
    // The best evaluation so far, also across resumes.
    let mut best_eval: Option<f64> = std::fs::read_to_string(run.path.join("checkpoints/best.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .and_then(|v| v["mean_return"].as_f64());
    let mut learning_mark: Option<(Instant, u64)> = None;
    let lr_schedule = cfg.dqn.learning_rate_end.map(|end| crate::schedule::LinearSchedule {
        start: cfg.dqn.learning_rate,
        end,
        duration: cfg.dqn.total_steps,
    });
    let outcome = loop {
        let msg = match from_actor.recv_timeout(Duration::from_millis(100)) {
            Ok(m) => Some(m),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => {
                break Err(DqnError::Internal("the actor thread stopped unexpectedly".into()));
            }
        };
        match msg {
            Some(ToLearner::Batch {
                index,
                step,
                batch,
                indices,
            }) => {
                if let Some(lr) = lr_schedule.map(|s| s.value(step)) {
                    learner.adam.set_lr(lr);
                }
                if index != learner.updates {
                    break Err(DqnError::Internal(format!(
                        "batch {index} arrived at update {}",
                        learner.updates
                    )));
                }
                let read = (learner.updates + 1) % log_updates == 0;
                let stats = match learner.update(&batch, read) {
                    Ok(s) => s,
                    Err(e) => break Err(e),
                };
                if read {
                    loss_sum += stats.loss;
                    q_sum += stats.q_mean;
                    n_stats += 1;
                    tb.add_scalar("losses/td_loss", loss_sum / n_stats as f64, last_step as i64);
                    tb.add_scalar("losses/q_values", q_sum / n_stats as f64, last_step as i64);
                    (loss_sum, q_sum, n_stats) = (0.0, 0.0, 0);
                }
                let priorities = (!indices.is_empty()).then_some((indices, stats.td_abs));
                let msg = WeightsVersion {
                    version: learner.updates,
                    weights: learner.online.snapshot(),
                    priorities,
                };
                if to_actor.send(msg).is_err() {
                    break Err(DqnError::Internal("the actor thread stopped unexpectedly".into()));
                }
            }
            Some(ToLearner::Episode {
                step,
                episode_return,
                length,
            }) => {
                last_step = step;
                tb.add_scalar("charts/episodic_return", episode_return, step as i64);
                tb.add_scalar("charts/episodic_length", length as f64, step as i64);
            }
            Some(ToLearner::Scalars { step, epsilon }) => {
                last_step = step;
                tb.add_scalar("charts/epsilon", epsilon, step as i64);
                tb.add_scalar("charts/SPS", sps, step as i64);
            }
            Some(ToLearner::Eval { step, result, strip }) => {
                tb.add_scalar("eval/mean_return", result.mean_return, step as i64);
                if let Some(frame) = &strip {
                    tb.add_image("eval/frames", frame, step as i64);
                }
                (opts.on_notice)(&format!(
                    "eval at step {step}: {:.2} ± {:.2} over {} episodes (ε = {})",
                    result.mean_return, result.std_return, result.episodes, result.epsilon
                ));
                // The actor waits during an evaluation and every batch before it has been learned,
                // so the online weights here are exactly the evaluated ones.
                if best_eval.is_none_or(|b| result.mean_return > b) {
                    best_eval = Some(result.mean_return);
                    let saved = nets::save_tensors(&learner.online.named_tensors(""), &run.best_model_path())
                        .map_err(DqnError::from)
                        .and_then(|()| {
                            let json = serde_json::json!({"step": step, "mean_return": result.mean_return,
                                "std_return": result.std_return, "episodes": result.episodes});
                            Ok(write_atomic(
                                &run.path.join("checkpoints/best.json"),
                                json.to_string().as_bytes(),
                            )?)
                        });
                    if let Err(e) = saved {
                        break Err(e);
                    }
                }
                final_eval = Some(result);
            }
            Some(ToLearner::Checkpoint(state)) => {
                let path = match save_checkpoint(run, &learner, &state, &cfg.env_id) {
                    Ok(p) => p,
                    Err(e) => break Err(e),
                };
                run.prune_checkpoints(cfg.run.keep_checkpoints);
                tb.flush();
                last_checkpoint = Some(path);
            }
            Some(ToLearner::Done { state, stopped }) => {
                let path = match save_checkpoint(run, &learner, &state, &cfg.env_id) {
                    Ok(p) => p,
                    Err(e) => break Err(e),
                };
                run.prune_checkpoints(cfg.run.keep_checkpoints);
                last_checkpoint = Some(path.clone());
                break Ok((state, stopped, path));
            }
            Some(ToLearner::Failed(e)) => break Err(e),
            None => {}
        }
        if last_progress.elapsed() >= Duration::from_millis(250) {
            last_progress = Instant::now();
            let p = progress.lock().map(|p| p.clone()).unwrap_or_default();
            if p.learning && learning_mark.is_none() {
                learning_mark = Some((Instant::now(), p.step));
            }
            let dt = sps_mark.0.elapsed().as_secs_f64();
            if dt >= 1.0 {
                sps = (p.step - sps_mark.1) as f64 / dt;
                sps_mark = (Instant::now(), p.step);
            }
            (opts.on_progress)(&p, sps);
        }
    };
    drop(to_actor);
    drop(from_actor);
    let _ = actor.join();
    tb.flush();
    if let Some(e) = tb.first_error() {
        (opts.on_notice)(&format!("warning: TensorBoard logging failed: {e}"));
    }
    match outcome {
        Ok((state, stopped, checkpoint)) => {
            let wall = started.elapsed().as_secs_f64();
            let steps = state.counters.step;
            let r = &state.counters.recent_returns;
            Ok(TrainSummary {
                run_dir: run.path.clone(),
                steps,
                updates: learner.updates,
                episodes: state.counters.episodes,
                mean_return_100: (!r.is_empty()).then(|| r.iter().sum::<f64>() / r.len() as f64),
                checkpoint,
                eval: final_eval,
                stopped,
                wall_secs: wall,
                steps_per_sec: (steps - start_step) as f64 / wall.max(1e-9),
                learning_steps_per_sec: learning_mark
                    .filter(|(t, s)| steps > *s && t.elapsed().as_secs_f64() > 0.0)
                    .map(|(t, s)| (steps - s) as f64 / t.elapsed().as_secs_f64()),
            })
        }
        Err(DqnError::NonFinite { update }) => Err(DqnError::NanStop {
            update,
            checkpoint: last_checkpoint
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| "none yet".into()),
        }),
        Err(e) => Err(e),
    }
}
