//! One gym worker process: how it is started, the pipe protocol (described in `worker.py`), and
//! the tail of its stderr, which names the cause when it dies.
//!
//! Pipes, not shared memory: an agent step moves one small observation (7,056 bytes at 84×84) and
//! a 31-byte header each way, so a step costs one round trip of two `write`/`read` pairs, a few
//! microseconds beside the milliseconds ALE takes for four emulator frames (`dqn bench env` shows
//! the ratio). `std` has no shared memory, and the crate takes no extra dependency for it.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde::Deserialize;

use crate::config::EnvConfig;
use crate::env::EnvError;
use crate::frame::Frame;

/// The worker script, embedded so that the binary works from any folder.
const SCRIPT: &str = include_str!("worker.py");
/// Lines of the worker's stderr kept for an error message.
const TAIL_LINES: usize = 6;
/// Bytes of an answer's header after its status byte.
const HEADER_LEN: usize = 8 + 1 + 1 + 4 + 8 + 8;

/// The Python that runs workers: `$DQN_PYTHON`, else the `.venv` of the checkout this crate was
/// built from (so `target/release/dqn` works from any folder).
pub fn python() -> PathBuf {
    std::env::var_os("DQN_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.venv/bin/python")))
}

/// What the worker says first: the env's spaces and action names.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Hello {
    /// An ALE id: the worker skips frames and the Rust side applies the Atari wrappers.
    pub atari: bool,
    /// Number of discrete actions.
    pub actions: usize,
    /// ALE's action names, when the env has them.
    pub action_meanings: Option<Vec<String>>,
    /// "u8" (pixels) or "f32" (a vector).
    pub obs_kind: String,
    /// `[C, H, W]` for pixels, `[D]` for a vector.
    pub obs_shape: Vec<usize>,
    /// Lower bound of a vector observation.
    pub obs_low: f32,
    /// Upper bound of a vector observation.
    pub obs_high: f32,
    /// `(width, height)` that `render` draws at.
    pub render_size: [usize; 2],
}

#[derive(Deserialize)]
struct HelloError {
    error: String,
    message: String,
}

/// The numbers of one answer (the observation goes to the caller's buffer).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Reply {
    pub reward: f64,
    pub terminated: bool,
    pub truncated: bool,
    pub lives: u32,
    pub frame_number: u64,
    pub episode_frame_number: u64,
}

/// A running worker process.
pub(crate) struct Worker {
    /// The gymnasium id, for messages.
    id: String,
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    tail: Arc<Mutex<VecDeque<String>>>,
    tail_reader: Option<JoinHandle<()>>,
    /// Bytes of one observation.
    obs_bytes: usize,
}

