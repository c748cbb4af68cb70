//! [`AtariEnv`]: a raw [`Game`] behind the ALE / CleanRL preprocessing wrappers, as an [`Env`].
//!
//! The wrappers, all configured by [`EnvConfig`] and applied in CleanRL's order:
//! sticky actions (per emulator frame), noop reset, frame skip with a max over the last 2 frames,
//! episodic life, fire reset, reward clipping, gray + resize, and a frame stack. A time limit in
//! emulator frames truncates the episode, and [`Info::episode`] reports the unclipped return and
//! length of each whole episode (over all lives), like `RecordEpisodeStatistics`. The agent-step
//! wrappers (noop and fire reset, episodic life, clipping, statistics) live in
//! [`crate::episode`], shared with the gym bridge's ALE envs.
//!
//! Observations are rasterised straight from the game's [`Scene`]: for gray N×N observations
//! [`Scene::render_gray`] writes the small picture directly, so no 160×210 frame is drawn, only
//! the last 2 frames of a skip are drawn at all, and a step allocates nothing. The frame stack is
//! a ring stored twice over (2k slots, each frame written at `p` and `p + k`), so the k newest
//! frames are always one contiguous slice, oldest first, without shifting.

use std::hash::BuildHasher;

use rand::{RngExt, SeedableRng};

use crate::config::EnvConfig;
use crate::env::{check_action, Env, EnvError, EpisodeStats, Info, Obs, Step};
use crate::episode::{Emulator, Episode};
use crate::frame::Frame;
use crate::game::{Action, Game, GameRng, SCREEN_H, SCREEN_W};
use crate::palette::luminance;
use crate::scene::{GrayCache, Scene};
use crate::space::{Dtype, Space};

/// A seed from the operating system's randomness, for envs reset without a seed.
pub fn entropy_seed() -> u64 {
    std::collections::hash_map::RandomState::new().hash_one(0x5eed_u64)
}

/// How an observation frame is rasterised.
#[derive(Debug, Clone, Copy, PartialEq)]
enum ObsMode {
    /// Gray N×N straight from the scene (the fast path).
    GrayFast { side: usize },
    /// Gray at the full 160×210: an RGB render, then luminance.
    GrayFull,
    /// RGB at `width × height`, stored channel-first.
    Rgb { width: usize, height: usize },
}

/// A game with ALE-style preprocessing; see the module documentation.
pub struct AtariEnv {
    game: Box<dyn Game>,
    cfg: EnvConfig,
    actions: &'static [Action],
    rng: GameRng,
    scene: Scene,
    mode: ObsMode,
    /// `[channels, height, width]` of one stacked frame.
    frame_shape: [usize; 3],
    frame_len: usize,
    /// 2k slots of `frame_len` bytes.
    stack: Vec<u8>,
    /// Ring position (0..k) of the newest frame.
    head: usize,
    /// The second-to-last frame of a skip, for max pooling.
    pooled: Vec<u8>,
    /// RGB scratch for the slow paths.
    rgb: Frame,
    /// The raster of the scene's static beginning, reused between frames (gray fast path).
    gray_cache: GrayCache,
    /// The action applied on the last emulator frame (what sticky actions repeat).
    last_action: Action,
    /// Noop and fire reset, episodic life, clipping and the episode's statistics.
    episode: Episode,
    frame_number: u64,
    episode_frame_number: u64,
}

