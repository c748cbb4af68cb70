//! The stepping of a chunk of envs into the vector env's output buffers: what the caller's
//! thread (one thread) and every worker thread run.

use std::ops::Range;

use crate::env::{Env, EnvError, Info, Obs};

/// One env and whether its next step must reset it.
pub(super) struct Slot {
    pub env: Box<dyn Env>,
    pub needs_reset: bool,
}

/// The output buffers of a range of envs, as slices.
pub(super) struct Out<'a> {
    pub obs_u8: &'a mut [u8],
    pub obs_f32: &'a mut [f32],
    pub rewards: &'a mut [f32],
    pub terminated: &'a mut [bool],
    pub truncated: &'a mut [bool],
    pub infos: &'a mut [Info],
}

/// Raw pointers to the whole output buffers, sent to workers. Each worker builds slices for its
/// own disjoint range of envs only (or, in async mode, for one env it was asked to step), and the
/// owner does not touch those elements until the worker has reported them done, so no two
/// threads ever access the same element.
#[derive(Clone, Copy)]
pub(super) struct RawOut {
    pub obs_len: usize,
    pub obs_u8: *mut u8,
    pub obs_f32: *mut f32,
    pub rewards: *mut f32,
    pub terminated: *mut bool,
    pub truncated: *mut bool,
    pub infos: *mut Info,
    pub actions: *const usize,
    pub u8_obs: bool,
}

// SAFETY: see `RawOut`: the pointers are only dereferenced for elements that one worker owns
// until it reports them done, and the owning `VecEnv` keeps the buffers alive until then.
unsafe impl Send for RawOut {}

impl RawOut {
    /// # Safety
    /// `range` must lie inside the buffers, be used by one thread at a time, and the buffers must
    /// outlive the returned slices (guaranteed by the owner waiting for the reply).
    pub unsafe fn slices<'a>(&self, range: &Range<usize>) -> (Out<'a>, &'a [usize]) {
        let (s, n, l) = (range.start, range.len(), self.obs_len);
        let (u8_len, f32_len) = if self.u8_obs { (n * l, 0) } else { (0, n * l) };
        unsafe {
            let out = Out {
                obs_u8: std::slice::from_raw_parts_mut(self.obs_u8.add(if self.u8_obs { s * l } else { 0 }), u8_len),
                obs_f32: std::slice::from_raw_parts_mut(self.obs_f32.add(if self.u8_obs { 0 } else { s * l }), f32_len),
                rewards: std::slice::from_raw_parts_mut(self.rewards.add(s), n),
                terminated: std::slice::from_raw_parts_mut(self.terminated.add(s), n),
                truncated: std::slice::from_raw_parts_mut(self.truncated.add(s), n),
                infos: std::slice::from_raw_parts_mut(self.infos.add(s), n),
            };
            (out, std::slice::from_raw_parts(self.actions.add(s), n))
        }
    }
}

fn write_obs(obs: Obs<'_>, i: usize, len: usize, out: &mut Out<'_>) {
    match obs {
        Obs::Pixels { data, .. } => out.obs_u8[i * len..(i + 1) * len].copy_from_slice(data),
        Obs::Vector(v) => out.obs_f32[i * len..(i + 1) * len].copy_from_slice(v),
    }
}

fn obs_len(out: &Out<'_>, n: usize) -> usize {
    (out.obs_u8.len() + out.obs_f32.len()) / n.max(1)
}

/// Resets a chunk whose first env has global index `first`: env `first + i` gets `seed + first + i`.
pub(super) fn reset_chunk(slots: &mut [Slot], first: usize, seed: Option<u64>, out: &mut Out<'_>) {
    let len = obs_len(out, slots.len());
    for (i, slot) in slots.iter_mut().enumerate() {
        reset_slot(slot, seed.map(|s| s.wrapping_add((first + i) as u64)), i, len, out);
    }
}

/// Resets env `i` of a chunk (`len` observation values each) and writes its first observation,
/// with reward 0 and both flags false.
#[inline]
fn reset_slot(slot: &mut Slot, seed: Option<u64>, i: usize, len: usize, out: &mut Out<'_>) {
    let (obs, info) = slot.env.reset(seed);
    write_obs(obs, i, len, out);
    out.rewards[i] = 0.0;
    out.terminated[i] = false;
    out.truncated[i] = false;
    out.infos[i] = info;
    slot.needs_reset = false;
}

/// Steps a chunk with next-step autoreset: an env whose episode ended on its last step is reset
/// instead (its action is ignored, its reward is 0 and both flags are false).
pub(super) fn step_chunk(slots: &mut [Slot], actions: &[usize], out: &mut Out<'_>) -> Result<(), EnvError> {
    let len = obs_len(out, slots.len());
    for (i, slot) in slots.iter_mut().enumerate() {
        if slot.needs_reset {
            reset_slot(slot, None, i, len, out);
        } else {
            let step = slot.env.step(actions[i])?;
            write_obs(step.obs, i, len, out);
            out.rewards[i] = step.reward;
            out.terminated[i] = step.terminated;
            out.truncated[i] = step.truncated;
            out.infos[i] = step.info;
            slot.needs_reset = step.terminated || step.truncated;
        }
    }
    Ok(())
}
