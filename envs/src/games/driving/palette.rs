//! Colours of the driving scenes: one palette per time of day, and per-object colour jitter for
//! the segmentation sampler's domain randomisation.

use crate::game::GameRng;
use crate::palette::Rgb;
use rand::RngExt;

/// Time of day, which picks the palette. The game cycles through them over a day; the sampler
/// draws one at random.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeOfDay {
    /// Bright day: blue sky, green verges.
    Day,
    /// Grey, low-contrast daylight.
    Overcast,
    /// Orange sky, warm and darker colours.
    Dusk,
    /// Dark sky and dim objects.
    Night,
}

impl TimeOfDay {
    /// Every time of day.
    pub const ALL: [TimeOfDay; 4] = [TimeOfDay::Day, TimeOfDay::Overcast, TimeOfDay::Dusk, TimeOfDay::Night];
}

/// Every colour a driving scene uses. Colours differ from class to class only by choice: labels
/// come from the drawn rectangles, never from colours.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DrivingPalette {
    /// Sky (upper part).
    pub sky: Rgb,
    /// Sky band just above the horizon.
    pub sky_low: Rgb,
    /// Grass and bushes beyond the pavement (class Tree: CamVid's Tree includes vegetation).
    pub grass: Rgb,
    /// Asphalt, two alternating shades for the sense of speed.
    pub road: [Rgb; 2],
    /// Lane markings.
    pub marking: Rgb,
    /// Pavement (kerb stones alternate between the two shades).
    pub pavement: [Rgb; 2],
    /// Building walls.
    pub building: [Rgb; 3],
    /// Building windows.
    pub window: Rgb,
    /// Tree crowns.
    pub crown: [Rgb; 2],
    /// Tree trunks.
    pub trunk: Rgb,
    /// Poles and lamp posts.
    pub pole: Rgb,
    /// Sign boards and the symbol on them.
    pub sign: [Rgb; 2],
    /// Fence rails and posts.
    pub fence: [Rgb; 2],
    /// Car bodies.
    pub car: [Rgb; 5],
    /// Car windows and tyres.
    pub car_dark: Rgb,
    /// Tail lights.
    pub taillight: Rgb,
    /// Clothes of pedestrians and riders.
    pub clothes: [Rgb; 4],
    /// Skin.
    pub skin: Rgb,
    /// Bicycle frames and wheels.
    pub bike: Rgb,
}

impl DrivingPalette {
    /// The base palette of a time of day.
    pub fn of(time: TimeOfDay) -> Self {
        let day = DrivingPalette {
            sky: [84, 138, 210],
            sky_low: [150, 186, 226],
            grass: [72, 150, 60],
            road: [[104, 104, 108], [96, 96, 100]],
            marking: [230, 230, 220],
            pavement: [[170, 166, 156], [150, 146, 138]],
            building: [[176, 120, 96], [200, 188, 160], [140, 140, 150]],
            window: [60, 80, 110],
            crown: [[40, 110, 40], [62, 132, 48]],
            trunk: [110, 74, 40],
            pole: [90, 90, 96],
            sign: [[40, 80, 200], [240, 240, 240]],
            fence: [[150, 110, 70], [120, 86, 54]],
            car: [
                [200, 60, 60],
                [220, 220, 220],
                [40, 60, 150],
                [230, 200, 60],
                [30, 30, 34],
            ],
            car_dark: [34, 38, 46],
            taillight: [255, 40, 40],
            clothes: [[200, 50, 50], [50, 70, 160], [60, 60, 60], [230, 180, 40]],
            skin: [224, 172, 140],
            bike: [40, 40, 40],
        };
        match time {
            TimeOfDay::Day => day,
            TimeOfDay::Overcast => {
                let mut p = day.map(|c| mix(c, [150, 150, 150], 0.35));
                p.sky = [176, 178, 182];
                p.sky_low = [196, 198, 200];
                p
            }
            TimeOfDay::Dusk => {
                let mut p = day.map(|c| scale(mix(c, [220, 120, 60], 0.2), 0.7));
                p.sky = [120, 70, 110];
                p.sky_low = [236, 140, 70];
                p.taillight = [255, 40, 40];
                p
            }
            TimeOfDay::Night => {
                let mut p = day.map(|c| scale(mix(c, [40, 40, 90], 0.3), 0.35));
                p.sky = [10, 12, 36];
                p.sky_low = [26, 28, 60];
                p.marking = [150, 150, 140];
                p.window = [220, 200, 110];
                p.taillight = [255, 30, 30];
                p
            }
        }
    }

    /// Applies `f` to every colour.
    pub fn map(&self, f: impl Fn(Rgb) -> Rgb) -> Self {
        let m = |a: &[Rgb]| a.iter().map(|c| f(*c)).collect::<Vec<_>>();
        let arr2 = |a: &[Rgb; 2]| {
            let v = m(a);
            [v[0], v[1]]
        };
        let c = m(&self.car);
        let cl = m(&self.clothes);
        let b = m(&self.building);
        DrivingPalette {
            sky: f(self.sky),
            sky_low: f(self.sky_low),
            grass: f(self.grass),
            road: arr2(&self.road),
            marking: f(self.marking),
            pavement: arr2(&self.pavement),
            building: [b[0], b[1], b[2]],
            window: f(self.window),
            crown: arr2(&self.crown),
            trunk: f(self.trunk),
            pole: f(self.pole),
            sign: arr2(&self.sign),
            fence: arr2(&self.fence),
            car: [c[0], c[1], c[2], c[3], c[4]],
            car_dark: f(self.car_dark),
            taillight: f(self.taillight),
            clothes: [cl[0], cl[1], cl[2], cl[3]],
            skin: f(self.skin),
            bike: f(self.bike),
        }
    }

    /// Domain randomisation: every colour gets its own random offset of up to ±`amount` per
    /// channel, and the whole palette a random brightness in `1 ± amount/255`.
    pub fn jittered(&self, rng: &mut GameRng, amount: u8) -> Self {
        let a = amount as i32;
        let gain = 1.0 + rng.random_range(-a..=a) as f32 / 255.0;
        // A Fn closure cannot borrow the rng mutably, so draw the offsets first.
        let offsets: Vec<[i32; 3]> = (0..40)
            .map(|_| {
                [
                    rng.random_range(-a..=a),
                    rng.random_range(-a..=a),
                    rng.random_range(-a..=a),
                ]
            })
            .collect();
        let counter = std::cell::Cell::new(0usize);
        self.map(|c| {
            let o = offsets[counter.get() % offsets.len()];
            counter.set(counter.get() + 1);
            let ch = |i: usize| ((c[i] as f32 * gain) as i32 + o[i]).clamp(0, 255) as u8;
            [ch(0), ch(1), ch(2)]
        })
    }
}

/// `a + (b − a)·t`, per channel.
pub fn mix(a: Rgb, b: Rgb, t: f32) -> Rgb {
    let ch = |i: usize| {
        (a[i] as f32 + (b[i] as f32 - a[i] as f32) * t)
            .round()
            .clamp(0.0, 255.0) as u8
    };
    [ch(0), ch(1), ch(2)]
}

/// `c·k`, per channel.
pub fn scale(c: Rgb, k: f32) -> Rgb {
    let ch = |i: usize| (c[i] as f32 * k).round().clamp(0.0, 255.0) as u8;
    [ch(0), ch(1), ch(2)]
}
