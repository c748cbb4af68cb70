//! [`LinearSchedule`]: a value that moves in a straight line from `start` to `end` over
//! `duration` steps and then stays at `end`. DQN uses it for ε (1 → 0.01 over the first 10% of
//! training, as CleanRL's `linear_schedule`) and prioritized replay for β (0.4 → 1).
//!
//! ```
//! use agents::schedule::LinearSchedule;
//! let eps = LinearSchedule { start: 1.0, end: 0.01, duration: 1_000_000 };
//! assert_eq!(eps.value(0), 1.0);
//! assert!((eps.value(500_000) - 0.505).abs() < 1e-12);
//! assert_eq!(eps.value(2_000_000), 0.01);
//! ```

use serde::{Deserialize, Serialize};

/// A linear ramp from `start` (at step 0) to `end` (at step `duration` and after).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LinearSchedule {
    /// Value at step 0.
    pub start: f64,
    /// Value from step `duration` on.
    pub end: f64,
    /// Number of steps the ramp takes; 0 means the value is `end` from the first step.
    pub duration: u64,
}

impl LinearSchedule {
    /// A schedule that always returns `value`.
    pub fn constant(value: f64) -> Self {
        LinearSchedule {
            start: value,
            end: value,
            duration: 0,
        }
    }

    /// The value at `step`. Works for rising (β) and falling (ε) ramps alike; for a falling ramp
    /// it equals CleanRL's `max(slope * t + start, end)`.
    pub fn value(&self, step: u64) -> f64 {
        if step >= self.duration {
            return self.end;
        }
        let fraction = step as f64 / self.duration as f64;
        self.start + (self.end - self.start) * fraction
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// CleanRL's `linear_schedule(start_e, end_e, duration, t)`, written from its definition.
    fn cleanrl(start: f64, end: f64, duration: f64, t: f64) -> f64 {
        let slope = (end - start) / duration;
        (slope * t + start).max(end)
    }

    #[test]
    fn falling_ramp_matches_cleanrl() {
        // dqn_atari.py: 1 → 0.01 over 10% of 10M steps.
        let s = LinearSchedule {
            start: 1.0,
            end: 0.01,
            duration: 1_000_000,
        };
        for t in [0u64, 1, 999, 250_000, 999_999, 1_000_000, 1_000_001, 9_999_999] {
            let expected = cleanrl(1.0, 0.01, 1e6, t as f64);
            assert!(
                (s.value(t) - expected).abs() < 1e-12,
                "t={t}: {} vs {expected}",
                s.value(t)
            );
        }
    }

    #[test]
    fn rising_ramp_for_beta() {
        let s = LinearSchedule {
            start: 0.4,
            end: 1.0,
            duration: 100,
        };
        assert_eq!(s.value(0), 0.4);
        assert!((s.value(50) - 0.7).abs() < 1e-12);
        assert_eq!(s.value(100), 1.0);
        assert_eq!(s.value(10_000), 1.0);
        // Monotone in between.
        assert!((1..100).all(|t| s.value(t) > s.value(t - 1)));
    }

    #[test]
    fn zero_duration_and_constant() {
        let s = LinearSchedule {
            start: 1.0,
            end: 0.05,
            duration: 0,
        };
        assert_eq!(s.value(0), 0.05);
        assert_eq!(LinearSchedule::constant(0.3).value(12345), 0.3);
    }
}
