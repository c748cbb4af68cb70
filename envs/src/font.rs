//! A 5×7 bitmap font for scores, HUDs and plot labels: digits, A–Z, common punctuation, arrows
//! and ε.

/// Glyph width in pixels.
pub const GLYPH_W: usize = 5;
/// Glyph height in pixels.
pub const GLYPH_H: usize = 7;
/// Horizontal advance per character (glyph plus one column of spacing).
pub const ADVANCE: usize = GLYPH_W + 1;

/// Turns 7 rows of 5 characters (`#` = set) into bit rows, at compile time.
const fn g(rows: [&str; GLYPH_H]) -> [u8; GLYPH_H] {
    let mut out = [0u8; GLYPH_H];
    let mut r = 0;
    while r < GLYPH_H {
        let bytes = rows[r].as_bytes();
        let mut c = 0;
        while c < GLYPH_W && c < bytes.len() {
            if bytes[c] == b'#' {
                out[r] |= 1 << (GLYPH_W - 1 - c);
            }
            c += 1;
        }
        r += 1;
    }
    out
}

/// The glyph drawn for characters the font does not have: a hollow box.
const MISSING: [u8; GLYPH_H] = g(["#####", "#...#", "#...#", "#...#", "#...#", "#...#", "#####"]);

/// The 7 rows of a character, 5 bits each (bit 4 is the leftmost pixel). Lower case is drawn as
/// upper case; characters without a glyph are drawn as a hollow box.
pub fn glyph(c: char) -> [u8; GLYPH_H] {
    match c.to_ascii_uppercase() {
        ' ' => [0; GLYPH_H],
        '0' => const { g([".###.", "#...#", "#..##", "#.#.#", "##..#", "#...#", ".###."]) },
        '1' => const { g(["..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###."]) },
        '2' => const { g([".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####"]) },
        '3' => const { g(["#####", "...#.", "..#..", "...#.", "....#", "#...#", ".###."]) },
        '4' => const { g(["...#.", "..##.", ".#.#.", "#..#.", "#####", "...#.", "...#."]) },
        '5' => const { g(["#####", "#....", "####.", "....#", "....#", "#...#", ".###."]) },
        '6' => const { g(["..##.", ".#...", "#....", "####.", "#...#", "#...#", ".###."]) },
        '7' => const { g(["#####", "....#", "...#.", "..#..", ".#...", ".#...", ".#..."]) },
        '8' => const { g([".###.", "#...#", "#...#", ".###.", "#...#", "#...#", ".###."]) },
        '9' => const { g([".###.", "#...#", "#...#", ".####", "....#", "...#.", ".##.."]) },
        'A' => const { g([".###.", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"]) },
        'B' => const { g(["####.", "#...#", "#...#", "####.", "#...#", "#...#", "####."]) },
        'C' => const { g([".###.", "#...#", "#....", "#....", "#....", "#...#", ".###."]) },
        'D' => const { g(["###..", "#..#.", "#...#", "#...#", "#...#", "#..#.", "###.."]) },
        'E' => const { g(["#####", "#....", "#....", "####.", "#....", "#....", "#####"]) },
        'F' => const { g(["#####", "#....", "#....", "####.", "#....", "#....", "#...."]) },
        'G' => const { g([".###.", "#...#", "#....", "#.###", "#...#", "#...#", ".####"]) },
        'H' => const { g(["#...#", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"]) },
        'I' => const { g([".###.", "..#..", "..#..", "..#..", "..#..", "..#..", ".###."]) },
        'J' => const { g(["..###", "...#.", "...#.", "...#.", "...#.", "#..#.", ".##.."]) },
        'K' => const { g(["#...#", "#..#.", "#.#..", "##...", "#.#..", "#..#.", "#...#"]) },
        'L' => const { g(["#....", "#....", "#....", "#....", "#....", "#....", "#####"]) },
        'M' => const { g(["#...#", "##.##", "#.#.#", "#.#.#", "#...#", "#...#", "#...#"]) },
        'N' => const { g(["#...#", "#...#", "##..#", "#.#.#", "#..##", "#...#", "#...#"]) },
        'O' => const { g([".###.", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."]) },
        'P' => const { g(["####.", "#...#", "#...#", "####.", "#....", "#....", "#...."]) },
        'Q' => const { g([".###.", "#...#", "#...#", "#...#", "#.#.#", "#..#.", ".##.#"]) },
        'R' => const { g(["####.", "#...#", "#...#", "####.", "#.#..", "#..#.", "#...#"]) },
        'S' => const { g([".####", "#....", "#....", ".###.", "....#", "....#", "####."]) },
        'T' => const { g(["#####", "..#..", "..#..", "..#..", "..#..", "..#..", "..#.."]) },
        'U' => const { g(["#...#", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."]) },
        'V' => const { g(["#...#", "#...#", "#...#", "#...#", "#...#", ".#.#.", "..#.."]) },
        'W' => const { g(["#...#", "#...#", "#...#", "#.#.#", "#.#.#", "#.#.#", ".#.#."]) },
        'X' => const { g(["#...#", "#...#", ".#.#.", "..#..", ".#.#.", "#...#", "#...#"]) },
        'Y' => const { g(["#...#", "#...#", ".#.#.", "..#..", "..#..", "..#..", "..#.."]) },
        'Z' => const { g(["#####", "....#", "...#.", "..#..", ".#...", "#....", "#####"]) },
        '.' => const { g([".....", ".....", ".....", ".....", ".....", ".##..", ".##.."]) },
        ',' => const { g([".....", ".....", ".....", ".....", ".##..", "..#..", ".#..."]) },
        ':' => const { g([".....", ".##..", ".##..", ".....", ".##..", ".##..", "....."]) },
        ';' => const { g([".....", ".##..", ".##..", ".....", ".##..", "..#..", ".#..."]) },
        '-' => const { g([".....", ".....", ".....", "#####", ".....", ".....", "....."]) },
        '+' => const { g([".....", "..#..", "..#..", "#####", "..#..", "..#..", "....."]) },
        '/' => const { g([".....", "....#", "...#.", "..#..", ".#...", "#....", "....."]) },
        '%' => const { g(["##...", "##..#", "...#.", "..#..", ".#...", "#..##", "...##"]) },
        '(' => const { g(["...#.", "..#..", ".#...", ".#...", ".#...", "..#..", "...#."]) },
        ')' => const { g([".#...", "..#..", "...#.", "...#.", "...#.", "..#..", ".#..."]) },
        '=' => const { g([".....", ".....", "#####", ".....", "#####", ".....", "....."]) },
        '_' => const { g([".....", ".....", ".....", ".....", ".....", ".....", "#####"]) },
        '!' => const { g(["..#..", "..#..", "..#..", "..#..", "..#..", ".....", "..#.."]) },
        '?' => const { g([".###.", "#...#", "....#", "...#.", "..#..", ".....", "..#.."]) },
        '<' => const { g(["...#.", "..#..", ".#...", "#....", ".#...", "..#..", "...#."]) },
        '>' => const { g([".#...", "..#..", "...#.", "....#", "...#.", "..#..", ".#..."]) },
        '[' => const { g([".###.", ".#...", ".#...", ".#...", ".#...", ".#...", ".###."]) },
        ']' => const { g([".###.", "...#.", "...#.", "...#.", "...#.", "...#.", ".###."]) },
        '#' => const { g([".#.#.", ".#.#.", "#####", ".#.#.", "#####", ".#.#.", ".#.#."]) },
        '*' => const { g([".....", "#.#.#", ".###.", "#####", ".###.", "#.#.#", "....."]) },
        '\'' => const { g(["..#..", "..#..", ".#...", ".....", ".....", ".....", "....."]) },
        '±' => const { g(["..#..", "..#..", "#####", "..#..", "..#..", ".....", "#####"]) },
        '←' => const { g([".....", "..#..", ".#...", "#####", ".#...", "..#..", "....."]) },
        '→' => const { g([".....", "..#..", "...#.", "#####", "...#.", "..#..", "....."]) },
        '↑' => const { g(["..#..", ".###.", "#.#.#", "..#..", "..#..", "..#..", "..#.."]) },
        '↓' => const { g(["..#..", "..#..", "..#..", "..#..", "#.#.#", ".###.", "..#.."]) },
        'ε' => const { g([".....", ".....", ".###.", "#....", ".##..", "#....", ".###."]) },
        _ => MISSING,
    }
}

/// Calls `block(col, row, w, h)` for each solid block of a glyph, in font pixels: runs of set
/// bits in a row, merged with the identical runs of the rows below. A digit becomes about 4–6
/// blocks instead of 10–14 row runs, which keeps per-frame score drawing cheap.
pub fn glyph_blocks(c: char, mut block: impl FnMut(usize, usize, usize, usize)) {
    let rows = glyph(c);
    let set = |bits: u8, col: usize| bits & (1 << (GLYPH_W - 1 - col)) != 0;
    // Whether `bits` holds exactly the run [a, b): all of it set, both neighbours clear.
    let exact_run = |bits: u8, a: usize, b: usize| -> bool {
        (a..b).all(|c| set(bits, c)) && (a == 0 || !set(bits, a - 1)) && (b == GLYPH_W || !set(bits, b))
    };
    for r in 0..GLYPH_H {
        let bits = rows[r];
        let mut a = 0;
        while a < GLYPH_W {
            if !set(bits, a) {
                a += 1;
                continue;
            }
            let mut b = a;
            while b < GLYPH_W && set(bits, b) {
                b += 1;
            }
            if r == 0 || !exact_run(rows[r - 1], a, b) {
                let mut end = r + 1;
                while end < GLYPH_H && exact_run(rows[end], a, b) {
                    end += 1;
                }
                block(a, r, b - a, end - r);
            }
            a = b;
        }
    }
}

/// Width in pixels of `text` drawn at `scale`.
pub fn text_width(text: &str, scale: usize) -> usize {
    text.chars().count() * ADVANCE * scale
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_character_has_its_own_glyph() {
        let chars: Vec<char> = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ.,:;-+/%()=_!?<>[]#*'±←→↑↓ε"
            .chars()
            .collect();
        let mut seen = std::collections::HashSet::new();
        for &c in &chars {
            let gl = glyph(c);
            assert_ne!(gl, MISSING, "{c} has no glyph");
            assert_ne!(gl, [0; GLYPH_H], "{c} is blank");
            assert!(seen.insert(gl), "{c} shares its glyph with another character");
        }
        assert_eq!(glyph('a'), glyph('A'));
        assert_eq!(glyph('~'), MISSING);
        assert_eq!(glyph(' '), [0; GLYPH_H]);
    }

    #[test]
    fn glyph_rows_parse_left_to_right() {
        assert_eq!(glyph('1')[0], 0b00100);
        assert_eq!(glyph('L')[6], 0b11111);
        assert_eq!(glyph('L')[0], 0b10000);
        assert_eq!(text_width("AB", 2), 24);
    }

    #[test]
    fn glyph_blocks_cover_exactly_the_set_pixels() {
        for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ.,:;-+/%()=_!?<>[]#*'±←→↑↓ε".chars() {
            let mut painted = [0u8; GLYPH_H];
            let mut blocks = 0;
            glyph_blocks(c, |x, y, w, h| {
                blocks += 1;
                for row in painted.iter_mut().skip(y).take(h) {
                    for col in x..x + w {
                        let bit = 1 << (GLYPH_W - 1 - col);
                        assert_eq!(*row & bit, 0, "{c}: blocks overlap");
                        *row |= bit;
                    }
                }
            });
            assert_eq!(painted, glyph(c), "{c}");
            assert!(blocks <= 14, "{c}: {blocks} blocks");
        }
        let mut zero_blocks = 0;
        glyph_blocks('8', |_, _, _, _| zero_blocks += 1);
        assert!(zero_blocks <= 7, "'8' took {zero_blocks} blocks");
    }
}
