//! One writer per run folder: writers (`train`, `train --resume`, `segnet train`, `segnet
//! calibrate`) hold an advisory lock (`flock`) on `RUN/.lock` while they run; the file holds the
//! holder's PID for the message a second writer gets. Readers take no lock.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};

use super::dir::RunDir;
use super::{io, RunError};

/// A held run-folder lock; dropping it (or the process ending) releases it.
#[derive(Debug)]
pub struct RunLock {
    _file: File,
}

impl RunLock {
    /// Takes the lock of `run`, or fails at once with the holder's PID.
    pub fn acquire(run: &RunDir) -> Result<RunLock, RunError> {
        let path = run.path.join(".lock");
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io(&path))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut pid = String::new();
                let _ = file.read_to_string(&mut pid);
                let pid = pid.trim();
                return Err(RunError::Locked {
                    path: run.path.clone(),
                    pid: if pid.is_empty() { "unknown".into() } else { pid.into() },
                });
            }
            Err(TryLockError::Error(e)) => return Err(io(&path)(e)),
        }
        let written = file
            .set_len(0)
            .and_then(|()| file.rewind())
            .and_then(|()| write!(file, "{}", std::process::id()))
            .and_then(|()| file.flush());
        written.map_err(io(&path))?;
        Ok(RunLock { _file: file })
    }
}

/// Runs `work` as the one writer of `run`: takes its lock, removes temp files that killed writers
/// left (reported through `notice`), and, for a new run (`!resume`) that fails before its first
/// checkpoint (`has_checkpoint`), removes the run folder again, so failed starts leave nothing.
pub fn write_session<T, E: From<RunError>>(
    run: &RunDir,
    resume: bool,
    has_checkpoint: impl Fn(&RunDir) -> bool,
    mut notice: impl FnMut(&str),
    work: impl FnOnce() -> Result<T, E>,
) -> Result<T, E> {
    let discard = |e: E| {
        if !resume && !has_checkpoint(run) {
            let _ = std::fs::remove_dir_all(&run.path);
        }
        e
    };
    let _lock = RunLock::acquire(run).map_err(|e| discard(e.into()))?;
    if resume {
        for p in run.clean_stale_temps()? {
            notice(&format!("removed {}, left by a killed writer", p.display()));
        }
    }
    work().map_err(discard)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_writer_gets_the_holders_pid() {
        let tmp = tempfile::tempdir().unwrap();
        let run = RunDir::create(tmp.path(), "cartpole", "dqn", 1).unwrap();
        let held = RunLock::acquire(&run).unwrap();
        let err = RunLock::acquire(&run).unwrap_err().to_string();
        assert!(err.contains(&format!("PID {}", std::process::id())), "{err}");
        drop(held);
        RunLock::acquire(&run).unwrap();
    }
}
