//! Pong: the agent's green paddle (right) against a CPU paddle (left) that follows the ball with
//! limited speed, so well-angled shots get past it.
//!
//! Rules: the serve starts by itself after a short pause; the ball bounces off the top and bottom
//! walls; where it meets a paddle sets its new vertical speed (the edges give steep angles, the
//! centre a flat return), and every return makes it a little faster. A ball that leaves the screen
//! on the left scores +1 for the agent, on the right −1. The game ends when either side has 21.
//! As in ALE Pong, RIGHT moves the agent's paddle up and LEFT moves it down; FIRE does nothing.

use crate::game::{Action, Game, GameRng, SCREEN_W};
use crate::palette::{Rgb, PONG_GREEN, PONG_ORANGE, PONG_PADDLE, WHITE};
use crate::scene::{Class, Scene};
use rand::RngExt;

/// Top of the top wall.
const WALL_TOP: f32 = 24.0;
/// The playing field's top (the top wall's lower edge).
const FIELD_TOP: f32 = 34.0;
/// The playing field's bottom (the bottom wall's upper edge).
const FIELD_BOTTOM: f32 = 194.0;
/// Height of the bottom wall.
const BOTTOM_WALL_H: f32 = 16.0;
const PADDLE_W: f32 = 4.0;
const PADDLE_H: f32 = 16.0;
/// Left edge of the agent's paddle.
const AGENT_X: f32 = 140.0;
/// Left edge of the CPU's paddle.
const CPU_X: f32 = 16.0;
const BALL_W: f32 = 2.0;
const BALL_H: f32 = 4.0;
/// Agent paddle speed, pixels per frame.
const AGENT_SPEED: f32 = 3.0;
/// CPU paddle speed, pixels per frame: slower than a steep ball, which is what makes it beatable.
const CPU_SPEED: f32 = 2.0;
/// The CPU meets each ball up to this many pixels off its paddle's centre.
const CPU_AIM: f32 = 7.0;
/// The CPU does not move while the ball's centre is this close to its paddle's centre.
const CPU_DEADZONE: f32 = 3.0;
/// Horizontal ball speed at the serve, and its cap (below the paddle width, so the ball cannot
/// skip a paddle; crossings are swept anyway).
const BALL_VX_SERVE: f32 = 1.5;
const BALL_VX_MAX: f32 = 3.5;
/// Horizontal speed added at every paddle return.
const BALL_SPEEDUP: f32 = 0.15;
/// Vertical ball speed when the ball meets a paddle's very edge.
const BALL_VY_MAX: f32 = 3.5;
/// Frames between a point and the next serve.
const SERVE_DELAY: u32 = 60;
/// Points that win the game.
const WINNING_SCORE: u32 = 21;

const ACTIONS: [Action; 6] = Action::MOVE_AND_FIRE;

/// Pong against a CPU opponent. Construct with `Pong::default()` and start it with
/// [`Game::reset`].
#[derive(Debug, Clone, Default)]
pub struct Pong {
    /// Top edge of the agent's paddle.
    agent_y: f32,
    /// Top edge of the CPU's paddle.
    cpu_y: f32,
    ball_x: f32,
    ball_y: f32,
    ball_vx: f32,
    ball_vy: f32,
    /// Frames left before the serve; the ball is not in play (nor drawn) while this is non-zero.
    serve_wait: u32,
    /// Where the CPU means to meet the ball, in pixels from its paddle's centre; drawn anew for
    /// every ball that comes at it, so its returns vary and long rallies end.
    cpu_aim: f32,
    /// Whether the next serve goes toward the agent.
    serve_to_agent: bool,
    agent_points: u32,
    cpu_points: u32,
    frames: u64,
}

