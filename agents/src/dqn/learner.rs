//! The learner: the online Q-network, its optimizer, and one DQN gradient step.
//!
//! The TD target `r + γ^m · Q_target(s', a*)` needs the target network's values `Q_target(s')`
//! and, for Double DQN, `a* = argmax_a Q_online(s', a)`. Both arrive with the batch: the actor
//! thread computes them on the other core, with its own copies of the target and the online
//! network (the online copy `run.pipeline_depth` updates behind, see [`TensorBatch::from_replay`]).
//! So one update here is: online forward on `s`, loss, backward, gradient clipping, Adam. With
//! advantage learning (`dqn.advantage_learning` = α > 0) the batch also brings `Q_target(s, ·)`,
//! and the target becomes
//! `r + γ^m · Q_target(s', a*) − α · (max_b Q_target(s, b) − Q_target(s, a))`.

use nets::{Adam, AdamConfig, Precision, QNet, QNetConfig};
use tch::nn::VarStore;
use tch::{Device, Kind, Reduction, Tensor};

use super::config::{DqnConfig, Loss};
use super::DqnError;

/// A network plus its VarStore, with its variables in a fixed (name) order, so that snapshots
/// of one copy can be loaded into another.
pub struct NetCopy {
    /// The variables' owner.
    pub vs: VarStore,
    /// The network.
    pub net: QNet,
    names: Vec<String>,
    vars: Vec<Tensor>,
}

impl NetCopy {
    /// Builds a network on `device` with variables `backbone.*` and `head.*`.
    pub fn new(cfg: &QNetConfig, obs_shape: &[i64], n_actions: i64, device: Device) -> Result<NetCopy, DqnError> {
        let vs = VarStore::new(device);
        let net = QNet::new(&vs.root(), cfg, obs_shape, n_actions)?;
        let mut named: Vec<(String, Tensor)> = vs.variables().into_iter().collect();
        named.sort_by(|a, b| a.0.cmp(&b.0));
        let (names, vars) = named.into_iter().unzip();
        Ok(NetCopy { vs, net, names, vars })
    }

    /// Deep copies of every variable, in name order (for another thread's copy).
    pub fn snapshot(&self) -> Vec<Tensor> {
        tch::no_grad(|| self.vars.iter().map(|v| v.detach().copy()).collect())
    }

    /// Copies a snapshot taken from a network of the same configuration.
    pub fn load_snapshot(&mut self, snapshot: &[Tensor]) -> Result<(), DqnError> {
        if snapshot.len() != self.vars.len() {
            return Err(DqnError::Internal(format!(
                "snapshot has {} tensors, network has {}",
                snapshot.len(),
                self.vars.len()
            )));
        }
        tch::no_grad(|| -> Result<(), tch::TchError> {
            for (dst, src) in self.vars.iter_mut().zip(snapshot) {
                dst.f_copy_(src)?;
            }
            Ok(())
        })?;
        Ok(())
    }

    /// `[B, 1]` i64: the greedy action in each of `obs` `[B, ...obs_shape]`, without gradient.
    /// Called outside an autocast region it is f32's argmax whatever the training precision. This
    /// is Double DQN's a* = argmax_a Q_online(s', a): with this one forward pass in bf16, pong did
    /// not learn, and with it in f32 (the rest in bf16) pong learnt as in fp32
    /// (docs/results/learning.md, "pong in bf16"). bf16's 8-bit mantissa rounds Q-values that
    /// differ by less than 0.4 % to ties, and an argmax over ties is not the greedy action.
    pub fn greedy_actions(&self, obs: &Tensor) -> Result<Tensor, DqnError> {
        let values = tch::no_grad(|| self.net.forward(obs, false))?;
        Ok(values.f_argmax(1, true)?)
    }

