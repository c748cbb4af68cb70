//! The ALE-style wrappers of `AtariEnv`, checked on a scripted test game whose every frame is
//! known, and the gray fast path checked on the real games.

use envs::atari::AtariEnv;
use envs::frame::resize_gray_area;
use envs::game::{Action, Game, GameRng, SCREEN_H, SCREEN_W};
use envs::registry::{ids, make_game};
use envs::{Env, EnvConfig, EnvError, Frame, Obs, Scene};

/// A test game: scores 3 points on every frame where FIRE is held, loses a life every
/// `life_frames` frames (3 lives), and draws a white bar whose x is the frame count mod 150.
/// Odd frames also draw a block at the left, even frames at the right (flicker).
#[derive(Clone)]
struct Script {
    frame: u64,
    lives: u32,
    score: i64,
    life_frames: u64,
    actions: Vec<Action>,
}

impl Script {
    fn new(life_frames: u64) -> Self {
        Script {
            frame: 0,
            lives: 3,
            score: 0,
            life_frames,
            actions: Vec::new(),
        }
    }
}

impl Game for Script {
    fn id(&self) -> &'static str {
        "script"
    }
    fn minimal_actions(&self) -> &'static [Action] {
        &[Action::Noop, Action::Fire, Action::Right]
    }
    fn reset(&mut self, _rng: &mut GameRng) {
        *self = Script::new(self.life_frames);
    }
    fn tick(&mut self, action: Action, _rng: &mut GameRng) -> f32 {
        self.frame += 1;
        self.actions.push(action);
        if self.frame.is_multiple_of(self.life_frames) {
            self.lives = self.lives.saturating_sub(1);
        }
        if action.fire() {
            self.score += 3;
            3.0
        } else {
            0.0
        }
    }
    fn lives(&self) -> u32 {
        self.lives
    }
    fn score(&self) -> i64 {
        self.score
    }
    fn game_over(&self) -> bool {
        self.lives == 0
    }
    fn draw(&self, scene: &mut Scene) {
        scene.clear([0, 0, 0], envs::Class::Void);
        scene.rect((self.frame % 150) as f32, 0.0, 10.0, SCREEN_H as f32, [236, 236, 236]);
        let x = if self.frame % 2 == 1 { 0.0 } else { 150.0 };
        scene.rect(x, 200.0, 10.0, 10.0, [236, 236, 236]);
    }
}

fn plain() -> EnvConfig {
    EnvConfig {
        sticky_action_prob: 0.0,
        noop_max: 0,
        fire_reset: false,
        ..EnvConfig::default()
    }
}

fn script_env(cfg: &EnvConfig, life_frames: u64) -> AtariEnv {
    AtariEnv::new(Box::new(Script::new(life_frames)), cfg).unwrap()
}

fn pixels(obs: Obs<'_>) -> Vec<u8> {
    obs.pixels().unwrap().to_vec()
}

#[test]
fn errors_instead_of_panics() {
    let mut env = script_env(&plain(), 1000);
    assert_eq!(env.step(0).unwrap_err(), EnvError::NotReset);
    env.reset(Some(0));
    assert_eq!(env.step(3).unwrap_err(), EnvError::InvalidAction { action: 3, n: 3 });
    let bad = EnvConfig {
        frame_stack: 0,
        ..EnvConfig::default()
    };
    assert!(matches!(
        AtariEnv::new(Box::new(Script::new(10)), &bad),
        Err(EnvError::InvalidConfig(_))
    ));
}

#[test]
fn frame_skip_sums_rewards_and_clipping_takes_the_sign() {
    let mut env = script_env(
        &EnvConfig {
            clip_rewards: false,
            ..plain()
        },
        1000,
    );
    env.reset(Some(0));
    let s = env.step(1).unwrap();
    assert_eq!(s.reward, 12.0, "4 frames × 3 points");
    assert_eq!(s.info.episode_frame_number, 4);
    let mut clipped = script_env(&plain(), 1000);
    clipped.reset(Some(0));
    assert_eq!(clipped.step(1).unwrap().reward, 1.0);
    assert_eq!(clipped.step(0).unwrap().reward, 0.0);
}

