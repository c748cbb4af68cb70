//! Writes a SegNet checkpoint (after a few training-mode forwards, so the BatchNorm statistics are
//! not the defaults) plus a probe (image and eval-mode logits) for the PyTorch peer:
//! `cargo run -p nets --example export_segnet -- DIR [basic|vgg16]` then
//! `python benches/peers/torch_segnet.py --check DIR --preset basic`.
use nets::{save_tensors, save_varstore, SegNet, SegNetConfig};
use std::path::PathBuf;
use tch::{nn::VarStore, Device, Kind, Tensor};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().ok_or("usage: export_segnet DIR [basic|vgg16]")?);
    let preset = args.next().unwrap_or_else(|| "basic".into());
    std::fs::create_dir_all(&dir)?;
    let vs = VarStore::new(Device::Cpu);
    let net = SegNet::new(&vs.root(), &SegNetConfig::preset(&preset)?)?;
    tch::no_grad(|| -> Result<(), nets::NetError> {
        for _ in 0..3 {
            let _ = net.forward(
                &(Tensor::randn([2, 3, 45, 61], (Kind::Float, Device::Cpu)) * 2.0 + 1.0),
                true,
            )?;
        }
        Ok(())
    })?;
    let x = Tensor::randn([1, 3, 45, 61], (Kind::Float, Device::Cpu));
    let logits = tch::no_grad(|| net.forward(&x, false))?;
    save_varstore(&vs, &dir.join("segnet.safetensors"))?;
    save_tensors(
        &[("x".to_string(), x), ("logits".to_string(), logits)],
        &dir.join("probe.safetensors"),
    )?;
    println!("wrote {}", dir.display());
    Ok(())
}
