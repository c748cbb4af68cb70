//! [`Scene`]: what a game draws, as a display list of coloured, labelled rectangles.
//!
//! Every game describes its picture once, in its own logical coordinates (160×210 for the
//! Atari-like games), and the scene rasterises it three ways:
//! - [`Scene::render_rgb`]: the full RGB picture, at any size (pixel-centre sampling);
//! - [`Scene::render_gray`]: straight into a small gray buffer with exact area coverage, which
//!   equals an area-averaging resize of the gray full picture. This is the observation fast path:
//!   no full-size frame is ever drawn when only the observation is needed;
//! - [`Scene::render_labels`]: a per-pixel class map (CamVid ids), for segmentation data.
//!
//! Rectangles are painted in order, later over earlier. Nothing here allocates once the display
//! list has grown to its working size.

use crate::font;
use crate::palette::{luminance, Rgb};

pub use crate::class::Class;

/// One filled rectangle, `[x0, x1) × [y0, y1)` in the scene's logical coordinates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub x0: f32,
    pub y0: f32,
    pub x1: f32,
    pub y1: f32,
    pub rgb: Rgb,
    /// BT.601 luminance of `rgb`, computed once when the rectangle is added.
    pub gray: u8,
    pub class: Class,
}

/// A display list: a background and rectangles painted in order.
#[derive(Debug, Clone)]
pub struct Scene {
    width: f32,
    height: f32,
    background: Rgb,
    background_class: Class,
    rects: Vec<Rect>,
    /// Gray rasters draw shapes thinner than a pixel as one pixel wide or tall.
    widen_thin: bool,
}

impl Scene {
    /// An empty scene with logical size `width × height`.
    pub fn new(width: f32, height: f32) -> Self {
        Scene {
            width,
            height,
            background: [0, 0, 0],
            background_class: Class::Void,
            rects: Vec::with_capacity(256),
            widen_thin: false,
        }
    }

    /// Makes the gray rasters ([`Scene::render_gray`], [`Scene::render_gray_cached`]) draw a
    /// rectangle narrower (or shorter) than one output pixel with the coverage of a full pixel,
    /// spread over the pixels it touches: at small sizes, thin shots keep their brightness.
    pub fn set_widen_thin(&mut self, on: bool) {
        self.widen_thin = on;
    }

    /// Logical width.
    pub fn width(&self) -> f32 {
        self.width
    }
    /// Logical height.
    pub fn height(&self) -> f32 {
        self.height
    }
    /// The rectangles drawn so far.
    pub fn rects(&self) -> &[Rect] {
        &self.rects
    }

    /// Empties the display list and sets the background colour and class.
    pub fn clear(&mut self, background: Rgb, class: Class) {
        self.background = background;
        self.background_class = class;
        self.rects.clear();
    }