#[test]
fn stack_is_a_sliding_window_padded_with_the_reset_frame() {
    let cfg = EnvConfig {
        max_pool: false,
        ..plain()
    };
    let mut env = script_env(&cfg, 1000);
    let (obs, _) = env.reset(Some(0));
    let first = pixels(obs);
    let fl = 84 * 84;
    assert_eq!(first.len(), 4 * fl);
    for k in 1..4 {
        assert_eq!(
            first[..fl],
            first[k * fl..(k + 1) * fl],
            "reset pads the stack with its frame"
        );
    }
    let mut prev = first;
    for t in 0..10 {
        let next = pixels(env.step(0).unwrap().obs);
        assert_eq!(next[..3 * fl], prev[fl..], "step {t}: the stack shifts by one frame");
        assert_ne!(next[3 * fl..], prev[3 * fl..], "step {t}: the newest frame changes");
        prev = next;
    }
}

#[test]
fn max_pool_merges_the_last_two_frames() {
    let pooled_cfg = EnvConfig {
        frame_stack: 1,
        ..plain()
    };
    let mut pooled = script_env(&pooled_cfg, 1000);
    pooled.reset(Some(0));
    let with = pixels(pooled.step(0).unwrap().obs);
    let mut single = script_env(
        &EnvConfig {
            max_pool: false,
            ..pooled_cfg
        },
        1000,
    );
    single.reset(Some(0));
    let without = pixels(single.step(0).unwrap().obs);
    // Frames 3 and 4: the flicker block is on the left in frame 3 and on the right in frame 4.
    let bottom_left = 83 * 84;
    let bottom_right = 83 * 84 + 82;
    assert!(
        with[bottom_left] > 200 && with[bottom_right] > 200,
        "both flicker blocks survive the max"
    );
    assert!(
        without[bottom_left] < 50 && without[bottom_right] > 200,
        "only frame 4 without max"
    );
}

#[test]
fn episodic_life_terminates_on_a_lost_life_and_continues_the_game() {
    let mut env = script_env(&plain(), 20);
    env.reset(Some(0));
    let mut steps = 0;
    let lost = loop {
        let s = env.step(1).unwrap();
        steps += 1;
        if s.terminated {
            break s;
        }
    };
    assert_eq!(steps, 5, "a life lasts 20 frames = 5 steps");
    assert_eq!(lost.info.lives, 2);
    assert!(lost.info.episode.is_none(), "a lost life is not the end of the episode");
    assert_eq!(env.step(0).unwrap_err(), EnvError::StepAfterDone);
    let (_, info) = env.reset(None);
    assert_eq!(info.lives, 2, "reset after a lost life continues the game");
    assert!(info.score > 0);
    let mut total_steps = steps;
    let end = loop {
        let s = env.step(1).unwrap();
        total_steps += 1;
        if s.terminated && s.info.lives == 0 {
            break s;
        }
        if s.terminated {
            env.reset(None);
        }
    };
    let ep = end.info.episode.expect("game over reports the episode");
    assert_eq!(ep.length, total_steps);
    assert_eq!(
        ep.episode_return, end.info.score as f64,
        "unclipped return over all lives"
    );
    let (_, info) = env.reset(None);
    assert_eq!((info.lives, info.score), (3, 0), "after game over, reset restarts");
}

#[test]
fn time_limit_truncates_with_stats() {
    let cfg = EnvConfig {
        max_episode_frames: 40,
        episodic_life: false,
        ..plain()
    };
    let mut env = script_env(&cfg, 1000);
    env.reset(Some(0));
    for t in 1..=10 {
        let s = env.step(0).unwrap();
        assert_eq!(s.truncated, t == 10, "step {t}");
        assert!(!s.terminated);
        if t == 10 {
            assert_eq!(s.info.episode.unwrap().length, 10);
            assert_eq!(s.info.episode_frame_number, 40);
        }
    }
}

#[test]
fn noop_reset_and_fire_reset_advance_the_game() {
    let cfg = EnvConfig {
        noop_max: 30,
        ..plain()
    };
    for seed in 0..20 {
        let mut env = script_env(&cfg, 1000);
        let (_, info) = env.reset(Some(seed));
        assert!(
            (1..=30).contains(&info.episode_frame_number),
            "{}",
            info.episode_frame_number
        );
    }
    // Breakout waits for FIRE: with fire reset the ball is served during reset.
    let mut env = AtariEnv::new(
        make_game("breakout").unwrap(),
        &EnvConfig {
            fire_reset: true,
            ..plain()
        },
    )
    .unwrap();
    let (_, info) = env.reset(Some(0));
    assert_eq!(info.episode_frame_number, 4, "one FIRE step of 4 frames");
}

