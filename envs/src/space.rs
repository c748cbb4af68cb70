//! Action and observation spaces, as in gymnasium.

use std::fmt;

/// The data type of a [`Space::Box`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dtype {
    /// Bytes, 0..=255 (pixels).
    U8,
    /// 32-bit floats.
    F32,
}

/// A gymnasium space.
#[derive(Debug, Clone, PartialEq)]
pub enum Space {
    /// `n` actions, `0..n`.
    Discrete(usize),
    /// A box of the given shape; `low`/`high` bound every element (may be infinite).
    Box {
        shape: Vec<usize>,
        low: f32,
        high: f32,
        dtype: Dtype,
    },
}

impl Space {
    /// Number of elements of a box (product of the shape), or 1 for a discrete space.
    pub fn flat_size(&self) -> usize {
        match self {
            Space::Discrete(_) => 1,
            Space::Box { shape, .. } => shape.iter().product(),
        }
    }
    /// The shape of a box, empty for a discrete space.
    pub fn shape(&self) -> &[usize] {
        match self {
            Space::Discrete(_) => &[],
            Space::Box { shape, .. } => shape,
        }
    }
    /// Whether the f32 vector lies in this box.
    pub fn contains_f32(&self, values: &[f32]) -> bool {
        match self {
            Space::Box {
                low,
                high,
                dtype: Dtype::F32,
                ..
            } => values.len() == self.flat_size() && values.iter().all(|v| !v.is_nan() && *v >= *low && *v <= *high),
            _ => false,
        }
    }
    /// Whether the u8 pixels have this box's size.
    pub fn contains_u8(&self, values: &[u8]) -> bool {
        matches!(self, Space::Box { dtype: Dtype::U8, .. }) && values.len() == self.flat_size()
    }
}

impl fmt::Display for Space {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Space::Discrete(n) => write!(f, "Discrete({n})"),
            Space::Box {
                shape,
                low,
                high,
                dtype,
            } => {
                let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
                let bound = |v: f32| {
                    if v.abs() >= 1e6 {
                        format!("{v:.1e}")
                    } else {
                        format!("{v}")
                    }
                };
                write!(
                    f,
                    "Box({}, {}, ({}), {dtype:?})",
                    bound(*low),
                    bound(*high),
                    dims.join(", ")
                )
            }
        }
    }
}
