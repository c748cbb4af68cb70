//! Roadside objects and cars, drawn in perspective as a few labelled rectangles each. Sizes are
//! in world units (1 unit ≈ 3.5 m, half a road's width); every rectangle of an object carries the
//! object's CamVid class, whatever its colour.

use super::palette::DrivingPalette;
use super::view::View;
use crate::palette::Rgb;
use crate::scene::{Class, Scene};

/// What a roadside object is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PropKind {
    /// Trunk and crown (class Tree).
    Tree,
    /// A lamp post (class Pole).
    Lamp,
    /// A pole (class Pole) carrying a sign board (class SignSymbol).
    Sign,
    /// A stretch of fence along the road (class Fence), `length` units deep.
    Fence,
    /// A person standing or walking on the pavement (class Pedestrian).
    Pedestrian,
    /// A rider on a bicycle (class Bicyclist, bicycle included, as in CamVid): seen from behind,
    /// or from the side when the prop's `variant` has the [`SIDE_VIEW`] bit.
    Bicyclist,
    /// A building whose wall faces the road, `length` units deep (class Building).
    Building,
    /// A car seen from behind (class Car).
    Car,
}

/// The bit of [`Prop::variant`] that turns a bicyclist side-on (crossing the road or riding on
/// the pavement) instead of riding ahead of the camera.
pub const SIDE_VIEW: u8 = 8;

/// One object placed beside (or on) the road.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prop {
    /// What it is.
    pub kind: PropKind,
    /// Depth of its nearest point, from the camera.
    pub z: f32,
    /// Lateral offset of its centre (or of its wall, for fences and buildings), world units.
    pub lateral: f32,
    /// Size factor (1 = typical).
    pub size: f32,
    /// Depth extent of fences and buildings, world units.
    pub length: f32,
    /// Picks colours and shapes (bits 0–2), and the bicyclist's view ([`SIDE_VIEW`]).
    pub variant: u8,
}

/// Draws `prop` if it is in view.
pub fn draw_prop(scene: &mut Scene, view: &View, pal: &DrivingPalette, prop: &Prop) {
    let Some(p) = view.project(prop.z, prop.lateral) else {
        return;
    };
    let v = prop.variant as usize;
    let s = p.scale * prop.size;
    // Box helper: centred at x offset `cx` (units), from height `y0` to `y1` (units above ground).
    let mut bx = |cx: f32, w: f32, y0: f32, y1: f32, rgb: Rgb, class: Class| {
        scene.rect_class(p.x + (cx - w * 0.5) * s, p.y - y1 * s, w * s, (y1 - y0) * s, rgb, class);
    };
    match prop.kind {
        PropKind::Tree => {
            let c = Class::Tree;
            bx(0.0, 0.1, 0.0, 0.7, pal.trunk, c);
            bx(0.0, 0.8, 0.6, 1.3, pal.crown[v % 2], c);
            bx(0.0, 0.55, 1.3, 1.7, pal.crown[(v + 1) % 2], c);
            bx(0.0, 0.25, 1.7, 1.9, pal.crown[v % 2], c);
        }
        PropKind::Lamp => {
            let c = Class::Pole;
            let toward_road = if prop.lateral > 0.0 { -1.0 } else { 1.0 };
            bx(0.0, 0.07, 0.0, 2.4, pal.pole, c);
            bx(toward_road * 0.2, 0.4, 2.35, 2.42, pal.pole, c);
            bx(toward_road * 0.38, 0.12, 2.3, 2.38, pal.pole, c);
        }
        PropKind::Sign => {
            bx(0.0, 0.06, 0.0, 1.0, pal.pole, Class::Pole);
            let (w, h) = if v.is_multiple_of(2) { (0.35, 0.35) } else { (0.5, 0.25) };
            bx(0.0, w, 1.0, 1.0 + h, pal.sign[0], Class::SignSymbol);
            bx(
                0.0,
                w * 0.5,
                1.0 + h * 0.3,
                1.0 + h * 0.7,
                pal.sign[1],
                Class::SignSymbol,
            );
        }
        PropKind::Pedestrian => {
            let c = Class::Pedestrian;
            let clothes = pal.clothes[v % 4];
            let stride = if v & 4 != 0 { 0.03 } else { 0.0 };
            bx(-0.035 - stride, 0.05, 0.0, 0.25, pal.clothes[2], c);
            bx(0.035 + stride, 0.05, 0.0, 0.25, pal.clothes[2], c);
            bx(0.0, 0.14, 0.25, 0.45, clothes, c);
            bx(0.0, 0.07, 0.45, 0.52, pal.skin, c);
        }
        PropKind::Bicyclist if prop.variant & SIDE_VIEW != 0 => {
            // Side view, heading left or right: two dark wheels with light hubs, the frame, and
            // the rider leaning over the handlebar, about 1.9 m long.
            let c = Class::Bicyclist;
            let dir = if v & 4 != 0 { 1.0 } else { -1.0 };
            for wx in [-0.17, 0.17] {
                bx(wx, 0.2, 0.04, 0.16, pal.bike, c);
                bx(wx, 0.12, 0.0, 0.2, pal.bike, c);
                bx(wx, 0.05, 0.08, 0.12, pal.clothes[2], c);
            }
            bx(0.0, 0.34, 0.15, 0.19, pal.bike, c);
            bx(dir * 0.15, 0.03, 0.19, 0.3, pal.bike, c);
            let clothes = pal.clothes[(v + 1) % 4];
            bx(-dir * 0.04, 0.06, 0.19, 0.33, pal.clothes[2], c);
            bx(0.0, 0.2, 0.33, 0.42, clothes, c);
            bx(dir * 0.09, 0.12, 0.28, 0.33, clothes, c);
            bx(dir * 0.12, 0.08, 0.4, 0.48, pal.skin, c);
        }
        PropKind::Bicyclist => {
            let c = Class::Bicyclist;
            bx(0.0, 0.03, 0.0, 0.2, pal.bike, c);
            bx(0.0, 0.2, 0.2, 0.24, pal.bike, c);
            bx(0.0, 0.12, 0.24, 0.42, pal.clothes[(v + 1) % 4], c);
            bx(0.0, 0.07, 0.42, 0.49, pal.skin, c);
        }
        PropKind::Car => draw_car(scene, p.x, p.y, s, pal.car[v % 5], pal),
        PropKind::Fence | PropKind::Building => draw_wall(scene, view, pal, prop),
    }
}

