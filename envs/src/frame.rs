//! [`Frame`]: an RGB framebuffer with drawing primitives. Games render into one, the viewer shows
//! one, and the GIF recorder encodes one.

use crate::font;
use crate::palette::{luminance, Rgb};

/// An RGB image, row-major, 3 bytes per pixel.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// `width * height * 3` bytes, RGB.
    pub data: Vec<u8>,
}

impl Frame {
    /// A black frame.
    pub fn new(width: usize, height: usize) -> Self {
        Frame {
            width,
            height,
            data: vec![0; width * height * 3],
        }
    }

    /// Changes the size (contents become black), reusing the allocation when possible.
    pub fn resize(&mut self, width: usize, height: usize) {
        self.width = width;
        self.height = height;
        self.data.clear();
        self.data.resize(width * height * 3, 0);
    }

    /// Fills the whole frame with one colour.
    pub fn fill(&mut self, rgb: Rgb) {
        for px in self.data.chunks_exact_mut(3) {
            px.copy_from_slice(&rgb);
        }
    }

    /// The colour at `(x, y)`.
    pub fn pixel(&self, x: usize, y: usize) -> Rgb {
        let i = (y * self.width + x) * 3;
        [self.data[i], self.data[i + 1], self.data[i + 2]]
    }

    /// Sets one pixel; coordinates outside the frame are ignored.
    pub fn set_pixel(&mut self, x: i32, y: i32, rgb: Rgb) {
        if x >= 0 && y >= 0 && (x as usize) < self.width && (y as usize) < self.height {
            let i = (y as usize * self.width + x as usize) * 3;
            self.data[i..i + 3].copy_from_slice(&rgb);
        }
    }

    /// Fills a rectangle, clipped to the frame.
    pub fn rect(&mut self, x: i32, y: i32, w: i32, h: i32, rgb: Rgb) {
        let x0 = x.max(0) as usize;
        let y0 = y.max(0) as usize;
        let x1 = (x.saturating_add(w)).clamp(0, self.width as i32) as usize;
        let y1 = (y.saturating_add(h)).clamp(0, self.height as i32) as usize;
        for row in y0..y1 {
            let start = (row * self.width + x0) * 3;
            let end = (row * self.width + x1.max(x0)) * 3;
            for px in self.data[start..end].chunks_exact_mut(3) {
                px.copy_from_slice(&rgb);
            }
        }
    }

    /// Draws a one-pixel line from `(x0, y0)` to `(x1, y1)` (Bresenham).
    pub fn line(&mut self, x0: i32, y0: i32, x1: i32, y1: i32, rgb: Rgb) {
        let (mut x, mut y) = (x0, y0);
        let dx = (x1 - x0).abs();
        let dy = -(y1 - y0).abs();
        let sx = if x0 < x1 { 1 } else { -1 };
        let sy = if y0 < y1 { 1 } else { -1 };
        let mut err = dx + dy;
        loop {
            self.set_pixel(x, y, rgb);
            if x == x1 && y == y1 {
                break;
            }
            let e2 = 2 * err;
            if e2 >= dy {
                err += dy;
                x += sx;
            }
            if e2 <= dx {
                err += dx;
                y += sy;
            }
        }
    }

    /// Draws text with the 5×7 font, each font pixel `scale`×`scale` screen pixels.
    pub fn text(&mut self, x: i32, y: i32, text: &str, rgb: Rgb, scale: usize) {
        let s = scale.max(1) as i32;
        for (i, c) in text.chars().enumerate() {
            let gx = x + (i * font::ADVANCE) as i32 * s;
            for (row, bits) in font::glyph(c).iter().enumerate() {
                for col in 0..font::GLYPH_W {
                    if bits & (1 << (font::GLYPH_W - 1 - col)) != 0 {
                        self.rect(gx + col as i32 * s, y + row as i32 * s, s, s, rgb);
                    }
                }
            }
        }
    }

    /// Copies `src` into this frame at `(x, y)`, each source pixel `scale`×`scale`, clipped.
    pub fn blit_scaled(&mut self, src: &Frame, x: i32, y: i32, scale: usize) {
        let s = scale.max(1);
        for sy in 0..src.height {
            for sx in 0..src.width {
                let rgb = src.pixel(sx, sy);
                self.rect(x + (sx * s) as i32, y + (sy * s) as i32, s as i32, s as i32, rgb);
            }
        }
    }