    /// Adds a void-labelled rectangle at `(x, y)` of size `w × h`.
    #[inline]
    pub fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, rgb: Rgb) {
        self.rect_class(x, y, w, h, rgb, Class::Void);
    }

    /// Adds a rectangle with a semantic class. Empty or inverted rectangles are skipped.
    #[inline]
    pub fn rect_class(&mut self, x: f32, y: f32, w: f32, h: f32, rgb: Rgb, class: Class) {
        let (x0, y0) = (x.max(0.0), y.max(0.0));
        let (x1, y1) = ((x + w).min(self.width), (y + h).min(self.height));
        if x1 > x0 && y1 > y0 {
            self.rects.push(Rect {
                x0,
                y0,
                x1,
                y1,
                rgb,
                gray: luminance(rgb),
                class,
            });
        }
    }

    /// Adds a bitmap sprite: each row is a bit mask (bit `width-1` is the leftmost pixel), each
    /// set bit a `px_w × px_h` block. Runs of set bits become one rectangle.
    #[allow(clippy::too_many_arguments)]
    pub fn sprite(&mut self, x: f32, y: f32, rows: &[u16], width: u32, px_w: f32, px_h: f32, rgb: Rgb, class: Class) {
        for (r, bits) in rows.iter().enumerate() {
            let mut col = 0;
            while col < width {
                if bits & (1 << (width - 1 - col)) != 0 {
                    let start = col;
                    while col < width && bits & (1 << (width - 1 - col)) != 0 {
                        col += 1;
                    }
                    let ry = y + r as f32 * px_h;
                    self.rect_class(
                        x + start as f32 * px_w,
                        ry,
                        (col - start) as f32 * px_w,
                        px_h,
                        rgb,
                        class,
                    );
                } else {
                    col += 1;
                }
            }
        }
    }

    /// Adds text in the 5×7 font, each font pixel `scale × scale` logical units.
    pub fn text(&mut self, x: f32, y: f32, text: &str, rgb: Rgb, scale: f32) {
        for (i, c) in text.chars().enumerate() {
            let rows = font::glyph(c).map(|b| b as u16);
            let gx = x + (i * font::ADVANCE) as f32 * scale;
            self.sprite(gx, y, &rows, font::GLYPH_W as u32, scale, scale, rgb, Class::Void);
        }
    }

    /// Rasterises to an RGB frame of any size: a pixel takes the colour of the last rectangle that
    /// contains its centre. At the logical size with integer coordinates this is exact.
    pub fn render_rgb(&self, frame: &mut crate::Frame) {
        frame.fill(self.background);
        let (sx, sy) = (frame.width as f32 / self.width, frame.height as f32 / self.height);
        for r in &self.rects {
            let (px0, px1) = centre_span(r.x0 * sx, r.x1 * sx, frame.width);
            let (py0, py1) = centre_span(r.y0 * sy, r.y1 * sy, frame.height);
            for py in py0..py1 {
                let row = &mut frame.data[(py * frame.width + px0) * 3..(py * frame.width + px1) * 3];
                for px in row.chunks_exact_mut(3) {
                    px.copy_from_slice(&r.rgb);
                }
            }
        }
    }

    /// Rasterises the class map at `width × height`, with the same pixel-centre rule as
    /// [`Scene::render_rgb`], so labels and picture line up exactly.
    pub fn render_labels(&self, out: &mut [u8], width: usize, height: usize) {
        assert_eq!(out.len(), width * height, "label buffer has the wrong size");
        out.fill(self.background_class as u8);
        let (sx, sy) = (width as f32 / self.width, height as f32 / self.height);
        for r in &self.rects {
            let (px0, px1) = centre_span(r.x0 * sx, r.x1 * sx, width);
            let (py0, py1) = centre_span(r.y0 * sy, r.y1 * sy, height);
            for py in py0..py1 {
                out[py * width + px0..py * width + px1].fill(r.class as u8);
            }
        }
    }

    /// Rasterises straight to a `width × height` gray buffer with area coverage: a partly covered
    /// pixel takes the covered fraction of the rectangle's gray. This equals an area-averaging
    /// resize of the gray full-size picture where rectangles only touch inside an output pixel
    /// (e.g. adjacent brick rows), and where a rectangle is painted over a pixel that earlier ones
    /// cover fully; other partial overlaps are blended approximately.
    ///
    /// Fixed-point (1/256 pixel) integer arithmetic; a per-thread coverage buffer remembers how
    /// much of each pixel is already painted, so nothing allocates after the first call.
    pub fn render_gray(&self, out: &mut [u8], width: usize, height: usize) {
        assert_eq!(out.len(), width * height, "gray buffer has the wrong size");
        COVERAGE.with(|cov| {
            let mut cov = cov.borrow_mut();
            cov.clear();
            cov.resize(width * height, 0);
            out.fill(luminance(self.background));
            self.paint_gray(&self.rects, out, &mut cov, width, height);
        });
    }

    /// [`Scene::render_gray`] that reuses the raster of the display list's unchanged beginning.
    ///
    /// Games draw the static parts first (score, walls, bricks) and the moving sprites last, so
    /// consecutive frames share a long prefix of rectangles. `cache` keeps the gray and coverage
    /// buffers after such a prefix; a later call whose list starts with the same rectangles copies
    /// them and paints only the rest. The result is identical to `render_gray`.
    pub fn render_gray_cached(&self, cache: &mut GrayCache, out: &mut [u8], width: usize, height: usize) {
        assert_eq!(out.len(), width * height, "gray buffer has the wrong size");
        let same_canvas =
            cache.size == (width, height) && cache.background == self.background && cache.widen_thin == self.widen_thin;
        let matches = |cached: &[Rect]| -> usize {
            if !same_canvas {
                return 0;
            }
            cached.iter().zip(&self.rects).take_while(|(a, b)| a == b).count()
        };
        let k = cache.prefix.len();
        let with_prefix = matches(&cache.prefix);
        let with_previous = matches(&cache.previous);
        cache.cov.resize(width * height, 0);
        if k > 0 && with_prefix == k && with_previous < k + 4 {
            out.copy_from_slice(&cache.gray);
            // Only the rows the last frame's sprites touched differ from the checkpoint.
            let rows = cache.dirty_rows.0 * width..cache.dirty_rows.1 * width;
            cache.cov[rows.clone()].copy_from_slice(&cache.cov_prefix[rows]);
            cache.dirty_rows = self.paint_gray(&self.rects[k..], out, &mut cache.cov, width, height);
        } else {
            // Checkpoint after the prefix shared with the previous frame.
            let m = with_previous;
            out.fill(luminance(self.background));
            cache.cov.fill(0);
            self.paint_gray(&self.rects[..m], out, &mut cache.cov, width, height);
            cache.prefix.clear();
            cache.prefix.extend_from_slice(&self.rects[..m]);
            cache.gray.clear();
            cache.gray.extend_from_slice(out);
            cache.cov_prefix.clear();
            cache.cov_prefix.extend_from_slice(&cache.cov);
            cache.dirty_rows = self.paint_gray(&self.rects[m..], out, &mut cache.cov, width, height);
        }
        cache.size = (width, height);
        cache.background = self.background;
        cache.widen_thin = self.widen_thin;
        cache.previous.clear();
        cache.previous.extend_from_slice(&self.rects);
    }

    /// Paints `rects` over `out` with area coverage, tracking painted coverage in `cov`. Returns
    /// the range of rows it touched.
    fn paint_gray(
        &self,
        rects: &[Rect],
        out: &mut [u8],
        cov: &mut [u16],
        width: usize,
        height: usize,
    ) -> (usize, usize) {
        let mut touched = (height, 0);
        let bg = luminance(self.background) as i32;
        let (sx, sy) = (width as f32 * 256.0 / self.width, height as f32 * 256.0 / self.height);
        let (wmax, hmax) = ((width * 256) as i32, (height * 256) as i32);
        for r in rects {
            let fx0 = ((r.x0 * sx + 0.5) as i32).clamp(0, wmax);
            let fx1 = ((r.x1 * sx + 0.5) as i32).clamp(0, wmax);
            let fy0 = ((r.y0 * sy + 0.5) as i32).clamp(0, hmax);
            let fy1 = ((r.y1 * sy + 0.5) as i32).clamp(0, hmax);
            if fx1 <= fx0 || fy1 <= fy0 {
                continue;
            }
            let g = r.gray as i32;
            let (cx0, cx1) = ((fx0 >> 8) as usize, ((fx1 + 255) >> 8) as usize);
            let (cy0, cy1) = ((fy0 >> 8) as usize, ((fy1 + 255) >> 8) as usize);
            touched = (touched.0.min(cy0), touched.1.max(cy1));
            // Coverage (0..=256) of the first and last column; the columns between are full.
            let (wx, wy) = (fx1 - fx0, fy1 - fy0);
            let widen = |c: i32, w: i32| {
                if self.widen_thin && w < 256 {
                    (c * 256 / w).min(256)
                } else {
                    c
                }
            };
            let first_x = widen(span_cover(fx0, fx1, cx0 as i32), wx);
            let last_x = widen(span_cover(fx0, fx1, cx1 as i32 - 1), wx);
            for py in cy0..cy1 {
                let cov_y = widen(span_cover(fy0, fy1, py as i32), wy);
                let row = &mut out[py * width + cx0..py * width + cx1];
                let crow = &mut cov[py * width + cx0..py * width + cx1];
                let n = row.len();
                if n == 1 {
                    paint(&mut row[0], &mut crow[0], g, bg, (first_x.min(last_x) * cov_y) >> 8);
                    continue;
                }
                paint(&mut row[0], &mut crow[0], g, bg, (first_x * cov_y) >> 8);
                paint(&mut row[n - 1], &mut crow[n - 1], g, bg, (last_x * cov_y) >> 8);
                if cov_y == 256 {
                    row[1..n - 1].fill(g as u8);
                    crow[1..n - 1].fill(256);
                } else {
                    // The same rule as `paint`, branch-free so that it vectorises.
                    for (p, q) in row[1..n - 1].iter_mut().zip(&mut crow[1..n - 1]) {
                        let (pi, qi) = (*p as i32, *q as i32);
                        let under = if qi + cov_y <= 258 { bg } else { pi };
                        *p = (pi + (((g - under) * cov_y + 128) >> 8)).clamp(0, 255) as u8;
                        *q = (qi + cov_y).min(256) as u16;
                    }
                }
            }
        }
        (touched.0.min(touched.1), touched.1)
    }
}

