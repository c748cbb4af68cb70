//! Frame stacking on the acting side, matching the replay buffer: after a reset the stack holds
//! the first frame `k` times, then each new frame pushes the oldest out.

use envs::{Obs, VecEnv};

/// Element types an observation can have: u8 pixels or f32 vectors.
pub trait ObsElement: Copy + Default + Send + Sync + 'static + tch::kind::Element {
    /// This element type's slice of an observation, or `None` if the obs has the other type.
    fn of_obs<'a>(obs: &Obs<'a>) -> Option<&'a [Self]>;
    /// The vector env's observation buffer `[N, obs_len]` of this element type.
    fn of_vec_env(envs: &VecEnv) -> Option<&[Self]>;
    /// Like [`ObsElement::of_obs`], with the mismatch as an error.
    fn frame<'a>(obs: &Obs<'a>) -> Result<&'a [Self], super::DqnError> {
        Self::of_obs(obs).ok_or_else(mismatch)
    }
    /// Like [`ObsElement::of_vec_env`], with the mismatch as an error.
    fn frames(envs: &VecEnv) -> Result<&[Self], super::DqnError> {
        Self::of_vec_env(envs).ok_or_else(mismatch)
    }
}

fn mismatch() -> super::DqnError {
    super::DqnError::Internal("observation type mismatch".into())
}

impl ObsElement for u8 {
    fn of_obs<'a>(obs: &Obs<'a>) -> Option<&'a [u8]> {
        obs.pixels()
    }
    fn of_vec_env(envs: &VecEnv) -> Option<&[u8]> {
        envs.obs_u8()
    }
}

impl ObsElement for f32 {
    fn of_obs<'a>(obs: &Obs<'a>) -> Option<&'a [f32]> {
        obs.vector()
    }
    fn of_vec_env(envs: &VecEnv) -> Option<&[f32]> {
        envs.obs_f32()
    }
}

/// The last `k` frames of one env, oldest first, in one contiguous buffer (ready to become a
/// `[k, ...]` tensor). Pushing shifts by one frame; nothing allocates after construction.
#[derive(Debug, Clone)]
pub struct FrameStack<T> {
    k: usize,
    frame_len: usize,
    data: Vec<T>,
}

impl<T: Copy + Default> FrameStack<T> {
    /// An all-zero stack of `k` frames of `frame_len` elements.
    pub fn new(k: usize, frame_len: usize) -> Self {
        FrameStack {
            k,
            frame_len,
            data: vec![T::default(); k * frame_len],
        }
    }

    /// Fills every position with the episode's first frame.
    pub fn reset(&mut self, first: &[T]) {
        for chunk in self.data.chunks_exact_mut(self.frame_len) {
            chunk.copy_from_slice(first);
        }
    }

    /// Appends a frame, dropping the oldest.
    pub fn push(&mut self, frame: &[T]) {
        self.data.copy_within(self.frame_len.., 0);
        let start = (self.k - 1) * self.frame_len;
        self.data[start..].copy_from_slice(frame);
    }

    /// The stack, `[k * frame_len]`, oldest frame first.
    pub fn as_slice(&self) -> &[T] {
        &self.data
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stack_pads_with_first_frame_then_shifts() {
        let mut s = FrameStack::<u8>::new(3, 2);
        s.reset(&[1, 1]);
        assert_eq!(s.as_slice(), &[1, 1, 1, 1, 1, 1]);
        s.push(&[2, 2]);
        assert_eq!(s.as_slice(), &[1, 1, 1, 1, 2, 2]);
        s.push(&[3, 3]);
        s.push(&[4, 4]);
        assert_eq!(s.as_slice(), &[2, 2, 3, 3, 4, 4]);
    }
}
