//! Checkpoint I/O: VarStores and named tensors as safetensors files, written atomically, read back
//! with precise errors.
//!
//! tch's own `VarStore::load` panics or gives opaque errors on a checkpoint of another architecture
//! and silently takes the file's dtype; here every name and shape is checked first, then values are
//! copied (and cast to the variable's dtype) under `no_grad`.
//!
//! Backbone transfer (DQN ↔ SegNet): both networks name their encoder `backbone.*`, so
//! [`load_backbone`] copies the matching tensors and reports what did not fit; [`freeze_backbone`]
//! then stops its gradients.
use crate::{NetError, ShapeMismatch};
use std::collections::HashMap;
use std::path::Path;
use tch::nn::VarStore;
use tch::Tensor;

/// Prefix of the shared encoder's variables.
pub const BACKBONE_PREFIX: &str = "backbone.";

fn io_err(path: &Path, source: std::io::Error) -> NetError {
    NetError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes named tensors to `path` as safetensors, atomically (through [`atomic_io::write_atomic`]),
/// so a crash never leaves a half-written checkpoint. Tensors may live on any device; they are
/// copied to the CPU and made contiguous.
pub fn save_tensors(tensors: &[(String, Tensor)], path: &Path) -> Result<(), NetError> {
    let cpu: Vec<(&str, Tensor)> = tensors
        .iter()
        .map(|(n, t)| Ok((n.as_str(), t.f_detach()?.f_to_device(tch::Device::Cpu)?.f_contiguous()?)))
        .collect::<Result<_, tch::TchError>>()?;
    atomic_io::write_atomic(path, |tmp| {
        Tensor::write_safetensors(&cpu, tmp).map_err(std::io::Error::other)
    })
    .map_err(|e| io_err(path, e))
}

/// Reads every tensor of a safetensors file (on the CPU, in the file's dtype).
/// Errors: [`NetError::MissingFile`], [`NetError::Corrupt`] (truncated, bad header, unsupported dtype).
pub fn read_tensors(path: &Path) -> Result<Vec<(String, Tensor)>, NetError> {
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(NetError::MissingFile(path.to_path_buf())),
        Err(e) => return Err(io_err(path, e)),
        Ok(m) if m.is_dir() => {
            return Err(NetError::Corrupt {
                path: path.to_path_buf(),
                reason: "this is a folder, not a file".into(),
            })
        }
        Ok(_) => {}
    }
    Tensor::read_safetensors(path).map_err(|e| NetError::Corrupt {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
}

/// Saves all variables of `vs` (trainable ones and BatchNorm statistics) to `path` atomically.
pub fn save_varstore(vs: &VarStore, path: &Path) -> Result<(), NetError> {
    let mut named: Vec<(String, Tensor)> = vs.variables().into_iter().collect();
    named.sort_by(|a, b| a.0.cmp(&b.0));
    save_tensors(&named, path)
}

fn copy_into(dst: &Tensor, src: &Tensor) -> Result<(), NetError> {
    let mut dst = dst.shallow_clone();
    tch::no_grad(|| dst.f_copy_(src))?;
    Ok(())
}

/// Loads every variable of `vs` from `path`. Strict: the file must hold exactly the network's
/// names with the same shapes, else [`NetError::ArchitectureMismatch`] lists the missing,
/// unexpected and mismatched names (nothing is copied then). Values are cast to each variable's
/// dtype and device.
pub fn load_varstore(vs: &VarStore, path: &Path) -> Result<(), NetError> {
    let file: HashMap<String, Tensor> = read_tensors(path)?.into_iter().collect();
    let vars = vs.variables();
    let mut missing = Vec::new();
    let mut mismatched = Vec::new();
    for (name, var) in &vars {
        match file.get(name) {
            None => missing.push(name.clone()),
            Some(t) if t.size() != var.size() => mismatched.push(ShapeMismatch {
                name: name.clone(),
                expected: var.size(),
                found: t.size(),
            }),
            Some(_) => {}
        }
    }
    let mut unexpected: Vec<String> = file.keys().filter(|n| !vars.contains_key(*n)).cloned().collect();
    if !missing.is_empty() || !unexpected.is_empty() || !mismatched.is_empty() {
        missing.sort();
        unexpected.sort();
        mismatched.sort_by(|a, b| a.name.cmp(&b.name));
        return Err(NetError::ArchitectureMismatch {
            path: path.to_path_buf(),
            missing,
            unexpected,
            mismatched,
        });
    }
    for (name, var) in &vars {
        copy_into(var, &file[name])?;
    }
    Ok(())
}

/// What [`load_backbone`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TransferReport {
    /// `backbone.*` names copied from the file.
    pub loaded: Vec<String>,
    /// `backbone.*` names of the network that the file lacks (left at their initial values).
    pub missing: Vec<String>,
    /// `backbone.*` names present in both with different shapes (left at their initial values).
    pub skipped_shape_mismatch: Vec<ShapeMismatch>,
}

impl TransferReport {
    /// True when nothing was transferred (e.g. a Nature checkpoint into a VGG backbone).
    pub fn is_empty(&self) -> bool {
        self.loaded.is_empty()
    }
}

impl std::fmt::Display for TransferReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "backbone transfer: {} tensor(s) loaded, {} missing from the checkpoint, {} skipped for shape mismatch",
            self.loaded.len(),
            self.missing.len(),
            self.skipped_shape_mismatch.len()
        )?;
        for m in self.skipped_shape_mismatch.iter().take(6) {
            write!(f, "\n  shape mismatch {m}")?;
        }
        for m in self.missing.iter().take(6) {
            write!(f, "\n  missing {m}")?;
        }
        Ok(())
    }
}

