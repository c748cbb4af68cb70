//! Breakout, written from the rules of the Atari 2600 game.
//!
//! A paddle at the bottom, a wall of 6 rows × 18 bricks, and a ball that the player serves with
//! FIRE. Bricks score 1, 1, 4, 4, 7, 7 points from the bottom row to the top. The ball's angle
//! after the paddle depends on where it lands (the edges send it out flat, the middle steep). It
//! speeds up after 4 and 12 paddle hits and the first time it reaches the orange and the red rows,
//! and the paddle shrinks to half once the ball breaks through to the back wall. The player has 5
//! balls; clearing the first wall brings a second one, and clearing that ends the game (864 points
//! at most).

use rand::RngExt;

use crate::game::{Action, Game, GameRng, SCREEN_W};
use crate::palette::{BLACK, BLUE, BROWN, GRAY, GREEN, ORANGE, RED, YELLOW};
use crate::scene::{Class, Scene};

const WALL: f32 = 8.0;
const TOP_WALL_Y: f32 = 17.0;
const TOP_WALL_H: f32 = 8.0;
/// Lowest y of the side walls.
const SIDE_WALL_END: f32 = 196.0;
const BRICK_ROWS: usize = 6;
const BRICK_COLS: usize = 18;
const BRICK_W: f32 = 8.0;
const BRICK_H: f32 = 6.0;
const BRICKS_Y: f32 = 57.0;
const ALL_BRICKS: u32 = (1 << BRICK_COLS) - 1;
/// Points and colour per row, top row first.
const ROW_POINTS: [u32; BRICK_ROWS] = [7, 7, 4, 4, 1, 1];
const ROW_COLOURS: [[u8; 3]; BRICK_ROWS] = [RED, ORANGE, BROWN, YELLOW, GREEN, BLUE];
const PADDLE_Y: f32 = 189.0;
const PADDLE_H: f32 = 4.0;
const PADDLE_W: f32 = 16.0;
const PADDLE_SPEED: f32 = 4.0;
const BALL_W: f32 = 2.0;
const BALL_H: f32 = 4.0;
/// A ball whose top passes this line has left the screen.
const LOST_Y: f32 = 200.0;
/// Vertical ball speed (pixels per frame) by speed level.
const SPEEDS: [f32; 5] = [2.0, 2.5, 3.0, 3.5, 4.0];
/// Horizontal speed, as a fraction of the vertical one, by the sixth of the paddle that was hit.
const ZONE_SLOPES: [f32; 6] = [-1.0, -0.65, -0.3, 0.3, 0.65, 1.0];
const LIVES: u32 = 5;
const SERVE_Y: f32 = 122.0;

/// Atari-style Breakout (see the module documentation for the rules).
#[derive(Debug, Clone)]
pub struct Breakout {
    /// One bit per brick, bit `c` = column `c`; row 0 is the top (red) row.
    bricks: [u32; BRICK_ROWS],
    bricks_left: u32,
    /// 1 for the first wall, 2 for the second.
    wall: u32,
    paddle_x: f32,
    paddle_w: f32,
    ball_in_play: bool,
    ball_x: f32,
    ball_y: f32,
    ball_vx: f32,
    ball_vy: f32,
    paddle_hits: u32,
    reached_orange: bool,
    reached_red: bool,
    lives: u32,
    score: i64,
    game_over: bool,
}

impl Default for Breakout {
    fn default() -> Self {
        let mut game = Breakout {
            bricks: [ALL_BRICKS; BRICK_ROWS],
            bricks_left: (BRICK_ROWS * BRICK_COLS) as u32,
            wall: 1,
            paddle_x: 0.0,
            paddle_w: PADDLE_W,
            ball_in_play: false,
            ball_x: 0.0,
            ball_y: 0.0,
            ball_vx: 0.0,
            ball_vy: 0.0,
            paddle_hits: 0,
            reached_orange: false,
            reached_red: false,
            lives: LIVES,
            score: 0,
            game_over: false,
        };
        game.new_game();
        game
    }
}

