//! A strict check of a safetensors file's bytes, in Rust, before any tensor is built from them.
//!
//! The format: an 8-byte little-endian header length `N`, `N` bytes of JSON, then the data. The
//! JSON is an object mapping each tensor name to `{"dtype", "shape", "data_offsets": [begin, end]}`
//! (offsets into the data), plus an optional `"__metadata__"` object of strings.
//! [`check_safetensors_bytes`] accepts a file only when the header length fits in the file, the
//! JSON parses, every name is unique, every dtype is one that libtorch loads, every size fits in
//! memory arithmetic, `end − begin` equals dtype size × element count, the tensors tile the data
//! exactly (no overlap, no gap, nothing after the last one) and every bool byte is 0 or 1. It is a
//! pure function over bytes, so it is fuzzed (`fuzz/`, target `checkpoint_loader`).
//!
//! [`first_non_finite`] then finds a float tensor holding NaN or ±inf, straight from the bytes.

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use std::ops::Range;

/// Largest header accepted (the reference implementation's limit).
pub const MAX_HEADER_BYTES: u64 = 100 << 20;
/// Largest number of dimensions accepted for one tensor.
pub const MAX_RANK: usize = 16;
/// The key of the free-form metadata entry of the header.
const METADATA_KEY: &str = "__metadata__";

/// Why a file is not a valid safetensors file: one line, naming the tensor when there is one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FormatError(pub String);

fn bad<T>(msg: String) -> Result<T, FormatError> {
    Err(FormatError(msg))
}

/// The element types our checkpoints may hold (all map onto a libtorch kind).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dtype {
    /// One byte, 0 or 1.
    Bool,
    /// Unsigned 8-bit integer.
    U8,
    /// Signed 8-bit integer.
    I8,
    /// Signed 16-bit integer.
    I16,
    /// Signed 32-bit integer.
    I32,
    /// Signed 64-bit integer.
    I64,
    /// IEEE half precision.
    F16,
    /// bfloat16.
    BF16,
    /// IEEE single precision.
    F32,
    /// IEEE double precision.
    F64,
}

/// `(file spelling, dtype)` of every supported dtype.
const DTYPES: [(&str, Dtype); 10] = [
    ("BOOL", Dtype::Bool),
    ("U8", Dtype::U8),
    ("I8", Dtype::I8),
    ("I16", Dtype::I16),
    ("I32", Dtype::I32),
    ("I64", Dtype::I64),
    ("F16", Dtype::F16),
    ("BF16", Dtype::BF16),
    ("F32", Dtype::F32),
    ("F64", Dtype::F64),
];

/// Dtypes of the format that libtorch (through tch) cannot hold or that we never write.
const UNSUPPORTED: [&str; 11] = [
    "U16", "U32", "U64", "F8_E4M3", "F8_E5M2", "F8_E8M0", "F6_E2M3", "F6_E3M2", "F4", "E8M0", "C64",
];

impl Dtype {
    /// Parses the file's spelling (`"F32"`, `"BOOL"`, ...).
    pub fn parse(s: &str) -> Result<Dtype, FormatError> {
        if let Some((_, d)) = DTYPES.iter().find(|(n, _)| *n == s) {
            return Ok(*d);
        }
        let names: Vec<&str> = DTYPES.iter().map(|(n, _)| *n).collect();
        if UNSUPPORTED.contains(&s) {
            return bad(format!("dtype {s} is not supported (supported: {})", names.join(", ")));
        }
        bad(format!("unknown dtype {s:?} (supported: {})", names.join(", ")))
    }

