//! Random driving scenes for segmentation data, with domain randomisation.
//!
//! [`sample_scene`] fills a [`Scene`] of any logical size with a street seen from a car: the time
//! of day picks the palette and every colour is jittered; the camera's height, pitch (horizon row)
//! and sideways position vary; the road has 2–4 lanes and may bend; buildings, trees, fences, lamp
//! posts, signs, parked and moving cars, pedestrians and bicyclists are placed at random densities
//! (town or country). `Scene::render_rgb` and `Scene::render_labels` then give the picture and its
//! exactly aligned CamVid label map; [`add_noise`] adds lighting gradients and sensor noise to the
//! picture only. [`sample_image`] does all three.

use super::palette::{DrivingPalette, TimeOfDay};
use super::props::{draw_prop, Prop, PropKind, SIDE_VIEW};
use super::view::View;
use crate::frame::Frame;
use crate::game::GameRng;
use crate::scene::{Class, Scene};
use rand::RngExt;

/// Draws a random driving scene into `scene`, at the scene's own logical size.
pub fn sample_scene(scene: &mut Scene, rng: &mut GameRng) {
    let (w, h) = (scene.width(), scene.height());
    let time = match rng.random_range(0..100) {
        0..45 => TimeOfDay::Day,
        45..70 => TimeOfDay::Overcast,
        70..85 => TimeOfDay::Dusk,
        _ => TimeOfDay::Night,
    };
    let pal = DrivingPalette::of(time).jittered(rng, 24);
    let lanes = rng.random_range(2..=4u32);
    let view = View {
        horizon: h * rng.random_range(0.3f32..0.5),
        bottom: h * rng.random_range(1.0f32..1.15),
        center_x: w * (0.5 + rng.random_range(-0.15f32..0.15)),
        half_road: w * rng.random_range(0.3f32..0.6) * lanes as f32 / 3.0,
        curve: if rng.random_bool(0.6) {
            w * rng.random_range(-0.5f32..0.5)
        } else {
            0.0
        },
        z_near: 1.0,
        lanes,
        pavement_out: rng.random_range(1.2f32..1.6),
        travelled: rng.random_range(0.0f32..100.0),
        row_height: 1.0,
    };
    let town = rng.random_bool(0.6);

    // Sky: bands from the upper colour to the lighter one at the horizon (the first covers the
    // whole sky, so no pixel is left to the background).
    scene.clear(pal.sky, Class::Sky);
    for band in 0..5 {
        let y = view.horizon * band as f32 / 5.0;
        let rgb = super::palette::mix(pal.sky, pal.sky_low, band as f32 / 4.0);
        scene.rect_class(0.0, y, w, view.horizon - y, rgb, Class::Sky);
    }
    // Distant skyline.
    let mut x = -rng.random_range(0.0f32..w * 0.1);
    while x < w {
        let bw = w * rng.random_range(0.03f32..0.12);
        if rng.random_bool(if town { 0.85 } else { 0.35 }) {
            let bh = h * rng.random_range(0.02f32..if town { 0.2 } else { 0.06 });
            let rgb = pal.building[rng.random_range(0..3)];
            scene.rect_class(x, view.horizon - bh, bw, bh + 1.0, rgb, Class::Building);
        }
        x += bw;
    }
    view.draw_ground(scene, &pal);

    let props = place_props(&view, town, rng);
    for p in &props {
        draw_prop(scene, &view, &pal, p);
    }
}

