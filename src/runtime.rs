//! Process-level set-up that must happen before libtorch starts: the CPU thread count, and how
//! glibc's malloc hands memory back to the kernel.
//!
//! libtorch's OpenMP pool reads `OMP_NUM_THREADS` when the library is loaded, which is before
//! `main` runs, and `tch::set_num_threads` called afterwards was measured to be several times
//! slower than the environment variable (issue 2). So `--threads N` sets the variable and re-executes
//! the binary once; the marker variable `DQN_THREADS_APPLIED` stops a second re-exec.

use std::ffi::OsString;

/// Default intra-op threads for libtorch on CPU. One thread: on a 2-core machine the other core
/// steps the envs, and 2 OpenMP threads were measured to collapse (≈10× slower) whenever the other
/// core was busy. Measured figures are in the README ("CPU threads").
pub const DEFAULT_THREADS: usize = 1;

const APPLIED: &str = "DQN_THREADS_APPLIED";

/// Finds `--threads N` / `--threads=N` in the raw arguments (before clap runs, since clap's errors
/// must not be printed twice).
fn threads_arg(args: &[OsString]) -> Option<String> {
    let mut it = args.iter().skip(1);
    while let Some(a) = it.next() {
        let a = a.to_string_lossy();
        if a == "--" {
            break;
        }
        if a == "--threads" {
            return it.next().map(|v| v.to_string_lossy().into_owned());
        }
        if let Some(v) = a.strip_prefix("--threads=") {
            return Some(v.to_string());
        }
    }
    None
}

/// Makes sure libtorch starts with the wanted thread count, re-executing the process if needed.
/// Returns an error message for an invalid `--threads` value. An `OMP_NUM_THREADS` that the user
/// exported is kept when `--threads` is not given.
pub fn apply_threads() -> Result<(), String> {
    let args: Vec<OsString> = std::env::args_os().collect();
    let wanted = match threads_arg(&args) {
        Some(v) => match v.parse::<usize>() {
            Ok(n) if (1..=1024).contains(&n) => n,
            _ => return Err(format!("--threads must be a whole number from 1 to 1024, got '{v}'")),
        },
        None => match std::env::var("OMP_NUM_THREADS")
            .ok()
            .and_then(|v| v.parse::<usize>().ok())
        {
            Some(n) if n > 0 => n,
            _ => DEFAULT_THREADS,
        },
    };
    let current = std::env::var("OMP_NUM_THREADS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok());
    if current == Some(wanted) {
        return Ok(());
    }
    if std::env::var_os(APPLIED).is_some() {
        // Already re-executed once; never loop.
        return Ok(());
    }
    std::env::set_var("OMP_NUM_THREADS", wanted.to_string());
    std::env::set_var("MKL_NUM_THREADS", wanted.to_string());
    std::env::set_var(APPLIED, "1");
    let exe = running_executable()?;
    use std::os::unix::process::CommandExt;
    let err = std::process::Command::new(exe).arg0(&args[0]).args(&args[1..]).exec();
    Err(format!("cannot re-execute dqn to apply --threads: {err}"))
}

/// The file to re-execute: on Linux `/proc/self/exe`, which stays the running binary even when
/// `cargo build` has replaced or removed the file at its path since this process started (its
/// path then reads `dqn (deleted)`, which cannot be executed); elsewhere the path.
fn running_executable() -> Result<std::path::PathBuf, String> {
    let proc_exe = std::path::Path::new("/proc/self/exe");
    if proc_exe.exists() {
        return Ok(proc_exe.to_path_buf());
    }
    std::env::current_exe().map_err(|e| format!("cannot find the dqn executable to apply --threads: {e}"))
}

/// glibc's malloc, tuned for libtorch's allocation pattern: every update allocates and frees
/// tensors of 0.1–4 MB. With glibc's defaults the heap top above 128 KiB is handed back to the
/// kernel after each free, and the next allocation faults the zeroed pages in again: a 40k-step
/// pong run spent 15.5 s of its 85 s in the kernel. Keeping up to 256 MiB free at the heap top
/// (with 64 MiB of padding per growth), and taking blocks below 32 MiB from the heap, cut that to
/// 1 s and made 1.19–1.29× the steps/s (docs/results/speed.md, "Training steps/s"). Process-wide,
/// so it is set here and not in the libraries. Left alone when `GLIBC_TUNABLES` names a malloc
/// setting, so that a user's own choice stands. Returns whether glibc took all three settings.
pub fn tune_malloc() -> bool {
    if std::env::var("GLIBC_TUNABLES").is_ok_and(|t| t.contains("glibc.malloc.")) {
        return false;
    }
    set_malloc_options()
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn set_malloc_options() -> bool {
    const MIB: libc::c_int = 1 << 20;
    // Each setting also turns off glibc's own adjustment of the two thresholds; set one alone and
    // the other stays at 128 KiB (measured slower than the defaults: 208 and 280 steps/s vs 368).
    let settings = [
        (libc::M_TRIM_THRESHOLD, 256 * MIB),
        (libc::M_TOP_PAD, 64 * MIB),
        (libc::M_MMAP_THRESHOLD, 32 * MIB),
    ];
    // SAFETY: mallopt only changes allocator parameters, under glibc's own arena locks.
    settings
        .iter()
        .all(|&(param, value)| unsafe { libc::mallopt(param, value) } == 1)
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn set_malloc_options() -> bool {
    false
}

/// The thread count libtorch is running with.
pub fn torch_threads() -> i32 {
    tch::get_num_threads()
}

/// `dqn --version`: versions, threads, the CPU's bf16 support and CUDA, one fact per line.
pub fn version_text() -> String {
    let cuda = tch::Cuda::is_available();
    let mut s = format!(
        "dqn {}\ntch {}\nlibtorch {} ({})\nthreads {} (OMP_NUM_THREADS={})\ncpu bf16 {}\ncuda {}",
        env!("CARGO_PKG_VERSION"),
        env!("DQN_TCH_VERSION"),
        env!("DQN_LIBTORCH_VERSION"),
        env!("DQN_LIBTORCH_DIR"),
        torch_threads(),
        std::env::var("OMP_NUM_THREADS").unwrap_or_else(|_| "unset".into()),
        nets::cpu_bf16_support(),
        if cuda { "available" } else { "not available" },
    );
    if cuda {
        s.push_str(&format!(
            " ({} device{}, cudnn {})",
            tch::Cuda::device_count(),
            if tch::Cuda::device_count() == 1 { "" } else { "s" },
            if tch::Cuda::cudnn_is_available() {
                "available"
            } else {
                "not available"
            }
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_threads_in_both_spellings() {
        let a: Vec<OsString> = ["dqn", "train", "--threads", "2"].iter().map(OsString::from).collect();
        assert_eq!(threads_arg(&a).as_deref(), Some("2"));
        let b: Vec<OsString> = ["dqn", "--threads=3", "bench"].iter().map(OsString::from).collect();
        assert_eq!(threads_arg(&b).as_deref(), Some("3"));
        let c: Vec<OsString> = ["dqn", "train", "--", "--threads", "2"]
            .iter()
            .map(OsString::from)
            .collect();
        assert_eq!(threads_arg(&c), None);
    }

    #[test]
    fn glibc_takes_the_malloc_settings() {
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        assert!(set_malloc_options(), "mallopt refused a setting");
        #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
        assert!(!set_malloc_options());
    }
}
