//! # envs: Atari-like games with gymnasium semantics
//!
//! Native Rust games (breakout, pong, invaders, freeway, driving) and classic control (cartpole),
//! with ALE's preprocessing conventions, a vector env, an env checker, a GIF recorder and a minifb
//! viewer. This crate never depends on libtorch: anyone can use it for their own agents.
//!
//! ```
//! use envs::{make, EnvConfig};
//! let mut env = make("breakout", &EnvConfig::default()).unwrap();
//! let (_obs, _info) = env.reset(Some(0));
//! let step = env.step(1).unwrap();
//! assert!(!step.truncated);
//! ```
//!
//! Layers, from the bottom:
//! - [`scene::Scene`]: a display list of coloured, labelled rectangles. Every game draws into one,
//!   and it rasterises to a full RGB [`Frame`], straight to a small gray observation (the fast path),
//!   or to a per-pixel class map.
//! - [`game::Game`]: one raw game, advanced one 60 Hz frame at a time with ALE's 18 actions.
//! - [`atari::AtariEnv`]: a `Game` behind the ALE/CleanRL preprocessing wrappers, as an [`Env`].
//! - [`Env`]: the gymnasium-style trait, [`make`] builds any registered id, and any gymnasium
//!   env as `gym:<id>` through the [`gym`] bridge (a Python worker process).

pub mod atari;
pub mod bench;
pub mod checker;
pub mod class;
pub mod config;
pub mod controls;
pub mod env;
mod episode;
pub mod font;
pub mod frame;
pub mod game;
pub mod games;
pub mod gym;
pub mod hud;
pub mod palette;
pub mod play;
pub mod record;
pub mod registry;
pub mod scene;
pub mod screen;
pub mod seg_view;
pub mod space;
pub mod vec_env;
pub mod viewer;

pub use config::EnvConfig;
pub use env::{Env, EnvError, EpisodeStats, Info, Obs, Step};
pub use frame::Frame;
pub use game::{Action, Game};
pub use registry::{ids, is_known, make, spec, EnvSpec};
pub use scene::{Class, Scene};
pub use space::Space;
pub use vec_env::VecEnv;
