//! Data augmentation for segmentation (book ch. 8.1.2): random horizontal flip, random crop with
//! scaling, and colour jitter. The geometry (flip and crop window) is drawn once per sample and
//! applied alike to the image (bilinear) and to the label (nearest), so they stay aligned; colour
//! jitter touches the image only.

use envs::game::GameRng;
use rand::RngExt;
use serde::{Deserialize, Serialize};

/// Which augmentations run, and how strong they are. Every field has a default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, config_doc::ConfigDoc)]
#[serde(default)]
pub struct AugmentConfig {
    /// Mirror left–right with probability 1/2 (default true).
    pub hflip: bool,
    /// Crop a random window and scale it back to the full size (default true).
    pub crop: bool,
    /// Largest zoom of the crop window: the window is `1/s` of each side, `s` uniform in
    /// `1..=max_zoom` (default 1.5).
    pub max_zoom: f32,
    /// Random brightness, contrast and saturation (default true).
    pub color_jitter: bool,
    /// Brightness factor in `1 ± brightness` (default 0.25).
    pub brightness: f32,
    /// Contrast factor in `1 ± contrast` (default 0.25).
    pub contrast: f32,
    /// Saturation factor in `1 ± saturation` (default 0.25).
    pub saturation: f32,
}

impl Default for AugmentConfig {
    fn default() -> Self {
        AugmentConfig {
            hflip: true,
            crop: true,
            max_zoom: 1.5,
            color_jitter: true,
            brightness: 0.25,
            contrast: 0.25,
            saturation: 0.25,
        }
    }
}

impl AugmentConfig {
    /// No augmentation at all (for validation and tests).
    pub fn none() -> Self {
        AugmentConfig {
            hflip: false,
            crop: false,
            color_jitter: false,
            ..Self::default()
        }
    }
}

/// A source window, in source pixels, and whether to mirror it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Geometry {
    /// Left edge of the window.
    pub x0: f32,
    /// Top edge of the window.
    pub y0: f32,
    /// Window width.
    pub w: f32,
    /// Window height.
    pub h: f32,
    /// Mirror left–right.
    pub flip: bool,
}

impl Geometry {
    /// The whole `width × height` source, unflipped.
    pub fn full(width: usize, height: usize) -> Self {
        Geometry {
            x0: 0.0,
            y0: 0.0,
            w: width as f32,
            h: height as f32,
            flip: false,
        }
    }

    /// A random geometry for a `width × height` source under `cfg`.
    pub fn random(cfg: &AugmentConfig, width: usize, height: usize, rng: &mut GameRng) -> Self {
        let mut g = Geometry::full(width, height);
        if cfg.crop && cfg.max_zoom > 1.0 {
            let zoom = rng.random_range(1.0..=cfg.max_zoom);
            g.w = width as f32 / zoom;
            g.h = height as f32 / zoom;
            g.x0 = rng.random_range(0.0..=width as f32 - g.w);
            g.y0 = rng.random_range(0.0..=height as f32 - g.h);
        }
        g.flip = cfg.hflip && rng.random_bool(0.5);
        g
    }

    /// Source coordinate of output column `x` (of `out_w`), before clamping.
    #[inline]
    fn src_x(&self, x: usize, out_w: usize) -> f32 {
        let x = if self.flip { out_w - 1 - x } else { x };
        self.x0 + (x as f32 + 0.5) * self.w / out_w as f32 - 0.5
    }

    #[inline]
    fn src_y(&self, y: usize, out_h: usize) -> f32 {
        self.y0 + (y as f32 + 0.5) * self.h / out_h as f32 - 0.5
    }
}

/// Bilinear resample of an RGB `sw × sh` image through `geom` to `out_w × out_h`.
pub fn resample_rgb(src: &[u8], sw: usize, sh: usize, geom: &Geometry, out_w: usize, out_h: usize) -> Vec<u8> {
    let mut out = vec![0u8; out_w * out_h * 3];
    let cols: Vec<(usize, usize, f32)> = (0..out_w)
        .map(|x| {
            let fx = geom.src_x(x, out_w).clamp(0.0, (sw - 1) as f32);
            let x0 = fx.floor() as usize;
            (x0, (x0 + 1).min(sw - 1), fx - x0 as f32)
        })
        .collect();
    for y in 0..out_h {
        let fy = geom.src_y(y, out_h).clamp(0.0, (sh - 1) as f32);
        let y0 = fy.floor() as usize;
        let (y1, ty) = ((y0 + 1).min(sh - 1), fy - y0 as f32);
        let (r0, r1) = (
            &src[y0 * sw * 3..(y0 + 1) * sw * 3],
            &src[y1 * sw * 3..(y1 + 1) * sw * 3],
        );
        for (x, &(x0, x1, tx)) in cols.iter().enumerate() {
            for c in 0..3 {
                let top = r0[x0 * 3 + c] as f32 * (1.0 - tx) + r0[x1 * 3 + c] as f32 * tx;
                let bottom = r1[x0 * 3 + c] as f32 * (1.0 - tx) + r1[x1 * 3 + c] as f32 * tx;
                out[(y * out_w + x) * 3 + c] = (top * (1.0 - ty) + bottom * ty + 0.5) as u8;
            }
        }
    }
    out
}

