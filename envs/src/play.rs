//! [`play`]: a person plays a game in a [`Viewer`] window, with the game's own key map and a
//! footer that shows the score, the lives (in games that have them) and the keys.

use std::path::PathBuf;

use crate::config::EnvConfig;
use crate::controls::{score_word, KeyMap, PAUSE_KEY};
use crate::frame::Frame;
use crate::palette::Rgb;
use crate::registry::make;
use crate::viewer::{fit_scale, Viewer, ViewerError};

/// Settings of [`play`].
#[derive(Debug, Clone, PartialEq)]
pub struct PlayOptions {
    /// Window pixels per game pixel (in [`crate::viewer::SCALES`]); `None` fits the screen.
    pub scale: Option<usize>,
    /// Frames per second (the Atari runs at 60).
    pub fps: usize,
    /// Seed of the first game.
    pub seed: u64,
    /// Stop after this many frames (for tests and screenshots); `None` plays until Esc.
    pub max_frames: Option<u64>,
    /// Save the last shown picture as a PNG here, at the window's scale.
    pub screenshot: Option<PathBuf>,
}

impl Default for PlayOptions {
    fn default() -> Self {
        PlayOptions {
            scale: None,
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
    /// The window scale used.
    pub scale: usize,
}

/// Height of the footer under the game picture: two lines of text.
pub const FOOTER_H: usize = 22;

const WHITE: Rgb = [236, 236, 236];
const DIM: Rgb = [150, 150, 150];
const YELLOW: Rgb = [250, 210, 80];

/// Plays `id` by hand: the raw game (full action set, no frame skip, no sticky actions) at
/// `opts.fps`, with the game's [`KeyMap`] and a footer of score, lives and keys. P pauses, Esc
/// quits.
pub fn play(id: &str, opts: &PlayOptions) -> Result<PlaySummary, ViewerError> {
    let cfg = EnvConfig {
        full_action_space: true,
        ..EnvConfig::raw()
    };
    let mut env = make(id, &cfg)?;
    let keymap = KeyMap::of(id);
    let (w, h) = env.render_size();
    let scale = opts.scale.unwrap_or_else(|| fit_scale(w, h + FOOTER_H));
    let mut viewer = Viewer::open(&format!("dqn play: {id}"), w, h + FOOTER_H, scale)?;
    viewer.set_target_fps(opts.fps);
    println!(
        "dqn play {id}: {}, {PAUSE_KEY} = pause, Esc = quit",
        keymap.hint().to_lowercase()
    );
    let mut picture = Frame::new(w, h);
    let mut canvas = Frame::new(w, h + FOOTER_H);
    let mut summary = PlaySummary {
        scale,
        ..PlaySummary::default()
    };
    let mut paused = false;
    let (_, mut info) = env.reset(Some(opts.seed));
    // A game has lives when it starts with some (pong, freeway and driving start with none).
    let has_lives = info.lives > 0;
    while let Some(keys) = viewer.next_keys(&mut paused) {
        if !paused {
            // Cartpole has no "do nothing": without an arrow it alternates its two pushes.
            let action = keymap.action(&keys).unwrap_or((summary.frames % 2) as usize);
            let step = env.step(action)?;
            info = step.info;
            summary.best_score = summary.best_score.max(info.score);
            if step.terminated || step.truncated {
                summary.games += 1;
                println!("game over: {} {}", score_word(id).to_lowercase(), info.score);
                env.reset(None);
            }
        }
        env.render(&mut picture);
        let footer = Footer {
            score_word: score_word(id),
            score: info.score,
            lives: has_lives.then_some(info.lives),
            paused,
            keys: keymap.hint(),
        };
        compose(&mut canvas, &picture, &footer);
        viewer.show(&canvas)?;
        summary.frames += 1;
        if opts.max_frames.is_some_and(|m| summary.frames >= m) {
            break;
        }
    }
    if let Some(path) = &opts.screenshot {
        viewer.save_screenshot(&canvas, path)?;
    }
    Ok(summary)
}

/// What the footer of [`play`] shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Footer<'a> {
    /// `SCORE`, or `STEPS` for cartpole ([`score_word`]).
    pub score_word: &'a str,
    /// The game's score.
    pub score: i64,
    /// Lives left, in games that have lives.
    pub lives: Option<u32>,
    /// Whether the game is paused.
    pub paused: bool,
    /// The game's keys ([`KeyMap::hint`]).
    pub keys: &'a str,
}

/// Draws the game picture with the two-line footer below it: score and lives on the left and
/// the pause key (or PAUSED) on the right; the game's keys below, with Esc on the right where it
/// fits.
pub fn compose(canvas: &mut Frame, picture: &Frame, footer: &Footer) {
    canvas.fill([0, 0, 0]);
    let row = picture.width * 3;
    canvas.data[..picture.height * row].copy_from_slice(&picture.data);
    let (y1, y2) = ((picture.height + 2) as i32, (picture.height + 12) as i32);
    let mut line = format!("{} {}", footer.score_word, footer.score);
    if let Some(lives) = footer.lives {
        line += &format!("  LIVES {lives}");
    }
    canvas.text(2, y1, &line, WHITE, 1);
    let (pause, colour) = if footer.paused {
        ("PAUSED".to_string(), YELLOW)
    } else {
        (format!("{PAUSE_KEY} PAUSE"), DIM)
    };
    canvas.text(right_aligned(canvas.width, &pause), y1, &pause, colour, 1);
    canvas.text(2, y2, footer.keys, DIM, 1);
    let used = crate::font::text_width(footer.keys, 1) + 2;
    if used + crate::font::text_width("  ESC QUIT", 1) <= canvas.width {
        canvas.text(right_aligned(canvas.width, "ESC QUIT"), y2, "ESC QUIT", DIM, 1);
    }
}

/// The x at which `text` ends 2 pixels from the right edge of a `width`-pixel frame.
fn right_aligned(width: usize, text: &str) -> i32 {
    width as i32 - 2 - crate::font::text_width(text, 1) as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_pixels(f: &Frame, y0: usize, y1: usize) -> usize {
        (y0..y1)
            .flat_map(|y| (0..f.width).map(move |x| (x, y)))
            .filter(|&(x, y)| f.pixel(x, y) != [0, 0, 0])
            .count()
    }

    #[test]
    fn lives_are_drawn_only_when_the_game_has_them() {
        let picture = Frame::new(160, 10);
        let mut with = Frame::new(160, 10 + FOOTER_H);
        let mut without = with.clone();
        let footer = Footer {
            score_word: "SCORE",
            score: 7,
            lives: Some(3),
            paused: false,
            keys: KeyMap::Paddle.hint(),
        };
        compose(&mut with, &picture, &footer);
        compose(&mut without, &picture, &Footer { lives: None, ..footer });
        // The first footer line carries "  LIVES 3" only in the first picture.
        assert!(text_pixels(&with, 12, 19) > text_pixels(&without, 12, 19));
        // The keys line is the same.
        assert_eq!(text_pixels(&with, 22, 29), text_pixels(&without, 22, 29));
    }
}
