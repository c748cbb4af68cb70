//! Shared build script of the crates that link libtorch (`nets`, `agents`, `dqn`).
//!
//! torch-sys links libtorch but leaves finding it at run time to `LD_LIBRARY_PATH`. This script adds
//! an rpath to libtorch's `lib/` folder, so the binaries, tests and examples run from any folder
//! with no exported variables. When the libtorch has `libtorch_cuda.so` (the PyPI wheel does), it is
//! linked with `--no-as-needed`: nothing references its symbols directly, so the linker would drop
//! it, and CUDA would be silently absent at run time (tch issues #806, #824, #907).
use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-env-changed=LIBTORCH");
    println!("cargo:rerun-if-env-changed=DEP_TCH_LIBTORCH_LIB");
    let lib_dir = std::env::var_os("DEP_TCH_LIBTORCH_LIB")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("LIBTORCH").map(|p| PathBuf::from(p).join("lib")));
    let Some(lib_dir) = lib_dir else {
        println!("cargo:warning=libtorch location unknown: run `make bootstrap` or set LIBTORCH");
        return;
    };
    // Resolve the `.libtorch` link so the rpath stays valid if the link is re-pointed later.
    let lib_dir = lib_dir.canonicalize().unwrap_or(lib_dir);
    println!("cargo:rustc-link-arg=-Wl,-rpath,{}", lib_dir.display());
    if lib_dir.join("libtorch_cuda.so").exists() {
        println!("cargo:rustc-link-arg=-Wl,--no-as-needed,-ltorch_cuda,--as-needed");
    }
}
