//! CartPole, with the dynamics, limits and reward of gymnasium's `CartPole-v1` (Barto, Sutton
//! and Anderson, 1983): Euler integration with τ = 0.02, g = 9.8, cart 1.0 kg, pole 0.1 kg,
//! half-length 0.5, force ±10. The episode terminates when |x| > 2.4 or |θ| > 12° and is truncated
//! after 500 steps; every step earns 1. The state is computed in f64 and observed as f32, as in
//! gymnasium.

use rand::{RngExt, SeedableRng};

use crate::env::{check_action, Env, EnvError, EpisodeStats, Info, Obs, Step};
use crate::frame::Frame;
use crate::game::GameRng;
use crate::space::{Dtype, Space};

const GRAVITY: f64 = 9.8;
const CART_MASS: f64 = 1.0;
const POLE_MASS: f64 = 0.1;
const TOTAL_MASS: f64 = CART_MASS + POLE_MASS;
const HALF_LENGTH: f64 = 0.5;
const POLE_MASS_LENGTH: f64 = POLE_MASS * HALF_LENGTH;
const FORCE: f64 = 10.0;
const TAU: f64 = 0.02;
/// Cart position beyond which the episode terminates.
pub const X_THRESHOLD: f64 = 2.4;
/// Pole angle (radians, 12°) beyond which the episode terminates.
pub const THETA_THRESHOLD: f64 = 12.0 * 2.0 * std::f64::consts::PI / 360.0;
/// Steps after which the episode is truncated (gymnasium's `max_episode_steps`).
pub const MAX_STEPS: u64 = 500;
/// gymnasium's per-element observation bounds (`high`; `low = -high`): twice the termination
/// limits for x and θ, unbounded velocities. [`Space::Box`] has one bound for all elements, so the
/// env's observation space is the loosest of these, and these tighter ones are exposed here.
pub const OBS_HIGH: [f32; 4] = [
    (X_THRESHOLD * 2.0) as f32,
    f32::MAX,
    (THETA_THRESHOLD * 2.0) as f32,
    f32::MAX,
];
/// Picture size drawn by `render`.
pub const RENDER_W: usize = 300;
/// Picture height drawn by `render`.
pub const RENDER_H: usize = 200;

/// One Euler step of the cart-pole dynamics: `[x, ẋ, θ, θ̇]` under `push_right` (else left).
pub fn dynamics(state: [f64; 4], push_right: bool) -> [f64; 4] {
    let [x, x_dot, theta, theta_dot] = state;
    let force = if push_right { FORCE } else { -FORCE };
    let (sin, cos) = theta.sin_cos();
    let temp = (force + POLE_MASS_LENGTH * theta_dot * theta_dot * sin) / TOTAL_MASS;
    let theta_acc = (GRAVITY * sin - cos * temp) / (HALF_LENGTH * (4.0 / 3.0 - POLE_MASS * cos * cos / TOTAL_MASS));
    let x_acc = temp - POLE_MASS_LENGTH * theta_acc * cos / TOTAL_MASS;
    [
        x + TAU * x_dot,
        x_dot + TAU * x_acc,
        theta + TAU * theta_dot,
        theta_dot + TAU * theta_acc,
    ]
}

/// The CartPole-v1 env. Actions: 0 pushes left, 1 pushes right.
#[derive(Debug, Clone)]
pub struct CartPole {
    rng: GameRng,
    state: [f64; 4],
    obs: [f32; 4],
    steps: u64,
    frame_number: u64,
    episode_return: f64,
    started: bool,
    done: bool,
}

impl Default for CartPole {
    fn default() -> Self {
        CartPole {
            rng: GameRng::seed_from_u64(crate::atari::entropy_seed()),
            state: [0.0; 4],
            obs: [0.0; 4],
            steps: 0,
            frame_number: 0,
            episode_return: 0.0,
            started: false,
            done: false,
        }
    }
}

impl CartPole {
    /// A cart-pole env; call `reset` before stepping.
    pub fn new() -> Self {
        Self::default()
    }

    /// The exact (f64) state `[x, ẋ, θ, θ̇]`.
    pub fn state(&self) -> [f64; 4] {
        self.state
    }

    fn info(&self, episode: Option<EpisodeStats>) -> Info {
        Info {
            lives: 0,
            score: self.steps as i64,
            frame_number: self.frame_number,
            episode_frame_number: self.steps,
            episode,
        }
    }