    /// The file's spelling.
    pub fn name(self) -> &'static str {
        DTYPES.iter().find(|(_, d)| *d == self).map(|(n, _)| *n).unwrap_or("?")
    }

    /// Bytes per element.
    pub fn size(self) -> usize {
        match self {
            Dtype::Bool | Dtype::U8 | Dtype::I8 => 1,
            Dtype::I16 | Dtype::F16 | Dtype::BF16 => 2,
            Dtype::I32 | Dtype::F32 => 4,
            Dtype::I64 | Dtype::F64 => 8,
        }
    }

    /// True for the floating-point dtypes.
    pub fn is_float(self) -> bool {
        matches!(self, Dtype::F16 | Dtype::BF16 | Dtype::F32 | Dtype::F64)
    }

    /// The libtorch element kind.
    pub fn kind(self) -> tch::Kind {
        match self {
            Dtype::Bool => tch::Kind::Bool,
            Dtype::U8 => tch::Kind::Uint8,
            Dtype::I8 => tch::Kind::Int8,
            Dtype::I16 => tch::Kind::Int16,
            Dtype::I32 => tch::Kind::Int,
            Dtype::I64 => tch::Kind::Int64,
            Dtype::F16 => tch::Kind::Half,
            Dtype::BF16 => tch::Kind::BFloat16,
            Dtype::F32 => tch::Kind::Float,
            Dtype::F64 => tch::Kind::Double,
        }
    }
}

/// One tensor of a checked file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TensorEntry {
    /// Its name.
    pub name: String,
    /// Its element type.
    pub dtype: Dtype,
    /// Its shape (every dimension fits in an `i64`).
    pub shape: Vec<i64>,
    /// Where its bytes are, as offsets into the whole file (not the data section).
    pub bytes: Range<usize>,
}

/// The header's top-level entries in file order, duplicates kept (a map would hide them).
struct Entries(Vec<(String, serde_json::Value)>);

impl<'de> Deserialize<'de> for Entries {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct EntriesVisitor;
        impl<'de> Visitor<'de> for EntriesVisitor {
            type Value = Entries;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entries, A::Error> {
                let mut out = Vec::new();
                while let Some(entry) = map.next_entry::<String, serde_json::Value>()? {
                    out.push(entry);
                }
                Ok(Entries(out))
            }
        }
        d.deserialize_map(EntriesVisitor)
    }
}

/// Checks the whole file (see the module doc) and returns its tensors ordered by position.
pub fn check_safetensors_bytes(bytes: &[u8]) -> Result<Vec<TensorEntry>, FormatError> {
    let Some(len_bytes) = bytes.first_chunk::<8>() else {
        return bad(format!(
            "the file is {} bytes, shorter than the 8-byte header length",
            bytes.len()
        ));
    };
    let header_len = u64::from_le_bytes(*len_bytes);
    if header_len > MAX_HEADER_BYTES {
        return bad(format!(
            "header length {header_len} exceeds the limit of {MAX_HEADER_BYTES} bytes"
        ));
    }
    let data_start = 8 + header_len as usize;
    if data_start > bytes.len() {
        return bad(format!(
            "header length {header_len} runs past the end of the file ({} bytes)",
            bytes.len()
        ));
    }
    let entries: Entries = serde_json::from_slice(&bytes[8..data_start])
        .map_err(|e| FormatError(format!("the header is not a JSON object: {e}")))?;
    let data_len = bytes.len() - data_start;
    let mut tensors: Vec<TensorEntry> = Vec::with_capacity(entries.0.len());
    let mut names = std::collections::HashSet::new();
    for (name, value) in entries.0 {
        if !names.insert(name.clone()) {
            return bad(format!("name {name:?} appears twice in the header"));
        }
        if name == METADATA_KEY {
            check_metadata(&value)?;
            continue;
        }
        let mut t = parse_entry(&name, &value, data_len)?;
        t.bytes = t.bytes.start + data_start..t.bytes.end + data_start;
        tensors.push(t);
    }
    tensors.sort_by_key(|t| (t.bytes.start, t.bytes.end));
    let mut pos = data_start;
    for t in &tensors {
        if t.bytes.start != pos {
            let what = if t.bytes.start < pos {
                "overlaps the tensor before it"
            } else {
                "leaves a gap before it"
            };
            return bad(format!("tensor {:?}: its data {what}", t.name));
        }
        pos = t.bytes.end;
        if t.dtype == Dtype::Bool {
            if let Some(v) = bytes[t.bytes.clone()].iter().find(|&&v| v > 1) {
                return bad(format!("tensor {:?}: bool value {v} (must be 0 or 1)", t.name));
            }
        }
    }
    if pos != bytes.len() {
        return bad(format!("{} bytes after the last tensor's data", bytes.len() - pos));
    }
    Ok(tensors)
}

