//! Lays out a line chart on a [`Canvas`]: title, round ticks, axis labels, curves with faint
//! raw data and seed bands, and a legend outside the data (right of it, or under it when the
//! labels are long).

use super::canvas::{Anchor, Canvas, Rgb};
use super::ticks::{nice_ticks, tick_labels};

/// Matplotlib's "tab10" colours.
pub const COLOURS: [Rgb; 10] = [
    [31, 119, 180],
    [255, 127, 14],
    [44, 160, 44],
    [214, 39, 40],
    [148, 103, 189],
    [140, 86, 75],
    [227, 119, 194],
    [127, 127, 127],
    [188, 189, 34],
    [23, 190, 207],
];

const INK: Rgb = [34, 34, 34];
const GRID: Rgb = [226, 226, 226];
const TITLE: f64 = 16.0;
const LABEL: f64 = 13.0;
const TICK: f64 = 11.5;
const LEGEND: f64 = 12.0;
const PAD: f64 = 10.0;

/// One legend entry and what it draws.
#[derive(Debug, Clone, Default)]
pub struct Curve {
    /// Legend text (drawn in full).
    pub label: String,
    /// The main line (smoothed, or the mean of seeds).
    pub line: Vec<(f64, f64)>,
    /// Faint lines under it: the raw data before smoothing, or each seed.
    pub faint: Vec<Vec<(f64, f64)>>,
    /// (step, low, high): a band around the line.
    pub band: Vec<(f64, f64, f64)>,
    /// Draw a dot at every point of the line (few points).
    pub markers: bool,
}

/// What to draw.
#[derive(Debug, Clone)]
pub struct Chart {
    /// Title over the chart.
    pub title: String,
    /// x-axis label.
    pub x_label: String,
    /// y-axis label.
    pub y_label: String,
    /// The curves, coloured in order.
    pub curves: Vec<Curve>,
}

fn lighter(c: Rgb, amount: f64) -> Rgb {
    c.map(|v| (v as f64 + (255.0 - v as f64) * amount).round() as u8)
}

