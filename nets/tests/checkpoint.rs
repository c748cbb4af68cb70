//! Checkpoint I/O: round trips, PyTorch-readable names, precise errors, backbone transfer, freezing.
use nets::{
    freeze_backbone, load_backbone, load_varstore, read_tensors, save_tensors, save_varstore, Adam, AdamConfig,
    BackboneConfig, NetError, QNet, QNetConfig, SegNet, SegNetConfig, TorsoConfig,
};
use std::path::Path;
use tch::nn::VarStore;
use tch::{Device, Kind, Tensor};

fn qnet(cfg: &QNetConfig, actions: i64) -> (VarStore, QNet) {
    let vs = VarStore::new(Device::Cpu);
    let q = QNet::new(&vs.root(), cfg, &[4, 84, 84], actions).unwrap();
    (vs, q)
}

fn vgg_qnet_cfg() -> QNetConfig {
    QNetConfig {
        torso: TorsoConfig::Conv {
            backbone: SegNetConfig::basic().backbone,
        },
        head_hidden: vec![32],
        ..QNetConfig::nature()
    }
}

#[test]
fn qnet_round_trips_and_names_are_pytorch_style() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("q.safetensors");
    let (vs, q) = qnet(&QNetConfig::nature(), 4);
    save_varstore(&vs, &path).unwrap();
    // Only the checkpoint is left in the folder (the temp file was renamed).
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);

    let tensors = read_tensors(&path).unwrap();
    let shape_of = |n: &str| tensors.iter().find(|(name, _)| name == n).map(|(_, t)| t.size());
    assert_eq!(shape_of("backbone.conv1.weight"), Some(vec![32, 4, 8, 8]));
    assert_eq!(shape_of("backbone.conv1.bias"), Some(vec![32]));
    assert_eq!(shape_of("head.fc1.weight"), Some(vec![512, 3136]));
    assert_eq!(shape_of("head.out.bias"), Some(vec![4]));
    assert_eq!(tensors.len(), 10);
    assert!(tensors.iter().all(|(_, t)| t.kind() == Kind::Float));

    let (vs2, q2) = qnet(&QNetConfig::nature(), 4);
    let obs = Tensor::randint(256, [2, 4, 84, 84], (Kind::Uint8, Device::Cpu));
    assert!(!q
        .forward(&obs, false)
        .unwrap()
        .allclose(&q2.forward(&obs, false).unwrap(), 1e-6, 1e-6, false));
    load_varstore(&vs2, &path).unwrap();
    assert!(q.forward(&obs, false).unwrap().equal(&q2.forward(&obs, false).unwrap()));
}

#[test]
fn loading_casts_to_the_network_dtype() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("double.safetensors");
    let (vs, _) = qnet(&QNetConfig::mlp(&[8]), 2);
    let doubled: Vec<(String, Tensor)> = vs
        .variables()
        .into_iter()
        .map(|(n, t)| (n, t.to_kind(Kind::Double).fill_(0.5)))
        .collect();
    save_tensors(&doubled, &path).unwrap();
    load_varstore(&vs, &path).unwrap();
    let w = &vs.variables()["backbone.fc1.weight"];
    assert_eq!(w.kind(), Kind::Float);
    assert_eq!(f64::try_from(w.mean(Kind::Double)).unwrap(), 0.5);
}

#[test]
fn missing_truncated_and_garbage_files_are_explained() {
    let dir = tempfile::tempdir().unwrap();
    let (vs, _) = qnet(&QNetConfig::nature(), 4);
    let missing = dir.path().join("nope.safetensors");
    assert!(matches!(load_varstore(&vs, &missing), Err(NetError::MissingFile(p)) if p == missing));

    let good = dir.path().join("good.safetensors");
    save_varstore(&vs, &good).unwrap();
    let bytes = std::fs::read(&good).unwrap();
    let truncated = dir.path().join("truncated.safetensors");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let err = load_varstore(&vs, &truncated).unwrap_err();
    assert!(matches!(err, NetError::Corrupt { .. }), "{err}");
    assert!(err.to_string().contains("truncated or corrupt"), "{err}");

    let garbage = dir.path().join("garbage.safetensors");
    std::fs::write(&garbage, b"\xff\xff\xff\xff\xff\xff\xff\x7fnot json at all").unwrap();
    assert!(matches!(load_varstore(&vs, &garbage), Err(NetError::Corrupt { .. })));
    let tiny = dir.path().join("tiny.safetensors");
    std::fs::write(&tiny, b"abc").unwrap();
    assert!(matches!(load_varstore(&vs, &tiny), Err(NetError::Corrupt { .. })));
}

