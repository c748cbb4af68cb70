//! Checkpoint I/O: VarStores and named tensors as safetensors files, written atomically, read back
//! with precise errors.
//!
//! tch's own `VarStore::load` panics or gives opaque errors on a checkpoint of another architecture
//! and silently takes the file's dtype; here the file's bytes are checked in Rust first
//! ([`crate::safetensors_check`]), NaN or infinite weights are refused, then every name, shape and
//! element class (float, integer, bool) is checked, then values are copied (floats cast to the
//! variable's float type) under `no_grad`.
//!
//! Backbone transfer (DQN ↔ SegNet): both networks name their encoder `backbone.*`, so
//! [`load_backbone`] copies the matching tensors and reports what did not fit; [`freeze_backbone`]
//! then stops its gradients.
pub use crate::safetensors_check::check_safetensors_bytes;
use crate::safetensors_check::first_non_finite;
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

/// Reads every tensor of a safetensors file (on the CPU, in the file's dtype). The bytes are checked
/// in Rust first ([`check_safetensors_bytes`]), so libtorch only ever sees well-formed data.
/// Errors: [`NetError::MissingFile`], [`NetError::Corrupt`] (truncated, bad header, unsupported
/// dtype, overlapping data, ...), [`NetError::NonFinite`] (a float tensor holds NaN or ±inf).
pub fn read_tensors(path: &Path) -> Result<Vec<(String, Tensor)>, NetError> {
    let bytes = match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(NetError::MissingFile(path.to_path_buf())),
        Err(e) => return Err(io_err(path, e)),
        Ok(m) if m.is_dir() => {
            return Err(NetError::Corrupt {
                path: path.to_path_buf(),
                reason: "this is a folder, not a file".into(),
            })
        }
        Ok(_) => std::fs::read(path).map_err(|e| io_err(path, e))?,
    };
    tensors_from_bytes(&bytes, path)
}

/// [`read_tensors`] on the bytes of a file; `path` only names it in errors. Fuzzed (`fuzz/`,
/// target `checkpoint_loader`).
pub fn tensors_from_bytes(bytes: &[u8], path: &Path) -> Result<Vec<(String, Tensor)>, NetError> {
    let corrupt = |reason: String| NetError::Corrupt {
        path: path.to_path_buf(),
        reason,
    };
    let entries = check_safetensors_bytes(bytes).map_err(|e| corrupt(e.0))?;
    if let Some(t) = first_non_finite(bytes, &entries) {
        return Err(NetError::NonFinite {
            path: Some(path.to_path_buf()),
            name: t.name.clone(),
        });
    }
    entries
        .into_iter()
        .map(|t| {
            let tensor = Tensor::f_from_data_size(&bytes[t.bytes], &t.shape, t.dtype.kind())?;
            Ok((t.name, tensor))
        })
        .collect()
}

/// `Err(NetError::NonFinite)` naming the first tensor that holds NaN or ±inf (tensors on any
/// device; integer tensors always pass). Trainers call it before saving a model or calling it
/// good.
pub fn all_finite(tensors: &[(String, Tensor)]) -> Result<(), NetError> {
    for (name, t) in tensors {
        if t.is_floating_point() && !bool::try_from(t.f_isfinite()?.f_all()?)? {
            return Err(NetError::NonFinite {
                path: None,
                name: name.clone(),
            });
        }
    }
    Ok(())
}

/// What a tensor's element type is, for the no-silent-cast rule: floats go into floats, integers
/// into integers, bools into bools.
fn kind_class(kind: tch::Kind) -> &'static str {
    use tch::Kind::*;
    match kind {
        Bool => "bool",
        Half | Float | Double | BFloat16 | Float8e5m2 | Float8e4m3fn | Float8e5m2fnuz | Float8e4m3fnuz => "float",
        ComplexHalf | ComplexFloat | ComplexDouble => "complex",
        Uint8 | Int8 | Int16 | Int | Int64 | QInt8 | QUInt8 | QInt32 => "integer",
    }
}

/// Checks that tensor `name` read from `path` can be copied into `like` (a variable or a tensor
/// of the running network): the same shape ([`NetError::ArchitectureMismatch`] naming it
/// otherwise) and the same class of element type ([`NetError::DtypeMismatch`]: integer or bool
/// values never go silently into float weights).
pub fn expect_like(path: &Path, name: &str, found: &Tensor, like: &Tensor) -> Result<(), NetError> {
    if found.size() != like.size() {
        return Err(NetError::ArchitectureMismatch {
            path: path.to_path_buf(),
            missing: Vec::new(),
            unexpected: Vec::new(),
            mismatched: vec![ShapeMismatch {
                name: name.to_string(),
                expected: like.size(),
                found: found.size(),
            }],
        });
    }
    check_kind(path, name, found, like)
}

/// [`NetError::DtypeMismatch`] unless `found` and `like` hold the same class of element type.
pub(crate) fn check_kind(path: &Path, name: &str, found: &Tensor, like: &Tensor) -> Result<(), NetError> {
    let (f, l) = (found.kind(), like.kind());
    if kind_class(f) != kind_class(l) {
        return Err(NetError::DtypeMismatch {
            path: path.to_path_buf(),
            name: name.to_string(),
            expected: format!("{l:?}"),
            found: format!("{f:?}"),
        });
    }
    Ok(())
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
    load_varstore_from(vs, read_tensors(path)?, path)
}

/// [`load_varstore`] from tensors already read from `path` (which only names it in errors).
pub fn load_varstore_from(vs: &VarStore, tensors: Vec<(String, Tensor)>, path: &Path) -> Result<(), NetError> {
    let file: HashMap<String, Tensor> = tensors.into_iter().collect();
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
    let mut names: Vec<&String> = vars.keys().collect();
    names.sort();
    for name in &names {
        check_kind(path, name, &file[*name], &vars[*name])?;
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
                check_kind(path, &name, t, &var)?;
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
