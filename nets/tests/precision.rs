//! Mixed precision: bf16 autocast gradients agree with f32 ones, a step in either precision
//! lowers the loss, and the weights stay f32 (so checkpoints do too).
use nets::{Precision, QNet, QNetConfig};
use tch::nn::VarStore;
use tch::{Device, Kind, Reduction, Tensor};

/// Huber loss of Q(s, a) against fixed targets on a fixed batch, under `precision`.
fn loss(net: &QNet, obs: &Tensor, actions: &Tensor, targets: &Tensor, precision: Precision) -> Tensor {
    let _autocast = precision.autocast(Device::Cpu).unwrap();
    let q = net.forward(obs, true).unwrap();
    assert_eq!(q.kind(), Kind::Float, "Q-values come back as f32 under {precision}");
    q.gather(1, actions, false)
        .squeeze_dim(1)
        .huber_loss(targets, Reduction::Mean, 1.0)
}

/// All gradients, flattened into one f32 vector (variables in name order).
fn gradient(vs: &VarStore) -> Tensor {
    let mut named: Vec<(String, Tensor)> = vs.variables().into_iter().collect();
    named.sort_by(|a, b| a.0.cmp(&b.0));
    Tensor::cat(
        &named.iter().map(|(_, t)| t.grad().flatten(0, -1)).collect::<Vec<_>>(),
        0,
    )
}

#[test]
fn bf16_gradients_match_f32_and_a_step_lowers_the_loss_in_both() {
    tch::manual_seed(7);
    let vs = VarStore::new(Device::Cpu);
    let net = QNet::new(&vs.root(), &QNetConfig::nature(), &[4, 84, 84], 4).unwrap();
    let obs = Tensor::randint(256, [32, 4, 84, 84], (Kind::Uint8, Device::Cpu));
    let actions = Tensor::randint(4, [32, 1], (Kind::Int64, Device::Cpu));
    let targets = Tensor::randn([32], (Kind::Float, Device::Cpu));
    let initial: Vec<(String, Tensor)> = vs
        .variables()
        .into_iter()
        .map(|(n, t)| (n, t.detach().copy()))
        .collect();

    let mut grads = Vec::new();
    for precision in [Precision::Fp32, Precision::Bf16] {
        let before = loss(&net, &obs, &actions, &targets, precision);
        for (_, mut t) in vs.variables() {
            t.zero_grad();
        }
        before.backward();
        let g = gradient(&vs);
        assert_eq!(g.kind(), Kind::Float, "gradients of the f32 master weights are f32");
        // One SGD step, then the loss again in the same precision.
        tch::no_grad(|| {
            for t in vs.variables().values() {
                let mut t = t.shallow_clone();
                let _ = t.f_sub_(&(t.grad() * 1e-3)).unwrap();
            }
        });
        let after = loss(&net, &obs, &actions, &targets, precision);
        let (b, a) = (f64::try_from(&before).unwrap(), f64::try_from(&after).unwrap());
        assert!(a < b, "{precision}: one SGD step should lower the loss, {b} -> {a}");
        grads.push(g);
        // Back to the same weights for the other precision.
        tch::no_grad(|| {
            let vars = vs.variables();
            for (name, init) in &initial {
                vars[name].shallow_clone().copy_(init);
            }
        });
    }
    let cos = f64::try_from(grads[0].dot(&grads[1]) / (grads[0].norm() * grads[1].norm())).unwrap();
    assert!(cos > 0.99, "cosine between bf16 and f32 gradients: {cos}");
    for (name, t) in vs.variables() {
        assert_eq!(t.kind(), Kind::Float, "{name} stays f32");
    }
}
