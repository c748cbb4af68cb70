//! Space Invaders: a laser cannon against a marching block of 6×6 aliens.
//!
//! Rules: the aliens march sideways, step down at the playfield's edges, and speed up as fewer
//! remain. They drop bullets, often at the cannon. The cannon moves along the ground and has one
//! laser shot on screen at a time (holding FIRE shoots again as soon as the last shot is gone).
//! An alien is worth 5 to 30 points, more the higher its row. Three shields shelter the cannon and
//! wear away where shots and aliens touch them. A bullet on the cannon costs one of its 3 lives;
//! the game ends when no lives are left or an alien reaches the cannon's height. Clearing a wave
//! brings a new one that starts lower.

mod draw;
mod formation;
mod shields;

use crate::game::{Action, Game, GameRng};
use crate::scene::Scene;
use formation::{Formation, ALIEN_H, ALIEN_W, COLS, ROWS};
use rand::RngExt;
use shields::{Heading, Shields};

/// The playfield's left and right edges.
const PLAY_X0: f32 = 8.0;
const PLAY_X1: f32 = 152.0;
/// Bottom of the score bar: shots vanish above it.
const HUD_H: f32 = 20.0;
/// The cannon's top edge and size.
const CANNON_Y: f32 = 182.0;
const CANNON_W: f32 = 9.0;
const CANNON_H: f32 = 8.0;
/// The ground line, just below the cannon.
const GROUND_Y: f32 = CANNON_Y + CANNON_H;
/// Cannon speed, pixels per frame.
const CANNON_SPEED: f32 = 1.25;
/// Laser shot: one pixel wide, fast.
const LASER_H: f32 = 6.0;
const LASER_SPEED: f32 = 5.0;
/// Alien bullets: slower than the laser, at most [`MAX_BULLETS`] at a time.
const BULLET_H: f32 = 5.0;
const BULLET_SPEED: f32 = 1.5;
const MAX_BULLETS: usize = 3;
/// Chance per frame that an alien fires (when fewer than [`MAX_BULLETS`] are falling), growing
/// with each wave up to the maximum.
const FIRE_CHANCE: f64 = 0.02;
const FIRE_CHANCE_PER_WAVE: f64 = 0.005;
const FIRE_CHANCE_MAX: f64 = 0.05;
/// Chance that a shot comes from the column above the cannon rather than a random column.
const AIMED_SHOT_CHANCE: f64 = 0.33;
/// Frames the cannon lies wrecked after a hit, while play pauses.
const WRECK_FRAMES: u32 = 60;
const START_LIVES: u32 = 3;

const ACTIONS: [Action; 6] = Action::MOVE_AND_FIRE;

/// A falling alien bullet's top-left corner.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Bullet {
    x: f32,
    y: f32,
}

/// Space Invaders. Construct with `Invaders::default()` and start it with [`Game::reset`].
#[derive(Debug, Clone, Default)]
pub struct Invaders {
    formation: Formation,
    shields: Shields,
    /// The cannon's left edge.
    cannon_x: f32,
    /// The laser shot's top-left corner, while one is flying.
    laser: Option<(f32, f32)>,
    bullets: [Option<Bullet>; MAX_BULLETS],
    /// Frames left of the wreck pause after the cannon was hit.
    wreck: u32,
    lives: u32,
    score: i64,
    /// Waves cleared so far.
    wave: u32,
    over: bool,
}

