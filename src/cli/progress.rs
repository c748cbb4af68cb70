//! The training progress line: a bar and the most useful fields that fit the terminal's width
//! (fields are dropped, least useful first, rather than wrapped).

use agents::dqn::Progress;
use indicatif::{ProgressBar, ProgressStyle};

/// A progress bar for `total` env steps; hidden when stderr is not a terminal, where a plain
/// line is printed every 10 seconds instead.
pub struct TrainBar {
    bar: ProgressBar,
    plain: bool,
    last_plain: std::time::Instant,
    bar_width: Option<usize>,
}

/// Columns of the terminal on stderr (80 when unknown).
fn terminal_columns() -> usize {
    let (_, cols) = console::Term::stderr().size();
    if cols == 0 {
        80
    } else {
        cols as usize
    }
}

/// The bar's width for a terminal `cols` wide: 30, 20, 10 or none.
fn bar_width_for(cols: usize) -> usize {
    match cols {
        110.. => 30,
        90.. => 20,
        60.. => 10,
        _ => 0,
    }
}

/// `n` as 1234, 12.3k, 1.23M.
fn short(n: u64) -> String {
    match n {
        0..=9_999 => n.to_string(),
        10_000..=999_999 => format!("{:.1}k", n as f64 / 1e3),
        _ => format!("{:.2}M", n as f64 / 1e6),
    }
}

/// `secs` as 42s, 3m05s, 2h07m.
fn duration(secs: f64) -> String {
    let s = secs.max(0.0).round() as u64;
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, s % 3600 / 60),
    }
}

/// The progress fields, most useful first.
fn fields(p: &Progress, sps: f64) -> Vec<String> {
    let mut f = vec![format!("{}/{}", short(p.step), short(p.total_steps))];
    if sps > 0.0 {
        f.push(format!("{sps:.0} steps/s"));
    }
    f.push(match p.mean_return_100 {
        Some(r) => format!("return {r:.1}"),
        None => "return -".into(),
    });
    if sps > 0.0 && p.total_steps > p.step {
        f.push(format!("ETA {}", duration((p.total_steps - p.step) as f64 / sps)));
    }
    f.push(format!("ε {:.3}", p.epsilon));
    f.push(if p.learning {
        format!("{} updates", short(p.updates))
    } else {
        "filling replay".into()
    });
    f.push(format!("{} episodes", short(p.episodes)));
    f
}

