//! A small vector canvas for charts: filled polygons, stroked polylines, circles and text, drawn
//! to SVG text or to an anti-aliased RGB raster (PNG). Text uses the bundled DejaVu Sans
//! (Bitstream Vera licence, `assets/fonts/LICENSE-DejaVu.txt`) in both, so the PNG and the SVG
//! lay out alike.

use ab_glyph::{point, Font, FontRef, PxScale, ScaleFont};
use ab_glyph_rasterizer::Rasterizer;

const FONT_BYTES: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");

/// An RGB colour.
pub type Rgb = [u8; 3];

/// Horizontal text anchor.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Anchor {
    /// x is the left end.
    Start,
    /// x is the middle.
    Middle,
    /// x is the right end.
    End,
}

/// One drawing operation, in pixels from the top left.
#[derive(Debug, Clone, PartialEq)]
enum Shape {
    Polygon {
        points: Vec<(f64, f64)>,
        fill: Rgb,
        opacity: f64,
    },
    Line {
        points: Vec<(f64, f64)>,
        stroke: Rgb,
        width: f64,
    },
    Circle {
        c: (f64, f64),
        r: f64,
        fill: Rgb,
    },
    Text {
        at: (f64, f64),
        text: String,
        size: f64,
        fill: Rgb,
        anchor: Anchor,
        vertical: bool,
    },
}

/// A list of shapes on a white `width × height` page.
pub struct Canvas {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    shapes: Vec<Shape>,
    font: FontRef<'static>,
}

impl Canvas {
    /// An empty white page.
    pub fn new(width: usize, height: usize) -> Canvas {
        Canvas {
            width,
            height,
            shapes: Vec::new(),
            font: FontRef::try_from_slice(FONT_BYTES).expect("the bundled font parses"),
        }
    }

    /// Width of `text` at `size` px.
    pub fn text_width(&self, text: &str, size: f64) -> f64 {
        let f = self.font.as_scaled(PxScale::from(size as f32));
        let mut w = 0.0;
        let mut prev = None;
        for c in text.chars() {
            let id = f.glyph_id(c);
            if let Some(p) = prev {
                w += f.kern(p, id);
            }
            w += f.h_advance(id);
            prev = Some(id);
        }
        w as f64
    }

    /// A filled polygon (e.g. a confidence band), `opacity` in [0, 1].
    pub fn polygon(&mut self, points: Vec<(f64, f64)>, fill: Rgb, opacity: f64) {
        self.shapes.push(Shape::Polygon { points, fill, opacity });
    }

    /// A polyline `width` px wide.
    pub fn line(&mut self, points: Vec<(f64, f64)>, stroke: Rgb, width: f64) {
        if points.len() >= 2 {
            self.shapes.push(Shape::Line { points, stroke, width });
        }
    }

    /// A filled circle.
    pub fn circle(&mut self, c: (f64, f64), r: f64, fill: Rgb) {
        self.shapes.push(Shape::Circle { c, r, fill });
    }

    /// Text whose baseline starts (or centres, or ends) at `at`; `vertical` reads bottom to top.
    pub fn text(&mut self, at: (f64, f64), text: &str, size: f64, fill: Rgb, anchor: Anchor, vertical: bool) {
        self.shapes.push(Shape::Text {
            at,
            text: text.into(),
            size,
            fill,
            anchor,
            vertical,
        });
    }

