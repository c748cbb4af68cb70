//! A window that shows [`Frame`]s (minifb, X11); [`crate::play`] lets a person play in one.
//!
//! minifb's `Window` is not `Send`, so a [`Viewer`] lives on the thread that made it (the main
//! thread). Without a display, [`Viewer::open`] returns [`ViewerError::NoDisplay`] with a one-line
//! hint; nothing panics. Windows are resizable (the picture keeps its aspect ratio), and
//! [`fit_scale`] picks a default scale that fits the screen.

use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};

use minifb::{Key, KeyRepeat, ScaleMode, Window, WindowOptions};

use crate::env::EnvError;
use crate::frame::Frame;

/// Why the viewer or `play` failed.
#[derive(Debug, thiserror::Error)]
pub enum ViewerError {
    /// No window could be opened (no display, or no X11 library).
    #[error("cannot open a window ({0}); without a display use `dqn record --env ID` to write a GIF, or run under `xvfb-run -a`")]
    NoDisplay(String),
    /// The window failed while running, or a frame had the wrong size.
    #[error("window error: {0}")]
    Window(String),
    /// The env could not be built or stepped.
    #[error(transparent)]
    Env(#[from] EnvError),
    /// Saving the screenshot failed.
    #[error("cannot save the screenshot {path}: {source}")]
    Screenshot {
        /// The PNG path.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

pub use crate::controls::KeyState;

/// The window scales every command accepts (window pixels per frame pixel), checked here only.
pub const SCALES: RangeInclusive<usize> = 1..=8;

/// A window showing frames of a fixed size, each pixel drawn `scale × scale`.
pub struct Viewer {
    window: Window,
    width: usize,
    height: usize,
    scale: usize,
    buffer: Vec<u32>,
}

impl Viewer {
    /// Opens a window for `width × height` frames shown at `scale` (in [`SCALES`]).
    pub fn open(title: &str, width: usize, height: usize, scale: usize) -> Result<Viewer, ViewerError> {
        check_scale(scale).map_err(ViewerError::Window)?;
        if width == 0 || height == 0 {
            return Err(ViewerError::Window(format!(
                "window size {width}×{height} is invalid: sizes must be > 0"
            )));
        }
        if std::env::var_os("DISPLAY").is_none_or(|d| d.is_empty()) {
            return Err(ViewerError::NoDisplay("DISPLAY is not set".into()));
        }
        let (w, h) = (width * scale, height * scale);
        let options = WindowOptions {
            resize: true,
            scale_mode: ScaleMode::AspectRatioStretch,
            ..WindowOptions::default()
        };
        // A busy X server (e.g. Xvfb on a loaded machine) now and then refuses a connection that
        // works a moment later, so try three times before giving up.
        let mut attempt = 0;
        let window = loop {
            match Window::new(title, w, h, options) {
                Ok(window) => break window,
                Err(_) if attempt < 2 => {
                    attempt += 1;
                    std::thread::sleep(std::time::Duration::from_millis(200));
                }
                Err(e) => return Err(ViewerError::NoDisplay(e.to_string().replace('\n', " "))),
            }
        };
        Ok(Viewer {
            window,
            width,
            height,
            scale,
            buffer: vec![0; w * h],
        })
    }

    /// Window pixels per frame pixel, as opened (the window may since have been resized).
    pub fn scale(&self) -> usize {
        self.scale
    }

    /// Saves `frame` as a PNG at this window's scale (what the window shows, pixel for pixel).
    pub fn save_screenshot(&self, frame: &Frame, path: &Path) -> Result<(), ViewerError> {
        save_png_atomic(&frame.scaled(self.scale), path)
    }

    /// Limits [`Viewer::show`] to `fps` updates per second (0 = unlimited).
    pub fn set_target_fps(&mut self, fps: usize) {
        self.window.set_target_fps(fps);
    }

    /// Whether the window is still open (the user has not closed it).
    pub fn is_open(&self) -> bool {
        self.window.is_open()
    }

    /// The current key state.
    pub fn keys(&self) -> KeyState {
        let w = &self.window;
        KeyState {
            left: w.is_key_down(Key::Left),
            right: w.is_key_down(Key::Right),
            up: w.is_key_down(Key::Up),
            down: w.is_key_down(Key::Down),
            fire: w.is_key_down(Key::Space),
            escape: w.is_key_down(Key::Escape),
            // The one pause key of every window (`controls::PAUSE_KEY`).
            pause_pressed: w.is_key_pressed(Key::P, KeyRepeat::No),
        }
    }

    /// The keys of the next frame while the window is open and Escape is not pressed, else `None`;
    /// flips `paused` when the pause key was pressed. The loop of every window:
    /// `while let Some(keys) = viewer.next_keys(&mut paused) { … }`.
    pub fn next_keys(&self, paused: &mut bool) -> Option<KeyState> {
        if !self.is_open() {
            return None;
        }
        let keys = self.keys();
        if keys.escape {
            return None;
        }
        *paused ^= keys.pause_pressed;
        Some(keys)
    }

    /// Shows `frame` (which must have the size given to [`Viewer::open`]) and processes input.
    pub fn show(&mut self, frame: &Frame) -> Result<(), ViewerError> {
        if (frame.width, frame.height) != (self.width, self.height) {
            return Err(ViewerError::Window(format!(
                "frame is {}×{}, the window shows {}×{}",
                frame.width, frame.height, self.width, self.height
            )));
        }
        let (s, w) = (self.scale, self.width * self.scale);
        for y in 0..self.height {
            let src = &frame.data[y * self.width * 3..(y + 1) * self.width * 3];
            let row = &mut self.buffer[y * s * w..(y * s + 1) * w];
            for (x, p) in src.chunks_exact(3).enumerate() {
                let rgb = (p[0] as u32) << 16 | (p[1] as u32) << 8 | p[2] as u32;
                row[x * s..(x + 1) * s].fill(rgb);
            }
            for k in 1..s {
                self.buffer.copy_within(y * s * w..(y * s + 1) * w, (y * s + k) * w);
            }
        }
        self.window
            .update_with_buffer(&self.buffer, w, self.height * s)
            .map_err(|e| ViewerError::Window(e.to_string()))
    }
}

/// Saves `frame` as a PNG through a temporary file in the same folder.
pub fn save_png_atomic(frame: &Frame, path: &Path) -> Result<(), ViewerError> {
    atomic_io::write_atomic(path, |tmp| frame.save_png(tmp)).map_err(|source| ViewerError::Screenshot {
        path: path.to_path_buf(),
        source,
    })
}

/// Checks a window scale against [`SCALES`]; the error names the range.
pub fn check_scale(scale: usize) -> Result<usize, String> {
    if SCALES.contains(&scale) {
        Ok(scale)
    } else {
        Err(format!(
            "scale {scale} is out of range: use {}..={}",
            SCALES.start(),
            SCALES.end()
        ))
    }
}

/// Parses a `--scale` value: an integer in [`SCALES`] (for clap's `value_parser`).
pub fn parse_scale(text: &str) -> Result<usize, String> {
    let scale = text.trim().parse::<usize>().map_err(|_| {
        format!(
            "scale must be a whole number in {}..={}, got `{text}`",
            SCALES.start(),
            SCALES.end()
        )
    })?;
    check_scale(scale)
}

/// The largest scale in [`SCALES`] at which a `width × height` window fits the screen (90 % of
/// its width, 85 % of its height, leaving room for a title bar and a panel), at least 1. Without
/// a readable screen size it assumes a 1366×768 laptop screen.
pub fn fit_scale(width: usize, height: usize) -> usize {
    let (sw, sh) = crate::screen::size().unwrap_or((1366, 768));
    let fits = |s: usize| width * s * 10 <= sw * 9 && height * s * 20 <= sh * 17;
    SCALES.rev().find(|&s| fits(s)).unwrap_or(1)
}
