//! `dqn bench`: speed and memory figures, each beside its peer where one exists. The peers are
//! Python scripts in benches/peers/, run with the project venv in the same call, so every ratio
//! comes from one machine at one time.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use agents::dqn::{DqnConfig, Learner, Loss, NetCopy, TensorBatch};
use clap::{Args, Subcommand};
use envs::EnvConfig;
use nets::{Precision, QNetConfig};
use tch::{Device, Kind, Tensor};

/// Arguments of `dqn bench`.
#[derive(Args, Debug)]
pub struct BenchArgs {
    #[command(subcommand)]
    pub what: BenchWhat,
}

#[derive(Subcommand, Debug)]
pub enum BenchWhat {
    /// Agent steps/s with the full DQN preprocessing (skip 4, 84×84 gray, stack 4), random actions.
    Env {
        /// Env id.
        #[arg(long, default_value = "breakout")]
        env: String,
        /// Agent steps per configuration (default 2,000,000; 5,000 for `gym:` ids, which also
        /// time the same env in a plain Python loop).
        #[arg(long)]
        steps: Option<u64>,
        /// Envs of the vector-env configuration.
        #[arg(long, default_value_t = 8)]
        num_envs: usize,
        /// One JSON object per configuration.
        #[arg(long)]
        json: bool,
    },
    /// DQN updates/s (Nature CNN, batch 32) and batch-1 act forwards/s, beside PyTorch.
    Learner {
        /// Updates to time.
        #[arg(long, default_value_t = 60)]
        updates: usize,
        /// Act forwards to time.
        #[arg(long, default_value_t = 600)]
        acts: usize,
        #[command(flatten)]
        peer: PeerArgs,
    },
    /// Replay memory per transition for 84×84 frames, 4-stack, with a full buffer.
    Replay {
        /// Transitions in the (full) buffer.
        #[arg(long, default_value_t = 100_000)]
        capacity: usize,
        /// Also the prioritized variant.
        #[arg(long)]
        prioritized: bool,
        /// One JSON object.
        #[arg(long)]
        json: bool,
    },
    /// SegNet `basic` inference images/s at 360×480, beside PyTorch.
    Segnet {
        /// Images to time.
        #[arg(long, default_value_t = 10)]
        iters: usize,
        /// Preset.
        #[arg(long, default_value = "basic")]
        preset: String,
        #[command(flatten)]
        peer: PeerArgs,
    },
}

/// The options that `bench learner` and `bench segnet` share: where and how to run, and the
/// PyTorch peer run beside ours.
#[derive(Args, Debug)]
pub struct PeerArgs {
    /// auto | cpu | cuda | cuda:N.
    #[arg(long, default_value = "cpu")]
    device: String,
    /// fp32 | bf16 | fp16 forward (and backward) passes; the peer runs torch.autocast to match.
    #[arg(long, default_value = "fp32")]
    precision: Precision,
    /// Skip the PyTorch peer.
    #[arg(long)]
    no_peer: bool,
    /// One JSON object.
    #[arg(long)]
    json: bool,
}

impl PeerArgs {
    /// Runs the peer `script` with `args`, on `dev` under this precision's autocast, unless
    /// `--no-peer`; its last JSON line, or `None` (with a note on stderr) when it cannot run.
    fn run(&self, script: &str, dev: Device, args: &[&str]) -> Option<serde_json::Value> {
        if self.no_peer {
            return None;
        }
        let dev = device_name(dev);
        let mut all = args.to_vec();
        all.extend(["--device", &dev, "--autocast", peer_autocast(self.precision)]);
        run_peer(script, &all)
    }
}

/// Envs of `bench env`'s vector configuration at most (as `dqn.num_envs`).
const MAX_BENCH_ENVS: usize = 256;
/// Steps each env must take at least in `bench env`, so that resets and start-up do not count.
const MIN_STEPS_PER_ENV: u64 = 100;

