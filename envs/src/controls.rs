//! What a person presses: the keys held in a window ([`KeyState`]) and, per game, the key map a
//! person would guess ([`KeyMap`]), with the one-line hint that the window shows.
//!
//! The games keep ALE's joystick semantics (in Pong, RIGHT moves the paddle up; in Driving, FIRE
//! accelerates). The key map translates the arrows into those actions, so that ↑ means "up" or
//! "faster" in every game. One key pauses everywhere: P.

use crate::game::Action;

/// Which keys are held down (and whether the pause key was just pressed).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KeyState {
    /// Left arrow.
    pub left: bool,
    /// Right arrow.
    pub right: bool,
    /// Up arrow.
    pub up: bool,
    /// Down arrow.
    pub down: bool,
    /// Space bar (the fire button).
    pub fire: bool,
    /// Escape (quit).
    pub escape: bool,
    /// [`PAUSE_KEY`] was pressed since the last update (pause toggle).
    pub pause_pressed: bool,
}

/// The name of the one pause key of `play`, `watch` and `segnet watch`.
pub const PAUSE_KEY: &str = "P";

/// How a game reads the arrows and the space bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyMap {
    /// ← → move, space fires (breakout, invaders).
    MoveFire,
    /// ↑ ↓ move a paddle that ALE drives with RIGHT (up) and LEFT (down) (pong).
    Paddle,
    /// ↑ ↓ move (freeway).
    UpDown,
    /// ↑ accelerates (ALE's FIRE), ↓ brakes, ← → steer (driving).
    Drive,
    /// ← → push the cart (cartpole's two actions).
    Push,
}

impl KeyMap {
    /// The key map of env `id` (unknown ids get [`KeyMap::MoveFire`]).
    pub fn of(id: &str) -> KeyMap {
        match id {
            "pong" => KeyMap::Paddle,
            "freeway" => KeyMap::UpDown,
            "driving" => KeyMap::Drive,
            "cartpole" => KeyMap::Push,
            _ => KeyMap::MoveFire,
        }
    }

    /// The game's keys as the window shows them, e.g. `"↑↓ MOVE"`. It names FIRE only where
    /// the game has it. (P pauses and Esc quits everywhere; the window says so beside it.)
    pub fn hint(self) -> &'static str {
        match self {
            KeyMap::MoveFire => "←→ MOVE  SPACE FIRE",
            KeyMap::Paddle | KeyMap::UpDown => "↑↓ MOVE",
            KeyMap::Drive => "↑ GAS  ↓ BRAKE  ←→ STEER",
            KeyMap::Push => "←→ PUSH THE CART",
        }
    }

    /// The full-action-set action (ALE's 18, see [`Action`]) that `keys` mean in this game.
    /// For [`KeyMap::Push`] it is cartpole's own action: 0 = push left, 1 = push right, and
    /// `None` when neither or both arrows are held (the caller picks a neutral push).
    pub fn action(self, keys: &KeyState) -> Option<usize> {
        let k = keys;
        let a = match self {
            KeyMap::MoveFire => Action::from_input(false, false, k.left, k.right, k.fire),
            KeyMap::Paddle => Action::from_input(false, false, k.down, k.up, false),
            KeyMap::UpDown => Action::from_input(k.up, k.down, false, false, false),
            KeyMap::Drive => Action::from_input(false, k.down, k.left, k.right, k.up && !k.down),
            KeyMap::Push => {
                return match (k.left, k.right) {
                    (true, false) => Some(0),
                    (false, true) => Some(1),
                    _ => None,
                }
            }
        };
        Some(a as usize)
    }
}

/// The word for a game's score in every HUD: cartpole's score is the number of steps the pole
/// stayed up, so it is called STEPS there; the Atari-like games say SCORE.
pub fn score_word(id: &str) -> &'static str {
    if id == "cartpole" {
        "STEPS"
    } else {
        "SCORE"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(f: impl FnOnce(&mut KeyState)) -> KeyState {
        let mut k = KeyState::default();
        f(&mut k);
        k
    }

    #[test]
    fn arrows_mean_what_a_person_guesses() {
        let up = keys(|k| k.up = true);
        let down = keys(|k| k.down = true);
        // Pong: ALE moves the paddle up with RIGHT and down with LEFT.
        assert_eq!(KeyMap::of("pong").action(&up), Some(Action::Right as usize));
        assert_eq!(KeyMap::of("pong").action(&down), Some(Action::Left as usize));
        // Driving: ↑ is the accelerator (FIRE), ↓ the brake, and ↑ with ← steers while accelerating.
        let drive = KeyMap::of("driving");
        assert_eq!(drive.action(&up), Some(Action::Fire as usize));
        assert_eq!(drive.action(&down), Some(Action::Down as usize));
        let up_left = keys(|k| {
            k.up = true;
            k.left = true
        });
        assert_eq!(drive.action(&up_left), Some(Action::LeftFire as usize));
        assert_eq!(KeyMap::of("freeway").action(&up), Some(Action::Up as usize));
        let fire = keys(|k| k.fire = true);
        assert_eq!(KeyMap::of("breakout").action(&fire), Some(Action::Fire as usize));
        assert_eq!(KeyMap::of("freeway").action(&fire), Some(Action::Noop as usize));
        assert_eq!(KeyMap::of("cartpole").action(&keys(|k| k.right = true)), Some(1));
        assert_eq!(KeyMap::of("cartpole").action(&KeyState::default()), None);
    }

    #[test]
    fn fire_is_offered_only_where_it_exists() {
        for id in ["pong", "freeway", "driving", "cartpole"] {
            assert!(!KeyMap::of(id).hint().contains("FIRE"), "{id}");
        }
        for id in ["breakout", "invaders"] {
            assert!(KeyMap::of(id).hint().contains("SPACE FIRE"), "{id}");
        }
        assert_eq!(score_word("cartpole"), "STEPS");
        assert_eq!(score_word("pong"), "SCORE");
    }
}
