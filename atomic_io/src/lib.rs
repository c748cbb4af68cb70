//! # atomic-io: every file write of the project goes through here
//!
//! A file is written to a temp file beside it, named `.NAME.tmp-PID`, synced, then renamed over
//! its final path, so a reader (or a crash) never sees a half-written file. Folders are built under
//! a temp name the same way and moved into place with [`replace_dir`]. A process killed mid-write
//! leaves its temp file behind; [`clean_stale_temps`] removes those of dead processes.
//!
//! This crate holds the only `fs::rename` of the repository outside tests.
//!
//! ```
//! let dir = tempfile::tempdir().unwrap();
//! let path = dir.path().join("eval.json");
//! atomic_io::write_bytes(&path, b"{}").unwrap();
//! assert_eq!(std::fs::read(&path).unwrap(), b"{}");
//! ```

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// The marker between a temp file's name and its writer's PID: `.NAME.tmp-PID`.
const TMP_MARK: &str = ".tmp-";

/// The temp name for `path`: `.NAME.tmp-PID` in the same folder (so the rename stays on one
/// filesystem). A path without a file name (e.g. `/`) gets `.unnamed.tmp-PID`.
pub fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "unnamed".into());
    parent_of(path).join(format!(".{name}{TMP_MARK}{}", std::process::id()))
}

fn parent_of(path: &Path) -> &Path {
    path.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Writes `path` atomically: `write` fills the temp file (it may create it any way it likes, e.g.
/// a libtorch save to a path, or a streaming encoder), which is then synced and renamed over
/// `path`. On any error the temp file is removed and `path` is left as it was.
pub fn write_atomic(path: &Path, write: impl FnOnce(&Path) -> io::Result<()>) -> io::Result<()> {
    let tmp = temp_path(path);
    let result = write(&tmp).and_then(|()| persist(&tmp, path));
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Writes `bytes` to `path` atomically.
pub fn write_bytes(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_atomic(path, |tmp| fs::write(tmp, bytes))
}

/// Syncs the finished temp file `tmp` and renames it over `path`: the last step of
/// [`write_atomic`], for writers that keep the temp file open across calls (a GIF recorder
/// streaming frames). `tmp` should come from [`temp_path`]`(path)`.
pub fn persist(tmp: &Path, path: &Path) -> io::Result<()> {
    fs::File::open(tmp)?.sync_all()?;
    fs::rename(tmp, path)
}

/// Moves the finished folder `tmp_dir` to `dir`. An existing `dir` must be empty; it is replaced.
/// `tmp_dir` should be [`temp_path`]`(dir)`.
pub fn replace_dir(tmp_dir: &Path, dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        fs::remove_dir(dir)?;
    }
    fs::rename(tmp_dir, dir)
}

/// The PID in a temp name `.NAME.tmp-PID`, if `name` is one.
pub fn temp_owner(name: &str) -> Option<u32> {
    if !name.starts_with('.') {
        return None;
    }
    let (_, pid) = name.rsplit_once(TMP_MARK)?;
    pid.parse().ok()
}

/// Whether a process with this PID is running. On systems without `/proc` every PID counts as
/// alive, so nothing is ever removed there by mistake.
fn alive(pid: u32) -> bool {
    let proc_root = Path::new("/proc");
    !proc_root.join("self").exists() || proc_root.join(pid.to_string()).exists()
}

/// Removes the temp files and folders (`.NAME.tmp-PID`) in `dir` whose writer is dead, e.g. after
/// a kill -9 during a checkpoint write. Returns what it removed. A missing `dir` removes nothing.
pub fn clean_stale_temps(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut removed = Vec::new();
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = temp_owner(&name) else { continue };
        if pid == std::process::id() || alive(pid) {
            continue;
        }
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            fs::remove_dir_all(&path)?;
        } else {
            fs::remove_file(&path)?;
        }
        removed.push(path);
    }
    removed.sort();
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_names_have_one_spelling() {
        let t = temp_path(Path::new("runs/a/step_5.safetensors"));
        let want = format!("runs/a/.step_5.safetensors.tmp-{}", std::process::id());
        assert_eq!(t, PathBuf::from(want));
        assert_eq!(temp_path(Path::new("x")).parent(), Some(Path::new(".")));
        let name = t.file_name().unwrap().to_string_lossy().into_owned();
        assert_eq!(temp_owner(&name), Some(std::process::id()));
        assert_eq!(temp_owner("step_5.safetensors"), None);
        assert_eq!(temp_owner(".x.tmp-abc"), None);
    }

    #[test]
    fn a_failed_write_leaves_the_old_file_and_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.txt");
        write_bytes(&path, b"old").unwrap();
        let err = write_atomic(&path, |tmp| {
            fs::write(tmp, b"half")?;
            Err(io::Error::other("disk full"))
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "disk full");
        assert_eq!(fs::read(&path).unwrap(), b"old");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn folders_replace_an_empty_one() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("data");
        fs::create_dir(&out).unwrap();
        let tmp = temp_path(&out);
        fs::create_dir(&tmp).unwrap();
        fs::write(tmp.join("a"), b"1").unwrap();
        replace_dir(&tmp, &out).unwrap();
        assert_eq!(fs::read(out.join("a")).unwrap(), b"1");
        assert!(!tmp.exists());
    }

    #[test]
    fn stale_temps_of_dead_writers_are_removed_and_live_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        // PIDs above the kernel's pid_max (at most 2^22) belong to no process.
        let dead = dir.path().join(".step_9.safetensors.tmp-99999999");
        let dead_dir = dir.path().join(".data.tmp-99999998");
        let mine = temp_path(&dir.path().join("step_10.safetensors"));
        let other = dir.path().join("keep.tmp-99999999");
        for f in [&dead, &mine, &other] {
            fs::write(f, b"x").unwrap();
        }
        fs::create_dir(&dead_dir).unwrap();
        let removed = clean_stale_temps(dir.path()).unwrap();
        assert_eq!(removed, vec![dead_dir.clone(), dead.clone()]);
        assert!(mine.exists() && other.exists());
        assert!(clean_stale_temps(&dir.path().join("missing")).unwrap().is_empty());
    }
}