impl Breakout {
    fn new_game(&mut self) {
        self.bricks = [ALL_BRICKS; BRICK_ROWS];
        self.bricks_left = (BRICK_ROWS * BRICK_COLS) as u32;
        self.wall = 1;
        self.paddle_w = PADDLE_W;
        self.paddle_x = (SCREEN_W as f32 - PADDLE_W) / 2.0;
        self.ball_in_play = false;
        self.reached_orange = false;
        self.reached_red = false;
        self.paddle_hits = 0;
        self.lives = LIVES;
        self.score = 0;
        self.game_over = false;
    }

    /// The vertical speed for the current hit count and the rows reached so far.
    fn speed(&self) -> f32 {
        let level = (self.paddle_hits >= 4) as usize
            + (self.paddle_hits >= 12) as usize
            + self.reached_orange as usize
            + self.reached_red as usize;
        SPEEDS[level.min(SPEEDS.len() - 1)]
    }

    /// Keeps the ball's direction but gives it the current speed.
    fn apply_speed(&mut self) {
        let speed = self.speed();
        let scale = speed / self.ball_vy.abs().max(f32::EPSILON);
        self.ball_vx *= scale;
        self.ball_vy = self.ball_vy.signum() * speed;
    }

    fn serve(&mut self, rng: &mut GameRng) {
        self.paddle_hits = 0;
        self.ball_in_play = true;
        self.ball_x = rng.random_range(40.0..(SCREEN_W as f32 - 40.0));
        self.ball_y = SERVE_Y;
        let speed = self.speed();
        let slope = if rng.random_bool(0.5) {
            ZONE_SLOPES[4]
        } else {
            ZONE_SLOPES[1]
        };
        self.ball_vx = slope * speed;
        self.ball_vy = speed;
    }

    /// Moves the ball one frame in steps of at most one pixel, bouncing off walls, bricks and
    /// the paddle. Returns the points scored.
    fn move_ball(&mut self) -> u32 {
        let substeps = self.ball_vx.abs().max(self.ball_vy.abs()).ceil().max(1.0) as usize;
        let mut points = 0;
        let mut brick_hit = false;
        for _ in 0..substeps {
            self.ball_x += self.ball_vx / substeps as f32;
            self.ball_y += self.ball_vy / substeps as f32;
            if self.ball_x < WALL {
                self.ball_x = 2.0 * WALL - self.ball_x;
                self.ball_vx = self.ball_vx.abs();
            } else if self.ball_x + BALL_W > SCREEN_W as f32 - WALL {
                self.ball_x = 2.0 * (SCREEN_W as f32 - WALL - BALL_W) - self.ball_x;
                self.ball_vx = -self.ball_vx.abs();
            }
            let ceiling = TOP_WALL_Y + TOP_WALL_H;
            if self.ball_y < ceiling {
                self.ball_y = 2.0 * ceiling - self.ball_y;
                self.ball_vy = self.ball_vy.abs();
                // Breaking through to the back wall halves the paddle, as on the Atari.
                self.paddle_w = PADDLE_W / 2.0;
            }
            if !brick_hit {
                if let Some(p) = self.hit_brick() {
                    points += p;
                    brick_hit = true;
                }
            }
            if self.ball_vy > 0.0 && self.hit_paddle() {
                break;
            }
            if self.ball_y >= LOST_Y {
                self.ball_in_play = false;
                self.lives = self.lives.saturating_sub(1);
                self.game_over = self.lives == 0;
                break;
            }
        }
        points
    }

