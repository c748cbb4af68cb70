//! The learner's side of `dqn train`: what happens to each message of the actor
//! ([`super::protocol::ToLearner`]): learn a batch and send the weights back, log episodes and
//! scalars, keep the best evaluated model, save checkpoints, and report progress.

use std::path::PathBuf;
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::checkpoint;
use super::config::TrainConfig;
use super::eval::EvalResult;
use super::learner::Learner;
use super::protocol::{ActorState, Progress, ToLearner, WeightsVersion};
use super::DqnError;
use crate::run::{BestRecord, RunDir};
use crate::tensorboard::hparams::SessionStatus;
use crate::tensorboard::SummaryWriter;

/// How the run ended: the actor's final state, whether it was stopped, and the last checkpoint.
pub type Finished = (Box<ActorState>, bool, PathBuf);

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
    /// The newest evaluation, if one ran, with the step it evaluated: the final model's own
    /// evaluation only when that step is [`TrainSummary::steps`].
    pub eval: Option<(u64, EvalResult)>,
    /// Stopped early by a stop request.
    pub stopped: bool,
    /// Wall time of this session of the run, seconds.
    pub wall_secs: f64,
    /// Env steps per second over this session.
    pub steps_per_sec: f64,
    /// Env steps per second from the moment learning started (the learner-bound rate), if it did.
    pub learning_steps_per_sec: Option<f64>,
}

/// The learner thread's state during a run.
pub struct Session<'a> {
    /// The resolved configuration.
    pub cfg: &'a TrainConfig,
    /// The run folder.
    pub run: &'a RunDir,
    /// The online network and optimiser.
    pub learner: Learner,
    /// TensorBoard.
    pub tb: SummaryWriter,
    /// Weights and priorities back to the actor.
    pub to_actor: Sender<WeightsVersion>,
    /// Shared with the actor.
    pub progress: Arc<Mutex<Progress>>,
    /// The newest checkpoint written (or found when resuming).
    pub last_checkpoint: Option<PathBuf>,
    /// The newest evaluation, with the step it evaluated.
    pub final_eval: Option<(u64, EvalResult)>,
    /// The best evaluation so far, also across resumes.
    pub best: Option<BestRecord>,
    /// When and at which step learning started in this session.
    pub learning_mark: Option<(Instant, u64)>,
    log_updates: u64,
    last_step: u64,
    sps: f64,
    sps_mark: (Instant, u64),
    last_progress: Instant,
}

impl<'a> Session<'a> {
    /// A session starting at `start_step`.
    pub fn new(
        cfg: &'a TrainConfig,
        run: &'a RunDir,
        learner: Learner,
        tb: SummaryWriter,
        to_actor: Sender<WeightsVersion>,
        progress: Arc<Mutex<Progress>>,
        start_step: u64,
    ) -> Result<Self, DqnError> {
        let best = run.steps().read_best()?;
        Ok(Session {
            log_updates: (cfg.run.log_every / cfg.dqn.train_freq.max(1)).max(1),
            last_checkpoint: run.steps().latest_complete().ok().map(|s| run.model_path(s)),
            cfg,
            run,
            learner,
            tb,
            to_actor,
            progress,
            final_eval: None,
            best,
            learning_mark: None,
            last_step: start_step,
            sps: 0.0,
            sps_mark: (Instant::now(), start_step),
            last_progress: Instant::now() - Duration::from_secs(1),
        })
    }

    /// Handles one message; `Some` when the run is over.
    pub fn handle(&mut self, msg: ToLearner, on_notice: &mut dyn FnMut(&str)) -> Result<Option<Finished>, DqnError> {
        match msg {
            ToLearner::Batch {
                index,
                step,
                batch,
                indices,
            } => {
                if let Some(lr) = self.cfg.dqn.learning_rate_at(step) {
                    self.learner.adam.set_lr(lr);
                }
                if index != self.learner.updates {
                    let at = self.learner.updates;
                    return Err(DqnError::Internal(format!("batch {index} arrived at update {at}")));
                }
                let read = (self.learner.updates + 1).is_multiple_of(self.log_updates);
                let stats = self.learner.update(&batch, read)?;
                if read {
                    self.tb.add_scalar("losses/td_loss", stats.loss, self.last_step as i64);
                    self.tb
                        .add_scalar("losses/q_values", stats.q_mean, self.last_step as i64);
                }
                let msg = WeightsVersion {
                    version: self.learner.updates,
                    weights: self.learner.online.snapshot(),
                    priorities: (!indices.is_empty()).then_some((indices, stats.td_abs)),
                };
                self.to_actor
                    .send(msg)
                    .map_err(|_| DqnError::Internal("the actor thread stopped unexpectedly".into()))?;
            }
            ToLearner::Episode {
                step,
                episode_return,
                length,
            } => {
                self.last_step = step;
                self.tb
                    .add_scalar("charts/episodic_return", episode_return, step as i64);
                self.tb.add_scalar("charts/episodic_length", length as f64, step as i64);
            }
            ToLearner::Scalars { step, epsilon } => {
                self.last_step = step;
                self.tb.add_scalar("charts/epsilon", epsilon, step as i64);
                if self.sps > 0.0 {
                    // Only real measurements: the first comes a second into the run.
                    self.tb.add_scalar("charts/SPS", self.sps, step as i64);
                }
            }
            ToLearner::Eval { step, result, video } => self.eval(step, result, video, on_notice)?,
            ToLearner::Checkpoint(state) => {
                self.save(&state)?;
                self.tb.flush();
            }
            ToLearner::Done { state, stopped } => {
                let path = self.save(&state)?;
                return Ok(Some((state, stopped, path)));
            }
            ToLearner::Failed(e) => return Err(e),
        }
        Ok(None)
    }

