//! The numbers behind a curve: smoothing that never runs on too few points, and the mean of
//! several seeds with a band (standard deviation, or a 95 % bootstrap interval of the mean).

use rand::{RngExt, SeedableRng};

/// Fewest points per smoothing window: a series shorter than `window × MIN_WINDOWS` gets a
/// narrower window, and under `2 × MIN_WINDOWS` points none at all.
const MIN_WINDOWS: usize = 5;
/// Points of the common grid that seeds are averaged on.
const GRID: usize = 200;

/// The moving-average window for `n` points when `wanted` was asked for (1 = no smoothing).
pub fn window_for(n: usize, wanted: usize) -> usize {
    wanted.min(n / MIN_WINDOWS).max(1)
}

/// A trailing moving average over `window` points (the first points average what there is).
pub fn smooth(points: &[(f64, f64)], window: usize) -> Vec<(f64, f64)> {
    let k = window.max(1);
    let mut sum = 0.0;
    points
        .iter()
        .enumerate()
        .map(|(i, &(x, y))| {
            sum += y;
            if i >= k {
                sum -= points[i - k].1;
            }
            (x, sum / (i + 1).min(k) as f64)
        })
        .collect()
}

/// The value of a step curve's linear interpolation at `x` (points sorted by x).
pub fn interpolate(points: &[(f64, f64)], x: f64) -> f64 {
    match points.partition_point(|p| p.0 < x) {
        0 => points[0].1,
        i if i >= points.len() => points[points.len() - 1].1,
        i => {
            let (a, b) = (points[i - 1], points[i]);
            if b.0 == a.0 {
                b.1
            } else {
                a.1 + (b.1 - a.1) * (x - a.0) / (b.0 - a.0)
            }
        }
    }
}

/// How the spread between seeds is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Band {
    /// Mean ± one standard deviation of the seeds.
    Std,
    /// A 95 % bootstrap confidence interval of the mean (1000 resamples).
    Ci95,
    /// The mean alone.
    None,
}

/// The mean curve of several runs and its band, on a common grid over the steps every run has.
#[derive(Debug, Clone, PartialEq)]
pub struct Aggregate {
    /// (step, mean).
    pub mean: Vec<(f64, f64)>,
    /// (step, low, high) of the band; empty for [`Band::None`].
    pub band: Vec<(f64, f64, f64)>,
}

/// Averages `runs` (each sorted by step) on the steps they all cover. `None` when they share no
/// steps.
pub fn aggregate(runs: &[Vec<(f64, f64)>], band: Band) -> Option<Aggregate> {
    let lo = runs
        .iter()
        .map(|r| r.first().map_or(f64::MAX, |p| p.0))
        .fold(f64::MIN, f64::max);
    let hi = runs
        .iter()
        .map(|r| r.last().map_or(f64::MIN, |p| p.0))
        .fold(f64::MAX, f64::min);
    // NaN bounds compare as neither: no overlap either way.
    if runs.is_empty() || hi.partial_cmp(&lo).is_none_or(|o| o == std::cmp::Ordering::Less) {
        return None;
    }
    // Few distinct steps (e.g. evaluations at the same steps in every run): use them as they are.
    let mut steps: Vec<f64> = runs
        .iter()
        .flatten()
        .map(|p| p.0)
        .filter(|x| *x >= lo && *x <= hi)
        .collect();
    steps.sort_by(f64::total_cmp);
    steps.dedup();
    let grid: Vec<f64> = if steps.len() <= GRID {
        steps
    } else {
        (0..GRID)
            .map(|i| lo + (hi - lo) * i as f64 / (GRID - 1) as f64)
            .collect()
    };
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(0x5eed);
    let (mut mean, mut spread) = (Vec::new(), Vec::new());
    for &x in &grid {
        let ys: Vec<f64> = runs.iter().map(|r| interpolate(r, x)).collect();
        let m = ys.iter().sum::<f64>() / ys.len() as f64;
        mean.push((x, m));
        match band {
            Band::None => {}
            Band::Std => {
                let sd = (ys.iter().map(|y| (y - m).powi(2)).sum::<f64>() / ys.len() as f64).sqrt();
                spread.push((x, m - sd, m + sd));
            }
            Band::Ci95 => {
                let mut means: Vec<f64> = (0..1000)
                    .map(|_| (0..ys.len()).map(|_| ys[rng.random_range(0..ys.len())]).sum::<f64>() / ys.len() as f64)
                    .collect();
                means.sort_by(f64::total_cmp);
                spread.push((x, means[25], means[974]));
            }
        }
    }
    Some(Aggregate { mean, band: spread })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smoothing_needs_enough_points() {
        assert_eq!(window_for(3, 20), 1, "3 eval points are drawn as they are");
        assert_eq!(window_for(50, 20), 10);
        assert_eq!(window_for(1000, 20), 20);
        let pts = [(0.0, 0.0), (1.0, 10.0), (2.0, 20.0), (3.0, 30.0)];
        assert_eq!(smooth(&pts, 2), vec![(0.0, 0.0), (1.0, 5.0), (2.0, 15.0), (3.0, 25.0)]);
        assert_eq!(smooth(&pts, 1), pts.to_vec());
    }

    #[test]
    fn seeds_average_on_common_steps_with_a_band() {
        let a = vec![(0.0, 0.0), (10.0, 10.0), (20.0, 20.0)];
        let b = vec![(0.0, 2.0), (10.0, 12.0), (15.0, 17.0)];
        let agg = aggregate(&[a.clone(), b], Band::Std).unwrap();
        assert_eq!(agg.mean.first(), Some(&(0.0, 1.0)));
        assert_eq!(agg.mean.last(), Some(&(15.0, 16.0)), "only the steps both runs reached");
        assert_eq!(agg.band[0], (0.0, 0.0, 2.0));
        let ci = aggregate(&[a.clone(), a.clone()], Band::Ci95).unwrap();
        assert!(
            ci.band.iter().all(|(_, lo, hi)| (hi - lo).abs() < 1e-12),
            "identical seeds: no spread"
        );
        assert!(aggregate(&[vec![(0.0, 1.0)], vec![(5.0, 1.0)]], Band::Std).is_none());
        assert_eq!(interpolate(&a, 5.0), 5.0);
    }
}