fn check_metadata(value: &serde_json::Value) -> Result<(), FormatError> {
    let ok = value.as_object().is_some_and(|m| m.values().all(|v| v.is_string()));
    if ok {
        Ok(())
    } else {
        bad(format!("{METADATA_KEY} must be an object of strings"))
    }
}

/// One tensor's entry; `bytes` relative to the data section, checked to lie within `data_len`.
fn parse_entry(name: &str, value: &serde_json::Value, data_len: usize) -> Result<TensorEntry, FormatError> {
    let fail = |what: String| FormatError(format!("tensor {name:?}: {what}"));
    let obj = value
        .as_object()
        .ok_or_else(|| fail("its entry is not an object".into()))?;
    if let Some(key) = obj
        .keys()
        .find(|k| !["dtype", "shape", "data_offsets"].contains(&k.as_str()))
    {
        return Err(fail(format!("unknown field {key:?}")));
    }
    let dtype = obj
        .get("dtype")
        .and_then(|v| v.as_str())
        .ok_or_else(|| fail("no \"dtype\" string".into()))?;
    let dtype = Dtype::parse(dtype).map_err(|e| fail(e.0))?;
    let dims = obj
        .get("shape")
        .and_then(|v| v.as_array())
        .ok_or_else(|| fail("no \"shape\" array".into()))?;
    if dims.len() > MAX_RANK {
        return Err(fail(format!("{} dimensions (at most {MAX_RANK})", dims.len())));
    }
    let mut shape = Vec::with_capacity(dims.len());
    let mut elements: u64 = 1;
    for d in dims {
        let d = d
            .as_u64()
            .filter(|&d| d <= i64::MAX as u64)
            .ok_or_else(|| fail(format!("shape entry {d} is not a dimension (an integer ≥ 0)")))?;
        elements = elements
            .checked_mul(d)
            .ok_or_else(|| fail(format!("shape {dims:?} has too many elements")))?;
        shape.push(d as i64);
    }
    let offsets = obj
        .get("data_offsets")
        .and_then(|v| v.as_array())
        .filter(|a| a.len() == 2)
        .ok_or_else(|| fail("no \"data_offsets\" pair [begin, end]".into()))?;
    let (Some(begin), Some(end)) = (offsets[0].as_u64(), offsets[1].as_u64()) else {
        return Err(fail(format!("data_offsets {offsets:?} are not two integers ≥ 0")));
    };
    if begin > end || end > data_len as u64 {
        return Err(fail(format!(
            "data_offsets [{begin}, {end}] do not lie within the {data_len} bytes of data"
        )));
    }
    let needed = elements
        .checked_mul(dtype.size() as u64)
        .ok_or_else(|| fail(format!("shape {shape:?} has too many bytes")))?;
    if end - begin != needed {
        return Err(fail(format!(
            "data_offsets [{begin}, {end}] hold {} bytes, but {} × shape {shape:?} needs {needed}",
            end - begin,
            dtype.name()
        )));
    }
    Ok(TensorEntry {
        name: name.to_string(),
        dtype,
        shape,
        bytes: begin as usize..end as usize,
    })
}

/// The first float tensor of a checked file holding NaN or ±inf, if any.
pub fn first_non_finite<'a>(bytes: &[u8], tensors: &'a [TensorEntry]) -> Option<&'a TensorEntry> {
    tensors
        .iter()
        .find(|t| !float_bytes_finite(t.dtype, &bytes[t.bytes.clone()]))
}

/// True unless `data` (little-endian values of `dtype`) holds NaN or ±inf; integers are finite.
fn float_bytes_finite(dtype: Dtype, data: &[u8]) -> bool {
    // A float is NaN or inf exactly when all its exponent bits are set.
    match dtype {
        Dtype::F16 => data
            .chunks_exact(2)
            .all(|c| u16::from_le_bytes([c[0], c[1]]) & 0x7c00 != 0x7c00),
        Dtype::BF16 => data
            .chunks_exact(2)
            .all(|c| u16::from_le_bytes([c[0], c[1]]) & 0x7f80 != 0x7f80),
        Dtype::F32 => data
            .chunks_exact(4)
            .all(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]).is_finite()),
        Dtype::F64 => data
            .chunks_exact(8)
            .all(|c| f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]).is_finite()),
        _ => true,
    }
}