    /// Fills a convex polygon given by its corners in order (either winding), clipped: a pixel is
    /// filled when its centre lies inside. Used for rotated shapes such as cartpole's pole.
    pub fn fill_convex(&mut self, corners: &[(f32, f32)], rgb: Rgb) {
        if corners.len() < 3 {
            return;
        }
        let (ymin, ymax) = corners
            .iter()
            .fold((f32::MAX, f32::MIN), |(lo, hi), &(_, y)| (lo.min(y), hi.max(y)));
        let y0 = (ymin - 0.5).ceil().max(0.0) as i32;
        let y1 = ((ymax - 0.5).floor() as i32).min(self.height as i32 - 1);
        for y in y0..=y1 {
            let cy = y as f32 + 0.5;
            // The span of this row's centre line inside the polygon: intersect every edge.
            let (mut left, mut right) = (f32::MAX, f32::MIN);
            for (i, &(ax, ay)) in corners.iter().enumerate() {
                let (bx, by) = corners[(i + 1) % corners.len()];
                if (ay <= cy && cy < by) || (by <= cy && cy < ay) {
                    let x = ax + (cy - ay) * (bx - ax) / (by - ay);
                    left = left.min(x);
                    right = right.max(x);
                }
            }
            if left <= right {
                let xa = (left - 0.5).ceil() as i32;
                let xb = (right - 0.5).floor() as i32;
                self.rect(xa, y, xb - xa + 1, 1, rgb);
            }
        }
    }

    /// This frame enlarged `scale` times (each pixel `scale × scale`), e.g. for a screenshot at a
    /// window's scale.
    pub fn scaled(&self, scale: usize) -> Frame {
        let s = scale.max(1);
        let mut out = Frame::new(self.width * s, self.height * s);
        let row = out.width * 3;
        for y in 0..self.height {
            let dst = &mut out.data[y * s * row..(y * s + 1) * row];
            for (x, p) in self.data[y * self.width * 3..(y + 1) * self.width * 3]
                .chunks_exact(3)
                .enumerate()
            {
                for k in 0..s {
                    dst[(x * s + k) * 3..(x * s + k + 1) * 3].copy_from_slice(p);
                }
            }
            for k in 1..s {
                out.data.copy_within(y * s * row..(y * s + 1) * row, (y * s + k) * row);
            }
        }
        out
    }

    /// The BT.601 gray version of the frame, one byte per pixel.
    pub fn to_gray(&self) -> Vec<u8> {
        self.data
            .chunks_exact(3)
            .map(|p| luminance([p[0], p[1], p[2]]))
            .collect()
    }

    /// Writes the frame as an 8-bit RGB PNG.
    pub fn save_png(&self, path: &std::path::Path) -> std::io::Result<()> {
        let file = std::io::BufWriter::new(std::fs::File::create(path)?);
        let mut enc = png::Encoder::new(file, self.width as u32, self.height as u32);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc.write_header().map_err(std::io::Error::other)?;
        writer.write_image_data(&self.data).map_err(std::io::Error::other)?;
        writer.finish().map_err(std::io::Error::other)
    }
}

/// Area-averaging resize of a gray image (like OpenCV's `INTER_AREA`), used to check that the
/// games' direct small gray renders agree with their full-size pictures.
pub fn resize_gray_area(src: &[u8], sw: usize, sh: usize, dw: usize, dh: usize) -> Vec<u8> {
    let mut out = vec![0u8; dw * dh];
    let fx = sw as f64 / dw as f64;
    let fy = sh as f64 / dh as f64;
    for oy in 0..dh {
        let (y0, y1) = (oy as f64 * fy, (oy + 1) as f64 * fy);
        for ox in 0..dw {
            let (x0, x1) = (ox as f64 * fx, (ox + 1) as f64 * fx);
            let mut acc = 0.0;
            let mut sy = y0.floor() as usize;
            while (sy as f64) < y1 && sy < sh {
                let cy = (y1.min(sy as f64 + 1.0) - y0.max(sy as f64)).max(0.0);
                let mut sx = x0.floor() as usize;
                while (sx as f64) < x1 && sx < sw {
                    let cx = (x1.min(sx as f64 + 1.0) - x0.max(sx as f64)).max(0.0);
                    acc += cx * cy * src[sy * sw + sx] as f64;
                    sx += 1;
                }
                sy += 1;
            }
            out[oy * dw + ox] = (acc / (fx * fy)).round().clamp(0.0, 255.0) as u8;
        }
    }
    out
}
