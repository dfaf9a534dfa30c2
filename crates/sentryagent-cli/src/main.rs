//! `sentryagent`: the AgentIdP command line, built on `sentryagent-sdk`.

mod cli;
mod commands;
mod config;
mod error;
mod output;
mod prompt;

use std::process::ExitCode;

use clap::Parser;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match commands::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{}", e.line());
            ExitCode::from(e.exit_code())
        }
    }
}
