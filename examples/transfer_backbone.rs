//! Backbone transfer between the driving Q-network and SegNet, both directions.
//!
//! Both networks name their encoder `backbone.*`, so `nets::load_backbone` copies every tensor
//! whose name and shape match and reports the rest. The Q-network sees 4 stacked gray frames and
//! SegNet 3 RGB channels, so the first conv's weight ([16, 4, 3, 3] vs [16, 3, 3, 3]) never fits
//! and is listed as skipped; the deeper convs transfer.
//!
//! Run: `cargo run --release --example transfer_backbone`
use nets::{load_backbone, save_varstore, QNet, QNetConfig, SegNet, SegNetConfig, TorsoConfig};
use tch::nn::VarStore;
use tch::Device;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // SegNet `basic`'s encoder, which is also the `driving` DQN preset's (4 × 64-channel conv + BN).
    let backbone = SegNetConfig::basic().backbone;
    let dir = tempfile::tempdir()?;

    // A Q-network for 4 stacked 42×42 gray frames and 9 actions.
    let q_vs = VarStore::new(Device::Cpu);
    let q_cfg = QNetConfig {
        torso: TorsoConfig::Conv {
            backbone: backbone.clone(),
        },
        ..QNetConfig::nature()
    };
    let _q = QNet::new(&q_vs.root(), &q_cfg, &[4, 42, 42], 9)?;
    let q_ckpt = dir.path().join("qnet.safetensors");
    save_varstore(&q_vs, &q_ckpt)?;

    // A SegNet for RGB images with the same encoder.
    let s_vs = VarStore::new(Device::Cpu);
    let _seg = SegNet::new(
        &s_vs.root(),
        &SegNetConfig {
            backbone,
            ..SegNetConfig::basic()
        },
    )?;
    let s_ckpt = dir.path().join("segnet.safetensors");
    save_varstore(&s_vs, &s_ckpt)?;

    // QNet → SegNet (`dqn segnet train --preset driving --init-backbone Q_CKPT`).
    println!("QNet -> SegNet\n{}", load_backbone(&s_vs, &q_ckpt)?);
    // SegNet → QNet (`dqn train --env driving --init-backbone SEG_CKPT`).
    println!("SegNet -> QNet\n{}", load_backbone(&q_vs, &s_ckpt)?);
    Ok(())
}