impl AtariEnv {
    /// Wraps `game` with the preprocessing in `cfg` (checked with [`EnvConfig::validate`]).
    pub fn new(game: Box<dyn Game>, cfg: &EnvConfig) -> Result<Self, EnvError> {
        cfg.validate()?;
        let actions: &'static [Action] = if cfg.full_action_space {
            &Action::ALL
        } else {
            game.minimal_actions()
        };
        if actions.is_empty() {
            return Err(EnvError::InvalidConfig(format!("game '{}' has no actions", game.id())));
        }
        let mode = match (cfg.grayscale, cfg.obs_size) {
            (true, 0) => ObsMode::GrayFull,
            (true, n) => ObsMode::GrayFast { side: n },
            (false, 0) => ObsMode::Rgb {
                width: SCREEN_W,
                height: SCREEN_H,
            },
            (false, n) => ObsMode::Rgb { width: n, height: n },
        };
        let frame_shape = match mode {
            ObsMode::GrayFast { side } => [1, side, side],
            ObsMode::GrayFull => [1, SCREEN_H, SCREEN_W],
            ObsMode::Rgb { width, height } => [3, height, width],
        };
        let rgb = match mode {
            ObsMode::GrayFast { .. } => Frame::new(0, 0),
            ObsMode::GrayFull => Frame::new(SCREEN_W, SCREEN_H),
            ObsMode::Rgb { width, height } => Frame::new(width, height),
        };
        let frame_len = frame_shape.iter().product();
        let mut scene = Scene::new(SCREEN_W as f32, SCREEN_H as f32);
        scene.set_widen_thin(cfg.widen_thin_shapes);
        Ok(AtariEnv {
            game,
            cfg: cfg.clone(),
            actions,
            rng: GameRng::seed_from_u64(entropy_seed()),
            scene,
            mode,
            frame_shape,
            frame_len,
            stack: vec![0; 2 * cfg.frame_stack * frame_len],
            head: cfg.frame_stack - 1,
            pooled: vec![0; frame_len],
            rgb,
            gray_cache: GrayCache::default(),
            last_action: Action::Noop,
            episode: Episode::default(),
            frame_number: 0,
            episode_frame_number: 0,
        })
    }

    /// The wrapped game.
    pub fn game(&self) -> &dyn Game {
        self.game.as_ref()
    }

    /// The preprocessing settings.
    pub fn config(&self) -> &EnvConfig {
        &self.cfg
    }

    /// The game actions that the agent's action indices stand for.
    pub fn actions(&self) -> &'static [Action] {
        self.actions
    }

    fn time_up(&self) -> bool {
        self.cfg.max_episode_frames > 0 && self.episode_frame_number >= self.cfg.max_episode_frames
    }

    /// Advances one emulator frame, with sticky actions.
    fn tick(&mut self, action: Action) -> f32 {
        let p = self.cfg.sticky_action_prob;
        if p <= 0.0 || self.rng.random::<f32>() >= p {
            self.last_action = action;
        }
        self.frame_number += 1;
        self.episode_frame_number += 1;
        self.game.tick(self.last_action, &mut self.rng)
    }

    /// Runs `frames` frames of `action` without drawing, stopping at game over or the time limit.
    fn run_frames(&mut self, action: Action, frames: u32) -> f32 {
        let mut reward = 0.0;
        for _ in 0..frames {
            reward += self.tick(action);
            if self.game.game_over() || self.time_up() {
                break;
            }
        }
        reward
    }

    /// One agent step of frame skip: ticks, draws only the last 2 frames, max-pools them into the
    /// next stack slot. Returns the summed raw reward.
    fn skip_step(&mut self, action: Action) -> f32 {
        let skip = self.cfg.frame_skip;
        let pool = self.cfg.max_pool && skip >= 2;
        let mut reward = 0.0;
        let mut have_previous = false;
        for i in 0..skip {
            reward += self.tick(action);
            let last = i + 1 == skip || self.game.game_over() || self.time_up();
            if last {
                break;
            }
            if pool && i + 2 == skip {
                self.draw(None);
                have_previous = true;
            }
        }
        self.push_frame(have_previous);
        reward
    }

    /// Draws the current frame into the next ring slot (max with `pooled` if `pool`), and its copy.
    fn push_frame(&mut self, pool: bool) {
        let k = self.cfg.frame_stack;
        let fl = self.frame_len;
        self.head = (self.head + 1) % k;
        let upper = (self.head + k) * fl;
        self.draw(Some(upper));
        let slot = &mut self.stack[upper..upper + fl];
        if pool {
            for (o, p) in slot.iter_mut().zip(&self.pooled) {
                *o = (*o).max(*p);
            }
        }
        if k > 1 {
            self.stack.copy_within(upper..upper + fl, self.head * fl);
        }
    }

    /// Draws the game's current frame and rasterises it into the stack at frame offset
    /// `stack_at`, or into the pooling buffer when `None`.
    fn draw(&mut self, stack_at: Option<usize>) {
        self.game.draw(&mut self.scene);
        let out = match stack_at {
            Some(at) => &mut self.stack[at..at + self.frame_len],
            None => &mut self.pooled[..],
        };
        rasterise(&self.scene, self.mode, &mut self.rgb, &mut self.gray_cache, out);
    }

    /// Fills every stack slot with the current frame (the start of an episode).
    fn fill_stack(&mut self) {
        let fl = self.frame_len;
        self.draw(Some(0));
        for slot in 1..2 * self.cfg.frame_stack {
            self.stack.copy_within(..fl, slot * fl);
        }
        self.head = self.cfg.frame_stack - 1;
    }

    fn obs(&self) -> Obs<'_> {
        let k = self.cfg.frame_stack;
        let start = (self.head + 1) * self.frame_len;
        let [c, h, w] = self.frame_shape;
        Obs::Pixels {
            data: &self.stack[start..start + k * self.frame_len],
            shape: [c * k, h, w],
        }
    }

    fn info(&self, episode: Option<EpisodeStats>) -> Info {
        Info {
            lives: self.game.lives(),
            score: self.game.score(),
            frame_number: self.frame_number,
            episode_frame_number: self.episode_frame_number,
            episode,
        }
    }
}

