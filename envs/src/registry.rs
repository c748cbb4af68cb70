//! The env registry: every id that [`make`] can build, with a one-line description.

use crate::atari::AtariEnv;
use crate::config::EnvConfig;
use crate::env::{Env, EnvError};
use crate::game::Game;
use crate::games::{
    breakout::Breakout, cartpole::CartPole, driving::Driving, freeway::Freeway, invaders::Invaders, pong::Pong,
};

/// A registered env: its id and what it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnvSpec {
    /// The id to pass to [`make`], e.g. `"breakout"`.
    pub id: &'static str,
    /// One line about the env.
    pub description: &'static str,
    /// Whether observations are pixels (an Atari-like game); `false` for state vectors.
    pub pixels: bool,
}

const SPECS: [EnvSpec; 6] = [
    EnvSpec {
        id: "breakout",
        description: "Break a wall of bricks with a ball and paddle (Atari Breakout rules)",
        pixels: true,
    },
    EnvSpec {
        id: "pong",
        description: "Table tennis against a computer paddle; first to 21 (Atari Pong rules)",
        pixels: true,
    },
    EnvSpec {
        id: "invaders",
        description: "Shoot down descending rows of aliens from behind shields (Space Invaders)",
        pixels: true,
    },
    EnvSpec {
        id: "freeway",
        description: "Guide a chicken across ten lanes of traffic against the clock (Freeway)",
        pixels: true,
    },
    EnvSpec {
        id: "driving",
        description: "Drive down a road, overtaking cars and avoiding crashes (a labelled street scene)",
        pixels: true,
    },
    EnvSpec {
        id: "cartpole",
        description: "Balance a pole on a cart (gymnasium CartPole-v1, 4 state variables)",
        pixels: false,
    },
];

const IDS: [&str; 6] = ["breakout", "pong", "invaders", "freeway", "driving", "cartpole"];

/// Every registered id, in a fixed order.
pub fn ids() -> &'static [&'static str] {
    &IDS
}

/// The spec of `id`, if it is registered.
pub fn spec(id: &str) -> Option<EnvSpec> {
    SPECS.iter().find(|s| s.id == id).copied()
}

/// Whether [`make`] accepts `id` without starting anything: a registered id, or `gym:<id>` (the
/// bridge checks the gymnasium id itself when it starts the env).
pub fn is_known(id: &str) -> bool {
    spec(id).is_some() || crate::gym::is_gym_id(id)
}

/// Every registered spec, in the order of [`ids`].
pub fn specs() -> &'static [EnvSpec] {
    &SPECS
}

/// A fresh raw game for an Atari-like id (no preprocessing); `None` for cartpole and unknown ids.
pub fn make_game(id: &str) -> Option<Box<dyn Game>> {
    Some(match id {
        "breakout" => Box::new(Breakout::default()),
        "pong" => Box::new(Pong::default()),
        "invaders" => Box::new(Invaders::default()),
        "freeway" => Box::new(Freeway::default()),
        "driving" => Box::new(Driving::default()),
        _ => return None,
    })
}

/// Builds the env `id` with the preprocessing in `cfg`.
///
/// Atari-like games get every wrapper of [`EnvConfig`]; `gym:<id>` starts a gymnasium env in a
/// worker process (see [`crate::gym`]). Cartpole is gymnasium's CartPole-v1 and
/// uses none of them (its state, reward and 500-step limit are fixed), but the config is still
/// checked. Errors: [`EnvError::UnknownEnv`] (listing the known ids) or
/// [`EnvError::InvalidConfig`].
pub fn make(id: &str, cfg: &EnvConfig) -> Result<Box<dyn Env>, EnvError> {
    cfg.validate()?;
    if crate::gym::is_gym_id(id) {
        return Ok(Box::new(crate::gym::GymEnv::new(id, cfg)?));
    }
    if id == "cartpole" {
        return Ok(Box::new(CartPole::new()));
    }
    match make_game(id) {
        Some(game) => Ok(Box::new(AtariEnv::new(game, cfg)?)),
        None => Err(unknown(id)),
    }
}

/// The error for an id that is not registered.
pub fn unknown(id: &str) -> EnvError {
    EnvError::UnknownEnv {
        id: id.to_string(),
        known: format!("{}, or gym:<gymnasium id>", IDS.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_specs_and_games_agree() {
        assert_eq!(ids().len(), specs().len());
        for (id, spec) in ids().iter().zip(specs()) {
            assert_eq!(*id, spec.id);
            assert_eq!(make_game(id).map(|g| g.id()), spec.pixels.then_some(*id), "{id}");
            assert!(make(id, &EnvConfig::default()).is_ok(), "{id}");
        }
    }

    #[test]
    fn unknown_id_lists_the_known_ones() {
        let err = make("tetris", &EnvConfig::default()).err().unwrap();
        let msg = err.to_string();
        assert!(
            msg.contains("tetris") && msg.contains("breakout") && msg.contains("cartpole"),
            "{msg}"
        );
        assert!(spec("tetris").is_none());
        assert!(make_game("cartpole").is_none());
    }

    #[test]
    fn bad_config_is_an_error() {
        let cfg = EnvConfig {
            frame_skip: 0,
            ..EnvConfig::default()
        };
        assert!(matches!(make("breakout", &cfg), Err(EnvError::InvalidConfig(_))));
        assert!(matches!(make("cartpole", &cfg), Err(EnvError::InvalidConfig(_))));
    }
}
