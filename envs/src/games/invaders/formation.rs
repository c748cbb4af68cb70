//! The marching block of aliens: which are alive, where the block is, and how it moves.
//!
//! The block steps sideways by [`STEP_X`] pixels every few frames, and the fewer aliens are left,
//! the fewer frames between steps. A step that would cross the playfield's edge drops the block by
//! [`STEP_DOWN`] pixels and reverses it instead.

use super::{PLAY_X0, PLAY_X1};

/// Rows and columns of aliens in a wave.
pub const ROWS: usize = 6;
pub const COLS: usize = 6;
/// Size of one alien.
pub const ALIEN_W: f32 = 8.0;
pub const ALIEN_H: f32 = 8.0;
/// Distance between neighbouring aliens' left (top) edges.
const COL_PITCH: f32 = 16.0;
const ROW_PITCH: f32 = 14.0;
/// Top of the first wave; each later wave starts [`WAVE_DROP`] pixels lower, down to
/// [`MAX_WAVE_DROPS`] drops.
const FIRST_TOP: f32 = 30.0;
const WAVE_DROP: f32 = 8.0;
const MAX_WAVE_DROPS: u32 = 5;
const STEP_X: f32 = 2.0;
const STEP_DOWN: f32 = 4.0;

/// One wave of aliens.
#[derive(Debug, Clone, Default)]
pub struct Formation {
    alive: [[bool; COLS]; ROWS],
    count: u32,
    /// Left edge of column 0 and top edge of row 0.
    x: f32,
    y: f32,
    /// +1 marching right, −1 left.
    dir: f32,
    /// Frames until the next step.
    wait: u32,
    /// Which of the two animation poses the aliens show.
    pose: bool,
}

impl Formation {
    /// A full wave; wave 0 starts highest, later waves lower.
    pub fn new(wave: u32) -> Self {
        let width = (COLS - 1) as f32 * COL_PITCH + ALIEN_W;
        let mut formation = Formation {
            alive: [[true; COLS]; ROWS],
            count: (ROWS * COLS) as u32,
            x: ((PLAY_X0 + PLAY_X1 - width) / 2.0).round(),
            y: FIRST_TOP + WAVE_DROP * wave.min(MAX_WAVE_DROPS) as f32,
            dir: 1.0,
            ..Formation::default()
        };
        formation.wait = formation.step_interval();
        formation
    }

    /// Aliens still alive.
    pub fn count(&self) -> u32 {
        self.count
    }

    /// Whether the aliens show their second pose.
    pub fn pose(&self) -> bool {
        self.pose
    }

    /// Whether the alien at `(row, col)` is alive.
    pub fn is_alive(&self, row: usize, col: usize) -> bool {
        self.alive[row][col]
    }

    /// Top-left corner of the alien at `(row, col)`, alive or not.
    pub fn alien_pos(&self, row: usize, col: usize) -> (f32, f32) {
        (self.x + col as f32 * COL_PITCH, self.y + row as f32 * ROW_PITCH)
    }

    /// Frames between steps: long for a full block, one or two for the last aliens.
    fn step_interval(&self) -> u32 {
        1 + self.count / 3
    }

    /// The lowest alive alien's bottom edge, if any is alive.
    pub fn bottom(&self) -> Option<f32> {
        (0..ROWS)
            .rev()
            .find(|&r| self.alive[r].iter().any(|&a| a))
            .map(|r| self.alien_pos(r, 0).1 + ALIEN_H)
    }

    /// The lowest alive alien of column `col`, as `(row, col)`.
    pub fn lowest_in_column(&self, col: usize) -> Option<(usize, usize)> {
        (0..ROWS).rev().find(|&r| self.alive[r][col]).map(|r| (r, col))
    }

    /// The alive alien hit by the rectangle `[x0, x1) × [y0, y1)`, if any; the lowest one first.
    pub fn alien_at(&self, x0: f32, x1: f32, y0: f32, y1: f32) -> Option<(usize, usize)> {
        for row in (0..ROWS).rev() {
            for col in 0..COLS {
                if !self.alive[row][col] {
                    continue;
                }
                let (ax, ay) = self.alien_pos(row, col);
                if x0 < ax + ALIEN_W && x1 > ax && y0 < ay + ALIEN_H && y1 > ay {
                    return Some((row, col));
                }
            }
        }
        None
    }

    /// Removes the alien at `(row, col)`.
    pub fn kill(&mut self, row: usize, col: usize) {
        if self.alive[row][col] {
            self.alive[row][col] = false;
            self.count -= 1;
        }
    }

    /// Advances the march by one frame.
    pub fn march(&mut self) {
        if self.count == 0 {
            return;
        }
        if self.wait > 1 {
            self.wait -= 1;
            return;
        }
        self.wait = self.step_interval();
        self.pose = !self.pose;
        let cols_alive = (0..COLS).filter(|&c| (0..ROWS).any(|r| self.alive[r][c]));
        let (first, last) = cols_alive.fold((COLS, 0), |(lo, hi), c| (lo.min(c), hi.max(c)));
        let left = self.alien_pos(0, first).0 + self.dir * STEP_X;
        let right = self.alien_pos(0, last).0 + ALIEN_W + self.dir * STEP_X;
        if left < PLAY_X0 || right > PLAY_X1 {
            self.y += STEP_DOWN;
            self.dir = -self.dir;
        } else {
            self.x += self.dir * STEP_X;
        }
    }
}
