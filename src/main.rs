//! The pullsim binary: parses arguments and hands them to the library.

use clap::Parser;

fn main() {
    let cli = pullsim::cli::Cli::parse();
    std::process::exit(pullsim::cli::main(cli));
}
