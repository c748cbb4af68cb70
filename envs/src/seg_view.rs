//! Drawing for segmentation views: class-id maps in CamVid colours, a colour legend (class name
//! beside its colour, with this frame's IoU per class), and the per-frame IoU of a prediction
//! against the ground truth that a game draws ([`crate::Scene::render_labels`]).

use crate::font::{text_width, ADVANCE};
use crate::frame::Frame;
use crate::palette::Rgb;
use crate::scene::Class;

const TEXT: Rgb = [236, 236, 236];
const DIM: Rgb = [150, 150, 150];
/// Height of one legend row.
pub const LEGEND_ROW_H: usize = 10;

/// Intersection over union per class of `pred` against `truth` (class ids, same length), over the
/// pixels whose truth is not void. `None` for a class in neither map.
pub fn class_iou(truth: &[u8], pred: &[u8]) -> [Option<f32>; Class::COUNT] {
    let (mut inter, mut union) = ([0u32; Class::COUNT], [0u32; Class::COUNT]);
    for (&t, &p) in truth.iter().zip(pred) {
        if t as usize >= Class::COUNT {
            continue;
        }
        if t == p {
            inter[t as usize] += 1;
            union[t as usize] += 1;
        } else {
            union[t as usize] += 1;
            if (p as usize) < Class::COUNT {
                union[p as usize] += 1;
            }
        }
    }
    std::array::from_fn(|c| (union[c] > 0).then(|| inter[c] as f32 / union[c] as f32))
}

/// The mean of the per-class IoUs of the classes present (in the truth or the prediction), and
/// how many there were; `None` when every truth pixel is void.
pub fn mean_iou(iou: &[Option<f32>]) -> Option<(f32, usize)> {
    let present: Vec<f32> = iou.iter().flatten().copied().collect();
    (!present.is_empty()).then(|| (present.iter().sum::<f32>() / present.len() as f32, present.len()))
}

/// Paints the class-id map `ids` (`w × h`) in CamVid colours at `(x0, y0)` of `frame` (void is
/// black).
pub fn paint_classes(frame: &mut Frame, x0: usize, y0: usize, ids: &[u8], w: usize, h: usize) {
    for y in 0..h.min(frame.height.saturating_sub(y0)) {
        for x in 0..w.min(frame.width.saturating_sub(x0)) {
            let rgb = Class::from_id(ids[y * w + x]).map_or([0, 0, 0], Class::color);
            let i = ((y0 + y) * frame.width + x0 + x) * 3;
            frame.data[i..i + 3].copy_from_slice(&rgb);
        }
    }
}

/// Width of one legend entry: a swatch, the longest class name and an IoU value.
fn entry_width() -> usize {
    let longest = Class::ALL.iter().map(|c| c.name().len()).max().unwrap_or(0);
    10 + (longest + 5) * ADVANCE
}

/// Rows the legend needs in `width` pixels.
pub fn legend_rows(width: usize) -> usize {
    let per_row = (width / entry_width()).max(1);
    Class::COUNT.div_ceil(per_row)
}

/// Draws the legend at `(x0, y0)` in `width` pixels: a swatch of each class's colour, its name
/// and, when `iou` is given, the class's IoU in this frame (`-` where the class is absent).
/// Returns the height used.
pub fn draw_legend(frame: &mut Frame, x0: usize, y0: usize, width: usize, iou: Option<&[Option<f32>]>) -> usize {
    let per_row = (width / entry_width()).max(1);
    for (i, class) in Class::ALL.iter().enumerate() {
        let x = (x0 + (i % per_row) * entry_width()) as i32;
        let y = (y0 + (i / per_row) * LEGEND_ROW_H) as i32;
        frame.rect(x, y, 7, 7, class.color());
        frame.rect(x, y, 7, 1, DIM);
        frame.text(x + 10, y, class.name(), TEXT, 1);
        if let Some(iou) = iou {
            let value = iou[i].map_or("-".to_string(), |v| format!("{v:.2}"));
            let vx = x + 10 + text_width(class.name(), 1) as i32 + 4;
            frame.text(vx, y, &value, DIM, 1);
        }
    }
    legend_rows(width) * LEGEND_ROW_H
}

/// Background of the legend band under a picture.
const BAND: Rgb = [24, 24, 24];

/// An RGB picture (`width·height·3` values) with the colour legend in a band below it: how
/// `segnet predict` writes its overlays, so that a reader can tell the classes apart.
pub fn with_legend(rgb: &[u8], width: usize, height: usize) -> Frame {
    const MARGIN: usize = 3;
    let inner = width.saturating_sub(2 * MARGIN).max(1);
    let band = legend_rows(inner) * LEGEND_ROW_H + 2 * MARGIN;
    let mut f = Frame::new(width, height + band);
    f.fill(BAND);
    let n = (width * height * 3).min(rgb.len());
    f.data[..n].copy_from_slice(&rgb[..n]);
    draw_legend(&mut f, MARGIN, height + MARGIN + 1, inner, None);
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iou_counts_each_class_over_non_void_truth() {
        // Road (3) predicted right on 2 of 3 pixels, once as Car (8); a void pixel is ignored.
        let truth = [3, 3, 3, 8, 11];
        let pred = [3, 3, 8, 8, 3];
        let iou = class_iou(&truth, &pred);
        assert_eq!(iou[3], Some(2.0 / 3.0));
        assert_eq!(iou[8], Some(1.0 / 2.0));
        assert_eq!(iou[0], None);
        let (m, n) = mean_iou(&iou).unwrap();
        assert_eq!(n, 2);
        assert!((m - (2.0 / 3.0 + 0.5) / 2.0).abs() < 1e-6);
        assert_eq!(mean_iou(&class_iou(&[11, 11], &[3, 3])), None);
    }

    #[test]
    fn a_picture_with_its_legend_keeps_the_picture_and_adds_every_swatch_below() {
        let (w, h) = (120, 90);
        let rgb: Vec<u8> = (0..w * h * 3).map(|i| (i % 251) as u8).collect();
        let f = with_legend(&rgb, w, h);
        assert_eq!(f.width, w);
        assert!(f.height > h);
        assert_eq!(&f.data[..rgb.len()], &rgb[..]);
        for class in Class::ALL {
            let found = (h..f.height).any(|y| (0..w).any(|x| f.pixel(x, y) == class.color()));
            assert!(found, "{} has no swatch under the picture", class.name());
        }
    }

    #[test]
    fn the_legend_shows_every_class_colour() {
        let mut f = Frame::new(480, 40);
        let h = draw_legend(&mut f, 0, 0, 480, None);
        assert_eq!(h, legend_rows(480) * LEGEND_ROW_H);
        assert!(h <= 40);
        for class in Class::ALL {
            let found = (0..f.height).any(|y| (0..f.width).any(|x| f.pixel(x, y) == class.color()));
            assert!(found, "{} has no swatch", class.name());
        }
    }
}
