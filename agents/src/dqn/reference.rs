//! The whole DQN algorithm as one sequential loop, CleanRL `dqn.py` style, on the same
//! [`Learner`], replay buffer and envs as `dqn train`. It teaches; it is not a second trainer: no
//! logging, checkpoints or evaluation, one env. `dqn train` with `run.pipeline_depth = 0` makes
//! exactly the same updates for the same seed (a test checks the losses), so this loop is the
//! specification the pipelined trainer ([`super::train`]) is held to.

use envs::{Space, VecEnv};
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64Mcg;
use tch::{Device, Tensor};

use super::config::TrainConfig;
use super::learner::{Learner, NetCopy, TensorBatch};
use super::stack::{FrameStack, ObsElement};
use super::train::obs_shape;
use super::DqnError;
use crate::replay::{Batch, ReplayBuffer};
use crate::schedule::LinearSchedule;

/// Trains `cfg` (one env) sequentially and returns the TD loss of every update, in order.
pub fn reference_losses(cfg: &TrainConfig) -> Result<Vec<f64>, DqnError> {
    cfg.validate()?;
    if cfg.dqn.num_envs != 1 {
        return Err(DqnError::Config(
            "the reference loop runs one env (dqn.num_envs = 1)".into(),
        ));
    }
    let pixels = matches!(
        envs::make(&cfg.env_id, &cfg.training_env_config())?.observation_space(),
        Space::Box {
            dtype: envs::space::Dtype::U8,
            ..
        }
    );
    if pixels {
        run::<u8>(cfg)
    } else {
        run::<f32>(cfg)
    }
}

fn run<T: ObsElement>(cfg: &TrainConfig) -> Result<Vec<f64>, DqnError> {
    let (d, seed) = (&cfg.dqn, cfg.run.seed);
    let device = nets::parse_device(&cfg.run.device)?;
    tch::manual_seed(seed as i64);
    let (shape, _, n_actions) = obs_shape(cfg)?;
    // Q-network θ, its Adam, and the target network θ' ← θ.
    let mut learner = Learner::new(&cfg.net, d, &shape, n_actions, device)?;
    learner.set_precision(cfg.run.precision)?;
    let mut target = NetCopy::new(&cfg.net, &shape, n_actions, device)?;
    target.load_snapshot(&learner.online.snapshot())?;

    let mut envs = VecEnv::with_threads(&cfg.env_id, &cfg.training_env_config(), 1, 1, seed)?;
    envs.reset(Some(seed))?;
    let frame_len = envs.obs_len();
    let mut replay = ReplayBuffer::<T>::new(d.replay_config(frame_len, 1))?;
    let mut stack = FrameStack::new(d.frame_stack, frame_len);
    let first = T::frames(&envs)?.to_vec();
    stack.reset(&first);
    replay.start_episode(0, &first)?;

    // The same generator and schedules as the actor thread.
    let mut rng = Pcg64Mcg::seed_from_u64(seed ^ 0x5eed_ac70);
    let eps = LinearSchedule {
        start: d.eps_start,
        end: d.eps_end,
        duration: (d.eps_fraction * d.total_steps as f64) as u64,
    };
    let beta = LinearSchedule {
        start: d.per_beta0 as f64,
        end: 1.0,
        duration: d.total_steps,
    };
    let (mut losses, mut batch, mut was_done) = (Vec::new(), Batch::<T>::default(), false);
    let mut input_shape = vec![1];
    input_shape.extend_from_slice(&shape);

    for step in 0..d.total_steps {
        // 1. ε-greedy action.
        let action = if rng.random::<f64>() < eps.value(step) {
            rng.random_range(0..n_actions as usize)
        } else {
            let x = Tensor::f_from_slice(stack.as_slice())?.f_view(input_shape.as_slice())?;
            let q = tch::no_grad(|| learner.online.net.forward(&x, false))?;
            q.f_argmax(1, false)?.f_to_device(Device::Cpu)?.f_int64_value(&[0])? as usize
        };
        // 2. Step the env and store the transition (the step after an episode end is its reset).
        envs.step(&[action])?;
        let frame = T::frames(&envs)?;
        let (reward, term, trunc) = (envs.rewards()[0], envs.terminated()[0], envs.truncated()[0]);
        if was_done {
            replay.start_episode(0, frame)?;
            stack.reset(frame);
            was_done = false;
        } else {
            replay.push(0, action, reward, frame, term, trunc)?;
            stack.push(frame);
            was_done = term || trunc;
        }
        let now = step + 1;
        if now <= d.learning_starts {
            continue;
        }
        // 3. Every train_freq steps: gradient steps on sampled batches, TD targets from θ'.
        // (PER priorities are applied after all of a step's batches, as the actor thread does.)
        if now.is_multiple_of(d.train_freq) {
            let mut priorities = Vec::new();
            for _ in 0..d.gradient_steps {
                replay.sample(d.batch_size, beta.value(now) as f32, &mut rng, &mut batch)?;
                let online = &learner.online;
                let tb = TensorBatch::from_replay(&batch, &shape, device, online, &target, d, cfg.run.precision)?;
                if let Some(lr) = d.learning_rate_at(now) {
                    learner.adam.set_lr(lr);
                }
                let stats = learner.update(&tb, true)?;
                losses.push(stats.loss);
                priorities.push((batch.indices.clone(), stats.td_abs));
            }
            for (indices, td) in priorities.iter().filter(|_| d.prioritized) {
                replay.update_priorities(indices, td)?;
            }
        }
        // 4. Every target_update_freq steps: θ' ← τθ + (1 − τ)θ'.
        if now.is_multiple_of(d.target_update_freq) {
            target.blend_snapshot(&learner.online.snapshot(), d.tau)?;
        }
    }
    Ok(losses)
}
