//! `dqn_envs._core.VecEnv`: the Rust [`envs::VecEnv`] for `dqn_envs.DqnVectorEnv`.
//!
//! The envs step on Rust threads (or on the caller's thread for `num_threads=1`) with the GIL
//! released, into buffers allocated once. With `copy=True` each `step` allocates one numpy
//! observation array and the Rust workers write straight into it; with `copy=False` they write
//! into one array allocated at construction, which `step` returns every time.

use std::sync::Mutex;
use std::time::Duration;

use envs::vec_env::ObsOut;
use envs::Space;
use numpy::{PyArrayDyn, PyArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use crate::config::{parse, spec_of, Options};
use crate::convert::{array_of, infos_dict, new_array, read_actions};
use crate::single::{box_description, python_shape, try_lock};
use crate::{env_err, guard};

/// How often a blocked `recv` looks for Ctrl-C.
const SIGNAL_POLL: Duration = Duration::from_millis(50);

/// What the lock protects: the vector env and the reusable action buffer.
struct State {
    venv: envs::VecEnv,
    actions: Vec<usize>,
    ids: Vec<usize>,
}

/// N envs of one id, stepped together in Rust.
#[pyclass(module = "dqn_envs._core")]
pub struct VecEnv {
    state: Mutex<State>,
    options: Options,
    num_envs: usize,
    batch_size: usize,
    /// Python's single-observation shape (channel-last for `obs_type="rgb"`).
    shape: Vec<usize>,
    /// The Rust shape of one observation.
    raw_shape: Vec<usize>,
    space: Space,
    u8_obs: bool,
    num_actions: usize,
    meanings: Vec<&'static str>,
    /// `copy=False`: the one observation array every step returns.
    shared_obs: Option<Py<PyAny>>,
}

impl VecEnv {
    /// The observation array to fill, and its memory: fresh (`copy=True`) or the shared one.
    /// `fresh` forces a new array (for `recv`'s batches).
    fn obs_target<'py>(&self, py: Python<'py>, n: usize, fresh: bool) -> PyResult<(Bound<'py, PyAny>, ObsOut<'py>)> {
        let mut shape = vec![n];
        shape.extend_from_slice(&self.raw_shape);
        if let (Some(shared), false) = (&self.shared_obs, fresh) {
            let arr = shared.bind(py).clone();
            let len = shape.iter().product();
            // SAFETY: the shared array is C-contiguous with `len` elements, owned by this object,
            // and only written by `step`/`reset`, which hold the state lock.
            let out = unsafe {
                if self.u8_obs {
                    let a = arr.cast::<PyArrayDyn<u8>>()?;
                    ObsOut::U8(std::slice::from_raw_parts_mut(a.data(), len))
                } else {
                    let a = arr.cast::<PyArrayDyn<f32>>()?;
                    ObsOut::F32(std::slice::from_raw_parts_mut(a.data(), len))
                }
            };
            return Ok((arr, out));
        }
        if self.u8_obs {
            let (a, s) = new_array::<u8>(py, &shape)?;
            Ok((a.into_any(), ObsOut::U8(s)))
        } else {
            let (a, s) = new_array::<f32>(py, &shape)?;
            Ok((a.into_any(), ObsOut::F32(s)))
        }
    }

    /// The observation as Python sees it: channel-last for `obs_type="rgb"` (a view).
    fn present<'py>(&self, obs: Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        if self.options.rgb {
            obs.call_method1(intern!(obs.py(), "transpose"), (0, 2, 3, 1))
        } else {
            Ok(obs)
        }
    }

    /// The 5-tuple of a step over envs `ids` (all envs in order when `None`).
    fn results<'py>(
        &self,
        py: Python<'py>,
        venv: &envs::VecEnv,
        obs: Bound<'py, PyAny>,
        ids: Option<&[usize]>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let n = ids.map_or(self.num_envs, <[usize]>::len);
        let id = |k: usize| ids.map_or(k, |ids| ids[k]);
        let info = |k: usize| venv.env_result(id(k)).3;
        let infos = infos_dict(py, n, info)?;
        if let Some(ids) = ids {
            let all = array_of(py, n, |_| true)?;
            infos.set_item(intern!(py, "env_id"), array_of(py, n, |k| ids[k] as i32)?)?;
            infos.set_item(intern!(py, "_env_id"), all)?;
        }
        PyTuple::new(
            py,
            [
                self.present(obs)?,
                array_of(py, n, |k| venv.env_result(id(k)).0)?,
                array_of(py, n, |k| venv.env_result(id(k)).1)?,
                array_of(py, n, |k| venv.env_result(id(k)).2)?,
                infos.into_any(),
            ],
        )
    }
}

