//! `dqn`: the command-line front door. Thin: it parses arguments and calls the crates.

mod cli;
mod runtime;

use clap::Parser;

fn main() {
    if let Err(msg) = runtime::apply_threads() {
        eprintln!("error: {msg}");
        std::process::exit(2);
    }
    let args = cli::Cli::parse();
    if let Err(e) = cli::run(args) {
        // One line: the error and its causes, joined.
        let msg = format!("{e:#}").replace('\n', "; ");
        eprintln!("error: {msg}");
        std::process::exit(1);
    }
}