    /// Polyak averaging towards a snapshot: `θ' ← τ·θ + (1 − τ)·θ'` (τ = 1 is a hard copy).
    pub fn blend_snapshot(&mut self, snapshot: &[Tensor], tau: f64) -> Result<(), DqnError> {
        if tau >= 1.0 {
            return self.load_snapshot(snapshot);
        }
        tch::no_grad(|| -> Result<(), tch::TchError> {
            for (dst, src) in self.vars.iter_mut().zip(snapshot) {
                let _ = dst.f_lerp_(src, tau)?;
            }
            Ok(())
        })?;
        Ok(())
    }

    /// Variable names, in snapshot order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Named variables (shallow), for checkpoints.
    pub fn named_tensors(&self, prefix: &str) -> Vec<(String, Tensor)> {
        self.names
            .iter()
            .zip(&self.vars)
            .map(|(n, v)| (format!("{prefix}{n}"), v.shallow_clone()))
            .collect()
    }
}

/// A batch on its way to the learner: tensors made from a replay [`crate::replay::Batch`], plus the
/// target network's Q-values of the next states and, for Double DQN, the online network's greedy
/// actions there.
pub struct TensorBatch {
    /// `[B, ...obs_shape]` u8 or f32.
    pub obs: Tensor,
    /// `[B, 1]` i64: Double DQN's a* = argmax_a Q_online(s', a), in f32, from the actor's copy of
    /// the online network (`None` without Double DQN).
    pub next_best: Option<Tensor>,
    /// `[B]` i64.
    pub actions: Tensor,
    /// `[B]` f32 n-step discounted reward sums.
    pub returns: Tensor,
    /// `[B]` f32: γ^m, or 0 where the episode terminated.
    pub discounts: Tensor,
    /// `[B]` f32 importance weights.
    pub weights: Tensor,
    /// `[B, A]` f32: Q_target(s', ·), computed by the actor's target copy.
    pub target_next_q: Tensor,
    /// `[B, A]` f32: Q_target(s, ·), only for advantage learning (α > 0).
    pub target_q: Option<Tensor>,
}

impl TensorBatch {
    /// Moves a replay batch to `device` as tensors `[B, ...obs_shape]` and values its next states
    /// with `target` (its forward pass under `precision`'s autocast). For Double DQN
    /// (`dqn.double_dqn`) `online` picks a* in the next states, in f32 outside the autocast (see
    /// [`NetCopy::greedy_actions`]); the states are valued too only for advantage learning.
    ///
    /// Computing a* here, on the actor's thread, takes one of the learner's four forward-pass
    /// equivalents off the busier core (1.2× the steps/s on pong, docs/results/speed.md). The
    /// actor's copy is the learner's weights of `run.pipeline_depth` updates before. It is exactly
    /// the learner's at depth 0 ([`super::reference`] checks this) and where the target network
    /// is refreshed at every step (the actor then waits for every batch); otherwise it is at most
    /// 2 updates older at the default depth, where the target network lags by up to 500 (pong's
    /// preset).
    pub fn from_replay<T: super::stack::ObsElement>(
        batch: &crate::replay::Batch<T>,
        obs_shape: &[i64],
        device: Device,
        online: &NetCopy,
        target: &NetCopy,
        dqn: &DqnConfig,
        precision: Precision,
    ) -> Result<TensorBatch, DqnError> {
        let mut shape = vec![batch.actions.len() as i64];
        shape.extend_from_slice(obs_shape);
        let to_dev = |t: Tensor| t.f_to_device(device);
        let obs = to_dev(Tensor::f_from_slice(&batch.obs)?.f_view(shape.as_slice())?)?;
        let next_obs = to_dev(Tensor::f_from_slice(&batch.next_obs)?.f_view(shape.as_slice())?)?;
        let (obs, next_obs) = match dqn.random_shift {
            0 => (obs, next_obs),
            pad => (random_shift(&obs, pad.into())?, random_shift(&next_obs, pad.into())?),
        };
        let (target_next_q, target_q) = {
            let _autocast = precision.autocast(device)?;
            let next = tch::no_grad(|| target.net.forward(&next_obs, false))?;
            let here = if dqn.advantage_learning > 0.0 {
                Some(tch::no_grad(|| target.net.forward(&obs, false))?)
            } else {
                None
            };
            (next, here)
        };
        let next_best = match dqn.double_dqn {
            true => Some(online.greedy_actions(&next_obs)?),
            false => None,
        };
        Ok(TensorBatch {
            obs,
            next_best,
            actions: to_dev(Tensor::f_from_slice(&batch.actions)?)?,
            returns: to_dev(Tensor::f_from_slice(&batch.returns)?)?,
            discounts: to_dev(Tensor::f_from_slice(&batch.discounts)?)?,
            weights: to_dev(Tensor::f_from_slice(&batch.weights)?)?,
            target_next_q,
            target_q,
        })
    }
}

