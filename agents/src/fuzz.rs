//! The bodies of the fuzz targets in `fuzz/` (cargo-fuzz, libFuzzer): each takes arbitrary bytes
//! and feeds them to one of the parsers that read files a user hands us. Whatever the bytes, a body
//! must return (the parsers answer with errors): a panic, an abort or a hang is a finding.
//!
//! The targets are thin wrappers, so the bodies can follow the parsers when they move; a plain
//! `cargo test` replays the committed corpus and every crash found so far through [`TARGETS`]
//! (`tests/fuzz_corpus.rs`), without cargo-fuzz.

use crate::dqn::presets::resolve;
use crate::dqn::train::obs_shape;
use crate::dqn::{DqnError, Learner, TrainConfig};
use crate::run::checkpoints::check_like;
use crate::run::Override;
use crate::seg::data::{parse_list, rebase};
use crate::seg::pngio::decode_labels;
use crate::tensorboard::{add_scalars, decode_events, Event};
use std::cell::RefCell;
use std::path::Path;

/// A fuzz target's body: it takes arbitrary bytes and must return.
pub type Body = fn(&[u8]);

/// `(name, body)` of every target, as named in `fuzz/fuzz_targets/` and `fuzz/corpus/`.
pub const TARGETS: [(&str, Body); 5] = [
    ("checkpoint_loader", checkpoint_loader),
    ("config", config),
    ("png_label", png_label),
    ("camvid_list", camvid_list),
    ("tb_reader", tb_reader),
];

/// The env of the network [`checkpoint_loader`] loads into.
pub const FUZZ_ENV: &str = "cartpole";
/// The `--set` that makes that network tiny (4 → 4 → 2), so seed checkpoints stay small.
pub const FUZZ_NET: &str = "net.torso.hidden=[4]";

thread_local! {
    static LEARNER: RefCell<Option<Learner>> = const { RefCell::new(None) };
}

/// The tiny cartpole learner [`checkpoint_loader`] loads into (also used to write its seeds).
pub fn fuzz_learner() -> Result<Learner, DqnError> {
    let net = Override::parse(FUZZ_NET).map_err(|e| DqnError::Config(e.to_string()))?;
    let cfg = resolve(FUZZ_ENV, None, &[Override::new("env_id", FUZZ_ENV), net])?;
    let (shape, _, n_actions) = obs_shape(&cfg)?;
    Learner::new(&cfg.net, &cfg.dqn, &shape, n_actions, tch::Device::Cpu)
}

/// A safetensors file read as a checkpoint: the bytes checked and made into tensors, then loaded
/// both as a model file (into the network) and as a `.train.safetensors` sidecar (counters, Adam
/// state, target network).
pub fn checkpoint_loader(data: &[u8]) {
    let path = Path::new("fuzz.safetensors");
    let Ok(tensors) = nets::tensors_from_bytes(data, path) else {
        return;
    };
    LEARNER.with(|cell| {
        let mut cell = cell.borrow_mut();
        if cell.is_none() {
            *cell = Some(fuzz_learner().expect("the fuzz network builds"));
        }
        let Some(learner) = cell.as_mut() else { return };
        let copies = tensors.iter().map(|(n, t)| (n.clone(), t.shallow_clone())).collect();
        let _ = nets::load_varstore_from(&learner.online.vs, copies, path);
        // As `--resume` checks a sidecar: every tensor against the network's, then Adam's state.
        let mut reference = learner.online.named_tensors("target.");
        if let Ok(adam) = learner.adam.state_tensors() {
            reference.extend(adam);
        }
        let _ = check_like(path, &tensors, &reference);
        let _ = learner.adam.load_state_tensors(&tensors, path);
    });
}

/// A configuration text: as a run's `config.toml` (parsed and validated, as `eval` and resume
/// read it), as a `--config` file over a preset, and each of its first lines as a `--set`.
pub fn config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(cfg) = toml::from_str::<TrainConfig>(text) {
        let _ = cfg.validate();
    }
    let file = std::env::temp_dir().join(format!(".dqn-fuzz-config-{}.toml", std::process::id()));
    if std::fs::write(&file, text).is_ok() {
        let _ = resolve(FUZZ_ENV, None, &[Override::new("env_id", FUZZ_ENV)]);
        let _ = resolve(FUZZ_ENV, Some(&file), &[Override::new("env_id", FUZZ_ENV)]);
        let _ = std::fs::remove_file(&file);
    }
    let mut sets: Vec<Override> = text.lines().take(8).filter_map(|l| Override::parse(l).ok()).collect();
    sets.push(Override::new("env_id", FUZZ_ENV));
    let _ = resolve(FUZZ_ENV, None, &sets);
}

/// A label PNG (`trainannot/*.png`).
pub fn png_label(data: &[u8]) {
    let _ = decode_labels(data, Path::new("fuzz.png"));
}

/// A CamVid list file (`train.txt`), every entry rebased onto a dataset root.
pub fn camvid_list(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(entries) = parse_list(text, Path::new("train.txt")) {
        for e in entries {
            let _ = rebase(Path::new("/data"), e.image);
            let _ = rebase(Path::new("data"), e.label);
        }
    }
}

/// A TensorBoard event file, read as `dqn plot` reads it; and the same bytes as one record's
/// `Event` proto, which random bytes rarely reach through the records' CRCs.
pub fn tb_reader(data: &[u8]) {
    let (mut events, _) = decode_events(data, Path::new("fuzz.tfevents"));
    events.extend(<Event as prost::Message>::decode(data));
    let mut series = std::collections::BTreeMap::new();
    add_scalars(&mut series, events);
}
