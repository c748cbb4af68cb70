//! Numeric precision of the forward and backward passes: `--precision fp32 | bf16 | fp16`.
//!
//! The design is mixed precision. Master weights, optimizer state and checkpoints stay f32; a
//! reduced precision only changes the dtype in which matrix products and convolutions run. That
//! is ATen's autocast, which tch 0.26 can only switch on for CUDA; [`Precision::autocast`] switches
//! it on for the CPU too, through the C++ shim in `csrc/`. Autocast state is per thread, so each
//! thread that runs a forward (learner, actor) enters its own region.
//!
//! * `fp32` — no autocast (the default).
//! * `bf16` — autocast to bfloat16 on the CPU or CUDA. bf16 keeps f32's exponent range, so no loss
//!   scaling is needed. Fast only where the CPU has bf16 dot products (`avx512_bf16`, AMX): see
//!   [`cpu_bf16_support`]; elsewhere ATen emulates it.
//! * `fp16` — CUDA only (it needs loss scaling for training); refused on the CPU.
use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use tch::Device;

use crate::{shim, NetError};

/// The valid `--precision` values, for messages and help texts.
pub const PRECISION_CHOICES: &str = "fp32, bf16, fp16";

/// The dtype of forward and backward passes (weights, optimizer state and checkpoints stay f32).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// Full f32 (default).
    #[default]
    Fp32,
    /// bfloat16 autocast (CPU or CUDA).
    Bf16,
    /// float16 autocast (CUDA only).
    Fp16,
}

impl FromStr for Precision {
    type Err = NetError;
    fn from_str(s: &str) -> Result<Precision, NetError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "fp32" | "f32" | "float32" => Ok(Precision::Fp32),
            "bf16" | "bfloat16" => Ok(Precision::Bf16),
            "fp16" | "f16" | "float16" | "half" => Ok(Precision::Fp16),
            _ => Err(NetError::Precision(format!(
                "unknown precision `{s}`; valid: {PRECISION_CHOICES}"
            ))),
        }
    }
}

impl fmt::Display for Precision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Precision::Fp32 => "fp32",
            Precision::Bf16 => "bf16",
            Precision::Fp16 => "fp16",
        })
    }
}

impl Precision {
    /// Checks that this precision can run on `device`: fp16 needs CUDA. `training` additionally
    /// refuses fp16 everywhere for now, since fp16 training needs a loss scaler, which is not
    /// built (bf16 needs none).
    pub fn check(self, device: Device, training: bool) -> Result<(), NetError> {
        match (self, device) {
            (Precision::Fp16, Device::Cpu | Device::Mps | Device::Vulkan) => Err(NetError::Precision(
                "--precision fp16 runs on CUDA only; on the CPU use bf16 or fp32".into(),
            )),
            (Precision::Fp16, _) if training => Err(NetError::Precision(
                "--precision fp16 training needs loss scaling, which is not built yet; use bf16 (no scaling needed) or fp32"
                    .into(),
            )),
            _ => Ok(()),
        }
    }

    /// Switches autocast on for `device` on this thread until the returned guard drops (fp32:
    /// a guard that does nothing). Nested guards are fine; the outermost one also clears ATen's
    /// cache of cast weights, so an optimizer step between two regions is always seen.
    pub fn autocast(self, device: Device) -> Result<Autocast, NetError> {
        self.check(device, false)?;
        let dtype = match self {
            Precision::Fp32 => {
                return Ok(Autocast {
                    restore: None,
                    _not_send: PhantomData,
                })
            }
            Precision::Bf16 => shim::BF16,
            Precision::Fp16 => shim::F16,
        };
        let code = match device {
            Device::Cuda(_) => shim::CUDA,
            _ => shim::CPU,
        };
        let previous = shim::autocast_get(code)?;
        shim::autocast_set(code, true, dtype)?;
        shim::autocast_enter();
        Ok(Autocast {
            restore: Some((code, previous.0, previous.1)),
            _not_send: PhantomData,
        })
    }
}

