//! A window that shows [`Frame`]s (minifb, X11), and [`play`]: a person plays a game in it.
//!
//! minifb's `Window` is not `Send`, so a [`Viewer`] lives on the thread that made it (the main
//! thread). Without a display, [`Viewer::open`] returns [`ViewerError::NoDisplay`] with a one-line
//! hint; nothing panics.

use std::path::{Path, PathBuf};

use minifb::{Key, KeyRepeat, Window, WindowOptions};

use crate::config::EnvConfig;
use crate::env::EnvError;
use crate::frame::Frame;
use crate::game::Action;
use crate::registry::make;

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

/// Which keys are held down (and whether P was just pressed).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KeyState {
    /// Left arrow.
    pub left: bool,
    /// Right arrow.
    pub right: bool,
    /// Up arrow.
    pub up: bool,
    /// Down arrow.
    pub down: bool,
    /// Space bar (the fire button).
    pub fire: bool,
    /// Escape (quit).
    pub escape: bool,
    /// P was pressed since the last update (pause toggle).
    pub pause_pressed: bool,
}

/// A window showing frames of a fixed size, each pixel drawn `scale × scale`.
pub struct Viewer {
    window: Window,
    width: usize,
    height: usize,
    scale: usize,
    buffer: Vec<u32>,
}

impl Viewer {
    /// Opens a window for `width × height` frames shown at `scale` (1..=8).
    pub fn open(title: &str, width: usize, height: usize, scale: usize) -> Result<Viewer, ViewerError> {
        if width == 0 || height == 0 || !(1..=8).contains(&scale) {
            return Err(ViewerError::Window(format!(
                "window size {width}×{height} at scale {scale} is invalid: sizes must be > 0 and scale in 1..=8"
            )));
        }
        if std::env::var_os("DISPLAY").is_none_or(|d| d.is_empty()) {
            return Err(ViewerError::NoDisplay("DISPLAY is not set".into()));
        }
        let (w, h) = (width * scale, height * scale);
        let window = Window::new(title, w, h, WindowOptions::default())
            .map_err(|e| ViewerError::NoDisplay(e.to_string().replace('\n', " ")))?;
        Ok(Viewer {
            window,
            width,
            height,
            scale,
            buffer: vec![0; w * h],
        })
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
            pause_pressed: w.is_key_pressed(Key::P, KeyRepeat::No),
        }
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

/// Settings of [`play`].
#[derive(Debug, Clone, PartialEq)]
pub struct PlayOptions {
    /// Window pixels per game pixel (cartpole, drawn at 300×200, uses half of it).
    pub scale: usize,
    /// Frames per second (the Atari runs at 60).
    pub fps: usize,
    /// Seed of the first game.
    pub seed: u64,
    /// Stop after this many frames (for tests and screenshots); `None` plays until Esc.
    pub max_frames: Option<u64>,
    /// Save the last shown picture as a PNG here.
    pub screenshot: Option<PathBuf>,
}

impl Default for PlayOptions {
    fn default() -> Self {
        PlayOptions {
            scale: 4,
            fps: 60,
            seed: 0,
            max_frames: None,
            screenshot: None,
        }
    }
}

/// What happened in a [`play`] session.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlaySummary {
    /// Frames shown.
    pub frames: u64,
    /// Games finished.
    pub games: u64,
    /// Best score of a finished game (or of the current one).
    pub best_score: i64,
}

/// Height of the HUD strip under the game picture.
const HUD_H: usize = 11;

/// Plays `id` by hand: the raw game (full action set, no frame skip, no sticky actions) at
/// `opts.fps`, with a HUD of score and lives. Arrows move, space fires, P pauses, Esc quits.
pub fn play(id: &str, opts: &PlayOptions) -> Result<PlaySummary, ViewerError> {
    let cartpole = id == "cartpole";
    let cfg = EnvConfig {
        full_action_space: true,
        ..EnvConfig::raw()
    };
    let mut env = make(id, &cfg)?;
    let (w, h) = env.render_size();
    let scale = if cartpole {
        (opts.scale / 2).max(1)
    } else {
        opts.scale.max(1)
    };
    let mut viewer = Viewer::open(&format!("dqn play: {id}"), w, h + HUD_H, scale)?;
    viewer.set_target_fps(opts.fps);
    println!(
        "dqn play {id}: arrows move{}, space = FIRE, P = pause, Esc = quit",
        if cartpole { " (left/right push the cart)" } else { "" }
    );
    let mut picture = Frame::new(w, h);
    let mut canvas = Frame::new(w, h + HUD_H);
    let mut summary = PlaySummary::default();
    let mut paused = false;
    env.reset(Some(opts.seed));
    let mut info = crate::env::Info::default();
    while viewer.is_open() {
        let keys = viewer.keys();
        if keys.escape {
            break;
        }
        paused ^= keys.pause_pressed;
        if !paused {
            let action = if cartpole {
                match (keys.left, keys.right) {
                    (true, false) => 0,
                    (false, true) => 1,
                    _ => (summary.frames % 2) as usize,
                }
            } else {
                Action::from_input(keys.up, keys.down, keys.left, keys.right, keys.fire) as usize
            };
            let step = env.step(action)?;
            info = step.info;
            summary.best_score = summary.best_score.max(info.score);
            if step.terminated || step.truncated {
                summary.games += 1;
                println!("game over: score {}", info.score);
                env.reset(None);
            }
        }
        env.render(&mut picture);
        compose(&mut canvas, &picture, info.score, info.lives, paused, cartpole);
        viewer.show(&canvas)?;
        summary.frames += 1;
        if opts.max_frames.is_some_and(|m| summary.frames >= m) {
            break;
        }
    }
    if let Some(path) = &opts.screenshot {
        save_png_atomic(&canvas, path)?;
    }
    Ok(summary)
}

/// The game picture with the HUD strip below it.
fn compose(canvas: &mut Frame, picture: &Frame, score: i64, lives: u32, paused: bool, cartpole: bool) {
    canvas.fill([0, 0, 0]);
    let row = picture.width * 3;
    canvas.data[..picture.height * row].copy_from_slice(&picture.data);
    let text = match (cartpole, paused) {
        (true, false) => format!("STEPS {score}"),
        (true, true) => format!("STEPS {score}  PAUSED"),
        (false, false) => format!("SCORE {score}  LIVES {lives}"),
        (false, true) => format!("SCORE {score}  LIVES {lives}  PAUSED"),
    };
    canvas.text(2, (picture.height + 2) as i32, &text, [236, 236, 236], 1);
}

/// Saves `frame` as a PNG atomically (temp file + rename).
pub fn save_png_atomic(frame: &Frame, path: &Path) -> Result<(), ViewerError> {
    atomic_io::write_atomic(path, |tmp| frame.save_png(tmp)).map_err(|source| ViewerError::Screenshot {
        path: path.to_path_buf(),
        source,
    })
}
