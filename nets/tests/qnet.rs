//! QNet: parameter counts against CleanRL's networks, shapes, input handling, dueling algebra.
use nets::{
    parameter_count, Activation, Backbone, BackboneConfig, BackboneKind, NetError, QNet, QNetConfig, StridedLayer,
    TorsoConfig,
};
use tch::nn::VarStore;
use tch::{Device, Kind, Tensor};

fn build(cfg: &QNetConfig, obs: &[i64], actions: i64) -> (VarStore, QNet) {
    let vs = VarStore::new(Device::Cpu);
    let q = QNet::new(&vs.root(), cfg, obs, actions).unwrap();
    (vs, q)
}

#[test]
fn nature_qnet_for_breakout_has_cleanrl_parameter_count() {
    // CleanRL dqn_atari.py, Breakout: 4×84×84 → 4 actions, "1.69M" parameters. By hand:
    // conv 8224 + 32832 + 36928, fc 3136·512+512 = 1606144, out 512·4+4 = 2052.
    let (vs, _) = build(&QNetConfig::nature(), &[4, 84, 84], 4);
    assert_eq!(parameter_count(&vs), 1_686_180);
    let vars = vs.variables();
    assert_eq!(vars["backbone.conv1.weight"].size(), [32, 4, 8, 8]);
    assert_eq!(vars["backbone.conv3.bias"].size(), [64]);
    assert_eq!(vars["head.fc1.weight"].size(), [512, 3136]);
    assert_eq!(vars["head.out.weight"].size(), [4, 512]);
    assert_eq!(vars.len(), 10);
}

#[test]
fn cartpole_mlp_matches_cleanrl_layout() {
    // CleanRL dqn.py: 4 → 120 → 84 → 2: 600 + 10164 + 170 parameters.
    let (vs, q) = build(&QNetConfig::mlp(&[120, 84]), &[4], 2);
    assert_eq!(parameter_count(&vs), 10_934);
    assert_eq!(vs.variables()["backbone.fc1.weight"].size(), [120, 4]);
    assert_eq!(vs.variables()["head.out.weight"].size(), [2, 84]);
    let out = q
        .forward(&Tensor::ones([5, 4], (Kind::Float, Device::Cpu)), true)
        .unwrap();
    assert_eq!(out.size(), [5, 2]);
}

#[test]
fn u8_input_is_scaled_by_1_over_255() {
    let (_vs, q) = build(&QNetConfig::nature(), &[4, 84, 84], 6);
    let frames = Tensor::randint(256, [3, 4, 84, 84], (Kind::Uint8, Device::Cpu));
    let from_u8 = q.forward(&frames, false).unwrap();
    let from_f32 = q.forward(&(frames.to_kind(Kind::Float) / 255.0), false).unwrap();
    assert_eq!(from_u8.size(), [3, 6]);
    assert_eq!(from_u8.kind(), Kind::Float);
    assert!(from_u8.allclose(&from_f32, 1e-5, 1e-6, false));
}

#[test]
fn wrong_inputs_are_errors_not_panics() {
    let (_vs, q) = build(&QNetConfig::nature(), &[4, 84, 84], 4);
    let err = q
        .forward(&Tensor::zeros([2, 3, 84, 84], (Kind::Uint8, Device::Cpu)), false)
        .unwrap_err();
    assert!(err.to_string().contains("[B, 4, 84, 84]"), "{err}");
    let err = q
        .forward(&Tensor::zeros([2, 4, 84, 84], (Kind::Int64, Device::Cpu)), false)
        .unwrap_err();
    assert!(err.to_string().contains("u8 or f32"), "{err}");
    // A conv torso needs [k, H, W]; the Nature CNN needs at least 36×36.
    let vs = VarStore::new(Device::Cpu);
    assert!(matches!(
        QNet::new(&vs.root(), &QNetConfig::nature(), &[8], 4),
        Err(NetError::Config(_))
    ));
    let vs = VarStore::new(Device::Cpu);
    let err = QNet::new(&vs.root(), &QNetConfig::nature(), &[4, 20, 20], 4).unwrap_err();
    assert!(err.to_string().contains("too small"), "{err}");
}

#[test]
fn building_twice_on_one_path_is_refused() {
    let vs = VarStore::new(Device::Cpu);
    QNet::new(&vs.root(), &QNetConfig::mlp(&[8]), &[3], 2).unwrap();
    let err = QNet::new(&vs.root(), &QNetConfig::mlp(&[8]), &[3], 2).unwrap_err();
    assert!(
        matches!(err, NetError::DuplicateVariable(ref n) if n == "backbone.fc1.weight"),
        "{err}"
    );
}

fn set(vs: &VarStore, name: &str, value: &Tensor) {
    let mut var = vs.variables()[name].shallow_clone();
    tch::no_grad(|| var.copy_(value));
}

