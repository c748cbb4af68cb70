//! `dqn segnet gen | train | eval | predict | calibrate | watch`: driving-scene segmentation with SegNet.

mod train;
mod use_run;

use std::path::PathBuf;

use agents::seg::gen::{generate, SplitCounts};
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

pub use super::seg_watch::{watch_segmentation, SegWatchOptions};
pub use train::SegTrainArgs;
pub use use_run::{CalibrateArgs, PredictArgs, SegEvalArgs};

/// Arguments of `dqn segnet watch`.
#[derive(Args, Debug)]
pub struct SegWatchArgs {
    /// A segnet run folder.
    pub run: PathBuf,
    #[command(flatten)]
    pub opts: SegWatchOptions,
}

/// Arguments of `dqn segnet`.
#[derive(Args, Debug)]
pub struct SegnetArgs {
    #[command(subcommand)]
    pub command: SegnetCommand,
}

/// The `dqn segnet` subcommands.
#[derive(Subcommand, Debug)]
pub enum SegnetCommand {
    /// Generate a driving-scene dataset in the CamVid layout (train/ trainannot/ ... train.txt ...).
    Gen(GenArgs),
    /// Train a SegNet on a CamVid-layout dataset; makes runs/segnet__<preset>__<seed>__<time>/.
    Train(SegTrainArgs),
    /// Evaluate a SegNet run on a split: global accuracy, class-average accuracy, mIoU, IoU per class.
    Eval(SegEvalArgs),
    /// Write colourised masks, raw class-id masks and overlays for images.
    Predict(PredictArgs),
    /// Fit per-class logit biases on the val split that maximise mIoU (used by eval/predict/watch).
    Calibrate(CalibrateArgs),
    /// Watch the driving game beside its ground truth and the live segmentation (legend, IoU).
    Watch(SegWatchArgs),
}

#[derive(Args, Debug)]
pub struct GenArgs {
    /// Output folder (must not exist or be empty).
    #[arg(long)]
    pub out: PathBuf,
    /// Training images.
    #[arg(long, default_value_t = 1000)]
    pub train: usize,
    /// Validation images.
    #[arg(long, default_value_t = 200)]
    pub val: usize,
    /// Test images.
    #[arg(long, default_value_t = 200)]
    pub test: usize,
    /// Image size HxW (CamVid is 360x480).
    #[arg(long, default_value = "360x480", value_parser = parse_size)]
    pub size: (usize, usize),
    /// Random seed.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

/// The largest image side `--size` accepts (CamVid is 360x480).
const MAX_SIDE: usize = 4096;

/// Parses `HxW`, e.g. `360x480`.
pub fn parse_size(s: &str) -> Result<(usize, usize), String> {
    let bad = || format!("size must be HxW with positive integers, e.g. 360x480; got `{s}`");
    let (h, w) = s.split_once(['x', 'X']).ok_or_else(bad)?;
    let (h, w) = (
        h.trim().parse::<usize>().map_err(|_| bad())?,
        w.trim().parse::<usize>().map_err(|_| bad())?,
    );
    if h == 0 || w == 0 {
        return Err(bad());
    }
    if h > MAX_SIDE || w > MAX_SIDE {
        return Err(format!(
            "image size {h}×{w} is too large: each side must be at most {MAX_SIDE} pixels"
        ));
    }
    Ok((h, w))
}

pub fn run(a: SegnetArgs) -> anyhow::Result<()> {
    match a.command {
        SegnetCommand::Gen(a) => gen(a),
        SegnetCommand::Train(a) => train::run(a),
        SegnetCommand::Eval(a) => use_run::eval(a),
        SegnetCommand::Predict(a) => use_run::predict(a),
        SegnetCommand::Calibrate(a) => use_run::calibrate(a),
        SegnetCommand::Watch(a) => watch_segmentation(&a.run, &a.opts),
    }
}

/// A progress bar on a terminal, hidden otherwise.
fn bar(len: u64, template: &str) -> ProgressBar {
    use std::io::IsTerminal;
    let bar = if std::io::stderr().is_terminal() {
        ProgressBar::new(len)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar()));
    bar
}

fn gen(a: GenArgs) -> anyhow::Result<()> {
    let total = a.train.saturating_add(a.val).saturating_add(a.test) as u64;
    let pb = bar(total, "{bar:30.cyan/blue} {pos}/{len} images  {per_sec}  ETA {eta}");
    let counts = SplitCounts {
        train: a.train,
        val: a.val,
        test: a.test,
    };
    let report = generate(&a.out, counts, a.size, a.seed, &|done, _| pb.set_position(done as u64))?;
    pb.finish_and_clear();
    let labelled: u64 = report.class_pixels[..11].iter().sum();
    outln!(
        "wrote {} images ({}x{}) to {}: train {}, val {}, test {}",
        report.images,
        a.size.0,
        a.size.1,
        a.out.display(),
        a.train,
        a.val,
        a.test
    );
    let shares: Vec<String> = (0..11)
        .map(|c| {
            let name = agents::seg::evaluate::class_name(c);
            format!(
                "{name} {:.1}%",
                100.0 * report.class_pixels[c] as f64 / labelled.max(1) as f64
            )
        })
        .collect();
    outln!("class pixels: {}", shares.join(", "));
    Ok(())
}