#[pymethods]
impl VecEnv {
    /// `VecEnv(id, num_envs, num_threads, copy, batch_size, seed, **kwargs)`.
    #[new]
    #[pyo3(signature = (id, num_envs, num_threads=1, copy=true, batch_size=None, seed=0, **kwargs))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        id: &str,
        num_envs: usize,
        num_threads: usize,
        copy: bool,
        batch_size: Option<usize>,
        seed: u64,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        guard(|| {
            let spec = spec_of(id)?;
            let options = parse(&spec, kwargs)?;
            if options.render_mode.as_deref() == Some("human") {
                return Err(PyValueError::new_err(
                    "a vector env has no window: use render_mode=\"rgb_array\" (or None)",
                ));
            }
            if num_envs == 0 || num_threads == 0 {
                return Err(PyValueError::new_err(format!(
                    "num_envs and num_threads must be ≥ 1, got {num_envs} and {num_threads}"
                )));
            }
            let batch_size = batch_size.unwrap_or(num_envs);
            if batch_size == 0 || batch_size > num_envs {
                return Err(PyValueError::new_err(format!(
                    "batch_size must be in 1..={num_envs} (num_envs), got {batch_size}"
                )));
            }
            let venv = py
                .detach(|| envs::VecEnv::with_threads(id, &options.cfg, num_envs, num_threads, seed))
                .map_err(|e| env_err(py, e))?;
            let space = venv.observation_space().clone();
            let u8_obs = venv.obs_u8().is_some();
            let meanings = envs::make(id, &options.cfg)
                .map_err(|e| env_err(py, e))?
                .action_meanings();
            let mut me = VecEnv {
                shape: python_shape(&space, options.rgb),
                raw_shape: space.shape().to_vec(),
                num_actions: venv.num_actions(),
                state: Mutex::new(State {
                    venv,
                    actions: Vec::with_capacity(num_envs),
                    ids: Vec::with_capacity(num_envs),
                }),
                options,
                num_envs,
                batch_size,
                space,
                u8_obs,
                meanings,
                shared_obs: None,
            };
            if !copy {
                let (arr, mut out) = me.obs_target(py, num_envs, true)?;
                match &mut out {
                    ObsOut::U8(s) => s.fill(0),
                    ObsOut::F32(s) => s.fill(0.0),
                }
                me.shared_obs = Some(arr.unbind());
            }
            Ok(me)
        })
    }

    /// `(shape, dtype, low, high)` of ONE env's observation space.
    fn observation_box(&self) -> (Vec<usize>, &'static str, f64, f64) {
        box_description(&self.space, &self.shape)
    }

    /// Actions per env.
    #[getter]
    fn num_actions(&self) -> usize {
        self.num_actions
    }

    /// Envs that `recv` returns at a time.
    #[getter]
    fn batch_size(&self) -> usize {
        self.batch_size
    }

    /// Worker threads (1: the caller's thread, until the first `send`).
    #[getter]
    fn num_threads(&self) -> PyResult<usize> {
        Ok(try_lock(&self.state)?.venv.threads())
    }

    /// The actions' names.
    fn action_meanings(&self) -> Vec<&'static str> {
        self.meanings.clone()
    }

    /// `reset(seed=None) -> (obs, info)`: env `i` is seeded with `seed + i`.
    #[pyo3(signature = (seed=None))]
    fn reset<'py>(&self, py: Python<'py>, seed: Option<u64>) -> PyResult<Bound<'py, PyTuple>> {
        guard(|| {
            let mut st = try_lock(&self.state)?;
            let venv = &mut st.venv;
            py.detach(|| venv.reset(seed)).map_err(|e| env_err(py, e))?;
            let (obs, out) = self.obs_target(py, self.num_envs, false)?;
            match out {
                ObsOut::U8(s) => s.copy_from_slice(venv.obs_u8().unwrap_or_default()),
                ObsOut::F32(s) => s.copy_from_slice(venv.obs_f32().unwrap_or_default()),
            }
            let infos = infos_dict(py, self.num_envs, |i| venv.infos()[i])?;
            PyTuple::new(py, [self.present(obs)?, infos.into_any()])
        })
    }

    /// `step(actions) -> (obs, rewards, terminated, truncated, info)`, with next-step autoreset.
    fn step<'py>(&self, py: Python<'py>, actions: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyTuple>> {
        guard(|| {
            let mut st = try_lock(&self.state)?;
            let State {
                venv, actions: acts, ..
            } = &mut *st;
            read_actions(actions, self.num_envs, self.num_actions, acts)?;
            let (obs, out) = self.obs_target(py, self.num_envs, false)?;
            py.detach(|| venv.step_into(acts, out)).map_err(|e| env_err(py, e))?;
            py.check_signals()?;
            self.results(py, venv, obs, None)
        })
    }

    /// `send(actions, env_id=None)`: starts stepping and returns at once.
    #[pyo3(signature = (actions, env_id=None))]
    fn send(&self, py: Python<'_>, actions: &Bound<'_, PyAny>, env_id: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        guard(|| {
            let mut st = try_lock(&self.state)?;
            let State {
                venv,
                actions: acts,
                ids,
            } = &mut *st;
            let ids = match env_id {
                None => None,
                Some(e) => {
                    read_actions(e, count(e)?, self.num_envs, ids).map_err(|_| {
                        PyValueError::new_err(format!("env_id must list env ids in 0..{}", self.num_envs))
                    })?;
                    Some(&ids[..])
                }
            };
            let n = ids.map_or(self.num_envs, <[usize]>::len);
            read_actions(actions, n, self.num_actions, acts)?;
            venv.send(acts, ids).map_err(|e| env_err(py, e))
        })
    }

    /// `recv() -> (obs, rewards, terminated, truncated, info)` of the first `batch_size` envs to
    /// finish, in the order they finished; `info["env_id"]` names them.
    fn recv<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        guard(|| {
            let mut st = try_lock(&self.state)?;
            let venv = &mut st.venv;
            loop {
                let got = py
                    .detach(|| venv.recv(self.batch_size, Some(SIGNAL_POLL)).map(|ids| ids.is_some()))
                    .map_err(|e| env_err(py, e))?;
                if got {
                    break;
                }
                py.check_signals()?;
            }
            let ids = venv.received().to_vec();
            let len: usize = self.raw_shape.iter().product();
            let (obs, mut out) = self.obs_target(py, ids.len(), true)?;
            for (k, &i) in ids.iter().enumerate() {
                match &mut out {
                    ObsOut::U8(s) => s[k * len..(k + 1) * len].copy_from_slice(venv.env_obs_u8(i).unwrap_or_default()),
                    ObsOut::F32(s) => {
                        s[k * len..(k + 1) * len].copy_from_slice(venv.env_obs_f32(i).unwrap_or_default())
                    }
                }
            }
            self.results(py, venv, obs, Some(&ids))
        })
    }

    /// Env `index`'s current picture, `[H, W, 3]` uint8.
    fn render<'py>(&self, py: Python<'py>, index: usize) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let mut st = try_lock(&self.state)?;
            let mut frame = envs::Frame::new(0, 0);
            st.venv.render(index, &mut frame).map_err(|e| env_err(py, e))?;
            let (arr, out) = new_array::<u8>(py, &[frame.height, frame.width, 3])?;
            out.copy_from_slice(&frame.data);
            Ok(arr.into_any())
        })
    }
}

/// The length of a sequence of env ids.
fn count(obj: &Bound<'_, PyAny>) -> PyResult<usize> {
    obj.len()
        .map_err(|_| PyValueError::new_err("env_id must be a sequence or array of env ids"))
}
