//! `dqn` re-executes itself once at start to give libtorch its thread count (src/runtime.rs). That
//! must work while `cargo build` replaces the binary at its path, as it does when a script keeps
//! starting `dqn` during a rebuild: the path then names a new file, and the old one reads
//! `dqn (deleted)`. (Its own test binary, so that no other test forks while this one writes the
//! copies: a child holding a copy open for writing would make running it fail.)

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

#[test]
fn the_thread_re_exec_survives_the_binary_being_replaced() {
    let tmp = tempfile::tempdir().unwrap();
    let bin = Path::new(env!("CARGO_BIN_EXE_dqn"));
    let (a, b, next, path) = (
        tmp.path().join("a"),
        tmp.path().join("b"),
        tmp.path().join("next"),
        tmp.path().join("dqn"),
    );
    // Two copies, two files: renaming a link over another link to the same file does nothing.
    std::fs::copy(bin, &a).unwrap();
    std::fs::copy(bin, &b).unwrap();
    std::fs::hard_link(&a, &path).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let replacer = {
        let stop = stop.clone();
        let path = path.clone();
        // Rename a fresh link over the path, over and over, as a build that writes the binary
        // elsewhere and moves it into place.
        std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                for src in [&a, &b] {
                    let _ = std::fs::remove_file(&next);
                    std::fs::hard_link(src, &next).unwrap();
                    std::fs::rename(&next, &path).unwrap();
                    std::thread::sleep(std::time::Duration::from_millis(2));
                }
            }
        })
    };
    let mut failures = Vec::new();
    for _ in 0..5 {
        let out = std::process::Command::new(&path)
            .arg("--version")
            .env_remove("OMP_NUM_THREADS")
            .env_remove("DQN_THREADS_APPLIED")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() || !stdout.contains("OMP_NUM_THREADS=1") {
            failures.push(format!("{}{}", stdout, String::from_utf8_lossy(&out.stderr)));
        }
    }
    stop.store(true, Ordering::SeqCst);
    replacer.join().unwrap();
    assert!(
        failures.is_empty(),
        "{} of 5 runs failed; the last:\n{}",
        failures.len(),
        failures.last().unwrap()
    );
}
