//! What `dqn watch` shows and `dqn record --hud` records: a trained agent playing, with the HUD
//! panel of [`envs::hud`] beside the game. One type steps the agent and draws the picture, so the
//! window and the GIF show the same thing.

use std::path::Path;

use agents::dqn::stack::{FrameStack, ObsElement};
use agents::dqn::Policy;
use envs::controls::score_word;
use envs::hud::{draw_agent_panel, panel_height, AgentHud, QScale, PANEL_W};
use envs::{make, Env, EpisodeStats, Frame};
use rand::{RngExt, SeedableRng};

/// A trained agent playing its env, and the picture of it (game left, HUD right).
pub struct AgentView<'p, T: ObsElement> {
    policy: &'p Policy,
    env: Box<dyn Env>,
    stack: FrameStack<T>,
    rng: rand_pcg::Pcg64Mcg,
    epsilon: f64,
    meanings: Vec<&'static str>,
    checkpoint: String,
    trained_steps: Option<u64>,
    picture: Frame,
    /// The game and the HUD, as last drawn by [`AgentView::draw`].
    pub canvas: Frame,
    q: Vec<f32>,
    scale: QScale,
    chosen: usize,
    has_lives: bool,
    lives: u32,
    score: f64,
    /// The returns of the finished episodes.
    returns: Vec<f64>,
    /// The current episode, from 1.
    episode: u32,
    step: u64,
    /// The last step ended the episode (or a life, with episodic life on): the next step resets
    /// first, so the last picture of an episode can still be drawn.
    reset_pending: bool,
}

impl<'p, T: ObsElement> AgentView<'p, T> {
    /// Starts the policy's env (with its training preprocessing) from `seed`.
    pub fn new(policy: &'p Policy, epsilon: f64, seed: u64) -> anyhow::Result<Self> {
        let cfg = &policy.cfg;
        let mut env = make(&cfg.env_id, &cfg.training_env_config())?;
        let meanings = env.action_meanings();
        let (w, h) = env.render_size();
        let height = h.max(panel_height(meanings.len()));
        let (obs, info) = env.reset(Some(seed));
        let first = T::frame(&obs)?;
        let mut stack = FrameStack::new(cfg.dqn.frame_stack, first.len());
        stack.reset(first);
        let (checkpoint, trained_steps) = checkpoint_label(&policy.checkpoint);
        Ok(AgentView {
            policy,
            stack,
            rng: rand_pcg::Pcg64Mcg::seed_from_u64(seed),
            epsilon,
            meanings,
            checkpoint,
            trained_steps,
            picture: Frame::new(w, h),
            canvas: Frame::new(w + PANEL_W, height),
            q: Vec::new(),
            scale: QScale::default(),
            chosen: 0,
            has_lives: info.lives > 0,
            lives: info.lives,
            score: 0.0,
            returns: Vec::new(),
            episode: 1,
            step: 0,
            reset_pending: false,
            env,
        })
    }

    /// The size of [`AgentView::canvas`].
    pub fn size(&self) -> (usize, usize) {
        (self.canvas.width, self.canvas.height)
    }

    /// Agent steps per second of real play (cartpole runs at 50, the Atari-like games at 60 frames
    /// per second over their frame skip).
    pub fn real_time_fps(&self) -> f32 {
        let cfg = &self.policy.cfg;
        if cfg.env_id == "cartpole" {
            50.0
        } else {
            60.0 / cfg.training_env_config().frame_skip as f32
        }
    }

    /// One ε-greedy agent step; a finished episode's statistics are returned. After a terminal
    /// step (a lost life with episodic life on included) the env restarts on the next call.
    pub fn step(&mut self) -> anyhow::Result<Option<EpisodeStats>> {
        if self.reset_pending {
            let (obs, _) = self.env.reset(None);
            self.stack.reset(T::frame(&obs)?);
            self.reset_pending = false;
        }
        let (best, values) = self.policy.act(self.stack.as_slice())?;
        self.scale.observe(&values);
        self.q = values;
        self.chosen = if self.rng.random::<f64>() < self.epsilon {
            self.rng.random_range(0..self.env.num_actions())
        } else {
            best
        };
        if self.returns.len() as u32 >= self.episode {
            // The first step of a new episode.
            self.episode += 1;
            self.step = 0;
        }
        let step = self.env.step(self.chosen)?;
        self.reset_pending = step.terminated || step.truncated;
        let info = step.info;
        self.stack.push(T::frame(&step.obs)?);
        self.score = info.score as f64;
        self.lives = info.lives;
        self.step += 1;
        if let Some(ep) = info.episode {
            self.returns.push(ep.episode_return);
        }
        Ok(info.episode)
    }

    /// Draws the game and the HUD into [`AgentView::canvas`]; `footer` is a line at the bottom of
    /// the panel (the keys, in a window).
    pub fn draw(&mut self, footer: Option<&str>) {
        self.env.render(&mut self.picture);
        self.canvas.fill([0, 0, 0]);
        self.canvas.blit_scaled(&self.picture, 0, 0, 1);
        let mean_return = (!self.returns.is_empty()).then(|| {
            let n = self.returns.len();
            (self.returns.iter().sum::<f64>() / n as f64, n as u32)
        });
        let hud = AgentHud {
            score_word: score_word(&self.policy.cfg.env_id),
            score: self.score,
            lives: self.has_lives.then_some(self.lives),
            episode: self.episode,
            step: self.step,
            mean_return,
            epsilon: self.epsilon,
            checkpoint: &self.checkpoint,
            trained_steps: self.trained_steps,
            meanings: &self.meanings,
            q: &self.q,
            chosen: self.chosen,
            scale: self.scale,
            footer,
        };
        draw_agent_panel(&mut self.canvas, self.picture.width, &hud);
    }
}

/// The checkpoint's name (its file stem) and the training step it was saved at: from the name
/// (`step_N`), or from `best.json` beside `best.safetensors`.
pub fn checkpoint_label(path: &Path) -> (String, Option<u64>) {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let step = match stem.strip_prefix("step_") {
        Some(n) => n.parse().ok(),
        None => std::fs::read_to_string(path.with_file_name(format!("{stem}.json")))
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .and_then(|v| v["step"].as_u64()),
    };
    (stem, step)
}