    /// The page as an SVG document.
    pub fn to_svg(&self) -> String {
        let (w, h) = (self.width, self.height);
        let mut s = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"DejaVu Sans, Verdana, sans-serif\">\n<rect width=\"{w}\" height=\"{h}\" fill=\"#ffffff\"/>\n"
        );
        let pts = |p: &[(f64, f64)]| {
            p.iter()
                .map(|(x, y)| format!("{x:.2},{y:.2}"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let hex = |c: &Rgb| format!("#{:02x}{:02x}{:02x}", c[0], c[1], c[2]);
        for shape in &self.shapes {
            match shape {
                Shape::Polygon { points, fill, opacity } => s.push_str(&format!(
                    "<polygon points=\"{}\" fill=\"{}\" fill-opacity=\"{opacity:.3}\" stroke=\"none\"/>\n",
                    pts(points),
                    hex(fill)
                )),
                Shape::Line { points, stroke, width } => s.push_str(&format!(
                    "<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"{width}\" stroke-linejoin=\"round\" stroke-linecap=\"round\"/>\n",
                    pts(points),
                    hex(stroke)
                )),
                Shape::Circle { c, r, fill } => s.push_str(&format!(
                    "<circle cx=\"{:.2}\" cy=\"{:.2}\" r=\"{r}\" fill=\"{}\"/>\n",
                    c.0,
                    c.1,
                    hex(fill)
                )),
                Shape::Text { at, text, size, fill, anchor, vertical } => {
                    let anchor = match anchor {
                        Anchor::Start => "start",
                        Anchor::Middle => "middle",
                        Anchor::End => "end",
                    };
                    let rotate = if *vertical {
                        format!(" transform=\"rotate(-90 {:.2} {:.2})\"", at.0, at.1)
                    } else {
                        String::new()
                    };
                    s.push_str(&format!(
                        "<text x=\"{:.2}\" y=\"{:.2}\" font-size=\"{size}\" fill=\"{}\" text-anchor=\"{anchor}\"{rotate}>{}</text>\n",
                        at.0,
                        at.1,
                        hex(fill),
                        escape_xml(text)
                    ));
                }
            }
        }
        s.push_str("</svg>\n");
        s
    }

    /// The page as anti-aliased RGB pixels (row-major, 3 bytes each).
    pub fn to_rgb(&self) -> Vec<u8> {
        let mut px = vec![255u8; self.width * self.height * 3];
        for shape in &self.shapes {
            match shape {
                Shape::Polygon { points, fill, opacity } => {
                    self.fill(&mut px, std::slice::from_ref(points), *fill, *opacity)
                }
                Shape::Line { points, stroke, width } => {
                    let quads: Vec<Vec<(f64, f64)>> = points
                        .windows(2)
                        .filter_map(|w| segment_quad(w[0], w[1], width / 2.0))
                        .collect();
                    self.fill(&mut px, &quads, *stroke, 1.0);
                    // Round joins: a disc at every inner vertex.
                    if *width > 1.5 {
                        let discs: Vec<Vec<(f64, f64)>> = points.iter().map(|p| disc(*p, width / 2.0)).collect();
                        self.fill(&mut px, &discs, *stroke, 1.0);
                    }
                }
                Shape::Circle { c, r, fill } => self.fill(&mut px, &[disc(*c, *r)], *fill, 1.0),
                Shape::Text {
                    at,
                    text,
                    size,
                    fill,
                    anchor,
                    vertical,
                } => self.draw_text(&mut px, *at, text, *size, *fill, *anchor, *vertical),
            }
        }
        px
    }

    /// Fills the union of `polys` (all wound the same way) with coverage anti-aliasing.
    fn fill(&self, px: &mut [u8], polys: &[Vec<(f64, f64)>], colour: Rgb, opacity: f64) {
        let all = polys.iter().flatten();
        let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for (x, y) in all {
            (x0, y0, x1, y1) = (x0.min(*x), y0.min(*y), x1.max(*x), y1.max(*y));
        }
        let x0 = x0.floor().max(0.0);
        let y0 = y0.floor().max(0.0);
        let x1 = x1.ceil().min(self.width as f64);
        let y1 = y1.ceil().min(self.height as f64);
        if x1 <= x0 || y1 <= y0 {
            return;
        }
        let (bw, bh) = ((x1 - x0) as usize, (y1 - y0) as usize);
        let mut r = Rasterizer::new(bw, bh);
        for poly in polys {
            for i in 0..poly.len() {
                let (a, b) = (poly[i], poly[(i + 1) % poly.len()]);
                r.draw_line(
                    point((a.0 - x0) as f32, (a.1 - y0) as f32),
                    point((b.0 - x0) as f32, (b.1 - y0) as f32),
                );
            }
        }
        let width = self.width;
        r.for_each_pixel_2d(|x, y, cov| {
            let a = cov.clamp(0.0, 1.0) as f64 * opacity;
            if a > 0.0 {
                let i = ((y0 as usize + y as usize) * width + x0 as usize + x as usize) * 3;
                blend(&mut px[i..i + 3], colour, a);
            }
        });
    }

    #[allow(clippy::too_many_arguments)]
    fn draw_text(
        &self,
        px: &mut [u8],
        at: (f64, f64),
        text: &str,
        size: f64,
        fill: Rgb,
        anchor: Anchor,
        vertical: bool,
    ) {
        let scale = PxScale::from(size as f32);
        let f = self.font.as_scaled(scale);
        let w = self.text_width(text, size);
        let shift = match anchor {
            Anchor::Start => 0.0,
            Anchor::Middle => w / 2.0,
            Anchor::End => w,
        };
        let (mut caret, mut prev) = (0.0f32, None);
        let (width, height) = (self.width as i64, self.height as i64);
        for c in text.chars() {
            let id = f.glyph_id(c);
            if let Some(p) = prev {
                caret += f.kern(p, id);
            }
            // Lay out along +x from the baseline origin, then place (rotated when vertical).
            let glyph = id.with_scale_and_position(scale, point(caret - shift as f32, 0.0));
            caret += f.h_advance(id);
            prev = Some(id);
            let Some(outlined) = self.font.outline_glyph(glyph) else {
                continue;
            };
            let b = outlined.px_bounds();
            outlined.draw(|gx, gy, cov| {
                let (lx, ly) = (b.min.x as f64 + gx as f64, b.min.y as f64 + gy as f64);
                let (x, y) = if vertical {
                    (at.0 + ly, at.1 - lx)
                } else {
                    (at.0 + lx, at.1 + ly)
                };
                let (x, y) = (x.floor() as i64, y.floor() as i64);
                if x >= 0 && y >= 0 && x < width && y < height {
                    let i = ((y * width + x) * 3) as usize;
                    blend(&mut px[i..i + 3], fill, cov.clamp(0.0, 1.0) as f64);
                }
            });
        }
    }
}

fn blend(dst: &mut [u8], c: Rgb, a: f64) {
    for k in 0..3 {
        dst[k] = (dst[k] as f64 * (1.0 - a) + c[k] as f64 * a).round() as u8;
    }
}

/// The rectangle around segment a→b, `half` px to each side, or `None` for a point.
fn segment_quad(a: (f64, f64), b: (f64, f64), half: f64) -> Option<Vec<(f64, f64)>> {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len = (dx * dx + dy * dy).sqrt();
    if len < 1e-9 {
        return None;
    }
    let (nx, ny) = (-dy / len * half, dx / len * half);
    Some(vec![
        (a.0 + nx, a.1 + ny),
        (b.0 + nx, b.1 + ny),
        (b.0 - nx, b.1 - ny),
        (a.0 - nx, a.1 - ny),
    ])
}

/// A 16-gon around `c`, wound like [`segment_quad`]'s rectangles.
fn disc(c: (f64, f64), r: f64) -> Vec<(f64, f64)> {
    (0..16)
        .map(|i| {
            let t = -(i as f64) * std::f64::consts::TAU / 16.0;
            (c.0 + r * t.cos(), c.1 + r * t.sin())
        })
        .collect()
}

fn escape_xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_shapes_and_text_in_both_formats() {
        let mut c = Canvas::new(120, 60);
        c.line(vec![(10.0, 50.0), (110.0, 10.0)], [200, 0, 0], 2.0);
        c.polygon(
            vec![(0.0, 0.0), (20.0, 0.0), (20.0, 20.0), (0.0, 20.0)],
            [0, 0, 200],
            0.5,
        );
        c.text((60.0, 40.0), "a<b & c", 14.0, [0, 0, 0], Anchor::Middle, false);
        let rgb = c.to_rgb();
        assert_eq!(rgb.len(), 120 * 60 * 3);
        let at = |x: usize, y: usize| &rgb[(y * 120 + x) * 3..][..3];
        assert_eq!(at(10, 10), &[128, 128, 228], "half-transparent blue over white");
        assert!(
            at(60, 30)[0] > 150 && at(60, 30)[1] < 100,
            "the red line passes (60, 30)"
        );
        assert_eq!(at(119, 59), &[255, 255, 255]);
        let dark = rgb.chunks(3).filter(|p| p[0] < 80 && p[1] < 80 && p[2] < 80).count();
        assert!(dark > 20, "text was drawn: {dark} dark pixels");
        let svg = c.to_svg();
        assert!(svg.contains("a&lt;b &amp; c") && svg.contains("<polyline") && svg.contains("fill-opacity=\"0.500\""));
        assert!(c.text_width("WWW", 14.0) > c.text_width("iii", 14.0));
    }
}
