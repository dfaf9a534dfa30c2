//! The configuration reference in Markdown, rendered from the clap definitions of
//! [`Config`] so that `docs/configuration.md` cannot drift from the server (a test compares
//! them).

use std::fmt::Write as _;

use clap::{Args as _, Command};

use super::Config;

/// The Markdown of `docs/configuration.md`: every setting with its environment variable,
/// flag, default and description, in the order the server declares them.
pub fn reference_markdown() -> String {
    let command = Config::augment_args(Command::new("agentidp"));
    let mut out = String::from(
        "# Configuration\n\n\
         Every setting of `agentidp` is a flag and an environment variable of the same meaning; \
         a flag wins over the variable, and a `.env` file in the working directory is read too. \
         Every subcommand (`serve`, `migrate`, `bootstrap`, `keys`, `audit`) takes them all.\n\n\
         This page is generated from the server's own definitions \
         (`UPDATE_DOCS=1 cargo test --test docs` rewrites it; the test fails when it is stale).\n\n\
         | environment variable | flag | default | description |\n\
         |---|---|---|---|\n",
    );
    for arg in command.get_arguments() {
        let Some(long) = arg.get_long() else {
            continue;
        };
        if arg.is_hide_set() || long == "help" {
            continue;
        }
        let env = arg
            .get_env()
            .map_or_else(String::new, |e| format!("`{}`", e.to_string_lossy()));
        let default = arg
            .get_default_values()
            .iter()
            .map(|v| format!("`{}`", v.to_string_lossy()))
            .collect::<Vec<_>>()
            .join(", ");
        let mut help = arg
            .get_long_help()
            .or_else(|| arg.get_help())
            .map(ToString::to_string)
            .unwrap_or_default()
            .replace('\n', " ")
            .replace('|', "\\|");
        if !help.is_empty() && !help.ends_with('.') {
            help.push('.');
        }
        let choices: Vec<String> = arg
            .get_possible_values()
            .iter()
            .filter(|v| !v.is_hide_set())
            .map(|v| format!("`{}`", v.get_name()))
            .collect();
        if !choices.is_empty() && arg.get_action().takes_values() {
            let _ = write!(help, " One of {}.", choices.join(", "));
        }
        if arg.is_hide_env_values_set() {
            help.push_str(" Secret: its value is never shown in `--help`.");
        }
        let _ = writeln!(out, "| {env} | `--{long}` | {default} | {help} |");
    }
    out
}
