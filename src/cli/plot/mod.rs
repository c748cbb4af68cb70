//! `dqn plot`: learning curves from TensorBoard event files, as PNG or SVG. Runs of one
//! experiment (the same `<env>__<name>` with different seeds) are drawn as their mean with a
//! band; [`series`] holds the numbers, [`chart`] the layout, [`canvas`] the drawing.

mod canvas;
mod chart;
mod series;
mod ticks;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use agents::run::write_atomic;
use agents::tensorboard::{event_files, read_scalars};
use anyhow::Context;
use clap::Args;

use chart::{Chart, Curve};
use series::{aggregate, smooth, window_for, Band};

/// Arguments of `dqn plot`.
#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  dqn plot runs/cartpole__dqn__1__1700000000 --out curve.png\n  dqn plot runs/cartpole__dqn__* --tag eval/mean_return --band ci95 --out seeds.svg\n  dqn plot runs/a runs/b --no-group --label scratch --label pretrained --out cmp.png\n\nRuns whose folders share <env>__<name> (seeds of one experiment) are drawn as one curve: the\nmean, with a band of ± one standard deviation (--band std) or a 95 % bootstrap interval of the\nmean (--band ci95). --group names the groups yourself; --no-group draws every run alone."
)]
pub struct PlotArgs {
    /// Run folders (or any folders of TensorBoard event files).
    #[arg(required = true)]
    pub runs: Vec<PathBuf>,
    /// Output file: .png or .svg.
    #[arg(long)]
    pub out: PathBuf,
    /// The scalar to plot.
    #[arg(long, default_value = "charts/episodic_return")]
    pub tag: String,
    /// Legend label per curve (per group, or per run with --no-group). Default: the group's
    /// `<env>__<name>` and its seed count, or the run folder's name.
    #[arg(long = "label")]
    pub labels: Vec<String>,
    /// Group per run, in the order of the runs (runs with the same group form one curve).
    #[arg(long = "group", conflicts_with = "no_group")]
    pub groups: Vec<String>,
    /// One curve per run, even for seeds of one experiment.
    #[arg(long)]
    pub no_group: bool,
    /// The band around the mean of a group.
    #[arg(long, value_enum, default_value = "std")]
    pub band: Band,
    /// Moving-average window, in points; narrower on short series, none under 10 points.
    #[arg(long, default_value_t = 20)]
    pub smooth: usize,
    /// Title (default: the envs and the tag).
    #[arg(long)]
    pub title: Option<String>,
    /// y-axis label (default: from the tag).
    #[arg(long)]
    pub ylabel: Option<String>,
    /// Width in pixels.
    #[arg(long, default_value_t = 800, value_parser = clap::value_parser!(u32).range(200..=8000))]
    pub width: u32,
    /// Height in pixels.
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u32).range(150..=8000))]
    pub height: u32,
}

/// The image format of `out`, from its extension.
fn format_of(out: &Path) -> anyhow::Result<&'static str> {
    let ext = out.extension().map(|e| e.to_string_lossy().to_ascii_lowercase());
    match ext.as_deref() {
        Some("png") => Ok("png"),
        Some("svg") => Ok("svg"),
        Some(other) => anyhow::bail!(
            "--out {}: unknown image format '.{other}'; use .png or .svg",
            out.display()
        ),
        None => anyhow::bail!("--out {}: give the file a .png or .svg extension", out.display()),
    }
}

/// `<env>__<name>` of a run folder named `<env>__<name>__<seed>__<time>`.
fn experiment_of(run: &Path) -> Option<String> {
    let name = run.file_name()?.to_string_lossy().into_owned();
    let parts: Vec<&str> = name.split("__").collect();
    (parts.len() >= 4 && parts[parts.len() - 2].parse::<u64>().is_ok()).then(|| parts[..parts.len() - 2].join("__"))
}

fn folder_name(run: &Path) -> String {
    run.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| run.display().to_string())
}

/// "charts/episodic_return" → "episodic return".
fn y_label_of(tag: &str) -> String {
    let (prefix, last) = tag.rsplit_once('/').unwrap_or(("", tag));
    let text = last.replace('_', " ");
    if prefix == "eval" {
        format!("{text} (evaluation)")
    } else {
        text
    }
}

