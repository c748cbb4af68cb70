//! PLACEHOLDER being replaced by the real game: an empty screen that ends after 600 frames.

use crate::game::{Action, Game, GameRng};
use crate::scene::{Class, Scene};

/// Placeholder for the real game (being written).
#[derive(Debug, Default, Clone)]
pub struct Breakout {
    frames: u32,
}

impl Game for Breakout {
    fn id(&self) -> &'static str {
        "breakout"
    }
    fn minimal_actions(&self) -> &'static [Action] {
        &[Action::Noop, Action::Fire, Action::Right, Action::Left]
    }
    fn reset(&mut self, _rng: &mut GameRng) {
        self.frames = 0;
    }
    fn tick(&mut self, _action: Action, _rng: &mut GameRng) -> f32 {
        self.frames += 1;
        0.0
    }
    fn lives(&self) -> u32 {
        0
    }
    fn score(&self) -> i64 {
        0
    }
    fn game_over(&self) -> bool {
        self.frames >= 600
    }
    fn draw(&self, scene: &mut Scene) {
        scene.clear([0, 0, 0], Class::Void);
    }
}
