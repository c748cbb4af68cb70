//! Backbone and SegNet: shapes per stage, odd sizes, names, presets, the Nature restriction.
use nets::{parameter_count, Backbone, BackboneConfig, NetError, SegNet, SegNetConfig};
use tch::nn::VarStore;
use tch::{Device, Kind, Tensor};

#[test]
fn vgg_backbone_records_pre_pool_sizes_for_odd_inputs() {
    let vs = VarStore::new(Device::Cpu);
    let net = Backbone::new(
        &(vs.root() / "backbone"),
        &BackboneConfig::vgg(&[(8, 2), (16, 1), (16, 1)], true),
        3,
    )
    .unwrap();
    assert_eq!(net.out_shape(3, 45, 61).unwrap(), [16, 5, 7]);
    let x = Tensor::randn([2, 3, 45, 61], (Kind::Float, Device::Cpu));
    let f = net.forward(&x, true).unwrap();
    assert_eq!(f.out.size(), [2, 16, 5, 7]);
    let sizes: Vec<[i64; 2]> = f.pools.iter().map(|p| p.size).collect();
    assert_eq!(sizes, [[45, 61], [22, 30], [11, 15]]);
    assert_eq!(f.pools[0].indices.size(), [2, 8, 22, 30]);
    assert_eq!(f.pools[0].indices.kind(), Kind::Int64);
    // forward_out gives the same features without the indices.
    let out = net.forward_out(&x, false).unwrap();
    let eval = net.forward(&x, false).unwrap().out;
    assert!(out.allclose(&eval, 1e-6, 1e-6, false));
    assert!(net
        .forward(&Tensor::randn([1, 3, 7, 64], (Kind::Float, Device::Cpu)), false)
        .is_err());
}

#[test]
fn nature_backbone_shape_and_names() {
    let vs = VarStore::new(Device::Cpu);
    let net = Backbone::new(&(vs.root() / "backbone"), &BackboneConfig::nature(), 4).unwrap();
    assert_eq!(net.out_shape(4, 84, 84).unwrap(), [64, 7, 7]);
    assert!(!net.has_pools());
    let f = net
        .forward(&Tensor::rand([1, 4, 84, 84], (Kind::Float, Device::Cpu)), false)
        .unwrap();
    assert_eq!(f.out.size(), [1, 64, 7, 7]);
    assert!(f.pools.is_empty());
    let mut names: Vec<String> = vs.variables().into_keys().collect();
    names.sort();
    assert_eq!(
        names,
        [
            "backbone.conv1.bias",
            "backbone.conv1.weight",
            "backbone.conv2.bias",
            "backbone.conv2.weight",
            "backbone.conv3.bias",
            "backbone.conv3.weight"
        ]
    );
}

#[test]
fn he_initialisation_has_the_expected_spread() {
    let vs = VarStore::new(Device::Cpu);
    Backbone::new(&(vs.root() / "backbone"), &BackboneConfig::vgg(&[(256, 1)], false), 64).unwrap();
    let w = &vs.variables()["backbone.stage1.conv1.weight"];
    // He normal: std = sqrt(2 / fan_in), fan_in = 64·3·3.
    let std = f64::try_from(w.std(true)).unwrap();
    let expected = (2.0f64 / 576.0).sqrt();
    assert!((std / expected - 1.0).abs() < 0.02, "std {std} vs {expected}");
    assert_eq!(
        f64::try_from(vs.variables()["backbone.stage1.conv1.bias"].abs().sum(Kind::Float)).unwrap(),
        0.0
    );
}