pub fn run(a: PlotArgs) -> anyhow::Result<()> {
    let format = format_of(&a.out)?;
    if !a.groups.is_empty() && a.groups.len() != a.runs.len() {
        anyhow::bail!("{} --group for {} runs: give one per run", a.groups.len(), a.runs.len());
    }
    // Read every run first: a bad one is named before anything is drawn.
    let mut data = Vec::new();
    for run in &a.runs {
        if !run.is_dir() {
            anyhow::bail!("{}: no such run folder", run.display());
        }
        if event_files(run)?.is_empty() {
            anyhow::bail!(
                "{}: no TensorBoard event files (events.out.tfevents.*) in it",
                run.display()
            );
        }
        let scalars = read_scalars(run)?;
        let points = scalars.get(&a.tag).filter(|p| !p.is_empty()).ok_or_else(|| {
            let tags: Vec<&String> = scalars.keys().collect();
            anyhow::anyhow!("{} has no '{}' scalars; it has: {:?}", run.display(), a.tag, tags)
        })?;
        let mut pts: Vec<(f64, f64)> = points.iter().map(|p| (p.step as f64, p.value)).collect();
        pts.sort_by(|x, y| x.0.total_cmp(&y.0));
        data.push(pts);
    }

    // Curves: groups in order of first appearance.
    let mut order: Vec<String> = Vec::new();
    let mut members: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, run) in a.runs.iter().enumerate() {
        let key = if a.no_group {
            format!("{i}")
        } else if let Some(g) = a.groups.get(i) {
            g.clone()
        } else {
            experiment_of(run).unwrap_or_else(|| format!("{i}"))
        };
        if !members.contains_key(&key) {
            order.push(key.clone());
        }
        members.entry(key).or_default().push(i);
    }
    if !a.labels.is_empty() && a.labels.len() != order.len() {
        anyhow::bail!(
            "{} --label for {} curve{} ({} run{}{}): give one per curve",
            a.labels.len(),
            order.len(),
            if order.len() == 1 { "" } else { "s" },
            a.runs.len(),
            if a.runs.len() == 1 { "" } else { "s" },
            if order.len() < a.runs.len() {
                ", seeds of one experiment form one curve; --no-group draws each"
            } else {
                ""
            }
        );
    }
    let mut curves = Vec::new();
    for (ci, key) in order.iter().enumerate() {
        let runs = &members[key];
        let smoothed: Vec<Vec<(f64, f64)>> = runs
            .iter()
            .map(|&r| smooth(&data[r], window_for(data[r].len(), a.smooth)))
            .collect();
        let default_label = if runs.len() == 1 {
            folder_name(&a.runs[runs[0]])
        } else {
            let name = if a.groups.is_empty() {
                experiment_of(&a.runs[runs[0]])
            } else {
                None
            };
            format!("{} ({} runs)", name.unwrap_or_else(|| key.clone()), runs.len())
        };
        let label = a.labels.get(ci).cloned().unwrap_or(default_label);
        let curve = if runs.len() == 1 {
            let (raw, line) = (&data[runs[0]], smoothed[0].clone());
            let was_smoothed = window_for(raw.len(), a.smooth) > 1;
            Curve {
                label,
                markers: !was_smoothed && raw.len() <= 60,
                faint: if was_smoothed { vec![raw.clone()] } else { Vec::new() },
                line,
                band: Vec::new(),
            }
        } else {
            let agg = aggregate(&smoothed, a.band)
                .ok_or_else(|| anyhow::anyhow!("the runs of '{key}' share no steps of '{}' to average", a.tag))?;
            Curve {
                label,
                markers: agg.mean.len() <= 60 && smoothed.iter().all(|s| window_for(s.len(), a.smooth) == 1),
                faint: if a.band == Band::None { smoothed } else { Vec::new() },
                line: agg.mean,
                band: agg.band,
            }
        };
        curves.push(curve);
    }

    let mut envs: Vec<String> = a
        .runs
        .iter()
        .filter_map(|r| experiment_of(r).and_then(|e| e.split("__").next().map(str::to_string)))
        .collect();
    envs.dedup();
    let chart = Chart {
        title: a.title.clone().unwrap_or_else(|| {
            if envs.is_empty() {
                a.tag.clone()
            } else {
                format!("{}: {}", envs.join(", "), a.tag)
            }
        }),
        x_label: "environment steps".into(),
        y_label: a.ylabel.clone().unwrap_or_else(|| y_label_of(&a.tag)),
        curves,
    };
    let canvas = chart::draw(&chart, a.width as usize, a.height as usize);
    let bytes = match format {
        "svg" => canvas.to_svg().into_bytes(),
        _ => encode_png(canvas.width, canvas.height, &canvas.to_rgb())?,
    };
    write_atomic(&a.out, &bytes).with_context(|| format!("cannot write {}", a.out.display()))?;
    outln!(
        "wrote {} ({} curve{} from {} run{})",
        a.out.display(),
        chart.curves.len(),
        if chart.curves.len() == 1 { "" } else { "s" },
        a.runs.len(),
        if a.runs.len() == 1 { "" } else { "s" }
    );
    Ok(())
}

fn encode_png(width: usize, height: usize, rgb: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, width as u32, height as u32);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    let mut w = enc.write_header()?;
    w.write_image_data(rgb)?;
    w.finish()?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_experiments_and_labels() {
        assert_eq!(format_of(Path::new("a.PNG")).unwrap(), "png");
        assert_eq!(format_of(Path::new("a.svg")).unwrap(), "svg");
        let e = format_of(Path::new("x.jpg")).unwrap_err().to_string();
        assert!(
            e.contains("unknown image format '.jpg'") && e.contains(".png or .svg"),
            "{e}"
        );
        assert!(format_of(Path::new("x")).is_err());
        assert_eq!(
            experiment_of(Path::new("runs/cartpole__dqn__3__1700000000")).as_deref(),
            Some("cartpole__dqn")
        );
        assert_eq!(
            experiment_of(Path::new("runs/cartpole__dqn__3__1700000000-1")).as_deref(),
            Some("cartpole__dqn")
        );
        assert_eq!(experiment_of(Path::new("docs/models/breakout-cpu")), None);
        assert_eq!(y_label_of("charts/episodic_return"), "episodic return");
        assert_eq!(y_label_of("eval/mean_return"), "mean return (evaluation)");
    }
}