    fn observe(&mut self) {
        self.obs = self.state.map(|v| v as f32);
    }
}

impl Env for CartPole {
    fn reset(&mut self, seed: Option<u64>) -> (Obs<'_>, Info) {
        if let Some(seed) = seed {
            self.rng = GameRng::seed_from_u64(seed);
            self.frame_number = 0;
        }
        for v in self.state.iter_mut() {
            *v = self.rng.random_range(-0.05..0.05);
        }
        self.steps = 0;
        self.episode_return = 0.0;
        self.started = true;
        self.done = false;
        self.observe();
        let info = self.info(None);
        (Obs::Vector(&self.obs), info)
    }

    fn step(&mut self, action: usize) -> Result<Step<'_>, EnvError> {
        check_action(action, 2)?;
        if !self.started {
            return Err(EnvError::NotReset);
        }
        if self.done {
            return Err(EnvError::StepAfterDone);
        }
        self.state = dynamics(self.state, action == 1);
        self.steps += 1;
        self.frame_number += 1;
        self.episode_return += 1.0;
        let [x, _, theta, _] = self.state;
        let terminated =
            !(-X_THRESHOLD..=X_THRESHOLD).contains(&x) || !(-THETA_THRESHOLD..=THETA_THRESHOLD).contains(&theta);
        let truncated = !terminated && self.steps >= MAX_STEPS;
        self.done = terminated || truncated;
        let episode = self.done.then_some(EpisodeStats {
            episode_return: self.episode_return,
            length: self.steps,
        });
        self.observe();
        let info = self.info(episode);
        Ok(Step {
            obs: Obs::Vector(&self.obs),
            reward: 1.0,
            terminated,
            truncated,
            info,
        })
    }

    fn action_space(&self) -> Space {
        Space::Discrete(2)
    }

    fn observation_space(&self) -> Space {
        Space::Box {
            shape: vec![4],
            low: -f32::MAX,
            high: f32::MAX,
            dtype: Dtype::F32,
        }
    }

    fn action_meanings(&self) -> Vec<&'static str> {
        vec!["LEFT", "RIGHT"]
    }

    fn render(&self, frame: &mut Frame) {
        if frame.width != RENDER_W || frame.height != RENDER_H {
            frame.resize(RENDER_W, RENDER_H);
        }
        frame.fill([255, 255, 255]);
        let scale = RENDER_W as f64 / (2.0 * X_THRESHOLD * 1.2);
        let track_y = 150;
        frame.rect(0, track_y, RENDER_W as i32, 1, [0, 0, 0]);
        let cart_x = (self.state[0] * scale + RENDER_W as f64 / 2.0) as i32;
        let (cart_w, cart_h) = (40, 20);
        frame.rect(cart_x - cart_w / 2, track_y - cart_h / 2, cart_w, cart_h, [0, 0, 0]);
        // The pole is a rotated rectangle around the axle (as gymnasium draws it), so it stays
        // straight at every angle; the axle is an octagon on top.
        let pole_len = (2.0 * HALF_LENGTH * scale) as f32;
        let (px, py) = (cart_x as f32 + 0.5, (track_y - cart_h / 2) as f32);
        let (sin, cos) = (self.state[2] as f32).sin_cos();
        let half_w = 2.5;
        // Local (across, along) → screen, with "along" pointing up the pole.
        let at = |a: f32, l: f32| (px + a * cos + l * sin, py + a * sin - l * cos);
        let pole = [
            at(-half_w, -half_w),
            at(half_w, -half_w),
            at(half_w, pole_len),
            at(-half_w, pole_len),
        ];
        frame.fill_convex(&pole, [202, 152, 101]);
        let axle: Vec<(f32, f32)> = (0..8)
            .map(|k| {
                let t = k as f32 * std::f32::consts::FRAC_PI_4;
                (px + 2.5 * t.cos(), py + 2.5 * t.sin())
            })
            .collect();
        frame.fill_convex(&axle, [129, 132, 203]);
    }

    fn render_size(&self) -> (usize, usize) {
        (RENDER_W, RENDER_H)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_step_matches_a_hand_computation() {
        // From s = (0, 0, 0.1, 0) pushing right, by hand with gymnasium's equations:
        // sin 0.1 = 0.09983342, cos 0.1 = 0.99500417, cos² = 0.99003329
        // temp = (10 + 0.05·0²·sin) / 1.1 = 9.09090909
        // θ̈ = (9.8·0.09983342 − 0.99500417·9.09090909) / (0.5·(4/3 − 0.1·0.99003329/1.1))
        //    = (0.97836748 − 9.04549241) / 0.62166515 = −12.97664005
        // ẍ = 9.09090909 − 0.05·(−12.97664005)·0.99500417/1.1 = 9.67780959
        // Euler: x = 0 + 0.02·0, ẋ = 0.02·9.67780959, θ = 0.1 + 0.02·0, θ̇ = 0.02·(−12.97664005)
        let s = dynamics([0.0, 0.0, 0.1, 0.0], true);
        let expected = [0.0, 0.19355619, 0.1, -0.25953280];
        for (got, want) in s.iter().zip(expected) {
            assert!((got - want).abs() < 1e-7, "{s:?} vs {expected:?}");
        }
    }

    #[test]
    fn episode_terminates_and_rejects_further_steps() {
        let mut env = CartPole::new();
        assert_eq!(env.step(0).unwrap_err(), EnvError::NotReset);
        let (obs, _) = env.reset(Some(3));
        assert!(obs.vector().unwrap().iter().all(|v| v.abs() <= 0.05));
        let mut steps = 0;
        loop {
            let s = env.step(1).unwrap();
            steps += 1;
            assert_eq!(s.reward, 1.0);
            if s.terminated {
                let ep = s.info.episode.unwrap();
                assert_eq!(ep.length, steps);
                assert_eq!(ep.episode_return, steps as f64);
                break;
            }
            assert!(steps < MAX_STEPS);
        }
        let [x, _, theta, _] = env.state();
        assert!(x.abs() > X_THRESHOLD || theta.abs() > THETA_THRESHOLD);
        assert_eq!(env.step(0).unwrap_err(), EnvError::StepAfterDone);
        assert_eq!(env.step(2).unwrap_err(), EnvError::InvalidAction { action: 2, n: 2 });
    }

    #[test]
    fn balanced_pole_is_truncated_at_500() {
        let mut env = CartPole::new();
        env.reset(Some(0));
        for i in 1..=MAX_STEPS {
            // A simple controller: push towards the side the pole leans to.
            let [_, _, theta, theta_dot] = env.state();
            let s = env.step((theta + 0.5 * theta_dot > 0.0) as usize).unwrap();
            if i < MAX_STEPS {
                assert!(!s.terminated && !s.truncated, "ended at step {i}");
            } else {
                assert!(s.truncated && !s.terminated);
                assert_eq!(s.info.episode.unwrap().length, MAX_STEPS);
            }
        }
    }

    #[test]
    fn render_draws_the_cart() {
        let mut env = CartPole::new();
        env.reset(Some(1));
        let mut f = Frame::new(1, 1);
        env.render(&mut f);
        assert_eq!((f.width, f.height), (RENDER_W, RENDER_H));
        assert_eq!(f.pixel(RENDER_W / 2, 150), [0, 0, 0]);
    }

    #[test]
    fn the_pole_is_a_straight_rotated_bar() {
        let mut env = CartPole::new();
        env.reset(Some(1));
        env.state = [0.0, 0.0, 0.1, 0.0];
        let mut f = Frame::new(1, 1);
        env.render(&mut f);
        let pole = [202, 152, 101];
        let scale = RENDER_W as f64 / (2.0 * X_THRESHOLD * 1.2);
        let (px, py) = (RENDER_W as f64 / 2.0 + 0.5, 140.0);
        // Every point on the pole's axis is pole-coloured, and points 4 px to either side are not.
        for d in [8.0, 20.0, 40.0, 2.0 * HALF_LENGTH * scale - 2.0] {
            let (x, y) = (px + d * 0.1f64.sin(), py - d * 0.1f64.cos());
            assert_eq!(f.pixel(x as usize, y as usize), pole, "on the axis at {d}");
            for side in [-4.0, 4.0] {
                let (sx, sy) = (x + side * 0.1f64.cos(), y + side * 0.1f64.sin());
                assert_ne!(f.pixel(sx as usize, sy as usize), pole, "beside the axis at {d}");
            }
        }
    }
}
