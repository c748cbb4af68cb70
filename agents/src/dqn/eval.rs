//! Evaluation: full episodes (game over or time limit, across lives) with ε-greedy actions.

use envs::{make, EnvConfig};
use nets::QNet;
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64Mcg;
use serde::{Deserialize, Serialize};
use tch::{Device, Tensor};

use super::eval_video::{EvalVideo, VideoCapture};
use super::stack::{FrameStack, ObsElement};
use super::DqnError;

/// A guard for envs without a time limit: an evaluation episode stops after this many steps.
const MAX_EVAL_STEPS: u64 = 200_000;

/// The result of an evaluation, as written to `eval.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct EvalResult {
    /// The env id.
    pub env: String,
    /// Mean episode return (unclipped game score).
    pub mean_return: f64,
    /// Standard deviation of the returns (population).
    pub std_return: f64,
    /// Episodes played.
    pub episodes: u32,
    /// ε of the ε-greedy policy (0 = greedy).
    pub epsilon: f64,
    /// Probability of sticky actions during evaluation.
    pub sticky_action_prob: f32,
    /// Every episode's return.
    pub returns: Vec<f64>,
    /// Every episode's length in agent steps.
    pub lengths: Vec<u64>,
    /// Seed of the first episode.
    pub seed: u64,
}

/// Picks the greedy action for one stacked observation and returns the Q-values too.
pub fn greedy_action<T: ObsElement>(net: &QNet, stack: &[T], obs_shape: &[i64]) -> Result<(usize, Vec<f32>), DqnError> {
    let mut shape = vec![1i64];
    shape.extend_from_slice(obs_shape);
    let x = Tensor::f_from_slice(stack)?.f_view(shape.as_slice())?;
    let q = tch::no_grad(|| net.forward(&x, false))?
        .f_to_device(Device::Cpu)?
        .f_view([-1i64])?;
    let q: Vec<f32> = Vec::try_from(&q)?;
    let best = q.iter().enumerate().fold(0, |b, (i, v)| if *v > q[b] { i } else { b });
    Ok((best, q))
}

/// Plays `episodes` full episodes with an ε-greedy policy over `net`. Returns the result and, if
/// `video_max_bytes > 0`, the first episode as a GIF of at most that many bytes (see
/// [`super::eval_video`]; `Err` says why there is none).
#[allow(clippy::too_many_arguments)]
pub fn evaluate<T: ObsElement>(
    net: &QNet,
    env_id: &str,
    env_cfg: &EnvConfig,
    frame_stack: usize,
    episodes: u32,
    epsilon: f64,
    seed: u64,
    video_max_bytes: u64,
) -> Result<(EvalResult, Option<Result<EvalVideo, String>>), DqnError> {
    let mut env = make(
        env_id,
        &EnvConfig {
            frame_stack: 1,
            ..env_cfg.clone()
        },
    )?;
    let n_actions = env.num_actions();
    let mut rng = Pcg64Mcg::seed_from_u64(seed ^ 0xe7a1);
    let obs_shape = net.obs_shape().to_vec();
    let (mut returns, mut lengths) = (Vec::new(), Vec::new());
    let mut video = (video_max_bytes > 0).then(|| VideoCapture::new(env_id, env_cfg.frame_skip, video_max_bytes));
    for episode in 0..episodes {
        let (obs, _) = env.reset(Some(seed.wrapping_add(episode as u64)));
        let first = T::frame(&obs)?;
        let mut stack = FrameStack::new(frame_stack, first.len());
        stack.reset(first);
        let mut capture = if episode == 0 { video.as_mut() } else { None };
        if let Some(c) = capture.as_deref_mut() {
            c.offer(env.as_ref());
        }
        let mut steps = 0u64;
        let mut total = 0.0;
        loop {
            let action = if rng.random::<f64>() < epsilon {
                rng.random_range(0..n_actions)
            } else {
                greedy_action(net, stack.as_slice(), &obs_shape)?.0
            };
            let step = env.step(action)?;
            steps += 1;
            let frame = T::frame(&step.obs)?;
            stack.push(frame);
            total += step.reward as f64;
            let done = step.terminated || step.truncated;
            let finished = step.info.episode;
            if let Some(c) = capture.as_deref_mut() {
                c.offer(env.as_ref());
            }
            if let Some(ep) = finished {
                returns.push(ep.episode_return);
                lengths.push(ep.length);
                break;
            }
            if steps >= MAX_EVAL_STEPS {
                returns.push(total);
                lengths.push(steps);
                break;
            }
            if done {
                // A lost life with episodic life on: the game goes on after reset().
                let (obs, _) = env.reset(None);
                let first = T::frame(&obs)?;
                stack.reset(first);
            }
        }
    }
    let n = returns.len().max(1) as f64;
    let mean = returns.iter().sum::<f64>() / n;
    let std = (returns.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / n).sqrt();
    let video = video.map(VideoCapture::finish);
    Ok((
        EvalResult {
            env: env_id.to_string(),
            mean_return: mean,
            std_return: std,
            episodes: returns.len() as u32,
            epsilon,
            sticky_action_prob: env_cfg.sticky_action_prob,
            returns,
            lengths,
            seed,
        },
        video,
    ))
}