/// What one gradient step measured.
#[derive(Debug, Clone, Default)]
pub struct UpdateStats {
    /// The weighted TD loss.
    pub loss: f64,
    /// Mean Q(s, a) of the batch.
    pub q_mean: f64,
    /// |TD error| per transition (for prioritized replay), on the CPU.
    pub td_abs: Vec<f32>,
}

/// The online network, Adam, and the DQN update.
pub struct Learner {
    /// The online network.
    pub online: NetCopy,
    /// Adam over the online network's variables.
    pub adam: Adam,
    loss: Loss,
    double_dqn: bool,
    advantage_learning: f64,
    max_grad_norm: f64,
    need_td: bool,
    precision: Precision,
    /// Gradient steps done.
    pub updates: u64,
}

impl Learner {
    /// A fresh learner for `cfg` on `device`.
    pub fn new(
        net_cfg: &QNetConfig,
        dqn: &DqnConfig,
        obs_shape: &[i64],
        n_actions: i64,
        device: Device,
    ) -> Result<Learner, DqnError> {
        let online = NetCopy::new(net_cfg, obs_shape, n_actions, device)?;
        let adam = Adam::new(
            &online.vs,
            AdamConfig {
                lr: dqn.learning_rate,
                eps: dqn.adam_eps,
                ..AdamConfig::default()
            },
        )?;
        Ok(Learner {
            online,
            adam,
            loss: dqn.loss,
            double_dqn: dqn.double_dqn,
            advantage_learning: dqn.advantage_learning,
            max_grad_norm: dqn.max_grad_norm,
            need_td: dqn.prioritized,
            precision: Precision::Fp32,
            updates: 0,
        })
    }

    /// Runs the forward passes of [`Learner::update`] under `precision`'s autocast (weights and
    /// Adam state stay f32). Errors for a precision the device cannot train in (fp16 on a CPU).
    pub fn set_precision(&mut self, precision: Precision) -> Result<(), DqnError> {
        precision.check(self.online.vs.device(), true)?;
        self.precision = precision;
        Ok(())
    }

    /// The precision of the forward passes.
    pub fn precision(&self) -> Precision {
        self.precision
    }

