//! [`SummaryWriter`]: appends scalars, text and images to a TensorBoard event file, and never
//! stops a training run over an I/O error.

use super::proto::{
    Event, Image, Kind, PluginData, Summary, SummaryMetadata, TensorProto, TensorShapeProto, Value, What, DT_STRING,
};
use super::record::append_record;
use super::TbError;
use prost::Message;
use std::fs::OpenOptions;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Buffered records reach the file at least this often (when something is written).
const FLUSH_EVERY: Duration = Duration::from_secs(5);

/// Writes one `events.out.tfevents.<unix time>.<host>` file.
///
/// Every `add_*` call is infallible: the first error is kept ([`first_error`](Self::first_error))
/// and printed to stderr. After an I/O error the writer drops all later events (a half-written
/// record would make TensorBoard stop reading there anyway); a malformed image drops only itself. Event files are append-only logs, so they are not
/// written through a temp file and rename; a reader sees whole records up to the last flush.
pub struct SummaryWriter {
    path: PathBuf,
    file: Option<BufWriter<Box<dyn Write + Send>>>,
    first_error: Option<TbError>,
    dropped: u64,
    scratch: Vec<u8>,
    record: Vec<u8>,
    last_flush: Instant,
}

impl SummaryWriter {
    /// Creates `dir` (and parents) and a new event file in it, headed by the
    /// `file_version = "brain.Event:2"` event. Fails only here, at the start of a run.
    pub fn new(dir: impl AsRef<Path>) -> Result<Self, TbError> {
        let dir = dir.as_ref();
        std::fs::create_dir_all(dir).map_err(|e| TbError::io(dir, e))?;
        let unix = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let base = format!("events.out.tfevents.{unix}.{}", hostname());
        // Two writers started in the same second get distinct files.
        let mut n = 0;
        let (path, file) = loop {
            let name = if n == 0 { base.clone() } else { format!("{base}.{n}") };
            let path = dir.join(name);
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(file) => break (path, file),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 1000 => n += 1,
                Err(e) => return Err(TbError::io(&path, e)),
            }
        };
        let mut writer = SummaryWriter::with_sink(path, Box::new(file));
        writer.flush();
        match writer.first_error.take() {
            Some(e) => Err(e),
            None => Ok(writer),
        }
    }

    /// Writes the event stream (header first) to any sink, e.g. a pipe or an in-memory buffer;
    /// `path` only names it in messages. Never fails: errors are kept as with a file.
    pub fn with_sink(path: impl Into<PathBuf>, sink: Box<dyn Write + Send>) -> Self {
        let mut writer = SummaryWriter {
            path: path.into(),
            file: Some(BufWriter::new(sink)),
            first_error: None,
            dropped: 0,
            scratch: Vec::new(),
            record: Vec::new(),
            last_flush: Instant::now(),
        };
        writer.write_event(0, What::FileVersion("brain.Event:2".into()));
        writer
    }

    /// The event file being written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The first error met, if any; events after it were dropped.
    pub fn first_error(&self) -> Option<&TbError> {
        self.first_error.as_ref()
    }

    /// Number of events dropped because of an error.
    pub fn dropped_events(&self) -> u64 {
        self.dropped
    }

    /// Logs a scalar (stored as f32, TensorBoard's `simple_value`).
    pub fn add_scalar(&mut self, tag: &str, value: f64, step: i64) {
        self.write_value(step, tag, None, Kind::SimpleValue(value as f32));
    }

    /// Logs a text summary (Markdown) for TensorBoard's Text tab: a scalar string tensor tagged
    /// for the `text` plugin.
    pub fn add_text(&mut self, tag: &str, text: &str, step: i64) {
        let metadata = SummaryMetadata {
            plugin_data: Some(PluginData {
                plugin_name: "text".into(),
                content: Vec::new(),
            }),
            ..Default::default()
        };
        let tensor = TensorProto {
            dtype: DT_STRING,
            tensor_shape: Some(TensorShapeProto::default()),
            string_val: vec![text.as_bytes().to_vec()],
            ..Default::default()
        };
        self.write_value(step, tag, Some(metadata), Kind::Tensor(tensor));
    }

    /// Logs an RGB frame as a PNG image.
    pub fn add_image(&mut self, tag: &str, frame: &envs::Frame, step: i64) {
        self.add_image_raw(tag, frame.width, frame.height, 3, &frame.data, step);
    }

    /// Logs a gray image (`width × height` bytes) as a PNG image, e.g. a preprocessed frame.
    pub fn add_image_gray(&mut self, tag: &str, width: usize, height: usize, pixels: &[u8], step: i64) {
        self.add_image_raw(tag, width, height, 1, pixels, step);
    }

    /// Logs an already encoded image (PNG, or an animated GIF, which TensorBoard's Images tab
    /// plays) of `width × height` RGB pixels.
    pub fn add_image_encoded(&mut self, tag: &str, width: usize, height: usize, encoded: Vec<u8>, step: i64) {
        let image = Image {
            height: height as i32,
            width: width as i32,
            colorspace: 3,
            encoded_image_string: encoded,
        };
        self.write_value(step, tag, None, Kind::Image(image));
    }

    /// Writes buffered events to the file.
    pub fn flush(&mut self) {
        if let Some(file) = &mut self.file {
            if let Err(e) = file.flush() {
                self.fail(TbError::io(&self.path, e));
            }
        }
        self.last_flush = Instant::now();
    }

    fn add_image_raw(&mut self, tag: &str, width: usize, height: usize, channels: usize, pixels: &[u8], step: i64) {
        match encode_png(width, height, channels, pixels) {
            Ok(png) => {
                let image = Image {
                    height: height as i32,
                    width: width as i32,
                    colorspace: channels as i32,
                    encoded_image_string: png,
                };
                self.write_value(step, tag, None, Kind::Image(image));
            }
            Err(msg) => {
                // A bad image is the caller's bug, not the disk's: keep logging the rest.
                self.note(TbError::Image { tag: tag.into(), msg });
                self.dropped += 1;
            }
        }
    }

    fn write_value(&mut self, step: i64, tag: &str, metadata: Option<SummaryMetadata>, kind: Kind) {
        let value = Value {
            tag: tag.into(),
            metadata,
            kind: Some(kind),
        };
        self.write_event(step, What::Summary(Summary { value: vec![value] }));
    }

    pub(super) fn write_event(&mut self, step: i64, what: What) {
        let Some(file) = &mut self.file else {
            self.dropped += 1;
            return;
        };
        let wall_time = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64());
        let event = Event {
            wall_time,
            step,
            what: Some(what),
        };
        self.scratch.clear();
        event.encode(&mut self.scratch).expect("a Vec grows as needed");
        self.record.clear();
        append_record(&mut self.record, &self.scratch);
        if let Err(e) = file.write_all(&self.record) {
            self.dropped += 1;
            self.fail(TbError::io(&self.path, e));
            return;
        }
        if self.last_flush.elapsed() >= FLUSH_EVERY {
            self.flush();
        }
    }

    /// Keeps the first error and reports it once.
    fn note(&mut self, error: TbError) {
        if self.first_error.is_none() {
            eprintln!("warning: TensorBoard logging to {}: {error}", self.path.display());
            self.first_error = Some(error);
        }
    }

    /// Keeps the first error, reports the stop once, and stops writing.
    fn fail(&mut self, error: TbError) {
        if self.file.is_some() {
            eprintln!(
                "warning: TensorBoard logging to {} stopped: {error}",
                self.path.display()
            );
        }
        self.first_error.get_or_insert(error);
        // Dropping a BufWriter flushes it; after an error that could append a partial record.
        if let Some(file) = self.file.take() {
            let _ = file.into_parts();
        }
    }
}