#[test]
fn basic_segnet_keeps_odd_input_sizes() {
    let vs = VarStore::new(Device::Cpu);
    let net = SegNet::new(&vs.root(), &SegNetConfig::basic()).unwrap();
    let x = Tensor::randn([2, 3, 50, 70], (Kind::Float, Device::Cpu));
    let y = net.forward(&x, true).unwrap();
    assert_eq!(y.size(), [2, 11, 50, 70]);
    let vars = vs.variables();
    assert_eq!(vars["backbone.stage1.conv1.weight"].size(), [64, 3, 3, 3]);
    assert_eq!(vars["decoder.stage4.conv1.weight"].size(), [64, 64, 3, 3]);
    assert_eq!(vars["decoder.stage1.bn1.running_var"].size(), [64]);
    assert_eq!(vars["decoder.classifier.weight"].size(), [11, 64, 1, 1]);
    // Encoder 3·64·9 + 3·64·64·9, decoder 4·64·64·9, BN 8·128, classifier 64·11+11 (the PyTorch
    // peer benches/peers/torch_segnet.py counts the same 261,515).
    assert_eq!(parameter_count(&vs), 1728 + 3 * 36864 + 4 * 36864 + 8 * 128 + 715);
    assert_eq!(parameter_count(&vs), 261_515);
}

#[test]
fn vgg16_segnet_mirrors_the_encoder() {
    let vs = VarStore::new(Device::Cpu);
    let net = SegNet::new(&vs.root(), &SegNetConfig::preset("vgg16").unwrap()).unwrap();
    let vars = vs.variables();
    let convs = vars
        .keys()
        .filter(|n| n.starts_with("backbone.") && n.ends_with("weight") && n.contains("conv"));
    assert_eq!(convs.count(), 13);
    assert_eq!(vars["decoder.stage5.conv3.weight"].size(), [512, 512, 3, 3]);
    assert_eq!(vars["decoder.stage4.conv3.weight"].size(), [256, 512, 3, 3]);
    assert_eq!(vars["decoder.stage2.conv2.weight"].size(), [64, 128, 3, 3]);
    assert_eq!(vars["decoder.stage1.conv2.weight"].size(), [64, 64, 3, 3]);
    // Same count as torch_segnet.py --preset vgg16.
    assert_eq!(parameter_count(&vs), 29_472_779);
    let y = net
        .forward(&Tensor::randn([1, 3, 40, 36], (Kind::Float, Device::Cpu)), false)
        .unwrap();
    assert_eq!(y.size(), [1, 11, 40, 36]);
}

#[test]
fn segnet_refuses_nature_backbone_unknown_preset_and_tiny_images() {
    let vs = VarStore::new(Device::Cpu);
    let cfg = SegNetConfig {
        backbone: BackboneConfig::nature(),
        ..SegNetConfig::basic()
    };
    let err = SegNet::new(&vs.root(), &cfg).unwrap_err();
    assert!(matches!(err, NetError::Config(ref m) if m.contains("nature")), "{err}");
    let err = SegNetConfig::preset("segnet9000").unwrap_err().to_string();
    assert!(err.contains("basic") && err.contains("vgg16"), "{err}");
    let net = SegNet::new(&vs.root(), &SegNetConfig::basic()).unwrap();
    let err = net
        .forward(&Tensor::randn([1, 3, 12, 64], (Kind::Float, Device::Cpu)), false)
        .unwrap_err();
    assert!(err.to_string().contains("too small"), "{err}");
    let err = net
        .forward(&Tensor::zeros([1, 3, 32, 32], (Kind::Uint8, Device::Cpu)), false)
        .unwrap_err();
    assert!(err.to_string().contains("f32"), "{err}");
}

#[test]
fn unpooling_puts_values_back_at_the_argmax() {
    // With identity-like weights the decoder is opaque, so check the pool/unpool contract directly
    // on the recorded indices: unpooling the pooled map restores exactly the window maxima.
    let vs = VarStore::new(Device::Cpu);
    let net = Backbone::new(&(vs.root() / "backbone"), &BackboneConfig::vgg(&[(4, 1)], false), 1).unwrap();
    let x = Tensor::randn([1, 1, 9, 11], (Kind::Float, Device::Cpu));
    let f = net.forward(&x, false).unwrap();
    let pool = &f.pools[0];
    let back = f.out.max_unpool2d(&pool.indices, pool.size);
    assert_eq!(back.size(), [1, 4, 9, 11]);
    let nonzero = i64::try_from(back.ne(0.0).sum(Kind::Int64)).unwrap();
    let positive = i64::try_from(f.out.gt(0.0).sum(Kind::Int64)).unwrap();
    assert_eq!(nonzero, positive, "each positive pooled value lands on one pixel");
}