/// A timed count that must be at least 1 (a zero-length measurement is no measurement).
fn at_least_one(flag: &str, n: usize) -> anyhow::Result<usize> {
    if n == 0 {
        anyhow::bail!("{flag} must be at least 1");
    }
    Ok(n)
}

pub fn run(a: BenchArgs) -> anyhow::Result<()> {
    match a.what {
        BenchWhat::Env {
            env,
            steps,
            num_envs,
            json,
        } => {
            let gym = envs::gym::is_gym_id(&env);
            let steps = steps.unwrap_or(if gym { 5_000 } else { 2_000_000 });
            if !(1..=MAX_BENCH_ENVS).contains(&num_envs) {
                anyhow::bail!("--num-envs must be in 1..={MAX_BENCH_ENVS}, got {num_envs}");
            }
            if steps < MIN_STEPS_PER_ENV * num_envs as u64 {
                anyhow::bail!(
                    "--steps must be at least {MIN_STEPS_PER_ENV} × --num-envs = {} so that each env takes {MIN_STEPS_PER_ENV} steps, got {steps}",
                    MIN_STEPS_PER_ENV * num_envs as u64
                );
            }
            bench_env(&env, steps, num_envs, json)
        }
        BenchWhat::Learner { updates, acts, peer } => {
            let (updates, acts) = (at_least_one("--updates", updates)?, at_least_one("--acts", acts)?);
            let dev = super::device(&peer.device)?;
            peer.precision.check(dev, true)?;
            bench_learner(updates, acts, dev, &peer)
        }
        BenchWhat::Replay {
            capacity,
            prioritized,
            json,
        } => {
            for p in if prioritized { vec![false, true] } else { vec![false] } {
                let r = agents::replay::bench_replay(capacity, p)?;
                if json {
                    outln!(
                        "{}",
                        serde_json::json!({"capacity": r.capacity, "frame_len": r.frame_len, "frame_stack": r.frame_stack,
                        "prioritized": r.prioritized, "bytes_allocated": r.bytes_allocated,
                        "bytes_per_transition": r.bytes_per_transition, "push_per_sec": r.push_per_s,
                        "sample_batches_per_sec": r.sample_batches_per_s, "batch_size": r.batch_size})
                    );
                } else {
                    outln!(
                        "replay {} ({} transitions, 84×84, stack {}): {:.0} bytes/transition ({:.1} MiB), {:.0} pushes/s, {:.0} batches of {}/s  [SB3: 28,240 optimized, 56,464 default]",
                        if p { "prioritized" } else { "uniform" },
                        r.capacity, r.frame_stack, r.bytes_per_transition, r.bytes_allocated as f64 / 1048576.0,
                        r.push_per_s, r.sample_batches_per_s, r.batch_size
                    );
                }
            }
            Ok(())
        }
        BenchWhat::Segnet { iters, preset, peer } => {
            let iters = at_least_one("--iters", iters)?;
            let (dev, precision) = (super::device(&peer.device)?, peer.precision);
            let ours = nets::bench::segnet_inference(&preset, 360, 480, iters, dev, precision)?;
            let iters_arg = iters.to_string();
            let peer_out = peer.run(
                "benches/peers/torch_segnet.py",
                dev,
                &["--preset", &preset, "--iters", &iters_arg],
            );
            let peer_ips = peer_out.as_ref().and_then(|v| v["images_per_sec"].as_f64());
            report(
                peer.json,
                serde_json::json!({"bench": "segnet", "preset": preset, "size": "360x480",
                "threads": tch::get_num_threads(), "device": device_name(dev), "precision": precision.to_string(),
                "images_per_sec": ours,
                "peer_images_per_sec": peer_ips, "ratio": peer_ips.map(|p| ours / p)}),
            );
            Ok(())
        }
    }
}

/// The peers' `--autocast` value for a precision (fp16 has no CPU peer; it runs on CUDA only).
fn peer_autocast(p: Precision) -> &'static str {
    match p {
        Precision::Fp32 => "none",
        Precision::Bf16 | Precision::Fp16 => "bf16",
    }
}