/// An autocast region on the current thread (see [`Precision::autocast`]); dropping it restores
/// the previous state. Not `Send`: autocast state belongs to the thread that set it.
#[must_use = "autocast is on only while the guard lives"]
#[derive(Debug)]
pub struct Autocast {
    restore: Option<(i32, bool, i32)>,
    _not_send: PhantomData<*const ()>,
}

impl Drop for Autocast {
    fn drop(&mut self) {
        if let Some((code, enabled, dtype)) = self.restore {
            shim::autocast_exit();
            // A previous dtype the shim does not know (-1) is left as bf16; nothing else sets it.
            let _ = shim::autocast_set(code, enabled, if dtype < 0 { shim::BF16 } else { dtype });
        }
    }
}

/// How this CPU runs bf16, as ATen detects it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bf16Support {
    /// AVX-512 bf16 dot products (`avx512_bf16`).
    pub avx512_bf16: bool,
    /// AMX bf16 tiles (`amx_bf16`).
    pub amx_bf16: bool,
}

impl Bf16Support {
    /// True when bf16 matrix products run natively; false when ATen emulates them in f32.
    pub fn native(&self) -> bool {
        self.avx512_bf16 || self.amx_bf16
    }
}

impl fmt::Display for Bf16Support {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.amx_bf16, self.avx512_bf16) {
            (true, _) => f.write_str("native (amx_bf16)"),
            (false, true) => f.write_str("native (avx512_bf16)"),
            (false, false) => f.write_str("emulated (no avx512_bf16 or amx_bf16: bf16 is not faster than fp32 here)"),
        }
    }
}

/// The CPU's bf16 capabilities as ATen (cpuinfo) sees them.
pub fn cpu_bf16_support() -> Bf16Support {
    Bf16Support {
        avx512_bf16: shim::cpu_has("avx512_bf16"),
        amx_bf16: shim::cpu_has("amx_bf16"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::{Kind, Tensor};

    #[test]
    fn parses_and_prints() {
        for p in [Precision::Fp32, Precision::Bf16, Precision::Fp16] {
            assert_eq!(p.to_string().parse::<Precision>().unwrap(), p);
        }
        let e = "int4".parse::<Precision>().unwrap_err().to_string();
        assert!(e.contains("int4") && e.contains(PRECISION_CHOICES), "{e}");
    }

    #[test]
    fn fp16_is_refused_on_the_cpu() {
        let e = Precision::Fp16.autocast(Device::Cpu).unwrap_err().to_string();
        assert!(e.contains("CUDA only"), "{e}");
        assert!(Precision::Bf16.check(Device::Cpu, true).is_ok());
    }

    #[test]
    fn bf16_region_runs_matmuls_in_bf16_and_restores_f32() {
        let a = Tensor::ones([2, 3], (Kind::Float, Device::Cpu));
        let b = Tensor::ones([3, 2], (Kind::Float, Device::Cpu));
        {
            let _outer = Precision::Bf16.autocast(Device::Cpu).unwrap();
            {
                let _inner = Precision::Bf16.autocast(Device::Cpu).unwrap();
                assert_eq!(a.matmul(&b).kind(), Kind::BFloat16);
            }
            assert_eq!(a.matmul(&b).kind(), Kind::BFloat16, "inner exit keeps the outer region");
        }
        assert_eq!(a.matmul(&b).kind(), Kind::Float);
        let _fp32 = Precision::Fp32.autocast(Device::Cpu).unwrap();
        assert_eq!(a.matmul(&b).kind(), Kind::Float);
    }

    #[test]
    fn autocast_is_per_thread() {
        let _on = Precision::Bf16.autocast(Device::Cpu).unwrap();
        let other = std::thread::spawn(|| {
            let a = Tensor::ones([2, 2], (Kind::Float, Device::Cpu));
            a.matmul(&a).kind()
        })
        .join()
        .unwrap();
        assert_eq!(other, Kind::Float);
    }
}