impl Pong {
    /// The ball's top-left corner, or `None` while waiting for the serve.
    pub fn ball(&self) -> Option<(f32, f32)> {
        (self.serve_wait == 0 && !self.game_over()).then_some((self.ball_x, self.ball_y))
    }
    /// The ball's velocity in pixels per frame (x grows to the right, y downward).
    pub fn ball_velocity(&self) -> (f32, f32) {
        (self.ball_vx, self.ball_vy)
    }
    /// Top edge of the agent's (right, green) paddle.
    pub fn agent_paddle_y(&self) -> f32 {
        self.agent_y
    }
    /// Top edge of the CPU's (left) paddle.
    pub fn cpu_paddle_y(&self) -> f32 {
        self.cpu_y
    }
    /// Points won so far: `(agent, cpu)`.
    pub fn points(&self) -> (u32, u32) {
        (self.agent_points, self.cpu_points)
    }
    /// Paddle height in pixels.
    pub const PADDLE_H: f32 = PADDLE_H;
    /// Ball height in pixels.
    pub const BALL_H: f32 = BALL_H;

    fn serve(&mut self, rng: &mut GameRng) {
        self.ball_x = (SCREEN_W as f32 - BALL_W) / 2.0;
        self.ball_y = rng.random_range(FIELD_TOP + 30.0..FIELD_BOTTOM - 30.0 - BALL_H);
        self.ball_vx = if self.serve_to_agent {
            BALL_VX_SERVE
        } else {
            -BALL_VX_SERVE
        };
        let vy: f32 = rng.random_range(0.5..1.5);
        self.ball_vy = if rng.random_bool(0.5) { vy } else { -vy };
        self.cpu_aim = rng.random_range(-CPU_AIM..CPU_AIM);
    }

    /// Moves the CPU paddle toward the ball while the ball comes at it, back toward the middle
    /// otherwise, never faster than [`CPU_SPEED`].
    fn move_cpu(&mut self) {
        let centre = self.cpu_y + PADDLE_H / 2.0;
        let target = if self.serve_wait == 0 && self.ball_vx < 0.0 {
            self.ball_y + BALL_H / 2.0 - self.cpu_aim
        } else {
            (FIELD_TOP + FIELD_BOTTOM) / 2.0
        };
        let diff = target - centre;
        if diff.abs() > CPU_DEADZONE {
            self.cpu_y += diff.clamp(-CPU_SPEED, CPU_SPEED);
        }
        self.cpu_y = self.cpu_y.clamp(FIELD_TOP, FIELD_BOTTOM - PADDLE_H);
    }

    /// Bounces the ball off a paddle whose face the ball crossed this frame; the new vertical speed
    /// follows where it hit.
    fn paddle_bounce(&mut self, paddle_y: f32, to_right: bool) {
        let overlap = self.ball_y + BALL_H > paddle_y && self.ball_y < paddle_y + PADDLE_H;
        if !overlap {
            return;
        }
        let offset = (self.ball_y + BALL_H / 2.0 - (paddle_y + PADDLE_H / 2.0)) / ((PADDLE_H + BALL_H) / 2.0);
        self.ball_vy = offset.clamp(-1.0, 1.0) * BALL_VY_MAX;
        let speed = (self.ball_vx.abs() + BALL_SPEEDUP).min(BALL_VX_MAX);
        if to_right {
            self.ball_x = CPU_X + PADDLE_W;
            self.ball_vx = speed;
        } else {
            self.ball_x = AGENT_X - BALL_W;
            self.ball_vx = -speed;
        }
    }

    /// Moves the ball one frame; returns the reward of a point scored in it.
    fn move_ball(&mut self, rng: &mut GameRng) -> f32 {
        let old_x = self.ball_x;
        self.ball_x += self.ball_vx;
        self.ball_y += self.ball_vy;
        if self.ball_y < FIELD_TOP {
            self.ball_y = 2.0 * FIELD_TOP - self.ball_y;
            self.ball_vy = self.ball_vy.abs();
        } else if self.ball_y + BALL_H > FIELD_BOTTOM {
            self.ball_y = 2.0 * (FIELD_BOTTOM - BALL_H) - self.ball_y;
            self.ball_vy = -self.ball_vy.abs();
        }
        // A paddle is hit when the ball's leading edge crosses the paddle's face this frame.
        if self.ball_vx > 0.0 && old_x + BALL_W <= AGENT_X && self.ball_x + BALL_W >= AGENT_X {
            self.paddle_bounce(self.agent_y, false);
            if self.ball_vx < 0.0 {
                self.cpu_aim = rng.random_range(-CPU_AIM..CPU_AIM);
            }
        } else if self.ball_vx < 0.0 && old_x >= CPU_X + PADDLE_W && self.ball_x <= CPU_X + PADDLE_W {
            self.paddle_bounce(self.cpu_y, true);
        }
        if self.ball_x + BALL_W < 0.0 {
            self.agent_points += 1;
            self.serve_to_agent = false;
            self.serve_wait = SERVE_DELAY;
            1.0
        } else if self.ball_x > SCREEN_W as f32 {
            self.cpu_points += 1;
            self.serve_to_agent = true;
            self.serve_wait = SERVE_DELAY;
            -1.0
        } else {
            0.0
        }
    }
}