/// Draws `chart` on a `width × height` canvas.
pub fn draw(chart: &Chart, width: usize, height: usize) -> Canvas {
    let mut c = Canvas::new(width, height);
    let (w, h) = (width as f64, height as f64);

    // Data ranges over everything drawn.
    let (mut x0, mut x1, mut y0, mut y1) = (0f64, f64::MIN, f64::MAX, f64::MIN);
    for cv in &chart.curves {
        let pts = cv.line.iter().chain(cv.faint.iter().flatten());
        for &(x, y) in pts {
            (x0, x1, y0, y1) = (x0.min(x), x1.max(x), y0.min(y), y1.max(y));
        }
        for &(x, lo, hi) in &cv.band {
            (x0, x1, y0, y1) = (x0.min(x), x1.max(x), y0.min(lo), y1.max(hi));
        }
    }
    if x1 < x0 {
        (x1, y0, y1) = (1.0, 0.0, 1.0);
    }
    let (xa, xb, xt) = nice_ticks(x0, x1.max(x0 + 1.0), 6);
    let (ya, yb, yt) = nice_ticks(y0, y1, 6);
    let xl = tick_labels(&xt, xt.get(1).map_or(1.0, |v| v - xt[0]));
    let yl = tick_labels(&yt, yt.get(1).map_or(1.0, |v| v - yt[0]));

    // Legend: right of the plot, or under it when the labels would take too much width.
    let label_w = chart
        .curves
        .iter()
        .map(|cv| c.text_width(&cv.label, LEGEND))
        .fold(0.0, f64::max);
    let legend_w = 30.0 + label_w + PAD;
    let legend_right = legend_w <= w * 0.36;
    let legend_rows = chart.curves.len() as f64;
    let y_tick_w = yl.iter().map(|l| c.text_width(l, TICK)).fold(0.0, f64::max);
    let left = PAD + LABEL + PAD + y_tick_w + 6.0;
    let right = w - PAD - if legend_right { legend_w + PAD } else { 0.0 };
    let top = PAD + TITLE + PAD;
    let below_axis = 6.0 + TICK + 8.0 + LABEL + PAD;
    let legend_h = if legend_right {
        0.0
    } else {
        legend_rows * (LEGEND + 6.0) + PAD
    };
    let bottom = h - below_axis - legend_h;
    let (pw, ph) = ((right - left).max(10.0), (bottom - top).max(10.0));
    let px = |x: f64| left + (x - xa) / (xb - xa) * pw;
    let py = |y: f64| top + (1.0 - (y - ya) / (yb - ya)) * ph;

    // Grid, ticks and labels.
    for (v, l) in xt.iter().zip(&xl) {
        c.line(vec![(px(*v), top), (px(*v), bottom)], GRID, 1.0);
        c.text((px(*v), bottom + 6.0 + TICK), l, TICK, INK, Anchor::Middle, false);
    }
    for (v, l) in yt.iter().zip(&yl) {
        c.line(vec![(left, py(*v)), (right, py(*v))], GRID, 1.0);
        c.text((left - 6.0, py(*v) + TICK * 0.35), l, TICK, INK, Anchor::End, false);
    }
    c.line(vec![(left, top), (left, bottom), (right, bottom)], INK, 1.0);
    c.text(
        (left + pw / 2.0, PAD + TITLE),
        &chart.title,
        TITLE,
        INK,
        Anchor::Middle,
        false,
    );
    c.text(
        (left + pw / 2.0, bottom + 6.0 + TICK + 8.0 + LABEL),
        &chart.x_label,
        LABEL,
        INK,
        Anchor::Middle,
        false,
    );
    c.text(
        (PAD + LABEL, top + ph / 2.0),
        &chart.y_label,
        LABEL,
        INK,
        Anchor::Middle,
        true,
    );

    // Curves: bands and faint lines first, so every main line stays on top.
    let to_px = |pts: &[(f64, f64)]| pts.iter().map(|&(x, y)| (px(x), py(y))).collect::<Vec<_>>();
    for (i, cv) in chart.curves.iter().enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        if !cv.band.is_empty() {
            let mut poly: Vec<(f64, f64)> = cv.band.iter().map(|&(x, _, hi)| (px(x), py(hi))).collect();
            poly.extend(cv.band.iter().rev().map(|&(x, lo, _)| (px(x), py(lo))));
            c.polygon(poly, colour, 0.22);
        }
        for f in &cv.faint {
            c.line(to_px(f), lighter(colour, 0.65), 1.0);
        }
    }
    for (i, cv) in chart.curves.iter().enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        c.line(to_px(&cv.line), colour, 2.0);
        if cv.markers || cv.line.len() == 1 {
            for p in to_px(&cv.line) {
                c.circle(p, 3.0, colour);
            }
        }
    }

    // Legend entries.
    for (i, cv) in chart.curves.iter().enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        let (lx, ly) = if legend_right {
            (right + PAD, top + 4.0 + i as f64 * (LEGEND + 8.0))
        } else {
            (left, h - legend_h + i as f64 * (LEGEND + 6.0))
        };
        c.line(
            vec![(lx, ly + LEGEND * 0.5), (lx + 22.0, ly + LEGEND * 0.5)],
            colour,
            3.0,
        );
        c.text(
            (lx + 30.0, ly + LEGEND * 0.9),
            &cv.label,
            LEGEND,
            INK,
            Anchor::Start,
            false,
        );
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_labels_move_the_legend_under_the_plot_and_are_kept_whole() {
        let long = "cartpole__a_rather_long_experiment_name__1__1796000000".to_string();
        let chart = Chart {
            title: "t".into(),
            x_label: "environment steps".into(),
            y_label: "episodic return".into(),
            curves: vec![Curve {
                label: long.clone(),
                line: vec![(0.0, 1.0), (10.0, 2.0)],
                ..Curve::default()
            }],
        };
        let svg = draw(&chart, 640, 400).to_svg();
        assert!(svg.contains(&long), "the full label is drawn");
        assert!(svg.contains("rotate(-90"), "a vertical y-axis label");
        assert!(svg.contains(">episodic return<"));
    }
}
