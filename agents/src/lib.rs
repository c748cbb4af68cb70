//! # agents: DQN and the segmentation trainer
//!
//! - [`replay`]: a replay buffer that stores each frame once, with n-step returns and prioritized
//!   sampling ([`sum_tree`]).
//! - [`dqn`]: the DQN learner and training loop.
//! - [`seg`]: driving-scene data (CamVid layout), metrics and the SegNet trainer.
//! - [`tensorboard`]: a small TensorBoard event-file writer and reader.
//! - [`schedule`]: the linear ε (and β) schedules.
//! - [`fuzz`]: the bodies of the fuzz targets in `fuzz/`.

pub mod dqn;
pub mod fuzz;
pub mod replay;
pub mod run;
pub mod schedule;
pub mod seg;
pub mod sum_tree;
pub mod tensorboard;
