//! Replays the committed fuzz corpus (`fuzz/seeds/<target>/`) and every crash found so far
//! (`fuzz/regressions/<target>/`) through the targets' bodies ([`agents::fuzz::TARGETS`]): a plain
//! `cargo test`, no cargo-fuzz and no instrumented build. A body that panics fails the test.

use std::path::{Path, PathBuf};

fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries.flatten().map(|e| e.path()).filter(|p| p.is_file()).collect();
    out.sort();
    out
}

#[test]
fn every_seed_and_regression_input_runs_through_its_target() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let mut lines = Vec::new();
    for (name, body) in agents::fuzz::TARGETS {
        let seeds = files(&fuzz.join("seeds").join(name));
        assert!(!seeds.is_empty(), "fuzz/seeds/{name}/ holds no seed");
        let regressions = files(&fuzz.join("regressions").join(name));
        for path in seeds.iter().chain(&regressions) {
            let data = std::fs::read(path).unwrap();
            let outcome = std::panic::catch_unwind(|| body(&data));
            assert!(outcome.is_ok(), "fuzz target {name} panics on {}", path.display());
        }
        lines.push(format!(
            "{name}: {} seeds, {} regressions",
            seeds.len(),
            regressions.len()
        ));
    }
    println!("{}", lines.join("\n"));
}