    /// Removes the first brick the ball overlaps (nearest first along its vertical direction),
    /// reverses the ball and returns the brick's points.
    fn hit_brick(&mut self) -> Option<u32> {
        let (top, bottom) = (self.ball_y - BRICKS_Y, self.ball_y + BALL_H - BRICKS_Y);
        let wall_h = BRICK_ROWS as f32 * BRICK_H;
        if bottom <= 0.0 || top >= wall_h {
            return None;
        }
        let r0 = (top.max(0.0) / BRICK_H) as usize;
        let r1 = (((bottom / BRICK_H).ceil() as usize).min(BRICK_ROWS)).max(r0 + 1);
        let c0 = ((self.ball_x - WALL).max(0.0) / BRICK_W) as usize;
        let c1 = (((self.ball_x + BALL_W - WALL) / BRICK_W).ceil() as usize).clamp(c0 + 1, BRICK_COLS);
        let up = self.ball_vy < 0.0;
        for i in 0..(r1 - r0) {
            let row = if up { r1 - 1 - i } else { r0 + i };
            for col in c0..c1.min(BRICK_COLS) {
                if self.bricks[row] & (1 << col) != 0 {
                    self.bricks[row] &= !(1 << col);
                    self.bricks_left -= 1;
                    self.ball_vy = -self.ball_vy;
                    self.reached_red |= row == 0;
                    self.reached_orange |= row == 1;
                    self.apply_speed();
                    return Some(ROW_POINTS[row]);
                }
            }
        }
        None
    }

    /// Bounces a falling ball off the paddle; the sixth of the paddle it lands on sets the angle.
    fn hit_paddle(&mut self) -> bool {
        let bottom = self.ball_y + BALL_H;
        let overlaps_x = self.ball_x + BALL_W > self.paddle_x && self.ball_x < self.paddle_x + self.paddle_w;
        if !(overlaps_x && bottom >= PADDLE_Y && self.ball_y < PADDLE_Y + PADDLE_H) {
            return false;
        }
        let centre = self.ball_x + BALL_W / 2.0 - self.paddle_x;
        let zone = ((centre / self.paddle_w) * ZONE_SLOPES.len() as f32).floor();
        let zone = zone.clamp(0.0, (ZONE_SLOPES.len() - 1) as f32) as usize;
        self.paddle_hits += 1;
        let speed = self.speed();
        self.ball_vy = -speed;
        self.ball_vx = ZONE_SLOPES[zone] * speed;
        self.ball_y = PADDLE_Y - BALL_H;
        true
    }

    /// After the last brick: the second wall, or the end of the game.
    fn next_wall(&mut self) {
        if self.wall >= 2 {
            self.game_over = true;
            self.ball_in_play = false;
            return;
        }
        self.wall = 2;
        self.bricks = [ALL_BRICKS; BRICK_ROWS];
        self.bricks_left = (BRICK_ROWS * BRICK_COLS) as u32;
        self.paddle_w = PADDLE_W;
        self.reached_orange = false;
        self.reached_red = false;
        self.ball_in_play = false;
    }
}

