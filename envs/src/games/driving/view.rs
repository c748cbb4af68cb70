//! Pseudo-3D road geometry: how a point on the road (depth, lateral offset) lands on the screen,
//! and the scanline-by-scanline drawing of sky, verges, pavement, road and markings.
//!
//! World units: 1 unit is half a road's width (about 3.5 m). Depth `z` is measured from the
//! camera along the road; the bottom screen row shows depth `z_near`, and a row at relative height
//! `d = (y − horizon) / (bottom − horizon)` shows depth `z_near / d`. Curves shift the road centre
//! by `curve · (1 − d)²` pixels, so the vanishing point slides sideways while the near road stays.

use super::palette::DrivingPalette;
use crate::scene::{Class, Scene};

/// Where the camera looks from and how the road bends, in screen pixels of the scene.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct View {
    /// Screen row of the horizon.
    pub horizon: f32,
    /// Screen row where the road drawing stops (the camera's nearest visible row).
    pub bottom: f32,
    /// Screen x of the road centre at the bottom row.
    pub center_x: f32,
    /// Road half-width in pixels at the bottom row.
    pub half_road: f32,
    /// Sideways shift of the road centre at the horizon, in pixels (positive bends right).
    pub curve: f32,
    /// Depth shown by the bottom row.
    pub z_near: f32,
    /// Number of lanes (markings are drawn between lanes).
    pub lanes: u32,
    /// Outer edge of the pavement, in world units from the road centre (the road edge is 1).
    pub pavement_out: f32,
    /// Distance travelled, which moves the stripes of asphalt shades, markings and kerbs.
    pub travelled: f32,
    /// Height of one ground scanline in logical rows (the game uses 2, like the Atari's
    /// double-height lines, which halves the rectangles drawn).
    pub row_height: f32,
}

/// Where a world point lands: screen position and pixels per world unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Projected {
    /// Screen x.
    pub x: f32,
    /// Screen y of the ground point.
    pub y: f32,
    /// Pixels per world unit at this depth.
    pub scale: f32,
}

impl View {
    /// Road centre in screen x at relative height `d` (1 at the bottom row, 0 at the horizon).
    #[inline]
    pub fn centre(&self, d: f32) -> f32 {
        let far = 1.0 - d;
        self.center_x + self.curve * far * far
    }

    /// Projects the ground point at depth `z` and lateral offset `lateral` (world units, positive
    /// to the right). `None` when the point is behind the camera's nearest row or too far.
    #[inline]
    pub fn project(&self, z: f32, lateral: f32) -> Option<Projected> {
        if z < self.z_near * 0.5 || z > self.z_near * 400.0 {
            return None;
        }
        let d = self.z_near / z;
        let scale = self.half_road * d;
        Some(Projected {
            x: self.centre(d) + lateral * scale,
            y: self.horizon + d * (self.bottom - self.horizon),
            scale,
        })
    }

    /// Draws the ground from the horizon to `bottom`, one scanline per `row_height` rows: grass
    /// (class Tree) as one block, then per row the pavement span (kerb shades alternate with
    /// depth), the asphalt span and the lane markings (class Road).
    pub fn draw_ground(&self, scene: &mut Scene, pal: &DrivingPalette) {
        let width = scene.width();
        scene.rect_class(
            0.0,
            self.horizon,
            width,
            self.bottom - self.horizon,
            pal.grass,
            Class::Tree,
        );
        let span = self.bottom - self.horizon;
        let step = self.row_height.max(1.0);
        let mut y = self.horizon.floor() + 1.0;
        while y < self.bottom {
            let (row_y, row_h) = (y, step.min(self.bottom - y));
            y += step;
            // The depth at the row's centre decides its stripes.
            let d = ((row_y + 0.5 * row_h - self.horizon) / span).clamp(1e-3, 1.0);
            let z = self.z_near / d;
            let centre = self.centre(d);
            let half = self.half_road * d;
            // Depth covered by this scanline: where it exceeds a stripe, stripes would alias into
            // noise, so the far road is drawn in one shade with solid markings.
            let d_top = ((row_y - self.horizon) / span).max(1e-3);
            let d_bottom = ((row_y + row_h - self.horizon) / span).max(1e-3);
            let dz = self.z_near / d_top - self.z_near / d_bottom;
            let shade = if dz < 1.0 {
                (((z + self.travelled) * 0.5).floor() as i64 & 1) as usize
            } else {
                0
            };
            let pav = self.pavement_out * half;
            scene.rect_class(
                centre - pav,
                row_y,
                2.0 * pav,
                row_h,
                pal.pavement[shade],
                Class::Pavement,
            );
            scene.rect_class(centre - half, row_y, 2.0 * half, row_h, pal.road[shade], Class::Road);
            // Dashed lane markings: on for half of every 8 units of depth.
            let dash = dz >= 2.0 || ((z + self.travelled) * 0.25).floor() as i64 & 1 == 0;
            if dash && self.lanes > 1 {
                let mw = (0.06 * half).max(0.5);
                for lane in 1..self.lanes {
                    let lx = centre - half + 2.0 * half * lane as f32 / self.lanes as f32;
                    scene.rect_class(lx - mw * 0.5, row_y, mw, row_h, pal.marking, Class::Road);
                }
            }
        }
    }
}
