//! The worker threads of a [`super::VecEnv`]: each owns a contiguous range of envs and steps it
//! on command. A panic inside an env is caught here and reported as [`EnvError::Panicked`], so
//! the owner sees an error, never a dead thread.
//!
//! Two kinds of stepping:
//! - synchronous (`Reset`, `Step`): the worker steps its whole range and sends one reply;
//! - asynchronous (`StepPending`): the worker steps only the envs whose `pending` flag it can
//!   take, and reports each one to [`Completions`] as soon as it is done, so that `recv` can
//!   return the first envs to finish.

use std::collections::VecDeque;
use std::ops::Range;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use super::chunk::{reset_chunk, step_chunk, RawOut, Slot};
use crate::env::EnvError;
use crate::frame::Frame;

pub(super) enum Command {
    Reset { seed: Option<u64>, out: RawOut },
    Step { out: RawOut },
    StepPending { out: RawOut },
    Render { index: usize, frame: Frame },
}

pub(super) enum Reply {
    Done(Result<(), EnvError>),
    Rendered(Frame),
}

pub(super) struct Worker {
    pub range: Range<usize>,
    pub commands: Sender<Command>,
    pub replies: Receiver<Reply>,
    pub handle: Option<JoinHandle<()>>,
}

/// What the async mode shares between the owner and the workers.
pub(super) struct Shared {
    /// `pending[i]`: env `i` was sent an action and no worker has taken it yet.
    pub pending: Vec<AtomicBool>,
    /// Envs done stepping, in the order they finished.
    pub done: Mutex<Completions>,
    /// Signalled after each push to `done`.
    pub ready: Condvar,
}

/// The finished envs of the async mode, and the first failure.
pub(super) struct Completions {
    pub ids: VecDeque<usize>,
    pub failure: Option<EnvError>,
}

impl Shared {
    pub fn new(num_envs: usize) -> Arc<Shared> {
        Arc::new(Shared {
            pending: (0..num_envs).map(|_| AtomicBool::new(false)).collect(),
            done: Mutex::new(Completions {
                ids: VecDeque::with_capacity(num_envs),
                failure: None,
            }),
            ready: Condvar::new(),
        })
    }

    fn push(&self, id: usize) {
        lock(&self.done).ids.push_back(id);
        self.ready.notify_all();
    }

    fn fail(&self, err: EnvError) {
        lock(&self.done).failure.get_or_insert(err);
        self.ready.notify_all();
    }

    /// Waits until `count` envs are done (or a failure), at most `timeout`; returns the guard.
    pub fn wait(&self, count: usize, timeout: Option<Duration>) -> std::sync::MutexGuard<'_, Completions> {
        let guard = lock(&self.done);
        let unfinished = |c: &mut Completions| c.ids.len() < count && c.failure.is_none();
        match timeout {
            None => self
                .ready
                .wait_while(guard, unfinished)
                .unwrap_or_else(|e| e.into_inner()),
            Some(t) => {
                self.ready
                    .wait_timeout_while(guard, t, unfinished)
                    .unwrap_or_else(|e| e.into_inner())
                    .0
            }
        }
    }
}

/// Locks a mutex, ignoring poisoning (panics are caught before they could poison it).
pub(super) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The error for a worker that no longer answers.
fn stopped() -> EnvError {
    EnvError::Panicked("a vector env worker thread stopped".into())
}

pub(super) fn send(w: &Worker, cmd: Command) -> Result<(), EnvError> {
    w.commands.send(cmd).map_err(|_| stopped())
}

/// Waits for one `Done` reply from every worker; returns the first error.
pub(super) fn collect(workers: &[Worker]) -> Result<(), EnvError> {
    let mut result = Ok(());
    for w in workers {
        let r = match w.replies.recv() {
            Ok(Reply::Done(r)) => r,
            _ => Err(stopped()),
        };
        if result.is_ok() {
            result = r;
        }
    }
    result
}

/// The text of a caught panic.
pub(super) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

/// Steps the pending envs of `mine` (global indices from `range.start`), one at a time.
fn step_pending(mine: &mut [Slot], range: &Range<usize>, out: RawOut, shared: &Shared) -> Result<(), EnvError> {
    for (i, g) in range.clone().enumerate() {
        if shared.pending[g].swap(false, Ordering::AcqRel) {
            // SAFETY: env `g` is this worker's, and the owner reads it only after the push below.
            let (mut o, acts) = unsafe { out.slices(&(g..g + 1)) };
            step_chunk(&mut mine[i..i + 1], acts, &mut o)?;
            shared.push(g);
        }
    }
    Ok(())
}

fn run(cmd: Command, mine: &mut [Slot], range: &Range<usize>, shared: &Shared) -> Option<Reply> {
    match cmd {
        Command::Reset { seed, out } => {
            // SAFETY: this worker's disjoint range; the owner waits for the reply.
            let (mut o, _) = unsafe { out.slices(range) };
            reset_chunk(mine, range.start, seed, &mut o);
            Some(Reply::Done(Ok(())))
        }
        Command::Step { out } => {
            // SAFETY: as above.
            let (mut o, acts) = unsafe { out.slices(range) };
            Some(Reply::Done(step_chunk(mine, acts, &mut o)))
        }
        Command::StepPending { out } => {
            if let Err(e) = step_pending(mine, range, out, shared) {
                shared.fail(e);
            }
            None
        }
        Command::Render { index, mut frame } => {
            mine[index].env.render(&mut frame);
            Some(Reply::Rendered(frame))
        }
    }
}

/// Starts `threads` workers, each owning a contiguous share of `slots`.
pub(super) fn spawn_workers(slots: Vec<Slot>, threads: usize, shared: &Arc<Shared>) -> Vec<Worker> {
    let n = slots.len();
    let mut slots = slots.into_iter();
    (0..threads)
        .map(|t| {
            let range = (t * n / threads)..((t + 1) * n / threads);
            let mut mine: Vec<Slot> = slots.by_ref().take(range.len()).collect();
            let (commands, cmd_rx) = channel::<Command>();
            let (reply_tx, replies) = channel::<Reply>();
            let worker_range = range.clone();
            let shared = Arc::clone(shared);
            let handle = std::thread::Builder::new()
                .name(format!("vec-env-{t}"))
                .spawn(move || {
                    while let Ok(cmd) = cmd_rx.recv() {
                        let is_async = matches!(cmd, Command::StepPending { .. });
                        let reply = match catch_unwind(AssertUnwindSafe(|| run(cmd, &mut mine, &worker_range, &shared)))
                        {
                            Ok(reply) => reply,
                            Err(payload) => {
                                let err = EnvError::Panicked(panic_message(payload.as_ref()));
                                shared.fail(err.clone());
                                (!is_async).then_some(Reply::Done(Err(err)))
                            }
                        };
                        if let Some(reply) = reply {
                            if reply_tx.send(reply).is_err() {
                                break;
                            }
                        }
                    }
                })
                .expect("the OS could not start a vector env thread");
            Worker {
                range,
                commands,
                replies,
                handle: Some(handle),
            }
        })
        .collect()
}
