//! Adam against the update formula of PyTorch's `torch.optim.Adam`, gradient clipping, and the
//! state round trip through a safetensors file.
use nets::{Adam, AdamConfig, NetError};
use tch::nn::{Init, VarStore};
use tch::{Device, Kind, Tensor};

fn store_with(values: &[f32]) -> (VarStore, Tensor) {
    let vs = VarStore::new(Device::Cpu);
    let p = vs.root().var("p", &[values.len() as i64], Init::Const(0.0));
    tch::no_grad(|| p.shallow_clone().copy_(&Tensor::from_slice(values)));
    (vs, p)
}

/// loss = Σ p³/3 + Σ p, so ∇ = p² + 1 (non-constant, so m and v differ per step).
fn backward(p: &Tensor) {
    (p.pow_tensor_scalar(3.0) / 3.0 + p).sum(Kind::Float).backward();
}

/// Three steps against a hand computation in f64. f32 parameters take the fused CPU pass, f64
/// ones the chain of tensor ops (the path CUDA uses), so both are checked.
fn three_steps_match_the_adam_formula_in(kind: Kind) {
    let cfg = AdamConfig {
        lr: 0.05,
        beta1: 0.8,
        beta2: 0.95,
        eps: 1e-8,
        weight_decay: 0.1,
    };
    let init = [1.0f32, -2.0, 0.5];
    let (mut vs, p) = store_with(&init);
    vs.set_kind(kind);
    assert_eq!(p.kind(), kind);
    let mut adam = Adam::new(&vs, cfg).unwrap();
    // The same computation by hand in f64.
    let mut theta: Vec<f64> = init.iter().map(|&x| x as f64).collect();
    let (mut m, mut v) = (vec![0.0; 3], vec![0.0; 3]);
    for t in 1..=3 {
        adam.zero_grad();
        backward(&p);
        adam.step().unwrap();
        for i in 0..3 {
            let g = theta[i] * theta[i] + 1.0 + cfg.weight_decay * theta[i];
            m[i] = cfg.beta1 * m[i] + (1.0 - cfg.beta1) * g;
            v[i] = cfg.beta2 * v[i] + (1.0 - cfg.beta2) * g * g;
            let m_hat = m[i] / (1.0 - cfg.beta1.powi(t));
            let v_hat = v[i] / (1.0 - cfg.beta2.powi(t));
            theta[i] -= cfg.lr * m_hat / (v_hat.sqrt() + cfg.eps);
        }
        let got: Vec<f32> = Vec::<f32>::try_from(&p.to_kind(Kind::Float)).unwrap();
        for i in 0..3 {
            assert!(
                (got[i] as f64 - theta[i]).abs() < 1e-5,
                "{kind:?} step {t}: {got:?} vs {theta:?}"
            );
        }
    }
    assert_eq!(adam.steps(), 3);
}

#[test]
fn three_steps_match_the_adam_formula_fused_f32() {
    three_steps_match_the_adam_formula_in(Kind::Float);
}

#[test]
fn three_steps_match_the_adam_formula_op_chain_f64() {
    three_steps_match_the_adam_formula_in(Kind::Double);
}

#[test]
fn first_step_moves_each_weight_by_lr() {
    // With bias correction, step 1 is lr·g/(|g| + ε) ≈ lr·sign(g), PyTorch's well-known behaviour.
    let (vs, p) = store_with(&[3.0, -1.0]);
    let mut adam = Adam::new(
        &vs,
        AdamConfig {
            lr: 0.01,
            ..AdamConfig::default()
        },
    )
    .unwrap();
    (&p * Tensor::from_slice(&[2.0f32, -5.0])).sum(Kind::Float).backward();
    adam.step().unwrap();
    let got = Vec::<f32>::try_from(&p).unwrap();
    assert!((got[0] - 2.99).abs() < 1e-6 && (got[1] + 0.99).abs() < 1e-6, "{got:?}");
}

