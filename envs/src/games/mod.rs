//! The games. Each Atari-like game implements [`crate::Game`] and `Default`; cartpole implements
//! [`crate::Env`] directly, since its observation is a state vector.

pub mod breakout;
pub mod cartpole;
pub mod driving;
pub mod freeway;
pub mod invaders;
pub mod pong;
