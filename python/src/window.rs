//! `dqn_envs._core.Window`: the minifb window of `render_mode="human"`.

use envs::viewer::Viewer;
use envs::Frame;
use numpy::{PyReadonlyArray3, PyUntypedArrayMethods};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;

use crate::guard;

/// A window that shows `[H, W, 3]` uint8 frames. It lives on the thread that made it (minifb's
/// window cannot move between threads).
#[pyclass(module = "dqn_envs._core", unsendable)]
pub struct Window {
    viewer: Viewer,
    frame: Frame,
}

#[pymethods]
impl Window {
    /// Opens a window for `width × height` frames shown at `scale`; a `RuntimeError` with one
    /// line when there is no display.
    #[new]
    #[pyo3(signature = (title, width, height, scale=3))]
    fn new(title: &str, width: usize, height: usize, scale: usize) -> PyResult<Self> {
        guard(|| {
            let mut viewer = Viewer::open(title, width, height, scale)
                .map_err(|e| PyRuntimeError::new_err(format!("render_mode=\"human\": {e}")))?;
            viewer.set_target_fps(60);
            Ok(Window {
                viewer,
                frame: Frame::new(width, height),
            })
        })
    }

    /// Shows one frame.
    fn show(&mut self, frame: PyReadonlyArray3<'_, u8>) -> PyResult<()> {
        guard(|| {
            let shape = frame.shape().to_vec();
            if shape != [self.frame.height, self.frame.width, 3] {
                return Err(PyValueError::new_err(format!(
                    "the window shows [{}, {}, 3] frames, got {shape:?}",
                    self.frame.height, self.frame.width
                )));
            }
            let data = frame.as_slice().map_err(|e| PyValueError::new_err(e.to_string()))?;
            self.frame.data.copy_from_slice(data);
            self.viewer
                .show(&self.frame)
                .map_err(|e| PyRuntimeError::new_err(e.to_string()))
        })
    }

    /// Whether the window is still open (the user has not closed it).
    fn is_open(&self) -> bool {
        self.viewer.is_open()
    }
}
