//! The fixed colours the games draw with, in the spirit of the Atari 2600's NTSC palette, and the
//! luminance used for grayscale observations.

/// An RGB colour.
pub type Rgb = [u8; 3];

/// ITU-R BT.601 luma, as OpenCV's `RGB2GRAY` and ALE's grayscale observations use, rounded.
#[inline]
pub fn luminance(rgb: Rgb) -> u8 {
    ((299 * rgb[0] as u32 + 587 * rgb[1] as u32 + 114 * rgb[2] as u32 + 500) / 1000) as u8
}

pub const BLACK: Rgb = [0, 0, 0];
pub const WHITE: Rgb = [236, 236, 236];
pub const GRAY: Rgb = [142, 142, 142];
pub const DARK_GRAY: Rgb = [74, 74, 74];
pub const RED: Rgb = [200, 72, 72];
pub const ORANGE: Rgb = [198, 108, 58];
pub const BROWN: Rgb = [180, 122, 48];
pub const YELLOW: Rgb = [162, 162, 42];
pub const GREEN: Rgb = [72, 160, 72];
pub const DARK_GREEN: Rgb = [26, 98, 26];
pub const BLUE: Rgb = [66, 72, 200];
pub const LIGHT_BLUE: Rgb = [84, 138, 210];
pub const PURPLE: Rgb = [146, 70, 192];
pub const PONG_ORANGE: Rgb = [144, 72, 17];
pub const PONG_GREEN: Rgb = [92, 186, 92];
pub const PONG_PADDLE: Rgb = [213, 130, 74];
