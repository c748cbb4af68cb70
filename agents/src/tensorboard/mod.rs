//! A small TensorBoard event-file writer ([`SummaryWriter`]) and reader ([`read_events`],
//! [`read_scalars`]) on `prost` and `crc32c`.
//!
//! Format: a file named `events.out.tfevents.<unix time>.<host>` holds framed records
//! ([`record`]), each an [`Event`] protobuf. The first event carries
//! `file_version = "brain.Event:2"`. Scalars are `simple_value`s, images are PNG `Image`s, and
//! text is a scalar string tensor whose metadata names the `text` plugin. Python's `tensorboard`
//! package reads these files (`agents/tests/tensorboard_python.rs` checks it).
//!
//! ```
//! use agents::tensorboard::{read_scalars, SummaryWriter};
//! let dir = tempfile::tempdir().unwrap();
//! let mut tb = SummaryWriter::new(dir.path()).unwrap();
//! tb.add_scalar("charts/epsilon", 0.5, 100);
//! tb.add_text("config", "| lr | 1e-4 |", 0);
//! tb.flush();
//! assert!(tb.first_error().is_none());
//! let scalars = read_scalars(dir.path()).unwrap();
//! assert_eq!(scalars["charts/epsilon"][0].value, 0.5);
//! assert_eq!(scalars["charts/epsilon"][0].step, 100);
//! ```

pub mod hparams;
pub mod proto;
mod reader;
pub mod record;
mod writer;

pub use proto::Event;
pub use reader::{add_scalars, decode_events, event_files, read_events, read_scalars, ScalarPoint};
pub use writer::SummaryWriter;

use std::path::{Path, PathBuf};

/// What went wrong writing or reading an event file.
#[derive(Debug, thiserror::Error)]
pub enum TbError {
    /// A file-system call failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A record's length or data CRC does not match.
    #[error("{path}: corrupt record at byte {offset} (bad {what} checksum)")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// Where the record starts.
        offset: usize,
        /// `"length"` or `"data"`.
        what: &'static str,
    },
    /// The file ends inside a record.
    #[error("{path}: record at byte {offset} is cut off by the end of the file")]
    Truncated {
        /// The file.
        path: PathBuf,
        /// Where the record starts.
        offset: usize,
    },
    /// A record's checksums match but it is not an `Event`.
    #[error("{path}: record at byte {offset} is not an Event: {msg}")]
    Decode {
        /// The file.
        path: PathBuf,
        /// Where the record starts.
        offset: usize,
        /// The decoder's message.
        msg: String,
    },
    /// An image could not be encoded.
    #[error("image {tag:?}: {msg}")]
    Image {
        /// The image's tag.
        tag: String,
        /// What was wrong.
        msg: String,
    },
}

impl TbError {
    fn io(path: &Path, source: std::io::Error) -> Self {
        TbError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}