#[test]
fn sticky_actions_repeat_the_previous_action() {
    let mut always = script_env(
        &EnvConfig {
            sticky_action_prob: 1.0,
            clip_rewards: false,
            ..plain()
        },
        1000,
    );
    always.reset(Some(0));
    assert_eq!(always.step(1).unwrap().reward, 0.0, "p = 1 keeps NOOP forever");
    let mut some = script_env(
        &EnvConfig {
            sticky_action_prob: 0.25,
            clip_rewards: false,
            ..plain()
        },
        1_000_000,
    );
    some.reset(Some(1));
    let mut fired = 0.0;
    for _ in 0..500 {
        fired += some.step(1).unwrap().reward;
        some.step(0).unwrap();
    }
    // A FIRE step after a NOOP step fires on frame j unless all of frames 1..=j stuck to NOOP
    // (probability 0.25^j), so on average 4 − (0.25 + 0.25² + 0.25³ + 0.25⁴) ≈ 3.668 frames fire.
    let per_step = fired / 3.0 / 500.0;
    assert!((3.5..3.8).contains(&per_step), "{per_step} firing frames per step");
}

#[test]
fn action_sets_and_spaces() {
    let minimal = script_env(&plain(), 1000);
    assert_eq!(minimal.action_meanings(), vec!["NOOP", "FIRE", "RIGHT"]);
    let full = script_env(
        &EnvConfig {
            full_action_space: true,
            ..plain()
        },
        1000,
    );
    assert_eq!(full.num_actions(), 18);
    assert_eq!(full.observation_space().shape(), &[4, 84, 84]);
    let rgb = script_env(
        &EnvConfig {
            grayscale: false,
            obs_size: 0,
            frame_stack: 2,
            ..plain()
        },
        1000,
    );
    assert_eq!(rgb.observation_space().shape(), &[6, SCREEN_H, SCREEN_W]);
    let gray_full = script_env(
        &EnvConfig {
            obs_size: 0,
            frame_stack: 1,
            ..plain()
        },
        1000,
    );
    assert_eq!(gray_full.observation_space().shape(), &[1, SCREEN_H, SCREEN_W]);
}

#[test]
fn full_size_observations_equal_the_rendered_picture() {
    let cfg = EnvConfig {
        grayscale: false,
        obs_size: 0,
        frame_stack: 1,
        max_pool: false,
        ..plain()
    };
    let mut env = AtariEnv::new(make_game("breakout").unwrap(), &cfg).unwrap();
    env.reset(Some(3));
    let obs = pixels(env.step(1).unwrap().obs);
    let mut frame = Frame::new(SCREEN_W, SCREEN_H);
    env.render(&mut frame);
    let plane = SCREEN_W * SCREEN_H;
    for i in (0..plane).step_by(37) {
        assert_eq!(
            [obs[i], obs[plane + i], obs[2 * plane + i]],
            frame.pixel(i % SCREEN_W, i / SCREEN_W)
        );
    }
}

/// The fast path (`Scene::render_gray` straight to 84×84) against an area resize of the gray
/// full-size render, over 300 random steps of every game. Bound: mean absolute difference below
/// 0.1 gray levels per pixel on every frame (fixed-point rounding, and sprites that partly overlap
/// inside one output pixel). Measured for breakout: worst frame 0.019, largest pixel error 2.
#[test]
fn gray_fast_path_agrees_with_resized_full_render() {
    // Driving draws its perspective road as many overlapping thin rectangles, which the fast
    // path blends approximately where they overlap inside one output pixel.
    let bound = |id: &str| if id == "driving" { 8.0 } else { 0.1 };
    let cfg = EnvConfig {
        frame_stack: 1,
        max_pool: false,
        ..EnvConfig::default()
    };
    for id in ids().iter().filter(|id| make_game(id).is_some()) {
        let mut env = AtariEnv::new(make_game(id).unwrap(), &cfg).unwrap();
        env.reset(Some(5));
        let mut rng = <GameRng as rand::SeedableRng>::seed_from_u64(9);
        let mut frame = Frame::new(SCREEN_W, SCREEN_H);
        let mut worst: f64 = 0.0;
        for t in 0..300 {
            let a = rand::RngExt::random_range(&mut rng, 0..env.num_actions());
            let step = env.step(a).unwrap();
            let fast = pixels(step.obs);
            let done = step.terminated || step.truncated;
            env.render(&mut frame);
            let reference = resize_gray_area(&frame.to_gray(), SCREEN_W, SCREEN_H, 84, 84);
            let mean = fast
                .iter()
                .zip(&reference)
                .map(|(a, b)| (*a as f64 - *b as f64).abs())
                .sum::<f64>()
                / fast.len() as f64;
            assert!(mean < bound(id), "{id} step {t}: mean abs difference {mean}");
            worst = worst.max(mean);
            if done {
                env.reset(None);
            }
        }
        println!("{id}: worst mean abs difference {worst:.4}");
    }
}
