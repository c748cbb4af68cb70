//! Speed measurements for `dqn bench`: SegNet inference and the DQN update, the same work as the
//! PyTorch peers `benches/peers/torch_segnet.py` and `benches/peers/torch_learner.py`.
//!
//! These are measurements, not tests: they run for as long as `iters` says. Set the libtorch
//! thread count (`tch::set_num_threads`) before calling them, as the peers do.
use crate::quant::Int8Head;
use crate::{Adam, AdamConfig, NetError, Precision, QNet, QNetConfig, SegNet, SegNetConfig};
use std::collections::HashMap;
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
/// statistics), no gradients, a random `[1, 3, h, w]` f32 image already on `device`, the forward
/// under `precision`'s autocast.
pub fn segnet_inference(
    preset: &str,
    h: i64,
    w: i64,
    iters: usize,
    device: Device,
    precision: Precision,
) -> Result<f64, NetError> {
    let _autocast = precision.autocast(device)?;
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
/// Breakout's action count, the Q-network's output width in the DQN benchmarks.
const N_ACTIONS: i64 = 4;

/// The Nature-CNN online and target networks (same weights) and Adam (lr [`LR`]) on the online
/// one: what both DQN update benchmarks start from.
struct BenchNets {
    online_vs: VarStore,
    online: QNet,
    target_vs: VarStore,
    target: QNet,
    adam: Adam,
}

impl BenchNets {
    fn new(device: Device) -> Result<Self, NetError> {
        let obs_shape = [4i64, 84, 84];
        let online_vs = VarStore::new(device);
        let online = QNet::new(&online_vs.root(), &QNetConfig::nature(), &obs_shape, N_ACTIONS)?;
        let mut target_vs = VarStore::new(device);
        let target = QNet::new(&target_vs.root(), &QNetConfig::nature(), &obs_shape, N_ACTIONS)?;
        target_vs.copy(&online_vs)?;
        let adam = Adam::new(
            &online_vs,
            AdamConfig {
                lr: LR,
                ..AdamConfig::default()
            },
        )?;
        Ok(Self {
            online_vs,
            online,
            target_vs,
            target,
            adam,
        })
    }
}

/// Times the DQN update on Breakout-shaped data (Nature CNN, 4×84×84 u8, 4 actions), exactly as
/// `benches/peers/torch_learner.py` does: online forward on s, target forward on s′ without
/// gradients (plus an online forward on s′ when `double`), TD target r + γ·(1 − done)·Q_target,
/// Huber loss (δ = 1, mean), backward, clip the gradient norm to 10, Adam lr 1e-4. The batch is
/// random and stays on the device (replay sampling is not part of the measurement).
pub fn dqn_update(cfg: &DqnBenchConfig) -> Result<DqnBenchResult, NetError> {
    let device = cfg.device;
    let n_actions = N_ACTIONS;
    let BenchNets {
        online_vs,
        online,
        target,
        mut adam,
        ..
    } = BenchNets::new(device)?;
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
        huber_step(&mut adam, &q, &td_target)
    };
    let updates_per_sec = per_second(cfg.updates, device, &mut update)?;

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

/// One Nature-CNN update costs this many floating-point operations at batch 32 (a multiply-add
/// counts 2): forward MACs per sample are conv1 12,800·256 + conv2 5,184·512 + conv3 3,136·576 +
/// fc1 3,136·512 + out 512·4 = 9,345,024, so one batch-32 forward is 598.1 MFLOP. An update does
/// the target forward, the online forward and a backward of twice the forward, less conv1's input
/// gradient (the u8 input needs none, 32·2·3,276,800 FLOP): 4 · 598.1 − 209.7 = 2,182.6 MFLOP.
pub const NATURE_UPDATE_FLOP: f64 = 4.0 * 32.0 * 2.0 * 9_345_024.0 - 32.0 * 2.0 * 3_276_800.0;

/// The Nature CNN's forward with explicit casts: every weight and the input are cast to `kind`
/// inside the autograd graph (gradients reach the f32 masters through the casts), the Q-values
/// come back as f32. obs: [B, 4, 84, 84] u8 → [B, A] f32.
fn nature_forward_cast(vars: &HashMap<String, Tensor>, obs: &Tensor, kind: Kind) -> Result<Tensor, NetError> {
    let w = |name: &str| -> Result<Tensor, NetError> {
        let t = vars
            .get(name)
            .ok_or_else(|| NetError::Config(format!("explicit-cast forward: no variable {name}")))?;
        Ok(t.f_to_kind(kind)?)
    };
    let mut x = obs.f_to_kind(kind)?.f_mul_scalar(1.0 / 255.0)?;
    for (i, s) in [(1, 4i64), (2, 2), (3, 1)] {
        let (wt, b) = (
            w(&format!("backbone.conv{i}.weight"))?,
            w(&format!("backbone.conv{i}.bias"))?,
        );
        x = x.f_conv2d(&wt, Some(&b), [s, s], [0, 0], [1, 1], 1)?.f_relu()?;
    }
    let x = x.f_flatten(1, -1)?;
    let x = x
        .f_linear(&w("head.fc1.weight")?, Some(&w("head.fc1.bias")?))?
        .f_relu()?;
    Ok(x.f_linear(&w("head.out.weight")?, Some(&w("head.out.bias")?))?
        .f_to_kind(Kind::Float)?)
}

/// Updates per second of the same DQN update as `dqn bench learner` (plain DQN target, Huber,
/// clip 10, Adam 1e-4, batch 32 of u8 4×84×84, on the CPU) done with explicit casts to `kind`
/// instead of autocast: the alternative to [`Precision::autocast`] that issue 11 asks to measure.
pub fn explicit_cast_updates(kind: Kind, updates: usize) -> Result<f64, NetError> {
    let device = Device::Cpu;
    let n_actions = N_ACTIONS;
    let BenchNets {
        online_vs,
        target_vs,
        mut adam,
        ..
    } = BenchNets::new(device)?;
    let (online, target) = (online_vs.variables(), target_vs.variables());
    let b = 32i64;
    let obs = Tensor::f_randint(256, [b, 4, 84, 84], (Kind::Uint8, device))?;
    let next_obs = Tensor::f_randint(256, [b, 4, 84, 84], (Kind::Uint8, device))?;
    let actions = Tensor::f_randint(n_actions, [b, 1], (Kind::Int64, device))?;
    let returns = Tensor::f_rand([b], (Kind::Float, device))?;
    let mut update = || -> Result<(), NetError> {
        let next_q = tch::no_grad(|| nature_forward_cast(&target, &next_obs, kind))?;
        let td = returns.f_add(&next_q.f_amax([1i64].as_slice(), false)?.f_mul_scalar(GAMMA)?)?;
        let q = nature_forward_cast(&online, &obs, kind)?
            .f_gather(1, &actions, false)?
            .f_squeeze_dim(1)?;
        huber_step(&mut adam, &q, &td)
    };
    per_second(updates, device, &mut update)
}

/// One optimiser step on the Huber loss (δ = 1, mean) of `q` against `target`, the gradient norm
/// clipped to [`MAX_GRAD_NORM`].
fn huber_step(adam: &mut Adam, q: &Tensor, target: &Tensor) -> Result<(), NetError> {
    let loss = q.f_huber_loss(target, Reduction::Mean, 1.0)?;
    adam.zero_grad();
    loss.f_backward()?;
    let _ = adam.clip_grad_norm(MAX_GRAD_NORM)?;
    adam.step()
}

/// Runs `f` [`WARMUP`] times untimed, then `n` (at least 1) times timed, and returns the calls
/// per second (waiting for the device's queued work on both ends of the timing).
fn per_second(n: usize, device: Device, f: &mut dyn FnMut() -> Result<(), NetError>) -> Result<f64, NetError> {
    for _ in 0..WARMUP {
        f()?;
    }
    sync(device);
    let start = Instant::now();
    for _ in 0..n.max(1) {
        f()?;
    }
    sync(device);
    Ok(n.max(1) as f64 / start.elapsed().as_secs_f64())
}

/// Batch-1 greedy actions per second of `net` (forward + argmax + read back) in three forms: f32,
/// bf16 autocast, and the int8 head ([`Int8Head`]) over the f32 torso. The last is `None` for a
/// head that cannot be quantised (dueling) or off the CPU.
#[derive(Debug, Clone, Copy)]
pub struct ActRates {
    /// f32.
    pub fp32: f64,
    /// bf16 autocast.
    pub bf16: f64,
    /// int8 dynamic quantisation of the head's linear layers.
    pub int8: Option<f64>,
}

/// Measures [`ActRates`] with `acts` timed forwards each, on a random u8 observation.
pub fn act_rates(vs: &VarStore, net: &QNet, acts: usize) -> Result<ActRates, NetError> {
    let mut shape = vec![1i64];
    shape.extend_from_slice(net.obs_shape());
    let one = Tensor::f_randint(256, shape.as_slice(), (Kind::Uint8, Device::Cpu))?;
    let time = |f: &dyn Fn() -> Result<Tensor, NetError>| -> Result<f64, NetError> {
        let act = || -> Result<i64, NetError> { Ok(tch::no_grad(f)?.f_argmax(1, false)?.f_int64_value(&[0])?) };
        for _ in 0..WARMUP {
            act()?;
        }
        let start = Instant::now();
        for _ in 0..acts.max(1) {
            act()?;
        }
        Ok(acts.max(1) as f64 / start.elapsed().as_secs_f64())
    };
    let fp32 = time(&|| net.forward(&one, false))?;
    let bf16 = {
        let _autocast = Precision::Bf16.autocast(vs.device())?;
        time(&|| net.forward(&one, false))?
    };
    let int8 = match Int8Head::new(vs, net) {
        Ok(head) => Some(time(&|| head.forward(&net.features(&one, false)?))?),
        Err(_) => None,
    };
    Ok(ActRates { fp32, bf16, int8 })
}
