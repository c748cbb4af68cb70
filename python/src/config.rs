//! Keyword arguments → [`EnvConfig`], with ALE's and EnvPool's names wherever one exists.
//!
//! | keyword                      | `EnvConfig` field    | default |
//! |------------------------------|----------------------|---------|
//! | `repeat_action_probability`  | `sticky_action_prob` | 0.25    |
//! | `frameskip`                  | `frame_skip`         | 4       |
//! | `max_pool`                   | `max_pool`           | True    |
//! | `grayscale`                  | `grayscale`          | True    |
//! | `img_height`, `img_width`    | `obs_size`           | 84      |
//! | `stack_num`                  | `frame_stack`        | 4       |
//! | `noop_max`                   | `noop_max`           | 30      |
//! | `use_fire_reset`             | `fire_reset`         | True    |
//! | `episodic_life`              | `episodic_life`      | True    |
//! | `reward_clip`                | `clip_rewards`       | True    |
//! | `max_num_frames_per_episode` | `max_episode_frames` | 108000  |
//! | `full_action_space`          | `full_action_space`  | False   |
//! | `widen_thin_shapes`          | `widen_thin_shapes`  | False   |
//!
//! Plus `obs_type` (`"rgb"`: ALE's raw 210×160×3 frame, channel-last, no stack and no pooling)
//! and `render_mode` (`None`, `"rgb_array"`, `"human"`). CartPole takes only `render_mode`.

use envs::game::{SCREEN_H, SCREEN_W};
use envs::{EnvConfig, EnvSpec};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

/// The keywords of the Atari-like games.
const PIXEL_KEYWORDS: [&str; 16] = [
    "repeat_action_probability",
    "frameskip",
    "max_pool",
    "grayscale",
    "img_height",
    "img_width",
    "stack_num",
    "noop_max",
    "use_fire_reset",
    "episodic_life",
    "reward_clip",
    "max_num_frames_per_episode",
    "full_action_space",
    "widen_thin_shapes",
    "obs_type",
    "render_mode",
];

/// The keywords of an env without preprocessing (CartPole).
const PLAIN_KEYWORDS: [&str; 1] = ["render_mode"];

/// The settings of one env, parsed from keyword arguments.
#[derive(Debug, Clone)]
pub struct Options {
    /// The preprocessing.
    pub cfg: EnvConfig,
    /// `obs_type="rgb"`: observations are the raw frame, channel-last.
    pub rgb: bool,
    /// `None`, `"rgb_array"` or `"human"`.
    pub render_mode: Option<String>,
}

/// The keywords that env `id` accepts, in documentation order.
#[pyfunction]
pub fn keywords(id: &str) -> PyResult<Vec<&'static str>> {
    crate::guard(|| Ok(valid(&spec_of(id)?).to_vec()))
}

fn valid(spec: &EnvSpec) -> &'static [&'static str] {
    if spec.pixels {
        &PIXEL_KEYWORDS
    } else {
        &PLAIN_KEYWORDS
    }
}

/// The registry entry of `id`, or `ValueError` listing the known ids.
pub fn spec_of(id: &str) -> PyResult<EnvSpec> {
    envs::spec(id).ok_or_else(|| PyValueError::new_err(envs::registry::unknown(id).to_string()))
}

fn get<'py, T: FromPyObjectOwned<'py>>(v: &Bound<'py, PyAny>, key: &str, what: &str) -> PyResult<T> {
    v.extract::<T>().map_err(|_| {
        PyTypeError::new_err(format!(
            "{key} must be {what}, got {}",
            v.repr().map(|r| r.to_string()).unwrap_or_default()
        ))
    })
}