/// Copies the `backbone.*` tensors of the checkpoint at `path` into the `backbone.*` variables of
/// `vs` whose names and shapes match (any other architecture's checkpoint is fine: a DQN's into a
/// SegNet or back). Everything else in `vs` is untouched. Returns what was loaded and skipped;
/// callers should treat [`TransferReport::is_empty`] as a user error worth reporting.
pub fn load_backbone(vs: &VarStore, path: &Path) -> Result<TransferReport, NetError> {
    let file: HashMap<String, Tensor> = read_tensors(path)?.into_iter().collect();
    let mut report = TransferReport::default();
    let mut vars: Vec<(String, Tensor)> = vs
        .variables()
        .into_iter()
        .filter(|(n, _)| n.starts_with(BACKBONE_PREFIX))
        .collect();
    vars.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, var) in vars {
        match file.get(&name) {
            None => report.missing.push(name),
            Some(t) if t.size() != var.size() => report.skipped_shape_mismatch.push(ShapeMismatch {
                name,
                expected: var.size(),
                found: t.size(),
            }),
            Some(t) => {
                copy_into(&var, t)?;
                report.loaded.push(name);
            }
        }
    }
    Ok(report)
}

/// Sets `requires_grad` of every trainable `backbone.*` variable to `!frozen` and returns how
/// many were changed. BatchNorm running statistics are not trainable and are left alone (run the
/// forward with `train = false` to also keep them fixed). [`crate::Adam`] skips parameters without
/// gradients, so freezing after building the optimizer works.
pub fn freeze_backbone(vs: &VarStore, frozen: bool) -> usize {
    // `trainable_variables` has no names: match the named map against it by storage address.
    let trainable: std::collections::HashSet<usize> =
        vs.trainable_variables().iter().map(|t| t.data_ptr() as usize).collect();
    let mut n = 0;
    for (name, var) in vs.variables() {
        if name.starts_with(BACKBONE_PREFIX) && trainable.contains(&(var.data_ptr() as usize)) {
            let _ = var.set_requires_grad(!frozen);
            n += 1;
        }
    }
    n
}