/// The fields joined by two spaces, as many as fit `width` columns, in priority order.
pub fn fit(fields: &[String], width: usize) -> String {
    let mut line = String::new();
    for f in fields {
        let extra = if line.is_empty() { 0 } else { 2 } + f.chars().count();
        if line.chars().count() + extra > width {
            break;
        }
        if !line.is_empty() {
            line.push_str("  ");
        }
        line.push_str(f);
    }
    line
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
        TrainBar {
            bar,
            plain,
            last_plain: std::time::Instant::now(),
            bar_width: None,
        }
    }

    pub fn update(&mut self, p: &Progress, sps: f64) {
        self.bar.set_length(p.total_steps);
        self.bar.set_position(p.step);
        let fields = fields(p, sps);
        if self.plain {
            if self.last_plain.elapsed().as_secs() >= 10 {
                self.last_plain = std::time::Instant::now();
                eprintln!("step {}", fields.join("  "));
            }
            return;
        }
        // One column is left free: a line exactly as wide as the terminal wraps in some.
        let cols = terminal_columns().saturating_sub(1);
        let bar_w = bar_width_for(cols);
        if self.bar_width != Some(bar_w) {
            self.bar_width = Some(bar_w);
            let template = if bar_w > 0 {
                format!("{{bar:{bar_w}.cyan/blue}} {{msg}}")
            } else {
                "{msg}".into()
            };
            self.bar
                .set_style(ProgressStyle::with_template(&template).unwrap_or_else(|_| ProgressStyle::default_bar()));
        }
        let room = cols.saturating_sub(if bar_w > 0 { bar_w + 1 } else { 0 });
        self.bar.set_message(fit(&fields, room));
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

/// The start line's second half: how ε falls, in steps, and why it depends on `--steps`.
pub fn epsilon_schedule(cfg: &agents::dqn::TrainConfig) -> String {
    let d = &cfg.dqn;
    let over = (d.eps_fraction * d.total_steps as f64).round() as u64;
    format!(
        "ε {} → {} over the first {over} steps (dqn.eps_fraction {} × {} steps: another --steps gives another schedule)",
        d.eps_start, d.eps_end, d.eps_fraction, d.total_steps
    )
}

/// The end of a run: the final model and the best one side by side, and after a stop the
/// command that continues it.
pub fn summary_lines(summary: &agents::dqn::TrainSummary) -> Vec<String> {
    let mut out = Vec::new();
    let final_eval = match &summary.eval {
        Some((step, e)) if *step == summary.steps => format!(
            "eval {:.2} ± {:.2} over {} episodes (ε = {})",
            e.mean_return, e.std_return, e.episodes, e.epsilon
        ),
        // Stopped between evaluations: the newest one scored other weights.
        Some((step, e)) => format!(
            "not evaluated (the last evaluation, at step {step}: {:.2})",
            e.mean_return
        ),
        None => "not evaluated".into(),
    };
    out.push(format!("final model: {final_eval}  {}", summary.checkpoint.display()));
    let best = agents::dqn::choose::resolve(&summary.run_dir, &agents::dqn::CheckpointChoice::Best);
    if let Ok(b) = best {
        let eval = b.eval.map_or("eval ?".into(), |e| format!("eval {e:.2}"));
        let step = b.step.map_or(String::new(), |s| format!(" at step {s}"));
        out.push(format!("best model:  {eval}{step}  {}", b.model.display()));
    }
    out.push(format!("run: {}", summary.run_dir.display()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_final_model_is_called_evaluated_only_when_the_last_evaluation_scored_it() {
        let eval = agents::dqn::EvalResult {
            env: "breakout".into(),
            mean_return: 258.2,
            std_return: 117.0,
            episodes: 5,
            epsilon: 0.01,
            sticky_action_prob: 0.25,
            returns: vec![],
            lengths: vec![],
            seed: 0,
        };
        let mut s = agents::dqn::TrainSummary {
            run_dir: "/nonexistent/run".into(),
            steps: 348_749,
            updates: 0,
            episodes: 0,
            mean_return_100: None,
            checkpoint: "/nonexistent/run/checkpoints/step_348749.safetensors".into(),
            eval: Some((300_000, eval)),
            stopped: true,
            wall_secs: 1.0,
            steps_per_sec: 1.0,
            learning_steps_per_sec: None,
        };
        let first = |s: &agents::dqn::TrainSummary| summary_lines(s)[0].clone();
        assert!(
            first(&s).starts_with("final model: not evaluated (the last evaluation, at step 300000: 258.20)"),
            "{}",
            first(&s)
        );
        if let Some((step, _)) = s.eval.as_mut() {
            *step = 348_749;
        }
        assert!(
            first(&s).starts_with("final model: eval 258.20 ± 117.00 over 5 episodes"),
            "{}",
            first(&s)
        );
    }

    #[test]
    fn the_line_fits_80_columns_by_dropping_fields() {
        let p = Progress {
            step: 1_234_567,
            total_steps: 10_000_000,
            episodes: 98_765,
            mean_return_100: Some(-123.456),
            epsilon: 0.0123,
            updates: 2_345_678,
            learning: true,
        };
        let f = fields(&p, 4321.0);
        let full = f.join("  ");
        assert!(full.chars().count() > 59, "{full}");
        for cols in [40usize, 60, 79, 200] {
            let bar = bar_width_for(cols);
            let room = cols - if bar > 0 { bar + 1 } else { 0 };
            let line = fit(&f, room);
            assert!(
                line.chars().count() + bar + usize::from(bar > 0) <= cols,
                "{cols}: {line}"
            );
            assert!(line.starts_with("1.23M/10.00M"), "{line}");
        }
        assert_eq!(fit(&f, 200), full);
        assert_eq!(duration(125.0), "2m05s");
        assert_eq!(short(12_345), "12.3k");
    }
}
