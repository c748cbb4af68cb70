//! [`check_env`]: checks that an env keeps the [`Env`] contract, like gymnasium's `check_env`.
//!
//! It builds two envs from a factory and checks that:
//! - the action space is `Discrete(n)` with `n > 0`, and the observation space is a `Box`;
//! - `step` before `reset` is [`EnvError::NotReset`], an out-of-range action is
//!   [`EnvError::InvalidAction`], and a step after `terminated`/`truncated` is
//!   [`EnvError::StepAfterDone`];
//! - every observation lies in the observation space (size, dtype, bounds, pixel shape), and
//!   rewards are finite;
//! - the same seed and the same actions give the same trajectory, in both envs, and again after
//!   re-seeding;
//! - random actions never panic, and `render` fills a frame of `render_size()`.

use rand::{RngExt, SeedableRng};

use crate::env::{Env, EnvError, Obs};
use crate::frame::Frame;
use crate::game::GameRng;
use crate::space::{Dtype, Space};

/// What a passing check saw.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckReport {
    /// Random steps taken in the first env.
    pub steps: u64,
    /// Episodes that ended (terminated or truncated) during those steps.
    pub episodes: u64,
}

/// Why an env failed the check.
#[derive(Debug, thiserror::Error, Clone, PartialEq)]
pub enum CheckError {
    /// The factory could not build the env.
    #[error("could not build the env: {0}")]
    Make(#[from] EnvError),
    /// A rule of the [`Env`] contract was broken.
    #[error("env check failed: {0}")]
    Broken(String),
}

fn broken<T>(msg: impl Into<String>) -> Result<T, CheckError> {
    Err(CheckError::Broken(msg.into()))
}

/// An owned copy of one step, for comparing trajectories.
#[derive(Debug, Clone, PartialEq)]
struct Record {
    pixels: Vec<u8>,
    vector: Vec<f32>,
    reward: f32,
    terminated: bool,
    truncated: bool,
}

fn check_obs(space: &Space, obs: Obs<'_>, when: &str) -> Result<(), CheckError> {
    match (obs, space) {
        (
            Obs::Pixels { data, shape },
            Space::Box {
                shape: want,
                dtype: Dtype::U8,
                ..
            },
        ) => {
            if shape.as_slice() != want.as_slice() {
                return broken(format!(
                    "{when}: pixel shape {shape:?} differs from the space's {want:?}"
                ));
            }
            if !space.contains_u8(data) {
                return broken(format!(
                    "{when}: {} bytes of pixels, the space {space} needs {}",
                    data.len(),
                    space.flat_size()
                ));
            }
        }
        (Obs::Vector(v), Space::Box { dtype: Dtype::F32, .. }) => {
            if !space.contains_f32(v) {
                return broken(format!("{when}: observation {v:?} is outside {space}"));
            }
        }
        _ => return broken(format!("{when}: observation kind does not match the space {space}")),
    }
    Ok(())
}

fn record(obs: Obs<'_>, reward: f32, terminated: bool, truncated: bool) -> Record {
    Record {
        pixels: obs.pixels().map(<[u8]>::to_vec).unwrap_or_default(),
        vector: obs.vector().map(<[f32]>::to_vec).unwrap_or_default(),
        reward,
        terminated,
        truncated,
    }
}

/// Runs `steps` seeded random actions (resetting after each episode) and returns the trajectory.
fn rollout(env: &mut dyn Env, seed: u64, steps: u64, n: usize) -> Result<(Vec<Record>, u64), CheckError> {
    let space = env.observation_space();
    let mut actions = GameRng::seed_from_u64(seed ^ ACTION_SALT);
    let mut out = Vec::with_capacity(steps as usize + 1);
    let (obs, _) = env.reset(Some(seed));
    check_obs(&space, obs, "reset")?;
    out.push(record(obs, 0.0, false, false));
    let mut episodes = 0;
    for t in 0..steps {
        let a = actions.random_range(0..n);
        let step = env
            .step(a)
            .map_err(|e| CheckError::Broken(format!("step {t} with action {a} failed: {e}")))?;
        check_obs(&space, step.obs, &format!("step {t}"))?;
        if !step.reward.is_finite() {
            return broken(format!("step {t}: reward {} is not finite", step.reward));
        }
        out.push(record(step.obs, step.reward, step.terminated, step.truncated));
        if step.terminated || step.truncated {
            episodes += 1;
            match env.step(0) {
                Err(EnvError::StepAfterDone) => {}
                other => {
                    return broken(format!(
                        "step after the end of an episode gave {other:?}, not StepAfterDone"
                    ))
                }
            }
            let (obs, _) = env.reset(None);
            check_obs(&space, obs, "reset after an episode")?;
            out.push(record(obs, 0.0, false, false));
        }
    }
    Ok((out, episodes))
}

/// Mixed into the seed of the action stream, so that it differs from the env's own stream.
const ACTION_SALT: u64 = 0x9e37_79b9_7f4a_7c15;

/// Checks the env built by `factory` with `steps` random steps from `seed`; see the module
/// documentation for the rules.
pub fn check_env(
    factory: &dyn Fn() -> Result<Box<dyn Env>, EnvError>,
    seed: u64,
    steps: u64,
) -> Result<CheckReport, CheckError> {
    let mut env = factory()?;
    let n = match env.action_space() {
        Space::Discrete(n) if n > 0 => n,
        other => return broken(format!("action space must be Discrete(n > 0), got {other}")),
    };
    if !matches!(env.observation_space(), Space::Box { .. }) {
        return broken(format!(
            "observation space must be a Box, got {}",
            env.observation_space()
        ));
    }
    if env.action_meanings().len() != n {
        return broken(format!(
            "{} action meanings for {n} actions",
            env.action_meanings().len()
        ));
    }
    match env.step(0) {
        Err(EnvError::NotReset) => {}
        other => return broken(format!("step before reset gave {other:?}, not NotReset")),
    }
    env.reset(Some(seed));
    match env.step(n) {
        Err(EnvError::InvalidAction { action, n: got }) if action == n && got == n => {}
        other => return broken(format!("action {n} of {n} gave {other:?}, not InvalidAction")),
    }
    let (first, episodes) = rollout(env.as_mut(), seed, steps, n)?;
    let mut twin = factory()?;
    let (second, _) = rollout(twin.as_mut(), seed, steps, n)?;
    compare(&first, &second, "a second env with the same seed")?;
    let (again, _) = rollout(env.as_mut(), seed, steps, n)?;
    compare(&first, &again, "the same env re-seeded")?;

    let mut frame = Frame::new(1, 1);
    env.render(&mut frame);
    if (frame.width, frame.height) != env.render_size() || frame.data.len() != frame.width * frame.height * 3 {
        return broken(format!(
            "render drew {}×{}, render_size() says {:?}",
            frame.width,
            frame.height,
            env.render_size()
        ));
    }
    Ok(CheckReport { steps, episodes })
}

fn compare(a: &[Record], b: &[Record], what: &str) -> Result<(), CheckError> {
    if let Some(i) = a.iter().zip(b).position(|(x, y)| x != y) {
        return broken(format!("same seed and actions, but {what} diverged at record {i}"));
    }
    if a.len() != b.len() {
        return broken(format!("{what} produced {} records, not {}", b.len(), a.len()));
    }
    Ok(())
}
