//! How to add a game: a tiny "Catch" game, checked with `check_env` and run through `AtariEnv`.
//!
//! ```text
//! cargo run --release --example custom_env
//! ```
//!
//! Steps to add a game of your own to the toolkit:
//! 1. Write a struct holding the game state and implement [`envs::Game`] for it (plus `Default`):
//!    `minimal_actions` (the ALE actions it responds to), `reset`, `tick` (one 60 Hz frame: move
//!    things, return the points scored in that frame; take all randomness from the `rng`
//!    argument so a seed fixes the game), `lives`, `score`, `game_over`, and `draw`, which
//!    describes the 160×210 picture as rectangles in a [`envs::Scene`]. Draw the static parts
//!    (score, walls) first and moving sprites last: the gray fast path reuses the raster of an
//!    unchanged beginning of the display list. Return `true` from `uses_fire_to_start` if the
//!    game waits for FIRE.
//! 2. Wrap it: `AtariEnv::new(Box::new(MyGame::default()), &EnvConfig::default())` gives the
//!    ALE/DQN preprocessing (sticky actions, frame skip + max, 84×84 gray, stack, episodic
//!    life, ...). A game whose observation is not a picture implements [`envs::Env`] directly
//!    instead (see `envs/src/games/cartpole.rs`).
//! 3. Run [`envs::checker::check_env`] on it, as below: observations in their space, the same
//!    seed gives the same trajectory, a step after the end is an error, random play never panics.
//! 4. To make it available as `--env ID` everywhere, add it to `envs/src/games/mod.rs` and to the
//!    tables in `envs/src/registry.rs` (`SPECS`, `IDS`, `make_game`); `envs/tests/core_checker.rs`
//!    then checks it with every other registered env.

use envs::atari::AtariEnv;
use envs::checker::check_env;
use envs::game::{Action, Game, GameRng};
use envs::{Class, Env, EnvConfig, Scene};
use rand::RngExt;

/// Catch: a ball falls from the top; move the basket under it. +1 for a catch, a life lost for a
/// miss, 3 lives.
#[derive(Default)]
struct Catch {
    basket_x: f32,
    ball_x: f32,
    ball_y: f32,
    lives: u32,
    score: i64,
}

impl Catch {
    fn drop_ball(&mut self, rng: &mut GameRng) {
        self.ball_x = rng.random_range(8.0..148.0);
        self.ball_y = 20.0;
    }
}

impl Game for Catch {
    fn id(&self) -> &'static str {
        "catch"
    }
    fn minimal_actions(&self) -> &'static [Action] {
        &[Action::Noop, Action::Right, Action::Left]
    }
    fn reset(&mut self, rng: &mut GameRng) {
        *self = Catch {
            basket_x: 72.0,
            lives: 3,
            ..Catch::default()
        };
        self.drop_ball(rng);
    }
    fn tick(&mut self, action: Action, rng: &mut GameRng) -> f32 {
        if self.game_over() {
            return 0.0;
        }
        let dx = (action.right() as i32 - action.left() as i32) as f32 * 3.0;
        self.basket_x = (self.basket_x + dx).clamp(0.0, 144.0);
        self.ball_y += 2.0;
        if self.ball_y < 186.0 {
            return 0.0;
        }
        let caught = self.ball_x + 4.0 > self.basket_x && self.ball_x < self.basket_x + 16.0;
        self.drop_ball(rng);
        if caught {
            self.score += 1;
            1.0
        } else {
            self.lives -= 1;
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
        scene.clear([0, 0, 40], Class::Sky);
        scene.text(4.0, 4.0, &format!("{}", self.score), [236, 236, 236], 1.0);
        scene.rect_class(self.basket_x, 190.0, 16.0, 6.0, [200, 150, 60], Class::Car);
        scene.rect_class(self.ball_x, self.ball_y, 4.0, 4.0, [236, 236, 236], Class::Pedestrian);
    }
}

fn main() -> anyhow::Result<()> {
    let cfg = EnvConfig::default();
    let factory = || Ok(Box::new(AtariEnv::new(Box::new(Catch::default()), &cfg)?) as Box<dyn Env>);
    let report = check_env(&factory, 0, 2_000)?;
    println!(
        "check_env passed: {} random steps, {} episodes",
        report.steps, report.episodes
    );

    let mut env = factory()?;
    env.reset(Some(1));
    let (mut total, mut steps) = (0.0, 0);
    loop {
        // A hand-written policy that reads the game through the raw picture is beyond this
        // example; alternate moves instead and report what the env returns.
        let step = env.step(steps % 3)?;
        total += step.reward;
        steps += 1;
        if let Some(ep) = step.info.episode {
            println!(
                "episode over after {steps} steps: raw return {}, clipped sum {total}",
                ep.episode_return
            );
            break;
        }
        if step.terminated || step.truncated {
            env.reset(None);
        }
    }
    Ok(())
}
