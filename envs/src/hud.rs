//! The panel that `dqn watch` and `dqn record --hud` draw beside the game: score, lives, episode
//! and step, ε, the checkpoint and its training step, the running mean return, and the Q-values
//! as bars on one honest scale.
//!
//! The bars share one zero and one scale ([`QScale`]), which only grows while the agent plays, so
//! 2.50 against 2.59 looks nearly equal, as it is. The numbers are printed beside the bars.

use crate::font::text_width;
use crate::frame::Frame;
use crate::palette::Rgb;

/// Width of the panel in pixels (20 characters of the 5×7 font).
pub const PANEL_W: usize = 120;
/// Top of the first Q-value row in the panel.
const BARS_Y: usize = 90;
/// Height of one Q-value row (label line, then the bar).
const ROW_H: usize = 18;

const WHITE: Rgb = [236, 236, 236];
const DIM: Rgb = [150, 150, 150];
const CHOSEN: Rgb = [92, 186, 92];
const OTHER: Rgb = [84, 138, 210];
const NEGATIVE: Rgb = [210, 96, 84];

/// The range the Q-value bars are drawn on: it always holds 0 and every value seen so far.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct QScale {
    /// The lowest value seen (≤ 0).
    pub lo: f32,
    /// The highest value seen (≥ 0).
    pub hi: f32,
}

impl QScale {
    /// Widens the range to hold `values` (non-finite values are ignored).
    pub fn observe(&mut self, values: &[f32]) {
        for &v in values.iter().filter(|v| v.is_finite()) {
            self.lo = self.lo.min(v);
            self.hi = self.hi.max(v);
        }
    }

    /// The x offset (in `0..=width`) of `v` on a bar `width` pixels wide, with 0 where 0 is.
    pub fn position(&self, v: f32, width: usize) -> usize {
        let span = self.hi - self.lo;
        if span <= 0.0 || !v.is_finite() {
            return 0;
        }
        (((v.clamp(self.lo, self.hi) - self.lo) / span) * width as f32).round() as usize
    }
}

/// What the agent panel shows.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentHud<'a> {
    /// `SCORE`, or `STEPS` for cartpole ([`crate::controls::score_word`]).
    pub score_word: &'a str,
    /// The game's score in the current episode.
    pub score: f64,
    /// Lives left, in games that have lives.
    pub lives: Option<u32>,
    /// The current episode, counted from 1.
    pub episode: u32,
    /// Agent steps in the current episode.
    pub step: u64,
    /// Mean return of the finished episodes and how many there were.
    pub mean_return: Option<(f64, u32)>,
    /// ε of the ε-greedy policy.
    pub epsilon: f64,
    /// The checkpoint's name (e.g. `step_267839`).
    pub checkpoint: &'a str,
    /// The training step the checkpoint was saved at, when known.
    pub trained_steps: Option<u64>,
    /// The action names.
    pub meanings: &'a [&'a str],
    /// The Q-values of the last step (empty before the first).
    pub q: &'a [f32],
    /// The action taken.
    pub chosen: usize,
    /// The scale of the bars.
    pub scale: QScale,
    /// A line at the bottom of the panel (e.g. the keys), if any.
    pub footer: Option<&'a str>,
}

/// The panel height `n_actions` Q-value rows need.
pub fn panel_height(n_actions: usize) -> usize {
    BARS_Y + n_actions * ROW_H + 14
}

/// A step count in a few characters: 950, 12.5K, 2.68M.
pub fn short_count(n: u64) -> String {
    match n {
        0..1_000 => n.to_string(),
        1_000..1_000_000 => format!("{:.1}K", n as f64 / 1e3),
        _ => format!("{:.2}M", n as f64 / 1e6),
    }
}

/// Draws the panel into `canvas` at column `x0` (the panel is [`PANEL_W`] wide).
pub fn draw_agent_panel(canvas: &mut Frame, x0: usize, hud: &AgentHud) {
    let x = x0 as i32 + 4;
    let line = |canvas: &mut Frame, row: i32, text: &str, rgb: Rgb| {
        let fitted: String = text.chars().take((PANEL_W - 6) / crate::font::ADVANCE).collect();
        canvas.text(x, 4 + row * 10, &fitted, rgb, 1);
    };
    line(canvas, 0, &format!("{} {:.0}", hud.score_word, hud.score), WHITE);
    if let Some(lives) = hud.lives {
        line(canvas, 1, &format!("LIVES {lives}"), WHITE);
    }
    line(canvas, 2, &format!("EPISODE {} STEP {}", hud.episode, hud.step), WHITE);
    let mean = match hud.mean_return {
        Some((m, n)) => format!("MEAN {m:.1} OF {n}"),
        None => "MEAN -".to_string(),
    };
    line(canvas, 3, &mean, WHITE);
    line(canvas, 4, &format!("ε {}", hud.epsilon), WHITE);
    line(canvas, 5, hud.checkpoint, DIM);
    if let Some(t) = hud.trained_steps {
        line(canvas, 6, &format!("TRAIN STEP {}", short_count(t)), DIM);
    }
    draw_q_bars(canvas, x0, hud);
    if let Some(footer) = hud.footer {
        canvas.text(x, canvas.height as i32 - 10, footer, DIM, 1);
    }
}

