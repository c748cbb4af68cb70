//! `dqn segnet watch` and `dqn watch --segment`: the driving game, its ground truth (the game
//! knows every pixel's class) and a SegNet run's live prediction side by side, with a colour
//! legend, the per-class and mean IoU of each frame, and who is driving.

use std::path::Path;

use agents::dqn::stack::FrameStack;
use agents::dqn::Policy;
use agents::seg::predict::SegModel;
use clap::Args;
use envs::atari::AtariEnv;
use envs::controls::{KeyMap, KeyState, PAUSE_KEY};
use envs::seg_view::{class_iou, draw_legend, legend_rows, mean_iou, paint_classes};
use envs::viewer::{fit_scale, Viewer};
use envs::{Action, Env, EnvConfig, Frame, Scene};
use rand::{RngExt, SeedableRng};

use super::seg_model::load_model;
use super::window_args::WindowArgs;

/// Options of [`watch_segmentation`].
#[derive(Args, Debug, Clone)]
pub struct SegWatchOptions {
    /// Frames per second.
    #[arg(long, default_value_t = 15)]
    pub fps: usize,
    #[command(flatten)]
    pub window: WindowArgs,
    /// Ignore the run's calibration.json (class biases from `dqn segnet calibrate`).
    #[arg(long)]
    pub no_calibration: bool,
    /// Who drives: a DQN run trained on driving (`--driver RUN`), or `you` (↑ gas, ↓ brake,
    /// ←→ steer); a scripted driver by default.
    #[arg(long, value_name = "RUN|you")]
    pub driver: Option<String>,
}

/// Who drives the car.
enum Driver {
    /// Accelerates and steers in random spells.
    Scripted {
        rng: rand_pcg::Pcg64Mcg,
        action: Action,
        hold: u32,
    },
    /// A person, with the driving key map.
    Person,
    /// A trained DQN policy, on its own stack of observations.
    Agent { policy: Box<Policy>, stack: FrameStack<u8> },
}

impl Driver {
    fn label(&self) -> String {
        match self {
            Driver::Scripted { .. } => "DRIVER: SCRIPTED".into(),
            Driver::Person => "DRIVER: YOU".into(),
            Driver::Agent { policy, .. } => {
                let name = policy.run.path.file_name().map(|n| n.to_string_lossy().into_owned());
                format!("DRIVER: DQN {}", name.unwrap_or_default())
            }
        }
    }

    /// The env's action index for this step.
    fn action(&mut self, env: &AtariEnv, keys: &KeyState) -> anyhow::Result<usize> {
        Ok(match self {
            Driver::Scripted { rng, action, hold } => {
                if *hold == 0 {
                    *action = [Action::Fire, Action::Fire, Action::RightFire, Action::LeftFire][rng.random_range(0..4)];
                    *hold = rng.random_range(4..16);
                }
                *hold -= 1;
                env.actions().iter().position(|a| *a == *action).unwrap_or(0)
            }
            Driver::Person => {
                let want = KeyMap::Drive.action(keys).unwrap_or(0);
                env.actions().iter().position(|a| *a as usize == want).unwrap_or(0)
            }
            Driver::Agent { policy, stack } => policy.act(stack.as_slice())?.0,
        })
    }
}

