//! The Rust-side safetensors check, and the refusals on load: hostile headers, NaN or infinite
//! weights, integer or bool tensors for float variables, wrong shapes: each one line naming the
//! tensor, never a libtorch backtrace.
use nets::safetensors_check::{check_safetensors_bytes, first_non_finite, Dtype, MAX_HEADER_BYTES};
use nets::{
    all_finite, expect_like, load_backbone, load_varstore, read_tensors, save_tensors, Adam, AdamConfig, NetError,
    QNet, QNetConfig,
};
use std::path::Path;
use tch::nn::VarStore;
use tch::{Device, Kind, Tensor};

/// A safetensors file from a header's JSON text and the data bytes.
fn file(header: &str, data: &[u8]) -> Vec<u8> {
    let mut out = (header.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(data);
    out
}

fn err(bytes: &[u8]) -> String {
    let e = check_safetensors_bytes(bytes).unwrap_err().to_string();
    assert!(!e.contains('\n'), "one line: {e}");
    e
}

#[test]
fn a_file_written_by_save_tensors_passes_with_every_tensor_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.safetensors");
    let tensors = vec![
        ("a".to_string(), Tensor::from_slice(&[1.0f32, 2.0, 3.0])),
        ("b".to_string(), Tensor::from_slice(&[7i64]).view([1, 1])),
        ("c".to_string(), Tensor::from_slice(&[true, false])),
        ("d".to_string(), Tensor::zeros([2, 0], (Kind::Float, Device::Cpu))),
    ];
    save_tensors(&tensors, &path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let entries = check_safetensors_bytes(&bytes).unwrap();
    let find = |n: &str| entries.iter().find(|e| e.name == n).unwrap();
    assert_eq!((find("a").dtype, find("a").shape.clone()), (Dtype::F32, vec![3]));
    assert_eq!((find("b").dtype, find("b").shape.clone()), (Dtype::I64, vec![1, 1]));
    assert_eq!(find("c").dtype, Dtype::Bool);
    assert_eq!(find("d").shape, vec![2, 0]);
    assert_eq!(
        &bytes[find("a").bytes.clone()],
        &[0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64]
    );
    assert!(first_non_finite(&bytes, &entries).is_none());
    let back = read_tensors(&path).unwrap();
    assert_eq!(back.len(), 4);
    let b = &back.iter().find(|(n, _)| n == "b").unwrap().1;
    assert_eq!(
        (b.kind(), b.size(), b.int64_value(&[0, 0])),
        (Kind::Int64, vec![1, 1], 7)
    );
}

#[test]
fn hostile_headers_are_refused_with_one_line() {
    let f32x2 = [0u8; 8];
    assert!(err(&[1, 2, 3]).contains("shorter than the 8-byte header length"));
    assert!(err(&file("", &[])).contains("not a JSON object"));
    let mut huge = (MAX_HEADER_BYTES + 1).to_le_bytes().to_vec();
    huge.extend_from_slice(b"{}");
    assert!(err(&huge).contains("exceeds the limit"));
    let mut past = 1000u64.to_le_bytes().to_vec();
    past.extend_from_slice(b"{}");
    assert!(err(&past).contains("runs past the end of the file"));
    assert!(err(&file("[1, 2]", &[])).contains("not a JSON object"));
    assert!(err(&file("{\"a\": ", &[])).contains("not a JSON object"));
    let t = |dtype: &str, shape: &str, offsets: &str| {
        format!("{{\"w\": {{\"dtype\": \"{dtype}\", \"shape\": {shape}, \"data_offsets\": {offsets}}}}}")
    };
    assert!(err(&file(&t("F33", "[2]", "[0, 8]"), &f32x2)).contains("unknown dtype \"F33\""));
    assert!(err(&file(&t("U16", "[4]", "[0, 8]"), &f32x2)).contains("dtype U16 is not supported"));
    assert!(err(&file(&t("F32", "[-2]", "[0, 8]"), &f32x2)).contains("tensor \"w\": shape entry -2"));
    assert!(err(&file(&t("F32", "[2.5]", "[0, 8]"), &f32x2)).contains("shape entry 2.5"));
    assert!(err(&file(&t("F32", "[2]", "[0, 16]"), &f32x2)).contains("do not lie within the 8 bytes"));
    assert!(err(&file(&t("F32", "[2]", "[8, 0]"), &f32x2)).contains("do not lie within"));
    assert!(err(&file(&t("F32", "[3]", "[0, 8]"), &f32x2)).contains("needs 12"));
    assert!(err(&file(&t("F32", "[4611686018427387904, 4]", "[0, 8]"), &f32x2)).contains("too many"));
    assert!(err(&file(&t("F32", "[2]", "[0]"), &f32x2)).contains("data_offsets"));
    assert!(err(&file(&t("F32", "[1]", "[0, 4]"), &f32x2)).contains("4 bytes after the last tensor"));
    let two = |a: &str, b: &str| {
        format!(
            "{{\"a\": {{\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": {a}}}, \
              \"b\": {{\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": {b}}}}}"
        )
    };
    assert!(err(&file(&two("[0, 4]", "[0, 4]"), &f32x2)).contains("overlaps"));
    assert!(err(&file(&two("[0, 4]", "[8, 12]"), &[0; 12])).contains("gap"));
    let dup = "{\"a\": {\"dtype\": \"U8\", \"shape\": [1], \"data_offsets\": [0, 1]}, \
               \"a\": {\"dtype\": \"U8\", \"shape\": [1], \"data_offsets\": [1, 2]}}";
    assert!(err(&file(dup, &[0, 0])).contains("appears twice"));
    assert!(err(&file(&t("BOOL", "[2]", "[0, 2]"), &[1, 2])).contains("bool value 2"));
    let extra = "{\"w\": {\"dtype\": \"U8\", \"shape\": [1], \"data_offsets\": [0, 1], \"x\": 1}}";
    assert!(err(&file(extra, &[0])).contains("unknown field \"x\""));
    assert!(err(&file("{\"__metadata__\": {\"k\": 1}}", &[])).contains("object of strings"));
    let meta =
        "{\"__metadata__\": {\"format\": \"pt\"}, \"w\": {\"dtype\": \"U8\", \"shape\": [], \"data_offsets\": [0, 1]}}";
    assert_eq!(check_safetensors_bytes(&file(meta, &[9])).unwrap().len(), 1);
}