/// The reusable raster of a display-list prefix, for [`Scene::render_gray_cached`].
#[derive(Debug, Clone, Default)]
pub struct GrayCache {
    size: (usize, usize),
    background: Rgb,
    /// The [`Scene::set_widen_thin`] setting the raster was painted with.
    widen_thin: bool,
    prefix: Vec<Rect>,
    gray: Vec<u8>,
    cov_prefix: Vec<u16>,
    cov: Vec<u16>,
    /// Rows of `cov` painted since it equalled `cov_prefix`.
    dirty_rows: (usize, usize),
    previous: Vec<Rect>,
}

thread_local! {
    /// Per-pixel painted coverage (0..=256) for `render_gray`, reused between calls.
    static COVERAGE: std::cell::RefCell<Vec<u16>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Coverage (0..=256) of pixel `p` by the fixed-point span `[f0, f1)`.
#[inline]
fn span_cover(f0: i32, f1: i32, p: i32) -> i32 {
    (f1.min((p + 1) << 8) - f0.max(p << 8)).clamp(0, 256)
}

/// Paints gray `g` over a pixel with coverage `c` (0..=256). While the pixel's painted coverage
/// `q` leaves room, the new part replaces background (exact for rectangles that only touch);
/// otherwise it is blended over the current value (exact over a fully painted pixel).
#[inline]
fn paint(p: &mut u8, q: &mut u16, g: i32, bg: i32, c: i32) {
    if c >= 256 {
        *p = g as u8;
        *q = 256;
    } else if c > 0 {
        let under = if *q as i32 + c <= 258 { bg } else { *p as i32 };
        *p = (*p as i32 + (((g - under) * c + 128) >> 8)).clamp(0, 255) as u8;
        *q = (*q as i32 + c).min(256) as u16;
    }
}

/// The pixels `[p0, p1)` whose centres lie in `[a, b)`, clipped to `0..limit`.
#[inline]
fn centre_span(a: f32, b: f32, limit: usize) -> (usize, usize) {
    let p0 = ((a - 0.5).ceil().max(0.0) as usize).min(limit);
    let p1 = ((b - 0.5).ceil().max(0.0) as usize).min(limit);
    (p0, p1.max(p0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::{resize_gray_area, Frame};

    #[test]
    fn integer_rects_render_exactly_at_logical_size() {
        let mut s = Scene::new(8.0, 4.0);
        s.clear([0, 0, 0], Class::Sky);
        s.rect_class(2.0, 1.0, 3.0, 2.0, [255, 0, 0], Class::Car);
        let mut f = Frame::new(8, 4);
        s.render_rgb(&mut f);
        let mut labels = vec![0u8; 32];
        s.render_labels(&mut labels, 8, 4);
        for y in 0..4 {
            for x in 0..8 {
                let inside = (2..5).contains(&x) && (1..3).contains(&y);
                assert_eq!(f.pixel(x, y), if inside { [255, 0, 0] } else { [0, 0, 0] });
                assert_eq!(labels[y * 8 + x], if inside { 8 } else { 0 });
            }
        }
    }

    #[test]
    fn cached_gray_render_equals_plain_render() {
        let mut cache = GrayCache::default();
        let mut s = Scene::new(160.0, 210.0);
        for t in 0..40 {
            s.clear([20, 30, 40], Class::Void);
            // A static prefix that changes now and then, then moving sprites.
            s.rect(0.0, 17.0, 160.0, 8.0, [142, 142, 142]);
            s.rect(8.0 + (t / 10) as f32, 57.0, 144.0, 6.0, [200, 72, 72]);
            s.rect(8.0, 63.0, 144.0, 6.0, [66, 72, 200]);
            s.rect(3.3 * t as f32, 100.0 + 1.7 * t as f32, 2.0, 4.0, [255, 255, 255]);
            s.rect(60.0 + t as f32, 61.5, 9.0, 3.0, [0, 200, 0]);
            let mut plain = vec![0u8; 84 * 84];
            let mut cached = vec![0u8; 84 * 84];
            s.render_gray(&mut plain, 84, 84);
            s.render_gray_cached(&mut cache, &mut cached, 84, 84);
            assert_eq!(plain, cached, "frame {t}");
        }
    }

    #[test]
    fn gray_fast_path_equals_area_resize_of_full_render() {
        let mut s = Scene::new(160.0, 210.0);
        s.clear([20, 30, 40], Class::Void);
        s.rect(8.0, 57.0, 144.0, 6.0, [200, 72, 72]);
        s.rect(71.0, 189.0, 16.0, 4.0, [200, 72, 72]);
        s.rect(3.0, 3.0, 1.0, 1.0, [255, 255, 255]);
        let mut f = Frame::new(160, 210);
        s.render_rgb(&mut f);
        let reference = resize_gray_area(&f.to_gray(), 160, 210, 84, 84);
        let mut fast = vec![0u8; 84 * 84];
        s.render_gray(&mut fast, 84, 84);
        let max_diff = fast
            .iter()
            .zip(&reference)
            .map(|(a, b)| (*a as i32 - *b as i32).abs())
            .max()
            .unwrap();
        assert!(max_diff <= 1, "max difference {max_diff}");
    }

    #[test]
    fn widened_thin_shapes_keep_a_full_pixel_of_ink() {
        let draw = |widen: bool| {
            let mut s = Scene::new(160.0, 210.0);
            s.set_widen_thin(widen);
            s.clear([0, 0, 0], Class::Void);
            // A 1×5 shot: 0.26 of a pixel wide and one pixel tall at 42×42, in column 18, row 20.
            s.rect(70.3, 100.0, 1.0, 5.0, [199, 199, 199]);
            // A block wider and taller than a pixel, in rows 4..6.
            s.rect(20.0, 20.0, 16.0, 10.0, [120, 120, 120]);
            let mut out = vec![0u8; 42 * 42];
            s.render_gray(&mut out, 42, 42);
            out
        };
        let (plain, wide) = (draw(false), draw(true));
        let shot = |img: &[u8]| img[15 * 42..].iter().map(|&p| p as u32).collect::<Vec<_>>();
        let (p, w) = (shot(&plain), shot(&wide));
        assert_eq!(p.iter().max(), Some(&52), "area coverage keeps a quarter of the shot");
        assert_eq!(w.iter().max(), Some(&199), "widened, the shot keeps its brightness");
        assert_eq!(w.iter().sum::<u32>(), 199, "one pixel of ink, not more");
        assert_eq!(
            plain[..15 * 42],
            wide[..15 * 42],
            "shapes of a pixel or more are unchanged"
        );
    }

    #[test]
    fn cached_gray_render_follows_a_change_of_widening() {
        let mut s = Scene::new(160.0, 210.0);
        s.clear([0, 0, 0], Class::Void);
        s.rect(70.3, 100.0, 1.0, 5.0, [199, 199, 199]);
        let (mut cache, mut cached, mut plain) = (GrayCache::default(), vec![0u8; 42 * 42], vec![0u8; 42 * 42]);
        for widen in [false, false, true, true, false] {
            s.set_widen_thin(widen);
            s.render_gray_cached(&mut cache, &mut cached, 42, 42);
            s.render_gray(&mut plain, 42, 42);
            assert_eq!(cached, plain, "widen {widen}");
        }
    }
}