/// Shows the driving game, its ground truth and the live segmentation of the SegNet run at
/// `seg_run` in one window. P pauses, Esc quits. `max_frames` stops after that many frames;
/// `screenshot` saves the last frame as a PNG. Without a display it runs headless when
/// `screenshot` or `max_frames` is set (and nobody but a person is to drive).
pub fn watch_segmentation(seg_run: &Path, opts: &SegWatchOptions) -> anyhow::Result<()> {
    if opts.fps == 0 {
        anyhow::bail!("--fps must be ≥ 1");
    }
    let model = load_model(seg_run, tch::Device::Cpu, opts.no_calibration)?;
    let (mut driver, cfg) = match opts.driver.as_deref() {
        None => {
            let rng = rand_pcg::Pcg64Mcg::seed_from_u64(opts.window.seed);
            let d = Driver::Scripted {
                rng,
                action: Action::Fire,
                hold: 0,
            };
            (d, EnvConfig::default())
        }
        Some("you") => (Driver::Person, EnvConfig::default()),
        Some(run) => {
            let policy = Policy::load(Path::new(run), tch::Device::Cpu)?;
            if policy.cfg.env_id != "driving" || !policy.pixels {
                anyhow::bail!(
                    "--driver {run}: that run was trained on '{}', not driving",
                    policy.cfg.env_id
                );
            }
            let cfg = policy.cfg.training_env_config();
            let stack = FrameStack::new(policy.cfg.dqn.frame_stack, 1);
            (
                Driver::Agent {
                    policy: Box::new(policy),
                    stack,
                },
                cfg,
            )
        }
    };
    let game = envs::registry::make_game("driving").ok_or_else(|| anyhow::anyhow!("no driving game"))?;
    let mut env = AtariEnv::new(game, &cfg)?;
    let (w, h) = env.render_size();
    let mut layout = Layout::new(w, h);
    let scale = opts
        .window
        .scale
        .unwrap_or_else(|| fit_scale(layout.width, layout.height));
    let title = "dqn segnet watch: game | ground truth | segmentation";
    let mut viewer = match Viewer::open(title, layout.width, layout.height, scale) {
        Ok(v) => Some(v),
        Err(e) if matches!(driver, Driver::Person) => return Err(e.into()),
        Err(e) if opts.window.screenshot.is_some() || opts.window.max_frames.is_some() => {
            eprintln!("no window ({e}); running headless");
            None
        }
        Err(e) => return Err(e.into()),
    };
    if let Some(v) = viewer.as_mut() {
        v.set_target_fps(opts.fps);
    }
    outln!(
        "{} ({}); {PAUSE_KEY} = pause, Esc = quit",
        driver.label().to_lowercase(),
        model.checkpoint.display()
    );
    let (obs, _) = env.reset(Some(opts.window.seed));
    if let Driver::Agent { policy, stack } = &mut driver {
        let first = obs.pixels().unwrap_or_default();
        *stack = FrameStack::new(policy.cfg.dqn.frame_stack, first.len());
        stack.reset(first);
    }
    let (mut frames, mut paused) = (0u64, false);
    let mut frame = SegFrame::new(w, h);
    loop {
        let keys = viewer.as_ref().map(Viewer::keys).unwrap_or_default();
        if viewer.as_ref().is_some_and(|v| !v.is_open()) || keys.escape {
            break;
        }
        paused ^= keys.pause_pressed;
        if !paused || frames == 0 {
            let action = driver.action(&env, &keys)?;
            let step = env.step(action)?;
            let done = step.terminated || step.truncated;
            if let (Driver::Agent { stack, .. }, Some(px)) = (&mut driver, step.obs.pixels()) {
                stack.push(px);
            }
            if done {
                let (obs, _) = env.reset(None);
                if let (Driver::Agent { stack, .. }, Some(px)) = (&mut driver, obs.pixels()) {
                    stack.reset(px);
                }
            }
            frame.update(&env, &model)?;
        }
        layout.draw(&frame, &driver.label(), paused);
        if let Some(v) = viewer.as_mut() {
            v.show(&layout.canvas)?;
        }
        frames += 1;
        if opts.window.max_frames.is_some_and(|m| frames >= m) {
            break;
        }
    }
    if let Some(path) = &opts.window.screenshot {
        let shot = layout.canvas.scaled(viewer.as_ref().map_or(scale, Viewer::scale));
        envs::viewer::save_png_atomic(&shot, path)?;
        outln!("screenshot: {}", path.display());
    }
    Ok(())
}

/// One frame of the view: the picture, its ground truth, the prediction and their IoU.
struct SegFrame {
    picture: Frame,
    truth: Vec<u8>,
    pred: Vec<u8>,
    iou: [Option<f32>; envs::Class::COUNT],
    /// Sum and count of the frames' mean IoUs, for the running mean.
    running: (f64, u64),
}

impl SegFrame {
    fn new(w: usize, h: usize) -> Self {
        SegFrame {
            picture: Frame::new(w, h),
            truth: vec![envs::Class::Void as u8; w * h],
            pred: vec![envs::Class::Void as u8; w * h],
            iou: [None; envs::Class::COUNT],
            running: (0.0, 0),
        }
    }

