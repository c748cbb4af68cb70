//! Driving: an endurance race on a pseudo-3D road, written from the rules of Activision's Enduro.
//!
//! **Rules.** You drive at the bottom of the screen among slower cars. FIRE accelerates, DOWN
//! brakes, nothing pressed coasts (slowly losing speed); LEFT/RIGHT steer. Curves push the car
//! outward in proportion to speed, and the grass beyond the pavement caps the speed at a third.
//! Touching another car is a crash: your speed drops to zero, the car is pushed ahead, and the
//! throttle is dead for half a second.
//!
//! **Reward.** +1 for each car you overtake, −1 for each car that overtakes you (Enduro's
//! counter). The score is the net number of cars passed.
//!
//! **Episode.** A day lasts [`DAY_FRAMES`] frames (2.5 minutes at 60 Hz) and the sky passes
//! through day, overcast afternoon, dusk and night. If you have passed [`DAY_QUOTA`] cars (net) by
//! the end of a day, a new day starts with a new quota; otherwise the game is over. There are no
//! lives. A random agent plays one day (9,000 frames, 2,250 agent steps with frame skip 4).
//!
//! **Actions** (Enduro's minimal set, 9 in ALE; we keep the 7 that differ in effect, since here
//! DOWN brakes whether or not FIRE is held): NOOP, FIRE, RIGHT, LEFT, DOWN, RIGHTFIRE, LEFTFIRE.
//!
//! **Labels.** Every rectangle carries its CamVid class (sky, buildings, trees and grass, poles,
//! signs, fences, pavement, road and markings, cars, pedestrians, bicyclists); the HUD is void.
//! The same drawing code, with random parameters, makes segmentation data: see [`sampler`].

pub mod palette;
pub mod props;
pub mod sampler;
pub mod view;

use crate::game::{Action, Game, GameRng, SCREEN_W};
use crate::scene::{Class, Scene};
use palette::{DrivingPalette, TimeOfDay};
use props::{draw_car, draw_prop, Prop, PropKind};
use rand::RngExt;
use view::View;

/// Frames in one day.
pub const DAY_FRAMES: u32 = 9_000;
/// Net cars to pass in a day to keep racing.
pub const DAY_QUOTA: i64 = 60;

const HORIZON: f32 = 92.0;
const ROAD_BOTTOM: f32 = 178.0;
const HALF_ROAD: f32 = 60.0;
/// Depth of the player's car (its rear) from the camera.
const PLAYER_Z: f32 = 1.3;
const MAX_SPEED: f32 = 0.25;
const ACCEL: f32 = 0.0022;
const BRAKE: f32 = 0.008;
const COAST: f32 = 0.0006;
const STEER: f32 = 0.035;
/// Half the width of a car, world units.
const CAR_HALF_W: f32 = 0.25;
/// Depth extent of a car, world units.
const CAR_LEN: f32 = 0.6;
const CRASH_FRAMES: u32 = 30;
const N_CARS: usize = 6;
const N_PROPS: usize = 16;
/// Objects and cars further than this are not drawn.
const FAR: f32 = 60.0;
const LANES: [f32; 3] = [-0.6, 0.0, 0.6];
const ACTIONS: [Action; 7] = [
    Action::Noop,
    Action::Fire,
    Action::Right,
    Action::Left,
    Action::Down,
    Action::RightFire,
    Action::LeftFire,
];

#[derive(Debug, Clone, Copy, Default)]
struct Car {
    /// Position along the road (absolute, like `Driving::travelled`).
    pos: f32,
    lateral: f32,
    speed: f32,
    colour: u8,
}

/// The driving game. See the module documentation for the rules.
#[derive(Debug, Clone)]
pub struct Driving {
    travelled: f32,
    speed: f32,
    player_x: f32,
    crash_timer: u32,
    curve: f32,
    curve_target: f32,
    /// Road position where the current curve target changes.
    next_bend: f32,
    skyline_shift: f32,
    cars: [Car; N_CARS],
    /// Roadside objects, kept in order of position along the road (nearest first).
    props: [Prop; N_PROPS],
    frame_in_day: u32,
    day: u32,
    passed_today: i64,
    score: i64,
    over: bool,
}