impl Game for Pong {
    fn id(&self) -> &'static str {
        "pong"
    }

    fn minimal_actions(&self) -> &'static [Action] {
        &ACTIONS
    }

    fn reset(&mut self, rng: &mut GameRng) {
        let middle = (FIELD_TOP + FIELD_BOTTOM - PADDLE_H) / 2.0;
        *self = Pong {
            agent_y: middle,
            cpu_y: middle,
            serve_wait: SERVE_DELAY,
            serve_to_agent: rng.random_bool(0.5),
            ..Pong::default()
        };
    }

    fn tick(&mut self, action: Action, rng: &mut GameRng) -> f32 {
        if self.game_over() {
            return 0.0;
        }
        self.frames += 1;
        // ALE Pong: RIGHT moves the paddle up, LEFT moves it down (the joystick is a paddle knob).
        if action.right() && !action.left() {
            self.agent_y -= AGENT_SPEED;
        } else if action.left() && !action.right() {
            self.agent_y += AGENT_SPEED;
        }
        self.agent_y = self.agent_y.clamp(FIELD_TOP, FIELD_BOTTOM - PADDLE_H);
        self.move_cpu();
        if self.serve_wait > 0 {
            self.serve_wait -= 1;
            if self.serve_wait == 0 {
                self.serve(rng);
            }
            return 0.0;
        }
        self.move_ball(rng)
    }

    fn lives(&self) -> u32 {
        0
    }

    fn score(&self) -> i64 {
        self.agent_points as i64 - self.cpu_points as i64
    }

    fn game_over(&self) -> bool {
        self.agent_points >= WINNING_SCORE || self.cpu_points >= WINNING_SCORE
    }

    fn draw(&self, scene: &mut Scene) {
        scene.clear(PONG_ORANGE, Class::Void);
        let w = SCREEN_W as f32;
        scene.rect_class(0.0, WALL_TOP, w, FIELD_TOP - WALL_TOP, WHITE, Class::Fence);
        scene.rect_class(0.0, FIELD_BOTTOM, w, BOTTOM_WALL_H, WHITE, Class::Fence);
        draw_points(scene, self.cpu_points, 36.0, PONG_PADDLE);
        draw_points(scene, self.agent_points, 112.0, PONG_GREEN);
        scene.rect_class(
            CPU_X,
            self.cpu_y.round(),
            PADDLE_W,
            PADDLE_H,
            PONG_PADDLE,
            Class::Bicyclist,
        );
        scene.rect_class(
            AGENT_X,
            self.agent_y.round(),
            PADDLE_W,
            PADDLE_H,
            PONG_GREEN,
            Class::Car,
        );
        if let Some((x, y)) = self.ball() {
            scene.rect_class(x.round(), y.round(), BALL_W, BALL_H, WHITE, Class::Pedestrian);
        }
    }
}

/// Draws a side's points in large digits, right-aligned at `right_x`.
fn draw_points(scene: &mut Scene, points: u32, right_x: f32, rgb: Rgb) {
    let text = points.to_string();
    let scale = 3.0;
    let width = crate::font::text_width(&text, 3) as f32 - scale;
    scene.text(right_x - width, 1.0, &text, rgb, scale);
}
