//! `dqn plot`: learning curves from TensorBoard event files, drawn with the envs crate's Frame.

use std::path::PathBuf;

use agents::tensorboard::read_scalars;
use clap::Args;
use envs::Frame;

/// Arguments of `dqn plot`.
#[derive(Args, Debug)]
#[command(
    after_help = "Example:\n  dqn plot runs/breakout__dqn__1__1700000000 --out curve.png\n  dqn plot runs/a runs/b --label scratch --label pretrained --tag eval/mean_return --out cmp.png"
)]
pub struct PlotArgs {
    /// One or more run folders (one curve each).
    #[arg(required = true)]
    pub runs: Vec<PathBuf>,
    /// Output PNG.
    #[arg(long)]
    pub out: PathBuf,
    /// The scalar to plot.
    #[arg(long, default_value = "charts/episodic_return")]
    pub tag: String,
    /// Legend label per run (default: the run folder's name).
    #[arg(long = "label")]
    pub labels: Vec<String>,
    /// Moving-average window, in points.
    #[arg(long, default_value_t = 20)]
    pub smooth: usize,
    /// Title (default: the tag).
    #[arg(long)]
    pub title: Option<String>,
}

const W: usize = 640;
const H: usize = 400;
const LEFT: usize = 60;
const RIGHT: usize = 20;
const TOP: usize = 30;
const BOTTOM: usize = 40;
const COLOURS: [[u8; 3]; 6] = [
    [31, 119, 180],
    [214, 39, 40],
    [44, 160, 44],
    [255, 127, 14],
    [148, 103, 189],
    [23, 190, 207],
];

fn lighter(c: [u8; 3]) -> [u8; 3] {
    c.map(|v| (v as u16 + (255 - v as u16) * 3 / 5) as u8)
}

fn nice(v: f64) -> String {
    if v.abs() >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if v.abs() >= 1e3 {
        format!("{:.0}k", v / 1e3)
    } else if v.abs() >= 10.0 || v == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

pub fn run(a: PlotArgs) -> anyhow::Result<()> {
    let mut series = Vec::new();
    for (i, run) in a.runs.iter().enumerate() {
        let scalars = read_scalars(run)?;
        let points = scalars.get(&a.tag).ok_or_else(|| {
            let tags: Vec<&String> = scalars.keys().collect();
            anyhow::anyhow!("{} has no '{}' scalars; it has: {:?}", run.display(), a.tag, tags)
        })?;
        let pts: Vec<(f64, f64)> = points.iter().map(|p| (p.step as f64, p.value)).collect();
        let label = a.labels.get(i).cloned().unwrap_or_else(|| {
            run.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| run.display().to_string())
        });
        series.push((label, pts));
    }
    let (mut x_max, mut y_min, mut y_max) = (1.0f64, f64::MAX, f64::MIN);
    for (_, pts) in &series {
        for (x, y) in pts {
            x_max = x_max.max(*x);
            y_min = y_min.min(*y);
            y_max = y_max.max(*y);
        }
    }
    if y_min > y_max {
        anyhow::bail!("no points to plot");
    }
    if (y_max - y_min).abs() < 1e-9 {
        y_max += 1.0;
        y_min -= 1.0;
    }
    let mut f = Frame::new(W, H);
    f.fill([255, 255, 255]);
    let (pw, ph) = ((W - LEFT - RIGHT) as f64, (H - TOP - BOTTOM) as f64);
    let px = |x: f64| (LEFT as f64 + x / x_max * pw) as i32;
    let py = |y: f64| (TOP as f64 + (1.0 - (y - y_min) / (y_max - y_min)) * ph) as i32;
    let grey = [200, 200, 200];
    let black = [30, 30, 30];
    for i in 0..=4 {
        let y = y_min + (y_max - y_min) * i as f64 / 4.0;
        f.line(LEFT as i32, py(y), (W - RIGHT) as i32, py(y), grey);
        let label = nice(y);
        f.text(LEFT as i32 - 6 - (label.len() * 6) as i32, py(y) - 3, &label, black, 1);
        let x = x_max * i as f64 / 4.0;
        f.line(px(x), TOP as i32, px(x), (H - BOTTOM) as i32, grey);
        let label = nice(x);
        f.text(
            px(x) - (label.len() * 3) as i32,
            (H - BOTTOM + 6) as i32,
            &label,
            black,
            1,
        );
    }
    f.line(
        LEFT as i32,
        (H - BOTTOM) as i32,
        (W - RIGHT) as i32,
        (H - BOTTOM) as i32,
        black,
    );
    f.line(LEFT as i32, TOP as i32, LEFT as i32, (H - BOTTOM) as i32, black);
    f.text((W / 2 - 15) as i32, (H - 14) as i32, "STEPS", black, 1);
    let title = a.title.clone().unwrap_or_else(|| a.tag.clone());
    f.text(LEFT as i32, 10, &title, black, 1);
    for (si, (label, pts)) in series.iter().enumerate() {
        let c = COLOURS[si % COLOURS.len()];
        for w in pts.windows(2) {
            f.line(px(w[0].0), py(w[0].1), px(w[1].0), py(w[1].1), lighter(c));
        }
        let k = a.smooth.max(1);
        let smooth: Vec<(f64, f64)> = (0..pts.len())
            .map(|i| {
                let lo = i.saturating_sub(k - 1);
                let ys = &pts[lo..=i];
                (pts[i].0, ys.iter().map(|p| p.1).sum::<f64>() / ys.len() as f64)
            })
            .collect();
        for w in smooth.windows(2) {
            for d in 0..2 {
                f.line(px(w[0].0), py(w[0].1) + d, px(w[1].0), py(w[1].1) + d, c);
            }
        }
        let ly = TOP as i32 + 6 + si as i32 * 12;
        f.rect((W - RIGHT - 150) as i32, ly + 2, 10, 3, c);
        let short: String = label.chars().take(22).collect();
        f.text((W - RIGHT - 136) as i32, ly, &short, black, 1);
    }
    atomic_io::write_atomic(&a.out, |tmp| f.save_png(tmp)).map_err(|e| anyhow::anyhow!("{}: {e}", a.out.display()))?;
    println!(
        "wrote {} ({} curve{})",
        a.out.display(),
        series.len(),
        if series.len() == 1 { "" } else { "s" }
    );
    Ok(())
}
