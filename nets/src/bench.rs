//! Speed measurements for `dqn bench`: SegNet inference and the DQN update, the same work as the
//! PyTorch peers `benches/peers/torch_segnet.py` and `benches/peers/torch_learner.py`.
//!
//! These are measurements, not tests: they run for as long as `iters` says. Set the libtorch
//! thread count (`tch::set_num_threads`) before calling them, as the peers do.
use crate::{Adam, AdamConfig, NetError, QNet, QNetConfig, SegNet, SegNetConfig};
use std::time::Instant;
use tch::nn::VarStore;
use tch::{Device, Kind, Reduction, Tensor};

/// Untimed iterations before each measurement (allocator and kernel selection warm-up).
const WARMUP: usize = 3;

fn sync(device: Device) {
    if let Device::Cuda(i) = device {
        tch::Cuda::synchronize(i as i64);
    }
}

/// SegNet inference speed in images per second: batch 1, eval mode (BatchNorm running
/// statistics), no gradients, a random `[1, 3, h, w]` f32 image already on `device`.
pub fn segnet_inference(preset: &str, h: i64, w: i64, iters: usize, device: Device) -> Result<f64, NetError> {
    let cfg = SegNetConfig::preset(preset)?;
    let vs = VarStore::new(device);
    let net = SegNet::new(&vs.root(), &cfg)?;
    let x = Tensor::f_randn([1, cfg.in_channels, h, w], (Kind::Float, device))?;
    tch::no_grad(|| {
        for _ in 0..WARMUP {
            let _ = net.forward(&x, false)?;
        }
        sync(device);
        let start = Instant::now();
        for _ in 0..iters.max(1) {
            let _ = net.forward(&x, false)?;
        }
        sync(device);
        Ok(iters.max(1) as f64 / start.elapsed().as_secs_f64())
    })
}

/// Settings of [`dqn_update`].
#[derive(Debug, Clone)]
pub struct DqnBenchConfig {
    /// Transitions per update. CleanRL: 32.
    pub batch: i64,
    /// Timed updates.
    pub updates: usize,
    /// Timed batch-1 action selections.
    pub acts: usize,
    /// Double DQN target (action chosen by the online net) instead of max over the target net.
    pub double: bool,
    /// Where the networks and the batch live.
    pub device: Device,
}

impl Default for DqnBenchConfig {
    fn default() -> Self {
        DqnBenchConfig {
            batch: 32,
            updates: 30,
            acts: 300,
            double: false,
            device: Device::Cpu,
        }
    }
}

/// Result of [`dqn_update`].
#[derive(Debug, Clone, Copy)]
pub struct DqnBenchResult {
    /// Full DQN updates per second.
    pub updates_per_sec: f64,
    /// Batch-1 greedy actions per second (forward + argmax + read back).
    pub act_per_sec: f64,
    /// Parameters of the Q-network.
    pub parameters: i64,
}

/// Discount of the benchmark's TD target.
const GAMMA: f64 = 0.99;
/// Gradient-norm clip of the benchmark (SB3's default).
const MAX_GRAD_NORM: f64 = 10.0;
/// Learning rate of the benchmark (CleanRL Atari).
const LR: f64 = 1e-4;

/// Times the DQN update on Breakout-shaped data (Nature CNN, 4×84×84 u8, 4 actions), exactly as
/// `benches/peers/torch_learner.py` does: online forward on s, target forward on s′ without
/// gradients (plus an online forward on s′ when `double`), TD target r + γ·(1 − done)·Q_target,
/// Huber loss (δ = 1, mean), backward, clip the gradient norm to 10, Adam lr 1e-4. The batch is
/// random and stays on the device (replay sampling is not part of the measurement).
pub fn dqn_update(cfg: &DqnBenchConfig) -> Result<DqnBenchResult, NetError> {
    let device = cfg.device;
    let (obs_shape, n_actions) = ([4i64, 84, 84], 4i64);
    let online_vs = VarStore::new(device);
    let online = QNet::new(&online_vs.root(), &QNetConfig::nature(), &obs_shape, n_actions)?;
    let mut target_vs = VarStore::new(device);
    let target = QNet::new(&target_vs.root(), &QNetConfig::nature(), &obs_shape, n_actions)?;
    target_vs.copy(&online_vs)?;
    let mut adam = Adam::new(
        &online_vs,
        AdamConfig {
            lr: LR,
            ..AdamConfig::default()
        },
    )?;
    let parameters = online_vs.trainable_variables().iter().map(|t| t.numel() as i64).sum();

    let b = cfg.batch;
    let frames = [b, 4, 84, 84];
    let obs = Tensor::f_randint(256, frames, (Kind::Uint8, device))?;
    let next_obs = Tensor::f_randint(256, frames, (Kind::Uint8, device))?;
    let actions = Tensor::f_randint(n_actions, [b], (Kind::Int64, device))?;
    let rewards = Tensor::f_randn([b], (Kind::Float, device))?;
    let dones = Tensor::f_randint(2, [b], (Kind::Float, device))?;

    let mut update = || -> Result<(), NetError> {
        let next_q = tch::no_grad(|| -> Result<Tensor, NetError> {
            let q_target = target.forward(&next_obs, false)?;
            if cfg.double {
                let best = online.forward(&next_obs, false)?.f_argmax(1, true)?;
                Ok(q_target.f_gather(1, &best, false)?.f_squeeze_dim(1)?)
            } else {
                Ok(q_target.f_amax([1i64].as_slice(), false)?)
            }
        })?;
        let not_done = dones.f_mul_scalar(-1.0)?.f_add_scalar(1.0)?;
        let td_target = rewards.f_add(&not_done.f_mul(&next_q)?.f_mul_scalar(GAMMA)?)?;
        let q = online
            .forward(&obs, true)?
            .f_gather(1, &actions.f_unsqueeze(1)?, false)?
            .f_squeeze_dim(1)?;
        let loss = q.f_huber_loss(&td_target, Reduction::Mean, 1.0)?;
        adam.zero_grad();
        loss.f_backward()?;
        let _ = adam.clip_grad_norm(MAX_GRAD_NORM)?;
        adam.step()
    };
    for _ in 0..WARMUP {
        update()?;
    }
    sync(device);
    let start = Instant::now();
    for _ in 0..cfg.updates.max(1) {
        update()?;
    }
    sync(device);
    let updates_per_sec = cfg.updates.max(1) as f64 / start.elapsed().as_secs_f64();

    let one = Tensor::f_randint(256, [1, 4, 84, 84], (Kind::Uint8, Device::Cpu))?;
    let act = || -> Result<i64, NetError> {
        tch::no_grad(|| Ok(online.forward(&one, false)?.f_argmax(1, false)?.f_int64_value(&[0])?))
    };
    for _ in 0..WARMUP {
        act()?;
    }
    let start = Instant::now();
    for _ in 0..cfg.acts.max(1) {
        act()?;
    }
    let act_per_sec = cfg.acts.max(1) as f64 / start.elapsed().as_secs_f64();
    Ok(DqnBenchResult {
        updates_per_sec,
        act_per_sec,
        parameters,
    })
}
