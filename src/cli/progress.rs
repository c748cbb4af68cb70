//! The training progress bar.

use agents::dqn::Progress;
use indicatif::{ProgressBar, ProgressStyle};

/// A progress bar for `total` env steps; hidden when stderr is not a terminal, where a plain
/// line is printed every `every` seconds instead.
pub struct TrainBar {
    bar: ProgressBar,
    plain: bool,
    last_plain: std::time::Instant,
}

impl TrainBar {
    pub fn new(total: u64, quiet: bool) -> Self {
        use std::io::IsTerminal;
        let plain = !std::io::stderr().is_terminal() && !quiet;
        let bar = if quiet || plain {
            ProgressBar::hidden()
        } else {
            ProgressBar::new(total)
        };
        bar.set_style(
            ProgressStyle::with_template("{bar:30.cyan/blue} {pos}/{len} steps  {msg}  ETA {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        TrainBar {
            bar,
            plain,
            last_plain: std::time::Instant::now(),
        }
    }

    fn message(p: &Progress, sps: f64) -> String {
        let ret = p
            .mean_return_100
            .map(|r| format!("{r:.2}"))
            .unwrap_or_else(|| "-".into());
        format!(
            "{sps:.0} SPS  {} episodes  return(100) {ret}  ε {:.3}  {}",
            p.episodes,
            p.epsilon,
            if p.learning {
                format!("{} updates", p.updates)
            } else {
                "filling replay".into()
            }
        )
    }

    pub fn update(&mut self, p: &Progress, sps: f64) {
        self.bar.set_length(p.total_steps);
        self.bar.set_position(p.step);
        let msg = Self::message(p, sps);
        if self.plain && self.last_plain.elapsed().as_secs() >= 10 {
            self.last_plain = std::time::Instant::now();
            eprintln!("step {}/{}  {msg}", p.step, p.total_steps);
        }
        self.bar.set_message(msg);
    }

    pub fn println(&self, line: &str) {
        if self.bar.is_hidden() {
            eprintln!("{line}");
        } else {
            self.bar.println(line);
        }
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
