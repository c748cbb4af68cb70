//! Freeway: a chicken crosses ten lanes of traffic, as many times as it can in 2 min 16 s.
//!
//! Rules: UP moves the chicken up, DOWN moves it back toward the bottom pavement. Reaching the
//! top pavement scores +1 and puts the chicken back at the bottom. A car that hits the chicken
//! knocks it back down about one lane and stuns it for a moment (it cannot move, and cannot be hit
//! again). Each lane has one car with its own speed; the lower five lanes drive right, the upper
//! five left. The game ends after 8,160 frames (2 min 16 s at 60 Hz), as the Atari original does;
//! there are no lives. Only the cars' starting places are random.

use crate::game::{Action, Game, GameRng, SCREEN_H, SCREEN_W};
use crate::palette::{Rgb, BLACK, DARK_GRAY, GRAY};
use crate::scene::{Class, Scene};
use rand::RngExt;

/// Frames in one game: 2 min 16 s at 60 Hz.
pub const GAME_FRAMES: u32 = 8_160;
/// Number of traffic lanes.
pub const LANES: usize = 10;

/// Height of the score bar at the top.
const HUD_H: f32 = 18.0;
/// The road's upper and lower edges; pavements lie above and below.
const ROAD_TOP: f32 = 34.0;
const LANE_H: f32 = 16.0;
const ROAD_BOTTOM: f32 = ROAD_TOP + LANES as f32 * LANE_H;
const CHICKEN_X: f32 = 44.0;
const CHICKEN_W: f32 = 6.0;
const CHICKEN_H: f32 = 8.0;
/// The chicken's top edge at the start of every crossing (on the bottom pavement).
const CHICKEN_START_Y: f32 = ROAD_BOTTOM + 4.0;
/// A crossing counts once the chicken stands wholly on the top pavement.
const CHICKEN_GOAL_Y: f32 = ROAD_TOP - CHICKEN_H;
/// Chicken speed, pixels per frame: an unhindered crossing takes about three seconds.
const CHICKEN_SPEED: f32 = 1.0;
/// Frames a hit chicken cannot move, and the first frames of those in which it is pushed down.
const STUN_FRAMES: u32 = 40;
const KNOCKBACK_FRAMES: u32 = 12;
/// Pixels per frame a hit chicken is pushed down (one lane over the knock-back).
const KNOCKBACK_SPEED: f32 = LANE_H / KNOCKBACK_FRAMES as f32;
const CAR_W: f32 = 12.0;
const CAR_H: f32 = 8.0;
/// A car's top edge below its lane's top edge.
const CAR_INSET: f32 = 4.0;
/// Cars wrap around after this many pixels, so a car leaves the screen before it comes back.
const CAR_PERIOD: f32 = SCREEN_W as f32 + CAR_W;

/// Car speed per lane, pixels per frame, bottom lane first; positive drives right. The middle
/// lanes are the fastest.
const LANE_SPEED: [f32; LANES] = [0.5, 0.75, 1.0, 1.5, 2.0, -2.25, -1.75, -1.25, -0.9, -0.6];
/// Car colour per lane, bottom lane first.
const LANE_COLOUR: [Rgb; LANES] = [
    [210, 164, 74],
    [84, 138, 210],
    [200, 72, 72],
    [146, 70, 192],
    [72, 160, 72],
    [198, 108, 58],
    [66, 114, 194],
    [184, 50, 50],
    [110, 156, 66],
    [188, 144, 252],
];
const ROAD: Rgb = DARK_GRAY;
const PAVEMENT: Rgb = [170, 170, 170];
const MEDIAN: Rgb = [252, 252, 84];
const CHICKEN: Rgb = [252, 252, 84];
const CHICKEN_STUNNED: Rgb = [214, 92, 92];
const CAR_ROOF: Rgb = [214, 214, 214];
/// Lane markings: dashes of this length every `DASH_PERIOD` pixels.
const DASH_LEN: f32 = 10.0;
const DASH_PERIOD: f32 = 32.0;
/// The chicken, 6 pixels wide, facing right.
const CHICKEN_SPRITE: [u16; 8] = [
    0b001100, 0b001111, 0b001100, 0b101100, 0b111110, 0b011110, 0b001100, 0b010100,
];

const ACTIONS: [Action; 3] = [Action::Noop, Action::Up, Action::Down];

/// Freeway for one chicken. Construct with `Freeway::default()` and start it with
/// [`Game::reset`].
#[derive(Debug, Clone, Default)]
pub struct Freeway {
    /// The chicken's top edge.
    chicken_y: f32,
    /// Frames of stun left after a hit.
    stun: u32,
    /// Left edge of each lane's car, in `[-CAR_W, SCREEN_W)`.
    car_x: [f32; LANES],
    crossings: u32,
    frames: u32,
}

impl Freeway {
    /// The chicken's top edge (it starts at the bottom, and crosses toward y = 0).
    pub fn chicken_y(&self) -> f32 {
        self.chicken_y
    }
    /// Whether the chicken is stunned by a hit (it cannot move).
    pub fn stunned(&self) -> bool {
        self.stun > 0
    }
    /// Frames played so far.
    pub fn frame(&self) -> u32 {
        self.frames
    }
    /// The bounding box `(x, y, w, h)` of the car in `lane` (0 is the bottom lane).
    pub fn car_box(&self, lane: usize) -> (f32, f32, f32, f32) {
        (self.car_x[lane], lane_top(lane) + CAR_INSET, CAR_W, CAR_H)
    }
    /// The chicken's bounding box `(x, y, w, h)`.
    pub fn chicken_box(&self) -> (f32, f32, f32, f32) {
        (CHICKEN_X, self.chicken_y, CHICKEN_W, CHICKEN_H)
    }
    /// Car speed in `lane`, pixels per frame (positive drives right).
    pub fn lane_speed(lane: usize) -> f32 {
        LANE_SPEED[lane]
    }