#[test]
fn non_finite_values_are_found_in_every_float_dtype() {
    let one = |dtype: &str, data: &[u8]| {
        let n = data.len();
        let header = format!("{{\"w\": {{\"dtype\": \"{dtype}\", \"shape\": [{n}], \"data_offsets\": [0, {n}]}}}}");
        let header = header.replace(
            &format!("[{n}], "),
            &format!("[{}], ", n / Dtype::parse(dtype).unwrap().size()),
        );
        let bytes = file(&header, data);
        let entries = check_safetensors_bytes(&bytes).unwrap();
        first_non_finite(&bytes, &entries).map(|t| t.name.clone())
    };
    assert_eq!(one("F32", &f32::NAN.to_le_bytes()), Some("w".into()));
    assert_eq!(one("F32", &1.5f32.to_le_bytes()), None);
    assert_eq!(one("F64", &f64::NEG_INFINITY.to_le_bytes()), Some("w".into()));
    assert_eq!(one("F16", &0x7c00u16.to_le_bytes()), Some("w".into()));
    assert_eq!(one("F16", &0x7bffu16.to_le_bytes()), None);
    assert_eq!(one("BF16", &0x7fc0u16.to_le_bytes()), Some("w".into()));
    assert_eq!(one("BF16", &0x3f80u16.to_le_bytes()), None);
    assert_eq!(one("I32", &(-1i32).to_le_bytes()), None);
}

fn mlp() -> (VarStore, QNet) {
    let vs = VarStore::new(Device::Cpu);
    let q = QNet::new(&vs.root(), &QNetConfig::mlp(&[4]), &[3], 2).unwrap();
    (vs, q)
}

/// The MLP's variables, with `name` replaced by `f(old value)`, saved to `path`.
fn tampered(vs: &VarStore, path: &Path, name: &str, f: impl Fn(&Tensor) -> Tensor) {
    let mut named: Vec<(String, Tensor)> = vs.variables().into_iter().collect();
    let slot = named.iter_mut().find(|(n, _)| n == name).unwrap();
    slot.1 = f(&slot.1.detach());
    save_tensors(&named, path).unwrap();
}

fn one_line(e: NetError) -> String {
    let s = e.to_string();
    assert!(
        !s.contains('\n') && !s.contains("frame #"),
        "one line, no backtrace: {s}"
    );
    s
}

