//! Reading answers: prompts on a terminal, plain lines when stdin is a pipe (scripts, tests).

use std::io::{BufRead, IsTerminal, Write};

use crate::error::CliError;

fn stdin_error(e: std::io::Error) -> CliError {
    CliError::Usage(format!("cannot read stdin: {e}"))
}

/// Reads one line from stdin (without its line ending); `None` at end of input.
pub fn read_line() -> Result<Option<String>, CliError> {
    let mut line = String::new();
    let n = std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(stdin_error)?;
    Ok((n > 0).then(|| line.trim_end_matches(['\r', '\n']).to_owned()))
}

/// Asks for a value on stderr; an empty answer keeps `default`.
pub fn ask(label: &str, default: Option<&str>) -> Result<String, CliError> {
    match default {
        Some(d) if !d.is_empty() => eprint!("{label} [{d}]: "),
        _ => eprint!("{label}: "),
    }
    let _ = std::io::stderr().flush();
    let answer = read_line()?
        .ok_or_else(|| CliError::Usage(format!("no answer for {label} (end of input)")))?;
    let answer = answer.trim();
    Ok(if answer.is_empty() {
        default.unwrap_or_default().to_owned()
    } else {
        answer.to_owned()
    })
}

/// Asks for a secret: without echo on a terminal, a plain line from a pipe.
pub fn ask_secret(label: &str) -> Result<String, CliError> {
    if std::io::stdin().is_terminal() {
        let secret = rpassword::prompt_password(format!("{label}: ")).map_err(stdin_error)?;
        return Ok(secret.trim().to_owned());
    }
    if std::io::stderr().is_terminal() {
        eprint!("{label}: ");
    }
    read_line()?
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| CliError::Usage(format!("no {label} on stdin")))
}

/// Asks a yes/no question; only `y` or `yes` proceeds.
pub fn confirm(question: &str) -> Result<(), CliError> {
    eprint!("{question} [y/N]: ");
    let _ = std::io::stderr().flush();
    match read_line()?.as_deref().map(str::trim) {
        Some(a) if a.eq_ignore_ascii_case("y") || a.eq_ignore_ascii_case("yes") => Ok(()),
        _ => Err(CliError::Aborted),
    }
}
