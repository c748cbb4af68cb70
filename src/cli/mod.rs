//! Command-line definitions (clap) and dispatch. Each command lives in its own file and only
//! wires the crates together.

mod bench;
mod eval;
mod list;
mod play;
mod plot;
mod progress;
mod record;
mod segnet;
mod train;
mod watch;

use clap::{Parser, Subcommand};

/// Deep Q-learning and Atari-like games in Rust.
///
/// Typical session: `dqn list`, `dqn play --env breakout`, `dqn train --env breakout`,
/// `dqn watch runs/<run>`, `dqn eval runs/<run>`, `dqn plot runs/<run> --out curve.png`.
/// Runs go to `runs/<env>__<name>__<seed>__<time>/`; open them with `tensorboard --logdir runs`.
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
    /// Train a DQN agent (see `dqn train --help`).
    Train(Box<train::TrainArgs>),
    /// Watch a trained agent play in a window, with its Q-values.
    Watch(watch::WatchArgs),
    /// Evaluate a trained agent: mean ± std return over full episodes; writes eval.json.
    Eval(eval::EvalArgs),
    /// Play a game yourself in a window (arrows + space; Esc quits).
    Play(play::PlayArgs),
    /// Record a GIF of a random or trained agent, headless.
    Record(record::RecordArgs),
    /// Draw a run's learning curve from its TensorBoard event files into a PNG.
    Plot(plot::PlotArgs),
    /// Benchmarks: env steps/s, learner updates/s, replay bytes, segnet images/s.
    Bench(bench::BenchArgs),
    /// Driving-scene segmentation with SegNet: gen, train, eval, predict, watch.
    Segnet(segnet::SegnetArgs),
}

/// Runs the parsed command.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    if cli.version {
        println!("{}", crate::runtime::version_text());
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

/// Parses a device string with the crate's rules, as an anyhow error.
pub fn device(spec: &str) -> anyhow::Result<tch::Device> {
    Ok(nets::parse_device(spec)?)
}

/// A flag that the first Ctrl-C (or SIGTERM) sets, so a training loop can save a checkpoint and
/// stop; a second Ctrl-C exits at once.
pub fn stop_on_ctrl_c() -> std::sync::Arc<std::sync::atomic::AtomicBool> {
    use std::sync::atomic::{AtomicBool, Ordering};
    let stop = std::sync::Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let _ = ctrlc::set_handler(move || {
        if flag.swap(true, Ordering::SeqCst) {
            eprintln!("\nsecond Ctrl-C: exiting without a checkpoint");
            std::process::exit(130);
        }
        eprintln!("\nCtrl-C: saving a checkpoint and stopping (press again to quit at once)");
    });
    stop
}
