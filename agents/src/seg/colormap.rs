//! CamVid colours for class-id masks: colourised masks and image overlays, for `predict` and
//! TensorBoard images.

use super::SegError;
use envs::Class;

/// The CamVid colour of a label id (void and out-of-range ids are black).
pub fn class_color(id: u8) -> [u8; 3] {
    Class::from_id(id).map_or([0, 0, 0], Class::color)
}

/// A class-id mask (`H·W` ids) as `H·W·3` RGB values in CamVid colours.
pub fn colorize(mask: &[u8]) -> Vec<u8> {
    let lut: Vec<[u8; 3]> = (0..=255u8).map(class_color).collect();
    mask.iter().flat_map(|&id| lut[id as usize]).collect()
}

/// Blends the CamVid colours of `mask` over `rgb` (`H·W·3`): `out = (1 − alpha)·rgb +
/// alpha·colour`, except void pixels, which keep the image. `alpha` is clamped to 0–1.
pub fn overlay(rgb: &[u8], mask: &[u8], alpha: f32) -> Result<Vec<u8>, SegError> {
    if rgb.len() != mask.len() * 3 {
        return Err(SegError::InvalidArgument(format!(
            "overlay: image has {} values but the mask has {} pixels (needs {})",
            rgb.len(),
            mask.len(),
            mask.len() * 3
        )));
    }
    let a = alpha.clamp(0.0, 1.0);
    let mut out = Vec::with_capacity(rgb.len());
    for (px, &id) in rgb.chunks_exact(3).zip(mask) {
        if id >= super::VOID {
            out.extend_from_slice(px);
        } else {
            let c = class_color(id);
            out.extend((0..3).map(|k| (px[k] as f32 * (1.0 - a) + c[k] as f32 * a).round() as u8));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_follow_camvid() {
        assert_eq!(
            colorize(&[0, 3, 8, 11]),
            [128, 128, 128, 128, 64, 128, 64, 0, 128, 0, 0, 0]
        );
    }

    #[test]
    fn overlay_blends_and_keeps_void() {
        let out = overlay(&[0, 0, 0, 10, 20, 30], &[1, 11], 0.5).unwrap();
        assert_eq!(out, [64, 0, 0, 10, 20, 30]);
        assert!(overlay(&[0; 5], &[1, 2], 0.5).is_err());
    }
}