/// Nearest-neighbour resample of a one-channel `sw × sh` map through `geom` to `out_w × out_h`.
pub fn resample_nearest(src: &[u8], sw: usize, sh: usize, geom: &Geometry, out_w: usize, out_h: usize) -> Vec<u8> {
    let cols: Vec<usize> = (0..out_w)
        .map(|x| (geom.src_x(x, out_w) + 0.5).floor().clamp(0.0, (sw - 1) as f32) as usize)
        .collect();
    let mut out = Vec::with_capacity(out_w * out_h);
    for y in 0..out_h {
        let sy = (geom.src_y(y, out_h) + 0.5).floor().clamp(0.0, (sh - 1) as f32) as usize;
        let row = &src[sy * sw..(sy + 1) * sw];
        out.extend(cols.iter().map(|&sx| row[sx]));
    }
    out
}

/// Colour-jitter factors for one sample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Jitter {
    /// Multiplies every value.
    pub brightness: f32,
    /// Scales the distance from the image's mean gray.
    pub contrast: f32,
    /// Scales each pixel's distance from its own gray.
    pub saturation: f32,
}

impl Jitter {
    /// No change.
    pub const NONE: Jitter = Jitter {
        brightness: 1.0,
        contrast: 1.0,
        saturation: 1.0,
    };

    /// Random factors under `cfg` (no change when jitter is off).
    pub fn random(cfg: &AugmentConfig, rng: &mut GameRng) -> Self {
        if !cfg.color_jitter {
            return Jitter::NONE;
        }
        let mut f = |a: f32| {
            if a > 0.0 {
                rng.random_range(1.0 - a..=1.0 + a)
            } else {
                1.0
            }
        };
        Jitter {
            brightness: f(cfg.brightness),
            contrast: f(cfg.contrast),
            saturation: f(cfg.saturation),
        }
    }

    /// Applies the jitter to RGB values in place.
    pub fn apply(&self, rgb: &mut [u8]) {
        if *self == Jitter::NONE {
            return;
        }
        let gray = |p: &[u8]| 0.299 * p[0] as f32 + 0.587 * p[1] as f32 + 0.114 * p[2] as f32;
        let n = (rgb.len() / 3).max(1) as f32;
        let mean = rgb.chunks_exact(3).map(gray).sum::<f32>() / n;
        for p in rgb.chunks_exact_mut(3) {
            let g = gray(p);
            for v in p.iter_mut() {
                let s = g + (*v as f32 - g) * self.saturation;
                let c = mean + (s - mean) * self.contrast;
                *v = (c * self.brightness).round().clamp(0.0, 255.0) as u8;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn identity_geometry_copies() {
        let rgb: Vec<u8> = (0..4 * 3 * 3).map(|v| v as u8).collect();
        let g = Geometry::full(4, 3);
        assert_eq!(resample_rgb(&rgb, 4, 3, &g, 4, 3), rgb);
        let lab: Vec<u8> = (0..12).collect();
        assert_eq!(resample_nearest(&lab, 4, 3, &g, 4, 3), lab);
    }

    #[test]
    fn flip_mirrors_image_and_label_alike() {
        let lab: Vec<u8> = vec![0, 1, 2, 3, 4, 5];
        let rgb: Vec<u8> = lab.iter().flat_map(|&v| [v * 10, v * 10, v * 10]).collect();
        let g = Geometry {
            flip: true,
            ..Geometry::full(3, 2)
        };
        assert_eq!(resample_nearest(&lab, 3, 2, &g, 3, 2), [2, 1, 0, 5, 4, 3]);
        let img = resample_rgb(&rgb, 3, 2, &g, 3, 2);
        assert_eq!(img.chunks(3).map(|p| p[0] / 10).collect::<Vec<_>>(), [2, 1, 0, 5, 4, 3]);
    }

    #[test]
    fn crop_keeps_image_and_label_aligned() {
        // An image whose colour encodes its class: any geometry must keep them in step where the
        // bilinear weights do not mix classes (away from class borders).
        let (w, h) = (40, 30);
        let lab: Vec<u8> = (0..w * h).map(|i| ((i % w) / 10 + 4 * ((i / w) / 10)) as u8).collect();
        let rgb: Vec<u8> = lab.iter().flat_map(|&v| [v * 20, 0, 0]).collect();
        let cfg = AugmentConfig {
            max_zoom: 2.0,
            ..AugmentConfig::default()
        };
        let mut rng = GameRng::seed_from_u64(4);
        for _ in 0..20 {
            let g = Geometry::random(&cfg, w, h, &mut rng);
            let (l, i) = (
                resample_nearest(&lab, w, h, &g, 20, 15),
                resample_rgb(&rgb, w, h, &g, 20, 15),
            );
            let agree = l.iter().zip(i.chunks(3)).filter(|(a, p)| **a * 20 == p[0]).count();
            assert!(agree * 10 >= l.len() * 7, "only {agree} of {} pixels agree", l.len());
        }
    }

    #[test]
    fn jitter_off_is_identity_and_on_changes_values() {
        let mut rng = GameRng::seed_from_u64(1);
        assert_eq!(Jitter::random(&AugmentConfig::none(), &mut rng), Jitter::NONE);
        let mut px = vec![100u8, 150, 200, 20, 40, 60];
        let j = Jitter {
            brightness: 1.2,
            contrast: 1.0,
            saturation: 1.0,
        };
        j.apply(&mut px);
        assert_eq!(px, [120, 180, 240, 24, 48, 72]);
    }
}