impl Default for Driving {
    fn default() -> Self {
        let prop = Prop {
            kind: PropKind::Tree,
            z: 0.0,
            lateral: 2.0,
            size: 1.0,
            length: 0.0,
            variant: 0,
        };
        Driving {
            travelled: 0.0,
            speed: 0.0,
            player_x: 0.0,
            crash_timer: 0,
            curve: 0.0,
            curve_target: 0.0,
            next_bend: 50.0,
            skyline_shift: 0.0,
            cars: [Car::default(); N_CARS],
            props: [prop; N_PROPS],
            frame_in_day: 0,
            day: 0,
            passed_today: 0,
            score: 0,
            over: false,
        }
    }
}

impl Driving {
    /// The time of day now: day, overcast, dusk and night, each a quarter of [`DAY_FRAMES`].
    pub fn time_of_day(&self) -> TimeOfDay {
        TimeOfDay::ALL[(self.frame_in_day * 4 / DAY_FRAMES).min(3) as usize]
    }

    /// Current speed as a fraction of the top speed.
    pub fn speed_fraction(&self) -> f32 {
        self.speed / MAX_SPEED
    }

    /// Lateral position of the player's car (world units; the road edges are at ±1).
    pub fn player_x(&self) -> f32 {
        self.player_x
    }

    fn view(&self) -> View {
        View {
            horizon: HORIZON,
            bottom: ROAD_BOTTOM,
            center_x: SCREEN_W as f32 * 0.5,
            half_road: HALF_ROAD,
            curve: self.curve * 70.0,
            z_near: 1.0,
            lanes: 3,
            pavement_out: 1.3,
            travelled: self.travelled,
            row_height: 2.0,
        }
    }

    /// A new roadside object at absolute road position `pos`.
    fn random_prop(pos: f32, rng: &mut GameRng) -> Prop {
        let side = if rng.random_bool(0.5) { 1.0 } else { -1.0 };
        let roll = rng.random_range(0..100);
        let (kind, lateral, length) = match roll {
            0..30 => (PropKind::Tree, rng.random_range(1.6f32..2.6), 0.0),
            30..42 => (PropKind::Lamp, 1.35, 0.0),
            42..52 => (PropKind::Sign, 1.4, 0.0),
            52..66 => (PropKind::Fence, 1.5, rng.random_range(3.0f32..8.0)),
            66..78 => (PropKind::Pedestrian, rng.random_range(1.08f32..1.25), 0.0),
            78..88 => (PropKind::Bicyclist, 1.05, 0.0),
            _ => (
                PropKind::Building,
                rng.random_range(2.0f32..2.8),
                rng.random_range(3.0f32..6.0),
            ),
        };
        Prop {
            kind,
            z: pos,
            lateral: lateral * side,
            size: rng.random_range(0.85f32..1.2),
            length,
            variant: rng.random_range(0..8),
        }
    }

    fn spawn_car(&mut self, i: usize, rel: f32, rng: &mut GameRng) {
        let base = self.travelled + PLAYER_Z;
        // Prefer a lane with no car near the spawn point.
        let mut lane = rng.random_range(0..LANES.len());
        for _ in 0..LANES.len() {
            let busy =
                self.cars.iter().enumerate().any(|(j, c)| {
                    j != i && (c.lateral - LANES[lane]).abs() < 0.1 && (c.pos - (base + rel)).abs() < 4.0
                });
            if !busy {
                break;
            }
            lane = (lane + 1) % LANES.len();
        }
        self.cars[i] = Car {
            pos: base + rel,
            lateral: LANES[lane],
            speed: rng.random_range(0.35f32..0.65) * MAX_SPEED,
            // Colour 3 is the player's.
            colour: [0u8, 1, 2, 4][rng.random_range(0..4)],
        };
    }
}