/// Rasterises `scene` into one observation frame.
fn rasterise(scene: &Scene, mode: ObsMode, rgb: &mut Frame, cache: &mut GrayCache, out: &mut [u8]) {
    match mode {
        ObsMode::GrayFast { side } => scene.render_gray_cached(cache, out, side, side),
        ObsMode::GrayFull => {
            scene.render_rgb(rgb);
            for (o, p) in out.iter_mut().zip(rgb.data.chunks_exact(3)) {
                *o = luminance([p[0], p[1], p[2]]);
            }
        }
        ObsMode::Rgb { width, height } => {
            scene.render_rgb(rgb);
            let plane = width * height;
            for (i, p) in rgb.data.chunks_exact(3).enumerate() {
                out[i] = p[0];
                out[plane + i] = p[1];
                out[2 * plane + i] = p[2];
            }
        }
    }
}

impl Emulator for AtariEnv {
    type Action = Action;
    const NOOP: Action = Action::Noop;

    fn new_game(&mut self, seed: Option<u64>) -> Result<(), EnvError> {
        if let Some(seed) = seed {
            self.rng = GameRng::seed_from_u64(seed);
            // ALE reloads the game on a seeded reset, which restarts its frame counter.
            self.frame_number = 0;
        }
        self.game.reset(&mut self.rng);
        self.last_action = Action::Noop;
        self.episode_frame_number = 0;
        Ok(())
    }

    fn run(&mut self, action: Action, frames: u32) -> Result<f64, EnvError> {
        Ok(self.run_frames(action, frames) as f64)
    }

    fn fire(&self) -> Option<Action> {
        self.game.uses_fire_to_start().then_some(Action::Fire)
    }

    fn game_over(&self) -> bool {
        self.game.game_over()
    }

    fn lives(&self) -> u32 {
        self.game.lives()
    }

    fn rng(&mut self) -> &mut GameRng {
        &mut self.rng
    }
}

impl Env for AtariEnv {
    fn reset(&mut self, seed: Option<u64>) -> (Obs<'_>, Info) {
        let mut episode = std::mem::take(&mut self.episode);
        let cfg = self.cfg.clone();
        // Our games run frames without failing.
        let _ = episode.reset(self, &cfg, seed);
        self.episode = episode;
        self.fill_stack();
        let info = self.info(None);
        (self.obs(), info)
    }

    fn step(&mut self, action: usize) -> Result<Step<'_>, EnvError> {
        check_action(action, self.actions.len())?;
        self.episode.check_step()?;
        let raw = self.skip_step(self.actions[action]);
        let (game_over, lives, time_up) = (self.game.game_over(), self.game.lives(), self.time_up());
        let out = self.episode.step(&self.cfg, raw as f64, game_over, lives, time_up);
        let info = self.info(out.episode);
        Ok(out.into_step(self.obs(), info))
    }

    fn action_space(&self) -> Space {
        Space::Discrete(self.actions.len())
    }

    fn observation_space(&self) -> Space {
        let [c, h, w] = self.frame_shape;
        Space::Box {
            shape: vec![c * self.cfg.frame_stack, h, w],
            low: 0.0,
            high: 255.0,
            dtype: Dtype::U8,
        }
    }

    fn action_meanings(&self) -> Vec<&'static str> {
        self.actions.iter().map(|a| a.name()).collect()
    }

    fn render(&self, frame: &mut Frame) {
        if frame.width != SCREEN_W || frame.height != SCREEN_H {
            frame.resize(SCREEN_W, SCREEN_H);
        }
        let mut scene = Scene::new(SCREEN_W as f32, SCREEN_H as f32);
        self.game.draw(&mut scene);
        scene.render_rgb(frame);
    }

    fn render_size(&self) -> (usize, usize) {
        (SCREEN_W, SCREEN_H)
    }
}