    fn update(&mut self, env: &AtariEnv, model: &SegModel) -> anyhow::Result<()> {
        let (w, h) = (self.picture.width, self.picture.height);
        env.render(&mut self.picture);
        let mut scene = Scene::new(w as f32, h as f32);
        env.game().draw(&mut scene);
        scene.render_labels(&mut self.truth, w, h);
        self.pred = model.predict_rgb(&self.picture.data, w, h)?;
        self.iou = class_iou(&self.truth, &self.pred);
        if let Some((m, _)) = mean_iou(&self.iou) {
            self.running.0 += m as f64;
            self.running.1 += 1;
        }
        Ok(())
    }
}

/// Where the three pictures, their titles, the legend and the status line go.
struct Layout {
    w: usize,
    h: usize,
    width: usize,
    height: usize,
    canvas: Frame,
}

const TITLE_H: usize = 12;
const WHITE: [u8; 3] = [236, 236, 236];

impl Layout {
    fn new(w: usize, h: usize) -> Self {
        let width = 3 * w + 4;
        let height = TITLE_H + h + 4 + legend_rows(width) * envs::seg_view::LEGEND_ROW_H + 12;
        Layout {
            w,
            h,
            width,
            height,
            canvas: Frame::new(width, height),
        }
    }

    fn draw(&mut self, f: &SegFrame, driver: &str, paused: bool) {
        let (w, h, c) = (self.w, self.h, &mut self.canvas);
        c.fill([0, 0, 0]);
        let titles = ["GAME", "TRUTH (FROM THE GAME)", "SEGNET PREDICTION"];
        for (i, title) in titles.iter().enumerate() {
            c.text((i * (w + 2) + 2) as i32, 2, title, WHITE, 1);
        }
        c.blit_scaled(&f.picture, 0, TITLE_H as i32, 1);
        paint_classes(c, w + 2, TITLE_H, &f.truth, w, h);
        paint_classes(c, 2 * (w + 2), TITLE_H, &f.pred, w, h);
        let legend_y = TITLE_H + h + 4;
        let used = draw_legend(c, 2, legend_y, self.width - 4, Some(&f.iou));
        let miou = match mean_iou(&f.iou) {
            Some((m, n)) => format!("FRAME MIOU {m:.2} OVER {n} CLASSES"),
            None => "FRAME MIOU -".to_string(),
        };
        let mean = if f.running.1 > 0 {
            format!("  MEAN {:.2}", f.running.0 / f.running.1 as f64)
        } else {
            String::new()
        };
        let status = if paused {
            "PAUSED".to_string()
        } else {
            format!("{PAUSE_KEY} PAUSE")
        };
        let y = (legend_y + used + 2) as i32;
        let sx = self.width as i32 - 2 - envs::font::text_width(&status, 1) as i32;
        let line = fit_text(&format!("{miou}{mean}   {driver}"), (sx - 10).max(0) as usize);
        c.text(2, y, &line, WHITE, 1);
        c.text(sx, y, &status, [250, 210, 80], 1);
    }
}

/// `text`, cut to at most `width` pixels at scale 1, with ".." where it was cut (a long run name
/// must not run into the pause status).
fn fit_text(text: &str, width: usize) -> String {
    if envs::font::text_width(text, 1) <= width {
        return text.to_string();
    }
    let mut cut: String = text.to_string();
    while !cut.is_empty() && envs::font::text_width(&format!("{cut}.."), 1) > width {
        cut.pop();
    }
    format!("{cut}..")
}

#[cfg(test)]
mod tests {
    use super::fit_text;

    #[test]
    fn a_long_status_line_is_cut_to_its_width() {
        assert_eq!(fit_text("DRIVER: YOU", 500), "DRIVER: YOU");
        let cut = fit_text("DRIVER: DQN DRIVING__DQN__1__1796151201", 120);
        assert!(envs::font::text_width(&cut, 1) <= 120, "{cut}");
        assert!(cut.starts_with("DRIVER: DQN") && cut.ends_with(".."), "{cut}");
    }
}
