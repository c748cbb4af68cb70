//! `dqn`: the command-line front door. Thin: it parses arguments and calls the crates.

mod cli;
mod runtime;

use clap::Parser;

fn main() {
    if let Err(msg) = runtime::apply_threads() {
        eprintln!("error: {msg}");
        std::process::exit(2);
    }
    runtime::tune_malloc();
    let args = cli::Cli::parse();
    if let Err(e) = cli::run(args) {
        eprintln!("error: {}", one_line(&e));
        std::process::exit(1);
    }
}

/// The error and its causes on one line, joined by ": ", leaving out a cause whose text the line
/// already holds (many errors repeat their source's message in their own).
fn one_line(e: &anyhow::Error) -> String {
    let mut msg = e.to_string();
    for cause in e.chain().skip(1) {
        let c = cause.to_string();
        if !msg.contains(&c) {
            msg.push_str(": ");
            msg.push_str(&c);
        }
    }
    msg.replace('\n', "; ")
}

#[cfg(test)]
mod tests {
    use super::one_line;

    #[test]
    fn causes_are_joined_once() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        let e = anyhow::Error::new(io)
            .context("cannot write x.gif: no such file")
            .context("record");
        assert_eq!(one_line(&e), "record: cannot write x.gif: no such file");
        let e = anyhow::anyhow!("line one\nline two").context("outer");
        assert_eq!(one_line(&e), "outer: line one; line two");
    }
}
