//! Shared build script of the crates that link libtorch (`nets`, `agents`, `dqn`).
//!
//! torch-sys links libtorch but leaves finding it at run time to `LD_LIBRARY_PATH`. This script adds
//! an rpath to libtorch's `lib/` folder, so the binaries, tests and examples run from any folder
//! with no exported variables. When the libtorch has `libtorch_cuda.so` (the PyPI wheel does), it is
//! linked with `--no-as-needed`: nothing references its symbols directly, so the linker would drop
//! it, and CUDA would be silently absent at run time (tch issues #806, #824, #907).
//!
//! `nets/build.rs` includes this file as a module and calls [`main`] before it compiles its C++
//! shim, which finds the headers next to [`libtorch_lib_dir`].
use std::path::PathBuf;

/// libtorch's `lib/` folder as torch-sys found it (or `$LIBTORCH/lib`), with links resolved.
pub fn libtorch_lib_dir() -> Option<PathBuf> {
    println!("cargo:rerun-if-env-changed=LIBTORCH");
    println!("cargo:rerun-if-env-changed=DEP_TCH_LIBTORCH_LIB");
    let lib_dir = std::env::var_os("DEP_TCH_LIBTORCH_LIB")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("LIBTORCH").map(|p| PathBuf::from(p).join("lib")))?;
    // Resolve the `.libtorch` link so the rpath stays valid if the link is re-pointed later.
    Some(lib_dir.canonicalize().unwrap_or(lib_dir))
}

/// The build script itself: the rpath, the `libtorch_cuda` link and the version variables.
pub fn main() {
    let Some(lib_dir) = libtorch_lib_dir() else {
        println!("cargo:warning=libtorch location unknown: run `make bootstrap` or set LIBTORCH");
        return;
    };
    println!("cargo:rustc-link-arg=-Wl,-rpath,{}", lib_dir.display());
    export_versions(&lib_dir);
    if lib_dir.join("libtorch_cuda.so").exists() {
        println!("cargo:rustc-link-arg=-Wl,--no-as-needed,-ltorch_cuda,--as-needed");
    }
}

/// Records, for `dqn --version`, the libtorch version (from the wheel's `version.py` or libtorch's
/// `build-version`) and the tch version (from Cargo.lock).
fn export_versions(lib_dir: &std::path::Path) {
    let root = lib_dir.parent().unwrap_or(lib_dir);
    let libtorch = std::fs::read_to_string(root.join("version.py"))
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                l.strip_prefix("__version__ = ")
                    .map(|v| v.trim_matches(['\'', '"']).to_string())
            })
        })
        .or_else(|| {
            std::fs::read_to_string(root.join("build-version"))
                .ok()
                .map(|s| s.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=DQN_LIBTORCH_VERSION={libtorch}");
    println!("cargo:rustc-env=DQN_LIBTORCH_DIR={}", root.display());
    let manifest = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let lock = [".", ".."]
        .iter()
        .find_map(|d| std::fs::read_to_string(std::path::Path::new(&manifest).join(d).join("Cargo.lock")).ok())
        .unwrap_or_default();
    let tch = lock
        .split("[[package]]")
        .find(|p| p.contains("name = \"tch\""))
        .and_then(|p| p.lines().find_map(|l| l.strip_prefix("version = ")))
        .map(|v| v.trim_matches('"').to_string())
        .unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=DQN_TCH_VERSION={tch}");
}
