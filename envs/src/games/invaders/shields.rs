//! The three shields, each a small grid of blocks that shots and aliens chip away.

use crate::palette::Rgb;
use crate::scene::{Class, Scene};

/// Number of shields.
pub const SHIELDS: usize = 3;
/// Block columns and rows per shield.
const CELL_COLS: usize = 10;
const CELL_ROWS: usize = 5;
/// Size of one block.
const CELL_W: f32 = 2.0;
const CELL_H: f32 = 3.0;
const SHIELD_W: f32 = CELL_COLS as f32 * CELL_W;
const SHIELD_H: f32 = CELL_ROWS as f32 * CELL_H;
/// Top edge of every shield, and the left edges of the three.
pub const SHIELD_TOP: f32 = 156.0;
const SHIELD_LEFT: [f32; SHIELDS] = [30.0, 70.0, 110.0];
/// A fresh shield: an arch, one bit per block, bit `CELL_COLS - 1` the leftmost.
const FRESH: [u16; CELL_ROWS] = [0b0011111100, 0b0111111110, 0b1111111111, 0b1111111111, 0b1110000111];
/// Blocks one shot removes: the block hit and this many behind it.
const BITE_DEPTH: usize = 2;
const COLOUR: Rgb = [181, 83, 40];

/// Which way a shot travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Heading {
    Up,
    Down,
}

/// The shields' blocks.
#[derive(Debug, Clone, Default)]
pub struct Shields {
    rows: [[u16; CELL_ROWS]; SHIELDS],
}

impl Shields {
    /// Three whole shields.
    pub fn new() -> Self {
        Shields { rows: [FRESH; SHIELDS] }
    }

    /// Blocks left in all shields.
    pub fn blocks(&self) -> u32 {
        self.rows.iter().flatten().map(|r| r.count_ones()).sum()
    }

    /// A one-pixel-wide shot at `x` spanning `[y0, y1)` hits the first block on its way (the
    /// lowest for a shot going up, the highest for one going down). That block and the next
    /// [`BITE_DEPTH`]` - 1` behind it are removed. Returns whether a block was hit.
    pub fn shoot(&mut self, x: f32, y0: f32, y1: f32, heading: Heading) -> bool {
        if y1 <= SHIELD_TOP || y0 >= SHIELD_TOP + SHIELD_H {
            return false;
        }
        let Some((s, col)) = SHIELD_LEFT
            .iter()
            .enumerate()
            .find_map(|(s, &left)| (x >= left && x < left + SHIELD_W).then(|| (s, ((x - left) / CELL_W) as usize)))
        else {
            return false;
        };
        let bit = 1 << (CELL_COLS - 1 - col);
        let r0 = ((y0 - SHIELD_TOP) / CELL_H).floor().max(0.0) as usize;
        let r1 = (((y1 - SHIELD_TOP) / CELL_H).ceil() as usize).min(CELL_ROWS);
        let rows = &mut self.rows[s];
        let hit = match heading {
            Heading::Up => (r0..r1).rev().find(|&r| rows[r] & bit != 0),
            Heading::Down => (r0..r1).find(|&r| rows[r] & bit != 0),
        };
        let Some(row) = hit else {
            return false;
        };
        for depth in 0..BITE_DEPTH {
            let r = match heading {
                Heading::Up => row.checked_sub(depth),
                Heading::Down => Some(row + depth).filter(|&r| r < CELL_ROWS),
            };
            if let Some(r) = r {
                rows[r] &= !bit;
            }
        }
        true
    }

    /// Removes every block under the rectangle `[x0, x1) × [y0, y1)` (an alien walking through).
    pub fn erase(&mut self, x0: f32, x1: f32, y0: f32, y1: f32) {
        if y1 <= SHIELD_TOP || y0 >= SHIELD_TOP + SHIELD_H {
            return;
        }
        let r0 = ((y0 - SHIELD_TOP) / CELL_H).floor().max(0.0) as usize;
        let r1 = (((y1 - SHIELD_TOP) / CELL_H).ceil() as usize).min(CELL_ROWS);
        for (rows, &left) in self.rows.iter_mut().zip(&SHIELD_LEFT) {
            if x1 <= left || x0 >= left + SHIELD_W {
                continue;
            }
            let c0 = ((x0 - left) / CELL_W).floor().max(0.0) as usize;
            let c1 = (((x1 - left) / CELL_W).ceil() as usize).min(CELL_COLS);
            let mask: u16 = (c0..c1).map(|c| 1 << (CELL_COLS - 1 - c)).sum();
            for row in &mut rows[r0..r1] {
                *row &= !mask;
            }
        }
    }

    /// Draws the blocks, one rectangle per run of blocks in a row.
    pub fn draw(&self, scene: &mut Scene) {
        for (rows, &left) in self.rows.iter().zip(&SHIELD_LEFT) {
            scene.sprite(
                left,
                SHIELD_TOP,
                rows,
                CELL_COLS as u32,
                CELL_W,
                CELL_H,
                COLOUR,
                Class::Building,
            );
        }
    }
}
