//! Building a SegNet from a run's configuration, and starting its encoder from another
//! checkpoint's `backbone.*` (a DQN's or a SegNet's).

use std::path::Path;

use nets::SegNet;
use tch::nn::VarStore;
use tch::Device;

use super::config::SegTrainConfig;
use super::error::SegTrainError;

/// Builds a SegNet from `cfg` on `device` in a fresh VarStore.
pub fn build_net(cfg: &SegTrainConfig, device: Device) -> Result<(VarStore, SegNet), SegTrainError> {
    let vs = VarStore::new(device);
    let net = SegNet::new(&vs.root(), &cfg.net)?;
    Ok((vs, net))
}

/// Loads `backbone.*` from `path` into `vs` and describes the result; an error when no tensor
/// fits (e.g. a checkpoint of a different backbone), listing the mismatches.
pub fn init_backbone(vs: &VarStore, path: &Path) -> Result<nets::TransferReport, SegTrainError> {
    let report = nets::load_backbone(vs, path)?;
    if report.is_empty() {
        let detail: Vec<String> = report
            .skipped_shape_mismatch
            .iter()
            .take(3)
            .map(|m| m.to_string())
            .collect();
        return Err(SegTrainError::Config(format!(
            "{}: its backbone does not fit this network: no backbone tensor has a matching name and shape ({} missing, {} shape mismatches{}{}); use a checkpoint whose backbone matches the preset (the `driving` DQN preset matches `basic`)",
            path.display(),
            report.missing.len(),
            report.skipped_shape_mismatch.len(),
            if detail.is_empty() { "" } else { ": " },
            detail.join(", ")
        )));
    }
    Ok(report)
}