    fn save(&mut self, state: &ActorState) -> Result<PathBuf, DqnError> {
        let path = checkpoint::save(self.run, &self.learner, state, &self.cfg.env_id)?;
        self.run.steps().prune(self.cfg.run.keep_checkpoints);
        self.last_checkpoint = Some(path.clone());
        Ok(path)
    }

    fn eval(
        &mut self,
        step: u64,
        result: EvalResult,
        video: Option<Result<super::eval_video::EvalVideo, String>>,
        on_notice: &mut dyn FnMut(&str),
    ) -> Result<(), DqnError> {
        self.tb.add_scalar("eval/mean_return", result.mean_return, step as i64);
        match video {
            Some(Ok(v)) => self
                .tb
                .add_image_encoded("eval/video", v.width, v.height, v.gif, step as i64),
            Some(Err(why)) => on_notice(&format!("no eval video at step {step}: {why}")),
            None => {}
        }
        on_notice(&format!(
            "eval at step {step}: {:.2} ± {:.2} over {} episodes (ε = {})",
            result.mean_return, result.std_return, result.episodes, result.epsilon
        ));
        // The actor waits during an evaluation and every batch before it has been learned, so
        // the online weights here are exactly the evaluated ones.
        let better = self.best.as_ref().is_none_or(|b| result.mean_return > b.mean_return);
        if better && result.mean_return.is_finite() {
            let record = BestRecord {
                step,
                mean_return: result.mean_return,
                std_return: result.std_return,
                episodes: result.episodes,
            };
            let model = self.learner.online.named_tensors("");
            self.run.steps().save_best(&model, &record)?;
            self.best = Some(record);
        }
        self.final_eval = Some((step, result));
        Ok(())
    }

    /// Reports progress about 4 times a second.
    pub fn tick(&mut self, on_progress: &mut dyn FnMut(&Progress, f64)) {
        if self.last_progress.elapsed() < Duration::from_millis(250) {
            return;
        }
        self.last_progress = Instant::now();
        let p = self.progress.lock().map(|p| p.clone()).unwrap_or_default();
        if p.learning && self.learning_mark.is_none() {
            self.learning_mark = Some((Instant::now(), p.step));
        }
        let dt = self.sps_mark.0.elapsed().as_secs_f64();
        if dt >= 1.0 {
            self.sps = p.step.saturating_sub(self.sps_mark.1) as f64 / dt;
            self.sps_mark = (Instant::now(), p.step);
        }
        on_progress(&p, self.sps);
    }

    /// Ends the run: lets the actor thread go, flushes TensorBoard, and summarises `outcome`
    /// (a loss that became NaN is reported with the last good checkpoint).
    pub fn finish(
        self,
        outcome: Result<Finished, DqnError>,
        actor: std::thread::JoinHandle<()>,
        started: Instant,
        start_step: u64,
        on_notice: &mut dyn FnMut(&str),
    ) -> Result<TrainSummary, DqnError> {
        let Session {
            learner,
            mut tb,
            to_actor,
            last_checkpoint,
            final_eval,
            learning_mark,
            run,
            best,
            last_step,
            ..
        } = self;
        drop(to_actor);
        let _ = actor.join();
        let status = outcome
            .as_ref()
            .map_or(SessionStatus::Failure, |o| SessionStatus::finished(!o.1));
        tb.add_hparams_metrics(
            final_eval.as_ref().map(|(_, e)| e.mean_return),
            best.as_ref().map(|b| b.mean_return),
            last_step,
            status,
        );
        tb.flush();
        if let Some(e) = tb.first_error() {
            on_notice(&format!("warning: TensorBoard logging failed: {e}"));
        }
        let (state, stopped, checkpoint) = outcome.map_err(|e| match e {
            DqnError::NonFinite { update } => DqnError::NanStop {
                update,
                checkpoint: last_checkpoint.map_or_else(|| "none yet".into(), |p| p.display().to_string()),
            },
            e => e,
        })?;
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
            steps_per_sec: steps.saturating_sub(start_step) as f64 / wall.max(1e-9),
            learning_steps_per_sec: learning_mark
                .filter(|(t, s)| steps > *s && t.elapsed().as_secs_f64() > 0.0)
                .map(|(t, s)| (steps - s) as f64 / t.elapsed().as_secs_f64()),
        })
    }
}
