//! Stopping a training run by signal. The first SIGINT, SIGTERM or SIGHUP sets the stop flag: the
//! trainer saves a checkpoint and returns, and the command prints the signal's name and the
//! `--resume` command and exits 130. A second signal exits at once, saying whether that
//! checkpoint had been saved; one that comes within [`SAME_STOP`] of the first is taken as part of
//! the same stop (`timeout` and process managers signal a process and its group back to back).

use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The first signal received (0 = none).
static RECEIVED: AtomicI32 = AtomicI32::new(0);
/// Set once the stop's checkpoint is on disk.
static SAVED: AtomicBool = AtomicBool::new(false);
/// When the first signal came, in nanoseconds of the monotonic clock.
static FIRST_AT_NS: AtomicU64 = AtomicU64::new(0);

/// A signal that follows the first within this time belongs to the same stop and is ignored.
pub const SAME_STOP: Duration = Duration::from_secs(1);

/// The monotonic clock in nanoseconds; `clock_gettime` is async-signal-safe.
fn monotonic_ns() -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    (ts.tv_sec as u64)
        .saturating_mul(1_000_000_000)
        .saturating_add(ts.tv_nsec as u64)
}

/// The exit status of a run stopped by a signal.
pub const EXIT_STOPPED: i32 = 130;

const SIGNALS: [libc::c_int; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

extern "C" fn on_signal(signum: libc::c_int) {
    // Only async-signal-safe calls here: clock_gettime(2), write(2) and _exit(2).
    // The time is claimed first, so that a signal arriving inside this handler sees it.
    let now = monotonic_ns().max(1);
    if FIRST_AT_NS
        .compare_exchange(0, now, Ordering::SeqCst, Ordering::SeqCst)
        .is_ok()
    {
        RECEIVED.store(signum, Ordering::SeqCst);
        return;
    }
    if now.saturating_sub(FIRST_AT_NS.load(Ordering::SeqCst)) < SAME_STOP.as_nanos() as u64 {
        let msg: &[u8] = b"\nanother signal within 1 s of the first: taken as the same stop\n";
        unsafe { libc::write(2, msg.as_ptr().cast(), msg.len()) };
        return;
    }
    let msg: &[u8] = if SAVED.load(Ordering::SeqCst) {
        b"\nsecond signal: exiting now; the checkpoint was saved\n"
    } else {
        b"\nsecond signal: exiting now, before the checkpoint was saved (the newest one on disk is kept)\n"
    };
    unsafe {
        libc::write(2, msg.as_ptr().cast(), msg.len());
        libc::_exit(EXIT_STOPPED);
    }
}

/// The name of a signal number.
pub fn name(signum: i32) -> &'static str {
    match signum {
        libc::SIGINT => "SIGINT (Ctrl-C)",
        libc::SIGTERM => "SIGTERM",
        libc::SIGHUP => "SIGHUP",
        _ => "a signal",
    }
}

/// Installs the handlers and returns the stop flag a trainer watches. A small thread turns the
/// first signal into the flag and a notice.
pub fn stop_flag() -> Arc<AtomicBool> {
    let stop = Arc::new(AtomicBool::new(false));
    for s in SIGNALS {
        // SAFETY: `on_signal` only touches atomics and calls write(2)/_exit(2).
        unsafe {
            libc::signal(s, on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t);
        }
    }
    let flag = stop.clone();
    let _ = std::thread::Builder::new().name("signals".into()).spawn(move || loop {
        let s = RECEIVED.load(Ordering::SeqCst);
        if s != 0 {
            eprintln!(
                "\n{}: saving a checkpoint and stopping (a second signal, {} s later or more, quits at once)",
                name(s),
                SAME_STOP.as_secs()
            );
            flag.store(true, Ordering::SeqCst);
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    });
    stop
}

/// The signal that stopped the run, if one did.
pub fn received() -> Option<&'static str> {
    match RECEIVED.load(Ordering::SeqCst) {
        0 => None,
        s => Some(name(s)),
    }
}

/// Records that the stop's checkpoint is saved (for a second signal's message).
pub fn mark_saved() {
    SAVED.store(true, Ordering::SeqCst);
}

/// After a run that a signal stopped: prints the signal and the resume command, and exits 130.
pub fn exit_if_stopped(resume: &str) {
    if let Some(sig) = received() {
        mark_saved();
        outln!("stopped by {sig}; continue with: {resume}");
        std::process::exit(EXIT_STOPPED);
    }
}
