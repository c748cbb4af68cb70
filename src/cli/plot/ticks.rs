//! Round axis ticks (1, 2, 2.5 or 5 × 10^k apart) and labels with just enough decimals that no
//! two labels read the same.

/// Ticks covering `[lo, hi]`: the axis range (widened to whole ticks) and the tick values.
pub fn nice_ticks(lo: f64, hi: f64, target: usize) -> (f64, f64, Vec<f64>) {
    let (lo, hi) = if (hi - lo).abs() < 1e-12 * hi.abs().max(1.0) {
        let pad = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
        (lo - pad, hi + pad)
    } else {
        (lo.min(hi), hi.max(lo))
    };
    let step = nice_step((hi - lo) / target.max(2) as f64);
    let first = (lo / step).floor();
    let last = (hi / step).ceil();
    let ticks: Vec<f64> = (0..=((last - first) as i64))
        .map(|i| clean((first + i as f64) * step, step))
        .collect();
    (first * step, last * step, ticks)
}

/// The round step (1, 2, 2.5 or 5 × 10^k) nearest above `raw`.
pub fn nice_step(raw: f64) -> f64 {
    let raw = if raw.is_finite() && raw > 0.0 { raw } else { 1.0 };
    let mag = 10f64.powf(raw.log10().floor());
    let m = raw / mag;
    let nice = if m <= 1.0 {
        1.0
    } else if m <= 2.0 {
        2.0
    } else if m <= 2.5 {
        2.5
    } else if m <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * mag
}

/// Rounds away float noise such as 0.30000000000000004 and −0.
fn clean(v: f64, step: f64) -> f64 {
    let r = (v / step).round() * step;
    if r.abs() < step * 1e-9 {
        0.0
    } else {
        r
    }
}

/// Labels for `ticks` spaced `step` apart: steps of 10 000 or more as `k`/`M`, with as many
/// decimals as the step needs (0.05 → 2, 2.5k → 1).
pub fn tick_labels(ticks: &[f64], step: f64) -> Vec<String> {
    let top = ticks.iter().fold(0f64, |m, v| m.max(v.abs()));
    let (div, suffix) = if top >= 1e6 && step >= 1e5 {
        (1e6, "M")
    } else if top >= 1e4 && step >= 1e3 {
        (1e3, "k")
    } else {
        (1.0, "")
    };
    let s = step / div;
    let mut decimals = 0;
    while decimals < 8 && ((s * 10f64.powi(decimals)).round() - s * 10f64.powi(decimals)).abs() > 1e-6 {
        decimals += 1;
    }
    ticks
        .iter()
        .map(|v| {
            let x = v / div;
            let text = format!("{x:.*}", decimals as usize);
            let text = if text.starts_with('-') && text.trim_start_matches(['-', '0', '.']).is_empty() {
                text[1..].to_string()
            } else {
                text
            };
            if x == 0.0 {
                "0".into()
            } else {
                text + suffix
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_cover_the_data() {
        let (lo, hi, t) = nice_ticks(0.0, 365.0, 5);
        assert_eq!(t, vec![0.0, 100.0, 200.0, 300.0, 400.0]);
        assert_eq!((lo, hi), (0.0, 400.0));
        let (_, _, t) = nice_ticks(0.0, 157_000.0, 5);
        assert_eq!(t[1], 50_000.0);
        assert_eq!(tick_labels(&t, 50_000.0), vec!["0", "50k", "100k", "150k", "200k"]);
        let (_, _, t) = nice_ticks(0.08, 0.21, 5);
        let labels = tick_labels(&t, t[1] - t[0]);
        assert_eq!(labels, vec!["0.05", "0.10", "0.15", "0.20", "0.25"]);
        let mut dedup = labels.clone();
        dedup.dedup();
        assert_eq!(dedup, labels, "no label repeats");
    }

    #[test]
    fn labels_have_enough_decimals() {
        assert_eq!(tick_labels(&[0.0, 2500.0, 5000.0], 2500.0), vec!["0", "2500", "5000"]);
        assert_eq!(
            tick_labels(&[0.0, 25_000.0, 50_000.0], 25_000.0),
            vec!["0", "25k", "50k"]
        );
        assert_eq!(tick_labels(&[0.0, 2.5e6, 5e6], 2.5e6), vec!["0", "2.5M", "5.0M"]);
        assert_eq!(tick_labels(&[-0.1, 0.0, 0.1], 0.1), vec!["-0.1", "0", "0.1"]);
        assert_eq!(nice_step(0.0), 1.0);
        let (lo, hi, t) = nice_ticks(5.0, 5.0, 5);
        assert!(lo < 5.0 && hi > 5.0 && t.len() >= 2);
    }
}