    /// One gradient step on `batch`. The loss is always read back (to stop on NaN); `read_stats`
    /// also reads the mean Q-value, for logging.
    ///
    /// Under bf16 the forward pass on `s` runs in an autocast region; the network returns f32
    /// Q-values, so the loss, its gradient at the output and everything Adam sees are f32. Double
    /// DQN's a* comes with the batch (see [`TensorBatch::from_replay`]).
    pub fn update(&mut self, batch: &TensorBatch, read_stats: bool) -> Result<UpdateStats, DqnError> {
        let actions = batch.actions.f_unsqueeze(1)?;
        let q = {
            let _autocast = self.precision.autocast(self.online.vs.device())?;
            pick(&self.online.net.forward(&batch.obs, true)?, &actions)?
        };
        let best = match self.double_dqn {
            true => Some(batch.next_best.as_ref().ok_or_else(|| {
                DqnError::Internal("Double DQN needs the next states' greedy actions in the batch".into())
            })?),
            false => None,
        };
        let target = tch::no_grad(|| -> Result<Tensor, DqnError> {
            let next_q = match &best {
                Some(best) => pick(&batch.target_next_q, best)?,
                None => best_value(&batch.target_next_q)?,
            };
            let target = batch.returns.f_add(&batch.discounts.f_mul(&next_q)?)?;
            if self.advantage_learning == 0.0 {
                return Ok(target);
            }
            let here = batch
                .target_q
                .as_ref()
                .ok_or_else(|| DqnError::Internal("advantage learning needs Q_target(s, ·) in the batch".into()))?;
            let gap = best_value(here)?.f_sub(&pick(here, &actions)?)?;
            Ok(target.f_sub(&gap.f_mul_scalar(self.advantage_learning)?)?)
        })?;
        let per_item = match self.loss {
            Loss::Huber => q.f_smooth_l1_loss(&target, Reduction::None, 1.0)?,
            Loss::Mse => q.f_mse_loss(&target, Reduction::None)?,
        };
        let loss = per_item.f_mul(&batch.weights)?.f_mean(Kind::Float)?;
        self.adam.zero_grad();
        loss.f_backward()?;
        if self.max_grad_norm > 0.0 {
            let _ = self.adam.clip_grad_norm(self.max_grad_norm)?;
        }
        self.adam.step()?;
        self.updates += 1;
        // Read every step: a NaN must stop the run before a bad checkpoint is written.
        let mut stats = UpdateStats {
            loss: f64::try_from(&loss)?,
            ..UpdateStats::default()
        };
        if read_stats {
            stats.q_mean = f64::try_from(&q.f_mean(Kind::Float)?)?;
        }
        if self.need_td {
            let td = tch::no_grad(|| q.f_sub(&target)?.f_abs()?.f_to_device(Device::Cpu))?;
            stats.td_abs = Vec::<f32>::try_from(&td)?;
        }
        if !stats.loss.is_finite() || !stats.q_mean.is_finite() {
            return Err(DqnError::NonFinite { update: self.updates });
        }
        Ok(stats)
    }
}

/// DrQ's random shift (`dqn.random_shift`): each image of `images` `[B, C, H, W]` (u8 or f32)
/// moved by its own random offset (dy, dx) in `-pad..=pad`, the border pixels repeated; the
/// result is `[B, C, H, W]`, pixel (i, j) of image b being the input's (i + dy_b, j + dx_b)
/// clamped into the image. That is a replicate pad by `pad` and a random H×W crop, done as two
/// gathers so that it works on u8 frames too. The offsets come from libtorch's generator, which
/// `dqn train` seeds with `run.seed`.
pub fn random_shift(images: &Tensor, pad: i64) -> Result<Tensor, tch::TchError> {
    let (b, c, h, w) = images.size4()?;
    let opts = (Kind::Int64, images.device());
    // Indices into one axis of length n, shifted per image: `[B, n]`.
    let shifted = |n: i64| -> Result<Tensor, tch::TchError> {
        let offset = Tensor::f_randint_low(-pad, pad + 1, [b, 1], opts)?;
        Tensor::f_arange(n, opts)?
            .f_view([1, n])?
            .f_add(&offset)?
            .f_clamp(0, n - 1)
    };
    let rows = shifted(h)?.f_view([b, 1, h, 1])?.f_expand([b, c, h, w], false)?;
    let cols = shifted(w)?.f_view([b, 1, 1, w])?.f_expand([b, c, h, w], false)?;
    images.f_gather(2, &rows, false)?.f_gather(3, &cols, false)
}

/// `[B]`: each row of `values` `[B, A]` at its column in `index` `[B, 1]`.
fn pick(values: &Tensor, index: &Tensor) -> Result<Tensor, tch::TchError> {
    values.f_gather(1, index, false)?.f_squeeze_dim(1)
}