#[test]
fn nan_or_infinite_weights_are_refused_naming_the_tensor() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nan.safetensors");
    let (vs, _) = mlp();
    let name = "head.out.weight";
    tampered(&vs, &path, name, |t| t.copy().fill_(f64::NAN));
    let e = one_line(load_varstore(&vs, &path).unwrap_err());
    assert!(
        e.contains(name) && e.contains("NaN or infinite") && e.contains("nan.safetensors"),
        "{e}"
    );
    assert!(matches!(read_tensors(&path), Err(NetError::NonFinite { .. })));
    tampered(&vs, &path, name, |t| t.copy().fill_(f64::INFINITY));
    assert!(one_line(load_backbone(&vs, &path).unwrap_err()).contains(name));
}

#[test]
fn integer_or_bool_tensors_are_not_cast_into_float_weights() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("int.safetensors");
    let (vs, q) = mlp();
    let before = q
        .forward(&Tensor::ones([1, 3], (Kind::Float, Device::Cpu)), false)
        .unwrap();
    let name = "head.out.bias";
    for kind in [Kind::Int, Kind::Int64, Kind::Uint8, Kind::Bool] {
        tampered(&vs, &path, name, |t| t.to_kind(kind));
        let e = one_line(load_varstore(&vs, &path).unwrap_err());
        assert!(e.contains(name) && e.contains("refusing to cast"), "{kind:?}: {e}");
    }
    // Nothing was copied: the network is as it was.
    let after = q
        .forward(&Tensor::ones([1, 3], (Kind::Float, Device::Cpu)), false)
        .unwrap();
    assert!(before.equal(&after));
    // A float of another width is still fine (cast to f32).
    tampered(&vs, &path, name, |t| t.to_kind(Kind::Double));
    load_varstore(&vs, &path).unwrap();
}

#[test]
fn a_wrong_shape_names_the_tensor_on_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shape.safetensors");
    let (vs, _) = mlp();
    tampered(&vs, &path, "head.out.weight", |_| {
        Tensor::zeros([3, 3], (Kind::Float, Device::Cpu))
    });
    let e = one_line(load_varstore(&vs, &path).unwrap_err());
    assert!(e.contains("head.out.weight: expected [2, 4], found [3, 3]"), "{e}");
    let like = Tensor::zeros([2, 4], (Kind::Float, Device::Cpu));
    let found = Tensor::zeros([4, 2], (Kind::Float, Device::Cpu));
    let e = one_line(expect_like(&path, "target.head.out.weight", &found, &like).unwrap_err());
    assert!(
        e.contains("target.head.out.weight: expected [2, 4], found [4, 2]"),
        "{e}"
    );
    let ints = Tensor::zeros([2, 4], (Kind::Int, Device::Cpu));
    assert!(one_line(expect_like(&path, "x", &ints, &like).unwrap_err()).contains("refusing to cast"));
    expect_like(&path, "x", &like.to_kind(Kind::Half), &like).unwrap();
}

#[test]
fn all_finite_names_the_first_bad_tensor() {
    let good = vec![
        ("a".to_string(), Tensor::from_slice(&[1.0f32, -2.0])),
        ("steps".to_string(), Tensor::from_slice(&[i64::MAX])),
    ];
    all_finite(&good).unwrap();
    let mut bad = good;
    bad.push(("b".to_string(), Tensor::from_slice(&[0.0f32, f32::NEG_INFINITY])));
    let e = one_line(all_finite(&bad).unwrap_err());
    assert!(
        e.contains("tensor b holds NaN or infinite values") && e.contains("refusing to save"),
        "{e}"
    );
}

#[test]
fn adam_state_with_integer_moments_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("adam.safetensors");
    let (vs, _) = mlp();
    let mut adam = Adam::new(&vs, AdamConfig::default()).unwrap();
    let mut state = adam.state_tensors().unwrap();
    let slot = state.iter_mut().find(|(n, _)| n.starts_with("adam.m.")).unwrap();
    slot.1 = slot.1.to_kind(Kind::Int);
    let name = slot.0.clone();
    save_tensors(&state, &path).unwrap();
    let e = one_line(adam.load(&path).unwrap_err());
    assert!(e.contains(&name) && e.contains("refusing to cast"), "{e}");
}
