//! `dqn_envs._core.Env`: one env, as the Python class `dqn_envs.DqnEnv` uses it.

use std::sync::{Mutex, MutexGuard};

use envs::space::Dtype;
use envs::{Frame, Obs, Space};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use crate::config::{parse, spec_of, Options};
use crate::convert::{info_dict, new_array, obj, read_action};
use crate::{env_err, guard};

/// One env of the registry with the preprocessing given by keyword arguments.
#[pyclass(module = "dqn_envs._core")]
pub struct Env {
    inner: Mutex<Box<dyn envs::Env>>,
    options: Options,
    /// The observation shape Python sees (channel-last for `obs_type="rgb"`).
    shape: Vec<usize>,
    space: Space,
    num_actions: usize,
    meanings: Vec<&'static str>,
    frame: Mutex<Frame>,
}

/// Locks a mutex without blocking: another thread using the same env is an error, not a wait
/// (a wait while holding the GIL could deadlock).
pub(crate) fn try_lock<'a, T: ?Sized>(m: &'a Mutex<T>) -> PyResult<MutexGuard<'a, T>> {
    m.try_lock()
        .map_err(|_| PyRuntimeError::new_err("this env is in use by another thread; use one env per thread"))
}

/// The observation shape Python sees: `[C, H, W]`, or `[H, W, 3]` for the raw RGB frame.
pub(crate) fn python_shape(space: &Space, rgb: bool) -> Vec<usize> {
    let s = space.shape().to_vec();
    if rgb && s.len() == 3 {
        vec![s[1], s[2], s[0]]
    } else {
        s
    }
}

/// `(shape, dtype, low, high)` of a space, for building the gymnasium `Box`.
pub(crate) fn box_description(space: &Space, shape: &[usize]) -> (Vec<usize>, &'static str, f64, f64) {
    match space {
        Space::Box { low, high, dtype, .. } => (
            shape.to_vec(),
            if *dtype == Dtype::U8 { "uint8" } else { "float32" },
            *low as f64,
            *high as f64,
        ),
        Space::Discrete(n) => (vec![], "int64", 0.0, *n as f64),
    }
}

impl Env {
    /// Copies an observation into a fresh numpy array of Python's shape.
    fn obs_array<'py>(&self, py: Python<'py>, obs: Obs<'_>) -> PyResult<Bound<'py, PyAny>> {
        match obs {
            Obs::Pixels { data, shape } if self.options.rgb => {
                // [3, H, W] → [H, W, 3], as ALE gives the frame.
                let [c, h, w] = shape;
                let (arr, out) = new_array::<u8>(py, &[h, w, c])?;
                for (p, px) in out.chunks_exact_mut(c).enumerate() {
                    for (ch, v) in px.iter_mut().enumerate() {
                        *v = data[ch * h * w + p];
                    }
                }
                Ok(arr.into_any())
            }
            Obs::Pixels { data, .. } => {
                let (arr, out) = new_array::<u8>(py, &self.shape)?;
                out.copy_from_slice(data);
                Ok(arr.into_any())
            }
            Obs::Vector(v) => {
                let (arr, out) = new_array::<f32>(py, &self.shape)?;
                out.copy_from_slice(v);
                Ok(arr.into_any())
            }
        }
    }
}

#[pymethods]
impl Env {
    /// `Env(id, **kwargs)`: `id` is a registry id (`"breakout"`); see `dqn_envs.DqnEnv`.
    #[new]
    #[pyo3(signature = (id, **kwargs))]
    fn new(py: Python<'_>, id: &str, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        guard(|| {
            let spec = spec_of(id)?;
            let options = parse(&spec, kwargs)?;
            let env = envs::make(id, &options.cfg).map_err(|e| env_err(py, e))?;
            let space = env.observation_space();
            let (w, h) = env.render_size();
            Ok(Env {
                shape: python_shape(&space, options.rgb),
                space,
                num_actions: env.num_actions(),
                meanings: env.action_meanings(),
                inner: Mutex::new(env),
                options,
                frame: Mutex::new(Frame::new(w, h)),
            })
        })
    }

    /// `(shape, dtype, low, high)` of the observation space.
    fn observation_box(&self) -> (Vec<usize>, &'static str, f64, f64) {
        box_description(&self.space, &self.shape)
    }

    /// Number of actions.
    #[getter]
    fn num_actions(&self) -> usize {
        self.num_actions
    }

    /// The actions' names, ALE's (`"NOOP"`, `"FIRE"`, ...).
    fn action_meanings(&self) -> Vec<&'static str> {
        self.meanings.clone()
    }

    /// The render mode given at construction.
    #[getter]
    fn render_mode(&self) -> Option<String> {
        self.options.render_mode.clone()
    }

    /// `reset(seed=None) -> (obs, info)`.
    #[pyo3(signature = (seed=None))]
    fn reset<'py>(&self, py: Python<'py>, seed: Option<u64>) -> PyResult<Bound<'py, PyTuple>> {
        guard(|| {
            let mut env = try_lock(&self.inner)?;
            let (obs, info) = env.reset(seed);
            let obs = self.obs_array(py, obs)?;
            PyTuple::new(py, [obs, info_dict(py, &info)?.into_any()])
        })
    }

    /// `step(action) -> (obs, reward, terminated, truncated, info)`.
    fn step<'py>(&self, py: Python<'py>, action: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyTuple>> {
        guard(|| {
            let action = read_action(action, self.num_actions)?;
            let mut env = try_lock(&self.inner)?;
            let s = env.step(action).map_err(|e| env_err(py, e))?;
            let obs = self.obs_array(py, s.obs)?;
            PyTuple::new(
                py,
                [
                    obs,
                    obj(py, s.reward as f64)?,
                    obj(py, s.terminated)?,
                    obj(py, s.truncated)?,
                    info_dict(py, &s.info)?.into_any(),
                ],
            )
        })
    }

    /// The current picture as a `[H, W, 3]` uint8 array (210×160 for the games).
    fn render<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let env = try_lock(&self.inner)?;
            let mut frame = try_lock(&self.frame)?;
            env.render(&mut frame);
            let (arr, out) = new_array::<u8>(py, &[frame.height, frame.width, 3])?;
            out.copy_from_slice(&frame.data);
            Ok(arr.into_any())
        })
    }
}
