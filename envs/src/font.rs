//! A 5×7 bitmap font for scores, HUDs and plot labels.

/// Glyph width in pixels.
pub const GLYPH_W: usize = 5;
/// Glyph height in pixels.
pub const GLYPH_H: usize = 7;
/// Horizontal advance per character (glyph plus one column of spacing).
pub const ADVANCE: usize = GLYPH_W + 1;

/// The 7 rows of a character, 5 bits each (bit 4 is the leftmost pixel). Lower case is drawn as
/// upper case; characters without a glyph are drawn as a hollow box.
pub fn glyph(c: char) -> [u8; GLYPH_H] {
    match c.to_ascii_uppercase() {
        ' ' => [0; 7],
        _ => [0b11111, 0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b11111],
    }
}

/// Width in pixels of `text` drawn at `scale`.
pub fn text_width(text: &str, scale: usize) -> usize {
    text.chars().count() * ADVANCE * scale
}
