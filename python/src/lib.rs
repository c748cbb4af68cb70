//! # dqn_envs: the `envs` crate's games as a gymnasium package for Python
//!
//! This crate is the native half (`dqn_envs._core`) of the Python package `dqn_envs`; the
//! gymnasium classes around it live in `python/dqn_envs/`. It depends on `envs` only, never on
//! libtorch. Everything that describes an env (ids, spaces, action meanings) is read from the
//! `envs` registry, so Python keeps no second list.
//!
//! Every Python entry point runs inside [`guard`], which turns a Rust panic into a
//! `RuntimeError` (PyO3's own `PanicException` is a `BaseException`, which `except Exception`
//! does not catch), and every env error into the Python exception a gymnasium user expects.

mod config;
mod convert;
mod single;
mod vector;
mod window;

use std::panic::{catch_unwind, AssertUnwindSafe};

use envs::EnvError;
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

/// Runs `f`, turning a panic into a `RuntimeError`.
pub(crate) fn guard<T>(f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|payload| {
        let msg = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        Err(PyRuntimeError::new_err(format!(
            "dqn_envs: internal error (a Rust panic): {msg}"
        )))
    })
}

/// The Python exception for an env error: `ResetNeeded` for stepping an episode that ended (or
/// never started), `gymnasium.error.NameNotFound` for an unknown id, `ValueError` for bad
/// actions and settings, `RuntimeError` for a panic inside an env.
pub(crate) fn env_err(py: Python<'_>, err: EnvError) -> PyErr {
    let gym_error = |name: &str, msg: String| -> PyErr {
        match py
            .import("gymnasium.error")
            .and_then(|m| m.getattr(name))
            .and_then(|cls| cls.call1((msg.clone(),)))
        {
            Ok(exc) => PyErr::from_value(exc),
            Err(_) => PyRuntimeError::new_err(msg),
        }
    };
    match err {
        EnvError::StepAfterDone | EnvError::NotReset => gym_error("ResetNeeded", err.to_string()),
        EnvError::UnknownEnv { .. } => gym_error("NameNotFound", err.to_string()),
        EnvError::Panicked(_) | EnvError::Bridge(_) => PyRuntimeError::new_err(err.to_string()),
        EnvError::InvalidAction { .. } | EnvError::InvalidConfig(_) => PyValueError::new_err(err.to_string()),
    }
}

/// The registry as a list of dicts: `id`, `gym_name`, `description`, `pixels`, in `dqn list`'s
/// order. `dqn_envs` registers one gymnasium id per entry.
#[pyfunction]
fn registry(py: Python<'_>) -> PyResult<Bound<'_, PyList>> {
    guard(|| {
        let list = PyList::empty(py);
        for spec in envs::registry::specs() {
            let d = PyDict::new(py);
            d.set_item("id", spec.id)?;
            d.set_item("gym_name", spec.gym_name)?;
            d.set_item("description", spec.description)?;
            d.set_item("pixels", spec.pixels)?;
            list.append(d)?;
        }
        Ok(list)
    })
}

/// For the tests: panics inside [`guard`], to show that a Rust panic reaches Python as a
/// `RuntimeError`.
#[pyfunction]
fn _panic_for_tests() -> PyResult<()> {
    guard(|| panic!("a deliberate panic, for the tests"))
}

/// The native module `dqn_envs._core`.
#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(registry, m)?)?;
    m.add_function(wrap_pyfunction!(config::keywords, m)?)?;
    m.add_function(wrap_pyfunction!(_panic_for_tests, m)?)?;
    m.add_class::<single::Env>()?;
    m.add_class::<vector::VecEnv>()?;
    m.add_class::<window::Window>()?;
    Ok(())
}
