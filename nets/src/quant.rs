//! int8 dynamic quantisation of a Q-network's head for batch-1 acting (FBGEMM through the C++
//! shim): the linear weights are quantised once to int8, and each activation is quantised on the
//! fly. The conv torso stays f32. Measured against f32 and bf16 by `dqn bench learner`.
use tch::nn::VarStore;
use tch::Tensor;

use crate::shim::Int8Handle;
use crate::{NetError, QNet};

/// The int8 form of a plain (non-dueling) head, `head.fc1 … head.fcN, head.out`, over the f32
/// torso of the [`QNet`] it was made from. A snapshot: rebuild it after the weights change.
#[derive(Debug)]
pub struct Int8Head {
    /// The hidden layers (each followed by ReLU), then the output layer.
    layers: Vec<Int8Handle>,
}

impl Int8Head {
    /// Quantises the head of `net`, whose variables live in `vs`. CPU only; a dueling head is
    /// refused.
    pub fn new(vs: &VarStore, net: &QNet) -> Result<Int8Head, NetError> {
        if net.is_dueling() {
            return Err(NetError::Config(
                "int8 acting supports plain heads, not dueling ones".into(),
            ));
        }
        if vs.device() != tch::Device::Cpu {
            return Err(NetError::Config("int8 acting runs on the CPU only".into()));
        }
        let vars = vs.variables();
        let get = |name: String| {
            vars.get(&name)
                .ok_or_else(|| NetError::Config(format!("int8 head: no variable {name}")))
        };
        let mut layers = Vec::new();
        for i in 1..=net.config().head_hidden.len() {
            let w = get(format!("head.fc{i}.weight"))?;
            let b = get(format!("head.fc{i}.bias"))?;
            layers.push(Int8Handle::new(w, Some(b))?);
        }
        layers.push(Int8Handle::new(
            get("head.out.weight".into())?,
            Some(get("head.out.bias".into())?),
        )?);
        Ok(Int8Head { layers })
    }

    /// Q-values from torso features. features: [B, F] f32 (from [`QNet::features`]) → [B, A] f32.
    pub fn forward(&self, features: &Tensor) -> Result<Tensor, NetError> {
        let mut x = features.shallow_clone();
        let last = self.layers.len() - 1;
        for (i, layer) in self.layers.iter().enumerate() {
            x = layer.forward(&x)?;
            if i < last {
                x = x.f_relu()?;
            }
        }
        Ok(x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::QNetConfig;
    use tch::{Device, Kind};

    #[test]
    fn int8_head_matches_the_f32_head_closely() {
        tch::manual_seed(0);
        let vs = VarStore::new(Device::Cpu);
        let net = QNet::new(&vs.root(), &QNetConfig::nature(), &[4, 84, 84], 4).unwrap();
        let obs = Tensor::randint(256, [2, 4, 84, 84], (Kind::Uint8, Device::Cpu));
        let head = Int8Head::new(&vs, &net).unwrap();
        tch::no_grad(|| {
            let exact = net.forward(&obs, false).unwrap();
            let q8 = head.forward(&net.features(&obs, false).unwrap()).unwrap();
            assert_eq!(q8.size(), vec![2, 4]);
            let err = f64::try_from((&q8 - &exact).abs().max()).unwrap();
            let scale = f64::try_from(exact.abs().max()).unwrap().max(1e-3);
            assert!(err / scale < 0.05, "int8 error {err} against |q| {scale}");
        });
    }
}