impl Invaders {
    /// The cannon's left edge (it is 9 pixels wide).
    pub fn cannon_x(&self) -> f32 {
        self.cannon_x
    }
    /// Aliens left in the current wave.
    pub fn aliens_left(&self) -> u32 {
        self.formation.count()
    }
    /// Waves cleared so far.
    pub fn wave(&self) -> u32 {
        self.wave
    }
    /// Bounding boxes `(x, y, w, h)` of the alive aliens.
    pub fn alien_boxes(&self) -> impl Iterator<Item = (f32, f32, f32, f32)> + '_ {
        self.alive_cells().map(|(r, c)| {
            let (x, y) = self.formation.alien_pos(r, c);
            (x, y, ALIEN_W, ALIEN_H)
        })
    }
    /// The laser shot's top-left corner, while one is flying.
    pub fn laser(&self) -> Option<(f32, f32)> {
        self.laser
    }
    /// Top-left corners of the falling alien bullets.
    pub fn bullets(&self) -> impl Iterator<Item = (f32, f32)> + '_ {
        self.bullets.iter().flatten().map(|b| (b.x, b.y))
    }
    /// Shield blocks left.
    pub fn shield_blocks(&self) -> u32 {
        self.shields.blocks()
    }
    /// Whether the cannon is wrecked (play pauses until it comes back).
    pub fn wrecked(&self) -> bool {
        self.wreck > 0
    }

    fn alive_cells(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        (0..ROWS)
            .flat_map(move |r| (0..COLS).map(move |c| (r, c)))
            .filter(|&(r, c)| self.formation.is_alive(r, c))
    }

    /// Moves the laser; returns the points for an alien it hits.
    fn move_laser(&mut self) -> f32 {
        let Some((x, y)) = self.laser else {
            return 0.0;
        };
        let y = y - LASER_SPEED;
        // The swept span covers this frame's whole path, so nothing is skipped.
        let (y0, y1) = (y, y + LASER_H + LASER_SPEED);
        if y < HUD_H || self.shields.shoot(x, y0, y1, Heading::Up) {
            self.laser = None;
            return 0.0;
        }
        if let Some((row, col)) = self.formation.alien_at(x, x + 1.0, y0, y1) {
            self.formation.kill(row, col);
            self.laser = None;
            return (5 * (ROWS - row)) as f32;
        }
        // A laser shot and an alien bullet that meet destroy each other.
        for slot in &mut self.bullets {
            if slot.is_some_and(|b| (b.x - x).abs() < 1.5 && b.y < y1 && b.y + BULLET_H > y0) {
                *slot = None;
                self.laser = None;
                return 0.0;
            }
        }
        self.laser = Some((x, y));
        0.0
    }

    /// Moves the alien bullets; returns whether one hit the cannon.
    fn move_bullets(&mut self) -> bool {
        let mut cannon_hit = false;
        for slot in &mut self.bullets {
            let Some(b) = slot else { continue };
            b.y += BULLET_SPEED;
            let (y0, y1) = (b.y - BULLET_SPEED, b.y + BULLET_H);
            let on_cannon = b.x + 1.0 > self.cannon_x && b.x < self.cannon_x + CANNON_W && y1 > CANNON_Y;
            if on_cannon {
                cannon_hit = true;
                *slot = None;
            } else if b.y + BULLET_H >= GROUND_Y || self.shields.shoot(b.x, y0, y1, Heading::Down) {
                *slot = None;
            }
        }
        cannon_hit
    }

    /// Maybe fires a new alien bullet, from the lowest alien of the column above the cannon or of
    /// a random column.
    fn alien_fire(&mut self, rng: &mut GameRng) {
        let chance = (FIRE_CHANCE + FIRE_CHANCE_PER_WAVE * self.wave as f64).min(FIRE_CHANCE_MAX);
        let Some(slot) = self.bullets.iter().position(Option::is_none) else {
            return;
        };
        if !rng.random_bool(chance) {
            return;
        }
        let aimed = rng.random_bool(AIMED_SHOT_CHANCE);
        let cannon_mid = self.cannon_x + CANNON_W / 2.0;
        let mut shooters = (0..COLS).filter_map(|c| self.formation.lowest_in_column(c));
        let shooter = if aimed {
            shooters.min_by(|&a, &b| {
                let da = (self.formation.alien_pos(a.0, a.1).0 + ALIEN_W / 2.0 - cannon_mid).abs();
                let db = (self.formation.alien_pos(b.0, b.1).0 + ALIEN_W / 2.0 - cannon_mid).abs();
                da.total_cmp(&db)
            })
        } else {
            let n = shooters.clone().count();
            let pick = rng.random_range(0..n.max(1));
            shooters.nth(pick)
        };
        if let Some((row, col)) = shooter {
            let (x, y) = self.formation.alien_pos(row, col);
            self.bullets[slot] = Some(Bullet {
                x: x + ALIEN_W / 2.0,
                y: y + ALIEN_H,
            });
        }
    }

    /// Aliens walking through the shields wear them away.
    fn aliens_erase_shields(&mut self) {
        if self.formation.bottom().is_none_or(|b| b <= shields::SHIELD_TOP) {
            return;
        }
        for r in 0..ROWS {
            for c in 0..COLS {
                if self.formation.is_alive(r, c) {
                    let (x, y) = self.formation.alien_pos(r, c);
                    self.shields.erase(x, x + ALIEN_W, y, y + ALIEN_H);
                }
            }
        }
    }
}

impl Game for Invaders {
    fn id(&self) -> &'static str {
        "invaders"
    }

    fn minimal_actions(&self) -> &'static [Action] {
        &ACTIONS
    }

    fn reset(&mut self, _rng: &mut GameRng) {
        *self = Invaders {
            formation: Formation::new(0),
            shields: Shields::new(),
            cannon_x: PLAY_X0,
            lives: START_LIVES,
            ..Invaders::default()
        };
    }

    fn tick(&mut self, action: Action, rng: &mut GameRng) -> f32 {
        if self.over {
            return 0.0;
        }
        if self.wreck > 0 {
            self.wreck -= 1;
            if self.wreck == 0 {
                self.cannon_x = PLAY_X0;
            }
            return 0.0;
        }
        if action.right() && !action.left() {
            self.cannon_x += CANNON_SPEED;
        } else if action.left() && !action.right() {
            self.cannon_x -= CANNON_SPEED;
        }
        self.cannon_x = self.cannon_x.clamp(PLAY_X0, PLAY_X1 - CANNON_W);
        if action.fire() && self.laser.is_none() {
            let x = self.cannon_x.round() + (CANNON_W / 2.0).floor();
            self.laser = Some((x, CANNON_Y - LASER_H + LASER_SPEED));
        }
        let points = self.move_laser();
        self.score += points as i64;
        self.formation.march();
        self.aliens_erase_shields();
        if self.formation.bottom().is_some_and(|b| b >= CANNON_Y) {
            // The aliens have landed.
            self.lives = 0;
            self.over = true;
            self.laser = None;
            return points;
        }
        if self.move_bullets() {
            self.lives -= 1;
            self.laser = None;
            self.bullets = [None; MAX_BULLETS];
            if self.lives == 0 {
                self.over = true;
            } else {
                self.wreck = WRECK_FRAMES;
            }
            return points;
        }
        if self.formation.count() == 0 {
            self.wave += 1;
            self.formation = Formation::new(self.wave);
            self.laser = None;
            self.bullets = [None; MAX_BULLETS];
        } else {
            self.alien_fire(rng);
        }
        points
    }

    fn lives(&self) -> u32 {
        self.lives
    }

    fn score(&self) -> i64 {
        self.score
    }

    fn game_over(&self) -> bool {
        self.over
    }

    fn draw(&self, scene: &mut Scene) {
        draw::draw(self, scene);
    }
}