/// Parses the keyword arguments of env `id`: an unknown keyword is a `TypeError` that lists the
/// valid ones, a value of the wrong type a `TypeError`, a value out of range a `ValueError`.
pub fn parse(spec: &EnvSpec, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Options> {
    let mut cfg = EnvConfig::default();
    let (mut rgb, mut render_mode) = (false, None);
    let (mut height, mut width, mut stack, mut pool) = (None, None, None, None);
    let mut gray = None;
    for (k, v) in kwargs.into_iter().flat_map(|d| d.iter()) {
        let key = k.cast::<PyString>().map(|s| s.to_string()).unwrap_or_default();
        if !valid(spec).contains(&key.as_str()) {
            return Err(PyTypeError::new_err(format!(
                "{}: unknown keyword argument '{key}'; valid keywords: {}",
                spec.gym_name,
                valid(spec).join(", ")
            )));
        }
        match key.as_str() {
            "repeat_action_probability" => cfg.sticky_action_prob = get(&v, &key, "a float in [0, 1]")?,
            "frameskip" => cfg.frame_skip = get(&v, &key, "an int in 1..=64")?,
            "max_pool" => pool = Some(get::<bool>(&v, &key, "a bool")?),
            "grayscale" => gray = Some(get::<bool>(&v, &key, "a bool")?),
            "img_height" => height = Some(get::<usize>(&v, &key, "a positive int")?),
            "img_width" => width = Some(get::<usize>(&v, &key, "a positive int")?),
            "stack_num" => stack = Some(get::<usize>(&v, &key, "an int in 1..=32")?),
            "noop_max" => cfg.noop_max = get(&v, &key, "an int ≥ 0")?,
            "use_fire_reset" => cfg.fire_reset = get(&v, &key, "a bool")?,
            "episodic_life" => cfg.episodic_life = get(&v, &key, "a bool")?,
            "reward_clip" => cfg.clip_rewards = get(&v, &key, "a bool")?,
            "max_num_frames_per_episode" => cfg.max_episode_frames = get(&v, &key, "an int ≥ 0 (0: no limit)")?,
            "full_action_space" => cfg.full_action_space = get(&v, &key, "a bool")?,
            "widen_thin_shapes" => cfg.widen_thin_shapes = get(&v, &key, "a bool")?,
            "obs_type" => {
                let t: Option<String> = get(&v, &key, "None or \"rgb\"")?;
                rgb = match t.as_deref() {
                    None => false,
                    Some("rgb") => true,
                    Some(other) => {
                        return Err(PyValueError::new_err(format!(
                            "obs_type must be None (the preprocessed observation) or \"rgb\" (the raw 210×160×3 frame), got {other:?}"
                        )))
                    }
                }
            }
            "render_mode" => {
                let m: Option<String> = get(&v, &key, "None, \"rgb_array\" or \"human\"")?;
                if let Some(bad) = m.as_deref().filter(|m| !["rgb_array", "human"].contains(m)) {
                    return Err(PyValueError::new_err(format!(
                        "render_mode must be None, \"rgb_array\" or \"human\", got {bad:?}"
                    )));
                }
                render_mode = m;
            }
            _ => unreachable!("every valid keyword has an arm"),
        }
    }
    if rgb {
        if height.is_some() || width.is_some() || stack.is_some() || gray == Some(true) {
            return Err(PyValueError::new_err(
                "obs_type=\"rgb\" is the raw 210×160×3 frame: it takes no img_height, img_width, stack_num or grayscale=True",
            ));
        }
        cfg.grayscale = false;
        cfg.obs_size = 0;
        cfg.frame_stack = 1;
        cfg.max_pool = pool.unwrap_or(false);
    } else {
        cfg.grayscale = gray.unwrap_or(cfg.grayscale);
        cfg.max_pool = pool.unwrap_or(cfg.max_pool);
        cfg.frame_stack = stack.unwrap_or(cfg.frame_stack);
        cfg.obs_size = obs_size(height, width, cfg.obs_size)?;
    }
    cfg.validate().map_err(|e| PyValueError::new_err(e.to_string()))?;
    Ok(Options { cfg, rgb, render_mode })
}

/// `img_height` × `img_width` → the square side (0 for the full 210×160 picture).
fn obs_size(height: Option<usize>, width: Option<usize>, default: usize) -> PyResult<usize> {
    let (h, w) = match (height, width) {
        (None, None) => return Ok(default),
        (Some(h), None) => (h, h),
        (None, Some(w)) => (w, w),
        (Some(h), Some(w)) => (h, w),
    };
    if (h, w) == (SCREEN_H, SCREEN_W) {
        Ok(0)
    } else if h == w {
        Ok(h)
    } else {
        Err(PyValueError::new_err(format!(
            "img_height and img_width must be equal (square observations, 8..=1024), or {SCREEN_H} and {SCREEN_W} for the full picture; got {h} and {w}"
        )))
    }
}
