//! Turning a user's device string into a `tch::Device`.
use crate::NetError;
use tch::{Cuda, Device};

/// The device strings [`parse_device`] accepts, for error messages and `--help` texts.
pub const DEVICE_CHOICES: &str = "auto, cpu, cuda, cuda:N";

/// Parses `"auto" | "cpu" | "cuda" | "cuda:N"` (case-insensitive, surrounding spaces ignored).
///
/// `auto` picks CUDA device 0 when libtorch sees a GPU, else the CPU. `cuda` and `cuda:N` return
/// an error when no GPU is visible or `N` is out of range, so a run never silently falls back to
/// the CPU when the user asked for a GPU.
pub fn parse_device(spec: &str) -> Result<Device, NetError> {
    let s = spec.trim().to_ascii_lowercase();
    match s.as_str() {
        "auto" => Ok(Device::cuda_if_available()),
        "cpu" => Ok(Device::Cpu),
        "cuda" | "gpu" => cuda_device(0, spec),
        _ => match s.strip_prefix("cuda:") {
            Some(n) => {
                let index: usize = n.parse().map_err(|_| {
                    NetError::Device(format!(
                        "bad device `{spec}`: `{n}` is not a GPU index; valid: {DEVICE_CHOICES}"
                    ))
                })?;
                cuda_device(index, spec)
            }
            None => Err(NetError::Device(format!(
                "unknown device `{spec}`; valid: {DEVICE_CHOICES}"
            ))),
        },
    }
}

fn cuda_device(index: usize, spec: &str) -> Result<Device, NetError> {
    if !Cuda::is_available() {
        return Err(NetError::Device(format!(
            "device `{spec}` requested but CUDA is not available to libtorch (no GPU, no driver, or a CPU-only \
             libtorch); use `cpu` or `auto`"
        )));
    }
    let count = Cuda::device_count() as usize;
    if index >= count {
        return Err(NetError::Device(format!(
            "device `{spec}` requested but only {count} CUDA device(s) exist (cuda:0..cuda:{})",
            count - 1
        )));
    }
    Ok(Device::Cuda(index))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_cpu_and_auto() {
        assert_eq!(parse_device("cpu").unwrap(), Device::Cpu);
        assert_eq!(parse_device(" CPU ").unwrap(), Device::Cpu);
        assert_eq!(parse_device("auto").unwrap(), Device::cuda_if_available());
    }

    #[test]
    fn rejects_unknown_and_bad_index() {
        let err = parse_device("tpu").unwrap_err().to_string();
        assert!(err.contains("tpu") && err.contains(DEVICE_CHOICES), "{err}");
        let err = parse_device("cuda:x").unwrap_err().to_string();
        assert!(err.contains("not a GPU index"), "{err}");
    }

    #[test]
    fn cuda_without_gpu_is_a_clear_error() {
        if Cuda::is_available() {
            assert!(parse_device("cuda").is_ok());
            assert!(parse_device("cuda:999")
                .unwrap_err()
                .to_string()
                .contains("CUDA device(s) exist"));
        } else {
            let err = parse_device("cuda").unwrap_err().to_string();
            assert!(err.contains("CUDA is not available"), "{err}");
        }
    }
}