#[test]
fn another_architecture_gets_an_explanation_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("breakout.safetensors");
    let (vs, _) = qnet(&QNetConfig::nature(), 4);
    save_varstore(&vs, &path).unwrap();

    // Same layers, 6 actions: two shape mismatches.
    let (vs6, q6) = qnet(&QNetConfig::nature(), 6);
    let before = vs6.variables()["head.out.weight"].copy();
    let err = load_varstore(&vs6, &path).unwrap_err();
    let NetError::ArchitectureMismatch {
        missing,
        unexpected,
        mismatched,
        ..
    } = &err
    else {
        panic!("{err}")
    };
    assert!(missing.is_empty() && unexpected.is_empty());
    assert_eq!(mismatched.len(), 2);
    assert_eq!(mismatched[0].name, "head.out.bias");
    assert_eq!(
        (mismatched[1].expected.clone(), mismatched[1].found.clone()),
        (vec![6, 512], vec![4, 512])
    );
    let msg = err.to_string();
    assert!(
        msg.contains("head.out.weight: expected [6, 512], found [4, 512]"),
        "{msg}"
    );
    assert!(msg.contains("different architecture"), "{msg}");
    // Nothing was copied.
    assert!(vs6.variables()["head.out.weight"].equal(&before));
    drop(q6);

    // A VGG network: names missing and unexpected.
    let (vgg, _) = qnet(&vgg_qnet_cfg(), 4);
    let err = load_varstore(&vgg, &path).unwrap_err();
    let NetError::ArchitectureMismatch {
        missing, unexpected, ..
    } = &err
    else {
        panic!("{err}")
    };
    assert!(missing.contains(&"backbone.stage1.conv1.weight".to_string()));
    assert!(unexpected.contains(&"backbone.conv1.weight".to_string()));
}

#[test]
fn backbone_moves_between_qnet_and_segnet() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dqn.safetensors");
    let (dqn_vs, _) = qnet(&vgg_qnet_cfg(), 4);
    save_varstore(&dqn_vs, &path).unwrap();

    let seg_vs = VarStore::new(Device::Cpu);
    SegNet::new(&seg_vs.root(), &SegNetConfig::basic()).unwrap();
    let decoder_before = seg_vs.variables()["decoder.stage1.conv1.weight"].copy();
    let report = load_backbone(&seg_vs, &path).unwrap();
    // 4 stages × (conv weight + BN weight, bias, mean, var), except the first conv: the DQN saw 4
    // stacked gray frames, SegNet sees RGB, so that kernel is skipped and reported.
    assert_eq!(report.loaded.len(), 19, "{report}");
    assert!(report.missing.is_empty(), "{report}");
    assert_eq!(report.skipped_shape_mismatch.len(), 1, "{report}");
    let skipped = &report.skipped_shape_mismatch[0];
    assert_eq!(skipped.name, "backbone.stage1.conv1.weight");
    assert_eq!(
        (skipped.expected.clone(), skipped.found.clone()),
        (vec![64, 3, 3, 3], vec![64, 4, 3, 3])
    );
    for name in &report.loaded {
        assert!(seg_vs.variables()[name].equal(&dqn_vs.variables()[name]), "{name}");
    }
    assert!(seg_vs.variables()["decoder.stage1.conv1.weight"].equal(&decoder_before));

    // The Nature backbone shares no names with VGG: nothing loads, everything is listed.
    let nature_path = dir.path().join("nature.safetensors");
    let (nature_vs, _) = qnet(&QNetConfig::nature(), 4);
    save_varstore(&nature_vs, &nature_path).unwrap();
    let report = load_backbone(&seg_vs, &nature_path).unwrap();
    assert!(report.is_empty());
    assert_eq!(report.missing.len(), 20);

    // Same names, other widths: listed as shape mismatches.
    let wide_vs = VarStore::new(Device::Cpu);
    let wide = SegNetConfig {
        backbone: BackboneConfig::vgg(&[(32, 1); 4], true),
        ..SegNetConfig::basic()
    };
    SegNet::new(&wide_vs.root(), &wide).unwrap();
    let report = load_backbone(&wide_vs, &path).unwrap();
    assert!(report.loaded.is_empty());
    assert_eq!(report.skipped_shape_mismatch.len(), 20);
    assert!(
        report
            .to_string()
            .contains("expected [32, 3, 3, 3], found [64, 4, 3, 3]"),
        "{report}"
    );
}

#[test]
fn frozen_backbone_gets_no_gradient_and_does_not_move() {
    let vs = VarStore::new(Device::Cpu);
    let net = SegNet::new(&vs.root(), &SegNetConfig::basic()).unwrap();
    let mut adam = Adam::new(
        &vs,
        AdamConfig {
            lr: 0.1,
            ..AdamConfig::default()
        },
    )
    .unwrap();
    // Conv weights and BN affine parameters of the 4 encoder stages.
    assert_eq!(freeze_backbone(&vs, true), 12);
    let enc_before = vs.variables()["backbone.stage2.conv1.weight"].copy();
    let dec_before = vs.variables()["decoder.stage2.conv1.weight"].copy();
    let x = Tensor::randn([1, 3, 32, 32], (Kind::Float, Device::Cpu));
    let loss = net.forward(&x, false).unwrap().square().mean(Kind::Float);
    adam.zero_grad();
    loss.backward();
    assert!(!vs.variables()["backbone.stage2.conv1.weight"].grad().defined());
    adam.step().unwrap();
    assert!(vs.variables()["backbone.stage2.conv1.weight"].equal(&enc_before));
    assert!(!vs.variables()["decoder.stage2.conv1.weight"].equal(&dec_before));
    assert_eq!(freeze_backbone(&vs, false), 12);
    assert!(vs.variables()["backbone.stage2.conv1.weight"].requires_grad());
}

#[test]
fn save_into_a_missing_folder_is_an_io_error() {
    let (vs, _) = qnet(&QNetConfig::mlp(&[4]), 2);
    let err = save_varstore(&vs, Path::new("/nonexistent-folder-for-nets-test/q.safetensors")).unwrap_err();
    assert!(matches!(err, NetError::Io { .. }), "{err}");
    assert!(err.to_string().contains("nonexistent-folder-for-nets-test"), "{err}");
}