impl Drop for SummaryWriter {
    fn drop(&mut self) {
        self.flush();
    }
}

impl std::fmt::Debug for SummaryWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SummaryWriter")
            .field("path", &self.path)
            .field("first_error", &self.first_error)
            .field("dropped", &self.dropped)
            .finish()
    }
}

/// PNG bytes of an 8-bit gray (1 channel) or RGB (3 channels) image.
fn encode_png(width: usize, height: usize, channels: usize, pixels: &[u8]) -> Result<Vec<u8>, String> {
    if pixels.len() != width * height * channels {
        return Err(format!(
            "{} bytes given for a {width}×{height} image with {channels} channels (expected {})",
            pixels.len(),
            width * height * channels
        ));
    }
    let (w, h) = match (u32::try_from(width), u32::try_from(height)) {
        (Ok(w), Ok(h)) if w > 0 && h > 0 && i32::try_from(w).is_ok() && i32::try_from(h).is_ok() => (w, h),
        _ => return Err(format!("image size {width}×{height} must be positive and fit i32")),
    };
    let mut png = Vec::new();
    let mut encoder = png::Encoder::new(&mut png, w, h);
    encoder.set_color(if channels == 1 {
        png::ColorType::Grayscale
    } else {
        png::ColorType::Rgb
    });
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
    writer.write_image_data(pixels).map_err(|e| e.to_string())?;
    writer.finish().map_err(|e| e.to_string())?;
    Ok(png)
}

/// This machine's name for the file name (as TensorFlow does), with odd characters replaced.
fn hostname() -> String {
    let raw = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .unwrap_or_default();
    let name: String = raw
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if name.is_empty() {
        "localhost".into()
    } else {
        name
    }
}