impl Game for Driving {
    fn id(&self) -> &'static str {
        "driving"
    }
    fn minimal_actions(&self) -> &'static [Action] {
        &ACTIONS
    }
    fn reset(&mut self, rng: &mut GameRng) {
        *self = Driving::default();
        self.next_bend = rng.random_range(20.0f32..60.0);
        for i in 0..N_CARS {
            let rel = 8.0 + i as f32 * FAR / N_CARS as f32 + rng.random_range(0.0f32..4.0);
            self.spawn_car(i, rel, rng);
        }
        let mut pos = 1.0;
        for i in 0..N_PROPS {
            self.props[i] = Driving::random_prop(pos, rng);
            pos += rng.random_range(2.5f32..5.0) + self.props[i].length;
        }
    }

    fn tick(&mut self, action: Action, rng: &mut GameRng) -> f32 {
        if self.over {
            return 0.0;
        }
        // Throttle, brake and steering.
        if self.crash_timer > 0 {
            self.crash_timer -= 1;
            self.speed = (self.speed - BRAKE).max(0.0);
        } else if action.down() {
            self.speed = (self.speed - BRAKE).max(0.0);
        } else if action.fire() {
            self.speed = (self.speed + ACCEL).min(MAX_SPEED);
        } else {
            self.speed = (self.speed - COAST).max(0.0);
        }
        if self.speed > 0.0 {
            let steer = STEER * (0.4 + 0.6 * self.speed_fraction());
            if action.left() {
                self.player_x -= steer;
            }
            if action.right() {
                self.player_x += steer;
            }
        }
        self.player_x -= self.curve * self.speed * 0.1;
        self.player_x = self.player_x.clamp(-1.6, 1.6);
        if self.player_x.abs() > 1.0 - CAR_HALF_W * 0.5 {
            self.speed = self.speed.min(MAX_SPEED / 3.0);
        }
        self.travelled += self.speed;

        // The road bends: the curvature eases towards a target that changes every few segments.
        if self.travelled > self.next_bend {
            self.curve_target = [-1.0, -0.5, 0.0, 0.0, 0.5, 1.0][rng.random_range(0..6)];
            self.next_bend = self.travelled + rng.random_range(30.0f32..90.0);
        }
        self.curve += (self.curve_target - self.curve).clamp(-0.05, 0.05) * self.speed;
        self.skyline_shift = (self.skyline_shift - self.curve * self.speed * 6.0).rem_euclid(SCREEN_W as f32);

        // Other cars: move, crash, count passes, recycle.
        let player_pos = self.travelled + PLAYER_Z;
        let mut reward = 0.0;
        for i in 0..N_CARS {
            let before = self.cars[i].pos - (player_pos - self.speed);
            self.cars[i].pos += self.cars[i].speed;
            let mut rel = self.cars[i].pos - player_pos;
            if rel.abs() < CAR_LEN && (self.cars[i].lateral - self.player_x).abs() < 2.0 * CAR_HALF_W * 0.9 {
                self.speed = 0.0;
                self.crash_timer = CRASH_FRAMES;
                self.cars[i].pos = player_pos + CAR_LEN + 0.05;
                rel = CAR_LEN + 0.05;
            }
            if before > 0.0 && rel <= 0.0 {
                reward += 1.0;
            } else if before <= 0.0 && rel > 0.0 {
                reward -= 1.0;
            }
            if rel < -12.0 {
                self.spawn_car(i, FAR - rng.random_range(0.0f32..6.0), rng);
            } else if rel > FAR + 4.0 {
                self.spawn_car(i, -10.0, rng);
            }
        }

        // Roadside objects: bicyclists ride; objects passed by the camera reappear far ahead.
        for p in self.props.iter_mut() {
            if p.kind == PropKind::Bicyclist {
                p.z += 0.03;
            }
        }
        while self.props[0].z + self.props[0].length < self.travelled + 0.5 {
            let last = self.props[N_PROPS - 1];
            let pos = last.z.max(self.travelled + FAR * 0.8) + last.length + rng.random_range(2.5f32..5.0);
            self.props.rotate_left(1);
            self.props[N_PROPS - 1] = Driving::random_prop(pos, rng);
        }

        // The day's clock and quota.
        self.passed_today += reward as i64;
        self.score += reward as i64;
        self.frame_in_day += 1;
        if self.frame_in_day >= DAY_FRAMES {
            if self.passed_today >= DAY_QUOTA {
                self.day += 1;
                self.frame_in_day = 0;
                self.passed_today = 0;
            } else {
                self.over = true;
            }
        }
        reward
    }

    fn lives(&self) -> u32 {
        0
    }
    fn score(&self) -> i64 {
        self.score
    }
    fn game_over(&self) -> bool {
        self.over
    }

    fn draw(&self, scene: &mut Scene) {
        let pal = DrivingPalette::of(self.time_of_day());
        let view = self.view();
        let w = SCREEN_W as f32;
        scene.clear(pal.sky, Class::Sky);
        scene.rect_class(0.0, HORIZON - 14.0, w, 14.0, pal.sky_low, Class::Sky);
        // Far skyline: blocks of fixed heights, shifted sideways by the curves.
        for k in 0..8 {
            let x = (k as f32 * 20.0 + self.skyline_shift).rem_euclid(w + 20.0) - 20.0;
            let h = [10.0, 16.0, 7.0, 13.0, 19.0, 9.0, 14.0, 6.0][k];
            scene.rect_class(x, HORIZON - h, 17.0, h, pal.building[k % 3], Class::Building);
        }
        view.draw_ground(scene, &pal);

        // Objects and cars, far to near, so nearer ones paint over farther ones.
        let mut order = [(0.0f32, 0u8); N_PROPS + N_CARS];
        let mut n = 0;
        for (i, p) in self.props.iter().enumerate() {
            let z = p.z - self.travelled;
            if z + p.length > 0.5 && z < FAR {
                order[n] = (z, i as u8);
                n += 1;
            }
        }
        for (i, c) in self.cars.iter().enumerate() {
            let z = c.pos - self.travelled;
            if z > 0.6 && z < FAR {
                order[n] = (z, (N_PROPS + i) as u8);
                n += 1;
            }
        }
        let order = &mut order[..n];
        order.sort_unstable_by(|a, b| b.0.total_cmp(&a.0));
        for &(z, i) in order.iter() {
            let i = i as usize;
            if i < N_PROPS {
                draw_prop(scene, &view, &pal, &Prop { z, ..self.props[i] });
            } else {
                let car = &self.cars[i - N_PROPS];
                let prop = Prop {
                    kind: PropKind::Car,
                    z,
                    lateral: car.lateral,
                    size: 1.0,
                    length: 0.0,
                    variant: car.colour,
                };
                draw_prop(scene, &view, &pal, &prop);
            }
        }

        // The player's car; it shakes sideways after a crash.
        if let Some(p) = view.project(PLAYER_Z, self.player_x) {
            let shake = if self.crash_timer % 4 >= 2 { 1.5 } else { 0.0 };
            draw_car(scene, p.x + shake, p.y, p.scale, pal.car[3], &pal);
        }

        // HUD (void): cars still to pass today and the day number.
        scene.rect(0.0, ROAD_BOTTOM, w, SCREEN_H_F - ROAD_BOTTOM, [24, 24, 24]);
        let left = (DAY_QUOTA - self.passed_today).max(0);
        let mut hud = *b"000 DAY0";
        for (k, digit) in [left / 100 % 10, left / 10 % 10, left % 10].into_iter().enumerate() {
            hud[k] = b'0' + digit as u8;
        }
        hud[7] = b'0' + ((self.day + 1) % 10) as u8;
        let hud = std::str::from_utf8(&hud).unwrap_or("");
        scene.text(40.0, 186.0, hud, [220, 200, 90], 1.0);
        let bar = 100.0 * self.speed_fraction();
        scene.rect(30.0, 200.0, bar, 3.0, [200, 72, 72]);
    }

    fn uses_fire_to_start(&self) -> bool {
        false
    }
}

const SCREEN_H_F: f32 = crate::game::SCREEN_H as f32;
