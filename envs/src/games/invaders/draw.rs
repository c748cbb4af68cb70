//! The picture: aliens as a few rectangles each (two poses), the cannon, shots, shields, ground,
//! and the score and lives at the top.

use super::formation::{COLS, ROWS};
use super::{Invaders, BULLET_H, CANNON_W, CANNON_Y, GROUND_Y, LASER_H, PLAY_X0, PLAY_X1};
use crate::palette::{Rgb, BLACK};
use crate::scene::{Class, Scene};

/// An alien pose: rectangles `(dx, dy, w, h)` inside its 8×8 box.
type Pose = [(f32, f32, f32, f32); 4];

/// Three alien kinds (top rows, middle rows, bottom rows), two poses each.
const KINDS: [[Pose; 2]; 3] = [
    // Squid: narrow head, short legs that open and close.
    [
        [
            (2.0, 0.0, 4.0, 3.0),
            (0.0, 3.0, 8.0, 3.0),
            (1.0, 6.0, 2.0, 2.0),
            (5.0, 6.0, 2.0, 2.0),
        ],
        [
            (2.0, 0.0, 4.0, 3.0),
            (0.0, 3.0, 8.0, 3.0),
            (0.0, 6.0, 2.0, 2.0),
            (6.0, 6.0, 2.0, 2.0),
        ],
    ],
    // Crab: antennae, wide body, claws up or down.
    [
        [
            (1.0, 0.0, 6.0, 2.0),
            (0.0, 2.0, 8.0, 4.0),
            (0.0, 6.0, 2.0, 2.0),
            (6.0, 6.0, 2.0, 2.0),
        ],
        [
            (1.0, 1.0, 6.0, 2.0),
            (0.0, 3.0, 8.0, 3.0),
            (2.0, 6.0, 1.0, 2.0),
            (5.0, 6.0, 1.0, 2.0),
        ],
    ],
    // Octopus: round top, wide tentacles.
    [
        [
            (1.0, 0.0, 6.0, 3.0),
            (0.0, 3.0, 8.0, 3.0),
            (0.0, 6.0, 3.0, 2.0),
            (5.0, 6.0, 3.0, 2.0),
        ],
        [
            (1.0, 0.0, 6.0, 3.0),
            (0.0, 3.0, 8.0, 3.0),
            (1.0, 6.0, 2.0, 2.0),
            (5.0, 6.0, 2.0, 2.0),
        ],
    ],
];
/// Alien colour per row, top row first.
const ROW_COLOURS: [Rgb; ROWS] = [
    [188, 144, 252],
    [146, 70, 192],
    [84, 138, 210],
    [66, 158, 130],
    [110, 156, 66],
    [162, 162, 42],
];
const CANNON: Rgb = [92, 186, 92];
const WRECK: Rgb = [200, 72, 72];
const GROUND: Rgb = [80, 140, 80];
const LASER: Rgb = [236, 236, 236];
const BULLET: Rgb = [252, 188, 116];
const SCORE: Rgb = [236, 236, 236];

/// Draws the whole picture.
pub(super) fn draw(game: &Invaders, scene: &mut Scene) {
    scene.clear(BLACK, Class::Void);
    scene.text(PLAY_X0, 4.0, &game.score.to_string(), SCORE, 2.0);
    // One small cannon per life left, at the top right.
    for i in 0..game.lives {
        draw_cannon(
            scene,
            PLAY_X1 - (i + 1) as f32 * (CANNON_W + 3.0),
            6.0,
            CANNON,
            Class::Void,
        );
    }
    let pose = usize::from(game.formation.pose());
    for row in 0..ROWS {
        let shape = &KINDS[row / 2][pose];
        for col in 0..COLS {
            if game.formation.is_alive(row, col) {
                let (x, y) = game.formation.alien_pos(row, col);
                for &(dx, dy, w, h) in shape {
                    scene.rect_class(x + dx, y + dy, w, h, ROW_COLOURS[row], Class::Pedestrian);
                }
            }
        }
    }
    game.shields.draw(scene);
    let colour = if game.wreck > 0 { WRECK } else { CANNON };
    draw_cannon(scene, game.cannon_x, CANNON_Y, colour, Class::Car);
    scene.rect_class(0.0, GROUND_Y, 160.0, 2.0, GROUND, Class::Road);
    if let Some((x, y)) = game.laser {
        scene.rect_class(x, y, 1.0, LASER_H, LASER, Class::Pole);
    }
    for (x, y) in game.bullets() {
        scene.rect_class(x, y, 1.0, BULLET_H, BULLET, Class::Pole);
    }
}

/// The laser cannon: a barrel on a turret on a wide base, 9×8 pixels, labelled `class`.
fn draw_cannon(scene: &mut Scene, x: f32, y: f32, colour: Rgb, class: Class) {
    let x = x.round();
    scene.rect_class(x + 4.0, y, 1.0, 3.0, colour, class);
    scene.rect_class(x + 1.0, y + 3.0, 7.0, 2.0, colour, class);
    scene.rect_class(x, y + 5.0, CANNON_W, 3.0, colour, class);
}