#[test]
fn clip_grad_norm_scales_to_max_and_returns_the_old_norm() {
    let (vs, p) = store_with(&[0.0, 0.0]);
    let mut adam = Adam::new(&vs, AdamConfig::default()).unwrap();
    (&p * Tensor::from_slice(&[3.0f32, 4.0])).sum(Kind::Float).backward();
    let norm = adam.clip_grad_norm(1.0).unwrap();
    assert!((f64::try_from(&norm).unwrap() - 5.0).abs() < 1e-6);
    let g = Vec::<f32>::try_from(&p.grad()).unwrap();
    assert!((g[0] - 0.6).abs() < 1e-6 && (g[1] - 0.8).abs() < 1e-6, "{g:?}");
    // Below the limit nothing changes.
    let norm = adam.clip_grad_norm(10.0).unwrap();
    assert!((f64::try_from(&norm).unwrap() - 1.0).abs() < 1e-5);
    assert!((Vec::<f32>::try_from(&p.grad()).unwrap()[1] - 0.8).abs() < 1e-6);
    adam.zero_grad();
    assert_eq!(Vec::<f32>::try_from(&p.grad()).unwrap(), [0.0, 0.0]);
}

#[test]
fn state_round_trips_so_resumed_training_is_identical() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("adam.safetensors");
    let cfg = AdamConfig {
        lr: 0.1,
        ..AdamConfig::default()
    };
    let (vs_a, a) = store_with(&[1.0, 2.0, -3.0]);
    let mut adam_a = Adam::new(&vs_a, cfg).unwrap();
    for _ in 0..2 {
        adam_a.zero_grad();
        backward(&a);
        adam_a.step().unwrap();
    }
    adam_a.save(&state).unwrap();

    // "Resume": same weights, fresh optimizer, state loaded from the file.
    let (vs_b, b) = store_with(&Vec::<f32>::try_from(&a).unwrap());
    let mut adam_b = Adam::new(&vs_b, cfg).unwrap();
    adam_b.load(&state).unwrap();
    assert_eq!(adam_b.steps(), 2);
    for (opt, p) in [(&mut adam_a, &a), (&mut adam_b, &b)] {
        opt.zero_grad();
        backward(p);
        opt.step().unwrap();
    }
    assert!(a.equal(&b), "{a} vs {b}");

    // Resumed training equals three uninterrupted steps...
    let (vs_c, c) = store_with(&[1.0, 2.0, -3.0]);
    let mut adam_c = Adam::new(&vs_c, cfg).unwrap();
    for _ in 0..3 {
        adam_c.zero_grad();
        backward(&c);
        adam_c.step().unwrap();
    }
    assert!(a.allclose(&c, 1e-6, 1e-6, false));
    // ...while a third step with a fresh optimizer (state lost) lands elsewhere.
    let (vs_d, d) = store_with(&[1.0, 2.0, -3.0]);
    let mut adam_d = Adam::new(&vs_d, cfg).unwrap();
    for _ in 0..2 {
        adam_d.zero_grad();
        backward(&d);
        adam_d.step().unwrap();
    }
    let mut adam_fresh = Adam::new(&vs_d, cfg).unwrap();
    adam_fresh.zero_grad();
    backward(&d);
    adam_fresh.step().unwrap();
    assert!(!d.allclose(&c, 1e-4, 1e-4, false));
}

#[test]
fn state_of_another_network_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("adam.safetensors");
    let (vs, _) = store_with(&[1.0, 2.0]);
    Adam::new(&vs, AdamConfig::default()).unwrap().save(&state).unwrap();
    let (vs3, _) = store_with(&[1.0, 2.0, 3.0]);
    let err = Adam::new(&vs3, AdamConfig::default())
        .unwrap()
        .load(&state)
        .unwrap_err();
    assert!(
        matches!(err, NetError::ArchitectureMismatch { ref mismatched, .. } if mismatched.len() == 2),
        "{err}"
    );
    assert!(Adam::new(
        &vs,
        AdamConfig {
            beta1: 1.0,
            ..AdamConfig::default()
        }
    )
    .is_err());
}