fn device_name(d: Device) -> String {
    match d {
        Device::Cuda(i) => format!("cuda:{i}"),
        _ => "cpu".into(),
    }
}

fn report(json: bool, v: serde_json::Value) {
    if json {
        outln!("{v}");
    } else if let Some(obj) = v.as_object() {
        let parts: Vec<String> = obj
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| match v.as_f64() {
                Some(f) if f.fract() != 0.0 => format!("{k} {f:.2}"),
                _ => format!(
                    "{k} {}",
                    v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())
                ),
            })
            .collect();
        outln!("{}", parts.join("  "));
    }
}

/// Runs a peer script with the project venv's Python and the same thread count; `None` (with a
/// note on stderr) when the venv or the script is missing or the script fails.
fn run_peer(script: &str, args: &[&str]) -> Option<serde_json::Value> {
    let python = Path::new(".venv/bin/python");
    if !python.exists() || !Path::new(script).exists() {
        eprintln!("note: peer {script} skipped (run from the repository root after `make bootstrap`)");
        return None;
    }
    let threads = tch::get_num_threads().to_string();
    let out = Command::new(python)
        .arg(script)
        .arg("--threads")
        .arg(&threads)
        .args(args)
        .output()
        .ok()?;
    if !out.status.success() {
        eprintln!(
            "note: peer {script} failed: {}",
            String::from_utf8_lossy(&out.stderr).lines().last().unwrap_or("")
        );
        return None;
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .rev()
        .find_map(|l| serde_json::from_str(l).ok())
}

fn bench_env(id: &str, steps: u64, num_envs: usize, json: bool) -> anyhow::Result<()> {
    let cfg = EnvConfig::default();
    let mut rates = Vec::new();
    for n in [1, num_envs] {
        let r = envs::bench::bench_env(id, &cfg, n, steps, 0)?;
        rates.push((n, r.steps_per_sec));
        if json {
            outln!("{}", r.to_json());
        } else {
            outln!(
                "{}: {} env{} on {} thread{}: {:.0} agent steps/s ({:.0} frames/s)",
                r.env,
                r.num_envs,
                if r.num_envs == 1 { "" } else { "s" },
                r.threads,
                if r.threads == 1 { "" } else { "s" },
                r.steps_per_sec,
                r.frames_per_sec
            );
        }
    }
    if envs::gym::is_gym_id(id) {
        let peer = envs::gym::bench::python_loop_steps_per_sec(id, steps, 0)?;
        report(
            json,
            serde_json::json!({"impl": "python-loop", "env": id, "steps": steps, "steps_per_sec": peer}),
        );
        if !json {
            for (n, rate) in rates {
                outln!(
                    "bridge with {n} env(s): {:.0}% of the plain Python loop",
                    100.0 * rate / peer
                );
            }
        }
    }
    Ok(())
}

fn bench_learner(updates: usize, acts: usize, dev: Device, peer_args: &PeerArgs) -> anyhow::Result<()> {
    let precision = peer_args.precision;
    // The same update as benches/peers/torch_learner.py: plain DQN (max over the target net),
    // Huber loss, clip 10, Adam 1e-4, batch 32 of u8 4×84×84 already on the device. In training
    // the target forward runs on the actor thread; here it is timed with the update, as in PyTorch,
    // under the same autocast as the actor's.
    tch::manual_seed(0);
    // For the thread-count measurement (scripts/bench_threads.sh): libtorch's own setter, called
    // after start-up, instead of OMP_NUM_THREADS before it.
    if let Some(n) = std::env::var("DQN_BENCH_SET_NUM_THREADS")
        .ok()
        .and_then(|v| v.parse::<i32>().ok())
    {
        tch::set_num_threads(n);
    }
    let dqn = DqnConfig {
        double_dqn: false,
        loss: Loss::Huber,
        max_grad_norm: 10.0,
        ..DqnConfig::default()
    };
    let net = QNetConfig::nature();
    let shape = [4i64, 84, 84];
    let mut learner = Learner::new(&net, &dqn, &shape, 4, dev)?;
    learner.set_precision(precision)?;
    let target = NetCopy::new(&net, &shape, 4, dev)?;
    let b = 32i64;
    let obs = Tensor::f_randint(256, [b, 4, 84, 84], (Kind::Uint8, dev))?;
    let next_obs = Tensor::f_randint(256, [b, 4, 84, 84], (Kind::Uint8, dev))?;
    let actions = Tensor::f_randint(4, [b], (Kind::Int64, dev))?;
    let returns = Tensor::f_rand([b], (Kind::Float, dev))?;
    let discounts = Tensor::f_full([b], 0.99, (Kind::Float, dev))?;
    let weights = Tensor::f_ones([b], (Kind::Float, dev))?;
    let mut one_update = || -> anyhow::Result<()> {
        let target_next_q = {
            let _autocast = precision.autocast(dev)?;
            tch::no_grad(|| target.net.forward(&next_obs, false))?
        };
        let batch = TensorBatch {
            obs: obs.shallow_clone(),
            next_best: None,
            actions: actions.shallow_clone(),
            returns: returns.shallow_clone(),
            discounts: discounts.shallow_clone(),
            weights: weights.shallow_clone(),
            target_next_q,
            target_q: None,
        };
        learner.update(&batch, false)?;
        Ok(())
    };
    for _ in 0..3 {
        one_update()?;
    }
    if let Device::Cuda(i) = dev {
        tch::Cuda::synchronize(i as i64);
    }
    let t = Instant::now();
    for _ in 0..updates {
        one_update()?;
    }
    if let Device::Cuda(i) = dev {
        tch::Cuda::synchronize(i as i64);
    }
    let updates_per_sec = updates as f64 / t.elapsed().as_secs_f64();
    // The alternative to autocast: explicit casts of weights and input (CPU, bf16 only).
    let explicit = (precision == Precision::Bf16 && dev == Device::Cpu)
        .then(|| nets::bench::explicit_cast_updates(Kind::BFloat16, updates))
        .transpose()?;
    let acting = Some(nets::bench::act_rates(&learner.online.vs, &learner.online.net, acts)?);
    let act_per_sec = acting.map(|a| if precision == Precision::Fp32 { a.fp32 } else { a.bf16 });
    let (updates_arg, acts_arg) = (updates.to_string(), acts.to_string());
    let peer = peer_args.run(
        "benches/peers/torch_learner.py",
        dev,
        &["--updates", &updates_arg, "--acts", &acts_arg],
    );
    let pu = peer.as_ref().and_then(|v| v["updates_per_sec"].as_f64());
    let pa = peer.as_ref().and_then(|v| v["act_per_sec"].as_f64());
    let flop = nets::bench::NATURE_UPDATE_FLOP;
    report(
        peer_args.json,
        serde_json::json!({"bench": "learner", "net": "nature", "batch": b, "threads": tch::get_num_threads(),
        "device": device_name(dev), "precision": precision.to_string(), "updates_per_sec": updates_per_sec,
        "explicit_cast_updates_per_sec": explicit, "flop_per_update": flop,
        "gflop_per_sec": updates_per_sec * flop / 1e9, "act_per_sec": act_per_sec,
        "act_fp32_per_sec": acting.map(|a| a.fp32), "act_bf16_per_sec": acting.map(|a| a.bf16),
        "act_int8_per_sec": acting.and_then(|a| a.int8),
        "peer_updates_per_sec": pu, "peer_act_per_sec": pa,
        "updates_ratio": pu.map(|p| updates_per_sec / p), "act_ratio": pa.zip(act_per_sec).map(|(p, a)| a / p)}),
    );
    Ok(())
}
