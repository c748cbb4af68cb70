//! Command-line definitions (clap) and dispatch. Each command lives in its own file and only
//! wires the crates together.

/// `println!` for what a command prints on stdout. When stdout is a closed pipe
/// (`dqn eval RUN | head -1`), the process ends quietly with 141, as a shell tool killed by
/// SIGPIPE does, where `println!` would panic. (SIGPIPE itself stays ignored, so that a gym
/// worker that dies gives a clean error rather than killing `dqn`.)
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::cli::stdout_line(format_args!($($arg)*))
    };
}

mod agent_view;
mod bench;
mod eval;
mod list;
mod play;
mod plot;
mod progress;
mod record;
mod record_hud;
mod seg_model;
mod seg_watch;
mod segnet;
mod signals;
mod train;
mod watch;
mod window_args;

use clap::{Parser, Subcommand};

/// Deep Q-learning and Atari-like games in Rust.
///
/// Typical session: `dqn list`, `dqn play --env breakout`, `dqn train --env breakout`,
/// `dqn watch runs/<run>`, `dqn eval runs/<run>`, `dqn plot runs/<run> --out curve.png`.
/// Runs go to `runs/<env>__<name>__<seed>__<time>/`. See them in TensorBoard with `make
/// tensorboard` in the checkout (or `.venv/bin/tensorboard --logdir runs`), then open
/// http://localhost:6006.
#[derive(Parser, Debug)]
#[command(name = "dqn", version = None, disable_version_flag = true, about, long_about)]
pub struct Cli {
    /// Print versions (dqn, tch, libtorch), the CPU thread count, whether the CPU runs bf16 natively and whether CUDA is available.
    #[arg(short = 'V', long = "version", global = false)]
    pub version: bool,
    /// libtorch CPU threads (applied before libtorch starts). Default 1: measured fastest on 2 cores.
    #[arg(long, global = true, value_name = "N")]
    pub threads: Option<usize>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// List the envs: ids, action meanings and observation shapes.
    List(list::ListArgs),
    /// Train a DQN agent on an env (presets, --set overrides, --resume).
    Train(Box<train::TrainArgs>),
    /// Watch a trained agent play in a window, with its Q-values.
    Watch(watch::WatchArgs),
    /// Evaluate a trained agent: mean ± std return over full episodes (--out FILE saves it).
    Eval(eval::EvalArgs),
    /// Play a game yourself in a window (each game's keys are shown in it; P pauses, Esc quits).
    Play(play::PlayArgs),
    /// Record a GIF of a random or trained agent (with --hud: what `watch` shows), headless.
    Record(record::RecordArgs),
    /// Draw learning curves from TensorBoard event files (PNG or SVG; seeds as mean and band).
    Plot(plot::PlotArgs),
    /// Benchmarks: env steps/s, learner updates/s, replay bytes, segnet images/s.
    Bench(bench::BenchArgs),
    /// Driving-scene segmentation with SegNet: gen, train, eval, calibrate, predict, watch.
    Segnet(segnet::SegnetArgs),
}

/// Runs the parsed command.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    if cli.version {
        outln!("{}", crate::runtime::version_text());
        return Ok(());
    }
    match cli.command {
        None => {
            use clap::CommandFactory;
            Cli::command().print_help()?;
            Ok(())
        }
        Some(Command::List(a)) => list::run(a),
        Some(Command::Train(a)) => train::run(*a),
        Some(Command::Watch(a)) => watch::run(a),
        Some(Command::Eval(a)) => eval::run(a),
        Some(Command::Play(a)) => play::run(a),
        Some(Command::Record(a)) => record::run(a),
        Some(Command::Plot(a)) => plot::run(a),
        Some(Command::Bench(a)) => bench::run(a),
        Some(Command::Segnet(a)) => segnet::run(a),
    }
}

/// Writes one line to stdout for [`outln!`]: exits 141 on a closed pipe, 1 with a one-line error
/// on any other write failure.
pub(crate) fn stdout_line(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_fmt(args).and_then(|()| out.write_all(b"\n")) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(141);
        }
        eprintln!("error: cannot write to stdout: {e}");
        std::process::exit(1);
    }
}

/// Creates a new run folder in `runs_dir` (`ENV__NAME__SEED__TIME`).
fn new_run_dir(runs_dir: &std::path::Path, env: &str, name: &str, seed: u64) -> anyhow::Result<agents::run::RunDir> {
    use anyhow::Context;
    agents::run::RunDir::create(runs_dir, env, name, seed)
        .with_context(|| format!("cannot create a run folder in {}", runs_dir.display()))
}

/// Trains in `run` as its one writer ([`agents::run::write_session`]: the lock, stale temp files
/// removed, a failed new run's folder removed), with its notices on stderr.
fn train_session(
    run: &agents::run::RunDir,
    resume: bool,
    has_checkpoint: impl Fn(&agents::run::RunDir) -> bool,
    work: impl FnOnce() -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    agents::run::write_session(run, resume, has_checkpoint, |l| eprintln!("{l}"), work)
}

/// Parses a device string with the crate's rules, as an anyhow error.
pub fn device(spec: &str) -> anyhow::Result<tch::Device> {
    Ok(nets::parse_device(spec)?)
}

/// The device as a person names it: `cpu`, or `cuda:N (GPU name)` when `nvidia-smi` can tell
/// the name.
pub fn device_name(device: tch::Device) -> String {
    match device {
        tch::Device::Cuda(n) => {
            let name = std::process::Command::new("nvidia-smi")
                .args(["--query-gpu=name", "--format=csv,noheader", &format!("--id={n}")])
                .output()
                .ok()
                .filter(|o| o.status.success())
                .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
                .filter(|s| !s.is_empty() && !s.contains('\n'));
            match name {
                Some(name) => format!("cuda:{n} ({name})"),
                None => format!("cuda:{n}"),
            }
        }
        tch::Device::Cpu => "cpu".into(),
        other => format!("{other:?}").to_lowercase(),
    }
}