    fn hit_by_car(&self) -> bool {
        let (cy0, cy1) = (self.chicken_y, self.chicken_y + CHICKEN_H);
        (0..LANES).any(|lane| {
            let (x, y, w, h) = self.car_box(lane);
            x < CHICKEN_X + CHICKEN_W && x + w > CHICKEN_X && y < cy1 && y + h > cy0
        })
    }
}

/// Top edge of `lane` (0 is the bottom lane).
fn lane_top(lane: usize) -> f32 {
    ROAD_BOTTOM - (lane + 1) as f32 * LANE_H
}

impl Game for Freeway {
    fn id(&self) -> &'static str {
        "freeway"
    }

    fn minimal_actions(&self) -> &'static [Action] {
        &ACTIONS
    }

    fn reset(&mut self, rng: &mut GameRng) {
        *self = Freeway {
            chicken_y: CHICKEN_START_Y,
            ..Freeway::default()
        };
        for x in &mut self.car_x {
            *x = rng.random_range(-CAR_W..SCREEN_W as f32);
        }
    }

    fn tick(&mut self, action: Action, _rng: &mut GameRng) -> f32 {
        if self.game_over() {
            return 0.0;
        }
        self.frames += 1;
        for (x, speed) in self.car_x.iter_mut().zip(LANE_SPEED) {
            *x = (*x + speed + CAR_W).rem_euclid(CAR_PERIOD) - CAR_W;
        }
        if self.stun > 0 {
            if self.stun > STUN_FRAMES - KNOCKBACK_FRAMES {
                self.chicken_y = (self.chicken_y + KNOCKBACK_SPEED).min(CHICKEN_START_Y);
            }
            self.stun -= 1;
            return 0.0;
        }
        if action.up() && !action.down() {
            self.chicken_y -= CHICKEN_SPEED;
        } else if action.down() && !action.up() {
            self.chicken_y = (self.chicken_y + CHICKEN_SPEED).min(CHICKEN_START_Y);
        }
        if self.chicken_y <= CHICKEN_GOAL_Y {
            self.crossings += 1;
            self.chicken_y = CHICKEN_START_Y;
            return 1.0;
        }
        if self.hit_by_car() {
            self.stun = STUN_FRAMES;
        }
        0.0
    }

    fn lives(&self) -> u32 {
        0
    }

    fn score(&self) -> i64 {
        self.crossings as i64
    }

    fn game_over(&self) -> bool {
        self.frames >= GAME_FRAMES
    }

    fn draw(&self, scene: &mut Scene) {
        let w = SCREEN_W as f32;
        scene.clear(BLACK, Class::Void);
        scene.rect_class(0.0, HUD_H, w, ROAD_TOP - HUD_H, PAVEMENT, Class::Pavement);
        scene.rect_class(0.0, ROAD_TOP, w, ROAD_BOTTOM - ROAD_TOP, ROAD, Class::Road);
        scene.rect_class(
            0.0,
            ROAD_BOTTOM,
            w,
            SCREEN_H as f32 - ROAD_BOTTOM,
            PAVEMENT,
            Class::Pavement,
        );
        for boundary in 1..LANES {
            let y = ROAD_BOTTOM - boundary as f32 * LANE_H;
            if boundary == LANES / 2 {
                scene.rect_class(0.0, y - 1.0, w, 1.0, MEDIAN, Class::Road);
                scene.rect_class(0.0, y + 1.0, w, 1.0, MEDIAN, Class::Road);
            } else {
                let mut x = 4.0;
                while x < w {
                    scene.rect_class(x, y, DASH_LEN, 1.0, GRAY, Class::Road);
                    x += DASH_PERIOD;
                }
            }
        }
        for (lane, colour) in LANE_COLOUR.iter().enumerate() {
            let (x, y, _, _) = self.car_box(lane);
            let x = x.round();
            // The roof sits toward the car's front.
            let roof_x = if LANE_SPEED[lane] > 0.0 { x + 3.0 } else { x + 4.0 };
            scene.rect_class(x, y + 2.0, CAR_W, CAR_H - 2.0, *colour, Class::Car);
            scene.rect_class(roof_x, y, 5.0, 4.0, CAR_ROOF, Class::Car);
        }
        // A stunned chicken changes colour (rather than blinking, which frame skip could hide).
        let colour = if self.stun > 0 { CHICKEN_STUNNED } else { CHICKEN };
        let y = self.chicken_y.round();
        scene.sprite(
            CHICKEN_X,
            y,
            &CHICKEN_SPRITE,
            CHICKEN_W as u32,
            1.0,
            1.0,
            colour,
            Class::Pedestrian,
        );
        scene.text(40.0, 2.0, &self.crossings.to_string(), CHICKEN, 2.0);
        let seconds_left = (GAME_FRAMES - self.frames).div_ceil(60);
        let timer = format!("{}:{:02}", seconds_left / 60, seconds_left % 60);
        scene.text(104.0, 2.0, &timer, PAVEMENT, 2.0);
    }
}
