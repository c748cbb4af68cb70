//! Writes a Nature QNet checkpoint plus a probe (input and Q-values) so the PyTorch peer can check
//! that it loads our names and computes the same function:
//! `cargo run -p nets --example export_qnet -- DIR` then
//! `python benches/peers/torch_learner.py --check DIR`.
use nets::{save_tensors, save_varstore, QNet, QNetConfig};
use std::path::PathBuf;
use tch::{nn::VarStore, Device, Kind, Tensor};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(std::env::args().nth(1).ok_or("usage: export_qnet DIR")?);
    std::fs::create_dir_all(&dir)?;
    let vs = VarStore::new(Device::Cpu);
    let q = QNet::new(&vs.root(), &QNetConfig::nature(), &[4, 84, 84], 4)?;
    let obs = Tensor::randint(256, [3, 4, 84, 84], (Kind::Uint8, Device::Cpu));
    let values = tch::no_grad(|| q.forward(&obs, false))?;
    save_varstore(&vs, &dir.join("qnet.safetensors"))?;
    save_tensors(
        &[("obs".to_string(), obs), ("q".to_string(), values)],
        &dir.join("probe.safetensors"),
    )?;
    println!("wrote {}", dir.display());
    Ok(())
}
