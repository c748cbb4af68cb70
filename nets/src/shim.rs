//! The C functions of `csrc/precision.cpp` (compiled by build.rs) and their safe wrappers. Only
//! [`crate::precision`] and [`crate::quant`] use them.
use std::ffi::{c_char, c_int, c_void, CStr, CString};
use tch::Tensor;

use crate::NetError;

extern "C" {
    fn dqn_shim_last_error() -> *const c_char;
    fn dqn_autocast_get(device: c_int, enabled: *mut c_int, dtype: *mut c_int) -> c_int;
    fn dqn_autocast_set(device: c_int, enabled: c_int, dtype: c_int) -> c_int;
    fn dqn_autocast_enter() -> c_int;
    fn dqn_autocast_exit() -> c_int;
    fn dqn_cpu_has(name: *const c_char) -> c_int;
    fn dqn_int8_linear_new(weight: *const c_void, bias: *const c_void) -> *mut c_void;
    fn dqn_int8_linear_forward(handle: *const c_void, x: *const c_void) -> *mut c_void;
    fn dqn_int8_linear_free(handle: *mut c_void);
}

/// Device-type codes of the shim.
pub(crate) const CPU: c_int = 0;
pub(crate) const CUDA: c_int = 1;
/// Dtype codes of the shim.
pub(crate) const BF16: c_int = 0;
pub(crate) const F16: c_int = 1;

fn last_error(what: &str) -> NetError {
    // SAFETY: the shim returns a pointer to a thread-local NUL-terminated string that lives until
    // the next failing call on this thread; it is copied at once.
    let msg = unsafe { CStr::from_ptr(dqn_shim_last_error()) }
        .to_string_lossy()
        .into_owned();
    NetError::Config(format!("{what}: {msg}"))
}

/// This thread's autocast state for a device type: (enabled, dtype code).
pub(crate) fn autocast_get(device: c_int) -> Result<(bool, c_int), NetError> {
    let (mut enabled, mut dtype) = (0, 0);
    // SAFETY: plain C call writing two ints we own.
    if unsafe { dqn_autocast_get(device, &mut enabled, &mut dtype) } != 0 {
        return Err(last_error("reading the autocast state"));
    }
    Ok((enabled != 0, dtype))
}

/// Sets this thread's autocast state for a device type.
pub(crate) fn autocast_set(device: c_int, enabled: bool, dtype: c_int) -> Result<(), NetError> {
    // SAFETY: plain C call on thread-local ATen state.
    if unsafe { dqn_autocast_set(device, c_int::from(enabled), dtype) } != 0 {
        return Err(last_error("setting the autocast state"));
    }
    Ok(())
}

/// Enters an autocast region (nesting count).
pub(crate) fn autocast_enter() {
    // SAFETY: plain C call on thread-local ATen state.
    unsafe { dqn_autocast_enter() };
}

/// Leaves an autocast region; the outermost exit clears the cast-weight cache.
pub(crate) fn autocast_exit() {
    // SAFETY: plain C call on thread-local ATen state.
    unsafe { dqn_autocast_exit() };
}

/// Whether ATen detects a CPU capability by name ("avx512_bf16", "amx_bf16", "avx2", ...).
pub(crate) fn cpu_has(name: &str) -> bool {
    let Ok(c) = CString::new(name) else { return false };
    // SAFETY: a valid NUL-terminated string that outlives the call.
    unsafe { dqn_cpu_has(c.as_ptr()) == 1 }
}

/// An FBGEMM int8 linear layer owned by the shim.
#[derive(Debug)]
pub(crate) struct Int8Handle(*mut c_void);

impl Int8Handle {
    /// Quantises `weight` [out, in] f32 (and `bias` [out]).
    pub(crate) fn new(weight: &Tensor, bias: Option<&Tensor>) -> Result<Int8Handle, NetError> {
        let b = bias.map_or(std::ptr::null(), |b| b.as_ptr() as *const c_void);
        // SAFETY: tch tensors are `at::Tensor*` handles, valid for the call; the shim copies what
        // it keeps (detached tensors share storage but are reference counted).
        let h = unsafe { dqn_int8_linear_new(weight.as_ptr() as *const c_void, b) };
        if h.is_null() {
            return Err(last_error("quantising a linear layer to int8"));
        }
        Ok(Int8Handle(h))
    }

    /// x: [B, in] f32 → [B, out] f32.
    pub(crate) fn forward(&self, x: &Tensor) -> Result<Tensor, NetError> {
        // SAFETY: the handle is live (freed only in Drop) and `x` is a valid tensor handle.
        let y = unsafe { dqn_int8_linear_forward(self.0, x.as_ptr() as *const c_void) };
        if y.is_null() {
            return Err(last_error("int8 linear forward"));
        }
        // SAFETY: the shim returns a fresh heap `at::Tensor*`, which tch now owns and frees.
        Ok(unsafe { Tensor::from_ptr(y as *mut torch_sys::C_tensor) })
    }
}

impl Drop for Int8Handle {
    fn drop(&mut self) {
        // SAFETY: the handle came from dqn_int8_linear_new and is freed exactly once.
        unsafe { dqn_int8_linear_free(self.0) };
    }
}

// SAFETY: the handle holds tensors that are only read by forward; libtorch tensors are Send.
unsafe impl Send for Int8Handle {}
