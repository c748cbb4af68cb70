//! The raw [`Game`] trait: one Atari-like game, advanced one 60 Hz frame at a time with ALE's
//! 18 actions. Preprocessing (frame skip, sticky actions, ...) lives in [`crate::atari`].

use crate::scene::Scene;

/// The random generator every game uses: portable and stable across versions, so a seed fixes a
/// trajectory on every machine.
pub type GameRng = rand_pcg::Pcg64Mcg;

/// Logical screen width of the Atari-like games.
pub const SCREEN_W: usize = 160;
/// Logical screen height of the Atari-like games.
pub const SCREEN_H: usize = 210;

/// ALE's full action set, in ALE's order (the index is the full-action-set action id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Action {
    Noop = 0,
    Fire,
    Up,
    Right,
    Left,
    Down,
    UpRight,
    UpLeft,
    DownRight,
    DownLeft,
    UpFire,
    RightFire,
    LeftFire,
    DownFire,
    UpRightFire,
    UpLeftFire,
    DownRightFire,
    DownLeftFire,
}

impl Action {
    /// ALE's minimal action set of Pong and Space Invaders: no-op, fire, right, left and the two
    /// moves with fire.
    pub const MOVE_AND_FIRE: [Action; 6] = [
        Action::Noop,
        Action::Fire,
        Action::Right,
        Action::Left,
        Action::RightFire,
        Action::LeftFire,
    ];

    /// All 18 actions, in ALE order.
    pub const ALL: [Action; 18] = [
        Action::Noop,
        Action::Fire,
        Action::Up,
        Action::Right,
        Action::Left,
        Action::Down,
        Action::UpRight,
        Action::UpLeft,
        Action::DownRight,
        Action::DownLeft,
        Action::UpFire,
        Action::RightFire,
        Action::LeftFire,
        Action::DownFire,
        Action::UpRightFire,
        Action::UpLeftFire,
        Action::DownRightFire,
        Action::DownLeftFire,
    ];

    /// ALE's name of the action.
    pub fn name(self) -> &'static str {
        [
            "NOOP",
            "FIRE",
            "UP",
            "RIGHT",
            "LEFT",
            "DOWN",
            "UPRIGHT",
            "UPLEFT",
            "DOWNRIGHT",
            "DOWNLEFT",
            "UPFIRE",
            "RIGHTFIRE",
            "LEFTFIRE",
            "DOWNFIRE",
            "UPRIGHTFIRE",
            "UPLEFTFIRE",
            "DOWNRIGHTFIRE",
            "DOWNLEFTFIRE",
        ][self as usize]
    }
    /// Whether the fire button is pressed.
    pub fn fire(self) -> bool {
        matches!(
            self,
            Action::Fire
                | Action::UpFire
                | Action::RightFire
                | Action::LeftFire
                | Action::DownFire
                | Action::UpRightFire
                | Action::UpLeftFire
                | Action::DownRightFire
                | Action::DownLeftFire
        )
    }
    /// Whether the joystick points up (up, up-left or up-right).
    pub fn up(self) -> bool {
        matches!(
            self,
            Action::Up | Action::UpRight | Action::UpLeft | Action::UpFire | Action::UpRightFire | Action::UpLeftFire
        )
    }
    /// Whether the joystick points down.
    pub fn down(self) -> bool {
        matches!(
            self,
            Action::Down
                | Action::DownRight
                | Action::DownLeft
                | Action::DownFire
                | Action::DownRightFire
                | Action::DownLeftFire
        )
    }
    /// Whether the joystick points left.
    pub fn left(self) -> bool {
        matches!(
            self,
            Action::Left
                | Action::UpLeft
                | Action::DownLeft
                | Action::LeftFire
                | Action::UpLeftFire
                | Action::DownLeftFire
        )
    }
    /// Whether the joystick points right.
    pub fn right(self) -> bool {
        matches!(
            self,
            Action::Right
                | Action::UpRight
                | Action::DownRight
                | Action::RightFire
                | Action::UpRightFire
                | Action::DownRightFire
        )
    }
    /// The action from joystick directions and the fire button (for human play).
    pub fn from_input(up: bool, down: bool, left: bool, right: bool, fire: bool) -> Action {
        let v = if up && !down {
            1
        } else if down && !up {
            -1
        } else {
            0
        };
        let h = if right && !left {
            1
        } else if left && !right {
            -1
        } else {
            0
        };
        use Action::*;
        match (v, h, fire) {
            (0, 0, false) => Noop,
            (0, 0, true) => Fire,
            (1, 0, false) => Up,
            (0, 1, false) => Right,
            (0, -1, false) => Left,
            (-1, 0, false) => Down,
            (1, 1, false) => UpRight,
            (1, -1, false) => UpLeft,
            (-1, 1, false) => DownRight,
            (-1, -1, false) => DownLeft,
            (1, 0, true) => UpFire,
            (0, 1, true) => RightFire,
            (0, -1, true) => LeftFire,
            (-1, 0, true) => DownFire,
            (1, 1, true) => UpRightFire,
            (1, -1, true) => UpLeftFire,
            (-1, 1, true) => DownRightFire,
            _ => DownLeftFire,
        }
    }
}

/// One Atari-like game. Everything random comes from the `rng` argument, so the same seed and the
/// same actions give the same game.
pub trait Game: Send {
    /// The registry id, e.g. `"breakout"`.
    fn id(&self) -> &'static str;
    /// The minimal action set (ALE's reduced set), in the order agents index it.
    fn minimal_actions(&self) -> &'static [Action];
    /// Starts a new game (full lives, score 0).
    fn reset(&mut self, rng: &mut GameRng);
    /// Advances one 60 Hz frame and returns the points scored in it.
    fn tick(&mut self, action: Action, rng: &mut GameRng) -> f32;
    /// Lives left (0 for games without lives).
    fn lives(&self) -> u32;
    /// The score so far.
    fn score(&self) -> i64;
    /// Whether the game is over.
    fn game_over(&self) -> bool;
    /// Draws the current picture into `scene` (logical size [`SCREEN_W`]×[`SCREEN_H`]); the scene
    /// has been cleared by the caller only if the game does not clear it itself, so games start
    /// with `scene.clear(..)`.
    fn draw(&self, scene: &mut Scene);
    /// Whether the game waits for FIRE to start or to serve after a lost life (ALE's fire reset).
    fn uses_fire_to_start(&self) -> bool {
        false
    }
}
