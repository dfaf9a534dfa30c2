//! Printing results: aligned tables and `key: value` blocks for people, JSON for scripts.

use serde::Serialize;

use crate::cli::Output;
use crate::error::CliError;

/// Prints `value` as pretty JSON.
pub fn json<T: Serialize + ?Sized>(value: &T) -> Result<(), CliError> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| CliError::Usage(format!("cannot print JSON: {e}")))?;
    println!("{text}");
    Ok(())
}

/// Prints `value` as JSON, or the `key: value` lines `fields` gives in table mode.
pub fn record<T: Serialize>(
    output: Output,
    value: &T,
    fields: impl FnOnce(&T) -> Vec<(&'static str, String)>,
) -> Result<(), CliError> {
    match output {
        Output::Json => json(value),
        Output::Table => {
            let fields = fields(value);
            let width = fields.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
            for (key, value) in fields {
                println!("{:width$}  {value}", format!("{key}:"), width = width + 1);
            }
            Ok(())
        }
    }
}

/// Prints rows under `headers`, columns padded to their widest cell.
pub fn table(headers: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut out = String::new();
        for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
            if i + 1 == cells.len() {
                out.push_str(cell);
            } else {
                out.push_str(&format!("{cell:w$}  ", w = *w));
            }
        }
        println!("{}", out.trim_end());
    };
    line(headers.to_vec());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
}

/// An optional time as RFC 3339 seconds, or `-`.
pub fn when(t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map_or_else(
        || "-".to_owned(),
        |t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    )
}

/// A list joined by commas, or `-`.
pub fn list(items: &[String]) -> String {
    if items.is_empty() {
        "-".to_owned()
    } else {
        items.join(", ")
    }
}