impl Worker {
    /// Starts a worker for the gymnasium id `id` and reads its hello.
    pub fn spawn(id: &str, cfg: &EnvConfig) -> Result<(Worker, Hello), EnvError> {
        let python = python();
        if std::env::var_os("DQN_PYTHON").is_none() && !python.exists() {
            return Err(EnvError::Bridge(format!(
                "gym:{id}: no Python at {}; run `make gym` in the checkout dqn was built from, or set DQN_PYTHON",
                python.display()
            )));
        }
        let cfg_json = serde_json::to_string(cfg).map_err(|e| EnvError::Bridge(format!("gym:{id}: {e}")))?;
        let mut child = Command::new(&python)
            .arg("-u")
            .arg("-c")
            .arg(SCRIPT)
            .arg(id)
            .arg(cfg_json)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| {
                EnvError::Bridge(format!(
                    "gym:{id}: cannot start {}: {e}; run `make gym` or set DQN_PYTHON",
                    python.display()
                ))
            })?;
        let (stdin, stdout, stderr) = match (child.stdin.take(), child.stdout.take(), child.stderr.take()) {
            (Some(i), Some(o), Some(e)) => (i, o, e),
            _ => return Err(EnvError::Bridge(format!("gym:{id}: the worker's pipes are missing"))),
        };
        let tail = Arc::new(Mutex::new(VecDeque::new()));
        let sink = tail.clone();
        let tail_reader = std::thread::Builder::new()
            .name("gym-stderr".into())
            .spawn(move || {
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    if let Ok(mut t) = sink.lock() {
                        if t.len() == TAIL_LINES {
                            t.pop_front();
                        }
                        t.push_back(line);
                    }
                }
            })
            .ok();
        let mut worker = Worker {
            id: id.to_string(),
            child,
            stdin,
            stdout: BufReader::new(stdout),
            tail,
            tail_reader,
            obs_bytes: 0,
        };
        let mut line = String::new();
        match worker.stdout.read_line(&mut line) {
            Ok(n) if n > 0 => {}
            _ => return Err(worker.died()),
        }
        if let Ok(e) = serde_json::from_str::<HelloError>(&line) {
            worker.reap();
            return Err(EnvError::Bridge(match e.error.as_str() {
                "missing" => format!(
                    "gym:{id}: {} in {}; run `make gym` to install the bridge's packages",
                    e.message,
                    python.display()
                ),
                _ => format!("gym:{id}: {}", e.message),
            }));
        }
        let hello: Hello = serde_json::from_str(&line)
            .map_err(|e| EnvError::Bridge(format!("gym:{id}: unreadable answer from the worker ({e}): {line}")))?;
        let elem = if hello.obs_kind == "f32" { 4 } else { 1 };
        worker.obs_bytes = hello.obs_shape.iter().product::<usize>() * elem;
        Ok((worker, hello))
    }

    /// Bytes of one observation.
    pub fn obs_bytes(&self) -> usize {
        self.obs_bytes
    }

    /// Resets the env (reseeding it with `Some(seed)`); the observation goes to `obs`.
    pub fn reset(&mut self, seed: Option<u64>, obs: &mut [u8]) -> Result<Reply, EnvError> {
        let mut req = [0u8; 10];
        req[0] = b'R';
        req[1] = seed.is_some() as u8;
        req[2..].copy_from_slice(&seed.unwrap_or(0).to_le_bytes());
        self.request(&req, obs)
    }

    /// Steps `frames` emulator frames of `action` (ALE ids; one step otherwise), max-pooling the
    /// last two when `pool`; the observation goes to `obs`.
    pub fn step(&mut self, action: usize, frames: u32, pool: bool, obs: &mut [u8]) -> Result<Reply, EnvError> {
        let mut req = [0u8; 10];
        req[0] = b'S';
        req[1..5].copy_from_slice(&(action as u32).to_le_bytes());
        req[5..9].copy_from_slice(&frames.to_le_bytes());
        req[9] = pool as u8;
        self.request(&req, obs)
    }

    /// The env's own RGB picture.
    pub fn render(&mut self, frame: &mut Frame) -> Result<(), EnvError> {
        self.send(b"G")?;
        self.status()?;
        let mut size = [0u8; 8];
        self.read(&mut size)?;
        let h = u32::from_le_bytes([size[0], size[1], size[2], size[3]]) as usize;
        let w = u32::from_le_bytes([size[4], size[5], size[6], size[7]]) as usize;
        frame.resize(w, h);
        self.read(&mut frame.data)
    }

    fn request(&mut self, req: &[u8], obs: &mut [u8]) -> Result<Reply, EnvError> {
        self.send(req)?;
        self.status()?;
        let mut h = [0u8; HEADER_LEN];
        self.read(&mut h)?;
        self.read(&mut obs[..self.obs_bytes])?;
        let u64_at = |i: usize| u64::from_le_bytes(h[i..i + 8].try_into().unwrap_or_default());
        Ok(Reply {
            reward: f64::from_bits(u64_at(0)),
            terminated: h[8] != 0,
            truncated: h[9] != 0,
            lives: u32::from_le_bytes([h[10], h[11], h[12], h[13]]),
            frame_number: u64_at(14),
            episode_frame_number: u64_at(22),
        })
    }

    fn send(&mut self, bytes: &[u8]) -> Result<(), EnvError> {
        match self.stdin.write_all(bytes) {
            Ok(()) => Ok(()),
            Err(_) => Err(self.died()),
        }
    }

    fn read(&mut self, buf: &mut [u8]) -> Result<(), EnvError> {
        match self.stdout.read_exact(buf) {
            Ok(()) => Ok(()),
            Err(_) => Err(self.died()),
        }
    }

    /// Reads the status byte; an error answer becomes the env's message.
    fn status(&mut self) -> Result<(), EnvError> {
        let mut status = [0u8; 1];
        self.read(&mut status)?;
        if status[0] == 0 {
            return Ok(());
        }
        let mut len = [0u8; 4];
        self.read(&mut len)?;
        let mut msg = vec![0u8; u32::from_le_bytes(len) as usize];
        self.read(&mut msg)?;
        Err(EnvError::Bridge(format!(
            "gym:{}: {}",
            self.id,
            String::from_utf8_lossy(&msg)
        )))
    }

    /// Waits (briefly) for the process to end, then collects its stderr.
    fn reap(&mut self) -> String {
        let deadline = Instant::now() + Duration::from_secs(3);
        let status = loop {
            match self.child.try_wait() {
                Ok(Some(s)) => break s.to_string(),
                Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
                _ => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    break "killed after it stopped answering".to_string();
                }
            }
        };
        while self.tail_reader.as_ref().is_some_and(|t| !t.is_finished()) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        status
    }

    /// The error for a worker that stopped answering: its exit status and the tail of its stderr.
    fn died(&mut self) -> EnvError {
        let status = self.reap();
        let tail: Vec<String> = self
            .tail
            .lock()
            .map(|t| t.iter().filter(|l| !l.trim().is_empty()).cloned().collect())
            .unwrap_or_default();
        let tail = if tail.is_empty() {
            "(nothing on stderr)".to_string()
        } else {
            tail.join(" | ")
        };
        EnvError::Bridge(format!(
            "gym:{}: the worker process died ({status}); its stderr ends: {tail}",
            self.id
        ))
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