/// The objects of one scene, sorted far to near.
///
/// Densities and distances are chosen so that the small classes cover roughly what they cover in
/// CamVid (pole and sign about 1 % of the pixels, fence 1–2 %, car 2–4 %, pedestrian and bicyclist
/// 0.5–1 %): the thin and small objects stand near enough to be a few pixels wide even at
/// 90×120, the CPU training size.
fn place_props(view: &View, town: bool, rng: &mut GameRng) -> Vec<Prop> {
    let mut props = Vec::with_capacity(96);
    let pav = view.pavement_out;
    let mut put = |kind, z: f32, lateral: f32, size: f32, length: f32, rng: &mut GameRng| {
        props.push(Prop {
            kind,
            z,
            lateral,
            size,
            length,
            variant: rng.random_range(0..8),
        });
    };
    let side = |rng: &mut GameRng| if rng.random_bool(0.5) { 1.0f32 } else { -1.0 };
    for s in [-1.0f32, 1.0] {
        // Building fronts along the street, with gaps.
        if rng.random_bool(if town { 0.85 } else { 0.25 }) {
            let setback = pav + rng.random_range(0.05f32..1.0);
            let mut z = rng.random_range(0.5f32..4.0);
            while z < 70.0 {
                let len = rng.random_range(3.0f32..10.0);
                put(
                    PropKind::Building,
                    z,
                    s * setback,
                    rng.random_range(1.0f32..3.5),
                    len,
                    rng,
                );
                z += len
                    + if rng.random_bool(0.4) {
                        rng.random_range(1.0f32..4.0)
                    } else {
                        0.0
                    };
            }
        }
        // Lamp posts at a regular spacing near the kerb.
        if rng.random_bool(0.8) {
            let step = rng.random_range(3.0f32..8.0);
            let mut z = rng.random_range(1.2f32..step + 1.2);
            let lateral = s * rng.random_range(1.08f32..pav.max(1.1));
            while z < 45.0 {
                put(PropKind::Lamp, z, lateral, rng.random_range(1.0f32..1.5), 0.0, rng);
                z += step;
            }
        }
    }
    for _ in 0..rng.random_range(if town { 0..6 } else { 6..22 }) {
        let lateral = side(rng) * (pav + rng.random_range(0.2f32..3.0));
        put(
            PropKind::Tree,
            rng.random_range(1.5f32..50.0),
            lateral,
            rng.random_range(0.8f32..1.6),
            0.0,
            rng,
        );
    }
    for _ in 0..rng.random_range(1..5) {
        let lateral = side(rng) * (pav + rng.random_range(0.05f32..0.4));
        put(
            PropKind::Fence,
            rng.random_range(1.0f32..12.0),
            lateral,
            rng.random_range(1.0f32..1.8),
            rng.random_range(3.0f32..15.0),
            rng,
        );
    }
    for _ in 0..rng.random_range(1..6) {
        let lateral = side(rng) * rng.random_range(1.05f32..pav.max(1.1));
        put(
            PropKind::Sign,
            rng.random_range(1.3f32..12.0),
            lateral,
            rng.random_range(1.0f32..1.8),
            0.0,
            rng,
        );
    }
    let walkers = if rng.random_bool(0.95) {
        rng.random_range(2..10)
    } else {
        0
    };
    for _ in 0..walkers {
        let crossing = rng.random_bool(0.1);
        let lateral = if crossing {
            rng.random_range(-0.9f32..0.9)
        } else {
            side(rng) * rng.random_range(1.03f32..pav.max(1.06))
        };
        put(
            PropKind::Pedestrian,
            rng.random_range(1.3f32..10.0),
            lateral,
            rng.random_range(1.0f32..1.4),
            0.0,
            rng,
        );
    }
    let riders = if rng.random_bool(0.95) {
        rng.random_range(1..5)
    } else {
        0
    };
    let mut bicyclists = Vec::with_capacity(riders);
    for _ in 0..riders {
        // Most are seen side-on, crossing the road or on the pavement, so the bicycle shows; the
        // rest ride along the kerb ahead of the camera, as in the game.
        let side_on = rng.random_bool(0.75);
        let lateral = if !side_on {
            side(rng) * rng.random_range(0.8f32..1.1)
        } else if rng.random_bool(0.3) {
            rng.random_range(-0.9f32..0.9)
        } else {
            side(rng) * rng.random_range(1.05f32..pav.max(1.1))
        };
        bicyclists.push(Prop {
            kind: PropKind::Bicyclist,
            z: rng.random_range(1.3f32..8.0),
            lateral,
            size: rng.random_range(1.0f32..1.4),
            length: 0.0,
            variant: rng.random_range(0..8) | if side_on { SIDE_VIEW } else { 0 },
        });
    }
    // Cars in the lanes, and parked along the kerb; no two in one spot.
    let mut taken: Vec<(f32, f32)> = Vec::new();
    for _ in 0..rng.random_range(2..11) {
        let lateral = if rng.random_bool(0.25) {
            side(rng) * 0.82
        } else {
            let lane = rng.random_range(0..view.lanes) as f32;
            -1.0 + (2.0 * lane + 1.0) / view.lanes as f32
        };
        let z = if rng.random_bool(0.35) {
            rng.random_range(1.2f32..3.5)
        } else {
            rng.random_range(2.0f32..18.0)
        };
        if taken
            .iter()
            .all(|&(tz, tl)| (tz - z).abs() > 1.5 || (tl - lateral).abs() > 0.45)
        {
            taken.push((z, lateral));
            put(PropKind::Car, z, lateral, rng.random_range(0.9f32..1.3), 0.0, rng);
        }
    }
    props.extend(bicyclists);
    props.sort_by(|a, b| b.z.total_cmp(&a.z));
    props
}

/// Adds lighting and sensor noise to `frame` (labels stay as they are): a linear brightness
/// gradient in a random direction, a vignette, and per-pixel noise of up to about ±`strength`
/// (0–1, as a fraction of the full range).
pub fn add_noise(frame: &mut Frame, rng: &mut GameRng, strength: f32) {
    let (w, h) = (frame.width, frame.height);
    let (gx, gy) = (rng.random_range(-0.25f32..0.25), rng.random_range(-0.25f32..0.25));
    let vignette = rng.random_range(0.0f32..0.35);
    let amp = strength.clamp(0.0, 1.0) * 255.0;
    for y in 0..h {
        let fy = y as f32 / h.max(1) as f32 - 0.5;
        for x in 0..w {
            let fx = x as f32 / w.max(1) as f32 - 0.5;
            let gain = 1.0 + gx * fx + gy * fy - vignette * (fx * fx + fy * fy);
            let bits = rng.random::<u32>();
            // Triangular noise from two bytes, shared by the channels, plus a little colour noise.
            let luma = ((bits & 0xff) as f32 + ((bits >> 8) & 0xff) as f32 - 255.0) / 255.0 * amp;
            let chroma = (((bits >> 16) & 0xff) as f32 - 127.5) / 127.5 * amp * 0.25;
            let i = (y * w + x) * 3;
            for (c, v) in frame.data[i..i + 3].iter_mut().enumerate() {
                let tint = if c == 1 { -chroma } else { chroma };
                *v = (*v as f32 * gain + luma + tint).round().clamp(0.0, 255.0) as u8;
            }
        }
    }
}

/// A random scene rendered at `width × height`: the noisy RGB picture and the aligned label map
/// (`width·height` CamVid ids). `noise` is the [`add_noise`] strength (0 for a clean picture).
pub fn sample_image(width: usize, height: usize, noise: f32, rng: &mut GameRng) -> (Frame, Vec<u8>) {
    let mut scene = Scene::new(width as f32, height as f32);
    sample_scene(&mut scene, rng);
    let mut frame = Frame::new(width, height);
    scene.render_rgb(&mut frame);
    let mut labels = vec![0u8; width * height];
    scene.render_labels(&mut labels, width, height);
    if noise > 0.0 {
        add_noise(&mut frame, rng, noise);
    }
    (frame, labels)
}