impl Game for Breakout {
    fn id(&self) -> &'static str {
        "breakout"
    }

    fn minimal_actions(&self) -> &'static [Action] {
        &[Action::Noop, Action::Fire, Action::Right, Action::Left]
    }

    fn reset(&mut self, _rng: &mut GameRng) {
        self.new_game();
    }

    fn tick(&mut self, action: Action, rng: &mut GameRng) -> f32 {
        if self.game_over {
            return 0.0;
        }
        let dx = (action.right() as i32 - action.left() as i32) as f32 * PADDLE_SPEED;
        self.paddle_x = (self.paddle_x + dx).clamp(WALL, SCREEN_W as f32 - WALL - self.paddle_w);
        if !self.ball_in_play {
            if action.fire() {
                self.serve(rng);
            }
            return 0.0;
        }
        let points = self.move_ball();
        self.score += points as i64;
        if self.bricks_left == 0 {
            self.next_wall();
        }
        points as f32
    }

    fn lives(&self) -> u32 {
        self.lives
    }

    fn score(&self) -> i64 {
        self.score
    }

    fn game_over(&self) -> bool {
        self.game_over
    }

    fn uses_fire_to_start(&self) -> bool {
        true
    }

    fn draw(&self, scene: &mut Scene) {
        scene.clear(BLACK, Class::Void);
        let mut digits = [0u8; 3];
        let mut s = self.score.clamp(0, 999);
        for d in digits.iter_mut().rev() {
            *d = b'0' + (s % 10) as u8;
            s /= 10;
        }
        for (i, d) in digits.iter().enumerate() {
            hud_digit(scene, 36.0 + i as f32 * 14.0, (*d - b'0') as u32);
        }
        hud_digit(scene, 100.0, self.lives.min(9));
        hud_digit(scene, 128.0, 1);

        // The side walls start below the top wall: rectangles that overlap inside a partly
        // covered observation pixel blend less exactly in `Scene::render_gray`.
        let side_y = TOP_WALL_Y + TOP_WALL_H;
        scene.rect_class(0.0, TOP_WALL_Y, SCREEN_W as f32, TOP_WALL_H, GRAY, Class::Fence);
        scene.rect_class(0.0, side_y, WALL, SIDE_WALL_END - side_y, GRAY, Class::Fence);
        scene.rect_class(
            SCREEN_W as f32 - WALL,
            side_y,
            WALL,
            SIDE_WALL_END - side_y,
            GRAY,
            Class::Fence,
        );
        for (row, &bits) in self.bricks.iter().enumerate() {
            let y = BRICKS_Y + row as f32 * BRICK_H;
            // Adjacent bricks of a row share a colour, so each run of bricks is one rectangle.
            let mut rest = bits;
            while rest != 0 {
                let start = rest.trailing_zeros();
                let len = (rest >> start).trailing_ones();
                let x = WALL + start as f32 * BRICK_W;
                scene.rect_class(x, y, len as f32 * BRICK_W, BRICK_H, ROW_COLOURS[row], Class::Building);
                rest &= !(((1u64 << len) - 1) << start) as u32;
            }
        }
        scene.rect_class(self.paddle_x, PADDLE_Y, self.paddle_w, PADDLE_H, RED, Class::Car);
        if self.ball_in_play {
            scene.rect_class(self.ball_x, self.ball_y, BALL_W, BALL_H, RED, Class::Pedestrian);
        }
    }
}

/// Segments of the HUD digits 0–9: bits a (top), b (upper right), c (lower right), d (bottom),
/// e (lower left), f (upper left), g (middle), as on a seven-segment display.
const DIGIT_SEGMENTS: [u8; 10] = [0x3f, 0x06, 0x5b, 0x4f, 0x66, 0x6d, 0x7d, 0x07, 0x7f, 0x6f];
const SEG: f32 = 2.0;
const DIGIT_W: f32 = 10.0;
const HUD_Y: f32 = 2.0;

/// One HUD digit (10×14) as a few non-overlapping rectangles: the lit horizontal bars, then each
/// side column's lit cells between them merged into runs.
fn hud_digit(scene: &mut Scene, x: f32, digit: u32) {
    let seg = DIGIT_SEGMENTS[digit as usize % 10];
    let on = |bit: u32| seg & (1 << bit) != 0;
    let bars = [on(0), on(6), on(3)];
    for (i, _) in bars.iter().enumerate().filter(|(_, lit)| **lit) {
        scene.rect_class(x, HUD_Y + i as f32 * 6.0, DIGIT_W, SEG, GRAY, Class::SignSymbol);
    }
    // Cells of a side column from the top: corner, upper, corner, lower, corner (2, 4, 2, 4, 2).
    const CELL_Y: [f32; 6] = [0.0, 2.0, 6.0, 8.0, 12.0, 14.0];
    for (col_x, upper, lower) in [(x, on(5), on(4)), (x + DIGIT_W - SEG, on(1), on(2))] {
        let lit = [upper, upper, upper || lower, lower, lower];
        let mut cell = 0;
        while cell < 5 {
            let free = |c: usize| lit[c] && !(c.is_multiple_of(2) && bars[c / 2]);
            if !free(cell) {
                cell += 1;
                continue;
            }
            let start = cell;
            while cell < 5 && free(cell) {
                cell += 1;
            }
            let (y0, y1) = (CELL_Y[start], CELL_Y[cell]);
            scene.rect_class(col_x, HUD_Y + y0, SEG, y1 - y0, GRAY, Class::SignSymbol);
        }
    }
}

#[cfg(test)]
mod tests;
