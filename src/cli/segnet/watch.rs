//! `dqn segnet watch`: the driving game beside the live segmentation of a SegNet run.

use std::path::{Path, PathBuf};

use clap::Args;
use envs::viewer::Viewer;
use envs::Frame;
use rand::{RngExt, SeedableRng};

use super::use_run::load_model;

#[derive(Args, Debug)]
pub struct SegWatchArgs {
    /// A segnet run folder.
    pub run: PathBuf,
    #[command(flatten)]
    pub opts: SegWatchOptions,
}

/// Options of [`watch_segmentation`].
#[derive(Args, Debug, Clone)]
pub struct SegWatchOptions {
    /// Frames per second.
    #[arg(long, default_value_t = 15)]
    pub fps: usize,
    /// Window scale.
    #[arg(long, default_value_t = 2)]
    pub scale: usize,
    /// Game seed.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Stop after this many frames.
    #[arg(long)]
    pub max_frames: Option<u64>,
    /// Save the last shown frame (game | segmentation) as a PNG.
    #[arg(long)]
    pub screenshot: Option<PathBuf>,
    /// Ignore the run's calibration.json (class biases from `dqn segnet calibrate`).
    #[arg(long)]
    pub no_calibration: bool,
}

/// Plays the `driving` game with a simple scripted driver (accelerate, steer in random spells) and
/// shows the game on the left and the SegNet run's live prediction (CamVid colours) on the right in
/// one window. Esc quits. `max_frames` stops after that many frames; `screenshot` saves the last
/// frame as a PNG. Without a display, it runs headless when `screenshot` or `max_frames` is set.
pub fn watch_segmentation(seg_run: &Path, opts: &SegWatchOptions) -> anyhow::Result<()> {
    if opts.fps == 0 || !(1..=8).contains(&opts.scale) {
        anyhow::bail!("--fps must be ≥ 1 and --scale in 1..=8");
    }
    let model = load_model(seg_run, tch::Device::Cpu, opts.no_calibration)?;
    let mut env = envs::make("driving", &envs::EnvConfig::default())?;
    let (w, h) = env.render_size();
    let mut viewer = match Viewer::open("dqn segnet watch: driving | segmentation", 2 * w, h, opts.scale) {
        Ok(v) => Some(v),
        Err(e) if opts.screenshot.is_some() || opts.max_frames.is_some() => {
            eprintln!("no window ({e}); running headless");
            None
        }
        Err(e) => return Err(e.into()),
    };
    if let Some(v) = viewer.as_mut() {
        v.set_target_fps(opts.fps);
    }
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(opts.seed);
    env.reset(Some(opts.seed));
    let (mut picture, mut canvas) = (Frame::new(w, h), Frame::new(2 * w, h));
    let (mut frames, mut action, mut hold) = (0u64, 1usize, 0u32);
    loop {
        if let Some(v) = &viewer {
            if !v.is_open() || v.keys().escape {
                break;
            }
        }
        if hold == 0 {
            // 1 = accelerate, 5 = accelerate right, 6 = accelerate left.
            action = [1, 1, 5, 6][rng.random_range(0..4)];
            hold = rng.random_range(4..16);
        }
        hold -= 1;
        let step = env.step(action)?;
        if step.terminated || step.truncated {
            env.reset(None);
        }
        env.render(&mut picture);
        let ids = model.predict_rgb(&picture.data, w, h)?;
        let colours = agents::seg::colormap::colorize(&ids);
        for y in 0..h {
            let row = y * 2 * w * 3;
            canvas.data[row..row + w * 3].copy_from_slice(&picture.data[y * w * 3..(y + 1) * w * 3]);
            canvas.data[row + w * 3..row + 2 * w * 3].copy_from_slice(&colours[y * w * 3..(y + 1) * w * 3]);
        }
        if let Some(v) = viewer.as_mut() {
            v.show(&canvas)?;
        }
        frames += 1;
        if opts.max_frames.is_some_and(|m| frames >= m) {
            break;
        }
    }
    if let Some(path) = &opts.screenshot {
        envs::viewer::save_png_atomic(&canvas, path)?;
        println!("screenshot: {}", path.display());
    }
    Ok(())
}
