//! The env registry: ONE table, [`REGISTRY`], with one entry per env that holds its id, its
//! description, its gymnasium name and its constructor. [`ids`], [`spec`], [`make_game`] and
//! [`make`] all read that table, and so does the Python package (`dqn_envs`), so a new env is
//! one new entry here and nothing else.

use crate::atari::AtariEnv;
use crate::config::EnvConfig;
use crate::env::{Env, EnvError};
use crate::game::Game;
use crate::games::{
    breakout::Breakout, cartpole::CartPole, driving::Driving, freeway::Freeway, invaders::Invaders, pong::Pong,
};

/// How a registered env is built.
#[derive(Clone, Copy)]
pub enum Constructor {
    /// An Atari-like game: the raw game, wrapped in [`AtariEnv`] with the [`EnvConfig`].
    Game(fn() -> Box<dyn Game>),
    /// A classic-control env that takes no preprocessing (the config is still checked).
    Plain(fn() -> Box<dyn Env>),
}

impl std::fmt::Debug for Constructor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Constructor::Game(_) => "Constructor::Game",
            Constructor::Plain(_) => "Constructor::Plain",
        })
    }
}

/// A registered env: its names, what it is and how to build it.
#[derive(Debug, Clone, Copy)]
pub struct EnvSpec {
    /// The id to pass to [`make`], e.g. `"breakout"`.
    pub id: &'static str,
    /// The gymnasium name in the `dqn_envs/` namespace of the Python package, e.g.
    /// `"Breakout-v0"` (`"CartPole-v1"` for the gymnasium-exact cartpole).
    pub gym_name: &'static str,
    /// One line about the env.
    pub description: &'static str,
    /// Whether observations are pixels (an Atari-like game); `false` for state vectors.
    pub pixels: bool,
    /// How [`make`] builds it.
    pub constructor: Constructor,
}

impl PartialEq for EnvSpec {
    /// Two specs are equal when they name the same env (ids are unique in [`REGISTRY`]).
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl Eq for EnvSpec {}

const fn game(
    id: &'static str,
    gym_name: &'static str,
    description: &'static str,
    build: fn() -> Box<dyn Game>,
) -> EnvSpec {
    EnvSpec {
        id,
        gym_name,
        description,
        pixels: true,
        constructor: Constructor::Game(build),
    }
}

/// Every registered env, in a fixed order (the order of `dqn list` and of [`ids`]).
pub static REGISTRY: [EnvSpec; 6] = [
    game(
        "breakout",
        "Breakout-v0",
        "Break a wall of bricks with a ball and paddle (Atari Breakout rules)",
        || Box::new(Breakout::default()),
    ),
    game(
        "pong",
        "Pong-v0",
        "Table tennis against a computer paddle; first to 21 (Atari Pong rules)",
        || Box::new(Pong::default()),
    ),
    game(
        "invaders",
        "Invaders-v0",
        "Shoot down descending rows of aliens from behind shields (Space Invaders)",
        || Box::new(Invaders::default()),
    ),
    game(
        "freeway",
        "Freeway-v0",
        "Guide a chicken across ten lanes of traffic against the clock (Freeway)",
        || Box::new(Freeway::default()),
    ),
    game(
        "driving",
        "Driving-v0",
        "Drive down a road, overtaking cars and avoiding crashes (a labelled street scene)",
        || Box::new(Driving::default()),
    ),
    EnvSpec {
        id: "cartpole",
        gym_name: "CartPole-v1",
        description: "Balance a pole on a cart (gymnasium CartPole-v1, 4 state variables)",
        pixels: false,
        constructor: Constructor::Plain(|| Box::new(CartPole::new())),
    },
];

/// The ids of [`REGISTRY`], in its order.
static IDS: [&str; REGISTRY.len()] = {
    let mut ids = [""; REGISTRY.len()];
    let mut i = 0;
    while i < REGISTRY.len() {
        ids[i] = REGISTRY[i].id;
        i += 1;
    }
    ids
};

/// Every registered id, in a fixed order.
pub fn ids() -> &'static [&'static str] {
    &IDS
}

/// The spec of `id`, if it is registered.
pub fn spec(id: &str) -> Option<EnvSpec> {
    REGISTRY.iter().find(|s| s.id == id).copied()
}

/// Whether [`make`] accepts `id` without starting anything: a registered id, or `gym:<id>` (the
/// bridge checks the gymnasium id itself when it starts the env).
pub fn is_known(id: &str) -> bool {
    spec(id).is_some() || crate::gym::is_gym_id(id)
}

/// Every registered spec, in the order of [`ids`].
pub fn specs() -> &'static [EnvSpec] {
    &REGISTRY
}

/// A fresh raw game for an Atari-like id (no preprocessing); `None` for cartpole and unknown ids.
pub fn make_game(id: &str) -> Option<Box<dyn Game>> {
    match spec(id)?.constructor {
        Constructor::Game(build) => Some(build()),
        Constructor::Plain(_) => None,
    }
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
    match spec(id).ok_or_else(|| unknown(id))?.constructor {
        Constructor::Game(build) => Ok(Box::new(AtariEnv::new(build(), cfg)?)),
        Constructor::Plain(build) => Ok(build()),
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
            let env = make(id, &EnvConfig::default()).unwrap();
            assert_eq!(env.observation_space().shape().len() == 3, spec.pixels, "{id}");
        }
    }

    #[test]
    fn ids_and_gym_names_are_unique() {
        for (i, a) in specs().iter().enumerate() {
            for b in &specs()[i + 1..] {
                assert!(a.id != b.id && a.gym_name != b.gym_name, "{} / {}", a.id, b.id);
            }
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