/// Draws a car seen from behind with its ground centre at `(x, y)`, `s` pixels per unit.
pub fn draw_car(scene: &mut Scene, x: f32, y: f32, s: f32, body: Rgb, pal: &DrivingPalette) {
    let c = Class::Car;
    let w = 0.5;
    let mut bx = |cx: f32, bw: f32, y0: f32, y1: f32, rgb: Rgb| {
        scene.rect_class(x + (cx - bw * 0.5) * s, y - y1 * s, bw * s, (y1 - y0) * s, rgb, c);
    };
    bx(-0.18, 0.1, 0.0, 0.06, pal.car_dark);
    bx(0.18, 0.1, 0.0, 0.06, pal.car_dark);
    bx(0.0, w, 0.05, 0.22, body);
    bx(0.0, w * 0.78, 0.22, 0.36, body);
    bx(0.0, w * 0.62, 0.24, 0.33, pal.car_dark);
    bx(-0.2, 0.07, 0.12, 0.17, pal.taillight);
    bx(0.2, 0.07, 0.12, 0.17, pal.taillight);
}

/// Fences and buildings: a wall along the road from depth `z` to `z + length`, drawn as vertical
/// slices (each slice a rectangle at its own depth, far to near) so it recedes in perspective.
fn draw_wall(scene: &mut Scene, view: &View, pal: &DrivingPalette, prop: &Prop) {
    let building = prop.kind == PropKind::Building;
    let (class, height) = if building {
        (Class::Building, 2.0 * prop.size)
    } else {
        (Class::Fence, 0.32 * prop.size)
    };
    let slice = if building { 1.0 } else { 0.8 };
    let slices = (prop.length / slice).ceil().max(1.0) as usize;
    let colour = if building {
        pal.building[prop.variant as usize % 3]
    } else {
        pal.fence[0]
    };
    for i in (0..slices).rev() {
        let (z0, z1) = (prop.z + i as f32 * slice, prop.z + (i + 1) as f32 * slice);
        let (Some(near), Some(far)) = (view.project(z0, prop.lateral), view.project(z1, prop.lateral)) else {
            continue;
        };
        let (x0, x1) = if far.x < near.x {
            (far.x, near.x)
        } else {
            (near.x, far.x)
        };
        let top = near.y - height * near.scale;
        // Widen the slice by half a pixel so neighbouring slices never leave gaps.
        scene.rect_class(x0 - 0.25, top, x1 - x0 + 0.5, near.y - top, colour, class);
        if building {
            // A row of windows per storey, when they are at least a pixel tall.
            let storey = 0.5 * near.scale;
            if storey >= 3.0 {
                let floors = (height / 0.5) as usize;
                for f in 0..floors {
                    let wy = near.y - (f as f32 + 0.75) * storey;
                    let ww = (x1 - x0) * 0.5;
                    scene.rect_class(x0 + ww * 0.5, wy, ww, storey * 0.4, pal.window, class);
                }
            }
        } else {
            // Post and lower rail in the darker shade.
            let post = (0.04 * near.scale).max(0.5);
            scene.rect_class(x1 - post, top, post, near.y - top, pal.fence[1], class);
            scene.rect_class(
                x0,
                top + (near.y - top) * 0.55,
                x1 - x0,
                (near.y - top) * 0.12,
                pal.fence[1],
                class,
            );
        }
    }
}
