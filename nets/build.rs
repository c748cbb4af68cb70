//! Build script of `nets`: the rpath and link logic shared with `agents` and `dqn`
//! (build-support/rpath.rs), then the C++ shim in csrc/ (CPU autocast, CPU capabilities, int8
//! linear), compiled with the `cc` crate against the headers of the libtorch that torch-sys links,
//! with torch-sys's C++ flags (`-std=c++17`, `_GLIBCXX_USE_CXX11_ABI` from `LIBTORCH_CXX11_ABI`,
//! default 1). It needs no GPU: the shim only names CPU and generic ATen symbols.
#[path = "../build-support/rpath.rs"]
mod rpath;

use std::path::PathBuf;

const SHIM: &str = "csrc/precision.cpp";

fn main() {
    rpath::main();
    println!("cargo:rerun-if-changed={SHIM}");
    println!("cargo:rerun-if-env-changed=LIBTORCH_INCLUDE");
    println!("cargo:rerun-if-env-changed=LIBTORCH_CXX11_ABI");
    let root = std::env::var_os("LIBTORCH_INCLUDE")
        .map(PathBuf::from)
        .or_else(|| rpath::libtorch_lib_dir().and_then(|lib| lib.parent().map(PathBuf::from)));
    let Some(root) = root else {
        panic!("nets: cannot find libtorch's headers for {SHIM}: run `make bootstrap` or set LIBTORCH");
    };
    let abi = std::env::var("LIBTORCH_CXX11_ABI").unwrap_or_else(|_| "1".into());
    cc::Build::new()
        .cpp(true)
        .file(SHIM)
        .include(root.join("include"))
        .include(root.join("include/torch/csrc/api/include"))
        .flag("-std=c++17")
        .define("_GLIBCXX_USE_CXX11_ABI", abi.as_str())
        .define("GLOG_USE_GLOG_EXPORT", None)
        .warnings(false)
        .extra_warnings(false)
        // libtorch's headers warn by the hundred under -Wall; torch-sys silences them too.
        .flag("-w")
        .opt_level(2)
        .compile("dqn_nets_shim");
}
