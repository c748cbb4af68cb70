//! Python values ↔ Rust values: actions in, numpy arrays and info dicts out.

use envs::Info;
use numpy::{
    Element, PyArray1, PyArrayDescrMethods, PyArrayDyn, PyArrayMethods, PyUntypedArray, PyUntypedArrayMethods,
};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat};
use pyo3::{intern, IntoPyObjectExt};

/// The error for a bad action, naming the valid range.
fn bad_action(n: usize, what: String) -> PyErr {
    PyValueError::new_err(format!(
        "action must be an int in 0..{n} (0 to {}), got {what}",
        n.saturating_sub(1)
    ))
}

/// One action: a Python or numpy integer (or a 0-d integer array) in `0..n`.
pub fn read_action(obj: &Bound<'_, PyAny>, n: usize) -> PyResult<usize> {
    let what = || {
        obj.repr()
            .map(|r| r.to_string())
            .unwrap_or_else(|_| "an unprintable value".into())
    };
    if obj.is_instance_of::<PyFloat>() || obj.is_instance_of::<PyBool>() {
        return Err(bad_action(n, what()));
    }
    if let Ok(arr) = obj.cast::<PyUntypedArray>() {
        let kind = arr.dtype().kind();
        if arr.ndim() != 0 || !(kind == b'i' || kind == b'u') {
            return Err(bad_action(
                n,
                format!("an array of shape {:?} and dtype {}", arr.shape(), arr.dtype()),
            ));
        }
    }
    match obj.extract::<i64>() {
        Ok(a) if a >= 0 && (a as u64) < n as u64 => Ok(a as usize),
        _ => Err(bad_action(n, what())),
    }
}

/// One action per env: a 1-d integer array (or a list of ints) of length `num_envs`, each in
/// `0..n`, written into `out`.
pub fn read_actions(obj: &Bound<'_, PyAny>, num_envs: usize, n: usize, out: &mut Vec<usize>) -> PyResult<()> {
    out.clear();
    if let Ok(arr) = obj.cast::<PyArray1<i64>>() {
        let ro = arr.readonly();
        let s = ro.as_slice().map_err(|e| PyValueError::new_err(e.to_string()))?;
        out.extend(s.iter().map(|&a| if a < 0 { usize::MAX } else { a as usize }));
    } else if let Ok(arr) = obj.cast::<PyUntypedArray>() {
        let kind = arr.dtype().kind();
        if arr.ndim() != 1 || !(kind == b'i' || kind == b'u') {
            return Err(bad_action(
                n,
                format!("an array of shape {:?} and dtype {}", arr.shape(), arr.dtype()),
            ));
        }
        let as_i64 = arr.call_method1(intern!(obj.py(), "astype"), ("int64",))?;
        return read_actions(&as_i64, num_envs, n, out);
    } else {
        let type_name = obj.get_type().name()?.to_string();
        let items = obj
            .try_iter()
            .map_err(|_| bad_action(n, format!("a {type_name} (pass one action per env)")))?;
        for item in items {
            out.push(read_action(&item?, n)?);
        }
    }
    if out.len() != num_envs {
        return Err(PyValueError::new_err(format!(
            "step() needs one action per env: {num_envs} actions, got {}",
            out.len()
        )));
    }
    if let Some(&bad) = out.iter().find(|&&a| a >= n) {
        let shown = if bad == usize::MAX {
            "a negative action".to_string()
        } else {
            bad.to_string()
        };
        return Err(bad_action(n, shown));
    }
    Ok(())
}

/// A fresh C-ordered numpy array of `shape`, and its memory to fill.
///
/// The slice borrows memory that Python owns: fill it before the array is handed to Python.
pub fn new_array<'py, T: Element + 'py>(
    py: Python<'py>,
    shape: &[usize],
) -> PyResult<(Bound<'py, PyArrayDyn<T>>, &'py mut [T])> {
    // SAFETY: every element is written by the caller before Python sees the array.
    let arr = unsafe { PyArrayDyn::<T>::new(py, shape, false) };
    // SAFETY: the array is fresh and C-contiguous, and nothing else refers to it yet.
    let slice = unsafe { std::slice::from_raw_parts_mut(arr.data(), shape.iter().product()) };
    Ok((arr, slice))
}

/// A 1-d numpy array of `n` values.
pub fn array_of<'py, T: Element + 'py>(
    py: Python<'py>,
    n: usize,
    value: impl Fn(usize) -> T,
) -> PyResult<Bound<'py, PyAny>> {
    let (arr, s) = new_array::<T>(py, &[n])?;
    for (i, v) in s.iter_mut().enumerate() {
        *v = value(i);
    }
    Ok(arr.into_any())
}

/// A single env's info dict: ALE's `lives`, `episode_frame_number` and `frame_number`, plus
/// `score`, and at the end of a whole game `episode_return` (unclipped) and `episode_length`.
pub fn info_dict<'py>(py: Python<'py>, info: &Info) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item(intern!(py, "lives"), info.lives)?;
    d.set_item(intern!(py, "episode_frame_number"), info.episode_frame_number)?;
    d.set_item(intern!(py, "frame_number"), info.frame_number)?;
    d.set_item(intern!(py, "score"), info.score)?;
    if let Some(ep) = info.episode {
        d.set_item(intern!(py, "episode_return"), ep.episode_return)?;
        d.set_item(intern!(py, "episode_length"), ep.length)?;
    }
    Ok(d)
}

/// A vector env's info: the keys of [`info_dict`] as arrays over the `n` envs, each with its
/// gymnasium `_key` mask; `episode_return`/`episode_length` only when a game ended, masked to
/// the envs where it did. `info(i)` is the info of the i-th env of the batch.
pub fn infos_dict<'py>(py: Python<'py>, n: usize, info: impl Fn(usize) -> Info) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    let all = array_of(py, n, |_| true)?;
    let keys: [(
        &Bound<'py, pyo3::types::PyString>,
        &Bound<'py, pyo3::types::PyString>,
        Bound<'py, PyAny>,
    ); 4] = [
        (
            intern!(py, "lives"),
            intern!(py, "_lives"),
            array_of(py, n, |i| info(i).lives as i64)?,
        ),
        (
            intern!(py, "episode_frame_number"),
            intern!(py, "_episode_frame_number"),
            array_of(py, n, |i| info(i).episode_frame_number as i64)?,
        ),
        (
            intern!(py, "frame_number"),
            intern!(py, "_frame_number"),
            array_of(py, n, |i| info(i).frame_number as i64)?,
        ),
        (
            intern!(py, "score"),
            intern!(py, "_score"),
            array_of(py, n, |i| info(i).score)?,
        ),
    ];
    for (key, mask, values) in keys {
        d.set_item(key, values)?;
        d.set_item(mask, &all)?;
    }
    if (0..n).any(|i| info(i).episode.is_some()) {
        let ended = array_of(py, n, |i| info(i).episode.is_some())?;
        let ret = array_of(py, n, |i| info(i).episode.map_or(0.0, |e| e.episode_return))?;
        let len = array_of(py, n, |i| info(i).episode.map_or(0, |e| e.length as i64))?;
        d.set_item(intern!(py, "episode_return"), ret)?;
        d.set_item(intern!(py, "_episode_return"), &ended)?;
        d.set_item(intern!(py, "episode_length"), len)?;
        d.set_item(intern!(py, "_episode_length"), ended)?;
    }
    Ok(d)
}

/// `x` as a Python object.
pub fn obj<'py, T: IntoPyObjectExt<'py>>(py: Python<'py>, x: T) -> PyResult<Bound<'py, PyAny>> {
    x.into_bound_py_any(py)
}