/// The Q-value rows: name and value, then a bar from the common zero (a tick marks it).
fn draw_q_bars(canvas: &mut Frame, x0: usize, hud: &AgentHud) {
    let x = x0 as i32 + 4;
    let bar_w = PANEL_W - 12;
    let scale_text = format!("Q {:.2}..{:.2}", hud.scale.lo, hud.scale.hi);
    let fitted = if text_width(&scale_text, 1) <= PANEL_W - 6 {
        scale_text
    } else {
        format!("Q {:.0}..{:.0}", hud.scale.lo, hud.scale.hi)
    };
    canvas.text(x, BARS_Y as i32 - 12, &fitted, WHITE, 1);
    if hud.q.is_empty() {
        return;
    }
    let zero = hud.scale.position(0.0, bar_w) as i32;
    for (i, (name, &v)) in hud.meanings.iter().zip(hud.q).enumerate() {
        let y = (BARS_Y + i * ROW_H) as i32;
        let label: String = name.chars().take(9).collect();
        let rgb = if i == hud.chosen { CHOSEN } else { WHITE };
        canvas.text(x, y, &format!("{label} {v:.2}"), rgb, 1);
        let end = hud.scale.position(v, bar_w) as i32;
        let colour = match (i == hud.chosen, v < 0.0) {
            (true, _) => CHOSEN,
            (false, true) => NEGATIVE,
            (false, false) => OTHER,
        };
        canvas.rect(x + zero.min(end), y + 9, (end - zero).abs().max(1), 6, colour);
        canvas.rect(x + zero, y + 8, 1, 8, DIM);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_values_get_close_bars() {
        let mut s = QScale::default();
        s.observe(&[2.50, 2.59]);
        let (a, b) = (s.position(2.50, 100), s.position(2.59, 100));
        assert_eq!(s.position(0.0, 100), 0);
        assert!(b - a <= 4 && a >= 90, "{a} {b}");
        // The scale only grows: a later small value does not stretch the bars.
        s.observe(&[0.1]);
        assert_eq!(s.position(2.59, 100), 100);
        s.observe(&[-1.0, f32::NAN]);
        assert_eq!(s.lo, -1.0);
        assert!(s.position(0.0, 100) > 25 && s.position(0.0, 100) < 30);
    }

    #[test]
    fn counts_are_short() {
        assert_eq!(short_count(950), "950");
        assert_eq!(short_count(12_500), "12.5K");
        assert_eq!(short_count(267_839), "267.8K");
        assert_eq!(short_count(2_680_000), "2.68M");
    }

    #[test]
    fn the_panel_draws_bars_and_lives_only_when_given() {
        let meanings = ["NOOP", "FIRE"];
        let mut scale = QScale::default();
        scale.observe(&[1.0, 2.0]);
        let hud = AgentHud {
            score_word: "SCORE",
            score: 3.0,
            lives: None,
            episode: 1,
            step: 10,
            mean_return: None,
            epsilon: 0.01,
            checkpoint: "step_100",
            trained_steps: Some(100),
            meanings: &meanings,
            q: &[1.0, 2.0],
            chosen: 1,
            scale,
            footer: None,
        };
        let mut f = Frame::new(PANEL_W, panel_height(2));
        draw_agent_panel(&mut f, 0, &hud);
        let lit = |f: &Frame, y: usize| (0..f.width).filter(|&x| f.pixel(x, y) != [0, 0, 0]).count();
        assert_eq!(lit(&f, 16), 0, "no LIVES line");
        // The chosen action's bar (value 2, the top of the scale) spans the bar width.
        assert!(lit(&f, BARS_Y + ROW_H + 11) >= PANEL_W - 13);
        let mut g = Frame::new(PANEL_W, panel_height(2));
        draw_agent_panel(&mut g, 0, &AgentHud { lives: Some(2), ..hud });
        assert!(lit(&g, 16) > 0, "LIVES line");
    }
}