#[test]
fn dueling_head_is_value_plus_centred_advantage() {
    let cfg = QNetConfig {
        dueling: true,
        head_hidden: vec![16],
        ..QNetConfig::mlp(&[8])
    };
    let (vs, q) = build(&cfg, &[3], 4);
    let names: Vec<String> = vs.variables().into_keys().filter(|n| n.starts_with("head.")).collect();
    assert!(names.contains(&"head.value.out.weight".to_string()), "{names:?}");
    assert_eq!(vs.variables()["head.advantage.out.weight"].size(), [4, 16]);
    // Zero both output weights: V = 3 (value bias), A = advantage bias [1, 2, 3, 6] (mean 3).
    set(
        &vs,
        "head.value.out.weight",
        &Tensor::zeros([1, 16], (Kind::Float, Device::Cpu)),
    );
    set(&vs, "head.value.out.bias", &Tensor::from_slice(&[3.0f32]));
    set(
        &vs,
        "head.advantage.out.weight",
        &Tensor::zeros([4, 16], (Kind::Float, Device::Cpu)),
    );
    set(
        &vs,
        "head.advantage.out.bias",
        &Tensor::from_slice(&[1.0f32, 2.0, 3.0, 6.0]),
    );
    let out = q
        .forward(&Tensor::randn([2, 3], (Kind::Float, Device::Cpu)), false)
        .unwrap();
    let expected = Tensor::from_slice(&[1.0f32, 2.0, 3.0, 6.0]).expand([2, 4], false);
    assert!(out.allclose(&expected, 1e-6, 1e-6, false), "{out}");
}

#[test]
fn vgg_torso_and_config_round_trip_through_toml() {
    let cfg = QNetConfig {
        torso: TorsoConfig::Conv {
            backbone: BackboneConfig::vgg(&[(16, 1), (32, 2)], true),
        },
        head_hidden: vec![64],
        dueling: true,
        u8_scale: 1.0 / 255.0,
    };
    let text = toml::to_string(&cfg).unwrap();
    let back: QNetConfig = toml::from_str(&text).unwrap();
    assert_eq!(back, cfg, "{text}");
    let (vs, q) = build(&cfg, &[4, 84, 84], 3);
    assert_eq!(vs.variables()["backbone.stage2.conv2.weight"].size(), [32, 32, 3, 3]);
    assert_eq!(vs.variables()["backbone.stage2.bn2.running_mean"].size(), [32]);
    assert_eq!(vs.variables()["head.value.fc1.weight"].size(), [64, 32 * 21 * 21]);
    let out = q
        .forward(&Tensor::zeros([2, 4, 84, 84], (Kind::Uint8, Device::Cpu)), true)
        .unwrap();
    assert_eq!(out.size(), [2, 3]);
    // Defaults: an empty table is the Nature DQN.
    let default: QNetConfig = toml::from_str("").unwrap();
    assert_eq!(default, QNetConfig::nature());
}

/// A one-conv strided backbone (1 → 2 channels, 1×1 kernel) whose weights and biases are all −1:
/// on a positive input every pre-activation is negative, so every ReLU channel is dead.
fn all_negative_backbone(activation: Activation) -> (VarStore, Backbone) {
    let cfg = BackboneConfig {
        kind: BackboneKind::Strided {
            layers: vec![StridedLayer {
                channels: 2,
                kernel: 1,
                stride: 1,
            }],
        },
        activation,
    };
    let vs = VarStore::new(Device::Cpu);
    let net = Backbone::new(&(vs.root() / "backbone"), &cfg, 1).unwrap();
    for (name, shape) in [
        ("backbone.conv1.weight", vec![2, 1, 1, 1]),
        ("backbone.conv1.bias", vec![2]),
    ] {
        set(&vs, name, &Tensor::full(shape, -1.0, (Kind::Float, Device::Cpu)));
    }
    (vs, net)
}

#[test]
fn leaky_relu_channels_still_pass_a_gradient_where_relu_channels_are_dead() {
    let x = Tensor::ones([3, 1, 4, 4], (Kind::Float, Device::Cpu));
    let grad_norm = |activation| {
        let (vs, net) = all_negative_backbone(activation);
        let out = net.forward_out(&x, true).unwrap();
        assert_eq!(out.size(), [3, 2, 4, 4]);
        // Pre-activation −1·1 − 1 = −2 everywhere: ReLU gives 0, leaky ReLU 0.01 × −2.
        let expected = if activation == Activation::Relu { 0.0 } else { -0.02 };
        assert!(out.allclose(&out.full_like(expected), 1e-6, 1e-7, false), "{out}");
        out.sum(Kind::Float).backward();
        let g = vs.variables()["backbone.conv1.weight"].grad();
        f64::try_from(g.abs().sum(Kind::Float)).unwrap()
    };
    assert_eq!(grad_norm(Activation::Relu), 0.0);
    // d/dw of Σ 0.01·(w·1 + b) over 3 × 16 positions per channel, 2 channels.
    assert!((grad_norm(Activation::LeakyRelu) - 0.01 * 48.0 * 2.0).abs() < 1e-5);
}

#[test]
fn activation_defaults_to_relu_and_is_read_from_config_toml() {
    // A config.toml written before `activation` existed still loads, as ReLU.
    let old: BackboneConfig = toml::from_str("[kind]\ntype = \"nature\"\n").unwrap();
    assert_eq!(old.activation, Activation::Relu);
    let leaky: BackboneConfig = toml::from_str("activation = \"leaky_relu\"").unwrap();
    assert_eq!(leaky.activation, Activation::LeakyRelu);
    assert_eq!(
        toml::from_str::<BackboneConfig>(&toml::to_string(&leaky).unwrap()).unwrap(),
        leaky
    );
    let err = toml::from_str::<BackboneConfig>("activation = \"gelu\"")
        .unwrap_err()
        .to_string();
    assert!(err.contains("relu") && err.contains("leaky_relu"), "{err}");
}