/// `[B]`: the largest of each row of `values` `[B, A]`.
fn best_value(values: &Tensor) -> Result<Tensor, tch::TchError> {
    values.f_amax([1i64].as_slice(), false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dqn::presets::resolve;
    use crate::dqn::train::obs_shape;
    use crate::run::Override;

    /// A tiny cartpole learner (4 → 4 → 2, MSE) with advantage learning's α.
    fn learner(alpha: f64) -> Learner {
        let sets = [
            Override::new("env_id", "cartpole"),
            Override::parse("net.torso.hidden=[4]").unwrap(),
            Override::parse(&format!("dqn.advantage_learning={alpha}")).unwrap(),
        ];
        let cfg = resolve("cartpole", None, &sets).unwrap();
        assert_eq!(cfg.dqn.loss, Loss::Mse);
        let (shape, _, n_actions) = obs_shape(&cfg).unwrap();
        Learner::new(&cfg.net, &cfg.dqn, &shape, n_actions, Device::Cpu).unwrap()
    }

    /// One batch of one state, reward 0 and discount 0, so the plain TD target is 0 and the loss
    /// is Q(s, a)²; `target_q` = Q_target(s, ·) = [1, 3].
    fn batch(action: i64, with_target_q: bool) -> TensorBatch {
        let obs = Tensor::from_slice(&[0.1f32, -0.2, 0.3, 0.05]).view([1, 4]);
        TensorBatch {
            next_best: Some(Tensor::from_slice(&[1i64]).view([1, 1])),
            obs,
            actions: Tensor::from_slice(&[action]),
            returns: Tensor::from_slice(&[0.0f32]),
            discounts: Tensor::from_slice(&[0.0f32]),
            weights: Tensor::from_slice(&[1.0f32]),
            target_next_q: Tensor::from_slice(&[5.0f32, 7.0]).view([1, 2]),
            target_q: with_target_q.then(|| Tensor::from_slice(&[1.0f32, 3.0]).view([1, 2])),
        }
    }

    /// With α = 0.9: (the loss of one update on [`batch`] for `action`, Q(s, action) before it).
    fn loss_and_q(action: i64) -> (f64, f64) {
        tch::manual_seed(7);
        let mut l = learner(0.9);
        let b = batch(action, true);
        let q = tch::no_grad(|| l.online.net.forward(&b.obs, false)).unwrap();
        let q = q.double_value(&[0, action]);
        (l.update(&b, false).unwrap().loss, q)
    }

    /// `[B, 2, 6, 7]` u8 images, each pixel distinct within its image: 42·b + 7·i + j (mod 256), +1 in
    /// channel 1.
    fn numbered(b: i64) -> Tensor {
        let base = Tensor::arange(b * 42, (Kind::Int64, Device::Cpu)).view([b, 1, 6, 7]);
        Tensor::cat(&[&base, &(&base + 1)], 1).to_kind(Kind::Uint8)
    }

    #[test]
    fn random_shift_moves_each_image_by_one_offset_with_the_border_repeated() {
        tch::manual_seed(3);
        let (b, pad) = (64, 2);
        let x = numbered(b);
        let y = random_shift(&x, pad).unwrap();
        assert_eq!(y.size(), x.size());
        assert_eq!(y.kind(), Kind::Uint8);
        let mut offsets = std::collections::HashSet::new();
        for n in 0..b {
            // The offsets under which every pixel of image n is its input's shifted, clamped one.
            let found: Vec<(i64, i64)> = (-pad..=pad)
                .flat_map(|dy| (-pad..=pad).map(move |dx| (dy, dx)))
                .filter(|&(dy, dx)| {
                    (0..6).all(|i| {
                        (0..7).all(|j| {
                            (0..2).all(|ch| {
                                let (si, sj) = ((i + dy).clamp(0, 5), (j + dx).clamp(0, 6));
                                y.int64_value(&[n, ch, i, j]) == x.int64_value(&[n, ch, si, sj])
                            })
                        })
                    })
                })
                .collect();
            assert_eq!(found.len(), 1, "image {n} is no single shift of its input: {found:?}");
            offsets.insert(found[0]);
        }
        // 64 draws of 25 offsets: all the same would mean one offset for the whole batch.
        assert!(offsets.len() > 10, "only {} distinct offsets", offsets.len());
        assert!(offsets.iter().all(|&(dy, dx)| dy.abs() <= pad && dx.abs() <= pad));
    }

    #[test]
    fn random_shift_of_zero_pixels_is_the_identity() {
        let x = numbered(3).to_kind(Kind::Float);
        assert!(random_shift(&x, 0).unwrap().equal(&x));
    }

    #[test]
    fn advantage_learning_lowers_the_target_of_a_non_greedy_action_by_alpha_times_its_gap() {
        // Action 0 is 2 below the target network's best: the target is 0 − 0.9 · 2.
        let (loss, q) = loss_and_q(0);
        assert!((loss - (q + 1.8).powi(2)).abs() < 1e-5, "loss {loss}, Q {q}");
    }

    #[test]
    fn advantage_learning_leaves_the_greedy_actions_target_alone() {
        let (loss, q) = loss_and_q(1);
        assert!((loss - q.powi(2)).abs() < 1e-5, "loss {loss}, Q {q}");
    }

    #[test]
    fn double_dqns_argmax_is_f32_even_when_the_batch_is_valued_in_bf16() {
        tch::manual_seed(11);
        let cfg = resolve("cartpole", None, &[Override::new("env_id", "cartpole")]).unwrap();
        assert!(cfg.dqn.double_dqn);
        let (shape, _, n_actions) = obs_shape(&cfg).unwrap();
        let online = NetCopy::new(&cfg.net, &shape, n_actions, Device::Cpu).unwrap();
        let target = NetCopy::new(&cfg.net, &shape, n_actions, Device::Cpu).unwrap();
        let rows = 4096;
        let next = Tensor::randn([rows, shape[0]], (Kind::Float, Device::Cpu));
        // The argmax of the online network's values under whatever autocast is on at the call.
        let argmax_here = || {
            tch::no_grad(|| online.net.forward(&next, false))
                .unwrap()
                .argmax(1, true)
        };
        let f32_best = argmax_here();
        let bf16_best = {
            let _autocast = Precision::Bf16.autocast(Device::Cpu).unwrap();
            argmax_here()
        };
        let differ = |a: &Tensor, b: &Tensor| a.ne_tensor(b).sum(Kind::Int64).int64_value(&[]);
        // The batch has near-ties that bf16 resolves differently, so the check below can fail.
        assert!(differ(&f32_best, &bf16_best) > 0, "no near-tie in the batch");
        let states = Vec::<f32>::try_from(&next.flatten(0, -1)).unwrap();
        let n = rows as usize;
        let replay_batch = crate::replay::Batch {
            obs: states.clone(),
            next_obs: states,
            actions: vec![0; n],
            returns: vec![0.0; n],
            discounts: vec![0.99; n],
            weights: vec![1.0; n],
            indices: (0..n).collect(),
        };
        let tb = TensorBatch::from_replay(
            &replay_batch,
            &shape,
            Device::Cpu,
            &online,
            &target,
            &cfg.dqn,
            Precision::Bf16,
        )
        .unwrap();
        let best = tb.next_best.expect("Double DQN's greedy actions");
        assert_eq!(best.size(), [rows, 1]);
        assert_eq!(differ(&best, &f32_best), 0);
    }

    #[test]
    fn advantage_learning_without_the_states_values_is_an_error() {
        let mut l = learner(0.5);
        assert!(matches!(l.update(&batch(0, false), false), Err(DqnError::Internal(_))));
        // α = 0 is plain DQN: no Q_target(s, ·) needed.
        let mut plain = learner(0.0);
        assert!(plain.update(&batch(0, false), false).is_ok());
    }
}
